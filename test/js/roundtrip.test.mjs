// Round trips for every dtype and input type, vocabularies 1..262144, both formats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DistributionCoder } from 'distribution-coder';
import { rng, randomDist, sample } from './helpers.mjs';

const VOCABS = [1, 2, 3, 5, 16, 255, 256, 257, 1000, 4096, 50257, 65536, 131072, 262144];

/** f64 -> f16 bits, round to nearest even (values here are finite, >= 0, < 65504). */
function toF16(x) {
  if (x === 0) return 0;
  let e = Math.floor(Math.log2(x));
  if (2 ** e > x) e--;
  if (e < -14) return Math.round(x / 2 ** -24); // subnormal (may round up into normal: fine)
  let m = Math.round((x / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e++;
  }
  return ((e + 15) << 10) | m;
}
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** f64 -> bf16 bits (truncation of the f32 bits: any non-negative finite value is fine). */
function toBF16(x) {
  f32[0] = x;
  return u32[0] >>> 16;
}

/** Input makers: each turns a Float64Array of probabilities into one input type. */
const INPUTS = {
  'number[]': { make: (d) => Array.from(d) },
  Float32Array: { make: (d) => Float32Array.from(d) },
  Float64Array: { make: (d) => Float64Array.from(d) },
  'Uint16Array f16': { make: (d) => Uint16Array.from(d, toF16), dtype: 'f16' },
  'Uint16Array bf16': { make: (d) => Uint16Array.from(d, toBF16), dtype: 'bf16' },
  'Float32Array subarray (byteOffset 12)': {
    make: (d) => {
      const a = new Float32Array(d.length + 5);
      a.set(d, 3);
      return a.subarray(3, 3 + d.length);
    },
  },
  'number[] as f32': { make: (d) => Array.from(d), dtype: 'f32' },
};
if (typeof globalThis.Float16Array === 'function') {
  INPUTS.Float16Array = { make: (d) => globalThis.Float16Array.from(d) };
}

function stepsFor(rand, n, count) {
  const steps = [];
  for (let t = 0; t < count; t++) {
    const d = randomDist(rand, n);
    // Normalise so the f16 conversion stays in range.
    let s = 0;
    for (const v of d) s += v;
    for (let i = 0; i < n; i++) d[i] /= s;
    steps.push([d, t % 7 === 6 ? Math.floor(rand() * n) : sample(rand, d)]);
  }
  return steps;
}

function roundTrip(format, steps, input) {
  const made = steps.map(([d]) => input.make(d));
  const enc = new DistributionCoder({ format });
  steps.forEach(([, sym], t) => enc.encodeStep(made[t], sym, input.dtype));
  const bytes = enc.finishEncoding();
  enc.free();
  const dec = new DistributionCoder({ format });
  dec.startDecoding(bytes);
  const got = made.map((m) => dec.decodeStep(m, input.dtype));
  dec.free();
  assert.deepEqual(
    got,
    steps.map(([, s]) => s),
  );
  return bytes;
}

for (const format of ['default', 'python-0.1']) {
  test(`${format}: every input type, vocabularies 1..262144`, () => {
    const rand = rng(format === 'default' ? 7 : 8);
    for (const n of VOCABS) {
      const steps = stepsFor(rand, n, n > 60000 ? 3 : n > 2000 ? 10 : 40);
      for (const [name, input] of Object.entries(INPUTS)) {
        assert.doesNotThrow(() => roundTrip(format, steps, input), `${name}, vocab ${n}`);
      }
    }
  });
}

test('the same values give the same stream whatever the container', () => {
  const rand = rng(3);
  const steps = stepsFor(rand, 300, 30);
  const a = roundTrip('default', steps, INPUTS.Float64Array);
  const b = roundTrip('default', steps, INPUTS['number[]']); // copied as f64
  assert.deepEqual(b, a);
  const c = roundTrip('default', steps, INPUTS.Float32Array);
  const d = roundTrip('default', steps, INPUTS['number[] as f32']);
  const e = roundTrip('default', steps, INPUTS['Float32Array subarray (byteOffset 12)']);
  assert.deepEqual(d, c);
  assert.deepEqual(e, c);
});

test('python-0.1 copies number[] as float32, default as float64', () => {
  const rand = rng(4);
  const steps = stepsFor(rand, 50, 40);
  const py = (input) => roundTrip('python-0.1', steps, input);
  assert.deepEqual(py(INPUTS['number[]']), py(INPUTS.Float32Array));
  const def = (input) => roundTrip('default', steps, input);
  assert.deepEqual(def(INPUTS['number[]']), def(INPUTS.Float64Array));
  assert.notDeepEqual(
    def(INPUTS.Float64Array),
    def(INPUTS.Float32Array),
    'f32 rounding changes the frequencies of these distributions (else this test proves nothing)',
  );
});

test('vocabulary changes from step to step; empty stream; one-symbol steps', () => {
  const rand = rng(5);
  const steps = [];
  for (let t = 0; t < 200; t++) {
    const n = 1 + Math.floor(rand() * 40);
    const d = randomDist(rand, n);
    steps.push([d, sample(rand, d)]);
  }
  roundTrip('default', steps, INPUTS.Float64Array);
  const enc = new DistributionCoder();
  const empty = enc.finishEncoding();
  assert.ok(empty instanceof Uint8Array);
  const dec = new DistributionCoder();
  dec.startDecoding(empty.buffer.slice(0)); // ArrayBuffer input
  assert.equal(dec.decodeStep([1]), 0);
});

test('many coders live at once, each with its own state', () => {
  const rand = rng(6);
  const coders = Array.from({ length: 50 }, () => new DistributionCoder());
  const sessions = coders.map(() => stepsFor(rand, 20, 30));
  for (let t = 0; t < 30; t++)
    coders.forEach((c, i) => c.encodeStep(sessions[i][t][0], sessions[i][t][1]));
  const streams = coders.map((c) => c.finishEncoding());
  const decs = streams.map((b) => {
    const d = new DistributionCoder();
    d.startDecoding(b);
    return d;
  });
  for (let t = 0; t < 30; t++) {
    decs.forEach((d, i) => assert.equal(d.decodeStep(sessions[i][t][0]), sessions[i][t][1]));
  }
  for (const c of [...coders, ...decs]) c.free();
});

test('finishEncoding returns a copy, the same bytes again; reset starts a new stream', () => {
  const enc = new DistributionCoder();
  enc.encodeStep([1, 2, 3], 2);
  enc.encodeStep([1, 2, 3], 0);
  const a = enc.finishEncoding();
  const b = enc.finishEncoding();
  assert.deepEqual(b, a);
  assert.notEqual(a.buffer, b.buffer);
  a.fill(0xff);
  assert.deepEqual(enc.finishEncoding(), b);
  enc.reset();
  enc.encodeStep([1, 2, 3], 2);
  enc.encodeStep([1, 2, 3], 0);
  assert.deepEqual(enc.finishEncoding(), b);
  assert.equal(enc.format, 'default');
  assert.equal(new DistributionCoder({ format: 'python-0.1' }).format, 'python-0.1');
});

test('free() is idempotent; Symbol.dispose frees', () => {
  const c = new DistributionCoder();
  c.free();
  c.free();
  assert.throws(() => c.encodeStep([1], 0), { name: 'TypeError', message: /freed/ });
  if (typeof Symbol.dispose === 'symbol') {
    const d = new DistributionCoder();
    d[Symbol.dispose]();
    assert.throws(() => d.encodeStep([1], 0), /freed/);
  }
});

test('Float16Array input (a stand-in where the runtime has none) reads as f16 bits', () => {
  // Classification is by Symbol.toStringTag, so a Uint16Array subclass tagged
  // 'Float16Array' takes the Float16Array path: its bits must code like Uint16Array 'f16'.
  const F16 =
    globalThis.Float16Array ??
    class Float16Array extends Uint16Array {
      get [Symbol.toStringTag]() {
        return 'Float16Array';
      }
    };
  const rand = rng(9);
  const steps = stepsFor(rand, 100, 20);
  const bits = steps.map(([d]) => Uint16Array.from(d, toF16));
  const asF16 = bits.map((b) => (globalThis.Float16Array ? new F16(b.buffer) : new F16(b)));
  const a = new DistributionCoder();
  const b = new DistributionCoder();
  steps.forEach(([, s], t) => {
    a.encodeStep(bits[t], s, 'f16');
    b.encodeStep(asF16[t], s);
  });
  assert.deepEqual(b.finishEncoding(), a.finishEncoding());
  assert.throws(() => b.encodeStep(asF16[0], 0, 'bf16'), TypeError);
  assert.throws(
    () => new DistributionCoder().encodeStep(asF16[0], 0, 'bf16'),
    /does not match a Float16Array/,
  );
});
