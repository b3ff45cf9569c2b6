// The WebAssembly features the too-old-engine check probes (assets/engine-check.js),
// checked both ways:
//   - each probe module needs exactly its feature (invalid without it, valid with it);
//   - every wasm module of a build validates with only the probed features enabled,
//     so an engine that passes the check can compile the app (a new Rust release
//     that starts emitting another feature fails this until the check probes it).
// Validation is binaryen's (`wasm-opt` 132 from npm, on PATH via scripts/env.sh).
//
// Usage: node scripts/wasm-features.mjs <built-app-dir>
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The probes of assets/engine-check.js, as { feature: Uint8Array }. */
export function readProbes(file = path.join(REPO, 'assets', 'engine-check.js')) {
  const src = fs.readFileSync(file, 'utf8');
  const block = /var PROBES = (\{[\s\S]*?\});/.exec(src);
  if (!block) throw new Error(`${file}: no 'var PROBES = {...};' found`);
  const probes = JSON.parse(block[1].replace(/'/g, '"'));
  return Object.fromEntries(Object.entries(probes).map(([k, v]) => [k, Uint8Array.from(v)]));
}

/** Whether binaryen validates `file` with only `features` enabled: null if so, else its message. */
export function validateWith(file, features) {
  const args = [file, '--mvp-features', ...features.map((f) => `--enable-${f}`)];
  try {
    execFileSync('wasm-opt', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    return null;
  } catch (e) {
    return `${e.stderr ?? ''}${e.stdout ?? ''}`.trim() || String(e);
  }
}

/** Writes bytes to a temporary .wasm file and validates them. */
export function validateBytes(bytes, features) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duzhan-probe-'));
  try {
    const f = path.join(dir, 'probe.wasm');
    fs.writeFileSync(f, bytes);
    return validateWith(f, features);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function wasmFiles(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...wasmFiles(dir, r));
    else if (r.endsWith('.wasm')) out.push(r);
  }
  return out.sort();
}

/** Every wasm module in `dir` against the probed features: [{ file, error }] for those that need more. */
export function checkBuild(dir, features = Object.keys(readProbes())) {
  const files = wasmFiles(dir);
  if (files.length === 0) throw new Error(`${dir}: no .wasm files (build first)`);
  return {
    files,
    failures: files.map((file) => ({ file, error: validateWith(path.join(dir, file), features) })).filter((r) => r.error),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node scripts/wasm-features.mjs <built-app-dir>');
    process.exit(2);
  }
  const features = Object.keys(readProbes());
  const { files, failures } = checkBuild(dir, features);
  for (const { file, error } of failures) {
    console.error(`wasm-features: ${file} needs a feature assets/engine-check.js does not probe:\n${error.split('\n').slice(0, 6).join('\n')}`);
  }
  if (failures.length) process.exit(1);
  console.log(`wasm-features: ${files.length} wasm modules need only ${features.join(', ')} (the engine check's probes)`);
}
