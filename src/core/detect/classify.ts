/**
 * Content-based classification of one file. The path is only a hint: every decision below is
 * made on magic numbers, headers, zip central directories or protobuf shape, so a renamed model
 * is still found and a look-alike (ONNX tensor, plain HDF5, array pickle, ...) is not flagged.
 *
 * Reads are bounded by CLASSIFY_READ_BUDGET (see formats/probe.ts for how it is divided), and
 * detectors return results rather than throw; the try/catch here is the last resort.
 */
import { ascii } from './bytes.js'
import type { ByteSource, Classification, FormatId } from './types.js'
import { detectCaffe, mightMatch as mightBeCaffe } from './formats/caffe.js'
import { detectCoreml } from './formats/coreml.js'
import { detectFlatbuffer, mightMatch as mightBeFlatbuffer } from './formats/flatbuffers.js'
import { detectGgml, detectGguf, mightMatch as mightBeGguf } from './formats/gguf.js'
import { detectHdf5, mightMatch as mightBeHdf5 } from './formats/hdf5.js'
import { detectJson, firstNonSpace, mightMatch as mightBeJson } from './formats/json-models.js'
import { detectMisc, mightMatch as mightBeMisc } from './formats/misc.js'
import { detectMsgpack, mightMatch as mightBeMsgpack } from './formats/msgpack.js'
import { detectOnnx } from './formats/onnx.js'
import { detectPaddle, mightMatch as mightBePaddle } from './formats/paddle.js'
import {
  detectCompressedPickle,
  detectPickle,
  mightMatchCompressed,
  mightMatchPickle
} from './formats/pickle-file.js'
import { type Detector, Probe } from './formats/probe.js'
import { detectSafetensors, mightMatch as mightBeSafetensors } from './formats/safetensors.js'
import { detectTar, mightMatch as mightBeTar } from './formats/tar.js'
import { detectSavedModel } from './formats/tensorflow.js'
import { detectText, mightMatch as mightBeText } from './formats/text-models.js'
import { detectTreeBinary, mightMatch as mightBeTreeBinary } from './formats/tree-models.js'
import { detectZip, mightMatch as mightBeZip } from './formats/zip-models.js'

export { CLASSIFY_READ_BUDGET } from './formats/probe.js'

interface Entry {
  /** Format reported if this detector fails unexpectedly after being tried (fail closed). */
  format: FormatId
  framework: string
  /** The detector's own cheap gate on the head; it runs only when this passes. */
  when: (p: Probe) => boolean
  /**
   * The detector module's prefilter: *conservative*, i.e. true for every head for which `run` (or
   * the fail-closed path below) can give a non-null result. Synchronous, head only, no allocation.
   */
  might: (head: Uint8Array) => boolean
  run: Detector
}

const always = (): boolean => true
/** ONNX, SavedModel and CoreML all start with field 1 as a varint: tag byte 0x08. */
const protobufField1Varint = (h: Uint8Array): boolean => h[0] === 0x08
const isZip = (p: Probe): boolean => {
  const h = p.head
  // Local file header "PK\3\4", empty archive "PK\5\6" (APPNOTE 4.3.7/4.3.16); APE/llamafile "MZqFpD".
  return (h[0] === 0x50 && h[1] === 0x4b && (h[2] === 3 || h[2] === 5)) || ascii(h, 0, 6) === 'MZqFpD'
}
const isJson = (p: Probe): boolean => firstNonSpace(p.head) === 0x7b || firstNonSpace(p.head) === 0x5b

/**
 * Order matters only where two signatures could both match; exact magics come first, then
 * structural checks (text, protobuf), then the loose protocol 0/1 pickle check. `when` is each
 * detector's original gate; classifyFileUnfiltered uses only it, so that the property test of the
 * prefilters compares them against the detectors themselves.
 */
