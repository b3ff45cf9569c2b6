//! Ledger micro-benchmark (not a timed test): builds the index over a generated
//! campaign of 100,000 problems and times what a keystroke costs in the core. It
//! asserts only correctness; the figures are printed (median and best of several
//! runs, since shared machines are noisy). For real numbers:
//! `cargo test --release --test fieldwork_bench -- --ignored --nocapture`.
//! `DUZHAN_LEDGER_BENCH_N` changes the number of problems.

use duzhan::core::doc::Doc;
use duzhan::core::fieldwork::generate::generate_campaign;
use duzhan::core::fieldwork::ledger::{LedgerFilter, LedgerIndex, LedgerQuery, LedgerSort, LedgerView, StatusFilter};
use std::time::Instant;

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

#[test]
#[ignore = "benchmark; run: cargo test --release --test fieldwork_bench -- --ignored --nocapture"]
fn ledger_of_100k_problems_builds_searches_and_updates() {
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
        ("未销号 + overdue, by status", LedgerQuery { filter: LedgerFilter { status: StatusFilter::Unclosed, overdue: true, ..Default::default() }, sort: LedgerSort::Status, ..Default::default() }),
        (
            "county + \"小河 李\", by target",
            LedgerQuery { filter: LedgerFilter { county: Some("gen-county-08".into()), ..Default::default() }, search: "小河 李".into(), sort: LedgerSort::Target, ..Default::default() },
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
        report.push(format!("keystroke {typed:?}: refine + first page median {r_med:.2} ms (best {r_best:.2}); fresh query {f_med:.2} ms → {} rows", v.total()));
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
