// tolerant.test.mjs - the tolerant mode through the JS API (docs/FORMAT.md section 5):
// the tolerance option's checks, and decoding from distributions moved by up to tau.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DistributionCoder } from 'distribution-coder';

test('options.tolerance: numbers in [0, 1e-2]; not with python-0.1', () => {
  assert.throws(() => new DistributionCoder({ tolerance: '1e-5' }), TypeError);
  for (const bad of [-1e-6, 0.0101, NaN, Infinity]) {
    assert.throws(() => new DistributionCoder({ tolerance: bad }), RangeError, String(bad));
  }
  assert.throws(() => new DistributionCoder({ format: 'python-0.1', tolerance: 1e-5 }), /python-0\.1/);
  const c = new DistributionCoder({ tolerance: 1e-5 });
  assert.equal(c.tolerance, 1e-5);
  c.free();
  assert.equal(new DistributionCoder().tolerance, 0);
});

test('tolerance 0 writes the exact mode bytes', () => {
  const p = new Float32Array([0.1, 0.2, 0.3, 0.4]);
  const a = new DistributionCoder({ tolerance: 0 }), b = new DistributionCoder();
  for (const s of [0, 3, 2, 1, 3]) { a.encodeStep(p, s); b.encodeStep(p, s); }
  assert.deepEqual(a.finishEncoding(), b.finishEncoding());
});

test('decoded from distributions moved by up to tau: the encoded symbols', () => {
  let seed = 7;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  for (const [vocab, tau] of [[2, 1e-3], [256, 1e-5], [1000, 1e-4], [50257, 1e-5]]) {
    const rows = [], moved = [], symbols = [];
    for (let t = 0; t < 40; t++) {
      const p = new Float32Array(vocab);
      let s = 0;
      for (let i = 0; i < vocab; i++) s += (p[i] = Math.exp(-8 * rand() * rand()));
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
    assert.deepEqual(moved.map((q) => dec.decodeStep(q)), symbols, `vocab ${vocab}`);
  }
});
