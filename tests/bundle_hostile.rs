//! Hostile files: every one is refused with its own specific error, without a
//! panic and without a write (the core never writes; the preview's change is all
//! a caller could commit, and a refusal has none). HTML and script in text fields
//! are *valid data*: accepted, kept as plain text, and returned unchanged.
//!
//! `tests/hostile/` holds small checked-in files with `expected.tsv` (file, error
//! code, passphrase). They are made by the generator in `corpus_support`:
//! `cargo run --example write_fixtures -- hostile`.
//! Large cases (100,000 brackets, a million records, megabyte strings, every
//! truncation and every bit flip of a small bundle) are generated in the tests.

mod bundle_support;
mod corpus_support;

use bundle_support::{test_limits, Device};
use corpus_support::{corpus, doc_mut, edit, full_bundle, html_everywhere, office, small_bundle, HTML};
use duzhan::core::bundle::import::prepare_import;
use duzhan::core::bundle::Limits;
use duzhan::core::bundle::{ExportScope, ImportError};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Instant;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/hostile")
}

/// The outcome code of importing bytes: an error code, or "ok".
fn outcome(bytes: &[u8], passphrase: Option<&str>, limits: &Limits) -> Result<&'static str, String> {
    let o = office();
    let r = std::panic::catch_unwind(|| prepare_import(bytes, passphrase, &o.replica, &o.ledger, limits, bundle_support::NOW));
    match r {
        Err(_) => Err("panicked".into()),
        Ok(Ok(_)) => Ok("ok"),
        Ok(Err(e)) => {
            // Every refusal has a Chinese message that says what to do.
            let m = e.message(duzhan::core::i18n::Lang::Zh);
            assert!(m.contains('请'), "{m}");
            Ok(e.code())
        }
    }
}

#[test]
fn every_generated_hostile_file_gets_its_specific_error_and_valid_ones_are_accepted() {
    for (name, bytes, expected, pass) in corpus() {
        assert_eq!(outcome(&bytes, pass, &test_limits()).as_deref(), Ok(expected), "{name}");
    }
}

#[test]
fn the_checked_in_corpus_is_refused_with_the_expected_errors_forever() {
    let manifest = std::fs::read_to_string(corpus_dir().join("expected.tsv")).expect("tests/hostile/expected.tsv");
    let mut listed = BTreeSet::new();
    for line in manifest.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (file, code) = (cols[0], cols[1]);
        let pass = cols.get(2).filter(|p| !p.is_empty()).copied();
        let bytes = std::fs::read(corpus_dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(outcome(&bytes, pass, &test_limits()).as_deref(), Ok(code), "{file}");
        listed.insert(file.to_owned());
    }
    for e in std::fs::read_dir(corpus_dir()).unwrap() {
        let n = e.unwrap().file_name().into_string().unwrap();
        assert!(n == "expected.tsv" || listed.contains(&n), "{n} is not listed in expected.tsv");
    }
    assert!(listed.len() >= 40);
}

#[test]
fn every_single_byte_truncation_of_a_small_bundle_is_refused_as_truncated() {
    let b = small_bundle();
    assert!(b.len() > 1000, "{}", b.len());
    for i in 0..b.len() {
        let want = if i == 0 { "empty" } else { "truncated" };
        assert_eq!(outcome(&b[..i], None, &test_limits()).as_deref(), Ok(want), "cut at {i}");
    }
}

#[test]
fn every_single_bit_flip_of_a_small_bundle_is_refused() {
    let b = small_bundle();
    let mut seen: BTreeMap<&'static str, usize> = BTreeMap::new();
    for i in 0..b.len() {
        for bit in 0..8 {
            let mut m = b.clone();
            m[i] ^= 1 << bit;
            let code = outcome(&m, None, &test_limits()).unwrap_or_else(|p| panic!("byte {i} bit {bit}: {p}"));
            assert_ne!(code, "ok", "byte {i} bit {bit} went unnoticed: {}", String::from_utf8_lossy(&m));
            *seen.entry(code).or_default() += 1;
        }
    }
    let allowed = ["not_utf8", "malformed", "truncated", "not_duzhan_file", "unknown_format", "unsupported_version", "schema", "checksum_mismatch"];
    for code in seen.keys() {
        assert!(allowed.contains(code), "{code}: {seen:?}");
    }
}

