#!/usr/bin/env node
// bench/bench.mjs - `npm run bench`: the speed of the wasm module in Node for every input
// class the library accepts (issue #13), at V = 256, 50,257, 151,936 and 256,000 and every
// dtype, encode and decode through the JS API (distribution written in place), each as ns
// per step, as a ratio to the read limit measured in the same run (a plain SIMD sum of the
// same buffer in the same module build, bench/read_limit.c) and as a ratio to the
// normalised fast path. On the fast path also: (a) the same build without wasm SIMD;
// (b) a plain-JS arithmetic coder written the usual way (bench/baseline-js-coder.mjs);
// (c) the python-0.1 format in our module; the JS call overhead, copy-in versus in place,
// batches; the logits input beside the probability path and a JS Math.exp softmax (when
// the coder accepts { input: 'logits' }); and the native build (bench/bench_native.c)
// when a C compiler and CMake are available.
//
// Builds what it needs (Emscripten + CMake: build-bench-wasm/, build-bench-wasm-nosimd/,
// build-bench-native/) and writes bench/results/latest.{json,md} (quick runs: quick.*).
//   npm run bench              full run (about three minutes on a busy 2-core machine)
//   npm run bench -- --quick   fewer steps, for a smoke test
//   npm run bench -- --no-build  use the existing build directories
//   npm run bench -- --no-native --vocab 256,50257  parts of it
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BaselineDecoder, BaselineEncoder } from './baseline-js-coder.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const NO_BUILD = args.includes('--no-build');
const NO_NATIVE = args.includes('--no-native');
const READ_TARGET = QUICK ? 1.5e6 : 12e6; // distribution bytes read per timed run
const vocabArg = args.indexOf('--vocab');
const VOCABS =
  vocabArg >= 0 ? args[vocabArg + 1].split(',').map(Number) : [256, 50257, 151936, 256000];
const DTYPES = ['f32', 'bf16', 'f16', 'f64'];
const DTYPE_CODE = { f32: 0, f64: 1, f16: 2, bf16: 3 };
const DTYPE_SIZE = { f32: 4, f64: 8, f16: 2, bf16: 2 };
/** Timed rounds (the median is kept): fewer for the large vocabularies. */
const repsFor = (n) => (QUICK ? 3 : n > 100000 ? 3 : 5);

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
      process.env.DC_BUILD_JOBS || '1',
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
        process.env.DC_BUILD_JOBS || '1',
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

/** Zipf-like logits at shuffled positions (an LLM's next-token scores). */
function zipfLogits(n, rand) {
  const l = new Float64Array(n);
  for (let i = 0; i < n; i++)
    l[i] = -1.1 * Math.log(1 + Math.floor(rand() * n)) + 0.5 * gauss(rand);
  return l;
}

function softmax(l) {
  let mx = -Infinity;
  for (const x of l) mx = x > mx ? x : mx;
  const p = new Float64Array(l.length);
  let s = 0;
  for (let i = 0; i < l.length; i++) s += p[i] = Math.exp(l[i] - mx);
  for (let i = 0; i < l.length; i++) p[i] /= s;
  return p;
}

/** Exponent of the smallest normal of each dtype (its subnormals lie below). */
const MIN_NORMAL_EXP = { f32: -126, bf16: -126, f16: -14, f64: -1022 };

/** The input classes: name -> (softmax p, rand, dtype) -> values (doubles; -0 kept). The
    first is the normalised fast path every other class is compared with. */
