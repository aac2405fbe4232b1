// bench/baseline-js-coder.mjs - the arithmetic coder a JavaScript developer would write,
// kept as the baseline of bench/bench.mjs: every step allocates a cumulative frequency
// array and fills it from the probabilities (freq = 1 + floor(p * scale), so every symbol
// stays codable), encodes with a classic bit-wise 32-bit arithmetic coder (Witten, Neal &
// Cleary, with pending bits for the middle case) in plain Numbers (products stay below
// 2^53), and decodes with a binary search of the cumulative array.
//
//   const enc = new BaselineEncoder(); enc.encode(probs, symbol); ... const bytes = enc.finish();
//   const dec = new BaselineDecoder(bytes); const symbol = dec.decode(probs);

const HALF = 2 ** 31;
const QUARTER = 2 ** 30;
const TOP = 2 ** 32;
const MAX_TOTAL = 2 ** 21; // range (< 2^32) * cumulative (< ~2^21) stays exact in a double

/** Cumulative frequencies of probs, a new array every call. */
export function cumulativeFrequencies(probs) {
  const n = probs.length;
  const scale = MAX_TOTAL - n - 64; // room for the +1s and for sums slightly above 1
  const cum = new Uint32Array(n + 1);
  let c = 0;
  for (let i = 0; i < n; i++) {
    c += 1 + Math.floor(probs[i] * scale);
    cum[i + 1] = c;
  }
  return cum;
}

export class BaselineEncoder {
  constructor() {
    this.low = 0;
    this.high = TOP - 1;
    this.pending = 0;
    this.out = new Uint8Array(1024);
    this.len = 0;
    this.byte = 0;
    this.nbits = 0;
  }

  #bit(b) {
    this.byte = (this.byte << 1) | b;
    if (++this.nbits === 8) {
      if (this.len === this.out.length) {
        const bigger = new Uint8Array(this.out.length * 2);
        bigger.set(this.out);
        this.out = bigger;
      }
      this.out[this.len++] = this.byte;
      this.byte = 0;
      this.nbits = 0;
    }
  }

  #emit(b) {
    this.#bit(b);
    for (; this.pending > 0; this.pending--) this.#bit(1 - b);
  }

  encode(probs, symbol) {
    const cum = cumulativeFrequencies(probs);
    const total = cum[probs.length];
    const range = this.high - this.low + 1;
    this.high = this.low + Math.floor((range * cum[symbol + 1]) / total) - 1;
    this.low = this.low + Math.floor((range * cum[symbol]) / total);
    for (;;) {
      if (this.high < HALF) {
        this.#emit(0);
      } else if (this.low >= HALF) {
        this.#emit(1);
        this.low -= HALF;
        this.high -= HALF;
      } else if (this.low >= QUARTER && this.high < 3 * QUARTER) {
        this.pending++;
        this.low -= QUARTER;
        this.high -= QUARTER;
      } else {
        break;
      }
      this.low *= 2;
      this.high = this.high * 2 + 1;
    }
  }

  finish() {
    this.pending++;
    this.#emit(this.low < QUARTER ? 0 : 1);
    while (this.nbits !== 0) this.#bit(0);
    return this.out.slice(0, this.len);
  }
}

export class BaselineDecoder {
  constructor(bytes) {
    this.bytes = bytes;
    this.pos = 0; // bit position; bits past the end read as 0
    this.low = 0;
    this.high = TOP - 1;
    this.value = 0;
    for (let i = 0; i < 32; i++) this.value = this.value * 2 + this.#bit();
  }

  #bit() {
    const i = this.pos >>> 3;
    const b = i < this.bytes.length ? (this.bytes[i] >>> (7 - (this.pos & 7))) & 1 : 0;
    this.pos++;
    return b;
  }

  decode(probs) {
    const n = probs.length;
    const cum = cumulativeFrequencies(probs);
    const total = cum[n];
    const range = this.high - this.low + 1;
    const target = Math.floor(((this.value - this.low + 1) * total - 1) / range);
    let lo = 0;
    let hi = n - 1; // largest s with cum[s] <= target
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (cum[mid] <= target) lo = mid;
      else hi = mid - 1;
    }
    const s = lo;
    this.high = this.low + Math.floor((range * cum[s + 1]) / total) - 1;
    this.low = this.low + Math.floor((range * cum[s]) / total);
    for (;;) {
      if (this.high < HALF) {
        // nothing to subtract
      } else if (this.low >= HALF) {
        this.low -= HALF;
        this.high -= HALF;
        this.value -= HALF;
      } else if (this.low >= QUARTER && this.high < 3 * QUARTER) {
        this.low -= QUARTER;
        this.high -= QUARTER;
        this.value -= QUARTER;
      } else {
        break;
      }
      this.low *= 2;
      this.high = this.high * 2 + 1;
      this.value = this.value * 2 + this.#bit();
    }
    return s;
  }
}
