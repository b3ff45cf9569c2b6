//! The checklist as data: the shipped default matches the plan's 督战内容 and June
//! list, is identical on every device, and is edited (add, rename, retire) through
//! ordinary staged saves that keep old visits readable.

mod fieldwork_support;

use duzhan::core::clock::Stamp;
use duzhan::core::doc::Entity;
use duzhan::core::fieldwork::checklist::*;
use duzhan::core::fieldwork::visit::{answer_id, stage_answer, stage_save_visit, Answer, Visit, VisitMode};
use duzhan::core::fieldwork::{FieldSnapshot, FieldworkError};
use duzhan::core::i18n::{Field, Lang};
use fieldwork_support::*;

#[test]
fn the_default_checklist_has_the_plans_groups_and_items_in_order() {
    let items = default_checklist();
    let by_group = |g: ChecklistGroup| items.iter().filter(|i| i.group == g).map(|i| i.title.as_str()).collect::<Vec<_>>();
    assert_eq!(by_group(ChecklistGroup::ThreeImplementations), ["责任落实", "政策落实", "工作落实"]);
    assert_eq!(by_group(ChecklistGroup::ThreePrecisions), ["扶持谁（识别精准）", "谁来扶", "怎么扶", "如何退"]);
    assert_eq!(by_group(ChecklistGroup::TwoAssurancesThreeGuarantees), ["不愁吃", "不愁穿", "义务教育（控辍保学）", "基本医疗", "住房安全"]);
    assert_eq!(by_group(ChecklistGroup::SafeDrinkingWater), ["饮水安全"]);
    assert_eq!(
        by_group(ChecklistGroup::JuneKeyTasks),
        ["产业就业应扶尽扶", "旧房应拆尽拆", "搬迁后续服务与社区融入", "低保与扶贫衔接", "人居环境", "内生动力", "收入稳定", "动态管理数据清零"]
    );
    assert_eq!(items.len(), 21);
    for i in &items {
        assert!(i.id.starts_with("seed-ck-"), "{}", i.id);
        assert_eq!(i.code, format!("{}.{}", i.group.number(), i.order));
        assert!(!i.retired);
        assert_eq!(i.version_added, DEFAULT_CHECKLIST_VERSION);
        assert!(!i.guidance.is_empty(), "{}", i.title);
    }
    let ids: std::collections::BTreeSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids.len(), 21);
    assert_eq!(checklist_version(&items), 1);
    assert_eq!(items.iter().find(|i| i.id == "seed-ck-housing").map(|i| i.code.as_str()), Some("3.5"));
}

#[test]
fn guidance_quotes_the_plan_where_it_says_what_to_check() {
    let plan = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/seed/000_d755ffc77b6e3952.txt"));
    let Ok(plan) = plan else { return };
    let plan: String = plan.chars().filter(|c| !c.is_whitespace()).collect();
    for id in ["seed-ck-who", "seed-ck-by-whom", "seed-ck-exit", "seed-ck-education", "seed-ck-medical", "seed-ck-water", "seed-ck-dibao", "seed-ck-data-zero"]
    {
        let item = default_checklist().into_iter().find(|i| i.id == id).expect("item");
        assert!(plan.contains(&item.guidance), "{id}: {}", item.guidance);
    }
}

#[test]
fn default_docs_are_identical_on_every_device_and_carry_the_seed_stamp() {
    let a = default_checklist_docs();
    assert_eq!(a, default_checklist_docs());
    assert_eq!(a.len(), 21);
    for d in &a {
        assert_eq!(d.kind, ChecklistItem::KIND);
        assert!(d.fields.values().all(|f| f.s == Stamp::seed()));
        assert_eq!(ChecklistItem::from_doc(d).map(|i| i.id), Ok(d.id.clone()));
    }
    assert_eq!(ChecklistItem::KIND, "checklist_item");
}

#[test]
fn groups_have_stable_codes_and_labels_in_both_languages() {
    for g in ChecklistGroup::ALL {
        assert_eq!(ChecklistGroup::from_code(g.code()), Some(g));
        assert!(!g.label(Lang::Zh).is_empty() && !g.label(Lang::En).is_empty());
    }
    assert_eq!(ChecklistGroup::JuneKeyTasks.label(Lang::Zh), "6月底前重点任务");
}

#[test]
fn adding_an_item_puts_it_last_in_its_group_in_the_next_version() {
    let mut r = replica("d-a");
    let (c, item) = stage_add_item(&r, ChecklistGroup::SafeDrinkingWater, " 供水设施管护 ", "管护责任落实到人", at(2020, 7, 1)).expect("valid");
    assert_eq!(c.docs.len(), 1);
    commit(&mut r, c);
    assert_eq!((item.code.as_str(), item.order, item.version_added, item.title.as_str()), ("4.2", 2, 2, "供水设施管护"));
    assert!(item.id.starts_with("ck-"));
    let items = checklist_of(&r);
    assert_eq!(checklist_version(&items), 2);
    assert_eq!(items.len(), 22);
    // A second add is version 3.
    let (_, second) = stage_add_item(&r, ChecklistGroup::SafeDrinkingWater, "水质检测", "", at(2020, 7, 2)).expect("valid");
    assert_eq!((second.code.as_str(), second.version_added), ("4.3", 3));
}

