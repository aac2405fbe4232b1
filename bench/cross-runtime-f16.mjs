// The float16 / bfloat16 part of bench/cross-runtime.mjs (--f16). What it measures, honestly:
// there is no GPU and no float16 runtime for this network here, so the byte model is rebuilt
// from the weights of byte-mlp.onnx (onnx-reader.mjs) as two ONNX graphs run by
// onnxruntime-node on the CPU:
//   fp16   weights stored as float16 and every operator run on float16 tensors (onnxruntime's
//          CPU float16 kernels, where it has them: see the printed result), output cast to
//          float32;
//   sim    weights rounded to the type and every intermediate tensor rounded to the type
//          (Cast to float16 or bfloat16 and back after each operator), arithmetic in
//          float32: a runtime that stores half-precision tensors and accumulates in
//          float32, as GPU tensor cores do.
//   sim, float32 logits: the same, but the last layer's output (the logits) kept in float32.
// Each is compared with the same half-precision weights evaluated with float32 tensors: the
// difference a decoder in float32 (the page, given the same half-precision weights) sees when
// the encoder ran in half precision (a GPU server). Two half-precision runtimes (two GPUs)
// can differ from each other by up to about twice as much: their roundings are independent.
import { readOnnxWeights } from '../examples/models/onnx-reader.mjs';
import { writeOnnxModel, DataType } from '../examples/models/onnx-writer.mjs';
import {
  CONTEXT,
  EMBED,
  HIDDEN,
  OnnxByteModel,
  NATIVE_SESSION,
  loadOnnxRuntimeNative,
} from '../examples/models/onnx-model.mjs';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 -> float16 bit pattern, round to nearest even. */
function halfBits(x) {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // a carry into the exponent is right
  return sign | h;
}

