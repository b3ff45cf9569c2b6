//! The visit checklist (督战内容检查清单) as data: groups and items, versioned.
//!
//! Why data and not code: the plan's 督战内容 (section 五) and the June milestone
//! list are one year's choice; the office adds, renames and retires items in
//! settings, and those edits travel between devices like any other record.
//!
//! Invariants:
//! - Items are never erased by the app. Retiring sets `retired = true`; a retired
//!   item stays readable on every visit that answered it, and is offered on a new
//!   visit only if that visit already answered it.
//! - The checklist's version is the greatest `version_added` of its items. The
//!   default checklist is version 1; every item added in settings is stamped with
//!   the next version, so a visit's answers can always be read against the edition
//!   they were made with. Concurrent adds on two devices both get the same next
//!   version — both items belong to that edition, which is what happened.
//! - The default items have fixed `seed-ck-…` ids and the seed stamp, so every fresh
//!   device holds identical defaults and answers made on two devices refer to the
//!   same items.

use super::error::{bounded, required, FieldworkError};
use crate::core::clock::Stamp;
use crate::core::doc::{live_entities, Doc, Entity, RecordId};
use crate::core::i18n::{Field, Lang};
use crate::core::replica::{live_entity, Change, Replica};
use serde::{Deserialize, Serialize};

/// Longest item title.
pub const MAX_TITLE: usize = 100;
/// Longest "what to check" text of an item.
pub const MAX_GUIDANCE: usize = 500;
/// The version of the shipped default checklist.
pub const DEFAULT_CHECKLIST_VERSION: u32 = 1;

/// The groups of the checklist, in the plan's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChecklistGroup {
    /// 三落实: 责任落实, 政策落实, 工作落实.
    ThreeImplementations,
    /// 三精准: 扶持谁, 谁来扶, 怎么扶, 如何退.
    ThreePrecisions,
    /// 两不愁三保障.
    TwoAssurancesThreeGuarantees,
    /// 饮水安全.
    SafeDrinkingWater,
    /// 6月底前重点任务 (the June milestone list of section 二).
    JuneKeyTasks,
}

impl ChecklistGroup {
    pub const ALL: [ChecklistGroup; 5] =
        [Self::ThreeImplementations, Self::ThreePrecisions, Self::TwoAssurancesThreeGuarantees, Self::SafeDrinkingWater, Self::JuneKeyTasks];

    /// The stable code stored in records.
    pub fn code(self) -> &'static str {
        match self {
            Self::ThreeImplementations => "three_implementations",
            Self::ThreePrecisions => "three_precisions",
            Self::TwoAssurancesThreeGuarantees => "two_assurances_three_guarantees",
            Self::SafeDrinkingWater => "safe_drinking_water",
            Self::JuneKeyTasks => "june_key_tasks",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.code() == s)
    }

    /// The group's number, the first part of its items' codes ("2.3").
    pub fn number(self) -> u32 {
        match self {
            Self::ThreeImplementations => 1,
            Self::ThreePrecisions => 2,
            Self::TwoAssurancesThreeGuarantees => 3,
            Self::SafeDrinkingWater => 4,
            Self::JuneKeyTasks => 5,
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::ThreeImplementations, Lang::Zh) => "三落实",
            (Self::ThreeImplementations, Lang::En) => "Three implementations",
            (Self::ThreePrecisions, Lang::Zh) => "三精准",
            (Self::ThreePrecisions, Lang::En) => "Three precisions",
            (Self::TwoAssurancesThreeGuarantees, Lang::Zh) => "两不愁三保障",
            (Self::TwoAssurancesThreeGuarantees, Lang::En) => "Two assurances, three guarantees",
            (Self::SafeDrinkingWater, Lang::Zh) => "饮水安全",
            (Self::SafeDrinkingWater, Lang::En) => "Safe drinking water",
            (Self::JuneKeyTasks, Lang::Zh) => "6月底前重点任务",
            (Self::JuneKeyTasks, Lang::En) => "Key tasks due end of June",
        }
    }
}

/// One thing a squad checks on a visit (检查项).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChecklistItem {
    pub id: RecordId,
    pub group: ChecklistGroup,
    /// A short code for lists and exports, e.g. "3.4" (group 3, item 4). Stable once given.
    pub code: String,
    pub title: String,
    /// What to check, in the plan's words where the plan has them.
    #[serde(default)]
    pub guidance: String,
    /// Position within the group.
    pub order: u32,
    /// A retired item is no longer offered on new visits, and stays readable on old ones.
    pub retired: bool,
    /// The checklist version in which the item appeared.
    pub version_added: u32,
}
entity!(ChecklistItem, "checklist_item");

