//! The typed read model (快照): what the UI shows, built from the live docs.
//!
//! A snapshot holds only records that are not tombstoned and that decode; records
//! written by a newer app version that this one cannot read are counted in
//! `undecodable`, kept in storage untouched, and never dropped.

use super::doc::{DecodeError, Doc, Entity, FieldConflict};
use super::i18n::Field;
use super::model::*;
use super::validate::{self, ValidationError, MAX_NAME};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// The kinds the plan's read model is made of (all head kinds: see [`crate::core::doc::BULK_KINDS`]).
pub const PLAN_KINDS: [&str; 9] =
    [Campaign::KIND, Department::KIND, Phase::KIND, Milestone::KIND, County::KIND, Target::KIND, Figure::KIND, Person::KIND, Assignment::KIND];

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub campaign: Option<Campaign>,
    pub departments: Vec<Department>,
    pub phases: Vec<Phase>,
    pub milestones: Vec<Milestone>,
    pub counties: Vec<County>,
    pub targets: Vec<Target>,
    pub figures: Vec<Figure>,
    pub people: Vec<Person>,
    pub assignments: Vec<Assignment>,
    pub undecodable: Vec<DecodeError>,
    /// The plan's records with concurrent values still visible, by id.
    pub conflicts: BTreeMap<String, Vec<FieldConflict>>,
}

fn push<E: Entity>(doc: &Doc, out: &mut Vec<E>, bad: &mut Vec<DecodeError>) {
    match E::from_doc(doc) {
        Ok(e) => out.push(e),
        Err(e) => bad.push(e),
    }
}

