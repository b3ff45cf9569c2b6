// The monthly cycle in the built app (issue 5): a target's report is written,
// saved as a draft, submitted by the 20th and given feedback; the reporting board
// changes at each step and after the 20th shows who is missing; the printed
// report (Chromium's own PDF) carries the figures and the data fingerprint shown
// on screen; roll-ups and the dashboard are computed from the records.
//
// The page clock is fixed with Playwright's clock API, so "today" is a day of the
// 2020 campaign and the 20th rule can be tested on both sides.
import assert from 'node:assert/strict';
import { appSuite, openApp, reloadApp, gotoHash, saved, readText, eventually, tid } from './harness.mjs';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import ExcelJS from 'exceljs';
import fs from 'node:fs/promises';

const { appTest } = appSuite();

const MARCH_18 = new Date('2020-03-18T10:00:00+08:00');
const MARCH_25 = new Date('2020-03-25T10:00:00+08:00');

async function board(page) {
  const n = async (id) => Number(await readText(page.locator(tid(id))));
  return {
    expected: await n('board-expected'),
    received: await n('board-received'),
    onTime: await n('board-on-time'),
    late: await n('board-late'),
    missing: await n('board-missing'),
    feedback: await n('board-feedback-given'),
  };
}

const row = (page, subject) => page.locator(`${tid('board-row')}[data-subject="${subject}"]`);

/** Clicks an export button and reads the downloaded workbook back with ExcelJS. */
async function downloadWorkbook(page, testid) {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.locator(tid(testid)).click()]);
  const file = await dl.path();
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(await fs.readFile(file));
  return { name: dl.suggestedFilename(), sheet: wb.worksheets[0] };
}

/** Every row of a sheet as plain values (rich text and numbers as they are). */
function rowsOf(sheet) {
  const out = [];
  sheet.eachRow({ includeEmpty: false }, (row) => out.push(row.values.slice(1).map((v) => (v && typeof v === 'object' && 'richText' in v ? v.richText.map((r) => r.text).join('') : v))));
  return out;
}

/** The text of every page of a PDF, joined. */
async function pdfText(bytes) {
  const doc = await getDocument({ data: new Uint8Array(bytes), useSystemFonts: false, isEvalSupported: false }).promise;
  let out = '';
  for (let i = 1; i <= doc.numPages; i++) {
    const content = await (await doc.getPage(i)).getTextContent();
    out += content.items.map((x) => x.str).join('') + '\n';
  }
  return out;
}

