//! Native benchmarks of the core (criterion), in records per second:
//! merge of two ~100k-record datasets, bundle parse (+ validate), canonical state
//! hash, and the generator at the scale. Part of `scripts/bench.sh`; alone:
//! `cargo bench --bench core` (the `bench` profile: opt-level 3, see Cargo.toml).
//!
//! The data: the embedded default plus `generate_campaign(2020, 2_000, 2_400, 16_000)`
//! (about 108,000 records, the same campaign the browser import benchmark uses).
//! The second dataset of the merge is the same campaign as another device holds it
//! after both edited: device B rewrote one field of every other record, device A one
//! field of every fifth (so some fields end up with concurrent values, 并发修改).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use duzhan::core::bundle::import::read_bundle;
use duzhan::core::bundle::{export_bundle, state_hash, ExportRequest, ExportScope, Limits, SyncLedger};
use duzhan::core::clock::{DeviceId, Hlc, Stamp};
use duzhan::core::default_plan;
use duzhan::core::doc::{Doc, DELETED};
use duzhan::core::fieldwork::generate::generate_campaign;
use duzhan::core::replica::Replica;
use serde_json::Value;
use std::hint::black_box;
use std::time::Duration;

fn campaign() -> Replica {
    let mut r = Replica::from_parts(default_plan::docs(), Hlc::new(DeviceId("d-bench-a".into())));
    let c = r.stage_merge(&generate_campaign(2020, 2_000, 2_400, 16_000));
    r.apply(c);
    r
}

/// `d` with its first non-tombstone field rewritten by `dev` at `wall`.
fn edited(d: &Doc, dev: &str, wall: u64) -> Doc {
    let mut values = d.values();
    values.remove("id");
    if let Some(name) = d.fields.keys().find(|k| *k != DELETED).cloned() {
        values.insert(name, Value::String(format!("{dev}@{wall}")));
    }
    let st = Stamp { wall, n: 0, dev: DeviceId(dev.into()) };
    Doc::edit(Some(d), &d.kind, &d.id, values, &st).unwrap_or_else(|| d.clone())
}

fn benches(c: &mut Criterion) {
    let base = campaign();
    let n = base.len() as u64;
    // Device A's replica and device B's dataset, diverged from the same campaign.
    let mut a = base.clone();
    let a_edits: Vec<Doc> = a.docs().enumerate().filter(|(i, _)| i % 5 == 0).map(|(i, d)| edited(d, "d-bench-a", 1_700_000_000_000 + i as u64)).collect();
    let ch = a.stage_merge(&a_edits);
    a.apply(ch);
    let b_docs: Vec<Doc> =
        base.docs().enumerate().map(|(i, d)| if i % 2 == 0 { edited(d, "d-bench-b", 1_700_000_000_500 + i as u64) } else { d.clone() }).collect();
    drop(a_edits);

    let req = ExportRequest {
        scope: ExportScope::Full,
        recipient: None,
        squad_name: "bench".into(),
        created_ms: 1_600_000_000_000,
        date: chrono::NaiveDate::from_ymd_opt(2020, 9, 30).unwrap_or_default(),
        bundle_id: [7; 16],
        carry_restricted: false,
    };
    let bundle = export_bundle(&base, &SyncLedger::default(), &req).expect("export").bytes;
    let limits = Limits::default();
    eprintln!("core bench: {n} records, bundle {:.1} MB", bundle.len() as f64 / 1_048_576.0);

    let mut g = c.benchmark_group("core");
    g.sample_size(10).warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(n));
    g.bench_function("merge_two_100k_datasets", |bch| {
        bch.iter(|| {
            let change = a.stage_merge(black_box(&b_docs));
            black_box(change.docs.len())
        })
    });
    g.bench_function("bundle_parse_validate", |bch| bch.iter(|| black_box(read_bundle(black_box(&bundle), None, &limits).expect("read").docs.len())));
    g.bench_function("canonical_state_hash", |bch| bch.iter(|| black_box(state_hash(black_box(&base).docs()))));
    // The scale: 1,000 targets, 20,000 visits (each answering the 21 default
    // items), 100,000 problems with their histories — 776,931 records.
    let full = generate_campaign(2020, 1_000, 20_000, 100_000).len() as u64;
    g.throughput(Throughput::Elements(full));
    g.bench_function("generate_issue_scale_campaign", |bch| {
        bch.iter_batched(|| (), |()| black_box(generate_campaign(2020, 1_000, 20_000, 100_000).len()), BatchSize::PerIteration)
    });
    g.finish();
}

criterion_group!(core, benches);
criterion_main!(core);
