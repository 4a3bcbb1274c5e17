import type { Logger } from '../logger.js'
import type { GitHubClient } from './client.js'
import { createIssueComment } from './api/create-issue-comment.js'
import { getPullRequest } from './api/get-pull-request.js'
import { getViewer } from './api/get-viewer.js'
import { listIssueComments } from './api/list-issue-comments.js'
import { updateIssueComment } from './api/update-issue-comment.js'
import { messageOf } from '../errors.js'

/**
 * The one sticky PR comment. It is found by a hidden marker AND by its author, so a comment
 * anyone else writes with the marker is ignored (THREATS 5). It records the head it judged,
 * and a run whose head is no longer the PR's head leaves the comment alone.
 */
export const COMMENT_MARKER = '<!-- modelgate:sticky-comment -->'
const HEAD_MARKER = /<!-- modelgate:head ([0-9a-f]{7,64}) -->/

export function headMarker(sha: string): string {
  return `<!-- modelgate:head ${sha} -->`
}

export type CommentPolicy = 'on-failure' | 'always' | 'never'

export type CommentOutcome =
  | { action: 'created'; id: number }
  | { action: 'updated'; id: number }
  | {
      action: 'skipped'
      reason: 'never' | 'passing' | 'stale-head' | 'newer-comment' | 'no-permission'
      detail: string
    }

export interface StickyCommentRequest {
  client: GitHubClient
  repo: { owner: string; repo: string }
  pullNumber: number
  headSha: string
  policy: CommentPolicy
  passing: boolean
  /** The comment body, already rendered with the markers as its first lines. */
  body: string
  log: Logger
}

/** Creates, updates or deliberately skips the sticky comment, and says which. */
export async function upsertStickyComment(request: StickyCommentRequest): Promise<CommentOutcome> {
  const { client, repo, pullNumber, headSha, log } = request
  if (request.policy === 'never') return { action: 'skipped', reason: 'never', detail: 'comment: never' }

  const currentHead = await getPullRequest(client, repo, pullNumber).then(
    pr => pr.headSha,
    (error: unknown) => {
      log.warning(
        `Could not read the pull request's current head, so the stale-run check is skipped: ${messageOf(error)}`
      )
      return headSha
    }
  )
  if (currentHead !== headSha) {
    return {
      action: 'skipped',
      reason: 'stale-head',
      detail: `the pull request head moved to ${currentHead.slice(0, 12)} since this run started; the run for that head owns the comment`
    }
  }

  const viewer = await getViewer(client)
  const comments = await listIssueComments(client, repo, pullNumber)
  const ours = comments.find(
    c =>
      c.body.includes(COMMENT_MARKER) &&
      c.authorLogin === viewer.login &&
      (viewer.id === undefined || c.authorId === viewer.id)
  )
  if (ours) {
    const recorded = HEAD_MARKER.exec(ours.body)?.[1]
    if (recorded !== undefined && recorded !== headSha && recorded === currentHead) {
      return {
        action: 'skipped',
        reason: 'newer-comment',
        detail: `the comment already judges head ${recorded.slice(0, 12)}`
      }
    }
    await updateIssueComment(client, repo, ours.id, request.body)
    return { action: 'updated', id: ours.id }
  }
  if (request.policy === 'on-failure' && request.passing) {
    return {
      action: 'skipped',
      reason: 'passing',
      detail: 'nothing to report and no earlier comment to update'
    }
  }
  const id = await createIssueComment(client, repo, pullNumber, request.body)
  return { action: 'created', id }
}
