/**
 * A cheap, linear pre-check of YAML nesting depth, run BEFORE the text reaches the `yaml` parser.
 *
 * Why: deeply nested input (10,000 levels of `[` or of indentation) drives the parser into deep
 * recursion, and parsing such input twice in one process has aborted Node outright (a RegExp
 * allocation failure, exit 134) instead of throwing. A crash is not a verdict, so hostile depth must
 * be refused before the parser ever sees it.
 *
 * The scan is deliberately conservative: it may over-estimate depth (a few levels, for multi-line
 * plain scalars or odd indentation), never under-estimate it. It counts, per line:
 *   - block nesting: the number of distinct open indentation levels (a stack of columns), where a
 *     node after a leading `- `, `? ` or `: ` indicator opens a level at its own column (`- - - x`);
 *   - flow nesting: open `[` / `{` that start a node, across lines, outside quotes and comments.
 * Quoted scalars (which may span lines) and block scalar bodies (`|`, `>`) are skipped, because
 * their content is text, not structure. A block scalar with an explicit indentation indicator (`|2`)
 * is not skipped (conservative).
 */

export interface DepthExceeded {
  depth: number
  /** 1-based line and column where the limit was first exceeded. */
  line: number
  column: number
}

const SPACE = 0x20
const TAB = 0x09

function isBlank(c: string | undefined): boolean {
  return c === undefined || c === ' ' || c === '\t' || c === '\r' || c === '\n'
}

/**
 * Returns where nesting first goes deeper than `limit`, or `undefined` if it never does.
 * Runs in O(length of text).
 */
export function findExcessiveNesting(text: string, limit: number): DepthExceeded | undefined {
  const indents: number[] = []
  let flowDepth = 0
  let quote: '"' | "'" | null = null
  // Block scalar body being skipped: lines indented at least `contentIndent` (fixed by its first line).
  let blockScalar: { threshold: number; contentIndent: number | null } | null = null

  let lineNo = 0
  let pos = 0
  const n = text.length
  while (pos <= n) {
    let eol = text.indexOf('\n', pos)
    if (eol === -1) eol = n
    lineNo++
    const lineStart = pos
    pos = eol + 1

    // Indentation (spaces only; YAML forbids tabs in indentation).
    let i = lineStart
    while (i < eol && text.charCodeAt(i) === SPACE) i++
    const indent = i - lineStart
    let j = i
    while (j < eol && (text.charCodeAt(j) === SPACE || text.charCodeAt(j) === TAB || text[j] === '\r')) j++
    const blankLine = j >= eol

    if (blockScalar !== null) {
      if (blankLine) continue
      if (blockScalar.contentIndent === null) {
        if (indent > blockScalar.threshold) {
          blockScalar.contentIndent = indent
          continue
        }
        blockScalar = null
      } else if (indent >= blockScalar.contentIndent) {
        continue
      } else {
        blockScalar = null
      }
    }

    let nodeStart = true
    let c = i
    // Column of the last leading `- `/`? `/`: ` indicator: it owns a block scalar written right after it.
    let indicatorColumn = indent - 1
    let keySeen = false
    if (quote === null) {
      if (blankLine || text[i] === '#') continue
      while (indents.length > 0 && indents[indents.length - 1]! > indent) indents.pop()
      if (indents.length === 0 || indents[indents.length - 1]! < indent) indents.push(indent)
      // Leading compact indicators (`- `, `? `, `: `): the node after each one opens a level at its
      // own column (`- - x`, or `- a:` whose mapping sits at column 2).
      for (;;) {
        const ch = text[c]
        if ((ch === '-' || ch === '?' || ch === ':') && isBlank(text[c + 1]) && c < eol) {
          // A block sequence may sit at the same column as its parent mapping's keys (`a:\n- x`), so
          // the sequence itself counts as a level just right of its dash.
          const dashLevel = c - lineStart + 0.5
          if (ch === '-' && indents[indents.length - 1]! < dashLevel) indents.push(dashLevel)
          indicatorColumn = c - lineStart
          c++
          while (c < eol && (text[c] === ' ' || text[c] === '\t')) c++
          const column = c - lineStart
          if (indents[indents.length - 1]! < column) indents.push(column)
          continue
        }
        break
      }
      const depth = indents.length + flowDepth
      if (depth > limit) return { depth, line: lineNo, column: c - lineStart + 1 }
    }
    const threshold = c - lineStart

    // Character scan: quotes, comments, flow indicators, block scalar headers.
    for (; c < eol; c++) {
      const ch = text[c]!
      if (quote === '"') {
        if (ch === '\\') c++
        else if (ch === '"') {
          quote = null
          nodeStart = false
        }
        continue
      }
      if (quote === "'") {
        if (ch === "'") {
          if (text[c + 1] === "'") c++
          else {
            quote = null
            nodeStart = false
          }
        }
        continue
      }
      if (ch === ' ' || ch === '\t' || ch === '\r') continue
      const prevBlank = c === lineStart || isBlank(text[c - 1])
      if (ch === '#' && prevBlank) break
      if (nodeStart && (ch === '&' || ch === '!')) {
        // Anchor or tag: skip the token; the node it decorates starts after it.
        while (c + 1 < eol && !isBlank(text[c + 1]) && !(flowDepth > 0 && ',[]{}'.includes(text[c + 1]!))) c++
        continue
      }
      if (nodeStart && (ch === '"' || ch === "'")) {
        quote = ch
        continue
      }
      if (nodeStart && (ch === '[' || ch === '{')) {
        flowDepth++
        const depth = indents.length + flowDepth
        if (depth > limit) return { depth, line: lineNo, column: c - lineStart + 1 }
        continue
      }
      if (flowDepth > 0 && (ch === ']' || ch === '}')) {
        flowDepth--
        nodeStart = false
        continue
      }
      if (flowDepth > 0 && ch === ',') {
        nodeStart = true
        continue
      }
      if (ch === ':' && (flowDepth > 0 || isBlank(text[c + 1]))) {
        nodeStart = true
        keySeen = true
        continue
      }
      if ((ch === '-' || ch === '?') && isBlank(text[c + 1]) && nodeStart) {
        continue
      }
      if (nodeStart && flowDepth === 0 && (ch === '|' || ch === '>')) {
        // Block scalar header: `|`, `>`, optionally with chomping (+/-) and an indentation digit.
        let k = c + 1
        let explicitIndent = false
        while (k < eol && (text[k] === '+' || text[k] === '-' || (text[k]! >= '1' && text[k]! <= '9'))) {
          if (text[k] !== '+' && text[k] !== '-') explicitIndent = true
          k++
        }
        let rest = k
        while (rest < eol && isBlank(text[rest])) rest++
        if (rest >= eol || (text[rest] === '#' && rest > k)) {
          // Its body must be indented deeper than the node that owns it: the key (`key: |`) or
          // the indicator (`- |`).
          if (!explicitIndent)
            blockScalar = { threshold: keySeen ? threshold : indicatorColumn, contentIndent: null }
          break
        }
      }
      nodeStart = false
    }
  }
  return undefined
}
