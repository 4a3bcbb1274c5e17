import { isUtf8 } from 'node:buffer'
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  closeSync,
  constants as fsConstants,
  fstatSync,
  lstatSync,
  openSync,
  readlinkSync,
  readSync
} from 'node:fs'
import { open, readdir, readlink } from 'node:fs/promises'
import type { EntryKind, FileTree, HeadOutcome, HeadRead, OpenFile, TreeEntry } from '../core/detect/tree.js'
import { decodeRawPath, encodeRawPath } from '../core/raw-path.js'

/**
 * A {@link FileTree} over a directory on disk, for the CLI.
 *
 * Listing: inside a git work tree, `git ls-files -z --cached --others --exclude-standard` run in the
 * directory (so `.gitignore` is honoured and paths are relative to it), with gitlinks (mode 160000 in
 * `git ls-files -s -z`) and untracked nested repositories reported as submodules. Elsewhere, a
 * bounded walk of the file system that skips `.git`. Names are read as bytes and decoded with the
 * surrogate escape of `digest.ts`, so non-UTF-8 names stay exact. Nothing is followed: every entry is
 * `lstat`ed, symlinks are reported with their link text, and files are opened with `O_NOFOLLOW`.
 *
 * Full scans use listForScan + readHeadSync instead: the types of tracked paths come from the
 * modes in git's index (`git ls-files -s`: 120000 symlink, 160000 gitlink), so the 100,000 files of
 * a large repository are not `lstat`ed one by one. Each is opened once (`O_NOFOLLOW | O_NONBLOCK`)
 * and `fstat`ed, which both gives its size and checks that the working tree still holds a regular
 * file there: a symlink (the open fails with ELOOP), a directory or a special file found in its
 * place is reported as such, unread; a path deleted since it was staged is left out, as list()
 * does. Untracked files (`--others --exclude-standard`) are few and are `lstat`ed as before.
 */
export interface WorkingTreeOptions {
  /** Use git to list when the directory is in a git work tree (default true). */
  useGit?: boolean
  /** Refuse to list more entries than this (default 5,000,000); listing fails rather than truncates. */
  maxEntries?: number
  /** Deepest directory nesting the fs walk enters (default 512); deeper fails the listing. */
  maxDepth?: number
}

/** Chunk size of streamed hashing. Memory is independent of file size. */
export const HASH_CHUNK_BYTES = 1024 * 1024
/** The largest single read an opened file serves; detectors read headers, never whole files. */
export const MAX_SINGLE_READ_BYTES = 64 * 1024 * 1024

const GIT_MAX_OUTPUT_BYTES = 2 * 1024 * 1024 * 1024

export class ListingError extends Error {
  override name = 'ListingError'
}

export class WorkingTree implements FileTree {
  readonly label: string
  private readonly root: string
  private readonly options: Required<WorkingTreeOptions>
  private readonly rootEscaped: boolean
  private hashBuf: Buffer = Buffer.alloc(0)

  constructor(root: string, options: WorkingTreeOptions = {}) {
    this.root = root
    this.rootEscaped = HAS_ESCAPED_BYTE.test(root)
    this.label = `working tree ${root}`
    this.options = {
      useGit: options.useGit ?? true,
      maxEntries: options.maxEntries ?? 5_000_000,
      maxDepth: options.maxDepth ?? 512
    }
  }

  /** Absolute path; raw bytes when the name holds escaped non-UTF-8 bytes, so they reach the fs unchanged. */
  private abs(path: string): string | Buffer {
    if (
      path === '' ||
      path.startsWith('/') ||
      path.startsWith('../') ||
      path.includes('/../') ||
      path.endsWith('/..') ||
      path === '..'
    ) {
      throw new Error(`path outside the tree: ${JSON.stringify(path)}`)
    }
    if (!this.rootEscaped && !HAS_ESCAPED_BYTE.test(path)) return `${this.root}/${path}`
    return Buffer.concat([encodeRawPath(this.root), Buffer.from('/'), encodeRawPath(path)])
  }

