import type { ModelArtifact, ScanResult, SkippedEntry } from './artifact.js'
import type { FileTree, TreeEntry } from './tree.js'
import type { ByteSource, Classification, ModelMetadata } from './types.js'
import { classifyFile, mightBeModel } from './classify.js'
import { LIMITS } from './formats/probe.js'
import {
  applyHfConfig,
  baseOf,
  dirOf,
  groupBundles,
  mayAnchorBundle,
  PathIndex,
  type BundlePlan
} from './bundles.js'
import { bundleDigest, relativeTo } from './digest.js'
import { compareRawPaths } from '../raw-path.js'
import {
  DVC_MAX_BYTES,
  frameworkForFormat,
  inferPointerTarget,
  isDvcFile,
  LFS_POINTER_MAX_BYTES,
  LfsAttributes,
  looksLikeLfsPointer,
  parseDvcFile,
  parseLfsPointer,
  PointerError,
  type DvcOut,
  type LfsPointer
} from './pointers.js'

/**
 * scanTree: every model artifact in a {@link FileTree}.
 *
 * 1. List the tree. Symlinks, submodules and special files go to `skipped` with a reason; nothing
 *    is dropped silently.
 * 2. Examine files through a bounded pool: `.gitattributes` and DVC files are parsed, files under
 *    1024 bytes are checked for an LFS pointer, everything else goes to classifyFile (which reads a
 *    bounded head, never the whole file). Every opened file is closed.
 *    Full scans of trees that offer `readHeadSync` (the working tree) first read every file's head
 *    synchronously into one reused buffer and run the prefilter `mightBeModel` on it; only files it
 *    cannot rule out (and pointer, `.gitattributes` and DVC candidates) enter the pool. Every
 *    regular file's bytes are still looked at; the prefilter is proven conservative by test.
 * 3. Group bundles (bundles.ts), then hash only the artifacts' files, streaming.
 */
export interface ScanOptions {
  /** When set, only artifacts with at least one member in this set are returned (a PR's change set); bundle siblings outside it are still read to complete the bundle. */
  focus?: ReadonlySet<string>
  /** Parallel classifications (default 16, for I/O overlap). */
  concurrency?: number
  /** Called with bytes hashed so far for progress bars; optional. */
  onHashProgress?: (path: string, done: number, total: number) => void
  /** Parallel hashes (default 4): hashing is CPU-bound, a few streams saturate the disk. */
  hashConcurrency?: number
  /** The single-file classifier (default classifyFile); tests and tools may substitute one. */
  classify?: (source: ByteSource, path: string) => Promise<Classification | null>
}

/** Cap on a `.gitattributes` file read for LFS rules. */
const GITATTRIBUTES_MAX_BYTES = 1024 * 1024

/** Formats for which a Hugging Face config.json beside the file pre-fills metadata. */
const HF_CONFIG_FORMATS = new Set([
  'safetensors',
  'hf-safetensors-sharded',
  'pytorch-zip',
  'pytorch-pickle',
  'flax-msgpack',
  'onnx',
  'gguf',
  'tflite',
  'lfs-pointer'
])

interface ScanState {
  classified: Map<string, Classification | null>
  lfs: Map<string, LfsPointer>
  /** Files that claim to be LFS pointers but break the spec. */
  badPointers: Map<string, string>
  dvc: Map<string, DvcOut[] | PointerError>
  attributes: LfsAttributes
  examined: Set<string>
  skipped: SkippedEntry[]
}

/**
 * Scans a tree for model artifacts. See {@link ScanOptions} for focus mode (a PR's change set).
 * Throws when the tree cannot be listed or an artifact cannot be hashed: the gate fails closed.
 */
