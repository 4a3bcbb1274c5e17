import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { diffChangeSet } from '../../src/git/change-set.js'
import { ensureCommits, FIX_FETCH_DEPTH, GitSetupError } from '../../src/git/ensure-commits.js'
import { commitExists, isShallow } from '../../src/git/repo-info.js'
import type { Logger } from '../../src/git/run-git.js'
import { commitAll, git, initRepo, removeTemps, tempDir, write } from './helpers.js'

afterAll(removeTemps)

function recorder(): { log: Logger; warnings: string[]; infos: string[] } {
  const warnings: string[] = []
  const infos: string[] = []
  const log: Logger = {
    info: m => infos.push(m),
    warning: m => warnings.push(m),
    debug: () => undefined
  }
  return { log, warnings, infos }
}

/**
 * origin (bare): main = c0..c5, feature forks at c2 with f1..f3. Base moved on after the fork, so
 * the merge base is several commits behind both tips.
 */
let origin: string
let base: string
let head: string
let fork: string
let full: string

beforeAll(() => {
  full = initRepo()
  write(full, 'README', 'c0')
  commitAll(full, 'c0')
  for (let i = 1; i <= 2; i++) {
    write(full, `main-${i}.txt`, `c${i}`)
    commitAll(full, `c${i}`)
  }
  fork = git(full, ['rev-parse', 'HEAD'])
  git(full, ['checkout', '-q', '-b', 'feature'])
  for (let i = 1; i <= 3; i++) {
    write(full, `models/f${i}.onnx`, `feature ${i}`)
    commitAll(full, `f${i}`)
  }
  head = git(full, ['rev-parse', 'HEAD'])
  git(full, ['checkout', '-q', 'main'])
  for (let i = 3; i <= 5; i++) {
    write(full, `main-${i}.txt`, `c${i}`)
    commitAll(full, `c${i}`)
  }
  base = git(full, ['rev-parse', 'HEAD'])
  origin = tempDir('mg-origin-')
  git(origin, ['init', '-q', '--bare', '-b', 'main'])
  git(full, ['push', '-q', origin, 'main', 'feature'])
})

/** What actions/checkout does for a PR by default: one commit, shallow. */
function shallowClone(): string {
  const dir = tempDir('mg-shallow-')
  git(dir, ['clone', '-q', '--depth', '1', '--branch', 'feature', `file://${origin}`, '.'])
  return dir
}

describe('ensureCommits', () => {
  it('fetches a missing base into a shallow clone and deepens until the merge base is found', async () => {
    const clone = shallowClone()
    expect(await isShallow(clone)).toBe(true)
    expect(await commitExists(clone, base)).toBe(false)
    await expect(diffChangeSet(clone, base, head)).rejects.toThrow(GitSetupError)

    const { log, infos } = recorder()
    const result = await ensureCommits(clone, [base, head], log)
    expect(infos.join('\n')).toMatch(/not in this checkout; fetching/)
    expect(result.mergeBase).toBe(fork)
    expect(result.fetches[0]).toMatch(
      /^git fetch --no-tags --no-recurse-submodules .*--depth=1 origin [0-9a-f]{40}$/
    )
    expect(result.fetches.some(f => f.includes('--deepen=100'))).toBe(true)
    expect(await commitExists(clone, base)).toBe(true)

    const set = await diffChangeSet(clone, base, head)
    const reference = await diffChangeSet(full, base, head)
    expect(set).toEqual(reference)
    expect(set.changes.map(c => c.path)).toEqual(['models/f1.onnx', 'models/f2.onnx', 'models/f3.onnx'])
  })

  it('unshallows when bounded deepening is not enough', async () => {
    const clone = shallowClone()
    const result = await ensureCommits(clone, [base, head], undefined, { deepenSteps: [1] })
    expect(result.fetches.map(f => f.split(' ')[4])).toEqual(['--depth=1', '--deepen=1', '--unshallow'])
    expect(result.mergeBase).toBe(fork)
    expect(await isShallow(clone)).toBe(false)
  })

  it('does nothing when everything is already there', async () => {
    const result = await ensureCommits(full, [base, head])
    expect(result).toEqual({ fetches: [], mergeBase: fork })
  })

  it('only needs the commits themselves for a single commit or a plain range', async () => {
    const clone = shallowClone()
    const result = await ensureCommits(clone, [base, head], undefined, { needMergeBase: false })
    expect(result.fetches).toHaveLength(1)
    expect(await isShallow(clone)).toBe(true)
    expect(await commitExists(clone, base)).toBe(true)
    expect((await ensureCommits(clone, [head])).fetches).toEqual([])
  })

  it('throws the fetch-depth fix when the base cannot be fetched', async () => {
    const clone = shallowClone()
    git(clone, ['remote', 'set-url', 'origin', `file://${tempDir('mg-empty-')}/missing.git`])
    const { log, warnings } = recorder()
    const error = (await ensureCommits(clone, [base, head], log).catch((e: unknown) => e)) as GitSetupError
    expect(error).toBeInstanceOf(GitSetupError)
    expect(error.code).toBe('missing-commit')
    expect(error.message).toMatch(
      new RegExp(
        `^The base commit ${base} is not in this checkout\\. Set \`fetch-depth: 0\` on actions/checkout \\(fetching it from origin failed: .+\\)\\.$`
      )
    )
    expect(error.fix).toBe(FIX_FETCH_DEPTH)
    expect(warnings.join('\n')).toMatch(/Fetching from origin failed/)
  })

  it('throws the fetch-depth fix for a commit that exists nowhere', async () => {
    const clone = shallowClone()
    const ghost = 'deadbeef'.repeat(5)
    await expect(ensureCommits(clone, [ghost, head])).rejects.toMatchObject({
      code: 'missing-commit',
      message: expect.stringContaining(
        `The base commit ${ghost} is not in this checkout. Set \`fetch-depth: 0\``
      )
    })
  })

  it('throws when there is no origin at all', async () => {
    const clone = shallowClone()
    git(clone, ['remote', 'remove', 'origin'])
    await expect(ensureCommits(clone, [base, head])).rejects.toMatchObject({ code: 'missing-commit' })
  })

  it('detects a missing checkout and says to add actions/checkout', async () => {
    const error = (await ensureCommits(tempDir(), [base, head]).catch((e: unknown) => e)) as GitSetupError
    expect(error).toBeInstanceOf(GitSetupError)
    expect(error.code).toBe('not-a-repository')
    expect(error.fix).toMatch(/add actions\/checkout before ModelGate/i)
    const gone = (await ensureCommits('/nonexistent/mg-dir', [base]).catch(
      (e: unknown) => e
    )) as GitSetupError
    expect(gone.code).toBe('not-a-repository')
  })

  it('refuses ids that are not full hex commit ids (never passed to git as options)', async () => {
    await expect(ensureCommits(full, ['--upload-pack=touch /tmp/pwned', head])).rejects.toMatchObject({
      code: 'invalid-ref'
    })
    await expect(ensureCommits(full, ['main', head])).rejects.toMatchObject({ code: 'invalid-ref' })
  })

  it('reports unrelated histories as no merge base', async () => {
    const repo = initRepo()
    write(repo, 'a', '1')
    const one = commitAll(repo)
    git(repo, ['checkout', '-q', '--orphan', 'other'])
    write(repo, 'b', '2')
    const two = commitAll(repo)
    await expect(ensureCommits(repo, [one, two])).rejects.toMatchObject({ code: 'no-merge-base' })
  })
})
