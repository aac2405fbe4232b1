// Types for distribution-coder: arithmetic coding over per-step probability distributions,
// backed by one standalone WebAssembly module (wasm32).

/**
 * Element type of a distribution.
 * - `'f32'`: IEEE binary32 (`Float32Array`).
 * - `'f64'`: IEEE binary64 (`Float64Array`).
 * - `'f16'`: IEEE binary16, as a `Float16Array` where the runtime has one, or as the bit
 *   patterns in a `Uint16Array`.
 * - `'bf16'`: bfloat16 (the top 16 bits of a binary32) as bit patterns in a `Uint16Array`.
 */
export type DType = 'f32' | 'f64' | 'f16' | 'bf16';

/** Stream format, fixed when a coder is created. */
export type Format = 'default' | 'python-0.1';

/**
 * A distribution over the symbols 0..length-1. Values need not sum to 1 (they are
 * normalised proportionally); zeros are allowed (every symbol stays codable); NaN,
 * ±Infinity and negative values (other than -0) are refused, and so are all-zero
 * distributions in the 'default' format ('python-0.1' gives every zero a count of 1, as
 * the Python package does).
 *
 * - `Float32Array`, `Float64Array` (and `Float16Array` where the runtime has it) are read
 *   with their own dtype; a `dtype` argument, if given, must match.
 * - `Uint16Array` holds f16 or bf16 bit patterns and needs `dtype` `'f16'` or `'bf16'`.
 * - Any other array-like of numbers (`number[]`, ...) is copied as float64 for the
 *   `'default'` format and as float32 for `'python-0.1'` (the Python package converts lists
 *   to float32 first), unless `dtype` `'f32'` or `'f64'` says otherwise.
 * - A view returned by {@link DistributionCoder.distributionView} for this coder is used
 *   in place (no copy); anything else is copied into wasm memory with one `TypedArray.set`.
 */
export type Distribution = readonly number[] | Float32Array | Float64Array | Uint16Array;

/** Bytes the package returns: a Uint8Array over a plain ArrayBuffer (usable as BlobPart,
 * BodyInit and BufferSource without a cast). */
export type Bytes = Uint8Array<ArrayBuffer>;

/** encodeStep with the dtype tied to the array type (the runtime refuses other pairs). */
export interface EncodeStep {
  encodeStep(distribution: Float32Array, symbol: number, dtype?: 'f32'): void;
  encodeStep(distribution: Float64Array, symbol: number, dtype?: 'f64'): void;
  encodeStep(distribution: Uint16Array, symbol: number, dtype: 'f16' | 'bf16'): void;
  encodeStep(distribution: readonly number[], symbol: number, dtype?: 'f32' | 'f64'): void;
}

/** decodeStep with the dtype tied to the array type (the runtime refuses other pairs). */
export interface DecodeStep {
  decodeStep(distribution: Float32Array, dtype?: 'f32'): number;
  decodeStep(distribution: Float64Array, dtype?: 'f64'): number;
  decodeStep(distribution: Uint16Array, dtype: 'f16' | 'bf16'): number;
  decodeStep(distribution: readonly number[], dtype?: 'f32' | 'f64'): number;
}

/**
 * A typed array of `vocab` elements inside wasm memory (the object's own block):
 * `Float32Array` for 'f32', `Float64Array` for 'f64', `Uint16Array` (bit patterns) for
 * 'f16' and 'bf16'. See DistributionCoder.distributionView.
 */
export interface DistributionViews {
  distributionView(vocab: number, dtype: 'f64'): Float64Array<ArrayBuffer>;
  distributionView(vocab: number, dtype: 'f16' | 'bf16'): Uint16Array<ArrayBuffer>;
  distributionView(vocab: number, dtype?: 'f32'): Float32Array<ArrayBuffer>;
  distributionView(
    vocab: number,
    dtype?: DType,
  ): Float32Array<ArrayBuffer> | Float64Array<ArrayBuffer> | Uint16Array<ArrayBuffer>;
}

declare global {
  interface SymbolConstructor {
    /** Declared by lib esnext.disposable too; repeated so that ES2022 projects compile. */
    readonly dispose: unique symbol;
  }
}

