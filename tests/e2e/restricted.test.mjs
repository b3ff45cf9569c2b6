// 暗访督战 findings stay with the 督查室 (issue 17, item 5), with three devices: a squad,
// the prefecture office and the 督查室. The office marks the 督查室's device with its
// role and hands out the roster; the squad records an unannounced visit and a
// problem found on it. Its ordinary export leaves them out and says so, and the
// office never holds them; a bundle sealed to the 督查室 carries them, the office
// cannot open it, and the 督查室 imports them. Separate browser contexts are separate
// devices; files really download and upload.
import assert from 'node:assert/strict';
import path from 'node:path';
import { appSuite, openApp, gotoHash, saved, waitNotSaving, eventually, readText, tid } from './harness.mjs';
import { exportBundle, chooseImport, confirmImport, devices } from './exchange.mjs';

const { appTest, ctx } = appSuite();
const hash = (page) => page.evaluate(() => location.hash);

async function deviceId(page) {
  await gotoHash(page, '#/settings');
  return readText(page.locator(tid('device-id')));
}

async function takeRoster(page, file) {
  await chooseImport(page, file);
  await page.locator(tid('roster-preview')).waitFor({ state: 'visible', timeout: 30_000 });
  await saved(page, () => page.locator(tid('roster-confirm')).click());
  await page.locator(tid('roster-result')).waitFor({ state: 'visible' });
}

async function problemCount(page) {
  await gotoHash(page, '#/ledger');
  await page.locator(tid('ledger-count')).waitFor({ state: 'attached' });
  return Number(await page.locator(tid('ledger-count')).getAttribute('data-count'));
}

appTest('an unannounced visit and its problem reach the 督查室 sealed, and never the office', async ({ url }) => {
  const { device, sessions } = devices(ctx.browser, url);
  try {
    const squad = await device('武定县小分队');
    const office = await device('州扶贫办');
    const dcs = await device('州委督查室');

    // The office learns the 督查室's key from a file of it, marks its role, hands out the roster.
    const dcsFile = (await exportBundle(dcs.page)).file;
    await chooseImport(office.page, dcsFile);
    await confirmImport(office.page);
    const dcsId = await deviceId(dcs.page);
    await gotoHash(office.page, '#/sync');
    await saved(office.page, () => office.page.locator(`${tid('known-device')}[data-device-id="${dcsId}"] ${tid('status-role')}`).selectOption('inspection'));
    const [d] = await Promise.all([office.page.waitForEvent('download', { timeout: 60_000 }), office.page.locator(tid('roster-export')).click()]);
    const rosterFile = path.join(path.dirname(dcsFile), d.suggestedFilename());
    await d.saveAs(rosterFile);
    await takeRoster(squad.page, rosterFile);
    await takeRoster(dcs.page, rosterFile);
    await gotoHash(dcs.page, '#/settings');
    assert.equal(await readText(dcs.page.locator(tid('own-role'))), '督查室', 'the roster told the 督查室 its role');

    // The squad records an unannounced visit with a 未达标 answer, and the problem found on it.
    const page = squad.page;
    await openApp(page, `${url}#/targets/seed-target-gantang`);
    await page.locator(tid('target-new-visit')).click();
    await page.locator(tid('view-visit')).waitFor({ state: 'visible' });
    await saved(page, () => page.locator(tid('visit-members')).fill('赵督查'));
    await eventually(async () => assert.match(await hash(page), /^#\/visits\/v-[\w-]+$/));
    await saved(page, () => page.locator(tid('visit-date')).fill('2020-06-12'));
    await saved(page, () => page.locator(tid('visit-mode')).selectOption('unannounced'));
    await page.locator(tid('visit-restricted')).waitFor({ state: 'visible' });
    assert.match(await readText(page.locator(tid('visit-restricted-hint'))), /只密封给督查室/);
    await saved(page, () => page.locator(tid('answer-seed-ck-housing-fail')).check());
    await waitNotSaving(page);
    await saved(page, () => page.locator(tid('visit-submit')).click());
    await eventually(async () => assert.equal(await page.locator(tid('visit-status')).getAttribute('data-status'), 'submitted'));
    await page.locator(tid('open-problem-seed-ck-housing')).click();
    await page.locator(tid('problem-form')).waitFor({ state: 'visible' });
    await page.locator(tid('problem-description')).fill('暗访发现：安置点2户危房未拆除');
    await saved(page, () => page.locator(tid('problem-save')).click());
    await page.locator(tid('view-problem')).waitFor({ state: 'visible' });
    assert.equal(await problemCount(page), 1);

    // Its ordinary export leaves them out and says how many; the office holds none of them.
    const plain = await exportBundle(page);
    const said = await readText(page.locator(tid('export-result')));
    const withheld = said.match(/暗访督战记录未导出（只能密封给督查室设备）：(\d+)/);
    assert.ok(withheld, said);
    assert.ok(Number(withheld[1]) >= 3, `the visit, its answer and the problem: ${said}`);
    await chooseImport(office.page, plain.file);
    await confirmImport(office.page);
    assert.equal(await problemCount(office.page), 0, 'the office holds no 暗访 problem');

    // Sealed to the 督查室, the bundle carries them; the office cannot open it.
    await gotoHash(page, '#/sync');
    const sealTo = page.locator(tid('export-seal-to'));
    await sealTo.first().waitFor({ state: 'attached' });
    const labels = await page.locator(`${tid('export-seal')} label`).allTextContents();
    const box = labels.findIndex((l) => l.includes('州委督查室'));
    assert.ok(box >= 0, `the 督查室 is offered as a recipient: ${labels}`);
    await sealTo.nth(box).check();
    const [sd] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.locator(tid('export-run')).click()]);
    const sealed = path.join(path.dirname(plain.file), `sealed-${sd.suggestedFilename()}`);
    await sd.saveAs(sealed);
    await eventually(async () => assert.match(await readText(page.locator(tid('export-result'))), /含暗访督战记录（只有督查室设备能导入）：\d+/));
    await chooseImport(office.page, sealed);
    const error = office.page.locator(tid('import-error'));
    await error.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await readText(error), /不是收件方/);
    assert.equal(await problemCount(office.page), 0);

    // The 督查室 opens and imports it: the problem and the visit, marked 督查室专阅.
    await chooseImport(dcs.page, sealed);
    await confirmImport(dcs.page);
    assert.equal(await problemCount(dcs.page), 1);
    await gotoHash(dcs.page, '#/targets/seed-target-gantang');
    const visit = dcs.page.locator(tid('timeline-visit'), { hasText: '督查室专阅' });
    await visit.first().waitFor({ state: 'visible' });
    for (const s of sessions) s.assertNoErrors();
  } finally {
    for (const s of sessions) await s.close();
  }
});
