// Export for the office: the 督战表 (and the ledger, once its view exists) downloaded
// from the built app as .xlsx and .csv, offline-capable, and read back with real
// readers — ExcelJS for the .xlsx (cells, merges, number formats, real dates) and an
// RFC 4180 parser for the CSV (BOM, quoting).
//
// The .xlsx is written by a web worker (src/bin/xlsx_worker) that the app loads on
// the first Excel export only; the specs also check that nothing of it is fetched
// before then. Timings of the first and the next Excel export are printed as test
// diagnostics (worker start + write, and write alone).
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import ExcelJS from 'exceljs';
import { test } from 'node:test';
import fsSync from 'node:fs';
import path from 'node:path';
import { appSuite, collectErrors, launch, newSession, openApp, reloadApp, startApp, tid, DIST, TIMEOUT, waitViewsLoaded } from './harness.mjs';

const { appTest } = appSuite();

const TITLE = '州级定点挂牌督战表';
const HEADERS = [
  '序号',
  '督战县',
  '剩余贫困人口超过1000人',
  '贫困发生率超过10%的行政村',
  '千人以上易地扶贫搬迁集中安置点',
  '千人以上乌东德水电移民安置点',
  '州级领导',
  '督战小分队部门牵头人',
];
const LEDGER_HEADERS = [
  '序号', '县市', '督战对象', '检查项目', '问题来源', '问题描述', '责任单位', '责任人',
  '整改时限', '状态', '登记日期', '销号日期', '核验人', '逾期', '只督不战', '屡改屡犯', '照片', '问题编号',
];
const WORKER_FILES = /xlsx_worker(_loader)?(\.js|_bg\.wasm)$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

// ---- helpers ----------------------------------------------------------------

/**
 * Clicks a button and returns the download it causes: `{ name, bytes, ms }`, where
 * `ms` is the time from the click to the file being complete.
 */
async function download(page, testid) {
  const started = Date.now();
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.locator(tid(testid)).click()]);
  const file = await dl.path(); // waits until the download has finished
  const ms = Date.now() - started;
  assert.equal(await dl.failure(), null, 'the download completed');
  return { name: dl.suggestedFilename(), bytes: await fs.readFile(file), ms };
}

/** The export's status line: data-state and text, once it is no longer busy. */
async function settledStatus(page, what) {
  const sel = tid(`export-status-${what}`);
  await page.waitForFunction((s) => {
    const st = document.querySelector(s)?.getAttribute('data-state');
    return st === 'done' || st === 'error';
  }, sel);
  const el = page.locator(sel);
  return { state: await el.getAttribute('data-state'), text: ((await el.textContent()) ?? '').trim() };
}

async function readXlsx(bytes) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes);
  return wb;
}

