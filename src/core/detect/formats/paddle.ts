import { i32le, u32le, u64le } from '../bytes.js'
import type { Classification } from '../types.js'
import { WIRE_LEN, WIRE_VARINT, walkMessage } from './protobuf.js'
import { type Probe, result } from './probe.js'

/**
 * PaddlePaddle inference models:
 * - `.pdmodel`: a ProgramDesc protobuf (paddle/fluid/framework/framework.proto): blocks=1
 *   (BlockDesc: idx=1, parent_idx=2, vars=3, ops=4, forward_block_idx=5), version=4,
 *   op_version_map=5. The first block must be block 0 with parent -1.
 * - `.pdiparams`: tensors written back to back by save_combine (paddle/fluid/framework/
 *   lod_tensor.cc SerializeToStream): u32 version 0, u64 lod_level, lod data, then u32 tensor
 *   version 0, i32 TensorDesc size, TensorDesc protobuf (data_type=1 varint, dims=2), raw data.
 */
const MAX_TENSOR_DESC = 4096
const MAX_LOD_LEVEL = 16n

function detectProgramDesc(p: Probe): Classification | null {
  const b = p.head
  if (b[0] !== 0x0a) return null
  const w = walkMessage(b, 0, b.length, p.size)
  if (w.invalid !== undefined || w.fields.length === 0) return null
  const allowed: Record<number, number> = { 1: WIRE_LEN, 4: WIRE_LEN, 5: WIRE_LEN }
  if (!w.fields.every(f => allowed[f.field] === f.wire)) return null
  const block = w.fields[0]!
  const bw = walkMessage(
    b,
    block.offset,
    Math.min(b.length, block.offset + block.length),
    block.offset + block.length
  )
  if (bw.invalid !== undefined || bw.fields.length < 2) return null
  const [idx, parent] = bw.fields
  if (idx!.field !== 1 || idx!.wire !== WIRE_VARINT || idx!.value !== 0n) return null
  // parent_idx is an int32 -1, encoded as a 10-byte varint of 2^64-1.
  if (parent!.field !== 2 || parent!.wire !== WIRE_VARINT || parent!.value !== 0xffffffffffffffffn)
    return null
  const schema: Record<number, number> = {
    1: WIRE_VARINT,
    2: WIRE_VARINT,
    3: WIRE_LEN,
    4: WIRE_LEN,
    5: WIRE_VARINT
  }
  if (!bw.fields.every(f => schema[f.field] === f.wire)) return null
  return result('paddle', 'paddlepaddle', { extra: { file: 'program' } })
}

function detectParams(p: Probe): Classification | null {
  const b = p.head
  if (u32le(b, 0) !== 0) return null
  const lod = u64le(b, 4)
  if (lod === undefined || lod > MAX_LOD_LEVEL) return null
  let pos = 12
  for (let i = 0n; i < lod; i++) {
    const n = u64le(b, pos)
    if (n === undefined || n > BigInt(p.size)) return null
    pos += 8 + Number(n)
  }
  if (u32le(b, pos) !== 0) return null
  const descLen = i32le(b, pos + 4)
  if (descLen === undefined || descLen < 2 || descLen > MAX_TENSOR_DESC || pos + 8 + descLen > b.length)
    return null
  const w = walkMessage(b, pos + 8, pos + 8 + descLen)
  if (w.invalid !== undefined || w.truncated || w.fields.length < 1) return null
  const [dt] = w.fields
  // VarType.Type data types are small enum values (BOOL=0 ... FP8 ~ 30s).
  if (dt!.field !== 1 || dt!.wire !== WIRE_VARINT || dt!.value === undefined || dt!.value > 64n) return null
  if (
    !w.fields.every(
      f =>
        (f.field === 1 && f.wire === WIRE_VARINT) ||
        (f.field === 2 && (f.wire === WIRE_VARINT || f.wire === WIRE_LEN))
    )
  )
    return null
  return result('paddle', 'paddlepaddle', { extra: { file: 'params' } })
}

/** Prefilter: ProgramDesc starts with tag 0x0a (blocks); params with a u32 version 0. */
export function mightMatch(h: Uint8Array): boolean {
  if (h[0] === 0x0a) return true
  return h[0] === 0 && h[1] === 0 && h[2] === 0 && h[3] === 0
}

export function detectPaddle(p: Probe): Classification | null {
  return detectProgramDesc(p) ?? detectParams(p)
}
