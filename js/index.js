// distribution-coder: arithmetic coding over per-step probability distributions.
// A thin ES-module wrapper around one standalone WebAssembly module (built from the C
// library by scripts/build-wasm.mjs). Types and documentation: js/index.d.ts.
//   js/runtime.js  loading the module, errors, result codes, argument helpers
//   js/coder.js    DistributionCoder
//   js/frame.js    FramedEncoder, FramedDecoder, crc32 (the framed container)
// This entry inlines the module as base64: ready on first use, in every bundler without
// configuration. js/slim.js is the same API with the module as a .wasm file (await init()).
import base64 from '../dist/wasm-inline.js';
import { ship } from './runtime.js';

ship({ base64, nosimd: async () => (await import('../dist/wasm-inline-nosimd.js')).default });

export { DistributionCoderError, init, version, wasmMemoryBytes } from './runtime.js';
export { DistributionCoder } from './coder.js';
export { FramedEncoder, FramedDecoder, crc32 } from './frame.js';
