//! Sync by files (数据交换): the export, import and receipt use cases.
//!
//! An import is a small state machine, [`Intake`]: a chosen file is read once and
//! says what it is ([`Read`]: a bundle, an encrypted bundle that needs its
//! passphrase, or a receipt — a *result*, not an error to dispatch on); a bundle's
//! records, once read and checked (steps 1–7 of `core::bundle::import`, the costly
//! part of a large file), stay in the intake until the user confirms or cancels.
//! The preview ([`Intake::preview`]) and the confirmation ([`Session::import`]) each
//! merge them against the replica as it is at that moment — the confirmation
//! under the save lock — so an edit made while the preview was open is never
//! overwritten, and the file is read once, not once per step.
//!
//! A file carrying photos (bundle v3, `core::bundle::photos`) is opened through the
//! [`FileParts`] port, one part at a time ([`Intake::open`]): its head (the records)
//! is read and checked like any bundle; its photo lines are read twice, one photo
//! at a time, never the whole file: once to check every photo before the preview
//! is shown ([`Session::check_photos`]), and once on confirmation to store the new
//! ones by address before the records are committed ([`Session::import_file`]).
//!
//! An encrypted or sealed file carrying photos is chunked (`core::bundle::stream`):
//! opened in parts, only its head line is read until the passphrase or the key
//! opens it ([`Intake::unlock_file`], [`Session::open_sealed_file`]); from then on
//! its content is read through [`Content`], which opens only the chunks a read
//! needs, so the steps above run on it unchanged and it is never held whole.

use super::commit::{CommitError, LedgerChange, Session, UserError};
use super::{Platform, Workspace};
use crate::core::bundle::crypto::{self, EncryptParams};
use crate::core::bundle::import::{preview as merge_preview, preview_counts, read_bundle, read_sealed_bundle, FileKind};
use crate::core::bundle::ledger::DeviceRole;
use crate::core::bundle::photos::{self, LineSplitter, PhotoCounts, PhotoLines};
use crate::core::bundle::receipt::{apply_receipt, make_receipt_wanting, read_receipt, Receipt, ReceiptFile, ReceiptOutcome, ReceiptRequest};
use crate::core::bundle::restricted;
use crate::core::bundle::roster::{apply_roster, make_roster, read_roster, Roster, RosterFile, RosterOutcome, RosterRequest};
use crate::core::bundle::seal::{self, Recipient, SealParams};
use crate::core::bundle::sign::{DeviceKey, PublicKey, Signer, META_DEVICE_KEY};
use crate::core::bundle::stream::{self, ChunkKey, ChunkWriter, Layout};
use crate::core::bundle::wire::WirePhotoEntry;
use crate::core::bundle::{
    export::export_carrying, ExportError, ExportRequest, ImportError, IncomingBundle, KindCounts, Limits, Preview, StoredLedger, SyncLedger,
};
use crate::core::clock::DeviceId;
use crate::core::model::Campaign;
use crate::core::read_model::Stage;
use crate::storage::Store;
use crate::storage::StoreError;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

/// A chosen file read in parts: in the browser a `File` (`File.slice`), in tests
/// bytes in memory.
pub trait FileParts {
    fn size(&self) -> u64;
    /// Bytes `start..end` of the file (`end` at most [`FileParts::size`]), or why
    /// they could not be read (`unreadable`; `tampered` for a chunk that does not open).
    fn read_range(&self, start: u64, end: u64) -> impl Future<Output = Result<Vec<u8>, ImportError>>;
    /// How much to read at once: the unit of an import's memory.
    fn part_bytes(&self) -> u64 {
        PART_BYTES
    }
}

/// Bytes in memory as a file (tests, and callers that already hold a file).
impl FileParts for [u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }
    async fn read_range(&self, start: u64, end: u64) -> Result<Vec<u8>, ImportError> {
        self.get(start as usize..end as usize).map(<[u8]>::to_vec).ok_or_else(|| ImportError::Unreadable { reason: "out of range".to_owned() })
    }
}

/// The content of a chunked encrypted or sealed file (`core::bundle::stream`), read
/// in parts through the file: a read opens only the chunks it covers, and the last
/// chunk opened is kept (consecutive reads share one).
pub struct Decrypted<'a, F: ?Sized> {
    file: &'a F,
    key: ChunkKey,
    layout: Layout,
    last: std::cell::RefCell<Option<(u64, Vec<u8>)>>,
}

impl<F: FileParts + ?Sized> FileParts for Decrypted<'_, F> {
    fn size(&self) -> u64 {
        self.layout.content_bytes()
    }

    async fn read_range(&self, start: u64, end: u64) -> Result<Vec<u8>, ImportError> {
        let end = end.min(self.size());
        if start >= end {
            return Ok(Vec::new());
        }
        let chunks = self.layout.chunks_of(start, end);
        let cached = self.last.borrow().as_ref().map(|(i, _)| *i);
        let first_read = if cached == Some(chunks.start) { chunks.start + 1 } else { chunks.start };
        let (from, _) = self.layout.line_range(first_read);
        let (_, to) = self.layout.line_range(chunks.end - 1);
        let raw = if first_read < chunks.end { self.file.read_range(from, to).await? } else { Vec::new() };
        if first_read < chunks.end && raw.len() as u64 != to - from {
            return Err(ImportError::Unreadable { reason: "the file changed while it was read".into() });
        }
        let mut out = Vec::with_capacity((end - start) as usize);
        for i in chunks {
            let plain = match self.last.borrow_mut().take() {
                Some((at, plain)) if at == i => plain,
                _ => {
                    let (a, b) = self.layout.line_range(i);
                    self.layout.open(&self.key, i, &raw[(a - from) as usize..(b - from) as usize])?
                }
            };
            let at = i * self.layout.chunk_bytes;
            let (a, b) = (start.max(at) - at, end.min(at + plain.len() as u64) - at);
            out.extend_from_slice(&plain[a as usize..b as usize]);
            *self.last.borrow_mut() = Some((i, plain));
        }
        Ok(out)
    }

    /// The file's own unit: a read of that much content reads about that much of the file.
    fn part_bytes(&self) -> u64 {
        self.file.part_bytes()
    }
}

