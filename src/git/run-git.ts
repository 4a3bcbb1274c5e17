/**
 * The one place that starts `git`. Everything in src/git goes through here so that every call gets
 * the same hardening:
 *
 * * `spawn` with an argument vector, never a shell, and never `shell: true`.
 * * `GIT_TERMINAL_PROMPT=0` (a missing credential fails instead of hanging on a prompt),
 *   `LC_ALL=C` (stable, English messages we can match), `GIT_NO_REPLACE_OBJECTS=1` (an object id
 *   always means the object itself, never a `refs/replace/*` substitute), `GIT_NO_LAZY_FETCH=1`
 *   (a partial clone never downloads behind our back), `GIT_OPTIONAL_LOCKS=0` (read-only calls
 *   never take the index lock), `-c core.quotepath=off` (raw bytes in output; we parse `-z`).
 * * stdout captured as bytes with a cap, and a timeout that kills the process.
 * * Errors are typed ({@link GitError}) and their text is redacted: a token in a remote URL or an
 *   `Authorization` header never reaches a log or an annotation.
 */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { PassThrough, type Readable } from 'node:stream'

import type { Logger } from '../logger.js'

/** What callers pass when they want progress or diagnostics (the shared logging surface). */
export type { Logger }

/** A logger that drops everything. */
export const silentLogger: Logger = {
  info: () => undefined,
  warning: () => undefined,
  debug: () => undefined
}

/** Default cap on captured stdout (64 MiB). Calls that can legitimately produce more pass their own. */
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024
/** Default timeout for one git command (2 minutes). Fetches pass a longer one. */
export const DEFAULT_TIMEOUT_MS = 120_000
/** How much stderr is kept for messages. */
const MAX_STDERR_BYTES = 64 * 1024

export type GitFailure = 'exit' | 'timeout' | 'output-limit' | 'spawn'

/** A git command that failed. `message` names the command, the reason and the (redacted) stderr. */
export class GitError extends Error {
  override readonly name = 'GitError'
  /** `git <args>` as run, redacted. */
  readonly command: string
  /** Exit code, or null when the process was killed or never started. */
  readonly exitCode: number | null
  /** Trimmed, redacted stderr (bounded). */
  readonly stderr: string
  readonly reason: GitFailure

  constructor(
    args: readonly string[],
    reason: GitFailure,
    exitCode: number | null,
    stderr: string,
    detail?: string
  ) {
    const command = redact(`git ${args.join(' ')}`)
    const cleanStderr = redact(stderr.trim())
    const why =
      reason === 'exit'
        ? `exited with code ${String(exitCode)}`
        : reason === 'timeout'
          ? `timed out${detail ? ` after ${detail}` : ''}`
          : reason === 'output-limit'
            ? `produced more output than the ${detail ?? ''} limit`
            : `could not be started${detail ? `: ${redact(detail)}` : ''}`
    super(`\`${command}\` ${why}${cleanStderr ? `: ${cleanStderr}` : ''}`)
    this.command = command
    this.exitCode = exitCode
    this.stderr = cleanStderr
    this.reason = reason
  }
}

/**
 * Removes credentials from text that may come from git: userinfo in URLs
 * (`https://x-access-token:ghs_...@github.com`), `Authorization:` header values (actions/checkout
 * stores one as `http.extraheader`), and bare GitHub token shapes.
 */
