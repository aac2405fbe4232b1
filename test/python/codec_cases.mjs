// Shared by node_codec.mjs (Node) and browser_codec.mjs (headless Chromium): with the JS
// package `lib`, encodes each case raw and framed and decodes the Python side's streams.
// Plain ES module without Node APIs, so the page can import it too.

const fromHex = (h) => Uint8Array.from(h.match(/../g) || [], (b) => parseInt(b, 16));
const toHex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, '0')).join('');

function matrix(c) {
  const u8 = Uint8Array.from(atob(c.b64), (ch) => ch.charCodeAt(0));
  if (c.dtype === 'f32') return new Float32Array(u8.buffer);
  if (c.dtype === 'f64') return new Float64Array(u8.buffer);
  return new Uint16Array(u8.buffer);
}

export function runCases(lib, cases) {
  const { DistributionCoder, FramedEncoder, FramedDecoder } = lib;
  return cases.map((c) => {
    const m = matrix(c);
    const dtype = c.dtype === 'f16' || c.dtype === 'bf16' ? c.dtype : undefined;
    const row = (t) => m.subarray(t * c.vocab, (t + 1) * c.vocab);
    const enc = new DistributionCoder({ format: c.format });
    for (let t = 0; t < c.symbols.length; t++) enc.encodeStep(row(t), c.symbols[t], dtype);
    const hex = toHex(enc.finishEncoding());
    enc.free();
    const dec = new DistributionCoder({ format: c.format });
    dec.startDecoding(fromHex(c.python_hex));
    const decoded = c.symbols.map((_, t) => dec.decodeStep(row(t), dtype));
    dec.free();
    const fenc = new FramedEncoder({
      format: c.format,
      modelId: c.model_id,
      stepsPerChunk: c.steps_per_chunk,
    });
    for (let t = 0; t < c.symbols.length; t++) fenc.encodeStep(row(t), c.symbols[t], dtype);
    const frameHex = toHex(fenc.finish());
    const fdec = new FramedDecoder(fromHex(c.python_frame_hex), { modelId: c.model_id });
    const frameDecoded = c.symbols.map((_, t) => fdec.decodeStep(row(t), dtype));
    fdec.free();
    return { hex, decoded, frameHex, frameDecoded };
  });
}
