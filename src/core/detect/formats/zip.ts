import { u16le, u32le, u64le } from '../bytes.js'
import { inflatePrefix } from './inflate.js'
import { LIMITS, type Probe } from './probe.js'

/**
 * A bounded zip central-directory reader (PKWARE APPNOTE.TXT 6.3.x). It reads the end of the file
 * to find the end-of-central-directory record (4.3.16), follows the ZIP64 locator (4.3.15) when
 * present, validates the declared directory against the file size, and parses at most
 * LIMITS.zipCentralDirectory bytes / LIMITS.zipEntries entries. Entry contents are never
 * extracted except small, bounded reads through readEntry().
 */

const EOCD_SIG = 0x06054b50
const ZIP64_LOCATOR_SIG = 0x07064b50
const ZIP64_EOCD_SIG = 0x06064b50
const CDH_SIG = 0x02014b50
const LFH_SIG = 0x04034b50
/** Fixed sizes: EOCD 22, central directory header 46, local file header 30 (APPNOTE 4.3.7/4.3.12). */
const EOCD_SIZE = 22
const CDH_SIZE = 46
const LFH_SIZE = 30
/** Names longer than this are kept truncated; the format allows 65,535. */
const MAX_NAME = 1024

export interface ZipEntry {
  name: string
  method: number
  compressedSize: number
  size: number
  localHeaderOffset: number
}

export interface ZipDirectory {
  entries: ZipEntry[]
  /** Entries the EOCD declares. */
  declaredEntries: number
  /** We stopped before the declared end (directory larger than our cap). Not an error. */
  partial: boolean
  /** Set when the directory lies about itself (sizes past the file, impossible counts). */
  malformed?: string
  /** Offset of the first byte of the archive (non-zero for prepended data, e.g. llamafile). */
  base: number
}

