// Photo evidence on a visit (issue 16): a real JPEG the browser made, turned by its
// EXIF orientation and larger than the long edge, is chosen on a visit; the stored
// photo is upright at 1600 px and survives a reload; a file that is no image is
// refused in Chinese and nothing is added; a removed photo stays removed. Photos
// travel: a records-only file leaves them 照片待补传 on the office's device, the
// next file carries them (bundle v3), with the same addresses and orientation.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { appSuite, openApp, reloadApp, saved, eventually, gotoHash, readText, tid } from './harness.mjs';
import { devices, exportBundle, chooseImport, confirmImport, stateHash } from './exchange.mjs';

const { appTest } = appSuite();
const hash = (page) => page.evaluate(() => location.hash);

/** A JPEG made by the browser's encoder: `w`×`h`, left half red, right half blue. */
async function browserJpeg(page, w, h) {
  const b64 = await page.evaluate(([w, h]) => {
    const c = document.createElement('canvas');
    c.width = w;
    c.height = h;
    const g = c.getContext('2d');
    g.fillStyle = '#d00000';
    g.fillRect(0, 0, w / 2, h);
    g.fillStyle = '#0000d0';
    g.fillRect(w / 2, 0, w / 2, h);
    return c.toDataURL('image/jpeg', 0.9).split(',')[1];
  }, [w, h]);
  return Buffer.from(b64, 'base64');
}

/** The JPEG with an EXIF segment saying `orientation`, right after its start. */
function withOrientation(jpeg, orientation) {
  const tiff = Buffer.from([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0, 0, 0, 0, 0]);
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'binary'), tiff]);
  const head = Buffer.from([0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]);
  return Buffer.concat([jpeg.subarray(0, 2), head, payload, jpeg.subarray(2)]);
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
});