/// (id suffix, group, title, guidance) of the default checklist, in order within each group.
const DEFAULT_ITEMS: [(&str, ChecklistGroup, &str, &str); 21] = {
    use ChecklistGroup::*;
    [
        ("responsibility", ThreeImplementations, "责任落实", "严格落实党政一把手责任制和“两不愁三保障”州级主体责任部门负责制，确保脱贫攻坚责任落实"),
        ("policy", ThreeImplementations, "政策落实", "认真落实党中央、国务院和省、州党委、政府的决策部署，确保脱贫攻坚政策落实"),
        ("work", ThreeImplementations, "工作落实", "确保脱贫攻坚工作落实"),
        ("who", ThreePrecisions, "扶持谁（识别精准）", "贫困人口识别精准，建档立卡数据档案准确、完整、及时、真实"),
        ("by-whom", ThreePrecisions, "谁来扶", "县市、乡镇、村（社区）干部、驻村队员分工明确、任务到人，各司其职、各尽其责，协调运转、协同发力"),
        ("how", ThreePrecisions, "怎么扶", "“户户清”“村村清”要求落实到位，因地制宜、因人因户因村精准施策"),
        ("exit", ThreePrecisions, "如何退", "严格执行贫困退出的标准和程序，坚持实事求是、进度服从质量"),
        ("food", TwoAssurancesThreeGuarantees, "不愁吃", "坚持现行扶贫标准，稳定实现贫困人口不愁吃"),
        ("clothing", TwoAssurancesThreeGuarantees, "不愁穿", "坚持现行扶贫标准，稳定实现贫困人口不愁穿"),
        ("education", TwoAssurancesThreeGuarantees, "义务教育（控辍保学）", "控辍保学“双线六长”责任、坚持“四步法”和工作全面落实"),
        ("medical", TwoAssurancesThreeGuarantees, "基本医疗", "贫困人口基本医疗保障到位，常见病、慢性病能够及时诊治"),
        ("housing", TwoAssurancesThreeGuarantees, "住房安全", "4类重点对象“危房不住人、住人无危房”，危房全部拆除"),
        ("water", SafeDrinkingWater, "饮水安全", "贫困人口安全饮水达到省脱贫攻坚农村饮水安全评价标准"),
        ("industry-employment", JuneKeyTasks, "产业就业应扶尽扶", "有劳动能力和就业意愿的贫困人口实现产业就业“应扶尽扶”"),
        ("old-houses", JuneKeyTasks, "旧房应拆尽拆", "易地扶贫搬迁对象旧房“应拆尽拆”"),
        ("relocation-services", JuneKeyTasks, "搬迁后续服务与社区融入", "解决好搬迁群众基本公共服务、社会融入、社区治理等实际问题"),
        ("dibao", JuneKeyTasks, "低保与扶贫衔接", "农村低保与扶贫开发政策、对象、标准、管理有效衔接，兜底对象精准保障"),
        ("living-environment", JuneKeyTasks, "人居环境", "人居环境全面改善提升"),
        ("motivation", JuneKeyTasks, "内生动力", "贫困户自我发展内生动力得到全面激发"),
        ("income", JuneKeyTasks, "收入稳定", "贫困户收入持续稳定"),
        ("data-zero", JuneKeyTasks, "动态管理数据清零", "扶贫对象动态管理信息问题数据实现“清零”"),
    ]
};

/// The fixed id of a default item, e.g. `seed-ck-housing`.
pub fn default_item_id(suffix: &str) -> String {
    format!("seed-ck-{suffix}")
}

/// The shipped default checklist (version 1): 三落实, 三精准, 两不愁三保障, 饮水安全 and the
/// June key tasks, 21 items.
pub fn default_checklist() -> Vec<ChecklistItem> {
    let mut out: Vec<ChecklistItem> = Vec::with_capacity(DEFAULT_ITEMS.len());
    for (suffix, group, title, guidance) in DEFAULT_ITEMS {
        let order = out.iter().filter(|i| i.group == group).count() as u32 + 1;
        out.push(ChecklistItem {
            id: default_item_id(suffix),
            group,
            code: format!("{}.{}", group.number(), order),
            title: title.to_owned(),
            guidance: guidance.to_owned(),
            order,
            retired: false,
            version_added: DEFAULT_CHECKLIST_VERSION,
        });
    }
    out
}

/// The default checklist as stored docs, stamped with the seed stamp (wall time 0,
/// device "seed") exactly as `seed::plan_docs` stamps the plan, so every device's
/// defaults are byte-identical and any real edit wins over them.
pub fn default_checklist_docs() -> Vec<Doc> {
    let st = Stamp::seed();
    default_checklist().iter().filter_map(|e| Doc::edit(None, ChecklistItem::KIND, e.id(), e.to_values(), &st)).collect()
}

/// The checklist's version: the greatest `version_added` (0 for an empty checklist).
pub fn checklist_version(items: &[ChecklistItem]) -> u32 {
    items.iter().map(|i| i.version_added).max().unwrap_or(0)
}

