import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeRawPath } from '../../src/core/raw-path.js'
import { scanTree } from '../../src/core/detect/scan.js'
import type { FileTree, TreeEntry } from '../../src/core/detect/tree.js'
import { WorkingTree } from '../../src/tree/working-tree.js'

function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args],
    {
      cwd,
      encoding: 'utf8'
    }
  )
}

function byPath(entries: TreeEntry[]): Map<string, TreeEntry> {
  return new Map(entries.map(e => [e.path, e]))
}

const NON_UTF8 = Buffer.from([0x77, 0xff, 0xfe, 0x2e, 0x62, 0x69, 0x6e]) // "w\xff\xfe.bin"
const LONG =
  Array.from({ length: 20 }, (_, i) => `${String(i).padStart(2, '0')}${'d'.repeat(197)}`).join('/') + '/f.txt'

describe('WorkingTree', () => {
  let root: string
  let repo: string
  let plain: string
  let outside: string

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'mg-wt-'))
    outside = join(root, 'outside')
    mkdirSync(outside)
    writeFileSync(join(outside, 'secret.onnx'), 'outside the tree')

    repo = join(root, 'repo')
    mkdirSync(repo)
    git(repo, 'init', '-q')
    mkdirSync(join(repo, 'models'))
    writeFileSync(join(repo, 'models', 'a.bin'), 'hello model')
    writeFileSync(join(repo, 'old-name.dat'), 'renamed content')
    writeFileSync(join(repo, '.gitignore'), 'ignored.txt\n')
    writeFileSync(join(repo, 'ignored.txt'), 'x')
    writeFileSync(join(repo, 'line\nbreak.txt'), 'nl')
    writeFileSync(join(repo, 'constructor'), 'c')
    writeFileSync(join(repo, '__proto__'), 'p')
    writeFileSync(Buffer.concat([Buffer.from(`${repo}/`), NON_UTF8]), 'raw bytes name')
    mkdirSync(join(repo, LONG, '..'), { recursive: true })
    writeFileSync(join(repo, LONG), 'long')
    symlinkSync(join(outside, 'secret.onnx'), join(repo, 'link.onnx'))
    git(repo, 'add', '-A')
    git(repo, 'update-index', '--add', '--cacheinfo', `160000,${'a'.repeat(40)},vendor/sub`)
    git(repo, 'commit', '-q', '-m', 'init')
    git(repo, 'mv', 'old-name.dat', 'new-name.dat')
    writeFileSync(join(repo, 'untracked.txt'), 'u')
    // An untracked nested repository, and a FIFO.
    mkdirSync(join(repo, 'nested'))
    git(join(repo, 'nested'), 'init', '-q')
    writeFileSync(join(repo, 'nested', 'inner.txt'), 'i')
    git(join(repo, 'nested'), 'add', '-A')
    git(join(repo, 'nested'), 'commit', '-q', '-m', 'n')
    execFileSync('mkfifo', [join(repo, 'pipe.fifo')])

    plain = join(root, 'plain')
    mkdirSync(join(plain, 'sub', '.git'), { recursive: true })
    writeFileSync(join(plain, 'sub', '.git', 'HEAD'), 'ref')
    writeFileSync(join(plain, 'sub', 'm.onnx'), 'm')
    writeFileSync(Buffer.concat([Buffer.from(`${plain}/`), NON_UTF8]), 'raw')
    symlinkSync('sub/m.onnx', join(plain, 'l'))
  })

  afterAll(() => {
    rmSync(root, { recursive: true, force: true })
  })

  it('lists a git work tree: tracked, untracked, not ignored, renamed', async () => {
    const entries = byPath(await new WorkingTree(repo).list())
    expect(entries.get('models/a.bin')).toEqual({ path: 'models/a.bin', kind: 'file', size: 11 })
    expect(entries.has('new-name.dat')).toBe(true)
    expect(entries.has('old-name.dat')).toBe(false)
    expect(entries.has('untracked.txt')).toBe(true)
    expect(entries.has('ignored.txt')).toBe(false)
    expect(entries.has('.gitignore')).toBe(true)
    expect(entries.get('constructor')?.kind).toBe('file')
    expect(entries.get('__proto__')?.kind).toBe('file')
  })

  it('reports symlinks with their target and never follows them', async () => {
    const tree = new WorkingTree(repo)
    const link = byPath(await tree.list()).get('link.onnx')
    expect(link?.kind).toBe('symlink')
    expect(link?.linkTarget).toBe(join(outside, 'secret.onnx'))
    await expect(tree.open('link.onnx')).rejects.toThrow()
    await expect(tree.sha256('link.onnx')).rejects.toThrow()
  })

  it('reports gitlinks, nested repositories and FIFOs without entering them', async () => {
    const entries = byPath(await new WorkingTree(repo).list())
    expect(entries.get('vendor/sub')?.kind).toBe('submodule')
    expect(entries.get('nested')?.kind).toBe('submodule')
    expect(entries.has('nested/inner.txt')).toBe(false)
    // git cannot store a FIFO, so its listing never names one; the fs walk reports it.
    expect(entries.has('pipe.fifo')).toBe(false)
    const walked = byPath(await new WorkingTree(repo, { useGit: false }).list())
    expect(walked.get('pipe.fifo')?.kind).toBe('special')
    expect(walked.get('nested')).toBeUndefined()
    expect(walked.has('nested/inner.txt')).toBe(true)
  })

  it('keeps newline, 4,000-char and non-UTF-8 names exact', async () => {
    expect(LONG.length).toBeGreaterThanOrEqual(4000)
    const tree = new WorkingTree(repo)
    const entries = byPath(await tree.list())
    expect(entries.get('line\nbreak.txt')?.size).toBe(2)
    expect(entries.get(LONG)?.size).toBe(4)
    const raw = [...entries.keys()].find(p => p.startsWith('w') && p.endsWith('.bin'))!
    expect(raw).toBe('w\udcff\udcfe.bin')
    expect(encodeRawPath(raw)).toEqual(NON_UTF8)
    const f = await tree.open(raw)
    expect(Buffer.from(await f.read(0, 100)).toString()).toBe('raw bytes name')
    await f.close()
    expect(await tree.sha256(raw)).toBe(createHash('sha256').update('raw bytes name').digest('hex'))
    expect(await tree.sha256(LONG)).toBe(createHash('sha256').update('long').digest('hex'))
  })

  it('walks a plain directory without git, skipping .git and not following links', async () => {
    const entries = byPath(await new WorkingTree(plain).list())
    expect([...entries.keys()].sort()).toEqual(['l', 'sub/m.onnx', 'w\udcff\udcfe.bin'])
    expect(entries.get('l')?.kind).toBe('symlink')
    expect(entries.get('l')?.linkTarget).toBe('sub/m.onnx')
  })

  it('the fs walk and the git listing agree on a git repository', async () => {
    const viaGit = await new WorkingTree(repo).list()
    const viaFs = await new WorkingTree(repo, { useGit: false }).list()
    const gitFiles = new Set(viaGit.filter(e => e.kind === 'file').map(e => e.path))
    for (const e of viaFs)
      if (e.kind === 'file' && e.path !== 'ignored.txt' && !e.path.startsWith('nested/'))
        expect(gitFiles.has(e.path)).toBe(true)
  })

  it('fails the listing instead of truncating it', async () => {
    await expect(new WorkingTree(repo, { maxEntries: 3 }).list()).rejects.toThrow(/more than 3 entries/)
    await expect(new WorkingTree(plain, { useGit: false, maxEntries: 1 }).list()).rejects.toThrow(
      /more than 1/
    )
  })

  it('serves bounded reads and streams sha256 with progress', async () => {
    const tree = new WorkingTree(repo)
    const f = await tree.open('models/a.bin')
    expect(f.size).toBe(11)
    expect(Buffer.from(await f.read(6, 100)).toString()).toBe('model')
    expect((await f.read(50, 10)).length).toBe(0)
    await expect(f.read(0, 1e12)).rejects.toThrow(RangeError)
    await expect(f.read(-1, 1)).rejects.toThrow(RangeError)
    await f.close()
    await f.close()
    await expect(f.read(0, 1)).rejects.toThrow(/after close/)
    const progress: number[] = []
    const digest = await tree.sha256('models/a.bin', done => progress.push(done))
    expect(digest).toBe(createHash('sha256').update('hello model').digest('hex'))
    expect(progress.at(-1)).toBe(11)
    await expect(tree.open('../outside/secret.onnx')).rejects.toThrow(/outside the tree/)
    await expect(tree.open('/etc/passwd')).rejects.toThrow(/outside the tree/)
  })

  it('lists paths relative to a subdirectory of a repository', async () => {
    const entries = byPath(await new WorkingTree(join(repo, 'models')).list())
    expect([...entries.keys()]).toEqual(['a.bin'])
  })
})

