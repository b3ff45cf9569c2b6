// Campaigns on a device (工作方案): a new campaign starts in storage of its own,
// the plan's data stays exactly as it was and is one switch away, and a full
// bundle of another campaign — refused by the open campaign — opens as that
// campaign on the receiving device, identical to the sender's.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appSuite, newSession, openApp, reloadApp, gotoHash, saved, eventually, readText, tid, waitReady } from './harness.mjs';

const { appTest, ctx } = appSuite();

async function stateHash(page) {
  await gotoHash(page, '#/settings');
  return readText(page.locator(tid('state-hash')));
}

const label = (page) => readText(page.locator(tid('campaign-label')));

/** The entries of the campaign list in Settings: [{ text, current }]. */
async function campaignList(page) {
  await gotoHash(page, '#/settings');
  await page.locator(tid('campaigns-panel')).waitFor({ state: 'visible' });
  const entries = page.locator(tid('campaign-entry'));
  const out = [];
  for (let i = 0; i < (await entries.count()); i++) {
    const e = entries.nth(i);
    out.push({ text: (await e.textContent()).trim(), current: (await e.getAttribute('data-current')) === 'true' });
  }
  return out;
}

/** Fills and submits the new-campaign form; `expectSwitch` waits for the reload into it. */
async function newCampaign(page, { name, year, docNo = '', carryOver = true }, { expectSwitch = true } = {}) {
  await gotoHash(page, '#/settings');
  if (!(await page.locator(tid('campaign-form')).isVisible())) await page.locator(tid('campaign-new')).click();
  await page.locator(tid('campaign-name-input')).fill(name);
  await page.locator(tid('campaign-year-input')).fill(year);
  await page.locator(tid('campaign-docno-input')).fill(docNo);
  await page.locator(tid('campaign-carry-over')).setChecked(carryOver);
  if (!expectSwitch) return page.locator(tid('campaign-create')).click();
  await Promise.all([page.waitForEvent('load'), page.locator(tid('campaign-create')).click()]);
  await waitReady(page);
}

async function exportFull(page) {
  await gotoHash(page, '#/sync');
  await page.locator(tid('export-scope')).selectOption('full');
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.locator(tid('export-run')).click()]);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'duzhan-bundle-')), download.suggestedFilename());
  await download.saveAs(file);
  return file;
}

appTest('a new campaign opens in storage of its own; the plan stays as it was, one switch away', async ({ page, url }) => {
  await openApp(page, url);
  assert.equal(await label(page), '2020 · 楚雄州脱贫攻坚挂牌督战');
  // An edit to the plan, which must survive the new campaign untouched.
  await gotoHash(page, '#/targets/seed-target-wuding');
  await page.locator(tid('figure-value')).fill('2900');
  await page.locator(tid('figure-date')).fill('2020-03-31');
  await saved(page, () => page.locator(tid('figure-add')).click());
  const planHash = await stateHash(page);
  assert.deepEqual(await campaignList(page), [{ text: '楚雄州脱贫攻坚挂牌督战（2020）当前方案', current: true }]);

  // A wrong field is refused in Chinese, and nothing is switched.
  await newCampaign(page, { name: '楚雄州巩固拓展脱贫攻坚成果督战', year: '二〇二一' }, { expectSwitch: false });
  await eventually(async () => assert.match(await readText(page.locator(`${tid('campaign-form')} ${tid('form-error')}`)), /年度.*2021/));
  assert.equal(await label(page), '2020 · 楚雄州脱贫攻坚挂牌督战');

  await newCampaign(page, { name: '楚雄州巩固拓展脱贫攻坚成果督战', year: '2021', docNo: '楚贫组发〔2021〕2号' });
  assert.equal(await label(page), '2021 · 楚雄州巩固拓展脱贫攻坚成果督战');
  // The counties are carried over (a row each), the year's targets and people are not.
  await gotoHash(page, '#/table');
  assert.equal(await page.locator(tid('table-row')).count(), 7);
  assert.equal(await page.locator(`${tid('supervision-table')} a`).count(), 0, 'no target in the new table');
  assert.equal((await readText(page.locator(tid('cell-leaders')).first())), '');
  assert.notEqual(await stateHash(page), planHash);
  assert.deepEqual((await campaignList(page)).map((e) => e.current), [false, true]);

  // A reload opens the new campaign again.
  await reloadApp(page);
  assert.equal(await label(page), '2021 · 楚雄州巩固拓展脱贫攻坚成果督战');

  // Switching back finds the plan exactly as it was, the edit included.
  await gotoHash(page, '#/settings');
  await Promise.all([page.waitForEvent('load'), page.locator(`${tid('campaign-entry')}[data-current="false"] ${tid('campaign-open')}`).click()]);
  await waitReady(page);
  assert.equal(await label(page), '2020 · 楚雄州脱贫攻坚挂牌督战');
  assert.equal(await stateHash(page), planHash);
  await gotoHash(page, '#/table');
  assert.ok((await page.locator(tid('table-row')).count()) > 0);
});

