import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FakeGitHub } from '../support/fake-github-api.js'
import { AUTHOR_ENV, shallowClone, TestRepo } from '../support/git-repo.js'
import { corpusBytes, registryYaml, sha256Of, type ModelSpec } from '../support/registry-yaml.js'
import { findingsOf, modelsOf, pullRequestPayload, runAction, type ActionRun } from '../support/run-action.js'

/**
 * The event matrix end to end (DESIGN.md, Events): the committed bundle on a real-shaped payload
 * for every supported event, in a real git repository, against the stateful fake API.
 */
const sha256 = sha256Of

const SAFETENSORS = corpusBytes('safetensors/mlp.safetensors')
const ONNX = corpusBytes('onnx/mlp.onnx')
const DRIFTED_ONNX = Buffer.concat([ONNX, Buffer.from([0x42, 0x00])])
const ZERO = '0'.repeat(40)
const REPO = {
  id: 1,
  full_name: 'acme/models',
  name: 'models',
  owner: { login: 'acme' },
  default_branch: 'main'
}

/** This suite's registries: the default approved use case, these models, and optional exceptions. */
const registry = (models: ModelSpec[], tail = ''): string => registryYaml({ models, tail })

const FRAUD: ModelSpec = { name: 'fraud', path: 'models/fraud.onnx', digest: sha256(ONNX) }

const findings = findingsOf
const models = modelsOf
const codes = (run: ActionRun): string[] => findings(run).map(f => f.code)

let api: FakeGitHub
let apiUrl: string
let repo: TestRepo

beforeEach(async () => {
  repo = new TestRepo()
  api = new FakeGitHub({ comments: { 7: [] } })
  apiUrl = await api.start()
})

afterEach(async () => {
  await api.stop()
  repo.remove()
})

function gate(
  eventName: string,
  payload: unknown,
  extra: { sha?: string; workspace?: string; inputs?: Record<string, string> } = {}
): Promise<ActionRun> {
  return runAction({
    workspace: extra.workspace ?? repo.dir,
    eventName,
    payload,
    apiUrl,
    ...(extra.sha !== undefined ? { sha: extra.sha } : {}),
    ...(extra.inputs ? { inputs: extra.inputs } : {})
  })
}

function pushPayload(ref: string, before: string, after: string, forced = false): unknown {
  return {
    ref,
    before,
    after,
    created: before === ZERO,
    deleted: false,
    forced,
    base_ref: null,
    compare: `https://github.com/acme/models/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`,
    commits: [],
    head_commit: { id: after, message: 'change' },
    repository: REPO,
    pusher: { name: 'alice' },
    sender: { login: 'alice' }
  }
}

