/**
 * buildIndex: Map-based, exact lookups. Case and Unicode-normalisation variants never match
 * (THREATS.md 8).
 */
import { describe, expect, it } from '@jest/globals'

import { buildIndex } from '../../src/core/registry/index.js'
import { parseRegistry } from '../../src/core/registry/parse.js'
import type { Registry } from '../../src/core/registry/schema.js'

const NFC = 'models/mod\u00e8le.onnx' // è precomposed
const NFD = 'models/mode\u0300le.onnx' // e + combining grave
const SHA = (c: string): string => c.repeat(64)

function registry(): Registry {
  const text = [
    'version: 1',
    'models:',
    '  upper:',
    '    versions:',
    `      - {version: "1", path: models/Model.onnx, sha256: ${SHA('a')}}`,
    '  accented:',
    '    versions:',
    `      - {version: "1", path: "${NFC}", sha256: ${SHA('b')}}`,
    '  shared:',
    '    versions:',
    `      - {version: "1", path: models/shared.pt, sha256: ${SHA('c')}}`,
    `      - {version: "2", path: models/shared.pt, sha256: ${SHA('d')}}`,
    '  copy:',
    '    versions:',
    `      - {version: "1", path: other/copy.pt, sha256: ${SHA('c')}}`
  ].join('\n')
  const r = parseRegistry(text)
  if (!r.ok) throw new Error(JSON.stringify(r.issues))
  return r.registry
}

describe('buildIndex', () => {
  it('indexes models, versions by path and versions by digest', () => {
    const index = buildIndex(registry())
    expect([...index.models.keys()]).toEqual(['upper', 'accented', 'shared', 'copy'])
    expect(index.versionsByPath.get('models/shared.pt')?.map(r => r.version.version)).toEqual(['1', '2'])
    expect(index.versionsByDigest.get(SHA('c'))?.map(r => `${r.modelName}@${r.version.path}`)).toEqual([
      'shared@models/shared.pt',
      'copy@other/copy.pt'
    ])
    const ref = index.versionsByPath.get('models/Model.onnx')?.[0]
    expect(ref?.model).toBe(index.models.get('upper'))
  })

  it('matches paths exactly: no case folding', () => {
    const index = buildIndex(registry())
    expect(index.versionsByPath.has('models/Model.onnx')).toBe(true)
    for (const variant of [
      'models/model.onnx',
      'MODELS/Model.onnx',
      'models/MODEL.ONNX',
      'Models/Model.onnx'
    ]) {
      expect(index.versionsByPath.get(variant)).toBeUndefined()
    }
    expect(index.versionsByDigest.get(SHA('A'))).toBeUndefined()
  })

  it('matches paths exactly: no Unicode normalisation', () => {
    expect(NFC).not.toBe(NFD)
    expect(NFC.normalize('NFD')).toBe(NFD)
    const index = buildIndex(registry())
    expect(index.versionsByPath.get(NFC)?.[0]?.modelName).toBe('accented')
    expect(index.versionsByPath.get(NFD)).toBeUndefined()
  })

  it('does not trim or resolve paths', () => {
    const index = buildIndex(registry())
    for (const variant of [
      './models/shared.pt',
      'models/shared.pt ',
      '/models/shared.pt',
      'models//shared.pt',
      'models\\shared.pt'
    ]) {
      expect(index.versionsByPath.get(variant)).toBeUndefined()
    }
  })

  it('treats prototype names as plain keys', () => {
    const reg: Registry = {
      version: 1,
      useCases: Object.create(null) as Registry['useCases'],
      models: Object.create(null) as Registry['models'],
      exceptions: []
    }
    Object.defineProperty(reg.models, '__proto__', {
      value: {
        useCases: [],
        versions: [{ version: '1', path: '__proto__', sha256: SHA('e'), status: 'pending' }]
      },
      enumerable: true
    })
    const index = buildIndex(reg)
    expect([...index.models.keys()]).toEqual(['__proto__'])
    expect(index.versionsByPath.get('__proto__')?.[0]?.modelName).toBe('__proto__')
    expect(index.models.get('constructor')).toBeUndefined()
    expect(index.versionsByPath.get('constructor')).toBeUndefined()
    expect(index.versionsByDigest.get('toString')).toBeUndefined()
  })
})