/// What an intake reads its file's content through: the file itself, or for a
/// chunked encrypted or sealed file read in parts, its decrypted content.
pub enum Content<'a, F: ?Sized> {
    Plain(&'a F),
    Decrypted(Decrypted<'a, F>),
}

impl<F: FileParts + ?Sized> FileParts for Content<'_, F> {
    fn size(&self) -> u64 {
        match self {
            Content::Plain(f) => f.size(),
            Content::Decrypted(d) => d.size(),
        }
    }
    async fn read_range(&self, start: u64, end: u64) -> Result<Vec<u8>, ImportError> {
        match self {
            Content::Plain(f) => f.read_range(start, end).await,
            Content::Decrypted(d) => d.read_range(start, end).await,
        }
    }
    fn part_bytes(&self) -> u64 {
        match self {
            Content::Plain(f) => f.part_bytes(),
            Content::Decrypted(d) => d.part_bytes(),
        }
    }
}

/// How much of a file is read at once (4 MiB): the unit of an import's memory.
pub const PART_BYTES: u64 = 4 << 20;
/// Photos stored per write while importing, by their bytes (about one part).
const PHOTO_WRITE_BYTES: usize = 4 << 20;

/// Calls `each` with every line of `file` from byte `from` on (lines of at most
/// `max` bytes), reading one part at a time; `each` may wait (to store photos).
async fn for_each_line<F: FileParts + ?Sized, Fut: Future<Output = Result<(), CommitError<ImportError>>>>(
    file: &F,
    from: u64,
    max: usize,
    mut each: impl FnMut(Vec<u8>) -> Fut,
) -> Result<(), CommitError<ImportError>> {
    let mut split = LineSplitter::new(max);
    let size = file.size();
    let mut at = from;
    while at < size {
        let end = (at + file.part_bytes().max(1)).min(size);
        let part = file.read_range(at, end).await.map_err(CommitError::Refused)?;
        if part.len() as u64 != end - at {
            return Err(CommitError::Refused(ImportError::Unreadable { reason: "the file changed while it was read".into() }));
        }
        at = end;
        let mut lines = Vec::new();
        split
            .push(
                &part,
                |l| {
                    lines.push(l);
                    Ok(())
                },
                |_| ImportError::PhotoDamaged { record: String::new(), reason: "line too long" },
            )
            .map_err(CommitError::Refused)?;
        drop(part);
        for l in lines {
            each(l).await?;
        }
    }
    if let Some(l) = split.finish() {
        each(l).await?;
    }
    Ok(())
}

/// The addresses of the photos `store` holds (none when its index cannot be read:
/// a photo stored again is stored once).
async fn held_in<S: Store>(store: &S) -> BTreeSet<String> {
    store.photo_index().await.unwrap_or_default().into_iter().map(|(h, _)| h).collect()
}

/// Stores in `store` the photos of `photos` it does not hold yet (each address
/// once), in writes of about [`PHOTO_WRITE_BYTES`].
pub(crate) async fn put_new_photos_in<S: Store>(store: &S, photos: impl IntoIterator<Item = (String, Vec<u8>)>) -> Result<(), StoreError> {
    let mut seen = held_in(store).await;
    let mut batch: Vec<(String, Vec<u8>)> = Vec::new();
    let mut pending = 0;
    for (hash, bytes) in photos {
        if !seen.insert(hash.clone()) {
            continue;
        }
        pending += bytes.len();
        batch.push((hash, bytes));
        if pending >= PHOTO_WRITE_BYTES {
            store.put_photos(&std::mem::take(&mut batch)).await?;
            pending = 0;
        }
    }
    if !batch.is_empty() {
        store.put_photos(&batch).await?;
    }
    Ok(())
}

/// Stores in `store` the photos of a v3 file read in parts that it does not hold:
/// the photo lines from byte `offset` of `file`, read again a part at a time and
/// checked again against `incoming`'s signed manifest, in writes of about
/// [`PHOTO_WRITE_BYTES`]. Photos stored before a failure are invisible (no record
/// refers to them) and found again by the next try.
pub(crate) async fn put_photo_lines_in<S: Store, F: FileParts + ?Sized>(
    store: &S,
    incoming: &IncomingBundle,
    file: &F,
    offset: u64,
) -> Result<(), CommitError<ImportError>> {
    let held = held_in(store).await;
    let lines = std::cell::RefCell::new(PhotoLines::new(incoming));
    let lines = &lines;
    let batch = std::cell::RefCell::new((Vec::new(), 0usize));
    for_each_line(file, offset, photos::MAX_LINE, |l| {
        let full = match lines.borrow_mut().line(&l) {
            Err(e) => Err(e),
            Ok(Some((hash, bytes))) if !held.contains(&hash) => {
                let mut b = batch.borrow_mut();
                b.1 += bytes.len();
                b.0.push((hash, bytes));
                Ok((b.1 >= PHOTO_WRITE_BYTES).then(|| std::mem::take(&mut *b)))
            }
            Ok(_) => Ok(None),
        };
        async move {
            if let Some((full, _)) = full.map_err(CommitError::Refused)? {
                store.put_photos(&full).await?;
            }
            Ok(())
        }
    })
    .await?;
    lines.borrow().finish().map_err(CommitError::Refused)?;
    let (rest, _) = batch.into_inner();
    if !rest.is_empty() {
        store.put_photos(&rest).await?;
    }
    Ok(())
}

