import { utf8OrUndefined } from '../bytes.js'
import type { PickleScan } from '../types.js'
import { BudgetExhausted, LIMITS, type Probe } from './probe.js'

/**
 * A pickle opcode walker. It reads the stream opcode by opcode, as CPython's Unpickler would
 * (Lib/pickle.py `_Unpickler.load`, opcode table in Lib/pickletools.py), but never imports or
 * calls anything. A small shadow stack and memo keep just enough values (short strings, ints,
 * tuples, dicts, "object of class X") to resolve STACK_GLOBAL operands and joblib array headers.
 */

/** Opcodes walked per stream; a model pickle with 100k tensors needs well under this. */
const MAX_OPCODES = 2_000_000
/** Strings kept for STACK_GLOBAL resolution; module paths are short, payloads are skipped unread. */
const MAX_KEPT_STRING = 512
/** Items retained per tuple/dict in the shadow values (enough for joblib headers and dtype states). */
const MAX_KEPT_ITEMS = 32
/** Protocol 0 text lines (INT, STRING, GLOBAL operands...) longer than this are refused. */
const MAX_LINE = 64 * 1024
/** Nested pickles (joblib object arrays) walked inside one stream. */
const MAX_NESTING = 8
/** Globals reported per scan; a stream importing more is reported with an error. */
const MAX_GLOBALS = 1024
/** Highest pickle protocol defined (PEP 574). */
const HIGHEST_PROTOCOL = 5

// ---------------------------------------------------------------------------------------------
// Allow-list: tensor and estimator rebuild functions and plain containers. Everything else is
// reported as unsafe. Mirrors torch's weights_only allow-list (torch/_weights_only_unpickler.py
// _get_allowed_globals) plus numpy/joblib array reconstruction and the ML estimator packages.

const ALLOWED_EXACT = new Set([
  'collections.OrderedDict',
  'collections.Counter',
  'collections.defaultdict',
  'collections.deque',
  'builtins.set',
  'builtins.frozenset',
  'builtins.slice',
  'builtins.bytearray',
  'builtins.bytes',
  'builtins.complex',
  'builtins.range',
  'builtins.object', // base class argument of copyreg._reconstructor
  'builtins.int',
  'builtins.float',
  'builtins.str',
  'builtins.bool',
  'builtins.list',
  'builtins.dict',
  'builtins.tuple',
  '_codecs.encode', // how protocols 0-2 spell bytes
  // Creates an instance of a class that is itself a GLOBAL, judged on its own.
  'copyreg._reconstructor',
  'numpy.ndarray',
  'numpy.dtype',
  'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray._reconstruct',
  'numpy.core.multiarray.scalar',
  'numpy._core.multiarray.scalar',
  'numpy.core.numeric._frombuffer',
  'numpy._core.numeric._frombuffer',
  'numpy.ma.core._mareconstruct',
  'numpy.random._pickle.__randomstate_ctor',
  'numpy.random._pickle.__bit_generator_ctor',
  'numpy.random._pickle.__generator_ctor',
  'numpy.random.__RandomState_ctor',
  'joblib.numpy_pickle.NumpyArrayWrapper',
  'joblib.numpy_pickle_compat.NDArrayWrapper',
  'joblib.numpy_pickle_compat.ZNDArrayWrapper',
  'torch.serialization._get_layout',
  'torch._tensor._rebuild_from_type_v2',
  'torch.nn.parameter.Parameter',
  'torch.Size',
  'torch.Tensor',
  'torch.device',
  'torch.per_tensor_affine',
  'torch.per_tensor_symmetric',
  'torch.per_channel_affine',
  'torch.per_channel_symmetric',
  'torch.per_channel_affine_float_qparams'
])

/** torch dtypes, layouts and memory formats are plain enum-like values. */
const TORCH_VALUE =
  /^torch\.(u?int\d+|float\d*(_\w+)?|bfloat16|half|double|long|short|bool|complex\d+|cfloat|cdouble|q?u?int\d+x?\d*|strided|sparse_\w+|_mkldnn|contiguous_format|channels_last(_3d)?|preserve_format|bits\w+)$/
