/**
 * Matching paths against registry exceptions (time-bound waivers).
 *
 * - `path` is an exact repository path or a picomatch glob, matched with `dot: true` (dot files
 *   and directories are covered), case-sensitively, with negation disabled. A trailing `/` covers
 *   everything beneath that directory (`experiments/` is `experiments/**`).
 * - `expires` is the last day (UTC) on which the exception applies. On that day `daysLeft` is 0.
 * - state: `active` when more than {@link EXCEPTION_EXPIRING_DAYS} days are left, `expiring` within
 *   that window (still waives, reported so owners renew or clean up), `expired` after the day (waives
 *   nothing; the policy reports it).
 * Exceptions without an expiry never get here: the schema refuses them.
 */
import picomatch from 'picomatch'

import { EXCEPTION_EXPIRING_DAYS, type RegistryException } from './schema.js'

export type ExceptionState = 'active' | 'expiring' | 'expired'

export interface ExceptionMatch {
  exception: RegistryException
  state: ExceptionState
  /** Whole days from `today` (UTC) to the expiry day; 0 on the day itself, negative once expired. */
  daysLeft: number
}

const DAY_MS = 24 * 60 * 60 * 1000

const matchers = new Map<string, (p: string) => boolean>()

function matcherFor(pattern: string): (p: string) => boolean {
  let m = matchers.get(pattern)
  if (!m) {
    const glob = pattern.endsWith('/') ? `${pattern}**` : pattern
    const isMatch = picomatch(glob, { dot: true, nocase: false, nonegate: true, windows: false })
    m = (p: string) => isMatch(p)
    if (matchers.size > 10_000) matchers.clear()
    matchers.set(pattern, m)
  }
  return m
}

/** Whether the exception's path or glob covers `path` (exact, case-sensitive). */
export function exceptionCovers(exception: RegistryException, path: string): boolean {
  return exception.path === path || matcherFor(exception.path)(path)
}

function utcDay(d: Date): number {
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
}

/** Days from `today` (UTC date) to the `YYYY-MM-DD` expiry. */
export function daysUntil(expires: string, today: Date): number {
  const [y, m, d] = expires.split('-').map(Number) as [number, number, number]
  return Math.round((Date.UTC(y, m - 1, d) - utcDay(today)) / DAY_MS)
}

export function exceptionState(
  exception: RegistryException,
  today: Date
): { state: ExceptionState; daysLeft: number } {
  const daysLeft = daysUntil(exception.expires, today)
  const state: ExceptionState =
    daysLeft < 0 ? 'expired' : daysLeft <= EXCEPTION_EXPIRING_DAYS ? 'expiring' : 'active'
  return { state, daysLeft }
}

/** Every exception covering `path`, in file order. */
export function matchExceptions(
  exceptions: readonly RegistryException[],
  path: string,
  today: Date
): ExceptionMatch[] {
  return exceptions
    .filter(e => exceptionCovers(e, path))
    .map(exception => ({ exception, ...exceptionState(exception, today) }))
}

/**
 * The exception that applies to `path`, or undefined. When several cover it, the one that lasts
 * longest wins (so a stale broad exception never hides a current specific one); ties go to the
 * first in the file. The result may be `expired`: the caller reports it and waives nothing.
 */
export function matchException(
  exceptions: readonly RegistryException[],
  path: string,
  today: Date
): ExceptionMatch | undefined {
  let best: ExceptionMatch | undefined
  for (const m of matchExceptions(exceptions, path, today)) {
    if (!best || m.daysLeft > best.daysLeft) best = m
  }
  return best
}
