import { afterAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ModelArtifact } from '../../src/core/detect/artifact.js'
import { scanTree } from '../../src/core/detect/scan.js'
import type { FileTree, OpenFile } from '../../src/core/detect/tree.js'
import { WorkingTree } from '../../src/tree/working-tree.js'
import { fake, fakeClassify, git, lfsPointer, makeRepo } from './scan-helpers.js'

const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex')
const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
function repo(files: Record<string, string | Buffer>): string {
  const d = makeRepo(files)
  dirs.push(d)
  return d
}
const scan = (dir: string, focus?: Set<string>) =>
  scanTree(new WorkingTree(dir), { classify: fakeClassify, ...(focus ? { focus } : {}) })
const byPath = (artifacts: ModelArtifact[]) => new Map(artifacts.map(a => [a.path, a]))

describe('scanTree', () => {
  it('reports single-file models with their content digest and nothing else', async () => {
    const model = fake('onnx', 'onnx')
    const dir = repo({
      'src/app.ts': 'export {}',
      'models/m.onnx': model,
      'weights.dat': fake('safetensors', 'safetensors'), // renamed: found by content
      'README.md': '# hi'
    })
    const result = await scan(dir)
    expect(result.filesExamined).toBe(4)
    expect(result.skipped).toEqual([])
    expect(result.artifacts.map(a => a.path)).toEqual(['models/m.onnx', 'weights.dat'])
    expect(result.artifacts[0]).toEqual({
      path: 'models/m.onnx',
      files: ['models/m.onnx'],
      format: 'onnx',
      framework: 'onnx',
      digest: sha(model),
      digestSource: 'content',
      size: model.length,
      metadata: {}
    })
  })

  it('skips symlinks and submodules with a reason, never following them', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'mg-outside-'))
    dirs.push(outside)
    writeFileSync(join(outside, 'secret.onnx'), fake('onnx'))
    const dir = repo({ 'a.txt': 'a' })
    symlinkSync(join(outside, 'secret.onnx'), join(dir, 'model.onnx'))
    git(dir, 'add', '-A')
    git(dir, 'update-index', '--add', '--cacheinfo', `160000,${'b'.repeat(40)},third_party/models`)
    const result = await scan(dir)
    expect(result.artifacts).toEqual([])
    expect(result.skipped.map(s => [s.path, s.reason])).toEqual([
      ['model.onnx', 'symlink'],
      ['third_party/models', 'submodule']
    ])
    expect(result.skipped[0]!.detail).toContain('secret.onnx')
  })

  it('reports a FIFO as unreadable without opening it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-fifo-'))
    dirs.push(dir)
    execFileSync('mkfifo', [join(dir, 'weights.bin')])
    const result = await scan(dir)
    expect(result.skipped).toEqual([expect.objectContaining({ path: 'weights.bin', reason: 'unreadable' })])
  })

  it('takes LFS pointers as models with the oid as digest, and leaves test arrays alone', async () => {
    const oid = 'f'.repeat(64)
    const dir = repo({
      '.gitattributes': '*.safetensors filter=lfs diff=lfs merge=lfs -text\n*.npy filter=lfs\n',
      'models/big.safetensors': lfsPointer(oid, 4_000_000_000),
      'tests/data/array.npy': lfsPointer('1'.repeat(64), 100),
      'data/train.csv': lfsPointer('2'.repeat(64), 100),
      'models/broken.onnx': `version https://git-lfs.github.com/spec/v1\nsize 3\noid sha256:${oid}\n`
    })
    const result = await scan(dir)
    const found = byPath(result.artifacts)
    expect([...found.keys()]).toEqual(['models/big.safetensors', 'models/broken.onnx'])
    expect(found.get('models/big.safetensors')).toMatchObject({
      format: 'safetensors',
      digest: oid,
      digestSource: 'lfs-pointer',
      size: 4_000_000_000,
      metadata: { extra: { lfsTracked: 'true' } }
    })
    expect(found.get('models/broken.onnx')).toMatchObject({
      digestSource: 'content',
      malformed: expect.stringMatching(/sorted/)
    })
  })

  it('reads DVC pointers, pairs dvc.yaml with dvc.lock and reports escaping outputs', async () => {
    const md5 = 'c'.repeat(32)
    const dir = repo({
      'models/model.pt.dvc': `outs:\n- md5: ${md5}\n  size: 1234\n  path: model.pt\n`,
      'data/train.csv.dvc': `outs:\n- md5: ${'d'.repeat(32)}\n  path: train.csv\n`,
      'evil.dvc': 'outs:\n- md5: 00000000000000000000000000000000\n  path: ../../home/user/model.pt\n',
      'dvc.yaml':
        'stages:\n  train:\n    cmd: python train.py\n    outs:\n    - out/clf.onnx\n    - out/metrics.json\n',
      'dvc.lock': `schema: '2.0'\nstages:\n  train:\n    outs:\n    - path: out/clf.onnx\n      md5: ${'e'.repeat(32)}\n      size: 9\n`,
      'broken.dvc': 'outs: [\n'
    })
    const found = byPath((await scan(dir)).artifacts)
    expect(found.get('models/model.pt.dvc')).toMatchObject({
      files: ['models/model.pt.dvc'],
      format: 'pytorch-zip',
      digest: md5,
      digestSource: 'dvc-pointer',
      size: 1234
    })
    expect(found.has('data/train.csv.dvc')).toBe(false)
    expect(found.get('evil.dvc')?.escapingOutputs).toEqual([expect.stringMatching(/\.\.\/|^\//)])
    expect(found.get('broken.dvc')?.malformed).toMatch(/does not parse/)
    expect(found.get('dvc.yaml')).toMatchObject({
      files: ['dvc.lock', 'dvc.yaml'],
      format: 'onnx',
      digest: 'e'.repeat(32)
    })
    expect(found.has('dvc.lock')).toBe(false)
    expect(found.size).toBe(4)
  })

  it('hashes only artifacts, closes every file it opens and reports progress', async () => {
    const dir = repo({ 'a.txt': 'a', 'b.txt': 'b', 'm.onnx': fake('onnx') })
    const inner = new WorkingTree(dir)
    let open = 0
    let hashed: string[] = []
    const progress: string[] = []
    const tree: FileTree = {
      label: inner.label,
      list: () => inner.list(),
      open: async (p: string): Promise<OpenFile> => {
        const f = await inner.open(p)
        open++
        return {
          size: f.size,
          read: (o, l) => f.read(o, l),
          close: async () => {
            open--
            await f.close()
          }
        }
      },
      sha256: (p, cb) => {
        hashed.push(p)
        return inner.sha256(p, cb)
      }
    }
    const result = await scanTree(tree, { classify: fakeClassify, onHashProgress: p => progress.push(p) })
    expect(result.artifacts).toHaveLength(1)
    expect(open).toBe(0)
    expect(hashed).toEqual(['m.onnx'])
    expect(progress).toContain('m.onnx')
    hashed = []
    // A classifier that throws still gets its file closed, and the file is reported.
    const failing = await scanTree(tree, { classify: () => Promise.reject(new Error('boom')) })
    expect(open).toBe(0)
    expect(failing.skipped.filter(s => s.reason === 'unreadable')).toHaveLength(3)
  })

  it('keeps exotic names exact and distinct', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-names-'))
    dirs.push(dir)
    git(dir, 'init', '-q')
    const names = [
      'Model.onnx',
      'model.onnx',
      'caf\u00e9.onnx',
      'cafe\u0301.onnx',
      '__proto__',
      'constructor',
      'new\nline.onnx'
    ]
    for (const n of names) writeFileSync(join(dir, n), fake('onnx') + n)
    writeFileSync(Buffer.from(`${dir}/bad\xff.onnx`, 'latin1'), fake('onnx'))
    mkdirSync(join(dir, 'd'.repeat(200)))
    const long = `${'d'.repeat(200)}/${'x'.repeat(200)}.onnx`
    writeFileSync(join(dir, long), fake('onnx'))
    git(dir, 'add', '-A')
    const paths = (await scan(dir)).artifacts.map(a => a.path)
    expect(new Set(paths)).toEqual(new Set([...names, 'bad\udcff.onnx', long]))
  })
})
