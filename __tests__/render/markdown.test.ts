import { describe, expect, it } from '@jest/globals'
import type { GateReport, ModelReport } from '../../src/core/report/model.js'
import { planAnnotations } from '../../src/render/annotations.js'
import { COMMENT_MAX_CHARS, renderMarkdown, renderSummary } from '../../src/render/markdown.js'

const HOSTILE = 'models/x\n::error::pwned`<img src=x>@octocat](http://e)<!--.onnx'

function model(path: string, i: number): ModelReport {
  const finding = {
    code: 'MG001' as const,
    severity: 'error' as const,
    message: `${path} (onnx) is not in the model registry.`,
    path,
    artifact: path,
    command: `npx modelgate register '${path}'`,
    fix: `Register it:\nmodels:\n  m${i}:\n    path: ${JSON.stringify(path)}`
  }
  return {
    artifact: {
      path,
      files: [path],
      format: 'onnx',
      framework: 'onnx',
      digest: 'a'.repeat(64),
      digestSource: 'content',
      size: 1,
      metadata: {}
    },
    status: 'unregistered',
    verdict: 'fail',
    findings: [finding]
  }
}

function report(paths: string[]): GateReport {
  const models = paths.map(model)
  const findings = models.flatMap(m => m.findings)
  return {
    verdict: 'fail',
    mode: 'enforce',
    context: {
      trigger: 'pull_request',
      base: 'b'.repeat(40),
      head: 'c'.repeat(40),
      filesJudged: paths.length,
      registrySource: 'ai-registry.yaml',
      registryRef: 'head'
    },
    models,
    findings,
    registryChanges: [],
    exceptions: [],
    skipped: [],
    counts: {
      models: models.length,
      findings: findings.length,
      errors: findings.length,
      warnings: 0,
      notices: 0,
      unregistered: models.length
    }
  }
}

describe('markdown report', () => {
  it('renders hostile file names inertly', () => {
    const full = renderSummary(report([HOSTILE]))
    // Inside a fenced block HTML and mentions are inert; the fence must outlast any backtick run.
    const fenced = /^( *)(`{3,})yaml\n([\s\S]*?)\n\1\2$/m.exec(full)
    expect(fenced?.[3]).toContain('<img src=x>')
    // Every line of the block carries the list indentation, so the YAML keeps its structure.
    expect((fenced?.[3] ?? '').split('\n').map(line => line.slice(0, 4))).toEqual(['  mo', '    ', '    '])
    // Code spans are inert too (CommonMark: a span closes on a backtick run of equal length;
    // a backslash-escaped backtick opens none).
    const text = full.replace(fenced?.[0] ?? '', '').replace(/(?<![`\\])(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, '')
    expect(text).not.toContain('``')
    expect(text).not.toContain('<img')
    expect(text).not.toContain('<!--.onnx')
    expect(text).not.toMatch(/(^|[^`\\;])@octocat/m)
    expect(text.split('\n').some(line => line.startsWith('::error'))).toBe(false)
    // The table row stays one row with five cells.
    const row = full.split('\n').find(line => line.startsWith('| ``models/x\\n::error::pwned'))
    expect(row?.split(/(?<!\\)\|/)).toHaveLength(7)
  })

  it('keeps the comment under GitHub’s limit with a compact fallback', () => {
    const paths = Array.from({ length: 3000 }, (_, i) => `models/${'deep/'.repeat(30)}model-${i}.onnx`)
    const text = renderMarkdown(report(paths), COMMENT_MAX_CHARS, t => t.length, {
      preamble: ['<!-- marker -->']
    })
    expect(text.length).toBeLessThanOrEqual(COMMENT_MAX_CHARS)
    expect(text.startsWith('<!-- marker -->\n## ❌ ModelGate failed: 3000 errors')).toBe(true)
    expect(text).toContain('shortened report')
    expect(text).toMatch(/and \d+ more/)
  })

  it('caps annotations per level with one aggregate line', () => {
    const paths = Array.from({ length: 25 }, (_, i) => `m${i}.onnx`)
    const planned = planAnnotations(report(paths))
    const errors = planned.filter(a => a.level === 'error')
    expect(errors).toHaveLength(10)
    expect(errors.at(-1)?.title).toBe('ModelGate: and 16 more')
    expect(errors[0]).toMatchObject({ file: 'm0.onnx', title: 'MG001 Unregistered model' })
  })

  it('shows errors as warnings in warn mode', () => {
    const r = { ...report(['a.onnx']), mode: 'warn' as const, verdict: 'warn' as const }
    expect(planAnnotations(r).map(a => a.level)).toEqual(['warning'])
  })
})
