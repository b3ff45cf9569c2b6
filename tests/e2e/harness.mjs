// Helpers for the end-to-end specs: Debian's Chromium driven by playwright-core
// (never a downloaded browser), the built app served by ./server.mjs under a
// sub-path, and a page-error collector that fails the test.
//
// Typical spec:
//   const app = await startApp();             // serves dist/ at http://127.0.0.1:<port>/duzhan/
//   const browser = await launch();
//   const s = await newSession(browser);      // fresh context = fresh profile (own IndexedDB)
//   await openApp(s.page, app.url + '#/table');
//   ...
//   s.assertNoErrors(); await s.close(); await browser.close(); await app.close();
// or simply use `appSuite()` which wires all of that into node:test.

import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after, test } from 'node:test';
import { chromium } from 'playwright-core';
import { startServer } from './server.mjs';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// DUZHAN_DIST points the specs at another build (default: <repo>/dist).
export const DIST = path.resolve(process.env.DUZHAN_DIST ?? path.join(REPO_ROOT, 'dist'));
export const BASE = '/duzhan/';
export const CHROMIUM = process.env.DUZHAN_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = path.join(REPO_ROOT, 'test-results');

// Flags checked on the project machines (as root, closed network): no sandbox,
// no GPU, and no background traffic (update checks, sync, QUIC probes).
export const CHROMIUM_ARGS = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
]);

/** How long to wait for the app to load or a save to finish (ms). */
export const TIMEOUT = Number(process.env.DUZHAN_E2E_TIMEOUT ?? 15_000);

/** CSS selector for a `data-testid`. */
export const tid = (id) => `[data-testid="${id}"]`;

function launchOptions(extra = {}) {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: run 'bash scripts/setup.sh' (installs Debian's chromium).`);
  }
  return { executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS], timeout: 60_000, ...extra };
}

/** Starts headless Chromium. Each `newSession(browser)` then gets a fresh profile. */
export async function launch() {
  return chromium.launch(launchOptions());
}

/**
 * A browser profile on disk (new temporary user-data-dir), for specs that need the
 * data to survive a browser restart. Returns a session like `newSession`, plus `dir`.
 * (A normal context already keeps IndexedDB across page.reload(); prefer newSession.)
 */
export async function launchPersistent() {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'duzhan-profile-'));
  const context = await chromium.launchPersistentContext(dir, launchOptions());
  const page = context.pages()[0] ?? (await context.newPage());
  const session = wrapSession(context, page);
  const close = session.close;
  session.dir = dir;
  session.close = async () => {
    await close();
    await fsp.rm(dir, { recursive: true, force: true });
  };
  return session;
}

/** A fresh context (empty IndexedDB/localStorage) with one page and an error collector. */
export async function newSession(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  return wrapSession(context, page);
}

function wrapSession(context, page) {
  context.setDefaultTimeout(TIMEOUT);
  const errors = collectErrors(page);
  const network = recordNetwork(page);
  return {
    context,
    page,
    errors,
    network,
    assertNoErrors: () => errors.assertNone(),
    close: async () => {
      await context.close().catch(() => {});
    },
  };
}

/** True for `<origin>/favicon.ico`, the icon Chromium requests when a page names none. */
export function isRootFavicon(url) {
  try {
    return new URL(url).pathname === '/favicon.ico';
  } catch {
    return false;
  }
}

/**
 * Records every `console.error` and uncaught exception (`pageerror`) of the page.
 * `assertNone()` throws listing them. Failed resource loads (404 ...) show up as
 * console errors in Chromium, so they fail the test too.
 */
export function collectErrors(page) {
  const list = [];
  const ignored = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const loc = msg.location();
      const text = `console.error: ${msg.text()}${loc?.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`;
      // Chromium asks the server root for /favicon.ico when a page declares no icon.
      // That is not the app's doing at run time; the sub-path spec checks it on its own.
      if (isRootFavicon(loc?.url)) ignored.push(text);
      else list.push(text);
    }
  });
  page.on('pageerror', (err) => list.push(`pageerror: ${err.stack || err.message || err}`));
  page.on('crash', () => list.push('page crashed'));
  return {
    list,
    ignored,
    assertNone() {
      if (list.length) throw new Error(`page reported ${list.length} error(s):\n  ${list.join('\n  ')}`);
    },
  };
}

