// Foundation behaviours of the built app (dist/ from `trunk build --release`),
// served by a dumb static server at http://127.0.0.1:<port>/duzhan/ and driven
// in Debian's headless Chromium. One behaviour per test; every test starts
// with a fresh profile (empty IndexedDB) and fails on any console.error or
// uncaught page error.
//
// The data-testid names are the contract with the UI (see the brief in README
// "Test layers"). Saves are asynchronous: every edit waits for
// save-status[data-state="saved"] before a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  appSuite, launchPersistent, openApp, reloadApp, gotoHash, saved, waitNotSaving, readText, eventually, tid, REPO_ROOT, BASE,
} from './harness.mjs';
import { supervisionTableRows } from './in-page.mjs';

const { appTest, ctx } = appSuite();

// ---- helpers ----------------------------------------------------------------

/** The 督战表 as data: one object per body row, cell texts with spaces collapsed. */
async function readTable(page) {
  await page.locator(tid('supervision-table')).waitFor({ state: 'visible' });
  return page.evaluate(supervisionTableRows, { table: tid('supervision-table'), row: tid('table-row') });
}

const countBy = (rows, key) =>
  rows.reduce((acc, r) => ({ ...acc, [r[key]]: (acc[r[key]] ?? 0) + 1 }), {});
const column = (rows, key) => rows.map((r) => r[key] ?? '');
const someCellHas = (rows, key, text) => column(rows, key).some((c) => c.includes(text));
const show = (rows) => JSON.stringify(rows, null, 1);

const target = (id) => `${tid('target-item')}[data-target-id="${id}"]`;
const milestoneStatus = (id) => `${tid('milestone-item')}[data-milestone-id="${id}"] ${tid('milestone-status')}`;
const HAN = /[\u4e00-\u9fff]/;

/** UI strings straight from src/core/i18n.rs, so wording changes don't break the spec. */
function uiString(key) {
  const src = fs.readFileSync(path.join(REPO_ROOT, 'src/core/i18n.rs'), 'utf8');
  const m = src.match(new RegExp(`\\b${key}\\s*=>\\s*"([^"]*)"\\s*,\\s*"([^"]*)"`));
  assert.ok(m, `i18n key ${key} not found in src/core/i18n.rs`);
  return { zh: m[1], en: m[2] };
}

async function openTarget(page, url, id) {
  await openApp(page, `${url}#/targets/${id}`);
  const detail = page.locator(tid('target-detail'));
  await detail.waitFor({ state: 'visible' });
  assert.equal(await detail.getAttribute('data-target-id'), id);
}

async function addFigure(page, value, date) {
  await page.locator(tid('figure-value')).fill(value);
  await page.locator(tid('figure-date')).fill(date);
  await page.locator(tid('figure-add')).click();
}

// ---- (1) embedded default ---------------------------------------------------------

appTest('a fresh profile sees the 督战表 with the plan figures and names, and the first-run banner', async ({ page, url }) => {
  await openApp(page, url);
  // Both at once: the banner does not hide or delay the data.
  await page.locator(tid('first-run-banner')).waitFor({ state: 'visible' });
  const rows = await readTable(page);
  assert.ok(await page.locator(tid('first-run-banner')).isVisible(), 'banner still visible with the table');

  assert.equal(rows.length, 11, `11 rows expected:\n${show(rows)}`);
  assert.deepEqual(countBy(rows, 'county'), {
    武定县: 3, 南华县: 1, 姚安县: 1, 大姚县: 1, 双柏县: 1, 元谋县: 3, 禄丰县: 1,
  });
  const row = (county, pred = () => true) => rows.find((r) => r.county === county && pred(r));
  assert.ok(row('武定县', (r) => r.remaining?.includes('3071人')), `武定县 3071人:\n${show(rows)}`);
  assert.ok(row('南华县', (r) => r.remaining?.includes('1189人')), '南华县 1189人');
  assert.ok(row('姚安县', (r) => r.remaining?.includes('1072人')), '姚安县 1072人');

  for (const [key, text] of [
    ['village', '高桥镇小河村委会'],
    ['relocation', '武定县城红土田安置点'],
    ['hydro', '狮山镇西河安置点'],
    ['hydro', '江边乡启宪安置点'],
    ['hydro', '瓦渣箐安置点'],
    ['leaders', '杨斌 李林波'],
    ['leaders', '迟中华 杨虹 李林波'],
    ['leaders', '潘红伟 杨虹'],
    ['squadLeads', '尹豪'],
  ]) {
    assert.ok(someCellHas(rows, key, text), `no ${key} cell contains "${text}":\n${column(rows, key).join('\n')}`);
  }
  // The plan's stray spaces in names are normalised for display.
  for (const r of rows) {
    assert.ok(!r.leaders?.includes('杨 虹') && !r.squadLeads?.includes('尹 豪'), `unnormalised name in ${show(r)}`);
  }
});

