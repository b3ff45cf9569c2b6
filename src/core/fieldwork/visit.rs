//! Visits (督战记录) and their checklist answers (检查结果).
//!
//! A [`Visit`] is one supervision visit at a target. It is autosaved as a *draft*
//! while the squad types (so closing the tab loses nothing) and becomes
//! *submitted* only by an explicit [`stage_submit_visit`].
//!
//! Answers are separate [`VisitAnswer`] records with a deterministic id
//! ([`answer_id`]: visit id + item id), not a list inside the visit. Why: two squad
//! members filling in different items of one visit on two tablets must both keep
//! their answers when their bundles merge; two answers to the *same* item land on
//! the same record and merge field by field (a concurrent loser stays visible).
//!
//! Invariants:
//! - Status changes only through [`stage_submit_visit`]; [`stage_save_visit`] keeps
//!   the stored status whatever the form sends.
//! - GPS is optional and never required; when present it is a plausible fix.
//! - Clearing an answer tombstones its record; answering again restores it.

use super::checklist::ChecklistItem;
use super::error::{bounded, required, FieldworkError};
use super::problem::{Problem, ProblemSource};
use crate::core::doc::{Doc, Entity, RecordId};
use crate::core::i18n::{Field, Lang};
use crate::core::replica::{live_entity, stage_with, Change, Replica};
use crate::core::snapshot::Snapshot;
use crate::core::validate::{MAX_NAME, MAX_TEXT};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Most households one visit can record. A squad visits dozens of households a day;
/// the largest site houses 5,515 people (about 1,500 households), so 2,000 catches a
/// mistyped extra digit without refusing any real visit.
pub const MAX_HOUSEHOLDS_PER_VISIT: u32 = 2000;
/// Most members named on one visit.
pub const MAX_MEMBERS: usize = 50;
/// Longest findings text (督战发现).
pub const MAX_FINDINGS: usize = 10_000;
/// Largest GPS accuracy radius accepted, in metres (a coarse network fix is ~5 km).
pub const MAX_GPS_ACCURACY_M: f64 = 100_000.0;

/// How a target is supervised (督战方式).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitMode {
    /// 州级领导定点督战.
    LeaderFixedPoint,
    /// 督战小分队日常督战.
    SquadRoutine,
    /// 暗访督战.
    Unannounced,
}

impl VisitMode {
    pub const ALL: [VisitMode; 3] = [Self::LeaderFixedPoint, Self::SquadRoutine, Self::Unannounced];

    pub fn code(self) -> &'static str {
        match self {
            Self::LeaderFixedPoint => "leader_fixed_point",
            Self::SquadRoutine => "squad_routine",
            Self::Unannounced => "unannounced",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::LeaderFixedPoint, Lang::Zh) => "定点督战",
            (Self::LeaderFixedPoint, Lang::En) => "Leader fixed-point",
            (Self::SquadRoutine, Lang::Zh) => "小分队日常督战",
            (Self::SquadRoutine, Lang::En) => "Squad routine",
            (Self::Unannounced, Lang::Zh) => "暗访督战",
            (Self::Unannounced, Lang::En) => "Unannounced visit",
        }
    }
}

/// Whether a visit is still being entered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitStatus {
    /// 草稿: autosaved while typing, offered again on return.
    Draft,
    /// 已提交.
    Submitted,
}

impl VisitStatus {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::Draft, Lang::Zh) => "草稿",
            (Self::Draft, Lang::En) => "Draft",
            (Self::Submitted, Lang::Zh) => "已提交",
            (Self::Submitted, Lang::En) => "Submitted",
        }
    }
}

/// The device's position when the user allowed it (WGS-84 degrees).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GpsFix {
    pub lat: f64,
    pub lon: f64,
    /// Radius of the 95% confidence circle, metres, as the browser reports it.
    pub accuracy_m: f64,
}

impl GpsFix {
    pub fn validate(&self) -> Result<(), FieldworkError> {
        if !self.lat.is_finite() || !(-90.0..=90.0).contains(&self.lat) {
            return Err(FieldworkError::LatitudeOutOfRange(self.lat));
        }
        if !self.lon.is_finite() || !(-180.0..=180.0).contains(&self.lon) {
            return Err(FieldworkError::LongitudeOutOfRange(self.lon));
        }
        if !self.accuracy_m.is_finite() || !(0.0..=MAX_GPS_ACCURACY_M).contains(&self.accuracy_m) {
            return Err(FieldworkError::AccuracyOutOfRange(self.accuracy_m));
        }
        Ok(())
    }
}

