/** Small questions about a repository. All take the repository directory first. */
import { classifyRepoError, GitSetupError } from './errors.js'
import { GitError, runGit, type GitResult } from './run-git.js'

const SHA_RE = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/

/** True for a full hex object id (SHA-1 or SHA-256), lowercase. */
export function isFullSha(value: string): boolean {
  return SHA_RE.test(value)
}

/** An all-zero id, as `before` of a push that created a branch. */
export function isNullSha(value: string): boolean {
  return /^0+$/.test(value) && (value.length === 40 || value.length === 64)
}

/** Runs git, turning "not a repository"-type failures into {@link GitSetupError}, even for tolerated exit codes. */
export async function gitIn(repo: string, args: string[], okExitCodes?: number[]): Promise<GitResult> {
  let result: GitResult
  try {
    result = await runGit(args, { cwd: repo, ...(okExitCodes ? { okExitCodes } : {}) })
  } catch (error) {
    throw classifyRepoError(repo, error)
  }
  if (result.exitCode !== 0) {
    const classified = classifyRepoError(repo, new GitError(args, 'exit', result.exitCode, result.stderr))
    if (classified instanceof GitSetupError) throw classified
  }
  return result
}

/** Throws a {@link GitSetupError} unless `repo` is inside a git repository git is willing to read. */
export async function assertRepository(repo: string): Promise<void> {
  await gitIn(repo, ['rev-parse', '--git-dir'])
}

/** Whether the repository is a shallow clone. */
export async function isShallow(repo: string): Promise<boolean> {
  const { stdout } = await gitIn(repo, ['rev-parse', '--is-shallow-repository'])
  return stdout.toString('utf8').trim() === 'true'
}

/**
 * Resolves a ref, tag or (abbreviated) id to the full commit id. Throws a {@link GitSetupError}
 * (`invalid-ref`) when it names no commit. Refs starting with `-` are refused (they would be read
 * as options).
 */
export async function resolveCommit(repo: string, ref: string): Promise<string> {
  if (ref === '' || ref.startsWith('-') || /[\0\n]/.test(ref)) {
    throw new GitSetupError(
      'invalid-ref',
      `\`${JSON.stringify(ref)}\` is not a valid git revision.`,
      'Pass a commit id, branch or tag.'
    )
  }
  const { stdout, exitCode } = await gitIn(
    repo,
    ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`],
    [1, 128]
  )
  const sha = stdout.toString('utf8').trim()
  if (exitCode !== 0 || !isFullSha(sha)) {
    throw new GitSetupError(
      isFullSha(ref) ? 'missing-commit' : 'invalid-ref',
      isFullSha(ref)
        ? `The commit ${ref} is not in this checkout.`
        : `\`${ref}\` does not name a commit in ${repo}.`,
      isFullSha(ref)
        ? 'Set `fetch-depth: 0` on actions/checkout.'
        : 'Pass an existing commit id, branch or tag (fetch it first if it is remote).'
    )
  }
  return sha
}

/** The commit HEAD points at. */
export async function headCommit(repo: string): Promise<string> {
  return resolveCommit(repo, 'HEAD')
}

/** Whether the commit object exists locally (never fetches, also not in partial clones). */
export async function commitExists(repo: string, sha: string): Promise<boolean> {
  if (sha.startsWith('-')) return false
  const { exitCode } = await gitIn(repo, ['cat-file', '-e', `${sha}^{commit}`], [1, 128])
  return exitCode === 0
}

/** Whether `ancestor` is an ancestor of (or equal to) `descendant`. */
export async function isAncestor(repo: string, ancestor: string, descendant: string): Promise<boolean> {
  const { exitCode } = await gitIn(repo, ['merge-base', '--is-ancestor', ancestor, descendant], [1])
  return exitCode === 0
}

/** The merge base of two commits, or null when they share no history (or a shallow clone hides it). */
export async function mergeBase(repo: string, a: string, b: string): Promise<string | null> {
  const { stdout, exitCode } = await gitIn(repo, ['merge-base', a, b], [1])
  const sha = stdout.toString('utf8').trim()
  return exitCode === 0 && isFullSha(sha) ? sha : null
}

export interface DefaultBranchBase {
  /** The ref that was used, e.g. `origin/main`. */
  ref: string
  /** Its commit. */
  base: string
  /** merge-base(ref, HEAD). */
  mergeBase: string
}

/**
 * For the CLI's `check` without `--base`: the merge base of HEAD with the default branch, tried as
 * `origin/HEAD`, `origin/main`, `origin/master`, `main`, `master`. Throws a {@link GitSetupError}
 * when none exists or none shares history with HEAD.
 */
export async function defaultBranchMergeBase(repo: string): Promise<DefaultBranchBase> {
  const head = await headCommit(repo)
  const candidates: string[] = []
  const sym = await gitIn(repo, ['symbolic-ref', '--quiet', 'refs/remotes/origin/HEAD'], [1, 128])
  const target = sym.stdout.toString('utf8').trim()
  if (sym.exitCode === 0 && target.startsWith('refs/remotes/'))
    candidates.push(target.slice('refs/'.length + 'remotes/'.length))
  candidates.push('origin/main', 'origin/master', 'main', 'master')
  for (const ref of candidates) {
    const { stdout, exitCode } = await gitIn(
      repo,
      [
        'rev-parse',
        '--verify',
        '--quiet',
        `refs/${ref.startsWith('origin/') ? 'remotes/' : 'heads/'}${ref}^{commit}`
      ],
      [1, 128]
    )
    if (exitCode !== 0) continue
    const base = stdout.toString('utf8').trim()
    const mb = await mergeBase(repo, base, head)
    if (mb) return { ref, base, mergeBase: mb }
  }
  throw new GitSetupError(
    'no-merge-base',
    'Could not find the default branch (origin/HEAD, origin/main, origin/master, main or master) sharing history with HEAD.',
    'Pass the branch to compare with: `modelgate check --base <ref>`.'
  )
}
