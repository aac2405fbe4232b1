// The framed container from JS: round trips, the same bytes as the C writer, and every
// kind of damage reported with its code and the chunk it hit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FramedEncoder,
  FramedDecoder,
  crc32,
  DistributionCoder,
  DistributionCoderError,
  wasmMemoryBytes,
} from 'distribution-coder';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { rng, randomDist, sample, countSets, stepsFixture } from './helpers.mjs';

const fixture = (seed, steps, n = 40) => stepsFixture(seed, steps, n);

function encode({ dists, symbols }, options) {
  const enc = new FramedEncoder(options);
  for (let t = 0; t < dists.length; t++) enc.encodeStep(dists[t], symbols[t]);
  assert.equal(enc.steps, dists.length);
  return enc.finish();
}

/** Decodes every step (distributions shifted by `shift` from step `from` on); returns the
 * first error, or null after checking the symbols and DC_ERR_FRAME_END. */
function decode(fx, bytes, options, from = Infinity, shift = 0) {
  let dec;
  try {
    dec = new FramedDecoder(bytes, options);
  } catch (e) {
    return e;
  }
  assert.equal(dec.steps, fx.dists.length);
  try {
    for (let t = 0; t < dec.steps; t++) {
      const src = t >= from && t + shift < fx.dists.length ? t + shift : t;
      const s = dec.decodeStep(fx.dists[src]);
      if (shift === 0) assert.equal(s, fx.symbols[t]);
    }
    assert.equal(dec.verifiedSteps, dec.steps);
    assert.throws(() => dec.decodeStep(fx.dists[0]), { codeName: 'DC_ERR_FRAME_END' });
    return null;
  } catch (e) {
    if (!(e instanceof DistributionCoderError)) throw e;
    return e;
  } finally {
    dec.free();
  }
}

