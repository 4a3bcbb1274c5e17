/**
 * The prefilter `mightBeModel` lets full scans skip the asynchronous classifier for most files. It
 * is only sound if it is conservative: whenever the classifier (run without the prefilter) returns
 * a classification for some bytes, `mightBeModel` must say "might be a model" for their head. These
 * tests check that on every file of the labelled corpus and on many random mutations of real
 * headers, and that classifyFile (which applies the prefilter) agrees with the unfiltered run.
 */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { classifyFile, classifyFileUnfiltered, mightBeModel } from '../../src/core/detect/classify.js'
import { LIMITS } from '../../src/core/detect/formats/probe.js'
import { ascii, concat, corpusBytes, corpusFiles, CountingSource, u64 } from './helpers.js'

interface Labels {
  artifacts: { path: string; kind: string; members: string[] }[]
  lookalikes: { path: string }[]
}

const headOf = (b: Uint8Array, size = b.length): Uint8Array => b.subarray(0, Math.min(size, LIMITS.head))

/** Classifies `bytes` with and without the prefilter; asserts conservativeness and agreement. */
async function agree(bytes: Uint8Array, path: string): Promise<boolean> {
  const unfiltered = await classifyFileUnfiltered(new CountingSource(bytes), path)
  const filtered = await classifyFile(new CountingSource(bytes), path)
  const might = mightBeModel(headOf(bytes))
  if (unfiltered !== null && !might) {
    throw new Error(`prefilter rejected a ${unfiltered.format} (${path}, ${bytes.length} bytes)`)
  }
  expect(filtered).toEqual(unfiltered)
  return might
}

const labels = JSON.parse(new TextDecoder().decode(corpusBytes('labels.json'))) as Labels

describe('mightBeModel on the labelled corpus', () => {
  it('accepts every single-file model artifact', () => {
    const singles = labels.artifacts.filter(a => a.kind === 'file')
    expect(singles.length).toBeGreaterThan(20)
    for (const a of singles) {
      for (const m of a.members) {
        if (m.endsWith('.dvc') || m.startsWith('lfs/') || m.startsWith('dvc/')) continue // pointers: by name
        expect([m, mightBeModel(headOf(corpusBytes(m)))]).toEqual([m, true])
      }
    }
  })

  it('is conservative and changes no verdict on every corpus file (members and look-alikes)', async () => {
    const files = corpusFiles()
    expect(files.length).toBeGreaterThan(60)
    let rejected = 0
    for (const f of files) {
      const bytes = corpusBytes(f)
      if (!(await agree(bytes, f))) rejected++
    }
    // Configs, prototxt, README files and look-alikes: the prefilter should rule some out.
    expect(rejected).toBeGreaterThan(0)
  })

  it('rejects ordinary source, text and data without entering the classifier', () => {
    for (const text of [
      'export function f(x: number): number {\n  return x * 2\n}\n',
      '{"name":"pkg","version":"1.0.0","items":[{"i":0,"v":"value-0"}]}',
      'a,b,c\n1,2,3\n',
      '# README\n\nHello.\n',
      '<html><body>net</body></html>'
    ]) {
      expect([text, mightBeModel(ascii(text))]).toEqual([text, false])
    }
    expect(mightBeModel(new Uint8Array(0))).toBe(false)
  })
})

/** Heads worth mutating: the corpus files (first 4 KiB) plus the fuzz prefixes of every format. */
const SEEDS: Uint8Array[] = [
  ...corpusFiles().map(f => corpusBytes(f).slice(0, 4096)),
  concat(u64(40n), '{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'),
  ascii('{"learner":{"gradient_booster":{}},"version":[2,1,0]}'),
  ascii('{"modelTopology":{},"weightsManifest":[]}'),
  ascii('[{"paths":["a.bin"],"weights":[]}]'),
  ascii('{"fileFormatVersion":"1.0.0","itemInfoEntries":{}}'),
  ascii('{"nodes":[{"op":"null"}],"arg_nodes":[0],"heads":[[0,0,0]]}'),
  ascii('{L\x00\x00\x00\x00\x00\x00\x00\x07learner{'),
  ascii('tree\nversion=v4\nnum_class=1\n'),
  ascii('<?xml version="1.0"?>\n<!-- c -->\n<net name="x" version="11">'),
  ascii('cos\nsystem\n(S"ls"\ntR.'),
  new Uint8Array([0x0a, 0x03, 0x6e, 0x65, 0x74, 0xa2, 0x06, 0x04, 0x0a, 0x01, 0x61, 0x12]),
  new Uint8Array([0x8a, 0x80, 0x00, 0x03, 0x6e, 0x65, 0x74])
]

/** Bytes an adversarial mutation likes: quotes, backslashes, protobuf tags, magics' letters. */
const INTERESTING = fc.constantFrom(0x22, 0x5c, 0x7b, 0x5b, 0x3c, 0x08, 0x0a, 0x80, 0x00, 0xff, 0x20, 0x0d)
const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), INTERESTING)

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: byte }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: byte }),
  fc.record({ kind: fc.constant('escape' as const), at: fc.nat(), value: byte }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), value: fc.constant(0) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), value: fc.constant(0) })
)

function mutate(seed: Uint8Array, ms: { kind: string; at: number; value: number }[]): Uint8Array {
  let b = Array.from(seed)
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % (b.length + 1)
    if (m.kind === 'set' && b.length > 0) b[at % b.length] = m.value
    else if (m.kind === 'insert') b.splice(at, 0, m.value)
    else if (m.kind === 'escape')
      b.splice(at, 0, 0x5c, m.value) // a JSON escape pair
    else if (m.kind === 'delete') b.splice(at, 1)
    else if (m.kind === 'truncate') b = b.slice(0, at)
  }
  return Uint8Array.from(b)
}

describe('mightBeModel on mutated real headers', () => {
  it('returns true whenever the unfiltered classifier finds a model', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: SEEDS.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('model.bin', 'model.pkl', 'a.json', 'net.xml', 'README'),
        async (i, ms, path) => {
          await agree(mutate(SEEDS[i]!, ms), path)
        }
      ),
      { numRuns: 3000 }
    )
  })

  it('follows the JSON key scanner through escape pairs at every position', async () => {
    // scanJsonHead drops an escaped character, so `"lear\\xner"` can still be the key "learner".
    const json = SEEDS.filter(s => s[0] === 0x7b || s[0] === 0x5b).slice(-5)
    let models = 0
    for (const seed of json) {
      for (let at = 0; at <= seed.length; at++) {
        for (const escaped of [0x22, 0x5c, 0x78, 0xc3]) {
          const b = concat(seed.subarray(0, at), [0x5c, escaped], seed.subarray(at))
          await agree(b, 'model.json')
          if ((await classifyFileUnfiltered(new CountingSource(b), 'model.json')) !== null) models++
        }
      }
    }
    expect(models).toBeGreaterThan(100)
  })

  it('returns true whenever the classifier finds a model in magic + random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: SEEDS.length - 1 }),
        fc.integer({ min: 0, max: 64 }),
        fc.uint8Array({ maxLength: 512 }),
        async (i, keep, tail) => {
          await agree(concat(SEEDS[i]!.subarray(0, keep), tail), 'model.bin')
        }
      ),
      { numRuns: 1500 }
    )
  })
})
