/**
 * Child-process probe for THREATS.md 14: parse hostile, deeply nested YAML twice in one process.
 * Parsing such input twice has aborted Node (RegExp allocation failure, exit 134) inside the `yaml`
 * parser; `loadYaml` must refuse it with a clean issue before the parser sees it, every time.
 * Run: node --import ./__tests__/yaml/support/ts-hooks.mjs __tests__/yaml/support/deep-twice.mjs
 */
/* global TextEncoder */
import { loadYaml } from '../../../src/core/yaml/load.js'

const n = 10_000
const inputs = {
  flowSeq: `${'['.repeat(n)}${']'.repeat(n)}\n`,
  flowMap: `${'{a: '.repeat(n)}1${'}'.repeat(n)}\n`,
  compactSeq: `${'- '.repeat(n)}x\n`,
  // 2,000 levels of block indentation (one space each) stays under the size cap.
  blockMap: Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1\n',
  mixed: `k: ${'[{a: '.repeat(n / 2)}\n`
}

const results = []
for (let round = 0; round < 2; round++) {
  for (const [name, text] of Object.entries(inputs)) {
    const r = loadYaml(text)
    results.push({ round, name, ok: r.ok, issue: r.ok ? undefined : r.issues[0] })
    loadYaml(new TextEncoder().encode(text))
  }
}
process.stdout.write(JSON.stringify(results))