/** RFC 4180: fields in double quotes may hold commas, quotes ("") and line breaks. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  assert.equal(quoted, false, 'no unterminated quoted field');
  assert.equal(field + row.join(''), '', 'every record ends with CRLF');
  return rows;
}

const text = (cell) => (cell.value == null ? '' : String(cell.value));
const workerRequests = (session) => session.network.requests.filter((r) => WORKER_FILES.test(new URL(r.url).pathname));

async function openTable(page, url) {
  await openApp(page, `${url}#/table`);
  await page.locator(tid('supervision-table')).waitFor({ state: 'visible' });
}

// ---- the 督战表 as .xlsx ---------------------------------------------------------

appTest('the 督战表 downloads as an .xlsx laid out like the plan: title, headers, merged county cells, figures, names, a real date', async ({ page, url, session, t }) => {
  await openTable(page, url);
  assert.deepEqual(workerRequests(session), [], 'the Excel worker is not part of the first load');

  const first = await download(page, 'export-xlsx-table');
  t.diagnostic(`first .xlsx (worker start + write): ${first.ms} ms, ${first.bytes.length} bytes`);
  assert.match(first.name, /^督战表-\d{4}-\d{2}-\d{2}\.xlsx$/);
  const status = await settledStatus(page, 'table');
  assert.equal(status.state, 'done', status.text);
  assert.ok(status.text.includes(first.name), `the status names the file: ${status.text}`);
  assert.ok(workerRequests(session).length >= 2, 'the worker was fetched on first use');
  for (const r of workerRequests(session)) assert.equal(r.status, 200, `${r.url} loaded`);

  const wb = await readXlsx(first.bytes);
  const ws = wb.getWorksheet(TITLE);
  assert.ok(ws, `a sheet named ${TITLE}`);

  // Title row, merged over the eight columns; the header row below it.
  assert.equal(text(ws.getCell('A1')), TITLE);
  assert.ok(ws.getCell('A1').font?.bold, 'the title is bold');
  assert.deepEqual(
    HEADERS.map((_, i) => text(ws.getRow(2).getCell(i + 1))),
    HEADERS,
  );
  assert.ok(ws.getCell('A2').font?.bold, 'headers are bold');

  // 武定县: three rows (3–5) under one 序号 and one 督战县, as in the plan.
  const merges = [...ws.model.merges].sort();
  for (const m of ['A1:H1', 'A3:A5', 'B3:B5', 'A10:A12', 'B10:B12']) assert.ok(merges.includes(m), `${m} merged (merges: ${merges})`);
  assert.equal(ws.getCell('A3').value, 1);
  assert.equal(ws.getCell('B3').value, '武定县');
  for (const r of [4, 5]) {
    assert.equal(ws.getCell(`B${r}`).isMerged, true, `B${r} is merged`);
    assert.equal(ws.getCell(`B${r}`).master.address, 'B3', `B${r} shows B3`);
    assert.equal(ws.getCell(`A${r}`).master.address, 'A3');
  }
  assert.equal(ws.getCell('E3').value, '武定县城红土田安置点');
  assert.equal(ws.getCell('D4').value, '高桥镇小河村委会');
  assert.equal(ws.getCell('F5').value, '狮山镇西河安置点');
  assert.equal(ws.getCell('G5').value, '赵克义');
  assert.equal(ws.getCell('H5').value, '向勇');

  // Figures are numbers that display with 人, as the plan writes them.
  assert.equal(ws.getCell('C3').value, 3071);
  assert.equal(ws.getCell('C3').numFmt, '0"人"');
  assert.equal(ws.getCell('C6').value, 1189);
  assert.equal(ws.getCell('C7').value, 1072);
  assert.equal(ws.getCell('B6').value, '南华县');

  // Names from the person records: the plan's stray spaces are gone.
  assert.equal(ws.getCell('G4').value, '迟中华 杨虹 李林波');
  assert.equal(ws.getCell('B13').value, '禄丰县');
  assert.equal(ws.getCell('G13').value, '潘红伟 杨虹');
  assert.equal(ws.getCell('H13').value, '尹豪');
  const everyText = [];
  ws.eachRow((row) => row.eachCell((c) => everyText.push(text(c))));
  assert.ok(!everyText.some((s) => s.includes('杨 虹') || s.includes('尹 豪')), 'no name with a stray space');

  // 元谋县's three rows share 序号 6.
  assert.equal(ws.getCell('A10').value, 6);
  assert.equal(ws.getCell('A11').master.address, 'A10');

  // Under the table: 导出日期 and the export day as a real date.
  assert.equal(ws.getCell('A15').value, '导出日期');
  const day = ws.getCell('C15').value;
  assert.ok(day instanceof Date, `the export day is a date, not text: ${JSON.stringify(day)}`);
  assert.equal(day.toISOString().slice(0, 10), first.name.match(/(\d{4}-\d{2}-\d{2})/)[1]);
  assert.match(ws.getCell('C15').numFmt, /yyyy-mm-dd/);

  // Column widths are set (the site names fit).
  assert.ok(ws.getColumn(5).width >= 28, `E is wide enough: ${ws.getColumn(5).width}`);

  // The next export reuses the running worker: write time only.
  const again = await download(page, 'export-xlsx-table');
  t.diagnostic(`next .xlsx (write only): ${again.ms} ms`);
  assert.equal((await readXlsx(again.bytes)).getWorksheet(TITLE).getCell('C3').value, 3071);
});

// ---- the 督战表 as .csv ----------------------------------------------------------

appTest('the 督战表 downloads as a UTF-8 CSV with BOM that parses back to the plan’s rows, without loading the Excel worker', async ({ page, url, session }) => {
  await openTable(page, url);
  const csv = await download(page, 'export-csv-table');
  assert.match(csv.name, /^督战表-\d{4}-\d{2}-\d{2}\.csv$/);
  assert.deepEqual([...csv.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'starts with the UTF-8 BOM');
  assert.equal((await settledStatus(page, 'table')).state, 'done');
  assert.deepEqual(workerRequests(session), [], 'CSV needs no worker');

  const rows = parseCsv(new TextDecoder('utf-8', { fatal: true }).decode(csv.bytes.subarray(3)));
  assert.deepEqual(rows[0], HEADERS);
  const body = rows.slice(1);
  assert.equal(body.length, 11, 'eleven rows, as in the plan');
  for (const r of body) assert.equal(r.length, 8, `every row has eight fields: ${r}`);
  const wuding = body.filter((r) => r[1] === '武定县');
  assert.equal(wuding.length, 3, '武定县 on each of its three rows');
  assert.deepEqual(wuding.map((r) => r[0]), ['1', '1', '1']);
  assert.deepEqual(wuding[0], ['1', '武定县', '3071人', '', '武定县城红土田安置点', '', '杨斌 李林波', '马国雄 罗文慧']);
  assert.deepEqual(wuding[1], ['1', '武定县', '', '高桥镇小河村委会', '', '', '迟中华 杨虹 李林波', '罗文慧 林昆']);
  assert.deepEqual(body.at(-1), ['7', '禄丰县', '', '', '禄丰县城思源小区安置点', '', '潘红伟 杨虹', '尹豪']);
});

// ---- the ledger -----------------------------------------------------------------

appTest('the ledger downloads as .xlsx and .csv: the rows of the view, Chinese headers, real dates', async ({ page, url, t }) => {
  await openApp(page, url);
  if ((await page.locator(tid('nav-ledger')).count()) === 0) {
    t.skip('no ledger view yet ([data-testid="nav-ledger"] is absent)');
    return;
  }
  // The benchmark mode fills the ledger with 100,000 generated problems (in memory).
  await openApp(page, `${url}?bench=ledger100k#/ledger`);
  await page.locator(`${tid('view-ledger')}[data-ready="true"]`).waitFor({ timeout: 120_000 });
  if ((await page.locator(tid('export-xlsx-ledger')).count()) === 0) {
    t.skip('the ledger view does not show the export buttons yet: src/ui/ledger.rs should mount <ExportMenu what=ExportWhat::ledger(..)/>');
    return;
  }
  // Narrow the view with a search: the export holds the rows of the view, no others.
  const countOf = async () => Number(await page.locator(tid('ledger-count')).getAttribute('data-count'));
  const all = await countOf();
  await page.locator(tid('ledger-search')).fill('小河 口粮');
  await page.waitForFunction(([sel, n]) => Number(document.querySelector(sel)?.getAttribute('data-count')) !== n, [tid('ledger-count'), all]);
  const count = await countOf();
  assert.ok(count > 0 && count < all, `the search narrows the view (${count} of ${all})`);

  const xlsx = await download(page, 'export-xlsx-ledger');
  t.diagnostic(`ledger .xlsx of ${count} rows: ${xlsx.ms} ms, ${xlsx.bytes.length} bytes`);
  assert.match(xlsx.name, /^挂牌督战台账-\d{4}-\d{2}-\d{2}\.xlsx$/);
  assert.equal((await settledStatus(page, 'ledger')).state, 'done');
  const ws = (await readXlsx(xlsx.bytes)).getWorksheet('挂牌督战台账');
  assert.ok(ws, 'a sheet named 挂牌督战台账');
  assert.equal(text(ws.getCell('A1')), '挂牌督战台账');
  assert.match(text(ws.getCell('A2')), new RegExp(`^截至\\d{4}-\\d{2}-\\d{2}，共${count}条$`));
  assert.deepEqual(LEDGER_HEADERS.map((_, i) => text(ws.getRow(3).getCell(i + 1))), LEDGER_HEADERS);
  assert.ok(ws.getRow(3).getCell(1).font?.bold, 'headers are bold');
  for (let r = 4; r < 4 + count; r++) {
    const row = ws.getRow(r);
    assert.equal(row.getCell(1).value, r - 3, '序号 counts the rows');
    assert.ok(row.getCell(11).value instanceof Date, `登记日期 (K${r}) is a real date`);
    const deadline = row.getCell(9).value;
    assert.ok(deadline === null || deadline instanceof Date, `整改时限 (I${r}) is a date or empty`);
    assert.ok(['是', '否'].includes(row.getCell(14).value), '逾期 is 是/否');
    assert.equal(typeof row.getCell(17).value, 'number', `照片 (Q${r}) is a count`);
    const line = row.values.map((v) => (v instanceof Date ? '' : String(v ?? ''))).join(' ');
    assert.ok(line.includes('小河') && line.includes('口粮'), `row ${r} matches the search: ${line}`);
  }
  assert.equal(ws.getCell(`A${4 + count}`).value, null, 'no rows beyond the view');

  const csv = await download(page, 'export-csv-ledger');
  assert.match(csv.name, /^挂牌督战台账-\d{4}-\d{2}-\d{2}\.csv$/);
  assert.deepEqual([...csv.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const rows = parseCsv(new TextDecoder('utf-8', { fatal: true }).decode(csv.bytes.subarray(3)));
  assert.deepEqual(rows[0], LEDGER_HEADERS);
  assert.equal(rows.length - 1, count, 'the CSV holds the same problems');
  for (const r of rows.slice(1)) assert.match(r[10], DAY, '登记日期 as YYYY-MM-DD');
  assert.deepEqual(rows.slice(1).map((r) => r[17]), Array.from({ length: count }, (_, i) => text(ws.getCell(`R${4 + i}`))), 'same problems in the same order');
});

// ---- failure is reported, in Chinese ----------------------------------------------

appTest('when the Excel worker cannot be loaded the export says so in Chinese, and CSV still works', async ({ browser, url }) => {
  // As if the worker had never been fetched and the network were gone. Service
  // workers are blocked in this context: the app's service worker precaches the
  // worker files and would (rightly) serve them from its cache.
  const context = await browser.newContext({ serviceWorkers: 'block' });
  try {
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.route(WORKER_FILES, (route) => route.abort('internetdisconnected'));
    await openTable(page, url);
    await page.locator(tid('export-xlsx-table')).click();
    const status = await settledStatus(page, 'table');
    assert.equal(status.state, 'error');
    assert.match(status.text, /导出失败：无法启动Excel导出组件/);
    assert.match(status.text, /CSV/, 'it offers the CSV instead');

    const csv = await download(page, 'export-csv-table');
    assert.match(csv.name, /\.csv$/);
    assert.equal((await settledStatus(page, 'table')).state, 'done');

    // Once the worker can load again, the next attempt starts it afresh.
    await page.unroute(WORKER_FILES);
    const xlsx = await download(page, 'export-xlsx-table');
    assert.equal((await readXlsx(xlsx.bytes)).getWorksheet(TITLE).getCell('C3').value, 3071);

    // Chromium logs the blocked worker files as failed loads: expected here, not an
    // app error. Anything else fails the test.
    assert.deepEqual(errors.list.filter((e) => !e.includes('xlsx_worker')), []);
  } finally {
    await context.close();
  }
});

// ---- offline ----------------------------------------------------------------------

test('after one online visit, the 督战表 exports to .xlsx and .csv with the server gone', { timeout: 180_000 }, async (t) => {
  if (!fsSync.existsSync(path.join(DIST, 'sw.js'))) {
    t.skip('this build has no service worker (sw.js), so nothing works offline yet');
    return;
  }
  const app = await startApp();
  const browser = await launch();
  const s = await newSession(browser);
  try {
    await openApp(s.page, app.url);
    // The service worker precaches the app, the xlsx worker's three files included.
    await s.page.waitForFunction(() => navigator.serviceWorker?.controller != null, null, { timeout: TIMEOUT * 2 });
    await waitViewsLoaded(s.page); // and the page has fetched its views' code
    await app.close(); // no network at all from here on, for the page and the xlsx worker alike

    await reloadApp(s.page);
    await s.page.locator(tid('nav-table')).click();
    await s.page.locator(tid('supervision-table')).waitFor({ state: 'visible' });
    const xlsx = await download(s.page, 'export-xlsx-table');
    t.diagnostic(`offline first .xlsx (worker from the cache + write): ${xlsx.ms} ms`);
    const ws = (await readXlsx(xlsx.bytes)).getWorksheet(TITLE);
    assert.equal(ws.getCell('C3').value, 3071);
    assert.deepEqual([...ws.model.merges].filter((m) => m.startsWith('B')).sort(), ['B10:B12', 'B3:B5']);
    const csv = await download(s.page, 'export-csv-table');
    assert.deepEqual([...csv.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    s.assertNoErrors();
  } finally {
    await s.close();
    await browser.close();
    await app.close().catch(() => {});
  }
});
