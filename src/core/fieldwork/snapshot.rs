//! The field-work read model (现场工作快照): checklist, visits, answers and the
//! photos' records (by the record each backs), typed —
//! the field-work counterpart of `core::snapshot`.
//!
//! Visits and answers are bulk records (thousands in a large campaign), so this read
//! model is kept up to date doc by doc ([`FieldSnapshot::apply`]) rather than rebuilt:
//! a commit's docs replace what the snapshot held for their ids. Building it is the
//! same thing done for every doc ([`FieldSnapshot::from_docs`]), so "updated
//! incrementally = rebuilt from scratch" is one code path, checked by a property test.
//!
//! Problems and their events are *not* here: there may be 100,000 of them, and they
//! live in the incrementally maintained [`LedgerIndex`](super::ledger::LedgerIndex).
//! Like the main snapshot, tombstoned records are left out and records that do not
//! decode (written by a newer app) are counted in `undecodable`, never dropped from storage.

use super::checklist::{sort_items, ChecklistItem};
use super::photo::Photo;
use super::visit::{Visit, VisitAnswer, VisitStatus};
use crate::core::doc::{DecodeError, Doc, Entity, RecordId};
use std::collections::{BTreeMap, HashMap};

/// The kinds this read model is made of.
pub const FIELD_KINDS: [&str; 4] = [ChecklistItem::KIND, Visit::KIND, VisitAnswer::KIND, Photo::KIND];

#[derive(Clone, Debug, Default, PartialEq)]
pub struct FieldSnapshot {
    /// Every checklist item, retired ones included, in display order.
    pub checklist: Vec<ChecklistItem>,
    /// By target, then date, then id.
    visits: Vec<Visit>,
    visit_ix: HashMap<RecordId, usize>,
    /// By visit; each visit's answers by item, then id.
    answers: BTreeMap<RecordId, Vec<VisitAnswer>>,
    /// Answer id → its visit.
    answer_visit: HashMap<RecordId, RecordId>,
    item_ix: HashMap<RecordId, usize>,
    /// The ids of the photo records backing each record, in id order. Kept as ids,
    /// not decoded: the views that show photos (loaded later) decode them, so the
    /// first load carries no photo decoder.
    photos: BTreeMap<RecordId, Vec<RecordId>>,
    /// The ids of the photo records of each target (all its records' photos), in
    /// id order: the target page's photos.
    target_photos: BTreeMap<RecordId, Vec<RecordId>>,
    /// Photo id → the record it backs and that record's target.
    photo_owner: HashMap<RecordId, (RecordId, RecordId)>,
    undecodable: BTreeMap<RecordId, DecodeError>,
}

