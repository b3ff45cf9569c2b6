//! Released bundle formats import forever.
//!
//! `tests/fixtures/bundle-v1-full.json` is the embedded default of `27a264c`
//! exported by the v1 exporter (device `d-0000000000000001`, squad 州扶贫办,
//! 2020-03-15), and `bundle-v1-full.enc.json` the same file encrypted with the
//! passphrase `楚雄州2020督战` (PBKDF2-SHA256, 600,000 iterations, AES-256-GCM).
//! They are never regenerated: a new format version adds its own fixture next to
//! them (`bundle-v2-*` when signing came, `bundle-v3-photos.json` with its
//! `photos/` and `receipt-v2-photos-wanted.json` when bundles carried photos).
//! `cargo run --example write_fixtures` only writes fixtures that do not
//! exist yet.
//!
//! The byte-for-byte test exports the fixture's own records (not today's default,
//! which has grown since), so it holds the v1 encoder to the file whatever the
//! embedded default becomes.

mod bundle_support;

use bundle_support::{test_limits, Device};
use chrono::NaiveDate;
use duzhan::core::bundle::import::{read_bundle, AlreadyImported, IncomingBundle};
use duzhan::core::bundle::wire::ScopeKind;
use duzhan::core::bundle::Limits;
use duzhan::core::bundle::{export_bundle, preview, ExportRequest, ExportScope, SyncLedger};
use duzhan::core::clock::{DeviceId, Hlc, Stamp};
use duzhan::core::digest::sha256_bytes_hex;
use duzhan::core::doc::Doc;
use duzhan::core::doc::Entity;
use duzhan::core::model::{Campaign, County, Figure, Level, Target, TargetKind, Thresholds};
use duzhan::core::replica::Replica;
use std::path::PathBuf;

/// The encrypted fixture's passphrase.
const PASSPHRASE: &str = "楚雄州2020督战";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// The canonical state hash of the fixture's records, recorded when it was made.
fn recorded_hash() -> String {
    std::fs::read_to_string(fixture("bundle-v1-full.state-hash")).expect("state hash file").trim().to_owned()
}

fn fixture_bytes() -> Vec<u8> {
    std::fs::read(fixture("bundle-v1-full.json")).expect("fixture")
}

/// The fixture as the v1 importer reads it: its header and records.
fn fixture_incoming() -> IncomingBundle {
    read_bundle(&fixture_bytes(), None, &test_limits()).expect("the v1 fixture reads")
}

fn fixture_docs() -> Vec<Doc> {
    fixture_incoming().docs
}

/// The export the fixture was made with, from a replica holding exactly the
/// fixture's records: its device, squad, time and bundle id as its header records
/// them (the date only names the file).
fn export_fixture_records() -> Vec<u8> {
    let incoming = fixture_incoming();
    let h = &incoming.header;
    assert_eq!((h.device_id.as_str(), h.squad_name.as_str(), h.seq, h.scope), ("d-0000000000000001", "州扶贫办", 1, ScopeKind::Full));
    bundle_support::reexport(incoming, None)
}

#[test]
fn the_v1_full_fixture_imports_forever() {
    let bytes = std::fs::read(fixture("bundle-v1-full.json")).expect("fixture");
    let mut e = Device::empty("d-e");
    let p = e.import(&bytes).expect("the v1 fixture imports");
    assert_eq!(p.seq, 1);
    assert_eq!(p.squad_name, "州扶贫办");
    assert_eq!(e.hash(), recorded_hash());
    // On a device holding today's default, it imports too.
    let mut f = Device::fresh("d-f");
    f.import(&bytes).expect("imports onto the default");
}

#[test]
fn the_v1_full_fixture_adds_nothing_to_a_device_holding_its_records() {
    let bytes = fixture_bytes();
    let mut f = Device::with_docs("d-f", fixture_docs());
    assert_eq!(f.hash(), recorded_hash());
    let p = f.import(&bytes).expect("imports onto its own records");
    assert_eq!(p.already_imported, Some(AlreadyImported::NothingNew));
    assert_eq!(p.totals().new, 0);
    assert_eq!(p.totals().changed, 0);
    // The same file again is recognised by its bundle id.
    let p = f.import(&bytes).expect("imports again");
    assert_eq!(p.already_imported, Some(AlreadyImported::SameBundle));
}

