//! Export and import behaviour: full, delta and scoped bundles, the preview, gaps,
//! receipts and encryption, on devices that start from the embedded default.

mod bundle_support;

use bundle_support::{date, import_err, test_limits, Device};
use duzhan::core::bundle::crypto::{encrypt, EncryptParams};
use duzhan::core::bundle::export::{not_yet_received, not_yet_received_all, UnreceivedCount};
use duzhan::core::bundle::import::{read_bundle, AlreadyImported};
use duzhan::core::bundle::limits::MIN_ITERATIONS;
use duzhan::core::bundle::receipt::{apply_receipt, make_receipt, read_receipt, ReceiptRequest};
use duzhan::core::bundle::wire::{reseal, ScopeKind};
use duzhan::core::bundle::Limits;
use duzhan::core::bundle::{state_hash, ExportScope, ImportError, KindCounts, VersionVector};
use duzhan::core::clock::DeviceId;
use duzhan::core::default_plan;
use duzhan::core::model::Figure;
use duzhan::core::seed;
use serde_json::Value;

fn rename_target(d: &mut Device, id: &str, name: &str, now: u64) {
    let mut t = d.replica.snapshot().target(id).expect("target").clone();
    t.name = name.into();
    let c = d.replica.stage_save(&[t], now);
    d.replica.apply(c);
}

fn retownship(d: &mut Device, id: &str, township: &str, now: u64) {
    let mut t = d.replica.snapshot().target(id).expect("target").clone();
    t.township = township.into();
    let c = d.replica.stage_save(&[t], now);
    d.replica.apply(c);
}

fn add_figure(d: &mut Device, target: &str, value: f64, now: u64) -> String {
    let id = d.replica.new_id("fig", now);
    let f = Figure { id: id.clone(), target_id: target.into(), measured_on: date(), value, source: "入户核查".into() };
    let c = d.replica.stage_save(&[f], now);
    d.replica.apply(c);
    id
}

fn delete(d: &mut Device, id: &str, now: u64) {
    let c = d.replica.stage_delete(&[id], now);
    d.replica.apply(c);
}

/// Edits a bundle's JSON and recomputes its checksum.
fn edit(bytes: &[u8], f: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(bytes).unwrap();
    f(&mut v);
    reseal(&v.to_string()).expect("still a v1 envelope")
}

#[test]
fn a_full_bundle_imported_into_an_empty_device_reproduces_the_exact_state() {
    let mut a = Device::fresh("d-a");
    rename_target(&mut a, "seed-target-xiaohe", "小河村", 100);
    let f = add_figure(&mut a, "seed-target-xiaohe", 12.5, 101);
    delete(&mut a, "seed-target-wuding-fig-2020", 102);
    delete(&mut a, &f, 103);
    let file = a.export(ExportScope::Full, 200);
    let mut e = Device::empty("d-e");
    let p = e.import(&file.bytes).unwrap();
    assert_eq!(e.hash(), a.hash());
    assert_eq!(p.totals().records as usize, a.replica.len());
    assert!(e.replica.doc("seed-target-wuding-fig-2020").unwrap().is_deleted());
}

#[test]
fn importing_the_same_bundle_twice_changes_nothing() {
    let mut a = Device::fresh("d-a");
    rename_target(&mut a, "seed-target-xiaohe", "小河村", 100);
    let file = a.export(ExportScope::Full, 200);
    let mut b = Device::fresh("d-b");
    let first = b.import(&file.bytes).unwrap();
    assert_eq!(first.already_imported, None);
    let h = b.hash();
    let again = b.preview(&file.bytes).unwrap();
    assert_eq!(again.already_imported, Some(AlreadyImported::SameBundle));
    assert!(again.change.is_empty());
    assert_eq!(b.hash(), h);
}

#[test]
fn a_fresh_devices_bundle_is_nothing_new_to_another_fresh_device() {
    let mut a = Device::fresh("d-a");
    let file = a.export(ExportScope::Full, 200);
    let p = Device::fresh("d-b").preview(&file.bytes).unwrap();
    assert_eq!(p.already_imported, Some(AlreadyImported::NothingNew));
    assert_eq!(p.totals().unchanged, p.totals().records);
}

