//! Who has reported (报送情况): the office's board for a month, the one-off filings,
//! and the deadlines coming up (倒计时).

use super::model::{Filing, MonthlyReport, Parties, ReportStatus, Requirement, Schedule, Subject};
use super::month::{next_monthly_due, Month, Timeliness};
use crate::core::i18n::Lang;
use crate::core::model::{Level, MilestoneStatus};
use crate::core::snapshot::Snapshot;
use chrono::NaiveDate;
use std::collections::HashMap;

/// One party who owes something, in the order the office reads them: counties by
/// 序号, then prefecture-level targets in the table's order.
#[derive(Clone, Debug, PartialEq)]
pub struct Party {
    pub subject: Subject,
    pub label: String,
    pub county_name: String,
}

/// The parties of a requirement, from the current data.
pub fn parties(parties: Parties, snapshot: &Snapshot) -> Vec<Party> {
    let county_name = |id: &str| snapshot.county(id).map(|c| c.name.clone()).unwrap_or_default();
    let mut out = Vec::new();
    if parties.counties() {
        out.extend(snapshot.counties.iter().map(|c| Party { subject: Subject::County(c.id.clone()), label: c.name.clone(), county_name: c.name.clone() }));
    }
    if parties.targets() {
        out.extend(snapshot.targets.iter().filter(|t| t.level == Level::Prefecture).map(|t| Party {
            subject: Subject::Target(t.id.clone()),
            label: snapshot.target_label(t),
            county_name: county_name(&t.county_id),
        }));
    }
    out
}

/// One line of the monthly board.
#[derive(Clone, Debug, PartialEq)]
pub struct BoardRow {
    pub party: Party,
    pub report_id: String,
    /// `None`: no report record at all (not even a draft).
    pub status: Option<ReportStatus>,
    pub submitted_on: Option<NaiveDate>,
    pub timeliness: Timeliness,
    pub feedback_on: Option<NaiveDate>,
}

/// Counts of the board, for the office's one-line summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BoardSummary {
    pub expected: usize,
    pub received: usize,
    pub on_time: usize,
    pub late: usize,
    /// Past due and not received.
    pub missing: usize,
    pub feedback_given: usize,
}

impl BoardSummary {
    /// Counts one party: whether it delivered, and how it stands against the due date.
    fn count(&mut self, delivered: bool, timeliness: Timeliness) {
        self.expected += 1;
        if delivered {
            self.received += 1;
        }
        match timeliness {
            Timeliness::OnTime => self.on_time += 1,
            Timeliness::Late { .. } => self.late += 1,
            Timeliness::Missing { .. } => self.missing += 1,
            Timeliness::NotDueYet { .. } => {}
        }
    }
}

/// The monthly board (月度报送情况): every party, received or not, on time or late,
/// feedback given or not.
#[derive(Clone, Debug, PartialEq)]
pub struct Board {
    pub month: Month,
    pub due: NaiveDate,
    pub rows: Vec<BoardRow>,
    pub summary: BoardSummary,
}

/// Builds the board of `month` for a monthly requirement. `reports` holds the
/// reports known on this device, by id. Judged on `today`.
pub fn monthly_board(req: &Requirement, month: Month, snapshot: &Snapshot, reports: &HashMap<String, MonthlyReport>, today: NaiveDate) -> Board {
    let due_day = req.monthly().map_or(20, |(d, _, _)| d);
    let due = month.due_date(due_day);
    let mut summary = BoardSummary::default();
    let rows: Vec<BoardRow> = parties(req.parties, snapshot)
        .into_iter()
        .map(|party| {
            let id = super::model::report_id(&party.subject, month);
            let r = reports.get(&id);
            let submitted_on = r.and_then(|r| r.submitted_on);
            let timeliness = Timeliness::judge(due, submitted_on, today);
            let feedback_on = r.and_then(|r| r.feedback_on.filter(|_| submitted_on.is_some()));
            summary.count(submitted_on.is_some(), timeliness);
            if feedback_on.is_some() {
                summary.feedback_given += 1;
            }
            BoardRow { party, report_id: id, status: r.map(MonthlyReport::status), submitted_on, timeliness, feedback_on }
        })
        .collect();
    Board { month, due, rows, summary }
}

/// One line of a one-off filing's board.
#[derive(Clone, Debug, PartialEq)]
pub struct FilingRow {
    pub party: Party,
    pub filing_id: String,
    pub filing: Option<Filing>,
    pub timeliness: Timeliness,
}

/// A one-off requirement and who has filed it.
#[derive(Clone, Debug, PartialEq)]
pub struct FilingBoard {
    pub requirement: Requirement,
    pub due: NaiveDate,
    pub rows: Vec<FilingRow>,
    pub summary: BoardSummary,
}

