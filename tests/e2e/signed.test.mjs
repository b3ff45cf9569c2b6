// Signed bundles (issue 17, items 1–2): each device has a key, shown in settings as a
// fingerprint; its exports are signed (format v2). The office's first import of a
// squad's file says "first seen, compare the fingerprint" with the squad's own
// fingerprint, later ones say verified; a file changed after signing (checksum
// recomputed, as a forger would) and a file signed by another key that claims to be
// the squad are refused in Chinese and change nothing. Separate browser contexts are
// separate devices; files really download and upload.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { appSuite, newSession, openApp, reloadApp, gotoHash, eventually, readText, tid } from './harness.mjs';
import { nameDevice, addFigure, exportBundle, chooseImport, confirmImport, stateHash, devices } from './exchange.mjs';

const { appTest, ctx } = appSuite();

async function fingerprint(page) {
  await gotoHash(page, '#/settings');
  return readText(page.locator(tid('device-fingerprint')));
}

/** The members an exporter splices into the canonical file after `seq`. */
function members(text) {
  const env = JSON.parse(text);
  return { env, cut: `"sha256":"${env.sha256}","signature":${JSON.stringify(env.signature)},` };
}

/** Re-signs a v2 file's text with `key` (a Node KeyObject), after `edit` (on the text,
 * which stays canonical): the checksum and the signature are both right for the new
 * key, as a forger with their own key would make the file. `key` null keeps the old
 * signature (a forger without any key: checksum right, signature stale). */
function forge(text, edit, key) {
  const { env, cut } = members(text);
  assert.ok(text.includes(cut), 'the file is as the exporter writes it');
  const body = edit(text.replace(cut, ''));
  const sum = crypto.createHash('sha256').update(body, 'utf8').digest('hex');
  let signature = env.signature;
  if (key) {
    const raw = Buffer.from(crypto.createPublicKey(key).export({ format: 'jwk' }).x, 'base64url');
    const sig = crypto.sign(null, Buffer.from(`duzhan-signature-v1\nduzhan-bundle\n${sum}`, 'utf8'), key);
    signature = { alg: 'ed25519', key: raw.toString('base64'), sig: sig.toString('base64') };
  }
  const at = body.lastIndexOf('"source":');
  return body.slice(0, at) + `"sha256":"${sum}","signature":${JSON.stringify(signature)},` + body.slice(at);
}

appTest('a squad\'s signed file is verified by its fingerprint, and forged or impersonating files are refused', async ({ url }) => {
  const squad = await newSession(ctx.browser);
  const office = await newSession(ctx.browser);
  try {
    await openApp(squad.page, url);
    await nameDevice(squad.page, '武定县小分队');
    await openApp(office.page, url);
    await nameDevice(office.page, '州扶贫办');
    const squadPrint = await fingerprint(squad.page);
    assert.match(squadPrint, /^\d{4}( \d{4}){4}$/, 'twenty digits in groups of four');
    assert.notEqual(await fingerprint(office.page), squadPrint, 'each device has its own key');
    // The key is kept: a reload shows the same fingerprint.
    await reloadApp(squad.page);
    assert.equal(await fingerprint(squad.page), squadPrint);

    await addFigure(squad.page, url, 'seed-target-wuding', '3101', '2020-06-30');
    const first = (await exportBundle(squad.page)).file;
    const text = fs.readFileSync(first, 'utf8');
    const env = JSON.parse(text);
    assert.equal(env.version, 2);
    assert.equal(env.signature.alg, 'ed25519');

    // First import: first seen, with the squad's fingerprint to compare.
    await chooseImport(office.page, first);
    const signer = office.page.locator(tid('preview-signer'));
    await signer.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await signer.getAttribute('data-signer'), 'first_seen');
    assert.match(await readText(signer), /首次见到此设备，请与对方核对指纹/);
    assert.equal(await readText(office.page.locator(tid('preview-fingerprint'))), squadPrint);
    await confirmImport(office.page);
    // The board shows the squad's fingerprint.
    await gotoHash(office.page, '#/sync');
    const fp = office.page.locator(`${tid('known-device')} ${tid('status-fingerprint')}`);
    await fp.first().waitFor({ state: 'visible' });
    assert.equal(await readText(fp.first()), squadPrint);
    const before = await stateHash(office.page);

    // The squad's next file is verified against the key now pinned.
    await addFigure(squad.page, url, 'seed-target-wuding', '3102', '2020-07-01');
    const second = (await exportBundle(squad.page)).file;
    await chooseImport(office.page, second);
    await signer.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await signer.getAttribute('data-signer'), 'known');
    assert.match(await readText(signer), /已验证/);
    await office.page.locator(tid('import-cancel')).click();

    const secondText = fs.readFileSync(second, 'utf8');
    assert.ok(secondText.includes('3102'), 'the figure is in the file');
    const dir = path.dirname(second);
    // A figure changed after signing, the checksum recomputed: refused.
    const altered = path.join(dir, 'altered.json');
    fs.writeFileSync(altered, forge(secondText, (t) => t.replace('"v":3102', '"v":9102'), null));
    await chooseImport(office.page, altered);
    const error = office.page.locator(tid('import-error'));
    await error.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await readText(error), /签名与内容不符.*未导入/);
    // Another tablet's key claiming to be the squad: an impersonation, refused.
    const { privateKey } = crypto.generateKeyPairSync('ed25519');
    const impostor = path.join(dir, 'impostor.json');
    fs.writeFileSync(impostor, forge(secondText, (t) => t.replace('"v":3102', '"v":9102'), privateKey));
    await chooseImport(office.page, impostor);
    await eventually(async () => assert.match(await readText(error), /冒充/));
    assert.equal(await stateHash(office.page), before, 'nothing was written');
    squad.assertNoErrors();
    office.assertNoErrors();
  } finally {
    await squad.close();
    await office.close();
  }
});

