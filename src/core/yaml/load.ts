/**
 * Hardened YAML loading shared by the registry and the policy configuration.
 *
 * Pure: callers pass the bytes (or text) in; nothing here touches the file system or the network.
 * Every refusal is a `SourceIssue` at a line and column, never a thrown error and never a crash:
 *
 * - size cap: {@link DEFAULT_MAX_BYTES} (2 MiB) unless `maxBytes` says otherwise, checked first;
 * - the bytes must be UTF-8 (fatal decoding; a leading BOM is accepted and dropped);
 * - nesting depth is pre-checked by a linear scan BEFORE the `yaml` parser sees the text
 *   ({@link DEFAULT_MAX_DEPTH} levels), because deep input has aborted Node inside the parser;
 * - exactly one document (`---` separating a second one is an error);
 * - duplicate mapping keys are an error; every mapping key is read as a string;
 * - YAML 1.2 core schema only: `yes`/`no`/`on`/`off` are strings, dates stay strings, no `!!binary`,
 *   `!!set`, `!!python/...` or any custom tag;
 * - alias expansion is capped ({@link DEFAULT_MAX_ALIAS_COUNT}), so a "billion laughs" alias bomb is
 *   refused instead of exhausting memory.
 */
import {
  isAlias,
  isCollection,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node as YamlNode
} from 'yaml'

import { findExcessiveNesting } from './depth.js'
import { bytePosition, decodeUtf8Strict } from './utf8.js'

/** One problem in a source file, at a 1-based line and column (0/0 when it has no place in a file). */
export interface SourceIssue {
  message: string
  line: number
  column: number
  /** Path into the document (`['models', 'fraud-xgb', 'versions', 0, 'sha256']`), when known. */
  path?: (string | number)[]
  /** What to do about it, when there is something specific to say. */
  hint?: string
}

export interface SourcePosition {
  line: number
  column: number
}

export type YamlLoad =
  | {
      ok: true
      value: unknown
      doc: Document.Parsed
      /** Position of the node at `path`, or of its deepest existing ancestor. */
      lineOf: (path: (string | number)[]) => SourcePosition
      /** Like `lineOf`, but points at the mapping KEY of the last path segment when there is one. */
      keyLineOf: (path: (string | number)[]) => SourcePosition
    }
  | { ok: false; issues: SourceIssue[] }

/**
 * 2 MiB: room for about 10,000 registered versions. The `yaml` parser is linear but not fast (a few
 * seconds per MiB on a slow CI runner), so the cap also bounds the time a hostile file can cost.
 */
export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024
/** 64 levels: a registry needs about 6; anything deeper is a mistake or an attack. */
export const DEFAULT_MAX_DEPTH = 64
/** Alias expansion budget handed to `yaml` (`maxAliasCount`). */
export const DEFAULT_MAX_ALIAS_COUNT = 1000

const CORE_TAGS = new Set([
  'tag:yaml.org,2002:str',
  'tag:yaml.org,2002:int',
  'tag:yaml.org,2002:float',
  'tag:yaml.org,2002:bool',
  'tag:yaml.org,2002:null',
  'tag:yaml.org,2002:map',
  'tag:yaml.org,2002:seq'
])

function mib(bytes: number): string {
  const v = bytes / (1024 * 1024)
  return `${v >= 10 ? Math.round(v) : Math.round(v * 10) / 10} MiB`
}

function utf8Length(text: string, cap: number): number {
  // A UTF-16 code unit is at most 3 UTF-8 bytes; skip the encode when the answer is obvious.
  if (text.length * 3 <= cap) return text.length
  return new TextEncoder().encode(text).length
}

