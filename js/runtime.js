// distribution-coder: the runtime shared by js/coder.js and js/frame.js: loading and
// instantiating the WebAssembly module, the error class, result codes (read from the module),
// and the argument helpers. Nothing here is public except what js/index.js re-exports.
export const MAX_VOCAB = 16777216; // DC_MAX_VOCAB, 2^24
export const MAX_MATRIX = 268435455; // elements of a batch matrix (2 GiB of f64)

export const DTYPE_CODES = { f32: 0, f64: 1, f16: 2, bf16: 3 };
export const DTYPE_NAMES = ['f32', 'f64', 'f16', 'bf16'];
export const DTYPE_SIZES = [4, 8, 2, 2];
export const FORMAT_CODES = { default: 0, 'python-0.1': 1 };
export const FORMAT_NAMES = ['default', 'python-0.1'];

// The C functions the wrappers call; init() refuses a module that lacks one.
const REQUIRED_EXPORTS = [
  'memory',
  'malloc',
  'free',
  'dc_result_name',
  'dc_result_string',
  'dc_version_string',
  'dc_coder_create',
  'dc_coder_create_with_options',
  'dc_coder_free',
  'dc_coder_reset',
  'dc_coder_reserve_output',
  'dc_coder_staging_buffer',
  'dc_coder_encode_step',
  'dc_coder_encode_steps',
  'dc_coder_finish_encoding',
  'dc_coder_start_decoding',
  'dc_coder_decode_step',
  'dc_coder_decode_steps',
  'dc_crc32',
  'dc_frame_writer_create',
  'dc_frame_writer_create_with_options',
  'dc_frame_writer_free',
  'dc_frame_writer_encode_step',
  'dc_frame_writer_steps',
  'dc_frame_writer_staging_buffer',
  'dc_frame_writer_finish',
  'dc_frame_reader_create',
  'dc_frame_reader_free',
  'dc_frame_reader_info',
  'dc_frame_reader_model_id',
  'dc_frame_reader_staging_buffer',
  'dc_frame_reader_decode_step',
  'dc_frame_reader_error_info',
  'dc_frame_writer_set_streaming',
  'dc_frame_writer_take',
  'dc_frame_reader_create_streaming',
  'dc_frame_reader_push',
  'dc_frame_reader_end',
  'dc_frame_reader_available_steps',
];

/** Every ArrayBuffer that has been the memory of a module instance: a typed array over one
 * that is no longer current was made before the memory grew (it is detached). */
export const wasmBuffers = new WeakSet();

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

/** Sets .code and .codeName (the module's name for `code`) on `err`; returns it. */
export function withCode(err, rt, code) {
  err.code = code;
  err.codeName = rt ? rt.resultName(code) : undefined;
  return err;
}

/** The DistributionCoderError for a failed C call: "what: <string> (<name>)". */
export function libraryError(rt, code, what) {
  return new DistributionCoderError(
    `${what}: ${rt.resultString(code)} (${rt.resultName(code)})`,
    code,
    rt.resultName(code),
  );
}

