//! Editing the plan's structure (方案编辑): counties, phases and milestones — what a
//! new campaign (`campaigns`) starts without, and what another year's plan changes.
//! Each edit is checked against the snapshot and staged as one [`Change`]; deleting
//! a county or a phase that records still refer to is refused (the user moves or
//! deletes those first), so a reference never dangles. Deletes are tombstones
//! and travel in bundles like every edit.

use super::i18n::Field;
use super::model::{County, Milestone, MilestoneStatus, Phase, Scope};
use super::replica::{Change, Replica};
use super::report::{Month, Parties, ReportSnapshot, Requirement, Schedule};
use super::validate::{self, ValidationError, MAX_NAME, MAX_TEXT};

/// A county as typed. `id` is `None` for a new county.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CountyForm {
    pub id: Option<String>,
    pub name: String,
}

/// Stages adding (after the last county of the table) or renaming a county.
/// Returns the change and the county's id.
pub fn stage_save_county(r: &Replica, form: &CountyForm, now_ms: u64) -> Result<(Change, String), ValidationError> {
    let snap = r.snapshot();
    let name = validate::required_text(Field::Name, &form.name, MAX_NAME)?;
    let county = match &form.id {
        Some(id) => County { name, ..snap.county(id).cloned().ok_or_else(|| ValidationError::UnknownCounty(id.clone()))? },
        None => County { id: r.new_id("county", now_ms), seq: snap.counties.iter().map(|c| c.seq).max().unwrap_or(0) + 1, name },
    };
    snap.validate_county(&county)?;
    let id = county.id.clone();
    Ok((r.stage_save(&[county], now_ms), id))
}

/// Stages deleting a county no target or milestone refers to.
pub fn stage_delete_county(r: &Replica, id: &str, now_ms: u64) -> Result<Change, ValidationError> {
    let snap = r.snapshot();
    snap.county(id).ok_or_else(|| ValidationError::UnknownCounty(id.to_owned()))?;
    let users = snap.targets.iter().filter(|t| t.county_id == id).count() + snap.milestones.iter().filter(|m| m.scope == Scope::County(id.to_owned())).count();
    if users > 0 {
        return Err(ValidationError::CountyInUse(users));
    }
    Ok(r.stage_delete(&[id], now_ms))
}

/// A phase as typed; dates as `YYYY-MM-DD`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PhaseForm {
    pub id: Option<String>,
    pub name: String,
    pub start: String,
    pub end: String,
    pub description: String,
}

impl PhaseForm {
    pub fn of(p: &Phase) -> PhaseForm {
        PhaseForm { id: Some(p.id.clone()), name: p.name.clone(), start: p.start.to_string(), end: p.end.to_string(), description: p.description.clone() }
    }
}

/// Stages adding (after the last phase) or editing a phase. Returns the change and its id.
pub fn stage_save_phase(r: &Replica, form: &PhaseForm, now_ms: u64) -> Result<(Change, String), ValidationError> {
    let snap = r.snapshot();
    let (id, order) = match &form.id {
        Some(id) => {
            let p = snap.phase(id).ok_or_else(|| ValidationError::UnknownPhase(id.clone()))?;
            (p.id.clone(), p.order)
        }
        None => (r.new_id("phase", now_ms), snap.phases.iter().map(|p| p.order).max().unwrap_or(0) + 1),
    };
    let phase = Phase {
        id,
        order,
        name: validate::required_text(Field::Name, &form.name, MAX_NAME)?,
        start: validate::parse_date(&form.start)?,
        end: validate::parse_date(&form.end)?,
        description: validate::optional_text(Field::Text, &form.description, MAX_TEXT)?,
    };
    snap.validate_phase(&phase)?;
    let id = phase.id.clone();
    Ok((r.stage_save(&[phase], now_ms), id))
}

/// Stages deleting a phase that holds no milestone.
pub fn stage_delete_phase(r: &Replica, id: &str, now_ms: u64) -> Result<Change, ValidationError> {
    let snap = r.snapshot();
    snap.phase(id).ok_or_else(|| ValidationError::UnknownPhase(id.to_owned()))?;
    let held = snap.milestones.iter().filter(|m| m.phase_id == id).count();
    if held > 0 {
        return Err(ValidationError::PhaseInUse(held));
    }
    Ok(r.stage_delete(&[id], now_ms))
}

/// A milestone as typed. `sub_items`: one goal per line; `scope`: empty (all),
/// `county:<id>` or `target:<id>`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MilestoneForm {
    pub id: Option<String>,
    pub phase_id: String,
    pub label: String,
    pub due: String,
    pub text: String,
    pub sub_items: String,
    pub scope: String,
}