#[test]
fn the_preview_counts_new_changed_deleted_and_conflicting_records_per_kind() {
    let mut a = Device::fresh("d-a");
    let mut b = Device::fresh("d-b");
    rename_target(&mut a, "seed-target-xiaohe", "甲", 100);
    rename_target(&mut b, "seed-target-xiaohe", "乙", 101);
    delete(&mut b, "seed-target-wuding-fig-2020", 102);
    add_figure(&mut b, "seed-target-wuding", 3000.0, 103);
    let file = b.export(ExportScope::Full, 200);
    let p = a.preview(&file.bytes).unwrap();
    assert_eq!(p.kinds["target"], KindCounts { records: 13, new: 0, changed: 1, deleted: 0, conflicting: 1, unchanged: 12 });
    assert_eq!(p.kinds["figure"], KindCounts { records: 14, new: 1, changed: 0, deleted: 1, conflicting: 0, unchanged: 12 });
    assert_eq!(p.source_device, DeviceId("d-b".into()));
    assert_eq!(p.seq, 1);
    assert_eq!(p.squad_name, "小分队d-b");
    // The concurrent value stays visible after the import, on both sides of the exchange.
    a.replica.apply(p.change);
    let c = &a.replica.snapshot().conflicts["seed-target-xiaohe"];
    assert_eq!(c[0].field, "name");
}

#[test]
fn edits_to_different_fields_on_two_devices_both_survive_the_exchange() {
    let mut a = Device::fresh("d-a");
    let mut b = Device::fresh("d-b");
    rename_target(&mut a, "seed-target-xiaohe", "小河村", 100);
    retownship(&mut b, "seed-target-xiaohe", "高桥镇（新）", 101);
    let fa = a.export(ExportScope::Full, 200);
    let fb = b.export(ExportScope::Full, 200);
    a.import(&fb.bytes).unwrap();
    b.import(&fa.bytes).unwrap();
    assert_eq!(a.hash(), b.hash());
    let t = a.replica.snapshot().target("seed-target-xiaohe").unwrap().clone();
    assert_eq!((t.name.as_str(), t.township.as_str()), ("小河村", "高桥镇（新）"));
    assert!(a.replica.snapshot().conflicts.is_empty());
}

#[test]
fn a_delta_holds_what_the_recipient_lacks_and_the_records_those_refer_to() {
    let mut a = Device::fresh("d-a");
    add_figure(&mut a, "seed-target-gantang", 2200.0, 100);
    let file = a.export(ExportScope::Delta { known: VersionVector::new() }, 200);
    // The new figure, its target and the target's county; nothing else.
    assert_eq!(file.counts.iter().map(|(k, n)| (k.as_str(), *n)).collect::<Vec<_>>(), vec![("county", 1), ("figure", 1), ("target", 1)]);
    let mut b = Device::fresh("d-b");
    b.import(&file.bytes).unwrap();
    assert_eq!(b.hash(), a.hash());
    // Nothing changed since: the next delta against what b now holds is empty.
    let known = b.ledger.devices[&DeviceId("d-a".into())].has.clone();
    let next = a.export(ExportScope::Delta { known }, 300);
    assert!(next.counts.is_empty());
}

#[test]
fn a_delta_since_a_time_holds_only_later_writes() {
    let mut a = Device::fresh("d-a");
    add_figure(&mut a, "seed-target-gantang", 2200.0, 100);
    rename_target(&mut a, "seed-target-xiaohe", "小河村", 500);
    let file = a.export(ExportScope::DeltaSinceMs(400), 600);
    assert_eq!(file.counts.get("figure"), None);
    assert_eq!(file.counts["target"], 1);
}

