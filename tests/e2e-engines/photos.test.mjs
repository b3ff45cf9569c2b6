// Photo evidence (照片取证, issue 16) in WebKitGTK and Firefox ESR: a JPEG file on
// disk is chosen in the photo strip's file input (WebDriver's send keys, the way
// the file chooser hands it over), the engine decodes it, turns it by its EXIF
// orientation, scales and re-encodes it; the stored photo's address is the
// SHA-256 of the stored bytes, and it is still there, upright, after a reload.
// A file that is no image is refused. The v3 fixture's photos show after an
// import, and photos travel in a bundle from one profile to another.
// Each test runs once per engine of the run; see ./harness.mjs.
// The same behaviours in Chromium: ../e2e/photos.test.mjs.
//
// The stored bytes are read back from the Blob the app made the thumbnail's
// blob: URL from (./harness.mjs objectUrlBytes), and checked in Node: their
// SHA-256 against the address the UI shows, their JPEG frame (its size as
// stored, no EXIF orientation left to apply), and in the page their pixels.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { engineSuite, REPO_ROOT, tid } from './harness.mjs';
import { redBlueJpegBase64, withOrientation } from '../e2e/jpegs.mjs';

const { engineTest } = engineSuite();

const FIXTURES = path.join(REPO_ROOT, 'tests/fixtures/photos');
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const visitStrip = `${tid('photo-strip')}[data-slot="visit"]`;
const beforeStrip = `${tid('problem-photos-before')} ${tid('photo-strip')}`;

/** A JPEG made by this engine's encoder: `w`×`h`, left half red, right half blue. */
async function engineJpeg(s, w, h) {
  return Buffer.from(await s.eval(redBlueJpegBase64, w, h), 'base64');
}

/** What a JPEG's own segments say: its frame size as stored, and whether it has an EXIF segment. */
function jpegFrame(bytes) {
  assert.deepEqual([...bytes.subarray(0, 2)], [0xff, 0xd8], 'a JPEG (SOI)');
  let exif = false;
  for (let at = 2; at + 4 <= bytes.length; ) {
    assert.equal(bytes[at], 0xff, `a JPEG marker at ${at}`);
    const marker = bytes[at + 1];
    const len = bytes.readUInt16BE(at + 2);
    if (marker === 0xe1 && bytes.subarray(at + 4, at + 10).toString('binary') === 'Exif\0\0') exif = true;
    // SOF0–SOF15, not DHT (C4), JPG (C8), DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { width: bytes.readUInt16BE(at + 7), height: bytes.readUInt16BE(at + 5), exif };
    }
    at += 2 + len;
  }
  throw new Error('no JPEG frame header (SOF) found');
}

/** Writes `bytes` as `name` in a new temporary directory; returns the path. */
function tempFile(name, bytes) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'duzhan-photo-')), name);
  fs.writeFileSync(file, bytes);
  return file;
}
const removeTemp = (file) => fs.rmSync(path.dirname(file), { recursive: true, force: true });

