//! The month's figures (月度数据): what the analysis starts from, computed from the
//! records — never typed — for one target, and rolled up per county and for the
//! prefecture (汇总).
//!
//! # The period
//!
//! A month's figures are taken **as of** its last day, or as of today while the
//! month is still running ([`Period`]). "In the month" means from its first day to
//! that day. Deadlines are judged the way the ledger judges them (overdue = the
//! deadline day has passed): for a finished month at the end of its last day, for
//! the running month today.
//!
//! # What is counted (per target)
//!
//! - Visits: *submitted* visits dated in the month, by mode, and households visited.
//!   Drafts do not count.
//! - Checks: every answer of those visits, by checklist group (达标 / 未达标 / 不适用).
//! - Problems, by their history as it stood on the as-of day (events recorded after
//!   it are ignored, so a past month's figures do not change when work goes on):
//!   opened in the month, closed (销号) in the month, still open at the end, of
//!   those overdue and 只督不战 (no unit, person or deadline — taken from the
//!   problem as it is now: the record keeps no history of those fields), and
//!   opened in the month as 屡改屡犯 (a repeat of a problem closed earlier).
//! - Population: the target's baseline figure (the earliest) and its latest on or
//!   before the as-of day, per metric (剩余贫困人口 / 贫困发生率 / 安置人口).
//! - Milestones due in the month that apply to the target (campaign-wide, its
//!   county's, its own): done, or missed (not done and due before the judging day).
//!
//! # Roll-ups
//!
//! [`rollup`] adds targets' figures: every count is the sum of its parts (each
//! problem, visit and answer belongs to exactly one target), population lines are
//! summed per metric (incidence is shown as the average of the villages), and
//! milestones are listed once each — a campaign-wide milestone is one deadline,
//! not thirteen.

use super::month::{day_after, Month};
use crate::core::calendar::date_of_ms;
use crate::core::fieldwork::problem::{recurrence_of, replay_sorted, supervises_without_fighting};
use crate::core::fieldwork::{ChecklistGroup, FieldSnapshot, Problem, ProblemEvent, ProblemStatus, Visit, VisitMode, VisitStatus};
use crate::core::i18n::{metric_key, t, Lang, K};
use crate::core::model::{Metric, MilestoneStatus, Scope, Target};
use crate::core::snapshot::{format_figure, Snapshot};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The days a month's figures cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub month: Month,
    /// The last day counted: the month's last day, or today while the month runs.
    pub as_of: NaiveDate,
    /// The day deadlines are judged on: overdue means the deadline is before it.
    pub judged_on: NaiveDate,
}

impl Period {
    pub fn new(month: Month, today: NaiveDate) -> Period {
        let last = month.last_day();
        if today > last {
            Period { month, as_of: last, judged_on: day_after(last) }
        } else {
            Period { month, as_of: today, judged_on: today }
        }
    }

    /// Whether a day is in the month and not after the as-of day.
    pub fn covers(&self, d: NaiveDate) -> bool {
        d >= self.month.first_day() && d <= self.as_of
    }

    /// Whether the month is over (its figures no longer change with time).
    pub fn complete(&self) -> bool {
        self.as_of == self.month.last_day() && self.judged_on > self.as_of
    }
}

/// Submitted visits in the month.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitFigures {
    pub total: u32,
    /// 定点督战.
    pub leader_fixed_point: u32,
    /// 小分队日常督战.
    pub squad_routine: u32,
    /// 暗访督战.
    pub unannounced: u32,
    pub households: u64,
}

/// Answers of one checklist group (or all of them): the counts and pass rate a
/// target's page shows (达标 / (达标 + 未达标)), the same type.
pub type CheckFigures = crate::core::fieldwork::target_page::Rate;

