//! Fuzz target over the bundle importer: parse + validate + merge preview.
//!
//! Each input is tried twice: as it is (exercising size, text, nesting, JSON,
//! format, version and checksum checks), and — when it is a structurally valid v1
//! envelope — with its checksum recomputed, so mutations reach schema validation,
//! references and merge. An accepted bundle must then be idempotent: importing it
//! again after applying it changes nothing. Receipts go through their reader too.
#![no_main]

use duzhan::core::bundle::import::{preview, read_bundle};
use duzhan::core::bundle::Limits;
use duzhan::core::bundle::receipt::read_receipt;
use duzhan::core::bundle::wire::reseal;
use duzhan::core::bundle::SyncLedger;
use duzhan::core::clock::{DeviceId, Hlc};
use duzhan::core::replica::Replica;
use duzhan::core::default_plan;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn office() -> &'static Replica {
    static R: OnceLock<Replica> = OnceLock::new();
    R.get_or_init(|| Replica::from_parts(default_plan::docs(), Hlc::new(DeviceId("d-office".into()))))
}

fn limits() -> Limits {
    // Small caps keep executions fast; a low KDF floor lets encrypted inputs be
    // decrypted with the dictionary's passphrase.
    Limits { max_bytes: 1 << 20, max_records: 2_000, min_kdf_iterations: 1, ..Limits::default() }
}

fn exercise(bytes: &[u8]) {
    let replica = office();
    let ledger = SyncLedger::default();
    let l = limits();
    let Ok(b) = read_bundle(bytes, Some("pw"), &l) else { return };
    let Ok(p) = preview(b, replica, &ledger, duzhan::core::bundle::import::MAX_WALL_MS) else { return };
    // Idempotence: after applying, the same bundle changes nothing.
    let mut after = replica.clone();
    after.apply(p.change);
    if let Ok(b) = read_bundle(bytes, Some("pw"), &l) {
        let again = preview(b, &after, &ledger, duzhan::core::bundle::import::MAX_WALL_MS).expect("a bundle accepted once is accepted again");
        assert!(again.change.is_empty(), "importing twice changed {} docs", again.change.docs.len());
    }
}

fuzz_target!(|data: &[u8]| {
    exercise(data);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(sealed) = reseal(text) {
            exercise(&sealed);
        }
    }
    let _ = read_receipt(data, &limits());
});
