#!/usr/bin/env node
// bench/bench.mjs - `npm run bench`: speed of the wasm module in Node against, in the same
// run: (a) the read limit, a plain SIMD sum of the same buffer in the same module build
// (bench/read_limit.c); (b) the same build without wasm SIMD; (c) a plain-JS arithmetic
// coder written the usual way (bench/baseline-js-coder.mjs); (d) the python-0.1 format in
// our module. Also the JS call overhead per step, copying a distribution in versus writing
// it in place (distributionView), batch versus step-wise, a subnormal-heavy input, and the
// native build (bench/bench_native.c) when a C compiler and CMake are available.
//
// Builds what it needs (Emscripten + CMake: build-bench-wasm/, build-bench-wasm-nosimd/,
// build-bench-native/) and writes bench/results/latest.{json,md} (quick runs: quick.*).
//   npm run bench              full run (a few minutes)
//   npm run bench -- --quick   fewer steps, for a smoke test
//   npm run bench -- --no-build  use the existing build directories
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BaselineDecoder, BaselineEncoder } from './baseline-js-coder.mjs';
import { classesMarkdown, measureClasses } from './classes.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const NO_BUILD = args.includes('--no-build');
const READ_TARGET = QUICK ? 3e6 : 64e6; // distribution bytes read per measurement
const REPS = QUICK ? 2 : 5;

const VOCABS = [256, 32000, 50257, 151936, 256000];
const DTYPES = ['f32', 'bf16', 'f16', 'f64'];
const DTYPE_CODE = { f32: 0, f64: 1, f16: 2, bf16: 3 };
const DTYPE_SIZE = { f32: 4, f64: 8, f16: 2, bf16: 2 };

// ------------------------------------------------------------------------------ build

const env = { ...process.env };
if (!env.NODE_PATH) env.NODE_PATH = '/usr/share/nodejs'; // Debian's emcc needs it

function run(cmd, argv, quiet = true) {
  const r = spawnSync(cmd, argv, {
    cwd: root,
    env,
    stdio: quiet ? 'pipe' : 'inherit',
    encoding: 'utf8',
  });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : `${r.stdout || ''}${r.stderr || ''}`.slice(-2000);
    throw new Error(`${cmd} ${argv.join(' ')} failed: ${why}`);
  }
}

function buildWasm(dir, simd) {
  const out = join(root, dir, 'bench', 'distribution_coder_bench.wasm');
  if (!NO_BUILD) {
    console.error(`building ${dir} (wasm SIMD ${simd}) ...`);
    run('emcmake', [
      'cmake',
      '-S',
      '.',
      '-B',
      dir,
      `-DDC_WASM_SIMD=${simd}`,
      '-DCMAKE_BUILD_TYPE=Release',
    ]);
    run('cmake', [
      '--build',
      dir,
      '--target',
      'distribution_coder_bench_wasm_opt',
      '-j',
      process.env.DC_BUILD_JOBS || '2',
    ]);
  }
  return readFileSync(out);
}

function runNative() {
  const dir = 'build-bench-native';
  const json = join(root, dir, 'bench-native.json');
  try {
    if (!NO_BUILD) {
      console.error(`building ${dir} (native) ...`);
      run('cmake', ['-S', '.', '-B', dir, '-DCMAKE_BUILD_TYPE=Release', '-DDC_BUILD_TESTS=OFF']);
      run('cmake', [
        '--build',
        dir,
        '--target',
        'bench_native',
        '-j',
        process.env.DC_BUILD_JOBS || '2',
      ]);
    }
    console.error('running the native bench ...');
    run(join(root, dir, 'bench', 'bench_native'), [json]);
    return JSON.parse(readFileSync(json, 'utf8'));
  } catch (e) {
    console.error(`native bench skipped: ${e.message.split('\n')[0]}`);
    return null;
  }
}

// ------------------------------------------------------------------------------ inputs

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gauss(rand) {
  return Math.sqrt(-2 * Math.log(rand() + 1e-300)) * Math.cos(2 * Math.PI * rand());
}

/** Softmax of Zipf-like logits at shuffled positions (an LLM's next-token distribution). */
function zipfSoftmax(n, rand) {
  const p = new Float64Array(n);
  let mx = -Infinity;
  for (let i = 0; i < n; i++) {
    p[i] = -1.1 * Math.log(1 + Math.floor(rand() * n)) + 0.5 * gauss(rand);
    if (p[i] > mx) mx = p[i];
  }
  let s = 0;
  for (let i = 0; i < n; i++) s += p[i] = Math.exp(p[i] - mx);
  for (let i = 0; i < n; i++) p[i] /= s;
  return p;
}

