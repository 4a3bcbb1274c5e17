import type { GitHubClient } from '../client.js'
import { classifyApiError } from '../errors.js'

/** Creates a comment on an issue or pull request and returns its id. */
export async function createIssueComment(
  client: GitHubClient,
  repo: { owner: string; repo: string },
  issueNumber: number,
  body: string
): Promise<number> {
  try {
    const { data } = await client.rest.issues.createComment({ ...repo, issue_number: issueNumber, body })
    return data.id
  } catch (error) {
    throw classifyApiError(error, `comment on pull request #${issueNumber}`)
  }
}
