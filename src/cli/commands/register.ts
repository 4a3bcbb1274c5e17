import type { ModelArtifact } from '../../core/detect/artifact.js'
import { scanTree } from '../../core/detect/scan.js'
import { suggestModelName } from '../../core/policy/fixes.js'
import {
  applyEdits,
  entryYaml,
  newRegistryText,
  writeFileAtomic,
  type RegistryEdit
} from '../../core/registry/edit.js'
import { matchException } from '../../core/registry/exceptions.js'
import { buildIndex, type RegistryIndex } from '../../core/registry/index.js'
import { parseRegistry } from '../../core/registry/parse.js'
import { ModelVersionSchema, NameSchema, OwnerSchema, type Registry } from '../../core/registry/schema.js'
import { didYouMean } from '../../core/yaml/issues.js'
import { ConfigurationError, messageOf } from '../../errors.js'
import type { RegistryLocation } from '../../core/config/schema.js'
import { readRepositoryFile } from '../../github/api/get-repository-file.js'
import { createGitHubClient } from '../../github/client.js'
import type { Logger } from '../../logger.js'
import { parseCommandArgs, UsageError } from '../args.js'
import { colours, stderrLogger, type CliIo, type Colours } from '../io.js'
import { defaultOwner } from '../owners.js'
import { terminalPrompter, type Prompter } from '../prompts.js'
import { shown } from '../render-terminal.js'
import {
  cliSettings,
  findRoot,
  issueLines,
  openWorkingTree,
  readLocalRegistry,
  repoPath
} from '../workspace.js'
import { join } from 'node:path'

export const REGISTER_USAGE = `Usage: modelgate register [PATH...] [options]

Registers model files in the registry (ai-registry.yaml). Without PATH, every model in the working
tree that is not registered, or whose bytes are not a registered version, is offered. For each, it
shows what the file reveals (format, framework, version, sha256, size) and asks only what the
bytes cannot tell: the use case, the owner, the model name and the version. A file at a registered
path with new bytes, or one you give an existing model's name, becomes a new version of that model.

The registry is edited in place: comments, key order and formatting of other entries are kept,
the result is validated against the registry schema before it is written (atomically), and a
registry that does not parse is never overwritten. With a central registry (owner/repo/path@ref),
nothing is written: the entry to propose there is printed.

Options:
  --use-case ID     use case of a new model (must exist in the registry's useCases)
  --owner OWNER     owner of a new model: @user, @org/team or an email
                    (default: CODEOWNERS for the path, else git config user.email)
  --name NAME       model name (default: the registered model at that path, else from the file name)
  --version LABEL   version label (default: 1.0.0 for a new model, the next patch for a new version)
  -y, --yes         accept the suggested owner, name and version without asking
  --init            create the registry file when it does not exist (asked on a terminal)
  --json            print what was registered as JSON on stdout
  --registry LOC    registry path or owner/repo/path@ref (default: policy file, else ai-registry.yaml)
  --config PATH     policy file (default: .github/modelgate.yml)
  -v, --verbose     log what is read and hashed to stderr
  -h, --help        show this help

Without a terminal (CI, pipes, pre-commit) it never waits for input: an answer that is neither
given by a flag nor accepted with --yes is an error (exit 2) that lists the flags to pass.
--name and --version apply to a single model; pass one PATH with them.

Exit codes: 0 registered (or nothing to do), 2 usage or configuration error (nothing written).

Examples:
  modelgate register
  modelgate register models/churn.onnx --use-case churn-prediction --owner @acme/growth --yes
  modelgate register models/fraud/model.ubj --version 3.3.0 --yes
  modelgate register --init
`

interface Candidate {
  artifact: ModelArtifact
  /** The registered model at this exact path, when the bytes are a new version of it. */
  existingModel?: string
}

interface Answers {
  model: string
  version: string
  owner?: string
  useCase?: string
}

interface Flags {
  useCase?: string | undefined
  owner?: string | undefined
  name?: string | undefined
  version?: string | undefined
  yes: boolean
}

const EMPTY_REGISTRY: Registry = { version: 1, useCases: {}, models: {}, exceptions: [] }

function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = bytes
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return u === 0 ? `${bytes} B` : `${v.toFixed(1)} ${units[u]!}`
}

