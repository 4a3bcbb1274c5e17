#!/usr/bin/env node
/**
 * `npm run bench`: measures the scan against baselines taken in the same run, on this machine.
 *
 *   1. Full scan of a synthetic git repository of 100,000 mixed files
 *      (`modelgate scan DIR --json`) vs `git ls-files -z | xargs -0 head -c 4096 >/dev/null`.
 *      Target: at most 1.5x the baseline.
 *   2. sha256 throughput of our hashing path (a scan of a directory holding only a sparse 4 GiB
 *      safetensors file, which the scan classifies and hashes) vs `sha256sum` on the same file.
 *      Target: at least 0.9x the baseline's throughput.
 *   3. Peak RSS of both scans (`/usr/bin/time -v`, else a wrapper reading
 *      process.resourceUsage().maxRSS). Target: at most 150 MB, whatever the model size.
 *
 * The big model lives outside the 100,000-file repository so that figure 1 compares listing and
 * classification with reading heads, not with hashing 4 GiB.
 *
 * Options: --files N (default 100000), --big-gib N (default 4), --runs N (default 3, interleaved
 * with the baseline, best kept), --cli PATH, --build, --keep (leave the temp dir), --strict (exit 1
 * when a target is missed; by default a missed target is printed, not failed).
 *
 * Which CLI is measured: --cli PATH when given; else, with --build, src/cli/index.ts built with ncc
 * into the bench's temp dir (the working copy as it is now); else dist/cli/index.js, the committed
 * build, used as is (it is only as fresh as the last `npm run build`), and when it is missing the
 * same temp-dir build as --build. The CLI used is printed with the results. To measure changes
 * before they are built into dist/: `npm run bench -- --build`.
 */
import { Buffer } from 'node:buffer'
import { execFileSync, spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback
}
const FILES = Number(opt('files', '100000'))
const BIG_GIB = Number(opt('big-gib', '4'))
const RUNS = Math.max(1, Number(opt('runs', '3')))
const KEEP = args.includes('--keep')

const HAVE_TIME = existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-v', 'true']).status === 0
const work = mkdtempSync(join(tmpdir(), 'modelgate-bench-'))
const log = msg => process.stderr.write(`[bench] ${msg}\n`)

try {
  const cli = findCli()
  const repo = join(work, 'repo')
  const bigDir = join(work, 'big')
  buildRepo(repo)
  const bigFile = buildBigModel(bigDir)

  log(`full scan of ${FILES} files (${RUNS} runs each, interleaved with the baseline, best kept)`)
  const [baseline, scan] = bestInterleaved(
    () => timed('sh', ['-c', 'git ls-files -z | xargs -0 head -c 4096 >/dev/null'], repo),
    () => timed(process.execPath, [cli, 'scan', repo, '--json'], repo, true)
  )
  const scanOut = JSON.parse(scan.stdout)

  log(`hashing ${BIG_GIB} GiB`)
  const [shaBase, shaOurs] = bestInterleaved(
    () => timed('sha256sum', [bigFile], bigDir),
    () => timed(process.execPath, [cli, 'scan', bigDir, '--json'], bigDir, true)
  )
  const bigOut = JSON.parse(shaOurs.stdout)
  const expected = shaBase.stdout.split(' ')[0]
  if (bigOut.models[0]?.digest !== expected)
    throw new Error(`digest mismatch: ${bigOut.models[0]?.digest} vs ${expected}`)

  const bytes = BIG_GIB * 1024 ** 3
  const rows = [
    {
      metric: `full scan, ${FILES} files (s)`,
      ours: scan.seconds,
      base: baseline.seconds,
      ratio: scan.seconds / baseline.seconds,
      target: '<= 1.5x',
      ok: scan.seconds / baseline.seconds <= 1.5
    },
    {
      metric: `sha256 of ${BIG_GIB} GiB (MB/s)`,
      ours: bytes / 1e6 / shaOurs.seconds,
      base: bytes / 1e6 / shaBase.seconds,
      ratio: shaBase.seconds / shaOurs.seconds,
      target: '>= 0.9x',
      ok: shaBase.seconds / shaOurs.seconds >= 0.9
    },
    {
      metric: 'peak RSS, full scan (MB)',
      ours: scan.rssMb,
      base: NaN,
      ratio: NaN,
      target: '<= 150 MB',
      ok: scan.rssMb <= 150
    },
    {
      metric: `peak RSS, ${BIG_GIB} GiB scan (MB)`,
      ours: shaOurs.rssMb,
      base: NaN,
      ratio: NaN,
      target: '<= 150 MB',
      ok: shaOurs.rssMb <= 150
    }
  ]
  const fmt = n => (Number.isNaN(n) ? '-' : n >= 100 ? n.toFixed(0) : n.toFixed(2))
  const table = [['metric', 'modelgate', 'baseline', 'ratio', 'target', 'result']].concat(
    rows.map(r => [
      r.metric,
      fmt(r.ours),
      fmt(r.base),
      Number.isNaN(r.ratio) ? '-' : `${r.ratio.toFixed(2)}x`,
      r.target,
      r.ok ? 'ok' : 'MISSED'
    ])
  )
  const widths = table[0].map((_, i) => Math.max(...table.map(r => r[i].length)))
  console.log(
    `node ${process.version}, ${FILES} files, ${scanOut.models.length} models found, ${scanOut.filesExamined} examined, cli ${cli}`
  )
  for (const r of table) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '))
  console.log(
    `baselines: "git ls-files -z | xargs -0 head -c 4096", "sha256sum"; RSS via ${HAVE_TIME ? '/usr/bin/time -v' : 'process.resourceUsage'}`
  )
  // A missed target is a finding of the measurement, not a failure to measure: exit 1 only with --strict.
  process.exitCode = rows.every(r => r.ok) || !process.argv.includes('--strict') ? 0 : 1
} finally {
  if (KEEP) log(`kept ${work}`)
  else rmSync(work, { recursive: true, force: true })
}