  async list(): Promise<TreeEntry[]> {
    const git = this.options.useGit ? await this.gitListing() : undefined
    if (git === undefined) return this.walk()
    const entries: TreeEntry[] = []
    const files: string[] = []
    for (const path of git.paths) {
      if (git.gitlinks.has(path)) entries.push({ path, kind: 'submodule', size: 0 })
      else if (path.endsWith('/')) entries.push({ path: path.slice(0, -1), kind: 'submodule', size: 0 })
      else files.push(path)
    }
    if (files.length + entries.length > this.options.maxEntries) {
      throw new ListingError(`${this.label}: more than ${this.options.maxEntries} entries`)
    }
    for (const p of files) {
      const e = await this.statEntry(p)
      if (e) entries.push(e)
    }
    return entries
  }

  /** See the class comment: git's index modes instead of an lstat per tracked path. */
  async listForScan(): Promise<TreeEntry[]> {
    if (!this.options.useGit) return this.walk()
    // The three git calls run at once; the listings count only inside a work tree.
    const inside = this.insideGitWorkTree()
    // Both listings are parsed as git streams them (no copy of the whole output is kept), and
    // settled together at once so that their failure outside a work tree is not left unhandled.
    const entries: TreeEntry[] = []
    const later: string[] = []
    /** Paths seen at a merge stage 1..3 (a conflict lists a path once per stage). */
    const conflicted = new Set<string>()
    const listings = Promise.allSettled([
      runGitRecords(this.root, ['ls-files', '-z', '-s'], rec => {
        // `<mode> <object> <stage>\t<path>`; a stage-0 path appears once.
        const tab = rec.indexOf(0x09)
        if (tab < 8) return
        const path = decodePath(rec.subarray(tab + 1))
        if (rec[tab - 1] !== 0x30) {
          if (conflicted.has(path)) return
          conflicted.add(path)
        }
        if (isMode(rec, '100644 ') || isMode(rec, '100755 ')) entries.push({ path, kind: 'file', size: -1 })
        else if (isMode(rec, '160000 ')) entries.push({ path, kind: 'submodule', size: 0 })
        else later.push(path) // symlinks (120000) and anything unexpected: lstat decides
      }),
      runGitRecords(this.root, ['ls-files', '-z', '--others', '--exclude-standard'], rec => {
        const path = decodePath(rec)
        if (path.endsWith('/')) entries.push({ path: path.slice(0, -1), kind: 'submodule', size: 0 })
        else later.push(path)
      })
    ])
    if (!(await inside)) {
      await listings
      return this.walk()
    }
    for (const r of await listings) if (r.status === 'rejected') throw asError(r.reason)
    if (entries.length + later.length > this.options.maxEntries) {
      throw new ListingError(`${this.label}: more than ${this.options.maxEntries} entries`)
    }
    for (const p of later) {
      const e = await this.statEntry(p)
      if (e) entries.push(e)
    }
    return entries
  }

  /**
   * See FileTree.readHeads: one reused buffer, synchronous calls (see openNow for why). Helper
   * threads were measured (`npm run bench`, 2 cores) and did not pay: the open/fstat/read/close
   * calls are kernel time that a second thread on a busy 2-core runner barely overlaps, and each
   * thread cost ~60 MB of RSS.
   */
  readHeads(
    paths: readonly string[],
    headBytes: number,
    visit: (index: number, outcome: HeadOutcome, head: Uint8Array) => void
  ): void {
    const buf = new Uint8Array(headBytes)
    const none = buf.subarray(0, 0)
    for (let i = 0; i < paths.length; i++) {
      let outcome: HeadOutcome
      try {
        outcome = this.readHeadSync(paths[i]!, buf)
      } catch (err) {
        outcome = err instanceof Error ? err : new Error(String(err))
      }
      const read =
        outcome === undefined || outcome instanceof Error || 'kind' in outcome ? undefined : outcome
      visit(i, outcome, read ? buf.subarray(0, read.length) : none)
    }
  }

