import { afterAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Change } from '../../src/git/change-set.js'
import { diffWorkingTree } from '../../src/git/worktree-diff.js'
import { body, commitAll, git, initRepo, removeTemps, write } from './helpers.js'

afterAll(removeTemps)

describe('diffWorkingTree', () => {
  it('covers staged, unstaged and untracked changes, and skips ignored files', async () => {
    const repo = initRepo()
    write(repo, '.gitignore', 'ignored/\n')
    write(repo, 'tracked.onnx', 'v1')
    write(repo, 'gone.pt', 'bye')
    write(repo, 'old/name.bin', body('moved'))
    const base = commitAll(repo)
    write(repo, 'tracked.onnx', 'v2 (unstaged)')
    rmSync(join(repo, 'gone.pt'))
    mkdirSync(join(repo, 'new'))
    git(repo, ['mv', 'old/name.bin', 'new/name.bin'])
    write(repo, 'staged.gguf', 'staged')
    git(repo, ['add', 'staged.gguf'])
    write(repo, 'untracked\n::error::x.safetensors', 'u')
    write(repo, 'ignored/secret.pt', 'ignored')

    const changes = new Map((await diffWorkingTree(repo, base)).map((c: Change) => [c.path, c]))
    expect(changes.get('tracked.onnx')?.kind).toBe('modified')
    expect(changes.get('gone.pt')?.kind).toBe('deleted')
    expect(changes.get('new/name.bin')).toMatchObject({ kind: 'renamed', oldPath: 'old/name.bin' })
    expect(changes.get('staged.gguf')?.kind).toBe('added')
    expect(changes.get('untracked\n::error::x.safetensors')?.kind).toBe('added')
    expect(changes.has('ignored/secret.pt')).toBe(false)
    expect(changes.size).toBe(5)
  })
})
