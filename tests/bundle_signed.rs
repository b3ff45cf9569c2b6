//! Signed bundles and receipts (签名, format v2): who signed a file, and every way a
//! forged, altered or misattributed file is refused without changing anything.
//! The forged files of `tests/hostile/` (checksum right, signature not) are checked
//! by `tests/bundle_hostile.rs`; these tests need a device that already knows keys.

mod bundle_support;
mod corpus_support;

use bundle_support::{add_figure, import_err, key_for, test_limits, Device, NOW};
use duzhan::core::bundle::import::read_bundle;
use duzhan::core::bundle::receipt::{make_receipt_signed, read_receipt, ReceiptRequest};
use duzhan::core::bundle::sign::Signer;
use duzhan::core::bundle::wire::{Envelope, Payload, VERSION, VERSION_UNSIGNED};
use duzhan::core::bundle::{ExportScope, ImportError};
use duzhan::core::clock::DeviceId;
use proptest::prelude::*;

fn squad(id: &str) -> Device {
    Device::fresh(id).signed()
}

/// A squad's device with one new figure.
fn squad_with_work(id: &str, n: u32) -> Device {
    let mut d = squad(id);
    add_figure(&mut d, n);
    d
}

fn version_of(bytes: &[u8]) -> u32 {
    let env: Envelope<Payload> = serde_json::from_slice(bytes).unwrap();
    env.version
}

#[test]
fn a_device_with_a_key_writes_version_2_and_one_without_writes_version_1() {
    assert_eq!(version_of(&squad("d-a").export(ExportScope::Full, 200).bytes), VERSION);
    assert_eq!(version_of(&Device::fresh("d-a").export(ExportScope::Full, 200).bytes), VERSION_UNSIGNED);
}

#[test]
fn the_first_signed_file_pins_its_key_and_later_ones_are_verified_against_it() {
    let mut a = squad_with_work("d-a", 1);
    let mut office = squad("d-office");
    let b1 = a.export(ExportScope::Full, 200).bytes;
    let key = a.key.as_ref().unwrap().public();
    let p = office.import(&b1).unwrap();
    assert_eq!(p.signer, Signer::FirstSeen(key));
    assert_eq!(office.ledger.key_of(&DeviceId("d-a".into())), Some(key));
    add_figure(&mut a, 2);
    let b2 = a.export(ExportScope::Full, 300).bytes;
    assert_eq!(office.import(&b2).unwrap().signer, Signer::Known(key));
    // Importing again still knows it, and changes nothing.
    let before = office.ledger.clone();
    assert_eq!(office.import(&b2).unwrap().signer, Signer::Known(key));
    assert_eq!(office.ledger.key_of(&DeviceId("d-a".into())), before.key_of(&DeviceId("d-a".into())));
}

#[test]
fn a_backup_of_this_device_is_its_own_and_unsigned_files_of_unknown_devices_are_shown_as_unsigned() {
    let mut a = squad_with_work("d-a", 1);
    let backup = a.export(ExportScope::Full, 200).bytes;
    assert_eq!(a.preview(&backup).unwrap().signer, Signer::Own);
    let mut old = Device::fresh("d-old");
    add_figure(&mut old, 1);
    let v1 = old.export(ExportScope::Full, 200).bytes;
    assert_eq!(a.preview(&v1).unwrap().signer, Signer::Unsigned);
}

#[test]
fn another_key_for_a_known_device_is_an_impersonation() {
    let mut a = squad_with_work("d-a", 1);
    let mut office = squad("d-office");
    office.import(&a.export(ExportScope::Full, 200).bytes).unwrap();
    // Someone else's tablet, set up with d-a's id, signs with its own key.
    let mut impostor = Device::fresh("d-a");
    impostor.key = Some(key_for("d-impostor"));
    add_figure(&mut impostor, 9);
    let forged = impostor.export(ExportScope::Full, 300).bytes;
    let before = (office.hash(), office.ledger.clone());
    assert_eq!(import_err(&office, &forged), ImportError::KeyChanged { device: "d-a".into() });
    assert_eq!((office.hash(), office.ledger.clone()), before);
}

#[test]
fn a_file_naming_this_device_but_signed_by_another_key_is_an_impersonation() {
    let office = squad("d-office");
    let mut impostor = Device::fresh("d-office");
    impostor.key = Some(key_for("d-impostor"));
    add_figure(&mut impostor, 9);
    let forged = impostor.export(ExportScope::Full, 300).bytes;
    assert_eq!(import_err(&office, &forged), ImportError::KeyChanged { device: "d-office".into() });
}

