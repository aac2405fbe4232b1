// Compiled by test/js/types.test.mjs with tsconfig.node.json (lib ES2022 only: no DOM, no
// Node types) and tsconfig.dom.json (lib ES2022 + DOM), strict, skipLibCheck false: the
// package's declarations need neither, and the calls the runtime refuses do not compile.
import {
  DistributionCoder,
  DistributionCoderError,
  FramedDecoder,
  FramedEncoder,
  crc32,
  init,
  version,
} from 'distribution-coder';

const enc = new DistributionCoder({ format: 'default' });
enc.encodeStep([0.25, 0.75], 1);
enc.encodeStep(new Float32Array([0.25, 0.75]), 1);
enc.encodeStep(new Float64Array([0.25, 0.75]), 1, 'f64');
enc.encodeStep(new Uint16Array([0x3c00, 0x3c00]), 1, 'f16');
const view: Float64Array = enc.distributionView(2, 'f64');
enc.encodeStep(view, 0);
const bytes: Uint8Array<ArrayBuffer> = enc.finishEncoding();
enc.free();

// @ts-expect-error an Int32Array is refused at run time
enc.encodeStep(new Int32Array([1, 3]), 1);
// @ts-expect-error a Uint8Array is refused at run time
enc.encodeStep(new Uint8Array([1, 3]), 1);
// @ts-expect-error a Uint16Array needs dtype 'f16' or 'bf16'
enc.encodeStep(new Uint16Array([1, 3]), 1);
// @ts-expect-error a Float32Array with dtype 'f64'
enc.encodeStep(new Float32Array([1, 3]), 1, 'f64');
// @ts-expect-error not an option
new DistributionCoder({ tolerence: 1e-5 });
const lg = new DistributionCoder({ input: 'logits', temperature: 0.7 });
const lgInput: 'probabilities' | 'logits' = lg.input;
const lgTemp: number = lg.temperature;
void lgInput;
void lgTemp;
// @ts-expect-error input is 'probabilities' or 'logits'
new DistributionCoder({ input: 'logit' });
const lfe = new FramedEncoder({ input: 'logits', temperature: 2 });
void lfe.temperature;
// @ts-expect-error a URL string is not a module source
void init('x.wasm');

const fe = new FramedEncoder({ modelId: 'm', stepsPerChunk: 16 });
fe.encodeStep([0.5, 0.5], 0);
const file: Uint8Array<ArrayBuffer> = fe.finish();
const dec = new FramedDecoder(file, { modelId: 'm' });
export const results: unknown[] = [];
try {
  const s: number = dec.decodeStep(dec.distributionView(2));
  results.push(s, version(), crc32(bytes), FramedDecoder.inspect(file).steps);
} catch (e) {
  if (e instanceof DistributionCoderError) {
    const where: (number | null | undefined)[] = [
      e.chunk,
      e.firstStep,
      e.endStep,
      e.step,
      e.offset,
    ];
    const code: number = e.code;
    const name: string = e.codeName;
    results.push(code, name, where);
  }
} finally {
  dec.free();
}

// Streaming frames: an incremental decoder's header fields may be null; the encoder's pieces
// are Bytes.
const sd = new FramedDecoder({ modelId: 'm' });
sd.push(file);
sd.end();
const known: number | null = sd.steps;
// @ts-expect-error null while the step count is unknown
const sure: number = sd.steps;
const wholeSteps: number = dec.steps;
const fs = new FramedEncoder({ streaming: true, onChunk: (b: Uint8Array<ArrayBuffer>) => void b });
const piece: Uint8Array<ArrayBuffer> = fs.take();
// @ts-expect-error a whole-container decoder has no push()
dec.push(file);
export async function pump(src: AsyncIterable<Uint8Array>): Promise<number> {
  let last = 0;
  for await (const available of sd.feed(src)) last = available + sd.availableSteps;
  return last;
}
results.push(known, sure, wholeSteps, piece, fs.readable);
