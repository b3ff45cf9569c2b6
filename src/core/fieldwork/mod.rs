//! Field work (督战现场工作): the checklist, visits, the problem ledger (台账) and
//! rectification to closure — the pure core of what a squad does all day at a site.
//!
//! | module | what it is |
//! |---|---|
//! | [`checklist`] | [`ChecklistItem`] records, the versioned default checklist, add / rename / retire |
//! | [`visit`] | [`Visit`] and [`VisitAnswer`] records, draft → submitted, a problem prefilled from a 未达标 answer |
//! | [`problem`] | [`Problem`] and [`ProblemEvent`] records, the rectification workflow, status derived by replay, the flags |
//! | [`ledger`] | [`LedgerIndex`]: the 100,000-problem read model with filters, search, sort, counts, paging, incremental updates |
//! | [`target_page`] | a target's visit timeline and checklist pass rate |
//! | [`snapshot`] | [`FieldSnapshot`]: checklist, visits and answers, typed |
//! | [`generate`] | a deterministic campaign generator for tests and benchmarks |
//! | [`error`] | [`FieldworkError`], each variant with a message in Chinese and English |
//! | [`form`] | what the screens need: typed text ↔ records, time and GPS texts, status tabs, the virtual list window |
//!
//! Invariants (those of `core` apply: no browser, no I/O, no clock reads — time
//! comes in as `now_ms` and `today`):
//! - Every record is an ordinary merge-ready [`Doc`] kind;
//!   merge never changes. Things that must not be lost when two devices act
//!   concurrently are *separate records*: one answer per visit and item, one event
//!   per status transition.
//! - A problem's status is never stored; it is derived from its events by a
//!   deterministic replay (see [`problem`]), so every device holding the same
//!   records shows the same status.
//! - Derived flags (overdue, 只督不战, 屡改屡犯) are computed here, never by the UI.
//! - Operations are *staged* on a [`Replica`] and return
//!   a [`Change`], committed by the caller like every
//!   other save; they validate first and reject bad input with a [`FieldworkError`].
//!
//! - Days derived from times (the day a problem was closed) are days in China
//!   Standard Time ([`date_of_ms`]), the campaign's only time zone.
//!
//! Record kinds (never change once released): `checklist_item`, `visit`,
//! `visit_answer`, `problem`, `problem_event`.

pub mod checklist;
pub mod error;
pub mod form;
pub mod generate;
pub mod ledger;
pub mod problem;
pub mod snapshot;
pub mod target_page;
pub mod visit;

pub use checklist::{default_checklist, default_checklist_docs, ChecklistGroup, ChecklistItem};
pub use error::FieldworkError;
pub use ledger::{LedgerIndex, LedgerQuery, LedgerRow, LedgerSort, LedgerView};
pub use problem::{Problem, ProblemEvent, ProblemSource, ProblemStatus, Verification};
pub use snapshot::FieldSnapshot;
pub use visit::{Answer, GpsFix, Visit, VisitAnswer, VisitMode, VisitStatus};

use crate::core::clock::Stamp;
use crate::core::doc::{DecodeError, Doc, Entity};
use crate::core::replica::{Change, Replica};
use chrono::{Datelike, NaiveDate};

/// The campaign's time zone offset: China Standard Time (UTC+8, no daylight saving).
/// Dates derived from event times (the day a problem was closed) are days in Chuxiong.
pub const CAMPAIGN_UTC_OFFSET_MS: i64 = 8 * 3_600_000;

/// The calendar day (in the campaign's time zone) of a time in ms since the Unix epoch.
pub fn date_of_ms(ms: u64) -> NaiveDate {
    // 1970-01-01 is day 719,163 counted from 0001-01-01 (day 1).
    const UNIX_EPOCH_DAYS_FROM_CE: i64 = 719_163;
    let local = i64::try_from(ms).unwrap_or(i64::MAX - CAMPAIGN_UTC_OFFSET_MS) + CAMPAIGN_UTC_OFFSET_MS;
    let days = local.div_euclid(86_400_000) + UNIX_EPOCH_DAYS_FROM_CE;
    i32::try_from(days).ok().and_then(NaiveDate::from_num_days_from_ce_opt).unwrap_or(NaiveDate::MAX)
}

/// The first millisecond of a day in the campaign's time zone (inverse of [`date_of_ms`]).
pub fn day_start_ms(d: NaiveDate) -> u64 {
    const UNIX_EPOCH_DAYS_FROM_CE: i64 = 719_163;
    let days = i64::from(d.num_days_from_ce()) - UNIX_EPOCH_DAYS_FROM_CE;
    u64::try_from(days * 86_400_000 - CAMPAIGN_UTC_OFFSET_MS).unwrap_or(0)
}

/// Decodes a doc into its entity: [`Entity::from_doc`], which reads straight from
/// the stored field values without an intermediate map (the ledger decodes 100,000
/// problems and their events at start-up).
pub fn decode<E: Entity>(doc: &Doc) -> Result<E, DecodeError> {
    E::from_doc(doc)
}

/// Live (not tombstoned), decodable records of a kind.
pub(crate) fn live_entities<'a, E: Entity>(docs: impl IntoIterator<Item = &'a Doc>) -> Vec<E> {
    docs.into_iter().filter(|d| d.kind == E::KIND && !d.is_deleted()).filter_map(|d| decode(d).ok()).collect()
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
