//! The bundle corpora that tests check and examples write to disk: the hostile
//! files of `tests/hostile/` (checked by `tests/bundle_hostile.rs`, written by
//! `cargo run --example write_fixtures -- hostile`) and the valid bundles the fuzz
//! loop mutates (`tests/bundle_fuzz.rs`; `fuzz/seeds/parse_bundle/`, written by
//! `cargo run --example write_fixtures -- fuzz-seeds`).
#![allow(dead_code)]

use super::bundle_support::{date, Device};
use duzhan::core::bundle::crypto::{encrypt, EncryptParams};
use duzhan::core::bundle::receipt::{make_receipt, ReceiptRequest};
use duzhan::core::bundle::wire::reseal;
use duzhan::core::bundle::{ExportScope, VersionVector};
use duzhan::core::doc::Entity;
use duzhan::core::fieldwork::{Visit, VisitMode, VisitStatus};
use duzhan::core::model::{Figure, Target};
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub const HTML: &str = r#"<script>alert("x")</script><img src=x onerror=alert(1)><a href="javascript:alert(2)">&lt;b&gt;</a>'"`${7*7}{{7*7}}"#;

/// A device that imports hostile files: fresh, holding the default.
pub fn office() -> Device {
    Device::fresh("d-office")
}

/// A small bundle: one new figure, its target and county.
pub fn small_bundle() -> Vec<u8> {
    let mut a = Device::fresh("d-a");
    let f = Figure { id: "fig-a-1".into(), target_id: "seed-target-xiaohe".into(), measured_on: date(), value: 12.5, source: "入户核查".into() };
    let c = a.replica.stage_save(&[f], 100);
    a.replica.apply(c);
    a.export(ExportScope::DeltaSinceMs(100), 200).bytes
}

pub fn full_bundle() -> Vec<u8> {
    Device::fresh("d-a").export(ExportScope::Full, 200).bytes
}

/// Edits a bundle's JSON, recounts its records and reseals its checksum, so the
/// edit is the file's only defect.
pub fn edit(bytes: &[u8], f: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(bytes).expect("json");
    f(&mut v);
    let mut counts = BTreeMap::new();
    for d in v["payload"]["docs"].as_array().cloned().unwrap_or_default() {
        *counts.entry(d["kind"].as_str().unwrap_or("").to_owned()).or_insert(0u64) += 1;
    }
    v["counts"] = json!(counts);
    reseal(&v.to_string()).expect("still a v1 envelope")
}

pub fn doc_mut<'a>(v: &'a mut Value, id: &str) -> &'a mut Value {
    v["payload"]["docs"].as_array_mut().unwrap().iter_mut().find(|d| d["id"] == id).expect("doc")
}

pub fn text(v: &Value) -> Vec<u8> {
    v.to_string().into_bytes()
}

