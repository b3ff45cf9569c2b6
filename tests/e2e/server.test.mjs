// The static server used by the e2e specs and scripts/run.sh: sub-path only,
// correct MIME types, no traversal, no rewrites. No browser needed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServer } from './server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
let tmp, root, srv;

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'duzhan-server-'));
  root = path.join(tmp, 'dist');
  await fsp.mkdir(path.join(root, 'assets'), { recursive: true });
  const files = {
    'index.html': '<!doctype html><title>x</title>',
    'app-1a2b.js': 'export {}',
    'app-1a2b_bg.wasm': Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]),
    'style-9f.css': 'body{}',
    'data.json': '{}',
    'manifest.webmanifest': '{}',
    'assets/icon.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]),
    'assets/icon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
    'assets/index.html': 'nested',
    '.hidden': 'secret',
    '中文 名.txt': 'utf8 name',
  };
  for (const [name, body] of Object.entries(files)) await fsp.writeFile(path.join(root, name), body);
  await fsp.writeFile(path.join(tmp, 'outside.txt'), 'OUTSIDE');
  await fsp.symlink(path.join(tmp, 'outside.txt'), path.join(root, 'link-out.txt'));
  srv = await startServer({ root, base: '/duzhan/' });
});

after(async () => {
  await srv?.close();
  await fsp.rm(tmp, { recursive: true, force: true });
});

const origin = () => new URL(srv.url).origin;
const get = (p, init) => fetch(origin() + p, { redirect: 'manual', ...init });

/** Sends a raw request line, so the path reaches the server exactly as written. */
function rawStatus(rawPath) {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(srv.url);
    const sock = net.connect(Number(port), hostname, () => {
      sock.write(`GET ${rawPath} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    });
    let data = '';
    sock.on('data', (d) => (data += d));
    sock.on('end', () => resolve({ status: Number(data.split(' ')[1]), body: data }));
    sock.on('error', reject);
  });
}

test('url is the sub-path on 127.0.0.1', () => {
  assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+\/duzhan\/$/);
});

test('serves index.html for the base path', async () => {
  const res = await get('/duzhan/');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.match(await res.text(), /<title>x<\/title>/);
});

test('MIME types', async () => {
  const cases = {
    '/duzhan/index.html': 'text/html',
    '/duzhan/app-1a2b.js': 'text/javascript',
    '/duzhan/app-1a2b_bg.wasm': 'application/wasm',
    '/duzhan/style-9f.css': 'text/css',
    '/duzhan/data.json': 'application/json',
    '/duzhan/manifest.webmanifest': 'application/manifest+json',
    '/duzhan/assets/icon.png': 'image/png',
    '/duzhan/assets/icon.svg': 'image/svg+xml',
  };
  for (const [p, type] of Object.entries(cases)) {
    const res = await get(p);
    assert.equal(res.status, 200, p);
    assert.equal(res.headers.get('content-type').split(';')[0], type, p);
    await res.arrayBuffer();
  }
});

test('wasm is served byte-exact with its length', async () => {
  const res = await get('/duzhan/app-1a2b_bg.wasm');
  const body = Buffer.from(await res.arrayBuffer());
  assert.deepEqual([...body], [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
  assert.equal(res.headers.get('content-length'), '8');
});

test('percent-encoded names are decoded', async () => {
  const res = await get('/duzhan/' + encodeURIComponent('中文 名.txt'));
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'utf8 name');
});

test('nothing outside the base path: 404, no fallback to index.html', async () => {
  for (const p of ['/', '/index.html', '/app-1a2b.js', '/duzhanx/', '/other/duzhan/', '/duzhan/no-such-file.js', '/duzhan/targets/seed-target-wuding']) {
    const res = await get(p);
    assert.equal(res.status, 404, p);
    assert.doesNotMatch(await res.text(), /<title>/, p);
  }
});

test('base without its slash redirects like a directory', async () => {
  const res = await get('/duzhan');
  assert.equal(res.status, 301);
  assert.equal(res.headers.get('location'), '/duzhan/');
  const sub = await get('/duzhan/assets');
  assert.equal(sub.status, 301);
  assert.equal(sub.headers.get('location'), '/duzhan/assets/');
  assert.equal((await get('/duzhan/assets/')).status, 200);
});

test('query strings are ignored', async () => {
  assert.equal((await get('/duzhan/app-1a2b.js?v=3')).status, 200);
});

test('no path traversal, hidden files or symlinks out of root', async () => {
  for (const p of [
    '/duzhan/../outside.txt',
    '/duzhan/%2e%2e/outside.txt',
    '/duzhan/..%2foutside.txt',
    '/duzhan/assets/../../outside.txt',
    '/duzhan/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/duzhan/..\\outside.txt',
    '/duzhan/%00',
    '/duzhan/.hidden',
    '/duzhan/link-out.txt',
  ]) {
    const { status, body } = await rawStatus(p);
    assert.ok(status === 404 || status === 400, `${p} -> ${status}`);
    assert.doesNotMatch(body, /OUTSIDE|secret|root:/, p);
  }
});

test('HEAD has headers and no body; other methods are refused', async () => {
  const head = await get('/duzhan/app-1a2b_bg.wasm', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-type'), 'application/wasm');
  assert.equal((await head.arrayBuffer()).byteLength, 0);
  const post = await get('/duzhan/', { method: 'POST' });
  assert.equal(post.status, 405);
});

test('CLI: node server.mjs <root> <port> serves /duzhan/', async () => {
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const child = spawn(process.execPath, [path.join(HERE, 'server.mjs'), root, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const line = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(out);
      });
      child.on('exit', (code) => reject(new Error(`server exited ${code}`)));
    });
    assert.match(line, new RegExp(`http://127\\.0\\.0\\.1:${port}/duzhan/`));
    const res = await fetch(`http://127.0.0.1:${port}/duzhan/`);
    assert.equal(res.status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 404);
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  }
});
