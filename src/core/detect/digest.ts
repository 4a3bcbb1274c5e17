import { createHash } from 'node:crypto'
import { encodeRawPath } from '../raw-path.js'

/**
 * How a bundle's digest is computed from its members' digests. Member paths are turned into
 * bytes by the one path codec (src/core/raw-path.ts), so non-UTF-8 names hash as their real bytes.
 */

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
  const records = members.map(m => ({ key: encodeRawPath(m.relativePath), sha: m.sha256.toLowerCase() }))
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
