// Helper of test_cross.py: reads JSON cases on stdin and, with the JS package (this
// checkout's js/index.js over dist/'s wasm), encodes each case raw and framed and decodes
// the Python side's streams; prints the results as JSON.
import { DistributionCoder, FramedEncoder, FramedDecoder } from '../../js/index.js';

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const cases = JSON.parse(Buffer.concat(chunks).toString('utf8'));

function matrix(c) {
  const u8 = new Uint8Array(Buffer.from(c.b64, 'base64'));
  if (c.dtype === 'f32') return new Float32Array(u8.buffer);
  if (c.dtype === 'f64') return new Float64Array(u8.buffer);
  return new Uint16Array(u8.buffer);
}

const out = cases.map((c) => {
  const m = matrix(c);
  const dtype = c.dtype === 'f16' || c.dtype === 'bf16' ? c.dtype : undefined;
  const row = (t) => m.subarray(t * c.vocab, (t + 1) * c.vocab);
  const enc = new DistributionCoder({ format: c.format });
  for (let t = 0; t < c.symbols.length; t++) enc.encodeStep(row(t), c.symbols[t], dtype);
  const hex = Buffer.from(enc.finishEncoding()).toString('hex');
  enc.free();
  const dec = new DistributionCoder({ format: c.format });
  dec.startDecoding(Uint8Array.from(Buffer.from(c.python_hex, 'hex')));
  const decoded = c.symbols.map((_, t) => dec.decodeStep(row(t), dtype));
  dec.free();
  const fenc = new FramedEncoder({ format: c.format, modelId: c.model_id, stepsPerChunk: c.steps_per_chunk });
  for (let t = 0; t < c.symbols.length; t++) fenc.encodeStep(row(t), c.symbols[t], dtype);
  const frameHex = Buffer.from(fenc.finish()).toString('hex');
  const fdec = new FramedDecoder(Uint8Array.from(Buffer.from(c.python_frame_hex, 'hex')), { modelId: c.model_id });
  const frameDecoded = c.symbols.map((_, t) => fdec.decodeStep(row(t), dtype));
  fdec.free();
  return { hex, decoded, frameHex, frameDecoded };
});
process.stdout.write(JSON.stringify(out));