/** torch._utils._rebuild_tensor_v2, _rebuild_parameter, ... and every (typed/untyped) Storage class. */
const TORCH_REBUILD = /^torch\.(_utils\._rebuild_\w+|(cuda\.)?\w*Storage|storage\.\w*Storage)$/
/** Estimator packages: their classes are what a model pickle is made of. */
const ALLOWED_PACKAGES = ['sklearn.', 'xgboost.', 'lightgbm.', 'catboost.', 'scipy.sparse.', 'numpy.dtypes.']

export function isAllowedGlobal(name: string): boolean {
  if (ALLOWED_EXACT.has(name) || TORCH_VALUE.test(name) || TORCH_REBUILD.test(name)) return true
  return ALLOWED_PACKAGES.some(p => name.startsWith(p))
}

/** Python 2 names as CPython's _compat_pickle maps them (the unpickler imports the mapped name). */
function normaliseGlobal(module: string, name: string): string {
  const m = module === '__builtin__' ? 'builtins' : module === 'copy_reg' ? 'copyreg' : module
  return `${m}.${name}`
}

// ---------------------------------------------------------------------------------------------
// Input: a sequential, budgeted view of the stream (a file region or an in-memory prefix).

export class PickleInput {
  private buf: Uint8Array = new Uint8Array(0)
  private bufStart = 0
  pos: number
  private spent = 0

  /**
   * @param probe file-backed input (reads are budgeted), or undefined for `mem`
   * @param start first byte of the stream; @param end one past the last byte that exists
   * @param complete false when `mem` is only a prefix of a longer (compressed) stream
   */
  constructor(
    private readonly probe: Probe | undefined,
    private readonly mem: Uint8Array | undefined,
    start: number,
    readonly end: number,
    readonly complete: boolean
  ) {
    this.pos = start
    if (mem !== undefined) this.buf = mem
  }

  static fromFile(probe: Probe, start: number, end: number): PickleInput {
    return new PickleInput(probe, undefined, start, end, true)
  }

  static fromBytes(bytes: Uint8Array, complete: boolean): PickleInput {
    return new PickleInput(undefined, bytes, 0, bytes.length, complete)
  }

  has(n: number): boolean {
    return this.pos + n <= this.bufStart + this.buf.length
  }

  /** Makes n bytes at pos available; false at end of stream. Throws BudgetExhausted. */
  async fill(n: number): Promise<boolean> {
    if (this.has(n)) return true
    if (this.pos + n > this.end) return false
    if (this.probe === undefined) return false
    const want = Math.min(this.end - this.pos, Math.max(n, 64 * 1024))
    const inHead = this.pos + want <= this.probe.head.length
    if (!inHead) {
      this.spent += want
      if (this.spent > LIMITS.pickle) throw new BudgetExhausted()
    }
    this.buf = await this.probe.read(this.pos, want)
    this.bufStart = this.pos
    return this.has(n)
  }

  byte(): number {
    return this.buf[this.pos++ - this.bufStart]!
  }

  take(n: number): Uint8Array {
    const s = this.pos - this.bufStart
    this.pos += n
    return this.buf.subarray(s, s + n)
  }

  /** Skips n bytes without reading them; false if the stream is shorter. */
  skip(n: number): boolean {
    if (this.pos + n > this.end) return false
    this.pos += n
    return true
  }

  /** Reads through the next '\n' (exclusive); undefined when missing within MAX_LINE. */
  async line(): Promise<Uint8Array | undefined> {
    for (let len = 1; len <= MAX_LINE; len++) {
      if (!this.has(len) && !(await this.fill(len))) return undefined
      if (this.buf[this.pos - this.bufStart + len - 1] === 0x0a) return this.take(len).subarray(0, len - 1)
    }
    return undefined
  }

  get exhaustedPrefix(): boolean {
    return !this.complete && this.pos >= this.end
  }
}

// ---------------------------------------------------------------------------------------------
// Shadow values

type Value =
  | { t: 'str'; s: string | undefined }
  | { t: 'int'; n: number | undefined }
  | { t: 'global'; name: string }
  | { t: 'obj'; cls: string | undefined; args: Value | undefined; state: Value | undefined }
  | { t: 'tuple'; items: Value[] }
  | { t: 'dict'; entries: [Value, Value][] }
  | { t: 'none' }
  | { t: 'bool'; b: boolean }
  | { t: 'other' }

