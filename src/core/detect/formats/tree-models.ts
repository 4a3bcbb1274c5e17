import { ascii, f32le, isPrintableAscii, u32le, u64leSafe } from '../bytes.js'
import type { Classification } from '../types.js'
import { type Probe, result } from './probe.js'

/**
 * Binary gradient-boosting formats:
 * - CatBoost `.cbm`: magic "CBM1" (catboost/libs/model/model.cpp, MODEL_FILE_DESCRIPTOR_CHARS).
 * - XGBoost UBJSON (`.ubj`, xgboost >= 1.6): a UBJSON object ('{') whose keys are length-prefixed
 *   strings (length as an 'i','U','I','l' or 'L' integer, ubjson.org spec), starting with `learner`;
 *   `version` ([major, minor, patch]) is the last key, so it is read from the tail.
 * - XGBoost legacy binary (xgboost src/learner.cc LoadModel): optional "binf" prefix, a 136-byte
 *   LearnerModelParamLegacy (base_score f32, num_feature u32, num_class i32, contain_extra_attrs,
 *   contain_eval_metrics, major_version u32, minor_version u32, num_target, boost_from_average,
 *   reserved[25]), then the objective and booster names as dmlc strings (u64 length + bytes).
 */
const LEGACY_PARAM_SIZE = 136
const OBJECTIVE = /^(reg|binary|multi|rank|count|survival):[a-z_]{2,32}$/
const BOOSTERS = new Set(['gbtree', 'gblinear', 'dart'])

/** Reads a UBJSON length (marker + integer) at pos; returns [value, next]. */
function ubjLength(b: Uint8Array, pos: number): [number, number] | undefined {
  const m = b[pos]
  if (m === 0x69) return b[pos + 1] === undefined ? undefined : [(b[pos + 1]! << 24) >> 24, pos + 2] // i: int8
  if (m === 0x55) return b[pos + 1] === undefined ? undefined : [b[pos + 1]!, pos + 2] // U: uint8
  if (m === 0x49 && pos + 3 <= b.length) return [(((b[pos + 1]! << 8) | b[pos + 2]!) << 16) >> 16, pos + 3] // I: int16 BE
  if (m === 0x6c && pos + 5 <= b.length) {
    const dv = new DataView(b.buffer, b.byteOffset + pos + 1, 4)
    return [dv.getInt32(0, false), pos + 5] // l: int32 BE
  }
  if (m === 0x4c && pos + 9 <= b.length) {
    const dv = new DataView(b.buffer, b.byteOffset + pos + 1, 8)
    const v = dv.getBigInt64(0, false) // L: int64 BE
    return v >= 0n && v < 1_000_000n ? [Number(v), pos + 9] : undefined
  }
  return undefined
}

function ubjKey(b: Uint8Array, pos: number): [string, number] | undefined {
  const l = ubjLength(b, pos)
  if (l === undefined || l[0] <= 0 || l[0] > 64 || l[1] + l[0] > b.length) return undefined
  return [ascii(b, l[1], l[1] + l[0]), l[1] + l[0]]
}

async function detectUbj(p: Probe): Promise<Classification | null> {
  const b = p.head
  if (b[0] !== 0x7b) return null
  const k = ubjKey(b, 1)
  if (k === undefined || (k[0] !== 'learner' && k[0] !== 'version')) return null
  if (k[0] === 'learner') {
    // The learner value is an object whose first key is one of xgboost's learner members.
    const inner = b[k[1]] === 0x7b ? ubjKey(b, k[1] + 1) : undefined
    if (
      inner === undefined ||
      !/^(attributes|feature_names|feature_types|gradient_booster|learner_model_param|objective)$/.test(
        inner[0]
      )
    )
      return null
  }
  const meta: Classification['metadata'] = {}
  const tail = await p.readUpTo(Math.max(0, p.size - 64), 64)
  const at = ascii(tail).lastIndexOf('version')
  if (at >= 0) {
    // "version" then an array: optimized '[#' count, or plain '[' with typed ints.
    const nums: number[] = []
    for (let i = at + 7; i < tail.length && nums.length < 3; i++) {
      const c = tail[i]
      if (c === 0x69 || c === 0x55) {
        nums.push(c === 0x69 ? (tail[i + 1]! << 24) >> 24 : tail[i + 1]!)
        i++
      } else if (c === 0x6c && i + 4 < tail.length) {
        nums.push(new DataView(tail.buffer, tail.byteOffset + i + 1, 4).getInt32(0, false))
        i += 4
      }
      // '[', '#', count markers and the count itself are skipped by the loop.
      if (c === 0x23) i += tail[i + 1] === 0x4c ? 9 : 2
    }
    if (nums.length === 3) meta.frameworkVersion = nums.join('.')
  }
  return result('xgboost-ubj', 'xgboost', meta)
}

