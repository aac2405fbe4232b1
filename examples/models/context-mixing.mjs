// A deterministic, adaptive context-mixing model over bytes.
//
// At every step it gives a full 256-way distribution for the next byte, then learns from the
// byte that actually came (update). An encoder and a decoder that make the same calls in the
// same order get bit-identical distributions, on every JavaScript engine:
//   - every quantity that the model learns or mixes is an integer held in a typed array or a
//     JS number below 2^53 (exact), hashes use Math.imul (exact 32-bit);
//   - the logistic function is a fixed integer table interpolated with integer arithmetic;
//   - the only floating-point step turns the 255 binary node probabilities into 256 leaf
//     probabilities by multiplications by k / 4096, which IEEE-754 rounds identically
//     everywhere. No Math.exp/log/pow/tanh anywhere.
//
// Structure (in the spirit of the PAQ family of compressors): a byte is seen as 8 binary
// decisions along a binary tree of 255 nodes. For each node the model mixes the predictions
// of several contexts (the preceding 0, 1, 2, 3, 4, 6 and 8 bytes, the current word, the
// previous and the current word, the column with the previous byte, and a long-match
// predictor) with two gated linear mixers in the logistic domain, refines the result with
// two adaptive probability maps keyed by the previous byte and by the one before, and
// multiplies the node
// probabilities down the tree. Subtrees that less than 1/4096 of the probability reaches
// are not modelled (their bytes share that mass evenly), which skips most of the 255 nodes
// at little cost. Only the nodes on the path of the actual byte learn after each step.

// round(4096 / (1 + e^(-x/2))) for x = -16..16, the logistic curve at 33 points, 128 apart.
const LOGISTIC_POINTS = [
  1, 2, 4, 6, 10, 17, 27, 45, 74, 120, 194, 311, 488, 747, 1102, 1546, 2048, 2550, 2994, 3349, 3608,
  3785, 3902, 3976, 4022, 4051, 4069, 4079, 4086, 4090, 4092, 4094, 4095,
];

// SQUASH[d + 2048] = 4096 / (1 + e^(-d/256)) for d in [-2048, 2047], interpolated, in [1, 4095].
const SQUASH = new Int32Array(4096);
for (let i = 0; i < 4096; i++) {
  const lo = i >> 7;
  const w = i & 127;
  const v = (LOGISTIC_POINTS[lo] * (128 - w) + LOGISTIC_POINTS[lo + 1] * w + 64) >> 7;
  SQUASH[i] = v < 1 ? 1 : v > 4095 ? 4095 : v;
}
// STRETCH[p] for p in [0, 4095]: the smallest d with squash(d) >= p (inverse of SQUASH).
const STRETCH = new Int32Array(4096);
{
  let p = 0;
  for (let d = -2047; d <= 2047; d++) {
    const v = SQUASH[d + 2048];
    for (; p <= v; p++) STRETCH[p] = d;
  }
  for (; p < 4096; p++) STRETCH[p] = 2047;
}

const squash = (d) => SQUASH[(d > 2047 ? 2047 : d < -2047 ? -2047 : d) + 2048];

// Adaptation rate of a counter that has seen n bits: 1 / (n + 1.5), in units of 2^-15.
const COUNTER_LIMIT = 60;
const RATE = new Int32Array(COUNTER_LIMIT + 1);
for (let n = 0; n <= COUNTER_LIMIT; n++) RATE[n] = Math.floor(65536 / (2 * n + 3));

// Depth (number of bits already known) of each tree node 1..255.
const DEPTH = new Uint8Array(256);
for (let j = 1; j < 256; j++) DEPTH[j] = 31 - Math.clz32(j);

// Nibble group of each node (0: high nibble, 1 + hi: low nibble after high nibble hi) and its
// index inside the 15-node tree of its nibble.
const GROUP = new Uint8Array(256);
const LOCAL = new Uint8Array(256);
for (let j = 1; j < 256; j++) {
  const d = DEPTH[j];
  if (d < 4) {
    GROUP[j] = 0;
    LOCAL[j] = j;
  } else {
    GROUP[j] = 1 + ((j >> (d - 4)) & 15);
    LOCAL[j] = (1 << (d - 4)) | (j & ((1 << (d - 4)) - 1));
  }
}

