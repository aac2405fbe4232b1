// distribution-coder: the framed container (docs/FORMAT.md, "Framed container"), a thin
// wrapper over the C dc_frame_* functions of the module: the bytes, the checks and the
// decoder's behaviour are the C library's. Errors are DistributionCoderErrors whose
// .code / .codeName name the problem and, for a chunk, .chunk / .firstStep / .endStep /
// .step say where (read from dc_frame_error_info).
import {
  FORMAT_NAMES,
  DistributionCoderError,
  checkInputOptions,
  checkTolerantFormat,
  libraryError,
  parseFormat,
  parseInput,
  parseTemperature,
  parseTolerance,
  readOptions,
  runtime,
  show,
  toBytes,
  withCode,
} from './runtime.js';
import { Stage, disposable, symbolError } from './coder.js';

const VERSIONS = '1, 2 and 3'; // the container versions this library reads (2: tolerant, 3: logits)
const MAX_MODEL_ID = 65535;
const MAX_STEPS_PER_CHUNK = 1 << 24;
const DEFAULT_STEPS_PER_CHUNK = 4096;
const ERR = 8; // scratch offset of a dc_frame_error_info or dc_frame_info

const NO_BYTES = new Uint8Array(0);

function parseModelId(id, what) {
  if (id === undefined) return new Uint8Array(0);
  let b;
  if (typeof id === 'string') b = new TextEncoder().encode(id);
  else if (ArrayBuffer.isView(id) && id[Symbol.toStringTag] === 'Uint8Array') b = id.slice();
  else
    throw new TypeError(
      `${what} must be a string (stored as UTF-8) or a Uint8Array; got ${show(id)}`,
    );
  if (b.length > MAX_MODEL_ID)
    throw new RangeError(`${what} is ${b.length} bytes, above the maximum ${MAX_MODEL_ID}`);
  return b;
}

function parseStepsPerChunk(per, what) {
  if (per === undefined) return DEFAULT_STEPS_PER_CHUNK;
  if (typeof per !== 'number' || !Number.isInteger(per) || per < 1 || per > MAX_STEPS_PER_CHUNK) {
    throw new RangeError(
      `${what} must be an integer from 1 to ${MAX_STEPS_PER_CHUNK}; got ${show(per)}`,
    );
  }
  return per;
}

/** The options of new FramedEncoder() and new FramedDecoder(): name -> parser. */
export const FRAMED_ENCODER_OPTIONS = {
  format: parseFormat,
  tolerance: parseTolerance,
  input: parseInput,
  temperature: parseTemperature,
  stepsPerChunk: parseStepsPerChunk,
  modelId: parseModelId,
};
export const FRAMED_DECODER_OPTIONS = {
  modelId: (id, what) => (id === null ? null : parseModelId(id, what)),
};

/**
 * CRC-32 (IEEE 802.3, as zlib's crc32) of bytes[start, end), by the module's dc_crc32
 * (through a bounded buffer: hashing a large array does not grow wasm memory).
 */
export function crc32(bytes, start = 0, end = bytes.length) {
  const u8 = toBytes(bytes, 'bytes').subarray(start, end);
  const rt = runtime();
  const block = Math.min(u8.length, 65536);
  const p = rt.alloc(block, 'crc32');
  let crc = 0;
  try {
    for (let off = 0; off < u8.length; off += block) {
      const piece = u8.subarray(off, Math.min(off + block, u8.length));
      rt.u8.set(piece, p);
      crc = rt.x.dc_crc32(crc, p, piece.length);
    }
  } finally {
    rt.x.free(p);
  }
  return crc >>> 0;
}

/** A DistributionCoderError `message (DC_ERR_...)` with the location fields `where`. */
function frameError(rt, code, message, where) {
  const err = withCode(new DistributionCoderError(`${message} (${rt.resultName(code)})`), rt, code);
  return Object.assign(err, where);
}

