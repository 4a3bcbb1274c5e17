/**
 * parseRegistry: the full example parses with its defaults; every schema error lands on its own
 * line and column with a message naming the field and the fix.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from '@jest/globals'

import { parseRegistry, type RegistryParse } from '../../src/core/registry/parse.js'
import type { SourceIssue } from '../../src/core/yaml/load.js'

const here = dirname(fileURLToPath(import.meta.url))
const fixture = (name: string): Buffer => readFileSync(join(here, 'fixtures', name))

const SHA_A = 'a'.repeat(64)

function issuesOf(r: RegistryParse): SourceIssue[] {
  if (r.ok) throw new Error('expected the registry to be refused')
  return r.issues
}

function ok(r: RegistryParse): Extract<RegistryParse, { ok: true }> {
  if (!r.ok) throw new Error(`expected success: ${JSON.stringify(r.issues, null, 2)}`)
  return r
}

/** A minimal valid registry with one model, for error tests. */
function oneModel(versionLines: string[]): string {
  return ['version: 1', 'models:', '  m:', '    versions:', ...versionLines].join('\n') + '\n'
}

describe('parseRegistry: valid registries', () => {
  it('parses the full example, applying defaults', () => {
    const r = ok(parseRegistry(fixture('valid-full.yaml')))
    expect(r.registry.version).toBe(1)
    expect(Object.keys(r.registry.useCases)).toEqual(['fraud-scoring', 'churn'])
    expect(r.registry.useCases.churn?.status).toBe('proposed') // default: never approved by omission
    expect(r.registry.useCases['fraud-scoring']?.riskTier).toBe('high')
    const fraud = r.registry.models['fraud-xgb']!
    expect(fraud.versions.map(v => [v.version, v.status, v.frameworkVersion])).toEqual([
      ['3.1.0', 'retired', '2.0'],
      ['3.2.0', 'approved', '2.1.1']
    ])
    const churn = r.registry.models['churn-onnx']!
    expect(churn.versions[0]?.status).toBe('pending') // default
    expect(churn.owner).toBeUndefined()
    expect(r.registry.exceptions.map(e => e.expires)).toEqual(['2027-01-31', '2026-12-31'])
    expect(r.index.versionsByPath.get('models/fraud/model.ubj')?.map(v => v.version.version)).toEqual([
      '3.1.0',
      '3.2.0'
    ])
    expect(r.lineOf(['models', 'fraud-xgb', 'versions', 1, 'sha256'])).toEqual({ line: 28, column: 17 })
  })

  it('fills defaults for a minimal registry', () => {
    const r = ok(parseRegistry('version: 1\n'))
    expect(r.registry).toEqual({ version: 1, useCases: {}, models: {}, exceptions: [] })
    expect(r.index.models.size).toBe(0)
  })

  it('treats `__proto__` and `constructor` as ordinary names', () => {
    const text = [
      'version: 1',
      'useCases:',
      '  __proto__: {title: Proto, owner: "@a", status: approved}',
      '  constructor: {title: Ctor, owner: "@a"}',
      'models:',
      '  __proto__:',
      '    useCases: [__proto__]',
      '    versions:',
      `      - {version: "1", path: models/proto.onnx, sha256: ${SHA_A}}`,
      '  constructor:',
      '    versions:',
      `      - {version: "1", path: models/ctor.onnx, sha256: ${'b'.repeat(64)}}`,
      '  toString:',
      '    versions:',
      `      - {version: "1", path: models/ts.onnx, sha256: ${'c'.repeat(64)}}`
    ].join('\n')
    const r = ok(parseRegistry(text))
    expect(Object.keys(r.registry.models)).toEqual(['__proto__', 'constructor', 'toString'])
    expect(Object.keys(r.registry.useCases)).toEqual(['__proto__', 'constructor'])
    expect(r.registry.models.__proto__?.versions[0]?.path).toBe('models/proto.onnx')
    expect(r.index.models.get('__proto__')?.useCases).toEqual(['__proto__'])
    expect(r.index.useCases.get('__proto__')?.status).toBe('approved')
    expect(r.index.useCases.get('constructor')?.title).toBe('Ctor')
    expect(r.index.versionsByPath.get('models/ctor.onnx')?.[0]?.modelName).toBe('constructor')
    // Nothing leaked into prototypes, and absent names stay absent.
    expect(({} as Record<string, unknown>).useCases).toBeUndefined()
    expect(r.index.models.get('hasOwnProperty')).toBeUndefined()
    expect(r.index.useCases.get('toString')).toBeUndefined()
  })

  it('validates a `__proto__` entry like any other', () => {
    const text = ['version: 1', 'models:', '  __proto__:', '    versions: []'].join('\n')
    const [i] = issuesOf(parseRegistry(text))
    expect(i).toMatchObject({ line: 4, column: 15, path: ['models', '__proto__', 'versions'] })
    expect(i?.message).toBe('models.__proto__.versions must list at least one version')
  })
})