/** Every request the page made: `{url, method, status}` or `{url, method, failure}`. */
export function recordNetwork(page) {
  const requests = [];
  const byRequest = new Map();
  page.on('request', (req) => {
    const entry = { url: req.url(), method: req.method(), status: null };
    byRequest.set(req, entry);
    requests.push(entry);
  });
  page.on('response', (res) => {
    const entry = byRequest.get(res.request());
    if (entry) entry.status = res.status();
  });
  page.on('requestfailed', (req) => {
    const entry = byRequest.get(req);
    // Chromium aborts the body of a failed subresource (404 ...): keep its status.
    if (entry && entry.status === null) entry.failure = req.failure()?.errorText ?? 'failed';
  });
  return { requests };
}

/** Navigates to `url` and waits until the app has loaded its storage (`app-ready`). */
export async function openApp(page, url, { timeout = TIMEOUT } = {}) {
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await waitReady(page, { timeout });
}

/**
 * Waits for `[data-testid="app-ready"]` to be in the DOM and to show something
 * other than the note shown while a view's code is fetched (src/ui/split.rs): the
 * view, or the note shown while field records are read.
 */
export async function waitReady(page, { timeout = TIMEOUT } = {}) {
  await page.locator(tid('app-ready')).first().waitFor({ state: 'attached', timeout });
  await page.locator(`${tid('app-ready')} > :not(${tid('view-loading')})`).first().waitFor({ state: 'attached', timeout });
}

/**
 * Waits until the app has fetched every view's code in the background (it does so
 * once the records are read; src/ui/split.rs): the end of a complete online visit.
 */
export async function waitViewsLoaded(page, { timeout = TIMEOUT * 2 } = {}) {
  await page.waitForFunction(() => performance.getEntriesByName('duzhan:views-loaded').length > 0, null, { timeout });
}

/** Reloads the page and waits for the app to be ready again. */
export async function reloadApp(page, { timeout = TIMEOUT } = {}) {
  await page.reload({ waitUntil: 'domcontentloaded' });
  await waitReady(page, { timeout });
}

/** Goes to a view by its hash (e.g. '#/milestones') within the loaded app. */
export async function gotoHash(page, hash) {
  await page.evaluate((h) => {
    location.hash = h;
  }, hash);
  await page.waitForFunction((h) => location.hash === h, hash);
}

const SAVE = tid('save-status');

/** Current `data-state` of save-status (idle|saving|saved|error), or null. */
export async function saveState(page) {
  return page.evaluate((sel) => document.querySelector(sel)?.getAttribute('data-state') ?? null, SAVE);
}

async function armSaveWatch(page) {
  await page.evaluate((sel) => {
    const w = (window.__duzhanSaveWatch ??= {});
    w.observer?.disconnect();
    w.seen = [];
    const el = () => document.querySelector(sel);
    w.before = el()?.getAttribute('data-state') ?? null;
    w.last = w.before;
    // Records each change of state. Re-setting the same value or re-rendering the
    // element with the same state is not a change.
    w.observer = new MutationObserver((records) => {
      const cur = el();
      const state = cur?.getAttribute('data-state') ?? null;
      for (const r of records) {
        if (r.type === 'attributes' && r.target === cur && r.oldValue !== state) w.seen.push(r.oldValue);
      }
      if (state !== w.last) w.seen.push(state);
      w.last = state;
    });
    w.observer.observe(document.documentElement, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-state'],
      attributeOldValue: true,
    });
  }, SAVE);
}

/**
 * Runs `action` (an edit) and waits until the app reports that edit saved:
 * save-status must change after the action (or not have been "saved" before it)
 * and end at data-state="saved". Throws on data-state="error".
 * With `{ optional: true }`, an action that never touches save-status within
 * `graceMs` (e.g. a setting kept synchronously) is accepted.
 */
