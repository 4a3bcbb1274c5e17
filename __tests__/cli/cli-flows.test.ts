import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { parseRegistry } from '../../src/core/registry/parse.js'
import { TestRepo } from '../support/git-repo.js'
import { demoRepo, GOVERNED_REGISTRY, modelBytes, runCli } from './cli-support.js'

/**
 * End-to-end flows of the built CLI (dist/cli/index.js) in real git repositories, with stdin
 * closed: no case may wait for input.
 */

function registry(repo: TestRepo): string {
  return readFileSync(join(repo.dir, 'ai-registry.yaml'), 'utf8')
}

describe('usage errors exit 2', () => {
  let repo: TestRepo
  beforeAll(() => {
    repo = demoRepo()
  })
  afterAll(() => {
    repo.remove()
  })

  it('prints usage for no command, --help and an unknown command', () => {
    const none = runCli([], repo.dir)
    expect(none.status).toBe(2)
    expect(none.stderr).toContain('Usage: modelgate <command>')
    const help = runCli(['--help'], repo.dir)
    expect(help.status).toBe(0)
    expect(help.stdout).toContain('register [PATH...]')
    const unknown = runCli(['regster'], repo.dir)
    expect(unknown.status).toBe(2)
    expect(unknown.stderr).toContain('unknown command "regster"')
  })

  it.each([
    ['check', '--bogus'],
    ['register', '--usecase=x'],
    ['reconcile', '--jsn'],
    ['schema', '--nope']
  ])('%s rejects unknown flag %s with the usage', (command, flag) => {
    const result = runCli([command, flag], repo.dir)
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(/error: Unknown option/)
    expect(result.stderr).toContain(`Usage: modelgate ${command}`)
  })

  it('every command has --help with examples', () => {
    for (const command of ['check', 'register', 'reconcile', 'schema']) {
      const result = runCli([command, '--help'], repo.dir)
      expect(result.status).toBe(0)
      expect(result.stdout).toContain('Examples:')
    }
  })

  it('schema prints the registry JSON Schema', () => {
    const result = runCli(['schema'], repo.dir)
    expect(result.status).toBe(0)
    const schema = JSON.parse(result.stdout) as { $id: string; properties: Record<string, unknown> }
    expect(schema.$id).toContain('ai-registry.schema.json')
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['version', 'useCases', 'models']))
  })
})

