//! Writes the test fixtures that are files in the repository. Run once, commit what
//! it wrote, never regenerate a released fixture: the tests hold today's code to
//! yesterday's files. Not part of the test run (`cargo test` only builds it).
//!
//! `cargo run --example write_fixtures` writes whatever is missing of:
//! - `tests/fixtures/bundle-v1-full.json`, its state hash and
//!   `bundle-v1-full.enc.json` (`tests/bundle_fixtures.rs`);
//! - `tests/fixtures/bundle-v2-full.json` (the v1 fixture's records, signed),
//!   `bundle-v2-full.enc.json` and `receipt-v2.json` (`tests/bundle_fixtures.rs`);
//! - `tests/fixtures/bundle-v3-photos.json` (the v1 fixture's records, a visit and
//!   two photos from `tests/fixtures/photos/`, carried),
//!   `receipt-v2-photos-wanted.json` and `bundle-v3-photos.enc.json` (the v3
//!   fixture encrypted in chunks, envelope version 2) (`tests/bundle_fixtures.rs`);
//! - a golden-record file `tests/fixtures/records-v1-<commit>.json`, named after
//!   `git rev-parse --short HEAD`, when no records fixture holds every record kind
//!   this version knows (`tests/record_fixtures.rs`). A new record kind gets a new
//!   file this way; the old ones stay.
//!
//! `cargo run --example write_fixtures -- hostile` rewrites `tests/hostile/` and its
//! `expected.tsv` (`tests/bundle_hostile.rs`); `-- fuzz-seeds` rewrites
//! `fuzz/seeds/parse_bundle/` (libFuzzer's seed corpus, `fuzz/`).

#[path = "../tests/bundle_support/mod.rs"]
mod bundle_support;
#[path = "../tests/corpus_support/mod.rs"]
mod corpus_support;

use bundle_support::Device;
use chrono::NaiveDate;
use duzhan::core::bundle::canonical::value_bytes;
use duzhan::core::bundle::crypto::{encrypt, EncryptParams};
use duzhan::core::bundle::kinds::{rules_for, KINDS};
use duzhan::core::bundle::limits::MIN_ITERATIONS;
use duzhan::core::bundle::{export_bundle, ExportRequest, ExportScope, SyncLedger};
use duzhan::core::clock::{DeviceId, Hlc};
use duzhan::core::doc::{Doc, Entity};
use duzhan::core::fieldwork::generate::generate_campaign;
use duzhan::core::fieldwork::photo::{photo_hash, photo_id, Geo, Photo, PhotoSlot, TakenFrom};
use duzhan::core::fieldwork::{FieldSnapshot, LedgerIndex, Problem, ProblemEvent, Visit};
use duzhan::core::model::Target;
use duzhan::core::replica::Replica;
use duzhan::core::report::model::filing_id;
use duzhan::core::report::month::Month;
use duzhan::core::report::{report_id, Filing, MonthRollups, MonthlyReport, Period, Subject};
use duzhan::core::snapshot::Snapshot;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const PASSPHRASE: &str = "楚雄州2020督战";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures").join(name)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("wrote {} ({} bytes)", path.display(), bytes.len());
    Ok(())
}

fn main() -> Result<(), String> {
    let arg = std::env::args().nth(1);
    match arg.as_deref() {
        None => {
            std::fs::create_dir_all(fixture("")).map_err(|e| e.to_string())?;
            write_missing_bundle_fixtures()?;
            write_missing_v2_fixtures()?;
            write_missing_v3_fixtures()?;
            write_records_fixture_if_a_kind_is_missing()
        }
        Some("hostile") => write_hostile_corpus(),
        Some("fuzz-seeds") => write_fuzz_seeds(),
        Some(other) => Err(format!("unknown part {other:?}: none, hostile or fuzz-seeds")),
    }
}

