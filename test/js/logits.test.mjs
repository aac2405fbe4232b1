// Logits in (docs/FORMAT.md section 6): options, round trips of every dtype, the stream of
// logits equals the probability coder's stream of the integer softmax weights (f32), errors name
// the element, and the framed container (version 3) carries the input and temperature.
import assert from 'node:assert/strict';
import test from 'node:test';

import { DistributionCoder, FramedDecoder, FramedEncoder } from '../../js/index.js';

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function logits(r, n, scale = 4) {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = (r() + r() + r() - 1.5) * scale;
  return x;
}

function encode(options, rows, symbols, dtype) {
  const c = new DistributionCoder(options);
  rows.forEach((row, t) => c.encodeStep(row, symbols[t], dtype));
  const bytes = c.finishEncoding();
  c.free();
  return bytes;
}

test('options: input and temperature are checked and exposed', () => {
  const c = new DistributionCoder({ input: 'logits', temperature: 0.7 });
  assert.equal(c.input, 'logits');
  assert.equal(c.temperature, 0.7);
  c.free();
  const p = new DistributionCoder();
  assert.equal(p.input, 'probabilities');
  assert.equal(p.temperature, 1);
  p.free();
  assert.throws(() => new DistributionCoder({ input: 'logit' }), RangeError);
  assert.throws(() => new DistributionCoder({ input: 'logits', temperature: 0 }), RangeError);
  assert.throws(() => new DistributionCoder({ input: 'logits', temperature: -1 }), RangeError);
  assert.throws(() => new DistributionCoder({ input: 'logits', temperature: NaN }), RangeError);
  assert.throws(
    () => new DistributionCoder({ input: 'logits', temperature: Infinity }),
    RangeError,
  );
  assert.throws(() => new DistributionCoder({ input: 'logits', temperature: '1' }), TypeError);
  assert.throws(() => new DistributionCoder({ temperature: 2 }), /applies to input 'logits' only/);
  assert.throws(
    () => new DistributionCoder({ input: 'logits', format: 'python-0.1' }),
    /not available with format 'python-0.1'/,
  );
  assert.throws(
    () => new DistributionCoder({ input: 'logits', tolerance: 1e-5 }),
    /not available with a tolerance/,
  );
  assert.throws(() => new DistributionCoder({ temprature: 1 }), /not an option/);
});

test('round trips of every dtype and temperature, steps and batches, views', () => {
  const r = rng(1);
  const n = 1000;
  for (const temperature of [1, 0.5, 2.5, 1e-3]) {
    const rows = Array.from({ length: 6 }, () => logits(r, n, 8));
    const symbols = rows.map(() => Math.floor(r() * n));
    const f64 = rows.map((x) => Float64Array.from(x));
    const opts = { input: 'logits', temperature };
    for (const [data, dtype] of [
      [rows, 'f32'],
      [f64, 'f64'],
    ]) {
      const bytes = encode(opts, data, symbols, dtype);
      const d = new DistributionCoder(opts);
      d.startDecoding(bytes);
      assert.deepEqual(
        data.map((row) => d.decodeStep(row, dtype)),
        symbols,
      );
      // batch encode gives the same bytes; batch decode the same symbols
      const m = new data[0].constructor(data.length * n);
      data.forEach((row, t) => m.set(row, t * n));
      d.reset();
      d.encodeSteps(m, symbols, { vocab: n, dtype });
      assert.deepEqual(d.finishEncoding(), bytes);
      d.startDecoding(bytes);
      assert.deepEqual(Array.from(d.decodeSteps(m, { vocab: n, dtype })), symbols);
      // a distribution view written in place
      d.reset();
      const view = d.distributionView(n, dtype);
      data.forEach((row, t) => {
        view.set(row);
        d.encodeStep(view, symbols[t]);
      });
      assert.deepEqual(d.finishEncoding(), bytes);
      d.free();
    }
  }
  // f16 / bf16 as bit patterns: small integers are exact in both
  for (const dtype of ['f16', 'bf16']) {
    const rows = Array.from({ length: 4 }, () => {
      const u = new Uint16Array(n);
      for (let i = 0; i < n; i++) {
        const v = Math.floor(r() * 16) - 8; // -8..7
        const b = new Float32Array([v]);
        const bits = new Uint32Array(b.buffer)[0];
        u[i] = dtype === 'bf16' ? bits >>> 16 : v === 0 ? 0 : f16Bits(v);
      }
      return u;
    });
    const symbols = rows.map(() => Math.floor(r() * n));
    const bytes = encode({ input: 'logits' }, rows, symbols, dtype);
    const d = new DistributionCoder({ input: 'logits' });
    d.startDecoding(bytes);
    assert.deepEqual(
      rows.map((row) => d.decodeStep(row, dtype)),
      symbols,
    );
    d.free();
  }
});