export async function scanTree(tree: FileTree, options: ScanOptions = {}): Promise<ScanResult> {
  const classify = options.classify ?? classifyFile
  const concurrency = Math.max(1, options.concurrency ?? 16)
  const focus = options.focus
  // The synchronous prefilter pass applies to full scans with the built-in classifier only: a
  // substituted classifier may recognise anything.
  const readHeads = tree.readHeads?.bind(tree)
  const fast = focus === undefined && options.classify === undefined && readHeads !== undefined
  const entries = fast && tree.listForScan ? await tree.listForScan() : await tree.list()
  const files = new Map<string, number>()
  const state: ScanState = {
    classified: new Map(),
    lfs: new Map(),
    badPointers: new Map(),
    dvc: new Map(),
    attributes: new LfsAttributes(),
    examined: new Set(),
    skipped: []
  }
  for (const e of entries) {
    if (e.kind === 'file') files.set(e.path, e.size)
    else skipEntry(state, e)
  }
  entries.length = 0
  let lazyIndex: PathIndex | undefined
  const pathIndex = (): PathIndex => (lazyIndex ??= new PathIndex(files))
  /** Files examined by the prefilter pass alone (not counted in state.examined). */
  let ruledOut = 0

  const readText = async (path: string, max: number): Promise<string | undefined> => {
    if (!files.has(path)) return undefined
    let file
    try {
      file = await tree.open(path)
    } catch {
      return undefined
    }
    try {
      if (file.size > max) return undefined
      const bytes = await file.read(0, file.size)
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
    } catch {
      return undefined
    } finally {
      await file.close()
    }
  }

  const examine = async (path: string): Promise<void> => {
    if (state.examined.has(path)) return
    state.examined.add(path)
    const name = baseOf(path)
    if (name === '.gitattributes') {
      const text = await readText(path, GITATTRIBUTES_MAX_BYTES)
      if (text !== undefined) state.attributes.add(path, text)
      return
    }
    if (isDvcFile(path)) {
      const text = await readText(path, DVC_MAX_BYTES)
      try {
        if (text === undefined)
          throw new PointerError(`unreadable, not UTF-8 or larger than ${DVC_MAX_BYTES} bytes`)
        state.dvc.set(path, parseDvcFile(path, text))
      } catch (err) {
        state.dvc.set(path, err instanceof PointerError ? err : new PointerError(String(err)))
      }
      return
    }
    let file
    try {
      file = await tree.open(path)
    } catch (err) {
      state.skipped.push({ path, reason: 'unreadable', detail: errorText(err) })
      return
    }
    try {
      if (file.size < LFS_POINTER_MAX_BYTES) {
        const bytes = await file.read(0, file.size)
        if (looksLikeLfsPointer(bytes)) {
          try {
            const pointer = parseLfsPointer(bytes)
            if (pointer) {
              state.lfs.set(path, pointer)
              return
            }
          } catch (err) {
            state.badPointers.set(path, errorText(err))
            return
          }
        }
      }
      const c = await classify(file, path)
      if (c?.pointer?.kind === 'lfs' && c.pointer.algorithm === 'sha256') {
        state.lfs.set(path, { oid: c.pointer.oid, size: c.pointer.size ?? 0, extensions: new Map() })
        return
      }
      // Only models are kept: groupBundles reads a missing entry and a null alike.
      if (c !== null) state.classified.set(path, c)
    } catch (err) {
      state.skipped.push({ path, reason: 'unreadable', detail: errorText(err) })
    } finally {
      await file.close()
    }
  }

  /**
   * The prefilter pass (full scans of trees with readHeads): one synchronous open, fstat, read and
   * close per file into reused buffers, no promise and no allocation per file. Returns the files
   * that need the full examination.
   */
  const prefilterPass = (read: NonNullable<FileTree['readHeads']>): string[] => {
    const out: string[] = []
    const paths: string[] = []
    for (const path of files.keys()) {
      if (baseOf(path) === '.gitattributes' || isDvcFile(path)) out.push(path)
      else paths.push(path)
    }
    read(paths, LIMITS.head, (i, r, head) => {
      const path = paths[i]!
      if (r instanceof Error) {
        ruledOut++
        state.skipped.push({ path, reason: 'unreadable', detail: errorText(r) })
      } else if (r === undefined || 'kind' in r) {
        // Gone since listing, or no longer a regular file: out of `files`, as list() would have it.
        files.delete(path)
        if (r !== undefined) skipEntry(state, r)
      } else {
        files.set(path, r.size)
        if ((r.size < LFS_POINTER_MAX_BYTES && looksLikeLfsPointer(head)) || mightBeModel(head))
          out.push(path)
        else ruledOut++
      }
    })
    return out
  }

  // Which files to examine.
  let toExamine: string[]
  if (focus === undefined) toExamine = fast ? prefilterPass(readHeads) : [...files.keys()]
  else {
    const index = pathIndex()
    const want = new Set<string>()
    const dirsSeen = new Set<string>()
    for (const f of focus) {
      if (!files.has(f)) continue
      want.add(f)
      const name = baseOf(f)
      if (name === 'dvc.yaml' || name === 'dvc.lock') {
        const other = `${dirOf(f) === '' ? '' : `${dirOf(f)}/`}${name === 'dvc.yaml' ? 'dvc.lock' : 'dvc.yaml'}`
        if (files.has(other)) want.add(other)
      }
      // Possible bundle anchors in the file's directory and every ancestor.
      for (let d: string | undefined = dirOf(f); d !== undefined; d = d === '' ? undefined : dirOf(d)) {
        if (dirsSeen.has(d)) break
        dirsSeen.add(d)
        for (const sibling of index.children(d)) if (mayAnchorBundle(baseOf(sibling))) want.add(sibling)
      }
    }
    for (const path of files.keys()) if (baseOf(path) === '.gitattributes') want.add(path)
    toExamine = [...want]
  }
  await pool(toExamine, concurrency, examine)

  const bundleInput = () => ({ files, classified: withPointerClasses(state), readText })
  let grouped = await groupBundles(bundleInput())
  if (focus !== undefined) {
    // Complete the bundles the change touches: their members need classifying too (the format of
    // sharded checkpoints comes from the shards, pickle scans are merged).
    const missing = grouped.bundles
      .filter(b => b.members.some(m => focus.has(m)))
      .flatMap(b => b.members)
      .filter(m => !state.examined.has(m))
    if (missing.length > 0) {
      await pool(missing, concurrency, examine)
      grouped = await groupBundles(bundleInput())
    }
  }

  const inFocus = (members: readonly string[]): boolean =>
    focus === undefined || members.some(m => focus.has(m))
  const jobs: (() => Promise<ModelArtifact>)[] = []
  const hashOne = async (path: string): Promise<{ sha256: string; size: number }> => {
    const pointer = state.lfs.get(path)
    if (pointer) return { sha256: pointer.oid, size: pointer.size }
    const progress = options.onHashProgress
    const sha256 = await tree.sha256(
      path,
      progress
        ? (done, total) => {
            progress(path, done, total)
          }
        : undefined
    )
    return { sha256, size: Math.max(0, files.get(path) ?? 0) }
  }

  for (const plan of grouped.bundles) {
    if (!inFocus(plan.members)) continue
    jobs.push(() => bundleArtifact(plan, hashOne, state, files, readText))
  }
  const claimed = grouped.claimed
  for (const [path, c] of state.classified) {
    if (!c || claimed.has(path) || !inFocus([path])) continue
    jobs.push(async () => {
      const { sha256, size } = await hashOne(path)
      const artifact: ModelArtifact = {
        path,
        files: [path],
        format: c.format,
        framework: c.framework,
        digest: sha256,
        digestSource: 'content',
        size,
        metadata: cloneMetadata(c.metadata)
      }
      if (c.pickle) artifact.pickle = c.pickle
      if (c.malformed !== undefined) artifact.malformed = c.malformed
      if (HF_CONFIG_FORMATS.has(c.format))
        await applyHfConfig(dirOf(path), artifact.metadata, { files, readText })
      return artifact
    })
  }
  for (const [path, pointer] of state.lfs) {
    const target = inferPointerTarget(path)
    if (!target || claimed.has(path) || !inFocus([path])) continue
    jobs.push(async () => {
      const metadata: ModelMetadata = { extra: lfsExtra(path, state, target.reason) }
      if (HF_CONFIG_FORMATS.has(target.format))
        await applyHfConfig(dirOf(path), metadata, { files, readText })
      return {
        path,
        files: [path],
        format: target.format,
        framework: frameworkForFormat(target.format),
        digest: pointer.oid,
        digestSource: 'lfs-pointer',
        size: pointer.size,
        metadata
      }
    })
  }
  for (const [path, problem] of state.badPointers) {
    const target = inferPointerTarget(path)
    if (!target || claimed.has(path) || !inFocus([path])) continue
    jobs.push(async () => ({
      path,
      files: [path],
      format: target.format,
      framework: frameworkForFormat(target.format),
      digest: await tree.sha256(path),
      digestSource: 'content',
      size: Math.max(0, files.get(path) ?? 0),
      metadata: {},
      malformed: `damaged Git LFS pointer: ${problem}`
    }))
  }
  for (const artifact of dvcArtifacts(state, files, focus)) jobs.push(() => Promise.resolve(artifact))

  const artifacts = await pool(jobs, Math.max(1, options.hashConcurrency ?? 4), job => job())
  artifacts.sort((a, b) => compareRawPaths(a.path, b.path))
  const skipped = focus === undefined ? state.skipped : state.skipped.filter(s => focus.has(s.path))
  skipped.sort((a, b) => compareRawPaths(a.path, b.path))
  return { artifacts, skipped, filesExamined: state.examined.size + ruledOut }
}

