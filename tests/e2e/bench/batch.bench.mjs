// Batch import benchmark (part of `bash scripts/bench.sh batch`; not a test of
// `node --test`): the office choosing every squad's bundle at once (issue 19).
//
//   node tests/e2e/bench/batch.bench.mjs      # needs a release dist/ (DUZHAN_DIST)
//   BATCH_SIZES=10,50 BATCH_REPS=3 node tests/e2e/bench/batch.bench.mjs
//
// The files: squads 1…n's full bundles of about 2,000 records (1.2 MB) each, the
// embedded default plus each squad's own generated targets, visits, answers and
// problems (`cargo run --profile bench --example bench_bundle -- squads <dir> <n>`,
// kept in BATCH_DIR, default bench-results/batch-squads). Each run is a fresh
// browser profile at #/sync with every view loaded; all n files are chosen in one
// go. Timed in the page (performance.now()): choose → the combined preview shown
// (every file read, checked and merged into the batch, one at a time), and confirm →
// the result shown (one commit to IndexedDB). Memory, sampled every 100 ms through
// the DevTools protocol while the batch runs: the JS heap's peak (Runtime.getHeapUsage
// usedSize: the file texts, ArrayBuffers' wrappers, the DOM's JS side) and the
// backing stores' peak (backingStorageSize: ArrayBuffers, among them each file read
// not yet collected; a forced collection after the commit shows they are garbage,
// not held). The wasm memory (not among the backing stores) only grows; its size
// before and after is reported. Several sizes of n show whether memory grows with the number of
// files; for the largest n the same files are also imported one per choice
// (BATCH_ONE_BY_ONE=0 skips it), whose wasm memory is what the data itself needs.
// Medians; BENCH_JSON=<file> writes them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApp, launch, newSession, openApp, waitViewsLoaded, tid } from '../harness.mjs';
import { median, wasmMemoryProbe } from './probes.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SIZES = (process.env.BATCH_SIZES ?? '10,50').split(',').map(Number).filter((n) => n > 0);
const REPS = Math.max(1, Number(process.env.BATCH_REPS ?? 3));
const DIR = process.env.BATCH_DIR ?? path.join(REPO, 'bench-results', 'batch-squads');
const TIMEOUT = 600_000;
const MB = 1024 * 1024;


execFileSync('cargo', ['run', '-q', '--profile', 'bench', '--example', 'bench_bundle', '--', 'squads', DIR, String(Math.max(...SIZES))], { cwd: REPO, stdio: 'inherit' });
const all = fs.readdirSync(DIR).filter((f) => /^squad-\d{3}\.json$/.test(f)).sort().map((f) => path.join(DIR, f));

function probe() {
  const t = (window.__batch = { chosen: null, preview: null, confirmed: null, saved: null });
  document.addEventListener('change', (e) => {
    if (e.target?.dataset?.testid === 'import-file') t.chosen = performance.now();
  }, true);
  document.addEventListener('click', (e) => {
    if (e.target?.closest?.('[data-testid="batch-confirm"]')) t.confirmed = performance.now();
  }, true);
  const mo = new MutationObserver(() => {
    if (t.chosen !== null && t.preview === null && document.querySelector('[data-testid="batch-preview"]')) t.preview = performance.now();
    if (t.confirmed !== null && t.saved === null && document.querySelector('[data-testid="batch-result"]')) t.saved = performance.now();
  });
  mo.observe(document, { subtree: true, childList: true });
}

