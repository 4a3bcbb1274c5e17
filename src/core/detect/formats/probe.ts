import type { ByteSource, Classification } from '../types.js'
import { basenameOf, extensionOf } from '../bytes.js'

/**
 * Read limits. classifyFile never reads more than CLASSIFY_READ_BUDGET bytes from one file; the
 * parts below add up to less than it, so each parser can rely on its own share.
 */
export const LIMITS = {
  /** One head read serves every magic-number check and most header parsers. */
  head: 64 * 1024,
  /**
   * The zip end-of-central-directory record is 22 bytes plus a comment of at most 65,535 bytes
   * (APPNOTE.TXT 4.3.16), so it always lies within the last 65,557 bytes.
   */
  zipTail: 22 + 65_535,
  /** Central directory bytes we parse. ~12k entries of typical torch names; larger CDs are read partially. */
  zipCentralDirectory: 1024 * 1024,
  /** Entries we look at in a central directory (the classic zip limit, APPNOTE 4.4.22). */
  zipEntries: 65_535,
  /** Bytes of a pickle stream we read (payloads of BINBYTES & co. are skipped, not read). */
  pickle: 1024 * 1024,
  /** Compressed bytes read, and output allowed, when inflating a small entry or a compressed prefix. */
  inflateInput: 256 * 1024,
  inflateOutput: 1024 * 1024,
  /** Small follow-up reads (a trailing protobuf field, a tar header, a GGUF string). */
  extra: 256 * 1024
} as const

/** Upper bound on bytes classifyFile reads from one file (sum of every read it issues). */
export const CLASSIFY_READ_BUDGET =
  LIMITS.head +
  LIMITS.zipTail +
  LIMITS.zipCentralDirectory +
  LIMITS.pickle +
  LIMITS.inflateInput +
  LIMITS.extra

/** Thrown internally when a parser asks for more than the remaining budget; caught per detector. */
export class BudgetExhausted extends Error {
  constructor() {
    super('read budget exhausted')
    this.name = 'BudgetExhausted'
  }
}

/**
 * What every detector sees: the file's size, its head (already read), the path as a hint, and a
 * budgeted reader. Reads inside the head are served from memory.
 */
export class Probe {
  readonly size: number
  readonly path: string
  readonly ext: string
  readonly base: string
  head: Uint8Array = new Uint8Array(0)
  private spent = 0

  constructor(
    private readonly source: ByteSource,
    path: string
  ) {
    this.size = Number.isFinite(source.size) && source.size > 0 ? Math.floor(source.size) : 0
    this.path = path
    this.ext = extensionOf(path)
    this.base = basenameOf(path)
  }

  get bytesRead(): number {
    return this.spent
  }

  get remaining(): number {
    return CLASSIFY_READ_BUDGET - this.spent
  }

  async loadHead(): Promise<void> {
    this.head = await this.read(0, Math.min(this.size, LIMITS.head))
  }

  /**
   * Reads `length` bytes at `offset`, clamped to the file. Served from the head when possible.
   * Throws BudgetExhausted rather than exceed CLASSIFY_READ_BUDGET.
   */
  async read(offset: number, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length <= 0) {
      return new Uint8Array(0)
    }
    if (offset >= this.size) return new Uint8Array(0)
    const len = Math.min(length, this.size - offset)
    if (offset + len <= this.head.length) return this.head.subarray(offset, offset + len)
    if (len > this.remaining) throw new BudgetExhausted()
    this.spent += len
    const got = await this.source.read(offset, len)
    return got.length > len ? got.subarray(0, len) : got
  }

  /** Like read(), but returns what the remaining budget allows instead of throwing. */
  async readUpTo(offset: number, length: number): Promise<Uint8Array> {
    const inHead = offset >= 0 && offset + Math.min(length, this.size - offset) <= this.head.length
    return this.read(offset, inHead ? length : Math.min(length, this.remaining))
  }
}

export type Detector = (p: Probe) => Promise<Classification | null> | Classification | null

/** Shorthand for a classification with no pickle scan. */
export function result(
  format: Classification['format'],
  framework: string,
  metadata: Classification['metadata'] = {},
  malformed?: string
): Classification {
  const c: Classification = { format, framework, metadata }
  if (malformed !== undefined) c.malformed = malformed
  return c
}
