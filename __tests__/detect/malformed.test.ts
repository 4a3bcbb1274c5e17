/**
 * Lying and damaged inputs (THREATS.md 12, 13, 16, 18): every case must classify (or return null)
 * without throwing, within the read budget, and quickly.
 */
import { describe, expect, it } from '@jest/globals'
import { CLASSIFY_READ_BUDGET, classifyFile } from '../../src/core/detect/classify.js'
import {
  ascii,
  classifyBytes,
  concat,
  corpusBytes,
  CountingSource,
  SparseSource,
  u32,
  u64
} from './helpers.js'

const GiB = 1024 ** 3

/** Writes a central-directory header + EOCD for the given entry names (no real data). */
function fakeZip(
  names: string[],
  opts: { declared?: number; zip64Declared?: bigint; cdOffset?: number } = {}
): Uint8Array {
  const local = concat('PK\x03\x04', new Uint8Array(26))
  const cdParts: Uint8Array[] = []
  for (const n of names) {
    const h = new Uint8Array(46)
    const dv = new DataView(h.buffer)
    dv.setUint32(0, 0x02014b50, true)
    dv.setUint16(28, n.length, true)
    cdParts.push(h, ascii(n))
  }
  const cd = concat(...cdParts)
  const eocd = new Uint8Array(22)
  const dv = new DataView(eocd.buffer)
  dv.setUint32(0, 0x06054b50, true)
  const declared = opts.declared ?? names.length
  dv.setUint16(8, Math.min(declared, 0xffff), true)
  dv.setUint16(10, Math.min(declared, 0xffff), true)
  dv.setUint32(12, cd.length, true)
  dv.setUint32(16, opts.cdOffset ?? local.length, true)
  if (opts.zip64Declared === undefined) return concat(local, cd, eocd)
  const z64 = new Uint8Array(56)
  const zv = new DataView(z64.buffer)
  zv.setUint32(0, 0x06064b50, true)
  zv.setBigUint64(24, opts.zip64Declared, true)
  zv.setBigUint64(32, opts.zip64Declared, true)
  zv.setBigUint64(40, BigInt(cd.length), true)
  zv.setBigUint64(48, BigInt(local.length), true)
  const loc = new Uint8Array(20)
  const lv = new DataView(loc.buffer)
  lv.setUint32(0, 0x07064b50, true)
  lv.setBigUint64(8, BigInt(local.length + cd.length), true)
  dv.setUint16(8, 0xffff, true)
  dv.setUint16(10, 0xffff, true)
  dv.setUint32(12, 0xffffffff, true)
  dv.setUint32(16, 0xffffffff, true)
  return concat(local, cd, z64, loc, eocd)
}

describe('safetensors with lying headers', () => {
  it('a header length of 2^63 is classified as malformed without reading it', async () => {
    const head = concat(
      u64(1n << 63n),
      '{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
    )
    const src = new SparseSource(head, 10 * GiB)
    const c = await classifyFile(src, 'model.safetensors')
    expect(c?.format).toBe('safetensors')
    expect(c?.malformed).toMatch(/exceeds/)
    expect(src.bytesRead).toBeLessThanOrEqual(CLASSIFY_READ_BUDGET)
  })

  it('a header longer than the file is malformed', async () => {
    const { c } = await classifyBytes(
      concat(u64(5000n), '{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'),
      'x'
    )
    expect(c?.format).toBe('safetensors')
    expect(c?.malformed).toMatch(/file size/)
  })

  it('a header that is not JSON is malformed', async () => {
    const body = '{"w":{"dtype":"F32", BROKEN'
    const { c } = await classifyBytes(concat(u64(BigInt(body.length)), body, new Uint8Array(16)), 'x')
    expect(c?.format).toBe('safetensors')
    expect(c?.malformed).toBeDefined()
  })

  it('a huge (but legal) header is classified from the head without reading all of it', async () => {
    const real = corpusBytes('safetensors/mlp.safetensors')
    const text = new TextDecoder().decode(
      real.subarray(8, 8 + Number(new DataView(real.buffer, real.byteOffset).getBigUint64(0, true)))
    )
    const src = new SparseSource(concat(u64(90_000_000n), text.slice(0, -1) + ',"pad":'), 200 * 1024 * 1024)
    const c = await classifyFile(src, 'big.safetensors')
    expect(c?.format).toBe('safetensors')
    expect(src.bytesRead).toBeLessThanOrEqual(CLASSIFY_READ_BUDGET)
  })
})