describe('register, check and reconcile without a terminal', () => {
  let repo: TestRepo
  beforeAll(() => {
    repo = demoRepo()
  })
  afterAll(() => {
    repo.remove()
  })

  it('check fails (1) on the unregistered model and prints the register command', () => {
    const result = runCli(['check'], repo.dir)
    expect(result.status).toBe(1)
    expect(result.stdout).toContain('FAIL')
    expect(result.stdout).toContain('MG001 models/churn.safetensors')
    expect(result.stdout).toContain('$ npx modelgate register models/churn.safetensors')
    const json = runCli(['check', '--json'], repo.dir)
    expect(json.status).toBe(1)
    const report = JSON.parse(json.stdout) as { verdict: string; findings: { code: string }[] }
    expect(report.verdict).toBe('fail')
    expect(report.findings.map(f => f.code)).toContain('MG001')
  })

  it('never waits for input: missing answers exit 2 and list the flags', () => {
    const result = runCli(['register'], repo.dir)
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('--use-case ID (one of: churn-prediction, fraud-scoring)')
    expect(result.stderr).toContain('--owner OWNER (suggested: @acme/ml from CODEOWNERS)')
    expect(result.stderr).toContain('--version LABEL (suggested: 1.0.0)')
    expect(registry(repo)).toBe(GOVERNED_REGISTRY)
  })

  it('an unknown use case exits 2 with "did you mean"', () => {
    const result = runCli(['register', '--use-case', 'churn-predicton', '--yes'], repo.dir)
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('did you mean churn-prediction?')
    expect(registry(repo)).toBe(GOVERNED_REGISTRY)
  })

  it('an invalid owner exits 2 before anything is scanned or written', () => {
    const result = runCli(['register', '--owner', 'not an owner', '--use-case', 'churn-prediction'], repo.dir)
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('--owner: owner must be a GitHub user')
  })

  it('registers with flags, keeping the governed part byte for byte', () => {
    const result = runCli(
      ['register', 'models/churn.safetensors', '--use-case', 'churn-prediction', '--yes', '--json'],
      repo.dir
    )
    expect(result.stderr).toContain('Registered churn@1.0.0')
    expect(result.status).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({
      written: true,
      registered: [{ model: 'churn', version: '1.0.0', newModel: true }]
    })
    const text = registry(repo)
    const head = GOVERNED_REGISTRY.slice(0, GOVERNED_REGISTRY.indexOf('models: {}'))
    expect(text.startsWith(head)).toBe(true)
    expect(text).toContain('models:   # modelgate register fills this in\n  churn:\n    owner: "@acme/ml"\n')
    const parsed = parseRegistry(text)
    expect(parsed.ok && parsed.index.models.get('churn')?.useCases).toEqual(['churn-prediction'])
    expect(existsSync(join(repo.dir, 'ai-registry.yaml.tmp'))).toBe(false)
  })

  it('check then passes (0), and register has nothing left to do', () => {
    const result = runCli(['check'], repo.dir)
    expect(result.stdout).toContain('PASS')
    expect(result.status).toBe(0)
    const again = runCli(['register'], repo.dir)
    expect(again.status).toBe(0)
    expect(again.stderr).toContain('is registered as churn@1.0.0')
  })

  it('new bytes at a registered path become the next version of that model', () => {
    repo.commit('register churn', {})
    writeFileSync(join(repo.dir, 'models/churn.safetensors'), modelBytes(1))
    const failing = runCli(['check'], repo.dir)
    expect(failing.status).toBe(1)
    expect(failing.stdout).toContain('MG002')
    const result = runCli(['register', '--yes'], repo.dir)
    expect(result.status).toBe(0)
    expect(result.stderr).toContain('Registered churn@1.0.1 (models/churn.safetensors) as a new version')
    const parsed = parseRegistry(registry(repo))
    expect(parsed.ok && parsed.index.models.get('churn')?.versions.map(v => v.version)).toEqual([
      '1.0.0',
      '1.0.1'
    ])
    expect(runCli(['check'], repo.dir).status).toBe(0)
  })

  it('refuses a duplicate version label and writes nothing', () => {
    const before = registry(repo)
    writeFileSync(join(repo.dir, 'models/churn.safetensors'), modelBytes(2))
    const result = runCli(['register', '--version', '1.0.0'], repo.dir)
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('churn already has a version 1.0.0')
    expect(registry(repo)).toBe(before)
    writeFileSync(join(repo.dir, 'models/churn.safetensors'), modelBytes(1))
  })

  it('reconcile lists shadow, drift and stale models, each once', () => {
    repo.commit('v1.0.1', {})
    expect(runCli(['reconcile'], repo.dir).status).toBe(0)
    writeFileSync(join(repo.dir, 'models/shadow.safetensors'), modelBytes(3))
    writeFileSync(join(repo.dir, 'models/churn.safetensors'), modelBytes(4))
    const table = runCli(['reconcile'], repo.dir)
    expect(table.status).toBe(1)
    expect(table.stdout).toMatch(/shadow\s+models\/shadow\.safetensors/)
    expect(table.stdout).toMatch(/drift\s+models\/churn\.safetensors\s+churn@1\.0\.0,1\.0\.1/)
    rmSync(join(repo.dir, 'models/churn.safetensors'))
    const json = runCli(['reconcile', '--json'], repo.dir)
    expect(json.status).toBe(1)
    const { items } = JSON.parse(json.stdout) as { items: { kind: string; path: string }[] }
    expect(items).toEqual([
      expect.objectContaining({ kind: 'shadow', path: 'models/shadow.safetensors' }),
      expect.objectContaining({ kind: 'stale', path: 'models/churn.safetensors' })
    ])
    const md = runCli(['reconcile', '--markdown'], repo.dir)
    expect(md.stdout).toContain('| shadow | `models/shadow.safetensors` |')
    expect(runCli(['reconcile', '--json', '--markdown'], repo.dir).status).toBe(2)
  })

  it('a central registry gets the entry to propose, and nothing is written', () => {
    const before = registry(repo)
    const result = runCli(
      [
        'register',
        'models/shadow.safetensors',
        '--registry',
        'acme/governance/ai-registry.yaml@main',
        '--use-case',
        'churn-prediction',
        '--owner',
        '@acme/ml',
        '--name',
        'shadow',
        '--version',
        '0.1.0'
      ],
      repo.dir
    )
    expect(result.status).toBe(0)
    expect(result.stderr).toContain('The registry is central (acme/governance/ai-registry.yaml@main)')
    expect(result.stdout).toContain(
      'models:\n  shadow:\n    owner: "@acme/ml"\n    useCases: [ churn-prediction ]'
    )
    expect(registry(repo)).toBe(before)
  })
})

