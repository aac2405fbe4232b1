// Wasm memory stays bounded: coders are freed completely, and a long session grows only
// by its output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DistributionCoder, wasmMemoryBytes } from 'distribution-coder';

test('100,000 coders created and freed: wasm memory does not grow', () => {
  // Warm up: the allocator's first chunks, a staging buffer, a decoder's input copy.
  for (let i = 0; i < 100; i++) {
    const c = new DistributionCoder({ format: i % 2 ? 'default' : 'python-0.1' });
    c.encodeStep([0.5, 0.25, 0.25], i % 3);
    const d = new DistributionCoder();
    d.startDecoding(c.finishEncoding());
    c.free();
    d.free();
  }
  const before = wasmMemoryBytes();
  for (let i = 0; i < 100000; i++) {
    const c = new DistributionCoder({ format: i % 2 ? 'default' : 'python-0.1' });
    c.encodeStep([0.5, 0.25, 0.25], i % 3);
    const bytes = c.finishEncoding();
    c.free();
    if (i % 10 === 0) {
      const d = new DistributionCoder();
      d.startDecoding(bytes);
      d.free();
    }
  }
  assert.equal(wasmMemoryBytes(), before);
  // A leak of even 16 bytes per coder would have needed 1.6 MB more: check the test can
  // see growth at all by keeping coders alive.
  const kept = [];
  for (let i = 0; i < 100000; i++) kept.push(new DistributionCoder());
  assert.ok(wasmMemoryBytes() > before, 'live coders do take memory');
  for (const c of kept) c.free();
});

test('a 1,000,000-step session: memory bounded apart from the output', () => {
  const vocabs = [4, 9, 16];
  const dists = vocabs.map((n) => Float32Array.from({ length: n }, (_, i) => (i + 1) / n));
  const steps = 1000000;
  const enc = new DistributionCoder();
  // Warm up, then measure.
  for (let t = 0; t < 1000; t++) enc.encodeStep(dists[t % 3], (t * 7) % vocabs[t % 3]);
  const before = wasmMemoryBytes();
  const heapBefore = process.memoryUsage().heapUsed;
  for (let t = 1000; t < steps; t++) enc.encodeStep(dists[t % 3], (t * 7) % vocabs[t % 3]);
  const bytes = enc.finishEncoding();
  const grown = wasmMemoryBytes() - before;
  // The output buffer doubles as it grows: at most 2x the output, plus one 64 KiB page.
  assert.ok(
    grown <= 2 * bytes.length + 65536,
    `wasm memory grew ${grown} bytes for ${bytes.length} bytes of output`,
  );
  const heapGrown = process.memoryUsage().heapUsed - heapBefore;
  assert.ok(heapGrown < 64 * 1024 * 1024, `JS heap grew ${heapGrown} bytes`);

  const dec = new DistributionCoder();
  dec.startDecoding(bytes);
  const decBefore = wasmMemoryBytes();
  for (let t = 0; t < steps; t++) {
    const s = dec.decodeStep(dists[t % 3]);
    if (s !== (t * 7) % vocabs[t % 3]) assert.fail(`step ${t}: decoded ${s}`);
  }
  assert.equal(wasmMemoryBytes(), decBefore, 'decoding allocates nothing per step');
  enc.free();
  dec.free();
});

test('forgotten coders are freed by the FinalizationRegistry backstop', async () => {
  const { execFileSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const root = fileURLToPath(new URL('../..', import.meta.url));
  // 20,000 coders with a 64 KiB view each, never freed: 1.3 GB if nothing reclaimed them.
  const script = `
    const { DistributionCoder, wasmMemoryBytes } = await import('distribution-coder');
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 1000; i++) new DistributionCoder().distributionView(16384).fill(1);
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    console.log(wasmMemoryBytes());
  `;
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
  });
  const bytes = Number(out.trim());
  assert.ok(bytes < 400 * 1024 * 1024, `wasm memory reached ${bytes} bytes`);
});

test('forgotten coders cost linear time: wasm memory grows in a few geometric steps', () => {
  // Each grow of wasm memory costs the engine time in proportion to its size, so the
  // number of grows is what makes many coders left to the FinalizationRegistry (created in
  // a loop, nothing freed before it ends) linear or quadratic. 100,000 coders with a step
  // each used to grow the memory 64 KiB at a time: ~3,000 grows, 20.8 s.
  let grows = 0;
  let last = wasmMemoryBytes();
  const start = last;
  const t0 = performance.now();
  const d = new Float64Array(256).fill(1);
  for (let i = 0; i < 20000; i++) {
    new DistributionCoder().encodeStep(d, i & 255); // left to the registry
    const now = wasmMemoryBytes();
    if (now !== last) {
      grows++;
      last = now;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `# 20,000 forgotten coders: ${grows} grows, ${start} -> ${last} bytes, ${seconds.toFixed(2)} s`,
  );
  assert.ok(last - start > 20000 * 1024, 'the coders are live: their buffers are in memory');
  // 64 KiB steps would be > 600 grows; a quarter at a time is ~25.
  assert.ok(grows <= 40, `${grows} grows of wasm memory for 20,000 coders`);
});
