// Files across engines: a bundle exported in one engine, plain or encrypted, is
// imported in the other and both end with the same fingerprints; the 督战表's
// .xlsx export parses as a workbook. Each test runs once per engine of the run; the exchange test starts
// the other engine too (webkit's run: WebKit → Firefox; firefox's: Firefox → WebKit).
//
// What is real and what is bridged:
// - The export is the app's own: its click on <a download href=blob:…>. The
//   bytes are read back from that Blob inside the page (./harness.mjs HOOKS), since
//   classic WebDriver has no download API. The file the browser itself saved (in
//   the test's download directory, ./harness.mjs) must have the same bytes.
// - The import is real: the file is chosen in <input type=file> with WebDriver's
//   send keys, the way a user's file chooser hands it over.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { engineSuite, otherEngine, tid } from './harness.mjs';

const { engineTest } = engineSuite();

const TITLE = '州级定点挂牌督战表';
const HEADERS = ['序号', '督战县', '剩余贫困人口超过1000人', '贫困发生率超过10%的行政村', '千人以上易地扶贫搬迁集中安置点', '千人以上乌东德水电移民安置点', '州级领导', '督战小分队部门牵头人'];

async function addFigure(s, targetId, value, date) {
  await s.gotoHash(`#/targets/${targetId}`);
  await s.visible(tid('target-detail'));
  await s.type(tid('figure-value'), value);
  await s.type(tid('figure-date'), date);
  await s.saved(() => s.click(tid('figure-add')));
}

/** The two fingerprints the app shows: the data's state hash (设置) and the 督战表's print fingerprint. */
async function fingerprints(s) {
  await s.gotoHash('#/settings');
  const state = await s.until((sel) => document.querySelector(sel)?.textContent.trim(), [tid('state-hash')], { what: 'the state hash' });
  await s.gotoHash('#/table');
  await s.visible(tid('supervision-table'));
  const print = await s.until((sel) => document.querySelector(sel)?.textContent.trim(), [`${tid('view-table')} ${tid('print-hash')}`], { what: 'the 督战表 print fingerprint' });
  return { state, print };
}

/** The browser really downloaded the file: its saved copy has the Blob's bytes. */
async function assertSavedByBrowser(s, file) {
  const onDisk = await s.savedFile(file.name);
  assert.ok(onDisk, `${s.engine} saved ${file.name} in the test's download directory`);
  assert.ok(onDisk.equals(file.bytes), 'the saved file has the bytes of the Blob the app made');
}

engineTest('a bundle exported here is imported by the other engine, which ends with the same fingerprints', async ({ s, url, open }) => {
  await s.open(url);
  await addFigure(s, 'seed-target-wuding', '2900', '2020-03-31');
  await s.gotoHash('#/milestones');
  const ms = `${tid('milestone-item')}[data-milestone-id="seed-ms-02"] ${tid('milestone-status')}`;
  await s.saved(() => s.select(ms, 'done'));
  const from = await fingerprints(s);

  await s.gotoHash('#/sync');
  await s.select(tid('export-scope'), 'full');
  const bundle = await s.download(() => s.click(tid('export-run')));
  await s.visible(tid('export-result'));
  assert.match(bundle.name, /^duzhan-.+-\d{8}-\d+\.json$/);
  assert.match(bundle.type, /json/);
  const text = bundle.bytes.toString('utf8');
  JSON.parse(text); // a whole JSON document
  assert.ok(text.includes('seed-target-wuding'), 'the bundle carries the edited target');
  await assertSavedByBrowser(s, bundle);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'duzhan-bundle-')), bundle.name);
  fs.writeFileSync(file, bundle.bytes);

  const other = await open(otherEngine(s.engine));
  await other.open(url);
  const before = await fingerprints(other);
  assert.notEqual(before.state, from.state, 'a fresh profile differs before the import');
  await other.gotoHash('#/sync');
  await other.chooseFile(tid('import-file'), file);
  await other.visible(tid('import-preview'));
  assert.match(await other.text(tid('preview-kind-target')), /1/);
  // Signed (format v2) by a key made in the first engine, verified in the other:
  // first seen, with the fingerprint the first engine's settings show.
  assert.equal(JSON.parse(text).version, 2);
  assert.equal(await other.attr(tid('preview-signer'), 'data-signer'), 'first_seen');
  const signerPrint = await other.text(tid('preview-fingerprint'));
  await other.saved(() => other.click(tid('import-confirm')));
  await other.visible(tid('import-result'));
  await s.gotoHash('#/settings');
  assert.equal(await s.text(tid('device-fingerprint')), signerPrint, `${s.engine}'s key is the one ${other.engine} saw`);

  const after = await fingerprints(other);
  assert.deepEqual(after, from, `${other.engine} after the import = ${s.engine} before the export`);
  assert.match(await other.text(tid('supervision-table')), /2900人/);
  await other.reload();
  assert.deepEqual(await fingerprints(other), from, 'the same after a reload');
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
});

