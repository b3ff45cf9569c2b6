// The harness's own guarantees: Selenium Manager cannot run, and the page-error
// collector does catch errors (else every "no page errors" check would pass by
// itself). The second runs once per engine of the run.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { engineSuite, sleep } from './harness.mjs';

const { engineTest } = engineSuite();

test('Selenium Manager is unreachable: asking it for a driver throws instead of downloading', () => {
  const { binaryPaths } = createRequire(import.meta.url)('selenium-webdriver/common/seleniumManager.js');
  assert.throws(() => binaryPaths(['--browser', 'firefox']), /Unable to obtain Selenium Manager/);
});

engineTest('a console.error and an uncaught error in the page fail the test', async ({ s, url }) => {
  await s.open(url);
  await s.driver.executeScript('console.error("e2e-probe-console"); setTimeout(() => { throw new Error("e2e-probe-throw"); }, 0);');
  // Firefox's BiDi log entries arrive on their own: wait for both.
  const deadline = Date.now() + 5000;
  while (!(s.errors.some((e) => e.includes('e2e-probe-console')) && s.errors.some((e) => e.includes('e2e-probe-throw'))) && Date.now() < deadline) {
    await s.collect();
    await sleep(100);
  }
  await assert.rejects(() => s.assertNoErrors(), (err) => {
    assert.match(err.message, /e2e-probe-console/);
    assert.match(err.message, /e2e-probe-throw/);
    return true;
  });
  s.errors.length = 0; // the probe's own errors: not the app's
});
