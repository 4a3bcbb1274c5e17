/**
 * Tests for the fake GitHub API, driven through the real `@octokit/rest` client so that the fake is
 * proven compatible with the wire behaviour the Action relies on (auth header, Link pagination,
 * media types, error shapes) rather than with our own assumptions about it.
 */
import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it } from '@jest/globals'
import { Octokit } from '@octokit/rest'
import { FakeGitHub } from './fake-github-api.js'
import type { FakeComment, FakeFile, FakeGitHubOptions } from './fake-github-api.js'

const owner = 'acme'
const repo = 'models'
const running: FakeGitHub[] = []

async function setup(
  options: FakeGitHubOptions = {}
): Promise<{ fake: FakeGitHub; octokit: Octokit; baseUrl: string }> {
  const fake = new FakeGitHub(options)
  running.push(fake)
  const baseUrl = await fake.start()
  return { fake, baseUrl, octokit: new Octokit({ auth: 'test-token', baseUrl, log: silentLog }) }
}

const silentLog = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined
}

afterEach(async () => {
  await Promise.all(running.splice(0).map(fake => fake.stop()))
})

/** Resolves to the HTTP status of a failed Octokit call (fails the test if the call succeeds). */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call
  } catch (error) {
    return (error as { status: number }).status
  }
  throw new Error('expected the request to fail')
}

function makeComments(count: number): FakeComment[] {
  return Array.from({ length: count }, (_, i) => ({
    id: count - i, // deliberately out of order: the fake must sort by id
    body: `comment ${count - i}`,
    user: { login: 'octocat', id: 1, type: 'User' as const },
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z'
  }))
}

function makeFiles(count: number): FakeFile[] {
  return Array.from({ length: count }, (_, i) => ({
    filename: `models/m${i}.onnx`,
    status: 'added' as const
  }))
}

