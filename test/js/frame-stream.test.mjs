// Streaming frames from JS: the streaming encoder gives each chunk as soon as it is full
// (take(), onChunk, readable), and the incremental decoder (push/end/feed) decodes every
// step whose chunk has arrived, with the whole-container decoder's results and errors for
// any split of the bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FramedEncoder, FramedDecoder, DistributionCoderError } from 'distribution-coder';
import { stepsFixture } from './helpers.mjs';

const fixture = (seed, steps, n = 30) => stepsFixture(seed, steps, n);

function concat(pieces) {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of pieces) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Encodes fx; returns the pieces take() gave after each step (index: steps encoded). */
function encodePieces(fx, options) {
  const enc = new FramedEncoder(options);
  const pieces = [enc.take()];
  for (let t = 0; t < fx.dists.length; t++) {
    enc.encodeStep(fx.dists[t], fx.symbols[t]);
    pieces.push(enc.take());
  }
  pieces.push(enc.finish());
  return pieces;
}

const fx = fixture(1, 23);

test('a streaming encoder gives the header at once and each chunk when it is full', () => {
  const pieces = encodePieces(fx, { modelId: 'm', stepsPerChunk: 5, streaming: true });
  assert.equal(pieces[0].length, 25); // the header, before any step
  for (let t = 1; t <= fx.dists.length; t++)
    assert.equal(pieces[t].length > 0, t % 5 === 0, `piece after step ${t}`);
  const bytes = concat(pieces);
  // the same bytes as one finish(), and 16 bytes (the end record) more than without streaming
  const whole = new FramedEncoder({ modelId: 'm', stepsPerChunk: 5, streaming: true });
  fx.dists.forEach((d, t) => whole.encodeStep(d, fx.symbols[t]));
  assert.deepEqual(whole.finish(), bytes);
  assert.deepEqual(whole.take(), bytes); // finish gave them; take gives them once
  assert.equal(whole.take().length, 0);
  const plain = concat(encodePieces(fx, { modelId: 'm', stepsPerChunk: 5 }));
  assert.equal(bytes.length, plain.length + 16);
  // without streaming nothing is final before finish()
  const p = encodePieces(fx, { modelId: 'm', stepsPerChunk: 5 });
  assert.ok(p.slice(0, -1).every((x) => x.length === 0));
  // it decodes as a whole
  const dec = new FramedDecoder(bytes, { modelId: 'm' });
  assert.equal(dec.steps, 23);
  assert.equal(dec.chunks, 5);
  assert.equal(dec.availableSteps, 23);
  assert.equal(dec.ended, true);
  assert.deepEqual(
    fx.dists.map((d) => dec.decodeStep(d)),
    fx.symbols,
  );
  assert.throws(() => dec.push(bytes), TypeError);
  assert.equal(FramedDecoder.inspect(bytes).steps, 23);
});

test('onChunk and readable get every byte, as soon as it is final', async () => {
  const got = [];
  let steps = 0;
  const enc = new FramedEncoder({
    stepsPerChunk: 4,
    streaming: true,
    onChunk: (b) => got.push([steps, b]),
  });
  assert.equal(enc.streaming, true);
  const viaStream = new FramedEncoder({ stepsPerChunk: 4, streaming: true });
  const body = new Response(viaStream.readable).arrayBuffer();
  for (let t = 0; t < 10; t++) {
    viaStream.encodeStep(fx.dists[t], fx.symbols[t]);
    enc.encodeStep(fx.dists[t], fx.symbols[t]);
    steps = t + 1; // onChunk runs inside encodeStep: it sees the steps before this one
  }
  const tail = enc.finish();
  viaStream.finish();
  assert.deepEqual(
    got.map(([steps]) => steps),
    [0, 3, 7, 10],
  );
  const all = concat(got.map(([, b]) => b));
  assert.deepEqual(got.at(-1)[1], tail);
  assert.deepEqual(new Uint8Array(await body), all);
  const dec = new FramedDecoder(all);
  assert.deepEqual(
    fx.dists.slice(0, 10).map((d) => dec.decodeStep(d)),
    fx.symbols.slice(0, 10),
  );
  // freed before finish: the stream errors
  const e2 = new FramedEncoder({ streaming: true });
  const r2 = e2.readable.getReader();
  assert.equal((await r2.read()).value.length, 24);
  e2.free();
  await assert.rejects(r2.read(), /freed before finish/);
  assert.throws(() => new FramedEncoder({ streaming: 'yes' }), {
    name: 'TypeError',
    message: /options\.streaming must be a boolean; got "yes"/,
  });
  assert.throws(() => new FramedEncoder({ onChunk: 1 }), {
    name: 'TypeError',
    message: /options\.onChunk must be a function/,
  });
});

