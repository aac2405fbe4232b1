// Decode in one runtime what another encoded (issue #12), in Node: the byte model run by
// onnxruntime-node (native CPU kernels) on one side, by onnxruntime-web (wasm) on the other.
// Chromium's half is test/browser/cross-runtime.test.mjs. Without the tolerant mode the exact
// mode's failure must be detected (DC_ERR_FRAME_CHECKSUM), never returned as other bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dc from 'distribution-coder';
import {
  compress,
  decompress,
  supportsTolerance,
  FLOAT32_TOLERANCE,
} from '../../examples/models/codec.mjs';
import { crossRuntimeTexts, nativeModel, wasmModel } from './cross-runtime-helpers.mjs';

const [TEXT] = crossRuntimeTexts(1);
const ID = 2; // OnnxByteModel.id

async function roundTrip(encodeModel, decodeModel, options) {
  const file = await compress(dc, await encodeModel(), ID, TEXT.bytes, undefined, options);
  return { file, result: await decompress(dc, await decodeModel(), file) };
}

test(
  'exact mode across runtimes: the wrong decoding is reported as DC_ERR_FRAME_CHECKSUM',
  { timeout: 120_000 },
  async () => {
    for (const [enc, dec, what] of [
      [nativeModel, wasmModel, 'native -> wasm'],
      [wasmModel, nativeModel, 'wasm -> native'],
    ]) {
      await assert.rejects(
        roundTrip(enc, dec, { stepsPerChunk: 256 }),
        (e) => {
          assert.ok(e instanceof dc.DistributionCoderError, `${what}: ${e}`);
          assert.equal(e.codeName, 'DC_ERR_FRAME_CHECKSUM', `${what}: ${e.message}`);
          assert.equal(
            e.chunk,
            0,
            `${what}: the first chunk (steps 0-255) has the first wrong symbol`,
          );
          return true;
        },
        what,
      );
    }
  },
);

test(
  'exact mode, same runtime: the round trip is exact (the model and container are right)',
  { timeout: 120_000 },
  async () => {
    const { result } = await roundTrip(nativeModel, nativeModel, {});
    assert.ok(result.verified);
    assert.deepEqual(result.bytes, TEXT.bytes);
  },
);

test(
  `tolerant mode at tau = ${FLOAT32_TOLERANCE}: native <-> wasm, exact bytes`,
  { timeout: 300_000 },
  async () => {
    assert.ok(supportsTolerance(dc), 'FramedEncoder accepts and stores { tolerance }');
    for (const [enc, dec, what] of [
      [nativeModel, wasmModel, 'native -> wasm'],
      [wasmModel, nativeModel, 'wasm -> native'],
    ]) {
      const { result } = await roundTrip(enc, dec, { tolerance: FLOAT32_TOLERANCE });
      assert.ok(result.verified, what);
      assert.deepEqual(result.bytes, TEXT.bytes, what);
    }
  },
);