export function redact(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1***@')
    .replace(/(authorization:\s*(?:basic|bearer|token)?\s*)[^\s'"]+/gi, '$1***')
    .replace(/\b(gh[pousr]_|github_pat_)[A-Za-z0-9_]{10,}/g, '$1***')
}

export interface RunGitOptions {
  /** Working directory: the repository. */
  cwd: string
  /** Cap on captured stdout in bytes; exceeding it kills git and throws `GitError('output-limit')`. */
  maxBytes?: number
  timeoutMs?: number
  /** Bytes written to stdin, then stdin is closed. */
  input?: Buffer | string
  /** Exit codes that are not errors (0 always is). The code is returned in the result. */
  okExitCodes?: readonly number[]
  /** Extra environment variables (on top of the hardened environment). */
  env?: Record<string, string>
}

export interface GitResult {
  stdout: Buffer
  stderr: string
  exitCode: number
}

/** Global options put before every subcommand. */
export const GIT_GLOBAL_ARGS: readonly string[] = ['-c', 'core.quotepath=off', '-c', 'core.fsmonitor=false']

/** The environment every git call runs with. */
export function gitEnv(extra?: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: process.env.GIT_ASKPASS ?? '',
    LC_ALL: 'C',
    LANGUAGE: 'C',
    GIT_NO_REPLACE_OBJECTS: '1',
    GIT_NO_LAZY_FETCH: '1',
    GIT_OPTIONAL_LOCKS: '0',
    GIT_PAGER: 'cat',
    ...extra
  }
}

/**
 * Git is started in its own process group (POSIX), so a timeout kills git and any helper it started
 * (remote-https, credential helpers, an editor) instead of waiting for them to close our pipes.
 */
export function spawnGit(
  args: readonly string[],
  cwd: string,
  env?: Record<string, string>
): ChildProcessWithoutNullStreams {
  return spawn('git', [...GIT_GLOBAL_ARGS, ...args], {
    cwd,
    env: gitEnv(env),
    stdio: ['pipe', 'pipe', 'pipe'],
    shell: false,
    windowsHide: true,
    detached: process.platform !== 'win32'
  })
}

/** Kills git's process group (git may have exited while a helper it started still holds our pipes). */
export function killTree(child: ChildProcess): void {
  const running = child.exitCode === null && child.signalCode === null
  try {
    if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL')
    else if (running) child.kill('SIGKILL')
  } catch {
    if (running) child.kill('SIGKILL')
  }
}

/** Runs `git <args>` in `cwd` and resolves with its stdout bytes; rejects with {@link GitError}. */
export function runGit(args: readonly string[], options: RunGitOptions): Promise<GitResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_OUTPUT_BYTES
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const okCodes = options.okExitCodes ?? []
  return new Promise<GitResult>((resolve, reject) => {
    let settled = false
    const child = spawnGit(args, options.cwd, options.env)
    const chunks: Buffer[] = []
    let length = 0
    const errChunks: Buffer[] = []
    let errLength = 0
    const stderrText = (): string => Buffer.concat(errChunks).toString('utf8')

    const settle = (error: GitError | undefined, result?: GitResult): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (error) {
        killTree(child)
        child.stdout.destroy()
        child.stderr.destroy()
        reject(error)
      } else resolve(result!)
    }
    const timer = setTimeout(() => {
      settle(new GitError(args, 'timeout', null, stderrText(), `${timeoutMs} ms`))
    }, timeoutMs)

    child.stdout.on('data', (chunk: Buffer) => {
      if (settled) return
      length += chunk.length
      if (length > maxBytes) {
        settle(new GitError(args, 'output-limit', null, '', `${maxBytes} bytes`))
        return
      }
      chunks.push(chunk)
    })
    child.stderr.on('data', (chunk: Buffer) => {
      if (errLength >= MAX_STDERR_BYTES) return
      errChunks.push(chunk)
      errLength += chunk.length
    })
    child.on('error', (error: Error) => {
      settle(new GitError(args, 'spawn', null, '', error.message))
    })
    child.on('close', (code: number | null) => {
      const stderr = stderrText()
      if (code === 0 || (code !== null && okCodes.includes(code))) {
        settle(undefined, { stdout: Buffer.concat(chunks, length), stderr, exitCode: code })
      } else {
        settle(new GitError(args, 'exit', code, stderr))
      }
    })
    // A git that exits before reading stdin gives EPIPE here; the exit code tells the story.
    child.stdin.on('error', () => undefined)
    if (options.input !== undefined) child.stdin.end(options.input)
    else child.stdin.end()
  })
}

export interface StreamGitOptions {
  cwd: string
  timeoutMs?: number
  env?: Record<string, string>
}

/**
 * Runs `git <args>` and returns its stdout as a stream, e.g. `git cat-file blob <oid>`.
 *
 * The stream ends only after git exited with 0; a non-zero exit, a timeout or a spawn failure
 * destroys it with a {@link GitError}, so a consumer never mistakes a failed read for a short file.
 * Destroying the stream early (a consumer that has read enough) kills git.
 */
export function streamGit(args: readonly string[], options: StreamGitOptions): Readable {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const out = new PassThrough()
  const child = spawnGit(args, options.cwd, options.env)
  child.stdin.on('error', () => undefined)
  child.stdin.end()
  const errChunks: Buffer[] = []
  let errLength = 0
  let exited = false
  const timer = setTimeout(() => {
    killTree(child)
    if (!out.destroyed) out.destroy(new GitError(args, 'timeout', null, stderrText(), `${timeoutMs} ms`))
  }, timeoutMs)
  const stderrText = (): string => Buffer.concat(errChunks).toString('utf8')

  child.stdout.pipe(out, { end: false })
  child.stderr.on('data', (chunk: Buffer) => {
    if (errLength >= MAX_STDERR_BYTES) return
    errChunks.push(chunk)
    errLength += chunk.length
  })
  child.on('error', (error: Error) => {
    exited = true
    clearTimeout(timer)
    out.destroy(new GitError(args, 'spawn', null, '', error.message))
  })
  child.on('close', (code: number | null) => {
    exited = true
    clearTimeout(timer)
    if (out.destroyed) return
    if (code === 0) out.end()
    else out.destroy(new GitError(args, 'exit', code, stderrText()))
  })
  out.on('close', () => {
    clearTimeout(timer)
    if (!exited) {
      child.stdout.unpipe(out)
      child.stdout.destroy()
      child.stderr.destroy()
      killTree(child)
    }
  })
  return out
}
