import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DistributionCoder } from 'distribution-coder';
import { rng, randomDist, sample } from './helpers.mjs';

function roundTrip(steps, makeInput, dtype, format = 'default') {
  const enc = new DistributionCoder({ format });
  for (const [dist, sym] of steps) enc.encodeStep(makeInput(dist), sym, dtype);
  const bytes = enc.finishEncoding();
  enc.free();
  const dec = new DistributionCoder({ format });
  dec.startDecoding(bytes);
  const got = steps.map(([dist]) => dec.decodeStep(makeInput(dist), dtype));
  dec.free();
  assert.deepEqual(got, steps.map(([, s]) => s));
  return bytes;
}

test('number[] round trip, small vocabularies', () => {
  const rand = rng(1);
  for (const n of [1, 2, 3, 7, 256]) {
    const steps = [];
    for (let t = 0; t < 50; t++) {
      const d = randomDist(rand, n);
      steps.push([Array.from(d), sample(rand, d)]);
    }
    roundTrip(steps, (d) => d);
  }
});
