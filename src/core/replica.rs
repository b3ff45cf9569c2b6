//! The device's replica (本机数据): every doc it holds plus its clock.
//!
//! Changes are *staged* here as a [`Change`] — the full new states of the touched
//! docs and the advanced clock — then committed to storage, and only *applied* to
//! the replica after the commit succeeded. So what the UI shows as saved is
//! exactly what is durable.

use super::clock::{DeviceId, Hlc, Stamp};
use super::doc::{decode, is_bulk, Doc, Entity};
use super::model::Campaign;
use super::snapshot::Snapshot;
use std::collections::{BTreeMap, BTreeSet};

/// A set of doc states to write atomically, with the clock state after them.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub docs: Vec<Doc>,
    pub clock: Hlc,
}

impl Change {
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Replica {
    docs: BTreeMap<String, Doc>,
    /// The ids of the head docs (every kind not in [`BULK_KINDS`](super::doc::BULK_KINDS)):
    /// what the plan's and the monthly cycle's read models are rebuilt from, a few
    /// thousand ids next to the bulk's hundreds of thousands.
    head: BTreeSet<String>,
    clock: Hlc,
}

impl Replica {
    /// An empty replica for a device.
    pub fn new(device: DeviceId) -> Self {
        Replica { docs: BTreeMap::new(), head: BTreeSet::new(), clock: Hlc::new(device) }
    }

    /// A replica from stored docs and the stored clock.
    pub fn from_parts(docs: Vec<Doc>, clock: Hlc) -> Self {
        let mut r = Replica { docs: BTreeMap::new(), head: BTreeSet::new(), clock };
        for d in docs {
            if let Some(s) = d.last_change() {
                r.clock.observe(s);
            }
            r.insert(d);
        }
        r
    }

    fn insert(&mut self, d: Doc) {
        if !is_bulk(&d.kind) {
            self.head.insert(d.id.clone());
        }
        self.docs.insert(d.id.clone(), d);
    }

    pub fn device(&self) -> &DeviceId {
        &self.clock.device
    }

    pub fn clock(&self) -> &Hlc {
        &self.clock
    }

    pub fn doc(&self, id: &str) -> Option<&Doc> {
        self.docs.get(id)
    }

    pub fn docs(&self) -> impl Iterator<Item = &Doc> {
        self.docs.values()
    }

    /// The docs after `after` in id order (from the first when `None`): a walk of
    /// the replica in slices.
    pub fn docs_after(&self, after: Option<&str>) -> impl Iterator<Item = &Doc> {
        use std::ops::Bound;
        let from = match after {
            Some(id) => Bound::Excluded(id),
            None => Bound::Unbounded,
        };
        self.docs.range::<str, _>((from, Bound::Unbounded)).map(|(_, d)| d)
    }

