// The cross-engine end-to-end harness: the built app (dist/, served by
// ../e2e/server.mjs under /duzhan/) driven through WebDriver in WebKitGTK
// (Debian's /usr/bin/WebKitWebDriver, which drives MiniBrowser) and Firefox ESR
// (/usr/bin/firefox-esr through ~/.cargo/bin/geckodriver), with selenium-webdriver.
// No browser or driver is downloaded: both driver paths are explicit, and
// Selenium Manager is pointed at a path that does not exist, so reaching it
// throws instead of fetching anything.
//
// Each test gets a fresh profile: a new WebKit session (MiniBrowser in automation
// mode keeps its website data in memory, per session), or a new Firefox profile
// directory. WebKit needs a display: run under `xvfb-run -a` (scripts/test.sh
// section g does).
//
//   DUZHAN_ENGINES=webkit node --test --test-concurrency=1 tests/e2e-engines/
//
// Unlike playwright-core, classic WebDriver has no init script and no console
// events. The page-error collector and the download capture below are installed
// with executeScript once the app is loaded (after every load). In Firefox the
// WebDriver BiDi log also reports errors from the start of each load; in WebKit
// (no BiDi in WebKitWebDriver 2.50) an error before app-ready is not collected,
// but a start-up that fails never gets to app-ready either.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test, before, after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Builder, By } from 'selenium-webdriver';
import firefox from 'selenium-webdriver/firefox.js';
import remote from 'selenium-webdriver/remote/index.js';
import logInspector from 'selenium-webdriver/bidi/logInspector.js';
import { startServer } from '../e2e/server.mjs';

// Never Selenium Manager (it downloads drivers and browsers): with this path it throws.
process.env.SE_MANAGER_PATH = '/nonexistent/selenium-manager-must-not-run';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// DUZHAN_DIST points the specs at another build (default: <repo>/dist).
export const DIST = path.resolve(process.env.DUZHAN_DIST ?? path.join(REPO_ROOT, 'dist'));
export const BASE = '/duzhan/';
export const ARTIFACTS = path.join(REPO_ROOT, 'test-results');
/** How long to wait for the app to load or a save to finish (ms). */
export const TIMEOUT = Number(process.env.DUZHAN_E2E_TIMEOUT ?? 30_000);

export const WEBKIT_DRIVER = process.env.DUZHAN_WEBKITDRIVER ?? '/usr/bin/WebKitWebDriver';
export const MINIBROWSER = process.env.DUZHAN_MINIBROWSER ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
export const GECKODRIVER = process.env.DUZHAN_GECKODRIVER ?? path.join(os.homedir(), '.cargo/bin/geckodriver');
export const FIREFOX = process.env.DUZHAN_FIREFOX ?? '/usr/bin/firefox-esr';

export const ALL_ENGINES = Object.freeze(['webkit', 'firefox']);
/** The engines this run tests (DUZHAN_ENGINES=webkit,firefox; default both). */
export const ENGINES = (process.env.DUZHAN_ENGINES ?? ALL_ENGINES.join(','))
  .split(',')
  .map((e) => e.trim())
  .filter(Boolean);
for (const e of ENGINES) if (!ALL_ENGINES.includes(e)) throw new Error(`DUZHAN_ENGINES: unknown engine "${e}" (known: ${ALL_ENGINES})`);
export const otherEngine = (engine) => (engine === 'webkit' ? 'firefox' : 'webkit');

/** CSS selector for a `data-testid`. */
export const tid = (id) => `[data-testid="${id}"]`;

// ---- starting a browser -------------------------------------------------------------

function need(file, what) {
  if (!fs.existsSync(file)) throw new Error(`${file} not found (${what}): run 'bash scripts/setup.sh'.`);
}

/** The prefs the wasm browser tests give Firefox (storage prompt answered, no background traffic). */
function firefoxPrefs() {
  const json = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'tests/webdriver/firefox.json'), 'utf8'));
  return json['moz:firefoxOptions'].prefs;
}

