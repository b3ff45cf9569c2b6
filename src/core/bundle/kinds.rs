//! What each record kind refers to and where it belongs (记录类型的关联与归属).
//!
//! Merge never looks at kinds. Bundles do, in three places: import checks that a
//! record's references exist (a target's county, a figure's target…), scoped export
//! picks the records of chosen counties or targets, and every export pulls in the
//! records that its records refer to, so that each bundle imports on its own in any
//! order. All three read one thing per kind: its [`Linked`] implementation.
//!
//! A new record kind (e.g. field-work visits) travels in bundles by implementing
//! [`Linked`] and adding one line to [`KINDS`]. A kind not listed (e.g. written by a
//! newer app) still travels and merges; it is kept as it is, its references are not
//! checked, and scoped bundles leave it out (nothing says where it belongs).

use crate::core::doc::{DecodeError, Doc, Entity};
use crate::core::fieldwork::photo::Photo;
use crate::core::fieldwork::{ChecklistItem, Problem, ProblemEvent, Visit, VisitAnswer};
use crate::core::i18n::Field;
use crate::core::model::*;
use crate::core::report::{Filing, MonthlyReport, Requirement, Subject};
use crate::core::validate::{check_day, check_magnitude, ValidationError};

/// Most households a received visit may record: far above what the visit form takes
/// (`fieldwork::visit::MAX_HOUSEHOLDS_PER_VISIT`), so a visit valid on any version
/// imports, and far below what a broken or forged file could claim.
pub const MAX_HOUSEHOLDS: u32 = 100_000;

/// A reference from one record to another, by id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ref {
    /// The field that holds the id (for messages).
    pub field: &'static str,
    /// The kind the referenced record must have.
    pub kind: &'static str,
    pub id: String,
}

impl Ref {
    pub fn new(field: &'static str, kind: &'static str, id: &str) -> Ref {
        Ref { field, kind, id: id.to_owned() }
    }
}

/// Where a record belongs, for scoped bundles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// In every bundle: the campaign, its phases, campaign-wide milestones.
    Everywhere,
    /// With a county: the county itself, milestones scoped to it.
    County(String),
    /// With a target: the target, its figures, assignments, visits, problems.
    Target(String),
    /// Wherever another record belongs: a visit's answers, a problem's events.
    With(String),
    /// Only when a record in the bundle refers to it: people, departments.
    Referenced,
}

/// The one thing a record kind implements to travel in bundles.
pub trait Linked: Entity {
    /// The records this one refers to. Each must exist (in the bundle or on the
    /// importing device, deleted or not) for an import to be accepted.
    fn refs(&self) -> Vec<Ref>;
    /// Where the record belongs for scoped bundles.
    fn anchor(&self) -> Anchor;
    /// Checks on imported values beyond what decoding checks (e.g. a figure is not
    /// negative). Files may be edited by hand; the UI's own checks are not enough.
    /// Only rules on single fields belong here: merge combines fields written on
    /// different devices, so a rule across fields could refuse a legitimate merge.
    fn check(&self) -> Result<(), ValidationError> {
        Ok(())
    }
}

impl Linked for Campaign {
    fn refs(&self) -> Vec<Ref> {
        Vec::new()
    }
    fn anchor(&self) -> Anchor {
        Anchor::Everywhere
    }
}

impl Linked for Department {
    fn refs(&self) -> Vec<Ref> {
        Vec::new()
    }
    fn anchor(&self) -> Anchor {
        Anchor::Referenced
    }
}

impl Linked for Phase {
    fn refs(&self) -> Vec<Ref> {
        Vec::new()
    }
    fn anchor(&self) -> Anchor {
        Anchor::Everywhere
    }
    // No end-after-start check here: two devices can each move one end validly and
    // merge into end < start. A rule across fields must never refuse a bundle, or
    // such a merge would block every later exchange; the UI flags it instead.
    fn check(&self) -> Result<(), ValidationError> {
        check_day(self.start)?;
        check_day(self.end).map(drop)
    }
}