/// The v1 fixtures, as first written at `27a264c`: the embedded default of the
/// day, exported by device `d-0000000000000001` of 州扶贫办 on 2020-03-15.
fn write_missing_bundle_fixtures() -> Result<(), String> {
    let plain_path = fixture("bundle-v1-full.json");
    if !plain_path.exists() {
        let r = Replica::from_parts(duzhan::core::default_plan::docs(), Hlc::new(DeviceId("d-0000000000000001".into())));
        let req = ExportRequest {
            scope: ExportScope::Full,
            recipient: None,
            squad_name: "州扶贫办".into(),
            created_ms: 1_584_230_400_000,
            date: NaiveDate::from_ymd_opt(2020, 3, 15).unwrap(),
            bundle_id: *b"duzhan-fixture-1",
            carry_restricted: true,
        };
        let bytes = export_bundle(&r, &SyncLedger::default(), &req).map_err(|e| e.to_string())?.bytes;
        write(&plain_path, &bytes)?;
        let mut e = Device::empty("d-e");
        e.import(&bytes).map_err(|e| e.to_string())?;
        write(&fixture("bundle-v1-full.state-hash"), format!("{}\n", e.hash()).as_bytes())?;
    }
    let enc_path = fixture("bundle-v1-full.enc.json");
    if !enc_path.exists() {
        let plain = std::fs::read(&plain_path).map_err(|e| e.to_string())?;
        let sealed =
            encrypt(&plain, &EncryptParams { passphrase: PASSPHRASE, salt: *b"duzhan-fixture-s", nonce: *b"duzhan-nonce", iterations: MIN_ITERATIONS })
                .map_err(|e| e.to_string())?;
        write(&enc_path, &sealed)?;
    }
    Ok(())
}

/// The seed of the v2 fixtures' signing key (a fixture's key is public by design).
const V2_SEED: [u8; 32] = *b"duzhan-fixture-signing-key-v2-01";

/// The office device's key in the receipt fixtures: the v2 seed with its last byte `02`.
fn office_key() -> duzhan::core::bundle::sign::DeviceKey {
    let mut seed = V2_SEED;
    seed[31] = b'2';
    duzhan::core::bundle::sign::DeviceKey::from_seed(seed, 0)
}

/// A receipt by the office device of the fixtures (州扶贫办（收件）, 2020-03-16).
fn office_receipt(created_ms: u64, receipt_id: [u8; 16]) -> duzhan::core::bundle::receipt::ReceiptRequest {
    duzhan::core::bundle::receipt::ReceiptRequest {
        for_device: None,
        squad_name: "州扶贫办（收件）".into(),
        created_ms,
        date: NaiveDate::from_ymd_opt(2020, 3, 16).unwrap(),
        receipt_id,
    }
}

/// The v2 fixtures, first written at the commit that introduced signing: the v1
/// fixture's records, exported by the same device, time and bundle id, signed with
/// the key of [`V2_SEED`]; that file encrypted; and a receipt by the office device
/// `d-0000000000000009` acknowledging it, signed with the key of the seed with its
/// last byte `02`.
fn write_missing_v2_fixtures() -> Result<(), String> {
    use duzhan::core::bundle::import::read_bundle;
    use duzhan::core::bundle::receipt::make_receipt_signed;
    use duzhan::core::bundle::sign::DeviceKey;
    let plain_path = fixture("bundle-v2-full.json");
    let v1 = std::fs::read(fixture("bundle-v1-full.json")).map_err(|e| e.to_string())?;
    let incoming = read_bundle(&v1, None, &bundle_support::test_limits()).map_err(|e| e.to_string())?;
    let key = DeviceKey::from_seed(V2_SEED, 0);
    if !plain_path.exists() {
        let bytes = bundle_support::reexport(incoming.clone(), Some(&key));
        write(&plain_path, &bytes)?;
    }
    let enc_path = fixture("bundle-v2-full.enc.json");
    if !enc_path.exists() {
        let plain = std::fs::read(&plain_path).map_err(|e| e.to_string())?;
        let sealed =
            encrypt(&plain, &EncryptParams { passphrase: PASSPHRASE, salt: *b"duzhan-fixture-2", nonce: *b"duzhan-nonc2", iterations: MIN_ITERATIONS })
                .map_err(|e| e.to_string())?;
        write(&enc_path, &sealed)?;
    }
    let receipt_path = fixture("receipt-v2.json");
    if !receipt_path.exists() {
        let plain = std::fs::read(&plain_path).map_err(|e| e.to_string())?;
        let mut office = Device::empty("d-0000000000000009");
        office.import(&plain).map_err(|e| e.to_string())?;
        let req = office_receipt(1_584_316_800_000, *b"duzhan-receipt-1");
        let file = make_receipt_signed(&office.replica, &office.ledger, &req, Some(&office_key())).map_err(|e| e.to_string())?;
        write(&receipt_path, &file.bytes)?;
    }
    Ok(())
}

