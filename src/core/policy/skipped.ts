import type { SkippedEntry } from '../detect/artifact.js'
import { inferPointerTarget } from '../detect/pointers.js'
import type { Finding } from '../report/model.js'
import { rule } from './rules.js'

/** The finding for a tree entry the scan did not classify (symlink, submodule, unreadable file). */
export function skippedFinding(entry: SkippedEntry): Finding {
  if (entry.reason === 'submodule') {
    return {
      code: 'MG015',
      severity: rule('MG015').defaultSeverity,
      message: `Submodule ${entry.path} changed; ModelGate never enters submodules, so models inside it are not judged.`,
      path: entry.path,
      fix: 'Run ModelGate in the submodule repository, or set MG015 to warning in the policy file if that is accepted.'
    }
  }
  if (entry.reason === 'symlink') {
    const target = entry.linkTarget
    const escapes = target !== undefined && linkEscapesTree(entry.path, target)
    const modelLike = escapes && inferPointerTarget(target) !== null
    return {
      code: 'MG016',
      // A link out of the repository to a model file smuggles an ungoverned model in: an error.
      severity: modelLike ? 'error' : rule('MG016').defaultSeverity,
      message: modelLike
        ? `${entry.path} is a symlink to ${target}, a model file outside the repository; ModelGate never follows symlinks, so that model is ungoverned.`
        : `${entry.path} is a symlink (${entry.detail}); ModelGate never follows symlinks.`,
      path: entry.path,
      fix: 'Commit the model file itself instead of a link to it.'
    }
  }
  return {
    code: 'MG017',
    severity: rule('MG017').defaultSeverity,
    message: `${entry.path} could not be read: ${entry.detail}.`,
    path: entry.path,
    fix: 'Check the file is a regular file committed to the repository.'
  }
}

/** Whether a link at `path` pointing at `target` leaves the repository (absolute, or `..` past the root). */
function linkEscapesTree(path: string, target: string): boolean {
  if (target.startsWith('/') || /^[A-Za-z]:[\\/]/.test(target) || target.startsWith('\\')) return true
  const parts = path.split('/').slice(0, -1)
  for (const part of target.split(/[\\/]/)) {
    if (part === '..') {
      if (parts.length === 0) return true
      parts.pop()
    } else if (part !== '.' && part !== '') parts.push(part)
  }
  return false
}
