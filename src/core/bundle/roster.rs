//! The device roster (设备名册): the office's signed list of the campaign's devices,
//! each with its public key, its role (小分队, 县级, 州扶贫办, 督查室) and, for a lost
//! tablet, when it was revoked (挂失).
//!
//! Keys are otherwise learnt one device at a time, on first sight (`super::sign`). A
//! roster lets every device verify every other from the start: the office makes one
//! from what its ledger knows ([`make_roster`]: every device whose key it holds, and
//! itself) and squads import it ([`read_roster`], [`apply_roster`]). The first roster
//! taken names the device whose rosters this device follows (its key checked like any
//! signer's: pinned, or first seen with its fingerprint to compare); rosters from any
//! other device are refused, and an older roster than the one taken is refused. Taking
//! a roster pins each listed key, sets each role and records each revocation; a key
//! that disagrees with one this device holds refuses the whole roster (nothing is
//! taken from it). Revocations only ever move earlier, so rosters taken in any order
//! leave the same revocations.
//!
//! The file is plain JSON, checked like a receipt (size, text, nesting, format,
//! version, members, checksum) and always signed (version 1 of this format is
//! signed: there never was an unsigned roster).

use super::error::{ExportError, ImportError};
use super::import::{check_text, probe, valid_id, FileKind, MAX_DEVICE_ID, MAX_ID};
use super::ledger::{DeviceRole, RosterSeen, SyncLedger};
use super::limits::{json_error, Limits};
use super::sign::{check_signer, verify, DeviceKey, PublicKey, Signer};
use super::wire::{WireSignature, WireSource};
use crate::core::clock::DeviceId;
use crate::core::digest::hex;
use crate::core::replica::Replica;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The `format` of a roster file.
pub const FORMAT_ROSTER: &str = "duzhan-roster";
/// Its version (signed from the first).
pub const ROSTER_VERSION: u32 = 1;
/// Most devices one roster may list.
pub const MAX_ROSTER_DEVICES: usize = 10_000;

/// The roster file. Fields in alphabetical order (canonical JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterEnvelope {
    pub campaign_id: String,
    pub created_ms: u64,
    /// Sorted by device id, each once.
    pub devices: Vec<WireRosterEntry>,
    pub format: String,
    /// The device that made the roster (the office).
    pub issuer: WireSource,
    pub roster_id: String,
    /// Hex SHA-256 of the canonical envelope without this member and `signature`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sha256: String,
    /// The issuer's signature over the checksum; required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<WireSignature>,
    pub version: u32,
}

/// One device of the roster. Fields in alphabetical order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireRosterEntry {
    pub device_id: String,
    /// Base64 of its 32-byte Ed25519 public key.
    pub key: String,
    /// When its key was revoked (ms), if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_ms: Option<u64>,
    /// Its role's code (`squad`, `county`, `office`, `inspection`), if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    pub squad_name: String,
}

/// A checked device of a roster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterEntry {
    pub device: DeviceId,
    pub key: PublicKey,
    pub role: Option<DeviceRole>,
    pub squad_name: String,
    pub revoked_ms: Option<u64>,
}

/// A checked roster: well-formed, intact and signed by `issuer_key`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Roster {
    pub roster_id: String,
    pub campaign_id: String,
    pub created_ms: u64,
    pub issuer: DeviceId,
    pub issuer_name: String,
    pub issuer_key: PublicKey,
    pub entries: Vec<RosterEntry>,
}

/// What the caller supplies to make a roster.
#[derive(Clone, Debug, PartialEq)]
pub struct RosterRequest {
    pub squad_name: String,
    pub created_ms: u64,
    pub date: NaiveDate,
    /// Fresh random bytes.
    pub roster_id: [u8; 16],
}

/// A roster file ready to hand out.
#[derive(Clone, Debug, PartialEq)]
pub struct RosterFile {
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// Devices listed (this one included).
    pub devices: usize,
    /// Devices this one knows of whose key it does not hold, left out.
    pub left_out: usize,
}

fn checksum(env: &mut RosterEnvelope) -> Result<String, serde_json::Error> {
    super::sign::checksum_without(env, |e| (&mut e.sha256, &mut e.signature))
}