/// The v3 fixtures, first written at the commit that introduced them: the v1
/// fixture's records plus a visit with two photos, exported with the photos by the
/// v1 fixture's device signed with the v2 key (`bundle_support::v3_fixture_file`);
/// and a receipt by the office device `d-0000000000000009` (key of the v2 seed
/// with last byte `02`) that took the file's records but not its photos, asking
/// for both (`photos_wanted`).
fn write_missing_v3_fixtures() -> Result<(), String> {
    use duzhan::core::bundle::import::read_bundle;
    use duzhan::core::bundle::receipt::make_receipt_wanting;
    use duzhan::core::bundle::sign::DeviceKey;
    let path = fixture("bundle-v3-photos.json");
    if !path.exists() {
        let v1 = std::fs::read(fixture("bundle-v1-full.json")).map_err(|e| e.to_string())?;
        let incoming = read_bundle(&v1, None, &bundle_support::test_limits()).map_err(|e| e.to_string())?;
        write(&path, &bundle_support::v3_fixture_file(incoming.docs, &DeviceKey::from_seed(V2_SEED, 0)))?;
    }
    let receipt_path = fixture("receipt-v2-photos-wanted.json");
    if !receipt_path.exists() {
        let file = std::fs::read(&path).map_err(|e| e.to_string())?;
        let mut office = Device::empty("d-0000000000000009");
        office.import(&file).map_err(|e| e.to_string())?;
        let wanted = duzhan::core::fieldwork::photo::missing(&office.replica, &[]);
        let req = office_receipt(1_584_320_400_000, *b"duzhan-receipt-3");
        let receipt = make_receipt_wanting(&office.replica, &office.ledger, &req, Some(&office_key()), &wanted).map_err(|e| e.to_string())?;
        write(&receipt_path, &receipt.bytes)?;
    }
    let enc_path = fixture("bundle-v3-photos.enc.json");
    if !enc_path.exists() {
        let plain = std::fs::read(&path).map_err(|e| e.to_string())?;
        write(&enc_path, &bundle_support::v3_fixture_encrypted(&plain))?;
    }
    Ok(())
}

/// The kinds held by the records fixtures already committed.
fn kinds_in_records_fixtures() -> BTreeSet<String> {
    let mut kinds = BTreeSet::new();
    for e in std::fs::read_dir(fixture("")).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("records-v1-") && name.ends_with(".json") {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            let v: Value = serde_json::from_str(&text).unwrap_or_default();
            for r in v["records"].as_array().into_iter().flatten() {
                kinds.insert(r["kind"].as_str().unwrap_or("").to_owned());
            }
        }
    }
    kinds
}

fn write_records_fixture_if_a_kind_is_missing() -> Result<(), String> {
    let have = kinds_in_records_fixtures();
    if KINDS.iter().all(|k| have.contains(k.kind)) {
        eprintln!("the records fixtures hold every kind; nothing to write");
        return Ok(());
    }
    let head = std::process::Command::new("git").args(["rev-parse", "--short", "HEAD"]).current_dir(repo()).output().map_err(|e| format!("git: {e}"))?;
    let head = String::from_utf8_lossy(&head.stdout).trim().to_owned();
    if head.is_empty() {
        return Err("git rev-parse --short HEAD said nothing".into());
    }
    let path = fixture(&format!("records-v1-{head}.json"));
    write(&path, &golden_records(&head)?)
}

