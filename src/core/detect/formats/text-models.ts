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