export function loadYaml(
  bytes: Uint8Array | string,
  options?: { maxBytes?: number; maxDepth?: number }
): YamlLoad {
  const maxBytes = options?.maxBytes ?? DEFAULT_MAX_BYTES
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH

  const size = typeof bytes === 'string' ? utf8Length(bytes, maxBytes) : bytes.length
  if (size > maxBytes) {
    return fail({
      message: `the YAML file is ${mib(size)}; ModelGate reads at most ${mib(maxBytes)}`,
      line: 1,
      column: 1,
      hint: 'a registry this large is almost certainly a mistake (a model or data file committed under the registry name?)'
    })
  }

  let text: string
  if (typeof bytes === 'string') {
    text = bytes.startsWith('\uFEFF') ? bytes.slice(1) : bytes
  } else {
    const decoded = decodeUtf8Strict(bytes)
    if (!decoded.ok) {
      const at = bytePosition(bytes, decoded.offset)
      const byte = bytes[decoded.offset]
      return fail({
        message: `the file is not valid UTF-8 (byte 0x${(byte ?? 0).toString(16).padStart(2, '0')} at line ${at.line}, column ${at.column})`,
        line: at.line,
        column: at.column,
        hint: 'save the file as UTF-8 (without a UTF-16 byte order mark)'
      })
    }
    text = decoded.text
  }

  const deep = findExcessiveNesting(text, maxDepth)
  if (deep) {
    return fail({
      message: `the YAML nests deeper than ${maxDepth} levels; it was not parsed`,
      line: deep.line,
      column: deep.column,
      hint: 'a registry needs only a few levels of nesting; check for runaway brackets or indentation'
    })
  }

  const lineCounter = new LineCounter()
  let doc: Document.Parsed
  try {
    doc = parseDocument(text, {
      lineCounter,
      version: '1.2',
      schema: 'core',
      customTags: [],
      merge: false,
      // Checked below with a Set per mapping: the parser's own check is quadratic in the key count.
      uniqueKeys: false,
      stringKeys: true,
      strict: true,
      prettyErrors: false,
      keepSourceTokens: false
    })
  } catch (error) {
    return fail({ message: `the YAML could not be parsed: ${errorText(error)}`, line: 1, column: 1 })
  }

  const position = (offset: number): SourcePosition => {
    const p = lineCounter.linePos(offset)
    return { line: p.line, column: p.col }
  }

  const issues: SourceIssue[] = []
  for (const problem of [...doc.errors, ...doc.warnings]) {
    issues.push({
      ...position(problem.pos[0]),
      ...describeYamlProblem(problem.code, problem.message, text, problem.pos)
    })
  }
  if (issues.length === 0) {
    visit(doc, {
      Map(_key, map) {
        const seen = new Set<string>()
        for (const pair of map.items) {
          if (!isScalar(pair.key)) continue
          const key = String(pair.key.value)
          if (seen.has(key)) {
            issues.push({
              ...position(pair.key.range?.[0] ?? 0),
              message: `duplicate key \`${truncate(key, 80)}\`: a key may appear only once in a mapping`,
              hint: 'merge the two entries or rename one of them'
            })
          }
          seen.add(key)
        }
      },
      Node(_key, node) {
        const tag = node.tag
        if (tag !== undefined && !CORE_TAGS.has(tag)) {
          issues.push({
            ...position(node.range?.[0] ?? 0),
            message: `the tag \`${truncate(tag.replace(/^tag:yaml\.org,2002:/, '!!'), 60)}\` is not allowed`,
            hint: 'ModelGate reads plain YAML 1.2 (strings, numbers, booleans, lists and mappings); remove the tag'
          })
        }
      }
    })
  }
  if (issues.length > 0) return { ok: false, issues: dedupe(issues) }

  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: DEFAULT_MAX_ALIAS_COUNT })
  } catch (error) {
    let offset = 0
    visit(doc, {
      Alias(_key, node) {
        offset = node.range?.[0] ?? 0
        return visit.BREAK
      }
    })
    const aliasy = error instanceof ReferenceError || /alias/i.test(errorText(error))
    return fail({
      ...position(offset),
      message: aliasy
        ? 'the YAML expands aliases (`*name`) too many times; this looks like an alias bomb'
        : `the YAML could not be converted: ${errorText(error)}`,
      hint: aliasy ? 'write the values out instead of nesting aliases of aliases' : undefined
    })
  }

  return {
    ok: true,
    value,
    doc,
    lineOf: path => position(locateOffset(doc, path, false)),
    keyLineOf: path => position(locateOffset(doc, path, true))
  }
}