const OTHER: Value = { t: 'other' }
const NONE: Value = { t: 'none' }

class WalkError extends Error {
  constructor(
    message: string,
    readonly kind: 'invalid' | 'truncated' | 'limit'
  ) {
    super(message)
  }
}

export interface WalkResult extends PickleScan {
  /** Complete pickles (STOP reached) walked. */
  stops: number
  /** Opcodes walked across all streams. */
  opcodes: number
  /** Highest PROTO seen. */
  protocol: number | undefined
  /** Kind of error when `error` is set. */
  errorKind?: 'invalid' | 'truncated' | 'limit'
  /** The first value of the first pickle was the legacy torch.save magic number. */
  torchMagic: boolean
  /** Calls (REDUCE, INST, OBJ, NEWOBJ) the stream would make. */
  calls: number
  /** `_sklearn_version` found in an estimator's state. */
  sklearnVersion?: string
}

/** torch.serialization.MAGIC_NUMBER, pickled first by legacy (non-zip) torch.save. */
const TORCH_MAGIC = 0x1950a86a20f9469cfc6cn

/** Mutable state shared by the (possibly nested) streams of one scan. */
class Scan {
  globals: string[] = []
  seen = new Set<string>()
  opcodes = 0
  /** REDUCE/INST/OBJ/NEWOBJ seen: something would have been called. */
  calls = 0
  protocol: number | undefined
  torchMagic = false
  firstValue = true
  sklearnVersion: string | undefined

  addGlobal(name: string): void {
    if (this.seen.has(name)) return
    if (this.globals.length >= MAX_GLOBALS)
      throw new WalkError(`more than ${MAX_GLOBALS} distinct globals`, 'limit')
    this.seen.add(name)
    this.globals.push(name)
  }
}

function intOf(v: Value | undefined): number | undefined {
  return v?.t === 'int' ? v.n : v?.t === 'bool' ? Number(v.b) : undefined
}

function strOf(v: Value | undefined): string | undefined {
  return v?.t === 'str' ? v.s : undefined
}

function dictGet(v: Value | undefined, key: string): Value | undefined {
  if (v?.t !== 'dict') return undefined
  for (const [k, x] of v.entries) if (strOf(k) === key) return x
  return undefined
}

/** Two's-complement little-endian integer (LONG1/LONG4), exact up to 128 bits. */
function longValue(b: Uint8Array): bigint | undefined {
  if (b.length === 0) return 0n
  if (b.length > 16) return undefined
  let v = 0n
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!)
  if ((b[b.length - 1]! & 0x80) !== 0) v -= 1n << BigInt(8 * b.length)
  return v
}

function numberOf(v: bigint | undefined): number | undefined {
  return v !== undefined && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : undefined
}

const latin1 = new TextDecoder('latin1')

/** Python identifier path as GLOBAL/INST operands must be (else CPython fails to import it anyway). */
const DOTTED_NAME = /^[A-Za-z_][\w.]*$/

/** Protocol 0 STRING operand: a Python repr in quotes. We only need short, escape-free values. */
function reprString(line: Uint8Array): string | undefined {
  const s = latin1.decode(line)
  if (s.length >= 2 && (s[0] === "'" || s[0] === '"') && s.endsWith(s.charAt(0))) {
    const inner = s.slice(1, -1)
    return inner.includes('\\') ? undefined : inner
  }
  throw new WalkError('STRING operand is not quoted', 'invalid')
}

/**
 * Walks one pickle (PROTO ... STOP) from `inp`. Returns normally at STOP; throws WalkError.
 */
