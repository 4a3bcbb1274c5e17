import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { parseRegistry } from '../../src/core/registry/parse.js'
import { shellQuote } from '../../src/core/policy/fixes.js'
import type { TestRepo } from '../support/git-repo.js'
import { CLI, demoRepo, GOVERNED_REGISTRY, runCli } from './cli-support.js'

/**
 * The interactive `register` flow in a real pseudo-terminal: tmux runs the built CLI, the test
 * types answers with send-keys and reads the screen with capture-pane. A private tmux socket
 * keeps the test away from any other tmux server.
 */
const SOCKET = `modelgate-test-${process.pid}`
const SESSION = 'register'

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe']
  })
}

function screen(): string {
  return tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', SESSION)
}

/** Polls the pane until `text` shows (bounded), returning the screen. */
async function waitFor(text: string | RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    last = screen()
    if (typeof text === 'string' ? last.includes(text) : text.test(last)) return last
    await new Promise(resolve => setTimeout(resolve, 150))
  }
  throw new Error(`timed out waiting for ${String(text)}; screen:\n${last}`)
}

describe('modelgate register in a terminal', () => {
  let repo: TestRepo
  beforeAll(() => {
    repo = demoRepo()
  })
  afterAll(() => {
    try {
      tmux('kill-server')
    } catch {
      // Already gone.
    }
    repo.remove()
  })

  it('asks only what the file cannot tell, writes the registry, and check passes', async () => {
    const command = [
      'env',
      'NO_COLOR=1',
      `PATH=${shellQuote(process.env.PATH ?? '')}`,
      shellQuote(process.execPath),
      shellQuote(CLI),
      'register',
      '; echo "EXIT:$?"; sleep 600'
    ].join(' ')
    tmux('new-session', '-d', '-x', '200', '-y', '50', '-s', SESSION, '-c', repo.dir, command)
    try {
      let shown = await waitFor('Model name')
      expect(shown).toContain('models/churn.safetensors')
      expect(shown).toMatch(/format\s+safetensors/)
      expect(shown).toMatch(/sha256\s+[0-9a-f]{64}/)
      expect(shown).toContain('churn (new model)')
      tmux('send-keys', '-t', SESSION, 'Enter')

      await waitFor('Use case')
      tmux('send-keys', '-t', SESSION, '-l', 'churn')
      await waitFor('churn-prediction — Predict customer churn')
      tmux('send-keys', '-t', SESSION, 'Enter')

      shown = await waitFor('Owner (from CODEOWNERS)')
      expect(shown).toContain('@acme/ml')
      tmux('send-keys', '-t', SESSION, 'Enter')

      await waitFor('Version')
      tmux('send-keys', '-t', SESSION, 'Enter')

      await waitFor('Write 1 entry to ai-registry.yaml?')
      tmux('send-keys', '-t', SESSION, 'Enter')

      shown = await waitFor(/EXIT:\d+/)
      expect(shown).toContain('Registered churn@1.0.0')
      expect(shown).toContain('EXIT:0')
    } finally {
      tmux('kill-session', '-t', SESSION)
    }

    const text = readFileSync(join(repo.dir, 'ai-registry.yaml'), 'utf8')
    expect(text.startsWith(GOVERNED_REGISTRY.slice(0, GOVERNED_REGISTRY.indexOf('models: {}')))).toBe(true)
    expect(text).toContain('# modelgate register fills this in')
    const parsed = parseRegistry(text)
    expect(parsed.ok && parsed.index.models.get('churn')).toMatchObject({
      owner: '@acme/ml',
      useCases: ['churn-prediction'],
      versions: [expect.objectContaining({ version: '1.0.0', path: 'models/churn.safetensors' })]
    })
    const check = runCli(['check'], repo.dir)
    expect(check.stdout).toContain('PASS')
    expect(check.status).toBe(0)
  })
})
