//! The import benchmark's bundle (the same generated campaign as
//! `tests/bundle_browser_bench.rs`: 108,727 records, 55 MB), for the in-app import
//! benchmark and for profiling the import natively. Not part of the test run.
//!
//! `cargo run --profile bench --example bench_bundle -- write <file>`: writes the
//! bundle file (what `tests/e2e/bench/import.bench.mjs` imports through the app);
//! `write <file> <targets> <visits> <problems>` a campaign of another size.
//!
//! `squad <file> <tag> [problems]`: squad `<tag>`'s bundle of about 2,000 records (its
//! own targets, visits, answers, problems and events, under ids `sq<tag>-…` that no
//! other generated campaign uses), for the save benchmark's import
//! (`tests/e2e/bench/save.bench.mjs`).
//!
//! `squads <dir> <n>`: squads 1…n's bundles as `<dir>/squad-001.json`… (kept if there),
//! for the batch import benchmark (`tests/e2e/bench/batch.bench.mjs`).
//!
//! `photos <file> <n> [kb]`: a squad's v3 bundle carrying `n` photos of about `kb` KB
//! (default 500 of 300 KB: ~150 MB of photos) on one visit, for the photo import
//! benchmark (`tests/e2e/bench/photos.bench.mjs`); `encrypt <plain> <file>`: that file
//! encrypted in chunks with the passphrase `bench` (envelope version 2).
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
    if args.first().map(String::as_str) == Some("squad") {
        let (Some(path), Some(tag)) = (args.get(1), args.get(2)) else { return Err("squad <file> <tag> [problems]".into()) };
        let problems = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(420);
        let (bytes, records) = squad_bundle(tag, problems)?;
        std::fs::write(path, &bytes).map_err(|e| format!("{path}: {e}"))?;
        eprintln!("{path}: {records} records, {} bytes", bytes.len());
        return Ok(());
    }
    if args.first().map(String::as_str) == Some("photos") {
        let path = args.get(1).ok_or("photos <file> <n> [kb]")?;
        let n = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(500);
        let kb = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(300);
        let bytes = photo_bundle(n, kb)?;
        std::fs::write(path, &bytes).map_err(|e| format!("{path}: {e}"))?;
        eprintln!("{path}: {n} photos of {kb} KB, {} bytes", bytes.len());
        return Ok(());
    }
    if args.first().map(String::as_str) == Some("encrypt") {
        // A file encrypted in chunks (envelope version 2), as the app writes one
        // carrying photos: passphrase `bench`, the real key derivation.
        let (Some(from), Some(to)) = (args.get(1), args.get(2)) else { return Err("encrypt <plain file> <file>".into()) };
        let plain = std::fs::read(from).map_err(|e| format!("{from}: {e}"))?;
        let p = duzhan::core::bundle::crypto::EncryptParams {
            passphrase: "bench",
            salt: *b"duzhan-bench-sal",
            nonce: *b"duzhan-bench",
            iterations: duzhan::core::bundle::limits::MIN_ITERATIONS,
        };
        let (mut out, mut w) = duzhan::core::bundle::crypto::encrypt_chunked(&p, duzhan::core::bundle::stream::CHUNK_BYTES).map_err(|e| e.to_string())?;
        out.extend(w.push(&plain).map_err(|e| e.to_string())?);
        out.extend(w.finish().map_err(|e| e.to_string())?);
        std::fs::write(to, &out).map_err(|e| format!("{to}: {e}"))?;
        eprintln!("{to}: {from} encrypted in chunks, {} bytes", out.len());
        return Ok(());
    }
    if args.first().map(String::as_str) == Some("squads") {
        let (Some(dir), Some(n)) = (args.get(1), args.get(2).and_then(|s| s.parse::<usize>().ok())) else { return Err("squads <dir> <n>".into()) };
        std::fs::create_dir_all(dir).map_err(|e| format!("{dir}: {e}"))?;
        for i in 1..=n {
            let path = format!("{dir}/squad-{i:03}.json");
            if std::path::Path::new(&path).exists() {
                continue;
            }
            let (bytes, records) = squad_bundle(&i.to_string(), 420)?;
            std::fs::write(&path, &bytes).map_err(|e| format!("{path}: {e}"))?;
            eprintln!("{path}: {records} records, {} bytes", bytes.len());
        }
        return Ok(());
    }
    let bytes = generated_bundle(targets, visits, problems).map_err(|e| e.to_string())?;
    match args.first().map(String::as_str) {
        Some("write") => {
            let path = args.get(1).ok_or("write <file>")?;
            // BENCH_SIGNED=1: the same records as a signed (v2) bundle, for comparing
            // what verifying adds to an import (docs/performance.md, "Signed bundles").
            let bytes = if std::env::var("BENCH_SIGNED").is_ok_and(|v| v == "1") { signed(&bytes)? } else { bytes };
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
                let p = preview(incoming, &b, &SyncLedger::default(), duzhan::core::bundle::import::MAX_WALL_MS).map_err(|e| e.to_string())?;
                eprintln!("read + check {:?}, merge {:?} ({} docs staged)", t1 - t0, t1.elapsed(), p.change.docs.len());
            }
        }
        _ => return Err("usage: bench_bundle write <file> [targets visits problems] | read [times]".into()),
    }
    Ok(())
}

