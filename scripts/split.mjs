// Code splitting (分包) for the built app: cuts the app's wasm at its split points
// (src/ui/split.rs) into a first-load module and chunks that load on first use.
//
// Trunk 0.21 cannot do this itself: the cut has to happen on the linker's output,
// before wasm-bindgen (which drops the relocations the cut needs), and Trunk's
// hooks run only before or after its whole pipeline. So the post-build hook
// (scripts/postbuild.mjs) redoes the last steps for the app from cargo's raw wasm:
//
//   1. wasm-split-cli   raw wasm (linked with --emit-relocs: build.rs)
//                       -> main module + split_<group>.wasm + chunk_<n>.wasm + loader JS
//   2. wasm-bindgen     on the main module (--keep-lld-exports: the chunks link
//                       against the main module's exports)
//   3. wasm-opt -Oz     on every wasm (release builds; Trunk's own wasm-opt is off
//                       for the app, data-wasm-opt="0" in index.html)
//   4. replaces Trunk's duzhan-<hash>.js and duzhan-<hash>_bg.wasm in the staging
//      directory with the results, adds the loader and the chunks under names that
//      carry the same hash (duzhan-<hash>.split.js, duzhan-<hash>.<chunk>.wasm), so
//      a new build never mixes with an old build's chunks in any cache, and
//      rewrites the subresource-integrity hashes in index.html.
//
// Trunk's hash is of cargo's raw wasm, from which everything here is derived, so
// the names still identify the content.
//
// Usage: imported by postbuild.mjs (splitApp). Needs wasm-split-cli,
// wasm-bindgen and (release) wasm-opt on PATH: scripts/setup.sh installs them.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const APP = 'duzhan';

function run(cmd, args, opts = {}) {
  try {
    return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...opts });
  } catch (e) {
    const out = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim();
    throw new Error(`split: '${cmd} ${args.join(' ')}' failed${e.code === 'ENOENT' ? ` (${cmd} is not on PATH: run scripts/setup.sh and source scripts/env.sh)` : ''}\n${out}`);
  }
}

function sri(buf) {
  return `sha384-${createHash('sha384').update(buf).digest('base64')}`;
}

/** Cargo's target directory (CARGO_TARGET_DIR or the workspace's), as Trunk sees it. */
function targetDir(repo) {
  const meta = JSON.parse(run('cargo', ['metadata', '--format-version', '1', '--no-deps', '--offline'], { cwd: repo }));
  return meta.target_directory;
}

/** Replaces every occurrence of `from` in `text`; fails when there is none. */
function replaceAll(text, from, to, what) {
  if (!text.includes(from)) throw new Error(`split: expected ${JSON.stringify(from)} in ${what}; the wasm-split or wasm-bindgen output format changed`);
  return text.split(from).join(to);
}

/**
 * Splits the app in a Trunk staging directory in place. Returns what it wrote,
 * or null when the directory is already split (running the hook script again).
 * `target`: cargo's target directory (default: asked of `cargo metadata` in `repo`).
 */
export function splitApp(dir, { repo, profile = 'release', target = null } = {}) {
  const names = fs.readdirSync(dir);
  const js = names.filter((n) => new RegExp(`^${APP}-[0-9a-f]+\\.js$`).test(n));
  if (js.length !== 1) throw new Error(`split: expected one ${APP}-<hash>.js in ${dir}, found ${js.length}`);
  const stem = js[0].slice(0, -3);
  if (names.includes(`${stem}.split.js`)) return null;
  const raw = path.join(target ?? targetDir(repo), 'wasm32-unknown-unknown', profile, `${APP}.wasm`);
  if (!fs.existsSync(raw)) throw new Error(`split: cargo's output ${raw} is missing`);
  const rawBytes = fs.readFileSync(raw);
  if (!rawBytes.includes(Buffer.from('reloc.CODE'))) {
    throw new Error(`split: ${raw} has no relocations; it must be linked with --emit-relocs (build.rs passes it for the duzhan binary on wasm32)`);
  }

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'duzhan-split-'));
  try {
    run('wasm-split-cli', [raw, tmp, '--out-name', stem]);
    const bg = path.join(tmp, 'bindgen');
    run('wasm-bindgen', ['--target', 'web', '--keep-lld-exports', '--no-demangle', '--no-typescript', '--out-name', stem, '--out-dir', bg, path.join(tmp, `${stem}.wasm`)]);
    const chunks = fs.readdirSync(tmp).filter((n) => n.endsWith('.wasm') && n !== `${stem}.wasm`).sort();
    if (!chunks.some((n) => n.startsWith('split_'))) throw new Error('split: wasm-split found no split points (src/ui/split.rs)');
    const wasmFiles = [path.join(bg, `${stem}_bg.wasm`), ...chunks.map((n) => path.join(tmp, n))];
    if (profile === 'release') {
      for (const f of wasmFiles) run('wasm-opt', ['-Oz', ...(process.env.DUZHAN_WASM_NAMES ? ['-g'] : []), f, '-o', f]);
    }

    // The loader: chunk files by their new names; it imports initSync from ./<stem>.js.
    let loader = fs.readFileSync(path.join(tmp, '__wasm_split.js'), 'utf8');
    for (const c of chunks) loader = replaceAll(loader, `"./${c}"`, `"./${stem}.${c}"`, 'the split loader');
    if (!loader.includes(`"./${stem}.js"`)) throw new Error(`split: the split loader does not import ./${stem}.js`);
    let glue = fs.readFileSync(path.join(bg, `${stem}.js`), 'utf8');
    // Only the module specifiers: the import object keeps the wasm's own module name.
    glue = replaceAll(glue, 'from "./__wasm_split.js"', `from "./${stem}.split.js"`, 'the wasm-bindgen glue');
    const mainWasm = fs.readFileSync(path.join(bg, `${stem}_bg.wasm`));

    fs.writeFileSync(path.join(dir, `${stem}.js`), glue);
    fs.writeFileSync(path.join(dir, `${stem}_bg.wasm`), mainWasm);
    fs.writeFileSync(path.join(dir, `${stem}.split.js`), loader);
    for (const c of chunks) fs.copyFileSync(path.join(tmp, c), path.join(dir, `${stem}.${c}`));

    // index.html: new integrity for the replaced files; the loader preloaded with them.
    const indexPath = path.join(dir, 'index.html');
    let html = fs.readFileSync(indexPath, 'utf8');
    for (const [file, bytes] of [[`${stem}.js`, Buffer.from(glue)], [`${stem}_bg.wasm`, mainWasm]]) {
      const re = new RegExp(`(<link[^>]*href="\\./${file.replace(/\./g, '\\.')}"[^>]*integrity=")[^"]*(")`);
      if (!re.test(html)) throw new Error(`split: no <link … href="./${file}" integrity=…> in index.html`);
      html = html.replace(re, `$1${sri(bytes)}$2`);
    }
    const preload = `<link rel="modulepreload" href="./${stem}.split.js" crossorigin="anonymous" integrity="${sri(Buffer.from(loader))}">`;
    html = html.replace('</head>', `${preload}</head>`);
    fs.writeFileSync(indexPath, html);
    return { stem, chunks: chunks.map((c) => `${stem}.${c}`) };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
