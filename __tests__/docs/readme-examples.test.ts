import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseConfig } from '../../src/core/config/parse.js'
import { parseRegistry } from '../../src/core/registry/parse.js'
import { RULES } from '../../src/core/policy/rules.js'

/** The README's examples are what users copy, so they must parse with the real schemas. */
const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8')

function yamlBlockAfter(heading: string): string {
  const start = readme.indexOf(heading)
  expect(start).toBeGreaterThanOrEqual(0)
  const block = /```yaml\n([\s\S]*?)\n```/.exec(readme.slice(start))
  return block?.[1] ?? ''
}

describe('README examples', () => {
  it('the registry example is a valid registry', () => {
    const parsed = parseRegistry(yamlBlockAfter('## The registry'))
    expect(parsed.ok ? [] : parsed.issues).toEqual([])
  })

  it('the policy file example is a valid policy file', () => {
    const parsed = parseConfig(yamlBlockAfter('## The policy file'))
    expect(parsed.ok ? [] : parsed.issues).toEqual([])
  })

  it('the findings table lists every rule, with its slug and default severity', () => {
    for (const rule of RULES.values()) {
      expect(readme).toContain(`| ${rule.code} | \`${rule.slug}\` | ${rule.defaultSeverity} |`)
    }
  })
})