/// Problems in the month.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemFigures {
    /// 新发现: opened in the month.
    pub opened: u32,
    /// 已销号: closed in the month.
    pub closed: u32,
    /// Not closed at the end of the period (opened on or before it).
    pub open_at_end: u32,
    /// Of those, past their deadline (逾期).
    pub overdue: u32,
    /// Of those, without unit, person or deadline (只督不战).
    pub without_owner: u32,
    /// Opened in the month as a repeat of a closed problem (屡改屡犯).
    pub recurrences: u32,
}

impl ProblemFigures {
    fn add(&mut self, o: &ProblemFigures) {
        self.opened += o.opened;
        self.closed += o.closed;
        self.open_at_end += o.open_at_end;
        self.overdue += o.overdue;
        self.without_owner += o.without_owner;
        self.recurrences += o.recurrences;
    }
}

/// A population figure then and now, for one metric (summed over targets in roll-ups).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PopulationLine {
    pub metric: Metric,
    /// How many targets the line adds up.
    pub targets: u32,
    /// The baseline (earliest figure).
    pub then: f64,
    /// The latest figure on or before the as-of day.
    pub now: f64,
}

impl PopulationLine {
    /// What the line shows: people as sums, incidence as the average of the villages.
    pub fn shown(&self) -> (f64, f64) {
        match self.metric {
            Metric::IncidencePct if self.targets > 0 => (self.then / f64::from(self.targets), self.now / f64::from(self.targets)),
            _ => (self.then, self.now),
        }
    }
}

/// A milestone due in the month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneLine {
    pub id: String,
    pub label: String,
    #[serde(deserialize_with = "crate::core::calendar::de_day")]
    pub due: NaiveDate,
    pub done: bool,
    pub missed: bool,
}

/// Everything the month's analysis starts from (see the module doc).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MonthFigures {
    pub month: Month,
    #[serde(deserialize_with = "crate::core::calendar::de_day")]
    pub as_of: NaiveDate,
    /// How many targets these figures cover (1 for a target's own report).
    pub targets: u32,
    pub visits: VisitFigures,
    /// All answers of the month's visits.
    pub checks: CheckFigures,
    /// Per checklist group, every group in order (even when empty).
    pub check_groups: Vec<(ChecklistGroup, CheckFigures)>,
    pub problems: ProblemFigures,
    pub population: Vec<PopulationLine>,
    pub milestones: Vec<MilestoneLine>,
}

impl MonthFigures {
    pub fn empty(period: &Period) -> MonthFigures {
        MonthFigures {
            month: period.month,
            as_of: period.as_of,
            targets: 0,
            visits: VisitFigures::default(),
            checks: CheckFigures::default(),
            check_groups: ChecklistGroup::ALL.iter().map(|g| (*g, CheckFigures::default())).collect(),
            problems: ProblemFigures::default(),
            population: Vec::new(),
            milestones: Vec::new(),
        }
    }

    pub fn group(&self, g: ChecklistGroup) -> CheckFigures {
        self.check_groups.iter().find(|(x, _)| *x == g).map(|(_, c)| c.clone()).unwrap_or_default()
    }

    /// The figures as the opening sentences of an analysis, in Chinese (the language
    /// of the documents filed with the office); the author goes on from there.
    pub fn summary_zh(&self) -> String {
        let v = &self.visits;
        let p = &self.problems;
        let mut out = format!(
            "{}（截至{}）：督战{}次（定点{}次、日常{}次、暗访{}次），走访{}户；检查达标率{}（达标{}项、未达标{}项）。",
            self.month.label(Lang::Zh),
            self.as_of,
            v.total,
            v.leader_fixed_point,
            v.squad_routine,
            v.unannounced,
            v.households,
            self.checks.percent_text(),
            self.checks.pass,
            self.checks.fail
        );
        out.push_str(&format!(
            "新发现问题{}个，销号{}个，月末未销号{}个（其中逾期{}个、只督不战{}个）",
            p.opened, p.closed, p.open_at_end, p.overdue, p.without_owner
        ));
        if p.recurrences > 0 {
            out.push_str(&format!("，屡改屡犯{}个", p.recurrences));
        }
        out.push('。');
        for l in &self.population {
            let (then, now) = l.shown();
            let name = t(Lang::Zh, metric_key(l.metric));
            out.push_str(&format!("{name}由{}变为{}。", format_figure(l.metric, then), format_figure(l.metric, now)));
        }
        let missed: Vec<&str> = self.milestones.iter().filter(|m| m.missed).map(|m| m.label.as_str()).collect();
        if !missed.is_empty() {
            out.push_str(&format!("未按期完成的节点：{}。", missed.join("、")));
        }
        out
    }

