//! Problems (问题) of the ledger and their rectification workflow (整改流程).
//!
//! A [`Problem`] is what is wrong at a target, whose it is to fix, and by when. Its
//! status is **not** a stored field: it is derived from the problem's history, a set
//! of [`ProblemEvent`] records, one per transition.
//!
//! # The workflow
//!
//! ```text
//!  待整改 Open ──▶ 整改中 InProgress ──▶ 已整改待核验 AwaitingVerification ──▶ 已销号 Closed
//!                        ▲                          │  verification passed
//!                        └──────────────────────────┘  verification failed
//! ```
//!
//! Exactly four transitions exist. Leaving 已整改待核验 needs a [`Verification`]
//! (who verified; the event's `at_ms` is when): a passed one closes (销号), a failed
//! one sends the problem back to 整改中. No other transition takes a verification.
//! 已销号 is final: a problem that comes back is a new problem, and the ledger flags
//! it 屡改屡犯 with a link to the closed one.
//!
//! # Why history is a set of events, and the replay rule
//!
//! History is append-only and must merge across devices that work offline. A status
//! field would be last-writer-wins and could silently drop a transition; separate
//! event records (each with its own id) merge as a *set union* — nothing is lost and
//! the order they arrive in does not matter. The current status is then **derived**:
//!
//! 1. Order the problem's events totally by `(at_ms, id)`.
//! 2. Start at 待整改 (Open) and replay them in that order. An event applies when its
//!    `from` equals the replayed status and [`check_transition`] accepts it; the
//!    status becomes its `to`.
//! 3. An event that does not apply (two devices both moved the problem from the same
//!    status; a transition the workflow does not have) is **skipped and flagged**,
//!    never dropped: it stays in the history with the reason, and the ledger counts
//!    it as a history conflict.
//!
//! Replay is a pure function of the *set* of events, so every device that holds the
//! same events derives the same status, whatever order they merged in (property
//! tests in `tests/fieldwork_workflow.rs`). A device appends its new event with
//! `at_ms` after every event it knows ([`propose_event`]), so a device with a slow
//! clock still appends at the end of the history it acted on.

use super::error::{bounded, required, FieldworkError};
use super::snapshot::FieldSnapshot;
use crate::core::calendar::date_of_ms;
use crate::core::doc::{decode, Entity, RecordId};
use crate::core::i18n::{Field, Lang};
use crate::core::model::Target;
use crate::core::replica::{live_entity, Change, Replica};
use crate::core::snapshot::Snapshot;
use crate::core::validate::{MAX_NAME, MAX_TEXT};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// Where a problem was found (问题来源): the plan's six sources and the supervision itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemSource {
    /// 中央脱贫攻坚专项巡视“回头看”反馈问题.
    CentralInspection,
    /// 脱贫攻坚成效考核指出问题.
    EffectivenessAssessment,
    /// 审计发现的问题.
    Audit,
    /// 民主监督发现的问题.
    DemocraticSupervision,
    /// 贫困县摘帽反馈的问题.
    DelistingFeedback,
    /// 脱贫攻坚问题大排查专项行动发现问题.
    ProblemScreening,
    /// 督战发现 (found on a visit of this campaign).
    Supervision,
}

impl ProblemSource {
    pub const ALL: [ProblemSource; 7] = [
        Self::CentralInspection,
        Self::EffectivenessAssessment,
        Self::Audit,
        Self::DemocraticSupervision,
        Self::DelistingFeedback,
        Self::ProblemScreening,
        Self::Supervision,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::CentralInspection => "central_inspection",
            Self::EffectivenessAssessment => "effectiveness_assessment",
            Self::Audit => "audit",
            Self::DemocraticSupervision => "democratic_supervision",
            Self::DelistingFeedback => "delisting_feedback",
            Self::ProblemScreening => "problem_screening",
            Self::Supervision => "supervision",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::CentralInspection, Lang::Zh) => "中央专项巡视“回头看”反馈",
            (Self::CentralInspection, Lang::En) => "Central inspection follow-up",
            (Self::EffectivenessAssessment, Lang::Zh) => "成效考核",
            (Self::EffectivenessAssessment, Lang::En) => "Effectiveness assessment",
            (Self::Audit, Lang::Zh) => "审计",
            (Self::Audit, Lang::En) => "Audit",
            (Self::DemocraticSupervision, Lang::Zh) => "民主监督",
            (Self::DemocraticSupervision, Lang::En) => "Democratic supervision",
            (Self::DelistingFeedback, Lang::Zh) => "摘帽反馈",
            (Self::DelistingFeedback, Lang::En) => "County delisting feedback",
            (Self::ProblemScreening, Lang::Zh) => "问题大排查",
            (Self::ProblemScreening, Lang::En) => "Problem screening campaign",
            (Self::Supervision, Lang::Zh) => "督战发现",
            (Self::Supervision, Lang::En) => "Found by supervision",
        }
    }
}