appTest('the office\'s roster lets a new squad verify a squad on its first file, and a revoked tablet\'s new files are refused', async ({ url }) => {
  const { device, sessions } = devices(ctx.browser, url);
  try {
    const squadA = await device('武定县小分队');
    const office = await device('州扶贫办');
    const squadC = await device('元谋县小分队');
    await addFigure(squadA.page, url, 'seed-target-wuding', '3201', '2020-06-30');
    const first = (await exportBundle(squadA.page)).file;
    await chooseImport(office.page, first);
    await confirmImport(office.page);

    // The office hands out its roster.
    await gotoHash(office.page, '#/sync');
    const [d] = await Promise.all([office.page.waitForEvent('download', { timeout: 60_000 }), office.page.locator(tid('roster-export')).click()]);
    const rosterFile = path.join(path.dirname(first), d.suggestedFilename());
    await d.saveAs(rosterFile);
    assert.match(d.suggestedFilename(), /^duzhan-roster-.*\.json$/);
    assert.match(await readText(office.page.locator(tid('roster-export-result'))), /2/);

    // Squad C takes it: the office first seen (its fingerprint shown), both devices listed.
    await chooseImport(squadC.page, rosterFile);
    const preview = squadC.page.locator(tid('roster-preview'));
    await preview.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await squadC.page.locator(`${tid('roster-preview')} ${tid('preview-signer')}`).getAttribute('data-signer'), 'first_seen');
    assert.equal(await readText(squadC.page.locator(`${tid('roster-preview')} ${tid('preview-fingerprint')}`)), await fingerprint(office.page));
    assert.equal(await squadC.page.locator(tid('roster-entry')).count(), 2);
    await squadC.page.locator(tid('roster-confirm')).click();
    await squadC.page.locator(tid('roster-result')).waitFor({ state: 'visible' });

    // Squad A's file is verified on C's first sight of it.
    await chooseImport(squadC.page, first);
    const signer = squadC.page.locator(tid('preview-signer'));
    await signer.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await signer.getAttribute('data-signer'), 'known');
    await confirmImport(squadC.page);

    // C seals a bundle to the office (whose key the roster gave it): the office opens
    // it, signed by C; squad A, not a recipient, cannot.
    await addFigure(squadC.page, url, 'seed-target-nanhua', '3301', '2020-06-30');
    await gotoHash(squadC.page, '#/sync');
    const sealTo = squadC.page.locator(tid('export-seal-to'));
    await sealTo.first().waitFor({ state: 'attached' });
    const labels = await squadC.page.locator(`${tid('export-seal')} label`).allTextContents();
    const officeBox = labels.findIndex((l) => l.includes('州扶贫办'));
    assert.ok(officeBox >= 0, `the office is offered as a recipient: ${labels}`);
    await sealTo.nth(officeBox).check();
    const [sd] = await Promise.all([squadC.page.waitForEvent('download', { timeout: 60_000 }), squadC.page.locator(tid('export-run')).click()]);
    const sealedFile = path.join(path.dirname(first), `sealed-${sd.suggestedFilename()}`);
    await sd.saveAs(sealedFile);
    const sealedText = fs.readFileSync(sealedFile, 'utf8');
    assert.equal(JSON.parse(sealedText).format, 'duzhan-bundle-sealed');
    assert.ok(!sealedText.includes('3301'), 'nothing of the content is readable');
    await chooseImport(office.page, sealedFile);
    const sealedSigner = office.page.locator(tid('preview-signer'));
    await sealedSigner.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await sealedSigner.getAttribute('data-signer'), 'first_seen');
    await confirmImport(office.page);
    await chooseImport(squadA.page, sealedFile);
    const notMine = squadA.page.locator(tid('import-error'));
    await notMine.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await readText(notMine), /不是收件方/);

    // The office revokes A (a lost tablet): A's next file is refused there.
    await gotoHash(office.page, '#/sync');
    const rowA = office.page.locator(tid('known-device'), { hasText: '武定县小分队' });
    await rowA.locator(tid('status-revoke')).click();
    await office.page.locator(tid('revoke-confirm')).click();
    await rowA.locator(tid('status-revoked')).waitFor({ state: 'visible' });
    await addFigure(squadA.page, url, 'seed-target-wuding', '3202', '2020-07-01');
    const later = (await exportBundle(squadA.page)).file;
    await chooseImport(office.page, later);
    const error = office.page.locator(tid('import-error'));
    await error.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await readText(error), /挂失/);
    for (const s of sessions) s.assertNoErrors();
  } finally {
    for (const s of sessions) await s.close();
  }
});
