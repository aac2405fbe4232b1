// scripts/serve-demo.mjs: serves the repository folder with the right types, nothing outside it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startDemoServer } from '../../scripts/serve-demo.mjs';

let server;
let port;
before(async () => {
  ({ server, port } = await startDemoServer({ port: 0 }));
});
after(() => new Promise((r) => server.close(r)));

function get(path, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

test('the page, the package and the model are served with their types', async () => {
  const root = await get('/');
  assert.equal(root.status, 302);
  assert.equal(root.headers.location, '/examples/browser/');
  const page = await get('/examples/browser/');
  assert.equal(page.status, 200);
  assert.match(page.headers['content-type'], /^text\/html/);
  assert.match(page.body.toString(), /<script type="module" src="app.mjs">/);
  assert.match((await get('/js/index.js')).headers['content-type'], /^text\/javascript/);
  assert.match(
    (await get('/examples/browser/worker.mjs')).headers['content-type'],
    /^text\/javascript/,
  );
  const onnx = await get('/examples/models/byte-mlp.onnx');
  assert.equal(onnx.status, 200);
  assert.equal(onnx.body.length, Number(onnx.headers['content-length']));
  assert.equal((await get('/examples/browser')).status, 301);
});

test('nothing outside the repository, no other methods, 404 for missing files', async () => {
  for (const path of ['/..%2f..%2f..%2fetc%2fpasswd', '/examples/..%2f..%2f..%2fetc/passwd']) {
    const r = await get(path);
    assert.equal(r.status, 403, path);
    assert.doesNotMatch(r.body.toString(), /root:/);
  }
  assert.equal((await get('/examples/browser/index.html', 'POST')).status, 405);
  assert.equal((await get('/no/such/file.txt')).status, 404);
  assert.equal((await get('/%E0%A4%A')).status, 400);
});
