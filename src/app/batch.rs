//! Many files at once (批量导入): the office's use case on the 20th.
//!
//! [`BatchIntake::check`] reads the chosen files **one at a time** through the
//! [`Files`] port (a file's bytes are dropped once it is checked and merged into the
//! [`Batch`]), so memory is the largest file plus the merged change. Every bundle
//! carries what its records refer to, so no file depends on another and the order
//! the files were chosen in changes only the per-file counts. Encrypted files
//! wait for a passphrase; [`BatchIntake::unlock`] tries one passphrase on every
//! file still locked (one prompt per passphrase, not per file).
//! [`Session::import_batch`] commits everything accepted in **one atomic commit**:
//! a failure leaves the store as it was. Photos are checked with their file and
//! dropped; the commit reads each accepted file that carries photos again, one at
//! a time, and stores its photos by address before the records, so memory stays
//! one file however many files carry photos.

use super::commit::{CommitError, LedgerChange, Session};
use super::{Platform, Workspace};
use crate::core::bundle::batch::{Batch, BatchImported, Outcome};
use crate::core::bundle::import::{read_bundle, IncomingBundle};
use crate::core::bundle::receipt::read_receipt;
use crate::core::bundle::{ImportError, Limits};
use crate::storage::Store;
use std::future::Future;

/// The chosen files: read by index, one at a time. In the browser, `File`s; in
/// tests, bytes in memory.
pub trait Files {
    fn count(&self) -> usize;
    fn name(&self, i: usize) -> String;
    fn size(&self, i: usize) -> u64;
    /// The file's bytes, or why they could not be read.
    fn read(&self, i: usize) -> impl Future<Output = Result<Vec<u8>, String>>;
}

/// Where a batch check is: file `done` of `total` checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
}

/// The files of a batch, checked, waiting for the user's confirmation.
pub struct BatchIntake {
    batch: Batch,
    limits: Limits,
    /// Per accepted file carrying photos (v3), by its place in the batch: where to
    /// read its photos again at the commit, and what they must be.
    photos: std::collections::BTreeMap<usize, Carried>,
}

/// An accepted file's photos, checked and dropped: the file is read again (with the
/// passphrase that opened it) when the batch is committed. The same bundle id and
/// photo manifest then mean the same photos, each checked against its address again.
struct Carried {
    file: usize,
    passphrase: Option<String>,
    bundle_id: String,
    manifest: Vec<crate::core::bundle::wire::WirePhotoEntry>,
}

impl BatchIntake {
    /// Reads and checks every file, one at a time, against the records as they are;
    /// `progress` is told after each file (and may yield to the browser).
    pub async fn check<W: Workspace, F: Files, Fut: Future<Output = ()>>(
        ws: &W,
        files: &F,
        limits: Limits,
        now_ms: u64,
        mut progress: impl FnMut(Progress) -> Fut,
    ) -> Result<BatchIntake, CommitError<ImportError>> {
        let ledger = ws.sync_ledger();
        let batch = ws.with_replica(|r| Batch::new(r, &ledger)).ok_or(CommitError::NotLoaded)?;
        let mut intake = BatchIntake { batch, limits, photos: Default::default() };
        let total = files.count();
        for i in 0..total {
            intake.read_one(ws, files, i, None, None, now_ms).await?;
            progress(Progress { done: i + 1, total }).await;
        }
        Ok(intake)
    }

    /// Tries a passphrase on every file still locked; returns how many it opened. A
    /// file it does not open stays locked (another passphrase may); a file that opens
    /// but fails its checks is refused.
    pub async fn unlock<W: Workspace, F: Files>(&mut self, ws: &W, files: &F, passphrase: &str, now_ms: u64) -> Result<usize, CommitError<ImportError>> {
        let mut opened = 0;
        for i in self.batch.locked() {
            if self.read_one(ws, files, i, Some(i), Some(passphrase), now_ms).await? {
                opened += 1;
            }
        }
        Ok(opened)
    }

