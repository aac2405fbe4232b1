// distribution-coder/slim: the same API as the main entry, with the WebAssembly module as a
// .wasm file rather than base64 in the JavaScript (a third smaller, compiled while it
// downloads). `await init()` before the first coder: it fetches the file at
// new URL('../dist/distribution_coder.wasm', import.meta.url), which webpack 5 and Vite emit
// as an asset by themselves; elsewhere pass the module: `await init(fetch(url))`.
import { ship } from './runtime.js';

ship({
  url: () => new URL('../dist/distribution_coder.wasm', import.meta.url),
  nosimdUrl: () => new URL('../dist/distribution_coder_nosimd.wasm', import.meta.url),
});

export { DistributionCoderError, init, version, wasmMemoryBytes } from './runtime.js';
export { DistributionCoder } from './coder.js';
export { FramedEncoder, FramedDecoder, crc32 } from './frame.js';
