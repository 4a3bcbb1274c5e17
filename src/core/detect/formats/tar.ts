import { ascii } from '../bytes.js'
import type { Classification } from '../types.js'
import { inflatePrefix } from './inflate.js'
import { LIMITS, type Probe, result } from './probe.js'

/**
 * NeMo `.nemo` archives are tar files (often gzip-compressed) holding `model_config.yaml` and
 * `model_weights.ckpt` (NVIDIA NeMo core/connectors/save_restore_connector.py). Tar headers are
 * 512-byte blocks: name at 0 (100 bytes), size at 124 (12 bytes octal), "ustar" magic at 257
 * (POSIX.1-1988 ustar). Plain tars are walked header by header with small reads; gzip ones only
 * within a bounded inflated prefix.
 */
const BLOCK = 512
const MAX_HEADERS = 256

function octal(b: Uint8Array, off: number, len: number): number | undefined {
  const s = ascii(b, off, off + len)
    .replace(/[\0 ]+$/g, '')
    .trim()
  if (!/^[0-7]{1,12}$/.test(s)) return s === '' ? 0 : undefined
  return parseInt(s, 8)
}

function isHeader(h: Uint8Array): boolean {
  return ascii(h, 257, 262) === 'ustar'
}

/** Entry names from consecutive headers; `next(offset)` supplies the 512-byte block at offset. */
async function walk(
  next: (off: number) => Promise<Uint8Array | undefined>
): Promise<{ names: string[]; exhausted: boolean }> {
  const names: string[] = []
  let off = 0
  for (let i = 0; i < MAX_HEADERS; i++) {
    const h = await next(off)
    if (h === undefined) return { names, exhausted: true }
    if (h.length < BLOCK || !isHeader(h)) return { names, exhausted: false }
    const name = ascii(h, 0, 100).replace(/\0.*$/s, '')
    const prefix = ascii(h, 345, 500).replace(/\0.*$/s, '')
    names.push(prefix ? `${prefix}/${name}` : name)
    const size = octal(h, 124, 12)
    if (size === undefined) return { names, exhausted: false }
    off += BLOCK + Math.ceil(size / BLOCK) * BLOCK
  }
  return { names, exhausted: true }
}

function judge(names: string[], exhausted: boolean, gz: boolean): Classification | null {
  const base = names.map(n => n.replace(/^(\.\/)+/, ''))
  const config = base.some(n => n.endsWith('model_config.yaml'))
  const weights = base.some(n => n.endsWith('model_weights.ckpt'))
  if (!(config && weights) && !((config || weights) && exhausted)) return null
  return result('nemo', 'nemo', { extra: { compression: gz ? 'gzip' : 'none' } })
}

/** Prefilter: "ustar" at 257 (plain tar) or the gzip magic. */
export function mightMatch(h: Uint8Array): boolean {
  if (h[0] === 0x1f && h[1] === 0x8b) return true
  return h[257] === 0x75 && h[258] === 0x73 && h[259] === 0x74 && h[260] === 0x61 && h[261] === 0x72
}

export async function detectTar(p: Probe): Promise<Classification | null> {
  const h = p.head
  if (isHeader(h)) {
    let budget = LIMITS.extra
    const r = await walk(async off => {
      if (off + BLOCK > p.size) return undefined
      if (off + BLOCK > h.length) {
        budget -= BLOCK
        if (budget < 0) return undefined
      }
      return p.readUpTo(off, BLOCK)
    })
    return judge(r.names, r.exhausted, false)
  }
  if (h[0] === 0x1f && h[1] === 0x8b) {
    const input = await p.readUpTo(0, LIMITS.inflateInput)
    const out = inflatePrefix(input, 'gzip', input.length === p.size)
    if (out === undefined || !isHeader(out.bytes.subarray(0, BLOCK))) return null
    const b = out.bytes
    const r = await walk(off =>
      Promise.resolve(off + BLOCK <= b.length ? b.subarray(off, off + BLOCK) : undefined)
    )
    return judge(r.names, r.exhausted && !out.complete, true)
  }
  return null
}