impl Linked for Milestone {
    fn refs(&self) -> Vec<Ref> {
        let mut r = vec![Ref::new("phase_id", Phase::KIND, &self.phase_id)];
        match &self.scope {
            Scope::All => {}
            Scope::County(c) => r.push(Ref::new("scope", County::KIND, c)),
            Scope::Target(t) => r.push(Ref::new("scope", Target::KIND, t)),
        }
        r
    }
    fn anchor(&self) -> Anchor {
        match &self.scope {
            Scope::All => Anchor::Everywhere,
            Scope::County(c) => Anchor::County(c.clone()),
            Scope::Target(t) => Anchor::Target(t.clone()),
        }
    }
    fn check(&self) -> Result<(), ValidationError> {
        check_day(self.due).map(drop)
    }
}

impl Linked for County {
    fn refs(&self) -> Vec<Ref> {
        Vec::new()
    }
    fn anchor(&self) -> Anchor {
        Anchor::County(self.id.clone())
    }
}

impl Linked for Target {
    fn refs(&self) -> Vec<Ref> {
        vec![Ref::new("county_id", County::KIND, &self.county_id)]
    }
    fn anchor(&self) -> Anchor {
        Anchor::Target(self.id.clone())
    }
}

impl Linked for Figure {
    fn refs(&self) -> Vec<Ref> {
        vec![Ref::new("target_id", Target::KIND, &self.target_id)]
    }
    fn anchor(&self) -> Anchor {
        Anchor::Target(self.target_id.clone())
    }
    fn check(&self) -> Result<(), ValidationError> {
        // JSON cannot carry NaN or infinities, but check anyway: the value may come
        // from a future decoder. Only the sign and the magnitude every metric shares
        // are checked, not the metric's range: a target's kind can change
        // concurrently, and a figure valid when entered must never block a whole bundle.
        check_magnitude(self.value)?;
        check_day(self.measured_on).map(drop)
    }
}

impl Linked for Person {
    fn refs(&self) -> Vec<Ref> {
        Vec::new()
    }
    fn anchor(&self) -> Anchor {
        Anchor::Referenced
    }
}

impl Linked for Assignment {
    fn refs(&self) -> Vec<Ref> {
        let mut r = vec![Ref::new("target_id", Target::KIND, &self.target_id), Ref::new("person_id", Person::KIND, &self.person_id)];
        r.extend(self.department_ids.iter().map(|d| Ref::new("department_ids", Department::KIND, d)));
        r
    }
    fn anchor(&self) -> Anchor {
        Anchor::Target(self.target_id.clone())
    }
}

// ---- field work (core::fieldwork) ----

impl Linked for ChecklistItem {
    fn refs(&self) -> Vec<Ref> {
        Vec::new()
    }
    fn anchor(&self) -> Anchor {
        // The checklist is campaign-wide: every visit anywhere answers it.
        Anchor::Everywhere
    }
}

impl Linked for Visit {
    fn refs(&self) -> Vec<Ref> {
        vec![Ref::new("target_id", Target::KIND, &self.target_id)]
    }
    fn anchor(&self) -> Anchor {
        Anchor::Target(self.target_id.clone())
    }
    fn check(&self) -> Result<(), ValidationError> {
        if self.households_visited > MAX_HOUSEHOLDS {
            return Err(ValidationError::FigureTooLarge { value: f64::from(self.households_visited), max: f64::from(MAX_HOUSEHOLDS) });
        }
        check_day(self.date).map(drop)
    }
}

impl Linked for VisitAnswer {
    fn refs(&self) -> Vec<Ref> {
        vec![Ref::new("visit_id", Visit::KIND, &self.visit_id), Ref::new("item_id", ChecklistItem::KIND, &self.item_id)]
    }
    fn anchor(&self) -> Anchor {
        Anchor::With(self.visit_id.clone())
    }
}

impl Linked for Problem {
    fn refs(&self) -> Vec<Ref> {
        let mut r = vec![Ref::new("target_id", Target::KIND, &self.target_id)];
        if let Some(i) = &self.item_id {
            r.push(Ref::new("item_id", ChecklistItem::KIND, i));
        }
        if let Some(v) = &self.visit_id {
            r.push(Ref::new("visit_id", Visit::KIND, v));
        }
        r
    }
    fn anchor(&self) -> Anchor {
        Anchor::Target(self.target_id.clone())
    }
    fn check(&self) -> Result<(), ValidationError> {
        check_day(self.opened_on)?;
        self.deadline.map_or(Ok(()), |d| check_day(d).map(drop))
    }
}