function findCli() {
  const explicit = opt('cli', undefined)
  if (explicit) return resolve(explicit)
  const dist = join(ROOT, 'dist', 'cli', 'index.js')
  if (!args.includes('--build') && existsSync(dist)) return dist
  log(
    `${existsSync(dist) ? '--build' : 'dist/cli/index.js missing'}: building src/cli/index.ts with ncc into a temp dir`
  )
  const out = join(work, 'cli')
  execFileSync(
    join(ROOT, 'node_modules', '.bin', 'ncc'),
    ['build', join(ROOT, 'src', 'cli', 'index.ts'), '-o', out, '-q'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit']
    }
  )
  return join(out, 'index.js')
}

/** A git repository of FILES files: source, JSON, data, and small real models. */
function buildRepo(dir) {
  log(`writing ${FILES} files`)
  mkdirSync(dir, { recursive: true })
  const models = smallModels()
  const perDir = 200
  let made = 0
  const src = 'export function f(x: number): number {\n  return x * 2\n}\n'.repeat(20)
  const json = JSON.stringify({
    name: 'pkg',
    version: '1.0.0',
    items: Array.from({ length: 40 }, (_, i) => ({ i, v: `value-${i}` }))
  })
  const csv = 'a,b,c\n' + Array.from({ length: 200 }, (_, i) => `${i},${i * 2},${i * 3}`).join('\n')
  const npy = Buffer.concat([
    Buffer.from('\x93NUMPY\x01\x00v\x00'),
    Buffer.from("{'descr': '<f4', 'fortran_order': False, 'shape': (512,), }".padEnd(117) + '\n'),
    Buffer.alloc(2048, 1)
  ])
  while (made < FILES) {
    const d = join(dir, `pkg${String(Math.floor(made / perDir)).padStart(4, '0')}`)
    mkdirSync(d, { recursive: true })
    for (let i = 0; i < perDir && made < FILES; i++, made++) {
      const kind = made % 100
      if (kind < 55) writeFileSync(join(d, `mod${i}.ts`), src + `// ${made}\n`)
      else if (kind < 75) writeFileSync(join(d, `conf${i}.json`), json)
      else if (kind < 88) writeFileSync(join(d, `table${i}.csv`), csv)
      else if (kind < 98) writeFileSync(join(d, `array${i}.npy`), npy)
      else {
        const m = models[made % models.length]
        writeFileSync(join(d, `m${i}-${m.name}`), m.bytes)
      }
    }
  }
  log('git add')
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'b',
    GIT_AUTHOR_EMAIL: 'b@example.com',
    GIT_COMMITTER_NAME: 'b',
    GIT_COMMITTER_EMAIL: 'b@example.com'
  }
  execFileSync('git', ['init', '-q'], { cwd: dir, env })
  execFileSync('git', ['add', '-A'], { cwd: dir, env })
  execFileSync('git', ['commit', '-q', '-m', 'bench'], { cwd: dir, env })
}

