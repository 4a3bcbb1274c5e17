import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { FakeGitHub } from '../support/fake-github-api.js'
import { TestRepo } from '../support/git-repo.js'
import { corpusPath, registryYaml, sha256Of } from '../support/registry-yaml.js'
import { errorTitles, pullRequestPayload, runAction, type ActionRun } from '../support/run-action.js'

/**
 * The registry's trust model and hostile registries, judged by the committed bundle in real
 * repositories: every case must end in the gate's own message and exit 1, never a crash.
 */
const SAFETENSORS = corpusPath('safetensors/mlp.safetensors')
const DIGEST = sha256Of(readFileSync(SAFETENSORS))

const TRIAGE = { triage: { status: 'approved', owner: '@acme/support', title: 'Ticket triage' } } as const
const USE_CASES = registryYaml({ useCases: TRIAGE })
const WITH_MODEL = registryYaml({
  useCases: TRIAGE,
  models: [{ name: 'mlp', path: 'models/mlp.safetensors', digest: DIGEST, useCases: ['triage'] }]
})

let repo: TestRepo
let api: FakeGitHub
let apiUrl: string

beforeEach(async () => {
  repo = new TestRepo()
  api = new FakeGitHub({ comments: { 7: [] } })
  apiUrl = await api.start()
})

afterEach(async () => {
  await api.stop()
  repo.remove()
})

async function judgePr(
  baseFiles: Record<string, string | Buffer>,
  headFiles: Record<string, string | Buffer | { copyFrom: string }>,
  inputs: Record<string, string> = {}
): Promise<ActionRun> {
  const base = repo.commit('base', baseFiles)
  repo.checkout('feature', true)
  const head = repo.commit('head', headFiles)
  return runAction({
    workspace: repo.dir,
    eventName: 'pull_request',
    payload: pullRequestPayload({ base, head }),
    apiUrl,
    inputs: { comment: 'never', ...inputs }
  })
}

describe('registry trust (dist/index.js)', () => {
  it('accepts a model the PR registers in head mode, and refuses it with registry-ref: base', async () => {
    const head = { 'ai-registry.yaml': WITH_MODEL, 'models/mlp.safetensors': { copyFrom: SAFETENSORS } }
    const headMode = await judgePr({ 'ai-registry.yaml': USE_CASES }, head)
    expect(headMode.code).toBe(0)
    expect(headMode.summary).toContain('registered in this change')
    repo.remove()
    repo = new TestRepo()
    const baseMode = await judgePr({ 'ai-registry.yaml': USE_CASES }, head, { 'registry-ref': 'base' })
    expect(baseMode.code).toBe(1)
    expect(errorTitles(baseMode)).toEqual(['MG001 Unregistered model', undefined])
  })

  it('reads the policy file from the base commit, so a PR cannot switch a finding off for itself', async () => {
    const run = await judgePr(
      { 'ai-registry.yaml': USE_CASES, '.github/modelgate.yml': 'mode: enforce\n' },
      {
        '.github/modelgate.yml': 'mode: warn\nseverity:\n  MG001: off\n',
        'models/mlp.safetensors': { copyFrom: SAFETENSORS }
      }
    )
    expect(run.code).toBe(1)
    expect(errorTitles(run)[0]).toBe('MG001 Unregistered model')
  })

  it('honours the base policy file, and inline inputs merge over it', async () => {
    const files = { 'ai-registry.yaml': USE_CASES, '.github/modelgate.yml': 'mode: warn\n' }
    const warned = await judgePr(files, { 'models/mlp.safetensors': { copyFrom: SAFETENSORS } })
    expect(warned.code).toBe(0)
    expect(warned.outputs.verdict).toBe('warn')
    repo.remove()
    repo = new TestRepo()
    const enforced = await judgePr(
      files,
      { 'models/mlp.safetensors': { copyFrom: SAFETENSORS } },
      { mode: 'enforce' }
    )
    expect(enforced.code).toBe(1)
  })

  it('shows an exception in use with its owner and days left, and fails an expired one', async () => {
    const registry = (expires: string) =>
      `${USE_CASES}exceptions:\n  - path: "sandbox/**"\n    reason: notebooks\n    owner: "@alice"\n    expires: ${expires}\n`
    const active = await judgePr(
      { 'ai-registry.yaml': registry('2099-12-31') },
      { 'sandbox/m.safetensors': { copyFrom: SAFETENSORS } }
    )
    expect(active.code).toBe(0)
    expect(active.summary).toContain('Exceptions in use')
    expect(active.summary).toMatch(
      /`sandbox\/m.safetensors` \| `sandbox\/\*\*` \| &#64;alice \| 2099\\-12\\-31 \| \d+ \|/
    )
    repo.remove()
    repo = new TestRepo()
    const expired = await judgePr(
      { 'ai-registry.yaml': registry('2020-01-31') },
      { 'sandbox/m.safetensors': { copyFrom: SAFETENSORS } }
    )
    expect(expired.code).toBe(1)
    expect(errorTitles(expired)).toContain('MG008 Expired exception')
  })

  it('refuses an exception without an expiry at its line', async () => {
    const run = await judgePr(
      { 'ai-registry.yaml': USE_CASES },
      {
        'ai-registry.yaml': `${USE_CASES}exceptions:\n  - path: "sandbox/**"\n    reason: forever\n    owner: "@alice"\n`,
        'models/mlp.safetensors': { copyFrom: SAFETENSORS }
      }
    )
    expect(run.code).toBe(1)
    const annotation = run.commands.find(c => c.command === 'error' && c.properties.includes('MG009'))
    expect(annotation?.properties).toContain('line=9')
    expect(annotation?.message).toMatch(/expires/)
  })
})

