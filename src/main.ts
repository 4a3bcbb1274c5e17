import * as core from '@actions/core'
import { readFile } from 'node:fs/promises'
import { headline, renderMarkdown, COMMENT_MAX_CHARS } from './render/markdown.js'
import type { GateReport } from './core/report/model.js'
import { ConfigurationError, messageOf } from './errors.js'
import { judgementFor, type Judgement } from './action/event.js'
import { readActionInputs } from './action/inputs.js'
import { judgeEvent, resolveScope, type Scope } from './action/judge-event.js'
import { judgeFromApi, usesApiFallback } from './action/judge-from-api.js'
import { actionsLogger } from './action/logger.js'
import { emitAnnotations, setOutputs, writeReportFile, writeSummary } from './action/publish.js'
import { createGitHubClient, type GitHubClient } from './github/client.js'
import { readRepositoryFile } from './github/api/get-repository-file.js'
import { getPullRequest } from './github/api/get-pull-request.js'
import { listPullRequestFiles } from './github/api/list-pull-request-files.js'
import {
  COMMENT_MARKER,
  headMarker,
  upsertStickyComment,
  type CommentPolicy
} from './github/sticky-comment.js'
import { loadSettings, type GateSettings } from './gate/settings.js'
import { describeLocation } from './gate/load-registry.js'
import { readBlobAt } from './git/commit-tree.js'
import type { GitSetupError } from './git/errors.js'
import { escapeMarkdown, forLog } from './render/escape.js'
import type { Logger } from './logger.js'

/** Event payloads are small; a larger file is not one GitHub wrote. */
const EVENT_PAYLOAD_MAX_BYTES = 25 * 1024 * 1024

async function readEventPayload(path: string | undefined): Promise<unknown> {
  if (!path) {
    throw new ConfigurationError(
      'GITHUB_EVENT_PATH is not set.',
      'Run ModelGate as a step of a GitHub Actions workflow.'
    )
  }
  const bytes = await readFile(path)
  if (bytes.length > EVENT_PAYLOAD_MAX_BYTES) {
    throw new ConfigurationError(
      `The event payload ${path} is ${bytes.length} bytes.`,
      'Run ModelGate on a payload GitHub wrote.'
    )
  }
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown
  } catch (error) {
    throw new ConfigurationError(
      `The event payload is not JSON: ${messageOf(error)}`,
      'Run ModelGate on a payload GitHub wrote.'
    )
  }
}

function repoParts(fullName: string): { owner: string; repo: string } {
  const [owner = '', repo = ''] = fullName.split('/')
  return { owner, repo }
}

async function publishComment(
  report: GateReport,
  judgement: Judgement,
  settings: GateSettings,
  client: GitHubClient,
  log: Logger
): Promise<void> {
  if (judgement.kind !== 'pull-request') return
  const policy: CommentPolicy = settings.comment
  const body = renderMarkdown(report, COMMENT_MAX_CHARS, text => text.length, {
    preamble: [COMMENT_MARKER, headMarker(judgement.head)]
  })
  try {
    const outcome = await upsertStickyComment({
      client,
      repo: repoParts(judgement.repository),
      pullNumber: judgement.number,
      headSha: judgement.head,
      policy,
      passing: report.verdict === 'pass',
      body,
      log
    })
    if (outcome.action === 'skipped') log.info(`PR comment skipped: ${outcome.detail}.`)
    else log.info(`PR comment ${outcome.action} (id ${outcome.id}).`)
  } catch (error) {
    const why = messageOf(error)
    const hint = judgement.fromFork
      ? 'This pull request comes from a fork, whose token is read-only.'
      : 'Grant `pull-requests: write` to the job to get the comment.'
    core.notice(forLog(`The PR comment was not written (the verdict stands): ${why} ${hint}`, 2000), {
      title: 'ModelGate comment skipped'
    })
  }
}

/**
 * Test and ops knobs, read only from the environment (never inputs): MODELGATE_API_TIMEOUT_MS
 * (per-request timeout, default 30000) and MODELGATE_RETRY_BASE_MS (retry and rate-limit wait
 * base, default 1000). The tests shorten them so a hung API fails in seconds.
 */
function apiKnobs(env: NodeJS.ProcessEnv, log: Logger): { timeoutMs?: number; retryAfterBaseValue?: number } {
  const read = (name: string): number | undefined => {
    const raw = env[name]?.trim()
    if (!raw) return undefined
    const value = Number(raw)
    if (Number.isInteger(value) && value > 0 && value <= 600_000) return value
    log.warning(
      `${name}=${raw.slice(0, 40)} is not a whole number of milliseconds (1 to 600000); the default is used.`
    )
    return undefined
  }
  const timeoutMs = read('MODELGATE_API_TIMEOUT_MS')
  const retryAfterBaseValue = read('MODELGATE_RETRY_BASE_MS')
  return {
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(retryAfterBaseValue !== undefined ? { retryAfterBaseValue } : {})
  }
}