/** The error dc_frame_error_info (at scratch + ERR) describes, for container bytes `b`. */
function containerError(rt, b, expected) {
  const c = rt.codes;
  const code = rt.i32[(rt.scratch + ERR + 40) >>> 2];
  const chunk = rt.out64(ERR);
  const offset = rt.out64(ERR + 32);
  if (chunk !== null) {
    const firstStep = rt.out64(ERR + 8);
    const endStep = rt.out64(ERR + 16);
    const step = rt.out64(ERR + 24);
    const where = { chunk, firstStep, endStep, step, offset };
    const steps = `chunk ${chunk} (steps ${firstStep} to ${endStep - 1})`;
    if (code === c.DC_ERR_FRAME_TRUNCATED)
      return frameError(
        rt,
        code,
        `framed container truncated in ${steps}: it ends at byte ${b.length}`,
        where,
      );
    if (code === c.DC_ERR_FRAME_CORRUPT)
      return frameError(
        rt,
        code,
        `framed container: ${steps} is damaged (its bytes fail their CRC-32)`,
        where,
      );
    if (code === c.DC_ERR_FRAME_CHECKSUM) {
      return frameError(
        rt,
        code,
        `framed container: ${steps} decoded to symbols that fail their CRC-32: the distributions differ from the encoder's`,
        where,
      );
    }
    return Object.assign(libraryError(rt, code, 'decodeStep'), where); // e.g. a corrupt stream
  }
  const where = { chunk: null, offset };
  const idLen = b.length >= 8 ? b[6] | (b[7] << 8) : 0;
  // version 2 (tolerant) stores tau at offset 20, version 3 (logits) tau, input, temperature
  const fixed = b[4] === 3 ? 36 : b[4] === 2 ? 24 : 20;
  const headerSize = fixed + idLen + 4;
  switch (code) {
    case c.DC_ERR_FRAME_MAGIC:
      return frameError(rt, code, 'not a framed container: wrong magic bytes', where);
    case c.DC_ERR_FRAME_TRUNCATED:
      if (b.length < 4)
        return frameError(
          rt,
          code,
          `framed container truncated: ${b.length} bytes, the header alone needs more`,
          where,
        );
      if (b.length < 8)
        return frameError(rt, code, 'framed container truncated inside its header', where);
      return frameError(
        rt,
        code,
        `framed container truncated inside its header (${b.length} of ${headerSize} bytes)`,
        where,
      );
    case c.DC_ERR_FRAME_VERSION:
      return frameError(
        rt,
        code,
        `framed container version ${b[4]} is not supported (this library reads versions ${VERSIONS})`,
        where,
      );
    case c.DC_ERR_BAD_FORMAT:
      return frameError(rt, code, `framed container names unknown stream format ${b[5]}`, where);
    case c.DC_ERR_FRAME_MODEL_ID: {
      const name = (u8) => JSON.stringify(new TextDecoder().decode(u8));
      return frameError(
        rt,
        code,
        `framed container was written for model id ${name(b.subarray(fixed, fixed + idLen))}, not ${name(expected)}`,
        where,
      );
    }
    case c.DC_ERR_FRAME_CORRUPT:
      if (offset === 16) {
        const per = (b[16] | (b[17] << 8) | (b[18] << 16) | (b[19] << 24)) >>> 0;
        return frameError(
          rt,
          code,
          `framed container header is damaged (steps per chunk ${per})`,
          where,
        );
      }
      if (b[4] === 2 && (offset === 5 || offset === 20))
        return frameError(
          rt,
          code,
          'framed container header is damaged (version 2 needs the default format and a tolerance in (0, 1e-2])',
          where,
        );
      if (b[4] === 3 && offset >= 5 && offset <= 28)
        return frameError(
          rt,
          code,
          'framed container header is damaged (version 3 needs the default format, no tolerance, input logits and a finite temperature > 0)',
          where,
        );
      if (offset === headerSize - 4)
        return frameError(
          rt,
          code,
          'framed container header is damaged (its CRC-32 does not match)',
          where,
        );
      return frameError(
        rt,
        code,
        `framed container is damaged: ${b.length - offset} bytes follow its last chunk`,
        where,
      );
    default:
      return libraryError(rt, code, 'new FramedDecoder');
  }
}

/** dc_frame_reader_create over a copy of `b` in wasm memory; returns the reader pointer or
 * throws the container's error. `expected` null skips the model id check. */
function createReader(rt, b, expected) {
  const bp = rt.copyIn(b, 'new FramedDecoder');
  let ip = 0;
  try {
    if (expected !== null) ip = rt.copyIn(expected, 'new FramedDecoder');
    const r = rt.x.dc_frame_reader_create(
      bp,
      b.length,
      ip,
      expected === null ? 0 : expected.length,
      0,
      rt.scratch,
      rt.scratch + ERR,
    );
    rt.refresh();
    if (r !== 0) throw containerError(rt, b, expected);
    return rt.out32(0);
  } finally {
    rt.x.free(bp);
    if (ip) rt.x.free(ip);
  }
}

