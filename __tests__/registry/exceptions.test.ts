/** Exception matching (globs, exactness) and states (active / expiring / expired). */
import { describe, expect, it } from '@jest/globals'

import {
  daysUntil,
  exceptionCovers,
  matchException,
  matchExceptions
} from '../../src/core/registry/exceptions.js'
import { parseRegistry } from '../../src/core/registry/parse.js'
import { EXCEPTION_EXPIRING_DAYS, type RegistryException } from '../../src/core/registry/schema.js'

const ex = (path: string, expires: string): RegistryException => ({
  path,
  reason: 'r',
  owner: '@alice',
  expires
})
const day = (iso: string): Date => new Date(`${iso}T12:00:00Z`)

describe('matchException: which paths', () => {
  it('matches globs including dot files, case-sensitively', () => {
    const e = ex('experiments/**', '2027-01-31')
    expect(exceptionCovers(e, 'experiments/a/model.pt')).toBe(true)
    expect(exceptionCovers(e, 'experiments/.hidden/model.pt')).toBe(true)
    expect(exceptionCovers(e, 'Experiments/a/model.pt')).toBe(false)
    expect(exceptionCovers(e, 'src/experiments/model.pt')).toBe(false)
  })

  it('matches an exact path exactly, with no normalisation', () => {
    const e = ex('models/mod\u00e8le.onnx', '2027-01-31')
    expect(exceptionCovers(e, 'models/mod\u00e8le.onnx')).toBe(true)
    expect(exceptionCovers(e, 'models/mode\u0300le.onnx')).toBe(false)
    expect(exceptionCovers(e, 'models/MOD\u00c8LE.onnx')).toBe(false)
    expect(exceptionCovers(ex('models/[a].pt', '2027-01-31'), 'models/[a].pt')).toBe(true)
  })

  it('treats a trailing slash as everything beneath the directory', () => {
    const e = ex('tests/fixtures/', '2027-01-31')
    expect(exceptionCovers(e, 'tests/fixtures/a/b.onnx')).toBe(true)
    expect(exceptionCovers(e, 'tests/fixtures-other/b.onnx')).toBe(false)
  })

  it('returns undefined when nothing covers the path', () => {
    expect(matchException([ex('a/**', '2027-01-31')], 'b/model.pt', day('2026-01-01'))).toBeUndefined()
  })
})

describe('matchException: states', () => {
  const e = ex('a/**', '2026-06-30')

  it('is active well before expiry', () => {
    expect(matchException([e], 'a/m.pt', day('2026-01-01'))).toEqual({
      exception: e,
      state: 'active',
      daysLeft: 180
    })
  })

  it(`is expiring within ${EXCEPTION_EXPIRING_DAYS} days and on the last day`, () => {
    expect(matchException([e], 'a/m.pt', day('2026-06-15'))).toMatchObject({ state: 'active', daysLeft: 15 })
    expect(matchException([e], 'a/m.pt', day('2026-06-16'))).toMatchObject({
      state: 'expiring',
      daysLeft: 14
    })
    expect(matchException([e], 'a/m.pt', new Date('2026-06-30T23:59:59Z'))).toMatchObject({
      state: 'expiring',
      daysLeft: 0
    })
  })

  it('is expired the day after', () => {
    expect(matchException([e], 'a/m.pt', new Date('2026-07-01T00:00:00Z'))).toMatchObject({
      state: 'expired',
      daysLeft: -1
    })
  })

  it('prefers the exception that lasts longest', () => {
    const old = ex('a/**', '2020-01-01')
    const current = ex('a/specific/**', '2027-01-01')
    const r = matchException([old, current], 'a/specific/m.pt', day('2026-01-01'))
    expect(r?.exception).toBe(current)
    expect(matchExceptions([old, current], 'a/specific/m.pt', day('2026-01-01')).map(m => m.state)).toEqual([
      'expired',
      'active'
    ])
  })

  it('counts days in UTC', () => {
    expect(daysUntil('2026-01-02', new Date('2026-01-01T23:30:00-05:00'))).toBe(0) // already Jan 2 in UTC
    expect(daysUntil('2026-03-30', day('2026-03-28'))).toBe(2) // across a DST change
  })

  it('never sees an exception without expiry: the schema refuses it', () => {
    const r = parseRegistry('version: 1\nexceptions:\n  - {path: a/**, reason: r, owner: "@a"}\n')
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.issues[0]?.message).toBe('exceptions[0] is missing the required field `expires`')
  })
})