/** The next version label after `latest`: patch bump for semver, last number bumped otherwise. */
export function nextVersion(latest: string | undefined, kind: 'patch' | 'minor' = 'patch'): string {
  if (latest === undefined) return '1.0.0'
  const semver = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(latest)
  if (semver) {
    const [, major, minor, patch] = semver.map(Number) as [number, number, number, number]
    const prefix = latest.startsWith('v') ? 'v' : ''
    return kind === 'minor' ? `${prefix}${major}.${minor + 1}.0` : `${prefix}${major}.${minor}.${patch + 1}`
  }
  const lastNumber = /(\d+)(?!.*\d)/.exec(latest)
  if (lastNumber) {
    const at = lastNumber.index
    return `${latest.slice(0, at)}${Number(lastNumber[1]) + 1}${latest.slice(at + lastNumber[1]!.length)}`
  }
  return `${latest}.1`
}

function validVersionLabel(value: string): true | string {
  const result = ModelVersionSchema.shape.version.safeParse(value)
  return result.success ? true : `version ${result.error.issues[0]?.message ?? 'is invalid'}`
}

function validName(value: string): true | string {
  const result = NameSchema.safeParse(value)
  return result.success ? true : `model name ${result.error.issues[0]?.message ?? 'is invalid'}`
}

function validOwner(value: string): true | string {
  const result = OwnerSchema.safeParse(value)
  return result.success ? true : `owner ${result.error.issues[0]?.message ?? 'is invalid'}`
}

/** Tracks models as the run adds them, so two files in one run can share a new model. */
class Plan {
  readonly edits: RegistryEdit[] = []
  private readonly added = new Map<string, string[]>()

  constructor(private readonly index: RegistryIndex) {}

  exists(model: string): boolean {
    return this.index.models.has(model) || this.added.has(model)
  }

  versionsOf(model: string): string[] {
    return [
      ...(this.index.models.get(model)?.versions.map(v => v.version) ?? []),
      ...(this.added.get(model) ?? [])
    ]
  }

  names(): string[] {
    return [...new Set([...this.index.models.keys(), ...this.added.keys()])]
  }

  add(edit: RegistryEdit): void {
    this.edits.push(edit)
    const list = this.added.get(edit.model) ?? []
    list.push(edit.version.version)
    this.added.set(edit.model, list)
  }
}

function describe(candidate: Candidate, plan: Plan, c: Colours): string {
  const a = candidate.artifact
  const fv = a.metadata.frameworkVersion ? ` ${a.metadata.frameworkVersion}` : ''
  const producer = a.metadata.producer
    ? `, produced by ${a.metadata.producer}${a.metadata.producerVersion ? ` ${a.metadata.producerVersion}` : ''}`
    : ''
  const digestNote = a.digestSource === 'content' ? '' : ` (${a.digestSource.replace('-', ' ')})`
  const status = candidate.existingModel
    ? `new version of ${candidate.existingModel} (registered: ${plan.versionsOf(candidate.existingModel).join(', ')})`
    : 'not registered'
  return [
    c.bold(shown(a.path)),
    `  format     ${a.format}${a.files.length > 1 ? ` (${a.files.length} files)` : ''}`,
    `  framework  ${shown(a.framework, 60)}${shown(fv, 40)}${shown(producer, 80)}`,
    `  sha256     ${a.digest}${digestNote}`,
    `  size       ${formatSize(a.size)}`,
    `  status     ${shown(status)}`
  ].join('\n')
}

interface UseCaseInfo {
  ids: string[]
  status: ReadonlyMap<string, string>
  titles: ReadonlyMap<string, string>
}

function useCaseInfo(index: RegistryIndex): UseCaseInfo {
  const ids = [...index.useCases.keys()].sort((a, b) => {
    const approved = (id: string): number => (index.useCases.get(id)?.status === 'approved' ? 0 : 1)
    return approved(a) - approved(b) || a.localeCompare(b)
  })
  return {
    ids,
    status: new Map(ids.map(id => [id, index.useCases.get(id)!.status])),
    titles: new Map(ids.map(id => [id, index.useCases.get(id)!.title]))
  }
}

