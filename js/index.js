// distribution-coder: arithmetic coding over per-step probability distributions.
// A thin ES-module wrapper around one standalone WebAssembly module (built from the C
// library in src/ by scripts/build-wasm.mjs). Types and documentation: js/index.d.ts.
import inlineWasmBase64 from '../dist/wasm-inline.js';

const MAX_VOCAB = 16777216; // DC_MAX_VOCAB, 2^24
const MAX_MATRIX = 268435455; // elements of a batch matrix (2 GiB of f64)

const DTYPE_CODES = { f32: 0, f64: 1, f16: 2, bf16: 3 };
const DTYPE_NAMES = ['f32', 'f64', 'f16', 'bf16'];
const DTYPE_SIZES = [4, 8, 2, 2];
const FORMAT_CODES = { default: 0, 'python-0.1': 1 };

// dc_result values the wrapper acts on (pinned forever in distribution_coder.h).
const DC_ERR_NAN = 6;
const DC_ERR_INFINITE = 7;
const DC_ERR_NEGATIVE = 8;
const DC_ERR_NO_MASS = 9;
const DC_ERR_NOT_ENCODING = 10;
const DC_ERR_NOT_DECODING = 11;
const DC_ERR_OUT_OF_MEMORY = 12;

const STATE_ENCODING = 0;
const STATE_FINISHED = 1;
const STATE_DECODING = 2;

// The C functions the wrapper calls; init() refuses a module that lacks one.
const REQUIRED_EXPORTS = [
  'memory', 'malloc', 'free', 'dc_result_name', 'dc_result_string', 'dc_version_string',
  'dc_coder_create', 'dc_coder_free', 'dc_coder_reset', 'dc_coder_reserve_output',
  'dc_coder_staging_buffer', 'dc_encode_step', 'dc_encode_steps', 'dc_finish_encoding',
  'dc_start_decoding', 'dc_decode_step', 'dc_decode_steps',
];

const HAS_F16 = typeof globalThis.Float16Array === 'function';

/** Every ArrayBuffer that has been the memory of a module instance: a typed array over one
 * that is no longer current was made before the memory grew (it is detached). */
const wasmBuffers = new WeakSet();
/** View handed out by distributionView() -> the coder whose staging buffer it covers. */
const viewOwners = new WeakMap();

// ---------------------------------------------------------------------------- errors

/** A failure reported by the C library that is not an argument error. */
export class DistributionCoderError extends Error {
  constructor(message, code, codeName, options) {
    super(message, options);
    this.name = 'DistributionCoderError';
    this.code = code;
    this.codeName = codeName;
  }
}

function withCode(err, rt, code) {
  err.code = code;
  err.codeName = rt ? rt.resultName(code) : undefined;
  return err;
}

function show(v) {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (v === null || v === undefined || typeof v === 'boolean') return String(v);
  if (typeof v === 'function') return 'a function';
  if (ArrayBuffer.isView(v)) return `a ${v[Symbol.toStringTag] || 'DataView'}`;
  if (Array.isArray(v)) return `an Array of length ${v.length}`;
  const ctor = v.constructor && v.constructor.name;
  return ctor ? `a ${ctor}` : 'an object';
}

// ---------------------------------------------------------------------------- runtime

/** One instance of the wasm module: its memory, cached views, and scratch space. */
class Runtime {
  constructor(instance) {
    const x = instance.exports;
    for (const name of REQUIRED_EXPORTS) {
      if (!(name in x)) throw new TypeError(`init: the WebAssembly module does not export "${name}"; it is not a distribution-coder module`);
    }
    this.x = x;
    this.memory = x.memory;
    this.buffer = null;
    this.refresh();
    if (typeof x._initialize === 'function') x._initialize();
    // 16 bytes for out-parameters (pointers, sizes, a decoded symbol, a failed step).
    this.scratch = x.malloc(16) >>> 0;
    if (this.scratch === 0) throw new DistributionCoderError('init: out of memory', DC_ERR_OUT_OF_MEMORY, 'DC_ERR_OUT_OF_MEMORY');
    this.names = [];
    this.strings = [];
    this.version = this.cString(x.dc_version_string());
    this.refresh();
  }

