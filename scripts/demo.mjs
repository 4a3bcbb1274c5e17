#!/usr/bin/env node
// Runs the committed Action bundle on the bundled demo repository, exactly as a runner would:
// a real git repository (base commit with a registry, head commit adding models), a real-shaped
// pull_request payload, INPUT_* variables, and GITHUB_STEP_SUMMARY / GITHUB_OUTPUT files.
//
//   npm run demo                 judge the demo pull request (its verdict is `fail`)
//   npm run demo -- --register   register the unregistered model with the CLI first (`pass`)
//   npm run demo -- --keep       keep the demo repository and print where it is
//
// The comment channel is off (`comment: never`) and GITHUB_API_URL points at a closed local
// port, so the demo never touches the network. Exit code: 0 when the gate produced a verdict
// (whatever it is), 2 when the demo itself could not run.
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = new Set(process.argv.slice(2))
const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Demo Author',
  GIT_AUTHOR_EMAIL: 'demo@example.com',
  GIT_COMMITTER_NAME: 'Demo Author',
  GIT_COMMITTER_EMAIL: 'demo@example.com'
}

function git(cwd, ...gitArgs) {
  return execFileSync('git', gitArgs, { cwd, env: gitEnv, encoding: 'utf8' }).trim()
}

function section(title) {
  console.log(`\n\u001b[1m== ${title} ==\u001b[0m`)
}

function buildRepository() {
  const dir = mkdtempSync(join(tmpdir(), 'modelgate-demo-'))
  git(dir, 'init', '-q', '-b', 'main')
  cpSync(join(root, 'demo/base'), dir, { recursive: true })
  git(dir, 'add', '-A')
  git(dir, 'commit', '-q', '-m', 'Base: registry with approved use cases and one registered model')
  const base = git(dir, 'rev-parse', 'HEAD')
  git(dir, 'checkout', '-q', '-b', 'feature/new-models')
  cpSync(join(root, 'demo/head'), dir, { recursive: true })
  git(dir, 'add', '-A')
  git(dir, 'commit', '-q', '-m', 'Head: add a sentiment model and a ranker')
  return { dir, base }
}

function registerWithCli(dir) {
  const command = [
    'register',
    'models/sentiment/model.safetensors',
    '--use-case',
    'support-triage',
    '--owner',
    '@acme/nlp',
    '--name',
    'sentiment',
    '--version',
    '1.0.0',
    '--yes'
  ]
  section(`modelgate ${command.join(' ')}`)
  const result = spawnSync(process.execPath, [join(root, 'dist/cli/index.js'), ...command], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: 'true' }
  })
  // The CLI writes its human report to stderr; the demo shows it inline.
  process.stdout.write(result.stdout + result.stderr)
  if (result.status !== 0) throw new Error(`modelgate register exited with ${result.status}`)
  git(dir, 'add', 'ai-registry.yaml')
  git(dir, 'commit', '-q', '-m', 'Register the sentiment model')
}

function judge(dir, base) {
  const head = git(dir, 'rev-parse', 'HEAD')
  const scratch = mkdtempSync(join(tmpdir(), 'modelgate-demo-runner-'))
  const repository = { full_name: 'acme/demo', name: 'demo', owner: { login: 'acme' } }
  const payload = {
    action: 'synchronize',
    number: 1,
    pull_request: {
      number: 1,
      title: 'Add new models',
      base: { sha: base, ref: 'main', repo: repository },
      head: { sha: head, ref: 'feature/new-models', repo: repository }
    },
    repository,
    sender: { login: 'demo' }
  }
  const files = {
    event: join(scratch, 'event.json'),
    summary: join(scratch, 'summary.md'),
    output: join(scratch, 'output.txt')
  }
  writeFileSync(files.event, JSON.stringify(payload))
  writeFileSync(files.summary, '')
  writeFileSync(files.output, '')
  section('Action log (dist/index.js on pull_request)')
  const result = spawnSync(process.execPath, [join(root, 'dist/index.js')], {
    cwd: dir,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: dir,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: files.event,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_OUTPUT: files.output,
      GITHUB_REPOSITORY: 'acme/demo',
      GITHUB_SHA: head,
      GITHUB_API_URL: 'http://127.0.0.1:9',
      RUNNER_TEMP: scratch,
      INPUT_TOKEN: 'demo-token',
      INPUT_COMMENT: 'never'
    }
  })
  section('Outputs (GITHUB_OUTPUT)')
  const outputs = readFileSync(files.output, 'utf8').replace(
    /^(ghadelimiter_[^\n]*|[^\n<]+<<ghadelimiter_[^\n]*)$/gm,
    line => (line.includes('<<') ? `${line.split('<<')[0]}:` : '')
  )
  console.log(outputs.replace(/\n{2,}/g, '\n').trim())
  section('Job summary (GITHUB_STEP_SUMMARY)')
  console.log(readFileSync(files.summary, 'utf8'))
  const verdict = /verdict<<[^\n]*\n([a-z]+)/.exec(readFileSync(files.output, 'utf8'))?.[1]
  rmSync(scratch, { recursive: true, force: true })
  return { verdict, code: result.status }
}

try {
  const { dir, base } = buildRepository()
  if (args.has('--register')) registerWithCli(dir)
  const { verdict, code } = judge(dir, base)
  section('Verdict')
  console.log(`${verdict ?? 'none'} (the Action step would exit ${code})`)
  if (args.has('--keep')) console.log(`The demo repository is kept at ${dir}`)
  else rmSync(dir, { recursive: true, force: true })
  process.exitCode = verdict ? 0 : 2
} catch (error) {
  console.error(`The demo could not run: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 2
}
