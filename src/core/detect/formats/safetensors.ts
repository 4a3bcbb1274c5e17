import { cleanMeta, u64le, utf8OrUndefined } from '../bytes.js'
import type { Classification } from '../types.js'
import { LIMITS, type Probe, result } from './probe.js'

/**
 * safetensors: an 8-byte little-endian header length N, then N bytes of JSON starting with '{'
 * (https://github.com/huggingface/safetensors#format). The reference implementation refuses
 * headers above 100,000,000 bytes (MAX_HEADER_SIZE in safetensors/src/tensor.rs); so do we.
 */
const MAX_HEADER = 100_000_000
/** Entries copied from `__metadata__` (string values only, each bounded by cleanMeta). */
const MAX_METADATA_ENTRIES = 32

export function looksLikeHeaderStart(head: Uint8Array): boolean {
  // '{' then optional whitespace then '"' (a key) or '}' (empty header).
  if (head[8] !== 0x7b) return false
  for (let i = 9; i < Math.min(head.length, 64); i++) {
    const c = head[i]!
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue
    return c === 0x22 || c === 0x7d
  }
  return head.length <= 9
}

/** Prefilter (see classify.ts): necessary for detectSafetensors to return non-null. */
export function mightMatch(head: Uint8Array): boolean {
  return head.length > 8 && looksLikeHeaderStart(head)
}

export async function detectSafetensors(p: Probe): Promise<Classification | null> {
  const n = u64le(p.head, 0)
  if (n === undefined || !looksLikeHeaderStart(p.head)) return null
  const text = new TextDecoder().decode(p.head.subarray(8, Math.min(p.head.length, 8 + 4096)))
  // Without a sane length we need stronger evidence than one '{' before calling it safetensors.
  const tensorish = /"(dtype|__metadata__|data_offsets)"/.test(text)
  if (n > BigInt(MAX_HEADER) || n > BigInt(Math.max(0, p.size - 8))) {
    if (!tensorish) return null
    const why =
      n > BigInt(MAX_HEADER)
        ? `header length ${n} exceeds the ${MAX_HEADER}-byte limit`
        : `header length ${n} exceeds the file size ${p.size}`
    return result('safetensors', 'safetensors', {}, why)
  }
  const len = Number(n)
  if (len < 2) return null
  // Headers of large checkpoints can be hundreds of KiB; read at most what the budget sets aside.
  if (len > LIMITS.extra + LIMITS.head - 8) {
    return tensorish ? result('safetensors', 'safetensors', { extra: { headerBytes: String(len) } }) : null
  }
  const raw = await p.read(8, len)
  const json = utf8OrUndefined(raw)
  let parsed: unknown
  try {
    parsed = json === undefined ? undefined : JSON.parse(json)
  } catch {
    parsed = undefined
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return tensorish ? result('safetensors', 'safetensors', {}, 'header is not a valid JSON object') : null
  }
  const obj = parsed as Record<string, unknown>
  const extra: Record<string, string> = {}
  let tensors = 0
  for (const [k, v] of Object.entries(obj)) {
    if (k === '__metadata__') continue
    if (v === null || typeof v !== 'object' || !('dtype' in v)) {
      return result('safetensors', 'safetensors', {}, `tensor entry ${cleanMeta(k)} has no dtype`)
    }
    tensors++
  }
  const meta = obj.__metadata__
  if (meta !== null && typeof meta === 'object' && !Array.isArray(meta)) {
    for (const [k, v] of Object.entries(meta as Record<string, unknown>).slice(0, MAX_METADATA_ENTRIES)) {
      if (typeof v === 'string') extra[cleanMeta(k)] = cleanMeta(v)
    }
  }
  extra.tensors = String(tensors)
  return result('safetensors', 'safetensors', { extra })
}
