/**
 * Two kinds of failure, told apart so users know whose move it is. A ConfigurationError is the
 * user's to fix (a missing checkout, a bad input, a shallow clone) and carries the fix. Anything
 * else is a fault in ModelGate or the platform, reported with its cause. Both fail the gate:
 * it never passes because something went wrong.
 */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError'
  constructor(
    message: string,
    /** What the user should change, in one sentence. */
    readonly fix: string
  ) {
    super(message)
  }
}

/** A GitHub API call failed in a way the caller can explain (permission, rate limit, ...). */
export class GitHubApiError extends Error {
  override readonly name = 'GitHubApiError'
  constructor(
    message: string,
    readonly kind:
      'permission' | 'rate-limit' | 'not-found' | 'server' | 'timeout' | 'network' | 'auth' | 'invalid',
    readonly status?: number
  ) {
    super(message)
  }
}

/** The message of any thrown value, never `[object Object]`. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message
  return typeof error === 'string' ? error : JSON.stringify(error)
}
