/** Local git: change sets, commit trees read as objects, and fetching what a shallow checkout lacks. */
export { diffChangeSet, diffRange, parseRawDiff } from './change-set.js'
export type { Change, ChangeKind, ChangeSet } from './change-set.js'
export { ensureCommits } from './ensure-commits.js'
export type { EnsureCommitsOptions, EnsureCommitsResult } from './ensure-commits.js'
export { FIX_FETCH_DEPTH, GitSetupError } from './errors.js'
export type { GitSetupCode } from './errors.js'
export {
  BlobTooLargeError,
  CommitTree,
  DEFAULT_MEMORY_LIMIT,
  MAX_LINK_BYTES,
  openCommitTree,
  readBlobAt,
  TreeEntryError
} from './commit-tree.js'
export type { CommitTreeEntry, CommitTreeOptions, TreeEntryProblem } from './commit-tree.js'
export {
  commitExists,
  defaultBranchMergeBase,
  headCommit,
  isAncestor,
  isFullSha,
  isNullSha,
  isShallow,
  mergeBase,
  resolveCommit
} from './repo-info.js'
export type { DefaultBranchBase } from './repo-info.js'
export { GitError, redact, runGit, silentLogger, streamGit } from './run-git.js'
export type { GitResult, Logger, RunGitOptions, StreamGitOptions } from './run-git.js'
export { diffWorkingTree } from './worktree-diff.js'
