import { afterAll, describe, expect, it } from '@jest/globals'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { CatFileBatch } from '../../src/git/cat-file.js'
import { GitError, redact, runGit, streamGit } from '../../src/git/run-git.js'
import { bytes, commitAll, git, hashObject, initRepo, removeTemps, write } from './helpers.js'

afterAll(removeTemps)

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

describe('redact', () => {
  it('removes credentials from URLs, Authorization headers and token shapes', () => {
    const text =
      'fatal: unable to access https://x-access-token:ghs_abcdefghijklmnopqrstuvwxyz0123@github.com/o/r.git ' +
      'http.extraheader=AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46c2VjcmV0 and ghp_0123456789abcdefABCDEF'
    const out = redact(text)
    expect(out).toContain('https://***@github.com/o/r.git')
    expect(out).toContain('AUTHORIZATION: basic ***')
    expect(out).toContain('ghp_***')
    expect(out).not.toMatch(/ghs_abc|eC1hY2|0123456789abcdef/)
    expect(redact('plain text, no secrets')).toBe('plain text, no secrets')
  })
})

describe('runGit', () => {
  it('captures stdout as bytes and applies core.quotepath=off and LC_ALL=C', async () => {
    const repo = initRepo()
    write(repo, 'dé\tj\u00e0.txt', 'x')
    commitAll(repo)
    const { stdout, exitCode } = await runGit(['ls-files'], { cwd: repo })
    expect(exitCode).toBe(0)
    expect(stdout.toString('utf8')).toBe('"dé\\tjà.txt"\n') // raw UTF-8, only the tab is quoted
    const { stdout: env } = await runGit(['var', 'GIT_COMMITTER_IDENT'], {
      cwd: repo,
      // A fresh machine has no git identity; the test supplies its own.
      env: { GIT_COMMITTER_NAME: 'X', GIT_COMMITTER_EMAIL: 'x@example.com' }
    })
    expect(env.toString()).toMatch(/^X <x@example\.com>/)
  })

  it('throws a GitError with the command, exit code and trimmed stderr', async () => {
    const repo = initRepo()
    const error = (await runGit(['rev-parse', '--verify', 'nope'], { cwd: repo }).catch(
      (e: unknown) => e
    )) as GitError
    expect(error).toBeInstanceOf(GitError)
    expect(error.reason).toBe('exit')
    expect(error.exitCode).toBe(128)
    expect(error.command).toBe('git rev-parse --verify nope')
    expect(error.stderr).toBe('fatal: Needed a single revision')
    expect(error.message).toBe(
      '`git rev-parse --verify nope` exited with code 128: fatal: Needed a single revision'
    )
    const tolerated = await runGit(['rev-parse', '--verify', '--quiet', 'nope'], {
      cwd: repo,
      okExitCodes: [1]
    })
    expect(tolerated.exitCode).toBe(1)
  })

  it('never leaks a token from a remote URL into the error', async () => {
    const repo = initRepo()
    const error = (await runGit(['ls-remote', 'https://x-access-token:SUPERSECRET@127.0.0.1:9/o/r.git'], {
      cwd: repo,
      timeoutMs: 20_000
    }).catch((e: unknown) => e)) as GitError
    expect(error).toBeInstanceOf(GitError)
    expect(error.message).not.toContain('SUPERSECRET')
    expect(error.command).toContain('https://***@127.0.0.1:9/o/r.git')
  })

  it('kills git (and what it started) at the timeout', async () => {
    const repo = initRepo()
    const marker = join(repo, 'editor-finished')
    const started = Date.now()
    const error = (await runGit(['commit', '--allow-empty'], {
      cwd: repo,
      timeoutMs: 300,
      env: {
        GIT_EDITOR: `sleep 3; touch ${marker}`,
        GIT_AUTHOR_NAME: 'a',
        GIT_AUTHOR_EMAIL: 'a@b',
        GIT_COMMITTER_NAME: 'a',
        GIT_COMMITTER_EMAIL: 'a@b'
      }
    }).catch((e: unknown) => e)) as GitError
    expect(error.reason).toBe('timeout')
    expect(Date.now() - started).toBeLessThan(2500)
    await new Promise(resolve => setTimeout(resolve, 3500))
    expect(existsSync(marker)).toBe(false) // the editor died with git's process group
  })

  it('kills git when output passes the cap', async () => {
    const repo = initRepo()
    const oid = hashObject(repo, bytes(200_000))
    const error = (await runGit(['cat-file', 'blob', oid], { cwd: repo, maxBytes: 1000 }).catch(
      (e: unknown) => e
    )) as GitError
    expect(error.reason).toBe('output-limit')
    expect(error.message).toMatch(/1000 bytes limit/)
  })

  it('reports a missing working directory as a spawn failure', async () => {
    const error = (await runGit(['status'], { cwd: '/nonexistent/dir' }).catch((e: unknown) => e)) as GitError
    expect(error.reason).toBe('spawn')
  })
})

describe('streamGit', () => {
  it('streams a blob and ends after git exits 0', async () => {
    const repo = initRepo()
    const content = bytes(300_000, 9)
    const oid = hashObject(repo, content)
    expect((await collect(streamGit(['cat-file', 'blob', oid], { cwd: repo }))).equals(content)).toBe(true)
  })

  it('fails the stream (not a short read) when git fails', async () => {
    const repo = initRepo()
    await expect(
      collect(streamGit(['cat-file', 'blob', 'f'.repeat(40)], { cwd: repo }))
    ).rejects.toBeInstanceOf(GitError)
  })

  it('can be destroyed early', async () => {
    const repo = initRepo()
    const oid = hashObject(repo, bytes(5_000_000, 5))
    const stream = streamGit(['cat-file', 'blob', oid], { cwd: repo })
    for await (const chunk of stream) {
      expect((chunk as Buffer).length).toBeGreaterThan(0)
      break // destroys the stream, which kills git
    }
    expect(stream.destroyed).toBe(true)
  })
})

describe('CatFileBatch', () => {
  it('reads many objects on one process, reports missing ones, and recovers after an oversize reply', async () => {
    const repo = initRepo()
    write(repo, 'a', 'alpha')
    commitAll(repo)
    const a = hashObject(repo, 'alpha')
    const big = hashObject(repo, bytes(100_000))
    const batch = new CatFileBatch(repo)
    try {
      expect((await batch.read(a, 100))?.content.toString()).toBe('alpha')
      expect(await batch.read('e'.repeat(40), 100)).toBeNull()
      await expect(batch.read(big, 1000)).rejects.toThrow(/over the 1000-byte limit/)
      expect((await batch.read(big, 100_000))?.content.equals(bytes(100_000))).toBe(true)
      const many = await Promise.all(Array.from({ length: 50 }, () => batch.read(a, 100)))
      expect(many.every(o => o?.content.toString() === 'alpha')).toBe(true)
      const tree = git(repo, ['rev-parse', 'HEAD^{tree}'])
      expect((await batch.read(tree, 1000))?.type).toBe('tree')
      await expect(batch.read('HEAD', 100)).rejects.toThrow(TypeError)
    } finally {
      await batch.close()
      await batch.close()
    }
    await expect(batch.read(a, 100)).rejects.toThrow(/closed/)
  })
})
