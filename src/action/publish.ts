import * as core from '@actions/core'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { GateReport } from '../core/report/model.js'
import { messageOf } from '../errors.js'
import type { Logger } from '../logger.js'
import { planAnnotations } from '../render/annotations.js'
import { renderSummary } from '../render/markdown.js'
import { reportJson, modelsOutput, findingsOutput } from '../render/json.js'

/**
 * The Action's report channels. Annotations and outputs carry the verdict; the summary and the
 * report file are best-effort: their failure is warned about and never changes the verdict.
 */

/** Emits annotations through the toolkit, which escapes message and property data. */
export function emitAnnotations(report: GateReport): void {
  for (const spec of planAnnotations(report)) {
    const properties: core.AnnotationProperties = { title: spec.title }
    // The toolkit escapes property values (%, CR, LF, `:` and `,`), so the real path is passed:
    // the annotation then lands on the real file, and a newline cannot end the command.
    if (spec.file !== undefined) properties.file = spec.file
    if (spec.line !== undefined) properties.startLine = spec.line
    if (spec.column !== undefined) properties.startColumn = spec.column
    if (spec.level === 'error') core.error(spec.message, properties)
    else if (spec.level === 'warning') core.warning(spec.message, properties)
    else core.notice(spec.message, properties)
  }
}

export function setOutputs(report: GateReport, reportFile: string | undefined): void {
  core.setOutput('verdict', report.verdict)
  core.setOutput('models', modelsOutput(report))
  core.setOutput('findings', findingsOutput(report))
  core.setOutput('unregistered-count', String(report.counts.unregistered))
  core.setOutput('error-count', String(report.counts.errors))
  core.setOutput('warning-count', String(report.counts.warnings))
  if (reportFile) core.setOutput('report-file', reportFile)
}

export async function writeSummary(report: GateReport, log: Logger): Promise<void> {
  try {
    await core.summary.addRaw(renderSummary(report), true).write()
  } catch (error) {
    log.warning(`Could not write the job summary (the verdict stands): ${messageOf(error)}`)
  }
}

/** Writes the full JSON report under RUNNER_TEMP and returns its path, or undefined on failure. */
export async function writeReportFile(
  report: GateReport,
  directory: string | undefined,
  log: Logger
): Promise<string | undefined> {
  if (!directory) return undefined
  const path = join(directory, 'modelgate-report.json')
  try {
    await writeFile(path, reportJson(report))
    return path
  } catch (error) {
    log.warning(`Could not write the JSON report (the verdict stands): ${messageOf(error)}`)
    return undefined
  }
}
