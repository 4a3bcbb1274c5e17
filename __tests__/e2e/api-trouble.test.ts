import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FakeGitHub, type FakeFile, type ScriptedReply } from '../support/fake-github-api.js'
import { TestRepo } from '../support/git-repo.js'
import { corpusBytes, registryYaml, sha256Of } from '../support/registry-yaml.js'
import {
  findingsOf,
  pullRequestPayload,
  runAction,
  type ActionRun,
  type OutputFinding
} from '../support/run-action.js'

/**
 * GitHub API trouble end to end (THREATS 10, 15, 20): the committed bundle against a fake API
 * scripted to cap listings, refuse, rate-limit, fail and hang. Every case ends in bounded time
 * with its own message, and the gate fails closed. The per-request timeout and the retry base are
 * shortened through the MODELGATE_API_TIMEOUT_MS and MODELGATE_RETRY_BASE_MS knobs.
 */
const SAFETENSORS = corpusBytes('safetensors/mlp.safetensors')
const DIGEST = sha256Of(SAFETENSORS)

const TIMEOUT_MS = 1000
const RETRY_BASE_MS = 50
const KNOBS = { MODELGATE_API_TIMEOUT_MS: String(TIMEOUT_MS), MODELGATE_RETRY_BASE_MS: String(RETRY_BASE_MS) }
const CENTRAL = 'acme/governance/ai-registry.yaml@main'
const CONTENTS = /^\/repos\/acme\/governance\/contents\//

const centralRegistry = registryYaml({
  models: [{ name: 'mlp', path: 'models/mlp.safetensors', digest: DIGEST }]
})

const findings = findingsOf

let api: FakeGitHub
let apiUrl: string
let repo: TestRepo
let base: string
let head: string

beforeEach(() => {
  repo = new TestRepo()
  base = repo.commit('base', { 'README.md': '# models\n' })
  repo.checkout('feature', true)
  head = repo.commit('add model', { 'models/mlp.safetensors': SAFETENSORS })
})

afterEach(async () => {
  await api.stop()
  repo.remove()
})

async function start(
  scripts: ScriptedReply[] = [],
  options: ConstructorParameters<typeof FakeGitHub>[0] = {}
): Promise<void> {
  api = new FakeGitHub({
    comments: { 7: [] },
    pullRequests: { 7: { head_sha: head, base_sha: base } },
    contents: { [`acme/governance/ai-registry.yaml@main`]: centralRegistry },
    ...options
  })
  for (const script of scripts) api.script(script)
  apiUrl = await api.start()
}

/** One gate run with the central registry, timed. */
async function gate(
  inputs: Record<string, string> = {},
  workspace = repo.dir
): Promise<{ run: ActionRun; elapsed: number }> {
  const started = performance.now()
  const run = await runAction({
    workspace,
    eventName: 'pull_request',
    payload: pullRequestPayload({ base, head }),
    apiUrl,
    inputs: { registry: CENTRAL, 'registry-token': 'test-token', comment: 'never', ...inputs },
    env: KNOBS,
    timeoutMs: 30_000
  })
  return { run, elapsed: performance.now() - started }
}

const registryReads = (): number => api.requests.filter(r => CONTENTS.test(r.path)).length
const registryFinding = (run: ActionRun): OutputFinding | undefined =>
  findings(run).find(f => f.code === 'MG009')
const rateLimitHeaders = {
  'x-ratelimit-remaining': '0',
  'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600)
}
const SECONDARY = {
  message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'
}

