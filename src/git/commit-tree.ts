/**
 * A {@link FileTree} over a commit, read as git objects and never from the working tree
 * (THREATS 3: under `pull_request_target` the workspace must never hold or be trusted as PR code;
 * here the PR head is only ever read from the object database).
 *
 * * `list()` is one `git ls-tree -r -z --full-tree -l`. Symlinks (120000) are listed with their
 *   target text, read from the blob (bounded to 4 KiB) and never followed. Gitlinks (160000) are
 *   listed as submodules and never entered.
 * * `open()` gives bounded random access to a blob. Trade-off: a git blob is zlib-compressed (and
 *   possibly a delta in a pack), so there is no cheap random access into it; reaching the end of a
 *   blob (zip central directory, safetensors tail) means inflating all of it. So:
 *   - blobs <= 1 MiB (`memoryLimit`) are read whole, through ONE long-running
 *     `git cat-file --batch` per tree (no process per file; memory <= 1 MiB per open file);
 *   - larger blobs are spooled once by streaming `git cat-file blob <oid>` to a private temp file
 *     (`mkdtemp` under `os.tmpdir()`, mode 0600, removed on `close()`), then read with positioned
 *     reads. Memory stays flat; the cost is one sequential pass and temporary disk equal to the
 *     blob size. The spool pass also computes the sha256, so a later `sha256()` is free.
 * * `sha256()` streams the blob through SHA-256 (memory flat), cached per object id.
 * * Paths are the exact strings from {@link decodeRawPath}; lookups are Map lookups.
 *
 * Call `close()` (or `await using`) when done: it ends the cat-file process and removes spools.
 */
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdtemp, open as openFile, rm, type FileHandle } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { OpenFile, TreeEntry, FileTree, EntryKind } from '../core/detect/tree.js'
import { CatFileBatch } from './cat-file.js'
import { classifyRepoError } from './errors.js'
import { decodeRawPath, encodeRawPath } from '../core/raw-path.js'
import { resolveCommit } from './repo-info.js'
import { runGit, silentLogger, streamGit, type Logger } from './run-git.js'

/** Blobs up to this size are read into memory; larger ones are spooled to a temp file. */
export const DEFAULT_MEMORY_LIMIT = 1024 * 1024
/** Symlink target text is read up to this many bytes. */
export const MAX_LINK_BYTES = 4096
/** Largest single `read()` on an opened file. */
export const DEFAULT_MAX_READ_BYTES = 64 * 1024 * 1024
/** `ls-tree -r` of a very large monorepo can be big; past this the listing fails closed. */
const MAX_LIST_BYTES = 512 * 1024 * 1024
/** Streaming a multi-GB blob can take a while. */
const BLOB_STREAM_TIMEOUT_MS = 30 * 60_000

/** A tree entry with its git identity. */
export interface CommitTreeEntry extends TreeEntry {
  /** Git mode: '100644', '100755', '120000' (symlink), '160000' (submodule). */
  mode: string
  /** Blob id (commit id for a submodule). */
  oid: string
  /** Set when the symlink target was longer than {@link MAX_LINK_BYTES} and cut. */
  linkTargetTruncated?: boolean
}

interface Indexed {
  entry: CommitTreeEntry
  rawPath: Buffer
}

export type TreeEntryProblem = 'absent' | 'symlink' | 'submodule' | 'special' | 'directory'

/** The path cannot be read as a regular file: it is absent, or a symlink, submodule or directory. */
export class TreeEntryError extends Error {
  override readonly name = 'TreeEntryError'
  constructor(
    readonly path: string,
    readonly problem: TreeEntryProblem,
    where: string
  ) {
    super(
      problem === 'absent'
        ? `${JSON.stringify(path)} does not exist in ${where}`
        : `${JSON.stringify(path)} is a ${problem} in ${where}; ModelGate never follows ${problem === 'directory' ? 'directories as files' : `${problem}s`}`
    )
  }
}

