//! Opening the device's data (启动): shared by every store and by the UI, and pure
//! apart from the store calls, so it is tested natively on the memory store.
//!
//! On first run the device gets a random persistent id, and the embedded default
//! is written in the same atomic commit as that id, so a half-initialised store
//! cannot exist.
//!
//! Data of an older schema is migrated on open and the result written back in
//! one commit (the app holds its cross-tab lock around `open`). A failed step or
//! write leaves the stored data exactly as it was, at its old version.

use super::{migrate_with, Loaded, Step, Store, StoreError, META_DOC_COUNT, MIGRATIONS, SCHEMA_VERSION};
use crate::core::clock::{DeviceId, Hlc};
use crate::core::default_plan;
use crate::core::doc::Doc;
use crate::core::replica::{Change, Replica};
use crate::core::seed;

pub const META_DEVICE: &str = "device_id";
pub const META_SQUAD: &str = "squad_name";
pub const META_CLOCK: &str = "clock";

/// The device's identity and the user's chosen name.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceInfo {
    pub device_id: DeviceId,
    /// Empty until the user names the squad on first run.
    pub squad_name: String,
    /// The stored sync ledger (what this device exported and received), raw.
    pub sync_ledger: Option<String>,
    /// `(recorded, found)` when the store holds fewer docs than its last commit
    /// recorded (meta `doc_count`): records were lost outside the app.
    pub missing_records: Option<(usize, usize)>,
}

/// Loads (and on first run initialises) the replica from a store: every doc.
pub async fn open<S: Store>(store: &S, random_device: impl FnOnce() -> DeviceId) -> Result<(Replica, DeviceInfo), StoreError> {
    open_with(store, random_device, MIGRATIONS).await
}

/// [`open`] with a given migration chain (tests inject a failing step): the head
/// ([`open_head_with`]), then the rest ([`load_rest`]).
pub async fn open_with<S: Store>(store: &S, random_device: impl FnOnce() -> DeviceId, steps: &[Step]) -> Result<(Replica, DeviceInfo), StoreError> {
    read_all(store, open_head_with(store, random_device, steps).await?).await
}

/// Completes an opening begun by [`open_head`]: reads the rest and merges it in.
async fn read_all<S: Store>(store: &S, (mut replica, mut info, rest): (Replica, DeviceInfo, Rest)) -> Result<(Replica, DeviceInfo), StoreError> {
    let (bulk, missing) = load_rest(store, &rest, &|_| {}).await?;
    absorb(&mut replica, bulk);
    if rest != Rest::Loaded {
        info.missing_records = missing;
    }
    Ok((replica, info))
}

/// What [`open_head`] left to read.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rest {
    /// Nothing: every stored doc is in the replica (a first run, or a migration,
    /// which reads everything).
    Loaded,
    /// The bulk records (现场记录, [`super::BULK_KINDS`]). `recorded` is the doc count
    /// the store recorded when the head was read, `head` how many head docs it held.
    Bulk { recorded: Option<usize>, head: usize },
}

impl Rest {
    /// How many bulk records the store expects to give back (from its recorded
    /// count), for a progress display; `None` when unknown or nothing is left.
    pub fn expected(&self) -> Option<usize> {
        match *self {
            Rest::Loaded => None,
            Rest::Bulk { recorded, head } => recorded.map(|r| r.saturating_sub(head)),
        }
    }
}

/// Opens the store for a first view (快速启动): reads the head (meta and every
/// record except the bulk kinds), so the app can show the plan while the field-work
/// records are still being read ([`load_rest`], then [`absorb`]). A first run, or
/// data of an older schema, reads (and migrates) everything instead, and returns
/// [`Rest::Loaded`]. `DeviceInfo::missing_records` is only known once everything was
/// read: for [`Rest::Bulk`] it comes from [`load_rest`].
pub async fn open_head<S: Store>(store: &S, random_device: impl FnOnce() -> DeviceId) -> Result<(Replica, DeviceInfo, Rest), StoreError> {
    open_head_with(store, random_device, MIGRATIONS).await
}