#[test]
fn titles_are_required_bounded_and_unique_among_active_items_of_a_group() {
    let r = replica("d-a");
    let add = |t: &str| stage_add_item(&r, ChecklistGroup::TwoAssurancesThreeGuarantees, t, "", 1).map(|(_, i)| i);
    assert_eq!(add("  ").err(), Some(FieldworkError::Required { field: Field::Title }));
    assert_eq!(add(&"长".repeat(MAX_TITLE + 1)).err(), Some(FieldworkError::TooLong { field: Field::Title, max: MAX_TITLE }));
    assert_eq!(add("住房安全").err(), Some(FieldworkError::DuplicateChecklistTitle("住房安全".into())));
    // The same title in another group is fine.
    assert!(stage_add_item(&r, ChecklistGroup::JuneKeyTasks, "住房安全", "", 1).is_ok());
    assert_eq!(
        stage_add_item(&r, ChecklistGroup::JuneKeyTasks, "收入", &"长".repeat(MAX_GUIDANCE + 1), 1).err(),
        Some(FieldworkError::TooLong { field: Field::Guidance, max: MAX_GUIDANCE })
    );
}

#[test]
fn renaming_keeps_id_code_and_version_so_old_answers_read_the_new_title() {
    let mut r = replica("d-a");
    let c = stage_rename_item(&r, "seed-ck-water", "饮水安全（含水质）", Some("按省评价标准"), at(2020, 7, 1)).expect("valid");
    commit(&mut r, c);
    let item = checklist_of(&r).into_iter().find(|i| i.id == "seed-ck-water").expect("item");
    assert_eq!((item.title.as_str(), item.guidance.as_str(), item.code.as_str(), item.version_added), ("饮水安全（含水质）", "按省评价标准", "4.1", 1));
    assert_eq!(stage_rename_item(&r, "seed-ck-food", "不愁穿", None, 1).err(), Some(FieldworkError::DuplicateChecklistTitle("不愁穿".into())));
    // Renaming to its own title is allowed and writes nothing.
    assert!(stage_rename_item(&r, "seed-ck-food", "不愁吃", None, 1).map(|c| c.is_empty()).unwrap_or(false));
    assert_eq!(stage_rename_item(&r, "nope", "x", None, 1).err(), Some(FieldworkError::UnknownChecklistItem("nope".into())));
}

#[test]
fn a_retired_item_leaves_new_visits_and_stays_readable_on_old_ones() {
    let mut r = replica("d-a");
    // An old visit answered the item.
    let v = Visit::new_draft("visit-old".into(), "seed-target-gantang".into(), date(2020, 3, 1), VisitMode::SquadRoutine);
    let c = stage_save_visit(&r, &v, 1).expect("draft");
    commit(&mut r, c);
    let c = stage_answer(&r, "visit-old", "seed-ck-old-houses", Answer::Fail, "2户旧房未拆", 2).expect("answer");
    commit(&mut r, c);
    let c = stage_retire_item(&r, "seed-ck-old-houses", 3).expect("retire");
    commit(&mut r, c);
    // Retiring twice writes nothing.
    assert!(stage_retire_item(&r, "seed-ck-old-houses", 4).map(|c| c.is_empty()).unwrap_or(false));

    let field = FieldSnapshot::from_docs(r.docs());
    let item = field.item("seed-ck-old-houses").expect("still readable");
    assert!(item.retired);
    assert_eq!(field.active_items().count(), 20);
    let old: Vec<&str> = field.answers_of("visit-old").iter().map(|a| a.item_id.as_str()).collect();
    assert_eq!(items_for_visit(&field.checklist, &old).len(), 21);
    assert_eq!(items_for_visit(&field.checklist, &[]).len(), 20);
    assert!(!items_for_visit(&field.checklist, &[]).iter().any(|i| i.id == "seed-ck-old-houses"));

    // A new visit cannot answer it; the old visit can still correct its answer.
    let v2 = Visit::new_draft("visit-new".into(), "seed-target-gantang".into(), date(2020, 7, 1), VisitMode::SquadRoutine);
    let c = stage_save_visit(&r, &v2, 5).expect("draft");
    commit(&mut r, c);
    assert_eq!(stage_answer(&r, "visit-new", "seed-ck-old-houses", Answer::Pass, "", 6).err(), Some(FieldworkError::ItemRetired("seed-ck-old-houses".into())));
    assert!(stage_answer(&r, "visit-old", "seed-ck-old-houses", Answer::Pass, "已拆除", 7).is_ok());
    assert!(r.doc(&answer_id("visit-old", "seed-ck-old-houses")).is_some());

    // Codes are never reused, even after retirement; reinstating brings it back.
    assert_eq!(next_code(&field.checklist, ChecklistGroup::JuneKeyTasks), "5.9");
    let c = stage_reinstate_item(&r, "seed-ck-old-houses", 8).expect("reinstate");
    commit(&mut r, c);
    assert!(!checklist_of(&r).iter().any(|i| i.retired));
}

#[test]
fn checklist_edits_on_two_devices_merge_field_by_field() {
    let mut a = replica("d-a");
    let mut b = replica("d-b");
    let c = stage_rename_item(&a, "seed-ck-income", "收入持续稳定", None, at(2020, 7, 1)).expect("rename");
    commit(&mut a, c);
    let c = stage_retire_item(&b, "seed-ck-income", at(2020, 7, 2)).expect("retire");
    commit(&mut b, c);
    let from_b: Vec<_> = b.docs().cloned().collect();
    let c = a.stage_merge(&from_b);
    commit(&mut a, c);
    let item = checklist_of(&a).into_iter().find(|i| i.id == "seed-ck-income").expect("item");
    assert_eq!((item.title.as_str(), item.retired), ("收入持续稳定", true));
}
