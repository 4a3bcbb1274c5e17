import type { GitHubClient } from '../client.js'
import { classifyApiError } from '../errors.js'
import { GitHubApiError } from '../../errors.js'

/**
 * Reads one file of another repository (the central registry) through the contents API. The
 * contents API inlines base64 only for files up to 1 MiB; the registry is capped below that.
 */
export const CONTENTS_INLINE_MAX_BYTES = 1024 * 1024

export async function readRepositoryFile(
  client: GitHubClient,
  location: { owner: string; repo: string; path: string; ref: string }
): Promise<Uint8Array> {
  const where = `${location.owner}/${location.repo}/${location.path}@${location.ref}`
  let data: unknown
  try {
    ;({ data } = await client.rest.repos.getContent({ ...location }))
  } catch (error) {
    throw classifyApiError(error, `read ${where}`)
  }
  const file = data as { type?: unknown; encoding?: unknown; content?: unknown; size?: unknown }
  if (Array.isArray(data) || file.type !== 'file') {
    throw new GitHubApiError(`${where} is not a file.`, 'invalid')
  }
  if (file.encoding !== 'base64' || typeof file.content !== 'string') {
    throw new GitHubApiError(
      `${where} is larger than the ${CONTENTS_INLINE_MAX_BYTES} bytes the contents API returns inline; split or trim the registry.`,
      'invalid'
    )
  }
  return Buffer.from(file.content, 'base64')
}
