/**
 * The committed JSON Schemas and docs/registry.md are generated from the zod schemas and must be
 * current. Regenerate with `node scripts/generate-schemas.mjs` (Node 24).
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from '@jest/globals'

import { renderRegistryDocs } from '../../src/core/registry/docs.js'
import { configJsonSchema, jsonSchemaText, registryJsonSchema } from '../../src/core/registry/json-schema.js'
import { parseRegistry } from '../../src/core/registry/parse.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const read = (rel: string): string => readFileSync(join(root, rel), 'utf8')
const HOW = 'run `node scripts/generate-schemas.mjs` and commit the result'

describe('generated files', () => {
  it('schema/ai-registry.schema.json is current', () => {
    expect({ file: read('schema/ai-registry.schema.json'), HOW }).toEqual({
      file: jsonSchemaText(registryJsonSchema()),
      HOW
    })
  })

  it('schema/modelgate-config.schema.json is current', () => {
    expect({ file: read('schema/modelgate-config.schema.json'), HOW }).toEqual({
      file: jsonSchemaText(configJsonSchema()),
      HOW
    })
  })

  it('docs/registry.md is current', () => {
    expect({ file: read('docs/registry.md'), HOW }).toEqual({ file: renderRegistryDocs(), HOW })
  })

  it('the JSON Schema describes the registry for editors', () => {
    const s = registryJsonSchema()
    expect(s.$schema).toBe('http://json-schema.org/draft-07/schema#')
    expect(s.additionalProperties).toBe(false)
    expect(s.required).toEqual(['version'])
    const text = JSON.stringify(s)
    expect(text).toContain('"pattern":"^[0-9a-f]{64}$"')
    expect(text).toContain('"enum":["pending","approved","retired"]')
  })

  it('the example in docs/registry.md is a valid registry', () => {
    const md = renderRegistryDocs()
    const example = /```yaml\n([\s\S]*?)```/.exec(md)?.[1]
    expect(example).toBeDefined()
    expect(parseRegistry(example!).ok).toBe(true)
  })
})
