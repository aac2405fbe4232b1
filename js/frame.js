// distribution-coder: the framed container (docs/FORMAT.md, "Framed container").
// FramedEncoder / FramedDecoder write and read the same bytes as the C API dc_frame_*:
// a header (magic, version, format, step count, steps per chunk, model identifier,
// CRC-32), then chunks of steps, each an independent stream of the format coded by a
// DistributionCoder, guarded by a CRC-32 of its bytes and closed by a CRC-32 of its symbols.
// Errors are DistributionCoderErrors whose .code / .codeName name the problem and, for a
// chunk, .chunk / .firstStep / .endStep / .step say where.
import { DistributionCoderError, show, toBytes } from './runtime.js';
import { DistributionCoder, disposable } from './coder.js';

const MAGIC = [0x89, 0x44, 0x43, 0x46]; // "\x89DCF"
const VERSION = 1;
const FIXED_HEADER = 20; // magic 4, version 1, format 1, id length 2, steps 8, per chunk 4
const CHUNK_OVERHEAD = 12; // length 4, data CRC 4, symbols CRC 4
const MAX_MODEL_ID = 65535;
const MAX_STEPS_PER_CHUNK = 1 << 24;
const DEFAULT_STEPS_PER_CHUNK = 4096;
const FORMAT_CODES = { default: 0, 'python-0.1': 1 };
const FORMAT_NAMES = ['default', 'python-0.1'];

// dc_result values of the container (pinned in distribution_coder.h).
const CODES = {
  DC_ERR_BAD_FORMAT: 3,
  DC_ERR_NOT_ENCODING: 10,
  DC_ERR_FRAME_TRUNCATED: 16,
  DC_ERR_FRAME_MAGIC: 17,
  DC_ERR_FRAME_VERSION: 18,
  DC_ERR_FRAME_MODEL_ID: 19,
  DC_ERR_FRAME_CHECKSUM: 20,
  DC_ERR_FRAME_CORRUPT: 21,
  DC_ERR_FRAME_END: 22,
};

// ---------------------------------------------------------------------------- CRC-32

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32 register update (the register is the inverted CRC). */
function crcUpdate(reg, bytes, start, end) {
  for (let i = start; i < end; i++) reg = CRC_TABLE[(reg ^ bytes[i]) & 255] ^ (reg >>> 8);
  return reg >>> 0;
}

function crcSymbol(reg, s) {
  reg = CRC_TABLE[(reg ^ s) & 255] ^ (reg >>> 8);
  reg = CRC_TABLE[(reg ^ (s >>> 8)) & 255] ^ (reg >>> 8);
  reg = CRC_TABLE[(reg ^ (s >>> 16)) & 255] ^ (reg >>> 8);
  reg = CRC_TABLE[(reg ^ (s >>> 24)) & 255] ^ (reg >>> 8);
  return reg >>> 0;
}