describe('parseRegistry: refused registries', () => {
  it('refuses an unknown registry version with one clear issue', () => {
    const issues = issuesOf(parseRegistry('version: 2\nmodels: {whatever: 1}\n'))
    expect(issues).toHaveLength(1)
    expect(issues[0]).toMatchObject({ line: 1, column: 10, path: ['version'] })
    expect(issues[0]?.message).toBe(
      'this ModelGate understands registry version 1, but the file declares version 2'
    )
    expect(issues[0]?.hint).toContain('upgrade the ModelGate action or CLI')
    expect(issuesOf(parseRegistry('version: "1"\n'))[0]?.message).toBe('version must be 1, not the text "1"')
  })

  it('refuses a registry without a version', () => {
    const [i] = issuesOf(parseRegistry('models: {}\n'))
    expect(i?.message).toBe('the registry is missing the required field `version`')
    expect(i?.hint).toContain('version: 1')
    expect(i).toMatchObject({ line: 1, column: 1 })
  })

  it('refuses an empty file and a non-mapping document', () => {
    expect(issuesOf(parseRegistry(''))[0]?.message).toBe('the registry is empty')
    expect(issuesOf(parseRegistry('# only a comment\n'))[0]?.message).toBe('the registry is empty')
    expect(issuesOf(parseRegistry('- a\n'))[0]?.message).toBe('the registry must be a mapping, not a list')
  })

  it('names the field, line, column and fix for a bad sha256', () => {
    const text = oneModel([
      '      - version: 3.2.0',
      '        path: models/fraud/model.ubj',
      '        sha256: 9F86D0'
    ])
    const [i] = issuesOf(parseRegistry(text))
    expect(i).toMatchObject({ line: 7, column: 17, path: ['models', 'm', 'versions', 0, 'sha256'] })
    expect(i?.message).toBe(
      'models.m.versions[0].sha256 must be 64 lowercase hex characters (the sha256 of the file)'
    )
    expect(i?.hint).toBe('run `modelgate register models/fraud/model.ubj` to fill it')
  })

  it('reports a missing required field at its parent mapping', () => {
    const text = oneModel(['      - version: 3.2.0', '        path: models/a.onnx'])
    const [i] = issuesOf(parseRegistry(text))
    expect(i).toMatchObject({ line: 5, column: 9 })
    expect(i?.message).toBe('models.m.versions[0] is missing the required field `sha256`')
    expect(i?.hint).toBe('run `modelgate register models/a.onnx` to fill it')
  })

  it('refuses unknown fields with a did-you-mean hint at the key', () => {
    const text = oneModel([
      '      - version: 3.2.0',
      '        path: models/a.onnx',
      `        sha256: ${SHA_A}`,
      '        stauts: approved'
    ])
    const [i] = issuesOf(parseRegistry(text))
    expect(i).toMatchObject({ line: 8, column: 9, path: ['models', 'm', 'versions', 0, 'stauts'] })
    expect(i?.message).toBe('unknown field `stauts` in models.m.versions[0]')
    expect(i?.hint).toBe('did you mean `status`?')
    const [top] = issuesOf(parseRegistry('version: 1\nmodel: {}\n'))
    expect(top).toMatchObject({ line: 2, column: 1, hint: 'did you mean `models`?' })
    const [snake] = issuesOf(
      parseRegistry(oneModel([`      - {version: "1", path: a, sha256: ${SHA_A}, framework_version: "2"}`]))
    )
    expect(snake?.hint).toBe('did you mean `frameworkVersion`?')
  })

  it('refuses bad enum values with a suggestion', () => {
    const text = [
      'version: 1',
      'useCases:',
      '  fraud:',
      '    title: Fraud',
      '    owner: "@acme/risk"',
      '    status: approve'
    ].join('\n')
    const [i] = issuesOf(parseRegistry(text))
    expect(i).toMatchObject({ line: 6, column: 13, hint: 'did you mean `approved`?' })
    expect(i?.message).toBe(
      'useCases.fraud.status must be one of proposed, approved, rejected, retired; found the text "approve"'
    )
  })

  it('refuses a number where a version string is expected, and says to quote it', () => {
    const text = oneModel([
      '      - version: 3.10',
      '        path: models/a.onnx',
      `        sha256: ${SHA_A}`
    ])
    const [i] = issuesOf(parseRegistry(text))
    expect(i).toMatchObject({ line: 5, column: 18 })
    expect(i?.message).toBe('models.m.versions[0].version must be text (a string), not the number 3.1')
    expect(i?.hint).toContain('quotes')
  })

  it('refuses bad names, owners and paths, each at its own position', () => {
    const text = [
      'version: 1', // 1
      'useCases:', // 2
      '  "bad name":', // 3
      '    title: x', // 4
      '    owner: acme', // 5
      'models:', // 6
      '  m:', // 7
      '    useCases: [a, a]', // 8
      '    versions:', // 9
      `      - {version: "1", path: ./models/a.onnx, sha256: ${SHA_A}}`, // 10
      `      - {version: "2", path: "models\\\\a.onnx", sha256: ${SHA_A}}`, // 11
      `      - {version: "3", path: /abs/a.onnx, sha256: ${SHA_A}}`, // 12
      `      - {version: "4", path: models/dir/, sha256: ${SHA_A}}`, // 13
      `      - {version: "5", path: a/../b, sha256: ${SHA_A}}`, // 14
      `      - {version: "1", path: models/ok.onnx, sha256: ${SHA_A}}` // 15
    ].join('\n')
    const issues = issuesOf(parseRegistry(text))
    const brief = issues.map(i => [i.line, i.column, i.message])
    expect(brief).toEqual([
      [
        3,
        3,
        'useCases: the name `bad name` may contain only letters, digits, `.`, `_` and `-`, and must not start with `.` or `-`'
      ],
      [8, 19, 'models.m.useCases[1] lists `a` twice'],
      [10, 30, 'models.m.versions[0].path must not start with `./`'],
      [11, 30, 'models.m.versions[1].path must use forward slashes (`/`), not backslashes'],
      [12, 30, 'models.m.versions[2].path must be relative to the repository root (no leading `/`)'],
      [
        13,
        30,
        'models.m.versions[3].path must not end with `/` (name a directory without the trailing slash)'
      ],
      [14, 30, 'models.m.versions[4].path must not contain `..`'],
      [
        15,
        19,
        'models.m.versions[5].version repeats version `1` (already at versions[0]); each version label must be unique'
      ]
    ])
  })

  it('refuses an exception without expiry, with a bad date, or covering everything', () => {
    const text = [
      'version: 1', // 1
      'exceptions:', // 2
      '  - path: experiments/**', // 3
      '    reason: sandbox', // 4
      '    owner: "@alice"', // 5
      '  - path: "**"', // 6
      '    reason: all', // 7
      '    owner: "@alice"', // 8
      '    expires: 2027-02-30', // 9
      '  - path: "!secret/**"', // 10
      '    reason: negated', // 11
      '    owner: "@alice"', // 12
      '    expires: 2027-01-01' // 13
    ].join('\n')
    const brief = issuesOf(parseRegistry(text)).map(i => [i.line, i.column, i.message, i.hint])
    expect(brief).toEqual([
      [
        3,
        5,
        'exceptions[0] is missing the required field `expires`',
        'every exception must expire: add `expires: YYYY-MM-DD`'
      ],
      [
        6,
        11,
        'exceptions[1].path must not cover the whole repository; name the directories it is for',
        undefined
      ],
      [
        9,
        14,
        'exceptions[1].expires must be a date written YYYY-MM-DD (for example 2027-01-31)',
        'every exception must expire: add `expires: YYYY-MM-DD`'
      ],
      [
        10,
        11,
        'exceptions[2].path must not start with `!` (a negated pattern would cover everything else)',
        undefined
      ]
    ])
  })

  it('refuses approving an unacceptable-risk use case and duplicate exception paths', () => {
    const text = [
      'version: 1',
      'useCases:',
      '  social-scoring: {title: x, owner: "@a", riskTier: unacceptable, status: approved}',
      'exceptions:',
      '  - {path: a/**, reason: r, owner: "@a", expires: 2027-01-01}',
      '  - {path: a/**, reason: r, owner: "@a", expires: 2027-01-02}'
    ].join('\n')
    const brief = issuesOf(parseRegistry(text)).map(i => [i.line, i.message])
    expect(brief).toEqual([
      [3, 'useCases.social-scoring.status cannot be `approved` when riskTier is `unacceptable`'],
      [6, 'exceptions[1].path repeats the path of exceptions[0]; merge the two exceptions']
    ])
  })

  it('reports YAML-level problems from the hardened loader', () => {
    expect(issuesOf(parseRegistry('version: 1\nmodels: {}\nmodels: {}\n'))[0]).toMatchObject({
      line: 3,
      column: 1
    })
    expect(issuesOf(parseRegistry('version: 1\n---\nversion: 1\n'))[0]?.message).toContain(
      'more than one YAML document'
    )
    expect(issuesOf(parseRegistry(new Uint8Array([0x76, 0x3a, 0x20, 0xff])))[0]?.message).toContain('UTF-8')
    const big = `version: 1\nmodels:\n${'  # padding padding padding padding padding padding padding padding\n'.repeat(160_000)}`
    expect(big.length).toBeGreaterThan(10_000_000)
    expect(issuesOf(parseRegistry(big))[0]?.message).toContain('ModelGate reads at most 2 MiB')
    expect(issuesOf(parseRegistry(`version: 1\nmodels: ${'['.repeat(10_000)}`))[0]?.message).toContain(
      'nests deeper'
    )
  })
})
