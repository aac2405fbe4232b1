#!/usr/bin/env node
// Train the small next-byte network of onnx-model.mjs on examples/data/fsf-licenses.txt and
// write it as examples/models/byte-mlp.onnx. Plain JavaScript, no dependency, deterministic:
// a fixed-seed generator draws the initial weights and the order of the examples, so a run
// on the same Node version gives the same file. Takes a few minutes on one core.
//
//   node examples/models/train-byte-mlp.mjs [--epochs 8] [--out examples/models/byte-mlp.onnx]
//
// It prints the training loss and the bits per byte on examples/data/gpl-3.txt (a text the
// network does not train on) after each epoch. Training uses Math.exp/Math.log freely: only
// the saved weights matter, and the compressor and decompressor both read them from the file.

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CONTEXT, EMBED, HIDDEN } from './onnx-model.mjs';
import { writeOnnxModel, DataType } from './onnx-writer.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const EPOCHS = Number(opt('--epochs', 8));
const OUT = opt('--out', fileURLToPath(new URL('./byte-mlp.onnx', import.meta.url)));
const BATCH = 32;
const LR = 2e-3;

const train = new Uint8Array(readFileSync(new URL('../data/fsf-licenses.txt', import.meta.url)));
const heldOut = new Uint8Array(readFileSync(new URL('../data/gpl-3.txt', import.meta.url)));

// xorshift32 with a fixed seed; uniform in [0, 1).
let seed = 0x2545f491;
function random() {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
}
const uniform = (n, a) => Float32Array.from({ length: n }, () => (2 * random() - 1) * a);

const IN = CONTEXT * EMBED;
const V = 256;
const params = {
  emb: uniform(CONTEXT * 256 * EMBED, 0.1),
  w1: uniform(IN * HIDDEN, Math.sqrt(6 / (IN + HIDDEN))),
  b1: new Float32Array(HIDDEN),
  w2: uniform(HIDDEN * V, Math.sqrt(6 / (HIDDEN + V))),
  b2: new Float32Array(V),
};
const names = Object.keys(params);
const grads = Object.fromEntries(names.map((k) => [k, new Float32Array(params[k].length)]));
const adamM = Object.fromEntries(names.map((k) => [k, new Float32Array(params[k].length)]));
const adamV = Object.fromEntries(names.map((k) => [k, new Float32Array(params[k].length)]));

// Per-example work buffers.
const idx = new Int32Array(CONTEXT);
const e = new Float32Array(IN);
const hpre = new Float32Array(HIDDEN);
const h = new Float32Array(HIDDEN);
const logits = new Float64Array(V);
const prob = new Float64Array(V);
const dh = new Float32Array(HIDDEN);

function contextAt(data, t) {
  for (let p = 0; p < CONTEXT; p++) {
    const k = t - CONTEXT + p;
    idx[p] = p * 256 + (k >= 0 ? data[k] : 0);
  }
}

function forward() {
  const { emb, w1, b1, w2, b2 } = params;
  for (let p = 0; p < CONTEXT; p++) {
    const src = idx[p] * EMBED;
    for (let d = 0; d < EMBED; d++) e[p * EMBED + d] = emb[src + d];
  }
  hpre.set(b1);
  for (let i = 0; i < IN; i++) {
    const x = e[i];
    const row = i * HIDDEN;
    for (let j = 0; j < HIDDEN; j++) hpre[j] += x * w1[row + j];
  }
  for (let j = 0; j < HIDDEN; j++) h[j] = hpre[j] > 0 ? hpre[j] : 0;
  for (let o = 0; o < V; o++) logits[o] = b2[o];
  for (let j = 0; j < HIDDEN; j++) {
    const x = h[j];
    if (x === 0) continue;
    const row = j * V;
    for (let o = 0; o < V; o++) logits[o] += x * w2[row + o];
  }
  let max = -Infinity;
  for (let o = 0; o < V; o++) if (logits[o] > max) max = logits[o];
  let sum = 0;
  for (let o = 0; o < V; o++) {
    prob[o] = Math.exp(logits[o] - max);
    sum += prob[o];
  }
  for (let o = 0; o < V; o++) prob[o] /= sum;
}

