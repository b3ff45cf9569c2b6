// In-app import benchmark (part of `bash scripts/bench.sh appimport`; not a test of
// `node --test`): what a user waits for when importing a large bundle file.
//
//   node tests/e2e/bench/import.bench.mjs          # needs a release dist/ (DUZHAN_DIST)
//   IMPORT_COMPARE=/path/to/older/dist IMPORT_REPS=5 node tests/e2e/bench/import.bench.mjs
//
// The file: the import benchmark's bundle (108,727 records, 55 MB; the generated
// campaign of tests/bundle_browser_bench.rs), written natively by
// `cargo run --profile bench --example bench_bundle -- write <file>` unless
// IMPORT_BUNDLE names one. Each run is a fresh browser profile holding the embedded
// default: the app opens at #/sync, every record and view is loaded, the simulated
// user takes IMPORT_PICK_MS (default 2,000 ms) to pick the file in the import panel
// (the panel rehearses the import meanwhile: src/core/bundle/warmup.rs), and the
// preview is confirmed. Timed in
// the page with performance.now():
//   - to preview: the file input's change event → the preview table shown (the
//     file read from disk, checked and merged for the counts);
//   - to saved: the confirm click → the result shown (merged again under the save
//     lock and committed durably to IndexedDB).
// With IMPORT_COMPARE, the same runs against another build, alternating in the same
// browser. Medians; BENCH_JSON=<file> writes them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApp, launch, newSession, openApp, waitViewsLoaded, tid } from '../harness.mjs';

const REPS = Math.max(1, Number(process.env.IMPORT_REPS ?? 5));
const TIMEOUT = 300_000;
// How long the simulated user takes to pick the file once the view is open.
const PICK_MS = Number(process.env.IMPORT_PICK_MS ?? 2000);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

function bundleFile() {
  if (process.env.IMPORT_BUNDLE) return process.env.IMPORT_BUNDLE;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'duzhan-import-bench-')), 'bench-bundle.json');
  execFileSync('cargo', ['run', '-q', '--profile', 'bench', '--example', 'bench_bundle', '--', 'write', file], { cwd: REPO, stdio: 'inherit' });
  return file;
}

// Installed in every page before the app's scripts run (capture phase: before the app's handlers).
function probe() {
  const t = (window.__import = { chosen: null, preview: null, confirmed: null, saved: null });
  document.addEventListener('change', (e) => {
    if (e.target?.dataset?.testid === 'import-file') t.chosen = performance.now();
  }, true);
  document.addEventListener('click', (e) => {
    if (e.target?.closest?.('[data-testid="import-confirm"]')) t.confirmed = performance.now();
  }, true);
  const mo = new MutationObserver(() => {
    if (t.chosen !== null && t.preview === null && document.querySelector('[data-testid="import-preview"]')) t.preview = performance.now();
    if (t.confirmed !== null && t.saved === null && document.querySelector('[data-testid="import-result"]')) t.saved = performance.now();
  });
  mo.observe(document, { subtree: true, childList: true });
}

const file = bundleFile();
const bytes = fs.statSync(file).size;
const builds = [['this build', process.env.DUZHAN_DIST ?? path.join(REPO, 'dist')]];
if (process.env.IMPORT_COMPARE) builds.push(['compared build', process.env.IMPORT_COMPARE]);
const apps = [];
const browser = await launch();
try {
  for (const [, root] of builds) apps.push(await startApp({ root }));
  const runs = builds.map(() => ({ preview: [], saved: [] }));
  for (let i = 0; i < REPS; i++) {
    for (let b = 0; b < builds.length; b++) {
      const s = await newSession(browser);
      try {
        await s.context.addInitScript(probe);
        await openApp(s.page, `${apps[b].url}#/sync`, { timeout: TIMEOUT });
        await waitViewsLoaded(s.page, { timeout: TIMEOUT });
        // A user opening the file dialog and picking the file.
        await s.page.waitForTimeout(PICK_MS);
        const rehearsed = await s.page.evaluate(() => performance.getEntriesByName('duzhan:import-rehearsed').length > 0);
        await s.page.locator(tid('import-file')).setInputFiles(file);
        await s.page.locator(tid('import-preview')).waitFor({ state: 'visible', timeout: TIMEOUT });
        await s.page.locator(tid('import-confirm')).click();
        await s.page.locator(tid('import-result')).waitFor({ state: 'visible', timeout: TIMEOUT });
        const t = await s.page.evaluate(() => ({ ...window.__import, checked: performance.getEntriesByName('duzhan:import-checked')[0]?.startTime ?? null, fileRead: performance.getEntriesByName('duzhan:import-file-read')[0]?.startTime ?? null }));
        assert.ok(t.chosen !== null && t.preview !== null && t.confirmed !== null && t.saved !== null, JSON.stringify(t));
        runs[b].preview.push(t.preview - t.chosen);
        runs[b].saved.push(t.saved - t.confirmed);
        const checked = t.checked === null ? '' : ` (file in memory after ${(t.fileRead - t.chosen).toFixed(0)} ms, checked after ${(t.checked - t.chosen).toFixed(0)} ms)`;
        console.log(`import: ${builds[b][0]} run ${i + 1}: to preview ${(t.preview - t.chosen).toFixed(0)} ms${checked}, to saved ${(t.saved - t.confirmed).toFixed(0)} ms${rehearsed ? ' (rehearsed before the pick)' : ''}`);
      } finally {
        await s.close();
      }
    }
  }
  const result = { bytes, reps: REPS, builds: {} };
  builds.forEach(([name, root], b) => {
    const p = median(runs[b].preview);
    const sv = median(runs[b].saved);
    result.builds[name] = { dist: root, to_preview_ms: Math.round(p), to_saved_ms: Math.round(sv), total_ms: Math.round(p + sv), runs: runs[b] };
    console.log(`import (${name}): ${bytes} bytes — to preview ${p.toFixed(0)} ms, confirm to saved ${sv.toFixed(0)} ms (medians of ${REPS})`);
  });
  if (process.env.BENCH_JSON) fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify(result, null, 2));
} finally {
  await browser.close();
  for (const a of apps) await a.close();
}
