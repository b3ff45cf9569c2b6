//! The ledger read model (挂牌督战台账): every problem with its derived status and
//! flags, filtered, searched, sorted, counted and paged — for 100,000 problems.
//!
//! # Why an index, and why incremental
//!
//! The ledger view re-filters on every keystroke of the search box. Rebuilding
//! 100,000 typed rows from docs each time (decode, replay history, lowercase text)
//! costs far more than a keystroke allows, so [`LedgerIndex`] keeps the rows and
//! their derived state, and [`LedgerIndex::apply`] updates only what a set of
//! changed docs touches: the rows of changed problems, the problems whose events
//! changed, and the 屡改屡犯 groups those belong to. Target, county and checklist
//! labels live in small side tables, so renaming a target touches no row.
//!
//! Building is applying every doc to an empty index, so an incrementally updated
//! index equals one rebuilt from the same docs (a property test checks it).
//!
//! # Querying
//!
//! [`LedgerIndex::query`] scans the rows once (integer comparisons, then substring
//! search on a lowercase haystack), counts, and sorts the matches by integer keys
//! with the problem id as the final tie-break, so the order is total and the same on
//! every device. It returns a [`LedgerView`]: the ordered row handles and the counts.
//! [`LedgerIndex::page`] turns a window of a view into [`LedgerRow`]s for a
//! virtualised list, so only visible rows are materialised. When the user types one
//! more character, [`LedgerIndex::refine`] filters the previous view instead of
//! rescanning and resorting everything.
//!
//! Counting rule: [`LedgerView::counts`] (per status) counts the problems that match
//! every filter and the search *except the status filter*, so status tabs show how
//! many each tab holds; [`LedgerView::total`] and [`LedgerView::flags`] count what
//! the view shows.
//!
//! Search rule: the query is split on whitespace; every term must occur (case-
//! insensitively, as a substring — Chinese has no word breaks) in the problem's
//! description, responsible unit or responsible person (also with spaces removed,
//! so 杨虹 finds "杨 虹"), its target's label, or its checklist item's title.

use super::checklist::ChecklistItem;
use super::problem::{history, replay_sorted, supervises_without_fighting, HistoryEntry, Problem, ProblemEvent, ProblemSource, ProblemStatus};
use crate::core::doc::{decode, DecodeError, Doc, Entity, RecordId};
use crate::core::model::{normalize_name, County, Target};
use crate::core::snapshot::Snapshot;
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Which statuses a view shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StatusFilter {
    #[default]
    All,
    /// Everything not 已销号.
    Unclosed,
    Only(ProblemStatus),
}

impl StatusFilter {
    fn accepts(self, s: ProblemStatus) -> bool {
        match self {
            Self::All => true,
            Self::Unclosed => s != ProblemStatus::Closed,
            Self::Only(x) => s == x,
        }
    }
}

/// The ledger's filters. Every set filter must hold; flag filters (`overdue` …) keep
/// only problems that carry the flag.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LedgerFilter {
    pub county: Option<RecordId>,
    pub target: Option<RecordId>,
    pub status: StatusFilter,
    pub source: Option<ProblemSource>,
    pub item: Option<RecordId>,
    /// Only overdue (逾期) problems.
    pub overdue: bool,
    /// Only 只督不战 problems (no unit, person or deadline).
    pub without_owner: bool,
    /// Only 屡改屡犯 problems.
    pub recurrence: bool,
    /// Only problems whose history has skipped (conflicting) events.
    pub history_conflict: bool,
}

/// Sort orders of the ledger. Each has fixed secondary keys and ends with the id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LedgerSort {
    /// Deadline (none last), then date opened.
    #[default]
    Deadline,
    /// Date opened, then deadline.
    Opened,
    /// Target (county order, then label), then date opened.
    Target,
    /// Workflow status (待整改 first), then deadline.
    Status,
}

/// What the ledger view asks for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LedgerQuery {
    pub filter: LedgerFilter,
    pub search: String,
    pub sort: LedgerSort,
    /// Reverses the whole order (ties included).
    pub descending: bool,
}

/// Problems per status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub open: usize,
    pub in_progress: usize,
    pub awaiting_verification: usize,
    pub closed: usize,
}

impl StatusCounts {
    pub fn get(&self, s: ProblemStatus) -> usize {
        match s {
            ProblemStatus::Open => self.open,
            ProblemStatus::InProgress => self.in_progress,
            ProblemStatus::AwaitingVerification => self.awaiting_verification,
            ProblemStatus::Closed => self.closed,
        }
    }