/** Very peaked (a confident model): three tokens hold the mass, every other f32 element is
    subnormal (2^-148 .. 2^-126). */
function subnormalHeavy(n, rand) {
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) p[i] = (1 + rand()) * 2 ** (-127 - Math.floor(rand() * 22));
  const a = Math.floor(rand() * n);
  p[a] = 0.5;
  p[(a + 1 + Math.floor(rand() * (n - 1))) % n] = 0.3;
  p[(a + (n >> 1)) % n] = 0.199;
  return p;
}

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

function toBf16(x) {
  f32buf[0] = x;
  const b = u32buf[0];
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

function toF16(x) {
  // positive finite values below 1, round to nearest even
  f32buf[0] = x;
  const b = u32buf[0];
  if (b === 0) return 0;
  const e = (b >>> 23) - 127 + 15;
  const m = (b & 0x7fffff) | 0x800000;
  const shift = e >= 1 ? 13 : 14 - e;
  if (shift > 24) return 0;
  let h = Math.floor(m / 2 ** shift);
  const rem = m - h * 2 ** shift;
  const half = 2 ** (shift - 1);
  if (rem > half || (rem === half && h & 1)) h++;
  if (e >= 1) return ((e << 10) + h - 1024) & 0xffff; // h in [1024, 2048]: carries into e
  return h;
}

function asDtype(p, dtype) {
  const n = p.length;
  if (dtype === 'f32') return Float32Array.from(p);
  if (dtype === 'f64') return Float64Array.from(p);
  const u = new Uint16Array(n);
  for (let i = 0; i < n; i++) u[i] = dtype === 'bf16' ? toBf16(p[i]) : toF16(p[i]);
  return u;
}

function drawSymbols(p, count, rand) {
  const n = p.length;
  const cdf = new Float64Array(n);
  let c = 0;
  for (let i = 0; i < n; i++) cdf[i] = c += p[i];
  const syms = new Uint32Array(count);
  let bits = 0;
  for (let t = 0; t < count; t++) {
    const x = rand() * c;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    syms[t] = lo;
    bits -= Math.log2(p[lo]);
  }
  return { syms, idealBytes: bits / 8 };
}

// ------------------------------------------------------------------------------ timing

/** Best ns per step of fn(steps) over REPS runs, after a short warm-up. */
function nsPerStep(fn, steps) {
  return interleaved([['x', fn, steps]]).x;
}

/** Several measurements [name, fn, steps] run round-robin (warm-up, then REPS rounds of
    one timed run each), best ns per step of each: a load spike on the shared machine
    hits all of them, and the ratios between them stay meaningful. */
function interleaved(list) {
  for (const [, fn, steps] of list) fn(Math.min(steps, Math.max(20, Math.round(steps / 5))));
  const best = {};
  for (let r = 0; r < REPS; r++) {
    for (const [name, fn, steps] of list) {
      const t0 = process.hrtime.bigint();
      fn(steps);
      const ns = Number(process.hrtime.bigint() - t0) / steps;
      if (!(ns >= best[name])) best[name] = ns;
    }
  }
  return best;
}

function stepsFor(bytes, min = 40, max = 40000) {
  return Math.max(min, Math.min(max, Math.round(READ_TARGET / bytes)));
}

// ------------------------------------------------------------------------------ measurements

async function rawModule(bytes) {
  const { instance } = await WebAssembly.instantiate(bytes, {
    env: { emscripten_notify_memory_growth() {} },
  });
  const x = instance.exports;
  if (typeof x._initialize === 'function') x._initialize();
  return x;
}

/** Read limit and kernel-only timers, in the raw instance of the same module build. */
function rawFns(x, dist, dtype, steps) {
  const bytes = dist.byteLength;
  const p = x.malloc(bytes);
  new Uint8Array(x.memory.buffer, p, bytes).set(
    new Uint8Array(dist.buffer, dist.byteOffset, bytes),
  );
  const code = DTYPE_CODE[dtype];
  const n = dist.length;
  let sink = 0;
  return {
    fns: [
      [
        'read',
        (k) => {
          for (let t = 0; t < k; t++) sink += x.dc_bench_read_limit(p, bytes);
        },
        steps,
      ],
      [
        'kernel',
        (k) => {
          for (let t = 0; t < k; t++) sink += x.dc_bench_kernel_sum(p, code, n);
        },
        steps,
      ],
    ],
    done() {
      x.free(p);
      return sink;
    },
  };
}

/** Encode and decode timers through the JS wrapper (the module given to init last), zero
    copy; done() checks the round trips and frees the coders. */
function coderFns(format, dist, dtype, syms, steps) {
  const n = dist.length;
  const c = new DistributionCoder({ format });
  const cw = new DistributionCoder({ format });
  c.reserveOutput(steps * 8 + 1024);
  cw.reserveOutput(steps * 8 + 1024);
  c.distributionView(n, dtype).set(dist); // both may grow the memory: views made after
  cw.distributionView(n, dtype).set(dist);
  let view = c.distributionView(n, dtype);
  let wview = cw.distributionView(n, dtype);
  // the streams the decode timers read: typical symbols, and the worst case (every symbol
  // the last one: search to the last block, scan all of it)
  for (let t = 0; t < steps; t++) c.encodeStep(view, syms[t], dtype);
  const bytes = c.finishEncoding();
  const w = Math.min(steps, 4000);
  for (let t = 0; t < w; t++) cw.encodeStep(wview, n - 1, dtype);
  const wbytes = cw.finishEncoding();
  view = c.distributionView(n, dtype);
  let bad = 0;
  return {
    fns: [
      [
        'enc',
        (k) => {
          c.reset();
          view = c.distributionView(n, dtype);
          for (let t = 0; t < k; t++) c.encodeStep(view, syms[t], dtype);
        },
        steps,
      ],
      [
        'dec',
        (k) => {
          c.startDecoding(bytes);
          view = c.distributionView(n, dtype); // the same bytes; a new view if memory grew
          for (let t = 0; t < k; t++) if (c.decodeStep(view, dtype) !== syms[t]) bad++;
        },
        steps,
      ],
      [
        'worst',
        (k) => {
          cw.startDecoding(wbytes);
          wview = cw.distributionView(n, dtype);
          for (let t = 0; t < k; t++) if (cw.decodeStep(wview, dtype) !== n - 1) bad++;
        },
        w,
      ],
    ],
    bytesOut: bytes.length,
    done() {
      c.free();
      cw.free();
      if (bad) throw new Error(`${format} ${dtype} vocab ${n}: decoded symbols differ`);
    },
  };
}

function measureCoder(format, dist, dtype, syms, steps) {
  const m = coderFns(format, dist, dtype, syms, steps);
  try {
    const r = interleaved(m.fns);
    return { enc: r.enc, dec: r.dec, worst: r.worst, bytesOut: m.bytesOut };
  } finally {
    m.done();
  }
}

/** Timers of the plain-JS coder on the f32 values; done() checks its round trip. */
function baselineFns(f32dist, syms, steps) {
  const e0 = new BaselineEncoder();
  for (let t = 0; t < steps; t++) e0.encode(f32dist, syms[t]);
  const bytes = e0.finish();
  let bad = 0;
  return {
    fns: [
      [
        'baseEnc',
        (k) => {
          const e = new BaselineEncoder();
          for (let t = 0; t < k; t++) e.encode(f32dist, syms[t]);
          e.finish();
        },
        steps,
      ],
      [
        'baseDec',
        (k) => {
          const d = new BaselineDecoder(bytes);
          for (let t = 0; t < k; t++) if (d.decode(f32dist) !== syms[t]) bad++;
        },
        steps,
      ],
    ],
    bytesOut: bytes.length,
    done() {
      if (bad) throw new Error('baseline JS coder did not round-trip');
    },
  };
}

/** JS call overhead, copy-in versus in place, batch versus step-wise (f32). The variants
    run interleaved, best of 3 rounds each, so a busy machine biases none of them. */
function measureBoundary(p, rand) {
  const n = p.length;
  const dist = Float32Array.from(p);
  const B = 16; // rows per batch (a 16 x vocab matrix)
  const steps = stepsFor(n * 4, 256, 40000);
  const syms = drawSymbols(p, steps, rand).syms;
  const bsyms = Array.from(syms.subarray(0, B));
  const batches = Math.max(4, Math.round(steps / B));
  const c = new DistributionCoder();
  try {
    c.reserveOutput(steps * 8 + 1024);
    const matrix = new Float32Array(B * n);
    for (let r = 0; r < B; r++) matrix.set(dist, r * n);
    const best = {};
    const keep = (k, v) => {
      best[k] = Math.min(best[k] ?? Infinity, v);
    };
    for (let round = 0; round < 3; round++) {
      let view = c.distributionView(n, 'f32');
      view.set(dist);
      keep(
        'inPlace',
        nsPerStep((k) => {
          c.reset();
          for (let t = 0; t < k; t++) c.encodeStep(view, syms[t]);
        }, steps),
      );
      keep(
        'copyIn',
        nsPerStep((k) => {
          c.reset();
          for (let t = 0; t < k; t++) c.encodeStep(dist, syms[t]);
        }, steps),
      );
      view = c.distributionView(n, 'f32');
      keep(
        'writeThenEncode',
        nsPerStep((k) => {
          c.reset();
          for (let t = 0; t < k; t++) {
            view.set(dist);
            c.encodeStep(view, syms[t]);
          }
        }, steps),
      );
      keep(
        'batchCopy',
        nsPerStep((k) => {
          c.reset();
          for (let b = 0; b < k; b++) c.encodeSteps(matrix, bsyms, { vocab: n, dtype: 'f32' });
        }, batches) / B,
      );
      const mview = c.distributionView(B * n, 'f32');
      mview.set(matrix);
      keep(
        'batchInPlace',
        nsPerStep((k) => {
          c.reset();
          for (let b = 0; b < k; b++) c.encodeSteps(mview, bsyms, { vocab: n, dtype: 'f32' });
        }, batches) / B,
      );
    }
    return {
      vocab: n,
      batch_rows: B,
      encode_in_place_ns: best.inPlace,
      encode_copy_in_ns: best.copyIn,
      encode_write_view_then_encode_ns: best.writeThenEncode,
      batch_copy_in_ns_per_step: best.batchCopy,
      batch_in_place_ns_per_step: best.batchInPlace,
      js_call_overhead_ns: best.inPlace - best.batchInPlace,
    };
  } finally {
    c.free();
  }
}

// ------------------------------------------------------------------------------ main

const fmt = (x, d = 0) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(d));

