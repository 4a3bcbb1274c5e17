/**
 * The change set: what a pull request, merge-queue entry or push changed, from local git (the
 * source of truth; the API is only a capped fallback). Output is parsed NUL-separated (`-z`) and
 * raw (`--raw`, full ids, modes), so odd names, symlinks (120000), gitlinks (160000) and type
 * changes all survive. Paths are decoded by {@link decodeRawPath} (non-UTF-8 bytes are
 * surrogate-escaped, losslessly; see paths.ts).
 */
import { FIX_FETCH_DEPTH, GitSetupError } from './errors.js'
import { decodeRawPath } from '../core/raw-path.js'
import { isNullSha, mergeBase as findMergeBase, isShallow, resolveCommit, gitIn } from './repo-info.js'
import { runGit, silentLogger, type GitResult, type Logger } from './run-git.js'

export type ChangeKind = 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'type-changed'

export interface Change {
  kind: ChangeKind
  /** Path at head (for `deleted`: the path that was removed). */
  path: string
  /** Path before, for `renamed` and `copied`. A moved registered model keeps its old path here. */
  oldPath?: string
  /** Mode at head, e.g. '100644', '100755', '120000' symlink, '160000' submodule. Absent for `deleted`. */
  mode?: string
  /** Mode before. Absent for `added`. */
  oldMode?: string
  /** Object id at head (blob, or commit for a gitlink). Absent for `deleted`. */
  oid?: string
  /** Object id before. Absent for `added`. */
  oldOid?: string
  /** Similarity percentage for `renamed` and `copied` (100 = identical content). */
  similarity?: number
}

export interface ChangeSet {
  /** Full commit id of the base. */
  base: string
  /** Full commit id of the head. */
  head: string
  /** The commit the diff starts from: merge-base(base, head), or `from` for {@link diffRange}. */
  mergeBase: string
  changes: Change[]
}

/** Raw diff output can be large for huge change sets; 256 MiB is ~2 million changes. */
const MAX_DIFF_BYTES = 256 * 1024 * 1024

/**
 * Diffs merge-base(base, head)..head: what the head branch changed, never what the base branch did
 * since. Fails closed: a missing commit or a shallow clone that hides the merge base throws a
 * {@link GitSetupError} (call `ensureCommits` first to fetch what is missing).
 */
export async function diffChangeSet(
  repo: string,
  base: string,
  head: string,
  log: Logger = silentLogger
): Promise<ChangeSet> {
  const baseSha = await resolveCommit(repo, base)
  const headSha = await resolveCommit(repo, head)
  const mb = await findMergeBase(repo, baseSha, headSha)
  if (!mb) {
    if (await isShallow(repo)) {
      throw new GitSetupError(
        'no-merge-base',
        `The merge base of ${baseSha} and ${headSha} is not in this shallow checkout.`,
        FIX_FETCH_DEPTH
      )
    }
    throw new GitSetupError(
      'no-merge-base',
      `The base ${baseSha} and head ${headSha} share no history, so there is no change set to judge.`,
      'Compare branches with a common history, or run a full scan (a release or workflow_dispatch run judges the whole tree).'
    )
  }
  log.debug(`change set: merge base ${mb} of base ${baseSha} and head ${headSha}`)
  const changes = await rawDiff(repo, mb, headSha, log)
  return { base: baseSha, head: headSha, mergeBase: mb, changes }
}

/**
 * Diffs `from..to` directly (push events: `before..after`), with no merge base. `mergeBase` in the
 * result is `from`. A null `from` (a new branch) is refused: the caller must do a full scan.
 */
export async function diffRange(
  repo: string,
  from: string,
  to: string,
  log: Logger = silentLogger
): Promise<ChangeSet> {
  if (isNullSha(from)) {
    throw new GitSetupError(
      'invalid-ref',
      `The range starts at the null commit ${from} (a new branch), so it has no diff.`,
      'Scan the whole tree at the pushed commit instead.'
    )
  }
  const fromSha = await resolveCommit(repo, from)
  const toSha = await resolveCommit(repo, to)
  const changes = await rawDiff(repo, fromSha, toSha, log)
  return { base: fromSha, head: toSha, mergeBase: fromSha, changes }
}

async function rawDiff(repo: string, from: string, to: string, log: Logger): Promise<Change[]> {
  const args = [
    'diff',
    '-z',
    '--raw',
    '-M',
    '-C',
    '--no-abbrev',
    '--no-ext-diff',
    '--no-textconv',
    '--no-color',
    '--no-relative',
    '--ignore-submodules=none',
    from,
    to,
    '--'
  ]
  // gitIn classifies "not a repository"; anything else is a GitError and fails closed.
  const { stdout, stderr } = await runDiff(repo, args)
  for (const line of stderr.split('\n')) {
    const text = line.trim()
    // e.g. "warning: exhaustive rename detection was skipped due to too many files."
    if (text) log.warning(`git diff: ${text} (renames may show as a delete plus an add)`)
  }
  return parseRawDiff(stdout)
}

async function runDiff(repo: string, args: string[]): Promise<GitResult> {
  try {
    return await runGit(args, { cwd: repo, maxBytes: MAX_DIFF_BYTES })
  } catch (error) {
    // Reuse the repository classification (not a repository, dubious ownership).
    await gitIn(repo, ['rev-parse', '--git-dir'])
    throw error
  }
}

const STATUS_KIND: Record<string, ChangeKind | undefined> = {
  A: 'added',
  M: 'modified',
  D: 'deleted',
  R: 'renamed',
  C: 'copied',
  T: 'type-changed'
}

/**
 * Parses `git diff --raw -z --no-abbrev` output. Each record is
 * `:<srcmode> <dstmode> <srcoid> <dstoid> <status>[score]\0<path>\0` plus a second `<path>\0` for
 * R and C. Anything unexpected (an unmerged `U` entry, a truncated record) throws: a change set we
 * cannot read completely is never judged as if it were complete.
 */
export function parseRawDiff(output: Buffer): Change[] {
  const changes: Change[] = []
  let pos = 0
  const next = (): Buffer => {
    const end = output.indexOf(0, pos)
    if (end < 0) throw new Error(`Unexpected end of git diff output at byte ${pos}`)
    const field = output.subarray(pos, end)
    pos = end + 1
    return field
  }
  while (pos < output.length) {
    const header = next().toString('latin1')
    const m = /^:([0-7]{6}) ([0-7]{6}) ([0-9a-f]{40,64}) ([0-9a-f]{40,64}) ([A-Z])(\d*)$/.exec(header)
    if (!m) throw new Error(`Unexpected git diff record: ${JSON.stringify(header.slice(0, 200))}`)
    const [, srcMode, dstMode, srcOid, dstOid, status, score] = m as unknown as [
      string,
      string,
      string,
      string,
      string,
      string,
      string
    ]
    const kind = STATUS_KIND[status]
    if (!kind) {
      throw new Error(
        `Unsupported git diff status ${status} (unmerged or unknown entry); cannot judge this change set`
      )
    }
    const first = decodeRawPath(next())
    const change: Change = { kind, path: first }
    if (kind === 'renamed' || kind === 'copied') {
      change.oldPath = first
      change.path = decodeRawPath(next())
    }
    if (kind !== 'deleted') {
      change.mode = dstMode
      change.oid = dstOid
    }
    if (kind !== 'added') {
      change.oldMode = srcMode
      change.oldOid = srcOid
    }
    if (score && (kind === 'renamed' || kind === 'copied')) change.similarity = Number(score)
    changes.push(change)
  }
  return changes
}
