// Ledger benchmark (not part of `node --test tests/e2e/`; a benchmark, not a timed test).
//
//   node tests/e2e/bench/ledger.bench.mjs            # needs dist/ (trunk build --release)
//   BENCH_REPS=40 DUZHAN_DIST=path node tests/e2e/bench/ledger.bench.mjs
//   BENCH_JSON=out.json ...   also writes the figures as JSON (scripts/bench.sh does)
//
// Opens the built app with `?bench=ledger100k`: the app then generates a campaign of
// 100,000 problems (core::fieldwork::generate::generate_campaign(2020, 500, 0, 100_000),
// ~340,000 docs with their histories) in memory and feeds it to the ledger index in
// chunks, exactly as it builds the index from stored data at start-up. Nothing is
// written to storage. Then it measures, in the page, with performance.now():
//   - keystroke → rendered: from the input event of one typed character in the search
//     box to the first frame after the list shows the result (the count element's
//     data-query equals the address the keystroke set, then requestAnimationFrame, then
//     one message-channel turn so the frame has been produced);
//   - deleting a character (the result widens: a full query rather than a refinement);
//   - a filter change: clicking a status tab, and choosing a source;
// each as the median (and p90) over BENCH_REPS repetitions (default 24), and checks that
// only the visible rows are in the DOM (fewer than 100 ledger-row elements), at the top
// and scrolled to the middle of the list.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startApp, launch, newSession, openApp, tid } from '../harness.mjs';

const REPS = Math.max(20, Number(process.env.BENCH_REPS ?? 24));
const LOAD_TIMEOUT = 600_000;

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, median: q(0.5), p90: q(0.9), min: s[0], max: s[s.length - 1] };
};
const fmt = (x) => `${x.toFixed(1)} ms`;