/** float32 -> bfloat16 bit pattern, round to nearest even (finite inputs). */
function bfloatBits(x) {
  f32[0] = x;
  const b = u32[0];
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

/** float32 -> the nearest value of `type` ('f16' or 'bf16'), as a float32 value. */
function roundTo(type, x) {
  if (type === 'bf16') {
    u32[0] = bfloatBits(x) << 16;
    return f32[0];
  }
  const h = halfBits(x);
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  const v =
    e === 0 ? m * 2 ** -24 : e === 31 ? (m ? NaN : Infinity) : (1 + m / 1024) * 2 ** (e - 15);
  return h & 0x8000 ? -v : v;
}

const OPS = (t) => [
  {
    opType: 'Gather',
    inputs: ['embedding', 'context'],
    outputs: [t('embedded')],
    attributes: { axis: 0 },
  },
  { opType: 'Reshape', inputs: ['embedded', 'flat_shape'], outputs: [t('flat')] },
  { opType: 'MatMul', inputs: ['flat', 'w1'], outputs: [t('h1')] },
  { opType: 'Add', inputs: ['h1', 'b1'], outputs: [t('h1b')] },
  { opType: 'Relu', inputs: ['h1b'], outputs: [t('hidden')] },
  { opType: 'MatMul', inputs: ['hidden', 'w2'], outputs: [t('l1')] },
  { opType: 'Add', inputs: ['l1', 'b2'], outputs: [t('logits')] },
  { opType: 'Softmax', inputs: ['logits'], outputs: [t('sm')], attributes: { axis: -1 } },
];

/**
 * The network in float16 operators (kind 'fp16') or float32 with rounding (kind 'sim'; the
 * tensors named in `keep` are not rounded: the softmax's output never is, since a user of a
 * half-precision model reads float32 probabilities: softmax(logits.float())).
 */
function buildGraph(w, kind, type, keep = []) {
  const names = ['embedding', 'w1', 'b1', 'w2', 'b2'];
  const initializers = [
    { name: 'flat_shape', dims: [2], dataType: DataType.INT64, data: [1, CONTEXT * EMBED] },
  ];
  const nodes = [];
  const TO = type === 'bf16' ? DataType.BFLOAT16 : DataType.FLOAT16;
  if (kind === 'fp16') {
    for (const n of names)
      initializers.push({
        name: n,
        dims: w[n].dims,
        dataType: DataType.FLOAT16,
        data: Array.from(w[n].data, halfBits),
      });
    nodes.push(...OPS((x) => x), {
      opType: 'Cast',
      inputs: ['sm'],
      outputs: ['probs'],
      attributes: { to: DataType.FLOAT },
    });
  } else {
    for (const n of names)
      initializers.push({
        name: n,
        dims: w[n].dims,
        dataType: DataType.FLOAT,
        data: Array.from(w[n].data, (x) => roundTo(type, x)),
      });
    // Each operator writes "<name>_raw"; two Casts round it to the type and back to "<name>".
    for (const op of OPS((x) => `${x}_raw`)) {
      const out = op.outputs[0].slice(0, -4);
      nodes.push(op);
      if (out === 'sm' || keep.includes(out)) {
        op.outputs[0] = out === 'sm' ? 'probs' : out;
        continue;
      }
      nodes.push({
        opType: 'Cast',
        inputs: [op.outputs[0]],
        outputs: [`${out}_h`],
        attributes: { to: TO },
      });
      nodes.push({
        opType: 'Cast',
        inputs: [`${out}_h`],
        outputs: [out],
        attributes: { to: DataType.FLOAT },
      });
    }
  }
  return writeOnnxModel({
    graph: {
      name: `byte_mlp_${kind}_${type}`,
      inputs: [{ name: 'context', elemType: DataType.INT32, dims: [1, CONTEXT] }],
      outputs: [{ name: 'probs', elemType: DataType.FLOAT, dims: [1, 256] }],
      initializers,
      nodes,
    },
  });
}

export async function f16Section({
  text,
  native,
  modelBytes,
  compare,
  printComparison,
  fmt,
  recommend,
}) {
  const w = readOnnxWeights(modelBytes);
  if (w.w1.dims[1] !== HIDDEN) throw new Error('byte-mlp.onnx does not have the expected shape');
  const ort = await loadOnnxRuntimeNative();
  const run = async (bytes) => {
    const model = await OnnxByteModel.create(ort, bytes, NATIVE_SESSION);
    const out = new Float32Array(text.length * 256);
    for (let i = 0; i < text.length; i++) {
      await model.predict(out.subarray(i * 256, (i + 1) * 256));
      model.update(text[i]);
    }
    await model.release();
    return out;
  };
  const HEAD = ['l1', 'logits'];
  const ALL = ['embedded', 'flat', 'h1', 'h1b', 'hidden', 'l1', 'logits'];
  // Reference for each type: the same half-precision weights, every tensor in float32. The
  // half-precision runs differ from it by their arithmetic alone (what differs between two
  // runtimes of one model), not by the rounding of the weights (another model).
  const reference = {
    f16: await run(buildGraph(w, 'sim', 'f16', ALL)),
    bf16: await run(buildGraph(w, 'sim', 'bf16', ALL)),
  };
  const weightsOnly = compare(native, reference.f16);
  console.log(
    `\n(the float16 weights alone change the model: relative difference to the float32 model up to ${fmt(weightsOnly.max)}, median ${fmt(weightsOnly.median)}; not a runtime difference, not counted below)`,
  );
  const variants = [
    [
      'fp16',
      'f16',
      [],
      'float16 graph on onnxruntime-node CPU (float16 weights and tensors; ORT computes operators it has no float16 CPU kernel for in float32)',
    ],
    ['sim', 'f16', [], 'float16 tensors, float32 arithmetic (simulated)'],
    ['sim', 'bf16', [], 'bfloat16 tensors, float32 arithmetic (simulated)'],
    ['sim', 'f16', HEAD, 'float16 tensors but float32 logits (simulated)'],
    ['sim', 'bf16', HEAD, 'bfloat16 tensors but float32 logits (simulated)'],
  ];
  const results = [];
  for (const [kind, type, keep, label] of variants) {
    let probs;
    try {
      probs = await run(buildGraph(w, kind, type, keep));
    } catch (e) {
      console.log(`\n${label}: not measurable here: ${String(e.message).split('\n')[0]}`);
      continue;
    }
    const c = compare(reference[type], probs);
    console.log('');
    printComparison(
      `${type === 'bf16' ? 'bfloat16' : 'float16'} weights, all tensors float32 vs ${label}`,
      c,
      text.length,
    );
    results.push({ label, type, max: c.max, maxAbove: c.maxAbove });
  }
  for (const r of results) {
    console.log(
      `tau for ${r.label}: the worst element ${fmt(r.max)} needs tau >= that; recommended ${recommend(r.max).toExponential(0)}${r.max * 4 > 1e-2 ? " (above the mode's maximum 1e-2: not decodable in the tolerant mode)" : ''}`,
    );
  }
}
