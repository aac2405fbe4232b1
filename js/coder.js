// distribution-coder: DistributionCoder, and Stage, the part of it the framed classes
// (js/frame.js) share: a C object's staging buffer, distribution views, and putting a
// distribution argument into wasm memory with the checks and messages of the coder.
import {
  DTYPE_CODES,
  DTYPE_NAMES,
  DTYPE_SIZES,
  MAX_MATRIX,
  MAX_VOCAB,
  DistributionCoderError,
  checkCount,
  checkInputOptions,
  detachedError,
  checkTolerantFormat,
  isDetached,
  libraryError,
  parseDtype,
  parseFormat,
  parseInput,
  parseTemperature,
  parseTolerance,
  readOptions,
  runtime,
  show,
  toBytes,
  wasmBuffers,
  withCode,
} from './runtime.js';

const STATE_ENCODING = 0;
const STATE_FINISHED = 1;
const STATE_DECODING = 2;

const HAS_F16 = typeof globalThis.Float16Array === 'function';

/** View handed out by distributionView() -> the Stage whose staging buffer it covers. */
const viewOwners = new WeakMap();

/** The options of new DistributionCoder(): name -> parser (one line per option). */
export const CODER_OPTIONS = {
  format: parseFormat,
  tolerance: parseTolerance,
  input: parseInput,
  temperature: parseTemperature,
};

// ---------------------------------------------------------------------------- content

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
    case 0:
      return rt.f32[(ptr >>> 2) + i];
    case 1:
      return rt.f64[(ptr >>> 3) + i];
    case 2:
      return f16ToNumber(rt.u16[(ptr >>> 1) + i]);
    default:
      return bf16ToNumber(rt.u16[(ptr >>> 1) + i]);
  }
}

function isContentError(rt, code) {
  const c = rt.codes;
  return (
    code === c.DC_ERR_NAN ||
    code === c.DC_ERR_INFINITE ||
    code === c.DC_ERR_NEGATIVE ||
    code === c.DC_ERR_NO_MASS
  );
}

/** The error for a distribution C refused for its content: finds the first offending
 * element of the staged copy (what C saw) and names it. */
function contentError(rt, code, ptr, dtype, n, name) {
  rt.refresh();
  const c = rt.codes;
  for (let i = 0; i < n; i++) {
    const v = readElement(rt, ptr, dtype, i);
    if (Number.isNaN(v)) return withCode(new RangeError(`${name}[${i}] is NaN`), rt, c.DC_ERR_NAN);
    if (v === Infinity || v === -Infinity)
      return withCode(new RangeError(`${name}[${i}] is ${v}`), rt, c.DC_ERR_INFINITE);
    if (v < 0 && code === c.DC_ERR_NEGATIVE)
      return withCode(new RangeError(`${name}[${i}] is negative (${v})`), rt, c.DC_ERR_NEGATIVE);
  }
  if (code === c.DC_ERR_NO_MASS)
    return withCode(new RangeError(`${name} has no positive value`), rt, code);
  return withCode(new RangeError(`${name}: ${rt.resultString(code)}`), rt, code);
}

export function symbolError(symbol, n, name) {
  if (typeof symbol !== 'number')
    return new TypeError(`${name} must be an integer number; got ${show(symbol)}`);
  if (!Number.isInteger(symbol))
    return new RangeError(`${name} must be an integer; got ${show(symbol)}`);
  if (symbol < 0) return new RangeError(`${name} must be >= 0; got ${show(symbol)}`);
  return new RangeError(
    `${name} is ${symbol}, out of range for a vocabulary of ${n} (0 <= symbol < ${n})`,
  );
}

// ---------------------------------------------------------------------------- Stage

/** A buffer size for `bytes`: a power of two (at least 256 bytes, exact above 16 MiB), so a
 * buffer is rarely replaced as distributions grow. */
function roundUp(bytes) {
  if (bytes > 1 << 24) return bytes;
  let want = 256;
  while (want < bytes) want *= 2;
  return want;
}

// A forgotten wrapper: free its C object and retire its view block (held: a Stage's cell).
const freeRegistry =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry((cell) => {
        cell.rt.x[cell.free](cell.ptr);
        if (cell.block) retire(cell.block);
      })
    : null;

