import type { GitHubClient } from '../client.js'
import { classifyApiError } from '../errors.js'

export interface PullRequestSummary {
  headSha: string
  baseSha: string
  /** GitHub's own, uncapped count of changed files. */
  changedFiles: number
}

/** `GET /repos/{owner}/{repo}/pulls/{n}`: the fields the change-set fallback needs. */
export async function getPullRequest(
  client: GitHubClient,
  repo: { owner: string; repo: string },
  pullNumber: number
): Promise<PullRequestSummary> {
  try {
    const { data } = await client.rest.pulls.get({ ...repo, pull_number: pullNumber })
    return { headSha: data.head.sha, baseSha: data.base.sha, changedFiles: data.changed_files }
  } catch (error) {
    throw classifyApiError(error, `read pull request #${pullNumber}`)
  }
}