describe('central registry read: each failure fails closed with its own message', () => {
  it('passes when the central registry answers (baseline)', async () => {
    await start()
    const { run } = await gate()
    expect(run.code).toBe(0)
    expect(run.outputs.verdict).toBe('pass')
    expect(registryReads()).toBe(1)
  })

  it('403 permission: says the token lacks permission, no retry', async () => {
    await start([
      { path: CONTENTS, status: 403, body: { message: 'Resource not accessible by integration' } }
    ])
    const { run, elapsed } = await gate()
    expect(run.code).toBe(1)
    expect(run.outputs.verdict).toBe('fail')
    const finding = registryFinding(run)
    expect(finding?.message).toContain(`The central registry ${CENTRAL} could not be read: Permission denied`)
    expect(finding?.message).toContain('HTTP 403')
    expect(finding?.message).not.toMatch(/rate limit/i)
    expect(registryReads()).toBe(1)
    expect(elapsed).toBeLessThan(15_000)
  })

  it('403 rate limit: says it is a rate limit and when it resets, without waiting an hour', async () => {
    await start([
      {
        path: CONTENTS,
        status: 403,
        headers: rateLimitHeaders,
        body: { message: 'API rate limit exceeded for installation.' }
      }
    ])
    const { run, elapsed } = await gate()
    expect(run.code).toBe(1)
    const message = registryFinding(run)?.message ?? ''
    expect(message).toContain('rate limit reached')
    expect(message).toContain('It resets at')
    expect(message).toContain('This is not a permission problem')
    expect(message).not.toContain('Permission denied')
    expect(registryReads()).toBe(1)
    expect(elapsed).toBeLessThan(15_000)
  })

  it('429 with retry-after: waits as told, retries once, and passes', async () => {
    await start([{ path: CONTENTS, status: 429, headers: { 'retry-after': '1' }, body: SECONDARY, times: 1 }])
    const { run, elapsed } = await gate()
    expect(run.code).toBe(0)
    expect(run.outputs.verdict).toBe('pass')
    expect(run.stdout).toMatch(/::warning::GitHub API secondary rate limit on GET .*; retry in 1s\./)
    expect(registryReads()).toBe(2)
    expect(elapsed).toBeLessThan(15_000)
  })

  it('429 that persists: one bounded retry, then a rate-limit failure naming the wait', async () => {
    await start([{ path: CONTENTS, status: 429, headers: { 'retry-after': '1' }, body: SECONDARY }])
    const { run, elapsed } = await gate()
    expect(run.code).toBe(1)
    const message = registryFinding(run)?.message ?? ''
    expect(message).toContain('rate limit reached')
    expect(message).toContain('HTTP 429')
    expect(message).toContain('GitHub asked to wait 1s')
    expect(registryReads()).toBe(2)
    expect(elapsed).toBeLessThan(15_000)
  })

  it('502 then success: retried and passes', async () => {
    await start([{ path: CONTENTS, status: 502, body: { message: 'Server Error' }, times: 1 }])
    const { run } = await gate()
    expect(run.code).toBe(0)
    expect(registryReads()).toBe(2)
  })

  it('502 that persists: bounded retries, then a server-error failure', async () => {
    await start([{ path: CONTENTS, status: 502, body: { message: 'Server Error' } }])
    const { run, elapsed } = await gate()
    expect(run.code).toBe(1)
    expect(registryFinding(run)?.message).toContain('(HTTP 502) after bounded retries')
    expect(registryReads()).toBe(3)
    expect(elapsed).toBeLessThan(15_000)
  })

  it('a request that never answers: timed out, bounded retries, and a timeout failure in seconds', async () => {
    await start([{ path: CONTENTS, status: 200, hang: true }])
    const { run, elapsed } = await gate()
    expect(run.code).toBe(1)
    expect(run.outputs.verdict).toBe('fail')
    const message = registryFinding(run)?.message ?? ''
    expect(message).toContain('did not answer in time')
    expect(message).not.toContain('HTTP 500')
    expect(registryReads()).toBe(3)
    // Three attempts of TIMEOUT_MS each, plus 1x and 4x the retry base, plus Node start-up.
    expect(elapsed).toBeGreaterThanOrEqual(3 * TIMEOUT_MS)
    expect(elapsed).toBeLessThan(15_000)
  })

  it('404: says not found, distinct from permission and rate limit', async () => {
    await start([], { contents: {} })
    const { run } = await gate()
    expect(run.code).toBe(1)
    const message = registryFinding(run)?.message ?? ''
    expect(message).toContain('Not found')
    expect(message).toContain('HTTP 404')
    expect(message).not.toMatch(/rate limit|Permission denied/)
  })
})

