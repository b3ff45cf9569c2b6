// First-load size check (a ratchet): measures what a browser fetches to start the
// app from a built dist/ and compares the gzip total with the figure recorded in
// docs/size-budget.json.
//
//   node scripts/size.mjs [dist]                  check (default dist: ./dist)
//   node scripts/size.mjs [dist] --update         record a smaller figure
//   node scripts/size.mjs [dist] --update --allow-growth "why it may grow"
//   node scripts/size.mjs [dist] --json           machine-readable report
//   --budget <file>                               another budget file
//
// First load = what index.html loads at start: stylesheets (<link rel=stylesheet>),
// scripts with a src (<script src>, e.g. register-sw.js), the files its inline
// module scripts import and initialise (the app's JS glue and wasm), preloads and
// modulepreloads, and whatever those JS files import statically. The page itself
// (index.html) is reported but not counted. Everything else in dist/ — lazily
// started workers (the xlsx writer), files only the service worker precaches
// later, icons, the manifest — is listed separately under "later".
//
// Each file: raw bytes, gzip (level 9) and brotli (quality 11), with node's zlib.
// The check fails (exit 1) when the first-load gzip total is more than
// `tolerance` (5%) above the recorded figure; when the build is smaller it asks
// for the figure to be lowered, so the size only goes down. `--update` rewrites
// the figure: downward always, upward only with `--allow-growth <reason>`, which
// is kept in the file's history.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_BUDGET = path.join(REPO, 'docs', 'size-budget.json');
export const DEFAULT_TOLERANCE = 0.05;

/** Compressed sizes of one buffer, the way a server would send it. */
export function sizes(buf) {
  return {
    raw: buf.length,
    gzip: zlib.gzipSync(buf, { level: 9 }).length,
    brotli: zlib.brotliCompressSync(buf, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length,
      },
    }).length,
  };
}

function attr(tag, name) {
  const m = tag.match(new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i'));
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

/** A local URL of the page as a dist-relative path, or null (remote, data:, …). */
function localPath(url, from = '') {
  if (!url || /^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//')) return null;
  const clean = url.split(/[?#]/)[0];
  const rel = clean.startsWith('/') ? clean.slice(1) : path.posix.join(path.posix.dirname(from), clean);
  return path.posix.normalize(rel);
}

/** Static imports (`import … from '…'`, `import '…'`, `export … from '…'`) of a JS module. */
function staticImports(js) {
  const out = [];
  for (const m of js.matchAll(/(?:^|[;\s}])(?:import|export)\s*(?:[\w*{}\s,$]+\s*from\s*)?["']([^"']+)["']/g)) {
    out.push(m[1]);
  }
  return out;
}

/**
 * The dist-relative paths index.html loads at start (see the header). Throws when
 * a referenced file is missing: a broken build must not pass as a small one.
 */
export function firstLoadFiles(dist) {
  const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8').replace(/<!--[\s\S]*?-->/g, '');
  const found = new Set();
  const add = (p) => {
    if (p === null || p === 'index.html') return;
    if (!fs.existsSync(path.join(dist, p))) throw new Error(`index.html loads ${p}, which is not in ${dist}`);
    found.add(p);
  };
  for (const m of html.matchAll(/<link\b[^>]*>/gi)) {
    const rel = (attr(m[0], 'rel') ?? '').toLowerCase().split(/\s+/);
    if (rel.includes('stylesheet') || rel.includes('modulepreload') || rel.includes('preload')) {
      add(localPath(attr(m[0], 'href')));
    }
  }
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    const src = attr(m[1], 'src');
    if (src) {
      add(localPath(src));
      continue;
    }
    // Inline start script (Trunk's): its imports and the wasm it initialises.
    for (const spec of staticImports(m[2])) add(localPath(spec));
    for (const w of m[2].matchAll(/["']([^"']+\.wasm)["']/g)) add(localPath(w[1]));
  }
  // Whatever the first-load JS imports statically (wasm-bindgen snippets, …).
  const queue = [...found].filter((p) => p.endsWith('.js') || p.endsWith('.mjs'));
  while (queue.length) {
    const js = queue.shift();
    for (const spec of staticImports(fs.readFileSync(path.join(dist, js), 'utf8'))) {
      const p = localPath(spec, js);
      if (p === null || found.has(p)) continue;
      add(p);
      if (p.endsWith('.js') || p.endsWith('.mjs')) queue.push(p);
    }
  }
  return [...found].sort();
}

function listFiles(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, r));
    else out.push(r);
  }
  return out.sort();
}

const sum = (rows) => rows.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }), { raw: 0, gzip: 0, brotli: 0 });

/** Sizes of the first-load files, the page, and everything loaded later. */
export function measure(dist) {
  if (!fs.existsSync(path.join(dist, 'index.html'))) throw new Error(`${dist}/index.html not found: build first (trunk build --release)`);
  const first = firstLoadFiles(dist);
  const row = (file) => ({ file, ...sizes(fs.readFileSync(path.join(dist, file))) });
  const firstLoad = first.map(row);
  const later = listFiles(dist)
    .filter((f) => f !== 'index.html' && !first.includes(f))
    .map(row);
  return { firstLoad, total: sum(firstLoad), page: row('index.html'), later, laterTotal: sum(later) };
}

export function readBudget(file) {
  const b = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!Number.isInteger(b.firstLoadGzipBytes) || b.firstLoadGzipBytes <= 0) {
    throw new Error(`${file}: firstLoadGzipBytes must be a positive integer`);
  }
  return b;
}

