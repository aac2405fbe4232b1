// The page: reads the text, hands the work to worker.mjs, shows the figures.
const $ = (id) => document.getElementById(id);
const SAMPLE_URL = new URL('../data/gpl-3.txt', import.meta.url);

const worker = new Worker(new URL('./worker.mjs', import.meta.url), { type: 'module' });
let pending = null; // { resolve, reject } of the job the worker is doing
worker.onmessage = (event) => {
  const msg = event.data;
  if (msg.type === 'progress') {
    $('progress').max = msg.total || 1;
    $('progress').value = msg.done;
    return;
  }
  const job = pending;
  pending = null;
  if (!job) return;
  if (msg.type === 'error') job.reject(new Error(msg.message));
  else job.resolve(msg);
};
let workerError = null;
worker.onerror = (event) => {
  // Typically: the worker could not import the package (dist/ not built: run `npm run build`).
  workerError = new Error(
    `the Web Worker failed (${event.message || 'could not load its modules'}); is the package built (npm run build)?`,
  );
  status('status', workerError.message, 'bad');
  if (pending) pending.reject(workerError);
  pending = null;
};

function run(message, transfer) {
  if (workerError) return Promise.reject(workerError);
  if (pending) return Promise.reject(new Error('busy'));
  return new Promise((resolve, reject) => {
    pending = { resolve, reject };
    worker.postMessage(message, transfer);
  });
}

let lastOriginal = null; // Uint8Array that was compressed last
let lastFile = null; // its compressed file

function setBusy(busy) {
  for (const id of ['compress', 'decompress', 'load-sample', 'model']) $(id).disabled = busy;
  document.body.dataset.busy = busy ? 'yes' : 'no';
}

function status(id, text, cls) {
  const el = $(id);
  el.textContent = text;
  el.className = cls || 'muted';
}

function describeText() {
  const text = $('text').value;
  const bytes = new TextEncoder().encode(text).length;
  $('text-info').textContent =
    `${bytes.toLocaleString('en')} bytes, ${[...text].length.toLocaleString('en')} characters`;
}

async function loadSample() {
  const r = await fetch(SAMPLE_URL);
  $('text').value = await r.text();
  describeText();
}

async function gzipSize(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

async function onCompress() {
  const text = $('text').value;
  if (text.length === 0) {
    status('status', 'Nothing to compress: the text is empty.', 'bad');
    return;
  }
  const bytes = new TextEncoder().encode(text);
  const chars = [...text].length;
  const model = $('model').value;
  setBusy(true);
  $('results').hidden = true;
  $('after-compress').hidden = true;
  $('progress').value = 0;
  status(
    'status',
    model === 'onnx'
      ? 'Loading onnxruntime-web and the network, then compressing...'
      : 'Compressing...',
  );
  try {
    const [msg, gz] = await Promise.all([
      run({ type: 'compress', model, bytes: bytes.slice().buffer }),
      gzipSize(bytes),
    ]);
    const file = new Uint8Array(msg.file);
    lastOriginal = bytes;
    lastFile = file;
    $('r-model').textContent = msg.modelLabel;
    $('r-orig-bytes').textContent = bytes.length;
    $('r-chars').textContent = chars;
    $('r-comp-bytes').textContent = file.length;
    $('r-bpc').textContent = ((8 * file.length) / chars).toFixed(3);
    $('r-gzip-bytes').textContent = gz;
    $('r-gzip-bpc').textContent = ((8 * gz) / chars).toFixed(3);
    $('r-time').textContent = (msg.ms / 1000).toFixed(2);
    $('r-speed').textContent = (bytes.length / msg.ms).toFixed(1);
    $('results').hidden = false;
    const url = URL.createObjectURL(new Blob([file], { type: 'application/octet-stream' }));
    const a = $('download');
    if (a.href) URL.revokeObjectURL(a.href);
    a.href = url;
    a.download = `text.${model}.dcx`;
    $('after-compress').hidden = false;
    status('status', `Done: ${((100 * file.length) / gz).toFixed(1)}% of gzip's size.`, 'ok');
  } catch (e) {
    status('status', `Compression failed: ${e.message}`, 'bad');
  } finally {
    setBusy(false);
  }
}

async function decompressFile(file, original) {
  setBusy(true);
  $('progress').value = 0;
  $('restored').value = '';
  status('restore-status', 'Decompressing...');
  try {
    const msg = await run({ type: 'decompress', file: file.slice().buffer });
    const bytes = new Uint8Array(msg.bytes);
    $('restored').value = new TextDecoder().decode(bytes);
    const same =
      original && original.length === bytes.length && original.every((b, i) => b === bytes[i]);
    const tolerant = msg.tolerance ? `, tolerant stream (tau = ${msg.tolerance})` : '';
    const what = `${bytes.length} bytes in ${(msg.ms / 1000).toFixed(2)} s with ${msg.modelLabel}${tolerant}`;
    if (!msg.verified)
      status('restore-status', `Decompressed ${what}, but not every chunk was verified.`, 'bad');
    else if (original)
      status(
        'restore-status',
        same
          ? `Verified: ${what}; identical to the original text (every chunk's CRC-32 matches).`
          : `Every chunk's CRC-32 matches but the bytes differ from the text above (${what}).`,
        same ? 'ok' : 'bad',
      );
    else status('restore-status', `Verified: ${what}; every chunk's CRC-32 matches.`, 'ok');
    $('restored').dataset.verified = msg.verified && (!original || same) ? 'yes' : 'no';
  } catch (e) {
    // A file from another runtime (a server's onnxruntime-node, PyTorch, a GPU) decodes here
    // only if it was written in the tolerant mode: docs/cross-runtime.md.
    const hint = /DC_ERR_FRAME_CHECKSUM/.test(e.message)
      ? ' Was it compressed with another runtime of the model? Then it must be written with a tolerance (docs/cross-runtime.md).'
      : '';
    status('restore-status', `Decompression failed: ${e.message}${hint}`, 'bad');
    $('restored').dataset.verified = 'no';
  } finally {
    setBusy(false);
  }
}

$('load-sample').addEventListener('click', loadSample);
$('text').addEventListener('input', describeText);
$('text-file').addEventListener('change', async (e) => {
  const f = e.target.files[0];
  if (!f) return;
  $('text').value = await f.text();
  describeText();
});
$('compress').addEventListener('click', onCompress);
$('decompress').addEventListener('click', () => decompressFile(lastFile, lastOriginal));
$('dcx-file').addEventListener('change', async (e) => {
  const f = e.target.files[0];
  if (!f) return;
  await decompressFile(new Uint8Array(await f.arrayBuffer()), null);
});

await loadSample();
document.body.dataset.ready = 'yes';