/// Makes a roster of this device (as `own_role`) and every device whose key this
/// device holds, with the roles and revocations of its ledger, signed by `key`.
pub fn make_roster(replica: &Replica, ledger: &SyncLedger, req: &RosterRequest, own_role: DeviceRole, key: &DeviceKey) -> Result<RosterFile, ExportError> {
    let campaign_id = replica.campaign_id().ok_or(ExportError::NoCampaign)?.to_owned();
    let me = replica.device();
    let mut devices: Vec<WireRosterEntry> = ledger
        .devices
        .iter()
        .filter(|(d, _)| *d != me)
        .filter_map(|(d, log)| {
            let k = ledger.key_of(d)?;
            Some(WireRosterEntry {
                device_id: d.0.clone(),
                key: k.to_base64(),
                revoked_ms: log.revoked_ms,
                role: log.role.map(|r| r.code().to_owned()),
                squad_name: log.squad_name.clone(),
            })
        })
        .collect();
    let left_out = ledger.devices.iter().filter(|(d, _)| *d != me && ledger.key_of(d).is_none()).count();
    devices.push(WireRosterEntry {
        device_id: me.0.clone(),
        key: key.public().to_base64(),
        revoked_ms: None,
        role: Some(own_role.code().to_owned()),
        squad_name: req.squad_name.clone(),
    });
    crate::core::sort::sort_by(&mut devices, |a, b| a.device_id.cmp(&b.device_id));
    let count = devices.len();
    let mut env = RosterEnvelope {
        campaign_id,
        created_ms: req.created_ms,
        devices,
        format: FORMAT_ROSTER.to_owned(),
        issuer: WireSource { device_id: me.0.clone(), squad_name: req.squad_name.clone() },
        roster_id: hex(&req.roster_id),
        sha256: String::new(),
        signature: None,
        version: ROSTER_VERSION,
    };
    env.sha256 = checksum(&mut env).map_err(|e| ExportError::Encode(e.to_string()))?;
    env.signature = Some(key.sign(FORMAT_ROSTER, &env.sha256));
    let bytes = serde_json::to_vec(&env).map_err(|e| ExportError::Encode(e.to_string()))?;
    let file_name = format!("duzhan-roster-{}-{}.json", super::export::sanitize_name(&req.squad_name), crate::core::calendar::compact_day(req.date));
    Ok(RosterFile { file_name, bytes, devices: count, left_out })
}

/// Reads and checks a roster file: its structure, checksum and signature.
pub fn read_roster(bytes: &[u8], limits: &Limits) -> Result<Roster, ImportError> {
    let (text, _) = check_text(bytes, limits)?;
    let (kind, version) = probe(text)?;
    match kind {
        FileKind::Roster => {}
        FileKind::Receipt => return Err(ImportError::ReceiptNotBundle),
        FileKind::Bundle | FileKind::EncryptedBundle | FileKind::SealedBundle => return Err(ImportError::BundleNotReceipt),
    }
    if version != u64::from(ROSTER_VERSION) {
        return Err(ImportError::UnsupportedVersion { format: FORMAT_ROSTER.into(), found: version.to_string(), supported: ROSTER_VERSION });
    }
    let mut env: RosterEnvelope = serde_json::from_str(text).map_err(|e| json_error(e, text))?;
    let actual = checksum(&mut env).map_err(|e| ImportError::Schema { reason: e.to_string() })?;
    if env.sha256 != actual {
        return Err(ImportError::ChecksumMismatch { expected: super::error::short(&env.sha256), actual });
    }
    let sig = env.signature.as_ref().ok_or_else(|| ImportError::Schema { reason: "missing member `signature` (a roster is signed)".into() })?;
    let issuer_key = verify(sig, FORMAT_ROSTER, &env.sha256)?;
    if env.devices.len() > MAX_ROSTER_DEVICES {
        return Err(ImportError::TooManyRecords { max: MAX_ROSTER_DEVICES });
    }
    for (what, id, max) in [("device id", &env.issuer.device_id, MAX_DEVICE_ID), ("campaign id", &env.campaign_id, MAX_ID), ("bundle id", &env.roster_id, 64)] {
        if !valid_id(id, max) {
            return Err(ImportError::InvalidId { what, id: id.clone() });
        }
    }
    let mut seen_devices = BTreeSet::new();
    let mut seen_keys = BTreeSet::new();
    let mut entries = Vec::with_capacity(env.devices.len());
    for e in env.devices {
        if !valid_id(&e.device_id, MAX_DEVICE_ID) {
            return Err(ImportError::InvalidId { what: "device id", id: e.device_id });
        }
        if e.squad_name.len() > limits.max_string_bytes {
            return Err(ImportError::StringTooLong { id: e.device_id, max: limits.max_string_bytes });
        }
        let key = PublicKey::from_base64(&e.key)
            .ok_or_else(|| ImportError::BadSignature { reason: format!("the key of {} is not an Ed25519 public key", super::error::short(&e.device_id)) })?;
        let role = match e.role.as_deref() {
            None => None,
            Some(code) => {
                Some(DeviceRole::from_code(code).ok_or_else(|| ImportError::Schema { reason: format!("unknown role {}", super::error::short(code)) })?)
            }
        };
        if !seen_devices.insert(e.device_id.clone()) {
            return Err(ImportError::DuplicateId { id: e.device_id });
        }
        if !seen_keys.insert(key) {
            return Err(ImportError::RosterKeyConflict { device: e.device_id });
        }
        entries.push(RosterEntry { device: DeviceId(e.device_id), key, role, squad_name: e.squad_name, revoked_ms: e.revoked_ms });
    }
    let issuer = DeviceId(env.issuer.device_id);
    // The issuer lists itself, with the key that signed.
    if !entries.iter().any(|e| e.device == issuer && e.key == issuer_key) {
        return Err(ImportError::RosterKeyConflict { device: issuer.0 });
    }
    Ok(Roster {
        roster_id: env.roster_id,
        campaign_id: env.campaign_id,
        created_ms: env.created_ms,
        issuer,
        issuer_name: env.issuer.squad_name,
        issuer_key,
        entries,
    })
}

