//! Edits that touch several records at once (组合操作), staged as one [`Change`]
//! so they commit atomically: assigning a person to a target creates the person
//! only when no one of that name exists ("杨 虹" finds 杨虹).

use super::doc::Doc;
use super::i18n::Field;
use super::model::{normalize_name, Assignment, Person, Role};
use super::replica::{Change, Replica};
use super::validate::{self, ValidationError, MAX_NAME};

/// Stages putting a person (by name) on a target in a role, after the people
/// already there. The target's lead departments are copied from its other
/// assignments, or for its first person from a target of the same kind.
pub fn stage_assign(r: &Replica, target_id: &str, name: &str, role: Role, now_ms: u64) -> Result<Change, ValidationError> {
    let listed = validate::required_text(Field::Name, name, MAX_NAME)?;
    let canonical = normalize_name(&listed);
    let snap = r.snapshot();
    if snap.target(target_id).is_none() {
        return Err(ValidationError::UnknownTarget(target_id.to_owned()));
    }
    let existing = snap.people.iter().find(|p| p.name == canonical || p.aliases.iter().any(|a| normalize_name(a) == canonical));
    let mut people = Vec::new();
    let person_id = match existing {
        Some(p) => {
            if snap.people_on(target_id, role).iter().any(|x| x.id == p.id) {
                return Ok(Change { docs: Vec::new(), clock: r.clock().clone() });
            }
            p.id.clone()
        }
        None => {
            let p = Person { id: r.new_id("p", now_ms), name: canonical.clone(), aliases: if listed != canonical { vec![listed.clone()] } else { vec![] } };
            let id = p.id.clone();
            people.push(p);
            id
        }
    };
    let on_target: Vec<&Assignment> = snap.assignments.iter().filter(|a| a.target_id == target_id).collect();
    let order = on_target.iter().filter(|a| a.role == role).map(|a| a.order).max().unwrap_or(0) + 1;
    // Lead departments follow the target's kind (the plan: 州扶贫办 for villages, 州搬迁安置办
    // for hydropower sites, …): a target's first person takes those of the first
    // target of the same kind that has any.
    let department_ids = match on_target.first() {
        Some(a) => a.department_ids.clone(),
        None => {
            let kind = snap.target(target_id).map(|t| t.kind);
            snap.assignments
                .iter()
                .filter(|a| !a.department_ids.is_empty() && snap.target(&a.target_id).map(|t| t.kind) == kind)
                .map(|a| a.department_ids.clone())
                .next()
                .unwrap_or_default()
        }
    };
    // The id must differ from the person's even when both are minted in one millisecond.
    let assignment = Assignment { id: format!("{}-a", r.new_id("as", now_ms)), target_id: target_id.to_owned(), person_id, role, department_ids, order };
    let mut change = r.stage_save(&people, now_ms);
    let more = r.stage_save(&[assignment], now_ms);
    change.docs.extend(more.docs);
    change.clock = more.clock;
    Ok(change)
}

/// Stages removing an assignment (a tombstone; the person stays).
pub fn stage_unassign(r: &Replica, assignment_id: &str, now_ms: u64) -> Change {
    r.stage_delete(&[assignment_id], now_ms)
}

/// The docs a change would write for one id (for tests and previews).
pub fn doc_in<'a>(change: &'a Change, id: &str) -> Option<&'a Doc> {
    change.docs.iter().find(|d| d.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::clock::{DeviceId, Hlc};
    use crate::core::default_plan;

    fn replica() -> Replica {
        Replica::from_parts(default_plan::docs(), Hlc::new(DeviceId("d-x".into())))
    }

    #[test]
    fn assigning_a_name_with_a_stray_space_reuses_the_existing_person() {
        let mut r = replica();
        let people_before = r.snapshot().people.len();
        let c = stage_assign(&r, "seed-target-nanhua", "杨 虹", Role::Leader, 1000).unwrap();
        r.apply(c);
        let s = r.snapshot();
        assert_eq!(s.people.len(), people_before);
        let names: Vec<&str> = s.people_on("seed-target-nanhua", Role::Leader).iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["赵克义", "杨虹"]);
        let row = &s.supervision_table()[1].rows[0];
        assert_eq!(row.leaders, vec!["赵克义", "杨虹"]);
    }

    #[test]
    fn assigning_a_new_name_creates_one_person_and_keeps_departments() {
        let mut r = replica();
        let c = stage_assign(&r, "seed-target-qixian", " 张 三 ", Role::SquadLead, 1000).unwrap();
        assert_eq!(c.docs.len(), 2);
        r.apply(c);
        let s = r.snapshot();
        let p = s.people.iter().find(|p| p.name == "张三").unwrap();
        assert_eq!(p.aliases, vec!["张 三".to_string()]);
        let a = s.assignments.iter().find(|a| a.person_id == p.id).unwrap();
        assert_eq!(a.department_ids, vec!["seed-dept-bqaz".to_string()]);
        assert_eq!(a.order, 2);
    }

    #[test]
    fn a_new_targets_first_person_takes_the_lead_departments_of_its_kind() {
        use crate::core::model::{Level, Target, TargetKind};
        let mut r = replica();
        for (id, kind) in [("t-hydro", TargetKind::HydropowerSite), ("t-village", TargetKind::Village)] {
            let t = Target {
                id: id.into(),
                kind,
                level: Level::Prefecture,
                county_id: "seed-county-yuanmou".into(),
                township: String::new(),
                name: id.into(),
                table_row: 1,
                order: 9,
            };
            let c = r.stage_save(&[t], 10);
            r.apply(c);
            let c = stage_assign(&r, id, "李四", Role::SquadLead, 11).unwrap();
            r.apply(c);
        }
        let s = r.snapshot();
        let deps = |t: &str| s.assignments.iter().find(|a| a.target_id == t).map(|a| a.department_ids.clone()).unwrap();
        assert_eq!(deps("t-hydro"), vec!["seed-dept-bqaz".to_string()]);
        assert_eq!(deps("t-village"), vec!["seed-dept-fpb".to_string()]);
    }

    #[test]
    fn assigning_someone_already_there_writes_nothing() {
        let r = replica();
        assert!(stage_assign(&r, "seed-target-nanhua", "赵克义", Role::Leader, 1000).unwrap().is_empty());
    }

    #[test]
    fn unassigning_removes_the_name_from_the_table_but_keeps_a_tombstone() {
        let mut r = replica();
        let c = stage_unassign(&r, "seed-target-nanhua-leader-1", 1000);
        assert!(doc_in(&c, "seed-target-nanhua-leader-1").is_some_and(|d| d.is_deleted()));
        r.apply(c);
        assert!(r.snapshot().supervision_table()[1].rows[0].leaders.is_empty());
        assert!(r.doc("seed-target-nanhua-leader-1").is_some());
    }

    #[test]
    fn empty_names_and_unknown_targets_are_refused() {
        let r = replica();
        assert_eq!(stage_assign(&r, "seed-target-nanhua", "  ", Role::Leader, 1).unwrap_err(), ValidationError::Required { field: Field::Name });
        assert!(matches!(stage_assign(&r, "nope", "李四", Role::Leader, 1), Err(ValidationError::UnknownTarget(_))));
    }
}