const CLASSES = {
  softmax: (p) => p,
  'exp(logit-max)': (p) => {
    let mx = 0;
    for (const x of p) mx = x > mx ? x : mx;
    return p.map((x) => x / mx); // the largest element exactly 1.0
  },
  'softmax x 0.4': (p) => p.map((x) => x * 0.4),
  'one-hot': (p, rand) => {
    const q = new Float64Array(p.length);
    q[Math.floor(rand() * p.length)] = 1;
    return q;
  },
  'one -0': (p, rand) => {
    const q = Float64Array.from(p);
    q[Math.floor(rand() * p.length)] = -0;
    return q;
  },
  counts: (p, rand) => p.map((x) => Math.floor(x * 2e4 + rand())), // integer counts
  'all ones': (p) => new Float64Array(p.length).fill(1),
  // a confident model: three tokens hold the mass, every other element is a subnormal of
  // the dtype (up to 22 binades below its smallest normal; f16 has 10)
  subnormals: (p, rand, dtype) => {
    const q = new Float64Array(p.length);
    const e0 = MIN_NORMAL_EXP[dtype] - 1;
    const span = dtype === 'f16' ? 10 : 22;
    for (let i = 0; i < q.length; i++) q[i] = (1 + rand()) * 2 ** (e0 - Math.floor(rand() * span));
    const a = Math.floor(rand() * q.length);
    q[a] = 0.5;
    q[(a + 1) % q.length] = 0.3;
    q[(a + 2) % q.length] = 0.199;
    return q;
  },
  'sum 1e-6': (p) => p.map((x) => x * 1e-6),
  'sum 1e6': (p) => p.map((x) => x * 1e6),
};
const CLASS_NAMES = Object.keys(CLASSES);
const FAST = CLASS_NAMES[0];

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

/** f16 bits of x (round to nearest even), any sign, overflow clamped to the largest finite. */
function toF16(x) {
  const sign = Object.is(x, -0) || x < 0 ? 0x8000 : 0;
  f32buf[0] = Math.abs(x);
  const b = u32buf[0];
  if (b === 0) return sign;
  const e = (b >>> 23) - 127 + 15;
  const m = (b & 0x7fffff) | 0x800000;
  const shift = e >= 1 ? 13 : 14 - e;
  if (shift > 24) return sign;
  let h = Math.floor(m / 2 ** shift);
  const rem = m - h * 2 ** shift;
  const half = 2 ** (shift - 1);
  if (rem > half || (rem === half && h & 1)) h++;
  const bits = e >= 1 ? (e << 10) + h - 1024 : h; // h = 2048 carries into the exponent
  return sign | Math.min(bits, 0x7bff);
}

function toBf16(x) {
  f32buf[0] = x;
  const b = u32buf[0];
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

function asDtype(q, dtype) {
  if (dtype === 'f32') return Float32Array.from(q);
  if (dtype === 'f64') return Float64Array.from(q);
  const u = new Uint16Array(q.length);
  for (let i = 0; i < q.length; i++) u[i] = dtype === 'bf16' ? toBf16(q[i]) : toF16(q[i]);
  return u;
}

/** Symbols drawn from q (negative zero counts as nothing) and their ideal size in bytes. */
function drawSymbols(q, count, rand) {
  const n = q.length;
  const cdf = new Float64Array(n);
  let c = 0;
  for (let i = 0; i < n; i++) cdf[i] = c += Math.max(0, q[i]);
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
    bits -= Math.log2(q[lo] / c);
  }
  return { syms, idealBytes: bits / 8 };
}

// ------------------------------------------------------------------------------ timing

/** Several measurements [name, fn, steps] run round-robin (a short warm-up, then `reps`
    rounds of one timed run each); the least CPU time per step of each, in ns (the median
    goes to `medians`). CPU time of the process, not wall time: on a machine loaded past its
    cores most runs of a few milliseconds are preempted, and wall time measures the
    scheduler (after the warm-up the process runs one thread: nothing else is counted).
    Interleaving makes what remains (cache and frequency effects of the load) hit every
    timer of a group alike, so the ratios between them stay meaningful. */
function interleaved(list, reps) {
  for (const [, fn, steps] of list) fn(Math.min(steps, Math.max(4, Math.round(steps / 5))));
  const times = {};
  for (let r = 0; r < reps; r++) {
    for (const [name, fn, steps] of list) {
      const t0 = process.cpuUsage();
      fn(steps);
      const t = process.cpuUsage(t0);
      (times[name] ??= []).push(((t.user + t.system) * 1000) / steps);
    }
  }
  const best = { medians: {} };
  for (const [name, t] of Object.entries(times)) {
    t.sort((a, b) => a - b);
    best[name] = t[0];
    best.medians[name] = t[t.length >> 1];
  }
  return best;
}