/** Records a listed entry that is not a regular file; nothing is dropped silently. */
function skipEntry(state: ScanState, e: TreeEntry): void {
  if (e.kind === 'symlink') {
    state.skipped.push({
      path: e.path,
      reason: 'symlink',
      detail: `symlink to ${JSON.stringify(e.linkTarget ?? '')}, not followed`,
      ...(e.linkTarget !== undefined ? { linkTarget: e.linkTarget } : {})
    })
  } else if (e.kind === 'submodule') {
    state.skipped.push({
      path: e.path,
      reason: 'submodule',
      detail: 'submodule (gitlink or nested repository), not entered'
    })
  } else if (e.kind === 'special') {
    state.skipped.push({
      path: e.path,
      reason: 'unreadable',
      detail: 'not a regular file (FIFO, socket or device), not opened'
    })
  }
}

/** Classifications plus, for LFS pointers judged models, one inferred from the path. */
function withPointerClasses(state: ScanState): Map<string, Classification | null> {
  if (state.lfs.size === 0) return state.classified
  const out = new Map(state.classified)
  for (const path of state.lfs.keys()) {
    const target = inferPointerTarget(path)
    if (target)
      out.set(path, { format: target.format, framework: frameworkForFormat(target.format), metadata: {} })
    else out.set(path, null)
  }
  return out
}

