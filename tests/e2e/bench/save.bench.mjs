// Save-latency benchmark (issue 15; part of `bash scripts/bench.sh save`, not of `node --test`).
//
//   node tests/e2e/bench/save.bench.mjs        # needs a release dist/ (DUZHAN_DIST) and the
//                                              # squad bundles (scripts/bench.sh writes them)
//   SAVE_REPS=9 BENCH_JSON=out.json SAVE_BUNDLES=dir node tests/e2e/bench/save.bench.mjs
//
// Two browser profiles, as in the cold-start benchmark: "empty" (the embedded default
// only) and "100k" (the same plus 100,000 generated problems with their histories, about
// 336,000 records, written once through the app's own commit path with ?bench=store100k).
// Each profile's page is loaded once and waits until every record is read and the ledger
// is complete. Then, alternating between the two profiles, SAVE_REPS times (≥ 7):
//   - figure: on a target page (#/targets/seed-target-wuding), a new figure typed and
//     "添加" clicked → the frame after the save status says "已保存";
//   - status: a problem's status changed through the transition dialog (in progress ⇄
//     awaiting verification), "确认" clicked → the frame after "已保存";
//   - import: a squad's bundle of ~2,000 new records (its own each time), chosen and
//     previewed, then "确认导入" clicked → the frame after "已保存".
// Once per profile, typing: 40 characters typed into an autosaved visit form's findings
// at 120 ms per key, in four bursts with a pause (an autosave) after each; every long task (PerformanceObserver 'longtask', > 50 ms) during the
// typing and until the autosave says "已保存" is recorded, and the text is then checked
// to be stored (the page is reloaded and the form shows it).
// Medians, and the ratio 100k / empty per action (goal ≤ 2×).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startApp, launch, newSession, openApp, tid, REPO_ROOT } from '../harness.mjs';

const REPS = Math.max(7, Number(process.env.SAVE_REPS ?? 7));
const SETUP_TIMEOUT = 900_000;
const BUNDLES = process.env.SAVE_BUNDLES ?? path.join(REPO_ROOT, 'bench-results', 'squads');
const TARGET = 'seed-target-wuding';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

// Installed in every page: arms a measurement from the next click to the frame after
// the save status goes through "saving" to "saved".
function probe() {
  window.__save = {
    // From the next click to the frame after the app confirmed a commit (its User
    // Timing mark `duzhan:saved`, made when the status becomes "已保存") and the page
    // shows "已保存". A form error instead rejects.
    arm() {
      const marks = () => performance.getEntriesByName('duzhan:saved').length;
      const n0 = marks();
      let t0 = null;
      const onClick = (e) => {
        if (t0 === null) t0 = window.__save.t0 = e.timeStamp;
      };
      window.addEventListener('click', onClick, true);
      window.__save.pending = new Promise((resolve, reject) => {
        const deadline = performance.now() + 120_000;
        let done = false;
        const finish = (f) => {
          done = true;
          mo.disconnect();
          window.removeEventListener('click', onClick, true);
          f();
        };
        // Checked on every change of the page (as soon as "已保存" is rendered) and on
        // every frame (for the mark, and the deadline).
        const check = () => {
          if (done) return;
          const state = document.querySelector('[data-testid="save-status"]')?.getAttribute('data-state');
          const error = [...document.querySelectorAll('[data-testid="form-error"], [data-testid="import-error"]')].map((e) => e.textContent.trim()).find((t) => t);
          if (error) return finish(() => reject(new Error(`the form says: ${error}`)));
          if (state === 'error') return finish(() => reject(new Error('the save failed')));
          if (t0 !== null && marks() > n0 && state === 'saved') {
            // The frame after: "已保存" has been painted.
            return finish(() =>
              requestAnimationFrame(() => {
                const ch = new MessageChannel();
                ch.port1.onmessage = () => {
                  window.__save.end = performance.now();
                  resolve(window.__save.end - t0);
                };
                ch.port2.postMessage(0);
              }),
            );
          }
          if (performance.now() > deadline) return finish(() => reject(new Error(`no save within 120 s (status ${state})`)));
        };
        const mo = new MutationObserver(check);
        mo.observe(document.body, { subtree: true, attributes: true, childList: true, characterData: true });
        const frame = () => {
          check();
          if (!done) requestAnimationFrame(frame);
        };
        requestAnimationFrame(frame);
      });
    },
  };
  window.__longtasks = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    window.__longtasks = null;
  }
}