function checkUseCase(id: string, info: UseCaseInfo): void {
  if (info.status.has(id)) return
  const guess = didYouMean(id, info.ids)
  const known =
    info.ids.length > 0 ? `Known use cases: ${info.ids.join(', ')}.` : 'The registry has no use cases yet.'
  throw new UsageError(
    `Unknown use case ${JSON.stringify(id)}${guess ? `; did you mean ${guess}?` : '.'} ${known}`,
    guess
      ? `Pass --use-case ${guess}.`
      : 'Use cases are governance-owned; ask governance to add it under `useCases:` first.'
  )
}

function validateFlags(flags: Flags): void {
  const problems: string[] = []
  if (flags.owner !== undefined && validOwner(flags.owner) !== true)
    problems.push(`--owner: ${validOwner(flags.owner) as string}`)
  if (flags.name !== undefined && validName(flags.name) !== true)
    problems.push(`--name: ${validName(flags.name) as string}`)
  if (flags.version !== undefined && validVersionLabel(flags.version) !== true) {
    problems.push(`--version: ${validVersionLabel(flags.version) as string}`)
  }
  if (problems.length > 0) throw new UsageError(problems.join('\n'), REGISTER_USAGE)
}

/** Answers one candidate from flags, --yes defaults and (on a terminal) prompts; records what is missing. */
async function answer(
  candidate: Candidate,
  ctx: {
    root: string
    flags: Flags
    plan: Plan
    useCases: UseCaseInfo
    prompter: Prompter | undefined
    missing: Map<string, string[]>
  }
): Promise<Answers | undefined> {
  const { flags, plan, prompter } = ctx
  const a = candidate.artifact
  const missing: string[] = []

  // Model name: a registered path keeps its model; otherwise pick an existing model or name a new one.
  let model = flags.name ?? candidate.existingModel
  const suggested = candidate.existingModel ?? suggestModelName(a.path)
  if (model === undefined) {
    if (prompter && !flags.yes) {
      model = await prompter.search('Model name (type a new name, or pick a registered model)', term => {
        const typed = (term ?? '').trim() || suggested
        const names = plan.names().filter(n => n.includes((term ?? '').trim()) && n !== typed)
        const first = plan.exists(typed)
          ? { value: typed, name: `${typed} (new version of this model)` }
          : {
              value: typed,
              name: `${typed} (new model)`,
              ...(validName(typed) === true ? {} : { description: validName(typed) as string })
            }
        return [first, ...names.slice(0, 20).map(n => ({ value: n, name: `${n} (new version)` }))]
      })
      const ok = validName(model)
      if (ok !== true) throw new UsageError(ok)
    } else if (flags.yes) model = suggested
    else missing.push(`--name NAME (suggested: ${suggested})`)
  }

  const isNew = model === undefined || !plan.exists(model)
  let useCase: string | undefined
  let owner: string | undefined
  if (isNew) {
    useCase = flags.useCase
    if (useCase === undefined) {
      if (ctx.useCases.ids.length === 0) {
        throw new ConfigurationError(
          'The registry has no use cases yet, and every new model must be linked to one.',
          'Use cases are governance-owned: ask governance to add one under `useCases:` (title, owner, status: approved) and merge it, then register.'
        )
      }
      if (prompter) {
        useCase = await prompter.search('Use case (type to search)', term => {
          const t = (term ?? '').toLowerCase()
          return ctx.useCases.ids
            .filter(
              id =>
                id.toLowerCase().includes(t) || (ctx.useCases.titles.get(id) ?? '').toLowerCase().includes(t)
            )
            .map(id => ({
              value: id,
              name: `${id} — ${shown(ctx.useCases.titles.get(id) ?? '', 60)}`,
              ...(ctx.useCases.status.get(id) !== 'approved'
                ? {
                    description: `status: ${ctx.useCases.status.get(id) ?? ''} (the gate fails until it is approved)`
                  }
                : {})
            }))
        })
      } else missing.push(`--use-case ID (one of: ${ctx.useCases.ids.join(', ')})`)
    }
    owner = flags.owner
    if (owner === undefined) {
      const found = await defaultOwner(ctx.root, a.path)
      if (prompter && !flags.yes) {
        owner = await prompter.input(`Owner${found ? ` (from ${found.from})` : ''}`, {
          ...(found ? { default: found.owner } : {}),
          validate: validOwner
        })
      } else if (flags.yes && found) owner = found.owner
      else
        missing.push(found ? `--owner OWNER (suggested: ${found.owner} from ${found.from})` : '--owner OWNER')
    }
  }

  let version = flags.version
  const taken = model !== undefined ? plan.versionsOf(model) : []
  if (version === undefined) {
    const suggestion = taken.length > 0 ? nextVersion(taken.at(-1)) : '1.0.0'
    if (prompter && !flags.yes) {
      const minor = taken.length > 0 ? ` (minor: ${nextVersion(taken.at(-1), 'minor')})` : ''
      version = await prompter.input(`Version${minor}`, {
        default: suggestion,
        validate: v => (taken.includes(v) ? `${model ?? ''} already has version ${v}` : validVersionLabel(v))
      })
    } else if (flags.yes) version = suggestion
    else missing.push(`--version LABEL (suggested: ${suggestion})`)
  }
  if (version !== undefined && taken.includes(version)) {
    throw new UsageError(`${model ?? ''} already has a version ${version}; pass another --version.`)
  }

  if (missing.length > 0) {
    ctx.missing.set(a.path, missing)
    return undefined
  }
  return {
    model: model!,
    version: version!,
    ...(owner !== undefined ? { owner } : {}),
    ...(useCase !== undefined ? { useCase } : {})
  }
}