async function startWebKit(downloadDir) {
  need(WEBKIT_DRIVER, 'Debian package webkit2gtk-driver');
  need(MINIBROWSER, 'MiniBrowser, from Debian package libwebkit2gtk-4.1-0');
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    throw new Error('WebKitGTK needs a display: run under xvfb-run -a (see scripts/test.sh section g).');
  }
  // MiniBrowser saves a download, unasked, in GLib's download directory, which is
  // $HOME when no user-dirs.dirs names one: HOME is this test's own directory.
  const service = new remote.DriverService.Builder(WEBKIT_DRIVER)
    .setLoopback(true)
    .setEnvironment({ ...process.env, HOME: downloadDir })
    .build();
  const server = await service.start(30_000);
  try {
    const driver = await new Builder()
      .usingServer(server)
      .withCapabilities({
        browserName: 'MiniBrowser',
        // Given args replace the driver's defaults: --automation must be listed.
        'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
      })
      .build();
    return { driver, stop: () => service.kill() };
  } catch (err) {
    await service.kill();
    throw err;
  }
}

async function startFirefox(profileDir, downloadDir) {
  need(GECKODRIVER, "geckodriver, built by 'cargo install geckodriver'");
  need(FIREFOX, 'Debian package firefox-esr');
  // BiDi for the log only (see Session.#launch); every command is classic WebDriver.
  const options = new firefox.Options().setBinary(FIREFOX).addArguments('-headless', '-profile', profileDir).enableBidi();
  const prefs = {
    ...firefoxPrefs(),
    // Downloads go, unasked, to this test's own directory.
    'browser.download.folderList': 2,
    'browser.download.dir': downloadDir,
    'browser.download.useDownloadDir': true,
    'browser.download.always_ask_before_handling_new_types': false,
    'browser.download.alwaysOpenPanel': false,
  };
  for (const [k, v] of Object.entries(prefs)) options.setPreference(k, v);
  const service = new firefox.ServiceBuilder(GECKODRIVER).build();
  const driver = await firefox.Driver.createSession(options, service);
  return { driver, stop: async () => {} }; // quit() stops geckodriver too
}

// ---- in-page hooks --------------------------------------------------------------------

// Installed after every load (idempotent). Collects uncaught errors, unhandled
// rejections and console.error; keeps every Blob given to URL.createObjectURL so
// that a download (<a download href=blob:…>.click(), src/ui/platform.rs and
// src/ui/export.rs) can be read back as bytes. The CSP's connect-src 'self' forbids
// fetch(blob:), hence the Blob itself. The click itself goes on as the app made it.
const HOOKS = `
if (!window.__e2e) {
  const e2e = (window.__e2e = { errors: [], downloads: [], blobs: new Map() });
  const text = (v) => (v instanceof Error ? v.name + ': ' + v.message + (v.stack ? ' @ ' + v.stack : '') : String(v));
  // Each error says where the app was (its view) and when (ms since the page loaded).
  const push = (what) => e2e.errors.push('[' + (location.hash || '#') + ' +' + Math.round(performance.now()) + 'ms] ' + what);
  addEventListener('error', (ev) => push('error: ' + (ev.error ? text(ev.error) : ev.message) + ' (' + ev.filename + ':' + ev.lineno + ')'));
  addEventListener('unhandledrejection', (ev) => push('unhandledrejection: ' + text(ev.reason)));
  const consoleError = console.error;
  console.error = function (...args) {
    push('console.error: ' + args.map(text).join(' '));
    return consoleError.apply(this, args);
  };
  const createObjectURL = URL.createObjectURL;
  URL.createObjectURL = function (obj) {
    const url = createObjectURL.call(URL, obj);
    if (obj instanceof Blob) e2e.blobs.set(url, obj);
    return url;
  };
  const click = HTMLAnchorElement.prototype.click;
  HTMLAnchorElement.prototype.click = function () {
    const blob = this.hasAttribute('download') ? e2e.blobs.get(this.href) : undefined;
    if (blob) {
      const entry = { name: this.download, type: blob.type, size: blob.size, b64: null };
      e2e.downloads.push(entry);
      blob.arrayBuffer().then((buf) => {
        const bytes = new Uint8Array(buf);
        let bin = '';
        for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
        entry.b64 = btoa(bin);
      });
    }
    return click.call(this);
  };
}
`;

// ---- a session ---------------------------------------------------------------------------

/**
 * One browser with a fresh profile. `s.driver` is the selenium WebDriver; the
 * helpers below mirror ../e2e/harness.mjs (openApp, reload, saved, …).
 */
