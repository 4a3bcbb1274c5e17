import type { ScanResult } from '../core/detect/artifact.js'
import type { FileTree } from '../core/detect/tree.js'
import { scanTree } from '../core/detect/scan.js'
import { evaluate, type PolicySettings } from '../core/policy/evaluate.js'
import type { Finding, GateContext, GateReport, Mode } from '../core/report/model.js'
import type { Change } from '../git/change-set.js'
import type { Logger } from '../logger.js'
import { loadRegistry, type RegistryRequest } from './load-registry.js'

/**
 * The gate's one pipeline, shared by the Action and `modelgate check`: detect what is in scope,
 * read the registry as the trust model says, evaluate, and return the report model.
 */
export interface JudgeRequest {
  context: Omit<GateContext, 'filesJudged'>
  mode: Mode
  /** The tree at the judged commit, read as git objects. */
  tree: FileTree
  /** The change set; undefined judges the whole tree (release, reconcile). */
  changes?: readonly Change[]
  registry: RegistryRequest
  policy: PolicySettings
  /** Glob filters from the policy file: which paths are judged at all. */
  isIncluded: (path: string) => boolean
  /** Findings raised before judging (for example an incomplete change set). */
  findings?: readonly Finding[]
  today: Date
  log: Logger
  /** Whole-tree reconciliation (stale entries, unused expired exceptions); needs `changes` unset. */
  reconcile?: boolean
}

/** Paths at head that the change added or modified (deletions are judged separately). */
function focusOf(changes: readonly Change[]): Set<string> {
  return new Set(changes.filter(c => c.kind !== 'deleted').map(c => c.path))
}

export async function judge(request: JudgeRequest): Promise<GateReport> {
  const focus = request.changes ? focusOf(request.changes) : undefined
  const scan: ScanResult = await scanTree(request.tree, focus ? { focus } : {})
  const inScope = scan.artifacts.filter(artifact => artifact.files.some(file => request.isIncluded(file)))
  const skipped = scan.skipped.filter(
    entry => request.isIncluded(entry.path) && (!focus || focus.has(entry.path))
  )
  request.log.info(
    `Examined ${scan.filesExamined} file(s) in ${request.tree.label}; found ${inScope.length} model artifact(s).`
  )

  const loaded = await loadRegistry(request.registry)
  const renamedFrom = new Map<string, string>()
  const deletedModels: string[] = []
  for (const change of request.changes ?? []) {
    if ((change.kind === 'renamed' || change.kind === 'copied') && change.oldPath !== undefined) {
      renamedFrom.set(change.path, change.oldPath)
    }
    if (change.kind === 'deleted' && loaded.view?.mergedModels?.versionsByPath.has(change.path)) {
      deletedModels.push(change.path)
    }
  }

  return evaluate({
    context: {
      ...request.context,
      filesJudged: request.changes ? request.changes.length : scan.filesExamined
    },
    mode: request.mode,
    artifacts: inScope,
    skipped,
    deleted: deletedModels,
    renamedFrom,
    registry: loaded.view,
    findings: [...(request.findings ?? []), ...loaded.findings],
    registryChanges: loaded.changes,
    policy: request.policy,
    today: request.today,
    reconcile: request.reconcile === true && request.changes === undefined
  })
}
