//! Many files at once (批量导入): the office's month, when every squad's and county's
//! bundles arrive together.
//!
//! A [`Batch`] takes the chosen files one at a time — each read and checked on its
//! own ([`super::import::read_bundle`]), then dropped — and keeps only what the
//! batch would change: per record, this device's copy merged with every accepted
//! file so far (the *overlay*), and per file a summary for the combined preview.
//! Memory is the largest file plus the merged change, whatever the number of files.
//! Each file is checked (campaign, kinds, references) and counted against this
//! device's records seen through the overlay, so a file may refer to records that an
//! earlier file of the batch brings, and its counts are what importing the files one
//! by one in this order would show.
//!
//! A refused file never blocks the others. Nothing is written here: [`Batch::stage`]
//! turns the batch into one change and one ledger for **one atomic commit**, against
//! the replica and the ledger as they are at the confirmation. Because merge is a
//! join, committing the overlay then is the same as importing every accepted file one
//! by one, in any order (property-tested in `tests/bundle_batch.rs`).

use super::error::ImportError;
use super::import::{
    check_clock, check_links, check_restricted, check_signer, classify, fill_unchanged, own_bundle_of, records_per_kind, AlreadyImported, Base, IncomingBundle,
    KindCounts,
};
use super::ledger::{Gaps, Received, SyncLedger, VersionVector};
use super::receipt::{apply_receipt, Receipt};
use super::sign::{self, PublicKey, Signer};
use super::wire::ScopeKind;
use crate::core::clock::DeviceId;
use crate::core::doc::Doc;
use crate::core::replica::{Change, Replica};
use std::collections::BTreeMap;

/// One file of a batch, as the combined preview lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchFile {
    /// The file's name as chosen (for the user; never parsed).
    pub name: String,
    pub size: u64,
    pub outcome: Outcome,
}

/// What a file of the batch turned out to be.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// A bundle, checked: it is imported with the batch.
    Bundle(Box<FileSummary>),
    /// A receipt (回执) for bundles of this device: applied with the batch.
    Receipt(ReceiptSummary),
    /// An encrypted bundle waiting for its passphrase.
    Locked,
    /// Refused, with why; the other files go ahead without it.
    Refused(ImportError),
}

impl Outcome {
    pub fn code(&self) -> &'static str {
        match self {
            Outcome::Bundle(_) => "bundle",
            Outcome::Receipt(_) => "receipt",
            Outcome::Locked => "locked",
            Outcome::Refused(_) => "refused",
        }
    }
}

/// A checked bundle of the batch: what importing it after the files before it does.
#[derive(Clone, Debug, PartialEq)]
pub struct FileSummary {
    pub bundle_id: String,
    pub source_device: DeviceId,
    pub squad_name: String,
    pub seq: u64,
    pub created_ms: u64,
    pub scope: ScopeKind,
    pub kinds: BTreeMap<String, KindCounts>,
    pub already_imported: Option<AlreadyImported>,
    /// Made by this very device (a backup).
    pub own_bundle: bool,
    /// The same bundle is an earlier file of this batch (its index).
    pub duplicate_of: Option<usize>,
    /// Who signed it, as this device knows them (a key first seen in an earlier
    /// file of the batch counts as known).
    pub signer: Signer,
}

impl FileSummary {
    pub fn totals(&self) -> KindCounts {
        KindCounts::sum(self.kinds.values())
    }
}

/// A receipt of the batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptSummary {
    pub by: DeviceId,
    pub squad_name: String,
    /// Entries about this device's bundles.
    pub for_this_device: usize,
    pub signer: Signer,
}

/// What the ledger learns from one accepted bundle, replayed at the confirmation.
#[derive(Clone, Debug, PartialEq)]
struct Arrival {
    device: DeviceId,
    squad_name: String,
    seq: u64,
    received: Received,
    holds: Option<VersionVector>,
    /// The key that signed it, pinned for `device` if none is yet.
    key: Option<PublicKey>,
}

/// A device whose bundles leave gaps once the batch is in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceGaps {
    pub device: DeviceId,
    pub squad_name: String,
    pub gaps: Gaps,
}

/// The files of a batch and what importing them would change. See the module docs.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    files: Vec<BatchFile>,
    /// Per record id, the replica's copy merged with every accepted file (only
    /// records the batch changes).
    overlay: BTreeMap<String, Doc>,
    campaign_id: Option<String>,
    arrivals: Vec<Arrival>,
    receipts: Vec<Receipt>,
    /// The ledger as it would be after the files so far (for "already imported"
    /// and the gaps).
    ledger: SyncLedger,
}

/// What [`Batch::stage`] hands to the commit.
#[derive(Clone, Debug)]
pub struct StagedBatch {
    pub change: Change,
    pub ledger: SyncLedger,
    pub imported: BatchImported,
}

/// What a batch import did, for the confirmation message and the receipt.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchImported {
    /// Bundles imported (duplicates within the batch counted once).
    pub bundles: usize,
    /// Receipts applied.
    pub receipts: usize,
    /// Files left out (refused or still locked).
    pub left_out: usize,
    /// Records the commit wrote.
    pub records_written: usize,
    pub totals: KindCounts,
    /// (source device, squad name, sequence number) of every imported bundle.
    pub sources: Vec<(DeviceId, String, u64)>,
    /// This device's sequence numbers acknowledged for the first time by the receipts.
    pub newly_acknowledged: Vec<u64>,
}

