// A distribution (or stream) whose ArrayBuffer was transferred reads as empty: the error must
// say it was transferred (a TypeError naming the argument), not that it is empty, and the
// coder must be unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DistributionCoder, FramedDecoder, crc32 } from 'distribution-coder';

/** `view` after its buffer was transferred (as postMessage with a transfer list does). */
function transferred(view) {
  structuredClone(view.buffer, { transfer: [view.buffer] });
  assert.equal(view.length, 0);
  return view;
}

const DETACHED = /its ArrayBuffer was transferred \(detached/;

test('a transferred distribution is reported as transferred, and the stream stays valid', () => {
  const steps = [
    [new Float32Array([0.2, 0.3, 0.5]), 1],
    [new Float64Array([0.5, 0.5]), 0],
  ];
  const plain = new DistributionCoder();
  for (const [d, s] of steps) plain.encodeStep(d, s);
  const expected = plain.finishEncoding();
  plain.free();

  const c = new DistributionCoder();
  c.encodeStep(...steps[0]);
  for (const [view, dtype] of [
    [new Float32Array([0.5, 0.5]), undefined],
    [new Float64Array([0.5, 0.5]), undefined],
    [new Uint16Array([0x3c00, 0x3c00]), 'f16'],
  ]) {
    const d = transferred(view);
    assert.throws(() => c.encodeStep(d, 0, dtype), { name: 'TypeError', message: DETACHED });
    assert.throws(() => c.encodeStep(d, 0, dtype), /^TypeError: distribution: /);
  }
  assert.throws(() => c.encodeSteps(transferred(new Float32Array(4)), [0, 0], { vocab: 2 }), {
    name: 'TypeError',
    message: /^matrix: its ArrayBuffer was transferred/,
  });
  assert.throws(
    () =>
      c.encodeSteps(new Float32Array([1, 1, 1, 1]), transferred(new Int32Array(2)), { vocab: 2 }),
    { name: 'TypeError', message: /^symbols: its ArrayBuffer was transferred/ },
  );
  c.encodeStep(...steps[1]);
  assert.deepEqual(c.finishEncoding(), expected);

  // The same for a stream to decode, as a Uint8Array or as the ArrayBuffer itself.
  const bytes = transferred(Uint8Array.from(expected));
  assert.throws(() => c.startDecoding(bytes), {
    name: 'TypeError',
    message: /^bytes: its ArrayBuffer was transferred/,
  });
  assert.throws(() => c.startDecoding(bytes.buffer), { name: 'TypeError', message: DETACHED });
  assert.throws(() => new FramedDecoder(bytes), { name: 'TypeError', message: DETACHED });
  assert.throws(() => crc32(bytes.buffer), { name: 'TypeError', message: DETACHED });
  c.free();
});

test('an empty distribution that was never transferred is still "empty"', () => {
  const c = new DistributionCoder();
  assert.throws(() => c.encodeStep(new Float32Array(0), 0), {
    name: 'RangeError',
    message: /distribution is empty/,
  });
  assert.throws(() => c.encodeStep(new Float32Array(new ArrayBuffer(0)), 0), /is empty/);
  c.free();
});
