/** diffRegistries: every change kind, listed to reviewers. */
import { describe, expect, it } from '@jest/globals'

import { diffRegistries } from '../../src/core/registry/diff.js'
import { parseRegistry } from '../../src/core/registry/parse.js'
import type { Registry } from '../../src/core/registry/schema.js'

function reg(text: string): Registry {
  const r = parseRegistry(text)
  if (!r.ok) throw new Error(JSON.stringify(r.issues))
  return r.registry
}

const A = 'a'.repeat(64)
const B = 'b'.repeat(64)

const base = reg(`version: 1
useCases:
  fraud: {title: Fraud, owner: "@risk", status: approved}
  old: {title: Old, owner: "@risk"}
models:
  m:
    owner: "@ml"
    useCases: [fraud]
    versions:
      - {version: "1", path: models/m.onnx, sha256: ${A}}
      - {version: "2", path: models/m.onnx, sha256: ${B}}
  gone:
    versions:
      - {version: "1", path: models/gone.onnx, sha256: ${A}}
exceptions:
  - {path: experiments/**, reason: sandbox, owner: "@alice", expires: 2026-01-31}
  - {path: old/**, reason: old, owner: "@alice", expires: 2026-01-31}
`)

const head = reg(`version: 1
useCases:
  fraud: {title: Fraud, owner: "@risk", status: retired}
  new: {title: New, owner: "@risk", riskTier: high}
models:
  m:
    owner: "@ml-team"
    useCases: [fraud, new]
    versions:
      - {version: "1", path: models/m.onnx, sha256: ${A}, status: approved}
      - {version: "3", path: models/m.onnx, sha256: ${B}}
  added:
    versions:
      - {version: "1", path: models/added.onnx, sha256: ${B}}
exceptions:
  - {path: experiments/**, reason: sandbox, owner: "@alice", expires: 2027-01-31}
  - {path: new/**, reason: new, owner: "@bob", expires: 2026-03-01}
`)

describe('diffRegistries', () => {
  it('lists every kind of change in a stable order', () => {
    expect(diffRegistries(base, head)).toEqual([
      { kind: 'use-case-changed', name: 'fraud', detail: 'status: approved → retired' },
      { kind: 'use-case-added', name: 'new', detail: 'New (owner @risk, status proposed, risk high)' },
      { kind: 'use-case-removed', name: 'old', detail: 'Old (owner @risk, status proposed)' },
      {
        kind: 'model-changed',
        name: 'm',
        detail: 'owner: @ml → @ml-team; useCases: ["fraud"] → ["fraud","new"]'
      },
      { kind: 'model-added', name: 'added', detail: 'no owner, no use case, 1 version' },
      { kind: 'model-removed', name: 'gone', detail: 'no owner, no use case, 1 version' },
      { kind: 'version-changed', name: 'm@1', detail: 'status: pending → approved' },
      {
        kind: 'version-added',
        name: 'm@3',
        detail: `models/m.onnx sha256 ${'b'.repeat(12)}… status pending`
      },
      {
        kind: 'version-added',
        name: 'added@1',
        detail: `models/added.onnx sha256 ${'b'.repeat(12)}… status pending`
      },
      {
        kind: 'version-removed',
        name: 'm@2',
        detail: `models/m.onnx sha256 ${'b'.repeat(12)}… status pending`
      },
      {
        kind: 'version-removed',
        name: 'gone@1',
        detail: `models/gone.onnx sha256 ${'a'.repeat(12)}… status pending`
      },
      { kind: 'exception-changed', name: 'experiments/**', detail: 'expires: 2026-01-31 → 2027-01-31' },
      { kind: 'exception-added', name: 'new/**', detail: 'expires 2026-03-01, owner @bob: new' },
      { kind: 'exception-removed', name: 'old/**', detail: 'expires 2026-01-31, owner @alice: old' }
    ])
  })

  it('reports a changed digest at the same version as version-changed', () => {
    const h = reg(`version: 1
models:
  m:
    versions:
      - {version: "1", path: models/m.onnx, sha256: ${B}}
`)
    const b = reg(`version: 1
models:
  m:
    versions:
      - {version: "1", path: models/m.onnx, sha256: ${A}}
`)
    expect(diffRegistries(b, h)).toEqual([
      { kind: 'version-changed', name: 'm@1', detail: `sha256: ${A} → ${B}` }
    ])
  })

  it('treats a missing base as everything added', () => {
    const kinds = diffRegistries(null, base).map(c => c.kind)
    expect(kinds).toEqual([
      'use-case-added',
      'use-case-added',
      'model-added',
      'model-added',
      'version-added',
      'version-added',
      'version-added',
      'exception-added',
      'exception-added'
    ])
  })

  it('reports nothing for identical registries and handles prototype names', () => {
    expect(diffRegistries(base, base)).toEqual([])
    const p = reg(`version: 1
models:
  __proto__:
    versions:
      - {version: "1", path: models/p.onnx, sha256: ${A}}
`)
    expect(diffRegistries(null, p).map(c => [c.kind, c.name])).toEqual([
      ['model-added', '__proto__'],
      ['version-added', '__proto__@1']
    ])
    expect(diffRegistries(p, reg('version: 1\n')).map(c => c.kind)).toEqual([
      'model-removed',
      'version-removed'
    ])
  })
})
