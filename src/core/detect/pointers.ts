import picomatch from 'picomatch'
import { parseDocument } from 'yaml'
import type { FormatId } from './types.js'

/**
 * Pointer files: Git LFS pointers and DVC files stand for weights that are not in the tree. They
 * are parsed here (never downloaded) so the gate can judge what they point at, with the digest the
 * pointer states.
 */

// ---------------------------------------------------------------------------------------------
// Git LFS (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md)

/** The spec: a pointer file is smaller than 1024 bytes. */
export const LFS_POINTER_MAX_BYTES = 1024
const LFS_VERSION_LINE = 'version https://git-lfs.github.com/spec/v1'
/** Pre-release pointers still in the wild, accepted by git-lfs itself. */
const LFS_LEGACY_VERSIONS = new Set([
  'https://hawser.github.com/spec/v1',
  'https://git-lfs.github.com/spec/v1'
])
const LFS_KEY = /^[a-z0-9.-]+$/

export interface LfsPointer {
  /** Lowercase hex sha256 of the content the pointer stands for. */
  oid: string
  size: number
  /** Further keys (e.g. `ext-0-foo`), bounded by the 1024-byte file size. */
  extensions: Map<string, string>
}

/** Cheap test on the first bytes: does this look like an LFS pointer at all? */
export function looksLikeLfsPointer(head: Uint8Array): boolean {
  const prefix = 'version https://'
  if (head.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (head[i] !== prefix.charCodeAt(i)) return false
  return true
}

/**
 * Parses a Git LFS pointer. Returns null when the bytes are not a pointer; throws
 * {@link PointerError} when they claim to be one (the version line) but break the spec, so the gate
 * can report a damaged pointer rather than ignore it.
 */
export function parseLfsPointer(bytes: Uint8Array): LfsPointer | null {
  if (!looksLikeLfsPointer(bytes)) return null
  if (bytes.length >= LFS_POINTER_MAX_BYTES) return null
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new PointerError('LFS pointer is not UTF-8')
  }
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  const first = lines[0] ?? ''
  if (!first.startsWith('version ')) return null
  const version = first.slice('version '.length)
  if (first !== LFS_VERSION_LINE && !LFS_LEGACY_VERSIONS.has(version)) {
    if (!version.startsWith('https://git-lfs.github.com/spec/') && !version.startsWith('https://hawser.'))
      return null
    throw new PointerError(`unsupported LFS pointer version ${JSON.stringify(version.slice(0, 80))}`)
  }
  const seen = new Map<string, string>()
  let previous = ''
  for (const line of lines.slice(1)) {
    const space = line.indexOf(' ')
    if (space <= 0) throw new PointerError('LFS pointer line is not "key value"')
    const key = line.slice(0, space)
    const value = line.slice(space + 1)
    if (!LFS_KEY.test(key)) throw new PointerError('LFS pointer has an invalid key')
    if (seen.has(key)) throw new PointerError(`LFS pointer repeats key ${key}`)
    if (previous !== '' && key <= previous) throw new PointerError('LFS pointer keys are not sorted')
    if (value.includes('\r')) throw new PointerError('LFS pointer has a carriage return')
    previous = key
    seen.set(key, value)
  }
  const oidValue = seen.get('oid')
  const sizeValue = seen.get('size')
  if (oidValue === undefined) throw new PointerError('LFS pointer has no oid')
  if (sizeValue === undefined) throw new PointerError('LFS pointer has no size')
  const oid = /^sha256:([0-9a-f]{64})$/.exec(oidValue)
  if (!oid) throw new PointerError('LFS pointer oid is not sha256:<64 lowercase hex>')
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeValue) || !Number.isSafeInteger(Number(sizeValue))) {
    throw new PointerError('LFS pointer size is not a non-negative integer')
  }
  seen.delete('oid')
  seen.delete('size')
  return { oid: oid[1]!, size: Number(sizeValue), extensions: seen }
}

export class PointerError extends Error {
  override name = 'PointerError'
}

