// Misuse: every bad argument and call order, detached and transferred buffers, views over a
// grown memory, decoding past the end, re-use after finishEncoding, interleaved coders.
// Each gets a clear error (or a defined result), and a coder that refused a call still
// writes, and reads, exactly the stream it would have without that call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DistributionCoder,
  DistributionCoderError,
  FramedEncoder,
  FramedDecoder,
} from 'distribution-coder';
import { rng, randomDist, sample } from './helpers.mjs';

const D = [0.2, 0.3, 0.5];
const SYMS = [2, 0, 1, 2, 2, 1];

function reference(format = 'default') {
  const c = new DistributionCoder({ format });
  for (const s of SYMS) c.encodeStep(D, s);
  const bytes = c.finishEncoding();
  c.free();
  return bytes;
}

/** `bad(coder)` must throw `expected` mid-stream; the stream must still equal the reference. */
function encoderSurvives(bad, expected, format = 'default') {
  const c = new DistributionCoder({ format });
  c.encodeStep(D, SYMS[0]);
  c.encodeStep(D, SYMS[1]);
  assert.throws(() => bad(c), expected);
  for (const s of SYMS.slice(2)) c.encodeStep(D, s);
  assert.deepEqual(c.finishEncoding(), reference(format));
  c.free();
}

/** `bad(coder)` must throw `expected` mid-decode; decoding then goes on with the right symbols. */
function decoderSurvives(bad, expected, format = 'default') {
  const c = new DistributionCoder({ format });
  c.startDecoding(reference(format));
  assert.equal(c.decodeStep(D), SYMS[0]);
  assert.equal(c.decodeStep(D), SYMS[1]);
  assert.throws(() => bad(c), expected);
  assert.deepEqual(
    SYMS.slice(2).map(() => c.decodeStep(D)),
    SYMS.slice(2),
  );
  c.free();
}

/** A Float32Array / Uint8Array whose buffer has been transferred away (detached). */
function detached(make) {
  const a = make();
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a;
}

const BAD_SYMBOLS = [
  [1.5, RangeError],
  [-1, RangeError],
  [3, RangeError],
  [2 ** 32, RangeError],
  [NaN, RangeError],
  [Infinity, RangeError],
  [-Infinity, RangeError],
  ['1', TypeError],
  [1n, TypeError],
  [null, TypeError],
  [undefined, TypeError],
  [{}, TypeError],
  [[1], TypeError],
];

const BAD_DISTRIBUTIONS = [
  // [distribution, dtype, class, message]
  [[0.2, NaN, 0.5], undefined, RangeError, /distribution\[1\] is NaN/],
  [[0.2, Infinity, 0.5], undefined, RangeError, /distribution\[1\] is Infinity/],
  [Float32Array.of(0.2, 0.3, -Infinity), undefined, RangeError, /distribution\[2\] is -Infinity/],
  [[0.2, -0.3, 0.5], undefined, RangeError, /distribution\[1\] is negative/],
  // Was converted to NaN by TypedArray.set and refused as NaN; now refused as what it is.
  [[0.2, {}, 0.5], undefined, TypeError, /distribution must hold numbers; distribution\[1\] is a/],
  [[], undefined, RangeError, /empty/],
  [new Float32Array(0), undefined, RangeError, /empty/],
  [Int32Array.of(1, 2, 3), undefined, TypeError, /Int32Array/],
  [Uint8Array.of(1, 2, 3), undefined, TypeError, /Uint8Array/],
  [new BigInt64Array(3), undefined, TypeError, /BigInt64Array/],
  ['0.2 0.3 0.5', undefined, TypeError, /distribution must be/],
  [null, undefined, TypeError, /distribution must be/],
  [undefined, undefined, TypeError, /distribution must be/],
  [42, undefined, TypeError, /distribution must be/],
  [[[0.2, 0.3, 0.5]], undefined, TypeError, /must hold numbers/],
  [new Uint16Array(3).fill(0x3c00), undefined, TypeError, /dtype is required with a Uint16Array/],
  [new Uint16Array(3).fill(0x3c00), 'f32', TypeError, /does not fit a Uint16Array/],
  [Float32Array.from(D), 'f64', TypeError, /does not match a Float32Array/],
  [D, 'F32', RangeError, /unknown dtype "F32"/],
  [D, 'float32', RangeError, /unknown dtype/],
  [D, 0, TypeError, /dtype must be one of/],
  [D, 'f16', TypeError, /needs a Uint16Array/],
  [new Uint16Array(3).fill(0x3c00), 'f8', RangeError, /unknown dtype/],
];