describe('push', () => {
  it('judges the whole tree of a new branch (all-zero before), without reconciling', async () => {
    repo.commit('base', {
      'ai-registry.yaml': registry([
        FRAUD,
        { name: 'gone', path: 'models/gone.onnx', digest: sha256(DRIFTED_ONNX) }
      ]),
      'models/fraud.onnx': ONNX
    })
    repo.checkout('feature', true)
    const head = repo.commit('add model', { 'models/new.safetensors': SAFETENSORS, 'docs/a.md': 'a\n' })
    const run = await gate('push', pushPayload('refs/heads/feature', ZERO, head), { sha: head })
    expect(run.code).toBe(1)
    expect(run.outputs.verdict).toBe('fail')
    expect(run.stdout).toMatch(/::notice title=ModelGate scope::new branch refs\/heads\/feature/)
    expect(
      models(run)
        .map(m => [m.path, m.status])
        .sort()
    ).toEqual([
      ['models/fraud.onnx', 'registered'],
      ['models/new.safetensors', 'unregistered']
    ])
    expect(codes(run)).toEqual(['MG001'])
    expect(run.summary).toMatch(/Judged \*\*4\*\* files/)
    expect(api.requests).toEqual([])
  })

  it('falls back to a full scan with a notice when a force-push removed `before`', async () => {
    repo.commit('base', { 'ai-registry.yaml': registry([FRAUD]), 'models/fraud.onnx': ONNX })
    const head = repo.commit('rewrite', { 'models/fraud.onnx': DRIFTED_ONNX })
    const gone = createHash('sha1').update('rewritten away').digest('hex')
    const run = await gate('push', pushPayload('refs/heads/main', gone, head, true), { sha: head })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain(
      `::notice title=ModelGate scope::The previous head ${gone} is gone (force-push)`
    )
    expect(codes(run)).toEqual(['MG002'])
    expect(models(run)).toEqual([
      expect.objectContaining({ path: 'models/fraud.onnx', status: 'unregistered-version' })
    ])
  })

  it('judges before..after with every change kind: rename, delete, submodule, symlink', async () => {
    const mlp: ModelSpec = { name: 'mlp', path: 'models/mlp.safetensors', digest: sha256(SAFETENSORS) }
    const before = repo.commit('base', {
      'ai-registry.yaml': registry([FRAUD, mlp]),
      'models/fraud.onnx': ONNX,
      'models/mlp.safetensors': SAFETENSORS,
      'models/untouched.onnx': DRIFTED_ONNX
    })
    mkdirSync(join(repo.dir, 'models/moved'))
    repo.git('mv', 'models/fraud.onnx', 'models/moved/fraud.onnx')
    repo.git('rm', '-q', 'models/mlp.safetensors')
    // A gitlink (submodule pointer) and a symlink to a model outside the repository.
    repo.git('update-index', '--add', '--cacheinfo', `160000,${before},vendor/weights`)
    const target = execFileSync('git', ['hash-object', '-w', '--stdin'], {
      cwd: repo.dir,
      input: '/opt/models/secret.onnx',
      encoding: 'utf8'
    }).trim()
    repo.git('update-index', '--add', '--cacheinfo', `120000,${target},models/secret.onnx`)
    execFileSync('git', ['commit', '-q', '-m', 'move, delete, vendor, link'], {
      cwd: repo.dir,
      env: { ...process.env, ...AUTHOR_ENV }
    })
    const after = repo.git('rev-parse', 'HEAD')
    expect(repo.git('ls-tree', after, 'vendor/weights')).toMatch(/^160000 commit/)

    const run = await gate('push', pushPayload('refs/heads/main', before, after), { sha: after })
    expect(run.code).toBe(1)
    const byCode = Object.fromEntries(findings(run).map(f => [f.code, f]))
    expect(Object.keys(byCode).sort()).toEqual(['MG013', 'MG014', 'MG015', 'MG016'])
    expect(byCode.MG013).toMatchObject({ path: 'models/moved/fraud.onnx', severity: 'error' })
    expect(byCode.MG013?.message).toContain('registered at models/fraud.onnx')
    expect(byCode.MG014).toMatchObject({ path: 'models/mlp.safetensors', severity: 'notice' })
    expect(byCode.MG015).toMatchObject({ path: 'vendor/weights', severity: 'error' })
    expect(byCode.MG016).toMatchObject({ path: 'models/secret.onnx', severity: 'error' })
    expect(byCode.MG016?.message).toContain('outside the repository')
    // Only the change is judged: the untouched, unregistered model is not in it.
    expect(models(run).map(m => m.path)).toEqual(['models/moved/fraud.onnx'])
    expect(run.summary).toMatch(/Judged \*\*4\*\* files/)
  })
})

describe('release', () => {
  const policy = 'release:\n  requireApproved: true\n'

  function releaseTree(): string {
    const mlp: ModelSpec = {
      name: 'mlp',
      path: 'models/mlp.safetensors',
      digest: sha256(SAFETENSORS),
      status: 'approved'
    }
    return repo.commit('release', {
      '.github/modelgate.yml': policy,
      'ai-registry.yaml': registry([{ ...FRAUD, status: 'pending' }, mlp]),
      'models/fraud.onnx': ONNX,
      'models/mlp.safetensors': SAFETENSORS
    })
  }

  it('judges the whole tree at an annotated tag push with release strictness', async () => {
    releaseTree()
    repo.git('tag', '-a', 'v1.0.0', '-m', 'v1.0.0')
    const tagObject = repo.git('rev-parse', 'refs/tags/v1.0.0')
    const commit = repo.git('rev-parse', 'v1.0.0^{commit}')
    expect(tagObject).not.toBe(commit)
    repo.commit('after the tag', { 'models/later.onnx': DRIFTED_ONNX })
    const run = await gate('push', pushPayload('refs/tags/v1.0.0', ZERO, tagObject), { sha: commit })
    expect(run.code).toBe(1)
    expect(findings(run).map(f => [f.code, f.path])).toEqual([['MG018', 'models/fraud.onnx']])
    expect(
      models(run)
        .map(m => m.path)
        .sort()
    ).toEqual(['models/fraud.onnx', 'models/mlp.safetensors'])
    expect(run.summary).toContain(commit.slice(0, 12))
  })

  it('judges the released commit on a release event with release strictness', async () => {
    const commit = releaseTree()
    const payload = {
      action: 'published',
      release: {
        id: 1,
        tag_name: 'v1.0.0',
        target_commitish: 'main',
        name: 'v1.0.0',
        draft: false,
        prerelease: false
      },
      repository: REPO,
      sender: { login: 'alice' }
    }
    const run = await gate('release', payload, { sha: commit })
    expect(run.code).toBe(1)
    expect(codes(run)).toEqual(['MG018'])
    // Once every version is approved, the same release passes.
    const head = repo.commit('approve', {
      'ai-registry.yaml': registry([
        { ...FRAUD, status: 'approved' },
        { name: 'mlp', path: 'models/mlp.safetensors', digest: sha256(SAFETENSORS), status: 'approved' }
      ])
    })
    const approved = await gate('release', payload, { sha: head })
    expect(approved.code).toBe(0)
    expect(approved.outputs.verdict).toBe('pass')
  })
})