// ---- (2) edits persist ----------------------------------------------------------

appTest('a new figure and a milestone status survive a reload', async ({ page, url }) => {
  await openTarget(page, url, 'seed-target-wuding');
  assert.match(await readText(page.locator(tid('figure-latest'))), /3071人/);

  await saved(page, () => addFigure(page, '2900', '2020-03-31'));
  await eventually(async () => assert.match(await readText(page.locator(tid('figure-latest'))), /2900人/));

  await page.locator(tid('nav-milestones')).click();
  const select = page.locator(milestoneStatus('seed-ms-02'));
  await select.waitFor({ state: 'visible' });
  await saved(page, () => select.selectOption('done'));

  await reloadApp(page);
  await page.locator(milestoneStatus('seed-ms-02')).waitFor({ state: 'visible' });
  assert.equal(await page.locator(milestoneStatus('seed-ms-02')).inputValue(), 'done');

  await page.locator(tid('nav-table')).click();
  const rows = await readTable(page);
  const wuding = rows.find((r) => r.county === '武定县' && r.remaining?.includes('人'));
  assert.ok(wuding, `武定县 row with a figure:\n${show(rows)}`);
  assert.match(wuding.remaining, /2900人/);
  assert.doesNotMatch(wuding.remaining, /3071人/);
});

// ---- (2b) editing the 督战表's people and targets ------------------------------------

appTest('a leader added by a spelling with a stray space is the same person, and removal persists', async ({ page, url }) => {
  await openTarget(page, url, 'seed-target-nanhua');
  await saved(page, async () => {
    await page.locator(tid('assign-name-leader')).fill('杨 虹');
    await page.locator(tid('assign-add-leader')).click();
  });
  await page.locator(tid('nav-table')).click();
  let rows = await readTable(page);
  assert.equal(rows.find((r) => r.county === '南华县').leaders, '赵克义 杨虹');

  await openTarget(page, url, 'seed-target-nanhua');
  const zhao = page.locator(`${tid('people-leader')} li`, { hasText: '赵克义' });
  await saved(page, () => zhao.locator(tid('person-remove')).click());
  await reloadApp(page);
  await page.locator(tid('nav-table')).click();
  rows = await readTable(page);
  assert.equal(rows.find((r) => r.county === '南华县').leaders, '杨虹');
});

appTest('a new county-level target is added, appears in the list, and survives a reload', async ({ page, url }) => {
  await openApp(page, `${url}#/targets`);
  await page.locator(tid('add-target')).click();
  await page.locator(tid('target-form')).waitFor({ state: 'visible' });
  await page.locator(tid('target-name-input')).fill('');
  await page.locator(tid('target-save')).click();
  await page.locator(tid('form-error')).waitFor({ state: 'visible' });
  assert.match(await readText(page.locator(tid('form-error'))), HAN);

  await page.locator(tid('target-name-input')).fill('勐果村');
  await page.locator(tid('target-township-input')).fill('狮山镇');
  await page.locator(tid('target-kind-select')).selectOption('village');
  await page.locator(tid('target-county-select')).selectOption({ label: '武定县' });
  await saved(page, () => page.locator(tid('target-save')).click());
  await page.locator(tid('target-detail')).waitFor({ state: 'visible' });
  assert.match(await readText(page.locator(tid('target-name'))), /武定县狮山镇勐果村/);

  await reloadApp(page);
  await page.locator(tid('target-detail')).waitFor({ state: 'visible' });
  await gotoHash(page, '#/targets?kind=village');
  await page.locator(tid('target-item')).first().waitFor({ state: 'visible' });
  const names = await page.locator(tid('target-item')).allTextContents();
  assert.equal(names.length, 2, names.join('\n'));
  assert.ok(names.some((n) => n.includes('勐果村') && n.includes('县级')));
});

