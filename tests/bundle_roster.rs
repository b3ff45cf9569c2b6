//! The device roster (设备名册): the office lists every device's key, role and
//! revocation in a signed file; a squad that takes it verifies every device from the
//! start, and refuses files of a revoked device made after its revocation.

mod bundle_support;

use bundle_support::{add_figure, import_err, key_for, test_limits, Device};
use duzhan::core::bundle::import::read_bundle;
use duzhan::core::bundle::ledger::DeviceRole;
use duzhan::core::bundle::roster::{apply_roster, make_roster, read_roster, RosterEnvelope, RosterRequest};
use duzhan::core::bundle::sign::Signer;
use duzhan::core::bundle::{ExportScope, ImportError};
use duzhan::core::clock::DeviceId;

fn squad(id: &str) -> Device {
    Device::fresh(id).signed()
}

fn dev(s: &str) -> DeviceId {
    DeviceId(s.into())
}

fn roster_of(office: &Device, at: u64, id: u8) -> Vec<u8> {
    let req = RosterRequest { squad_name: "州扶贫办".into(), created_ms: at, date: bundle_support::date(), roster_id: [id; 16] };
    make_roster(&office.replica, &office.ledger, &req, DeviceRole::Office, office.key.as_ref().unwrap()).unwrap().bytes
}

/// The office after importing squads a and b, with roles set.
fn office_with_two_squads() -> (Device, Device, Device) {
    let mut a = squad("d-a");
    let mut b = squad("d-b");
    add_figure(&mut a, 1);
    add_figure(&mut b, 2);
    let mut office = squad("d-office");
    office.import(&a.export(ExportScope::Full, 200).bytes).unwrap();
    office.import(&b.export(ExportScope::Full, 200).bytes).unwrap();
    office.ledger.set_role(&dev("d-a"), Some(DeviceRole::Squad));
    office.ledger.set_role(&dev("d-b"), Some(DeviceRole::Inspection));
    (office, a, b)
}

#[test]
fn a_squad_that_takes_the_roster_knows_every_key_and_role_from_the_start() {
    let (office, mut a, _) = office_with_two_squads();
    let roster = read_roster(&roster_of(&office, 300, 1), &test_limits()).unwrap();
    assert_eq!(roster.issuer_key, office.key.as_ref().unwrap().public());
    assert_eq!(roster.entries.iter().map(|e| e.device.as_str()).collect::<Vec<_>>(), ["d-a", "d-b", "d-office"]);
    let mut c = squad("d-c");
    let out = apply_roster(&roster, &c.replica, &c.ledger).unwrap();
    assert_eq!(out.signer, Signer::FirstSeen(roster.issuer_key));
    assert_eq!(out.new_keys, 3);
    c.ledger = out.ledger;
    assert_eq!(c.ledger.devices[&dev("d-b")].role, Some(DeviceRole::Inspection));
    assert_eq!(c.ledger.devices[&dev("d-office")].role, Some(DeviceRole::Office));
    // The first file from d-a is already verified, not merely first seen.
    add_figure(&mut a, 3);
    let p = c.import(&a.export(ExportScope::Full, 400).bytes).unwrap();
    assert_eq!(p.signer, Signer::Known(a.key.as_ref().unwrap().public()));
    // And an impostor of d-a is refused on first sight.
    let mut impostor = Device::fresh("d-a");
    impostor.key = Some(key_for("d-impostor"));
    add_figure(&mut impostor, 9);
    assert_eq!(import_err(&c, &impostor.export(ExportScope::Full, 500).bytes), ImportError::KeyChanged { device: "d-a".into() });
}

#[test]
fn a_revoked_device_is_refused_for_what_it_made_after_the_revocation_and_the_revocation_travels() {
    let (mut office, _, mut b) = office_with_two_squads();
    // A bundle b made before it was lost, and one after.
    add_figure(&mut b, 5);
    let before = b.export(ExportScope::Full, 250).bytes;
    add_figure(&mut b, 6);
    let after = b.export(ExportScope::Full, 350).bytes;
    office.ledger.revoke(&dev("d-b"), 300);
    assert!(office.preview(&before).is_ok(), "made before the revocation");
    assert_eq!(import_err(&office, &after), ImportError::KeyRevoked { device: "d-b".into(), revoked_ms: 300 });
    // The squad that takes the roster refuses it too.
    let roster = read_roster(&roster_of(&office, 400, 1), &test_limits()).unwrap();
    assert_eq!(roster.entries.iter().find(|e| e.device == dev("d-b")).and_then(|e| e.revoked_ms), Some(300));
    let mut c = squad("d-c");
    let out = apply_roster(&roster, &c.replica, &c.ledger).unwrap();
    assert_eq!(out.newly_revoked, 1);
    c.ledger = out.ledger;
    assert!(c.preview(&before).is_ok());
    assert_eq!(import_err(&c, &after), ImportError::KeyRevoked { device: "d-b".into(), revoked_ms: 300 });
}

