//! 暗访督战 findings stay with the 督查室 (restricted records, 督查室专阅): a visit in
//! mode 暗访督战, its answers, the problems found on it and their events leave a
//! device only in a bundle for 督查室 devices; every other export leaves them out
//! and counts them; a device without the role refuses a file that carries them.

mod bundle_support;

use bundle_support::{date, import_err, test_limits, Device};
use duzhan::core::bundle::batch::Outcome;
use duzhan::core::bundle::export::ExportScope;
use duzhan::core::bundle::ledger::DeviceRole;
use duzhan::core::bundle::receipt::{apply_receipt, make_receipt_signed, read_receipt, ReceiptRequest};
use duzhan::core::bundle::restricted::{may_carry, restricted_among, KINDS};
use duzhan::core::bundle::{kinds, ImportError};
use duzhan::core::clock::DeviceId;
use duzhan::core::doc::{decode, Doc, Entity};
use duzhan::core::fieldwork::generate::generate_campaign;
use duzhan::core::fieldwork::{Problem, Visit, VisitMode};
use std::collections::BTreeSet;

fn dev(s: &str) -> DeviceId {
    DeviceId(s.into())
}

fn field_is(d: &Doc, name: &str, id: &str) -> bool {
    d.fields.get(name).is_some_and(|f| f.v == id)
}

/// A signed squad holding generated field work, one of whose visits (one with a
/// problem found on it) it turned into 暗访督战; with the ids that are restricted:
/// the visit, its answers, its problems and their events.
fn squad_with_unannounced(id: &str) -> (Device, BTreeSet<String>) {
    let mut d = Device::fresh(id).signed();
    let c = d.replica.stage_merge(&generate_campaign(5, 6, 20, 30));
    d.replica.apply(c);
    let problem: Problem = d
        .replica
        .docs()
        .filter(|d| d.kind == Problem::KIND)
        .filter_map(|d| decode::<Problem>(d).ok())
        .find(|p| p.visit_id.is_some())
        .expect("a problem found on a visit");
    let visit_id = problem.visit_id.clone().unwrap();
    let mut visit: Visit = decode(d.replica.doc(&visit_id).unwrap()).unwrap();
    visit.mode = VisitMode::Unannounced;
    let c = d.replica.stage_save(&[visit], 5_000);
    d.replica.apply(c);
    let mut ids: BTreeSet<String> = BTreeSet::from([visit_id.clone()]);
    let problems: Vec<String> = d.replica.docs().filter(|x| x.kind == Problem::KIND && field_is(x, "visit_id", &visit_id)).map(|x| x.id.clone()).collect();
    for x in d.replica.docs() {
        if (x.kind == "visit_answer" && field_is(x, "visit_id", &visit_id))
            || (x.kind == "problem_event" && problems.iter().any(|p| field_is(x, "problem_id", p)))
        {
            ids.insert(x.id.clone());
        }
    }
    ids.extend(problems);
    assert!(ids.iter().any(|i| d.replica.doc(i).unwrap().kind == "visit_answer"), "the visit has answers");
    (d, ids)
}

fn restricted_of(d: &Device) -> BTreeSet<String> {
    let docs: Vec<&Doc> = d.replica.docs().collect();
    restricted_among(&docs, &|id| d.replica.doc(id), false).into_iter().map(str::to_owned).collect()
}

/// A 督查室 device: it took a roster that lists it with that role.
fn inspection(id: &str) -> Device {
    let mut d = Device::fresh(id).signed();
    d.ledger.own_role = Some(DeviceRole::Inspection);
    d
}

#[test]
fn an_unannounced_visit_its_answers_its_problems_and_their_events_are_restricted_and_nothing_else() {
    let (squad, expected) = squad_with_unannounced("d-squad");
    assert_eq!(restricted_of(&squad), expected);
    // Without an unannounced visit nothing is.
    let plain = Device::fresh("d-plain");
    assert!(restricted_of(&plain).is_empty());
}

#[test]
fn no_kind_outside_the_restricted_kinds_refers_to_one_of_them() {
    // So leaving restricted records out never leaves a reference dangling, and
    // only the restricted kinds need to be looked at.
    let docs = generate_campaign(3, 10, 30, 40).into_iter().chain(duzhan::core::default_plan::docs());
    for d in docs {
        let Some(rules) = kinds::rules_for(&d.kind) else { continue };
        let links = (rules.inspect)(&d).unwrap();
        if !KINDS.contains(&d.kind.as_str()) {
            for r in &links.refs {
                assert!(!KINDS.contains(&r.kind), "{} ({}) refers to a {}", d.id, d.kind, r.kind);
            }
        }
    }
}