async function bundleArtifact(
  plan: BundlePlan,
  hashOne: (path: string) => Promise<{ sha256: string; size: number }>,
  state: ScanState,
  files: ReadonlyMap<string, number>,
  readText: (path: string, max: number) => Promise<string | undefined>
): Promise<ModelArtifact> {
  const members = [...plan.members].sort(compareRawPaths)
  const digests: { relativePath: string; sha256: string }[] = []
  let size = 0
  let pointers = 0
  for (const m of members) {
    const h = await hashOne(m)
    if (state.lfs.has(m)) pointers++
    size += h.size
    digests.push({ relativePath: relativeTo(plan.root, m), sha256: h.sha256 })
  }
  const metadata = cloneMetadata(plan.metadata)
  if (pointers > 0) (metadata.extra ??= {}).lfsMembers = String(pointers)
  if (HF_CONFIG_FORMATS.has(plan.format)) await applyHfConfig(plan.root, metadata, { files, readText })
  const artifact: ModelArtifact = {
    path: plan.path,
    files: members,
    format: plan.format,
    framework: plan.framework,
    digest: bundleDigest(digests),
    digestSource: 'bundle',
    size,
    metadata
  }
  if (plan.pickle) artifact.pickle = plan.pickle
  if (plan.malformed !== undefined) artifact.malformed = plan.malformed
  return artifact
}

/**
 * DVC files that stand for models. One artifact per DVC file in the tree (`x.dvc`, or `dvc.yaml`
 * with the md5s of its `dvc.lock`), whose path is the DVC file itself: that is what a change set
 * touches and what the registry names. It is reported when an output is a model by its path (the
 * rules of inferPointerTarget, or a directory output named `model(s)`/`weights`/`checkpoint(s)`),
 * and always when an output escapes the repository or the file does not parse (`malformed`, so
 * policy raises a finding).
 *
 * format: the format its one model output implies, else `dvc-pointer`. digest: that output's md5
 * (DVC's own hash, digestSource `dvc-pointer`); with several model outputs, the sha256 over
 * `<md5>  <output path>\0` records sorted by output path, as for bundles; empty when no md5 is known
 * (a `dvc.yaml` output missing from `dvc.lock`), which is also `malformed`.
 */