#[test]
fn a_roster_changed_after_signing_or_unsigned_is_refused() {
    let (office, _, _) = office_with_two_squads();
    let bytes = roster_of(&office, 300, 1);
    let mut env: RosterEnvelope = serde_json::from_slice(&bytes).unwrap();
    // A forger swaps in their own key for d-a and recomputes the checksum.
    env.devices[0].key = key_for("d-forger").public().to_base64();
    let sig = env.signature.take();
    env.sha256.clear();
    env.sha256 = duzhan::core::digest::sha256_hex(&env).unwrap();
    env.signature = sig;
    assert_eq!(read_roster(&serde_json::to_vec(&env).unwrap(), &test_limits()), Err(ImportError::AlteredAfterSigning));
    env.signature = None;
    assert_eq!(read_roster(&serde_json::to_vec(&env).unwrap(), &test_limits()).map_err(|e| e.code()), Err("schema"));
    // A roster is not a bundle, and a bundle is not a roster.
    assert_eq!(read_bundle(&bytes, None, &test_limits()).map(|_| ()), Err(ImportError::RosterNotBundle));
    let mut a = squad("d-a");
    assert!(read_roster(&a.export(ExportScope::Full, 1).bytes, &test_limits()).is_err());
}

#[test]
fn a_roster_that_disagrees_with_a_key_held_here_is_refused_whole() {
    let (office, mut a, _) = office_with_two_squads();
    // c learnt d-a's key from d-a itself; an office device that holds another key
    // for d-a (it was fooled) issues a roster.
    let mut c = squad("d-c");
    c.import(&a.export(ExportScope::Full, 200).bytes).unwrap();
    let mut fooled = squad("d-office");
    let mut impostor = Device::fresh("d-a");
    impostor.key = Some(key_for("d-impostor"));
    add_figure(&mut impostor, 9);
    fooled.import(&impostor.export(ExportScope::Full, 250).bytes).unwrap();
    let roster = read_roster(&roster_of(&fooled, 300, 1), &test_limits()).unwrap();
    let before = c.ledger.clone();
    assert_eq!(apply_roster(&roster, &c.replica, &c.ledger).map(|_| ()), Err(ImportError::RosterKeyConflict { device: "d-a".into() }));
    assert_eq!(c.ledger, before);
    let _ = office;
}

#[test]
fn only_the_first_issuers_rosters_are_followed_and_never_an_older_one() {
    let (office, _, _) = office_with_two_squads();
    let mut c = squad("d-c");
    let old = read_roster(&roster_of(&office, 300, 1), &test_limits()).unwrap();
    let new = read_roster(&roster_of(&office, 400, 2), &test_limits()).unwrap();
    c.ledger = apply_roster(&new, &c.replica, &c.ledger).unwrap().ledger;
    assert_eq!(apply_roster(&old, &c.replica, &c.ledger).map(|_| ()), Err(ImportError::RosterOutdated));
    // The same roster again changes nothing.
    let again = apply_roster(&new, &c.replica, &c.ledger).unwrap();
    assert_eq!((again.new_keys, again.newly_revoked), (0, 0));
    assert_eq!(again.ledger, c.ledger);
    // A roster from another device (a county setting itself up as the office).
    let county = squad("d-county");
    let other = read_roster(&roster_of(&county, 500, 3), &test_limits()).unwrap();
    assert_eq!(
        apply_roster(&other, &c.replica, &c.ledger).map(|_| ()),
        Err(ImportError::RosterFromAnotherIssuer { issuer: "d-county".into(), follows: "d-office".into() })
    );
}

#[test]
fn devices_whose_key_the_office_does_not_hold_are_left_out_and_counted() {
    let (mut office, _, _) = office_with_two_squads();
    let mut old = Device::fresh("d-old");
    add_figure(&mut old, 1);
    office.import(&old.export(ExportScope::Full, 200).bytes).unwrap();
    let req = RosterRequest { squad_name: "州扶贫办".into(), created_ms: 300, date: bundle_support::date(), roster_id: [1; 16] };
    let file = make_roster(&office.replica, &office.ledger, &req, DeviceRole::Office, office.key.as_ref().unwrap()).unwrap();
    assert_eq!((file.devices, file.left_out), (3, 1));
}
