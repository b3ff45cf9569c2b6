//! The sync ledger (同步台账): what this device exported, what it received from whom,
//! and what others have acknowledged. Plain data; the caller stores it as one meta
//! value ([`META_SYNC_LEDGER`]) in the same atomic commit as the import or export it
//! describes, so the ledger and the data can never disagree.
//!
//! Version vectors ([`VersionVector`]: per device, its greatest stamp) say what a
//! device holds: "everything device X wrote up to stamp S". That is exact for states
//! built from full and delta bundles; a scoped bundle carries only part of a state,
//! so it never counts towards what a device is known to hold.

use super::sign::PublicKey;
use super::wire::{stamp_from_wire, stamp_to_wire, ScopeKind, WireStamp};
use crate::core::clock::{DeviceId, Stamp};
use crate::core::doc::Doc;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The pseudo-device of the embedded default's stamps ([`DeviceId::seed`]).
const SEED_DEVICE: &str = "seed";

/// Meta key under which the caller stores [`SyncLedger::to_meta`].
pub const META_SYNC_LEDGER: &str = "sync_ledger";

/// Per device, the greatest stamp known.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VersionVector(pub BTreeMap<DeviceId, Stamp>);

impl VersionVector {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Raises the entry of the stamp's device to the stamp, if greater.
    pub fn observe(&mut self, s: &Stamp) {
        match self.0.get_mut(&s.dev) {
            // Entries are keyed by their stamp's device, so the stamps differ in
            // (wall, counter) only: no device ids compared on the way.
            Some(cur) => {
                if (s.wall, s.n) > (cur.wall, cur.n) {
                    cur.wall = s.wall;
                    cur.n = s.n;
                    if cur.dev != s.dev {
                        cur.dev = s.dev.clone(); // a vector read from elsewhere, keyed wrongly
                    }
                }
            }
            None => {
                self.0.insert(s.dev.clone(), s.clone());
            }
        }
    }

    /// Whether the stamp is at or below its device's entry. Stamps of the embedded
    /// default (device `seed`) are covered by every vector: every device starts
    /// from the same default.
    pub fn covers(&self, s: &Stamp) -> bool {
        s.dev.as_str() == SEED_DEVICE || self.0.get(&s.dev).is_some_and(|m| s <= m)
    }

    /// Pointwise maximum.
    pub fn join(&mut self, other: &VersionVector) {
        for s in other.0.values() {
            self.observe(s);
        }
    }

    /// Observes every write a doc carries: each field's winner and concurrent values.
    pub fn observe_doc(&mut self, d: &Doc) {
        for f in d.fields.values() {
            self.observe(&f.s);
            for a in f.alt.values() {
                self.observe(&a.s);
            }
        }
    }

    /// Whether a device holding this vector already has every write of the doc.
    pub fn covers_doc(&self, d: &Doc) -> bool {
        d.fields.values().all(|f| self.covers(&f.s) && f.alt.values().all(|a| self.covers(&a.s)))
    }

    pub fn of_docs<'a>(docs: impl IntoIterator<Item = &'a Doc>) -> Self {
        let mut vv = Self::new();
        for d in docs {
            vv.observe_doc(d);
        }
        vv
    }

    /// How many of the docs hold a write this vector does not cover: "not yet
    /// received" by a device known to hold this vector.
    pub fn count_uncovered<'a>(&self, docs: impl IntoIterator<Item = &'a Doc>) -> usize {
        docs.into_iter().filter(|d| !self.covers_doc(d)).count()
    }

    pub fn to_wire(&self) -> BTreeMap<String, WireStamp> {
        crate::core::sort::btree_map(self.0.iter().map(|(d, s)| (d.0.clone(), stamp_to_wire(s))))
    }

    /// From the wire; entries whose key is not their stamp's device are dropped
    /// (import rejects such files before this is called).
    pub fn from_wire(w: BTreeMap<String, WireStamp>) -> Self {
        VersionVector(crate::core::sort::btree_map(w.into_iter().filter(|(k, s)| *k == s.dev).map(|(k, s)| (DeviceId(k), stamp_from_wire(s)))))
    }
}