appTest('a full bundle of another campaign opens as that campaign on a device holding the plan', async ({ page, url }) => {
  // The office starts the new campaign and exports it.
  await openApp(page, url);
  await newCampaign(page, { name: '2021年督战', year: '2021' });
  const officeHash = await stateHash(page);
  const file = await exportFull(page);

  // A squad device holding the plan: refused as another campaign, then opened as it.
  const squad = await newSession(ctx.browser);
  try {
    await openApp(squad.page, url);
    const planHash = await stateHash(squad.page);
    await gotoHash(squad.page, '#/sync');
    await squad.page.locator(tid('import-file')).setInputFiles(file);
    await squad.page.locator(tid('import-other-campaign')).waitFor({ state: 'visible' });
    assert.match(await readText(squad.page.locator(tid('import-error'))), /另一个督战工作方案/);
    assert.equal(await readText(squad.page.locator(tid('other-campaign-name'))), '2021年督战（2021）');
    await Promise.all([squad.page.waitForEvent('load'), squad.page.locator(tid('import-open-campaign')).click()]);
    await waitReady(squad.page);
    assert.equal(await label(squad.page), '2021 · 2021年督战');
    assert.equal(await stateHash(squad.page), officeHash, 'the opened campaign is the office\'s, record for record');

    // The same file again is now an ordinary import of this campaign: nothing new.
    await gotoHash(squad.page, '#/sync');
    await squad.page.locator(tid('import-file')).setInputFiles(file);
    await squad.page.locator(tid('preview-already')).waitFor({ state: 'visible' });

    // The plan is still there, unchanged.
    const list = await campaignList(squad.page);
    assert.deepEqual(list.map((e) => e.current), [false, true]);
    await Promise.all([squad.page.waitForEvent('load'), squad.page.locator(`${tid('campaign-entry')}[data-current="false"] ${tid('campaign-open')}`).click()]);
    await waitReady(squad.page);
    assert.equal(await stateHash(squad.page), planHash);
    squad.assertNoErrors();
  } finally {
    await squad.close();
  }
});

appTest('the open campaign\'s details are edited in place, and a lost campaign list is found again', async ({ page, url }) => {
  await openApp(page, url);
  await newCampaign(page, { name: '2021年督战', year: '2021' });

  // Details: a wrong threshold is refused in Chinese; a good edit renames the campaign everywhere.
  await gotoHash(page, '#/settings');
  await page.locator(tid('campaign-info-edit')).click();
  assert.equal(await page.locator(tid('info-name')).inputValue(), '2021年督战');
  await page.locator(tid('info-incidence')).fill('120');
  await page.locator(tid('campaign-info-save')).click();
  await eventually(async () => assert.match(await readText(page.locator(`${tid('campaign-info-form')} ${tid('form-error')}`)), /0到100/));
  await page.locator(tid('info-incidence')).fill('8');
  await page.locator(tid('info-name')).fill('2021年巩固督战');
  await saved(page, () => page.locator(tid('campaign-info-save')).click());
  await page.locator(tid('campaign-info-saved')).waitFor({ state: 'visible' });
  assert.equal(await label(page), '2021 · 2021年巩固督战');
  // The reset to the 2020 plan is not offered in another campaign's store.
  assert.equal(await page.locator(tid('reset-default')).count(), 0);

  const file = await exportFull(page);

  // The campaign list is lost (localStorage cleared on its own): the page opens the
  // first store. The other campaign's bundle, imported there, finds that
  // campaign's store again instead of making a second one.
  await page.evaluate(() => localStorage.removeItem('duzhan.campaigns'));
  await reloadApp(page);
  assert.equal(await label(page), '2020 · 楚雄州脱贫攻坚挂牌督战');
  await gotoHash(page, '#/sync');
  await page.locator(tid('import-file')).setInputFiles(file);
  await Promise.all([page.waitForEvent('load'), page.locator(tid('import-open-campaign')).click()]);
  await waitReady(page);
  assert.equal(await label(page), '2021 · 2021年巩固督战');
  assert.deepEqual(await campaignList(page), [
    { text: '楚雄州脱贫攻坚挂牌督战（2020）切换到此方案', current: false },
    { text: '2021年巩固督战（2021）当前方案', current: true },
  ]);

  // Lost again, and the Settings list finds the store by itself.
  await page.evaluate(() => localStorage.removeItem('duzhan.campaigns'));
  await reloadApp(page);
  assert.equal(await label(page), '2020 · 楚雄州脱贫攻坚挂牌督战');
  await eventually(async () => assert.deepEqual(await campaignList(page), [
    { text: '楚雄州脱贫攻坚挂牌督战（2020）当前方案', current: true },
    { text: '2021年巩固督战（2021）切换到此方案', current: false },
  ]));
  await Promise.all([page.waitForEvent('load'), page.locator(`${tid('campaign-entry')}[data-current="false"] ${tid('campaign-open')}`).click()]);
  await waitReady(page);
  assert.equal(await label(page), '2021 · 2021年巩固督战');
});
