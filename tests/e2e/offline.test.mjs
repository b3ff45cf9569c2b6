// Offline for real: the service worker serves the app with the server gone, a new
// build is offered to an open tab and replaces the old cache, the strict CSP holds
// during normal use, and typed HTML/script is shown as text, never run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, newSession, openApp, reloadApp, gotoHash, saved, readText, tid, startApp, DIST, TIMEOUT } from './harness.mjs';
import { postBuild } from '../../scripts/postbuild.mjs';

/** A private copy of the build, so a test may change it (a "new version"). */
function copyDist() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duzhan-dist-'));
  fs.cpSync(DIST, dir, { recursive: true });
  return dir;
}

/** Records CSP violations and alert() calls in the page, from before any script runs. */
async function watchSecurity(context) {
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    window.alert = () => { window.__xss = (window.__xss ?? 0) + 1; };
  });
}

async function waitControlled(page) {
  await page.waitForFunction(() => navigator.serviceWorker?.controller != null, null, { timeout: TIMEOUT * 2 });
}

async function addFigure(page, targetId, value, date) {
  await gotoHash(page, `#/targets/${targetId}`);
  await page.locator(tid('target-detail')).waitFor({ state: 'visible' });
  await page.locator(tid('figure-value')).fill(value);
  await page.locator(tid('figure-date')).fill(date);
  await saved(page, () => page.locator(tid('figure-add')).click());
}

test('after one online visit the app starts, works and saves with the server gone', { timeout: 180_000 }, async () => {
  const root = copyDist();
  const app = await startApp({ root });
  const browser = await launch();
  const s = await newSession(browser);
  await watchSecurity(s.context);
  try {
    await openApp(s.page, app.url);
    await waitControlled(s.page);
    await app.close(); // no network at all from here on, for pages and the worker alike

    await reloadApp(s.page);
    for (const [nav, view] of [['nav-targets', 'view-targets'], ['nav-milestones', 'view-milestones'], ['nav-sync', 'view-sync'], ['nav-settings', 'view-settings'], ['nav-table', 'view-table']]) {
      await s.page.locator(tid(nav)).click();
      await s.page.locator(tid(view)).waitFor({ state: 'visible' });
    }
    await addFigure(s.page, 'seed-target-wuding', '2800', '2020-07-31');
    await reloadApp(s.page);
    await gotoHash(s.page, '#/targets/seed-target-wuding');
    assert.match(await readText(s.page.locator(tid('figure-latest'))), /2800人/);
    assert.deepEqual(await s.page.evaluate(() => window.__csp), [], 'CSP violations during normal use');
    s.assertNoErrors();
  } finally {
    await s.close();
    await browser.close();
    await app.close().catch(() => {});
  }
});

test('a new build is offered to an open tab; after reload only the new cache remains and nothing is lost', { timeout: 180_000 }, async () => {
  const root = copyDist();
  const app = await startApp({ root });
  const browser = await launch();
  const s = await newSession(browser);
  try {
    await openApp(s.page, app.url);
    await waitControlled(s.page);
    const oldKeys = await s.page.evaluate(() => caches.keys());
    assert.equal(oldKeys.length, 1);

    // Ship a new version: any change to any file makes a new service worker.
    const manifest = path.join(root, 'manifest.webmanifest');
    fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace('"display": "standalone"', '"display": "standalone", "orientation": "any"'));
    const { version } = postBuild(root);
    assert.ok(!oldKeys[0].endsWith(version));

    await addFigure(s.page, 'seed-target-nanhua', '1100', '2020-07-31');
    await s.page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r.update()));
    await s.page.locator(tid('update-ready')).waitFor({ state: 'visible', timeout: TIMEOUT * 2 });
    await Promise.all([s.page.waitForEvent('load'), s.page.locator(tid('update-reload')).click()]);
    await s.page.locator(tid('app-ready')).waitFor({ state: 'attached' });
    await s.page.waitForFunction((v) => caches.keys().then((k) => k.length === 1 && k[0].endsWith(v)), version, { timeout: TIMEOUT });
    await gotoHash(s.page, '#/targets/seed-target-nanhua');
    assert.match(await readText(s.page.locator(tid('figure-latest'))), /1100人/);
  } finally {
    await s.close();
    await browser.close();
    await app.close().catch(() => {});
  }
});

test('HTML and script typed into text fields are shown as text and never run', { timeout: 120_000 }, async () => {
  const app = await startApp();
  const browser = await launch();
  const s = await newSession(browser);
  await watchSecurity(s.context);
  const payloads = ['<img src=x onerror=alert(1)>', '<script>alert(2)</script>', '"><svg onload=alert(3)>', 'javascript:alert(4)'];
  try {
    await openApp(s.page, app.url);
    for (const p of payloads) {
      await gotoHash(s.page, '#/targets/new');
      await s.page.locator(tid('target-name-input')).fill(p);
      await s.page.locator(tid('target-township-input')).fill(p);
      await saved(s.page, () => s.page.locator(tid('target-save')).click());
      await s.page.locator(tid('target-detail')).waitFor({ state: 'visible' });
      assert.ok((await readText(s.page.locator(tid('target-name')))).includes(p), `name not shown literally: ${p}`);
      await s.page.locator(tid('assign-name-leader')).fill(p);
      await saved(s.page, () => s.page.locator(tid('assign-add-leader')).click());
    }
    await reloadApp(s.page);
    await gotoHash(s.page, '#/targets');
    await s.page.locator(tid('target-item')).first().waitFor({ state: 'visible' });
    assert.equal(await s.page.evaluate(() => window.__xss ?? 0), 0, 'a payload ran');
    assert.equal(await s.page.locator('img[src="x"], svg[onload]').count(), 0, 'a payload became markup');
    assert.deepEqual(await s.page.evaluate(() => window.__csp), []);
  } finally {
    await s.close();
    await browser.close();
    await app.close();
  }
});

test('an edit in one tab appears in the other, and the other tab\'s next save keeps it', { timeout: 120_000 }, async () => {
  const app = await startApp();
  const browser = await launch();
  const s = await newSession(browser);
  try {
    const a = s.page;
    const b = await s.context.newPage();
    await openApp(a, `${app.url}#/targets/seed-target-wuding`);
    await openApp(b, `${app.url}#/targets/seed-target-wuding`);
    await a.locator(tid('figure-value')).fill('2700');
    await a.locator(tid('figure-date')).fill('2020-08-31');
    await saved(a, () => a.locator(tid('figure-add')).click());
    await b.waitForFunction(() => document.querySelector('[data-testid="figure-latest"]')?.textContent.includes('2700'), null, { timeout: TIMEOUT });
    // B edits the same target afterwards: A's figure must survive B's save.
    await b.locator(tid('assign-name-leader')).fill('张三');
    await saved(b, () => b.locator(tid('assign-add-leader')).click());
    await reloadApp(a);
    await gotoHash(a, '#/table');
    const text = await a.locator(tid('supervision-table')).textContent();
    assert.match(text, /2700人/);
    assert.match(text, /张三/);
  } finally {
    await s.close();
    await browser.close();
    await app.close();
  }
});