impl MilestoneForm {
    pub fn of(m: &Milestone) -> MilestoneForm {
        MilestoneForm {
            id: Some(m.id.clone()),
            phase_id: m.phase_id.clone(),
            label: m.label.clone(),
            due: m.due.to_string(),
            text: m.text.clone(),
            sub_items: m.sub_items.join("\n"),
            scope: scope_code(&m.scope),
        }
    }
}

/// The form's code of a scope (see [`MilestoneForm::scope`]).
pub fn scope_code(s: &Scope) -> String {
    match s {
        Scope::All => String::new(),
        Scope::County(id) => format!("county:{id}"),
        Scope::Target(id) => format!("target:{id}"),
    }
}

fn parse_scope(code: &str) -> Scope {
    match code.split_once(':') {
        Some(("county", id)) => Scope::County(id.to_owned()),
        Some(("target", id)) => Scope::Target(id.to_owned()),
        _ => Scope::All,
    }
}

/// Stages adding (last in its phase, not started) or editing a milestone; an edit
/// keeps its status. Returns the change and its id.
pub fn stage_save_milestone(r: &Replica, form: &MilestoneForm, now_ms: u64) -> Result<(Change, String), ValidationError> {
    let snap = r.snapshot();
    let existing = match &form.id {
        Some(id) => Some(snap.milestone(id).ok_or_else(|| ValidationError::UnknownMilestone(id.clone()))?),
        None => None,
    };
    let due = validate::parse_date(&form.due)?;
    let label = validate::optional_text(Field::Label, &form.label, MAX_NAME)?;
    let sub_items: Vec<String> =
        form.sub_items.lines().map(str::trim).filter(|l| !l.is_empty()).map(|l| validate::optional_text(Field::Text, l, MAX_TEXT)).collect::<Result<_, _>>()?;
    let m = Milestone {
        id: existing.map(|m| m.id.clone()).unwrap_or_else(|| r.new_id("ms", now_ms)),
        phase_id: form.phase_id.clone(),
        order: existing
            .map(|m| m.order)
            .unwrap_or_else(|| snap.milestones.iter().filter(|m| m.phase_id == form.phase_id).map(|m| m.order).max().unwrap_or(0) + 1),
        due,
        // The plan's headings name the month ("2月底前"); a typed-in one may be left empty.
        label: if label.is_empty() { format!("{}月{}日前", chrono::Datelike::month(&due), chrono::Datelike::day(&due)) } else { label },
        text: form.text.trim().to_owned(),
        sub_items,
        scope: parse_scope(form.scope.trim()),
        status: existing.map(|m| m.status).unwrap_or(MilestoneStatus::Pending),
    };
    snap.validate_milestone(&m)?;
    let id = m.id.clone();
    Ok((r.stage_save(&[m], now_ms), id))
}

/// Stages deleting a milestone.
pub fn stage_delete_milestone(r: &Replica, id: &str, now_ms: u64) -> Result<Change, ValidationError> {
    r.snapshot().milestone(id).ok_or_else(|| ValidationError::UnknownMilestone(id.to_owned()))?;
    Ok(r.stage_delete(&[id], now_ms))
}

/// A reporting requirement as typed (报送要求). `monthly` picks the schedule: by
/// `due_day` of every month from `first` to `last` (`YYYY-MM`), or once by `due`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequirementForm {
    pub id: Option<String>,
    pub name: String,
    pub text: String,
    pub monthly: bool,
    pub due: String,
    pub due_day: String,
    pub first: String,
    pub last: String,
    /// [`parties_code`] of who delivers.
    pub parties: String,
    pub recipient: String,
    pub contact_phone: String,
    pub contact_email: String,
}

impl RequirementForm {
    pub fn of(q: &Requirement) -> RequirementForm {
        let (monthly, due, due_day, first, last) = match q.schedule {
            Schedule::Once { due } => (false, due.to_string(), String::new(), String::new(), String::new()),
            Schedule::Monthly { due_day, first, last } => (true, String::new(), due_day.to_string(), first.to_string(), last.to_string()),
        };
        RequirementForm {
            id: Some(q.id.clone()),
            name: q.name.clone(),
            text: q.text.clone(),
            monthly,
            due,
            due_day,
            first,
            last,
            parties: parties_code(q.parties).to_owned(),
            recipient: q.recipient.clone(),
            contact_phone: q.contact_phone.clone(),
            contact_email: q.contact_email.clone(),
        }
    }
}

