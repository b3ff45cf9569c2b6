//! Read models (读取模型): what views and staging functions read, derived from the
//! replica and kept up to date by every committed change instead of rebuilt from
//! every doc.
//!
//! | read model | made of | kept up to date |
//! |---|---|---|
//! | [`Snapshot`] (the plan) | [`PLAN_KINDS`], head docs | rebuilt from the head docs when a plan record changed |
//! | [`ReportSnapshot`] (the monthly cycle) | [`REPORT_KINDS`], head docs | rebuilt from the head docs when one of its records changed |
//! | [`FieldSnapshot`] (checklist, visits, answers) | [`FIELD_KINDS`], bulk | doc by doc |
//! | [`LedgerIndex`] (problems, events) | problems, events, and the labels it shows | doc by doc |
//! | [`ChangedSince`] (records changed after the last export) | every doc's last change | a count, doc by doc; counted afresh when the moment moves (once per export) |
//!
//! The head is the plan's few thousand records ([`Replica::head_docs`]); rebuilding
//! from it never walks the bulk (hundreds of thousands of field records). What
//! [`ReadModel::update`] promises, checked by a property test per read model: updated
//! over any sequence of commits = built from scratch from the replica they leave.
//!
//! [`ReadModels`] holds the five; [`Stage`] is what a staging function gets: the
//! replica, the read models, today and the commit's time, in one value.

use super::doc::Doc;
use super::fieldwork::problem::events_in;
use super::fieldwork::{FieldSnapshot, LedgerIndex, ProblemEvent};
use super::replica::Replica;
use super::report::{Filing, MonthlyReport, ReportSnapshot, Requirement};
use super::snapshot::{Snapshot, PLAN_KINDS};
use chrono::NaiveDate;
use std::borrow::Cow;

pub use super::fieldwork::snapshot::FIELD_KINDS;

/// The kinds the monthly cycle's read model is made of.
pub const REPORT_KINDS: [&str; 3] =
    [<Requirement as super::doc::Entity>::KIND, <MonthlyReport as super::doc::Entity>::KIND, <Filing as super::doc::Entity>::KIND];

/// A view of the replica kept up to date by committed changes.
pub trait ReadModel {
    /// Brings the model up to date after `changed` (full doc states, as stored) were
    /// applied to `replica`. Returns whether the model changed, so that only the views
    /// reading it are told.
    fn update(&mut self, replica: &Replica, changed: &[&Doc]) -> bool;
}

fn touches(changed: &[&Doc], kinds: &[&str]) -> bool {
    changed.iter().any(|d| kinds.contains(&d.kind.as_str()))
}

impl ReadModel for Snapshot {
    fn update(&mut self, replica: &Replica, changed: &[&Doc]) -> bool {
        if !touches(changed, &PLAN_KINDS) {
            return false;
        }
        *self = replica.snapshot();
        true
    }
}

impl ReadModel for ReportSnapshot {
    fn update(&mut self, replica: &Replica, changed: &[&Doc]) -> bool {
        if !touches(changed, &REPORT_KINDS) {
            return false;
        }
        *self = ReportSnapshot::from_docs(replica.head_docs());
        true
    }
}

impl ReadModel for FieldSnapshot {
    fn update(&mut self, _replica: &Replica, changed: &[&Doc]) -> bool {
        self.apply(changed.iter().copied())
    }
}

impl ReadModel for LedgerIndex {
    fn update(&mut self, _replica: &Replica, changed: &[&Doc]) -> bool {
        if !touches(changed, &LedgerIndex::KINDS) {
            return false;
        }
        self.apply(changed.iter().copied());
        true
    }
}

/// How many records changed after a moment: the data guardian's "changes since the
/// last export" (`core::guardian`). Kept up to date from each written doc's last
/// change before and after a commit; counted afresh (one walk of the replica) only
/// when the moment moves, that is once per export.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangedSince {
    since: u64,
    count: usize,
}

/// When a doc last changed (its latest field stamp's wall time), if it ever did.
pub fn last_changed(d: &Doc) -> Option<u64> {
    d.last_change().map(|s| s.wall)
}

impl ChangedSince {
    /// Counts the replica's records changed after `since` (ms since the Unix epoch).
    pub fn count_in(replica: &Replica, since: u64) -> Self {
        let count = replica.docs().filter(|d| last_changed(d) > Some(since)).count();
        ChangedSince { since, count }
    }

    /// The moment counted from.
    pub fn since(&self) -> u64 {
        self.since
    }

    /// Records changed after it.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Counts from another moment (a walk, when it moved). Returns whether the count changed.
    pub fn rebase(&mut self, replica: &Replica, since: u64) -> bool {
        if since == self.since {
            return false;
        }
        let before = self.count;
        *self = ChangedSince::count_in(replica, since);
        self.count != before
    }

    /// One written doc: when it last changed before the commit (`None`: it is new) and after.
    fn step(&mut self, before: Option<u64>, after: Option<u64>) -> bool {
        let since = Some(self.since);
        match (before > since, after > since) {
            (false, true) => self.count += 1,
            (true, false) => self.count -= 1,
            _ => return false,
        }
        true
    }
}