#[test]
fn every_export_but_one_for_the_inspection_office_leaves_them_out_counts_them_and_imports_cleanly() {
    let (mut squad, restricted) = squad_with_unannounced("d-squad");
    let county_target =
        restricted.iter().filter_map(|i| squad.replica.doc(i)).find(|d| d.kind == Visit::KIND).unwrap().fields["target_id"].v.as_str().unwrap().to_owned();
    for (scope, at) in [
        (ExportScope::Full, 10_000),
        (ExportScope::DeltaSinceMs(0), 10_001),
        (ExportScope::Scoped { county_ids: vec![], target_ids: vec![county_target.clone()] }, 10_002),
    ] {
        let file = squad.export(scope.clone(), at);
        assert_eq!(file.withheld, restricted.len(), "{scope:?}");
        assert_eq!(file.ledger.exports[&file.seq].withheld, restricted.len() as u64);
        let mut office = Device::fresh("d-office").signed();
        office.import(&file.bytes).unwrap_or_else(|e| panic!("{scope:?}: {e:?}"));
        for id in &restricted {
            assert!(office.replica.doc(id).is_none(), "{scope:?}: {id} reached the office");
        }
        let total: u64 = file.counts.values().sum();
        let text = String::from_utf8(file.bytes.clone()).unwrap();
        assert!(!text.contains("\"unannounced\""), "{scope:?}: no 暗访 value in the file");
        assert!(total > 0);
    }
    // Carried (a bundle for the 督查室), everything goes, and a 督查室 device takes it.
    let file = squad.export_with(ExportScope::Full, 10_003, true);
    assert_eq!((file.withheld, file.carried), (0, restricted.len()));
    let mut office = inspection("d-inspection");
    office.import(&file.bytes).unwrap();
    assert_eq!(office.hash(), squad.hash());
    assert_eq!(restricted_of(&office), restricted);
}

#[test]
fn a_device_without_the_inspection_role_refuses_a_file_that_carries_them_and_nothing_changes() {
    let (mut squad, restricted) = squad_with_unannounced("d-squad");
    let carried = squad.export_with(ExportScope::Full, 10_000, true);
    let mut office = Device::fresh("d-office").signed();
    office.ledger.own_role = Some(DeviceRole::Office);
    let before = (office.hash(), office.ledger.clone());
    match import_err(&office, &carried.bytes) {
        ImportError::RestrictedRecords { count, first } => {
            assert_eq!(count, restricted.len());
            assert_eq!(&first, restricted.first().unwrap());
        }
        e => panic!("{e:?}"),
    }
    // In a batch too, and the other files of the batch still import.
    let other = Device::fresh("d-other").signed().export(ExportScope::Full, 10_001);
    let batch = office.batch(&[&carried.bytes, &other.bytes]);
    assert!(matches!(&batch.files()[0].outcome, Outcome::Refused(ImportError::RestrictedRecords { .. })), "{:?}", batch.files()[0]);
    assert!(matches!(&batch.files()[1].outcome, Outcome::Bundle(_)), "{:?}", batch.files()[1]);
    assert_eq!((office.hash(), office.ledger.clone()), before);
}

#[test]
fn a_record_that_refers_to_a_restricted_record_held_here_is_refused_too() {
    // The squad holds its own 暗访 visit; an event of its problem written on
    // another device and sent alone is a restricted record all the same.
    let (mut squad, restricted) = squad_with_unannounced("d-squad");
    let mut inspector = inspection("d-inspection");
    inspector.import(&squad.export_with(ExportScope::Full, 10_000, true).bytes).unwrap();
    let problem = restricted.iter().find(|i| inspector.replica.doc(i).unwrap().kind == Problem::KIND).unwrap().clone();
    let mut p: Problem = decode(inspector.replica.doc(&problem).unwrap()).unwrap();
    p.description.push_str("（督查室补充）");
    let c = inspector.replica.stage_save(&[p], 20_000);
    inspector.replica.apply(c);
    let delta = inspector.export_with(ExportScope::DeltaSinceMs(20_000), 20_001, true);
    assert!(delta.counts.get(Problem::KIND).is_some());
    squad.ledger.own_role = Some(DeviceRole::Squad);
    assert!(matches!(import_err(&squad, &delta.bytes), ImportError::RestrictedRecords { .. }));
    // Exported without them, the same change carries nothing restricted.
    let plain = inspector.export(ExportScope::DeltaSinceMs(20_000), 20_002);
    assert!(plain.withheld > 0);
    squad.import(&plain.bytes).unwrap();
}

