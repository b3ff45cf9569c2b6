//! Many files in one import (`core::bundle::batch`): bad files never block good
//! ones, the same file twice counts once, gaps are named across the batch, and the
//! batch commits what importing its good files one by one would. The property
//! (any order, any repetition = one by one) is in `bundle_properties.rs`.

mod bundle_support;

use bundle_support::{date, Device};
use duzhan::core::bundle::batch::{Batch, Outcome};
use duzhan::core::bundle::import::AlreadyImported;
use duzhan::core::bundle::ledger::DeviceRole;
use duzhan::core::bundle::receipt::{make_receipt, read_receipt, ReceiptRequest};
use duzhan::core::bundle::status::{sort_rows, status_rows, sync_status_sheet, SortKey};
use duzhan::core::bundle::{ExportScope, ImportError};
use duzhan::core::clock::DeviceId;

fn renamed(d: &mut Device, target: &str, name: &str, t: u64) {
    let mut e = d.replica.snapshot().target(target).cloned().unwrap();
    e.name = name.to_owned();
    let c = d.replica.stage_save(&[e], t);
    d.replica.apply(c);
}

fn squad(id: &str, target: &str, t: u64) -> (Device, Vec<u8>) {
    let mut d = Device::fresh(id);
    renamed(&mut d, target, &format!("{id}改"), t);
    let f = d.export(ExportScope::Full, t + 1).bytes;
    (d, f)
}

fn outcome_codes(files: &[duzhan::core::bundle::batch::BatchFile]) -> Vec<&'static str> {
    files.iter().map(|f| f.outcome.code()).collect()
}

#[test]
fn bad_files_are_refused_with_their_reason_and_the_good_ones_go_in() {
    let (_, a) = squad("d-a", "seed-target-xiaohe", 10);
    let (_, b) = squad("d-b", "seed-target-gantang", 20);
    let truncated = a[..a.len() / 2].to_vec();
    let mut forged = b.clone();
    let name = "d-b改".as_bytes();
    let at = forged.windows(name.len()).position(|w| w == name).unwrap();
    forged[at + 2] = b'c'; // checksum no longer matches
    let mut office = Device::fresh("d-office");
    let (files, done) = office.import_batch(&[&a, &truncated, b"not json", &forged, &b]).unwrap();
    assert_eq!(outcome_codes(&files), ["bundle", "refused", "refused", "refused", "bundle"]);
    let reasons: Vec<_> = files.iter().filter_map(|f| if let Outcome::Refused(e) = &f.outcome { Some(e.code()) } else { None }).collect();
    assert_eq!(reasons, ["truncated", "malformed", "checksum_mismatch"]);
    assert_eq!((done.bundles, done.left_out), (2, 3));
    // The same as importing the two good files alone.
    let mut alone = Device::fresh("d-office");
    alone.import(&a).unwrap();
    alone.import(&b).unwrap();
    assert_eq!(office.hash(), alone.hash());
    let names: Vec<_> = ["seed-target-xiaohe", "seed-target-gantang"].iter().map(|t| office.replica.snapshot().target(t).unwrap().name.clone()).collect();
    assert_eq!(names, ["d-a改", "d-b改"]);
}

#[test]
fn the_same_file_twice_in_one_batch_counts_once() {
    let (_, a) = squad("d-a", "seed-target-xiaohe", 10);
    let office = Device::fresh("d-office");
    let b = office.batch(&[&a, &a]);
    let Outcome::Bundle(second) = &b.files()[1].outcome else { panic!("{:?}", b.files()[1]) };
    assert_eq!(second.duplicate_of, Some(0));
    assert_eq!(second.already_imported, Some(AlreadyImported::SameBundle));
    assert_eq!(second.totals().new + second.totals().changed, 0);
    let staged = b.stage(&office.replica, &office.ledger).unwrap();
    assert_eq!(staged.imported.bundles, 1);
    assert_eq!(staged.imported.sources.len(), 1);
    assert_eq!(staged.ledger.devices[&DeviceId("d-a".into())].bundles.len(), 1);
}

#[test]
fn two_files_of_one_device_with_a_gap_between_them_name_the_missing_number() {
    let mut a = Device::fresh("d-a");
    let mut sent = Vec::new();
    for i in 0..3u64 {
        renamed(&mut a, "seed-target-xiaohe", &format!("第{i}次"), 10 + i * 10);
        let known = a.ledger.known_by(&DeviceId("d-office".into()));
        sent.push(a.export(ExportScope::Delta { known }, 11 + i * 10).bytes);
    }
    let office = Device::fresh("d-office");
    // seq 3 chosen before seq 1; seq 2 never arrived.
    let b = office.batch(&[&sent[2], &sent[0]]);
    let gaps = b.gaps();
    assert_eq!(gaps.len(), 1);
    assert_eq!(gaps[0].device, DeviceId("d-a".into()));
    assert_eq!((gaps[0].gaps.first.clone(), gaps[0].gaps.missing), (vec![2], 1));
    // Once seq 2 is in the batch too, nothing is missing.
    assert!(office.batch(&[&sent[2], &sent[0], &sent[1]]).gaps().is_empty());
}