const DETECTORS: Entry[] = [
  {
    format: 'safetensors',
    framework: 'safetensors',
    when: p => p.head[8] === 0x7b,
    might: mightBeSafetensors,
    run: detectSafetensors
  },
  { format: 'gguf', framework: 'gguf', when: always, might: mightBeGguf, run: detectGguf },
  { format: 'ggml', framework: 'gguf', when: always, might: mightBeGguf, run: detectGgml },
  { format: 'pytorch-zip', framework: 'pytorch', when: isZip, might: mightBeZip, run: detectZip },
  { format: 'keras-h5', framework: 'keras', when: always, might: mightBeHdf5, run: detectHdf5 },
  {
    format: 'tflite',
    framework: 'tensorflow',
    when: always,
    might: mightBeFlatbuffer,
    run: detectFlatbuffer
  },
  {
    format: 'pickle',
    framework: 'unknown',
    when: p => p.head[0] === 0x80,
    might: mightMatchPickle,
    run: detectPickle
  },
  {
    format: 'joblib',
    framework: 'unknown',
    when: always,
    might: mightMatchCompressed,
    run: detectCompressedPickle
  },
  { format: 'nemo', framework: 'nemo', when: always, might: mightBeTar, run: detectTar },
  {
    format: 'catboost',
    framework: 'catboost',
    when: always,
    might: mightBeTreeBinary,
    run: detectTreeBinary
  },
  { format: 'mxnet', framework: 'mxnet', when: always, might: mightBeMisc, run: detectMisc },
  { format: 'flax-msgpack', framework: 'flax', when: always, might: mightBeMsgpack, run: detectMsgpack },
  { format: 'xgboost-json', framework: 'xgboost', when: isJson, might: mightBeJson, run: detectJson },
  { format: 'lightgbm-text', framework: 'lightgbm', when: always, might: mightBeText, run: detectText },
  {
    format: 'onnx',
    framework: 'onnx',
    when: p => p.head[0] === 0x08,
    might: protobufField1Varint,
    run: detectOnnx
  },
  {
    format: 'tf-savedmodel',
    framework: 'tensorflow',
    when: p => p.head[0] === 0x08,
    might: protobufField1Varint,
    run: detectSavedModel
  },
  {
    format: 'coreml-mlmodel',
    framework: 'coreml',
    when: p => p.head[0] === 0x08,
    might: protobufField1Varint,
    run: detectCoreml
  },
  { format: 'caffe', framework: 'caffe', when: always, might: mightBeCaffe, run: detectCaffe },
  { format: 'paddle', framework: 'paddlepaddle', when: always, might: mightBePaddle, run: detectPaddle },
  {
    format: 'pickle',
    framework: 'unknown',
    when: p => p.head[0] !== 0x80,
    might: mightMatchPickle,
    run: detectPickle
  }
]

/** The distinct prefilters, in detector order. */
const PREFILTERS: readonly ((head: Uint8Array) => boolean)[] = [...new Set(DETECTORS.map(d => d.might))]

/**
 * True when some detector might recognise a file with this head (the first
 * min(size, LIMITS.head) bytes). False proves classifyFile would return null, so callers can
 * skip the asynchronous classifier for the great majority of files (source, data, text). The
 * path plays no part: the extension is only ever a hint to detectors, never a reason to look.
 */
export function mightBeModel(head: Uint8Array): boolean {
  if (head.length === 0) return false
  for (const f of PREFILTERS) if (f(head)) return true
  return false
}

/** Classifies one regular file by content. The path (extension, name) is only a hint. */
export async function classifyFile(source: ByteSource, path: string): Promise<Classification | null> {
  const p = new Probe(source, path)
  // An I/O failure on the head is the tree walker's to report ("unreadable"), not a format verdict.
  await p.loadHead()
  if (!mightBeModel(p.head)) return null
  return runDetectors(p, true)
}

/**
 * classifyFile without the prefilter: every detector whose gate passes runs. Exported for the
 * property test that proves the prefilter conservative; production code calls classifyFile.
 */
export async function classifyFileUnfiltered(
  source: ByteSource,
  path: string
): Promise<Classification | null> {
  const p = new Probe(source, path)
  await p.loadHead()
  return runDetectors(p, false)
}

/** Runs the detectors in order; `prefiltered` also skips those whose prefilter rules them out. */
async function runDetectors(p: Probe, prefiltered: boolean): Promise<Classification | null> {
  if (p.head.length === 0) return null
  for (const d of DETECTORS) {
    if (!d.when(p) || (prefiltered && !d.might(p.head))) continue
    try {
      const c = await d.run(p)
      if (c !== null) return c
    } catch (e) {
      // A detector should never throw. If one does, report the file rather than let it pass.
      const why = e instanceof Error ? e.message : String(e)
      return { format: d.format, framework: d.framework, metadata: {}, malformed: `detector failed: ${why}` }
    }
  }
  return null
}