    /// The head docs (every kind but the bulk ones), by id: what the plan, the
    /// checklist and the monthly cycle are read from, without walking the bulk.
    pub fn head_docs(&self) -> impl Iterator<Item = &Doc> {
        self.head.iter().filter_map(|id| self.docs.get(id))
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The campaign this replica holds: the id of the first live campaign record by
    /// id (the same choice as [`Snapshot::campaign`]), found without decoding or
    /// building a snapshot. What bundles, receipts and campaign stores are checked
    /// against.
    pub fn campaign_id(&self) -> Option<&str> {
        self.head_docs().find(|d| d.kind == Campaign::KIND && !d.is_deleted()).map(|d| d.id.as_str())
    }

    /// The plan's read model, built from the head docs (the plan has no bulk kind).
    pub fn snapshot(&self) -> Snapshot {
        Snapshot::from_docs(self.head_docs())
    }

    /// A new stable record id, unique across devices: the device id plus a fresh stamp.
    pub fn new_id(&self, prefix: &str, now_ms: u64) -> String {
        let mut c = self.clock.clone();
        let s = c.tick(now_ms);
        format!("{prefix}-{}-{:x}{:x}", self.clock.device.as_str().trim_start_matches("d-"), s.wall, s.n)
    }

    /// Stages saving entities; unchanged ones write nothing.
    pub fn stage_save<E: Entity>(&self, items: &[E], now_ms: u64) -> Change {
        let mut clock = self.clock.clone();
        let stamp = clock.tick(now_ms);
        let docs = items.iter().filter_map(|e| Doc::edit(self.docs.get(e.id()), E::KIND, e.id(), e.to_values(), &stamp)).collect();
        Change { docs, clock }
    }

    /// Stages tombstoning records (deletes travel; nothing is erased).
    pub fn stage_delete(&self, ids: &[&str], now_ms: u64) -> Change {
        let mut clock = self.clock.clone();
        let stamp = clock.tick(now_ms);
        let docs = ids.iter().filter_map(|id| self.docs.get(*id)).filter(|d| !d.is_deleted()).map(|d| d.tombstone(&stamp)).collect();
        Change { docs, clock }
    }

    /// Stages writing a default back (the embedded one is
    /// [`crate::core::default_plan::docs`]): every default record returns to its
    /// default value with a fresh stamp, and every other record is tombstoned.
    pub fn stage_reset_to(&self, default: &[Doc], now_ms: u64) -> Change {
        let mut clock = self.clock.clone();
        let stamp = clock.tick(now_ms);
        let seed: BTreeMap<&str, &Doc> = crate::core::sort::btree_map(default.iter().map(|d| (d.id.as_str(), d)));
        let mut docs = Vec::new();
        for (id, sd) in &seed {
            let values = sd.fields.iter().map(|(k, f)| (k.clone(), f.v.clone())).collect();
            let cur = self.docs.get(*id);
            let mut d = Doc::edit(cur, &sd.kind, id, values, &stamp);
            if let Some(c) = cur.filter(|c| c.is_deleted()) {
                d = Some(d.unwrap_or_else(|| c.clone()).set_deleted(false, &stamp));
            }
            docs.extend(d);
        }
        for (id, d) in &self.docs {
            if !seed.contains_key(id.as_str()) && !d.is_deleted() {
                docs.push(d.tombstone(&stamp));
            }
        }
        Change { docs, clock }
    }

    /// Applies a committed change.
    pub fn apply(&mut self, change: Change) {
        if (change.clock.wall, change.clock.n) > (self.clock.wall, self.clock.n) {
            self.clock.wall = change.clock.wall;
            self.clock.n = change.clock.n;
        }
        for d in change.docs {
            self.insert(d);
        }
    }

    /// Merges docs from elsewhere (another device, a bundle): pure, order-independent.
    pub fn stage_merge(&self, incoming: &[Doc]) -> Change {
        let mut clock = self.clock.clone();
        let mut docs = Vec::new();
        for d in incoming {
            // The clock keeps the greatest (wall, counter) it saw: observing every
            // field's stamp is observing the doc's last change, without comparing
            // device ids of equal stamps.
            for f in d.fields.values() {
                clock.observe(&f.s);
            }
            let merged = match self.docs.get(&d.id) {
                Some(cur) => Doc::merge(cur, d),
                None => d.clone(),
            };
            if self.docs.get(&d.id) != Some(&merged) {
                docs.push(merged);
            }
        }
        Change { docs, clock }
    }

    /// [`stage_merge`](Self::stage_merge) for docs the caller gives away (an import's
    /// records): the same change, but a record new to this replica moves into it
    /// instead of being copied — for a first import that is nearly every record.
    pub fn stage_merge_owned(&self, incoming: Vec<Doc>) -> Change {
        let mut clock = self.clock.clone();
        let mut docs = Vec::with_capacity(incoming.len());
        for d in incoming {
            if let Some(s) = d.last_change() {
                clock.observe(s);
            }
            match self.docs.get(&d.id) {
                None => docs.push(d),
                Some(cur) => {
                    let merged = Doc::merge(cur, &d);
                    if *cur != merged {
                        docs.push(merged);
                    }
                }
            }
        }
        Change { docs, clock }
    }

    /// The replica's last stamp of a record, for "last changed by".
    pub fn last_change(&self, id: &str) -> Option<&Stamp> {
        self.docs.get(id).and_then(|d| d.last_change())
    }
}

/// One live, decodable record of a kind from the replica.
pub(crate) fn live_entity<E: Entity>(replica: &Replica, id: &str) -> Option<E> {
    replica.doc(id).filter(|d| d.kind == E::KIND && !d.is_deleted()).and_then(|d| decode(d).ok())
}

/// Stages docs built with one fresh stamp (for edits `Replica::stage_save` cannot
/// express, such as restoring a tombstoned record).
pub(crate) fn stage_with(replica: &Replica, now_ms: u64, build: impl FnOnce(&Stamp) -> Vec<Doc>) -> Change {
    let mut clock = replica.clock().clone();
    let stamp = clock.tick(now_ms);
    Change { docs: build(&stamp), clock }
}