#[test]
fn a_scoped_bundle_of_a_county_carries_its_targets_and_all_they_need() {
    let mut a = Device::fresh("d-a");
    let file = a.export(ExportScope::Scoped { county_ids: vec!["seed-county-wuding".into()], target_ids: vec![] }, 200);
    let c = &file.counts;
    assert_eq!(c["county"], 1);
    assert_eq!(c["target"], 4, "武定县, 小河村, 红土田, 西河");
    assert_eq!(c["figure"], 4);
    assert_eq!(c["campaign"], 1);
    assert_eq!(c["phase"], 3);
    assert_eq!(c["milestone"], 7, "6 campaign-wide + 1 scoped to 武定县");
    assert!(c["person"] > 0 && c["department"] > 0);
    // It imports on a device with nothing else: every reference resolves inside it.
    let mut e = Device::empty("d-e");
    e.import(&file.bytes).unwrap();
    let s = e.replica.snapshot();
    assert!(s.targets.iter().all(|t| t.county_id == "seed-county-wuding"));
    assert!(s.assignments.iter().all(|x| s.person(&x.person_id).is_some()));
}

#[test]
fn a_scoped_bundle_of_one_target_brings_its_county_but_not_its_neighbours() {
    let mut a = Device::fresh("d-a");
    let file = a.export(ExportScope::Scoped { county_ids: vec![], target_ids: vec!["seed-target-gantang".into()] }, 200);
    let incoming = read_bundle(&file.bytes, None, &test_limits()).unwrap();
    let ids: Vec<&str> = incoming.docs.iter().filter(|d| d.kind == "target" || d.kind == "county").map(|d| d.id.as_str()).collect();
    assert_eq!(ids, vec!["seed-county-yuanmou", "seed-target-gantang"]);
    assert_eq!(incoming.header.scope, ScopeKind::Scoped);
    assert_eq!(incoming.header.target_ids, vec!["seed-target-gantang".to_owned()]);
}

#[test]
fn gaps_are_reported_and_bundles_import_in_any_order() {
    let mut a = Device::fresh("d-a");
    let mut files = Vec::new();
    for (i, t) in ["seed-target-xiaohe", "seed-target-gantang", "seed-target-qixian"].iter().enumerate() {
        add_figure(&mut a, t, 100.0 + i as f64, 100 + i as u64);
        files.push(a.export(ExportScope::DeltaSinceMs(100 + i as u64), 200 + i as u64));
    }
    let mut b = Device::fresh("d-b");
    let p3 = b.import(&files[2].bytes).unwrap();
    assert_eq!(p3.gaps.first, vec![1, 2]);
    assert_eq!(p3.gaps.missing, 2);
    let p1 = b.import(&files[0].bytes).unwrap();
    assert_eq!(p1.gaps.first, vec![2]);
    let p2 = b.import(&files[1].bytes).unwrap();
    assert_eq!(p2.gaps.missing, 0);
    assert_eq!(b.hash(), a.hash());
    let known = b.ledger.known_devices();
    assert_eq!((known[0].last_seq, known[0].squad_name.as_str()), (3, "小分队d-a"));
}

#[test]
fn a_bundle_of_another_campaign_is_refused() {
    let mut a = Device::fresh("d-a");
    let file = a.export(ExportScope::Full, 200);
    let other = edit(&file.bytes, |v| v["campaign_id"] = "campaign-2021".into());
    // The campaign record inside still says 2020: refused while reading.
    assert!(matches!(import_err(&Device::fresh("d-b"), &other), ImportError::WrongCampaign { .. }));
    // A consistent bundle of another campaign: refused against this device's campaign.
    let mut x = Device::fresh("d-x");
    let consistent = edit(&x.export(ExportScope::Scoped { county_ids: vec!["seed-county-wuding".into()], target_ids: vec![] }, 1).bytes, |v| {
        v["campaign_id"] = "campaign-2021".into();
        for d in v["payload"]["docs"].as_array_mut().unwrap() {
            if d["kind"] == "campaign" {
                d["id"] = "campaign-2021".into();
            }
        }
    });
    assert_eq!(import_err(&Device::fresh("d-b"), &consistent), ImportError::WrongCampaign { bundle: "campaign-2021".into(), local: seed::CAMPAIGN_ID.into() });
}

