// Compress and decompress bytes with a predictive model and the library's framed container
// (FramedEncoder / FramedDecoder: docs/FORMAT.md, "Framed container").
//
// A model is an object with:
//   vocab   256 (one symbol per byte)
//   dtype   'f32' or 'f64': the element type it writes
//   predict(out)  writes P(next byte = b), b = 0..255, into out (may return a Promise)
//   update(byte)  learns the byte that came (may return a Promise)
//   and its class has a numeric static `id` (1: context mixing, 2: ONNX network).
// The distribution goes into the encoder's own distributionView(): the model writes straight
// into wasm memory and encodeStep/decodeStep read it there, without a copy.
//
// The container stores the step count (the byte length), the model id (the decoder refuses
// a file made with another model) and a CRC-32 of each chunk's bytes and of its symbols (a
// damaged file or different numbers are reported, never returned as other bytes).
//
// The library ({ FramedEncoder, FramedDecoder }) is passed in (rather than imported) so the
// same file serves Node (import from 'distribution-coder'), a browser page and a Web Worker
// (import from a URL).

const PROGRESS_EVERY = 1024;
const MODEL_ID_PREFIX = 'distribution-coder-example/';

/** The container's model identifier for a model class id. */
export function containerModelId(id) {
  return MODEL_ID_PREFIX + id;
}

/** The model class id a compressed file names (FramedDecoder.inspect reads its header). */
export function modelIdOf(lib, file) {
  const name = new TextDecoder().decode(lib.FramedDecoder.inspect(file).modelId);
  if (!name.startsWith(MODEL_ID_PREFIX))
    throw new Error(`not a compressed file of this example (model id ${JSON.stringify(name)})`);
  return Number(name.slice(MODEL_ID_PREFIX.length));
}

/**
 * Compress `bytes` (Uint8Array) with `model`, whose class id is `modelId`. Returns the
 * container bytes. onProgress(done, total) is called every 1024 bytes and at the end.
 * encoderOptions go to FramedEncoder (e.g. { tolerance }, when the file is to be decoded by
 * another runtime: docs/cross-runtime.md).
 */
export async function compress(lib, model, modelId, bytes, onProgress, encoderOptions = {}) {
  const enc = new lib.FramedEncoder({ ...encoderOptions, modelId: containerModelId(modelId) });
  try {
    for (let i = 0; i < bytes.length; i++) {
      // distributionView() hands back the same view each call unless wasm memory grew
      // (then the old view is detached and a new one is made): cheap, and always valid.
      const view = enc.distributionView(model.vocab, model.dtype);
      const r = model.predict(view);
      if (r !== undefined && typeof r.then === 'function') await r;
      enc.encodeStep(view, bytes[i]);
      const u = model.update(bytes[i]);
      if (u !== undefined && typeof u.then === 'function') await u;
      if (onProgress && (i + 1) % PROGRESS_EVERY === 0) await onProgress(i + 1, bytes.length);
    }
    const file = enc.finish();
    if (onProgress) await onProgress(bytes.length, bytes.length);
    return file;
  } finally {
    enc.free();
  }
}

/**
 * Decompress a file made by compress() with the same kind of model (a fresh one). Returns
 * { bytes, verified, tolerance }: verified is true when every chunk passed its symbols' CRC-32 (a
 * mismatch throws a DistributionCoderError naming the chunk, as does a damaged file or a
 * file made with another model).
 */
export async function decompress(lib, model, file, onProgress) {
  const dec = new lib.FramedDecoder(file, { modelId: containerModelId(model.constructor.id) });
  const length = dec.steps;
  const out = new Uint8Array(length);
  try {
    for (let i = 0; i < length; i++) {
      const view = dec.distributionView(model.vocab, model.dtype);
      const r = model.predict(view);
      if (r !== undefined && typeof r.then === 'function') await r;
      const b = dec.decodeStep(view);
      out[i] = b;
      const u = model.update(b);
      if (u !== undefined && typeof u.then === 'function') await u;
      if (onProgress && (i + 1) % PROGRESS_EVERY === 0) await onProgress(i + 1, length);
    }
    if (onProgress) await onProgress(length, length);
    // tolerance: the file's tau when it was written in the tolerant mode (null otherwise).
    return { bytes: out, verified: dec.verifiedSteps === length, tolerance: dec.tolerance ?? null };
  } finally {
    dec.free();
  }
}

/**
 * Whether this build of the library has the tolerant mode (issue #12): FramedEncoder accepts
 * { tolerance } and writes it (a build that refuses the unknown option, or one that would
 * ignore it and write the exact container, does not have it).
 */
export function supportsTolerance(lib, tolerance = 1e-5) {
  const empty = (options) => {
    const enc = new lib.FramedEncoder(options);
    try {
      return enc.finish();
    } finally {
      enc.free();
    }
  };
  let tolerant;
  try {
    tolerant = empty({ tolerance });
  } catch (e) {
    if (e instanceof TypeError || e instanceof RangeError) return false;
    throw e;
  }
  const exact = empty({});
  return tolerant.length !== exact.length || tolerant.some((b, i) => b !== exact[i]);
}

/**
 * The tolerance for files decoded by another float32 runtime (onnxruntime-node vs
 * onnxruntime-web): 6.5x the largest relative difference measured between them, 1.53e-5
 * (docs/cross-runtime.md, npm run bench:cross-runtime).
 */
export const FLOAT32_TOLERANCE = 1e-4;
