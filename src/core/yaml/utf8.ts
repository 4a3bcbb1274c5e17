/**
 * Strict UTF-8 decoding. Pure: no Node APIs beyond the WHATWG `TextDecoder`.
 */

export type Utf8Decode = { ok: true; text: string } | { ok: false; offset: number }

/**
 * Decodes `bytes` as UTF-8, refusing anything that is not (overlong forms, surrogates, truncated
 * sequences, stray continuation bytes). A leading BOM is removed. On failure, `offset` is the byte
 * offset of the first invalid sequence so the caller can name its line.
 */
export function decodeUtf8Strict(bytes: Uint8Array): Utf8Decode {
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes) }
  } catch {
    return { ok: false, offset: firstInvalidUtf8Offset(bytes) }
  }
}

/** Byte offset of the first invalid UTF-8 sequence, or `bytes.length` if none is found. */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0
  const n = bytes.length
  while (i < n) {
    const b = bytes[i]!
    if (b < 0x80) {
      i++
      continue
    }
    let need: number
    let min: number
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1
      min = 0x80
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2
      min = 0x800
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3
      min = 0x10000
    } else {
      return i
    }
    let cp = b & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07)
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]
      if (c === undefined || (c & 0xc0) !== 0x80) return i
      cp = (cp << 6) | (c & 0x3f)
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i
    i += need + 1
  }
  return n
}

/** 1-based line and column of a byte offset (columns count bytes; good enough for an error position). */
export function bytePosition(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  const end = Math.min(offset, bytes.length)
  for (let i = 0; i < end; i++) {
    if (bytes[i] === 0x0a) {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: end - lineStart + 1 }
}