#[test]
fn a_known_devices_key_signing_for_another_device_is_refused() {
    let a = squad_with_work("d-a", 1);
    let mut office = squad("d-office");
    office.import(&a.clone().export(ExportScope::Full, 200).bytes).unwrap();
    // d-a's key, on a device that calls itself d-b.
    let mut b = Device::fresh("d-b");
    b.key = a.key.clone();
    add_figure(&mut b, 3);
    let f = b.export(ExportScope::Full, 300).bytes;
    assert_eq!(import_err(&office, &f), ImportError::SignerNotSource { signer: "d-a".into(), claimed: "d-b".into() });
    // This device's own key, in a file claiming another device.
    let mut c = Device::fresh("d-c");
    c.key = office.key.clone();
    let f = c.export(ExportScope::Full, 300).bytes;
    assert_eq!(import_err(&office, &f), ImportError::SignerNotSource { signer: "d-office".into(), claimed: "d-c".into() });
}

#[test]
fn once_a_device_signs_an_unsigned_file_naming_it_is_refused() {
    let mut a = squad_with_work("d-a", 1);
    let mut office = squad("d-office");
    office.import(&a.export(ExportScope::Full, 200).bytes).unwrap();
    let mut forger = Device::fresh("d-a");
    add_figure(&mut forger, 7);
    let v1 = forger.export(ExportScope::Full, 300).bytes;
    assert_eq!(import_err(&office, &v1), ImportError::UnsignedFromSigningDevice { device: "d-a".into() });
    // And a v1 file naming this very device, once it has a key.
    let mut me = Device::fresh("d-office");
    add_figure(&mut me, 8);
    let v1 = me.export(ExportScope::Full, 300).bytes;
    assert_eq!(import_err(&office, &v1), ImportError::UnsignedFromSigningDevice { device: "d-office".into() });
}

#[test]
fn content_changed_after_signing_is_refused_even_with_a_correct_checksum() {
    let office = squad("d-office");
    let signed = corpus_support::small_signed_bundle();
    assert!(office.preview(&signed).is_ok());
    let forged = corpus_support::edit(&signed, |v| corpus_support::doc_mut(v, "fig-a-1")["fields"]["value"]["v"] = serde_json::json!(99.0));
    // The checksum alone would pass: only the signature tells.
    assert!(duzhan::core::bundle::wire::envelope_checksum(&mut serde_json::from_slice::<Envelope<Payload>>(&forged).unwrap()).is_ok());
    assert_eq!(import_err(&office, &forged), ImportError::AlteredAfterSigning);
}

#[test]
fn signed_files_inside_a_passphrase_envelope_are_verified_too() {
    use duzhan::core::bundle::crypto::{encrypt, EncryptParams};
    let mut a = squad_with_work("d-a", 1);
    let plain = a.export(ExportScope::Full, 200).bytes;
    let sealed = encrypt(&plain, &EncryptParams { passphrase: "口令", salt: [1; 16], nonce: [2; 12], iterations: 1 }).unwrap();
    let incoming = read_bundle(&sealed, Some("口令"), &test_limits()).unwrap();
    assert_eq!(incoming.header.signer, a.key.as_ref().map(|k| k.public()));
}

