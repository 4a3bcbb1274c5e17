import { judge } from '../../gate/judge.js'
import { ConfigurationError } from '../../errors.js'
import type { GateReport } from '../../core/report/model.js'
import { escapeMarkdown, inlineCode } from '../../render/escape.js'
import { parseCommandArgs, UsageError } from '../args.js'
import { colours, stderrLogger, type CliIo } from '../io.js'
import { shown } from '../render-terminal.js'
import {
  cliSettings,
  findRoot,
  issueLines,
  openWorkingTree,
  readLocalRegistry,
  readWorkingFile,
  REGISTRY_MAX_BYTES
} from '../workspace.js'
import type { RegistryIndex } from '../../core/registry/index.js'

export const RECONCILE_USAGE = `Usage: modelgate reconcile [--json | --markdown]

Compares the whole working tree with the registry and lists, each item exactly once:
  shadow    a model file that is not registered
  drift     a registered path whose bytes match none of its registered versions
  moved     registered bytes found at a new path (the registry path is stale)
  stale     a registered path that no longer holds a model
  expired   a model covered only by an exception that has expired

Options:
  --json            machine output: {"items": [...], "counts": {...}}
  --markdown        a Markdown table (for an issue or a job summary)
  --registry PATH   registry file (default: policy file, else ai-registry.yaml)
  --config PATH     policy file (default: .github/modelgate.yml)
  -v, --verbose     log what is read and hashed to stderr
  -h, --help        show this help

Exit codes: 0 nothing to reconcile, 1 items listed, 2 usage or configuration error.

Examples:
  modelgate reconcile
  modelgate reconcile --markdown >> "$GITHUB_STEP_SUMMARY"
  modelgate reconcile --json | jq '.items[] | select(.kind == "shadow") | .path'
`

export type ReconcileKind = 'shadow' | 'drift' | 'moved' | 'stale' | 'expired'

export interface ReconcileItem {
  kind: ReconcileKind
  path: string
  /** The registry model (and versions) the item is about, when there is one. */
  model?: string
  versions?: string[]
  detail: string
}

const ORDER: readonly ReconcileKind[] = ['shadow', 'drift', 'moved', 'stale', 'expired']

/** Derives the reconcile items from a whole-tree gate report and the registry index. */
export function reconcileItems(report: GateReport, index: RegistryIndex): ReconcileItem[] {
  const items: ReconcileItem[] = []
  const present = new Set<string>()
  for (const model of report.models) {
    present.add(model.artifact.path)
    for (const file of model.artifact.files) present.add(file)
    const codes = new Set(model.findings.map(f => f.code))
    const path = model.artifact.path
    if (codes.has('MG008')) {
      const use = report.exceptions.find(e => e.path === path)
      items.push({
        kind: 'expired',
        path,
        detail: `exception ${use?.pattern ?? ''} (owner ${use?.owner ?? '?'}) expired on ${use?.expires ?? '?'}`
      })
    } else if (model.status === 'unregistered-version') {
      const refs = index.versionsByPath.get(path) ?? []
      items.push({
        kind: 'drift',
        path,
        model: refs[0]?.modelName ?? '',
        versions: refs.map(r => r.version.version),
        detail: `sha256 ${model.artifact.digest.slice(0, 12)}… matches no registered version`
      })
    } else if (codes.has('MG013')) {
      const from = (index.versionsByDigest.get(model.artifact.digest) ?? [])[0]
      items.push({
        kind: 'moved',
        path,
        ...(from ? { model: from.modelName, versions: [from.version.version] } : {}),
        detail: from ? `registered at ${from.version.path}` : 'registered at another path'
      })
    } else if (model.status === 'unregistered') {
      items.push({
        kind: 'shadow',
        path,
        detail: `${model.artifact.format} (${model.artifact.framework}), not in the registry`
      })
    }
  }
  // Stale entries come from the gate's own reconciliation (MG012), so the CLI and the
  // scheduled Action list the same ones.
  for (const finding of report.findings) {
    if (finding.code !== 'MG012' || finding.path === undefined || present.has(finding.path)) continue
    const live = (index.versionsByPath.get(finding.path) ?? []).filter(r => r.version.status !== 'retired')
    items.push({
      kind: 'stale',
      path: finding.path,
      ...(live[0] ? { model: live[0].modelName, versions: live.map(r => r.version.version) } : {}),
      detail: 'no model at this path in the working tree'
    })
  }
  return items.sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind) || a.path.localeCompare(b.path))
}

function counts(items: readonly ReconcileItem[]): Record<ReconcileKind, number> {
  const out = { shadow: 0, drift: 0, moved: 0, stale: 0, expired: 0 }
  for (const item of items) out[item.kind]++
  return out
}