#[test]
fn a_device_with_no_data_takes_the_first_files_campaign_and_refuses_another() {
    let (_, a) = squad("d-a", "seed-target-xiaohe", 10);
    // A bundle of another campaign (its campaign record alone).
    let mut stranger = Device::empty("d-s");
    let docs: Vec<_> = duzhan::core::default_plan::docs()
        .into_iter()
        .map(|mut d| {
            if d.kind == "campaign" {
                d.id = "campaign-other".into();
            }
            d
        })
        .filter(|d| d.kind == "campaign")
        .collect();
    stranger.replica = duzhan::core::replica::Replica::from_parts(docs, duzhan::core::clock::Hlc::new(DeviceId("d-s".into())));
    let s = stranger.export(ExportScope::Full, 5).bytes;
    let empty = Device::empty("d-new");
    let b = empty.batch(&[&a, &s]);
    assert_eq!(outcome_codes(b.files()), ["bundle", "refused"]);
    assert!(matches!(&b.files()[1].outcome, Outcome::Refused(ImportError::WrongCampaign { .. })));
}

#[test]
fn an_edit_made_after_the_check_is_kept_by_the_commit() {
    let (_, a) = squad("d-a", "seed-target-xiaohe", 10);
    let mut office = Device::fresh("d-office");
    let b = office.batch(&[&a]);
    // The office renames another target while the preview is open (later stamp).
    renamed(&mut office, "seed-target-gantang", "州里改", 500);
    let staged = b.stage(&office.replica, &office.ledger).unwrap();
    office.replica.apply(staged.change);
    let snap = office.replica.snapshot();
    assert_eq!(snap.target("seed-target-gantang").unwrap().name, "州里改");
    assert_eq!(snap.target("seed-target-xiaohe").unwrap().name, "d-a改");
}

#[test]
fn per_file_counts_are_what_importing_the_files_one_by_one_shows() {
    let (mut a, a1) = squad("d-a", "seed-target-xiaohe", 10);
    renamed(&mut a, "seed-target-gantang", "二改", 30);
    let a2 = a.export(ExportScope::Full, 31).bytes;
    let office = Device::fresh("d-office");
    let b = office.batch(&[&a1, &a2]);
    let mut seq = Device::fresh("d-office");
    for (f, bytes) in b.files().iter().zip([&a1, &a2]) {
        let p = seq.import(bytes).unwrap();
        let Outcome::Bundle(s) = &f.outcome else { panic!() };
        assert_eq!(s.kinds, p.kinds);
        assert_eq!(s.already_imported, p.already_imported);
    }
    assert_eq!(b.records_to_write(), 2);
    assert_eq!(b.totals().changed, 2, "xiaohe, then gantang (xiaohe is as the first file left it)");
}

#[test]
fn a_receipt_in_a_batch_is_applied_with_it_and_the_receiver_becomes_known() {
    let (mut a, a1) = squad("d-a", "seed-target-xiaohe", 10);
    let mut office = Device::fresh("d-office");
    office.import(&a1).unwrap();
    let req = ReceiptRequest { for_device: None, squad_name: "州扶贫办".into(), created_ms: 50, date: date(), receipt_id: [7; 16] };
    let r = make_receipt(&office.replica, &office.ledger, &req).unwrap();
    assert_eq!(r.through.get(&DeviceId("d-a".into())), Some(&1));
    // The squad takes the office's receipt together with another squad's bundle.
    let (_, b1) = squad("d-b", "seed-target-gantang", 20);
    let mut batch = Batch::new(&a.replica, &a.ledger);
    let incoming = duzhan::core::bundle::read_bundle(&b1, None, &bundle_support::test_limits()).unwrap();
    batch.add_bundle(None, "b.json".into(), b1.len() as u64, incoming, &a.replica, 60);
    let receipt = read_receipt(&r.bytes, &bundle_support::test_limits()).unwrap();
    batch.add_receipt(None, "r.json".into(), r.bytes.len() as u64, receipt, &a.replica);
    assert_eq!(outcome_codes(batch.files()), ["bundle", "receipt"]);
    let staged = batch.stage(&a.replica, &a.ledger).unwrap();
    assert_eq!(staged.imported.newly_acknowledged, vec![1]);
    a.replica.apply(staged.change);
    a.ledger = staged.ledger;
    let office_id = DeviceId("d-office".into());
    assert_eq!(a.ledger.exports[&1].acked_by.get(&office_id), Some(&50));
    let log = &a.ledger.devices[&office_id];
    assert_eq!((log.squad_name.as_str(), log.receipt_received_ms, log.bundles.len()), ("州扶贫办", Some(50), 0));
    // The office holds all that the squad exported; only d-b's record, which came
    // to the squad after its export, is not yet the office's.
    assert_eq!(a.ledger.known_by(&office_id).count_uncovered(a.replica.docs()), 1);
}

