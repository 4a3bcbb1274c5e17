import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

/**
 * Runs the committed bundle exactly as the runner does: `node dist/index.js` with INPUT_*
 * variables, an event payload file, and the summary and output files GitHub provides.
 */
export const BUNDLE = resolve(import.meta.dirname, '../../dist/index.js')

export interface ActionRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  summary: string
  outputs: Record<string, string>
  /** The `::error ...::` style workflow commands printed on stdout. */
  commands: { command: string; properties: string; message: string }[]
}

export interface ActionRunRequest {
  workspace: string
  eventName: string
  payload: unknown
  inputs?: Record<string, string>
  apiUrl: string
  sha?: string
  timeoutMs?: number
  env?: Record<string, string>
}

/** Parses GITHUB_OUTPUT's `name<<DELIMITER` blocks. */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '')
    if (!match) continue
    const [, name, delimiter] = match as unknown as [string, string, string]
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '')
    outputs[name] = value.join('\n')
  }
  return outputs
}

export async function runAction(request: ActionRunRequest): Promise<ActionRun> {
  const scratch = mkdtempSync(join(tmpdir(), 'modelgate-runner-'))
  const eventPath = join(scratch, 'event.json')
  const summaryPath = join(scratch, 'summary.md')
  const outputPath = join(scratch, 'output.txt')
  writeFileSync(eventPath, JSON.stringify(request.payload))
  writeFileSync(summaryPath, '')
  writeFileSync(outputPath, '')
  const inputs = { token: 'test-token', ...request.inputs }
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? scratch,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: request.workspace,
    GITHUB_EVENT_NAME: request.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_OUTPUT: outputPath,
    GITHUB_API_URL: request.apiUrl,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'acme/models',
    GITHUB_SHA: request.sha ?? '',
    RUNNER_TEMP: scratch,
    ...request.env
  }
  for (const [name, value] of Object.entries(inputs)) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  }
  const child = spawn(process.execPath, [BUNDLE], {
    cwd: request.workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const timer = setTimeout(() => child.kill('SIGKILL'), request.timeoutMs ?? 60_000)
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(done =>
    child.on('close', (c, s) => {
      done([c, s])
    })
  )
  clearTimeout(timer)
  const run: ActionRun = {
    code,
    signal,
    stdout,
    stderr,
    summary: readFileSync(summaryPath, 'utf8'),
    outputs: parseOutputs(readFileSync(outputPath, 'utf8')),
    commands: Array.from(stdout.matchAll(/^::([a-z-]+)( [^:]*)?::(.*)$/gm), m => ({
      command: m[1] ?? '',
      properties: m[2]?.trim() ?? '',
      message: m[3] ?? ''
    }))
  }
  rmSync(scratch, { recursive: true, force: true })
  return run
}

/** A pull_request payload shaped like GitHub's webhook. */
export function pullRequestPayload(options: {
  number?: number
  base: string
  head: string
  fork?: boolean
  action?: string
}): unknown {
  const repo = { full_name: 'acme/models', name: 'models', owner: { login: 'acme' } }
  return {
    action: options.action ?? 'synchronize',
    number: options.number ?? 7,
    pull_request: {
      number: options.number ?? 7,
      title: 'Add models',
      base: { sha: options.base, ref: 'main', repo },
      head: {
        sha: options.head,
        ref: 'feature',
        repo: options.fork
          ? { full_name: 'mallory/models', name: 'models', owner: { login: 'mallory' } }
          : repo
      }
    },
    repository: repo,
    sender: { login: 'alice' }
  }
}

export interface OutputFinding {
  code: string
  severity: string
  message: string
  path?: string
  line?: number
  command?: string
}

export interface OutputModel {
  path: string
  files: string[]
  format: string
  digest: string
  status: string
  verdict: string
}

/** The `findings` output, parsed. */
export function findingsOf(run: ActionRun): OutputFinding[] {
  return JSON.parse(run.outputs.findings ?? '[]') as OutputFinding[]
}

/** The `models` output, parsed. */
export function modelsOf(run: ActionRun): OutputModel[] {
  return JSON.parse(run.outputs.models ?? '[]') as OutputModel[]
}

/** Titles of the error annotations, in order. */
export function errorTitles(run: ActionRun): (string | undefined)[] {
  return run.commands.filter(c => c.command === 'error').map(c => /title=([^,]*)/.exec(c.properties)?.[1])
}
