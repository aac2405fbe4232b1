// Shared helpers for the JS tests (not a test file: node --test runs *.test.mjs).

/** Deterministic PRNG (xorshift32), so failures reproduce. */
export function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

/** A random distribution of n values (some zeros), not normalised. */
export function randomDist(rand, n, zeroShare = 0.1) {
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = rand() < zeroShare ? 0 : rand() ** 3;
  d[Math.floor(rand() * n)] = 0.5; // at least one positive value
  return d;
}

/** A symbol drawn from d (proportionally), so streams look like real ones. */
export function sample(rand, d) {
  let total = 0;
  for (let i = 0; i < d.length; i++) total += d[i];
  let u = rand() * total;
  for (let i = 0; i < d.length; i++) {
    u -= d[i];
    if (u < 0 && d[i] > 0) return i;
  }
  for (let i = d.length - 1; i >= 0; i--) if (d[i] > 0) return i;
  return 0;
}

/** Counts TypedArray.prototype.set calls while fn runs (the wrapper copies with set). */
export function countSets(fn) {
  const proto = Object.getPrototypeOf(Float32Array.prototype);
  const orig = proto.set;
  let n = 0;
  proto.set = function (...args) {
    n++;
    return orig.apply(this, args);
  };
  try {
    fn();
  } finally {
    proto.set = orig;
  }
  return n;
}

/** `steps` random distributions of vocabulary n and the symbols drawn from them. */
export function stepsFixture(seed, steps, n) {
  const rand = rng(seed);
  const dists = [];
  const symbols = [];
  for (let t = 0; t < steps; t++) {
    const d = randomDist(rand, n);
    dists.push(d);
    symbols.push(sample(rand, d));
  }
  return { dists, symbols };
}
