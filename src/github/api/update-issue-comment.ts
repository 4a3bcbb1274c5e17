import type { GitHubClient } from '../client.js'
import { classifyApiError } from '../errors.js'

/** Replaces the body of an existing comment. */
export async function updateIssueComment(
  client: GitHubClient,
  repo: { owner: string; repo: string },
  commentId: number,
  body: string
): Promise<void> {
  try {
    await client.rest.issues.updateComment({ ...repo, comment_id: commentId, body })
  } catch (error) {
    throw classifyApiError(error, `update comment ${commentId}`)
  }
}