// Probability mass below which a subtree is not modelled (its bytes share the mass equally).
const PRUNE_MASS = 1 / 4096;

const ORDERS = [1, 2, 3, 4, 6, 8]; // hashed byte contexts, besides order 0
const N_CTX = 1 + ORDERS.length + 3; // order 0, the orders, word, word pair, column
const N_INPUTS = N_CTX + 2; // + match model + bias
const BIAS = 256;
const SLOT = 16; // per context and nibble: [check, 15 tree nodes]
const MATCH_MIN = 6;
const MATCH_HASH_BITS = 18;
const HIST_SIZE = 1 << 20; // ring buffer of past bytes (match model)
const HIST_MASK = HIST_SIZE - 1;

function finalize(h) {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class ContextMixingModel {
  static id = 1;
  static label = 'context mixing (orders 0-8, words, column, match)';

  constructor() {
    this.vocab = 256;
    this.dtype = 'f64'; // predict() writes float64 values
    // Context tables: per context kind, 2^bits slots of SLOT 16-bit probabilities plus counts.
    // All tables live in one pair of arrays; table k starts at slot slotBase[k].
    const bits = [5, 13, 16, 17, 17, 17, 17, 17, 17, 16];
    this.slotMask = new Int32Array(bits.map((b) => (1 << b) - 1));
    this.slotBase = new Int32Array(N_CTX);
    let slots = 0;
    for (let k = 0; k < N_CTX; k++) {
      this.slotBase[k] = slots;
      slots += 1 << bits[k];
    }
    this.prob = new Uint16Array(slots * SLOT).fill(32768);
    this.count = new Uint8Array(slots * SLOT);
    for (let i = 0; i < this.prob.length; i += SLOT) this.prob[i] = 0;
    this.groupBase = new Int32Array(17 * N_CTX); // per nibble group and context: offset or -1
    this.claimed = new Int32Array(N_CTX);
    this.groupReady = new Uint8Array(17);
    this.evaluated = new Uint8Array(256); // 1 if the node was modelled in the last predict()
    this.tree = new Float64Array(512); // probability mass reaching each tree node
    this.ctxHash = new Int32Array(N_CTX); // per context kind, hash of the current context

    // Two mixers, weights in 16.16 fixed point. Mixer 1 picks its weight set by tree node,
    // match state and the class of the previous byte (space, newline, letter, other):
    // 3 x 4 x 256 sets; mixer 2 by match state, the number of contexts that have seen this
    // node, and the depth (3 x (N_CTX + 1) x 8 sets). Their outputs are averaged.
    this.nSets = 768 * 4 + 3 * (N_CTX + 1) * 8;
    this.mixerSet2 = new Int32Array(256);
    this.mixP2 = new Int32Array(256);
    this.weights = new Int32Array(this.nSets * N_INPUTS).fill(Math.floor(65536 * 0.3));
    this.inputs = new Int32Array(256 * N_INPUTS); // inputs used at each node this step
    this.mixerSet = new Int32Array(256);
    this.mixP = new Int32Array(256); // mixer output per node (12 bit)
    this.nodeP = new Int32Array(256); // final P(bit = 1) per node (12 bit)

    // Adaptive probability maps keyed by (previous byte, node) and (the byte before, node),
    // 33 bins in the stretch domain.
    this.apm = new Uint16Array(256 * 256 * 33);
    for (let c = 0; c < 256 * 256; c++) {
      for (let k = 0; k < 33; k++) this.apm[c * 33 + k] = SQUASH[Math.min(k * 128, 4095)] * 16;
    }
    this.apmIndex = new Int32Array(256);
    this.apm2 = this.apm.slice();
    this.apm2Index = new Int32Array(256);

    // Match model: last position of each hashed 6-byte context, the current match.
    this.history = new Uint8Array(HIST_SIZE);
    this.pos = 0;
    this.matchTable = new Int32Array(1 << MATCH_HASH_BITS).fill(-1);
    this.matchPtr = -1;
    this.matchLen = 0;
    this.matchProb = new Uint16Array(64 * 2).fill(49152);
    this.matchCount = new Uint8Array(64 * 2);

    this.c1 = 0;
    this.c2 = 0;
    this.word = 0;
    this.prevWord = 0;
    this.column = 0;
    this._newContexts();
  }

  // Look the slot of hash h up in table k (no insertion): its offset in prob/count, or -1.
  _find(k, h) {
    const i = this.slotBase[k] + (h & this.slotMask[k]);
    const chk = (h >>> 16) | 1;
    const p = this.prob;
    if (p[i * SLOT] === chk) return i * SLOT;
    if (p[(i ^ 1) * SLOT] === chk) return (i ^ 1) * SLOT;
    return -1;
  }

  // Find or create the slot of hash h in table k (used when learning); returns its offset.
  _claim(k, h) {
    const i = this.slotBase[k] + (h & this.slotMask[k]);
    const chk = (h >>> 16) | 1;
    const p = this.prob;
    const c = this.count;
    if (p[i * SLOT] === chk) return i * SLOT;
    const j = i ^ 1;
    if (p[j * SLOT] === chk) return j * SLOT;
    // Replace the less used of the two candidates (slot use count is in count[slot*SLOT]).
    const victim = c[i * SLOT] <= c[j * SLOT] ? i : j;
    const base = victim * SLOT;
    p[base] = chk;
    c[base] = 0;
    for (let n = 1; n < SLOT; n++) {
      p[base + n] = 32768;
      c[base + n] = 0;
    }
    return base;
  }

  _hiHash(k) {
    return finalize(this.ctxHash[k]);
  }

  _loHash(k, hi) {
    return finalize(this.ctxHash[k] + Math.imul(hi + 1, 0x9e3779b1));
  }

  // After a byte boundary: recompute the context hashes and look up the high-nibble slots
  // (the low-nibble ones are looked up when predict() first needs them).
  _newContexts() {
    const hist = this.history;
    const pos = this.pos;
    const h = this.ctxHash;
    h[0] = 0;
    for (let o = 0; o < ORDERS.length; o++) {
      const order = ORDERS[o];
      let x = Math.imul(order + 1, 0x2545f491);
      for (let k = 1; k <= order; k++) {
        const b = pos - k >= 0 ? hist[(pos - k) & HIST_MASK] : 0;
        x = Math.imul(x ^ (b + 1), 0x01000193) + k;
      }
      h[1 + o] = x;
    }
    h[1 + ORDERS.length] = Math.imul(this.word ^ 0x51ed27, 0x27d4eb2d) + 7;
    h[2 + ORDERS.length] =
      Math.imul(this.word ^ Math.imul(this.prevWord, 0x165667b1), 0x3c6ef372) + 11;
    h[3 + ORDERS.length] =
      Math.imul((this.column < 90 ? this.column : 90) * 256 + this.c1 + 1, 0x61c88647) + 13;
    const gb = this.groupBase;
    for (let k = 0; k < N_CTX; k++) gb[k] = this._find(k, this._hiHash(k));
    this.groupReady.fill(0);
    this.groupReady[0] = 1;
  }

  // Look up the slots of the low-nibble group that follows high nibble hi (on first use).
  _lookupGroup(g) {
    const gb = this.groupBase;
    for (let k = 0; k < N_CTX; k++) gb[g * N_CTX + k] = this._find(k, this._loHash(k, g - 1));
    this.groupReady[g] = 1;
  }

  // Write P(next byte = b) for b in 0..255 into out[0..256) (any float array, e.g. a
  // DistributionCoder distributionView). The values sum to 1 up to rounding.
  predict(out) {
    const prob = this.prob;
    const count = this.count;
    const inputs = this.inputs;
    const weights = this.weights;
    const gb = this.groupBase;
    const matchByte = this.matchLen > 0 ? this.history[this.matchPtr & HIST_MASK] | 256 : 0;
    const ml = this.matchLen > 31 ? 31 : this.matchLen;
    const c1 = this.c1;
    const cls = c1 === 32 ? 0 : c1 === 10 ? 1 : (c1 | 32) >= 97 && (c1 | 32) <= 122 ? 2 : 3;
    const tree = this.tree;
    const nodeP = this.nodeP;
    const evaluated = this.evaluated;
    const groupReady = this.groupReady;
    tree[1] = 1;
    // Nodes in order of depth (a parent before its children). A node that less than
    // PRUNE_MASS of the probability reaches is not modelled: it splits its mass evenly.
    for (let j = 1; j < 256; j++) {
      const mass = tree[j];
      if (mass < PRUNE_MASS) {
        evaluated[j] = 0;
        nodeP[j] = 2048;
        const half = mass * 0.5;
        tree[2 * j] = half;
        tree[2 * j + 1] = half;
        continue;
      }
      evaluated[j] = 1;
      const d = DEPTH[j];
      const base = j * N_INPUTS;
      const local = LOCAL[j]; // node index inside its nibble tree (1..15)
      if (groupReady[GROUP[j]] === 0) this._lookupGroup(GROUP[j]);
      const g = GROUP[j] * N_CTX;
      let known = 0;
      for (let k = 0; k < N_CTX; k++) {
        const s = gb[g + k];
        let x = 0;
        if (s >= 0) {
          const idx = s + local;
          if (count[idx] !== 0) {
            x = STRETCH[prob[idx] >> 4];
            known++;
          }
        }
        inputs[base + k] = x;
      }
      // Match model: only nodes on the path of the predicted byte get an opinion.
      let set = 0;
      let mx = 0;
      if (matchByte !== 0 && matchByte >> (8 - d) === j) {
        const bit = (matchByte >> (7 - d)) & 1;
        const q = STRETCH[this.matchProb[ml * 2 + (d === 0 ? 0 : 1)] >> 4];
        mx = bit ? q : -q;
        set = ml < 16 ? 1 : 2;
      }
      inputs[base + N_CTX] = mx;
      inputs[base + N_CTX + 1] = BIAS;
      const ws = ((set * 4 + cls) * 256 + j) * N_INPUTS;
      this.mixerSet[j] = ws;
      const ws2 = (768 * 4 + (set * (N_CTX + 1) + known) * 8 + d) * N_INPUTS;
      this.mixerSet2[j] = ws2;
      let dot = 0;
      let dot2 = 0;
      for (let k = 0; k < N_INPUTS; k++) {
        const x = inputs[base + k];
        dot += x * weights[ws + k];
        dot2 += x * weights[ws2 + k];
      }
      const s1 = Math.floor(dot / 65536);
      const s2 = Math.floor(dot2 / 65536);
      this.mixP[j] = squash(s1);
      this.mixP2[j] = squash(s2);
      const pm = squash((s1 + s2) >> 1);
      // APM refinement keyed by the node and the previous byte, and by the byte before that.
      const st = STRETCH[pm] + 2048;
      const lo = st >> 7;
      const w = st & 127;
      const ai = (c1 * 256 + j) * 33 + lo;
      this.apmIndex[j] = w < 64 ? ai : ai + 1;
      const pa1 = (this.apm[ai] * (128 - w) + this.apm[ai + 1] * w) >> 11;
      const a2 = (this.c2 * 256 + j) * 33 + lo;
      this.apm2Index[j] = w < 64 ? a2 : a2 + 1;
      const pa2 = (this.apm2[a2] * (128 - w) + this.apm2[a2 + 1] * w) >> 11;
      const pa = (pa1 + pa2) >> 1;
      let p = (pm + 3 * pa + 2) >> 2;
      if (p < 1) p = 1;
      else if (p > 4095) p = 4095;
      nodeP[j] = p;
      // Multiply down the tree: leaf b gets the product of its 8 branch probabilities.
      tree[2 * j] = mass * ((4096 - p) / 4096);
      tree[2 * j + 1] = mass * (p / 4096);
    }
    for (let b = 0; b < 256; b++) out[b] = tree[256 + b];
    return out;
  }

  // Learn from the byte that followed the last predict().
  update(byte) {
    const prob = this.prob;
    const count = this.count;
    const inputs = this.inputs;
    const weights = this.weights;
    const matchByte = this.matchLen > 0 ? this.history[this.matchPtr & HIST_MASK] | 256 : 0;
    const ml = this.matchLen > 31 ? 31 : this.matchLen;
    const slots = this.claimed;
    let j = 1;
    for (let d = 0; d < 8; d++) {
      const bit = (byte >> (7 - d)) & 1;
      // Context counters.
      const local = LOCAL[j];
      if (d === 0 || d === 4) {
        const hi = GROUP[j] - 1;
        for (let k = 0; k < N_CTX; k++) {
          const s = hi < 0 ? this._claim(k, this._hiHash(k)) : this._claim(k, this._loHash(k, hi));
          slots[k] = s;
          if (count[s] < 255) count[s]++;
        }
      }
      for (let k = 0; k < N_CTX; k++) {
        const idx = slots[k] + local;
        const n = count[idx];
        const p = prob[idx];
        prob[idx] = p + ((((bit ? 65535 : 0) - p) * RATE[n]) >> 15);
        if (n < COUNTER_LIMIT) count[idx] = n + 1;
      }
      // Match model statistics.
      if (matchByte !== 0 && matchByte >> (8 - d) === j) {
        const mi = ml * 2 + (d === 0 ? 0 : 1);
        const hit = ((matchByte >> (7 - d)) & 1) === bit;
        const n = this.matchCount[mi];
        const p = this.matchProb[mi];
        this.matchProb[mi] = p + ((((hit ? 65535 : 0) - p) * RATE[n]) >> 15);
        if (n < 255 && n < COUNTER_LIMIT) this.matchCount[mi] = n + 1;
      }
      if (this.evaluated[j] === 0) {
        j = 2 * j + bit;
        continue;
      }
      // Mixer: gradient step on coding cost.
      const err = (((bit << 12) - this.mixP[j]) * 3) >> 1;
      const base = j * N_INPUTS;
      const ws = this.mixerSet[j];
      const err2 = (((bit << 12) - this.mixP2[j]) * 3) >> 1;
      const ws2 = this.mixerSet2[j];
      for (let k = 0; k < N_INPUTS; k++) {
        weights[ws + k] += (inputs[base + k] * err + 1024) >> 11;
        weights[ws2 + k] += (inputs[base + k] * err2 + 1024) >> 11;
      }
      // APM.
      const ai = this.apmIndex[j];
      const a = this.apm[ai];
      this.apm[ai] = a + (((bit ? 65535 : 0) - a + 16) >> 5);
      const ai2 = this.apm2Index[j];
      const a2 = this.apm2[ai2];
      this.apm2[ai2] = a2 + (((bit ? 65535 : 0) - a2 + 16) >> 5);
      j = 2 * j + bit;
    }

    // Byte boundary: history, words, match model, contexts.
    const hist = this.history;
    hist[this.pos & HIST_MASK] = byte;
    this.pos++;
    this.c2 = this.c1;
    this.c1 = byte;
    this.column = byte === 10 ? 0 : this.column + 1;
    const lower = byte >= 65 && byte <= 90 ? byte + 32 : byte;
    if (lower >= 97 && lower <= 122) {
      this.word = Math.imul(this.word ^ lower, 0x2c1b3c6d) + lower;
    } else if (this.word !== 0) {
      this.prevWord = this.word;
      this.word = 0;
    }
    this._updateMatch(byte);
    this._newContexts();
  }

  _updateMatch(byte) {
    const hist = this.history;
    const pos = this.pos;
    if (this.matchLen > 0 && hist[this.matchPtr & HIST_MASK] === byte) {
      this.matchLen++;
      this.matchPtr++;
    } else {
      this.matchLen = 0;
    }
    if (pos < MATCH_MIN) return;
    let h = 0;
    for (let k = 1; k <= MATCH_MIN; k++)
      h = Math.imul(h ^ hist[(pos - k) & HIST_MASK], 0x2f0b4c27) + k;
    h = finalize(h) >>> (32 - MATCH_HASH_BITS);
    if (this.matchLen === 0) {
      const cand = this.matchTable[h];
      if (cand >= 0 && pos - cand < HIST_MASK) {
        let len = 0;
        while (
          len < 64 &&
          cand - len - 1 >= 0 &&
          pos - cand + len < HIST_MASK &&
          hist[(cand - len - 1) & HIST_MASK] === hist[(pos - len - 1) & HIST_MASK]
        )
          len++;
        if (len >= MATCH_MIN) {
          this.matchLen = len;
          this.matchPtr = cand;
        }
      }
    }
    if (this.matchLen > 0 && pos - this.matchPtr >= HIST_MASK) this.matchLen = 0;
    this.matchTable[h] = pos;
  }
}