/** Pushes `bytes` in the given pieces into a new incremental decoder, decoding every step
 * as soon as it is available; returns { symbols, error, where } where `where` says at which
 * call the error came (push, end or decodeStep). */
function readPieces(bytes, cuts, options = { modelId: 'm' }) {
  const dec = new FramedDecoder(options);
  const symbols = [];
  let from = 0;
  try {
    for (const to of [...cuts, bytes.length]) {
      dec.push(bytes.subarray(from, to));
      from = to;
      while (dec.position < dec.availableSteps)
        symbols.push(dec.decodeStep(fx.dists[dec.position]));
      if (dec.steps === null || dec.position < dec.steps)
        assert.throws(() => dec.decodeStep(fx.dists[0]), { codeName: 'DC_ERR_FRAME_NEED_INPUT' });
    }
    dec.end();
    assert.equal(dec.ended, true);
    assert.throws(() => dec.decodeStep(fx.dists[0]), { codeName: 'DC_ERR_FRAME_END' });
    return { symbols, error: null };
  } catch (e) {
    if (!(e instanceof DistributionCoderError)) throw e;
    return { symbols, error: e };
  } finally {
    dec.free();
  }
}

function readWhole(bytes, options = { modelId: 'm' }) {
  try {
    const dec = new FramedDecoder(bytes, options);
    const symbols = fx.dists.slice(0, dec.steps).map((d) => dec.decodeStep(d));
    return { symbols, error: null };
  } catch (e) {
    if (!(e instanceof DistributionCoderError)) throw e;
    return { symbols: [], error: e };
  }
}

function fields(e) {
  return e && { codeName: e.codeName, message: e.message, chunk: e.chunk, offset: e.offset };
}

for (const streaming of [false, true]) {
  test(`every split gives the whole-container result (streaming: ${streaming})`, () => {
    const bytes = concat(encodePieces(fx, { modelId: 'm', stepsPerChunk: 6, streaming }));
    const cases = [
      bytes,
      bytes.subarray(0, bytes.length - 1), // truncated
      bytes.subarray(0, 30),
      concat([bytes, new Uint8Array(2)]), // bytes after the end
    ];
    for (const b of cases) {
      const whole = readWhole(b);
      const splits = [[], [...Array(b.length).keys()].map((i) => i + 1)];
      for (let i = 0; i <= b.length; i += 3) splits.push([i]);
      for (const cuts of splits) {
        const got = readPieces(b, cuts);
        assert.deepEqual(fields(got.error), fields(whole.error), `cuts ${cuts}`);
        if (whole.error === null) assert.deepEqual(got.symbols, fx.symbols);
        else assert.deepEqual(got.symbols, fx.symbols.slice(0, got.symbols.length));
      }
    }
  });
}