#[test]
fn the_exporter_still_writes_the_v1_fixture_byte_for_byte() {
    let bytes = fixture_bytes();
    let got = export_fixture_records();
    if got != bytes {
        let at = got.iter().zip(&bytes).position(|(a, b)| a != b).unwrap_or(got.len().min(bytes.len()));
        let from = at.saturating_sub(80);
        panic!(
            "the v1 encoder changed: canonical output must stay identical.\nfirst difference at byte {at} of {} (fixture {} bytes)\nwritten: {}\nfixture: {}",
            got.len(),
            bytes.len(),
            String::from_utf8_lossy(&got[from..(at + 80).min(got.len())]),
            String::from_utf8_lossy(&bytes[from..(at + 80).min(bytes.len())]),
        );
    }
}

#[test]
fn the_v1_encrypted_fixture_opens_with_its_passphrase_and_the_real_key_derivation() {
    // The one test that runs the full 600,000 PBKDF2 iterations.
    let enc = std::fs::read(fixture("bundle-v1-full.enc.json")).expect("fixture");
    let plain = std::fs::read(fixture("bundle-v1-full.json")).unwrap();
    let got = read_bundle(&enc, Some(PASSPHRASE), &Limits::default()).expect("opens");
    let want = read_bundle(&plain, None, &test_limits()).unwrap();
    assert_eq!(got, want);
    let records = got.docs.len() as u64;
    let e = Device::empty("d-e");
    let p = preview(got, &e.replica, &e.ledger, 1).unwrap();
    assert_eq!(p.totals().new, records);
}

#[test]
fn a_small_bundle_has_the_same_canonical_bytes_on_every_device_and_build() {
    // A golden value: two devices must write the same bytes for the same records
    // (the checksum and the state hash are computed over them), whatever the
    // platform or build. This small bundle is independent of the embedded default:
    // a campaign, a county, a target and a figure with a concurrent value, fixed
    // stamps. Its
    // SHA-256 was computed once, by this assertion, at 0c42cb7. If it changes, the
    // v1 encoder changed: that is never intended for v1 (a new format version gets
    // its own fixture and golden value).
    let st = |wall, dev: &str| Stamp { wall, n: 0, dev: DeviceId(dev.into()) };
    let campaign = Campaign {
        id: "campaign-wuding-2020".into(),
        name: "武定县脱贫攻坚挂牌督战".into(),
        year: 2020,
        doc_no: "武贫组发〔2020〕1号".into(),
        issuer: "武定县扶贫开发领导小组".into(),
        thresholds: Thresholds { remaining_poor_over: 1000, incidence_over_pct: 10.0, site_people_over: 1000 },
        contact_phone: "0878-8712345".into(),
        contact_email: "wdfpb@126.com".into(),
    };
    let county = County { id: "c-wuding".into(), seq: 5, name: "武定县".into() };
    let target = Target {
        id: "t-lemo".into(),
        kind: TargetKind::Village,
        level: Level::County,
        county_id: "c-wuding".into(),
        township: "插甸镇".into(),
        name: "乐茂河村委会".into(),
        table_row: 3,
        order: 1,
    };
    let figure = Figure {
        id: "f-lemo-1".into(),
        target_id: "t-lemo".into(),
        measured_on: NaiveDate::from_ymd_opt(2020, 3, 1).unwrap(),
        value: 3.27,
        source: "州扶贫办核查".into(),
    };
    let doc = |kind, id: &str, m, s: &Stamp| Doc::edit(None, kind, id, m, s).unwrap();
    let mut docs = vec![
        doc(Campaign::KIND, &campaign.id, campaign.to_values(), &st(1_583_020_800_000, "d-a")),
        doc(County::KIND, &county.id, county.to_values(), &st(1_583_020_800_000, "d-a")),
        doc(Target::KIND, &target.id, target.to_values(), &st(1_583_020_800_001, "d-a")),
    ];
    // The figure edited on two devices at once: its bytes hold a concurrent value.
    let fa = doc(Figure::KIND, &figure.id, figure.to_values(), &st(1_583_020_800_002, "d-a"));
    let fb = doc(Figure::KIND, &figure.id, Figure { value: 3.31, ..figure.clone() }.to_values(), &st(1_583_020_800_003, "d-b"));
    docs.push(Doc::merge(&fa, &fb));
    let r = Replica::from_parts(docs, Hlc::new(DeviceId("d-0000000000000002".into())));
    let req = ExportRequest {
        scope: ExportScope::Full,
        recipient: None,
        squad_name: "武定县督战队".into(),
        created_ms: 1_583_107_200_000,
        date: NaiveDate::from_ymd_opt(2020, 3, 2).unwrap(),
        bundle_id: *b"duzhan-golden-01",
        carry_restricted: true,
    };
    let bytes = export_bundle(&r, &SyncLedger::default(), &req).unwrap().bytes;
    assert_eq!(sha256_bytes_hex(&bytes), "1ef2cd740acc0e152c8f84954c2ff64db8b62b815f142d2345b1cab6532a7a8b", "{}", String::from_utf8_lossy(&bytes));
}

