// distributionView (zero copy) and the batch calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DistributionCoder } from 'distribution-coder';
import { rng, randomDist, sample, countSets } from './helpers.mjs';

test('a distributionView is passed with no copy; other arrays with one set', () => {
  const rand = rng(21);
  const n = 1000;
  const dists = Array.from({ length: 20 }, () => Float32Array.from(randomDist(rand, n)));
  const syms = dists.map((d) => sample(rand, d));

  const ref = new DistributionCoder();
  dists.forEach((d, t) => assert.equal(countSets(() => ref.encodeStep(d, syms[t])), 1));
  const expected = ref.finishEncoding();

  const enc = new DistributionCoder();
  enc.reserveOutput(1 << 16);
  dists.forEach((d, t) => {
    const view = enc.distributionView(n);
    assert.ok(view instanceof Float32Array);
    assert.equal(view.length, n);
    view.set(d);
    assert.equal(countSets(() => enc.encodeStep(view, syms[t])), 0, 'no copy for the view');
  });
  assert.deepEqual(enc.finishEncoding(), expected);

  const dec = new DistributionCoder();
  dec.startDecoding(expected);
  dists.forEach((d, t) => {
    const view = dec.distributionView(n);
    view.set(d);
    assert.equal(countSets(() => assert.equal(dec.decodeStep(view), syms[t])), 0);
  });
});

test('distributionView returns the same object while valid; every dtype works in place', () => {
  const rand = rng(22);
  for (const dtype of ['f32', 'f64', 'f16', 'bf16']) {
    const enc = new DistributionCoder();
    const v1 = enc.distributionView(64, dtype);
    assert.equal(enc.distributionView(64, dtype), v1);
    const Ctor = dtype === 'f32' ? Float32Array : dtype === 'f64' ? Float64Array : Uint16Array;
    assert.ok(v1 instanceof Ctor, dtype);
    const syms = [];
    const rows = [];
    for (let t = 0; t < 30; t++) {
      const v = enc.distributionView(64, dtype);
      for (let i = 0; i < 64; i++) {
        v[i] = Ctor === Uint16Array ? (i + t) % 5 === 0 ? 0 : 0x3000 + Math.floor(rand() * 0x800) : rand();
      }
      rows.push(v.slice());
      syms.push(Math.floor(rand() * 64));
      enc.encodeStep(v, syms[t], Ctor === Uint16Array ? dtype : undefined);
    }
    const bytes = enc.finishEncoding();
    const dec = new DistributionCoder();
    dec.startDecoding(bytes);
    rows.forEach((r, t) => assert.equal(dec.decodeStep(r, Ctor === Uint16Array ? dtype : undefined), syms[t]));
  }
});

test('a view of another coder is copied; a view made stale by a larger one is refused', () => {
  const a = new DistributionCoder();
  const b = new DistributionCoder();
  const va = a.distributionView(3);
  va.set([0.2, 0.3, 0.5]);
  b.encodeStep(va, 2); // copied from a's staging buffer
  const ref = new DistributionCoder();
  ref.encodeStep([0.2, 0.3, 0.5], 2, 'f32');
  assert.deepEqual(b.finishEncoding(), ref.finishEncoding());

  const small = a.distributionView(4);
  a.distributionView(1 << 16); // reallocates the staging buffer
  assert.throws(() => a.encodeStep(small, 0), { name: 'TypeError', message: /distributionView\(\) again/ });
  const vaNow = a.distributionView(1 << 16);
  a.free();
  const c = new DistributionCoder();
  assert.throws(() => c.encodeStep(vaNow, 0), { name: 'TypeError', message: /freed/ });
});

test('a view detached by memory growth is refused with a clear TypeError', () => {
  const enc = new DistributionCoder();
  const view = enc.distributionView(8);
  view.fill(1);
  const hog = new DistributionCoder();
  hog.distributionView(1 << 22, 'f64'); // 32 MiB: the memory grows
  assert.equal(view.length, 0, 'the old view is detached');
  assert.throws(() => enc.encodeStep(view, 0), { name: 'TypeError', message: /detached|grew/ });
  const fresh = enc.distributionView(8);
  assert.equal(fresh.length, 8);
  fresh.fill(1);
  enc.encodeStep(fresh, 7);
  hog.free();
});

const DTYPE_ARRAYS = {
  f32: (d) => Float32Array.from(d),
  f64: (d) => Float64Array.from(d),
  f16: (d) => Uint16Array.from(d, (x) => (x === 0 ? 0 : 0x2000 + Math.floor(x * 0x1800))),
  bf16: (d) => { const f = Float32Array.from(d); return Uint16Array.from(new Uint32Array(f.buffer), (u) => u >>> 16); },
};

