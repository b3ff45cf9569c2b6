// First-visit benchmark (part of `bash scripts/bench.sh firstvisit`; not a test of
// `node --test`): what the first load's size costs a user on a cheap tablet.
//
//   node tests/e2e/bench/firstvisit.bench.mjs                       # DUZHAN_DIST (release dist/)
//   FIRSTVISIT_COMPARE=/path/to/older/dist node tests/e2e/bench/firstvisit.bench.mjs
//
// Each run is a first visit: a fresh browser context (no HTTP cache, no compiled-code
// cache, no service worker, no data), the CPU slowed FIRSTVISIT_CPU times (default 4,
// a low-end tablet) and the network shaped to FIRSTVISIT_MBPS Mbit/s down (default 10)
// with FIRSTVISIT_RTT ms round trips (default 40) — office Wi-Fi or 4G, where the app
// is first opened before going to the field. Timed from navigation start with
// performance.now():
//   - first view: the 督战表 (the embedded default's 11 rows) is in the page;
//   - bytes: what came over the wire up to then. Files are served gzip-compressed
//     (level 9, as scripts/size.mjs measures them), as a real server would.
// FIRSTVISIT_REPS runs (default 7) per build, builds alternating; medians.
// With FIRSTVISIT_COMPARE, the same runs against another build's dist/ (e.g. one
// before a size change) side by side.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { mimeType } from '../server.mjs';
import { launch, DIST, BASE } from '../harness.mjs';

/** A static server of `root` under BASE that sends every file gzip-compressed. */
function gzipServer(root) {
  const cache = new Map();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (!url.pathname.startsWith(BASE)) return res.writeHead(404).end();
    const rel = decodeURIComponent(url.pathname.slice(BASE.length)) || 'index.html';
    const file = path.join(root, rel);
    if (!file.startsWith(root) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) return res.writeHead(404).end();
    if (!cache.has(file)) cache.set(file, zlib.gzipSync(fs.readFileSync(file), { level: 9 }));
    res.writeHead(200, { 'content-type': mimeType(file), 'content-encoding': 'gzip', 'cache-control': 'no-store' });
    res.end(cache.get(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}${BASE}`, close: () => new Promise((r) => server.close(r)) })));
}

const REPS = Math.max(3, Number(process.env.FIRSTVISIT_REPS ?? 7));
const CPU = Number(process.env.FIRSTVISIT_CPU ?? 4);
const MBPS = Number(process.env.FIRSTVISIT_MBPS ?? 10);
const RTT = Number(process.env.FIRSTVISIT_RTT ?? 40);
const builds = [['this build', DIST]];
if (process.env.FIRSTVISIT_COMPARE) builds.push(['compared build', process.env.FIRSTVISIT_COMPARE]);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

function probe() {
  window.__firstView = null;
  const mo = new MutationObserver(() => {
    if (window.__firstView === null && document.querySelectorAll('[data-testid="table-row"]').length >= 11) {
      window.__firstView = performance.now();
      mo.disconnect();
    }
  });
  mo.observe(document, { subtree: true, childList: true });
}

const browser = await launch();
const servers = [];
const results = {};
try {
  for (const [name, root] of builds) {
    if (!fs.existsSync(`${root}/index.html`)) throw new Error(`${root}/index.html not found: build it first`);
    servers.push(await gzipServer(path.resolve(root)));
    results[name] = { root, runs: [] };
  }
  for (let i = 0; i < REPS; i++) {
    for (const [b, [name]] of builds.entries()) {
      const context = await browser.newContext({ serviceWorkers: 'block' });
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: RTT, downloadThroughput: (MBPS * 1e6) / 8, uploadThroughput: (MBPS * 1e6) / 8 });
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU });
      let bytes = 0;
      cdp.on('Network.loadingFinished', (e) => {
        bytes += e.encodedDataLength;
      });
      await context.addInitScript(probe);
      await page.goto(servers[b].url, { waitUntil: 'domcontentloaded' });
      await page.waitForFunction(() => window.__firstView !== null, null, { timeout: 300_000, polling: 50 });
      const firstView = await page.evaluate(() => window.__firstView);
      results[name].runs.push({ firstView: +firstView.toFixed(1), bytes });
      await context.close();
    }
  }
  const report = { reps: REPS, cpuSlowdown: CPU, mbps: MBPS, rttMs: RTT, builds: {} };
  for (const [name, r] of Object.entries(results)) {
    report.builds[name] = { dist: r.root, firstViewMs: median(r.runs.map((x) => x.firstView)), bytes: median(r.runs.map((x) => x.bytes)), runs: r.runs };
    console.log(`first visit, ${name} (${r.root}): first view ${report.builds[name].firstViewMs} ms median of ${REPS}, ${report.builds[name].bytes.toLocaleString('en')} bytes on the wire (CPU ${CPU}× slower, ${MBPS} Mbit/s, ${RTT} ms RTT)`);
  }
  console.log(JSON.stringify(report));
  if (process.env.BENCH_JSON) fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify(report, null, 1));
} finally {
  await browser.close();
  for (const s of servers) await s.close();
}
