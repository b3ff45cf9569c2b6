//! Receipts (回执): "device X has received these bundles".
//!
//! After importing bundles, a device (typically the office) makes a receipt file
//! listing the bundles it received — their ids and (device, sequence number) — and
//! hands it back. When the source device imports the receipt, the ledger marks
//! those exports acknowledged by X; from then on, "not yet received by X"
//! ([`super::export::not_yet_received`]) counts only records changed since the
//! last acknowledged full or delta export.
//!
//! A receipt is small, plain (never encrypted: it holds ids only), checked like a
//! bundle (size, text, nesting, format, version, checksum, ids, campaign) and
//! idempotent: importing it twice acknowledges nothing new.

use super::error::{ExportError, ImportError};
use super::import::{check_text, probe, valid_id, FileKind, MAX_DEVICE_ID, MAX_ID};
use super::ledger::SyncLedger;
use super::limits::{json_error, Limits};
use super::sign::{check_signer, verify, DeviceKey, PublicKey, Signer};
use super::wire::{check_version, WireSignature, WireSource, FORMAT_RECEIPT, VERSION, VERSION_UNSIGNED};
use crate::core::clock::DeviceId;
use crate::core::digest::hex;
use crate::core::replica::Replica;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The receipt file. Fields in alphabetical order (canonical JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptEnvelope {
    /// The device that received the bundles.
    pub by: WireSource,
    pub campaign_id: String,
    pub created_ms: u64,
    pub format: String,
    /// v2, optional: the photos the receiving device lacks (addresses its photo
    /// records refer to whose bytes it does not hold), sorted, at most
    /// [`MAX_PHOTOS_WANTED`]: a sender's next delta to it carries those it holds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos_wanted: Vec<String>,
    pub received: Vec<WireReceived>,
    pub receipt_id: String,
    /// Hex SHA-256 of the canonical envelope without this member and `signature`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sha256: String,
    /// v2: the receiving device's signature over the checksum (`super::sign`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<WireSignature>,
    pub version: u32,
}

/// One received bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireReceived {
    pub bundle_id: String,
    pub device_id: String,
    pub seq: u64,
}

/// A checked receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub receipt_id: String,
    pub by: DeviceId,
    pub squad_name: String,
    pub campaign_id: String,
    pub created_ms: u64,
    /// (source device, its sequence number, bundle id).
    pub received: Vec<(DeviceId, u64, String)>,
    /// The key that signed it (v2), verified; `None` for a v1 receipt.
    pub signer: Option<PublicKey>,
    /// The photos the receiving device lacks (sorted addresses).
    pub photos_wanted: Vec<String>,
}

/// Most photo addresses one receipt asks for (the rest are asked for by the next).
pub const MAX_PHOTOS_WANTED: usize = 10_000;

/// What the caller supplies to make a receipt.
#[derive(Clone, Debug, PartialEq)]
pub struct ReceiptRequest {
    /// Acknowledge only this device's bundles (`None`: every device's).
    pub for_device: Option<DeviceId>,
    pub squad_name: String,
    pub created_ms: u64,
    pub date: NaiveDate,
    /// Fresh random bytes.
    pub receipt_id: [u8; 16],
}

/// A receipt file ready to hand back.
#[derive(Clone, Debug, PartialEq)]
pub struct ReceiptFile {
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// How many bundles it acknowledges.
    pub entries: usize,
    /// Per device, its greatest sequence number acknowledged (for
    /// [`SyncLedger::record_receipt_sent`]).
    pub through: BTreeMap<DeviceId, u64>,
}

fn checksum(env: &mut ReceiptEnvelope) -> Result<String, serde_json::Error> {
    super::sign::checksum_without(env, |e| (&mut e.sha256, &mut e.signature))
}

/// Makes an unsigned (v1) receipt for the bundles this device imported (from the ledger).
pub fn make_receipt(replica: &Replica, ledger: &SyncLedger, req: &ReceiptRequest) -> Result<ReceiptFile, ExportError> {
    make_receipt_signed(replica, ledger, req, None)
}

