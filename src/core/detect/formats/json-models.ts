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

// ---------------------------------------------------------------------------------------------
// Prefilter. detectJson only returns non-null when scanJsonHead found one of the keys below, and
// scanJsonHead records a key only for a '"', the key's characters (an escape pair `\x` may sit
// between any two of them: the scanner drops escaped characters) and a closing '"'. So a head
// without such a byte sequence cannot be a JSON model, whatever its size.

const KEYS = [
  'learner',
  'modelTopology',
  'weightsManifest',
  'paths',
  'weights',
  'fileFormatVersion',
  'itemInfoEntries',
  'nodes',
  'arg_nodes',
  'heads'
] as const
const KEY_BYTES = KEYS.map(k => Array.from(k, c => c.charCodeAt(0)))
const [LEARNER, TOPOLOGY, MANIFEST, PATHS, WEIGHTS, FFV, ITEMS, NODES, ARG_NODES, HEADS] = KEYS.map(
  (_, i) => 1 << i
) as [number, number, number, number, number, number, number, number, number, number]

/** Indexes into KEYS by first byte, so each '"' costs one table lookup for most bytes. */
const BY_FIRST: number[][] = Array.from({ length: 256 }, (_, c) =>
  KEY_BYTES.flatMap((k, i) => (k[0] === c ? [i] : []))
)

/** Bytes that may follow the '"' opening one of KEYS: their first letters and the backslash. */
const INTEREST = new Uint8Array(256)
for (const k of KEY_BYTES) INTEREST[k[0]!] = 1
INTEREST[0x5c] = 1

/** Skips escape pairs at `j` (a backslash, the escaped byte and any UTF-8 continuation bytes). */
function skipEscapes(h: Uint8Array, j: number): number {
  while (h[j] === 0x5c) {
    j += 2
    while (j < h.length && (h[j]! & 0xc0) === 0x80) j++
  }
  return j
}

function keyAt(h: Uint8Array, start: number, key: readonly number[]): boolean {
  let j = start
  for (const c of key) {
    j = skipEscapes(h, j)
    if (h[j] !== c) return false
    j++
  }
  return h[skipEscapes(h, j)] === 0x22
}

/** First byte that is not JSON whitespace or a UTF-8 BOM byte, within the first 1 KiB. */
export function firstNonSpace(h: Uint8Array): number | undefined {
  for (let i = 0; i < Math.min(h.length, 1024); i++) {
    const c = h[i]!
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0xef && c !== 0xbb && c !== 0xbf)
      return c
  }
  return undefined
}

/** Prefilter for detectJson: an object or array whose head holds one of the model key sets. */
export function mightMatch(h: Uint8Array): boolean {
  const f = firstNonSpace(h)
  if (f !== 0x7b && f !== 0x5b) return false
  let found = 0
  const n = h.length - 1
  for (let q = 0; q < n; q++) {
    if (h[q] !== 0x22 || INTEREST[h[q + 1]!] === 0) continue
    const c = h[skipEscapes(h, q + 1)]
    if (c === undefined) break
    for (const i of BY_FIRST[c]!) {
      if ((found & (1 << i)) === 0 && keyAt(h, q + 1, KEY_BYTES[i]!)) found |= 1 << i
    }
  }
  if (found & (LEARNER | TOPOLOGY | MANIFEST)) return true
  if ((found & PATHS) !== 0 && (found & WEIGHTS) !== 0) return true
  if ((found & FFV) !== 0 && (found & ITEMS) !== 0) return true
  return (found & NODES) !== 0 && (found & (ARG_NODES | HEADS)) !== 0
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
