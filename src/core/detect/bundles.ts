import type { Classification, FormatId, ModelMetadata, PickleScan } from './types.js'
import { frameworkForFormat } from './pointers.js'

/**
 * Bundle grouping: models stored as several files become one logical artifact that lists every
 * member. Grouping works on the listing (names, directories) plus what classifyFile said about
 * each file; the few bundle files that state their members or metadata (TF.js manifests, Hugging
 * Face index and config files, OpenVINO XML, CoreML Manifest.json) are read here with a byte cap.
 *
 * Recognised bundles, in claim order (a file belongs to the first bundle that claims it):
 *
 * | bundle | anchor | members | artifact path |
 * |---|---|---|---|
 * | CoreML `.mlpackage` | `X.mlpackage/Manifest.json` | every file under `X.mlpackage/` | the directory |
 * | TF SavedModel | `saved_model.pb[txt]` | it, `fingerprint.pb`, `keras_metadata.pb`, everything under `variables/`, `assets/`, `assets.extra/` | the directory |
 * | TF.js | manifest (`model.json`, `*weights_manifest.json`) | it, the shards its `weightsManifest[].paths` name (legacy: `tensorflowjs_model.pb`) | the manifest |
 * | OpenVINO IR | `X.xml` | it and `X.bin` | the `.xml` |
 * | Hugging Face shards | `*.index.json` with a `weight_map` | it, every shard it maps, `config.json` beside it | the folder (the index when a folder holds several) |
 * | shards without index | `X-0000N-of-0000M.ext` | every `X-?????-of-0000M.ext` | the first shard |
 * | TF checkpoint | `X.index` | it and `X.data-NNNNN-of-MMMMM` | the `.index` |
 * | Paddle | `X.pdmodel` | it, `X.pdiparams`, `X.pdiparams.info` | the `.pdmodel` |
 * | MXNet | `X-symbol.json` | it and `X-NNNN.params` | the `-symbol.json` |
 * | ONNX external data | `X.onnx` | it and `X.onnx.data` / `X.onnx_data` | the `.onnx` |
 * | Caffe | `X.caffemodel` | it and `X.prototxt` (else `deploy.prototxt`, else the only `.prototxt`) | the `.caffemodel` |
 *
 * Missing members a bundle names (a TF.js shard, an HF shard, `X.bin`) make the artifact
 * `malformed`; member paths that leave the bundle's directory are refused and also reported.
 */

/** Cap on a JSON or XML file read to group a bundle or pre-fill its metadata. */
export const BUNDLE_JSON_MAX_BYTES = 1024 * 1024
/** Hugging Face index files list every tensor; big models need more than the general cap. */
export const HF_INDEX_MAX_BYTES = 16 * 1024 * 1024
/** Bytes of an OpenVINO `.xml` read for the `<net version>` attribute. */
export const OPENVINO_HEAD_BYTES = 64 * 1024
/** Shards a manifest or index may name; more is reported, not followed. */
export const MAX_BUNDLE_MEMBERS = 100_000

export interface BundleInput {
  /** Every regular file in the tree (path -> size). */
  files: ReadonlyMap<string, number>
  /** What classifyFile said, for the files that were classified. Missing = not classified. */
  classified: ReadonlyMap<string, Classification | null>
  /** Reads up to `max` bytes of a file as UTF-8; undefined when unreadable or larger than `max`. */
  readText(path: string, max: number): Promise<string | undefined>
}

export interface BundlePlan {
  /** The artifact path: the bundle directory or its main file. */
  path: string
  /** The directory member paths are relative to in the bundle digest ('' = repository root). */
  root: string
  /** Member paths, repo-relative. */
  members: string[]
  format: FormatId
  framework: string
  metadata: ModelMetadata
  malformed?: string
  pickle?: PickleScan
}

/**
 * An index of paths for directory queries. The sorted list and the per-directory lists are built
 * on first use: a scan of 100,000 files with no bundle in them never pays for sorting them.
 */
export class PathIndex {
  private readonly all: ReadonlySet<string> | ReadonlyMap<string, unknown>
  private sortedCache: string[] | undefined
  private byDirCache: Map<string, string[]> | undefined

