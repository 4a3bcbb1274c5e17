/**
 * Every artifact and look-alike in the labelled corpus (fixtures/corpus/labels.json, produced from
 * real frameworks by fixtures/generator/generate.py) is classified from its bytes:
 * - single-file artifacts get the labelled format and framework, with the labelled pickle imports;
 * - bundle members are either recognised as a format compatible with the bundle, or null so the
 *   tree scan can group them, and every bundle has at least one recognised member;
 * - look-alikes are null.
 * Every call stays within CLASSIFY_READ_BUDGET.
 */
import { describe, expect, it } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CLASSIFY_READ_BUDGET } from '../../src/core/detect/classify.js'
import type { FormatId } from '../../src/core/detect/types.js'
import { classifyCorpus, CORPUS } from './helpers.js'

interface LabelledArtifact {
  path: string
  format: FormatId
  framework: string
  kind: 'file' | 'bundle'
  members: string[]
  pickle: boolean
  unsafeGlobals: string[]
  pickleGlobals?: string[]
}
interface Lookalike {
  path: string
  family: string
  note: string
}
interface Labels {
  artifacts: LabelledArtifact[]
  lookalikes: Lookalike[]
}

const LABELS = join(CORPUS, 'labels.json')
const labels = JSON.parse(readFileSync(LABELS, 'utf8')) as Labels

/** The corpus names a few frameworks by their project; classifyFile uses the contract names. */
const FRAMEWORK_ALIASES: Record<string, string> = {
  'llama.cpp': 'gguf',
  ggml: 'gguf',
  tensorflowjs: 'tfjs',
  pickle: 'unknown',
  transformers: 'safetensors'
}

/** Formats that are the tree scan's business (pointers), or that no single file carries. */
const NOT_SINGLE_FILE = new Set<FormatId>(['lfs-pointer', 'dvc-pointer', 'tf-checkpoint'])

/** Formats a member of a bundle of the given format may be classified as on its own. */
const MEMBER_FORMATS: Partial<Record<FormatId, FormatId[]>> = {
  'hf-safetensors-sharded': ['safetensors'],
  'tf-savedmodel': ['tf-savedmodel'],
  tfjs: ['tfjs'],
  'openvino-ir': ['openvino-ir'],
  'coreml-mlpackage': ['coreml-mlpackage', 'coreml-mlmodel'],
  onnx: ['onnx'],
  'pytorch-zip': ['pytorch-zip'],
  paddle: ['paddle'],
  mxnet: ['mxnet'],
  caffe: ['caffe'],
  'tf-checkpoint': []
}

const singles = labels.artifacts.filter(a => a.kind === 'file' && !NOT_SINGLE_FILE.has(a.format))
const bundles = labels.artifacts.filter(a => a.kind !== 'file' && !NOT_SINGLE_FILE.has(a.format))

describe('labelled corpus', () => {
  it('exists and has artifacts and look-alikes', () => {
    expect(existsSync(LABELS)).toBe(true)
    expect(singles.length).toBeGreaterThan(20)
    expect(labels.lookalikes.length).toBeGreaterThan(10)
  })
})

describe('single-file artifacts', () => {
  it.each(singles.map(a => [a.path, a] as const))('%s', async (_path, a) => {
    const { c, read } = await classifyCorpus(a.path)
    expect(read).toBeLessThanOrEqual(CLASSIFY_READ_BUDGET)
    if (c === null) throw new Error(`${a.path} was not classified`)
    const damaged = c.pickle?.error !== undefined
    // A damaged pickle may keep the family its imports show, or fall back to plain 'pickle'.
    if (damaged && a.format === 'pickle')
      expect(['pickle', 'sklearn-pickle', 'joblib', 'pytorch-pickle']).toContain(c.format)
    else expect(c.format).toBe(a.format)
    if (!damaged) expect(c.framework).toBe(FRAMEWORK_ALIASES[a.framework] ?? a.framework)
    if (a.pickle && a.format !== 'nemo' && a.format !== 'torchserve-mar') {
      expect(c.pickle).toBeDefined()
      for (const g of a.unsafeGlobals) expect(c.pickle?.unsafeGlobals).toContain(g)
      // Every import the reference walker (pickletools) found, we found too.
      // (pickletools reports Python 2 module names as written; we report what Python 3 imports.)
      const py3 = (g: string): string =>
        g.replace(/^__builtin__\./, 'builtins.').replace(/^copy_reg\./, 'copyreg.')
      for (const g of a.pickleGlobals ?? []) expect(c.pickle?.globals).toContain(py3(g))
    }
  })
})

describe('bundle members', () => {
  it.each(bundles.map(a => [a.path, a] as const))('%s', async (_path, a) => {
    const allowed = MEMBER_FORMATS[a.format] ?? [a.format]
    let recognised = 0
    for (const m of a.members) {
      const { c, read } = await classifyCorpus(m)
      expect(read).toBeLessThanOrEqual(CLASSIFY_READ_BUDGET)
      if (c === null) continue
      expect({ member: m, format: c.format, allowed: allowed.includes(c.format) }).toEqual({
        member: m,
        format: c.format,
        allowed: true
      })
      recognised++
    }
    if (allowed.length > 0) expect(recognised).toBeGreaterThan(0)
  })
})

describe('look-alikes', () => {
  it.each(labels.lookalikes.map(l => [l.path, l] as const))('%s is not a model', async (_path, l) => {
    const { c, read } = await classifyCorpus(l.path)
    expect(read).toBeLessThanOrEqual(CLASSIFY_READ_BUDGET)
    expect(c).toBeNull()
  })
})