const app = await startApp();
const browser = await launch();
const session = await newSession(browser);
const { page } = session;
try {
  const started = Date.now();
  await openApp(page, `${app.url}?bench=ledger100k#/ledger`, { timeout: LOAD_TIMEOUT });
  await page.locator(`${tid('view-ledger')}[data-ready="true"]`).waitFor({ timeout: LOAD_TIMEOUT });
  const loadMs = Date.now() - started;
  const total = Number(await page.locator(tid('ledger-count')).getAttribute('data-count'));
  assert.ok(total >= 100_000, `expected >= 100,000 problems, the ledger shows ${total}`);

  // In-page probe: arm before an action; resolves with the ms from the action's first
  // input event to the frame after the list reflects it.
  await page.evaluate(() => {
    const countEl = () => document.querySelector('[data-testid="ledger-count"]');
    window.__bench = {
      arm() {
        const startHash = location.hash;
        let t0 = null;
        const kinds = ['keydown', 'beforeinput', 'input', 'pointerdown', 'mousedown', 'click', 'change'];
        const mark = (e) => {
          if (t0 === null) t0 = e.timeStamp;
        };
        for (const k of kinds) window.addEventListener(k, mark, true);
        window.__bench.pending = new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no render within 30 s (hash ${location.hash})`)), 30_000);
          const finish = () => {
            requestAnimationFrame(() => {
              const ch = new MessageChannel();
              ch.port1.onmessage = () => {
                clearTimeout(timer);
                for (const k of kinds) window.removeEventListener(k, mark, true);
                resolve({
                  ms: performance.now() - t0,
                  rows: document.querySelectorAll('[data-testid="ledger-row"]').length,
                  count: Number(countEl().dataset.count),
                });
              };
              ch.port2.postMessage(0);
            });
          };
          const done = () => t0 !== null && location.hash !== startHash && countEl().dataset.query === location.hash;
          const mo = new MutationObserver(() => {
            if (done()) {
              mo.disconnect();
              finish();
            }
          });
          mo.observe(countEl(), { attributes: true, attributeFilter: ['data-query'] });
        });
      },
    };
  });
  const measure = async (action) => {
    await page.evaluate(() => window.__bench.arm());
    await action();
    return page.evaluate(() => window.__bench.pending);
  };

  const search = page.locator(tid('ledger-search'));
  await search.focus();
  // Search terms typed one character at a time (Chinese text arrives as inserted
  // text from an input method), then deleted one at a time.
  const terms = ['住房', '饮水', '危房未拆除', '杨虹', '小河', '就业', '低保', '收入', '李国雄', '乡镇人民政府'];
  const typing = [];
  const deleting = [];
  const resultSizes = [];
  let t = 0;
  while (typing.length < REPS || deleting.length < REPS) {
    const term = terms[t++ % terms.length];
    for (const ch of term) {
      const r = await measure(() => page.keyboard.insertText(ch));
      typing.push(r.ms);
      resultSizes.push(r.count);
      assert.ok(r.rows < 100, `${r.rows} rows in the DOM`);
    }
    for (let i = 0; i < [...term].length; i++) {
      const r = await measure(() => page.keyboard.press('Backspace'));
      deleting.push(r.ms);
      assert.ok(r.rows < 100, `${r.rows} rows in the DOM`);
    }
  }
  assert.equal(await search.inputValue(), '');

  // Filter changes: status tabs in turn, then the source menu.
  const tabs = ['unclosed', 'open', 'in_progress', 'awaiting_verification', 'closed', 'all'];
  const tabClicks = [];
  for (let i = 0; tabClicks.length < REPS; i++) {
    const r = await measure(() => page.locator(tid(`status-tab-${tabs[i % tabs.length]}`)).click());
    tabClicks.push(r.ms);
    assert.ok(r.rows < 100, `${r.rows} rows in the DOM`);
  }
  const sources = ['audit', 'supervision', 'central_inspection', 'democratic_supervision', ''];
  const sourceChanges = [];
  for (let i = 0; sourceChanges.length < REPS; i++) {
    const r = await measure(() => page.locator(tid('ledger-source')).selectOption(sources[i % sources.length]));
    sourceChanges.push(r.ms);
  }

  // Only visible rows are rendered, at the top and in the middle of all 100,000.
  await page.locator(tid('ledger-clear')).click();
  await page.waitForFunction(() => document.querySelector('[data-testid="ledger-count"]').dataset.query === location.hash);
  assert.equal(Number(await page.locator(tid('ledger-count')).getAttribute('data-count')), total);
  const dom = await page.evaluate(async () => {
    const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const rows = () => [...document.querySelectorAll('[data-testid="ledger-row"]')];
    await frame();
    const top = rows().length;
    const scroller = document.querySelector('[data-testid="ledger-scroll"]');
    const t0 = performance.now();
    scroller.scrollTop = scroller.scrollHeight / 2;
    scroller.dispatchEvent(new Event('scroll'));
    await frame();
    const scrollMs = performance.now() - t0;
    const middle = rows();
    const visible = middle.filter((r) => {
      const a = r.getBoundingClientRect();
      const b = scroller.getBoundingClientRect();
      return a.bottom > b.top && a.top < b.bottom;
    }).length;
    return { top, middle: middle.length, visible, scrollMs, scrollHeight: scroller.scrollHeight, firstId: middle[0]?.dataset.problemId ?? null };
  });
  assert.ok(dom.top > 0 && dom.top < 100, `rows at the top: ${dom.top}`);
  assert.ok(dom.middle > 0 && dom.middle < 100, `rows in the middle: ${dom.middle}`);
  assert.ok(dom.visible > 0, 'rows visible after scrolling to the middle');

  const report = {
    problems: total,
    loadSeconds: +(loadMs / 1000).toFixed(1),
    keystrokeTypeMs: stats(typing),
    keystrokeDeleteMs: stats(deleting),
    statusTabMs: stats(tabClicks),
    sourceFilterMs: stats(sourceChanges),
    searchResultSizes: stats(resultSizes),
    domRows: dom,
  };
  console.log(`ledger benchmark: ${total.toLocaleString('en')} problems, ready in ${report.loadSeconds} s (generation + chunked index build)`);
  for (const [label, s] of [
    ['keystroke (type) → rendered', report.keystrokeTypeMs],
    ['keystroke (delete) → rendered', report.keystrokeDeleteMs],
    ['status tab click → rendered', report.statusTabMs],
    ['source filter change → rendered', report.sourceFilterMs],
  ]) {
    console.log(`  ${label.padEnd(34)} median ${fmt(s.median)}, p90 ${fmt(s.p90)}, min ${fmt(s.min)}, max ${fmt(s.max)} (n=${s.n})`);
  }
  console.log(`  ledger-row elements in the DOM: ${dom.top} at the top, ${dom.middle} in the middle (${dom.visible} visible); scroll to the middle rendered in ${fmt(dom.scrollMs)}`);
  console.log(JSON.stringify(report));
  // scripts/bench.sh collects the figures from this file.
  if (process.env.BENCH_JSON) fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify(report, null, 1));
  session.assertNoErrors();
} finally {
  await session.close();
  await browser.close();
  await app.close();
}
