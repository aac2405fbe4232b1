#!/usr/bin/env node
// scripts/size.mjs (`npm run size`) - what an app ships with each bundler: builds the tiny app
// of scripts/bundle-apps.mjs with each (the package from `npm pack`, no configuration), and
// prints the bytes a browser with wasm SIMD loads (JS minified, wasm), raw and gzipped (-9),
// and the bytes of the chunks or assets it does not load (those for engines without SIMD).
// esbuild and Rollup do not minify by default: their output is minified here with esbuild's
// minifier, as an app would for production. `--no-build` measures the last build.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { transformSync } from 'esbuild';
import { APP, BUNDLERS, buildApps, listFiles } from './bundle-apps.mjs';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const SIMD_WASM = readFileSync(join(root, 'dist', 'distribution_coder.wasm'));

// Each app's entry files (what a page loads first); the Vite worker is a bundle of its own.
const ENTRY = {
  esbuild: /^out\.js$/,
  rollup: /^index\.js$/,
  webpack: /^main\.js$/,
  vite: /^assets\/index-[^/]+\.js$/,
  'webpack-slim': /^main\.js$/,
  'vite-slim': /^assets\/index-[^/]+\.js$/,
};
const MINIFY = new Set(['esbuild', 'rollup']);

const gz = (b) => gzipSync(b, { level: 9 }).length;

/** Sizes of one app's output: loaded (entry JS + the SIMD .wasm) and the rest. */
export function measure(name) {
  const dir = join(APP, BUNDLERS[name].out);
  const m = { js: 0, jsGz: 0, wasm: 0, wasmGz: 0, other: [], worker: null };
  for (const f of listFiles(dir)) {
    let bytes = readFileSync(join(dir, f));
    if (f.endsWith('.js') && MINIFY.has(name))
      bytes = Buffer.from(transformSync(bytes.toString('utf8'), { minify: true }).code);
    if (ENTRY[name].test(f)) {
      m.js += bytes.length;
      m.jsGz += gz(bytes);
    } else if (f.endsWith('.wasm') && bytes.equals(SIMD_WASM)) {
      m.wasm += bytes.length;
      m.wasmGz += gz(bytes);
    } else if (/^assets\/worker-[^/]+\.js$/.test(f)) {
      m.worker = { file: f, raw: bytes.length, gz: gz(bytes) };
    } else if (/\.(js|wasm)$/.test(f)) {
      m.other.push({ file: f, raw: bytes.length, gz: gz(bytes) });
    }
  }
  return m;
}

const fmt = (n) => n.toLocaleString('en-US');

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const names = Object.keys(BUNDLERS).filter((n) => !BUNDLERS[n].noSize);
  if (!process.argv.includes('--no-build')) buildApps(names);
  const rows = [
    [
      'bundler (entry)',
      'JS',
      'JS gz',
      '.wasm',
      '.wasm gz',
      'loaded',
      'loaded gz',
      'not loaded with SIMD',
    ],
  ];
  for (const name of names) {
    const m = measure(name);
    const label = name.endsWith('-slim')
      ? `${name.replace('-slim', '')} (distribution-coder/slim)`
      : `${name} (distribution-coder)`;
    const other = m.other.map((o) => `${o.file} ${fmt(o.raw)} (${fmt(o.gz)} gz)`).join('; ');
    rows.push([
      label,
      fmt(m.js),
      fmt(m.jsGz),
      fmt(m.wasm),
      fmt(m.wasmGz),
      fmt(m.js + m.wasm),
      fmt(m.jsGz + m.wasmGz),
      other || '-',
    ]);
    if (m.worker)
      rows.push([
        '  vite module worker',
        fmt(m.worker.raw),
        fmt(m.worker.gz),
        '0',
        '0',
        fmt(m.worker.raw),
        fmt(m.worker.gz),
        '(a bundle of its own: the package again)',
      ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log(
    'Bytes of the tiny app (scripts/bundle-apps.mjs) a browser with wasm SIMD loads; gz = gzip -9\n',
  );
  for (const [i, r] of rows.entries()) {
    console.log(
      r
        .map((c, j) =>
          j === 0 || j === r.length - 1 ? c.padEnd(widths[j]) : c.padStart(widths[j]),
        )
        .join('  ')
        .trimEnd(),
    );
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}
