/**
 * The nesting pre-check must never under-estimate depth (or hostile input reaches the parser), and
 * must not trip on text that merely contains brackets.
 */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { stringify } from 'yaml'

import { findExcessiveNesting } from '../../src/core/yaml/depth.js'
import { loadYaml } from '../../src/core/yaml/load.js'

function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf))
  if (typeof v === 'object' && v !== null) return 1 + Math.max(0, ...Object.values(v).map(depthOf))
  return 0
}

const scalar = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.string({
    unit: fc.constantFrom(
      'a',
      ' ',
      '[',
      ']',
      '{',
      '}',
      ',',
      ':',
      '#',
      "'",
      '"',
      '-',
      '|',
      '>',
      '\n',
      '&',
      '!',
      '?',
      '\\'
    )
  })
)
const { tree } = fc.letrec<{ tree: unknown }>(tie => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('tree'), { maxLength: 3 }),
    fc.dictionary(
      fc.string({ minLength: 1, maxLength: 4, unit: fc.constantFrom('a', 'b', '-', ' ', ':', '#', '[') }),
      tie('tree'),
      { maxKeys: 3 }
    )
  )
}))

describe('findExcessiveNesting', () => {
  it('never reports less depth than the document really has (block, flow and JSON styles)', () => {
    fc.assert(
      fc.property(tree, fc.constantFrom('block', 'flow', 'json', 'compact'), (v, style) => {
        const text =
          style === 'json'
            ? JSON.stringify(v)
            : style === 'flow'
              ? stringify(v, { collectionStyle: 'flow' })
              : stringify(v, { indentSeq: style !== 'compact' })
        const parsed = loadYaml(text, { maxDepth: 10_000 })
        if (!parsed.ok) return // only documents the parser accepts are interesting
        const actual = depthOf(parsed.value)
        if (actual === 0) return
        expect(findExcessiveNesting(text, actual - 1)).toBeDefined()
      }),
      { numRuns: 1500 }
    )
  })

  it('never under-estimates on token soup the parser still accepts', () => {
    const token = fc.constantFrom(
      '- ',
      '? ',
      ': ',
      'a',
      'b: ',
      '[',
      ']',
      '{',
      '}',
      ', ',
      '"',
      "'",
      '|',
      '>',
      '|-',
      ' #',
      ' ',
      '&x ',
      '!!str ',
      '\\',
      ':'
    )
    const line = fc
      .tuple(fc.integer({ min: 0, max: 8 }), fc.array(token, { maxLength: 8 }))
      .map(([n, t]) => ' '.repeat(n) + t.join(''))
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 10 }), lines => {
        const text = `${lines.join('\n')}\n`
        const parsed = loadYaml(text, { maxDepth: 10_000 })
        if (!parsed.ok) return
        const actual = depthOf(parsed.value)
        if (actual === 0) return
        expect(findExcessiveNesting(text, actual - 1)).toBeDefined()
      }),
      { numRuns: 3000 }
    )
  })

  it('does not count brackets inside quotes, comments or block scalars', () => {
    const text = [
      'a: "[[[[[[[[[[[[[[[["',
      "b: '{{{{{{{{{{{{{{{{'",
      'c: x [[[[[[[[[[[[[ # [[[[[[[[[[',
      'd: |',
      '  [[[[[[[[[[[[[[[[[[[[',
      '      {{{{{{{{{{{{{{',
      '          - - - - - - - - - -',
      'e: >-',
      '  ]]]]]]]]]]]]]]]]',
      'f: [1, 2]'
    ].join('\n')
    expect(findExcessiveNesting(text, 3)).toBeUndefined()
    expect(loadYaml(text, { maxDepth: 3 }).ok).toBe(true)
  })

  it('is not fooled by a plain scalar holding a quote or a closing bracket', () => {
    const deep = Array.from({ length: 80 }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n')
    for (const decoy of ["x: it's a 'trap", 'x: a ]]]]]]', 'x: a }}}}', 'x: a "b', 'x: |2', 'x: a#[[[[ b']) {
      expect(findExcessiveNesting(`${decoy}\ny:\n${deep}\n`, 64)).toBeDefined()
    }
  })

  it('is not fooled by a block scalar header followed by less-indented structure', () => {
    const deep = Array.from({ length: 80 }, (_, i) => `${' '.repeat(i + 1)}- `).join('\n')
    expect(findExcessiveNesting(`- a: |\n ${deep}\n`, 64)).toBeDefined()
    // Here the whole tail really is the block scalar's text (the parser agrees), so nothing is nested.
    const asText = `a: |\n${deep}\n`
    expect(findExcessiveNesting(asText, 64)).toBeUndefined()
    expect(typeof (loadYaml(asText) as { value: { a: unknown } }).value.a).toBe('string')
  })

  it('reports the position where the limit is crossed', () => {
    expect(findExcessiveNesting('a:\n  b:\n    c: 1\n', 2)).toEqual({ depth: 3, line: 3, column: 5 })
    expect(findExcessiveNesting('x: [[[1]]]\n', 2)).toMatchObject({ line: 1, column: 5 })
  })
})