impl Batch {
    /// A batch to be imported into a device whose ledger is `ledger`.
    pub fn new(replica: &Replica, ledger: &SyncLedger) -> Batch {
        Batch { campaign_id: replica.campaign_id().map(str::to_owned), ledger: ledger.clone(), ..Batch::default() }
    }

    pub fn files(&self) -> &[BatchFile] {
        &self.files
    }

    /// Files refused so far (their reasons are in [`Batch::files`]).
    pub fn refused(&self) -> usize {
        self.files.iter().filter(|f| matches!(f.outcome, Outcome::Refused(_))).count()
    }

    /// Encrypted files still waiting for a passphrase.
    pub fn locked(&self) -> Vec<usize> {
        self.files.iter().enumerate().filter(|(_, f)| f.outcome == Outcome::Locked).map(|(i, _)| i).collect()
    }

    /// Whether confirming would import or apply anything.
    pub fn has_work(&self) -> bool {
        self.files.iter().any(|f| matches!(f.outcome, Outcome::Bundle(_) | Outcome::Receipt(_)))
    }

    /// The sum of every bundle's counts.
    pub fn totals(&self) -> KindCounts {
        let per_file: Vec<KindCounts> = self.files.iter().filter_map(|f| if let Outcome::Bundle(s) = &f.outcome { Some(s.totals()) } else { None }).collect();
        KindCounts::sum(&per_file)
    }

    /// Records the confirmation would write (new to this device or changed).
    pub fn records_to_write(&self) -> usize {
        self.overlay.len()
    }

    /// Devices of the batch's bundles whose sequence numbers still have gaps once
    /// the batch is in ("第6号数据包尚未导入"), in device order.
    pub fn gaps(&self) -> Vec<DeviceGaps> {
        let mut devices: Vec<&DeviceId> = self.arrivals.iter().map(|a| &a.device).collect();
        devices.sort();
        devices.dedup();
        devices
            .into_iter()
            .filter_map(|d| {
                let gaps = self.ledger.gaps(d, None);
                let squad_name = self.ledger.devices.get(d).map(|l| l.squad_name.clone()).unwrap_or_default();
                (gaps.missing > 0).then(|| DeviceGaps { device: d.clone(), squad_name, gaps })
            })
            .collect()
    }

    /// Adds a file refused before its records were merged (unreadable, size,
    /// syntax, checksum…), or records file `at` as refused. Returns its index.
    pub fn refuse(&mut self, at: Option<usize>, name: String, size: u64, error: ImportError) -> usize {
        self.place(at, BatchFile { name, size, outcome: Outcome::Refused(error) })
    }

    /// Adds an encrypted file, to be read with [`Batch::add_bundle`] at its index once
    /// its passphrase is given.
    pub fn push_locked(&mut self, name: String, size: u64) -> usize {
        self.push(BatchFile { name, size, outcome: Outcome::Locked })
    }

    fn push(&mut self, f: BatchFile) -> usize {
        self.files.push(f);
        self.files.len() - 1
    }

    /// Adds a checked bundle, or puts it in the place of file `at` (a locked file now
    /// opened, or a file tried again): checks its campaign, kinds and references
    /// against the replica seen through the batch, counts what it changes and merges
    /// it into the batch. A refusal is recorded as the file's outcome. Returns the
    /// file's index.
    pub fn add_bundle(&mut self, at: Option<usize>, name: String, size: u64, incoming: IncomingBundle, replica: &Replica, now_ms: u64) -> usize {
        let outcome = match self.merge(incoming, replica, now_ms) {
            Ok(summary) => Outcome::Bundle(Box::new(summary)),
            Err(e) => Outcome::Refused(e),
        };
        self.place(at, BatchFile { name, size, outcome })
    }

    /// Adds a checked receipt (applied at the confirmation).
    pub fn add_receipt(&mut self, at: Option<usize>, name: String, size: u64, receipt: Receipt, replica: &Replica) -> usize {
        let outcome = match self.campaign_id.as_deref() {
            Some(local) if local != receipt.campaign_id => {
                Outcome::Refused(ImportError::WrongCampaign { bundle: receipt.campaign_id.clone(), local: local.to_owned() })
            }
            _ => match sign::check_signer(&receipt.by, receipt.signer.as_ref(), receipt.created_ms, &self.ledger, replica.device()) {
                Err(e) => Outcome::Refused(e),
                Ok(signer) => {
                    let me = replica.device();
                    let for_this_device = receipt.received.iter().filter(|(d, _, _)| d == me).count();
                    if let (Some(k), false) = (signer.key(), receipt.by == *me) {
                        self.ledger.pin_key(&receipt.by, &k, receipt.created_ms);
                    }
                    let summary = ReceiptSummary { by: receipt.by.clone(), squad_name: receipt.squad_name.clone(), for_this_device, signer };
                    self.receipts.push(receipt);
                    Outcome::Receipt(summary)
                }
            },
        };
        self.place(at, BatchFile { name, size, outcome })
    }

