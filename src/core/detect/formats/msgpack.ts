import type { Classification } from '../types.js'
import { type Probe, result } from './probe.js'

/**
 * Flax checkpoints (`flax.serialization.to_bytes`, flax/serialization.py) are a msgpack map of
 * parameter maps whose leaves are msgpack ext values of type 1 (`_MsgpackExtType.ndarray`),
 * packing (shape, dtype, buffer). We walk the msgpack structure (spec: github.com/msgpack/msgpack
 * spec.md) inside the head only, and call it a model when the root is a map with string keys and
 * at least one ndarray ext leaf. A msgpack config (no ndarray exts) stays null.
 */
const NDARRAY_EXT = 1
const MAX_DEPTH = 64
const MAX_NODES = 200_000

interface State {
  pos: number
  nodes: number
  ndarrays: number
}

type Outcome = 'ok' | 'truncated' | 'bad'

function be(b: Uint8Array, pos: number, n: number): number | undefined {
  if (pos + n > b.length) return undefined
  let v = 0
  for (let i = 0; i < n; i++) v = v * 256 + b[pos + i]!
  return v
}

function skipValue(b: Uint8Array, s: State, depth: number): Outcome {
  if (++s.nodes > MAX_NODES || depth > MAX_DEPTH) return 'truncated'
  if (s.pos >= b.length) return 'truncated'
  const t = b[s.pos++]!
  const skip = (n: number | undefined): Outcome => {
    if (n === undefined) return 'truncated'
    s.pos += n
    return s.pos <= b.length ? 'ok' : 'truncated'
  }
  const len = (n: number): number | undefined => {
    const v = be(b, s.pos, n)
    if (v !== undefined) s.pos += n
    return v
  }
  const container = (count: number | undefined, pairs: boolean): Outcome => {
    if (count === undefined) return 'truncated'
    for (let i = 0; i < count * (pairs ? 2 : 1); i++) {
      const r = skipValue(b, s, depth + 1)
      if (r !== 'ok') return r
    }
    return 'ok'
  }
  const ext = (size: number | undefined): Outcome => {
    if (size === undefined || s.pos >= b.length) return 'truncated'
    const type = b[s.pos++]!
    if (type === NDARRAY_EXT) s.ndarrays++
    return skip(size)
  }
  if (t <= 0x7f || t >= 0xe0) return 'ok'
  if (t <= 0x8f) return container(t & 0x0f, true)
  if (t <= 0x9f) return container(t & 0x0f, false)
  if (t <= 0xbf) return skip(t & 0x1f)
  switch (t) {
    case 0xc0:
    case 0xc2:
    case 0xc3:
      return 'ok'
    case 0xc4:
      return skip(len(1))
    case 0xc5:
      return skip(len(2))
    case 0xc6:
      return skip(len(4))
    case 0xc7:
      return ext(len(1))
    case 0xc8:
      return ext(len(2))
    case 0xc9:
      return ext(len(4))
    case 0xca:
      return skip(4)
    case 0xcb:
      return skip(8)
    case 0xcc:
    case 0xd0:
      return skip(1)
    case 0xcd:
    case 0xd1:
      return skip(2)
    case 0xce:
    case 0xd2:
      return skip(4)
    case 0xcf:
    case 0xd3:
      return skip(8)
    case 0xd4:
      return ext(1)
    case 0xd5:
      return ext(2)
    case 0xd6:
      return ext(4)
    case 0xd7:
      return ext(8)
    case 0xd8:
      return ext(16)
    case 0xd9:
      return skip(len(1))
    case 0xda:
      return skip(len(2))
    case 0xdb:
      return skip(len(4))
    case 0xdc:
      return container(len(2), false)
    case 0xdd:
      return container(len(4), false)
    case 0xde:
      return container(len(2), true)
    case 0xdf:
      return container(len(4), true)
    default:
      return 'bad' // 0xc1 is never used
  }
}

/** Prefilter: exactly detectMsgpack's first checks (a map whose first key is a string). */
export function mightMatch(b: Uint8Array): boolean {
  const t = b[0]
  const isMap = t !== undefined && ((t >= 0x80 && t <= 0x8f) || t === 0xde || t === 0xdf)
  if (!isMap) return false
  const k = b[t === 0xde ? 3 : t === 0xdf ? 5 : 1]
  return k !== undefined && ((k >= 0xa0 && k <= 0xbf) || k === 0xd9 || k === 0xda || k === 0xdb)
}

export function detectMsgpack(p: Probe): Classification | null {
  const b = p.head
  const t = b[0]
  const isMap = t !== undefined && ((t >= 0x80 && t <= 0x8f) || t === 0xde || t === 0xdf)
  if (!isMap) return null
  // The first key must be a string (flax uses parameter names).
  const k = b[t === 0xde ? 3 : t === 0xdf ? 5 : 1]
  if (k === undefined || !((k >= 0xa0 && k <= 0xbf) || k === 0xd9 || k === 0xda || k === 0xdb)) return null
  const s: State = { pos: 0, nodes: 0, ndarrays: 0 }
  const r = skipValue(b, s, 0)
  if (r === 'bad') return null
  if (r === 'ok' && s.pos !== p.size) return null // trailing garbage: not one msgpack document
  if (s.ndarrays === 0) return null
  return result('flax-msgpack', 'flax', { extra: { arraysInHead: String(s.ndarrays) } })
}
