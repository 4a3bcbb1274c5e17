/**
 * Hardened YAML loading (THREATS.md 14): every hostile input gets a clear issue at its line and
 * column, never a crash.
 */
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from '@jest/globals'

import { DEFAULT_MAX_BYTES, loadYaml, type YamlLoad } from '../../src/core/yaml/load.js'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')

function issues(r: YamlLoad): { message: string; line: number; column: number; hint?: string }[] {
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r.value)}`)
  return r.issues
}

function value(r: YamlLoad): unknown {
  if (!r.ok) throw new Error(`expected success, got ${JSON.stringify(r.issues)}`)
  return r.value
}

describe('loadYaml: accepted input', () => {
  it('reads a plain document from text and from bytes', () => {
    const text = 'a: 1\nb: [x, y]\nc:\n  d: true\n'
    expect(value(loadYaml(text))).toEqual({ a: 1, b: ['x', 'y'], c: { d: true } })
    expect(value(loadYaml(new TextEncoder().encode(text)))).toEqual({ a: 1, b: ['x', 'y'], c: { d: true } })
  })

  it('accepts a UTF-8 BOM and keeps line numbers right', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('a: 1\nb: 2\n')])
    const r = loadYaml(bytes)
    expect(value(r)).toEqual({ a: 1, b: 2 })
    if (r.ok) expect(r.lineOf(['b'])).toEqual({ line: 2, column: 4 })
  })

  it('uses the YAML 1.2 core schema: yes/no/on/off are strings, dates stay strings', () => {
    expect(value(loadYaml('a: yes\nb: no\nc: on\nd: off\ne: 2027-01-31\nf: true\ng: ~\n'))).toEqual({
      a: 'yes',
      b: 'no',
      c: 'on',
      d: 'off',
      e: '2027-01-31',
      f: true,
      g: null
    })
  })

  it('accepts the core tags written explicitly', () => {
    expect(value(loadYaml('a: !!str 123\nb: !!int "7"\n'))).toEqual({ a: '123', b: 7 })
  })

  it('keeps `__proto__` and `constructor` keys as own data properties', () => {
    const v = value(loadYaml('__proto__: {polluted: 1}\nconstructor: 2\n')) as Record<string, unknown>
    expect(Object.keys(v)).toEqual(['__proto__', 'constructor'])
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('accepts modest aliases and moderate nesting', () => {
    expect(value(loadYaml('a: &o "@acme/risk"\nb: *o\nc: *o\n'))).toEqual({
      a: '@acme/risk',
      b: '@acme/risk',
      c: '@acme/risk'
    })
    const nested = `${'['.repeat(30)}1${']'.repeat(30)}`
    expect(loadYaml(nested).ok).toBe(true)
  })

  it('gives positions of nodes, keys and missing children', () => {
    const r = loadYaml('top:\n  list:\n    - name: a\n      sha256:\n    - name: b\n')
    if (!r.ok) throw new Error('parse failed')
    expect(r.lineOf(['top', 'list', 1, 'name'])).toEqual({ line: 5, column: 13 })
    expect(r.keyLineOf(['top', 'list', 1, 'name'])).toEqual({ line: 5, column: 7 })
    // An empty value points at its key.
    expect(r.lineOf(['top', 'list', 0, 'sha256'])).toEqual({ line: 4, column: 7 })
    // A missing child points at its deepest existing ancestor.
    expect(r.lineOf(['top', 'list', 1, 'missing'])).toEqual({ line: 5, column: 7 })
    expect(r.lineOf(['nope'])).toEqual({ line: 1, column: 1 })
  })
})

describe('loadYaml: refused input', () => {
  it('refuses duplicate keys at the second key', () => {
    const [i] = issues(loadYaml('a: 1\nb:\n  c: 1\n  c: 2\n'))
    expect(i).toMatchObject({ line: 4, column: 3 })
    expect(i?.message).toContain('duplicate key `c`')
  })

  it('finds a duplicate among many keys (linear check) and across key spellings', () => {
    const text = `${Array.from({ length: 50_000 }, (_, i) => `k${i}: 1`).join('\n')}\nk7: 2\n`
    const [i] = issues(loadYaml(text))
    expect(i).toMatchObject({ line: 50_001, column: 1 })
    expect(issues(loadYaml('1: a\n"1": b\n'))[0]).toMatchObject({ line: 2, column: 1 })
    expect(issues(loadYaml('list:\n  - {a: 1, a: 2}\n'))[0]).toMatchObject({ line: 2, column: 12 })
  })

  it('refuses several documents', () => {
    const [i] = issues(loadYaml('version: 1\n---\nversion: 2\n'))
    expect(i?.message).toContain('more than one YAML document')
    expect(i?.line).toBe(2)
  })

  it('refuses non-UTF-8 bytes, naming the line and column of the bad byte', () => {
    const bytes = new Uint8Array([
      ...new TextEncoder().encode('a: 1\nb: caf'),
      0xe9,
      ...new TextEncoder().encode('\n')
    ])
    const [i] = issues(loadYaml(bytes))
    expect(i).toMatchObject({ line: 2, column: 7 })
    expect(i?.message).toContain('not valid UTF-8')
    expect(i?.message).toContain('0xe9')
  })

  it('refuses UTF-16 and overlong or surrogate UTF-8 sequences', () => {
    expect(issues(loadYaml(new Uint8Array([0xff, 0xfe, 0x61, 0x00])))[0]?.message).toContain('UTF-8')
    expect(issues(loadYaml(new Uint8Array([0x61, 0x3a, 0x20, 0xc0, 0xaf])))[0]).toMatchObject({
      line: 1,
      column: 4
    })
    expect(issues(loadYaml(new Uint8Array([0x61, 0x3a, 0x20, 0xed, 0xa0, 0x80])))[0]).toMatchObject({
      line: 1,
      column: 4
    })
  })

  it('refuses a billion-laughs alias bomb without expanding it', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    const names = 'abcdefghi'
    for (let k = 1; k < names.length; k++) {
      const prev = names[k - 1]!
      lines.push(`${names[k]!}: &${names[k]!} [${Array(9).fill(`*${prev}`).join(',')}]`)
    }
    const started = Date.now()
    const [i] = issues(loadYaml(`${lines.join('\n')}\n`))
    expect(Date.now() - started).toBeLessThan(5000)
    expect(i?.message).toContain('alias bomb')
    expect(i?.line).toBe(2)
  })

  it('refuses custom and YAML 1.1 tags', () => {
    const [a] = issues(loadYaml('x: !!python/object:os.system ls\n'))
    expect(a).toMatchObject({ line: 1, column: 4 })
    const [b] = issues(loadYaml('ok: 1\nx: !!binary aGk=\n'))
    expect(b).toMatchObject({ line: 2 })
    expect(b?.message).toContain('!!binary')
    expect(issues(loadYaml('x: !custom 1\n'))[0]?.message).toContain('custom tags are not allowed')
  })

  it('refuses tabs as indentation and collection keys', () => {
    expect(issues(loadYaml('a:\n\tb: 1\n'))[0]).toMatchObject({ line: 2 })
    expect(issues(loadYaml('? [a]\n: 1\n'))[0]?.message).toContain('plain string')
  })

  it('reports a syntax error at its line', () => {
    const [i] = issues(loadYaml('a: 1\nb: [1, 2\nc: 3\n'))
    expect(i?.message).toMatch(/^invalid YAML/)
    expect(i?.line).toBeGreaterThanOrEqual(2)
  })

  it('refuses a 10 MB+ file before decoding or parsing it', () => {
    const big = new Uint8Array(10 * 1024 * 1024 + 1).fill(0x61)
    const started = Date.now()
    const [i] = issues(loadYaml(big))
    expect(Date.now() - started).toBeLessThan(2000)
    expect(i).toMatchObject({ line: 1, column: 1 })
    expect(i?.message).toContain('10 MiB')
    expect(i?.message).toContain('2 MiB')
    // Text input is measured in UTF-8 bytes.
    expect(issues(loadYaml(`a: "${'é'.repeat(DEFAULT_MAX_BYTES / 2)}"`))[0]?.message).toContain(
      'at most 2 MiB'
    )
    expect(loadYaml('a: 1\n', { maxBytes: 4 }).ok).toBe(false)
  })

  it('refuses deep nesting before parsing, in every style', () => {
    const deep = [
      '['.repeat(100),
      `${'{a: '.repeat(100)}1${'}'.repeat(100)}`,
      `${'- '.repeat(100)}x`,
      Array.from({ length: 100 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')
    ]
    for (const text of deep) {
      const [i] = issues(loadYaml(text))
      expect(i?.message).toContain('nests deeper than 64 levels')
    }
    expect(issues(loadYaml('a: [[[[1]]]]\n', { maxDepth: 3 }))[0]).toMatchObject({ line: 1, column: 6 })
  })

  it('survives 10,000 levels parsed twice in a child process (no signal, no exit 134)', () => {
    const child = spawnSync(
      process.execPath,
      ['--import', join(here, 'support', 'ts-hooks.mjs'), join(here, 'support', 'deep-twice.mjs')],
      { cwd: root, encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }
    )
    expect(child.signal).toBeNull()
    expect({ status: child.status, stderr: child.stderr.includes('Error') ? child.stderr : '' }).toEqual({
      status: 0,
      stderr: ''
    })
    const results = JSON.parse(child.stdout) as {
      round: number
      name: string
      ok: boolean
      issue?: { message: string }
    }[]
    expect(results).toHaveLength(10)
    for (const r of results) {
      expect(r.ok).toBe(false)
      expect(r.issue?.message).toContain('nests deeper than 64 levels')
    }
  })
})
