// tolerant.test.mjs - the tolerant mode through the JS API (docs/FORMAT.md section 5):
// the tolerance option's checks, and decoding from distributions moved by up to tau.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DistributionCoder, FramedDecoder, FramedEncoder, crc32 } from 'distribution-coder';

test('options.tolerance: numbers in [0, 1e-2]; not with python-0.1', () => {
  assert.throws(() => new DistributionCoder({ tolerance: '1e-5' }), TypeError);
  for (const bad of [-1e-6, 0.0101, NaN, Infinity]) {
    assert.throws(() => new DistributionCoder({ tolerance: bad }), RangeError, String(bad));
  }
  assert.throws(
    () => new DistributionCoder({ format: 'python-0.1', tolerance: 1e-5 }),
    /python-0\.1/,
  );
  const c = new DistributionCoder({ tolerance: 1e-5 });
  assert.equal(c.tolerance, 1e-5);
  c.free();
  assert.equal(new DistributionCoder().tolerance, 0);
});

test('tolerance 0 writes the exact mode bytes', () => {
  const p = new Float32Array([0.1, 0.2, 0.3, 0.4]);
  const a = new DistributionCoder({ tolerance: 0 }),
    b = new DistributionCoder();
  for (const s of [0, 3, 2, 1, 3]) {
    a.encodeStep(p, s);
    b.encodeStep(p, s);
  }
  assert.deepEqual(a.finishEncoding(), b.finishEncoding());
});

test('decoded from distributions moved by up to tau: the encoded symbols', () => {
  let seed = 7;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  for (const [vocab, tau] of [
    [2, 1e-3],
    [256, 1e-5],
    [1000, 1e-4],
    [50257, 1e-5],
  ]) {
    const rows = [],
      moved = [],
      symbols = [];
    for (let t = 0; t < 40; t++) {
      const p = new Float32Array(vocab);
      let s = 0;
      for (let i = 0; i < vocab; i++) s += p[i] = Math.exp(-8 * rand() * rand());
      for (let i = 0; i < vocab; i++) p[i] /= s;
      const q = new Float32Array(vocab);
      for (let i = 0; i < vocab; i++) {
        const u = [1, -1, 2 * rand() - 1][Math.floor(rand() * 3)];
        q[i] = p[i] * (1 + u * tau);
        if (Math.abs(q[i] - p[i]) > tau * p[i]) q[i] = p[i];
      }
      rows.push(p);
      moved.push(q);
      symbols.push(Math.floor(rand() * vocab));
    }
    const enc = new DistributionCoder({ tolerance: tau });
    rows.forEach((p, t) => enc.encodeStep(p, symbols[t]));
    const bytes = enc.finishEncoding();
    const dec = new DistributionCoder({ tolerance: tau });
    dec.startDecoding(bytes);
    assert.deepEqual(
      moved.map((q) => dec.decodeStep(q)),
      symbols,
      `vocab ${vocab}`,
    );
  }
});

function movedRows(vocab, steps, tau, seed) {
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const rows = [],
    moved = [],
    symbols = [];
  for (let t = 0; t < steps; t++) {
    const p = new Float32Array(vocab);
    let s = 0;
    for (let i = 0; i < vocab; i++) s += p[i] = Math.exp(-8 * rand() * rand());
    for (let i = 0; i < vocab; i++) p[i] /= s;
    const q = new Float32Array(vocab);
    for (let i = 0; i < vocab; i++) {
      q[i] = p[i] * (1 + (rand() < 0.5 ? -1 : 1) * tau);
      if (Math.abs(q[i] - p[i]) > tau * p[i]) q[i] = p[i];
    }
    rows.push(p);
    moved.push(q);
    symbols.push(Math.floor(rand() * vocab));
  }
  return { rows, moved, symbols };
}

test('FramedEncoder { tolerance }: checks, container version 2 carries tau', () => {
  assert.throws(() => new FramedEncoder({ tolerance: '1e-4' }), {
    name: 'TypeError',
    message: /options\.tolerance must be a number/,
  });
  for (const bad of [-1e-6, 0.0101, NaN]) {
    assert.throws(() => new FramedEncoder({ tolerance: bad }), RangeError, String(bad));
  }
  assert.throws(
    () => new FramedEncoder({ format: 'python-0.1', tolerance: 1e-4 }),
    /not available with format 'python-0\.1'/,
  );
  const tau = 1e-4;
  const { rows, moved, symbols } = movedRows(500, 30, tau, 11);
  const enc = new FramedEncoder({ tolerance: tau, modelId: 'm', stepsPerChunk: 8 });
  assert.equal(enc.tolerance, tau);
  rows.forEach((p, t) => enc.encodeStep(p, symbols[t]));
  const bytes = enc.finish();
  assert.equal(bytes[4], 2);
  const used = Math.ceil(tau * 2 ** 32) / 2 ** 32; // stored as ceil(tau * 2^32)
  assert.equal(FramedDecoder.inspect(bytes).tolerance, used);
  const dec = new FramedDecoder(bytes, { modelId: 'm' });
  assert.equal(dec.tolerance, used);
  assert.deepEqual(
    moved.map((q) => dec.decodeStep(q)),
    symbols,
  );
  assert.equal(dec.verifiedSteps, 30);
  // the exact mode: version 1, tolerance 0, and the same moves are caught by the CRC
  const exact = new FramedEncoder({ modelId: 'm', stepsPerChunk: 8 });
  rows.forEach((p, t) => exact.encodeStep(p, symbols[t]));
  const plain = exact.finish();
  assert.equal(plain[4], 1);
  assert.equal(FramedDecoder.inspect(plain).tolerance, 0);
  const d1 = new FramedDecoder(plain, { modelId: 'm' });
  assert.throws(() => moved.forEach((q) => d1.decodeStep(q)), /DC_ERR_FRAME_CHECKSUM|DC_ERR_/);
});

test('a damaged tolerance in a version 2 header is named', () => {
  const enc = new FramedEncoder({ tolerance: 1e-4 });
  enc.encodeStep(new Float32Array([0.5, 0.5]), 1);
  const b = enc.finish();
  b.fill(0, 20, 24); // tau = 0 is not a version 2 container; header CRC made valid again
  new DataView(b.buffer).setUint32(24, crc32(b, 0, 24), true); // empty model id: CRC at 24
  assert.throws(() => new FramedDecoder(b), {
    codeName: 'DC_ERR_FRAME_CORRUPT',
    message: /version 2 needs the default format and a tolerance/,
  });
});
