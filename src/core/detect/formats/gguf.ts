import { ascii, cleanMeta, f32le, u32le, u64le, utf8OrUndefined } from '../bytes.js'
import type { Classification } from '../types.js'
import type { Probe } from './probe.js'
import { result } from './probe.js'

/**
 * GGUF (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md): magic "GGUF", u32 version,
 * then tensor_count and metadata_kv_count (u32 in v1, u64 from v2), then key/value pairs.
 * Keys are gguf strings (u64 length, u32 in v1) and `general.*` keys come first in practice.
 */
const GGUF_MAGIC = 'GGUF'
/** A tensor info is at least name(8+1) + n_dims(4) + dims(8) + type(4) + offset(8) bytes. */
const MIN_TENSOR_INFO = 33
/** A key/value is at least key(8+1) + type(4) + 1 byte of value. */
const MIN_KV = 14
/** gguf.md limits key names to 65,535 bytes; we copy shorter values only. */
const MAX_KEY = 65_535
const MAX_VALUE_STRING = 1024
const MAX_KVS_WALKED = 256

/** Fixed element sizes of GGUF value types 0..12 (STRING=8 and ARRAY=9 are variable). */
const TYPE_SIZE: Record<number, number> = {
  0: 1,
  1: 1,
  2: 2,
  3: 2,
  4: 4,
  5: 4,
  6: 4,
  7: 1,
  10: 8,
  11: 8,
  12: 8
}

/** Legacy GGML containers: the first u32 (LE) is 'ggml', 'ggmf', 'ggjt' or 'ggla' (llama.cpp history). */
const GGML_MAGICS: Record<number, string> = {
  0x67676d6c: 'ggml',
  0x67676d66: 'ggmf',
  0x67676a74: 'ggjt',
  0x67676c61: 'ggla'
}

/** Prefilter: "GGUF", or a legacy GGML magic (all end in "gg" when read as bytes). */
export function mightMatch(head: Uint8Array): boolean {
  if (head[0] === 0x47 && head[1] === 0x47 && head[2] === 0x55 && head[3] === 0x46) return true
  if (head[2] !== 0x67 || head[3] !== 0x67) return false
  const m = u32le(head, 0)
  return m !== undefined && GGML_MAGICS[m] !== undefined
}

export function detectGgml(p: Probe): Classification | null {
  const m = u32le(p.head, 0)
  if (m === undefined) return null
  const name = GGML_MAGICS[m]
  if (name === undefined || p.size < 16) return null
  const extra: Record<string, string> = { magic: name }
  if (name !== 'ggml') {
    const v = u32le(p.head, 4)
    if (v !== undefined) extra.containerVersion = String(v)
  }
  return result('ggml', 'gguf', { extra })
}

