/** The policy file: defaults, errors at their lines, inputs merged over the file, contradictions. */
import { describe, expect, it } from '@jest/globals'

import { parseConfig, resolveConfig, type ConfigParse } from '../../src/core/config/parse.js'
import { GateConfigSchema, parseRegistryLocation } from '../../src/core/config/schema.js'
import type { SourceIssue } from '../../src/core/yaml/load.js'

function okParse(r: ConfigParse): Extract<ConfigParse, { ok: true }> {
  if (!r.ok) throw new Error(JSON.stringify(r.issues, null, 2))
  return r
}
function issues(r: { ok: boolean; issues?: SourceIssue[] }): SourceIssue[] {
  if (r.ok || !r.issues) throw new Error('expected a failure')
  return r.issues
}

const DEFAULTS = {
  mode: 'enforce',
  comment: 'on-failure',
  registry: 'ai-registry.yaml',
  registryRef: 'head',
  registryUnavailable: 'fail',
  severity: {},
  requiredMetadata: ['owner'],
  include: [],
  exclude: [],
  unsafeSerialization: 'allow-with-exception',
  release: { requireApproved: false }
}

describe('parseConfig', () => {
  it('applies the documented defaults to an empty file', () => {
    expect(okParse(parseConfig('')).config).toEqual(DEFAULTS)
    expect(okParse(parseConfig('# nothing yet\n')).config).toEqual(DEFAULTS)
    expect(GateConfigSchema.parse({})).toEqual(DEFAULTS)
  })

  it('reads every setting', () => {
    const text = `version: 1
mode: warn
comment: always
registry: acme/governance/ai-registry.yaml@main
registryUnavailable: warn
severity:
  MG001: warning
  unsafe-serialization: off
requiredMetadata: [owner, source, frameworkVersion]
include: ["models/**"]
exclude: ["models/fixtures/**"]
unsafeSerialization: fail
release:
  requireApproved: true
`
    const r = okParse(parseConfig(text))
    expect(r.config).toMatchObject({
      mode: 'warn',
      comment: 'always',
      registry: 'acme/governance/ai-registry.yaml@main',
      severity: { MG001: 'warning', 'unsafe-serialization': 'off' },
      requiredMetadata: ['owner', 'source', 'frameworkVersion'],
      unsafeSerialization: 'fail',
      release: { requireApproved: true }
    })
    expect(r.values.mode).toBe('warn')
    expect(r.values.registryRef).toBeUndefined() // values are the file's own, without defaults
  })

  it('reports errors at their line and column with hints', () => {
    const text =
      'mode: enforced\ncomment: sometimes\nseverty:\n  MG001: off\nrelease:\n  requireApproved: "yes"\n'
    expect(issues(parseConfig(text)).map(i => [i.line, i.column, i.message, i.hint])).toEqual([
      [1, 7, 'mode must be one of enforce, warn; found the text "enforced"', 'did you mean `enforce`?'],
      [2, 10, 'comment must be one of on-failure, always, never; found the text "sometimes"', undefined],
      [3, 1, 'unknown field `severty` in the configuration', 'did you mean `severity`?'],
      [6, 20, 'release.requireApproved must be true or false, not the text "yes"', undefined]
    ])
  })

  it('refuses bad finding codes, severities and metadata fields', () => {
    const text = 'severity:\n  "MG 1": off\n  MG002: fatal\n  __proto__: off\n'
    expect(issues(parseConfig(text))[0]?.message).toBe('severity: `__proto__` is not a finding code')
    const [a, b] = issues(parseConfig('severity:\n  "MG 1": off\n  MG002: fatal\n'))
    expect(a).toMatchObject({ line: 2, column: 3 })
    expect(a?.message).toContain('must be a finding code such as MG001')
    expect(b).toMatchObject({ line: 3, column: 10 })
    expect(b?.message).toBe(
      'severity.MG002 must be one of error, warning, notice, off; found the text "fatal"'
    )
    const [c] = issues(parseConfig('requiredMetadata: [owner, sorce]\n'))
    expect(c).toMatchObject({ line: 1, column: 27, hint: 'did you mean `source`?' })
  })

  it('refuses contradictions', () => {
    const text =
      'registry: acme/gov/ai-registry.yaml@v1\nregistryRef: base\ninclude: ["models/**"]\nexclude: ["models/**", "x/**", "x/**"]\n'
    expect(issues(parseConfig(text)).map(i => [i.line, i.message])).toEqual([
      [
        2,
        'registryRef cannot be `base` with a central registry: a central registry is already the trusted source; remove `registryRef` or use a repository path'
      ],
      [4, 'exclude[0] repeats `models/**` from include; a path cannot be both included and excluded'],
      [4, 'exclude[2] lists `x/**` twice']
    ])
  })

  it('refuses hostile YAML like the registry does', () => {
    expect(issues(parseConfig('mode: warn\nmode: enforce\n'))[0]?.message).toContain('duplicate key')
    expect(
      issues(
        parseConfig('[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[')
      )[0]?.message
    ).toContain('nests deeper')
    expect(issues(parseConfig('- mode\n'))[0]?.message).toBe(
      'the configuration must be a mapping, not a list'
    )
  })
})

