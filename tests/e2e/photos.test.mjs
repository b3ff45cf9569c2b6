// Photo evidence on a visit (issue 16): a real JPEG the browser made, turned by its
// EXIF orientation and larger than the long edge, is chosen on a visit; the stored
// photo is upright at 1600 px and survives a reload; a file that is no image is
// refused in Chinese and nothing is added; a removed photo stays removed.
import assert from 'node:assert/strict';
import { appSuite, openApp, reloadApp, saved, eventually, tid } from './harness.mjs';

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
