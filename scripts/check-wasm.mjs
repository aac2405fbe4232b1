#!/usr/bin/env node
// scripts/check-wasm.mjs FILE.wasm... - refuses a module whose imports go beyond what
// js/runtime.js supplies or whose exports differ from the reviewed list
// (cmake/wasm-exports.txt, plus `memory` and `_initialize`, which the toolchain adds).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The imports the loader (js/runtime.js) supplies, as "module.name". */
export const ALLOWED_IMPORTS = ['env.emscripten_notify_memory_growth'];

/** The reviewed exports: cmake/wasm-exports.txt without the leading underscore. */
export function reviewedExports() {
  const names = readFileSync(join(root, 'cmake', 'wasm-exports.txt'), 'utf8')
    .split('\n').map((l) => l.trim()).filter(Boolean).map((l) => l.replace(/^_/, ''));
  return ['memory', '_initialize', ...names];
}

/** Returns a list of problems (empty when the module is acceptable). */
export function checkWasm(bytes) {
  const problems = [];
  const mod = new WebAssembly.Module(bytes);
  for (const imp of WebAssembly.Module.imports(mod)) {
    const key = `${imp.module}.${imp.name}`;
    if (!ALLOWED_IMPORTS.includes(key) || imp.kind !== 'function')
      problems.push(`unexpected import ${key} (${imp.kind})`);
  }
  const allowed = reviewedExports();
  const seen = new Set();
  for (const exp of WebAssembly.Module.exports(mod)) {
    seen.add(exp.name);
    if (!allowed.includes(exp.name)) problems.push(`export not on the reviewed list: ${exp.name} (${exp.kind})`);
    else if ((exp.name === 'memory') !== (exp.kind === 'memory'))
      problems.push(`export ${exp.name} has kind ${exp.kind}`);
  }
  for (const name of allowed) if (!seen.has(name)) problems.push(`reviewed export missing: ${name}`);
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: node scripts/check-wasm.mjs FILE.wasm...');
    process.exit(2);
  }
  let bad = false;
  for (const file of files) {
    const problems = checkWasm(readFileSync(file));
    for (const p of problems) console.error(`${file}: ${p}`);
    if (problems.length) bad = true;
    else console.log(`${file}: imports and exports OK`);
  }
  process.exit(bad ? 1 : 0);
}
