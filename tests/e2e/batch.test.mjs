// The office's month (issue 19): three squad profiles export bundle files; the
// office chooses them all at once (with a bad file among them), sees one combined
// preview, imports them in one confirmation, and its 同步情况 board shows each
// squad; the one receipt for the batch, imported by each squad, clears what the
// office had not acknowledged. Separate browser contexts are separate devices;
// files really download and upload.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { appSuite, newSession, openApp, reloadApp, gotoHash, eventually, readText, saved, tid } from './harness.mjs';
import { nameDevice, addFigure, exportBundle, chooseImport, tableText } from './exchange.mjs';

const { appTest, ctx } = appSuite();

async function devices(url, names) {
  const out = [];
  for (const name of names) {
    const s = await newSession(ctx.browser);
    await openApp(s.page, url);
    await nameDevice(s.page, name);
    out.push(s);
  }
  return out;
}

async function closeAll(sessions) {
  for (const s of sessions) s.assertNoErrors();
  for (const s of sessions) await s.close();
}

async function download(page, testid) {
  const [d] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.locator(tid(testid)).click()]);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'duzhan-batch-')), d.suggestedFilename());
  await d.saveAs(file);
  return file;
}

async function rows(page) {
  return page.locator(tid('known-device')).evaluateAll((trs) => trs.map((tr) => ({
    id: tr.dataset.deviceId,
    name: tr.cells[0].textContent.trim(),
    silent: tr.dataset.silent,
    receiptDue: tr.dataset.receiptDue,
    last: tr.querySelector('[data-testid="status-last"]').textContent.trim(),
    unacked: tr.querySelector('[data-testid="not-yet-received"]').textContent.trim(),
    counting: tr.querySelector('[data-testid="not-yet-received"]').dataset.counting,
    receipt: tr.querySelector('[data-testid="status-receipt"]').textContent.trim(),
  })));
}