/// One bundle this device exported.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExportRecord {
    pub bundle_id: String,
    pub created_ms: u64,
    pub scope: ScopeKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<DeviceId>,
    /// For full and delta bundles: what the recipient holds once it imported the
    /// bundle. `None` for scoped bundles and deltas by date (partial states).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covers: Option<VersionVector>,
    pub records: u64,
    /// Devices that acknowledged receiving it (by receipt), with the receipt's time.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub acked_by: BTreeMap<DeviceId, u64>,
    /// Restricted records (督查室专阅, `super::restricted`) it left out. Its `covers`
    /// then holds for devices that may not hold them, not for a 督查室 device.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub withheld: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One bundle received from another device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Received {
    pub bundle_id: String,
    pub created_ms: u64,
    pub imported_ms: u64,
    pub scope: ScopeKind,
}

/// What this device knows of another device.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DeviceLog {
    /// The squad name in its latest bundle.
    pub squad_name: String,
    /// Bundles imported from it, by its sequence number.
    #[serde(default)]
    pub bundles: BTreeMap<u64, Received>,
    /// Every sequence number up to this one is superseded by a full bundle (a full
    /// bundle holds everything the device's earlier bundles held).
    #[serde(default)]
    pub covered_through: u64,
    /// What the device is known to hold (from its full and delta bundles).
    #[serde(default)]
    pub has: VersionVector,
    /// What this device's user says the other device is (小分队, 县级…), for the
    /// 同步情况 board.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<DeviceRole>,
    /// The last receipt this device made that covers the other device's bundles:
    /// when, and up to which of its sequence numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_sent: Option<ReceiptSent>,
    /// When the other device's latest receipt (for bundles of ours) was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_received_ms: Option<u64>,
    /// The photos the device said, in its latest receipt, it lacks (addresses its
    /// photo records refer to whose bytes it does not hold): the next delta to it
    /// carries those this device holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photos_wanted: Option<PhotosWanted>,
    /// The other device's public key, pinned by the first signed file from it
    /// (`super::sign`): later files naming it must be signed by this key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<PinnedKey>,
    /// Its key was revoked (挂失: a lost tablet) at this time (ms): files it signed
    /// after then are refused. Set here or by a roster (`super::roster`); the earliest
    /// revocation wins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_ms: Option<u64>,
}

/// Photos a device said it lacks (its latest receipt's `photos_wanted`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotosWanted {
    /// When the receipt that said so was made.
    pub as_of_ms: u64,
    /// The addresses, sorted.
    pub sha256: Vec<String>,
}

/// A device's public key as this device learnt it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinnedKey {
    /// Base64 of the 32-byte Ed25519 public key.
    pub key: String,
    /// When the first file signed by it that this device took was made (ms, its clock).
    pub since_ms: u64,
}

/// A receipt handed to a device (see [`DeviceLog::receipt_sent`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptSent {
    pub created_ms: u64,
    /// Its greatest sequence number the receipt acknowledges.
    pub through_seq: u64,
}

/// What a device is, in the campaign's organisation (the plan's 小分队, 县级,
/// 州扶贫办 and 督查室).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceRole {
    /// 督战小分队.
    Squad,
    /// 县级 (a county's office).
    County,
    /// 州扶贫办 (the prefecture office).
    Office,
    /// 督查室 (the inspection office).
    Inspection,
}

impl DeviceRole {
    pub const ALL: [DeviceRole; 4] = [DeviceRole::Squad, DeviceRole::County, DeviceRole::Office, DeviceRole::Inspection];

    pub fn code(self) -> &'static str {
        match self {
            DeviceRole::Squad => "squad",
            DeviceRole::County => "county",
            DeviceRole::Office => "office",
            DeviceRole::Inspection => "inspection",
        }
    }

    pub fn from_code(s: &str) -> Option<DeviceRole> {
        DeviceRole::ALL.into_iter().find(|r| r.code() == s)
    }

    pub fn label(self, lang: crate::core::i18n::Lang) -> &'static str {
        use crate::core::i18n::Lang;
        match (self, lang) {
            (DeviceRole::Squad, Lang::Zh) => "督战小分队",
            (DeviceRole::Squad, Lang::En) => "Supervision squad",
            (DeviceRole::County, Lang::Zh) => "县级",
            (DeviceRole::County, Lang::En) => "County",
            (DeviceRole::Office, Lang::Zh) => "州扶贫办",
            (DeviceRole::Office, Lang::En) => "Prefecture office",
            (DeviceRole::Inspection, Lang::Zh) => "督查室",
            (DeviceRole::Inspection, Lang::En) => "Inspection office",
        }
    }
}