    /// Population lines as one text: "剩余贫困人口：3071人 → 2500人；…" (incidence over
    /// several villages is marked as their average); "—" when there is none.
    pub fn population_text(&self, lang: Lang) -> String {
        let lines: Vec<String> = self
            .population
            .iter()
            .map(|l| {
                let (then, now) = l.shown();
                let avg = if l.metric == Metric::IncidencePct && l.targets > 1 { format!("（{}）", t(lang, K::FigAverage)) } else { String::new() };
                format!("{}{avg}：{} → {}", t(lang, metric_key(l.metric)), format_figure(l.metric, then), format_figure(l.metric, now))
            })
            .collect();
        if lines.is_empty() {
            "—".to_owned()
        } else {
            lines.join("；")
        }
    }

    /// The month's milestones as one text: "3月底前（03-31）未按期完成；…"; "—" when none.
    pub fn milestones_text(&self, lang: Lang) -> String {
        let lines: Vec<String> = self
            .milestones
            .iter()
            .map(|m| {
                let k = if m.done {
                    K::FigMilestoneDone
                } else if m.missed {
                    K::FigMilestoneMissed
                } else {
                    K::FigMilestoneNotDue
                };
                format!("{}（{:02}-{:02}）{}", m.label, chrono::Datelike::month(&m.due), chrono::Datelike::day(&m.due), t(lang, k))
            })
            .collect();
        if lines.is_empty() {
            "—".to_owned()
        } else {
            lines.join("；")
        }
    }

    /// The overall pass rate with the rate of every group that was checked:
    /// "33.3%（三落实 33.3%；三精准 —）".
    pub fn pass_rate_text(&self, lang: Lang) -> String {
        let groups: Vec<String> = self
            .check_groups
            .iter()
            .filter(|(_, c)| c.pass + c.fail + c.not_applicable > 0)
            .map(|(g, c)| format!("{} {}", g.label(lang), c.percent_text()))
            .collect();
        if groups.is_empty() {
            self.checks.percent_text()
        } else {
            format!("{}（{}）", self.checks.percent_text(), groups.join("；"))
        }
    }

    pub fn milestones_missed(&self) -> usize {
        self.milestones.iter().filter(|m| m.missed).count()
    }

    /// Adds another target's (or roll-up's) figures into these.
    fn add(&mut self, o: &MonthFigures) {
        self.targets += o.targets;
        self.visits.total += o.visits.total;
        self.visits.leader_fixed_point += o.visits.leader_fixed_point;
        self.visits.squad_routine += o.visits.squad_routine;
        self.visits.unannounced += o.visits.unannounced;
        self.visits.households += o.visits.households;
        self.checks.add_all(&o.checks);
        for (g, c) in &o.check_groups {
            if let Some((_, mine)) = self.check_groups.iter_mut().find(|(x, _)| x == g) {
                mine.add_all(c);
            }
        }
        self.problems.add(&o.problems);
        for line in &o.population {
            match self.population.iter_mut().find(|l| l.metric == line.metric) {
                Some(l) => {
                    l.targets += line.targets;
                    l.then += line.then;
                    l.now += line.now;
                }
                None => self.population.push(line.clone()),
            }
        }
        for m in &o.milestones {
            if !self.milestones.iter().any(|x| x.id == m.id) {
                self.milestones.push(m.clone());
            }
        }
    }
}

