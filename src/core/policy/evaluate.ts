import type { ModelArtifact, SkippedEntry } from '../detect/artifact.js'
import type { RegistryChange } from '../registry/diff.js'
import { matchException } from '../registry/exceptions.js'
import type { RegistryIndex, VersionRef } from '../registry/index.js'
import type { RegistryException, UseCase } from '../registry/schema.js'
import {
  compareFindings,
  verdictOf,
  type ExceptionUse,
  type Finding,
  type GateContext,
  type GateReport,
  type Mode,
  type ModelReport,
  type ModelStatus
} from '../report/model.js'
import { registerCommand, registryEntrySnippet } from './fixes.js'
import { reconcileFindings } from './reconcile.js'
import { rule, RULES, type FindingCode, type Severity } from './rules.js'
import { skippedFinding } from './skipped.js'

/**
 * The registry as the gate may trust it. Use cases and exceptions are governance-owned, so they
 * come only from the trusted source (the base commit or the central registry). Model entries are
 * developer-owned and come from head (default) or base (`registry-ref: base`).
 */
export interface RegistryView {
  /** Repo-relative path or `owner/repo/path@ref`, for messages. */
  source: string
  /** The registry file inside this repository, for annotations; undefined for a central registry. */
  file?: string
  trustedUseCases: ReadonlyMap<string, UseCase>
  /** Use cases as the change spells them: used only to explain why one is not trusted yet. */
  proposedUseCases: ReadonlyMap<string, UseCase>
  trustedExceptions: readonly RegistryException[]
  /** Model entries the gate accepts. */
  models: RegistryIndex
  /** Model entries already merged, to tell which entries this change registers; null if none. */
  mergedModels: RegistryIndex | null
}

export interface PolicySettings {
  /** Per-code severity overrides (`off` drops the finding). */
  severity: ReadonlyMap<string, Severity | 'off'>
  /** Model or version fields that must be set, e.g. `owner`, `source`, `frameworkVersion`. */
  requiredMetadata: readonly string[]
  /** Release strictness: only `status: approved` versions pass. */
  requireApprovedVersions: boolean
  /**
   * Pickles that import code: `fail` always fails, `allow-with-exception` fails unless an active
   * exception covers the path, `warn` reports a warning.
   */
  unsafeSerialization: 'fail' | 'allow-with-exception' | 'warn'
}

export interface GateInput {
  context: GateContext
  mode: Mode
  artifacts: readonly ModelArtifact[]
  skipped: readonly SkippedEntry[]
  /** Model files the change deleted, reported for information. */
  deleted: readonly string[]
  /** New path -> old path for files the change moved, so a moved model is not "new". */
  renamedFrom: ReadonlyMap<string, string>
  /** Null when the registry could not be read; `findings` then carries why. */
  registry: RegistryView | null
  /** Findings raised before policy ran (invalid registry, incomplete change set, ...). */
  findings: readonly Finding[]
  registryChanges: readonly RegistryChange[]
  policy: PolicySettings
  today: Date
  /**
   * Whole-tree reconciliation: also report registered paths that hold nothing any more (stale)
   * and expired exceptions that cover no file. Only meaningful when every model was scanned.
   */
  reconcile?: boolean
}

const VERSION_FIELDS = new Set(['frameworkVersion', 'format', 'status'])

/** Judges every artifact against the registry and policy, and builds the one report model. */
export function evaluate(input: GateInput): GateReport {
  const findings: Finding[] = [...input.findings]
  const exceptionUses: ExceptionUse[] = []
  const models: ModelReport[] = input.artifacts.map(artifact => {
    const own = judgeArtifact(artifact, input, exceptionUses)
    findings.push(...own.findings)
    return own
  })

  for (const path of input.deleted) {
    findings.push({
      code: 'MG014',
      severity: 'notice',
      message: `Model file ${path} is deleted by this change.`,
      path,
      fix: 'If the model is retired, mark its registry version `status: retired`.'
    })
  }
  for (const entry of input.skipped) findings.push(skippedFinding(entry))
  if (input.reconcile && input.registry) {
    findings.push(...reconcileFindings(input.artifacts, input.registry, input.today))
  }
  for (const change of input.registryChanges) {
    findings.push({
      code: 'MG011',
      severity: 'notice',
      message: `Registry ${change.kind.replace(/-/g, ' ')}: ${change.name}. ${change.detail}`,
      ...(input.registry?.file ? { path: input.registry.file } : {}),
      fix: 'Reviewers: check this registry change before approving the pull request.'
    })
  }

  const judged = applySeverity(findings, input.policy.severity).sort(compareFindings)
  const kept = new Set(judged)
  for (const model of models) {
    model.findings = model.findings.filter(f => kept.has(f))
    model.verdict =
      model.status === 'excepted' && model.findings.length === 0
        ? 'pass'
        : verdictOf(model.findings, input.mode)
  }

  const count = (severity: Severity): number => judged.filter(f => f.severity === severity).length
  return {
    verdict: verdictOf(judged, input.mode),
    mode: input.mode,
    context: input.context,
    models,
    findings: judged,
    registryChanges: [...input.registryChanges],
    exceptions: exceptionUses,
    skipped: [...input.skipped],
    counts: {
      models: models.length,
      findings: judged.length,
      errors: count('error'),
      warnings: count('warning'),
      notices: count('notice'),
      unregistered: models.filter(m => m.status === 'unregistered' || m.status === 'unregistered-version')
        .length
    }
  }
}