function backward(y) {
  const { w1, w2 } = params;
  const g = grads;
  prob[y] -= 1; // prob now holds dLoss/dlogits
  for (let o = 0; o < V; o++) g.b2[o] += prob[o];
  for (let j = 0; j < HIDDEN; j++) {
    const x = h[j];
    if (x === 0) {
      dh[j] = 0;
      continue;
    }
    const row = j * V;
    let s = 0;
    for (let o = 0; o < V; o++) {
      g.w2[row + o] += x * prob[o];
      s += w2[row + o] * prob[o];
    }
    dh[j] = s;
  }
  for (let j = 0; j < HIDDEN; j++) g.b1[j] += dh[j];
  for (let i = 0; i < IN; i++) {
    const x = e[i];
    const row = i * HIDDEN;
    let s = 0;
    for (let j = 0; j < HIDDEN; j++) {
      const d = dh[j];
      g.w1[row + j] += x * d;
      s += w1[row + j] * d;
    }
    const p = (i / EMBED) | 0;
    g.emb[idx[p] * EMBED + (i % EMBED)] += s;
  }
}

let step = 0;
function adam(lr) {
  step++;
  const b1 = 0.9;
  const b2 = 0.999;
  const c1 = 1 - b1 ** step;
  const c2 = 1 - b2 ** step;
  for (const k of names) {
    const p = params[k];
    const g = grads[k];
    const m = adamM[k];
    const v = adamV[k];
    for (let i = 0; i < p.length; i++) {
      const gi = g[i] / BATCH;
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      p[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + 1e-8);
      g[i] = 0;
    }
  }
}

function bitsPerByte(data) {
  let bits = 0;
  for (let t = 0; t < data.length; t++) {
    contextAt(data, t);
    forward();
    bits -= Math.log2(prob[data[t]]);
  }
  return bits / data.length;
}

const order = Int32Array.from({ length: train.length }, (_, i) => i);
const t0 = performance.now();
for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
  const lr = LR * (epoch <= EPOCHS / 2 ? 1 : 0.5 ** (epoch - EPOCHS / 2));
  let loss = 0;
  for (let b = 0; b < order.length; b++) {
    const t = order[b];
    contextAt(train, t);
    forward();
    loss -= Math.log2(prob[train[t]]);
    backward(train[t]);
    if ((b + 1) % BATCH === 0) adam(lr);
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(0);
  console.log(
    `epoch ${epoch}/${EPOCHS}: training ${(loss / order.length).toFixed(3)} bits/byte, ` +
      `gpl-3.txt (not trained on) ${bitsPerByte(heldOut).toFixed(3)} bits/byte, ${secs} s`,
  );
}

const onnx = writeOnnxModel({
  docString:
    `Next-byte MLP: previous ${CONTEXT} bytes -> probabilities of the next byte. ` +
    `Trained by examples/models/train-byte-mlp.mjs (${EPOCHS} epochs) on examples/data/fsf-licenses.txt.`,
  graph: {
    name: 'byte_mlp',
    inputs: [{ name: 'context', elemType: DataType.INT32, dims: [1, CONTEXT] }],
    outputs: [{ name: 'probs', elemType: DataType.FLOAT, dims: [1, 256] }],
    initializers: [
      {
        name: 'embedding',
        dims: [CONTEXT * 256, EMBED],
        dataType: DataType.FLOAT,
        data: params.emb,
      },
      { name: 'flat_shape', dims: [2], dataType: DataType.INT64, data: [1, IN] },
      { name: 'w1', dims: [IN, HIDDEN], dataType: DataType.FLOAT, data: params.w1 },
      { name: 'b1', dims: [HIDDEN], dataType: DataType.FLOAT, data: params.b1 },
      { name: 'w2', dims: [HIDDEN, V], dataType: DataType.FLOAT, data: params.w2 },
      { name: 'b2', dims: [V], dataType: DataType.FLOAT, data: params.b2 },
    ],
    nodes: [
      {
        opType: 'Gather',
        inputs: ['embedding', 'context'],
        outputs: ['embedded'],
        attributes: { axis: 0 },
      },
      { opType: 'Reshape', inputs: ['embedded', 'flat_shape'], outputs: ['flat'] },
      { opType: 'MatMul', inputs: ['flat', 'w1'], outputs: ['h1'] },
      { opType: 'Add', inputs: ['h1', 'b1'], outputs: ['h1b'] },
      { opType: 'Relu', inputs: ['h1b'], outputs: ['hidden'] },
      { opType: 'MatMul', inputs: ['hidden', 'w2'], outputs: ['l1'] },
      { opType: 'Add', inputs: ['l1', 'b2'], outputs: ['logits'] },
      { opType: 'Softmax', inputs: ['logits'], outputs: ['probs'], attributes: { axis: -1 } },
    ],
  },
});
writeFileSync(OUT, onnx);
console.log(`wrote ${OUT} (${onnx.length} bytes)`);
