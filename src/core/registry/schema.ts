/**
 * The model registry, schema version 1. This zod schema is the single source of truth for the
 * shape, the defaults and the documentation of `ai-registry.yaml`: the committed JSON Schema
 * (`schema/ai-registry.schema.json`) and the reference (`docs/registry.md`) are generated from it.
 *
 * Conventions:
 * - every object is strict: an unknown field is an error (with a "did you mean" hint);
 * - names (use cases, models) are letters, digits, `.`, `_` and `-`, so they are safe in commands,
 *   Markdown and logs;
 * - paths are repository-relative POSIX paths matched exactly: no case folding, no Unicode
 *   normalisation, no `./`, `..`, backslashes or trailing slashes;
 * - version-like values (`version`, `frameworkVersion`) must be strings: write `"3.10"` in quotes,
 *   because unquoted YAML reads 3.10 as the number 3.1.
 */
import * as z from 'zod'

export const REGISTRY_SCHEMA_VERSION = 1

export const USE_CASE_STATUS_VALUES = ['proposed', 'approved', 'rejected', 'retired'] as const
export const VERSION_STATUS_VALUES = ['pending', 'approved', 'retired'] as const
export const RISK_TIER_VALUES = ['minimal', 'limited', 'high', 'unacceptable'] as const

/** An exception whose expiry is this many days away or fewer is reported as `expiring`. */
export const EXCEPTION_EXPIRING_DAYS = 14

const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/
const OWNER_RE =
  /^(?:@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\/[A-Za-z0-9._-]+)?|[^\s@]+@[^\s@]+\.[^\s@]+)$/
const SHA256_RE = /^[0-9a-f]{64}$/
const LABEL_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/
const SLUG_RE = /^[a-z0-9][a-z0-9._-]*$/
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/

export const NameSchema = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(100, { error: 'must be at most 100 characters long' })
  .regex(NAME_RE, {
    error: 'may contain only letters, digits, `.`, `_` and `-`, and must not start with `.` or `-`'
  })

export const OwnerSchema = z
  .string()
  .regex(OWNER_RE, { error: 'must be a GitHub user (`@alice`), a team (`@acme/risk`) or an email address' })
  .max(200, { error: 'must be at most 200 characters long' })
  .describe('Who answers for it: a GitHub user (`@alice`), a team (`@acme/risk`) or an email address.')

/** Problems with a repository-relative POSIX path, or undefined when it is well-formed. */
export function repoPathProblem(p: string): string | undefined {
  if (p.length === 0) return 'must not be empty'
  if (p.length > 4096) return 'must be at most 4096 characters long'
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(p)) return 'must not contain control characters'
  if (p.includes('\\')) return 'must use forward slashes (`/`), not backslashes'
  if (p.startsWith('/')) return 'must be relative to the repository root (no leading `/`)'
  const segments = p.split('/')
  if (segments.some(s => s === '..')) return 'must not contain `..`'
  if (segments[0] === '.') return 'must not start with `./`'
  if (p.endsWith('/')) return 'must not end with `/` (name a directory without the trailing slash)'
  if (segments.some(s => s === '' || s === '.')) return 'must not contain empty or `.` segments (`//`, `/./`)'
  return undefined
}

export const RepoPathSchema = z.string().superRefine((p, ctx) => {
  const problem = repoPathProblem(p)
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: p })
})

const GLOB_MATCHES_EVERYTHING = new Set(['**', '**/*', '**/**', '*', './**'])

export function exceptionPathProblem(p: string): string | undefined {
  if (p.startsWith('!')) return 'must not start with `!` (a negated pattern would cover everything else)'
  if (GLOB_MATCHES_EVERYTHING.has(p))
    return 'must not cover the whole repository; name the directories it is for'
  if (p.length > 1024) return 'must be at most 1024 characters long'
  // A trailing slash is allowed here: `experiments/` covers everything beneath `experiments`.
  return repoPathProblem(p.endsWith('/') && p.length > 1 ? p.slice(0, -1) : p)
}

/** Whether `s` is a real calendar date written `YYYY-MM-DD`. */
export function isCalendarDate(s: string): boolean {
  if (!DATE_RE.test(s)) return false
  const [y, m, d] = s.split('-').map(Number) as [number, number, number]
  const date = new Date(Date.UTC(y, m - 1, d))
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d
}

