import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { ModelArtifact, ScanResult } from '../../core/detect/artifact.js'
import { scanTree } from '../../core/detect/scan.js'
import { WorkingTree } from '../../tree/working-tree.js'

/** Where a command writes; the dispatcher passes process streams, tests pass buffers. */
export interface CommandIo {
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
  /** Directory relative DIR arguments resolve against (default process.cwd()). */
  cwd?: string
}

const USAGE = 'usage: modelgate scan [DIR] [--json]\n'

/**
 * `modelgate scan [DIR] [--json]`: lists the model artifacts in DIR (default: the current
 * directory). Paths are POSIX and relative to DIR. Exit codes: 0 on success (finding models is not
 * a failure), 2 on a usage error or when DIR cannot be scanned.
 */
export async function runScan(args: readonly string[], io: CommandIo): Promise<number> {
  let json = false
  const dirs: string[] = []
  let endOfOptions = false
  for (const arg of args) {
    if (!endOfOptions && arg === '--') endOfOptions = true
    else if (!endOfOptions && arg === '--json') json = true
    else if (!endOfOptions && (arg === '-h' || arg === '--help')) {
      io.stdout.write(USAGE)
      return 0
    } else if (!endOfOptions && arg.startsWith('-')) {
      io.stderr.write(`modelgate scan: unknown option ${JSON.stringify(arg)}\n${USAGE}`)
      return 2
    } else dirs.push(arg)
  }
  if (dirs.length > 1) {
    io.stderr.write(`modelgate scan: expected at most one DIR, got ${dirs.length}\n${USAGE}`)
    return 2
  }
  const dir = resolve(io.cwd ?? process.cwd(), dirs[0] ?? '.')
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory')
  } catch (err) {
    io.stderr.write(
      `modelgate scan: cannot scan ${JSON.stringify(dir)}: ${err instanceof Error ? err.message : String(err)}\n`
    )
    return 2
  }
  let result: ScanResult
  try {
    result = await scanTree(new WorkingTree(dir))
  } catch (err) {
    io.stderr.write(`modelgate scan: ${err instanceof Error ? err.message : String(err)}\n`)
    return 2
  }
  io.stdout.write(json ? `${JSON.stringify(toJson(result))}\n` : renderTable(result))
  return 0
}

/** The `--json` shape: `{"models": [...], "skipped": [...], "filesExamined": N}`. */
export function toJson(result: ScanResult): {
  models: ModelArtifact[]
  skipped: ScanResult['skipped']
  filesExamined: number
} {
  return { models: result.artifacts, skipped: result.skipped, filesExamined: result.filesExamined }
}

const MAX_DISPLAY = 80

/** Escapes control and non-printable characters and truncates: file names are attacker data. */
export function displayPath(path: string): string {
  const escaped = path.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ud800-\udfff]/g,
    c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
  return escaped.length > MAX_DISPLAY ? `…${escaped.slice(-(MAX_DISPLAY - 1))}` : escaped
}

function renderTable(result: ScanResult): string {
  const rows = result.artifacts.map(a => [
    displayPath(a.path),
    a.format,
    displayPath(a.framework),
    formatSize(a.size),
    `${a.digest.slice(0, 12)}${a.digestSource === 'content' ? '' : ` (${a.digestSource})`}`,
    String(a.files.length),
    a.malformed !== undefined
      ? 'malformed'
      : a.pickle && (a.pickle.unsafeGlobals.length > 0 || a.pickle.error)
        ? 'unsafe pickle'
        : ''
  ])
  const header = ['PATH', 'FORMAT', 'FRAMEWORK', 'SIZE', 'DIGEST', 'FILES', 'NOTE']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]!.length)))
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd() + '\n'
  let out =
    result.artifacts.length > 0 ? line(header) + rows.map(line).join('') : 'No model artifacts found.\n'
  for (const s of result.skipped) out += `skipped ${displayPath(s.path)}: ${displayPath(s.detail)}\n`
  out += `${result.artifacts.length} model artifact(s) in ${result.filesExamined} file(s) examined, ${result.skipped.length} skipped.\n`
  return out
}

function formatSize(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]!}`
}
