// Offline in WebKitGTK and Firefox ESR: after one online visit the service worker
// controls the page; with the server closed a reload still starts the app, shows
// the plan and saves. Each test runs once per engine of the run; see ./harness.mjs.
// The same in Chromium, with more views: ../e2e/offline.test.mjs.
import assert from 'node:assert/strict';
import http from 'node:http';
import { engineSuite, startApp, tid, TIMEOUT } from './harness.mjs';

const { engineTest } = engineSuite();

/** True when nothing answers at `url` any more. */
const serverGone = (url) =>
  new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(false);
    });
    req.on('error', () => resolve(true));
    req.setTimeout(3000, () => {
      req.destroy();
      resolve(true);
    });
  });

engineTest('the service worker takes over, and with the server gone a reload shows the data and a save works', async ({ s }) => {
  const app = await startApp(); // this test's own server, closed half-way
  try {
    await s.open(app.url);
    await s.until(() => navigator.serviceWorker?.controller?.state === 'activated', [], { timeout: TIMEOUT * 2, what: 'the service worker to control the page' });
    // The visit is complete once the app has also fetched every view's code (src/ui/split.rs).
    await s.until(() => performance.getEntriesByName('duzhan:views-loaded').length > 0, [], { timeout: TIMEOUT * 2, what: 'every view\'s code fetched' });
    await app.close();
    assert.ok(await serverGone(app.url), 'the server no longer answers');

    await s.reload();
    assert.equal(await s.eval(() => navigator.serviceWorker.controller !== null), true, 'the reloaded page is served by the service worker');
    await s.click(tid('nav-table'));
    await s.visible(tid('supervision-table'));
    assert.equal(await s.count(tid('table-row')), 11);
    assert.match(await s.text(tid('supervision-table')), /3071人/);

    // A view whose code is a split part, then an edit that must be stored offline.
    await s.gotoHash('#/targets/seed-target-nanhua');
    await s.visible(tid('target-detail'));
    await s.type(tid('figure-value'), '1100');
    await s.type(tid('figure-date'), '2020-07-31');
    await s.saved(() => s.click(tid('figure-add')));
    await s.reload();
    await s.visible(tid('target-detail'));
    assert.match(await s.text(tid('figure-latest')), /1100人/);
  } finally {
    await app.close().catch(() => {});
  }
});