  /** Re-make the heap views after the memory grew (env.emscripten_notify_memory_growth). */
  refresh() {
    const b = this.memory.buffer;
    if (b === this.buffer) return;
    this.buffer = b;
    wasmBuffers.add(b);
    this.u8 = new Uint8Array(b);
    this.u16 = new Uint16Array(b);
    this.u32 = new Uint32Array(b);
    this.i32 = new Int32Array(b);
    this.f32 = new Float32Array(b);
    this.f64 = new Float64Array(b);
  }

  cString(ptr) {
    this.refresh();
    const u8 = this.u8;
    let end = ptr >>> 0;
    while (u8[end] !== 0) end++;
    let s = '';
    for (let i = ptr >>> 0; i < end; i++) s += String.fromCharCode(u8[i]);
    return s;
  }

  resultName(code) {
    return this.names[code] ?? (this.names[code] = this.cString(this.x.dc_result_name(code)));
  }

  resultString(code) {
    return this.strings[code] ?? (this.strings[code] = this.cString(this.x.dc_result_string(code)));
  }

  /** malloc that throws; the caller frees. */
  alloc(bytes, what) {
    const p = this.x.malloc(Math.max(bytes, 1)) >>> 0;
    this.refresh();
    if (p === 0) throw new DistributionCoderError(`${what}: out of memory (${bytes} bytes)`, DC_ERR_OUT_OF_MEMORY, 'DC_ERR_OUT_OF_MEMORY');
    return p;
  }
}

