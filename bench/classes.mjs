#!/usr/bin/env node
// bench/classes.mjs - every input class the library accepts, timed against the normalised
// fast path and the read limit of the same module in the same run (issue #13: one speed
// for every valid input). Encode and decode, the distribution written in place
// (distributionView), at V = 256, 50,257, 151,936, 256,000 and every dtype.
//   node bench/classes.mjs [--quick] [--module path/to/distribution_coder_bench.wasm]
// The module defaults to build-bench-wasm/ (what `npm run bench` builds); any build of
// the bench module works, e.g. one from an older checkout for a before/after comparison.
// bench/bench.mjs runs measureClasses() too and puts the table in its results.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export const CLASS_VOCABS = [256, 50257, 151936, 256000];
const DTYPES = ['f32', 'bf16', 'f16', 'f64'];
const DTYPE_SIZE = { f32: 4, f64: 8, f16: 2, bf16: 2 };

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

/** Softmax of Zipf-like logits at shuffled positions (an LLM's next-token distribution). */
function zipfSoftmax(n, rand) {
  const p = new Float64Array(n);
  let mx = -Infinity;
  for (let i = 0; i < n; i++) {
    const g = Math.sqrt(-2 * Math.log(rand() + 1e-300)) * Math.cos(2 * Math.PI * rand());
    p[i] = -1.1 * Math.log(1 + Math.floor(rand() * n)) + 0.5 * g;
    if (p[i] > mx) mx = p[i];
  }
  let s = 0;
  for (let i = 0; i < n; i++) s += p[i] = Math.exp(p[i] - mx);
  for (let i = 0; i < n; i++) p[i] /= s;
  return p;
}

/** The input classes: name -> values (doubles; -0 kept). */
export const CLASSES = {
  fast: (p) => p,
  'exp(logit-max)': (p) => {
    let mx = 0;
    for (const x of p) mx = x > mx ? x : mx;
    return p.map((x) => x / mx);
  },
  'softmax*0.4': (p) => p.map((x) => x * 0.4),
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
  'all ones': (p) => new Float64Array(p.length).fill(1),
  'subnormal-heavy': (p, rand) => {
    const q = new Float64Array(p.length);
    for (let i = 0; i < q.length; i++) q[i] = (1 + rand()) * 2 ** (-127 - Math.floor(rand() * 22));
    const a = Math.floor(rand() * q.length);
    q[a] = 0.5;
    q[(a + 1) % q.length] = 0.3;
    q[(a + 2) % q.length] = 0.199;
    return q;
  },
  'sum 1e-6': (p) => p.map((x) => x * 1e-6),
  'sum 1e6': (p) => p.map((x) => x * 1e6),
};

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Round to f16/bf16 bits (nearest even), any sign, overflow clamped to the largest finite. */
function toF16(x) {
  const sign = Object.is(x, -0) || x < 0 ? 0x8000 : 0;
  f32[0] = Math.abs(x);
  const b = u32[0];
  if (b === 0) return sign;
  const e = (b >>> 23) - 127 + 15;
  const m = (b & 0x7fffff) | 0x800000;
  const shift = e >= 1 ? 13 : 14 - e;
  if (shift > 24) return sign;
  let h = Math.floor(m / 2 ** shift);
  const rem = m - h * 2 ** shift;
  const half = 2 ** (shift - 1);
  if (rem > half || (rem === half && h & 1)) h++;
  const bits = e >= 1 ? (e << 10) + h - 1024 : h;
  return sign | Math.min(bits, 0x7bff);
}

function toBf16(x) {
  f32[0] = x;
  const b = u32[0];
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

function asDtype(q, dtype) {
  if (dtype === 'f32') return Float32Array.from(q);
  if (dtype === 'f64') return Float64Array.from(q);
  const u = new Uint16Array(q.length);
  for (let i = 0; i < q.length; i++) u[i] = dtype === 'bf16' ? toBf16(q[i]) : toF16(q[i]);
  return u;
}

function drawSymbols(q, count, rand) {
  const n = q.length;
  const cdf = new Float64Array(n);
  let c = 0;
  for (let i = 0; i < n; i++) cdf[i] = c += Math.max(0, q[i]);
  const syms = new Uint32Array(count);
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
  }
  return syms;
}

/** Round-robin timing (warm-up, then reps rounds), best ns per step of each timer. */
function interleaved(list, reps) {
  for (const [, fn, steps] of list) fn(Math.max(4, Math.round(steps / 5)));
  const best = {};
  for (let r = 0; r < reps; r++) {
    for (const [name, fn, steps] of list) {
      const t0 = process.hrtime.bigint();
      fn(steps);
      const ns = Number(process.hrtime.bigint() - t0) / steps;
      if (!(ns >= best[name])) best[name] = ns;
    }
  }
  return best;
}

/** Encode and decode timers of one class (one distribution, written in place). */
function classTimers(DistributionCoder, name, dist, dtype, syms, steps) {
  const n = dist.length;
  const c = new DistributionCoder();
  c.reserveOutput(steps * 8 + 1024);
  c.distributionView(n, dtype).set(dist);
  let view = c.distributionView(n, dtype);
  for (let t = 0; t < steps; t++) c.encodeStep(view, syms[t], dtype);
  const bytes = c.finishEncoding();
  c.startDecoding(bytes); // the decoder's buffers grow here, not inside a timed loop
  c.decodeStep(c.distributionView(n, dtype), dtype);
  let bad = 0;
  return {
    fns: [
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
          view = c.distributionView(n, dtype);
          for (let t = 0; t < k; t++) if (c.decodeStep(view, dtype) !== syms[t]) bad++;
        },
        steps,
      ],
    ],
    done() {
      c.free();
      if (bad) throw new Error(`${name} ${dtype} vocab ${n}: decoded symbols differ`);
    },
  };
}

