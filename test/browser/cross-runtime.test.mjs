// Decode in one runtime what another runtime encoded (issue #12): texts compressed with the
// byte model run by onnxruntime-node (native CPU kernels) decompress in headless Chromium with
// onnxruntime-web (wasm), and the other way round, at the tolerance docs/cross-runtime.md
// recommends for float32 runtimes. Without the tolerant mode (a build whose FramedEncoder
// refuses { tolerance }) the exact mode's failure must be detected: every text whose
// decoding goes wrong ends in DC_ERR_FRAME_CHECKSUM, never in other bytes.
// Needs npm run build, npm ci (onnxruntime-node, onnxruntime-web) and the chromium package.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as dc from 'distribution-coder';
import {
  compress,
  decompress,
  supportsTolerance,
  FLOAT32_TOLERANCE,
} from '../../examples/models/codec.mjs';
import { launchChromium } from './chromium.mjs';
import { startDemoServer } from '../../scripts/serve-demo.mjs';
import { crossRuntimeTexts, nativeModel } from '../js/cross-runtime-helpers.mjs';

const TEXTS = crossRuntimeTexts(); // a few ~1 KB slices of examples/data
const TOLERANT = supportsTolerance(dc); // the library has it since issue #12: checked below

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = `${ROOT}build/cross-runtime/`; // tests write only under build folders

let server;
let demoUrl;
let browser;
before(async () => {
  const started = await startDemoServer({ port: 0 });
  server = started.server;
  demoUrl = started.url;
  browser = await launchChromium();
  await browser.page.goto(new URL('/examples/data/SOURCES.md', started.url).href);
  await browser.page.evaluate(() =>
    import('/test/browser/cross-runtime-page.mjs').then(() => undefined),
  );
});
after(async () => {
  if (browser) await browser.close();
  if (server) await new Promise((r) => server.close(r));
});

const b64 = (u8) => Buffer.from(u8).toString('base64');
const unb64 = (s) => new Uint8Array(Buffer.from(s, 'base64'));
const inPage = (fn, arg) =>
  browser.page.evaluate(
    async ([name, a]) => (await import('/test/browser/cross-runtime-page.mjs'))[name](...a),
    [fn, arg],
  );

async function nodeCompress(text, options) {
  return compress(dc, await nativeModel(), 2, text, undefined, options);
}

async function nodeDecompress(file) {
  try {
    const { bytes, verified } = await decompress(dc, await nativeModel(), file);
    return { bytes, verified };
  } catch (e) {
    return { error: { name: e.name, codeName: e.codeName, message: e.message } };
  }
}

/** Exact mode: every decoding is right or reported as DC_ERR_FRAME_CHECKSUM. */
function checkDetected(results, texts) {
  let failed = 0;
  results.forEach((r, i) => {
    if (r.error) {
      failed++;
      assert.equal(
        r.error.codeName,
        'DC_ERR_FRAME_CHECKSUM',
        `text ${texts[i].name}: ${r.error.message}`,
      );
    } else {
      assert.ok(r.verified, `text ${texts[i].name}: decoded without verification`);
      assert.deepEqual(
        r.bytes,
        texts[i].bytes,
        `text ${texts[i].name}: other bytes returned without an error`,
      );
    }
  });
  // The runtimes' probabilities differ at every step (bench:cross-runtime): on these texts
  // the exact mode goes wrong, which is why the tolerant mode exists.
  assert.ok(
    failed > 0,
    'the exact mode decoded every text across runtimes: the premise of this test changed',
  );
}

test(
  'exact mode: native-encoded texts fail in Chromium (wasm) only with DC_ERR_FRAME_CHECKSUM',
  { timeout: 300_000 },
  async () => {
    assert.equal(
      await inPage('hasTolerance', []),
      TOLERANT,
      'the page and Node load the same library',
    );
    const results = [];
    for (const t of TEXTS) {
      // Small chunks: the failure is reported at the end of the first wrong chunk.
      const file = await nodeCompress(t.bytes, { stepsPerChunk: 256 });
      const r = await inPage('decompressB64', [b64(file)]);
      results.push(r.error ? r : { bytes: unb64(r.bytes), verified: r.verified });
    }
    checkDetected(results, TEXTS);
    assert.deepEqual(browser.errors, []);
  },
);