/** A blob is bigger than the caller allows. */
export class BlobTooLargeError extends Error {
  override readonly name = 'BlobTooLargeError'
  constructor(
    readonly path: string,
    readonly size: number,
    readonly maxBytes: number,
    where: string
  ) {
    super(`${JSON.stringify(path)} in ${where} is ${size} bytes, over the ${maxBytes}-byte limit`)
  }
}

export interface CommitTreeOptions {
  log?: Logger
  /** Blobs up to this size are held in memory when opened. Default 1 MiB. */
  memoryLimit?: number
  /** Largest single read on an opened file. Default 64 MiB. */
  maxReadBytes?: number
  /** Where spool directories go. Default `os.tmpdir()`. */
  tmpDir?: string
}

/** Opens a {@link CommitTree} for `commit` (any revision; resolved to a full id first). */
export async function openCommitTree(
  repo: string,
  commit: string,
  options: CommitTreeOptions = {}
): Promise<CommitTree> {
  const sha = await resolveCommit(repo, commit)
  return new CommitTree(repo, sha, options)
}

export class CommitTree implements FileTree {
  /** Same as {@link openCommitTree}: resolves `commit` (any revision) and returns its tree. */
  static async open(repo: string, commit: string, options: CommitTreeOptions = {}): Promise<CommitTree> {
    return openCommitTree(repo, commit, options)
  }

  readonly label: string
  private readonly log: Logger
  private readonly memoryLimit: number
  private readonly maxReadBytes: number
  private readonly tmpDir: string
  private readonly batch: CatFileBatch
  private index: Promise<Map<string, Indexed>> | undefined
  /** Every directory path that has an entry below it (for "is a directory" answers). */
  private readonly dirs = new Set<string>()
  private readonly digests = new Map<string, string>()
  private readonly openSpools = new Set<() => Promise<void>>()
  private closed = false

  /** Prefer {@link openCommitTree}, which resolves `commit`. `commit` must be a full commit id. */
  constructor(
    readonly repo: string,
    readonly commit: string,
    options: CommitTreeOptions = {}
  ) {
    this.label = `commit ${commit.slice(0, 7)}`
    this.log = options.log ?? silentLogger
    this.memoryLimit = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT
    this.maxReadBytes = options.maxReadBytes ?? DEFAULT_MAX_READ_BYTES
    this.tmpDir = options.tmpDir ?? tmpdir()
    this.batch = new CatFileBatch(repo)
  }

  async list(): Promise<CommitTreeEntry[]> {
    const index = await this.load()
    return [...index.values()].map(i => ({ ...i.entry }))
  }

  /** The entry at `path`, or undefined. */
  async entry(path: string): Promise<CommitTreeEntry | undefined> {
    const found = (await this.load()).get(path)
    return found ? { ...found.entry } : undefined
  }

  async open(path: string): Promise<OpenFile> {
    const { entry } = await this.file(path)
    if (entry.size <= this.memoryLimit) {
      const content = await this.readSmall(entry)
      return memoryFile(content, this.maxReadBytes)
    }
    return this.spool(entry)
  }

  async sha256(path: string, onProgress?: (done: number, total: number) => void): Promise<string> {
    const { entry } = await this.file(path)
    const cached = this.digests.get(entry.oid)
    if (cached) {
      onProgress?.(entry.size, entry.size)
      return cached
    }
    let digest: string
    if (entry.size <= this.memoryLimit) {
      digest = createHash('sha256')
        .update(await this.readSmall(entry))
        .digest('hex')
      onProgress?.(entry.size, entry.size)
    } else {
      const hash = createHash('sha256')
      let bytes = 0
      for await (const chunk of streamGit(['cat-file', 'blob', entry.oid], {
        cwd: this.repo,
        timeoutMs: BLOB_STREAM_TIMEOUT_MS
      })) {
        const buf = chunk as Buffer
        bytes += buf.length
        hash.update(buf)
        onProgress?.(bytes, entry.size)
      }
      if (bytes !== entry.size) throw sizeMismatch(entry, bytes, this.label)
      digest = hash.digest('hex')
    }
    this.digests.set(entry.oid, digest)
    return digest
  }