/// Who delivers, as a form code.
pub const PARTIES: [Parties; 3] = [Parties::CountiesAndPrefectureTargets, Parties::Counties, Parties::PrefectureTargets];

pub fn parties_code(p: Parties) -> &'static str {
    match p {
        Parties::Counties => "counties",
        Parties::PrefectureTargets => "prefecture_targets",
        Parties::CountiesAndPrefectureTargets => "counties_and_prefecture_targets",
    }
}

fn parse_month(s: &str) -> Result<Month, ValidationError> {
    let t = s.trim();
    Month::parse(t).ok_or_else(|| ValidationError::InvalidMonth(t.to_owned()))
}

/// Stages adding (last in the list) or editing a reporting requirement. Returns the change and its id.
pub fn stage_save_requirement(r: &Replica, form: &RequirementForm, now_ms: u64) -> Result<(Change, String), ValidationError> {
    let reports = ReportSnapshot::from_docs(r.head_docs());
    let existing = match &form.id {
        Some(id) => Some(reports.requirements.iter().find(|q| &q.id == id).ok_or_else(|| ValidationError::UnknownRequirement(id.clone()))?),
        None => None,
    };
    let schedule = if form.monthly {
        let d = form.due_day.trim();
        let due_day = d.parse::<u32>().ok().filter(|n| (1..=31).contains(n)).ok_or_else(|| ValidationError::InvalidDueDay(d.to_owned()))?;
        let (first, last) = (parse_month(&form.first)?, parse_month(&form.last)?);
        if last < first {
            return Err(ValidationError::MonthsReversed);
        }
        Schedule::Monthly { due_day, first, last }
    } else {
        Schedule::Once { due: validate::parse_date(&form.due)? }
    };
    let q = Requirement {
        id: existing.map(|q| q.id.clone()).unwrap_or_else(|| r.new_id("req", now_ms)),
        name: validate::required_text(Field::Name, &form.name, MAX_NAME)?,
        text: validate::optional_text(Field::Text, &form.text, MAX_TEXT)?,
        schedule,
        parties: PARTIES.into_iter().find(|p| parties_code(*p) == form.parties).unwrap_or(Parties::CountiesAndPrefectureTargets),
        recipient: validate::optional_text(Field::Recipient, &form.recipient, MAX_NAME)?,
        contact_phone: validate::optional_text(Field::ContactPhone, &form.contact_phone, MAX_NAME)?,
        contact_email: validate::optional_text(Field::ContactEmail, &form.contact_email, MAX_NAME)?,
        order: existing.map(|q| q.order).unwrap_or_else(|| reports.requirements.iter().map(|q| q.order).max().unwrap_or(0) + 1),
    };
    let id = q.id.clone();
    Ok((r.stage_save(&[q], now_ms), id))
}

