/**
 * Lookup index over a parsed registry. Map-based only: a model called `constructor` or `__proto__`
 * is a key like any other. Path and digest lookups are exact: no case folding, no Unicode
 * normalisation, no trimming. `models/A.onnx` and `models/a.onnx` are different paths, and so are
 * the NFC and NFD spellings of `modèle.onnx`.
 */
import type { ModelEntry, ModelVersion, Registry, UseCase } from './schema.js'

export interface VersionRef {
  modelName: string
  model: ModelEntry
  version: ModelVersion
}

export interface RegistryIndex {
  useCases: ReadonlyMap<string, UseCase>
  models: ReadonlyMap<string, ModelEntry>
  /** Every registered version at this exact path (several versions may share a path over time). */
  versionsByPath: ReadonlyMap<string, VersionRef[]>
  /** Exact digest lookup. */
  versionsByDigest: ReadonlyMap<string, VersionRef[]>
}

function ownEntries<T>(record: Record<string, T>): [string, T][] {
  // Object.keys covers own enumerable string keys, including an own `__proto__` key.
  return Object.keys(record).map((k): [string, T] => [k, record[k]!])
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}

export function buildIndex(registry: Registry): RegistryIndex {
  const useCases = new Map<string, UseCase>(ownEntries(registry.useCases))
  const models = new Map<string, ModelEntry>(ownEntries(registry.models))
  const versionsByPath = new Map<string, VersionRef[]>()
  const versionsByDigest = new Map<string, VersionRef[]>()
  for (const [modelName, model] of models) {
    for (const version of model.versions) {
      const ref: VersionRef = { modelName, model, version }
      push(versionsByPath, version.path, ref)
      push(versionsByDigest, version.sha256, ref)
    }
  }
  return { useCases, models, versionsByPath, versionsByDigest }
}
