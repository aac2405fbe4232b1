#!/usr/bin/env node
// Serves the repository folder over http on localhost (no dependencies) so that the browser
// demo can load /js/index.js, /dist/, /examples/ and /node_modules/onnxruntime-web/.
//
//   npm run demo                     # http://localhost:8080/examples/browser/
//   node scripts/serve-demo.mjs --port 0   # any free port
//
// Only files below the repository folder are served; nothing is written.
import { createServer } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const PAGE = '/examples/browser/';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.dcx': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

/** Start the server; resolves to { server, port, url } once it listens. */
export function startDemoServer({ port = 8080, host = '127.0.0.1' } = {}) {
  const server = createServer((req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/') {
      res.writeHead(302, { location: PAGE }).end();
      return;
    }
    let file = normalize(join(ROOT, path));
    if (file !== ROOT && !file.startsWith(ROOT + sep)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) {
      if (!path.endsWith('/')) {
        res.writeHead(301, { location: path + '/' }).end();
        return;
      }
      file = join(file, 'index.html');
    }
    if (!existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] || 'application/octet-stream',
      'content-length': statSync(file).size,
      'cache-control': 'no-cache',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const actual = server.address().port;
      resolvePromise({ server, port: actual, url: `http://localhost:${actual}${PAGE}` });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] || '').href) {
  const i = process.argv.indexOf('--port');
  const port = i >= 0 ? Number(process.argv[i + 1]) : Number(process.env.PORT || 8080);
  if (!existsSync(join(ROOT, 'dist', 'wasm-inline.js'))) {
    console.warn(
      'warning: dist/ is not built yet; run `npm run build` first (the page needs the wasm module)',
    );
  }
  if (!existsSync(join(ROOT, 'node_modules', 'onnxruntime-web'))) {
    console.warn(
      'warning: node_modules/onnxruntime-web is missing; run `npm ci` for the ONNX model',
    );
  }
  let started;
  try {
    started = await startDemoServer({ port });
  } catch (e) {
    if (e.code !== 'EADDRINUSE' || i >= 0 || process.env.PORT) throw e;
    console.warn(`port ${port} is in use; using a free port instead`);
    started = await startDemoServer({ port: 0 });
  }
  const { url } = started;
  console.log(`distribution-coder demo: ${url}`);
  console.log('(serving this repository folder on 127.0.0.1 only; Ctrl+C stops it)');
}