describe('zip archives that lie', () => {
  it('a zip claiming 10,000,000 entries is classified by what it holds, as malformed', async () => {
    const zip = fakeZip(['archive/data.pkl', 'archive/version'], { zip64Declared: 10_000_000n })
    const { c, read } = await classifyBytes(zip, 'model.pt')
    expect(c?.format).toBe('pytorch-zip')
    expect(c?.malformed).toMatch(/10000000/)
    expect(read).toBeLessThanOrEqual(CLASSIFY_READ_BUDGET)
  })

  it('a classic EOCD claiming 65,535 entries in a tiny directory is malformed', async () => {
    const { c } = await classifyBytes(fakeZip(['archive/data.pkl'], { declared: 65_535 }), 'model.pt')
    expect(c?.format).toBe('pytorch-zip')
    expect(c?.malformed).toBeDefined()
  })

  it('a directory offset past the end of the file yields no throw', async () => {
    const { c } = await classifyBytes(fakeZip(['archive/data.pkl'], { cdOffset: 0x7fffffff }), 'model.pt')
    expect(c === null || c.malformed !== undefined).toBe(true)
  })

  it('a 4 GiB zip with a 64 MiB central directory reads at most the budget', async () => {
    const tail = new Uint8Array(22)
    const dv = new DataView(tail.buffer)
    dv.setUint32(0, 0x06054b50, true)
    dv.setUint16(8, 0xffff, true)
    dv.setUint16(10, 0xffff, true)
    dv.setUint32(12, 64 * 1024 * 1024, true)
    dv.setUint32(16, 1024, true)
    const src = new SparseSource(concat('PK\x03\x04', new Uint8Array(26)), 4 * GiB, tail)
    const c = await classifyFile(src, 'big.zip')
    expect(c).toBeNull()
    expect(src.bytesRead).toBeLessThanOrEqual(CLASSIFY_READ_BUDGET)
  })

  it('a pytorch zip whose data.pkl local header is garbage is reported, not dropped', async () => {
    const { c } = await classifyBytes(fakeZip(['archive/data.pkl']), 'model.pt')
    expect(c?.format).toBe('pytorch-zip')
    expect(c?.pickle?.error).toBeDefined()
  })
})

