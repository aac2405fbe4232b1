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
  /** Write a streaming container (docs/FORMAT.md 3.2): the step count is not in the header
   * but in an end record, so the header and each full chunk are final as soon as they are
   * made and take(), onChunk and `readable` give them out at once. Default false: the
   * container is final only at finish(). Any decoder of this library reads both. */
  streaming?: boolean;
  /** Called (synchronously) with each piece of the container as soon as it is final: with
   * `streaming`, the header when the encoder is created, each chunk from the encodeStep that
   * fills it, and the rest at finish(); without, everything at finish(). */
  onChunk?: (bytes: Bytes) => void;
}

/** The part of a WHATWG ReadableStream of bytes that FramedDecoder.feed reads (structural:
 * a DOM or Node ReadableStream, such as Response.body, is one). */
export interface ByteStreamLike {
  getReader(): {
    read(): Promise<{ done: true; value?: undefined } | { done: false; value: Uint8Array }>;
    releaseLock(): void;
  };
}

/** The runtime's ReadableStream type where the project's lib declares one (DOM, WebWorker,
 * @types/node); ByteStreamLike otherwise. */
export type ByteStream = typeof globalThis extends { ReadableStream: { prototype: infer S } }
  ? S
  : ByteStreamLike;

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
  /** Whether this writes a streaming container (options.streaming). */
  readonly streaming: boolean;
  /** The bytes completed since the last take() (possibly none): with `streaming`, the
   * header, then each chunk as soon as it is full; without, nothing before finish(). */
  take(): Bytes;
  /** A ReadableStream of the bytes not yet taken, each piece as soon as it is final (as
   * take()), closed by finish(), errored by free() before finish(). Created on first use:
   * `new Response(encoder.readable)`, `encoder.readable.pipeTo(...)`. */
  readonly readable: ByteStream;
  /** Closes the last chunk and returns the bytes not yet taken: the whole container if
   * take() was never called (a new copy each call; onChunk and `readable` get them too).
   * Later encodeStep calls throw (code DC_ERR_NOT_ENCODING). */
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

/** What whole-container and incremental decoders share. */
interface FramedDecoderBase {
  /** Steps decoded so far. */
  readonly position: number;
  /** Steps whose chunk passed its symbols' CRC: symbols below this index are verified. */
  readonly verifiedSteps: number;
  /** Steps that can be decoded now: those of the chunks that have arrived whole and passed
   * their data CRC. decodeStep beyond it throws (DC_ERR_FRAME_NEED_INPUT, or the chunk's
   * error). */
  readonly availableSteps: number;
  /** Whether the input is complete (end() accepted it; always true for a whole container). */
  readonly ended: boolean;
  decodeStep: DecodeStep['decodeStep'];
  /** As DistributionCoder.distributionView: a view of this decoder's own block. */
  distributionView: DistributionViews['distributionView'];
  free(): void;
  [Symbol.dispose](): void;
}

/**
 * A decoder of a whole framed container. The constructor checks magic, version, header CRC,
 * format, model id and that no chunk is missing; decodeStep checks each chunk's bytes (at
 * its first step) and symbols (at its last step). Errors are DistributionCoderErrors with
 * .code/.codeName (DC_ERR_FRAME_TRUNCATED, _MAGIC, _VERSION, _MODEL_ID, _CHECKSUM, _CORRUPT,
 * _END, _NEED_INPUT) and, for a chunk, .chunk, .firstStep, .endStep (exclusive), .step.
 * A refused step changes nothing, as in C: after DC_ERR_FRAME_CHECKSUM the step is undone
 * and can be decoded again (with the encoder's distribution it passes).
 */
export interface FramedDecoder extends FramedDecoderBase {
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
}

/**
 * A decoder fed the container's bytes as they arrive (new FramedDecoder(options)), with the
 * same checks and errors as the whole-container one: push() throws the header's errors as
 * soon as the header is complete, end() throws DC_ERR_FRAME_TRUNCATED if bytes are missing.
 * The header fields are null until the header has arrived; steps and chunks also until a
 * streaming container's end record has.
 */
export interface FramedStreamDecoder extends FramedDecoderBase {
  readonly format: Format | null;
  readonly tolerance: number | null;
  readonly input: Input | null;
  readonly temperature: number | null;
  readonly steps: number | null;
  readonly stepsPerChunk: number | null;
  readonly chunks: number | null;
  readonly modelId: Bytes | null;
  /** Appends the next bytes (copied). Refused bytes (a wrong header, bytes after the end)
   * throw and are not kept. */
  push(bytes: Uint8Array | ArrayBuffer): void;
  /** No more bytes: throws DC_ERR_FRAME_TRUNCATED (naming the first missing chunk) unless the
   * whole container has arrived; a refusal changes nothing. */
  end(): void;
  /**
   * Pushes every piece of `source` (a ReadableStream such as Response.body, or an (async)
   * iterable of bytes), yielding availableSteps after each, then calls end():
   * `for await (const n of dec.feed(res.body)) while (dec.position < n) dec.decodeStep(...)`.
   */
  feed(
    source:
      ByteStreamLike | AsyncIterable<Uint8Array | ArrayBuffer> | Iterable<Uint8Array | ArrayBuffer>,
  ): AsyncGenerator<number, void, undefined>;
}

export const FramedDecoder: {
  /** A decoder of the whole container `bytes` (a copy). */
  new (bytes: Uint8Array | ArrayBuffer, options?: FramedDecoderOptions): FramedDecoder;
  /** An incremental decoder: give it the bytes with push() or feed(), then end(). */
  new (options?: FramedDecoderOptions): FramedStreamDecoder;
  /** Header fields of a whole container without decoding it (and without a model id check). */
  inspect(bytes: Uint8Array | ArrayBuffer): FrameInfo;
  readonly prototype: FramedDecoder | FramedStreamDecoder;
};

/** CRC-32 (IEEE 802.3, as zlib) of bytes[start, end), computed by the module's dc_crc32. */
export function crc32(bytes: Uint8Array, start?: number, end?: number): number;