/// Missing sequence numbers of a device.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Gaps {
    /// The first few missing numbers, ascending (at most [`Gaps::SHOWN`]).
    pub first: Vec<u64>,
    /// How many are missing in all.
    pub missing: u64,
}

impl Gaps {
    pub const SHOWN: usize = 20;
}

/// Settings' view of a known device: last sequence seen and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownDevice {
    pub device_id: DeviceId,
    pub squad_name: String,
    pub last_seq: u64,
    /// When that bundle was made (its device's clock).
    pub last_created_ms: u64,
    /// When it was imported here.
    pub last_imported_ms: u64,
}

/// The ledger in the meta value could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("sync ledger cannot be read: {0}")]
pub struct LedgerError(pub String);

/// What this device exported and received. See the module docs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncLedger {
    /// This device's exports, by sequence number.
    #[serde(default)]
    pub exports: BTreeMap<u64, ExportRecord>,
    /// Other devices, by id.
    #[serde(default)]
    pub devices: BTreeMap<DeviceId, DeviceLog>,
    /// This device's own public key (base64), once it has one: a file naming this
    /// device must be signed by it. The secret half is stored apart
    /// (`super::sign::META_DEVICE_KEY`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own_key: Option<String>,
    /// The latest device roster (设备名册) taken from the device that issues them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roster: Option<RosterSeen>,
    /// What this device is, as the roster it follows says (`None` before any roster
    /// lists it). Only a 督查室 device takes restricted records (`super::restricted`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own_role: Option<DeviceRole>,
}

/// The sync ledger as this device stores it: the meta value's text, and when this
/// device last exported (all that start-up needs: the count of work not yet
/// exported starts there). The whole ledger is read from the text when code first
/// needs it (data exchange, reports, settings, all loaded later), through `Deref`;
/// so the first load carries none of the ledger's parser and writer (the ledger's
/// serde code was 14 KB gzip of it; docs/code-splitting.md). Clones share the read.
///
/// A text that cannot be read gives an empty ledger, as it always has (the records
/// are untouched; [`StoredLedger::unreadable`] says why).
#[derive(Clone, Debug)]
pub struct StoredLedger {
    /// The text (`None`: nothing stored yet), or why the ledger could not be written.
    stored: Result<Option<std::sync::Arc<str>>, LedgerError>,
    last_made_ms: Option<u64>,
    whole: std::sync::Arc<std::sync::OnceLock<(SyncLedger, Option<LedgerError>)>>,
}

impl StoredLedger {
    /// The stored meta value (absent: an empty ledger). Reads only the exports'
    /// times; an error means not even those could be read.
    pub fn from_text(v: Option<&str>) -> Result<StoredLedger, LedgerError> {
        #[derive(Deserialize)]
        struct Times {
            #[serde(default)]
            exports: BTreeMap<u64, Made>,
        }
        #[derive(Deserialize)]
        struct Made {
            created_ms: u64,
        }
        match v {
            None | Some("") => Ok(StoredLedger::default()),
            Some(s) => {
                let times: Times = serde_json::from_str(s).map_err(|e| LedgerError(e.to_string()))?;
                Ok(StoredLedger { stored: Ok(Some(s.into())), last_made_ms: times.exports.values().map(|e| e.created_ms).max(), whole: Default::default() })
            }
        }
    }

    /// A ledger to store: written out now (`text`).
    pub fn new(ledger: SyncLedger) -> StoredLedger {
        let stored = ledger.to_meta().map(|t| Some(t.into()));
        let last_made_ms = ledger.exports.values().map(|e| e.created_ms).max();
        StoredLedger { stored, last_made_ms, whole: std::sync::Arc::new(std::sync::OnceLock::from((ledger, None))) }
    }

