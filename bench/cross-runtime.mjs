#!/usr/bin/env node
// How far apart are the byte model's probabilities when two runtimes compute them, and what
// does that do to the coder? (issue #12, docs/cross-runtime.md)
//
//   npm run bench:cross-runtime -- [--steps 3000] [--offset 0] [--file examples/data/gpl-3.txt]
//                                   [--no-browser] [--f16] [--compare probs.f32]
//
// The network examples/models/byte-mlp.onnx (8-byte context) runs over the first --steps
// bytes of examples/data/gpl-3.txt (or --file; from --offset) in
//   native   onnxruntime-node 1.30, CPU execution provider, one thread
//   wasm     onnxruntime-web 1.30, WebAssembly, one thread, in Node
//   chromium onnxruntime-web 1.30, WebAssembly, one thread, in headless Chromium (unless
//            --no-browser; needs /usr/bin/chromium or $CHROMIUM)
// with the same inputs (the true previous bytes at every step). It prints the relative
// difference |p' - p| / p of every element (p from native), and the coder's result when the
// encoder uses the native distributions and the decoder the wasm ones at every step (the
// decoder is given the distributions of the true context, so one wrong symbol does not
// change the later distributions: "wrong symbols" counts the steps the coder alone gets
// wrong). When the library has the tolerant mode (new DistributionCoder({ tolerance })), the
// same for tau = 1e-6 ... 1e-4, with bits per character exact vs tolerant.
//
// --compare file: also compare with distributions computed elsewhere for the same steps
// (steps x 256 float32, little endian), e.g. by PyTorch: examples/python/byte_mlp.py --dump.
// --f16: also the error of a float16 evaluation of the same network (see f16Section below:
// a simulation, not a float16 runtime).
// DC_LIB=path/js/index.js: use that build of the library instead of this checkout's.
// Needs the built package (npm run build) and npm ci (onnxruntime-node, onnxruntime-web).

import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  OnnxByteModel,
  NATIVE_SESSION,
  loadOnnxRuntimeNative,
  loadOnnxRuntimeForNode,
} from '../examples/models/onnx-model.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
// DC_LIB=/path/to/js/index.js measures another build of the library (e.g. a branch's).
const dc = await import(
  process.env.DC_LIB ? pathToFileURL(process.env.DC_LIB).href : '../js/index.js'
);
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const STEPS = Number(opt('--steps', 3000));
const OFFSET = Number(opt('--offset', 0));
const BROWSER = !args.includes('--no-browser');
const F16 = args.includes('--f16');
const COMPARE = opt('--compare', null);
const TAUS = [1e-6, 3e-6, 1e-5, 3e-5, 1e-4];
const V = 256;

const FILE = opt('--file', ROOT + 'examples/data/gpl-3.txt');
const text = new Uint8Array(readFileSync(FILE)).subarray(OFFSET, OFFSET + STEPS);
const modelBytes = new Uint8Array(readFileSync(ROOT + 'examples/models/byte-mlp.onnx'));

/** The model's distribution before each byte of `bytes` (rows of a Float32Array). */
async function distributions(model, bytes) {
  const out = new Float32Array(bytes.length * V);
  for (let i = 0; i < bytes.length; i++) {
    await model.predict(out.subarray(i * V, (i + 1) * V));
    model.update(bytes[i]);
  }
  await model.release();
  return out;
}

/** The same in headless Chromium with onnxruntime-web (the demo's setup, main thread). */
async function chromiumDistributions(bytes) {
  const { launchChromium } = await import('../test/browser/chromium.mjs');
  const { startDemoServer } = await import('../scripts/serve-demo.mjs');
  const { server, url } = await startDemoServer({ port: 0 });
  const browser = await launchChromium();
  try {
    await browser.page.goto(new URL('/examples/data/SOURCES.md', url).href);
    const b64 = await browser.page.evaluate(async (textB64) => {
      const DIR = '/node_modules/onnxruntime-web/dist/';
      const ort = await import(DIR + 'ort.wasm.min.mjs');
      ort.env.wasm.numThreads = 1;
      ort.env.wasm.wasmPaths = DIR;
      ort.env.logLevel = 'error';
      const { OnnxByteModel } = await import('/examples/models/onnx-model.mjs');
      const onnx = await (await fetch('/examples/models/byte-mlp.onnx')).arrayBuffer();
      const model = await OnnxByteModel.create(ort, onnx);
      const input = Uint8Array.from(atob(textB64), (c) => c.charCodeAt(0));
      const out = new Float32Array(input.length * 256);
      for (let i = 0; i < input.length; i++) {
        await model.predict(out.subarray(i * 256, (i + 1) * 256));
        model.update(input[i]);
      }
      const u8 = new Uint8Array(out.buffer);
      let s = '';
      for (let i = 0; i < u8.length; i += 0x8000)
        s += String.fromCharCode(...u8.subarray(i, i + 0x8000));
      return btoa(s);
    }, Buffer.from(bytes).toString('base64'));
    if (browser.errors.length) throw new Error(`Chromium: ${browser.errors.join('; ')}`);
    const raw = Buffer.from(b64, 'base64');
    return new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4).slice();
  } finally {
    await browser.close();
    await new Promise((r) => server.close(r));
  }
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const fmt = (x) => (x === 0 ? '0' : x.toExponential(2));

