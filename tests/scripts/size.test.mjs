// Tests of the first-load size check (scripts/size.mjs) on synthetic dist dirs:
// which files count as first load, pass within 5%, fail above it, ask to lower
// the figure when smaller, and the --update ratchet.
//
//   node --test tests/scripts/
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstLoadFiles, judge, measure } from '../../scripts/size.mjs';

const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/size.mjs');

// A dist laid out like Trunk's: a stylesheet, a plain script, the inline start
// module importing the glue and initialising the wasm, a preload, a snippet the
// glue imports, and files loaded only later (a worker, the service worker).
const made = [];
after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function syntheticDist({ wasmBytes = 40_000 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'size-test-'));
  made.push(dir);
  const w = (f, data) => {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), data);
  };
  w(
    'index.html',
    `<!DOCTYPE html><html><head>
  <link rel="icon" href="./icon.svg"/>
  <link rel="manifest" href="manifest.webmanifest" />
  <script src="register-sw.js" defer></script>
  <link rel="stylesheet" href="./main-abc.css"/>
  <script type="module">
import init, * as bindings from './app-123.js';
const wasm = await init({ module_or_path: './app-123_bg.wasm' });
</script>
  <!-- <script src="commented-out.js"></script> -->
  <link rel="modulepreload" href="./app-123.js"><link rel="preload" href="./app-123_bg.wasm" as="fetch" type="application/wasm">
</head><body></body></html>`,
  );
  w('register-sw.js', "navigator.serviceWorker.register('./sw.js');\n");
  w('main-abc.css', 'body { color: red; }\n'.repeat(50));
  w('app-123.js', "import { helper } from './snippets/app/inline0.js';\nexport default function init() {}\nconst w = new Worker('./worker_loader.js');\n");
  w('snippets/app/inline0.js', 'export function helper() { return 1; }\n');
  w('app-123_bg.wasm', randomBytes(wasmBytes)); // incompressible: gzip ~ raw
  w('worker_loader.js', "importScripts('./worker.js');\n");
  w('worker.js', 'x'.repeat(1000));
  w('worker_bg.wasm', randomBytes(50_000));
  w('sw.js', "self.addEventListener('fetch', () => {});\n");
  w('commented-out.js', 'nothing');
  w('icon.svg', '<svg/>');
  w('manifest.webmanifest', '{}');
  return dir;
}

function budgetFile(dir, gzip) {
  const f = path.join(dir, 'budget.json');
  fs.writeFileSync(f, JSON.stringify({ firstLoadGzipBytes: gzip, tolerance: 0.05, history: [] }));
  return f;
}

function run(...args) {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

test('first load is what index.html loads at start, nothing loaded later', () => {
  const dist = syntheticDist();
  assert.deepEqual(firstLoadFiles(dist), [
    'app-123.js',
    'app-123_bg.wasm',
    'main-abc.css',
    'register-sw.js',
    'snippets/app/inline0.js',
  ]);
  const m = measure(dist);
  const later = m.later.map((r) => r.file);
  for (const f of ['worker_bg.wasm', 'worker.js', 'worker_loader.js', 'sw.js', 'commented-out.js', 'icon.svg']) {
    assert.ok(later.includes(f), `${f} is reported as later`);
  }
  assert.ok(!later.includes('index.html'));
  // Totals add up, and incompressible wasm dominates the gzip figure.
  assert.equal(m.total.raw, m.firstLoad.reduce((t, r) => t + r.raw, 0));
  assert.equal(m.total.gzip, m.firstLoad.reduce((t, r) => t + r.gzip, 0));
  assert.ok(m.total.gzip > 40_000 && m.total.gzip < 42_000, `gzip total ${m.total.gzip}`);
  assert.ok(m.total.brotli > 0 && m.total.brotli < m.total.raw);
});

test('passes at and within 5% above the recorded figure', () => {
  const dist = syntheticDist();
  const { gzip } = measure(dist).total;
  for (const recorded of [gzip, Math.ceil(gzip / 1.04)]) {
    const r = run(dist, '--budget', budgetFile(dist, recorded));
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /size: ok/);
    assert.doesNotMatch(r.out, /lower the recorded figure/);
  }
});

test('fails when the build is more than 5% above the recorded figure', () => {
  const dist = syntheticDist();
  const { gzip } = measure(dist).total;
  const r = run(dist, '--budget', budgetFile(dist, Math.floor(gzip / 1.06)));
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /FAIL: first load is \d+ bytes gzip, 6\.\d% above/);
  // The boundary itself: exactly 5% above passes, one byte more fails.
  assert.equal(judge(1050, { firstLoadGzipBytes: 1000 }).verdict, 'ok');
  assert.equal(judge(1051, { firstLoadGzipBytes: 1000 }).verdict, 'over');
});

test('asks to lower the figure when the build is smaller', () => {
  const dist = syntheticDist();
  const { gzip } = measure(dist).total;
  const r = run(dist, '--budget', budgetFile(dist, Math.round(gzip * 1.2)));
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /SMALLER than recorded/);
  assert.match(r.out, /lower the recorded figure: node scripts\/size\.mjs <dist> --update/);
});

test('--update lowers the figure, refuses growth without a reason, records the reason', () => {
  const dist = syntheticDist();
  const { gzip } = measure(dist).total;
  const file = budgetFile(dist, gzip + 5000);
  let r = run(dist, '--budget', file, '--update');
  assert.equal(r.code, 0, r.out);
  let b = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(b.firstLoadGzipBytes, gzip);
  assert.equal(b.history.length, 1);
  assert.equal(b.tolerance, 0.05);

  fs.writeFileSync(file, JSON.stringify({ ...b, firstLoadGzipBytes: gzip - 100 }));
  r = run(dist, '--budget', file, '--update');
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /refusing to raise/);
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).firstLoadGzipBytes, gzip - 100, 'unchanged');

  r = run(dist, '--budget', file, '--update', '--allow-growth', 'monthly reports');
  assert.equal(r.code, 0, r.out);
  b = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(b.firstLoadGzipBytes, gzip);
  assert.equal(b.history.at(-1).growthReason, 'monthly reports');

  assert.equal(run(dist, '--budget', file, '--update', '--allow-growth').code, 2, 'a reason is required');
});

test('a file index.html loads but the build lacks is an error, not a small build', () => {
  const dist = syntheticDist();
  fs.rmSync(path.join(dist, 'app-123_bg.wasm'));
  const r = run(dist, '--budget', budgetFile(dist, 1_000_000));
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /loads app-123_bg\.wasm, which is not in/);
});