test('encodeSteps / decodeSteps give the bytes and symbols of the step-wise calls', () => {
  const rand = rng(23);
  for (const [dtype, make] of Object.entries(DTYPE_ARRAYS)) {
    for (const vocab of [1, 7, 300]) {
      const steps = 25;
      const flat = [];
      const symbols = [];
      for (let t = 0; t < steps; t++) {
        const d = randomDist(rand, vocab);
        flat.push(...d);
        symbols.push(sample(rand, d));
      }
      const matrix = make(flat);
      const dt = dtype === 'f16' || dtype === 'bf16' ? dtype : undefined;
      const stepwise = new DistributionCoder();
      for (let t = 0; t < steps; t++) stepwise.encodeStep(matrix.subarray(t * vocab, (t + 1) * vocab), symbols[t], dt);
      const expected = stepwise.finishEncoding();

      const batch = new DistributionCoder();
      batch.encodeSteps(matrix.subarray(0, 10 * vocab), symbols.slice(0, 10), { vocab, dtype: dt });
      batch.encodeStep(matrix.subarray(10 * vocab, 11 * vocab), symbols[10], dt);
      batch.encodeSteps(matrix.subarray(11 * vocab), Int32Array.from(symbols.slice(11)), { vocab, dtype: dt });
      assert.deepEqual(batch.finishEncoding(), expected, `${dtype} vocab ${vocab}`);

      const dec = new DistributionCoder();
      dec.startDecoding(expected);
      const got = dec.decodeSteps(matrix, { vocab, count: steps, dtype: dt });
      assert.ok(got instanceof Int32Array);
      assert.deepEqual(Array.from(got), symbols);
    }
  }
});

test('number[] matrices and a distributionView used as the matrix', () => {
  const rand = rng(24);
  const vocab = 50;
  const steps = 12;
  const flat = [];
  const symbols = [];
  for (let t = 0; t < steps; t++) {
    const d = randomDist(rand, vocab);
    flat.push(...d);
    symbols.push(sample(rand, d));
  }
  const a = new DistributionCoder();
  a.encodeSteps(flat, symbols, { vocab });
  const b = new DistributionCoder();
  b.encodeSteps(Float64Array.from(flat), symbols, { vocab });
  const bytes = a.finishEncoding();
  assert.deepEqual(b.finishEncoding(), bytes);

  const dec = new DistributionCoder();
  dec.startDecoding(bytes);
  const m = dec.distributionView(vocab * steps, 'f64');
  m.set(flat);
  assert.deepEqual(Array.from(dec.decodeSteps(m, { vocab })), symbols);
});

test('a refused batch row keeps nothing of the batch and names the row', () => {
  const vocab = 4;
  const good = [0.1, 0.2, 0.3, 0.4];
  const matrix = [...good, ...good, ...good, 0.1, NaN, 0.3, 0.4, ...good];
  const enc = new DistributionCoder();
  enc.encodeStep(good, 1);
  assert.throws(() => enc.encodeSteps(matrix, [0, 1, 2, 3, 0], { vocab }),
    (e) => e instanceof RangeError && /row 3/.test(e.message) && /distribution\[1\] is NaN/.test(e.message) && e.step === 3);
  enc.encodeStep(good, 2);
  const ref = new DistributionCoder();
  ref.encodeStep(good, 1);
  ref.encodeStep(good, 2);
  assert.deepEqual(enc.finishEncoding(), ref.finishEncoding());

  const dec = new DistributionCoder();
  dec.startDecoding(ref.finishEncoding());
  assert.throws(() => dec.decodeSteps(matrix.slice(0, 16), { vocab }), /row 3: distribution\[1\] is NaN/);
  assert.deepEqual(Array.from(dec.decodeSteps([...good, ...good], { vocab })), [1, 2]);
});

test('a batch matrix that is another coder\'s view survives memory growth while it is copied', () => {
  const vocab = 1 << 16;
  const steps = 64; // 16 MiB of f32: copying it grows the memory
  const other = new DistributionCoder();
  const m = other.distributionView(vocab * steps);
  for (let i = 0; i < m.length; i++) m[i] = (i % 97) + 1;
  const symbols = Array.from({ length: steps }, (_, t) => (t * 977) % vocab);
  const rows = Array.from({ length: steps }, (_, t) => m.slice(t * vocab, (t + 1) * vocab));
  const enc = new DistributionCoder();
  enc.encodeSteps(m, symbols, { vocab });
  const ref = new DistributionCoder();
  rows.forEach((r, t) => ref.encodeStep(r, symbols[t]));
  assert.deepEqual(enc.finishEncoding(), ref.finishEncoding());
  other.free();
});