test('crc32: the IEEE check value', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('round trips: chunk sizes, step counts, model ids, element types', () => {
  for (const steps of [0, 1, 9, 50]) {
    for (const stepsPerChunk of [1, 4, 50, undefined]) {
      const fx = fixture(steps * 7 + (stepsPerChunk ?? 0), steps);
      const bytes = encode(fx, { stepsPerChunk, modelId: 'model-x' });
      assert.equal(decode(fx, bytes, { modelId: 'model-x' }), null);
      assert.equal(decode(fx, bytes, { modelId: null }), null);
      const info = FramedDecoder.inspect(bytes);
      assert.equal(info.steps, steps);
      assert.equal(info.stepsPerChunk, stepsPerChunk ?? 4096);
      assert.equal(info.chunks, Math.ceil(steps / (stepsPerChunk ?? 4096)));
      assert.equal(new TextDecoder().decode(info.modelId), 'model-x');
    }
  }
  // typed arrays of every width, a Uint8Array model id
  const rand = rng(3);
  const f32 = [],
    f64 = [],
    syms = [];
  for (let t = 0; t < 30; t++) {
    const d = randomDist(rand, 300);
    f64.push(d);
    f32.push(Float32Array.from(d));
    syms.push(sample(rand, d));
  }
  const id = new Uint8Array([0, 255, 7]);
  for (const dists of [f32, f64]) {
    const enc = new FramedEncoder({ modelId: id, stepsPerChunk: 7 });
    dists.forEach((d, t) => enc.encodeStep(d, syms[t]));
    const bytes = enc.finish();
    const dec = new FramedDecoder(bytes, { modelId: id });
    assert.deepEqual(
      dists.map((d) => dec.decodeStep(d)),
      syms,
    );
    assert.deepEqual(dec.modelId, id);
  }
});

test('same bytes as the C writer (dc_frame_*)', () => {
  // Written by dc_frame_writer_create(0, "gpt2", 4, 3) and dc_frame_writer_encode_step with these
  // f64 rows (a C program; the arrays below are copied in as f64 by the wrapper).
  const d = [
    [0.1, 0.2, 0.7],
    [0.5, 0.25, 0.25],
    [0.3, 0.3, 0.4],
  ];
  const syms = [2, 0, 1, 1, 2, 0, 0];
  const fromC =
    '8944434601000400070000000000000003000000677074328e411125010000008d5dfa1680953f52' +
    '2f0100000011fe9063427d8d55a2000000001cdf44211cdf4421';
  const enc = new FramedEncoder({ modelId: 'gpt2', stepsPerChunk: 3 });
  syms.forEach((s, t) => enc.encodeStep(d[t % 3], s));
  assert.equal(Buffer.from(enc.finish()).toString('hex'), fromC);
});

test('the layout: header fields, each chunk a plain stream with its two CRCs', () => {
  const fx = fixture(11, 10, 20);
  const b = encode(fx, { modelId: 'ab', stepsPerChunk: 4 });
  assert.deepEqual([...b.subarray(0, 8)], [0x89, 0x44, 0x43, 0x46, 1, 0, 2, 0]);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  assert.equal(dv.getBigUint64(8, true), 10n);
  assert.equal(dv.getUint32(16, true), 4);
  assert.equal(dv.getUint32(22, true), crc32(b, 0, 22));
  let off = 26;
  for (let c = 0; c < 3; c++) {
    const coder = new DistributionCoder();
    const symBytes = new Uint8Array(16);
    const first = 4 * c,
      end = Math.min(first + 4, 10);
    for (let t = first; t < end; t++) {
      coder.encodeStep(fx.dists[t], fx.symbols[t]);
      new DataView(symBytes.buffer).setUint32(4 * (t - first), fx.symbols[t], true);
    }
    const raw = coder.finishEncoding();
    coder.free();
    const len = dv.getUint32(off, true);
    assert.equal(len, raw.length);
    assert.deepEqual(b.subarray(off + 8, off + 8 + len), raw);
    const lenAndStream = new Uint8Array(4 + len);
    lenAndStream.set(b.subarray(off, off + 4));
    lenAndStream.set(raw, 4);
    assert.equal(dv.getUint32(off + 4, true), crc32(lenAndStream));
    assert.equal(dv.getUint32(off + 8 + len, true), crc32(symBytes, 0, 4 * (end - first)));
    off += 12 + len;
  }
  assert.equal(off, b.length);
});

test('truncation at every byte: DC_ERR_FRAME_TRUNCATED', () => {
  const fx = fixture(21, 12, 30);
  const b = encode(fx, { modelId: 'm', stepsPerChunk: 5 });
  for (let len = 0; len < b.length; len++) {
    const e = decode(fx, b.slice(0, len), { modelId: 'm' });
    assert.equal(e?.codeName, 'DC_ERR_FRAME_TRUNCATED', `prefix of ${len} bytes`);
  }
  const longer = new Uint8Array(b.length + 1);
  longer.set(b);
  assert.equal(decode(fx, longer, { modelId: 'm' })?.codeName, 'DC_ERR_FRAME_CORRUPT');
});

test('a bit flip anywhere is refused; in a chunk, the error names that chunk', () => {
  const fx = fixture(31, 14, 25);
  const b = encode(fx, { modelId: 'm1', stepsPerChunk: 4 });
  const info = FramedDecoder.inspect(b);
  const starts = [];
  let off = 20 + 2 + 4;
  for (let c = 0; c < info.chunks; c++) {
    starts.push(off);
    off += 12 + (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24));
  }
  const byCode = {};
  for (let pos = 0; pos < b.length; pos++) {
    for (let bit = 0; bit < 8; bit++) {
      const d = b.slice();
      d[pos] ^= 1 << bit;
      const e = decode(fx, d, { modelId: 'm1' });
      assert.ok(e, `flip of bit ${bit} of byte ${pos} was not detected`);
      byCode[e.codeName] = (byCode[e.codeName] ?? 0) + 1;
      if (pos < 4) assert.equal(e.codeName, 'DC_ERR_FRAME_MAGIC');
      // versions 2 (tolerant) and 3 (logits) are known: their header is longer
      if (pos === 4 && (b[4] ^ (1 << bit)) > 3) assert.equal(e.codeName, 'DC_ERR_FRAME_VERSION');
      if (
        pos >= starts[0] &&
        typeof e.chunk === 'number' &&
        e.codeName !== 'DC_ERR_FRAME_TRUNCATED'
      ) {
        const c = starts.findLastIndex((s) => s <= pos);
        assert.equal(e.chunk, c, `flip in chunk ${c} reported for chunk ${e.chunk}`);
        assert.equal(e.firstStep, 4 * c);
        assert.equal(e.endStep, Math.min(4 * c + 4, 14));
        assert.match(
          e.message,
          new RegExp(`chunk ${c} \\(steps ${4 * c} to ${Math.min(4 * c + 4, 14) - 1}\\)`),
        );
      }
    }
  }
  assert.ok(byCode.DC_ERR_FRAME_CHECKSUM >= 4 * 32, JSON.stringify(byCode));
  assert.ok(byCode.DC_ERR_FRAME_CORRUPT > 0);
});

