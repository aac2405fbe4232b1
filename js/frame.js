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

function parseStreaming(v, what) {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new TypeError(`${what} must be a boolean; got ${show(v)}`);
  return v;
}

function parseOnChunk(f, what) {
  if (f === undefined) return null;
  if (typeof f !== 'function')
    throw new TypeError(`${what} must be a function (bytes: Uint8Array) => void; got ${show(f)}`);
  return f;
}

/** The options of new FramedEncoder() and new FramedDecoder(): name -> parser. */
export const FRAMED_ENCODER_OPTIONS = {
  format: parseFormat,
  tolerance: parseTolerance,
  input: parseInput,
  temperature: parseTemperature,
  stepsPerChunk: parseStepsPerChunk,
  modelId: parseModelId,
  streaming: parseStreaming,
  onChunk: parseOnChunk,
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

/** The error dc_frame_error_info (at scratch + ERR) describes, for a container of `total`
 * bytes so far whose first bytes are `b` (at least its header, when it has arrived). */
function containerError(rt, b, expected, total = b.length) {
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
        `framed container truncated in ${steps}: it ends at byte ${total}`,
        where,
      );
    if (code === c.DC_ERR_FRAME_CORRUPT)
      return frameError(
        rt,
        code,
        `framed container: ${steps} is damaged (its bytes fail their CRC-32)`,
        where,
      );
    if (code === c.DC_ERR_FRAME_NEED_INPUT)
      return frameError(
        rt,
        code,
        `decodeStep: step ${step} is in ${steps}, which has not fully arrived yet: push more bytes`,
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
  // a streaming container: N = 2^64 - 1 in the header, an end record after the full chunks
  const streaming = b.length >= 16 && b.subarray(8, 16).every((x) => x === 0xff);
  switch (code) {
    case c.DC_ERR_FRAME_NEED_INPUT:
      return frameError(
        rt,
        code,
        "decodeStep: the container's header has not fully arrived yet: push more bytes",
        where,
      );
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
      if (total >= headerSize)
        return frameError(
          rt,
          code,
          `framed container truncated: its end record is missing (it ends at byte ${total})`,
          where,
        );
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
      if (streaming && offset < total)
        return frameError(
          rt,
          code,
          `framed container is damaged at byte ${offset}: its end record fails its CRC-32 or disagrees with the chunks before it, or bytes follow its end`,
          where,
        );
      return frameError(
        rt,
        code,
        `framed container is damaged: bytes follow its last chunk (from byte ${offset})`,
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
  #streaming;
  #onChunk;
  #controller = null; // of `readable`, once asked for
  #readable = null;
  #steps = 0; // set when the writer is released
  #result = null; // what finish() returned
  #pending = NO_BYTES; // after finish: the bytes take() has not given out
  #freed = false;

  constructor(options) {
    const o = readOptions(options, FRAMED_ENCODER_OPTIONS, '');
    const { format, tolerance, input, temperature, stepsPerChunk, modelId, streaming, onChunk } = o;
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
    if (streaming) rt.x.dc_frame_writer_set_streaming(this.#s.ptr); // before any step: OK
    this.#format = format;
    this.#tolerance = tolerance;
    this.#input = input;
    this.#temperature = temperature;
    this.#perChunk = stepsPerChunk;
    this.#streaming = streaming;
    this.#onChunk = onChunk;
    this.#deliver(); // the header of a streaming container
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
  /** Whether this writes a streaming container (options.streaming). */
  get streaming() {
    return this.#streaming;
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
    if (this.#streaming) this.#deliver(); // a chunk that has just filled up
  }

  /** The bytes completed since the last take() (a new Uint8Array, possibly empty): for a
   * streaming encoder the header, then each chunk as soon as it is full; otherwise nothing
   * before finish(). */
  take() {
    if (this.#result !== null) {
      const b = this.#pending;
      this.#pending = NO_BYTES;
      return b;
    }
    const s = this.#s;
    const rt = s.live('take');
    const r = rt.x.dc_frame_writer_take(s.ptr, rt.scratch, rt.scratch + 4);
    rt.refresh();
    if (r !== 0) throw libraryError(rt, r, 'take');
    const p = rt.out32(0);
    return rt.u8.slice(p, p + rt.out32(1));
  }

  /** A ReadableStream of the container's bytes not yet taken: each piece as it completes
   * (see take()), closed by finish(). Created on first use. */
  get readable() {
    if (this.#readable === null) {
      if (typeof ReadableStream !== 'function')
        throw new TypeError('readable: this runtime has no ReadableStream; use onChunk or take()');
      this.#readable = new ReadableStream({
        start: (controller) => {
          this.#controller = controller;
        },
      });
      this.#deliver();
      if (this.#result !== null) this.#controller.close();
      else if (this.#freed) this.#controller.error(freedEarly());
    }
    return this.#readable;
  }

  /** Gives the bytes not yet taken to onChunk and `readable`, if there are any. */
  #deliver() {
    if (this.#onChunk === null && this.#controller === null) return;
    if (this.#freed && this.#result === null) return;
    const b = this.take();
    if (b.length === 0) return;
    if (this.#controller !== null) this.#controller.enqueue(this.#onChunk ? b.slice() : b);
    if (this.#onChunk !== null) this.#onChunk(b);
  }

  /** Closes the last chunk and returns the bytes not yet taken: the whole container when
   * take() was never called (a new Uint8Array each call). onChunk and `readable` get them
   * too. */
  finish() {
    if (this.#result === null) {
      const s = this.#s;
      const rt = s.live('finish');
      const r = rt.x.dc_frame_writer_finish(s.ptr, rt.scratch, rt.scratch + 4);
      rt.refresh();
      if (r !== 0) throw libraryError(rt, r, 'finish');
      const p = rt.out32(0);
      this.#result = rt.u8.slice(p, p + rt.out32(1));
      this.#pending = this.#result.slice();
      this.#release();
      this.#deliver();
      if (this.#controller !== null) this.#controller.close();
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
    if (!this.#freed && this.#result === null && this.#controller !== null)
      this.#controller.error(freedEarly());
    this.#freed = true;
    this.#release();
  }
}

function freedEarly() {
  return new TypeError('the FramedEncoder was freed before finish(): the container is incomplete');
}

// ---------------------------------------------------------------------------- decoder

const HEAD_MAX = 24 + MAX_MODEL_ID + 4; // the longest header

/** A plain options object (new FramedDecoder(options): an incremental decoder). */
function isOptions(x) {
  return (
    x !== null &&
    typeof x === 'object' &&
    !ArrayBuffer.isView(x) &&
    Object.prototype.toString.call(x) !== '[object ArrayBuffer]'
  );
}

/** dc_frame_reader_create_streaming; returns the reader pointer. */
function createStreamingReader(rt, expected) {
  let ip = 0;
  try {
    if (expected !== null) ip = rt.copyIn(expected, 'new FramedDecoder');
    const r = rt.x.dc_frame_reader_create_streaming(
      ip,
      expected === null ? 0 : expected.length,
      0,
      rt.scratch,
    );
    rt.refresh();
    if (r !== 0) throw libraryError(rt, r, 'new FramedDecoder');
    return rt.out32(0);
  } finally {
    if (ip) rt.x.free(ip);
  }
}

/** Reads a framed container (dc_frame_reader_*), whole or as its bytes arrive. See
 * js/frame.d.ts. */
export class FramedDecoder {
  #s;
  #h = null; // the header fields (readerInfo), once the header has arrived
  #step = 0;
  #expected = null; // incremental: the model id to match, the first bytes, the byte count
  #head = NO_BYTES;
  #received = 0;
  #ended = false;
  #whole = false; // made from a whole container

  /**
   * new FramedDecoder(bytes, options): checks the header and layout of a copy of `bytes`.
   * new FramedDecoder(options): an incremental decoder; give it the bytes with push() (or
   * feed()) and end(). options.modelId (string or Uint8Array; default: none) must equal
   * the container's; options.modelId === null skips the check.
   */
  constructor(bytes, options) {
    const incremental = options === undefined && (bytes === undefined || isOptions(bytes));
    const b = incremental ? null : toBytes(bytes, 'bytes');
    const { modelId } = readOptions(incremental ? bytes : options, FRAMED_DECODER_OPTIONS, '');
    const rt = runtime();
    let ptr;
    if (incremental) {
      ptr = createStreamingReader(rt, modelId);
      this.#expected = modelId;
    } else {
      ptr = createReader(rt, b, modelId);
      this.#h = readerInfo(rt, ptr);
      this.#ended = true;
      this.#whole = true;
    }
    this.#s = new Stage(
      rt,
      ptr,
      this,
      'FramedDecoder',
      'dc_frame_reader_free',
      'dc_frame_reader_staging_buffer',
      this.#h !== null && this.#h.format === 'python-0.1' ? 0 : 1,
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

  // The header fields: null until the header has arrived (incremental decoders).
  get format() {
    return this.#h?.format ?? null;
  }
  /** The container's tolerance (tolerant mode, ceil(tau * 2^32) / 2^32), 0 if exact. */
  get tolerance() {
    return this.#h?.tolerance ?? null;
  }
  /** 'probabilities' or 'logits' (container version 3): what decodeStep takes (null until
   * the header has arrived). */
  get input() {
    return this.#h?.input ?? null;
  }
  /** The softmax temperature of a logits container, 1 otherwise (null until the header). */
  get temperature() {
    return this.#h?.temperature ?? null;
  }
  /** Number of steps in the container (null while unknown: before the header, or before a
   * streaming container's end record). */
  get steps() {
    return this.#h?.steps ?? null;
  }
  get stepsPerChunk() {
    return this.#h?.stepsPerChunk ?? null;
  }
  get chunks() {
    return this.#h?.chunks ?? null;
  }
  /** The stored model identifier bytes (a copy). */
  get modelId() {
    return this.#h === null ? null : this.#h.modelId.slice();
  }
  /** Steps decoded so far. */
  get position() {
    return this.#step;
  }
  /** Steps whose chunk has passed its symbols' CRC (symbols below this are verified): a
   * step succeeds at a chunk's end only once the chunk is verified. */
  get verifiedSteps() {
    const t = this.#step;
    if (this.#h === null) return 0;
    return t === this.#h.steps ? t : t - (t % this.#h.stepsPerChunk);
  }
  /** Steps that can be decoded now: those of the chunks that have arrived whole and passed
   * their data CRC (all of them for a decoder made from the whole container). */
  get availableSteps() {
    const s = this.#s;
    return s.ptr === 0 ? this.#step : Number(s.rt.x.dc_frame_reader_available_steps(s.ptr));
  }
  /** Whether end() has accepted the input (always true for a whole-container decoder). */
  get ended() {
    return this.#ended;
  }

  /** Appends the next bytes of the container (copied). Throws the header's errors as soon
   * as the header is complete (DC_ERR_FRAME_MAGIC, _VERSION, _MODEL_ID, _CORRUPT, ...) and
   * DC_ERR_FRAME_CORRUPT for bytes after the container's end; refused bytes are not kept. */
  push(bytes) {
    const b = toBytes(bytes, 'bytes');
    const s = this.#s;
    const rt = s.live('push');
    if (this.#whole && b.length > 0)
      throw new TypeError('push: this FramedDecoder was made from a whole container');
    const p = rt.copyIn(b, 'push');
    let r;
    try {
      r = rt.x.dc_frame_reader_push(s.ptr, p, b.length);
      rt.refresh();
    } finally {
      rt.x.free(p);
    }
    const head =
      this.#h === null && this.#head.length < HEAD_MAX
        ? concat(this.#head, b.subarray(0, HEAD_MAX - this.#head.length))
        : this.#head;
    if (r !== 0) {
      if (r === rt.codes.DC_ERR_OUT_OF_MEMORY) throw libraryError(rt, r, 'push');
      rt.x.dc_frame_reader_error_info(s.ptr, rt.scratch + ERR);
      throw containerError(rt, head, this.#expected, this.#received + b.length);
    }
    this.#received += b.length;
    this.#head = head;
    if (this.#h === null || this.#h.steps === null) this.#readHeader();
  }

  /** The header fields, once they have arrived (and the step count, once known). */
  #readHeader() {
    const s = this.#s;
    const rt = s.rt;
    if (rt.x.dc_frame_reader_info(s.ptr, rt.scratch + ERR) !== 0) return; // not yet
    const first = this.#h === null;
    const headerSize = rt.out32((ERR + 28) / 4); // dc_frame_info.header_size
    this.#h = readerInfo(rt, s.ptr);
    if (first) {
      this.#head = this.#head.slice(0, headerSize);
      s.plainDtype = this.#h.format === 'python-0.1' ? 0 : 1;
    }
  }

  /** No more bytes: throws DC_ERR_FRAME_TRUNCATED (naming the first missing chunk) unless
   * the whole container has arrived. A refusal changes nothing: more bytes may be pushed. */
  end() {
    const s = this.#s;
    const rt = s.live('end');
    const r = rt.x.dc_frame_reader_end(s.ptr);
    if (r !== 0) {
      rt.x.dc_frame_reader_error_info(s.ptr, rt.scratch + ERR);
      throw containerError(rt, this.#head, this.#expected, this.#received);
    }
    this.#ended = true;
  }

  /**
   * Pushes every piece of `source` (a ReadableStream such as Response.body, or an
   * (async) iterable of Uint8Array / ArrayBuffer), yielding availableSteps after each
   * piece, then calls end(). For `for await (const n of decoder.feed(body))` loops that
   * decode steps while the bytes download.
   */
  async *feed(source) {
    if (source !== null && typeof source === 'object' && typeof source.getReader === 'function') {
      const reader = source.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          this.push(value);
          yield this.availableSteps;
        }
      } finally {
        reader.releaseLock();
      }
    } else if (
      source !== null &&
      (typeof source?.[Symbol.asyncIterator] === 'function' ||
        typeof source?.[Symbol.iterator] === 'function')
    ) {
      for await (const piece of source) {
        this.push(piece);
        yield this.availableSteps;
      }
    } else {
      throw new TypeError(
        `feed: source must be a ReadableStream or an (async) iterable of Uint8Array; got ${show(source)}`,
      );
    }
    this.end();
  }

  /** As DistributionCoder.distributionView: a view of the reader's staging buffer. */
  distributionView(vocab, dtype = 'f32') {
    return this.#s.distributionView(vocab, dtype);
  }

  /** Decode the next step's symbol with `distribution` (as DistributionCoder.decodeStep).
   * A refused step changes nothing: after DC_ERR_FRAME_CHECKSUM the same step can be
   * decoded again (with the encoder's distributions it then passes); after
   * DC_ERR_FRAME_NEED_INPUT, once more bytes have been pushed. */
  decodeStep(distribution, dtype) {
    const s = this.#s;
    const rt = s.live('decodeStep');
    const steps = this.steps;
    if (steps !== null && this.#step >= steps) {
      // Before the argument is looked at (as C does: the distribution is not needed).
      const code = rt.codes.DC_ERR_FRAME_END;
      throw frameError(
        rt,
        code,
        `decodeStep: all ${steps} steps of the container have been decoded`,
        { chunk: null, step: this.#step },
      );
    }
    if (this.#h === null) {
      // no header yet (so no coder to stage in): C says so without the distribution
      rt.x.dc_frame_reader_decode_step(s.ptr, 0, 0, 0, rt.scratch);
      rt.x.dc_frame_reader_error_info(s.ptr, rt.scratch + ERR);
      throw containerError(rt, this.#head, this.#expected, this.#received);
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

function concat(a, b) {
  if (a.length === 0) return b.slice();
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

disposable(FramedEncoder, FramedDecoder);