    /// The meta value to store ([`META_SYNC_LEDGER`]); `None` for the empty ledger
    /// nothing has been written to.
    pub fn text(&self) -> Result<Option<&str>, LedgerError> {
        match &self.stored {
            Ok(t) => Ok(t.as_deref()),
            Err(e) => Err(e.clone()),
        }
    }

    /// When this device last exported, if ever.
    pub fn last_export_ms(&self) -> Option<u64> {
        self.last_made_ms
    }

    /// The ledger, read from the text on first use.
    pub fn whole(&self) -> &SyncLedger {
        &self.read().0
    }

    /// Whether the whole ledger was read (or made here): what start-up and plain
    /// saves never need.
    pub fn is_read(&self) -> bool {
        self.whole.get().is_some()
    }

    /// Why the stored text could not be read (the ledger is then empty).
    pub fn unreadable(&self) -> Option<&LedgerError> {
        self.read().1.as_ref()
    }

    fn read(&self) -> &(SyncLedger, Option<LedgerError>) {
        let text = self.stored.as_ref().ok().and_then(|t| t.as_deref());
        self.whole.get_or_init(|| match SyncLedger::from_meta(text) {
            Ok(l) => (l, None),
            Err(e) => (SyncLedger::default(), Some(e)),
        })
    }
}

impl std::ops::Deref for StoredLedger {
    type Target = SyncLedger;
    fn deref(&self) -> &SyncLedger {
        self.whole()
    }
}

impl Default for StoredLedger {
    fn default() -> StoredLedger {
        StoredLedger { stored: Ok(None), last_made_ms: None, whole: Default::default() }
    }
}

/// The device roster this device follows: who issues it, and the latest one taken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterSeen {
    /// The device that issues the rosters (the first roster taken names it; rosters
    /// from any other device are refused).
    pub issuer: DeviceId,
    pub roster_id: String,
    pub created_ms: u64,
}

impl SyncLedger {
    pub fn to_meta(&self) -> Result<String, LedgerError> {
        serde_json::to_string(self).map_err(|e| LedgerError(e.to_string()))
    }

    /// Reads the stored meta value; an absent value is an empty ledger.
    pub fn from_meta(v: Option<&str>) -> Result<SyncLedger, LedgerError> {
        match v {
            None | Some("") => Ok(SyncLedger::default()),
            Some(s) => serde_json::from_str(s).map_err(|e| LedgerError(e.to_string())),
        }
    }

    /// The sequence number of this device's next export.
    pub fn next_seq(&self) -> u64 {
        self.exports.keys().next_back().map_or(1, |s| s.saturating_add(1))
    }

    /// Whether a bundle with this id was exported or imported here.
    pub fn has_bundle(&self, bundle_id: &str) -> bool {
        self.exports.values().any(|e| e.bundle_id == bundle_id) || self.devices.values().any(|d| d.bundles.values().any(|b| b.bundle_id == bundle_id))
    }

    pub fn record_export(&mut self, seq: u64, rec: ExportRecord) {
        self.exports.insert(seq, rec);
    }

    /// Records an imported bundle. `holds` is what the source device is known to
    /// hold after making it (for full and delta bundles).
    pub fn record_import(&mut self, source: &DeviceId, squad_name: &str, seq: u64, rec: Received, holds: Option<&VersionVector>) {
        let log = self.devices.entry(source.clone()).or_default();
        if log.bundles.keys().next_back().is_none_or(|last| seq >= *last) {
            log.squad_name = squad_name.to_owned();
        }
        if rec.scope == ScopeKind::Full {
            log.covered_through = log.covered_through.max(seq.saturating_sub(1));
        }
        if let Some(h) = holds {
            log.has.join(h);
        }
        log.bundles.insert(seq, rec);
    }