/// The boards of every one-off requirement, in the requirements' order.
pub fn filing_boards(requirements: &[Requirement], snapshot: &Snapshot, filings: &HashMap<String, Filing>, today: NaiveDate) -> Vec<FilingBoard> {
    requirements
        .iter()
        .filter_map(|req| match req.schedule {
            Schedule::Once { due } => Some((req, due)),
            Schedule::Monthly { .. } => None,
        })
        .map(|(req, due)| {
            let mut summary = BoardSummary::default();
            let rows = parties(req.parties, snapshot)
                .into_iter()
                .map(|party| {
                    let id = super::model::filing_id(&req.id, &party.subject);
                    let filing = filings.get(&id).cloned();
                    let filed_on = filing.as_ref().and_then(|f| f.filed_on);
                    let timeliness = Timeliness::judge(due, filed_on, today);
                    summary.count(filed_on.is_some(), timeliness);
                    FilingRow { party, filing_id: id, filing, timeliness }
                })
                .collect();
            FilingBoard { requirement: req.clone(), due, rows, summary }
        })
        .collect()
}

/// What a coming deadline is.
#[derive(Clone, Debug, PartialEq)]
pub enum DeadlineWhat {
    /// The monthly reports of a month (每月20日).
    MonthlyReports { requirement: String, month: Month },
    /// A one-off filing still missing from someone.
    Filing { requirement: String, missing: usize },
    /// The next milestone not done.
    Milestone { id: String, label: String },
}

/// A deadline and how far off it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Deadline {
    pub what: DeadlineWhat,
    pub due: NaiveDate,
    /// Negative when past.
    pub days_left: i64,
}

impl Deadline {
    pub fn title(&self, lang: Lang) -> String {
        match (&self.what, lang) {
            (DeadlineWhat::MonthlyReports { month, .. }, Lang::Zh) => format!("{}督战情况报送", month.label(lang)),
            (DeadlineWhat::MonthlyReports { month, .. }, Lang::En) => format!("Monthly reports for {}", month.label(lang)),
            (DeadlineWhat::Filing { requirement, missing }, Lang::Zh) => format!("{requirement}（{missing}个单位未报）"),
            (DeadlineWhat::Filing { requirement, missing }, Lang::En) => format!("{requirement} ({missing} not filed)"),
            (DeadlineWhat::Milestone { label, .. }, Lang::Zh) => format!("阶段节点：{label}"),
            (DeadlineWhat::Milestone { label, .. }, Lang::En) => format!("Milestone: {label}"),
        }
    }

    /// "还剩3天" / "今天截止" / "已逾期2天".
    pub fn countdown(&self, lang: Lang) -> String {
        match (self.days_left, lang) {
            (0, Lang::Zh) => "今天截止".into(),
            (0, Lang::En) => "Due today".into(),
            (d, Lang::Zh) if d > 0 => format!("还剩{d}天"),
            (d, Lang::En) if d > 0 => format!("{d} days left"),
            (d, Lang::Zh) => format!("已逾期{}天", -d),
            (d, _) => format!("{} days overdue", -d),
        }
    }
}

/// The deadlines to show on the home view: the next monthly due date within each
/// monthly requirement's months, every one-off filing someone still owes (even when
/// past due: the office chases it), and the next milestone not done (the earliest
/// undone one, overdue or not). Sorted by due date.
pub fn upcoming(requirements: &[Requirement], snapshot: &Snapshot, filings: &HashMap<String, Filing>, today: NaiveDate) -> Vec<Deadline> {
    let mut out = Vec::new();
    let days = |d: NaiveDate| (d - today).num_days();
    for req in requirements {
        if let Schedule::Monthly { due_day, first, last } = req.schedule {
            let mut due = next_monthly_due(due_day, today);
            if Month::of(due) < first {
                due = first.due_date(due_day);
            }
            if Month::of(due) <= last {
                out.push(Deadline { what: DeadlineWhat::MonthlyReports { requirement: req.name.clone(), month: Month::of(due) }, due, days_left: days(due) });
            }
        }
    }
    for b in filing_boards(requirements, snapshot, filings, today) {
        let missing = b.rows.iter().filter(|r| r.filing.as_ref().and_then(|f| f.filed_on).is_none()).count();
        if missing > 0 {
            out.push(Deadline { what: DeadlineWhat::Filing { requirement: b.requirement.name.clone(), missing }, due: b.due, days_left: days(b.due) });
        }
    }
    if let Some(m) =
        snapshot.milestones.iter().filter(|m| m.status != MilestoneStatus::Done).min_by(|a, b| (a.due, a.order, &a.id).cmp(&(b.due, b.order, &b.id)))
    {
        out.push(Deadline { what: DeadlineWhat::Milestone { id: m.id.clone(), label: m.label.clone() }, due: m.due, days_left: days(m.due) });
    }
    crate::core::sort::sort_by(&mut out, |a, b| a.due.cmp(&b.due));
    out
}

/// The month a board opens on: today's month, kept inside the requirement's months
/// (after the campaign, its last month; before it, its first).
pub fn default_month(req: &Requirement, today: NaiveDate) -> Month {
    let m = Month::of(today);
    match req.schedule {
        Schedule::Monthly { first, last, .. } => m.clamp(first, last),
        Schedule::Once { due } => Month::of(due),
    }
}
