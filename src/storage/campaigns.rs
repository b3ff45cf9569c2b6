//! Campaign stores (方案存储): writing a new campaign into a store of its own, and
//! opening a bundle of another campaign as a campaign of this device. Pure apart
//! from the store calls (tested natively on the memory store, `tests/campaigns.rs`);
//! which store is open is the caller's ([`crate::core::campaigns::Catalog`]).

use super::boot;
use super::{Store, StoreError};
use crate::core::bundle::import::preview;
use crate::core::bundle::ledger::META_SYNC_LEDGER;
use crate::core::bundle::{ImportError, IncomingBundle, KindCounts, SyncLedger};
use crate::core::campaigns::{bundle_campaign, campaign_of, NewCampaign};
use crate::core::clock::DeviceId;
use crate::core::i18n::{Lang, UserMessage};
use crate::core::model::Campaign;
use crate::core::replica::Replica;

/// What can stop a campaign store from being written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CampaignStoreError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The store already holds another campaign (never for a store named after
    /// its campaign, unless it was written outside the app).
    #[error("store holds campaign {found}, not {wanted}")]
    Occupied { wanted: String, found: String },
}

impl UserMessage for CampaignStoreError {
    fn message(&self, lang: Lang) -> String {
        CampaignStoreError::message(self, lang)
    }
}

impl CampaignStoreError {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Self::Store(e) => e.message(lang),
            Self::Import(e) => e.message(lang),
            Self::Occupied { .. } => {
                if lang == Lang::Zh {
                    "本机用于该工作方案的存储中已有另一个工作方案的数据，未作任何修改。请联系州扶贫办技术人员。".into()
                } else {
                    "This campaign's storage on this device already holds another campaign; nothing was changed. Contact support.".into()
                }
            }
        }
    }
}

/// Writes a new campaign ([`crate::core::campaigns::stage_new_campaign`]) into its
/// store, in one atomic commit with the store's device identity and `squad_name`,
/// and returns the store's replica. Safe to repeat after a failure.
pub async fn create<S: Store>(store: &S, new: NewCampaign, squad_name: &str) -> Result<Replica, CampaignStoreError> {
    let (replica, _) = boot::open_campaign(store, new.clock.device.clone(), new.docs, squad_name).await?;
    holds(&replica, &new.campaign_id)?;
    Ok(replica)
}

/// What opening a bundle as a campaign did.
#[derive(Clone, Debug, PartialEq)]
pub struct Opened {
    pub campaign: Campaign,
    pub totals: KindCounts,
    pub replica: Replica,
}

/// Opens a bundle of a campaign this device does not hold (another campaign's
/// bundle, refused by the open store with `WrongCampaign`) as a campaign of its
/// own: the records go into `store` — empty, or holding that same campaign from an
/// earlier try — with the sync ledger, in one atomic commit. The bundle must hold
/// its campaign's record (a full export): anything else is refused before
/// anything is written. Importing the same bundle again changes nothing.
pub async fn open_bundle_as_campaign<S: Store>(
    store: &S,
    device: DeviceId,
    squad_name: &str,
    incoming: IncomingBundle,
    now_ms: u64,
) -> Result<Opened, CampaignStoreError> {
    let id = incoming.header.campaign_id.clone();
    let campaign = bundle_campaign(&incoming).ok_or_else(|| ImportError::NoCampaignRecord { campaign: id.clone() })?;
    let (replica, info) = boot::open_campaign(store, device, Vec::new(), squad_name).await?;
    holds(&replica, &id)?;
    // An unreadable ledger in a store the app just made is not expected; start anew.
    let ledger = SyncLedger::from_meta(info.sync_ledger.as_deref()).unwrap_or_default();
    let pv = preview(incoming, &replica, &ledger, now_ms)?;
    let totals = pv.totals();
    let meta = vec![(META_SYNC_LEDGER.to_owned(), pv.ledger.to_meta().map_err(|e| StoreError::WriteFailed(e.to_string()))?)];
    let stored = boot::commit_change_with_meta(store, pv.change, meta).await?;
    let mut replica = replica;
    replica.apply(stored);
    Ok(Opened { campaign, totals, replica })
}

/// The campaign a store holds, read from its head without writing anything (a
/// store never opened by the app stays unopened): for listing stores the campaign
/// list lost. `None` for a store holding no campaign.
pub async fn stored_campaign<S: Store>(store: &S) -> Result<Option<Campaign>, StoreError> {
    let head = store.load_head().await?;
    let replica = Replica::from_parts(head.docs, crate::core::clock::Hlc::new(DeviceId::seed()));
    Ok(campaign_of(&replica))
}

/// `Occupied` unless the replica holds `campaign_id` or no campaign.
fn holds(replica: &Replica, campaign_id: &str) -> Result<(), CampaignStoreError> {
    match replica.campaign_id() {
        Some(found) if found != campaign_id => Err(CampaignStoreError::Occupied { wanted: campaign_id.to_owned(), found: found.to_owned() }),
        _ => Ok(()),
    }
}
