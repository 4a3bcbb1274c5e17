/**
 * JSON Schemas generated from the zod schemas (zod 4's built-in `z.toJSONSchema`). They describe the
 * files as written (`io: 'input'`: fields with defaults are optional) and target draft-07, which the
 * YAML language server and most editors understand. `modelgate schema` prints `registryJsonSchema()`;
 * the committed copies under `schema/` are checked against these by a test.
 */
import * as z from 'zod'

import { GateConfigSchema } from '../config/schema.js'
import { RegistrySchema } from './schema.js'

export const REGISTRY_SCHEMA_ID =
  'https://raw.githubusercontent.com/modelgate/modelgate/main/schema/ai-registry.schema.json'
export const CONFIG_SCHEMA_ID =
  'https://raw.githubusercontent.com/modelgate/modelgate/main/schema/modelgate-config.schema.json'

function generate(schema: z.ZodType, id: string, title: string): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', target: 'draft-07', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >
  const { $schema, ...rest } = json
  return { $schema, $id: id, title, ...rest }
}

/** JSON Schema of `ai-registry.yaml`. */
export function registryJsonSchema(): Record<string, unknown> {
  return generate(RegistrySchema, REGISTRY_SCHEMA_ID, 'ModelGate model registry')
}

/** JSON Schema of the policy file (`.github/modelgate.yml`). */
export function configJsonSchema(): Record<string, unknown> {
  return generate(GateConfigSchema, CONFIG_SCHEMA_ID, 'ModelGate policy configuration')
}

/** The committed file text: 2-space JSON with a final newline. */
export function jsonSchemaText(schema: Record<string, unknown>): string {
  return `${JSON.stringify(schema, null, 2)}\n`
}
