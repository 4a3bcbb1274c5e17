import { existsSync } from 'node:fs'
import { GitError } from './run-git.js'

export type GitSetupCode =
  | 'not-a-repository'
  | 'dubious-ownership'
  | 'git-missing'
  | 'missing-commit'
  | 'no-merge-base'
  | 'invalid-ref'

/**
 * The checkout cannot answer the question (a commit is missing, history is too shallow, there is
 * no repository at all). A configuration error: the message says what is wrong, `fix` says what
 * to change, and the gate fails closed with both.
 */
export class GitSetupError extends Error {
  override readonly name = 'GitSetupError'
  readonly code: GitSetupCode
  /** What the user should do, e.g. "Set `fetch-depth: 0` on actions/checkout". */
  readonly fix: string

  constructor(code: GitSetupCode, message: string, fix: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.fix = fix
  }
}

export const FIX_FETCH_DEPTH =
  'Set `fetch-depth: 0` on actions/checkout (with: fetch-depth: 0), or keep its default ' +
  '`persist-credentials: true` so ModelGate can fetch the missing commits from origin.'

/**
 * Turns the git errors that mean "this is not a usable repository" into a {@link GitSetupError};
 * returns anything else unchanged.
 */
export function classifyRepoError(repo: string, error: unknown): unknown {
  if (error instanceof GitError) {
    if (error.reason === 'spawn') {
      // Node reports a missing cwd and a missing git binary alike (`spawn git ENOENT`).
      if (/ENOENT/.test(error.message) && existsSync(repo)) {
        return new GitSetupError(
          'git-missing',
          '`git` is not installed or not on PATH.',
          'Run ModelGate on a runner with git installed (GitHub-hosted runners have it).',
          { cause: error }
        )
      }
      return notARepository(repo, error)
    }
    if (/not a git repository/i.test(error.stderr)) return notARepository(repo, error)
    if (/dubious ownership/i.test(error.stderr)) {
      return new GitSetupError(
        'dubious-ownership',
        `git refuses to read ${repo}: it is owned by another user (dubious ownership).`,
        `Run \`git config --global --add safe.directory ${repo}\` before ModelGate (containers often need it).`,
        { cause: error }
      )
    }
  }
  return error
}

function notARepository(repo: string, cause: unknown): GitSetupError {
  return new GitSetupError(
    'not-a-repository',
    `${repo} is not a git repository.`,
    'Add actions/checkout before ModelGate (uses: actions/checkout with fetch-depth: 0).',
    { cause }
  )
}