engineTest('a bundle encrypted here (PBKDF2, AES-GCM) needs its passphrase in the other engine, and then round-trips', async ({ s, url, open }) => {
  const passphrase = '督战2020口令';
  await s.open(url);
  await addFigure(s, 'seed-target-dayao', '1200', '2020-06-30');
  const from = await fingerprints(s);
  await s.gotoHash('#/sync');
  await s.select(tid('export-scope'), 'full');
  await s.type(tid('export-passphrase'), passphrase);
  await s.type(tid('export-passphrase-again'), passphrase);
  const bundle = await s.download(() => s.click(tid('export-run')));
  await s.visible(tid('export-result'));
  const text = bundle.bytes.toString('utf8');
  assert.ok(text.includes('duzhan-bundle-encrypted'), 'an encrypted bundle');
  assert.ok(!text.includes('seed-target-dayao'), 'no record id in the clear');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'duzhan-bundle-')), bundle.name);
  fs.writeFileSync(file, bundle.bytes);

  const other = await open(otherEngine(s.engine));
  await other.open(url);
  const before = await fingerprints(other);
  await other.gotoHash('#/sync');
  await other.chooseFile(tid('import-file'), file);
  await other.type(tid('import-passphrase'), 'wrong');
  await other.click(tid('import-decrypt'));
  await other.visible(tid('import-error'), { timeout: 60_000 });
  assert.match(await other.text(tid('import-error')), /密码/);
  assert.deepEqual(await fingerprints(other), before, 'a wrong passphrase changes nothing');

  await other.gotoHash('#/sync');
  await other.chooseFile(tid('import-file'), file);
  await other.type(tid('import-passphrase'), passphrase);
  await other.click(tid('import-decrypt'));
  await other.visible(tid('import-preview'), { timeout: 60_000 });
  await other.saved(() => other.click(tid('import-confirm')));
  await other.visible(tid('import-result'));
  assert.deepEqual(await fingerprints(other), from, `${other.engine} after the import = ${s.engine} before the export`);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
});

engineTest('two bundles chosen together import as one batch in one commit', async ({ s, url, engine, open }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duzhan-batch-'));
  const files = [];
  for (const [i, target] of ['seed-target-wuding', 'seed-target-yaoan'].entries()) {
    const squad = await open(engine); // another profile of this engine: another device
    await squad.open(url);
    await addFigure(squad, target, String(3300 + i), '2020-06-30');
    await squad.gotoHash('#/sync');
    await squad.select(tid('export-scope'), 'full');
    const bundle = await squad.download(() => squad.click(tid('export-run')));
    await squad.visible(tid('export-result'));
    const file = path.join(dir, `${i}-${bundle.name}`);
    fs.writeFileSync(file, bundle.bytes);
    files.push(file);
  }
  await s.open(url);
  await s.gotoHash('#/sync');
  await s.chooseFile(tid('import-file'), files);
  await s.visible(tid('batch-preview'), { timeout: 60_000 });
  const outcomes = await s.until((sel) => {
    const rows = [...document.querySelectorAll(sel)];
    return rows.length === 2 && rows.map((r) => r.dataset.outcome);
  }, [tid('batch-file')], { what: 'two files in the batch preview' });
  assert.deepEqual(outcomes, ['bundle', 'bundle']);
  await s.saved(() => s.click(tid('batch-confirm')));
  await s.visible(tid('batch-result'));
  await s.gotoHash('#/table');
  await s.visible(tid('supervision-table'));
  const table = await s.text(tid('supervision-table'));
  assert.match(table, /3300人/);
  assert.match(table, /3301人/);
  fs.rmSync(dir, { recursive: true, force: true });
});

engineTest('the 督战表 exports as an .xlsx that parses as a workbook with the plan’s sheet and rows', async ({ s, url }) => {
  await s.open(`${url}#/table`);
  await s.visible(tid('supervision-table'));
  const xlsx = await s.download(() => s.click(tid('export-xlsx-table')));
  const status = await s.until((sel) => {
    const st = document.querySelector(sel)?.getAttribute('data-state');
    return (st === 'done' || st === 'error') && st;
  }, [tid('export-status-table')], { what: 'the export status to settle' });
  assert.equal(status, 'done', await s.text(tid('export-status-table')));
  assert.match(xlsx.name, /^督战表-\d{4}-\d{2}-\d{2}\.xlsx$/);
  assert.equal(xlsx.type, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  assert.deepEqual([...xlsx.bytes.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04], 'a zip (PK\\3\\4)');
  await assertSavedByBrowser(s, xlsx);

  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(xlsx.bytes);
  const ws = wb.getWorksheet(TITLE);
  assert.ok(ws, `a sheet named ${TITLE} (sheets: ${wb.worksheets.map((w) => w.name)})`);
  const cell = (a) => ws.getCell(a).value;
  assert.equal(cell('A1'), TITLE);
  assert.deepEqual(HEADERS.map((_, i) => ws.getRow(2).getCell(i + 1).value), HEADERS);
  // Eleven plan rows (3–13), 武定县 merged over its three.
  const counties = [];
  for (let r = 3; r <= 13; r++) counties.push(ws.getCell(`B${r}`).master.value);
  assert.deepEqual(counties, ['武定县', '武定县', '武定县', '南华县', '姚安县', '大姚县', '双柏县', '元谋县', '元谋县', '元谋县', '禄丰县']);
  assert.ok([...ws.model.merges].includes('B3:B5'), `B3:B5 merged (${ws.model.merges})`);
  assert.equal(cell('C3'), 3071);
  assert.equal(ws.getCell('C3').numFmt, '0"人"');
  assert.equal(cell('E3'), '武定县城红土田安置点');
  assert.equal(cell('G13'), '潘红伟 杨虹');
  assert.equal(cell('A15'), '导出日期');
  assert.ok(cell('C15') instanceof Date, 'the export day is a real date');
});