/** CRC-32 (IEEE 802.3, as zlib's crc32) of bytes[start, end). */
export function crc32(bytes, start = 0, end = bytes.length) {
  return (crcUpdate(0xffffffff, bytes, start, end) ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------- helpers

function frameError(code, message, where) {
  const name = Object.keys(CODES).find((k) => CODES[k] === code);
  const err = new DistributionCoderError(`${message} (${name})`, code, name);
  if (where) Object.assign(err, where);
  return err;
}

function modelIdBytes(id, what) {
  if (id === undefined) return new Uint8Array(0);
  let b;
  if (typeof id === 'string') b = new TextEncoder().encode(id);
  else if (ArrayBuffer.isView(id) && id[Symbol.toStringTag] === 'Uint8Array') b = id.slice();
  else throw new TypeError(`${what} must be a string (stored as UTF-8) or a Uint8Array; got ${show(id)}`);
  if (b.length > MAX_MODEL_ID) throw new RangeError(`${what} is ${b.length} bytes, above the maximum ${MAX_MODEL_ID}`);
  return b;
}

function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const rd32 = (b, o) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;

function wr32(b, o, v) {
  b[o] = v & 255; b[o + 1] = (v >>> 8) & 255; b[o + 2] = (v >>> 16) & 255; b[o + 3] = (v >>> 24) & 255;
}

/**
 * Reads and checks a container's header and chunk layout (no decoding). `expected` is the
 * model id bytes to match, or null to skip the check. Returns the header fields and the
 * chunks' byte offsets; throws a DistributionCoderError naming the problem.
 */
function parse(b, expected) {
  const where = (offset) => ({ chunk: null, offset });
  if (b.length < 4) {
    for (let i = 0; i < b.length; i++) {
      if (b[i] !== MAGIC[i]) throw frameError(CODES.DC_ERR_FRAME_MAGIC, 'not a framed container: wrong magic bytes', where(0));
    }
    throw frameError(CODES.DC_ERR_FRAME_TRUNCATED, `framed container truncated: ${b.length} bytes, the header alone needs more`, where(b.length));
  }
  for (let i = 0; i < 4; i++) {
    if (b[i] !== MAGIC[i]) throw frameError(CODES.DC_ERR_FRAME_MAGIC, 'not a framed container: wrong magic bytes', where(0));
  }
  if (b.length < 5) throw frameError(CODES.DC_ERR_FRAME_TRUNCATED, 'framed container truncated inside its header', where(b.length));
  if (b[4] !== VERSION) throw frameError(CODES.DC_ERR_FRAME_VERSION, `framed container version ${b[4]} is not supported (this library reads version ${VERSION})`, where(4));
  if (b.length < 8) throw frameError(CODES.DC_ERR_FRAME_TRUNCATED, 'framed container truncated inside its header', where(b.length));
  const idLen = b[6] | (b[7] << 8);
  const headerSize = FIXED_HEADER + idLen + 4;
  if (b.length < headerSize) throw frameError(CODES.DC_ERR_FRAME_TRUNCATED, `framed container truncated inside its header (${b.length} of ${headerSize} bytes)`, where(b.length));
  if (crc32(b, 0, headerSize - 4) !== rd32(b, headerSize - 4)) throw frameError(CODES.DC_ERR_FRAME_CORRUPT, 'framed container header is damaged (its CRC-32 does not match)', where(headerSize - 4));
  const format = b[5];
  if (format !== 0 && format !== 1) throw frameError(CODES.DC_ERR_BAD_FORMAT, `framed container names unknown stream format ${format}`, where(5));
  const steps = BigInt(rd32(b, 8)) | (BigInt(rd32(b, 12)) << 32n);
  const perChunk = rd32(b, 16);
  if (perChunk === 0 || perChunk > MAX_STEPS_PER_CHUNK) throw frameError(CODES.DC_ERR_FRAME_CORRUPT, `framed container header is damaged (steps per chunk ${perChunk})`, where(16));
  const modelId = b.slice(FIXED_HEADER, FIXED_HEADER + idLen);
  if (expected !== null && !sameBytes(expected, modelId)) {
    throw frameError(CODES.DC_ERR_FRAME_MODEL_ID, `framed container was written for model id ${JSON.stringify(new TextDecoder().decode(modelId))}, not ${JSON.stringify(new TextDecoder().decode(expected))}`, where(FIXED_HEADER));
  }
  const per = BigInt(perChunk);
  const chunkCount = steps / per + (steps % per !== 0n ? 1n : 0n);
  const offsets = [];
  let off = headerSize;
  for (let c = 0n; c < chunkCount; c++) {
    if (b.length - off < CHUNK_OVERHEAD || b.length - off - CHUNK_OVERHEAD < rd32(b, off)) {
      const first = c * per;
      const end = steps - first < per ? steps : first + per;
      throw frameError(CODES.DC_ERR_FRAME_TRUNCATED, `framed container truncated in chunk ${c} (steps ${first} to ${end - 1n}): it ends at byte ${b.length}`,
        { chunk: Number(c), firstStep: Number(first), endStep: Number(end), step: Number(first), offset: off });
    }
    offsets.push(off);
    off += CHUNK_OVERHEAD + rd32(b, off);
  }
  if (off !== b.length) throw frameError(CODES.DC_ERR_FRAME_CORRUPT, `framed container is damaged: ${b.length - off} bytes follow its last chunk`, where(off));
  return { format: FORMAT_NAMES[format], steps: Number(steps), stepsPerChunk: perChunk, modelId, headerSize, offsets };
}

// ---------------------------------------------------------------------------- encoder

/** Writes a framed container. See js/index.d.ts. */
export class FramedEncoder {
  #coder;
  #format;
  #modelId;
  #perChunk;
  #chunks = []; // closed chunks: Uint8Arrays of length + CRC + stream + symbols CRC
  #chunkBytes = 0;
  #chunkSteps = 0;
  #crc = 0xffffffff;
  #steps = 0;
  #result = null;
  #freed = false;

  constructor(options = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object; got ${show(options)}`);
    const format = options.format === undefined ? 'default' : options.format;
    if (typeof format !== 'string' || !Object.hasOwn(FORMAT_CODES, format)) throw new RangeError(`options.format must be 'default' or 'python-0.1'; got ${show(format)}`);
    const per = options.stepsPerChunk === undefined ? DEFAULT_STEPS_PER_CHUNK : options.stepsPerChunk;
    if (typeof per !== 'number' || !Number.isInteger(per) || per < 1 || per > MAX_STEPS_PER_CHUNK) {
      throw new RangeError(`options.stepsPerChunk must be an integer from 1 to ${MAX_STEPS_PER_CHUNK}; got ${show(per)}`);
    }
    this.#modelId = modelIdBytes(options.modelId, 'options.modelId');
    this.#format = format;
    this.#perChunk = per;
    this.#coder = new DistributionCoder({ format });
  }

  get format() { return this.#format; }
  get stepsPerChunk() { return this.#perChunk; }
  /** Steps encoded so far. */
  get steps() { return this.#steps; }

  #closeChunk() {
    if (this.#chunkSteps === 0) return;
    const stream = this.#coder.finishEncoding(); // a copy; calling it again is harmless
    const chunk = new Uint8Array(stream.length + CHUNK_OVERHEAD);
    wr32(chunk, 0, stream.length);
    chunk.set(stream, 8);
    wr32(chunk, 4, (crcUpdate(crcUpdate(0xffffffff, chunk, 0, 4), stream, 0, stream.length) ^ 0xffffffff) >>> 0);
    wr32(chunk, 8 + stream.length, (this.#crc ^ 0xffffffff) >>> 0);
    this.#coder.reset();
    this.#chunks.push(chunk);
    this.#chunkBytes += chunk.length;
    this.#chunkSteps = 0;
    this.#crc = 0xffffffff;
  }

  /** Encode `symbol` with `distribution` (same arguments as DistributionCoder.encodeStep). */
  encodeStep(distribution, symbol, dtype) {
    if (this.#freed) throw new TypeError('encodeStep: this FramedEncoder has been freed');
    if (this.#result !== null) {
      const err = new TypeError('encodeStep: the FramedEncoder has finished; create a new one to encode another container');
      err.code = CODES.DC_ERR_NOT_ENCODING;
      err.codeName = 'DC_ERR_NOT_ENCODING';
      throw err;
    }
    if (this.#chunkSteps === this.#perChunk) this.#closeChunk();
    this.#coder.encodeStep(distribution, symbol, dtype); // throws before changing anything
    this.#crc = crcSymbol(this.#crc, symbol);
    this.#chunkSteps++;
    this.#steps++;
  }

  /** Closes the last chunk and returns the container (a new Uint8Array each call). */
  finish() {
    if (this.#freed && this.#result === null) throw new TypeError('finish: this FramedEncoder has been freed');
    if (this.#result === null) {
      this.#closeChunk();
      const idLen = this.#modelId.length;
      const headerSize = FIXED_HEADER + idLen + 4;
      const out = new Uint8Array(headerSize + this.#chunkBytes);
      out.set(MAGIC, 0);
      out[4] = VERSION;
      out[5] = FORMAT_CODES[this.#format];
      out[6] = idLen & 255;
      out[7] = idLen >>> 8;
      wr32(out, 8, this.#steps >>> 0);
      wr32(out, 12, Math.floor(this.#steps / 4294967296));
      wr32(out, 16, this.#perChunk);
      out.set(this.#modelId, FIXED_HEADER);
      wr32(out, headerSize - 4, crc32(out, 0, headerSize - 4));
      let off = headerSize;
      for (const c of this.#chunks) {
        out.set(c, off);
        off += c.length;
      }
      this.#chunks = [];
      this.#result = out;
      this.#coder.free();
    }
    return this.#result.slice();
  }

  /** Frees the wasm coder (finish() does too). Idempotent. */
  free() {
    this.#freed = true;
    this.#chunks = [];
    this.#coder.free();
  }
}

// ---------------------------------------------------------------------------- decoder

/** Reads a framed container. See js/index.d.ts. */
export class FramedDecoder {
  #coder;
  #bytes;
  #h;
  #step = 0;
  #chunk = 0;
  #started = false;
  #crc = 0xffffffff;
  #failed = null; // a chunk that failed its symbols' CRC: decoding stops there
  #freed = false;

  /**
   * Checks the header and layout of a copy of `bytes`. options.modelId (string or
   * Uint8Array; default: none) must equal the container's; options.modelId === null skips
   * the check.
   */
  constructor(bytes, options = {}) {
    const b = toBytes(bytes, 'bytes').slice();
    if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object; got ${show(options)}`);
    const expected = options.modelId === null ? null : modelIdBytes(options.modelId, 'options.modelId');
    this.#h = parse(b, expected);
    this.#bytes = b;
    this.#coder = new DistributionCoder({ format: this.#h.format });
  }

  /** Header fields of a container without decoding it (and without a model id check). */
  static inspect(bytes) {
    const h = parse(toBytes(bytes, 'bytes'), null);
    return { format: h.format, steps: h.steps, stepsPerChunk: h.stepsPerChunk, chunks: h.offsets.length, modelId: h.modelId };
  }

  get format() { return this.#h.format; }
  /** Number of steps in the container. */
  get steps() { return this.#h.steps; }
  get stepsPerChunk() { return this.#h.stepsPerChunk; }
  get chunks() { return this.#h.offsets.length; }
  /** The stored model identifier bytes (a copy). */
  get modelId() { return this.#h.modelId.slice(); }
  /** Steps decoded so far. */
  get position() { return this.#step; }
  /** Steps whose chunk has passed its symbols' CRC (symbols below this are verified). */
  get verifiedSteps() { return Math.min(this.#chunk * this.#h.stepsPerChunk, this.#h.steps); }

  #where(step) {
    const per = this.#h.stepsPerChunk;
    const first = this.#chunk * per;
    return { chunk: this.#chunk, firstStep: first, endStep: Math.min(first + per, this.#h.steps), step, offset: this.#h.offsets[this.#chunk] };
  }

  /** Decode the next step's symbol with `distribution` (as DistributionCoder.decodeStep). */
  decodeStep(distribution, dtype) {
    if (this.#freed) throw new TypeError('decodeStep: this FramedDecoder has been freed');
    if (this.#failed !== null) throw this.#failed;
    const step = this.#step;
    if (step >= this.#h.steps) throw frameError(CODES.DC_ERR_FRAME_END, `decodeStep: all ${this.#h.steps} steps of the container have been decoded`, { chunk: null, step });
    const off = this.#h.offsets[this.#chunk];
    const b = this.#bytes;
    const len = rd32(b, off);
    if (!this.#started) {
      const w = this.#where(step);
      if ((crcUpdate(crcUpdate(0xffffffff, b, off, off + 4), b, off + 8, off + 8 + len) ^ 0xffffffff) >>> 0 !== rd32(b, off + 4)) {
        throw frameError(CODES.DC_ERR_FRAME_CORRUPT, `framed container: chunk ${w.chunk} (steps ${w.firstStep} to ${w.endStep - 1}) is damaged (its bytes fail their CRC-32)`, w);
      }
      this.#coder.startDecoding(b.subarray(off + 8, off + 8 + len));
      this.#started = true;
      this.#crc = 0xffffffff;
    }
    let symbol;
    try {
      symbol = this.#coder.decodeStep(distribution, dtype);
    } catch (e) {
      if (e instanceof DistributionCoderError) Object.assign(e, this.#where(step)); // e.g. a corrupt stream
      throw e;
    }
    const crc = crcSymbol(this.#crc, symbol);
    const per = this.#h.stepsPerChunk;
    if (step + 1 === this.#h.steps || (step + 1) % per === 0) {
      if (((crc ^ 0xffffffff) >>> 0) !== rd32(b, off + 8 + len)) {
        const w = this.#where(step);
        this.#failed = frameError(CODES.DC_ERR_FRAME_CHECKSUM,
          `framed container: chunk ${w.chunk} (steps ${w.firstStep} to ${w.endStep - 1}) decoded to symbols that fail their CRC-32: the distributions differ from the encoder's`, w);
        throw this.#failed;
      }
      this.#chunk++;
      this.#started = false;
    }
    this.#crc = crc;
    this.#step = step + 1;
    return symbol;
  }

  /** Frees the wasm coder. Idempotent. */
  free() {
    this.#freed = true;
    this.#coder.free();
  }
}

disposable(FramedEncoder, FramedDecoder);