/// What a chosen file turned out to be.
#[derive(Debug)]
pub enum Read {
    /// A bundle, read and checked: [`Intake::preview`] next.
    Bundle,
    /// An encrypted bundle: [`Intake::unlock`] with its passphrase next.
    Encrypted,
    /// A bundle sealed to chosen devices: [`Session::open_sealed`] next.
    Sealed,
    /// A receipt (回执) for bundles this device sent: [`Session::apply_receipt`].
    Receipt(Receipt),
    /// The office's device roster (设备名册): [`Session::apply_roster`].
    Roster(Roster),
}

/// What a preview found.
#[derive(Debug)]
pub enum Previewed {
    /// What the import would do, per record kind, before the user confirms.
    Ready(Box<Preview>),
    /// A full bundle of a campaign this store does not hold, which can open as a
    /// campaign of its own on this device (`app::campaigns::open_bundle`); the
    /// refusal says why it cannot be imported here.
    OtherCampaign { campaign: Campaign, refusal: ImportError },
}

/// A file being imported: its bytes, the passphrase once given, and its checked
/// records once read.
pub struct Intake {
    /// The file's bytes, or for a v3 file read in parts its head line.
    bytes: Vec<u8>,
    passphrase: Option<String>,
    /// The key that opened a sealed bundle.
    sealed_key: Option<DeviceKey>,
    incoming: Option<IncomingBundle>,
    limits: Limits,
    /// A v3 file read in parts: where its photo lines start in the file, and
    /// whether every photo was read and checked ([`Session::check_photos`]).
    photo_lines: Option<PhotoLinesAt>,
    /// A chunked encrypted or sealed file read in parts: where its chunks start and,
    /// once opened, its key. `bytes` is then its head line, and once opened the
    /// content's (for a content held whole, the content).
    chunked: Option<Chunked>,
}

struct Chunked {
    body_at: u64,
    opened: Option<(ChunkKey, Layout)>,
}

#[derive(Clone, Copy, Debug)]
struct PhotoLinesAt {
    offset: u64,
    checked: bool,
}

impl Intake {
    /// The size cap, checked before a file is read at all.
    pub fn check_size(size: usize, limits: &Limits) -> Result<(), ImportError> {
        if size > limits.max_bytes {
            return Err(ImportError::TooLarge { size, max: limits.max_bytes });
        }
        Ok(())
    }

    /// Reads a chosen file: what it is, and for a plain bundle its checked records
    /// (kept for the preview and the confirmation). A file that is none of the
    /// three is refused with what is wrong with it.
    pub fn read(bytes: Vec<u8>, limits: Limits) -> Result<(Intake, Read), ImportError> {
        Self::check_size(bytes.len(), &limits)?;
        let mut intake = Intake { bytes, passphrase: None, sealed_key: None, incoming: None, limits, photo_lines: None, chunked: None };
        match read_bundle(&intake.bytes, None, &intake.limits) {
            Ok(incoming) => {
                intake.incoming = Some(incoming);
                Ok((intake, Read::Bundle))
            }
            Err(ImportError::PassphraseRequired) => Ok((intake, Read::Encrypted)),
            Err(ImportError::SealedKeyNeeded) => Ok((intake, Read::Sealed)),
            // The envelope said "receipt": read it as one (its own checks apply).
            Err(ImportError::ReceiptNotBundle) => {
                let receipt = read_receipt(&intake.bytes, &intake.limits)?;
                Ok((intake, Read::Receipt(receipt)))
            }
            Err(ImportError::RosterNotBundle) => {
                let roster = read_roster(&intake.bytes, &intake.limits)?;
                Ok((intake, Read::Roster(roster)))
            }
            Err(e) => Err(e),
        }
    }

    /// Opens a chosen file through [`FileParts`]: a file carrying photos (v3) larger
    /// than one part has only its head line read now (the records, checked); its
    /// photo lines stay in the file, read one photo at a time later. Any other file
    /// is read whole, as [`Intake::read`] does.
    pub async fn open<F: FileParts + ?Sized>(file: &F, limits: Limits) -> Result<(Intake, Read), ImportError> {
        let size = file.size();
        if size > limits.max_file_bytes() {
            return Err(ImportError::TooLarge { size: size.min(usize::MAX as u64) as usize, max: limits.max_file_bytes().min(usize::MAX as u64) as usize });
        }
        if size > file.part_bytes() {
            let mut split = LineSplitter::new(limits.max_bytes);
            let mut at = 0;
            let mut first = None;
            while at < size && first.is_none() {
                let end = (at + file.part_bytes().max(1)).min(size);
                let part = file.read_range(at, end).await?;
                let newline = part.iter().position(|b| *b == b'\n');
                let take = newline.map_or(part.len(), |n| n + 1);
                split.push(
                    &part[..take],
                    |l| {
                        first = Some(l);
                        Ok(())
                    },
                    |n| ImportError::TooLarge { size: n, max: limits.max_bytes },
                )?;
                at += take as u64;
            }
            match first {
                Some(line) if photos::is_head_line(&line) => {
                    drop(split);
                    let incoming = crate::core::bundle::import::read_head(line.clone(), &limits)?;
                    let photo_lines = Some(PhotoLinesAt { offset: at, checked: false });
                    let intake = Intake { bytes: line, passphrase: None, sealed_key: None, incoming: Some(incoming), limits, photo_lines, chunked: None };
                    return Ok((intake, Read::Bundle));
                }
                // A chunked encrypted or sealed file: its content waits for the key.
                Some(line) if stream::is_head_line(&line) => {
                    let read = match crate::core::bundle::import::chunked_kind(&line)? {
                        FileKind::SealedBundle => Read::Sealed,
                        _ => Read::Encrypted,
                    };
                    let chunked = Some(Chunked { body_at: at, opened: None });
                    return Ok((Intake { bytes: line, passphrase: None, sealed_key: None, incoming: None, limits, photo_lines: None, chunked }, read));
                }
                // One line (every v1/v2 file as exported): already read whole.
                None => return Self::read(split.finish().unwrap_or_default(), limits),
                // Lines, but not a v3 head (a file re-indented by hand): read whole.
                Some(_) => drop(split),
            }
        }
        let bytes = file.read_range(0, size).await?;
        Self::read(bytes, limits)
    }