/**
 * Findings a policy file may not turn off or soften: an incomplete change set means the gate did
 * not see everything, and a gate must never pass on what it did not see (THREATS 10).
 */
const FAIL_CLOSED_CODES: ReadonlySet<string> = new Set(['MG010'])

function applySeverity(findings: Finding[], overrides: ReadonlyMap<string, Severity | 'off'>): Finding[] {
  const result: Finding[] = []
  for (const finding of findings) {
    const override = FAIL_CLOSED_CODES.has(finding.code)
      ? undefined
      : (overrides.get(finding.code) ?? overrides.get(rule(finding.code).slug))
    if (override === 'off') continue
    if (override) finding.severity = override
    result.push(finding)
  }
  return result
}

function finding(
  code: FindingCode,
  artifact: ModelArtifact,
  fields: Omit<Finding, 'code' | 'severity'>
): Finding {
  return {
    code,
    severity: RULES.get(code)!.defaultSeverity,
    artifact: artifact.path,
    path: artifact.path,
    ...fields
  }
}

function judgeArtifact(
  artifact: ModelArtifact,
  input: GateInput,
  exceptionUses: ExceptionUse[]
): ModelReport {
  const findings: Finding[] = []
  const report: ModelReport = { artifact, status: 'unregistered', verdict: 'pass', findings }
  const serialization = serializationFindings(artifact)
  for (const item of serialization) {
    if (item.code === 'MG007' && input.policy.unsafeSerialization === 'warn') item.severity = 'warning'
  }
  findings.push(...serialization)
  if (artifact.malformed) {
    findings.push(
      finding('MG017', artifact, {
        message: `${artifact.path} looks like ${artifact.format} but is malformed: ${artifact.malformed}.`,
        fix: 'Re-export the model with its framework, or remove the damaged file.'
      })
    )
  }
  if (artifact.escapingOutputs && artifact.escapingOutputs.length > 0) {
    findings.push(
      finding('MG021', artifact, {
        message: `${artifact.path} points at ${artifact.escapingOutputs.join(', ')}, outside the repository; ModelGate never follows it.`,
        fix: 'Keep DVC outputs inside the repository, so the model they stand for can be registered and judged.'
      })
    )
  }
  const registry = input.registry
  if (!registry) return report

  const exception = findException(artifact, registry, input.today)
  if (exception) {
    exceptionUses.push(exception)
    if (exception.state === 'expired') {
      findings.push(
        finding('MG008', artifact, {
          message: `The exception for ${exception.pattern} (owner ${exception.owner}) expired on ${exception.expires}.`,
          fix: 'Register the model, or ask the exception owner to renew it with a new expiry date.'
        })
      )
    } else {
      findings.push(
        finding('MG020', artifact, {
          message: `Covered by the exception for ${exception.pattern} (owner ${exception.owner}, ${exception.daysLeft} days left): ${exception.reason}`
        })
      )
      report.status = 'excepted'
      // An exception waives registration; it waives unsafe pickles only when the policy says so.
      if (input.policy.unsafeSerialization !== 'fail') {
        report.findings = findings.filter(f => f.code !== 'MG007')
      }
      return report
    }
  }

  const atPath = registry.models.versionsByPath.get(artifact.path) ?? []
  const matched = atPath.find(ref => ref.version.sha256 === artifact.digest)
  if (!matched) {
    report.status = atPath.length > 0 ? 'unregistered-version' : 'unregistered'
    findings.push(unregisteredFinding(artifact, atPath, registry, input.renamedFrom))
    return report
  }

  report.registeredAs = {
    model: matched.modelName,
    version: matched.version.version,
    useCases: [...matched.model.useCases]
  }
  report.status = registeredStatus(matched, registry)
  findings.push(...useCaseFindings(artifact, matched, registry))
  findings.push(...metadataFindings(artifact, matched, input.policy.requiredMetadata))
  if (input.policy.requireApprovedVersions && matched.version.status !== 'approved') {
    findings.push(
      finding('MG018', artifact, {
        message: `${matched.modelName} ${matched.version.version} is ${matched.version.status}; releases ship only approved versions.`,
        fix: `Have the model owner set \`status: approved\` on version ${matched.version.version} once it is reviewed.`
      })
    )
  }
  return report
}

function registeredStatus(matched: VersionRef, registry: RegistryView): ModelStatus {
  const merged = registry.mergedModels?.versionsByDigest.get(matched.version.sha256) ?? []
  const alreadyMerged = merged.some(
    ref => ref.modelName === matched.modelName && ref.version.path === matched.version.path
  )
  return alreadyMerged ? 'registered' : 'registered-in-this-change'
}

