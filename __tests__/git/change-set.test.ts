import { afterAll, describe, expect, it } from '@jest/globals'
import { diffChangeSet, diffRange, parseRawDiff, type Change } from '../../src/git/change-set.js'
import { GitSetupError } from '../../src/git/errors.js'
import { encodeRawPath } from '../../src/core/raw-path.js'
import {
  addIndexEntry,
  body,
  commitAll,
  git,
  hashObject,
  initRepo,
  removeTemps,
  symlink,
  tempDir,
  write
} from './helpers.js'
import { chmodSync, rmSync } from 'node:fs'
import { join } from 'node:path'

afterAll(removeTemps)

const byPath = (changes: Change[]): Map<string, Change> => new Map(changes.map(c => [c.path, c]))

describe('diffChangeSet', () => {
  it('reports every change kind with modes, ids and old paths', async () => {
    const repo = initRepo()
    write(repo, 'keep.txt', body('keep'))
    write(repo, 'models/old-name.onnx', body('onnx'))
    write(repo, 'gone.txt', body('gone'))
    write(repo, 'src.txt', body('src'))
    write(repo, 'was-file', body('was-file'))
    write(repo, 'run.sh', '#!/bin/sh\necho hi\n')
    const base = commitAll(repo, 'base')
    git(repo, ['checkout', '-q', '-b', 'feature'])
    write(repo, 'keep.txt', body('keep') + '\nchanged')
    git(repo, ['mv', 'models/old-name.onnx', 'models/new-name.onnx'])
    rmSync(join(repo, 'gone.txt'))
    write(repo, 'src.txt', body('src') + '\nsource modified so it is a copy source')
    write(repo, 'copy.txt', body('src'))
    rmSync(join(repo, 'was-file'))
    symlink(repo, 'was-file', 'keep.txt')
    chmodSync(join(repo, 'run.sh'), 0o755)
    write(repo, 'new.bin', 'new')
    const head = commitAll(repo, 'head')

    const set = await diffChangeSet(repo, 'main', 'feature')
    expect(set).toMatchObject({ base, head, mergeBase: base })
    const changes = byPath(set.changes)
    expect(changes.get('keep.txt')).toMatchObject({ kind: 'modified', mode: '100644', oldMode: '100644' })
    expect(changes.get('models/new-name.onnx')).toMatchObject({
      kind: 'renamed',
      oldPath: 'models/old-name.onnx',
      similarity: 100
    })
    expect(changes.get('gone.txt')).toMatchObject({ kind: 'deleted', oldMode: '100644' })
    expect(changes.get('gone.txt')?.mode).toBeUndefined()
    expect(changes.get('gone.txt')?.oid).toBeUndefined()
    expect(changes.get('copy.txt')).toMatchObject({ kind: 'copied', oldPath: 'src.txt' })
    expect(changes.get('src.txt')).toMatchObject({ kind: 'modified' })
    expect(changes.get('was-file')).toMatchObject({ kind: 'type-changed', mode: '120000', oldMode: '100644' })
    expect(changes.get('run.sh')).toMatchObject({ kind: 'modified', mode: '100755', oldMode: '100644' })
    expect(changes.get('new.bin')).toMatchObject({
      kind: 'added',
      mode: '100644',
      oid: hashObject(repo, 'new')
    })
    expect(changes.get('new.bin')?.oldMode).toBeUndefined()
    expect(set.changes).toHaveLength(8)
  })

  it('keeps hostile names exact: newline + ::error::, backticks, non-UTF-8 bytes, a 4,000-char path', async () => {
    const repo = initRepo()
    write(repo, 'README', 'base')
    commitAll(repo)
    const injected = 'models/evil\n::error::pwned.onnx'
    const ticks = 'models/`rm -rf`$(id).pt'
    const latin1 = Buffer.from([0x6d, 0x2f, 0xe9, 0x74, 0xe9, 0x2e, 0x70, 0x74]) // "m/été.pt" in latin1
    const long = Array.from({ length: 20 }, (_, i) => `${String(i).padStart(2, '0')}${'d'.repeat(197)}`).join(
      '/'
    )
    const longPath = `${long.slice(0, 3990)}/model.onnx`
    expect(longPath.length).toBeGreaterThanOrEqual(4000)
    write(repo, injected, 'a')
    write(repo, ticks, 'b')
    write(repo, 'm/placeholder', '')
    write(repo, latin1, 'c')
    write(repo, longPath, 'd')
    write(repo, 'constructor', 'e')
    write(repo, '__proto__', 'f')
    commitAll(repo)

    const set = await diffChangeSet(repo, 'HEAD~1', 'HEAD')
    const paths = set.changes.map(c => c.path)
    expect(paths).toEqual(expect.arrayContaining([injected, ticks, longPath, 'constructor', '__proto__']))
    const odd = set.changes.find(c => c.path.startsWith('m/') && c.path !== 'm/placeholder')!
    expect(odd.path).toBe('m/\udce9t\udce9.pt')
    expect(encodeRawPath(odd.path).equals(latin1)).toBe(true)
    expect(set.changes.every(c => c.kind === 'added')).toBe(true)
    expect(set.changes).toHaveLength(7)
  })

  it('reports a submodule gitlink and a symlink with their modes', async () => {
    const repo = initRepo()
    write(repo, 'README', 'base')
    commitAll(repo)
    const sub = git(repo, ['rev-parse', 'HEAD'])
    addIndexEntry(repo, '160000', sub, 'vendor/weights')
    symlink(repo, 'escape', '../../../etc/passwd')
    git(repo, ['add', 'escape'])
    git(repo, ['commit', '-q', '-m', 'sub'])
    const changes = byPath((await diffChangeSet(repo, 'HEAD~1', 'HEAD')).changes)
    expect(changes.get('vendor/weights')).toMatchObject({ kind: 'added', mode: '160000', oid: sub })
    expect(changes.get('escape')).toMatchObject({ kind: 'added', mode: '120000' })
  })

  it('sees a deleted-and-re-added file as the net change from the merge base', async () => {
    const repo = initRepo()
    write(repo, 'model.onnx', 'registered bytes')
    const base = commitAll(repo)
    git(repo, ['checkout', '-q', '-b', 'pr'])
    rmSync(join(repo, 'model.onnx'))
    commitAll(repo, 'delete')
    write(repo, 'model.onnx', 'swapped bytes')
    commitAll(repo, 're-add')
    const set = await diffChangeSet(repo, base, 'pr')
    expect(set.changes).toEqual([
      expect.objectContaining({
        kind: 'modified',
        path: 'model.onnx',
        oid: hashObject(repo, 'swapped bytes')
      })
    ])
  })

  it('diffs from the merge base: changes the base branch made since are not in the set', async () => {
    const repo = initRepo()
    write(repo, 'shared.txt', 'shared')
    const fork = commitAll(repo)
    git(repo, ['checkout', '-q', '-b', 'feature'])
    write(repo, 'feature.onnx', 'feature model')
    const head = commitAll(repo, 'feature')
    git(repo, ['checkout', '-q', 'main'])
    write(repo, 'main-only.onnx', 'landed on main')
    write(repo, 'shared.txt', 'changed on main')
    const base = commitAll(repo, 'main moved')

    const set = await diffChangeSet(repo, 'main', 'feature')
    expect(set).toMatchObject({ base, head, mergeBase: fork })
    expect(set.changes.map(c => c.path)).toEqual(['feature.onnx'])
    // A plain range, by contrast, sees both sides.
    const range = await diffRange(repo, base, head)
    expect(range.mergeBase).toBe(base)
    expect(range.changes.map(c => c.path).sort()).toEqual(['feature.onnx', 'main-only.onnx', 'shared.txt'])
  })

  it('diffRange diffs before..after and refuses the null before of a new branch', async () => {
    const repo = initRepo()
    write(repo, 'a', '1')
    const before = commitAll(repo)
    write(repo, 'a', '2')
    const after = commitAll(repo)
    expect((await diffRange(repo, before, after)).changes).toEqual([
      expect.objectContaining({ kind: 'modified', path: 'a' })
    ])
    await expect(diffRange(repo, '0'.repeat(40), after)).rejects.toThrow(GitSetupError)
  })

  it('fails closed with GitSetupError for unrelated histories, unknown refs and non-repositories', async () => {
    const repo = initRepo()
    write(repo, 'a', '1')
    commitAll(repo)
    git(repo, ['checkout', '-q', '--orphan', 'other'])
    write(repo, 'b', '2')
    commitAll(repo)
    await expect(diffChangeSet(repo, 'main', 'other')).rejects.toMatchObject({ code: 'no-merge-base' })
    await expect(diffChangeSet(repo, 'nope', 'other')).rejects.toMatchObject({ code: 'invalid-ref' })
    await expect(diffChangeSet(repo, '--output=/tmp/x', 'other')).rejects.toMatchObject({
      code: 'invalid-ref'
    })
    const notRepo = tempDir()
    const error = (await diffChangeSet(notRepo, 'a', 'b').catch((e: unknown) => e)) as GitSetupError
    expect(error).toBeInstanceOf(GitSetupError)
    expect(error.code).toBe('not-a-repository')
    expect(error.fix).toMatch(/actions\/checkout before ModelGate/)
  })
})