    /// Reads a chunked file's content once its key is known: the content is opened
    /// through [`Decrypted`] as any file is ([`Intake::open`]), and must be a plain
    /// bundle; this intake then reads it as its own.
    async fn open_chunks<F: FileParts + ?Sized>(&mut self, file: &F, key: ChunkKey) -> Result<(), ImportError> {
        let Some(body_at) = self.chunked.as_ref().map(|c| c.body_at) else { return Ok(()) };
        let size = file.size();
        let tail = file.read_range(size.saturating_sub(Layout::TAIL_BYTES), size).await?;
        let layout = Layout::of(body_at, size, key.chunk_bytes(), &tail)?;
        let content = Decrypted { file, key: key.clone(), layout, last: Default::default() };
        let (inner, read) = Intake::open(&content, self.limits.clone()).await?;
        drop(content);
        if !matches!(read, Read::Bundle) {
            return Err(ImportError::Schema { reason: "the encrypted content is not a plain bundle".into() });
        }
        self.bytes = inner.bytes;
        self.incoming = inner.incoming;
        self.photo_lines = inner.photo_lines;
        self.chunked = Some(Chunked { body_at, opened: Some((key, layout)) });
        Ok(())
    }

    /// What this intake reads its file's content through (`file` is the file it was
    /// opened from).
    pub(crate) fn content<'a, F: FileParts + ?Sized>(&self, file: &'a F) -> Content<'a, F> {
        match self.chunked.as_ref().and_then(|c| c.opened.as_ref()) {
            Some((key, layout)) => Content::Decrypted(Decrypted { file, key: key.clone(), layout: *layout, last: Default::default() }),
            None => Content::Plain(file),
        }
    }

    /// [`Intake::unlock`] for a file opened in parts ([`Intake::open`] of `file`): a
    /// chunked one is checked through its content, a chunk at a time. A wrong
    /// passphrase keeps the file.
    pub async fn unlock_file<F: FileParts + ?Sized>(&mut self, file: &F, passphrase: &str) -> Result<(), ImportError> {
        match &self.chunked {
            Some(Chunked { opened: None, .. }) => {
                let key = crypto::chunk_key(&self.bytes, passphrase, &self.limits)?;
                self.open_chunks(file, key).await
            }
            _ => self.unlock(passphrase),
        }
    }

    /// The photos the file carries (its signed manifest), once it is read.
    pub fn photos(&self) -> &[WirePhotoEntry] {
        self.incoming.as_ref().map_or(&[], |i| i.photos.as_slice())
    }

    /// Decrypts and checks an encrypted bundle. A wrong passphrase keeps the file
    /// (the user may try again); any other refusal means the file cannot be used.
    pub fn unlock(&mut self, passphrase: &str) -> Result<(), ImportError> {
        if self.chunked.is_some() {
            return Err(ImportError::Schema { reason: "a file read in parts is opened with its file".into() });
        }
        let incoming = read_bundle(&self.bytes, Some(passphrase), &self.limits)?;
        self.passphrase = Some(passphrase.to_owned());
        self.incoming = Some(incoming);
        Ok(())
    }

    /// Opens a bundle sealed to this device with its key, and checks it.
    pub fn open_sealed(&mut self, key: &DeviceKey) -> Result<(), ImportError> {
        if self.chunked.is_some() {
            return Err(ImportError::Schema { reason: "a file read in parts is opened with its file".into() });
        }
        let incoming = read_sealed_bundle(&self.bytes, key, &self.limits)?;
        self.sealed_key = Some(key.clone());
        self.incoming = Some(incoming);
        Ok(())
    }

    /// Whether the records are read and checked (a plain bundle, or unlocked).
    pub fn is_checked(&self) -> bool {
        self.incoming.is_some()
    }

    /// What importing would change, against the replica as it is now (counts only:
    /// nothing is staged; the confirmation merges again).
    pub fn preview<W: Workspace>(&mut self, ws: &W, now_ms: u64) -> Result<Previewed, CommitError<ImportError>> {
        let ledger = ws.sync_ledger();
        let incoming = self.checked().map_err(CommitError::Refused)?;
        match ws.with_replica(|r| preview_counts(incoming, r, &ledger, now_ms)) {
            None => Err(CommitError::NotLoaded),
            Some(Ok(pv)) => Ok(Previewed::Ready(Box::new(pv))),
            Some(Err(e @ ImportError::WrongCampaign { .. })) => match crate::core::campaigns::bundle_campaign(incoming) {
                Some(campaign) => Ok(Previewed::OtherCampaign { campaign, refusal: e }),
                None => Err(CommitError::Refused(e)),
            },
            Some(Err(e)) => Err(CommitError::Refused(e)),
        }
    }

    /// The checked records, reading the file again if they were taken by a
    /// confirmation that then failed.
    fn checked(&mut self) -> Result<&IncomingBundle, ImportError> {
        let incoming = self.take()?;
        Ok(self.incoming.insert(incoming))
    }

    /// Where a v3 file read in parts has its photo lines (they are read again from
    /// the file when its photos are stored), or `None` for a file held whole.
    pub(crate) fn photo_lines_offset(&self) -> Option<u64> {
        self.photo_lines.map(|a| a.offset)
    }

    /// Takes the checked records out (moved, not copied: a 50 MB file's records are
    /// not held twice), reading the file if they are not in.
    pub fn take(&mut self) -> Result<IncomingBundle, ImportError> {
        match self.incoming.take() {
            Some(i) => Ok(i),
            None if self.photo_lines.is_some() => crate::core::bundle::import::read_head(self.bytes.clone(), &self.limits),
            None => match &self.sealed_key {
                Some(k) => read_sealed_bundle(&self.bytes, k, &self.limits),
                None => read_bundle(&self.bytes, self.passphrase.as_deref(), &self.limits),
            },
        }
    }
}

