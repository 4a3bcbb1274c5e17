import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ModelArtifact, ScanResult } from '../../src/core/detect/artifact.js'
import { scanTree } from '../../src/core/detect/scan.js'
import { WorkingTree } from '../../src/tree/working-tree.js'

/**
 * The labelled corpus (fixtures/corpus/labels.json, made by fixtures/generator) scanned as a git
 * repository through the real classifier. Labels name pointer artifacts by the pointer family
 * (`lfs-pointer`, `dvc-pointer`); the scan gives pointers the format their target implies and says
 * where the digest came from, so for those labels the digest source is what must agree.
 */
interface LabelArtifact {
  path: string
  format: string
  framework: string
  kind: 'file' | 'bundle'
  members: string[]
}
interface Labels {
  artifacts: LabelArtifact[]
  lookalikes: { path: string; family: string }[]
}

const CORPUS = join(process.cwd(), 'fixtures', 'corpus')
const labelsPath = join(CORPUS, 'labels.json')

function formatMatches(label: LabelArtifact, a: ModelArtifact): boolean {
  if (label.format === 'lfs-pointer') return a.digestSource === 'lfs-pointer'
  if (label.format === 'dvc-pointer') return a.digestSource === 'dvc-pointer'
  return a.format === label.format
}

describe('labelled corpus', () => {
  let dir: string
  let labels: Labels
  let result: ScanResult
  let found: Map<string, ModelArtifact>

  beforeAll(async () => {
    // A missing corpus fails the suite rather than passing it silently.
    if (!existsSync(labelsPath)) throw new Error(`${labelsPath} is missing: run fixtures/generator`)
    labels = JSON.parse(readFileSync(labelsPath, 'utf8')) as Labels
    dir = mkdtempSync(join(tmpdir(), 'mg-corpus-'))
    cpSync(CORPUS, dir, { recursive: true, filter: src => src !== labelsPath })
    execFileSync('git', ['init', '-q'], { cwd: dir })
    execFileSync('git', ['add', '-A'], { cwd: dir })
    result = await scanTree(new WorkingTree(dir))
    found = new Map(result.artifacts.map(a => [a.path, a]))
  })
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('finds every labelled artifact and nothing else (precision and recall >= 0.99)', () => {
    const stats = new Map<string, { tp: number; fp: number; fn: number }>()
    const row = (f: string) => {
      let s = stats.get(f)
      if (!s) stats.set(f, (s = { tp: 0, fp: 0, fn: 0 }))
      return s
    }
    const labelled = new Map(labels.artifacts.map(l => [l.path, l]))
    const misses: string[] = []
    for (const l of labels.artifacts) {
      const a = found.get(l.path)
      if (a && formatMatches(l, a)) row(l.format).tp++
      else {
        row(l.format).fn++
        misses.push(`missed ${l.path} (${l.format}); got ${a ? a.format : 'nothing'}`)
      }
    }
    for (const a of result.artifacts) {
      const l = labelled.get(a.path)
      if (!l || !formatMatches(l, a)) {
        row(l?.format ?? a.format).fp++
        misses.push(`extra ${a.path} (${a.format}: ${a.files.join(', ')})`)
      }
    }
    const tp = [...stats.values()].reduce((n, s) => n + s.tp, 0)
    const fp = [...stats.values()].reduce((n, s) => n + s.fp, 0)
    const fn = [...stats.values()].reduce((n, s) => n + s.fn, 0)
    const precision = tp / (tp + fp)
    const recall = tp / (tp + fn)
    console.table(
      Object.fromEntries(
        [...stats]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([f, s]) => [
            f,
            { ...s, precision: s.tp / (s.tp + s.fp || 1), recall: s.tp / (s.tp + s.fn || 1) }
          ])
          .concat([['ALL', { tp, fp, fn, precision, recall }]])
      )
    )
    if (misses.length > 0) console.log(misses.join('\n'))
    expect(precision).toBeGreaterThanOrEqual(0.99)
    expect(recall).toBeGreaterThanOrEqual(0.99)
  })

  it('lists exactly the members of every bundle', () => {
    for (const l of labels.artifacts.filter(a => a.kind === 'bundle')) {
      expect({ path: l.path, files: found.get(l.path)?.files }).toEqual({
        path: l.path,
        files: [...l.members].sort()
      })
    }
  })

  it('flags no lookalike', () => {
    const flagged = new Set(result.artifacts.flatMap(a => a.files))
    expect(labels.lookalikes.filter(l => flagged.has(l.path))).toEqual([])
  })

  it('examines every file and skips none', () => {
    expect(result.skipped).toEqual([])
    expect(result.filesExamined).toBeGreaterThan(labels.artifacts.length)
  })
})
