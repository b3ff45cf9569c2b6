//! Timings of the core, printed (not criterion, not pass/fail material: figures to
//! read on a quiet machine). Not part of `cargo test`; run optimised:
//!
//! `cargo bench --bench timings`                 every part
//! `cargo bench --bench timings -- bundle`       export, parse+validate and merge of
//!                                              seed-sized and ~100,000-record bundles
//! `cargo bench --bench timings -- ledger`       the field-work ledger over 100,000
//!                                              problems (`DUZHAN_LEDGER_BENCH_N`
//!                                              changes the number): what a keystroke
//!                                              costs in the core
//! `cargo bench --bench timings -- rollups`      a month's roll-ups over 1,000 targets,
//!                                              20,000 visits and 100,000 problems
//! `cargo bench --bench timings -- signing`      what signing adds to exporting, and
//!                                              verifying to reading, a ~100,000-record
//!                                              bundle (v2 against v1, medians of 5)
//!
//! Each part still checks what it measured (the same assertions as when these were
//! ignored tests), so a figure is never printed for a wrong result.

#[path = "../tests/bundle_support/mod.rs"]
mod bundle_support;

use bundle_support::{test_limits, Device};
use chrono::NaiveDate;
use duzhan::core::bundle::import::read_bundle;
use duzhan::core::bundle::{preview, ExportScope};
use duzhan::core::doc::Doc;
use duzhan::core::fieldwork::generate::generate_campaign;
use duzhan::core::fieldwork::ledger::{LedgerFilter, LedgerIndex, LedgerQuery, LedgerSort, LedgerView, StatusFilter};
use duzhan::core::fieldwork::FieldSnapshot;
use duzhan::core::report::month::Month;
use duzhan::core::report::{MonthRollups, Period};
use std::time::Instant;

fn main() {
    // `cargo bench` passes `--bench` (and criterion options such as `--noplot`).
    let parts: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let wants = |p: &str| parts.is_empty() || parts.iter().any(|x| x == p);
    if wants("bundle") {
        seed_sized_bundles();
        a_100k_record_bundle();
    }
    if wants("ledger") {
        ledger_of_100k_problems();
    }
    if wants("rollups") {
        month_rollups_of_a_100k_problem_campaign();
    }
    if wants("signing") {
        signing_overhead();
    }
}

/// Export and read of the same ~100,000 records unsigned (v1) and signed (v2): the
/// signature is over the checksum the export computes anyway, so the difference is
/// one Ed25519 signature (export) or verification (read) plus splicing the member.
fn signing_overhead() {
    let mut a = Device::fresh("d-a");
    let generated = generate_campaign(2020, 2_000, 2_400, 16_000);
    let c = a.replica.stage_merge(&generated);
    a.replica.apply(c);
    let mut signed = a.clone().signed();
    let (v1, e1, _) = timed(5, || a.export(ExportScope::Full, 1_600_000_000_002).bytes);
    let (v2, e2, _) = timed(5, || signed.export(ExportScope::Full, 1_600_000_000_002).bytes);
    let (_, r1, _) = timed(5, || read_bundle(&v1, None, &test_limits()).unwrap());
    let (i2, r2, _) = timed(5, || read_bundle(&v2, None, &test_limits()).unwrap());
    assert!(i2.header.signer.is_some());
    let key = signed.key.clone().unwrap();
    let (_, one_sign, _) = timed(101, || key.sign("duzhan-bundle", &"ab".repeat(32)));
    let sig = key.sign("duzhan-bundle", &"ab".repeat(32));
    let (_, one_verify, _) = timed(101, || duzhan::core::bundle::sign::verify(&sig, "duzhan-bundle", &"ab".repeat(32)).unwrap());
    println!(
        "{} records, {:.1} MB: export v1 {e1:.0} ms, v2 {e2:.0} ms ({:+.1}%); read v1 {r1:.0} ms, v2 {r2:.0} ms ({:+.1}%); one signature {:.3} ms, one verification {:.3} ms",
        a.replica.len(),
        v2.len() as f64 / 1048576.0,
        (e2 / e1 - 1.0) * 100.0,
        (r2 / r1 - 1.0) * 100.0,
        one_sign,
        one_verify,
    );
}

