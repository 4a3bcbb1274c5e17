import { GitHubApiError, messageOf } from '../errors.js'

/**
 * Classifies a failed API call by status and headers, so each case gets its own message and
 * next step: a 403 for a missing permission is not a rate limit, and neither is a timeout.
 *
 * Octokit reports every failure that has no HTTP response (a timeout, a refused connection, the
 * host guard in client.ts) as status 500 without a `response`, so "no response" is checked
 * before the status: a hung API is a timeout, not a server error.
 */
interface RequestErrorShape {
  status?: number
  message?: string
  name?: string
  cause?: unknown
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown }
}

function shape(error: unknown): RequestErrorShape {
  return typeof error === 'object' && error !== null ? error : {}
}

/** Thrown by the client's fetch wrapper when a URL leaves the API host; the token was not sent. */
export class ForeignHostError extends Error {
  override readonly name = 'ForeignHostError'
  constructor(
    readonly target: string,
    readonly allowed: string
  ) {
    super(`Refusing to send the token to ${target}: the API is ${allowed}.`)
  }
}

/** The error and its causes, outermost first (bounded: causes can be cyclic). */
function chain(error: unknown): RequestErrorShape[] {
  const out: RequestErrorShape[] = []
  let current: unknown = error
  for (let i = 0; i < 5 && typeof current === 'object' && current !== null; i++) {
    out.push(shape(current))
    current = shape(current).cause
  }
  return out
}

function isRateLimited(
  status: number | undefined,
  headers: Record<string, string | number | undefined>,
  detail: string
): boolean {
  if (status === 429) return true
  if (status !== 403) return false
  return (
    String(headers['x-ratelimit-remaining']) === '0' ||
    headers['retry-after'] !== undefined ||
    /rate limit/i.test(detail)
  )
}

/** Turns an Octokit error into a GitHubApiError whose message says what happened and what to do. */
export function classifyApiError(error: unknown, action: string): GitHubApiError {
  if (error instanceof GitHubApiError) return error
  const { status, response } = shape(error)
  const links = chain(error)
  const headers = response?.headers ?? {}
  const detail = messageOf(error).split('\n')[0]?.slice(0, 300) ?? ''

  const foreign = links.find(link => link.name === 'ForeignHostError')
  if (foreign) {
    return new GitHubApiError(
      `Could not ${action}: ${foreign.message ?? 'a response pointed at another host'} The token is only ever sent to the API host.`,
      'invalid'
    )
  }
  if (response === undefined) {
    const timedOut =
      links.some(link => link.name === 'TimeoutError' || link.name === 'AbortError') ||
      /aborted|timeout|timed out/i.test(detail)
    if (timedOut) {
      return new GitHubApiError(
        `GitHub API did not answer in time while trying to ${action} (every request has a timeout, and retries are bounded). Re-run the job; check https://www.githubstatus.com if it persists.`,
        'timeout'
      )
    }
    if (status === undefined || status === 500) {
      return new GitHubApiError(
        `Could not reach the GitHub API to ${action}: ${detail}. Check the runner's network and GITHUB_API_URL.`,
        'network'
      )
    }
  }
  if (isRateLimited(status, headers, detail)) {
    const reset = Number(headers['x-ratelimit-reset'])
    const retryAfter = Number(headers['retry-after'])
    const when =
      Number.isFinite(retryAfter) && retryAfter > 0
        ? ` GitHub asked to wait ${retryAfter}s.`
        : Number.isFinite(reset) && reset > 0
          ? ` It resets at ${new Date(reset * 1000).toISOString()}.`
          : ''
    return new GitHubApiError(
      `GitHub API rate limit reached while trying to ${action} (HTTP ${status ?? '?'}).${when} This is not a permission problem: re-run the job later, or use a token with its own quota (a GitHub App installation token).`,
      'rate-limit',
      status
    )
  }
  if (status === 401) {
    return new GitHubApiError(
      `GitHub rejected the token while trying to ${action} (HTTP 401: ${detail}). Check that the token is valid and not expired.`,
      'auth',
      status
    )
  }
  if (status === 403) {
    return new GitHubApiError(
      `Permission denied: the token may not ${action} (HTTP 403: ${detail}). Grant the permission the README lists for this step, or use a token that has it.`,
      'permission',
      status
    )
  }
  if (status === 404) {
    return new GitHubApiError(
      `Not found while trying to ${action} (HTTP 404). Check the name and ref, and that the token can see the repository (a private repository answers 404 to tokens without access).`,
      'not-found',
      status
    )
  }
  if (status === 422)
    return new GitHubApiError(`GitHub refused to ${action} (HTTP 422: ${detail}).`, 'invalid', status)
  if (status !== undefined && status >= 500) {
    return new GitHubApiError(
      `GitHub API failed while trying to ${action} (HTTP ${status}) after bounded retries. Re-run the job; check https://www.githubstatus.com if it persists.`,
      'server',
      status
    )
  }
  return new GitHubApiError(`Could not ${action}: ${detail}`, 'network', status)
}
