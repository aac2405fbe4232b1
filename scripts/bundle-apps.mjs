#!/usr/bin/env node
// scripts/bundle-apps.mjs - builds one tiny app with each bundler, as a user would: the package
// from `npm pack` unpacked into a fresh project (build/bundlers/app/node_modules), every
// bundler with its defaults (no configuration file), run from this repository's node_modules
// (no network). test/browser/bundlers.test.mjs runs the results in Chromium; scripts/size.mjs
// (`npm run size`) measures what each app ships.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BUILD = join(root, 'build', 'bundlers');
export const APP = join(BUILD, 'app');
const bin = (name, file) => join(root, 'node_modules', name, file);

/** The app's own code, the same for every bundler: encode a few steps (plain arrays, typed
 * arrays, a framed stream), decode them back, and report the bytes. Node runs the same
 * function on the unbundled package (the test compares). */
export const SAMPLE = `// Encodes and decodes a few steps; returns the bytes made and whether they decode back.
export function sample(dc) {
  const steps = [];
  for (let i = 0; i < 40; i++) {
    const vocab = 2 + ((i * 7) % 300);
    const d = new Float32Array(vocab);
    for (let k = 0; k < vocab; k++) d[k] = 1 / (1 + ((k * 13 + i) % 17));
    steps.push([i % 3 === 0 ? Array.from(d) : d, (i * 31) % vocab]);
  }
  const enc = new dc.DistributionCoder();
  for (const [d, s] of steps) enc.encodeStep(d, s);
  const bytes = enc.finishEncoding();
  enc.free();
  const dec = new dc.DistributionCoder();
  dec.startDecoding(bytes);
  let ok = true;
  for (const [d, s] of steps) ok = ok && dec.decodeStep(d) === s;
  dec.free();
  const fenc = new dc.FramedEncoder({ modelId: 'sample', stepsPerChunk: 16 });
  for (const [d, s] of steps) fenc.encodeStep(d, s);
  const framed = fenc.finish();
  fenc.free();
  return { version: dc.version(), ok, raw: Array.from(bytes), framed: Array.from(framed) };
}
`;

const PAGE = (script, type) =>
  `<!doctype html>\n<meta charset="utf-8">\n<title>bundled</title>\n<script${type ? ` type="${type}"` : ''} src="${script}"></script>\n`;

// The entry: runs the sample and shows the result (and any error) in the page.
const MAIN = `import * as dc from 'distribution-coder';
import { sample } from './sample.js';

function show(key, value) {
  document.documentElement.dataset[key] = JSON.stringify(value);
}
try {
  show('result', sample(dc));
} catch (e) {
  show('error', { name: e.name, message: e.message });
}
`;

// The same with distribution-coder/slim: the module as a .wasm asset, fetched by init().
const SLIM_MAIN = `import * as dc from 'distribution-coder/slim';
import { sample } from './sample.js';

function show(key, value) {
  document.documentElement.dataset[key] = JSON.stringify(value);
}
// ?wasm=<url>: the app passes the module itself (bundlers that do not emit the asset).
const wasm = new URLSearchParams(location.search).get('wasm');
dc.init(wasm ? fetch(wasm) : undefined).then(
  () => show('result', sample(dc)),
  (e) => show('error', { name: e.name, message: e.message }),
);
`;

// Vite's page also runs the sample in a module worker (Vite's default worker format).
const VITE_MAIN = `${MAIN}
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
worker.onmessage = (e) => show('worker', e.data);
worker.onerror = (e) => show('worker', { error: String(e.message) });
`;
const VITE_WORKER = `import * as dc from 'distribution-coder';
import { sample } from './sample.js';

try {
  self.postMessage(sample(dc));
} catch (e) {
  self.postMessage({ error: e.message });
}
`;