/** Opens a new visit on 甘棠 and saves it once, so that it has its address (its photo strip works). */
async function newVisit(s, url) {
  await s.open(`${url}#/targets/seed-target-gantang`);
  await s.click(tid('target-new-visit'));
  await s.visible(tid('view-visit'));
  await s.saved(() => s.type(tid('visit-members'), '李明、王芳'));
  const hash = await s.until(() => /^#\/visits\/v-[\w-]+$/.test(location.hash) && location.hash, [], { what: 'the visit to get its address' });
  await s.visible(visitStrip);
  return hash;
}

/**
 * The photos shown in `strip` once `n` thumbnails are there, each decoded:
 * `{ sha, src, size: 'W×H' (naturalWidth×naturalHeight) }`, in document order.
 */
async function thumbs(s, strip, n) {
  return s.until(
    (strip, photo, img, n) => {
      const figs = [...document.querySelectorAll(`${strip} ${photo}`)];
      if (figs.length !== n || figs.some((f) => !f.querySelector(img))) return false;
      return Promise.all(
        figs.map(async (f) => {
          const i = f.querySelector(img);
          await i.decode();
          return { sha: f.dataset.sha256, src: i.src, size: `${i.naturalWidth}×${i.naturalHeight}` };
        }),
      );
    },
    [strip, tid('photo'), tid('photo-img'), n],
    { what: `${n} decoded thumbnail(s) in ${strip}` },
  );
}

/** The stored bytes behind a thumbnail; their SHA-256 is the address the UI shows. */
async function storedPhoto(s, thumb) {
  const bytes = await s.objectUrlBytes(thumb.src);
  assert.ok(bytes, `the thumbnail's ${thumb.src} is a Blob the app made after this load`);
  assert.match(thumb.sha, /^[0-9a-f]{64}$/, 'a 64-hex SHA-256 address');
  assert.equal(sha256(bytes), thumb.sha, 'the address is the SHA-256 of the stored bytes');
  return { bytes, frame: jpegFrame(bytes) };
}

/** The colours of the decoded thumbnail at its top and bottom quarter, sampled in the page: 'red' | 'blue' | rgb. */
async function topAndBottom(s, strip) {
  return s.eval((sel) => {
    const img = document.querySelector(sel);
    const c = document.createElement('canvas');
    c.width = 10;
    c.height = 20;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0, 10, 20);
    const at = (y) => {
      const [r, gr, b] = g.getImageData(5, y, 1, 1).data;
      return r > 150 && gr < 80 && b < 80 ? 'red' : b > 150 && r < 80 && gr < 80 ? 'blue' : `rgb(${r},${gr},${b})`;
    };
    return [at(4), at(15)];
  }, `${strip} ${tid('photo-img')}`);
}

engineTest('a JPEG chosen from disk on a visit is stored turned upright by its EXIF orientation, at its long edge, and survives a reload', async ({ s, url }) => {
  const visit = await newVisit(s, url);
  assert.equal(await s.text(`${visitStrip} ${tid('photo-count')}`), '0/9');
  // 3200×1600 as the sensor saw it (left red, right blue), turned a quarter by EXIF
  // orientation 6: upright it is 1600×3200, red on top; stored at 800×1600.
  const original = withOrientation(await engineJpeg(s, 3200, 1600), 6);
  assert.deepEqual(jpegFrame(original), { width: 3200, height: 1600, exif: true });
  const file = tempFile('IMG_0001.jpg', original);
  await s.saved(() => s.chooseFile(`${visitStrip} ${tid('photo-input')}`, file));
  const [shown] = await thumbs(s, visitStrip, 1);
  assert.equal(shown.size, '800×1600', 'upright, long edge 1600');
  const stored = await storedPhoto(s, shown);
  assert.deepEqual(stored.frame, { width: 800, height: 1600, exif: false }, 'the pixels themselves are stored turned, with no EXIF left to apply');
  assert.notEqual(shown.sha, sha256(original), 'stored re-encoded, not as chosen');
  assert.deepEqual(await topAndBottom(s, visitStrip), ['red', 'blue'], 'turned clockwise (orientation 6): the sensor\'s left edge on top');
  assert.equal(await s.text(`${visitStrip} ${tid('photo-count')}`), '1/9');
  assert.equal(await s.count(`${visitStrip} ${tid('photo-stamped')}`), 0, 'a chosen file carries no stamp');

  await s.reload();
  assert.equal(await s.eval(() => location.hash), visit);
  const [again] = await thumbs(s, visitStrip, 1);
  assert.equal(again.sha, shown.sha, 'the same photo after a reload');
  assert.equal(again.size, '800×1600');
  // Away and back: the thumbnail's Blob is made again, now after the hooks, and has the same bytes.
  await s.gotoHash('#/table');
  await s.visible(tid('supervision-table'));
  await s.gotoHash(visit);
  const [reread] = await thumbs(s, visitStrip, 1);
  assert.ok((await storedPhoto(s, reread)).bytes.equals(stored.bytes), 'the bytes read from the photo store after the reload are the ones stored');
  assert.deepEqual(await topAndBottom(s, visitStrip), ['red', 'blue']);
  assert.equal(await s.text(`${visitStrip} ${tid('photo-count')}`), '1/9');
  removeTemp(file);
});