/** Finds and parses the central directory; undefined when there is no EOCD at all. */
export async function readZipDirectory(p: Probe): Promise<ZipDirectory | undefined> {
  if (p.size < EOCD_SIZE) return undefined
  const tailLen = Math.min(p.size, LIMITS.zipTail)
  const tailStart = p.size - tailLen
  const tail = await p.read(tailStart, tailLen)
  let eocd = -1
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (u32le(tail, i) === EOCD_SIG && i + EOCD_SIZE + (u16le(tail, i + 20) ?? 0) <= tail.length) {
      eocd = i
      break
    }
  }
  if (eocd < 0) return undefined
  let declared = u16le(tail, eocd + 10)!
  let cdSize = u32le(tail, eocd + 12)!
  let cdOffset = u32le(tail, eocd + 16)!
  const eocdAbs = tailStart + eocd
  let recordEnd = eocdAbs

  // ZIP64: a locator sits 20 bytes before the EOCD and points at the ZIP64 EOCD record.
  const loc = eocd - 20
  if (loc >= 0 && u32le(tail, loc) === ZIP64_LOCATOR_SIG) {
    const z64off = u64le(tail, loc + 8)!
    if (z64off > BigInt(p.size - 56))
      return {
        entries: [],
        declaredEntries: 0,
        partial: false,
        base: 0,
        malformed: 'ZIP64 locator points past the file'
      }
    const rec = await p.read(Number(z64off), 56)
    if (u32le(rec, 0) !== ZIP64_EOCD_SIG)
      return {
        entries: [],
        declaredEntries: 0,
        partial: false,
        base: 0,
        malformed: 'ZIP64 end record missing'
      }
    const n = u64le(rec, 32)!
    const s = u64le(rec, 40)!
    const o = u64le(rec, 48)!
    const big = BigInt(Number.MAX_SAFE_INTEGER)
    if (n > big || s > big || o > big)
      return {
        entries: [],
        declaredEntries: 0,
        partial: false,
        base: 0,
        malformed: 'ZIP64 sizes exceed any file'
      }
    declared = Number(n)
    cdSize = Number(s)
    cdOffset = Number(o)
    recordEnd = Number(z64off)
  }

  // Archives with prepended data (self-extracting, APE/llamafile) have offsets relative to the
  // archive start: the directory ends where the EOCD records begin.
  let base = 0
  if (cdOffset + cdSize !== recordEnd && recordEnd - cdSize >= 0) {
    base = recordEnd - cdSize - cdOffset
    if (base < 0) base = 0
  }
  const dir: ZipDirectory = { entries: [], declaredEntries: declared, partial: false, base }
  const start = base + cdOffset
  if (start + cdSize > p.size || cdSize > p.size) {
    dir.malformed = `central directory (${cdSize} bytes at ${start}) runs past the file (${p.size} bytes)`
    return dir
  }
  if (declared * CDH_SIZE > cdSize) {
    dir.malformed = `directory claims ${declared} entries but has room for ${Math.floor(cdSize / CDH_SIZE)}`
  }
  const readLen = Math.min(cdSize, LIMITS.zipCentralDirectory)
  dir.partial = readLen < cdSize
  const cd = await p.read(start, readLen)
  let pos = 0
  const max = Math.min(declared, LIMITS.zipEntries)
  while (dir.entries.length < max && pos + CDH_SIZE <= cd.length) {
    if (u32le(cd, pos) !== CDH_SIG) {
      dir.malformed ??= `bad central directory header at entry ${dir.entries.length}`
      break
    }
    const nameLen = u16le(cd, pos + 28)!
    const extraLen = u16le(cd, pos + 30)!
    const commentLen = u16le(cd, pos + 32)!
    if (pos + CDH_SIZE + nameLen > cd.length) {
      dir.partial = true
      break
    }
    const nameBytes = cd.subarray(pos + CDH_SIZE, pos + CDH_SIZE + Math.min(nameLen, MAX_NAME))
    let compressedSize = u32le(cd, pos + 20)!
    let size = u32le(cd, pos + 24)!
    let localHeaderOffset = u32le(cd, pos + 42)!
    // ZIP64 extended information extra field (header id 0x0001, APPNOTE 4.5.3).
    if (compressedSize === 0xffffffff || size === 0xffffffff || localHeaderOffset === 0xffffffff) {
      let e = pos + CDH_SIZE + nameLen
      const eEnd = Math.min(cd.length, e + extraLen)
      while (e + 4 <= eEnd) {
        const id = u16le(cd, e)!
        const len = u16le(cd, e + 2)!
        if (id === 0x0001) {
          let q = e + 4
          const take = (): number => {
            const v = u64le(cd, q)
            q += 8
            return v !== undefined && v <= BigInt(Number.MAX_SAFE_INTEGER)
              ? Number(v)
              : Number.MAX_SAFE_INTEGER
          }
          if (size === 0xffffffff) size = take()
          if (compressedSize === 0xffffffff) compressedSize = take()
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = take()
          break
        }
        e += 4 + len
      }
    }
    dir.entries.push({
      name: new TextDecoder().decode(nameBytes),
      method: u16le(cd, pos + 10)!,
      compressedSize,
      size,
      localHeaderOffset: localHeaderOffset + base
    })
    pos += CDH_SIZE + nameLen + extraLen + commentLen
  }
  if (
    dir.entries.length < declared &&
    !dir.partial &&
    dir.malformed === undefined &&
    dir.entries.length < max
  ) {
    dir.malformed = `directory declares ${declared} entries, found ${dir.entries.length}`
  }
  if (declared > LIMITS.zipEntries) dir.partial = true
  return dir
}

/** Where an entry's data starts, from its local header; undefined if the header is bad. */
export async function entryDataOffset(p: Probe, e: ZipEntry): Promise<number | undefined> {
  if (e.localHeaderOffset + LFH_SIZE > p.size) return undefined
  const h = await p.read(e.localHeaderOffset, LFH_SIZE)
  if (u32le(h, 0) !== LFH_SIG) return undefined
  const start = e.localHeaderOffset + LFH_SIZE + u16le(h, 26)! + u16le(h, 28)!
  return start + e.compressedSize <= p.size ? start : undefined
}

/**
 * Reads a small entry: stored entries up to `max` bytes, deflated ones inflated with a bounded
 * output (zip-bomb safe: compressed input and output are both capped). Returns the bytes and
 * whether they are the complete entry.
 */
export async function readEntry(
  p: Probe,
  e: ZipEntry,
  max: number
): Promise<{ bytes: Uint8Array; complete: boolean } | undefined> {
  const at = await entryDataOffset(p, e)
  if (at === undefined) return undefined
  if (e.method === 0) {
    const n = Math.min(e.compressedSize, max)
    const bytes = await p.readUpTo(at, n)
    return { bytes, complete: bytes.length === e.compressedSize }
  }
  if (e.method === 8) {
    const n = Math.min(e.compressedSize, LIMITS.inflateInput)
    const raw = await p.readUpTo(at, n)
    const out = inflatePrefix(raw, 'raw', raw.length === e.compressedSize, max)
    return out === undefined
      ? undefined
      : { bytes: out.bytes, complete: out.complete && out.bytes.length === e.size }
  }
  return undefined
}