function fail(issue: SourceIssue): YamlLoad {
  if (issue.hint === undefined) delete issue.hint
  return { ok: false, issues: [issue] }
}

function dedupe(issues: SourceIssue[]): SourceIssue[] {
  const seen = new Set<string>()
  return issues.filter(i => {
    const k = `${i.line}:${i.column}:${i.message}`
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

function errorText(error: unknown): string {
  return truncate(error instanceof Error ? error.message : String(error), 200)
}

export function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s
}

function describeYamlProblem(
  code: string,
  message: string,
  text: string,
  pos: [number, number]
): { message: string; hint?: string } {
  const firstLine = message.split('\n')[0] ?? message
  switch (code) {
    case 'DUPLICATE_KEY': {
      const key =
        text
          .slice(pos[0], Math.min(pos[1], pos[0] + 80))
          .split(/[:\n]/)[0]
          ?.trim() ?? ''
      return {
        message: `duplicate key${key ? ` \`${key}\`` : ''}: a key may appear only once in a mapping`,
        hint: 'merge the two entries or rename one of them'
      }
    }
    case 'MULTIPLE_DOCS':
      return {
        message: 'the file holds more than one YAML document (a `---` line starts a second one)',
        hint: 'keep exactly one document in the file'
      }
    case 'TAG_RESOLVE_FAILED':
      return {
        message: `${firstLine.replace(/ at line \d+, column \d+.*$/, '')}: custom tags are not allowed`,
        hint: 'remove the tag; ModelGate reads plain YAML 1.2'
      }
    case 'TAB_AS_INDENT':
      return { message: 'a tab is used for indentation; YAML allows only spaces', hint: 'indent with spaces' }
    case 'NON_STRING_KEY':
      return { message: 'a mapping key must be a plain string, not a list or mapping' }
    case 'RESOURCE_EXHAUSTION':
      return { message: 'the YAML expands aliases too many times; this looks like an alias bomb' }
    default:
      return {
        message: `invalid YAML: ${truncate(firstLine.replace(/ at line \d+, column \d+:?$/, ''), 200)}`
      }
  }
}

/** Offset of the node at `path` (or of its deepest existing ancestor) in the source text. */
function locateOffset(doc: Document.Parsed, path: readonly (string | number)[], wantKey: boolean): number {
  let node: unknown = doc.contents
  let keyNode: YamlNode | undefined
  let lastFound: YamlNode | undefined = isNode(node) ? node : undefined
  let complete = true
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc)
    if (isMap(node)) {
      const pair = node.items.find(p => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg))
      if (!pair) {
        complete = false
        break
      }
      keyNode = isNode(pair.key) ? pair.key : undefined
      node = pair.value
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg]
      if (item === undefined) {
        complete = false
        break
      }
      keyNode = undefined
      node = item
    } else {
      complete = false
      break
    }
    if (isNode(node)) lastFound = node
    else if (keyNode) lastFound = keyNode
  }
  if (complete && wantKey && keyNode?.range) return keyNode.range[0]
  if (complete && isNode(node) && node.range) {
    // An empty value (`sha256:`) has a zero-width range after the key; point at the key instead.
    if (isScalar(node) && node.value === null && node.range[0] === node.range[1] && keyNode?.range)
      return keyNode.range[0]
    return node.range[0]
  }
  if (complete && keyNode?.range) return keyNode.range[0]
  if (lastFound?.range) return lastFound.range[0]
  return isCollection(doc.contents) ? doc.contents.range[0] : 0
}