engineTest('the fixture photo chosen on a problem keeps its size and survives a reload; a file that is no image is refused in Chinese', async ({ s, url }) => {
  await s.open(`${url}#/problems/new?target=seed-target-gantang`);
  await s.visible(tid('problem-form'));
  await s.type(tid('problem-description'), '3户危房未拆除');
  await s.type(tid('problem-person'), '张国华');
  await s.saved(() => s.click(tid('problem-save')));
  await s.visible(tid('view-problem'));
  await s.visible(beforeStrip);
  const fixture = path.join(FIXTURES, 'visit-48x64.jpg');
  assert.deepEqual(jpegFrame(fs.readFileSync(fixture)), { width: 48, height: 64, exif: false });
  await s.saved(() => s.chooseFile(`${beforeStrip} ${tid('photo-input')}`, fixture));
  const [shown] = await thumbs(s, beforeStrip, 1);
  assert.equal(shown.size, '48×64', 'below the long edge: not scaled');
  const stored = await storedPhoto(s, shown);
  assert.deepEqual(stored.frame, { width: 48, height: 64, exif: false });

  // Not an image: said in Chinese, nothing added.
  const notes = tempFile('notes.jpg', Buffer.from('这不是照片'));
  await s.chooseFile(`${beforeStrip} ${tid('photo-input')}`, notes);
  await s.until((sel) => /不是.*图片.*请/.test(document.querySelector(sel)?.textContent ?? ''), [`${beforeStrip} ${tid('form-error')}`], { what: 'the not-an-image error' });
  assert.equal(await s.count(`${beforeStrip} ${tid('photo')}`), 1);
  removeTemp(notes);

  const problem = await s.attr(tid('view-problem'), 'data-problem-id');
  await s.reload();
  await s.visible(tid('view-problem'));
  assert.equal(await s.attr(tid('view-problem'), 'data-problem-id'), problem);
  const [again] = await thumbs(s, beforeStrip, 1);
  assert.equal(again.sha, shown.sha, 'the same photo after a reload');
  assert.equal(again.size, '48×64');
  assert.equal(await s.text(`${beforeStrip} ${tid('photo-count')}`), '1/9');
});

engineTest('the v3 fixture imports on a fresh profile and its two photos show with their addresses and sizes', async ({ s, url }) => {
  await s.open(url);
  await s.gotoHash('#/sync');
  await s.chooseFile(tid('import-file'), path.join(REPO_ROOT, 'tests/fixtures/bundle-v3-photos.json'));
  await s.visible(tid('import-preview'));
  assert.equal(await s.attr(tid('preview-photos'), 'data-new'), '2');
  await s.saved(() => s.click(tid('import-confirm')));
  await s.visible(tid('import-result'));
  await s.gotoHash('#/visits/visit-fixture-3');
  const shown = await thumbs(s, visitStrip, 2);
  const want = Object.fromEntries(['visit-64x48.jpg', 'visit-48x64.jpg'].map((n) => [sha256(fs.readFileSync(path.join(FIXTURES, n))), n.match(/(\d+)x(\d+)/).slice(1).join('×')]));
  assert.deepEqual(Object.fromEntries(shown.map((t) => [t.sha, t.size])), want, 'the fixture files\' addresses, each at its size');
  for (const t of shown) {
    const stored = await storedPhoto(s, t);
    assert.equal(`${stored.frame.width}×${stored.frame.height}`, t.size);
  }
});

