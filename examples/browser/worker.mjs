// Web Worker: runs the model and the coder off the page's main thread.
// Messages in:  { type: 'compress', model: 'cm' | 'onnx', bytes: ArrayBuffer }
//               { type: 'decompress', file: ArrayBuffer }
// Messages out: { type: 'progress', done, total }
//               { type: 'compressed', file: ArrayBuffer, ms, modelLabel }
//               { type: 'decompressed', bytes: ArrayBuffer, verified, tolerance, ms, modelLabel }
//               { type: 'error', message }
import * as dc from '../../js/index.js';
import { compress, decompress, modelIdOf } from '../models/codec.mjs';
import { ContextMixingModel } from '../models/context-mixing.mjs';
import { OnnxByteModel } from '../models/onnx-model.mjs';

const ORT_DIR = new URL('../../node_modules/onnxruntime-web/dist/', import.meta.url).href;
const ONNX_MODEL_URL = new URL('../models/byte-mlp.onnx', import.meta.url).href;

let ortPromise = null;
let onnxBytesPromise = null;

async function onnxRuntime() {
  if (!ortPromise) {
    ortPromise = import(ORT_DIR + 'ort.wasm.min.mjs').then((ort) => {
      ort.env.wasm.numThreads = 1; // one thread: same float operations in the same order
      ort.env.wasm.wasmPaths = ORT_DIR; // served locally, never fetched from elsewhere
      ort.env.logLevel = 'error';
      return ort;
    });
  }
  return ortPromise;
}

async function makeModel(id) {
  if (id === ContextMixingModel.id)
    return { model: new ContextMixingModel(), label: ContextMixingModel.label };
  if (id === OnnxByteModel.id) {
    const ort = await onnxRuntime();
    if (!onnxBytesPromise) {
      onnxBytesPromise = fetch(ONNX_MODEL_URL).then((r) => {
        if (!r.ok) throw new Error(`could not load ${ONNX_MODEL_URL}: HTTP ${r.status}`);
        return r.arrayBuffer();
      });
    }
    return {
      model: await OnnxByteModel.create(ort, await onnxBytesPromise),
      label: OnnxByteModel.label,
    };
  }
  throw new Error(`unknown model id ${id}`);
}

let lastPost = 0;
function progress(done, total) {
  const now = performance.now();
  if (done === total || now - lastPost > 50) {
    lastPost = now;
    postMessage({ type: 'progress', done, total });
  }
}

self.onmessage = async (event) => {
  const msg = event.data;
  try {
    if (msg.type === 'compress') {
      const id = msg.model === 'onnx' ? OnnxByteModel.id : ContextMixingModel.id;
      const { model, label } = await makeModel(id);
      const t0 = performance.now();
      const file = await compress(dc, model, id, new Uint8Array(msg.bytes), progress);
      const ms = performance.now() - t0;
      if (model.release) await model.release();
      postMessage({ type: 'compressed', file: file.buffer, ms, modelLabel: label }, [file.buffer]);
    } else if (msg.type === 'decompress') {
      const modelId = modelIdOf(dc, new Uint8Array(msg.file));
      const { model, label } = await makeModel(modelId);
      const t0 = performance.now();
      const { bytes, verified, tolerance } = await decompress(
        dc,
        model,
        new Uint8Array(msg.file),
        progress,
      );
      const ms = performance.now() - t0;
      if (model.release) await model.release();
      postMessage(
        { type: 'decompressed', bytes: bytes.buffer, verified, tolerance, ms, modelLabel: label },
        [bytes.buffer],
      );
    }
  } catch (e) {
    postMessage({ type: 'error', message: e && e.message ? e.message : String(e) });
  }
};
