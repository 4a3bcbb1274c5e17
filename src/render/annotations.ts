import { rule, type Severity } from '../core/policy/rules.js'
import type { Finding, GateReport } from '../core/report/model.js'
import { forLog } from './escape.js'

/**
 * GitHub shows at most 10 error and 10 warning annotations per step (and 10 notices); more are
 * dropped silently. So each level keeps 9 individual annotations and folds the rest into one
 * "and N more" annotation that points at the job summary.
 * https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions
 */
export const ANNOTATIONS_PER_LEVEL = 10

export interface AnnotationSpec {
  level: Severity
  title: string
  message: string
  file?: string
  line?: number
  column?: number
}

function toSpec(finding: Finding, mode: GateReport['mode']): AnnotationSpec {
  // In warn mode nothing fails, so errors are shown as warnings to match the verdict.
  const level: Severity = mode === 'warn' && finding.severity === 'error' ? 'warning' : finding.severity
  const fix = finding.command
    ? ` Fix: ${finding.command}`
    : finding.fix
      ? ` Fix: ${finding.fix.split('\n')[0]}`
      : ''
  return {
    level,
    title: `${finding.code} ${rule(finding.code).title}`,
    message: forLog(`${finding.message}${fix}`, 2000),
    ...(finding.path !== undefined ? { file: finding.path } : {}),
    ...(finding.line !== undefined ? { line: finding.line } : {}),
    ...(finding.column !== undefined ? { column: finding.column } : {})
  }
}

/** Plans the annotations for a report: capped per level, with one aggregate line per level. */
export function planAnnotations(report: GateReport): AnnotationSpec[] {
  const specs = report.findings.filter(f => f.code !== 'MG011').map(f => toSpec(f, report.mode))
  const planned: AnnotationSpec[] = []
  for (const level of ['error', 'warning', 'notice'] as const) {
    const ofLevel = specs.filter(s => s.level === level)
    if (ofLevel.length <= ANNOTATIONS_PER_LEVEL) {
      planned.push(...ofLevel)
      continue
    }
    const shown = ofLevel.slice(0, ANNOTATIONS_PER_LEVEL - 1)
    planned.push(...shown, {
      level,
      title: `ModelGate: and ${ofLevel.length - shown.length} more`,
      message: `${ofLevel.length - shown.length} more ${level} findings are listed in the job summary.`
    })
  }
  return planned
}