describe('resolveConfig', () => {
  const file = okParse(parseConfig('mode: warn\ncomment: never\nregistry: gov/ai-registry.yaml\n'))

  it('uses the file when no input is set, then the defaults', () => {
    const r = resolveConfig(file.values, {})
    expect(r.ok && r.config).toMatchObject({
      mode: 'warn',
      comment: 'never',
      registryRef: 'head',
      registryLocation: { kind: 'local', path: 'gov/ai-registry.yaml' }
    })
    const d = resolveConfig(undefined, {})
    expect(d.ok && d.config).toEqual({
      ...DEFAULTS,
      registryLocation: { kind: 'local', path: 'ai-registry.yaml' }
    })
  })

  it('lets inputs override the file', () => {
    const r = resolveConfig(file.values, {
      mode: 'enforce',
      'registry-ref': 'base',
      token: 'ignored',
      config: 'ignored'
    })
    expect(r.ok && r.config).toMatchObject({ mode: 'enforce', comment: 'never', registryRef: 'base' })
  })

  it('treats empty and blank inputs as unset, so the file survives', () => {
    const r = resolveConfig(file.values, { mode: '', comment: '   ', registry: undefined })
    expect(r.ok && r.config).toMatchObject({
      mode: 'warn',
      comment: 'never',
      registry: 'gov/ai-registry.yaml'
    })
  })

  it('parses a central registry location', () => {
    const r = resolveConfig(undefined, { registry: 'acme/governance/registry/ai-registry.yaml@v2' })
    expect(r.ok && r.config.registryLocation).toEqual({
      kind: 'central',
      owner: 'acme',
      repo: 'governance',
      path: 'registry/ai-registry.yaml',
      ref: 'v2'
    })
  })

  it('names the input when an input is invalid', () => {
    const [i] = issues(resolveConfig(file.values, { mode: 'strict' }))
    expect(i).toMatchObject({ line: 0, column: 0, path: ['mode'] })
    expect(i?.message).toBe('mode must be one of enforce, warn; found the text "strict"')
    expect(i?.hint).toContain('set by the action input `mode`')
  })

  it('refuses a contradiction between an input and the file, pointing into the file', () => {
    const f = okParse(parseConfig('comment: never\nregistryRef: base\n'))
    const [i] = issues(
      resolveConfig(f.values, { registry: 'acme/gov/ai-registry.yaml@main' }, { lineOf: f.lineOf })
    )
    expect(i).toMatchObject({ line: 2, column: 14, path: ['registryRef'] })
    expect(i?.message).toContain('cannot be `base` with a central registry')
    const [j] = issues(
      resolveConfig(undefined, { registry: 'acme/gov/ai-registry.yaml@main', 'registry-ref': 'base' })
    )
    expect(j?.hint).toContain('set by the action input `registry-ref`')
  })

  it('refuses a non-mapping file value', () => {
    expect(resolveConfig(['x'], {}).ok).toBe(false)
  })
})

describe('parseRegistryLocation', () => {
  it('accepts local paths and owner/repo/path@ref', () => {
    expect(parseRegistryLocation('ai-registry.yaml')).toEqual({ kind: 'local', path: 'ai-registry.yaml' })
    expect(parseRegistryLocation('o/r/p.yaml@refs/heads/main')).toEqual({
      kind: 'central',
      owner: 'o',
      repo: 'r',
      path: 'p.yaml',
      ref: 'refs/heads/main'
    })
  })

  it('refuses malformed locations', () => {
    for (const bad of [
      '',
      '/etc/passwd',
      '../x.yaml',
      'a\\b.yaml',
      'o/r@main',
      'o/r/p.yaml@',
      'o/r/../p.yaml@main',
      'dir/'
    ]) {
      expect(parseRegistryLocation(bad)).toHaveProperty('error')
    }
  })
})