// ---------------------------------------------------------------------------------------------
// .gitattributes: which paths the repository stores in LFS

interface AttributeRule {
  /** Directory holding the .gitattributes ('' = root). */
  base: string
  match: (rel: string, base: string) => boolean
  lfs: boolean
}

/**
 * The `filter=lfs` rules of every `.gitattributes` in the tree. Later lines and deeper files win,
 * as in git. Used as evidence that a pointer-shaped file really is stored in LFS; it never decides
 * on its own whether a path is a model.
 */
export class LfsAttributes {
  private readonly rules: AttributeRule[] = []

  /** Adds one `.gitattributes` file found at `path` (repo-relative). */
  add(path: string, text: string): void {
    const base = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : ''
    for (const raw of text.split(/\r?\n/).slice(0, 10_000)) {
      const line = raw.trim()
      if (line === '' || line.startsWith('#') || line.startsWith('[attr]')) continue
      const parts = line.split(/\s+/)
      const pattern = parts[0]!
      let lfs: boolean | undefined
      for (const attr of parts.slice(1)) {
        if (attr === 'filter=lfs') lfs = true
        else if (
          attr === '-filter' ||
          attr === '!filter' ||
          (attr.startsWith('filter=') && attr !== 'filter=lfs')
        ) {
          lfs = false
        }
      }
      if (lfs === undefined || pattern.length > 4096) continue
      this.rules.push({ base, match: compileAttributePattern(pattern), lfs })
    }
    // Deeper files take precedence; within one file, later lines do. A stable sort keeps line order.
    this.rules.sort((a, b) => depth(a.base) - depth(b.base))
  }

  /** Whether `path` is stored through the LFS filter according to the attributes seen. */
  isLfs(path: string): boolean {
    let result = false
    for (const rule of this.rules) {
      if (rule.base !== '' && !path.startsWith(`${rule.base}/`)) continue
      const rel = rule.base === '' ? path : path.slice(rule.base.length + 1)
      if (rule.match(rel, rule.base)) result = rule.lfs
    }
    return result
  }
}

function depth(dir: string): number {
  return dir === '' ? 0 : dir.split('/').length
}

function compileAttributePattern(pattern: string): (rel: string, base: string) => boolean {
  // gitattributes patterns follow gitignore rules: without a slash they match the base name at
  // any depth; with one they are anchored to the directory of the .gitattributes file.
  const anchored = pattern.includes('/') && !pattern.endsWith('/')
  const glob = pattern.startsWith('/') ? pattern.slice(1) : pattern
  const isMatch = picomatch(glob, { dot: true })
  if (anchored) return rel => isMatch(rel)
  return rel => isMatch(rel.slice(rel.lastIndexOf('/') + 1))
}

// ---------------------------------------------------------------------------------------------
// What a pointer stands for, from its path

const STRONG_EXTENSIONS = new Map<string, FormatId>([
  ['safetensors', 'safetensors'],
  ['gguf', 'gguf'],
  ['ggml', 'ggml'],
  ['onnx', 'onnx'],
  ['pt', 'pytorch-zip'],
  ['pth', 'pytorch-zip'],
  ['ckpt', 'pytorch-zip'],
  ['pte', 'executorch'],
  ['tflite', 'tflite'],
  ['keras', 'keras-v3'],
  ['mlmodel', 'coreml-mlmodel'],
  ['pkl', 'pickle'],
  ['pickle', 'pickle'],
  ['joblib', 'joblib'],
  ['ubj', 'xgboost-ubj'],
  ['cbm', 'catboost'],
  ['engine', 'tensorrt-engine'],
  ['trt', 'tensorrt-engine'],
  ['plan', 'tensorrt-engine'],
  ['pdparams', 'paddle'],
  ['pdiparams', 'paddle'],
  ['pdmodel', 'paddle'],
  ['caffemodel', 'caffe'],
  ['nemo', 'nemo'],
  ['mar', 'torchserve-mar'],
  ['llamafile', 'llamafile']
])