/// One supervision visit at a target (督战记录).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub id: RecordId,
    pub target_id: RecordId,
    #[serde(deserialize_with = "crate::core::calendar::de_day")]
    pub date: NaiveDate,
    pub mode: VisitMode,
    /// Squad members present (督战人员).
    pub members: Vec<String>,
    /// Households visited (走访户数).
    pub households_visited: u32,
    /// Free-text findings (督战发现).
    pub findings: String,
    pub gps: Option<GpsFix>,
    pub status: VisitStatus,
    /// When it was submitted (ms since the Unix epoch), once submitted.
    pub submitted_ms: Option<u64>,
}
entity!(Visit, "visit");

impl Visit {
    /// A new, empty draft visit.
    pub fn new_draft(id: RecordId, target_id: RecordId, date: NaiveDate, mode: VisitMode) -> Visit {
        Visit {
            id,
            target_id,
            date,
            mode,
            members: Vec::new(),
            households_visited: 0,
            findings: String::new(),
            gps: None,
            status: VisitStatus::Draft,
            submitted_ms: None,
        }
    }

    /// The checks a draft must pass to be autosaved: only bounds, so half-typed
    /// entries save (nothing typed is lost) while absurd values are caught early.
    pub fn validate_draft(&self) -> Result<(), FieldworkError> {
        if self.members.len() > MAX_MEMBERS {
            return Err(FieldworkError::TooManyMembers { max: MAX_MEMBERS });
        }
        for m in &self.members {
            bounded(Field::Member, m, MAX_NAME)?;
        }
        if self.households_visited > MAX_HOUSEHOLDS_PER_VISIT {
            return Err(FieldworkError::TooManyHouseholds { given: self.households_visited, max: MAX_HOUSEHOLDS_PER_VISIT });
        }
        bounded(Field::Findings, &self.findings, MAX_FINDINGS)?;
        if let Some(g) = &self.gps {
            g.validate()?;
        }
        Ok(())
    }

    /// The checks a visit must pass to be submitted: the draft checks, the target
    /// exists, the date is not after today, and someone is named as having gone.
    pub fn validate(&self, snapshot: &Snapshot, today: NaiveDate) -> Result<(), FieldworkError> {
        self.validate_draft()?;
        if snapshot.target(&self.target_id).is_none() {
            return Err(FieldworkError::UnknownTarget(self.target_id.clone()));
        }
        if self.date > today {
            return Err(FieldworkError::DateInFuture { field: Field::VisitDate, date: self.date, today });
        }
        if self.members.iter().all(|m| m.trim().is_empty()) {
            return Err(FieldworkError::NoMembers);
        }
        Ok(())
    }

    /// The submitted form of this draft: validated, text trimmed, blank member rows
    /// dropped, stamped with `now_ms`.
    pub fn submitted(&self, snapshot: &Snapshot, today: NaiveDate, now_ms: u64) -> Result<Visit, FieldworkError> {
        if self.status == VisitStatus::Submitted {
            return Err(FieldworkError::AlreadySubmitted);
        }
        self.validate(snapshot, today)?;
        let mut v = self.clone();
        v.members = v.members.iter().map(|m| m.trim().to_owned()).filter(|m| !m.is_empty()).collect();
        v.findings = v.findings.trim().to_owned();
        v.status = VisitStatus::Submitted;
        v.submitted_ms = Some(now_ms);
        Ok(v)
    }
}

/// Stages saving a visit as the form holds it (autosave of a draft, or a correction
/// of a submitted visit). The stored status and submission time are kept: only
/// [`stage_submit_visit`] submits.
pub fn stage_save_visit(replica: &Replica, visit: &Visit, now_ms: u64) -> Result<Change, FieldworkError> {
    visit.validate_draft()?;
    let mut v = visit.clone();
    match live_entity::<Visit>(replica, &visit.id) {
        Some(stored) => {
            v.status = stored.status;
            v.submitted_ms = stored.submitted_ms;
        }
        None => {
            v.status = VisitStatus::Draft;
            v.submitted_ms = None;
        }
    }
    Ok(replica.stage_save(&[v], now_ms))
}

/// Stages submitting a stored draft visit (Draft → Submitted).
pub fn stage_submit_visit(replica: &Replica, snapshot: &Snapshot, visit_id: &str, today: NaiveDate, now_ms: u64) -> Result<Change, FieldworkError> {
    let v: Visit = live_entity(replica, visit_id).ok_or_else(|| FieldworkError::UnknownVisit(visit_id.to_owned()))?;
    let v = v.submitted(snapshot, today, now_ms)?;
    Ok(replica.stage_save(&[v], now_ms))
}

/// A checklist answer (检查结果).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// 达标
    Pass,
    /// 未达标
    Fail,
    /// 不适用 (excluded from pass rates)
    NotApplicable,
}

