// Types for js/frame.js: the framed container (docs/FORMAT.md, "Framed container").
import type { DType, Distribution, Format } from './index.js';

export interface FramedEncoderOptions {
  /** Stream format of every chunk. Default 'default'. */
  format?: Format;
  /** Identifier the decoder must match (a string is stored as UTF-8), at most 65535 bytes. */
  modelId?: string | Uint8Array;
  /** Steps per chunk, 1 to 2^24. Default 4096. */
  stepsPerChunk?: number;
}

/** Writes a framed container; each chunk is one stream of the format. */
export class FramedEncoder {
  constructor(options?: FramedEncoderOptions);
  readonly format: Format;
  readonly stepsPerChunk: number;
  /** Steps encoded so far. */
  readonly steps: number;
  /** Same arguments and errors as DistributionCoder.encodeStep; a refused step changes nothing. */
  encodeStep(distribution: Distribution, symbol: number, dtype?: DType): void;
  /** As DistributionCoder.distributionView: a view of this encoder's staging buffer. */
  distributionView(vocab: number, dtype: 'f64'): Float64Array;
  distributionView(vocab: number, dtype: 'f16' | 'bf16'): Uint16Array;
  distributionView(vocab: number, dtype?: 'f32'): Float32Array;
  distributionView(vocab: number, dtype?: DType): Float32Array | Float64Array | Uint16Array;
  /** The container (a new copy each call). Later encodeStep calls throw (code DC_ERR_NOT_ENCODING). */
  finish(): Uint8Array;
  /** Frees the wasm coder (finish() also does). Idempotent. */
  free(): void;
  [Symbol.dispose](): void;
}

export interface FramedDecoderOptions {
  /** The model id the container must name; default: none (an empty id). null skips the check. */
  modelId?: string | Uint8Array | null;
}

export interface FrameInfo {
  format: Format;
  steps: number;
  stepsPerChunk: number;
  chunks: number;
  modelId: Uint8Array;
}

/**
 * Reads a framed container. The constructor checks magic, version, header CRC, format,
 * model id and that no chunk is missing; decodeStep checks each chunk's bytes (at its
 * first step) and symbols (at its last step). Errors are DistributionCoderErrors with
 * .code/.codeName (DC_ERR_FRAME_TRUNCATED, _MAGIC, _VERSION, _MODEL_ID, _CHECKSUM,
 * _CORRUPT, _END) and, for a chunk, .chunk, .firstStep, .endStep (exclusive), .step.
 * A refused step changes nothing, as in C: after DC_ERR_FRAME_CHECKSUM the step is undone
 * and can be decoded again (with the encoder's distribution it passes).
 */
export class FramedDecoder {
  constructor(bytes: Uint8Array | ArrayBuffer, options?: FramedDecoderOptions);
  static inspect(bytes: Uint8Array | ArrayBuffer): FrameInfo;
  readonly format: Format;
  readonly steps: number;
  readonly stepsPerChunk: number;
  readonly chunks: number;
  readonly modelId: Uint8Array;
  /** Steps decoded so far. */
  readonly position: number;
  /** Steps whose chunk passed its symbols' CRC: symbols below this index are verified. */
  readonly verifiedSteps: number;
  decodeStep(distribution: Distribution, dtype?: DType): number;
  /** As DistributionCoder.distributionView: a view of this decoder's staging buffer. */
  distributionView(vocab: number, dtype: 'f64'): Float64Array;
  distributionView(vocab: number, dtype: 'f16' | 'bf16'): Uint16Array;
  distributionView(vocab: number, dtype?: 'f32'): Float32Array;
  distributionView(vocab: number, dtype?: DType): Float32Array | Float64Array | Uint16Array;
  free(): void;
  [Symbol.dispose](): void;
}

/** CRC-32 (IEEE 802.3, as zlib) of bytes[start, end), computed by the module's dc_crc32. */
export function crc32(bytes: Uint8Array, start?: number, end?: number): number;