  /**
   * The bytes of a regular file, or null when the path is absent at this commit. Throws
   * {@link BlobTooLargeError} over `maxBytes`, and {@link TreeEntryError} for a symlink, submodule
   * (never followed) or directory.
   */
  async readText(path: string, maxBytes: number): Promise<Buffer | null> {
    const index = await this.load()
    const found = index.get(path)
    if (!found) {
      if (this.isDirectory(path)) throw new TreeEntryError(path, 'directory', this.label)
      return null
    }
    const { entry } = await this.file(path)
    if (entry.size > maxBytes) throw new BlobTooLargeError(path, entry.size, maxBytes, this.label)
    if (entry.size <= this.memoryLimit) return this.readSmall(entry)
    const { stdout } = await runGit(['cat-file', 'blob', entry.oid], {
      cwd: this.repo,
      maxBytes,
      timeoutMs: BLOB_STREAM_TIMEOUT_MS
    })
    if (stdout.length !== entry.size) throw sizeMismatch(entry, stdout.length, this.label)
    return stdout
  }

  /** Ends the cat-file process and removes every spool file still open. */
  async close(): Promise<void> {
    this.closed = true
    const spools = [...this.openSpools]
    this.openSpools.clear()
    await Promise.allSettled([this.batch.close(), ...spools.map(close => close())])
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  private load(): Promise<Map<string, Indexed>> {
    this.index ??= this.listTree()
    return this.index
  }

  private isDirectory(path: string): boolean {
    return this.dirs.has(path)
  }

  private async file(path: string): Promise<Indexed> {
    if (this.closed) throw new Error(`${this.label}: tree is closed`)
    const index = await this.load()
    const found = index.get(path)
    if (!found) throw new TreeEntryError(path, this.isDirectory(path) ? 'directory' : 'absent', this.label)
    if (found.entry.kind !== 'file') throw new TreeEntryError(path, found.entry.kind, this.label)
    return found
  }

  private async readSmall(entry: CommitTreeEntry): Promise<Buffer> {
    const obj = await this.batch.read(entry.oid, Math.max(entry.size, 0))
    if (!obj || obj.type !== 'blob') {
      throw new Error(
        `${this.label}: blob ${entry.oid} for ${JSON.stringify(entry.path)} is missing or not a blob`
      )
    }
    if (obj.content.length !== entry.size) throw sizeMismatch(entry, obj.content.length, this.label)
    return obj.content
  }

  private async listTree(): Promise<Map<string, Indexed>> {
    let stdout: Buffer
    try {
      ;({ stdout } = await runGit(['ls-tree', '-r', '-z', '--full-tree', '-l', this.commit], {
        cwd: this.repo,
        maxBytes: MAX_LIST_BYTES
      }))
    } catch (error) {
      throw classifyRepoError(this.repo, error)
    }
    const index = new Map<string, Indexed>()
    for (const raw of parseLsTree(stdout)) {
      if (raw.type === 'tree') continue
      const path = decodeRawPath(raw.rawPath)
      if (index.has(path)) throw new Error(`${this.label}: the tree lists ${JSON.stringify(path)} twice`)
      const entry: CommitTreeEntry = {
        path,
        kind: kindOf(raw, this.label),
        size: raw.size,
        mode: raw.mode,
        oid: raw.oid
      }
      if (entry.kind === 'symlink') await this.readLink(entry)
      index.set(path, { entry, rawPath: raw.rawPath })
      for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
        const dir = path.slice(0, slash)
        if (this.dirs.has(dir)) break
        this.dirs.add(dir)
      }
    }
    this.log.debug(`${this.label}: ${index.size} entries`)
    return index
  }

