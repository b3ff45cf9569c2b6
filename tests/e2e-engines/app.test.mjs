// The app in WebKitGTK and Firefox ESR: the first visit shows the plan, an edit
// survives a reload, a visit draft survives a closed tab. Each test runs once per
// engine of the run (DUZHAN_ENGINES), in a fresh profile; see ./harness.mjs.
// The same behaviours in Chromium: ../e2e/foundation.test.mjs, ../e2e/fieldwork.test.mjs.
import assert from 'node:assert/strict';
import { engineSuite, tid } from './harness.mjs';
import { supervisionTableRows } from '../e2e/in-page.mjs';

const { engineTest } = engineSuite();

/** The 督战表 as data: one object per body row, cell texts with spaces collapsed. */
async function readTable(s) {
  await s.visible(tid('supervision-table'));
  return s.eval(supervisionTableRows, { table: tid('supervision-table'), row: tid('table-row') });
}

const countBy = (rows, key) => rows.reduce((acc, r) => ({ ...acc, [r[key]]: (acc[r[key]] ?? 0) + 1 }), {});
const show = (rows) => JSON.stringify(rows, null, 1);
const milestoneStatus = (id) => `${tid('milestone-item')}[data-milestone-id="${id}"] ${tid('milestone-status')}`;

engineTest('a first visit shows the 督战表 with the embedded 2020 plan and the first-run banner', async ({ s, url }) => {
  await s.open(url);
  await s.visible(tid('first-run-banner'));
  const rows = await readTable(s);
  assert.equal(rows.length, 11, `11 rows expected:\n${show(rows)}`);
  assert.deepEqual(countBy(rows, 'county'), { 武定县: 3, 南华县: 1, 姚安县: 1, 大姚县: 1, 双柏县: 1, 元谋县: 3, 禄丰县: 1 });
  const has = (county, key, text) => rows.some((r) => r.county === county && r[key]?.includes(text));
  assert.ok(has('武定县', 'remaining', '3071人'), `武定县 3071人:\n${show(rows)}`);
  assert.ok(has('南华县', 'remaining', '1189人'), '南华县 1189人');
  assert.ok(has('姚安县', 'remaining', '1072人'), '姚安县 1072人');
  assert.ok(has('武定县', 'village', '高桥镇小河村委会'));
  assert.ok(has('武定县', 'relocation', '武定县城红土田安置点'));
  assert.ok(has('武定县', 'hydro', '狮山镇西河安置点'));
  assert.ok(has('禄丰县', 'leaders', '潘红伟 杨虹'), 'names normalised: 杨 虹 → 杨虹');
  assert.ok(has('禄丰县', 'squadLeads', '尹豪'));
  // The engine passed the too-old check (assets/engine-check.js).
  assert.equal(await s.eval(() => window.duzhanTooOld ?? null), null);
  assert.equal(await s.count('.too-old'), 0);
  // The records are in IndexedDB, not the localStorage fallback.
  await s.gotoHash('#/settings');
  await s.visible(tid('storage-kind'));
  assert.equal(await s.text(tid('storage-kind')), 'indexeddb');
});

engineTest('a new figure and a milestone status survive a reload', async ({ s, url }) => {
  await s.open(`${url}#/targets/seed-target-wuding`);
  await s.visible(tid('target-detail'));
  assert.match(await s.text(tid('figure-latest')), /3071人/);
  await s.type(tid('figure-value'), '2900');
  await s.type(tid('figure-date'), '2020-03-31');
  await s.saved(() => s.click(tid('figure-add')));
  await s.until((sel) => document.querySelector(sel)?.textContent.includes('2900人'), [tid('figure-latest')]);

  await s.click(tid('nav-milestones'));
  await s.visible(milestoneStatus('seed-ms-02'));
  assert.notEqual(await s.text(milestoneStatus('seed-ms-02')), 'done');
  await s.saved(() => s.select(milestoneStatus('seed-ms-02'), 'done'));

  await s.reload();
  await s.visible(milestoneStatus('seed-ms-02'));
  assert.equal(await s.text(milestoneStatus('seed-ms-02')), 'done');
  await s.click(tid('nav-table'));
  const rows = await readTable(s);
  const wuding = rows.find((r) => r.county === '武定县' && r.remaining?.includes('人'));
  assert.ok(wuding, `武定县 row with a figure:\n${show(rows)}`);
  assert.match(wuding.remaining, /2900人/);
  assert.doesNotMatch(wuding.remaining, /3071人/);
});

engineTest('a visit draft survives a closed tab and is offered again', async ({ s, url, t }) => {
  await s.open(`${url}#/visits/new?target=seed-target-xicheng`);
  await s.visible(tid('view-visit'));
  await s.saved(() => s.type(tid('visit-findings'), '西城社区安置点：扶贫车间已开工，仍有5户未就业'));
  const visitId = (await s.until(() => /^#\/visits\/v-[\w-]+$/.test(location.hash) && location.hash, [], { what: 'the draft to get its address' })).split('/')[2];
  await s.saved(() => s.click(tid('answer-seed-ck-industry-employment-fail')));
  await s.saved(() => s.type(tid('visit-households'), '8'));
  await s.until((sel) => document.querySelector(sel)?.getAttribute('data-state') === 'saved', [tid('visit-autosave')], { what: 'the draft autosaved' });

  const how = await s.reopen(url);
  t.diagnostic(`${s.engine}: closed tab = ${how}`);
  const resume = `${tid('draft-resume')}[data-visit-id="${visitId}"]`;
  await s.click(resume);
  await s.visible(tid('view-visit'));
  assert.equal(await s.attr(tid('visit-status'), 'data-status'), 'draft');
  assert.equal(await s.text(tid('visit-target')), 'seed-target-xicheng');
  assert.match(await s.text(tid('visit-findings')), /仍有5户未就业/);
  assert.equal(await s.text(tid('visit-households')), '8');
  assert.equal(await s.eval((sel) => document.querySelector(sel)?.checked, tid('answer-seed-ck-industry-employment-fail')), true);
});
