#!/usr/bin/env node
// bench/quick-step.mjs [vocab] [steps] - per-step time of the wasm module in Node, for the
// shipped (SIMD) module and, if built, build-wasm-nosimd/: encode and decode, with a
// Float32Array copied in and with the zero-copy distributionView. Prints a table.
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DistributionCoder, init } from 'distribution-coder';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const vocab = Number(process.argv[2] || 50257);
const steps = Number(process.argv[3] || 2000);

// Peaked, softmax-like distributions (distinct per step), f32.
const NDIST = 16;
const dists = [];
let seed = 12345;
const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
for (let k = 0; k < NDIST; k++) {
  const d = new Float32Array(vocab);
  let s = 0;
  for (let i = 0; i < vocab; i++) {
    d[i] = Math.exp(-12 * rand());
    s += d[i];
  }
  for (let i = 0; i < vocab; i++) d[i] /= s;
  dists.push(d);
}
const symbols = Array.from({ length: steps }, (_, t) => Math.floor(rand() * vocab));

/** Microseconds per step: the best of 3 runs after a warm-up (the machine may be busy). */
function time(fn) {
  fn(Math.max(50, steps / 10)); // warm-up
  let best = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const t0 = process.hrtime.bigint();
    fn(steps);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e3 / steps);
  }
  return best;
}

function measure() {
  let bytes;
  const encCopy = time((n) => {
    const c = new DistributionCoder();
    for (let t = 0; t < n; t++) c.encodeStep(dists[t % NDIST], symbols[t % steps]);
    bytes = c.finishEncoding();
    c.free();
  });
  // The model writes its output into the view (here: once; it is the same every step).
  const encView = time((n) => {
    const c = new DistributionCoder();
    c.distributionView(vocab).set(dists[0]);
    for (let t = 0; t < n; t++) c.encodeStep(c.distributionView(vocab), symbols[t % steps]);
    c.free();
  });
  return { encCopy, encView, bytes };
}

// decodeStep alone (best of 3), Float32Array copied in.
function measureDecode() {
  const c = new DistributionCoder();
  const n = steps;
  for (let t = 0; t < n; t++) c.encodeStep(dists[t % NDIST], symbols[t]);
  const b = c.finishEncoding();
  const d = new DistributionCoder();
  d.startDecoding(b);
  for (let t = 0; t < 50; t++) d.decodeStep(dists[t % NDIST]);
  let us = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    d.startDecoding(b);
    const t0 = process.hrtime.bigint();
    for (let t = 0; t < n; t++)
      if (d.decodeStep(dists[t % NDIST]) !== symbols[t]) throw new Error('mismatch');
    us = Math.min(us, Number(process.hrtime.bigint() - t0) / 1e3 / n);
  }
  c.free();
  d.free();
  return us;
}

const rows = [];
const modules = [['simd (shipped)', null]];
const nosimd = join(root, 'build-wasm-nosimd', 'distribution_coder.wasm');
if (existsSync(nosimd)) modules.push(['no simd', nosimd]);
for (const [name, file] of modules) {
  if (file) await init(readFileSync(file));
  const m = measure();
  const dec = measureDecode();
  rows.push({
    module: name,
    'encode copy us/step': m.encCopy.toFixed(2),
    'encode view (zero copy) us/step': m.encView.toFixed(2),
    'decode copy us/step': dec.toFixed(2),
  });
}
const mb = (vocab * 4) / 1e6;
console.log(
  `vocab ${vocab}, f32 (${mb.toFixed(2)} MB per step), ${steps} steps, Node ${process.version}`,
);
console.table(rows);
if (rows.length === 2) {
  const ratio = (k) => (rows[1][k] / rows[0][k]).toFixed(2);
  console.log(
    `simd speed-up: encode ${ratio('encode copy us/step')}x, decode ${ratio('decode copy us/step')}x`,
  );
}
