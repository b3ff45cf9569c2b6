import { startApp, launch, newSession, openApp, tid } from '../harness.mjs';
const app = await startApp();
const browser = await launch();
const s = await newSession(browser);
try {
  await openApp(s.page, `${app.url}?bench=store100k#/ledger`, { timeout: 900_000 });
  await s.page.locator(`${tid('save-status')}[data-state="saved"]`).waitFor({ state: 'attached', timeout: 900_000 });
  await s.page.locator(`${tid('view-ledger')}[data-ready="true"]`).waitFor({ timeout: 900_000 });
  await s.page.close();
  for (let i = 0; i < 3; i++) {
    const page = await s.context.newPage();
    await page.goto(`${app.url}#/ledger`);
    await page.locator(`${tid('view-ledger')}[data-ready="true"]`).waitFor({ timeout: 900_000 });
    const marks = await page.evaluate(() => performance.getEntriesByType('mark').map((m) => `${m.name} ${m.startTime.toFixed(0)}`));
    console.log(marks.join(' | '));
    await page.close();
  }
} finally { await s.close(); await browser.close(); await app.close(); }