test('encodeStep: every bad symbol and distribution is refused and changes nothing', () => {
  for (const format of ['default', 'python-0.1']) {
    for (const [sym, Cls] of BAD_SYMBOLS) encoderSurvives((c) => c.encodeStep(D, sym), Cls, format);
    for (const [dist, dtype, Cls, re] of BAD_DISTRIBUTIONS) {
      encoderSurvives(
        (c) => c.encodeStep(dist, 0, dtype),
        (e) => e instanceof Cls && re.test(e.message),
        format,
      );
    }
  }
  // No positive mass: refused by the default format (python-0.1 counts zeros as 1).
  encoderSurvives((c) => c.encodeStep([0, 0, 0], 0), { codeName: 'DC_ERR_NO_MASS' });
});

test('decodeStep: every bad distribution is refused and changes nothing', () => {
  for (const format of ['default', 'python-0.1']) {
    for (const [dist, dtype, Cls, re] of BAD_DISTRIBUTIONS) {
      decoderSurvives(
        (c) => c.decodeStep(dist, dtype),
        (e) => e instanceof Cls && re.test(e.message),
        format,
      );
    }
  }
});

test('call order: decode before start, encode after finish, finish while decoding, freed coder', () => {
  // decodeStep / decodeSteps on an encoder
  encoderSurvives(
    (c) => c.decodeStep(D),
    (e) =>
      e instanceof TypeError &&
      e.codeName === 'DC_ERR_NOT_DECODING' &&
      /startDecoding/.test(e.message),
  );
  encoderSurvives((c) => c.decodeSteps(D, { vocab: 3 }), { codeName: 'DC_ERR_NOT_DECODING' });
  // finishEncoding while decoding; encodeStep while decoding
  decoderSurvives(
    (c) => c.finishEncoding(),
    (e) => e instanceof TypeError && e.codeName === 'DC_ERR_NOT_ENCODING',
  );
  decoderSurvives((c) => c.encodeStep(D, 0), { codeName: 'DC_ERR_NOT_ENCODING' });
  // startDecoding with something that is not bytes: the encoder goes on
  for (const bad of [
    'abc',
    [1, 2],
    Int8Array.of(1),
    null,
    undefined,
    5,
    new DataView(new ArrayBuffer(2)),
  ]) {
    encoderSurvives((c) => c.startDecoding(bad), TypeError);
  }
  // encodeStep after finishEncoding: refused; finishing again gives the same bytes
  const c = new DistributionCoder();
  for (const s of SYMS) c.encodeStep(D, s);
  const bytes = c.finishEncoding();
  assert.throws(
    () => c.encodeStep(D, 0),
    (e) =>
      e instanceof TypeError &&
      e.codeName === 'DC_ERR_NOT_ENCODING' &&
      /finishEncoding\(\) was called/.test(e.message),
  );
  assert.throws(() => c.encodeSteps(D, [0], { vocab: 3 }), { codeName: 'DC_ERR_NOT_ENCODING' });
  assert.deepEqual(c.finishEncoding(), bytes);
  // freed: every method refuses with a TypeError naming it; free() again is a no-op
  c.free();
  const calls = [
    (x) => x.encodeStep(D, 0),
    (x) => x.decodeStep(D),
    (x) => x.finishEncoding(),
    (x) => x.startDecoding(bytes),
    (x) => x.reset(),
    (x) => x.reserveOutput(10),
    (x) => x.distributionView(3),
    (x) => x.encodeSteps(D, [0], { vocab: 3 }),
    (x) => x.decodeSteps(D, { vocab: 3 }),
  ];
  for (const call of calls)
    assert.throws(
      () => call(c),
      (e) => e instanceof TypeError && /has been freed/.test(e.message),
    );
  c.free();
});

