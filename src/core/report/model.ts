import type { ModelArtifact, SkippedEntry } from '../detect/artifact.js'
import type { FindingCode, Severity } from '../policy/rules.js'
import type { RegistryChange } from '../registry/diff.js'

/**
 * The report model: the verdict is computed once, here, and every channel (annotations,
 * summary, comment, outputs, CLI) renders this same object. Strings inside are raw; each
 * renderer escapes for its own medium.
 */

export type Verdict = 'pass' | 'warn' | 'fail'
export type Mode = 'enforce' | 'warn'

export interface Finding {
  code: FindingCode
  severity: Severity
  /** One sentence saying what is wrong, in plain text. */
  message: string
  /** The file the finding is about (a model member, or the registry file). */
  path?: string
  /** 1-based position, for findings inside the registry or config file. */
  line?: number
  column?: number
  /** What to do about it, in plain text. */
  fix?: string
  /** The exact command that fixes it, when there is one (shown as code). */
  command?: string
  /** The artifact this finding belongs to, when it is about a model. */
  artifact?: string
}

export type ModelStatus =
  | 'registered'
  | 'registered-in-this-change'
  | 'unregistered'
  | 'unregistered-version'
  | 'excepted'
  | 'deleted'

export interface ModelReport {
  artifact: ModelArtifact
  status: ModelStatus
  /** The registry entry this artifact matched, when it matched one. */
  registeredAs?: { model: string; version: string; useCases: string[] }
  verdict: Verdict
  /** Findings about this artifact (also present in GateReport.findings). */
  findings: Finding[]
}

export interface ExceptionUse {
  path: string
  pattern: string
  owner: string
  reason: string
  expires: string
  daysLeft: number
  state: 'active' | 'expiring' | 'expired'
}

export interface GateContext {
  /** The event or command that produced the report, e.g. `pull_request` or `cli check`. */
  trigger: string
  repository?: string
  pullRequest?: number
  base?: string
  head: string
  /** Files in the change set (or tree) that were examined. Always shown, so an empty gate is visible. */
  filesJudged: number
  /** Where use cases and model entries were read from, for the reader. */
  registrySource: string
  registryRef: 'head' | 'base'
}

export interface GateReport {
  verdict: Verdict
  mode: Mode
  context: GateContext
  models: ModelReport[]
  findings: Finding[]
  registryChanges: RegistryChange[]
  exceptions: ExceptionUse[]
  skipped: SkippedEntry[]
  counts: {
    models: number
    findings: number
    errors: number
    warnings: number
    notices: number
    unregistered: number
  }
}

/** Orders findings for display: errors first, then by path, then by code. Stable for tests. */
export function compareFindings(a: Finding, b: Finding): number {
  const rank = { error: 0, warning: 1, notice: 2 } as const
  return (
    rank[a.severity] - rank[b.severity] ||
    (a.path ?? '').localeCompare(b.path ?? '') ||
    a.code.localeCompare(b.code) ||
    a.message.localeCompare(b.message)
  )
}

/** The verdict for a set of findings under a mode: errors fail (or warn in warn mode), warnings warn. */
export function verdictOf(findings: readonly Finding[], mode: Mode): Verdict {
  if (findings.some(f => f.severity === 'error')) return mode === 'enforce' ? 'fail' : 'warn'
  if (findings.some(f => f.severity === 'warning')) return 'warn'
  return 'pass'
}
