// Bundlers with no configuration: the package from `npm pack`, bundled by esbuild (defaults:
// IIFE), Rollup (+ node-resolve), webpack 5 (mode production) and Vite (a page and a module
// worker), each run in headless Chromium; the bytes must equal Node's for the same steps. And
// distribution-coder/slim (the module as a .wasm asset) with webpack 5 and Vite.
// The apps are built once per run under build/bundlers (scripts/bundle-apps.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as dc from 'distribution-coder';
import { buildApps, listFiles, APP } from '../../scripts/bundle-apps.mjs';
import { launchChromium } from './chromium.mjs';

const TYPES = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
};

/** A static server over `dir` on a free port, each response with `headers`; its origin. */
async function serve(dir, headers = {}) {
  const server = createServer((req, res) => {
    let path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (path.endsWith('/')) path += 'index.html';
    const file = join(dir, path);
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] || 'application/octet-stream',
      ...headers,
    });
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return `http://127.0.0.1:${server.address().port}/`;
}

const servers = [];
let dirs;
let browser;
let expected;

before(async () => {
  dirs = buildApps();
  // The same sample on the unbundled package in Node.
  const { sample } = await import(pathToFileURL(join(APP, 'src', 'sample.js')).href);
  expected = sample(dc);
  assert.equal(expected.ok, true);
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
  for (const s of servers) await new Promise((r) => s.close(r));
});

/** Opens `url`, waits for the app's data-`key` attribute, returns it parsed. */
async function appResult(url, key = 'result') {
  const { page } = browser;
  await page.goto(url);
  await page.waitForFunction(
    (k) => document.documentElement.dataset[k] || document.documentElement.dataset.error,
    key,
    { timeout: 60_000 },
  );
  const data = await page.evaluate(() => ({ ...document.documentElement.dataset }));
  assert.equal(data.error, undefined, `the app threw: ${data.error}`);
  return JSON.parse(data[key]);
}

for (const name of ['esbuild', 'rollup', 'webpack', 'vite']) {
  test(`${name}, no configuration: the bundle runs in Chromium and makes Node's bytes`, async () => {
    browser.errors.length = 0;
    const got = await appResult(await serve(dirs[name]));
    assert.equal(got.ok, true);
    assert.equal(got.version, expected.version);
    assert.deepEqual(got.raw, expected.raw);
    assert.deepEqual(got.framed, expected.framed);
    assert.deepEqual(browser.errors, []);
  });
}

test("vite: a module worker (Vite's default worker format) makes Node's bytes", async () => {
  browser.errors.length = 0;
  const got = await appResult(await serve(dirs.vite), 'worker');
  assert.equal(got.error, undefined, got.error);
  assert.deepEqual(got.raw, expected.raw);
  assert.deepEqual(got.framed, expected.framed);
  assert.deepEqual(browser.errors, []);
});

for (const name of ['webpack-slim', 'vite-slim']) {
  test(`${name}: distribution-coder/slim fetches its .wasm asset once, no base64 in the JavaScript`, async () => {
    browser.errors.length = 0;
    const files = listFiles(dirs[name]);
    assert.equal(files.filter((f) => f.endsWith('.wasm')).length, 2, files.join(', '));
    for (const f of files.filter((f) => f.endsWith('.js')))
      assert.doesNotMatch(readFileSync(join(dirs[name], f), 'utf8'), /AGFzbQ/, f);
    const wasm = [];
    const onRequest = (r) => new URL(r.url()).pathname.endsWith('.wasm') && wasm.push(r.url());
    browser.page.on('request', onRequest);
    try {
      const got = await appResult(await serve(dirs[name]));
      assert.deepEqual(got.raw, expected.raw);
      assert.deepEqual(got.framed, expected.framed);
    } finally {
      browser.page.off('request', onRequest);
    }
    assert.equal(wasm.length, 1, wasm.join(', '));
    assert.doesNotMatch(wasm[0], /nosimd/);
    assert.deepEqual(browser.errors, []);
  });
}

/** The error the app at `url` reports (it sets data-error on <html>). */
async function appError(url) {
  const { page } = browser;
  await page.goto(url);
  await page.waitForFunction(() => document.documentElement.dataset.error, null, {
    timeout: 60_000,
  });
  return JSON.parse(await page.evaluate(() => document.documentElement.dataset.error));
}

for (const name of ['esbuild-slim', 'rollup-slim']) {
  test(`${name}: where the bundler emits no .wasm, init() says what to do, and init(fetch(url)) downloads it once`, async () => {
    browser.errors.length = 0;
    const url = await serve(dirs[name]);
    const { page } = browser;
    const error = await appError(url);
    assert.match(
      error.message,
      /^init: (cannot locate the \.wasm file|fetching .* failed: HTTP 404).*copy distribution-coder\/distribution_coder\.wasm .*`await init\(fetch\(url\)\)`/,
    );
    const wasm = [];
    const onRequest = (r) => new URL(r.url()).pathname.endsWith('.wasm') && wasm.push(r.url());
    page.on('request', onRequest);
    try {
      const got = await appResult(url + '?wasm=distribution_coder.wasm');
      assert.deepEqual(got.raw, expected.raw);
    } finally {
      page.off('request', onRequest);
    }
    assert.deepEqual(wasm, [url + 'distribution_coder.wasm']);
  });
}

test('the non-SIMD module stays a chunk of its own where the bundler splits code', () => {
  for (const name of ['rollup', 'webpack', 'vite']) {
    const js = listFiles(dirs[name]).filter((f) => f.endsWith('.js'));
    const withWasm = js.filter((f) => /AGFzbQ/.test(readFileSync(join(dirs[name], f), 'utf8')));
    // The entry (the SIMD module) and the non-SIMD chunk (Vite's worker bundle holds both).
    assert.ok(withWasm.length >= 2, `${name}: ${js.join(', ')}`);
  }
});

test("under a Content-Security-Policy without 'wasm-unsafe-eval' the error says what to add", async () => {
  browser.errors.length = 0;
  const url = await serve(dirs.esbuild, { 'Content-Security-Policy': "script-src 'self'" });
  const error = await appError(url);
  assert.match(
    error.message,
    /the page's Content-Security-Policy blocks WebAssembly compilation; add 'wasm-unsafe-eval' to its script-src/,
  );
  assert.doesNotMatch(error.message, /init\(/);
  // And the advice works.
  const allowed = await serve(dirs.esbuild, {
    'Content-Security-Policy': "script-src 'self' 'wasm-unsafe-eval'",
  });
  const got = await appResult(allowed);
  assert.deepEqual(got.raw, expected.raw);
});