#[test]
fn the_status_board_shows_each_device_what_is_missing_and_whether_a_receipt_went_out() {
    let day = 86_400_000u64;
    let june_10 = 1_591_747_200_000u64; // 2020-06-10T00:00:00Z, 08:00 in Chuxiong
    let mut office = Device::fresh("d-office");
    let mut a = Device::fresh("d-a");
    renamed(&mut a, "seed-target-xiaohe", "甲", june_10 - 40 * day);
    let a1 = a.export(ExportScope::Full, june_10 - 40 * day).bytes; // May: not this month
    let mut b = Device::fresh("d-b");
    let mut b_files = Vec::new();
    for i in 0..3 {
        renamed(&mut b, "seed-target-gantang", &format!("乙{i}"), june_10 - (3 - i) * day);
        b_files.push(b.export(ExportScope::Full, june_10 - (3 - i) * day).bytes);
    }
    for f in [&a1, &b_files[0], &b_files[2]] {
        let p = office.preview(f).unwrap();
        office.replica.apply(p.change);
        office.ledger = p.ledger;
    }
    office.ledger.set_role(&DeviceId("d-b".into()), Some(DeviceRole::County));
    let req =
        ReceiptRequest { for_device: Some(DeviceId("d-a".into())), squad_name: "州扶贫办".into(), created_ms: june_10, date: date(), receipt_id: [1; 16] };
    let r = make_receipt(&office.replica, &office.ledger, &req).unwrap();
    office.ledger.record_receipt_sent(june_10, &r.through);
    let rows = status_rows(&office.ledger, june_10);
    assert_eq!(rows.len(), 2);
    let (ra, rb) = (&rows[0], &rows[1]);
    assert_eq!(
        (ra.device_id.as_str(), ra.sent_this_month, ra.days_since, ra.receipt_due, ra.receipt_sent),
        ("d-a", false, Some(40), false, Some((june_10, 1)))
    );
    assert_eq!((rb.device_id.as_str(), rb.sent_this_month, rb.days_since, rb.receipt_due, rb.role), ("d-b", true, Some(1), true, Some(DeviceRole::County)));
    assert_eq!(rb.gaps.missing, 0, "a full bundle holds what the earlier ones held");
    let mut with_counts: Vec<_> = rows.into_iter().zip([Some(0), Some(5)]).collect();
    sort_rows(&mut with_counts, SortKey::DaysSince, true);
    assert_eq!(with_counts[0].0.device_id.as_str(), "d-a");
    sort_rows(&mut with_counts, SortKey::Unacknowledged, true);
    assert_eq!(with_counts[0].0.device_id.as_str(), "d-b");
    let sheet = sync_status_sheet(&with_counts, date());
    sheet.validate().unwrap();
    assert_eq!(sheet.rows.len(), 2);
    assert!(sheet.title[1].contains("本月未发送1个"), "{}", sheet.title[1]);
}

#[test]
fn a_record_from_a_clock_more_than_a_day_ahead_is_refused_alone_and_in_a_batch() {
    let hour = 3_600_000u64;
    let now = 1_591_747_200_000u64; // the office's clock: 2020-06-10
    let make = |id: &str, ahead: u64| {
        let mut d = Device::fresh(id);
        renamed(&mut d, "seed-target-xiaohe", "未来", now + ahead);
        d.export(ExportScope::Full, now + ahead).bytes
    };
    let (soon, far) = (make("d-skewed", 23 * hour), make("d-future", 25 * hour));
    let mut office = Device::fresh("d-office");
    let hash = office.hash();
    let e = office.import_at(&far, now).unwrap_err();
    assert_eq!(e.code(), "clock_ahead");
    let m = e.message(duzhan::core::i18n::Lang::Zh);
    assert!(m.contains("d-future") && m.contains("约2天") && m.contains("校准"), "{m}");
    assert_eq!(office.hash(), hash, "nothing changed");
    office.import_at(&soon, now).expect("23 hours ahead is a clock set a little wrong, not refused");
    // In a batch the far one is refused and the others go in.
    let fresh = Device::fresh("d-office2");
    let mut b = Batch::new(&fresh.replica, &fresh.ledger);
    for (name, bytes) in [("far.json", &far), ("soon.json", &soon)] {
        let incoming = duzhan::core::bundle::read_bundle(bytes, None, &bundle_support::test_limits()).unwrap();
        b.add_bundle(None, name.into(), bytes.len() as u64, incoming, &fresh.replica, now);
    }
    assert_eq!(outcome_codes(b.files()), ["refused", "bundle"]);
    assert!(matches!(&b.files()[0].outcome, Outcome::Refused(ImportError::ClockAhead { device, .. }) if device == "d-future"));
}