let DistributionCoder;
let init;

async function main() {
  const t0 = Date.now();
  // js/index.js imports dist/wasm-inline.js, which `npm run build` writes (not in git)
  if (!existsSync(join(root, 'dist', 'wasm-inline.js'))) {
    console.error('dist/wasm-inline.js missing: running npm run build ...');
    run('node', ['scripts/build-wasm.mjs']);
  }
  ({ DistributionCoder, init } = await import('../js/index.js'));
  const simdBytes = buildWasm('build-bench-wasm', 'ON');
  const plainBytes = buildWasm('build-bench-wasm-nosimd', 'OFF');
  const rawSimd = await rawModule(simdBytes);
  const rawPlain = await rawModule(plainBytes);

  // inputs: one distribution per (vocab, input), symbols drawn from it
  const cases = [];
  for (const n of VOCABS) {
    const rand = rng(n * 7919 + 1);
    const p = zipfSoftmax(n, rand);
    for (const dtype of DTYPES) cases.push({ n, dtype, input: 'zipf', p, rand });
    if (n === 50257)
      cases.push({ n, dtype: 'f32', input: 'subnormal-heavy', p: subnormalHeavy(n, rand), rand });
  }
  for (const cs of cases) {
    cs.dist = asDtype(cs.p, cs.dtype);
    cs.steps = stepsFor(cs.n * DTYPE_SIZE[cs.dtype]);
    const d = drawSymbols(cs.p, cs.steps, cs.rand);
    cs.syms = d.syms;
    cs.idealBytes = d.idealBytes;
  }

  const rows = [];
  await init(simdBytes);
  console.error('wasm SIMD (with the plain-JS coder interleaved) ...');
  // Warm-up, discarded: V8 first runs wasm with its baseline compiler and tiers hot
  // functions up to the optimizing one after a while (as it does for users' code too).
  const warmUntil = Date.now() + (QUICK ? 300 : 1500);
  while (Date.now() < warmUntil) {
    for (const cs of cases.slice(0, 4)) {
      const m = coderFns('default', cs.dist, cs.dtype, cs.syms, Math.min(cs.steps, 2000));
      const raw = rawFns(rawSimd, cs.dist, cs.dtype, 2000);
      for (const [, fn, steps] of [...m.fns, ...raw.fns]) fn(steps);
      m.done();
      raw.done();
    }
  }
  const baseline = new Map();
  for (const cs of cases) {
    const m = coderFns('default', cs.dist, cs.dtype, cs.syms, cs.steps);
    const raw = rawFns(rawSimd, cs.dist, cs.dtype, cs.steps);
    // the plain-JS coder (on the f32 values) runs interleaved with the f32 rows
    const base =
      cs.dtype === 'f32'
        ? baselineFns(Float32Array.from(cs.p), cs.syms, Math.max(10, Math.round(cs.steps / 20)))
        : null;
    const r = interleaved([...m.fns, ...raw.fns, ...(base ? base.fns : [])]);
    m.done();
    raw.done();
    if (base) {
      base.done();
      baseline.set(`${cs.n}/${cs.input}`, {
        enc: r.baseEnc,
        dec: r.baseDec,
        bytesOut: base.bytesOut,
      });
    }
    rows.push({
      vocab: cs.n,
      dtype: cs.dtype,
      input: cs.input,
      steps: cs.steps,
      encode_ns: r.enc,
      decode_ns: r.dec,
      decode_worst_ns: r.worst,
      read_limit_ns: r.read,
      kernel_ns: r.kernel,
      gb_per_s: (cs.n * DTYPE_SIZE[cs.dtype]) / r.enc,
      bytes_out: m.bytesOut,
      ideal_bytes: cs.idealBytes,
    });
  }
  console.error('python-0.1 format ...');
  for (const [i, cs] of cases.entries()) {
    try {
      const steps = Math.max(20, Math.round(cs.steps / 4));
      const m = measureCoder('python-0.1', cs.dist, cs.dtype, cs.syms, steps);
      rows[i].py01_encode_ns = m.enc;
      rows[i].py01_decode_ns = m.dec;
    } catch (e) {
      rows[i].py01_encode_ns = null;
      rows[i].py01_note = e.message.split('\n')[0];
    }
  }
  console.error('boundary (call overhead, copies, batches) ...');
  const boundary = [256, 50257].map((n) => {
    const cs = cases.find((c) => c.n === n && c.dtype === 'f32' && c.input === 'zipf');
    return measureBoundary(cs.p, cs.rand);
  });

  console.error('wasm without SIMD ...');
  await init(plainBytes);
  for (const [i, cs] of cases.entries()) {
    const steps = Math.max(20, Math.round(cs.steps / 4));
    const m = measureCoder('default', cs.dist, cs.dtype, cs.syms, steps);
    rows[i].nosimd_encode_ns = m.enc;
    rows[i].nosimd_decode_ns = m.dec;
    const raw = rawFns(rawPlain, cs.dist, cs.dtype, steps);
    rows[i].nosimd_read_limit_ns = interleaved(raw.fns).read;
    raw.done();
  }
  await init(simdBytes);

  for (const r of rows) {
    const b = baseline.get(`${r.vocab}/${r.input}`);
    r.baseline_encode_ns = b.enc; // the JS coder reads the same distribution as f32
    r.baseline_decode_ns = b.dec;
    r.baseline_bytes_out_f32 = b.bytesOut;
  }

  console.error('input classes (bench/classes.mjs) ...');
  const classes = measureClasses(DistributionCoder, rawSimd, {
    quick: QUICK,
    log: (x) => console.error(x),
  });

  const native = runNative();

  // ---------------------------------------------------------------------- targets
  const row = (n, dtype, input = 'zipf') =>
    rows.find((r) => r.vocab === n && r.dtype === dtype && r.input === input);
  const r50 = row(50257, 'f32');
  const sub = row(50257, 'f32', 'subnormal-heavy');
  const r256 = row(256, 'f32');
  const targets = [];
  const target = (name, value, limit, better = 'lower') => {
    targets.push({ name, value, limit, met: better === 'lower' ? value <= limit : value >= limit });
  };
  target(
    'vocab 50257 f32 wasm SIMD encode / read limit (<= 4; moonshot 2)',
    r50.encode_ns / r50.read_limit_ns,
    4,
  );
  target(
    'vocab 50257 f32 wasm SIMD decode / read limit (<= 4; moonshot 2)',
    r50.decode_ns / r50.read_limit_ns,
    4,
  );
  for (const dt of ['bf16', 'f16']) {
    const r = row(50257, dt);
    target(`vocab 50257 ${dt} encode / read limit (<= 5)`, r.encode_ns / r.read_limit_ns, 5);
    target(`vocab 50257 ${dt} decode / read limit (<= 5)`, r.decode_ns / r.read_limit_ns, 5);
  }
  target(
    'vocab 50257 f32: plain-JS baseline encode / ours (>= 30)',
    r50.baseline_encode_ns / r50.encode_ns,
    30,
    'higher',
  );
  target(
    'vocab 50257 f32: plain-JS baseline decode / ours (>= 30)',
    r50.baseline_decode_ns / r50.decode_ns,
    30,
    'higher',
  );
  target('vocab 256 f32 encode ns per step incl. the JS call (< 150)', r256.encode_ns, 150);
  target('vocab 256 f32 decode ns per step incl. the JS call (< 150)', r256.decode_ns, 150);
  target(
    'subnormal-heavy / ordinary, vocab 50257 f32 encode (<= 1.3)',
    sub.encode_ns / r50.encode_ns,
    1.3,
  );
  target(
    'subnormal-heavy / ordinary, vocab 50257 f32 decode (<= 1.3)',
    sub.decode_ns / r50.decode_ns,
    1.3,
  );
  if (native) {
    const nr = native.rows.find(
      (r) => r.vocab === 50257 && r.dtype === 'f32' && r.input === 'zipf',
    );
    target(
      `native ${native.kernels} vocab 50257 f32 encode / native read limit (<= 2.5)`,
      nr.encode_ns / nr.read_limit_ns,
      2.5,
    );
    target(
      `native ${native.kernels} vocab 50257 f32 decode / native read limit (<= 2.5)`,
      nr.decode_ns / nr.read_limit_ns,
      2.5,
    );
  }

  // ---------------------------------------------------------------------- output
  const machine = {
    cpu: os.cpus()[0]?.model || 'unknown',
    cores: os.cpus().length,
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.arch()}`,
    loadavg_at_start: os.loadavg()[0],
  };
  const result = {
    date: new Date().toISOString(),
    machine,
    quick: QUICK,
    seconds: (Date.now() - t0) / 1000,
    rows,
    boundary,
    targets,
    native,
    classes,
  };
  const md = [];
  md.push(
    `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node} (V8 ${machine.v8}), ${machine.platform}; ${result.date}${QUICK ? ' (quick run)' : ''}.`,
  );
  md.push('');
  // the summary the README's Performance section shows
  md.push(
    'Summary (wasm SIMD in Node through the JS API; ns per step; x = times the time of the read limit, a plain SIMD sum of the same buffer in the same module):',
  );
  md.push('');
  md.push(
    '| vocab | dtype | encode | decode | x read limit (enc / dec) | faster than plain JS (enc / dec) | faster than no-SIMD build (enc) |' +
      (native ? ` native ${native.kernels} x read limit (enc / dec) |` : ''),
  );
  md.push('|---:|---|---:|---:|---:|---:|---:|' + (native ? '---:|' : ''));
  for (const [n, dt, input] of [
    [256, 'f32', 'zipf'],
    [50257, 'f32', 'zipf'],
    [50257, 'bf16', 'zipf'],
    [50257, 'f16', 'zipf'],
    [50257, 'f64', 'zipf'],
    [50257, 'f32', 'subnormal-heavy'],
    [151936, 'f32', 'zipf'],
    [256000, 'bf16', 'zipf'],
  ]) {
    const r = row(n, dt, input);
    const nr =
      native && native.rows.find((x) => x.vocab === n && x.dtype === dt && x.input === input);
    md.push(
      `| ${n} | ${dt}${input === 'zipf' ? '' : ` (${input})`} | ${fmt(r.encode_ns)} | ${fmt(r.decode_ns)} | ` +
        `${fmt(r.encode_ns / r.read_limit_ns, 1)} / ${fmt(r.decode_ns / r.read_limit_ns, 1)} | ` +
        `${fmt(r.baseline_encode_ns / r.encode_ns, 0)}x / ${fmt(r.baseline_decode_ns / r.decode_ns, 0)}x | ${fmt(r.nosimd_encode_ns / r.encode_ns, 1)}x |` +
        (native
          ? ` ${nr ? `${fmt(nr.encode_ns / nr.read_limit_ns, 1)} / ${fmt(nr.decode_ns / nr.read_limit_ns, 1)}` : 'n/a'} |`
          : ''),
    );
  }
  md.push('');
  md.push(
    'Full table. ns per step through the JS API, distribution written in place (`distributionView`). ' +
      'read = a plain wasm SIMD sum of the same buffer in the same module build (the read limit); ' +
      'no-SIMD = the same build without wasm SIMD; plain JS = bench/baseline-js-coder.mjs (on the f32 values); ' +
      'python-0.1 = that format in our module.',
  );
  md.push('');
  md.push(
    '| vocab | dtype | input | encode | decode | decode worst | read | enc/read | dec/read | GB/s | no-SIMD enc x | plain JS enc x | plain JS dec x | python-0.1 enc | bytes/ideal |',
  );
  md.push('|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    md.push(
      `| ${r.vocab} | ${r.dtype} | ${r.input} | ${fmt(r.encode_ns)} | ${fmt(r.decode_ns)} | ${fmt(r.decode_worst_ns)} | ${fmt(r.read_limit_ns)} | ` +
        `${fmt(r.encode_ns / r.read_limit_ns, 2)} | ${fmt(r.decode_ns / r.read_limit_ns, 2)} | ${fmt(r.gb_per_s, 1)} | ` +
        `${fmt(r.nosimd_encode_ns / r.encode_ns, 1)} | ${fmt(r.baseline_encode_ns / r.encode_ns, 0)} | ${fmt(r.baseline_decode_ns / r.decode_ns, 0)} | ` +
        `${r.py01_encode_ns ? fmt(r.py01_encode_ns) : 'n/a'} | ${fmt(r.bytes_out / r.ideal_bytes, 4)} |`,
    );
  }
  md.push('');
  md.push('JS boundary (f32, ns per step):');
  md.push('');
  md.push(
    '| vocab | step, in place (view) | step, copy-in (Float32Array) | step, view.set + encode | batch of 16 rows, copy-in | batch of 16 rows, in place | JS call overhead (step - batch, in place) |',
  );
  md.push('|---:|---:|---:|---:|---:|---:|---:|');
  for (const b of boundary) {
    md.push(
      `| ${b.vocab} | ${fmt(b.encode_in_place_ns)} | ${fmt(b.encode_copy_in_ns)} | ${fmt(b.encode_write_view_then_encode_ns)} | ` +
        `${fmt(b.batch_copy_in_ns_per_step)} | ${fmt(b.batch_in_place_ns_per_step)} | ${fmt(b.js_call_overhead_ns)} |`,
    );
  }
  if (native) {
    md.push('');
    md.push(
      `Native (${native.kernels}, bench/bench_native.c, C API, ns per step; read = a plain ${native.kernels} sum of the same buffer):`,
    );
    md.push('');
    md.push(
      '| vocab | dtype | input | encode | decode | decode worst | read | enc/read | dec/read | scalar kernel x |',
    );
    md.push('|---:|---|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of native.rows) {
      md.push(
        `| ${r.vocab} | ${r.dtype} | ${r.input} | ${fmt(r.encode_ns)} | ${fmt(r.decode_ns)} | ${fmt(r.decode_worst_ns)} | ${fmt(r.read_limit_ns)} | ` +
          `${fmt(r.encode_ns / r.read_limit_ns, 2)} | ${fmt(r.decode_ns / r.read_limit_ns, 2)} | ${fmt(r.scalar_kernel_ns / r.kernel_ns, 1)} |`,
      );
    }
  }
  md.push('');
  md.push(
    'Input classes (wasm SIMD, in place; each class: time / time of the normalised fast path, encode / decode):',
  );
  md.push('');
  md.push(classesMarkdown(classes));
  md.push('');
  md.push('Targets:');
  md.push('');
  for (const t of targets) md.push(`- ${t.met ? 'met' : 'NOT met'}: ${t.name}: ${fmt(t.value, 2)}`);
  md.push('');
  const text = md.join('\n');
  console.log(text);
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const base = QUICK ? 'quick' : 'latest'; // a quick run never replaces the full results
  writeFileSync(join(dir, `${base}.json`), JSON.stringify(result, null, 1) + '\n');
  writeFileSync(
    join(dir, `${base}.md`),
    `# Benchmark results (npm run bench${QUICK ? ' -- --quick' : ''})\n\n${text}`,
  );
  console.error(
    `wrote bench/results/${base}.json and ${base}.md in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );
}

await main();