function modelCell(item: ReconcileItem): string {
  return item.model ? `${item.model}${item.versions?.length ? `@${item.versions.join(',')}` : ''}` : '—'
}

function table(items: readonly ReconcileItem[], io: CliIo): string {
  const c = colours(io.stdout, io.env)
  if (items.length === 0)
    return `${c.green('✔')} Nothing to reconcile: every model is registered and every entry has its file.\n`
  const rows = items.map(i => [i.kind, shown(i.path, 80), shown(modelCell(i), 50), shown(i.detail, 100)])
  const header = ['KIND', 'PATH', 'MODEL', 'DETAIL']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]!.length)))
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  const colour = (kind: string, text: string): string => (kind === 'stale' ? c.yellow(text) : c.red(text))
  const n = counts(items)
  return [
    c.bold(line(header)),
    ...rows.map(r => colour(r[0]!, r[0]!.padEnd(widths[0]!)) + line(r).slice(widths[0])),
    '',
    `${items.length} item(s): ${ORDER.map(k => `${n[k]} ${k}`).join(', ')}.`,
    ''
  ].join('\n')
}

function markdown(items: readonly ReconcileItem[]): string {
  if (items.length === 0)
    return '### ModelGate reconcile\n\nNothing to reconcile: every model is registered and every entry has its file.\n'
  const n = counts(items)
  return [
    '### ModelGate reconcile',
    '',
    `${items.length} item(s): ${ORDER.map(k => `${n[k]} ${k}`).join(', ')}.`,
    '',
    '| Kind | Path | Model | Detail |',
    '| --- | --- | --- | --- |',
    ...items.map(
      i =>
        `| ${i.kind} | ${inlineCode(i.path)} | ${i.model ? inlineCode(modelCell(i), 80) : '—'} | ${escapeMarkdown(i.detail)} |`
    ),
    ''
  ].join('\n')
}

/** `modelgate reconcile`: the whole working tree against the registry. */
export async function runReconcile(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(
    args,
    {
      json: { type: 'boolean' },
      markdown: { type: 'boolean' },
      registry: { type: 'string' },
      config: { type: 'string' }
    },
    RECONCILE_USAGE,
    false
  )
  if (values.help) {
    io.stdout.write(RECONCILE_USAGE)
    return 0
  }
  if (values.json && values.markdown)
    throw new UsageError('--json and --markdown cannot be combined.', RECONCILE_USAGE)
  const log = stderrLogger(io, values.verbose === true)
  const { root } = await findRoot(io.cwd)
  const settings = await cliSettings(root, values, log)
  if (settings.location.kind !== 'local') {
    throw new ConfigurationError(
      'reconcile compares the working tree with an in-repo registry; this repository uses a central registry.',
      'Run the Action on `schedule` or `workflow_dispatch` for a central registry, or pass --registry with a local copy.'
    )
  }
  const registry = await readLocalRegistry(root, settings.location)
  if (registry.state === 'missing') {
    throw new ConfigurationError(
      `There is no registry file ${registry.path}.`,
      'Create it with `npx modelgate register --init`.'
    )
  }
  if (registry.state === 'broken') {
    throw new ConfigurationError(
      `The registry ${registry.path} is invalid:\n${issueLines(registry.path, registry.parse.issues)}`,
      'Fix the registry file first.'
    )
  }
  const { tree, progress } = await openWorkingTree(root, io)
  let report
  try {
    report = await judge({
      context: {
        trigger: 'cli reconcile',
        head: 'working-tree',
        registrySource: registry.path,
        registryRef: 'head'
      },
      mode: 'enforce',
      tree,
      registry: {
        location: settings.location,
        registryRef: 'head',
        onUnavailable: 'fail',
        trustedCommit: 'working-tree',
        headCommit: 'working-tree',
        readAt: (_commit, path) => readWorkingFile(root, path, REGISTRY_MAX_BYTES),
        readCentral: () => Promise.reject(new Error('not used'))
      },
      policy: settings.policy,
      isIncluded: settings.isIncluded,
      today: new Date(),
      log,
      reconcile: true
    })
  } finally {
    progress?.clear()
    await tree.save()
  }
  log.debug(`hash cache: ${tree.stats.hits} hit(s), ${tree.stats.misses} miss(es)`)
  const items = reconcileItems(report, registry.parse.index)
  if (values.json) io.stdout.write(`${JSON.stringify({ items, counts: counts(items) }, null, 2)}\n`)
  else io.stdout.write(values.markdown ? markdown(items) : table(items, io))
  return items.length > 0 ? 1 : 0
}