/// What taking a roster would do, against the ledger as it is now (nothing is
/// written; [`Session::apply_roster`] checks again under the turn).
pub fn preview_roster<W: Workspace>(ws: &W, roster: &Roster) -> Result<RosterOutcome, CommitError<ImportError>> {
    let ledger = ws.sync_ledger();
    match ws.with_replica(|r| apply_roster(roster, r, &ledger)) {
        None => Err(CommitError::NotLoaded),
        Some(r) => r.map_err(CommitError::Refused),
    }
}

/// What an import did, for the confirmation message and the receipt.
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    pub totals: KindCounts,
    pub source_device: DeviceId,
    pub squad_name: String,
    pub seq: u64,
    pub signer: Signer,
}

/// An export written: the bundle as the core made it, and the bytes to hand over
/// (encrypted when a passphrase was given, sealed when recipients were).
pub struct Exported {
    pub file: crate::core::bundle::ExportedFile,
    /// The file, or for a file carrying photos its beginning: the file goes on with
    /// the lines of `pending_photos` ([`Session::write_rest`]).
    pub bytes: Vec<u8>,
    /// Photos still to write after `bytes`, one line each, read from the store one
    /// at a time (empty when `bytes` is the whole file: no photos).
    pub pending_photos: Vec<WirePhotoEntry>,
    /// For an encrypted or sealed file carrying photos (chunked,
    /// `core::bundle::stream`): what encrypts the rest as it is written.
    writer: Option<ChunkWriter>,
}

impl Exported {
    /// A file whose head is `bytes`, plain or (`writer`) chunked.
    fn new(file: crate::core::bundle::ExportedFile, bytes: Vec<u8>, pending_photos: Vec<WirePhotoEntry>) -> Exported {
        Exported { file, bytes, pending_photos, writer: None }
    }

    /// This plain export encrypted: whole (version 1) when it is all in `bytes`, in
    /// chunks (version 2) when photo lines follow; `start` gives the chunked head
    /// line and its writer.
    fn encrypted(
        mut self,
        whole: impl FnOnce(&[u8]) -> Result<Vec<u8>, ExportError>,
        start: impl FnOnce() -> Result<(Vec<u8>, ChunkWriter), ExportError>,
    ) -> Result<Exported, ExportError> {
        if self.pending_photos.is_empty() {
            self.bytes = whole(&self.bytes)?;
            return Ok(self);
        }
        let (mut head, mut writer) = start()?;
        head.extend(writer.push(&self.bytes)?);
        self.bytes = head;
        self.writer = Some(writer);
        Ok(self)
    }
}

/// How an export treats photos.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhotoExport {
    /// The bytes of the bundle's photos this device holds go in (a v3 file).
    WithPhotos,
    /// Records only (仅记录): a quick exchange; recipients show 照片待补传.
    RecordsOnly,
}

impl<S: Store, P: Platform> Session<S, P> {
    /// Imports the intake's bundle: merged again under the lock, against the
    /// replica as it is now, and committed with the sync ledger in one write.
    pub async fn import<W: Workspace>(&self, ws: &W, intake: &mut Intake) -> Result<Imported, CommitError<ImportError>> {
        let mut incoming = intake.take().map_err(CommitError::Refused)?;
        if !incoming.photo_bytes.is_empty() {
            // A file held whole (small, or decrypted): its photos, checked when it
            // was read, stored before the records.
            let bytes = std::mem::take(&mut incoming.photo_bytes);
            self.put_new_photos(ws, incoming.photos.iter().map(|e| e.sha256.clone()).zip(bytes)).await?;
        }
        self.save_with_ledger(ws, move |c, ledger| {
            let pv = merge_preview(incoming, c.replica, ledger, c.now_ms)?;
            let out = Imported {
                totals: pv.totals(),
                source_device: pv.source_device.clone(),
                squad_name: pv.squad_name.clone(),
                seq: pv.seq,
                signer: pv.signer.clone(),
            };
            Ok(LedgerChange { change: pv.change, ledger: pv.ledger, out })
        })
        .await
    }

    /// Applies a receipt: the ledger learns which of this device's bundles the
    /// other side holds. No record changes.
    pub async fn apply_receipt<W: Workspace>(&self, ws: &W, receipt: &Receipt) -> Result<ReceiptOutcome, CommitError<ImportError>> {
        self.save_with_ledger(ws, |c, ledger| {
            let out = apply_receipt(receipt, c.replica, ledger)?;
            Ok(LedgerChange::ledger_only(c.replica, out.ledger.clone(), out))
        })
        .await
    }

