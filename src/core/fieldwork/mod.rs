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
//! | [`photo`] | [`Photo`](photo::Photo) records (照片取证), photo addresses, checks on stored JPEG bytes, EXIF facts |
//! | [`form`] | what the screens need: typed text ↔ records, time and GPS texts, status tabs, the virtual list window |
//!
//! Invariants (those of `core` apply: no browser, no I/O, no clock reads — time
//! comes in as `now_ms` and `today`):
//! - Every record is an ordinary merge-ready [`Doc`](crate::core::doc::Doc) kind;
//!   merge never changes. Things that must not be lost when two devices act
//!   concurrently are *separate records*: one answer per visit and item, one event
//!   per status transition.
//! - A problem's status is never stored; it is derived from its events by a
//!   deterministic replay (see [`problem`]), so every device holding the same
//!   records shows the same status.
//! - Derived flags (overdue, 只督不战, 屡改屡犯) are computed here, never by the UI.
//! - Operations are *staged* on a [`Replica`](crate::core::replica::Replica) and return
//!   a [`Change`](crate::core::replica::Change), committed by the caller like every
//!   other save; they validate first and reject bad input with a [`FieldworkError`].
//!
//! - Days derived from times (the day a problem was closed) are days in China
//!   Standard Time ([`calendar::date_of_ms`](crate::core::calendar::date_of_ms)), the
//!   campaign's only time zone.
//!
//! Record kinds (never change once released): `checklist_item`, `visit`,
//! `visit_answer`, `problem`, `problem_event`, `photo`.

pub mod checklist;
pub mod error;
pub mod form;
pub mod generate;
pub mod ledger;
pub mod photo;
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