describe('pickles that are damaged or hostile', () => {
  it('a truncated real pickle is classified with pickle.error set', async () => {
    const zipBytes = corpusBytes('pytorch-legacy/mlp.bin')
    const { c } = await classifyBytes(zipBytes.subarray(0, 200), 'mlp.bin')
    expect(c?.format).toBe('pickle')
    expect(c?.pickle?.globals).toContain('collections.OrderedDict')
    expect(c?.pickle?.error).toMatch(/truncated/)
  })

  it('a truncated pickle that imports os.system is unsafe', async () => {
    const stream = concat(
      [0x80, 0x04],
      [0x8c, 2],
      'os',
      [0x94, 0x8c, 6],
      'system',
      [0x94, 0x93, 0x94],
      [0x8c, 2],
      'id'
    )
    const { c } = await classifyBytes(stream, 'x.pkl')
    expect(c?.format).toBe('pickle')
    expect(c?.pickle?.unsafeGlobals).toEqual(['os.system'])
    expect(c?.pickle?.error).toBeDefined()
  })

  it('BINBYTES8 claiming 2^60 bytes does not allocate', async () => {
    const stream = concat([0x80, 0x04, 0x8e], u64(1n << 60n), 'abc')
    const { c } = await classifyBytes(stream, 'x.pkl')
    expect(c?.pickle?.error).toBeDefined()
  })

  it('a 3 MB stream of NONE/POP stops at the opcode or byte limit and is still reported', async () => {
    const body = new Uint8Array(3 * 1024 * 1024)
    for (let i = 0; i < body.length; i += 2) {
      body[i] = 0x4e
      body[i + 1] = 0x30
    }
    const t = Date.now()
    const { c, read } = await classifyBytes(concat([0x80, 0x02], body), 'x.pkl')
    expect(Date.now() - t).toBeLessThan(5000)
    expect(c?.format).toBe('pickle')
    expect(c?.pickle?.error).toMatch(/stopped|opcodes/)
    expect(read).toBeLessThanOrEqual(CLASSIFY_READ_BUDGET)
  })

  it('a memo GET of a missing key is a parse error, not a crash', async () => {
    const { c } = await classifyBytes(concat([0x80, 0x02, 0x6a], u32(0xffffffff), [0x2e]), 'x.pkl')
    expect(c?.pickle?.error).toMatch(/memo/)
  })

  it('a joblib array header claiming a huge shape is an error, never a skip past the end', async () => {
    // NumpyArrayWrapper with shape (2^40,) float64 and no data after it.
    const s = (t: string): Uint8Array => concat([0x8c, t.length], t)
    const stream = concat(
      [0x80, 0x04],
      s('joblib.numpy_pickle'),
      s('NumpyArrayWrapper'),
      [0x93, 0x29, 0x81, 0x7d, 0x28],
      s('shape'),
      [0x8a, 0x06],
      [0, 0, 0, 0, 0, 1],
      [0x85],
      s('dtype'),
      s('numpy'),
      s('dtype'),
      [0x93],
      s('f8'),
      [0x89, 0x88, 0x87, 0x52],
      [0x75, 0x62, 0x2e]
    )
    const { c } = await classifyBytes(stream, 'x.joblib')
    expect(c?.format).toBe('pickle')
    expect(c?.malformed).toBeDefined()
    expect(c?.pickle?.error).toMatch(/past the end/)
  })
})

describe('other lying headers', () => {
  it('gguf with absurd tensor and kv counts is malformed', async () => {
    const { c } = await classifyBytes(
      concat('GGUF', u32(3), u64(1n << 62n), u64(1n << 62n), new Uint8Array(64)),
      'm.gguf'
    )
    expect(c?.format).toBe('gguf')
    expect(c?.malformed).toMatch(/cannot fit/)
  })

  it('gguf with an unknown version is malformed', async () => {
    const { c } = await classifyBytes(concat('GGUF', u32(99), new Uint8Array(64)), 'm.gguf')
    expect(c?.malformed).toMatch(/version/)
  })

  it('a gguf key claiming a 2^60-byte string stops quietly', async () => {
    const { c } = await classifyBytes(
      concat('GGUF', u32(3), u64(1n), u64(1n), u64(1n << 60n), 'general.name'),
      'm.gguf'
    )
    expect(c?.format).toBe('gguf')
  })

  it('mxnet params claiming 2^60 arrays is malformed', async () => {
    const { c } = await classifyBytes(
      concat(u64(0x112n), u64(0n), u64(1n << 60n), new Uint8Array(32)),
      'x.params'
    )
    expect(c?.format).toBe('mxnet')
    expect(c?.malformed).toBeDefined()
  })

  it('an ONNX header whose graph runs past the file is not flagged and does not throw', async () => {
    const { c } = await classifyBytes(
      concat([0x08, 0x08, 0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f], new Uint8Array(10)),
      'm.onnx'
    )
    expect(c).toBeNull()
  })

  it('an empty file and a one-byte file are not models', async () => {
    expect((await classifyBytes(new Uint8Array(0), 'model.onnx')).c).toBeNull()
    expect((await classifyBytes(new Uint8Array([0x80]), 'model.pkl')).c).toBeNull()
  })

  it('a source whose size lies (shorter reads) does not throw', async () => {
    const real = corpusBytes('pytorch/mlp.pt')
    const src = new CountingSource(real.subarray(0, 100), real.length)
    await expect(classifyFile(src, 'mlp.pt')).resolves.toBeDefined()
  })
})
