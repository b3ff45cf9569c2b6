// Code splitting (src/ui/split.rs, scripts/split.mjs): the first view is in the
// first load; every other view, and the export, load their code on first use.
// These specs check what a user would notice: the 督战表 opens without any split
// code, a view's code is fetched when it is needed (and ahead of time once the
// records are in), and a view whose code cannot be fetched says so in Chinese
// without taking the app down — and opens once the code can be fetched again.
// (Offline use of every view after one visit: offline.test.mjs.)
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appSuite, collectErrors, gotoHash, openApp, readText, recordNetwork, startApp, tid, DIST, TIMEOUT, waitViewsLoaded } from './harness.mjs';
import { postBuild } from '../../scripts/postbuild.mjs';

const { appTest } = appSuite();

/** The split parts of the build: `duzhan-<hash>.split_<group>.wasm`, `….chunk_<n>.wasm`. */
const SPLIT_WASM = /\.(split_[a-z_]+|chunk_\d+)\.wasm$/;
const isSplit = (url) => SPLIT_WASM.test(new URL(url).pathname);

appTest('once the records are read, every view\'s code is fetched in the background, each file once; opening views then fetches nothing', async ({ browser, url }) => {
  // No service worker: every fetch is seen here (the worker would serve its cache).
  const context = await browser.newContext({ serviceWorkers: 'block' });
  try {
    const page = await context.newPage();
    const errors = collectErrors(page);
    const network = recordNetwork(page);
    await openApp(page, `${url}#/table`);
    await page.locator(tid('view-table')).waitFor();
    // The table is complete: the plan's 11 rows (7 counties; foundation.test.mjs checks their content).
    assert.equal(await page.locator(tid('table-row')).count(), 11);
    // Once the records are read, the app fetches every group in the background…
    await waitViewsLoaded(page);
    const fetched = network.requests.filter((r) => isSplit(r.url));
    assert.ok(fetched.length >= 5, `the split groups and their shared chunks are fetched (got ${fetched.length})`);
    const names = fetched.map((r) => new URL(r.url).pathname);
    assert.equal(new Set(names).size, names.length, `each split file is fetched once: ${names.join(', ')}`);
    for (const r of fetched) assert.equal(r.status, 200, `${r.url}: ${r.failure ?? r.status}`);
    // …so that opening a view fetches nothing more.
    const before = network.requests.length;
    await page.locator(tid('nav-ledger')).click();
    await page.locator(tid('view-ledger')).waitFor();
    await page.locator(tid('nav-reports')).click();
    await page.locator(tid('view-reports')).waitFor();
    assert.deepEqual(network.requests.slice(before).filter((r) => isSplit(r.url)), []);
    errors.assertNone();
  } finally {
    await context.close();
  }
});

appTest('a view whose code cannot be fetched says so in Chinese; the 督战表 keeps working, and the view opens once the code can be fetched', async ({ browser, url }) => {
  // As if the server had been updated while the page was open (the old build's
  // split files are gone) and no service worker held them.
  const context = await browser.newContext({ serviceWorkers: 'block' });
  try {
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.route(SPLIT_WASM, (route) => route.abort('connectionrefused'));
    await openApp(page, `${url}#/table`);
    await page.locator(tid('view-table')).waitFor();

    await gotoHash(page, '#/milestones');
    const failed = page.locator(tid('chunk-error'));
    await failed.waitFor();
    const text = await readText(failed);
    assert.match(text, /程序文件未能载入/);
    assert.match(text, /联网后刷新页面/, 'it says what to do');
    assert.match(text, /已保存的数据不受影响/, 'and that nothing saved is lost');

    // The export's code is split too: a clear message, nothing downloaded.
    await gotoHash(page, '#/table');
    await page.locator(tid('view-table')).waitFor();
    await page.locator(tid('export-csv-table')).click();
    const status = page.locator(tid('export-status-table'));
    await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.state === 'error', `[data-testid="export-status-table"]`);
    assert.match(await readText(status), /导出功能的程序文件未能载入/);

    // The app is alive: the table still works and saves.
    assert.equal(await page.locator(tid('table-row')).count(), 11);

    // The files are back: the next visit fetches them (a failure is not remembered).
    await page.unroute(SPLIT_WASM);
    await gotoHash(page, '#/milestones');
    await page.locator(tid('view-milestones')).waitFor();
    await gotoHash(page, '#/settings');
    await page.locator(tid('view-settings')).waitFor();

    // Gone again: the message's button reloads the page, which then opens the view.
    await page.route(SPLIT_WASM, (route) => route.abort('connectionrefused'));
    await gotoHash(page, '#/ledger');
    await failed.waitFor();
    await page.unroute(SPLIT_WASM);
    await page.locator(tid('chunk-reload')).click();
    await page.locator(tid('view-ledger')).waitFor();

    // Chromium logs the refused fetches, and the loader its rejected promise: expected
    // here. Anything else fails the test.
    const unexpected = errors.list.filter((e) => !/Failed to load resource|Failed to fetch|net::ERR_CONNECTION_REFUSED|split_views|chunk_\d+/.test(e));
    assert.deepEqual(unexpected, []);
  } finally {
    await context.close();
  }
});

