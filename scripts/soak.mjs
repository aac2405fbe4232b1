#!/usr/bin/env node
// scripts/soak.mjs - `npm run soak`: long runs that must keep memory bounded.
//   1. one coder through 10,000,000 steps at vocabulary 256 (encode, then decode and check)
//   2. one coder through 100,000 steps at vocabulary 50,257
//   3. 1,000,000 steps at vocabulary 256 through the framed container
//   4. 100,000 coders created and freed
// Prints wasm memory and process RSS before and after each phase. Fails when a decoded
// symbol differs, when wasm memory grows by more than the stream explains (3 x its size
// plus 4 MiB after encoding, 5 x plus 4 MiB after decoding too: doubling buffers and
// copies of the stream), or at all during the coder churn.
// SOAK_SCALE=0.1 runs a tenth of every phase (a quick check of the script itself).
import {
  DistributionCoder,
  FramedEncoder,
  FramedDecoder,
  wasmMemoryBytes,
} from 'distribution-coder';
import { rng } from '../test/js/helpers.mjs';

const SCALE = Number(process.env.SOAK_SCALE ?? 1);
const MiB = 1024 * 1024;
let failed = false;

function mem() {
  return { wasm: wasmMemoryBytes(), rss: process.memoryUsage().rss };
}

function fmt(m) {
  return `wasm ${(m.wasm / MiB).toFixed(2)} MiB, RSS ${(m.rss / MiB).toFixed(1)} MiB`;
}

function check(cond, what) {
  if (!cond) {
    console.error(`soak: FAILED: ${what}`);
    failed = true;
  }
}

/** K softmax distributions of vocabulary n (f32) and their cumulative sums for sampling. */
function palette(k, n, seed) {
  const rand = rng(seed);
  const dists = [];
  const cdfs = [];
  for (let j = 0; j < k; j++) {
    const logits = new Float64Array(n);
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      // heavy-tailed logits: a few likely symbols, a long tail, like a language model
      logits[i] = (6 * Math.log(rand() + 1e-12)) / Math.log(2) / 8 + (rand() < 0.01 ? 8 : 0);
      if (logits[i] > max) max = logits[i];
    }
    const p = new Float32Array(n);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.exp(logits[i] - max);
    const cdf = new Float64Array(n);
    let acc = 0;
    for (let i = 0; i < n; i++) {
      p[i] = Math.exp(logits[i] - max) / sum;
      acc += p[i];
      cdf[i] = acc;
    }
    dists.push(p);
    cdfs.push(cdf);
  }
  return { dists, cdfs };
}

function draw(cdf, u) {
  const x = u * cdf[cdf.length - 1];
  let lo = 0,
    hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function phase(name, fn) {
  const before = mem();
  const t0 = process.hrtime.bigint();
  const info = fn(before);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const after = mem();
  console.log(
    `${name}: ${secs.toFixed(1)} s; before: ${fmt(before)}; after: ${fmt(after)}${info ? `; ${info}` : ''}`,
  );
  return { before, after };
}

/** One coder through `steps` steps at vocabulary n: encode, then decode and compare. */
function longSession(steps, n, seed) {
  const { dists, cdfs } = palette(16, n, seed);
  let bytes;
  let peak = 0;
  const { before } = phase(
    `${steps.toLocaleString('en')} steps at vocabulary ${n.toLocaleString('en')}`,
    (start) => {
      const c = new DistributionCoder();
      const pick = rng(seed + 1);
      for (let t = 0; t < steps; t++) {
        const k = (pick() * 16) | 0;
        const view = c.distributionView(n, 'f32'); // zero copy; the same object while valid
        view.set(dists[k]);
        c.encodeStep(view, draw(cdfs[k], pick()));
      }
      bytes = c.finishEncoding();
      peak = wasmMemoryBytes();
      c.startDecoding(bytes);
      const again = rng(seed + 1);
      let wrong = 0;
      for (let t = 0; t < steps; t++) {
        const k = (again() * 16) | 0;
        const view = c.distributionView(n, 'f32');
        view.set(dists[k]);
        if (c.decodeStep(view) !== draw(cdfs[k], again())) wrong++;
      }
      c.free();
      check(wrong === 0, `${wrong} of ${steps} steps decoded to another symbol`);
      // Encoding: the output buffer (doubling). Decoding adds the decoder's copy of the
      // stream (doubling) and startDecoding's temporary copy. Nothing grows per step.
      const encGrowth = peak - start.wasm;
      const allGrowth = wasmMemoryBytes() - start.wasm;
      check(
        encGrowth <= 3 * bytes.length + 4 * MiB,
        `encoding grew wasm memory by ${encGrowth} bytes for a ${bytes.length}-byte stream`,
      );
      check(
        allGrowth <= 5 * bytes.length + 4 * MiB,
        `encoding and decoding grew wasm memory by ${allGrowth} bytes for a ${bytes.length}-byte stream`,
      );
      return (
        `stream ${bytes.length.toLocaleString('en')} bytes (${((8 * bytes.length) / steps).toFixed(3)} bits/step); ` +
        `wasm growth ${(encGrowth / MiB).toFixed(2)} MiB after encoding, ${(allGrowth / MiB).toFixed(2)} MiB after decoding`
      );
    },
  );
  return before;
}

function framedSession(steps, n, seed) {
  const { dists, cdfs } = palette(16, n, seed);
  phase(`${steps.toLocaleString('en')} framed steps at vocabulary ${n}`, (start) => {
    const enc = new FramedEncoder({ modelId: 'soak', stepsPerChunk: 4096 });
    const pick = rng(seed);
    for (let t = 0; t < steps; t++) {
      const k = (pick() * 16) | 0;
      enc.encodeStep(dists[k], draw(cdfs[k], pick()));
    }
    const bytes = enc.finish();
    const dec = new FramedDecoder(bytes, { modelId: 'soak' });
    const again = rng(seed);
    let wrong = 0;
    for (let t = 0; t < steps; t++) {
      const k = (again() * 16) | 0;
      if (dec.decodeStep(dists[k]) !== draw(cdfs[k], again())) wrong++;
    }
    check(dec.verifiedSteps === steps, 'not every chunk was verified');
    dec.free();
    check(wrong === 0, `${wrong} framed steps decoded to another symbol`);
    const growth = wasmMemoryBytes() - start.wasm;
    check(growth <= 4 * MiB, `wasm memory grew by ${growth} bytes (the container lives in JS)`);
    return `container ${bytes.length.toLocaleString('en')} bytes, ${dec.chunks} chunks`;
  });
}

function churn(count) {
  phase(`${count.toLocaleString('en')} coders created and freed`, (start) => {
    for (let i = 0; i < count; i++) {
      const c = new DistributionCoder({ format: i % 2 ? 'python-0.1' : 'default' });
      c.encodeStep([0.25, 0.75], i & 1);
      if (i % 3 === 0) c.distributionView(64, 'f32');
      c.finishEncoding();
      c.free();
    }
    const growth = wasmMemoryBytes() - start.wasm;
    check(growth === 0, `wasm memory grew by ${growth} bytes`);
    return `wasm growth ${growth} bytes`;
  });
}

console.log(`soak (SOAK_SCALE=${SCALE}), node ${process.version}`);
longSession(Math.round(10_000_000 * SCALE), 256, 1);
longSession(Math.round(100_000 * SCALE), 50_257, 2);
framedSession(Math.round(1_000_000 * SCALE), 256, 3);
churn(Math.round(100_000 * SCALE));
if (failed) {
  console.error('soak: FAILED');
  process.exit(1);
}
console.log('soak: OK');
