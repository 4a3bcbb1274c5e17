import { describe, expect, it } from '@jest/globals'
import { judgementFor, SUPPORTED_EVENTS } from '../../src/action/event.js'
import { ConfigurationError } from '../../src/errors.js'

/** The event matrix as data: each event and payload maps to exactly one judgement. */
const A = 'a'.repeat(40)
const B = 'b'.repeat(40)
const C = 'c'.repeat(40)
const ZERO = '0'.repeat(40)
const repository = { full_name: 'acme/models' }

const pr = (headRepo: { full_name: string } | null = repository) => ({
  pull_request: {
    number: 7,
    base: { sha: A, ref: 'main', repo: repository },
    head: { sha: B, ref: 'feature', repo: headRepo }
  },
  repository
})
const push = (ref: string, before: string, after: string, extra: Record<string, unknown> = {}) => ({
  ref,
  before,
  after,
  repository,
  ...extra
})

function configError(fn: () => unknown): ConfigurationError {
  try {
    fn()
  } catch (error) {
    if (error instanceof ConfigurationError) return error
    throw error
  }
  throw new Error('expected a ConfigurationError')
}

describe('judgementFor', () => {
  it.each(['pull_request', 'pull_request_target'] as const)(
    '%s judges base..head of the pull request',
    event => {
      expect(judgementFor(event, pr(), C)).toEqual({
        kind: 'pull-request',
        trigger: event,
        repository: 'acme/models',
        number: 7,
        base: A,
        head: B,
        fromFork: false
      })
    }
  )

  it('marks a fork pull request, and one whose fork was deleted', () => {
    expect(judgementFor('pull_request', pr({ full_name: 'mallory/models' }), C)).toMatchObject({
      fromFork: true
    })
    expect(judgementFor('pull_request_target', pr(null), C)).toMatchObject({ fromFork: true })
  })

  it('merge_group judges its own base_sha..head_sha', () => {
    const payload = {
      merge_group: { base_sha: A, head_sha: B, head_ref: 'refs/heads/gh-readonly-queue/main/pr-7-x' },
      repository
    }
    expect(judgementFor('merge_group', payload, C)).toEqual({
      kind: 'range',
      trigger: 'merge_group',
      repository: 'acme/models',
      base: A,
      head: B,
      forced: false
    })
  })

  it('push to a branch judges before..after, and remembers a force-push', () => {
    expect(judgementFor('push', push('refs/heads/main', A, B), C)).toMatchObject({
      kind: 'range',
      base: A,
      head: B,
      forced: false
    })
    expect(judgementFor('push', push('refs/heads/main', A, B, { forced: true }), C)).toMatchObject({
      forced: true
    })
  })

  it('push of a new branch (all-zero before) is a full scan, not a reconciliation', () => {
    expect(judgementFor('push', push('refs/heads/feature', ZERO, B), C)).toMatchObject({
      kind: 'full-scan',
      trigger: 'push',
      commit: B
    })
  })

  it('push of a tag is a release of the pushed commit', () => {
    expect(judgementFor('push', push('refs/tags/v1.0.0', ZERO, B), C)).toEqual({
      kind: 'release',
      trigger: 'push',
      repository: 'acme/models',
      ref: 'refs/tags/v1.0.0',
      commit: B
    })
  })

  it('push that deletes a ref is refused with a fix', () => {
    const error = configError(() =>
      judgementFor('push', push('refs/heads/old', A, ZERO, { deleted: true }), C)
    )
    expect(error.message).toContain('deleted refs/heads/old')
  })

  it('release judges the commit of the run (GITHUB_SHA)', () => {
    expect(judgementFor('release', { release: { tag_name: 'v2' }, repository }, C)).toMatchObject({
      kind: 'release',
      ref: 'refs/tags/v2',
      commit: C
    })
  })

  it.each(['workflow_dispatch', 'schedule'] as const)('%s reconciles the whole tree at GITHUB_SHA', event => {
    expect(judgementFor(event, { repository }, C)).toMatchObject({
      kind: 'reconcile',
      trigger: event,
      commit: C
    })
  })

  it.each(['release', 'workflow_dispatch', 'schedule'])(
    '%s without a usable GITHUB_SHA is a configuration error',
    event => {
      const payload = event === 'release' ? { release: { tag_name: 'v2' }, repository } : { repository }
      expect(configError(() => judgementFor(event, payload, '')).message).toContain('GITHUB_SHA')
      expect(configError(() => judgementFor(event, payload, 'main')).message).toContain('GITHUB_SHA')
    }
  )

  it.each(['issues', 'pull_request_review', 'workflow_run', ''])(
    'refuses %j, naming every supported event',
    event => {
      const error = configError(() => judgementFor(event, { repository }, C))
      for (const name of SUPPORTED_EVENTS) expect(error.message).toContain(name)
      expect(error.fix).toMatch(/Trigger the workflow on one of those events/)
    }
  )

  it.each([
    [
      'a short SHA',
      { ...pr(), pull_request: { ...pr().pull_request, head: { sha: 'abc123', ref: 'x', repo: repository } } }
    ],
    ['no pull_request', { repository }],
    [
      'an option-like SHA',
      {
        ...pr(),
        pull_request: {
          ...pr().pull_request,
          base: { sha: `--upload-pack=${'a'.repeat(26)}`, ref: 'x', repo: repository }
        }
      }
    ],
    ['a malformed repository name', { ...pr(), repository: { full_name: 'acme/models/extra' } }]
  ])('rejects a pull_request payload with %s', (_what, payload) => {
    expect(configError(() => judgementFor('pull_request', payload, C)).message).toContain(
      'is not what GitHub sends'
    )
  })
})