/**
 * Deploys "a new build" over the build in `root`: every file of the app's stem
 * (`duzhan-<hash>.*`) under another hash, the old files gone, the references,
 * integrity hashes, CSP and service worker rewritten as the build would. Returns
 * the new split loader's href (what names the build in index.html).
 */
function deployNewBuild(root) {
  const glue = fs.readdirSync(root).find((n) => /^duzhan-[0-9a-f]+\.js$/.test(n));
  const stem = glue.slice(0, -3);
  const next = `duzhan-${createHash('sha256').update(stem).digest('hex').slice(0, 16)}`;
  for (const n of fs.readdirSync(root).filter((n) => n.startsWith(stem))) {
    const to = path.join(root, next + n.slice(stem.length));
    fs.renameSync(path.join(root, n), to);
    // Module specifiers only: the import object keeps the wasm's own module name (`<stem>_bg.js`).
    if (n.endsWith('.js')) fs.writeFileSync(to, fs.readFileSync(to, 'utf8').replace(new RegExp(`${stem}(?!_bg\\.js)`, 'g'), next));
  }
  let html = fs.readFileSync(path.join(root, 'index.html'), 'utf8').split(stem).join(next);
  html = html.replace(/href="\.\/([^"]+)"([^>]*?)integrity="[^"]*"/g, (_, file, between) => {
    const sri = createHash('sha384').update(fs.readFileSync(path.join(root, file))).digest('base64');
    return `href="./${file}"${between}integrity="sha384-${sri}"`;
  });
  fs.writeFileSync(path.join(root, 'index.html'), html);
  postBuild(root);
  return `./${next}.split.js`;
}

appTest('a page left open across a deployment reloads itself into the new build when a view’s code is gone, and opens the view', async ({ browser }) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'duzhan-dist-'));
  fs.cpSync(DIST, root, { recursive: true });
  const app = await startApp({ root });
  // No service worker: it would hold the old build's parts (offline.test.mjs).
  const context = await browser.newContext({ serviceWorkers: 'block' });
  try {
    const page = await context.newPage();
    const errors = collectErrors(page);
    // The background preload must not fetch the parts before the deployment.
    await page.route(SPLIT_WASM, (route) => route.abort('connectionrefused'));
    await openApp(page, `${app.url}#/table`);
    await page.locator(tid('view-table')).waitFor();
    const ownBuild = () => document.querySelector('link[href$=".split.js"]')?.getAttribute('href');
    const before = await page.evaluate(ownBuild);
    await page.evaluate(() => (window.__oldPage = true));

    const after = deployNewBuild(root);
    assert.notEqual(after, before);
    await page.unroute(SPLIT_WASM);
    await gotoHash(page, '#/milestones');
    await page.waitForFunction((b) => document.querySelector('link[href$=".split.js"]')?.getAttribute('href') === b, after, { timeout: TIMEOUT * 2 });
    await page.locator(tid('view-milestones')).waitFor({ timeout: TIMEOUT * 2 });
    assert.equal(await page.evaluate(() => window.__oldPage), undefined, 'the page was reloaded');
    assert.equal(await page.evaluate(() => location.hash), '#/milestones', 'onto the view that was asked for');
    assert.equal(await page.locator(tid('table-row')).count(), 0);
    await gotoHash(page, '#/table');
    assert.equal(await page.locator(tid('table-row')).count(), 11, 'the data is all there');
    // The old page's refused and missing parts are logged by the browser: expected.
    const unexpected = errors.list.filter((e) => !/Failed to load resource|Failed to fetch|net::ERR_CONNECTION_REFUSED|HTTP status code is not ok|split_views|chunk_\d+/.test(e));
    assert.deepEqual(unexpected, []);
  } finally {
    await context.close();
    await app.close();
  }
});