async function walkOne(inp: PickleInput, scan: Scan, depth: number): Promise<void> {
  let stack: Value[] = []
  const meta: Value[][] = []
  const memo = new Map<number, Value>()

  const pop = (): Value => {
    const v = stack.pop()
    if (v === undefined) throw new WalkError('stack underflow', 'invalid')
    return v
  }
  const top = (): Value => {
    const v = stack[stack.length - 1]
    if (v === undefined) throw new WalkError('stack underflow', 'invalid')
    return v
  }
  const popMark = (): Value[] => {
    const items = stack
    const prev = meta.pop()
    if (prev === undefined) throw new WalkError('MARK missing', 'invalid')
    stack = prev
    return items
  }
  const push = (v: Value): void => {
    scan.firstValue = false
    stack.push(v)
  }
  const need = async (n: number): Promise<void> => {
    if (!inp.has(n) && !(await inp.fill(n))) throw eof()
  }
  const eof = (): WalkError =>
    inp.exhaustedPrefix || !inp.complete
      ? new WalkError(
          `stream prefix ended at byte ${inp.pos} before STOP (compressed data not fully inspected)`,
          'limit'
        )
      : new WalkError(`truncated at byte ${inp.pos}: stream ends before STOP`, 'truncated')
  const u32 = async (): Promise<number> => {
    await need(4)
    const b = inp.take(4)
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16)) + b[3]! * 0x1000000
  }
  const u64 = async (): Promise<number> => {
    await need(8)
    const b = inp.take(8)
    const hi = (b[4]! | (b[5]! << 8) | (b[6]! << 16)) + b[7]! * 0x1000000
    const lo = (b[0]! | (b[1]! << 8) | (b[2]! << 16)) + b[3]! * 0x1000000
    if (hi >= 0x200000)
      throw new WalkError(`length ${hi}*2^32 at byte ${inp.pos - 8} exceeds any file`, 'invalid')
    return hi * 0x100000000 + lo
  }
  /** A length-prefixed payload: kept as text when short, otherwise skipped unread. */
  const payload = async (n: number, kind: 'utf8' | 'latin1' | 'bytes'): Promise<Value> => {
    if (n < 0) throw new WalkError(`negative length at byte ${inp.pos}`, 'invalid')
    if (kind === 'bytes' || n > MAX_KEPT_STRING) {
      if (!inp.skip(n)) throw eof()
      return kind === 'bytes' ? OTHER : { t: 'str', s: undefined }
    }
    await need(n)
    const raw = inp.take(n)
    if (kind === 'latin1') return { t: 'str', s: latin1.decode(raw) }
    const s = utf8OrUndefined(raw)
    // CPython decodes BINUNICODE with 'surrogatepass'; an undecodable name cannot be a real import.
    return { t: 'str', s }
  }
  const line = async (): Promise<Uint8Array> => {
    const l = await inp.line()
    if (l === undefined) throw eof()
    return l
  }
  const globalFrom = (module: string | undefined, name: string | undefined): Value => {
    // An operand we could not keep (too long, undecodable) still imports *something*: report it.
    const full =
      module !== undefined && name !== undefined
        ? normaliseGlobal(module, name)
        : `${module ?? '?'}.${name ?? '?'}`
    scan.addGlobal(full)
    return { t: 'global', name: full }
  }
  const textGlobal = async (): Promise<Value> => {
    const m = latin1.decode(await line())
    const n = latin1.decode(await line())
    if (!DOTTED_NAME.test(m) || !DOTTED_NAME.test(n))
      throw new WalkError('GLOBAL operand is not a dotted name', 'invalid')
    return globalFrom(m, n)
  }
  const clsName = (v: Value): string | undefined => (v.t === 'global' ? v.name : undefined)
  const mkObj = (cls: Value, args: Value | undefined): Value => {
    scan.calls++
    return { t: 'obj', cls: clsName(cls), args, state: undefined }
  }

  for (;;) {
    if (++scan.opcodes > MAX_OPCODES) throw new WalkError(`more than ${MAX_OPCODES} opcodes`, 'limit')
    if (!inp.has(1) && !(await inp.fill(1))) throw eof()
    const at = inp.pos
    const op = inp.byte()
    switch (op) {
      case 0x80: {
        // PROTO
        await need(1)
        const v = inp.byte()
        if (v > HIGHEST_PROTOCOL) throw new WalkError(`unsupported protocol ${v}`, 'invalid')
        scan.protocol = Math.max(scan.protocol ?? 0, v)
        break
      }
      case 0x95: // FRAME: 8-byte frame length; framing does not change the opcode stream
        await u64()
        break
      case 0x2e: // STOP '.'
        pop()
        return
      case 0x28: // MARK '('
        meta.push(stack)
        stack = []
        break
      case 0x30: // POP '0'
        if (stack.length > 0) stack.pop()
        else popMark()
        break
      case 0x31: // POP_MARK '1'
        popMark()
        break
      case 0x32: // DUP '2'
        push(top())
        break
      case 0x4e: // NONE 'N'
        push(NONE)
        break
      case 0x88: // NEWTRUE
      case 0x89: // NEWFALSE
        push({ t: 'bool', b: op === 0x88 })
        break
      case 0x4b: // BININT1 'K'
        await need(1)
        push({ t: 'int', n: inp.byte() })
        break
      case 0x4d: {
        // BININT2 'M'
        await need(2)
        const b = inp.take(2)
        push({ t: 'int', n: b[0]! | (b[1]! << 8) })
        break
      }
      case 0x4a: // BININT 'J'
        push({ t: 'int', n: (await u32()) | 0 })
        break
      case 0x8a: {
        // LONG1
        await need(1)
        const n = inp.byte()
        await need(n)
        const v = longValue(inp.take(n))
        if (scan.firstValue && v === TORCH_MAGIC) scan.torchMagic = true
        scan.firstValue = false
        stack.push({ t: 'int', n: numberOf(v) })
        break
      }
      case 0x8b: {
        // LONG4
        const n = (await u32()) | 0
        if (n < 0) throw new WalkError('LONG4 with negative length', 'invalid')
        if (n <= 16) {
          await need(n)
          push({ t: 'int', n: numberOf(longValue(inp.take(n))) })
        } else {
          if (!inp.skip(n)) throw eof()
          push({ t: 'int', n: undefined })
        }
        break
      }
      case 0x49: {
        // INT 'I' (protocol 0; "00"/"01" are False/True)
        const s = latin1.decode(await line())
        if (!/^[-+]?\d+$/.test(s)) throw new WalkError('INT operand is not a number', 'invalid')
        push(s === '00' || s === '01' ? { t: 'bool', b: s === '01' } : { t: 'int', n: numberOf(BigInt(s)) })
        break
      }
      case 0x4c: {
        // LONG 'L'
        const s = latin1.decode(await line()).replace(/L$/, '')
        if (!/^[-+]?\d+$/.test(s)) throw new WalkError('LONG operand is not a number', 'invalid')
        push({ t: 'int', n: numberOf(BigInt(s)) })
        break
      }
      case 0x46: // FLOAT 'F'
        await line()
        push(OTHER)
        break
      case 0x47: // BINFLOAT 'G'
        await need(8)
        inp.take(8)
        push(OTHER)
        break
      case 0x53: // STRING 'S'
        push({ t: 'str', s: reprString(await line()) })
        break
      case 0x54: // BINSTRING 'T' (signed 4-byte length)
        push(await payload((await u32()) | 0, 'latin1'))
        break
      case 0x55: // SHORT_BINSTRING 'U'
        await need(1)
        push(await payload(inp.byte(), 'latin1'))
        break
      case 0x56: {
        // UNICODE 'V' (raw-unicode-escape line)
        const l = await line()
        push({ t: 'str', s: l.length <= MAX_KEPT_STRING && !l.includes(0x5c) ? latin1.decode(l) : undefined })
        break
      }
      case 0x58: // BINUNICODE 'X'
        push(await payload(await u32(), 'utf8'))
        break
      case 0x8c: // SHORT_BINUNICODE
        await need(1)
        push(await payload(inp.byte(), 'utf8'))
        break
      case 0x8d: // BINUNICODE8
        push(await payload(await u64(), 'utf8'))
        break
      case 0x42: // BINBYTES 'B'
        push(await payload(await u32(), 'bytes'))
        break
      case 0x43: // SHORT_BINBYTES 'C'
        await need(1)
        push(await payload(inp.byte(), 'bytes'))
        break
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        push(await payload(await u64(), 'bytes'))
        break
      case 0x97: // NEXT_BUFFER (out-of-band buffer supplied by the caller)
        push(OTHER)
        break
      case 0x98: // READONLY_BUFFER
        top()
        break
      case 0x5d: // EMPTY_LIST ']'
      case 0x8f: // EMPTY_SET
        push(OTHER)
        break
      case 0x7d: // EMPTY_DICT '}'
        push({ t: 'dict', entries: [] })
        break
      case 0x29: // EMPTY_TUPLE ')'
        push({ t: 'tuple', items: [] })
        break
      case 0x6c: // LIST 'l'
      case 0x91: // FROZENSET
        popMark()
        push(OTHER)
        break
      case 0x74: // TUPLE 't'
        push({ t: 'tuple', items: popMark().slice(0, MAX_KEPT_ITEMS) })
        break
      case 0x85: // TUPLE1
        push({ t: 'tuple', items: [pop()] })
        break
      case 0x86: {
        // TUPLE2
        const b = pop()
        push({ t: 'tuple', items: [pop(), b] })
        break
      }
      case 0x87: {
        // TUPLE3
        const c = pop()
        const b = pop()
        push({ t: 'tuple', items: [pop(), b, c] })
        break
      }
      case 0x64: {
        // DICT 'd'
        const items = popMark()
        if (items.length % 2 !== 0) throw new WalkError('DICT with odd item count', 'invalid')
        const d: Value = { t: 'dict', entries: [] }
        for (let i = 0; i + 1 < items.length; i += 2) setItem(d, items[i]!, items[i + 1]!)
        push(d)
        break
      }
      case 0x61: // APPEND 'a'
        pop()
        top()
        break
      case 0x65: // APPENDS 'e'
      case 0x90: // ADDITEMS
        popMark()
        top()
        break
      case 0x73: {
        // SETITEM 's'
        const v = pop()
        const k = pop()
        setItem(top(), k, v)
        break
      }
      case 0x75: {
        // SETITEMS 'u'
        const items = popMark()
        if (items.length % 2 !== 0) throw new WalkError('SETITEMS with odd item count', 'invalid')
        const d = top()
        for (let i = 0; i + 1 < items.length; i += 2) setItem(d, items[i]!, items[i + 1]!)
        break
      }
      case 0x63: // GLOBAL 'c'
        push(await textGlobal())
        break
      case 0x93: {
        // STACK_GLOBAL: module and name are the two strings below the top of the stack
        const name = pop()
        const module = pop()
        if (name.t !== 'str' || module.t !== 'str') {
          throw new WalkError('STACK_GLOBAL operands are not strings', 'invalid')
        }
        push(globalFrom(module.s, name.s))
        break
      }
      case 0x69: {
        // INST 'i': imports module.name, then calls it with the marked items
        const cls = await textGlobal()
        popMark()
        push(mkObj(cls, undefined))
        break
      }
      case 0x6f: {
        // OBJ 'o'
        const items = popMark()
        if (items.length === 0) throw new WalkError('OBJ without class', 'invalid')
        push(mkObj(items[0]!, { t: 'tuple', items: items.slice(1, MAX_KEPT_ITEMS) }))
        break
      }
      case 0x81: {
        // NEWOBJ
        const args = pop()
        push(mkObj(pop(), args))
        break
      }
      case 0x92: {
        // NEWOBJ_EX
        pop()
        const args = pop()
        push(mkObj(pop(), args))
        break
      }
      case 0x52: {
        // REDUCE 'R'
        const args = pop()
        push(mkObj(pop(), args))
        break
      }
      case 0x62: {
        // BUILD 'b'
        const state = pop()
        const obj = top()
        if (obj.t === 'obj') {
          obj.state = state
          if (obj.cls === 'joblib.numpy_pickle.NumpyArrayWrapper')
            await skipJoblibArray(inp, scan, state, depth)
        }
        break
      }
      case 0x50: // PERSID 'P'
        await line()
        push(OTHER)
        break
      case 0x51: // BINPERSID 'Q'
        pop()
        push(OTHER)
        break
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: {
        // EXT4: copyreg's extension registry maps a code to an importable (module, name)
        const n = op === 0x82 ? 1 : op === 0x83 ? 2 : 4
        await need(n)
        const b = inp.take(n)
        let code = 0
        for (let i = n - 1; i >= 0; i--) code = code * 256 + b[i]!
        scan.addGlobal(`copyreg._extension_registry[${code}]`)
        push(OTHER)
        break
      }
      case 0x67: // GET 'g'
      case 0x70: {
        // PUT 'p'
        const s = latin1.decode(await line())
        if (!/^\d+$/.test(s)) throw new WalkError('memo index is not a number', 'invalid')
        memoOp(op === 0x67, Number(s))
        break
      }
      case 0x68: // BINGET 'h'
      case 0x71: // BINPUT 'q'
        await need(1)
        memoOp(op === 0x68, inp.byte())
        break
      case 0x6a: // LONG_BINGET 'j'
      case 0x72: // LONG_BINPUT 'r'
        memoOp(op === 0x6a, await u32())
        break
      case 0x94: // MEMOIZE
        memoOp(false, memo.size)
        break
      default:
        throw new WalkError(`unknown opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at}`, 'invalid')
    }
  }

  function setItem(d: Value, k: Value, v: Value): void {
    // scikit-learn estimators carry the version that pickled them in their state dict.
    if (k.t === 'str' && k.s === '_sklearn_version' && v.t === 'str' && v.s !== undefined) {
      scan.sklearnVersion ??= v.s.slice(0, 64)
    }
    if (d.t === 'dict' && d.entries.length < MAX_KEPT_ITEMS) d.entries.push([k, v])
  }

  function memoOp(get: boolean, idx: number): void {
    if (get) {
      const v = memo.get(idx)
      if (v === undefined) throw new WalkError(`memo key ${idx} missing`, 'invalid')
      stack.push(v)
    } else {
      const v = stack[stack.length - 1]
      if (v === undefined) throw new WalkError('PUT on empty stack', 'invalid')
      memo.set(idx, v)
    }
  }
}

