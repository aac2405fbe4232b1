#!/usr/bin/env node
// bench/logits.mjs [steps] - logits in (docs/FORMAT.md section 6), wasm in Node, f32, at
// V = 256 and 50,257: per-step time of
//   probabilities  a softmax (f32, sum 1: the fast path) given to a probability coder
//   logits         the logits given to new DistributionCoder({ input: 'logits' })
//   JS softmax     Math.exp softmax in JS (into a Float32Array), then the probability coder
// encode and decode, interleaved (the best of 5 rounds), with the ratios that issue #13
// targets: logits / probabilities (<= 1.5) and JS softmax / logits (>= 10).
import { DistributionCoder } from 'distribution-coder';

const steps = Number(process.argv[2] || 400);
const NDIST = 8;

let seed = 12345;
const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
function gauss() {
  return Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
}

function softmaxInto(x, out) {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > max) max = x[i];
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const e = Math.exp(x[i] - max);
    out[i] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let i = 0; i < x.length; i++) out[i] *= inv;
}

function run(vocab) {
  // LLM-like logits: Gaussian, scale 3, a few large ones
  const logits = [];
  const probs = [];
  for (let k = 0; k < NDIST; k++) {
    const x = new Float32Array(vocab);
    for (let i = 0; i < vocab; i++) x[i] = 3 * gauss();
    for (let j = 0; j < 5; j++) x[Math.floor(rand() * vocab)] += 12;
    const p = new Float32Array(vocab);
    softmaxInto(x, p);
    logits.push(x);
    probs.push(p);
  }
  const symbols = Array.from({ length: steps }, () => Math.floor(rand() * vocab));
  const scratch = new Float32Array(vocab);

  const cases = {
    probabilities: { opts: {}, rows: probs, js: false },
    logits: { opts: { input: 'logits' }, rows: logits, js: false },
    'JS softmax': { opts: {}, rows: logits, js: true },
  };
  const best = {};
  for (const name of Object.keys(cases)) best[name] = { enc: Infinity, dec: Infinity };
  const streams = {};
  for (let round = 0; round < 5; round++) {
    for (const [name, c] of Object.entries(cases)) {
      const coder = new DistributionCoder(c.opts);
      let t0 = process.hrtime.bigint();
      for (let t = 0; t < steps; t++) {
        const row = c.rows[t % NDIST];
        if (c.js) softmaxInto(row, scratch);
        coder.encodeStep(c.js ? scratch : row, symbols[t]);
      }
      const bytes = coder.finishEncoding();
      const enc = Number(process.hrtime.bigint() - t0) / 1e3 / steps;
      coder.startDecoding(bytes);
      t0 = process.hrtime.bigint();
      for (let t = 0; t < steps; t++) {
        const row = c.rows[t % NDIST];
        if (c.js) softmaxInto(row, scratch);
        const s = coder.decodeStep(c.js ? scratch : row);
        if (s !== symbols[t]) throw new Error(`${name}: step ${t} decoded ${s}`);
      }
      const dec = Number(process.hrtime.bigint() - t0) / 1e3 / steps;
      coder.free();
      best[name].enc = Math.min(best[name].enc, enc);
      best[name].dec = Math.min(best[name].dec, dec);
      streams[name] = bytes.length;
    }
  }
  const f = (us) => (us < 10 ? us.toFixed(2) : us.toFixed(1)).padStart(8);
  console.log(`\nV = ${vocab}, f32, ${steps} steps, best of 5 interleaved rounds (us per step)`);
  console.log('input          encode   decode   stream bytes');
  for (const name of Object.keys(cases))
    console.log(`${name.padEnd(14)}${f(best[name].enc)} ${f(best[name].dec)}   ${streams[name]}`);
  const r = (a, b) => (a / b).toFixed(2);
  const L = best.logits;
  const P = best.probabilities;
  const J = best['JS softmax'];
  console.log(
    `logits / probabilities: encode ${r(L.enc, P.enc)}x, decode ${r(L.dec, P.dec)}x (target <= 1.5)`,
  );
  console.log(
    `JS softmax / logits:    encode ${r(J.enc, L.enc)}x, decode ${r(J.dec, L.dec)}x (target >= 10)`,
  );
}

run(256);
run(50257);