/** A value as error messages name it: strings quoted, objects by their type. */
export function show(v) {
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

// ---------------------------------------------------------------------------- arguments

export function parseDtype(dtype, arg) {
  if (typeof dtype !== 'string')
    throw new TypeError(`${arg} must be one of 'f32', 'f64', 'f16', 'bf16'; got ${show(dtype)}`);
  const code = DTYPE_CODES[dtype];
  if (code === undefined || !Object.hasOwn(DTYPE_CODES, dtype))
    throw new RangeError(
      `${arg}: unknown dtype ${show(dtype)}; expected 'f32', 'f64', 'f16' or 'bf16'`,
    );
  return code;
}

export function parseFormat(format, arg) {
  if (format === undefined) return 'default';
  if (typeof format !== 'string' || !Object.hasOwn(FORMAT_CODES, format)) {
    throw new RangeError(`${arg} must be 'default' or 'python-0.1'; got ${show(format)}`);
  }
  return format;
}

const MAX_TOLERANCE = 1e-2; // DC_MAX_TOLERANCE

/** Tolerant mode's tau (docs/FORMAT.md section 5): 0 (exact, the default) or (0, 1e-2]. */
export function parseTolerance(tolerance, arg) {
  if (tolerance === undefined) return 0;
  if (typeof tolerance !== 'number')
    throw new TypeError(`${arg} must be a number; got ${show(tolerance)}`);
  if (!(tolerance >= 0 && tolerance <= MAX_TOLERANCE))
    throw new RangeError(
      `${arg} must be 0 (exact) or in (0, ${MAX_TOLERANCE}]; got ${show(tolerance)}`,
    );
  return tolerance;
}

/** The input kind (docs/FORMAT.md section 6): 'probabilities' (the default) or 'logits'. */
export function parseInput(input, arg) {
  if (input === undefined) return 'probabilities';
  if (input !== 'probabilities' && input !== 'logits')
    throw new RangeError(`${arg} must be 'probabilities' or 'logits'; got ${show(input)}`);
  return input;
}

/** The softmax temperature of logits: a finite number > 0, default 1. */
export function parseTemperature(temperature, arg) {
  if (temperature === undefined) return 1;
  if (typeof temperature !== 'number')
    throw new TypeError(`${arg} must be a number; got ${show(temperature)}`);
  if (!(temperature > 0 && temperature < Infinity))
    throw new RangeError(`${arg} must be a finite number > 0; got ${show(temperature)}`);
  return temperature;
}

/** The combinations of input and the other options C refuses (DC_ERR_BAD_INPUT,
 * DC_ERR_BAD_TEMPERATURE), refused as arguments. */
export function checkInputOptions({ format, tolerance, input, temperature }) {
  if (input === 'probabilities' && temperature !== 1)
    throw new RangeError(
      `options.temperature applies to input 'logits' only; got ${show(temperature)} with input 'probabilities'`,
    );
  if (input === 'logits' && format === 'python-0.1')
    throw new RangeError(`options.input 'logits' is not available with format 'python-0.1'`);
  if (input === 'logits' && tolerance > 0)
    throw new RangeError(
      `options.input 'logits' is not available with a tolerance (tolerant mode); got tolerance ${show(tolerance)}`,
    );
}

/** The pair of options C refuses together (DC_ERR_BAD_TOLERANCE), refused as an argument. */
export function checkTolerantFormat(format, tolerance) {
  if (tolerance > 0 && format === 'python-0.1')
    throw new RangeError(
      `options.tolerance is not available with format 'python-0.1'; got ${show(tolerance)}`,
    );
}

export function checkCount(value, name, max) {
  if (typeof value !== 'number')
    throw new TypeError(`${name} must be an integer number; got ${show(value)}`);
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new RangeError(`${name} must be an integer from 1 to ${max}; got ${show(value)}`);
}

/** Whether `buffer` was transferred (postMessage, structuredClone with transfer,
 * ArrayBuffer.prototype.transfer): its views then read as empty. */
export function isDetached(buffer) {
  if (typeof buffer.detached === 'boolean') return buffer.detached;
  if (buffer.byteLength !== 0) return false;
  try {
    new Uint8Array(buffer); // throws only for a detached buffer
    return false;
  } catch {
    return true;
  }
}

/** The TypeError for an argument whose ArrayBuffer was transferred. */
export function detachedError(what) {
  return new TypeError(
    `${what}: its ArrayBuffer was transferred (detached, e.g. by postMessage or structuredClone with transfer) and holds nothing now; pass the data before transferring it, or a copy`,
  );
}

/** Bytes of a Uint8Array or ArrayBuffer argument (the same object's memory, no copy). */
export function toBytes(bytes, what) {
  if (ArrayBuffer.isView(bytes) && bytes[Symbol.toStringTag] === 'Uint8Array') {
    if (bytes.length === 0 && isDetached(bytes.buffer)) throw detachedError(what);
    return bytes;
  }
  if (
    bytes instanceof ArrayBuffer ||
    Object.prototype.toString.call(bytes) === '[object ArrayBuffer]'
  ) {
    if (isDetached(bytes)) throw detachedError(what);
    return new Uint8Array(bytes);
  }
  throw new TypeError(`${what} must be a Uint8Array or an ArrayBuffer; got ${show(bytes)}`);
}

/**
 * Reads an options object against `table` (option name -> parser(value, 'options.name')
 * returning the parsed value or throwing). Refuses a non-object and any option not in the
 * table (a misspelt option must not silently give other behaviour). Returns the parsed
 * values, one per table entry (undefined options are passed to their parser as undefined).
 */
export function readOptions(options, table, what) {
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object')
    throw new TypeError(`${what}options must be an object; got ${show(options)}`);
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(table, key)) {
      throw new TypeError(
        `${what}options.${key} is not an option (known options: ${Object.keys(table).join(', ')})`,
      );
    }
  }
  const out = {};
  for (const key of Object.keys(table)) out[key] = table[key](options[key], `options.${key}`);
  return out;
}

