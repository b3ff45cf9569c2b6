// Engines: one too old for the build's WebAssembly gets a page that says so
// (assets/engine-check.js), never a blank page or a half-started app.
import assert from 'node:assert/strict';
import { appSuite, openApp, tid } from './harness.mjs';

const { appTest } = appSuite();

appTest('an engine lacking a WebAssembly feature the build needs shows 浏览器版本过旧 with the minimum versions, and the app does not start', async ({ page, url, session }) => {
  // An engine without reference types (Safari 14, Chrome 95): every module using
  // `ref.null funcref` (0xd0 0x70) fails to validate.
  await session.context.addInitScript(() => {
    const validate = WebAssembly.validate.bind(WebAssembly);
    WebAssembly.validate = (bytes) => {
      const a = new Uint8Array(bytes);
      for (let i = 0; i + 1 < a.length; i++) if (a[i] === 0xd0 && a[i + 1] === 0x70) return false;
      return validate(bytes);
    };
    addEventListener('TrunkApplicationStarted', () => (window.__started = true));
  });
  await page.goto(url);
  const alert = page.locator('.too-old[role="alert"]');
  await alert.waitFor();
  const text = await alert.textContent();
  assert.match(text, /浏览器版本过旧/);
  assert.match(text, /iPadOS\/iOS 15/);
  assert.match(text, /Chrome 96/);
  assert.match(text, /Firefox 79/);
  assert.match(text, /reference-types/);
  assert.doesNotMatch(text, /bulk-memory/, 'only the missing feature is named');
  // This engine can still run the module (only validate was made to fail): it
  // starts, and the entry point mounts nothing beside the message.
  await page.waitForFunction(() => window.__started === true);
  assert.deepEqual(await page.evaluate(() => window.duzhanTooOld), ['reference-types']);
  assert.equal(await page.locator(tid('save-status')).count(), 0);
});

appTest('a current engine passes the check and gets the app', async ({ page, url }) => {
  await openApp(page, url);
  assert.equal(await page.evaluate(() => window.duzhanTooOld), undefined);
  assert.equal(await page.locator('.too-old').count(), 0);
});
