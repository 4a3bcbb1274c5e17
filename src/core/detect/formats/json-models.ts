import { ascii, cleanMeta, utf8OrUndefined } from '../bytes.js'
import type { Classification } from '../types.js'
import { scanJsonHead } from './json-head.js'
import { type Probe, result } from './probe.js'

/**
 * JSON-based model files, recognised by their key structure (never by file name):
 * - XGBoost JSON (`learner` + `version` [major, minor, patch]; xgboost doc "Introduction to Model IO")
 * - TF.js `model.json` (`modelTopology` and/or `weightsManifest`) and a bare weights manifest
 *   (array of `{paths, weights}` groups) (tfjs-converter "model.json format")
 * - CoreML `.mlpackage` `Manifest.json` (`fileFormatVersion` + `itemInfoEntries`)
 * - MXNet `-symbol.json` (`nodes` + `arg_nodes` + `heads`, `attrs.mxnet_version`)
 * Configs, tokenizers and other JSON have none of these shapes and stay null.
 */
const TAIL = 4096

function firstMatch(text: string, re: RegExp): string | undefined {
  const m = re.exec(text)
  return m?.[1] === undefined ? undefined : cleanMeta(m[1])
}

export async function detectJson(p: Probe): Promise<Classification | null> {
  const text = utf8OrUndefined(p.head) ?? ascii(p.head)
  const head = scanJsonHead(text)
  const k = head.keys
  if (head.root === undefined) return null
  const tailBytes =
    p.size > p.head.length
      ? await p.readUpTo(Math.max(p.head.length, p.size - TAIL), TAIL)
      : new Uint8Array(0)
  const whole = text + ascii(tailBytes)

  // The learner object must hold xgboost's own members; a big feature_names list can push them past
  // the head, in which case the document must end with xgboost's `"version": [major, minor, patch]`.
  const xgbMembers =
    k.has('learner.gradient_booster') || k.has('learner.learner_model_param') || k.has('learner.objective')
  const xgbTail =
    (k.has('learner.attributes') || k.has('learner.feature_names')) &&
    /"version"\s*:\s*\[\s*\d+\s*,\s*\d+\s*,\s*\d+\s*\]\s*\}\s*$/.test(whole)
  if (head.root === 'object' && k.has('learner') && (xgbMembers || xgbTail)) {
    const meta: Classification['metadata'] = {}
    const v = /"version"\s*:\s*\[\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\]/.exec(whole)
    if (v) meta.frameworkVersion = `${v[1]}.${v[2]}.${v[3]}`
    const obj = firstMatch(whole, /"objective"\s*:\s*\{\s*"name"\s*:\s*"([^"]{1,64})"/)
    if (obj) meta.extra = { objective: obj }
    return result('xgboost-json', 'xgboost', meta)
  }
  if (head.root === 'object' && (k.has('modelTopology') || k.has('weightsManifest'))) {
    const meta: Classification['metadata'] = {}
    const extra: Record<string, string> = {}
    const format = firstMatch(text, /"format"\s*:\s*"([^"]{1,64})"/)
    if (format) extra.format = format
    const gen = firstMatch(text, /"generatedBy"\s*:\s*"([^"]{1,128})"/)
    if (gen) meta.producer = gen
    const conv = firstMatch(text, /"convertedBy"\s*:\s*"([^"]{1,128})"/)
    if (conv) extra.convertedBy = conv
    meta.extra = extra
    return result('tfjs', 'tfjs', meta)
  }
  if (head.root === 'array' && k.has('[].paths') && k.has('[].weights')) {
    return result('tfjs', 'tfjs', { extra: { file: 'weights-manifest' } })
  }
  if (head.root === 'object' && k.has('fileFormatVersion') && k.has('itemInfoEntries')) {
    const meta: Classification['metadata'] = {}
    const v = firstMatch(text, /"fileFormatVersion"\s*:\s*"([^"]{1,32})"/)
    if (v) meta.extra = { fileFormatVersion: v }
    return result('coreml-mlpackage', 'coreml', meta)
  }
  if (head.root === 'object' && k.has('nodes') && (k.has('arg_nodes') || k.has('heads'))) {
    if (!/"op"\s*:/.test(text)) return null
    const meta: Classification['metadata'] = { extra: { file: 'symbol' } }
    const v = /"mxnet_version"\s*:\s*\[\s*"int"\s*,\s*(\d+)\s*\]/.exec(whole)
    if (v) {
      // Encoded as major*10000 + minor*100 + patch (MXNET_VERSION in include/mxnet/base.h).
      const n = Number(v[1])
      meta.frameworkVersion = `${Math.floor(n / 10000)}.${Math.floor(n / 100) % 100}.${n % 100}`
    }
    return result('mxnet', 'mxnet', meta)
  }
  return null
}
