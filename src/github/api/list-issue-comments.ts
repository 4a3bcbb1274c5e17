import type { GitHubClient } from '../client.js'
import { classifyApiError } from '../errors.js'

export interface IssueComment {
  id: number
  body: string
  authorLogin: string
  authorId: number
}

/** Lists every comment on an issue or pull request (all pages, 100 per page: the API maximum). */
export async function listIssueComments(
  client: GitHubClient,
  repo: { owner: string; repo: string },
  issueNumber: number
): Promise<IssueComment[]> {
  try {
    const comments = await client.paginate(client.rest.issues.listComments, {
      ...repo,
      issue_number: issueNumber,
      per_page: 100
    })
    return comments.map(c => ({
      id: c.id,
      body: c.body ?? '',
      authorLogin: c.user?.login ?? '',
      authorId: c.user?.id ?? -1
    }))
  } catch (error) {
    throw classifyApiError(error, `list the comments of pull request #${issueNumber}`)
  }
}
