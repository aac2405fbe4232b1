// Helper of test_cross.py: JSON cases on stdin, runCases() with this checkout's JS package
// in headless Chromium (a page served from 127.0.0.1 that imports js/index.js), JSON
// results on stdout.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join, normalize } from 'node:path';
import { launchChromium } from '../browser/chromium.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const cases = JSON.parse(Buffer.concat(chunks).toString('utf8'));

// Serves js/, dist/ and this folder's codec_cases.mjs; the page itself is empty.
const server = createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(
    /^\/+/,
    '',
  );
  if (path === '') {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>cross</title>');
    return;
  }
  if (!/^(js|dist)\/[\w.-]+$/.test(path) && path !== 'test/python/codec_cases.mjs') {
    res.writeHead(404).end();
    return;
  }
  try {
    const body = await readFile(join(root, path));
    res
      .writeHead(200, {
        'content-type': path.endsWith('.wasm') ? 'application/wasm' : 'text/javascript',
      })
      .end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await launchChromium();
try {
  await browser.page.goto(base);
  const out = await browser.page.evaluate(async (c) => {
    const lib = await import('/js/index.js');
    const { runCases } = await import('/test/python/codec_cases.mjs');
    return { ua: navigator.userAgent, results: runCases(lib, c) };
  }, cases);
  if (browser.errors.length) throw new Error(`page errors: ${browser.errors.join('; ')}`);
  process.stdout.write(JSON.stringify(out));
} finally {
  await browser.close();
  server.close();
}