appTest('reset to default brings back deleted targets and drops added ones, after confirmation', async ({ page, url }) => {
  await openTarget(page, url, 'seed-target-xihe');
  await saved(page, async () => {
    await page.locator(tid('target-delete')).click();
    await page.locator(tid('target-delete-confirm')).click();
  });
  await gotoHash(page, '#/settings');
  await page.locator(tid('reset-default')).click();
  await saved(page, () => page.locator(tid('reset-confirm')).click());
  await reloadApp(page);
  await gotoHash(page, '#/targets');
  await page.locator(target('seed-target-xihe')).waitFor({ state: 'visible' });
  assert.equal(await page.locator(tid('target-item')).count(), 13);
});

// ---- (3) validation ---------------------------------------------------------------

appTest('an invalid figure shows a Chinese error and saves nothing', async ({ page, url }) => {
  await openTarget(page, url, 'seed-target-wuding');
  for (const bad of ['-5', 'abc']) {
    await addFigure(page, bad, '2020-03-31');
    const error = page.locator(tid('form-error'));
    await error.waitFor({ state: 'visible' });
    assert.match(await readText(error), HAN, `form-error for "${bad}" is not Chinese`);
    assert.match(await readText(page.locator(tid('figure-latest'))), /3071人/, `"${bad}" changed the figure`);
  }
  await page.waitForTimeout(500); // a wrongly started save would show by now
  await waitNotSaving(page);
  await reloadApp(page);
  await page.locator(tid('target-detail')).waitFor({ state: 'visible' });
  assert.match(await readText(page.locator(tid('figure-latest'))), /3071人/);
});

// ---- (4) delete -------------------------------------------------------------------

appTest('a deleted target (西河) is gone from the list and the 督战表 after reload', async ({ page, url }) => {
  await openTarget(page, url, 'seed-target-xihe');
  await saved(page, async () => {
    await page.locator(tid('target-delete')).click();
    await page.locator(tid('target-delete-confirm')).click();
  });
  await page.waitForFunction(() => location.hash === '#/targets');
  await page.locator(target('seed-target-wuding')).waitFor({ state: 'visible' });
  assert.equal(await page.locator(target('seed-target-xihe')).count(), 0);

  await reloadApp(page);
  await page.locator(target('seed-target-wuding')).waitFor({ state: 'visible' });
  assert.equal(await page.locator(target('seed-target-xihe')).count(), 0, 'xihe back after reload');

  await page.locator(tid('nav-table')).click();
  const rows = await readTable(page);
  assert.ok(!someCellHas(rows, 'hydro', '西河'), `西河 still in the table:\n${column(rows, 'hydro').join('\n')}`);
  assert.ok(someCellHas(rows, 'hydro', '瓦渣箐安置点'), 'other hydropower sites remain');
});

// ---- (5) reload lands on the same view -----------------------------------------------

for (const [hash, marker] of [
  ['#/targets', 'filter-county'],
  ['#/targets/seed-target-xiaohe', 'target-detail'],
  ['#/milestones', 'milestone-item'],
  ['#/settings', 'device-id'],
]) {
  appTest(`reload on ${hash} stays on that view`, async ({ page, url }) => {
    await openApp(page, url);
    await page.locator(tid('supervision-table')).waitFor({ state: 'visible' });
    await gotoHash(page, hash);
    await page.locator(tid(marker)).first().waitFor({ state: 'visible' });

    await reloadApp(page);
    assert.equal(await page.evaluate(() => location.hash), hash);
    await page.locator(tid(marker)).first().waitFor({ state: 'visible' });
    assert.equal(await page.locator(tid('supervision-table')).isVisible(), false, 'the home view is not shown');
    if (marker === 'target-detail') {
      assert.equal(await page.locator(tid('target-detail')).getAttribute('data-target-id'), 'seed-target-xiaohe');
    }
  });
}

