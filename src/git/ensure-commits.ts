/**
 * Makes sure the commits a gate needs are in the checkout, fetching them when they are not.
 *
 * actions/checkout defaults to `fetch-depth: 1`: the head commit only. A pull-request gate also
 * needs the base commit and enough history to find the merge base. Rather than fail, ModelGate
 * fetches by id from `origin` (the token actions/checkout persisted lets it), then deepens the
 * shallow history in bounded steps, then unshallows. If the commits are still missing it throws a
 * {@link GitSetupError} that says exactly what to change.
 */
import { FIX_FETCH_DEPTH, GitSetupError } from './errors.js'
import { assertRepository, commitExists, isFullSha, isShallow, mergeBase } from './repo-info.js'
import { GitError, redact, runGit, silentLogger, type Logger } from './run-git.js'

export { GitSetupError, FIX_FETCH_DEPTH } from './errors.js'
export type { GitSetupCode } from './errors.js'

export interface EnsureCommitsOptions {
  /** Remote to fetch from. Default `origin`. */
  remote?: string
  /**
   * Also require merge-base(shas[0], shas[1]) to be findable (deepening a shallow clone until it
   * is). Default: true when exactly two commits are given (base, head); pass false for a plain
   * `before..after` range, which needs only the two trees.
   */
  needMergeBase?: boolean
  /** Names for messages, parallel to `shas`. Default `['base', 'head']` for two commits, else `commit`. */
  names?: string[]
  /** `--deepen` steps tried, in order, before `--unshallow`. Default [100, 1000]. */
  deepenSteps?: number[]
  /** Timeout for each fetch. Default 5 minutes. */
  fetchTimeoutMs?: number
}

export interface EnsureCommitsResult {
  /** Fetch commands that ran (redacted), for logs and tests. */
  fetches: string[]
  /** The merge base when it was required. */
  mergeBase?: string
}

/**
 * Ensures every commit in `shas` (full hex ids) exists locally and, when required, that their merge
 * base is reachable. Bounded: one fetch by id, then each deepen step, then one unshallow.
 */
export async function ensureCommits(
  repo: string,
  shas: string[],
  log: Logger = silentLogger,
  options: EnsureCommitsOptions = {}
): Promise<EnsureCommitsResult> {
  await assertRepository(repo)
  const remote = options.remote ?? 'origin'
  const names = options.names ?? (shas.length === 2 ? ['base', 'head'] : [])
  const needMergeBase = options.needMergeBase ?? shas.length === 2
  const steps = options.deepenSteps ?? [100, 1000]
  const timeoutMs = options.fetchTimeoutMs ?? 5 * 60_000
  const ids = shas.map(s => s.toLowerCase())
  ids.forEach((sha, i) => {
    if (!isFullSha(sha)) {
      throw new GitSetupError(
        'invalid-ref',
        `The ${names[i] ?? 'commit'} ${JSON.stringify(shas[i])} is not a full commit id.`,
        'Pass full 40-character commit ids (the event payload has them).'
      )
    }
  })
  if (needMergeBase && ids.length < 2)
    throw new TypeError('ensureCommits: needMergeBase requires two commits')
  if (remote.startsWith('-')) throw new TypeError(`ensureCommits: invalid remote ${remote}`)

  const result: EnsureCommitsResult = { fetches: [] }
  const unique = [...new Set(ids)]
  const missing = async (): Promise<string[]> => {
    const out: string[] = []
    for (const sha of unique) if (!(await commitExists(repo, sha))) out.push(sha)
    return out
  }
  const findMergeBase = async (): Promise<string | null> => mergeBase(repo, ids[0]!, ids[1]!)

  let lastFetchError: string | undefined
  const fetch = async (extra: string[], wants: string[]): Promise<boolean> => {
    const args = ['fetch', '--no-tags', '--no-recurse-submodules', ...extra, remote, ...wants]
    result.fetches.push(redact(`git ${args.join(' ')}`))
    log.info(`Fetching from ${remote}: git ${args.join(' ')}`)
    try {
      await runGit(args, { cwd: repo, timeoutMs })
      return true
    } catch (error) {
      lastFetchError = error instanceof GitError ? error.stderr || error.message : String(error)
      lastFetchError = redact(lastFetchError.split('\n').filter(Boolean).slice(-2).join(' '))
      log.warning(`Fetching from ${remote} failed: ${lastFetchError}`)
      return false
    }
  }

  // 1. Fetch missing commits by id (shallow if the clone is shallow; deepening comes next).
  let absent = await missing()
  let shallow = await isShallow(repo)
  let fetchWorks = true
  if (absent.length > 0) {
    log.info(`Commit(s) ${absent.join(', ')} not in this checkout; fetching them.`)
    fetchWorks = await fetch(shallow ? ['--depth=1'] : [], absent)
    absent = await missing()
  }

  // 2. Deepen, then unshallow, until the merge base is reachable.
  if (needMergeBase && absent.length === 0) {
    let mb = await findMergeBase()
    shallow = await isShallow(repo)
    for (const step of steps) {
      if (mb || !shallow || !fetchWorks) break
      log.info(`No merge base in this shallow clone; deepening history by ${step} commits.`)
      fetchWorks = await fetch([`--deepen=${step}`], unique)
      mb = await findMergeBase()
      shallow = await isShallow(repo)
    }
    if (!mb && shallow && fetchWorks) {
      log.info('Still no merge base; fetching full history (--unshallow).')
      fetchWorks = await fetch(['--unshallow'], unique)
      mb = await findMergeBase()
      shallow = await isShallow(repo)
    }
    if (mb) result.mergeBase = mb
    else if (shallow) {
      throw new GitSetupError(
        'no-merge-base',
        `The merge base of the ${names[0] ?? 'base'} ${ids[0]!} and the ${names[1] ?? 'head'} ${ids[1]!} is not in this ` +
          `shallow checkout. Set \`fetch-depth: 0\` on actions/checkout${fetchNote(remote, lastFetchError)}.`,
        FIX_FETCH_DEPTH
      )
    } else {
      throw new GitSetupError(
        'no-merge-base',
        `The ${names[0] ?? 'base'} ${ids[0]!} and the ${names[1] ?? 'head'} ${ids[1]!} share no history.`,
        'Compare commits with a common history, or run a full scan of the tree.'
      )
    }
  }

  if (absent.length > 0) {
    const sha = absent[0]!
    const name = names[ids.indexOf(sha)] ?? 'commit'
    throw new GitSetupError(
      'missing-commit',
      `The ${name} commit ${sha} is not in this checkout. Set \`fetch-depth: 0\` on actions/checkout` +
        `${fetchNote(remote, lastFetchError)}.` +
        (absent.length > 1 ? ` Also missing: ${absent.slice(1).join(', ')}.` : ''),
      FIX_FETCH_DEPTH
    )
  }
  return result
}

function fetchNote(remote: string, error: string | undefined): string {
  return error
    ? ` (fetching it from ${remote} failed: ${error})`
    : ` (it could not be fetched from ${remote})`
}
