import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { FakeGitHub } from '../support/fake-github-api.js'
import { shallowClone, TestRepo } from '../support/git-repo.js'
import { registryYaml, type ModelSpec, type UseCaseSpec } from '../support/registry-yaml.js'
import { pullRequestPayload, runAction, type ActionRun } from '../support/run-action.js'

/**
 * The pull-request gate end to end: the committed bundle, a real git repository with base and
 * head commits, and a stateful stand-in for the GitHub API on 127.0.0.1.
 */
const corpus = (path: string): string => resolve(import.meta.dirname, '../../fixtures/corpus', path)
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex')

const SAFETENSORS = corpus('safetensors/mlp.safetensors')
const ONNX = corpus('onnx/mlp.onnx')

const USE_CASES: Record<string, UseCaseSpec> = {
  'fraud-scoring': { status: 'approved', owner: '@acme/risk', title: 'Card-fraud scoring' },
  churn: { status: 'proposed', owner: '@acme/growth', title: 'Churn prediction' }
}

/** The base registry (one registered ONNX model), plus what a test's head adds. */
function registry(models: ModelSpec[] = [], extraUseCases: Record<string, UseCaseSpec> = {}): string {
  return registryYaml({
    header: '# The model registry\n',
    useCases: { ...USE_CASES, ...extraUseCases },
    models: [{ name: 'fraud', path: 'models/fraud.onnx', digest: sha256(ONNX) }, ...models]
  })
}

/** A model entry for the test's safetensors file (or another path and digest). */
function entry(name: string, path: string, digest: string, useCase = 'fraud-scoring'): ModelSpec {
  return { name, path, digest, useCases: [useCase] }
}

let api: FakeGitHub
let apiUrl: string
let repo: TestRepo
let base: string

beforeEach(() => {
  repo = new TestRepo()
  base = repo.commit('base', {
    'ai-registry.yaml': registry(),
    'models/fraud.onnx': { copyFrom: ONNX },
    'README.md': '# demo\n'
  })
  repo.checkout('feature', true)
})

afterEach(async () => {
  await api.stop()
  repo.remove()
})

async function start(options: ConstructorParameters<typeof FakeGitHub>[0] = {}): Promise<void> {
  api = new FakeGitHub({ comments: { 7: [] }, ...options })
  apiUrl = await api.start()
}

async function gate(
  head: string,
  extra: { inputs?: Record<string, string>; fork?: boolean } = {}
): Promise<ActionRun> {
  return runAction({
    workspace: repo.dir,
    eventName: 'pull_request',
    payload: pullRequestPayload({ base, head, ...(extra.fork ? { fork: true } : {}) }),
    apiUrl,
    ...(extra.inputs ? { inputs: extra.inputs } : {})
  })
}

const errors = (run: ActionRun) => run.commands.filter(c => c.command === 'error')
const writes = () => api.requests.filter(r => r.method === 'POST' || r.method === 'PATCH')

