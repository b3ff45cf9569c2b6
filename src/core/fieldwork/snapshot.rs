//! The field-work read model (现场工作快照): checklist, visits and answers, typed,
//! built from the live docs — the field-work counterpart of `core::snapshot`.
//!
//! Problems and their events are *not* here: there may be 100,000 of them, and they
//! live in the incrementally maintained [`LedgerIndex`](super::ledger::LedgerIndex).
//! Like the main snapshot, tombstoned records are left out and records that do not
//! decode (written by a newer app) are counted in `undecodable`, never dropped from storage.

use super::checklist::{sort_items, ChecklistItem};
use super::visit::{Visit, VisitAnswer, VisitStatus};
use crate::core::doc::{DecodeError, Doc, Entity, RecordId};
use std::collections::{BTreeMap, HashMap};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct FieldSnapshot {
    /// Every checklist item, retired ones included, in display order.
    pub checklist: Vec<ChecklistItem>,
    /// Every visit, by target, then date, then id.
    pub visits: Vec<Visit>,
    answers: BTreeMap<RecordId, Vec<VisitAnswer>>,
    item_ix: HashMap<RecordId, usize>,
    visit_ix: HashMap<RecordId, usize>,
    pub undecodable: Vec<DecodeError>,
}

impl FieldSnapshot {
    pub fn from_docs<'a>(docs: impl IntoIterator<Item = &'a Doc>) -> FieldSnapshot {
        let mut s = FieldSnapshot::default();
        let mut answers: Vec<VisitAnswer> = Vec::new();
        for d in docs {
            if d.is_deleted() {
                continue;
            }
            match d.kind.as_str() {
                ChecklistItem::KIND => push(d, &mut s.checklist, &mut s.undecodable),
                Visit::KIND => push(d, &mut s.visits, &mut s.undecodable),
                VisitAnswer::KIND => push(d, &mut answers, &mut s.undecodable),
                _ => {}
            }
        }
        sort_items(&mut s.checklist);
        crate::core::sort::sort_by(&mut s.visits, |a, b| (&a.target_id, a.date, &a.id).cmp(&(&b.target_id, b.date, &b.id)));
        crate::core::sort::sort_by(&mut answers, |a, b| (&a.visit_id, &a.item_id, &a.id).cmp(&(&b.visit_id, &b.item_id, &b.id)));
        for a in answers {
            s.answers.entry(a.visit_id.clone()).or_default().push(a);
        }
        s.item_ix = s.checklist.iter().enumerate().map(|(i, x)| (x.id.clone(), i)).collect();
        s.visit_ix = s.visits.iter().enumerate().map(|(i, x)| (x.id.clone(), i)).collect();
        s
    }

    pub fn item(&self, id: &str) -> Option<&ChecklistItem> {
        self.item_ix.get(id).and_then(|i| self.checklist.get(*i))
    }

    pub fn visit(&self, id: &str) -> Option<&Visit> {
        self.visit_ix.get(id).and_then(|i| self.visits.get(*i))
    }

    /// The items not retired, in display order.
    pub fn active_items(&self) -> impl Iterator<Item = &ChecklistItem> {
        self.checklist.iter().filter(|i| !i.retired)
    }

    /// A visit's answers, by item id.
    pub fn answers_of(&self, visit_id: &str) -> &[VisitAnswer] {
        self.answers.get(visit_id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// A target's visits, oldest first.
    pub fn visits_of(&self, target_id: &str) -> impl Iterator<Item = &Visit> {
        let t = target_id.to_owned();
        self.visits.iter().filter(move |v| v.target_id == t)
    }

    /// Drafts not yet submitted, to offer again on return (newest date first).
    pub fn drafts(&self) -> Vec<&Visit> {
        let mut d: Vec<&Visit> = self.visits.iter().filter(|v| v.status == VisitStatus::Draft).collect();
        crate::core::sort::sort_by(&mut d, |a, b| (b.date, &b.id).cmp(&(a.date, &a.id)));
        d
    }
}

fn push<E: Entity>(doc: &Doc, out: &mut Vec<E>, bad: &mut Vec<DecodeError>) {
    match crate::core::doc::decode::<E>(doc) {
        Ok(e) => out.push(e),
        Err(e) => bad.push(e),
    }
}