test('wrong model id: DC_ERR_FRAME_MODEL_ID; null skips the check', () => {
  const fx = fixture(41, 6);
  const b = encode(fx, { modelId: 'llama-3-8b' });
  for (const modelId of ['llama-3-8B', 'llama-3-8b ', '', undefined, new Uint8Array([1])]) {
    const e = decode(fx, b, { modelId });
    assert.equal(e?.codeName, 'DC_ERR_FRAME_MODEL_ID');
    assert.match(e.message, /llama-3-8b/);
  }
  assert.equal(decode(fx, b, { modelId: 'llama-3-8b' }), null);
  assert.equal(decode(fx, b, { modelId: null }), null);
  const noId = encode(fx, {});
  assert.equal(decode(fx, noId, {}), null);
  assert.equal(decode(fx, noId, { modelId: 'x' })?.codeName, 'DC_ERR_FRAME_MODEL_ID');
});

test('distributions shifted by one step: refused in the chunk where the drift starts', () => {
  const fx = fixture(51, 60, 50);
  const b = encode(fx, { stepsPerChunk: 8 });
  for (const from of [0, 1, 6, 8, 19, 40, 58]) {
    const dec = new FramedDecoder(b);
    let e = null;
    const got = [];
    try {
      for (let t = 0; t < 60; t++)
        got.push(dec.decodeStep(fx.dists[t >= from && t < 59 ? t + 1 : t]));
    } catch (err) {
      e = err;
    }
    dec.free();
    assert.ok(e, `drift from step ${from} not detected`);
    assert.ok(['DC_ERR_FRAME_CHECKSUM', 'DC_ERR_CORRUPT_STREAM'].includes(e.codeName), e.message);
    // The first chunk that decodes to other symbols is the one named (a drifted step may
    // still give the encoder's symbol by chance; then its chunk is correct and passes).
    const firstWrong = got.findIndex((s, t) => s !== fx.symbols[t]);
    const expectChunk = Math.floor((firstWrong === -1 ? e.step : Math.min(firstWrong, e.step)) / 8);
    assert.equal(e.chunk, expectChunk);
    assert.ok(
      e.chunk >= Math.floor(from / 8) && e.chunk <= Math.floor(from / 8) + 1,
      `chunk ${e.chunk}, drift from ${from}`,
    );
    assert.equal(e.firstStep, 8 * e.chunk);
    assert.ok(e.step >= from && e.step < e.endStep);
  }
});

test('wrong magic, unknown version, a damaged header', () => {
  const fx = fixture(61, 3);
  const b = encode(fx, {});
  const d = b.slice();
  d[0] = 0x88;
  assert.equal(decode(fx, d, {})?.codeName, 'DC_ERR_FRAME_MAGIC');
  assert.equal(
    decode(fx, new DistributionCoder().finishEncoding(), {})?.codeName,
    'DC_ERR_FRAME_TRUNCATED',
  );
  assert.equal(decode(fx, new Uint8Array([1, 2, 3, 4, 5]), {})?.codeName, 'DC_ERR_FRAME_MAGIC');
  const v = b.slice();
  v[4] = 4; // 2 is the tolerant mode's version, 3 logits': 4 is a future one
  const e = decode(fx, v, {});
  assert.equal(e?.codeName, 'DC_ERR_FRAME_VERSION');
  assert.match(e.message, /version 4 is not supported \(this library reads versions 1, 2 and 3\)/);
  const h = b.slice();
  h[9] ^= 1; // the step count, under the header CRC
  assert.equal(decode(fx, h, {})?.codeName, 'DC_ERR_FRAME_CORRUPT');
});

