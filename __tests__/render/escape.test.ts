import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { escapeMarkdown, forLog, inlineCode, truncateMiddle } from '../../src/render/escape.js'

describe('escapeMarkdown', () => {
  it('neutralises HTML, mentions, links and table pipes', () => {
    const hostile = 'x<img src=x onerror=alert(1)>@octocat [a](http://evil) | ` <!-- c -->'
    const out = escapeMarkdown(hostile)
    expect(out).not.toMatch(/<img/)
    expect(out).not.toMatch(/<!--/)
    expect(out).not.toMatch(/(^|[^\\])@/)
    expect(out).toContain('&#64;octocat')
    expect(out).toContain('\\[a\\]\\(http')
    expect(out).toContain('\\|')
  })

  it('turns a newline plus workflow command into visible text', () => {
    expect(escapeMarkdown('a\n::error::pwned')).toBe('a\\\\n\\:\\:error\\:\\:pwned')
  })

  it('never lets any input produce a raw newline, angle bracket or unescaped pipe', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), text => {
        const out = escapeMarkdown(text, 10_000)
        expect(out).not.toMatch(/[\n\r<>]/)
        expect(out.replace(/\\\\/g, '')).not.toMatch(/(^|[^\\])\|/)
      })
    )
  })
})

describe('inlineCode', () => {
  it('uses a fence longer than any backtick run inside', () => {
    expect(inlineCode('a``b')).toBe('```a``b```')
    expect(inlineCode('`lead')).toBe('`` `lead ``')
  })

  it('keeps table cells intact', () => {
    expect(inlineCode('a|b')).toBe('`a¦b`')
  })
})

describe('truncateMiddle', () => {
  it('keeps both ends of a long path and never exceeds the limit', () => {
    const long = `models/${'d/'.repeat(2000)}weights.safetensors`
    const out = truncateMiddle(long, 60)
    expect(Array.from(out)).toHaveLength(60)
    expect(out.startsWith('models/')).toBe(true)
    expect(out.endsWith('weights.safetensors')).toBe(true)
  })
})

describe('forLog', () => {
  it('prevents a file name from starting a workflow command on its own line', () => {
    const out = forLog('model.onnx\n::error file=x::forged\r\n::add-mask::y')
    expect(out.split('\n')).toHaveLength(1)
    expect(out).toContain('\\n::error')
  })

  it('shows non-UTF-8 path bytes (carried as lone surrogates) as \\xNN, and keeps real pairs', () => {
    expect(forLog('caf\udce9.bin \u{10080}')).toBe('caf\\xE9.bin \u{10080}')
  })

  it('shows bidi overrides and other invisible controls', () => {
    expect(forLog('a\u202eb\u0000c')).toBe('a\\u202eb\\u0000c')
  })
})
