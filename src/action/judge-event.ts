import type { PolicySettings } from '../core/policy/evaluate.js'
import type { GateReport, Mode } from '../core/report/model.js'
import { messageOf } from '../errors.js'
import { diffChangeSet, diffRange, type Change } from '../git/change-set.js'
import { CommitTree, readBlobAt } from '../git/commit-tree.js'
import { ensureCommits } from '../git/ensure-commits.js'
import { commitExists, isShallow, resolveCommit } from '../git/repo-info.js'
import { redact, runGit } from '../git/run-git.js'
import type { Logger } from '../logger.js'
import { judge } from '../gate/judge.js'
import { describeLocation, type RegistryRequest } from '../gate/load-registry.js'
import type { Judgement } from './event.js'

/**
 * The event matrix, executed (DESIGN.md, Events). Everything is read from local git as objects
 * (CommitTree, readBlobAt): the working tree is never read, so under `pull_request_target` a
 * checkout of anything cannot change what is judged. The GitHub API is only a fallback for pull
 * requests, and an honest one: it can tell how big the change set is, never what the files hold.
 */

/** The most bytes a registry or policy file may have before it is refused (10 MiB). */
export const REGISTRY_MAX_BYTES = 10 * 1024 * 1024

/** What an event asks to judge, once the commits are in the checkout. */
export interface Scope {
  /** The commit whose use cases, exceptions and policy file are trusted. */
  trusted: string
  /** The commit judged (full id, tags peeled). */
  head: string
  /** Where the diff starts (merge base or `before`); undefined for whole-tree runs. */
  base?: string
  /** The change set; undefined judges the whole tree. */
  changes?: Change[]
  /** Whole-tree reconciliation (stale entries, unused expired exceptions). */
  reconcile: boolean
  /** Release strictness (`release.requireApproved`). */
  release: boolean
  /** Things the reader should know about the scope (e.g. a force-push fell back to a full scan). */
  notices: string[]
}

/**
 * Under `pull_request_target` (and on `pull_request` with the default `fetch-depth: 1`) the PR head
 * is not in the checkout, and from a fork it is on no branch of this repository. GitHub keeps it
 * at `refs/pull/N/head` of the base repository, so fetch that ref (objects only: nothing is
 * checked out). Failure is logged, not thrown: ensureCommits then tries by id and fails closed.
 */
async function fetchPullHead(workspace: string, number: number, head: string, log: Logger): Promise<void> {
  if (await commitExists(workspace, head)) return
  const shallow = await isShallow(workspace)
  const args = [
    'fetch',
    '--no-tags',
    '--no-recurse-submodules',
    ...(shallow ? ['--depth=1'] : []),
    'origin',
    `refs/pull/${number}/head`
  ]
  log.info(`The pull request head ${head} is not in this checkout; fetching it: git ${args.join(' ')}`)
  try {
    await runGit(args, { cwd: workspace, timeoutMs: 5 * 60_000 })
  } catch (error) {
    log.warning(
      `Fetching refs/pull/${number}/head failed: ${redact(messageOf(error).split('\n').slice(-2).join(' '))}`
    )
  }
}

async function wholeTree(workspace: string, commit: string, log: Logger): Promise<string> {
  await ensureCommits(workspace, [commit], log)
  // A tag push names the tag object for an annotated tag: judge the commit it points at.
  return resolveCommit(workspace, commit)
}

/**
 * Works out the commits and change set an event asks for, fetching missing commits first. Throws a
 * {@link GitSetupError} (with its fix) when local git cannot answer.
 */
export async function resolveScope(judgement: Judgement, workspace: string, log: Logger): Promise<Scope> {
  const plain = { reconcile: false, release: false, notices: [] as string[] }
  switch (judgement.kind) {
    case 'pull-request': {
      await fetchPullHead(workspace, judgement.number, judgement.head, log)
      await ensureCommits(workspace, [judgement.base, judgement.head], log)
      const set = await diffChangeSet(workspace, judgement.base, judgement.head, log)
      return { ...plain, trusted: set.base, head: set.head, base: set.mergeBase, changes: set.changes }
    }
    case 'range': {
      if (judgement.trigger === 'merge_group') {
        // The queue entry's own commits: base_sha is the target branch, head_sha the queued merge.
        await ensureCommits(workspace, [judgement.base, judgement.head], log)
        const set = await diffChangeSet(workspace, judgement.base, judgement.head, log)
        return { ...plain, trusted: set.base, head: set.head, base: set.mergeBase, changes: set.changes }
      }
      await ensureCommits(workspace, [judgement.head], log)
      await ensureCommits(workspace, [judgement.base], log).catch(() => undefined)
      if (!(await commitExists(workspace, judgement.base))) {
        const head = await resolveCommit(workspace, judgement.head)
        const notice =
          `The previous head ${judgement.base} is gone${judgement.forced ? ' (force-push)' : ' (rewritten history)'}, ` +
          `so there is nothing to diff against: the whole tree at ${head} is judged.`
        log.info(notice)
        return { ...plain, trusted: head, head, notices: [notice] }
      }
      // before..after directly (no merge base): a force-push whose `before` still exists is judged
      // on everything that differs, deletions included.
      const set = await diffRange(workspace, judgement.base, judgement.head, log)
      return { ...plain, trusted: set.base, head: set.head, base: set.base, changes: set.changes }
    }
    case 'release': {
      const commit = await wholeTree(workspace, judgement.commit, log)
      return { ...plain, release: true, trusted: commit, head: commit }
    }
    case 'reconcile': {
      const commit = await wholeTree(workspace, judgement.commit, log)
      return { ...plain, reconcile: true, trusted: commit, head: commit }
    }
    case 'full-scan': {
      const commit = await wholeTree(workspace, judgement.commit, log)
      log.info(`${judgement.reason}.`)
      return { ...plain, trusted: commit, head: commit, notices: [`${judgement.reason}.`] }
    }
  }
}

export interface EventJudgeRequest {
  judgement: Judgement
  scope: Scope
  workspace: string
  mode: Mode
  policy: PolicySettings
  isIncluded: (path: string) => boolean
  registry: Omit<RegistryRequest, 'trustedCommit' | 'headCommit' | 'readAt'>
  today: Date
  log: Logger
}

/** Judges what the event asks for, from git objects only, and returns the report model. */
export async function judgeEvent(request: EventJudgeRequest): Promise<GateReport> {
  const { judgement, scope, workspace, log } = request
  const tree = await CommitTree.open(workspace, scope.head)
  try {
    return await judge({
      context: {
        trigger: judgement.trigger,
        repository: judgement.repository,
        ...(judgement.kind === 'pull-request' ? { pullRequest: judgement.number } : {}),
        ...(scope.base !== undefined ? { base: scope.base } : {}),
        head: scope.head,
        registrySource: describeLocation(request.registry.location),
        registryRef: request.registry.registryRef
      },
      mode: request.mode,
      tree,
      ...(scope.changes ? { changes: scope.changes } : {}),
      registry: {
        ...request.registry,
        trustedCommit: scope.trusted,
        headCommit: scope.head,
        readAt: (commit, path) => readBlobAt(workspace, commit, path, REGISTRY_MAX_BYTES)
      },
      policy: request.policy,
      isIncluded: request.isIncluded,
      today: request.today,
      log,
      reconcile: scope.reconcile
    })
  } finally {
    await tree.close()
  }
}