/** Relative differences of b against a (per element), and how many steps/elements differ. */
function compare(a, b) {
  const rel = new Float64Array(a.length);
  let elements = 0;
  let steps = 0;
  let maxAbove = 0; // max over elements with p >= 1e-6
  let minP = Infinity;
  for (let s = 0; s < a.length / V; s++) {
    let differs = false;
    for (let i = s * V; i < (s + 1) * V; i++) {
      const p = a[i];
      if (p < minP) minP = p;
      if (a[i] !== b[i]) {
        elements++;
        differs = true;
      }
      rel[i] = p > 0 ? Math.abs(b[i] - p) / p : b[i] === 0 ? 0 : Infinity;
      if (p >= 1e-6 && rel[i] > maxAbove) maxAbove = rel[i];
    }
    if (differs) steps++;
  }
  rel.sort();
  return {
    steps,
    elements,
    minP,
    maxAbove,
    median: quantile(rel, 0.5),
    p9999: quantile(rel, 0.9999),
    max: rel[rel.length - 1],
  };
}

function printComparison(name, c, n) {
  console.log(`${name}:`);
  console.log(`  steps that differ:    ${c.steps} of ${n} (${((100 * c.steps) / n).toFixed(1)}%)`);
  console.log(
    `  elements that differ: ${c.elements} of ${n * V} (${((100 * c.elements) / (n * V)).toFixed(1)}%)`,
  );
  console.log(
    `  relative difference:  median ${fmt(c.median)}, 99.99th percentile ${fmt(c.p9999)}, max ${fmt(c.max)}`,
  );
  console.log(`  max for p >= 1e-6:    ${fmt(c.maxAbove)} (smallest p: ${fmt(c.minP)})`);
}

/**
 * Encode `symbols` with the distributions `enc`, decode with `dec` (both N x V Float32Array).
 * Returns { bytes, wrong, firstWrong, error }.
 */
function crossCode(enc, dec, symbols, options) {
  const n = symbols.length;
  const e = new dc.DistributionCoder(options);
  let stream;
  try {
    for (let i = 0; i < n; i++) e.encodeStep(enc.subarray(i * V, (i + 1) * V), symbols[i]);
    stream = e.finishEncoding();
  } finally {
    e.free();
  }
  const d = new dc.DistributionCoder(options);
  let wrong = 0;
  let firstWrong = -1;
  let error = null;
  try {
    d.startDecoding(stream);
    for (let i = 0; i < n; i++) {
      let s;
      try {
        s = d.decodeStep(dec.subarray(i * V, (i + 1) * V));
      } catch (err) {
        error = `${err.codeName || err.name} at step ${i}`;
        wrong += n - i;
        if (firstWrong < 0) firstWrong = i;
        break;
      }
      if (s !== symbols[i]) {
        wrong++;
        if (firstWrong < 0) firstWrong = i;
      }
    }
  } finally {
    d.free();
  }
  return { bytes: stream.length, wrong, firstWrong, error };
}

function toleranceSupported() {
  try {
    new dc.DistributionCoder({ tolerance: 1e-5 }).free();
    return true;
  } catch (e) {
    if (e instanceof TypeError || e instanceof RangeError) return false;
    throw e;
  }
}

function describeCoding(r) {
  if (r.wrong === 0) return 'all symbols right';
  return `first wrong symbol at step ${r.firstWrong}, ${r.wrong} of ${text.length} wrong${r.error ? ` (decoder stopped: ${r.error})` : ''}`;
}