#[test]
fn a_record_that_is_another_kind_here_is_refused() {
    let mut a = Device::fresh("d-a");
    let file = a.export(ExportScope::Full, 200);
    let bad = edit(&file.bytes, |v| {
        for d in v["payload"]["docs"].as_array_mut().unwrap() {
            if d["id"] == "seed-person-01" {
                d["id"] = "seed-county-wuding".into();
            }
            if d["kind"] == "county" && d["id"] == "seed-county-wuding" {
                d["id"] = "seed-county-wuding-x".into();
            }
        }
    });
    assert!(matches!(import_err(&Device::fresh("d-b"), &bad), ImportError::KindMismatch { .. }));
}

#[test]
fn re_importing_ones_own_bundle_is_recognised() {
    let mut a = Device::fresh("d-a");
    rename_target(&mut a, "seed-target-xiaohe", "小河村", 100);
    let file = a.export(ExportScope::Full, 200);
    let p = a.preview(&file.bytes).unwrap();
    assert!(p.own_bundle);
    assert_eq!(p.already_imported, Some(AlreadyImported::SameBundle));
    assert!(p.change.is_empty());
    assert!(p.ledger.devices.is_empty());
}

#[test]
fn a_receipt_clears_not_yet_received_until_something_changes() {
    let mut squad = Device::fresh("d-squad");
    let mut office = Device::fresh("d-office");
    let office_id = DeviceId("d-office".into());
    add_figure(&mut squad, "seed-target-xiaohe", 9.5, 100);
    assert_eq!(not_yet_received(&squad.replica, &squad.ledger, &office_id), 1);
    let file = squad.export(ExportScope::Full, 200);
    office.import(&file.bytes).unwrap();

    let req = ReceiptRequest { for_device: None, squad_name: "州扶贫办".into(), created_ms: 300, date: date(), receipt_id: [5; 16] };
    let r = make_receipt(&office.replica, &office.ledger, &req).unwrap();
    assert_eq!(r.entries, 1);
    assert!(r.file_name.starts_with("duzhan-receipt-州扶贫办-"));
    let receipt = read_receipt(&r.bytes, &test_limits()).unwrap();
    let out = apply_receipt(&receipt, &squad.replica, &squad.ledger).unwrap();
    assert_eq!(out.newly_acknowledged, vec![1]);
    squad.ledger = out.ledger;
    assert_eq!(not_yet_received(&squad.replica, &squad.ledger, &office_id), 0);
    // Twice: nothing new.
    assert!(apply_receipt(&receipt, &squad.replica, &squad.ledger).unwrap().newly_acknowledged.is_empty());
    // A new edit is not yet received; a delta since the acknowledged state holds it.
    rename_target(&mut squad, "seed-target-xiaohe", "小河村", 400);
    assert_eq!(not_yet_received(&squad.replica, &squad.ledger, &office_id), 1);
    let delta = squad.export(ExportScope::Delta { known: squad.ledger.known_by(&office_id) }, 500);
    assert_eq!(delta.counts["target"], 1);
    // A receipt is not a bundle, and the other way round.
    assert_eq!(import_err(&squad, &r.bytes), ImportError::ReceiptNotBundle);
    assert_eq!(read_receipt(&file.bytes, &test_limits()), Err(ImportError::BundleNotReceipt));
    // A damaged receipt is refused.
    let mut bad = r.bytes.clone();
    let i = bad.len() / 2;
    bad[i] ^= 0x01;
    assert!(read_receipt(&bad, &test_limits()).is_err());
}

#[test]
fn the_state_hash_does_not_depend_on_the_order_of_docs() {
    let mut docs = default_plan::docs();
    let h = state_hash(&docs);
    docs.reverse();
    assert_eq!(state_hash(&docs), h);
    docs.pop();
    assert_ne!(state_hash(&docs), h);
}

