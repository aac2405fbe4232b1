// PyTorch on a "server", onnxruntime-web on the other side (issues #12 and #15): a text
// compressed by examples/python/byte_mlp.py (the byte model run by PyTorch, the container
// written by the Python module) decodes with onnxruntime-web in the tolerant mode; in the
// exact mode the failure is reported as DC_ERR_FRAME_CHECKSUM. Skipped unless Debian's
// python3 has torch and the distribution_coder module (scripts/setup.sh installs both).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as dc from 'distribution-coder';
import { decompress } from '../../examples/models/codec.mjs';
import { crossRuntimeTexts, wasmModel } from './cross-runtime-helpers.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = `${ROOT}build/cross-runtime/`;
const PYTHON = process.env.DC_PYTHON || '/usr/bin/python3';
// This checkout's module (sh scripts/build-python.sh) before an installed one, so the test
// runs the C sources it is checked out with.
const BUILT = `${ROOT}build/python`;
const ENV = existsSync(`${BUILT}/distribution_coder`)
  ? { ...process.env, PYTHONPATH: [BUILT, process.env.PYTHONPATH].filter(Boolean).join(':') }
  : process.env;
const probe = spawnSync(PYTHON, ['-c', 'import torch, distribution_coder'], {
  encoding: 'utf8',
  env: ENV,
});
const SKIP =
  probe.status === 0
    ? false
    : `${PYTHON} cannot import torch and distribution_coder (issue #15's module): ${(probe.stderr || String(probe.error)).trim().split('\n').pop()}`;
const [TEXT] = crossRuntimeTexts(1, 512);

function pythonCompress(name, extra) {
  mkdirSync(OUT, { recursive: true });
  writeFileSync(`${OUT}${name}.txt`, TEXT.bytes);
  const r = spawnSync(
    PYTHON,
    [
      `${ROOT}examples/python/byte_mlp.py`,
      '--file',
      `${OUT}${name}.txt`,
      '--steps',
      String(TEXT.bytes.length),
      '--out',
      `${OUT}${name}.dcx`,
      ...extra,
    ],
    { encoding: 'utf8', env: ENV },
  );
  return {
    status: r.status,
    stderr: r.stderr,
    file: r.status === 0 ? new Uint8Array(readFileSync(`${OUT}${name}.dcx`)) : null,
  };
}

test(
  'exact mode: a PyTorch-compressed text fails with onnxruntime-web only as DC_ERR_FRAME_CHECKSUM',
  { timeout: 180_000, skip: SKIP },
  async () => {
    const { status, stderr, file } = pythonCompress('python-exact', ['--exact']);
    assert.equal(status, 0, stderr);
    await assert.rejects(decompress(dc, await wasmModel(), file), (e) => {
      assert.equal(e.codeName, 'DC_ERR_FRAME_CHECKSUM', e.message);
      return true;
    });
  },
);

test(
  'tolerant mode: a PyTorch-compressed text decodes with onnxruntime-web, exact bytes',
  { timeout: 180_000, skip: SKIP },
  async () => {
    const { status, stderr, file } = pythonCompress('python-tolerant', []);
    assert.equal(status, 0, stderr);
    const { bytes, verified } = await decompress(dc, await wasmModel(), file);
    assert.ok(verified);
    assert.deepEqual(bytes, TEXT.bytes);
  },
);