describe('the token never leaves the API host', () => {
  it('refuses a pagination Link to another origin; the comment is skipped, the verdict stands', async () => {
    const evil = new FakeGitHub()
    const evilUrl = await evil.start()
    try {
      await start([
        {
          method: 'GET',
          path: /^\/repos\/acme\/models\/issues\/7\/comments$/,
          status: 200,
          body: [],
          headers: { link: `<${evilUrl}/repos/acme/models/issues/7/comments?page=2>; rel="next"` }
        }
      ])
      const { run } = await gate({ comment: 'always' })
      expect(run.code).toBe(0)
      expect(run.outputs.verdict).toBe('pass')
      expect(run.stdout).toMatch(
        /::notice title=ModelGate comment skipped::.*Refusing to send the token to http:\/\/127\.0\.0\.1:\d+/
      )
      expect(evil.requests).toEqual([])
      expect(api.comments(7)).toEqual([])
      for (const request of api.requests) expect(request.headers.authorization).toBe('token test-token')
      // The token appears only in the mask command that hides it in the log.
      expect(run.stdout.replace(/^::add-mask::.*$/gm, '')).not.toContain('test-token')
    } finally {
      await evil.stop()
    }
  })
})

describe('API fallback for the change set (no usable local git)', () => {
  let notARepo: string

  beforeEach(() => {
    notARepo = mkdtempSync(join(tmpdir(), 'modelgate-no-git-'))
  })

  afterEach(() => {
    rmSync(notARepo, { recursive: true, force: true })
  })

  const files = (count: number, model: number): FakeFile[] =>
    Array.from({ length: count }, (_, i) => ({
      filename: i + 1 === model ? 'models/mlp.safetensors' : `src/file-${String(i + 1).padStart(4, '0')}.ts`,
      status: 'added' as const
    }))

  it('fails MG010 with the fix when the listing is capped at 3,000 of 3,005 files', async () => {
    await start([], { pullRequests: { 7: { head_sha: head, base_sha: base, files: files(3005, 3004) } } })
    const { run, elapsed } = await gate(
      { registry: '', 'registry-token': '', comment: 'on-failure' },
      notARepo
    )
    expect(run.code).toBe(1)
    expect(run.outputs.verdict).toBe('fail')
    const [finding] = findings(run)
    expect(findings(run)).toHaveLength(1)
    expect(finding?.code).toBe('MG010')
    expect(finding?.message).toContain("GitHub's API listed 3000 of the 3005 files")
    expect(finding?.message).toContain('the listing stops at 3,000 files')
    expect(run.stdout).toMatch(/::error::ModelGate failed: 1 error.*fetch-depth: 0/)
    const pages = api.requests.filter(r => r.path === '/repos/acme/models/pulls/7/files')
    expect(pages).toHaveLength(30)
    expect(pages.every(r => r.query.get('per_page') === '100')).toBe(true)
    // The PR hears about it too.
    expect(api.comments(7)[0]?.body).toContain('MG010')
    expect(elapsed).toBeLessThan(20_000)
  })

  it('still fails MG010 on a complete listing: without a checkout there are no bytes to judge', async () => {
    await start([], { pullRequests: { 7: { head_sha: head, base_sha: base, files: files(5, 2) } } })
    const { run } = await gate({ registry: '', 'registry-token': '' }, notARepo)
    expect(run.code).toBe(1)
    const [finding] = findings(run)
    expect(finding?.code).toBe('MG010')
    expect(finding?.message).toContain('lists all 5 changed file(s)')
    expect(finding?.message).toContain('models/mlp.safetensors')
    expect(finding?.message).toContain('is not a git repository')
    expect(run.stdout).toMatch(/::error::.*Add actions\/checkout before ModelGate/)
  })

  it('fails MG010 when the API listing fails too', async () => {
    await start([
      { path: /\/pulls\/7\/files$/, status: 403, body: { message: 'Resource not accessible by integration' } }
    ])
    const { run } = await gate({ registry: '', 'registry-token': '' }, notARepo)
    expect(run.code).toBe(1)
    expect(findings(run)[0]?.message).toContain('listing it through the API failed too: Permission denied')
  })
})
