/**
 * The local change set for `modelgate check`: what the working tree (staged or not, and untracked
 * files git does not ignore) changes relative to a base commit. Parsed NUL-separated like the
 * Action's change set, so the same odd names survive.
 */
import { parseRawDiff, type Change } from './change-set.js'
import { decodeRawPath } from '../core/raw-path.js'
import { gitIn, resolveCommit } from './repo-info.js'

function splitNul(buf: Buffer): Buffer[] {
  const out: Buffer[] = []
  let start = 0
  for (let i = buf.indexOf(0); i >= 0; i = buf.indexOf(0, start)) {
    if (i > start) out.push(buf.subarray(start, i))
    start = i + 1
  }
  if (start < buf.length) out.push(buf.subarray(start))
  return out
}

/**
 * Every change from `base` to the working tree: tracked files as `git diff <base>` sees them
 * (index and working tree together, renames detected), plus untracked, non-ignored files as
 * `added`. Object ids of working-tree files are not computed (all zeros), as git reports them.
 */
export async function diffWorkingTree(repo: string, base: string): Promise<Change[]> {
  const sha = await resolveCommit(repo, base)
  const diff = await gitIn(repo, [
    'diff',
    '-z',
    '--raw',
    '--no-abbrev',
    '--find-renames',
    '--no-ext-diff',
    '--no-textconv',
    '--ignore-submodules=none',
    sha,
    '--'
  ])
  const changes = parseRawDiff(diff.stdout)
  const seen = new Set(changes.map(c => c.path))
  const untracked = await gitIn(repo, [
    'ls-files',
    '-z',
    '--others',
    '--exclude-standard',
    '--full-name',
    '--',
    ':/'
  ])
  for (const raw of splitNul(untracked.stdout)) {
    const path = decodeRawPath(raw)
    if (seen.has(path)) continue
    // A nested repository is listed with a trailing slash; judge it like a submodule.
    changes.push({ kind: 'added', path: path.endsWith('/') ? path.slice(0, -1) : path })
  }
  return changes
}
