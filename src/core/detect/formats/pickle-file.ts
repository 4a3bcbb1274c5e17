import { ascii, cleanMeta, startsWith } from '../bytes.js'
import type { Classification, FormatId } from '../types.js'
import { inflatePrefix } from './inflate.js'
import { PickleInput, type WalkResult, toScan, walkPickle } from './pickle.js'
import { LIMITS, type Probe } from './probe.js'

/** Extensions that make an ambiguous, damaged stream worth reporting as a pickle. */
const PICKLE_EXTENSIONS = new Set([
  'pkl',
  'pickle',
  'pk',
  'p',
  'joblib',
  'jbl',
  'jl',
  'sav',
  'pt',
  'pth',
  'ckpt',
  'dill'
])

/** Opcodes a protocol 0/1 pickle can start with (no PROTO opcode before protocol 2). */
const PROTO0_FIRST = new Set('(c]})IJKLMNSTUVXFGi'.split('').map(c => c.charCodeAt(0)))

/** Package prefix of a global -> the framework it belongs to. First match wins. */
const FRAMEWORKS: [string, string][] = [
  ['xgboost.', 'xgboost'],
  ['lightgbm.', 'lightgbm'],
  ['catboost.', 'catboost'],
  ['sklearn.', 'scikit-learn'],
  ['torch.', 'pytorch'],
  ['keras.', 'keras'],
  ['tensorflow.', 'tensorflow']
]

function frameworkOf(globals: string[]): string | undefined {
  for (const [prefix, fw] of FRAMEWORKS) if (globals.some(g => g.startsWith(prefix))) return fw
  return undefined
}

export interface PickleContext {
  /** The path hint says "pickle" (damaged streams are then still reported). */
  hinted: boolean
  /** The stream began with PROTO (0x80): strong evidence it is a pickle at all. */
  protoStart: boolean
  /** Stream came out of a joblib compressor. */
  compressed?: string
}

/**
 * Turns a walk into a classification, or null for pickles of plain data. Unsafe imports and
 * inconclusive walks are always classified, so the gate sees them.
 */
export function classifyWalk(w: WalkResult, ctx: PickleContext): Classification | null {
  const fw = frameworkOf(w.globals)
  const joblib = ctx.compressed !== undefined || w.globals.some(g => g.startsWith('joblib.numpy_pickle'))
  const damaged = w.errorKind === 'truncated' || w.errorKind === 'invalid'
  let keep: boolean
  if (w.torchMagic || fw !== undefined || w.unsafeGlobals.length > 0) keep = true
  else if (w.errorKind === 'limit')
    keep = true // valid so far: what follows was not inspected
  else if (damaged) keep = ctx.hinted || (ctx.protoStart && w.globals.length > 0)
  else keep = false // complete walk, only plain-data globals
  // A text file can look like a protocol 0 pickle for a line or two; require a call it would make.
  if (keep && !ctx.protoStart && !ctx.hinted && w.calls === 0) keep = false
  if (!keep) return null
  let format: FormatId
  let framework = fw ?? 'unknown'
  if (damaged && ctx.compressed === undefined) {
    // A stream that breaks before STOP cannot be attributed: what it claims is unverified.
    format = 'pickle'
    framework = 'unknown'
  } else if (w.torchMagic) {
    format = 'pytorch-pickle'
    framework = 'pytorch'
  } else if (joblib) format = 'joblib'
  else if (fw === 'scikit-learn') format = 'sklearn-pickle'
  else if (fw === 'pytorch' && w.globals.some(g => g.startsWith('torch._utils._rebuild')))
    format = 'pytorch-pickle'
  else format = 'pickle'
  const c: Classification = { format, framework, metadata: {}, pickle: toScan(w) }
  const extra: Record<string, string> = {}
  if (w.protocol !== undefined) extra.pickleProtocol = String(w.protocol)
  if (ctx.compressed !== undefined) extra.compression = ctx.compressed
  if (Object.keys(extra).length > 0) c.metadata.extra = extra
  if (fw === 'scikit-learn' && w.sklearnVersion !== undefined)
    c.metadata.frameworkVersion = cleanMeta(w.sklearnVersion)
  if (damaged && ctx.compressed === undefined) c.malformed = `pickle stream damaged: ${w.error ?? ''}`
  return c
}