  /** One path of readHeads, on this thread (see listForScan for what is checked). */
  readHeadSync(path: string, buf: Uint8Array): HeadRead | TreeEntry | undefined {
    const abs = this.abs(path)
    let fd: number
    try {
      fd = openSync(abs, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | O_NONBLOCK)
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined
      // ELOOP (a symlink now sits there), ENXIO (a socket), ...: what is on disk decides.
      let st
      try {
        st = lstatSync(abs)
      } catch {
        throw err
      }
      if (st.isSymbolicLink()) {
        const target = readlinkSync(abs, { encoding: 'buffer' })
        return { path, kind: 'symlink', size: target.length, linkTarget: decodeRawPath(target) }
      }
      if (st.isDirectory()) return { path, kind: 'submodule', size: 0 }
      if (!st.isFile()) return { path, kind: 'special', size: 0 }
      throw err
    }
    try {
      const st = fstatSync(fd)
      if (st.isDirectory()) return { path, kind: 'submodule', size: 0 }
      if (!st.isFile()) return { path, kind: 'special', size: 0 }
      const want = Math.min(st.size, buf.length)
      let got = 0
      while (got < want) {
        const n = readSync(fd, buf, got, want - got, got)
        if (n === 0) break
        got += n
      }
      return { size: st.size, length: got }
    } finally {
      closeSync(fd)
    }
  }

  /**
   * lstat one listed path; undefined when it is gone from disk (deleted but still in the index).
   * Synchronous for the same reason as open(): one tiny call per file, threadpool hops dominate.
   */
  private async statEntry(path: string): Promise<TreeEntry | undefined> {
    const abs = this.abs(path)
    let st
    try {
      st = lstatSync(abs)
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined
      throw err
    }
    return this.entryFromStat(path, abs, st)
  }

  private async entryFromStat(
    path: string,
    abs: string | Buffer,
    st: { isSymbolicLink(): boolean; isFile(): boolean; isDirectory(): boolean; size: number }
  ): Promise<TreeEntry | undefined> {
    if (st.isSymbolicLink()) {
      const target = await readlink(abs, { encoding: 'buffer' })
      return { path, kind: 'symlink', size: target.length, linkTarget: decodeRawPath(target) }
    }
    if (st.isFile()) return { path, kind: 'file', size: st.size }
    if (st.isDirectory()) return { path, kind: 'submodule', size: 0 } // a nested repo's directory
    // FIFOs, sockets and devices are not files: opening a FIFO would block forever.
    return { path, kind: 'special' satisfies EntryKind, size: 0 }
  }

  /** The git listing, or undefined when the directory is not in a git work tree or git is missing. */
  private async gitListing(): Promise<{ paths: string[]; gitlinks: Set<string> } | undefined> {
    if (!(await this.insideGitWorkTree())) return undefined
    const listing = await runGit(this.root, ['ls-files', '-z', '--cached', '--others', '--exclude-standard'])
    const staged = await runGit(this.root, ['ls-files', '-z', '-s'])
    const paths = splitNul(listing).map(decodeRawPath)
    const gitlinks = new Set<string>()
    for (const rec of splitNul(staged)) {
      // `<mode> <object> <stage>\t<path>`
      const tab = rec.indexOf(0x09)
      if (tab < 0) continue
      if (rec.subarray(0, 7).toString('latin1') === '160000 ')
        gitlinks.add(decodeRawPath(rec.subarray(tab + 1)))
    }
    // Conflicted paths appear once per stage in the listing.
    return { paths: [...new Set(paths)], gitlinks }
  }

  private async insideGitWorkTree(): Promise<boolean> {
    try {
      const inside = await runGit(this.root, ['rev-parse', '--is-inside-work-tree'])
      return inside.toString('utf8').trim() === 'true'
    } catch {
      return false
    }
  }

  /** Bounded walk of the file system when git is not available. */
  private async walk(): Promise<TreeEntry[]> {
    const entries: TreeEntry[] = []
    const stack: { dir: string; depth: number }[] = [{ dir: '', depth: 0 }]
    while (stack.length > 0) {
      const { dir, depth } = stack.pop()!
      if (depth > this.options.maxDepth) {
        throw new ListingError(`${this.label}: directories nested deeper than ${this.options.maxDepth}`)
      }
      const absDir = dir === '' ? encodeRawPath(this.root) : this.abs(dir)
      const names = await readdir(absDir, { encoding: 'buffer' })
      const children: string[] = []
      for (const raw of names) {
        const name = decodeRawPath(raw)
        if (name === '.git') continue // git's own object store, at the root or in a nested repository
        children.push(dir === '' ? name : `${dir}/${name}`)
      }
      if (entries.length + children.length > this.options.maxEntries) {
        throw new ListingError(`${this.label}: more than ${this.options.maxEntries} entries`)
      }
      const stated: { dir?: string; entry?: TreeEntry | undefined }[] = []
      for (const path of children) {
        const abs = this.abs(path)
        const st = lstatSync(abs)
        stated.push(st.isDirectory() ? { dir: path } : { entry: await this.entryFromStat(path, abs, st) })
      }
      for (const s of stated) {
        if (s.dir !== undefined) stack.push({ dir: s.dir, depth: depth + 1 })
        else if (s.entry) entries.push(s.entry)
      }
    }
    return entries
  }