export class Session {
  static async start(engine) {
    const s = new Session(engine);
    s.tmp = await fsp.mkdtemp(path.join(os.tmpdir(), `duzhan-${engine}-`));
    s.profile = path.join(s.tmp, 'profile');
    s.downloadDir = path.join(s.tmp, 'downloads');
    await fsp.mkdir(s.profile);
    await fsp.mkdir(s.downloadDir);
    await s.#launch();
    return s;
  }

  constructor(engine) {
    this.engine = engine;
    this.errors = [];
  }

  async #launch() {
    const started = this.engine === 'webkit' ? await startWebKit(this.downloadDir) : await startFirefox(this.profile, this.downloadDir);
    this.driver = started.driver;
    this.stopDriver = started.stop;
    await this.driver.manage().setTimeouts({ script: TIMEOUT });
    if (this.engine === 'firefox') {
      // Firefox's WebDriver BiDi log: console errors and uncaught exceptions from the
      // start of every load, before the in-page collector exists.
      const log = await logInspector(this.driver);
      await log.onLog((entry) => {
        if (entry.level === 'error') this.errors.push(`[firefox log] ${entry.type}: ${entry.text}`);
      });
    }
  }

  /** Runs `fn` (a function, serialised) in the page with `args`; returns its (awaited) result. */
  async eval(fn, ...args) {
    const src = `const done = arguments[arguments.length - 1];
      Promise.resolve().then(() => (${fn}).apply(null, Array.prototype.slice.call(arguments, 0, -1)))
        .then((v) => done({ ok: v === undefined ? null : v }), (e) => done({ err: e instanceof Error ? e.message + ' @ ' + e.stack : String(e) }));`;
    const r = await this.driver.executeAsyncScript(src, ...args);
    if (r && 'err' in r) throw new Error(`in page: ${r.err}`);
    return r?.ok;
  }

  /** Polls `fn` in the page until it returns something truthy; returns that. */
  async until(fn, args = [], { timeout = TIMEOUT, what = String(fn).slice(0, 120) } = {}) {
    const deadline = Date.now() + timeout;
    let last;
    for (;;) {
      try {
        const v = await this.eval(fn, ...args);
        if (v) return v;
      } catch (err) {
        last = err;
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? ` (last error: ${last.message})` : ''}`);
      await sleep(100);
    }
  }

  /** Waits for an element matching `sel` that is displayed (has a layout box). */
  async visible(sel, opts = {}) {
    await this.until((s) => {
      const el = document.querySelector(s);
      return !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
    }, [sel], { what: `${sel} to be visible`, ...opts });
    return this.driver.findElement(By.css(sel));
  }

  async attached(sel, opts = {}) {
    await this.until((s) => !!document.querySelector(s), [sel], { what: `${sel} in the DOM`, ...opts });
    return this.driver.findElement(By.css(sel));
  }

  async count(sel) {
    return this.eval((s) => document.querySelectorAll(s).length, sel);
  }

  /** Text of an element: the value for form fields, else trimmed text with spaces collapsed. */
  async text(sel) {
    return this.eval((s) => {
      const el = document.querySelector(s);
      if (!el) throw new Error(`no ${s}`);
      return el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement
        ? el.value
        : (el.textContent ?? '').replace(/\s+/g, ' ').trim();
    }, sel);
  }

  async attr(sel, name) {
    return this.eval((s, n) => document.querySelector(s)?.getAttribute(n) ?? null, sel, name);
  }

  /** A real WebDriver click on the element. */
  async click(sel) {
    const el = await this.visible(sel);
    await el.click();
  }

  /** Clears a text field and types `value` with WebDriver key events. */
  async type(sel, value) {
    const el = await this.visible(sel);
    await el.clear();
    await el.sendKeys(value);
  }

  /** Chooses an option of a <select> by value, by clicking the option (WebDriver). */
  async select(sel, value) {
    await this.visible(sel);
    const option = await this.driver.findElement(By.css(`${sel} option[value="${value}"]`));
    await option.click();
  }

  /** Installs the page-error collector and the download capture (idempotent). */
  async hooks() {
    await this.driver.executeScript(HOOKS);
  }

  async open(url) {
    await this.driver.get(url);
    await this.ready();
  }

  /**
   * An ordinary reload (F5): location.reload() from the page. Not WebDriver's
   * Refresh: Firefox's Marionette implements it with LOAD_FLAGS_BYPASS_CACHE (a
   * hard reload), which goes past the service worker to the network.
   */
  async reload() {
    await this.waitNotSaving();
    await this.collect();
    const mark = `reload-${Date.now()}-${Math.random()}`;
    await this.eval((m) => {
      window.__e2eDocument = m;
      setTimeout(() => location.reload(), 0);
    }, mark);
    await this.until((m) => window.__e2eDocument !== m && document.readyState !== 'loading', [mark], { what: 'the reloaded document' });
    await this.ready();
  }

  /** Waits for the app to have loaded its storage and shown a view (as ../e2e/harness.mjs waitReady). */
  async ready({ timeout = TIMEOUT } = {}) {
    await this.until(
      (a, l) => !!document.querySelector(`${a} > :not(${l})`),
      [tid('app-ready'), tid('view-loading')],
      { timeout, what: 'the app to be ready ([data-testid="app-ready"] with a view)' },
    );
    await this.hooks();
  }

  async gotoHash(hash) {
    await this.eval((h) => {
      location.hash = h;
    }, hash);
    await this.until((h) => location.hash === h, [hash]);
  }

  /** Moves the page's collected errors into `this.errors` (before a reload loses them). */
  async collect() {
    const list = await this.eval(() => (window.__e2e ? window.__e2e.errors.splice(0) : [])).catch(() => []);
    this.errors.push(...list);
  }

  async assertNoErrors() {
    await this.collect();
    if (this.errors.length) throw new Error(`${this.engine}: the page reported ${this.errors.length} error(s):\n  ${this.errors.join('\n  ')}`);
  }

  async waitNotSaving() {
    await this.until((s) => document.querySelector(s)?.getAttribute('data-state') !== 'saving', [tid('save-status')], { what: 'save-status not "saving"' });
  }

  /**
   * Runs `action` (an edit) and waits until save-status changed after it and ends
   * at data-state="saved" (as ../e2e/harness.mjs saved); throws on "error".
   */
  async saved(action, { timeout = TIMEOUT } = {}) {
    await this.waitNotSaving();
    await this.eval((sel) => {
      const w = (window.__e2eSave ??= {});
      w.observer?.disconnect();
      w.seen = [];
      const el = () => document.querySelector(sel);
      w.before = el()?.getAttribute('data-state') ?? null;
      w.last = w.before;
      w.observer = new MutationObserver(() => {
        const state = el()?.getAttribute('data-state') ?? null;
        if (state !== w.last) w.seen.push(state);
        w.last = state;
      });
      w.observer.observe(document.documentElement, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
    }, tid('save-status'));
    await action();
    const result = await this.until((sel) => {
      const w = window.__e2eSave;
      const state = document.querySelector(sel)?.getAttribute('data-state') ?? null;
      if (state === 'error' || w.seen.includes('error')) return 'error';
      return state === 'saved' && (w.seen.length > 0 || w.before !== 'saved') ? 'saved' : false;
    }, [tid('save-status')], { timeout, what: 'save-status "saved" after the edit' });
    if (result === 'error') throw new Error('save-status reported data-state="error"');
  }

  /**
   * Runs `action` and returns the download it caused, as the app handed it to the
   * browser: `{ name, type, bytes }`, read from the Blob in the page (see HOOKS).
   */
  async download(action, { timeout = 60_000 } = {}) {
    await this.hooks();
    const before = await this.eval(() => window.__e2e.downloads.length);
    await action();
    const entry = await this.until((n) => {
      const d = window.__e2e.downloads[n];
      return d && d.b64 !== null ? d : false;
    }, [before], { timeout, what: 'a download (an <a download> click on a blob: URL)' });
    return { name: entry.name, type: entry.type, bytes: Buffer.from(entry.b64, 'base64') };
  }

  /**
   * The bytes of a Blob the app turned into a `blob:` URL (an <img src>, a
   * download's href), read from the Blob itself (see HOOKS: fetch(blob:) is
   * forbidden by the CSP). Only URLs made after the hooks were installed (after
   * the last load) are known: null for any other.
   */
  async objectUrlBytes(url) {
    const b64 = await this.eval(async (u) => {
      const blob = window.__e2e?.blobs.get(u);
      if (!blob) return null;
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let bin = '';
      for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      return btoa(bin);
    }, url);
    return b64 === null ? null : Buffer.from(b64, 'base64');
  }

  /**
   * The file the browser itself saved for a download named `name`, in this test's
   * download directory, once complete (null after `timeout`).
   */
  async savedFile(name, { timeout = 15_000 } = {}) {
    const file = path.join(this.downloadDir, name);
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      // Firefox writes to name.part, WebKit to name.wkdownload, then rename.
      if (fs.existsSync(file) && !fs.existsSync(`${file}.part`) && !fs.existsSync(`${file}.wkdownload`)) return fsp.readFile(file);
      await sleep(200);
    }
    return null;
  }

  /** Chooses `file` (or several: an array) in a file input, by WebDriver's send keys
   * (a real file chooser upload; several paths are sent one per line). */
  async chooseFile(sel, file) {
    const el = await this.attached(sel);
    await el.sendKeys(Array.isArray(file) ? file.join('\n') : file);
  }

  /**
   * "The tab closes and the app is opened again on the same profile".
   * Firefox: the session ends (Firefox quits) and a new one starts on the same
   * profile directory. WebKit: MiniBrowser's automation mode keeps website data in
   * memory for the session only, so a new session would be a new profile; instead a
   * new (blank) window is opened in the same session, the app's window is closed,
   * and the app is then opened in the new one. (The blank window comes first:
   * closing a session's last window ends the session.) Returns which happened.
   */
  async reopen(url) {
    await this.waitNotSaving();
    await this.collect();
    if (this.engine === 'firefox') {
      await this.driver.quit();
      await this.stopDriver();
      await this.#launch();
      await this.open(url);
      return 'new session on the same profile';
    }
    const old = await this.driver.getWindowHandle();
    await this.driver.switchTo().newWindow('window');
    const fresh = await this.driver.getWindowHandle();
    await this.driver.switchTo().window(old);
    await this.driver.close();
    await this.driver.switchTo().window(fresh);
    await this.open(url);
    return 'new window in the same session, the old one closed';
  }

  async screenshot(name) {
    try {
      await fsp.mkdir(ARTIFACTS, { recursive: true });
      const slug = `engines-${name}`.replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-|-$/g, '').slice(0, 90);
      await fsp.writeFile(path.join(ARTIFACTS, `${slug}.png`), await this.driver.takeScreenshot(), 'base64');
      await fsp.writeFile(path.join(ARTIFACTS, `${slug}.html`), await this.driver.getPageSource());
      return path.join(ARTIFACTS, slug);
    } catch {
      return null;
    }
  }

  async close() {
    await this.driver?.quit().catch(() => {});
    await this.stopDriver?.().catch?.(() => {});
    await fsp.rm(this.tmp, { recursive: true, force: true }).catch(() => {});
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Serves dist/ under /duzhan/ on a free port. */
export async function startApp({ root = DIST, base = BASE } = {}) {
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    throw new Error(`${root}/index.html not found: run 'trunk build --release' first, or set DUZHAN_DIST.`);
  }
  return startServer({ root, base, port: 0 });
}

/**
 * Wires a spec file into node:test: one server for the file, and each test once
 * per engine of this run (`webkit: name`, `firefox: name`) with a fresh session,
 * checked for page errors after the test; a screenshot + HTML in test-results/ on
 * failure. `fn({ s, url, engine, t, open })`, where `open(engine)` starts another
 * session (closed after the test).
 */
export function engineSuite() {
  const ctx = { app: null };
  before(async () => {
    ctx.app = await startApp();
  });
  after(async () => {
    await ctx.app?.close();
  });
  function engineTest(name, fn, options = {}) {
    for (const engine of ENGINES) {
      test(`${engine}: ${name}`, { timeout: 180_000, ...options }, async (t) => {
        const sessions = [];
        const open = async (e) => {
          const s = await Session.start(e);
          sessions.push(s);
          return s;
        };
        let s;
        try {
          s = await open(engine);
          await fn({ s, url: ctx.app.url, engine, t, open, app: ctx.app });
          for (const x of sessions) await x.assertNoErrors();
        } catch (err) {
          for (const x of sessions) {
            const where = await x.screenshot(`${x.engine}-${name}`);
            if (where) err.message += `\n  (${x.engine} screenshot and HTML: ${where}.png/.html)`;
            await x.collect().catch(() => {});
            if (x.errors.length) err.message += `\n  ${x.engine} page errors:\n    ${x.errors.join('\n    ')}`;
          }
          throw err;
        } finally {
          for (const x of sessions) await x.close();
        }
      });
    }
  }
  return { engineTest, ctx };
}