    fn add(&mut self, s: ProblemStatus) {
        match s {
            ProblemStatus::Open => self.open += 1,
            ProblemStatus::InProgress => self.in_progress += 1,
            ProblemStatus::AwaitingVerification => self.awaiting_verification += 1,
            ProblemStatus::Closed => self.closed += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.open + self.in_progress + self.awaiting_verification + self.closed
    }

    /// Everything not closed (未销号).
    pub fn unclosed(&self) -> usize {
        self.open + self.in_progress + self.awaiting_verification
    }
}

/// Problems per derived flag.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlagCounts {
    pub overdue: usize,
    pub without_owner: usize,
    pub recurrence: usize,
    pub history_conflict: usize,
}

/// The result of a query: which problems, in which order, and the counts.
#[derive(Clone, Debug, PartialEq)]
pub struct LedgerView {
    generation: u64,
    query: LedgerQuery,
    terms: Vec<String>,
    /// Matches of everything but the status filter (unordered), for [`LedgerIndex::refine`].
    base: Vec<u32>,
    /// The view's rows, in order.
    slots: Vec<u32>,
    /// Per status, over every filter but the status filter.
    pub counts: StatusCounts,
    /// Per flag, over the view's rows.
    pub flags: FlagCounts,
}

impl LedgerView {
    /// How many problems the view shows.
    pub fn total(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub fn query(&self) -> &LedgerQuery {
        &self.query
    }
}

/// One ledger row as the UI shows it (owned, so a page outlives index updates).
#[derive(Clone, Debug, PartialEq)]
pub struct LedgerRow {
    pub id: RecordId,
    pub target_id: RecordId,
    /// The target's full label; empty when the target is unknown or deleted.
    pub target_label: String,
    pub county_id: Option<RecordId>,
    pub county_name: String,
    pub item_id: Option<RecordId>,
    pub item_code: String,
    pub item_title: String,
    pub source: ProblemSource,
    pub description: String,
    pub responsible_unit: String,
    pub responsible_person: String,
    pub deadline: Option<NaiveDate>,
    pub opened_on: NaiveDate,
    pub visit_id: Option<RecordId>,
    pub status: ProblemStatus,
    /// When and by whom it was verified closed (销号), when closed.
    pub closed_at_ms: Option<u64>,
    pub closed_by: Option<String>,
    /// The latest event's time (last rectification activity).
    pub last_event_ms: Option<u64>,
    /// 逾期.
    pub overdue: bool,
    /// 只督不战.
    pub without_owner: bool,
    /// 屡改屡犯: the closed problem this one repeats.
    pub recurrence_of: Option<RecordId>,
    /// Events of its history that did not apply (concurrent or illegal transitions).
    pub history_conflicts: usize,
}

struct TargetEntry {
    id: RecordId,
    target: Option<Target>,
    label: String,
    label_lc: String,
    county_id: Option<RecordId>,
    county_seq: u32,
    county_name: String,
}

struct ItemEntry {
    item: Option<ChecklistItem>,
    title_lc: String,
}

struct Row {
    p: Problem,
    target_ix: u32,
    item_ix: Option<u32>,
    status: ProblemStatus,
    closed_at_ms: Option<u64>,
    closed_by: Option<String>,
    last_event_ms: Option<u64>,
    conflicts: usize,
    without_owner: bool,
    recurrence_of: Option<RecordId>,
    /// Lowercase description, unit, person and person without spaces, separated by
    /// U+001F so a search term never matches across two fields.
    haystack: Box<str>,
    /// The characters of `haystack` hashed into 128 bits: a term whose characters are
    /// not all in here cannot occur, and the row's text is never scanned.
    bloom: u128,
    /// Days keys (monotone in the date); no deadline is `u32::MAX` (sorts last, never overdue).
    deadline_key: u32,
    opened_key: u32,
    /// Position of the id among all live problem ids: the final sort key, as an integer.
    id_rank: u32,
}

/// The incrementally maintained ledger (see the module doc).
pub struct LedgerIndex {
    today: NaiveDate,
    today_key: u32,
    generation: u64,
    rows: Vec<Option<Row>>,
    slot_of: HashMap<RecordId, u32>,
    targets: Vec<TargetEntry>,
    target_ix: HashMap<RecordId, u32>,
    items: Vec<ItemEntry>,
    item_ix: HashMap<RecordId, u32>,
    counties: HashMap<RecordId, County>,
    /// Each problem's live events in history order `(at_ms, id)`, kept even while the
    /// problem itself is unknown (its record may arrive later).
    events: HashMap<RecordId, Vec<ProblemEvent>>,
    event_owner: HashMap<RecordId, RecordId>,
    /// (target, item) → rows: the scope of the 屡改屡犯 rule.
    groups: HashMap<(u32, u32), Vec<u32>>,
    /// Live rows ordered by problem id; gives each row its `id_rank`.
    by_id: Vec<u32>,
    undecodable: BTreeMap<RecordId, DecodeError>,
}

fn day_key(d: NaiveDate) -> u32 {
    // Shift so every representable date maps monotonically into u32.
    (i64::from(d.num_days_from_ce()) - i64::from(i32::MIN)) as u32
}

/// Hashes each character into one of 128 bits (Fibonacci hashing, top 7 bits).
fn char_bloom(s: &str) -> u128 {
    s.chars().fold(0u128, |m, c| m | 1u128 << ((u32::from(c).wrapping_mul(0x9E37_79B1)) >> 25))
}

fn haystack(p: &Problem) -> Box<str> {
    let person_compact = normalize_name(&p.responsible_person);
    format!("{}\u{1f}{}\u{1f}{}\u{1f}{}", p.description, p.responsible_unit, p.responsible_person, person_compact).to_lowercase().into_boxed_str()
}

/// The search terms of a query string: lowercase, split on any whitespace (also the
/// ideographic space), duplicates removed.
pub fn search_terms(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in s.split_whitespace() {
        let t = t.to_lowercase();
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

impl LedgerIndex {
    /// The kinds the index reads: problems and their events, and the targets,
    /// counties and checklist items whose labels its rows show.
    pub const KINDS: [&'static str; 5] = [Problem::KIND, ProblemEvent::KIND, Target::KIND, County::KIND, ChecklistItem::KIND];

    /// An empty index; `today` decides what is overdue.
    pub fn new(today: NaiveDate) -> Self {
        LedgerIndex {
            today,
            today_key: day_key(today),
            generation: 0,
            rows: Vec::new(),
            slot_of: HashMap::new(),
            targets: Vec::new(),
            target_ix: HashMap::new(),
            items: Vec::new(),
            item_ix: HashMap::new(),
            counties: HashMap::new(),
            events: HashMap::new(),
            event_owner: HashMap::new(),
            groups: HashMap::new(),
            by_id: Vec::new(),
            undecodable: BTreeMap::new(),
        }
    }

    /// The index of a set of docs (any kinds; those the ledger does not use are ignored).
    pub fn build<'a>(docs: impl IntoIterator<Item = &'a Doc>, today: NaiveDate) -> Self {
        let mut ix = Self::new(today);
        ix.apply(docs);
        ix
    }

    /// Changes what "overdue" is measured against (the day rolled over).
    pub fn set_today(&mut self, today: NaiveDate) {
        if today != self.today {
            self.today = today;
            self.today_key = day_key(today);
            self.generation += 1;
        }
    }

    pub fn today(&self) -> NaiveDate {
        self.today
    }

    /// Increases with every change; a [`LedgerView`] from an older generation is stale.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// How many problems the ledger holds.
    pub fn len(&self) -> usize {
        self.slot_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slot_of.is_empty()
    }

    /// Problem and event records that could not be read (written by a newer app).
    pub fn undecodable(&self) -> impl Iterator<Item = &DecodeError> {
        self.undecodable.values()
    }

    /// Applies changed docs — their full new states, as in a committed
    /// [`Change`](crate::core::replica::Change) or a merge — updating only what they touch.
    ///
    /// Because updates are incremental, a large set of docs can also be fed in chunks
    /// (e.g. 10,000 per animation frame at start-up): the result is the same as one call.
    pub fn apply<'a>(&mut self, docs: impl IntoIterator<Item = &'a Doc>) {
        let docs: Vec<&Doc> = docs.into_iter().collect();
        // Size the tables once rather than growing them doc by doc.
        let problems = docs.iter().filter(|d| d.kind == Problem::KIND).count();
        let events = docs.iter().filter(|d| d.kind == ProblemEvent::KIND).count();
        self.rows.reserve(problems);
        self.slot_of.reserve(problems);
        self.events.reserve(problems.min(events));
        self.event_owner.reserve(events);
        // Rows whose status must be replayed again (by slot; deduplicated at the end).
        let mut dirty: Vec<u32> = Vec::new();
        let mut dirty_groups: HashSet<(u32, u32)> = HashSet::new();
        let mut members = Membership::default();
        for d in docs {
            match d.kind.as_str() {
                Problem::KIND => {
                    self.undecodable.remove(&d.id);
                    if d.is_deleted() {
                        self.remove_row(&d.id, &mut dirty_groups, &mut members);
                        continue;
                    }
                    match decode::<Problem>(d) {
                        Ok(p) => {
                            dirty.push(self.upsert_row(p, &mut dirty_groups, &mut members));
                        }
                        Err(e) => {
                            self.remove_row(&d.id, &mut dirty_groups, &mut members);
                            self.undecodable.insert(d.id.clone(), e);
                        }
                    }
                }
                ProblemEvent::KIND => {
                    self.undecodable.remove(&d.id);
                    if let Some(owner) = self.remove_event(&d.id) {
                        dirty.extend(self.slot_of.get(&owner).copied());
                    }
                    if d.is_deleted() {
                        continue;
                    }
                    match decode::<ProblemEvent>(d) {
                        Ok(e) => {
                            // A problem not (yet) known is replayed when its record arrives.
                            dirty.extend(self.slot_of.get(&e.problem_id).copied());
                            self.insert_event(e);
                        }
                        Err(e) => {
                            self.undecodable.insert(d.id.clone(), e);
                        }
                    }
                }
                Target::KIND => {
                    let ix = self.ensure_target(&d.id);
                    let t = if d.is_deleted() { None } else { decode::<Target>(d).ok() };
                    if let Some(entry) = self.targets.get_mut(ix as usize) {
                        entry.target = t;
                    }
                    self.relabel_target(ix);
                }
                County::KIND => {
                    let c = if d.is_deleted() { None } else { decode::<County>(d).ok() };
                    match c {
                        Some(c) => self.counties.insert(d.id.clone(), c),
                        None => self.counties.remove(&d.id),
                    };
                    let affected: Vec<u32> =
                        (0..self.targets.len() as u32).filter(|ix| self.targets[*ix as usize].target.as_ref().is_some_and(|t| t.county_id == d.id)).collect();
                    for ix in affected {
                        self.relabel_target(ix);
                    }
                }
                ChecklistItem::KIND => {
                    let ix = self.ensure_item(&d.id);
                    let item = if d.is_deleted() { None } else { decode::<ChecklistItem>(d).ok() };
                    if let Some(entry) = self.items.get_mut(ix as usize) {
                        entry.title_lc = item.as_ref().map(|i| i.title.to_lowercase()).unwrap_or_default();
                        entry.item = item;
                    }
                }
                _ => {}
            }
        }
        dirty.sort_unstable();
        dirty.dedup();
        for slot in dirty {
            // A row removed later in the same batch is skipped (its slot is empty).
            if self.row(slot).is_some() {
                self.recompute_row(slot);
                if let Some(key) = self.group_key(slot) {
                    dirty_groups.insert(key);
                }
            }
        }
        for key in dirty_groups {
            self.recompute_group(key);
        }
        self.update_id_order(members);
        self.generation += 1;
    }

    // ---- maintenance ----

    fn ensure_target(&mut self, id: &str) -> u32 {
        if let Some(ix) = self.target_ix.get(id) {
            return *ix;
        }
        let ix = self.targets.len() as u32;
        self.targets.push(TargetEntry {
            id: id.to_owned(),
            target: None,
            label: String::new(),
            label_lc: String::new(),
            county_id: None,
            county_seq: u32::MAX,
            county_name: String::new(),
        });
        self.target_ix.insert(id.to_owned(), ix);
        ix
    }

    fn ensure_item(&mut self, id: &str) -> u32 {
        if let Some(ix) = self.item_ix.get(id) {
            return *ix;
        }
        let ix = self.items.len() as u32;
        self.items.push(ItemEntry { item: None, title_lc: String::new() });
        self.item_ix.insert(id.to_owned(), ix);
        ix
    }

    /// Recomputes a target's label and county from the current target and county records.
    fn relabel_target(&mut self, ix: u32) {
        let Some(entry) = self.targets.get(ix as usize) else { return };
        let (label, county_id, county_seq, county_name) = match &entry.target {
            Some(t) => {
                let county = self.counties.get(&t.county_id);
                // The label rule is the main snapshot's, so the ledger reads like every other view.
                let mut snap = Snapshot::default();
                snap.counties.extend(county.cloned());
                let label = snap.target_label(t);
                (label, Some(t.county_id.clone()), county.map_or(u32::MAX, |c| c.seq), county.map(|c| c.name.clone()).unwrap_or_default())
            }
            None => (String::new(), None, u32::MAX, String::new()),
        };
        if let Some(entry) = self.targets.get_mut(ix as usize) {
            entry.label_lc = label.to_lowercase();
            entry.label = label;
            entry.county_id = county_id;
            entry.county_seq = county_seq;
            entry.county_name = county_name;
        }
    }

    fn row(&self, slot: u32) -> Option<&Row> {
        self.rows.get(slot as usize).and_then(Option::as_ref)
    }

    fn group_key(&self, slot: u32) -> Option<(u32, u32)> {
        self.row(slot).and_then(|r| r.item_ix.map(|i| (r.target_ix, i)))
    }

    /// Inserts or updates a problem's row; returns its slot.
    fn upsert_row(&mut self, p: Problem, dirty_groups: &mut HashSet<(u32, u32)>, members: &mut Membership) -> u32 {
        let target_ix = self.ensure_target(&p.target_id);
        let item_ix = p.item_id.as_deref().map(|i| self.ensure_item(i));
        let new_key = item_ix.map(|i| (target_ix, i));
        let hay = haystack(&p);
        let bloom = char_bloom(&hay);
        let deadline_key = p.deadline.map_or(u32::MAX, day_key);
        let opened_key = day_key(p.opened_on);
        let slot = match self.slot_of.get(&p.id).copied() {
            Some(slot) => {
                let old_key = self.group_key(slot);
                if old_key != new_key {
                    if let Some(k) = old_key {
                        self.group_remove(k, slot);
                        dirty_groups.insert(k);
                    }
                    if let Some(k) = new_key {
                        self.groups.entry(k).or_default().push(slot);
                    }
                }
                if let Some(Some(row)) = self.rows.get_mut(slot as usize) {
                    row.p = p;
                    row.target_ix = target_ix;
                    row.item_ix = item_ix;
                    row.haystack = hay;
                    row.bloom = bloom;
                    row.deadline_key = deadline_key;
                    row.opened_key = opened_key;
                    if new_key.is_none() {
                        row.recurrence_of = None;
                    }
                }
                slot
            }
            None => {
                let slot = self.rows.len() as u32;
                self.slot_of.insert(p.id.clone(), slot);
                self.rows.push(Some(Row {
                    p,
                    target_ix,
                    item_ix,
                    status: ProblemStatus::Open,
                    closed_at_ms: None,
                    closed_by: None,
                    last_event_ms: None,
                    conflicts: 0,
                    without_owner: false,
                    recurrence_of: None,
                    haystack: hay,
                    bloom,
                    deadline_key,
                    opened_key,
                    id_rank: 0,
                }));
                members.added.push(slot);
                if let Some(k) = new_key {
                    self.groups.entry(k).or_default().push(slot);
                }
                slot
            }
        };
        // Its opened date (or membership) may have changed: the group's 屡改屡犯 links too.
        if let Some(k) = new_key {
            dirty_groups.insert(k);
        }
        slot
    }

    fn group_remove(&mut self, key: (u32, u32), slot: u32) {
        if let Some(g) = self.groups.get_mut(&key) {
            g.retain(|s| *s != slot);
            if g.is_empty() {
                self.groups.remove(&key);
            }
        }
    }

    fn remove_row(&mut self, id: &str, dirty_groups: &mut HashSet<(u32, u32)>, members: &mut Membership) {
        let Some(slot) = self.slot_of.remove(id) else { return };
        members.removed.push(slot);
        if let Some(k) = self.group_key(slot) {
            self.group_remove(k, slot);
            dirty_groups.insert(k);
        }
        // The slot is left empty, not reused: views taken before stay readable.
        if let Some(r) = self.rows.get_mut(slot as usize) {
            *r = None;
        }
    }

    /// Keeps `by_id` and every row's `id_rank` in step with the live rows, in
    /// O(n + k log n) for k rows added: the added ids are sorted, their positions found
    /// by binary search, and the two sorted lists spliced in one pass.
    fn update_id_order(&mut self, members: Membership) {
        if members.added.is_empty() && members.removed.is_empty() {
            return;
        }
        let rows = &self.rows;
        let id = |s: u32| rows.get(s as usize).and_then(Option::as_ref).map(|r| r.p.id.as_str());
        if !members.removed.is_empty() {
            let removed: HashSet<u32> = members.removed.into_iter().collect();
            self.by_id.retain(|s| !removed.contains(s));
        }
        // A row added and removed again within the batch is gone.
        let mut added: Vec<u32> = members.added.into_iter().filter(|s| id(*s).is_some()).collect();
        crate::core::sort::sort_by(&mut added, |a, b| id(*a).cmp(&id(*b)));
        let mut merged = Vec::with_capacity(self.by_id.len() + added.len());
        let mut from = 0;
        for s in added {
            let pos = from + self.by_id[from..].partition_point(|x| id(*x) < id(s));
            merged.extend_from_slice(&self.by_id[from..pos]);
            merged.push(s);
            from = pos;
        }
        merged.extend_from_slice(&self.by_id[from..]);
        self.by_id = merged;
        for (rank, s) in self.by_id.iter().enumerate() {
            if let Some(Some(r)) = self.rows.get_mut(*s as usize) {
                r.id_rank = rank as u32;
            }
        }
    }

    /// Removes an event wherever it is; returns the problem it belonged to.
    fn remove_event(&mut self, event_id: &str) -> Option<RecordId> {
        let owner = self.event_owner.remove(event_id)?;
        if let Some(list) = self.events.get_mut(&owner) {
            list.retain(|e| e.id != event_id);
            if list.is_empty() {
                self.events.remove(&owner);
            }
        }
        Some(owner)
    }

    fn insert_event(&mut self, e: ProblemEvent) {
        self.event_owner.insert(e.id.clone(), e.problem_id.clone());
        let list = self.events.entry(e.problem_id.clone()).or_default();
        let pos = list.partition_point(|x| (x.at_ms, &x.id) < (e.at_ms, &e.id));
        list.insert(pos, e);
    }

    /// Re-derives a row's status and owner flag from its problem and events.
    fn recompute_row(&mut self, slot: u32) {
        let Some(Some(row)) = self.rows.get(slot as usize) else { return };
        let r = replay_sorted(self.events.get(&row.p.id).map(Vec::as_slice).unwrap_or(&[]));
        let without_owner = supervises_without_fighting(&row.p, r.status);
        if let Some(Some(row)) = self.rows.get_mut(slot as usize) {
            row.status = r.status;
            row.closed_at_ms = r.closed_at_ms;
            row.closed_by = r.closed_by;
            row.last_event_ms = r.last_at_ms;
            row.conflicts = r.skipped.len();
            row.without_owner = without_owner;
        }
    }

    /// Recomputes 屡改屡犯 for every problem of one (target, item) group. Same rule as
    /// [`problem::recurrence_of`](super::problem::recurrence_of), in O(n log n): closed
    /// members sorted by (closing time, id); for each member, the last one closed on or
    /// before the day it was opened, other than itself.
    fn recompute_group(&mut self, key: (u32, u32)) {
        let Some(members) = self.groups.get(&key) else { return };
        let mut closed: Vec<(u64, &str, NaiveDate, u32)> = members
            .iter()
            .filter_map(|s| self.row(*s).map(|r| (*s, r)))
            .filter_map(|(s, r)| {
                r.closed_at_ms.filter(|_| r.status == ProblemStatus::Closed).map(|ms| (ms, r.p.id.as_str(), crate::core::calendar::date_of_ms(ms), s))
            })
            .collect();
        crate::core::sort::sort_by(&mut closed, |a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        let results: Vec<(u32, Option<RecordId>)> = members
            .iter()
            .filter_map(|s| self.row(*s).map(|r| (*s, r)))
            .map(|(s, r)| {
                let upto = closed.partition_point(|c| c.2 <= r.p.opened_on);
                let found = closed[..upto].iter().rev().find(|c| c.3 != s).map(|c| c.1.to_owned());
                (s, found)
            })
            .collect();
        for (s, found) in results {
            if let Some(Some(row)) = self.rows.get_mut(s as usize) {
                row.recurrence_of = found;
            }
        }
    }

    // ---- reading ----

    fn is_overdue(&self, r: &Row) -> bool {
        r.status != ProblemStatus::Closed && r.deadline_key < self.today_key
    }

    fn row_view(&self, r: &Row) -> LedgerRow {
        let t = self.targets.get(r.target_ix as usize);
        let item = r.item_ix.and_then(|i| self.items.get(i as usize)).and_then(|e| e.item.as_ref());
        LedgerRow {
            id: r.p.id.clone(),
            target_id: r.p.target_id.clone(),
            target_label: t.map(|t| t.label.clone()).unwrap_or_default(),
            county_id: t.and_then(|t| t.county_id.clone()),
            county_name: t.map(|t| t.county_name.clone()).unwrap_or_default(),
            item_id: r.p.item_id.clone(),
            item_code: item.map(|i| i.code.clone()).unwrap_or_default(),
            item_title: item.map(|i| i.title.clone()).unwrap_or_default(),
            source: r.p.source,
            description: r.p.description.clone(),
            responsible_unit: r.p.responsible_unit.clone(),
            responsible_person: r.p.responsible_person.clone(),
            deadline: r.p.deadline,
            opened_on: r.p.opened_on,
            visit_id: r.p.visit_id.clone(),
            status: r.status,
            closed_at_ms: r.closed_at_ms,
            closed_by: r.closed_by.clone(),
            last_event_ms: r.last_event_ms,
            overdue: self.is_overdue(r),
            without_owner: r.without_owner,
            recurrence_of: r.recurrence_of.clone(),
            history_conflicts: r.conflicts,
        }
    }

    /// One problem's row.
    pub fn get(&self, problem_id: &str) -> Option<LedgerRow> {
        self.slot_of.get(problem_id).and_then(|s| self.row(*s)).map(|r| self.row_view(r))
    }

    /// A problem's record as stored.
    pub fn problem(&self, problem_id: &str) -> Option<&Problem> {
        self.slot_of.get(problem_id).and_then(|s| self.row(*s)).map(|r| &r.p)
    }

    /// A problem's events in history order.
    pub fn events_of(&self, problem_id: &str) -> &[ProblemEvent] {
        self.events.get(problem_id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// A problem's history, each event marked applied or skipped (with why).
    pub fn history_of(&self, problem_id: &str) -> Vec<HistoryEntry<'_>> {
        history(self.events_of(problem_id))
    }

    /// Every live problem with its events in history order (for the month's figures).
    pub fn problems_with_events(&self) -> impl Iterator<Item = (&Problem, &[ProblemEvent])> {
        self.rows.iter().flatten().map(|r| (&r.p, self.events_of(&r.p.id)))
    }

    /// Every live problem with its events, its current status and whether it is overdue today.
    pub fn problems_with_status(&self) -> impl Iterator<Item = ((&Problem, &[ProblemEvent]), ProblemStatus, bool)> {
        self.rows.iter().flatten().map(|r| ((&r.p, self.events_of(&r.p.id)), r.status, self.is_overdue(r)))
    }

    /// Every row, ordered by id (a canonical form: two indexes over the same docs give equal lists).
    pub fn rows_by_id(&self) -> Vec<LedgerRow> {
        let mut v: Vec<LedgerRow> = self.rows.iter().flatten().map(|r| self.row_view(r)).collect();
        crate::core::sort::sort_by(&mut v, |a, b| a.id.cmp(&b.id));
        v
    }

    /// A target's problems not yet closed, by deadline (for the target's page).
    pub fn open_problems_of(&self, target_id: &str) -> Vec<LedgerRow> {
        let q = LedgerQuery {
            filter: LedgerFilter { target: Some(target_id.to_owned()), status: StatusFilter::Unclosed, ..Default::default() },
            ..Default::default()
        };
        let v = self.query(&q);
        self.page(&v, 0, v.total())
    }

    /// Runs a query over every row.
    pub fn query(&self, q: &LedgerQuery) -> LedgerView {
        let terms = search_terms(&q.search);
        let m = self.matcher(&q.filter, &terms);
        let base: Vec<u32> = self.rows.iter().enumerate().filter_map(|(s, r)| r.as_ref().filter(|r| m.matches(self, r)).map(|_| s as u32)).collect();
        let mut view = self.finish(q, terms, base, None);
        self.sort(&mut view.slots, q.sort, q.descending);
        view
    }

    /// Like [`query`](Self::query), reusing `prev` when the new query can only narrow it
    /// (same filters and order, and every previous search term is contained in a new
    /// term — the usual case while typing). Falls back to a full query otherwise.
    pub fn refine(&self, prev: &LedgerView, q: &LedgerQuery) -> LedgerView {
        let terms = search_terms(&q.search);
        let narrows = prev.generation == self.generation
            && prev.query.filter == q.filter
            && prev.query.sort == q.sort
            && prev.query.descending == q.descending
            && prev.terms.iter().all(|old| terms.iter().any(|new| new.contains(old.as_str())));
        if !narrows {
            return self.query(q);
        }
        let m = self.matcher(&q.filter, &terms);
        let mut kept = vec![false; self.rows.len()];
        let base: Vec<u32> = prev
            .base
            .iter()
            .copied()
            .filter(|s| {
                let ok = self.row(*s).is_some_and(|r| m.matches(self, r));
                if let Some(k) = kept.get_mut(*s as usize) {
                    *k = ok;
                }
                ok
            })
            .collect();
        // The previous order restricted to a subset is the subset's order.
        let ordered: Vec<u32> = prev.slots.iter().copied().filter(|s| kept.get(*s as usize).copied().unwrap_or(false)).collect();
        self.finish(q, terms, base, Some(ordered))
    }

    /// Counts and status-filters a base set. `ordered` is the already ordered result, if known.
    fn finish(&self, q: &LedgerQuery, terms: Vec<String>, base: Vec<u32>, ordered: Option<Vec<u32>>) -> LedgerView {
        let mut counts = StatusCounts::default();
        for s in &base {
            if let Some(r) = self.row(*s) {
                counts.add(r.status);
            }
        }
        let slots = ordered.unwrap_or_else(|| base.iter().copied().filter(|s| self.row(*s).is_some_and(|r| q.filter.status.accepts(r.status))).collect());
        let mut flags = FlagCounts::default();
        for s in &slots {
            if let Some(r) = self.row(*s) {
                flags.overdue += usize::from(self.is_overdue(r));
                flags.without_owner += usize::from(r.without_owner);
                flags.recurrence += usize::from(r.recurrence_of.is_some());
                flags.history_conflict += usize::from(r.conflicts > 0);
            }
        }
        LedgerView { generation: self.generation, query: q.clone(), terms, base, slots, counts, flags }
    }

    fn sort(&self, slots: &mut Vec<u32>, sort: LedgerSort, descending: bool) {
        let rank: Vec<u32> = if sort == LedgerSort::Target {
            let mut order: Vec<u32> = (0..self.targets.len() as u32).collect();
            crate::core::sort::sort_by(&mut order, |a, b| {
                let (ta, tb) = (&self.targets[*a as usize], &self.targets[*b as usize]);
                (ta.county_seq, &ta.label, &ta.id).cmp(&(tb.county_seq, &tb.label, &tb.id))
            });
            let mut rank = vec![0u32; order.len()];
            for (r, ix) in order.into_iter().enumerate() {
                rank[ix as usize] = r as u32;
            }
            rank
        } else {
            Vec::new()
        };
        let key = |r: &Row| -> u64 {
            let (hi, lo) = match sort {
                LedgerSort::Deadline => (r.deadline_key, r.opened_key),
                LedgerSort::Opened => (r.opened_key, r.deadline_key),
                LedgerSort::Target => (rank.get(r.target_ix as usize).copied().unwrap_or(u32::MAX), r.opened_key),
                LedgerSort::Status => (r.status.ordinal() as u32, r.deadline_key),
            };
            (u64::from(hi) << 32) | u64::from(lo)
        };
        // One integer per row: the sort keys, then the id's rank (which makes the order
        // total and the same on every device), then the slot to carry along.
        let mut keyed: Vec<u128> =
            slots.iter().filter_map(|s| self.row(*s).map(|r| (u128::from(key(r)) << 64) | (u128::from(r.id_rank) << 32) | u128::from(*s))).collect();
        keyed.sort_unstable();
        if descending {
            keyed.reverse();
        }
        slots.clear();
        slots.extend(keyed.into_iter().map(|k| k as u32));
    }

    /// Rows `offset .. offset + limit` of a view (fewer at the end), for a virtualised list.
    /// Rows removed since the view was taken are left out.
    pub fn page(&self, view: &LedgerView, offset: usize, limit: usize) -> Vec<LedgerRow> {
        let end = offset.saturating_add(limit).min(view.slots.len());
        let start = offset.min(end);
        view.slots[start..end].iter().filter_map(|s| self.row(*s)).map(|r| self.row_view(r)).collect()
    }

    fn matcher<'q>(&self, f: &LedgerFilter, terms: &'q [String]) -> Matcher<'q> {
        let target_ok = if f.county.is_some() || f.target.is_some() {
            Some(
                self.targets
                    .iter()
                    .map(|t| f.target.as_ref().is_none_or(|x| *x == t.id) && f.county.as_ref().is_none_or(|c| t.county_id.as_ref() == Some(c)))
                    .collect(),
            )
        } else {
            None
        };
        // An item id the index has never seen matches nothing.
        let item = f.item.as_ref().map(|i| self.item_ix.get(i).copied());
        let term_target = terms.iter().map(|t| self.targets.iter().map(|e| e.label_lc.contains(t.as_str())).collect()).collect();
        let term_item = terms.iter().map(|t| self.items.iter().map(|e| !e.title_lc.is_empty() && e.title_lc.contains(t.as_str())).collect()).collect();
        let term_bloom = terms.iter().map(|t| char_bloom(t)).collect();
        Matcher { target_ok, item, filter: f.clone(), terms, term_bloom, term_target, term_item }
    }
}

/// Rows that appeared or disappeared during one `apply`.
#[derive(Default)]
struct Membership {
    added: Vec<u32>,
    removed: Vec<u32>,
}

/// A query compiled against the side tables: per-target and per-item answers are
/// computed once, so the row loop only indexes vectors and searches one string.
struct Matcher<'q> {
    target_ok: Option<Vec<bool>>,
    item: Option<Option<u32>>,
    filter: LedgerFilter,
    terms: &'q [String],
    term_bloom: Vec<u128>,
    term_target: Vec<Vec<bool>>,
    term_item: Vec<Vec<bool>>,
}

impl Matcher<'_> {
    /// Every filter but the status filter, and the search.
    fn matches(&self, ix: &LedgerIndex, r: &Row) -> bool {
        if let Some(ok) = &self.target_ok {
            if !ok.get(r.target_ix as usize).copied().unwrap_or(false) {
                return false;
            }
        }
        if self.filter.source.is_some_and(|s| s != r.p.source) {
            return false;
        }
        if let Some(item) = self.item {
            if item.is_none() || r.item_ix != item {
                return false;
            }
        }
        if self.filter.overdue && !ix.is_overdue(r) {
            return false;
        }
        if self.filter.without_owner && !r.without_owner {
            return false;
        }
        if self.filter.recurrence && r.recurrence_of.is_none() {
            return false;
        }
        if self.filter.history_conflict && r.conflicts == 0 {
            return false;
        }
        self.terms.iter().enumerate().all(|(k, t)| {
            self.term_target[k].get(r.target_ix as usize).copied().unwrap_or(false)
                || r.item_ix.is_some_and(|i| self.term_item[k].get(i as usize).copied().unwrap_or(false))
                || (r.bloom & self.term_bloom[k] == self.term_bloom[k] && r.haystack.contains(t.as_str()))
        })
    }
}
