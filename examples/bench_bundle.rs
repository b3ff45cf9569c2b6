//! The import benchmark's bundle (the same generated campaign as
//! `tests/bundle_browser_bench.rs`: 108,727 records, 55 MB), for the in-app import
//! benchmark and for profiling the import natively. Not part of the test run.
//!
//! `cargo run --profile bench --example bench_bundle -- write <file>`: writes the
//! bundle file (what `tests/e2e/bench/import.bench.mjs` imports through the app);
//! `write <file> <targets> <visits> <problems>` a campaign of another size.
//!
//! `cargo build --profile bench --example bench_bundle` and then
//! `perf record --call-graph dwarf target/release/examples/bench_bundle read 3`:
//! reads, checks and merges it into a fresh device N times, printing each time.
use duzhan::core::bundle::import::read_bundle;
use duzhan::core::bundle::warmup::generated_bundle;
use duzhan::core::bundle::{preview, Limits, SyncLedger};
use duzhan::core::clock::{DeviceId, Hlc};
use duzhan::core::default_plan;
use duzhan::core::replica::Replica;
use std::time::Instant;

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `write <file> <targets> <visits> <problems>` scales the campaign (default 2,000 / 2,400 / 16,000).
    let scale: Vec<usize> = args.iter().skip(2).filter_map(|s| s.parse().ok()).collect();
    let (targets, visits, problems) = match scale[..] {
        [t, v, p] => (t, v, p),
        _ => (2_000, 2_400, 16_000),
    };
    let bytes = generated_bundle(targets, visits, problems).map_err(|e| e.to_string())?;
    match args.first().map(String::as_str) {
        Some("write") => {
            let path = args.get(1).ok_or("write <file>")?;
            std::fs::write(path, &bytes).map_err(|e| format!("{path}: {e}"))?;
            eprintln!("{path}: {} bytes", bytes.len());
        }
        Some("read") => {
            let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5);
            let b = Replica::from_parts(default_plan::docs(), Hlc::new(DeviceId("d-bench-b".into())));
            for _ in 0..n {
                let t0 = Instant::now();
                let incoming = read_bundle(&bytes, None, &Limits::default()).map_err(|e| e.to_string())?;
                let t1 = Instant::now();
                let p = preview(incoming, &b, &SyncLedger::default(), 5).map_err(|e| e.to_string())?;
                eprintln!("read + check {:?}, merge {:?} ({} docs staged)", t1 - t0, t1.elapsed(), p.change.docs.len());
            }
        }
        _ => return Err("usage: bench_bundle write <file> [targets visits problems] | read [times]".into()),
    }
    Ok(())
}
