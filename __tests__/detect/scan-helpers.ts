import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { ByteSource, Classification, FormatId } from '../../src/core/detect/types.js'

/**
 * A stand-in classifier for scan tests, so they check grouping, pointers and hashing without
 * depending on every format parser: a file whose bytes start with `FAKE <format> <framework>` is
 * that format; `unsafe=a.b` adds a pickle scan with that global.
 */
export async function fakeClassify(source: ByteSource): Promise<Classification | null> {
  const head = Buffer.from(await source.read(0, Math.min(source.size, 256))).toString('latin1')
  const m = /^FAKE (\S+) (\S+)(?: unsafe=(\S+))?/.exec(head)
  if (!m) return null
  const c: Classification = { format: m[1] as FormatId, framework: m[2]!, metadata: {} }
  if (m[3] !== undefined) c.pickle = { globals: [m[3]], unsafeGlobals: [m[3]] }
  return c
}

export const fake = (format: string, framework = 'fw', extra = ''): string =>
  `FAKE ${format} ${framework}${extra}\n`

export function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args],
    {
      cwd,
      encoding: 'utf8'
    }
  )
}

/** A fresh git repository with `files` written and committed. */
export function makeRepo(files: Record<string, string | Buffer>, prefix = 'mg-scan-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  git(dir, 'init', '-q')
  writeFiles(dir, files)
  git(dir, 'add', '-A')
  git(dir, 'commit', '-q', '--allow-empty', '-m', 'init')
  return dir
}

export function writeFiles(dir: string, files: Record<string, string | Buffer>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
}

export function lfsPointer(oid: string, size: number): string {
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${size}\n`
}
