/**
 * Turns zod issues into `SourceIssue`s: each at its own line and column, with a message that names
 * the field (`models.fraud-xgb.versions[0].sha256`) and, where possible, the fix.
 *
 * Schema-level messages (the `error` given to a zod check) are phrased as predicates ("must be 64
 * lowercase hex characters") and are prefixed with the field path; everything else gets a message
 * built here. Unknown keys get a "did you mean" hint when a known key is close.
 */
import type * as z from 'zod'

import { truncate, type SourceIssue, type SourcePosition } from './load.js'

type Path = (string | number)[]

/** Marker returned by the per-parse error map, so schema-level (custom) messages can be told apart. */
export const DEFAULT_MESSAGE = '\u0000default'

/** Parse parameters to pass to `safeParse` so that {@link zodIssuesToSourceIssues} can do its job. */
export const PARSE_PARAMS = { reportInput: true, error: () => DEFAULT_MESSAGE } as const

export interface IssueContext {
  /** The zod schema that was parsed (used to find the known keys of an object for "did you mean"). */
  schema: z.ZodType
  /** Name used for the root path in messages ("the registry"). */
  rootName: string
  lineOf: (path: Path) => SourcePosition
  keyLineOf: (path: Path) => SourcePosition
  /** Field-specific advice (e.g. the `modelgate register` command for a bad sha256). */
  hint?: (path: Path, issue: z.core.$ZodIssue) => string | undefined
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/

/** `models.fraud-xgb.versions[0].sha256`; odd keys are quoted: `models["a b"]`. */
export function formatPath(path: readonly PropertyKey[], rootName = 'the document'): string {
  if (path.length === 0) return rootName
  let out = ''
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`
    else {
      const s = String(seg)
      if (IDENT.test(s)) out += out === '' ? s : `.${s}`
      else out += `[${JSON.stringify(truncate(s, 80))}]`
    }
  }
  return out
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null (an empty value)'
  if (value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  if (typeof value === 'string') return `the text ${JSON.stringify(truncate(value, 60))}`
  if (typeof value === 'number') return `the number ${value}`
  if (typeof value === 'boolean') return `the boolean ${value}`
  return typeof value
}

function article(expected: string): string {
  switch (expected) {
    case 'object':
    case 'record':
      return 'a mapping'
    case 'array':
    case 'tuple':
      return 'a list'
    case 'string':
      return 'text (a string)'
    case 'int':
      return 'a whole number'
    case 'number':
      return 'a number'
    case 'boolean':
      return 'true or false'
    default:
      return expected
  }
}

function levenshtein(a: string, b: string): number {
  if (a === b) return 0
  const prev = new Array<number>(b.length + 1)
  for (let j = 0; j <= b.length; j++) prev[j] = j
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!
    prev[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1))
      diag = tmp
    }
  }
  return prev[b.length]!
}

/** The closest candidate to `word`, if it is close enough to be a plausible typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const squash = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '')
  let best: string | undefined
  let bestScore = Infinity
  for (const c of candidates) {
    if (squash(c) === squash(word)) return c
    const d = levenshtein(word.toLowerCase(), c.toLowerCase())
    if (d < bestScore) {
      bestScore = d
      best = c
    }
  }
  const allowed = Math.max(1, Math.floor(word.length / 3))
  return bestScore <= allowed ? best : undefined
}

interface Def {
  type?: string
  shape?: Record<string, unknown>
  innerType?: unknown
  in?: unknown
  out?: unknown
  valueType?: unknown
  element?: unknown
}

function defOf(schema: unknown): Def | undefined {
  if (typeof schema !== 'object' || schema === null || !('_zod' in schema)) return undefined
  const zod = (schema as { _zod: { def?: unknown } })._zod
  return typeof zod.def === 'object' && zod.def !== null ? zod.def : undefined
}

function unwrap(schema: unknown): unknown {
  let s = schema
  for (let i = 0; i < 20; i++) {
    const def = defOf(s)
    if (!def) return s
    if (
      ['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(
        def.type ?? ''
      )
    )
      s = def.innerType
    else if (def.type === 'pipe') s = defOf(def.in)?.type === 'transform' ? def.out : def.in
    else return s
  }
  return s
}

/** The (unwrapped) sub-schema at `path`, following objects, records and arrays. */
export function schemaAt(schema: unknown, path: readonly PropertyKey[]): unknown {
  let s = unwrap(schema)
  for (const seg of path) {
    const def = defOf(s)
    if (!def) return undefined
    if (def.type === 'object' && def.shape) s = def.shape[String(seg)]
    else if (def.type === 'record') s = def.valueType
    else if (def.type === 'array') s = def.element
    else return undefined
    s = unwrap(s)
  }
  return s
}

/** Known keys of the object schema at `path` (empty when it is not an object). */
export function knownKeys(schema: unknown, path: readonly PropertyKey[]): string[] {
  const def = defOf(schemaAt(schema, path))
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : []
}

function isCustom(issue: { message: string }): boolean {
  return issue.message !== DEFAULT_MESSAGE && issue.message !== ''
}

function withHint(issue: SourceIssue, hint: string | undefined): SourceIssue {
  if (hint !== undefined && hint !== '') issue.hint = issue.hint ? `${issue.hint}; ${hint}` : hint
  return issue
}

export function zodIssuesToSourceIssues(
  issues: readonly z.core.$ZodIssue[],
  ctx: IssueContext
): SourceIssue[] {
  const out: SourceIssue[] = []
  for (const issue of issues) out.push(...convert(issue, ctx))
  // Stable order: by position, then message.
  return out.sort((a, b) => a.line - b.line || a.column - b.column || a.message.localeCompare(b.message))
}

function convert(issue: z.core.$ZodIssue, ctx: IssueContext): SourceIssue[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol')
  const field = formatPath(path, ctx.rootName)
  const at = (p: Path, key = false): SourcePosition => (key ? ctx.keyLineOf(p) : ctx.lineOf(p))
  const make = (message: string, p: Path = path, key = false, hint?: string): SourceIssue =>
    withHint({ message, ...at(p, key), path: p }, hint ?? ctx.hint?.(p, issue))

  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(ctx.schema, path)
      return issue.keys.map(k => {
        const guess = didYouMean(k, known)
        const where = path.length === 0 ? ctx.rootName : field
        return make(
          `unknown field \`${truncate(k, 80)}\` in ${where}`,
          [...path, k],
          true,
          guess
            ? `did you mean \`${guess}\`?`
            : known.length > 0
              ? `allowed fields: ${known.join(', ')}`
              : undefined
        )
      })
    }
    case 'invalid_type': {
      if (issue.input === undefined) {
        const parent = path.slice(0, -1)
        const key = path[path.length - 1]
        if (key === undefined)
          return [make(`${ctx.rootName} is empty; it must be ${article(issue.expected)}`)]
        return [
          make(
            `${formatPath(parent, ctx.rootName)} is missing the required field \`${String(key)}\``,
            path,
            false
          )
        ]
      }
      let hint: string | undefined
      if (issue.expected === 'string' && typeof issue.input === 'number') {
        hint =
          'put the value in quotes: unquoted, YAML reads it as a number and may change it (3.10 becomes 3.1)'
      } else if (issue.expected === 'string' && typeof issue.input === 'boolean') {
        hint = 'put the value in quotes: unquoted, YAML reads true/false as a boolean'
      }
      const msg = isCustom(issue)
        ? `${field} ${issue.message}`
        : `${field} must be ${article(issue.expected)}, not ${describeValue(issue.input)}`
      return [make(msg, path, false, hint)]
    }
    case 'invalid_value': {
      if (issue.input === undefined && path.length > 0) {
        return [
          make(
            `${formatPath(path.slice(0, -1), ctx.rootName)} is missing the required field \`${String(path[path.length - 1])}\``
          )
        ]
      }
      const allowed = issue.values.map(v => (typeof v === 'string' ? v : String(v)))
      const found = issue.input
      const guess = typeof found === 'string' ? didYouMean(found, allowed) : undefined
      const msg = isCustom(issue)
        ? `${field} ${issue.message}`
        : allowed.length === 1
          ? `${field} must be ${allowed[0]!}, not ${describeValue(found)}`
          : `${field} must be one of ${allowed.join(', ')}; found ${describeValue(found)}`
      return [make(msg, path, false, guess ? `did you mean \`${guess}\`?` : undefined)]
    }
    case 'invalid_key': {
      const inner = issue.issues[0]
      const reason = inner && isCustom(inner) ? inner.message : 'is not an allowed name'
      const parent = formatPath(path.slice(0, -1), ctx.rootName)
      const key = String(path[path.length - 1] ?? '')
      return [make(`${parent}: the name \`${truncate(key, 80)}\` ${reason}`, path, true)]
    }
    case 'too_small': {
      if (isCustom(issue)) return [make(`${field} ${issue.message}`)]
      const min = Number(issue.minimum)
      const msg =
        issue.origin === 'string'
          ? min <= 1
            ? `${field} must not be empty`
            : `${field} must be at least ${min} characters long`
          : issue.origin === 'array'
            ? `${field} must list at least ${min} item${min === 1 ? '' : 's'}`
            : `${field} must be at least ${min}`
      return [make(msg)]
    }
    case 'too_big': {
      if (isCustom(issue)) return [make(`${field} ${issue.message}`)]
      const max = Number(issue.maximum)
      const msg =
        issue.origin === 'string'
          ? `${field} must be at most ${max} characters long`
          : issue.origin === 'array'
            ? `${field} must list at most ${max} items`
            : `${field} must be at most ${max}`
      return [make(msg)]
    }
    case 'invalid_format':
      return [make(isCustom(issue) ? `${field} ${issue.message}` : `${field} has an invalid format`)]
    case 'invalid_union': {
      if (isCustom(issue)) return [make(`${field} ${issue.message}`)]
      return [make(`${field} does not match any allowed form`)]
    }
    case 'custom':
      return [make(isCustom(issue) ? `${field} ${issue.message}` : `${field} is invalid`)]
    default:
      return [make(`${field} is invalid`)]
  }
}
