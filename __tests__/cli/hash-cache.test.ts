import { describe, expect, it } from '@jest/globals'
import { mkdtempSync, writeFileSync, utimesSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import type { FileTree } from '../../src/core/detect/tree.js'
import { CachingTree } from '../../src/cli/hash-cache.js'
import { HashProgress, PROGRESS_MIN_BYTES } from '../../src/cli/progress.js'
import { WorkingTree } from '../../src/tree/working-tree.js'

function counting(inner: FileTree): FileTree & { hashed: string[] } {
  const hashed: string[] = []
  return {
    hashed,
    label: inner.label,
    list: () => inner.list(),
    open: path => inner.open(path),
    sha256: (path, onProgress) => {
      hashed.push(path)
      return inner.sha256(path, onProgress)
    }
  }
}

async function cachedTree(dir: string, cacheDir: string | undefined) {
  const inner = counting(new WorkingTree(dir, { useGit: false }))
  const tree = new CachingTree(inner, dir, cacheDir)
  await tree.load()
  return { inner, tree }
}

describe('CachingTree', () => {
  it('hashes once, reuses the digest in the next process, and re-hashes a changed file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-cache-'))
    const cacheDir = join(dir, '.modelgate-cache')
    writeFileSync(join(dir, 'model.bin'), 'weights v1')

    const first = await cachedTree(dir, cacheDir)
    const digest = await first.tree.sha256('model.bin')
    expect(first.inner.hashed).toEqual(['model.bin'])
    await first.tree.save()

    const second = await cachedTree(dir, cacheDir)
    expect(await second.tree.sha256('model.bin')).toBe(digest)
    expect(second.inner.hashed).toEqual([])
    expect(second.tree.stats).toEqual({ hits: 1, misses: 0 })

    writeFileSync(join(dir, 'model.bin'), 'weights v2')
    utimesSync(join(dir, 'model.bin'), new Date(2030, 0, 1), new Date(2030, 0, 1))
    const third = await cachedTree(dir, cacheDir)
    expect(await third.tree.sha256('model.bin')).not.toBe(digest)
    expect(third.inner.hashed).toEqual(['model.bin'])
  })

  it('without a cache directory (CI) always hashes and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-cache-'))
    writeFileSync(join(dir, 'model.bin'), 'weights')
    for (let i = 0; i < 2; i++) {
      const run = await cachedTree(dir, undefined)
      await run.tree.sha256('model.bin')
      await run.tree.save()
      expect(run.inner.hashed).toEqual(['model.bin'])
    }
  })

  it('ignores a corrupt cache file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-cache-'))
    writeFileSync(join(dir, 'model.bin'), 'weights')
    const cacheDir = join(dir, 'cache')
    const first = await cachedTree(dir, cacheDir)
    await first.tree.sha256('model.bin')
    await first.tree.save()
    writeFileSync(join(cacheDir, 'hashes.json'), '{"version":1,"entries":[["model.bin",{"sha256":"evil"}]]}')
    const second = await cachedTree(dir, cacheDir)
    await second.tree.sha256('model.bin')
    expect(second.inner.hashed).toEqual(['model.bin'])
  })
})

describe('HashProgress', () => {
  it('draws one line for large files and erases it when done', () => {
    const out: string[] = []
    let now = 0
    const progress = new HashProgress({ write: (t: string) => out.push(t), isTTY: true }, () => (now += 1000))
    progress.update('small.bin', 10, 100)
    expect(out).toEqual([])
    const total = PROGRESS_MIN_BYTES * 4
    progress.update('big.bin', total / 2, total)
    expect(out.at(-1)).toContain('hashing 1 file [############------------] 50%')
    progress.update('big.bin', total, total)
    expect(out.at(-1)).toBe('\r\u001b[2K')
  })
})