appTest('a report is drafted, submitted on time and given feedback; the board follows; the PDF holds its figures and fingerprint', async ({ page, url }) => {
  await page.clock.setFixedTime(MARCH_18);
  await openApp(page, `${url}#/reports?month=2020-03`);
  await page.locator(tid('view-reports')).waitFor();
  // 7 counties + 13 prefecture targets; nothing is missing before the 20th.
  assert.deepEqual(await board(page), { expected: 20, received: 0, onTime: 0, late: 0, missing: 0, feedback: 0 });
  assert.equal(await row(page, 'seed-target-xicheng').getAttribute('data-status'), 'none');
  assert.equal(await row(page, 'seed-target-xicheng').getAttribute('data-timeliness'), 'not_due');

  // The home view counts down to the 20th.
  await gotoHash(page, '#/table');
  const march = page.locator(tid('deadline')).filter({ hasText: '2020-03-20' });
  assert.equal(await march.getAttribute('data-days'), '2');
  assert.match(await readText(march.locator(tid('deadline-countdown'))), /还剩2天/);

  // A problem found this month at 西城社区安置点, so the figures have something to show.
  await gotoHash(page, '#/problems/new?target=seed-target-xicheng');
  await page.locator(tid('problem-description')).fill('3户搬迁群众未落实就业帮扶');
  await page.locator(tid('problem-opened')).fill('2020-03-10');
  await saved(page, () => page.locator(tid('problem-save')).click());

  await gotoHash(page, '#/reports/target/seed-target-xicheng/2020-03');
  await page.locator(tid('view-report')).waitFor();
  assert.equal(await page.locator(tid('view-report')).getAttribute('data-status'), 'draft');
  await eventually(async () => assert.equal(await readText(page.locator(tid('fig-opened'))), '1'));
  assert.equal(await readText(page.locator(tid('fig-open-at-end'))), '1');
  assert.equal(await readText(page.locator(tid('fig-as-of'))), '2020-03-18');
  assert.match(await readText(page.locator(tid('fig-population'))), /1501人 → 1501人/);

  // The analysis opens with the month's figures in words.
  assert.match(await page.locator(tid('report-analysis')).inputValue(), /^2020年3月（截至2020-03-18）：督战0次.*新发现问题1个.*只督不战1个/);

  // Draft, reload: kept.
  await page.locator(tid('report-analysis')).fill('本月新发现问题1个，集中在就业帮扶。');
  await page.locator(tid('report-text')).fill('西城社区安置点3月督战情况：已督促落实就业帮扶。');
  await page.locator(tid('report-author')).fill('第五督战小分队');
  await saved(page, () => page.locator(tid('report-save')).click());
  await reloadApp(page);
  await page.locator(tid('view-report')).waitFor();
  assert.equal(await page.locator(tid('report-analysis')).inputValue(), '本月新发现问题1个，集中在就业帮扶。');

  // Submit on the 18th: on time.
  await saved(page, () => page.locator(tid('report-submit')).click());
  await eventually(async () => assert.equal(await page.locator(tid('view-report')).getAttribute('data-status'), 'submitted'));
  assert.match(await readText(page.locator(tid('report-submitted-on'))), /2020-03-18（按时）/);
  const submittedHash = await readText(page.locator(tid('print-hash')));
  assert.match(submittedHash, /^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}$/);

  // Printed by Chromium: the PDF's text holds the figures and the same fingerprint.
  const pdf = await page.pdf({ format: 'A4', printBackground: true });
  const text = (await pdfText(pdf)).replace(/\s+/g, '');
  assert.ok(text.includes(submittedHash), `fingerprint ${submittedHash} in the PDF`);
  assert.ok(text.includes('2020-03-18'), 'the as-of and submission day in the PDF');
  assert.ok(text.includes('1501'), 'the population figure in the PDF');

  await gotoHash(page, '#/reports?month=2020-03');
  assert.deepEqual(await board(page), { expected: 20, received: 1, onTime: 1, late: 0, missing: 0, feedback: 0 });
  assert.equal(await row(page, 'seed-target-xicheng').getAttribute('data-status'), 'submitted');
  assert.equal(await row(page, 'seed-target-xicheng').getAttribute('data-timeliness'), 'on_time');

  // Feedback to the target.
  await gotoHash(page, '#/reports/target/seed-target-xicheng/2020-03');
  await page.locator(tid('feedback-text')).fill('请于4月10日前完成3户就业帮扶并报核验。');
  await page.locator(tid('feedback-by')).fill('州扶贫办');
  await saved(page, () => page.locator(tid('feedback-submit')).click());
  await eventually(async () => assert.equal(await page.locator(tid('view-report')).getAttribute('data-status'), 'feedback_given'));
  assert.notEqual(await readText(page.locator(tid('print-hash'))), submittedHash, 'the fingerprint covers the feedback');
  await reloadApp(page);
  assert.equal(await readText(page.locator(tid('feedback-text-text'))), '请于4月10日前完成3户就业帮扶并报核验。');

  // A week later, past the 20th: everyone else is missing; a late report is marked late.
  await page.clock.setFixedTime(MARCH_25);
  await gotoHash(page, '#/reports/county/seed-county-shuangbai/2020-03');
  await page.locator(tid('view-report')).waitFor();
  await page.locator(tid('report-analysis')).fill('双柏县3月汇总分析');
  await page.locator(tid('report-text')).fill('双柏县3月督战情况报告');
  await page.locator(tid('report-author')).fill('双柏县督战组');
  await saved(page, () => page.locator(tid('report-submit')).click());
  await gotoHash(page, '#/reports?month=2020-03');
  await eventually(async () => assert.deepEqual(await board(page), { expected: 20, received: 2, onTime: 1, late: 1, missing: 18, feedback: 1 }));
  assert.equal(await row(page, 'seed-county-shuangbai').getAttribute('data-timeliness'), 'late');
  assert.equal(await row(page, 'seed-county-yaoan').getAttribute('data-timeliness'), 'missing');
});

