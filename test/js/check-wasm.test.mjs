// scripts/check-wasm.mjs (run by npm run build) refuses modules whose imports or exports
// differ from what the loader supplies and the reviewed list (cmake/wasm-exports.txt).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkWasm, reviewedExports } from '../../scripts/check-wasm.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const enc = new TextEncoder();
const name = (s) => [s.length, ...enc.encode(s)]; // names here are < 128 bytes
const vec = (items) => [items.length, ...items.flat()]; // counts here are < 128
function section(id, body) {
  const size = [];
  let n = body.length;
  do {
    size.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>= 7;
  } while (n);
  return [id, ...size, ...body];
}

/** A module importing functions `imports` (["mod", "name"] pairs, type () -> ()),
 * defining one memory, and exporting the first import under each function name in
 * `funcExports` (and the memory as "memory" when `withMemory`). */
function makeModule(imports, funcExports, withMemory = true) {
  const bytes = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  bytes.push(...section(1, vec([[0x60, 0, 0]])));
  bytes.push(...section(2, vec(imports.map(([m, n]) => [...name(m), ...name(n), 0x00, 0x00]))));
  bytes.push(...section(5, vec([[0x00, 1]])));
  const exps = funcExports.map((n) => [...name(n), 0x00, 0x00]);
  if (withMemory) exps.push([...name('memory'), 0x02, 0x00]);
  bytes.push(...section(7, vec(exps)));
  return new Uint8Array(bytes);
}

const GROWTH = ['env', 'emscripten_notify_memory_growth'];
const FUNCS = reviewedExports().filter((n) => n !== 'memory');

test('a module with exactly the loader imports and reviewed exports passes', () => {
  assert.deepEqual(checkWasm(makeModule([GROWTH], FUNCS)), []);
});

test('extra imports, extra or missing exports are refused', () => {
  const wasi = checkWasm(makeModule([GROWTH, ['wasi_snapshot_preview1', 'fd_write']], FUNCS));
  assert.deepEqual(wasi, ['unexpected import wasi_snapshot_preview1.fd_write (function)']);
  const extra = checkWasm(makeModule([GROWTH], [...FUNCS, 'stackSave']));
  assert.deepEqual(extra, ['export not on the reviewed list: stackSave (function)']);
  const missing = checkWasm(
    makeModule(
      [GROWTH],
      FUNCS.filter((n) => n !== 'dc_coder_encode_step'),
    ),
  );
  assert.deepEqual(missing, ['reviewed export missing: dc_coder_encode_step']);
  const noMemory = checkWasm(makeModule([GROWTH], FUNCS, false));
  assert.deepEqual(noMemory, ['reviewed export missing: memory']);
});

test('the built modules pass; the command line fails on a bad module', (t) => {
  for (const f of ['dist/distribution_coder.wasm', 'build-wasm-nosimd/distribution_coder.wasm']) {
    assert.deepEqual(checkWasm(readFileSync(join(root, f))), [], f);
  }
  const dir = mkdtempSync(join(tmpdir(), 'dc-check-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bad = join(dir, 'bad.wasm');
  writeFileSync(bad, makeModule([GROWTH, ['env', 'abort']], FUNCS));
  assert.throws(
    () =>
      execFileSync(process.execPath, [join(root, 'scripts', 'check-wasm.mjs'), bad], {
        stdio: 'pipe',
      }),
    (e) => e.status === 1 && /unexpected import env\.abort/.test(e.stderr.toString()),
  );
});