/**
 * joblib writes a NumpyArrayWrapper and then the raw array bytes straight into the file, outside
 * the pickle opcodes (joblib/numpy_pickle.py NumpyArrayWrapper.write_array): an optional padding
 * byte + padding, then prod(shape) * itemsize bytes; object arrays are a nested pickle instead.
 */
async function skipJoblibArray(inp: PickleInput, scan: Scan, state: Value, depth: number): Promise<void> {
  const shape = dictGet(state, 'shape')
  const dtype = dictGet(state, 'dtype')
  if (shape?.t !== 'tuple' || dtype?.t !== 'obj' || dtype.cls !== 'numpy.dtype') {
    throw new WalkError('joblib array header without shape/dtype', 'invalid')
  }
  const code = dtype.args?.t === 'tuple' ? strOf(dtype.args.items[0]) : undefined
  if (code === undefined) throw new WalkError('joblib array dtype not understood', 'invalid')
  const dstate = dtype.state?.t === 'tuple' ? dtype.state.items : []
  // numpy's dtype state is (version, byteorder, subarray, names, fields, elsize, alignment, flags);
  // a structured dtype holding objects is pickled (nested) like an object array.
  const objects = dtypeHasObject(dtype, 0)
  if (objects === undefined) throw new WalkError('joblib structured array not understood', 'limit')
  if (objects) {
    if (depth >= MAX_NESTING) throw new WalkError('nested pickles too deep', 'limit')
    await walkOne(inp, scan, depth + 1)
    return
  }
  let itemsize = intOf(dstate[5])
  if (itemsize === undefined || itemsize <= 0) {
    const m = /^[a-zA-Z?]+(\d+)/.exec(code)
    itemsize = m ? Number(m[1]) : code === '?' ? 1 : undefined
  }
  if (itemsize === undefined || itemsize <= 0)
    throw new WalkError(`joblib dtype ${code} not sized`, 'invalid')
  let count = 1n
  for (const d of shape.items) {
    const n = intOf(d)
    if (n === undefined || n < 0) throw new WalkError('joblib array shape not understood', 'invalid')
    count *= BigInt(n)
  }
  if (shape.items.length >= MAX_KEPT_ITEMS)
    throw new WalkError('joblib array has too many dimensions', 'invalid')
  const align = dictGet(state, 'numpy_array_alignment_bytes')
  if (align !== undefined && align.t !== 'none') {
    if (!inp.has(1) && !(await inp.fill(1)))
      throw new WalkError('truncated joblib array padding', 'truncated')
    const pad = inp.byte()
    if (!inp.skip(pad)) throw new WalkError('truncated joblib array padding', 'truncated')
  }
  const bytes = count * BigInt(itemsize)
  if (bytes > BigInt(inp.end - inp.pos) || !inp.skip(Number(bytes))) {
    throw new WalkError(
      inp.complete
        ? `joblib array of ${bytes} bytes runs past the end of the file`
        : 'stream prefix ended inside joblib array data',
      inp.complete ? 'truncated' : 'limit'
    )
  }
}

