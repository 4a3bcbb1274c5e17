import * as core from '@actions/core'
import type { Logger } from '../logger.js'
import { forLog } from '../render/escape.js'

/**
 * The Action's logger. Every line goes through forLog, so a file name holding a newline and
 * `::error::` is shown, never executed as a workflow command.
 */
export const actionsLogger: Logger = {
  info: message => {
    core.info(forLog(message, 4000))
  },
  warning: message => {
    core.warning(forLog(message, 4000))
  },
  debug: message => {
    core.debug(forLog(message, 4000))
  }
}