/** The table: one row per (vocab, dtype, class), times in ns and ratios to the fast path
    and to the read limit (x.dc_bench_read_limit of a raw instance of the same module). */
export function measureClasses(DistributionCoder, raw, { quick = false, log = () => {} } = {}) {
  const reps = quick ? 2 : 3;
  const target = quick ? 2e6 : 12e6; // distribution bytes read per timed run
  const rows = [];
  for (const n of CLASS_VOCABS) {
    const rand = rng(n * 31 + 7);
    const p = zipfSoftmax(n, rand);
    const values = Object.entries(CLASSES).map(([name, f]) => [name, f(p, rand)]);
    for (const dtype of DTYPES) {
      log(`classes: vocab ${n} ${dtype}`);
      const bytes = n * DTYPE_SIZE[dtype];
      const steps = Math.max(20, Math.min(20000, Math.round(target / bytes)));
      const timers = [];
      const dones = [];
      for (const [name, q] of values) {
        const dist = asDtype(q, dtype);
        const syms = drawSymbols(q, steps, rand);
        try {
          const m = classTimers(DistributionCoder, name, dist, dtype, syms, steps);
          timers.push(...m.fns);
          dones.push(m.done);
        } catch (e) {
          // e.g. no mass left after rounding to this dtype
          rows.push({ vocab: n, dtype, input: name, note: e.message.split('\n')[0] });
        }
      }
      const ptr = raw.malloc(bytes);
      let sink = 0;
      timers.push([
        'read',
        (k) => {
          for (let t = 0; t < k; t++) sink += raw.dc_bench_read_limit(ptr, bytes);
        },
        steps,
      ]);
      const r = interleaved(timers, reps);
      raw.free(ptr);
      for (const d of dones) d();
      for (const [name] of values) {
        if (r[`${name}/enc`] === undefined) continue;
        rows.push({
          vocab: n,
          dtype,
          input: name,
          encode_ns: r[`${name}/enc`],
          decode_ns: r[`${name}/dec`],
          read_limit_ns: r.read,
          fast_encode_ns: r['fast/enc'],
          fast_decode_ns: r['fast/dec'],
        });
      }
      if (sink === 0.5) log('');
    }
  }
  return rows;
}

const f = (x, d = 2) => (x === undefined || x === null || Number.isNaN(x) ? 'n/a' : x.toFixed(d));

/** Markdown: one line per (vocab, dtype), each class as encode/decode ratio to the fast
    path; plus the fast path and the worst class against the read limit. */
export function classesMarkdown(rows) {
  const names = Object.keys(CLASSES).filter((c) => c !== 'fast');
  const md = [
    '| vocab | dtype | fast path enc / dec ns | read limit ns | ' +
      names.join(' | ') +
      ' | worst class / read limit, enc / dec |',
    '|---|---|---|---|' + names.map(() => '---|').join('') + '---|',
  ];
  for (const n of CLASS_VOCABS) {
    for (const dtype of DTYPES) {
      const rs = rows.filter((r) => r.vocab === n && r.dtype === dtype);
      const fast = rs.find((r) => r.input === 'fast');
      if (!fast) continue;
      let we = 0;
      let wd = 0;
      const cells = names.map((c) => {
        const r = rs.find((x) => x.input === c);
        if (!r || r.encode_ns === undefined) return 'n/a';
        we = Math.max(we, r.encode_ns);
        wd = Math.max(wd, r.decode_ns);
        return `${f(r.encode_ns / fast.encode_ns)} / ${f(r.decode_ns / fast.decode_ns)}`;
      });
      md.push(
        `| ${n} | ${dtype} | ${f(fast.encode_ns, 0)} / ${f(fast.decode_ns, 0)} | ${f(fast.read_limit_ns, 0)} | ${cells.join(' | ')} | ` +
          `${f(we / fast.read_limit_ns, 1)} / ${f(wd / fast.read_limit_ns, 1)} |`,
      );
    }
  }
  return md.join('\n');
}

async function main() {
  const args = process.argv.slice(2);
  const mi = args.indexOf('--module');
  const path =
    mi >= 0
      ? args[mi + 1]
      : join(root, 'build-bench-wasm', 'bench', 'distribution_coder_bench.wasm');
  if (!existsSync(path))
    throw new Error(`${path} missing: run npm run bench once (it builds it) or pass --module`);
  const bytes = readFileSync(path);
  const { DistributionCoder, init } = await import('../js/index.js');
  await init(bytes);
  const { instance } = await WebAssembly.instantiate(bytes, {
    env: { emscripten_notify_memory_growth() {} },
  });
  const raw = instance.exports;
  if (typeof raw._initialize === 'function') raw._initialize();
  const t0 = Date.now();
  const rows = measureClasses(DistributionCoder, raw, {
    quick: args.includes('--quick'),
    log: (s) => console.error(s),
  });
  console.log(
    `module: ${path}\nratios: time of the class / time of the fast path (normalised softmax), encode / decode\n`,
  );
  console.log(classesMarkdown(rows));
  for (const r of rows) if (r.note) console.log(`\n${r.vocab} ${r.dtype} ${r.input}: ${r.note}`);
  console.error(`(${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