describe('merge_group', () => {
  it('judges base_sha..head_sha of the queue entry and posts no comment', async () => {
    const base = repo.commit('base', { 'ai-registry.yaml': registry([FRAUD]), 'models/fraud.onnx': ONNX })
    repo.checkout('feature', true)
    repo.commit('add model', { 'models/new.safetensors': SAFETENSORS })
    repo.checkout('main')
    repo.commit('base moves on', { 'models/base-only.onnx': DRIFTED_ONNX })
    const target = repo.git('rev-parse', 'HEAD')
    repo.checkout('gh-readonly-queue/main/pr-7', true)
    execFileSync('git', ['merge', '-q', '--no-ff', '-m', 'Merge pull request #7', 'feature'], {
      cwd: repo.dir,
      env: { ...process.env, ...AUTHOR_ENV }
    })
    const head = repo.git('rev-parse', 'HEAD')
    const payload = {
      action: 'checks_requested',
      merge_group: {
        head_sha: head,
        head_ref: `refs/heads/gh-readonly-queue/main/pr-7-${base}`,
        base_sha: target,
        base_ref: 'refs/heads/main',
        head_commit: { id: head, message: 'Merge pull request #7' }
      },
      repository: REPO,
      sender: { login: 'alice' }
    }
    const run = await gate('merge_group', payload, { sha: head })
    expect(run.code).toBe(1)
    expect(models(run)).toEqual([
      expect.objectContaining({ path: 'models/new.safetensors', status: 'unregistered' })
    ])
    expect(run.summary).toContain(target.slice(0, 12))
    expect(api.requests).toEqual([])
  })
})

describe.each(['workflow_dispatch', 'schedule'])('%s reconciliation', event => {
  it('reports shadow, stale, drift and expired exception each exactly once', async () => {
    const exceptions = `exceptions:
  - path: experiments/**
    reason: sandbox
    owner: "@alice"
    expires: 2025-01-31
`
    const commit = repo.commit('tree', {
      'ai-registry.yaml': registry(
        [
          FRAUD,
          {
            name: 'gone',
            path: 'models/gone.safetensors',
            digest: sha256(Buffer.from('weights no longer here'))
          }
        ],
        exceptions
      ),
      'models/fraud.onnx': DRIFTED_ONNX,
      'models/shadow.safetensors': SAFETENSORS,
      'README.md': '# models\n'
    })
    const payload =
      event === 'schedule'
        ? { schedule: '17 3 * * *', repository: REPO }
        : { inputs: {}, ref: 'refs/heads/main', repository: REPO, sender: { login: 'alice' } }
    const run = await gate(event, payload, { sha: commit })
    expect(run.code).toBe(1)
    const list = findings(run)
    expect(list.map(f => [f.code, f.path]).sort()).toEqual([
      ['MG001', 'models/shadow.safetensors'],
      ['MG002', 'models/fraud.onnx'],
      ['MG008', 'ai-registry.yaml'],
      ['MG012', 'models/gone.safetensors']
    ])
    expect(list.find(f => f.code === 'MG008')?.message).toContain('expired on 2025-01-31')
    expect(run.summary).toContain(
      `Judged **4** files (${event.replace('_', '\\_')}, \`${commit.slice(0, 12)}\`)`
    )
    expect(api.requests).toEqual([])
  })
})

