import type { GitHubClient } from '../client.js'
import { classifyApiError } from '../errors.js'

/** The pull request's current head commit, to tell whether this run is judging a stale head. */
export async function getPullRequestHead(
  client: GitHubClient,
  repo: { owner: string; repo: string },
  pullNumber: number
): Promise<string> {
  try {
    const { data } = await client.rest.pulls.get({ ...repo, pull_number: pullNumber })
    return data.head.sha
  } catch (error) {
    throw classifyApiError(error, `read pull request #${pullNumber}`)
  }
}
