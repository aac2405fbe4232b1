// Issue #14: what the wrapper used to accept silently. Unknown options and options of the
// wrong type are refused (one table per constructor: CODER_OPTIONS in js/coder.js,
// FRAMED_*_OPTIONS in js/frame.js), and every element of a plain-array distribution or
// matrix is checked, the message naming the element.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DistributionCoder, FramedEncoder } from 'distribution-coder';

test('an unknown option is refused with a TypeError naming it', () => {
  assert.throws(() => new DistributionCoder({ tolerence: 1e-5 }), {
    name: 'TypeError',
    message:
      'options.tolerence is not an option (known options: format, tolerance, input, temperature)',
  });
  assert.throws(() => new DistributionCoder({ Format: 'default' }), {
    name: 'TypeError',
    message: /options\.Format is not an option/,
  });
  // Even when its value is undefined: a misspelt key is a bug either way.
  assert.throws(() => new DistributionCoder({ fromat: undefined }), {
    name: 'TypeError',
    message: /options\.fromat/,
  });
  assert.throws(() => new FramedEncoder({ format: 'default', tolerence: 1e-5 }), {
    name: 'TypeError',
    message: /options\.tolerence/,
  });
  // Inherited and symbol keys are not options someone wrote: ignored as before.
  const inherited = Object.create({ tolerence: 1 });
  assert.equal(new DistributionCoder(inherited).format, 'default');
});

test('an option of the wrong type is refused, naming the option and the value', () => {
  assert.throws(() => new DistributionCoder({ format: 1 }), {
    name: 'RangeError',
    message: "options.format must be 'default' or 'python-0.1'; got 1",
  });
  assert.throws(() => new DistributionCoder({ format: null }), {
    message: /options\.format .* got null/,
  });
  assert.throws(() => new FramedEncoder({ stepsPerChunk: '8' }), {
    name: 'RangeError',
    message: /options\.stepsPerChunk .* got "8"/,
  });
  for (const options of [null, 5, 'default', () => {}]) {
    assert.throws(() => new DistributionCoder(options), {
      name: 'TypeError',
      message: /^options must be an object/,
    });
  }
  // A refused constructor leaves the module able to make coders that work.
  const c = new DistributionCoder({ format: 'default' });
  for (let t = 0; t < 40; t++) c.encodeStep([1, 3], t % 2);
  const bytes = c.finishEncoding();
  c.startDecoding(bytes);
  for (let t = 0; t < 40; t++) assert.equal(c.decodeStep([1, 3]), t % 2);
  c.free();
});

test('every element of a plain-array distribution is checked, naming its index and value', () => {
  const c = new DistributionCoder();
  const cases = [
    [[0.5, '0.5'], 'distribution must hold numbers; distribution[1] is "0.5"'],
    [[0.5, null], 'distribution must hold numbers; distribution[1] is null'],
    [[0.5, 0.25, undefined], 'distribution must hold numbers; distribution[2] is undefined'],
    [[0.5, 1n], 'distribution must hold numbers; distribution[1] is 1n'],
    [[0.5, 0.5, [0.1]], 'distribution must hold numbers; distribution[2] is an Array of length 1'],
    [[null, 0.5], 'distribution must hold numbers; distribution[0] is null'],
    // eslint-disable-next-line no-sparse-arrays
    [[0.5, , 0.5], 'distribution must hold numbers; distribution[1] is undefined'],
  ];
  for (const [dist, message] of cases) {
    assert.throws(() => c.encodeStep(dist, 0), { name: 'TypeError', message });
  }
  c.encodeStep([0.5, 0.5], 1); // the refusals changed nothing
  const ref = new DistributionCoder();
  ref.encodeStep([0.5, 0.5], 1);
  assert.deepEqual(c.finishEncoding(), ref.finishEncoding());

  const d = new DistributionCoder();
  d.startDecoding(ref.finishEncoding());
  assert.throws(() => d.decodeStep([0.5, { valueOf: () => 0.5 }]), {
    name: 'TypeError',
    message: 'distribution must hold numbers; distribution[1] is a Object',
  });
  assert.equal(d.decodeStep([0.5, 0.5]), 1);
});

test('every element of a plain-array batch matrix is checked', () => {
  const c = new DistributionCoder();
  assert.throws(() => c.encodeSteps([0.5, 0.5, 0.5, '0.5'], [0, 0], { vocab: 2 }), {
    name: 'TypeError',
    message: 'matrix must hold numbers; matrix[3] is "0.5"',
  });
  assert.throws(() => c.encodeSteps([[0.5, 0.5]], [0], { vocab: 2 }), { message: /must be flat/ });
  const f = new FramedEncoder();
  assert.throws(() => f.encodeStep([0.5, null], 0), {
    name: 'TypeError',
    message: 'distribution must hold numbers; distribution[1] is null',
  });
  assert.equal(f.steps, 0);
  f.free();
});

test('unknown batch options are refused too', () => {
  const c = new DistributionCoder();
  assert.throws(() => c.encodeSteps([0.5, 0.5], [0], { vocab: 2, dtyp: 'f32' }), {
    name: 'TypeError',
    message: 'encodeSteps: options.dtyp is not an option (known options: vocab, dtype)',
  });
  assert.throws(() => c.encodeSteps([0.5, 0.5], [0], { vocab: 2, count: 1 }), {
    message: /options\.count is not an option/,
  });
  c.encodeSteps([0.5, 0.5], [1], { vocab: 2 });
  c.startDecoding(c.finishEncoding());
  assert.throws(() => c.decodeSteps([0.5, 0.5], { vocab: 2, cout: 1 }), {
    name: 'TypeError',
    message: 'decodeSteps: options.cout is not an option (known options: vocab, dtype, count)',
  });
  assert.deepEqual([...c.decodeSteps([0.5, 0.5], { vocab: 2, count: 1 })], [1]);
  c.free();
});
