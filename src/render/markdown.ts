import { rule } from '../core/policy/rules.js'
import type { Finding, GateReport, ModelReport, Verdict } from '../core/report/model.js'
import { escapeMarkdown, inlineCode } from './escape.js'

/**
 * Markdown for the job summary and the sticky PR comment, rendered from the one report model.
 * Every attacker-controlled string passes through escapeMarkdown or inlineCode.
 */

/** GitHub rejects a job summary larger than 1 MiB per step. */
export const SUMMARY_MAX_BYTES = 1024 * 1024
/** GitHub rejects an issue comment body over 65,536 characters. */
export const COMMENT_MAX_CHARS = 65_536

const VERDICT_ICON: Record<Verdict, string> = { pass: '✅', warn: '⚠️', fail: '❌' }
const SEVERITY_ICON = { error: '❌', warning: '⚠️', notice: 'ℹ️' } as const

export interface MarkdownOptions {
  /** Lines placed first (the comment's hidden markers). */
  preamble?: string[]
  /** Where the full report lives, linked when the compact form drops rows. */
  detailsUrl?: string
}

/** The headline: verdict plus what it is about, in plain words. */
export function headline(report: GateReport): string {
  const { counts } = report
  const judged = `${counts.models} model${counts.models === 1 ? '' : 's'}`
  if (report.verdict === 'pass') return `ModelGate passed: ${judged} checked, all governed`
  const problems = `${counts.errors} error${counts.errors === 1 ? '' : 's'}, ${counts.warnings} warning${counts.warnings === 1 ? '' : 's'}`
  if (report.verdict === 'fail') return `ModelGate failed: ${problems} across ${judged}`
  return report.mode === 'warn' && counts.errors > 0
    ? `ModelGate would fail (warn mode): ${problems} across ${judged}`
    : `ModelGate passed with warnings: ${problems} across ${judged}`
}

function contextLine(report: GateReport): string {
  const ctx = report.context
  const range = ctx.base
    ? `${inlineCode(ctx.base.slice(0, 12))}…${inlineCode(ctx.head.slice(0, 12))}`
    : inlineCode(ctx.head.slice(0, 12))
  const useCases =
    ctx.registryRef === 'base'
      ? 'use cases and models from the trusted base'
      : 'use cases from the trusted source, models from head'
  return [
    `Judged **${ctx.filesJudged}** file${ctx.filesJudged === 1 ? '' : 's'} (${escapeMarkdown(ctx.trigger)}, ${range}).`,
    `Registry ${inlineCode(ctx.registrySource)}: ${useCases}. Mode: ${report.mode}.`
  ].join(' ')
}

function statusText(model: ModelReport): string {
  const registered = model.registeredAs
    ? ` as ${inlineCode(`${model.registeredAs.model}@${model.registeredAs.version}`, 80)}`
    : ''
  return `${model.status.replace(/-/g, ' ')}${registered}`
}

function fixCell(model: ModelReport): string {
  const worst =
    model.findings.find(f => f.severity === 'error') ?? model.findings.find(f => f.severity === 'warning')
  if (!worst) return '—'
  if (worst.command) return inlineCode(worst.command, 240)
  return escapeMarkdown(worst.fix?.split('\n')[0] ?? rule(worst.code).title, 160)
}

function modelTable(models: readonly ModelReport[], limit: number): string[] {
  if (models.length === 0) return ['_No model files in what was judged._']
  const lines = ['| Model | Format | Status | Verdict | Fix |', '| --- | --- | --- | --- | --- |']
  for (const model of models.slice(0, limit)) {
    lines.push(
      `| ${inlineCode(model.artifact.path)} | ${escapeMarkdown(model.artifact.format)} | ${statusText(model)} | ${VERDICT_ICON[model.verdict]} ${model.verdict} | ${fixCell(model)} |`
    )
  }
  if (models.length > limit) lines.push(`| _and ${models.length - limit} more_ | | | | |`)
  return lines
}

