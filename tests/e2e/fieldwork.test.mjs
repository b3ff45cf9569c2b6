// Field work in the built app (issue 3): visits against the checklist with
// autosaved drafts, problems opened from a 未达标 answer and taken through the
// rectification workflow to 已销号, the ledger's filters and search, and the
// checklist editor. Every step that saves waits for save-status "saved" and most
// are followed by a reload: nothing may be lost.
//
// The data-testid names are documented at the top of src/ui/visits.rs,
// src/ui/problems.rs, src/ui/ledger.rs and src/ui/checklist.rs.
import assert from 'node:assert/strict';
import {
  appSuite, collectErrors, openApp, reloadApp, gotoHash, saved, waitNotSaving, waitReady, readText, eventually, tid,
} from './harness.mjs';

const { appTest } = appSuite();

const HAN = /[\u4e00-\u9fff]/;
const hash = (page) => page.evaluate(() => location.hash);

// ---- helpers ----------------------------------------------------------------

/** Waits until the visit form reports its draft autosaved and nothing is being saved. */
async function autosaved(page) {
  await eventually(async () => assert.equal(await page.locator(tid('visit-autosave')).getAttribute('data-state'), 'saved'));
  await waitNotSaving(page);
}

/** Starts a new visit at a target from the target's page; returns once the form shows. */
async function newVisitFromTarget(page, url, target) {
  await openApp(page, `${url}#/targets/${target}`);
  await page.locator(tid('target-new-visit')).click();
  await page.locator(tid('view-visit')).waitFor({ state: 'visible' });
  assert.equal(await page.locator(tid('visit-target')).inputValue(), target);
}

