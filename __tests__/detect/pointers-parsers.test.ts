import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import {
  inferPointerTarget,
  LfsAttributes,
  parseDvcFile,
  parseLfsPointer,
  PointerError,
  resolveDvcPath
} from '../../src/core/detect/pointers.js'

const OID = 'a'.repeat(64)
const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const pointer = (oid = OID, size = '123', extra = ''): Uint8Array =>
  enc(`version https://git-lfs.github.com/spec/v1\n${extra}oid sha256:${oid}\nsize ${size}\n`)

describe('parseLfsPointer', () => {
  it('parses a spec pointer', () => {
    expect(parseLfsPointer(pointer())).toEqual({ oid: OID, size: 123, extensions: new Map() })
    const withExt = parseLfsPointer(pointer(OID, '5', 'ext-0-foo sha256:' + 'b'.repeat(64) + '\n'))
    expect(withExt?.extensions.get('ext-0-foo')).toBe('sha256:' + 'b'.repeat(64))
  })

  it('returns null for files that are not pointers', () => {
    expect(parseLfsPointer(enc('hello'))).toBeNull()
    expect(parseLfsPointer(enc('version 1.2.3\n'))).toBeNull()
    expect(parseLfsPointer(new Uint8Array(2000).fill(0x41))).toBeNull()
  })

  it.each([
    ['unsorted keys', enc(`version https://git-lfs.github.com/spec/v1\nsize 1\noid sha256:${OID}\n`)],
    ['uppercase oid', pointer('A'.repeat(64))],
    ['short oid', pointer('a'.repeat(63))],
    ['md5 oid', enc(`version https://git-lfs.github.com/spec/v1\noid md5:${'a'.repeat(32)}\nsize 1\n`)],
    ['negative size', pointer(OID, '-1')],
    ['leading-zero size', pointer(OID, '01')],
    ['huge size', pointer(OID, '99999999999999999999')],
    ['no size', enc(`version https://git-lfs.github.com/spec/v1\noid sha256:${OID}\n`)],
    ['duplicate key', pointer(OID, '1', `oid sha256:${OID}\n`)],
    ['CRLF', enc(`version https://git-lfs.github.com/spec/v1\r\noid sha256:${OID}\r\nsize 1\r\n`)],
    ['future version', enc(`version https://git-lfs.github.com/spec/v2\noid sha256:${OID}\nsize 1\n`)]
  ])('throws PointerError for %s', (_name, bytes) => {
    expect(() => parseLfsPointer(bytes)).toThrow(PointerError)
  })

  it('fuzz: arbitrary bytes give null, a pointer, or a PointerError, never another error', () => {
    const prefix = enc('version https://git-lfs.github.com/spec/v1\n')
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1100 }), fc.boolean(), (tail, withPrefix) => {
        const bytes = withPrefix ? new Uint8Array([...prefix, ...tail]) : tail
        try {
          const r = parseLfsPointer(bytes)
          if (r) {
            expect(r.oid).toMatch(/^[0-9a-f]{64}$/)
            expect(Number.isSafeInteger(r.size)).toBe(true)
          }
        } catch (err) {
          expect(err).toBeInstanceOf(PointerError)
        }
      }),
      { numRuns: 2000 }
    )
  })

  it('fuzz: every well-formed pointer round-trips', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9a-f]{64}$/),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        (oid, size) => {
          expect(parseLfsPointer(pointer(oid, String(size)))).toEqual({ oid, size, extensions: new Map() })
        }
      )
    )
  })
})

describe('LfsAttributes', () => {
  it('follows gitattributes precedence', () => {
    const attrs = new LfsAttributes()
    attrs.add(
      '.gitattributes',
      '*.bin filter=lfs diff=lfs merge=lfs -text\n/top/*.pt filter=lfs\n*.onnx filter=lfs\n'
    )
    attrs.add('sub/.gitattributes', '*.onnx -filter\n')
    expect(attrs.isLfs('a/b/c.bin')).toBe(true)
    expect(attrs.isLfs('top/m.pt')).toBe(true)
    expect(attrs.isLfs('x/top/m.pt')).toBe(false)
    expect(attrs.isLfs('m.onnx')).toBe(true)
    expect(attrs.isLfs('sub/m.onnx')).toBe(false)
    expect(attrs.isLfs('readme.md')).toBe(false)
  })
})

