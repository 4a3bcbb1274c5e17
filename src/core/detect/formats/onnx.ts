import { cleanMeta, isPrintableAscii, utf8OrUndefined } from '../bytes.js'
import type { Classification } from '../types.js'
import {
  type PbField,
  WIRE_LEN,
  WIRE_VARINT,
  matchesSchema,
  payload,
  readVarint,
  walkMessage
} from './protobuf.js'
import { type Probe, result } from './probe.js'

/**
 * ONNX ModelProto (onnx/onnx.proto, proto2): ir_version=1 (varint), producer_name=2,
 * producer_version=3, domain=4, model_version=5 (varint), doc_string=6, graph=7, opset_import=8,
 * metadata_props=14, training_info=20, functions=25, configuration=26. A TensorProto (dims=1 varint,
 * data_type=2 *varint*, name=8, raw_data=9, ...) shares field 1 but never has field 2 as LEN, so
 * wire types tell the two apart; an initializer-only `.pb` stays null.
 */
const MODEL_SCHEMA: Record<number, number> = {
  1: WIRE_VARINT,
  2: WIRE_LEN,
  3: WIRE_LEN,
  4: WIRE_LEN,
  5: WIRE_VARINT,
  6: WIRE_LEN,
  7: WIRE_LEN,
  8: WIRE_LEN,
  14: WIRE_LEN,
  20: WIRE_LEN,
  25: WIRE_LEN,
  26: WIRE_LEN
}
/** GraphProto fields are all LEN: node 1, name 2, initializer 5, doc 10, input 11, output 12, value_info 13, ... */
const GRAPH_FIELDS = new Set([1, 2, 5, 10, 11, 12, 13, 14, 15, 16])
/** IR versions published so far are 1..11 (onnx/onnx.proto `enum Version`); leave headroom. */
const MAX_IR_VERSION = 64n
/** Bytes read after the graph to find opset_import and metadata_props. */
const TAIL_READ = 16 * 1024

function str(b: Uint8Array, f: PbField | undefined): string | undefined {
  if (f?.wire !== WIRE_LEN) return undefined
  const raw = payload(b, f)
  if (raw === undefined) return undefined
  const s = utf8OrUndefined(raw)
  return s === undefined ? undefined : cleanMeta(s)
}

function graphLooksValid(b: Uint8Array, g: PbField): boolean {
  if (g.length === 0) return true
  const tag = readVarint(b, g.offset, Math.min(b.length, g.offset + g.length))
  if (tag === undefined) return g.offset >= b.length // graph starts past the head: cannot check
  return Number(tag.value & 7n) === WIRE_LEN && GRAPH_FIELDS.has(Number(tag.value >> 3n))
}

function readOpset(b: Uint8Array, f: PbField): { domain: string; version: number } | undefined {
  const raw = payload(b, f)
  if (raw === undefined) return undefined
  const w = walkMessage(raw)
  if (w.invalid !== undefined) return undefined
  let domain = ''
  let version: number | undefined
  for (const x of w.fields) {
    if (x.field === 1 && x.wire === WIRE_LEN)
      domain = utf8OrUndefined(raw.subarray(x.offset, x.offset + x.length)) ?? ''
    if (x.field === 2 && x.wire === WIRE_VARINT && x.value !== undefined && x.value < 10_000n)
      version = Number(x.value)
  }
  return version === undefined ? undefined : { domain, version }
}

export async function detectOnnx(p: Probe): Promise<Classification | null> {
  const b = p.head
  if (b[0] !== 0x08) return null // ir_version is field 1 and serialisers write fields in order
  const w = walkMessage(b, 0, b.length, p.size)
  if (w.invalid !== undefined || w.fields.length === 0) return null
  const fields = [...w.fields]
  if (!matchesSchema(fields, MODEL_SCHEMA)) return null
  const ir = fields[0]!
  if (ir.field !== 1 || ir.value === undefined || ir.value < 1n || ir.value > MAX_IR_VERSION) return null
  if (fields.filter(f => f.field === 1).length !== 1) return null
  const graph = fields.find(f => f.field === 7)
  const producer = str(
    b,
    fields.find(f => f.field === 2)
  )
  if (producer !== undefined && !isPrintableAscii(new TextEncoder().encode(producer))) return null
  if (graph === undefined && !w.truncated) return null
  if (graph !== undefined && !graphLooksValid(b, graph)) return null
  if (graph === undefined && fields.length < 2) return null

  // opset_import (8) and metadata_props (14) follow the graph, which often extends past the head.
  const located: Located[] = fields.map(f => ({ buf: b, f }))
  if (graph !== undefined && graph.offset + graph.length > b.length) {
    const at = graph.offset + graph.length
    const tail = await p.readUpTo(at, TAIL_READ)
    const tw = walkMessage(tail, 0, tail.length, p.size - at)
    if (tw.invalid === undefined) for (const f of tw.fields) located.push({ buf: tail, f })
  }
  return build(located, ir.value, producer)
}

/** A field together with the buffer its offsets refer to (the head, or a later window). */
interface Located {
  buf: Uint8Array
  f: PbField
}

function build(fields: Located[], ir: bigint, producer: string | undefined): Classification {
  const extra: Record<string, string> = { irVersion: String(ir) }
  const meta: Classification['metadata'] = { extra }
  const pick = (n: number): Located | undefined => fields.find(x => x.f.field === n)
  const text = (n: number): string | undefined => {
    const l = pick(n)
    return l === undefined ? undefined : str(l.buf, l.f)
  }
  if (producer) meta.producer = producer
  const pv = text(3)
  if (pv) meta.producerVersion = pv
  const domain = text(4)
  if (domain) extra.domain = domain
  const mv = pick(5)?.f.value
  if (mv !== undefined) extra.modelVersion = String(mv)
  for (const { buf, f } of fields) {
    if (f.field === 8 && f.wire === WIRE_LEN) {
      const o = readOpset(buf, f)
      if (o && (o.domain === '' || o.domain === 'ai.onnx')) meta.opset = o.version
    }
  }
  let props = 0
  for (const { buf, f } of fields) {
    if (f.field !== 14 || f.wire !== WIRE_LEN || props >= 32) continue
    const raw = payload(buf, f)
    if (raw === undefined) continue
    const w = walkMessage(raw)
    const k = str(
      raw,
      w.fields.find(x => x.field === 1)
    )
    const v = str(
      raw,
      w.fields.find(x => x.field === 2)
    )
    if (k !== undefined && v !== undefined) {
      extra[`metadata.${k}`] = v
      props++
    }
  }
  return result('onnx', 'onnx', meta)
}