/** Whether a shadow numpy.dtype holds Python objects; undefined when it cannot be told. */
function dtypeHasObject(dtype: Value | undefined, depth: number): boolean | undefined {
  if (dtype?.t !== 'obj' || dtype.cls !== 'numpy.dtype' || depth > 8) return undefined
  const code = dtype.args?.t === 'tuple' ? strOf(dtype.args.items[0]) : undefined
  if (code === undefined) return undefined
  if (code.startsWith('O')) return true
  const st = dtype.state?.t === 'tuple' ? dtype.state.items : []
  const sub = st[2]
  if (sub !== undefined && sub.t !== 'none') {
    const r = sub.t === 'tuple' ? dtypeHasObject(sub.items[0], depth + 1) : undefined
    if (r !== false) return r
  }
  const fields = st[4]
  if (fields === undefined || fields.t === 'none') return false
  if (fields.t !== 'dict' || fields.entries.length >= MAX_KEPT_ITEMS) return undefined
  for (const [, v] of fields.entries) {
    const r = v.t === 'tuple' ? dtypeHasObject(v.items[0], depth + 1) : undefined
    if (r !== false) return r
  }
  return false
}

export interface WalkOptions {
  /** Walk consecutive pickles up to this many (legacy torch.save writes 5 in a row). */
  maxPickles?: number
}