  /** A map is used as it is (its keys are the paths; it must not change while the index is used). */
  constructor(paths: Iterable<string> | ReadonlyMap<string, unknown>) {
    this.all = paths instanceof Map ? paths : new Set(paths as Iterable<string>)
  }

  private get sorted(): string[] {
    return (this.sortedCache ??= [...this.all.keys()].sort())
  }

  /** Directory -> the files directly in it, sorted; directories in sorted order of their files. */
  get byDir(): ReadonlyMap<string, string[]> {
    if (this.byDirCache === undefined) {
      this.byDirCache = new Map()
      for (const p of this.sorted) {
        const d = dirOf(p)
        let list = this.byDirCache.get(d)
        if (!list) this.byDirCache.set(d, (list = []))
        list.push(p)
      }
    }
    return this.byDirCache
  }

  /** Files directly in `dir`. */
  children(dir: string): readonly string[] {
    return this.byDir.get(dir) ?? []
  }

  /** Files anywhere under `dir` ('' = everything). */
  under(dir: string): string[] {
    const sorted = this.sorted
    if (dir === '') return [...sorted]
    const prefix = `${dir}/`
    let lo = 0
    let hi = sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (sorted[mid]! < prefix) lo = mid + 1
      else hi = mid
    }
    const out: string[] = []
    for (let i = lo; i < sorted.length && sorted[i]!.startsWith(prefix); i++) out.push(sorted[i]!)
    return out
  }

  has(path: string): boolean {
    return this.all.has(path)
  }
}

export function dirOf(path: string): string {
  const i = path.lastIndexOf('/')
  return i < 0 ? '' : path.slice(0, i)
}

export function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