test('refusals change nothing; encodeStep after finish; decoding past the end', () => {
  const fx = fixture(71, 10, 5);
  const ref = encode(fx, { stepsPerChunk: 3 });
  const enc = new FramedEncoder({ stepsPerChunk: 3 });
  for (let t = 0; t < 10; t++) {
    assert.throws(() => enc.encodeStep(fx.dists[t], 5), RangeError);
    assert.throws(() => enc.encodeStep([NaN, 1, 1, 1, 1], 0), RangeError);
    assert.throws(() => enc.encodeStep('nope', 0), TypeError);
    enc.encodeStep(fx.dists[t], fx.symbols[t]);
  }
  assert.deepEqual(enc.finish(), ref);
  assert.deepEqual(enc.finish(), ref);
  assert.throws(() => enc.encodeStep(fx.dists[0], 0), { codeName: 'DC_ERR_NOT_ENCODING' });

  const dec = new FramedDecoder(ref);
  for (let t = 0; t < 10; t++) {
    assert.throws(() => dec.decodeStep([1, -1, 1, 1, 1]), RangeError);
    assert.throws(() => dec.decodeStep(new Uint16Array(5)), TypeError);
    assert.equal(dec.decodeStep(fx.dists[t]), fx.symbols[t]);
    assert.equal(dec.verifiedSteps, t === 9 ? 10 : 3 * Math.floor((t + 1) / 3));
  }
  assert.throws(() => dec.decodeStep(fx.dists[0]), { codeName: 'DC_ERR_FRAME_END', code: 22 });
  dec.free();
  dec.free();
});

test('after a symbol CRC failure the step is undone and can be decoded again (as in C)', () => {
  const fx = fixture(81, 6, 5);
  const b = encode(fx, { stepsPerChunk: 3 });
  const dec = new FramedDecoder(b);
  dec.decodeStep(fx.dists[0]);
  dec.decodeStep(fx.dists[1]);
  const wrong = [0, 0, 0, 0, 0];
  wrong[fx.symbols[2] === 0 ? 4 : 0] = 1; // all the mass on another symbol
  assert.throws(() => dec.decodeStep(wrong), {
    codeName: 'DC_ERR_FRAME_CHECKSUM',
    chunk: 0,
    step: 2,
  });
  assert.equal(dec.position, 2);
  assert.equal(dec.verifiedSteps, 0);
  assert.throws(() => dec.decodeStep(wrong), {
    codeName: 'DC_ERR_FRAME_CHECKSUM',
    chunk: 0,
    step: 2,
  });
  // The encoder's distribution at the refused step: it passes, and decoding goes on.
  assert.equal(dec.decodeStep(fx.dists[2]), fx.symbols[2]);
  assert.equal(dec.verifiedSteps, 3);
  for (let t = 3; t < 6; t++) assert.equal(dec.decodeStep(fx.dists[t]), fx.symbols[t]);
  assert.throws(() => dec.decodeStep(fx.dists[0]), { codeName: 'DC_ERR_FRAME_END' });
  dec.free();
});

test('bad options', () => {
  assert.throws(() => new FramedEncoder({ stepsPerChunk: 0 }), RangeError);
  assert.throws(() => new FramedEncoder({ stepsPerChunk: 1.5 }), RangeError);
  assert.throws(() => new FramedEncoder({ stepsPerChunk: 2 ** 24 + 1 }), RangeError);
  assert.throws(() => new FramedEncoder({ format: 'gzip' }), RangeError);
  assert.throws(() => new FramedEncoder({ modelId: 42 }), TypeError);
  assert.throws(() => new FramedEncoder({ modelId: 'x'.repeat(65536) }), RangeError);
  assert.throws(() => new FramedEncoder(null), TypeError);
  assert.throws(() => new FramedDecoder('bytes'), TypeError);
  assert.throws(() => new FramedDecoder(new Uint8Array(0), null), TypeError);
});