/// A problem's rectification status (整改状态). Derived by [`replay`], never stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemStatus {
    /// 待整改
    Open,
    /// 整改中
    InProgress,
    /// 已整改待核验
    AwaitingVerification,
    /// 已销号
    Closed,
}

impl ProblemStatus {
    pub const ALL: [ProblemStatus; 4] = [Self::Open, Self::InProgress, Self::AwaitingVerification, Self::Closed];

    pub fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::InProgress => "in_progress",
            Self::AwaitingVerification => "awaiting_verification",
            Self::Closed => "closed",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }

    /// Position in the workflow (0 = 待整改 … 3 = 已销号), for sorting and counting.
    pub fn ordinal(self) -> usize {
        match self {
            Self::Open => 0,
            Self::InProgress => 1,
            Self::AwaitingVerification => 2,
            Self::Closed => 3,
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::Open, Lang::Zh) => "待整改",
            (Self::Open, Lang::En) => "Open",
            (Self::InProgress, Lang::Zh) => "整改中",
            (Self::InProgress, Lang::En) => "In progress",
            (Self::AwaitingVerification, Lang::Zh) => "已整改待核验",
            (Self::AwaitingVerification, Lang::En) => "Awaiting verification",
            (Self::Closed, Lang::Zh) => "已销号",
            (Self::Closed, Lang::En) => "Closed",
        }
    }
}

/// A problem in the ledger (台账中的问题).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    pub id: RecordId,
    pub target_id: RecordId,
    /// The checklist item it concerns, if any (problems from audits may concern none).
    pub item_id: Option<RecordId>,
    pub source: ProblemSource,
    pub description: String,
    /// 责任单位 (empty: none named yet — flagged 只督不战).
    pub responsible_unit: String,
    /// 责任人 (empty: none named yet — flagged 只督不战).
    pub responsible_person: String,
    /// 整改期限 (none yet — flagged 只督不战).
    #[serde(default, deserialize_with = "crate::core::calendar::de_opt_day")]
    pub deadline: Option<NaiveDate>,
    /// The visit that found it, if any.
    pub visit_id: Option<RecordId>,
    /// 发现日期.
    #[serde(deserialize_with = "crate::core::calendar::de_day")]
    pub opened_on: NaiveDate,
}
entity!(Problem, "problem");

/// A verification (核验): who checked the rectification and whether it passed. When is
/// the event's `at_ms`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub verifier: String,
    pub passed: bool,
}

/// One transition of a problem's status, as its own record (整改记录). Never edited
/// after it is written; the history is the set of these.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProblemEvent {
    pub id: RecordId,
    pub problem_id: RecordId,
    /// When the transition was made (ms since the Unix epoch), as the device recorded it.
    pub at_ms: u64,
    /// Who made it (a person or a squad).
    pub by: String,
    /// The status the author saw when acting.
    pub from: ProblemStatus,
    pub to: ProblemStatus,
    #[serde(default)]
    pub comment: String,
    /// Present exactly on the transitions out of 已整改待核验.
    #[serde(default)]
    pub verification: Option<Verification>,
}
entity!(ProblemEvent, "problem_event");

/// The total order of a history: time, then id. Ids are unique, so no two events tie.
pub fn event_order(a: &ProblemEvent, b: &ProblemEvent) -> Ordering {
    (a.at_ms, &a.id).cmp(&(b.at_ms, &b.id))
}

/// The statuses a problem in `from` may move to (for the UI's buttons).
pub fn next_statuses(from: ProblemStatus) -> &'static [ProblemStatus] {
    use ProblemStatus::*;
    match from {
        Open => &[InProgress],
        InProgress => &[AwaitingVerification],
        AwaitingVerification => &[Closed, InProgress],
        Closed => &[],
    }
}