/// [`make_receipt`], signed by this device's key (a v2 receipt) when one is given.
pub fn make_receipt_signed(replica: &Replica, ledger: &SyncLedger, req: &ReceiptRequest, signer: Option<&DeviceKey>) -> Result<ReceiptFile, ExportError> {
    make_receipt_wanting(replica, ledger, req, signer, &[])
}

/// [`make_receipt_signed`] that also says which photos this device lacks
/// (`photos_wanted`, signed receipts only; sorted, the first
/// [`MAX_PHOTOS_WANTED`] kept).
pub fn make_receipt_wanting(
    replica: &Replica,
    ledger: &SyncLedger,
    req: &ReceiptRequest,
    signer: Option<&DeviceKey>,
    photos_wanted: &[String],
) -> Result<ReceiptFile, ExportError> {
    let campaign_id = replica.campaign_id().ok_or(ExportError::NoCampaign)?.to_owned();
    let received: Vec<WireReceived> = ledger
        .devices
        .iter()
        .filter(|(d, _)| req.for_device.as_ref().is_none_or(|f| f == *d))
        .flat_map(|(d, log)| log.bundles.iter().map(move |(seq, b)| WireReceived { bundle_id: b.bundle_id.clone(), device_id: d.0.clone(), seq: *seq }))
        .collect();
    let entries = received.len();
    let mut through: BTreeMap<DeviceId, u64> = BTreeMap::new();
    for r in &received {
        let e = through.entry(DeviceId(r.device_id.clone())).or_default();
        *e = (*e).max(r.seq);
    }
    let mut env = ReceiptEnvelope {
        by: WireSource { device_id: replica.device().0.clone(), squad_name: req.squad_name.clone() },
        campaign_id,
        created_ms: req.created_ms,
        format: FORMAT_RECEIPT.to_owned(),
        photos_wanted: if signer.is_some() {
            crate::core::sort::btree_set(photos_wanted.iter().cloned()).into_iter().take(MAX_PHOTOS_WANTED).collect()
        } else {
            Vec::new()
        },
        received,
        receipt_id: hex(&req.receipt_id),
        sha256: String::new(),
        signature: None,
        version: if signer.is_some() { VERSION } else { VERSION_UNSIGNED },
    };
    env.sha256 = checksum(&mut env).map_err(|e| ExportError::Encode(e.to_string()))?;
    env.signature = signer.map(|k| k.sign(FORMAT_RECEIPT, &env.sha256));
    let bytes = serde_json::to_vec(&env).map_err(|e| ExportError::Encode(e.to_string()))?;
    let file_name = format!("duzhan-receipt-{}-{}.json", super::export::sanitize_name(&req.squad_name), crate::core::calendar::compact_day(req.date));
    Ok(ReceiptFile { file_name, bytes, entries, through })
}

