/**
 * Content-based classification of one file. The path is only a hint: every decision below is
 * made on magic numbers, headers, zip central directories or protobuf shape, so a renamed model
 * is still found and a look-alike (ONNX tensor, plain HDF5, array pickle, ...) is not flagged.
 *
 * Reads are bounded by CLASSIFY_READ_BUDGET (see formats/probe.ts for how it is divided), and
 * detectors return results rather than throw; the try/catch here is the last resort.
 */
import type { ByteSource, Classification, FormatId } from './types.js'
import { detectCaffe } from './formats/caffe.js'
import { detectCoreml } from './formats/coreml.js'
import { detectFlatbuffer } from './formats/flatbuffers.js'
import { detectGgml, detectGguf } from './formats/gguf.js'
import { detectHdf5 } from './formats/hdf5.js'
import { detectJson } from './formats/json-models.js'
import { detectMisc } from './formats/misc.js'
import { detectMsgpack } from './formats/msgpack.js'
import { detectOnnx } from './formats/onnx.js'
import { detectPaddle } from './formats/paddle.js'
import { detectCompressedPickle, detectPickle } from './formats/pickle-file.js'
import { type Detector, Probe } from './formats/probe.js'
import { detectSafetensors } from './formats/safetensors.js'
import { detectTar } from './formats/tar.js'
import { detectSavedModel } from './formats/tensorflow.js'
import { detectText } from './formats/text-models.js'
import { detectTreeBinary } from './formats/tree-models.js'
import { detectZip } from './formats/zip-models.js'

export { CLASSIFY_READ_BUDGET } from './formats/probe.js'

interface Entry {
  /** Format reported if this detector fails unexpectedly after being tried (fail closed). */
  format: FormatId
  framework: string
  /** Cheap check on the head; the detector runs only when it passes. */
  when: (p: Probe) => boolean
  run: Detector
}

const isZip = (p: Probe): boolean => {
  const h = p.head
  // Local file header "PK\3\4", empty archive "PK\5\6" (APPNOTE 4.3.7/4.3.16); APE/llamafile "MZqFpD".
  return (h[0] === 0x50 && h[1] === 0x4b && (h[2] === 3 || h[2] === 5)) || ascii6(h) === 'MZqFpD'
}
const ascii6 = (h: Uint8Array): string => String.fromCharCode(...h.subarray(0, 6))
const always = (): boolean => true
const firstNonSpace = (h: Uint8Array): number | undefined => {
  for (let i = 0; i < Math.min(h.length, 1024); i++) {
    const c = h[i]!
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0xef && c !== 0xbb && c !== 0xbf)
      return c
  }
  return undefined
}

/**
 * Order matters only where two signatures could both match; exact magics come first, then
 * structural checks (text, protobuf), then the loose protocol 0/1 pickle check.
 */
const DETECTORS: Entry[] = [
  { format: 'safetensors', framework: 'safetensors', when: p => p.head[8] === 0x7b, run: detectSafetensors },
  { format: 'gguf', framework: 'gguf', when: always, run: detectGguf },
  { format: 'ggml', framework: 'gguf', when: always, run: detectGgml },
  { format: 'pytorch-zip', framework: 'pytorch', when: isZip, run: detectZip },
  { format: 'keras-h5', framework: 'keras', when: always, run: detectHdf5 },
  { format: 'tflite', framework: 'tensorflow', when: always, run: detectFlatbuffer },
  { format: 'pickle', framework: 'unknown', when: p => p.head[0] === 0x80, run: detectPickle },
  { format: 'joblib', framework: 'unknown', when: always, run: detectCompressedPickle },
  { format: 'nemo', framework: 'nemo', when: always, run: detectTar },
  { format: 'catboost', framework: 'catboost', when: always, run: detectTreeBinary },
  { format: 'mxnet', framework: 'mxnet', when: always, run: detectMisc },
  { format: 'flax-msgpack', framework: 'flax', when: always, run: detectMsgpack },
  {
    format: 'xgboost-json',
    framework: 'xgboost',
    when: p => firstNonSpace(p.head) === 0x7b || firstNonSpace(p.head) === 0x5b,
    run: detectJson
  },
  { format: 'lightgbm-text', framework: 'lightgbm', when: always, run: detectText },
  { format: 'onnx', framework: 'onnx', when: p => p.head[0] === 0x08, run: detectOnnx },
  { format: 'tf-savedmodel', framework: 'tensorflow', when: p => p.head[0] === 0x08, run: detectSavedModel },
  { format: 'coreml-mlmodel', framework: 'coreml', when: p => p.head[0] === 0x08, run: detectCoreml },
  { format: 'caffe', framework: 'caffe', when: always, run: detectCaffe },
  { format: 'paddle', framework: 'paddlepaddle', when: always, run: detectPaddle },
  { format: 'pickle', framework: 'unknown', when: p => p.head[0] !== 0x80, run: detectPickle }
]

/** Classifies one regular file by content. The path (extension, name) is only a hint. */
export async function classifyFile(source: ByteSource, path: string): Promise<Classification | null> {
  const p = new Probe(source, path)
  // An I/O failure on the head is the tree walker's to report ("unreadable"), not a format verdict.
  await p.loadHead()
  if (p.head.length === 0) return null
  for (const d of DETECTORS) {
    if (!d.when(p)) continue
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