  private async readLink(entry: CommitTreeEntry): Promise<void> {
    let bytes: Buffer
    if (entry.size <= MAX_LINK_BYTES) {
      const obj = await this.batch.read(entry.oid, MAX_LINK_BYTES)
      if (!obj) throw new Error(`${this.label}: symlink blob ${entry.oid} is missing`)
      bytes = obj.content
    } else {
      bytes = await readPrefix(this.repo, entry.oid, MAX_LINK_BYTES)
      entry.linkTargetTruncated = true
      this.log.warning(
        `${this.label}: symlink ${JSON.stringify(entry.path)} has a ${entry.size}-byte target; showing the first ${MAX_LINK_BYTES}`
      )
    }
    entry.linkTarget = decodeRawPath(bytes)
  }

  private async spool(entry: CommitTreeEntry): Promise<OpenFile> {
    const dir = await mkdtemp(join(this.tmpDir, 'modelgate-blob-'))
    const file = join(dir, 'blob')
    let handle: FileHandle | undefined
    const cleanup = async (): Promise<void> => {
      this.openSpools.delete(cleanup)
      await handle?.close().catch(() => undefined)
      await rm(dir, { recursive: true, force: true })
    }
    this.openSpools.add(cleanup)
    try {
      const hash = createHash('sha256')
      let bytes = 0
      const tap = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          bytes += chunk.length
          hash.update(chunk)
          callback(null, chunk)
        }
      })
      await pipeline(
        streamGit(['cat-file', 'blob', entry.oid], { cwd: this.repo, timeoutMs: BLOB_STREAM_TIMEOUT_MS }),
        tap,
        createWriteStream(file, { flags: 'wx', mode: 0o600 })
      )
      if (bytes !== entry.size) throw sizeMismatch(entry, bytes, this.label)
      this.digests.set(entry.oid, hash.digest('hex'))
      handle = await openFile(file, 'r')
      this.log.debug(`${this.label}: spooled ${JSON.stringify(entry.path)} (${bytes} bytes)`)
    } catch (error) {
      await cleanup()
      throw error
    }
    const fh = handle
    const size = entry.size
    const maxRead = this.maxReadBytes
    return {
      size,
      async read(offset: number, length: number): Promise<Uint8Array> {
        const n = checkRange(offset, length, size, maxRead)
        const out = Buffer.alloc(n)
        let done = 0
        while (done < n) {
          const { bytesRead } = await fh.read(out, done, n - done, offset + done)
          if (bytesRead === 0) break
          done += bytesRead
        }
        return done === n ? out : out.subarray(0, done)
      },
      close: cleanup
    }
  }
}

/**
 * Reads one regular file at `commit` without listing the whole tree (e.g. the registry at the base
 * commit). Walks the path one directory at a time with `git ls-tree` of tree ids and compares
 * names as exact bytes (no pathspec magic, no globbing, any byte in a name).
 *
 * Returns null when the path does not exist at the commit. Throws {@link BlobTooLargeError} when
 * the blob is bigger than `maxBytes` (nothing is read), {@link TreeEntryError} when the path is a
 * symlink, submodule or directory, and a `GitSetupError` when the commit is not in the checkout.
 */
export async function readBlobAt(
  repo: string,
  commit: string,
  path: string,
  maxBytes: number
): Promise<Buffer | null> {
  const sha = await resolveCommit(repo, commit)
  const where = `commit ${sha.slice(0, 7)}`
  let components: Buffer[]
  try {
    components = encodeRawPath(path)
      .toString('latin1')
      .split('/')
      .map(c => Buffer.from(c, 'latin1'))
  } catch {
    return null // no git path decodes to this string
  }
  if (components.some(c => c.length === 0)) return null
  let treeish = sha
  for (let i = 0; i < components.length; i++) {
    const { stdout } = await runGit(['ls-tree', '-z', '-l', treeish], { cwd: repo, maxBytes: MAX_LIST_BYTES })
    const hit = parseLsTree(stdout).find(e => e.rawPath.equals(components[i]!))
    if (!hit) return null
    const last = i === components.length - 1
    if (!last) {
      if (hit.type !== 'tree') return null
      treeish = hit.oid
      continue
    }
    if (hit.type === 'tree') throw new TreeEntryError(path, 'directory', where)
    const kind = kindOf(hit, where)
    if (kind !== 'file') throw new TreeEntryError(path, kind, where)
    if (hit.size > maxBytes) throw new BlobTooLargeError(path, hit.size, maxBytes, where)
    const { stdout: content } = await runGit(['cat-file', 'blob', hit.oid], {
      cwd: repo,
      maxBytes,
      timeoutMs: BLOB_STREAM_TIMEOUT_MS
    })
    return content
  }
  return null
}

