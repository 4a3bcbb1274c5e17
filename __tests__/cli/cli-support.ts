import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import { TestRepo } from '../support/git-repo.js'

/** Repository root of ModelGate itself. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
/** The built CLI, as users run it (`npm run build` writes it). */
export const CLI = join(REPO_ROOT, 'dist', 'cli', 'index.js')

const CORPUS_SAFETENSORS = join(REPO_ROOT, 'fixtures', 'corpus', 'safetensors', 'mlp.safetensors')

/** A tiny valid safetensors file: 8-byte LE header length, JSON header, data. */
export function makeSafetensors(fill: number, bytes = 64): Buffer {
  const data = Buffer.alloc(bytes, fill)
  let header = JSON.stringify({ w: { dtype: 'U8', shape: [bytes], data_offsets: [0, bytes] } })
  header += ' '.repeat((8 - (header.length % 8)) % 8)
  const length = Buffer.alloc(8)
  length.writeBigUInt64LE(BigInt(header.length))
  return Buffer.concat([length, Buffer.from(header), data])
}

/**
 * Model bytes for the flows: the corpus safetensors file when the corpus is present (variant 0),
 * with its last data byte changed for other variants (still valid safetensors: the data region is
 * opaque); otherwise a hand-made safetensors file.
 */
export function modelBytes(variant = 0): Buffer {
  if (existsSync(CORPUS_SAFETENSORS)) {
    const bytes = Buffer.from(readFileSync(CORPUS_SAFETENSORS))
    if (variant > 0) bytes[bytes.length - 1] = (bytes[bytes.length - 1]! + variant) % 256
    return bytes
  }
  return makeSafetensors(variant + 1)
}

export const GOVERNED_REGISTRY = `# Governance-owned use cases; models are registered by developers.
# yaml-language-server: $schema=./schema/ai-registry.schema.json
version: 1

useCases:
  churn-prediction:     # approved by the risk board, 2026-01
    title: Predict customer churn
    owner: "@acme/growth"
    status: approved
  fraud-scoring:
    title: Card-fraud scoring at checkout
    owner: "@acme/risk"
    status: approved

models: {}   # modelgate register fills this in
`

/** A repo with a governed registry on `main` and a `feature` branch adding one model (uncommitted registry). */
export function demoRepo(): TestRepo {
  const repo = new TestRepo('modelgate-cli-')
  repo.git('config', 'user.email', 'dev@example.com')
  repo.git('config', 'user.name', 'Dev')
  repo.commit('governance: registry', {
    'ai-registry.yaml': GOVERNED_REGISTRY,
    CODEOWNERS: '* @acme/platform\nmodels/ @acme/ml\n',
    'README.md': 'demo\n'
  })
  repo.checkout('feature', true)
  repo.commit('add churn model', { 'models/churn.safetensors': modelBytes(0) })
  return repo
}

export interface CliResult {
  status: number | null
  stdout: string
  stderr: string
}

/**
 * Runs the built CLI with stdin closed (no TTY), so a prompt would read EOF instead of waiting;
 * the timeout guards against a hang regardless.
 */
export function runCli(args: string[], cwd: string, env: Record<string, string> = {}): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    input: '',
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NO_COLOR: '1',
      CI: '',
      GITHUB_ACTIONS: '',
      ...env
    }
  })
  if (result.error) throw result.error
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}
