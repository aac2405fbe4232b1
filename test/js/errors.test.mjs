// Every refusal: the right class, a message naming the argument and the value, and the
// coder afterwards as if the call never happened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DistributionCoder, DistributionCoderError } from 'distribution-coder';

const D = [0.25, 0.25, 0.5];

/** Runs `bad` (which must throw `expected`) between two good steps; the stream must equal
 * the one without the bad call. */
function refusedAndUnchanged(bad, expected, format = 'default') {
  const enc = new DistributionCoder({ format });
  enc.encodeStep(D, 2);
  assert.throws(() => bad(enc), expected);
  enc.encodeStep(D, 1);
  const ref = new DistributionCoder({ format });
  ref.encodeStep(D, 2);
  ref.encodeStep(D, 1);
  assert.deepEqual(enc.finishEncoding(), ref.finishEncoding());
  enc.free();
  ref.free();
}

test('bad symbols: TypeError / RangeError naming the symbol', () => {
  const cases = [
    [1.5, RangeError, /symbol must be an integer; got 1\.5/],
    [-1, RangeError, /symbol must be >= 0; got -1/],
    [3, RangeError, /symbol is 3, out of range for a vocabulary of 3/],
    [NaN, RangeError, /symbol must be an integer; got NaN/],
    [Infinity, RangeError, /symbol.*Infinity/],
    ['1', TypeError, /symbol must be an integer number; got "1"/],
    [1n, TypeError, /symbol must be an integer number; got 1n/],
    [undefined, TypeError, /symbol.*undefined/],
  ];
  for (const [sym, Cls, re] of cases) {
    refusedAndUnchanged(
      (c) => c.encodeStep(D, sym),
      (e) => e instanceof Cls && re.test(e.message),
    );
  }
});

test('distribution content refused by C: the first offending element is named', () => {
  const cases = [
    [[0.5, NaN, 0.5], /^distribution\[1\] is NaN$/, 'DC_ERR_NAN'],
    [Float32Array.of(0.5, 0.1, Infinity), /^distribution\[2\] is Infinity$/, 'DC_ERR_INFINITE'],
    [Float64Array.of(-Infinity, 1), /^distribution\[0\] is -Infinity$/, 'DC_ERR_INFINITE'],
    [[0.5, 0.2, 0.1, -0.5], /^distribution\[3\] is negative \(-0\.5\)$/, 'DC_ERR_NEGATIVE'],
    [Uint16Array.of(0x3c00, 0x7e00), /^distribution\[1\] is NaN$/, 'DC_ERR_NAN', 'f16'],
    [
      Uint16Array.of(0x3c00, 0xbc00),
      /^distribution\[1\] is negative \(-1\)$/,
      'DC_ERR_NEGATIVE',
      'f16',
    ],
    [Uint16Array.of(0x7f80, 0x3f80), /^distribution\[0\] is Infinity$/, 'DC_ERR_INFINITE', 'bf16'],
  ];
  for (const format of ['default', 'python-0.1']) {
    for (const [dist, re, codeName, dtype] of cases) {
      refusedAndUnchanged(
        (c) => c.encodeStep(dist, 0, dtype),
        (e) =>
          e instanceof RangeError &&
          re.test(e.message) &&
          e.codeName === codeName &&
          typeof e.code === 'number',
        format,
      );
    }
  }
  // The default format refuses distributions with no positive value (python-0.1 gives
  // every zero a count of 1, as the Python package does).
  refusedAndUnchanged(
    (c) => c.encodeStep([0, 0, -0], 0),
    (e) =>
      e instanceof RangeError &&
      e.message === 'distribution has no positive value' &&
      e.codeName === 'DC_ERR_NO_MASS',
  );
  refusedAndUnchanged(
    (c) => c.encodeStep(new Float32Array(2), 0),
    /distribution has no positive value/,
  );
  // -0 is not negative: accepted.
  const c = new DistributionCoder();
  c.encodeStep([-0, 1], 1);
});

test('decodeStep refusals leave the decoder unchanged', () => {
  const enc = new DistributionCoder();
  for (const s of [2, 0, 1, 2]) enc.encodeStep(D, s);
  const bytes = enc.finishEncoding();
  const dec = new DistributionCoder();
  dec.startDecoding(bytes);
  assert.equal(dec.decodeStep(D), 2);
  assert.throws(() => dec.decodeStep([0.5, NaN]), /distribution\[1\] is NaN/);
  assert.throws(() => dec.decodeStep([]), RangeError);
  assert.throws(() => dec.decodeStep(new Int32Array(3)), TypeError);
  assert.equal(dec.decodeStep(D), 0);
  assert.equal(dec.decodeStep(D), 1);
  assert.equal(dec.decodeStep(D), 2);
});

