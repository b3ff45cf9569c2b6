// Self-test of the e2e machinery against a tiny stand-in app (not the real UI):
// Chromium launches through playwright-core, the app loads from the /duzhan/
// sub-path with a real wasm module (so the MIME type matters), openApp() waits
// for app-ready, IndexedDB survives reload in a context and not across contexts,
// saved() waits for a real save, and page errors are caught. If these fail, the
// problem is the harness or the machine, not the app.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer } from './server.mjs';
import {
  launch, launchPersistent, newSession, openApp, reloadApp, saved, readText, tid, gotoHash, BASE,
} from './harness.mjs';

// The stand-in app: fetches a wasm module with instantiateStreaming (fails unless
// served as application/wasm), keeps a counter in IndexedDB, shows app-ready only
// after storage has loaded, and reports saves through save-status.
const INDEX = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>stand-in</title>
<link rel="stylesheet" href="./style.css"><link rel="manifest" href="./manifest.webmanifest">
<link rel="icon" href="./icon.svg" type="image/svg+xml">
<script type="module" src="./app.js"></script></head>
<body><span data-testid="save-status" data-state="idle"></span><main id="main"></main></body></html>`;

const APP = `
const db = await new Promise((resolve, reject) => {
  const req = indexedDB.open('standin', 1);
  req.onupgradeneeded = () => req.result.createObjectStore('kv');
  req.onsuccess = () => resolve(req.result);
  req.onerror = () => reject(req.error);
});
const tx = (mode, f) => new Promise((resolve, reject) => {
  const t = db.transaction('kv', mode); const r = f(t.objectStore('kv'));
  t.oncomplete = () => resolve(r.result); t.onerror = () => reject(t.error);
});
await WebAssembly.instantiateStreaming(fetch('./tiny_bg.wasm'));
await new Promise((r) => setTimeout(r, 300)); // app-ready must be waited for
let count = (await tx('readonly', (s) => s.get('count'))) ?? 0;
const status = document.querySelector('[data-testid="save-status"]');
const main = document.getElementById('main');
function render() {
  main.innerHTML = '<div data-testid="app-ready"><p data-testid="count">' + count + '</p>' +
    '<button data-testid="inc">+1</button><p data-testid="view">' + location.hash + '</p></div>';
  main.querySelector('[data-testid="inc"]').onclick = async () => {
    count += 1; render();
    status.dataset.state = 'saving';
    await new Promise((r) => setTimeout(r, 400));
    await tx('readwrite', (s) => s.put(count, 'count'));
    status.dataset.state = 'saved';
  };
  if (location.hash === '#/boom') console.error('boom from the stand-in');
  if (location.hash === '#/throw') setTimeout(() => { throw new Error('thrown from the stand-in'); });
}
addEventListener('hashchange', render);
render();
`;

let tmp, dist, app, browser;

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'duzhan-standin-'));
  dist = path.join(tmp, 'dist');
  await fsp.mkdir(dist);
  await fsp.writeFile(path.join(dist, 'index.html'), INDEX);
  await fsp.writeFile(path.join(dist, 'app.js'), APP);
  await fsp.writeFile(path.join(dist, 'style.css'), 'body { font-family: sans-serif }');
  await fsp.writeFile(path.join(dist, 'manifest.webmanifest'), '{"name":"stand-in","start_url":"./"}');
  await fsp.writeFile(path.join(dist, 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>');
  await fsp.writeFile(path.join(dist, 'tiny_bg.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  app = await startServer({ root: dist, base: BASE });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await fsp.rm(tmp, { recursive: true, force: true });
});

test('Chromium from /usr/bin/chromium launches headless through playwright-core', async () => {
  assert.match(browser.version(), /^\d+\./);
});

test('openApp waits for app-ready; every request is under /duzhan/ and succeeds', async () => {
  const s = await newSession(browser);
  try {
    await openApp(s.page, app.url);
    assert.equal(await s.page.locator(tid('app-ready')).count(), 1);
    const origin = new URL(app.url).origin;
    const reqs = s.network.requests.filter((r) => r.url.startsWith('http'));
    assert.ok(reqs.some((r) => r.url.endsWith('.wasm')), 'wasm was fetched');
    for (const r of reqs) {
      assert.ok(r.url.startsWith(origin + BASE), `request outside the sub-path: ${r.url}`);
      assert.equal(r.status, 200, `${r.url} -> ${r.status ?? r.failure}`);
    }
    s.assertNoErrors();
  } finally {
    await s.close();
  }
});

test('openApp waits past the note shown while a view\'s code is fetched, to the view', async () => {
  // Like the app on a first visit to a split view: app-ready holds only the
  // loading note for a while, then the view.
  await fsp.writeFile(path.join(dist, 'lazy.html'), `<!doctype html><main data-testid="app-ready"><section data-testid="view-loading">…</section></main>
