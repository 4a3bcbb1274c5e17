import * as core from '@actions/core'
import { readFile } from 'node:fs/promises'
import { headline, renderMarkdown, COMMENT_MAX_CHARS } from './render/markdown.js'
import type { GateReport } from './core/report/model.js'
import { ConfigurationError, messageOf } from './errors.js'
import { judgementFor, type Judgement } from './action/event.js'
import { readActionInputs } from './action/inputs.js'
import { judgeEvent } from './action/judge-event.js'
import { actionsLogger } from './action/logger.js'
import { emitAnnotations, setOutputs, writeReportFile, writeSummary } from './action/publish.js'
import { createGitHubClient, type GitHubClient } from './github/client.js'
import { readRepositoryFile } from './github/api/get-repository-file.js'
import {
  COMMENT_MARKER,
  headMarker,
  upsertStickyComment,
  type CommentPolicy
} from './github/sticky-comment.js'
import { loadSettings, type GateSettings } from './gate/settings.js'
import { readBlobAt } from './git/commit-tree.js'
import { forLog } from './render/escape.js'
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

/** The Action's entry: judge, publish every channel, and fail the step on a failing verdict. */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const log = actionsLogger
  try {
    const inputs = readActionInputs()
    const workspace = env.GITHUB_WORKSPACE ?? process.cwd()
    const payload = await readEventPayload(env.GITHUB_EVENT_PATH)
    const judgement = judgementFor(env.GITHUB_EVENT_NAME ?? '', payload, env.GITHUB_SHA ?? '')
    const apiUrl = env.GITHUB_API_URL ?? 'https://api.github.com'
    const client = createGitHubClient({ token: inputs.token, baseUrl: apiUrl, log })
    const registryClient = inputs.registryToken
      ? createGitHubClient({ token: inputs.registryToken, baseUrl: apiUrl, log })
      : client

    const trustedCommit =
      judgement.kind === 'pull-request' || judgement.kind === 'range' ? judgement.base : judgement.commit
    const settings = await core.group('ModelGate: settings', () =>
      loadSettings({
        inputs: inputs.overrides,
        configPath: inputs.config,
        readConfig: path => readBlobAt(workspace, trustedCommit, path, 1024 * 1024),
        release: judgement.kind === 'release',
        log
      })
    )

    const report = await core.group('ModelGate: judge', () =>
      judgeEvent({
        judgement,
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

    log.info(`${report.verdict.toUpperCase()}: ${headline(report)}`)
    emitAnnotations(report)
    const reportFile = await writeReportFile(report, env.RUNNER_TEMP, log)
    setOutputs(report, reportFile)
    await writeSummary(report, log)
    await publishComment(report, judgement, settings, client, log)
    if (report.verdict === 'fail') core.setFailed(headline(report))
  } catch (error) {
    core.setOutput('verdict', 'fail')
    if (
      error instanceof ConfigurationError ||
      (error instanceof Error && 'fix' in error && typeof error.fix === 'string')
    ) {
      const fix = (error as Error & { fix: string }).fix
      core.setFailed(forLog(`${error.message} ${fix}`, 4000))
    } else {
      core.setFailed(
        forLog(`ModelGate could not complete, so the gate fails closed: ${messageOf(error)}`, 4000)
      )
      if (error instanceof Error && error.stack) core.debug(forLog(error.stack, 8000))
    }
  }
}
