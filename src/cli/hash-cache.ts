import { lstat, mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as z from 'zod'

import { encodeRawPath } from '../core/raw-path.js'
import type { FileTree, OpenFile, TreeEntry } from '../core/detect/tree.js'
import { writeFileAtomic } from '../core/registry/edit.js'
import type { HashProgress } from './progress.js'

/**
 * A {@link FileTree} decorator that remembers the sha256 of working-tree files, so a second
 * `modelgate` run does not re-hash a multi-GB model. An entry is reused only when path, size,
 * mtime, ctime and inode all match what was recorded, and a hash is recorded only when the file
 * did not change while it was hashed. The cache is a developer convenience: the caller never
 * enables it in CI (`CI=true`, `GITHUB_ACTIONS=true`), where every digest is computed.
 */
export const CACHE_DIR = '.modelgate-cache'
export const CACHE_FILE = 'hashes.json'
/** A cache file larger than this is ignored rather than parsed. */
const CACHE_MAX_BYTES = 32 * 1024 * 1024
/** Entries kept; the least recently hashed beyond this are dropped. */
const CACHE_MAX_ENTRIES = 50_000

const StampSchema = z.object({
  size: z.number(),
  mtimeMs: z.number(),
  ctimeMs: z.number(),
  ino: z.number(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/)
})
type Stamp = z.infer<typeof StampSchema>

// Entries are [path, stamp] pairs, not an object keyed by path: a path may be `__proto__`.
const CacheFileSchema = z.object({
  version: z.literal(1),
  entries: z.array(z.tuple([z.string(), StampSchema]))
})

export interface HashStats {
  hits: number
  misses: number
}

export class CachingTree implements FileTree {
  readonly label: string
  readonly stats: HashStats = { hits: 0, misses: 0 }
  private readonly entries = new Map<string, Stamp>()
  private dirty = false

  /**
   * @param inner the working tree whose `sha256` is wrapped
   * @param root the directory `inner` lists, to stat files
   * @param cacheDir where `hashes.json` lives; undefined disables the cache (CI)
   * @param progress the terminal progress line, when one is shown
   */
  constructor(
    private readonly inner: FileTree,
    private readonly root: string,
    private readonly cacheDir: string | undefined,
    private readonly progress?: HashProgress
  ) {
    this.label = inner.label
  }

  /** Reads the cache file; a missing, oversized or malformed file is an empty cache. */
  async load(): Promise<void> {
    if (this.cacheDir === undefined) return
    let text: string
    try {
      const file = join(this.cacheDir, CACHE_FILE)
      if ((await lstat(file)).size > CACHE_MAX_BYTES) return
      text = await readFile(file, 'utf8')
    } catch {
      return
    }
    try {
      const parsed = CacheFileSchema.safeParse(JSON.parse(text))
      if (parsed.success) for (const [path, stamp] of parsed.data.entries) this.entries.set(path, stamp)
    } catch {
      // A corrupt cache is ignored: it only costs a re-hash.
    }
  }

  /** Writes the cache back when something was hashed. Best-effort: a failure only costs a re-hash. */
  async save(): Promise<void> {
    if (this.cacheDir === undefined || !this.dirty) return
    try {
      await mkdir(this.cacheDir, { recursive: true })
      // Keeps the cache out of `git status` and out of the working-tree listing.
      await writeFileAtomic(join(this.cacheDir, '.gitignore'), '*\n')
      const entries = [...this.entries].slice(-CACHE_MAX_ENTRIES)
      await writeFileAtomic(join(this.cacheDir, CACHE_FILE), `${JSON.stringify({ version: 1, entries })}\n`)
      this.dirty = false
    } catch {
      // Best-effort.
    }
  }

  list(): Promise<TreeEntry[]> {
    return this.inner.list()
  }

  open(path: string): Promise<OpenFile> {
    return this.inner.open(path)
  }

  async sha256(path: string, onProgress?: (done: number, total: number) => void): Promise<string> {
    const before = this.cacheDir === undefined ? undefined : await this.stat(path)
    const cached = this.entries.get(path)
    if (before && cached && sameFile(before, cached)) {
      this.stats.hits++
      return cached.sha256
    }
    this.stats.misses++
    const digest = await this.inner.sha256(path, (done, total) => {
      this.progress?.update(path, done, total)
      onProgress?.(done, total)
    })
    if (before) {
      const after = await this.stat(path)
      if (after && sameFile(after, before)) {
        this.entries.delete(path) // re-insert last, so the newest entries survive the cap
        this.entries.set(path, { ...after, sha256: digest })
        this.dirty = true
      }
    }
    return digest
  }

  private async stat(path: string): Promise<Omit<Stamp, 'sha256'> | undefined> {
    try {
      const st = await lstat(Buffer.concat([encodeRawPath(this.root), Buffer.from('/'), encodeRawPath(path)]))
      if (!st.isFile()) return undefined
      return { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino }
    } catch {
      return undefined
    }
  }
}

function sameFile(a: Omit<Stamp, 'sha256'>, b: Omit<Stamp, 'sha256'>): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino
}
