/**
 * Paths on disk and in git are bytes; ModelGate's paths are strings. This module is the one
 * conversion, used by the git edge, the working tree and the bundle digest.
 *
 * Decision (THREATS 8, non-UTF-8 bytes): valid UTF-8 decodes as UTF-8, exactly. Each byte that is
 * not part of a valid UTF-8 sequence becomes the lone surrogate U+DC80 + (byte - 0x80), i.e.
 * U+DC80..U+DCFF. This is Python's "surrogateescape" (PEP 383), chosen over a latin1 fallback
 * because it is:
 *
 * * **lossless**: {@link encodeRawPath} gives back the exact bytes, so a path read from `git diff`
 *   can be looked up in `git ls-tree` output and handed back to git;
 * * **injective**: a lone surrogate can never come out of valid UTF-8, so an escaped name can
 *   never equal (and so never be confused in a Map lookup with) a genuine UTF-8 name. A latin1
 *   fallback would decode the byte 0xE9 as "é", the same string as the UTF-8 name "é";
 * * **local**: only the bad bytes are escaped, the rest of the name stays readable.
 *
 * Consequences for callers: such strings are not well-formed Unicode. `JSON.stringify` writes the
 * surrogate as `\udcXX` (still lossless); `Buffer.from(s, 'utf8')` would replace it with U+FFFD, so
 * use {@link encodeRawPath} when a path goes back to git, and {@link displayRawPath} (`\xE9`) when it
 * is shown to a person. Displays may be ambiguous; verdicts use the exact string.
 */

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Decodes git path bytes to a string (UTF-8, invalid bytes surrogate-escaped). */
export function decodeRawPath(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes)
  } catch {
    return decodeWithEscapes(bytes)
  }
}

/** True when the path holds surrogate-escaped (non-UTF-8) bytes. */
export function hasEscapedBytes(path: string): boolean {
  return /[\uDC80-\uDCFF]/.test(path)
}

/**
 * Encodes a path string back to the bytes git stores. Throws a `TypeError` for strings that no
 * git path can decode to (a lone surrogate outside U+DC80..U+DCFF), or that contain NUL.
 */
export function encodeRawPath(path: string): Buffer {
  if (!/[\uD800-\uDFFF\0]/.test(path)) return Buffer.from(path, 'utf8')
  const out: number[] = []
  for (const char of path) {
    const cp = char.codePointAt(0)!
    if (cp === 0) throw new TypeError('A git path cannot contain NUL')
    if (cp >= 0xdc80 && cp <= 0xdcff) out.push(cp - 0xdc00)
    else if (cp >= 0xd800 && cp <= 0xdfff) {
      throw new TypeError(`A git path cannot contain the lone surrogate U+${cp.toString(16).toUpperCase()}`)
    } else for (const b of Buffer.from(char, 'utf8')) out.push(b)
  }
  return Buffer.from(out)
}

/** Shows escaped bytes as `\xNN` for people (logs, Markdown after escaping). Not for matching. */
export function displayRawPath(path: string): string {
  return path.replace(
    /[\uDC80-\uDCFF]/g,
    c => `\\x${(c.charCodeAt(0) - 0xdc00).toString(16).toUpperCase().padStart(2, '0')}`
  )
}

function decodeWithEscapes(bytes: Uint8Array): string {
  let out = ''
  let i = 0
  const n = bytes.length
  while (i < n) {
    const b0 = bytes[i]!
    if (b0 < 0x80) {
      out += String.fromCharCode(b0)
      i += 1
      continue
    }
    const len = sequenceLength(bytes, i)
    if (len === 0) {
      out += String.fromCharCode(0xdc00 + b0)
      i += 1
      continue
    }
    out += strictUtf8.decode(bytes.subarray(i, i + len))
    i += len
  }
  return out
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0 (RFC 3629 table 3-7 well-formedness). */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i]!
  const at = (k: number): number => bytes[i + k] ?? -1
  const cont = (v: number): boolean => v >= 0x80 && v <= 0xbf
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(at(1)) ? 2 : 0
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const b1 = at(1)
    const lo = b0 === 0xe0 ? 0xa0 : 0x80
    const hi = b0 === 0xed ? 0x9f : 0xbf
    return b1 >= lo && b1 <= hi && cont(at(2)) ? 3 : 0
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const b1 = at(1)
    const lo = b0 === 0xf0 ? 0x90 : 0x80
    const hi = b0 === 0xf4 ? 0x8f : 0xbf
    return b1 >= lo && b1 <= hi && cont(at(2)) && cont(at(3)) ? 4 : 0
  }
  return 0
}

/** Compares two paths by their raw bytes (the order of `LC_ALL=C sort`). */
export function compareRawPaths(a: string, b: string): number {
  return Buffer.compare(encodeRawPath(a), encodeRawPath(b))
}
