import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { decodeRawPath, displayRawPath, encodeRawPath, hasEscapedBytes } from '../../src/core/raw-path.js'

describe('git path decoding', () => {
  it('decodes valid UTF-8 exactly, including a leading BOM and astral characters', () => {
    expect(decodeRawPath(Buffer.from('models/été/😀.onnx'))).toBe('models/été/😀.onnx')
    expect(decodeRawPath(Buffer.from([0xef, 0xbb, 0xbf, 0x61]))).toBe('\ufeffa')
    expect(hasEscapedBytes('models/été')).toBe(false)
  })

  it('escapes each invalid byte as U+DC80..U+DCFF and keeps the rest readable', () => {
    const raw = Buffer.from([0x61, 0xe9, 0x62, 0xc3, 0xa9, 0xff, 0xc3]) // a, bad, b, é, bad, truncated
    const decoded = decodeRawPath(raw)
    expect(decoded).toBe('a\udce9bé\udcff\udcc3')
    expect(hasEscapedBytes(decoded)).toBe(true)
    expect(displayRawPath(decoded)).toBe('a\\xE9bé\\xFF\\xC3')
    expect(encodeRawPath(decoded).equals(raw)).toBe(true)
  })

  it('rejects overlong forms, surrogates and out-of-range code points as invalid UTF-8', () => {
    for (const raw of [
      [0xc0, 0xaf], // overlong '/'
      [0xe0, 0x80, 0xaf], // overlong '/'
      [0xed, 0xa0, 0x80], // UTF-16 surrogate encoded
      [0xf4, 0x90, 0x80, 0x80] // > U+10FFFF
    ]) {
      const decoded = decodeRawPath(Buffer.from(raw))
      expect(decoded).not.toContain('/')
      expect(encodeRawPath(decoded).equals(Buffer.from(raw))).toBe(true)
    }
  })

  it('never lets a non-UTF-8 name collide with a UTF-8 one (unlike a latin1 fallback)', () => {
    const latin1 = decodeRawPath(Buffer.from([0xe9]))
    const utf8 = decodeRawPath(Buffer.from('é'))
    expect(latin1).not.toBe(utf8)
    expect(Buffer.from([0xe9]).toString('latin1')).toBe(utf8) // what latin1 would have done
  })

  it('refuses strings no git path decodes to', () => {
    expect(() => encodeRawPath('a\ud800b')).toThrow(TypeError)
    expect(() => encodeRawPath('a\0b')).toThrow(TypeError)
    expect(encodeRawPath('plain/path').toString()).toBe('plain/path')
  })

  it('round-trips any byte string (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), arr => {
        const raw = Buffer.from(arr.filter(b => b !== 0))
        const decoded = decodeRawPath(raw)
        return encodeRawPath(decoded).equals(raw)
      }),
      { numRuns: 2000 }
    )
  })

  it('is injective (property): different bytes never decode to the same string', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), fc.uint8Array({ maxLength: 12 }), (a, b) => {
        const x = Buffer.from(a.filter(v => v !== 0))
        const y = Buffer.from(b.filter(v => v !== 0))
        return x.equals(y) === (decodeRawPath(x) === decodeRawPath(y))
      }),
      { numRuns: 2000 }
    )
  })
})
