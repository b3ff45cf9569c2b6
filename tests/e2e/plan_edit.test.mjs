// Editing the plan's structure (方案编辑): a new campaign that carries nothing over
// gets its counties, phases, milestones and targets from the user, checked field
// by field in Chinese, and keeps them across a reload; a county or phase still in
// use is not deleted.
import assert from 'node:assert/strict';
import { appSuite, openApp, reloadApp, gotoHash, saved, eventually, readText, tid, waitReady } from './harness.mjs';

const { appTest } = appSuite();

async function startEmptyCampaign(page) {
  await gotoHash(page, '#/settings');
  await page.locator(tid('campaign-new')).click();
  await page.locator(tid('campaign-name-input')).fill('2021年督战');
  await page.locator(tid('campaign-year-input')).fill('2021');
  await page.locator(tid('campaign-carry-over')).setChecked(false);
  await Promise.all([page.waitForEvent('load'), page.locator(tid('campaign-create')).click()]);
  await waitReady(page);
}

const formError = (page, form) => readText(page.locator(`${tid(form)} ${tid('form-error')}`));

appTest('a campaign built from nothing: counties, a phase, milestones and a target', async ({ page, url }) => {
  await openApp(page, url);
  await startEmptyCampaign(page);

  // Counties: none carried over; added, checked for doubles, renamed.
  await gotoHash(page, '#/targets');
  await page.locator(tid('counties-panel')).waitFor({ state: 'visible' });
  assert.equal(await page.locator(tid('county-entry')).count(), 0);
  for (const name of ['武定县', '元谋县']) {
    await page.locator(tid('county-add')).click();
    await page.locator(tid('county-name')).fill(name);
    await saved(page, () => page.locator(tid('county-save')).click());
  }
  await page.locator(tid('county-add')).click();
  await page.locator(tid('county-name')).fill('武定县');
  await page.locator(tid('county-save')).click();
  await eventually(async () => assert.match(await formError(page, 'county-form'), /已有名为“武定县”的县市/));
  await page.locator(tid('county-name')).fill('禄丰县');
  await saved(page, () => page.locator(tid('county-save')).click());
  assert.deepEqual(await page.locator(tid('county-entry')).allTextContents(), ['1. 武定县编辑', '2. 元谋县编辑', '3. 禄丰县编辑']);
  await page.locator(`${tid('county-entry')}:has-text("禄丰县") ${tid('county-edit')}`).click();
  await page.locator(tid('county-name')).fill('禄丰市');
  await saved(page, () => page.locator(tid('county-save')).click());
  await eventually(async () => assert.match((await page.locator(tid('county-entry')).allTextContents()).join(' '), /3\. 禄丰市/));

  // A target in one of them.
  await page.locator(tid('add-target')).click();
  await page.locator(tid('target-name-input')).fill('小河村');
  await page.locator(tid('target-kind-select')).selectOption('village');
  await page.locator(tid('target-county-select')).selectOption({ label: '武定县' });
  await page.locator(tid('target-level-select')).selectOption('prefecture');
  await saved(page, () => page.locator(tid('target-save')).click());
  await gotoHash(page, '#/targets');
  await page.locator(`${tid('county-entry')}:has-text("武定县") ${tid('county-edit')}`).click();
  await page.locator(tid('county-delete')).click();
  await page.locator(tid('county-delete-confirm')).click();
  await eventually(async () => assert.match(await formError(page, 'county-form'), /还有1个督战对象或时间节点属于该县市/));

  // Phases and milestones.
  await gotoHash(page, '#/milestones');
  await page.locator(tid('no-phases')).waitFor({ state: 'visible' });
  await page.locator(tid('phase-add')).click();
  await page.locator(tid('phase-name')).fill('巩固提升阶段');
  await page.locator(tid('phase-start')).fill('2021-07-01');
  await page.locator(tid('phase-end')).fill('2021-03-31');
  await page.locator(tid('phase-save')).click();
  await eventually(async () => assert.match(await formError(page, 'phase-form'), /结束日期早于开始日期/));
  await page.locator(tid('phase-end')).fill('2021-12-31');
  await saved(page, () => page.locator(tid('phase-save')).click());
  await page.locator(tid('phase')).waitFor({ state: 'visible' });

  await page.locator(tid('milestone-add')).click();
  assert.equal(await page.locator(tid('milestone-due')).inputValue(), '2021-12-31', 'a new milestone is due at the end of its phase');
  await page.locator(tid('milestone-save')).click();
  await eventually(async () => assert.match(await formError(page, 'milestone-form'), /请填写“内容”/));
  await page.locator(tid('milestone-due')).fill('2021-10-31');
  await page.locator(tid('milestone-scope')).selectOption({ label: '元谋县' });
  await page.locator(tid('milestone-text')).fill('完成易地搬迁后续扶持');
  await page.locator(tid('milestone-sub-items')).fill('产业\n就业\n');
  await saved(page, () => page.locator(tid('milestone-save')).click());
  const item = page.locator(tid('milestone-item'));
  await item.waitFor({ state: 'visible' });
  assert.match(await readText(item), /10月31日前.*元谋县.*完成易地搬迁后续扶持/);
  await saved(page, () => item.locator(tid('milestone-status')).selectOption('in_progress'));

  // Edited: the text changes, the status set on the timeline stays.
  await item.locator(tid('milestone-edit')).click();
  await page.locator(tid('milestone-text')).fill('完成搬迁后续扶持');
  await saved(page, () => page.locator(tid('milestone-save')).click());
  await eventually(async () => assert.match(await readText(item), /完成搬迁后续扶持/));
  assert.equal(await item.locator(tid('milestone-status')).inputValue(), 'in_progress');

  // A phase with a milestone stays; the county a milestone names is in use.
  await page.locator(tid('phase-edit')).click();
  await page.locator(tid('phase-delete')).click();
  await page.locator(tid('phase-delete-confirm')).click();
  await eventually(async () => assert.match(await formError(page, 'phase-form'), /该阶段还有1个时间节点/));

  // Everything survives a reload.
  await reloadApp(page);
  await gotoHash(page, '#/milestones');
  await item.waitFor({ state: 'visible' });
  assert.match(await readText(item), /完成搬迁后续扶持/);
  await gotoHash(page, '#/table');
  await page.locator(tid('supervision-table')).waitFor({ state: 'visible' });
  assert.equal(await page.locator(tid('table-row')).count(), 3);
  assert.match(await readText(page.locator(`${tid('supervision-table')} a`).first()), /小河村/);

  // The monthly reporting requirement came along, moved to 2021.
  await gotoHash(page, '#/reports');
  await page.locator(tid('requirements-panel')).waitFor({ state: 'visible' });
  assert.deepEqual((await page.locator(tid('requirement-entry')).allTextContents()).map((t) => t.replace(/编辑$/, '')),
    ['月度督战情况（一月一分析、一报告、一反馈）每月报送 · 2021-02 至 2021-12 · 每月20日前']);

  // Deleting the milestone, then the phase.
  await gotoHash(page, '#/milestones');
  await item.locator(tid('milestone-edit')).click();
  await page.locator(tid('milestone-delete')).click();
  await saved(page, () => page.locator(tid('milestone-delete-confirm')).click());
  await eventually(async () => assert.equal(await item.count(), 0));
  await page.locator(tid('phase-edit')).click();
  await page.locator(tid('phase-delete')).click();
  await saved(page, () => page.locator(tid('phase-delete-confirm')).click());
  await page.locator(tid('no-phases')).waitFor({ state: 'visible' });
});