describe('inferPointerTarget', () => {
  it.each([
    ['models/model.safetensors', 'safetensors'],
    ['tests/fixtures/tiny.safetensors', 'safetensors'],
    ['model.onnx', 'onnx'],
    ['weights/x.pt', 'pytorch-zip'],
    ['llm.gguf', 'gguf'],
    ['models/classifier.h5', 'keras-h5'],
    ['hf/pytorch_model.bin', 'pytorch-zip'],
    ['models/encoder.bin', 'lfs-pointer'],
    ['models/whatever', 'lfs-pointer'],
    ['ckpt/model.ckpt.data-00000-of-00001', 'tf-checkpoint'],
    ['clf.pkl', 'pickle']
  ])('%s is a model (%s)', (path, format) => {
    expect(inferPointerTarget(path)?.format).toBe(format)
  })

  it.each([
    'tests/data/array.npy',
    'data/train.csv',
    'data/table.parquet',
    'tests/expected.h5',
    'data/features.npz',
    'assets/logo.png',
    'docs/guide.pdf',
    'data/blob.bin',
    'random.bin',
    'README'
  ])('%s is not a model', path => {
    expect(inferPointerTarget(path)).toBeNull()
  })
})

describe('parseDvcFile', () => {
  it('reads .dvc outs relative to the file', () => {
    const outs = parseDvcFile(
      'models/model.pt.dvc',
      `outs:\n- md5: ${'c'.repeat(32)}\n  size: 42\n  path: model.pt\n`
    )
    expect(outs).toEqual([
      { path: 'model.pt', resolved: 'models/model.pt', md5: 'c'.repeat(32), size: 42, isDir: false }
    ])
  })

  it('reads directory outs, dvc.yaml stages and dvc.lock', () => {
    expect(parseDvcFile('w.dvc', `outs:\n- md5: ${'d'.repeat(32)}.dir\n  path: weights\n`)[0]).toMatchObject({
      isDir: true,
      resolved: 'weights'
    })
    const yaml =
      'stages:\n  train:\n    cmd: python train.py\n    outs:\n    - models/model.onnx\n    - metrics.json:\n        cache: false\n'
    expect(parseDvcFile('dvc.yaml', yaml).map(o => o.resolved)).toEqual(['models/model.onnx', 'metrics.json'])
    const lock = `schema: '2.0'\nstages:\n  train:\n    outs:\n    - path: models/model.onnx\n      md5: ${'e'.repeat(32)}\n      size: 9\n`
    expect(parseDvcFile('dvc.lock', lock)[0]).toMatchObject({ md5: 'e'.repeat(32), size: 9 })
  })

  it('reports outputs that escape the repository', () => {
    expect(parseDvcFile('a/x.dvc', 'outs:\n- path: ../../etc/model.pt\n')[0]?.escapes).toMatch(
      /leaves the repository/
    )
    expect(parseDvcFile('x.dvc', 'outs:\n- path: /abs/model.pt\n')[0]?.escapes).toMatch(/absolute/)
    expect(parseDvcFile('x.dvc', 'outs:\n- path: s3://bucket/m.pt\n')[0]?.escapes).toMatch(/remote/)
    expect(parseDvcFile('a/x.dvc', 'outs:\n- path: ../b/m.pt\n')[0]?.resolved).toBe('b/m.pt')
    expect(resolveDvcPath('', 'C:\\models\\m.pt')).toEqual({ escapes: expect.stringMatching(/absolute/) })
  })

  it.each([
    [
      'alias bomb',
      'a: &a [x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c]\n'
    ],
    ['deep flow nesting', `outs: ${'['.repeat(5000)}${']'.repeat(5000)}\n`],
    ['deep block nesting', `outs:\n${'- '.repeat(3000)}x\n`],
    ['duplicate keys', 'outs: []\nouts: []\n'],
    ['several documents', 'outs: []\n---\nouts: []\n'],
    ['bad md5', 'outs:\n- md5: zz\n  path: m.pt\n'],
    ['not a mapping', '- a\n- b\n'],
    ['too large', `# ${'x'.repeat(1024 * 1024 + 10)}\n`]
  ])('throws PointerError for %s', (_name, text) => {
    expect(() => parseDvcFile('x.dvc', text)).toThrow(PointerError)
  })

  it('fuzz: arbitrary text gives outs or a PointerError, never another error', () => {
    const fragments = fc.constantFrom(
      'outs:',
      '\n',
      '- ',
      'path: ',
      'md5: ',
      '&a ',
      '*a',
      '[',
      ']',
      '{',
      '}',
      ': ',
      '..',
      '/',
      'stages:',
      '  ',
      'x',
      '"',
      "'",
      '---',
      '#'
    )
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.array(fragments, { maxLength: 80 }).map(a => a.join(''))
        ),
        text => {
          try {
            const outs = parseDvcFile('d/x.dvc', text)
            for (const o of outs) {
              expect(typeof o.path).toBe('string')
              if (o.resolved !== undefined) expect(o.resolved.split('/')).not.toContain('..')
            }
          } catch (err) {
            expect(err).toBeInstanceOf(PointerError)
          }
        }
      ),
      { numRuns: 1500 }
    )
  })
})