describe('broken and missing registries', () => {
  let repo: TestRepo
  beforeAll(() => {
    repo = demoRepo()
  })
  afterAll(() => {
    repo.remove()
  })

  it('a broken registry is never overwritten (exit 2 with line:col)', () => {
    const broken = GOVERNED_REGISTRY.replace('status: approved\n  fraud', 'status: aproved\n  fraud')
    writeFileSync(join(repo.dir, 'ai-registry.yaml'), broken)
    const result = runCli(['register', '--use-case', 'fraud-scoring', '--yes'], repo.dir)
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(/ai-registry\.yaml:\d+:\d+: /)
    expect(result.stderr).toContain('was not changed')
    expect(registry(repo)).toBe(broken)
    const check = runCli(['check'], repo.dir)
    expect(check.status).toBe(2)
    expect(check.stdout).toContain('MG009')
  })

  it('a missing registry exits 2 with the fix, and --init creates it', () => {
    rmSync(join(repo.dir, 'ai-registry.yaml'))
    repo.commit('drop registry', {})
    const missing = runCli(['register', '--use-case', 'x', '--yes'], repo.dir)
    expect(missing.status).toBe(2)
    expect(missing.stderr).toContain('modelgate register --init')
    expect(existsSync(join(repo.dir, 'ai-registry.yaml'))).toBe(false)
    // The base still has it, so check judges the deletion (findings), not a configuration error.
    expect(runCli(['check', '--base', 'main'], repo.dir).status).toBe(1)
    const bare = new TestRepo('modelgate-cli-bare-')
    try {
      bare.commit('model', { 'm.safetensors': modelBytes(0) })
      const check = runCli(['check', '--base', 'HEAD'], bare.dir)
      expect(check.status).toBe(2)
      expect(check.stderr).toContain('There is no registry file ai-registry.yaml')
      expect(check.stderr).toContain('modelgate register --init')
    } finally {
      bare.remove()
    }

    const init = runCli(['register', '--init'], repo.dir)
    expect(init.status).toBe(2)
    expect(init.stderr).toContain('Created ai-registry.yaml')
    expect(init.stderr).toContain('no use cases yet')
    const text = registry(repo)
    expect(text.startsWith('# yaml-language-server: $schema=')).toBe(true)
    expect(parseRegistry(text).ok).toBe(true)
  })
})

describe('hash cache', () => {
  let repo: TestRepo
  beforeAll(() => {
    repo = demoRepo()
  })
  afterAll(() => {
    repo.remove()
  })

  it('a second run reuses the digest; CI never reads or writes the cache', () => {
    const ci = runCli(['check', '--verbose'], repo.dir, { CI: 'true' })
    expect(ci.stderr).toContain('hash cache: 0 hit(s), 1 miss(es)')
    expect(existsSync(join(repo.dir, '.modelgate-cache'))).toBe(false)

    const first = runCli(['check', '--verbose'], repo.dir)
    expect(first.stderr).toContain('hash cache: 0 hit(s), 1 miss(es)')
    const second = runCli(['check', '--verbose'], repo.dir)
    expect(second.stderr).toContain('hash cache: 1 hit(s), 0 miss(es)')
    expect(second.stdout).toBe(first.stdout)

    for (const env of [{ CI: 'true' }, { GITHUB_ACTIONS: 'true' }] as Record<string, string>[]) {
      const underCi = runCli(['check', '--verbose'], repo.dir, env)
      expect(underCi.stderr).toContain('hash cache: 0 hit(s), 1 miss(es)')
    }
    expect(repo.git('status', '--porcelain')).toBe('')
  })
})
