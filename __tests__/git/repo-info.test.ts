import { afterAll, describe, expect, it } from '@jest/globals'
import { GitSetupError } from '../../src/git/errors.js'
import {
  commitExists,
  defaultBranchMergeBase,
  headCommit,
  isAncestor,
  isFullSha,
  isNullSha,
  isShallow,
  mergeBase,
  resolveCommit
} from '../../src/git/repo-info.js'
import { commitAll, git, initRepo, removeTemps, tempDir, write } from './helpers.js'

afterAll(removeTemps)

describe('repo-info', () => {
  it('answers the small questions', async () => {
    const repo = initRepo()
    write(repo, 'a', '1')
    const first = commitAll(repo)
    git(repo, ['tag', 'v1'])
    git(repo, ['checkout', '-q', '-b', 'feature'])
    write(repo, 'a', '2')
    const second = commitAll(repo)

    expect(await headCommit(repo)).toBe(second)
    expect(await resolveCommit(repo, 'v1')).toBe(first)
    expect(await resolveCommit(repo, first.slice(0, 10))).toBe(first)
    expect(await isShallow(repo)).toBe(false)
    expect(await isAncestor(repo, first, second)).toBe(true)
    expect(await isAncestor(repo, second, first)).toBe(false)
    expect(await commitExists(repo, first)).toBe(true)
    expect(await commitExists(repo, 'a'.repeat(40))).toBe(false)
    expect(await commitExists(repo, git(repo, ['rev-parse', 'HEAD^{tree}']))).toBe(false)
    expect(await mergeBase(repo, 'main', 'feature')).toBe(first)
    expect(isFullSha(first)).toBe(true)
    expect(isFullSha(first.slice(1))).toBe(false)
    expect(isNullSha('0'.repeat(40))).toBe(true)
    expect(isNullSha(first)).toBe(false)
    await expect(resolveCommit(repo, '-h')).rejects.toMatchObject({ code: 'invalid-ref' })
    await expect(resolveCommit(repo, 'a'.repeat(40))).rejects.toMatchObject({ code: 'missing-commit' })
    await expect(resolveCommit(repo, 'HEAD:a')).rejects.toMatchObject({ code: 'invalid-ref' })
  })

  it('finds the merge base with the default branch, preferring origin/HEAD', async () => {
    const upstream = initRepo()
    write(upstream, 'a', '1')
    const fork = commitAll(upstream)
    write(upstream, 'a', '2')
    const tip = commitAll(upstream)
    const clone = tempDir()
    git(clone, ['clone', '-q', upstream, '.'])
    git(clone, ['checkout', '-q', '-b', 'work', fork])
    write(clone, 'b', 'mine')
    commitAll(clone)
    expect(await defaultBranchMergeBase(clone)).toEqual({ ref: 'origin/main', base: tip, mergeBase: fork })

    const local = initRepo()
    write(local, 'a', '1')
    const only = commitAll(local)
    git(local, ['checkout', '-q', '-b', 'topic'])
    write(local, 'b', '2')
    commitAll(local)
    expect(await defaultBranchMergeBase(local)).toEqual({ ref: 'main', base: only, mergeBase: only })

    const lonely = initRepo()
    git(lonely, ['checkout', '-q', '-b', 'trunk'])
    write(lonely, 'a', '1')
    commitAll(lonely)
    await expect(defaultBranchMergeBase(lonely)).rejects.toBeInstanceOf(GitSetupError)
  })

  it('classifies a directory that is not a repository', async () => {
    await expect(headCommit(tempDir())).rejects.toMatchObject({ code: 'not-a-repository' })
    await expect(isShallow(tempDir())).rejects.toMatchObject({ code: 'not-a-repository' })
  })
})