describe('FakeGitHub', () => {
  it('answers GET /user like GITHUB_TOKEN by default, or with a configured viewer', async () => {
    const { octokit } = await setup()
    expect(await statusOf(octokit.rest.users.getAuthenticated())).toBe(403)

    const viewer = { login: 'reviewer-bot[bot]', id: 7, type: 'Bot' as const }
    const other = await setup({ viewer })
    const { data } = await other.octokit.rest.users.getAuthenticated()
    expect(data).toMatchObject(viewer)
  })

  it('rejects a wrong or missing token with 401 but still records the request', async () => {
    const { fake, baseUrl } = await setup({ pullRequests: { 1: {} } })
    const wrong = new Octokit({ auth: 'leaked-token', baseUrl, log: silentLog })
    expect(await statusOf(wrong.rest.pulls.get({ owner, repo, pull_number: 1 }))).toBe(401)

    const anonymous = await fetch(`${baseUrl}/repos/${owner}/${repo}/pulls/1`)
    expect(anonymous.status).toBe(401)
    expect(await anonymous.json()).toMatchObject({ message: 'Bad credentials' })

    expect(fake.requests.map(r => r.headers.authorization)).toEqual(['token leaked-token', undefined])
    // Bearer is accepted too (Octokit uses it for JWT-shaped tokens).
    const bearer = await fetch(`${baseUrl}/repos/${owner}/${repo}/pulls/1`, {
      headers: { authorization: 'Bearer test-token' }
    })
    expect(bearer.status).toBe(200)
  })

  it('paginates comments by id with a Link header, capping per_page', async () => {
    const { fake, octokit } = await setup({ comments: { 5: makeComments(250) } })
    const all = await octokit.paginate(octokit.rest.issues.listComments, {
      owner,
      repo,
      issue_number: 5,
      per_page: 100
    })
    expect(all.map(c => c.id)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1))
    expect(fake.requests.map(r => r.query.get('page'))).toEqual([null, '2', '3'])

    const first = await octokit.rest.issues.listComments({ owner, repo, issue_number: 5, per_page: 500 })
    expect(first.data).toHaveLength(100) // capped at maxPerPage
    expect(first.headers.link).toMatch(/[?&]page=2>; rel="next".*[?&]page=3>; rel="last"/)
    expect(first.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(first.headers['x-ratelimit-remaining']).toBe('4999')
    expect(first.headers['x-github-request-id']).toBeTruthy()
  })

  it('creates and updates comments, enforcing the 65536-character limit', async () => {
    const { fake, octokit } = await setup({ pullRequests: { 3: {} } })
    const created = await octokit.rest.issues.createComment({ owner, repo, issue_number: 3, body: 'hello' })
    expect(created.status).toBe(201)
    expect(created.data.user).toMatchObject(FakeGitHub.ACTIONS_BOT)
    expect(fake.requests.at(-1)).toMatchObject({ method: 'POST', body: { body: 'hello' } })

    const updated = await octokit.rest.issues.updateComment({
      owner,
      repo,
      comment_id: created.data.id,
      body: 'x'.repeat(65536)
    })
    expect(updated.status).toBe(200)

    const tooLong = octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: 3,
      body: 'x'.repeat(65537)
    })
    await expect(tooLong).rejects.toMatchObject({
      status: 422,
      response: { data: { errors: [{ message: 'Body is too long (maximum is 65536 characters)' }] } }
    })
    const missing = octokit.rest.issues.updateComment({ owner, repo, comment_id: 999, body: 'nope' })
    expect(await statusOf(missing)).toBe(404)

    expect(fake.comments(3)).toEqual([
      expect.objectContaining({ id: created.data.id, body: 'x'.repeat(65536) })
    ])
  })

  it('authors comments as the configured viewer and refuses writes when forbidden', async () => {
    const viewer = { login: 'octocat', id: 583231, type: 'User' as const }
    const { octokit } = await setup({ viewer, pullRequests: { 1: {} } })
    const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: 1, body: 'hi' })
    expect(data.user).toMatchObject(viewer)

    const readOnly = await setup({ commentWrite: 'forbidden', comments: { 1: makeComments(1) } })
    const create = readOnly.octokit.rest.issues.createComment({ owner, repo, issue_number: 1, body: 'hi' })
    await expect(create).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining('Resource not accessible by integration') as unknown
    })
    expect(
      await statusOf(readOnly.octokit.rest.issues.updateComment({ owner, repo, comment_id: 1, body: 'x' }))
    ).toBe(403)
    expect(readOnly.fake.comments(1)[0]?.body).toBe('comment 1')
  })

  it('serves contents as base64 JSON or raw bytes, decoding the path', async () => {
    const binary = Buffer.from([0x08, 0x80, 0xff, 0x00, 0xc3, 0x28])
    const { baseUrl, octokit } = await setup({
      contents: {
        'acme/registry/approved models.yaml@main': 'models: []\n',
        'acme/models/weights/model.onnx@abc123': binary
      }
    })
    const { data } = await octokit.rest.repos.getContent({
      owner,
      repo: 'registry',
      path: 'approved models.yaml',
      ref: 'main'
    })
    expect(data).toMatchObject({ type: 'file', encoding: 'base64', name: 'approved models.yaml', size: 11 })
    expect(Buffer.from((data as { content: string }).content, 'base64').toString()).toBe('models: []\n')
    // git hash-object of "models: []\n"
    expect((data as { sha: string }).sha).toBe(
      createHash('sha1').update('blob 11\0models: []\n').digest('hex')
    )

    const raw = await octokit.rest.repos.getContent({
      owner,
      repo: 'registry',
      path: 'approved models.yaml',
      ref: 'main',
      mediaType: { format: 'raw' }
    })
    expect(raw.data).toBe('models: []\n')

    // Binary bytes survive when read as bytes (Octokit would decode this charset=utf-8 body as text).
    const res = await fetch(`${baseUrl}/repos/acme/models/contents/weights%2Fmodel.onnx?ref=abc123`, {
      headers: { authorization: 'token test-token', accept: 'application/vnd.github.raw' }
    })
    expect(res.headers.get('content-type')).toBe('application/vnd.github.raw; charset=utf-8')
    expect(Buffer.from(await res.arrayBuffer())).toEqual(binary)

    const absent = octokit.rest.repos.getContent({ owner, repo, path: 'weights/model.onnx', ref: 'other' })
    await expect(absent).rejects.toMatchObject({ status: 404, response: { data: { message: 'Not Found' } } })
  })

  it('truncates PR file listings at the cap and compare at 300 files', async () => {
    const files = makeFiles(3005)
    const { octokit } = await setup({
      pullRequests: { 9: { files, base_sha: 'b'.repeat(40), head_sha: 'h'.repeat(40) } }
    })
    const pr = await octokit.rest.pulls.get({ owner, repo, pull_number: 9 })
    expect(pr.data).toMatchObject({ number: 9, changed_files: 3005, head: { sha: 'h'.repeat(40) } })

    const listed = await octokit.paginate(octokit.rest.pulls.listFiles, {
      owner,
      repo,
      pull_number: 9,
      per_page: 100
    })
    expect(listed).toHaveLength(3000)
    expect(listed[2999]?.filename).toBe('models/m2999.onnx')

    const compared = await octokit.rest.repos.compareCommitsWithBasehead({
      owner,
      repo,
      basehead: `${'b'.repeat(40)}...${'h'.repeat(40)}`
    })
    expect(compared.data).toMatchObject({ status: 'ahead', total_commits: 1 })
    expect(compared.data.files).toHaveLength(300)

    const unknown = octokit.rest.repos.compareCommitsWithBasehead({ owner, repo, basehead: 'x...y' })
    expect(await statusOf(unknown)).toBe(404)
  })

  it('replays a scripted 502 once, then answers normally', async () => {
    const { fake, octokit } = await setup({ pullRequests: { 2: {} } })
    fake.script({
      method: 'GET',
      path: /\/pulls\/2$/,
      status: 502,
      body: { message: 'Server Error' },
      times: 1
    })
    expect(await statusOf(octokit.rest.pulls.get({ owner, repo, pull_number: 2 }))).toBe(502)
    expect((await octokit.rest.pulls.get({ owner, repo, pull_number: 2 })).status).toBe(200)
    expect(fake.requests).toHaveLength(2)

    fake.script({
      path: /^\/user$/,
      status: 429,
      headers: { 'Retry-After': '1', 'x-ratelimit-remaining': '0' }
    })
    await expect(octokit.rest.users.getAuthenticated()).rejects.toMatchObject({
      status: 429,
      response: { headers: { 'retry-after': '1', 'x-ratelimit-remaining': '0' } }
    })
  })

  it('answers unknown routes with GitHub-style 404s', async () => {
    const { baseUrl } = await setup()
    const res = await fetch(`${baseUrl}/repos/acme/models/releases`, {
      headers: { authorization: 'token test-token' }
    })
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({
      message: 'Not Found',
      documentation_url: expect.any(String) as unknown
    })
  })

  it('stop() tears down a request that was scripted to hang', async () => {
    const { fake, octokit } = await setup({ pullRequests: { 4: {} } })
    fake.script({ path: /\/pulls\/4$/, status: 200, hang: true })
    const pending = octokit.rest.pulls.get({ owner, repo, pull_number: 4 })
    const outcome = pending.then(
      () => 'answered',
      () => 'failed'
    )
    while (fake.requests.length === 0) await new Promise(resolve => setTimeout(resolve, 5))

    const started = Date.now()
    await fake.stop()
    expect(await outcome).toBe('failed')
    expect(Date.now() - started).toBeLessThan(1000)
  })
})