const app = await startApp();
const browser = await launch();
const result = { sizes: {}, reps: REPS };
try {
  for (const n of SIZES) {
    const files = all.slice(0, n);
    const bytes = files.reduce((a, f) => a + fs.statSync(f).size, 0);
    const largest = Math.max(...files.map((f) => fs.statSync(f).size));
    const runs = [];
    for (let i = 0; i < REPS; i++) {
      const s = await newSession(browser);
      try {
        await s.context.addInitScript(wasmMemoryProbe);
        await s.context.addInitScript(probe);
        await openApp(s.page, `${app.url}#/sync`, { timeout: TIMEOUT });
        await waitViewsLoaded(s.page, { timeout: TIMEOUT });
        const cdp = await s.context.newCDPSession(s.page);
        await cdp.send('HeapProfiler.collectGarbage');
        const base = await cdp.send('Runtime.getHeapUsage');
        const wasmBefore = await s.page.evaluate(() => window.__wasmMemory?.buffer.byteLength ?? null);
        const peak = { used: base.usedSize, backing: base.backingStorageSize ?? 0 };
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            try {
              const h = await cdp.send('Runtime.getHeapUsage');
              peak.used = Math.max(peak.used, h.usedSize);
              peak.backing = Math.max(peak.backing, h.backingStorageSize ?? 0);
            } catch { /* the page is busy or gone */ }
            await new Promise((r) => setTimeout(r, 100));
          }
        })();
        await s.page.locator(tid('import-file')).setInputFiles(files);
        await s.page.locator(tid('batch-preview')).waitFor({ state: 'visible', timeout: TIMEOUT });
        const listed = await s.page.locator(`${tid('batch-file')}[data-outcome="bundle"]`).count();
        assert.equal(listed, n, 'every file accepted');
        await s.page.locator(tid('batch-confirm')).click();
        await s.page.locator(tid('batch-result')).waitFor({ state: 'visible', timeout: TIMEOUT });
        sampling = false;
        await sampler;
        // The files' ArrayBuffers are garbage once copied into the wasm memory: a
        // collection frees them (nothing holds a file after it is checked).
        await cdp.send('HeapProfiler.collectGarbage');
        const afterGc = (await cdp.send('Runtime.getHeapUsage')).backingStorageSize ?? 0;
        const t = await s.page.evaluate(() => window.__batch);
        const wasm = await s.page.evaluate(() => window.__wasmMemory?.buffer.byteLength ?? null);
        const run = {
          to_preview_ms: Math.round(t.preview - t.chosen),
          to_saved_ms: Math.round(t.saved - t.confirmed),
          heap_before_mb: +(base.usedSize / MB).toFixed(1),
          heap_peak_mb: +(peak.used / MB).toFixed(1),
          backing_peak_mb: +(peak.backing / MB).toFixed(1),
          wasm_before_mb: wasmBefore === null ? null : +(wasmBefore / MB).toFixed(1),
          wasm_memory_mb: wasm === null ? null : +(wasm / MB).toFixed(1),
          backing_after_gc_mb: +(afterGc / MB).toFixed(1),
        };
        runs.push(run);
        console.log(`batch ${n} files (${(bytes / MB).toFixed(1)} MB) run ${i + 1}: ${JSON.stringify(run)}`);
      } finally {
        await s.close();
      }
    }
    // The same files one per choice (preview, confirm), as before batches: the wasm
    // memory the data itself needs, to compare the batch's with.
    let oneByOne = null;
    if (process.env.BATCH_ONE_BY_ONE !== '0' && n === Math.max(...SIZES)) {
      const s = await newSession(browser);
      try {
        await s.context.addInitScript(wasmMemoryProbe);
        await s.context.addInitScript(probe);
        await openApp(s.page, `${app.url}#/sync`, { timeout: TIMEOUT });
        await waitViewsLoaded(s.page, { timeout: TIMEOUT });
        const t0 = Date.now();
        for (const f of files) {
          await s.page.locator(tid('import-file')).setInputFiles(f);
          await s.page.locator(tid('import-confirm')).click({ timeout: TIMEOUT });
          await s.page.locator(tid('import-result')).waitFor({ state: 'visible', timeout: TIMEOUT });
        }
        const wasm = await s.page.evaluate(() => window.__wasmMemory?.buffer.byteLength ?? null);
        oneByOne = { total_ms: Date.now() - t0, wasm_memory_mb: wasm === null ? null : +(wasm / MB).toFixed(1) };
        console.log(`one by one, ${n} files: ${JSON.stringify(oneByOne)}`);
      } finally {
        await s.close();
      }
    }
    const m = (k) => median(runs.map((r) => r[k]));
    result.sizes[n] = {
      files: n, bytes, largest_bytes: largest,
      to_preview_ms: m('to_preview_ms'), to_saved_ms: m('to_saved_ms'),
      heap_before_mb: m('heap_before_mb'), heap_peak_mb: m('heap_peak_mb'), backing_peak_mb: m('backing_peak_mb'), wasm_before_mb: runs[0].wasm_before_mb, wasm_memory_mb: m('wasm_memory_mb'), backing_after_gc_mb: m('backing_after_gc_mb'),
      one_by_one: oneByOne,
      runs,
    };
    console.log(`batch ${n} files: preview ${m('to_preview_ms')} ms, commit ${m('to_saved_ms')} ms, JS heap ${m('heap_before_mb')} → peak ${m('heap_peak_mb')} MB, backing stores peak ${m('backing_peak_mb')} MB, wasm memory ${runs[0].wasm_before_mb} → ${m('wasm_memory_mb')} MB, backing stores after a GC ${m('backing_after_gc_mb')} MB (largest file ${(largest / MB).toFixed(1)} MB; medians of ${REPS})`);
  }
  if (process.env.BENCH_JSON) fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify(result, null, 2));
} finally {
  await browser.close();
  await app.close();
}
