// Issue #14: the README as an npm page. Its examples run (each ```js block in Node, the
// CommonJS one with require(), the TypeScript ones through tsc; the browser ones in
// test/browser/readme.test.mjs) and print what their comments say; every export, member
// and option of js/index.d.ts and js/frame.d.ts, and every dc_result, is documented; every
// link works on npm (absolute; unpkg links name the current version and a packed file).
// Writes only under build-readme/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { README, readmeBlocks, expectedOutputs, squash } from './readme-blocks.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = join(root, 'build-readme');
const text = readFileSync(README, 'utf8');
const blocks = readmeBlocks(text);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const BROWSER_KINDS = ['page', 'worker-main', 'worker'];
const KINDS = ['cjs', 'ts', 'parse-only', ...BROWSER_KINDS];

test('every code block is runnable JS, a known kind, or not JS', () => {
  for (const b of blocks) {
    if (b.kind !== null)
      assert.ok(KINDS.includes(b.kind), `README line ${b.line}: unknown kind ${b.kind}`);
    assert.ok(
      ['js', 'ts', 'html', 'sh', 'python'].includes(b.lang),
      `README line ${b.line}: fence language ${JSON.stringify(b.lang)}`,
    );
    if (b.lang === 'html') assert.equal(b.kind, 'page', `README line ${b.line}`);
  }
  assert.ok(blocks.filter((b) => b.lang === 'js' && b.kind === null).length >= 5);
  for (const kind of KINDS.filter((k) => k !== 'parse-only'))
    assert.ok(
      blocks.some((b) => b.kind === kind),
      `no block marked ${kind}`,
    );
});

function run(file, code) {
  writeFileSync(file, code);
  try {
    return execFileSync(process.execPath, [file], { cwd: root, encoding: 'utf8' });
  } catch (e) {
    assert.fail(`${file} failed:\n${e.stderr}`);
  }
}

function checkOutput(b, stdout) {
  const expected = expectedOutputs(b.code);
  const got = stdout
    .split('\n')
    .filter((l) => l !== '')
    .map(squash);
  assert.deepEqual(got, expected, `README line ${b.line}: output ${stdout}`);
}

mkdirSync(out, { recursive: true });
for (const b of blocks.filter((x) => x.lang === 'js' && (x.kind === null || x.kind === 'cjs'))) {
  test(`README line ${b.line}: the ${b.kind === 'cjs' ? 'CommonJS' : 'ES module'} example runs in Node ${process.version} and prints what it says`, () => {
    const file = join(out, `block-${b.line}.${b.kind === 'cjs' ? 'cjs' : 'mjs'}`);
    checkOutput(b, run(file, b.code));
  });
}

test('the browser examples and parse-only blocks parse as modules', () => {
  const parseOnly = ['worker', 'worker-main', 'parse-only'];
  for (const b of blocks.filter((x) => x.lang === 'js' && parseOnly.includes(x.kind))) {
    const file = join(out, `block-${b.line}.mjs`);
    writeFileSync(file, b.code);
    try {
      execFileSync(process.execPath, ['--check', file], { encoding: 'utf8' });
    } catch (e) {
      assert.fail(`README line ${b.line}:\n${e.stderr}`);
    }
  }
});

test('the TypeScript examples compile (strict, skipLibCheck false, lib ES2022 only)', () => {
  const dir = join(out, 'ts');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files = [];
  for (const b of blocks.filter((x) => x.lang === 'ts')) {
    const name = `block-${b.line}.ts`;
    // Each block is a module of its own (export {} keeps an import-only block one).
    writeFileSync(join(dir, name), `${b.code}export {};\n`);
    files.push(name);
  }
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ extends: '../../test/types/tsconfig.node.json', files }),
  );
  const tsc = join(
    dirname(createRequire(import.meta.url).resolve('typescript/package.json')),
    'bin',
    'tsc',
  );
  try {
    execFileSync(process.execPath, [tsc, '--noEmit', '-p', join(dir, 'tsconfig.json')], {
      cwd: root,
      encoding: 'utf8',
    });
  } catch (e) {
    assert.fail(`tsc reported:\n${e.stdout}${e.stderr}`);
  }
});

