// Loaded in the page by cross-runtime.test.mjs (served by scripts/serve-demo.mjs): compresses
// and decompresses with the byte model run by onnxruntime-web (wasm, one thread), the
// demo's set-up. Bytes cross page.evaluate as base64.
import * as dc from '/js/index.js';
import { compress, decompress, supportsTolerance } from '/examples/models/codec.mjs';
import { OnnxByteModel } from '/examples/models/onnx-model.mjs';

const ORT_DIR = '/node_modules/onnxruntime-web/dist/';
let modelBytes = null;
let ort = null;

async function model() {
  if (!ort) {
    ort = await import(ORT_DIR + 'ort.wasm.min.mjs');
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.wasmPaths = ORT_DIR;
    ort.env.logLevel = 'error';
    modelBytes = await (await fetch('/examples/models/byte-mlp.onnx')).arrayBuffer();
  }
  return OnnxByteModel.create(ort, modelBytes);
}

const fromB64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
function toB64(u8) {
  let s = '';
  for (let i = 0; i < u8.length; i += 0x8000)
    s += String.fromCharCode(...u8.subarray(i, i + 0x8000));
  return btoa(s);
}

export const hasTolerance = () => supportsTolerance(dc);

/** Compress with onnxruntime-web; encoderOptions as FramedEncoder's. */
export async function compressB64(textB64, encoderOptions) {
  const m = await model();
  try {
    return toB64(
      await compress(dc, m, OnnxByteModel.id, fromB64(textB64), undefined, encoderOptions),
    );
  } finally {
    await m.release();
  }
}

/** Decompress with onnxruntime-web: { bytes } or { error: { name, codeName, message } }. */
export async function decompressB64(fileB64) {
  const m = await model();
  try {
    const { bytes, verified } = await decompress(dc, m, fromB64(fileB64));
    return { bytes: toB64(bytes), verified };
  } catch (e) {
    return { error: { name: e.name, codeName: e.codeName, message: e.message } };
  } finally {
    await m.release();
  }
}