/// Runs `f` `reps` times; returns the last result, the median and the best time in ms.
fn timed<R>(reps: usize, mut f: impl FnMut() -> R) -> (R, f64, f64) {
    let mut times = Vec::with_capacity(reps);
    let mut out = None;
    for _ in 0..reps {
        let t = Instant::now();
        out = Some(f());
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    (out.expect("reps > 0"), times[times.len() / 2], times[0])
}

/// Export, import, state hash and parse of the embedded default, 200 times each.
fn seed_sized_bundles() {
    let mut a = Device::fresh("d-a");
    let b = Device::fresh("d-b");
    let n = 200;
    let t0 = Instant::now();
    let mut files = Vec::new();
    for i in 0..n {
        files.push(a.export(ExportScope::Full, 100 + i));
    }
    let t1 = Instant::now();
    for f in &files {
        b.preview(&f.bytes).unwrap();
    }
    let t2 = Instant::now();
    for _ in 0..n {
        std::hint::black_box(b.hash());
    }
    let t3 = Instant::now();
    for f in &files {
        std::hint::black_box(read_bundle(&f.bytes, None, &test_limits()).unwrap());
    }
    let t4 = Instant::now();
    println!("  of which read_bundle {:?}/bundle", (t4 - t3) / n as u32);
    println!(
        "seed bundle {} bytes: export {:?}/bundle, import {:?}/bundle, state hash {:?}",
        files[0].bytes.len(),
        (t1 - t0) / n as u32,
        (t2 - t1) / n as u32,
        (t3 - t2) / n as u32
    );
}

/// About 100,000 records: the embedded default plus a generated campaign (field
/// work's deterministic generator: targets, visits with their checklist answers,
/// problems with their rectification histories).
fn a_100k_record_bundle() {
    let mut a = Device::fresh("d-a");
    let generated = duzhan::core::fieldwork::generate::generate_campaign(2020, 2_000, 2_400, 16_000);
    let c = a.replica.stage_merge(&generated);
    a.replica.apply(c);
    let n = a.replica.len();
    let mut kinds = std::collections::BTreeMap::new();
    for d in a.replica.docs() {
        *kinds.entry(d.kind.clone()).or_insert(0) += 1;
    }
    println!("{n} records: {kinds:?}");
    let t0 = Instant::now();
    let file = a.export(ExportScope::Full, 1_600_000_000_002);
    let t1 = Instant::now();
    let incoming = read_bundle(&file.bytes, None, &test_limits()).unwrap();
    let t2 = Instant::now();
    let b = Device::fresh("d-b");
    let p = preview(incoming, &b.replica, &b.ledger, duzhan::core::bundle::import::MAX_WALL_MS).unwrap();
    let t3 = Instant::now();
    let mut applied = b.clone();
    applied.replica.apply(p.change.clone());
    let t4 = Instant::now();
    let h = applied.hash();
    let t5 = Instant::now();
    println!(
        "{n} records, {:.1} MB: export {:?}, parse+validate {:?}, merge+preview {:?} ({} docs staged), apply {:?}, state hash {:?}",
        file.bytes.len() as f64 / 1048576.0,
        t1 - t0,
        t2 - t1,
        t3 - t2,
        p.change.docs.len(),
        t4 - t3,
        t5 - t4,
    );
    assert_eq!(h, a.hash());
    // Re-import into the device that has it all: nothing new.
    let t6 = Instant::now();
    let again = applied.preview(&file.bytes).unwrap();
    println!("re-import of the same bundle: {:?}, change empty: {}", t6.elapsed(), again.change.is_empty());
    // A scoped bundle of one county out of the 100k.
    let t7 = Instant::now();
    let scoped = a.export(ExportScope::Scoped { county_ids: vec!["gen-county-03".into()], target_ids: vec![] }, 1_600_000_000_003);
    println!(
        "scoped export of one county: {:?}, {} records, {:.1} MB",
        t7.elapsed(),
        scoped.counts.values().sum::<u64>(),
        scoped.bytes.len() as f64 / 1048576.0
    );
}

/// Builds the ledger index over a generated campaign of 100,000 problems and times
/// what a keystroke costs in the core (median and best of several runs, since
/// shared machines are noisy).
fn ledger_of_100k_problems() {
    let n: usize = std::env::var("DUZHAN_LEDGER_BENCH_N").ok().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let today = chrono::NaiveDate::from_ymd_opt(2020, 9, 30).expect("date");
    let mut report: Vec<String> = Vec::new();

    let (docs, gen_ms, _) = timed(1, || generate_campaign(2020, 500, 2_000, n));
    let count = |k: &str| docs.iter().filter(|d| d.kind == k).count();
    assert_eq!(count("problem"), n);
    report.push(format!("docs: {} ({} problems, {} events); generated in {gen_ms:.0} ms", docs.len(), n, count("problem_event")));

    let (index, build_med, build_best) = timed(3, || LedgerIndex::build(&docs, today));
    assert_eq!(index.len(), n);
    report.push(format!("build index from all docs: median {build_med:.0} ms, best {build_best:.0} ms"));

    // The same build fed in chunks of 10,000 docs, as a UI would between frames.
    let mut chunks: Vec<f64> = Vec::new();
    let mut chunked = LedgerIndex::new(today);
    for c in docs.chunks(10_000) {
        let ((), t, _) = timed(1, || chunked.apply(c));
        chunks.push(t);
    }
    assert_eq!(chunked.rows_by_id().len(), n);
    drop(chunked);
    chunks.sort_by(|a, b| a.total_cmp(b));
    report.push(format!(
        "build in {} chunks of 10,000 docs: total {:.0} ms, median chunk {:.0} ms, slowest {:.0} ms",
        chunks.len(),
        chunks.iter().sum::<f64>(),
        chunks[chunks.len() / 2],
        chunks[chunks.len() - 1]
    ));

    // A query and its first page: what one render of the ledger costs.
    let view = |q: &LedgerQuery| {
        let v = index.query(q);
        let rows = index.page(&v, 0, 50);
        (v, rows.len())
    };
    for (label, q) in [
        ("all, by deadline", LedgerQuery::default()),
        ("all, by target", LedgerQuery { sort: LedgerSort::Target, ..Default::default() }),
        (
            "未销号 + overdue, by status",
            LedgerQuery {
                filter: LedgerFilter { status: StatusFilter::Unclosed, overdue: true, ..Default::default() },
                sort: LedgerSort::Status,
                ..Default::default()
            },
        ),
        (
            "county + \"小河 李\", by target",
            LedgerQuery {
                filter: LedgerFilter { county: Some("gen-county-08".into()), ..Default::default() },
                search: "小河 李".into(),
                sort: LedgerSort::Target,
                ..Default::default()
            },
        ),
    ] {
        let ((v, rows), med, best) = timed(7, || view(&q));
        assert!(rows <= 50);
        report.push(format!("query {label} + first page: median {med:.1} ms, best {best:.1} ms → {} rows", v.total()));
    }

    // Typing a search character by character in the 未销号 tab: refine from the
    // previous view (what the ledger's memo does) versus a fresh query.
    let filter = LedgerFilter { status: StatusFilter::Unclosed, ..Default::default() };
    let mut prev: LedgerView = index.query(&LedgerQuery { filter: filter.clone(), ..Default::default() });
    for typed in ["危", "危房", "危房未", "危房未拆"] {
        let q = LedgerQuery { filter: filter.clone(), search: typed.into(), ..Default::default() };
        let ((v, _), r_med, r_best) = timed(7, || {
            let v = index.refine(&prev, &q);
            let rows = index.page(&v, 0, 50).len();
            (v, rows)
        });
        let (f, f_med, _) = timed(7, || index.query(&q));
        assert_eq!(f.total(), v.total());
        assert!(v.total() > 0);
        report
            .push(format!("keystroke {typed:?}: refine + first page median {r_med:.2} ms (best {r_best:.2}); fresh query {f_med:.2} ms → {} rows", v.total()));
        prev = v;
    }

    // Scrolling: one page of 50 rows from the middle of the full list.
    let all = index.query(&LedgerQuery::default());
    let (page, p_med, _) = timed(7, || index.page(&all, n / 2, 50));
    assert_eq!(page.len(), 50);
    report.push(format!("one page of 50 rows from the middle: median {p_med:.3} ms"));

    // One save: a changed event applied incrementally, then the view re-queried.
    let mut index = index;
    let ev: Vec<Doc> = docs.iter().filter(|d| d.kind == "problem_event").take(1).cloned().collect();
    let ((), a_med, _) = timed(7, || index.apply(&ev));
    let (again, q_med, _) = timed(7, || index.query(&LedgerQuery::default()));
    assert_eq!(again.total(), n);
    report.push(format!("apply one changed doc: median {a_med:.3} ms; then re-query all: median {q_med:.1} ms"));

    println!("ledger bench ({} build, {} problems):", if cfg!(debug_assertions) { "debug" } else { "release" }, n);
    for line in report {
        println!("  {line}");
    }
}

fn m(y: i32, mo: u32) -> Month {
    Month::new(y, mo).expect("month")
}

fn date(y: i32, mo: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, mo, d).expect("date")
}

/// How long a month's figures take over a large campaign.
fn month_rollups_of_a_100k_problem_campaign() {
    let docs = duzhan::core::fieldwork::generate::generate_campaign(2020, 1000, 20_000, 100_000);
    let snapshot = duzhan::core::snapshot::Snapshot::from_docs(&docs);
    let field = FieldSnapshot::from_docs(&docs);
    let ledger = LedgerIndex::build(&docs, date(2020, 12, 31));
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = std::time::Instant::now();
        let r = MonthRollups::compute(Period::new(m(2020, 6), date(2020, 12, 31)), &snapshot, &field, ledger.problems_with_events());
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(r.targets.len(), snapshot.targets.len());
    }
    times.sort_by(f64::total_cmp);
    println!("month roll-ups over {} targets, 20,000 visits, 100,000 problems: median {:.0} ms", snapshot.targets.len(), times[2]);
}
