import { afterAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { ModelArtifact } from '../../src/core/detect/artifact.js'
import { bundleDigest } from '../../src/core/detect/digest.js'
import { scanTree } from '../../src/core/detect/scan.js'
import { WorkingTree } from '../../src/tree/working-tree.js'
import { fake, fakeClassify, lfsPointer, makeRepo } from './scan-helpers.js'

const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex')
const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
function repo(files: Record<string, string | Buffer>): string {
  const d = makeRepo(files, 'mg-bundle-')
  dirs.push(d)
  return d
}
async function scan(files: Record<string, string | Buffer>, focus?: string[]) {
  const dir = repo(files)
  const calls: string[] = []
  const result = await scanTree(new WorkingTree(dir), {
    classify: (s, p) => {
      calls.push(p)
      return fakeClassify(s)
    },
    ...(focus ? { focus: new Set(focus) } : {})
  })
  return {
    dir,
    result,
    calls,
    byPath: new Map<string, ModelArtifact>(result.artifacts.map(a => [a.path, a]))
  }
}

const tfjsJson = (paths: string[], extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    format: 'layers-model',
    generatedBy: 'keras v2.15.0',
    convertedBy: 'TensorFlow.js Converter v4.17.0',
    weightsManifest: [{ paths, weights: [] }],
    ...extra
  })

