/**
 * Per-family checks on real files from the corpus: the format, and the metadata each format
 * really states (versions, producers, GGUF `general.*`, ...). Renamed files prove the extension is
 * only a hint.
 */
import { describe, expect, it } from '@jest/globals'
import { CLASSIFY_READ_BUDGET } from '../../src/core/detect/classify.js'
import type { Classification } from '../../src/core/detect/types.js'
import { classifyCorpus } from './helpers.js'

type Expect = [
  path: string,
  format: Classification['format'],
  framework: string,
  check?: (c: Classification) => void
]

const ver = /^\d+\.\d+(\.\d+)?/

const CASES: Expect[] = [
  [
    'safetensors/mlp.safetensors',
    'safetensors',
    'safetensors',
    c => {
      expect(c.metadata.extra?.format).toBe('pt')
    }
  ],
  ['renamed/weights.dat', 'safetensors', 'safetensors'],
  [
    'onnx/mlp.onnx',
    'onnx',
    'onnx',
    c => {
      expect(c.metadata.producer).toBe('pytorch')
      expect(c.metadata.producerVersion).toMatch(ver)
      expect(c.metadata.opset).toBeGreaterThan(0)
      expect(c.metadata.extra?.irVersion).toMatch(/^\d+$/)
    }
  ],
  ['renamed/README', 'onnx', 'onnx'],
  ['onnx-external/mlp.onnx', 'onnx', 'onnx'],
  [
    'pytorch/mlp.pt',
    'pytorch-zip',
    'pytorch',
    c => {
      expect(c.pickle?.globals).toContain('torch._utils._rebuild_tensor_v2')
      expect(c.pickle?.unsafeGlobals).toEqual([])
      expect(c.pickle?.error).toBeUndefined()
    }
  ],
  ['renamed/data.bin', 'pytorch-zip', 'pytorch'],
  [
    'pytorch/mlp-full-module.pth',
    'pytorch-zip',
    'pytorch',
    c => {
      expect(c.pickle?.unsafeGlobals).toContain('__main__.MLP')
    }
  ],
  [
    'pytorch-legacy/mlp.bin',
    'pytorch-pickle',
    'pytorch',
    c => {
      expect(c.pickle?.globals).toContain('torch._utils._rebuild_tensor_v2')
      expect(c.pickle?.error).toBeUndefined()
    }
  ],
  [
    'torchscript/mlp.pt',
    'torchscript',
    'pytorch',
    c => {
      expect(c.pickle?.unsafeGlobals).toEqual([])
    }
  ],
  [
    'executorch/mlp.pte',
    'executorch',
    'executorch',
    c => {
      expect(c.metadata.extra?.identifier).toMatch(/^ET\d\d$/)
    }
  ],
  [
    'tflite/mlp.tflite',
    'tflite',
    'tensorflow',
    c => {
      expect(c.metadata.producer).toMatch(/Converted/)
    }
  ],
  [
    'keras-h5/mlp.h5',
    'keras-h5',
    'keras',
    c => {
      expect(c.metadata.frameworkVersion).toMatch(ver)
      expect(c.metadata.extra?.backend).toBe('tensorflow')
    }
  ],
  [
    'keras-v3/mlp.keras',
    'keras-v3',
    'keras',
    c => {
      expect(c.metadata.frameworkVersion).toMatch(ver)
    }
  ],
  [
    'tf-savedmodel/mlp/saved_model.pb',
    'tf-savedmodel',
    'tensorflow',
    c => {
      expect(c.metadata.frameworkVersion).toMatch(ver)
    }
  ],
  [
    'openvino/mlp.xml',
    'openvino-ir',
    'openvino',
    c => {
      expect(c.metadata.extra?.irVersion).toMatch(/^1[01]$/)
    }
  ],
  [
    'tfjs/layers-model/model.json',
    'tfjs',
    'tfjs',
    c => {
      expect(c.metadata.extra?.format).toBe('layers-model')
    }
  ],
  ['tfjs/layers-model-extensionless/model.json', 'tfjs', 'tfjs'],
  ['tfjs/legacy-graph/weights_manifest.json', 'tfjs', 'tfjs'],
  ['coreml/mlp.mlpackage/Manifest.json', 'coreml-mlpackage', 'coreml'],
  [
    'coreml/mlp.mlpackage/Data/com.apple.CoreML/model.mlmodel',
    'coreml-mlmodel',
    'coreml',
    c => {
      expect(c.metadata.extra?.modelType).toBe('mlProgram')
      expect(c.metadata.frameworkVersion).toMatch(ver)
    }
  ],
  [
    'coreml/nn-builder.mlmodel',
    'coreml-mlmodel',
    'coreml',
    c => {
      expect(c.metadata.extra?.modelType).toBe('neuralNetwork')
    }
  ],
  [
    'nemo/tiny-asr.nemo',
    'nemo',
    'nemo',
    c => {
      expect(c.metadata.extra?.compression).toBe('none')
    }
  ],
  [
    'nemo/tiny-asr-gz.nemo',
    'nemo',
    'nemo',
    c => {
      expect(c.metadata.extra?.compression).toBe('gzip')
    }
  ],
  [
    'sklearn/logreg.pkl',
    'sklearn-pickle',
    'scikit-learn',
    c => {
      expect(c.metadata.frameworkVersion).toMatch(ver)
      expect(c.pickle?.unsafeGlobals).toEqual([])
    }
  ],
  ['sklearn/logreg-proto2.pkl', 'sklearn-pickle', 'scikit-learn'],
  [
    'sklearn/rf.joblib',
    'joblib',
    'scikit-learn',
    c => {
      expect(c.pickle?.error).toBeUndefined()
    }
  ],
  [
    'sklearn/rf-compressed.joblib',
    'joblib',
    'scikit-learn',
    c => {
      expect(c.metadata.extra?.compression).toBe('zlib')
    }
  ],
  [
    'xgboost/model.json',
    'xgboost-json',
    'xgboost',
    c => {
      expect(c.metadata.frameworkVersion).toMatch(/^\d+\.\d+\.\d+$/)
    }
  ],
  [
    'xgboost/model.ubj',
    'xgboost-ubj',
    'xgboost',
    c => {
      expect(c.metadata.frameworkVersion).toMatch(/^\d+\.\d+\.\d+$/)
    }
  ],
  [
    'xgboost/model.bin',
    'xgboost-binary',
    'xgboost',
    c => {
      expect(c.metadata.extra?.objective).toBe('binary:logistic')
    }
  ],
  [
    'lightgbm/model.txt',
    'lightgbm-text',
    'lightgbm',
    c => {
      expect(c.metadata.extra?.modelVersion).toBe('v4')
    }
  ],
  ['catboost/model.cbm', 'catboost', 'catboost'],
  ['npz/weights.npz', 'npz-weights', 'numpy'],
  ['npz/weights-compressed.npz', 'npz-weights', 'numpy'],
  ['paddle/mlp/inference.pdmodel', 'paddle', 'paddlepaddle'],
  ['paddle/mlp/inference.pdiparams', 'paddle', 'paddlepaddle'],
  [
    'unsafe/evil.pkl',
    'pickle',
    'unknown',
    c => {
      expect(c.pickle?.unsafeGlobals).toEqual(['os.system'])
    }
  ],
  [
    'unsafe/evil-stack-global.pkl',
    'pickle',
    'unknown',
    c => {
      expect(c.pickle?.unsafeGlobals).toEqual(['builtins.exec'])
    }
  ],
  [
    'unsafe/evil-torch.pt',
    'pytorch-zip',
    'pytorch',
    c => {
      expect(c.pickle?.unsafeGlobals).toEqual(['os.system'])
    }
  ],
  [
    'unsafe/truncated.pkl',
    'pickle',
    'unknown',
    c => {
      expect(c.pickle?.error).toMatch(/truncated/)
      expect(c.malformed).toBeDefined()
    }
  ]
]