impl Linked for ProblemEvent {
    fn refs(&self) -> Vec<Ref> {
        vec![Ref::new("problem_id", Problem::KIND, &self.problem_id)]
    }
    fn anchor(&self) -> Anchor {
        Anchor::With(self.problem_id.clone())
    }
    fn check(&self) -> Result<(), ValidationError> {
        check_day(crate::core::calendar::date_of_ms(self.at_ms)).map(drop)
    }
}

impl Linked for Photo {
    fn refs(&self) -> Vec<Ref> {
        vec![Ref::new("owner_id", self.slot.owner_kind(), &self.owner_id), Ref::new("target_id", Target::KIND, &self.target_id)]
    }
    fn anchor(&self) -> Anchor {
        // Wherever the record it backs goes (a 暗访 visit's photos stay with it).
        Anchor::With(self.owner_id.clone())
    }
    fn check(&self) -> Result<(), ValidationError> {
        crate::core::fieldwork::photo::record_problem(self).map_or(Ok(()), |f| Err(ValidationError::PhotoRecord(f)))
    }
}

// ---- the monthly cycle (core::report) ----

impl Linked for Requirement {
    fn refs(&self) -> Vec<Ref> {
        Vec::new()
    }
    fn anchor(&self) -> Anchor {
        // What is due when is campaign-wide.
        Anchor::Everywhere
    }
    fn check(&self) -> Result<(), ValidationError> {
        match self.schedule {
            crate::core::report::Schedule::Once { due } => check_day(due).map(drop),
            _ => Ok(()),
        }
    }
}

fn subject_ref(field: &'static str, s: &Subject) -> Ref {
    match s {
        Subject::County(id) => Ref::new(field, County::KIND, id),
        Subject::Target(id) => Ref::new(field, Target::KIND, id),
    }
}

fn subject_anchor(s: &Subject) -> Anchor {
    match s {
        Subject::County(id) => Anchor::County(id.clone()),
        Subject::Target(id) => Anchor::Target(id.clone()),
    }
}

impl Linked for MonthlyReport {
    fn refs(&self) -> Vec<Ref> {
        vec![subject_ref("subject", &self.subject)]
    }
    fn anchor(&self) -> Anchor {
        subject_anchor(&self.subject)
    }
    fn check(&self) -> Result<(), ValidationError> {
        for (field, s) in [(Field::Analysis, &self.analysis), (Field::Report, &self.report), (Field::Feedback, &self.feedback)] {
            crate::core::validate::optional_text(field, s, crate::core::report::ops::MAX_REPORT_TEXT)?;
        }
        for (field, s) in [(Field::Author, &self.author), (Field::FeedbackBy, &self.feedback_by)] {
            crate::core::validate::optional_text(field, s, crate::core::validate::MAX_NAME)?;
        }
        for d in [self.submitted_on, self.feedback_on].into_iter().flatten() {
            check_day(d)?;
        }
        Ok(())
    }
}

impl Linked for Filing {
    fn refs(&self) -> Vec<Ref> {
        vec![Ref::new("requirement_id", Requirement::KIND, &self.requirement_id), subject_ref("subject", &self.subject)]
    }
    fn anchor(&self) -> Anchor {
        subject_anchor(&self.subject)
    }
    fn check(&self) -> Result<(), ValidationError> {
        self.filed_on.map_or(Ok(()), |d| check_day(d).map(drop))
    }
}

/// What a doc of a known kind says about itself.
#[derive(Clone, Debug, PartialEq)]
pub struct Links {
    pub refs: Vec<Ref>,
    pub anchor: Anchor,
    /// For targets: their county (scoped bundles of a county take its targets).
    pub county_of_target: Option<String>,
}

/// Why a doc of a known kind is not acceptable.
#[derive(Clone, Debug, PartialEq)]
pub enum Inspect {
    /// Its values do not decode into the kind's typed record.
    Decode(DecodeError),
    /// They decode, but a value is out of range.
    Invalid(ValidationError),
}