/** A fenced block whose fence outlasts any backtick run inside; one array entry per line. */
function fence(text: string, lang: string): string[] {
  const longest = Math.max(2, ...Array.from(text.matchAll(/`+/g), m => m[0].length))
  const bar = '`'.repeat(longest + 1)
  return [`${bar}${lang}`, ...text.split('\n'), bar]
}

function findingItem(finding: Finding, withDetails: boolean): string[] {
  const where = finding.path
    ? ` ${inlineCode(finding.path)}${finding.line ? ` line ${finding.line}${finding.column ? `:${finding.column}` : ''}` : ''}`
    : ''
  const lines = [
    `- ${SEVERITY_ICON[finding.severity]} **${finding.code} ${rule(finding.code).title}**${where}: ${escapeMarkdown(finding.message, 600)}`
  ]
  if (!withDetails) return lines
  if (finding.command) lines.push(`  Fix: ${inlineCode(finding.command, 400)}`)
  const [firstLine, ...rest] = (finding.fix ?? '').split('\n')
  if (firstLine) lines.push(`  ${finding.command ? 'Or: ' : 'Fix: '}${escapeMarkdown(firstLine, 600)}`)
  if (rest.length > 0) {
    lines.push('', '  <details><summary>Registry lines</summary>', '')
    lines.push(...fence(rest.join('\n'), 'yaml').map(line => `  ${line}`))
    lines.push('', '  </details>')
  }
  return lines
}

function sections(report: GateReport, rowLimit: number, findingLimit: number): string[] {
  const out: string[] = []
  out.push('', ...modelTable(report.models, rowLimit))
  const actionable = report.findings.filter(f => f.severity !== 'notice')
  const notices = report.findings.filter(f => f.severity === 'notice' && f.code !== 'MG011')
  if (actionable.length > 0) {
    out.push('', '### What to fix', '')
    for (const finding of actionable.slice(0, findingLimit)) out.push(...findingItem(finding, true))
    if (actionable.length > findingLimit) out.push(`- _and ${actionable.length - findingLimit} more_`)
  }
  if (report.registryChanges.length > 0) {
    out.push('', '### Registry changes in this change (for reviewers)', '')
    for (const change of report.registryChanges.slice(0, findingLimit)) {
      out.push(
        `- **${change.kind.replace(/-/g, ' ')}**: ${inlineCode(change.name, 120)} ${escapeMarkdown(change.detail, 300)}`
      )
    }
    if (report.registryChanges.length > findingLimit)
      out.push(`- _and ${report.registryChanges.length - findingLimit} more_`)
  }
  if (report.exceptions.length > 0) {
    out.push(
      '',
      '### Exceptions in use',
      '',
      '| Path | Exception | Owner | Expires | Days left |',
      '| --- | --- | --- | --- | --- |'
    )
    for (const use of report.exceptions.slice(0, rowLimit)) {
      out.push(
        `| ${inlineCode(use.path)} | ${inlineCode(use.pattern, 120)} | ${escapeMarkdown(use.owner, 80)} | ${escapeMarkdown(use.expires, 40)} | ${use.state === 'expired' ? 'expired' : use.daysLeft} |`
      )
    }
  }
  if (notices.length > 0) {
    out.push('', '<details><summary>Notices</summary>', '')
    for (const finding of notices.slice(0, findingLimit)) out.push(...findingItem(finding, false))
    if (notices.length > findingLimit) out.push(`- _and ${notices.length - findingLimit} more_`)
    out.push('', '</details>')
  }
  return out
}

/**
 * Renders the report, dropping rows until it fits `maxLength` (measured by `measure`). The
 * compact forms keep the headline, the counts and the first failures, and point at the job
 * summary for the rest; they never change what the verdict says.
 */
export function renderMarkdown(
  report: GateReport,
  maxLength: number,
  measure: (text: string) => number,
  options: MarkdownOptions = {}
): string {
  const head = [
    ...(options.preamble ?? []),
    `## ${VERDICT_ICON[report.verdict]} ${headline(report)}`,
    '',
    contextLine(report)
  ]
  for (const [rows, items] of [
    [Infinity, Infinity],
    [500, 200],
    [100, 50],
    [20, 10],
    [5, 3]
  ] as const) {
    const body = sections(report, rows, items)
    const pointer =
      rows === Infinity
        ? []
        : [
            '',
            `_This is a shortened report. ${options.detailsUrl ? `[The job summary](${options.detailsUrl})` : 'The job summary'} lists everything._`
          ]
    const text = [...head, ...body, ...pointer, ''].join('\n')
    if (measure(text) <= maxLength) return text
  }
  return [...head, '', '_The report is too large to show here; see the job summary._', ''].join('\n')
}

/** The job summary: the full report, under GitHub's 1 MiB limit. */
export function renderSummary(report: GateReport): string {
  return renderMarkdown(report, SUMMARY_MAX_BYTES - 1024, text => Buffer.byteLength(text, 'utf8'))
}
