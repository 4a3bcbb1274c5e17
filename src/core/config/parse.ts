/**
 * Parsing the policy file and merging it with the action's inline inputs. Pure.
 *
 * Precedence: action input > policy file > schema default. An empty (or all-blank) input counts as
 * unset, so `with: { mode: '' }` keeps the file's value. The inputs read are the action input names
 * `mode`, `comment`, `registry`, `registry-ref` and `registry-unavailable` (camelCase spellings are
 * accepted too); any other key (`token`, `config`, ...) is ignored here.
 *
 * Issues about a value that came from an input have line 0 / column 0 (it is not in any file) and
 * name the input; issues about the file carry the file's line and column when `lineOf` is given.
 */
import { PARSE_PARAMS, zodIssuesToSourceIssues } from '../yaml/issues.js'
import { loadYaml, type SourceIssue, type SourcePosition } from '../yaml/load.js'
import { GateConfigSchema, parseRegistryLocation, type GateConfig, type RegistryLocation } from './schema.js'

export type ConfigParse =
  | {
      ok: true
      /** The file's own values, validated, defaults NOT applied: pass these to `resolveConfig`. */
      values: Record<string, unknown>
      /** The file's values with defaults applied (no inputs). */
      config: GateConfig
      lineOf: (path: (string | number)[]) => SourcePosition
    }
  | { ok: false; issues: SourceIssue[] }

export type ResolvedConfig = GateConfig & { registryLocation: RegistryLocation }

/** Action input name → configuration key. */
export const CONFIG_INPUTS: Readonly<Record<string, keyof GateConfig>> = {
  mode: 'mode',
  comment: 'comment',
  registry: 'registry',
  'registry-ref': 'registryRef',
  registryRef: 'registryRef',
  'registry-unavailable': 'registryUnavailable',
  registryUnavailable: 'registryUnavailable'
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

const NO_POSITION: SourcePosition = { line: 0, column: 0 }

export function parseConfig(bytes: Uint8Array | string): ConfigParse {
  const loaded = loadYaml(bytes)
  if (!loaded.ok) return loaded
  // An empty file (or one holding only comments) is a valid configuration: all defaults.
  const raw = loaded.value ?? {}
  if (isPlainObject(raw) && Object.hasOwn(raw, '__proto__')) {
    return {
      ok: false,
      issues: [
        {
          message: 'unknown field `__proto__` in the configuration',
          ...loaded.keyLineOf(['__proto__']),
          path: ['__proto__']
        }
      ]
    }
  }
  const severity = isPlainObject(raw) ? raw.severity : undefined
  if (isPlainObject(severity) && Object.hasOwn(severity, '__proto__')) {
    return {
      ok: false,
      issues: [
        {
          message: 'severity: `__proto__` is not a finding code',
          ...loaded.keyLineOf(['severity', '__proto__']),
          path: ['severity', '__proto__']
        }
      ]
    }
  }
  const result = GateConfigSchema.safeParse(raw, PARSE_PARAMS)
  if (!result.success) {
    return {
      ok: false,
      issues: zodIssuesToSourceIssues(result.error.issues, {
        schema: GateConfigSchema,
        rootName: 'the configuration',
        lineOf: loaded.lineOf,
        keyLineOf: loaded.keyLineOf
      })
    }
  }
  return { ok: true, values: raw as Record<string, unknown>, config: result.data, lineOf: loaded.lineOf }
}

export function resolveConfig(
  fileValues: unknown,
  inputs: Partial<Record<string, string | undefined>>,
  options?: { lineOf?: (path: (string | number)[]) => SourcePosition }
): { ok: true; config: ResolvedConfig } | { ok: false; issues: SourceIssue[] } {
  if (fileValues !== undefined && fileValues !== null && !isPlainObject(fileValues)) {
    return {
      ok: false,
      issues: [{ message: 'the configuration must be a mapping of settings', line: 1, column: 1 }]
    }
  }
  const merged: Record<string, unknown> = { ...(fileValues ?? {}) }
  const fromInput = new Map<string, string>()
  for (const [name, key] of Object.entries(CONFIG_INPUTS)) {
    if (!Object.hasOwn(inputs, name)) continue
    const value = inputs[name]?.trim()
    if (value === undefined || value === '') continue
    merged[key] = value
    fromInput.set(key, name)
  }

  const result = GateConfigSchema.safeParse(merged, PARSE_PARAMS)
  if (!result.success) {
    const lineOf = (path: (string | number)[]): SourcePosition => {
      const top = path[0]
      if (typeof top === 'string' && fromInput.has(top)) return NO_POSITION
      return options?.lineOf?.(path) ?? NO_POSITION
    }
    const issues = zodIssuesToSourceIssues(result.error.issues, {
      schema: GateConfigSchema,
      rootName: 'the configuration',
      lineOf,
      keyLineOf: lineOf,
      hint: path => {
        const top = path[0]
        const input = typeof top === 'string' ? fromInput.get(top) : undefined
        return input !== undefined ? `set by the action input \`${input}\`` : undefined
      }
    })
    return { ok: false, issues }
  }
  const loc = parseRegistryLocation(result.data.registry)
  if ('error' in loc) {
    // Unreachable: the schema checked it. Kept so the type narrows without a cast.
    return { ok: false, issues: [{ message: `registry ${loc.error}`, ...NO_POSITION, path: ['registry'] }] }
  }
  return { ok: true, config: { ...result.data, registryLocation: loc } }
}