appTest('reporting requirements are edited: the monthly due day, a new one-off filing with its board', async ({ page, url }) => {
  await openApp(page, url);
  await gotoHash(page, '#/reports');
  const panel = page.locator(tid('requirements-panel'));
  await panel.waitFor({ state: 'visible' });
  assert.equal(await page.locator(tid('requirement-entry')).count(), 3);

  await page.locator(`${tid('requirement-entry')}[data-requirement="seed-req-monthly"] ${tid('requirement-edit')}`).click();
  assert.equal(await page.locator(tid('requirement-due-day')).inputValue(), '20');
  await page.locator(tid('requirement-due-day')).fill('32');
  await page.locator(tid('requirement-save')).click();
  await eventually(async () => assert.match(await readText(page.locator(`${tid('requirement-form')} ${tid('form-error')}`)), /1到31之间/));
  await page.locator(tid('requirement-due-day')).fill('25');
  await saved(page, () => page.locator(tid('requirement-save')).click());
  await eventually(async () => assert.match(await readText(page.locator(`${tid('requirement-entry')}[data-requirement="seed-req-monthly"]`)), /每月25日前/));

  // A one-off filing: its board lists who must file.
  await page.locator(tid('requirement-add')).click();
  await page.locator(tid('requirement-name')).fill('2021年联络员名单');
  await page.locator(tid('requirement-schedule')).selectOption('once');
  await page.locator(tid('requirement-due')).fill('2021-02-06');
  await page.locator(tid('requirement-parties')).selectOption('prefecture_targets');
  await saved(page, () => page.locator(tid('requirement-save')).click());
  const entry = page.locator(tid('requirement-entry')).last();
  await eventually(async () => assert.match(await readText(entry), /2021年联络员名单.*一次性报送 · 2021-02-06/));
  const id = await entry.getAttribute('data-requirement');
  const board = page.locator(`${tid('filing-board')}[data-requirement="${id}"]`);
  await board.waitFor({ state: 'visible' });
  assert.equal(await board.locator(tid('filing-row')).count(), 13, 'one row per prefecture target');

  // Deleted while nothing was filed against it.
  await entry.locator(tid('requirement-edit')).click();
  await page.locator(tid('requirement-delete')).click();
  await saved(page, () => page.locator(tid('requirement-delete-confirm')).click());
  await eventually(async () => assert.equal(await board.count(), 0));
  assert.equal(await page.locator(tid('requirement-entry')).count(), 3);
});
