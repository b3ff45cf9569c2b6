// Sync by files between two devices: two fresh browser profiles (two contexts,
// each with its own IndexedDB) edit, export bundle files, import each other's
// files through the import preview, and end with identical data. Files really
// download and upload. One behaviour per test.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appSuite, newSession, openApp, reloadApp, gotoHash, saved, eventually, readText, tid } from './harness.mjs';
import { nameDevice, addFigure, exportBundle, chooseImport, confirmImport, checkedReads, stateHash, tableText } from './exchange.mjs';

const { appTest, ctx } = appSuite();

// ---- helpers ----------------------------------------------------------------

async function twoDevices(url) {
  const a = await newSession(ctx.browser);
  const b = await newSession(ctx.browser);
  await openApp(a.page, url);
  await openApp(b.page, url);
  return { a, b, close: async () => { a.assertNoErrors(); b.assertNoErrors(); await a.close(); await b.close(); } };
}

// ---- specs --------------------------------------------------------------------

appTest('two devices exchange files both ways and end with identical data', async ({ url }) => {
  const { a, b, close } = await twoDevices(url);
  try {
    await nameDevice(a.page, '武定县督战小分队');
    await nameDevice(b.page, '州扶贫办');
    await addFigure(a.page, url, 'seed-target-wuding', '2900', '2020-03-31');
    await gotoHash(b.page, '#/targets/seed-target-xihe');
    await saved(b.page, async () => {
      await b.page.locator(tid('target-delete')).click();
      await b.page.locator(tid('target-delete-confirm')).click();
    });
    await gotoHash(b.page, '#/milestones');
    await saved(b.page, () => b.page.locator(`${tid('milestone-item')}[data-milestone-id="seed-ms-02"] ${tid('milestone-status')}`).selectOption('done'));

    const fromA = await exportBundle(a.page);
    assert.match(fromA.name, /^duzhan-武定县督战小分队-\d{8}-0*1\.json$/);
    const fromB = await exportBundle(b.page);

    await chooseImport(a.page, fromB.file);
    await a.page.locator(tid('import-preview')).waitFor({ state: 'visible' });
    assert.match(await readText(a.page.locator(tid('preview-source'))), /州扶贫办/);
    assert.match(await readText(a.page.locator(tid('preview-kind-target'))), /1/);
    await confirmImport(a.page);
    assert.equal(await checkedReads(a.page), 1, 'the file is read and checked once: the preview and the confirmation merge what was read');
    await chooseImport(b.page, fromA.file);
    await confirmImport(b.page);

    const [ha, hb] = [await stateHash(a.page), await stateHash(b.page)];
    assert.equal(ha, hb, 'state hashes differ after exchanging files');
    for (const page of [a.page, b.page]) {
      const t = await tableText(page);
      assert.match(t, /2900人/);
      assert.doesNotMatch(t, /西河安置点/);
      await gotoHash(page, '#/milestones');
      assert.equal(await page.locator(`${tid('milestone-item')}[data-milestone-id="seed-ms-02"] ${tid('milestone-status')}`).inputValue(), 'done');
    }
    // Survives a reload on both.
    await reloadApp(a.page);
    assert.equal(await stateHash(a.page), ha);
  } finally {
    await close();
  }
});

appTest('importing the same file twice changes nothing, and the preview says so', async ({ url }) => {
  const { a, b, close } = await twoDevices(url);
  try {
    await nameDevice(a.page, '甲');
    await addFigure(a.page, url, 'seed-target-nanhua', '1000', '2020-04-30');
    const file = await exportBundle(a.page);
    await chooseImport(b.page, file.file);
    await confirmImport(b.page);
    const once = await stateHash(b.page);
    await chooseImport(b.page, file.file);
    await b.page.locator(tid('preview-already')).waitFor({ state: 'visible' });
    await b.page.locator(tid('import-confirm')).click();
    await b.page.locator(tid('import-result')).waitFor({ state: 'visible' });
    assert.equal(await stateHash(b.page), once);
    // Known devices list the sender with its sequence number.
    await gotoHash(b.page, '#/sync');
    const row = b.page.locator(tid('known-device'));
    await row.first().waitFor({ state: 'visible' });
    assert.match(await readText(row.first()), /甲/);
  } finally {
    await close();
  }
});

appTest('a tampered file is refused with a Chinese message and nothing changes', async ({ url }) => {
  const { a, b, close } = await twoDevices(url);
  try {
    await addFigure(a.page, url, 'seed-target-yaoan', '900', '2020-05-31');
    const file = await exportBundle(a.page);
    const text = fs.readFileSync(file.file, 'utf8');
    assert.ok(text.includes('900'));
    const tampered = path.join(path.dirname(file.file), 'tampered.json');
    fs.writeFileSync(tampered, text.replace(/"v":900(\.0)?\b/, '"v":901'));
    assert.notEqual(fs.readFileSync(tampered, 'utf8'), text, 'tampering did not change the file');
    const before = await stateHash(b.page);
    await chooseImport(b.page, tampered);
    const err = b.page.locator(tid('import-error'));
    await err.waitFor({ state: 'visible' });
    assert.match(await readText(err), /[\u4e00-\u9fff]/);
    assert.equal(await b.page.locator(tid('import-preview')).count(), 0);
    assert.equal(await stateHash(b.page), before);

    // A truncated file too.
    const truncated = path.join(path.dirname(file.file), 'truncated.json');
    fs.writeFileSync(truncated, text.slice(0, Math.floor(text.length / 2)));
    await chooseImport(b.page, truncated);
    await eventually(async () => assert.match(await readText(b.page.locator(tid('import-error'))), /[\u4e00-\u9fff]/));
    assert.equal(await stateHash(b.page), before);
  } finally {
    await close();
  }
});

