import { parseArgs, type ParseArgsConfig } from 'node:util'

/** A mistake in how the command was called: exit 2 with the message and the command's usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
  constructor(
    message: string,
    /** The usage text of the command, shown under the message. */
    readonly usage?: string
  ) {
    super(message)
  }
}

type Options = NonNullable<ParseArgsConfig['options']>

/** Options every command accepts. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  verbose: { type: 'boolean', short: 'v' }
} as const satisfies Options

/**
 * `node:util` parseArgs in strict mode: an unknown flag, a missing value or a stray positional is
 * a {@link UsageError} carrying the usage text, never ignored.
 */
export function parseCommandArgs<const O extends Options>(
  args: readonly string[],
  options: O,
  usage: string,
  allowPositionals: boolean
) {
  const config = {
    args: [...args],
    options: { ...COMMON_OPTIONS, ...options },
    strict: true as const,
    allowPositionals
  }
  try {
    return parseArgs(config)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/s, '.'), usage)
  }
}
