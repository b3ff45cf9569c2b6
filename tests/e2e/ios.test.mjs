// What iOS does differently, as far as Chromium can be made to look like it:
// `navigator.standalone` (only Safari on iOS has it: true in a Home Screen app,
// false in a Safari tab) is defined before the app's scripts run, and in the Home
// Screen case `navigator.canShare`/`navigator.share` are replaced by a recorder,
// since no engine here has a share sheet. What this proves: the app picks the
// share sheet over `<a download>` in a Home Screen app and hands it the whole
// file; in a Safari tab it says to install first. The real sheet is checked by
// hand on an iPad (docs/deploy.md, check-list item 4).
import assert from 'node:assert/strict';
import { appSuite, gotoHash, openApp, readText, reloadApp, tid } from './harness.mjs';

const { appTest } = appSuite();

/** Makes the page look like Safari on iOS; `share`: a recorder for the share sheet. */
async function asIos(context, { standalone, share = false }) {
  await context.addInitScript(
    ([standalone, share]) => {
      Object.defineProperty(Navigator.prototype, 'standalone', { configurable: true, get: () => standalone });
      window.__shared = [];
      window.__downloads = 0;
      const click = HTMLAnchorElement.prototype.click;
      HTMLAnchorElement.prototype.click = function () {
        if (this.download) window.__downloads += 1;
        return click.call(this);
      };
      if (share) {
        navigator.canShare = (data) => Array.isArray(data?.files) && data.files.every((f) => f instanceof File);
        navigator.share = async (data) => {
          const f = data.files[0];
          window.__shared.push({ count: data.files.length, name: f.name, type: f.type, text: await f.text() });
        };
      }
    },
    [standalone, share],
  );
}

appTest('in a Safari tab on iOS the home view says to install the app first and to move data by a bundle, until dismissed', async ({ page, url, session }) => {
  await asIos(session.context, { standalone: false });
  await openApp(page, `${url}#/table`);
  const hint = page.locator(tid('install-hint'));
  await hint.waitFor();
  const text = await readText(hint);
  assert.match(text, /添加到主屏幕/);
  assert.match(text, /导出数据包/, 'it says how to move what was entered here');
  await page.locator(tid('install-hint-dismiss')).click();
  await hint.waitFor({ state: 'detached' });
  await reloadApp(page);
  await page.locator(tid('view-table')).waitFor();
  assert.equal(await hint.count(), 0, 'dismissed for good');
});

appTest('elsewhere (not iOS, or the Home Screen app) there is no install hint', async ({ page, url, session }) => {
  await openApp(page, `${url}#/table`);
  await page.locator(tid('view-table')).waitFor();
  assert.equal(await page.locator(tid('install-hint')).count(), 0);
  const other = await session.context.newPage();
  await asIos(session.context, { standalone: true });
  await openApp(other, `${url}#/table`);
  await other.locator(tid('view-table')).waitFor();
  assert.equal(await other.locator(tid('install-hint')).count(), 0);
  await other.close();
});

appTest('in a Home Screen app on iOS an export goes to the share sheet, whole, instead of a download that would strand the user', async ({ page, url, session }) => {
  await asIos(session.context, { standalone: true, share: true });
  await openApp(page, `${url}#/sync`);
  await page.locator(tid('export-scope')).selectOption('full');
  await page.locator(tid('export-run')).click();
  await page.locator(tid('export-result')).waitFor({ state: 'visible' });
  const bar = page.locator(tid('share-ready'));
  await bar.waitFor();
  const name = (await readText(page.locator(tid('export-result')))).match(/duzhan[^\s（(]*\.json/)?.[0];
  assert.ok(name, 'the result names the file');
  assert.match(await readText(bar), new RegExp(name.replace(/\./g, '\\.')));
  assert.equal(await page.evaluate(() => window.__downloads), 0, 'no <a download>');
  await page.locator(tid('share-open')).click();
  await bar.waitFor({ state: 'detached' });
  const shared = await page.evaluate(() => window.__shared);
  assert.equal(shared.length, 1);
  assert.equal(shared[0].count, 1);
  assert.equal(shared[0].name, name);
  assert.equal(shared[0].type, 'application/json');
  const bundle = JSON.parse(shared[0].text);
  assert.equal(bundle.campaign_id, 'seed-campaign-2020', 'the bundle itself, parsed back');
  assert.match(bundle.sha256, /^[0-9a-f]{64}$/);
  assert.ok(shared[0].text.length > 10_000, `the whole bundle (${shared[0].text.length} chars)`);

  // The 督战表's CSV too; closing the bar drops the file.
  await gotoHash(page, '#/table');
  await page.locator(tid('export-csv-table')).click();
  await bar.waitFor();
  assert.match(await readText(bar), /\.csv/);
  await page.locator(tid('share-close')).click();
  await bar.waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => window.__shared.length), 1);
  assert.equal(await page.evaluate(() => window.__downloads), 0);
});

appTest('a Home Screen app whose browser cannot share files still downloads', async ({ page, url, session }) => {
  await asIos(session.context, { standalone: true, share: false });
  await openApp(page, `${url}#/table`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator(tid('export-csv-table')).click()]);
  assert.match(download.suggestedFilename(), /\.csv$/);
  assert.equal(await page.locator(tid('share-ready')).count(), 0);
});
