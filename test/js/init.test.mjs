// init(): supplying the module by hand (CSP, edge runtimes, the non-SIMD build).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DistributionCoder, init, version } from 'distribution-coder';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const shipped = readFileSync(join(root, 'dist', 'distribution_coder.wasm'));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function stream(
  steps = [
    [0.2, 0.3, 0.5],
    [1, 1],
    [0.9, 0.1],
  ],
) {
  const c = new DistributionCoder();
  steps.forEach((d, i) => c.encodeStep(d, i % d.length));
  const b = c.finishEncoding();
  c.free();
  return Buffer.from(b).toString('hex');
}

test('the module reports the package version', () => {
  assert.equal(version(), pkg.version);
});

test('init accepts bytes, a typed array, a WebAssembly.Module, a Response and promises', async (t) => {
  t.after(() => init());
  const expected = stream();
  const old = new DistributionCoder();
  old.encodeStep([0.2, 0.3, 0.5], 0);
  const sources = [
    shipped,
    new Uint8Array(shipped).buffer,
    new WebAssembly.Module(shipped),
    Promise.resolve(new WebAssembly.Module(shipped)),
    new Response(shipped, { headers: { 'Content-Type': 'application/wasm' } }),
    Promise.resolve(new Response(shipped)), // no wasm Content-Type: falls back to bytes
  ];
  for (const src of sources) {
    await init(src);
    assert.equal(stream(), expected);
  }
  // A coder made before init keeps working with its own module.
  old.encodeStep([0.2, 0.3, 0.5], 1);
  assert.ok(old.finishEncoding().length > 0);
});

test('init refuses what is not a distribution-coder module and keeps the current one', async () => {
  await assert.rejects(init('distribution_coder.wasm'), {
    name: 'TypeError',
    message: /init: source must be/,
  });
  await assert.rejects(init(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])), {
    name: 'TypeError',
    message: /does not export "memory"/,
  });
  await assert.rejects(init(new Uint8Array([1, 2, 3])), WebAssembly.CompileError);
  await assert.rejects(init(new Response('not found', { status: 404 })), /HTTP 404/);
  // Anything with arrayBuffer() will do (e.g. a Blob).
  await init(new Blob([shipped]));
  assert.ok(stream().length > 0);
});

test('when automatic instantiation fails, the first use throws why, and init() recovers', () => {
  // A fresh Node process where compiling fails once (the first use compiles synchronously).
  const script = `
    const Real = WebAssembly.Module;
    let calls = 0;
    WebAssembly.Module = function (b) { if (calls++ === 0) throw new Error('blocked by policy'); return new Real(b); };
    const m = await import('distribution-coder');
    let msg = 'no error';
    try { new m.DistributionCoder(); } catch (e) { msg = e.message + ' | cause: ' + e.cause.message; }
    await m.init((await import('node:fs')).readFileSync('dist/distribution_coder.wasm'));
    const c = new m.DistributionCoder();
    c.encodeStep([1, 3], 1);
    console.log(JSON.stringify({ msg, bytes: c.finishEncoding().length }));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
  });
  const { msg, bytes } = JSON.parse(out);
  assert.match(
    msg,
    /could not be instantiated automatically \(blocked by policy\); call `await init/,
  );
  assert.match(msg, /cause: blocked by policy/);
  assert.ok(bytes >= 0);
});

test('engines without wasm SIMD get the non-SIMD module, with the same bytes', () => {
  // Fresh processes: the shipped choice, the DC_WASM_NOSIMD=1 hook, and an engine whose
  // WebAssembly.validate rejects SIMD (the detection itself); ES and CommonJS entries.
  const inputs = `[
    [new Float32Array([0.2, 0.3, 0.5]), 2],
    [[3, 1, 0, 7], 3],
    [new Float64Array(300).map((_, i) => 1e-9 * (i + 1)), 123],
    [new Float32Array(1000).map((_, i) => (i % 7) + 0.5), 999],
    [new Float32Array(70).map((_, i) => 1 / (i + 2)), 5],
  ]`;
  const encode = `
    const c = new m.DistributionCoder();
    for (let r = 0; r < 20; r++)
      for (const [d, s] of ${inputs}) c.encodeStep(d, (s + 31 * r) % d.length);
    const hex = Buffer.from(c.finishEncoding()).toString('hex');`;
  // Engines without SIMD load their module with import(): until `await init()` the first
  // use says so (no top-level await in the package).
  const esm = `
    const m = await import('distribution-coder');
    const runtime = await import('./js/runtime.js');
    let early = 'ready';
    try { new m.DistributionCoder().free(); } catch (e) { early = e.message; }
    await m.init();
    ${encode}
    console.log(JSON.stringify({ kind: runtime.moduleKind, hex, early }));`;
  const noSimdEngine = `
    const real = WebAssembly.validate;
    WebAssembly.validate = (b) => (new Uint8Array(b).includes(0xfd) && b.length < 64 ? false : real(b));
    ${esm}`;
  const cjs = `
    const m = require('distribution-coder');
    ${encode}
    console.log(JSON.stringify({ kind: 'cjs', hex }));`;
  const run = (args, env) =>
    JSON.parse(
      execFileSync(process.execPath, args, {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, ...env },
      }),
    );
  const simd = run(['--input-type=module', '-e', esm], {});
  const forced = run(['--input-type=module', '-e', esm], { DC_WASM_NOSIMD: '1' });
  const detected = run(['--input-type=module', '-e', noSimdEngine], {});
  const cjsForced = run(['-e', cjs], { DC_WASM_NOSIMD: '1' });
  assert.equal(simd.kind, 'simd');
  assert.equal(forced.kind, 'nosimd');
  assert.equal(detected.kind, 'nosimd');
  assert.equal(simd.early, 'ready');
  assert.match(forced.early, /no WebAssembly SIMD.*`await init\(\)` before creating coders/);
  assert.match(detected.early, /no WebAssembly SIMD/);
  assert.ok(simd.hex.length > 100, simd.hex);
  assert.equal(forced.hex, simd.hex);
  assert.equal(detected.hex, simd.hex);
  assert.equal(cjsForced.hex, simd.hex);
});