/// The rules of one known kind.
pub struct KindRules {
    pub kind: &'static str,
    pub inspect: fn(&Doc) -> Result<Links, Inspect>,
}

fn inspect<E: Linked + 'static>(doc: &Doc) -> Result<Links, Inspect> {
    let e = E::from_doc(doc).map_err(Inspect::Decode)?;
    e.check().map_err(Inspect::Invalid)?;
    let county_of_target = (E::KIND == Target::KIND).then(|| e.refs().into_iter().find(|r| r.kind == County::KIND).map(|r| r.id)).flatten();
    Ok(Links { refs: e.refs(), anchor: e.anchor(), county_of_target })
}

const fn rules<E: Linked + 'static>() -> KindRules {
    KindRules { kind: E::KIND, inspect: inspect::<E> }
}

/// Every kind this version knows. A new kind adds one line here.
pub static KINDS: [KindRules; 18] = [
    rules::<Campaign>(),
    rules::<Department>(),
    rules::<Phase>(),
    rules::<Milestone>(),
    rules::<County>(),
    rules::<Target>(),
    rules::<Figure>(),
    rules::<Person>(),
    rules::<Assignment>(),
    rules::<ChecklistItem>(),
    rules::<Visit>(),
    rules::<VisitAnswer>(),
    rules::<Problem>(),
    rules::<ProblemEvent>(),
    rules::<Photo>(),
    rules::<Requirement>(),
    rules::<MonthlyReport>(),
    rules::<Filing>(),
];

/// The rules of a kind, or `None` for a kind this version does not know.
pub fn rules_for(kind: &str) -> Option<&'static KindRules> {
    KINDS.iter().find(|k| k.kind == kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::default_plan;

    #[test]
    fn every_seed_record_is_of_a_known_kind_and_inspects_cleanly() {
        for d in default_plan::docs() {
            let r = rules_for(&d.kind).unwrap_or_else(|| panic!("unknown kind {}", d.kind));
            assert!((r.inspect)(&d).is_ok(), "{}", d.id);
        }
    }

    #[test]
    fn every_generated_field_work_record_is_of_a_known_kind_and_inspects_cleanly() {
        let docs = crate::core::fieldwork::generate::generate_campaign(7, 20, 30, 40);
        let mut kinds = std::collections::BTreeSet::new();
        for d in &docs {
            let r = rules_for(&d.kind).unwrap_or_else(|| panic!("unknown kind {}", d.kind));
            assert!((r.inspect)(d).is_ok(), "{}: {:?}", d.id, (r.inspect)(d));
            kinds.insert(d.kind.as_str());
        }
        for k in ["checklist_item", "visit", "visit_answer", "problem", "problem_event"] {
            assert!(kinds.contains(k), "{k}");
        }
    }

    #[test]
    fn received_visits_and_events_are_held_to_plausible_bounds() {
        use crate::core::doc::Entity;
        use crate::core::fieldwork::{ProblemEvent, Visit};
        let docs = crate::core::fieldwork::generate::generate_campaign(7, 2, 3, 4);
        let visit = docs.iter().find(|d| d.kind == Visit::KIND).unwrap();
        let mut v = Visit::from_doc(visit).unwrap();
        v.households_visited = MAX_HOUSEHOLDS;
        assert!(v.check().is_ok());
        v.households_visited = MAX_HOUSEHOLDS + 1;
        assert!(matches!(v.check(), Err(ValidationError::FigureTooLarge { .. })));
        let event = docs.iter().find(|d| d.kind == ProblemEvent::KIND).unwrap();
        let mut e = ProblemEvent::from_doc(event).unwrap();
        assert!(e.check().is_ok());
        e.at_ms = 0; // 1970: before any campaign
        assert!(matches!(e.check(), Err(ValidationError::DateOutOfRange(_))));
    }

    #[test]
    fn kinds_are_listed_once() {
        for (i, a) in KINDS.iter().enumerate() {
            assert!(KINDS.iter().skip(i + 1).all(|b| b.kind != a.kind), "{}", a.kind);
        }
    }
}
