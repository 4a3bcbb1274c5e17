import type { ByteSource } from './types.js'

/**
 * A read-only view of a tree of files: the working tree (CLI) or a git commit read as objects
 * (Action). Detection and the gate only ever see files through this interface, so neither
 * follows symlinks, enters submodules, or knows where bytes come from.
 */
export type EntryKind = 'file' | 'symlink' | 'submodule' | 'special'
// 'special': a FIFO, socket or device node found on disk. Never opened (a FIFO blocks); reported.

export interface TreeEntry {
  /** Repo-relative POSIX path, exactly as git or the file system spells it (no normalisation). */
  path: string
  kind: EntryKind
  /** Size in bytes (0 for submodules; the link text length for symlinks). */
  size: number
  /** Symlink target text, never followed. */
  linkTarget?: string
}

/** An opened file: bounded random access plus release. */
export interface OpenFile extends ByteSource {
  close(): Promise<void>
}

/** Result of {@link FileTree.readHeads} for a regular file. */
export interface HeadRead {
  /** The file's size (from fstat of the opened file). */
  size: number
  /** Bytes placed at the start of the caller's buffer: min(size, buffer length), or fewer at EOF. */
  length: number
}

export interface FileTree {
  /** A short description for messages, e.g. `commit 1a2b3c4` or `working tree /repo`. */
  readonly label: string
  /** Every entry in the tree. Implementations list without reading contents. */
  list(): Promise<TreeEntry[]>
  /** Opens a regular file for bounded random access. */
  open(path: string): Promise<OpenFile>
  /**
   * Streams the file through SHA-256 (memory independent of size) and returns lowercase hex.
   * `onProgress`, when given, is called with the bytes hashed so far (implementations may ignore it).
   */
  sha256(path: string, onProgress?: (done: number, total: number) => void): Promise<string>
  /**
   * Optional fast path for full scans, offered together with readHeads. Like list(), except
   * that a `file` entry may carry size -1 (not stat'ed: the listing trusted git's index for the
   * entry's type, and readHeads learns the size and checks the type when it opens the file).
   */
  listForScan?(): Promise<TreeEntry[]>
  /**
   * Optional, offered with listForScan: reads the first min(size, headBytes) bytes of every path
   * in `paths` and calls `visit` once per path, synchronously (helper threads may do the reads; the
   * visits all happen on the caller's thread before readHeads returns, in no particular order).
   * `head` is valid only during the call. The outcome is a HeadRead for a regular file; a TreeEntry
   * when a symlink, directory or special file now sits at the path (never read); undefined when
   * the path is gone; an Error when the file cannot be read.
   */
  readHeads?(
    paths: readonly string[],
    headBytes: number,
    visit: (index: number, outcome: HeadOutcome, head: Uint8Array) => void
  ): void
}

export type HeadOutcome = HeadRead | TreeEntry | undefined | Error