// View blocks. distributionView() hands out views of a block of wasm memory that the
// wrapper allocates (not the C object's staging buffer, which only holds copies), and a
// block is freed only when BOTH its Stage has stopped using it (free(), a larger view, the
// wrapper collected) AND every view object made over it has been collected. So a stale view
// (after free() or after a larger view replaced its block) always points into a block that
// no coder, stream or allocator structure uses: writing through it changes only that
// block's bytes, which nothing reads (passing the stale view back is refused). Without a
// FinalizationRegistry, blocks that had views are never freed.
const viewRegistry =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry((block) => {
        block.views--;
        if (block.views === 0 && !block.inUse) block.rt.x.free(block.ptr);
      })
    : null;

/** The Stage stops using `block`; it is freed now if no view of it is alive. */
function retire(block) {
  block.inUse = false;
  if (block.views === 0) block.rt.x.free(block.ptr);
}

/**
 * A C object (coder, frame writer or reader) as a wrapper drives it: its pointer, the
 * export that frees it and the one that gives its staging buffer, the views of that buffer
 * handed out, and the argument just staged (fields, not an object: nothing is allocated
 * per step).
 */
export class Stage {
  constructor(rt, ptr, owner, label, freeExport, stagingExport, plainDtype) {
    this.rt = rt;
    this.ptr = ptr;
    this.label = label; // 'DistributionCoder', 'FramedEncoder', ...
    this.freeExport = freeExport;
    this.stagingExport = stagingExport;
    this.plainDtype = plainDtype; // dtype code a plain array is copied as
    this.stPtr = 0; // C staging buffer (copies of arguments) and the bytes it is known to hold
    this.stBytes = 0;
    this.vPtr = 0; // view block (see retire()) and its size
    this.vBytes = 0;
    this.view = null; // the last view distributionView() returned
    this.viewDtype = 0;
    this.stagedPtr = 0; // where this step's distribution is in wasm memory
    this.dtype = 0;
    this.len = 0;
    this.kind = 0; // 0: typed array of the dtype's width, 1: array-like to convert, 2: Float16Array
    this.matrixTemp = false;
    // A backstop only: the held value must not reference the owner.
    this.cell = { rt, ptr, free: freeExport, block: null };
    if (freeRegistry) freeRegistry.register(owner, this.cell, this);
  }

  /** Frees the C object now. Idempotent. */
  release() {
    if (this.ptr === 0) return;
    if (freeRegistry) freeRegistry.unregister(this);
    this.rt.x[this.freeExport](this.ptr);
    this.ptr = 0;
    this.stPtr = 0;
    this.stBytes = 0;
    this.#retireBlock();
  }

