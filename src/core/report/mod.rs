//! The monthly cycle (月度调度): 一月一分析、一报告、一反馈, who has reported by the
//! 20th, one-off filings, deadlines, the dashboard's figures and print hashes.
//!
//! | module | what it is |
//! |---|---|
//! | [`month`] | [`Month`] (`YYYY-MM`), due dates, the on-time rule ([`Timeliness`]) |
//! | [`model`] | records: [`Requirement`] (what is due when — data, not code), [`MonthlyReport`], [`Filing`]; the plan's requirements |
//! | [`figures`] | [`MonthFigures`] computed per target, rolled up per county and for the prefecture |
//! | [`board`] | who has reported: the monthly board, the filings, the coming deadlines |
//! | [`ops`] | saving drafts, submitting, feedback, filings (validated, staged) |
//! | [`dashboard`] | the dashboard's series and their bar/line geometry for SVG |
//!
//! Invariants (those of `core` apply: no browser, no I/O, no clock — `today` is
//! passed in):
//! - A report's status is derived from its dates (draft → submitted → feedback
//!   given); a month's report for a subject has one fixed id, so concurrent writers
//!   merge into one record.
//! - Figures are computed from the records, never typed; a submitted report keeps
//!   the figures it was submitted with.
//! - Due dates (the 20th, 6 and 8 February) are [`Requirement`] records, editable
//!   and travelling like any other record.
//!
//! Record kinds (never change once released): `requirement`, `monthly_report`, `filing`.

pub mod board;
pub mod dashboard;
pub mod figures;
pub mod model;
pub mod month;
pub mod ops;

pub use board::{default_month, filing_boards, monthly_board, upcoming, Board, BoardRow, Deadline, FilingBoard};
pub use figures::{Findings, MonthFigures, MonthRollups, Period};
pub use model::{report_id, Filing, MonthlyReport, Parties, ReportStatus, Requirement, Schedule, Subject};
pub use month::{Month, Timeliness};

use crate::core::doc::{decode, Doc, Entity, RecordId};
use crate::core::i18n::{Field, Lang, UserMessage};
use std::collections::HashMap;

/// What can be wrong with a report, feedback or filing, with what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReportError {
    #[error("{field} is required")]
    Required { field: Field },
    #[error("{field} is longer than {max} characters")]
    TooLong { field: Field, max: usize },
    #[error("{0} is not a county or target of this campaign")]
    UnknownSubject(String),
    #[error("requirement {0} does not exist")]
    UnknownRequirement(String),
    #[error("the report for {month} cannot be written before the month starts ({today})")]
    MonthInFuture { month: Month, today: chrono::NaiveDate },
    #[error("the report was already submitted")]
    AlreadySubmitted,
    #[error("the report has not been submitted")]
    NotSubmitted,
    #[error("feedback was already given")]
    FeedbackAlreadyGiven,
    #[error("{date} is after today ({today})")]
    DateInFuture { date: chrono::NaiveDate, today: chrono::NaiveDate },
    #[error("{0:?} is not a month (YYYY-MM)")]
    InvalidMonth(String),
    #[error("{0:?} is not a real date (YYYY-MM-DD)")]
    InvalidDate(String),
}

impl UserMessage for ReportError {
    fn message(&self, lang: Lang) -> String {
        ReportError::message(self, lang)
    }
}