function editFor(candidate: Candidate, answers: Answers, plan: Plan): RegistryEdit {
  const a = candidate.artifact
  const fv = a.metadata.frameworkVersion
  const version = {
    version: answers.version,
    path: a.path,
    sha256: a.digest,
    ...(/^[a-z0-9][a-z0-9._-]*$/.test(a.format) ? { format: a.format } : {}),
    ...(fv !== undefined && validVersionLabel(fv) === true ? { frameworkVersion: fv } : {})
  }
  if (plan.exists(answers.model)) return { model: answers.model, version }
  return {
    model: answers.model,
    version,
    newModel: {
      ...(answers.owner !== undefined ? { owner: answers.owner } : {}),
      useCases: answers.useCase !== undefined ? [answers.useCase] : [],
      ...(/^[a-z0-9][a-z0-9._-]*$/.test(a.framework) && a.framework.length <= 64
        ? { framework: a.framework }
        : {})
    }
  }
}

async function readCentral(
  location: Extract<RegistryLocation, { kind: 'central' }>,
  io: CliIo,
  log: Logger
): Promise<RegistryIndex | undefined> {
  const token = io.env.GITHUB_TOKEN ?? io.env.GH_TOKEN
  if (!token) {
    log.warning(
      'GITHUB_TOKEN is not set, so the central registry was not read: use cases and existing models are not checked.'
    )
    return undefined
  }
  try {
    const client = createGitHubClient({
      token,
      baseUrl: io.env.GITHUB_API_URL ?? 'https://api.github.com',
      log
    })
    const parsed = parseRegistry(await readRepositoryFile(client, location))
    if (!parsed.ok) {
      log.warning(
        `The central registry is invalid (${parsed.issues[0]?.message ?? ''}); use cases and existing models are not checked.`
      )
      return undefined
    }
    return parsed.index
  } catch (error) {
    log.warning(
      `The central registry could not be read (${messageOf(error)}); use cases and existing models are not checked.`
    )
    return undefined
  }
}

