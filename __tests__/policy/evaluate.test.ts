import { describe, expect, it } from '@jest/globals'
import type { ModelArtifact } from '../../src/core/detect/artifact.js'
import { evaluate, type GateInput, type RegistryView } from '../../src/core/policy/evaluate.js'
import { buildIndex } from '../../src/core/registry/index.js'
import { parseRegistry } from '../../src/core/registry/parse.js'

const DIGEST_A = 'a'.repeat(64)
const DIGEST_B = 'b'.repeat(64)

function registry(yaml: string) {
  const parsed = parseRegistry(yaml)
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues))
  return parsed.registry
}

const BASE = `
version: 1
useCases:
  fraud-scoring: { title: Fraud, owner: "@acme/risk", status: approved }
  churn: { title: Churn, owner: "@acme/growth", status: proposed }
models:
  fraud:
    owner: "@acme/risk-ml"
    useCases: [fraud-scoring]
    versions:
      - { version: 1.0.0, path: models/fraud.onnx, sha256: ${DIGEST_A}, status: approved }
exceptions:
  - { path: "experiments/**", reason: sandbox, owner: "@alice", expires: "2026-12-31" }
  - { path: "old/**", reason: legacy, owner: "@bob", expires: "2026-01-31" }
`

function view(headYaml: string, baseYaml = BASE, ref: 'head' | 'base' = 'head'): RegistryView {
  const base = buildIndex(registry(baseYaml))
  const head = buildIndex(registry(headYaml))
  return {
    source: 'ai-registry.yaml',
    file: 'ai-registry.yaml',
    trustedUseCases: base.useCases,
    proposedUseCases: head.useCases,
    trustedExceptions: registry(baseYaml).exceptions,
    models: ref === 'head' ? head : base,
    mergedModels: base
  }
}

function artifact(path: string, digest: string, extra: Partial<ModelArtifact> = {}): ModelArtifact {
  return {
    path,
    files: [path],
    format: 'onnx',
    framework: 'onnx',
    digest,
    digestSource: 'content',
    size: 10,
    metadata: {},
    ...extra
  }
}

function input(
  artifacts: ModelArtifact[],
  registryView: RegistryView | null,
  extra: Partial<GateInput> = {}
): GateInput {
  return {
    context: {
      trigger: 'pull_request',
      head: 'h'.repeat(40),
      filesJudged: artifacts.length,
      registrySource: 'ai-registry.yaml',
      registryRef: 'head'
    },
    mode: 'enforce',
    artifacts,
    skipped: [],
    deleted: [],
    renamedFrom: new Map(),
    registry: registryView,
    findings: [],
    registryChanges: [],
    policy: {
      severity: new Map(),
      requiredMetadata: [],
      requireApprovedVersions: false,
      unsafeSerialization: 'allow-with-exception'
    },
    today: new Date('2026-11-27T00:00:00Z'),
    ...extra
  }
}

const codes = (report: ReturnType<typeof evaluate>) => report.findings.map(f => f.code)

