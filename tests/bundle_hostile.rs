//! Hostile files: every one is refused with its own specific error, without a
//! panic and without a write (the core never writes; the preview's change is all
//! a caller could commit, and a refusal has none). HTML and script in text fields
//! are *valid data*: accepted, kept as plain text, and returned unchanged.
//!
//! `tests/hostile/` holds small checked-in files with `expected.tsv` (file, error
//! code, passphrase). They are made by the generator below:
//! `cargo test --test bundle_hostile -- --ignored regenerate_the_hostile_corpus`.
//! Large cases (100,000 brackets, a million records, megabyte strings, every
//! truncation and every bit flip of a small bundle) are generated in the tests.

mod bundle_support;

use bundle_support::{date, test_limits, Device};
use duzhan::core::bundle::crypto::{encrypt, EncryptParams};
use duzhan::core::bundle::import::prepare_import;
use duzhan::core::bundle::Limits;
use duzhan::core::bundle::receipt::{make_receipt, ReceiptRequest};
use duzhan::core::bundle::wire::reseal;
use duzhan::core::bundle::{ExportScope, ImportError};
use duzhan::core::model::Figure;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Instant;

const HTML: &str = r#"<script>alert("x")</script><img src=x onerror=alert(1)><a href="javascript:alert(2)">&lt;b&gt;</a>'"`${7*7}{{7*7}}"#;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/hostile")
}

/// A device that imports hostile files: fresh, holding the default.
fn office() -> Device {
    Device::fresh("d-office")
}

/// The outcome code of importing bytes: an error code, or "ok".
fn outcome(bytes: &[u8], passphrase: Option<&str>, limits: &Limits) -> Result<&'static str, String> {
    let o = office();
    let r = std::panic::catch_unwind(|| prepare_import(bytes, passphrase, &o.replica, &o.ledger, limits, 1));
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

/// A small bundle: one new figure, its target and county.
fn small_bundle() -> Vec<u8> {
    let mut a = Device::fresh("d-a");
    let f = Figure { id: "fig-a-1".into(), target_id: "seed-target-xiaohe".into(), measured_on: date(), value: 12.5, source: "入户核查".into() };
    let c = a.replica.stage_save(&[f], 100);
    a.replica.apply(c);
    a.export(ExportScope::DeltaSinceMs(100), 200).bytes
}

fn full_bundle() -> Vec<u8> {
    Device::fresh("d-a").export(ExportScope::Full, 200).bytes
}

/// Edits a bundle's JSON, recounts its records and reseals its checksum, so the
/// edit is the file's only defect.
fn edit(bytes: &[u8], f: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(bytes).expect("json");
    f(&mut v);
    let mut counts = BTreeMap::new();
    for d in v["payload"]["docs"].as_array().cloned().unwrap_or_default() {
        *counts.entry(d["kind"].as_str().unwrap_or("").to_owned()).or_insert(0u64) += 1;
    }
    v["counts"] = json!(counts);
    reseal(&v.to_string()).expect("still a v1 envelope")
}

fn doc_mut<'a>(v: &'a mut Value, id: &str) -> &'a mut Value {
    v["payload"]["docs"].as_array_mut().unwrap().iter_mut().find(|d| d["id"] == id).expect("doc")
}

fn text(v: &Value) -> Vec<u8> {
    v.to_string().into_bytes()
}