test('argument types: empty, too long, wrong array type, Uint16Array without dtype, unknown dtype', () => {
  const cases = [
    [(c) => c.encodeStep([], 0), RangeError, /distribution is empty/],
    [(c) => c.encodeStep(new Float32Array(0), 0), RangeError, /distribution is empty/],
    [
      (c) => c.encodeStep({ length: 16777217 }, 0),
      RangeError,
      /distribution has length 16777217, above the maximum 16777216/,
    ],
    [
      (c) => c.encodeStep(new Int32Array(3), 0),
      TypeError,
      /distribution must be .*got a Int32Array/,
    ],
    [(c) => c.encodeStep(new Uint8Array(3), 0), TypeError, /distribution must be .*Uint8Array/],
    [(c) => c.encodeStep(new DataView(new ArrayBuffer(8)), 0), TypeError, /distribution must be/],
    [(c) => c.encodeStep('0.5', 0), TypeError, /distribution must be .*got "0\.5"/],
    [(c) => c.encodeStep(null, 0), TypeError, /distribution must be .*got null/],
    [(c) => c.encodeStep(0.5, 0), TypeError, /distribution must be .*got 0\.5/],
    [
      (c) => c.encodeStep(new Uint16Array(3), 0),
      TypeError,
      /dtype is required with a Uint16Array distribution/,
    ],
    [
      (c) => c.encodeStep(new Uint16Array(3), 0, 'f32'),
      TypeError,
      /dtype "f32" does not fit a Uint16Array/,
    ],
    [(c) => c.encodeStep(D, 0, 'f8'), RangeError, /unknown dtype "f8"/],
    [(c) => c.encodeStep(D, 0, 'toString'), RangeError, /unknown dtype "toString"/],
    [(c) => c.encodeStep(D, 0, 32), TypeError, /dtype must be one of .*got 32/],
    [
      (c) => c.encodeStep(Float32Array.from(D), 0, 'f64'),
      TypeError,
      /dtype "f64" does not match a Float32Array/,
    ],
    [(c) => c.encodeStep(D, 0, 'bf16'), TypeError, /needs a Uint16Array/],
    [
      (c) => c.encodeStep([[0.5], [0.5]], 0),
      TypeError,
      /distribution must hold numbers; distribution\[0\] is an Array/,
    ],
    [(c) => c.encodeStep(['0.5', 0.5], 0), TypeError, /distribution\[0\] is "0\.5"/],
  ];
  for (const [bad, Cls, re] of cases) {
    refusedAndUnchanged(bad, (e) => e instanceof Cls && re.test(e.message));
  }
});

test('coder states: freed, decodeStep before startDecoding, encodeStep after finishEncoding', () => {
  const c = new DistributionCoder();
  assert.throws(() => c.decodeStep(D), {
    name: 'TypeError',
    message: /not decoding; call startDecoding/,
  });
  assert.throws(() => c.decodeSteps(D, { vocab: 3 }), {
    name: 'TypeError',
    message: /not decoding/,
  });
  c.encodeStep(D, 0);
  const bytes = c.finishEncoding();
  assert.throws(() => c.encodeStep(D, 0), {
    name: 'TypeError',
    message: /not encoding \(finishEncoding\(\) was called\)/,
  });
  assert.throws(
    () => c.encodeSteps(D, [0], { vocab: 3 }),
    (e) => e instanceof TypeError && e.codeName === 'DC_ERR_NOT_ENCODING',
  );
  assert.deepEqual(c.finishEncoding(), bytes);
  c.startDecoding(bytes);
  assert.throws(() => c.encodeStep(D, 0), { name: 'TypeError', message: /it is decoding/ });
  assert.throws(() => c.finishEncoding(), TypeError);
  assert.equal(c.decodeStep(D), 0);
  c.free();
  for (const call of [
    () => c.encodeStep(D, 0),
    () => c.decodeStep(D),
    () => c.finishEncoding(),
    () => c.startDecoding(bytes),
    () => c.reset(),
    () => c.distributionView(3),
    () => c.encodeSteps(D, [0], { vocab: 3 }),
    () => c.decodeSteps(D, { vocab: 3 }),
    () => c.reserveOutput(10),
  ]) {
    assert.throws(call, { name: 'TypeError', message: /has been freed/ });
  }
  assert.throws(() => new DistributionCoder().startDecoding([1, 2]), {
    name: 'TypeError',
    message: /bytes must be a Uint8Array or an ArrayBuffer; got an Array/,
  });
});