    /// Sequence numbers of `device` not imported here, counting `incoming` (a
    /// sequence number about to be imported) as imported.
    pub fn gaps(&self, device: &DeviceId, incoming: Option<u64>) -> Gaps {
        let empty = DeviceLog::default();
        let log = self.devices.get(device).unwrap_or(&empty);
        let max = log.bundles.keys().next_back().copied().into_iter().chain(incoming).max().unwrap_or(0);
        let from = log.covered_through;
        if max <= from {
            return Gaps::default();
        }
        let seen = |s: u64| log.bundles.contains_key(&s) || incoming == Some(s);
        let seen_in_range = log.bundles.range(from + 1..=max).count() as u64 + u64::from(incoming.is_some_and(|s| s > from && !log.bundles.contains_key(&s)));
        let missing = (max - from).saturating_sub(seen_in_range);
        let mut first = Vec::new();
        let mut s = from + 1;
        // Walks at most SHOWN missing numbers plus the seen ones between them.
        while s <= max && first.len() < Gaps::SHOWN && (first.len() as u64) < missing {
            if !seen(s) {
                first.push(s);
            }
            match s.checked_add(1) {
                Some(n) => s = n,
                None => break,
            }
        }
        Gaps { first, missing }
    }

    /// What `device` is known to hold: what its own bundles showed, joined with
    /// the full and delta bundles of ours that it acknowledged.
    pub fn known_by(&self, device: &DeviceId) -> VersionVector {
        let log = self.devices.get(device);
        let mut vv = log.map(|d| d.has.clone()).unwrap_or_default();
        // A bundle that left restricted records out does not bring a 督查室 device
        // everything its vector says.
        let inspection = log.is_some_and(|d| d.role == Some(DeviceRole::Inspection));
        for e in self.exports.values().filter(|e| e.acked_by.contains_key(device) && !(inspection && e.withheld > 0)) {
            if let Some(c) = &e.covers {
                vv.join(c);
            }
        }
        vv
    }

    /// What `device` holds if every full or delta bundle made for it arrived
    /// (acknowledged or not): the base of an optimistic "since the last export".
    pub fn sent_to(&self, device: &DeviceId) -> VersionVector {
        let mut vv = self.known_by(device);
        let inspection = self.devices.get(device).is_some_and(|d| d.role == Some(DeviceRole::Inspection));
        for e in self.exports.values().filter(|e| e.recipient.as_ref() == Some(device) && !(inspection && e.withheld > 0)) {
            if let Some(c) = &e.covers {
                vv.join(c);
            }
        }
        vv
    }

    /// Devices known from their bundles, for settings: last sequence and when.
    pub fn known_devices(&self) -> Vec<KnownDevice> {
        self.devices
            .iter()
            .filter_map(|(id, log)| {
                let (seq, last) = log.bundles.iter().next_back()?;
                Some(KnownDevice {
                    device_id: id.clone(),
                    squad_name: log.squad_name.clone(),
                    last_seq: *seq,
                    last_created_ms: last.created_ms,
                    last_imported_ms: last.imported_ms,
                })
            })
            .collect()
    }

    /// Records a receipt made here: per device it covers, its greatest sequence
    /// number acknowledged (for the 同步情况 board's "回执").
    pub fn record_receipt_sent(&mut self, created_ms: u64, through: &BTreeMap<DeviceId, u64>) {
        for (d, seq) in through {
            if let Some(log) = self.devices.get_mut(d) {
                let later = log.receipt_sent.is_none_or(|r| (created_ms, *seq) >= (r.created_ms, r.through_seq));
                if later {
                    log.receipt_sent = Some(ReceiptSent { created_ms, through_seq: *seq });
                }
            }
        }
    }

    /// Records a receipt received from `by` (named `squad_name`): the device is
    /// known from then on, even if none of its bundles came here.
    /// Notes the photos a device's receipt of `created_ms` says it lacks, unless a
    /// later receipt of it said so already.
    pub fn record_photos_wanted(&mut self, by: &DeviceId, created_ms: u64, sha256: &[String]) {
        let log = self.devices.entry(by.clone()).or_default();
        if log.photos_wanted.as_ref().is_none_or(|w| created_ms >= w.as_of_ms) {
            log.photos_wanted = (!sha256.is_empty()).then(|| PhotosWanted { as_of_ms: created_ms, sha256: sha256.to_vec() });
        }
    }