/** Extensions that are models in a model directory but often plain data elsewhere. */
const WEAK_EXTENSIONS = new Map<string, FormatId>([
  ['h5', 'keras-h5'],
  ['hdf5', 'keras-h5'],
  ['npz', 'npz-weights'],
  ['msgpack', 'flax-msgpack'],
  ['params', 'mxnet'],
  ['pb', 'tf-savedmodel'],
  ['bin', 'lfs-pointer']
])

/** Data and media: a pointer to one of these is never a model. */
const DATA_EXTENSIONS = new Set([
  'npy',
  'csv',
  'tsv',
  'parquet',
  'arrow',
  'feather',
  'jsonl',
  'json',
  'txt',
  'md',
  'xml',
  'yaml',
  'yml',
  'png',
  'jpg',
  'jpeg',
  'gif',
  'webp',
  'bmp',
  'tif',
  'tiff',
  'svg',
  'wav',
  'mp3',
  'flac',
  'ogg',
  'mp4',
  'mov',
  'avi',
  'mkv',
  'pdf',
  'zip',
  'gz',
  'tgz',
  'tar',
  'xz',
  'zst',
  'bz2',
  'db',
  'sqlite',
  'avro',
  'orc',
  'tfrecord',
  'record',
  'lmdb',
  'idx',
  'vocab',
  'spm',
  'model',
  'dat',
  'raw'
])

const DATA_DIRS = new Set([
  'test',
  'tests',
  '__tests__',
  'testdata',
  'test_data',
  'data',
  'dataset',
  'datasets'
])
const MODEL_DIRS = /^(models?|weights|checkpoints?|ckpts?|artifacts?|pretrained|snapshots?)$/i

export interface PointerTarget {
  format: FormatId
  /** Why the path was judged a model, for reports. */
  reason: string
}

/**
 * Decides from the path alone what a pointer stands for (the bytes are not here to read).
 *
 * * An extension that only models use (`.safetensors`, `.gguf`, `.onnx`, `.pt`, `.pkl`, ...) is a
 *   model wherever it is, with the format that extension implies.
 * * An extension that is also common for data (`.h5`, `.npz`, `.bin`, `.pb`, `.params`, `.msgpack`)
 *   is a model unless it lies under a data or test directory (`data/`, `tests/`, ...). `.bin` has no
 *   single format: it becomes format `lfs-pointer` ("a model whose format the pointer cannot tell")
 *   except `pytorch_model*.bin`, which is PyTorch.
 * * A data or media extension (`.npy`, `.csv`, `.parquet`, images, archives, ...) is never a model.
 * * Anything else is a model (format `lfs-pointer`) only under a model directory (`models/`,
 *   `weights/`, `checkpoints/`, ...) and outside data and test directories.
 *
 * Returns null when the pointer is not judged a model.
 */
export function inferPointerTarget(path: string): PointerTarget | null {
  const name = path.slice(path.lastIndexOf('/') + 1)
  const dirs = path.split('/').slice(0, -1)
  const inData = dirs.some(d => DATA_DIRS.has(d.toLowerCase()))
  const inModel = dirs.some(d => MODEL_DIRS.test(d) || d.endsWith('.mlpackage'))
  if (dirs.some(d => d.endsWith('.mlpackage')))
    return { format: 'coreml-mlpackage', reason: 'inside a .mlpackage' }
  if (/\.data-\d{5}-of-\d{5}$/.test(name))
    return { format: 'tf-checkpoint', reason: 'TensorFlow checkpoint shard name' }
  const dot = name.lastIndexOf('.')
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : ''
  const strong = STRONG_EXTENSIONS.get(ext)
  if (strong) return { format: strong, reason: `.${ext} extension` }
  if (DATA_EXTENSIONS.has(ext)) return null
  const weak = WEAK_EXTENSIONS.get(ext)
  if (weak) {
    if (inData && !inModel) return null
    if (ext === 'bin' && /^pytorch_model/.test(name))
      return { format: 'pytorch-zip', reason: 'pytorch_model*.bin' }
    if (ext === 'pb' && name !== 'saved_model.pb')
      return inModel ? { format: 'lfs-pointer', reason: '.pb in a model directory' } : null
    if (ext === 'bin' && !inModel && !/model|weight|ckpt|checkpoint/i.test(name)) return null
    return { format: weak, reason: `.${ext} extension outside data directories` }
  }
  if (inModel && !inData) return { format: 'lfs-pointer', reason: 'in a model directory' }
  return null
}

