// The examples' model + coder pipeline (examples/models/, used by examples/node/ and the
// browser demo): round trips, the library's framed container, and that the context-mixing model beats gzip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync, constants } from 'node:zlib';
import * as dc from 'distribution-coder';
import { compress, decompress, modelIdOf } from '../../examples/models/codec.mjs';
import { ContextMixingModel } from '../../examples/models/context-mixing.mjs';

const TEXT = new Uint8Array(readFileSync(new URL('../../examples/data/fsf-licenses.txt', import.meta.url)));
const SLICE = TEXT.subarray(0, 16384);

test('context mixing: a 16 KiB slice of the shipped text round-trips and beats gzip -9', async () => {
  const file = await compress(dc, new ContextMixingModel(), ContextMixingModel.id, SLICE);
  const { bytes, verified } = await decompress(dc, new ContextMixingModel(), file);
  assert.equal(verified, true);
  assert.deepEqual(bytes, SLICE);
  const gz = gzipSync(SLICE, { level: constants.Z_BEST_COMPRESSION }).length;
  assert.ok(file.length < gz, `context mixing ${file.length} B vs gzip ${gz} B`);
  // Well below gzip, not just below: at most 85% of its size on this English text.
  assert.ok(file.length < 0.85 * gz, `context mixing ${file.length} B vs gzip ${gz} B`);
});

test('context mixing: the distribution is a proper one and is the same for two model instances', () => {
  const a = new ContextMixingModel();
  const b = new ContextMixingModel();
  const pa = new Float64Array(256);
  const pb = new Float64Array(256);
  for (let i = 0; i < 3000; i++) {
    a.predict(pa);
    b.predict(pb);
    assert.deepEqual(pa, pb);
    let sum = 0;
    for (const p of pa) {
      assert.ok(p > 0 && p < 1);
      sum += p;
    }
    assert.ok(Math.abs(sum - 1) < 1e-9, `sum ${sum}`);
    a.update(TEXT[i]);
    b.update(TEXT[i]);
  }
});

test('context mixing: learns, the actual byte gets most of the mass once the text repeats', () => {
  const m = new ContextMixingModel();
  const out = new Float64Array(256);
  const phrase = new TextEncoder().encode('the quick brown fox jumps over the lazy dog. ');
  let late = 0;
  for (let r = 0; r < 8; r++) {
    for (const byte of phrase) {
      m.predict(out);
      if (r === 7) late += out[byte];
      m.update(byte);
    }
  }
  assert.ok(late / phrase.length > 0.9, `mean probability of the next byte on the 8th repeat: ${late / phrase.length}`);
});

test('empty input and single bytes round-trip', async () => {
  for (const input of [new Uint8Array(0), Uint8Array.of(0), Uint8Array.of(255), Uint8Array.of(10, 10, 10)]) {
    const file = await compress(dc, new ContextMixingModel(), 1, input);
    const { bytes, verified } = await decompress(dc, new ContextMixingModel(), file);
    assert.equal(verified, true);
    assert.deepEqual(bytes, input);
  }
});

test('the library\'s framed container: header fields; damage, another model, other numbers refused', async () => {
  const input = SLICE.subarray(0, 2000);
  const good = await compress(dc, new ContextMixingModel(), ContextMixingModel.id, input);
  const info = dc.FramedDecoder.inspect(good);
  assert.equal(info.steps, input.length);
  assert.equal(new TextDecoder().decode(info.modelId), 'distribution-coder-example/1');
  assert.equal(modelIdOf(dc, good), ContextMixingModel.id);
  assert.throws(() => modelIdOf(dc, new dc.FramedEncoder({ modelId: 'other' }).finish()), /not a compressed file of this example/);
  assert.throws(() => modelIdOf(dc, Uint8Array.of(1, 2, 3)), { codeName: 'DC_ERR_FRAME_MAGIC' });
  // A flipped bit in the stream: the chunk's CRC-32 of its bytes fails (was: decoded to
  // other bytes that the examples' own CRC then refused).
  const bad = good.slice();
  bad[good.length - 40] ^= 0x10;
  await assert.rejects(decompress(dc, new ContextMixingModel(), bad), { codeName: 'DC_ERR_FRAME_CORRUPT', chunk: 0 });
  // The file of another model: refused by its model id before anything is decoded.
  const otherModel = new ContextMixingModel();
  Object.defineProperty(otherModel, 'constructor', { value: { id: 2 } });
  await assert.rejects(decompress(dc, otherModel, good), { codeName: 'DC_ERR_FRAME_MODEL_ID' });
  // Other numbers (a model that has learnt something else first): the symbols' CRC-32 fails.
  const drifted = new ContextMixingModel();
  drifted.update(65);
  await assert.rejects(decompress(dc, drifted, good), { codeName: 'DC_ERR_FRAME_CHECKSUM', chunk: 0 });
});