function stepsFor(bytes, min = 10, max = 20000) {
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
function rawFns(x, dist, dtype, steps, prefix = '') {
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
        `${prefix}read`,
        (k) => {
          for (let t = 0; t < k; t++) sink += x.dc_bench_read_limit(p, bytes);
        },
        steps,
      ],
      [
        `${prefix}kernel`,
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

/** Encode and decode timers `${name}/enc`, `${name}/dec` (and with worst: `${name}/worst`,
    every symbol the last one) through the JS wrapper (the module given to init last), the
    distribution written in place; done() checks the round trips and frees the coders. */
function coderFns(name, dist, dtype, syms, steps, { format = 'default', worst = false } = {}) {
  const n = dist.length;
  const c = new DistributionCoder({ format });
  c.reserveOutput(steps * 8 + 1024);
  c.distributionView(n, dtype).set(dist); // may grow the memory: views made after
  let view = c.distributionView(n, dtype);
  for (let t = 0; t < steps; t++) c.encodeStep(view, syms[t], dtype);
  const bytes = c.finishEncoding();
  c.startDecoding(bytes); // the decoder's buffers grow here, not inside a timed loop
  c.decodeStep(c.distributionView(n, dtype), dtype);
  let bad = 0;
  const fns = [
    [
      `${name}/enc`,
      (k) => {
        c.reset();
        view = c.distributionView(n, dtype);
        for (let t = 0; t < k; t++) c.encodeStep(view, syms[t], dtype);
      },
      steps,
    ],
    [
      `${name}/dec`,
      (k) => {
        c.startDecoding(bytes);
        view = c.distributionView(n, dtype); // the same bytes; a new view if memory grew
        for (let t = 0; t < k; t++) if (c.decodeStep(view, dtype) !== syms[t]) bad++;
      },
      steps,
    ],
  ];
  let cw = null;
  if (worst) {
    cw = new DistributionCoder({ format });
    cw.reserveOutput(steps * 8 + 1024);
    cw.distributionView(n, dtype).set(dist);
    let wview = cw.distributionView(n, dtype);
    for (let t = 0; t < steps; t++) cw.encodeStep(wview, n - 1, dtype);
    const wbytes = cw.finishEncoding();
    fns.push([
      `${name}/worst`,
      (k) => {
        cw.startDecoding(wbytes);
        wview = cw.distributionView(n, dtype);
        for (let t = 0; t < k; t++) if (cw.decodeStep(wview, dtype) !== n - 1) bad++;
      },
      steps,
    ]);
  }
  return {
    fns,
    bytesOut: bytes.length,
    done() {
      c.free();
      cw?.free();
      if (bad) throw new Error(`${format} ${dtype} vocab ${n} ${name}: decoded symbols differ`);
    },
  };
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

/** Every class of one (vocab, dtype), interleaved with the read limit of the same buffer
    size, the kernel alone, the decoder's worst case and (f32) the plain-JS coder. */
function measureGroup(raw, n, dtype, p, rand) {
  const steps = stepsFor(n * DTYPE_SIZE[dtype]);
  const timers = [];
  const dones = [];
  const info = {};
  const notes = [];
  for (const name of CLASS_NAMES) {
    const q = CLASSES[name](p, rand, dtype);
    const dist = asDtype(q, dtype);
    const { syms, idealBytes } = drawSymbols(q, steps, rand);
    try {
      const m = coderFns(name, dist, dtype, syms, steps, { worst: name === FAST });
      timers.push(...m.fns);
      dones.push(m.done);
      info[name] = { bytesOut: m.bytesOut, idealBytes, dist, syms };
    } catch (e) {
      // e.g. no mass left after rounding to this dtype
      notes.push({ vocab: n, dtype, input: name, note: e.message.split('\n')[0] });
    }
  }
  const fast = info[FAST];
  const rw = rawFns(raw, fast.dist, dtype, steps);
  timers.push(...rw.fns);
  dones.push(rw.done);
  let base = null;
  if (dtype === 'f32') {
    base = baselineFns(Float32Array.from(p), fast.syms, Math.max(4, Math.round(steps / 20)));
    timers.push(...base.fns);
    dones.push(base.done);
  }
  const r = interleaved(timers, repsFor(n));
  for (const d of dones) d();
  const rows = [];
  for (const name of CLASS_NAMES) {
    if (!info[name]) continue;
    const row = {
      vocab: n,
      dtype,
      input: name,
      steps,
      encode_ns: r[`${name}/enc`],
      decode_ns: r[`${name}/dec`],
      read_limit_ns: r.read,
      bytes_out: info[name].bytesOut,
      ideal_bytes: info[name].idealBytes,
    };
    if (name === FAST) {
      row.decode_worst_ns = r[`${name}/worst`];
      row.kernel_ns = r.kernel;
      if (base) {
        row.baseline_encode_ns = r.baseEnc;
        row.baseline_decode_ns = r.baseDec;
      }
    }
    rows.push(row);
  }
  return { rows, notes, fast };
}

/** python-0.1 beside the default format on the fast-path input (interleaved). */
function measurePy01(dist, dtype, syms, steps, reps) {
  const d = coderFns('default', dist, dtype, syms, steps);
  let py;
  try {
    py = coderFns('py01', dist, dtype, syms, steps, { format: 'python-0.1' });
  } catch (e) {
    d.done();
    return { note: e.message.split('\n')[0] };
  }
  const r = interleaved([...d.fns, ...py.fns], reps);
  d.done();
  py.done();
  return {
    enc: r['py01/enc'],
    dec: r['py01/dec'],
    defEnc: r['default/enc'],
    defDec: r['default/dec'],
  };
}

/** JS call overhead, copy-in versus in place, batch versus step-wise (f32), interleaved. */
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
    // views made at the start of each timed run: the copy-in timers may move the staging
    // buffer (and grow the memory); the values are written once per run
    const fresh = () => {
      const v = c.distributionView(n, 'f32');
      v.set(dist);
      return v;
    };
    const r = interleaved(
      [
        [
          'inPlace',
          (k) => {
            c.reset();
            const view = fresh();
            for (let t = 0; t < k; t++) c.encodeStep(view, syms[t]);
          },
          steps,
        ],
        [
          'copyIn',
          (k) => {
            c.reset();
            for (let t = 0; t < k; t++) c.encodeStep(dist, syms[t]);
          },
          steps,
        ],
        [
          'writeThenEncode',
          (k) => {
            c.reset();
            const view = fresh();
            for (let t = 0; t < k; t++) {
              view.set(dist);
              c.encodeStep(view, syms[t]);
            }
          },
          steps,
        ],
        [
          'batchCopy',
          (k) => {
            c.reset();
            for (let b = 0; b < k; b++) c.encodeSteps(matrix, bsyms, { vocab: n, dtype: 'f32' });
          },
          batches,
        ],
        [
          'batchInPlace',
          (k) => {
            c.reset();
            const m = c.distributionView(B * n, 'f32');
            m.set(matrix);
            for (let b = 0; b < k; b++) c.encodeSteps(m, bsyms, { vocab: n, dtype: 'f32' });
          },
          batches,
        ],
      ],
      repsFor(n),
    );
    return {
      vocab: n,
      batch_rows: B,
      encode_in_place_ns: r.inPlace,
      encode_copy_in_ns: r.copyIn,
      encode_write_view_then_encode_ns: r.writeThenEncode,
      batch_copy_in_ns_per_step: r.batchCopy / B,
      batch_in_place_ns_per_step: r.batchInPlace / B,
      js_call_overhead_ns: r.inPlace - r.batchInPlace / B,
    };
  } finally {
    c.free();
  }
}

/** Logits in (issue #13 point 2) at vocabulary n, f32: the logits step beside the
    probability step (its softmax), and a JS Math.exp softmax written into the view
    followed by the probability step. null when the coder refuses { input: 'logits' }. */
function measureLogits(n, rand) {
  let lc;
  try {
    lc = new DistributionCoder({ input: 'logits', temperature: 1 });
  } catch (e) {
    if (e instanceof TypeError || e instanceof RangeError) return null;
    throw e;
  }
  const logits = Float32Array.from(zipfLogits(n, rand));
  const p = softmax(logits);
  const prob = Float32Array.from(p);
  const steps = stepsFor(n * 4, 10, 20000);
  const { syms } = drawSymbols(p, steps, rand);
  const pc = new DistributionCoder();
  const jc = new DistributionCoder();
  const coders = [lc, pc, jc];
  try {
    for (const c of coders) c.reserveOutput(steps * 8 + 1024);
    const lview = () => lc.distributionView(n, 'f32');
    const pview = () => pc.distributionView(n, 'f32');
    lview().set(logits);
    pview().set(prob);
    const encodeAll = (c, view) => {
      c.reset();
      const v = view();
      for (let t = 0; t < steps; t++) c.encodeStep(v, syms[t]);
      return c.finishEncoding();
    };
    const lbytes = encodeAll(lc, lview);
    const pbytes = encodeAll(pc, pview);
    const e = new Float64Array(n);
    /** What a user writes without logits input: softmax in JS, into the coder's view. */
    const jsSoftmaxInto = (v) => {
      let mx = -Infinity;
      for (let i = 0; i < n; i++) mx = logits[i] > mx ? logits[i] : mx;
      let s = 0;
      for (let i = 0; i < n; i++) s += e[i] = Math.exp(logits[i] - mx);
      const inv = 1 / s;
      for (let i = 0; i < n; i++) v[i] = e[i] * inv;
    };
    let bad = 0;
    const enc = (c, view) => (k) => {
      c.reset();
      const v = view();
      for (let t = 0; t < k; t++) c.encodeStep(v, syms[t]);
    };
    const dec = (c, view, bytes) => (k) => {
      c.startDecoding(bytes);
      const v = view();
      for (let t = 0; t < k; t++) if (c.decodeStep(v) !== syms[t]) bad++;
    };
    const r = interleaved(
      [
        ['logitsEnc', enc(lc, lview), steps],
        ['logitsDec', dec(lc, lview, lbytes), steps],
        ['probEnc', enc(pc, pview), steps],
        ['probDec', dec(pc, pview, pbytes), steps],
        [
          'jsEnc',
          (k) => {
            jc.reset();
            const v = jc.distributionView(n, 'f32');
            for (let t = 0; t < k; t++) {
              jsSoftmaxInto(v);
              jc.encodeStep(v, syms[t]);
            }
          },
          steps,
        ],
      ],
      repsFor(n),
    );
    if (bad) throw new Error(`logits vocab ${n}: decoded symbols differ`);
    return {
      vocab: n,
      logits_encode_ns: r.logitsEnc,
      logits_decode_ns: r.logitsDec,
      prob_encode_ns: r.probEnc,
      prob_decode_ns: r.probDec,
      js_softmax_then_encode_ns: r.jsEnc,
    };
  } finally {
    for (const c of coders) c.free();
  }
}

// ------------------------------------------------------------------------------ main

const fmt = (x, d = 0) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(d));
const ratio = (a, b, d = 2) => (a && b ? fmt(a / b, d) : 'n/a');

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
  await init(simdBytes);

  // Warm-up, discarded: V8 first runs wasm with its baseline compiler and tiers hot
  // functions up to the optimizing one after a while (as it does for users' code too).
  {
    const rand = rng(1);
    const p = softmax(zipfLogits(50257, rand));
    const warmUntil = Date.now() + (QUICK ? 300 : 1500);
    while (Date.now() < warmUntil)
      for (const name of ['softmax', 'exp(logit-max)']) {
        const q = asDtype(CLASSES[name](p, rand, 'f32'), 'f32');
        const m = coderFns(name, q, 'f32', drawSymbols(q, 40, rand).syms, 40);
        for (const [, fn, steps] of m.fns) fn(steps);
        m.done();
      }
  }

  const rows = [];
  const notes = [];
  const groups = [];
  for (const n of VOCABS) {
    const rand = rng(n * 7919 + 1);
    const p = softmax(zipfLogits(n, rand));
    for (const dtype of DTYPES) {
      console.error(`wasm SIMD: vocab ${n} ${dtype}, ${CLASS_NAMES.length} input classes ...`);
      const g = measureGroup(rawSimd, n, dtype, p, rand);
      rows.push(...g.rows);
      notes.push(...g.notes);
      groups.push({ n, dtype, p, rand, fast: g.fast });
    }
  }
  const row = (n, dtype, input = FAST) =>
    rows.find((r) => r.vocab === n && r.dtype === dtype && r.input === input);

  console.error('python-0.1 format ...');
  for (const g of groups) {
    const r = row(g.n, g.dtype);
    const steps = r.steps;
    const m = measurePy01(g.fast.dist, g.dtype, g.fast.syms, steps, repsFor(g.n));
    r.py01_encode_ns = m.enc ?? null;
    r.py01_decode_ns = m.dec ?? null;
    r.py01_default_encode_ns = m.defEnc ?? null; // the default format in the same run
    r.py01_default_decode_ns = m.defDec ?? null;
    if (m.note) r.py01_note = m.note;
  }

  console.error('boundary (call overhead, copies, batches) ...');
  const boundary = [256, 50257]
    .filter((n) => VOCABS.includes(n))
    .map((n) => {
      const g = groups.find((x) => x.n === n && x.dtype === 'f32');
      return measureBoundary(g.p, g.rand);
    });

  console.error('logits input ...');
  const logits = [];
  for (const n of VOCABS) {
    const m = measureLogits(n, rng(n + 5));
    if (!m) break;
    logits.push(m);
  }

  console.error('wasm without SIMD ...');
  await init(plainBytes);
  for (const g of groups) {
    const r = row(g.n, g.dtype);
    const steps = Math.max(4, Math.round(r.steps / 4));
    const m = coderFns('nosimd', g.fast.dist, g.dtype, g.fast.syms, steps);
    const rw = rawFns(rawPlain, g.fast.dist, g.dtype, steps, 'nosimd ');
    const t = interleaved([...m.fns, ...rw.fns], repsFor(g.n));
    m.done();
    rw.done();
    r.nosimd_encode_ns = t['nosimd/enc'];
    r.nosimd_decode_ns = t['nosimd/dec'];
    r.nosimd_read_limit_ns = t['nosimd read'];
  }
  await init(simdBytes);

  const native = NO_NATIVE ? null : runNative();
  const seconds = (Date.now() - t0) / 1000;
  const md = report({ rows, notes, boundary, logits, native, seconds });
  console.log(md);
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const base = QUICK ? 'quick' : 'latest'; // a quick run never replaces the full results
  const result = { date: new Date().toISOString(), machine: machineInfo(), quick: QUICK, seconds };
  Object.assign(result, { rows, notes, boundary, logits, native });
  writeFileSync(join(dir, `${base}.json`), JSON.stringify(result, null, 1) + '\n');
  writeFileSync(
    join(dir, `${base}.md`),
    `# Benchmark results (npm run bench${QUICK ? ' -- --quick' : ''})\n\n${md}`,
  );
  console.error(`wrote bench/results/${base}.json and ${base}.md in ${seconds.toFixed(0)} s`);
}