interface RawTreeEntry {
  mode: string
  type: 'blob' | 'tree' | 'commit'
  oid: string
  size: number
  rawPath: Buffer
}

/** Parses `git ls-tree -z -l` output: `<mode> <type> <oid> <size>\t<path>\0` (size `-` for trees and gitlinks). */
export function parseLsTree(output: Buffer): RawTreeEntry[] {
  const entries: RawTreeEntry[] = []
  let pos = 0
  while (pos < output.length) {
    const end = output.indexOf(0, pos)
    if (end < 0) throw new Error(`Unexpected end of git ls-tree output at byte ${pos}`)
    const record = output.subarray(pos, end)
    pos = end + 1
    const tab = record.indexOf(0x09)
    const header = tab < 0 ? '' : record.subarray(0, tab).toString('latin1')
    const m = /^([0-7]{6}) (blob|tree|commit) ([0-9a-f]{40,64}) +(-|\d+)$/.exec(header)
    if (!m)
      throw new Error(
        `Unexpected git ls-tree record: ${JSON.stringify(record.subarray(0, 200).toString('latin1'))}`
      )
    entries.push({
      mode: m[1]!,
      type: m[2] as RawTreeEntry['type'],
      oid: m[3]!,
      size: m[4] === '-' ? 0 : Number(m[4]),
      rawPath: Buffer.from(record.subarray(tab + 1))
    })
  }
  return entries
}

function kindOf(raw: RawTreeEntry, where: string): EntryKind {
  if (raw.type === 'commit' && raw.mode === '160000') return 'submodule'
  if (raw.type === 'blob' && raw.mode === '120000') return 'symlink'
  if (raw.type === 'blob' && raw.mode.startsWith('100')) return 'file'
  // Fail closed on anything git itself would not write.
  throw new Error(
    `${where}: unsupported tree entry mode ${raw.mode} (${raw.type}) at ${JSON.stringify(decodeRawPath(raw.rawPath))}`
  )
}

function memoryFile(content: Buffer, maxRead: number): OpenFile {
  return {
    size: content.length,
    read(offset: number, length: number): Promise<Uint8Array> {
      try {
        const n = checkRange(offset, length, content.length, maxRead)
        return Promise.resolve(Buffer.from(content.subarray(offset, offset + n)))
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)))
      }
    },
    close: () => Promise.resolve()
  }
}

/** Validates a read and returns how many bytes it will return (0 at or past the end). */
function checkRange(offset: number, length: number, size: number, maxRead: number): number {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`Invalid read offset ${offset}`)
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`Invalid read length ${length}`)
  const n = Math.max(0, Math.min(length, size - offset))
  if (n > maxRead) throw new RangeError(`A single read of ${n} bytes exceeds the ${maxRead}-byte limit`)
  return n
}

function sizeMismatch(entry: CommitTreeEntry, got: number, where: string): Error {
  return new Error(
    `${where}: ${JSON.stringify(entry.path)} should be ${entry.size} bytes but git returned ${got}`
  )
}

async function readPrefix(repo: string, oid: string, max: number): Promise<Buffer> {
  const stream = streamGit(['cat-file', 'blob', oid], { cwd: repo })
  const chunks: Buffer[] = []
  let length = 0
  try {
    for await (const chunk of stream) {
      const buf = chunk as Buffer
      chunks.push(buf)
      length += buf.length
      if (length >= max) break
    }
  } finally {
    stream.destroy()
  }
  return Buffer.concat(chunks).subarray(0, max)
}
