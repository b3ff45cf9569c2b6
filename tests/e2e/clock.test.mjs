// The clock guard (issue 17, item 6), as users meet it: a tablet whose clock runs
// days ahead exports a bundle, and the office (right clock) refuses it with a
// message naming the device and how far its clock is off, changing nothing; a device
// whose clock is behind the newest change it holds says "本机时间可能不准" on every
// view. Clocks are moved with Playwright's clock (the page's Date), per profile.
import assert from 'node:assert/strict';
import { appSuite, newSession, openApp, reloadApp, gotoHash, readText, tid } from './harness.mjs';
import { nameDevice, addFigure, exportBundle, chooseImport, stateHash } from './exchange.mjs';

const { appTest, ctx } = appSuite();
const DAY = 86_400_000;

appTest('a bundle from a tablet whose clock is three days ahead is refused, naming the device', async ({ url }) => {
  const fast = await newSession(ctx.browser);
  const office = await newSession(ctx.browser);
  try {
    await fast.page.clock.install({ time: new Date(Date.now() + 3 * DAY) });
    await openApp(fast.page, url);
    await nameDevice(fast.page, '时钟快的平板');
    await addFigure(fast.page, url, 'seed-target-wuding', '2800', '2020-06-30');
    const file = await exportBundle(fast.page);
    await openApp(office.page, url);
    const before = await stateHash(office.page);
    await chooseImport(office.page, file.file);
    const err = office.page.locator(tid('import-error'));
    await err.waitFor({ state: 'visible' });
    const text = await readText(err);
    assert.match(text, /晚约3天/);
    assert.match(text, /校准/);
    assert.match(text, /未导入/);
    assert.equal(await office.page.locator(tid('import-preview')).count(), 0);
    assert.equal(await stateHash(office.page), before, 'nothing changed');
    fast.assertNoErrors();
    office.assertNoErrors();
  } finally {
    await fast.close();
    await office.close();
  }
});

appTest('a device whose clock went back behind its newest change warns on every view', async ({ url }) => {
  const s = await newSession(ctx.browser);
  try {
    await openApp(s.page, url);
    await nameDevice(s.page, '小分队');
    await addFigure(s.page, url, 'seed-target-wuding', '2800', '2020-06-30'); // a change stamped now
    assert.equal(await s.page.locator(tid('clock-warning')).count(), 0, 'a right clock says nothing');
    // The tablet's clock is set back two days (a flat battery, a wrong setting).
    await s.page.clock.install({ time: new Date(Date.now() - 2 * DAY - 3_600_000) });
    await reloadApp(s.page);
    const warning = s.page.locator(tid('clock-warning'));
    await warning.waitFor({ state: 'visible' });
    assert.match(await readText(warning), /本机时间可能不准.*约\s*3\s*天/);
    await gotoHash(s.page, '#/ledger');
    await warning.waitFor({ state: 'visible' });
    s.assertNoErrors();
  } finally {
    await s.close();
  }
});
