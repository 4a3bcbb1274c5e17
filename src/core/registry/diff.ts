/**
 * What a change does to the registry, listed to reviewers (trust model: every registry change a
 * pull request makes is shown in the summary and the comment).
 *
 * Identity: use cases and models by name, versions by (model name, version label), exceptions by
 * path. `name` is `useCase`, `model`, `model@version` or the exception path. `detail` is a short,
 * plain-text description (values are truncated; callers escape it for Markdown).
 * Order: use cases, models, versions, exceptions; within each, head order, then removals in base order.
 */
import type { ModelEntry, ModelVersion, Registry, RegistryException, UseCase } from './schema.js'

export type RegistryChangeKind =
  | 'use-case-added'
  | 'use-case-changed'
  | 'use-case-removed'
  | 'model-added'
  | 'model-changed'
  | 'model-removed'
  | 'version-added'
  | 'version-changed'
  | 'version-removed'
  | 'exception-added'
  | 'exception-changed'
  | 'exception-removed'

export interface RegistryChange {
  kind: RegistryChangeKind
  name: string
  detail: string
}

function show(value: unknown): string {
  if (value === undefined) return '(unset)'
  const s = typeof value === 'string' ? value : JSON.stringify(value)
  return s.length > 80 ? `${s.slice(0, 79)}…` : s
}

/** `field: a → b` for each differing field (in a stable order). */
function fieldChanges(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  skip: readonly string[] = []
): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(k => !skip.includes(k))
  const out: string[] = []
  for (const k of keys) {
    const a = before[k]
    const b = after[k]
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${k}: ${show(a)} → ${show(b)}`)
  }
  return out
}

function entries<T>(record: Record<string, T>): [string, T][] {
  return Object.keys(record).map((k): [string, T] => [k, record[k]!])
}

function diffKeyed<T>(
  base: [string, T][],
  head: [string, T][],
  describe: (item: T) => string,
  compare: (before: T, after: T) => string[],
  kinds: { added: RegistryChangeKind; changed: RegistryChangeKind; removed: RegistryChangeKind },
  out: RegistryChange[]
): void {
  const baseMap = new Map(base)
  const headMap = new Map(head)
  for (const [name, after] of head) {
    const before = baseMap.get(name)
    if (before === undefined) out.push({ kind: kinds.added, name, detail: describe(after) })
    else {
      const changes = compare(before, after)
      if (changes.length > 0) out.push({ kind: kinds.changed, name, detail: changes.join('; ') })
    }
  }
  for (const [name, before] of base) {
    if (!headMap.has(name)) out.push({ kind: kinds.removed, name, detail: describe(before) })
  }
}

const useCaseText = (u: UseCase): string =>
  `${u.title} (owner ${u.owner}, status ${u.status}${u.riskTier ? `, risk ${u.riskTier}` : ''})`
const modelText = (m: ModelEntry): string =>
  [
    m.owner ? `owner ${m.owner}` : 'no owner',
    m.useCases.length > 0 ? `use cases ${m.useCases.join(', ')}` : 'no use case',
    `${m.versions.length} version${m.versions.length === 1 ? '' : 's'}`
  ].join(', ')
const versionText = (v: ModelVersion): string =>
  `${v.path} sha256 ${v.sha256.slice(0, 12)}… status ${v.status}`
const exceptionText = (e: RegistryException): string =>
  `expires ${e.expires}, owner ${e.owner}: ${show(e.reason)}`

export function diffRegistries(base: Registry | null, head: Registry): RegistryChange[] {
  const out: RegistryChange[] = []
  const b: Registry = base ?? { version: 1, useCases: {}, models: {}, exceptions: [] }

  diffKeyed(
    entries(b.useCases),
    entries(head.useCases),
    useCaseText,
    (x, y) => fieldChanges(x, y),
    { added: 'use-case-added', changed: 'use-case-changed', removed: 'use-case-removed' },
    out
  )
  diffKeyed(
    entries(b.models),
    entries(head.models),
    modelText,
    (x, y) => fieldChanges(x, y, ['versions']),
    { added: 'model-added', changed: 'model-changed', removed: 'model-removed' },
    out
  )
  const versions = (r: Registry): [string, ModelVersion][] =>
    entries(r.models).flatMap(([name, m]) =>
      m.versions.map((v): [string, ModelVersion] => [`${name}@${v.version}`, v])
    )
  diffKeyed(
    versions(b),
    versions(head),
    versionText,
    (x, y) => fieldChanges(x, y),
    { added: 'version-added', changed: 'version-changed', removed: 'version-removed' },
    out
  )
  diffKeyed(
    b.exceptions.map((e): [string, RegistryException] => [e.path, e]),
    head.exceptions.map((e): [string, RegistryException] => [e.path, e]),
    exceptionText,
    (x, y) => fieldChanges(x, y),
    { added: 'exception-added', changed: 'exception-changed', removed: 'exception-removed' },
    out
  )
  return out
}