/// Whether an event may apply to a problem whose replayed status is `current`:
/// it must start from `current` and be one of the four transitions with the
/// verification that transition requires.
pub fn check_transition(current: ProblemStatus, from: ProblemStatus, to: ProblemStatus, verification: Option<&Verification>) -> Result<(), FieldworkError> {
    use ProblemStatus::*;
    if from != current {
        return Err(FieldworkError::StaleTransition { recorded: from, current });
    }
    match (from, to) {
        (Open, InProgress) | (InProgress, AwaitingVerification) => match verification {
            None => Ok(()),
            Some(_) => Err(FieldworkError::VerificationNotExpected { to }),
        },
        (AwaitingVerification, Closed) | (AwaitingVerification, InProgress) => {
            let v = verification.ok_or(FieldworkError::VerificationRequired { to })?;
            // Who verified is part of what makes a closure trustworthy, on every device.
            required(Field::Verifier, &v.verifier, MAX_NAME)?;
            match (to, v.passed) {
                (Closed, false) => Err(FieldworkError::VerificationFailedCannotClose),
                (InProgress, true) => Err(FieldworkError::VerificationPassedCannotReopen),
                _ => Ok(()),
            }
        }
        _ => Err(FieldworkError::IllegalTransition { from, to }),
    }
}

/// The outcome of replaying a problem's history.
#[derive(Clone, Debug, PartialEq)]
pub struct Replay {
    pub status: ProblemStatus,
    /// When the closing verification happened (only when `status` is Closed).
    pub closed_at_ms: Option<u64>,
    /// Who verified the closure (only when `status` is Closed).
    pub closed_by: Option<String>,
    /// The latest `at_ms` of any event, applied or not.
    pub last_at_ms: Option<u64>,
    /// Events that did not apply, with why, in history order (the history conflicts).
    pub skipped: Vec<SkippedEvent>,
}

/// An event that replay skipped.
#[derive(Clone, Debug, PartialEq)]
pub struct SkippedEvent {
    pub event_id: RecordId,
    pub reason: FieldworkError,
}

/// One line of a problem's history as shown to the user.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryEntry<'a> {
    pub event: &'a ProblemEvent,
    /// `None` when the event applied; the reason when it was skipped.
    pub skipped: Option<FieldworkError>,
}

/// A problem's history in order, each event marked applied or skipped.
pub fn history<'a>(events: impl IntoIterator<Item = &'a ProblemEvent>) -> Vec<HistoryEntry<'a>> {
    let mut evs: Vec<&ProblemEvent> = events.into_iter().collect();
    crate::core::sort::sort_by(&mut evs, |a, b| event_order(a, b));
    evs.dedup_by(|a, b| a.id == b.id);
    let mut status = ProblemStatus::Open;
    evs.into_iter()
        .map(|e| {
            let r = check_transition(status, e.from, e.to, e.verification.as_ref());
            if r.is_ok() {
                status = e.to;
            }
            HistoryEntry { event: e, skipped: r.err() }
        })
        .collect()
}

/// Derives a problem's status from its events (see the module doc for the rule).
/// The events may come in any order; duplicates by id count once.
pub fn replay<'a>(events: impl IntoIterator<Item = &'a ProblemEvent>) -> Replay {
    let mut evs: Vec<&ProblemEvent> = events.into_iter().collect();
    crate::core::sort::sort_by(&mut evs, |a, b| event_order(a, b));
    evs.dedup_by(|a, b| a.id == b.id);
    replay_sorted(evs)
}

/// [`replay`] for events already in history order without duplicates (the ledger keeps them so).
pub fn replay_sorted<'a>(events: impl IntoIterator<Item = &'a ProblemEvent>) -> Replay {
    let mut r = Replay { status: ProblemStatus::Open, closed_at_ms: None, closed_by: None, last_at_ms: None, skipped: Vec::new() };
    for e in events {
        r.last_at_ms = Some(r.last_at_ms.map_or(e.at_ms, |m| m.max(e.at_ms)));
        match check_transition(r.status, e.from, e.to, e.verification.as_ref()) {
            Ok(()) => {
                r.status = e.to;
                if e.to == ProblemStatus::Closed {
                    r.closed_at_ms = Some(e.at_ms);
                    r.closed_by = e.verification.as_ref().map(|v| v.verifier.trim().to_owned());
                }
            }
            Err(reason) => r.skipped.push(SkippedEvent { event_id: e.id.clone(), reason }),
        }
    }
    r
}