/// Real records of every kind, from the app's own sources: the embedded default
/// (campaign, phases, milestones, departments, counties, targets, figures, people,
/// assignments, checklist, requirements), the field-work generator (targets with GPS
/// visits, answers, problems and their histories), and a monthly report and a filing
/// written here, whose figures are computed by the month roll-ups. Up to three of
/// each kind, plus every record they refer to, so they import on their own.
fn golden_records(head: &str) -> Result<Vec<u8>, String> {
    let mut pool: Vec<Doc> = duzhan::core::default_plan::docs();
    let generated = generate_campaign(2020, 4, 8, 12);
    let seed_ids: BTreeSet<String> = pool.iter().map(|d| d.id.clone()).collect();
    pool.extend(generated.into_iter().filter(|d| !seed_ids.contains(&d.id)));

    // A target with a submitted visit that has a GPS fix: its report for the
    // visit's month, with the figures the roll-ups compute, submitted and answered.
    let visits: Vec<Visit> = pool.iter().filter(|d| d.kind == Visit::KIND).filter_map(|d| Visit::from_doc(d).ok()).collect();
    let visit = visits.iter().find(|v| v.gps.is_some() && v.submitted_ms.is_some()).ok_or("no submitted visit with GPS")?;
    let month = Month::of(visit.date);
    let period = Period::new(month, month.last_day());
    let snapshot = Snapshot::from_docs(&pool);
    let field = FieldSnapshot::from_docs(&pool);
    let ledger = LedgerIndex::build(&pool, period.as_of);
    let rollups = MonthRollups::compute(period, &snapshot, &field, ledger.problems_with_events());
    let target = pool.iter().find(|d| d.id == visit.target_id).and_then(|d| Target::from_doc(d).ok()).ok_or("the visit's target")?;
    let subject = Subject::Target(target.id.clone());
    let county_subject = Subject::County(target.county_id.clone());
    let day = |d: u32| NaiveDate::from_ymd_opt(month.year(), month.month(), d);
    let reports = [
        MonthlyReport {
            id: report_id(&subject, month),
            subject: subject.clone(),
            month,
            analysis: format!("{}本月走访农户，“两不愁三保障”总体达标，发现饮水安全问题1个，已督促整改。", target.name),
            report: "一、基本情况\n二、督战发现的问题\n三、整改落实情况\n四、下月工作打算".into(),
            author: "李明（州扶贫办）".into(),
            submitted_on: day(19),
            figures: rollups.of(&subject).cloned(),
            feedback: "问题整改要对账销号，下月报送前完成复核。".into(),
            feedback_by: "州脱贫攻坚挂牌督战指挥部".into(),
            feedback_on: day(25),
        },
        MonthlyReport {
            id: report_id(&county_subject, month),
            subject: county_subject.clone(),
            month,
            analysis: "全县挂牌督战对象总体进展顺利。".into(),
            report: String::new(),
            author: "王芳".into(),
            submitted_on: None,
            figures: rollups.of(&county_subject).cloned(),
            feedback: String::new(),
            feedback_by: String::new(),
            feedback_on: None,
        },
    ];
    for r in &reports {
        pool.push(Doc::edit(None, MonthlyReport::KIND, &r.id, r.to_values(), &stamp()).ok_or("a report doc")?);
    }
    // A filing answers a one-off requirement (a monthly one is answered by reports).
    let requirement =
        pool.iter().find(|d| d.kind == "requirement" && d.values()["schedule"]["type"] == "once").ok_or("no one-off requirement in the default")?.id.clone();
    let filing = Filing {
        id: filing_id(&requirement, &county_subject),
        requirement_id: requirement,
        subject: county_subject,
        filed_on: NaiveDate::from_ymd_opt(2020, 3, 10),
        contact: "张伟 0878-3013497".into(),
        note: "纸质材料已送州扶贫办综合科。".into(),
    };
    pool.push(Doc::edit(None, Filing::KIND, &filing.id, filing.to_values(), &stamp()).ok_or("a filing doc")?);

    // Photos (照片取证, first in `records-v1-<the commit that added them>`): on the
    // visit with GPS (its fix, the time from EXIF, stamped), on a problem before
    // rectification, on a verification after it. Only the records: the bytes are
    // addressed by their hash (`fieldwork::photo`).
    let problem = pool.iter().filter(|d| d.kind == Problem::KIND).find_map(|d| Problem::from_doc(d).ok()).ok_or("no problem")?;
    let verified = pool
        .iter()
        .filter(|d| d.kind == ProblemEvent::KIND)
        .filter_map(|d| ProblemEvent::from_doc(d).ok())
        .find(|e| e.verification.is_some())
        .ok_or("no verification")?;
    let verified_target = pool.iter().find(|d| d.id == verified.problem_id).and_then(|d| Problem::from_doc(d).ok()).ok_or("the verified problem")?.target_id;
    let gps = visit.gps.as_ref().map(|g| Geo { lat: g.lat, lon: g.lon, accuracy_m: Some(g.accuracy_m) });
    let photos = [
        (visit.id.clone(), PhotoSlot::Visit, visit.target_id.clone(), TakenFrom::Exif, gps, "入户核查：住房外景", true),
        (problem.id.clone(), PhotoSlot::Before, problem.target_id.clone(), TakenFrom::Attached, None, "整改前：饮水管道破损", false),
        (
            verified.id.clone(),
            PhotoSlot::Verified,
            verified_target,
            TakenFrom::Exif,
            Some(Geo { lat: 25.531, lon: 102.404, accuracy_m: None }),
            "核验：已通水",
            true,
        ),
    ];
    for (n, (owner, slot, target_id, taken_from, geo, caption, stamped)) in photos.into_iter().enumerate() {
        let sha256 = photo_hash(format!("duzhan fixture photo {n}").as_bytes());
        let p = Photo {
            id: photo_id(&owner, &sha256),
            owner_id: owner,
            slot,
            target_id,
            sha256,
            bytes: 312_480 + n as u32,
            width: 1600,
            height: 1200,
            taken_ms: 1_584_230_400_000 - 3_600_000,
            taken_from,
            geo,
            caption: caption.into(),
            stamped,
            attached_ms: 1_584_230_400_000,
            squad_name: "州扶贫办第一督战小分队".into(),
            source_sha256: Some(photo_hash(format!("duzhan fixture original {n}").as_bytes())),
        };
        pool.push(Doc::edit(None, Photo::KIND, &p.id, p.to_values(), &stamp()).ok_or("a photo doc")?);
    }

    // Up to three of each kind (preferring the richest: visits with GPS, events with
    // a verification), then everything they refer to.
    let by_id: BTreeMap<&str, &Doc> = pool.iter().map(|d| (d.id.as_str(), d)).collect();
    let mut chosen: BTreeSet<&str> = BTreeSet::new();
    for k in KINDS.iter() {
        let mut of_kind: Vec<&Doc> = pool.iter().filter(|d| d.kind == k.kind && !d.is_deleted()).collect();
        of_kind.sort_by_key(|d| std::cmp::Reverse(richness(d)));
        if of_kind.is_empty() {
            return Err(format!("no {} record to write", k.kind));
        }
        chosen.extend(of_kind.iter().take(3).map(|d| d.id.as_str()));
    }
    chosen.insert(visit.id.as_str());
    chosen.insert(target.id.as_str());
    let mut work: Vec<&str> = chosen.iter().copied().collect();
    while let Some(id) = work.pop() {
        let d = by_id[id];
        let links = (rules_for(&d.kind).ok_or("unknown kind")?.inspect)(d).map_err(|e| format!("{id}: {e:?}"))?;
        for r in links.refs {
            let to = by_id.get(r.id.as_str()).ok_or(format!("{id} refers to a missing {}", r.id))?;
            if chosen.insert(to.id.as_str()) {
                work.push(to.id.as_str());
            }
        }
    }

    // One record a line, in kind order then id order, so the file diffs and reads well.
    let mut records: Vec<&Doc> = chosen.iter().map(|id| by_id[id]).collect();
    let order = |kind: &str| KINDS.iter().position(|k| k.kind == kind).unwrap_or(usize::MAX);
    records.sort_by(|a, b| (order(&a.kind), &a.id).cmp(&(order(&b.kind), &b.id)));
    let mut out = format!(
        "{{\"about\":\"Golden records of every kind, written at {head} by `cargo run --example write_fixtures`. Never edit or regenerate: tests/record_fixtures.rs reads it forever.\",\"records\":[\n"
    );
    for (i, d) in records.iter().enumerate() {
        let line = value_bytes(&json!({ "kind": d.kind, "record": Value::Object(d.values()) })).map_err(|e| e.to_string())?;
        out.push_str(&String::from_utf8_lossy(&line));
        out.push_str(if i + 1 < records.len() { ",\n" } else { "\n" });
    }
    out.push_str("]}\n");
    Ok(out.into_bytes())
}

