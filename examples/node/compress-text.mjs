#!/usr/bin/env node
// Compress a text file with an adaptive predictive model and distribution-coder, decompress
// it, check the round trip and compare with gzip -9.
//
//   node examples/node/compress-text.mjs [file] [--model cm|onnx] [--out file.dcx]
//
// Default file: examples/data/fsf-licenses.txt (the GNU FDL 1.3, LGPL 2.1 and GPL 2 texts,
// 67,577 bytes). Default model: the built-in context-mixing model (examples/models/).
// --model onnx uses the small neural network in examples/models/byte-mlp.onnx through
// onnxruntime-web (a devDependency; slower, one network run per byte).
// Exits with status 1 if the decompressed bytes differ from the original.

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync, constants } from 'node:zlib';
import * as dc from 'distribution-coder';
import { compress, decompress } from '../models/codec.mjs';
import { ContextMixingModel } from '../models/context-mixing.mjs';

const args = process.argv.slice(2);
let file = fileURLToPath(new URL('../data/fsf-licenses.txt', import.meta.url));
let modelName = 'cm';
let outPath = null;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--model') modelName = args[++i];
  else if (args[i] === '--out') outPath = args[++i];
  else if (args[i] === '--help' || args[i] === '-h') {
    console.log('usage: node examples/node/compress-text.mjs [file] [--model cm|onnx] [--out file.dcx]');
    process.exit(0);
  } else file = args[i];
}

async function makeModel() {
  if (modelName === 'cm') return { id: ContextMixingModel.id, label: ContextMixingModel.label, create: async () => new ContextMixingModel() };
  if (modelName === 'onnx') {
    const { OnnxByteModel, loadOnnxRuntimeForNode } = await import('../models/onnx-model.mjs');
    const ort = await loadOnnxRuntimeForNode();
    const modelBytes = readFileSync(new URL('../models/byte-mlp.onnx', import.meta.url));
    return { id: OnnxByteModel.id, label: OnnxByteModel.label, create: () => OnnxByteModel.create(ort, modelBytes) };
  }
  throw new Error(`unknown --model ${modelName} (cm or onnx)`);
}

const original = new Uint8Array(readFileSync(file));
const kind = await makeModel();

let t0 = performance.now();
const packed = await compress(dc, await kind.create(), kind.id, original);
const tCompress = (performance.now() - t0) / 1000;

t0 = performance.now();
const { bytes: restored, verified } = await decompress(dc, await kind.create(), packed);
const tDecompress = (performance.now() - t0) / 1000;

const same = restored.length === original.length && restored.every((b, i) => b === original[i]);
const gz = gzipSync(original, { level: constants.Z_BEST_COMPRESSION }).length;
const bpb = (n) => ((8 * n) / original.length).toFixed(3);
const rate = (t) => (original.length / 1024 / t).toFixed(1);

console.log(`file:             ${file}`);
console.log(`model:            ${kind.label}`);
console.log(`original:         ${original.length} bytes`);
console.log(`compressed:       ${packed.length} bytes (${bpb(packed.length)} bits per byte, container header included)`);
console.log(`gzip -9:          ${gz} bytes (${bpb(gz)} bits per byte)`);
console.log(`vs gzip:          ${((100 * packed.length) / gz).toFixed(1)}% of gzip's size`);
console.log(`compress time:    ${tCompress.toFixed(2)} s (${rate(tCompress)} KiB/s)`);
console.log(`decompress time:  ${tDecompress.toFixed(2)} s (${rate(tDecompress)} KiB/s)`);
console.log(`round trip:       ${same && verified ? 'OK, identical bytes (every chunk CRC-32 verified)' : 'FAILED'}`);
if (outPath) {
  writeFileSync(outPath, packed);
  console.log(`wrote:            ${outPath}`);
}
if (!same || !verified) process.exit(1);