function join(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`
}

const SHARD_NAME = /^(.+)-(\d{5})-of-(\d{5})(\.[A-Za-z0-9]+)$/
const TF_DATA_SHARD = /^(.+)\.data-(\d{5})-of-(\d{5})$/
const MXNET_PARAMS = /^(.+)-(\d{4})\.params$/

/**
 * Names that may anchor a bundle containing a nearby file. In focus mode, files with these names
 * in a changed file's directory and its ancestors are classified too, so a change to one shard
 * still yields the whole bundle.
 */
export function mayAnchorBundle(name: string): boolean {
  return (
    /\.(json|xml|index|pdmodel|pdiparams|caffemodel|prototxt|params|pb|pbtxt|safetensors|bin)$/i.test(name) ||
    name === 'Manifest.json'
  )
}

/**
 * Groups bundles. Returns the bundles and every file they claim (members of a bundle are not
 * reported again as single-file artifacts).
 */
export async function groupBundles(
  input: BundleInput
): Promise<{ bundles: BundlePlan[]; claimed: Set<string> }> {
  const index = new PathIndex(input.files)
  const claimed = new Set<string>()
  const bundles: BundlePlan[] = []
  const fmt = (p: string): FormatId | undefined => input.classified.get(p)?.format
  const add = (plan: BundlePlan): void => {
    plan.members = [...new Set(plan.members)].sort()
    for (const m of plan.members) claimed.add(m)
    bundles.push(plan)
  }
  const free = (p: string): boolean => !claimed.has(p)
  const anchorInfo = (
    p: string,
    format: FormatId
  ): { framework: string; metadata: ModelMetadata; malformed?: string } => {
    const c = input.classified.get(p)
    const out: { framework: string; metadata: ModelMetadata; malformed?: string } = {
      framework: c && c.format === format ? c.framework : frameworkForFormat(format),
      metadata: c ? { ...c.metadata, ...(c.metadata.extra ? { extra: { ...c.metadata.extra } } : {}) } : {}
    }
    if (c?.malformed !== undefined) out.malformed = c.malformed
    return out
  }

  // 1. CoreML .mlpackage directories.
  // Found from their manifests, visited in the order of index.byDir (by each directory's first
  // file in sorted order), without building byDir for the whole tree.
  const packages = new Map<string, string>()
  for (const path of input.files.keys()) {
    if (path.endsWith('.mlpackage/Manifest.json') || path === '.mlpackage/Manifest.json')
      packages.set(dirOf(path), path)
  }
  if (packages.size > 0) {
    for (const path of input.files.keys()) {
      const first = packages.get(dirOf(path))
      if (first !== undefined && path < first) packages.set(dirOf(path), path)
    }
  }
  const packageDirs = [...packages].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0)).map(e => e[0])
  for (const dir of packageDirs) {
    const manifest = join(dir, 'Manifest.json')
    if (!dir.endsWith('.mlpackage') || !index.has(manifest) || !free(manifest)) continue
    const info = anchorInfo(manifest, 'coreml-mlpackage')
    const text = await input.readText(manifest, BUNDLE_JSON_MAX_BYTES)
    const json = parseJson(text)
    if (isRecord(json)) {
      setExtra(info.metadata, 'fileFormatVersion', json.fileFormatVersion)
      const items = isRecord(json.itemInfoEntries) ? Object.values(json.itemInfoEntries) : []
      for (const item of items.slice(0, 100)) {
        if (isRecord(item) && typeof item.author === 'string' && info.metadata.producer === undefined) {
          info.metadata.producer = clean(item.author)
        }
      }
    } else setMalformed(info, 'Manifest.json is not readable JSON')
    add({ path: dir, root: dir, members: index.under(dir).filter(free), format: 'coreml-mlpackage', ...info })
  }

  // 2. SavedModel directories.
  for (const [path] of input.files) {
    const name = baseOf(path)
    if (name !== 'saved_model.pb' && name !== 'saved_model.pbtxt') continue
    const dir = dirOf(path)
    const viaContent = fmt(path) === 'tf-savedmodel'
    const viaLayout = index.has(join(dir, 'variables/variables.index'))
    if ((!viaContent && !viaLayout) || !free(path)) continue
    const members = [path]
    for (const extra of ['fingerprint.pb', 'keras_metadata.pb'])
      if (index.has(join(dir, extra))) members.push(join(dir, extra))
    for (const sub of ['variables', 'assets', 'assets.extra']) members.push(...index.under(join(dir, sub)))
    add({
      path: dir === '' ? path : dir,
      root: dir,
      members: members.filter(free),
      format: 'tf-savedmodel',
      ...anchorInfo(path, 'tf-savedmodel')
    })
  }

  // 3. TF.js manifests.
  for (const [path, c] of input.classified) {
    if (c?.format !== 'tfjs' || !free(path) || !path.toLowerCase().endsWith('.json')) continue
    const dir = dirOf(path)
    const info = anchorInfo(path, 'tfjs')
    const json = parseJson(await input.readText(path, BUNDLE_JSON_MAX_BYTES))
    const members = [path]
    const problems: string[] = []
    // model.json is an object with `weightsManifest`; a bare weights manifest (legacy converter,
    // `weights_manifest.json`) is the array of groups itself.
    const groups = Array.isArray(json)
      ? (json as unknown[])
      : isRecord(json) && Array.isArray(json.weightsManifest)
        ? (json.weightsManifest as unknown[])
        : undefined
    if (isRecord(json)) {
      setExtra(info.metadata, 'format', json.format)
      setExtra(info.metadata, 'generatedBy', json.generatedBy)
      setExtra(info.metadata, 'convertedBy', json.convertedBy)
      if (typeof json.convertedBy === 'string' && info.metadata.producer === undefined) {
        info.metadata.producer = clean(json.convertedBy)
      }
      if (typeof json.generatedBy === 'string' && info.metadata.frameworkVersion === undefined) {
        info.metadata.frameworkVersion = clean(json.generatedBy)
      }
    }
    if (Array.isArray(json)) {
      // The legacy graph lives beside its manifest.
      const graph = join(dir, 'tensorflowjs_model.pb')
      if (input.files.has(graph)) members.push(graph)
    }
    if (groups !== undefined) {
      let named = 0
      for (const group of groups) {
        const paths = isRecord(group) && Array.isArray(group.paths) ? (group.paths as unknown[]) : []
        for (const shard of paths) {
          if (++named > MAX_BUNDLE_MEMBERS) break
          if (typeof shard !== 'string') continue
          const resolved = resolveMember(dir, shard)
          if (resolved === undefined)
            problems.push(`shard path ${JSON.stringify(shard.slice(0, 200))} leaves the manifest's directory`)
          else if (!input.files.has(resolved))
            problems.push(`missing shard ${JSON.stringify(resolved.slice(0, 200))}`)
          else members.push(resolved)
        }
      }
      if (named > MAX_BUNDLE_MEMBERS) problems.push(`manifest names more than ${MAX_BUNDLE_MEMBERS} shards`)
    } else if (!isRecord(json)) problems.push('manifest is not readable JSON (or larger than 1 MiB)')
    for (const p of problems.slice(0, 3)) setMalformed(info, p)
    if (problems.length > 3) setMalformed(info, `and ${problems.length - 3} more problems`)
    add({ path, root: dir, members: members.filter(m => m === path || free(m)), format: 'tfjs', ...info })
  }

  // 4. OpenVINO IR pairs.
  for (const [path, c] of input.classified) {
    if (c?.format !== 'openvino-ir' || !free(path) || !path.toLowerCase().endsWith('.xml')) continue
    const info = anchorInfo(path, 'openvino-ir')
    const bin = `${path.slice(0, -4)}.bin`
    const members = [path]
    if (input.files.has(bin) && free(bin)) members.push(bin)
    else setMalformed(info, `missing weights ${JSON.stringify(baseOf(bin))}`)
    if (info.metadata.extra?.irVersion === undefined) {
      const head = await input.readText(path, OPENVINO_HEAD_BYTES)
      const m = head === undefined ? null : /<net\b[^>]*?\sversion\s*=\s*["'](\d{1,4})["']/.exec(head)
      if (m) setExtra(info.metadata, 'irVersion', m[1])
    }
    add({ path, root: dirOf(path), members, format: 'openvino-ir', ...info })
  }

  // 5. Hugging Face sharded checkpoints with an index.
  for (const [path] of input.files) {
    if (!path.endsWith('.index.json') || !free(path)) continue
    const dir = dirOf(path)
    const json = parseJson(await input.readText(path, HF_INDEX_MAX_BYTES))
    if (!isRecord(json) || !isRecord(json.weight_map)) continue
    const shards = new Set<string>()
    const problems: string[] = []
    for (const value of Object.values(json.weight_map)) {
      if (typeof value !== 'string' || shards.size > MAX_BUNDLE_MEMBERS) continue
      const resolved = resolveMember(dir, value)
      if (resolved === undefined)
        problems.push(`shard path ${JSON.stringify(value.slice(0, 200))} leaves the index's directory`)
      else shards.add(resolved)
    }
    const present = [...shards].filter(s => input.files.has(s))
    for (const s of shards)
      if (!input.files.has(s)) problems.push(`missing shard ${JSON.stringify(s.slice(0, 200))}`)
    const siblingsIndexed = index.children(dir).filter(p => p.endsWith('.index.json')).length
    // The folder is the artifact; when it holds several checkpoints (safetensors and .bin), each index is.
    const plan = shardBundle(dir !== '' && siblingsIndexed === 1 ? dir : path, dir, [path, ...present], input)
    const config = join(dir, 'config.json')
    if (input.files.has(config)) plan.members.push(config)
    for (const p of problems.slice(0, 3)) setMalformed(plan, p)
    if (problems.length > 3) setMalformed(plan, `and ${problems.length - 3} more problems`)
    add(plan)
  }

  // 6. Shards without an index: X-00001-of-00003.ext.
  const shardGroups = new Map<string, { dir: string; total: number; paths: string[] }>()
  for (const [path] of input.files) {
    const m = SHARD_NAME.exec(baseOf(path))
    if (!m || !free(path)) continue
    const key = `${dirOf(path)}\u0000${m[1]!}\u0000${m[3]!}\u0000${m[4]!}`
    let g = shardGroups.get(key)
    if (!g) shardGroups.set(key, (g = { dir: dirOf(path), total: Number(m[3]), paths: [] }))
    g.paths.push(path)
  }
  for (const g of shardGroups.values()) {
    const paths = g.paths.sort()
    // Only shards something recognised as a model, or that an LFS pointer stands for, form a bundle.
    if (!paths.some(p => input.classified.get(p))) continue
    const plan = shardBundle(paths[0]!, g.dir, paths, input)
    if (paths.length !== g.total) setMalformed(plan, `${paths.length} of ${g.total} shards present`)
    add(plan)
  }

  // 7. TF checkpoints: X.index + X.data-NNNNN-of-MMMMM.
  const dataShards = new Map<string, string[]>()
  for (const [path] of input.files) {
    const m = TF_DATA_SHARD.exec(path)
    if (!m || !free(path)) continue
    const key = `${m[1]!}.index`
    const list = dataShards.get(key)
    if (list) list.push(path)
    else dataShards.set(key, [path])
  }
  for (const [indexPath, shards] of dataShards) {
    const info = anchorInfo(indexPath, 'tf-checkpoint')
    if (!input.files.has(indexPath) || !free(indexPath)) {
      setMalformed(info, `no ${JSON.stringify(baseOf(indexPath))} beside the data shards`)
      const first = shards.sort()[0]!
      add({ path: first, root: dirOf(first), members: shards, format: 'tf-checkpoint', ...info })
      continue
    }
    add({
      path: indexPath,
      root: dirOf(indexPath),
      members: [indexPath, ...shards],
      format: 'tf-checkpoint',
      ...info
    })
  }

  // 8. Paddle: X.pdmodel + X.pdiparams (+ .info). A lone .pdiparams has no magic to tell it from
  // other bytes, so it is not reported on its name alone.
  for (const [path] of input.files) {
    if (!path.toLowerCase().endsWith('.pdmodel') || !free(path)) continue
    const stem = path.slice(0, path.lastIndexOf('.'))
    if (fmt(path) !== 'paddle' && !input.files.has(`${stem}.pdiparams`)) continue
    const members = [path]
    for (const m of [`${stem}.pdiparams`, `${stem}.pdiparams.info`])
      if (input.files.has(m) && free(m)) members.push(m)
    add({ path, root: dirOf(path), members, format: 'paddle', ...anchorInfo(path, 'paddle') })
  }

  // 10. ONNX with external data beside it (`X.onnx.data`, `X.onnx_data`).
  for (const [path, c] of input.classified) {
    if (c?.format !== 'onnx' || !free(path)) continue
    const data = [`${path}.data`, `${path}_data`].filter(d => input.files.has(d) && free(d))
    if (data.length === 0) continue
    add({ path, root: dirOf(path), members: [path, ...data], format: 'onnx', ...anchorInfo(path, 'onnx') })
  }

  // 9. MXNet: X-symbol.json + X-NNNN.params.
  for (const [path] of input.files) {
    if (!path.endsWith('-symbol.json') || !free(path)) continue
    const stem = path.slice(0, -'-symbol.json'.length)
    const params = index.children(dirOf(path)).filter(p => {
      const m = MXNET_PARAMS.exec(p)
      return m !== null && m[1] === stem && free(p)
    })
    if (fmt(path) !== 'mxnet' && params.length === 0) continue
    add({
      path,
      root: dirOf(path),
      members: [path, ...params],
      format: 'mxnet',
      ...anchorInfo(path, 'mxnet')
    })
  }

  // 11. Caffe: X.caffemodel + its prototxt.
  for (const [path, c] of input.classified) {
    if (c?.format !== 'caffe' || !path.toLowerCase().endsWith('.caffemodel') || !free(path)) continue
    const dir = dirOf(path)
    const protos = index.children(dir).filter(p => p.toLowerCase().endsWith('.prototxt') && free(p))
    const own = `${path.slice(0, -'.caffemodel'.length)}.prototxt`
    const proto = protos.includes(own)
      ? own
      : protos.includes(join(dir, 'deploy.prototxt'))
        ? join(dir, 'deploy.prototxt')
        : protos.length === 1
          ? protos[0]
          : undefined
    add({
      path,
      root: dir,
      members: proto ? [path, proto] : [path],
      format: 'caffe',
      ...anchorInfo(path, 'caffe')
    })
  }

  return { bundles, claimed }
}

