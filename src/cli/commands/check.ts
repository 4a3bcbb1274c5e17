import { judge } from '../../gate/judge.js'
import type { RegistryLocation } from '../../core/config/schema.js'
import { readRepositoryFile } from '../../github/api/get-repository-file.js'
import { createGitHubClient } from '../../github/client.js'
import { readBlobAt } from '../../git/commit-tree.js'
import { defaultBranchMergeBase, headCommit, mergeBase, resolveCommit } from '../../git/repo-info.js'
import { diffWorkingTree } from '../../git/worktree-diff.js'
import { ConfigurationError } from '../../errors.js'
import type { Logger } from '../../logger.js'
import { reportJson } from '../../render/json.js'
import { parseCommandArgs } from '../args.js'
import { colours, stderrLogger, type CliIo } from '../io.js'
import { renderTerminal } from '../render-terminal.js'
import { cliSettings, findRoot, openWorkingTree, readWorkingFile, REGISTRY_MAX_BYTES } from '../workspace.js'

export const CHECK_USAGE = `Usage: modelgate check [--base REF] [--json]

Runs the same gate as CI on your local change: every model file the working tree (staged or not,
plus untracked files) adds or changes relative to the base is judged against the registry.
Use cases and the policy file are trusted only from the base commit; model entries are read from
the working tree's registry, so a registration you have not committed yet counts.

Options:
  --base REF        compare with REF (default: the merge base of HEAD with the default branch,
                    tried as origin/HEAD, origin/main, origin/master, main, master)
  --json            print the report model as JSON (the Action's report file format)
  --registry LOC    registry path or owner/repo/path@ref (default: policy file, else ai-registry.yaml)
  --config PATH     policy file (default: .github/modelgate.yml if present at the base)
  -v, --verbose     log what is read and hashed to stderr
  -h, --help        show this help

Exit codes: 0 pass (warnings allowed), 1 findings that fail the gate, 2 usage or configuration error.

Examples:
  modelgate check
  modelgate check --base origin/release-2.x
  modelgate check --json | jq '.findings[].code'
`

/** Marks the working tree where the gate expects a commit id; `readAt` serves it from disk. */
const WORKING_TREE = 'working-tree'

function centralReader(io: CliIo, log: Logger) {
  return async (location: Extract<RegistryLocation, { kind: 'central' }>): Promise<Uint8Array> => {
    const token = io.env.GITHUB_TOKEN ?? io.env.GH_TOKEN
    if (!token)
      throw new Error('set GITHUB_TOKEN (or GH_TOKEN) to a token that can read the governance repository')
    const client = createGitHubClient({
      token,
      baseUrl: io.env.GITHUB_API_URL ?? 'https://api.github.com',
      log
    })
    return readRepositoryFile(client, location)
  }
}

/** `modelgate check`: the gate on the local change set. */
export async function runCheck(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(
    args,
    {
      base: { type: 'string' },
      json: { type: 'boolean' },
      registry: { type: 'string' },
      config: { type: 'string' }
    },
    CHECK_USAGE,
    false
  )
  if (values.help) {
    io.stdout.write(CHECK_USAGE)
    return 0
  }
  const log = stderrLogger(io, values.verbose === true)
  const { root, git } = await findRoot(io.cwd)
  if (!git) {
    throw new ConfigurationError(
      `${io.cwd} is not inside a git repository.`,
      '`modelgate check` compares with a base commit; run it in a git checkout.'
    )
  }
  const head = await headCommit(root)
  let base: string
  let baseLabel: string
  if (values.base !== undefined) {
    const ref = await resolveCommit(root, values.base)
    const mb = await mergeBase(root, ref, head)
    if (!mb) {
      throw new ConfigurationError(
        `${values.base} shares no history with HEAD.`,
        'Pass a base branch this branch was made from.'
      )
    }
    base = mb
    baseLabel = values.base
  } else {
    const found = await defaultBranchMergeBase(root)
    base = found.mergeBase
    baseLabel = found.ref
  }
  log.info(`Base: merge base ${base.slice(0, 12)} of HEAD and ${baseLabel}.`)

  const settings = await cliSettings(root, values, log, base)
  if (settings.location.kind === 'local') {
    const here = await readWorkingFile(root, settings.location.path, REGISTRY_MAX_BYTES)
    if (
      here === null &&
      (await readBlobAt(root, base, settings.location.path, REGISTRY_MAX_BYTES)) === null
    ) {
      throw new ConfigurationError(
        `There is no registry file ${settings.location.path} in this repository.`,
        'Create it with `npx modelgate register --init`, or point --registry at the right file.'
      )
    }
  }
  const changes = await diffWorkingTree(root, base)
  const { tree, progress } = await openWorkingTree(root, io)
  let report
  try {
    report = await judge({
      context: {
        trigger: 'cli check',
        base,
        head: WORKING_TREE,
        registrySource: settings.location.kind === 'local' ? settings.location.path : 'central',
        registryRef: settings.registryRef
      },
      mode: settings.mode,
      tree,
      changes,
      registry: {
        location: settings.location,
        registryRef: settings.registryRef,
        onUnavailable: settings.onUnavailable,
        trustedCommit: base,
        headCommit: WORKING_TREE,
        readAt: (commit, path) =>
          commit === WORKING_TREE
            ? readWorkingFile(root, path, REGISTRY_MAX_BYTES)
            : readBlobAt(root, commit, path, REGISTRY_MAX_BYTES),
        readCentral: centralReader(io, log)
      },
      policy: settings.policy,
      isIncluded: settings.isIncluded,
      today: new Date(),
      log
    })
  } finally {
    progress?.clear()
    await tree.save()
  }
  log.debug(`hash cache: ${tree.stats.hits} hit(s), ${tree.stats.misses} miss(es)`)
  io.stdout.write(values.json ? reportJson(report) : renderTerminal(report, colours(io.stdout, io.env)))
  if (report.findings.some(f => f.code === 'MG009' && f.severity === 'error')) return 2
  return report.verdict === 'fail' ? 1 : 0
}
