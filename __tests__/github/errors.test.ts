import { describe, expect, it } from '@jest/globals'
import { RequestError } from '@octokit/request-error'
import { classifyApiError, ForeignHostError } from '../../src/github/errors.js'
import { GitHubApiError } from '../../src/errors.js'

/** Each API failure gets its own kind and message (THREATS 15). */
const request = { method: 'GET' as const, url: 'https://api.github.com/x', headers: {} }
function httpError(status: number, message: string, headers: Record<string, string> = {}): RequestError {
  return new RequestError(message, status, {
    request,
    response: { status, url: request.url, headers, data: { message } }
  })
}
/** What Octokit throws when fetch itself fails: status 500, no response, the cause attached. */
function noResponse(cause: Error): RequestError {
  const error = new RequestError(cause.message, 500, { request })
  ;(error as RequestError & { cause: unknown }).cause = cause
  return error
}

describe('classifyApiError', () => {
  it('403 without rate-limit signs is a permission problem', () => {
    const error = classifyApiError(httpError(403, 'Resource not accessible by integration'), 'read x')
    expect(error).toBeInstanceOf(GitHubApiError)
    expect(error.kind).toBe('permission')
    expect(error.message).toMatch(
      /^Permission denied: the token may not read x \(HTTP 403: Resource not accessible by integration\)/
    )
  })

  it.each([
    [
      '403 with x-ratelimit-remaining: 0',
      httpError(403, 'API rate limit exceeded', {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': '1893456000'
      })
    ],
    [
      '403 secondary rate limit',
      httpError(403, 'You have exceeded a secondary rate limit', { 'retry-after': '30' })
    ],
    ['429', httpError(429, 'Too Many Requests', { 'retry-after': '5' })]
  ])('%s is a rate limit, never a permission problem', (_what, raw) => {
    const error = classifyApiError(raw, 'read x')
    expect(error.kind).toBe('rate-limit')
    expect(error.message).toContain('rate limit reached')
    expect(error.message).toContain('This is not a permission problem')
  })

  it('says when a primary rate limit resets, and how long GitHub asked to wait', () => {
    expect(
      classifyApiError(
        httpError(403, 'x', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1893456000' }),
        'a'
      ).message
    ).toContain('It resets at 2030-01-01T00:00:00.000Z')
    expect(classifyApiError(httpError(429, 'x', { 'retry-after': '5' }), 'a').message).toContain(
      'GitHub asked to wait 5s'
    )
  })

  it('404, 401, 422 and 5xx each have their own kind', () => {
    expect(classifyApiError(httpError(404, 'Not Found'), 'a').kind).toBe('not-found')
    expect(classifyApiError(httpError(401, 'Bad credentials'), 'a').kind).toBe('auth')
    expect(classifyApiError(httpError(422, 'Validation Failed'), 'a').kind).toBe('invalid')
    const server = classifyApiError(httpError(502, 'Bad Gateway'), 'a')
    expect(server.kind).toBe('server')
    expect(server.message).toContain('HTTP 502')
  })

  it('a timeout is a timeout, not the HTTP 500 Octokit labels it with', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError')
    const error = classifyApiError(noResponse(timeout), 'read x')
    expect(error.kind).toBe('timeout')
    expect(error.message).toContain('did not answer in time')
    expect(error.message).not.toContain('500')
  })

  it('a refused connection is a network problem', () => {
    const error = classifyApiError(noResponse(new Error('connect ECONNREFUSED 127.0.0.1:9')), 'read x')
    expect(error.kind).toBe('network')
    expect(error.message).toContain('ECONNREFUSED')
  })

  it('the host guard says the token was not sent', () => {
    const error = classifyApiError(
      noResponse(new ForeignHostError('https://evil.example', 'https://api.github.com')),
      'list comments'
    )
    expect(error.message).toContain('Refusing to send the token to https://evil.example')
    expect(error.message).toContain('only ever sent to the API host')
  })

  it('leaves an already classified error alone', () => {
    const classified = new GitHubApiError('x', 'permission', 403)
    expect(classifyApiError(classified, 'a')).toBe(classified)
  })
})