  open(path: string): Promise<OpenFile> {
    try {
      return Promise.resolve(this.openNow(path))
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)))
    }
  }

  private openNow(path: string): OpenFile {
    // Synchronous calls on purpose: a scan opens every file once for a small head read, and on a
    // page-cached tree a libuv threadpool round trip per call costs several times the call itself
    // (measured by `npm run bench`). Reads are bounded, so no call blocks for long.
    const fd = openSync(this.abs(path), fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | O_NONBLOCK)
    let size: number
    try {
      const st = fstatSync(fd)
      if (!st.isFile()) throw new Error(`not a regular file: ${JSON.stringify(path)}`)
      size = st.size
    } catch (err) {
      closeSync(fd)
      throw err
    }
    let closed = false
    return {
      size,
      read(offset: number, length: number): Promise<Uint8Array> {
        if (closed) return Promise.reject(new Error('read after close'))
        if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
          return Promise.reject(new RangeError(`bad read range ${offset}+${length}`))
        }
        if (length > MAX_SINGLE_READ_BYTES) {
          return Promise.reject(new RangeError(`read of ${length} bytes exceeds ${MAX_SINGLE_READ_BYTES}`))
        }
        try {
          const n = Math.max(0, Math.min(length, size - offset))
          const buf = Buffer.allocUnsafe(n)
          let got = 0
          while (got < n) {
            const bytesRead = readSync(fd, buf, got, n - got, offset + got)
            if (bytesRead === 0) break
            got += bytesRead
          }
          return Promise.resolve(got === n ? buf : buf.subarray(0, got))
        } catch (err) {
          return Promise.reject(err instanceof Error ? err : new Error(String(err)))
        }
      },
      close(): Promise<void> {
        if (!closed) {
          closed = true
          closeSync(fd)
        }
        return Promise.resolve()
      }
    }
  }

  async sha256(path: string, onProgress?: (done: number, total: number) => void): Promise<string> {
    const abs = this.abs(path)
    // Files up to one chunk (nearly every model of a source tree) are hashed with synchronous
    // calls, for the reason given in openNow(); larger ones are streamed through a fixed buffer.
    const small = this.sha256Small(abs, path, onProgress)
    if (small !== undefined) return small
    const handle = await open(abs, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | O_NONBLOCK)
    try {
      const st = await handle.stat()
      if (!st.isFile()) throw new Error(`not a regular file: ${JSON.stringify(path)}`)
      const hash = createHash('sha256')
      const buf = Buffer.allocUnsafe(HASH_CHUNK_BYTES)
      let done = 0
      for (;;) {
        const { bytesRead } = await handle.read(buf, 0, HASH_CHUNK_BYTES, done)
        if (bytesRead === 0) break
        hash.update(buf.subarray(0, bytesRead))
        done += bytesRead
        onProgress?.(done, st.size)
      }
      return hash.digest('hex')
    } finally {
      await handle.close()
    }
  }

  /** Digest of a regular file of at most HASH_CHUNK_BYTES, read in one go; undefined when larger. */
  private sha256Small(
    abs: string | Buffer,
    path: string,
    onProgress?: (done: number, total: number) => void
  ): string | undefined {
    const fd = openSync(abs, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | O_NONBLOCK)
    try {
      const st = fstatSync(fd)
      if (!st.isFile()) throw new Error(`not a regular file: ${JSON.stringify(path)}`)
      if (st.size > HASH_CHUNK_BYTES) return undefined
      // One buffer, grown to the largest small file seen (at most HASH_CHUNK_BYTES), serves them all.
      if (this.hashBuf.length < st.size) this.hashBuf = Buffer.allocUnsafe(Math.max(st.size, 64 * 1024))
      const buf = this.hashBuf
      let got = 0
      while (got < st.size) {
        const n = readSync(fd, buf, got, st.size - got, got)
        if (n === 0) break
        got += n
      }
      onProgress?.(got, st.size)
      return createHash('sha256').update(buf.subarray(0, got)).digest('hex')
    } finally {
      closeSync(fd)
    }
  }
}

