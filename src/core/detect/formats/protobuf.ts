/**
 * A protobuf wire-format walker (https://protobuf.dev/programming-guides/encoding/). It lists the
 * top-level fields of a message without a schema; format detectors then judge the *shape* (which
 * field numbers appear with which wire types). It never allocates per declared length: a LEN
 * field only records its offset and declared length, which may point past the buffer.
 */

export const WIRE_VARINT = 0
export const WIRE_I64 = 1
export const WIRE_LEN = 2
export const WIRE_I32 = 5

export interface PbField {
  field: number
  wire: number
  /** Varint value (as bigint, exact) for wire type 0. */
  value?: bigint
  /** For LEN fields: start of the payload within the buffer, and its declared length. */
  offset: number
  length: number
}

export interface PbWalk {
  fields: PbField[]
  /** Offset where walking stopped. */
  end: number
  /** True when the buffer ended mid-field (normal for a head of a larger file). */
  truncated: boolean
  /** Set when the bytes are not valid wire format (bad wire type, field 0, oversize varint). */
  invalid?: string
}

/** Reads a varint at `pos`; undefined if it runs past `end` or exceeds 10 bytes. */
export function readVarint(
  b: Uint8Array,
  pos: number,
  end = b.length
): { value: bigint; next: number } | undefined {
  let result = 0n
  let shift = 0n
  for (let i = 0; i < 10; i++) {
    if (pos + i >= end) return undefined
    const byte = b[pos + i]!
    result |= BigInt(byte & 0x7f) << shift
    if ((byte & 0x80) === 0) return { value: result, next: pos + i + 1 }
    shift += 7n
  }
  return undefined
}

/**
 * Walks the fields of the message in `b[start, end)`. `declaredEnd` is where the message really
 * ends in the file (may exceed the buffer); LEN fields must fit inside it. Groups (wire types 3/4)
 * are deprecated and never used by the formats we detect, so they count as invalid.
 */
export function walkMessage(
  b: Uint8Array,
  start = 0,
  end = b.length,
  declaredEnd = end,
  maxFields = 100_000
): PbWalk {
  const fields: PbField[] = []
  let pos = start
  const stop = Math.min(end, b.length)
  while (pos < stop && fields.length < maxFields) {
    const tag = readVarint(b, pos, stop)
    if (tag === undefined) return { fields, end: pos, truncated: true }
    const field = Number(tag.value >> 3n)
    const wire = Number(tag.value & 7n)
    if (field === 0 || tag.value > 0xffffffffn || field > 536_870_911) {
      return { fields, end: pos, truncated: false, invalid: `bad tag at ${pos}` }
    }
    let p = tag.next
    if (wire === WIRE_VARINT) {
      const v = readVarint(b, p, stop)
      if (v === undefined) return { fields, end: pos, truncated: stop - p < 10 }
      fields.push({ field, wire, value: v.value, offset: p, length: v.next - p })
      p = v.next
    } else if (wire === WIRE_I64 || wire === WIRE_I32) {
      const n = wire === WIRE_I64 ? 8 : 4
      if (p + n > declaredEnd)
        return { fields, end: pos, truncated: false, invalid: `fixed field past end at ${pos}` }
      fields.push({ field, wire, offset: p, length: n })
      p += n
      if (p > stop) return { fields, end: stop, truncated: true }
    } else if (wire === WIRE_LEN) {
      const l = readVarint(b, p, stop)
      if (l === undefined) return { fields, end: pos, truncated: stop - p < 10 }
      const len = l.value
      p = l.next
      if (len > BigInt(declaredEnd - p)) {
        return { fields, end: pos, truncated: false, invalid: `length ${len} past end at ${pos}` }
      }
      fields.push({ field, wire, offset: p, length: Number(len) })
      p += Number(len)
      if (p > stop) return { fields, end: stop, truncated: true }
    } else {
      return { fields, end: pos, truncated: false, invalid: `wire type ${wire} at ${pos}` }
    }
    pos = p
  }
  return { fields, end: pos, truncated: false }
}

/** Payload of a LEN field if it lies inside the buffer. */
export function payload(b: Uint8Array, f: PbField): Uint8Array | undefined {
  return f.offset + f.length <= b.length ? b.subarray(f.offset, f.offset + f.length) : undefined
}

/** True when every field appears only with its expected wire type (unknown fields fail). */
export function matchesSchema(fields: PbField[], schema: Readonly<Record<number, number>>): boolean {
  return fields.every(f => schema[f.field] === f.wire)
}

export function first(fields: PbField[], field: number): PbField | undefined {
  return fields.find(f => f.field === field)
}