#[test]
fn receipts_are_signed_pin_their_maker_and_are_refused_from_an_impostor() {
    let mut a = squad_with_work("d-a", 1);
    let mut office = squad("d-office");
    office.import(&a.export(ExportScope::Full, 200).bytes).unwrap();
    let req =
        |n: u8| ReceiptRequest { for_device: None, squad_name: "州扶贫办".into(), created_ms: 500, date: bundle_support::date(), receipt_id: [n; 16] };
    let file = make_receipt_signed(&office.replica, &office.ledger, &req(1), office.key.as_ref()).unwrap();
    let receipt = read_receipt(&file.bytes, &test_limits()).unwrap();
    assert_eq!(receipt.signer, office.key.as_ref().map(|k| k.public()));
    let out = duzhan::core::bundle::receipt::apply_receipt(&receipt, &a.replica, &a.ledger).unwrap();
    assert_eq!(out.signer, Signer::FirstSeen(office.key.as_ref().unwrap().public()));
    assert_eq!(out.newly_acknowledged, vec![1]);
    a.ledger = out.ledger;
    // A receipt "from the office" made by another key.
    let mut impostor = Device::fresh("d-office");
    impostor.ledger = office.ledger.clone();
    let forged = make_receipt_signed(&impostor.replica, &impostor.ledger, &req(2), Some(&key_for("d-impostor"))).unwrap();
    let forged = read_receipt(&forged.bytes, &test_limits()).unwrap();
    assert_eq!(
        duzhan::core::bundle::receipt::apply_receipt(&forged, &a.replica, &a.ledger).map(|o| o.signer),
        Err(ImportError::KeyChanged { device: "d-office".into() })
    );
    // A receipt altered after signing (an acknowledgement added, the checksum
    // recomputed as the app computes it: over the envelope without it and the signature).
    use duzhan::core::bundle::receipt::{ReceiptEnvelope, WireReceived};
    let mut env: ReceiptEnvelope = serde_json::from_slice(&file.bytes).unwrap();
    env.received.push(WireReceived { bundle_id: "00".repeat(16), device_id: "d-a".into(), seq: 9 });
    let signature = env.signature.take();
    env.sha256.clear();
    env.sha256 = duzhan::core::digest::sha256_hex(&env).unwrap();
    env.signature = signature;
    let v = serde_json::to_value(&env).unwrap();
    assert_eq!(read_receipt(v.to_string().as_bytes(), &test_limits()).map(|_| ()), Err(ImportError::AlteredAfterSigning));
}

