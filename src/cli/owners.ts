import picomatch from 'picomatch'

import { OwnerSchema } from '../core/registry/schema.js'
import { runGit } from '../git/run-git.js'
import { readWorkingFile } from './workspace.js'

/** Where GitHub looks for CODEOWNERS, in its order. */
const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS']

function globsOf(pattern: string): string[] {
  let p = pattern
  const anchored = p.startsWith('/') || p.replace(/\/$/, '').includes('/')
  p = p.replace(/^\//, '')
  if (p.endsWith('/')) p = `${p}**`
  const base = anchored ? p : `**/${p}`
  return [base, `${base}/**`]
}

/**
 * The owner CODEOWNERS gives `path` (the last matching rule wins, as on GitHub), taking the first
 * owner that is a valid registry owner. Undefined when no rule matches.
 */
export function codeOwnerOf(codeowners: string, path: string): string | undefined {
  let owner: string | undefined
  for (const raw of codeowners.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim()
    if (line === '') continue
    const [pattern, ...owners] = line.split(/\s+/)
    if (!pattern) continue
    if (!picomatch(globsOf(pattern), { dot: true })(path)) continue
    owner = owners.find(o => OwnerSchema.safeParse(o).success) ?? undefined
  }
  return owner
}

/** The default owner for a new model: CODEOWNERS for its path, else `git config user.email`. */
export async function defaultOwner(
  root: string,
  path: string
): Promise<{ owner: string; from: string } | undefined> {
  for (const file of CODEOWNERS_PATHS) {
    const bytes = await readWorkingFile(root, file, 1024 * 1024).catch(() => null)
    if (bytes === null) continue
    const owner = codeOwnerOf(bytes.toString('utf8'), path)
    if (owner) return { owner, from: file }
    break // GitHub uses only the first CODEOWNERS file it finds
  }
  try {
    const { stdout, exitCode } = await runGit(['config', 'user.email'], { cwd: root, okExitCodes: [1] })
    const email = stdout.toString('utf8').trim()
    if (exitCode === 0 && OwnerSchema.safeParse(email).success)
      return { owner: email, from: 'git config user.email' }
  } catch {
    // No git: no default.
  }
  return undefined
}
