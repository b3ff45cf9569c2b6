//! The records of the monthly cycle: what must be reported ([`Requirement`]), the
//! monthly reports themselves ([`MonthlyReport`]) and one-off filings ([`Filing`]).

use super::figures::MonthFigures;
use super::month::Month;
use crate::core::doc::RecordId;
use crate::core::i18n::Lang;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// When a requirement falls due.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Schedule {
    /// Once, by a date (e.g. 联络员名单 by 2020-02-06).
    Once {
        #[serde(deserialize_with = "crate::core::calendar::de_day")]
        due: NaiveDate,
    },
    /// Every month from `first` to `last`, by day `due_day` of that month (每月20日前).
    Monthly { due_day: u32, first: Month, last: Month },
}

/// Who must deliver.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Parties {
    /// Every county (各县市).
    Counties,
    /// The responsible unit of every prefecture-level target (州级定点挂牌督战责任单位).
    PrefectureTargets,
    /// Both: the monthly report of every county and of every prefecture-level target.
    CountiesAndPrefectureTargets,
}

impl Parties {
    pub fn counties(self) -> bool {
        matches!(self, Parties::Counties | Parties::CountiesAndPrefectureTargets)
    }
    pub fn targets(self) -> bool {
        matches!(self, Parties::PrefectureTargets | Parties::CountiesAndPrefectureTargets)
    }
}

/// Something the plan requires to be reported to the office, and by when (报送要求).
/// Due dates are data of the campaign: another year's plan edits these records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Requirement {
    pub id: RecordId,
    /// e.g. 联络员名单.
    pub name: String,
    /// The plan's sentence that requires it.
    pub text: String,
    pub schedule: Schedule,
    pub parties: Parties,
    /// Where it goes (州扶贫开发领导小组办公室).
    pub recipient: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub order: u32,
}
entity!(Requirement, "requirement");

impl Requirement {
    pub fn monthly(&self) -> Option<(u32, Month, Month)> {
        match self.schedule {
            Schedule::Monthly { due_day, first, last } => Some((due_day, first, last)),
            Schedule::Once { .. } => None,
        }
    }
}

/// Who a monthly report or a filing is from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Subject {
    /// A county (its county-level supervision, 县级督战情况).
    County(RecordId),
    /// A prefecture-level target (州级定点督战对象).
    Target(RecordId),
}

impl Subject {
    pub fn code(&self) -> &'static str {
        match self {
            Subject::County(_) => "county",
            Subject::Target(_) => "target",
        }
    }
    pub fn id(&self) -> &str {
        match self {
            Subject::County(id) | Subject::Target(id) => id,
        }
    }
    pub fn from_parts(code: &str, id: &str) -> Option<Subject> {
        match code {
            "county" => Some(Subject::County(id.to_owned())),
            "target" => Some(Subject::Target(id.to_owned())),
            _ => None,
        }
    }
}

/// Where a monthly report stands. Derived from its dates, never stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReportStatus {
    /// 草稿.
    Draft,
    /// 已报送 (the submission day is recorded).
    Submitted,
    /// 已反馈 (feedback to the target given).
    FeedbackGiven,
}

impl ReportStatus {
    pub fn code(self) -> &'static str {
        match self {
            ReportStatus::Draft => "draft",
            ReportStatus::Submitted => "submitted",
            ReportStatus::FeedbackGiven => "feedback_given",
        }
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (ReportStatus::Draft, Lang::Zh) => "草稿",
            (ReportStatus::Draft, Lang::En) => "Draft",
            (ReportStatus::Submitted, Lang::Zh) => "已报送",
            (ReportStatus::Submitted, Lang::En) => "Submitted",
            (ReportStatus::FeedbackGiven, Lang::Zh) => "已反馈",
            (ReportStatus::FeedbackGiven, Lang::En) => "Feedback given",
        }
    }
}

/// One month's analysis, report and feedback for one target or county
/// (一月一分析、一报告、一反馈).
///
/// Its id is derived from subject and month ([`report_id`]), so two squad members
/// who start the same month's report on two tablets write to the same record, and
/// their texts merge field by field (a concurrent loser stays visible) instead of
/// becoming two reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MonthlyReport {
    pub id: RecordId,
    pub subject: Subject,
    pub month: Month,
    /// 分析: the author's analysis of the month's figures.
    #[serde(default)]
    pub analysis: String,
    /// 报告: what is reported upward.
    #[serde(default)]
    pub report: String,
    /// Who wrote it (the squad or person).
    #[serde(default)]
    pub author: String,
    /// The day it was submitted (报送日期); `None` while a draft.
    #[serde(default, deserialize_with = "crate::core::calendar::de_opt_day")]
    pub submitted_on: Option<NaiveDate>,
    /// The month's figures as they stood when it was submitted, so the report reads
    /// the same later even if records of that month are corrected afterwards.
    #[serde(default)]
    pub figures: Option<MonthFigures>,
    /// 反馈: feedback to the target (what to fix, by when).
    #[serde(default)]
    pub feedback: String,
    #[serde(default)]
    pub feedback_by: String,
    #[serde(default, deserialize_with = "crate::core::calendar::de_opt_day")]
    pub feedback_on: Option<NaiveDate>,
}
entity!(MonthlyReport, "monthly_report");

