//! Stored records read forever: field names are a stored format.
//!
//! `tests/fixtures/records-v1-<commit>.json` holds real records of every record kind
//! as the app of that commit stored them (one record a line: its kind, and its
//! fields' values with the id, in canonical JSON). Written once by
//! `cargo run --example write_fixtures`, committed, never edited or regenerated;
//! a new record kind gets a new file next to the old ones. For every file:
//! - every record decodes into its typed entity through `Entity::from_doc` (what
//!   the app, the ledger and imports do);
//! - the entity encodes back to the file's bytes, byte for byte, for every field the
//!   file holds (a renamed, removed or retyped field fails; a field added later with
//!   a default is not in the old file, and passes);
//! - a bundle of the records, exported and imported through the core import
//!   pipeline into a fresh replica, brings every record in, new, with the same
//!   typed values.

mod bundle_support;

use bundle_support::Device;
use duzhan::core::bundle::canonical::value_bytes;
use duzhan::core::bundle::kinds::KINDS;
use duzhan::core::bundle::ledger::DeviceRole;
use duzhan::core::bundle::{ExportScope, ImportError};
use duzhan::core::clock::{DeviceId, Stamp};
use duzhan::core::doc::{Doc, Entity};
use duzhan::core::fieldwork::{ChecklistItem, Problem, ProblemEvent, Visit, VisitAnswer};
use duzhan::core::model::*;
use duzhan::core::report::{Filing, MonthlyReport, Requirement};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// The records fixtures: (file name, text).
fn fixtures() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("tests/fixtures")
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("records-v1-") && n.ends_with(".json"))
        .map(|n| {
            let text = std::fs::read_to_string(dir.join(&n)).unwrap();
            (n, text)
        })
        .collect();
    out.sort();
    out
}

/// One stored record of a fixture: its line (without the separating comma), kind and fields.
struct Line<'a> {
    bytes: &'a str,
    kind: String,
    record: Map<String, Value>,
}

/// The record lines of a fixture: every line between the first and the last.
fn records(text: &str) -> Vec<Line<'_>> {
    let whole: Value = serde_json::from_str(text).expect("a records fixture is JSON");
    let lines: Vec<&str> = text.lines().collect();
    let out: Vec<Line> = lines[1..lines.len() - 1]
        .iter()
        .map(|l| {
            let bytes = l.strip_suffix(',').unwrap_or(l);
            let v: Value = serde_json::from_str(bytes).unwrap_or_else(|e| panic!("{e}: {bytes}"));
            let kind = v["kind"].as_str().expect("kind").to_owned();
            let Value::Object(record) = v["record"].clone() else { panic!("record: {bytes}") };
            Line { bytes, kind, record }
        })
        .collect();
    assert_eq!(out.len(), whole["records"].as_array().expect("records").len(), "one record a line");
    out
}

/// The stored form of a record: a doc holding the record's fields.
fn doc_of(line: &Line) -> Doc {
    let id = line.record["id"].as_str().expect("id").to_owned();
    let mut values = line.record.clone();
    values.remove("id");
    let stamp = Stamp { wall: 1_584_230_400_000, n: 0, dev: DeviceId("d-0000000000000001".into()) };
    Doc::edit(None, &line.kind, &id, values, &stamp).expect("a new doc")
}

/// Decodes a doc into its typed entity and encodes it again, as the app stores it
/// (`to_values` and the id).
fn roundtrip<E: Entity>(doc: &Doc) -> Result<Value, String> {
    let e = E::from_doc(doc).map_err(|e| e.to_string())?;
    let mut m = e.to_values();
    m.insert("id".into(), Value::String(e.id().to_owned()));
    Ok(Value::Object(m))
}

/// The typed round trip of a record of any known kind.
fn reencode(doc: &Doc) -> Result<Value, String> {
    match doc.kind.as_str() {
        "campaign" => roundtrip::<Campaign>(doc),
        "department" => roundtrip::<Department>(doc),
        "phase" => roundtrip::<Phase>(doc),
        "milestone" => roundtrip::<Milestone>(doc),
        "county" => roundtrip::<County>(doc),
        "target" => roundtrip::<Target>(doc),
        "figure" => roundtrip::<Figure>(doc),
        "person" => roundtrip::<Person>(doc),
        "assignment" => roundtrip::<Assignment>(doc),
        "checklist_item" => roundtrip::<ChecklistItem>(doc),
        "visit" => roundtrip::<Visit>(doc),
        "visit_answer" => roundtrip::<VisitAnswer>(doc),
        "problem" => roundtrip::<Problem>(doc),
        "problem_event" => roundtrip::<ProblemEvent>(doc),
        "photo" => roundtrip::<duzhan::core::fieldwork::photo::Photo>(doc),
        "requirement" => roundtrip::<Requirement>(doc),
        "monthly_report" => roundtrip::<MonthlyReport>(doc),
        "filing" => roundtrip::<Filing>(doc),
        other => Err(format!("no typed entity for kind {other}")),
    }
}