/// Which read models a change touched.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Touched {
    pub plan: bool,
    pub field: bool,
    pub reports: bool,
    pub ledger: bool,
    pub changes: bool,
}

impl Touched {
    pub fn any(&self) -> bool {
        self.plan || self.field || self.reports || self.ledger || self.changes
    }
}

/// The read models of one replica.
pub struct ReadModels {
    pub plan: Snapshot,
    pub field: FieldSnapshot,
    pub reports: ReportSnapshot,
    pub ledger: LedgerIndex,
    /// Records changed since the last export; counted from the epoch until told the
    /// moment ([`ChangedSince::rebase`]: the sync ledger is not in the replica).
    pub changed: ChangedSince,
    /// Whether the ledger holds every doc of the replica (the browser builds it in
    /// chunks after the records are read; until then staging reads the replica).
    pub ledger_complete: bool,
}

impl ReadModels {
    /// Empty read models (nothing loaded yet).
    pub fn empty(today: NaiveDate) -> Self {
        ReadModels::without_ledger(&Replica::new(super::clock::DeviceId(String::new())), today)
    }

    /// Every read model built from the replica at once (natively, in tests; the browser
    /// builds the ledger in chunks, see `ui::state`).
    pub fn build(replica: &Replica, today: NaiveDate) -> Self {
        let mut ledger = LedgerIndex::new(today);
        ledger.apply(replica.docs());
        ReadModels { ledger, ledger_complete: true, ..ReadModels::without_ledger(replica, today) }
    }

    /// The plan, the monthly cycle and the field work built from the replica; the
    /// ledger left empty (to be fed in chunks).
    pub fn without_ledger(replica: &Replica, today: NaiveDate) -> Self {
        ReadModels {
            plan: replica.snapshot(),
            field: FieldSnapshot::from_docs(replica.docs()),
            reports: ReportSnapshot::from_docs(replica.head_docs()),
            ledger: LedgerIndex::new(today),
            changed: ChangedSince::count_in(replica, 0),
            ledger_complete: false,
        }
    }

    /// Brings every read model up to date after `changed` were applied to `replica`;
    /// `before[i]` is when `changed[i]` had last changed before (`None`: it is new).
    /// Each doc once.
    pub fn update(&mut self, replica: &Replica, changed: &[&Doc], before: &[Option<u64>], today: NaiveDate) -> Touched {
        debug_assert_eq!(changed.len(), before.len());
        self.ledger.set_today(today);
        let mut changes = false;
        for (d, b) in changed.iter().zip(before) {
            changes |= self.changed.step(*b, last_changed(d));
        }
        Touched {
            plan: self.plan.update(replica, changed),
            field: self.field.update(replica, changed),
            reports: self.reports.update(replica, changed),
            ledger: self.ledger.update(replica, changed),
            changes,
        }
    }

    /// Applies a committed change (as stored) to the replica, then brings every read
    /// model up to date from the docs it wrote, as the replica now holds them: what
    /// every workspace does with a commit, another tab's, or an import.
    pub fn apply(&mut self, replica: &mut Replica, change: super::replica::Change, today: NaiveDate) -> Touched {
        let mut seen = std::collections::BTreeSet::new();
        let ids: Vec<String> = change.docs.iter().filter(|d| seen.insert(d.id.as_str())).map(|d| d.id.clone()).collect();
        let before: Vec<Option<u64>> = ids.iter().map(|id| replica.doc(id).and_then(last_changed)).collect();
        replica.apply(change);
        // Every doc of a change is in the replica once applied.
        let changed: Vec<&Doc> = ids.iter().filter_map(|id| replica.doc(id)).collect();
        self.update(replica, &changed, &before, today)
    }

    /// What a staging function gets for a commit at `now_ms`.
    pub fn stage<'a>(&'a self, replica: &'a Replica, today: NaiveDate, now_ms: u64) -> Stage<'a> {
        let ledger = self.ledger_complete.then_some(&self.ledger);
        Stage { replica, plan: &self.plan, field: &self.field, reports: &self.reports, ledger, today, now_ms }
    }
}

/// Everything a staging function reads, in one value: the replica of the moment the
/// commit takes its turn, its read models, today (the campaign calendar's) and the
/// commit's time (the clock already caught up). Built by [`ReadModels::stage`].
#[derive(Clone, Copy)]
pub struct Stage<'a> {
    pub replica: &'a Replica,
    pub plan: &'a Snapshot,
    pub field: &'a FieldSnapshot,
    pub reports: &'a ReportSnapshot,
    /// `None` while the ledger is still being built: read the replica then.
    pub ledger: Option<&'a LedgerIndex>,
    pub today: NaiveDate,
    pub now_ms: u64,
}

impl<'a> Stage<'a> {
    /// A problem's live events in history order: the ledger index's, or (while it is
    /// still being built) found by scanning the replica.
    pub fn events_of(&self, problem_id: &str) -> Cow<'a, [ProblemEvent]> {
        match self.ledger {
            Some(ix) => Cow::Borrowed(ix.events_of(problem_id)),
            None => Cow::Owned(events_in(self.replica, problem_id)),
        }
    }
}
