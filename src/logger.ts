/**
 * The logging surface the core and edges use. The Action backs it with @actions/core, the CLI
 * with stderr, and tests with an array; nothing below the edges imports @actions/*.
 */
export interface Logger {
  info(message: string): void
  warning(message: string): void
  debug(message: string): void
}

/** A logger that drops everything (for callers that want silence). */
export const silentLogger: Logger = {
  info: () => undefined,
  warning: () => undefined,
  debug: () => undefined
}
