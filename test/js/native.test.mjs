// The wasm module writes the same bytes as the native C build (build/test/dc_encode_file)
// for the same inputs, and the SIMD and non-SIMD modules agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DistributionCoder, init } from 'distribution-coder';
import { rng } from './helpers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tool = process.env.DC_ENCODE_FILE || join(root, 'build', 'test', 'dc_encode_file');
const DTYPES = ['f32', 'f64', 'f16', 'bf16'];
const FORMATS = { default: 0, 'python-0.1': 1 };

/** A session: steps of { dtype, dist (typed array), symbol }. */
function makeSession(seed, vocabs) {
  const rand = rng(seed);
  const steps = [];
  for (let t = 0; t < 120; t++) {
    const n = vocabs[Math.floor(rand() * vocabs.length)];
    const dtype = DTYPES[t % 4];
    const shape = Math.floor(rand() * 4); // 0: [0,1) 1: peaked 2: unnormalised large 3: tiny
    let dist;
    if (dtype === 'f32' || dtype === 'f64') {
      dist = dtype === 'f32' ? new Float32Array(n) : new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const u = rand();
        dist[i] = shape === 0 ? u / n : shape === 1 ? u ** 8 : shape === 2 ? u * 1e6 : u * 1e-30;
        if (rand() < 0.05) dist[i] = 0;
      }
    } else {
      dist = new Uint16Array(n);
      const lim = dtype === 'f16' ? (shape === 2 ? 0x7c00 : 0x3c00) : shape === 2 ? 0x7f80 : 0x3f80;
      for (let i = 0; i < n; i++) dist[i] = Math.floor(rand() * lim);
    }
    dist[Math.floor(rand() * n)] = dtype === 'f16' ? 0x3800 : dtype === 'bf16' ? 0x3f00 : 0.5;
    steps.push({ dtype, dist, symbol: Math.floor(rand() * n) });
  }
  return steps;
}

function sessionFile(format, steps) {
  const parts = [Uint32Array.of(FORMATS[format], steps.length)];
  for (const s of steps) {
    parts.push(Uint32Array.of(DTYPES.indexOf(s.dtype), s.dist.length, s.symbol));
    parts.push(s.dist);
  }
  return Buffer.concat(parts.map((p) => new Uint8Array(p.buffer, p.byteOffset, p.byteLength)));
}

function wasmHex(format, steps) {
  const c = new DistributionCoder({ format });
  try {
    for (const s of steps) c.encodeStep(s.dist, s.symbol, s.dtype);
    return Buffer.from(c.finishEncoding()).toString('hex');
  } finally {
    c.free();
  }
}

const sessions = [
  makeSession(11, [1, 2, 3, 17]),
  makeSession(12, [256, 1000, 4097]),
  makeSession(13, [50257]),
  makeSession(14, [1, 5, 300, 70000]),
];

test('wasm streams equal the native build byte for byte', (t) => {
  assert.ok(
    new Uint8Array(Uint32Array.of(1).buffer)[0] === 1,
    'this test writes little-endian files',
  );
  if (!existsSync(tool)) {
    assert.fail(
      `native tool ${tool} not found: build it first with ` +
        '`cmake -S . -B build && cmake --build build` (npm test does), or set DC_ENCODE_FILE',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'dc-native-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let compared = 0;
  for (const format of Object.keys(FORMATS)) {
    sessions.forEach((steps, i) => {
      const file = join(dir, `${format}-${i}.bin`);
      writeFileSync(file, sessionFile(format, steps));
      let native;
      try {
        native = execFileSync(tool, [file], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        }).trim();
      } catch (e) {
        // The native build refuses this session: the wasm module must refuse it too.
        assert.throws(
          () => wasmHex(format, steps),
          undefined,
          `${format} session ${i}: native refused (${e.stderr}) but wasm did not`,
        );
        return;
      }
      assert.equal(wasmHex(format, steps), native, `${format} session ${i}`);
      compared++;
    });
  }
  assert.ok(compared >= sessions.length, 'at least the default format sessions were compared');
});

test('the non-SIMD module writes the same bytes as the SIMD module', async () => {
  const simd = sessions.map((s) => wasmHex('default', s));
  const nosimdFile = join(root, 'build-wasm-nosimd', 'distribution_coder.wasm');
  assert.ok(existsSync(nosimdFile), `${nosimdFile} not found: run npm run build`);
  await init(readFileSync(nosimdFile));
  try {
    assert.deepEqual(
      sessions.map((s) => wasmHex('default', s)),
      simd,
    );
  } finally {
    await init(); // back to the shipped module
  }
});