impl Snapshot {
    pub fn from_docs<'a>(docs: impl IntoIterator<Item = &'a Doc>) -> Snapshot {
        let mut s = Snapshot::default();
        let mut campaigns: Vec<Campaign> = Vec::new();
        for d in docs {
            if d.is_deleted() {
                continue;
            }
            if !PLAN_KINDS.contains(&d.kind.as_str()) {
                // Kinds from a newer version are kept in storage and ignored here,
                // as are the other read models' kinds.
                continue;
            }
            let c = d.conflicts();
            if !c.is_empty() {
                s.conflicts.insert(d.id.clone(), c);
            }
            let bad = &mut s.undecodable;
            match d.kind.as_str() {
                Campaign::KIND => push(d, &mut campaigns, bad),
                Department::KIND => push(d, &mut s.departments, bad),
                Phase::KIND => push(d, &mut s.phases, bad),
                Milestone::KIND => push(d, &mut s.milestones, bad),
                County::KIND => push(d, &mut s.counties, bad),
                Target::KIND => push(d, &mut s.targets, bad),
                Figure::KIND => push(d, &mut s.figures, bad),
                Person::KIND => push(d, &mut s.people, bad),
                Assignment::KIND => push(d, &mut s.assignments, bad),
                _ => {}
            }
        }
        crate::core::sort::sort_by(&mut campaigns, |a, b| a.id.cmp(&b.id));
        s.campaign = campaigns.into_iter().next();
        crate::core::sort::sort_by(&mut s.departments, |a, b| (a.order, &a.id).cmp(&(b.order, &b.id)));
        crate::core::sort::sort_by(&mut s.phases, |a, b| (a.order, a.start, &a.id).cmp(&(b.order, b.start, &b.id)));
        crate::core::sort::sort_by(&mut s.milestones, |a, b| (a.due, a.order, &a.id).cmp(&(b.due, b.order, &b.id)));
        crate::core::sort::sort_by(&mut s.counties, |a, b| (a.seq, &a.name, &a.id).cmp(&(b.seq, &b.name, &b.id)));
        let county_seq: BTreeMap<&str, u32> = crate::core::sort::btree_map(s.counties.iter().map(|c| (c.id.as_str(), c.seq)));
        crate::core::sort::sort_by(&mut s.targets, |a, b| {
            let ka = (county_seq.get(a.county_id.as_str()).copied().unwrap_or(u32::MAX), a.table_row, a.kind, a.order, &a.id);
            let kb = (county_seq.get(b.county_id.as_str()).copied().unwrap_or(u32::MAX), b.table_row, b.kind, b.order, &b.id);
            ka.cmp(&kb)
        });
        crate::core::sort::sort_by(&mut s.figures, |a, b| (&a.target_id, a.measured_on, &a.id).cmp(&(&b.target_id, b.measured_on, &b.id)));
        crate::core::sort::sort_by(&mut s.people, |a, b| a.id.cmp(&b.id));
        crate::core::sort::sort_by(&mut s.assignments, |a, b| (&a.target_id, a.role as u8, a.order, &a.id).cmp(&(&b.target_id, b.role as u8, b.order, &b.id)));
        s
    }

    pub fn county(&self, id: &str) -> Option<&County> {
        self.counties.iter().find(|c| c.id == id)
    }

    pub fn target(&self, id: &str) -> Option<&Target> {
        self.targets.iter().find(|t| t.id == id)
    }

    pub fn phase(&self, id: &str) -> Option<&Phase> {
        self.phases.iter().find(|p| p.id == id)
    }

    pub fn person(&self, id: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.id == id)
    }

    pub fn milestone(&self, id: &str) -> Option<&Milestone> {
        self.milestones.iter().find(|m| m.id == id)
    }

    /// A target's figures, oldest first.
    pub fn figures_of(&self, target_id: &str) -> Vec<&Figure> {
        self.figures.iter().filter(|f| f.target_id == target_id).collect()
    }

    /// The most recent figure of a target (latest date; ties by id).
    pub fn latest_figure(&self, target_id: &str) -> Option<&Figure> {
        self.figures_of(target_id).into_iter().last()
    }

    /// The people in a role on a target, in table order.
    pub fn people_on(&self, target_id: &str, role: Role) -> Vec<&Person> {
        self.assignments.iter().filter(|a| a.target_id == target_id && a.role == role).filter_map(|a| self.person(&a.person_id)).collect()
    }

    /// The department names of a target's assignments, deduplicated.
    pub fn departments_of(&self, target_id: &str) -> Vec<&Department> {
        let mut out: Vec<&Department> = Vec::new();
        for a in self.assignments.iter().filter(|a| a.target_id == target_id) {
            for d in &a.department_ids {
                if let Some(dep) = self.departments.iter().find(|x| &x.id == d) {
                    if !out.iter().any(|x| x.id == dep.id) {
                        out.push(dep);
                    }
                }
            }
        }
        out
    }

    /// The target's full name: county, township and name, without repeating the county.
    pub fn target_label(&self, t: &Target) -> String {
        let county = self.county(&t.county_id).map(|c| c.name.as_str()).unwrap_or("");
        if t.kind == TargetKind::County {
            return t.name.clone();
        }
        if t.name.starts_with(county) || t.township.starts_with(county) {
            format!("{}{}", t.township, t.name)
        } else {
            format!("{county}{}{}", t.township, t.name)
        }
    }

    /// Targets matching a filter, in table order.
    pub fn filter_targets(&self, f: &TargetFilter) -> Vec<&Target> {
        self.targets
            .iter()
            .filter(|t| f.county.as_ref().is_none_or(|c| &t.county_id == c))
            .filter(|t| f.kind.is_none_or(|k| t.kind == k))
            .filter(|t| f.level.is_none_or(|l| t.level == l))
            .collect()
    }

    /// The supervision table (州级定点挂牌督战表), laid out like the plan's attachment:
    /// one block per county, one row per `table_row`, with the row's leaders and squad leads.
    pub fn supervision_table(&self) -> Vec<TableBlock> {
        self.counties
            .iter()
            .map(|c| {
                let mut rows: BTreeMap<u32, TableRow> = BTreeMap::new();
                for t in self.targets.iter().filter(|t| t.county_id == c.id && t.level == Level::Prefecture) {
                    let row = rows.entry(t.table_row).or_default();
                    let cell =
                        TableCell { target_id: t.id.clone(), label: format!("{}{}", t.township, t.name), figure: self.latest_figure(&t.id).map(|f| f.value) };
                    match t.kind {
                        TargetKind::County => row.remaining_poor.push(cell),
                        TargetKind::Village => row.villages.push(cell),
                        TargetKind::RelocationSite => row.relocation_sites.push(cell),
                        TargetKind::HydropowerSite => row.hydropower_sites.push(cell),
                    }
                    for (role, names) in [(Role::Leader, &mut row.leaders), (Role::SquadLead, &mut row.squad_leads)] {
                        for p in self.people_on(&t.id, role) {
                            if !names.contains(&p.name) {
                                names.push(p.name.clone());
                            }
                        }
                    }
                }
                let mut rows: Vec<TableRow> = rows.into_values().collect();
                if rows.is_empty() {
                    rows.push(TableRow::default());
                }
                TableBlock { county: c.clone(), rows }
            })
            .collect()
    }

    // ---- validation of records before they are saved ----

    pub fn validate_target(&self, t: &Target) -> Result<(), ValidationError> {
        validate::required_text(Field::Name, &t.name, MAX_NAME)?;
        validate::optional_text(Field::Township, &t.township, MAX_NAME)?;
        if self.county(&t.county_id).is_none() {
            return Err(ValidationError::UnknownCounty(t.county_id.clone()));
        }
        Ok(())
    }

    pub fn validate_figure(&self, f: &Figure) -> Result<(), ValidationError> {
        let t = self.target(&f.target_id).ok_or_else(|| ValidationError::UnknownTarget(f.target_id.clone()))?;
        if !f.value.is_finite() {
            return Err(ValidationError::NotANumber(f.value.to_string()));
        }
        validate::check_figure(t.kind.metric(), f.value)
    }

    pub fn validate_milestone(&self, m: &Milestone) -> Result<(), ValidationError> {
        validate::required_text(Field::Text, &m.text, validate::MAX_TEXT)?;
        if self.phase(&m.phase_id).is_none() {
            return Err(ValidationError::UnknownPhase(m.phase_id.clone()));
        }
        match &m.scope {
            Scope::All => Ok(()),
            Scope::County(c) if self.county(c).is_none() => Err(ValidationError::UnknownCounty(c.clone())),
            Scope::Target(t) if self.target(t).is_none() => Err(ValidationError::UnknownTarget(t.clone())),
            _ => Ok(()),
        }
    }

    pub fn validate_county(&self, c: &County) -> Result<(), ValidationError> {
        validate::required_text(Field::Name, &c.name, MAX_NAME)?;
        if self.counties.iter().any(|x| x.id != c.id && x.name == c.name.trim()) {
            return Err(ValidationError::DuplicateCounty(c.name.trim().to_owned()));
        }
        Ok(())
    }

    pub fn validate_phase(&self, p: &Phase) -> Result<(), ValidationError> {
        validate::required_text(Field::Name, &p.name, MAX_NAME)?;
        if p.end < p.start {
            return Err(ValidationError::EndBeforeStart);
        }
        Ok(())
    }
}