export async function saved(page, action, { timeout = TIMEOUT, optional = false, graceMs = 1500 } = {}) {
  await waitNotSaving(page, { timeout });
  await armSaveWatch(page);
  await action();
  if (optional) {
    const touched = await page
      .waitForFunction(() => window.__duzhanSaveWatch.seen.length > 0, null, { timeout: graceMs })
      .then(() => true, () => false);
    if (!touched) return 'unchanged';
  }
  let result;
  try {
    const handle = await page.waitForFunction(
      (sel) => {
        const w = window.__duzhanSaveWatch;
        const state = document.querySelector(sel)?.getAttribute('data-state') ?? null;
        if (state === 'error' || w.seen.includes('error')) return 'error';
        return state === 'saved' && (w.seen.length > 0 || w.before !== 'saved') ? 'saved' : false;
      },
      SAVE,
      { timeout },
    );
    result = await handle.jsonValue();
  } catch (err) {
    throw new Error(`save did not finish (save-status data-state is "${await saveState(page)}"): ${err.message}`);
  }
  if (result === 'error') throw new Error('save-status reported data-state="error"');
  return result;
}

/** Waits while save-status says "saving" (so a reload cannot cut a save short). */
export async function waitNotSaving(page, { timeout = TIMEOUT } = {}) {
  await page.waitForFunction(
    (sel) => document.querySelector(sel)?.getAttribute('data-state') !== 'saving',
    SAVE,
    { timeout },
  );
}

/**
 * Retries `check` (which throws on failure, e.g. with assert) until it passes or
 * `timeout` ms have passed; then rethrows its last error. Returns check's result.
 */
export async function eventually(check, { timeout = TIMEOUT, interval = 100 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, interval));
    }
  }
}

/** Text of an element: the value for form fields, else trimmed text with spaces collapsed. */
export async function readText(locator) {
  return locator.evaluate((el) =>
    el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement
      ? el.value
      : (el.textContent ?? '').replace(/\s+/g, ' ').trim(),
  );
}

/** Serves dist/ (which `trunk build --release` produced) under /duzhan/ on a free port. */
export async function startApp({ root = DIST, base = BASE } = {}) {
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    throw new Error(`${root}/index.html not found: run 'trunk build --release' first (scripts/test.sh does).`);
  }
  return startServer({ root, base, port: 0 });
}

async function saveArtifacts(page, name) {
  try {
    await fsp.mkdir(ARTIFACTS, { recursive: true });
    const slug = name.replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-|-$/g, '').slice(0, 80);
    await page.screenshot({ path: path.join(ARTIFACTS, `${slug}.png`), fullPage: true });
    await fsp.writeFile(path.join(ARTIFACTS, `${slug}.html`), await page.content());
    return path.join(ARTIFACTS, slug);
  } catch {
    return null;
  }
}

/**
 * Wires a spec file into node:test: one server on dist/ and one browser for the
 * file, a fresh context per test, the error collector checked after each test,
 * and a screenshot + HTML in test-results/ when a test fails.
 *
 *   const { appTest } = appSuite();
 *   appTest('does a thing', async ({ page, url, session }) => { ... });
 */
export function appSuite({ root = DIST, base = BASE } = {}) {
  const ctx = { app: null, browser: null };
  before(async () => {
    ctx.app = await startApp({ root, base });
    ctx.browser = await launch();
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.app?.close();
  });
  function appTest(name, fn, options = {}) {
    test(name, { timeout: 120_000, ...options }, async (t) => {
      const session = await newSession(ctx.browser);
      try {
        await fn({ page: session.page, url: ctx.app.url, session, browser: ctx.browser, t });
        session.assertNoErrors();
      } catch (err) {
        const where = await saveArtifacts(session.page, name);
        if (where) err.message += `\n  (screenshot and HTML: ${where}.png/.html)`;
        if (session.errors.list.length) err.message += `\n  page errors:\n    ${session.errors.list.join('\n    ')}`;
        throw err;
      } finally {
        await session.close();
      }
    });
  }
  return { appTest, ctx };
}