// Where the last measured save spent its time, from the commit's User Timing marks
// (app/commit.rs): waiting for the turn, staging (merge against the replica),
// the IndexedDB commit, applying it to the replica and read models, and
// rendering until the frame after "已保存".
function steps() {
  const last = (n) => {
    const e = performance.getEntriesByName(`duzhan:${n}`);
    return e.length ? e[e.length - 1].startTime : NaN;
  };
  const [turn, staged, stored, applied] = ['commit-turn', 'commit-staged', 'commit-stored', 'commit-applied'].map(last);
  return { turn: turn - window.__save.t0, stage: staged - turn, store: stored - staged, apply: applied - stored, render: window.__save.end - applied };
}

async function measure(page, act) {
  await page.evaluate(() => window.__save.arm());
  await act();
  return page.evaluate(() => window.__save.pending);
}

async function ready(page, hash) {
  await page.goto(`${page.__url}${hash}`, { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => performance.getEntriesByName('duzhan:ledger-ready').length > 0, null, { timeout: SETUP_TIMEOUT, polling: 100 });
}

async function figure(page, i) {
  await page.locator(tid('figure-value')).fill(String(3000 - i));
  await page.locator(tid('figure-date')).fill('2020-05-01');
  return measure(page, () => page.locator(tid('figure-add')).click());
}

async function statusChange(page, i) {
  const to = i % 2 === 0 ? 'awaiting_verification' : 'in_progress';
  await page.locator(tid(`transition-${to}`)).click();
  await page.locator(tid('transition-dialog')).waitFor({ state: 'visible' });
  await page.locator(tid('transition-by')).fill('李明');
  if (to === 'in_progress') {
    await page.locator(tid('verifier-name')).fill('杨虹');
    await page.locator(tid('verification-failed')).check();
  }
  await page.locator(tid('transition-comment')).fill(`第${i}次：整改情况说明`);
  const ms = await measure(page, () => page.locator(tid('transition-confirm')).click());
  await page.locator(tid('transition-dialog')).waitFor({ state: 'hidden' });
  return ms;
}

async function importBundle(page, file) {
  await page.locator(tid('import-file')).setInputFiles(file);
  await page.locator(tid('import-preview')).waitFor({ state: 'visible', timeout: 120_000 });
  const ms = await measure(page, () => page.locator(tid('import-confirm')).click());
  const st = await page.evaluate(steps);
  // The known devices' "not yet received", counted in slices after "已保存": when
  // the last count is shown, from the same click.
  const countedMs = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const check = () =>
          document.querySelector('[data-testid="not-yet-received"][data-counting="true"]') ? requestAnimationFrame(check) : resolve(performance.now() - window.__save.t0);
        check();
      }),
  );
  return { ms, steps: { ...st, countedAfterClick: countedMs } };
}

/** Types into the findings of a new visit; the long tasks meanwhile and until saved. */
async function typing(page) {
  await ready(page, `#/visits/new?target=${TARGET}`);
  const field = page.locator(tid('visit-findings'));
  await field.waitFor({ state: 'visible' });
  // The first edit stores the draft (and gives the visit its address).
  await page.locator(tid('visit-members')).fill('李明、王芳');
  await page.locator(`${tid('visit-autosave')}[data-state="saved"]`).waitFor({ timeout: 60_000 });
  const text = '甘塘安置点就业车间运转正常个别户旧房未拆需督促整改落实到户到人限期完成复查核验销号归档';
  const t0 = await page.evaluate(() => performance.now());
  await field.click();
  // Four bursts of ten keys, with a pause after each long enough for the autosave
  // (500 ms after the last key) to write: a save at every pause, as a user types.
  for (let k = 0; k < 40; k += 10) {
    await page.keyboard.type(text.slice(k, k + 10), { delay: 120 });
    await page.waitForTimeout(900);
  }
  await page.locator(`${tid('visit-autosave')}[data-state="saved"]`).waitFor({ timeout: 60_000 });
  const r = await page.evaluate((t0) => ({ end: performance.now(), tasks: window.__longtasks }), t0);
  assert.ok(r.tasks !== null, 'this browser reports long tasks');
  const during = r.tasks.filter((t) => t.start >= t0 && t.start <= r.end);
  const visit = page.url().split('#/visits/')[1];
  await page.reload({ waitUntil: 'domcontentloaded' });
  await page.locator(tid('visit-findings')).waitFor({ state: 'visible', timeout: SETUP_TIMEOUT });
  assert.equal(await page.locator(tid('visit-findings')).inputValue(), text.slice(0, 40), 'the typed findings are stored');
  return { visit, typedMs: +(r.end - t0).toFixed(0), longTasks: during.length, longestTaskMs: +Math.max(0, ...during.map((t) => t.duration)).toFixed(1) };
}