function run(cmd, args, cwd = APP) {
  execFileSync(cmd, args, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
}

/** The package as npm would install it: `npm pack`, unpacked into APP/node_modules. */
function installPackage() {
  rmSync(BUILD, { recursive: true, force: true });
  mkdirSync(join(APP, 'node_modules', 'distribution-coder'), { recursive: true });
  const out = execFileSync(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', BUILD],
    { cwd: root, encoding: 'utf8' },
  );
  const tarball = join(BUILD, JSON.parse(out)[0].filename);
  run('tar', [
    'xzf',
    tarball,
    '-C',
    join(APP, 'node_modules', 'distribution-coder'),
    '--strip-components=1',
  ]);
  writeFileSync(
    join(APP, 'package.json'),
    JSON.stringify(
      { name: 'bundled-app', private: true, version: '0.0.0', type: 'module' },
      null,
      2,
    ) + '\n',
  );
  mkdirSync(join(APP, 'src'));
  writeFileSync(join(APP, 'src', 'sample.js'), SAMPLE);
  writeFileSync(join(APP, 'src', 'index.js'), MAIN);
  writeFileSync(join(APP, 'src', 'worker.js'), VITE_WORKER);
  writeFileSync(join(APP, 'src', 'slim.js'), SLIM_MAIN);
}

/** What a user does where the bundler does not emit the .wasm: copy it to the assets. */
function copyWasm(out) {
  copyFileSync(
    join(APP, 'node_modules', 'distribution-coder', 'dist', 'distribution_coder.wasm'),
    join(APP, out, 'distribution_coder.wasm'),
  );
}

/** Each bundler's command line (its defaults) and the folder it writes; `page` is the HTML the
 * test serves from that folder. */
export const BUNDLERS = {
  // Default format: IIFE (no top-level await, no import.meta), no minification.
  esbuild: {
    out: 'out-esbuild',
    build() {
      run(bin('esbuild', 'bin/esbuild'), [
        'src/index.js',
        '--bundle',
        '--outfile=out-esbuild/out.js',
        '--log-level=error',
      ]);
      writeFileSync(join(APP, 'out-esbuild', 'index.html'), PAGE('out.js'));
    },
  },
  // Output format es (its default), into a folder (code splitting needs one), node-resolve
  // with its defaults.
  rollup: {
    out: 'out-rollup',
    build() {
      run(process.execPath, [
        bin('rollup', 'dist/bin/rollup'),
        'src/index.js',
        '-p',
        'node-resolve',
        '-d',
        'out-rollup',
        '--silent',
      ]);
      writeFileSync(join(APP, 'out-rollup', 'index.html'), PAGE('index.js', 'module'));
    },
  },
  // No configuration file: entry ./src/index.js, output ./dist/main.js (here out-webpack).
  webpack: {
    out: 'out-webpack',
    build() {
      run(process.execPath, [
        bin('webpack-cli', 'bin/cli.js'),
        '--mode',
        'production',
        '--output-path',
        'out-webpack',
        '--no-stats',
      ]);
      writeFileSync(join(APP, 'out-webpack', 'index.html'), PAGE('main.js'));
    },
  },
  // No vite.config: index.html at the root, a page and a module worker.
  vite: {
    out: 'out-vite',
    build() {
      writeFileSync(join(APP, 'src', 'vite-main.js'), VITE_MAIN);
      writeFileSync(join(APP, 'index.html'), PAGE('/src/vite-main.js', 'module'));
      run(process.execPath, [
        bin('vite', 'bin/vite.js'),
        'build',
        '--outDir',
        'out-vite',
        '--logLevel',
        'error',
      ]);
    },
  },
  // distribution-coder/slim where the bundler emits the .wasm asset by itself.
  'webpack-slim': {
    out: 'out-webpack-slim',
    build() {
      run(process.execPath, [
        bin('webpack-cli', 'bin/cli.js'),
        '--mode',
        'production',
        '--entry',
        './src/slim.js',
        '--output-path',
        'out-webpack-slim',
        '--no-stats',
      ]);
      writeFileSync(join(APP, 'out-webpack-slim', 'index.html'), PAGE('main.js'));
    },
  },
  // distribution-coder/slim where the bundler does not emit the asset: init() says what to
  // do; the app copies the .wasm and passes it (the test loads the page with ?wasm=).
  'esbuild-slim': {
    out: 'out-esbuild-slim',
    noSize: true,
    build() {
      run(bin('esbuild', 'bin/esbuild'), [
        'src/slim.js',
        '--bundle',
        '--outfile=out-esbuild-slim/out.js',
        '--log-level=error',
      ]);
      writeFileSync(join(APP, 'out-esbuild-slim', 'index.html'), PAGE('out.js'));
      copyWasm('out-esbuild-slim');
    },
  },
  'rollup-slim': {
    out: 'out-rollup-slim',
    noSize: true,
    build() {
      run(process.execPath, [
        bin('rollup', 'dist/bin/rollup'),
        'src/slim.js',
        '-p',
        'node-resolve',
        '-d',
        'out-rollup-slim',
        '--silent',
      ]);
      writeFileSync(join(APP, 'out-rollup-slim', 'index.html'), PAGE('slim.js', 'module'));
      copyWasm('out-rollup-slim');
    },
  },
  'vite-slim': {
    out: 'out-vite-slim',
    build() {
      mkdirSync(join(APP, 'slim'), { recursive: true });
      writeFileSync(join(APP, 'slim', 'index.html'), PAGE('../src/slim.js', 'module'));
      run(process.execPath, [
        bin('vite', 'bin/vite.js'),
        'build',
        'slim',
        '--outDir',
        '../out-vite-slim',
        '--logLevel',
        'error',
      ]);
    },
  },
};

/** Builds every app (or those named); returns { name: outDir }. */
export function buildApps(names = Object.keys(BUNDLERS)) {
  installPackage();
  const dirs = {};
  for (const name of names) {
    try {
      BUNDLERS[name].build();
    } catch (e) {
      throw new Error(`${name} build failed:\n${e.stderr || ''}${e.stdout || ''}${e.message}`, {
        cause: e,
      });
    }
    dirs[name] = join(APP, BUNDLERS[name].out);
  }
  return dirs;
}

/** Every file under `dir` (relative paths). */
export function listFiles(dir, prefix = '') {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(dir, join(prefix, e.name)) : [join(prefix, e.name)],
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dirs = buildApps(process.argv.slice(2).length ? process.argv.slice(2) : undefined);
  for (const [name, dir] of Object.entries(dirs)) console.log(`${name}: ${dir}`);
}