// ---------------------------------------------------------------------------------------------
// DVC

/** DVC files are small; anything larger is refused rather than parsed. */
export const DVC_MAX_BYTES = 1024 * 1024
const YAML_MAX_ALIASES = 50
const YAML_MAX_NESTING = 64

export interface DvcOut {
  /** Output path as written in the file (relative to the file's directory). */
  path: string
  /** Repo-relative POSIX path the output resolves to; undefined when it escapes the repository. */
  resolved?: string
  /** Set when the path is absolute or climbs out of the repository. */
  escapes?: string
  md5?: string
  size?: number
  /** DVC marks directory outputs with an md5 ending in `.dir`. */
  isDir: boolean
}

/**
 * Parses a `.dvc` file (`outs: [{md5, path, size}]`) or a `dvc.yaml`/`dvc.lock` (`stages: {name:
 * {outs: [...]}}`). `file` is the DVC file's repo-relative path, used to resolve output paths.
 * Throws {@link PointerError} on malformed or hostile YAML (size cap, alias cap, nesting cap,
 * duplicate keys, several documents).
 */
export function parseDvcFile(file: string, text: string): DvcOut[] {
  if (text.length > DVC_MAX_BYTES) throw new PointerError(`DVC file larger than ${DVC_MAX_BYTES} bytes`)
  checkNesting(text)
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, strict: true })
  const firstError = doc.errors[0]
  if (firstError) throw new PointerError(`DVC YAML: ${firstError.message.split('\n')[0] ?? ''}`)
  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: YAML_MAX_ALIASES })
  } catch (err) {
    throw new PointerError(`DVC YAML: ${err instanceof Error ? err.message : String(err)}`)
  }
  if (value === null || value === undefined) return []
  if (!isRecord(value)) throw new PointerError('DVC file is not a mapping')
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : ''
  const rawOuts: unknown[] = []
  if (Array.isArray(value.outs)) rawOuts.push(...(value.outs as unknown[]))
  if (isRecord(value.stages)) {
    for (const stage of Object.values(value.stages)) {
      if (isRecord(stage) && Array.isArray(stage.outs)) rawOuts.push(...(stage.outs as unknown[]))
    }
  }
  const outs: DvcOut[] = []
  for (const raw of rawOuts.slice(0, 10_000)) {
    let path: string | undefined
    let fields: Record<string, unknown> = {}
    if (typeof raw === 'string') path = raw
    else if (isRecord(raw)) {
      if (typeof raw.path === 'string') {
        path = raw.path
        fields = raw
      } else {
        // dvc.yaml long form: `- model.pt: {cache: false}`
        const keys = Object.keys(raw)
        if (keys.length === 1) {
          path = keys[0]
          const inner = raw[keys[0]!]
          if (isRecord(inner)) fields = inner
        }
      }
    }
    if (path === undefined || path === '') throw new PointerError('DVC output without a path')
    const out: DvcOut = { path, isDir: false }
    const md5 = typeof fields.md5 === 'string' ? fields.md5 : undefined
    if (md5 !== undefined) {
      const m = /^([0-9a-f]{32})(\.dir)?$/.exec(md5)
      if (!m) throw new PointerError(`DVC output ${JSON.stringify(path.slice(0, 200))} has a malformed md5`)
      out.md5 = m[1]!
      out.isDir = m[2] !== undefined
    }
    if (typeof fields.size === 'number' && Number.isSafeInteger(fields.size) && fields.size >= 0)
      out.size = fields.size
    const resolved = resolveDvcPath(dir, path)
    if (typeof resolved === 'string') out.resolved = resolved
    else out.escapes = resolved.escapes
    outs.push(out)
  }
  return outs
}