/// [`open_head`] with a given migration chain.
pub async fn open_head_with<S: Store>(store: &S, random_device: impl FnOnce() -> DeviceId, steps: &[Step]) -> Result<(Replica, DeviceInfo, Rest), StoreError> {
    open_head_inner(store, random_device, steps, || (default_plan::docs(), Vec::new())).await
}

/// Opens (on first use creates) the store of a campaign that is not the embedded
/// default (新建工作方案, see `core::campaigns`): like [`open`], but a store never
/// written gets `initial` — the new campaign's records, stamped by `device` —
/// instead of the embedded default, in the same atomic commit as the device's
/// identity and `squad_name`. A store already written (a second try after a
/// failure) is opened as it is and `initial` is not used.
pub async fn open_campaign<S: Store>(store: &S, device: DeviceId, initial: Vec<Doc>, squad_name: &str) -> Result<(Replica, DeviceInfo), StoreError> {
    let meta = if squad_name.is_empty() { Vec::new() } else { vec![(META_SQUAD.to_owned(), squad_name.to_owned())] };
    read_all(store, open_head_inner(store, move || device, MIGRATIONS, move || (initial, meta)).await?).await
}

/// The first run writes `initial()`: docs, and meta values beside the device's identity.
async fn open_head_inner<S: Store>(
    store: &S,
    random_device: impl FnOnce() -> DeviceId,
    steps: &[Step],
    initial: impl FnOnce() -> (Vec<Doc>, Vec<(String, String)>),
) -> Result<(Replica, DeviceInfo, Rest), StoreError> {
    let head = store.load_head().await?;
    let current = head.schema_version()? == Some(SCHEMA_VERSION) && head.meta.get(META_DEVICE).is_some_and(|d| !d.is_empty());
    let (loaded, rest) = if current {
        let n = head.docs.len();
        let recorded = doc_count(&head);
        (head, Rest::Bulk { recorded, head: n })
    } else {
        // A first run (or a store written by an older version): everything, migrated.
        let loaded = store.load().await?;
        (migrate_and_write_back(store, loaded, steps).await?, Rest::Loaded)
    };
    let missing_records = match rest {
        Rest::Loaded => missing(doc_count(&loaded), loaded.docs.len()),
        Rest::Bulk { .. } => None,
    };
    let stored_device = loaded.meta.get(META_DEVICE).filter(|d| !d.is_empty()).cloned();
    let squad_name = loaded.meta.get(META_SQUAD).cloned().unwrap_or_default();
    let sync_ledger = loaded.meta.get(crate::core::bundle::ledger::META_SYNC_LEDGER).cloned();
    match stored_device {
        Some(dev) => {
            let device = DeviceId(dev);
            let clock = match loaded.meta.get(META_CLOCK) {
                Some(c) => serde_json::from_str::<Hlc>(c).map_err(|e| StoreError::Corrupt(format!("clock: {e}")))?,
                None => Hlc::new(device.clone()),
            };
            let clock = Hlc { device: device.clone(), ..clock };
            let mut docs = loaded.docs;
            // Default kinds are head kinds, so the head alone tells which are new.
            let added = new_default_records(&docs);
            if !added.is_empty() {
                docs.extend(store.commit(&added, &[]).await?);
            }
            let replica = Replica::from_parts(docs, clock);
            Ok((replica, DeviceInfo { device_id: device, squad_name, sync_ledger, missing_records }, rest))
        }
        None => {
            let device = random_device();
            let clock = Hlc::new(device.clone());
            // Keep anything already stored (e.g. meta written by a crashed older build).
            let mut docs = loaded.docs;
            let mut meta = vec![(META_DEVICE.to_owned(), device.0.clone()), (META_CLOCK.to_owned(), clock_json(&clock))];
            let mut squad_name = squad_name;
            if docs.is_empty() {
                let (first, more) = initial();
                docs = first;
                if let Some((_, name)) = more.iter().find(|(k, _)| k == META_SQUAD) {
                    squad_name = name.clone();
                }
                meta.extend(more);
            }
            let docs = store.commit(&docs, &meta).await?;
            let replica = Replica::from_parts(docs, clock);
            Ok((replica, DeviceInfo { device_id: device, squad_name, sync_ledger, missing_records }, rest))
        }
    }
}

