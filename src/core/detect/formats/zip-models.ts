import { cleanMeta, startsWith, utf8OrUndefined } from '../bytes.js'
import type { Classification } from '../types.js'
import { inflatePrefix } from './inflate.js'
import { PickleInput, type WalkResult, toScan, walkPickle } from './pickle.js'
import { LIMITS, type Probe, result } from './probe.js'
import { type ZipDirectory, type ZipEntry, entryDataOffset, readEntry, readZipDirectory } from './zip.js'

/** Small JSON members (metadata.json, MANIFEST.json) are read up to this size. */
const SMALL_JSON = 64 * 1024

/** One path segment then the member: torch.save writes `<archive_name>/data.pkl` (torch/serialization.py). */
const TORCH_DATA = /^[^/]+\/data\.pkl$/
const TORCHSCRIPT_MARK = /^[^/]+\/(constants\.pkl|code\/)/
const TORCHSCRIPT_GLOBAL = /^(__torch__\.|torch\.jit\._pickle\.)/
/** Parameter-like npz member names: layer paths, TF variable suffixes, common tensor names. */
const WEIGHT_NAME =
  /\/|:0$|(^|[._])(weight|weights|bias|kernel|gamma|beta|running_mean|running_var|moving_mean|moving_variance|embedding|embeddings)$/i

async function readJson(p: Probe, e: ZipEntry | undefined): Promise<Record<string, unknown> | undefined> {
  if (e === undefined) return undefined
  const got = await readEntry(p, e, SMALL_JSON)
  if (got?.complete !== true) return undefined
  try {
    const v: unknown = JSON.parse(utf8OrUndefined(got.bytes) ?? '')
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

function strField(o: Record<string, unknown> | undefined, key: string): string | undefined {
  const v = o?.[key]
  return typeof v === 'string' ? cleanMeta(v) : typeof v === 'number' ? String(v) : undefined
}

/** Walks a zip member that holds a pickle (stored in torch archives; deflated by other writers). */
async function walkMember(p: Probe, e: ZipEntry): Promise<WalkResult | { error: string }> {
  const at = await entryDataOffset(p, e)
  if (at === undefined) return { error: `local header of ${e.name} is damaged` }
  if (e.method === 0) return walkPickle(PickleInput.fromFile(p, at, at + e.compressedSize))
  if (e.method === 8) {
    const raw = await p.readUpTo(at, Math.min(e.compressedSize, LIMITS.inflateInput))
    const out = inflatePrefix(raw, 'raw', raw.length === e.compressedSize)
    if (out === undefined) return { error: `cannot inflate ${e.name}` }
    return walkPickle(PickleInput.fromBytes(out.bytes, out.complete && out.bytes.length === e.size))
  }
  return { error: `${e.name} uses compression method ${e.method}` }
}

function withDir(c: Classification, dir: ZipDirectory): Classification {
  if (dir.malformed !== undefined)
    c.malformed = c.malformed === undefined ? dir.malformed : `${dir.malformed}; ${c.malformed}`
  if (dir.partial) {
    c.metadata.extra = {
      ...c.metadata.extra,
      zipEntries: String(dir.declaredEntries),
      zipDirectoryRead: 'partial'
    }
  }
  return c
}

/**
 * Prefilter for detectZip (as the classifier gates it): a local file header "PK\3\4" or empty
 * archive "PK\5\6" (APPNOTE 4.3.7/4.3.16), or an APE/llamafile "MZqFpD" stub.
 */
export function mightMatch(h: Uint8Array): boolean {
  if (h[0] === 0x50 && h[1] === 0x4b && (h[2] === 3 || h[2] === 5)) return true
  return startsWith(h, 'MZqFpD')
}

export async function detectZip(p: Probe): Promise<Classification | null> {
  const dir = await readZipDirectory(p)
  if (dir === undefined) return null
  const names = dir.entries.map(e => e.name)
  const find = (pred: (n: string) => boolean): ZipEntry | undefined => dir.entries.find(e => pred(e.name))

  // llamafile: an APE executable ("MZqFpD", the DOS stub of Actually Portable Executables) whose
  // embedded zip carries the GGUF weights.
  if (startsWith(p.head, 'MZqFpD')) {
    const g = find(n => n.toLowerCase().endsWith('.gguf'))
    if (g === undefined) return null
    return withDir(result('llamafile', 'llamafile', { extra: { weights: cleanMeta(g.name) } }), dir)
  }

  const mar = find(n => n === 'MAR-INF/MANIFEST.json')
  if (mar !== undefined) {
    const m = await readJson(p, mar)
    const model = m?.model as Record<string, unknown> | undefined
    const extra: Record<string, string> = {}
    for (const [k, v] of [
      ['modelName', strField(model, 'modelName')],
      ['modelVersion', strField(model, 'modelVersion')],
      ['handler', strField(model, 'handler')],
      ['runtime', strField(m, 'runtime')]
    ] as const) {
      if (v !== undefined) extra[k] = v
    }
    const meta: Classification['metadata'] = { extra }
    const av = strField(m, 'archiverVersion')
    if (av !== undefined) meta.frameworkVersion = av
    return withDir(result('torchserve-mar', 'torchserve', meta), dir)
  }

  const data = find(n => TORCH_DATA.test(n))
  if (data !== undefined) {
    const torchscript = names.some(n => TORCHSCRIPT_MARK.test(n))
    const c = result(torchscript ? 'torchscript' : 'pytorch-zip', 'pytorch')
    const w = await walkMember(p, data)
    if ('stops' in w) {
      c.pickle = toScan(w)
      // torch.jit.load resolves `__torch__.*` classes from the archive's own TorchScript code and
      // torch.jit._pickle helpers in its C++ unpickler; neither imports Python code.
      if (torchscript)
        c.pickle.unsafeGlobals = c.pickle.unsafeGlobals.filter(g => !TORCHSCRIPT_GLOBAL.test(g))
      if (w.errorKind === 'truncated' || w.errorKind === 'invalid') c.malformed = `data.pkl: ${w.error ?? ''}`
      if (w.protocol !== undefined) c.metadata.extra = { pickleProtocol: String(w.protocol) }
    } else {
      c.pickle = { globals: [], unsafeGlobals: [], error: w.error }
      c.malformed = w.error
    }
    return withDir(c, dir)
  }

  if (names.includes('config.json') && names.includes('metadata.json')) {
    const m = await readJson(
      p,
      find(n => n === 'metadata.json')
    )
    if (m !== undefined || names.some(n => n.startsWith('model.weights.'))) {
      const meta: Classification['metadata'] = {}
      const kv = strField(m, 'keras_version')
      if (kv !== undefined) meta.frameworkVersion = kv
      const saved = strField(m, 'date_saved')
      if (saved !== undefined) meta.extra = { dateSaved: saved }
      return withDir(result('keras-v3', 'keras', meta), dir)
    }
  }

  if (names.length > 0 && names.every(n => n.endsWith('.npy'))) {
    const stems = names.map(n => n.slice(0, -4))
    const weighty = stems.filter(n => WEIGHT_NAME.test(n)).length
    if (weighty > 0 && weighty * 2 >= stems.length) {
      return withDir(result('npz-weights', 'numpy', { extra: { arrays: String(dir.declaredEntries) } }), dir)
    }
    return null
  }
  return null
}
