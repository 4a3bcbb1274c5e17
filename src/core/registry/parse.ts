/**
 * Parses `ai-registry.yaml` text into a validated `Registry` plus its lookup index. Pure.
 *
 * Every problem is a `SourceIssue` at its own line and column. A file that declares a registry
 * version other than 1 gets exactly one issue (no cascade of field errors).
 *
 * Name safety: zod's `z.record` silently drops a `__proto__` key, so the `useCases` and `models`
 * entries named `__proto__` are validated separately and written back as own properties. The
 * `useCases` and `models` objects of the result have a null prototype, so `registry.models.constructor`
 * is `undefined` unless a model is really called `constructor`. Lookups should use the index Maps.
 */
import type * as z from 'zod'

import { PARSE_PARAMS, describeValue, zodIssuesToSourceIssues } from '../yaml/issues.js'
import { loadYaml, type SourceIssue, type SourcePosition } from '../yaml/load.js'
import { buildIndex, type RegistryIndex } from './index.js'
import {
  ModelEntrySchema,
  REGISTRY_SCHEMA_VERSION,
  RegistrySchema,
  UseCaseSchema,
  type Registry
} from './schema.js'

export type RegistryParse =
  | {
      ok: true
      registry: Registry
      index: RegistryIndex
      lineOf: (path: (string | number)[]) => SourcePosition
    }
  | { ok: false; issues: SourceIssue[] }

type Path = (string | number)[]

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Field-specific fixes, keyed by the last path segment. */
function registryHint(path: Path, root: unknown): string | undefined {
  const last = path[path.length - 1]
  if (last === 'sha256' && path[0] === 'models' && path[2] === 'versions') {
    const version = valueAt(root, path.slice(0, -1))
    const p = isPlainObject(version) && typeof version.path === 'string' ? version.path : undefined
    return p !== undefined && p.length <= 300 && !/[\s`'"$\\]/.test(p)
      ? `run \`modelgate register ${p}\` to fill it`
      : 'run `modelgate register <path>` to fill it'
  }
  if (last === 'expires' && path[0] === 'exceptions') {
    return 'every exception must expire: add `expires: YYYY-MM-DD`'
  }
  if (last === 'version' && path.length === 1) return 'add `version: 1` as the first line'
  return undefined
}

function valueAt(root: unknown, path: Path): unknown {
  let cur = root
  for (const seg of path) {
    if (Array.isArray(cur) && typeof seg === 'number') cur = cur[seg]
    else if (isPlainObject(cur) && Object.hasOwn(cur, seg)) cur = cur[seg]
    else return undefined
  }
  return cur
}

function nullProto<T>(entries: Iterable<[string, T]>): Record<string, T> {
  const out = Object.create(null) as Record<string, T>
  for (const [k, v] of entries) out[k] = v // on a null-prototype object `__proto__` is a plain own key
  return out
}

export function parseRegistry(bytes: Uint8Array | string): RegistryParse {
  const loaded = loadYaml(bytes)
  if (!loaded.ok) return loaded
  const raw = loaded.value

  const version = isPlainObject(raw) ? raw.version : undefined
  if (isPlainObject(raw) && version !== undefined && version !== REGISTRY_SCHEMA_VERSION) {
    const known =
      typeof version === 'number' && Number.isInteger(version) && version > REGISTRY_SCHEMA_VERSION
    return {
      ok: false,
      issues: [
        {
          message: known
            ? `this ModelGate understands registry version ${REGISTRY_SCHEMA_VERSION}, but the file declares version ${version}`
            : `version must be ${REGISTRY_SCHEMA_VERSION}, not ${describeValue(version)}`,
          ...loaded.lineOf(['version']),
          path: ['version'],
          hint: known
            ? 'upgrade the ModelGate action or CLI to a release that supports it, or write the registry in version 1'
            : 'write `version: 1`'
        }
      ]
    }
  }
  if (raw === null || raw === undefined) {
    return {
      ok: false,
      issues: [
        {
          message: 'the registry is empty',
          line: 1,
          column: 1,
          hint: 'start it with `version: 1`; `modelgate register` writes the first entry for you'
        }
      ]
    }
  }

  // Take `__proto__` entries out of the record maps (zod would drop them) and validate them apart.
  const protoEntries: { map: 'useCases' | 'models'; value: unknown }[] = []
  let input: unknown = raw
  if (isPlainObject(raw)) {
    const copy: Record<string, unknown> = { ...raw }
    for (const map of ['useCases', 'models'] as const) {
      const m = raw[map]
      if (isPlainObject(m) && Object.hasOwn(m, '__proto__')) {
        protoEntries.push({ map, value: m.__proto__ })
        copy[map] = Object.fromEntries(Object.entries(m).filter(([k]) => k !== '__proto__'))
      }
    }
    input = copy
  }

  const rawIssues: z.core.$ZodIssue[] = []
  const result = RegistrySchema.safeParse(input, PARSE_PARAMS)
  if (!result.success) rawIssues.push(...result.error.issues)
  const protoValues: { map: 'useCases' | 'models'; value: unknown }[] = []
  for (const entry of protoEntries) {
    const schema = entry.map === 'useCases' ? UseCaseSchema : ModelEntrySchema
    const r = schema.safeParse(entry.value, PARSE_PARAMS)
    if (r.success) protoValues.push({ map: entry.map, value: r.data })
    else rawIssues.push(...r.error.issues.map(i => ({ ...i, path: [entry.map, '__proto__', ...i.path] })))
  }

  if (rawIssues.length > 0 || !result.success) {
    return {
      ok: false,
      issues: zodIssuesToSourceIssues(rawIssues, {
        schema: RegistrySchema,
        rootName: 'the registry',
        lineOf: loaded.lineOf,
        keyLineOf: loaded.keyLineOf,
        hint: path => registryHint(path, raw)
      })
    }
  }

  const data = result.data
  // Rebuild the maps in source order, with null prototypes and the `__proto__` entries restored.
  const order = (map: 'useCases' | 'models'): string[] => {
    const m = isPlainObject(raw) ? raw[map] : undefined
    return isPlainObject(m) ? Object.keys(m) : []
  }
  const pick = <T>(map: 'useCases' | 'models', parsed: Record<string, T>): Record<string, T> =>
    nullProto(
      order(map).map((k): [string, T] => {
        if (k === '__proto__') {
          const v = protoValues.find(p => p.map === map)?.value as T
          return [k, v]
        }
        return [k, parsed[k]!]
      })
    )
  const registry: Registry = {
    ...data,
    useCases: pick('useCases', data.useCases),
    models: pick('models', data.models)
  }
  return { ok: true, registry, index: buildIndex(registry), lineOf: loaded.lineOf }
}
