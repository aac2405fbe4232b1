// python-0.1: the 44 public vectors of the Python package distribution-coder 0.1.x
// (test/data/python-0.1/public.json, that package's exact output) encode to expected_hex
// and decode back to their symbols through the published wrapper, step by step and in
// batches; the package's boundary-defect example decodes; refused steps throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DistributionCoder, DistributionCoderError } from 'distribution-coder';

const vectors = JSON.parse(
  readFileSync(new URL('../data/python-0.1/public.json', import.meta.url), 'utf8'),
);

const toHex = (u8) => Buffer.from(u8).toString('hex');

/** The case's matrix as the typed array of its dtype (a copy, so it is aligned). */
function matrixOf(c) {
  const raw = Buffer.from(c.distributions_b64, 'base64');
  const bytes = new Uint8Array(raw); // copy: offset 0
  switch (c.dtype) {
    case 'f32':
      return new Float32Array(bytes.buffer, 0, bytes.length / 4);
    case 'f64':
      return new Float64Array(bytes.buffer, 0, bytes.length / 8);
    default:
      return new Uint16Array(bytes.buffer, 0, bytes.length / 2);
  }
}

const dtypeArg = (c) => (c.dtype === 'f16' || c.dtype === 'bf16' ? c.dtype : undefined);

test('the public vector file holds 44 cases in all four dtypes', () => {
  assert.equal(vectors.cases.length, 44);
  assert.deepEqual([...new Set(vectors.cases.map((c) => c.dtype))].sort(), [
    'bf16',
    'f16',
    'f32',
    'f64',
  ]);
  assert.ok(vectors.cases.some((c) => c.tags.includes('seed_decoder_boundary_defect')));
});

for (const c of vectors.cases) {
  test(`${c.id} (${c.dtype}, vocab ${c.vocab}, ${c.steps} steps, ${c.tags.join(' ')})`, () => {
    const m = matrixOf(c);
    const dtype = dtypeArg(c);
    const row = (t) => m.subarray(t * c.vocab, (t + 1) * c.vocab);

    const enc = new DistributionCoder({ format: 'python-0.1' });
    assert.equal(enc.format, 'python-0.1');
    for (let t = 0; t < c.steps; t++) enc.encodeStep(row(t), c.symbols[t], dtype);
    assert.equal(toHex(enc.finishEncoding()), c.expected_hex);

    enc.reset();
    enc.encodeSteps(m, c.symbols, { vocab: c.vocab, dtype });
    assert.equal(toHex(enc.finishEncoding()), c.expected_hex);
    enc.free();

    const bytes = Uint8Array.from(Buffer.from(c.expected_hex, 'hex'));
    const dec = new DistributionCoder({ format: 'python-0.1' });
    dec.startDecoding(bytes);
    const got = [];
    for (let t = 0; t < c.steps; t++) got.push(dec.decodeStep(row(t), dtype));
    assert.deepEqual(got, c.symbols);
    dec.startDecoding(bytes);
    assert.deepEqual(Array.from(dec.decodeSteps(m, { vocab: c.vocab, dtype })), c.symbols);
    dec.free();
  });
}

test('the boundary-defect example from the format notes', () => {
  const rows = [
    [0.5, 0.5],
    [2 ** -31, 1],
    [2 ** -31, 1],
  ]; // number[] -> f32, like the package
  const enc = new DistributionCoder({ format: 'python-0.1' });
  enc.encodeStep(rows[0], 1);
  enc.encodeStep(rows[1], 0);
  enc.encodeStep(rows[2], 0);
  const bytes = enc.finishEncoding();
  assert.equal(toHex(bytes), '800000000000000080');
  const dec = new DistributionCoder({ format: 'python-0.1' });
  dec.startDecoding(bytes);
  assert.deepEqual(
    rows.map((r) => dec.decodeStep(r)),
    [1, 0, 0],
  );
  enc.free();
  dec.free();
});

test('steps that package would corrupt are refused and the coder is unchanged', () => {
  const enc = new DistributionCoder({ format: 'python-0.1' });
  enc.encodeStep([0.25, 0.75], 1);
  assert.throws(
    () => enc.encodeStep([0.5, 0.5, 0.5], 0),
    (e) => e instanceof DistributionCoderError && e.codeName === 'DC_ERR_COUNT_OVERFLOW',
  );
  assert.throws(
    () => enc.encodeStep([0.5, NaN], 0),
    (e) => e instanceof RangeError && e.codeName === 'DC_ERR_NAN',
  );
  assert.throws(
    () => enc.encodeStep([0.5, -0.1], 0),
    (e) => e instanceof RangeError && e.codeName === 'DC_ERR_NEGATIVE',
  );
  assert.throws(
    () => enc.encodeStep([Infinity, 0], 0),
    (e) => e instanceof RangeError && e.codeName === 'DC_ERR_INFINITE',
  );
  assert.throws(() => enc.encodeStep([0.5, 0.5], 2), RangeError);
  enc.encodeStep([0, 0, 0], 2); // all zero: every count 1, the package writes a valid stream
  const bytes = enc.finishEncoding();

  const ref = new DistributionCoder({ format: 'python-0.1' });
  ref.encodeStep([0.25, 0.75], 1);
  ref.encodeStep([0, 0, 0], 2);
  assert.deepEqual(bytes, ref.finishEncoding());
  const dec = new DistributionCoder({ format: 'python-0.1' });
  dec.startDecoding(bytes);
  assert.equal(dec.decodeStep([0.25, 0.75]), 1);
  assert.equal(dec.decodeStep([0, 0, 0]), 2);
  for (const c of [enc, ref, dec]) c.free();
});