test(
  'exact mode: Chromium-encoded texts fail with onnxruntime-node only with DC_ERR_FRAME_CHECKSUM',
  { timeout: 300_000 },
  async () => {
    const results = [];
    for (const t of TEXTS) {
      const file = unb64(await inPage('compressB64', [b64(t.bytes), { stepsPerChunk: 256 }]));
      results.push(await nodeDecompress(file));
    }
    checkDetected(results, TEXTS);
  },
);

test(
  `tolerant mode at tau = ${FLOAT32_TOLERANCE}: native -> Chromium and Chromium -> native, every text`,
  { timeout: 300_000 },
  async () => {
    assert.ok(TOLERANT, 'FramedEncoder accepts and stores { tolerance }');
    for (const t of TEXTS) {
      const fromNode = await nodeCompress(t.bytes, { tolerance: FLOAT32_TOLERANCE });
      const inChromium = await inPage('decompressB64', [b64(fromNode)]);
      assert.equal(
        inChromium.error,
        undefined,
        `text ${t.name}, native -> Chromium: ${inChromium.error && inChromium.error.message}`,
      );
      assert.ok(inChromium.verified);
      assert.deepEqual(unb64(inChromium.bytes), t.bytes, `text ${t.name}, native -> Chromium`);

      const fromChromium = unb64(
        await inPage('compressB64', [b64(t.bytes), { tolerance: FLOAT32_TOLERANCE }]),
      );
      const inNode = await nodeDecompress(fromChromium);
      assert.equal(
        inNode.error,
        undefined,
        `text ${t.name}, Chromium -> native: ${inNode.error && inNode.error.message}`,
      );
      assert.ok(inNode.verified);
      assert.deepEqual(inNode.bytes, t.bytes, `text ${t.name}, Chromium -> native`);
      const exact = await nodeCompress(t.bytes);
      console.log(
        `# ${t.name}: ${t.bytes.length} bytes; exact ${exact.length} bytes (${((8 * exact.length) / t.bytes.length).toFixed(3)} bits/char), tolerant ${fromNode.length} bytes (${((8 * fromNode.length) / t.bytes.length).toFixed(3)} bits/char)`,
      );
    }
    assert.deepEqual(browser.errors, []);
  },
);

test(
  'the story: examples/node/server-compress.mjs (onnxruntime-node) writes a file the demo page opens',
  { timeout: 300_000 },
  async () => {
    mkdirSync(OUT, { recursive: true });
    const t = TEXTS[1];
    writeFileSync(`${OUT}story.txt`, t.bytes);
    const args = [
      `${ROOT}examples/node/server-compress.mjs`,
      `${OUT}story.txt`,
      '--out',
      `${OUT}story.dcx`,
    ];
    execFileSync(process.execPath, args, { stdio: 'pipe' });

    const page = await browser.context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      // Chromium asks a new tab for /favicon.ico; the demo has none (a 404, not the page's error).
      if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico'))
        errors.push(`${m.text()} (${m.location().url})`);
    });
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (
        !['localhost', '127.0.0.1'].includes(u.hostname) &&
        !['blob:', 'data:'].includes(u.protocol)
      )
        errors.push(`request to ${u.href}`);
    });
    try {
      await page.goto(demoUrl);
      await page.waitForSelector('body[data-ready="yes"]', { timeout: 60_000 });
      await page.setInputFiles('#dcx-file', `${OUT}story.dcx`);
      await page.waitForSelector('#restored[data-verified]', { timeout: 300_000 });
      await page.waitForSelector('body[data-busy="no"]');
      const status = await page.locator('#restore-status').textContent();
      assert.equal(await page.getAttribute('#restored', 'data-verified'), 'yes', status);
      assert.equal(await page.inputValue('#restored'), new TextDecoder().decode(t.bytes));
      assert.match(status, /tolerant stream/);
    } finally {
      await page.close();
    }
    assert.deepEqual(errors, []);
  },
);
