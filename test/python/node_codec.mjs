// Helper of test_cross.py: JSON cases on stdin, runCases() with this checkout's JS package
// (js/index.js over the wasm module) in Node, JSON results on stdout.
import * as lib from '../../js/index.js';
import { runCases } from './codec_cases.mjs';

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
process.stdout.write(
  JSON.stringify(runCases(lib, JSON.parse(Buffer.concat(chunks).toString('utf8')))),
);
