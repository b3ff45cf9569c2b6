//! Timings of export, parse+validate and merge (ignored by default; run in release):
//! `cargo test --release --test bundle_perf -- --ignored --nocapture`.

mod bundle_support;

use bundle_support::{test_limits, Device};
use duzhan::core::bundle::import::read_bundle;
use duzhan::core::bundle::{preview, ExportScope};
use std::time::Instant;

#[test]
#[ignore]
fn seed_sized_bundles_export_and_import_quickly() {
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
    println!("seed bundle {} bytes: export {:?}/bundle, import {:?}/bundle, state hash {:?}", files[0].bytes.len(), (t1 - t0) / n as u32, (t2 - t1) / n as u32, (t3 - t2) / n as u32);
}

/// About 100,000 records: the embedded default plus a generated campaign (field
/// work's deterministic generator: targets, visits with their checklist answers,
/// problems with their rectification histories).
#[test]
#[ignore]
fn a_100k_record_bundle_parses_validates_and_merges_in_reasonable_time() {
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
    let p = preview(incoming, &b.replica, &b.ledger, 5).unwrap();
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
    println!("scoped export of one county: {:?}, {} records, {:.1} MB", t7.elapsed(), scoped.counts.values().sum::<u64>(), scoped.bytes.len() as f64 / 1048576.0);
}