    /// Reads file `i` and puts what it is at `at` (or at the end). Returns whether
    /// it left the locked state.
    async fn read_one<W: Workspace, F: Files>(
        &mut self,
        ws: &W,
        files: &F,
        i: usize,
        at: Option<usize>,
        passphrase: Option<&str>,
        now_ms: u64,
    ) -> Result<bool, CommitError<ImportError>> {
        let (name, size) = (files.name(i), files.size(i));
        if size > self.limits.max_bytes as u64 {
            self.batch.refuse(at, name, size, ImportError::TooLarge { size: size as usize, max: self.limits.max_bytes });
            return Ok(true);
        }
        let bytes = match files.read(i).await {
            Ok(b) => b,
            Err(reason) => {
                self.batch.refuse(at, name, size, ImportError::Unreadable { reason });
                return Ok(true);
            }
        };
        let read = read_bundle(&bytes, passphrase, &self.limits);
        let batch = &mut self.batch;
        let photos = &mut self.photos;
        let placed = ws.with_replica(|r| match read {
            Ok(mut incoming) => {
                drop(bytes);
                drop(std::mem::take(&mut incoming.photo_bytes));
                let carried = (!incoming.photos.is_empty()).then(|| Carried {
                    file: i,
                    passphrase: passphrase.map(str::to_owned),
                    bundle_id: incoming.header.bundle_id.clone(),
                    manifest: incoming.photos.clone(),
                });
                let i = batch.add_bundle(at, name.clone(), size, incoming, r, now_ms);
                if let Some(carried) = carried.filter(|_| matches!(batch.files().get(i).map(|f| &f.outcome), Some(Outcome::Bundle(_)))) {
                    photos.insert(i, carried);
                } else {
                    photos.remove(&i);
                }
                true
            }
            Err(ImportError::PassphraseRequired) => {
                if at.is_none() {
                    batch.push_locked(name.clone(), size);
                }
                false
            }
            Err(ImportError::WrongPassphrase) if passphrase.is_some() => false,
            Err(ImportError::ReceiptNotBundle) => {
                match read_receipt(&bytes, &self.limits) {
                    Ok(receipt) => {
                        batch.add_receipt(at, name.clone(), size, receipt, r);
                    }
                    Err(e) => {
                        batch.refuse(at, name.clone(), size, e);
                    }
                }
                true
            }
            Err(e) => {
                batch.refuse(at, name.clone(), size, e);
                true
            }
        });
        placed.ok_or(CommitError::NotLoaded)
    }

    /// The files and what importing them would do.
    pub fn batch(&self) -> &Batch {
        &self.batch
    }
}

impl<S: Store, P: Platform> Session<S, P> {
    /// Imports every accepted file of the batch in one commit, merged again under the
    /// lock against the records and the ledger as they are now. `files` are the
    /// batch's: the accepted files carrying photos are read again, one at a time,
    /// and their photos stored by address before the records (bytes no record
    /// refers to yet are invisible). A file that no longer reads as it was checked
    /// fails the import with nothing committed.
    pub async fn import_batch<W: Workspace, F: Files>(&self, ws: &W, files: &F, intake: BatchIntake) -> Result<BatchImported, CommitError<ImportError>> {
        let BatchIntake { batch, photos, limits } = intake;
        for carried in photos.into_values() {
            let bytes = files.read(carried.file).await.map_err(|reason| CommitError::Refused(ImportError::Unreadable { reason }))?;
            let incoming = read_bundle(&bytes, carried.passphrase.as_deref(), &limits).map_err(CommitError::Refused)?;
            drop(bytes);
            if incoming.header.bundle_id != carried.bundle_id || incoming.photos != carried.manifest {
                let reason = format!("{} changed after it was checked", files.name(carried.file));
                return Err(CommitError::Refused(ImportError::Unreadable { reason }));
            }
            let IncomingBundle { photos: manifest, photo_bytes, .. } = incoming;
            self.put_new_photos(ws, manifest.into_iter().map(|e| e.sha256).zip(photo_bytes)).await?;
        }
        self.save_with_ledger(ws, move |c, ledger| {
            let staged = batch.stage(c.replica, ledger)?;
            Ok(LedgerChange { change: staged.change, ledger: staged.ledger, out: staged.imported })
        })
        .await
    }
}
