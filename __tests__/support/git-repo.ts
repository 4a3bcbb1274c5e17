import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/**
 * Real git repositories for end-to-end tests: commits are made with the git binary, exactly as
 * a runner's checkout would hold them.
 */
export const AUTHOR_ENV = {
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@example.com',
  GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z'
}

export type FileSpec = string | Buffer | { copyFrom: string } | { symlinkTo: string } | null

export class TestRepo {
  readonly dir: string

  constructor(prefix = 'modelgate-repo-') {
    this.dir = mkdtempSync(join(tmpdir(), prefix))
    this.git('init', '-q', '-b', 'main')
  }

  git(...args: string[]): string {
    return execFileSync('git', ['-c', 'core.quotepath=off', ...args], {
      cwd: this.dir,
      env: { ...process.env, ...AUTHOR_ENV },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe']
    }).trim()
  }

  /** Writes (or, with null, deletes) files and commits them; returns the commit SHA. */
  commit(message: string, files: Record<string, FileSpec>): string {
    for (const [path, spec] of Object.entries(files)) {
      const full = join(this.dir, path)
      if (spec === null) {
        rmSync(full, { force: true, recursive: true })
        continue
      }
      mkdirSync(dirname(full), { recursive: true })
      rmSync(full, { force: true })
      if (typeof spec === 'string' || Buffer.isBuffer(spec)) writeFileSync(full, spec)
      else if ('copyFrom' in spec) copyFileSync(spec.copyFrom, full)
      else symlinkSync(spec.symlinkTo, full)
    }
    this.git('add', '-A')
    this.git('commit', '-q', '--allow-empty', '-m', message)
    return this.git('rev-parse', 'HEAD')
  }

  checkout(ref: string, create = false): void {
    this.git('checkout', '-q', ...(create ? ['-b'] : []), ref)
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/**
 * Clones `branch` of `source` with depth 1 into `dest`, as actions/checkout does by default.
 * file:// forces the real transport, so only what the branch reaches is copied.
 */
export function shallowClone(source: string, branch: string, dest: string): void {
  execFileSync('git', ['clone', '-q', '--depth', '1', '--branch', branch, `file://${source}`, dest], {
    stdio: ['ignore', 'pipe', 'pipe']
  })
}
