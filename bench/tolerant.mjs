#!/usr/bin/env node
// bench/tolerant.mjs [steps] - the tolerant mode in wasm (the shipped module through the JS
// wrapper): size overhead against the exact mode on the same steps for tau = 1e-6 ... 1e-3,
// at vocabulary 50,257 (softmax of Gaussian logits times 1.5 ... 9.25, the scales of
// test/test_compression.c) and 256 (the same shape at 0.5 ... 3.6, a byte model's
// ~5 bits); every tolerant stream is decoded from distributions perturbed by up to tau
// (wrong symbols must be 0); then encode and decode time per step at 50,257 f32, tolerant
// over exact (best of 3). Native figures: build/bench/tolerant_curve.
import { DistributionCoder } from 'distribution-coder';

const steps = Number(process.argv[2] || 3000);
const TAUS = [1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3];
const POOL = 64;

let seed = 2024;
function rand() {
  // mulberry32
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-300)) * Math.cos(2 * Math.PI * rand());

function workload(vocab, scale0, scale1, n) {
  const rows = [];
  for (let j = 0; j < POOL; j++) {
    const scale = scale0 + ((scale1 - scale0) * j) / (POOL - 1);
    const l = Array.from({ length: vocab }, () => scale * gauss());
    const mx = Math.max(...l);
    const p = new Float32Array(vocab);
    let s = 0;
    for (let i = 0; i < vocab; i++) s += p[i] = Math.exp(l[i] - mx);
    for (let i = 0; i < vocab; i++) p[i] /= s;
    rows.push(p);
  }
  const which = [],
    symbols = [];
  for (let t = 0; t < n; t++) {
    const j = Math.floor(rand() * POOL);
    const p = rows[j];
    let x = rand(),
      k = 0;
    while (k + 1 < vocab && (x -= p[k]) >= 0) k++;
    which.push(j);
    symbols.push(k);
  }
  return { vocab, rows, which, symbols };
}

/** Each element moved by a relative amount in [-tau, tau] (a third by exactly +-tau),
    kept within tau after rounding to float32. */
function perturb(rows, tau) {
  return rows.map((p) => {
    const q = new Float32Array(p.length);
    for (let i = 0; i < p.length; i++) {
      const k = Math.floor(rand() * 3);
      const u = k === 0 ? 1 : k === 1 ? -1 : 2 * rand() - 1;
      q[i] = p[i] * (1 + u * tau);
      if (Math.abs(q[i] - p[i]) > tau * p[i]) q[i] = p[i];
    }
    return q;
  });
}

function encode(w, tolerance) {
  const c = new DistributionCoder({ tolerance });
  for (let t = 0; t < w.which.length; t++) c.encodeStep(w.rows[w.which[t]], w.symbols[t]);
  const bytes = c.finishEncoding();
  c.free();
  return bytes;
}

function wrongSymbols(w, bytes, tolerance, rows) {
  const c = new DistributionCoder({ tolerance });
  c.startDecoding(bytes);
  let wrong = 0;
  for (let t = 0; t < w.which.length; t++) wrong += c.decodeStep(rows[w.which[t]]) !== w.symbols[t];
  c.free();
  return wrong;
}

for (const [vocab, s0, s1, n] of [
  [50257, 1.5, 9.25, steps],
  [256, 0.5, 3.6, steps * 5],
]) {
  const w = workload(vocab, s0, s1, n);
  const exact = encode(w, 0).length;
  console.log(`vocab ${vocab}, ${n} steps: exact ${((exact * 8) / n).toFixed(4)} bits/step`);
  console.log('  tau      bits/step  overhead  wrong (perturbed by up to tau)');
  for (const tau of TAUS) {
    const bytes = encode(w, tau);
    const wrong = wrongSymbols(w, bytes, tau, perturb(w.rows, tau));
    console.log(
      `  ${tau.toExponential(0).padEnd(8)} ${((bytes.length * 8) / n).toFixed(4).padStart(9)}  ` +
        `${(100 * (bytes.length / exact - 1)).toFixed(2).padStart(6)}%  ${wrong}`,
    );
  }
}

// Speed at 50,257 f32.
const w = workload(50257, 1.5, 9.25, 1000);
function time(fn) {
  fn();
  let best = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const t0 = process.hrtime.bigint();
    fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e3 / w.which.length);
  }
  return best;
}
const res = {};
for (const tolerance of [0, 1e-5]) {
  const bytes = encode(w, tolerance);
  const enc = time(() => encode(w, tolerance));
  const dec = time(() => wrongSymbols(w, bytes, tolerance, w.rows));
  res[tolerance] = { enc, dec };
  console.log(
    `vocab 50257 f32, tolerance ${tolerance}: encode ${enc.toFixed(1)} us/step, decode ${dec.toFixed(1)} us/step`,
  );
}
console.log(
  `tolerant / exact: encode ${(res[1e-5].enc / res[0].enc).toFixed(2)}x, decode ${(res[1e-5].dec / res[0].dec).toFixed(2)}x (target <= 2x)`,
);