/** Small model files: from fixtures/corpus when present, plus synthetic safetensors and GGUF. */
function smallModels() {
  const out = []
  const header = Buffer.from(JSON.stringify({ w: { dtype: 'F32', shape: [64], data_offsets: [0, 256] } }))
  out.push({
    name: 'model.safetensors',
    bytes: Buffer.concat([u64(header.length), header, Buffer.alloc(256)])
  })
  const gguf = Buffer.concat([Buffer.from('GGUF'), u32(3), u64(0), u64(0)])
  out.push({ name: 'model.gguf', bytes: gguf })
  const corpus = join(ROOT, 'fixtures', 'corpus')
  if (existsSync(join(corpus, 'labels.json'))) {
    try {
      const labels = JSON.parse(readFileSync(join(corpus, 'labels.json'), 'utf8'))
      for (const a of labels.artifacts ?? []) {
        if (a.kind !== 'file' || out.length >= 40) continue
        const p = join(corpus, a.path)
        if (existsSync(p) && statSync(p).size < 256 * 1024)
          out.push({ name: a.path.split('/').pop(), bytes: readFileSync(p) })
      }
    } catch {
      // A corpus mid-generation is not the bench's problem; synthetic models suffice.
    }
  }
  return out
}

/** A sparse safetensors file of BIG_GIB GiB: a valid header, then zeros that take no disk. */
function buildBigModel(dir) {
  mkdirSync(dir, { recursive: true })
  const data = BIG_GIB * 1024 ** 3
  const header = Buffer.from(
    JSON.stringify({ w: { dtype: 'U8', shape: [data], data_offsets: [0, data] } }).padEnd(128)
  )
  const path = join(dir, 'big.safetensors')
  writeFileSync(path, Buffer.concat([u64(header.length), header]))
  truncateSync(path, 8 + header.length + data)
  return path
}

function u64(n) {
  const b = Buffer.alloc(8)
  b.writeBigUInt64LE(BigInt(n))
  return b
}
function u32(n) {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(n)
  return b
}

/** Runs a command, returning wall seconds, stdout and (for `rss`) peak RSS in MB. */
function timed(cmd, argv, cwd, rss = false) {
  let command = cmd
  let commandArgs = argv
  if (rss && HAVE_TIME) {
    command = '/usr/bin/time'
    commandArgs = ['-v', cmd, ...argv]
  } else if (rss) {
    // Wrapper: run the CLI in-process and print maxRSS (KiB) to stderr when it exits.
    const wrapper = join(work, 'rss-wrapper.mjs')
    if (!existsSync(wrapper)) {
      writeFileSync(
        wrapper,
        "process.on('exit', () => process.stderr.write(`\\tMaximum resident set size (kbytes): ${process.resourceUsage().maxRSS}\\n`))\n" +
          "const cli = process.argv[2]; process.argv.splice(1, 2, cli); await import('file://' + cli)\n"
      )
    }
    commandArgs = [wrapper, ...argv]
  }
  const start = process.hrtime.bigint()
  const r = spawnSync(command, commandArgs, { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' })
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  if (r.status !== 0)
    throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`)
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)
  return { seconds, stdout: r.stdout, rssMb: m ? Number(m[1]) / 1024 : NaN }
}

/**
 * Runs the baseline and ModelGate alternately, RUNS times each, so a busy machine slows both
 * alike; keeps each one's fastest time and its highest peak RSS.
 */
function bestInterleaved(baseline, ours) {
  const keep = (winner, r) =>
    !winner || r.seconds < winner.seconds
      ? { ...r, rssMb: Math.max(r.rssMb, winner?.rssMb ?? 0) }
      : { ...winner, rssMb: Math.max(winner.rssMb, r.rssMb) }
  let a
  let b
  for (let i = 0; i < RUNS; i++) {
    a = keep(a, baseline())
    b = keep(b, ours())
  }
  return [a, b]
}
