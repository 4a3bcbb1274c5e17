import { ConfigurationError, messageOf } from '../errors.js'
import { GitSetupError } from '../git/errors.js'
import { UsageError } from './args.js'
import { runCheck } from './commands/check.js'
import { runReconcile } from './commands/reconcile.js'
import { runRegister } from './commands/register.js'
import { runScan } from './commands/scan.js'
import { runSchema } from './commands/schema.js'
import { colours, type CliIo } from './io.js'
import { shown } from './render-terminal.js'

export const USAGE = `Usage: modelgate <command> [options]

Finds ML model files and gates them against the model registry (ai-registry.yaml).

Commands:
  scan [DIR]          list the model files in DIR (--json for machine output)
  register [PATH...]  register models: asks only what the files cannot tell
  check               run the CI gate on your local change (before you push)
  reconcile           list shadow, drifted, moved and stale models in the whole tree
  schema              print the registry's JSON Schema (for editors)

Run \`modelgate <command> --help\` for a command's options and examples.

Exit codes: 0 pass, 1 findings, 2 usage or configuration error.
`

type Command = (args: readonly string[], io: CliIo) => Promise<number> | number

const COMMANDS: ReadonlyMap<string, Command> = new Map<string, Command>([
  ['scan', (args, io) => runScan(args, io)],
  ['register', runRegister],
  ['check', runCheck],
  ['reconcile', runReconcile],
  ['schema', runSchema]
])

/**
 * The CLI: dispatches to a command and turns every failure into an exit code. Never calls
 * process.exit: the entry point sets process.exitCode from the result.
 * Usage and configuration problems exit 2 with the fix; a fault exits 2 too (it never passes).
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    ;(name === undefined ? io.stderr : io.stdout).write(USAGE)
    return name === undefined ? 2 : 0
  }
  const command = COMMANDS.get(name)
  const c = colours(io.stderr, io.env)
  if (!command) {
    io.stderr.write(`${c.red('error:')} unknown command ${JSON.stringify(shown(name, 40))}.\n\n${USAGE}`)
    return 2
  }
  try {
    return await command(args, io)
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`${c.red('error:')} ${error.message}\n`)
      if (error.usage !== undefined)
        io.stderr.write(error.usage.includes('\n') ? `\n${error.usage}` : `${error.usage}\n`)
      return 2
    }
    if (error instanceof ConfigurationError || error instanceof GitSetupError) {
      io.stderr.write(`${c.red('error:')} ${error.message}\n${c.bold('fix:')} ${error.fix}\n`)
      return 2
    }
    io.stderr.write(`${c.red('error:')} modelgate ${name} could not complete: ${messageOf(error)}\n`)
    return 2
  }
}