function base64ToBytes(b64) {
  if (typeof atob === 'function') {
    const s = atob(b64);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  return new Uint8Array(globalThis.Buffer.from(b64, 'base64'));
}

async function instantiate(source) {
  let holder = null;
  const imports = {
    env: {
      emscripten_notify_memory_growth() {
        if (holder) holder.refresh();
      },
    },
  };
  let src = await source;
  if (src !== null && typeof src === 'object' && typeof src.arrayBuffer === 'function' && !(src instanceof WebAssembly.Module)) {
    if (src.ok === false) throw new Error(`init: fetching the wasm module failed: HTTP ${src.status} ${src.statusText || ''}`.trim());
    if (typeof Response === 'function' && src instanceof Response && typeof WebAssembly.instantiateStreaming === 'function') {
      try {
        const { instance } = await WebAssembly.instantiateStreaming(src.clone(), imports);
        holder = new Runtime(instance);
        return holder;
      } catch (e) {
        // Wrong Content-Type and the like: fall back to the bytes.
        if (!(e instanceof TypeError)) throw e;
      }
    }
    src = await src.arrayBuffer();
  }
  let instance;
  if (src instanceof WebAssembly.Module) {
    instance = await WebAssembly.instantiate(src, imports);
  } else if (src instanceof ArrayBuffer || ArrayBuffer.isView(src)) {
    ({ instance } = await WebAssembly.instantiate(src, imports));
  } else {
    throw new TypeError(`init: source must be a WebAssembly.Module, an ArrayBuffer or typed array of wasm bytes, or a Response (or a promise of one); got ${show(src)}`);
  }
  holder = new Runtime(instance);
  return holder;
}

let current = null;
let initError = null;

/**
 * Instantiate the WebAssembly module from `source` and use it for coders created from now
 * on (coders created before keep their module). Without an argument, retries the module
 * inlined in the package.
 */
export async function init(source) {
  const rt = await instantiate(source === undefined ? base64ToBytes(inlineWasmBase64) : source);
  current = rt;
  initError = null;
}

function runtime() {
  if (current) return current;
  throw new Error(
    'distribution-coder: the WebAssembly module could not be instantiated automatically ' +
    `(${initError && initError.message}); call \`await init(moduleOrBytesOrResponse)\` first ` +
    '(e.g. with dist/distribution_coder.wasm from this package)', { cause: initError });
}

try {
  current = await instantiate(base64ToBytes(inlineWasmBase64));
} catch (e) {
  initError = e;
}

/** Bytes of WebAssembly linear memory the current module holds (diagnostics, tests). */
export function wasmMemoryBytes() {
  return runtime().memory.buffer.byteLength;
}

/** Version of the C library inside the current module, e.g. "0.1.0". */
export function version() {
  return runtime().version;
}

// ---------------------------------------------------------------------------- helpers

const freeRegistry = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry((held) => { held.rt.x.dc_coder_free(held.ptr); })
  : null;

function parseDtype(dtype, arg) {
  if (typeof dtype !== 'string') throw new TypeError(`${arg} must be one of 'f32', 'f64', 'f16', 'bf16'; got ${show(dtype)}`);
  const code = DTYPE_CODES[dtype];
  if (code === undefined || !Object.hasOwn(DTYPE_CODES, dtype)) throw new RangeError(`${arg}: unknown dtype ${show(dtype)}; expected 'f32', 'f64', 'f16' or 'bf16'`);
  return code;
}

function f16ToNumber(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 31;
  const m = h & 1023;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

const bfU32 = new Uint32Array(1);
const bfF32 = new Float32Array(bfU32.buffer);
function bf16ToNumber(h) {
  bfU32[0] = h << 16;
  return bfF32[0];
}

function readElement(rt, ptr, dtype, i) {
  switch (dtype) {
    case 0: return rt.f32[(ptr >>> 2) + i];
    case 1: return rt.f64[(ptr >>> 3) + i];
    case 2: return f16ToNumber(rt.u16[(ptr >>> 1) + i]);
    default: return bf16ToNumber(rt.u16[(ptr >>> 1) + i]);
  }
}

/** The error for a distribution C refused for its content: finds the first offending
 * element of the staged copy (what C saw) and names it. */
function contentError(rt, code, ptr, dtype, n, name) {
  rt.refresh();
  for (let i = 0; i < n; i++) {
    const v = readElement(rt, ptr, dtype, i);
    if (Number.isNaN(v)) return withCode(new RangeError(`${name}[${i}] is NaN`), rt, DC_ERR_NAN);
    if (v === Infinity || v === -Infinity) return withCode(new RangeError(`${name}[${i}] is ${v}`), rt, DC_ERR_INFINITE);
    if (v < 0) return withCode(new RangeError(`${name}[${i}] is negative (${v})`), rt, DC_ERR_NEGATIVE);
  }
  if (code === DC_ERR_NO_MASS) return withCode(new RangeError(`${name} has no positive value`), rt, code);
  return withCode(new RangeError(`${name}: ${rt.resultString(code)}`), rt, code);
}

function libraryError(rt, code, what) {
  return new DistributionCoderError(`${what}: ${rt.resultString(code)} (${rt.resultName(code)})`, code, rt.resultName(code));
}

function isContentError(code) {
  return code === DC_ERR_NAN || code === DC_ERR_INFINITE || code === DC_ERR_NEGATIVE || code === DC_ERR_NO_MASS;
}

function symbolError(symbol, n, name) {
  if (typeof symbol !== 'number') return new TypeError(`${name} must be an integer number; got ${show(symbol)}`);
  if (!Number.isInteger(symbol)) return new RangeError(`${name} must be an integer; got ${show(symbol)}`);
  if (symbol < 0) return new RangeError(`${name} must be >= 0; got ${show(symbol)}`);
  return new RangeError(`${name} is ${symbol}, out of range for a vocabulary of ${n} (0 <= symbol < ${n})`);
}

function checkCount(value, name, max) {
  if (typeof value !== 'number') throw new TypeError(`${name} must be an integer number; got ${show(value)}`);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new RangeError(`${name} must be an integer from 1 to ${max}; got ${show(value)}`);
}

// ---------------------------------------------------------------------------- coder

/** An encoder or decoder (one session). See js/index.d.ts for the documentation. */
export class DistributionCoder {
  #rt;
  #ptr = 0;
  #format;
  #tolerance = 0;
  #state = STATE_ENCODING;
  #stPtr = 0; // staging buffer (dc_coder_staging_buffer) and the bytes it is known to hold
  #stBytes = 0;
  #view = null; // the last view distributionView() returned
  #viewDtype = 0;
  #stagedPtr = 0; // where this step's distribution is in wasm memory
  // Results of #classify (fields, not an object: nothing is allocated per step).
  #dtype = 0;
  #len = 0;
  #kind = 0; // 0: typed array of the dtype's width, 1: array-like to convert, 2: Float16Array

  constructor(options = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object; got ${show(options)}`);
    const format = options.format === undefined ? 'default' : options.format;
    if (typeof format !== 'string' || !Object.hasOwn(FORMAT_CODES, format)) {
      throw new RangeError(`options.format must be 'default' or 'python-0.1'; got ${show(format)}`);
    }
    const tolerance = options.tolerance === undefined ? 0 : options.tolerance;
    if (typeof tolerance !== 'number') throw new TypeError(`options.tolerance must be a number; got ${show(tolerance)}`);
    if (!(tolerance >= 0 && tolerance <= 1e-2)) {
      throw new RangeError(`options.tolerance must be 0 (exact) or in (0, 1e-2]; got ${show(tolerance)}`);
    }
    if (tolerance > 0 && format === 'python-0.1') {
      throw new RangeError(`options.tolerance is not available with format 'python-0.1'; got ${show(tolerance)}`);
    }
    const rt = runtime();
    let r;
    if (tolerance > 0) {
      // dc_coder_options {int32 format, u32 0, f64 tolerance, u32[4] 0}, then the out pointer.
      const p = rt.x.malloc(40) >>> 0;
      if (p === 0) throw new DistributionCoderError('new DistributionCoder: out of memory', DC_ERR_OUT_OF_MEMORY, 'DC_ERR_OUT_OF_MEMORY');
      rt.refresh();
      const dv = new DataView(rt.x.memory.buffer, p, 40);
      for (let i = 0; i < 40; i += 4) dv.setUint32(i, 0, true);
      dv.setInt32(0, FORMAT_CODES[format], true);
      dv.setFloat64(8, tolerance, true);
      r = rt.x.dc_coder_create_with_options(p, 0, p + 32);
      rt.refresh();
      rt.u32[rt.scratch >>> 2] = rt.u32[(p + 32) >>> 2];
      rt.x.free(p);
    } else {
      r = rt.x.dc_coder_create(FORMAT_CODES[format], 0, rt.scratch);
    }
    rt.refresh();
    if (r !== 0) throw libraryError(rt, r, 'new DistributionCoder');
    this.#rt = rt;
    this.#ptr = rt.u32[rt.scratch >>> 2];
    this.#format = format;
    this.#tolerance = tolerance;
    // A backstop only: the held value must not reference the coder.
    if (freeRegistry) freeRegistry.register(this, { rt, ptr: this.#ptr }, this);
  }

  /** 'default' or 'python-0.1'. */
  get format() {
    return this.#format;
  }

  /** The tolerance the coder was created with (0: exact mode). */
  get tolerance() {
    return this.#tolerance;
  }

  /** Frees the coder's memory in the wasm module. Idempotent. */
  free() {
    if (this.#ptr === 0) return;
    if (freeRegistry) freeRegistry.unregister(this);
    this.#rt.x.dc_coder_free(this.#ptr);
    this.#ptr = 0;
    this.#stPtr = 0;
    this.#stBytes = 0;
    this.#view = null;
  }

  #live(what) {
    if (this.#ptr === 0) throw new TypeError(`${what}: this DistributionCoder has been freed`);
    return this.#rt;
  }

  /** Back to a fresh encoder; keeps buffers (and distribution views) for reuse. */
  reset() {
    const rt = this.#live('reset');
    const r = rt.x.dc_coder_reset(this.#ptr);
    if (r !== 0) throw libraryError(rt, r, 'reset');
    this.#state = STATE_ENCODING;
  }

  /** Pre-size the output so later encoding steps do not grow wasm memory. */
  reserveOutput(bytes) {
    const rt = this.#live('reserveOutput');
    if (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes < 0 || bytes > 0x7fffffff) {
      throw new RangeError(`bytes must be an integer from 0 to 2147483647; got ${show(bytes)}`);
    }
    const r = rt.x.dc_coder_reserve_output(this.#ptr, bytes);
    rt.refresh();
    if (r !== 0) throw libraryError(rt, r, 'reserveOutput');
  }

  /** Staging pointer with room for `bytes` bytes (grows it: older views become stale). */
  #staging(rt, bytes, what) {
    if (bytes <= this.#stBytes) return this.#stPtr;
    // Grow to a power of two (at least 256 bytes, exact above 16 MiB), so a buffer that
    // views point into is rarely replaced.
    let want = 256;
    while (want < bytes) want *= 2;
    if (bytes > 1 << 24) want = bytes;
    const p = rt.x.dc_coder_staging_buffer(this.#ptr, want) >>> 0;
    rt.refresh();
    if (p === 0) throw new DistributionCoderError(`${what}: out of memory (${bytes} bytes)`, DC_ERR_OUT_OF_MEMORY, 'DC_ERR_OUT_OF_MEMORY');
    this.#stPtr = p;
    this.#stBytes = want;
    this.#view = null;
    return p;
  }

  /**
   * A typed array of `vocab` elements inside wasm memory (this coder's staging buffer):
   * write a distribution there and pass the view itself to encodeStep/decodeStep (no copy).
   */
  distributionView(vocab, dtype = 'f32') {
    const rt = this.#live('distributionView');
    checkCount(vocab, 'vocab', MAX_VOCAB);
    const code = parseDtype(dtype, 'dtype');
    const bytes = vocab * DTYPE_SIZES[code];
    const v = this.#view;
    if (v !== null && v.length === vocab && this.#viewDtype === code) return v; // detached: length 0
    const p = this.#staging(rt, bytes, 'distributionView');
    const b = rt.memory.buffer;
    const view = code === 0 ? new Float32Array(b, p, vocab)
      : code === 1 ? new Float64Array(b, p, vocab) : new Uint16Array(b, p, vocab);
    viewOwners.set(view, this);
    this.#view = view;
    this.#viewDtype = code;
    return view;
  }

  /** Sets #dtype, #len, #kind for a distribution (or matrix) argument; no wasm call. */
  #classify(dist, dtype, name, maxLen, asMatrix) {
    let code;
    let kind = 0;
    const tag = ArrayBuffer.isView(dist) ? dist[Symbol.toStringTag] : undefined;
    if (tag === 'Float32Array') code = 0;
    else if (tag === 'Float64Array') code = 1;
    else if (tag === 'Float16Array') { code = 2; kind = 2; }
    else if (tag === 'Uint16Array') {
      if (dtype === undefined) throw new TypeError(`dtype is required with a Uint16Array ${name}: pass 'f16' or 'bf16' (the array holds float16 or bfloat16 bits)`);
      code = parseDtype(dtype, 'dtype');
      if (code !== 2 && code !== 3) throw new TypeError(`dtype ${show(dtype)} does not fit a Uint16Array ${name}; pass 'f16' or 'bf16'`);
    } else if (tag !== undefined) {
      throw new TypeError(`${name} must be a Float32Array, Float64Array, ${HAS_F16 ? 'Float16Array, ' : ''}Uint16Array (with dtype 'f16' or 'bf16') or an array of numbers; got ${show(dist)}`);
    } else if (dist !== null && typeof dist === 'object' && typeof dist.length === 'number' && typeof dist !== 'string') {
      kind = 1;
      code = this.#format === 'python-0.1' ? 0 : 1;
      if (dtype !== undefined) {
        code = parseDtype(dtype, 'dtype');
        if (code > 1) throw new TypeError(`dtype ${show(dtype)} needs a Uint16Array of bit patterns${HAS_F16 && code === 2 ? ' or a Float16Array' : ''}; an array of numbers can be copied as 'f32' or 'f64'`);
      }
    } else {
      throw new TypeError(`${name} must be a Float32Array, Float64Array, ${HAS_F16 ? 'Float16Array, ' : ''}Uint16Array (with dtype 'f16' or 'bf16') or an array of numbers; got ${show(dist)}`);
    }
    if (kind !== 1 && dtype !== undefined && tag !== 'Uint16Array') {
      const want = parseDtype(dtype, 'dtype');
      if (want !== code) throw new TypeError(`dtype ${show(dtype)} does not match a ${tag} ${name} (its dtype is '${DTYPE_NAMES[code]}')`);
    }
    const n = dist.length;
    if (kind !== 1 && n === 0 && wasmBuffers.has(dist.buffer) && dist.buffer !== this.#rt.memory.buffer) this.#throwStale(dist, name);
    if (n === 0 && !asMatrix) throw new RangeError(`${name} is empty (length 0); a distribution needs at least one symbol`);
    if (!(n <= maxLen)) throw new RangeError(`${name} has length ${n}, above the maximum ${maxLen}`);
    if (kind === 1 && n > 0 && typeof dist[0] !== 'number') {
      throw new TypeError(asMatrix && typeof dist[0] === 'object' && dist[0] !== null
        ? `${name} must be flat (row-major, steps * vocab numbers), not an array of rows`
        : `${name} must hold numbers; ${name}[0] is ${show(dist[0])}`);
    }
    this.#dtype = code;
    this.#len = n;
    this.#kind = kind;
  }

  #throwStale(dist, name) {
    throw new TypeError(`${name} is a view of wasm memory made before the memory grew (it is now detached); call distributionView() again and write the distribution into the new view`);
  }

  /** Puts the classified argument into wasm memory; returns its address. */
  #place(rt, dist, name, what, temp) {
    const code = this.#dtype;
    const n = this.#len;
    const bytes = n * DTYPE_SIZES[code];
    if (this.#kind !== 1 && dist.buffer === rt.memory.buffer) {
      if (dist.byteOffset === this.#stPtr && bytes <= this.#stBytes) return this.#stPtr; // zero copy
      const owner = viewOwners.get(dist);
      if (owner !== undefined && (owner.#ptr === 0 || owner.#stPtr !== dist.byteOffset)) {
        throw new TypeError(`${name} is a distributionView() of ${owner === this ? 'this coder' : 'another coder'} that is no longer valid (${owner.#ptr === 0 ? 'that coder was freed' : 'its staging buffer was reallocated for a larger distribution'}); call distributionView() again`);
      }
    }
    let src = dist;
    const srcInWasm = this.#kind !== 1 && src.buffer === rt.memory.buffer;
    const srcOffset = srcInWasm ? src.byteOffset : 0;
    const p = temp ? rt.alloc(bytes, what) : this.#staging(rt, bytes, what);
    if (srcInWasm && src.buffer !== rt.memory.buffer) {
      // Making room grew the memory: read the source from the new buffer, same place.
      src = new (this.#kind === 2 ? Uint16Array : src.constructor)(rt.memory.buffer, srcOffset, n);
    }
    try {
      if (this.#kind === 2) rt.u16.set(new Uint16Array(src.buffer, src.byteOffset, n), p >>> 1);
      else if (code === 0) rt.f32.set(src, p >>> 2);
      else if (code === 1) rt.f64.set(src, p >>> 3);
      else rt.u16.set(src, p >>> 1);
    } catch (e) {
      if (temp) rt.x.free(p);
      throw new TypeError(`${name} could not be read as numbers: ${e.message}`, { cause: e });
    }
    return p;
  }

  /** Encode `symbol` with `distribution`. */
  encodeStep(distribution, symbol, dtype) {
    const rt = this.#live('encodeStep');
    if (this.#state !== STATE_ENCODING) this.#stateError(rt, 'encodeStep');
    if (!this.#isCurrentView(distribution, dtype)) {
      this.#classify(distribution, dtype, 'distribution', MAX_VOCAB, false);
      this.#stagedPtr = this.#place(rt, distribution, 'distribution', 'encodeStep', false);
    }
    const n = this.#len;
    if (!(Number.isInteger(symbol) && symbol >= 0 && symbol < n)) throw symbolError(symbol, n, 'symbol');
    const p = this.#stagedPtr;
    const r = rt.x.dc_encode_step(this.#ptr, p, this.#dtype, n, symbol);
    if (r !== 0) this.#fail(rt, r, 'encodeStep', p, 'distribution');
  }

  /** The hot path of a model writing in place: `dist` is this coder's current, live
   * distributionView with a matching dtype. Sets #dtype, #len and #stagedPtr when it is. */
  #isCurrentView(dist, dtype) {
    // A view of memory that has since grown is detached and has length 0; a live one has
    // length >= 1. (Reading rt.memory.buffer instead costs a slow engine call per step.)
    if (dist !== this.#view || dist === null || dist.length === 0) return false;
    const code = this.#viewDtype;
    if (dtype === undefined ? code > 1 : DTYPE_CODES[dtype] !== code || !Object.hasOwn(DTYPE_CODES, dtype)) return false;
    this.#dtype = code;
    this.#len = dist.length;
    this.#kind = 0;
    this.#stagedPtr = this.#stPtr;
    return true;
  }

  /** Decode one symbol with `distribution`. */
  decodeStep(distribution, dtype) {
    const rt = this.#live('decodeStep');
    if (this.#state !== STATE_DECODING) this.#stateError(rt, 'decodeStep');
    if (!this.#isCurrentView(distribution, dtype)) {
      this.#classify(distribution, dtype, 'distribution', MAX_VOCAB, false);
      this.#stagedPtr = this.#place(rt, distribution, 'distribution', 'decodeStep', false);
    }
    const p = this.#stagedPtr;
    const r = rt.x.dc_decode_step(this.#ptr, p, this.#dtype, this.#len, rt.scratch);
    if (r !== 0) this.#fail(rt, r, 'decodeStep', p, 'distribution');
    return rt.u32[rt.scratch >>> 2];
  }

  #fail(rt, r, what, p, name) {
    if (isContentError(r)) throw contentError(rt, r, p, this.#dtype, this.#len, name);
    throw libraryError(rt, r, what);
  }

  #stateError(rt, what) {
    if (what === 'decodeStep' || what === 'decodeSteps') {
      throw withCode(new TypeError(`${what}: the coder is not decoding; call startDecoding(bytes) first`), rt, DC_ERR_NOT_DECODING);
    }
    const why = this.#state === STATE_FINISHED ? 'finishEncoding() was called' : 'it is decoding';
    throw withCode(new TypeError(`${what}: the coder is not encoding (${why}); call reset() to encode a new stream`), rt, DC_ERR_NOT_ENCODING);
  }

  /** Ends the stream and returns its bytes (a copy). Calling it again returns them again. */
  finishEncoding() {
    const rt = this.#live('finishEncoding');
    if (this.#state === STATE_DECODING) this.#stateError(rt, 'finishEncoding');
    const s = rt.scratch;
    const r = rt.x.dc_finish_encoding(this.#ptr, s, s + 4);
    rt.refresh();
    if (r !== 0) throw libraryError(rt, r, 'finishEncoding');
    this.#state = STATE_FINISHED;
    const p = rt.u32[s >>> 2];
    const size = rt.u32[(s + 4) >>> 2];
    return rt.u8.slice(p, p + size);
  }

  /** Starts decoding a copy of `bytes`. */
  startDecoding(bytes) {
    const rt = this.#live('startDecoding');
    let u8;
    if (bytes instanceof ArrayBuffer || Object.prototype.toString.call(bytes) === '[object ArrayBuffer]') u8 = new Uint8Array(bytes);
    else if (ArrayBuffer.isView(bytes) && bytes[Symbol.toStringTag] === 'Uint8Array') u8 = bytes;
    else throw new TypeError(`bytes must be a Uint8Array or an ArrayBuffer; got ${show(bytes)}`);
    const n = u8.length;
    if (n === 0 && wasmBuffers.has(u8.buffer) && u8.buffer !== rt.memory.buffer) {
      throw new TypeError('bytes is a view of wasm memory made before the memory grew (it is now detached)');
    }
    const srcInWasm = u8.buffer === rt.memory.buffer;
    const srcOffset = u8.byteOffset;
    const p = rt.alloc(n, 'startDecoding');
    try {
      const src = srcInWasm && u8.buffer !== rt.memory.buffer ? new Uint8Array(rt.memory.buffer, srcOffset, n) : u8;
      rt.u8.set(src, p);
      const r = rt.x.dc_start_decoding(this.#ptr, p, n);
      rt.refresh();
      if (r !== 0) throw libraryError(rt, r, 'startDecoding');
    } finally {
      rt.x.free(p);
    }
    this.#state = STATE_DECODING;
  }

  /** Batch: row t of the row-major matrix (steps x vocab) with symbols[t]. */
  encodeSteps(matrix, symbols, options) {
    const rt = this.#live('encodeSteps');
    const { vocab, dtype } = batchOptions(options, 'encodeSteps');
    if (this.#state !== STATE_ENCODING) this.#stateError(rt, 'encodeSteps');
    this.#classify(matrix, dtype, 'matrix', MAX_MATRIX, true);
    const total = this.#len;
    if (total % vocab !== 0) throw new RangeError(`matrix has length ${total}, not a multiple of vocab (${vocab})`);
    const steps = total / vocab;
    if (symbols === null || typeof symbols !== 'object' || typeof symbols.length !== 'number') {
      throw new TypeError(`symbols must be an array or typed array of integers; got ${show(symbols)}`);
    }
    if (symbols.length !== steps) throw new RangeError(`symbols has length ${symbols.length} but matrix has ${steps} rows of vocab ${vocab}`);
    for (let t = 0; t < steps; t++) {
      const s = symbols[t];
      if (!(Number.isInteger(s) && s >= 0 && s < vocab)) throw symbolError(s, vocab, `symbols[${t}]`);
    }
    if (steps === 0) return;
    const code = this.#dtype;
    // The matrix first (a source inside wasm memory is read before anything can grow it).
    const temp = !(this.#kind !== 1 && matrix.buffer === rt.memory.buffer && matrix.byteOffset === this.#stPtr && total * DTYPE_SIZES[code] <= this.#stBytes);
    const p = this.#place(rt, matrix, 'matrix', 'encodeSteps', temp);
    let symPtr = 0;
    try {
      symPtr = rt.alloc(steps * 4, 'encodeSteps');
      rt.u32.set(symbols, symPtr >>> 2);
      const r = rt.x.dc_encode_steps(this.#ptr, p, code, vocab, steps, symPtr, rt.scratch);
      rt.refresh();
      if (r !== 0) this.#batchFail(rt, r, 'encodeSteps', p, vocab);
    } finally {
      if (temp) rt.x.free(p);
      if (symPtr) rt.x.free(symPtr);
    }
  }

  /** Batch: decodes `count` symbols, one per row of the matrix; returns an Int32Array. */
  decodeSteps(matrix, options) {
    const rt = this.#live('decodeSteps');
    const { vocab, dtype, count } = batchOptions(options, 'decodeSteps');
    if (this.#state !== STATE_DECODING) this.#stateError(rt, 'decodeSteps');
    this.#classify(matrix, dtype, 'matrix', MAX_MATRIX, true);
    const total = this.#len;
    if (total % vocab !== 0) throw new RangeError(`matrix has length ${total}, not a multiple of vocab (${vocab})`);
    const steps = total / vocab;
    if (count !== undefined && count !== steps) throw new RangeError(`count is ${count} but matrix has ${steps} rows of vocab ${vocab}`);
    if (steps === 0) return new Int32Array(0);
    const code = this.#dtype;
    // The matrix first (a source inside wasm memory is read before anything can grow it).
    const temp = !(this.#kind !== 1 && matrix.buffer === rt.memory.buffer && matrix.byteOffset === this.#stPtr && total * DTYPE_SIZES[code] <= this.#stBytes);
    const p = this.#place(rt, matrix, 'matrix', 'decodeSteps', temp);
    let symPtr = 0;
    try {
      symPtr = rt.alloc(steps * 4, 'decodeSteps');
      const r = rt.x.dc_decode_steps(this.#ptr, p, code, vocab, steps, symPtr, rt.scratch);
      rt.refresh();
      if (r !== 0) this.#batchFail(rt, r, 'decodeSteps', p, vocab);
      return rt.i32.slice(symPtr >>> 2, (symPtr >>> 2) + steps);
    } finally {
      if (temp) rt.x.free(p);
      if (symPtr) rt.x.free(symPtr);
    }
  }

  #batchFail(rt, r, what, p, vocab) {
    const t = rt.u32[rt.scratch >>> 2];
    if (isContentError(r)) {
      const err = contentError(rt, r, p + t * vocab * DTYPE_SIZES[this.#dtype], this.#dtype, vocab, `matrix row ${t}: distribution`);
      err.step = t;
      throw err;
    }
    const err = libraryError(rt, r, `${what} (step ${t})`);
    err.step = t;
    throw err;
  }
}

if (typeof Symbol.dispose === 'symbol') {
  Object.defineProperty(DistributionCoder.prototype, Symbol.dispose, {
    value: function dispose() { this.free(); }, writable: true, configurable: true,
  });
}

function batchOptions(options, what) {
  if (options === null || typeof options !== 'object') throw new TypeError(`${what}: options must be an object { vocab, ... }; got ${show(options)}`);
  const { vocab, dtype, count } = options;
  checkCount(vocab, 'options.vocab', MAX_VOCAB);
  if (count !== undefined && (typeof count !== 'number' || !Number.isInteger(count) || count < 0)) {
    throw new RangeError(`options.count must be a non-negative integer; got ${show(count)}`);
  }
  if (dtype !== undefined) parseDtype(dtype, 'options.dtype');
  return { vocab, dtype, count };
}

// The framed container (js/frame.js).
export { FramedEncoder, FramedDecoder, crc32 } from './frame.js';