const files = fs.existsSync(BUNDLES) ? fs.readdirSync(BUNDLES).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(BUNDLES, f)) : [];
assert.ok(files.length >= REPS, `${REPS} squad bundles are needed in ${BUNDLES} (scripts/bench.sh save writes them); found ${files.length}`);

const app = await startApp();
const browser = await launch();
const profiles = {};
try {
  for (const which of ['empty', '100k']) {
    const s = await newSession(browser);
    await s.context.addInitScript(probe);
    if (which === '100k') {
      const t0 = Date.now();
      await openApp(s.page, `${app.url}?bench=store100k#/ledger`, { timeout: SETUP_TIMEOUT });
      await s.page.locator(`${tid('save-status')}[data-state="saved"]`).waitFor({ state: 'attached', timeout: SETUP_TIMEOUT });
      console.log(`save: stored 100,000 generated problems through the app in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } else {
      await openApp(s.page, `${app.url}#/ledger`);
    }
    const page = s.page;
    page.__url = app.url;
    // One problem of our own to move between statuses, in both profiles.
    await ready(page, `#/problems/new?target=${TARGET}`);
    await page.locator(tid('problem-form')).waitFor({ state: 'visible' });
    await page.locator(tid('problem-description')).fill('基准测试：3户旧房未拆除');
    await page.locator(tid('problem-unit')).fill('武定县住建局');
    await page.locator(tid('problem-person')).fill('张强');
    await page.locator(tid('problem-deadline')).fill(new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10));
    await measure(page, () => page.locator(tid('problem-save')).click());
    await page.locator(tid('view-problem')).waitFor({ state: 'visible' });
    const problem = await page.locator(tid('view-problem')).getAttribute('data-problem-id');
    await page.locator(tid('transition-in_progress')).click();
    await page.locator(tid('transition-by')).fill('李明');
    await measure(page, () => page.locator(tid('transition-confirm')).click());
    profiles[which] = { session: s, page, problem, figure: [], status: [], import: [], importSteps: [] };
  }

  for (let i = 0; i < REPS; i++) {
    for (const which of ['empty', '100k']) {
      const p = profiles[which];
      await ready(p.page, `#/targets/${TARGET}`);
      p.figure.push(await figure(p.page, i));
      await ready(p.page, `#/problems/${p.problem}`);
      p.status.push(await statusChange(p.page, i));
      await ready(p.page, '#/sync');
      const imported = await importBundle(p.page, files[i]);
      p.import.push(imported.ms);
      p.importSteps.push(imported.steps);
    }
  }
  for (const which of ['empty', '100k']) profiles[which].typing = await typing(profiles[which].page);

  const round = (x) => +x.toFixed(1);
  const summary = (which) => {
    const p = profiles[which];
    return {
      figureMs: round(median(p.figure)),
      statusMs: round(median(p.status)),
      importMs: round(median(p.import)),
      importStepsMs: Object.fromEntries(Object.keys(p.importSteps[0]).map((k) => [k, round(median(p.importSteps.map((x) => x[k])))])),
      typing: p.typing,
      runs: { figure: p.figure.map(round), status: p.status.map(round), import: p.import.map(round) },
    };
  };
  const empty = summary('empty');
  const full = summary('100k');
  const ratio = (k) => +(full[k] / empty[k]).toFixed(2);
  const report = { reps: REPS, empty, full, ratioFigure: ratio('figureMs'), ratioStatus: ratio('statusMs'), ratioImport: ratio('importMs') };
  console.log(`save latency, click → "已保存" (median of ${REPS}), default data only vs 100,000 problems stored (goal ≤ 2×):`);
  console.log(`  a figure on a target page:   ${empty.figureMs} ms vs ${full.figureMs} ms → ${report.ratioFigure}×`);
  console.log(`  a problem's status change:   ${empty.statusMs} ms vs ${full.statusMs} ms → ${report.ratioStatus}×`);
  console.log(`  a 2,000-record squad bundle: ${empty.importMs} ms vs ${full.importMs} ms → ${report.ratioImport}×`);
  const stepsText = (x) => Object.entries(x.importStepsMs).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`    its steps (ms, medians): ${stepsText(empty)} vs ${stepsText(full)}`);
  console.log(`typing 40 characters into an autosaved visit form: long tasks > 50 ms: ${empty.typing.longTasks} (longest ${empty.typing.longestTaskMs} ms) vs ${full.typing.longTasks} (longest ${full.typing.longestTaskMs} ms)`);
  console.log(JSON.stringify(report));
  if (process.env.BENCH_JSON) fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify(report, null, 1));
  for (const p of Object.values(profiles)) p.session.assertNoErrors();
} finally {
  for (const p of Object.values(profiles)) await p.session.close();
  await browser.close();
  await app.close();
}