appTest('one-off filings are recorded against their dates; roll-ups add up the counties; the dashboard draws its charts with numbers', async ({ page, url }) => {
  await page.clock.setFixedTime(new Date('2020-02-10T10:00:00+08:00'));
  await openApp(page, `${url}#/reports?month=2020-02`);
  const liaison = page.locator(`${tid('filing-board')}[data-requirement="seed-req-liaison"]`);
  assert.equal(await liaison.locator(tid('filing-row')).count(), 13);
  assert.match(await readText(liaison), /3013497/);
  const first = liaison.locator(`${tid('filing-row')}[data-subject="seed-target-wuding"]`);
  assert.equal(await first.getAttribute('data-timeliness'), 'missing');
  await first.locator(tid('filing-date')).fill('2020-02-05');
  await first.locator(tid('filing-contact')).fill('张联络 13800000000');
  await saved(page, () => first.locator(tid('filing-record')).click());
  await eventually(async () => assert.equal(await liaison.locator(`${tid('filing-row')}[data-subject="seed-target-wuding"]`).getAttribute('data-timeliness'), 'on_time'));
  // A date after today is refused with a Chinese message and changes nothing.
  const second = liaison.locator(`${tid('filing-row')}[data-subject="seed-target-nanhua"]`);
  await second.locator(tid('filing-date')).fill('2020-02-11');
  await second.locator(tid('filing-record')).click();
  await eventually(async () => assert.match(await readText(second.locator(tid('form-error'))), /晚于今天/));
  assert.equal(await second.getAttribute('data-timeliness'), 'missing');

  // Two problems in 武定县 this month, one overdue.
  for (const [target, desc, deadline] of [['seed-target-wuding', '危房改造未完成', '2020-02-05'], ['seed-target-hongtutian', '饮水管网未通', '']]) {
    await gotoHash(page, `#/problems/new?target=${target}`);
    await page.locator(tid('problem-description')).fill(desc);
    await page.locator(tid('problem-opened')).fill('2020-02-03');
    if (deadline) await page.locator(tid('problem-deadline')).fill(deadline);
    await saved(page, () => page.locator(tid('problem-save')).click());
  }
  await gotoHash(page, '#/rollup/2020-02');
  await page.locator(tid('view-rollup')).waitFor();
  assert.equal(await page.locator(tid('rollup-row')).count(), 7);
  const wuding = page.locator(tid('rollup-row')).filter({ hasText: '武定县' });
  const cells = await wuding.locator('td').allTextContents();
  // visits, households, pass rate, opened, closed, open at end, overdue, …
  assert.deepEqual(cells.slice(0, 7), ['0', '0', '—', '2', '0', '2', '1']);
  const total = await page.locator(tid('rollup-total')).locator('td').allTextContents();
  assert.deepEqual(total.slice(3, 7), ['2', '0', '2', '1']);
  assert.match(await readText(page.locator(tid('print-hash'))), /^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}$/);

  // The roll-up as .xlsx: title, one row per county, the 合计 row last.
  const rollup = await downloadWorkbook(page, 'export-xlsx-rollup');
  assert.match(rollup.name, /^督战情况汇总-2020-02-10\.xlsx$/);
  const rrows = rowsOf(rollup.sheet);
  assert.equal(rrows[0][0], '全州2020年2月督战情况汇总');
  const totalRow = rrows.find((r) => r[1] === '合计');
  assert.ok(totalRow, 'a 合计 row');
  assert.equal(totalRow[12], 2, '新发现问题 in the total');
  assert.equal(totalRow[15], 1, '逾期 in the total');
  assert.equal(rrows.filter((r) => typeof r[0] === 'number').length, 7, 'one numbered row per county');

  // The reporting status as .xlsx.
  await gotoHash(page, '#/reports?month=2020-02');
  const status = await downloadWorkbook(page, 'export-xlsx-reporting');
  const srows = rowsOf(status.sheet);
  assert.equal(srows[0][0], '2020年2月督战情况报送情况');
  assert.equal(srows.filter((r) => typeof r[0] === 'number').length, 20);

  await gotoHash(page, '#/dashboard');
  for (const c of ['chart-remaining', 'chart-problems', 'chart-milestones', 'chart-failures']) {
    await page.locator(tid(c)).waitFor();
  }
  // 武定县: 2 open, 0 closed, 1 overdue — numbers beside the bars.
  const values = await page.locator(`${tid('chart-problems')} .bar`).evaluateAll((gs) => gs.slice(0, 3).map((g) => g.getAttribute('data-value')));
  assert.deepEqual(values, ['2', '0', '1']);
  assert.match(await readText(page.locator(tid('chart-problems'))), /武定县/);
  assert.ok(await page.locator(`${tid('chart-remaining')} circle`).count() >= 3, 'a point per county and month');
  assert.match(await readText(page.locator(tid('chart-remaining'))), /武定县 3071/);
});

