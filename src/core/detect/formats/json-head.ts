/**
 * A tolerant scanner for the *head* of a JSON document: it records object keys with their
 * nesting path (`learner`, `learner.gradient_booster`, `[].paths` for objects inside a top-level
 * array) without parsing values, so a 64 KiB window of a multi-gigabyte JSON model still tells
 * what it is. It never throws and stops at the end of the window or after MAX_KEYS keys.
 */
const MAX_KEYS = 4096
const MAX_DEPTH = 64

export interface JsonHead {
  root: 'object' | 'array' | undefined
  /** Key paths at depth 1 and 2 (`a`, `a.b`); an array level contributes `[]` (`[].paths`). */
  keys: Set<string>
}

interface Level {
  obj: boolean
  name: string
  expectKey: boolean
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\n' || c === '\r' || c === '\t'

export function scanJsonHead(text: string): JsonHead {
  const keys = new Set<string>()
  const stack: Level[] = []
  let i = 0
  const n = text.length
  while (i < n && (isSpace(text[i]) || text[i] === '\ufeff')) i++
  const root = text[i] === '{' ? 'object' : text[i] === '[' ? 'array' : undefined
  if (root === undefined) return { root, keys }
  let lastKey: string | undefined
  for (; i < n && keys.size < MAX_KEYS; i++) {
    const c = text[i]!
    const top = stack[stack.length - 1]
    if (c === '"') {
      let j = i + 1
      let s = ''
      while (j < n && text[j] !== '"') {
        if (text[j] === '\\') j++
        else if (s.length < 256) s += text.charAt(j)
        j++
      }
      if (j >= n) break
      if (top?.expectKey) {
        lastKey = s
        top.expectKey = false
        const names = stack.slice(1).map(l => l.name)
        if (names.length <= 1) keys.add([...names, s].join('.'))
      }
      i = j
    } else if (c === '{' || c === '[') {
      if (stack.length >= MAX_DEPTH) break
      const name = top === undefined ? '' : top.obj ? (lastKey ?? '') : '[]'
      stack.push({ obj: c === '{', name, expectKey: c === '{' })
      lastKey = undefined
    } else if (c === '}' || c === ']') {
      stack.pop()
      if (stack.length === 0) break
    } else if (c === ',' && top?.obj === true) {
      top.expectKey = true
    }
  }
  return { root, keys }
}
