import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  BlobTooLargeError,
  CommitTree,
  MAX_LINK_BYTES,
  openCommitTree,
  readBlobAt,
  TreeEntryError
} from '../../src/git/commit-tree.js'
import { GitSetupError } from '../../src/git/errors.js'
import {
  addIndexEntry,
  bytes,
  commitAll,
  git,
  gitBytes,
  hashObject,
  initRepo,
  removeTemps,
  symlink,
  tempDir,
  write
} from './helpers.js'

const BIG = 3 * 1024 * 1024 + 17
const injected = 'models/evil\n::error::pwned.onnx'
const latin1 = Buffer.from([0x6e, 0x2f, 0xe9, 0x2e, 0x62, 0x69, 0x6e]) // "n/é.bin" in latin1
const latin1Path = 'n/\udce9.bin'

let repo: string
let commit: string
let subOid: string
const trees: CommitTree[] = []

async function treeAt(rev = commit, options = {}): Promise<CommitTree> {
  const tree = await openCommitTree(repo, rev, options)
  trees.push(tree)
  return tree
}

function sha256sum(content: Buffer): string {
  return execFileSync('sha256sum', ['-'], { input: content }).toString('utf8').split(' ')[0]!
}

beforeAll(() => {
  repo = initRepo()
  write(repo, 'README.md', 'hello\n')
  write(repo, 'models/model.onnx', bytes(5000, 7))
  write(repo, 'models/big.safetensors', bytes(BIG, 3))
  write(repo, 'models/empty.bin', '')
  write(repo, injected, 'injected')
  write(repo, 'n/placeholder', '')
  write(repo, latin1, 'latin1 bytes')
  write(repo, 'constructor', 'c')
  write(repo, '__proto__', 'p')
  write(repo, 'ai-registry.yaml', 'version: 1\n')
  symlink(repo, 'models/escape.onnx', '../../../../etc/passwd')
  commitAll(repo, 'first')
  subOid = git(repo, ['rev-parse', 'HEAD'])
  addIndexEntry(repo, '160000', subOid, 'vendor/sub')
  // A "symlink" whose target text is longer than the 4 KiB bound (only possible as an object).
  addIndexEntry(repo, '120000', hashObject(repo, 'x'.repeat(MAX_LINK_BYTES + 100)), 'long-link')
  git(repo, ['commit', '-q', '-m', 'second'])
  commit = git(repo, ['rev-parse', 'HEAD'])
})

afterAll(async () => {
  await Promise.all(trees.map(t => t.close()))
  removeTemps()
})

describe('CommitTree.list', () => {
  it('lists files with sizes, symlinks with their unfollowed target, and submodules', async () => {
    const tree = await treeAt()
    expect(tree.label).toBe(`commit ${commit.slice(0, 7)}`)
    const entries = new Map((await tree.list()).map(e => [e.path, e]))
    expect(entries.get('models/model.onnx')).toMatchObject({ kind: 'file', size: 5000, mode: '100644' })
    expect(entries.get('models/big.safetensors')).toMatchObject({ kind: 'file', size: BIG })
    expect(entries.get('models/empty.bin')).toMatchObject({ kind: 'file', size: 0 })
    expect(entries.get('models/escape.onnx')).toEqual({
      path: 'models/escape.onnx',
      kind: 'symlink',
      size: '../../../../etc/passwd'.length,
      linkTarget: '../../../../etc/passwd',
      mode: '120000',
      oid: hashObject(repo, '../../../../etc/passwd')
    })
    expect(entries.get('vendor/sub')).toEqual({
      path: 'vendor/sub',
      kind: 'submodule',
      size: 0,
      mode: '160000',
      oid: subOid
    })
    expect(entries.get('long-link')).toMatchObject({
      kind: 'symlink',
      size: MAX_LINK_BYTES + 100,
      linkTarget: 'x'.repeat(MAX_LINK_BYTES),
      linkTargetTruncated: true
    })
    for (const odd of [injected, latin1Path, 'constructor', '__proto__']) {
      expect(entries.get(odd)?.kind).toBe('file')
    }
    expect(entries.size).toBe(13)
  })

  it('never follows a symlink or enters a submodule', async () => {
    const tree = await treeAt()
    await expect(tree.open('models/escape.onnx')).rejects.toMatchObject({ problem: 'symlink' })
    await expect(tree.sha256('models/escape.onnx')).rejects.toBeInstanceOf(TreeEntryError)
    await expect(tree.open('vendor/sub')).rejects.toMatchObject({ problem: 'submodule' })
    await expect(tree.open('vendor/sub/file')).rejects.toMatchObject({ problem: 'absent' })
    await expect(tree.open('models')).rejects.toMatchObject({ problem: 'directory' })
    await expect(tree.open('MODELS/model.onnx')).rejects.toMatchObject({ problem: 'absent' })
    await expect(tree.open('toString')).rejects.toMatchObject({ problem: 'absent' })
  })
})

