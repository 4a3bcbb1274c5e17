/**
 * The finding catalogue. Codes are stable: they are documented in the README, used as SARIF
 * rule ids, and referenced by policy files. Never renumber; retire a code instead.
 */
export type Severity = 'error' | 'warning' | 'notice'

export interface FindingRule {
  /** Stable code, e.g. `MG001`. */
  code: string
  /** Stable slug, e.g. `unregistered-model`; accepted wherever a code is. */
  slug: string
  /** Severity when the policy file does not override it. */
  defaultSeverity: Severity
  title: string
}

const RULE_LIST = [
  { code: 'MG001', slug: 'unregistered-model', defaultSeverity: 'error', title: 'Unregistered model' },
  {
    code: 'MG002',
    slug: 'unregistered-version',
    defaultSeverity: 'error',
    title: 'Unregistered version (digest mismatch)'
  },
  { code: 'MG003', slug: 'no-use-case', defaultSeverity: 'error', title: 'No use case linked' },
  { code: 'MG004', slug: 'unknown-use-case', defaultSeverity: 'error', title: 'Unknown use case' },
  { code: 'MG005', slug: 'use-case-not-approved', defaultSeverity: 'error', title: 'Use case not approved' },
  { code: 'MG006', slug: 'missing-metadata', defaultSeverity: 'error', title: 'Missing required metadata' },
  {
    code: 'MG007',
    slug: 'unsafe-serialization',
    defaultSeverity: 'error',
    title: 'Unsafe serialization (pickle imports code)'
  },
  { code: 'MG008', slug: 'expired-exception', defaultSeverity: 'error', title: 'Expired exception' },
  { code: 'MG009', slug: 'invalid-registry', defaultSeverity: 'error', title: 'Invalid registry' },
  { code: 'MG010', slug: 'incomplete-change-set', defaultSeverity: 'error', title: 'Incomplete change set' },
  {
    code: 'MG011',
    slug: 'registry-changed',
    defaultSeverity: 'notice',
    title: 'Registry changed in this change'
  },
  { code: 'MG012', slug: 'stale-entry', defaultSeverity: 'warning', title: 'Stale registry entry' },
  {
    code: 'MG013',
    slug: 'registry-path-stale',
    defaultSeverity: 'error',
    title: 'Registered model moved; registry path is stale'
  },
  { code: 'MG014', slug: 'model-deleted', defaultSeverity: 'notice', title: 'Model deleted' },
  {
    code: 'MG015',
    slug: 'unverifiable-submodule',
    defaultSeverity: 'error',
    title: 'Submodule change cannot be verified'
  },
  { code: 'MG016', slug: 'symlink', defaultSeverity: 'warning', title: 'Symlink not followed' },
  { code: 'MG017', slug: 'malformed-model', defaultSeverity: 'error', title: 'Malformed model file' },
  {
    code: 'MG018',
    slug: 'version-not-approved',
    defaultSeverity: 'error',
    title: 'Version not approved for release'
  },
  {
    code: 'MG019',
    slug: 'pickle-serialization',
    defaultSeverity: 'notice',
    title: 'Pickle-based serialization'
  },
  { code: 'MG020', slug: 'exception-applied', defaultSeverity: 'notice', title: 'Exception applied' },
  {
    code: 'MG021',
    slug: 'pointer-escapes-repository',
    defaultSeverity: 'error',
    title: 'Pointer path escapes the repository'
  }
] as const satisfies readonly FindingRule[]

export type FindingCode = (typeof RULE_LIST)[number]['code']
export type FindingSlug = (typeof RULE_LIST)[number]['slug']

export const RULES: ReadonlyMap<FindingCode, FindingRule> = new Map(RULE_LIST.map(rule => [rule.code, rule]))

const BY_SLUG: ReadonlyMap<string, FindingRule> = new Map(RULE_LIST.map(rule => [rule.slug, rule]))

/** Looks a rule up by code (`MG001`) or slug (`unregistered-model`). */
export function findRule(codeOrSlug: string): FindingRule | undefined {
  return RULES.get(codeOrSlug as FindingCode) ?? BY_SLUG.get(codeOrSlug)
}

/** Returns the rule for a code known at compile time. */
export function rule(code: FindingCode): FindingRule {
  return RULES.get(code)!
}