#[test]
fn a_batch_pins_a_new_key_once_and_refuses_a_second_key_for_the_same_device() {
    let mut a = squad_with_work("d-a", 1);
    let b1 = a.export(ExportScope::Full, 200).bytes;
    let mut impostor = Device::fresh("d-a");
    impostor.key = Some(key_for("d-impostor"));
    add_figure(&mut impostor, 5);
    let forged = impostor.export(ExportScope::Full, 300).bytes;
    add_figure(&mut a, 2);
    let b2 = a.export(ExportScope::Full, 400).bytes;
    let mut office = squad("d-office");
    let (files, imported) = office.import_batch(&[&b1, &forged, &b2]).unwrap();
    let key = a.key.as_ref().unwrap().public();
    use duzhan::core::bundle::batch::Outcome;
    match (&files[0].outcome, &files[1].outcome, &files[2].outcome) {
        (Outcome::Bundle(s1), Outcome::Refused(e), Outcome::Bundle(s2)) => {
            assert_eq!(s1.signer, Signer::FirstSeen(key));
            assert_eq!(e, &ImportError::KeyChanged { device: "d-a".into() });
            assert_eq!(s2.signer, Signer::Known(key));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(imported.bundles, 2);
    assert_eq!(office.ledger.key_of(&DeviceId("d-a".into())), Some(key));
    // The batch pins as importing one by one would.
    let mut one_by_one = squad("d-office");
    one_by_one.import(&b1).unwrap();
    assert!(one_by_one.preview(&forged).is_err());
    one_by_one.import(&b2).unwrap();
    assert_eq!(one_by_one.ledger, office.ledger);
    assert_eq!(one_by_one.hash(), office.hash());
}

#[test]
fn a_relay_is_signed_by_the_relaying_device_and_carries_the_squads_records() {
    let mut a = squad_with_work("d-a", 1);
    let mut county = squad("d-county");
    county.import(&a.export(ExportScope::Full, 200).bytes).unwrap();
    let relay = county.export(ExportScope::Full, 300).bytes;
    let mut office = squad("d-office");
    let p = office.import(&relay).unwrap();
    assert_eq!(p.signer, Signer::FirstSeen(county.key.as_ref().unwrap().public()));
    assert!(office.replica.doc("fig-d-a-1").is_some());
    // d-a's key is not learnt from the county's file: only d-a's own files pin it.
    assert_eq!(office.ledger.key_of(&DeviceId("d-a".into())), None);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    /// Any single-byte change of a signed bundle is refused: its checksum covers
    /// every byte but its own and the signature's, and a v2 file is checked on its
    /// bytes, so a change that keeps the content (an escape's case) is refused too.
    #[test]
    fn any_single_byte_change_of_a_signed_bundle_is_refused(pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let signed = signed_sample();
        let office = squad("d-office");
        let i = pos.index(signed.len());
        prop_assume!(signed[i] != byte);
        let mut changed = signed.clone();
        changed[i] = byte;
        let r = duzhan::core::bundle::prepare_import(&changed, None, &office.replica, &office.ledger, &test_limits(), NOW);
        prop_assert!(r.is_err(), "byte {i} ({:?} -> {:?}) accepted", signed[i] as char, byte as char);
    }
}

fn signed_sample() -> Vec<u8> {
    use std::sync::OnceLock;
    static S: OnceLock<Vec<u8>> = OnceLock::new();
    S.get_or_init(corpus_support::small_signed_bundle).clone()
}

#[test]
fn every_position_of_a_signed_bundle_is_covered() {
    // Deterministic companion of the property: every byte, changed once.
    let signed = signed_sample();
    let office = squad("d-office");
    for i in 0..signed.len() {
        let mut changed = signed.clone();
        changed[i] = if signed[i] == b'0' { b'1' } else { b'0' };
        let r = duzhan::core::bundle::prepare_import(&changed, None, &office.replica, &office.ledger, &test_limits(), NOW);
        assert!(r.is_err(), "byte {i} accepted");
    }
}

// ---------------------------------------------------------------- sealed bundles

mod sealed {
    use super::*;
    use duzhan::core::bundle::import::read_sealed_bundle;
    use duzhan::core::bundle::seal::{seal, Recipient, SealParams};

    fn params(n: usize) -> SealParams {
        SealParams { file_key: [1; 32], nonce: [2; 12], ephemerals: (0..n).map(|i| [3 + i as u8; 32]).collect() }
    }

    fn to(ds: &[&Device]) -> Vec<Recipient> {
        ds.iter().map(|d| Recipient { device: d.replica.device().clone(), key: d.key.as_ref().unwrap().public() }).collect()
    }

    #[test]
    fn a_bundle_sealed_to_one_recipient_opens_there_with_the_senders_signature_inside() {
        let mut a = squad_with_work("d-a", 1);
        let mut office = squad("d-office");
        let plain = a.export(ExportScope::Full, 200).bytes;
        let sealed = seal(&plain, &to(&[&office]), &params(1)).unwrap();
        // Without the key the file says it is sealed; with it, it reads as the plain one.
        assert_eq!(read_bundle(&sealed, None, &test_limits()).map(|_| ()), Err(ImportError::SealedKeyNeeded));
        let opened = read_sealed_bundle(&sealed, office.key.as_ref().unwrap(), &test_limits()).unwrap();
        assert_eq!(opened, read_bundle(&plain, None, &test_limits()).unwrap());
        assert_eq!(opened.header.signer, Some(a.key.as_ref().unwrap().public()));
        let p = duzhan::core::bundle::preview(opened, &office.replica, &office.ledger, NOW).unwrap();
        assert_eq!(p.signer, Signer::FirstSeen(a.key.as_ref().unwrap().public()));
        office.replica.apply(p.change);
        assert!(office.replica.doc("fig-d-a-1").is_some());
    }

    #[test]
    fn sealed_to_two_recipients_both_open_it_and_a_third_cannot() {
        let mut a = squad_with_work("d-a", 1);
        let office = squad("d-office");
        let inspection = squad("d-inspection");
        let county = squad("d-county");
        let plain = a.export(ExportScope::Full, 200).bytes;
        let sealed = seal(&plain, &to(&[&office, &inspection]), &params(2)).unwrap();
        for d in [&office, &inspection] {
            assert!(read_sealed_bundle(&sealed, d.key.as_ref().unwrap(), &test_limits()).is_ok());
        }
        assert_eq!(
            read_sealed_bundle(&sealed, county.key.as_ref().unwrap(), &test_limits()).map(|_| ()),
            Err(ImportError::NotARecipient { recipients: "d-office、d-inspection".into() })
        );
        // The plain text is nowhere in the sealed file.
        assert!(!String::from_utf8_lossy(&sealed).contains("fig-d-a-1"));
    }

    #[test]
    fn a_sealed_file_whose_inside_was_forged_by_the_sender_is_still_refused_after_opening() {
        let office = squad("d-office");
        let forged = corpus_support::edit(&corpus_support::small_signed_bundle(), |v| {
            corpus_support::doc_mut(v, "fig-a-1")["fields"]["value"]["v"] = serde_json::json!(5.0)
        });
        let sealed = seal(&forged, &to(&[&office]), &params(1)).unwrap();
        assert_eq!(read_sealed_bundle(&sealed, office.key.as_ref().unwrap(), &test_limits()).map(|_| ()), Err(ImportError::AlteredAfterSigning));
    }
}
