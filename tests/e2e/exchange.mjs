// What the sync specs do as a user: name a device, edit, export a bundle file
// (really downloaded), choose files to import, confirm, and read the results.
// Shared by sync.test.mjs and batch.test.mjs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gotoHash, saved, readText, tid, newSession, openApp } from './harness.mjs';

/**
 * Devices for one test: each a separate browser context with the app open and
 * named. `device(name)` makes one; `sessions` are all made, to check and close.
 */
export function devices(browser, url) {
  const sessions = [];
  const device = async (name) => {
    const s = await newSession(browser);
    sessions.push(s);
    await openApp(s.page, url);
    await nameDevice(s.page, name);
    return s;
  };
  return { device, sessions };
}

export async function nameDevice(page, name) {
  await page.locator(tid('first-run-banner')).waitFor({ state: 'visible' });
  await page.locator(tid('first-run-name')).fill(name);
  await saved(page, () => page.locator(tid('first-run-save')).click());
}

export async function addFigure(page, url, targetId, value, date) {
  await gotoHash(page, `#/targets/${targetId}`);
  await page.locator(tid('target-detail')).waitFor({ state: 'visible' });
  await page.locator(tid('figure-value')).fill(value);
  await page.locator(tid('figure-date')).fill(date);
  await saved(page, () => page.locator(tid('figure-add')).click());
}

/** Exports from the sync view and returns the downloaded file's path and name. */
export async function exportBundle(page, { scope = 'full', passphrase = '', recordsOnly = false } = {}) {
  await gotoHash(page, '#/sync');
  await page.locator(tid('export-scope')).selectOption(scope);
  await page.locator(tid('export-records-only')).setChecked(recordsOnly);
  if (passphrase) {
    await page.locator(tid('export-passphrase')).fill(passphrase);
    await page.locator(tid('export-passphrase-again')).fill(passphrase);
  }
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.locator(tid('export-run')).click()]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duzhan-bundle-'));
  const file = path.join(dir, download.suggestedFilename());
  await download.saveAs(file);
  await page.locator(tid('export-result')).waitFor({ state: 'visible' });
  return { file, name: download.suggestedFilename() };
}

/** Chooses a file in the import panel and waits for the preview (or an error). */
export async function chooseImport(page, file) {
  await gotoHash(page, '#/sync');
  await page.locator(tid('import-file')).setInputFiles(file);
}

export async function confirmImport(page) {
  await page.locator(tid('import-preview')).waitFor({ state: 'visible', timeout: 30_000 });
  await saved(page, () => page.locator(tid('import-confirm')).click());
  await page.locator(tid('import-result')).waitFor({ state: 'visible' });
}

/** How many times the page read and checked a chosen file (the app's User Timing marks). */
export const checkedReads = (page) => page.evaluate(() => performance.getEntriesByName('duzhan:import-checked').length);

export async function stateHash(page) {
  await gotoHash(page, '#/settings');
  return readText(page.locator(tid('state-hash')));
}

export async function tableText(page) {
  await gotoHash(page, '#/table');
  await page.locator(tid('supervision-table')).waitFor({ state: 'visible' });
  return (await page.locator(tid('supervision-table')).textContent()).replace(/\s+/g, ' ');
}

