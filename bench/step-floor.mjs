#!/usr/bin/env node
// bench/step-floor.mjs [vocab] [dtype] - where the time of a small-vocabulary step goes
// (issue #13 point 3), in the raw bench module (build-bench-wasm/, built by npm run bench):
// N JS calls of one encode/decode step versus N steps inside one call
// (dc_bench_encode_loop), beside the kernel alone, the read limit and an empty call.
// CPU ns per step, the least of interleaved rounds.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const n = Number(process.argv[2] || 256);
const dtype = process.argv[3] || 'f32';
const code = { f32: 0, f64: 1, f16: 2, bf16: 3 }[dtype];
const esize = [4, 8, 2, 2][code];
const files = (
  process.env.DC_BENCH_WASM || join(root, 'build-bench-wasm/bench/distribution_coder_bench.wasm')
).split(',');
const scale = Number(process.env.SCALE || 1); // e.g. 2e4: counts-like values
const STEPS = Number(process.env.STEPS || 20000);
let seed;
let sink = 0;
async function setup(wasmFile) {
  const { instance } = await WebAssembly.instantiate(readFileSync(wasmFile), {
    env: { emscripten_notify_memory_growth() {} },
  });
  const x = instance.exports;
  if (typeof x._initialize === 'function') x._initialize();

  seed = 7;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const p = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) s += p[i] = Math.exp(-8 * rand());
  for (let i = 0; i < n; i++) p[i] /= s;
  const dist = x.malloc(n * esize);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  const toHalf = (v) => {
    // f16 bits by way of f32 (round toward zero: fine for a benchmark input)
    f32[0] = v;
    const b = u32[0];
    const e = ((b >>> 23) & 255) - 127 + 15;
    if (e <= 0) return 0;
    return (e << 10) | ((b >>> 13) & 1023);
  };
  {
    const m = x.memory.buffer;
    for (let i = 0; i < n; i++) {
      const v = p[i] * scale;
      if (code === 0) new Float32Array(m, dist, n)[i] = v;
      else if (code === 1) new Float64Array(m, dist, n)[i] = v;
      else if (code === 2) new Uint16Array(m, dist, n)[i] = toHalf(v);
      else {
        f32[0] = v;
        new Uint16Array(m, dist, n)[i] = u32[0] >>> 16;
      }
    }
  }
  const syms = x.malloc(STEPS * 4);
  const symArr = new Uint32Array(x.memory.buffer, syms, STEPS);
  const symU32 = [];
  for (let t = 0; t < STEPS; t++) symArr[t] = symU32[t] = Math.floor(rand() * n);
  const outp = x.malloc(8);
  x.dc_coder_create(0, 0, outp);
  const c = new Uint32Array(x.memory.buffer, outp, 1)[0];
  x.dc_coder_reserve_output(c, STEPS * 8 + 64);
  const fin = x.malloc(16);
  function encodeBytes() {
    x.dc_coder_reset(c);
    if (x.dc_bench_encode_loop(c, dist, code, n, syms, STEPS) !== 0) throw new Error('encode');
    x.dc_coder_finish_encoding(c, fin, fin + 4);
    const v = new Uint32Array(x.memory.buffer, fin, 2);
    return new Uint8Array(x.memory.buffer, v[0], v[1]).slice();
  }
  const bytes = encodeBytes();
  const inp = x.malloc(bytes.length);
  new Uint8Array(x.memory.buffer, inp, bytes.length).set(bytes);
  x.dc_coder_start_decoding(c, inp, bytes.length);
  let h = 0;
  for (const sym of symU32) h = (Math.imul(h, 31) + sym) >>> 0;
  if (x.dc_bench_decode_loop(c, dist, code, n, STEPS) >>> 0 !== h)
    throw new Error('decode differs');
  return [
    [
      'empty call',
      (k) => {
        for (let t = 0; t < k; t++) sink += x.dc_dtype_size(0);
      },
    ],
    [
      'read limit',
      (k) => {
        for (let t = 0; t < k; t++) sink += x.dc_bench_read_limit(dist, n * esize);
      },
    ],
    [
      'kernel sum32',
      (k) => {
        for (let t = 0; t < k; t++) sink += x.dc_bench_kernel_sum(dist, code, n);
      },
    ],
    [
      '2 kernels: 1 call',
      (k) => {
        sink += x.dc_bench_split_loop(dist, code, n, syms, k);
      },
    ],
    [
      'enc: N calls',
      (k) => {
        x.dc_coder_reset(c);
        for (let t = 0; t < k; t++) sink += x.dc_coder_encode_step(c, dist, code, n, symU32[t]);
      },
    ],
    [
      'enc: 1 call',
      (k) => {
        x.dc_coder_reset(c);
        sink += x.dc_bench_encode_loop(c, dist, code, n, syms, k);
      },
    ],
    [
      'dec: N calls',
      (k) => {
        x.dc_coder_start_decoding(c, inp, bytes.length);
        for (let t = 0; t < k; t++) sink += x.dc_coder_decode_step(c, dist, code, n, fin);
      },
    ],
    [
      'dec: 1 call',
      (k) => {
        x.dc_coder_start_decoding(c, inp, bytes.length);
        sink += x.dc_bench_decode_loop(c, dist, code, n, k);
      },
    ],
  ];
}
const rounds = Number(process.env.ROUNDS || 15);
const sets = [];
for (const [m, f] of files.entries())
  for (const [name, fn] of await setup(f))
    sets.push([files.length > 1 ? `${name} [${m}]` : name, fn]);
const best = {};
for (const [, fn] of sets) fn(STEPS); // warm-up
for (let r = 0; r < rounds; r++)
  for (const [name, fn] of sets) {
    const t0 = process.cpuUsage();
    fn(STEPS);
    const t = process.cpuUsage(t0);
    const ns = ((t.user + t.system) * 1000) / STEPS;
    best[name] = Math.min(best[name] ?? Infinity, ns);
  }
console.log(
  `vocab ${n} ${dtype} scale ${scale}, ${STEPS} steps x ${rounds} rounds, CPU ns per step (least):`,
);
for (const [m, f] of files.entries()) if (files.length > 1) console.log(`  [${m}] ${f}`);
for (const [name] of sets) console.log(`  ${name.padEnd(22)} ${best[name].toFixed(0).padStart(7)}`);
if (sink === 0.5) console.log('');