/** Every name a declaration file exports, and the members of its exported classes and
 * interfaces (methods, properties, options). */
function declaredNames(file) {
  const src = readFileSync(join(root, 'js', file), 'utf8');
  const names = new Set();
  let inExported = false;
  let depth = 0;
  for (const line of src.split('\n')) {
    const decl = /^export (?:declare )?(?:class|interface|type|function) (\w+)/.exec(line);
    if (decl) {
      names.add(decl[1]);
      inExported = /\{\s*$/.test(line) && /^export (?:declare )?(?:class|interface)/.test(line);
      depth = inExported ? 1 : 0;
      continue;
    }
    if (!inExported) continue;
    // Members sit at depth 1 of the body (nested object types are skipped).
    if (depth === 1) {
      const m = /^\s+(?:static\s+|readonly\s+)*(\w+)\??\s*[:(]/.exec(line);
      if (m && m[1] !== 'constructor') names.add(m[1]);
      if (/^\s+\[Symbol\.dispose\]/.test(line)) names.add('[Symbol.dispose]');
    }
    depth += (line.match(/\{/g) || []).length - (line.match(/\}/g) || []).length;
    if (depth <= 0) inExported = false;
  }
  return names;
}

test('every export, method, property and option of the .d.ts files is in the README', () => {
  const spans = [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]).join('\n');
  const missing = [];
  for (const file of ['index.d.ts', 'frame.d.ts']) {
    const names = declaredNames(file);
    assert.ok(names.size > 15, `${file}: parsed ${[...names].join(', ')}`);
    for (const name of names) {
      const word = name.replace(/[[\].]/g, (c) => `\\${c}`);
      if (!new RegExp(`(^|[^\\w])${word}($|[^\\w])`).test(spans)) missing.push(`${file}: ${name}`);
    }
  }
  assert.deepEqual(missing, [], 'not in any `code span` of the README');
});

test('every runtime export is documented, and every dc_result of the C header', async () => {
  const api = await import('distribution-coder');
  for (const name of Object.keys(api))
    assert.match(text, new RegExp(`\`[^\`]*\\b${name}\\b`), name);
  const header = readFileSync(join(root, 'include', 'distribution_coder.h'), 'utf8');
  const codes = [...header.matchAll(/^\s+(DC_(?:OK|ERR_\w+)) = (\d+)/gm)];
  assert.ok(codes.length > 20);
  for (const [, name, value] of codes)
    assert.match(
      text,
      new RegExp(`\\| ${value} \\| \`${name}\``),
      `${name} = ${value} in the table`,
    );
});

test('links work on npm: absolute, unpkg ones at this version and packed, anchors exist', () => {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const [info] = JSON.parse(
    execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
    }),
  );
  const packed = new Set(info.files.map((f) => f.path));
  const slug = (h) =>
    h
      .toLowerCase()
      .replace(/[^\w\- ]/g, '')
      .replace(/ /g, '-');
  const anchors = new Set([...text.matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1].trim())));
  // Outside code blocks: [text](target), ![alt](target), <a href>, <img src>.
  const prose = text.replace(/^```[\s\S]*?^```$/gm, '');
  const targets = [
    ...[...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]),
    ...[...prose.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]),
  ];
  assert.ok(targets.length > 10);
  const unpkg = `https://unpkg.com/${pkg.name}@${pkg.version}/`;
  let viaUnpkg = 0;
  for (const t of targets) {
    if (t.startsWith('#')) {
      assert.ok(anchors.has(t.slice(1)), `${t}: no such heading`);
    } else if (t.startsWith('https://unpkg.com/')) {
      assert.ok(t.startsWith(unpkg), `${t}: not ${unpkg}...`);
      const path = t.slice(unpkg.length).replace(/#.*$/, '');
      assert.ok(packed.has(path), `${t}: ${path} is not in npm pack's file list`);
      viaUnpkg++;
    } else {
      assert.match(t, /^https:\/\//, `${t}: relative links are dead on npm (no repository)`);
    }
  }
  assert.ok(viaUnpkg >= 4);
  assert.equal(pkg.homepage, 'https://www.npmjs.com/package/distribution-coder');
});