/** Resolves `path` against `dir`; reports absolute paths and paths that climb out of the repo. */
export function resolveDvcPath(dir: string, path: string): string | { escapes: string } {
  if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\')) {
    return { escapes: `absolute output path ${JSON.stringify(path.slice(0, 200))}` }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    return { escapes: `remote output path ${JSON.stringify(path.slice(0, 200))}` }
  }
  const parts = dir === '' ? [] : dir.split('/')
  for (const seg of path.replace(/\\/g, '/').split('/')) {
    if (seg === '' || seg === '.') continue
    if (seg === '..') {
      if (parts.length === 0)
        return { escapes: `output path ${JSON.stringify(path.slice(0, 200))} leaves the repository` }
      parts.pop()
    } else parts.push(seg)
  }
  if (parts.length === 0)
    return { escapes: `output path ${JSON.stringify(path.slice(0, 200))} is the repository itself` }
  return parts.join('/')
}

/** Rejects flow or block nesting deep enough to exhaust a recursive parser. */
function checkNesting(text: string): void {
  let flow = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x5b || c === 0x7b) {
      if (++flow > YAML_MAX_NESTING) throw new PointerError('DVC YAML nests too deeply')
    } else if ((c === 0x5d || c === 0x7d) && flow > 0) flow--
  }
  for (const line of text.split('\n')) {
    const indent = /^[ \t-]*/.exec(line)![0]
    if (indent.length > YAML_MAX_NESTING * 4) throw new PointerError('DVC YAML nests too deeply')
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Whether a path names a DVC pointer or pipeline file this module parses. */
export function isDvcFile(path: string): 'dvc' | 'dvc.yaml' | 'dvc.lock' | null {
  const name = path.slice(path.lastIndexOf('/') + 1)
  if (name === 'dvc.yaml') return 'dvc.yaml'
  if (name === 'dvc.lock') return 'dvc.lock'
  if (name.endsWith('.dvc') && name.length > 4) return 'dvc'
  return null
}

/** Framework named for a format when only the path is known (pointers); classifyFile says more. */
export function frameworkForFormat(format: FormatId): string {
  return FRAMEWORK_OF_FORMAT.get(format) ?? 'unknown'
}

const FRAMEWORK_OF_FORMAT = new Map<FormatId, string>([
  ['safetensors', 'safetensors'],
  ['hf-safetensors-sharded', 'safetensors'],
  ['gguf', 'gguf'],
  ['ggml', 'gguf'],
  ['onnx', 'onnx'],
  ['pytorch-zip', 'pytorch'],
  ['torchscript', 'pytorch'],
  ['pytorch-pickle', 'pytorch'],
  ['executorch', 'executorch'],
  ['tflite', 'tensorflow'],
  ['keras-h5', 'keras'],
  ['keras-v3', 'keras'],
  ['tf-savedmodel', 'tensorflow'],
  ['tf-checkpoint', 'tensorflow'],
  ['tfjs', 'tfjs'],
  ['coreml-mlmodel', 'coreml'],
  ['coreml-mlpackage', 'coreml'],
  ['openvino-ir', 'openvino'],
  ['xgboost-json', 'xgboost'],
  ['xgboost-ubj', 'xgboost'],
  ['xgboost-binary', 'xgboost'],
  ['lightgbm-text', 'lightgbm'],
  ['catboost', 'catboost'],
  ['sklearn-pickle', 'scikit-learn'],
  ['pickle', 'unknown'],
  ['joblib', 'unknown'],
  ['npz-weights', 'numpy'],
  ['tensorrt-engine', 'tensorrt'],
  ['paddle', 'paddlepaddle'],
  ['mxnet', 'mxnet'],
  ['caffe', 'caffe'],
  ['flax-msgpack', 'flax'],
  ['nemo', 'nemo'],
  ['torchserve-mar', 'torchserve'],
  ['llamafile', 'llamafile']
])
