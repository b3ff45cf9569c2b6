//! Writing reports and filings: validation and staging (the UI commits the change).

use super::figures::MonthFigures;
use super::model::{filing_id, report_id, Filing, MonthlyReport, ReportStatus, Subject};
use super::month::Month;
use super::ReportError;
use crate::core::doc::{decode, Entity};
use crate::core::i18n::Field;
use crate::core::replica::{Change, Replica};
use crate::core::snapshot::Snapshot;
use crate::core::validate::MAX_NAME;
use chrono::NaiveDate;

/// Longest analysis, report or feedback text (a few pages).
pub const MAX_REPORT_TEXT: usize = 20_000;

fn text(field: Field, s: &str, max: usize, required: bool) -> Result<String, ReportError> {
    let t = s.trim();
    if required && t.is_empty() {
        return Err(ReportError::Required { field });
    }
    if t.chars().count() > max {
        return Err(ReportError::TooLong { field, max });
    }
    Ok(t.to_owned())
}

fn check_subject(subject: &Subject, snapshot: &Snapshot) -> Result<(), ReportError> {
    let known = match subject {
        Subject::County(id) => snapshot.county(id).is_some(),
        Subject::Target(id) => snapshot.target(id).is_some(),
    };
    if known {
        Ok(())
    } else {
        Err(ReportError::UnknownSubject(subject.id().to_owned()))
    }
}

/// The stored report of a subject and month, if any (tombstoned ones count as none).
pub fn stored_report(replica: &Replica, subject: &Subject, month: Month) -> Option<MonthlyReport> {
    replica.doc(&report_id(subject, month)).filter(|d| d.kind == MonthlyReport::KIND && !d.is_deleted()).and_then(|d| decode(d).ok())
}

/// What the author typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportDraft {
    pub analysis: String,
    pub report: String,
    pub author: String,
}

/// The report a draft edit or a submission writes to: the stored draft, or a new one.
/// Refuses a month not started yet, an unknown subject, and a submitted report (its
/// texts are what was sent). `required`: whether every text must be filled in.
fn edited_draft(
    replica: &Replica,
    snapshot: &Snapshot,
    subject: &Subject,
    month: Month,
    draft: &ReportDraft,
    required: bool,
    today: NaiveDate,
) -> Result<MonthlyReport, ReportError> {
    check_subject(subject, snapshot)?;
    if month.first_day() > today {
        return Err(ReportError::MonthInFuture { month, today });
    }
    let mut r = stored_report(replica, subject, month).unwrap_or_else(|| MonthlyReport::blank(subject.clone(), month));
    if r.status() != ReportStatus::Draft {
        return Err(ReportError::AlreadySubmitted);
    }
    r.analysis = text(Field::Analysis, &draft.analysis, MAX_REPORT_TEXT, required)?;
    r.report = text(Field::Report, &draft.report, MAX_REPORT_TEXT, required)?;
    r.author = text(Field::Author, &draft.author, MAX_NAME, required)?;
    Ok(r)
}

/// Saves the draft texts of a report (creating it on first save). A submitted
/// report's texts are what was sent: they can no longer be changed here.
pub fn stage_save_draft(
    replica: &Replica,
    snapshot: &Snapshot,
    subject: &Subject,
    month: Month,
    draft: &ReportDraft,
    today: NaiveDate,
    now_ms: u64,
) -> Result<Change, ReportError> {
    let r = edited_draft(replica, snapshot, subject, month, draft, false, today)?;
    Ok(replica.stage_save(&[r], now_ms))
}

/// Submits a report (报送): the texts as typed, the author, today's date, and the
/// month's figures as they stand now (kept with the report).
#[allow(clippy::too_many_arguments)]
pub fn stage_submit(
    replica: &Replica,
    snapshot: &Snapshot,
    subject: &Subject,
    month: Month,
    draft: &ReportDraft,
    figures: MonthFigures,
    today: NaiveDate,
    now_ms: u64,
) -> Result<Change, ReportError> {
    let mut r = edited_draft(replica, snapshot, subject, month, draft, true, today)?;
    r.submitted_on = Some(today);
    r.figures = Some(figures);
    Ok(replica.stage_save(&[r], now_ms))
}

/// Records the feedback to the target (反馈) on a submitted report.
pub fn stage_feedback(
    replica: &Replica,
    subject: &Subject,
    month: Month,
    feedback: &str,
    by: &str,
    today: NaiveDate,
    now_ms: u64,
) -> Result<Change, ReportError> {
    let mut r = stored_report(replica, subject, month).ok_or(ReportError::NotSubmitted)?;
    let Some(submitted) = r.submitted_on else {
        return Err(ReportError::NotSubmitted);
    };
    if r.feedback_on.is_some() {
        return Err(ReportError::FeedbackAlreadyGiven);
    }
    r.feedback = text(Field::Feedback, feedback, MAX_REPORT_TEXT, true)?;
    r.feedback_by = text(Field::FeedbackBy, by, MAX_NAME, true)?;
    // Feedback answers the report: never dated before it (a device clock set back).
    r.feedback_on = Some(today.max(submitted));
    Ok(replica.stage_save(&[r], now_ms))
}

/// Records that a party's one-off filing was received on `filed_on` (or, with
/// `None`, that it is still outstanding), with the contact it names.
#[allow(clippy::too_many_arguments)]
pub fn stage_filing(
    replica: &Replica,
    snapshot: &Snapshot,
    requirement_id: &str,
    subject: &Subject,
    filed_on: Option<NaiveDate>,
    contact: &str,
    note: &str,
    today: NaiveDate,
    now_ms: u64,
) -> Result<Change, ReportError> {
    check_subject(subject, snapshot)?;
    if replica.doc(requirement_id).is_none_or(|d| d.kind != super::model::Requirement::KIND || d.is_deleted()) {
        return Err(ReportError::UnknownRequirement(requirement_id.to_owned()));
    }
    if let Some(d) = filed_on.filter(|d| *d > today) {
        return Err(ReportError::DateInFuture { date: d, today });
    }
    let f = Filing {
        id: filing_id(requirement_id, subject),
        requirement_id: requirement_id.to_owned(),
        subject: subject.clone(),
        filed_on,
        contact: text(Field::Contact, contact, MAX_NAME, false)?,
        note: text(Field::FilingNote, note, crate::core::validate::MAX_TEXT, false)?,
    };
    Ok(replica.stage_save(&[f], now_ms))
}