describe('parseRawDiff', () => {
  const oid = 'a'.repeat(40)
  const zero = '0'.repeat(40)
  it('parses records and decodes paths', () => {
    const out = Buffer.from(
      `:000000 100644 ${zero} ${oid} A\0x\ny\0:100644 100644 ${oid} ${oid} R090\0a\0b\0`
    )
    expect(parseRawDiff(out)).toEqual([
      { kind: 'added', path: 'x\ny', mode: '100644', oid },
      {
        kind: 'renamed',
        path: 'b',
        oldPath: 'a',
        mode: '100644',
        oid,
        oldMode: '100644',
        oldOid: oid,
        similarity: 90
      }
    ])
    expect(parseRawDiff(Buffer.alloc(0))).toEqual([])
  })
  it('throws on unmerged entries, unknown records and truncated output', () => {
    expect(() => parseRawDiff(Buffer.from(`:100644 100644 ${oid} ${oid} U\0x\0`))).toThrow(/Unsupported/)
    expect(() => parseRawDiff(Buffer.from(`garbage\0x\0`))).toThrow(/Unexpected/)
    expect(() => parseRawDiff(Buffer.from(`:100644 100644 ${oid} ${oid} M\0x`))).toThrow(/end of git diff/)
    expect(() => parseRawDiff(Buffer.from(`:100644 100644 ${oid} ${oid} R100\0x\0`))).toThrow(
      /end of git diff/
    )
  })
})
