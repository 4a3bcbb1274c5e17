import { readFile, stat } from 'node:fs/promises'
import { join, relative, resolve, sep } from 'node:path'

import type { RegistryLocation } from '../core/config/schema.js'
import { loadSettings, type GateSettings } from '../gate/settings.js'
import { readBlobAt } from '../git/commit-tree.js'
import { runGit } from '../git/run-git.js'
import { parseRegistry, type RegistryParse } from '../core/registry/parse.js'
import { ConfigurationError } from '../errors.js'
import type { Logger } from '../logger.js'
import { WorkingTree } from '../tree/working-tree.js'
import { CACHE_DIR, CachingTree } from './hash-cache.js'
import { inCi, type CliIo } from './io.js'
import { HashProgress } from './progress.js'

/** The most bytes a registry or policy file may have before it is refused (as in the Action). */
export const REGISTRY_MAX_BYTES = 10 * 1024 * 1024
const CONFIG_MAX_BYTES = 1024 * 1024

/** The repository the CLI works on: the git top level of the current directory, else the directory itself. */
export async function findRoot(cwd: string): Promise<{ root: string; git: boolean }> {
  try {
    const { stdout, exitCode } = await runGit(['rev-parse', '--show-toplevel'], { cwd, okExitCodes: [128] })
    const top = stdout.toString('utf8').trim()
    if (exitCode === 0 && top !== '') return { root: top, git: true }
  } catch {
    // git missing: work on the directory itself.
  }
  return { root: cwd, git: false }
}

/** A repo-relative POSIX path for a command-line PATH argument (relative to the current directory). */
export function repoPath(root: string, cwd: string, arg: string): string {
  const rel = relative(root, resolve(cwd, arg))
  if (rel === '') return ''
  if (rel.startsWith('..') || resolve(root, rel) !== resolve(cwd, arg)) {
    throw new ConfigurationError(
      `${arg} is outside the repository ${root}.`,
      'Pass paths inside the repository.'
    )
  }
  return rel.split(sep).join('/')
}

/** Reads a file of the working tree, or null when it does not exist. Refuses anything but a regular file. */
export async function readWorkingFile(root: string, path: string, maxBytes: number): Promise<Buffer | null> {
  const full = join(root, path)
  try {
    const st = await stat(full)
    if (!st.isFile()) throw new ConfigurationError(`${path} is not a regular file.`, `Make ${path} a file.`)
    if (st.size > maxBytes) {
      throw new ConfigurationError(
        `${path} is ${st.size} bytes; at most ${maxBytes} are read.`,
        `Check that ${path} is the right file.`
      )
    }
    return await readFile(full)
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return null
    throw error
  }
}

export interface SettingsFlags {
  registry?: string | undefined
  config?: string | undefined
}

/**
 * The gate settings for a CLI run. `trustedCommit` undefined reads the policy file from the
 * working tree (register, reconcile); `check` passes the base commit, as the Action does.
 */
export async function cliSettings(
  root: string,
  flags: SettingsFlags,
  log: Logger,
  trustedCommit?: string
): Promise<GateSettings> {
  return loadSettings({
    inputs: flags.registry !== undefined ? { registry: flags.registry } : {},
    configPath: flags.config,
    readConfig: path =>
      trustedCommit === undefined
        ? readWorkingFile(root, path, CONFIG_MAX_BYTES)
        : readBlobAt(root, trustedCommit, path, CONFIG_MAX_BYTES),
    release: false,
    log
  })
}

/** The working tree, with the hash cache (outside CI) and a progress line (on a terminal, outside CI). */
export async function openWorkingTree(
  root: string,
  io: CliIo
): Promise<{ tree: CachingTree; progress?: HashProgress }> {
  const ci = inCi(io.env)
  const progress = io.stderr.isTTY === true && !ci ? new HashProgress(io.stderr) : undefined
  const tree = new CachingTree(new WorkingTree(root), root, ci ? undefined : join(root, CACHE_DIR), progress)
  await tree.load()
  return progress ? { tree, progress } : { tree }
}

export type LocalRegistry =
  | { state: 'missing'; path: string }
  | { state: 'broken'; path: string; text: string; parse: Extract<RegistryParse, { ok: false }> }
  | { state: 'ok'; path: string; text: string; parse: Extract<RegistryParse, { ok: true }> }

/** Reads and parses the in-repo registry from the working tree. */
export async function readLocalRegistry(
  root: string,
  location: Extract<RegistryLocation, { kind: 'local' }>
): Promise<LocalRegistry> {
  const bytes = await readWorkingFile(root, location.path, REGISTRY_MAX_BYTES)
  if (bytes === null) return { state: 'missing', path: location.path }
  const parse = parseRegistry(bytes)
  const text = bytes.toString('utf8')
  return parse.ok
    ? { state: 'ok', path: location.path, text, parse }
    : { state: 'broken', path: location.path, text, parse }
}

/** `file:line:col: message (hint)` lines for registry issues. */
export function issueLines(
  file: string,
  issues: Extract<RegistryParse, { ok: false }>['issues'],
  max = 20
): string {
  const lines = issues
    .slice(0, max)
    .map(i => `  ${file}:${i.line}:${i.column}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`)
  if (issues.length > max) lines.push(`  … and ${issues.length - max} more`)
  return lines.join('\n')
}