describe('CommitTree.open', () => {
  it('reads committed bytes from the object database, not the working tree', async () => {
    const committed = bytes(5000, 7)
    write(repo, 'models/model.onnx', 'PR code swapped the working file')
    write(repo, 'untracked.onnx', 'never committed')
    const tree = await treeAt()
    const file = await tree.open('models/model.onnx')
    expect(file.size).toBe(5000)
    expect(Buffer.from(await file.read(0, 5000)).equals(committed)).toBe(true)
    expect(Buffer.from(await file.read(4990, 100)).equals(committed.subarray(4990))).toBe(true)
    expect((await file.read(6000, 10)).length).toBe(0)
    await expect(file.read(-1, 10)).rejects.toThrow(RangeError)
    await expect(file.read(0, 1.5)).rejects.toThrow(RangeError)
    await file.close()
    expect(await tree.readText('models/model.onnx', 10_000)).toEqual(committed)
    expect(await tree.sha256('models/model.onnx')).toBe(sha256sum(committed))
    await expect(tree.open('untracked.onnx')).rejects.toMatchObject({ problem: 'absent' })
    git(repo, ['checkout', '--', 'models/model.onnx'])
  })

  it('reads odd names exactly', async () => {
    const tree = await treeAt()
    for (const [path, content] of [
      [injected, 'injected'],
      [latin1Path, 'latin1 bytes'],
      ['constructor', 'c'],
      ['__proto__', 'p']
    ] as const) {
      const file = await tree.open(path)
      expect(Buffer.from(await file.read(0, 100)).toString()).toBe(content)
      await file.close()
    }
    const empty = await tree.open('models/empty.bin')
    expect(empty.size).toBe(0)
    expect((await empty.read(0, 10)).length).toBe(0)
  })

  it('spools a blob over 1 MiB to a private temp file, reads it at random, and removes it on close', async () => {
    const spoolRoot = tempDir('mg-spool-')
    const tree = await treeAt(commit, { tmpDir: spoolRoot })
    const expected = bytes(BIG, 3)
    const file = await tree.open('models/big.safetensors')
    expect(file.size).toBe(BIG)
    expect(readdirSync(spoolRoot)).toHaveLength(1)
    expect(Buffer.from(await file.read(0, 16)).equals(expected.subarray(0, 16))).toBe(true)
    expect(Buffer.from(await file.read(BIG - 100, 1000)).equals(expected.subarray(BIG - 100))).toBe(true)
    expect(
      Buffer.from(await file.read(1_500_000, 70_000)).equals(expected.subarray(1_500_000, 1_570_000))
    ).toBe(true)
    await file.close()
    expect(readdirSync(spoolRoot)).toHaveLength(0)

    // Spools still open when the tree closes are removed too.
    await tree.open('models/big.safetensors')
    expect(readdirSync(spoolRoot)).toHaveLength(1)
    await tree.close()
    expect(readdirSync(spoolRoot)).toHaveLength(0)
    await expect(tree.open('README.md')).rejects.toThrow(/closed/)
  })

  it('refuses a single read over the read limit', async () => {
    const tree = await treeAt(commit, { maxReadBytes: 1024 })
    const file = await tree.open('models/model.onnx')
    await expect(file.read(0, 2048)).rejects.toThrow(/limit/)
    expect((await file.read(4500, 2048)).length).toBe(500)
  })
})

describe('CommitTree.sha256', () => {
  it('equals sha256sum of the committed bytes, small and streamed, and reports progress', async () => {
    const tree = await treeAt(commit, { memoryLimit: 1024 })
    const big = gitBytes(repo, ['cat-file', 'blob', `${commit}:models/big.safetensors`])
    const progress: number[] = []
    expect(await tree.sha256('models/big.safetensors', done => progress.push(done))).toBe(sha256sum(big))
    expect(progress.at(-1)).toBe(BIG)
    expect(await tree.sha256('README.md')).toBe(sha256sum(Buffer.from('hello\n')))
    expect(await tree.sha256('models/empty.bin')).toBe(sha256sum(Buffer.alloc(0)))
    // model.onnx (5000 bytes) is over this tree's 1 KiB memory limit: the spool path.
    const file = await tree.open('models/model.onnx')
    expect(Buffer.from(await file.read(0, 5000)).equals(bytes(5000, 7))).toBe(true)
    await file.close()
    expect(await tree.sha256('models/model.onnx')).toBe(sha256sum(bytes(5000, 7)))
  })

  it('works through many files on one cat-file process', async () => {
    const tree = await treeAt()
    const files = (await tree.list()).filter(e => e.kind === 'file')
    const digests = await Promise.all(files.map(e => tree.sha256(e.path)))
    expect(digests).toHaveLength(files.length)
    // Same blob, same digest (both empty files); different blobs, different digests.
    expect(new Set(digests).size).toBe(new Set(files.map(e => e.oid)).size)
  })
})