/// A squad device's full bundle: the embedded default plus a small generated
/// campaign whose ids (and every reference to them) start with `sq<tag>-` instead
/// of `gen-`, so that it adds records to any store, the benchmark's 100,000 included.
fn squad_bundle(tag: &str, problems: usize) -> Result<(Vec<u8>, usize), String> {
    use duzhan::core::bundle::{export_bundle, ExportRequest, ExportScope};
    use serde_json::Value;
    let rename = |s: &str| s.strip_prefix("gen-").map(|rest| format!("sq{tag}-{rest}"));
    let generated: Vec<duzhan::core::doc::Doc> = duzhan::core::fieldwork::generate::generate_campaign(2021, 12, 20, problems)
        .into_iter()
        .map(|mut d| {
            if let Some(id) = rename(&d.id) {
                d.id = id;
            }
            for f in d.fields.values_mut() {
                if let Some(v) = f.v.as_str().and_then(rename) {
                    f.v = Value::String(v);
                }
            }
            d
        })
        .collect();
    let mut r = Replica::from_parts(default_plan::docs(), Hlc::new(DeviceId(format!("d-bench-squad-{tag}"))));
    let c = r.stage_merge(&generated);
    r.apply(c);
    let date = chrono::NaiveDate::from_ymd_opt(2020, 9, 30).unwrap_or_default();
    // Each squad's bundle is its own (a receiving ledger tells bundles apart by id).
    let mut bundle_id = [9u8; 16];
    for (i, b) in tag.bytes().enumerate() {
        bundle_id[i % 16] ^= b;
    }
    let req = ExportRequest {
        scope: ExportScope::Full,
        recipient: None,
        squad_name: format!("bench squad {tag}"),
        created_ms: 1_600_000_000_000,
        date,
        bundle_id,
        carry_restricted: true,
    };
    let bytes = export_bundle(&r, &SyncLedger::default(), &req).map_err(|e| e.to_string())?.bytes;
    Ok((bytes, r.len()))
}

/// The same bundle re-exported signed, with the same id, device and time.
fn signed(bytes: &[u8]) -> Result<Vec<u8>, String> {
    use duzhan::core::bundle::export::export_signed;
    use duzhan::core::bundle::sign::DeviceKey;
    use duzhan::core::bundle::{ExportRequest, ExportScope};
    let incoming = read_bundle(bytes, None, &Limits::default()).map_err(|e| e.to_string())?;
    let h = incoming.header.clone();
    let r = Replica::from_parts(incoming.docs, Hlc::new(h.device_id.clone()));
    let date = chrono::NaiveDate::from_ymd_opt(2020, 9, 30).ok_or("date")?;
    let req = ExportRequest {
        scope: ExportScope::Full,
        recipient: None,
        squad_name: h.squad_name,
        created_ms: h.created_ms,
        date,
        bundle_id: [7; 16],
        carry_restricted: true,
    };
    Ok(export_signed(&r, &SyncLedger::default(), &req, Some(&DeviceKey::from_seed([9; 32], 0))).map_err(|e| e.to_string())?.bytes)
}