    /// The photos `device` lacks, as its latest receipt said (sorted).
    pub fn photos_wanted_by(&self, device: &DeviceId) -> &[String] {
        self.devices.get(device).and_then(|l| l.photos_wanted.as_ref()).map_or(&[], |w| w.sha256.as_slice())
    }

    pub fn record_receipt_received(&mut self, by: &DeviceId, squad_name: &str, created_ms: u64) {
        let log = self.devices.entry(by.clone()).or_default();
        let latest = log.receipt_received_ms.is_none_or(|t| created_ms >= t);
        // A device's bundles name it; a receipt names it only until one arrives.
        if log.bundles.is_empty() && (latest || log.squad_name.is_empty()) {
            log.squad_name = squad_name.to_owned();
        }
        if latest {
            log.receipt_received_ms = Some(created_ms);
        }
    }

    /// This device's public key.
    pub fn own_key(&self) -> Option<PublicKey> {
        self.own_key.as_deref().and_then(PublicKey::from_base64)
    }

    /// The key pinned for another device.
    pub fn key_of(&self, device: &DeviceId) -> Option<PublicKey> {
        self.devices.get(device)?.key.as_ref().and_then(|k| PublicKey::from_base64(&k.key))
    }

    /// The other device a key is pinned for.
    pub fn device_of_key(&self, key: &PublicKey) -> Option<&DeviceId> {
        let b64 = key.to_base64();
        self.devices.iter().find(|(_, l)| l.key.as_ref().is_some_and(|k| k.key == b64)).map(|(d, _)| d)
    }

    /// Pins `key` for `device` (the first signed file from it); a key already
    /// pinned stays (`super::sign::check_signer` refuses files that would change it).
    /// `since_ms` is the earliest file of that key taken, whatever the order files
    /// arrive in, so devices that took the same files hold the same ledger.
    pub fn pin_key(&mut self, device: &DeviceId, key: &PublicKey, at_ms: u64) {
        let log = self.devices.entry(device.clone()).or_default();
        let b64 = key.to_base64();
        match &mut log.key {
            None => log.key = Some(PinnedKey { key: b64, since_ms: at_ms }),
            Some(p) if p.key == b64 => p.since_ms = p.since_ms.min(at_ms),
            Some(_) => {}
        }
    }

    /// Revokes a device's key from `at_ms` (the earliest revocation stays).
    pub fn revoke(&mut self, device: &DeviceId, at_ms: u64) {
        let log = self.devices.entry(device.clone()).or_default();
        log.revoked_ms = Some(log.revoked_ms.map_or(at_ms, |r| r.min(at_ms)));
    }

    /// Sets what a device is (the board's role column); `None` clears it.
    pub fn set_role(&mut self, device: &DeviceId, role: Option<DeviceRole>) {
        if let Some(log) = self.devices.get_mut(device) {
            log.role = role;
        }
    }

    /// Marks exports acknowledged by `by`. Entries are `(seq, bundle_id)` of this
    /// device's bundles; ones that do not match an export here are ignored. Returns
    /// the sequence numbers newly acknowledged.
    pub fn acknowledge(&mut self, by: &DeviceId, at_ms: u64, entries: impl IntoIterator<Item = (u64, String)>) -> Vec<u64> {
        let mut newly = Vec::new();
        for (seq, id) in entries {
            if let Some(e) = self.exports.get_mut(&seq) {
                if e.bundle_id == id && !e.acked_by.contains_key(by) {
                    e.acked_by.insert(by.clone(), at_ms);
                    newly.push(seq);
                }
            }
        }
        newly.sort_unstable();
        newly.dedup();
        newly
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: &str, scope: ScopeKind) -> Received {
        Received { bundle_id: id.into(), created_ms: 1, imported_ms: 2, scope }
    }

    #[test]
    fn gaps_name_the_missing_sequence_numbers() {
        let mut l = SyncLedger::default();
        let d = DeviceId("d-a".into());
        l.record_import(&d, "A", 1, rec("b1", ScopeKind::Delta), None);
        l.record_import(&d, "A", 2, rec("b2", ScopeKind::Delta), None);
        l.record_import(&d, "A", 5, rec("b5", ScopeKind::Delta), None);
        assert_eq!(l.gaps(&d, Some(7)), Gaps { first: vec![3, 4, 6], missing: 3 });
        assert_eq!(l.gaps(&d, Some(3)), Gaps { first: vec![4], missing: 1 });
        // A full bundle supersedes everything before it.
        l.record_import(&d, "A", 9, rec("b9", ScopeKind::Full), None);
        assert_eq!(l.gaps(&d, None), Gaps::default());
    }