export interface CoderOptions {
  /** `'default'` (this project's range coder, docs/FORMAT.md) or `'python-0.1'` (the
   * streams of the Python package distribution-coder 0.1.x, byte for byte). */
  format?: Format;
  /** Tolerant mode (docs/FORMAT.md section 5): a number tau in (0, 1e-2]. The decoder,
   * created with the same tau, returns exactly the encoded symbols whenever every element
   * of its distributions is within relative distance tau of the encoder's (another
   * runtime's float32 results, for example). 0 or omitted: the exact mode. Not available
   * with `'python-0.1'` (RangeError). */
  tolerance?: number;
  /** What the steps give (docs/FORMAT.md section 6): `'probabilities'` (default; weights
   * >= 0, normalised proportionally) or `'logits'`: every step, batch and distribution
   * view then takes a model's logits (any dtype) and the module computes
   * softmax(logits / temperature) with an exact integer softmax, the same bits on every
   * platform. NaN and infinite logits are refused (RangeError naming the element). Not
   * available with `'python-0.1'` or a tolerance (RangeError). */
  input?: Input;
  /** Softmax temperature of `input: 'logits'`: a finite number > 0, default 1. Giving
   * another value with probabilities is a RangeError. */
  temperature?: number;
}

/** What a coder's steps give. */
export type Input = 'probabilities' | 'logits';

export interface EncodeStepsOptions {
  /** Symbols per row (1..16777216); the matrix holds steps * vocab values, row-major. */
  vocab: number;
  /** As the `dtype` argument of encodeStep. */
  dtype?: DType;
}

export interface DecodeStepsOptions extends EncodeStepsOptions {
  /** Number of rows; if given it must equal matrix.length / vocab. */
  count?: number;
}

/**
 * One coding session: an encoder (new, or after `reset()`) or, after `startDecoding()`, a
 * decoder. Many coders may live at once, each with its own state. Free it with `free()`
 * (or `using`); a FinalizationRegistry frees forgotten coders, later.
 *
 * Errors: arguments are checked before anything reaches wasm and throw `TypeError` (wrong
 * type, wrong state, freed coder, stale view) or `RangeError` (bad value), with a message
 * naming the argument and the value. Content errors found by the library throw
 * `RangeError` naming the first offending element (`distribution[17] is NaN`), with
 * `.code`/`.codeName` set. Other library failures throw {@link DistributionCoderError}.
 * After any throw the coder is as it was before the call.
 */
export class DistributionCoder {
  constructor(options?: CoderOptions);

  /** The stream format this coder was created with. */
  readonly format: Format;

  /** The tolerance this coder was created with (0: exact mode). */
  readonly tolerance: number;

  /** What the steps give: 'probabilities' or 'logits'. */
  readonly input: Input;

  /** The softmax temperature of logits (1 for probabilities). */
  readonly temperature: number;

  /**
   * Encode `symbol` (an integer, 0 <= symbol < distribution.length) with `distribution`.
   * `dtype` is required for a `Uint16Array` ('f16' or 'bf16').
   * @throws TypeError after finishEncoding() or startDecoding() (call reset()).
   */
  encodeStep: EncodeStep['encodeStep'];

  /** End the stream and return its bytes (a copy). Calling it again returns them again;
   * encodeStep then throws until reset(). The stream has no length: the decoder must be
   * told how many steps to decode. */
  finishEncoding(): Bytes;

  /** Start decoding a copy of `bytes` (the coder may have been encoding before). */
  startDecoding(bytes: Uint8Array | ArrayBuffer): void;

  /** Decode one symbol with the same distribution the encoder used at this step (same
   * values, same dtype). The stream has no length: decoding past the encoded steps returns
   * meaningless symbols, not an error.
   * @throws TypeError before startDecoding(). */
  decodeStep: DecodeStep['decodeStep'];

  /**
   * Encode `symbols.length` steps: row t of the row-major matrix (steps x vocab) with
   * symbols[t]. Gives the bytes of the same encodeStep calls. On a refused row nothing of
   * the batch is kept; the error has `.step` (the row index).
   */
  encodeSteps(matrix: Distribution, symbols: ArrayLike<number>, options: EncodeStepsOptions): void;

  /** Decode one symbol per row of the row-major matrix (steps x vocab). */
  decodeSteps(matrix: Distribution, options: DecodeStepsOptions): Int32Array<ArrayBuffer>;

