//! Campaigns on a device (工作方案): the list, switching, starting a new campaign
//! and opening another campaign's bundle as one. Each campaign lives in a store of
//! its own (`core::campaigns::Catalog` says which); nothing ever moves between
//! stores. Every use case that changes the open campaign ends with the list
//! stored and the caller reloading the page, which then opens the chosen store as
//! a cold start does: nothing of the old campaign stays in memory to be written to
//! the new one.

use super::commit::CommitError;
use super::exchange::{put_new_photos_in, put_photo_lines_in, FileParts, Intake};
use super::{Platform, Workspace};
use crate::core::bundle::ImportError;
use crate::core::campaigns::{campaign_of, stage_new_campaign, Catalog, NewCampaignForm};
use crate::core::i18n::{Lang, UserMessage};
use crate::core::model::Campaign;
use crate::core::validate::ValidationError;
use crate::storage::campaigns::{self as stores, CampaignStoreError};
use crate::storage::{Store, StoreError};

/// The stores of this browser and the list of campaigns kept beside them. The
/// browser's implementation (`ui/platform.rs`) opens them through `BrowserStore`.
#[allow(async_fn_in_trait)]
pub trait Stores {
    type Store: Store;
    /// Opens the store `name`, creating it when it does not exist.
    async fn open(&self, name: &str) -> Result<Self::Store, StoreError>;
    /// Every campaign store this browser holds (first store and `duzhan~…`
    /// stores), opened to be read; listed or not.
    async fn existing(&self, catalog: &Catalog) -> Vec<(String, Self::Store)>;
    /// The list as stored (an unreadable list reads as the first store alone).
    fn read_catalog(&self) -> Catalog;
    fn write_catalog(&self, catalog: &Catalog) -> Result<(), StoreError>;
    /// The store this page opened.
    fn open_db(&self) -> String;
}

/// Why a campaign could not be created, opened or switched to. Nothing was
/// switched in any case.
#[derive(Debug, Clone, PartialEq)]
pub enum CampaignError {
    NotLoaded,
    Form(ValidationError),
    Import(ImportError),
    Store(CampaignStoreError),
}

impl From<StoreError> for CampaignError {
    fn from(e: StoreError) -> Self {
        CampaignError::Store(CampaignStoreError::Store(e))
    }
}

impl From<CampaignStoreError> for CampaignError {
    fn from(e: CampaignStoreError) -> Self {
        CampaignError::Store(e)
    }
}

impl UserMessage for CampaignError {
    fn message(&self, lang: Lang) -> String {
        match self {
            CampaignError::NotLoaded => super::not_loaded_message(lang),
            CampaignError::Form(e) => e.message(lang),
            CampaignError::Import(e) => e.message(lang),
            CampaignError::Store(e) => e.message(lang),
        }
    }
}

/// Adds to `catalog` the campaign stores of this browser it does not list, each
/// with the campaign it holds (read only: `stored_campaign`). A store holding no
/// campaign (an import into it that never committed) is not listed. Returns
/// whether any was added.
pub async fn discover<T: Stores>(stores: &T, catalog: &mut Catalog) -> bool {
    let mut added = false;
    for (name, store) in stores.existing(catalog).await {
        if let Ok(Some(c)) = stores::stored_campaign(&store).await {
            added |= catalog.record(&name, Some(&c));
        }
    }
    added
}

/// The list as stored, with the stores it lost found again (and then stored).
pub async fn list<T: Stores>(stores: &T) -> Catalog {
    let mut c = stores.read_catalog();
    if discover(stores, &mut c).await {
        // The list is a convenience: a list that cannot be stored is found again next time.
        let _ = stores.write_catalog(&c);
    }
    c
}

/// Makes `db` the store to open next; the caller reloads the page. `Ok(false)`:
/// `db` is already the one open.
pub fn switch<T: Stores>(stores: &T, db: &str) -> Result<bool, CampaignError> {
    let mut c = stores.read_catalog();
    if !c.activate(db) {
        return Ok(false);
    }
    stores.write_catalog(&c)?;
    Ok(true)
}