  #retireBlock() {
    if (this.cell.block) retire(this.cell.block);
    this.cell.block = null;
    this.vPtr = 0;
    this.vBytes = 0;
    this.view = null;
  }

  live(what) {
    if (this.ptr === 0) throw new TypeError(`${what}: this ${this.label} has been freed`);
    return this.rt;
  }

  /** C staging pointer with room for `bytes` bytes (for copies: no view points there). */
  staging(bytes, what) {
    if (bytes <= this.stBytes) return this.stPtr;
    const want = roundUp(bytes);
    const rt = this.rt;
    const p = rt.x[this.stagingExport](this.ptr, want) >>> 0;
    rt.refresh();
    if (p === 0)
      throw new DistributionCoderError(
        `${what}: out of memory (${bytes} bytes)`,
        rt.codes.DC_ERR_OUT_OF_MEMORY,
        'DC_ERR_OUT_OF_MEMORY',
      );
    this.stPtr = p;
    this.stBytes = want;
    return p;
  }

  /** distributionView(vocab, dtype) of the owner. */
  distributionView(vocab, dtype) {
    const rt = this.live('distributionView');
    checkCount(vocab, 'vocab', MAX_VOCAB);
    const code = parseDtype(dtype, 'dtype');
    const bytes = vocab * DTYPE_SIZES[code];
    const v = this.view;
    if (v !== null && v.length === vocab && this.viewDtype === code) return v; // detached: length 0
    if (bytes > this.vBytes) {
      const want = roundUp(bytes);
      const p = rt.alloc(want, 'distributionView');
      this.#retireBlock();
      this.cell.block = { rt, ptr: p, views: 0, inUse: true };
      this.vPtr = p;
      this.vBytes = want;
    }
    const p = this.vPtr;
    const b = rt.memory.buffer;
    const view =
      code === 0
        ? new Float32Array(b, p, vocab)
        : code === 1
          ? new Float64Array(b, p, vocab)
          : new Uint16Array(b, p, vocab);
    viewOwners.set(view, this);
    if (viewRegistry) {
      this.cell.block.views++;
      viewRegistry.register(view, this.cell.block);
    }
    this.view = view;
    this.viewDtype = code;
    return view;
  }

  /** Puts one step's distribution into wasm memory (or finds it is the current view):
   * sets dtype, len and stagedPtr. Throws, changing nothing the C object sees, if the
   * argument is refused. */
  stage(dist, dtype, what) {
    if (!this.isCurrentView(dist, dtype)) {
      this.classify(dist, dtype, 'distribution', MAX_VOCAB, false);
      this.stagedPtr = this.place(dist, 'distribution', what, false);
    }
  }

  /** The hot path of a model writing in place: `dist` is the current, live view with a
   * matching dtype. Sets dtype, len and stagedPtr when it is. */
  isCurrentView(dist, dtype) {
    // A view of memory that has since grown is detached and has length 0; a live one has
    // length >= 1. (Reading rt.memory.buffer instead costs a slow engine call per step.)
    if (dist !== this.view || dist === null || dist.length === 0) return false;
    const code = this.viewDtype;
    if (
      dtype === undefined
        ? code > 1
        : DTYPE_CODES[dtype] !== code || !Object.hasOwn(DTYPE_CODES, dtype)
    )
      return false;
    this.dtype = code;
    this.len = dist.length;
    this.kind = 0;
    this.stagedPtr = this.vPtr;
    return true;
  }

  /** Sets dtype, len, kind for a distribution (or matrix) argument; no wasm call. */
  classify(dist, dtype, name, maxLen, asMatrix) {
    let code;
    let kind = 0;
    const tag = ArrayBuffer.isView(dist) ? dist[Symbol.toStringTag] : undefined;
    if (tag === 'Float32Array') code = 0;
    else if (tag === 'Float64Array') code = 1;
    else if (tag === 'Float16Array') {
      code = 2;
      kind = 2;
    } else if (tag === 'Uint16Array') {
      if (dtype === undefined)
        throw new TypeError(
          `dtype is required with a Uint16Array ${name}: pass 'f16' or 'bf16' (the array holds float16 or bfloat16 bits)`,
        );
      code = parseDtype(dtype, 'dtype');
      if (code !== 2 && code !== 3)
        throw new TypeError(
          `dtype ${show(dtype)} does not fit a Uint16Array ${name}; pass 'f16' or 'bf16'`,
        );
    } else if (tag !== undefined) {
      throw new TypeError(
        `${name} must be a Float32Array, Float64Array, ${HAS_F16 ? 'Float16Array, ' : ''}Uint16Array (with dtype 'f16' or 'bf16') or an array of numbers; got ${show(dist)}`,
      );
    } else if (
      dist !== null &&
      typeof dist === 'object' &&
      typeof dist.length === 'number' &&
      typeof dist !== 'string'
    ) {
      kind = 1;
      code = this.plainDtype;
      if (dtype !== undefined) {
        code = parseDtype(dtype, 'dtype');
        if (code > 1)
          throw new TypeError(
            `dtype ${show(dtype)} needs a Uint16Array of bit patterns${HAS_F16 && code === 2 ? ' or a Float16Array' : ''}; an array of numbers can be copied as 'f32' or 'f64'`,
          );
      }
    } else {
      throw new TypeError(
        `${name} must be a Float32Array, Float64Array, ${HAS_F16 ? 'Float16Array, ' : ''}Uint16Array (with dtype 'f16' or 'bf16') or an array of numbers; got ${show(dist)}`,
      );
    }
    if (kind !== 1 && dtype !== undefined && tag !== 'Uint16Array') {
      const want = parseDtype(dtype, 'dtype');
      if (want !== code)
        throw new TypeError(
          `dtype ${show(dtype)} does not match a ${tag} ${name} (its dtype is '${DTYPE_NAMES[code]}')`,
        );
    }
    const n = dist.length;
    if (
      kind !== 1 &&
      n === 0 &&
      wasmBuffers.has(dist.buffer) &&
      dist.buffer !== this.rt.memory.buffer
    ) {
      throw new TypeError(
        `${name} is a view of wasm memory made before the memory grew (it is now detached); call distributionView() again and write the distribution into the new view`,
      );
    }
    if (n === 0 && kind !== 1 && isDetached(dist.buffer)) throw detachedError(name);
    if (n === 0 && !asMatrix)
      throw new RangeError(`${name} is empty (length 0); a distribution needs at least one symbol`);
    if (!(n <= maxLen))
      throw new RangeError(`${name} has length ${n}, above the maximum ${maxLen}`);
    // Every element of an array of numbers (a TypedArray.set would turn "0.5" into 0.5 and
    // null into 0 without a word).
    for (let i = 0; kind === 1 && i < n; i++) {
      const v = dist[i];
      if (typeof v === 'number') continue;
      throw new TypeError(
        i === 0 && asMatrix && typeof v === 'object' && v !== null
          ? `${name} must be flat (row-major, steps * vocab numbers), not an array of rows`
          : `${name} must hold numbers; ${name}[${i}] is ${show(v)}`,
      );
    }
    this.dtype = code;
    this.len = n;
    this.kind = kind;
  }

  /** Puts the classified argument into wasm memory (the staging buffer, or a malloc'd
   * block when `temp`; the caller frees it); returns its address. */
  place(dist, name, what, temp) {
    const rt = this.rt;
    const code = this.dtype;
    const n = this.len;
    const bytes = n * DTYPE_SIZES[code];
    if (this.kind !== 1 && dist.buffer === rt.memory.buffer) {
      if (dist.byteOffset === this.vPtr && bytes <= this.vBytes) return this.vPtr; // zero copy
      const owner = viewOwners.get(dist);
      if (owner !== undefined && (owner.ptr === 0 || owner.vPtr !== dist.byteOffset)) {
        throw new TypeError(
          `${name} is a distributionView() of ${owner === this ? 'this coder' : 'another coder'} that is no longer valid (${owner.ptr === 0 ? 'that coder was freed' : 'its staging buffer was reallocated for a larger distribution'}); call distributionView() again`,
        );
      }
    }
    let src = dist;
    const srcInWasm = this.kind !== 1 && src.buffer === rt.memory.buffer;
    const srcOffset = srcInWasm ? src.byteOffset : 0;
    const p = temp ? rt.alloc(bytes, what) : this.staging(bytes, what);
    if (srcInWasm && src.buffer !== rt.memory.buffer) {
      // Making room grew the memory: read the source from the new buffer, same place.
      src = new (this.kind === 2 ? Uint16Array : src.constructor)(rt.memory.buffer, srcOffset, n);
    }
    try {
      if (this.kind === 2) rt.u16.set(new Uint16Array(src.buffer, src.byteOffset, n), p >>> 1);
      else if (code === 0) rt.f32.set(src, p >>> 2);
      else if (code === 1) rt.f64.set(src, p >>> 3);
      else rt.u16.set(src, p >>> 1);
    } catch (e) {
      if (temp) rt.x.free(p);
      throw new TypeError(`${name} could not be read as numbers: ${e.message}`, { cause: e });
    }
    return p;
  }

  /** classify() for a batch matrix of rows of `vocab` elements; returns the row count. */
  classifyMatrix(matrix, dtype, vocab) {
    this.classify(matrix, dtype, 'matrix', MAX_MATRIX, true);
    const total = this.len;
    if (total % vocab !== 0)
      throw new RangeError(`matrix has length ${total}, not a multiple of vocab (${vocab})`);
    return total / vocab;
  }

  /** Puts a classified batch matrix into wasm memory: in place when it is the current view,
   * else into a temporary block (matrixTemp is then true: the caller frees it). The matrix
   * is read first, before anything can grow memory. */
  placeMatrix(matrix, what) {
    const rt = this.rt;
    this.matrixTemp = !(
      this.kind !== 1 &&
      matrix.buffer === rt.memory.buffer &&
      matrix.byteOffset === this.vPtr &&
      this.len * DTYPE_SIZES[this.dtype] <= this.vBytes
    );
    return this.place(matrix, 'matrix', what, this.matrixTemp);
  }

  /** Throws the error for a C refusal of the staged distribution at `p`. */
  fail(r, what, p, name) {
    this.failContent(r, p, name);
    throw libraryError(this.rt, r, what);
  }

  /** Throws the RangeError naming the element when `r` is about the content at `p`. */
  failContent(r, p, name) {
    const rt = this.rt;
    if (isContentError(rt, r)) throw contentError(rt, r, p, this.dtype, this.len, name);
  }

  /** As fail() for row `t` of a batch matrix at `p`; the error gets .step. */
  batchFail(r, what, p, vocab, t) {
    const rt = this.rt;
    let err;
    if (isContentError(rt, r)) {
      err = contentError(
        rt,
        r,
        p + t * vocab * DTYPE_SIZES[this.dtype],
        this.dtype,
        vocab,
        `matrix row ${t}: distribution`,
      );
    } else {
      err = libraryError(rt, r, `${what} (step ${t})`);
    }
    err.step = t;
    throw err;
  }
}

