import { describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'

/** The README's first command: the bundled demo, judged by the committed bundle. */
const root = resolve(import.meta.dirname, '../..')

function demo(...args: string[]) {
  return spawnSync(process.execPath, ['scripts/demo.mjs', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000
  })
}

describe('npm run demo', () => {
  it('fails the demo pull request on its one unregistered model, and prints every channel', () => {
    const run = demo()
    expect(run.status).toBe(0)
    expect(run.stdout).toContain(
      '::error title=MG001 Unregistered model,file=models/sentiment/model.safetensors::models/sentiment/model.safetensors (safetensors) is not in the model registry.'
    )
    expect(run.stdout).toContain('## ❌ ModelGate failed: 1 error, 0 warnings across 2 models')
    expect(run.stdout).toMatch(/verdict:\nfail\n/)
    expect(run.stdout).toContain('fail (the Action step would exit 1)')
    // The data files beside the models are not flagged.
    expect(run.stdout).not.toContain('data/embeddings.npy')
    expect(run.stdout).not.toContain('data/train.h5')
  })

  it('passes once the CLI has registered the model', () => {
    const run = demo('--register')
    expect(run.status).toBe(0)
    expect(run.stdout).toContain('Registered sentiment@1.0.0')
    expect(run.stdout).toMatch(/verdict:\npass\n/)
    expect(run.stdout).toContain('pass (the Action step would exit 0)')
  })
})