/** The same tree without the full-scan fast path (listForScan + readHeads): the reference. */
function slowPath(tree: WorkingTree): FileTree {
  return {
    label: tree.label,
    list: () => tree.list(),
    open: p => tree.open(p),
    sha256: (p, cb) => tree.sha256(p, cb)
  }
}

describe('WorkingTree full-scan fast path', () => {
  let root: string

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'mg-wt-fast-'))
  })

  afterAll(() => {
    rmSync(root, { recursive: true, force: true })
  })

  const safetensors = (): Buffer => {
    const header = Buffer.from(JSON.stringify({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }))
    const n = Buffer.alloc(8)
    n.writeBigUInt64LE(BigInt(header.length))
    return Buffer.concat([n, header, Buffer.alloc(4)])
  }

  it('scans exactly as list() + open() do, when the working tree has drifted from the index', async () => {
    const repo = join(root, 'drift')
    mkdirSync(join(repo, 'd'), { recursive: true })
    git(repo, 'init', '-q')
    for (const name of ['now-link.bin', 'now-dir.bin', 'now-fifo.bin', 'deleted.bin', 'kept.safetensors'])
      writeFileSync(join(repo, name), safetensors())
    writeFileSync(join(repo, 'd', 'src.ts'), 'export const x = 1\n')
    writeFileSync(join(repo, 'empty'), '')
    symlinkSync('kept.safetensors', join(repo, 'was-link'))
    git(repo, 'add', '-A')
    git(repo, 'update-index', '--add', '--cacheinfo', `160000,${'b'.repeat(40)},vendor/sub`)
    git(repo, 'commit', '-q', '-m', 'init')
    // Drift: the index still says "regular file" (or symlink) for all of these.
    rmSync(join(repo, 'now-link.bin'))
    symlinkSync('kept.safetensors', join(repo, 'now-link.bin'))
    rmSync(join(repo, 'now-dir.bin'))
    mkdirSync(join(repo, 'now-dir.bin'))
    rmSync(join(repo, 'now-fifo.bin'))
    execFileSync('mkfifo', [join(repo, 'now-fifo.bin')])
    rmSync(join(repo, 'deleted.bin'))
    rmSync(join(repo, 'was-link'))
    writeFileSync(join(repo, 'was-link'), safetensors())
    writeFileSync(join(repo, 'untracked.safetensors'), safetensors())

    const tree = new WorkingTree(repo)
    const fast = await scanTree(tree)
    const slow = await scanTree(slowPath(tree))
    expect(fast).toEqual(slow)
    expect(fast.artifacts.map(a => a.path).sort()).toEqual([
      'kept.safetensors',
      'untracked.safetensors',
      'was-link'
    ])
    const skipped = new Map(fast.skipped.map(s => [s.path, s.reason]))
    expect(skipped.get('now-link.bin')).toBe('symlink')
    expect(skipped.get('now-dir.bin')).toBe('submodule')
    expect(skipped.get('now-fifo.bin')).toBe('unreadable')
    expect(skipped.get('vendor/sub')).toBe('submodule')
    expect(skipped.has('deleted.bin')).toBe(false)
  })

  it('falls back to the file-system walk outside a git work tree, with no unhandled rejection', async () => {
    const dir = join(root, 'plain')
    mkdirSync(join(dir, 'sub'), { recursive: true })
    writeFileSync(join(dir, 'sub', 'm.safetensors'), safetensors())
    writeFileSync(join(dir, 'notes.txt'), 'hello')
    const tree = new WorkingTree(dir)
    const fast = await scanTree(tree)
    expect(fast).toEqual(await scanTree(slowPath(tree)))
    expect(fast.artifacts.map(a => a.path)).toEqual(['sub/m.safetensors'])
    expect(fast.filesExamined).toBe(2)
  })

  it('reads heads of many files (the size, the bytes, non-UTF-8 names)', () => {
    const dir = join(root, 'heads')
    mkdirSync(dir)
    const names = Array.from({ length: 50 }, (_, i) => `f${i}.txt`)
    for (const [i, n] of names.entries()) writeFileSync(join(dir, n), 'x'.repeat(i * 100))
    writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), NON_UTF8]), 'raw')
    const tree = new WorkingTree(dir, { useGit: false })
    const paths = [...names, 'w\udcff\udcfe.bin', 'missing.txt']
    const seen = new Map<string, unknown>()
    tree.readHeads(paths, 1024, (i, outcome, head) => {
      seen.set(
        paths[i]!,
        outcome && !(outcome instanceof Error) && !('kind' in outcome) ? [outcome.size, head.length] : outcome
      )
    })
    expect(seen.get('f0.txt')).toEqual([0, 0])
    expect(seen.get('f49.txt')).toEqual([4900, 1024])
    expect(seen.get('w\udcff\udcfe.bin')).toEqual([3, 3])
    expect(seen.get('missing.txt')).toBeUndefined()
    expect(seen.size).toBe(paths.length)
  })
})
