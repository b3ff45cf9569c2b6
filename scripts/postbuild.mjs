// Trunk post-build hook (also importable): turns a built app directory into an
// offline-capable one.
//
// 0. (In Trunk's hook only) splits the app's wasm into a first-load module and
//    chunks loaded on first use: scripts/split.mjs.
// 1. Writes `sw.js` from `assets/sw.template.js`: the precache list is every file
//    of the build, and the cache version is a hash of their contents — so any change
//    to any file (including the unhashed xlsx worker files) makes a new version,
//    and an unchanged build keeps its cache.
// 2. Adds a strict Content-Security-Policy meta tag to index.html: no
//    'unsafe-inline' or 'unsafe-eval'; 'wasm-unsafe-eval' for the module; the
//    SHA-256 of Trunk's inline start script (which changes with every build, hence
//    computed here); object-src 'none'; base-uri 'none'. docs/deploy.md gives the
//    same policy as an HTTP header for servers.
//
// Usage: run by Trunk with TRUNK_STAGING_DIR set, or `node scripts/postbuild.mjs <dir>`.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitApp } from './split.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SKIP = new Set(['sw.js']);

function listFiles(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.name.startsWith('.')) continue;
    if (e.isDirectory()) out.push(...listFiles(dir, r));
    else if (!SKIP.has(r)) out.push(r);
  }
  return out.sort();
}

/** The policy, given the hashes of the page's inline scripts. */
export function contentSecurityPolicy(scriptHashes) {
  return [
    "default-src 'self'",
    `script-src 'self' 'wasm-unsafe-eval' ${scriptHashes.map((h) => `'${h}'`).join(' ')}`.trim(),
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function inlineScriptHashes(html) {
  const hashes = [];
  for (const m of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)) {
    hashes.push(`sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}`);
  }
  return hashes;
}

export function postBuild(dir) {
  const indexPath = path.join(dir, 'index.html');
  let html = fs.readFileSync(indexPath, 'utf8');
  html = html.replace(/\s*<meta http-equiv="Content-Security-Policy"[^>]*>/, '');
  const csp = contentSecurityPolicy(inlineScriptHashes(html));
  // After <meta charset>, which must come first.
  const tag = `<meta http-equiv="Content-Security-Policy" content="${csp}" />`;
  html = /<meta charset[^>]*>/.test(html)
    ? html.replace(/(<meta charset[^>]*>)/, `$1\n  ${tag}`)
    : html.replace(/<head>/, `<head>\n  ${tag}`);
  fs.writeFileSync(indexPath, html);

  const files = listFiles(dir);
  const hash = createHash('sha256');
  for (const f of files) {
    hash.update(f);
    hash.update('\0');
    hash.update(fs.readFileSync(path.join(dir, f)));
  }
  const version = hash.digest('hex').slice(0, 16);
  const template = fs.readFileSync(path.join(REPO, 'assets', 'sw.template.js'), 'utf8');
  const sw = template
    .replace('__VERSION__', version)
    .replace('__PRECACHE__', JSON.stringify(['./', ...files.map((f) => `./${f}`)], null, 2));
  fs.writeFileSync(path.join(dir, 'sw.js'), sw);
  return { version, files, csp };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
  if (!dir) {
    console.error('usage: node scripts/postbuild.mjs <built-app-dir> (or TRUNK_STAGING_DIR)');
    process.exit(2);
  }
  // In Trunk's hook, first cut the app's wasm at its split points (scripts/split.mjs).
  if (process.env.TRUNK_STAGING_DIR) {
    const t0 = Date.now();
    const split = splitApp(dir, { repo: REPO, profile: process.env.TRUNK_PROFILE ?? 'release' });
    if (split) console.log(`postbuild: split ${split.stem} into ${split.chunks.length} chunks (${Date.now() - t0} ms)`);
  }
  const { version, files } = postBuild(dir);
  console.log(`postbuild: sw.js version ${version}, ${files.length} files precached, CSP set`);
}
