import type { Logger } from '../logger.js'

/**
 * What a command may touch of the outside world. The entry point passes the process streams;
 * tests pass their own. Nothing in the CLI reads `process` directly, so commands stay testable.
 */
export interface OutStream {
  write(text: string): unknown
  isTTY?: boolean
  columns?: number
}

export interface CliIo {
  stdout: OutStream
  stderr: OutStream
  /** Prompts read from here; the CLI never waits on it unless `isTTY` is true. */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean }
  env: Readonly<Record<string, string | undefined>>
  cwd: string
}

/** The io of the running process. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd()
  }
}

export interface Colours {
  enabled: boolean
  red(text: string): string
  green(text: string): string
  yellow(text: string): string
  cyan(text: string): string
  dim(text: string): string
  bold(text: string): string
}

/**
 * Colour follows the usual conventions: `FORCE_COLOR` (anything but `0`/`false`) forces it on,
 * `NO_COLOR` (any non-empty value, https://no-color.org) turns it off, otherwise the stream must
 * be a terminal and `TERM` not `dumb`.
 */
export function colourEnabled(stream: OutStream, env: CliIo['env']): boolean {
  const force = env.FORCE_COLOR
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false'
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  return stream.isTTY === true && env.TERM !== 'dumb'
}

export function colours(stream: OutStream, env: CliIo['env']): Colours {
  const enabled = colourEnabled(stream, env)
  const sgr =
    (open: number, close: number) =>
    (text: string): string =>
      enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text
  return {
    enabled,
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    cyan: sgr(36, 39),
    dim: sgr(2, 22),
    bold: sgr(1, 22)
  }
}

/** True in CI, where caches are never trusted and progress bars would litter the log. */
export function inCi(env: CliIo['env']): boolean {
  return env.CI === 'true' || env.GITHUB_ACTIONS === 'true'
}

/** Logs to stderr: warnings always, info and debug with `--verbose`. */
export function stderrLogger(io: CliIo, verbose: boolean): Logger {
  const c = colours(io.stderr, io.env)
  return {
    info: message => {
      if (verbose) io.stderr.write(`${c.dim(message)}\n`)
    },
    warning: message => {
      io.stderr.write(`${c.yellow('warning:')} ${message}\n`)
    },
    debug: message => {
      if (verbose) io.stderr.write(`${c.dim(`debug: ${message}`)}\n`)
    }
  }
}
