import * as core from '@actions/core'

/**
 * The one module that reads action inputs. Empty inputs are returned as undefined, so a policy
 * file's value survives an input nobody set; defaults live only in the zod config schema.
 */
export interface ActionInputs {
  token: string
  registryToken?: string
  /** Policy file path; undefined means the default `.github/modelgate.yml` if present. */
  config?: string
  /** Inline settings merged over the policy file. */
  overrides: {
    registry?: string
    registryRef?: string
    mode?: string
    comment?: string
  }
}

function optional(name: string): string | undefined {
  const value = core.getInput(name).trim()
  return value === '' ? undefined : value
}

/** Reads and masks the inputs. */
export function readActionInputs(): ActionInputs {
  const token = optional('token') ?? ''
  const registryToken = optional('registry-token')
  if (token) core.setSecret(token)
  if (registryToken) core.setSecret(registryToken)
  const config = optional('config')
  const overrides: ActionInputs['overrides'] = {}
  const registry = optional('registry')
  const registryRef = optional('registry-ref')
  const mode = optional('mode')
  const comment = optional('comment')
  if (registry !== undefined) overrides.registry = registry
  if (registryRef !== undefined) overrides.registryRef = registryRef
  if (mode !== undefined) overrides.mode = mode
  if (comment !== undefined) overrides.comment = comment
  return {
    token,
    ...(registryToken !== undefined ? { registryToken } : {}),
    ...(config !== undefined ? { config } : {}),
    overrides
  }
}
