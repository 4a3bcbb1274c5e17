import { confirm, input, search } from '@inquirer/prompts'

import type { CliIo } from './io.js'

export interface Choice {
  value: string
  name: string
  description?: string
}

/** The questions `register` asks. Backed by @inquirer/prompts on a terminal. */
export interface Prompter {
  search(message: string, source: (term: string | undefined) => Choice[]): Promise<string>
  input(
    message: string,
    options: { default?: string; validate?: (value: string) => true | string }
  ): Promise<string>
  confirm(message: string, defaultValue: boolean): Promise<boolean>
}

/** Prompts on the terminal: read from stdin, drawn on stderr (stdout stays clean for --json). */
export function terminalPrompter(io: CliIo): Prompter {
  const context = {
    input: io.stdin,
    output: io.stderr as unknown as NodeJS.WritableStream,
    clearPromptOnDone: false
  }
  return {
    search: (message, source) => search({ message, source: term => source(term), pageSize: 8 }, context),
    input: (message, options) =>
      input(
        {
          message,
          ...(options.default !== undefined ? { default: options.default } : {}),
          ...(options.validate ? { validate: options.validate } : {})
        },
        context
      ),
    confirm: (message, defaultValue) => confirm({ message, default: defaultValue }, context)
  }
}