#[test]
fn an_encrypted_bundle_round_trips_and_refuses_a_wrong_passphrase() {
    // 1,000 iterations keep this fast; the real 600,000 are exercised by the
    // encrypted fixture (tests/bundle_fixtures.rs), once.
    let mut a = Device::fresh("d-a");
    rename_target(&mut a, "seed-target-xiaohe", "小河村", 100);
    let file = a.export(ExportScope::Full, 200);
    let sealed = encrypt(&file.bytes, &EncryptParams { passphrase: "楚雄州 督战 2020!", salt: [1; 16], nonce: [2; 12], iterations: 1000 }).unwrap();
    let l = test_limits();
    let got = read_bundle(&sealed, Some("楚雄州 督战 2020!"), &l).unwrap();
    let mut e = Device::empty("d-e");
    let p = duzhan::core::bundle::preview(got, &e.replica, &e.ledger, 1).unwrap();
    e.replica.apply(p.change);
    assert_eq!(e.hash(), a.hash());
    assert_eq!(read_bundle(&sealed, Some("楚雄州督战2020!"), &l), Err(ImportError::WrongPassphrase));
    assert_eq!(read_bundle(&sealed, Some(""), &l), Err(ImportError::WrongPassphrase));
    assert_eq!(
        encrypt(&file.bytes, &EncryptParams { passphrase: "", salt: [1; 16], nonce: [2; 12], iterations: MIN_ITERATIONS }),
        Err(duzhan::core::bundle::ExportError::EmptyPassphrase)
    );
}

#[test]
fn an_encrypted_bundle_needs_its_passphrase_and_refuses_tampering() {
    let mut a = Device::fresh("d-a");
    let file = a.export(ExportScope::Full, 200);
    let sealed = encrypt(&file.bytes, &EncryptParams { passphrase: "pw", salt: [1; 16], nonce: [2; 12], iterations: 1000 }).unwrap();
    let l = test_limits();
    assert_eq!(read_bundle(&sealed, None, &l), Err(ImportError::PassphraseRequired));
    assert!(read_bundle(&sealed, Some("pw"), &l).is_ok());
    // The real floor refuses this file's 1,000 iterations.
    assert!(matches!(read_bundle(&sealed, Some("pw"), &Limits::default()), Err(ImportError::WeakKdf { iterations: 1000, .. })));
    let mut v: Value = serde_json::from_slice(&sealed).unwrap();
    // Header: the version is authenticated (a changed number reads as unsupported first).
    let mut nonce = v.clone();
    nonce["cipher"]["nonce"] = "AAAAAAAAAAAAAAAA".into();
    assert_eq!(read_bundle(nonce.to_string().as_bytes(), Some("pw"), &l), Err(ImportError::Tampered));
    // Ciphertext: one flipped bit.
    let ct = v["ciphertext"].as_str().unwrap().to_owned();
    let flipped = if ct.starts_with('A') { ct.replacen('A', "B", 1) } else { format!("A{}", &ct[1..]) };
    v["ciphertext"] = flipped.into();
    assert_eq!(read_bundle(v.to_string().as_bytes(), Some("pw"), &l), Err(ImportError::Tampered));
    // Salt: a different key, which reads as a wrong passphrase.
    let mut salt: Value = serde_json::from_slice(&sealed).unwrap();
    salt["kdf"]["salt"] = "AAAAAAAAAAAAAAAAAAAAAA==".into();
    assert_eq!(read_bundle(salt.to_string().as_bytes(), Some("pw"), &l), Err(ImportError::WrongPassphrase));
}

#[test]
fn field_work_travels_and_a_scoped_bundle_of_a_target_carries_its_visits_answers_problems_and_events() {
    use duzhan::core::fieldwork::generate::generate_campaign;
    let mut a = Device::fresh("d-a");
    let c = a.replica.stage_merge(&generate_campaign(9, 12, 30, 40));
    a.replica.apply(c);
    // A target with both a visit and a problem.
    let has = |kind: &str, t: &str| a.replica.docs().any(|d| d.kind == kind && d.fields.get("target_id").is_some_and(|f| f.v == t));
    let target = a.replica.docs().filter(|d| d.kind == "target").map(|d| d.id.clone()).find(|t| has("visit", t) && has("problem", t)).expect("a busy target");
    let file = a.export(ExportScope::Scoped { county_ids: vec![], target_ids: vec![target.clone()] }, 500);
    for kind in ["target", "county", "checklist_item", "visit", "visit_answer", "problem", "problem_event"] {
        assert!(file.counts.get(kind).is_some_and(|n| *n > 0), "{kind}: {:?}", file.counts);
    }
    let incoming = read_bundle(&file.bytes, None, &test_limits()).unwrap();
    for d in &incoming.docs {
        if let Some(t) = d.fields.get("target_id") {
            assert_eq!(t.v, target.as_str(), "{} belongs to another target", d.id);
        }
    }
    // It imports on a device with nothing else; the full bundle reproduces the state.
    let mut e = Device::empty("d-e");
    e.import(&file.bytes).unwrap();
    let full = a.export(ExportScope::Full, 600);
    let mut f = Device::empty("d-f");
    f.import(&full.bytes).unwrap();
    assert_eq!(f.hash(), a.hash());
}