/// The 17 kinds of the first records fixture, which holds every one.
const FIRST_KINDS: [&str; 17] = [
    "campaign",
    "department",
    "phase",
    "milestone",
    "county",
    "target",
    "figure",
    "person",
    "assignment",
    "checklist_item",
    "visit",
    "visit_answer",
    "problem",
    "problem_event",
    "requirement",
    "monthly_report",
    "filing",
];

#[test]
fn the_first_records_fixture_holds_every_kind_with_real_values() {
    let (_, text) = fixtures().into_iter().find(|(n, _)| n == "records-v1-0c42cb7.json").expect("tests/fixtures/records-v1-0c42cb7.json");
    let lines = records(&text);
    let kinds: BTreeSet<&str> = lines.iter().map(|l| l.kind.as_str()).collect();
    assert_eq!(kinds, FIRST_KINDS.into_iter().collect::<BTreeSet<_>>());
    // Real values, not defaults: Chinese text, a GPS fix, dates, computed figures.
    assert!(text.contains("楚雄州"));
    assert!(lines.iter().any(|l| l.kind == "visit" && l.record["gps"]["lat"].is_f64()));
    assert!(lines.iter().any(|l| l.kind == "monthly_report" && l.record["figures"].is_object() && l.record["submitted_on"].is_string()));
    assert!(lines.iter().any(|l| l.kind == "problem_event" && l.record["verification"].is_object()));
}

#[test]
fn every_kind_this_version_knows_has_a_records_fixture() {
    let mut have = BTreeSet::new();
    for (_, text) in fixtures() {
        have.extend(records(&text).into_iter().map(|l| l.kind));
    }
    for k in KINDS.iter() {
        assert!(have.contains(k.kind), "no records fixture holds a {0}: run `cargo run --example write_fixtures` and commit the new file", k.kind);
    }
}

#[test]
fn every_stored_record_decodes_and_encodes_back_byte_for_byte() {
    for (name, text) in fixtures() {
        for line in records(&text) {
            let doc = doc_of(&line);
            let again = reencode(&doc).unwrap_or_else(|e| panic!("{name}: {} ({}) no longer decodes: {e}", doc.id, doc.kind));
            // Only the fields the file holds: a field added since, with a default,
            // is not part of the old format.
            let mut kept = again.as_object().unwrap().clone();
            kept.retain(|k, _| line.record.contains_key(k));
            let written = value_bytes(&json!({ "kind": line.kind, "record": Value::Object(kept) })).unwrap();
            assert_eq!(String::from_utf8(written).unwrap(), line.bytes, "{name}: {} ({}) encodes differently", doc.id, doc.kind);
            for k in line.record.keys() {
                assert!(again.get(k).is_some(), "{name}: {} ({}) lost its field {k}", doc.id, doc.kind);
            }
        }
    }
}

#[test]
fn a_bundle_of_the_stored_records_imports_into_a_fresh_replica() {
    for (name, text) in fixtures() {
        let lines = records(&text);
        let docs: Vec<Doc> = lines.iter().map(doc_of).collect();
        let mut expected: BTreeMap<String, u64> = BTreeMap::new();
        for d in &docs {
            *expected.entry(d.kind.clone()).or_default() += 1;
        }
        // The stored records hold 暗访督战 visits: a bundle carrying them (one sealed
        // to the 督查室) imports on a 督查室 device, and is refused on any other.
        let mut office = Device::with_docs("d-office", docs.clone());
        let file = office.export_with(ExportScope::Full, 1_584_316_800_000, true);
        assert_eq!(file.counts, expected, "{name}: the bundle's counts");
        let restricted = docs.iter().any(duzhan::core::bundle::restricted::is_unannounced_visit);
        let mut plain = Device::empty("d-plain");
        match plain.import(&file.bytes) {
            Err(ImportError::RestrictedRecords { .. }) => assert!(restricted, "{name}"),
            Ok(_) => assert!(!restricted, "{name}: 暗访 records taken by a device without the role"),
            Err(e) => panic!("{name}: {e:?}"),
        }

        let mut fresh = Device::empty("d-fresh");
        fresh.ledger.own_role = Some(DeviceRole::Inspection);
        let p = fresh.import(&file.bytes).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let new: BTreeMap<String, u64> = p.kinds.iter().map(|(k, c)| (k.clone(), c.new)).collect();
        assert_eq!(new, expected, "{name}: every record arrives as new");
        assert_eq!(p.totals().records, docs.len() as u64);
        assert_eq!(fresh.replica.len(), docs.len());
        for d in &docs {
            let got = fresh.replica.doc(&d.id).unwrap_or_else(|| panic!("{name}: {} not imported", d.id));
            assert_eq!(reencode(got).unwrap(), reencode(d).unwrap(), "{name}: {} changed on the way", d.id);
        }
        assert_eq!(fresh.hash(), office.hash());
    }
}
