import type { GitHubClient } from '../client.js'
import { classifyApiError } from '../errors.js'

/** GitHub stops listing a pull request's files after this many, silently (no error, no marker). */
export const PULL_REQUEST_FILES_CAP = 3000
/** The compare API returns at most this many files; ModelGate never uses it for a change set. */
export const COMPARE_FILES_CAP = 300

export interface PullRequestFile {
  path: string
  status: string
  /** The old path of a rename or copy. */
  previousPath?: string
}

/**
 * Lists a pull request's files: `GET /repos/{owner}/{repo}/pulls/{n}/files`, 100 per page (the
 * maximum), every page. The result is capped by GitHub at {@link PULL_REQUEST_FILES_CAP}; compare
 * its length with the pull request's `changed_files` ({@link listingIsComplete}) before trusting it.
 */
export async function listPullRequestFiles(
  client: GitHubClient,
  repo: { owner: string; repo: string },
  pullNumber: number
): Promise<PullRequestFile[]> {
  try {
    const files = await client.paginate(client.rest.pulls.listFiles, {
      ...repo,
      pull_number: pullNumber,
      per_page: 100
    })
    return files.map(file => ({
      path: file.filename,
      status: file.status,
      ...(file.previous_filename !== undefined ? { previousPath: file.previous_filename } : {})
    }))
  } catch (error) {
    throw classifyApiError(error, `list the files of pull request #${pullNumber}`)
  }
}

/**
 * Whether a listing of `listed` files can be the whole change set of a pull request that GitHub
 * says changed `changedFiles`: never when the counts differ, and never at or over the cap (a
 * listing that stops exactly at the cap cannot be told from a capped one).
 */
export function listingIsComplete(
  listed: number,
  changedFiles: number,
  cap = PULL_REQUEST_FILES_CAP
): boolean {
  return listed === changedFiles && listed < cap
}