/** Adds [Symbol.dispose] (= free()) to the prototypes, where the runtime has it. */
export function disposable(...classes) {
  if (typeof Symbol.dispose !== 'symbol') return;
  for (const C of classes) {
    Object.defineProperty(C.prototype, Symbol.dispose, {
      value: function dispose() {
        this.free();
      },
      writable: true,
      configurable: true,
    });
  }
}

// ---------------------------------------------------------------------------- coder

/** An encoder or decoder (one session). See js/index.d.ts for the documentation. */
export class DistributionCoder {
  #s;
  #format;
  #tolerance;
  #input;
  #temperature;
  #state = STATE_ENCODING;

  constructor(options) {
    const o = readOptions(options, CODER_OPTIONS, '');
    const { format, tolerance, input, temperature } = o;
    checkTolerantFormat(format, tolerance);
    checkInputOptions(o);
    const rt = runtime();
    const r = rt.x.dc_coder_create_with_options(
      rt.coderOptions(format, tolerance, input, temperature),
      0,
      rt.scratch,
    );
    rt.refresh();
    if (r !== 0) throw libraryError(rt, r, 'new DistributionCoder');
    this.#s = new Stage(
      rt,
      rt.out32(0),
      this,
      'DistributionCoder',
      'dc_coder_free',
      'dc_coder_staging_buffer',
      format === 'python-0.1' ? 0 : 1,
    );
    this.#format = format;
    this.#tolerance = tolerance;
    this.#input = input;
    this.#temperature = temperature;
  }

  /** 'default' or 'python-0.1'. */
  get format() {
    return this.#format;
  }

  /** The tolerance the coder was created with (0: exact mode). */
  get tolerance() {
    return this.#tolerance;
  }

  /** 'probabilities' or 'logits' (docs/FORMAT.md section 6). */
  get input() {
    return this.#input;
  }

  /** The softmax temperature of logits (1 for probabilities). */
  get temperature() {
    return this.#temperature;
  }

  /** Frees the coder's memory in the wasm module. Idempotent. */
  free() {
    this.#s.release();
  }

  /** Back to a fresh encoder; keeps buffers (and distribution views) for reuse. */
  reset() {
    const s = this.#s;
    const rt = s.live('reset');
    const r = rt.x.dc_coder_reset(s.ptr);
    if (r !== 0) throw libraryError(rt, r, 'reset');
    this.#state = STATE_ENCODING;
  }

  /** Pre-size the output so later encoding steps do not grow wasm memory. */
  reserveOutput(bytes) {
    const s = this.#s;
    const rt = s.live('reserveOutput');
    if (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes < 0 || bytes > 0x7fffffff) {
      throw new RangeError(`bytes must be an integer from 0 to 2147483647; got ${show(bytes)}`);
    }
    const r = rt.x.dc_coder_reserve_output(s.ptr, bytes);
    rt.refresh();
    if (r !== 0) throw libraryError(rt, r, 'reserveOutput');
  }

  /**
   * A typed array of `vocab` elements inside wasm memory (this coder's staging buffer):
   * write a distribution there and pass the view itself to encodeStep/decodeStep (no copy).
   */
  distributionView(vocab, dtype = 'f32') {
    return this.#s.distributionView(vocab, dtype);
  }

  /** Encode `symbol` with `distribution`. */
  encodeStep(distribution, symbol, dtype) {
    const s = this.#s;
    const rt = s.live('encodeStep');
    if (this.#state !== STATE_ENCODING) this.#stateError(rt, 'encodeStep');
    s.stage(distribution, dtype, 'encodeStep');
    const n = s.len;
    if (!(Number.isInteger(symbol) && symbol >= 0 && symbol < n))
      throw symbolError(symbol, n, 'symbol');
    const p = s.stagedPtr;
    const r = rt.x.dc_coder_encode_step(s.ptr, p, s.dtype, n, symbol);
    if (r !== 0) s.fail(r, 'encodeStep', p, 'distribution');
  }

  /** Decode one symbol with `distribution`. */
  decodeStep(distribution, dtype) {
    const s = this.#s;
    const rt = s.live('decodeStep');
    if (this.#state !== STATE_DECODING) this.#stateError(rt, 'decodeStep');
    s.stage(distribution, dtype, 'decodeStep');
    const p = s.stagedPtr;
    const r = rt.x.dc_coder_decode_step(s.ptr, p, s.dtype, s.len, rt.scratch);
    if (r !== 0) s.fail(r, 'decodeStep', p, 'distribution');
    return rt.u32[rt.scratch >>> 2];
  }

  #stateError(rt, what) {
    if (what === 'decodeStep' || what === 'decodeSteps') {
      throw withCode(
        new TypeError(`${what}: the coder is not decoding; call startDecoding(bytes) first`),
        rt,
        rt.codes.DC_ERR_NOT_DECODING,
      );
    }
    const why = this.#state === STATE_FINISHED ? 'finishEncoding() was called' : 'it is decoding';
    throw withCode(
      new TypeError(
        `${what}: the coder is not encoding (${why}); call reset() to encode a new stream`,
      ),
      rt,
      rt.codes.DC_ERR_NOT_ENCODING,
    );
  }

  /** Ends the stream and returns its bytes (a copy). Calling it again returns them again. */
  finishEncoding() {
    const s = this.#s;
    const rt = s.live('finishEncoding');
    if (this.#state === STATE_DECODING) this.#stateError(rt, 'finishEncoding');
    const r = rt.x.dc_coder_finish_encoding(s.ptr, rt.scratch, rt.scratch + 4);
    rt.refresh();
    if (r !== 0) throw libraryError(rt, r, 'finishEncoding');
    this.#state = STATE_FINISHED;
    const p = rt.out32(0);
    return rt.u8.slice(p, p + rt.out32(1));
  }

  /** Starts decoding a copy of `bytes`. */
  startDecoding(bytes) {
    const s = this.#s;
    const rt = s.live('startDecoding');
    const u8 = toBytes(bytes, 'bytes');
    const n = u8.length;
    if (n === 0 && wasmBuffers.has(u8.buffer) && u8.buffer !== rt.memory.buffer) {
      throw new TypeError(
        'bytes is a view of wasm memory made before the memory grew (it is now detached)',
      );
    }
    const p = rt.copyIn(u8, 'startDecoding');
    try {
      const r = rt.x.dc_coder_start_decoding(s.ptr, p, n);
      rt.refresh();
      if (r !== 0) throw libraryError(rt, r, 'startDecoding');
    } finally {
      rt.x.free(p);
    }
    this.#state = STATE_DECODING;
  }

  /** Batch: row t of the row-major matrix (steps x vocab) with symbols[t]. */
  encodeSteps(matrix, symbols, options) {
    const s = this.#s;
    const rt = s.live('encodeSteps');
    const { vocab, dtype } = batchOptions(options, 'encodeSteps');
    if (this.#state !== STATE_ENCODING) this.#stateError(rt, 'encodeSteps');
    const steps = s.classifyMatrix(matrix, dtype, vocab);
    if (symbols === null || typeof symbols !== 'object' || typeof symbols.length !== 'number') {
      throw new TypeError(
        `symbols must be an array or typed array of integers; got ${show(symbols)}`,
      );
    }
    if (symbols.length === 0 && ArrayBuffer.isView(symbols) && isDetached(symbols.buffer))
      throw detachedError('symbols');
    if (symbols.length !== steps)
      throw new RangeError(
        `symbols has length ${symbols.length} but matrix has ${steps} rows of vocab ${vocab}`,
      );
    for (let t = 0; t < steps; t++) {
      const sym = symbols[t];
      if (!(Number.isInteger(sym) && sym >= 0 && sym < vocab))
        throw symbolError(sym, vocab, `symbols[${t}]`);
    }
    if (steps === 0) return;
    const code = s.dtype;
    const p = s.placeMatrix(matrix, 'encodeSteps');
    const temp = s.matrixTemp;
    let symPtr = 0;
    try {
      symPtr = rt.alloc(steps * 4, 'encodeSteps');
      rt.u32.set(symbols, symPtr >>> 2);
      const r = rt.x.dc_coder_encode_steps(s.ptr, p, code, vocab, steps, symPtr, rt.scratch);
      rt.refresh();
      if (r !== 0) s.batchFail(r, 'encodeSteps', p, vocab, rt.out32(0));
    } finally {
      if (temp) rt.x.free(p);
      if (symPtr) rt.x.free(symPtr);
    }
  }

  /** Batch: decodes `count` symbols, one per row of the matrix; returns an Int32Array. */
  decodeSteps(matrix, options) {
    const s = this.#s;
    const rt = s.live('decodeSteps');
    const { vocab, dtype, count } = batchOptions(options, 'decodeSteps');
    if (this.#state !== STATE_DECODING) this.#stateError(rt, 'decodeSteps');
    const steps = s.classifyMatrix(matrix, dtype, vocab);
    if (count !== undefined && count !== steps)
      throw new RangeError(`count is ${count} but matrix has ${steps} rows of vocab ${vocab}`);
    if (steps === 0) return new Int32Array(0);
    const code = s.dtype;
    const p = s.placeMatrix(matrix, 'decodeSteps');
    const temp = s.matrixTemp;
    let symPtr = 0;
    try {
      symPtr = rt.alloc(steps * 4, 'decodeSteps');
      const r = rt.x.dc_coder_decode_steps(s.ptr, p, code, vocab, steps, symPtr, rt.scratch);
      rt.refresh();
      if (r !== 0) s.batchFail(r, 'decodeSteps', p, vocab, rt.out32(0));
      return rt.i32.slice(symPtr >>> 2, (symPtr >>> 2) + steps);
    } finally {
      if (temp) rt.x.free(p);
      if (symPtr) rt.x.free(symPtr);
    }
  }
}

disposable(DistributionCoder);

const BATCH_OPTIONS = ['vocab', 'dtype', 'count'];

function batchOptions(options, what) {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`${what}: options must be an object { vocab, ... }; got ${show(options)}`);
  const known = what === 'decodeSteps' ? BATCH_OPTIONS : BATCH_OPTIONS.slice(0, 2);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new TypeError(
        `${what}: options.${key} is not an option (known options: ${known.join(', ')})`,
      );
    }
  }
  const { vocab, dtype, count } = options;
  checkCount(vocab, 'options.vocab', MAX_VOCAB);
  if (count !== undefined && (typeof count !== 'number' || !Number.isInteger(count) || count < 0)) {
    throw new RangeError(`options.count must be a non-negative integer; got ${show(count)}`);
  }
  if (dtype !== undefined) parseDtype(dtype, 'options.dtype');
  return { vocab, dtype, count };
}