/** Lone low surrogates in U+DC80..U+DCFF: bytes of a non-UTF-8 name (see digest.ts). */
const HAS_ESCAPED_BYTE = /[\udc80-\udcff]/

/** O_NONBLOCK keeps a FIFO swapped in after listing from hanging the open; regular files ignore it. */
const O_NONBLOCK = fsConstants.O_NONBLOCK

/** Creates a {@link FileTree} over `dir`. */
export function workingTree(dir: string, options?: WorkingTreeOptions): WorkingTree {
  return new WorkingTree(dir, options)
}

function splitNul(buf: Buffer): Buffer[] {
  const out: Buffer[] = []
  let start = 0
  for (;;) {
    const i = buf.indexOf(0, start)
    if (i < 0) break
    if (i > start) out.push(buf.subarray(start, i))
    start = i + 1
  }
  if (start < buf.length) out.push(buf.subarray(start))
  return out
}

/** A path from git's output: UTF-8 as is, other bytes escaped (digest.ts). */
function decodePath(rec: Buffer): string {
  return isUtf8(rec) ? rec.toString('utf8') : decodeRawPath(rec)
}

function isMode(rec: Buffer, mode: string): boolean {
  for (let i = 0; i < mode.length; i++) if (rec[i] !== mode.charCodeAt(i)) return false
  return true
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e))
}

/**
 * Runs git and calls `onRecord` with each NUL-terminated record of its output as it streams in
 * (a record split across chunks is joined first). Rejects like runGit.
 */
function runGitRecords(cwd: string, args: string[], onRecord: (rec: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-c', 'core.quotePath=false', ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' }
    })
    let pending: Buffer | undefined
    let bytes = 0
    let stderr = ''
    let failed: unknown
    child.stdout.on('data', (c: Buffer) => {
      bytes += c.length
      if (bytes > GIT_MAX_OUTPUT_BYTES || failed !== undefined) {
        child.kill()
        return
      }
      const buf = pending === undefined ? c : Buffer.concat([pending, c])
      let start = 0
      try {
        for (let i = buf.indexOf(0); i >= 0; i = buf.indexOf(0, start)) {
          if (i > start) onRecord(buf.subarray(start, i))
          start = i + 1
        }
      } catch (err) {
        failed = err
        child.kill()
        return
      }
      pending = start < buf.length ? Buffer.from(buf.subarray(start)) : undefined
    })
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 4096) stderr += c.toString('utf8')
    })
    child.on('error', reject)
    child.on('close', code => {
      if (failed !== undefined) reject(asError(failed))
      else if (bytes > GIT_MAX_OUTPUT_BYTES) reject(new ListingError(`git ${args[0]}: output too large`))
      else if (code !== 0)
        reject(new ListingError(`git ${args.join(' ')} failed (${code}): ${stderr.trim()}`))
      else {
        if (pending !== undefined && pending.length > 0) onRecord(pending)
        resolve()
      }
    })
  })
}

function runGit(cwd: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-c', 'core.quotePath=false', ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' }
    })
    const chunks: Buffer[] = []
    let bytes = 0
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => {
      bytes += c.length
      if (bytes > GIT_MAX_OUTPUT_BYTES) {
        child.kill()
        return
      }
      chunks.push(c)
    })
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 4096) stderr += c.toString('utf8')
    })
    child.on('error', reject)
    child.on('close', code => {
      if (bytes > GIT_MAX_OUTPUT_BYTES) reject(new ListingError(`git ${args[0]}: output too large`))
      else if (code === 0) resolve(Buffer.concat(chunks))
      else reject(new ListingError(`git ${args.join(' ')} failed (${code}): ${stderr.trim()}`))
    })
  })
}

function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code
}
