import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

/** Real model files from the committed corpus (written by the real frameworks). */
export function corpusPath(path: string): string {
  return resolve(import.meta.dirname, '../../fixtures/corpus', path)
}

export function corpusBytes(path: string): Buffer {
  return readFileSync(corpusPath(path))
}

export function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex')
}

export interface UseCaseSpec {
  status: 'proposed' | 'approved' | 'rejected' | 'retired'
  owner?: string
  title?: string
}

export interface ModelSpec {
  name: string
  path: string
  digest: string
  useCases?: string[]
  version?: string
  status?: 'pending' | 'approved' | 'retired'
}

export interface RegistrySpec {
  /** Default: one approved use case, `fraud-scoring`. */
  useCases?: Record<string, UseCaseSpec>
  models?: ModelSpec[]
  /** Raw YAML placed after `models:` (exceptions and the like). */
  tail?: string
  /** A comment line placed first, to check that edits keep comments. */
  header?: string
}

export const DEFAULT_USE_CASES: Record<string, UseCaseSpec> = {
  'fraud-scoring': { status: 'approved', owner: '@acme/risk', title: 'Card-fraud scoring' }
}

/** Builds a registry file the way people write one: block style, one entry per model. */
export function registryYaml(spec: RegistrySpec = {}): string {
  const useCases = Object.entries(spec.useCases ?? DEFAULT_USE_CASES)
    .map(
      ([id, u]) =>
        `  ${id}:\n    title: ${JSON.stringify(u.title ?? id)}\n    owner: ${JSON.stringify(u.owner ?? '@acme/governance')}\n    status: ${u.status}\n`
    )
    .join('')
  const models = (spec.models ?? [])
    .map(
      m =>
        `  ${m.name}:\n    owner: "@acme/ml"\n    useCases: [${(m.useCases ?? ['fraud-scoring']).join(', ')}]\n    versions:\n` +
        `      - version: ${m.version ?? '1.0.0'}\n        path: ${JSON.stringify(m.path)}\n        sha256: ${m.digest}\n` +
        (m.status ? `        status: ${m.status}\n` : '')
    )
    .join('')
  return `${spec.header ?? ''}version: 1\nuseCases:\n${useCases}models:${models ? `\n${models}` : ' {}\n'}${spec.tail ?? ''}`
}
