//! Released bundle formats import forever.
//!
//! `tests/fixtures/bundle-v1-full.json` is the embedded default exported by the v1
//! exporter (device `d-0000000000000001`, squad 州扶贫办, 2020-03-15), and
//! `bundle-v1-full.enc.json` the same file encrypted with the passphrase
//! `楚雄州2020督战` (PBKDF2-SHA256, 600,000 iterations, AES-256-GCM). They are never
//! regenerated: a new format version adds its own fixture next to them. The
//! ignored test below only writes fixtures that do not exist yet.

mod bundle_support;

use bundle_support::{test_limits, Device};
use chrono::NaiveDate;
use duzhan::core::bundle::crypto::{encrypt, EncryptParams};
use duzhan::core::bundle::limits::MIN_ITERATIONS;
use duzhan::core::bundle::import::{read_bundle, AlreadyImported};
use duzhan::core::bundle::Limits;
use duzhan::core::bundle::{export_bundle, preview, state_hash, ExportRequest, ExportScope, SyncLedger};
use duzhan::core::clock::{DeviceId, Hlc};
use duzhan::core::replica::Replica;
use duzhan::core::default_plan;
use std::path::PathBuf;

const PASSPHRASE: &str = "楚雄州2020督战";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// The canonical state hash of the fixture's records, recorded when it was made.
fn recorded_hash() -> String {
    std::fs::read_to_string(fixture("bundle-v1-full.state-hash")).expect("state hash file").trim().to_owned()
}

/// The export the fixture was made with.
fn export_seed() -> Vec<u8> {
    let r = Replica::from_parts(default_plan::docs(), Hlc::new(DeviceId("d-0000000000000001".into())));
    let req = ExportRequest {
        scope: ExportScope::Full,
        recipient: None,
        squad_name: "州扶贫办".into(),
        created_ms: 1_584_230_400_000,
        date: NaiveDate::from_ymd_opt(2020, 3, 15).unwrap(),
        bundle_id: *b"duzhan-fixture-1",
    };
    export_bundle(&r, &SyncLedger::default(), &req).unwrap().bytes
}

#[test]
fn the_v1_full_fixture_imports_forever() {
    let bytes = std::fs::read(fixture("bundle-v1-full.json")).expect("fixture");
    let mut e = Device::empty("d-e");
    let p = e.import(&bytes).expect("the v1 fixture imports");
    assert_eq!(p.seq, 1);
    assert_eq!(p.squad_name, "州扶贫办");
    assert_eq!(e.hash(), recorded_hash());
    // On a device holding a default, it imports too (and adds nothing while the
    // default is unchanged).
    let mut f = Device::fresh("d-f");
    let p = f.import(&bytes).expect("imports onto the default");
    if state_hash(&default_plan::docs()) == recorded_hash() {
        assert_eq!(p.already_imported, Some(AlreadyImported::NothingNew));
    }
}

#[test]
fn the_exporter_still_writes_the_v1_fixture_byte_for_byte_while_the_default_is_unchanged() {
    // When the embedded default changes, this compares nothing; the import test
    // above still holds the old file to the current importer.
    if state_hash(&default_plan::docs()) == recorded_hash() {
        let bytes = std::fs::read(fixture("bundle-v1-full.json")).unwrap();
        assert!(export_seed() == bytes, "the v1 encoder changed: canonical output must stay identical");
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
#[ignore]
fn write_missing_fixtures() {
    std::fs::create_dir_all(fixture("")).unwrap();
    let plain_path = fixture("bundle-v1-full.json");
    if !plain_path.exists() {
        let bytes = export_seed();
        std::fs::write(&plain_path, &bytes).unwrap();
        let mut e = Device::empty("d-e");
        e.import(&bytes).unwrap();
        std::fs::write(fixture("bundle-v1-full.state-hash"), format!("{}\n", e.hash())).unwrap();
    }
    let enc_path = fixture("bundle-v1-full.enc.json");
    if !enc_path.exists() {
        let plain = std::fs::read(&plain_path).unwrap();
        let sealed = encrypt(&plain, &EncryptParams { passphrase: PASSPHRASE, salt: *b"duzhan-fixture-s", nonce: *b"duzhan-nonce", iterations: MIN_ITERATIONS }).unwrap();
        std::fs::write(&enc_path, sealed).unwrap();
    }
}
