// Photo evidence on a visit (issue 16): a real JPEG the browser made, turned by its
// EXIF orientation and larger than the long edge, is chosen on a visit; the stored
// photo is upright at 1600 px and survives a reload; a file that is no image is
// refused in Chinese and nothing is added; a removed photo stays removed. Photos
// travel: a records-only file leaves them 照片待补传 on the office's device, the
// next file carries them (bundle v3), with the same addresses and orientation.
// Shown away from their record: a problem's before/after view, the target page,
// the printed ledger's photo column; this device's photo settings.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { appSuite, openApp, reloadApp, saved, eventually, gotoHash, readText, tid, REPO_ROOT } from './harness.mjs';
import path from 'node:path';
import { devices, exportBundle, chooseImport, confirmImport, stateHash } from './exchange.mjs';
import { redBlueJpegBase64, withOrientation } from './jpegs.mjs';

const { appTest } = appSuite();
const hash = (page) => page.evaluate(() => location.hash);

/** A JPEG made by the browser's encoder: `w`×`h`, left half red, right half blue. */
async function browserJpeg(page, w, h) {
  return Buffer.from(await page.evaluate(`(${redBlueJpegBase64})(${w}, ${h})`), 'base64');
}

appTest('a photo chosen on a visit is stored upright at its long edge, survives a reload, and a non-image is refused', async ({ page, url }) => {
  await openApp(page, `${url}#/targets/seed-target-gantang`);
  await page.locator(tid('target-new-visit')).click();
  await page.locator(tid('view-visit')).waitFor({ state: 'visible' });
  await saved(page, () => page.locator(tid('visit-members')).fill('李明、王芳'));
  await eventually(async () => assert.match(await hash(page), /^#\/visits\/v-[\w-]+$/));
  const strip = page.locator(tid('photo-strip'));
  await strip.waitFor({ state: 'visible' });
  assert.equal(await strip.locator(tid('photo-count')).innerText(), '0/9');

  // 3200×1600 as the sensor saw it, turned a quarter by EXIF (orientation 6).
  const photo = withOrientation(await browserJpeg(page, 3200, 1600), 6);
  await saved(page, () => strip.locator(tid('photo-input')).setInputFiles({ name: 'IMG_0001.jpg', mimeType: 'image/jpeg', buffer: photo }));
  const img = strip.locator(tid('photo-img'));
  await img.waitFor({ state: 'visible', timeout: 30_000 });
  const size = () => img.evaluate((i) => i.decode().then(() => [i.naturalWidth, i.naturalHeight]));
  assert.deepEqual(await size(), [800, 1600], 'upright, long edge 1600');
  const sha = await strip.locator(tid('photo')).getAttribute('data-sha256');
  assert.match(sha, /^[0-9a-f]{64}$/);

  await reloadApp(page);
  await strip.waitFor({ state: 'visible' });
  await img.waitFor({ state: 'visible', timeout: 30_000 });
  assert.equal(await strip.locator(tid('photo')).getAttribute('data-sha256'), sha, 'the same photo after a reload');
  assert.deepEqual(await size(), [800, 1600]);
  assert.equal(await strip.locator(tid('photo-count')).innerText(), '1/9');

  // A camera shot carries the evidence stamp; a chosen file does not.
  assert.equal(await strip.locator(tid('photo-stamped')).count(), 0, 'a chosen file is stored as it is');
  const camera = await browserJpeg(page, 640, 480);
  await saved(page, () => strip.locator(tid('photo-camera')).setInputFiles({ name: 'camera.jpg', mimeType: 'image/jpeg', buffer: camera }));
  await eventually(async () => assert.equal(await strip.locator(tid('photo-stamped')).count(), 1), { timeout: 30_000 });
  const shot = strip.locator(tid('photo')).filter({ has: page.locator(tid('photo-stamped')) });
  await saved(page, () => shot.locator(tid('photo-remove')).click());
  await eventually(async () => assert.equal(await strip.locator(tid('photo')).count(), 1));

  // Not an image: said in Chinese, nothing added.
  await strip.locator(tid('photo-input')).setInputFiles({ name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('这不是照片') });
  await eventually(async () => assert.match(await strip.locator(tid('form-error')).innerText(), /不是.*图片.*请/));
  assert.equal(await strip.locator(tid('photo')).count(), 1);

  // Removed, and still removed after a reload.
  await saved(page, () => strip.locator(tid('photo-remove')).click());
  await eventually(async () => assert.equal(await strip.locator(tid('photo')).count(), 0));
  await reloadApp(page);
  await strip.waitFor({ state: 'visible' });
  assert.equal(await strip.locator(tid('photo-count')).innerText(), '0/9');
});

appTest('photos travel: records only leaves them waiting at the office, the next file brings them with the same addresses', async ({ browser, url }) => {
  const { device, sessions } = devices(browser, url);
  try {
    const squad = await device('武定县督战小分队');
    const office = await device('州扶贫办');
    const p = squad.page;
    await gotoHash(p, '#/targets/seed-target-gantang');
    await p.locator(tid('target-new-visit')).click();
    await p.locator(tid('view-visit')).waitFor({ state: 'visible' });
    await saved(p, () => p.locator(tid('visit-members')).fill('李明'));
    await eventually(async () => assert.match(await hash(p), /^#\/visits\/v-[\w-]+$/));
    const visit = await hash(p);
    const strip = p.locator(tid('photo-strip'));
    const photos = [withOrientation(await browserJpeg(p, 1200, 800), 6), await browserJpeg(p, 640, 480)];
    await saved(p, () => strip.locator(tid('photo-input')).setInputFiles(photos.map((buffer, i) => ({ name: `IMG_000${i}.jpg`, mimeType: 'image/jpeg', buffer }))));
    await eventually(async () => assert.equal(await strip.locator(tid('photo-img')).count(), 2), { timeout: 30_000 });
    const shas = (await strip.locator(tid('photo')).evaluateAll((fs) => fs.map((f) => f.dataset.sha256))).sort();

    const quick = await exportBundle(p, { recordsOnly: true });
    assert.doesNotMatch(fs.readFileSync(quick.file, 'utf8'), /"photos":\[/, 'records only: a v2 file');
    const full = await exportBundle(p);
    const text = fs.readFileSync(full.file, 'utf8');
    const lines = text.trimEnd().split('\n');
    assert.match(lines[0], /"version":3,"photos":\[$/, 'the head opens the photos');
    assert.equal(lines.length, 1 + 2 + 1, 'one line per photo and the closing line');
    assert.match(await readText(p.locator(tid('export-result'))), /含照片/);

    // The office takes the records only: the photos are counted as missing and shown as waiting.
    const o = office.page;
    await chooseImport(o, quick.file);
    await o.locator(tid('import-preview')).waitFor({ state: 'visible' });
    assert.equal(await o.locator(tid('preview-photos')).getAttribute('data-missing'), '2');
    await confirmImport(o);
    await gotoHash(o, visit);
    const ostrip = o.locator(tid('photo-strip'));
    await eventually(async () => assert.equal(await ostrip.locator(tid('photo-pending')).count(), 2));
    assert.match(await readText(ostrip.locator(tid('photo-pending')).first()), /照片待补传[\s\S]*武定县督战小分队/);

    // The full file brings them: counted as new before anything is written, then shown upright.
    await chooseImport(o, full.file);
    await o.locator(tid('import-preview')).waitFor({ state: 'visible' });
    const counts = o.locator(tid('preview-photos'));
    assert.equal(await counts.getAttribute('data-new'), '2');
    assert.equal(await counts.getAttribute('data-missing'), '0');
    await confirmImport(o);
    await gotoHash(o, visit);
    await eventually(async () => assert.equal(await ostrip.locator(tid('photo-img')).count(), 2), { timeout: 30_000 });
    assert.deepEqual((await ostrip.locator(tid('photo')).evaluateAll((fs) => fs.map((f) => f.dataset.sha256))).sort(), shas, 'the same addresses');
    const sizes = await ostrip.locator(tid('photo-img')).evaluateAll((imgs) => Promise.all(imgs.map((i) => i.decode().then(() => `${i.naturalWidth}x${i.naturalHeight}`))));
    assert.deepEqual(sizes.sort(), ['640x480', '800x1200'], 'upright as attached');
    assert.equal(await stateHash(o), await stateHash(p), 'the same records');

    // Encrypted, the photos go inside, in chunks (version 2): nothing in the clear;
    // a fresh device asks for the passphrase, then counts and stores the same photos.
    const locked = await exportBundle(p, { passphrase: '督战2020口令' });
    const ltext = fs.readFileSync(locked.file, 'utf8');
    assert.match(ltext.split('\n')[0], /^\{"chunk_bytes":1048576,.*"format":"duzhan-bundle-encrypted".*"version":2,"ciphertext":\[$/);
    assert.ok(!ltext.includes(shas[0]) && !ltext.includes('"b64"'), 'the photos are not in the clear');
    const third = await device('楚雄市督战小分队');
    const t = third.page;
    await chooseImport(t, locked.file);
    await t.locator(tid('import-passphrase')).fill('督战2020口令');
    await t.locator(tid('import-decrypt')).click();
    await t.locator(tid('import-preview')).waitFor({ state: 'visible', timeout: 60_000 });
    assert.equal(await t.locator(tid('preview-photos')).getAttribute('data-new'), '2');
    await confirmImport(t);
    await gotoHash(t, visit);
    const tstrip = t.locator(tid('photo-strip'));
    await eventually(async () => assert.equal(await tstrip.locator(tid('photo-img')).count(), 2), { timeout: 30_000 });
    assert.deepEqual((await tstrip.locator(tid('photo')).evaluateAll((fs) => fs.map((f) => f.dataset.sha256))).sort(), shas, 'the same addresses, decrypted');

    // A photo line changed by one character: refused whole, in Chinese, naming the visit; nothing changes.
    const at = lines[1].indexOf('"b64":"') + 50;
    const bad = [lines[0], lines[1].slice(0, at) + (lines[1][at] === 'A' ? 'B' : 'A') + lines[1].slice(at + 1), ...lines.slice(2)].join('\n');
    const badFile = full.file.replace(/\.json$/, '-bad.json');
    fs.writeFileSync(badFile, bad);
    const fresh = await device('县扶贫办');
    await chooseImport(fresh.page, badFile);
    const err = fresh.page.locator(tid('import-error'));
    await err.waitFor({ state: 'visible' });
    assert.match(await readText(err), /照片已损坏[\s\S]*未导入[\s\S]*请/);
    assert.equal(await fresh.page.locator(tid('import-preview')).count(), 0);
  } finally {
    for (const s of sessions) {
      s.assertNoErrors();
      await s.close();
    }
  }
});

/** Moves the problem on through the transition dialog and waits for the save. */
async function transition(page, to, { by = '李明', verifier, result } = {}) {
  await page.locator(tid(`transition-${to}`)).click();
  await page.locator(tid('transition-dialog')).waitFor({ state: 'visible' });
  await page.locator(tid('transition-by')).fill(by);
  if (verifier !== undefined) await page.locator(tid('verifier-name')).fill(verifier);
  if (result) await page.locator(tid(`verification-${result}`)).check();
  await saved(page, () => page.locator(tid('transition-confirm')).click());
  await page.locator(tid('transition-dialog')).waitFor({ state: 'hidden' });
}

appTest('a problem shows its photo before rectification, the rectification report\'s and the verification\'s after, and keeps them over a reload', async ({ page, url }) => {
  await openApp(page, `${url}#/problems/new?target=seed-target-gantang`);
  await page.locator(tid('problem-form')).waitFor({ state: 'visible' });
  await page.locator(tid('problem-description')).fill('3户危房未拆除');
  await page.locator(tid('problem-person')).fill('张国华');
  await saved(page, () => page.locator(tid('problem-save')).click());
  await page.locator(tid('view-problem')).waitFor({ state: 'visible' });
  const attach = async (strip, jpeg, name) => {
    await saved(page, () => strip.locator(tid('photo-input')).setInputFiles({ name, mimeType: 'image/jpeg', buffer: jpeg }));
    await strip.locator(tid('photo-img')).first().waitFor({ state: 'visible', timeout: 30_000 });
    return strip.locator(tid('photo')).first().getAttribute('data-sha256');
  };
  const before = await attach(page.locator(`${tid('problem-photos-before')} ${tid('photo-strip')}`), await browserJpeg(page, 800, 600), 'before.jpg');
  await transition(page, 'in_progress');
  await transition(page, 'awaiting_verification');
  const reported = page.locator(`${tid('problem-history-row')}[data-to="awaiting_verification"] ${tid('photo-strip')}[data-slot="rectified"]`);
  const after = await attach(reported, await browserJpeg(page, 600, 800), 'after.jpg');
  await transition(page, 'closed', { verifier: '州督查室王强', result: 'passed' });
  const verified = page.locator(`${tid('problem-history-row')}[data-to="closed"] ${tid('photo-strip')}[data-slot="verified"]`);
  const check = await attach(verified, await browserJpeg(page, 640, 640), 'check.jpg');
  assert.equal(new Set([before, after, check]).size, 3);

  await reloadApp(page);
  await page.locator(tid('view-problem')).waitFor({ state: 'visible' });
  for (const [strip, sha] of [[page.locator(`${tid('problem-photos-before')} ${tid('photo-strip')}`), before], [reported, after], [verified, check]]) {
    await strip.locator(tid('photo-img')).first().waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await strip.locator(tid('photo')).first().getAttribute('data-sha256'), sha);
  }
  const problemId = await page.locator(tid('view-problem')).getAttribute('data-problem-id');

  // 整改前后对比: the photo at logging beside the report's and the verification's, shown, not edited.
  const ba = page.locator(tid('before-after'));
  await ba.waitFor({ state: 'visible' });
  const shas = (scope) => scope.locator(tid('photo')).evaluateAll((els) => els.map((e) => e.getAttribute('data-sha256')));
  assert.deepEqual(await shas(ba.locator(tid('before-side'))), [before]);
  assert.deepEqual(await shas(ba.locator(tid('after-side'))), [after, check]);
  assert.equal(await ba.locator(tid('photo-remove')).count(), 0);
  await ba.locator(`${tid('after-side')} ${tid('photo-img')}`).last().waitFor({ state: 'visible', timeout: 30_000 });
  assert.match(await ba.locator(tid('photo-taken')).first().innerText(), /^附加 2\d{3}-\d{2}-\d{2} \d{2}:\d{2}$/, 'when, by this device (no EXIF time)');
  // Printed: the view with each photo's SHA-256, no controls.
  await page.emulateMedia({ media: 'print' });
  assert.ok(await ba.isVisible());
  assert.equal(await ba.locator(tid('photo-hash')).first().innerText(), `SHA-256 ${before.slice(0, 16)}…`);
  assert.equal(await page.locator(tid('photo-remove')).first().isVisible(), false);
  assert.equal(await page.locator(tid('print-problem')).isVisible(), false);
  await page.emulateMedia({ media: 'screen' });

  // The target page: the three, newest first, each labelled and linked to the problem.
  await gotoHash(page, '#/targets/seed-target-gantang');
  const onTarget = page.locator(`${tid('target-photos')} ${tid('target-photo')}`);
  await eventually(async () => assert.equal(await onTarget.count(), 3));
  assert.deepEqual(await onTarget.evaluateAll((els) => els.map((e) => e.getAttribute('data-slot'))), ['verified', 'rectified', 'before']);
  assert.deepEqual(await shas(page.locator(tid('target-photos'))), [check, after, before]);
  assert.equal(await onTarget.first().locator(tid('target-photo-record')).getAttribute('href'), `#/problems/${problemId}`);
  await onTarget.first().locator(tid('photo-img')).waitFor({ state: 'visible', timeout: 30_000 });

  // The printed ledger lists the problem's photos by their addresses (covered by its
  // fingerprint), and shows its first before and its last after photo as thumbnails,
  // made and decoded before the print is laid out.
  await gotoHash(page, '#/ledger');
  await page.locator(tid('ledger-row')).first().waitFor({ state: 'visible' });
  await page.evaluate(() => {
    window.print = () => {
      window.__printed = [...document.querySelectorAll('.print-ledger img')].map((i) => ({ done: i.complete, w: i.naturalWidth, h: i.naturalHeight }));
    };
  });
  await page.locator(tid('print-ledger')).click();
  await page.waitForFunction(() => window.__printed !== undefined, null, { timeout: 30_000 });
  const cell = page.locator(`${tid('print-ledger-table')} ${tid('print-ledger-photos')}`);
  const listed = (await cell.allTextContents()).find((t) => t.length > 0);
  assert.equal(listed, `3：${[before, after, check].map((h) => h.slice(0, 8)).join(' ')}`);
  const thumbs = page.locator(`${tid('print-ledger-table')} ${tid('print-ledger-thumb')}`);
  assert.deepEqual(await thumbs.evaluateAll((els) => els.map((e) => [e.getAttribute('data-sha256'), e.querySelector('figcaption').textContent])), [
    [before, `整改前${before.slice(0, 8)}`],
    [check, `整改后${check.slice(0, 8)}`],
  ]);
  const printed = await page.evaluate(() => window.__printed);
  assert.equal(printed.length, 2);
  assert.ok(printed.every((i) => i.done && Math.max(i.w, i.h) > 0 && Math.max(i.w, i.h) <= 240), `thumbnails decoded before print, small: ${JSON.stringify(printed)}`);
  assert.equal(await page.locator(tid('print-ledger-thumb-count')).innerText(), '照片缩略图 2/3');
  // After printing the table and its thumbnails are gone.
  await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
  await eventually(async () => assert.equal(await page.locator(tid('print-ledger-table')).count(), 0));
});

appTest('the v3 fixture imports on a fresh device and its two photos show with their addresses', async ({ page, url }) => {
  await openApp(page, url);
  await chooseImport(page, path.join(REPO_ROOT, 'tests/fixtures/bundle-v3-photos.json'));
  await page.locator(tid('import-preview')).waitFor({ state: 'visible', timeout: 30_000 });
  assert.equal(await page.locator(tid('preview-photos')).getAttribute('data-new'), '2');
  await confirmImport(page);
  await gotoHash(page, '#/visits/visit-fixture-3');
  const strip = page.locator(`${tid('photo-strip')}[data-slot="visit"]`);
  await eventually(async () => assert.equal(await strip.locator(tid('photo-img')).count(), 2), { timeout: 30_000 });
  const want = ['visit-64x48.jpg', 'visit-48x64.jpg'].map((n) => createHash('sha256').update(fs.readFileSync(path.join(REPO_ROOT, 'tests/fixtures/photos', n))).digest('hex')).sort();
  assert.deepEqual((await strip.locator(tid('photo')).evaluateAll((els) => els.map((e) => e.getAttribute('data-sha256')))).sort(), want);
  const sizes = await strip.locator(tid('photo-img')).evaluateAll((imgs) => Promise.all(imgs.map((i) => i.decode().then(() => `${i.naturalWidth}x${i.naturalHeight}`))));
  assert.deepEqual(sizes.sort(), ['48x64', '64x48']);
});

appTest('photo settings choose the long edge and the camera stamp; a checklist answer has photos of its own', async ({ page, url }) => {
  await openApp(page, `${url}#/settings`);
  const panel = page.locator(tid('photo-settings'));
  await panel.waitFor({ state: 'visible' });
  assert.equal(await panel.locator(tid('photo-long-edge')).inputValue(), '1600');
  assert.equal(await panel.locator(tid('photo-stamp-camera')).isChecked(), true);
  await panel.locator(tid('photo-long-edge')).selectOption('1280');
  await panel.locator(tid('photo-stamp-camera')).uncheck();
  await reloadApp(page);
  await panel.waitFor({ state: 'visible' });
  assert.equal(await panel.locator(tid('photo-long-edge')).inputValue(), '1280', 'kept in this browser');
  assert.equal(await panel.locator(tid('photo-stamp-camera')).isChecked(), false);

  await gotoHash(page, '#/targets/seed-target-gantang');
  await page.locator(tid('target-new-visit')).click();
  await page.locator(tid('view-visit')).waitFor({ state: 'visible' });
  await saved(page, () => page.locator(tid('visit-members')).fill('李明'));
  await eventually(async () => assert.match(await hash(page), /^#\/visits\/v-[\w-]+$/));
  const visitHash = await hash(page);
  const strip = page.locator(`${tid('photo-strip')}[data-slot="visit"]`);
  const wide = withOrientation(await browserJpeg(page, 3200, 1600), 6);
  await saved(page, () => strip.locator(tid('photo-input')).setInputFiles({ name: 'wide.jpg', mimeType: 'image/jpeg', buffer: wide }));
  const img = strip.locator(tid('photo-img'));
  await img.waitFor({ state: 'visible', timeout: 30_000 });
  assert.deepEqual(await img.evaluate((i) => i.decode().then(() => [i.naturalWidth, i.naturalHeight])), [640, 1280], 'long edge 1280, upright');
  const shot = await browserJpeg(page, 640, 480);
  await saved(page, () => strip.locator(tid('photo-camera')).setInputFiles({ name: 'camera.jpg', mimeType: 'image/jpeg', buffer: shot }));
  await eventually(async () => assert.equal(await strip.locator(tid('photo')).count(), 2), { timeout: 30_000 });
  assert.equal(await strip.locator(tid('photo-stamped')).count(), 0, 'the stamp is off on this device');

  // One checklist answer: answered, then a photo of what was checked.
  const row = page.locator(tid('answer-row')).first();
  const item = await row.getAttribute('data-item-id');
  await saved(page, () => row.locator(tid(`answer-${item}-fail`)).check());
  const answerStrip = row.locator(`${tid('photo-strip')}[data-slot="answer"]`);
  await answerStrip.waitFor({ state: 'visible' });
  const itemShot = await browserJpeg(page, 800, 600);
  await saved(page, () => answerStrip.locator(tid('photo-input')).setInputFiles({ name: 'item.jpg', mimeType: 'image/jpeg', buffer: itemShot }));
  await answerStrip.locator(tid('photo-img')).waitFor({ state: 'visible', timeout: 30_000 });
  const answerSha = await answerStrip.locator(tid('photo')).getAttribute('data-sha256');
  assert.equal(await strip.locator(tid('photo')).count(), 2, 'the visit\'s own photos are apart');
  await reloadApp(page);
  await answerStrip.locator(tid('photo-img')).waitFor({ state: 'visible', timeout: 30_000 });
  assert.equal(await answerStrip.locator(tid('photo')).getAttribute('data-sha256'), answerSha);

  // The target page shows the answer's photo linked to its visit.
  await gotoHash(page, '#/targets/seed-target-gantang');
  const answerOnTarget = page.locator(`${tid('target-photos')} ${tid('target-photo')}[data-slot="answer"]`);
  await answerOnTarget.waitFor({ state: 'visible' });
  assert.equal(await answerOnTarget.locator(tid('target-photo-record')).getAttribute('href'), visitHash);
  assert.equal(await page.locator(`${tid('target-photos')} ${tid('target-photo')}`).count(), 3);
});
