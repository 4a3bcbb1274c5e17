import { inferPointerTarget } from '../core/detect/pointers.js'
import { evaluate, type PolicySettings } from '../core/policy/evaluate.js'
import { rule } from '../core/policy/rules.js'
import type { Finding, GateReport, Mode } from '../core/report/model.js'
import { messageOf } from '../errors.js'
import { FIX_FETCH_DEPTH, GitSetupError } from '../git/errors.js'
import type { PullRequestSummary } from '../github/api/get-pull-request.js'
import {
  listingIsComplete,
  PULL_REQUEST_FILES_CAP,
  type PullRequestFile
} from '../github/api/list-pull-request-files.js'
import type { Logger } from '../logger.js'
import type { Judgement } from './event.js'

/** The two reads the pull-request fallback makes. */
export interface PullRequestApi {
  getPullRequest(number: number): Promise<PullRequestSummary>
  listFiles(number: number): Promise<PullRequestFile[]>
}

export interface ApiFallbackRequest {
  judgement: Extract<Judgement, { kind: 'pull-request' }>
  /** Why local git could not supply the change set. */
  cause: GitSetupError
  api: PullRequestApi
  mode: Mode
  policy: PolicySettings
  registrySource: string
  registryRef: 'head' | 'base'
  today: Date
  log: Logger
}

const NAMES_SHOWN = 10

/**
 * The change set from the API, when local git cannot supply it. This never passes: ModelGate
 * decides what is a model by its bytes (a renamed `weights.dat` is still a model), and without a
 * checkout there are no bytes to read. Downloading every changed file through the contents API
 * would be slow, capped at 1 MiB inline, and blind to LFS; it is not done. So the listing only
 * says how complete the picture is: a capped listing (3,000 files, or fewer than `changed_files`)
 * is reported as incomplete, a complete one names the files that look like models; both fail
 * with MG010 and the fix (a checkout with `fetch-depth: 0`).
 */
export async function judgeFromApi(request: ApiFallbackRequest): Promise<GateReport> {
  const { judgement, cause, log } = request
  const fix = cause.fix || FIX_FETCH_DEPTH
  log.warning(
    `Local git cannot supply the change set (${cause.message}); asking the GitHub API how large it is.`
  )
  let message: string
  try {
    const summary = await request.api.getPullRequest(judgement.number)
    const files = await request.api.listFiles(judgement.number)
    const listed = files.length
    if (!listingIsComplete(listed, summary.changedFiles)) {
      const capped = listed >= PULL_REQUEST_FILES_CAP
      message =
        `Incomplete change set: GitHub's API listed ${listed} of the ${summary.changedFiles} files this pull request changes` +
        (capped ? ` (the listing stops at ${PULL_REQUEST_FILES_CAP.toLocaleString('en-US')} files)` : '') +
        `, so any file not listed could be a model, and local git could not supply the change set (${cause.message}). Nothing was judged.`
    } else {
      const hinted = files
        .filter(file => file.status !== 'removed' && inferPointerTarget(file.path) !== null)
        .map(file => file.path)
      const names =
        hinted.length > 0
          ? ` ${hinted.length} of them look like models by name (${hinted.slice(0, NAMES_SHOWN).join(', ')}${hinted.length > NAMES_SHOWN ? ', …' : ''}), and any other could be one by content.`
          : ' None looks like a model by name, but a model is recognised by its content, not its name.'
      message =
        `The change set could not be read from local git (${cause.message}). GitHub's API lists all ${listed} changed file(s).${names} ` +
        'Without a checkout ModelGate cannot read their bytes, so nothing was judged.'
    }
  } catch (error) {
    message =
      `The change set could not be read from local git (${cause.message}), and listing it through the API failed too: ${messageOf(error)} ` +
      'Nothing was judged.'
  }
  const finding: Finding = { code: 'MG010', severity: rule('MG010').defaultSeverity, message, fix }
  return evaluate({
    context: {
      trigger: judgement.trigger,
      repository: judgement.repository,
      pullRequest: judgement.number,
      base: judgement.base,
      head: judgement.head,
      filesJudged: 0,
      registrySource: request.registrySource,
      registryRef: request.registryRef
    },
    mode: request.mode,
    artifacts: [],
    skipped: [],
    deleted: [],
    renamedFrom: new Map(),
    registry: null,
    findings: [finding],
    registryChanges: [],
    policy: request.policy,
    today: request.today
  })
}

/** Whether a failure to read local git sends a pull request to the API fallback. */
export function usesApiFallback(judgement: Judgement, error: unknown): error is GitSetupError {
  return judgement.kind === 'pull-request' && error instanceof GitSetupError && error.code !== 'invalid-ref'
}
