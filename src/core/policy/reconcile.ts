import type { ModelArtifact } from '../detect/artifact.js'
import { exceptionState, matchException } from '../registry/exceptions.js'
import type { Finding } from '../report/model.js'
import type { RegistryView } from './evaluate.js'
import { rule } from './rules.js'

/**
 * Whole-tree reconciliation (scheduled runs, `modelgate reconcile`): what the registry promises
 * that the tree no longer holds. Shadow models and drift are ordinary findings of the judged
 * artifacts; only a whole-tree scan can say an entry is stale or an exception is unused.
 */
/** Stale entries and unused expired exceptions, each reported once, for whole-tree runs. */
export function reconcileFindings(
  artifacts: readonly ModelArtifact[],
  registry: RegistryView,
  today: Date
): Finding[] {
  const present = new Set<string>()
  for (const artifact of artifacts) {
    present.add(artifact.path)
    for (const file of artifact.files) present.add(file)
  }
  const result: Finding[] = []
  for (const [path, allRefs] of registry.models.versionsByPath) {
    // A retired version is expected to be gone.
    const refs = allRefs.filter(ref => ref.version.status !== 'retired')
    if (present.has(path) || refs.length === 0) continue
    const names = [...new Set(refs.map(ref => `${ref.modelName} ${ref.version.version}`))].join(', ')
    result.push({
      code: 'MG012',
      severity: rule('MG012').defaultSeverity,
      message: `The registry lists ${path} (${names}), but no model is at that path.`,
      path,
      fix: 'Remove the entry, mark its versions `status: retired`, or restore the file.'
    })
  }
  const usedPatterns = new Set(
    artifacts.map(
      artifact => matchException(registry.trustedExceptions, artifact.path, today)?.exception.path
    )
  )
  for (const exception of registry.trustedExceptions) {
    if (usedPatterns.has(exception.path)) continue
    if (exceptionState(exception, today).state !== 'expired') continue
    result.push({
      code: 'MG008',
      severity: rule('MG008').defaultSeverity,
      message: `The exception for ${exception.path} (owner ${exception.owner}) expired on ${exception.expires}.`,
      ...(registry.file !== undefined ? { path: registry.file } : {}),
      fix: 'Remove the expired exception from the registry, or renew it with a new expiry date.'
    })
  }
  return result
}
