import { Buffer } from 'node:buffer'

/**
 * Small, allocation-free helpers for reading little/big-endian integers and ASCII out of byte
 * buffers. Every reader is bounds-checked and returns `undefined` past the end instead of throwing,
 * so format parsers can treat a short buffer as "not enough evidence" rather than as a crash.
 */

export function u8(b: Uint8Array, off: number): number | undefined {
  return off >= 0 && off < b.length ? b[off] : undefined
}

export function u16le(b: Uint8Array, off: number): number | undefined {
  if (off < 0 || off + 2 > b.length) return undefined
  return b[off]! | (b[off + 1]! << 8)
}

export function u32le(b: Uint8Array, off: number): number | undefined {
  if (off < 0 || off + 4 > b.length) return undefined
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16)) + b[off + 3]! * 0x1000000
}

export function i32le(b: Uint8Array, off: number): number | undefined {
  const v = u32le(b, off)
  return v === undefined ? undefined : v | 0
}

/** Unsigned 64-bit little-endian as a bigint, so 2^63 stays exact for comparisons. */
export function u64le(b: Uint8Array, off: number): bigint | undefined {
  const lo = u32le(b, off)
  const hi = u32le(b, off + 4)
  if (lo === undefined || hi === undefined) return undefined
  return (BigInt(hi) << 32n) | BigInt(lo)
}

/** u64 LE as a number when it is a safe integer, `undefined` otherwise (or past the end). */
export function u64leSafe(b: Uint8Array, off: number): number | undefined {
  const v = u64le(b, off)
  return v !== undefined && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined
}

export function f32le(b: Uint8Array, off: number): number | undefined {
  if (off < 0 || off + 4 > b.length) return undefined
  return new DataView(b.buffer, b.byteOffset + off, 4).getFloat32(0, true)
}

/** Latin-1 view of `b[start, end)`; used for magic comparisons and ASCII scans. */
export function ascii(b: Uint8Array, start = 0, end = b.length): string {
  const s = Math.max(0, start)
  const e = Math.min(b.length, end)
  if (e <= s) return ''
  // Node's 'latin1' maps byte n to U+00nn, exactly String.fromCharCode(n), natively.
  return Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('latin1')
}

export function startsWith(b: Uint8Array, magic: string | readonly number[], off = 0): boolean {
  if (off < 0 || off + magic.length > b.length) return false
  for (let i = 0; i < magic.length; i++) {
    const m = typeof magic === 'string' ? magic.charCodeAt(i) : magic[i]
    if (b[off + i] !== m) return false
  }
  return true
}

/** First index of an ASCII needle in `b[from, to)`, or -1. */
export function indexOfAscii(b: Uint8Array, needle: string, from = 0, to = b.length): number {
  if (needle.length === 0) return -1
  const first = needle.charCodeAt(0)
  const end = Math.min(to, b.length) - needle.length
  for (let i = Math.max(0, from); i <= end; i++) {
    if (b[i] !== first) continue
    let ok = true
    for (let j = 1; j < needle.length; j++) {
      if (b[i + j] !== needle.charCodeAt(j)) {
        ok = false
        break
      }
    }
    if (ok) return i
  }
  return -1
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Strict UTF-8 decode; `undefined` for invalid sequences. */
export function utf8OrUndefined(b: Uint8Array): string | undefined {
  try {
    return utf8.decode(b)
  } catch {
    return undefined
  }
}

/** True when every byte is printable ASCII (or tab/newline/CR). Empty counts as printable. */
export function isPrintableAscii(b: Uint8Array): boolean {
  for (const c of b) {
    if (c === 9 || c === 10 || c === 13) continue
    if (c < 0x20 || c > 0x7e) return false
  }
  return true
}

/** Longest metadata string we copy into a Classification; reports and registries stay small. */
export const MAX_METADATA_STRING = 256

/** Trims control characters and bounds the length of a metadata value taken from the file. */
export function cleanMeta(s: string): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f]/g, ' ').trim()
  return t.length > MAX_METADATA_STRING ? `${t.slice(0, MAX_METADATA_STRING)}…` : t
}

/** Lower-cased extension of the last path segment, without the dot ('' when none). */
export function extensionOf(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1)
  const dot = base.lastIndexOf('.')
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : ''
}

export function basenameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}
