/**
 * Property tests: for arbitrary bytes, for bytes behind each format's magic, and for mutated real
 * files from the corpus, classifyFile never throws, stays within CLASSIFY_READ_BUDGET and returns
 * quickly.
 */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { CLASSIFY_READ_BUDGET, classifyFile } from '../../src/core/detect/classify.js'
import { FORMAT_IDS } from '../../src/core/detect/types.js'
import { ascii, concat, corpusBytes, corpusFiles, CountingSource, u64 } from './helpers.js'

/** Per-call ceiling; real calls take milliseconds, this only catches hangs and blow-ups. */
const MAX_MS = 3000

const PATHS = [
  'model.bin',
  'model.pkl',
  'model.onnx',
  'weights.safetensors',
  'README',
  'x.joblib',
  'm.pt',
  'a.json'
]

async function check(bytes: Uint8Array, path: string, size = bytes.length): Promise<void> {
  const src = new CountingSource(bytes, size)
  const t = Date.now()
  const c = await classifyFile(src, path)
  expect(Date.now() - t).toBeLessThan(MAX_MS)
  expect(src.bytesRead).toBeLessThanOrEqual(CLASSIFY_READ_BUDGET)
  if (c !== null) {
    expect(FORMAT_IDS).toContain(c.format)
    expect(typeof c.framework).toBe('string')
    if (c.pickle) expect(Array.isArray(c.pickle.unsafeGlobals)).toBe(true)
  }
}

/** Magic prefixes that route random tails into each parser. */
const PREFIXES: Uint8Array[] = [
  concat(u64(40n), '{"'),
  ascii('GGUF\x03\x00\x00\x00'),
  ascii('lmgg'),
  ascii('PK\x03\x04'),
  ascii('PK\x05\x06'),
  ascii('MZqFpD'),
  new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]),
  concat([0x10, 0, 0, 0], 'TFL3'),
  concat([0x10, 0, 0, 0], 'ET12'),
  new Uint8Array([0x80, 0x02]),
  new Uint8Array([0x80, 0x04, 0x95]),
  ascii('cos\nsystem\n'),
  ascii('('),
  new Uint8Array([0x78, 0x9c]),
  new Uint8Array([0x1f, 0x8b, 0x08]),
  ascii('ZF0x10'),
  ascii('BZh9'),
  ascii('CBM1'),
  concat(u64(0x112n), u64(0n)),
  ascii('ftrt'),
  new Uint8Array([0x82, 0xa6]),
  ascii('{"learner":'),
  ascii('{"modelTopology":'),
  ascii('[{"paths":'),
  ascii('{L\x00\x00\x00\x00\x00\x00\x00\x07learner{'),
  ascii('tree\nversion=v4\nnum_class=1\n'),
  ascii('<?xml version="1.0"?>\n<net name="x" version="11">'),
  new Uint8Array([0x08, 0x07, 0x12, 0x07]),
  new Uint8Array([0x08, 0x01, 0x12]),
  new Uint8Array([0x08, 0x06, 0x12]),
  new Uint8Array([0x0a, 0x03, 0x6e, 0x65, 0x74, 0xa2, 0x06]),
  new Uint8Array([0x0a, 0x92, 0x1d, 0x08, 0x00, 0x10]),
  new Uint8Array(16)
]

function corpusSeeds(): string[] {
  return corpusFiles(size => size > 0 && size < 512 * 1024)
}

describe('classifyFile on arbitrary bytes', () => {
  it('never throws, stays in budget, returns quickly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), fc.constantFrom(...PATHS), async (b, path) => {
        await check(b, path)
      }),
      { numRuns: 400 }
    )
  })

  it('handles every format magic followed by random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PREFIXES),
        fc.uint8Array({ maxLength: 2048 }),
        fc.constantFrom(...PATHS),
        async (prefix, tail, path) => {
          await check(concat(prefix, tail), path)
        }
      ),
      { numRuns: 1500 }
    )
  })

  it('handles a declared size far larger than the bytes that exist', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PREFIXES),
        fc.uint8Array({ maxLength: 512 }),
        async (prefix, tail) => {
          await check(concat(prefix, tail), 'model.bin', 50 * 1024 ** 3)
        }
      ),
      { numRuns: 200 }
    )
  })
})

describe('classifyFile on mutated real files', () => {
  const seeds = corpusSeeds()

  it('has real files to mutate', () => {
    expect(seeds.length).toBeGreaterThan(10)
  })

  it('survives byte flips, truncation and huge length fields', async () => {
    const files = seeds.map(s => ({ name: s, bytes: corpusBytes(s) }))
    const mutation = fc.oneof(
      fc.record({
        kind: fc.constant('flip' as const),
        at: fc.nat(),
        value: fc.integer({ min: 0, max: 255 }),
        n: fc.integer({ min: 1, max: 8 })
      }),
      fc.record({
        kind: fc.constant('truncate' as const),
        at: fc.nat(),
        value: fc.constant(0),
        n: fc.constant(0)
      }),
      fc.record({
        kind: fc.constant('huge' as const),
        at: fc.nat(),
        value: fc.integer({ min: 0, max: 255 }),
        n: fc.integer({ min: 1, max: 8 })
      })
    )
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...files),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        async (f, muts) => {
          let b: Uint8Array = f.bytes.slice()
          for (const m of muts) {
            if (b.length === 0) break
            const at = m.at % b.length
            if (m.kind === 'truncate') b = b.subarray(0, at)
            else if (m.kind === 'flip') for (let i = 0; i < m.n && at + i < b.length; i++) b[at + i] = m.value
            // 'huge': write 0xff.. at a position, turning whatever length field lives there into a giant
            else for (let i = 0; i < m.n && at + i < b.length; i++) b[at + i] = i === m.n - 1 ? m.value : 0xff
          }
          await check(b, f.name)
        }
      ),
      { numRuns: Math.max(600, files.length * 25) }
    )
  })

  it('survives every truncation of the first 1 KiB of each real file', async () => {
    for (const s of seeds) {
      const b = corpusBytes(s)
      for (let n = 0; n < Math.min(b.length, 1024); n += 7) await check(b.subarray(0, n), s)
    }
  })
})
