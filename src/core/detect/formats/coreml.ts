import { cleanMeta, utf8OrUndefined } from '../bytes.js'
import type { Classification } from '../types.js'
import { type PbField, WIRE_LEN, WIRE_VARINT, payload, walkMessage } from './protobuf.js'
import { type Probe, result } from './probe.js'

/**
 * CoreML `.mlmodel` is a serialized `CoreML.Specification.Model` (coremltools mlmodel/format/
 * Model.proto): specificationVersion=1 (int32), description=2 (ModelDescription), isUpdatable=10,
 * then exactly one model type from the `Type` oneof. Those field numbers are what tell a CoreML
 * model from other protobuf: nothing else puts fields 200..3000 at the top level.
 */
const MODEL_TYPES: Record<number, string> = {
  200: 'pipelineClassifier',
  201: 'pipelineRegressor',
  202: 'pipeline',
  300: 'glmRegressor',
  301: 'supportVectorRegressor',
  302: 'treeEnsembleRegressor',
  303: 'neuralNetworkRegressor',
  304: 'bayesianProbitRegressor',
  400: 'glmClassifier',
  401: 'supportVectorClassifier',
  402: 'treeEnsembleClassifier',
  403: 'neuralNetworkClassifier',
  404: 'kNearestNeighborsClassifier',
  500: 'neuralNetwork',
  501: 'itemSimilarityRecommender',
  502: 'mlProgram',
  555: 'customModel',
  556: 'linkedModel',
  560: 'classConfidenceThresholding',
  600: 'oneHotEncoder',
  601: 'imputer',
  602: 'featureVectorizer',
  603: 'dictVectorizer',
  604: 'scaler',
  606: 'categoricalMapping',
  607: 'normalizer',
  609: 'arrayFeatureExtractor',
  610: 'nonMaximumSuppression',
  900: 'identity',
  2000: 'textClassifier',
  2001: 'wordTagger',
  2002: 'visionFeaturePrint',
  2003: 'soundAnalysisPreprocessing',
  2004: 'gazetteer',
  2005: 'wordEmbedding',
  2006: 'audioFeaturePrint',
  3000: 'serializedModel'
}
/** Specification versions shipped so far are 1..9 (coremltools _SPECIFICATION_VERSION...); headroom. */
const MAX_SPEC_VERSION = 64n

function text(b: Uint8Array, f: PbField | undefined): string | undefined {
  if (f?.wire !== WIRE_LEN) return undefined
  const raw = payload(b, f)
  const s = raw === undefined ? undefined : utf8OrUndefined(raw)
  return s === undefined ? undefined : cleanMeta(s)
}

export function detectCoreml(p: Probe): Classification | null {
  const b = p.head
  const w = walkMessage(b, 0, b.length, p.size)
  if (w.invalid !== undefined || w.fields.length < 2) return null
  const spec = w.fields[0]!
  if (spec.field !== 1 || spec.wire !== WIRE_VARINT || spec.value === undefined) return null
  if (spec.value < 1n || spec.value > MAX_SPEC_VERSION) return null
  let type: string | undefined
  for (const f of w.fields.slice(1)) {
    const t = MODEL_TYPES[f.field]
    if (t !== undefined && f.wire === WIRE_LEN) type ??= t
    else if (!((f.field === 2 && f.wire === WIRE_LEN) || (f.field === 10 && f.wire === WIRE_VARINT)))
      return null
  }
  if (type === undefined) return null
  const extra: Record<string, string> = { specificationVersion: String(spec.value), modelType: type }
  const meta: Classification['metadata'] = { extra }
  // description(2).metadata(100).userDefined(100) holds coremltools' own version and source.
  const desc = w.fields.find(f => f.field === 2)
  const d = desc === undefined ? undefined : payload(b, desc)
  if (d !== undefined) {
    const md = walkMessage(d).fields.find(f => f.field === 100 && f.wire === WIRE_LEN)
    const m = md === undefined ? undefined : payload(d, md)
    if (m !== undefined) {
      const mw = walkMessage(m).fields
      const author = text(
        m,
        mw.find(f => f.field === 3)
      )
      if (author) extra.author = author
      const version = text(
        m,
        mw.find(f => f.field === 2)
      )
      if (version) extra.versionString = version
      for (const ud of mw.filter(f => f.field === 100 && f.wire === WIRE_LEN)) {
        const e = payload(m, ud)
        if (e === undefined) continue
        const ew = walkMessage(e).fields
        const k = text(
          e,
          ew.find(f => f.field === 1)
        )
        const v = text(
          e,
          ew.find(f => f.field === 2)
        )
        if (k === 'com.github.apple.coremltools.version' && v) meta.frameworkVersion = v
        else if (k === 'com.github.apple.coremltools.source' && v) meta.producer = v
      }
    }
  }
  return result('coreml-mlmodel', 'coreml', meta)
}
