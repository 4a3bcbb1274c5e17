import { GitHubApiError, messageOf } from '../errors.js'

/**
 * Classifies a failed API call by status and headers, so each case gets its own message and
 * next step: a 403 for a missing permission is not a rate limit, and neither is a timeout.
 */
interface RequestErrorShape {
  status?: number
  message?: string
  name?: string
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown }
}

function shape(error: unknown): RequestErrorShape {
  return typeof error === 'object' && error !== null ? error : {}
}

/** Turns an Octokit error into a GitHubApiError whose message says what happened and what to do. */
export function classifyApiError(error: unknown, action: string): GitHubApiError {
  const { status, response, name } = shape(error)
  const headers = response?.headers ?? {}
  const detail = messageOf(error).split('\n')[0]?.slice(0, 300) ?? ''
  const timedOut =
    name === 'TimeoutError' || name === 'AbortError' || /aborted|timeout|timed out/i.test(detail)
  if (
    status === 429 ||
    (status === 403 && (String(headers['x-ratelimit-remaining']) === '0' || /rate limit/i.test(detail)))
  ) {
    const reset = Number(headers['x-ratelimit-reset'])
    const when =
      Number.isFinite(reset) && reset > 0 ? ` It resets at ${new Date(reset * 1000).toISOString()}.` : ''
    return new GitHubApiError(
      `GitHub API rate limit reached while trying to ${action} (HTTP ${status}).${when} Re-run the job later, or use a token with its own quota.`,
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
      `The token may not ${action} (HTTP 403: ${detail}). Grant the permission the README lists for this step, or use a token that has it.`,
      'permission',
      status
    )
  }
  if (status === 404) {
    return new GitHubApiError(
      `Not found while trying to ${action} (HTTP 404). Check the name, and that the token can see the repository (a private repository answers 404 to tokens without access).`,
      'not-found',
      status
    )
  }
  if (status === 422)
    return new GitHubApiError(`GitHub refused to ${action} (HTTP 422: ${detail}).`, 'invalid', status)
  if (status !== undefined && status >= 500) {
    return new GitHubApiError(
      `GitHub API failed while trying to ${action} (HTTP ${status}) after retries. Re-run the job; check https://www.githubstatus.com if it persists.`,
      'server',
      status
    )
  }
  if (timedOut) {
    return new GitHubApiError(
      `GitHub API did not answer in time while trying to ${action}. Re-run the job.`,
      'timeout',
      status
    )
  }
  return new GitHubApiError(`Could not ${action}: ${detail}`, 'network', status)
}
