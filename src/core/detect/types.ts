/**
 * Detection contracts. Everything here is pure: detectors receive bytes through a bounded
 * reader and never load, unpickle or execute what they read.
 */

/** Stable identifiers of the formats ModelGate recognises. They appear in JSON output and docs. */
export const FORMAT_IDS = [
  'safetensors',
  'hf-safetensors-sharded',
  'gguf',
  'ggml',
  'onnx',
  'pytorch-zip',
  'torchscript',
  'pytorch-pickle',
  'executorch',
  'tflite',
  'keras-h5',
  'keras-v3',
  'tf-savedmodel',
  'tf-checkpoint',
  'tfjs',
  'coreml-mlmodel',
  'coreml-mlpackage',
  'openvino-ir',
  'xgboost-json',
  'xgboost-ubj',
  'xgboost-binary',
  'lightgbm-text',
  'catboost',
  'sklearn-pickle',
  'pickle',
  'joblib',
  'npz-weights',
  'tensorrt-engine',
  'paddle',
  'mxnet',
  'caffe',
  'flax-msgpack',
  'nemo',
  'torchserve-mar',
  'llamafile',
  'lfs-pointer',
  'dvc-pointer'
] as const

export type FormatId = (typeof FORMAT_IDS)[number]

/**
 * Random access to one file's bytes. Implementations enforce the read budget: a detector
 * asks for ranges, never for "the whole file".
 */
export interface ByteSource {
  /** Size in bytes as reported by the file system or the git object database. */
  readonly size: number
  /** Reads up to `length` bytes at `offset`; shorter at end of file. Throws ReadBudgetExceeded past the budget. */
  read(offset: number, length: number): Promise<Uint8Array>
}

/** What the bytes say about the model. Only fields the file really states are set. */
export interface ModelMetadata {
  frameworkVersion?: string
  producer?: string
  producerVersion?: string
  opset?: number
  /** Further format-specific facts (GGUF `general.*`, safetensors `__metadata__`, ...), already bounded. */
  extra?: Record<string, string>
}

/** Result of walking a pickle opcode stream without unpickling it. */
export interface PickleScan {
  /** Every `module.name` the pickle imports, in first-seen order, deduplicated. */
  globals: string[]
  /** Imports outside the allow-list of tensor and estimator rebuild functions. */
  unsafeGlobals: string[]
  /** Set when the stream could not be parsed to its STOP opcode; a parse error counts as unsafe. */
  error?: string
}

/** A single file recognised as (part of) a model. */
export interface Classification {
  format: FormatId
  framework: string
  metadata: ModelMetadata
  /** Present for pickle-based formats. */
  pickle?: PickleScan
  /** Set when the bytes claim the format but are damaged or lie (truncated, impossible sizes). */
  malformed?: string
  /** For pointer files: the digest and size of the content they stand for. */
  pointer?: { kind: 'lfs' | 'dvc'; algorithm: 'sha256' | 'md5'; oid: string; size?: number; target?: string }
}

/** Outcome of classifying one file. `null` classification means "not a model". */
export interface FileVerdict {
  path: string
  classification: Classification | null
}