describe('real files by family', () => {
  const rows = CASES.map(([path, format, framework, check]) => ({ path, format, framework, check }))
  it.each(rows)('$path is $format ($framework)', async ({ path, format, framework, check }) => {
    const { c, read } = await classifyCorpus(path)
    expect(read).toBeLessThanOrEqual(CLASSIFY_READ_BUDGET)
    expect(c?.format).toBe(format)
    expect(c?.framework).toBe(framework)
    if (c && check) check(c)
  })

  it('the extension never decides: a renamed ONNX is classified the same under any name', async () => {
    for (const name of ['model.pkl', 'weights.safetensors', 'x.h5', 'noext']) {
      expect((await classifyCorpus('onnx/mlp.onnx', name)).c?.format).toBe('onnx')
    }
  })
})

describe('look-alikes from real libraries', () => {
  it.each([
    'lookalikes/hdf5-dataset.h5',
    'lookalikes/tf-example.pb',
    'lookalikes/json-array/model.json',
    'lookalikes/array.npy',
    'lookalikes/dataset.npz',
    'lookalikes/cache.joblib',
    'lookalikes/ndarray.pkl',
    'lookalikes/numbers.pkl',
    'lookalikes/plain.ubj',
    'onnx-external/mlp.onnx.data',
    'openvino/mlp.bin',
    'tf-savedmodel/mlp/variables/variables.index',
    'tf-checkpoint/ckpt.index',
    'hf/tiny-bert/config.json',
    'hf/tiny-bert/model.safetensors.index.json'
  ])('%s is not a model', async path => {
    expect((await classifyCorpus(path)).c).toBeNull()
  })
})
