// Compress and decompress bytes with a predictive model and a DistributionCoder.
//
// A model is an object with:
//   vocab   256 (one symbol per byte)
//   dtype   'f32' or 'f64': the element type it writes
//   predict(out)  writes P(next byte = b), b = 0..255, into out (may return a Promise)
//   update(byte)  learns the byte that came (may return a Promise)
// The distribution goes into the coder's own distributionView(): the model writes straight
// into wasm memory and encodeStep/decodeStep read it there, without a copy.
//
// The DistributionCoder class is passed in (rather than imported) so the same file serves
// Node (import from 'distribution-coder'), a browser page and a Web Worker (import from a URL).

import { crc32, pack, unpack } from './container.mjs';

const PROGRESS_EVERY = 1024;

/**
 * Compress `bytes` (Uint8Array). Returns the container bytes (see container.mjs).
 * onProgress(done, total) is called every 1024 bytes and at the end.
 */
export async function compress(DistributionCoder, model, modelId, bytes, onProgress) {
  const coder = new DistributionCoder();
  try {
    // An English text takes about 2-3 bits a byte: reserving a third of its size up front
    // keeps the output buffer (and so wasm memory) from growing during most runs.
    coder.reserveOutput((bytes.length >>> 2) + 64);
    for (let i = 0; i < bytes.length; i++) {
      // distributionView() hands back the same view each call unless wasm memory grew
      // (then the old view is detached and a new one is made): cheap, and always valid.
      const view = coder.distributionView(model.vocab, model.dtype);
      const r = model.predict(view);
      if (r !== undefined && typeof r.then === 'function') await r;
      coder.encodeStep(view, bytes[i]);
      const u = model.update(bytes[i]);
      if (u !== undefined && typeof u.then === 'function') await u;
      if (onProgress && (i + 1) % PROGRESS_EVERY === 0) await onProgress(i + 1, bytes.length);
    }
    const stream = coder.finishEncoding();
    if (onProgress) await onProgress(bytes.length, bytes.length);
    return pack({ modelId, length: bytes.length, crc: crc32(bytes), stream });
  } finally {
    coder.free();
  }
}

/** Read the header of a compressed file: { modelId, length, crc, stream }. */
export { unpack };

/**
 * Decompress container bytes made by compress() with the same kind of model (a fresh one).
 * Returns { bytes, verified }: verified is true when the CRC-32 of the result matches the
 * one stored at compression time.
 */
export async function decompress(DistributionCoder, model, file, onProgress) {
  const { length, crc, stream } = unpack(file);
  const coder = new DistributionCoder();
  const out = new Uint8Array(length);
  try {
    coder.startDecoding(stream);
    for (let i = 0; i < length; i++) {
      const view = coder.distributionView(model.vocab, model.dtype);
      const r = model.predict(view);
      if (r !== undefined && typeof r.then === 'function') await r;
      const b = coder.decodeStep(view);
      out[i] = b;
      const u = model.update(b);
      if (u !== undefined && typeof u.then === 'function') await u;
      if (onProgress && (i + 1) % PROGRESS_EVERY === 0) await onProgress(i + 1, length);
    }
    if (onProgress) await onProgress(length, length);
  } finally {
    coder.free();
  }
  return { bytes: out, verified: crc32(out) === crc };
}