    #[test]
    fn a_huge_sequence_number_does_not_make_a_huge_gap_list() {
        let l = SyncLedger::default();
        let g = l.gaps(&DeviceId("d-a".into()), Some(u64::MAX));
        assert_eq!(g.first.len(), Gaps::SHOWN);
        assert_eq!(g.missing, u64::MAX - 1);
    }

    #[test]
    fn the_ledger_round_trips_through_its_meta_value() {
        let mut l = SyncLedger::default();
        l.record_import(&DeviceId("d-a".into()), "武定", 1, rec("b1", ScopeKind::Full), Some(&VersionVector::new()));
        let m = l.to_meta().unwrap();
        assert_eq!(SyncLedger::from_meta(Some(&m)).unwrap(), l);
        assert_eq!(SyncLedger::from_meta(None).unwrap(), SyncLedger::default());
        assert!(SyncLedger::from_meta(Some("{")).is_err());
    }

    fn export(created_ms: u64) -> ExportRecord {
        ExportRecord {
            bundle_id: format!("b{created_ms}"),
            created_ms,
            scope: ScopeKind::Delta,
            recipient: None,
            covers: None,
            records: 3,
            acked_by: BTreeMap::new(),
            withheld: 0,
        }
    }

    #[test]
    fn a_stored_ledger_gives_its_last_export_at_once_and_the_whole_ledger_when_read() {
        let mut l = SyncLedger::default();
        l.exports.insert(1, export(5_000));
        l.exports.insert(2, export(9_000));
        l.exports.insert(3, export(7_000));
        l.record_import(&DeviceId("d-a".into()), "武定", 1, rec("b1", ScopeKind::Full), Some(&VersionVector::new()));
        l.own_role = Some(DeviceRole::Inspection);
        let text = l.to_meta().unwrap();
        let stored = StoredLedger::from_text(Some(&text)).unwrap();
        assert_eq!(stored.last_export_ms(), Some(9_000));
        assert_eq!(stored.text().unwrap(), Some(text.as_str()), "stored back unchanged");
        assert_eq!(stored.whole(), &l);
        assert_eq!(stored.own_role, Some(DeviceRole::Inspection), "through Deref");
        assert!(stored.unreadable().is_none());
        // A ledger to store: written out at once, the same text, read back the same.
        let made = StoredLedger::new(l.clone());
        assert_eq!(made.text().unwrap(), Some(text.as_str()));
        assert_eq!(made.last_export_ms(), Some(9_000));
        assert_eq!(StoredLedger::from_text(made.text().unwrap()).unwrap().whole(), &l);
        // Clones share the one read.
        let a = StoredLedger::from_text(Some(&text)).unwrap();
        let b = a.clone();
        assert!(std::ptr::eq(a.whole(), b.whole()));
    }

    #[test]
    fn nothing_stored_is_an_empty_ledger_and_unreadable_text_is_said() {
        let none = StoredLedger::from_text(None).unwrap();
        assert_eq!((none.last_export_ms(), none.text().unwrap(), none.whole()), (None, None, &SyncLedger::default()));
        assert_eq!(StoredLedger::from_text(Some("")).unwrap().text().unwrap(), None);
        assert!(StoredLedger::from_text(Some("{")).is_err(), "not even the export times");
        assert!(StoredLedger::from_text(Some(r#"{"exports":{"1":{"created_ms":"soon"}}}"#)).is_err());
        // The export times read, the rest not: an empty ledger, and why.
        let odd = StoredLedger::from_text(Some(r#"{"exports":{"1":{"created_ms":4}},"devices":7}"#)).unwrap();
        assert_eq!(odd.last_export_ms(), Some(4));
        assert_eq!(odd.whole(), &SyncLedger::default());
        assert!(odd.unreadable().is_some());
    }
}