/// Stages deleting a requirement no filing was recorded against.
pub fn stage_delete_requirement(r: &Replica, id: &str, now_ms: u64) -> Result<Change, ValidationError> {
    let reports = ReportSnapshot::from_docs(r.head_docs());
    if !reports.requirements.iter().any(|q| q.id == id) {
        return Err(ValidationError::UnknownRequirement(id.to_owned()));
    }
    let filed = reports.filings.values().filter(|f| f.requirement_id == id).count();
    if filed > 0 {
        return Err(ValidationError::RequirementInUse(filed));
    }
    Ok(r.stage_delete(&[id], now_ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::clock::{DeviceId, Hlc};
    use crate::core::default_plan;

    fn plan() -> Replica {
        Replica::from_parts(default_plan::docs(), Hlc::new(DeviceId("d-edit".into())))
    }

    fn apply(r: &mut Replica, c: Change) {
        r.apply(c);
    }

    #[test]
    fn counties_are_added_after_the_last_renamed_in_place_and_never_doubled() {
        let mut r = plan();
        let (c, id) = stage_save_county(&r, &CountyForm { id: None, name: " 牟定县 ".into() }, 100).unwrap();
        apply(&mut r, c);
        let snap = r.snapshot();
        let added = snap.county(&id).unwrap();
        assert_eq!((added.name.as_str(), added.seq), ("牟定县", 8));
        assert_eq!(snap.counties.last().unwrap().id, id, "last in the table");
        assert_eq!(stage_save_county(&r, &CountyForm { id: None, name: "武定县".into() }, 101).unwrap_err(), ValidationError::DuplicateCounty("武定县".into()));
        let (c, _) = stage_save_county(&r, &CountyForm { id: Some(id.clone()), name: "牟定县（新）".into() }, 102).unwrap();
        apply(&mut r, c);
        assert_eq!(r.snapshot().county(&id).map(|c| (c.name.clone(), c.seq)), Some(("牟定县（新）".into(), 8)));
        assert_eq!(stage_save_county(&r, &CountyForm { id: None, name: "".into() }, 103).unwrap_err(), ValidationError::Required { field: Field::Name });
    }

    #[test]
    fn a_county_with_targets_is_not_deleted_an_empty_one_is() {
        let mut r = plan();
        let e = stage_delete_county(&r, "seed-county-wuding", 1).unwrap_err();
        assert!(matches!(e, ValidationError::CountyInUse(n) if n >= 4), "{e:?}");
        assert!(e.message(crate::core::i18n::Lang::Zh).contains("请"));
        let (c, id) = stage_save_county(&r, &CountyForm { id: None, name: "牟定县".into() }, 2).unwrap();
        apply(&mut r, c);
        let c = stage_delete_county(&r, &id, 3).unwrap();
        apply(&mut r, c);
        assert!(r.snapshot().county(&id).is_none());
        assert!(r.doc(&id).unwrap().is_deleted(), "a tombstone, which travels");
    }

    #[test]
    fn phases_are_checked_added_edited_and_deleted_only_when_empty() {
        let mut r = plan();
        let form = PhaseForm { id: None, name: "巩固拓展阶段".into(), start: "2021-01-01".into(), end: "2021-12-31".into(), description: "".into() };
        let (c, id) = stage_save_phase(&r, &form, 10).unwrap();
        apply(&mut r, c);
        assert_eq!(r.snapshot().phases.last().map(|p| (p.id.clone(), p.order)), Some((id.clone(), 4)));
        assert_eq!(stage_save_phase(&r, &PhaseForm { end: "2020-12-31".into(), ..form.clone() }, 11).unwrap_err(), ValidationError::EndBeforeStart);
        assert_eq!(
            stage_save_phase(&r, &PhaseForm { start: "2021-02-30".into(), ..form.clone() }, 11).unwrap_err(),
            ValidationError::InvalidDate("2021-02-30".into())
        );
        let edit = PhaseForm { name: "巩固拓展".into(), ..PhaseForm::of(r.snapshot().phase(&id).unwrap()) };
        let (c, same) = stage_save_phase(&r, &edit, 12).unwrap();
        assert_eq!(same, id);
        apply(&mut r, c);
        assert_eq!(r.snapshot().phase(&id).unwrap().name, "巩固拓展");
        assert!(matches!(stage_delete_phase(&r, "seed-phase-2", 13).unwrap_err(), ValidationError::PhaseInUse(n) if n > 0));
        let c = stage_delete_phase(&r, &id, 14).unwrap();
        apply(&mut r, c);
        assert!(r.snapshot().phase(&id).is_none());
    }

    #[test]
    fn reporting_requirements_are_added_edited_and_kept_while_filings_use_them() {
        let mut r = plan();
        let monthly = RequirementForm::of(&ReportSnapshot::from_docs(r.docs()).requirements[0]);
        assert_eq!((monthly.monthly, monthly.due_day.as_str(), monthly.first.as_str(), monthly.last.as_str()), (true, "20", "2020-02", "2020-12"));
        let (c, same) = stage_save_requirement(&r, &RequirementForm { due_day: "25".into(), ..monthly.clone() }, 1).unwrap();
        r.apply(c);
        let q = ReportSnapshot::from_docs(r.docs()).requirements.into_iter().find(|q| q.id == same).unwrap();
        assert_eq!(q.monthly().map(|m| m.0), Some(25));
        let once =
            RequirementForm {
                id: None, name: "2021年联络员名单".into(), due: "2021-02-06".into(), parties: "prefecture_targets".into(), ..Default::default()
            };
        let (c, id) = stage_save_requirement(&r, &once, 2).unwrap();
        r.apply(c);
        let reqs = ReportSnapshot::from_docs(r.docs()).requirements;
        let q = reqs.iter().find(|q| q.id == id).unwrap();
        assert_eq!(
            (q.schedule.clone(), q.parties, q.order),
            (Schedule::Once { due: chrono::NaiveDate::from_ymd_opt(2021, 2, 6).unwrap() }, Parties::PrefectureTargets, 4)
        );
        assert_eq!(reqs.last().map(|q| q.id.clone()), Some(id.clone()), "last in the list");
        // Wrong fields.
        let bad = |f: RequirementForm| stage_save_requirement(&r, &f, 3).unwrap_err();
        assert_eq!(bad(RequirementForm { due_day: "32".into(), ..monthly.clone() }), ValidationError::InvalidDueDay("32".into()));
        assert_eq!(bad(RequirementForm { first: "2021-2".into(), ..monthly.clone() }), ValidationError::InvalidMonth("2021-2".into()));
        assert_eq!(bad(RequirementForm { first: "2021-03".into(), last: "2021-02".into(), ..monthly.clone() }), ValidationError::MonthsReversed);
        assert_eq!(bad(RequirementForm { due: "2021-02-30".into(), ..once.clone() }), ValidationError::InvalidDate("2021-02-30".into()));
        assert_eq!(bad(RequirementForm { name: "".into(), ..once.clone() }), ValidationError::Required { field: Field::Name });
        // A filing recorded against it keeps it; without one it goes.
        let snap = r.snapshot();
        let subject = crate::core::report::Subject::Target(snap.targets.iter().find(|t| t.level == crate::core::model::Level::Prefecture).unwrap().id.clone());
        let today = chrono::NaiveDate::from_ymd_opt(2021, 2, 5).unwrap();
        let c = crate::core::report::ops::stage_filing(&r, &snap, &id, &subject, Some(today), "张三", "", today, 4).unwrap();
        r.apply(c);
        assert_eq!(stage_delete_requirement(&r, &id, 5).unwrap_err(), ValidationError::RequirementInUse(1));
        let (c, spare) = stage_save_requirement(&r, &RequirementForm { name: "备用".into(), ..once.clone() }, 6).unwrap();
        r.apply(c);
        let c = stage_delete_requirement(&r, &spare, 7).unwrap();
        r.apply(c);
        assert!(ReportSnapshot::from_docs(r.docs()).requirements.iter().all(|q| q.id != spare));
    }

    #[test]
    fn milestones_are_added_edited_keeping_their_status_and_deleted() {
        let mut r = plan();
        let form = MilestoneForm {
            id: None,
            phase_id: "seed-phase-3".into(),
            label: "".into(),
            due: "2020-11-30".into(),
            text: "完成动态管理数据清零".into(),
            sub_items: " 一 \n\n 二 ".into(),
            scope: "county:seed-county-wuding".into(),
        };
        let (c, id) = stage_save_milestone(&r, &form, 20).unwrap();
        apply(&mut r, c);
        let m = r.snapshot().milestone(&id).cloned().unwrap();
        assert_eq!(
            (m.label.as_str(), m.sub_items.clone(), m.scope.clone(), m.status),
            ("11月30日前", vec!["一".to_owned(), "二".to_owned()], Scope::County("seed-county-wuding".into()), MilestoneStatus::Pending)
        );
        assert_eq!(MilestoneForm::of(&m).scope, "county:seed-county-wuding");
        // Its status, set on the timeline, survives an edit of its text.
        let mut done = m.clone();
        done.status = MilestoneStatus::Done;
        let c = r.stage_save(&[done], 21);
        apply(&mut r, c);
        let (c, _) =
            stage_save_milestone(&r, &MilestoneForm { text: "完成数据清零".into(), ..MilestoneForm::of(r.snapshot().milestone(&id).unwrap()) }, 22).unwrap();
        apply(&mut r, c);
        let m = r.snapshot().milestone(&id).cloned().unwrap();
        assert_eq!((m.text.as_str(), m.status), ("完成数据清零", MilestoneStatus::Done));
        // Wrong fields.
        let bad = |f: MilestoneForm| stage_save_milestone(&r, &f, 23).unwrap_err();
        assert_eq!(bad(MilestoneForm { text: " ".into(), ..form.clone() }), ValidationError::Required { field: Field::Text });
        assert_eq!(bad(MilestoneForm { due: "11/30".into(), ..form.clone() }), ValidationError::InvalidDate("11/30".into()));
        assert_eq!(bad(MilestoneForm { phase_id: "nope".into(), ..form.clone() }), ValidationError::UnknownPhase("nope".into()));
        assert_eq!(bad(MilestoneForm { scope: "target:nope".into(), ..form.clone() }), ValidationError::UnknownTarget("nope".into()));
        // A county named by a milestone is in use.
        assert!(matches!(stage_delete_county(&r, "seed-county-wuding", 24).unwrap_err(), ValidationError::CountyInUse(_)));
        let c = stage_delete_milestone(&r, &id, 25).unwrap();
        apply(&mut r, c);
        assert!(r.snapshot().milestone(&id).is_none());
        assert_eq!(stage_delete_milestone(&r, &id, 26).unwrap_err(), ValidationError::UnknownMilestone(id.clone()));
    }
}