function dvcArtifacts(
  state: ScanState,
  files: ReadonlyMap<string, number>,
  focus: ReadonlySet<string> | undefined
): ModelArtifact[] {
  const out: ModelArtifact[] = []
  const locks = new Map<string, DvcOut[]>()
  for (const [file, parsed] of state.dvc) {
    if (isDvcFile(file) === 'dvc.lock' && !(parsed instanceof PointerError)) locks.set(dirOf(file), parsed)
  }
  for (const [file, parsed] of state.dvc) {
    const kind = isDvcFile(file)
    const prefix = dirOf(file) === '' ? '' : `${dirOf(file)}/`
    // A dvc.lock is read through its dvc.yaml, unless it stands alone.
    if (kind === 'dvc.lock' && files.has(`${prefix}dvc.yaml`)) continue
    const members = [file]
    const problems: string[] = []
    const escapes: string[] = []
    const models: DvcOut[] = []
    if (parsed instanceof PointerError) problems.push(`DVC file does not parse: ${parsed.message}`)
    else {
      const locked = kind === 'dvc.yaml' ? locks.get(dirOf(file)) : undefined
      for (const o of parsed) {
        if (o.resolved === undefined) {
          escapes.push(o.escapes ?? o.path)
          continue
        }
        const target = o.resolved
        const isModel = inferPointerTarget(target) !== null || (o.isDir && DVC_MODEL_DIR.test(target))
        if (!isModel) continue
        const lockOut = locked?.find(l => l.resolved === target)
        if (lockOut && !members.includes(`${prefix}dvc.lock`)) members.push(`${prefix}dvc.lock`)
        const withMd5 = lockOut ?? o
        if (withMd5.md5 === undefined)
          problems.push(`output ${JSON.stringify(o.path.slice(0, 200))} has no md5 (not in dvc.lock yet?)`)
        models.push(withMd5)
      }
    }
    if (models.length === 0 && problems.length === 0 && escapes.length === 0) continue
    if (focus !== undefined && !members.some(m => focus.has(m))) continue
    models.sort((x, y) => compareRawPaths(x.resolved!, y.resolved!))
    const single = models.length === 1 ? models[0] : undefined
    const target = single ? inferPointerTarget(single.resolved!) : null
    const format = target?.format ?? 'dvc-pointer'
    let digest = single?.md5 ?? ''
    if (models.length > 1 && models.every(m => m.md5 !== undefined)) {
      digest = bundleDigest(models.map(m => ({ relativePath: m.resolved!, sha256: m.md5! })))
    }
    const extra: Record<string, string> = {}
    if (!(parsed instanceof PointerError))
      extra.outs = parsed
        .map(o => o.path)
        .join(', ')
        .slice(0, 1024)
    if (single?.isDir) extra.dvcDirectory = 'true'
    const artifact: ModelArtifact = {
      path: file,
      files: members.sort(compareRawPaths),
      format,
      framework: target ? frameworkForFormat(format) : 'dvc',
      digest,
      digestSource: 'dvc-pointer',
      size: models.reduce((n, m) => n + (m.size ?? 0), 0),
      metadata: { extra }
    }
    if (problems.length > 0) artifact.malformed = problems.slice(0, 5).join('; ')
    if (escapes.length > 0) artifact.escapingOutputs = escapes.slice(0, 20)
    out.push(artifact)
  }
  return out
}

const DVC_MODEL_DIR = /(^|\/)(models?|weights|checkpoints?)$|\.mlpackage$/i

function lfsExtra(path: string, state: ScanState, reason: string): Record<string, string> {
  return { lfsTracked: state.attributes.isLfs(path) ? 'true' : 'false', inferredFrom: reason }
}

function cloneMetadata(m: ModelMetadata): ModelMetadata {
  return m.extra ? { ...m, extra: { ...m.extra } } : { ...m }
}

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 500)
}

/** Runs `fn` over `items` with at most `limit` in flight; results keep input order. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
  return out
}