test('re-using a coder after finishEncoding: reset() and startDecoding() both work', () => {
  const ref = reference();
  const c = new DistributionCoder();
  for (let round = 0; round < 3; round++) {
    for (const s of SYMS) c.encodeStep(D, s);
    assert.deepEqual(c.finishEncoding(), ref);
    c.startDecoding(ref);
    assert.deepEqual(
      SYMS.map(() => c.decodeStep(D)),
      SYMS,
    );
    c.reset();
  }
  c.free();
});

test('detached and transferred buffers: a clear error, the coder unchanged', () => {
  const f32 = () => Float32Array.from(D);
  // Reported as transferred (a TypeError naming the argument), not as "empty".
  const transferred = (name) => (e) =>
    e instanceof TypeError && e.message.startsWith(`${name}: its ArrayBuffer was transferred`);
  encoderSurvives((c) => c.encodeStep(detached(f32), 0), transferred('distribution'));
  decoderSurvives((c) => c.decodeStep(detached(f32)), transferred('distribution'));
  encoderSurvives((c) => c.encodeSteps(detached(f32), [0], { vocab: 3 }), transferred('matrix'));
  // bytes to decode whose buffer was transferred (a Uint8Array over it, or the buffer itself)
  const ref = reference();
  encoderSurvives((c) => c.startDecoding(detached(() => ref.slice())), transferred('bytes'));
  const ab = ref.slice().buffer;
  structuredClone(ab, { transfer: [ab] });
  encoderSurvives((c) => c.startDecoding(ab), transferred('bytes'));
  // a buffer transferred after startDecoding: the coder decodes its own copy
  const dec = new DistributionCoder();
  const src = ref.slice();
  dec.startDecoding(src);
  structuredClone(src.buffer, { transfer: [src.buffer] });
  assert.deepEqual(
    SYMS.map(() => dec.decodeStep(D)),
    SYMS,
  );
  dec.free();
  // SharedArrayBuffer-backed arrays are read like any other
  const shared = new Float64Array(new SharedArrayBuffer(24));
  shared.set(D);
  const c = new DistributionCoder();
  for (const s of SYMS) c.encodeStep(shared, s);
  assert.deepEqual(c.finishEncoding(), ref);
  c.free();
});

test('a view over wasm memory made before the memory grew is refused; a new view works', () => {
  const c = new DistributionCoder();
  c.encodeStep(D, SYMS[0]);
  const view = c.distributionView(3, 'f64');
  view.set(D);
  c.encodeStep(view, SYMS[1]);
  // Grow the memory: another coder stages a 64 MiB distribution.
  const big = new DistributionCoder();
  big.distributionView(1 << 24, 'f32');
  assert.throws(
    () => c.encodeStep(view, SYMS[2]),
    (e) => e instanceof TypeError && /memory grew/.test(e.message),
  );
  const fresh = c.distributionView(3, 'f64');
  assert.notEqual(fresh, view);
  fresh.set(D);
  for (const s of SYMS.slice(2)) c.encodeStep(fresh, s);
  assert.deepEqual(c.finishEncoding(), reference());
  big.free();
  c.free();
});

test('decoding past the end: raw streams give defined symbols, the container refuses', () => {
  const ref = reference();
  const runs = [0, 1].map(() => {
    const c = new DistributionCoder();
    c.startDecoding(ref);
    const out = Array.from({ length: SYMS.length + 20 }, () => c.decodeStep(D));
    c.free();
    return out;
  });
  // A raw stream has no length: past its end the decoder reads zero bytes, the same way
  // every time, and every symbol is a valid index.
  assert.deepEqual(runs[0], runs[1]);
  assert.deepEqual(runs[0].slice(0, SYMS.length), SYMS);
  assert.ok(runs[0].every((s) => Number.isInteger(s) && s >= 0 && s < 3));
  // An empty stream decodes too (as zero bytes).
  const e = new DistributionCoder();
  e.startDecoding(new Uint8Array(0));
  assert.ok(e.decodeStep(D) < 3);
  e.free();
  // The container knows its length.
  const enc = new FramedEncoder();
  for (const s of SYMS) enc.encodeStep(D, s);
  const dec = new FramedDecoder(enc.finish());
  assert.deepEqual(
    SYMS.map(() => dec.decodeStep(D)),
    SYMS,
  );
  for (let i = 0; i < 3; i++) {
    assert.throws(
      () => dec.decodeStep(D),
      (err) => err instanceof DistributionCoderError && err.codeName === 'DC_ERR_FRAME_END',
    );
  }
  dec.free();
});