// ---------------------------------------------------------------- format v2

/// The seed of the v2 fixtures' key (`examples/write_fixtures.rs`; a fixture's
/// key is public by design).
const V2_SEED: [u8; 32] = *b"duzhan-fixture-signing-key-v2-01";

fn v2_key() -> duzhan::core::bundle::sign::DeviceKey {
    duzhan::core::bundle::sign::DeviceKey::from_seed(V2_SEED, 0)
}

#[test]
fn the_v2_full_fixture_imports_forever_signed_by_its_key() {
    use duzhan::core::bundle::sign::Signer;
    let bytes = std::fs::read(fixture("bundle-v2-full.json")).expect("fixture");
    let mut e = Device::empty("d-e");
    let p = e.import(&bytes).expect("the v2 fixture imports");
    // The same records as the v1 fixture, signed.
    assert_eq!(e.hash(), recorded_hash());
    assert_eq!(p.signer, Signer::FirstSeen(v2_key().public()));
    // The fingerprint as first computed, at the commit that introduced signing: the
    // rule that turns a key into what people read aloud must never change.
    assert_eq!(v2_key().public().fingerprint(), "8699 2285 9032 7149 1627");
    assert_eq!(v2_key().public().to_base64(), "Ru/rIRFFDsL4klJ7YE5YBPbfHJlPeGnECK5ccgvF9IE=");
}

#[test]
fn the_exporter_still_writes_the_v2_fixture_byte_for_byte() {
    let want = std::fs::read(fixture("bundle-v2-full.json")).expect("fixture");
    // Ed25519 signatures are deterministic: the same key signs the same bytes alike.
    let got = bundle_support::reexport(fixture_incoming(), Some(&v2_key()));
    assert!(got == want, "the v2 encoder changed: {} bytes written, fixture {} bytes", got.len(), want.len());
}

#[test]
fn the_v2_encrypted_fixture_opens_and_its_signature_verifies() {
    let enc = std::fs::read(fixture("bundle-v2-full.enc.json")).expect("fixture");
    let got = read_bundle(&enc, Some(PASSPHRASE), &Limits::default()).expect("opens");
    assert_eq!(got.header.signer, Some(v2_key().public()));
    assert_eq!(got.docs, fixture_docs());
}

#[test]
fn the_v2_receipt_fixture_reads_signed_and_acknowledges_the_bundle() {
    use duzhan::core::bundle::receipt::{apply_receipt, read_receipt};
    use duzhan::core::bundle::sign::{DeviceKey, Signer};
    let bytes = std::fs::read(fixture("receipt-v2.json")).expect("fixture");
    let r = read_receipt(&bytes, &test_limits()).expect("reads");
    let mut seed = V2_SEED;
    seed[31] = b'2';
    let office_key = DeviceKey::from_seed(seed, 0).public();
    assert_eq!(r.signer, Some(office_key));
    assert_eq!(r.by.as_str(), "d-0000000000000009");
    assert_eq!(r.received.len(), 1);
    // The exporting device, which knows no key of the office yet, pins it.
    let mut squad = Device::with_docs("d-0000000000000001", fixture_docs());
    squad.ledger.own_key = Some(v2_key().public().to_base64());
    let out = apply_receipt(&r, &squad.replica, &squad.ledger).unwrap();
    assert_eq!(out.signer, Signer::FirstSeen(office_key));
    // The unsigned v1 fixture still reads as unsigned.
    assert_eq!(fixture_incoming().header.signer, None);
}