#[test]
fn only_a_bundle_for_inspection_devices_alone_may_carry_them() {
    let mut l = duzhan::core::bundle::SyncLedger::default();
    let me = dev("d-me");
    l.devices.entry(dev("d-x")).or_default();
    l.set_role(&dev("d-x"), Some(DeviceRole::Inspection));
    l.devices.entry(dev("d-o")).or_default();
    l.set_role(&dev("d-o"), Some(DeviceRole::Office));
    l.devices.entry(dev("d-y")).or_default();
    l.set_role(&dev("d-y"), Some(DeviceRole::Inspection));
    assert!(may_carry(&l, &me, &[dev("d-x")]));
    assert!(may_carry(&l, &me, &[dev("d-x"), dev("d-y")]));
    assert!(!may_carry(&l, &me, &[]), "no recipient: not sealed");
    assert!(!may_carry(&l, &me, &[dev("d-x"), dev("d-o")]), "the office is among the recipients");
    assert!(!may_carry(&l, &me, &[dev("d-unknown")]));
    assert!(!may_carry(&l, &me, &[me.clone()]), "this device has no role");
    l.own_role = Some(DeviceRole::Inspection);
    assert!(may_carry(&l, &me, &[me.clone(), dev("d-x")]));
    l.revoke(&dev("d-y"), 1);
    assert!(!may_carry(&l, &me, &[dev("d-y")]), "a revoked device");
}

#[test]
fn a_receipt_for_a_bundle_that_left_them_out_does_not_tell_the_inspection_office_it_has_them() {
    // Nothing is lost: the 督查室 acknowledged an ordinary bundle of the squad (the
    // 暗访 records left out), and the squad's next delta for it still holds them.
    let (mut squad, restricted) = squad_with_unannounced("d-squad");
    let mut inspector = inspection("d-inspection");
    inspector.import(&squad.export(ExportScope::Full, 10_000).bytes).unwrap();
    let req = ReceiptRequest { for_device: None, squad_name: "督查室".into(), created_ms: 10_500, date: date(), receipt_id: [3; 16] };
    let receipt = make_receipt_signed(&inspector.replica, &inspector.ledger, &req, inspector.key.as_ref()).unwrap();
    let receipt = read_receipt(&receipt.bytes, &test_limits()).unwrap();
    squad.ledger = apply_receipt(&receipt, &squad.replica, &squad.ledger).unwrap().ledger;
    squad.ledger.set_role(&dev("d-inspection"), Some(DeviceRole::Inspection));
    let known = squad.ledger.known_by(&dev("d-inspection"));
    let delta = squad.export_with(ExportScope::Delta { known }, 11_000, true);
    inspector.import(&delta.bytes).unwrap();
    for id in &restricted {
        assert!(inspector.replica.doc(id).is_some(), "{id} never reached the 督查室");
    }
}

#[test]
fn the_roster_tells_a_device_its_own_role() {
    use duzhan::core::bundle::roster::{apply_roster, make_roster, read_roster, RosterRequest};
    let mut office = Device::fresh("d-office").signed();
    let mut dcs = Device::fresh("d-dcs").signed();
    office.import(&dcs.export(ExportScope::Full, 100).bytes).unwrap();
    office.ledger.set_role(&dev("d-dcs"), Some(DeviceRole::Inspection));
    let req = RosterRequest { squad_name: "州扶贫办".into(), created_ms: 200, date: date(), roster_id: [1; 16] };
    let file = make_roster(&office.replica, &office.ledger, &req, DeviceRole::Office, office.key.as_ref().unwrap()).unwrap();
    let roster = read_roster(&file.bytes, &test_limits()).unwrap();
    assert_eq!(dcs.ledger.own_role, None);
    dcs.ledger = apply_roster(&roster, &dcs.replica, &dcs.ledger).unwrap().ledger;
    assert_eq!(dcs.ledger.own_role, Some(DeviceRole::Inspection));
}
