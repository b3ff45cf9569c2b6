// A deliberately dumb static file server: files of `root`, served only under the
// sub-path `base`. No rewrite rules, no SPA fallback, no directory listing -- the
// same as copying dist/ into a folder of any ordinary web server. If the app works
// here, it works there.
//
//   import { startServer } from './server.mjs';
//   const { url, close } = await startServer({ root: 'dist', base: '/duzhan/' });
//
//   node tests/e2e/server.mjs <root> [port=8080] [base=/duzhan/]
//
// No dependencies: node:http, node:fs, node:path only.

import http from 'node:http';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const MIME_TYPES = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
});

export function mimeType(file) {
  return MIME_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

function normalizeBase(base) {
  let b = String(base || '/');
  if (!b.startsWith('/')) b = '/' + b;
  if (!b.endsWith('/')) b += '/';
  return b;
}

function isInside(parent, child) {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function send(res, status, text, headers = {}) {
  const body = Buffer.from(text + '\n', 'utf8');
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/**
 * Serves the files of `root` under the URL prefix `base` on 127.0.0.1.
 * @param {{root: string, base?: string, port?: number, host?: string, log?: boolean}} opts
 * @returns {Promise<{url: string, port: number, close: () => Promise<void>}>}
 *   `url` is the app's address, e.g. http://127.0.0.1:41234/duzhan/
 */
export async function startServer({ root, base = '/duzhan/', port = 0, host = '127.0.0.1', log = false } = {}) {
  if (!root) throw new Error('startServer: root is required');
  const rootDir = await fsp.realpath(path.resolve(root)); // throws if root does not exist
  if (!(await fsp.stat(rootDir)).isDirectory()) throw new Error(`startServer: ${rootDir} is not a directory`);
  base = normalizeBase(base);

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) send(res, 500, 'Internal Server Error');
      else res.destroy(err);
    });
  });

  async function handle(req, res) {
    if (log) res.on('finish', () => console.log(`${res.statusCode} ${req.method} ${req.url}`));
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
    }
    const rawPath = (req.url ?? '/').split('?')[0].split('#')[0];
    let pathname;
    try {
      pathname = decodeURIComponent(rawPath);
    } catch {
      return send(res, 400, 'Bad Request');
    }
    if (pathname.includes('\0') || pathname.includes('\\')) return send(res, 400, 'Bad Request');

    // Like any web server asked for a directory without its slash: redirect.
    if (pathname + '/' === base) return send(res, 301, 'Moved Permanently', { Location: base });
    if (!pathname.startsWith(base)) return send(res, 404, 'Not Found');

    const segments = pathname.slice(base.length).split('/');
    // No "..", and no hidden files (.git, .env ...), as common server configs do.
    if (segments.some((s) => s === '..' || (s.startsWith('.') && s !== ''))) return send(res, 404, 'Not Found');

    let file = path.join(rootDir, ...segments);
    if (!isInside(rootDir, file)) return send(res, 404, 'Not Found');

    let stat;
    try {
      // realpath: a symlink must not lead out of root either.
      file = await fsp.realpath(file);
      if (!isInside(rootDir, file)) return send(res, 404, 'Not Found');
      stat = await fsp.stat(file);
      if (stat.isDirectory()) {
        if (!pathname.endsWith('/')) return send(res, 301, 'Moved Permanently', { Location: rawPath + '/' });
        file = path.join(file, 'index.html');
        stat = await fsp.stat(file);
      }
    } catch {
      return send(res, 404, 'Not Found');
    }
    if (!stat.isFile()) return send(res, 404, 'Not Found');

    res.writeHead(200, {
      'Content-Type': mimeType(file),
      'Content-Length': stat.size,
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') return res.end();
    await new Promise((resolve, reject) => {
      const stream = fs.createReadStream(file);
      stream.on('error', reject);
      res.on('close', resolve);
      stream.pipe(res);
    });
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = server.address().port;
  const url = `http://${host}:${actualPort}${base}`;
  const close = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections?.();
    });
  return { url, port: actualPort, close };
}

// CLI: node tests/e2e/server.mjs <root> [port] [base]
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const [root = 'dist', portArg = process.env.PORT ?? '8080', base = '/duzhan/'] = process.argv.slice(2);
  const port = Number(portArg);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`invalid port: ${portArg}`);
    process.exit(2);
  }
  try {
    const { url, close } = await startServer({ root, base, port, log: process.env.DUZHAN_SERVER_LOG === '1' });
    console.log(`Serving ${path.resolve(root)} at ${url}  (Ctrl-C to stop)`);
    const stop = async () => {
      await close();
      process.exit(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (err) {
    console.error(`cannot serve ${root} on 127.0.0.1:${port}: ${err.message}`);
    process.exit(1);
  }
}
