// Issue #14: the declarations (js/index.d.ts, js/frame.d.ts) compile under strict with
// skipLibCheck false in a Node-only project (lib ES2022: no DOM, no @types/node), in a DOM
// project (bytes go to Blob, Response and crypto.subtle without a cast) and with lib ESNext
// (`using`); calls the runtime refuses do not compile (@ts-expect-error lines in
// test/types/node-only.ts). tsc writes nothing (noEmit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = join(
  dirname(createRequire(import.meta.url).resolve('typescript/package.json')),
  'bin',
  'tsc',
);

for (const config of ['tsconfig.node.json', 'tsconfig.dom.json', 'tsconfig.esnext.json']) {
  test(`tsc --noEmit -p test/types/${config}`, () => {
    try {
      execFileSync(process.execPath, [tsc, '--noEmit', '-p', `test/types/${config}`], {
        cwd: root,
        encoding: 'utf8',
      });
    } catch (e) {
      assert.fail(`tsc reported:\n${e.stdout}${e.stderr}`);
    }
  });
}