/// The generated corpus: (file name, bytes, expected code, passphrase).
pub fn corpus() -> Vec<(&'static str, Vec<u8>, &'static str, Option<&'static str>)> {
    let small = small_bundle();
    let full = full_bundle();
    let sv: Value = serde_json::from_slice(&small).unwrap();
    let mut c: Vec<(&'static str, Vec<u8>, &'static str, Option<&'static str>)> = Vec::new();
    c.push(("empty.json", Vec::new(), "empty", None));
    c.push(("whitespace.json", b" \n\t ".to_vec(), "empty", None));
    c.push(("not-utf8.json", [&small[..40], &[0xff, 0xfe, 0x00][..], &small[40..]].concat(), "not_utf8", None));
    c.push(("truncated-half.json", small[..small.len() / 2].to_vec(), "truncated", None));
    c.push(("truncated-last-byte.json", small[..small.len() - 1].to_vec(), "truncated", None));
    c.push((
        "truncated-mid-character.json",
        {
            let i = small.windows(3).position(|w| std::str::from_utf8(w).is_ok_and(|s| s.chars().count() == 1 && s.len() == 3)).unwrap();
            small[..i + 1].to_vec()
        },
        "truncated",
        None,
    ));
    c.push((
        "malformed.json",
        {
            let mut b = small.clone();
            let i = b.iter().position(|x| *x == b':').unwrap();
            b[i] = b';';
            b
        },
        "malformed",
        None,
    ));
    c.push(("trailing-garbage.json", [&small[..], b"}"].concat(), "malformed", None));
    c.push(("deep-nesting.json", "[".repeat(10_000).into_bytes(), "too_deep", None));
    c.push((
        "deep-nesting-in-a-value.json",
        {
            let mut v = sv.clone();
            doc_mut(&mut v, "fig-a-1")["fields"]["source"]["v"] = serde_json::from_str(&format!("{}{}", "[".repeat(100), "]".repeat(100))).unwrap();
            text(&v)
        },
        "too_deep",
        None,
    ));
    c.push(("top-level-array.json", b"[1,2,3]".to_vec(), "not_duzhan_file", None));
    c.push(("not-duzhan.json", br#"{"hello":"world"}"#.to_vec(), "not_duzhan_file", None));
    c.push((
        "unknown-format.json",
        {
            let mut v = sv.clone();
            v["format"] = "duzhan-backup".into();
            text(&v)
        },
        "unknown_format",
        None,
    ));
    // Version 2 is the signed format: a "v2" file without a signature is malformed.
    c.push(("wrong-version.json", edit(&small, |v| v["version"] = 2.into()), "schema", None));
    // Version 3 exists since bundles carry photos: an unsigned file without photos
    // claiming it is malformed; version 4 is a newer app's.
    c.push(("version-3.json", edit(&small, |v| v["version"] = 3.into()), "schema", None));
    c.push(("version-4.json", edit(&small, |v| v["version"] = 4.into()), "unsupported_version", None));
    c.push((
        "version-as-text.json",
        {
            let mut v = sv.clone();
            v["version"] = "1".into();
            text(&v)
        },
        "unsupported_version",
        None,
    ));
    c.push((
        "version-missing.json",
        {
            let mut v = sv.clone();
            v.as_object_mut().unwrap().remove("version");
            text(&v)
        },
        "schema",
        None,
    ));
    c.push((
        "unknown-member.json",
        {
            let mut v = sv.clone();
            v["comment"] = "hand edited".into();
            text(&v)
        },
        "schema",
        None,
    ));
    c.push((
        "missing-member.json",
        {
            let mut v = sv.clone();
            v.as_object_mut().unwrap().remove("seq");
            text(&v)
        },
        "schema",
        None,
    ));
    c.push((
        "checksum-mismatch.json",
        {
            let mut v = sv.clone();
            v["sha256"] = "0".repeat(64).into();
            text(&v)
        },
        "checksum_mismatch",
        None,
    ));
    c.push(("hand-edited-value.json", String::from_utf8(small.clone()).unwrap().replace("入户核查", "入户核査").into_bytes(), "checksum_mismatch", None));
    c.push(("hand-edited-header.json", String::from_utf8(small.clone()).unwrap().replace("小分队d-a", "小分队d-b").into_bytes(), "checksum_mismatch", None));
    c.push((
        "counts-mismatch.json",
        {
            let mut v = sv.clone();
            v["counts"]["figure"] = 5.into();
            reseal(&v.to_string()).unwrap()
        },
        "counts_mismatch",
        None,
    ));
    c.push(("long-string.json", edit(&small, |v| doc_mut(v, "fig-a-1")["fields"]["source"]["v"] = "长".repeat(30_000).into()), "string_too_long", None));
    c.push(("invalid-id.json", edit(&small, |v| doc_mut(v, "fig-a-1")["id"] = "<script>alert(1)</script>".into()), "invalid_id", None));
    c.push(("invalid-kind.json", edit(&small, |v| doc_mut(v, "fig-a-1")["kind"] = "Figure!".into()), "invalid_id", None));
    c.push(("invalid-device-id.json", edit(&small, |v| v["source"]["device_id"] = "d a".into()), "invalid_id", None));
    c.push((
        "duplicate-id.json",
        edit(&small, |v| {
            let d = doc_mut(v, "fig-a-1").clone();
            v["payload"]["docs"].as_array_mut().unwrap().push(d);
        }),
        "duplicate_id",
        None,
    ));
    c.push(("future-stamp.json", edit(&small, |v| doc_mut(v, "fig-a-1")["fields"]["value"]["s"]["wall"] = json!(9_999_999_999_999u64)), "invalid_stamp", None));
    c.push((
        "impossible-merge-state.json",
        edit(&small, |v| {
            let f = &mut doc_mut(v, "fig-a-1")["fields"]["value"];
            let mut newer = f["s"].clone();
            newer["dev"] = "d-zzz".into();
            newer["wall"] = json!(newer["wall"].as_u64().unwrap() + 1);
            f["alt"] = json!({"d-zzz": {"s": newer, "v": 1.0}});
        }),
        "invalid_stamp",
        None,
    ));
    c.push(("invalid-date.json", edit(&small, |v| doc_mut(v, "fig-a-1")["fields"]["measured_on"]["v"] = "2020-02-30".into()), "invalid_record", None));
    c.push(("wrong-type.json", edit(&small, |v| doc_mut(v, "seed-target-xiaohe")["fields"]["table_row"]["v"] = "二".into()), "invalid_record", None));
    c.push((
        "deleted-not-boolean.json",
        edit(&small, |v| {
            let s = doc_mut(v, "fig-a-1")["fields"]["value"]["s"].clone();
            doc_mut(v, "fig-a-1")["fields"]["_deleted"] = json!({"s": s, "v": "yes"});
        }),
        "invalid_record",
        None,
    ));
    c.push(("negative-figure.json", edit(&small, |v| doc_mut(v, "fig-a-1")["fields"]["value"]["v"] = json!(-3.0)), "invalid_value", None));
    // Values that cannot be (forged files with a correct checksum): bounds of `validate`.
    c.push(("huge-figure.json", edit(&small, |v| doc_mut(v, "fig-a-1")["fields"]["value"]["v"] = json!(1.7e308)), "invalid_value", None));
    c.push(("figure-over-ten-million.json", edit(&small, |v| doc_mut(v, "fig-a-1")["fields"]["value"]["v"] = json!(10_000_001.0)), "invalid_value", None));
    c.push(("figure-in-2101.json", edit(&small, |v| doc_mut(v, "fig-a-1")["fields"]["measured_on"]["v"] = json!("2101-01-01")), "invalid_value", None));
    c.push(("phase-from-1989.json", edit(&full, |v| doc_mut(v, "seed-phase-1")["fields"]["start"]["v"] = json!("1989-12-31")), "invalid_value", None));
    c.push(("nan-figure.json", String::from_utf8(small.clone()).unwrap().replace("\"v\":12.5", "\"v\":NaN").into_bytes(), "malformed", None));
    c.push(("infinite-figure.json", String::from_utf8(small.clone()).unwrap().replace("\"v\":12.5", "\"v\":1e999").into_bytes(), "malformed", None));
    c.push(("nan-text-figure.json", edit(&small, |v| doc_mut(v, "fig-a-1")["fields"]["value"]["v"] = "NaN".into()), "invalid_record", None));
    c.push((
        "dangling-reference.json",
        edit(&small, |v| doc_mut(v, "fig-a-1")["fields"]["target_id"]["v"] = "seed-target-nowhere".into()),
        "dangling_reference",
        None,
    ));
    c.push((
        "dangling-county.json",
        edit(&small, |v| doc_mut(v, "seed-target-xiaohe")["fields"]["county_id"]["v"] = "seed-county-atlantis".into()),
        "dangling_reference",
        None,
    ));
    c.push((
        "reference-to-wrong-kind.json",
        edit(&small, |v| doc_mut(v, "fig-a-1")["fields"]["target_id"]["v"] = "seed-county-wuding".into()),
        "dangling_reference",
        None,
    ));
    c.push(("kind-mismatch.json", edit(&small, |v| doc_mut(v, "fig-a-1")["id"] = "seed-person-01".into()), "kind_mismatch", None));
    c.push((
        "wrong-campaign.json",
        edit(&full, |v| {
            v["campaign_id"] = "campaign-2021".into();
            doc_mut(v, "seed-campaign-2020")["id"] = "campaign-2021".into();
        }),
        "wrong_campaign",
        None,
    ));
    c.push((
        "receipt.json",
        {
            let o = office();
            make_receipt(
                &o.replica,
                &o.ledger,
                &ReceiptRequest { for_device: None, squad_name: "州扶贫办".into(), created_ms: 1, date: date(), receipt_id: [3; 16] },
            )
            .unwrap()
            .bytes
        },
        "receipt_not_bundle",
        None,
    ));
    let params = |p| EncryptParams { passphrase: p, salt: [4; 16], nonce: [5; 12], iterations: 1000 };
    let sealed = encrypt(&small, &params("正确的密码")).unwrap();
    c.push(("encrypted-no-passphrase.json", sealed.clone(), "passphrase_required", None));
    c.push(("encrypted-wrong-passphrase.json", sealed.clone(), "wrong_passphrase", Some("错误的密码")));
    c.push((
        "encrypted-tampered-nonce.json",
        {
            let mut v: Value = serde_json::from_slice(&sealed).unwrap();
            v["cipher"]["nonce"] = "BQUFBQUFBQUFBQUG".into();
            text(&v)
        },
        "tampered",
        Some("正确的密码"),
    ));
    c.push((
        "encrypted-unknown-cipher.json",
        {
            let mut v: Value = serde_json::from_slice(&sealed).unwrap();
            v["cipher"]["alg"] = "rot13".into();
            text(&v)
        },
        "unsupported_cipher",
        Some("正确的密码"),
    ));
    c.push((
        "encrypted-too-many-iterations.json",
        {
            let mut v: Value = serde_json::from_slice(&sealed).unwrap();
            v["kdf"]["iterations"] = json!(4_000_000_000u64);
            text(&v)
        },
        "weak_kdf",
        Some("正确的密码"),
    ));
    c.push(("encrypted-correct.json", sealed, "ok", Some("正确的密码")));
    c.push(("html-in-every-text-field.json", html_everywhere(&full), "ok", None));
    c.push((
        "unknown-kind-from-a-newer-app.json",
        edit(&small, |v| {
            let mut d = doc_mut(v, "fig-a-1").clone();
            d["id"] = "drone-photo-a-1".into();
            d["kind"] = "drone_photo".into();
            d["fields"]["notes"] = json!({"s": d["fields"]["value"]["s"].clone(), "v": {"deep": [1, {"x": null}]}});
            v["payload"]["docs"].as_array_mut().unwrap().push(d);
        }),
        "ok",
        None,
    ));
    c.push(("byte-order-mark.json", [&b"\xEF\xBB\xBF"[..], &small[..]].concat(), "ok", None));
    c.push((
        "re-indented-by-an-editor.json",
        serde_json::to_vec_pretty(&sv).unwrap().iter().flat_map(|b| if *b == b'\n' { vec![b'\r', b'\n'] } else { vec![*b] }).collect(),
        "ok",
        None,
    ));
    // 暗访督战 records reach only 督查室 devices (bundle::restricted): the importer
    // here has no role, so a file carrying one is refused, however it was made.
    c.push(("unannounced-visit.json", visit_bundle(VisitMode::Unannounced), "restricted_records", None));
    c.push((
        "unannounced-mode-hand-edited.json",
        edit(&visit_bundle(VisitMode::SquadRoutine), |v| doc_mut(v, "visit-a-1")["fields"]["mode"]["v"] = "unannounced".into()),
        "restricted_records",
        None,
    ));
    c.push(("routine-visit.json", visit_bundle(VisitMode::SquadRoutine), "ok", None));
    c.extend(signed_corpus());
    c
}

/// A small bundle carrying one submitted visit of `mode` at 小河 (with its team).
pub fn visit_bundle(mode: VisitMode) -> Vec<u8> {
    let mut a = Device::fresh("d-a");
    let mut v = Visit::new_draft("visit-a-1".into(), "seed-target-xiaohe".into(), date(), mode);
    v.members = vec!["罗文慧".into()];
    v.households_visited = 5;
    v.status = VisitStatus::Submitted;
    v.submitted_ms = Some(150);
    let c = a.replica.stage_save(&[v], 100);
    a.replica.apply(c);
    a.export_with(ExportScope::DeltaSinceMs(100), 200, true).bytes
}

/// A small signed (v2) bundle, as `small_bundle` but signed by d-a's key.
pub fn small_signed_bundle() -> Vec<u8> {
    let mut a = Device::fresh("d-a").signed();
    let f = Figure { id: "fig-a-1".into(), target_id: "seed-target-xiaohe".into(), measured_on: date(), value: 12.5, source: "入户核查".into() };
    let c = a.replica.stage_save(&[f], 100);
    a.replica.apply(c);
    a.export(ExportScope::DeltaSinceMs(100), 200).bytes
}

/// Forged and damaged signed files: the checksum is right in each (resealed by
/// `edit`), so only the signature can tell.
pub fn signed_corpus() -> Vec<(&'static str, Vec<u8>, &'static str, Option<&'static str>)> {
    let signed = small_signed_bundle();
    let v: Value = serde_json::from_slice(&signed).unwrap();
    let other_key = super::bundle_support::key_for("d-forger").public().to_base64();
    let mut c: Vec<(&'static str, Vec<u8>, &'static str, Option<&'static str>)> = Vec::new();
    c.push(("signed-ok.json", signed.clone(), "ok", None));
    c.push(("signed-figure-changed.json", edit(&signed, |v| doc_mut(v, "fig-a-1")["fields"]["value"]["v"] = json!(1250.0)), "altered_after_signing", None));
    c.push(("signed-squad-renamed.json", edit(&signed, |v| v["source"]["squad_name"] = "州扶贫办".into()), "altered_after_signing", None));
    c.push(("signed-device-changed.json", edit(&signed, |v| v["source"]["device_id"] = "d-b".into()), "altered_after_signing", None));
    c.push(("signed-key-swapped.json", edit(&signed, |v| v["signature"]["key"] = other_key.clone().into()), "altered_after_signing", None));
    c.push((
        "signed-signature-flipped.json",
        edit(&signed, |v| {
            let s = v["signature"]["sig"].as_str().unwrap().to_owned();
            let flipped = if s.starts_with('A') { s.replacen('A', "B", 1) } else { format!("A{}", &s[1..]) };
            v["signature"]["sig"] = flipped.into();
        }),
        "altered_after_signing",
        None,
    ));
    c.push(("signed-signature-not-base64.json", edit(&signed, |v| v["signature"]["sig"] = "!".repeat(88).into()), "bad_signature", None));
    c.push(("signed-signature-short.json", edit(&signed, |v| v["signature"]["sig"] = "AAAA".into()), "bad_signature", None));
    c.push(("signed-unknown-algorithm.json", edit(&signed, |v| v["signature"]["alg"] = "rsa-2048".into()), "bad_signature", None));
    c.push(("signed-key-not-a-key.json", edit(&signed, |v| v["signature"]["key"] = "AAAA".into()), "bad_signature", None));
    c.push((
        "signed-extra-member-in-signature.json",
        String::from_utf8(signed.clone()).unwrap().replacen("\"signature\":{", "\"signature\":{\"by\":\"d-a\",", 1).into_bytes(),
        "schema",
        None,
    ));
    c.push((
        "signed-signature-removed.json",
        edit(&signed, |v| {
            v.as_object_mut().unwrap().remove("signature");
        }),
        "schema",
        None,
    ));
    c.push(("signed-marked-version-1.json", edit(&signed, |v| v["version"] = 1.into()), "schema", None));
    c.push(("signed-re-indented.json", serde_json::to_vec_pretty(&v).unwrap(), "altered_after_signing", None));
    c
}

/// Text fields of each known kind: free text a user types, where HTML may appear.
pub const TEXT_FIELDS: [(&str, &[&str]); 17] = [
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
pub fn html_everywhere(full: &[u8]) -> Vec<u8> {
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

/// Valid bundles of every scope, a receipt and an encrypted bundle: what the fuzz
/// loop mutates, and libFuzzer's seed corpus.
pub fn seeds() -> Vec<Vec<u8>> {
    let mut a = Device::fresh("d-a");
    let mut b = Device::fresh("d-b");
    for (d, name, t) in [(&mut a, "甲<b>村</b>", 100), (&mut b, "乙村", 101)] {
        let mut x = Target::from_doc(d.replica.doc("seed-target-xiaohe").unwrap()).unwrap();
        x.name = name.into();
        let c = d.replica.stage_save(&[x], t);
        d.replica.apply(c);
    }
    let f = Figure { id: "fig-b-1".into(), target_id: "seed-target-gantang".into(), measured_on: date(), value: 2200.0, source: "核查".into() };
    let c = b.replica.stage_save(&[f], 102);
    b.replica.apply(c);
    let c = b.replica.stage_delete(&["seed-target-qixian-fig-2020"], 103);
    b.replica.apply(c);
    let fb = b.export(ExportScope::Full, 200).bytes;
    a.import(&fb).unwrap();
    let mut out = vec![
        a.export(ExportScope::DeltaSinceMs(100), 300).bytes,
        a.export(ExportScope::Delta { known: VersionVector::new() }, 301).bytes,
        a.export(ExportScope::Scoped { county_ids: vec![], target_ids: vec!["seed-target-gantang".into()] }, 302).bytes,
        fb,
    ];
    // Field work: visits with answers, problems with their events.
    let mut w = Device::fresh("d-w");
    let c = w.replica.stage_merge(&duzhan::core::fieldwork::generate::generate_campaign(5, 2, 2, 3));
    w.replica.apply(c);
    out.push(w.export(ExportScope::Delta { known: VersionVector::new() }, 400).bytes);
    let receipt =
        make_receipt(&a.replica, &a.ledger, &ReceiptRequest { for_device: None, squad_name: "州".into(), created_ms: 1, date: date(), receipt_id: [1; 16] })
            .unwrap();
    out.push(receipt.bytes);
    let small = out[0].clone();
    out.push(encrypt(&small, &EncryptParams { passphrase: "pw", salt: [2; 16], nonce: [3; 12], iterations: 2 }).unwrap());
    out
}