describe('hostile registries end in the gate’s own message (dist/index.js)', () => {
  const hostile: [string, string | Buffer][] = [
    [
      'an alias bomb',
      `version: 1\na: &a ["x","x","x","x","x","x","x","x","x"]\n${Array.from(
        { length: 9 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
            .fill(`*${String.fromCharCode(97 + i)}`)
            .join(',')}]`
      ).join('\n')}\n`
    ],
    ['10,000 levels of nesting', `version: 1\nmodels: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`],
    ['duplicate keys', `${USE_CASES}useCases:\n  other: { title: x, owner: "@a", status: approved }\n`],
    ['non-UTF-8 bytes', Buffer.concat([Buffer.from(`${USE_CASES}# caf`), Buffer.from([0xe9, 0x0a])])],
    ['several documents', `${USE_CASES}---\nversion: 1\n`],
    [
      'a 12 MB file',
      `${USE_CASES}${'# padding padding padding padding padding padding padding padding\n'.repeat(190_000)}`
    ],
    ['an unknown registry version', 'version: 2\n']
  ]

  it.each(hostile)('%s', async (_name, registry) => {
    const run = await judgePr(
      { 'ai-registry.yaml': USE_CASES },
      { 'ai-registry.yaml': registry, 'models/mlp.safetensors': { copyFrom: SAFETENSORS } }
    )
    expect(run.signal).toBeNull()
    expect(run.code).toBe(1)
    expect(run.outputs.verdict).toBe('fail')
    expect(run.stderr).toBe('')
    expect(errorTitles(run)).toContain('MG009 Invalid registry')
  })
})

describe('central registry unavailable (dist/index.js)', () => {
  const central = { registry: 'acme/governance/ai-registry.yaml@main', 'registry-token': 'test-token' }

  it('fails closed by default, saying it was not found', async () => {
    const run = await judgePr(
      { 'README.md': '# x\n' },
      { 'models/mlp.safetensors': { copyFrom: SAFETENSORS } },
      central
    )
    expect(run.code).toBe(1)
    expect(errorTitles(run)).toContain('MG009 Invalid registry')
    expect(run.stdout).toMatch(
      /::error .*central registry acme\/governance\/ai-registry\.yaml@main could not be read: Not found/
    )
  })

  it('with registryUnavailable: warn, reports a warning and passes, never silently', async () => {
    const run = await judgePr(
      { '.github/modelgate.yml': 'registryUnavailable: warn\n' },
      { 'models/mlp.safetensors': { copyFrom: SAFETENSORS } },
      central
    )
    expect(run.code).toBe(0)
    expect(run.outputs.verdict).toBe('warn')
    expect(run.stdout).toMatch(
      /::warning title=MG009 Invalid registry::.*could not be read.*registryUnavailable is set to warn/
    )
    expect(run.summary).toContain('ModelGate passed with warnings')
  })
})