describe('pull_request gate (dist/index.js)', () => {
  it('passes a PR that registers its model, and posts no comment', async () => {
    const head = repo.commit('add model', {
      'models/mlp.safetensors': { copyFrom: SAFETENSORS },
      'ai-registry.yaml': registry([entry('mlp', 'models/mlp.safetensors', sha256(SAFETENSORS))])
    })
    await start({ pullRequests: { 7: { head_sha: head, base_sha: base } } })
    const run = await gate(head)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(errors(run)).toEqual([])
    expect(run.outputs.verdict).toBe('pass')
    expect(run.outputs['unregistered-count']).toBe('0')
    expect(JSON.parse(run.outputs.models ?? '[]')).toEqual([
      expect.objectContaining({
        path: 'models/mlp.safetensors',
        format: 'safetensors',
        status: 'registered-in-this-change',
        verdict: 'pass'
      })
    ])
    expect(run.summary).toContain('ModelGate passed')
    expect(run.summary).toContain('Registry changes in this change')
    expect(writes()).toEqual([])
  })

  it('fails an unregistered model with an annotation, a summary fix and one comment', async () => {
    const head = repo.commit('add model', { 'models/mlp.safetensors': { copyFrom: SAFETENSORS } })
    await start({ pullRequests: { 7: { head_sha: head, base_sha: base } } })
    const run = await gate(head)
    expect(run.code).toBe(1)
    expect(run.outputs.verdict).toBe('fail')
    expect(run.outputs['unregistered-count']).toBe('1')
    const [annotation] = errors(run)
    expect(annotation?.properties).toContain('file=models/mlp.safetensors')
    expect(annotation?.properties).toContain('title=MG001 Unregistered model')
    expect(run.summary).toContain('npx modelgate register models/mlp.safetensors')
    expect(run.stdout).toContain('::error::ModelGate failed: 1 error')
    const comments = api.comments(7)
    expect(comments).toHaveLength(1)
    expect(comments[0]?.body).toContain('<!-- modelgate:sticky-comment -->')
    expect(comments[0]?.body).toContain(`<!-- modelgate:head ${head} -->`)
    expect(comments[0]?.body).toContain('MG001')
  })

  it('finds a renamed model by its content', async () => {
    const head = repo.commit('sneak', {
      'assets/weights.dat': { copyFrom: SAFETENSORS },
      'docs/README': { copyFrom: ONNX }
    })
    await start({ pullRequests: { 7: { head_sha: head, base_sha: base } } })
    const run = await gate(head)
    expect(run.code).toBe(1)
    const models = JSON.parse(run.outputs.models ?? '[]') as { path: string; format: string }[]
    expect(models.map(m => [m.path, m.format]).sort()).toEqual([
      ['assets/weights.dat', 'safetensors'],
      ['docs/README', 'onnx']
    ])
  })

  it('judges a Git LFS pointer by its oid, without downloading anything', async () => {
    const oid = sha256(SAFETENSORS)
    const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${readFileSync(SAFETENSORS).length}\n`
    const head1 = repo.commit('lfs model', {
      '.gitattributes': '*.safetensors filter=lfs diff=lfs merge=lfs -text\n',
      'models/big.safetensors': pointer
    })
    await start({ pullRequests: { 7: { head_sha: head1, base_sha: base } } })
    const unregistered = await gate(head1)
    expect(unregistered.code).toBe(1)
    expect(JSON.parse(unregistered.outputs.models ?? '[]')).toEqual([
      expect.objectContaining({ path: 'models/big.safetensors', digest: oid, status: 'unregistered' })
    ])
    const head2 = repo.commit('register', {
      'ai-registry.yaml': registry([entry('big', 'models/big.safetensors', oid)])
    })
    await api.stop()
    await start({ pullRequests: { 7: { head_sha: head2, base_sha: base } } })
    const registered = await gate(head2)
    expect(registered.code).toBe(0)
    expect(api.requests.some(r => /lfs|objects/.test(r.path))).toBe(false)
  })

  it('fails a use case that does not exist anywhere', async () => {
    const head = repo.commit('typo', {
      'models/mlp.safetensors': { copyFrom: SAFETENSORS },
      'ai-registry.yaml': registry([
        entry('mlp', 'models/mlp.safetensors', sha256(SAFETENSORS), 'fraud-scorin')
      ])
    })
    await start({ pullRequests: { 7: { head_sha: head, base_sha: base } } })
    const run = await gate(head)
    expect(run.code).toBe(1)
    expect(errors(run)[0]?.properties).toContain('title=MG004 Unknown use case')
    expect(errors(run)[0]?.message).toContain('fraud-scoring')
  })

  it('fails changed bytes at a registered path as an unregistered version', async () => {
    const head = repo.commit('retrain', {
      'models/fraud.onnx': Buffer.concat([readFileSync(ONNX), Buffer.from([0x42, 0x00])])
    })
    await start({ pullRequests: { 7: { head_sha: head, base_sha: base } } })
    const run = await gate(head)
    expect(run.code).toBe(1)
    expect(errors(run)[0]?.properties).toContain('title=MG002 Unregistered version (digest mismatch)')
  })

  it('does not trust a use case the PR adds or approves', async () => {
    const head = repo.commit('self-approve', {
      'models/mlp.safetensors': { copyFrom: SAFETENSORS },
      'ai-registry.yaml': registry([entry('mlp', 'models/mlp.safetensors', sha256(SAFETENSORS), 'my-own')], {
        'my-own': { status: 'approved', owner: '@mallory', title: 'Mine' }
      })
    })
    await start({ pullRequests: { 7: { head_sha: head, base_sha: base } } })
    const run = await gate(head)
    expect(run.code).toBe(1)
    expect(errors(run)[0]?.properties).toContain('title=MG004 Unknown use case')
    expect(errors(run)[0]?.message).toContain('which this change adds')
    expect(run.summary).toMatch(/use case added/)
  })

  it('fails a use case that is not approved', async () => {
    const head = repo.commit('churn', {
      'models/mlp.safetensors': { copyFrom: SAFETENSORS },
      'ai-registry.yaml': registry([entry('mlp', 'models/mlp.safetensors', sha256(SAFETENSORS), 'churn')])
    })
    await start({ pullRequests: { 7: { head_sha: head, base_sha: base } } })
    const run = await gate(head)
    expect(run.code).toBe(1)
    expect(errors(run)[0]?.properties).toContain('title=MG005 Use case not approved')
  })

  it('points an invalid registry error at its line and fails', async () => {
    const broken = registry().replace('    status: approved\n  churn', '    status: aproved\n  churn')
    const head = repo.commit('typo', {
      'ai-registry.yaml': broken,
      'models/mlp.safetensors': { copyFrom: SAFETENSORS }
    })
    await start({ pullRequests: { 7: { head_sha: head, base_sha: base } } })
    const run = await gate(head)
    expect(run.code).toBe(1)
    const annotation = errors(run).find(e => e.properties.includes('MG009'))
    expect(annotation?.properties).toContain('file=ai-registry.yaml')
    expect(annotation?.properties).toContain('line=7')
    expect(annotation?.message).toContain('status')
  })

  it('skips the comment with a notice on a fork (403) and keeps the verdict', async () => {
    const head = repo.commit('add model', { 'models/mlp.safetensors': { copyFrom: SAFETENSORS } })
    await start({ commentWrite: 'forbidden', pullRequests: { 7: { head_sha: head, base_sha: base } } })
    const run = await gate(head, { fork: true })
    expect(run.code).toBe(1)
    expect(run.outputs.verdict).toBe('fail')
    expect(run.stdout).toMatch(/::notice title=ModelGate comment skipped::.*fork/)
    expect(api.comments(7)).toHaveLength(0)
    expect(run.summary).toContain('MG001')
  })

  it('updates the same comment to passing once fixed, never duplicating it', async () => {
    const head1 = repo.commit('add model', { 'models/mlp.safetensors': { copyFrom: SAFETENSORS } })
    await start({ pullRequests: { 7: { head_sha: head1, base_sha: base } } })
    expect((await gate(head1)).code).toBe(1)
    const head2 = repo.commit('register', {
      'ai-registry.yaml': registry([entry('mlp', 'models/mlp.safetensors', sha256(SAFETENSORS))])
    })
    await api.stop()
    const first = api.comments(7)
    api = new FakeGitHub({ comments: { 7: first }, pullRequests: { 7: { head_sha: head2, base_sha: base } } })
    apiUrl = await api.start()
    const run = await gate(head2)
    expect(run.code).toBe(0)
    const comments = api.comments(7)
    expect(comments).toHaveLength(1)
    expect(comments[0]?.id).toBe(first[0]?.id)
    expect(comments[0]?.body).toContain('ModelGate passed')
    expect(comments[0]?.body).toContain(`<!-- modelgate:head ${head2} -->`)
    expect(api.requests.filter(r => r.method === 'PATCH')).toHaveLength(1)
  })

  it('ignores a look-alike comment by someone else carrying the marker', async () => {
    const head = repo.commit('add model', { 'models/mlp.safetensors': { copyFrom: SAFETENSORS } })
    const spoof = {
      id: 5,
      body: '<!-- modelgate:sticky-comment -->\nAll good ✅',
      user: { login: 'mallory', id: 666, type: 'User' as const },
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z'
    }
    await start({ comments: { 7: [spoof] }, pullRequests: { 7: { head_sha: head, base_sha: base } } })
    await gate(head)
    const comments = api.comments(7)
    expect(comments).toHaveLength(2)
    expect(comments[0]?.body).toBe(spoof.body)
    expect(comments[1]?.user.login).toBe('github-actions[bot]')
  })

  it('escapes hostile file names in logs, annotations, summary and comment', async () => {
    const name = 'models/x\n::error::forged`<img src=x onerror=alert(1)>@octocat](http:evil)<!--.bin'
    const head = repo.commit('hostile', { [name]: { copyFrom: SAFETENSORS } })
    await start({ pullRequests: { 7: { head_sha: head, base_sha: base } } })
    const run = await gate(head)
    expect(run.code).toBe(1)
    expect(run.stdout).not.toMatch(/^::error::forged/m)
    expect(run.commands.filter(c => c.message.startsWith('forged'))).toEqual([])
    const annotation = errors(run).find(e => e.properties.includes('MG001'))
    expect(annotation?.properties).toContain('file=models/x%0A%3A%3Aerror%3A%3Aforged')
    const body = api.comments(7)[0]?.body ?? ''
    expect(body).not.toMatch(/(^|[^`])<img/)
    expect(body).toContain('&#64;octocat')
    expect(JSON.parse(run.outputs.models ?? '[]')).toEqual([expect.objectContaining({ path: name })])
  })

  it('judges a model whose name is not UTF-8 and a 4,000-character path, and shows both', async () => {
    // Written through the file system with raw bytes: git stores the name exactly as given.
    const dir = Buffer.from(`${repo.dir}/models/`)
    mkdirSync(dir, { recursive: true })
    copyFileSync(
      SAFETENSORS,
      Buffer.concat([dir, Buffer.from([0x63, 0x61, 0x66, 0xe9]), Buffer.from('.bin')])
    )
    const deep = `deep/${Array.from({ length: 40 }, (_, i) => `level-${String(i).padStart(2, '0')}-${'x'.repeat(90)}`).join('/')}/m.bin`
    const head = repo.commit('odd names', { [deep]: { copyFrom: SAFETENSORS } })
    await start({ pullRequests: { 7: { head_sha: head, base_sha: base } } })
    const run = await gate(head)
    expect(run.code).toBe(1)
    expect(run.stderr).toBe('')
    const paths = JSON.parse(run.outputs.models ?? '[]') as { path: string }[]
    expect(paths.map(m => m.path).sort()).toEqual([deep, 'models/caf\udce9.bin'].sort())
    expect(deep.length).toBeGreaterThan(3900)
    // Displays show the byte and shorten the long path; the verdict used the exact strings.
    expect(run.summary).toContain('models/caf\\xE9.bin')
    expect(run.summary).toContain('…')
  })

  it('fails closed with the exact fix when the base commit is missing from a shallow checkout', async () => {
    const head = repo.commit('add model', { 'models/mlp.safetensors': { copyFrom: SAFETENSORS } })
    const shallow = new TestRepo('modelgate-shallow-')
    shallow.remove()
    shallowClone(repo.dir, 'feature', shallow.dir)
    const { execFileSync } = await import('node:child_process')
    execFileSync('git', ['-C', shallow.dir, 'remote', 'set-url', 'origin', '/nonexistent/origin.git'])
    await start({ pullRequests: { 7: { head_sha: head, base_sha: base } } })
    const run = await runAction({
      workspace: shallow.dir,
      eventName: 'pull_request',
      payload: pullRequestPayload({ base, head }),
      apiUrl
    })
    shallow.remove()
    expect(run.code).toBe(1)
    expect(run.outputs.verdict).toBe('fail')
    expect(run.stdout).toMatch(/::error::.*fetch-depth: 0/)
    // A pull request falls back to the API listing, which cannot read bytes: MG010 with the fix.
    expect(run.summary).toContain('MG010 Incomplete change set')
    expect(run.summary).toContain('fetch\\-depth\\: 0')
  })
})