describe('bundles', () => {
  it('groups a SavedModel directory', async () => {
    const { byPath, result } = await scan({
      'export/1/saved_model.pb': fake('tf-savedmodel', 'tensorflow'),
      'export/1/fingerprint.pb': 'fp',
      'export/1/variables/variables.index': 'idx',
      'export/1/variables/variables.data-00000-of-00001': 'data',
      'export/1/assets/vocab.txt': 'v',
      'export/1/notes.md': 'not a member'
    })
    expect(result.artifacts).toHaveLength(1)
    expect(byPath.get('export/1')).toMatchObject({
      format: 'tf-savedmodel',
      digestSource: 'bundle',
      files: [
        'export/1/assets/vocab.txt',
        'export/1/fingerprint.pb',
        'export/1/saved_model.pb',
        'export/1/variables/variables.data-00000-of-00001',
        'export/1/variables/variables.index'
      ]
    })
  })

  it('computes the documented bundle digest, reproducible with coreutils', async () => {
    const { byPath, dir } = await scan({
      'sm/saved_model.pb': fake('tf-savedmodel', 'tensorflow'),
      'sm/variables/variables.index': 'idx',
      'sm/variables/variables.data-00000-of-00001': 'data'
    })
    const artifact = byPath.get('sm')!
    expect(artifact.digest).toBe(
      bundleDigest([
        { relativePath: 'variables/variables.index', sha256: sha('idx') },
        { relativePath: 'saved_model.pb', sha256: sha(fake('tf-savedmodel', 'tensorflow')) },
        { relativePath: 'variables/variables.data-00000-of-00001', sha256: sha('data') }
      ])
    )
    const shell = execFileSync(
      'sh',
      [
        '-c',
        "printf '%s\\0' saved_model.pb variables/variables.index variables/variables.data-00000-of-00001 | LC_ALL=C sort -z | xargs -0 sha256sum --zero | sha256sum"
      ],
      { cwd: join(dir, 'sm'), encoding: 'utf8' }
    )
    expect(shell.split(' ')[0]).toBe(artifact.digest)
  })

  it('groups TF.js manifests with the shards they name and reads converter metadata', async () => {
    const classify = async (s: Parameters<typeof fakeClassify>[0], p: string) =>
      p.endsWith('model.json')
        ? { format: 'tfjs' as const, framework: 'tensorflow.js', metadata: {} }
        : fakeClassify(s)
    const dir = repo({
      'web/model.json': tfjsJson(['group1-shard1of2', 'group1-shard2of2']),
      'web/group1-shard1of2': 'w1',
      'web/group1-shard2of2': 'w2',
      'web/other.bin': 'x',
      'broken/model.json': tfjsJson(['missing.bin', '../../etc/passwd'])
    })
    const result = await scanTree(new WorkingTree(dir), { classify })
    const web = result.artifacts.find(a => a.path === 'web/model.json')!
    expect(web.files).toEqual(['web/group1-shard1of2', 'web/group1-shard2of2', 'web/model.json'])
    expect(web.metadata.extra).toMatchObject({
      generatedBy: 'keras v2.15.0',
      convertedBy: 'TensorFlow.js Converter v4.17.0'
    })
    expect(web.malformed).toBeUndefined()
    const broken = result.artifacts.find(a => a.path === 'broken/model.json')!
    expect(broken.malformed).toMatch(/missing shard/)
    expect(broken.malformed).toMatch(/leaves the manifest/)
  })

  it('pairs OpenVINO xml and bin and reads the IR version', async () => {
    const xml = '<?xml version="1.0"?>\n<net name="m" version="11">\n<layers/></net>\n'
    const classify = async (s: Parameters<typeof fakeClassify>[0], p: string) =>
      p.endsWith('.xml')
        ? { format: 'openvino-ir' as const, framework: 'openvino', metadata: {} }
        : fakeClassify(s)
    const dir = repo({ 'ov/model.xml': xml, 'ov/model.bin': 'weights', 'ov2/lonely.xml': xml })
    const result = await scanTree(new WorkingTree(dir), { classify })
    expect(result.artifacts.map(a => [a.path, a.files, a.metadata.extra?.irVersion, a.malformed])).toEqual([
      ['ov/model.xml', ['ov/model.bin', 'ov/model.xml'], '11', undefined],
      ['ov2/lonely.xml', ['ov2/lonely.xml'], '11', expect.stringMatching(/missing weights/)]
    ])
  })

  it('groups Hugging Face safetensors shards with their index and config', async () => {
    const index = JSON.stringify({
      metadata: { total_size: 10 },
      weight_map: {
        'a.weight': 'model-00001-of-00002.safetensors',
        'b.weight': 'model-00002-of-00002.safetensors'
      }
    })
    const { byPath, result } = await scan({
      'hf/config.json': JSON.stringify({
        architectures: ['LlamaForCausalLM'],
        model_type: 'llama',
        transformers_version: '4.44.0'
      }),
      'hf/model.safetensors.index.json': index,
      'hf/model-00001-of-00002.safetensors': fake('safetensors', 'safetensors') + '1',
      'hf/model-00002-of-00002.safetensors': fake('safetensors', 'safetensors') + '2',
      'hf/tokenizer.json': '{}'
    })
    expect(result.artifacts).toHaveLength(1)
    expect(byPath.get('hf')).toMatchObject({
      format: 'hf-safetensors-sharded',
      files: [
        'hf/config.json',
        'hf/model-00001-of-00002.safetensors',
        'hf/model-00002-of-00002.safetensors',
        'hf/model.safetensors.index.json'
      ],
      metadata: {
        producer: 'transformers',
        producerVersion: '4.44.0',
        extra: { architectures: 'LlamaForCausalLM', transformersVersion: '4.44.0' }
      }
    })
  })

  it('groups pytorch .bin shards, keeps their format and merges pickle scans', async () => {
    const index = JSON.stringify({
      weight_map: {
        a: 'pytorch_model-00001-of-00002.bin',
        b: 'pytorch_model-00002-of-00002.bin',
        c: 'pytorch_model-00003-of-00002.bin'
      }
    })
    const { byPath } = await scan({
      'pt/pytorch_model.bin.index.json': index,
      'pt/pytorch_model-00001-of-00002.bin': fake('pytorch-zip', 'pytorch', ' unsafe=os.system'),
      'pt/pytorch_model-00002-of-00002.bin': fake('pytorch-zip', 'pytorch', ' unsafe=builtins.eval')
    })
    const a = byPath.get('pt')!
    expect(a.format).toBe('pytorch-zip')
    expect(a.pickle?.unsafeGlobals).toEqual(['os.system', 'builtins.eval'])
    expect(a.malformed).toMatch(/missing shard/)
  })

  it('groups LFS-pointer shards: member digests are the oids, size the declared sizes', async () => {
    const o1 = '1'.repeat(64)
    const o2 = '2'.repeat(64)
    const { byPath } = await scan({
      'lfs/model-00001-of-00002.safetensors': lfsPointer(o1, 5_000_000_000),
      'lfs/model-00002-of-00002.safetensors': lfsPointer(o2, 3_000_000_000)
    })
    const a = byPath.get('lfs/model-00001-of-00002.safetensors')!
    expect(a).toMatchObject({ format: 'hf-safetensors-sharded', size: 8_000_000_000, digestSource: 'bundle' })
    expect(a.digest).toBe(
      bundleDigest([
        { relativePath: 'model-00001-of-00002.safetensors', sha256: o1 },
        { relativePath: 'model-00002-of-00002.safetensors', sha256: o2 }
      ])
    )
  })

  it('groups .mlpackage, TF checkpoint, paddle, mxnet and caffe bundles', async () => {
    const { byPath } = await scan({
      'c/M.mlpackage/Manifest.json': JSON.stringify({
        fileFormatVersion: '1.0.0',
        itemInfoEntries: { x: { author: 'com.apple.CoreML', path: 'model.mlmodel' } }
      }),
      'c/M.mlpackage/Data/com.apple.CoreML/model.mlmodel': 'spec',
      'c/M.mlpackage/Data/com.apple.CoreML/weights/weight.bin': 'w',
      'ck/model.ckpt.index': 'i',
      'ck/model.ckpt.data-00000-of-00002': 'd0',
      'ck/model.ckpt.data-00001-of-00002': 'd1',
      'ck/checkpoint': 'model_checkpoint_path: "model.ckpt"',
      'pd/inference.pdmodel': fake('paddle', 'paddlepaddle'),
      'pd/inference.pdiparams': 'p',
      'pd/inference.pdiparams.info': 'i',
      'pd/orphan.pdiparams': 'o',
      'mx/net-symbol.json': '{"nodes": []}',
      'mx/net-0000.params': 'p0',
      'mx/net-0010.params': 'p10',
      'cf/net.caffemodel': fake('caffe', 'caffe'),
      'cf/deploy.prototxt': 'name: "net"'
    })
    expect(byPath.get('c/M.mlpackage')).toMatchObject({
      format: 'coreml-mlpackage',
      files: [
        'c/M.mlpackage/Data/com.apple.CoreML/model.mlmodel',
        'c/M.mlpackage/Data/com.apple.CoreML/weights/weight.bin',
        'c/M.mlpackage/Manifest.json'
      ],
      metadata: { producer: 'com.apple.CoreML', extra: { fileFormatVersion: '1.0.0' } }
    })
    expect(byPath.get('ck/model.ckpt.index')?.files).toEqual([
      'ck/model.ckpt.data-00000-of-00002',
      'ck/model.ckpt.data-00001-of-00002',
      'ck/model.ckpt.index'
    ])
    expect(byPath.get('pd/inference.pdmodel')?.files).toEqual([
      'pd/inference.pdiparams',
      'pd/inference.pdiparams.info',
      'pd/inference.pdmodel'
    ])
    expect(byPath.has('pd/orphan.pdiparams')).toBe(false)
    expect(byPath.get('mx/net-symbol.json')).toMatchObject({
      format: 'mxnet',
      files: ['mx/net-0000.params', 'mx/net-0010.params', 'mx/net-symbol.json']
    })
    expect(byPath.get('cf/net.caffemodel')?.files).toEqual(['cf/deploy.prototxt', 'cf/net.caffemodel'])
    expect(byPath.size).toBe(5)
  })

  it('focus: a changed shard yields the whole bundle, reading only what the bundle needs', async () => {
    const files: Record<string, string> = {
      'hf/model.safetensors.index.json': JSON.stringify({
        weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors' }
      }),
      'hf/model-00001-of-00002.safetensors': fake('safetensors') + '1',
      'hf/model-00002-of-00002.safetensors': fake('safetensors') + '2',
      'other/m.onnx': fake('onnx')
    }
    for (let i = 0; i < 50; i++) files[`src/f${i}.ts`] = 'x'
    const { result, calls } = await scan(files, ['hf/model-00002-of-00002.safetensors'])
    expect(result.artifacts.map(a => a.path)).toEqual(['hf'])
    expect(result.artifacts[0]!.files).toHaveLength(3)
    expect(calls.some(c => c.startsWith('src/'))).toBe(false)
    expect(calls).not.toContain('other/m.onnx')

    const none = await scan(files, ['src/f1.ts'])
    expect(none.result.artifacts).toEqual([])
    const single = await scan(files, ['other/m.onnx', 'deleted/gone.onnx'])
    expect(single.result.artifacts.map(a => a.path)).toEqual(['other/m.onnx'])
  })

  it('focus: a changed SavedModel variable file yields the SavedModel', async () => {
    const { result } = await scan(
      {
        'sm/saved_model.pb': fake('tf-savedmodel', 'tensorflow'),
        'sm/variables/variables.index': 'i',
        'sm/variables/variables.data-00000-of-00001': 'd'
      },
      ['sm/variables/variables.data-00000-of-00001']
    )
    expect(result.artifacts.map(a => [a.path, a.files.length])).toEqual([['sm', 3]])
  })
})