/// Filters of the target list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TargetFilter {
    pub county: Option<String>,
    pub kind: Option<TargetKind>,
    pub level: Option<Level>,
}

/// One county's block of the supervision table.
#[derive(Clone, Debug, PartialEq)]
pub struct TableBlock {
    pub county: County,
    pub rows: Vec<TableRow>,
}

/// One row of the supervision table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TableRow {
    /// 剩余贫困人口超过1000人 (county targets).
    pub remaining_poor: Vec<TableCell>,
    /// 贫困发生率超过10%的行政村.
    pub villages: Vec<TableCell>,
    /// 千人以上易地扶贫搬迁集中安置点.
    pub relocation_sites: Vec<TableCell>,
    /// 千人以上乌东德水电移民安置点.
    pub hydropower_sites: Vec<TableCell>,
    /// 州级领导.
    pub leaders: Vec<String>,
    /// 督战小分队部门牵头人.
    pub squad_leads: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TableCell {
    pub target_id: String,
    pub label: String,
    pub figure: Option<f64>,
}

/// Where a milestone stands relative to today.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    Done,
    DaysLeft(i64),
    DueToday,
    Overdue(i64),
}

pub fn milestone_timing(m: &Milestone, today: NaiveDate) -> Timing {
    if m.status == MilestoneStatus::Done {
        return Timing::Done;
    }
    let d = (m.due - today).num_days();
    match d {
        0 => Timing::DueToday,
        d if d > 0 => Timing::DaysLeft(d),
        d => Timing::Overdue(-d),
    }
}

/// Formats a figure for display: people as integers, percentages with their decimals.
pub fn format_figure(metric: Metric, v: f64) -> String {
    match metric {
        Metric::IncidencePct => format!("{}%", trim_float(v)),
        _ => format!("{}人", trim_float(v)),
    }
}

fn trim_float(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}