<script>setTimeout(() => { document.querySelector('main').innerHTML = '<section data-testid="view-x">x</section>'; }, 800);</script>`);
  const s = await newSession(browser);
  try {
    await openApp(s.page, app.url + 'lazy.html');
    assert.equal(await s.page.locator(tid('view-x')).count(), 1, 'the view is there when openApp returns');
  } finally {
    await s.close();
  }
});

test('a fresh context starts empty; IndexedDB survives reload; saved() waits for the save', async () => {
  const a = await newSession(browser);
  const b = await newSession(browser);
  try {
    await openApp(a.page, app.url);
    assert.equal(await readText(a.page.locator(tid('count'))), '0');
    const result = await saved(a.page, () => a.page.locator(tid('inc')).click());
    assert.equal(result, 'saved');
    await saved(a.page, () => a.page.locator(tid('inc')).click()); // saved -> saving -> saved
    await reloadApp(a.page);
    assert.equal(await readText(a.page.locator(tid('count'))), '2');

    await openApp(b.page, app.url);
    assert.equal(await readText(b.page.locator(tid('count'))), '0', 'contexts do not share storage');
    a.assertNoErrors();
    b.assertNoErrors();
  } finally {
    await a.close();
    await b.close();
  }
});

test('saved() fails when the action saves nothing', async () => {
  const s = await newSession(browser);
  try {
    await openApp(s.page, app.url);
    await saved(s.page, () => s.page.locator(tid('inc')).click());
    await assert.rejects(saved(s.page, async () => {}, { timeout: 1500 }), /save did not finish/);
    assert.equal(await saved(s.page, async () => {}, { optional: true, graceMs: 500 }), 'unchanged');
  } finally {
    await s.close();
  }
});

test('a reload keeps the hash route', async () => {
  const s = await newSession(browser);
  try {
    await openApp(s.page, app.url + '#/settings');
    await gotoHash(s.page, '#/milestones');
    await reloadApp(s.page);
    assert.equal(await readText(s.page.locator(tid('view'))), '#/milestones');
    s.assertNoErrors();
  } finally {
    await s.close();
  }
});

test('console.error and uncaught exceptions are collected', async () => {
  const s = await newSession(browser);
  try {
    await openApp(s.page, app.url + '#/boom');
    await gotoHash(s.page, '#/throw');
    await s.page.waitForTimeout(200);
    assert.throws(() => s.assertNoErrors(), /boom from the stand-in[\s\S]*thrown from the stand-in/);
  } finally {
    await s.close();
  }
});

test('a 404 asset is caught by the error collector and the network record', async () => {
  const s = await newSession(browser);
  try {
    await openApp(s.page, app.url);
    await s.page.evaluate(() => {
      const l = document.createElement('link');
      l.rel = 'stylesheet';
      l.href = './missing.css';
      document.head.append(l);
    });
    await s.page.waitForFunction(() => [...document.styleSheets].length >= 1);
    await s.page.waitForTimeout(300);
    assert.ok(s.network.requests.some((r) => r.url.endsWith('/duzhan/missing.css') && r.status === 404));
    assert.throws(() => s.assertNoErrors(), /404/);
  } finally {
    await s.close();
  }
});

test('a page without an icon makes Chromium ask for /favicon.ico at the root: noted, not failed', async () => {
  await fsp.writeFile(path.join(dist, 'noicon.html'), '<!doctype html><div data-testid="app-ready"><p>ok</p></div>');
  // A browser of its own: Chromium asks for an undeclared favicon once per browser process.
  const s = await launchPersistent();
  try {
    await openApp(s.page, app.url + 'noicon.html');
    await s.page.waitForLoadState('networkidle');
    await s.page.waitForTimeout(1000);
    s.assertNoErrors();
    assert.ok(s.errors.ignored.some((e) => e.includes('/favicon.ico')), 'root favicon request recorded as ignored');
  } finally {
    await s.close();
  }
});

test('the app also loads from a deeper sub-path', async () => {
  const deep = await startServer({ root: dist, base: '/field/duzhan/' });
  const s = await newSession(browser);
  try {
    await openApp(s.page, deep.url);
    s.assertNoErrors();
  } finally {
    await s.close();
    await deep.close();
  }
});

test('launchPersistent keeps IndexedDB in its own profile directory across a browser restart', async () => {
  let s = await launchPersistent();
  const dir = s.dir;
  try {
    await openApp(s.page, app.url);
    await saved(s.page, () => s.page.locator(tid('inc')).click());
    // Close only the browser, keep the profile directory, then reopen it.
    await s.context.close();
    const { chromium } = await import('playwright-core');
    const { CHROMIUM, CHROMIUM_ARGS } = await import('./harness.mjs');
    const ctx = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS] });
    try {
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      await openApp(page, app.url);
      assert.equal(await readText(page.locator(tid('count'))), '1');
    } finally {
      await ctx.close();
    }
  } finally {
    await s.close();
    await assert.rejects(fsp.access(dir), 'profile directory removed');
  }
});
