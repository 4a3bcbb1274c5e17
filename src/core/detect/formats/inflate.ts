import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib'
import { LIMITS } from './probe.js'

/**
 * Bounded decompression of a *prefix*. Node's zlib throws when output would exceed
 * maxOutputLength, so on a too-large result we retry with half the input (deflate expands at most
 * ~1032:1, so a few halvings always fit). Z_SYNC_FLUSH makes a truncated input return what it
 * decoded so far instead of failing with "unexpected end of file".
 */
export type Codec = 'raw' | 'zlib' | 'gzip'

const SYNC_FLUSH = 2 // zlib.constants.Z_SYNC_FLUSH

export interface Inflated {
  bytes: Uint8Array
  /** True when the whole input was decoded (and the input was the whole stream). */
  complete: boolean
}

export function inflatePrefix(
  input: Uint8Array,
  codec: Codec,
  inputIsWhole: boolean,
  maxOutput: number = LIMITS.inflateOutput
): Inflated | undefined {
  let inp = input
  for (let attempt = 0; attempt < 12 && inp.length > 0; attempt++) {
    try {
      const opts = { maxOutputLength: maxOutput, finishFlush: SYNC_FLUSH }
      const out =
        codec === 'raw'
          ? inflateRawSync(inp, opts)
          : codec === 'zlib'
            ? inflateSync(inp, opts)
            : gunzipSync(inp, opts)
      return {
        bytes: new Uint8Array(out.buffer, out.byteOffset, out.length),
        complete: inputIsWhole && inp === input
      }
    } catch (e) {
      const code = (e as { code?: unknown }).code
      if (code !== 'ERR_BUFFER_TOO_LARGE' && !(e instanceof RangeError)) return undefined
      inp = inp.subarray(0, Math.floor(inp.length / 2))
    }
  }
  return undefined
}
