/**
 * The policy configuration file (`config` input, default `.github/modelgate.yml`).
 *
 * zod is the ONE home of the defaults: `action.yml` declares no defaults for these settings, and an
 * action input that is empty counts as unset, so the file (and then these defaults) decide.
 */
import * as z from 'zod'

export const DEFAULT_CONFIG_PATH = '.github/modelgate.yml'
export const DEFAULT_REGISTRY_PATH = 'ai-registry.yaml'

export const MODE_VALUES = ['enforce', 'warn'] as const
export const COMMENT_VALUES = ['on-failure', 'always', 'never'] as const
export const REGISTRY_REF_VALUES = ['head', 'base'] as const
export const REGISTRY_UNAVAILABLE_VALUES = ['fail', 'warn'] as const
export const FINDING_SEVERITY_VALUES = ['error', 'warning', 'notice', 'off'] as const
export const UNSAFE_SERIALIZATION_VALUES = ['fail', 'allow-with-exception', 'warn'] as const
/** Model fields (`owner`, `framework`, `source`, `description`) and version fields (`frameworkVersion`, `format`). */
export const REQUIRED_METADATA_FIELDS = [
  'owner',
  'framework',
  'source',
  'description',
  'frameworkVersion',
  'format'
] as const

export type FindingSeverity = (typeof FINDING_SEVERITY_VALUES)[number]
export type RequiredMetadataField = (typeof REQUIRED_METADATA_FIELDS)[number]

/** A finding code (`MG001`) or a rule slug (`unregistered-model`); the policy rules validate which exist. */
export const FINDING_CODE_RE = /^(?:MG\d{3}|[a-z][a-z0-9]*(?:-[a-z0-9]+)*)$/

