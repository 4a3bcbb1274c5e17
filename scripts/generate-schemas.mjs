#!/usr/bin/env node
/**
 * Regenerates the committed JSON Schemas and the registry reference from the zod schemas:
 *   schema/ai-registry.schema.json, schema/modelgate-config.schema.json, docs/registry.md
 * Run with Node 24 (built-in TypeScript type stripping): `node scripts/generate-schemas.mjs`
 * (`--check` exits 1 instead of writing when a file is stale).
 * The sources use NodeNext `.js` import suffixes, so a resolve hook maps a missing `./x.js` to `./x.ts`.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import { registerHooks } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context)
    } catch (error) {
      if (error?.code === 'ERR_MODULE_NOT_FOUND' && specifier.startsWith('.') && specifier.endsWith('.js')) {
        return nextResolve(`${specifier.slice(0, -3)}.ts`, context)
      }
      throw error
    }
  }
})

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { registryJsonSchema, configJsonSchema, jsonSchemaText } =
  await import('../src/core/registry/json-schema.ts')
const { renderRegistryDocs } = await import('../src/core/registry/docs.ts')

const outputs = [
  ['schema/ai-registry.schema.json', jsonSchemaText(registryJsonSchema())],
  ['schema/modelgate-config.schema.json', jsonSchemaText(configJsonSchema())],
  ['docs/registry.md', renderRegistryDocs()]
]

const check = process.argv.includes('--check')
let stale = 0
for (const [rel, text] of outputs) {
  const file = join(root, rel)
  const current = await readFile(file, 'utf8').catch(() => undefined)
  if (current === text) continue
  if (check) {
    console.error(`${rel} is out of date; run node scripts/generate-schemas.mjs`)
    stale++
  } else {
    await mkdir(dirname(file), { recursive: true })
    await writeFile(file, text)
    console.log(`wrote ${rel}`)
  }
}
process.exitCode = stale > 0 ? 1 : 0