/**
 * The verdict for a measured gzip total against a budget:
 * `over` (fails), `smaller` (passes, asks to lower the figure) or `ok`.
 */
export function judge(gzip, budget) {
  const recorded = budget.firstLoadGzipBytes;
  const tolerance = budget.tolerance ?? DEFAULT_TOLERANCE;
  const limit = Math.floor(recorded * (1 + tolerance));
  if (gzip > limit) return { verdict: 'over', recorded, limit, tolerance };
  if (gzip < recorded) return { verdict: 'smaller', recorded, limit, tolerance };
  return { verdict: 'ok', recorded, limit, tolerance };
}

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const pct = (a, b) => `${(((a - b) / b) * 100).toFixed(1)}%`;

export function formatReport(m) {
  const line = (r) => `  ${r.file.padEnd(40)} ${String(r.raw).padStart(9)} ${String(r.gzip).padStart(9)} ${String(r.brotli).padStart(9)}`;
  const head = `  ${'file'.padEnd(40)} ${'raw'.padStart(9)} ${'gzip -9'.padStart(9)} ${'brotli'.padStart(9)}`;
  return [
    'First load (what index.html loads at start):',
    head,
    ...m.firstLoad.map(line),
    line({ file: 'TOTAL', ...m.total }),
    `  = ${kb(m.total.raw)} raw, ${kb(m.total.gzip)} gzip, ${kb(m.total.brotli)} brotli`,
    'The page itself (not counted):',
    line(m.page),
    'Later (lazy workers, service-worker precache, icons; not counted):',
    ...m.later.map(line),
    line({ file: 'TOTAL later', ...m.laterTotal }),
  ].join('\n');
}

function today() {
  return new Date().toISOString().slice(0, 10);
}

/** Rewrites the recorded figure; returns the message to print. Throws on refused growth. */
export function update(budgetFile, budget, total, allowGrowth) {
  const old = budget.firstLoadGzipBytes;
  if (total.gzip > old && !allowGrowth) {
    throw new Error(
      `refusing to raise the recorded figure from ${old} to ${total.gzip} bytes gzip: ` +
        'the figure only goes down. If the growth is wanted, pass --allow-growth "<reason>".',
    );
  }
  const entry = { date: today(), firstLoadGzipBytes: total.gzip, raw: total.raw, brotli: total.brotli };
  if (total.gzip > old) entry.growthReason = allowGrowth;
  const { about, tolerance, history, ...rest } = budget;
  const next = {
    about,
    firstLoadGzipBytes: total.gzip,
    firstLoadRawBytes: total.raw,
    firstLoadBrotliBytes: total.brotli,
    tolerance: tolerance ?? DEFAULT_TOLERANCE,
    recorded: today(),
    ...Object.fromEntries(Object.entries(rest).filter(([k]) => !k.startsWith('firstLoad') && k !== 'recorded')),
    history: [...(history ?? []), entry],
  };
  fs.writeFileSync(budgetFile, `${JSON.stringify(next, null, 2)}\n`);
  return `recorded first-load figure: ${old} -> ${total.gzip} bytes gzip (${budgetFile})`;
}

function parseArgs(argv) {
  const opts = { dist: null, budget: DEFAULT_BUDGET, update: false, allowGrowth: null, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--update') opts.update = true;
    else if (a === '--json') opts.json = true;
    else if (a === '--budget') opts.budget = argv[++i];
    else if (a === '--allow-growth') {
      opts.allowGrowth = argv[++i];
      if (!opts.allowGrowth || opts.allowGrowth.startsWith('--')) throw new Error('--allow-growth needs a reason');
    } else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else if (opts.dist === null) opts.dist = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (opts.allowGrowth && !opts.update) throw new Error('--allow-growth only goes with --update');
  opts.dist ??= path.join(REPO, 'dist');
  return opts;
}

export function main(argv) {
  let opts;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    console.error(`size: ${e.message}`);
    return 2;
  }
  let m;
  let budget;
  try {
    m = measure(opts.dist);
    budget = readBudget(opts.budget);
  } catch (e) {
    console.error(`size: ${e.message}`);
    return 2;
  }
  if (opts.json) console.log(JSON.stringify({ ...m, budget }, null, 2));
  else console.log(formatReport(m));
  if (opts.update) {
    try {
      console.log(update(opts.budget, budget, m.total, opts.allowGrowth));
      return 0;
    } catch (e) {
      console.error(`size: ${e.message}`);
      return 1;
    }
  }
  const j = judge(m.total.gzip, budget);
  const rel = path.relative(process.cwd(), opts.budget) || opts.budget;
  if (j.verdict === 'over') {
    console.error(
      `size: FAIL: first load is ${m.total.gzip} bytes gzip, ${pct(m.total.gzip, j.recorded)} above the ` +
        `recorded ${j.recorded} (${rel}); the limit is ${j.limit} (+${j.tolerance * 100}%). ` +
        'Make it smaller (docs/performance.md, "First-load size"), or if the growth is wanted: ' +
        'node scripts/size.mjs <dist> --update --allow-growth "<reason>".',
    );
    return 1;
  }
  if (j.verdict === 'smaller') {
    console.log(
      `size: ok, and SMALLER than recorded: ${m.total.gzip} < ${j.recorded} bytes gzip (${pct(m.total.gzip, j.recorded)}). ` +
        `Please lower the recorded figure: node scripts/size.mjs <dist> --update (rewrites ${rel}), and commit it.`,
    );
    return 0;
  }
  console.log(`size: ok: first load ${m.total.gzip} bytes gzip, recorded ${j.recorded}, limit ${j.limit}.`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
