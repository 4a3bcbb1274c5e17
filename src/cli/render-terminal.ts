import type { Finding, GateReport, ModelReport } from '../core/report/model.js'
import { headline } from '../render/markdown.js'
import { showControls, truncateMiddle } from '../render/escape.js'
import type { Colours } from './io.js'

/**
 * The compact terminal rendering of the report model, for `modelgate check`. It shows the same
 * findings, fixes and commands as the CI channels. File names are attacker data: control
 * characters are made visible, so an escape sequence in a name cannot repaint the terminal.
 */
export function shown(text: string, max = 160): string {
  return truncateMiddle(showControls(text), max)
}

function indent(text: string, pad: string): string {
  return text
    .split('\n')
    .map(line => (line === '' ? line : pad + shown(line, 400)))
    .join('\n')
}

function statusLine(model: ModelReport, c: Colours): string {
  const mark = model.verdict === 'pass' ? c.green('✔') : model.verdict === 'warn' ? c.yellow('!') : c.red('✖')
  const as = model.registeredAs ? ` as ${model.registeredAs.model}@${model.registeredAs.version}` : ''
  return `  ${mark} ${shown(model.artifact.path)}  ${c.dim(`${model.artifact.format}, ${model.status.replace(/-/g, ' ')}${shown(as, 80)}`)}`
}

function findingBlock(finding: Finding, c: Colours): string {
  const label =
    finding.severity === 'error'
      ? c.red('error  ')
      : finding.severity === 'warning'
        ? c.yellow('warning')
        : c.cyan('notice ')
  const where =
    finding.path !== undefined
      ? ` ${shown(finding.path)}${finding.line ? `:${finding.line}:${finding.column ?? 1}` : ''}`
      : ''
  const lines = [`  ${label} ${c.bold(finding.code)}${where}`, indent(finding.message, '          ')]
  if (finding.command) {
    if (finding.fix)
      lines.push(`          ${c.dim('fix:')} ${shown(finding.fix.split('\n')[0]!.replace(/:$/, '.'), 400)}`)
    lines.push(`          ${c.cyan('$')} ${shown(finding.command, 400)}`)
  } else if (finding.fix) {
    const [first = '', ...rest] = finding.fix.split('\n')
    lines.push(`          ${c.dim('fix:')} ${shown(first, 400)}`)
    if (rest.length > 0) lines.push(indent(rest.join('\n'), '               '))
  }
  return lines.join('\n')
}

/** Renders the report for a terminal (or a pre-commit log). Ends with a newline. */
export function renderTerminal(report: GateReport, c: Colours): string {
  const ctx = report.context
  const verdict =
    report.verdict === 'pass' ? c.green('PASS') : report.verdict === 'warn' ? c.yellow('WARN') : c.red('FAIL')
  const range = ctx.base ? `${ctx.base.slice(0, 12)}…${ctx.head.slice(0, 12)}` : ctx.head.slice(0, 12)
  const out = [
    `${c.bold(verdict)} ${headline(report)}`,
    c.dim(
      `Judged ${ctx.filesJudged} file${ctx.filesJudged === 1 ? '' : 's'} (${shown(ctx.trigger)}, ${shown(range)}). Registry ${shown(ctx.registrySource)}: use cases from the trusted base, models from ${ctx.registryRef === 'base' ? 'the base' : 'the working tree'}.`
    )
  ]
  if (report.models.length > 0) {
    out.push('', c.bold('Models'))
    for (const model of report.models) out.push(statusLine(model, c))
  }
  if (report.findings.length > 0) {
    out.push('', c.bold('Findings'))
    for (const finding of report.findings) out.push(findingBlock(finding, c))
  }
  return `${out.join('\n')}\n`
}
