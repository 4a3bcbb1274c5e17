import { createHash } from 'node:crypto'
import { isUtf8 } from 'node:buffer'

/**
 * Identity helpers: how a path becomes bytes (and back), and how a bundle's digest is computed
 * from its members' digests.
 *
 * ## Paths as strings ("surrogate escape")
 *
 * Git and POSIX file names are byte strings; Node strings are UTF-16. A name that is valid UTF-8
 * decodes normally. Every byte of a name that is NOT part of a valid UTF-8 sequence becomes the lone
 * surrogate U+DC00 + byte (U+DC80..U+DCFF), as Python's `surrogateescape` does. Lone surrogates can
 * never come from decoding valid UTF-8, so the mapping is exact and reversible: two different byte
 * names never become the same string, and {@link pathToBytes} gives the original bytes back for file
 * system calls and digests. JSON output shows such bytes as `\udcNN`.
 */

/** Decodes a file name from raw bytes, escaping invalid UTF-8 bytes as lone surrogates U+DC80..U+DCFF. */
export function bytesToPath(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (isUtf8(buf)) return buf.toString('utf8')
  let out = ''
  let i = 0
  const n = buf.length
  while (i < n) {
    const b0 = buf[i]!
    if (b0 < 0x80) {
      out += String.fromCharCode(b0)
      i += 1
      continue
    }
    const len = utf8SequenceLength(buf, i)
    if (len === 0) {
      out += String.fromCharCode(0xdc00 + b0)
      i += 1
    } else {
      out += buf.toString('utf8', i, i + len)
      i += len
    }
  }
  return out
}

/** Length of the valid UTF-8 sequence starting at `i` (2..4), or 0 when the byte starts none. */
function utf8SequenceLength(buf: Buffer, i: number): number {
  const b0 = buf[i]!
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const b = buf[i + k]
    return b !== undefined && b >= lo && b <= hi
  }
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0
  if ((b0 >= 0xe1 && b0 <= 0xec) || b0 === 0xee || b0 === 0xef) return cont(1) && cont(2) ? 3 : 0
  if (b0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0 // no UTF-16 surrogates
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0
  return 0
}

const ESCAPED_BYTE = /[\udc80-\udcff]/

/** The raw bytes of a path produced by {@link bytesToPath} (UTF-8, with escaped bytes restored). */
export function pathToBytes(path: string): Buffer {
  if (!ESCAPED_BYTE.test(path)) return Buffer.from(path, 'utf8')
  const parts: Buffer[] = []
  let start = 0
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i)
    if (c < 0xdc80 || c > 0xdcff) continue
    const prev = i > 0 ? path.charCodeAt(i - 1) : 0
    if (prev >= 0xd800 && prev <= 0xdbff) continue // the low half of a real surrogate pair
    parts.push(Buffer.from(path.slice(start, i), 'utf8'), Buffer.from([c - 0xdc00]))
    start = i + 1
  }
  parts.push(Buffer.from(path.slice(start), 'utf8'))
  return Buffer.concat(parts)
}

/** Compares two paths by their raw bytes (the order of `LC_ALL=C sort`). */
export function compareRawPaths(a: string, b: string): number {
  return Buffer.compare(pathToBytes(a), pathToBytes(b))
}

export interface BundleMemberDigest {
  /** Member path relative to the bundle root (POSIX, no leading `./`). */
  relativePath: string
  /** Lowercase hex sha256 of the member's content (an LFS pointer member contributes its oid). */
  sha256: string
}

/**
 * The digest of a bundle, reproducible outside ModelGate.
 *
 * Definition: for every member, the record `<sha256 hex>  <relative path>\0` (64 lowercase hex
 * digits, two spaces, the member's path relative to the bundle root as raw bytes, one NUL byte),
 * records sorted by the raw bytes of the relative path; the bundle digest is the lowercase hex
 * sha256 of their concatenation. The bundle root is the bundle directory (SavedModel, `.mlpackage`)
 * or the directory that holds the bundle's main file (TF.js manifest, OpenVINO `.xml`, Hugging Face
 * index, ...). NUL ends each record because it is the only byte a path cannot hold, so no two member
 * sets give the same byte stream. With GNU coreutils:
 *
 * ```sh
 * cd BUNDLE_ROOT && printf '%s\0' MEMBER... | LC_ALL=C sort -z | xargs -0 sha256sum --zero | sha256sum
 * ```
 */
export function bundleDigest(members: readonly BundleMemberDigest[]): string {
  const records = members.map(m => ({ key: pathToBytes(m.relativePath), sha: m.sha256.toLowerCase() }))
  records.sort((a, b) => Buffer.compare(a.key, b.key))
  const hash = createHash('sha256')
  for (const r of records) {
    hash.update(`${r.sha}  `, 'latin1')
    hash.update(r.key)
    hash.update(NUL)
  }
  return hash.digest('hex')
}

const NUL = Buffer.from([0])

/** Path of `path` relative to `root` ('' = repository root). `path` must lie under `root`. */
export function relativeTo(root: string, path: string): string {
  return root === '' ? path : path.slice(root.length + 1)
}