/** `modelgate register`: code-first registration. */
export async function runRegister(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      'use-case': { type: 'string' },
      owner: { type: 'string' },
      name: { type: 'string' },
      version: { type: 'string' },
      yes: { type: 'boolean', short: 'y' },
      init: { type: 'boolean' },
      json: { type: 'boolean' },
      registry: { type: 'string' },
      config: { type: 'string' }
    },
    REGISTER_USAGE,
    true
  )
  if (values.help) {
    io.stdout.write(REGISTER_USAGE)
    return 0
  }
  const flags: Flags = {
    useCase: values['use-case'],
    owner: values.owner,
    name: values.name,
    version: values.version,
    yes: values.yes === true
  }
  validateFlags(flags)
  const log = stderrLogger(io, values.verbose === true)
  const c = colours(io.stderr, io.env)
  const interactive = io.stdin.isTTY === true
  const prompter = interactive ? terminalPrompter(io) : undefined
  const { root } = await findRoot(io.cwd)
  const settings = await cliSettings(root, values, log)
  const location = settings.location

  // The registry: never overwrite a broken one; create a missing one only when asked to.
  let text: string | undefined
  let index: RegistryIndex
  let exceptions: Registry['exceptions'] = []
  let creating = false
  if (location.kind === 'local') {
    const local = await readLocalRegistry(root, location)
    if (local.state === 'broken') {
      throw new ConfigurationError(
        `The registry ${local.path} is invalid, so it was not changed:\n${issueLines(local.path, local.parse.issues)}`,
        'Fix these lines (`modelgate schema` prints the JSON Schema for your editor), then run register again.'
      )
    }
    if (local.state === 'missing') {
      const create =
        values.init === true ||
        (prompter !== undefined &&
          !flags.yes &&
          (await prompter.confirm(`There is no ${local.path}. Create it?`, true)))
      if (!create) {
        throw new ConfigurationError(
          `There is no registry file ${local.path}.`,
          `Run \`modelgate register --init\` to create it, or pass --registry with the registry's path.`
        )
      }
      text = newRegistryText()
      creating = true
      index = buildIndex(EMPTY_REGISTRY)
    } else {
      text = local.text
      index = local.parse.index
      exceptions = local.parse.registry.exceptions
    }
  } else {
    index = (await readCentral(location, io, log)) ?? buildIndex(EMPTY_REGISTRY)
  }

  const useCases = useCaseInfo(index)
  if (creating && location.kind === 'local') {
    // The skeleton is what --init (or the confirmation) asked for, even when nothing can be registered yet.
    await writeFileAtomic(join(root, location.path), text!)
    io.stderr.write(`${c.green('✔')} Created ${location.path}.\n`)
    throw new ConfigurationError(
      `${location.path} has no use cases yet, and every model must be linked to an approved one.`,
      'Use cases are governance-owned: have governance add them under `useCases:` (title, owner, status: approved) and merge that, then run `modelgate register`.'
    )
  }
  if (flags.useCase !== undefined && (location.kind === 'local' || useCases.ids.length > 0))
    checkUseCase(flags.useCase, useCases)
  if (
    flags.useCase !== undefined &&
    useCases.status.has(flags.useCase) &&
    useCases.status.get(flags.useCase) !== 'approved'
  ) {
    log.warning(
      `Use case ${flags.useCase} is ${useCases.status.get(flags.useCase) ?? ''}; the gate fails until governance approves it.`
    )
  }

  // What to register: the given paths (files or directories), else everything unregistered.
  const targets = positionals.map(p => repoPath(root, io.cwd, p))
  const { tree, progress } = await openWorkingTree(root, io)
  let scan
  try {
    let focus: Set<string> | undefined
    if (targets.length > 0) {
      const entries = await tree.list()
      focus = new Set(
        entries.map(e => e.path).filter(p => targets.some(t => t === '' || p === t || p.startsWith(`${t}/`)))
      )
    }
    scan = await scanTree(tree, focus ? { focus } : {})
  } finally {
    progress?.clear()
    await tree.save()
  }
  log.debug(`hash cache: ${tree.stats.hits} hit(s), ${tree.stats.misses} miss(es)`)

  const inTarget = (a: ModelArtifact): boolean =>
    targets.length === 0 ||
    targets.some(
      t =>
        t === '' ||
        a.path === t ||
        a.path.startsWith(`${t}/`) ||
        a.files.some(f => f === t || f.startsWith(`${t}/`))
    )
  const artifacts = scan.artifacts.filter(inTarget)
  for (const t of targets) {
    if (
      !artifacts.some(
        a =>
          t === '' ||
          a.path === t ||
          a.path.startsWith(`${t}/`) ||
          a.files.some(f => f === t || f.startsWith(`${t}/`))
      )
    ) {
      throw new UsageError(`${t} is not a model file (or holds none) in the working tree.`, REGISTER_USAGE)
    }
  }

  const candidates: Candidate[] = []
  const today = new Date()
  for (const a of artifacts) {
    const atPath = index.versionsByPath.get(a.path) ?? []
    const same = atPath.find(r => r.version.sha256 === a.digest)
    if (same) {
      io.stderr.write(
        `${c.green('✔')} ${shown(a.path)} is registered as ${same.modelName}@${shown(same.version.version, 64)}.\n`
      )
      continue
    }
    const waiver = targets.length === 0 ? matchException(exceptions, a.path, today) : undefined
    if (waiver && waiver.state !== 'expired') {
      io.stderr.write(
        `${c.dim('-')} ${shown(a.path)} is covered by the exception for ${shown(waiver.exception.path)}; skipped.\n`
      )
      continue
    }
    candidates.push(
      atPath.length > 0 ? { artifact: a, existingModel: atPath.at(-1)!.modelName } : { artifact: a }
    )
  }
  if (candidates.length === 0) {
    io.stderr.write(`Nothing to register: ${artifacts.length} model(s) found, all registered.\n`)
    if (values.json) io.stdout.write(`${JSON.stringify({ registered: [], written: false }, null, 2)}\n`)
    return 0
  }
  if (candidates.length > 1 && (flags.name !== undefined || flags.version !== undefined)) {
    throw new UsageError(
      `--name and --version name one model, but ${candidates.length} files need registering: ${candidates.map(x => x.artifact.path).join(', ')}.`,
      'Pass one PATH with --name/--version, or leave them out to use the suggestions.'
    )
  }

  const plan = new Plan(index)
  const missing = new Map<string, string[]>()
  for (const candidate of candidates) {
    io.stderr.write(`\n${describe(candidate, plan, c)}\n`)
    const answers = await answer(candidate, { root, flags, plan, useCases, prompter, missing })
    if (answers) plan.add(editFor(candidate, answers, plan))
  }
  if (missing.size > 0) {
    const lines = [...missing].map(
      ([path, needs]) => `  ${shown(path)}:\n${needs.map(n => `    ${n}`).join('\n')}`
    )
    throw new UsageError(
      `No terminal to ask on, and these answers are missing:\n${lines.join('\n')}`,
      'Pass the flags above (add --yes to accept every suggestion), or run modelgate register in a terminal.'
    )
  }

  const edits = plan.edits
  const registered = edits.map(e => ({
    model: e.model,
    version: e.version.version,
    path: e.version.path,
    sha256: e.version.sha256,
    newModel: e.newModel !== undefined
  }))
  if (location.kind === 'central') {
    const where = `${location.owner}/${location.repo}/${location.path}@${location.ref}`
    io.stderr.write(
      `\nThe registry is central (${where}); nothing was written here. Propose this in ${location.owner}/${location.repo}:\n\n`
    )
    const yaml = edits.map(e => entryYaml(e)).join('\n')
    io.stdout.write(
      values.json
        ? `${JSON.stringify({ registered, written: false, central: where, yaml }, null, 2)}\n`
        : yaml
    )
    return 0
  }

  const before = text!
  let after: string
  try {
    after = applyEdits(before, edits)
  } catch (error) {
    throw new ConfigurationError(
      `The registry could not be edited: ${messageOf(error)}.`,
      'Check the shape of `models:` in the registry.'
    )
  }
  const check = parseRegistry(after)
  if (!check.ok) {
    throw new ConfigurationError(
      `The edited registry would be invalid, so nothing was written:\n${issueLines(location.path, check.issues)}`,
      'Fix the answers (or the registry) and run register again.'
    )
  }
  for (const [name, entry] of index.models) {
    const kept = check.index.models.get(name)
    if (
      !kept ||
      entry.versions.some(
        v => !kept.versions.some(k => k.version === v.version && k.sha256 === v.sha256 && k.path === v.path)
      )
    ) {
      throw new ConfigurationError(
        `The edit would lose the entry ${name}; nothing was written.`,
        'Report this as a ModelGate bug.'
      )
    }
  }

  if (prompter && !flags.yes) {
    io.stderr.write(`\n${c.dim(edits.map(e => entryYaml(e)).join('\n'))}`)
    if (
      !(await prompter.confirm(
        `Write ${registered.length} entr${registered.length === 1 ? 'y' : 'ies'} to ${location.path}?`,
        true
      ))
    ) {
      io.stderr.write('Nothing written.\n')
      return 0
    }
  }
  await writeFileAtomic(join(root, location.path), after)
  for (const r of registered) {
    io.stderr.write(
      `${c.green('✔')} Registered ${r.model}@${shown(r.version, 64)} (${shown(r.path)})${r.newModel ? '' : ' as a new version'}.\n`
    )
  }
  io.stderr.write(`Next: git add ${location.path} && git commit, then \`modelgate check\`.\n`)
  if (values.json)
    io.stdout.write(`${JSON.stringify({ registered, written: true, registry: location.path }, null, 2)}\n`)
  return 0
}
