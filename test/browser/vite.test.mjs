// Bundlers: builds examples/vite (Vite 7, its own lock file) and checks in Chromium that the
// bundled package decodes a stream made here in Node by the unbundled package.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as dc from 'distribution-coder';
import { compress } from '../../examples/models/codec.mjs';
import { ContextMixingModel } from '../../examples/models/context-mixing.mjs';
import { launchChromium } from './chromium.mjs';
import { startDemoServer } from '../../scripts/serve-demo.mjs';

const VITE_DIR = fileURLToPath(new URL('../../examples/vite/', import.meta.url));
let server;
let browser;
let base;

before(async () => {
  const run = (cmd, args) =>
    execFileSync(cmd, args, {
      cwd: VITE_DIR,
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 300_000,
    });
  if (!existsSync(VITE_DIR + 'node_modules/vite/package.json'))
    run('npm', ['ci', '--no-audit', '--no-fund']);
  run(process.execPath, [
    VITE_DIR + 'node_modules/vite/bin/vite.js',
    'build',
    '--logLevel',
    'warn',
  ]);
  const started = await startDemoServer({ port: 0 });
  server = started.server;
  base = `http://localhost:${started.port}/examples/vite/dist/`;
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await new Promise((r) => server.close(r));
});

test('the Vite bundle holds the wasm and the package entry, the non-SIMD module in its own chunk, no .wasm asset', () => {
  const html = readFileSync(VITE_DIR + 'dist/index.html', 'utf8');
  const script = html.match(/src="\.\/(assets\/[^"]+\.js)"/);
  assert.ok(script, html);
  const js = readFileSync(VITE_DIR + 'dist/' + script[1], 'utf8');
  assert.match(js, /dc_coder_create/); // the wrapper's list of required exports
  assert.match(js, /AGFzbQ/); // base64 of "\0asm": the module is inlined
  // Exactly one module in the entry chunk: the non-SIMD one is a chunk of its own that only
  // engines without wasm SIMD load.
  assert.equal(js.match(/AGFzbQ/g).length, 1, 'one inlined module in the entry chunk');
  const assets = readdirSync(VITE_DIR + 'dist/assets');
  assert.deepEqual(
    assets.filter((f) => f.endsWith('.wasm')),
    [],
    'no .wasm asset',
  );
  const nosimd = assets.filter((f) => /nosimd.*\.js$/.test(f));
  assert.equal(nosimd.length, 1, 'the non-SIMD module is a separate chunk');
  assert.match(readFileSync(VITE_DIR + 'dist/assets/' + nosimd[0], 'utf8'), /AGFzbQ/);
});

test('in Chromium, the bundle round-trips by itself and decodes a stream made in Node', async () => {
  const { page, errors } = browser;
  await page.goto(base);
  await page.waitForSelector('body[data-ready="yes"]', { timeout: 60_000 });
  assert.match(await page.textContent('#out'), /^OK: "Hello from a Vite bundle/);

  const text = readFileSync(
    new URL('../../examples/data/gpl-3.txt', import.meta.url),
    'utf8',
  ).slice(0, 3000);
  const file = await compress(
    dc,
    new ContextMixingModel(),
    ContextMixingModel.id,
    new TextEncoder().encode(text),
  );
  const result = await page.evaluate(
    (bytes) => window.distributionCoderDemo.decodeFile(Uint8Array.from(bytes)),
    [...file],
  );
  assert.equal(result.verified, true);
  assert.equal(result.text, text);

  // And the other way: the bundle's stream is byte-identical to Node's for the same text.
  const fromBundle = await page.evaluate(
    (t) => window.distributionCoderDemo.encodeText(t).then((f) => [...f]),
    text,
  );
  assert.deepEqual(Uint8Array.from(fromBundle), file);
  assert.deepEqual(errors, []);
});