test('ONNX model under onnxruntime-web (wasm, one thread): valid distributions, round trip', async () => {
  const { OnnxByteModel, loadOnnxRuntimeForNode } = await import('../../examples/models/onnx-model.mjs');
  const ort = await loadOnnxRuntimeForNode();
  const onnx = readFileSync(new URL('../../examples/models/byte-mlp.onnx', import.meta.url));
  const model = await OnnxByteModel.create(ort, onnx);
  const out = new Float32Array(256);
  await model.predict(out);
  const sum = out.reduce((s, x) => s + x, 0);
  assert.ok(Math.abs(sum - 1) < 1e-4, `softmax sums to ${sum}`);
  await model.release();

  const input = new Uint8Array(readFileSync(new URL('../../examples/data/gpl-3.txt', import.meta.url))).subarray(0, 1500);
  const file = await compress(dc, await OnnxByteModel.create(ort, onnx), OnnxByteModel.id, input);
  assert.equal(modelIdOf(dc, file), OnnxByteModel.id);
  const { bytes, verified } = await decompress(dc, await OnnxByteModel.create(ort, onnx), file);
  assert.equal(verified, true);
  assert.deepEqual(bytes, input);
  // A trained network, not a uniform guess: well under 8 bits per byte on unseen English.
  assert.ok((8 * file.length) / input.length < 4.5, `${(8 * file.length) / input.length} bits per byte`);
});

test('ONNX writer: a hand-built graph loads in onnxruntime-web and computes what it should', async () => {
  const { writeOnnxModel, DataType } = await import('../../examples/models/onnx-writer.mjs');
  const { loadOnnxRuntimeForNode } = await import('../../examples/models/onnx-model.mjs');
  const ort = await loadOnnxRuntimeForNode();
  // y = Softmax(Relu(Reshape(Gather(table, idx), [1, 4]) x W + b)), small enough to check by hand.
  const table = [1, 2, -3, 4, 0.5, -1];
  const w = [1, 0, 0, 1, 1, 1, -1, 2]; // [4, 2]
  const bytes = writeOnnxModel({
    graph: {
      name: 'check',
      inputs: [{ name: 'idx', elemType: DataType.INT32, dims: [1, 2] }],
      outputs: [{ name: 'y', elemType: DataType.FLOAT, dims: [1, 2] }],
      initializers: [
        { name: 'table', dims: [3, 2], dataType: DataType.FLOAT, data: table },
        { name: 'shape', dims: [2], dataType: DataType.INT64, data: [1, 4] },
        { name: 'w', dims: [4, 2], dataType: DataType.FLOAT, data: w },
        { name: 'b', dims: [2], dataType: DataType.FLOAT, data: [0.25, -0.25] },
      ],
      nodes: [
        { opType: 'Gather', inputs: ['table', 'idx'], outputs: ['g'], attributes: { axis: 0 } },
        { opType: 'Reshape', inputs: ['g', 'shape'], outputs: ['flat'] },
        { opType: 'MatMul', inputs: ['flat', 'w'], outputs: ['m'] },
        { opType: 'Add', inputs: ['m', 'b'], outputs: ['a'] },
        { opType: 'Relu', inputs: ['a'], outputs: ['r'] },
        { opType: 'Softmax', inputs: ['r'], outputs: ['y'], attributes: { axis: -1 } },
      ],
    },
  });
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ idx: new ort.Tensor('int32', Int32Array.of(2, 0), [1, 2]) });
  // Gather rows 2 and 0: [0.5, -1, 1, 2]; x W = [0.5 + 1 - 2, -1 + 1 + 4] = [-0.5, 4];
  // + b = [-0.25, 3.75]; Relu = [0, 3.75]; Softmax = [1, e^3.75] / (1 + e^3.75).
  const e = Math.exp(3.75);
  const expected = [1 / (1 + e), e / (1 + e)];
  assert.deepEqual(out.y.dims, [1, 2]);
  out.y.data.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `y[${i}] = ${v}, expected ${expected[i]}`));
  await session.release();
});