impl Answer {
    pub const ALL: [Answer; 3] = [Self::Pass, Self::Fail, Self::NotApplicable];

    pub fn code(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::NotApplicable => "not_applicable",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::Pass, Lang::Zh) => "达标",
            (Self::Pass, Lang::En) => "Pass",
            (Self::Fail, Lang::Zh) => "未达标",
            (Self::Fail, Lang::En) => "Fail",
            (Self::NotApplicable, Lang::Zh) => "不适用",
            (Self::NotApplicable, Lang::En) => "Not applicable",
        }
    }
}

/// The answer to one checklist item on one visit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VisitAnswer {
    /// Always [`answer_id`]`(visit_id, item_id)`.
    pub id: RecordId,
    pub visit_id: RecordId,
    pub item_id: RecordId,
    pub answer: Answer,
    #[serde(default)]
    pub note: String,
}
entity!(VisitAnswer, "visit_answer");

/// The id of the answer to `item_id` on `visit_id`. Deterministic, so every device
/// writing that answer writes the same record.
pub fn answer_id(visit_id: &str, item_id: &str) -> RecordId {
    format!("ans~{visit_id}~{item_id}")
}

/// Stages answering (or re-answering) a checklist item on a visit. A retired item
/// can be answered only if this visit answered it before (correcting an old visit).
pub fn stage_answer(replica: &Replica, visit_id: &str, item_id: &str, answer: Answer, note: &str, now_ms: u64) -> Result<Change, FieldworkError> {
    if live_entity::<Visit>(replica, visit_id).is_none() {
        return Err(FieldworkError::UnknownVisit(visit_id.to_owned()));
    }
    let item: ChecklistItem = live_entity(replica, item_id).ok_or_else(|| FieldworkError::UnknownChecklistItem(item_id.to_owned()))?;
    let id = answer_id(visit_id, item_id);
    let prev = replica.doc(&id);
    let answered_before = prev.is_some_and(|d| !d.is_deleted());
    if item.retired && !answered_before {
        return Err(FieldworkError::ItemRetired(item_id.to_owned()));
    }
    bounded(Field::AnswerNote, note, MAX_TEXT)?;
    let a = VisitAnswer { id: id.clone(), visit_id: visit_id.to_owned(), item_id: item_id.to_owned(), answer, note: note.trim().to_owned() };
    Ok(stage_with(replica, now_ms, |stamp| {
        let edited = Doc::edit(prev, VisitAnswer::KIND, &id, a.to_values(), stamp);
        // A cleared answer is a tombstone; answering again must bring it back,
        // which an edit of other fields alone would not (delete wins).
        let doc = match prev {
            Some(p) if p.is_deleted() => Some(edited.unwrap_or_else(|| p.clone()).set_deleted(false, stamp)),
            _ => edited,
        };
        doc.into_iter().collect()
    }))
}

/// Stages clearing an answer (the item goes back to unanswered). Writes nothing if
/// there is no answer.
pub fn stage_clear_answer(replica: &Replica, visit_id: &str, item_id: &str, now_ms: u64) -> Change {
    let id = answer_id(visit_id, item_id);
    replica.stage_delete(&[id.as_str()], now_ms)
}

/// A problem draft prefilled from a 未达标 answer: the visit's target and date, the
/// item, source 督战发现, and a description from the item and the note. The UI adds
/// the owner and deadline before saving.
pub fn problem_draft_from_answer(visit: &Visit, answer: &VisitAnswer, item: Option<&ChecklistItem>, problem_id: RecordId) -> Result<Problem, FieldworkError> {
    if answer.answer != Answer::Fail {
        return Err(FieldworkError::NotAFailAnswer);
    }
    if answer.visit_id != visit.id {
        return Err(FieldworkError::UnknownVisit(answer.visit_id.clone()));
    }
    let note = answer.note.trim();
    let description = match (item, note.is_empty()) {
        (Some(i), true) => format!("{}未达标", i.title),
        (Some(i), false) => format!("{}：{}", i.title, note),
        (None, _) => note.to_owned(),
    };
    Ok(Problem {
        id: problem_id,
        target_id: visit.target_id.clone(),
        item_id: Some(answer.item_id.clone()),
        source: ProblemSource::Supervision,
        description,
        responsible_unit: String::new(),
        responsible_person: String::new(),
        deadline: None,
        visit_id: Some(visit.id.clone()),
        opened_on: visit.date,
    })
}

/// Checks free-text member names one by one (for a form that validates per row).
pub fn validate_member(name: &str) -> Result<(), FieldworkError> {
    required(Field::Member, name, MAX_NAME)
}
