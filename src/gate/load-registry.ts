import type { RegistryView } from '../core/policy/evaluate.js'
import { rule } from '../core/policy/rules.js'
import { diffRegistries, type RegistryChange } from '../core/registry/diff.js'
import { buildIndex } from '../core/registry/index.js'
import { parseRegistry } from '../core/registry/parse.js'
import type { Registry } from '../core/registry/schema.js'
import type { Finding } from '../core/report/model.js'
import type { SourceIssue } from '../core/yaml/load.js'
import { messageOf } from '../errors.js'
import type { RegistryLocation } from '../core/config/schema.js'

/**
 * Reads the registry the way the trust model says: use cases and exceptions only from the
 * trusted source (the base commit, or the central registry), model entries from head unless
 * `registry-ref: base`. Every read or parse problem becomes a failing finding at its line.
 */
export interface RegistryRequest {
  location: RegistryLocation
  registryRef: 'head' | 'base'
  /** The commit whose registry is trusted (the PR base, a push's `before`, the released commit). */
  trustedCommit: string
  /** The commit being judged. */
  headCommit: string
  /** Reads a repository file at a commit; null when the file does not exist there. */
  readAt(commit: string, path: string): Promise<Uint8Array | null>
  /** Reads the central registry file; throws a message that says why when it cannot. */
  readCentral(location: Extract<RegistryLocation, { kind: 'central' }>): Promise<Uint8Array>
  /** `warn` lets the gate go on, loudly, when a central registry cannot be read. */
  onUnavailable: 'fail' | 'warn'
}

/** How a registry location is shown to people. */
export function describeLocation(location: RegistryLocation): string {
  return location.kind === 'local'
    ? location.path
    : `${location.owner}/${location.repo}/${location.path}@${location.ref}`
}

export interface LoadedRegistry {
  view: RegistryView | null
  findings: Finding[]
  changes: RegistryChange[]
}

const EMPTY_REGISTRY: Registry = { version: 1, useCases: {}, models: {}, exceptions: [] }

function issueFindings(issues: readonly SourceIssue[], file: string | undefined, where: string): Finding[] {
  return issues.map(issue => ({
    code: 'MG009',
    severity: rule('MG009').defaultSeverity,
    message: `${where}: ${issue.message}`,
    ...(file !== undefined ? { path: file, line: issue.line, column: issue.column } : {}),
    fix:
      issue.hint ??
      'Fix the registry file; `npx modelgate schema` prints the JSON Schema your editor can check it against.'
  }))
}

function parsed(bytes: Uint8Array | null): ReturnType<typeof parseRegistry> | null {
  return bytes === null ? null : parseRegistry(bytes)
}

/** Loads and combines the registry for one judgement. */
export async function loadRegistry(request: RegistryRequest): Promise<LoadedRegistry> {
  const source = describeLocation(request.location)
  if (request.location.kind === 'central') return loadCentral(request, request.location, source)

  const path = request.location.path
  const sameCommit = request.trustedCommit === request.headCommit
  const findings: Finding[] = []
  // A registry that cannot be read at all (too large, git failure) is a failing finding too.
  const read = async (commit: string): Promise<Uint8Array | null> => {
    try {
      return await request.readAt(commit, path)
    } catch (error) {
      findings.push({
        code: 'MG009',
        severity: rule('MG009').defaultSeverity,
        message: `${path} at ${commit.slice(0, 12)} could not be read: ${messageOf(error)}.`,
        path,
        fix: 'Keep the registry a small YAML file (a few MiB at most); move bulky comments or data out of it.'
      })
      return null
    }
  }
  const [baseBytes, headBytes] = await Promise.all([
    read(request.trustedCommit),
    sameCommit ? null : read(request.headCommit)
  ])
  if (findings.length > 0) return { view: null, findings, changes: [] }
  const base = parsed(baseBytes)
  const head = sameCommit ? base : parsed(headBytes)
  if (base && !base.ok) {
    findings.push(
      ...issueFindings(
        base.issues,
        sameCommit ? path : undefined,
        `${path} at the trusted commit ${request.trustedCommit.slice(0, 12)}`
      )
    )
  }
  if (!sameCommit && head && !head.ok) findings.push(...issueFindings(head.issues, path, path))
  if (!head && !base) {
    findings.push({
      code: 'MG009',
      severity: rule('MG009').defaultSeverity,
      message: `There is no registry file ${path} in this repository.`,
      fix: `Create ${path} (\`npx modelgate register\` writes it), or point the \`registry\` input at the right file.`
    })
  }
  if (findings.some(f => f.code === 'MG009')) return { view: null, findings, changes: [] }

  const baseRegistry = base?.ok ? base.registry : EMPTY_REGISTRY
  const headRegistry = head?.ok ? head.registry : EMPTY_REGISTRY
  const baseIndex = buildIndex(baseRegistry)
  const headIndex = head?.ok ? head.index : buildIndex(headRegistry)
  const view: RegistryView = {
    source,
    file: path,
    trustedUseCases: baseIndex.useCases,
    proposedUseCases: headIndex.useCases,
    trustedExceptions: baseRegistry.exceptions,
    models: request.registryRef === 'base' ? baseIndex : headIndex,
    mergedModels: baseIndex
  }
  const changes = sameCommit ? [] : diffRegistries(base?.ok ? base.registry : null, headRegistry)
  return { view, findings, changes }
}

async function loadCentral(
  request: RegistryRequest,
  location: Extract<RegistryLocation, { kind: 'central' }>,
  source: string
): Promise<LoadedRegistry> {
  let bytes: Uint8Array
  try {
    bytes = await request.readCentral(location)
  } catch (error) {
    const finding: Finding = {
      code: 'MG009',
      severity: request.onUnavailable === 'warn' ? 'warning' : 'error',
      message: `The central registry ${source} could not be read: ${messageOf(error)}`,
      fix:
        request.onUnavailable === 'warn'
          ? 'registryUnavailable is set to warn in the policy file, so models were not judged. Restore access to the central registry.'
          : 'Give `registry-token` read access (contents: read) to the governance repository, and check the path and ref.'
    }
    return { view: null, findings: [finding], changes: [] }
  }
  const result = parseRegistry(bytes)
  if (!result.ok)
    return { view: null, findings: issueFindings(result.issues, undefined, source), changes: [] }
  return {
    view: {
      source,
      trustedUseCases: result.index.useCases,
      proposedUseCases: result.index.useCases,
      trustedExceptions: result.registry.exceptions,
      models: result.index,
      mergedModels: result.index
    },
    findings: [],
    changes: []
  }
}
