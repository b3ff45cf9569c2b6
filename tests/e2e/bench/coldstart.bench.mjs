// Cold-start benchmark (part of `bash scripts/bench.sh`; not a test of `node --test`).
//
//   node tests/e2e/bench/coldstart.bench.mjs        # needs a release dist/ (DUZHAN_DIST)
//   COLDSTART_REPS=11 BENCH_JSON=out.json node tests/e2e/bench/coldstart.bench.mjs
//
// Two browser profiles, each with the app already set up:
//   - "empty": the embedded default only (the 督战表 plan; no field work);
//   - "100k":  the same plus 100,000 generated problems with their histories
//              (core::fieldwork::generate::generate_campaign(2020, 500, 0, 100_000),
//              about 336,000 records), written once through the app's own commit
//              path by opening it with `?bench=store100k`.
// Then, alternating between the two, COLDSTART_REPS times: a new tab loads the app at
// #/ledger, and the page records with performance.now() (from navigation start):
//   - interactive: the frame after `app-ready` appears (the stored data is loaded and
//     the view rendered; input is handled from here on);
//   - records ready: every stored record is read (the field-work records are read
//     page by page after the first view; the app's User Timing mark
//     `duzhan:records-ready`);
//   - ledger ready: the ledger view's index holds every stored problem (it is built in
//     chunks after the records are read, the page staying responsive meanwhile).
// Medians, and the ratio 100k / empty of the interactive times (goal ≤ 2×).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startApp, launch, newSession, openApp, tid } from '../harness.mjs';

const REPS = Math.max(3, Number(process.env.COLDSTART_REPS ?? 7));
const SETUP_TIMEOUT = 900_000;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

// Installed in every page before the app's scripts run.
function probe() {
  const cold = (window.__cold = { interactive: null, appReady: null, ledgerReady: null });
  const check = () => {
    if (cold.appReady === null && document.querySelector('[data-testid="app-ready"]')) {
      cold.appReady = performance.now();
      requestAnimationFrame(() => {
        const ch = new MessageChannel();
        ch.port1.onmessage = () => {
          cold.interactive = performance.now();
        };
        ch.port2.postMessage(0);
      });
    }
    if (cold.ledgerReady === null && document.querySelector('[data-testid="view-ledger"][data-ready="true"]')) {
      cold.ledgerReady = performance.now();
      mo.disconnect();
    }
  };
  const mo = new MutationObserver(check);
  mo.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-ready'] });
}

const app = await startApp();
const browser = await launch();
const profiles = {};
try {
  for (const which of ['empty', '100k']) {
    const s = await newSession(browser);
    await s.context.addInitScript(probe);
    if (which === 'empty') {
      await openApp(s.page, `${app.url}#/ledger`);
    } else {
      const t0 = Date.now();
      await openApp(s.page, `${app.url}?bench=store100k#/ledger`, { timeout: SETUP_TIMEOUT });
      await s.page.locator(`${tid('save-status')}[data-state="saved"]`).waitFor({ state: 'attached', timeout: SETUP_TIMEOUT });
      console.log(`cold start: stored 100,000 generated problems through the app in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    await s.page.locator(`${tid('view-ledger')}[data-ready="true"]`).waitFor({ timeout: SETUP_TIMEOUT });
    profiles[which] = { session: s, runs: [], problems: Number(await s.page.locator(tid('ledger-count')).getAttribute('data-count')) };
    await s.page.close();
  }
  assert.ok(profiles['100k'].problems >= 100_000, `the 100k profile shows ${profiles['100k'].problems} problems`);

  for (let i = 0; i < REPS; i++) {
    for (const which of ['empty', '100k']) {
      const p = profiles[which];
      const page = await p.session.context.newPage();
      await page.goto(`${app.url}#/ledger`, { waitUntil: 'domcontentloaded' });
      await page.waitForFunction(() => window.__cold.interactive !== null && window.__cold.ledgerReady !== null, null, { timeout: SETUP_TIMEOUT, polling: 50 });
      const r = await page.evaluate(() => ({
        ...window.__cold,
        recordsReady: performance.getEntriesByName('duzhan:records-ready')[0]?.startTime ?? null,
        headReady: performance.getEntriesByName('duzhan:head-ready')[0]?.startTime ?? null,
        count: Number(document.querySelector('[data-testid="ledger-count"]').dataset.count),
      }));
      assert.ok(r.recordsReady !== null && r.headReady !== null, 'the app marks head-ready and records-ready');
      assert.equal(r.count, p.problems, `${which}: every stored problem is in the ledger after a cold start`);
      p.runs.push(r);
      await page.close();
    }
  }

  const summary = (which) => {
    const runs = profiles[which].runs;
    return {
      problems: profiles[which].problems,
      interactiveMs: +median(runs.map((r) => r.interactive)).toFixed(1),
      headReadyMs: +median(runs.map((r) => r.headReady)).toFixed(1),
      recordsReadyMs: +median(runs.map((r) => r.recordsReady)).toFixed(1),
      ledgerReadyMs: +median(runs.map((r) => r.ledgerReady)).toFixed(1),
      runs: runs.map((r) => ({ interactive: +r.interactive.toFixed(1), recordsReady: +r.recordsReady.toFixed(1), ledgerReady: +r.ledgerReady.toFixed(1) })),
    };
  };
  const empty = summary('empty');
  const full = summary('100k');
  const report = {
    reps: REPS,
    empty,
    full,
    ratioInteractive: full.interactiveMs / empty.interactiveMs,
    ratioRecordsReady: full.recordsReadyMs / empty.recordsReadyMs,
    ratioLedgerReady: full.ledgerReadyMs / empty.ledgerReadyMs,
  };
  console.log(`cold start to interactive (median of ${REPS}): default data only ${empty.interactiveMs} ms, with ${full.problems.toLocaleString('en')} problems ${full.interactiveMs} ms → ${report.ratioInteractive.toFixed(2)}× (goal ≤ 2×)`);
  console.log(`cold start to every record read: ${empty.recordsReadyMs} ms vs ${full.recordsReadyMs} ms; to a complete ledger: ${empty.ledgerReadyMs} ms vs ${full.ledgerReadyMs} ms`);
  console.log(JSON.stringify(report));
  if (process.env.BENCH_JSON) fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify(report, null, 1));
  for (const p of Object.values(profiles)) p.session.assertNoErrors();
} finally {
  for (const p of Object.values(profiles)) await p.session.close();
  await browser.close();
  await app.close();
}