#[test]
fn a_hundred_thousand_open_brackets_are_refused_before_any_parser_recurses() {
    assert_eq!(outcome("[".repeat(100_000).as_bytes(), None, &test_limits()).as_deref(), Ok("too_deep"));
    assert_eq!(outcome(format!("{{\"a\":{}", "{\"a\":".repeat(100_000)).as_bytes(), None, &test_limits()).as_deref(), Ok("too_deep"));
}

#[test]
fn a_million_records_are_refused_by_the_count_cap_quickly() {
    let head = r#"{"bundle_id":"00000000000000000000000000000000","campaign_id":"seed-campaign-2020","counts":{"county":1000000},"created_ms":1,"format":"duzhan-bundle","payload":{"docs":["#;
    let mut s = String::with_capacity(60_000_000);
    s.push_str(head);
    for i in 0..1_000_000 {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!(r#"{{"fields":{{"name":{{"s":{{"dev":"d-a","n":0,"wall":1}},"v":"x"}}}},"id":"c-{i}","kind":"county"}}"#));
    }
    s.push_str(r#"]},"scope":{"kind":"full"},"seq":1,"sha256":"00","source":{"device_id":"d-a","squad_name":"x"},"version":1}"#);
    let t = Instant::now();
    assert_eq!(outcome(s.as_bytes(), None, &test_limits()).as_deref(), Ok("too_many_records"));
    let took = t.elapsed();
    println!("{} MB refused in {took:?}", s.len() / 1_000_000);
    assert!(took.as_secs() < 20, "{took:?}");
    // A tighter cap from the caller applies too.
    let few = Limits { max_records: 10, ..test_limits() };
    assert_eq!(outcome(&full_bundle(), None, &few).as_deref(), Ok("too_many_records"));
}

#[test]
fn a_file_over_the_size_cap_is_refused_before_it_is_read() {
    let big = vec![b' '; 2_000_000];
    let small_cap = Limits { max_bytes: 1_000_000, ..test_limits() };
    assert_eq!(outcome(&big, None, &small_cap).as_deref(), Ok("too_large"));
}

#[test]
fn megabyte_strings_are_refused_as_too_long() {
    let b = edit(&small_bundle(), |v| doc_mut(v, "fig-a-1")["fields"]["source"]["v"] = "x".repeat(2_000_000).into());
    assert_eq!(outcome(&b, None, &test_limits()).as_deref(), Ok("string_too_long"));
    let b = edit(&small_bundle(), |v| v["source"]["squad_name"] = "队".repeat(1_000_000).into());
    assert_eq!(outcome(&b, None, &test_limits()).as_deref(), Ok("string_too_long"));
    let b = edit(&small_bundle(), |v| doc_mut(v, "fig-a-1")["id"] = "a".repeat(1_000_000).into());
    assert_eq!(outcome(&b, None, &test_limits()).as_deref(), Ok("invalid_id"));
}

#[test]
fn html_and_script_in_every_text_field_are_kept_as_plain_text_unchanged() {
    let b = html_everywhere(&full_bundle());
    let mut e = Device::empty("d-e");
    let p = e.import(&b).expect("valid data");
    assert!(p.squad_name.ends_with(HTML));
    let sent: Value = serde_json::from_slice(&b).unwrap();
    let mut checked = 0;
    for d in sent["payload"]["docs"].as_array().unwrap() {
        let id = d["id"].as_str().unwrap();
        let kept = e.replica.doc(id).expect("imported");
        for (name, f) in d["fields"].as_object().unwrap() {
            assert_eq!(&kept.fields[name].v, &f["v"], "{id}.{name}");
            if f["v"].to_string().contains("<script>") {
                checked += 1;
            }
        }
    }
    assert!(checked > 120, "{checked}");
    // The typed read model decodes every record and keeps the text as it is.
    let s = e.replica.snapshot();
    assert!(s.undecodable.is_empty());
    assert!(s.targets.iter().all(|t| t.name.ends_with(HTML) && t.township.ends_with(HTML)));
    assert!(s.milestones.iter().all(|m| m.sub_items.last().map(String::as_str) == Some(HTML)));
    // And it exports again byte-for-byte the same records.
    let again = e.export(ExportScope::Full, 300);
    let v2: Value = serde_json::from_slice(&again.bytes).unwrap();
    assert_eq!(v2["payload"], sent["payload"]);
}

#[test]
fn a_record_kind_from_a_newer_app_is_kept_untouched() {
    let (_, bytes, _, _) = corpus().into_iter().find(|c| c.0 == "unknown-kind-from-a-newer-app.json").unwrap();
    let mut o = office();
    let p = o.import(&bytes).unwrap();
    assert_eq!(p.kinds["drone_photo"].new, 1);
    let d = o.replica.doc("drone-photo-a-1").unwrap();
    assert_eq!(d.fields["notes"].v, json!({"deep": [1, {"x": null}]}));
    // It travels on: the next full bundle carries it.
    let out = o.export(ExportScope::Full, 500);
    assert_eq!(out.counts["drone_photo"], 1);
}

#[test]
fn a_refused_file_changes_nothing() {
    // The core never writes: a refusal returns no change, and the replica and ledger
    // a caller holds are untouched (they are borrowed immutably throughout).
    let o = office();
    let before = o.hash();
    for (_, bytes, expected, pass) in corpus() {
        if expected != "ok" {
            let r = prepare_import(&bytes, pass, &o.replica, &o.ledger, &test_limits(), bundle_support::NOW);
            assert!(r.is_err());
        }
    }
    assert_eq!(o.hash(), before);
    assert!(o.ledger.devices.is_empty());
}

#[test]
fn error_codes_match_their_variants() {
    // The codes in expected.tsv are ImportError::code(); spot-check the mapping.
    assert_eq!(ImportError::Truncated.code(), "truncated");
    assert_eq!(ImportError::TooDeep { max: 1 }.code(), "too_deep");
}

#[test]
fn a_value_that_cannot_be_is_refused_with_its_record_named_even_with_a_correct_checksum() {
    let small = small_bundle();
    let o = office();
    for (value, date) in [(json!(1.7e308), "2020-03-15"), (json!(10_000_001.0), "2020-03-15"), (json!(12.5), "2101-01-01"), (json!(12.5), "1989-12-31")] {
        let forged = edit(&small, |v| {
            doc_mut(v, "fig-a-1")["fields"]["value"]["v"] = value.clone();
            doc_mut(v, "fig-a-1")["fields"]["measured_on"]["v"] = json!(date);
        });
        let e = prepare_import(&forged, None, &o.replica, &o.ledger, &test_limits(), bundle_support::NOW).unwrap_err();
        assert_eq!(e.code(), "invalid_value", "{value} {date}");
        let m = e.message(duzhan::core::i18n::Lang::Zh);
        assert!(m.contains("fig-a-1") && m.contains("合理范围"), "{m}");
    }
    // At the bounds, it imports.
    let fine = edit(&small, |v| {
        doc_mut(v, "fig-a-1")["fields"]["value"]["v"] = json!(10_000_000.0);
        doc_mut(v, "fig-a-1")["fields"]["measured_on"]["v"] = json!("2100-12-31");
    });
    assert!(prepare_import(&fine, None, &o.replica, &o.ledger, &test_limits(), bundle_support::NOW).is_ok());
}