const CENTRAL_RE = /^([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)\/([A-Za-z0-9._-]+)\/([^@]+)@([^@\s]+)$/

export type RegistryLocation =
  | { kind: 'local'; path: string }
  | { kind: 'central'; owner: string; repo: string; path: string; ref: string }

/**
 * `ai-registry.yaml` (a path in this repository) or `owner/repo/path@ref` (a central governance
 * repository). A value containing `@` is always read as central, so local paths cannot contain `@`.
 */
export function parseRegistryLocation(value: string): RegistryLocation | { error: string } {
  if (value.includes('@')) {
    const m = CENTRAL_RE.exec(value)
    if (!m) return { error: 'must be a repository path, or `owner/repo/path@ref` for a central registry' }
    const [, owner, repo, path, ref] = m as unknown as [string, string, string, string, string]
    const problem = pathProblem(path)
    if (problem) return { error: `names a central registry whose path ${problem}` }
    if (repo === '.' || repo === '..') return { error: 'names an invalid repository' }
    return { kind: 'central', owner, repo, path, ref }
  }
  const problem = pathProblem(value)
  if (problem) return { error: problem }
  return { kind: 'local', path: value }
}

function pathProblem(p: string): string | undefined {
  if (p.length === 0) return 'must not be empty'
  if (p.length > 1024) return 'must be at most 1024 characters long'
  if (p.includes('\\')) return 'must use forward slashes (`/`)'
  if (p.startsWith('/')) return 'must be relative to the repository root (no leading `/`)'
  const segs = p.split('/')
  if (segs.some(s => s === '..')) return 'must not contain `..`'
  if (segs.some(s => s === '' || s === '.')) return 'must not contain empty or `.` segments, or end with `/`'
  return undefined
}

const GlobSchema = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(1024, { error: 'must be at most 1024 characters long' })
  .refine(g => !g.startsWith('!'), {
    error: 'must not start with `!`; use `exclude` instead of a negated `include`'
  })

export const GateConfigSchema = z
  .strictObject({
    version: z.literal(1).optional().describe('Optional configuration format version; only 1 exists.'),
    mode: z
      .enum(MODE_VALUES)
      .default('enforce')
      .describe(
        '`enforce` (default): error findings fail the check. `warn`: the same findings are reported, but the check passes.'
      ),
    comment: z
      .enum(COMMENT_VALUES)
      .default('on-failure')
      .describe(
        'Sticky pull-request comment: `on-failure` (default) creates it when the gate fails and updates an existing one to the passing state; `always` also creates it on a pass; `never` posts none.'
      ),
    registry: z
      .string()
      .default(DEFAULT_REGISTRY_PATH)
      .superRefine((v, ctx) => {
        const loc = parseRegistryLocation(v)
        if ('error' in loc) ctx.addIssue({ code: 'custom', message: loc.error, input: v })
      })
      .describe(
        'Where the registry lives: a repository path (default `ai-registry.yaml`), or `owner/repo/path@ref` for a central governance repository (read with `registry-token`).'
      ),
    registryRef: z
      .enum(REGISTRY_REF_VALUES)
      .default('head')
      .describe(
        'Which commit model entries are read from on a pull request. `head` (default): the PR may register its own models in the same change (use cases are always read from the base). `base`: strict mode, every entry must already be merged. Meaningless with a central registry, so refused there.'
      ),
    registryUnavailable: z
      .enum(REGISTRY_UNAVAILABLE_VALUES)
      .default('fail')
      .describe(
        'When the registry cannot be read (missing file, no access to the central repository): `fail` (default, fail closed) or `warn` (report every model as unregistered, as warnings).'
      ),
    severity: z
      .record(
        z.string().regex(FINDING_CODE_RE, {
          error: 'must be a finding code such as MG001 or a rule name such as unregistered-model'
        }),
        z.enum(FINDING_SEVERITY_VALUES)
      )
      .default({})
      .describe(
        "Per-finding severity overrides, by code (`MG001`) or rule name: `error` fails the check, `warning` and `notice` report only, `off` hides the finding. Default: each rule's own severity."
      ),
    requiredMetadata: z
      .array(z.enum(REQUIRED_METADATA_FIELDS))
      .default(['owner'])
      .describe(
        'Registry fields every model (`owner`, `framework`, `source`, `description`) or version (`frameworkVersion`, `format`) must set. Default: `[owner]`. An empty list requires nothing.'
      ),
    include: z
      .array(GlobSchema)
      .default([])
      .describe('Globs of paths to judge. Default: empty, meaning every path.'),
    exclude: z
      .array(GlobSchema)
      .default([])
      .describe(
        'Globs of paths never judged (test fixtures, vendored data). Default: none. Prefer registry exceptions, which expire; exclusions do not.'
      ),
    unsafeSerialization: z
      .enum(UNSAFE_SERIALIZATION_VALUES)
      .default('allow-with-exception')
      .describe(
        'Pickle-based files whose opcodes import anything outside the allow-list. `allow-with-exception` (default): a failure unless an active registry exception covers the path. `fail`: always a failure, exceptions do not waive it. `warn`: a warning only.'
      ),
    release: z
      .strictObject({
        requireApproved: z
          .boolean()
          .default(false)
          .describe(
            'On release events, accept only versions with `status: approved` (`pending` versions fail). Default: false.'
          )
      })
      .default({ requireApproved: false })
      .describe('Release-gate strictness.')
  })
  .superRefine((c, ctx) => {
    const loc = parseRegistryLocation(c.registry)
    if (!('error' in loc) && loc.kind === 'central' && c.registryRef === 'base') {
      ctx.addIssue({
        code: 'custom',
        path: ['registryRef'],
        message:
          'cannot be `base` with a central registry: a central registry is already the trusted source; remove `registryRef` or use a repository path',
        input: c.registryRef
      })
    }
    const inc = new Set(c.include)
    c.exclude.forEach((g, i) => {
      if (inc.has(g)) {
        ctx.addIssue({
          code: 'custom',
          path: ['exclude', i],
          message: `repeats \`${g}\` from include; a path cannot be both included and excluded`,
          input: g
        })
      }
    })
    const dupes = (list: readonly string[], key: string): void => {
      const seen = new Set<string>()
      list.forEach((v, i) => {
        if (seen.has(v))
          ctx.addIssue({ code: 'custom', path: [key, i], message: `lists \`${v}\` twice`, input: v })
        seen.add(v)
      })
    }
    dupes(c.include, 'include')
    dupes(c.exclude, 'exclude')
    dupes(c.requiredMetadata, 'requiredMetadata')
  })
  .describe('ModelGate policy configuration (.github/modelgate.yml).')

export type GateConfig = z.output<typeof GateConfigSchema>
/** The configuration as written in the file (defaults not applied). */
export type GateConfigInput = z.input<typeof GateConfigSchema>