    /// Writes a bundle (and its place in the ledger, stored before the file is
    /// handed over: a file that exists is always in the ledger, so sequence numbers
    /// are never reused). With a passphrase the bytes are encrypted. Restricted
    /// records (暗访督战) are left out whatever `req` says, and counted.
    pub async fn export<W: Workspace>(&self, ws: &W, req: &ExportRequest, passphrase: Option<&str>) -> Result<Exported, CommitError<ExportError>> {
        self.export_as(ws, req, passphrase, PhotoExport::WithPhotos).await
    }

    /// [`Session::export`], with photos or records only. Photos are the bytes this
    /// device holds of the bundle's live photo records; a plain file leaves them
    /// in `pending_photos` for [`Session::photo_parts`], an encrypted one holds them.
    pub async fn export_as<W: Workspace>(
        &self,
        ws: &W,
        req: &ExportRequest,
        passphrase: Option<&str>,
        photos: PhotoExport,
    ) -> Result<Exported, CommitError<ExportError>> {
        let req = &ExportRequest { carry_restricted: false, ..req.clone() };
        let held = self.held_photos(photos).await?;
        let params = passphrase.map(|p| EncryptParams {
            passphrase: p,
            salt: self.platform().random_bytes(),
            nonce: self.platform().random_bytes(),
            iterations: crate::core::bundle::limits::MIN_ITERATIONS,
        });
        let exported = self
            .save_signed(ws, |c, ledger, key| {
                let file = export_carrying(c.replica, ledger, req, Some(key), &held)?;
                let (bytes, pending_photos) = (file.bytes.clone(), file.photos.clone());
                Ok(LedgerChange::ledger_only(c.replica, file.ledger.clone(), Exported::new(file, bytes, pending_photos)))
            })
            .await?;
        match &params {
            None => Ok(exported),
            Some(p) => exported.encrypted(|whole| crypto::encrypt(whole, p), || crypto::encrypt_chunked(p, stream::CHUNK_BYTES)).map_err(CommitError::Refused),
        }
    }

    /// What this device holds of the photo store, as address → length (empty for
    /// records only).
    async fn held_photos(&self, photos: PhotoExport) -> Result<BTreeMap<String, u32>, CommitError<ExportError>> {
        match photos {
            PhotoExport::RecordsOnly => Ok(BTreeMap::new()),
            // A store that cannot keep photos holds none.
            PhotoExport::WithPhotos => Ok(self.store().photo_index().await.unwrap_or_default().into_iter().collect()),
        }
    }

    /// Writes the rest of an export after its `bytes`: its photo lines, one photo
    /// read from the store at a time, encrypted as they go for a chunked file.
    /// `each` gets every part in order (the last closes the file).
    pub async fn write_rest(&self, done: &mut Exported, mut each: impl FnMut(Vec<u8>)) -> Result<(), CommitError<ExportError>> {
        let Some(mut writer) = done.writer.take() else { return self.photo_parts(&done.pending_photos, each).await };
        let mut failed = None;
        self.photo_parts(&done.pending_photos, |part| match writer.push(&part) {
            Ok(lines) if !lines.is_empty() => each(lines),
            Ok(_) => {}
            Err(e) => {
                failed.get_or_insert(e);
            }
        })
        .await?;
        if let Some(e) = failed {
            return Err(CommitError::Refused(e));
        }
        each(writer.finish().map_err(CommitError::Refused)?);
        Ok(())
    }

    /// Writes the photo lines of a plain export after its head, one photo read from
    /// the store at a time: `each` gets every part in order (the last closes the file).
    async fn photo_parts(&self, pending: &[WirePhotoEntry], mut each: impl FnMut(Vec<u8>)) -> Result<(), CommitError<ExportError>> {
        for (i, entry) in pending.iter().enumerate() {
            let bytes = self.store().photo(&entry.sha256).await.map_err(CommitError::Store)?;
            let bytes = bytes.ok_or_else(|| CommitError::Refused(ExportError::PhotoChanged { sha256: entry.sha256.clone() }))?;
            each(photos::photo_line(entry, &bytes, i + 1 == pending.len()).map_err(CommitError::Refused)?);
        }
        if !pending.is_empty() {
            each(photos::close_line());
        }
        Ok(())
    }

