// Issue #14: a stale distributionView (its coder freed, or its block replaced by a larger
// view) can never reach another coder's state, stream or the allocator. A view points into
// a block that is freed only once its coder stopped using it AND every view of it has been
// collected (js/coder.js, retire()): writing through a stale view changes that block only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DistributionCoder, FramedEncoder, FramedDecoder } from 'distribution-coder';
import { rng, randomDist, sample } from './helpers.mjs';

const VOCAB = 300;
const STEPS = 40;

function fixture(seed) {
  const rand = rng(seed);
  const dists = [];
  const syms = [];
  for (let t = 0; t < STEPS; t++) {
    const d = Float32Array.from(randomDist(rand, VOCAB));
    dists.push(d);
    syms.push(sample(rand, d));
  }
  return { dists, syms };
}

/** Overwrites everything a stale view can reach through its own elements. */
function scribble(views, round) {
  for (const v of views) {
    if (v instanceof Uint16Array) v.fill(0xffff);
    else v.fill([NaN, -1, Infinity, 1e300][round % 4]);
  }
}

test("writes through stale views leave every other coder's stream byte for byte intact", () => {
  // Room first, so that no allocation below grows wasm memory (growth detaches every view,
  // and a detached view cannot write at all): 16 MiB staged in a coder, then freed.
  const warm = new DistributionCoder();
  warm.encodeStep(new Float64Array(1 << 21).fill(1), 0);
  warm.free();
  const fixtures = Array.from({ length: 8 }, (_, i) => fixture(500 + i));
  // Reference streams: plain copies, before anything below exists.
  const expected = fixtures.map(({ dists, syms }, i) => {
    const c = i % 2 ? new FramedEncoder({ stepsPerChunk: 7 }) : new DistributionCoder();
    dists.forEach((d, t) => c.encodeStep(Float32Array.from(d), syms[t]));
    const out = i % 2 ? c.finish() : c.finishEncoding();
    c.free();
    return out;
  });

  // Stale views of every kind: coders freed, a block replaced by a larger view, framed
  // classes freed, in every dtype width.
  const stale = [];
  for (let k = 0; k < 4; k++) {
    const dtype = ['f32', 'f64', 'f16', 'bf16'][k];
    const a = new DistributionCoder();
    const va = a.distributionView(VOCAB, dtype);
    va.fill([1, 1, 0x3c00, 0x3f80][k]);
    a.encodeStep(va, 3, dtype);
    a.free();
    stale.push(va);
    const b = new DistributionCoder();
    const vb = b.distributionView(VOCAB);
    b.distributionView(20000); // a larger block: vb is stale, b lives on
    stale.push(vb);
  }
  const fe = new FramedEncoder();
  stale.push(fe.distributionView(VOCAB, 'f64'));
  fe.free();
  const fd = new FramedDecoder(expected[1]);
  stale.push(fd.distributionView(VOCAB));
  fd.free();

  // Live coders made after, with blocks of the sizes just given back (the allocator would
  // hand out the same addresses if they had been freed), writing their distributions in
  // place while the stale views are scribbled over between every fill and every step.
  const coders = fixtures.map((_, i) =>
    i % 2 ? new FramedEncoder({ stepsPerChunk: 7 }) : new DistributionCoder(),
  );
  for (let t = 0; t < STEPS; t++) {
    coders.forEach((c, i) => {
      const view = c.distributionView(VOCAB);
      view.set(fixtures[i].dists[t]);
      scribble(stale, t + i);
      c.encodeStep(view, fixtures[i].syms[t]);
    });
  }
  coders.forEach((c, i) => {
    const out = i % 2 ? c.finish() : c.finishEncoding();
    assert.deepEqual(out, expected[i], `coder ${i}: stream changed`);
    c.free();
  });

  // Decoders, same way.
  const decoders = expected.map((bytes, i) => {
    if (i % 2) return new FramedDecoder(bytes);
    const d = new DistributionCoder();
    d.startDecoding(bytes);
    return d;
  });
  for (let t = 0; t < STEPS; t++) {
    decoders.forEach((d, i) => {
      const view = d.distributionView(VOCAB);
      view.set(fixtures[i].dists[t]);
      scribble(stale, t + i + 1);
      assert.equal(d.decodeStep(view), fixtures[i].syms[t], `decoder ${i}, step ${t}`);
    });
  }
  decoders.forEach((d) => d.free());

  for (const v of stale)
    assert.ok(v.length > 0, 'the stale views stayed attached: the writes happened');

  // The stale views are refused when passed back, and the module goes on working.
  const c = new DistributionCoder();
  for (const v of stale)
    assert.throws(() => c.encodeStep(v, 0, v instanceof Uint16Array ? 'f16' : undefined), {
      name: 'TypeError',
      message: /no longer valid/,
    });
  const again = new DistributionCoder();
  fixtures[0].dists.forEach((d, t) => again.encodeStep(d, fixtures[0].syms[t]));
  assert.deepEqual(again.finishEncoding(), expected[0]);
  c.free();
  again.free();
});

test("a copied distribution no longer overwrites the coder's own view", () => {
  const c = new DistributionCoder();
  const view = c.distributionView(4, 'f64');
  view.set([0.1, 0.2, 0.3, 0.4]);
  c.encodeStep([0.25, 0.25, 0.25, 0.25], 1); // a copy: staged elsewhere
  assert.deepEqual([...view], [0.1, 0.2, 0.3, 0.4]);
  c.free();
});
