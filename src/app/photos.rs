//! Photo evidence (照片取证) as use cases: attaching photos to a record, and
//! freeing the bytes no record refers to any more.
//!
//! Attaching writes the bytes first (their own durable write, by address) and the
//! records after, in the save's usual commit: bytes without a record are
//! invisible and idempotent (the next attach of the same image finds them), a
//! record is never stored before its bytes. Both are checked before anything is
//! written ([`photo::stage_attach`]).

use super::commit::{CommitError, Session};
use super::{Platform, Workspace};
use crate::core::fieldwork::photo::{self, Attach, PhotoError};
use crate::storage::{Store, StoreError};

/// What the photo store holds ([`Session::photo_storage`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PhotoStorage {
    pub count: usize,
    pub bytes: u64,
    /// Held, but no live photo record refers to them (removed photos): freeable.
    pub unreferenced: usize,
    /// Referred to by live photo records, but not held here (照片待补传).
    pub missing: usize,
}

impl<S: Store, P: Platform> Session<S, P> {
    /// Attaches `a`'s photos: checked against the records as they are, bytes
    /// stored, then the photo records saved. Returns the photo records' ids.
    /// A refusal or a failed write (a full disk) leaves the records as they were;
    /// the caller keeps what the user typed.
    pub async fn attach_photos<W: Workspace>(&self, ws: &W, a: &Attach) -> Result<Vec<String>, CommitError<PhotoError>> {
        let squad = ws.device().map(|d| d.squad_name).unwrap_or_default();
        let now = self.platform().now_ms();
        let today = self.platform().today();
        let (_, bytes) = ws
            .with_stage(today, now, |c| photo::stage_attach(c.replica, c.field, a, now, &squad))
            .ok_or(CommitError::NotLoaded)?
            .map_err(CommitError::Refused)?;
        if let Err(e) = self.store().put_photos(&bytes).await {
            ws.set_status(super::SaveStatus::Failed(e.clone()));
            return Err(CommitError::Store(e));
        }
        let ids = std::cell::RefCell::new(Vec::new());
        self.save(ws, |c| {
            let (change, _) = photo::stage_attach(c.replica, c.field, a, c.now_ms, &squad)?;
            *ids.borrow_mut() = change.docs.iter().map(|d| d.id.clone()).collect();
            Ok(change)
        })
        .await?;
        Ok(ids.into_inner())
    }

    /// What the photo store holds, for settings: photos and their bytes, those no
    /// live record refers to (freeable), and photos records refer to that are not
    /// here (照片待补传). Counts from the store's index and the records; no photo is
    /// read.
    pub async fn photo_storage<W: Workspace>(&self, ws: &W) -> Result<PhotoStorage, StoreError> {
        let held = self.store().photo_index().await?;
        let bytes = held.iter().map(|(_, n)| u64::from(*n)).sum();
        let (unreferenced, missing) = ws.with_replica(|r| (photo::unreferenced(r, &held).len(), photo::missing(r, &held).len())).unwrap_or_default();
        Ok(PhotoStorage { count: held.len(), bytes, unreferenced, missing })
    }

    /// Removes the stored photos no live photo record refers to; returns how many
    /// and their bytes.
    pub async fn free_unreferenced_photos<W: Workspace>(&self, ws: &W) -> Result<(usize, u64), StoreError> {
        let held = self.store().photo_index().await?;
        let gone: Vec<String> = ws.with_replica(|r| photo::unreferenced(r, &held).into_iter().map(str::to_owned).collect()).unwrap_or_default();
        let bytes = held.iter().filter(|(h, _)| gone.contains(h)).map(|(_, n)| u64::from(*n)).sum();
        self.store().remove_photos(&gone).await?;
        Ok((gone.len(), bytes))
    }
}