const label = (what: string): z.ZodString =>
  z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(64, { error: 'must be at most 64 characters long' })
    .regex(LABEL_RE, {
      error: `must be a ${what} such as 3.2.0 (letters, digits, \`.\`, \`_\`, \`+\`, \`-\`)`
    })

const slug = (example: string): z.ZodString =>
  z
    .string()
    .max(64, { error: 'must be at most 64 characters long' })
    .regex(SLUG_RE, { error: `must be a lowercase identifier such as \`${example}\`` })

export const UseCaseStatusSchema = z
  .enum(USE_CASE_STATUS_VALUES)
  .describe(
    'Governance decision. Only `approved` use cases may have models linked to them; `proposed` is the default, so a use case is never approved by omission.'
  )
export const VersionStatusSchema = z
  .enum(VERSION_STATUS_VALUES)
  .describe(
    'Lifecycle of this version. `pending` (the default) passes pull-request gates; release gates with `release.requireApproved` accept only `approved`; `retired` versions are no longer accepted anywhere.'
  )
export const RiskTierSchema = z
  .enum(RISK_TIER_VALUES)
  .describe(
    'Optional risk classification in the style of the EU AI Act: `minimal`, `limited`, `high` or `unacceptable`. An `unacceptable` use case cannot be `approved`.'
  )

export const UseCaseSchema = z
  .strictObject({
    title: z
      .string()
      .min(1, { error: 'must not be empty' })
      .max(200, { error: 'must be at most 200 characters long' })
      .describe('Short human-readable name of the use case.'),
    owner: OwnerSchema,
    status: UseCaseStatusSchema.default('proposed'),
    riskTier: RiskTierSchema.optional(),
    description: z
      .string()
      .max(4000, { error: 'must be at most 4000 characters long' })
      .optional()
      .describe('Optional longer description.')
  })
  .superRefine((uc, ctx) => {
    if (uc.riskTier === 'unacceptable' && uc.status === 'approved') {
      ctx.addIssue({
        code: 'custom',
        path: ['status'],
        message: 'cannot be `approved` when riskTier is `unacceptable`',
        input: uc.status
      })
    }
  })
  .describe(
    'A governance-owned purpose that models may serve. Read only from the trusted registry (the base commit or the central registry).'
  )

export const ModelVersionSchema = z
  .strictObject({
    version: label('version label').describe(
      'Version label, unique within the model. Quote it if YAML could read it as a number (`"3.10"`).'
    ),
    path: RepoPathSchema.describe(
      'Repository-relative POSIX path of the artifact (a file, or a bundle directory or main file), matched exactly: no case folding or Unicode normalisation.'
    ),
    sha256: z
      .string()
      .regex(SHA256_RE, { error: 'must be 64 lowercase hex characters (the sha256 of the file)' })
      .describe(
        'sha256 of the artifact, 64 lowercase hex characters: the file digest, the Git LFS oid for an LFS pointer, or the bundle digest computed by `modelgate scan`.'
      ),
    frameworkVersion: label('framework version')
      .optional()
      .describe('Version of the framework that produced the file, as a string.'),
    format: slug('xgboost-ubj')
      .optional()
      .describe('Serialization format id as reported by `modelgate scan` (e.g. `onnx`, `safetensors`).'),
    status: VersionStatusSchema.default('pending')
  })
  .describe('One registered version: an exact path and content digest.')

