// Drives the browser demo (examples/browser/) in Debian's Chromium, headless, through its UI:
// compress the sample text with each model, decompress it, check the round trip and the
// figures shown, download the compressed file and open it again. Saves a screenshot under
// build/screenshots/ (DC_SCREENSHOT=path elsewhere: `npm run screenshot` refreshes the
// committed docs/demo-screenshot.png on purpose; tests write only under build folders). Run with `npm run test:browser` (needs `npm run build` first and
// the chromium package; CHROMIUM=/path overrides /usr/bin/chromium).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as dc from 'distribution-coder';
import { compress } from '../../examples/models/codec.mjs';
import { ContextMixingModel } from '../../examples/models/context-mixing.mjs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';
import { startDemoServer } from '../../scripts/serve-demo.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SAMPLE = readFileSync(join(ROOT, 'examples/data/gpl-3.txt'), 'utf8');
const SCREENSHOT = process.env.DC_SCREENSHOT ? resolve(process.env.DC_SCREENSHOT) : join(ROOT, 'build/screenshots/demo.png');

let server;
let browser;
let page;
let userDataDir;
let pageErrors = [];

before(async () => {
  const started = await startDemoServer({ port: 0 });
  server = started.server;
  browser = await launchChromium({ acceptDownloads: true, viewport: { width: 1024, height: 900 } });
  ({ page, userDataDir, errors: pageErrors } = browser);
  await page.goto(started.url);
  await page.waitForSelector('body[data-ready="yes"]', { timeout: 60_000 });
});

after(async () => {
  if (browser) await browser.close();
  if (server) await new Promise((r) => server.close(r));
});

const text = (id) => page.locator(`#${id}`).textContent();

/** Compress the text area's content with `model` through the UI; returns the shown figures. */
async function compressThroughUi(model, { watchProgress = false } = {}) {
  await page.selectOption('#model', model);
  // The work runs in a Worker: while it runs, the page keeps painting frames (the check
  // below is polled on requestAnimationFrame) and the progress bar moves part way.
  const midway = watchProgress && page.waitForFunction(() => {
    const p = document.getElementById('progress');
    return document.body.dataset.busy === 'yes' && p.value > 0 && p.value < p.max;
  }, null, { polling: 'raf', timeout: 300_000 });
  await page.click('#compress');
  if (midway) await midway;
  await page.waitForSelector('#results:not([hidden])', { timeout: 300_000 });
  await page.waitForSelector('body[data-busy="no"]');
  const figures = {
    origBytes: Number(await text('r-orig-bytes')),
    chars: Number(await text('r-chars')),
    compBytes: Number(await text('r-comp-bytes')),
    bpc: Number(await text('r-bpc')),
    gzipBytes: Number(await text('r-gzip-bytes')),
    gzipBpc: Number(await text('r-gzip-bpc')),
    seconds: Number(await text('r-time')),
  };
  return figures;
}

function checkFigures(f, input) {
  assert.equal(f.origBytes, Buffer.byteLength(input, 'utf8'));
  assert.equal(f.chars, [...input].length);
  assert.ok(f.compBytes > 13, `compressed size ${f.compBytes}`);
  assert.ok(f.gzipBytes > 0, `gzip size ${f.gzipBytes}`);
  assert.ok(Math.abs(f.bpc - (8 * f.compBytes) / f.chars) <= 0.0005 + 1e-9, `bits/char ${f.bpc} vs 8*${f.compBytes}/${f.chars}`);
  assert.ok(Math.abs(f.gzipBpc - (8 * f.gzipBytes) / f.chars) <= 0.0005 + 1e-9);
  assert.ok(f.seconds >= 0);
}

async function decompressThroughUi(input) {
  await page.click('#decompress');
  await page.waitForSelector('#restored[data-verified]', { timeout: 300_000 });
  await page.waitForSelector('body[data-busy="no"]');
  assert.equal(await page.getAttribute('#restored', 'data-verified'), 'yes', await text('restore-status'));
  assert.equal(await page.inputValue('#restored'), input);
  assert.match(await text('restore-status'), /^Verified/);
}

