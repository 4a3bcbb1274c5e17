import { cleanMeta, utf8OrUndefined } from '../bytes.js'
import type { Classification } from '../types.js'
import { WIRE_LEN, WIRE_VARINT, payload, walkMessage } from './protobuf.js'
import { LIMITS, type Probe, result } from './probe.js'

/**
 * SavedModel `saved_model.pb` (tensorflow/core/protobuf/saved_model.proto): SavedModel {
 * saved_model_schema_version=1 (int64, value 1), meta_graphs=2 (MetaGraphDef) }. MetaGraphDef
 * starts with meta_info_def=1 (MetaInfoDef: meta_graph_version=1, stripped_op_list=2, any_info=3,
 * tags=4, tensorflow_version=5, tensorflow_git_version=6, ...). D2 groups the directory; we
 * recognise the member by that shape.
 */
const META_GRAPH_FIELDS = new Set([1, 2, 3, 4, 5, 6, 7])

export async function detectSavedModel(p: Probe): Promise<Classification | null> {
  const b = p.head
  const w = walkMessage(b, 0, b.length, p.size)
  if (w.invalid !== undefined || w.fields.length < 2) return null
  const [v, mg] = w.fields
  if (v!.field !== 1 || v!.wire !== WIRE_VARINT || v!.value !== 1n) return null
  if (mg!.field !== 2 || mg!.wire !== WIRE_LEN) return null
  if (
    !w.fields.every(f => (f.field === 1 && f.wire === WIRE_VARINT) || (f.field === 2 && f.wire === WIRE_LEN))
  )
    return null
  const graph = b.subarray(mg!.offset, Math.min(b.length, mg!.offset + mg!.length))
  const gw = walkMessage(graph, 0, graph.length, mg!.length)
  if (gw.invalid !== undefined || gw.fields.length === 0) return null
  if (!gw.fields.every(f => META_GRAPH_FIELDS.has(f.field) && f.wire === WIRE_LEN)) return null
  const info = gw.fields[0]!
  if (info.field !== 1) return null
  // meta_info_def can outgrow the head when stripped_op_list is large; fetch it within budget.
  let infoBytes = payload(graph, info)
  if (infoBytes === undefined && info.length <= LIMITS.extra) {
    infoBytes = await p.readUpTo(mg!.offset + info.offset, info.length)
    if (infoBytes.length !== info.length) infoBytes = undefined
  }
  const meta: Classification['metadata'] = {}
  if (infoBytes !== undefined) {
    const tags: string[] = []
    for (const f of walkMessage(infoBytes).fields) {
      if (f.wire !== WIRE_LEN || (f.field !== 4 && f.field !== 5)) continue
      const s = utf8OrUndefined(infoBytes.subarray(f.offset, f.offset + f.length))
      if (s === undefined) continue
      if (f.field === 5) meta.frameworkVersion = cleanMeta(s)
      else if (tags.length < 16) tags.push(cleanMeta(s))
    }
    if (tags.length > 0) meta.extra = { tags: tags.join(',') }
  }
  return result('tf-savedmodel', 'tensorflow', meta)
}