function f16Bits(v) {
  const sign = v < 0 ? 0x8000 : 0;
  const a = Math.abs(v);
  const e = Math.floor(Math.log2(a));
  return sign | ((e + 15) << 10) | Math.round((a / 2 ** e - 1) * 1024);
}

test('the stream of logits is the stream of their integer softmax weights (max 1.0) as f32', () => {
  // With logits all equal every weight is exactly 1.0f (docs/FORMAT.md section 6.4): the
  // same stream as a row of probabilities 1.0.
  const n = 300;
  const flat = new Float32Array(n).fill(-3.25);
  const ones = new Float32Array(n).fill(1);
  const symbols = [5, 299, 0, 17];
  assert.deepEqual(
    encode({ input: 'logits' }, [flat, flat, flat, flat], symbols, 'f32'),
    encode({}, [ones, ones, ones, ones], symbols, 'f32'),
  );
});

test('shift invariance: adding an exact constant to every logit gives the same stream', () => {
  const r = rng(9);
  const n = 4099;
  const rows = Array.from({ length: 8 }, () => {
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = Math.floor(r() * 8192 - 6000) / 256;
    return x;
  });
  const shifted = rows.map((x) => x.map((v) => v + 37.75));
  const symbols = rows.map(() => Math.floor(r() * n));
  const opts = { input: 'logits', temperature: 0.8 };
  assert.deepEqual(encode(opts, rows, symbols), encode(opts, shifted, symbols));
  assert.notDeepEqual(encode(opts, rows, symbols), encode({ input: 'logits' }, rows, symbols));
});

test('NaN and infinite logits are refused naming the element; negatives are fine', () => {
  const c = new DistributionCoder({ input: 'logits' });
  const x = new Float32Array([-1, -2, 3, -4]);
  c.encodeStep(x, 1);
  const before = new DistributionCoder({ input: 'logits' });
  before.encodeStep(x, 1);
  x[2] = NaN;
  assert.throws(
    () => c.encodeStep(x, 1),
    (e) => e instanceof RangeError && /\[2\] is NaN/.test(e.message) && e.codeName === 'DC_ERR_NAN',
  );
  x[2] = -Infinity;
  assert.throws(
    () => c.encodeStep(x, 1),
    (e) => /\[2\] is -Infinity/.test(e.message) && e.codeName === 'DC_ERR_INFINITE',
  );
  assert.throws(() => c.encodeStep([0, Infinity], 0), /\[1\] is Infinity/);
  // the refused steps changed nothing
  assert.deepEqual(c.finishEncoding(), before.finishEncoding());
  c.free();
  before.free();
});

test('framed container version 3 carries input and temperature', () => {
  const r = rng(4);
  const n = 500;
  const rows = Array.from({ length: 9 }, () => logits(r, n));
  const symbols = rows.map(() => Math.floor(r() * n));
  const enc = new FramedEncoder({ input: 'logits', temperature: 1.5, stepsPerChunk: 4 });
  assert.equal(enc.input, 'logits');
  assert.equal(enc.temperature, 1.5);
  rows.forEach((row, t) => enc.encodeStep(row, symbols[t]));
  const bytes = enc.finish();
  assert.equal(bytes[4], 3);
  const info = FramedDecoder.inspect(bytes);
  assert.equal(info.input, 'logits');
  assert.equal(info.temperature, 1.5);
  const dec = new FramedDecoder(bytes);
  assert.equal(dec.input, 'logits');
  assert.equal(dec.temperature, 1.5);
  assert.deepEqual(
    rows.map((row) => dec.decodeStep(row)),
    symbols,
  );
  dec.free();
  // probabilities containers keep version 1 and say so
  const p = new FramedEncoder();
  p.encodeStep([0.5, 0.5], 1);
  const pb = p.finish();
  assert.equal(pb[4], 1);
  const pd = new FramedDecoder(pb);
  assert.equal(pd.input, 'probabilities');
  assert.equal(pd.temperature, 1);
  pd.free();
  // a damaged temperature is named
  const bad = bytes.slice();
  bad[35] ^= 0x80; // the sign of the temperature
  assert.throws(() => new FramedDecoder(bad), /damaged/);
  assert.throws(() => new FramedEncoder({ temperature: 2 }), /applies to input 'logits' only/);
});
