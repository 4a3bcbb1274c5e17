import { describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

/**
 * GitHub runs the committed dist/, not src/. This rebuilds both bundles into a scratch
 * directory and fails when the committed bundle differs: run `npm run build` and commit dist/.
 */
const root = resolve(import.meta.dirname, '../..')
const ncc = join(root, 'node_modules/@vercel/ncc/dist/ncc/cli.js')

function rebuild(entry: string): string {
  const out = mkdtempSync(join(tmpdir(), 'modelgate-dist-'))
  try {
    execFileSync(process.execPath, [ncc, 'build', entry, '-o', out, '--source-map', '--license', 'licenses.txt', '--quiet'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    return readFileSync(join(out, 'index.js'), 'utf8')
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
}

describe('committed dist/', () => {
  it.each([
    ['src/index.ts', 'dist/index.js'],
    ['src/cli/index.ts', 'dist/cli/index.js']
  ])('%s is bundled into %s as committed', (entry, bundle) => {
    const committed = readFileSync(join(root, bundle), 'utf8')
    const fresh = rebuild(entry)
    // A plain equality check: a diff of two multi-megabyte bundles is not readable anyway.
    expect({ bundle, upToDate: fresh === committed }).toEqual({ bundle, upToDate: true })
  })
})
