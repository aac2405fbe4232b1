// distribution-coder/slim: the same API with the module as a .wasm file that init() loads
// (in Node, read from the package folder; bundlers: test/browser/bundlers.test.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const ENCODE = `
  const c = new m.DistributionCoder();
  for (let i = 0; i < 50; i++) c.encodeStep(new Float32Array(3 + i).fill(1).map((v, k) => v + k), i % 3);
  const hex = Buffer.from(c.finishEncoding()).toString('hex');`;

function run(script) {
  return JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    }),
  );
}

test('slim: the first use before init() says to await it; after init() the same bytes', () => {
  const slim = run(`
    const m = await import('distribution-coder/slim');
    let early = 'ready';
    try { new m.DistributionCoder(); } catch (e) { early = e.message; }
    await m.init();
    ${ENCODE}
    console.log(JSON.stringify({ early, hex }));`);
  const main = run(`
    const m = await import('distribution-coder');
    ${ENCODE}
    console.log(JSON.stringify({ hex }));`);
  assert.match(slim.early, /the module is not loaded yet: `await init\(\)` first/);
  assert.ok(main.hex.length > 50);
  assert.equal(slim.hex, main.hex);
});
