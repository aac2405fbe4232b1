// Imports the package by its name, as an application would; Vite resolves it through the
// package's "exports" and bundles the ES module together with its inlined WebAssembly.
import * as dc from 'distribution-coder';
import { compress, decompress } from '../../models/codec.mjs';
import { ContextMixingModel } from '../../models/context-mixing.mjs';

/** Compress a string with the built-in context-mixing model; returns the .dcx bytes. */
async function encodeText(text) {
  return compress(dc, new ContextMixingModel(), ContextMixingModel.id, new TextEncoder().encode(text));
}

/** Decompress .dcx bytes made by examples/models/codec.mjs (in Node or in a browser). */
async function decodeFile(bytes) {
  const { bytes: out, verified } = await decompress(dc, new ContextMixingModel(), new Uint8Array(bytes));
  return { text: new TextDecoder().decode(out), verified };
}

// For tests: window.distributionCoderDemo.decodeFile(bytes) etc.
window.distributionCoderDemo = { encodeText, decodeFile, version: dc.version() };

const message = 'Hello from a Vite bundle: distribution-coder ' + dc.version() + ' encodes and decodes here.';
const file = await encodeText(message);
const back = await decodeFile(file);
document.getElementById('out').textContent =
  `${back.verified && back.text === message ? 'OK' : 'FAILED'}: "${back.text}" (${file.length} bytes compressed)`;
document.body.dataset.ready = 'yes';