/// Adds up targets' figures (a county's targets, or every target) for a period.
pub fn rollup<'a>(period: &Period, parts: impl IntoIterator<Item = &'a MonthFigures>) -> MonthFigures {
    let mut total = MonthFigures::empty(period);
    for p in parts {
        total.add(p);
    }
    crate::core::sort::sort_by(&mut total.population, |a, b| metric_order(a.metric).cmp(&metric_order(b.metric)));
    crate::core::sort::sort_by(&mut total.milestones, |a, b| (a.due, &a.id).cmp(&(b.due, &b.id)));
    total
}

fn metric_order(m: Metric) -> u8 {
    match m {
        Metric::RemainingPoor => 0,
        Metric::IncidencePct => 1,
        Metric::PeopleResettled => 2,
    }
}

/// A problem with its live events in history order (as the ledger keeps them).
pub type ProblemWithEvents<'a> = (&'a Problem, &'a [ProblemEvent]);

/// Every target's figures for the month, by target id (every target of the
/// snapshot is present, with zeros when nothing happened).
pub fn target_figures<'a>(
    period: &Period,
    snapshot: &Snapshot,
    field: &FieldSnapshot,
    problems: impl IntoIterator<Item = ProblemWithEvents<'a>>,
) -> BTreeMap<String, MonthFigures> {
    figures_of(period, snapshot, field, problems, Findings::All)
}

/// Which findings a device's figures count. 暗访督战 visits and the problems found
/// on them are the 督查室's (restricted, `bundle::restricted`): they count in its
/// reports, and not in those of any other device that holds them (the squad that
/// recorded them), whose reports go to the county.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Findings {
    All,
    WithoutUnannounced,
}

