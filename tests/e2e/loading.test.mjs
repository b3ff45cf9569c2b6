// A cold start with many field records on a slow device: the plan shows before the
// field-work records are read (they are read after the first view, see
// docs/storage.md "Head and bulk"); views of field records say they are loading
// instead of showing a partial list; a save made meanwhile waits until every record
// is read, then lands; after a reload everything is there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newSession, openApp, waitReady, reloadApp, gotoHash, tid, startApp } from './harness.mjs';

const PROBLEMS = 20_000;
const SLOW = 120_000;

test('with 20,000 problems stored on a slow tablet, the plan shows first, a save made while the records load waits for them, and nothing is lost', { timeout: 300_000 }, async () => {
  const app = await startApp();
  const browser = await launch();
  const s = await newSession(browser);
  try {
    const page = s.page;
    // A fresh profile: generated problems (about 3.4 records each, with their
    // histories) written through the app's commit path.
    await openApp(page, `${app.url}?bench=store100k&problems=${PROBLEMS}#/ledger`, { timeout: SLOW });
    await page.locator(`${tid('save-status')}[data-state="saved"]`).waitFor({ state: 'attached', timeout: SLOW });
    await page.locator(`${tid('view-ledger')}[data-ready="true"]`).waitFor({ timeout: SLOW });
    assert.equal(Number(await page.locator(tid('ledger-count')).getAttribute('data-count')), PROBLEMS);

    // The same profile on a CPU 20× slower (a cheap tablet).
    const cdp = await s.context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 20 });
    await page.goto(`${app.url}#/targets/seed-target-wuding`, { waitUntil: 'domcontentloaded' });
    await waitReady(page, { timeout: SLOW });
    // The plan is shown; the target's visits and problems say they are loading.
    await page.locator(tid('assign-name-leader')).waitFor({ timeout: SLOW });
    await page.locator(tid('records-loading')).first().waitFor({ timeout: SLOW });
    const recordsReady = () => page.evaluate(() => performance.getEntriesByName('duzhan:records-ready')[0]?.startTime ?? null);
    assert.equal(await recordsReady(), null, 'the records are still being read when the plan is shown');
    // How far the reading is, out of what the store recorded.
    const progress = await page.locator(tid('records-progress')).first().textContent();
    const m = progress.match(/(\d+) \/ (\d+)/);
    assert.ok(m && Number(m[2]) > PROBLEMS && Number(m[1]) <= Number(m[2]), `progress shown: ${progress}`);

    // A save while they load: it shows as saving, and lands once every record is read.
    await page.evaluate(() => {
      window.__savedAt = null;
      const el = document.querySelector('[data-testid="save-status"]');
      new MutationObserver(() => {
        if (el.dataset.state === 'saved' && window.__savedAt === null) window.__savedAt = performance.now();
      }).observe(el, { attributes: true });
    });
    // Typed and clicked in one step: on a CPU this slow, Playwright's own typing
    // would take longer than the reading it must overlap.
    const clickedAt = await page.evaluate(() => {
      const input = document.querySelector('[data-testid="assign-name-leader"]');
      input.value = '李四';
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new Event('change', { bubbles: true }));
      const at = performance.now();
      document.querySelector('[data-testid="assign-add-leader"]').click();
      return at;
    });
    await page.waitForFunction(() => window.__savedAt !== null, null, { timeout: SLOW, polling: 100 });
    const ready = await recordsReady();
    const savedAt = await page.evaluate(() => window.__savedAt);
    assert.ok(ready !== null && clickedAt < ready, `the save was asked for while records loaded (clicked ${clickedAt}, records read ${ready})`);
    assert.ok(savedAt > ready, `the save landed after every record was read (saved ${savedAt}, records read ${ready})`);
    await page.locator(tid('records-loading')).first().waitFor({ state: 'detached', timeout: SLOW });

    // Opened at the dashboard, still slow: it says the records are loading, and
    // meanwhile its code (split off the first load, src/ui/split.rs) is fetched.
    await gotoHash(page, '#/dashboard');
    await page.reload({ waitUntil: 'domcontentloaded' }); // (a goto to the same page with another hash would not reload)
    await waitReady(page, { timeout: SLOW });
    await page.locator(tid('records-loading')).first().waitFor({ timeout: SLOW });
    await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => /\.split_views_reports\.wasm$/.test(e.name)), null, { timeout: SLOW, polling: 100 });
    assert.equal(await page.evaluate(() => performance.getEntriesByName('duzhan:records-ready').length), 0, 'the dashboard\'s code is fetched while the records are read');

    // Full speed again: after a reload the leader and every problem are there.
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    await reloadApp(page, { timeout: SLOW });
    await gotoHash(page, '#/table');
    assert.match(await page.locator(tid('supervision-table')).textContent(), /李四/);
    await gotoHash(page, '#/ledger');
    await page.locator(`${tid('view-ledger')}[data-ready="true"]`).waitFor({ timeout: SLOW });
    assert.equal(Number(await page.locator(tid('ledger-count')).getAttribute('data-count')), PROBLEMS);
    assert.equal(await page.locator(tid('data-lost')).count(), 0);
    s.assertNoErrors();
  } finally {
    await s.close();
    await browser.close();
    await app.close();
  }
});