/** A sharded checkpoint: the format comes from its shards, pickle scans are merged. */
function shardBundle(path: string, dir: string, files: string[], input: BundleInput): BundlePlan {
  const members = [...files]
  const shards = files.filter(f => !f.endsWith('.index.json'))
  const classes = shards.map(s => input.classified.get(s)).filter((c): c is Classification => !!c)
  const first = classes[0]
  const allSafetensors = shards.length > 0 && shards.every(s => s.toLowerCase().endsWith('.safetensors'))
  const format: FormatId =
    allSafetensors || first?.format === 'safetensors'
      ? 'hf-safetensors-sharded'
      : (first?.format ?? 'lfs-pointer')
  const plan: BundlePlan = {
    path,
    root: dir,
    members,
    format,
    framework:
      format === 'hf-safetensors-sharded'
        ? (first?.framework ?? 'safetensors')
        : (first?.framework ?? frameworkForFormat(format)),
    metadata: first ? { ...first.metadata } : {}
  }
  const pickles = classes.map(c => c.pickle).filter((p): p is PickleScan => p !== undefined)
  if (pickles.length > 0) plan.pickle = mergePickles(pickles)
  for (const c of classes) if (c.malformed !== undefined) setMalformed(plan, c.malformed)
  return plan
}

/** Union of several pickle scans (first-seen order); the first error is kept. */
export function mergePickles(scans: PickleScan[]): PickleScan {
  const globals = new Set<string>()
  const unsafe = new Set<string>()
  let error: string | undefined
  for (const s of scans) {
    for (const g of s.globals) globals.add(g)
    for (const g of s.unsafeGlobals) unsafe.add(g)
    error ??= s.error
  }
  const out: PickleScan = { globals: [...globals], unsafeGlobals: [...unsafe] }
  if (error !== undefined) out.error = error
  return out
}