function dmlcString(b: Uint8Array, pos: number): [string, number] | undefined {
  const n = u64leSafe(b, pos)
  if (n === undefined || n === 0 || n > 64 || pos + 8 + n > b.length) return undefined
  return [ascii(b, pos + 8, pos + 8 + n), pos + 8 + n]
}

function detectXgbBinary(p: Probe): Classification | null {
  const b = p.head
  const base = ascii(b, 0, 4) === 'binf' ? 4 : 0
  const obj = dmlcString(b, base + LEGACY_PARAM_SIZE)
  if (obj === undefined || !OBJECTIVE.test(obj[0])) return null
  const booster = dmlcString(b, obj[1])
  if (booster === undefined || !BOOSTERS.has(booster[0])) return null
  const extra: Record<string, string> = { objective: obj[0], booster: booster[0] }
  const score = f32le(b, base)
  if (score !== undefined && Number.isFinite(score)) extra.baseScore = String(score)
  const meta: Classification['metadata'] = { extra }
  const major = u32le(b, base + 20)
  const minor = u32le(b, base + 24)
  if (major !== undefined && minor !== undefined && major > 0 && major < 100 && minor < 100) {
    meta.frameworkVersion = `${major}.${minor}`
  }
  return result('xgboost-binary', 'xgboost', meta)
}

/** A dmlc string length of 1..64 (u64 LE) at `off`, as detectXgbBinary requires. */
function smallU64(b: Uint8Array, off: number): boolean {
  const lo = b[off]
  if (lo === undefined || lo === 0 || lo > 64 || off + 8 > b.length) return false
  for (let i = 1; i < 8; i++) if (b[off + i] !== 0) return false
  return true
}

/**
 * Prefilter for detectTreeBinary: "CBM1"; a UBJSON object whose first key has a length marker;
 * or the legacy binary's objective string length after the 136-byte parameter block.
 */
export function mightMatch(b: Uint8Array): boolean {
  if (b[0] === 0x43 && b[1] === 0x42 && b[2] === 0x4d && b[3] === 0x31) return true
  if (b[0] === 0x7b) {
    const m = b[1]
    if (m === 0x69 || m === 0x55 || m === 0x49 || m === 0x6c || m === 0x4c) return true
  }
  return smallU64(b, LEGACY_PARAM_SIZE) || smallU64(b, LEGACY_PARAM_SIZE + 4)
}

export async function detectTreeBinary(p: Probe): Promise<Classification | null> {
  if (ascii(p.head, 0, 4) === 'CBM1') {
    // "CBM1", the u32 size of the model core, then the core FlatBuffer whose first u32 is its root
    // table offset (inside the core). Text that merely starts with "CBM1" fails these checks.
    const n = u32le(p.head, 4)
    const root = u32le(p.head, 8)
    if (n === undefined || root === undefined || n < 16 || root < 4 || root >= n) return null
    if (n + 8 <= p.size) return result('catboost', 'catboost')
    // Declared core larger than the file: a damaged model, unless the "sizes" are really text.
    if (isPrintableAscii(p.head.subarray(4, 12))) return null
    return result('catboost', 'catboost', {}, 'model core size runs past the file')
  }
  return (await detectUbj(p)) ?? detectXgbBinary(p)
}