/// Reads and checks a receipt file.
pub fn read_receipt(bytes: &[u8], limits: &Limits) -> Result<Receipt, ImportError> {
    let (text, _) = check_text(bytes, limits)?;
    let (kind, version) = probe(text)?;
    match kind {
        FileKind::Receipt => {}
        FileKind::Bundle | FileKind::EncryptedBundle | FileKind::SealedBundle | FileKind::Roster => return Err(ImportError::BundleNotReceipt),
    }
    if version != u64::from(VERSION) && version != u64::from(VERSION_UNSIGNED) {
        return Err(ImportError::UnsupportedVersion { format: FORMAT_RECEIPT.into(), found: version.to_string(), supported: VERSION });
    }
    let mut env: ReceiptEnvelope = serde_json::from_str(text).map_err(|e| json_error(e, text))?;
    check_version(env.version, env.signature.is_some(), false, false).map_err(|r| ImportError::Schema { reason: r.into() })?;
    let actual = checksum(&mut env).map_err(|e| ImportError::Schema { reason: e.to_string() })?;
    if env.sha256 != actual {
        return Err(ImportError::ChecksumMismatch { expected: super::error::short(&env.sha256), actual });
    }
    let signer = match &env.signature {
        Some(sig) => Some(verify(sig, FORMAT_RECEIPT, &env.sha256)?),
        None => None,
    };
    if env.received.len() > limits.max_records {
        return Err(ImportError::TooManyRecords { max: limits.max_records });
    }
    if !env.photos_wanted.is_empty() && env.signature.is_none() {
        return Err(ImportError::Schema { reason: "a version 1 receipt has no member `photos_wanted`".into() });
    }
    if env.photos_wanted.len() > MAX_PHOTOS_WANTED {
        return Err(ImportError::TooManyRecords { max: MAX_PHOTOS_WANTED });
    }
    if env.photos_wanted.iter().any(|h| !crate::core::fieldwork::photo::is_hash(h)) || env.photos_wanted.windows(2).any(|w| w[0] >= w[1]) {
        return Err(ImportError::Schema { reason: "photos_wanted: photo addresses, sorted, each once".into() });
    }
    let ids = [("device id", &env.by.device_id, MAX_DEVICE_ID), ("campaign id", &env.campaign_id, MAX_ID), ("bundle id", &env.receipt_id, 64)];
    for (what, id, max) in ids {
        if !valid_id(id, max) {
            return Err(ImportError::InvalidId { what, id: id.clone() });
        }
    }
    if env.by.squad_name.len() > limits.max_string_bytes {
        return Err(ImportError::StringTooLong { id: env.receipt_id, max: limits.max_string_bytes });
    }
    let mut received = Vec::with_capacity(env.received.len());
    for r in env.received {
        if !valid_id(&r.device_id, MAX_DEVICE_ID) {
            return Err(ImportError::InvalidId { what: "device id", id: r.device_id });
        }
        if !valid_id(&r.bundle_id, 64) {
            return Err(ImportError::InvalidId { what: "bundle id", id: r.bundle_id });
        }
        received.push((DeviceId(r.device_id), r.seq, r.bundle_id));
    }
    Ok(Receipt {
        receipt_id: env.receipt_id,
        by: DeviceId(env.by.device_id),
        squad_name: env.by.squad_name,
        campaign_id: env.campaign_id,
        created_ms: env.created_ms,
        received,
        signer,
        photos_wanted: env.photos_wanted,
    })
}

/// What importing a receipt does.
#[derive(Clone, Debug, PartialEq)]
pub struct ReceiptOutcome {
    pub by: DeviceId,
    pub squad_name: String,
    /// This device's sequence numbers acknowledged for the first time.
    pub newly_acknowledged: Vec<u64>,
    /// Entries about this device's bundles (new or not).
    pub for_this_device: usize,
    /// Who signed the receipt, as this device knows them.
    pub signer: Signer,
    /// The ledger to store (under [`super::ledger::META_SYNC_LEDGER`]).
    pub ledger: SyncLedger,
}

/// Applies a receipt to this device's ledger (pure: returns the new ledger).
pub fn apply_receipt(receipt: &Receipt, replica: &Replica, ledger: &SyncLedger) -> Result<ReceiptOutcome, ImportError> {
    super::import::check_campaign(replica.campaign_id(), &receipt.campaign_id)?;
    let me = replica.device();
    let signer = check_signer(&receipt.by, receipt.signer.as_ref(), receipt.created_ms, ledger, me)?;
    let mine: Vec<(u64, String)> = receipt.received.iter().filter(|(d, _, _)| d == me).map(|(_, s, b)| (*s, b.clone())).collect();
    let for_this_device = mine.len();
    let mut ledger = ledger.clone();
    let newly_acknowledged = ledger.acknowledge(&receipt.by, receipt.created_ms, mine);
    if receipt.by != *me {
        ledger.record_receipt_received(&receipt.by, &receipt.squad_name, receipt.created_ms);
        ledger.record_photos_wanted(&receipt.by, receipt.created_ms, &receipt.photos_wanted);
        if let Some(k) = signer.key() {
            ledger.pin_key(&receipt.by, &k, receipt.created_ms);
        }
    }
    Ok(ReceiptOutcome { by: receipt.by.clone(), squad_name: receipt.squad_name.clone(), newly_acknowledged, for_this_device, signer, ledger })
}
