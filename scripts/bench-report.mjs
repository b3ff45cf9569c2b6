// Collects the figures of scripts/bench.sh into one JSON file and one Markdown table.
//
//   node scripts/bench-report.mjs --criterion <target>/criterion   # prints native.json
//   node scripts/bench-report.mjs --dir bench-results              # writes results.json, results.md
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execSync } from 'node:child_process';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const readJson = (file) => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : null);

if (opt('--criterion')) {
  // criterion's own files: <dir>/<group>/<bench>/new/{estimates,benchmark}.json
  const dir = path.join(opt('--criterion'), 'core');
  const out = {};
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const est = readJson(path.join(dir, name, 'new', 'estimates.json'));
    const meta = readJson(path.join(dir, name, 'new', 'benchmark.json'));
    if (!est || !meta) continue;
    const records = meta.throughput?.Elements ?? null;
    const ns = est.median.point_estimate;
    out[name] = {
      median_ms: +(ns / 1e6).toFixed(1),
      ci95_ms: [+(est.median.confidence_interval.lower_bound / 1e6).toFixed(1), +(est.median.confidence_interval.upper_bound / 1e6).toFixed(1)],
      records,
      records_per_s: records ? Math.round(records / (ns / 1e9)) : null,
    };
  }
  if (!Object.keys(out).length) throw new Error(`no criterion results under ${dir}`);
  process.stdout.write(JSON.stringify(out, null, 1) + '\n');
  process.exit(0);
}

const dir = opt('--dir') ?? 'bench-results';
const native = readJson(path.join(dir, 'native.json'));
const imp = readJson(path.join(dir, 'import.json'));
const ledger = readJson(path.join(dir, 'ledger.json'));
const cold = readJson(path.join(dir, 'coldstart.json'));
const first = readJson(path.join(dir, 'firstvisit.json'));
const appImport = readJson(path.join(dir, 'appimport.json'));
const save = readJson(path.join(dir, 'save.json'));
const batch = readJson(path.join(dir, 'batch.json'));

