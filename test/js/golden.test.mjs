// Golden streams through the shipped package: the wasm module behind
// `import { DistributionCoder } from 'distribution-coder'` must write, byte for byte, the
// streams whose SHA-256 test/golden/expected.txt holds (computed by test/golden/golden.c).
//
// The inputs are rebuilt here with the generator's integer-only construction (a port of
// test/golden/golden.c: xoshiro128** seeded by splitmix32 from the FNV-1a hash of the case
// name, values m * 2^e written straight into each dtype's bits). A change there must be
// made here too; this test then tells whether the two ports still agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DistributionCoder, init } from 'distribution-coder';

const here = dirname(fileURLToPath(import.meta.url));
const EXPECTED_FILE = join(here, '..', 'golden', 'expected.txt');
const NOSIMD_FILE = join(here, '..', '..', 'build-wasm-nosimd', 'distribution_coder.wasm');

// ---- integer-only random numbers (as golden.c) ----

function rotl32(x, k) {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

class Rng {
  constructor(seed) {
    let x = seed >>> 0;
    this.s = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0; // splitmix32
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  u32() {
    // xoshiro128**
    const s = this.s;
    const result = Math.imul(rotl32(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl32(s[3], 11);
    return result;
  }

  below(n) {
    return this.u32() % n;
  }

  /** A 64-bit mantissa with its top bit set, as a BigInt. */
  mant64() {
    const hi = (this.u32() | 0x80000000) >>> 0;
    return (BigInt(hi) << 32n) | BigInt(this.u32());
  }
}

function fnv1a(s) {
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(s, 'utf8')) h = Math.imul(h ^ ch, 0x01000193) >>> 0;
  return h >>> 0;
}

function ceilLog2(n) {
  let k = 0;
  while (2 ** k < n) k++;
  return k;
}

// ---- values as bits ----

const DTYPES = ['f32', 'f64', 'f16', 'bf16'];
const LAYOUTS = {
  f32: { mant: 23, exp: 8, bias: 127 },
  f64: { mant: 52, exp: 11, bias: 1023 },
  f16: { mant: 10, exp: 5, bias: 15 },
  bf16: { mant: 7, exp: 8, bias: 127 },
};

/** Bits (BigInt) of mant * 2^exp in dtype, truncated toward zero (golden.c value_bits). */
function valueBits(dtype, mant, exp) {
  const l = LAYOUTS[dtype];
  const mb = BigInt(l.mant);
  const mask = (1n << mb) - 1n;
  if (mant === 0n) return 0n;
  const len = mant.toString(2).length;
  const lg = len - 1 + exp;
  const emin = 1 - l.bias;
  if (lg > l.bias) return (((1n << BigInt(l.exp)) - 2n) << mb) | mask;
  if (lg >= emin) {
    const sh = len - 1 - l.mant;
    const sig = sh >= 0 ? mant >> BigInt(sh) : mant << BigInt(-sh);
    return (BigInt(lg + l.bias) << mb) | (sig & mask);
  }
  const sh = exp - (emin - l.mant);
  if (sh >= 0) return mant << BigInt(sh);
  return sh <= -64 ? 0n : mant >> BigInt(-sh);
}

/** A row of n elements of dtype with a bit-level setter. */
class Row {
  constructor(dtype, n) {
    this.dtype = dtype;
    if (dtype === 'f32') {
      this.values = new Float32Array(n);
      this.bits = new Uint32Array(this.values.buffer);
    } else if (dtype === 'f64') {
      this.values = new Float64Array(n);
      this.bits = new BigUint64Array(this.values.buffer);
    } else {
      this.values = new Uint16Array(n);
      this.bits = this.values;
    }
  }

  setBits(i, b) {
    this.bits[i] = this.dtype === 'f64' ? b : Number(b);
  }

  put(i, mant, exp) {
    this.setBits(i, valueBits(this.dtype, BigInt(mant), exp));
  }

  putNegativeZero(i) {
    const l = LAYOUTS[this.dtype];
    this.setBits(i, 1n << BigInt(l.mant + l.exp));
  }

  putRandom(r, i, lg) {
    this.setBits(i, valueBits(this.dtype, r.mant64(), lg - 63));
  }
}

// ---- shapes (golden.c fill_row) ----

const SHAPES = [
  'softmax',
  'flat',
  'sparse',
  'subnormal',
  'near2m32',
  'one',
  'scaled',
  'counts',
  'tinycounts',
];

function fillSoftmax(r, row, n) {
  const top = r.below(n);
  const tail = 2 + ceilLog2(n);
  for (let i = 0; i < n; i++) {
    if (i === top) row.putRandom(r, i, -1);
    else row.putRandom(r, i, -tail - r.below(40));
  }
  return top;
}

function fillRow(r, shape, row, n, step) {
  const l = LAYOUTS[row.dtype];
  const emin = 1 - l.bias;
  switch (shape) {
    case 'softmax':
      return fillSoftmax(r, row, n);
    case 'flat': {
      const m = (1n << 62n) / BigInt(n);
      for (let i = 0; i < n; i++) row.put(i, m, -62);
      return 0;
    }
    case 'sparse': {
      for (let i = 0; i < n; i++) {
        if (r.below(4) === 0) row.putNegativeZero(i);
        else row.put(i, 0, 0);
      }
      const count = 1 + r.below(n < 8 ? n : 8);
      let top = 0;
      for (let k = 0; k < count; k++) {
        const i = r.below(n);
        row.putRandom(r, i, -1 - r.below(8));
        if (k === 0) top = i;
      }
      return top;
    }
    case 'subnormal': {
      const top = r.below(n);
      for (let i = 0; i < n; i++) row.putRandom(r, i, emin - 1 - r.below(l.mant));
      row.putRandom(r, top, step % 2 ? -1 : emin - 1);
      return top;
    }
    case 'near2m32': {
      const top = r.below(n);
      const p = l.mant + 1;
      for (let i = 0; i < n; i++) {
        switch (r.below(6)) {
          case 0:
            row.put(i, 1, -32);
            break;
          case 1:
            row.put(i, (1n << BigInt(p)) - 1n, -32 - p);
            break;
          case 2:
            row.put(i, (1n << BigInt(p - 1)) + 1n, -32 - (p - 1));
            break;
          case 3:
            row.put(i, 1, -33);
            break;
          default:
            row.putRandom(r, i, -31 - r.below(4));
            break;
        }
      }
      row.putRandom(r, top, -1);
      return top;
    }
    case 'one': {
      const top = r.below(n);
      const tail = 3 + ceilLog2(n);
      for (let i = 0; i < n; i++) {
        if (step % 2) row.putRandom(r, i, -tail - r.below(20));
        else row.put(i, 0, 0);
      }
      row.put(top, 1, 0);
      return top;
    }
    case 'scaled': {
      const top = r.below(n);
      const tail = 2 + ceilLog2(n);
      const c = BigInt(((1 << 19) | r.below(1 << 19)) >>> 0);
      const sMax = row.dtype === 'f16' ? 16 : 20;
      const s = r.below(sMax + 21) - 20;
      for (let i = 0; i < n; i++) {
        const lg = i === top ? -1 : -tail - r.below(40);
        row.put(i, (r.mant64() >> 21n) * c, lg - 63 + 21 + s - 20);
      }
      return top;
    }
    default: {
      // counts, tinycounts
      const top = r.below(n);
      const exp = shape === 'counts' ? 0 : -10 - ceilLog2(n);
      for (let i = 0; i < n; i++) row.put(i, r.below(1000), exp);
      row.put(top, 1000 + r.below(1000), exp);
      return top;
    }
  }
}

// ---- logits (golden.c fill_logits) ----

const LOGIT_SHAPES = ['llm', 'wide', 'flat'];
const LOGIT_TEMPS = { t1: 1, 't0.7': 0.7, 't2.5': 2.5 };

function putSigned(row, i, mant, exp, negative) {
  const l = LAYOUTS[row.dtype];
  const sign = negative ? 1n << BigInt(l.mant + l.exp) : 0n;
  row.setBits(i, valueBits(row.dtype, BigInt(mant), exp) | sign);
}

function fillLogits(r, shape, row, n) {
  const top = r.below(n);
  const flat = r.mant64();
  for (let i = 0; i < n; i++) {
    if (shape === 'flat') {
      putSigned(row, i, flat, 3 - 63, true);
    } else if (shape === 'llm') {
      const mant = r.mant64();
      if (i === top) {
        putSigned(row, i, mant, 3 - 63, false);
      } else {
        const lg = r.below(8) - 4;
        putSigned(row, i, mant, lg - 63, r.below(2) === 1);
      }
    } else {
      const k = r.below(16);
      if (k === 0) {
        row.putNegativeZero(i);
      } else {
        const mant = r.mant64();
        const lg = r.below(61) - 40;
        putSigned(row, i, mant, lg - 63, (k & 1) === 1);
      }
    }
  }
  if (shape === 'wide') {
    putSigned(row, top, 1n, 20, false);
    putSigned(row, (top + Math.floor(n / 2)) % n, 1n, 20, false);
  }
  return top;
}

function pickSymbol(r, top, n) {
  const k = r.below(10);
  if (k < 5) return top;
  if (k < 8) return r.below(n);
  return k === 8 ? 0 : n - 1;
}

// ---- cases ----

const VOCABS = [1, 2, 3, 255, 256, 257, 1000, 4099, 50257, 262144];
const VOCAB_STEPS = [64, 64, 48, 24, 24, 24, 16, 8, 3, 2];
const FORMATS = { default: 'default', python01: 'python-0.1', tolerant: 'default' };
// test/golden/golden.c: the tolerant cases' tau by dtype.
const TOLERANT_TAU = { f32: 1e-5, f64: 4e-5, f16: 1e-4, bf16: 1e-3 };

/** The rows and symbols of a case, as golden.c draws them: `fill(r, row, t)` writes step t's
 * row and returns its top symbol; then the symbol is picked. */
function drawSteps(name, dtype, vocab, steps, fill) {
  const r = new Rng(fnv1a(name));
  const rows = [];
  const symbols = [];
  for (let t = 0; t < steps; t++) {
    const row = new Row(dtype, vocab);
    const top = fill(r, row, t);
    rows.push(row.values);
    symbols.push(pickSymbol(r, top, vocab));
  }
  return { rows, symbols };
}

function makeLogitsCase(name) {
  const [, dtype, shape, temp, v] = name.split('-');
  const vocab = Number(v.slice(1));
  const steps = VOCAB_STEPS[VOCABS.indexOf(vocab)];
  assert.ok(
    DTYPES.includes(dtype) && LOGIT_SHAPES.includes(shape) && LOGIT_TEMPS[temp] && steps,
    `cannot parse case name ${name}`,
  );
  const { rows, symbols } = drawSteps(name, dtype, vocab, steps, (r, row) =>
    fillLogits(r, shape, row, vocab),
  );
  const options = { input: 'logits', temperature: LOGIT_TEMPS[temp] };
  return { options, dtype, vocab, rows, symbols };
}

function makeCase(name) {
  if (name.startsWith('logits-')) return makeLogitsCase(name);
  const [formatName, dtype, shape, v] = name.split('-');
  const vocab = Number(v.slice(1));
  const steps = VOCAB_STEPS[VOCABS.indexOf(vocab)];
  assert.ok(
    FORMATS[formatName] && DTYPES.includes(dtype) && SHAPES.includes(shape) && steps,
    `cannot parse case name ${name}`,
  );
  const { rows, symbols } = drawSteps(name, dtype, vocab, steps, (r, row, t) =>
    fillRow(r, shape, row, vocab, t),
  );
  const tolerance = formatName === 'tolerant' ? TOLERANT_TAU[dtype] : 0;
  return { options: { format: FORMATS[formatName], tolerance }, dtype, vocab, rows, symbols };
}

function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Encodes step by step (skipping refused steps) and as a batch, decodes both ways. */
function runCase(name) {
  const c = makeCase(name);
  const enc = new DistributionCoder(c.options);
  const kept = [];
  const keptSymbols = [];
  try {
    c.rows.forEach((row, t) => {
      try {
        enc.encodeStep(row, c.symbols[t], c.dtype);
        kept.push(row);
        keptSymbols.push(c.symbols[t]);
      } catch (e) {
        if (e.codeName !== 'DC_ERR_COUNT_OVERFLOW' && e.codeName !== 'DC_ERR_NO_MASS') throw e;
      }
    });
    const bytes = enc.finishEncoding();

    enc.reset();
    const matrix = new c.rows[0].constructor(kept.length * c.vocab);
    kept.forEach((row, t) => matrix.set(row, t * c.vocab));
    if (kept.length) enc.encodeSteps(matrix, keptSymbols, { vocab: c.vocab, dtype: c.dtype });
    assert.deepEqual(enc.finishEncoding(), bytes, `${name}: batch bytes differ from steps`);

    enc.startDecoding(bytes);
    const decoded = kept.map((row) => enc.decodeStep(row, c.dtype));
    assert.deepEqual(decoded, keptSymbols, `${name}: step-wise decode`);
    if (kept.length) {
      enc.startDecoding(bytes);
      const batch = enc.decodeSteps(matrix, { vocab: c.vocab, dtype: c.dtype });
      assert.deepEqual(Array.from(batch), keptSymbols, `${name}: batch decode`);
    }
    return { hex: sha256(bytes), length: bytes.length };
  } finally {
    enc.free();
  }
}

const expected = new Map();
for (const line of readFileSync(EXPECTED_FILE, 'utf8').split('\n')) {
  if (!line || line.startsWith('#')) continue;
  const [name, hex, length] = line.trim().split(/\s+/);
  expected.set(name, { hex, length: Number(length) });
}

// The subset run here: every format, dtype and shape at the vocabularies below (all of
// them small enough to build in JS quickly), plus the largest vocabularies for a few.
const SUBSET_VOCABS = new Set([1, 2, 3, 256, 257, 1000]);
const LARGE = [
  'default-f32-softmax-v262144',
  'logits-f32-llm-t1-v50257',
  'default-bf16-sparse-v262144',
  'python01-f16-subnormal-v50257',
  'default-f64-near2m32-v50257',
  'python01-f32-softmax-v4099',
  'default-f16-scaled-v4099',
];
const vocabOf = (name) => Number(name.slice(name.lastIndexOf('-v') + 2));
const subset = [...expected.keys()].filter(
  (name) => SUBSET_VOCABS.has(vocabOf(name)) || LARGE.includes(name),
);

test('expected.txt lists the golden streams of every format, dtype and shape', () => {
  assert.ok(expected.size >= 600, `only ${expected.size} lines`);
  for (const f of Object.keys(FORMATS)) {
    for (const d of DTYPES) {
      for (const s of SHAPES) {
        assert.ok(expected.has(`${f}-${d}-${s}-v1000`), `${f}-${d}-${s}-v1000 missing`);
      }
    }
  }
  for (const name of LARGE) assert.ok(expected.has(name), `${name} missing`);
  for (const d of DTYPES)
    for (const s of LOGIT_SHAPES)
      for (const t of Object.keys(LOGIT_TEMPS))
        assert.ok(
          expected.has(`logits-${d}-${s}-${t}-v1000`),
          `logits-${d}-${s}-${t}-v1000 missing`,
        );
});

function checkAll(names) {
  const wrong = [];
  for (const name of names) {
    const got = runCase(name);
    const want = expected.get(name);
    if (got.hex !== want.hex || got.length !== want.length) {
      wrong.push(`${name}: got ${got.hex} ${got.length}, expected ${want.hex} ${want.length}`);
    }
  }
  assert.deepEqual(wrong, [], `${wrong.length} of ${names.length} streams differ`);
}

for (const format of [...Object.keys(FORMATS), 'logits']) {
  for (const dtype of DTYPES) {
    const names = subset.filter((n) => n.startsWith(`${format}-${dtype}-`));
    test(`golden streams ${format} ${dtype}: ${names.length} cases reproduce their SHA-256`, () => {
      checkAll(names);
    });
  }
}

// The module built without wasm SIMD (npm run build writes it next to the shipped one),
// loaded through the same package with init(): the same streams.
const nosimdNames = subset.filter((n) => /-v(257|1000)$/.test(n) || LARGE.includes(n));
test(`golden streams, wasm module without SIMD: ${nosimdNames.length} cases`, async () => {
  assert.ok(existsSync(NOSIMD_FILE), `${NOSIMD_FILE} not found: run npm run build`);
  await init(readFileSync(NOSIMD_FILE));
  try {
    checkAll(nosimdNames);
  } finally {
    await init(); // back to the shipped module
  }
});