/** The id of the visit being edited, once its first autosave gave it an address. */
async function visitIdOf(page) {
  await eventually(async () => assert.match(await hash(page), /^#\/visits\/v-[\w-]+$/));
  return (await hash(page)).split('/')[2];
}

async function answerChecked(page, item, a) {
  return page.locator(tid(`answer-${item}-${a}`)).isChecked();
}

async function statusIs(page, code) {
  await eventually(async () => assert.equal(await page.locator(tid('problem-status')).getAttribute('data-status'), code));
}

/** Moves the problem on through the transition dialog and waits for the save. */
async function transition(page, to, { by = '李明', comment = '', verifier, result } = {}) {
  await page.locator(tid(`transition-${to}`)).click();
  await page.locator(tid('transition-dialog')).waitFor({ state: 'visible' });
  await page.locator(tid('transition-by')).fill(by);
  if (verifier !== undefined) await page.locator(tid('verifier-name')).fill(verifier);
  if (result) await page.locator(tid(`verification-${result}`)).check();
  if (comment) await page.locator(tid('transition-comment')).fill(comment);
  await saved(page, () => page.locator(tid('transition-confirm')).click());
  await page.locator(tid('transition-dialog')).waitFor({ state: 'hidden' });
}

async function historyRows(page) {
  return page.locator(tid('problem-history-row')).evaluateAll((rows) =>
    rows.map((r) => ({ to: r.getAttribute('data-to'), skipped: r.getAttribute('data-skipped'), text: (r.textContent ?? '').replace(/\s+/g, ' ').trim() })),
  );
}

/** Saves a new problem at a target through the blank form; returns its id. */
async function newProblem(page, url, target, { description, unit = '', person = '', deadline = '', opened = '2020-05-12', source, item }) {
  await openApp(page, `${url}#/problems/new?target=${target}`);
  await page.locator(tid('problem-form')).waitFor({ state: 'visible' });
  assert.equal(await page.locator(tid('problem-target')).inputValue(), target);
  if (opened) await page.locator(tid('problem-opened')).fill(opened);
  if (item) await page.locator(tid('problem-item')).selectOption(item);
  await page.locator(tid('problem-description')).fill(description);
  if (unit) await page.locator(tid('problem-unit')).fill(unit);
  if (person) await page.locator(tid('problem-person')).fill(person);
  if (deadline) await page.locator(tid('problem-deadline')).fill(deadline);
  if (source) await page.locator(tid('problem-source')).selectOption(source);
  await saved(page, () => page.locator(tid('problem-save')).click());
  await page.locator(tid('view-problem')).waitFor({ state: 'visible' });
  return page.locator(tid('view-problem')).getAttribute('data-problem-id');
}

async function ledgerRows(page) {
  return page.locator(tid('ledger-row')).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-problem-id')));
}

async function ledgerCount(page) {
  return Number(await page.locator(tid('ledger-count')).getAttribute('data-count'));
}

// ---- (1) visit → problem → rectification → closure --------------------------------

appTest('a 未达标 answer at a relocation site becomes a problem that is rectified, fails one verification and is closed by another; reload keeps every step', async ({ page, url }) => {
  await newVisitFromTarget(page, url, 'seed-target-gantang');

  // The visit: typed facts autosave as a draft, which gets its own address.
  await saved(page, () => page.locator(tid('visit-members')).fill('李明、王芳'));
  const visitId = await visitIdOf(page);
  await saved(page, () => page.locator(tid('visit-date')).fill('2020-05-12'));
  await saved(page, () => page.locator(tid('visit-mode')).selectOption('leader_fixed_point'));
  await saved(page, () => page.locator(tid('visit-households')).fill('12'));
  await saved(page, () => page.locator(tid('visit-findings')).fill('甘塘安置点：就业车间运转正常，个别户旧房未拆'));
  await saved(page, () => page.locator(tid('answer-seed-ck-housing-fail')).check());
  await saved(page, () => page.locator(tid('answer-note-seed-ck-housing')).fill('3户危房未拆除，仍有人居住'));
  await saved(page, () => page.locator(tid('answer-seed-ck-water-pass')).check());
  await saved(page, () => page.locator(tid('answer-seed-ck-education-na')).check());
  await autosaved(page);
  assert.equal(await page.locator(tid('visit-status')).getAttribute('data-status'), 'draft');

  await reloadApp(page);
  await page.locator(tid('view-visit')).waitFor({ state: 'visible' });
  assert.equal(await hash(page), `#/visits/${visitId}`);
  assert.equal(await page.locator(tid('visit-members')).inputValue(), '李明、王芳');
  assert.equal(await page.locator(tid('visit-date')).inputValue(), '2020-05-12');
  assert.equal(await page.locator(tid('visit-mode')).inputValue(), 'leader_fixed_point');
  assert.equal(await page.locator(tid('visit-households')).inputValue(), '12');
  assert.match(await page.locator(tid('visit-findings')).inputValue(), /旧房未拆/);
  assert.ok(await answerChecked(page, 'seed-ck-housing', 'fail'), 'housing: 未达标 kept');
  assert.ok(await answerChecked(page, 'seed-ck-water', 'pass'), 'water: 达标 kept');
  assert.ok(await answerChecked(page, 'seed-ck-education', 'na'), 'education: 不适用 kept');
  assert.equal(await page.locator(tid('answer-note-seed-ck-housing')).inputValue(), '3户危房未拆除，仍有人居住');

  // Submitted explicitly; still submitted after a reload.
  await saved(page, () => page.locator(tid('visit-submit')).click());
  await eventually(async () => assert.equal(await page.locator(tid('visit-status')).getAttribute('data-status'), 'submitted'));
  await reloadApp(page);
  await eventually(async () => assert.equal(await page.locator(tid('visit-status')).getAttribute('data-status'), 'submitted'));
  assert.equal(await page.locator(tid('visit-submit')).count(), 0);

  // 登记问题 from the 未达标 answer: the form is prefilled from it.
  await page.locator(tid('open-problem-seed-ck-housing')).click();
  await page.locator(tid('problem-form')).waitFor({ state: 'visible' });
  assert.match(await hash(page), new RegExp(`^#/problems/new\\?target=seed-target-gantang&answer=${visitId}~seed-ck-housing$`));
  assert.equal(await page.locator(tid('problem-target')).inputValue(), 'seed-target-gantang');
  assert.equal(await page.locator(tid('problem-item')).inputValue(), 'seed-ck-housing');
  assert.equal(await page.locator(tid('problem-source')).inputValue(), 'supervision');
  assert.equal(await page.locator(tid('problem-opened')).inputValue(), '2020-05-12');
  assert.match(await page.locator(tid('problem-description')).inputValue(), /住房安全.*3户危房未拆除/);
  await page.locator(tid('problem-unit')).fill('元谋县住房城乡建设局');
  await page.locator(tid('problem-deadline')).fill('2020-06-30');
  await saved(page, () => page.locator(tid('problem-save')).click());
  await page.locator(tid('view-problem')).waitFor({ state: 'visible' });
  const problemId = await page.locator(tid('view-problem')).getAttribute('data-problem-id');
  assert.equal(await hash(page), `#/problems/${problemId}`);
  await statusIs(page, 'open');
  // No responsible person yet: 只督不战. The deadline has passed and it is open: 逾期.
  await page.locator(tid('flag-no-action')).waitFor({ state: 'visible' });
  await page.locator(tid('flag-overdue')).waitFor({ state: 'visible' });
  assert.equal(await page.locator(tid('problem-visit')).getAttribute('href'), `#/visits/${visitId}`);

  await page.locator(tid('problem-person')).fill('张国华');
  await saved(page, () => page.locator(tid('problem-save')).click());
  await page.locator(tid('flag-no-action')).waitFor({ state: 'detached' });
  await reloadApp(page);
  await statusIs(page, 'open');
  assert.equal(await page.locator(tid('problem-person')).inputValue(), '张国华');
  assert.equal(await page.locator(tid('flag-no-action')).count(), 0);

  // 待整改 → 整改中 → 已整改待核验, reloading after each.
  await transition(page, 'in_progress', { comment: '已制定拆除方案，正在动员搬迁户' });
  await statusIs(page, 'in_progress');
  await reloadApp(page);
  await statusIs(page, 'in_progress');
  await transition(page, 'awaiting_verification', { comment: '3户旧房已拆除，申请核验' });
  await statusIs(page, 'awaiting_verification');
  await reloadApp(page);
  await statusIs(page, 'awaiting_verification');

  // Closing with a failed verification is refused with the core's message.
  await page.locator(tid('transition-closed')).click();
  await page.locator(tid('transition-by')).fill('李明');
  await page.locator(tid('verifier-name')).fill('杨虹');
  await page.locator(tid('verification-failed')).check();
  await page.locator(tid('transition-confirm')).click();
  const err = page.locator(`${tid('transition-dialog')} ${tid('form-error')}`);
  await err.waitFor({ state: 'visible' });
  assert.match(await readText(err), /核验未通过，不能销号/);
  await page.locator(tid('transition-cancel')).click();
  await statusIs(page, 'awaiting_verification');

  // A failed verification sends it back to 整改中; a second round closes it.
  await transition(page, 'in_progress', { verifier: '杨虹', result: 'failed', comment: '仍有1户旧房未拆除' });
  await statusIs(page, 'in_progress');
  await reloadApp(page);
  await statusIs(page, 'in_progress');
  await transition(page, 'awaiting_verification', { comment: '剩余1户已拆除' });
  await statusIs(page, 'awaiting_verification');
  await reloadApp(page);
  await transition(page, 'closed', { verifier: '杨虹', result: 'passed', comment: '核验通过，同意销号' });
  await statusIs(page, 'closed');
  await reloadApp(page);
  await statusIs(page, 'closed');
  assert.match(await readText(page.locator(tid('problem-closed-by'))), /杨虹/);
  assert.equal(await page.locator('[data-testid^="transition-"]').count(), 0, 'no transition out of 已销号');
  assert.equal(await page.locator(tid('flag-overdue')).count(), 0, 'a closed problem is not overdue');

  const history = await historyRows(page);
  assert.deepEqual(history.map((h) => h.to), ['in_progress', 'awaiting_verification', 'in_progress', 'awaiting_verification', 'closed']);
  assert.ok(history.every((h) => h.skipped === 'false'), JSON.stringify(history));
  assert.match(history[2].text, /杨虹/);
  assert.match(history[2].text, /仍有1户旧房未拆除/);
  assert.match(history[4].text, /核验通过/);

  // The target's page: the visit on its timeline, the pass rate, no open problem left.
  await gotoHash(page, '#/targets/seed-target-gantang');
  await page.locator(`${tid('timeline-visit')}[data-visit-id="${visitId}"]`).waitFor({ state: 'visible' });
  assert.equal(await page.locator(`${tid('timeline-visit')}[data-visit-id="${visitId}"]`).getAttribute('data-status'), 'submitted');
  assert.equal(await readText(page.locator(tid('pass-rate-overall'))), '50%');
  assert.match(await readText(page.locator(tid('pass-rate-two_assurances_three_guarantees'))), /0%/);
  assert.equal(await page.locator(`${tid('target-open-problem')}[data-problem-id="${problemId}"]`).count(), 0);
});

// ---- (2) drafts survive closing the page ---------------------------------------------

appTest('closing the page mid-draft loses nothing: the draft is offered again on return', async ({ page, url, session }) => {
  await openApp(page, `${url}#/visits/new?target=seed-target-xicheng`);
  await page.locator(tid('view-visit')).waitFor({ state: 'visible' });
  await saved(page, () => page.locator(tid('visit-findings')).fill('西城社区安置点：扶贫车间已开工，仍有5户未就业'));
  const visitId = await visitIdOf(page);
  await saved(page, () => page.locator(tid('answer-seed-ck-industry-employment-fail')).check());
  // Typed and left at once (before the autosave delay): leaving the view saves it.
  await saved(page, async () => {
    await page.locator(tid('answer-note-seed-ck-industry-employment')).fill('5户有劳动力未就业');
    await gotoHash(page, '#/table');
  });
  await page.locator(`${tid('draft-item')}[data-visit-id="${visitId}"]`).waitFor({ state: 'visible' });
  await page.locator(`${tid('draft-resume')}[data-visit-id="${visitId}"]`).click();
  await page.locator(tid('view-visit')).waitFor({ state: 'visible' });
  await saved(page, () => page.locator(tid('visit-households')).fill('8'));
  await autosaved(page);

  // The tab closes; a new one in the same browser profile opens the app.
  await page.close();
  const page2 = await session.context.newPage();
  const errors = collectErrors(page2);
  await openApp(page2, url);
  const resume = page2.locator(`${tid('draft-resume')}[data-visit-id="${visitId}"]`);
  await resume.waitFor({ state: 'visible' });
  await resume.click();
  await page2.locator(tid('view-visit')).waitFor({ state: 'visible' });
  assert.equal(await page2.locator(tid('visit-status')).getAttribute('data-status'), 'draft');
  assert.equal(await page2.locator(tid('visit-target')).inputValue(), 'seed-target-xicheng');
  assert.match(await page2.locator(tid('visit-findings')).inputValue(), /仍有5户未就业/);
  assert.equal(await page2.locator(tid('visit-households')).inputValue(), '8');
  assert.ok(await answerChecked(page2, 'seed-ck-industry-employment', 'fail'));
  assert.equal(await page2.locator(tid('answer-note-seed-ck-industry-employment')).inputValue(), '5户有劳动力未就业');

  // The target's page offers it too.
  await gotoHash(page2, '#/targets/seed-target-xicheng');
  await page2.locator(`${tid('timeline-visit')}[data-visit-id="${visitId}"][data-status="draft"] ${tid('draft-resume')}`).waitFor({ state: 'visible' });

  // Submitting needs a member; the core's message says so, in Chinese.
  await gotoHash(page2, `#/visits/${visitId}`);
  await page2.locator(tid('visit-submit')).click();
  await page2.locator(tid('form-error')).waitFor({ state: 'visible' });
  assert.match(await readText(page2.locator(tid('form-error'))), /请至少填写一名督战人员/);
  errors.assertNone();
});

// ---- (3) the ledger: filters, search, counts, kept in the address ------------------------

appTest('the ledger filters by status and source, searches as you type, counts per status, and keeps all of it across a reload', async ({ page, url }) => {
  const water = await newProblem(page, url, 'seed-target-xihe', { description: '西河安置点3户饮水不稳定，旱季断水', unit: '武定县水务局', person: '杨 虹', deadline: '2020-07-31' });
  const housing = await newProblem(page, url, 'seed-target-qixian', { description: '启宪安置点2户危房未拆除', unit: '元谋县住房城乡建设局', person: '罗文慧', deadline: '2020-07-31', source: 'audit' });
  await transition(page, 'in_progress', { comment: '正在拆除' });

  await page.locator(tid('nav-ledger')).click();
  await page.locator(tid('view-ledger')).waitFor({ state: 'visible' });
  await eventually(async () => assert.equal(await ledgerCount(page), 2));
  assert.deepEqual((await ledgerRows(page)).sort(), [water, housing].sort());
  assert.equal(await page.locator(tid('status-tab-open')).getAttribute('data-count'), '1');
  assert.equal(await page.locator(tid('status-tab-in_progress')).getAttribute('data-count'), '1');

  // Search per keystroke; the person's name matches with or without the stray space.
  await page.locator(tid('ledger-search')).pressSequentially('饮水');
  await eventually(async () => assert.deepEqual(await ledgerRows(page), [water]));
  assert.equal(await ledgerCount(page), 1);
  await page.locator(tid('ledger-search')).fill('杨虹');
  await eventually(async () => assert.deepEqual(await ledgerRows(page), [water]));
  await page.locator(tid('ledger-search')).fill('危房');
  await eventually(async () => assert.deepEqual(await ledgerRows(page), [housing]));

  // Status tabs keep the search; their counts follow it.
  await page.locator(tid('status-tab-open')).click();
  await eventually(async () => assert.equal(await ledgerCount(page), 0));
  await page.locator(tid('ledger-empty')).waitFor({ state: 'visible' });
  assert.equal(await page.locator(tid('status-tab-in_progress')).getAttribute('data-count'), '1');
  await page.locator(tid('status-tab-in_progress')).click();
  await eventually(async () => assert.deepEqual(await ledgerRows(page), [housing]));
  assert.equal(await page.locator(tid('status-tab-in_progress')).getAttribute('aria-selected'), 'true');

  // A source filter, and the whole query survives a reload.
  await page.locator(tid('ledger-search')).fill('');
  await page.locator(tid('status-tab-all')).click();
  await page.locator(tid('ledger-source')).selectOption('audit');
  await eventually(async () => assert.deepEqual(await ledgerRows(page), [housing]));
  await page.locator(tid('ledger-search')).fill('启宪');
  await eventually(async () => assert.match(await hash(page), /source=audit/));
  const kept = await hash(page);
  await reloadApp(page);
  await page.locator(tid('view-ledger')).waitFor({ state: 'visible' });
  assert.equal(await hash(page), kept);
  assert.equal(await page.locator(tid('ledger-search')).inputValue(), '启宪');
  assert.equal(await page.locator(tid('ledger-source')).inputValue(), 'audit');
  await eventually(async () => assert.deepEqual(await ledgerRows(page), [housing]));

  // A row opens its problem.
  await page.locator(`${tid('ledger-row')}[data-problem-id="${housing}"]`).click();
  await page.locator(tid('view-problem')).waitFor({ state: 'visible' });
  assert.equal(await page.locator(tid('view-problem')).getAttribute('data-problem-id'), housing);
  await statusIs(page, 'in_progress');
});

// ---- (3b) 屡改屡犯 ---------------------------------------------------------------------------

appTest('a problem opened where the same item already had a closed problem is flagged 屡改屡犯 and links to it', async ({ browser, url }) => {
  // The campaign's days are days in Chuxiong (the core's rule); the devices run on China time.
  const context = await browser.newContext({ timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  const errors = collectErrors(page);
  try {
    const first = await newProblem(page, url, 'seed-target-xihe', { description: '西河安置点饮水管网漏水', unit: '武定县水务局', person: '罗文慧', deadline: '2020-06-30', item: 'seed-ck-water' });
    assert.equal(await page.locator(tid('flag-recurrence')).count(), 0);
    await transition(page, 'in_progress');
    await transition(page, 'awaiting_verification');
    await transition(page, 'closed', { verifier: '杨虹', result: 'passed' });
    await statusIs(page, 'closed');

    const again = await newProblem(page, url, 'seed-target-xihe', { description: '西河安置点饮水管网再次漏水', unit: '武定县水务局', person: '罗文慧', opened: null, item: 'seed-ck-water' });
    await page.locator(tid('flag-recurrence')).waitFor({ state: 'visible' });
    await reloadApp(page);
    await page.locator(tid('flag-recurrence')).waitFor({ state: 'visible' });
    assert.equal(await page.locator(tid('flag-recurrence-link')).getAttribute('href'), `#/problems/${first}`);
    await page.locator(tid('flag-recurrence-link')).click();
    await eventually(async () => assert.equal(await page.locator(tid('view-problem')).getAttribute('data-problem-id'), first));
    assert.notEqual(first, again);

    // The ledger's 屡改屡犯 filter finds exactly the repeat.
    await gotoHash(page, '#/ledger?recurrence=1');
    await eventually(async () => assert.deepEqual(await ledgerRows(page), [again]));
    errors.assertNone();
  } finally {
    await context.close();
  }
});

// ---- (4) the checklist is data: rename, add, retire ------------------------------------------

appTest('a renamed checklist item shows on the visit form, and an added one appears in the next version', async ({ page, url }) => {
  await openApp(page, `${url}#/settings`);
  await page.locator(tid('settings-checklist')).click();
  await page.locator(tid('view-checklist')).waitFor({ state: 'visible' });
  assert.equal(await readText(page.locator(tid('checklist-version'))), '1');

  await page.locator(tid('checklist-rename-seed-ck-water')).click();
  await page.locator(tid('checklist-rename-input-seed-ck-water')).fill('饮水安全（含水质检测）');
  await saved(page, () => page.locator(tid('checklist-rename-save-seed-ck-water')).click());
  await eventually(async () => assert.equal(await readText(page.locator(tid('checklist-title-seed-ck-water'))), '饮水安全（含水质检测）'));

  await page.locator(tid('checklist-add-group')).selectOption('june_key_tasks');
  await page.locator(tid('checklist-add-title')).fill('防返贫动态监测');
  await saved(page, () => page.locator(tid('checklist-add-save')).click());
  await eventually(async () => assert.equal(await readText(page.locator(tid('checklist-version'))), '2'));

  // A duplicate title in the same group is refused in Chinese.
  await page.locator(tid('checklist-add-group')).selectOption('june_key_tasks');
  await page.locator(tid('checklist-add-title')).fill('防返贫动态监测');
  await page.locator(tid('checklist-add-save')).click();
  await page.locator(tid('form-error')).waitFor({ state: 'visible' });
  assert.match(await readText(page.locator(tid('form-error'))), HAN);

  await reloadApp(page);
  await page.locator(tid('view-checklist')).waitFor({ state: 'visible' });
  assert.equal(await readText(page.locator(tid('checklist-title-seed-ck-water'))), '饮水安全（含水质检测）');

  await gotoHash(page, '#/visits/new?target=seed-target-xihe');
  await page.locator(tid('view-visit')).waitFor({ state: 'visible' });
  assert.equal(await readText(page.locator(tid('answer-title-seed-ck-water'))), '饮水安全（含水质检测）');
  const titles = await page.locator(`${tid('checklist-group-june_key_tasks')} [data-testid^="answer-title-"]`).allTextContents();
  assert.ok(titles.includes('防返贫动态监测'), titles.join(' | '));
});

appTest('a retired item stays readable on the visit that answered it and leaves new visit forms', async ({ page, url }) => {
  await newVisitFromTarget(page, url, 'seed-target-dayao');
  await saved(page, () => page.locator(tid('visit-members')).fill('罗文慧'));
  const visitId = await visitIdOf(page);
  await saved(page, () => page.locator(tid('visit-date')).fill('2020-06-02'));
  await saved(page, () => page.locator(tid('answer-seed-ck-income-fail')).check());
  await saved(page, () => page.locator(tid('answer-note-seed-ck-income')).fill('2户收入测算不准确'));
  await autosaved(page);
  await saved(page, () => page.locator(tid('visit-submit')).click());
  await eventually(async () => assert.equal(await page.locator(tid('visit-status')).getAttribute('data-status'), 'submitted'));

  await gotoHash(page, '#/checklist');
  await saved(page, () => page.locator(tid('checklist-retire-seed-ck-income')).click());
  await page.locator(tid('checklist-reinstate-seed-ck-income')).waitFor({ state: 'visible' });
  assert.equal(await page.locator(`${tid('checklist-item')}[data-item-id="seed-ck-income"]`).getAttribute('data-retired'), 'true');

  await reloadApp(page);
  await gotoHash(page, `#/visits/${visitId}`);
  await page.locator(tid('view-visit')).waitFor({ state: 'visible' });
  assert.equal(await readText(page.locator(tid('answer-title-seed-ck-income'))), '收入稳定');
  await page.locator(tid('answer-retired-seed-ck-income')).waitFor({ state: 'visible' });
  assert.ok(await answerChecked(page, 'seed-ck-income', 'fail'));
  assert.equal(await page.locator(tid('answer-note-seed-ck-income')).inputValue(), '2户收入测算不准确');

  await gotoHash(page, '#/visits/new?target=seed-target-dayao');
  await page.locator(tid('answer-seed-ck-housing-pass')).waitFor({ state: 'visible' });
  assert.equal(await page.locator(tid('answer-seed-ck-income-pass')).count(), 0, 'retired item offered on a new visit');

  await gotoHash(page, '#/checklist');
  await saved(page, () => page.locator(tid('checklist-reinstate-seed-ck-income')).click());
  await gotoHash(page, '#/visits/new?target=seed-target-dayao');
  await page.locator(tid('answer-seed-ck-income-pass')).waitFor({ state: 'visible' });
});

// ---- (5) GPS is optional ---------------------------------------------------------------

appTest('GPS: a granted position shows with its accuracy and is saved; a denied one shows a Chinese message and blocks nothing', async ({ page, url, session }) => {
  const origin = new URL(url).origin;
  await session.context.grantPermissions(['geolocation'], { origin });
  await session.context.setGeolocation({ latitude: 25.6957, longitude: 101.8731, accuracy: 12 });
  await openApp(page, `${url}#/visits/new?target=seed-target-gantang`);
  await saved(page, () => page.locator(tid('visit-gps')).click());
  await eventually(async () => assert.match(await readText(page.locator(tid('visit-gps-text'))), /25\.69570, 101\.87310（精度 ±12 米）/));
  await visitIdOf(page);
  await autosaved(page);
  await reloadApp(page);
  await eventually(async () => assert.match(await readText(page.locator(tid('visit-gps-text'))), /精度 ±12 米/));

  await session.context.clearPermissions();
  await page.locator(tid('visit-gps')).click();
  const err = page.locator(tid('visit-gps-error'));
  await err.waitFor({ state: 'visible' });
  assert.match(await readText(err), /定位/);
  assert.match(await readText(err), HAN);
  assert.match(await readText(page.locator(tid('visit-gps-text'))), /精度 ±12 米/, 'a failed attempt keeps the saved position');
});

// ---- (6) every new view is an address ------------------------------------------------------

for (const [address, marker, check] of [
  ['#/ledger?status=open&q=%E5%8D%B1', 'view-ledger', async (page) => {
    assert.equal(await page.locator(tid('ledger-search')).inputValue(), '危');
    assert.equal(await page.locator(tid('status-tab-open')).getAttribute('aria-selected'), 'true');
  }],
  ['#/checklist', 'view-checklist'],
  ['#/visits/new?target=seed-target-xihe', 'view-visit', async (page) => {
    assert.equal(await page.locator(tid('visit-target')).inputValue(), 'seed-target-xihe');
  }],
  ['#/problems/new?target=seed-target-xihe', 'view-new-problem', async (page) => {
    assert.equal(await page.locator(tid('problem-target')).inputValue(), 'seed-target-xihe');
  }],
]) {
  appTest(`reload on ${address} stays on that view`, async ({ page, url }) => {
    await openApp(page, url);
    await gotoHash(page, address);
    await page.locator(tid(marker)).waitFor({ state: 'visible' });
    await reloadApp(page);
    assert.equal(await hash(page), address);
    await page.locator(tid(marker)).waitFor({ state: 'visible' });
    if (check) await check(page);
  });
}

appTest('the 台账 nav link opens the ledger and marks itself current', async ({ page, url }) => {
  await openApp(page, url);
  await page.locator(tid('nav-ledger')).click();
  await page.locator(tid('view-ledger')).waitFor({ state: 'visible' });
  await waitReady(page);
  assert.equal(await page.locator(tid('nav-ledger')).getAttribute('aria-current'), 'page');
  assert.equal(await page.locator(tid('view-ledger')).getAttribute('data-ready'), 'true');
});
