import { z } from 'zod'
import { ConfigurationError } from '../errors.js'

/**
 * What an event asks the gate to judge (DESIGN.md, event matrix). The payload is hostile input
 * until zod has parsed it; only the fields used here are validated, and extra fields pass.
 */

const sha = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'a full commit SHA')
const repoRef = z.object({ full_name: z.string().regex(/^[^/\s]+\/[^/\s]+$/) })

const pullRequestPayload = z.object({
  pull_request: z.object({
    number: z.number().int().positive(),
    base: z.object({ sha, ref: z.string(), repo: repoRef }),
    head: z.object({ sha, ref: z.string(), repo: repoRef.nullable() })
  }),
  repository: repoRef
})

const mergeGroupPayload = z.object({
  merge_group: z.object({ base_sha: sha, head_sha: sha, head_ref: z.string() }),
  repository: repoRef
})

const pushPayload = z.object({
  ref: z.string(),
  before: sha,
  after: sha,
  forced: z.boolean().optional(),
  deleted: z.boolean().optional(),
  repository: repoRef
})

const releasePayload = z.object({
  release: z.object({ tag_name: z.string() }),
  repository: repoRef
})

const anyPayload = z.object({ repository: repoRef })

export const SUPPORTED_EVENTS = [
  'pull_request',
  'pull_request_target',
  'merge_group',
  'push',
  'release',
  'workflow_dispatch',
  'schedule'
] as const

const ZERO_SHA = /^0+$/

export type Judgement =
  | {
      kind: 'pull-request'
      trigger: 'pull_request' | 'pull_request_target'
      repository: string
      number: number
      base: string
      head: string
      /** True when the head branch lives in another repository: the token is then read-only. */
      fromFork: boolean
    }
  /** `base..head`: a merge-queue entry (diffed from the merge base) or a push (`before..after`). */
  | {
      kind: 'range'
      trigger: 'merge_group' | 'push'
      repository: string
      base: string
      head: string
      forced: boolean
    }
  /** What ships: the whole tree at the released commit, with release strictness. */
  | { kind: 'release'; trigger: 'release' | 'push'; repository: string; ref: string; commit: string }
  /** The whole tree with reconciliation: shadow, stale, drift and expired exceptions. */
  | {
      kind: 'reconcile'
      trigger: 'workflow_dispatch' | 'schedule'
      repository: string
      commit: string
      reason: string
    }
  /** The whole tree of a push that has nothing to diff against (a new branch). */
  | { kind: 'full-scan'; trigger: 'push'; repository: string; commit: string; reason: string }

function parse<T>(schema: z.ZodType<T>, payload: unknown, event: string): T {
  const result = schema.safeParse(payload)
  if (result.success) return result.data
  const first = result.error.issues[0]
  const where = first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'unknown shape'
  throw new ConfigurationError(
    `The ${event} event payload is not what GitHub sends (${where}).`,
    'Run ModelGate from a workflow triggered by GitHub; a hand-made payload must match the documented webhook shape.'
  )
}

/** GITHUB_SHA, for events whose payload names no commit; it must be a full commit id. */
function checkedOutCommit(headCommit: string, event: string): string {
  if (sha.safeParse(headCommit).success) return headCommit
  throw new ConfigurationError(
    `The ${event} event names no commit, and GITHUB_SHA (${JSON.stringify(headCommit.slice(0, 80))}) is not a full commit id.`,
    'Run ModelGate in a GitHub Actions job, which sets GITHUB_SHA to the commit of the run.'
  )
}

/**
 * Maps an event to what is judged. `headCommit` is the commit checked out (GITHUB_SHA), used by
 * events whose payload names no commit (workflow_dispatch, schedule).
 */
export function judgementFor(eventName: string, payload: unknown, headCommit: string): Judgement {
  switch (eventName) {
    case 'pull_request':
    case 'pull_request_target': {
      const { pull_request: pr, repository } = parse(pullRequestPayload, payload, eventName)
      return {
        kind: 'pull-request',
        trigger: eventName,
        repository: repository.full_name,
        number: pr.number,
        base: pr.base.sha,
        head: pr.head.sha,
        fromFork: pr.head.repo === null || pr.head.repo.full_name !== pr.base.repo.full_name
      }
    }
    case 'merge_group': {
      const { merge_group: group, repository } = parse(mergeGroupPayload, payload, eventName)
      return {
        kind: 'range',
        trigger: 'merge_group',
        repository: repository.full_name,
        base: group.base_sha,
        head: group.head_sha,
        forced: false
      }
    }
    case 'push': {
      const push = parse(pushPayload, payload, eventName)
      if (push.deleted === true || ZERO_SHA.test(push.after)) {
        throw new ConfigurationError(
          `This push deleted ${push.ref}; there is nothing to judge.`,
          'Add `branches-ignore`/`if: github.event.deleted != true` or ignore this run; deletions ship no models.'
        )
      }
      if (push.ref.startsWith('refs/tags/')) {
        return {
          kind: 'release',
          trigger: 'push',
          repository: push.repository.full_name,
          ref: push.ref,
          commit: push.after
        }
      }
      if (ZERO_SHA.test(push.before)) {
        return {
          kind: 'full-scan',
          trigger: 'push',
          repository: push.repository.full_name,
          commit: push.after,
          reason: `new branch ${push.ref}: no previous commit to diff against, so the whole tree is judged`
        }
      }
      return {
        kind: 'range',
        trigger: 'push',
        repository: push.repository.full_name,
        base: push.before,
        head: push.after,
        forced: push.forced === true
      }
    }
    case 'release': {
      const { release, repository } = parse(releasePayload, payload, eventName)
      return {
        kind: 'release',
        trigger: 'release',
        repository: repository.full_name,
        ref: `refs/tags/${release.tag_name}`,
        commit: checkedOutCommit(headCommit, eventName)
      }
    }
    case 'workflow_dispatch':
    case 'schedule': {
      const { repository } = parse(anyPayload, payload, eventName)
      return {
        kind: 'reconcile',
        trigger: eventName,
        repository: repository.full_name,
        commit: checkedOutCommit(headCommit, eventName),
        reason: `${eventName}: reconciliation of the whole tree`
      }
    }
    default:
      throw new ConfigurationError(
        `ModelGate does not judge the ${JSON.stringify(eventName.slice(0, 100) || '(unnamed)')} event. Supported events: ${SUPPORTED_EVENTS.join(', ')}.`,
        'Trigger the workflow on one of those events (see the workflows in the README).'
      )
  }
}