// ---- (6) sub-path hosting -------------------------------------------------------------

// Its own browser: Chromium fetches an undeclared /favicon.ico once per browser
// process, so only the first page a browser loads shows that request.
test('the app loads entirely from /duzhan/: every request is under it and none fails', { timeout: 120_000 }, async () => {
  const session = await launchPersistent();
  const { page } = session;
  const url = ctx.app.url;
  try {
    await openApp(page, url);
    await page.locator(tid('supervision-table')).waitFor({ state: 'visible' });
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(1000); // Chromium's icon request comes after load

    const origin = new URL(url).origin;
    const requests = session.network.requests.filter((r) => /^https?:/.test(r.url));
    assert.ok(requests.some((r) => new URL(r.url).pathname.endsWith('.wasm')), 'a .wasm was loaded');
    assert.ok(requests.some((r) => new URL(r.url).pathname.endsWith('.js')), 'a .js was loaded');
    for (const r of requests) {
      assert.ok(r.url.startsWith(origin + BASE), `request outside ${BASE}: ${r.url}`);
      assert.ok(r.status !== null && r.status < 400, `${r.url} -> ${r.status ?? r.failure}`);
    }
    // Without <link rel="icon" href="..."> in index.html, Chromium asks <origin>/favicon.ico:
    // outside the sub-path, and a 404 on any ordinary server.
    assert.deepEqual(session.errors.ignored, [], 'index.html must declare its icon under the sub-path (<link rel="icon" ...>)');
    session.assertNoErrors();
  } finally {
    await session.close();
  }
});

// ---- (7) first-run name and device id ------------------------------------------------

appTest('the first-run name persists across reload and the device id stays the same', async ({ page, url }) => {
  const name = '武定县督战一组';
  await openApp(page, url);
  await page.locator(tid('first-run-banner')).waitFor({ state: 'visible' });
  await page.locator(tid('first-run-name')).fill(name);
  await saved(page, () => page.locator(tid('first-run-save')).click());
  await page.locator(tid('first-run-banner')).waitFor({ state: 'hidden' });

  await page.locator(tid('nav-settings')).click();
  await page.locator(tid('device-id')).waitFor({ state: 'visible' });
  const deviceId = await readText(page.locator(tid('device-id')));
  assert.ok(deviceId.length > 0, 'device id shown');
  assert.equal(await readText(page.locator(tid('squad-name-input'))), name);

  await reloadApp(page);
  await page.locator(tid('device-id')).waitFor({ state: 'visible' });
  assert.equal(await page.locator(tid('first-run-banner')).isVisible(), false, 'banner back after reload');
  assert.equal(await readText(page.locator(tid('device-id'))), deviceId);
  assert.equal(await readText(page.locator(tid('squad-name-input'))), name);
});

// ---- (8) language --------------------------------------------------------------------

appTest('switching to English changes the nav text and persists across reload', async ({ page, url }) => {
  const nav = {
    'nav-table': uiString('NavTable'),
    'nav-targets': uiString('NavTargets'),
    'nav-milestones': uiString('NavMilestones'),
    'nav-settings': uiString('NavSettings'),
  };
  const navIs = async (lang) => {
    for (const [id, text] of Object.entries(nav)) {
      assert.ok((await readText(page.locator(tid(id)))).includes(text[lang]), `${id} should read "${text[lang]}"`);
    }
  };

  await openApp(page, `${url}#/settings`);
  await page.locator(tid('lang-select')).waitFor({ state: 'visible' });
  await navIs('zh');
  // The language may be kept without a visible save; if save-status moves, wait for it.
  await saved(page, () => page.locator(tid('lang-select')).selectOption('en'), { optional: true });
  await eventually(() => navIs('en'));
  await waitNotSaving(page);

  await reloadApp(page);
  await page.locator(tid('lang-select')).waitFor({ state: 'visible' });
  await navIs('en');
  assert.equal(await page.locator(tid('lang-select')).inputValue(), 'en');
  assert.doesNotMatch(await readText(page.locator(tid('nav-table'))), HAN);
});