describe('evaluate', () => {
  it('passes a registered version linked to an approved use case', () => {
    const report = evaluate(input([artifact('models/fraud.onnx', DIGEST_A)], view(BASE)))
    expect(report.verdict).toBe('pass')
    expect(report.models[0]?.status).toBe('registered')
    expect(report.models[0]?.registeredAs).toEqual({
      model: 'fraud',
      version: '1.0.0',
      useCases: ['fraud-scoring']
    })
  })

  it('fails an unregistered model with the register command', () => {
    const report = evaluate(input([artifact('models/new.onnx', DIGEST_B)], view(BASE)))
    expect(report.verdict).toBe('fail')
    expect(codes(report)).toEqual(['MG001'])
    expect(report.findings[0]?.command).toBe('npx modelgate register models/new.onnx')
    expect(report.counts.unregistered).toBe(1)
  })

  it('fails changed bytes at a registered path as an unregistered version', () => {
    const report = evaluate(input([artifact('models/fraud.onnx', DIGEST_B)], view(BASE)))
    expect(codes(report)).toEqual(['MG002'])
    expect(report.models[0]?.status).toBe('unregistered-version')
  })

  it('does not trust a use case the change adds, and says why', () => {
    const head = BASE.replace(
      'models:\n',
      'models:\n  mine:\n    useCases: [self-approved]\n    versions:\n      - { version: "1", path: models/mine.onnx, sha256: ' +
        DIGEST_B +
        ' }\n'
    ).replace(
      'useCases:\n',
      'useCases:\n  self-approved: { title: Mine, owner: "@mallory", status: approved }\n'
    )
    const report = evaluate(input([artifact('models/mine.onnx', DIGEST_B)], view(head)))
    expect(report.verdict).toBe('fail')
    expect(codes(report)).toEqual(['MG004'])
    expect(report.findings[0]?.message).toMatch(/this change adds/)
    expect(report.models[0]?.status).toBe('registered-in-this-change')
  })

  it('fails a use case that is not approved', () => {
    const head = BASE.replace('useCases: [fraud-scoring]', 'useCases: [churn]')
    const report = evaluate(input([artifact('models/fraud.onnx', DIGEST_A)], view(head)))
    expect(codes(report)).toEqual(['MG005'])
  })

  it('in base mode does not accept entries the change adds', () => {
    const head = BASE.replace(
      'models:\n',
      'models:\n  mine:\n    useCases: [fraud-scoring]\n    versions:\n      - { version: "1", path: models/mine.onnx, sha256: ' +
        DIGEST_B +
        ' }\n'
    )
    expect(evaluate(input([artifact('models/mine.onnx', DIGEST_B)], view(head, BASE, 'head'))).verdict).toBe(
      'pass'
    )
    expect(
      codes(evaluate(input([artifact('models/mine.onnx', DIGEST_B)], view(head, BASE, 'base'))))
    ).toEqual(['MG001'])
  })

  it('treats model names like __proto__ and constructor as plain names', () => {
    const head = BASE.replace('  fraud:\n', '  __proto__:\n').replace(
      'exceptions:',
      `  constructor:\n    useCases: [fraud-scoring]\n    versions:\n      - { version: "1", path: models/c.onnx, sha256: ${DIGEST_B} }\nexceptions:`
    )
    const report = evaluate(
      input([artifact('models/fraud.onnx', DIGEST_A), artifact('models/c.onnx', DIGEST_B)], view(head))
    )
    expect(report.models.map(m => m.registeredAs?.model)).toEqual(['__proto__', 'constructor'])
  })

  it('matches paths exactly: no case folding, no Unicode normalisation', () => {
    const nfc = 'models/mod\u00e8le.onnx'
    const nfd = 'models/mode\u0300le.onnx'
    const head = BASE.replace('path: models/fraud.onnx', `path: "${nfc}"`)
    expect(evaluate(input([artifact(nfc, DIGEST_A)], view(head))).verdict).toBe('pass')
    expect(codes(evaluate(input([artifact(nfd, DIGEST_A)], view(head))))).not.toContain(undefined)
    expect(evaluate(input([artifact(nfd, DIGEST_A)], view(head))).verdict).toBe('fail')
    expect(evaluate(input([artifact('models/FRAUD.onnx', DIGEST_A)], view(BASE))).verdict).toBe('fail')
  })

  it('reports a moved registered model as a stale registry path, not a new model', () => {
    const report = evaluate(
      input([artifact('models/moved.onnx', DIGEST_A)], view(BASE), {
        renamedFrom: new Map([['models/moved.onnx', 'models/fraud.onnx']])
      })
    )
    expect(codes(report)).toEqual(['MG013'])
  })

  it('honours active exceptions and flags expired ones', () => {
    const active = evaluate(input([artifact('experiments/x.onnx', DIGEST_B)], view(BASE)))
    expect(active.verdict).toBe('pass')
    expect(active.models[0]?.status).toBe('excepted')
    expect(active.exceptions[0]).toMatchObject({ owner: '@alice', state: 'active', daysLeft: 34 })
    const expired = evaluate(input([artifact('old/x.onnx', DIGEST_B)], view(BASE)))
    expect(codes(expired).sort()).toEqual(['MG001', 'MG008'])
  })

  it('fails unsafe pickles, and a pickle that cannot be parsed', () => {
    const evil = artifact('models/fraud.onnx', DIGEST_A, {
      format: 'pickle',
      pickle: { globals: ['os.system'], unsafeGlobals: ['os.system'] }
    })
    expect(codes(evaluate(input([evil], view(BASE))))).toEqual(['MG007'])
    const broken = artifact('models/fraud.onnx', DIGEST_A, {
      format: 'pickle',
      pickle: { globals: [], unsafeGlobals: [], error: 'truncated' }
    })
    expect(evaluate(input([broken], view(BASE))).verdict).toBe('fail')
    const warnOnly = evaluate(
      input([evil], view(BASE), {
        policy: {
          severity: new Map(),
          requiredMetadata: [],
          requireApprovedVersions: false,
          unsafeSerialization: 'warn'
        }
      })
    )
    expect(warnOnly.verdict).toBe('warn')
  })

  it('fails a DVC pointer whose output escapes the repository', () => {
    const pointer = artifact('models/evil.pt.dvc', '', {
      format: 'dvc-pointer',
      digestSource: 'dvc-pointer',
      escapingOutputs: ['../../home/user/model.pt']
    })
    const report = evaluate(input([pointer], view(BASE)))
    expect(codes(report).sort()).toEqual(['MG001', 'MG021'])
    expect(report.findings.find(f => f.code === 'MG021')?.message).toContain('../../home/user/model.pt')
  })

  it('applies severity overrides and warn mode', () => {
    const unregistered = [artifact('models/new.onnx', DIGEST_B)]
    const off = evaluate(
      input(unregistered, view(BASE), {
        policy: {
          severity: new Map([['MG001', 'off']]),
          requiredMetadata: [],
          requireApprovedVersions: false,
          unsafeSerialization: 'fail'
        }
      })
    )
    expect(off.verdict).toBe('pass')
    const warn = evaluate(input(unregistered, view(BASE), { mode: 'warn' }))
    expect(warn.verdict).toBe('warn')
    expect(warn.counts.errors).toBe(1)
  })

  it('requires approved versions on release when asked', () => {
    const head = BASE.replace(`sha256: ${DIGEST_A}, status: approved`, `sha256: ${DIGEST_A}, status: pending`)
    const strict = {
      severity: new Map(),
      requiredMetadata: [],
      requireApprovedVersions: true,
      unsafeSerialization: 'fail'
    } as const
    expect(
      codes(evaluate(input([artifact('models/fraud.onnx', DIGEST_A)], view(head, head), { policy: strict })))
    ).toEqual(['MG018'])
  })

  it('fails closed when the registry could not be read', () => {
    const report = evaluate(
      input([artifact('models/new.onnx', DIGEST_B)], null, {
        findings: [
          {
            code: 'MG009',
            severity: 'error',
            message: 'broken',
            path: 'ai-registry.yaml',
            line: 3,
            column: 1
          }
        ]
      })
    )
    expect(report.verdict).toBe('fail')
  })
})
