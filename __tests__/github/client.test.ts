import { afterEach, describe, expect, it } from '@jest/globals'
import { FakeGitHub, type FakeFile } from '../support/fake-github-api.js'
import { createGitHubClient, type GitHubClient } from '../../src/github/client.js'
import { getPullRequest } from '../../src/github/api/get-pull-request.js'
import { listIssueComments } from '../../src/github/api/list-issue-comments.js'
import {
  listingIsComplete,
  listPullRequestFiles,
  PULL_REQUEST_FILES_CAP
} from '../../src/github/api/list-pull-request-files.js'
import type { Logger } from '../../src/logger.js'

/** The client against the fake API in-process: pagination, caps, timeout and the host guard. */
const repo = { owner: 'acme', repo: 'models' }
const warnings: string[] = []
const log: Logger = {
  info: () => undefined,
  debug: () => undefined,
  warning: message => warnings.push(message)
}
const files = (n: number): FakeFile[] =>
  Array.from({ length: n }, (_, i) => ({ filename: `f/${i}.txt`, status: 'added' as const }))

let api: FakeGitHub | undefined
afterEach(async () => {
  await api?.stop()
  api = undefined
  warnings.length = 0
})

async function client(
  options: ConstructorParameters<typeof FakeGitHub>[0],
  timeoutMs = 1000
): Promise<GitHubClient> {
  api = new FakeGitHub(options)
  const baseUrl = await api.start()
  return createGitHubClient({ token: 'test-token', baseUrl, log, timeoutMs, retryAfterBaseValue: 10 })
}

describe('listPullRequestFiles', () => {
  it('reads every page at 100 per page', async () => {
    const gh = await client({ pullRequests: { 7: { files: files(250) } } })
    const listed = await listPullRequestFiles(gh, repo, 7)
    expect(listed).toHaveLength(250)
    expect(listed[249]).toEqual({ path: 'f/249.txt', status: 'added' })
    const pages = api!.requests.filter(r => r.path.endsWith('/pulls/7/files'))
    expect(pages.map(r => [r.query.get('per_page'), r.query.get('page') ?? '1'])).toEqual([
      ['100', '1'],
      ['100', '2'],
      ['100', '3']
    ])
    const summary = await getPullRequest(gh, repo, 7)
    expect(listingIsComplete(listed.length, summary.changedFiles)).toBe(true)
  })

  it('keeps the old path of a rename', async () => {
    const gh = await client({
      pullRequests: { 7: { files: [{ filename: 'b.onnx', status: 'renamed', previous_filename: 'a.onnx' }] } }
    })
    expect(await listPullRequestFiles(gh, repo, 7)).toEqual([
      { path: 'b.onnx', status: 'renamed', previousPath: 'a.onnx' }
    ])
  })

  it('detects the 3,000-file cap against changed_files', async () => {
    const gh = await client({ pullRequests: { 7: { files: files(3005) } } })
    const listed = await listPullRequestFiles(gh, repo, 7)
    const { changedFiles } = await getPullRequest(gh, repo, 7)
    expect([listed.length, changedFiles]).toEqual([3000, 3005])
    expect(listingIsComplete(listed.length, changedFiles)).toBe(false)
  })

  it('never trusts a listing that stops at the cap, nor one shorter than changed_files', () => {
    expect(listingIsComplete(PULL_REQUEST_FILES_CAP, PULL_REQUEST_FILES_CAP)).toBe(false)
    expect(listingIsComplete(10, 11)).toBe(false)
    expect(listingIsComplete(0, 0)).toBe(true)
  })
})

describe('createGitHubClient', () => {
  it('refuses to follow a pagination link to another host, sending it nothing', async () => {
    const evil = new FakeGitHub()
    const evilUrl = await evil.start()
    try {
      const gh = await client({ comments: { 7: [] } })
      api!.script({
        path: /\/issues\/7\/comments$/,
        status: 200,
        body: [],
        headers: { link: `<${evilUrl}/steal?page=2>; rel="next"` }
      })
      await expect(listIssueComments(gh, repo, 7)).rejects.toThrow(
        /Refusing to send the token to http:\/\/127\.0\.0\.1:\d+/
      )
      expect(evil.requests).toEqual([])
    } finally {
      await evil.stop()
    }
  })

  it('abandons a request that never answers after the timeout, with bounded retries', async () => {
    const gh = await client({ pullRequests: { 7: {} } }, 300)
    api!.script({ path: /\/pulls\/7$/, status: 200, hang: true })
    const started = performance.now()
    await expect(getPullRequest(gh, repo, 7)).rejects.toMatchObject({ kind: 'timeout' })
    const elapsed = performance.now() - started
    expect(api!.requests).toHaveLength(3)
    expect(elapsed).toBeGreaterThanOrEqual(900)
    expect(elapsed).toBeLessThan(5000)
  })

  it('sends the token only as the Authorization header', async () => {
    const gh = await client({ pullRequests: { 7: {} } })
    await getPullRequest(gh, repo, 7)
    const [request] = api!.requests
    expect(request?.headers.authorization).toBe('token test-token')
    expect(request?.query.toString()).not.toContain('test-token')
  })
})
