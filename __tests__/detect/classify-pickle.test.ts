/**
 * The pickle opcode walker on hand-assembled opcode streams (pickletools' opcode table), where
 * each case isolates one rule: how imports are resolved, what is allowed, and when a pickle is a
 * model. Real pickles from frameworks are covered in classify-corpus.test.ts.
 */
import { describe, expect, it } from '@jest/globals'
import { isAllowedGlobal, PickleInput, walkPickle } from '../../src/core/detect/formats/pickle.js'
import { classifyBytes, concat } from './helpers.js'

const PROTO4 = [0x80, 0x04]
const su = (s: string): Uint8Array => concat([0x8c, s.length], s) // SHORT_BINUNICODE
const MEMOIZE = [0x94]
const STACK_GLOBAL = [0x93]
const STOP = [0x2e]

async function walk(bytes: Uint8Array) {
  return walkPickle(PickleInput.fromBytes(bytes, true))
}

describe('import resolution', () => {
  it('resolves STACK_GLOBAL operands pushed directly', async () => {
    const w = await walk(concat(PROTO4, su('os'), su('system'), STACK_GLOBAL, su('id'), [0x85, 0x52], STOP))
    expect(w.globals).toEqual(['os.system'])
    expect(w.unsafeGlobals).toEqual(['os.system'])
    expect(w.error).toBeUndefined()
  })

  it('resolves STACK_GLOBAL operands fetched from the memo (BINGET)', async () => {
    // Memoize "subprocess" and "check_output", pop them, then fetch them back with BINGET.
    const w = await walk(
      concat(
        PROTO4,
        su('subprocess'),
        MEMOIZE,
        [0x30],
        su('check_output'),
        MEMOIZE,
        [0x30],
        [0x68, 0],
        [0x68, 1],
        STACK_GLOBAL,
        [0x30, 0x4e],
        STOP
      )
    )
    expect(w.globals).toEqual(['subprocess.check_output'])
    expect(w.unsafeGlobals).toEqual(['subprocess.check_output'])
  })

  it('resolves protocol 0 GLOBAL and INST, and Python 2 module names', async () => {
    const w = await walk(concat("c__builtin__\neval\n(S'1'\ntR(ios\nsystem\n(S'x'\ntp0\n0N."))
    expect(w.globals).toEqual(['builtins.eval', 'os.system'])
    expect(w.error).toBeUndefined()
  })

  it('reports extension-registry imports (EXT1) as unsafe', async () => {
    const w = await walk(concat([0x80, 0x02, 0x82, 0x07, 0x29, 0x52], STOP))
    expect(w.unsafeGlobals).toEqual(['copyreg._extension_registry[7]'])
  })

  it('treats a STACK_GLOBAL over non-strings as a parse error', async () => {
    const w = await walk(concat(PROTO4, [0x4b, 1, 0x4b, 2], STACK_GLOBAL, STOP))
    expect(w.error).toMatch(/STACK_GLOBAL/)
  })

  it('reports an unknown opcode with its offset', async () => {
    const w = await walk(concat(PROTO4, [0xff]))
    expect(w.error).toMatch(/unknown opcode 0xff at byte 2/)
    expect(w.errorKind).toBe('invalid')
  })
})

describe('allow-list', () => {
  it.each([
    'torch._utils._rebuild_tensor_v2',
    'torch._utils._rebuild_parameter',
    'torch.FloatStorage',
    'torch.storage.UntypedStorage',
    'torch.bfloat16',
    'collections.OrderedDict',
    'numpy.core.multiarray._reconstruct',
    'numpy._core.multiarray._reconstruct',
    'numpy.dtype',
    'joblib.numpy_pickle.NumpyArrayWrapper',
    'sklearn.ensemble._forest.RandomForestClassifier',
    'xgboost.sklearn.XGBClassifier',
    'scipy.sparse._csr.csr_matrix',
    'builtins.set',
    '_codecs.encode',
    'copyreg._reconstructor'
  ])('allows %s', g => {
    expect(isAllowedGlobal(g)).toBe(true)
  })

  it.each([
    'os.system',
    'posix.system',
    'nt.system',
    'subprocess.Popen',
    'builtins.exec',
    'builtins.eval',
    'builtins.getattr',
    'builtins.__import__',
    'builtins.open',
    'runpy._run_code',
    'webbrowser.open',
    'socket.socket',
    'torch.load',
    'torch.hub.load',
    'numpy.load',
    'sklearnx.evil',
    '__main__.MyModel'
  ])('flags %s', g => {
    expect(isAllowedGlobal(g)).toBe(false)
  })
})

describe('when a pickle is a model', () => {
  it('a pickle with an unsafe import is always classified, whatever its name', async () => {
    const { c } = await classifyBytes(concat("cos\nsystem\n(S'id'\ntR."), 'README')
    expect(c?.format).toBe('pickle')
    expect(c?.framework).toBe('unknown')
    expect(c?.pickle?.unsafeGlobals).toEqual(['os.system'])
  })

  it('a pickle of plain containers is data, not a model', async () => {
    const { c } = await classifyBytes(
      concat(PROTO4, [0x7d, 0x28], su('a'), [0x4b, 1], su('b'), [0x5d, 0x75], STOP),
      'cache.pkl'
    )
    expect(c).toBeNull()
  })

  it('a pickle that imports an estimator class is a model', async () => {
    const stream = concat(
      PROTO4,
      su('sklearn.linear_model._base'),
      su('LinearRegression'),
      STACK_GLOBAL,
      [0x29, 0x81, 0x7d],
      [0x28],
      su('_sklearn_version'),
      su('1.5.2'),
      [0x75, 0x62],
      STOP
    )
    const { c } = await classifyBytes(stream, 'weights.dat')
    expect(c?.format).toBe('sklearn-pickle')
    expect(c?.framework).toBe('scikit-learn')
    expect(c?.metadata.frameworkVersion).toBe('1.5.2')
    expect(c?.pickle?.unsafeGlobals).toEqual([])
  })

  it('a text file that starts like a protocol 0 opcode is not a pickle', async () => {
    for (const text of [
      'cmake_minimum_required(VERSION 3.10)\n',
      'changelog\nv1.2.0\n- fixed\n',
      '(a, b)\n',
      'Id,name\n1,x\n'
    ]) {
      expect((await classifyBytes(concat(text), 'NOTES')).c).toBeNull()
    }
  })

  it('a damaged stream with a pickle extension is reported as a pickle with an error', async () => {
    const { c } = await classifyBytes(concat([0x80, 0x04, 0x7d, 0x28]), 'model.pkl')
    expect(c?.format).toBe('pickle')
    expect(c?.pickle?.error).toBeDefined()
  })
})