test('an incremental decoder before and between pushes', () => {
  const bytes = concat(encodePieces(fx, { modelId: 'm', stepsPerChunk: 6, streaming: true }));
  const dec = new FramedDecoder({ modelId: 'm' });
  assert.equal(dec.steps, null);
  assert.equal(dec.format, null);
  assert.equal(dec.modelId, null);
  assert.equal(dec.availableSteps, 0);
  assert.equal(dec.ended, false);
  assert.throws(() => dec.decodeStep(fx.dists[0]), {
    codeName: 'DC_ERR_FRAME_NEED_INPUT',
    message: /header has not fully arrived/,
  });
  // a wrong magic is refused and not kept
  assert.throws(() => dec.push(new Uint8Array([0x89, 0x41])), { codeName: 'DC_ERR_FRAME_MAGIC' });
  dec.push(bytes.subarray(0, 30));
  assert.equal(dec.format, 'default');
  assert.equal(dec.stepsPerChunk, 6);
  assert.equal(dec.steps, null); // a streaming container: known at its end record
  assert.deepEqual(dec.modelId, new TextEncoder().encode('m'));
  assert.throws(
    () => dec.decodeStep(fx.dists[0]),
    (e) => {
      assert.equal(e.codeName, 'DC_ERR_FRAME_NEED_INPUT');
      assert.match(e.message, /step 0 is in chunk 0 \(steps 0 to 5\), which has not fully arrived/);
      assert.deepEqual([e.chunk, e.firstStep, e.endStep, e.step], [0, 0, 6, 0]);
      return true;
    },
  );
  assert.throws(() => dec.end(), {
    codeName: 'DC_ERR_FRAME_TRUNCATED',
    message: /truncated in chunk 0 \(steps 0 to 5\): it ends at byte 30/,
  });
  dec.push(bytes.subarray(30));
  assert.equal(dec.steps, 23);
  assert.equal(dec.availableSteps, 23);
  assert.throws(() => dec.push(new Uint8Array(1)), {
    codeName: 'DC_ERR_FRAME_CORRUPT',
    message: /bytes follow its end/,
  });
  dec.end();
  assert.deepEqual(
    fx.dists.map((d) => dec.decodeStep(d)),
    fx.symbols,
  );
  assert.equal(dec.verifiedSteps, 23);
  dec.free();
  // a wrong model id, when the header is complete
  const other = new FramedDecoder({ modelId: 'x' });
  other.push(bytes.subarray(0, 24));
  assert.throws(() => other.push(bytes.subarray(24, 25)), { codeName: 'DC_ERR_FRAME_MODEL_ID' });
  other.free();
  // the end record missing: the header and the 3 full chunks only
  let off = 25;
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  for (let c = 0; c < 3; c++) off += 12 + view.getUint32(off, true);
  assert.equal(view.getUint32(off, true), 0xffffffff); // the end record's marker
  const cut = new FramedDecoder({ modelId: null });
  cut.push(bytes.subarray(0, off));
  assert.equal(cut.availableSteps, 18);
  assert.throws(() => cut.end(), {
    codeName: 'DC_ERR_FRAME_TRUNCATED',
    message: new RegExp(`end record is missing \\(it ends at byte ${off}\\)`),
  });
  cut.free();
  assert.throws(() => new FramedDecoder({ modelId: 3 }), TypeError);
  assert.throws(() => new FramedDecoder({ bytes }), /not an option/);
});

test('feed() decodes while a ReadableStream or an async iterable delivers', async () => {
  const bytes = concat(encodePieces(fx, { stepsPerChunk: 4, streaming: true }));
  const slices = [];
  for (let i = 0; i < bytes.length; i += 17) slices.push(bytes.slice(i, i + 17));
  const sources = [
    new ReadableStream({
      start(c) {
        for (const s of slices) c.enqueue(s);
        c.close();
      },
    }),
    (async function* () {
      for (const s of slices) yield s.buffer;
    })(),
    slices,
  ];
  for (const source of sources) {
    const dec = new FramedDecoder();
    const symbols = [];
    const seen = [];
    for await (const n of dec.feed(source)) {
      seen.push(n);
      while (dec.position < n) symbols.push(dec.decodeStep(fx.dists[dec.position]));
    }
    assert.deepEqual(symbols, fx.symbols);
    assert.equal(dec.ended, true);
    assert.ok(
      seen.some((n) => n > 0 && n < 23),
      'steps decodable before the last piece',
    );
    dec.free();
  }
  const dec = new FramedDecoder();
  await assert.rejects(async () => {
    for await (const n of dec.feed([bytes.subarray(0, 60)])) void n;
  }, /DC_ERR_FRAME_TRUNCATED/);
  await assert.rejects(async () => {
    for await (const n of dec.feed(42)) void n;
  }, TypeError);
});