impl MonthlyReport {
    pub fn status(&self) -> ReportStatus {
        match (self.submitted_on, self.feedback_on) {
            (None, _) => ReportStatus::Draft,
            (Some(_), None) => ReportStatus::Submitted,
            (Some(_), Some(_)) => ReportStatus::FeedbackGiven,
        }
    }

    /// A blank draft.
    pub fn blank(subject: Subject, month: Month) -> MonthlyReport {
        MonthlyReport {
            id: report_id(&subject, month),
            subject,
            month,
            analysis: String::new(),
            report: String::new(),
            author: String::new(),
            submitted_on: None,
            figures: None,
            feedback: String::new(),
            feedback_by: String::new(),
            feedback_on: None,
        }
    }
}

/// The one id of a subject's report for a month: `rpt-<county|target>-<id>-<YYYY-MM>`.
pub fn report_id(subject: &Subject, month: Month) -> RecordId {
    format!("rpt-{}-{}-{}", subject.code(), subject.id(), month)
}

/// A one-off filing delivered (or not yet) by one party (一次性报送事项).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Filing {
    pub id: RecordId,
    pub requirement_id: RecordId,
    pub subject: Subject,
    /// The day the office received it; `None`: recorded as not yet received.
    #[serde(default, deserialize_with = "crate::core::calendar::de_opt_day")]
    pub filed_on: Option<NaiveDate>,
    /// The contact it names (e.g. the liaison officer's name and phone).
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub note: String,
}
entity!(Filing, "filing");

/// The one id of a party's filing for a requirement.
pub fn filing_id(requirement_id: &str, subject: &Subject) -> RecordId {
    format!("fil-{}-{}-{}", requirement_id, subject.code(), subject.id())
}

/// The plan's reporting requirements (section 六): the monthly report, the liaison
/// officers and the county implementation plans, with the office's contact.
pub fn seed_requirements() -> Vec<Requirement> {
    let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let month = |y, m| Month::new(y, m).unwrap_or(Month::of(d(y, 1, 1)));
    let office = "州扶贫开发领导小组办公室".to_owned();
    vec![
        Requirement {
            id: "seed-req-monthly".into(),
            name: "月度督战情况（一月一分析、一报告、一反馈）".into(),
            text: "各级挂牌督战实行“一月一分析、一报告、一反馈”，督促限期抓好整改，帮助协调解决困难问题，建立挂牌督战台账。州级和各县市督战情况，于每月20日前将纸质和电子版同时报州扶贫开发领导小组办公室，汇总报州委、州政府。".into(),
            schedule: Schedule::Monthly { due_day: 20, first: month(2020, 2), last: month(2020, 12) },
            parties: Parties::CountiesAndPrefectureTargets,
            recipient: office.clone(),
            contact_phone: "3013497".into(),
            contact_email: "zcfgk304@126.com".into(),
            order: 1,
        },
        Requirement {
            id: "seed-req-liaison".into(),
            name: "联络员名单".into(),
            text: "州级定点挂牌督战责任单位要……确定1名分管领导作为联络员，联络员名单于2020年2月6日前报州扶贫开发领导小组办公室。".into(),
            schedule: Schedule::Once { due: d(2020, 2, 6) },
            parties: Parties::PrefectureTargets,
            recipient: office.clone(),
            contact_phone: "3013497".into(),
            contact_email: "zcfgk304@126.com".into(),
            order: 2,
        },
        Requirement {
            id: "seed-req-plan".into(),
            name: "挂牌督战实施方案".into(),
            text: "各县市要聚焦难点、突出重点，结合实际制定挂牌督战实施方案，于2020年2月8日前报州扶贫开发领导小组办公室备案。".into(),
            schedule: Schedule::Once { due: d(2020, 2, 8) },
            parties: Parties::Counties,
            recipient: office,
            contact_phone: "3013497".into(),
            contact_email: "zcfgk304@126.com".into(),
            order: 3,
        },
    ]
}