/// Reads what [`open_head`] left: the bulk records, and `(recorded, found)` when
/// the store holds fewer docs than it recorded (see `DeviceInfo::missing_records`).
/// `progress` hears how many are read so far (see [`Rest::expected`] for how many
/// to expect).
/// Needs no lock: commits made meanwhile only add to what it finds, and the
/// replica merges whatever it reads ([`absorb`]).
pub async fn load_rest<S: Store>(store: &S, rest: &Rest, progress: &dyn Fn(usize)) -> Result<(Vec<Doc>, Option<(usize, usize)>), StoreError> {
    match *rest {
        Rest::Loaded => Ok((Vec::new(), None)),
        Rest::Bulk { recorded, head } => {
            let bulk = store.load_bulk(progress).await?;
            let found = head + bulk.len();
            Ok((bulk, missing(recorded, found)))
        }
    }
}

/// Merges docs read from the store into the replica (idempotent: what a commit
/// already brought in is merged with itself). Returns the change it applied.
pub fn absorb(replica: &mut Replica, docs: Vec<Doc>) -> Change {
    let change = replica.stage_merge_owned(docs);
    replica.apply(change.clone());
    change
}

fn doc_count(loaded: &Loaded) -> Option<usize> {
    loaded.meta.get(META_DOC_COUNT).and_then(|c| c.parse::<usize>().ok())
}

fn missing(recorded: Option<usize>, found: usize) -> Option<(usize, usize)> {
    recorded.filter(|&r| r > found).map(|r| (r, found))
}

/// Default records of a *kind* this device has never held, for a device set up by an
/// earlier version whose default had no such kind (e.g. the plan's reporting
/// requirements, added with the monthly cycle). Only while the device still keeps the
/// default campaign (the plan's campaign record is live): a device that deleted it runs
/// another campaign. Whole kinds only, so a single record lost from storage is never
/// quietly replaced by its default (the loss is reported instead, see
/// `DeviceInfo::missing_records`). They carry the seed stamp, older than any edit, so
/// merging them with anything another device sends changes nothing a user wrote.
pub fn new_default_records(docs: &[Doc]) -> Vec<Doc> {
    let plan_kept = docs.iter().any(|d| d.id == seed::CAMPAIGN_ID && !d.is_deleted());
    if !plan_kept {
        return Vec::new();
    }
    let kinds: std::collections::HashSet<&str> = docs.iter().map(|d| d.kind.as_str()).collect();
    default_plan::docs().into_iter().filter(|d| !kinds.contains(d.kind.as_str())).collect()
}

/// Runs the migration chain on loaded data and, when it changed anything, writes
/// the result back in one commit: the meta values the steps changed and the docs
/// they changed (a commit merges docs, so a step may only add to a doc, never
/// take a field away). Nothing is written when a step fails or for current data.
async fn migrate_and_write_back<S: Store>(store: &S, loaded: Loaded, steps: &[Step]) -> Result<Loaded, StoreError> {
    let from = loaded.schema_version()?;
    let migrated = migrate_with(loaded.clone(), steps)?;
    if from == migrated.schema_version()? {
        return Ok(migrated);
    }
    let meta: Vec<(String, String)> = migrated.meta.iter().filter(|(k, v)| loaded.meta.get(*k) != Some(*v)).map(|(k, v)| (k.clone(), v.clone())).collect();
    let before: std::collections::HashMap<&str, &Doc> = loaded.docs.iter().map(|d| (d.id.as_str(), d)).collect();
    let docs: Vec<_> = migrated.docs.iter().filter(|d| before.get(d.id.as_str()) != Some(d)).cloned().collect();
    store.commit(&docs, &meta).await?;
    Ok(migrated)
}