/// Sorts items in display order: group, position, code, id.
pub fn sort_items(items: &mut [ChecklistItem]) {
    crate::core::sort::sort_by(items, |a, b| (a.group, a.order, &a.code, &a.id).cmp(&(b.group, b.order, &b.code, &b.id)));
}

/// The items a visit form shows: every active item, plus retired items the visit has
/// already answered (so an old visit still shows what it checked). Display order.
pub fn items_for_visit<'a>(items: &'a [ChecklistItem], answered_item_ids: &[&str]) -> Vec<&'a ChecklistItem> {
    let mut out: Vec<&ChecklistItem> = items.iter().filter(|i| !i.retired || answered_item_ids.contains(&i.id.as_str())).collect();
    crate::core::sort::sort_by(&mut out, |a, b| (a.group, a.order, &a.code, &a.id).cmp(&(b.group, b.order, &b.code, &b.id)));
    out
}

/// The code the next item added to a group gets: the group number and one more than
/// the highest item number used in the group, retired ones included (codes are never reused).
pub fn next_code(items: &[ChecklistItem], group: ChecklistGroup) -> String {
    let prefix = format!("{}.", group.number());
    let max = items.iter().filter(|i| i.group == group).filter_map(|i| i.code.strip_prefix(&prefix).and_then(|n| n.parse::<u32>().ok())).max().unwrap_or(0);
    format!("{prefix}{}", max + 1)
}

fn check_title(items: &[ChecklistItem], group: ChecklistGroup, title: &str, except_id: Option<&str>) -> Result<String, FieldworkError> {
    required(Field::Title, title, MAX_TITLE)?;
    let t = title.trim().to_owned();
    if items.iter().any(|i| i.group == group && !i.retired && Some(i.id.as_str()) != except_id && i.title.trim() == t) {
        return Err(FieldworkError::DuplicateChecklistTitle(t));
    }
    Ok(t)
}

/// The checklist items the replica holds (live, decodable), in display order.
pub fn checklist_of(replica: &Replica) -> Vec<ChecklistItem> {
    let mut items: Vec<ChecklistItem> = live_entities(replica.head_docs());
    sort_items(&mut items);
    items
}

/// Stages adding an item at the end of a group, in the next checklist version.
/// Returns the change and the new item (whose id the UI may want to focus).
pub fn stage_add_item(replica: &Replica, group: ChecklistGroup, title: &str, guidance: &str, now_ms: u64) -> Result<(Change, ChecklistItem), FieldworkError> {
    let items = checklist_of(replica);
    let title = check_title(&items, group, title, None)?;
    bounded(Field::Guidance, guidance, MAX_GUIDANCE)?;
    let order = items.iter().filter(|i| i.group == group).map(|i| i.order).max().unwrap_or(0) + 1;
    let item = ChecklistItem {
        id: replica.new_id("ck", now_ms),
        group,
        code: next_code(&items, group),
        title,
        guidance: guidance.trim().to_owned(),
        order,
        retired: false,
        version_added: checklist_version(&items) + 1,
    };
    Ok((replica.stage_save(std::slice::from_ref(&item), now_ms), item))
}

fn item_of(replica: &Replica, item_id: &str) -> Result<ChecklistItem, FieldworkError> {
    live_entity(replica, item_id).ok_or_else(|| FieldworkError::UnknownChecklistItem(item_id.to_owned()))
}

/// Stages renaming an item (and optionally its guidance). The id, code and version stay,
/// so old answers keep pointing at it and now read the new title.
pub fn stage_rename_item(replica: &Replica, item_id: &str, title: &str, guidance: Option<&str>, now_ms: u64) -> Result<Change, FieldworkError> {
    let mut item = item_of(replica, item_id)?;
    let items = checklist_of(replica);
    item.title = check_title(&items, item.group, title, Some(item_id))?;
    if let Some(g) = guidance {
        bounded(Field::Guidance, g, MAX_GUIDANCE)?;
        item.guidance = g.trim().to_owned();
    }
    Ok(replica.stage_save(&[item], now_ms))
}

/// Stages retiring an item: it leaves new visit forms and stays on old visits.
/// Retiring a retired item writes nothing.
pub fn stage_retire_item(replica: &Replica, item_id: &str, now_ms: u64) -> Result<Change, FieldworkError> {
    let mut item = item_of(replica, item_id)?;
    item.retired = true;
    Ok(replica.stage_save(&[item], now_ms))
}

/// Stages bringing a retired item back into the checklist (undoing a mistaken retire).
pub fn stage_reinstate_item(replica: &Replica, item_id: &str, now_ms: u64) -> Result<Change, FieldworkError> {
    let mut item = item_of(replica, item_id)?;
    let items = checklist_of(replica);
    check_title(&items, item.group, &item.title, Some(item_id))?;
    item.retired = false;
    Ok(replica.stage_save(&[item], now_ms))
}