async function resetRestored() {
  await page.evaluate(() => { delete document.getElementById('restored').dataset.verified; });
}

test('ONNX model: compress and decompress a slice of the sample through the page', async () => {
  const input = SAMPLE.slice(0, 4000);
  await page.fill('#text', input);
  const f = await compressThroughUi('onnx');
  checkFigures(f, input);
  assert.match(await text('r-model'), /ONNX/);
  await resetRestored();
  await decompressThroughUi(input);
});

test('context-mixing model: the whole sample round-trips, beats gzip, figures consistent', async () => {
  await page.click('#load-sample');
  await page.waitForFunction((n) => document.getElementById('text').value.length === n, SAMPLE.length);
  const f = await compressThroughUi('cm', { watchProgress: true });
  checkFigures(f, SAMPLE);
  assert.match(await text('r-model'), /context mixing/);
  assert.ok(f.compBytes < f.gzipBytes, `context mixing ${f.compBytes} B should beat gzip ${f.gzipBytes} B`);
  await resetRestored();
  await decompressThroughUi(SAMPLE);

  // Download the compressed file, then open it in the "Decompress" section.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const saved = join(userDataDir, 'sample.dcx');
  await download.saveAs(saved);
  const bytes = readFileSync(saved);
  assert.equal(bytes.length, f.compBytes);
  assert.deepEqual([...bytes.subarray(0, 4)], [0x44, 0x43, 0x58, 0x31]);
  await resetRestored();
  await page.setInputFiles('#dcx-file', saved);
  await page.waitForSelector('#restored[data-verified]', { timeout: 300_000 });
  await page.waitForSelector('body[data-busy="no"]');
  assert.equal(await page.getAttribute('#restored', 'data-verified'), 'yes');
  assert.equal(await page.inputValue('#restored'), SAMPLE);

  // Put the figures of the in-page round trip back on screen for the screenshot.
  await resetRestored();
  await decompressThroughUi(SAMPLE);
  await page.evaluate(() => { for (const t of document.querySelectorAll('textarea')) t.scrollTop = 0; });
  mkdirSync(dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  console.log(`# context mixing: ${f.compBytes} B, ${f.bpc} bits/char; gzip (CompressionStream): ${f.gzipBytes} B, ${f.gzipBpc} bits/char; ${f.seconds} s`);
});

test('files compressed in Node (both models) open in the page, verified', async () => {
  const { OnnxByteModel, loadOnnxRuntimeForNode } = await import('../../examples/models/onnx-model.mjs');
  const ort = await loadOnnxRuntimeForNode();
  const onnx = readFileSync(join(ROOT, 'examples/models/byte-mlp.onnx'));
  const input = SAMPLE.slice(10000, 12000);
  const bytes = new TextEncoder().encode(input);
  const files = {
    cm: await compress(dc, new ContextMixingModel(), ContextMixingModel.id, bytes),
    onnx: await compress(dc, await OnnxByteModel.create(ort, onnx), OnnxByteModel.id, bytes),
  };
  for (const [name, file] of Object.entries(files)) {
    const path = join(userDataDir, `node-${name}.dcx`);
    writeFileSync(path, file);
    await resetRestored();
    await page.setInputFiles('#dcx-file', path);
    await page.waitForSelector('#restored[data-verified]', { timeout: 300_000 });
    await page.waitForSelector('body[data-busy="no"]');
    assert.equal(await page.getAttribute('#restored', 'data-verified'), 'yes', `${name}: ${await text('restore-status')}`);
    assert.equal(await page.inputValue('#restored'), input);
  }
});

test('no page errors and no request leaves localhost', () => {
  assert.deepEqual(pageErrors, []);
});
