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
}