/// How many fields of a record hold something (not null, "", [] or false).
fn richness(d: &Doc) -> usize {
    d.values()
        .values()
        .filter(|v| !matches!(v, Value::Null | Value::Bool(false)) && v.as_str() != Some("") && v.as_array().is_none_or(|a| !a.is_empty()))
        .count()
}

fn stamp() -> duzhan::core::clock::Stamp {
    duzhan::core::clock::Stamp { wall: 1_584_230_400_000, n: 0, dev: DeviceId("d-0000000000000001".into()) }
}

fn write_hostile_corpus() -> Result<(), String> {
    let dir = repo().join("tests/hostile");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let mut manifest = String::from("# file\texpected error code (or ok)\tpassphrase\n# Generated by: cargo run --example write_fixtures -- hostile\n");
    for (name, bytes, expected, pass) in corpus_support::corpus() {
        write(&dir.join(name), &bytes)?;
        manifest.push_str(&format!("{name}\t{expected}\t{}\n", pass.unwrap_or("")));
    }
    write(&dir.join("expected.tsv"), manifest.as_bytes())
}

fn write_fuzz_seeds() -> Result<(), String> {
    // fuzz/seeds/ is committed; fuzz/corpus/ (ignored) is libFuzzer's working corpus.
    let dir = repo().join("fuzz/seeds/parse_bundle");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    for (i, s) in corpus_support::seeds().iter().enumerate() {
        write(&dir.join(format!("seed-{i}.json")), s)?;
    }
    Ok(())
}