test('python-0.1 chunks', () => {
  const fx = fixture(91, 20, 16);
  for (const d of fx.dists) {
    // normalised: python-0.1 refuses counts that overflow 2^32
    const sum = d.reduce((a, x) => a + x, 0);
    for (let i = 0; i < d.length; i++) d[i] /= sum * 1.001;
  }
  let bytes;
  try {
    bytes = encode(fx, { format: 'python-0.1', stepsPerChunk: 6, modelId: 'p' });
  } catch (e) {
    if (e.codeName === 'DC_ERR_BAD_FORMAT') return; // python-0.1 not built in yet
    throw e;
  }
  assert.equal(bytes[5], 1);
  assert.equal(FramedDecoder.inspect(bytes).format, 'python-0.1');
  assert.equal(decode(fx, bytes, { modelId: 'p' }), null);
});

test("crc32 is the module's dc_crc32: zlib's values, ranges, large inputs without memory growth", () => {
  const rand = rng(101);
  const big = new Uint8Array(3 * 65536 + 77);
  for (let i = 0; i < big.length; i++) big[i] = Math.floor(rand() * 256);
  assert.equal(crc32(big), zlibCrc32(big));
  assert.equal(crc32(big, 5, 70000), zlibCrc32(big.subarray(5, 70000)));
  assert.equal(crc32(big.buffer), zlibCrc32(big));
  const huge = new Uint8Array(64 << 20); // 64 MiB: hashed in blocks, not copied whole
  const before = wasmMemoryBytes();
  assert.equal(crc32(huge), zlibCrc32(huge));
  assert.ok(
    wasmMemoryBytes() < before + (1 << 20),
    `memory grew from ${before} to ${wasmMemoryBytes()}`,
  );
  assert.throws(() => crc32('abc'), TypeError);
});

test('distributionView of the framed classes: no copy, the same container', () => {
  const rand = rng(111);
  const n = 700;
  const dists = Array.from({ length: 25 }, () => Float32Array.from(randomDist(rand, n)));
  const syms = dists.map((d) => sample(rand, d));
  const ref = new FramedEncoder({ stepsPerChunk: 4, modelId: 'v' });
  dists.forEach((d, t) => ref.encodeStep(d, syms[t]));
  const expected = ref.finish();

  const enc = new FramedEncoder({ stepsPerChunk: 4, modelId: 'v' });
  dists.forEach((d, t) => {
    const view = enc.distributionView(n);
    assert.ok(view instanceof Float32Array);
    assert.equal(enc.distributionView(n), view, 'the same view while valid');
    view.set(d);
    assert.equal(
      countSets(() => enc.encodeStep(view, syms[t])),
      0,
      'no copy for the view',
    );
  });
  assert.deepEqual(enc.finish(), expected);
  assert.throws(() => enc.distributionView(n), /has been freed/);

  const dec = new FramedDecoder(expected, { modelId: 'v' });
  dists.forEach((d, t) => {
    const view = dec.distributionView(n);
    view.set(d);
    assert.equal(
      countSets(() => assert.equal(dec.decodeStep(view), syms[t])),
      0,
    );
  });
  dec.free();
  assert.throws(() => dec.distributionView(n), /FramedDecoder has been freed/);
});

test('unknown options of the framed classes are refused, naming the option', () => {
  assert.throws(() => new FramedEncoder({ stepPerChunk: 3 }), {
    name: 'TypeError',
    message: /options\.stepPerChunk is not an option.*stepsPerChunk/,
  });
  assert.throws(() => new FramedEncoder({ modelID: 'x' }), {
    name: 'TypeError',
    message: /options\.modelID/,
  });
  const b = new FramedEncoder().finish();
  assert.throws(() => new FramedDecoder(b, { model: 'x' }), {
    name: 'TypeError',
    message: /options\.model is not an option \(known options: modelId\)/,
  });
  assert.throws(() => new FramedDecoder(b, { modelId: 7 }), {
    name: 'TypeError',
    message: /options\.modelId must be a string/,
  });
});
