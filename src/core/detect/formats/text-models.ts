import { ascii, cleanMeta } from '../bytes.js'
import type { Classification } from '../types.js'
import { type Probe, result } from './probe.js'

/**
 * Text model formats:
 * - LightGBM model text (LightGBM src/boosting/gbdt_model_text.cpp SaveModelToString): starts
 *   with "tree\nversion=v<N>\n", then num_class=, ..., feature_names=.
 * - OpenVINO IR `.xml`: an XML document whose root element is `<net name=... version=...>`
 *   (OpenVINO IR v10/v11); the runtime version sits in `<rt_info>` at the end of the file.
 */
const TAIL = 16 * 1024

/** Latin-1 characters JavaScript's `\s` matches (the OpenVINO regex runs over a Latin-1 view). */
const isLatin1Space = (c: number): boolean => (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0xa0

/**
 * Prefilter for detectText: "tree\n"/"tree\r\n" at 0 (LightGBM), or, within the first 8 KiB, '<' as
 * the first non-space byte and "<net" somewhere after it (OpenVINO IR).
 */
export function mightMatch(h: Uint8Array): boolean {
  if (h[0] === 0x74 && h[1] === 0x72 && h[2] === 0x65 && h[3] === 0x65) {
    if (h[4] === 0x0a || (h[4] === 0x0d && h[5] === 0x0a)) return true
  }
  const end = Math.min(h.length, 8192)
  let i = 0
  while (i < end && isLatin1Space(h[i]!)) i++
  if (i >= end || h[i] !== 0x3c) return false
  for (let j = h.indexOf(0x3c, i); j >= 0 && j + 4 <= end; j = h.indexOf(0x3c, j + 1)) {
    if (h[j + 1] === 0x6e && h[j + 2] === 0x65 && h[j + 3] === 0x74) return true
  }
  return false
}

export async function detectText(p: Probe): Promise<Classification | null> {
  const text = ascii(p.head, 0, Math.min(p.head.length, 8192))
  const lgb = /^tree\r?\nversion=(v\d+)\r?\n/.exec(text)
  if (lgb) {
    if (!/\nnum_class=\d+/.test(text)) return null
    const extra: Record<string, string> = { modelVersion: lgb[1]! }
    const obj = /\nobjective=([^\r\n]{1,64})/.exec(text)
    if (obj) extra.objective = cleanMeta(obj[1]!)
    return result('lightgbm-text', 'lightgbm', { extra })
  }
  const xml = /^\ufeff?\s*(<\?xml[^>]{0,200}\?>\s*)?(<!--[\s\S]{0,4000}?-->\s*)*<net(\s[^>]{0,1000})?>/.exec(
    text
  )
  if (xml) {
    const attrs = xml[3] ?? ''
    const extra: Record<string, string> = {}
    const ir = /\sversion="(\d+)"/.exec(attrs)
    if (ir) extra.irVersion = ir[1]!
    const name = /\sname="([^"]{0,200})"/.exec(attrs)
    if (name) extra.name = cleanMeta(name[1]!)
    const meta: Classification['metadata'] = { extra }
    const tail = ascii(await p.readUpTo(Math.max(0, p.size - TAIL), TAIL))
    const rt = /<Runtime_version value="([^"]{1,64})"/.exec(tail)
    if (rt) meta.frameworkVersion = cleanMeta(rt[1]!)
    const mo = /<MO_version value="([^"]{1,64})"/.exec(tail)
    if (mo) meta.producerVersion = cleanMeta(mo[1]!)
    return result('openvino-ir', 'openvino', meta)
  }
  return null
}