appTest('the 督战表 and the ledger print on paper with their data fingerprint', async ({ page, url }) => {
  await openApp(page, `${url}#/table`);
  const tableHash = await readText(page.locator(tid('print-hash')));
  assert.match(tableHash, /^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}$/);
  const table = (await pdfText(await page.pdf({ format: 'A4', landscape: true }))).replace(/\s+/g, '');
  assert.ok(table.includes(tableHash), 'the 督战表 PDF carries its fingerprint');
  assert.ok(table.includes('3071'), 'and its figures');

  for (const desc of ['Problem-A1 危房', 'Problem-B2 饮水']) {
    await gotoHash(page, '#/problems/new?target=seed-target-gantang');
    await page.locator(tid('problem-description')).fill(desc);
    await saved(page, () => page.locator(tid('problem-save')).click());
  }
  await gotoHash(page, '#/ledger');
  await eventually(async () => assert.equal(await page.locator(tid('ledger-count')).getAttribute('data-count'), '2'));
  // The browser's own print (Ctrl+P, or Chromium's PDF) fires `beforeprint`, which
  // fills the print-only table with every row of the view (the virtual list on screen
  // holds only the rows in view); `afterprint` empties it again.
  const direct = (await pdfText(await page.pdf({ format: 'A4', landscape: true }))).replace(/\s+/g, '');
  assert.ok(direct.includes('Problem-A1') && direct.includes('Problem-B2'), 'the browser print holds every row');
  assert.match(direct, /数据指纹：[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}/);
  await page.locator(tid('print-ledger-table')).waitFor({ state: 'detached' });
  // The 打印 button fills it too, then opens the print dialog (stubbed here: a headless
  // browser would stay "printing").
  await page.evaluate(() => { window.print = () => {}; });
  await page.locator(tid('print-ledger')).click();
  await page.locator(tid('print-ledger-table')).waitFor({ state: 'attached' });
  const ledgerHash = await page.locator(`${tid('print-ledger-table')} ${tid('print-hash')}`).textContent();
  const text = (await pdfText(await page.pdf({ format: 'A4', landscape: true }))).replace(/\s+/g, '');
  assert.ok(text.includes('Problem-A1') && text.includes('Problem-B2'), 'every row of the view is printed');
  assert.ok(text.includes(ledgerHash.trim()), 'with the fingerprint');
});