    /// Reads and checks every photo line of a file opened in parts, before its
    /// preview is shown (`progress` gets photos read and their total), and counts
    /// what its photos would do here. A file with one bad photo is refused whole,
    /// naming the record it backs; nothing is written.
    pub async fn check_photos<F: FileParts + ?Sized>(
        &self,
        intake: &mut Intake,
        file: &F,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<PhotoCounts, CommitError<ImportError>> {
        if let Some(at) = intake.photo_lines.filter(|a| !a.checked) {
            let content = intake.content(file);
            let incoming = intake.checked().map_err(CommitError::Refused)?;
            let total = incoming.photos.len();
            let mut lines = PhotoLines::new(incoming);
            for_each_line(&content, at.offset, photos::MAX_LINE, |l| {
                let r = lines.line(&l).map(|_| ());
                if r.is_ok() {
                    progress(lines.read(), total);
                }
                std::future::ready(r.map_err(CommitError::Refused))
            })
            .await?;
            lines.finish().map_err(CommitError::Refused)?;
            intake.photo_lines = Some(PhotoLinesAt { checked: true, ..at });
        }
        let held = held_in(self.store()).await;
        let incoming = intake.checked().map_err(CommitError::Refused)?;
        Ok(photos::counts(incoming, |h| held.contains(h)))
    }

    /// Stores the photos of `photos` this device does not hold yet
    /// ([`put_new_photos_in`]); a refusal or a full disk is shown as the save status.
    pub(crate) async fn put_new_photos<W: Workspace>(
        &self,
        ws: &W,
        photos: impl IntoIterator<Item = (String, Vec<u8>)>,
    ) -> Result<(), CommitError<ImportError>> {
        put_new_photos_in(self.store(), photos).await.map_err(|e| {
            ws.set_status(crate::app::SaveStatus::Failed(e.clone()));
            CommitError::Store(e)
        })
    }

    /// Imports a file opened with [`Intake::open`]: every photo it carries that is
    /// not here is stored by address first (read again from `file`, checked again,
    /// a part at a time), then the records in the one import commit. Photos stored
    /// before a failure are invisible (no record refers to them) and found again by
    /// the next try.
    pub async fn import_file<W: Workspace, F: FileParts + ?Sized>(&self, ws: &W, intake: &mut Intake, file: &F) -> Result<Imported, CommitError<ImportError>> {
        if let Some(at) = intake.photo_lines {
            if !at.checked {
                self.check_photos(intake, file, |_, _| {}).await?;
            }
            let content = intake.content(file);
            let incoming = intake.checked().map_err(CommitError::Refused)?;
            put_photo_lines_in(self.store(), incoming, &content, at.offset).await.inspect_err(|e| {
                if let CommitError::Store(s) = e {
                    ws.set_status(crate::app::SaveStatus::Failed(s.clone()));
                }
            })?;
        }
        self.import(ws, intake).await
    }

    /// Writes a bundle sealed to `recipients` (devices whose keys this device holds,
    /// or this device itself): only they can open it; the signature is inside. It
    /// carries the restricted records (暗访督战) when every recipient is a 督查室
    /// device ([`restricted::may_carry`]), and leaves them out otherwise, whatever
    /// `req` says. With photos (a chunked file) or records only, as [`Session::export_as`].
    pub async fn export_sealed<W: Workspace>(
        &self,
        ws: &W,
        req: &ExportRequest,
        recipients: &[DeviceId],
        photos: PhotoExport,
    ) -> Result<Exported, CommitError<ExportError>> {
        let p = self.platform();
        let params = SealParams { file_key: p.random_bytes(), nonce: p.random_bytes(), ephemerals: recipients.iter().map(|_| p.random_bytes()).collect() };
        let held = self.held_photos(photos).await?;
        let (exported, to) = self
            .save_signed(ws, |c, ledger, key| {
                let to = recipients
                    .iter()
                    .map(|d| {
                        let k = if d == c.replica.device() { Some(key.public()) } else { ledger.key_of(d) };
                        k.map(|key| Recipient { device: d.clone(), key }).ok_or_else(|| ExportError::RecipientKey { device: d.0.clone() })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let req = ExportRequest { carry_restricted: restricted::may_carry(ledger, c.replica.device(), recipients), ..req.clone() };
                let file = export_carrying(c.replica, ledger, &req, Some(key), &held)?;
                let (bytes, pending_photos) = (file.bytes.clone(), file.photos.clone());
                Ok(LedgerChange::ledger_only(c.replica, file.ledger.clone(), (Exported::new(file, bytes, pending_photos), to)))
            })
            .await?;
        exported.encrypted(|whole| seal::seal(whole, &to, &params), || seal::seal_chunked(&to, &params, stream::CHUNK_BYTES)).map_err(CommitError::Refused)
    }

    /// Opens a bundle sealed to this device (the intake of [`Read::Sealed`]) with the
    /// stored key; a device with no key yet cannot be a recipient.
    pub async fn open_sealed(&self, intake: &mut Intake) -> Result<(), CommitError<ImportError>> {
        let key = self.sealed_key(intake).await?;
        intake.open_sealed(&key).map_err(CommitError::Refused)
    }

    /// [`Session::open_sealed`] for a file opened in parts ([`Intake::open`] of
    /// `file`): a chunked one is checked through its content, a chunk at a time.
    pub async fn open_sealed_file<F: FileParts + ?Sized>(&self, intake: &mut Intake, file: &F) -> Result<(), CommitError<ImportError>> {
        let key = self.sealed_key(intake).await?;
        match &intake.chunked {
            Some(Chunked { opened: None, .. }) => {
                let chunk_key = seal::chunk_key(&intake.bytes, &key).map_err(CommitError::Refused)?;
                intake.open_chunks(file, chunk_key).await.map_err(CommitError::Refused)
            }
            _ => intake.open_sealed(&key).map_err(CommitError::Refused),
        }
    }

    /// This device's key, to open a sealed file with; a device with no key yet
    /// cannot be among its recipients.
    async fn sealed_key(&self, intake: &Intake) -> Result<DeviceKey, CommitError<ImportError>> {
        let raw = self.store().meta(META_DEVICE_KEY).await.map_err(CommitError::Store)?;
        let key = match raw.as_deref().map(DeviceKey::from_meta) {
            Some(Ok(k)) => k,
            Some(Err(e)) => return Err(CommitError::Store(StoreError::Corrupt(format!("device key: {e}")))),
            None => {
                let text = String::from_utf8_lossy(&intake.bytes);
                let recipients = seal::recipients_of(&text).map_err(CommitError::Refused)?.join("、");
                return Err(CommitError::Refused(ImportError::NotARecipient { recipients }));
            }
        };
        Ok(key)
    }

    /// A receipt for what this device holds of `for_device`'s bundles (`None`:
    /// every device's: one receipt for a whole batch). The ledger notes, per device,
    /// the receipt and the greatest sequence number it acknowledges (the 同步情况
    /// board's 回执), stored before the file is handed over; no record changes.
    pub async fn make_receipt<W: Workspace>(&self, ws: &W, for_device: Option<DeviceId>) -> Result<ReceiptFile, CommitError<ExportError>> {
        let squad_name = ws.device().map(|d| d.squad_name).unwrap_or_default();
        let p = self.platform();
        let req = ReceiptRequest { for_device, squad_name, created_ms: p.now_ms(), date: p.today(), receipt_id: p.random_bytes() };
        // The photos this device's records refer to and it lacks: senders holding
        // them carry them in their next delta to it.
        let held = self.store().photo_index().await;
        self.save_signed(ws, |c, ledger, key| {
            let wanted = match &held {
                Ok(held) => crate::core::fieldwork::photo::missing(c.replica, held),
                // A store that cannot keep photos asks for none.
                Err(_) => Vec::new(),
            };
            let file = make_receipt_wanting(c.replica, ledger, &req, Some(key), &wanted)?;
            let mut ledger = ledger.clone();
            ledger.record_receipt_sent(req.created_ms, &file.through);
            Ok(LedgerChange::ledger_only(c.replica, ledger, file))
        })
        .await
    }

    /// A save that signs (an export, a receipt) with this device's key pair (设备密钥),
    /// read from the store under the turn, or made from fresh randomness and stored
    /// in the same commit when the device has none yet (its first export, receipt or
    /// look at its fingerprint), with its public half in the ledger. Read under the
    /// turn, so two tabs never make two keys.
    pub async fn save_signed<W: Workspace, T, E>(
        &self,
        ws: &W,
        stage: impl FnOnce(&Stage, &SyncLedger, &DeviceKey) -> Result<LedgerChange<T>, E>,
    ) -> Result<T, CommitError<E>> {
        let began = self.begin(ws).await?;
        let failed = |e: StoreError| {
            ws.set_status(crate::app::SaveStatus::Failed(e.clone()));
            CommitError::Store(e)
        };
        let stored = self.store().meta(META_DEVICE_KEY).await.map_err(failed)?;
        let (key, meta) = match stored.as_deref().filter(|s| !s.is_empty()) {
            Some(raw) => (DeviceKey::from_meta(raw).map_err(|e| failed(StoreError::Corrupt(format!("device key: {e}"))))?, Vec::new()),
            None => {
                let key = DeviceKey::from_seed(self.platform().random_bytes(), self.platform().now_ms());
                let raw = key.to_meta();
                (key, vec![(META_DEVICE_KEY.to_owned(), raw)])
            }
        };
        let own = key.public().to_base64();
        self.commit_staged(ws, &began, meta, |c, ledger| {
            let mut ledger = ledger.whole().clone();
            ledger.own_key = Some(own.clone());
            stage(c, &ledger, &key).map(|mut s| {
                s.ledger.own_key = Some(own);
                (s.change, Some(StoredLedger::new(s.ledger)), s.out)
            })
        })
        .await
    }

    /// This device's public key (its fingerprint is shown in settings), making the
    /// key pair if the device has none yet.
    pub async fn device_key<W: Workspace>(&self, ws: &W) -> Result<PublicKey, CommitError<ExportError>> {
        if let Ok(Some(raw)) = self.store().meta(META_DEVICE_KEY).await {
            if let Ok(key) = DeviceKey::from_meta(&raw) {
                return Ok(key.public());
            }
        }
        self.save_signed(ws, |c, ledger, key| Ok(LedgerChange::ledger_only(c.replica, ledger.clone(), key.public()))).await
    }

    /// Takes the office's device roster: keys, roles and revocations into the ledger
    /// (no record changes), or refuses it whole.
    pub async fn apply_roster<W: Workspace>(&self, ws: &W, roster: &Roster) -> Result<RosterOutcome, CommitError<ImportError>> {
        self.save_with_ledger(ws, |c, ledger| {
            let out = apply_roster(roster, c.replica, ledger)?;
            Ok(LedgerChange::ledger_only(c.replica, out.ledger.clone(), out))
        })
        .await
    }

    /// The device roster of this device (as the prefecture office) and every device
    /// whose key it holds, signed.
    pub async fn make_roster<W: Workspace>(&self, ws: &W) -> Result<RosterFile, CommitError<ExportError>> {
        let squad_name = ws.device().map(|d| d.squad_name).unwrap_or_default();
        let p = self.platform();
        let req = RosterRequest { squad_name, created_ms: p.now_ms(), date: p.today(), roster_id: p.random_bytes() };
        self.save_signed(ws, |c, ledger, key| {
            let file = make_roster(c.replica, ledger, &req, DeviceRole::Office, key)?;
            Ok(LedgerChange::ledger_only(c.replica, ledger.clone(), file))
        })
        .await
    }

    /// Revokes another device's key from now (挂失: a lost tablet): files it made
    /// after now are refused here, and the next roster carries the revocation.
    pub async fn revoke_device<W: Workspace>(&self, ws: &W, device: &DeviceId) -> Result<(), CommitError<UserError>> {
        self.save_with_ledger(ws, |c, ledger| {
            let mut ledger = ledger.clone();
            ledger.revoke(device, c.now_ms);
            Ok(LedgerChange::ledger_only(c.replica, ledger, ()))
        })
        .await
    }

    /// Says what another device is (小分队, 县级, 州扶贫办, 督查室), for the 同步情况
    /// board; `None` clears it. Only the ledger changes.
    pub async fn set_device_role<W: Workspace>(&self, ws: &W, device: &DeviceId, role: Option<DeviceRole>) -> Result<(), CommitError<UserError>> {
        self.save_with_ledger(ws, |c, ledger| {
            let mut ledger = ledger.clone();
            ledger.set_role(device, role);
            Ok(LedgerChange::ledger_only(c.replica, ledger, ()))
        })
        .await
    }
}