describe('pull_request_target (safe mode)', () => {
  let origin: TestRepo
  let workspace: string
  let base: string

  /** An origin whose PR head lives only at refs/pull/7/head (a fork), and a checkout of main. */
  function forkPullRequest(files: Record<string, Buffer | string>): string {
    origin = repo
    base = origin.commit('base', { 'ai-registry.yaml': registry([FRAUD]), 'models/fraud.onnx': ONNX })
    origin.checkout('fork-feature', true)
    const head = origin.commit('fork change', files)
    origin.git('update-ref', 'refs/pull/7/head', head)
    origin.checkout('main')
    origin.git('branch', '-q', '-D', 'fork-feature')
    workspace = join(origin.dir, '..', `${origin.dir.split('/').pop() ?? 'x'}-checkout`)
    shallowClone(origin.dir, 'main', workspace)
    expect(() =>
      execFileSync('git', ['-C', workspace, 'cat-file', '-e', `${head}^{commit}`], { stdio: 'ignore' })
    ).toThrow()
    return head
  }

  /** Puts bytes in the working tree that differ from the head commit: a gate reading them would be fooled. */
  function tamperWorkingTree(registry: string): void {
    mkdirSync(join(workspace, 'models'), { recursive: true })
    mkdirSync(join(workspace, '.github'), { recursive: true })
    writeFileSync(join(workspace, 'models/mlp.safetensors'), ONNX)
    writeFileSync(join(workspace, 'ai-registry.yaml'), registry)
    writeFileSync(join(workspace, '.github/modelgate.yml'), 'mode: warn\ncomment: never\n')
  }

  afterEach(() => {
    execFileSync('rm', ['-rf', workspace])
  })

  it('fetches refs/pull/N/head and judges the head commit, never the working tree (pass)', async () => {
    const digest = sha256(SAFETENSORS)
    const head = forkPullRequest({
      'models/mlp.safetensors': SAFETENSORS,
      'ai-registry.yaml': registry([FRAUD, { name: 'mlp', path: 'models/mlp.safetensors', digest }])
    })
    tamperWorkingTree(registry([FRAUD]))
    const run = await gate('pull_request_target', pullRequestPayload({ base, head, fork: true }), {
      workspace,
      sha: base
    })
    expect(run.stdout).toContain('refs/pull/7/head')
    expect(run.code).toBe(0)
    expect(run.outputs.verdict).toBe('pass')
    expect(models(run)).toEqual([
      expect.objectContaining({ path: 'models/mlp.safetensors', digest, status: 'registered-in-this-change' })
    ])
  })

  it('fails an unregistered model in the head commit whatever the working tree says', async () => {
    const head = forkPullRequest({ 'models/mlp.safetensors': SAFETENSORS })
    tamperWorkingTree(
      registry([FRAUD, { name: 'mlp', path: 'models/mlp.safetensors', digest: sha256(ONNX) }])
    )
    const run = await gate('pull_request_target', pullRequestPayload({ base, head, fork: true }), {
      workspace,
      sha: base
    })
    expect(run.code).toBe(1)
    expect(run.outputs.verdict).toBe('fail')
    expect(models(run)).toEqual([
      expect.objectContaining({
        path: 'models/mlp.safetensors',
        digest: sha256(SAFETENSORS),
        status: 'unregistered'
      })
    ])
    // The working tree's `mode: warn` and `comment: never` were not read: the comment is posted.
    expect(api.comments(7)).toHaveLength(1)
  })
})

describe('pull_request comment races', () => {
  it('an older run finishing last does not overwrite the comment of the newer head', async () => {
    const base = repo.commit('base', { 'ai-registry.yaml': registry([FRAUD]), 'models/fraud.onnx': ONNX })
    repo.checkout('feature', true)
    const older = repo.commit('add model', { 'models/mlp.safetensors': SAFETENSORS })
    const newer = repo.commit('add another', { 'models/other.onnx': DRIFTED_ONNX })
    await api.stop()
    api = new FakeGitHub({ comments: { 7: [] }, pullRequests: { 7: { head_sha: newer, base_sha: base } } })
    apiUrl = await api.start()

    const first = await gate('pull_request', pullRequestPayload({ base, head: newer }))
    expect(first.code).toBe(1)
    const written = api.comments(7)
    expect(written).toHaveLength(1)
    expect(written[0]?.body).toContain(`<!-- modelgate:head ${newer} -->`)

    const late = await gate('pull_request', pullRequestPayload({ base, head: older }))
    expect(late.code).toBe(1)
    expect(late.stdout).toMatch(/PR comment skipped: the pull request head moved/)
    expect(api.comments(7)).toEqual(written)
  })
})

describe('unsupported events', () => {
  it('fails with a clear error naming the supported events', async () => {
    const commit = repo.commit('base', { 'README.md': '# x\n' })
    const run = await gate(
      'issues',
      { action: 'opened', issue: { number: 1 }, repository: REPO },
      { sha: commit }
    )
    expect(run.code).toBe(1)
    expect(run.outputs.verdict).toBe('fail')
    expect(run.stdout).toMatch(
      /::error::ModelGate does not judge the "issues" event\. Supported events: pull_request, pull_request_target, merge_group, push, release, workflow_dispatch, schedule\./
    )
    expect(run.summary).toContain(
      '## ❌ ModelGate could not judge this run\n\nModelGate does not judge the &quot;issues&quot; event\\.'
    )
    expect(api.requests).toEqual([])
  })
})
