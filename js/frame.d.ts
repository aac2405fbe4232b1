// Types for js/frame.js: the framed container (docs/FORMAT.md, "Framed container").
import type { Bytes, DecodeStep, DistributionViews, EncodeStep, Format, Input } from './index.js';

export interface FramedEncoderOptions {
  /** Stream format of every chunk. Default 'default'. */
  format?: Format;
  /** Tolerant mode (as DistributionCoder's option): tau in (0, 1e-2], stored in the header
   * (container version 2) so the decoder uses it. 0 or omitted: exact mode (version 1). */
  tolerance?: number;
  /** As DistributionCoder's option: 'logits' stores the input kind and the temperature in
   * the header (container version 3) so the decoder takes logits at that temperature. */
  input?: Input;
  /** As DistributionCoder's option (logits only; finite, > 0, default 1). */
  temperature?: number;
  /** Identifier the decoder must match (a string is stored as UTF-8), at most 65535 bytes. */
  modelId?: string | Uint8Array;
  /** Steps per chunk, 1 to 2^24. Default 4096. */
  stepsPerChunk?: number;
}

/** Writes a framed container; each chunk is one stream of the format. */
export class FramedEncoder {
  constructor(options?: FramedEncoderOptions);
  readonly format: Format;
  /** The tolerance the container is written with (0: exact mode). */
  readonly tolerance: number;
  /** 'probabilities' or 'logits' (container version 3). */
  readonly input: Input;
  /** The softmax temperature of logits (1 for probabilities). */
  readonly temperature: number;
  readonly stepsPerChunk: number;
  /** Steps encoded so far. */
  readonly steps: number;
  /** Same arguments and errors as DistributionCoder.encodeStep; a refused step changes nothing. */
  encodeStep: EncodeStep['encodeStep'];
  /** As DistributionCoder.distributionView: a view of this encoder's own block. */
  distributionView: DistributionViews['distributionView'];
  /** The container (a new copy each call). Later encodeStep calls throw (code DC_ERR_NOT_ENCODING). */
  finish(): Bytes;
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
  /** The container's tau as used (ceil(tau * 2^32) / 2^32); 0 for the exact mode. */
  tolerance: number;
  /** 'logits' for a version 3 container: decodeStep takes logits. */
  input: Input;
  /** The softmax temperature of a logits container; 1 otherwise. */
  temperature: number;
  modelId: Bytes;
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
  /** The container's tolerance (see FrameInfo.tolerance); the decoder uses it. */
  readonly tolerance: number;
  /** What decodeStep takes: 'logits' for a version 3 container, else 'probabilities'. */
  readonly input: Input;
  /** The softmax temperature of a logits container; 1 otherwise. */
  readonly temperature: number;
  readonly steps: number;
  readonly stepsPerChunk: number;
  readonly chunks: number;
  readonly modelId: Bytes;
  /** Steps decoded so far. */
  readonly position: number;
  /** Steps whose chunk passed its symbols' CRC: symbols below this index are verified. */
  readonly verifiedSteps: number;
  decodeStep: DecodeStep['decodeStep'];
  /** As DistributionCoder.distributionView: a view of this decoder's own block. */
  distributionView: DistributionViews['distributionView'];
  free(): void;
  [Symbol.dispose](): void;
}

/** CRC-32 (IEEE 802.3, as zlib) of bytes[start, end), computed by the module's dc_crc32. */
export function crc32(bytes: Uint8Array, start?: number, end?: number): number;
