// A next-byte neural network in ONNX format, run by onnxruntime-web, as a model for codec.mjs.
//
// The network (built and trained by train-byte-mlp.mjs, stored in byte-mlp.onnx):
//   input  "context"  int32 [1, CONTEXT]: the previous CONTEXT bytes, byte at position p
//                     given as p * 256 + byte (one embedding table per position)
//   Gather(embedding [CONTEXT * 256, EMBED]) -> [1, CONTEXT, EMBED]
//   Reshape -> [1, CONTEXT * EMBED] -> MatMul W1 -> Add b1 -> Relu
//   -> MatMul W2 -> Add b2 -> Softmax
//   output "probs"    float32 [1, 256]: P(next byte = b)
//
// Determinism: in the exact mode, the encoder and the decoder must get bit-identical
// probabilities. They do when both run the same onnxruntime-web build (the version is pinned in package.json) with one
// thread (ort.env.wasm.numThreads = 1) and the same session options: ORT's WebAssembly
// kernels then do the same float operations in the same order on every machine and browser.
// A file compressed with one ORT version may not decompress with another. Another runtime
// (onnxruntime-node's native CPU kernels, PyTorch, a GPU) gives probabilities that differ in
// the last bits: a file made there decodes only in the tolerant mode (docs/cross-runtime.md).
//
// Copies per step: the input (CONTEXT int32) is copied into ORT's memory by ORT; ORT returns
// the output as a new Float32Array copied out of its own wasm memory. A pre-allocated CPU
// output tensor over the coder's view does not help: onnxruntime-web 1.30 accepts it in
// run(feeds, fetches) but leaves it unwritten. So predict() copies those 1,024 bytes once
// into the coder's distributionView, which encodeStep/decodeStep then read in place.

export const CONTEXT = 8;
export const EMBED = 16;
export const HIDDEN = 192;

/** Session options for onnxruntime-web (single-threaded WebAssembly kernels). */
export const WASM_SESSION = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
/** Session options for onnxruntime-node: native CPU kernels, one thread, sequential. */
export const NATIVE_SESSION = {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all',
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
};

export class OnnxByteModel {
  static id = 2;
  static label = `ONNX next-byte network (${CONTEXT}-byte context, onnxruntime-web)`;

  /**
   * ort: the onnxruntime-web module (or onnxruntime-node with NATIVE_SESSION); modelBytes: the
   * .onnx file (Uint8Array/ArrayBuffer); sessionOptions: WASM_SESSION unless given.
   */
  static async create(ort, modelBytes, sessionOptions = WASM_SESSION) {
    const bytes = modelBytes instanceof Uint8Array ? modelBytes : new Uint8Array(modelBytes);
    const session = await ort.InferenceSession.create(bytes, sessionOptions);
    return new OnnxByteModel(ort, session);
  }

  constructor(ort, session) {
    this.vocab = 256;
    this.dtype = 'f32';
    this.session = session;
    this.context = new Int32Array(CONTEXT);
    for (let p = 0; p < CONTEXT; p++) this.context[p] = p * 256; // byte 0 before the start
    this.feeds = { context: new ort.Tensor('int32', this.context, [1, CONTEXT]) };
  }

  async predict(out) {
    const result = await this.session.run(this.feeds);
    out.set(result.probs.data);
  }

  update(byte) {
    const c = this.context;
    for (let p = 0; p < CONTEXT - 1; p++) c[p] = c[p + 1] - 256;
    c[CONTEXT - 1] = (CONTEXT - 1) * 256 + byte;
  }

  async release() {
    await this.session.release();
  }
}

/** onnxruntime-web for Node: single-threaded WebAssembly backend. */
export async function loadOnnxRuntimeForNode() {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  return ort;
}

/** onnxruntime-node (a devDependency: native CPU kernels), for create(ort, bytes, NATIVE_SESSION). */
export async function loadOnnxRuntimeNative() {
  const ort = await import('onnxruntime-node');
  ort.env.logLevel = 'error';
  return ort;
}
