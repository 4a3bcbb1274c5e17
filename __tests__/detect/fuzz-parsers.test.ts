/** Property tests of the individual parsers that sit under classifyFile. */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { scanJsonHead } from '../../src/core/detect/formats/json-head.js'
import { PickleInput, walkPickle } from '../../src/core/detect/formats/pickle.js'
import { walkMessage } from '../../src/core/detect/formats/protobuf.js'
import { concat } from './helpers.js'

/** Opcode bytes of pickletools' table, so random streams exercise real opcodes. */
const OPCODES = Array.from('(.0123FGIJKLMNPQRSTUVXabcdeghijlopqrstu}])', c => c.charCodeAt(0)).concat(
  Array.from({ length: 0x99 - 0x80 }, (_, i) => 0x80 + i)
)

describe('pickle walker', () => {
  it('never throws on arbitrary streams and always reports globals as strings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.boolean(), async (b, complete) => {
        const w = await walkPickle(PickleInput.fromBytes(b, complete), { maxPickles: 3 })
        expect(Array.isArray(w.globals)).toBe(true)
        for (const g of w.unsafeGlobals) expect(w.globals).toContain(g)
        if (w.stops === 0) expect(w.error).toBeDefined()
      }),
      { numRuns: 1000 }
    )
  })

  it('never throws on opcode-dense streams with short string operands', async () => {
    const token = fc.oneof(
      fc.constantFrom(...OPCODES).map(o => new Uint8Array([o])),
      fc.string({ maxLength: 12 }).map(s => concat([0x8c, Math.min(255, s.length)], s.slice(0, 255))),
      fc.constantFrom('os\n', 'system\n', 'builtins\n', 'torch\n').map(s => concat(s))
    )
    await fc.assert(
      fc.asyncProperty(fc.array(token, { maxLength: 200 }), async tokens => {
        const w = await walkPickle(PickleInput.fromBytes(concat([0x80, 0x04], ...tokens), true))
        expect(w.opcodes).toBeGreaterThanOrEqual(0)
      }),
      { numRuns: 1000 }
    )
  })
})

describe('protobuf walker', () => {
  it('never throws and never reports a field outside the buffer bounds it was given', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1024 }), fc.nat({ max: 1 << 30 }), (b, extra) => {
        const w = walkMessage(b, 0, b.length, b.length + extra)
        for (const f of w.fields) {
          expect(f.offset).toBeGreaterThanOrEqual(0)
          expect(f.offset + f.length).toBeLessThanOrEqual(b.length + extra)
        }
      }),
      { numRuns: 2000 }
    )
  })
})

describe('JSON head scanner', () => {
  it('never throws on arbitrary text and finds keys of real JSON', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), s => {
        scanJsonHead(s)
      }),
      { numRuns: 1000 }
    )
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ minLength: 1, maxLength: 8 }).filter(k => !/["\\]/.test(k)),
          fc.jsonValue()
        ),
        o => {
          const keys = scanJsonHead(JSON.stringify(o)).keys
          for (const k of Object.keys(o)) expect(keys.has(k)).toBe(true)
        }
      ),
      { numRuns: 500 }
    )
  })
})