/// A squad's signed v3 bundle: the default plan, a visit at 甘塘 and `n` photos of
/// about `kb` KB on it (JPEG structures with varied data, as the import checks them).
fn photo_bundle(n: usize, kb: usize) -> Result<Vec<u8>, String> {
    use duzhan::core::bundle::export::export_carrying;
    use duzhan::core::bundle::photos;
    use duzhan::core::bundle::sign::DeviceKey;
    use duzhan::core::bundle::{ExportRequest, ExportScope};
    use duzhan::core::fieldwork::photo::{photo_hash, photo_id, Photo, PhotoSlot, TakenFrom};
    use duzhan::core::fieldwork::{Visit, VisitMode, VisitStatus};
    let date = chrono::NaiveDate::from_ymd_opt(2020, 9, 30).ok_or("date")?;
    let mut r = Replica::from_parts(default_plan::docs(), Hlc::new(DeviceId("d-bench-photos".into())));
    let mut v = Visit::new_draft("v-bench-photos".into(), "seed-target-gantang".into(), date, VisitMode::SquadRoutine);
    v.members = vec!["李明".into()];
    v.status = VisitStatus::Submitted;
    v.submitted_ms = Some(1_601_424_000_000);
    let c = r.stage_save(&[v], 1_601_424_000_000);
    r.apply(c);
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let images: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            let mut b = vec![0xFF, 0xD8, 0xFF, 0xDB, 0, 67, 0];
            b.extend((0..64).map(|k| (i as u8).wrapping_add(k)));
            b.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8, 0x04, 0xB0, 0x06, 0x40, 1, 1, 0x11, 0]);
            b.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0]);
            b.extend((0..kb * 1024).map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed as u8) & 0x7F
            }));
            b.extend_from_slice(&[0xFF, 0xD9]);
            b
        })
        .collect();
    let records: Vec<Photo> = images
        .iter()
        .map(|b| {
            let sha256 = photo_hash(b);
            Photo {
                id: photo_id("v-bench-photos", &sha256),
                owner_id: "v-bench-photos".into(),
                slot: PhotoSlot::Visit,
                target_id: "seed-target-gantang".into(),
                sha256,
                bytes: b.len() as u32,
                width: 1600,
                height: 1200,
                taken_ms: 1_601_424_000_000,
                taken_from: TakenFrom::Attached,
                geo: None,
                caption: String::new(),
                stamped: false,
                attached_ms: 1_601_424_000_000,
                squad_name: "bench squad".into(),
                source_sha256: None,
            }
        })
        .collect();
    let c = r.stage_save(&records, 1_601_424_000_000);
    r.apply(c);
    let held = images.iter().map(|b| (photo_hash(b), b.len() as u32)).collect();
    let by_hash: std::collections::BTreeMap<String, &Vec<u8>> = images.iter().map(|b| (photo_hash(b), b)).collect();
    let req = ExportRequest {
        scope: ExportScope::Full,
        recipient: None,
        squad_name: "bench squad".into(),
        created_ms: 1_601_424_000_000,
        date,
        bundle_id: [5; 16],
        carry_restricted: false,
    };
    let f = export_carrying(&r, &SyncLedger::default(), &req, Some(&DeviceKey::from_seed([8; 32], 0)), &held).map_err(|e| e.to_string())?;
    let mut out = f.bytes;
    for (i, e) in f.photos.iter().enumerate() {
        out.extend(photos::photo_line(e, by_hash[&e.sha256], i + 1 == f.photos.len()).map_err(|e| e.to_string())?);
    }
    out.extend(photos::close_line());
    Ok(out)
}
