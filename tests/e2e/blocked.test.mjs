// A browser that forbids this site any storage (site data blocked by the user or a
// policy: reading `localStorage` or `indexedDB` throws): the app says so in
// Chinese and what to do, instead of a blank page.
import assert from 'node:assert/strict';
import { appSuite, readText, tid } from './harness.mjs';

const { appTest } = appSuite();

appTest('with all site storage forbidden the app explains what to do, and nothing throws', async ({ page, url }) => {
  await page.addInitScript(() => {
    const refuse = () => { throw new DOMException('The user denied permission to access the database.', 'SecurityError'); };
    Object.defineProperty(window, 'localStorage', { get: refuse, configurable: true });
    Object.defineProperty(window, 'indexedDB', { get: refuse, configurable: true });
  });
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  const error = page.locator(tid('load-error'));
  await error.waitFor({ state: 'visible' });
  assert.match(await readText(error), /浏览器不允许本应用保存数据.*请改用普通窗口打开/);
});