const sh = (cmd) => {
  try {
    return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
};
const machine = {
  date: new Date().toISOString(),
  commit: sh('git rev-parse --short HEAD'),
  cpu: os.cpus()[0]?.model ?? null,
  cores: os.cpus().length,
  memory_gib: +(os.totalmem() / 2 ** 30).toFixed(1),
  load_average: os.loadavg().map((x) => +x.toFixed(2)),
  chromium: sh('/usr/bin/chromium --version'),
  rustc: sh('rustc --version'),
  node: process.version,
};

const rows = [];
const f0 = (x) => (x == null || Number.isNaN(x) ? '–' : Math.round(x).toLocaleString('en'));
const f1 = (x) => (x == null || Number.isNaN(x) ? '–' : x.toFixed(1));
const r2 = (x) => (x == null || Number.isNaN(x) ? '–' : `${x.toFixed(2)}×`);
const verdict = (ok) => (ok == null ? '–' : ok ? 'met' : '**not met**');
const row = (item, what, ours, theirs, ratio, goal, ok) => rows.push({ item, what, ours, theirs, ratio, goal, met: verdict(ok) });

if (imp) {
  const mb = (imp.bytes / 1048576).toFixed(1);
  row('3', `parse + validate + merge, ${imp.records.toLocaleString('en')} records (${mb} MB) vs \`JSON.parse\``, `${f0(imp.parse_validate_merge_ms)} ms`, `${f0(imp.json_parse_ms)} ms`, r2(imp.ratio_vs_json_parse), '≤ 1.0×', imp.ratio_vs_json_parse <= 1.0);
  // DUZHAN_BENCH_ONLY=parse runs item 3 alone.
  if (imp.store_commit_ms != null) row('4', `persist the merged import (${imp.staged.toLocaleString('en')} docs) to IndexedDB vs plain-JS put loop`, `${f0(imp.store_commit_ms)} ms`, `${f0(imp.plain_put_loop_ms)} ms`, r2(imp.ratio_vs_put_loop), '≤ 1.5×', imp.ratio_vs_put_loop <= 1.5);
  if (imp.whole_import_ms != null) row('4', `whole import, bytes → durable, vs PouchDB (${imp.pouch_adapter}) \`bulkDocs\``, `${f0(imp.whole_import_ms)} ms`, `${f0(imp.pouch_import_ms)} ms`, `${f1(imp.pouch_over_ours)}× faster`, '≥ 10× faster', imp.pouch_over_ours >= 10);
}
if (ledger) {
  const n = ledger.problems.toLocaleString('en');
  row('5', `ledger of ${n} problems: keystroke → rendered (median; p90)`, `${f1(ledger.keystrokeTypeMs.median)} ms; ${f1(ledger.keystrokeTypeMs.p90)} ms`, '', '', '≤ 50 ms', ledger.keystrokeTypeMs.median <= 50);
  row('5', 'ledger: deleting a character → rendered (median; p90)', `${f1(ledger.keystrokeDeleteMs.median)} ms; ${f1(ledger.keystrokeDeleteMs.p90)} ms`, '', '', '≤ 50 ms', ledger.keystrokeDeleteMs.median <= 50);
  row('5', 'ledger: status tab → rendered (median; p90)', `${f1(ledger.statusTabMs.median)} ms; ${f1(ledger.statusTabMs.p90)} ms`, '', '', '≤ 50 ms', ledger.statusTabMs.median <= 50);
  row('5', 'ledger: source filter → rendered (median; p90)', `${f1(ledger.sourceFilterMs.median)} ms; ${f1(ledger.sourceFilterMs.p90)} ms`, '', '', '≤ 50 ms', ledger.sourceFilterMs.median <= 50);
  const d = ledger.domRows;
  row('5', 'ledger: `ledger-row` elements in the DOM, top / scrolled to the middle', `${d.top} / ${d.middle} (${d.visible} visible)`, `${n} rows`, '', 'visible rows only', d.top < 100 && d.middle < 100);
}
if (cold) {
  row('6', `cold start to interactive, ${cold.full.problems.toLocaleString('en')} problems stored vs default data only`, `${f0(cold.full.interactiveMs)} ms`, `${f0(cold.empty.interactiveMs)} ms`, r2(cold.ratioInteractive), '≤ 2×', cold.ratioInteractive <= 2);
  row('6', 'cold start to a complete ledger index (same profiles)', `${f0(cold.full.ledgerReadyMs)} ms`, `${f0(cold.empty.ledgerReadyMs)} ms`, r2(cold.ratioLedgerReady), '–', null);
}
if (save) {
  const e = save.empty;
  const f = save.full;
  row('15', `save of a figure on a target page, click → 已保存, 100,000 problems stored vs default data only (median of ${save.reps})`, `${f1(f.figureMs)} ms`, `${f1(e.figureMs)} ms`, r2(save.ratioFigure), '≤ 2×', save.ratioFigure <= 2);
  row('15', "a problem's status change, click → 已保存 (same profiles)", `${f1(f.statusMs)} ms`, `${f1(e.statusMs)} ms`, r2(save.ratioStatus), '≤ 2×', save.ratioStatus <= 2);
  row('15', 'a 2,000-record squad bundle imported, confirm → 已保存 (same profiles)', `${f0(f.importMs)} ms`, `${f0(e.importMs)} ms`, r2(save.ratioImport), '≤ 2×', save.ratioImport <= 2);
  row('15', 'typing 40 characters into an autosaved visit form: long tasks > 50 ms (longest)', `${f.typing.longTasks} (${f1(f.typing.longestTaskMs)} ms)`, `${e.typing.longTasks} (${f1(e.typing.longestTaskMs)} ms)`, '', 'none', f.typing.longTasks === 0);
}
if (first) {
  const ours = first.builds['this build'];
  const other = first.builds['compared build'];
  row('1', `first visit to the 督战表, nothing cached, CPU ${first.cpuSlowdown}× slower, ${first.mbps} Mbit/s, ${first.rttMs} ms RTT (median of ${first.reps}; bytes on the wire)`, `${f0(ours.firstViewMs)} ms; ${f0(ours.bytes)} B`, other ? `${f0(other.firstViewMs)} ms; ${f0(other.bytes)} B (${other.dist})` : '', other ? r2(ours.firstViewMs / other.firstViewMs) : '', '–', null);
}
if (appImport) {
  const ours = appImport.builds['this build'];
  const other = appImport.builds['compared build'];
  const mb = (appImport.bytes / 1048576).toFixed(1);
  row('3', `in the app: a ${mb} MB bundle chosen → preview shown; confirm → saved (fresh profile; median of ${appImport.reps})`, `${f0(ours.to_preview_ms)} ms; ${f0(ours.to_saved_ms)} ms`, other ? `${f0(other.to_preview_ms)} ms; ${f0(other.to_saved_ms)} ms (${other.dist})` : '', other ? r2(ours.total_ms / other.total_ms) : '', '–', null);
}
if (batch) {
  for (const b of Object.values(batch.sizes)) {
    const mb = (b.bytes / 1048576).toFixed(1);
    row('19', `batch import: ${b.files} squad bundles (${mb} MB) chosen at once → combined preview; confirm → saved in one commit (fresh profile; median of ${batch.reps})`, `${f0(b.to_preview_ms)} ms; ${f0(b.to_saved_ms)} ms`, '', '', '–', null);
    const one = b.one_by_one ? `; one by one: wasm ${b.one_by_one.wasm_memory_mb} MB, ${f0(b.one_by_one.total_ms)} ms in all` : '';
    row('19', `batch import of ${b.files} files: JS heap peak; ArrayBuffers peak (after a GC); wasm memory after`, `${b.heap_before_mb} → ${b.heap_peak_mb} MB; ${b.backing_peak_mb} MB (${b.backing_after_gc_mb} MB); ${b.wasm_memory_mb} MB${one}`, '', '', 'bounded by the largest file + the merged change', null);
  }
}
if (native) {
  const label = {
    merge_two_100k_datasets: 'merge of two ~100k-record datasets (`stage_merge`)',
    bundle_parse_validate: 'bundle parse + validate (`read_bundle`)',
    canonical_state_hash: 'canonical state hash (`state_hash`)',
    generate_issue_scale_campaign: 'generate the issue-scale campaign (1,000 targets, 20,000 visits, 100,000 problems)',
  };
  for (const [k, v] of Object.entries(native)) {
    row('7', `native: ${label[k] ?? k}, ${v.records?.toLocaleString('en')} records`, `${f0(v.median_ms)} ms`, '', `${f0(v.records_per_s)} records/s`, 'records/s', null);
  }
}

const table = [
  '| # | what | duzhan | baseline | ratio | goal | goal met |',
  '|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.item} | ${r.what} | ${r.ours} | ${r.theirs} | ${r.ratio} | ${r.goal} | ${r.met} |`),
].join('\n');
const md = `Benchmarks (scripts/bench.sh), ${machine.date}, commit ${machine.commit}\n\nMachine: ${machine.cores} × ${machine.cpu}, ${machine.memory_gib} GiB, load average ${machine.load_average.join(' ')} at the end; ${machine.chromium}; ${machine.rustc}; Node ${machine.node}\n\n${table}\n`;
fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify({ machine, native, import: imp, ledger, coldstart: cold, save, appimport: appImport, batch, firstvisit: first }, null, 1) + '\n');
fs.writeFileSync(path.join(dir, 'results.md'), md);
console.log(md);
console.log(`written: ${path.join(dir, 'results.json')}, ${path.join(dir, 'results.md')}`);
