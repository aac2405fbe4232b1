#!/usr/bin/env node
// The "server" of the cross-runtime story (docs/cross-runtime.md): compress a text file with
// the byte model run by onnxruntime-node (native CPU kernels) into a framed container that
// the browser demo (examples/browser/, `npm run demo`) decompresses with onnxruntime-web.
// The two runtimes' probabilities differ in the last bits, so the file is written in the
// tolerant mode (issue #12) with a tolerance for float32 runtimes.
//
//   node examples/node/server-compress.mjs [file] [--out file.dcx] [--tolerance 1e-4] [--exact] [--check]
//
// Default file: examples/data/gpl-3.txt; default output: <file's name>.dcx in the current
// folder. --exact writes today's exact stream instead (the page then reports
// DC_ERR_FRAME_CHECKSUM: the story's failure, for comparison). --check decompresses the file
// with onnxruntime-web in Node (the page's runtime; slower) and exits with status 1 unless
// every byte comes back.

import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as dc from 'distribution-coder';
import { compress, decompress, supportsTolerance, FLOAT32_TOLERANCE } from '../models/codec.mjs';
import {
  OnnxByteModel,
  NATIVE_SESSION,
  loadOnnxRuntimeNative,
  loadOnnxRuntimeForNode,
} from '../models/onnx-model.mjs';

const USAGE =
  'usage: node examples/node/server-compress.mjs [file] [--out file.dcx] [--tolerance tau] [--exact] [--check]';
const args = process.argv.slice(2);
let file = fileURLToPath(new URL('../data/gpl-3.txt', import.meta.url));
let outPath = null;
let tolerance = FLOAT32_TOLERANCE;
let check = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--out') outPath = args[++i];
  else if (args[i] === '--tolerance') tolerance = Number(args[++i]);
  else if (args[i] === '--exact') tolerance = null;
  else if (args[i] === '--check') check = true;
  else if (args[i] === '--help' || args[i] === '-h') {
    console.log(USAGE);
    process.exit(0);
  } else if (args[i].startsWith('--')) {
    console.error(`unknown option ${args[i]}\n${USAGE}`);
    process.exit(2);
  } else file = args[i];
}
outPath ??= `${basename(file)}.dcx`;

if (tolerance !== null && !supportsTolerance(dc, tolerance)) {
  console.error(
    `this build of distribution-coder has no tolerant mode (FramedEncoder refuses { tolerance: ${tolerance} }):\n` +
      'a file written now decodes only with onnxruntime-node, not in the page. Pass --exact to write one anyway.',
  );
  process.exit(2);
}

const onnx = readFileSync(new URL('../models/byte-mlp.onnx', import.meta.url));
const original = new Uint8Array(readFileSync(file));
const options = tolerance === null ? {} : { tolerance };

let t0 = performance.now();
const model = await OnnxByteModel.create(await loadOnnxRuntimeNative(), onnx, NATIVE_SESSION);
const packed = await compress(dc, model, OnnxByteModel.id, original, undefined, options);
await model.release();
const seconds = (performance.now() - t0) / 1000;
writeFileSync(outPath, packed);

console.log(`file:        ${file} (${original.length} bytes)`);
console.log(
  `model:       ${OnnxByteModel.label.replace('onnxruntime-web', 'onnxruntime-node, native CPU')}`,
);
console.log(
  `mode:        ${tolerance === null ? 'exact (decodes only with the same runtime)' : `tolerant, tau = ${tolerance}`}`,
);
console.log(
  `compressed:  ${packed.length} bytes (${((8 * packed.length) / original.length).toFixed(3)} bits per byte) in ${seconds.toFixed(2)} s`,
);
console.log(
  `wrote:       ${outPath}  (open it in the demo page: npm run demo, "Open a compressed file")`,
);

if (check) {
  t0 = performance.now();
  const web = await OnnxByteModel.create(await loadOnnxRuntimeForNode(), onnx);
  try {
    const { bytes, verified } = await decompress(dc, web, packed);
    const same =
      verified && bytes.length === original.length && bytes.every((b, i) => b === original[i]);
    console.log(
      `check:       onnxruntime-web (wasm) decoded ${same ? 'every byte, CRC-32 verified' : 'OTHER BYTES'} in ${((performance.now() - t0) / 1000).toFixed(2)} s`,
    );
    if (!same) process.exit(1);
  } catch (e) {
    console.log(`check:       onnxruntime-web (wasm) could not decode it: ${e.message}`);
    process.exit(1);
  } finally {
    await web.release();
  }
}