export function detectGguf(p: Probe): Classification | null {
  const h = p.head
  if (ascii(h, 0, 4) !== GGUF_MAGIC) return null
  const version = u32le(h, 4)
  if (version === undefined) return result('gguf', 'gguf', {}, 'truncated header')
  // Versions 1..3 exist; a small unknown version is a newer GGUF, anything else is text ("GGUF is...").
  if (version === 0 || version > 255) return null
  if (version > 3)
    return result(
      'gguf',
      'gguf',
      { extra: { ggufVersion: String(version) } },
      `unknown GGUF version ${version}`
    )
  const wide = version >= 2
  const tensorCount = wide ? u64le(h, 8) : BigInt(u32le(h, 8) ?? -1)
  const kvCount = wide ? u64le(h, 16) : BigInt(u32le(h, 12) ?? -1)
  const extra: Record<string, string> = { ggufVersion: String(version) }
  if (tensorCount === undefined || kvCount === undefined || tensorCount < 0n || kvCount < 0n) {
    return result('gguf', 'gguf', { extra }, 'truncated header')
  }
  extra.tensorCount = String(tensorCount)
  const size = BigInt(p.size)
  if (tensorCount * BigInt(MIN_TENSOR_INFO) > size || kvCount * BigInt(MIN_KV) > size) {
    return result(
      'gguf',
      'gguf',
      { extra },
      `counts (tensors ${tensorCount}, kv ${kvCount}) cannot fit in ${p.size} bytes`
    )
  }
  const r = new KvReader(h, wide ? 24 : 16, wide)
  const kvs = Number(kvCount)
  for (let i = 0; i < Math.min(kvs, MAX_KVS_WALKED); i++) {
    const key = r.string(MAX_KEY)
    const type = r.u32()
    if (key === undefined || type === undefined) break
    const v = r.value(type)
    if (v === BAD)
      return result('gguf', 'gguf', { extra }, `invalid value type ${type} for key ${cleanMeta(key)}`)
    if (v === undefined) break // ran past the head: stop quietly
    if (key.startsWith('general.') && v !== null) extra[cleanMeta(key)] = cleanMeta(v)
  }
  const meta: Classification['metadata'] = { extra }
  if (extra['general.architecture'] !== undefined) meta.producer = extra['general.architecture']
  return result('gguf', 'gguf', meta)
}

/** A value as display text, null when not worth keeping, undefined past the head, BAD if invalid. */
type KvValue = string | null | undefined | typeof BAD
const BAD = Symbol('bad')

/** Sequential reader over the head; returns undefined when it would run past the buffer. */
class KvReader {
  constructor(
    private readonly b: Uint8Array,
    private pos: number,
    private readonly wide: boolean
  ) {}

  u32(): number | undefined {
    const v = u32le(this.b, this.pos)
    if (v !== undefined) this.pos += 4
    return v
  }

  len(): number | undefined {
    if (!this.wide) return this.u32()
    const v = u64le(this.b, this.pos)
    if (v === undefined || v > BigInt(this.b.length)) return undefined
    this.pos += 8
    return Number(v)
  }

  string(max: number): string | undefined {
    const n = this.len()
    if (n === undefined || n > max || this.pos + n > this.b.length) return undefined
    const s = utf8OrUndefined(this.b.subarray(this.pos, this.pos + n))
    this.pos += n
    return s ?? '\ufffd'
  }

  /** Decodes one value of GGUF type `type` (see KvValue). */
  value(type: number): KvValue {
    const fixed = TYPE_SIZE[type]
    if (fixed !== undefined) {
      if (this.pos + fixed > this.b.length) return undefined
      let s: string
      if (type === 4) s = String(u32le(this.b, this.pos))
      else if (type === 5) s = String(u32le(this.b, this.pos)! | 0)
      else if (type === 6) s = String(f32le(this.b, this.pos))
      else if (type === 10 || type === 11) s = String(u64le(this.b, this.pos))
      else if (type === 7) s = this.b[this.pos] ? 'true' : 'false'
      else s = String(this.b[this.pos])
      this.pos += fixed
      return s
    }
    if (type === 8) {
      const n = this.len()
      if (n === undefined || this.pos + n > this.b.length) return undefined
      const raw = this.b.subarray(this.pos, this.pos + n)
      this.pos += n
      return n <= MAX_VALUE_STRING ? (utf8OrUndefined(raw) ?? null) : null
    }
    if (type === 9) {
      const et = this.u32()
      const count = this.len()
      if (et === undefined || count === undefined) return undefined
      const es = TYPE_SIZE[et]
      if (es !== undefined) {
        if (this.pos + es * count > this.b.length) return undefined
        this.pos += es * count
        return null
      }
      if (et === 8) {
        for (let i = 0; i < count; i++) {
          const n = this.len()
          if (n === undefined || this.pos + n > this.b.length) return undefined
          this.pos += n
        }
        return null
      }
      // Nested arrays are legal but never used for general.* keys; stop walking.
      return et === 9 ? undefined : BAD
    }
    return BAD
  }
}
