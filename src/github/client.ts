import { GitHub, defaults as githubDefaults, getOctokitOptions } from '@actions/github/lib/utils'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import type { Logger } from '../logger.js'
import { ForeignHostError } from './errors.js'

/**
 * Builds the Octokit client. It is created in run() and passed down, never at import time, so
 * tests inject a stand-in API through GITHUB_API_URL and nothing else needs mocking.
 */

/** Every request is abandoned after this long, so a hung API fails the gate instead of the job timeout. */
export const REQUEST_TIMEOUT_MS = 30_000
/** Bounded retries for 5xx and network errors (plugin-retry); rate limits are handled separately. */
export const MAX_RETRIES = 2
/** Longest rate-limit wait we accept before failing; GitHub's reset can be up to an hour away. */
export const MAX_RATE_LIMIT_WAIT_S = 60

const ModelGateOctokit = GitHub.plugin(retry, throttling)
export type GitHubClient = InstanceType<typeof ModelGateOctokit>

export interface ClientOptions {
  token: string
  /** API base URL, from GITHUB_API_URL (GitHub Enterprise Server included). */
  baseUrl: string
  log: Logger
  /** Per-request timeout in ms (default {@link REQUEST_TIMEOUT_MS}). */
  timeoutMs?: number
  /**
   * Base delay in ms of plugin-retry (5xx backoff: 1x, 4x) and of plugin-throttling (a rate-limit
   * wait of N seconds waits N x this). Default 1000; tests and ops shorten it.
   */
  retryAfterBaseValue?: number
}

type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>

/**
 * Wraps fetch with a per-request timeout and a host check: the token goes only to the host of
 * the configured API base URL, even if a response (e.g. a pagination Link) points elsewhere.
 */
function guardedFetch(inner: FetchLike, baseUrl: string, timeoutMs: number): FetchLike {
  const allowed = new URL(baseUrl).origin
  return async (input, init) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url)
    if (url.origin !== allowed) throw new ForeignHostError(url.origin, allowed)
    const timeout = AbortSignal.timeout(timeoutMs)
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout
    return inner(input, { ...init, signal })
  }
}

/**
 * Retries a rate-limited request once, and only when GitHub asks for a short wait: a long reset
 * would hold the job for up to an hour, so the gate fails with the rate-limit message instead.
 */
function rateLimitHandler(kind: string, log: Logger) {
  return (
    retryAfter: number,
    request: { method: string; url: string },
    _octokit: unknown,
    retryCount: number
  ) => {
    log.warning(`GitHub API ${kind} on ${request.method} ${request.url}; retry in ${retryAfter}s.`)
    return retryCount < 1 && retryAfter <= MAX_RATE_LIMIT_WAIT_S
  }
}

/** Creates a client with retry, throttling, a timeout per request and the host guard. */
export function createGitHubClient(options: ClientOptions): GitHubClient {
  const defaults = getOctokitOptions(options.token, { baseUrl: options.baseUrl })
  // The toolkit's fetch honours the runner's proxy settings; keep it and wrap it.
  const inner = (githubDefaults.request?.fetch as FetchLike | undefined) ?? globalThis.fetch
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS
  return new ModelGateOctokit({
    ...defaults,
    baseUrl: options.baseUrl,
    request: { fetch: guardedFetch(inner, options.baseUrl, timeoutMs) },
    retry: {
      retries: MAX_RETRIES,
      // 429 belongs to plugin-throttling, which honours `retry-after`; plugin-retry would retry it blindly.
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
      ...(options.retryAfterBaseValue ? { retryAfterBaseValue: options.retryAfterBaseValue } : {})
    },
    throttle: {
      ...(options.retryAfterBaseValue ? { retryAfterBaseValue: options.retryAfterBaseValue } : {}),
      onRateLimit: rateLimitHandler('rate limit', options.log),
      onSecondaryRateLimit: rateLimitHandler('secondary rate limit', options.log)
    }
  })
}