describe('readText and readBlobAt', () => {
  it('returns the bytes, null when absent, and refuses symlinks, submodules, directories and oversize', async () => {
    const tree = await treeAt()
    expect((await tree.readText('ai-registry.yaml', 1000))?.toString()).toBe('version: 1\n')
    expect(await tree.readText('missing.yaml', 1000)).toBeNull()
    await expect(tree.readText('models/model.onnx', 100)).rejects.toBeInstanceOf(BlobTooLargeError)
    await expect(tree.readText('models/escape.onnx', 100)).rejects.toMatchObject({ problem: 'symlink' })
    await expect(tree.readText('models', 100)).rejects.toMatchObject({ problem: 'directory' })

    expect((await readBlobAt(repo, commit, 'ai-registry.yaml', 1000))?.toString()).toBe('version: 1\n')
    expect((await readBlobAt(repo, 'HEAD~1', 'ai-registry.yaml', 1000))?.toString()).toBe('version: 1\n')
    expect(
      Buffer.from((await readBlobAt(repo, commit, 'models/model.onnx', 5000))!).equals(bytes(5000, 7))
    ).toBe(true)
    expect((await readBlobAt(repo, commit, injected, 100))?.toString()).toBe('injected')
    expect((await readBlobAt(repo, commit, latin1Path, 100))?.toString()).toBe('latin1 bytes')
    expect(await readBlobAt(repo, commit, 'missing.yaml', 1000)).toBeNull()
    expect(await readBlobAt(repo, commit, 'models/missing/deeper.yaml', 1000)).toBeNull()
    expect(await readBlobAt(repo, commit, 'README.md/x', 1000)).toBeNull()
    expect(await readBlobAt(repo, commit, '*.yaml', 1000)).toBeNull()
    expect(await readBlobAt(repo, commit, ':(glob)**/*.yaml', 1000)).toBeNull()
    expect(await readBlobAt(repo, commit, '/ai-registry.yaml', 1000)).toBeNull()
    expect(await readBlobAt(repo, commit, '\ud800', 1000)).toBeNull()
    const tooBig = (await readBlobAt(repo, commit, 'models/model.onnx', 4999).catch(
      (e: unknown) => e
    )) as Error
    expect(tooBig).toBeInstanceOf(BlobTooLargeError)
    expect(tooBig.message).toMatch(/5000 bytes, over the 4999-byte limit/)
    await expect(readBlobAt(repo, commit, 'models/escape.onnx', 100)).rejects.toMatchObject({
      problem: 'symlink'
    })
    await expect(readBlobAt(repo, commit, 'vendor/sub', 100)).rejects.toMatchObject({ problem: 'submodule' })
    await expect(readBlobAt(repo, commit, 'models', 100)).rejects.toMatchObject({ problem: 'directory' })
    await expect(readBlobAt(repo, 'f'.repeat(40), 'ai-registry.yaml', 100)).rejects.toBeInstanceOf(
      GitSetupError
    )
  })

  it('reads the file as committed even when the working tree differs', async () => {
    const other = initRepo()
    write(other, 'ai-registry.yaml', 'trusted')
    const base = commitAll(other)
    writeFileSync(join(other, 'ai-registry.yaml'), 'tampered')
    expect((await readBlobAt(other, base, 'ai-registry.yaml', 100))?.toString()).toBe('trusted')
  })
})

describe('CommitTree.open (static)', () => {
  it('resolves revisions and rejects unknown ones', async () => {
    const tree = await CommitTree.open(repo, 'HEAD~1')
    trees.push(tree)
    expect(tree.commit).toBe(git(repo, ['rev-parse', 'HEAD~1']))
    expect((await tree.list()).some(e => e.path === 'vendor/sub')).toBe(false)
    await expect(CommitTree.open(repo, 'no-such-branch')).rejects.toBeInstanceOf(GitSetupError)
  })
})