export const ModelEntrySchema = z
  .strictObject({
    owner: OwnerSchema.optional(),
    useCases: z
      .array(NameSchema)
      .default([])
      .describe(
        'Names of the use cases this model serves. Each must exist and be `approved` in the trusted registry.'
      ),
    framework: slug('xgboost')
      .optional()
      .describe('Framework that produced the model, lowercase (`pytorch`, `xgboost`, ...).'),
    source: z
      .string()
      .min(1, { error: 'must not be empty' })
      .max(2048, { error: 'must be at most 2048 characters long' })
      .optional()
      .describe('Where the code that made the model lives: a repository path or a URL.'),
    description: z
      .string()
      .max(4000, { error: 'must be at most 4000 characters long' })
      .optional()
      .describe('Optional description.'),
    versions: z
      .array(ModelVersionSchema)
      .min(1, { error: 'must list at least one version' })
      .describe('Every registered version of the model. Several versions may share a path over time.')
  })
  .superRefine((model, ctx) => {
    const seenLabels = new Map<string, number>()
    const seenFiles = new Map<string, number>()
    model.versions.forEach((v, i) => {
      const prior = seenLabels.get(v.version)
      if (prior !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['versions', i, 'version'],
          message: `repeats version \`${v.version}\` (already at versions[${prior}]); each version label must be unique`,
          input: v.version
        })
      } else seenLabels.set(v.version, i)
      const file = `${v.path}\u0000${v.sha256}`
      const priorFile = seenFiles.get(file)
      if (priorFile !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['versions', i, 'sha256'],
          message: `registers the same path and sha256 as versions[${priorFile}]`,
          input: v.sha256
        })
      } else seenFiles.set(file, i)
    })
    const seenUseCases = new Set<string>()
    model.useCases.forEach((u, i) => {
      if (seenUseCases.has(u))
        ctx.addIssue({ code: 'custom', path: ['useCases', i], message: `lists \`${u}\` twice`, input: u })
      seenUseCases.add(u)
    })
  })
  .describe('A developer-owned model entry (code-first registration).')

export const RegistryExceptionSchema = z
  .strictObject({
    path: z
      .string()
      .min(1, { error: 'must not be empty' })
      .superRefine((p, ctx) => {
        const problem = exceptionPathProblem(p)
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: p })
      })
      .describe(
        'Exact repository path or glob (picomatch, dot files included, case-sensitive). A trailing `/` covers everything beneath the directory. Negations (`!`) and whole-repository globs are refused.'
      ),
    reason: z
      .string()
      .min(1, { error: 'must not be empty' })
      .max(1000, { error: 'must be at most 1000 characters long' })
      .describe('Why the waiver is acceptable.'),
    owner: OwnerSchema,
    expires: z
      .string()
      .regex(DATE_RE, { error: 'must be a date written YYYY-MM-DD (for example 2027-01-31)' })
      .refine(isCalendarDate, { error: 'must be a date written YYYY-MM-DD (for example 2027-01-31)' })
      .describe(
        `Required. Last day (UTC) on which the exception applies, written YYYY-MM-DD. From ${EXCEPTION_EXPIRING_DAYS} days before, it is reported as expiring; after that day it is expired and no longer waives anything.`
      )
  })
  .describe(
    'A time-bound waiver for paths that hold models on purpose without registering them (sandboxes, test fixtures).'
  )

export const RegistrySchema = z
  .strictObject({
    version: z
      .literal(REGISTRY_SCHEMA_VERSION)
      .describe('Registry schema version. This ModelGate understands version 1.'),
    useCases: z
      .record(NameSchema, UseCaseSchema)
      .default({})
      .describe('Use cases by name. Governance-owned.'),
    models: z
      .record(NameSchema, ModelEntrySchema)
      .default({})
      .describe('Models by name. Developer-owned; `modelgate register` writes these entries.'),
    exceptions: z
      .array(RegistryExceptionSchema)
      .default([])
      .describe('Time-bound waivers. Every exception must expire.')
  })
  .superRefine((reg, ctx) => {
    const seen = new Map<string, number>()
    reg.exceptions.forEach((e, i) => {
      const prior = seen.get(e.path)
      if (prior !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['exceptions', i, 'path'],
          message: `repeats the path of exceptions[${prior}]; merge the two exceptions`,
          input: e.path
        })
      } else seen.set(e.path, i)
    })
  })
  .describe('ModelGate model registry (ai-registry.yaml), schema version 1.')

export type Registry = z.output<typeof RegistrySchema>
export type UseCase = z.output<typeof UseCaseSchema>
export type ModelEntry = z.output<typeof ModelEntrySchema>
export type ModelVersion = z.output<typeof ModelVersionSchema>
export type RegistryException = z.output<typeof RegistryExceptionSchema>
export type UseCaseStatus = z.output<typeof UseCaseStatusSchema>
export type VersionStatus = z.output<typeof VersionStatusSchema>
export type RiskTier = z.output<typeof RiskTierSchema>
/** The registry as written (defaults not yet applied). */
export type RegistryInput = z.input<typeof RegistrySchema>
