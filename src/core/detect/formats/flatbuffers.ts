import { ascii, cleanMeta, u16le, u32le, utf8OrUndefined } from '../bytes.js'
import type { Classification } from '../types.js'
import { type Probe, result } from './probe.js'

/**
 * FlatBuffers files start with a u32 root-table offset and a 4-byte file identifier at 4..8
 * (flatbuffers "file_identifier"). TFLite uses "TFL3" (tensorflow/lite/schema/schema.fbs);
 * ExecuTorch .pte uses "ET" plus two digits, e.g. "ET12" (executorch/schema/program.fbs).
 */

/** Reads field `index` of the table at `table` as a u32 offset target; undefined if absent. */
function fieldPos(b: Uint8Array, table: number, index: number): number | undefined {
  const soff = u32le(b, table)
  if (soff === undefined) return undefined
  const vt = table - (soff | 0)
  const vtSize = u16le(b, vt)
  if (vtSize === undefined || vt < 0 || 4 + 2 * index + 2 > vtSize) return undefined
  const fo = u16le(b, vt + 4 + 2 * index)
  return fo === undefined || fo === 0 ? undefined : table + fo
}

function fieldU32(b: Uint8Array, table: number, index: number): number | undefined {
  const at = fieldPos(b, table, index)
  return at === undefined ? undefined : u32le(b, at)
}

function fieldString(b: Uint8Array, table: number, index: number): string | undefined {
  const at = fieldPos(b, table, index)
  const rel = at === undefined ? undefined : u32le(b, at)
  if (at === undefined || rel === undefined) return undefined
  const s = at + rel
  const n = u32le(b, s)
  if (n === undefined || n > 4096 || s + 4 + n > b.length) return undefined
  const text = utf8OrUndefined(b.subarray(s + 4, s + 4 + n))
  return text === undefined ? undefined : cleanMeta(text)
}

function rootTable(p: Probe): number | undefined {
  const root = u32le(p.head, 0)
  return root !== undefined && root >= 8 && root < p.size ? root : undefined
}

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39

/** Prefilter: file identifier "TFL3" or "ET" + two digits at offset 4. */
export function mightMatch(head: Uint8Array): boolean {
  if (head[4] === 0x54 && head[5] === 0x46 && head[6] === 0x4c && head[7] === 0x33) return true
  return head[4] === 0x45 && head[5] === 0x54 && isDigit(head[6]) && isDigit(head[7])
}

export function detectFlatbuffer(p: Probe): Classification | null {
  const h = p.head
  const id = ascii(h, 4, 8)
  const isTflite = id === 'TFL3'
  const isPte = /^ET\d\d$/.test(id)
  if (!isTflite && !isPte) return null
  const root = rootTable(p)
  if (root === undefined) return null
  if (isTflite) {
    const extra: Record<string, string> = {}
    const version = fieldU32(h, root, 0) // Model.version
    if (version !== undefined) extra.schemaVersion = String(version)
    const meta: Classification['metadata'] = { extra }
    const desc = fieldString(h, root, 3) // Model.description, e.g. "MLIR Converted."
    if (desc) meta.producer = desc
    return result('tflite', 'tensorflow', meta)
  }
  const extra: Record<string, string> = { identifier: id }
  const version = fieldU32(h, root, 0) // Program.version
  if (version !== undefined) extra.schemaVersion = String(version)
  return result('executorch', 'executorch', { extra })
}
