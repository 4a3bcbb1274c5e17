import { describe, expect, it } from '@jest/globals'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import {
  applyEdits,
  entryYaml,
  newRegistryText,
  writeFileAtomic,
  type RegistryEdit
} from '../../src/core/registry/edit.js'
import { parseRegistry } from '../../src/core/registry/parse.js'

const SHA_A = 'a'.repeat(64)
const SHA_B = 'b'.repeat(64)

const REGISTRY = `# Governance registry — do not reorder
version: 1

useCases:
  fraud-scoring:   # the main one
    title: Card-fraud scoring at checkout
    owner: "@acme/risk"
    status: approved

models:
  # The XGBoost scorer
  fraud-xgb:
    owner: '@acme/risk-ml'
    useCases: [ fraud-scoring ]
    framework: xgboost
    versions:
      - version: "3.10"
        path: models/fraud/model.ubj   # trailing comment
        sha256: ${SHA_A}

  zeta-model:
    owner: "@acme/risk-ml"
    useCases:
      - fraud-scoring
    versions:
    - version: 1.0.0
      path: models/zeta.onnx
      sha256: ${SHA_A}
# end of models

exceptions:
  - path: experiments/
    reason: sandbox, never shipped
    owner: "@alice"
    expires: 2099-01-31
`

const newModel: RegistryEdit = {
  model: 'churn',
  version: { version: '1.0.0', path: 'models/churn.safetensors', sha256: SHA_B, format: 'safetensors' },
  newModel: { owner: '@acme/growth', useCases: ['fraud-scoring'], framework: 'safetensors' }
}

function parsed(text: string) {
  const result = parseRegistry(text)
  if (!result.ok) throw new Error(JSON.stringify(result.issues))
  return result
}

describe('applyEdits', () => {
  it('appends a new model and leaves every other byte as it was', () => {
    const out = applyEdits(REGISTRY, [newModel])
    const insertAt = REGISTRY.indexOf('\n# end of models')
    expect(out.slice(0, insertAt)).toBe(REGISTRY.slice(0, insertAt))
    expect(out.endsWith(REGISTRY.slice(insertAt))).toBe(true)
    const added = out.slice(insertAt, out.length - (REGISTRY.length - insertAt))
    expect(added).toBe(
      [
        '',
        '  churn:',
        '    owner: "@acme/growth"',
        '    useCases: [ fraud-scoring ]',
        '    framework: safetensors',
        '    versions:',
        '      - version: 1.0.0',
        '        path: models/churn.safetensors',
        `        sha256: ${SHA_B}`,
        '        format: safetensors'
      ].join('\n')
    )
    const reg = parsed(out)
    expect([...reg.index.models.keys()]).toEqual(['fraud-xgb', 'zeta-model', 'churn'])
    expect(reg.registry.exceptions).toHaveLength(1)
  })

  it('appends a version to an existing model, matching its list indentation', () => {
    const edit: RegistryEdit = {
      model: 'fraud-xgb',
      version: { version: '3.11', path: 'models/fraud/model.ubj', sha256: SHA_B }
    }
    const out = applyEdits(REGISTRY, [edit])
    const anchor = REGISTRY.indexOf('# trailing comment') + '# trailing comment'.length
    const shaLine = REGISTRY.indexOf('\n', anchor + 1)
    expect(out.slice(0, shaLine)).toBe(REGISTRY.slice(0, shaLine))
    expect(out.slice(shaLine)).toBe(
      `\n      - version: "3.11"\n        path: models/fraud/model.ubj\n        sha256: ${SHA_B}` +
        REGISTRY.slice(shaLine)
    )
    expect(
      parsed(out)
        .index.models.get('fraud-xgb')!
        .versions.map(v => v.version)
    ).toEqual(['3.10', '3.11'])

    const zeta = applyEdits(REGISTRY, [
      { model: 'zeta-model', version: { version: '1.0.1', path: 'models/zeta.onnx', sha256: SHA_B } }
    ])
    expect(zeta).toContain(
      `      sha256: ${SHA_A}\n    - version: 1.0.1\n      path: models/zeta.onnx\n      sha256: ${SHA_B}\n# end of models`
    )
    expect(parsed(zeta).index.models.get('zeta-model')!.versions).toHaveLength(2)
  })

  it('fills an empty `models: {}` and a registry without models', () => {
    const fresh = newRegistryText()
    const out = applyEdits(fresh, [newModel])
    expect(out.startsWith('# yaml-language-server: $schema=')).toBe(true)
    expect(out).toContain('\nmodels:\n  churn:\n    owner: "@acme/growth"\n')
    expect(parsed(out).index.models.has('churn')).toBe(true)

    const seeded = 'version: 1\nuseCases: {}\nmodels: {}   # filled by modelgate register\nexceptions: []\n'
    const out3 = applyEdits(seeded, [newModel])
    expect(
      out3.startsWith('version: 1\nuseCases: {}\nmodels:   # filled by modelgate register\n  churn:\n')
    ).toBe(true)
    expect(out3.endsWith('\nexceptions: []\n')).toBe(true)

    const noModels = 'version: 1 # v1\nuseCases: {}\n'
    const out2 = applyEdits(noModels, [newModel])
    expect(out2.startsWith(noModels)).toBe(true)
    expect(parsed(out2).index.models.has('churn')).toBe(true)
  })

  it('falls back to the Document API for flow-style layouts, losing nothing', () => {
    const flow = `version: 1\n# keep me\nmodels: {a: {useCases: [x], versions: [{version: "1", path: p.onnx, sha256: ${SHA_A}}]}}\n`
    const out = applyEdits(flow, [{ model: 'a', version: { version: '2', path: 'p.onnx', sha256: SHA_B } }])
    expect(out).toContain('# keep me')
    const reg = parsed(out)
    expect(reg.index.models.get('a')!.versions.map(v => v.sha256)).toEqual([SHA_A, SHA_B])
  })

  it('applies several edits in order', () => {
    const out = applyEdits(REGISTRY, [
      newModel,
      { model: 'churn', version: { version: '1.0.1', path: 'models/churn.safetensors', sha256: SHA_A } }
    ])
    expect(
      parsed(out)
        .index.models.get('churn')!
        .versions.map(v => v.version)
    ).toEqual(['1.0.0', '1.0.1'])
    expect(out.startsWith(REGISTRY.slice(0, REGISTRY.indexOf('\n# end of models')))).toBe(true)
  })

  it('quotes values YAML would misread', () => {
    const out = applyEdits(REGISTRY, [
      {
        ...newModel,
        model: 'n',
        version: { ...newModel.version, version: '1.10', path: 'models/yes: no #x.onnx' }
      }
    ])
    const v = parsed(out).index.models.get('n')!.versions[0]!
    expect(v.version).toBe('1.10')
    expect(v.path).toBe('models/yes: no #x.onnx')
  })
})

describe('entryYaml', () => {
  it('prints a standalone entry for a central registry', () => {
    expect(entryYaml(newModel)).toContain(
      'models:\n  churn:\n    owner: "@acme/growth"\n    useCases: [ fraud-scoring ]'
    )
  })
})

describe('writeFileAtomic', () => {
  it('replaces the file and leaves no temporary file behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-atomic-'))
    const file = join(dir, 'ai-registry.yaml')
    writeFileSync(file, 'old\n', { mode: 0o600 })
    await writeFileAtomic(file, 'new\n')
    expect(readFileSync(file, 'utf8')).toBe('new\n')
    expect(readdirSync(dir)).toEqual(['ai-registry.yaml'])
  })
})
