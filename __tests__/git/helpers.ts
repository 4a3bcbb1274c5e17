/** Real git repositories in temp dirs for the src/git tests. */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

const ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
  LC_ALL: 'C'
}

const made: string[] = []

/** A fresh temp dir, removed by {@link removeTemps}. */
export function tempDir(prefix = 'mg-git-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}

export function removeTemps(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/** Runs git synchronously and returns stdout (trimmed unless `raw`). */
export function git(cwd: string, args: string[], input?: string | Buffer): string {
  return execFileSync('git', ['-c', 'commit.gpgsign=false', ...args], {
    cwd,
    env: ENV,
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024
  })
    .toString('utf8')
    .trim()
}

/** Same as {@link git} but returns the raw stdout bytes. */
export function gitBytes(cwd: string, args: string[]): Buffer {
  return execFileSync('git', args, {
    cwd,
    env: ENV,
    stdio: ['pipe', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024
  })
}

/** `git init -b main` in a new temp dir. */
export function initRepo(): string {
  const dir = tempDir()
  git(dir, ['init', '-q', '-b', 'main'])
  return dir
}

/** Writes a file (creating directories); `path` may be raw bytes for non-UTF-8 names. */
export function write(repo: string, path: string | Buffer, content: string | Buffer): void {
  if (typeof path === 'string') {
    const full = join(repo, path)
    mkdirSync(dirname(full), { recursive: true })
    writeFileSync(full, content)
  } else {
    writeFileSync(Buffer.concat([Buffer.from(`${repo}/`), path]), content)
  }
}

export function symlink(repo: string, path: string, target: string): void {
  const full = join(repo, path)
  mkdirSync(dirname(full), { recursive: true })
  symlinkSync(target, full)
}

/** `git add -A && git commit`; returns the new commit id. */
export function commitAll(repo: string, message = 'commit'): string {
  git(repo, ['add', '-A'])
  git(repo, ['commit', '-q', '--allow-empty', '-m', message])
  return git(repo, ['rev-parse', 'HEAD'])
}

/** Stores bytes as a blob and returns its id. */
export function hashObject(repo: string, content: string | Buffer): string {
  return git(repo, ['hash-object', '-w', '--stdin'], content)
}

/** Adds an index entry directly (gitlinks, odd modes, paths the file system cannot hold). */
export function addIndexEntry(repo: string, mode: string, oid: string, path: string): void {
  git(repo, ['update-index', '--add', '--cacheinfo', `${mode},${oid},${path}`])
}

/** Deterministic pseudo-random bytes. */
export function bytes(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size)
  let x = seed >>> 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/** A text body long enough for git's rename/copy detection. */
export function body(label: string, lines = 40): string {
  return Array.from(
    { length: lines },
    (_, i) => `${label} line ${i} of a file with enough content to be similar`
  ).join('\n')
}