/// What a user asks for when moving a problem on.
#[derive(Clone, Debug, PartialEq)]
pub struct TransitionRequest {
    pub to: ProblemStatus,
    pub by: String,
    pub comment: String,
    pub verification: Option<Verification>,
}

/// Builds the event for a transition the user asked for, from the history this
/// device holds. Rejects what the workflow forbids with a typed error.
///
/// `at_ms` is `now_ms`, or one millisecond after the latest known event if the
/// device's clock is behind it, so the new event replays after what it acted on.
pub fn propose_event(
    problem_id: &str,
    history: &[ProblemEvent],
    req: &TransitionRequest,
    event_id: RecordId,
    now_ms: u64,
) -> Result<ProblemEvent, FieldworkError> {
    let current = replay(history.iter().filter(|e| e.problem_id == problem_id));
    check_transition(current.status, current.status, req.to, req.verification.as_ref())?;
    required(Field::HandledBy, &req.by, MAX_NAME)?;
    bounded(Field::Comment, &req.comment, MAX_TEXT)?;
    // A failed verification sends work back: say what is still wrong.
    if matches!(&req.verification, Some(v) if !v.passed) {
        required(Field::Comment, &req.comment, MAX_TEXT)?;
    }
    let at_ms = match current.last_at_ms {
        Some(last) if last >= now_ms => last.saturating_add(1),
        _ => now_ms,
    };
    Ok(ProblemEvent {
        id: event_id,
        problem_id: problem_id.to_owned(),
        at_ms,
        by: req.by.trim().to_owned(),
        from: current.status,
        to: req.to,
        comment: req.comment.trim().to_owned(),
        verification: req.verification.as_ref().map(|v| Verification { verifier: v.verifier.trim().to_owned(), passed: v.passed }),
    })
}

/// The live events of a problem that the replica holds, in history order. Scans
/// every doc (a button press, not a keystroke); views read
/// [`LedgerIndex::events_of`](super::ledger::LedgerIndex::events_of) instead.
pub fn events_in(replica: &Replica, problem_id: &str) -> Vec<ProblemEvent> {
    let mut evs: Vec<ProblemEvent> = replica
        .docs()
        .filter(|d| d.kind == ProblemEvent::KIND && !d.is_deleted())
        // Cheap pre-check on the raw field before decoding the whole record.
        .filter(|d| d.fields.get("problem_id").is_some_and(|f| f.v.as_str() == Some(problem_id)))
        .filter_map(|d| decode::<ProblemEvent>(d).ok())
        .collect();
    crate::core::sort::sort_by(&mut evs, event_order);
    evs
}

/// Stages a transition of a problem: validates it against the replica's history and
/// appends one event. The problem record itself is not touched.
///
/// Finds the history by scanning the replica ([`events_in`]); the app passes the
/// ledger index's copy to [`stage_transition_after`] instead.
pub fn stage_transition(replica: &Replica, problem_id: &str, req: &TransitionRequest, now_ms: u64) -> Result<Change, FieldworkError> {
    stage_transition_after(replica, &events_in(replica, problem_id), problem_id, req, now_ms)
}

/// [`stage_transition`] given the problem's live events in history order (the
/// ledger index holds them: [`LedgerIndex::events_of`](super::ledger::LedgerIndex::events_of)).
pub fn stage_transition_after(
    replica: &Replica,
    history: &[ProblemEvent],
    problem_id: &str,
    req: &TransitionRequest,
    now_ms: u64,
) -> Result<Change, FieldworkError> {
    if live_entity::<Problem>(replica, problem_id).is_none() {
        return Err(FieldworkError::UnknownProblem(problem_id.to_owned()));
    }
    let ev = propose_event(problem_id, history, req, replica.new_id("ev", now_ms), now_ms)?;
    Ok(replica.stage_save(&[ev], now_ms))
}