impl FieldSnapshot {
    pub fn from_docs<'a>(docs: impl IntoIterator<Item = &'a Doc>) -> FieldSnapshot {
        let mut s = FieldSnapshot::default();
        s.apply(docs);
        s
    }

    /// Brings the snapshot up to date with docs as they now are (a committed change's
    /// docs, as stored): each replaces what the snapshot held for its id; a tombstone
    /// removes it. Other kinds are ignored. Returns whether anything here changed.
    pub fn apply<'a>(&mut self, docs: impl IntoIterator<Item = &'a Doc>) -> bool {
        let mut touched = false;
        let mut checklist_touched = false;
        // Visits are replaced once per call (a few thousand at most: one pass and a
        // sort rather than a shift of the list per visit).
        let mut visits_gone: Vec<usize> = Vec::new();
        let mut visits_new: Vec<Visit> = Vec::new();
        let mut visits_touched = false;
        for d in docs {
            if !FIELD_KINDS.contains(&d.kind.as_str()) {
                continue;
            }
            touched = true;
            self.undecodable.remove(&d.id);
            match d.kind.as_str() {
                ChecklistItem::KIND => {
                    checklist_touched = true;
                    self.checklist.retain(|i| i.id != d.id);
                    if let Some(item) = self.decode(d) {
                        self.checklist.push(item);
                    }
                }
                Visit::KIND => {
                    visits_touched = true;
                    visits_gone.extend(self.visit_ix.get(&d.id).copied());
                    visits_new.retain(|v| v.id != d.id);
                    visits_new.extend(self.decode::<Visit>(d));
                }
                Photo::KIND => {
                    if let Some((owner, target)) = self.photo_owner.remove(&d.id) {
                        unlist(&mut self.photos, &owner, &d.id);
                        unlist(&mut self.target_photos, &target, &d.id);
                    }
                    let field = |name: &str| d.fields.get(name).and_then(|f| f.v.as_str()).map(str::to_owned);
                    if let (false, Some(owner), Some(target)) = (d.is_deleted(), field("owner_id"), field("target_id")) {
                        enlist(&mut self.photos, &owner, &d.id);
                        enlist(&mut self.target_photos, &target, &d.id);
                        self.photo_owner.insert(d.id.clone(), (owner, target));
                    }
                }
                _ => {
                    if let Some(visit) = self.answer_visit.remove(&d.id) {
                        if let Some(list) = self.answers.get_mut(&visit) {
                            list.retain(|a| a.id != d.id);
                            if list.is_empty() {
                                self.answers.remove(&visit);
                            }
                        }
                    }
                    if let Some(a) = self.decode::<VisitAnswer>(d) {
                        self.answer_visit.insert(a.id.clone(), a.visit_id.clone());
                        let list = self.answers.entry(a.visit_id.clone()).or_default();
                        let at = list.partition_point(|x| (&x.item_id, &x.id) < (&a.item_id, &a.id));
                        list.insert(at, a);
                    }
                }
            }
        }
        if visits_touched {
            let mut gone = vec![false; self.visits.len()];
            for i in visits_gone {
                gone[i] = true;
            }
            let mut i = 0;
            self.visits.retain(|_| {
                i += 1;
                !gone[i - 1]
            });
            self.visits.append(&mut visits_new);
            crate::core::sort::sort_by(&mut self.visits, |a, b| (&a.target_id, a.date, &a.id).cmp(&(&b.target_id, b.date, &b.id)));
            self.visit_ix = self.visits.iter().enumerate().map(|(i, x)| (x.id.clone(), i)).collect();
        }
        if checklist_touched {
            sort_items(&mut self.checklist);
            self.item_ix = self.checklist.iter().enumerate().map(|(i, x)| (x.id.clone(), i)).collect();
        }
        touched
    }

    /// A live doc decoded, or `None` (tombstoned, or undecodable and so noted).
    fn decode<E: Entity>(&mut self, d: &Doc) -> Option<E> {
        if d.is_deleted() {
            return None;
        }
        match crate::core::doc::decode::<E>(d) {
            Ok(e) => Some(e),
            Err(e) => {
                self.undecodable.insert(d.id.clone(), e);
                None
            }
        }
    }

    pub fn item(&self, id: &str) -> Option<&ChecklistItem> {
        self.item_ix.get(id).and_then(|i| self.checklist.get(*i))
    }

    pub fn visit(&self, id: &str) -> Option<&Visit> {
        self.visit_ix.get(id).and_then(|i| self.visits.get(*i))
    }

    /// Every visit, by target, then date, then id.
    pub fn visits(&self) -> impl Iterator<Item = &Visit> {
        self.visits.iter()
    }

    /// Records of this read model's kinds that did not decode, by id.
    pub fn undecodable(&self) -> impl Iterator<Item = &DecodeError> {
        self.undecodable.values()
    }

    /// The items not retired, in display order.
    pub fn active_items(&self) -> impl Iterator<Item = &ChecklistItem> {
        self.checklist.iter().filter(|i| !i.retired)
    }

    /// The ids of the photo records backing a record (a visit, an answer, a
    /// problem, an event), in id order.
    pub fn photos_of(&self, owner_id: &str) -> &[RecordId] {
        self.photos.get(owner_id).map_or(&[], Vec::as_slice)
    }

    /// The ids of the photo records of a target (of its visits, answers, problems
    /// and their events), in id order.
    pub fn photos_of_target(&self, target_id: &str) -> &[RecordId] {
        self.target_photos.get(target_id).map_or(&[], Vec::as_slice)
    }

    /// A visit's answers, by item id.
    pub fn answers_of(&self, visit_id: &str) -> &[VisitAnswer] {
        self.answers.get(visit_id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// A target's visits, oldest first.
    pub fn visits_of(&self, target_id: &str) -> impl Iterator<Item = &Visit> {
        let from = self.visits.partition_point(|v| v.target_id.as_str() < target_id);
        let to = from + self.visits[from..].partition_point(|v| v.target_id == target_id);
        self.visits[from..to].iter()
    }

    /// Drafts not yet submitted, to offer again on return (newest date first).
    pub fn drafts(&self) -> Vec<&Visit> {
        let mut d: Vec<&Visit> = self.visits().filter(|v| v.status == VisitStatus::Draft).collect();
        crate::core::sort::sort_by(&mut d, |a, b| (b.date, &b.id).cmp(&(a.date, &a.id)));
        d
    }
}

/// Adds `id` to `key`'s sorted list.
fn enlist(map: &mut BTreeMap<RecordId, Vec<RecordId>>, key: &str, id: &RecordId) {
    let list = map.entry(key.to_owned()).or_default();
    let at = list.partition_point(|x| x < id);
    list.insert(at, id.clone());
}

/// Removes `id` from `key`'s list, and the list when it empties.
fn unlist(map: &mut BTreeMap<RecordId, Vec<RecordId>>, key: &str, id: &RecordId) {
    if let Some(list) = map.get_mut(key) {
        list.retain(|x| x != id);
        if list.is_empty() {
            map.remove(key);
        }
    }
}
