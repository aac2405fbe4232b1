// distribution-coder: arithmetic coding over per-step probability distributions.
// A thin ES-module wrapper around one standalone WebAssembly module (built from the C
// library by scripts/build-wasm.mjs). Types and documentation: js/index.d.ts.
//   js/runtime.js  loading the module, errors, result codes, argument helpers
//   js/coder.js    DistributionCoder
//   js/frame.js    FramedEncoder, FramedDecoder, crc32 (the framed container)
export { DistributionCoderError, init, version, wasmMemoryBytes } from './runtime.js';
export { DistributionCoder } from './coder.js';
export { FramedEncoder, FramedDecoder, crc32 } from './frame.js';
