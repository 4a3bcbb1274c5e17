import picomatch from 'picomatch'
import { parseConfig, resolveConfig } from '../core/config/parse.js'
import { DEFAULT_CONFIG_PATH, type RegistryLocation } from '../core/config/schema.js'
import type { ResolvedConfig } from '../core/config/parse.js'
import type { PolicySettings } from '../core/policy/evaluate.js'
import { findRule, type Severity } from '../core/policy/rules.js'
import type { Mode } from '../core/report/model.js'
import type { SourceIssue } from '../core/yaml/load.js'
import { ConfigurationError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { CommentPolicy } from '../github/sticky-comment.js'

/** Everything the gate needs from the policy file and inputs, resolved once. */
export interface GateSettings {
  mode: Mode
  comment: CommentPolicy
  location: RegistryLocation
  registryRef: 'head' | 'base'
  onUnavailable: 'fail' | 'warn'
  policy: PolicySettings
  isIncluded: (path: string) => boolean
  config: ResolvedConfig
}

export interface SettingsRequest {
  /** Inline values (action inputs or CLI flags); undefined means unset. */
  inputs: Partial<Record<string, string>>
  /** The policy file named by the user; undefined means the default path if present. */
  configPath: string | undefined
  /** Reads the policy file from the trusted commit; null when absent. */
  readConfig(path: string): Promise<Uint8Array | null>
  /** True on release events, where release strictness applies. */
  release: boolean
  log: Logger
}

function issuesText(file: string, issues: readonly SourceIssue[]): string {
  return issues
    .slice(0, 5)
    .map(issue => `${file}:${issue.line}:${issue.column}: ${issue.message}`)
    .join('; ')
}

/** Reads the policy file (from the trusted commit) and merges the inline values over it. */
export async function loadSettings(request: SettingsRequest): Promise<GateSettings> {
  const path = request.configPath ?? DEFAULT_CONFIG_PATH
  const bytes = await request.readConfig(path)
  if (bytes === null && request.configPath !== undefined) {
    throw new ConfigurationError(
      `The policy file ${path} does not exist at the trusted commit.`,
      'Commit the policy file to the base branch first, or fix the `config` input.'
    )
  }
  let fileValues: unknown
  let lineOf: ((path: (string | number)[]) => { line: number; column: number }) | undefined
  if (bytes !== null) {
    const parsed = parseConfig(bytes)
    if (!parsed.ok) {
      throw new ConfigurationError(
        `The policy file is invalid: ${issuesText(path, parsed.issues)}.`,
        'Fix the policy file on the base branch.'
      )
    }
    fileValues = parsed.values
    lineOf = parsed.lineOf
    request.log.info(`Policy file: ${path} (read from the trusted commit).`)
  }
  const resolved = resolveConfig(fileValues, request.inputs, lineOf ? { lineOf } : {})
  if (!resolved.ok) {
    throw new ConfigurationError(
      `The settings are invalid: ${issuesText(bytes ? path : 'inputs', resolved.issues)}.`,
      'Fix the action inputs or the policy file.'
    )
  }
  return settingsFrom(resolved.config, request.release)
}

/** Turns a validated config into the gate's settings. */
export function settingsFrom(config: ResolvedConfig, release: boolean): GateSettings {
  const severity = new Map<string, Severity | 'off'>()
  for (const [key, value] of Object.entries(config.severity)) {
    const known = findRule(key)
    if (!known) {
      throw new ConfigurationError(
        `The policy file names an unknown finding ${JSON.stringify(key)}.`,
        'Use a code such as MG001 or a slug such as unregistered-model (README: findings).'
      )
    }
    severity.set(known.code, value)
  }
  const include = config.include.length > 0 ? picomatch(config.include, { dot: true }) : () => true
  const exclude = config.exclude.length > 0 ? picomatch(config.exclude, { dot: true }) : () => false
  return {
    mode: config.mode,
    comment: config.comment,
    location: config.registryLocation,
    registryRef: config.registryRef,
    onUnavailable: config.registryUnavailable,
    policy: {
      severity,
      requiredMetadata: config.requiredMetadata,
      requireApprovedVersions: release && config.release.requireApproved,
      unsafeSerialization: config.unsafeSerialization
    },
    isIncluded: path => include(path) && !exclude(path),
    config
  }
}
