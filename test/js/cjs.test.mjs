// Issue #14: require('distribution-coder') works (Node >= 18) through the "require"
// condition of the exports map: dist/index.cjs, the same code as the ES modules with a
// synchronous instantiation. Same API, same bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as esm from 'distribution-coder';
import { cjsSource } from '../../scripts/build-cjs.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('dist/index.cjs is the build of the current js/ (run npm run build:cjs otherwise)', () => {
  assert.equal(readFileSync(new URL('../../dist/index.cjs', import.meta.url), 'utf8'), cjsSource());
});

test('require() resolves to the CommonJS entry and gives the same API', () => {
  const require = createRequire(import.meta.url);
  assert.equal(require.resolve('distribution-coder'), `${root}dist/index.cjs`);
  const cjs = require('distribution-coder');
  assert.deepEqual(Object.keys(cjs).sort(), Object.keys(esm).sort());
  for (const name of Object.keys(esm)) assert.equal(typeof cjs[name], typeof esm[name], name);
  assert.equal(cjs.version(), esm.version());
  assert.throws(() => new cjs.DistributionCoder({ tolerence: 1 }), {
    name: 'TypeError',
    message: /options\.tolerence/,
  });
});

// Streams of three kinds, written by whichever module `dc` is (printed as hex).
const SCRIPT = `
  const out = [];
  const dists = [];
  let x = 12345;
  for (let t = 0; t < 200; t++) {
    const d = [];
    for (let i = 0; i < 50; i++) { x = (x * 1103515245 + 12345) % 2147483648; d.push(x / 2147483648 + 1e-3); }
    const sum = d.reduce((a, v) => a + v, 0); // normalised: python-0.1 refuses larger sums
    dists.push(d.map((v) => v / (sum * 1.001)));
  }
  const syms = dists.map((d, t) => (t * 7) % 50);
  for (const format of ['default', 'python-0.1']) {
    const c = new dc.DistributionCoder({ format });
    dists.forEach((d, t) => c.encodeStep(Float32Array.from(d), syms[t]));
    out.push(Buffer.from(c.finishEncoding()).toString('hex'));
    c.free();
  }
  const f = new dc.FramedEncoder({ modelId: 'm', stepsPerChunk: 64 });
  dists.forEach((d, t) => { const v = f.distributionView(50, 'f64'); v.set(d); f.encodeStep(v, syms[t]); });
  const framed = f.finish();
  out.push(Buffer.from(framed).toString('hex'));
  const r = new dc.FramedDecoder(framed, { modelId: 'm' });
  out.push(String(dists.every((d, t) => r.decodeStep(d) === syms[t])));
  out.push(String(dc.crc32(framed)));
  console.log(JSON.stringify(out));
`;

test('the same bytes from require() (a CommonJS process) as from import', () => {
  const run = (args, code) =>
    JSON.parse(
      execFileSync(process.execPath, [...args, '-e', code], { cwd: root, encoding: 'utf8' }),
    );
  const fromCjs = run([], `const dc = require('distribution-coder');\n${SCRIPT}`);
  const fromEsm = run(
    ['--input-type=module'],
    `import * as dc from 'distribution-coder';\n${SCRIPT}`,
  );
  assert.deepEqual(fromCjs, fromEsm);
  assert.equal(fromCjs[3], 'true');
  assert.ok(fromCjs[0].length > 100);
});
