import { isPrintableAscii } from '../bytes.js'
import type { Classification } from '../types.js'
import { WIRE_LEN, WIRE_VARINT, matchesSchema, payload, walkMessage } from './protobuf.js'
import { type Probe, result } from './probe.js'

/**
 * Caffe `.caffemodel` is a serialized NetParameter (BVLC caffe src/caffe/proto/caffe.proto):
 * name=1, layers=2 (V1LayerParameter, legacy), input=3, input_dim=4, force_backward=5, state=6,
 * debug_info=7, input_shape=8, layer=100 (LayerParameter). Any other top-level field, or a layer
 * without a printable name/type, means it is some other protobuf.
 */
const NET_SCHEMA: Record<number, number> = {
  1: WIRE_LEN,
  2: WIRE_LEN,
  3: WIRE_LEN,
  4: WIRE_VARINT,
  5: WIRE_VARINT,
  6: WIRE_LEN,
  7: WIRE_VARINT,
  8: WIRE_LEN,
  100: WIRE_LEN
}

function printable(b: Uint8Array | undefined): boolean {
  return b !== undefined && b.length > 0 && b.length < 1024 && isPrintableAscii(b)
}

/** LayerParameter: name=1, type=2 (strings). V1LayerParameter: name=4 (string), type=5 (enum). */
function layerLooksValid(b: Uint8Array, v1: boolean): boolean | undefined {
  const w = walkMessage(b)
  if (w.invalid !== undefined) return false
  const name = w.fields.find(f => f.field === (v1 ? 4 : 1) && f.wire === WIRE_LEN)
  const type = w.fields.find(f => f.field === (v1 ? 5 : 2))
  if (name === undefined || type === undefined) return w.truncated ? undefined : false
  if (!printable(payload(b, name))) return false
  return v1 ? type.wire === WIRE_VARINT : type.wire === WIRE_LEN && printable(payload(b, type))
}

/**
 * Prefilter for detectCaffe: the first tag (a varint of up to 10 bytes; non-minimal encodings are
 * legal) must name a NetParameter field with its wire type, as matchesSchema requires.
 */
export function mightMatch(h: Uint8Array): boolean {
  let v = 0
  let mul = 1
  for (let i = 0; i < 10; i++) {
    const b = h[i]
    if (b === undefined) return false
    v += (b & 0x7f) * mul
    mul *= 128
    if ((b & 0x80) === 0) return v <= 0xffffffff && NET_SCHEMA[Math.floor(v / 8)] === v % 8
  }
  return false
}

export function detectCaffe(p: Probe): Classification | null {
  const b = p.head
  const w = walkMessage(b, 0, b.length, p.size)
  if (w.invalid !== undefined || w.fields.length === 0 || !matchesSchema(w.fields, NET_SCHEMA)) return null
  const layer = w.fields.find(f => f.field === 100 || f.field === 2)
  if (layer === undefined) return null
  const v1 = layer.field === 2
  const body = b.subarray(layer.offset, Math.min(b.length, layer.offset + layer.length))
  if (layerLooksValid(body, v1) !== true) return null
  const nameField = w.fields.find(f => f.field === 1)
  const name = nameField === undefined ? undefined : payload(b, nameField)
  if (nameField !== undefined && name !== undefined && !isPrintableAscii(name)) return null
  const extra: Record<string, string> = { layerFormat: v1 ? 'V1LayerParameter' : 'LayerParameter' }
  if (name !== undefined && name.length > 0) extra.netName = new TextDecoder().decode(name).slice(0, 256)
  return result('caffe', 'caffe', { extra })
}