/// Checks the form, writes the new campaign into a store of its own (under the
/// cross-tab lock) and makes it the one to open. Returns its store's name; the
/// caller reloads. A store already written by a failed try is reused.
pub async fn create<T: Stores, P: Platform, W: Workspace>(stores: &T, platform: &P, ws: &W, form: &NewCampaignForm) -> Result<String, CampaignError> {
    let squad = ws.device().map(|d| d.squad_name).unwrap_or_default();
    let new = match ws.with_replica(|r| stage_new_campaign(form, r, platform.random_device(), platform.now_ms())) {
        None => return Err(CampaignError::NotLoaded),
        Some(s) => s.map_err(CampaignError::Form)?,
    };
    let db = new.db.clone();
    let _lock = platform.lock().await;
    let store = stores.open(&db).await?;
    let replica = stores::create(&store, new, &squad).await?;
    switch_to(stores, ws, &db, campaign_of(&replica).as_ref())?;
    Ok(db)
}

/// Imports a bundle of another campaign into that campaign's store on this device
/// (made for it the first time) and makes it the one to open, with the photos it
/// carries (a v3 file read in parts has its photo lines read again from `file`).
/// Returns its store's name; the caller reloads.
pub async fn open_bundle<T: Stores, P: Platform, W: Workspace, F: FileParts + ?Sized>(
    stores: &T,
    platform: &P,
    ws: &W,
    intake: &mut Intake,
    file: Option<&F>,
) -> Result<String, CampaignError> {
    let lines_at = intake.photo_lines_offset();
    // A chunked encrypted or sealed file's photo lines are read through its content.
    let content = file.map(|f| intake.content(f));
    let mut incoming = intake.take().map_err(CampaignError::Import)?;
    let campaign_id = incoming.header.campaign_id.clone();
    // The store that holds it already, if any: listed, or found among this
    // browser's stores (a list lost, or never told of the first store's campaign).
    let mut catalog = stores.read_catalog();
    if catalog.db_of_campaign(&campaign_id).is_none() && discover(stores, &mut catalog).await {
        stores.write_catalog(&catalog)?;
    }
    let db = catalog.store_for(&campaign_id);
    if db == stores.open_db() {
        // The list says this page's store holds it: the import panel's own path applies.
        return Err(CampaignError::Import(ImportError::WrongCampaign { bundle: campaign_id, local: db }));
    }
    let squad = ws.device().map(|d| d.squad_name).unwrap_or_default();
    let _lock = platform.lock().await;
    let store = stores.open(&db).await?;
    // Its photos first, by address (checked when the file was read, or read again
    // from the file and checked again), then its records.
    let bytes = std::mem::take(&mut incoming.photo_bytes);
    if !bytes.is_empty() {
        put_new_photos_in(&store, incoming.photos.iter().map(|e| e.sha256.clone()).zip(bytes)).await?;
    } else if let (Some(at), Some(content)) = (lines_at, &content) {
        put_photo_lines_in(&store, &incoming, content, at).await.map_err(|e| match e {
            CommitError::Refused(e) => CampaignError::Import(e),
            CommitError::Store(e) => e.into(),
            CommitError::NotLoaded => CampaignError::NotLoaded,
        })?;
    }
    let opened = stores::open_bundle_as_campaign(&store, platform.random_device(), &squad, incoming, platform.now_ms()).await?;
    switch_to(stores, ws, &db, Some(&opened.campaign))?;
    Ok(db)
}

/// Lists `db` (and this page's store) in the campaign list and makes `db` the one
/// to open.
fn switch_to<T: Stores, W: Workspace>(stores: &T, ws: &W, db: &str, campaign: Option<&Campaign>) -> Result<(), StoreError> {
    let mut c = stores.read_catalog();
    let here = ws.with_replica(campaign_of).flatten();
    c.switch(&stores.open_db(), here.as_ref(), db, campaign);
    stores.write_catalog(&c)
}

/// Records in the list what this page's store holds (its campaign's name and
/// year), so the list stays true when a campaign is renamed or imported.
pub fn note_campaign<T: Stores, W: Workspace>(stores: &T, ws: &W) -> Result<(), StoreError> {
    let mut c = stores.read_catalog();
    let campaign = ws.with_replica(campaign_of).flatten();
    if c.record(&stores.open_db(), campaign.as_ref()) {
        stores.write_catalog(&c)?;
    }
    Ok(())
}