/**
 * Reads a Hugging Face `config.json` beside an artifact into metadata (architectures, model type,
 * transformers version). Only fills fields the artifact itself did not state.
 */
export async function applyHfConfig(
  artifactDir: string,
  metadata: ModelMetadata,
  input: Pick<BundleInput, 'files' | 'readText'>
): Promise<void> {
  const config = join(artifactDir, 'config.json')
  if (!input.files.has(config)) return
  const json = parseJson(await input.readText(config, BUNDLE_JSON_MAX_BYTES))
  if (!isRecord(json)) return
  if (!('architectures' in json) && !('transformers_version' in json) && !('model_type' in json)) return
  if (Array.isArray(json.architectures)) {
    const archs = (json.architectures as unknown[])
      .filter((a): a is string => typeof a === 'string')
      .slice(0, 8)
    if (archs.length > 0) setExtra(metadata, 'architectures', archs.join(','))
  }
  setExtra(metadata, 'modelType', json.model_type)
  setExtra(metadata, 'transformersVersion', json.transformers_version)
  if (typeof json.transformers_version === 'string') {
    metadata.producer ??= 'transformers'
    metadata.producerVersion ??= clean(json.transformers_version)
  }
}

/** Resolves a member path named inside a bundle file; undefined when it leaves `dir`. */
export function resolveMember(dir: string, rel: string): string | undefined {
  if (rel === '' || rel.startsWith('/') || rel.includes('\\') || rel.includes('\u0000')) return undefined
  const parts: string[] = []
  for (const seg of rel.split('/')) {
    if (seg === '' || seg === '.') continue
    if (seg === '..') {
      if (parts.length === 0) return undefined
      parts.pop()
    } else parts.push(seg)
  }
  if (parts.length === 0) return undefined
  return join(dir, parts.join('/'))
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f]/g, ' ').trim()
  return t.length > 256 ? `${t.slice(0, 256)}…` : t
}

function setExtra(metadata: ModelMetadata, key: string, value: unknown): void {
  if (typeof value !== 'string' && typeof value !== 'number') return
  const extra = (metadata.extra ??= {})
  if (extra[key] === undefined) extra[key] = clean(String(value))
}

function setMalformed(target: { malformed?: string }, problem: string): void {
  target.malformed = target.malformed === undefined ? problem : `${target.malformed}; ${problem}`
}