  /**
   * A typed array of `vocab` elements inside wasm memory (this coder's staging buffer):
   * `Float32Array` for 'f32', `Float64Array` for 'f64', `Uint16Array` (bit patterns) for
   * 'f16' and 'bf16'. Write a distribution into it and pass the view itself to
   * encodeStep/decodeStep (with dtype 'f16'/'bf16' for a Uint16Array view): nothing is
   * copied. It can also serve as a batch matrix (vocab = steps * rowVocab).
   *
   * The view is valid until wasm memory grows (any call may grow it: the view is then
   * detached, length 0, and passing it throws a TypeError) or this coder's staging buffer is
   * reallocated for a larger distribution (the buffer grows by powers of two). Calling
   * distributionView() before each step is cheap: it returns the same object while it is
   * valid. A stale view (after free(), or after a larger view replaced its block) is refused
   * when passed back; writing through it is harmless to everything else: its block is freed
   * only once the coder stopped using it and every view of it has been garbage-collected,
   * so such a write changes only bytes nothing reads. Arguments that are not this coder's
   * view are copied elsewhere: they never overwrite the view's contents.
   */
  distributionView: DistributionViews['distributionView'];

  /** Make room for `bytes` bytes of output now, so encoding steps do not grow memory. */
  reserveOutput(bytes: number): void;

  /** Back to a fresh encoder with the same format; buffers (and views) are kept. */
  reset(): void;

  /** Free the coder's memory in the wasm module. Idempotent; any other call then throws. */
  free(): void;

  /** Same as free() (for `using`, where the runtime has Symbol.dispose). */
  [Symbol.dispose](): void;
}

/** A failure reported by the C library that is not an argument error (e.g. out of memory,
 * a corrupt stream for the format, python-0.1 count overflow). */
export class DistributionCoderError extends Error {
  /** The dc_result value (see include/distribution_coder.h; values are pinned forever). */
  readonly code: number;
  /** Its name, e.g. 'DC_ERR_OUT_OF_MEMORY'. */
  readonly codeName: string;
  /** For batch calls: the index of the refused row; for a framed decoder: the step. */
  readonly step?: number;
  /** Framed container: the chunk index (null for the header or layout). */
  readonly chunk?: number | null;
  /** Framed container: the chunk's steps [firstStep, endStep). */
  readonly firstStep?: number;
  readonly endStep?: number;
  /** Framed container: the byte offset of the chunk, or of the problem in the header. */
  readonly offset?: number;
}

/**
 * `distribution-coder` inlines its module: the first coder instantiates it synchronously, so
 * coders can be created right after import, with no `init()` (engines without wasm SIMD,
 * which load the module built without it as a separate chunk, need `await init()` first).
 * `distribution-coder/slim` ships the module as a .wasm file (webpack 5 and Vite emit it by
 * themselves): `await init()` fetches it; with other bundlers copy the file and pass it.
 * Where compiling bytes at run time is not allowed (edge runtimes that only run modules
 * bundled at deploy time), or fails, the first `new DistributionCoder()` throws the reason;
 * call `init()` with the module shipped as `distribution-coder/distribution_coder.wasm`.
 * In browsers, any WebAssembly compilation needs a Content-Security-Policy that allows
 * 'wasm-unsafe-eval' (the error says so).
 *
 *   await init(fetch(new URL('distribution_coder.wasm', import.meta.url)));  // browser
 *   await init(wasmModule);                       // e.g. an edge runtime's wasm import
 *
 * Coders created afterwards use the new module; existing coders keep theirs. Without an
 * argument, the package's own module (inlined, or slim's .wasm file).
 */
export function init(source?: WasmSource | PromiseLike<WasmSource>): Promise<void>;

/** What init() accepts: a compiled module, the module's bytes, or a fetch() Response (or
 * anything with an arrayBuffer() method) for them. */
export type WasmSource = WasmModule | ArrayBuffer | ArrayBufferView | ResponseLike;

/** A compiled `WebAssembly.Module` (typed as an object so that the declarations need
 * neither the DOM nor Node's types). */
export type WasmModule = object;

/** The RangeError thrown for a distribution's content (NaN, infinite, negative, no mass). */
export interface ContentError extends RangeError {
  readonly code: number;
  readonly codeName: string;
  /** For batch calls: the index of the refused row. */
  readonly step?: number;
}

export interface ResponseLike {
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** Version of the C library in the current module, e.g. '0.1.0'. */
export function version(): string;

/** Bytes of linear memory the current module holds (for diagnostics and tests). */
export function wasmMemoryBytes(): number;

/** The framed container (js/frame.js). */
export * from './frame.js';
