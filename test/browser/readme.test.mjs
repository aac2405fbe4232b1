// Issue #14: the README's browser quick starts, exactly as written there, in headless
// Chromium: the page with an import map and the module worker. A small server gives the
// README's blocks as files and the package's own js/ and dist/ as
// ./node_modules/distribution-coder/ (what `npm install distribution-coder` puts there).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DistributionCoder } from 'distribution-coder';
import { launchChromium } from './chromium.mjs';
import { readmeBlocks, expectedOutputs, squash } from '../js/readme-blocks.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const blocks = readmeBlocks();
const only = (kind) => {
  const found = blocks.filter((b) => b.kind === kind);
  assert.equal(found.length, 1, `one README block marked ${kind}`);
  return found[0];
};
const pageBlock = only('page');
const mainBlock = only('worker-main');
const workerBlock = only('worker');

const JS = 'text/javascript; charset=utf-8';
const FILES = {
  '/': ['text/html; charset=utf-8', pageBlock.code],
  '/worker/': [
    'text/html; charset=utf-8',
    '<!doctype html><script type="module" src="main.js"></script>',
  ],
  '/worker/main.js': [JS, mainBlock.code],
  '/worker/coder-worker.js': [JS, workerBlock.code],
};

let server;
let base;
let browser;
before(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url, 'http://localhost').pathname;
    const pkg = /^(?:\/worker)?\/node_modules\/distribution-coder\/((?:js|dist)\/[\w.-]+)$/.exec(
      path,
    );
    if (pkg && existsSync(root + pkg[1])) {
      const type = pkg[1].endsWith('.wasm') ? 'application/wasm' : JS;
      res.writeHead(200, { 'content-type': type }).end(readFileSync(root + pkg[1]));
    } else if (FILES[path]) {
      res.writeHead(200, { 'content-type': FILES[path][0] }).end(FILES[path][1]);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://localhost:${server.address().port}`;
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await new Promise((r) => server.close(r));
});

/** The page's console.log lines, a Uint8Array written as Node writes it. */
async function consoleLines(page, url, count) {
  const lines = [];
  const done = new Promise((resolve) => {
    page.on('console', async (m) => {
      if (m.type() !== 'log') return;
      const parts = [];
      for (const arg of m.args())
        parts.push(
          await arg.evaluate((v) =>
            v instanceof Uint8Array ? `Uint8Array(${v.length}) [${v.join(', ')}]` : String(v),
          ),
        );
      lines.push(parts.join(' '));
      if (lines.length === count) resolve();
    });
  });
  await page.goto(url);
  await Promise.race([
    done,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`timeout; got ${JSON.stringify(lines)}`)), 30_000),
    ),
  ]);
  return lines;
}

test('the README page (import map) prints what its comment says', async () => {
  const { context, errors } = browser;
  const page = await context.newPage();
  const expected = expectedOutputs(pageBlock.code);
  assert.ok(expected.length > 0);
  const lines = await consoleLines(page, `${base}/`, expected.length);
  assert.deepEqual(lines.map(squash), expected);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the README module worker encodes the steps the page sends it', async () => {
  const { context, errors } = browser;
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  const [line] = await consoleLines(page, `${base}/worker/`, 1);
  // The same steps encoded here, in Node, by the unbundled package.
  const steps = JSON.parse(/const steps = (\[.*\]);/.exec(mainBlock.code)[1]);
  const coder = new DistributionCoder();
  for (const [distribution, symbol] of steps) coder.encodeStep(distribution, symbol);
  const bytes = coder.finishEncoding();
  coder.free();
  assert.equal(line, `compressed: Uint8Array(${bytes.length}) [${bytes.join(', ')}]`);
  assert.deepEqual(errors, []);
  await page.close();
});