fn figures_of<'a>(
    period: &Period,
    snapshot: &Snapshot,
    field: &FieldSnapshot,
    problems: impl IntoIterator<Item = ProblemWithEvents<'a>>,
    findings: Findings,
) -> BTreeMap<String, MonthFigures> {
    let counted = |v: &Visit| findings == Findings::All || v.mode != VisitMode::Unannounced;
    let mut by_target: HashMap<&str, Vec<ProblemWithEvents<'a>>> = HashMap::new();
    for pe in problems {
        if pe.0.visit_id.as_deref().and_then(|v| field.visit(v)).is_some_and(|v| !counted(v)) {
            continue;
        }
        by_target.entry(pe.0.target_id.as_str()).or_default().push(pe);
    }
    // The month's submitted visits, by target (one pass, not one scan per target).
    let mut visits: HashMap<&str, Vec<&Visit>> = HashMap::new();
    for v in field.visits().filter(|v| v.status == VisitStatus::Submitted && period.covers(v.date) && counted(v)) {
        visits.entry(v.target_id.as_str()).or_default().push(v);
    }
    let groups: HashMap<&str, ChecklistGroup> = field.checklist.iter().map(|i| (i.id.as_str(), i.group)).collect();
    crate::core::sort::btree_map(snapshot.targets.iter().map(|t| {
        let probs = by_target.get(t.id.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        let vs = visits.get(t.id.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        (t.id.clone(), one_target(period, snapshot, field, &groups, t, vs, probs))
    }))
}

fn one_target(
    period: &Period,
    snapshot: &Snapshot,
    field: &FieldSnapshot,
    groups: &HashMap<&str, ChecklistGroup>,
    t: &Target,
    visits: &[&Visit],
    problems: &[ProblemWithEvents<'_>],
) -> MonthFigures {
    let mut f = MonthFigures::empty(period);
    f.targets = 1;

    for v in visits {
        f.visits.total += 1;
        match v.mode {
            VisitMode::LeaderFixedPoint => f.visits.leader_fixed_point += 1,
            VisitMode::SquadRoutine => f.visits.squad_routine += 1,
            VisitMode::Unannounced => f.visits.unannounced += 1,
        }
        f.visits.households += u64::from(v.households_visited);
        for a in field.answers_of(&v.id) {
            f.checks.add(a.answer);
            if let Some(g) = groups.get(a.item_id.as_str()) {
                if let Some((_, c)) = f.check_groups.iter_mut().find(|(x, _)| x == g) {
                    c.add(a.answer);
                }
            }
        }
    }

    // Each problem's status and closing time as of the period's end.
    let state: Vec<(&Problem, ProblemStatus, Option<u64>)> = problems
        .iter()
        .map(|(p, evs)| {
            let r = replay_sorted(evs.iter().filter(|e| date_of_ms(e.at_ms) <= period.as_of));
            (*p, r.status, r.closed_at_ms)
        })
        .collect();
    for (p, status, closed_ms) in &state {
        if period.covers(p.opened_on) {
            f.problems.opened += 1;
            let others = state.iter().map(|(q, _, c)| (*q, *c));
            if recurrence_of(p, others).is_some() {
                f.problems.recurrences += 1;
            }
        }
        if closed_ms.is_some_and(|ms| period.covers(date_of_ms(ms))) {
            f.problems.closed += 1;
        }
        if p.opened_on <= period.as_of && *status != ProblemStatus::Closed {
            f.problems.open_at_end += 1;
            if p.deadline.is_some_and(|d| d < period.judged_on) {
                f.problems.overdue += 1;
            }
            if supervises_without_fighting(p, *status) {
                f.problems.without_owner += 1;
            }
        }
    }

    let figs: Vec<_> = snapshot.figures_of(&t.id).into_iter().filter(|x| x.measured_on <= period.as_of).collect();
    if let (Some(first), Some(last)) = (figs.first(), figs.last()) {
        f.population.push(PopulationLine { metric: t.kind.metric(), targets: 1, then: first.value, now: last.value });
    }

    for m in &snapshot.milestones {
        let applies = match &m.scope {
            Scope::All => true,
            Scope::County(c) => *c == t.county_id,
            Scope::Target(x) => *x == t.id,
        };
        if applies && period.month.contains(m.due) {
            let done = m.status == MilestoneStatus::Done;
            f.milestones.push(MilestoneLine { id: m.id.clone(), label: m.label.clone(), due: m.due, done, missed: !done && m.due < period.judged_on });
        }
    }
    f
}

/// Every figure a month's reports need: per target, per county and for the prefecture.
#[derive(Clone, Debug, PartialEq)]
pub struct MonthRollups {
    pub period: Period,
    pub targets: BTreeMap<String, MonthFigures>,
    pub counties: BTreeMap<String, MonthFigures>,
    pub prefecture: MonthFigures,
}

impl MonthRollups {
    pub fn compute<'a>(period: Period, snapshot: &Snapshot, field: &FieldSnapshot, problems: impl IntoIterator<Item = ProblemWithEvents<'a>>) -> MonthRollups {
        Self::compute_counting(period, snapshot, field, problems, Findings::All)
    }

    /// [`MonthRollups::compute`], counting only `findings` (a device that is not the
    /// 督查室's leaves out 暗访督战).
    pub fn compute_counting<'a>(
        period: Period,
        snapshot: &Snapshot,
        field: &FieldSnapshot,
        problems: impl IntoIterator<Item = ProblemWithEvents<'a>>,
        findings: Findings,
    ) -> MonthRollups {
        let targets = figures_of(&period, snapshot, field, problems, findings);
        let counties = crate::core::sort::btree_map(snapshot.counties.iter().map(|c| {
            let parts = snapshot.targets.iter().filter(|t| t.county_id == c.id).filter_map(|t| targets.get(&t.id));
            (c.id.clone(), rollup(&period, parts))
        }));
        let prefecture = rollup(&period, targets.values());
        MonthRollups { period, targets, counties, prefecture }
    }

    /// The figures a report of `subject` starts from: a target's own, or its county's roll-up.
    pub fn of(&self, subject: &super::model::Subject) -> Option<&MonthFigures> {
        match subject {
            super::model::Subject::Target(id) => self.targets.get(id),
            super::model::Subject::County(id) => self.counties.get(id),
        }
    }
}