test('constructor options and distributionView arguments', () => {
  assert.throws(() => new DistributionCoder({ format: 'zstd' }), {
    name: 'RangeError',
    message: /options.format must be 'default' or 'python-0.1'; got "zstd"/,
  });
  assert.throws(() => new DistributionCoder(5), {
    name: 'TypeError',
    message: /options must be an object/,
  });
  const c = new DistributionCoder();
  assert.throws(() => c.distributionView(0), {
    name: 'RangeError',
    message: /vocab must be an integer from 1 to 16777216; got 0/,
  });
  assert.throws(() => c.distributionView(16777217), RangeError);
  assert.throws(() => c.distributionView(2.5), RangeError);
  assert.throws(() => c.distributionView('3'), TypeError);
  assert.throws(() => c.distributionView(3, 'f128'), {
    name: 'RangeError',
    message: /unknown dtype "f128"/,
  });
});

test('bad batch shapes', () => {
  const m = [0.1, 0.9, 0.5, 0.5, 0.3, 0.7];
  const cases = [
    [
      (c) => c.encodeSteps(m, [0, 1, 1], {}),
      TypeError,
      /options.vocab must be an integer number; got undefined/,
    ],
    [(c) => c.encodeSteps(m, [0, 1, 1]), TypeError, /options must be an object/],
    [
      (c) => c.encodeSteps(m, [0, 1, 1], { vocab: 4 }),
      RangeError,
      /matrix has length 6, not a multiple of vocab \(4\)/,
    ],
    [
      (c) => c.encodeSteps(m, [0, 1], { vocab: 2 }),
      RangeError,
      /symbols has length 2 but matrix has 3 rows/,
    ],
    [
      (c) => c.encodeSteps(m, [0, 1, 2], { vocab: 2 }),
      RangeError,
      /symbols\[2\] is 2, out of range/,
    ],
    [(c) => c.encodeSteps(m, [0, -1, 1], { vocab: 2 }), RangeError, /symbols\[1\] must be >= 0/],
    [(c) => c.encodeSteps(m, 5, { vocab: 2 }), TypeError, /symbols must be an array/],
    [(c) => c.encodeSteps([[0.1, 0.9]], [0], { vocab: 2 }), TypeError, /matrix must be flat/],
    [(c) => c.encodeSteps(m, [0, 1, 1], { vocab: 2, dtype: 'x' }), RangeError, /unknown dtype "x"/],
    [
      (c) => c.encodeSteps(new Uint16Array(6), [0, 1, 1], { vocab: 2 }),
      TypeError,
      /dtype is required/,
    ],
  ];
  for (const [bad, Cls, re] of cases)
    refusedAndUnchanged(bad, (e) => e instanceof Cls && re.test(e.message));

  const enc = new DistributionCoder();
  enc.encodeSteps(m, [0, 1, 1], { vocab: 2 });
  const dec = new DistributionCoder();
  dec.startDecoding(enc.finishEncoding());
  assert.throws(() => dec.decodeSteps(m, { vocab: 2, count: 2 }), {
    name: 'RangeError',
    message: /count is 2 but matrix has 3 rows/,
  });
  assert.throws(() => dec.decodeSteps(m, { vocab: 2, count: -1 }), RangeError);
  assert.deepEqual(Array.from(dec.decodeSteps(m, { vocab: 2, count: 3 })), [0, 1, 1]);
});

test('C errors other than argument errors: DistributionCoderError with code and codeName', () => {
  // python-0.1 refuses distributions whose counts outside the largest reach 2^32: many
  // equal values >= 1 (each count clamps at 2^32).
  const c = new DistributionCoder({ format: 'python-0.1' });
  let err;
  try {
    c.encodeStep([1, 1, 1], 0);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof DistributionCoderError, `got ${err}`);
  assert.equal(err.name, 'DistributionCoderError');
  assert.equal(err.codeName, 'DC_ERR_COUNT_OVERFLOW');
  assert.equal(err.code, 14);
  assert.match(err.message, /^encodeStep: python-0\.1: the counts outside the largest/);
  c.encodeStep([0.5, 0.5], 1); // still usable
  assert.ok(c.finishEncoding().length > 0);
});
