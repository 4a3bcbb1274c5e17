import type { FormatId, ModelMetadata, PickleScan } from './types.js'

/**
 * One logical model: a single file or a bundle (SavedModel, TF.js manifest + shards, OpenVINO
 * xml + bin, Hugging Face shards + index, ...). Its identity is `path` plus `digest`.
 */
export interface ModelArtifact {
  /** The artifact: the file, or the bundle's directory or main file. Repo-relative POSIX. */
  path: string
  /** Every member file, sorted. A single-file artifact lists itself. */
  files: string[]
  format: FormatId
  framework: string
  /** sha256 hex of the content; the LFS oid for LFS pointers; a digest over member digests for bundles. */
  digest: string
  /** Where the digest came from, so reports can say "from the LFS pointer" instead of implying a download. */
  digestSource: 'content' | 'lfs-pointer' | 'dvc-pointer' | 'bundle'
  /** Total bytes of all members as stored (for pointers: the size the pointer declares, when it does). */
  size: number
  metadata: ModelMetadata
  /** Set for pickle-based formats (pickle, joblib, legacy PyTorch, PyTorch zip's data.pkl, ...). */
  pickle?: PickleScan
  /** Set when a member claims a model format but is damaged; the gate still judges it. */
  malformed?: string
  /** DVC outputs that resolve outside the repository (`..`, absolute, remote); never followed. */
  escapingOutputs?: string[]
}

/** A tree entry the scan did not classify, and why. Reported, never silently dropped. */
export interface SkippedEntry {
  path: string
  reason: 'symlink' | 'submodule' | 'unreadable'
  detail: string
  /** For symlinks: the link text, recorded and never followed. */
  linkTarget?: string
}

export interface ScanResult {
  artifacts: ModelArtifact[]
  skipped: SkippedEntry[]
  /** How many files were examined (read a header of). Shown so a gate never passes by judging nothing. */
  filesExamined: number
}