/// Checks a problem before it is saved. Owner and deadline are *not* required —
/// a problem logged on site may not have them yet — but without them it is flagged
/// 只督不战 until someone fills them in.
pub fn validate_problem(p: &Problem, snapshot: &Snapshot, field: &FieldSnapshot, today: NaiveDate) -> Result<(), FieldworkError> {
    if snapshot.target(&p.target_id).is_none() {
        return Err(FieldworkError::UnknownTarget(p.target_id.clone()));
    }
    if let Some(item) = &p.item_id {
        if field.item(item).is_none() {
            return Err(FieldworkError::UnknownChecklistItem(item.clone()));
        }
    }
    if let Some(v) = &p.visit_id {
        if field.visit(v).is_none() {
            return Err(FieldworkError::UnknownVisit(v.clone()));
        }
    }
    required(Field::Description, &p.description, MAX_TEXT)?;
    bounded(Field::ResponsibleUnit, &p.responsible_unit, MAX_NAME)?;
    bounded(Field::ResponsiblePerson, &p.responsible_person, MAX_NAME)?;
    if p.opened_on > today {
        return Err(FieldworkError::DateInFuture { field: Field::OpenedOn, date: p.opened_on, today });
    }
    if let Some(d) = p.deadline {
        if d < p.opened_on {
            return Err(FieldworkError::DeadlineBeforeOpened { deadline: d, opened_on: p.opened_on });
        }
    }
    Ok(())
}

/// Stages saving a problem (new or edited), with its text fields trimmed.
pub fn stage_save_problem(
    replica: &Replica,
    snapshot: &Snapshot,
    field: &FieldSnapshot,
    problem: &Problem,
    today: NaiveDate,
    now_ms: u64,
) -> Result<Change, FieldworkError> {
    validate_problem(problem, snapshot, field, today)?;
    let mut p = problem.clone();
    p.description = p.description.trim().to_owned();
    p.responsible_unit = p.responsible_unit.trim().to_owned();
    p.responsible_person = p.responsible_person.trim().to_owned();
    Ok(replica.stage_save(&[p], now_ms))
}

/// A blank new problem at a target (the UI fills the rest).
pub fn new_problem(id: RecordId, target: &Target, source: ProblemSource, opened_on: NaiveDate) -> Problem {
    Problem {
        id,
        target_id: target.id.clone(),
        item_id: None,
        source,
        description: String::new(),
        responsible_unit: String::new(),
        responsible_person: String::new(),
        deadline: None,
        visit_id: None,
        opened_on,
    }
}

// ---- derived flags ----

/// Overdue (逾期): the deadline has passed (today is after it) and the problem is not closed.
/// The deadline day itself is not overdue: 限期 means "by the end of that day".
pub fn is_overdue(p: &Problem, status: ProblemStatus, today: NaiveDate) -> bool {
    status != ProblemStatus::Closed && p.deadline.is_some_and(|d| d < today)
}

/// 只督不战 (supervising without fighting): a problem that is not closed and lacks a
/// responsible unit, a responsible person or a deadline. The plan requires every
/// problem to have an owner and a deadline; a closed problem was evidently fought.
pub fn supervises_without_fighting(p: &Problem, status: ProblemStatus) -> bool {
    status != ProblemStatus::Closed && (p.responsible_unit.trim().is_empty() || p.responsible_person.trim().is_empty() || p.deadline.is_none())
}

/// 屡改屡犯 (recurrence): the closed problem this one repeats, if any — another
/// problem at the same target for the same checklist item that was already closed
/// (closed on or before the day this one was opened). When several qualify, the one
/// closed last (ties by id) is returned: "it was reported fixed on …, and is back".
///
/// `others` yields problems with their closing time (`Some` only when closed); the
/// closing day is taken in the campaign's time zone (see [`date_of_ms`]). Problems
/// without a checklist item never recur in this sense.
pub fn recurrence_of<'a>(p: &Problem, others: impl IntoIterator<Item = (&'a Problem, Option<u64>)>) -> Option<&'a RecordId> {
    let item = p.item_id.as_ref()?;
    others
        .into_iter()
        .filter(|(q, _)| q.id != p.id && q.target_id == p.target_id && q.item_id.as_ref() == Some(item))
        .filter_map(|(q, closed)| closed.map(|ms| (ms, q)))
        .filter(|(ms, _)| date_of_ms(*ms) <= p.opened_on)
        .max_by(|a, b| (a.0, &a.1.id).cmp(&(b.0, &b.1.id)))
        .map(|(_, q)| &q.id)
}