appTest('an encrypted bundle needs its passphrase and then round-trips', async ({ url }) => {
  const { a, b, close } = await twoDevices(url);
  try {
    await addFigure(a.page, url, 'seed-target-dayao', '1200', '2020-06-30');
    const file = await exportBundle(a.page, { passphrase: '督战2020口令' });
    const text = fs.readFileSync(file.file, 'utf8');
    assert.ok(text.includes('duzhan-bundle-encrypted'));
    assert.ok(!text.includes('seed-target-dayao'), 'the encrypted file shows record ids');

    const before = await stateHash(b.page);
    await chooseImport(b.page, file.file);
    await b.page.locator(tid('import-passphrase')).fill('wrong');
    await b.page.locator(tid('import-decrypt')).click();
    const err = b.page.locator(tid('import-error'));
    await err.waitFor({ state: 'visible', timeout: 60_000 });
    assert.match(await readText(err), /密码/);
    assert.equal(await stateHash(b.page), before);

    await chooseImport(b.page, file.file);
    await b.page.locator(tid('import-passphrase')).fill('督战2020口令');
    await b.page.locator(tid('import-decrypt')).click();
    await confirmImport(b.page);
    assert.equal(await checkedReads(b.page), 1, 'decrypted and checked once');
    assert.equal(await stateHash(b.page), await stateHash(a.page));
  } finally {
    await close();
  }
});

appTest('a receipt from the office clears the sender\'s not-yet-received count', async ({ url }) => {
  const { a, b, close } = await twoDevices(url);
  try {
    await nameDevice(a.page, '小分队');
    await nameDevice(b.page, '州扶贫办');
    // A must know B (import one of B's bundles) before B's receipt means anything to it.
    await chooseImport(a.page, (await exportBundle(b.page)).file);
    await confirmImport(a.page);
    await addFigure(a.page, url, 'seed-target-wuding', '2500', '2020-06-30');
    await gotoHash(a.page, '#/sync');
    // Counted in slices after the table shows ("…" until then).
    const pending = a.page.locator(`${tid('known-device')} ${tid('not-yet-received')}[data-counting="false"]`);
    await pending.first().waitFor({ state: 'visible' });
    assert.match(await readText(pending.first()), /^[1-9]\d*$/);

    const fromA = await exportBundle(a.page);
    await chooseImport(b.page, fromA.file);
    await confirmImport(b.page);
    const [download] = await Promise.all([b.page.waitForEvent('download'), b.page.locator(tid('receipt-download')).click()]);
    const receipt = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'duzhan-receipt-')), download.suggestedFilename());
    await download.saveAs(receipt);

    await chooseImport(a.page, receipt);
    await a.page.locator(tid('import-result')).waitFor({ state: 'visible' });
    await eventually(async () => assert.equal(await readText(a.page.locator(`${tid('known-device')} ${tid('not-yet-received')}`).first()), '0'));
  } finally {
    await close();
  }
});

appTest('the home view reminds to export unsaved work and the reminder clears after an export', async ({ page, url }) => {
  await openApp(page, url);
  assert.equal(await page.locator(tid('guardian')).count(), 0, 'untouched defaults need no reminder');
  await addFigure(page, url, 'seed-target-wuding', '2950', '2020-04-30');
  await gotoHash(page, '#/table');
  const bar = page.locator(tid('guardian'));
  await bar.waitFor({ state: 'visible' });
  assert.equal(await bar.getAttribute('data-remind'), 'true');
  assert.equal(await readText(page.locator(tid('guardian-changes'))), '1');
  await exportBundle(page);
  await gotoHash(page, '#/table');
  await page.locator(tid('view-table')).waitFor({ state: 'visible' });
  assert.equal(await page.locator(tid('guardian')).count(), 0);
});

appTest('opening the exchange view rehearses the import once and changes nothing', async ({ page, url }) => {
  await openApp(page, url);
  const before = await stateHash(page);
  await gotoHash(page, '#/sync');
  await page.waitForFunction(() => performance.getEntriesByName('duzhan:import-rehearsed').length === 1, null, { timeout: 60_000 });
  // No file was chosen: nothing read, nothing to confirm, no message.
  assert.equal(await checkedReads(page), 0);
  assert.equal(await page.locator(`${tid('import-preview')}, ${tid('import-error')}, ${tid('import-result')}`).count(), 0);
  assert.equal(await stateHash(page), before, 'the rehearsal changed the data');
  await gotoHash(page, '#/sync');
  await page.waitForTimeout(500);
  assert.equal(await page.evaluate(() => performance.getEntriesByName('duzhan:import-rehearsed').length), 1, 'rehearsed once per page');
  await reloadApp(page);
  assert.equal(await stateHash(page), before, 'the rehearsal stored something');
});
