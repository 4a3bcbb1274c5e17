import type { GitHubClient } from '../client.js'
import { classifyApiError } from '../errors.js'

/**
 * The identity comments are written as. A personal or App user token can ask `GET /user`; the
 * workflow's GITHUB_TOKEN cannot (403 "Resource not accessible by integration"), and then the
 * author is the GitHub Actions bot, whose login is the same on github.com and GHES.
 */
export const ACTIONS_BOT_LOGIN = 'github-actions[bot]'

export interface Viewer {
  login: string
  /** Unknown for the Actions bot on GHES, where its id differs from github.com's. */
  id?: number
}

export async function getViewer(client: GitHubClient): Promise<Viewer> {
  try {
    const { data } = await client.rest.users.getAuthenticated()
    return { login: data.login, id: data.id }
  } catch (error) {
    const classified = classifyApiError(error, 'identify the token owner')
    if (classified.kind === 'permission') return { login: ACTIONS_BOT_LOGIN }
    throw classified
  }
}
