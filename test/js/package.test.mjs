// What `npm pack` would publish: the wasm, the JS, the types, the README, and nothing from
// tests or build folders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('npm pack --dry-run: the tarball holds the package and nothing else', () => {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const out = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
  });
  const [info] = JSON.parse(out);
  const files = info.files.map((f) => f.path).sort();
  for (const required of [
    'dist/distribution_coder.wasm',
    'dist/distribution_coder_nosimd.wasm',
    'dist/wasm-inline.js',
    'dist/wasm-inline-nosimd.js',
    'js/index.js',
    'js/index.d.ts',
    'package.json',
    'README.md',
  ]) {
    assert.ok(
      files.includes(required),
      `${required} missing from the tarball: ${files.join(', ')}`,
    );
  }
  for (const f of readdirSync(join(root, 'js'))) {
    assert.ok(
      files.includes(`js/${f}`),
      `js/${f} (imported by the package) missing from the tarball`,
    );
  }
  for (const f of files) {
    assert.doesNotMatch(
      f,
      /^(test|build[^/]*|bench|examples|scripts|src|cmake|node_modules|\.ci)\//,
      `${f} should not be published`,
    );
    assert.doesNotMatch(f, /\.(tmp|log|c|h|mjs)$/, `${f} should not be published`);
  }
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const entry = pkg.exports['.'];
  for (const target of [entry.types, entry.import, entry.default, pkg.types]) {
    assert.ok(files.includes(target.replace(/^\.\//, '')), `${target} is exported but not packed`);
  }
  for (const target of [pkg.exports['./slim'].default])
    assert.ok(files.includes(target.replace(/^\.\//, '')), `${target} is exported but not packed`);
  // Only the two entries have a side effect (they tell js/runtime.js where the module is):
  // bundlers must keep them even when every name used is re-exported from another file.
  assert.deepEqual(pkg.sideEffects, ['./js/index.js', './js/slim.js']);
  assert.equal(pkg.type, 'module');
  assert.ok(pkg.engines && pkg.engines.node, 'engines.node is set');
  const header = readFileSync(join(root, 'include', 'distribution_coder.h'), 'utf8');
  assert.equal(
    pkg.version,
    /#define DC_VERSION_STRING "([^"]+)"/.exec(header)[1],
    'package version = C header version',
  );
});