function machineInfo() {
  return {
    cpu: os.cpus()[0]?.model || 'unknown',
    cores: os.cpus().length,
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.arch()}`,
    loadavg: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
}

/** The Markdown report: the summary, the one table of every class, the rest. */
function report({ rows, notes, boundary, logits, native, seconds }) {
  const m = machineInfo();
  const row = (n, dtype, input = FAST) =>
    rows.find((r) => r.vocab === n && r.dtype === dtype && r.input === input);
  const md = [];
  md.push(
    `Machine: ${m.cpu}, ${m.cores} cores, load average ${m.loadavg.join(' ')} at the end; ` +
      `Node ${m.node} (V8 ${m.v8}), ${m.platform}; ${new Date().toISOString()}; ${seconds.toFixed(0)} s` +
      `${QUICK ? ' (quick run)' : ''}.`,
  );
  md.push('');
  md.push(
    'wasm SIMD in Node through the JS API, the distribution written in place (`distributionView`); ' +
      'CPU ns per step (the least of interleaved runs); "x read" = times the read limit (a plain SIMD sum ' +
      'of the same buffer in the same module, same run); "x fast" = times the normalised softmax ' +
      '(the fast path) of the same vocabulary and dtype, same run.',
  );
  md.push('');
  md.push('Summary: the fast path and the slowest input class of each vocabulary and dtype.');
  md.push('');
  md.push(
    '| vocab | dtype | fast path enc / dec ns | x read | slowest class, enc | x fast | slowest class, dec | x fast | no-SIMD x (enc) | plain JS x (enc / dec) |',
  );
  md.push('|---:|---|---:|---:|---|---:|---|---:|---:|---:|');
  const worst = (n, dtype, key) =>
    rows
      .filter((r) => r.vocab === n && r.dtype === dtype)
      .reduce((a, r) => (r[key] > a[key] ? r : a));
  for (const n of VOCABS) {
    for (const dtype of DTYPES) {
      const f = row(n, dtype);
      if (!f) continue;
      const we = worst(n, dtype, 'encode_ns');
      const wd = worst(n, dtype, 'decode_ns');
      md.push(
        `| ${n} | ${dtype} | ${fmt(f.encode_ns)} / ${fmt(f.decode_ns)} | ` +
          `${ratio(f.encode_ns, f.read_limit_ns, 1)} / ${ratio(f.decode_ns, f.read_limit_ns, 1)} | ` +
          `${we.input} | ${ratio(we.encode_ns, f.encode_ns)} | ${wd.input} | ${ratio(wd.decode_ns, f.decode_ns)} | ` +
          `${ratio(f.nosimd_encode_ns, f.encode_ns, 1)} | ` +
          `${f.baseline_encode_ns ? `${ratio(f.baseline_encode_ns, f.encode_ns, 0)} / ${ratio(f.baseline_decode_ns, f.decode_ns, 0)}` : ''} |`,
      );
    }
  }
  md.push('');
  md.push('Every input class:');
  md.push('');
  md.push(
    '| vocab | dtype | input | encode ns | decode ns | enc x read | dec x read | enc x fast | dec x fast | bytes / ideal |',
  );
  md.push('|---:|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const f = row(r.vocab, r.dtype);
    md.push(
      `| ${r.vocab} | ${r.dtype} | ${r.input} | ${fmt(r.encode_ns)} | ${fmt(r.decode_ns)} | ` +
        `${ratio(r.encode_ns, r.read_limit_ns)} | ${ratio(r.decode_ns, r.read_limit_ns)} | ` +
        `${ratio(r.encode_ns, f.encode_ns)} | ${ratio(r.decode_ns, f.decode_ns)} | ${ratio(r.bytes_out, r.ideal_bytes, 4)} |`,
    );
  }
  for (const x of notes) md.push(`\n${x.vocab} ${x.dtype} ${x.input}: not measured (${x.note})`);
  md.push('');
  md.push(
    'Logits in (f32; `new DistributionCoder({ input: "logits", temperature: 1 })`, random Zipf-like logits), ' +
      'beside the probability step on their softmax and a JS `Math.exp` softmax written into the view followed by the probability step:',
  );
  md.push('');
  if (logits.length === 0) {
    md.push('n/a: this build refuses `{ input: "logits" }`.');
  } else {
    md.push(
      '| vocab | logits enc / dec ns | probability enc / dec ns | logits x probability (enc / dec) | JS softmax + enc ns | JS softmax + enc / logits enc |',
    );
    md.push('|---:|---:|---:|---:|---:|---:|');
    for (const l of logits) {
      md.push(
        `| ${l.vocab} | ${fmt(l.logits_encode_ns)} / ${fmt(l.logits_decode_ns)} | ${fmt(l.prob_encode_ns)} / ${fmt(l.prob_decode_ns)} | ` +
          `${ratio(l.logits_encode_ns, l.prob_encode_ns)} / ${ratio(l.logits_decode_ns, l.prob_decode_ns)} | ` +
          `${fmt(l.js_softmax_then_encode_ns)} | ${ratio(l.js_softmax_then_encode_ns, l.logits_encode_ns, 1)} |`,
      );
    }
  }
  md.push('');
  md.push(
    'The fast path in detail: decode worst (every symbol the last one), the kernel alone, read limit, ' +
      'GB/s of distribution read, the same build without wasm SIMD (and its own read limit), ' +
      'the plain-JS coder (bench/baseline-js-coder.mjs, on the f32 values), python-0.1 against the default format (same run):',
  );
  md.push('');
  md.push(
    '| vocab | dtype | encode | decode | decode worst | kernel | read | GB/s | no-SIMD enc / dec | no-SIMD x read (enc) | plain JS enc / dec | python-0.1 enc / dec | python-0.1 x default (enc / dec) |',
  );
  md.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows.filter((x) => x.input === FAST)) {
    md.push(
      `| ${r.vocab} | ${r.dtype} | ${fmt(r.encode_ns)} | ${fmt(r.decode_ns)} | ${fmt(r.decode_worst_ns)} | ${fmt(r.kernel_ns)} | ${fmt(r.read_limit_ns)} | ` +
        `${fmt((r.vocab * DTYPE_SIZE[r.dtype]) / r.encode_ns, 1)} | ${fmt(r.nosimd_encode_ns)} / ${fmt(r.nosimd_decode_ns)} | ${ratio(r.nosimd_encode_ns, r.nosimd_read_limit_ns, 1)} | ` +
        `${r.baseline_encode_ns ? `${fmt(r.baseline_encode_ns)} / ${fmt(r.baseline_decode_ns)}` : ''} | ` +
        `${fmt(r.py01_encode_ns)} / ${fmt(r.py01_decode_ns)} | ${ratio(r.py01_encode_ns, r.py01_default_encode_ns)} / ${ratio(r.py01_decode_ns, r.py01_default_decode_ns)} |`,
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
          `${ratio(r.encode_ns, r.read_limit_ns)} | ${ratio(r.decode_ns, r.read_limit_ns)} | ${ratio(r.scalar_kernel_ns, r.kernel_ns, 1)} |`,
      );
    }
  }
  md.push('');
  md.push('Targets (issue #13):');
  md.push('');
  for (const t of targets(rows, logits, native, row)) {
    md.push(
      `- ${t.met === null ? 'n/a' : t.met ? 'met' : 'NOT met'}: ${t.name}: ${fmt(t.value, 2)}`,
    );
  }
  md.push('');
  return md.join('\n');
}

function targets(rows, logits, native, row) {
  const out = [];
  const target = (name, value, limit, better = 'lower') => {
    const met =
      value === undefined || value === null || Number.isNaN(value)
        ? null
        : better === 'lower'
          ? value <= limit
          : value >= limit;
    out.push({ name, value, limit, met });
  };
  let we = { v: 0 };
  let wd = { v: 0 };
  for (const r of rows) {
    const f = row(r.vocab, r.dtype);
    if (r.encode_ns / f.encode_ns > we.v) we = { v: r.encode_ns / f.encode_ns, r };
    if (r.decode_ns / f.decode_ns > wd.v) wd = { v: r.decode_ns / f.decode_ns, r };
  }
  const where = (x) => (x.r ? ` (${x.r.vocab} ${x.r.dtype} ${x.r.input})` : '');
  target(`every input class / fast path, encode, worst (<= 1.3)${where(we)}`, we.v, 1.3);
  target(`every input class / fast path, decode, worst (<= 1.3)${where(wd)}`, wd.v, 1.3);
  const r256 = row(256, 'f32');
  if (r256) {
    target('vocab 256 f32 encode ns per step incl. the JS call (< 100)', r256.encode_ns, 100);
    target('vocab 256 f32 decode ns per step incl. the JS call (< 100)', r256.decode_ns, 100);
  }
  const r50 = row(50257, 'f32');
  if (r50) {
    target('vocab 50257 f32 encode / read limit (<= 2)', r50.encode_ns / r50.read_limit_ns, 2);
    target('vocab 50257 f32 decode / read limit (<= 2)', r50.decode_ns / r50.read_limit_ns, 2);
    for (const dt of ['bf16', 'f16']) {
      const r = row(50257, dt);
      target(`vocab 50257 ${dt} encode / read limit (<= 3)`, r.encode_ns / r.read_limit_ns, 3);
      target(`vocab 50257 ${dt} decode / read limit (<= 3)`, r.decode_ns / r.read_limit_ns, 3);
      target(
        `vocab 50257 ${dt} python-0.1 / default, encode (<= 1.5)`,
        r.py01_encode_ns / r.py01_default_encode_ns,
        1.5,
      );
    }
    const l = logits.find((x) => x.vocab === 50257);
    target(
      'vocab 50257 logits / probability step, encode (<= 1.5)',
      l && l.logits_encode_ns / l.prob_encode_ns,
      1.5,
    );
    target(
      'vocab 50257 JS Math.exp softmax + probability step / logits step (>= 10)',
      l && l.js_softmax_then_encode_ns / l.logits_encode_ns,
      10,
      'higher',
    );
  }
  if (native) {
    const nr = native.rows.find(
      (r) => r.vocab === 50257 && r.dtype === 'f32' && r.input === 'zipf',
    );
    if (nr) {
      target(
        `native ${native.kernels} vocab 50257 f32 encode / native read limit (<= 1.5)`,
        nr.encode_ns / nr.read_limit_ns,
        1.5,
      );
      target(
        `native ${native.kernels} vocab 50257 f32 decode / native read limit (<= 1.5)`,
        nr.decode_ns / nr.read_limit_ns,
        1.5,
      );
    }
  }
  return out;
}

await main();