const PROTO0_TABLE = new Uint8Array(256)
for (const c of PROTO0_FIRST) PROTO0_TABLE[c] = 1

/** Prefilter for detectPickle: PROTO 0..5 first, or a protocol 0/1 first opcode. */
export function mightMatchPickle(h: Uint8Array): boolean {
  if (h.length < 2) return false
  return (h[0] === 0x80 && h[1]! <= 5) || PROTO0_TABLE[h[0]!] === 1
}

/** Prefilter for detectCompressedPickle: one of the compressor magics it recognises. */
export function mightMatchCompressed(h: Uint8Array): boolean {
  const b0 = h[0]
  const b1 = h[1]
  if (b0 === undefined || b1 === undefined) return false
  if (b0 === 0x5a) return b1 === 0x46 // "ZF"
  if (b0 === 0x78) return (b0 * 256 + b1) % 31 === 0
  if (b0 === 0x1f) return b1 === 0x8b && h[2] === 0x08
  if (b0 === 0x42) return b1 === 0x5a && h[2] === 0x68 // "BZh"
  if (b0 === 0xfd) return startsWith(h, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])
  if (b0 === 0x5d) return b1 === 0 && h[2] === 0
  if (b0 === 0x04) return b1 === 0x22 && h[2] === 0x4d && h[3] === 0x18
  return false
}

export async function detectPickle(p: Probe): Promise<Classification | null> {
  const h = p.head
  if (h.length < 2) return null
  const protoStart = h[0] === 0x80 && h[1]! <= 5
  const hinted = PICKLE_EXTENSIONS.has(p.ext)
  if (!protoStart && !PROTO0_FIRST.has(h[0]!)) return null
  const w = await walkPickle(PickleInput.fromFile(p, 0, p.size))
  return classifyWalk(w, { hinted, protoStart })
}

/**
 * joblib's compressors (joblib/compressor.py): zlib (0x78), gzip (1f 8b), bz2 ("BZ"), xz
 * (fd 37 7a 58 5a), lzma-alone (5d 00), lz4 (04 22 4d 18), and the pre-0.10 "ZF" container
 * (b"ZF" + hex length padded to 19 chars, then zlib; joblib/numpy_pickle_compat.py).
 * zlib/gzip prefixes are inflated (bounded) and walked; the others cannot be decoded with node:zlib
 * and are reported as joblib only when the path hints at a pickle.
 */
export async function detectCompressedPickle(p: Probe): Promise<Classification | null> {
  const h = p.head
  let codec: 'zlib' | 'gzip' | undefined
  let skip = 0
  let name: string
  if (startsWith(h, 'ZF') && /^0x[0-9a-f]+L?\s*$/i.test(ascii(h, 2, 21))) {
    codec = 'zlib'
    skip = 21
    name = 'zlib (joblib ZF)'
  } else if (h[0] === 0x78 && (h[0] * 256 + h[1]!) % 31 === 0) {
    codec = 'zlib' // RFC 1950: CMF*256+FLG is a multiple of 31
    name = 'zlib'
  } else if (startsWith(h, [0x1f, 0x8b, 0x08])) {
    codec = 'gzip'
    name = 'gzip'
  } else if (startsWith(h, 'BZh')) name = 'bz2'
  else if (startsWith(h, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) name = 'xz'
  else if (startsWith(h, [0x5d, 0x00, 0x00])) name = 'lzma'
  else if (startsWith(h, [0x04, 0x22, 0x4d, 0x18])) name = 'lz4'
  else return null

  if (codec === undefined) {
    if (!PICKLE_EXTENSIONS.has(p.ext)) return null
    return {
      format: 'joblib',
      framework: 'unknown',
      metadata: { extra: { compression: name } },
      pickle: { globals: [], unsafeGlobals: [], error: `${name}-compressed stream cannot be inspected` }
    }
  }
  const input = await p.readUpTo(skip, LIMITS.inflateInput)
  const whole = skip + input.length >= p.size
  const out = inflatePrefix(input, codec, whole)
  if (out === undefined || out.bytes.length < 2) return null
  const b = out.bytes
  if (!(b[0] === 0x80 && b[1]! <= 5)) return null // not a pickle inside (tar.gz and friends)
  const w = await walkPickle(PickleInput.fromBytes(b, out.complete))
  const c = classifyWalk(w, { hinted: true, protoStart: true, compressed: name })
  return c
}