// ---------------------------------------------------------------- format v3

#[test]
fn the_v3_photo_fixture_imports_forever_with_its_photos_checked_byte_for_byte() {
    use duzhan::core::fieldwork::photo::{photo_hash, Photo};
    let bytes = std::fs::read(fixture("bundle-v3-photos.json")).expect("fixture");
    let incoming = read_bundle(&bytes, None, &test_limits()).expect("the v3 fixture reads");
    assert_eq!(incoming.header.signer, Some(v2_key().public()));
    let mut want: Vec<(String, Vec<u8>)> = bundle_support::v3_fixture_photos().into_iter().map(|b| (photo_hash(&b), b)).collect();
    want.sort();
    let got: Vec<(String, Vec<u8>)> = incoming.photos.iter().map(|e| e.sha256.clone()).zip(incoming.photo_bytes.clone()).collect();
    assert_eq!(got, want, "the photos as the browser made them, in address order");
    // The v1 fixture's records, a visit and its two photo records.
    let mut e = Device::empty("d-e");
    let p = e.import(&bytes).expect("imports");
    assert_eq!((p.kinds.get("visit").map(|k| k.new), p.kinds.get("photo").map(|k| k.new)), (Some(1), Some(2)));
    let photos: Vec<Photo> = e.replica.docs().filter(|d| d.kind == Photo::KIND).map(|d| duzhan::core::doc::decode(d).unwrap()).collect();
    assert!(photos.iter().all(|p| p.owner_id == "visit-fixture-3" && want.iter().any(|(h, _)| *h == p.sha256)));
    assert_eq!(photos.iter().map(|p| (p.width, p.height)).collect::<std::collections::BTreeSet<_>>(), [(48, 64), (64, 48)].into());
}

#[test]
fn the_chunked_encrypted_v3_fixture_opens_into_the_v3_fixture_and_is_written_alike() {
    let enc = std::fs::read(fixture("bundle-v3-photos.enc.json")).expect("fixture");
    let plain = std::fs::read(fixture("bundle-v3-photos.json")).expect("fixture");
    let text = std::str::from_utf8(&enc).expect("utf-8");
    assert!(text.starts_with("{\"chunk_bytes\":16384,") && text.lines().count() > 2, "several chunks");
    assert_eq!(duzhan::core::bundle::crypto::decrypt(text, PASSPHRASE, &Limits::default()).expect("opens"), plain);
    let got = read_bundle(&enc, Some(PASSPHRASE), &Limits::default()).expect("reads");
    assert_eq!(got.photos.len(), 2);
    assert_eq!(got.header.signer, Some(v2_key().public()));
    let again = bundle_support::v3_fixture_encrypted(&plain);
    assert!(again == enc, "the chunked writer changed: {} bytes written, fixture {} bytes", again.len(), enc.len());
}

#[test]
fn the_exporter_still_writes_the_v3_fixture_byte_for_byte() {
    let want = std::fs::read(fixture("bundle-v3-photos.json")).expect("fixture");
    let got = bundle_support::v3_fixture_file(fixture_docs(), &v2_key());
    assert!(got == want, "the v3 encoder changed: {} bytes written, fixture {} bytes", got.len(), want.len());
}

#[test]
fn the_receipt_fixture_asking_for_photos_reads_signed_and_names_both() {
    use duzhan::core::bundle::receipt::read_receipt;
    use duzhan::core::fieldwork::photo::photo_hash;
    let r = read_receipt(&std::fs::read(fixture("receipt-v2-photos-wanted.json")).expect("fixture"), &test_limits()).expect("reads");
    let mut seed = V2_SEED;
    seed[31] = b'2';
    assert_eq!(r.signer, Some(duzhan::core::bundle::sign::DeviceKey::from_seed(seed, 0).public()));
    let mut want: Vec<String> = bundle_support::v3_fixture_photos().iter().map(|b| photo_hash(b)).collect();
    want.sort();
    assert_eq!(r.photos_wanted, want);
}