/// The generated corpus: (file name, bytes, expected code, passphrase).
fn corpus() -> Vec<(&'static str, Vec<u8>, &'static str, Option<&'static str>)> {
    let small = small_bundle();
    let full = full_bundle();
    let sv: Value = serde_json::from_slice(&small).unwrap();
    let mut c: Vec<(&'static str, Vec<u8>, &'static str, Option<&'static str>)> = Vec::new();
    c.push(("empty.json", Vec::new(), "empty", None));
    c.push(("whitespace.json", b" \n\t ".to_vec(), "empty", None));
    c.push(("not-utf8.json", [&small[..40], &[0xff, 0xfe, 0x00][..], &small[40..]].concat(), "not_utf8", None));
    c.push(("truncated-half.json", small[..small.len() / 2].to_vec(), "truncated", None));
    c.push(("truncated-last-byte.json", small[..small.len() - 1].to_vec(), "truncated", None));
    c.push(("truncated-mid-character.json", {
        let i = small.windows(3).position(|w| std::str::from_utf8(w).is_ok_and(|s| s.chars().count() == 1 && s.len() == 3)).unwrap();
        small[..i + 1].to_vec()
    }, "truncated", None));
    c.push(("malformed.json", { let mut b = small.clone(); let i = b.iter().position(|x| *x == b':').unwrap(); b[i] = b';'; b }, "malformed", None));
    c.push(("trailing-garbage.json", [&small[..], b"}"].concat(), "malformed", None));
    c.push(("deep-nesting.json", "[".repeat(10_000).into_bytes(), "too_deep", None));
    c.push(("deep-nesting-in-a-value.json", {
        let mut v = sv.clone();
        doc_mut(&mut v, "fig-a-1")["fields"]["source"]["v"] = serde_json::from_str(&format!("{}{}", "[".repeat(100), "]".repeat(100))).unwrap();
        text(&v)
    }, "too_deep", None));
    c.push(("top-level-array.json", b"[1,2,3]".to_vec(), "not_duzhan_file", None));
    c.push(("not-duzhan.json", br#"{"hello":"world"}"#.to_vec(), "not_duzhan_file", None));
    c.push(("unknown-format.json", { let mut v = sv.clone(); v["format"] = "duzhan-backup".into(); text(&v) }, "unknown_format", None));
    c.push(("wrong-version.json", edit(&small, |v| v["version"] = 2.into()), "unsupported_version", None));
    c.push(("version-as-text.json", { let mut v = sv.clone(); v["version"] = "1".into(); text(&v) }, "unsupported_version", None));
    c.push(("version-missing.json", { let mut v = sv.clone(); v.as_object_mut().unwrap().remove("version"); text(&v) }, "schema", None));
    c.push(("unknown-member.json", { let mut v = sv.clone(); v["comment"] = "hand edited".into(); text(&v) }, "schema", None));
    c.push(("missing-member.json", { let mut v = sv.clone(); v.as_object_mut().unwrap().remove("seq"); text(&v) }, "schema", None));
    c.push(("checksum-mismatch.json", { let mut v = sv.clone(); v["sha256"] = "0".repeat(64).into(); text(&v) }, "checksum_mismatch", None));
    c.push(("hand-edited-value.json", String::from_utf8(small.clone()).unwrap().replace("入户核查", "入户核査").into_bytes(), "checksum_mismatch", None));
    c.push(("hand-edited-header.json", String::from_utf8(small.clone()).unwrap().replace("小分队d-a", "小分队d-b").into_bytes(), "checksum_mismatch", None));
    c.push(("counts-mismatch.json", { let mut v = sv.clone(); v["counts"]["figure"] = 5.into(); reseal(&v.to_string()).unwrap() }, "counts_mismatch", None));
    c.push(("long-string.json", edit(&small, |v| doc_mut(v, "fig-a-1")["fields"]["source"]["v"] = "长".repeat(30_000).into()), "string_too_long", None));
    c.push(("invalid-id.json", edit(&small, |v| doc_mut(v, "fig-a-1")["id"] = "<script>alert(1)</script>".into()), "invalid_id", None));
    c.push(("invalid-kind.json", edit(&small, |v| doc_mut(v, "fig-a-1")["kind"] = "Figure!".into()), "invalid_id", None));
    c.push(("invalid-device-id.json", edit(&small, |v| v["source"]["device_id"] = "d a".into()), "invalid_id", None));
    c.push(("duplicate-id.json", edit(&small, |v| {
        let d = doc_mut(v, "fig-a-1").clone();
        v["payload"]["docs"].as_array_mut().unwrap().push(d);
    }), "duplicate_id", None));
    c.push(("future-stamp.json", edit(&small, |v| doc_mut(v, "fig-a-1")["fields"]["value"]["s"]["wall"] = json!(9_999_999_999_999u64)), "invalid_stamp", None));
    c.push(("impossible-merge-state.json", edit(&small, |v| {
        let f = &mut doc_mut(v, "fig-a-1")["fields"]["value"];
        let mut newer = f["s"].clone();
        newer["dev"] = "d-zzz".into();
        newer["wall"] = json!(newer["wall"].as_u64().unwrap() + 1);
        f["alt"] = json!({"d-zzz": {"s": newer, "v": 1.0}});
    }), "invalid_stamp", None));
    c.push(("invalid-date.json", edit(&small, |v| doc_mut(v, "fig-a-1")["fields"]["measured_on"]["v"] = "2020-02-30".into()), "invalid_record", None));
    c.push(("wrong-type.json", edit(&small, |v| doc_mut(v, "seed-target-xiaohe")["fields"]["table_row"]["v"] = "二".into()), "invalid_record", None));
    c.push(("deleted-not-boolean.json", edit(&small, |v| {
        let s = doc_mut(v, "fig-a-1")["fields"]["value"]["s"].clone();
        doc_mut(v, "fig-a-1")["fields"]["_deleted"] = json!({"s": s, "v": "yes"});
    }), "invalid_record", None));
    c.push(("negative-figure.json", edit(&small, |v| doc_mut(v, "fig-a-1")["fields"]["value"]["v"] = json!(-3.0)), "invalid_value", None));
    c.push(("nan-figure.json", String::from_utf8(small.clone()).unwrap().replace("\"v\":12.5", "\"v\":NaN").into_bytes(), "malformed", None));
    c.push(("infinite-figure.json", String::from_utf8(small.clone()).unwrap().replace("\"v\":12.5", "\"v\":1e999").into_bytes(), "malformed", None));
    c.push(("nan-text-figure.json", edit(&small, |v| doc_mut(v, "fig-a-1")["fields"]["value"]["v"] = "NaN".into()), "invalid_record", None));
    c.push(("dangling-reference.json", edit(&small, |v| doc_mut(v, "fig-a-1")["fields"]["target_id"]["v"] = "seed-target-nowhere".into()), "dangling_reference", None));
    c.push(("dangling-county.json", edit(&small, |v| doc_mut(v, "seed-target-xiaohe")["fields"]["county_id"]["v"] = "seed-county-atlantis".into()), "dangling_reference", None));
    c.push(("reference-to-wrong-kind.json", edit(&small, |v| doc_mut(v, "fig-a-1")["fields"]["target_id"]["v"] = "seed-county-wuding".into()), "dangling_reference", None));
    c.push(("kind-mismatch.json", edit(&small, |v| doc_mut(v, "fig-a-1")["id"] = "seed-person-01".into()), "kind_mismatch", None));
    c.push(("wrong-campaign.json", edit(&full, |v| {
        v["campaign_id"] = "campaign-2021".into();
        doc_mut(v, "seed-campaign-2020")["id"] = "campaign-2021".into();
    }), "wrong_campaign", None));
    c.push(("receipt.json", {
        let o = office();
        make_receipt(&o.replica, &o.ledger, &ReceiptRequest { for_device: None, squad_name: "州扶贫办".into(), created_ms: 1, date: date(), receipt_id: [3; 16] }).unwrap().bytes
    }, "receipt_not_bundle", None));
    let params = |p| EncryptParams { passphrase: p, salt: [4; 16], nonce: [5; 12], iterations: 1000 };
    let sealed = encrypt(&small, &params("正确的密码")).unwrap();
    c.push(("encrypted-no-passphrase.json", sealed.clone(), "passphrase_required", None));
    c.push(("encrypted-wrong-passphrase.json", sealed.clone(), "wrong_passphrase", Some("错误的密码")));
    c.push(("encrypted-tampered-nonce.json", {
        let mut v: Value = serde_json::from_slice(&sealed).unwrap();
        v["cipher"]["nonce"] = "BQUFBQUFBQUFBQUG".into();
        text(&v)
    }, "tampered", Some("正确的密码")));
    c.push(("encrypted-unknown-cipher.json", {
        let mut v: Value = serde_json::from_slice(&sealed).unwrap();
        v["cipher"]["alg"] = "rot13".into();
        text(&v)
    }, "unsupported_cipher", Some("正确的密码")));
    c.push(("encrypted-too-many-iterations.json", {
        let mut v: Value = serde_json::from_slice(&sealed).unwrap();
        v["kdf"]["iterations"] = json!(4_000_000_000u64);
        text(&v)
    }, "weak_kdf", Some("正确的密码")));
    c.push(("encrypted-correct.json", sealed, "ok", Some("正确的密码")));
    c.push(("html-in-every-text-field.json", html_everywhere(&full), "ok", None));
    c.push(("unknown-kind-from-a-newer-app.json", edit(&small, |v| {
        let mut d = doc_mut(v, "fig-a-1").clone();
        d["id"] = "drone-photo-a-1".into();
        d["kind"] = "drone_photo".into();
        d["fields"]["notes"] = json!({"s": d["fields"]["value"]["s"].clone(), "v": {"deep": [1, {"x": null}]}});
        v["payload"]["docs"].as_array_mut().unwrap().push(d);
    }), "ok", None));
    c.push(("byte-order-mark.json", [&b"\xEF\xBB\xBF"[..], &small[..]].concat(), "ok", None));
    c.push(("re-indented-by-an-editor.json", serde_json::to_vec_pretty(&sv).unwrap().iter().flat_map(|b| if *b == b'\n' { vec![b'\r', b'\n'] } else { vec![*b] }).collect(), "ok", None));
    c
}

/// Text fields of each known kind: free text a user types, where HTML may appear.
const TEXT_FIELDS: [(&str, &[&str]); 17] = [
    ("campaign", &["name", "doc_no", "issuer", "contact_phone", "contact_email"]),
    ("department", &["name", "duty"]),
    ("phase", &["name", "description"]),
    ("milestone", &["label", "text", "sub_items"]),
    ("county", &["name"]),
    ("target", &["township", "name"]),
    ("figure", &["source"]),
    ("person", &["name", "aliases"]),
    ("assignment", &[]),
    ("checklist_item", &["code", "title", "guidance"]),
    ("visit", &["members", "findings"]),
    ("visit_answer", &["note"]),
    ("problem", &["description", "responsible_unit", "responsible_person"]),
    ("problem_event", &["by", "comment"]),
    ("requirement", &["name", "text", "recipient", "contact_phone", "contact_email"]),
    ("monthly_report", &["analysis", "report", "author", "feedback", "feedback_by"]),
    ("filing", &["contact", "note"]),
];

/// The full seed bundle with HTML and script appended to every text field.
fn html_everywhere(full: &[u8]) -> Vec<u8> {
    edit(full, |v| {
        v["source"]["squad_name"] = format!("小分队{HTML}").into();
        for d in v["payload"]["docs"].as_array_mut().unwrap() {
            let kind = d["kind"].as_str().unwrap().to_owned();
            let fields = TEXT_FIELDS.iter().find(|(k, _)| *k == kind).unwrap_or_else(|| panic!("add the text fields of {kind}")).1;
            for f in fields {
                match d["fields"].get_mut(*f).and_then(|x| x.get_mut("v")) {
                    Some(Value::String(s)) => s.push_str(HTML),
                    Some(Value::Array(items)) => items.push(Value::String(HTML.into())),
                    other => panic!("{kind}.{f} is not text: {other:?}"),
                }
            }
        }
    })
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
#[ignore]
fn regenerate_the_hostile_corpus() {
    let dir = corpus_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let mut manifest = String::from("# file\texpected error code (or ok)\tpassphrase\n# Generated by: cargo test --test bundle_hostile -- --ignored regenerate_the_hostile_corpus\n");
    for (name, bytes, expected, pass) in corpus() {
        std::fs::write(dir.join(name), &bytes).unwrap();
        manifest.push_str(&format!("{name}\t{expected}\t{}\n", pass.unwrap_or("")));
    }
    std::fs::write(dir.join("expected.tsv"), manifest).unwrap();
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
            let r = prepare_import(&bytes, pass, &o.replica, &o.ledger, &test_limits(), 1);
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
