import type { GateReport } from '../core/report/model.js'

/**
 * JSON renderings of the report: the full report file, and the compact `models` and `findings`
 * outputs. Outputs share a 1 MB-per-job budget on GitHub, so each output is capped and says so.
 */

/** Largest value we put in one output, leaving room for the others within GitHub's job limit. */
export const OUTPUT_MAX_CHARS = 256 * 1024

export function reportJson(report: GateReport): string {
  return `${JSON.stringify({ schemaVersion: 1, ...report }, null, 2)}\n`
}

function capped(items: readonly unknown[]): string {
  let count = items.length
  let text = JSON.stringify(items)
  while (text.length > OUTPUT_MAX_CHARS && count > 0) {
    count = Math.floor(count / 2)
    text = JSON.stringify([...items.slice(0, count), { truncated: items.length - count }])
  }
  return text
}

export function modelsOutput(report: GateReport): string {
  return capped(
    report.models.map(m => ({
      path: m.artifact.path,
      files: m.artifact.files,
      format: m.artifact.format,
      framework: m.artifact.framework,
      digest: m.artifact.digest,
      status: m.status,
      verdict: m.verdict,
      ...(m.registeredAs ? { registeredAs: m.registeredAs } : {})
    }))
  )
}

export function findingsOutput(report: GateReport): string {
  return capped(
    report.findings.map(f => ({
      code: f.code,
      severity: f.severity,
      message: f.message,
      ...(f.path !== undefined ? { path: f.path } : {}),
      ...(f.line !== undefined ? { line: f.line } : {}),
      ...(f.command !== undefined ? { command: f.command } : {})
    }))
  )
}