impl ReportError {
    /// The message shown to the user: what is wrong and what to do.
    pub fn message(&self, lang: Lang) -> String {
        use ReportError::*;
        match (self, lang) {
            (Required { field }, Lang::Zh) => format!("请填写“{}”后再提交。", field.label(lang)),
            (Required { field }, Lang::En) => format!("Fill in “{}” first.", field.label(lang)),
            (TooLong { field, max }, Lang::Zh) => format!("“{}”不能超过{max}个字，请精简后再保存。", field.label(lang)),
            (TooLong { field, max }, Lang::En) => format!("“{}” must be at most {max} characters; shorten it and save again.", field.label(lang)),
            (UnknownSubject(_), Lang::Zh) => "找不到该县市或督战对象（可能已被删除），请从报送情况页重新进入。".into(),
            (UnknownSubject(_), Lang::En) => {
                "This county or target no longer exists (it may have been deleted); open the report again from the reporting board.".into()
            }
            (UnknownRequirement(_), Lang::Zh) => "找不到该报送事项，请从报送情况页重新进入。".into(),
            (UnknownRequirement(_), Lang::En) => "This filing requirement no longer exists; open it again from the reporting board.".into(),
            (MonthInFuture { month, .. }, Lang::Zh) => format!("{}尚未开始，不能填写该月报告。请检查月份或本机日期。", month.label(lang)),
            (MonthInFuture { month, .. }, Lang::En) => format!("{} has not started; check the month or this device's date.", month.label(lang)),
            (AlreadySubmitted, Lang::Zh) => "该报告已报送，内容不能再修改。如需更正，请在反馈或下月报告中说明。".into(),
            (AlreadySubmitted, Lang::En) => {
                "This report was submitted and can no longer be changed; note corrections in the feedback or next month's report.".into()
            }
            (NotSubmitted, Lang::Zh) => "报告尚未报送，报送后才能反馈。".into(),
            (NotSubmitted, Lang::En) => "The report has not been submitted; feedback comes after submission.".into(),
            (FeedbackAlreadyGiven, Lang::Zh) => "已经反馈过，不能重复反馈。".into(),
            (FeedbackAlreadyGiven, Lang::En) => "Feedback was already given.".into(),
            (DateInFuture { date, .. }, Lang::Zh) => format!("日期 {date} 晚于今天，请改为实际收到的日期。"),
            (DateInFuture { date, .. }, Lang::En) => format!("{date} is after today; enter the day it was actually received."),
            (InvalidMonth(s), Lang::Zh) => format!("“{s}”不是有效的月份，请按“年-月”格式填写，如 2020-03。"),
            (InvalidMonth(s), Lang::En) => format!("“{s}” is not a month; use YYYY-MM, e.g. 2020-03."),
            (InvalidDate(s), Lang::Zh) => format!("“{s}”不是有效日期，请按“年-月-日”格式填写，如 2020-02-06。"),
            (InvalidDate(s), Lang::En) => format!("“{s}” is not a real date; use YYYY-MM-DD, e.g. 2020-02-06."),
        }
    }
}

/// The monthly cycle's records, typed (built from the live docs like the other snapshots).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportSnapshot {
    /// In their `order`.
    pub requirements: Vec<Requirement>,
    pub reports: HashMap<RecordId, MonthlyReport>,
    pub filings: HashMap<RecordId, Filing>,
}

impl ReportSnapshot {
    pub fn from_docs<'a>(docs: impl IntoIterator<Item = &'a Doc>) -> ReportSnapshot {
        let mut s = ReportSnapshot::default();
        for d in docs {
            if d.is_deleted() {
                continue;
            }
            match d.kind.as_str() {
                Requirement::KIND => s.requirements.extend(decode::<Requirement>(d).ok()),
                MonthlyReport::KIND => {
                    if let Ok(r) = decode::<MonthlyReport>(d) {
                        s.reports.insert(r.id.clone(), r);
                    }
                }
                Filing::KIND => {
                    if let Ok(f) = decode::<Filing>(d) {
                        s.filings.insert(f.id.clone(), f);
                    }
                }
                _ => {}
            }
        }
        crate::core::sort::sort_by(&mut s.requirements, |a, b| (a.order, &a.id).cmp(&(b.order, &b.id)));
        s
    }

    /// The (first) monthly requirement: the 一月一报告 cycle.
    pub fn monthly(&self) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.monthly().is_some())
    }

    pub fn report(&self, subject: &Subject, month: Month) -> Option<&MonthlyReport> {
        self.reports.get(&report_id(subject, month))
    }
}

/// The default requirements as docs with the seed stamp (part of the embedded default).
pub fn seed_requirement_docs() -> Vec<Doc> {
    let st = crate::core::clock::Stamp::seed();
    model::seed_requirements().iter().filter_map(|r| Doc::edit(None, Requirement::KIND, r.id(), r.to_values(), &st)).collect()
}

/// A short content hash (内容指纹) of what a printed page shows, so a paper copy can
/// be matched to its electronic data: the first 12 hex digits of the SHA-256 of its
/// canonical JSON, in groups of four ("3f2a-9c41-07be"). The same data gives the
/// same hash on every device.
pub fn print_hash<T: serde::Serialize + ?Sized>(v: &T) -> String {
    let full = crate::core::digest::sha256_hex(v).unwrap_or_default();
    let short: String = full.chars().take(12).collect();
    short.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
}