engineTest('photos travel in a bundle to a fresh profile: records only leaves them waiting, the full file brings them with the same addresses', async ({ s, url, engine, open }) => {
  const visit = await newVisit(s, url);
  const files = [
    tempFile('IMG_0001.jpg', withOrientation(await engineJpeg(s, 1200, 800), 6)),
    tempFile('IMG_0002.jpg', await engineJpeg(s, 640, 480)),
  ];
  await s.saved(() => s.chooseFile(`${visitStrip} ${tid('photo-input')}`, files));
  const attached = await thumbs(s, visitStrip, 2);
  assert.deepEqual(attached.map((t) => t.size).sort(), ['640×480', '800×1200']);
  const bySha = (list) => Object.fromEntries(list.map((t) => [t.sha, t.size]));

  await s.gotoHash('#/sync');
  await s.select(tid('export-scope'), 'full');
  await s.click(tid('export-records-only'));
  assert.equal(await s.eval((sel) => document.querySelector(sel).checked, tid('export-records-only')), true);
  const quick = await s.download(() => s.click(tid('export-run')));
  await s.visible(tid('export-result'));
  assert.doesNotMatch(quick.bytes.toString('utf8'), /"photos":\[/, 'records only: no photo lines');
  await s.click(tid('export-records-only'));
  const full = await s.download(() => s.click(tid('export-run')));
  const lines = full.bytes.toString('utf8').trimEnd().split('\n');
  assert.match(lines[0], /"version":3,"photos":\[$/, 'a v3 file: the head opens the photos');
  assert.equal(lines.length, 1 + 2 + 1, 'one line per photo and the closing line');
  await s.until((sel) => /含照片/.test(document.querySelector(sel)?.textContent ?? ''), [tid('export-result')], { what: 'the export result to say 含照片' });
  await s.gotoHash('#/settings');
  const state = await s.until((sel) => document.querySelector(sel)?.textContent.trim(), [tid('state-hash')], { what: 'the state hash' });
  const quickFile = tempFile('quick.json', quick.bytes);
  const fullFile = tempFile(full.name, full.bytes);

  const office = await open(engine);
  await office.open(url);
  await office.gotoHash('#/sync');
  await office.chooseFile(tid('import-file'), quickFile);
  await office.visible(tid('import-preview'));
  assert.equal(await office.attr(tid('preview-photos'), 'data-missing'), '2');
  await office.saved(() => office.click(tid('import-confirm')));
  await office.visible(tid('import-result'));
  await office.gotoHash(visit);
  await office.until((sel) => document.querySelectorAll(sel).length === 2, [`${visitStrip} ${tid('photo-pending')}`], { what: 'two photos 照片待补传' });
  assert.match(await office.text(`${visitStrip} ${tid('photo-pending')}`), /照片待补传/);
  assert.equal(await office.count(`${visitStrip} ${tid('photo-img')}`), 0);

  await office.gotoHash('#/sync');
  await office.chooseFile(tid('import-file'), fullFile);
  await office.visible(tid('import-preview'));
  assert.equal(await office.attr(tid('preview-photos'), 'data-new'), '2');
  assert.equal(await office.attr(tid('preview-photos'), 'data-missing'), '0');
  await office.saved(() => office.click(tid('import-confirm')));
  await office.visible(tid('import-result'));
  await office.gotoHash(visit);
  const arrived = await thumbs(office, visitStrip, 2);
  assert.deepEqual(bySha(arrived), bySha(attached), 'the same addresses, upright as attached');
  for (const t of arrived) await storedPhoto(office, t);
  await office.gotoHash('#/settings');
  assert.equal(await office.until((sel) => document.querySelector(sel)?.textContent.trim(), [tid('state-hash')], { what: 'the state hash' }), state, 'the same records');
  for (const f of [...files, quickFile, fullFile]) removeTemp(f);
});