pub fn clock_json(c: &Hlc) -> String {
    serde_json::to_string(c).unwrap_or_default()
}

/// Commits a staged change (docs and the advanced clock) atomically; the caller
/// applies what this returns to the replica, and only when it returns `Ok`: the
/// change with its docs *as stored* (merged with whatever another tab committed
/// to the same records meanwhile) and its clock past every stamp in them.
pub async fn commit_change<S: Store>(store: &S, change: Change) -> Result<Change, StoreError> {
    if change.is_empty() {
        return Ok(change);
    }
    let Change { docs, clock } = change;
    let stored = store.commit_owned(docs, &[(META_CLOCK.to_owned(), clock_json(&clock))]).await?;
    Ok(as_stored(clock, stored))
}

/// Commits a staged change together with meta values (e.g. the sync ledger of an
/// import) in one atomic write, so the data and the record of where it came from
/// can never disagree. Returns the change as stored, like [`commit_change`].
pub async fn commit_change_with_meta<S: Store>(store: &S, change: Change, meta: Vec<(String, String)>) -> Result<Change, StoreError> {
    let mut meta = meta;
    let Change { docs, clock } = change;
    meta.push((META_CLOCK.to_owned(), clock_json(&clock)));
    let stored = store.commit_owned(docs, &meta).await?;
    Ok(as_stored(clock, stored))
}

fn as_stored(clock: crate::core::clock::Hlc, docs: Vec<Doc>) -> Change {
    let mut clock = clock;
    for d in &docs {
        if let Some(s) = d.last_change() {
            clock.observe(s);
        }
    }
    Change { docs, clock }
}

/// Moves a replica's clock past the clock another tab of this device stored (the
/// tabs share one device id, so without this two tabs could hand out the same
/// stamp). Call under the cross-tab lock, right before staging. The two halves,
/// [`stored_clock`] and [`observe_clock`], are what the commit pipeline
/// (`app::commit`) runs, with the replica in the app's state between them.
pub async fn catch_up_clock<S: Store>(store: &S, replica: &mut Replica) -> Result<(), StoreError> {
    if let Some(c) = stored_clock(store).await? {
        observe_clock(replica, &c);
    }
    Ok(())
}

/// The clock the last commit on this device stored; `None` before the first.
pub async fn stored_clock<S: Store>(store: &S) -> Result<Option<Hlc>, StoreError> {
    match store.meta(META_CLOCK).await? {
        Some(c) => parse_clock(&c).map(Some),
        None => Ok(None),
    }
}

fn parse_clock(stored: &str) -> Result<Hlc, StoreError> {
    serde_json::from_str::<Hlc>(stored).map_err(|e| StoreError::Corrupt(format!("clock: {e}")))
}

/// Moves `replica`'s clock past a stored clock (its own device id is kept).
pub fn observe_clock(replica: &mut Replica, stored: &Hlc) {
    replica.apply(Change { docs: Vec::new(), clock: Hlc { device: replica.device().clone(), ..stored.clone() } });
}

/// [`observe_clock`] from a stored clock value.
pub fn observe_stored_clock(replica: &mut Replica, stored: &str) -> Result<(), StoreError> {
    observe_clock(replica, &parse_clock(stored)?);
    Ok(())
}

/// Stores the squad/user name.
pub async fn set_squad_name<S: Store>(store: &S, name: &str) -> Result<(), StoreError> {
    store.commit(&[], &[(META_SQUAD.to_owned(), name.to_owned())]).await.map(|_| ())
}