/**
 * Walks the pickle stream(s) in `inp`. Never throws: parse problems are reported in `error`.
 * Legacy torch.save files are detected by their magic-number first pickle and walked through the
 * five pickles that precede the raw storages (torch/serialization.py _legacy_save).
 */
export async function walkPickle(inp: PickleInput, opts: WalkOptions = {}): Promise<WalkResult> {
  const scan = new Scan()
  let stops = 0
  let error: string | undefined
  let errorKind: WalkResult['errorKind']
  const max = opts.maxPickles ?? 1
  try {
    for (;;) {
      await walkOne(inp, scan, 0)
      stops++
      const wanted = scan.torchMagic ? Math.max(max, 5) : max
      if (stops >= wanted) break
      if (!inp.has(1) && !(await inp.fill(1))) break
    }
  } catch (e) {
    if (e instanceof WalkError) {
      error = e.message
      errorKind = e.kind
    } else if (e instanceof BudgetExhausted) {
      error = `stopped after ${LIMITS.pickle} bytes: rest of the stream not inspected`
      errorKind = 'limit'
    } else {
      error = `walker failed: ${e instanceof Error ? e.message : String(e)}`
      errorKind = 'invalid'
    }
  }
  const out: WalkResult = {
    globals: scan.globals,
    unsafeGlobals: scan.globals.filter(g => !isAllowedGlobal(g)),
    stops,
    opcodes: scan.opcodes,
    protocol: scan.protocol,
    torchMagic: scan.torchMagic,
    calls: scan.calls
  }
  if (scan.sklearnVersion !== undefined) out.sklearnVersion = scan.sklearnVersion
  if (error !== undefined) {
    out.error = error
    out.errorKind = errorKind
  }
  return out
}

/** The public part of a WalkResult, as stored on a Classification. */
export function toScan(w: WalkResult): PickleScan {
  const s: PickleScan = { globals: w.globals, unsafeGlobals: w.unsafeGlobals }
  if (w.error !== undefined) s.error = w.error
  return s
}
