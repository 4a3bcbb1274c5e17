import { ascii, u32le, u64le } from '../bytes.js'
import type { Classification } from '../types.js'
import { type Probe, result } from './probe.js'

/**
 * - MXNet `.params` (NDArray list, src/ndarray/ndarray.cc NDArray::Save): u64 magic 0x112
 *   (kMXAPINDArrayListMagic), u64 reserved 0, u64 array count, then arrays that each start with an
 *   NDArray magic (0xF993FAC8 v1, 0xF993FAC9 v2, 0xF993FACA v3).
 * - TensorRT serialized engine ("plan"): begins with the 4-byte tag "ftrt"; the serialization
 *   version sits at byte 8 (NVIDIA/TensorRT issue #3073). Newer plans observed with "ptrt" are
 *   accepted only with an engine-like extension, since we could not confirm that tag.
 */
const NDARRAY_LIST_MAGIC = 0x112n
const NDARRAY_MAGICS = new Set([0xf993fac8, 0xf993fac9, 0xf993faca])
/** An NDArray record is at least magic + storage type + shape ndim + context + type flag. */
const MIN_NDARRAY = 16
const ENGINE_EXT = new Set(['engine', 'plan', 'trt'])

function detectMxnetParams(p: Probe): Classification | null {
  const b = p.head
  if (u64le(b, 0) !== NDARRAY_LIST_MAGIC || u64le(b, 8) !== 0n) return null
  const count = u64le(b, 16)
  if (count === undefined) return result('mxnet', 'mxnet', { extra: { file: 'params' } }, 'truncated header')
  if (count * BigInt(MIN_NDARRAY) > BigInt(p.size)) {
    return result(
      'mxnet',
      'mxnet',
      { extra: { file: 'params' } },
      `claims ${count} arrays in ${p.size} bytes`
    )
  }
  if (count > 0n && !NDARRAY_MAGICS.has(u32le(b, 24) ?? 0)) return null
  return result('mxnet', 'mxnet', { extra: { file: 'params', arrays: String(count) } })
}

function detectTensorrt(p: Probe): Classification | null {
  const tag = ascii(p.head, 0, 4)
  if (tag !== 'ftrt' && !(tag === 'ptrt' && ENGINE_EXT.has(p.ext))) return null
  if (p.size < 32) return null
  const extra: Record<string, string> = { tag }
  const v = p.head[8]
  if (v !== undefined) extra.serializationVersion = String(v)
  return result('tensorrt-engine', 'tensorrt', { extra })
}

/** Prefilter: MXNet NDArray-list magic 0x112 (u64 LE), or the "ftrt"/"ptrt" plan tag. */
export function mightMatch(h: Uint8Array): boolean {
  if (h[0] === 0x12 && h[1] === 0x01 && h[2] === 0 && h[3] === 0) return true
  return (h[0] === 0x66 || h[0] === 0x70) && h[1] === 0x74 && h[2] === 0x72 && h[3] === 0x74
}

export function detectMisc(p: Probe): Classification | null {
  return detectMxnetParams(p) ?? detectTensorrt(p)
}
