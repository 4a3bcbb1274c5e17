import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CLASSIFY_READ_BUDGET, classifyFile } from '../../src/core/detect/classify.js'
import type { ByteSource, Classification } from '../../src/core/detect/types.js'

export const CORPUS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'corpus')

/** Every file of the corpus (labels.json aside) that `keep` accepts, relative to CORPUS, sorted. */
export function corpusFiles(keep: (size: number) => boolean = () => true): string[] {
  const out: string[] = []
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name)
      const st = statSync(path)
      if (st.isDirectory()) walk(path)
      else if (name !== 'labels.json' && keep(st.size)) out.push(relative(CORPUS, path))
    }
  }
  walk(CORPUS)
  return out.sort()
}

/** A ByteSource over a buffer that counts bytes handed out and enforces the read budget. */
export class CountingSource implements ByteSource {
  bytesRead = 0
  reads = 0
  constructor(
    private readonly buf: Uint8Array,
    readonly size: number = buf.length,
    private readonly budget: number = CLASSIFY_READ_BUDGET
  ) {}

  read(offset: number, length: number): Promise<Uint8Array> {
    this.reads++
    const end = Math.min(this.buf.length, offset + length)
    const out = offset >= end ? new Uint8Array(0) : this.buf.subarray(offset, end)
    this.bytesRead += out.length
    if (this.bytesRead > this.budget)
      return Promise.reject(new Error(`read budget exceeded: ${this.bytesRead}`))
    return Promise.resolve(out)
  }
}

/** A ByteSource claiming `size` bytes of which only `head` exist (reads past it return zeros). */
export class SparseSource implements ByteSource {
  bytesRead = 0
  constructor(
    private readonly head: Uint8Array,
    readonly size: number,
    private readonly tail: Uint8Array = new Uint8Array(0)
  ) {}

  read(offset: number, length: number): Promise<Uint8Array> {
    const n = Math.max(0, Math.min(length, this.size - offset))
    this.bytesRead += n
    if (this.bytesRead > CLASSIFY_READ_BUDGET) return Promise.reject(new Error('read budget exceeded'))
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) {
      const at = offset + i
      const fromTail = at - (this.size - this.tail.length)
      out[i] = at < this.head.length ? this.head[at]! : fromTail >= 0 ? this.tail[fromTail]! : 0
    }
    return Promise.resolve(out)
  }
}

export function corpusBytes(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(join(CORPUS, rel)))
}

/** Classifies a corpus file, asserting the read budget; returns the result and bytes read. */
export async function classifyCorpus(
  rel: string,
  asPath = rel
): Promise<{ c: Classification | null; read: number }> {
  return classifyBytes(corpusBytes(rel), asPath)
}

export async function classifyBytes(
  bytes: Uint8Array,
  path = 'file'
): Promise<{ c: Classification | null; read: number }> {
  const src = new CountingSource(bytes)
  const c = await classifyFile(src, path)
  return { c, read: src.bytesRead }
}

export const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'))

export function concat(...parts: (Uint8Array | string | number[])[]): Uint8Array {
  const bufs = parts.map(p => (typeof p === 'string' ? ascii(p) : Array.isArray(p) ? new Uint8Array(p) : p))
  const out = new Uint8Array(bufs.reduce((n, b) => n + b.length, 0))
  let o = 0
  for (const b of bufs) {
    out.set(b, o)
    o += b.length
  }
  return out
}

export function u32(n: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n, true)
  return b
}

export function u64(n: bigint): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, n, true)
  return b
}