appTest('the office imports three squads\' files in one choice, the board shows each squad, and one receipt clears them', async ({ url }) => {
  const squads = await devices(url, ['武定县小分队', '元谋县小分队', '永仁县小分队']);
  const [office] = await devices(url, ['州扶贫办']);
  const all = [...squads, office];
  try {
    const targets = ['seed-target-wuding', 'seed-target-nanhua', 'seed-target-yaoan'];
    const files = [];
    for (const [i, s] of squads.entries()) {
      await addFigure(s.page, url, targets[i], String(3100 + i), '2020-06-30');
      files.push((await exportBundle(s.page)).file);
    }
    const junk = path.join(path.dirname(files[0]), 'notes.json');
    fs.writeFileSync(junk, '{"hello": "not a bundle"}');
    const cut = path.join(path.dirname(files[1]), 'cut-off.json');
    const text = fs.readFileSync(files[1]);
    fs.writeFileSync(cut, text.subarray(0, Math.floor(text.length / 2)));

    await chooseImport(office.page, [files[0], junk, files[1], cut, files[2]]);
    const preview = office.page.locator(tid('batch-preview'));
    await preview.waitFor({ state: 'visible', timeout: 60_000 });
    const listed = await office.page.locator(tid('batch-file')).evaluateAll((trs) => trs.map((tr) => [tr.dataset.name, tr.dataset.outcome, tr.querySelector('[data-testid="batch-reason"]').textContent]));
    assert.deepEqual(listed.map(([n, o]) => [n, o]), [
      [path.basename(files[0]), 'bundle'], ['notes.json', 'refused'], [path.basename(files[1]), 'bundle'], ['cut-off.json', 'refused'], [path.basename(files[2]), 'bundle'],
    ]);
    assert.match(listed[1][2], /未导入/, 'a refused file says why, in Chinese');
    assert.match(listed[3][2], /不完整/);
    assert.match(await readText(office.page.locator(tid('batch-summary'))), /拒绝[：:]\s*2/);
    // Nothing is written before the confirmation.
    assert.doesNotMatch(await tableText(office.page), /3100人/);
    await gotoHash(office.page, '#/sync');
    // Leaving the page dropped the preview: choose again, then confirm once.
    await chooseImport(office.page, [files[0], junk, files[1], cut, files[2]]);
    await preview.waitFor({ state: 'visible', timeout: 60_000 });
    await saved(office.page, () => office.page.locator(tid('batch-confirm')).click());
    await office.page.locator(tid('batch-result')).waitFor({ state: 'visible' });
    assert.match(await readText(office.page.locator(tid('batch-result'))), /数据包[：:]\s*3/);
    // One receipt for the whole batch, made at once.
    const receipt = await download(office.page, 'batch-receipt');
    assert.equal(JSON.parse(fs.readFileSync(receipt, 'utf8')).received.length, 3);

    // The board: one row per squad, its last bundle, the receipt noted.
    await eventually(async () => {
      const r = await rows(office.page);
      assert.equal(r.length, 3);
      assert.deepEqual(r.map((x) => x.name.replace(/本月未发送/, '').trim()).sort(), ['元谋县小分队', '武定县小分队', '永仁县小分队'].sort());
      for (const x of r) {
        assert.match(x.last, /^#1/);
        assert.equal(x.receiptDue, 'false');
        assert.match(x.receipt, /已发至第1号/);
      }
    });
    const table = await tableText(office.page);
    for (const v of ['3100人', '3101人', '3102人']) assert.match(table, new RegExp(v));

    // Sorting by name, descending, then ascending.
    await gotoHash(office.page, '#/sync');
    await office.page.locator(tid('sort-name')).click();
    const desc = (await rows(office.page)).map((x) => x.name);
    assert.deepEqual(desc, [...desc].sort().reverse());
    assert.equal(await office.page.locator(tid('sort-name')).evaluate((b) => b.closest('th').getAttribute('aria-sort')), 'descending');
    await office.page.locator(tid('sort-name')).click();
    const asc = (await rows(office.page)).map((x) => x.name);
    assert.deepEqual(asc, [...asc].sort());
    // A role set on the board survives a reload.
    const first = (await rows(office.page))[0].id;
    await saved(office.page, () => office.page.locator(`${tid('known-device')}[data-device-id="${first}"] ${tid('status-role')}`).selectOption('county'));
    await reloadApp(office.page);
    await gotoHash(office.page, '#/sync');
    await eventually(async () => assert.equal(await office.page.locator(`${tid('known-device')}[data-device-id="${first}"] ${tid('status-role')}`).inputValue(), 'county'));

    // The board in Excel.
    const xlsx = await download(office.page, 'export-xlsx-sync');
    assert.match(path.basename(xlsx), /^数据同步情况-\d{4}-\d{2}-\d{2}\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(fs.readFileSync(xlsx));
    const ws = wb.getWorksheet('同步情况');
    assert.ok(ws, 'sheet 同步情况');
    const cells = [];
    ws.eachRow((row) => cells.push(row.values.slice(1).map((v) => (v && v.richText ? v.richText.map((t) => t.text).join('') : String(v ?? '')))));
    assert.match(cells[0][0], /数据同步情况/);
    assert.ok(cells.some((r) => r.includes('名称') && r.includes('回执')), 'header row');
    for (const name of ['武定县小分队', '元谋县小分队', '永仁县小分队']) assert.ok(cells.some((r) => r.includes(name)), name);
    assert.ok(cells.some((r) => r.includes('县级')), 'the role set on the board');

    // Each squad imports the same receipt: the office now shows on its board, with
    // nothing of the squad's left unacknowledged.
    for (const s of squads) {
      await chooseImport(s.page, receipt);
      await s.page.locator(tid('import-result')).waitFor({ state: 'visible' });
      await eventually(async () => {
        const r = await rows(s.page);
        assert.equal(r.length, 1);
        assert.equal(r[0].name, '州扶贫办');
        assert.equal(r[0].counting, 'false');
        assert.equal(r[0].unacked, '0');
      });
    }
  } finally {
    await closeAll(all);
  }
});

appTest('files dropped on the import panel form a batch, and its encrypted files open with one passphrase each', async ({ url }) => {
  const squads = await devices(url, ['禄丰县小分队', '姚安县小分队', '大姚县小分队']);
  const [office] = await devices(url, ['州扶贫办']);
  try {
    const targets = ['seed-target-wuding', 'seed-target-nanhua', 'seed-target-yaoan'];
    const pass = ['禄丰姚安共用口令', '禄丰姚安共用口令', '大姚的口令'];
    const files = [];
    for (const [i, s] of squads.entries()) {
      await addFigure(s.page, url, targets[i], String(4100 + i), '2020-06-30');
      files.push((await exportBundle(s.page, { passphrase: pass[i] })).file);
    }
    // Dropped on the import panel, as from a laptop's folder.
    await gotoHash(office.page, '#/sync');
    const payload = files.map((f) => ({ name: path.basename(f), text: fs.readFileSync(f, 'utf8') }));
    await office.page.locator(tid('import-panel')).evaluate((panel, items) => {
      const dt = new DataTransfer();
      for (const { name, text } of items) dt.items.add(new File([text], name, { type: 'application/json' }));
      panel.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      panel.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, payload);
    await office.page.locator(tid('batch-preview')).waitFor({ state: 'visible', timeout: 60_000 });
    const outcomes = () => office.page.locator(tid('batch-file')).evaluateAll((trs) => trs.map((tr) => tr.dataset.outcome));
    assert.deepEqual(await outcomes(), ['locked', 'locked', 'locked']);
    await office.page.locator(tid('batch-passphrase')).fill('不对的口令');
    await office.page.locator(tid('batch-unlock')).click();
    await office.page.locator(tid('batch-error')).waitFor({ state: 'visible' });
    assert.deepEqual(await outcomes(), ['locked', 'locked', 'locked']);
    await office.page.locator(tid('batch-passphrase')).fill(pass[0]);
    await office.page.locator(tid('batch-unlock')).click();
    await eventually(async () => assert.deepEqual(await outcomes(), ['bundle', 'bundle', 'locked']));
    await office.page.locator(tid('batch-passphrase')).fill(pass[2]);
    await office.page.locator(tid('batch-unlock')).click();
    await eventually(async () => assert.deepEqual(await outcomes(), ['bundle', 'bundle', 'bundle']));
    await saved(office.page, () => office.page.locator(tid('batch-confirm')).click());
    await office.page.locator(tid('batch-result')).waitFor({ state: 'visible' });
    const table = await tableText(office.page);
    for (const v of ['4100人', '4101人', '4102人']) assert.match(table, new RegExp(v));
  } finally {
    await closeAll([...squads, office]);
  }
});