/** The step's failure line; an incomplete change set carries its fix, so the log alone says what to change. */
function failureMessage(report: GateReport): string {
  const incomplete = report.findings.find(f => f.code === 'MG010' && f.severity === 'error')
  return incomplete?.fix ? `${headline(report)}. ${incomplete.fix}` : headline(report)
}

/** The Action's entry: judge, publish every channel, and fail the step on a failing verdict. */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const log = actionsLogger
  try {
    const inputs = readActionInputs()
    const workspace = env.GITHUB_WORKSPACE ?? process.cwd()
    const payload = await readEventPayload(env.GITHUB_EVENT_PATH)
    const judgement = judgementFor(env.GITHUB_EVENT_NAME ?? '', payload, env.GITHUB_SHA ?? '')
    const apiUrl = env.GITHUB_API_URL ?? 'https://api.github.com'
    const knobs = apiKnobs(env, log)
    const client = createGitHubClient({ token: inputs.token, baseUrl: apiUrl, log, ...knobs })
    const registryClient = inputs.registryToken
      ? createGitHubClient({ token: inputs.registryToken, baseUrl: apiUrl, log, ...knobs })
      : client

    // Local git first: the commits and the change set. A pull request whose change set git
    // cannot supply goes to the API fallback, which reports how incomplete it is and fails.
    const resolved = await core.group('ModelGate: change set', () =>
      resolveScope(judgement, workspace, log).then(
        (scope): { scope: Scope } => ({ scope }),
        (error: unknown): { cause: GitSetupError } => {
          if (usesApiFallback(judgement, error)) return { cause: error }
          throw error
        }
      )
    )
    const trusted = 'scope' in resolved ? resolved.scope.trusted : undefined
    if (trusted === undefined && inputs.config !== undefined) {
      log.warning(
        `The policy file ${inputs.config} cannot be read without the trusted commit; only the inputs apply.`
      )
    }
    const settings = await core.group('ModelGate: settings', () =>
      loadSettings({
        inputs: inputs.overrides,
        configPath: trusted === undefined ? undefined : inputs.config,
        readConfig: path =>
          trusted === undefined ? Promise.resolve(null) : readBlobAt(workspace, trusted, path, 1024 * 1024),
        release: judgement.kind === 'release',
        log
      })
    )

    let report: GateReport
    if ('scope' in resolved) {
      const scope = resolved.scope
      for (const notice of scope.notices) core.notice(forLog(notice, 2000), { title: 'ModelGate scope' })
      report = await core.group('ModelGate: judge', () =>
        judgeEvent({
          judgement,
          scope,
          workspace,
          mode: settings.mode,
          policy: settings.policy,
          isIncluded: settings.isIncluded,
          registry: {
            location: settings.location,
            registryRef: settings.registryRef,
            onUnavailable: settings.onUnavailable,
            readCentral: location => readRepositoryFile(registryClient, location)
          },
          today: new Date(),
          log
        })
      )
    } else {
      if (judgement.kind !== 'pull-request') throw resolved.cause
      const repo = repoParts(judgement.repository)
      report = await core.group('ModelGate: change set from the API', () =>
        judgeFromApi({
          judgement,
          cause: resolved.cause,
          api: {
            getPullRequest: number => getPullRequest(client, repo, number),
            listFiles: number => listPullRequestFiles(client, repo, number)
          },
          mode: settings.mode,
          policy: settings.policy,
          registrySource: describeLocation(settings.location),
          registryRef: settings.registryRef,
          today: new Date(),
          log
        })
      )
    }

    log.info(`${report.verdict.toUpperCase()}: ${headline(report)}`)
    emitAnnotations(report)
    const reportFile = await writeReportFile(report, env.RUNNER_TEMP, log)
    setOutputs(report, reportFile)
    await writeSummary(report, log)
    await publishComment(report, judgement, settings, client, log)
    if (report.verdict === 'fail') core.setFailed(failureMessage(report))
  } catch (error) {
    await failClosed(error, log)
  }
}

/**
 * Ends a run that could not judge: the verdict output is `fail`, the step fails with what
 * happened and (for the user's own mistakes) what to change, and the summary says the same.
 */
async function failClosed(error: unknown, log: Logger): Promise<void> {
  core.setOutput('verdict', 'fail')
  const fix =
    error instanceof ConfigurationError ||
    (error instanceof Error && 'fix' in error && typeof error.fix === 'string')
      ? (error as Error & { fix: string }).fix
      : undefined
  const message =
    fix === undefined
      ? `ModelGate could not complete, so the gate fails closed: ${messageOf(error)}`
      : `${messageOf(error)} ${fix}`
  core.setFailed(forLog(message, 4000))
  if (fix === undefined && error instanceof Error && error.stack) core.debug(forLog(error.stack, 8000))
  try {
    await core.summary
      .addRaw(`## ❌ ModelGate could not judge this run\n\n${escapeMarkdown(message, 4000)}\n`, true)
      .write()
  } catch (summaryError) {
    log.warning(`Could not write the job summary: ${messageOf(summaryError)}`)
  }
}
