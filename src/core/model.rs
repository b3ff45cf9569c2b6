//! The campaign's domain model (领域模型): the typed records of the plan.
//!
//! Each struct is an [`Entity`] stored as a merge-ready [`Doc`](super::doc::Doc).
//! Relations are by id (a target names its county's id), never by nesting, so a
//! record can change on one device without rewriting its neighbours. These structs
//! hold no reactive handles and no browser types: they are plain data.

use super::doc::RecordId;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The thresholds that make a place a prefecture-level target (州级督战对象).
/// The 2020 plan's values are the default; another year's plan may set others.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// A county is a target when its remaining poor people exceed this (剩余贫困人口).
    pub remaining_poor_over: u32,
    /// A village is a target when its poverty incidence (贫困发生率, %) exceeds this.
    pub incidence_over_pct: f64,
    /// A relocation or resettlement site is a target when it houses more people than this.
    pub site_people_over: u32,
}

/// The campaign (督战工作方案): one plan, one year.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    pub id: RecordId,
    pub name: String,
    pub year: i32,
    /// The document number, e.g. 楚贫组发〔2020〕3号.
    pub doc_no: String,
    pub issuer: String,
    pub thresholds: Thresholds,
    pub contact_phone: String,
    pub contact_email: String,
}
entity!(Campaign, "campaign");

/// A lead department (牵头单位) and what the plan makes it responsible for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Department {
    pub id: RecordId,
    pub name: String,
    pub duty: String,
    pub order: u32,
}
entity!(Department, "department");

/// A phase (督战阶段) of the campaign.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Phase {
    pub id: RecordId,
    pub order: u32,
    pub name: String,
    #[serde(deserialize_with = "crate::core::calendar::de_day")]
    pub start: NaiveDate,
    #[serde(deserialize_with = "crate::core::calendar::de_day")]
    pub end: NaiveDate,
    pub description: String,
}
entity!(Phase, "phase");

/// Whom a milestone applies to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Scope {
    All,
    County(RecordId),
    Target(RecordId),
}

/// Progress of a milestone, as set by users. Overdue is derived, never stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneStatus {
    /// 未开始
    Pending,
    /// 推进中
    InProgress,
    /// 已完成
    Done,
}

impl MilestoneStatus {
    pub const ALL: [MilestoneStatus; 3] = [Self::Pending, Self::InProgress, Self::Done];
    pub fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::InProgress => "in_progress",
            Self::Done => "done",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
}

/// A dated deadline of a phase (the plan's "——N月底前" items).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Milestone {
    pub id: RecordId,
    pub phase_id: RecordId,
    pub order: u32,
    #[serde(deserialize_with = "crate::core::calendar::de_day")]
    pub due: NaiveDate,
    /// The plan's heading for the deadline, e.g. "2月底前".
    pub label: String,
    /// The plan's full text for this deadline.
    pub text: String,
    /// The separate goals the text lists, one per item.
    pub sub_items: Vec<String>,
    pub scope: Scope,
    pub status: MilestoneStatus,
}
entity!(Milestone, "milestone");

/// A county (县市) of the prefecture, as a row group of the supervision table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct County {
    pub id: RecordId,
    /// 序号 in the supervision table.
    pub seq: u32,
    pub name: String,
}
entity!(County, "county");

/// The four kinds of supervision target (督战对象).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// 县 with many remaining poor people.
    County,
    /// 行政村 with high poverty incidence.
    Village,
    /// 易地扶贫搬迁集中安置点.
    RelocationSite,
    /// 乌东德水电移民安置点.
    HydropowerSite,
}

impl TargetKind {
    pub const ALL: [TargetKind; 4] = [Self::County, Self::Village, Self::RelocationSite, Self::HydropowerSite];
    pub fn code(self) -> &'static str {
        match self {
            Self::County => "county",
            Self::Village => "village",
            Self::RelocationSite => "relocation_site",
            Self::HydropowerSite => "hydropower_site",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
    /// What the figure that made a place a target of this kind measures.
    pub fn metric(self) -> Metric {
        match self {
            Self::County => Metric::RemainingPoor,
            Self::Village => Metric::IncidencePct,
            Self::RelocationSite | Self::HydropowerSite => Metric::PeopleResettled,
        }
    }
}

/// What a target's figure measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// 剩余贫困人口 (people).
    RemainingPoor,
    /// 贫困发生率 (%).
    IncidencePct,
    /// 安置人口 (people).
    PeopleResettled,
}

/// Who supervises a target (督战层级).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 州级
    Prefecture,
    /// 县级
    County,
}

impl Level {
    pub const ALL: [Level; 2] = [Self::Prefecture, Self::County];
    pub fn code(self) -> &'static str {
        match self {
            Self::Prefecture => "prefecture",
            Self::County => "county",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
}

/// A supervision target (督战对象).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub id: RecordId,
    pub kind: TargetKind,
    pub level: Level,
    pub county_id: RecordId,
    /// 乡镇, when the plan names one.
    pub township: String,
    /// The name as the supervision table lists it (without the township).
    pub name: String,
    /// Which row of its county's block in the supervision table (1-based). Targets
    /// sharing a row share that row's leaders and squad leads.
    pub table_row: u32,
    /// Order within the table row and lists.
    pub order: u32,
}
entity!(Target, "target");

/// A measured figure of a target over time (剩余贫困人口 / 贫困发生率 / 安置人口).
/// Separate records, so two squads adding figures for different months both keep theirs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub id: RecordId,
    pub target_id: RecordId,
    #[serde(deserialize_with = "crate::core::calendar::de_day")]
    pub measured_on: NaiveDate,
    /// People (whole number) or percent, per the target kind's [`Metric`].
    pub value: f64,
    /// Where the figure comes from, e.g. "方案基数" for the plan's own numbers.
    pub source: String,
}
entity!(Figure, "figure");

/// A person in the table: a prefecture leader or a squad's lead person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub id: RecordId,
    /// The canonical name, without stray spaces.
    pub name: String,
    /// Other spellings met in documents (e.g. "杨 虹").
    pub aliases: Vec<String>,
}
entity!(Person, "person");

/// A person's role on a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 州级领导 (定点督战)
    Leader,
    /// 督战小分队部门牵头人
    SquadLead,
}

/// Who leads which target, in which role, with which lead departments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub id: RecordId,
    pub target_id: RecordId,
    pub person_id: RecordId,
    pub role: Role,
    pub department_ids: Vec<RecordId>,
    /// Order of the name within its table cell.
    pub order: u32,
}
entity!(Assignment, "assignment");

/// Collapses whitespace inside a name: "杨 虹" and "杨虹" are one person.
pub fn normalize_name(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_stray_spaces_normalize_to_the_same_person() {
        assert_eq!(normalize_name("杨 虹"), normalize_name("杨虹"));
        assert_eq!(normalize_name(" 尹\u{3000}豪 "), "尹豪");
    }

    #[test]
    fn enum_codes_round_trip() {
        for k in TargetKind::ALL {
            assert_eq!(TargetKind::from_code(k.code()), Some(k));
        }
        for s in MilestoneStatus::ALL {
            assert_eq!(MilestoneStatus::from_code(s.code()), Some(s));
        }
        for l in Level::ALL {
            assert_eq!(Level::from_code(l.code()), Some(l));
        }
    }
}
