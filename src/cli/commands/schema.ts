import { jsonSchemaText, registryJsonSchema, configJsonSchema } from '../../core/registry/json-schema.js'
import { parseCommandArgs } from '../args.js'
import type { CliIo } from '../io.js'

export const SCHEMA_USAGE = `Usage: modelgate schema [--config]

Prints the JSON Schema of ai-registry.yaml (or, with --config, of .github/modelgate.yml).
Editors use it for completion and validation.

Options:
  --config      print the policy file schema instead
  -h, --help    show this help

Examples:
  modelgate schema > schema/ai-registry.schema.json
  # first line of ai-registry.yaml, for the YAML language server:
  # yaml-language-server: $schema=./schema/ai-registry.schema.json
`

/** \`modelgate schema\`: prints the registry JSON Schema generated from the zod schema. */
export function runSchema(args: readonly string[], io: CliIo): number {
  const { values } = parseCommandArgs(args, { config: { type: 'boolean' } }, SCHEMA_USAGE, false)
  if (values.help) {
    io.stdout.write(SCHEMA_USAGE)
    return 0
  }
  io.stdout.write(jsonSchemaText(values.config ? configJsonSchema() : registryJsonSchema()))
  return 0
}
