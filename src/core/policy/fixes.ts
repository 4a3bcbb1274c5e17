import type { ModelArtifact } from '../detect/artifact.js'

/**
 * Fix text shown beside findings. Paths are attacker-controlled, so they are quoted for the
 * shell (single quotes) and for YAML (JSON strings are valid YAML double-quoted scalars).
 */

/** Quotes a value for POSIX shells: everything inside single quotes is literal. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_./@%+=:,-]+$/.test(value) && !value.startsWith('-')) return value
  return `'${value.replace(/'/g, `'\\''`)}'`
}

/** The exact CLI command that registers the artifact at this path. */
export function registerCommand(path: string): string {
  return `npx modelgate register ${shellQuote(path)}`
}

/** A model name suggested from the artifact's path: its file stem, as a lowercase slug. */
export function suggestModelName(path: string): string {
  const segments = path.split('/').filter(Boolean)
  const last = segments.at(-1) ?? 'model'
  const stem = last.replace(/\.[^.]*$/, '')
  const generic = /^(model|weights|pytorch_model|saved_model|checkpoint|ckpt)$/i.test(stem)
  const base = generic && segments.length > 1 ? `${segments.at(-2)!}-${stem}` : stem
  const slug = base
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  return slug.slice(0, 64) || 'model'
}

/** Registry lines that would register this artifact, for users who edit the file by hand. */
export function registryEntrySnippet(artifact: ModelArtifact, useCase = '<approved-use-case-id>'): string {
  const lines = [
    'models:',
    `  ${suggestModelName(artifact.path)}:`,
    '    owner: "@your-team"',
    `    useCases: [${useCase}]`,
    `    framework: ${JSON.stringify(artifact.framework)}`,
    '    versions:',
    '      - version: 1.0.0',
    `        path: ${JSON.stringify(artifact.path)}`,
    `        sha256: ${artifact.digest}`
  ]
  if (artifact.metadata.frameworkVersion) {
    lines.push(`        frameworkVersion: ${JSON.stringify(artifact.metadata.frameworkVersion)}`)
  }
  return lines.join('\n')
}
