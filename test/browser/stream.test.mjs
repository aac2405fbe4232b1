// Streaming frames in a browser (issue #14): a page fetches a framed container that a small
// Node server sends in slices with pauses, and decodes its steps while it downloads
// (FramedDecoder.feed(response.body)). Checks: steps were decoded before the last byte was
// sent (by the page's count before the last slice and by the clock), and the symbols equal
// the encoder's. Needs npm run build and the chromium package.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { FramedEncoder } from 'distribution-coder';
import { launchChromium } from './chromium.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STEPS = 400;
const VOCAB = 64;
const SLICES = 12;
const PAUSE_MS = 120;

/** Step t's distribution, from integers only: the page computes the same one. */
function dist(t) {
  const d = new Float32Array(VOCAB);
  for (let i = 0; i < VOCAB; i++) d[i] = 1 + ((i * 7 + t * 13) % 17) * ((i + t) % 5 === 0 ? 9 : 1);
  return d;
}

function symbolsOf(seed) {
  let x = seed;
  const out = [];
  for (let t = 0; t < STEPS; t++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.push(x % VOCAB);
  }
  return out;
}

const containers = {};
const sent = {}; // name -> { lastSliceAt: Date.now() when the last slice was written }
let server;
let base;
let browser;

before(async () => {
  for (const streaming of [false, true]) {
    const name = streaming ? 'streaming' : 'plain';
    const symbols = symbolsOf(streaming ? 7 : 8);
    const enc = new FramedEncoder({ modelId: 'browser-test', stepsPerChunk: 16, streaming });
    symbols.forEach((s, t) => enc.encodeStep(dist(t), s));
    containers[name] = { bytes: enc.finish(), symbols };
  }
  server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const m = /^\/container\/(plain|streaming)$/.exec(url.pathname);
    if (m) {
      const { bytes } = containers[m[1]];
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'cache-control': 'no-store',
      });
      const size = Math.ceil(bytes.length / SLICES);
      for (let i = 0; i < SLICES; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, PAUSE_MS));
        if (i === SLICES - 1) sent[m[1]] = { lastSliceAt: Date.now() };
        res.write(bytes.subarray(i * size, (i + 1) * size));
      }
      res.end();
      return;
    }
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>stream</title>');
      return;
    }
    // the package's modules only
    if (/^\/(js|dist)\/[\w.-]+\.js$/.test(url.pathname)) {
      try {
        const body = await readFile(ROOT + url.pathname.slice(1));
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium();
  await browser.page.goto(`${base}/`);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await new Promise((r) => server.close(r));
});

/** In the page: fetch the container and decode while it downloads. */
async function decodeInPage(name) {
  return browser.page.evaluate(
    async ({ name, steps, vocab }) => {
      const { FramedDecoder } = await import('/js/index.js');
      const dist = (t) => {
        const d = new Float32Array(vocab);
        for (let i = 0; i < vocab; i++)
          d[i] = 1 + ((i * 7 + t * 13) % 17) * ((i + t) % 5 === 0 ? 9 : 1);
        return d;
      };
      const res = await fetch(`/container/${name}`);
      const dec = new FramedDecoder({ modelId: 'browser-test' });
      const symbols = [];
      const positions = []; // steps decoded when each piece arrived
      let firstDecodeAt = null;
      for await (const available of dec.feed(res.body)) {
        positions.push(dec.position);
        while (dec.position < available) {
          symbols.push(dec.decodeStep(dist(dec.position)));
          if (firstDecodeAt === null) firstDecodeAt = Date.now();
        }
      }
      const out = {
        symbols,
        positions,
        firstDecodeAt,
        doneAt: Date.now(),
        steps: dec.steps,
        verified: dec.verifiedSteps,
      };
      dec.free();
      return out;
    },
    { name, steps: STEPS, vocab: VOCAB },
  );
}

for (const name of ['plain', 'streaming']) {
  test(`a ${name} container decodes while it downloads in slices`, async () => {
    const r = await decodeInPage(name);
    assert.deepEqual(browser.errors, []);
    assert.equal(r.steps, STEPS);
    assert.equal(r.verified, STEPS);
    assert.deepEqual(r.symbols, containers[name].symbols);
    // the page had decoded steps before the last piece arrived ...
    assert.ok(r.positions.length >= 2, `pieces: ${r.positions.length}`);
    const beforeLast = r.positions.at(-1);
    assert.ok(
      beforeLast > 0 && beforeLast < STEPS,
      `steps decoded before the last piece: ${beforeLast}`,
    );
    // ... and before the server had sent its last slice
    assert.ok(
      r.firstDecodeAt < sent[name].lastSliceAt,
      `first step decoded at ${r.firstDecodeAt}, last slice sent at ${sent[name].lastSliceAt}`,
    );
    console.log(
      `${name}: ${containers[name].bytes.length} bytes in ${SLICES} slices; ${beforeLast} of ${STEPS} steps decoded before the last piece; first step ${sent[name].lastSliceAt - r.firstDecodeAt} ms before the last slice was sent`,
    );
  });
}