test('interleaved coders: each writes and reads its own stream, refusals stay local', () => {
  const rand = rng(99);
  const n = 24;
  const streams = [];
  for (let k = 0; k < n; k++) {
    const vocab = 2 + Math.floor(rand() * 300);
    const steps = [];
    for (let t = 0; t < 40; t++) {
      const d = randomDist(rand, vocab);
      if (k % 2) {
        // python-0.1 wants normalised counts
        const sum = d.reduce((a, x) => a + x, 0);
        for (let i = 0; i < vocab; i++) d[i] /= sum * 1.001;
      }
      steps.push({ d, s: sample(rand, d) });
    }
    streams.push({ format: k % 2 ? 'python-0.1' : 'default', steps });
  }
  const solo = streams.map(({ format, steps }) => {
    const c = new DistributionCoder({ format });
    for (const { d, s } of steps) c.encodeStep(d, s);
    const b = c.finishEncoding();
    c.free();
    return b;
  });
  const coders = streams.map(({ format }) => new DistributionCoder({ format }));
  for (let t = 0; t < 40; t++) {
    for (let k = (t * 7) % n, i = 0; i < n; i++, k = (k + 1) % n) {
      const { d, s } = streams[k].steps[t];
      if ((t + k) % 5 === 0) assert.throws(() => coders[k].encodeStep(d, d.length), RangeError);
      coders[k].encodeStep(d, s);
    }
  }
  const out = coders.map((c) => c.finishEncoding());
  out.forEach((b, k) => assert.deepEqual(b, solo[k], `coder ${k}`));
  coders.forEach((c, k) => c.startDecoding(out[k]));
  for (let t = 0; t < 40; t++) {
    for (let k = n - 1; k >= 0; k--) {
      if ((t + k) % 3 === 0) assert.throws(() => coders[k].decodeStep([1, NaN]), RangeError);
      assert.equal(coders[k].decodeStep(streams[k].steps[t].d), streams[k].steps[t].s);
    }
  }
  coders.forEach((c) => c.free());
});

test('framed encoder and decoder: freed, finished, refused steps', () => {
  const enc = new FramedEncoder({ stepsPerChunk: 2 });
  for (const s of SYMS) {
    assert.throws(() => enc.encodeStep(D, 3), RangeError);
    assert.throws(() => enc.encodeStep([0.5, NaN, 0.5], 0), RangeError);
    enc.encodeStep(D, s);
  }
  const bytes = enc.finish();
  assert.deepEqual(enc.finish(), bytes);
  assert.throws(
    () => enc.encodeStep(D, 0),
    (e) => e instanceof TypeError && e.codeName === 'DC_ERR_NOT_ENCODING',
  );
  enc.free();
  assert.deepEqual(enc.finish(), bytes); // the finished container stays available
  const unfinished = new FramedEncoder();
  unfinished.encodeStep(D, 1);
  unfinished.free();
  unfinished.free();
  assert.throws(
    () => unfinished.encodeStep(D, 1),
    (e) => e instanceof TypeError && /FramedEncoder has been freed/.test(e.message),
  );
  assert.throws(
    () => unfinished.finish(),
    (e) => e instanceof TypeError && /FramedEncoder has been freed/.test(e.message),
  );

  const dec = new FramedDecoder(bytes);
  assert.equal(dec.decodeStep(D), SYMS[0]);
  assert.throws(() => dec.decodeStep([]), RangeError);
  assert.throws(() => dec.decodeStep(D, 'f16'), TypeError);
  assert.deepEqual(
    SYMS.slice(1).map(() => dec.decodeStep(D)),
    SYMS.slice(1),
  );
  dec.free();
  dec.free();
  assert.throws(
    () => dec.decodeStep(D),
    (e) => e instanceof TypeError && /FramedDecoder has been freed/.test(e.message),
  );
  // the constructor copies its bytes: changing or transferring them afterwards is harmless
  const copy = bytes.slice();
  const dec2 = new FramedDecoder(copy);
  copy.fill(0);
  structuredClone(copy.buffer, { transfer: [copy.buffer] });
  assert.deepEqual(
    SYMS.map(() => dec2.decodeStep(D)),
    SYMS,
  );
  dec2.free();
});
