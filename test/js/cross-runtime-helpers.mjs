// Shared by the cross-runtime tests (not a test file: node --test runs *.test.mjs).
import { readFileSync } from 'node:fs';
import {
  OnnxByteModel,
  NATIVE_SESSION,
  loadOnnxRuntimeNative,
  loadOnnxRuntimeForNode,
} from '../../examples/models/onnx-model.mjs';

const ROOT = new URL('../../', import.meta.url);
const MODEL = readFileSync(new URL('examples/models/byte-mlp.onnx', ROOT));

/** ~1 KB slices of the example texts (prose, a table of contents, legal boilerplate). */
export function crossRuntimeTexts(count = 2, size = 1024) {
  const gpl = new Uint8Array(readFileSync(new URL('examples/data/gpl-3.txt', ROOT)));
  const fsf = new Uint8Array(readFileSync(new URL('examples/data/fsf-licenses.txt', ROOT)));
  const all = [
    { name: 'gpl-3.txt@0', bytes: gpl.slice(0, size) },
    { name: 'fsf-licenses.txt@20000', bytes: fsf.slice(20000, 20000 + size) },
    { name: 'gpl-3.txt@17000', bytes: gpl.slice(17000, 17000 + size) },
    { name: 'fsf-licenses.txt@50000', bytes: fsf.slice(50000, 50000 + size) },
  ];
  return all.slice(0, count);
}

/** The byte model on onnxruntime-node (native CPU kernels, one thread). */
export async function nativeModel() {
  return OnnxByteModel.create(await loadOnnxRuntimeNative(), MODEL, NATIVE_SESSION);
}

/** The byte model on onnxruntime-web (wasm, one thread) in Node. */
export async function wasmModel() {
  return OnnxByteModel.create(await loadOnnxRuntimeForNode(), MODEL);
}
