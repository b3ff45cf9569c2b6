//! What a target's page shows (督战对象页面): its visits as a timeline and its
//! checklist pass rate. (Its open problems come from the ledger:
//! [`LedgerIndex::open_problems_of`](super::ledger::LedgerIndex::open_problems_of).)
//!
//! Pass-rate rule (达标率): passes over passes plus fails. 不适用 (not applicable)
//! answers are counted but excluded from the denominator; with no pass or fail the
//! rate is undefined (`None`, shown as "—"), never 0% or 100%.
//!
//! A target's *current* pass rate takes, for every checklist item not retired, the
//! answer of the latest **submitted** visit that answered it (by visit date, then
//! submission time, then id). So a failure found in March and fixed by May's visit
//! counts as a pass: the rate measures where the target stands now. Drafts do not
//! count; retired items do not count (they are no longer part of the checklist),
//! though each visit's own rate still includes what it checked.

use super::checklist::{ChecklistGroup, ChecklistItem};
use super::snapshot::FieldSnapshot;
use super::visit::{Answer, Visit, VisitAnswer, VisitStatus};
use std::collections::HashMap;

/// Counts of answers and the pass rate they give.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rate {
    pub pass: u32,
    pub fail: u32,
    pub not_applicable: u32,
}

impl Rate {
    pub fn add(&mut self, a: Answer) {
        match a {
            Answer::Pass => self.pass += 1,
            Answer::Fail => self.fail += 1,
            Answer::NotApplicable => self.not_applicable += 1,
        }
    }

    /// Adds another set of counts (roll-ups).
    pub fn add_all(&mut self, o: &Rate) {
        self.pass += o.pass;
        self.fail += o.fail;
        self.not_applicable += o.not_applicable;
    }

    /// The denominator: answers that were actually checked (达标 + 未达标).
    pub fn checked(&self) -> u32 {
        self.pass + self.fail
    }

    /// Pass rate in 0…1; `None` when nothing was checked.
    pub fn ratio(&self) -> Option<f64> {
        (self.checked() > 0).then(|| f64::from(self.pass) / f64::from(self.checked()))
    }

    /// The rate as the UI and exports show it: "85.7%", or "—" when undefined.
    pub fn percent_text(&self) -> String {
        match self.ratio() {
            Some(r) => {
                let s = format!("{:.1}", r * 100.0);
                format!("{}%", s.strip_suffix(".0").unwrap_or(&s))
            }
            None => "—".to_owned(),
        }
    }
}

/// A pass rate overall and per checklist group (every group, in order, even if empty).
#[derive(Clone, Debug, PartialEq)]
pub struct PassRate {
    pub overall: Rate,
    pub groups: Vec<(ChecklistGroup, Rate)>,
}

impl PassRate {
    pub fn group(&self, g: ChecklistGroup) -> Rate {
        self.groups.iter().find(|(x, _)| *x == g).map(|(_, r)| *r).unwrap_or_default()
    }
}

/// The pass rate of a set of answers. Answers to items not in `items` (deleted, or
/// from a newer app) count overall but in no group.
pub fn pass_rate<'a>(answers: impl IntoIterator<Item = &'a VisitAnswer>, items: &[ChecklistItem]) -> PassRate {
    let group_of: HashMap<&str, ChecklistGroup> = items.iter().map(|i| (i.id.as_str(), i.group)).collect();
    let mut overall = Rate::default();
    let mut groups: Vec<(ChecklistGroup, Rate)> = ChecklistGroup::ALL.iter().map(|g| (*g, Rate::default())).collect();
    for a in answers {
        overall.add(a.answer);
        if let Some(g) = group_of.get(a.item_id.as_str()) {
            if let Some((_, r)) = groups.iter_mut().find(|(x, _)| x == g) {
                r.add(a.answer);
            }
        }
    }
    PassRate { overall, groups }
}

/// One visit's own pass rate (everything it answered, retired items included).
pub fn visit_pass_rate(field: &FieldSnapshot, visit_id: &str) -> PassRate {
    pass_rate(field.answers_of(visit_id), &field.checklist)
}

/// The order of a target's visits: date, then submission time, then id.
fn visit_key(v: &Visit) -> (chrono::NaiveDate, Option<u64>, &str) {
    (v.date, v.submitted_ms, v.id.as_str())
}

/// A target's current pass rate (see the module doc for the rule).
pub fn target_pass_rate(field: &FieldSnapshot, target_id: &str) -> PassRate {
    let mut latest: HashMap<&str, (&Visit, &VisitAnswer)> = HashMap::new();
    for v in field.visits_of(target_id).filter(|v| v.status == VisitStatus::Submitted) {
        for a in field.answers_of(&v.id) {
            match latest.get(a.item_id.as_str()) {
                Some((cur, _)) if visit_key(cur) >= visit_key(v) => {}
                _ => {
                    latest.insert(a.item_id.as_str(), (v, a));
                }
            }
        }
    }
    let active: Vec<&ChecklistItem> = field.active_items().collect();
    let current = active.iter().filter_map(|i| latest.get(i.id.as_str()).map(|(_, a)| *a));
    pass_rate(current, &field.checklist)
}

/// One visit on a target's timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineEntry<'a> {
    pub visit: &'a Visit,
    /// The visit's own pass rate.
    pub rate: PassRate,
    /// How many items it answered.
    pub answered: usize,
}

/// A target's visits, newest first (drafts included; the UI marks them by `visit.status`).
pub fn visit_timeline<'a>(field: &'a FieldSnapshot, target_id: &str) -> Vec<TimelineEntry<'a>> {
    let mut vs: Vec<&Visit> = field.visits_of(target_id).collect();
    crate::core::sort::sort_by(&mut vs, |a, b| visit_key(b).cmp(&visit_key(a)));
    vs.into_iter().map(|v| TimelineEntry { visit: v, rate: visit_pass_rate(field, &v.id), answered: field.answers_of(&v.id).len() }).collect()
}