// ---------------------------------------------------------------------------- runtime

/** One instance of the wasm module: its memory, cached views, and scratch space. */
class Runtime {
  constructor(instance) {
    const x = instance.exports;
    for (const name of REQUIRED_EXPORTS) {
      if (!(name in x))
        throw new TypeError(
          `init: the WebAssembly module does not export "${name}"; it is not a distribution-coder module`,
        );
    }
    this.x = x;
    this.memory = x.memory;
    this.buffer = null;
    this.refresh();
    if (typeof x._initialize === 'function') x._initialize();
    // The result codes, by name, as the module defines them (dc_result_name of 0, 1, ...
    // up to the first unknown value).
    this.names = [];
    this.strings = [];
    this.codes = {};
    for (let i = 0; i < 256; i++) {
      const name = this.cString(x.dc_result_name(i));
      if (name === 'DC_ERR_UNKNOWN') break;
      this.names[i] = name;
      this.codes[name] = i;
    }
    // 64 bytes for out-parameters (pointers, sizes, a decoded symbol, a failed step; at
    // byte 8 a frame's dc_frame_error_info or dc_frame_info).
    this.scratch = x.malloc(64) >>> 0;
    if (this.scratch === 0)
      throw new DistributionCoderError(
        'init: out of memory',
        this.codes.DC_ERR_OUT_OF_MEMORY,
        'DC_ERR_OUT_OF_MEMORY',
      );
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

  /**
   * The module grew its memory. A standalone module's sbrk grows it by just what malloc
   * asks (64 KiB at a time), and each grow costs the engine time in proportion to the
   * memory's size: many small grows take quadratic time (100,000 coders left to the
   * FinalizationRegistry took 20.8 s). So grow it on by a quarter (at most 96 MiB) now;
   * sbrk uses the pages already there before it asks for more.
   */
  grew() {
    const pages = this.memory.buffer.byteLength / 65536;
    try {
      this.memory.grow(Math.min(Math.ceil(pages / 4), 1536));
    } catch {
      // At the maximum or out of memory: the module's own grow stands.
    }
    this.refresh();
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
    return this.names[code] ?? this.cString(this.x.dc_result_name(code));
  }

  resultString(code) {
    return this.strings[code] ?? (this.strings[code] = this.cString(this.x.dc_result_string(code)));
  }

  /** A dc_coder_options {i32 format, i32 input, f64 tolerance, f64 temperature, u32[2] 0}
   * at scratch + 16 (the create calls put their out pointer at scratch + 0); returns its
   * address. */
  coderOptions(format, tolerance, input = 'probabilities', temperature = 1) {
    this.refresh();
    const p = this.scratch + 16;
    this.u32.fill(0, p >>> 2, (p + 32) >>> 2);
    this.i32[p >>> 2] = FORMAT_CODES[format];
    this.i32[(p + 4) >>> 2] = input === 'logits' ? 1 : 0;
    this.f64[(p + 8) >>> 3] = tolerance;
    this.f64[(p + 16) >>> 3] = temperature;
    return p;
  }

  /** The u32 at scratch word `i`. */
  out32(i) {
    return this.u32[(this.scratch >>> 2) + i];
  }

  /** The u64 at scratch byte `offset` (8-aligned) as a Number; null for UINT64_MAX. */
  out64(offset) {
    const i = (this.scratch + offset) >>> 2;
    const lo = this.u32[i];
    const hi = this.u32[i + 1];
    return lo === 0xffffffff && hi === 0xffffffff ? null : hi * 4294967296 + lo;
  }

  /** malloc that throws; the caller frees. */
  alloc(bytes, what) {
    const p = this.x.malloc(Math.max(bytes, 1)) >>> 0;
    this.refresh();
    if (p === 0)
      throw new DistributionCoderError(
        `${what}: out of memory (${bytes} bytes)`,
        this.codes.DC_ERR_OUT_OF_MEMORY,
        'DC_ERR_OUT_OF_MEMORY',
      );
    return p;
  }

  /** A copy of `u8` in wasm memory (malloc'd; the caller frees). */
  copyIn(u8, what) {
    const srcInWasm = u8.buffer === this.memory.buffer;
    const srcOffset = u8.byteOffset;
    const n = u8.length;
    const p = this.alloc(n, what);
    // Making room may have grown the memory: read a source inside it from the new buffer.
    const src =
      srcInWasm && u8.buffer !== this.memory.buffer
        ? new Uint8Array(this.memory.buffer, srcOffset, n)
        : u8;
    this.u8.set(src, p);
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

/** The imports of the module, bound to the Runtime that `holder()` returns once made. */
function makeImports(holder) {
  return {
    env: {
      emscripten_notify_memory_growth() {
        const rt = holder();
        if (rt) rt.grew();
      },
    },
  };
}

async function instantiate(source) {
  let holder = null;
  const imports = makeImports(() => holder);
  let src = await source;
  if (
    src !== null &&
    typeof src === 'object' &&
    typeof src.arrayBuffer === 'function' &&
    !(src instanceof WebAssembly.Module)
  ) {
    if (src.ok === false)
      throw new Error(
        `init: fetching the wasm module failed: HTTP ${src.status} ${src.statusText || ''}`.trim(),
      );
    if (
      typeof Response === 'function' &&
      src instanceof Response &&
      typeof WebAssembly.instantiateStreaming === 'function'
    ) {
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
    throw new TypeError(
      `init: source must be a WebAssembly.Module, an ArrayBuffer or typed array of wasm bytes, or a Response (or a promise of one); got ${show(src)}`,
    );
  }
  holder = new Runtime(instance);
  return holder;
}

/** Synchronous instantiation of wasm bytes: allowed in Node and workers for any size, and on
 * browsers' main threads for modules this size (Chromium's limit is 8 MB). */
export function instantiateSync(bytes) {
  let holder = null;
  const instance = new WebAssembly.Instance(
    new WebAssembly.Module(bytes),
    makeImports(() => holder),
  );
  holder = new Runtime(instance);
  return holder;
}

let current = null;
let initError = null;
let loading = null; // the automatic init() of engines without SIMD, until it settles

// The smallest module with a wasm SIMD instruction (i8x16.splat): engines without SIMD
// reject it, and then the package's module built without SIMD is used (same streams).
const SIMD_PROBE = new Uint8Array([
  0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7b, 3, 2, 1, 0, 0x0a, 8, 1, 6, 0, 0x41, 0,
  0xfd, 0x0f, 0x0b,
]);

/** Which shipped module the current runtime came from: 'simd', 'nosimd' or 'custom' (init
 * with a source). Tests read it; DC_WASM_NOSIMD=1 in Node's environment forces 'nosimd'. */
export let moduleKind = null;

function simdSupported() {
  const env = (globalThis.process && globalThis.process.env) || {};
  return env.DC_WASM_NOSIMD !== '1' && WebAssembly.validate(SIMD_PROBE);
}

/**
 * Where the package's own module is, as the entry gives it (ship()): js/index.js and
 * dist/index.cjs inline it as base64 (a synchronous first use needs no init()); js/slim.js
 * gives the URLs of the .wasm files, which bundlers emit as assets and init() fetches.
 */
const shipped = {
  base64: null, // the SIMD module
  nosimdBase64: null, // the non-SIMD module inlined (CommonJS)
  nosimd: null, // () => a promise of the non-SIMD module's base64 (a chunk of its own)
  url: null, // () => the URL of the SIMD .wasm
  nosimdUrl: null, // () => the URL of the non-SIMD .wasm
};

export function ship(what) {
  Object.assign(shipped, what);
  // Engines without SIMD start importing their module now (no top-level await: nothing waits).
  if (shipped.nosimd && !simdSupported()) {
    loading = init().then(
      () => (loading = null),
      (e) => {
        loading = null;
        initError = e;
      },
    );
  }
}

/** The shipped module for this engine: bytes, or a promise of bytes or of a Response. */
function shippedModule(simd) {
  const b64 = simd ? shipped.base64 : shipped.nosimdBase64;
  if (b64) return base64ToBytes(b64);
  if (!simd && shipped.nosimd) return shipped.nosimd().then(base64ToBytes);
  const hint =
    'webpack 5 and Vite emit the .wasm file by themselves; with other bundlers copy ' +
    'distribution-coder/distribution_coder.wasm to your assets and pass it: `await init(fetch(url))`';
  let url;
  try {
    url = (simd ? shipped.url : shipped.nosimdUrl)();
  } catch (e) {
    // An IIFE or CommonJS bundle: no import.meta.url to find the file from.
    throw new Error(`init: cannot locate the .wasm file (${e.message}); ${hint}`, { cause: e });
  }
  if (url.protocol === 'file:') {
    // Node running js/slim.js unbundled: read the file (Node 20.16+ has getBuiltinModule).
    const fs = globalThis.process?.getBuiltinModule?.('fs');
    if (!fs)
      throw new Error(
        `init: cannot read ${url.href} here; pass its bytes: init(readFileSync(...)), or import 'distribution-coder' (the module inlined)`,
      );
    return fs.readFileSync(url);
  }
  return fetch(url).then((r) => {
    if (!r.ok) throw new Error(`init: fetching ${url.href} failed: HTTP ${r.status}; ${hint}`);
    return r;
  });
}

/** Why a compilation failed, where the reason is the page's Content-Security-Policy (no
 * source given to init() can help then); otherwise `e` itself. */
function explain(e) {
  const m = String(e && e.message);
  if (!/Content.Security.Policy|\bCSP\b|unsafe-eval|disallowed by embedder/i.test(m)) return e;
  return new Error(
    "distribution-coder: the page's Content-Security-Policy blocks WebAssembly compilation; " +
      "add 'wasm-unsafe-eval' to its script-src directive (e.g. `Content-Security-Policy: " +
      "script-src 'self' 'wasm-unsafe-eval'`)",
    { cause: e },
  );
}

/**
 * Instantiate the WebAssembly module from `source` and use it for coders created from now
 * on (coders created before keep their module). Without an argument, the package's own
 * module (the SIMD one, or the one without SIMD where the engine lacks it).
 */
export async function init(source) {
  let rt;
  try {
    if (source !== undefined) rt = await instantiate(source);
    else {
      const simd = simdSupported();
      rt = await instantiate(shippedModule(simd));
      moduleKind = simd ? 'simd' : 'nosimd';
    }
  } catch (e) {
    throw explain(e);
  }
  if (source !== undefined) moduleKind = 'custom';
  current = rt;
  initError = null;
}

/**
 * The current Runtime. The first use instantiates the inlined module synchronously (no
 * top-level await: bundlers' default formats, IIFE included, take the package as it is).
 * Throws why there is no module.
 */
export function runtime() {
  if (current) return current;
  const simd = simdSupported();
  const b64 = simd ? shipped.base64 : shipped.nosimdBase64;
  if (!initError && b64) {
    try {
      current = instantiateSync(base64ToBytes(b64));
      moduleKind = simd ? 'simd' : 'nosimd';
      return current;
    } catch (e) {
      initError = explain(e);
    }
  }
  if (initError && initError.message.startsWith('distribution-coder:')) throw initError;
  let why;
  if (initError)
    why =
      `the WebAssembly module could not be instantiated automatically (${initError.message}); ` +
      'call `await init(moduleOrBytesOrResponse)` first (e.g. with dist/distribution_coder.wasm from this package)';
  else if (loading)
    why =
      'this engine has no WebAssembly SIMD, and the module built without it is still loading; ' +
      '`await init()` before creating coders';
  else
    why =
      'the module is not loaded yet: `await init()` first (distribution-coder/slim fetches ' +
      'its .wasm file; or pass the module: `await init(fetch(url))`)';
  throw new Error(`distribution-coder: ${why}`, { cause: initError || undefined });
}

/** Bytes of WebAssembly linear memory the current module holds (diagnostics, tests). */
export function wasmMemoryBytes() {
  return runtime().memory.buffer.byteLength;
}

/** Version of the C library inside the current module, e.g. "0.1.0". */
export function version() {
  return runtime().version;
}