/// What taking a roster does.
#[derive(Clone, Debug, PartialEq)]
pub struct RosterOutcome {
    /// Who signed it, as this device knows them.
    pub signer: Signer,
    /// Devices whose key this device learns from it.
    pub new_keys: usize,
    /// Devices it revokes that were not revoked here.
    pub newly_revoked: usize,
    /// The ledger to store.
    pub ledger: SyncLedger,
}

/// Takes a roster into this device's ledger (pure: returns the new ledger), or
/// refuses it whole.
pub fn apply_roster(roster: &Roster, replica: &Replica, ledger: &SyncLedger) -> Result<RosterOutcome, ImportError> {
    super::import::check_campaign(replica.campaign_id(), &roster.campaign_id)?;
    let me = replica.device();
    if let Some(seen) = &ledger.roster {
        if seen.issuer != roster.issuer {
            return Err(ImportError::RosterFromAnotherIssuer { issuer: roster.issuer.0.clone(), follows: seen.issuer.0.clone() });
        }
        if roster.created_ms < seen.created_ms {
            return Err(ImportError::RosterOutdated);
        }
    }
    let signer = check_signer(&roster.issuer, Some(&roster.issuer_key), roster.created_ms, ledger, me)?;
    // Every key must agree with what this device holds, before anything is taken.
    let own_key = ledger.own_key();
    for e in &roster.entries {
        let held = if e.device == *me { own_key } else { ledger.key_of(&e.device) };
        let holder = if own_key == Some(e.key) { Some(me) } else { ledger.device_of_key(&e.key) };
        if held.is_some_and(|k| k != e.key) || holder.is_some_and(|d| *d != e.device) {
            return Err(ImportError::RosterKeyConflict { device: e.device.0.clone() });
        }
    }
    let mut out = ledger.clone();
    // What the office says this device is: the 督查室's devices take restricted records.
    if let Some(role) = roster.entries.iter().find(|e| e.device == *me && roster.issuer != *me).and_then(|e| e.role) {
        out.own_role = Some(role);
    }
    let (mut new_keys, mut newly_revoked) = (0, 0);
    for e in roster.entries.iter().filter(|e| e.device != *me) {
        if out.key_of(&e.device).is_none() {
            new_keys += 1;
        }
        out.pin_key(&e.device, &e.key, roster.created_ms);
        let log = out.devices.entry(e.device.clone()).or_default();
        if log.squad_name.is_empty() {
            log.squad_name = e.squad_name.clone();
        }
        if e.role.is_some() {
            log.role = e.role;
        }
        if let Some(at) = e.revoked_ms {
            if log.revoked_ms.is_none_or(|r| at < r) {
                newly_revoked += usize::from(log.revoked_ms.is_none());
                out.revoke(&e.device, at);
            }
        }
    }
    if roster.issuer != *me {
        out.roster = Some(RosterSeen { issuer: roster.issuer.clone(), roster_id: roster.roster_id.clone(), created_ms: roster.created_ms });
    }
    Ok(RosterOutcome { signer, new_keys, newly_revoked, ledger: out })
}