function unregisteredFinding(
  artifact: ModelArtifact,
  atPath: readonly VersionRef[],
  registry: RegistryView,
  renamedFrom: ReadonlyMap<string, string>
): Finding {
  const command = registerCommand(artifact.path)
  if (atPath.length > 0) {
    const model = atPath[0]!.modelName
    return finding('MG002', artifact, {
      message: `${artifact.path} is registered as ${model}, but these bytes (sha256 ${artifact.digest.slice(0, 12)}…) are not a registered version.`,
      fix: `Register the new version of ${model}, or restore the registered bytes.`,
      command
    })
  }
  const movedFrom = renamedFrom.get(artifact.path)
  const sameBytes = registry.models.versionsByDigest.get(artifact.digest) ?? []
  const moved = sameBytes.find(ref => movedFrom === undefined || ref.version.path === movedFrom)
  if (moved) {
    return finding('MG013', artifact, {
      message: `${artifact.path} has the bytes of ${moved.modelName} ${moved.version.version}, registered at ${moved.version.path}.`,
      fix: `Update \`path:\` of ${moved.modelName} ${moved.version.version} to the new location.`
    })
  }
  return finding('MG001', artifact, {
    message: `${artifact.path} (${artifact.format}) is not in the model registry.`,
    fix: `Register it, then commit the registry change:\n${registryEntrySnippet(artifact)}`,
    command
  })
}

function useCaseFindings(artifact: ModelArtifact, matched: VersionRef, registry: RegistryView): Finding[] {
  const result: Finding[] = []
  const name = matched.modelName
  if (matched.model.useCases.length === 0) {
    result.push(
      finding('MG003', artifact, {
        message: `${name} is registered but linked to no use case.`,
        fix: `Add an approved use case id to \`useCases:\` of ${name}.`
      })
    )
  }
  for (const id of matched.model.useCases) {
    const trusted = registry.trustedUseCases.get(id)
    if (!trusted) {
      const proposed = registry.proposedUseCases.get(id)
      result.push(
        finding('MG004', artifact, {
          message: proposed
            ? `${name} links use case ${id}, which this change adds; a use case is not approved until governance has merged it.`
            : `${name} links use case ${id}, which is not in the registry's use cases.`,
          fix: proposed
            ? `Propose use case ${id} in its own change for governance to merge, or link an approved use case.`
            : `Link one of the approved use cases (${approvedIds(registry)}), or have governance add ${id}.`
        })
      )
    } else if (trusted.status !== 'approved') {
      result.push(
        finding('MG005', artifact, {
          message: `${name} links use case ${id}, whose status is ${trusted.status}.`,
          fix: `Ask the use case owner (${trusted.owner}) to get it approved, or link an approved use case.`
        })
      )
    }
  }
  return result
}

function approvedIds(registry: RegistryView): string {
  const ids = [...registry.trustedUseCases]
    .filter(([, useCase]) => useCase.status === 'approved')
    .map(([id]) => id)
  return ids.length > 0 ? ids.join(', ') : 'none yet'
}

function metadataFindings(
  artifact: ModelArtifact,
  matched: VersionRef,
  required: readonly string[]
): Finding[] {
  const missing = required.filter(field => {
    const holder: Record<string, unknown> = VERSION_FIELDS.has(field) ? matched.version : matched.model
    const value = Object.prototype.hasOwnProperty.call(holder, field) ? holder[field] : undefined
    return (
      value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)
    )
  })
  if (missing.length === 0) return []
  return [
    finding('MG006', artifact, {
      message: `${matched.modelName} ${matched.version.version} lacks required metadata: ${missing.join(', ')}.`,
      fix: `Fill ${missing.join(', ')} in the registry entry of ${matched.modelName}.`
    })
  ]
}

function serializationFindings(artifact: ModelArtifact): Finding[] {
  const scan = artifact.pickle
  if (!scan) return []
  if (scan.unsafeGlobals.length > 0 || scan.error) {
    const what = scan.error
      ? `its pickle stream could not be parsed (${scan.error}), so it cannot be shown to be safe`
      : `its pickle imports ${scan.unsafeGlobals.join(', ')}, which can run code when loaded`
    return [
      finding('MG007', artifact, {
        message: `${artifact.path}: ${what}.`,
        fix: 'Do not load this file. Re-export the model in a format that cannot run code (safetensors, ONNX).'
      })
    ]
  }
  return [
    finding('MG019', artifact, {
      message: `${artifact.path} is pickle-based (${artifact.format}); loading a pickle can run code.`,
      fix: 'Prefer safetensors or ONNX for weights that are shared.'
    })
  ]
}

function findException(
  artifact: ModelArtifact,
  registry: RegistryView,
  today: Date
): ExceptionUse | undefined {
  const match = matchException(registry.trustedExceptions, artifact.path, today)
  if (!match) return undefined
  return {
    path: artifact.path,
    pattern: match.exception.path,
    owner: match.exception.owner,
    reason: match.exception.reason,
    expires: match.exception.expires,
    daysLeft: match.daysLeft,
    state: match.state
  }
}