#[test]
fn a_merge_that_breaks_a_rule_across_fields_still_travels() {
    // a moves the phase's start later, b its end earlier; each edit is valid, the
    // merge ends before it starts. Bundles carrying it must still import everywhere.
    use duzhan::core::doc::Entity;
    use duzhan::core::model::Phase;
    let mut a = Device::fresh("d-a");
    let mut b = Device::fresh("d-b");
    let edit = |d: &mut Device, f: &dyn Fn(&mut Phase), t: u64| {
        let mut p = Phase::from_doc(d.replica.doc("seed-phase-1").unwrap()).unwrap();
        f(&mut p);
        let c = d.replica.stage_save(&[p], t);
        d.replica.apply(c);
    };
    edit(&mut a, &|p| p.start = chrono::NaiveDate::from_ymd_opt(2020, 1, 25).unwrap(), 100);
    edit(&mut b, &|p| p.end = chrono::NaiveDate::from_ymd_opt(2020, 1, 10).unwrap(), 101);
    a.import(&b.export(ExportScope::Full, 200).bytes).unwrap();
    let merged = Phase::from_doc(a.replica.doc("seed-phase-1").unwrap()).unwrap();
    assert!(merged.end < merged.start);
    let mut c = Device::fresh("d-c");
    c.import(&a.export(ExportScope::Full, 300).bytes).unwrap();
    assert_eq!(c.hash(), a.hash());
}

/// The known-devices table counts every device in one pass; each count is the one
/// `not_yet_received` gives, concurrent writes (alternative values) included.
#[test]
fn the_known_devices_table_counts_in_one_pass_what_each_count_counts() {
    let mut office = Device::fresh("d-office");
    let check = |office: &Device| {
        let mut devices: Vec<DeviceId> = office.ledger.known_devices().into_iter().map(|d| d.device_id).collect();
        devices.push(DeviceId("d-never-seen".into()));
        let each: Vec<usize> = devices.iter().map(|d| not_yet_received(&office.replica, &office.ledger, d)).collect();
        assert_eq!(not_yet_received_all(&office.replica, &office.ledger, &devices), each);
        // Counted in slices of every size (as the data-exchange page counts): the same.
        for n in [1, 2, 7, 100] {
            let mut c = UnreceivedCount::new(&office.ledger, &devices);
            let mut steps = 0;
            while !c.step(&office.replica, n) {
                steps += 1;
                assert!(steps <= office.replica.len(), "slices of {n} never finish");
            }
            assert!(c.step(&office.replica, n), "a finished count stays finished");
            assert_eq!(c.into_counts(), each, "slices of {n}");
        }
        each
    };
    for (i, name) in ["d-a", "d-b", "d-c"].into_iter().enumerate() {
        let mut squad = Device::fresh(name);
        add_figure(&mut squad, "seed-target-xiaohe", i as f64 + 1.5, 100 + i as u64);
        rename_target(&mut squad, "seed-target-xiaohe", &format!("小河{i}"), 150 + i as u64);
        let file = squad.export(ExportScope::Full, 200 + i as u64);
        office.import(&file.bytes).unwrap();
        check(&office);
    }
    // The office's own edit, concurrent with the squads' renames: every squad lacks it.
    rename_target(&mut office, "seed-target-dayao", "大姚", 400);
    add_figure(&mut office, "seed-target-xiaohe", 7.0, 410);
    let counts = check(&office);
    assert!(counts.iter().all(|n| *n >= 2), "{counts:?}");
}