/** The header fields of reader `ptr` (dc_frame_reader_info, dc_frame_reader_model_id). */
function readerInfo(rt, ptr) {
  rt.x.dc_frame_reader_info(ptr, rt.scratch + ERR);
  const info = {
    format: FORMAT_NAMES[rt.i32[(rt.scratch + ERR + 20) >>> 2]],
    steps: rt.out64(ERR),
    stepsPerChunk: rt.out32((ERR + 16) / 4),
    chunks: rt.out64(ERR + 8),
    tolerance: rt.f64[(rt.scratch + ERR + 32) >>> 3], // ceil(tau * 2^32) / 2^32, 0 if exact
    input: rt.i32[(rt.scratch + ERR + 40) >>> 2] === 1 ? 'logits' : 'probabilities',
    temperature: rt.f64[(rt.scratch + ERR + 48) >>> 3],
    modelId: null,
  };
  rt.x.dc_frame_reader_model_id(ptr, rt.scratch, rt.scratch + 4);
  const p = rt.out32(0);
  info.modelId = rt.u8.slice(p, p + rt.out32(1));
  return info;
}

// ---------------------------------------------------------------------------- encoder

/** Writes a framed container (dc_frame_writer_*). See js/frame.d.ts. */
export class FramedEncoder {
  #s;
  #format;
  #tolerance;
  #input;
  #temperature;
  #perChunk;
  #steps = 0; // set when the writer is released
  #result = null;
  #freed = false;

  constructor(options) {
    const o = readOptions(options, FRAMED_ENCODER_OPTIONS, '');
    const { format, tolerance, input, temperature, stepsPerChunk, modelId } = o;
    checkTolerantFormat(format, tolerance);
    checkInputOptions(o);
    const rt = runtime();
    const ip = rt.copyIn(modelId, 'new FramedEncoder');
    let r;
    try {
      r = rt.x.dc_frame_writer_create_with_options(
        rt.coderOptions(format, tolerance, input, temperature),
        ip,
        modelId.length,
        stepsPerChunk,
        0,
        rt.scratch,
      );
      rt.refresh();
    } finally {
      rt.x.free(ip);
    }
    if (r !== 0) throw libraryError(rt, r, 'new FramedEncoder');
    this.#s = new Stage(
      rt,
      rt.out32(0),
      this,
      'FramedEncoder',
      'dc_frame_writer_free',
      'dc_frame_writer_staging_buffer',
      format === 'python-0.1' ? 0 : 1,
    );
    this.#format = format;
    this.#tolerance = tolerance;
    this.#input = input;
    this.#temperature = temperature;
    this.#perChunk = stepsPerChunk;
  }

  get format() {
    return this.#format;
  }
  /** The tolerance the container is written with (0: exact mode, container version 1). */
  get tolerance() {
    return this.#tolerance;
  }
  /** 'probabilities' or 'logits' (logits: container version 3). */
  get input() {
    return this.#input;
  }
  /** The softmax temperature of logits (1 for probabilities). */
  get temperature() {
    return this.#temperature;
  }
  get stepsPerChunk() {
    return this.#perChunk;
  }
  /** Steps encoded so far. */
  get steps() {
    const s = this.#s;
    return s.ptr === 0 ? this.#steps : Number(s.rt.x.dc_frame_writer_steps(s.ptr));
  }

  /** As DistributionCoder.distributionView: a view of the writer's staging buffer. */
  distributionView(vocab, dtype = 'f32') {
    return this.#s.distributionView(vocab, dtype);
  }

  /** Encode `symbol` with `distribution` (same arguments as DistributionCoder.encodeStep). */
  encodeStep(distribution, symbol, dtype) {
    const s = this.#s;
    if (this.#result !== null && !this.#freed) {
      throw withCode(
        new TypeError(
          'encodeStep: the FramedEncoder has finished; create a new one to encode another container',
        ),
        s.rt,
        s.rt.codes.DC_ERR_NOT_ENCODING,
      );
    }
    const rt = s.live('encodeStep');
    s.stage(distribution, dtype, 'encodeStep');
    const n = s.len;
    if (!(Number.isInteger(symbol) && symbol >= 0 && symbol < n))
      throw symbolError(symbol, n, 'symbol');
    const p = s.stagedPtr;
    const r = rt.x.dc_frame_writer_encode_step(s.ptr, p, s.dtype, n, symbol);
    if (r !== 0) s.fail(r, 'encodeStep', p, 'distribution');
  }

  /** Closes the last chunk and returns the container (a new Uint8Array each call). */
  finish() {
    if (this.#result === null) {
      const s = this.#s;
      const rt = s.live('finish');
      const r = rt.x.dc_frame_writer_finish(s.ptr, rt.scratch, rt.scratch + 4);
      rt.refresh();
      if (r !== 0) throw libraryError(rt, r, 'finish');
      const p = rt.out32(0);
      this.#result = rt.u8.slice(p, p + rt.out32(1));
      this.#release();
    }
    return this.#result.slice();
  }

  #release() {
    const s = this.#s;
    if (s.ptr !== 0) this.#steps = Number(s.rt.x.dc_frame_writer_steps(s.ptr));
    s.release();
  }

  /** Frees the wasm writer (finish() does too). Idempotent. */
  free() {
    this.#freed = true;
    this.#release();
  }
}

