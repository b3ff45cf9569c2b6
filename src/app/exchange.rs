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

use super::commit::{CommitError, LedgerChange, Session, UserError};
use super::{Platform, Workspace};
use crate::core::bundle::crypto::{self, EncryptParams};
use crate::core::bundle::import::{preview as merge_preview, preview_counts, read_bundle, read_sealed_bundle};
use crate::core::bundle::ledger::DeviceRole;
use crate::core::bundle::receipt::{apply_receipt, make_receipt_signed, read_receipt, Receipt, ReceiptFile, ReceiptOutcome, ReceiptRequest};
use crate::core::bundle::restricted;
use crate::core::bundle::roster::{apply_roster, make_roster, read_roster, Roster, RosterFile, RosterOutcome, RosterRequest};
use crate::core::bundle::seal::{self, Recipient, SealParams};
use crate::core::bundle::sign::{DeviceKey, PublicKey, Signer, META_DEVICE_KEY};
use crate::core::bundle::{
    export::export_signed, ExportError, ExportRequest, ImportError, IncomingBundle, KindCounts, Limits, Preview, StoredLedger, SyncLedger,
};
use crate::core::clock::DeviceId;
use crate::core::model::Campaign;
use crate::core::read_model::Stage;
use crate::storage::Store;
use crate::storage::StoreError;

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
    bytes: Vec<u8>,
    passphrase: Option<String>,
    /// The key that opened a sealed bundle.
    sealed_key: Option<DeviceKey>,
    incoming: Option<IncomingBundle>,
    limits: Limits,
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
        let mut intake = Intake { bytes, passphrase: None, sealed_key: None, incoming: None, limits };
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

    /// Decrypts and checks an encrypted bundle. A wrong passphrase keeps the file
    /// (the user may try again); any other refusal means the file cannot be used.
    pub fn unlock(&mut self, passphrase: &str) -> Result<(), ImportError> {
        let incoming = read_bundle(&self.bytes, Some(passphrase), &self.limits)?;
        self.passphrase = Some(passphrase.to_owned());
        self.incoming = Some(incoming);
        Ok(())
    }

    /// Opens a bundle sealed to this device with its key, and checks it.
    pub fn open_sealed(&mut self, key: &DeviceKey) -> Result<(), ImportError> {
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

    /// Takes the checked records out (moved, not copied: a 50 MB file's records are
    /// not held twice), reading the file if they are not in.
    pub fn take(&mut self) -> Result<IncomingBundle, ImportError> {
        match self.incoming.take() {
            Some(i) => Ok(i),
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
/// (encrypted when a passphrase was given).
pub struct Exported {
    pub file: crate::core::bundle::ExportedFile,
    pub bytes: Vec<u8>,
}

impl<S: Store, P: Platform> Session<S, P> {
    /// Imports the intake's bundle: merged again under the lock, against the
    /// replica as it is now, and committed with the sync ledger in one write.
    pub async fn import<W: Workspace>(&self, ws: &W, intake: &mut Intake) -> Result<Imported, CommitError<ImportError>> {
        let incoming = intake.take().map_err(CommitError::Refused)?;
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
        let req = &ExportRequest { carry_restricted: false, ..req.clone() };
        let params = passphrase.map(|p| EncryptParams {
            passphrase: p,
            salt: self.platform().random_bytes(),
            nonce: self.platform().random_bytes(),
            iterations: crate::core::bundle::limits::MIN_ITERATIONS,
        });
        self.save_signed(ws, |c, ledger, key| {
            let file = export_signed(c.replica, ledger, req, Some(key))?;
            let bytes = match &params {
                None => file.bytes.clone(),
                Some(p) => crypto::encrypt(&file.bytes, p)?,
            };
            Ok(LedgerChange::ledger_only(c.replica, file.ledger.clone(), Exported { file, bytes }))
        })
        .await
    }

    /// Writes a bundle sealed to `recipients` (devices whose keys this device holds,
    /// or this device itself): only they can open it; the signature is inside. It
    /// carries the restricted records (暗访督战) when every recipient is a 督查室
    /// device ([`restricted::may_carry`]), and leaves them out otherwise, whatever
    /// `req` says.
    pub async fn export_sealed<W: Workspace>(&self, ws: &W, req: &ExportRequest, recipients: &[DeviceId]) -> Result<Exported, CommitError<ExportError>> {
        let p = self.platform();
        let params = SealParams { file_key: p.random_bytes(), nonce: p.random_bytes(), ephemerals: recipients.iter().map(|_| p.random_bytes()).collect() };
        self.save_signed(ws, |c, ledger, key| {
            let to = recipients
                .iter()
                .map(|d| {
                    let k = if d == c.replica.device() { Some(key.public()) } else { ledger.key_of(d) };
                    k.map(|key| Recipient { device: d.clone(), key }).ok_or_else(|| ExportError::RecipientKey { device: d.0.clone() })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let req = ExportRequest { carry_restricted: restricted::may_carry(ledger, c.replica.device(), recipients), ..req.clone() };
            let file = export_signed(c.replica, ledger, &req, Some(key))?;
            let bytes = seal::seal(&file.bytes, &to, &params)?;
            Ok(LedgerChange::ledger_only(c.replica, file.ledger.clone(), Exported { file, bytes }))
        })
        .await
    }

    /// Opens a bundle sealed to this device (the intake of [`Read::Sealed`]) with the
    /// stored key; a device with no key yet cannot be a recipient.
    pub async fn open_sealed(&self, intake: &mut Intake) -> Result<(), CommitError<ImportError>> {
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
        intake.open_sealed(&key).map_err(CommitError::Refused)
    }

    /// A receipt for what this device holds of `for_device`'s bundles (`None`:
    /// every device's: one receipt for a whole batch). The ledger notes, per device,
    /// the receipt and the greatest sequence number it acknowledges (the 同步情况
    /// board's 回执), stored before the file is handed over; no record changes.
    pub async fn make_receipt<W: Workspace>(&self, ws: &W, for_device: Option<DeviceId>) -> Result<ReceiptFile, CommitError<ExportError>> {
        let squad_name = ws.device().map(|d| d.squad_name).unwrap_or_default();
        let p = self.platform();
        let req = ReceiptRequest { for_device, squad_name, created_ms: p.now_ms(), date: p.today(), receipt_id: p.random_bytes() };
        self.save_signed(ws, |c, ledger, key| {
            let file = make_receipt_signed(c.replica, ledger, &req, Some(key))?;
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