    fn place(&mut self, at: Option<usize>, f: BatchFile) -> usize {
        match at.filter(|i| *i < self.files.len()) {
            Some(i) => {
                self.files[i] = f;
                i
            }
            None => self.push(f),
        }
    }

    fn merge(&mut self, incoming: IncomingBundle, replica: &Replica, now_ms: u64) -> Result<FileSummary, ImportError> {
        let header = incoming.header.clone();
        let base = Base { replica, overlay: Some(&self.overlay), campaign_id: self.campaign_id.as_deref() };
        check_clock(&incoming, now_ms)?;
        let signer = check_signer(&header, &self.ledger, replica)?;
        let holds = check_links(&incoming, &base)?;
        check_restricted(&incoming, &base, &self.ledger)?;
        let duplicate_of = self.files.iter().position(|f| matches!(&f.outcome, Outcome::Bundle(s) if s.bundle_id == header.bundle_id));
        let already_in_ledger = self.ledger.has_bundle(&header.bundle_id);
        let mut kinds = records_per_kind(&incoming.docs);
        let mut merged = Vec::new();
        for d in incoming.docs {
            match base.doc(&d.id) {
                None => {
                    classify(&mut kinds, None, &d);
                    merged.push(d);
                }
                Some(cur) if *cur != d => {
                    let m = Doc::merge(cur, &d);
                    if m != *cur {
                        classify(&mut kinds, Some(cur), &m);
                        merged.push(m);
                    }
                }
                Some(_) => {}
            }
        }
        fill_unchanged(&mut kinds);
        let changes = !merged.is_empty();
        for d in merged {
            self.overlay.insert(d.id.clone(), d);
        }
        if self.campaign_id.is_none() {
            self.campaign_id = Some(header.campaign_id.clone());
        }
        let own_bundle = own_bundle_of(&header, replica);
        if !own_bundle {
            let received = Received { bundle_id: header.bundle_id.clone(), created_ms: header.created_ms, imported_ms: now_ms, scope: header.scope };
            let a = Arrival { device: header.device_id.clone(), squad_name: header.squad_name.clone(), seq: header.seq, received, holds, key: signer.key() };
            self.ledger.record_import(&a.device, &a.squad_name, a.seq, a.received.clone(), a.holds.as_ref());
            if let Some(k) = &a.key {
                self.ledger.pin_key(&a.device, k, header.created_ms);
            }
            self.arrivals.push(a);
        }
        let already_imported = if already_in_ledger {
            Some(AlreadyImported::SameBundle)
        } else if !changes {
            Some(AlreadyImported::NothingNew)
        } else {
            None
        };
        Ok(FileSummary {
            bundle_id: header.bundle_id,
            source_device: header.device_id,
            squad_name: header.squad_name,
            seq: header.seq,
            created_ms: header.created_ms,
            scope: header.scope,
            kinds,
            already_imported,
            own_bundle,
            duplicate_of,
            signer,
        })
    }

    /// The batch as one change and one ledger, against the replica and the ledger
    /// as they are now (the confirmation, under the save lock): every merged record
    /// merged again with this device's copy (an edit made since the preview is
    /// kept), every accepted bundle recorded and every receipt applied.
    pub fn stage(self, replica: &Replica, ledger: &SyncLedger) -> Result<StagedBatch, ImportError> {
        if let (Some(local), Some(batch)) = (replica.campaign_id(), self.campaign_id.as_deref()) {
            if local != batch {
                return Err(ImportError::WrongCampaign { bundle: batch.to_owned(), local: local.to_owned() });
            }
        }
        let totals = self.totals();
        let mut ledger = ledger.clone();
        let mut sources = Vec::new();
        for a in &self.arrivals {
            if !sources.iter().any(|(d, _, s)| *d == a.device && *s == a.seq) {
                sources.push((a.device.clone(), a.squad_name.clone(), a.seq));
            }
            ledger.record_import(&a.device, &a.squad_name, a.seq, a.received.clone(), a.holds.as_ref());
            if let Some(k) = &a.key {
                ledger.pin_key(&a.device, k, a.received.created_ms);
            }
        }
        let mut newly_acknowledged = Vec::new();
        for r in &self.receipts {
            let out = apply_receipt(r, replica, &ledger)?;
            newly_acknowledged.extend(out.newly_acknowledged);
            ledger = out.ledger;
        }
        newly_acknowledged.sort_unstable();
        newly_acknowledged.dedup();
        let bundles = self.files.iter().filter(|f| matches!(&f.outcome, Outcome::Bundle(s) if s.duplicate_of.is_none())).count();
        let left_out = self.files.iter().filter(|f| matches!(f.outcome, Outcome::Refused(_) | Outcome::Locked)).count();
        let change = replica.stage_merge_owned(self.overlay.into_values().collect());
        let imported =
            BatchImported { bundles, receipts: self.receipts.len(), left_out, records_written: change.docs.len(), totals, sources, newly_acknowledged };
        Ok(StagedBatch { change, ledger, imported })
    }
}