// ---------------------------------------------------------------------------- decoder

/** Reads a framed container (dc_frame_reader_*). See js/frame.d.ts. */
export class FramedDecoder {
  #s;
  #h;
  #step = 0;

  /**
   * Checks the header and layout of a copy of `bytes`. options.modelId (string or
   * Uint8Array; default: none) must equal the container's; options.modelId === null skips
   * the check.
   */
  constructor(bytes, options) {
    const b = toBytes(bytes, 'bytes');
    const { modelId } = readOptions(options, FRAMED_DECODER_OPTIONS, '');
    const rt = runtime();
    const ptr = createReader(rt, b, modelId);
    this.#h = readerInfo(rt, ptr);
    this.#s = new Stage(
      rt,
      ptr,
      this,
      'FramedDecoder',
      'dc_frame_reader_free',
      'dc_frame_reader_staging_buffer',
      this.#h.format === 'python-0.1' ? 0 : 1,
    );
  }

  /** Header fields of a container without decoding it (and without a model id check). */
  static inspect(bytes) {
    const b = toBytes(bytes, 'bytes');
    const rt = runtime();
    const ptr = createReader(rt, b, null);
    try {
      return readerInfo(rt, ptr);
    } finally {
      rt.x.dc_frame_reader_free(ptr);
    }
  }

  get format() {
    return this.#h.format;
  }
  /** The container's tolerance (tolerant mode, ceil(tau * 2^32) / 2^32), 0 if exact. */
  get tolerance() {
    return this.#h.tolerance;
  }
  /** 'probabilities' or 'logits' (container version 3): what decodeStep takes. */
  get input() {
    return this.#h.input;
  }
  /** The softmax temperature of a logits container (1 otherwise). */
  get temperature() {
    return this.#h.temperature;
  }
  /** Number of steps in the container. */
  get steps() {
    return this.#h.steps;
  }
  get stepsPerChunk() {
    return this.#h.stepsPerChunk;
  }
  get chunks() {
    return this.#h.chunks;
  }
  /** The stored model identifier bytes (a copy). */
  get modelId() {
    return this.#h.modelId.slice();
  }
  /** Steps decoded so far. */
  get position() {
    return this.#step;
  }
  /** Steps whose chunk has passed its symbols' CRC (symbols below this are verified): a
   * step succeeds at a chunk's end only once the chunk is verified. */
  get verifiedSteps() {
    const t = this.#step;
    return t === this.#h.steps ? t : t - (t % this.#h.stepsPerChunk);
  }

  /** As DistributionCoder.distributionView: a view of the reader's staging buffer. */
  distributionView(vocab, dtype = 'f32') {
    return this.#s.distributionView(vocab, dtype);
  }

  /** Decode the next step's symbol with `distribution` (as DistributionCoder.decodeStep).
   * A refused step changes nothing: after DC_ERR_FRAME_CHECKSUM the same step can be
   * decoded again (with the encoder's distributions it then passes). */
  decodeStep(distribution, dtype) {
    const s = this.#s;
    const rt = s.live('decodeStep');
    if (this.#step >= this.#h.steps) {
      // Before the argument is looked at (as C does: the distribution is not needed).
      const code = rt.codes.DC_ERR_FRAME_END;
      throw frameError(
        rt,
        code,
        `decodeStep: all ${this.#h.steps} steps of the container have been decoded`,
        { chunk: null, step: this.#step },
      );
    }
    s.stage(distribution, dtype, 'decodeStep');
    const p = s.stagedPtr;
    const r = rt.x.dc_frame_reader_decode_step(s.ptr, p, s.dtype, s.len, rt.scratch);
    if (r !== 0) {
      rt.x.dc_frame_reader_error_info(s.ptr, rt.scratch + ERR);
      if (rt.out64(ERR) === null) s.fail(r, 'decodeStep', p, 'distribution'); // not about a chunk
      s.failContent(r, p, 'distribution'); // about the argument, not the container
      throw containerError(rt, NO_BYTES, null); // a chunk's error, e.g. a corrupt stream
    }
    this.#step++;
    return rt.out32(0);
  }

  /** Frees the wasm reader. Idempotent. */
  free() {
    this.#s.release();
  }
}

disposable(FramedEncoder, FramedDecoder);