await dc.init();
if (process.env.DC_LIB) console.log(`library: ${process.env.DC_LIB}`);
console.log(
  `byte model examples/models/byte-mlp.onnx, ${text.length} steps of ${FILE.replace(ROOT, '')} from byte ${OFFSET}`,
);
console.log(
  `onnxruntime-node ${(await import('onnxruntime-node')).env.versions.node}, onnxruntime-web ${JSON.parse(readFileSync(ROOT + 'node_modules/onnxruntime-web/package.json')).version}, one thread each\n`,
);

let t0 = performance.now();
const native = await distributions(
  await OnnxByteModel.create(await loadOnnxRuntimeNative(), modelBytes, NATIVE_SESSION),
  text,
);
const tNative = performance.now() - t0;
t0 = performance.now();
const wasm = await distributions(
  await OnnxByteModel.create(await loadOnnxRuntimeForNode(), modelBytes),
  text,
);
const tWasm = performance.now() - t0;
console.log(
  `model time per step: native ${((1000 * tNative) / text.length).toFixed(0)} us, wasm (Node) ${((1000 * tWasm) / text.length).toFixed(0)} us\n`,
);

const nativeVsWasm = compare(native, wasm);
printComparison(
  'native (onnxruntime-node CPU) vs wasm (onnxruntime-web in Node)',
  nativeVsWasm,
  text.length,
);
let worst = nativeVsWasm.max;
if (BROWSER) {
  const chromium = await chromiumDistributions(text);
  const c = compare(wasm, chromium);
  console.log(
    `\nwasm in Node vs wasm in Chromium: ${c.elements} of ${text.length * V} elements differ (max relative difference ${fmt(c.max)})`,
  );
  const nc = compare(native, chromium);
  printComparison(
    'native (onnxruntime-node CPU) vs wasm (onnxruntime-web in Chromium)',
    nc,
    text.length,
  );
  worst = Math.max(worst, nc.max);
}

if (COMPARE) {
  const raw = readFileSync(COMPARE);
  if (raw.length !== text.length * V * 4)
    throw new Error(
      `${COMPARE}: ${raw.length} bytes, expected ${text.length} x ${V} float32 (same --steps/--offset/--file?)`,
    );
  const other = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
  console.log('');
  const cn = compare(native, other);
  printComparison(`native (onnxruntime-node CPU) vs ${COMPARE}`, cn, text.length);
  const cw = compare(wasm, other);
  printComparison(`wasm (onnxruntime-web) vs ${COMPARE}`, cw, text.length);
  const r = crossCode(other, wasm, text);
  console.log(
    `exact mode, encoded with ${COMPARE}, decoded with wasm distributions: ${describeCoding(r)}`,
  );
  worst = Math.max(worst, cn.max, cw.max);
}

const exact = crossCode(native, wasm, text);
const same = crossCode(native, native, text);
console.log('\nexact mode, encoded with native distributions, decoded with wasm distributions:');
console.log(`  ${describeCoding(exact)}`);
console.log(
  `  (decoded with native distributions: ${describeCoding(same)}; ${same.bytes} bytes, ${((8 * same.bytes) / text.length).toFixed(3)} bits per character)`,
);

if (toleranceSupported()) {
  console.log(
    '\ntolerant mode, encoded with native distributions, decoded with wasm distributions:',
  );
  console.log('  tau      decoded                                   bytes  bits/char  vs exact');
  for (const tau of TAUS) {
    const r = crossCode(native, wasm, text, { tolerance: tau });
    const over = ((100 * (r.bytes - same.bytes)) / same.bytes).toFixed(2);
    console.log(
      `  ${tau.toExponential(0).padEnd(7)}  ${describeCoding(r).padEnd(40)}  ${String(r.bytes).padStart(5)}  ${((8 * r.bytes) / text.length).toFixed(3).padStart(9)}  ${over.padStart(6)}%`,
    );
  }
} else {
  console.log(
    "\ntolerant mode: not in this build (new DistributionCoder({ tolerance }) is refused); merge issue #12's tolerant branch and run again",
  );
}

const recommend = (err) => {
  const need = err * 4; // margin: 4x the worst element seen
  return [1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2].find((t) => t >= need) ?? 1e-2;
};
console.log(`\nworst relative difference measured between float32 runtimes: ${fmt(worst)}`);
console.log(
  `recommended tau for float32 runtimes (at least 4x that, on the 1-3 grid): ${recommend(worst).toExponential(0)}`,
);

if (F16) {
  const { f16Section } = await import('./cross-runtime-f16.mjs');
  await f16Section({ text, native, modelBytes, compare, printComparison, fmt, recommend });
}
