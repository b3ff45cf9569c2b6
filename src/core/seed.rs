//! The embedded default (内置默认数据): the 2020 Chuxiong plan
//! 《楚雄州脱贫攻坚挂牌督战工作方案》(楚贫组发〔2020〕3号), encoded exactly.
//!
//! Every record has a fixed id and the seed stamp (wall time 0, device "seed"),
//! so every fresh device holds byte-identical defaults: bundles from two fresh
//! devices merge without conflicts, and any real edit wins over the default.
//! Texts are copied from the plan verbatim (page breaks joined).

use super::clock::Stamp;
use super::doc::{Doc, Entity};
use super::model::*;
use chrono::NaiveDate;

pub const CAMPAIGN_ID: &str = "seed-campaign-2020";
/// The plan's year.
pub const YEAR: i32 = 2020;
/// Where the plan's own figures come from.
pub const PLAN_SOURCE: &str = "方案基数（楚贫组发〔2020〕3号）";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    // Only called with the plan's literal dates, all of which exist (asserted in tests).
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn s(x: &str) -> String {
    x.to_owned()
}

/// The county rows of the table: (id, 序号, name).
const COUNTIES: [(&str, u32, &str); 7] = [
    ("seed-county-wuding", 1, "武定县"),
    ("seed-county-nanhua", 2, "南华县"),
    ("seed-county-yaoan", 3, "姚安县"),
    ("seed-county-dayao", 4, "大姚县"),
    ("seed-county-shuangbai", 5, "双柏县"),
    ("seed-county-yuanmou", 6, "元谋县"),
    ("seed-county-lufeng", 7, "禄丰县"),
];

/// (id, kind, county id, township, name as in the table, figure, table row, order)
type TargetRow = (&'static str, TargetKind, &'static str, &'static str, &'static str, f64, u32, u32);
const TARGETS: [TargetRow; 13] = [
    ("seed-target-wuding", TargetKind::County, "seed-county-wuding", "", "武定县", 3071.0, 1, 1),
    ("seed-target-nanhua", TargetKind::County, "seed-county-nanhua", "", "南华县", 1189.0, 1, 1),
    ("seed-target-yaoan", TargetKind::County, "seed-county-yaoan", "", "姚安县", 1072.0, 1, 1),
    ("seed-target-xiaohe", TargetKind::Village, "seed-county-wuding", "高桥镇", "小河村委会", 15.93, 2, 1),
    ("seed-target-hongtutian", TargetKind::RelocationSite, "seed-county-wuding", "", "武定县城红土田安置点", 1881.0, 1, 2),
    ("seed-target-gantang", TargetKind::RelocationSite, "seed-county-yuanmou", "", "元谋县甘塘易地扶贫搬迁安置点", 2131.0, 1, 1),
    ("seed-target-xicheng", TargetKind::RelocationSite, "seed-county-shuangbai", "", "双柏县西城社区安置点", 1501.0, 1, 1),
    ("seed-target-siyuan", TargetKind::RelocationSite, "seed-county-lufeng", "", "禄丰县城思源小区安置点", 1390.0, 1, 1),
    ("seed-target-dayao", TargetKind::RelocationSite, "seed-county-dayao", "", "大姚县城集中安置点", 1178.0, 1, 1),
    ("seed-target-qixian", TargetKind::HydropowerSite, "seed-county-yuanmou", "江边乡", "启宪安置点", 5515.0, 2, 1),
    ("seed-target-wazhaqing", TargetKind::HydropowerSite, "seed-county-yuanmou", "", "瓦渣箐安置点", 4179.0, 3, 1),
    ("seed-target-gantang-hydro", TargetKind::HydropowerSite, "seed-county-yuanmou", "", "元谋县甘塘水电移民安置点", 2568.0, 1, 2),
    ("seed-target-xihe", TargetKind::HydropowerSite, "seed-county-wuding", "狮山镇", "西河安置点", 3024.0, 3, 1),
];

/// The attachment's rows: (targets in the row, leaders as listed, squad leads as listed).
const TABLE_ROWS: [(&[&str], &[&str], &[&str]); 11] = [
    (&["seed-target-wuding", "seed-target-hongtutian"], &["杨斌", "李林波"], &["马国雄", "罗文慧"]),
    (&["seed-target-xiaohe"], &["迟中华", "杨虹", "李林波"], &["罗文慧", "林昆"]),
    (&["seed-target-xihe"], &["赵克义"], &["向勇"]),
    (&["seed-target-nanhua"], &["赵克义"], &["起绍祥"]),
    (&["seed-target-yaoan"], &["张士金"], &["袁莹"]),
    (&["seed-target-dayao"], &["徐东"], &["罗志清"]),
    (&["seed-target-xicheng"], &["李明"], &["金正东"]),
    (&["seed-target-gantang", "seed-target-gantang-hydro"], &["赵建华", "李林波"], &["黎明俊"]),
    (&["seed-target-qixian"], &["周兴国"], &["马炳尧"]),
    (&["seed-target-wazhaqing"], &["王建雄"], &["张积昆"]),
    (&["seed-target-siyuan"], &["潘红伟", "杨 虹"], &["尹 豪"]),
];

/// Lead departments of section 四: (id, name, duty).
const DEPARTMENTS: [(&str, &str, &str); 5] = [
    (
        "seed-dept-fpb",
        "州扶贫办",
        "州级领导定点督战由州扶贫办制定督战方案；与州发改委牵头组织州级挂牌督战3个县和5个千人以上易地扶贫搬迁集中安置点的督战小分队，负责日常督战工作。",
    ),
    ("seed-dept-fgw", "州发改委", "与州扶贫办牵头组织督战小分队，负责日常督战工作；5个千人以上易地扶贫搬迁集中安置点由州发改委牵头负责制定督战方案。"),
    ("seed-dept-bqaz", "州搬迁安置办", "牵头组织州级行业部门参与的督战小分队，负责4个千人以上乌东德水电移民安置点日常督战工作。"),
    ("seed-dept-zwdcs", "州委督查室", "牵头组织开展暗访督战，州级暗访督战情况及时报州委、州政府。"),
    ("seed-dept-zfdcs", "州政府督查室", "牵头组织开展暗访督战，州级暗访督战情况及时报州委、州政府。"),
];

fn departments_for(kind: TargetKind) -> Vec<String> {
    let ids: &[&str] = match kind {
        TargetKind::County => &["seed-dept-fpb", "seed-dept-fgw"],
        TargetKind::Village => &["seed-dept-fpb"],
        TargetKind::RelocationSite => &["seed-dept-fgw", "seed-dept-fpb"],
        TargetKind::HydropowerSite => &["seed-dept-bqaz"],
    };
    ids.iter().map(|x| s(x)).collect()
}

fn campaign() -> Campaign {
    Campaign {
        id: s(CAMPAIGN_ID),
        name: s("楚雄州脱贫攻坚挂牌督战"),
        year: YEAR,
        doc_no: s("楚贫组发〔2020〕3号"),
        issuer: s("楚雄州扶贫开发领导小组"),
        thresholds: Thresholds { remaining_poor_over: 1000, incidence_over_pct: 10.0, site_people_over: 1000 },
        contact_phone: s("3013497"),
        contact_email: s("zcfgk304@126.com"),
    }
}

fn phases() -> Vec<Phase> {
    vec![
        Phase {
            id: s("seed-phase-1"),
            order: 1,
            name: s("组织启动阶段"),
            start: date(2020, 1, 1),
            end: date(2020, 1, 31),
            description: s("逐级制定工作方案，细化工作举措，全面启动脱贫攻坚挂牌督战。"),
        },
        Phase {
            id: s("seed-phase-2"),
            order: 2,
            name: s("打歼灭战阶段"),
            start: date(2020, 2, 1),
            end: date(2020, 6, 30),
            description: s("坚持目标导向、问题导向，结合中央脱贫攻坚专项巡视“回头看”反馈问题、脱贫攻坚成效考核指出问题、审计发现的问题、民主监督发现的问题、贫困县摘帽反馈的问题和脱贫攻坚问题大排查专项行动发现问题等，逐村逐户逐人逐项补短板、强弱项，不留盲区、不留尾巴，全面消除绝对贫困。"),
        },
        Phase {
            id: s("seed-phase-3"),
            order: 3,
            name: s("巩固提升阶段"),
            start: date(2020, 7, 1),
            end: date(2020, 12, 31),
            description: s("完善巩固提升计划措施，强化产业就业、控辍保学、饮水安全、危房改造、消费扶贫、扶志扶智、易地扶贫搬迁后续帮扶，全面巩固脱贫成果。"),
        },
    ]
}

fn milestone(id: &str, phase: &str, order: u32, due: NaiveDate, label: &str, text: &str, items: &[&str], scope: Scope) -> Milestone {
    Milestone {
        id: s(id),
        phase_id: s(phase),
        order,
        due,
        label: s(label),
        text: s(text),
        sub_items: items.iter().map(|x| s(x)).collect(),
        scope,
        status: MilestoneStatus::Pending,
    }
}

fn milestones() -> Vec<Milestone> {
    vec![
        milestone("seed-ms-01", "seed-phase-1", 1, date(2020, 1, 31), "1月份",
            "逐级制定工作方案，细化工作举措，全面启动脱贫攻坚挂牌督战。",
            &["逐级制定工作方案", "细化工作举措", "全面启动脱贫攻坚挂牌督战"], Scope::All),
        milestone("seed-ms-02", "seed-phase-2", 1, date(2020, 2, 29), "2月底前",
            "完成武定县申请摘帽检查评估并退出。",
            &["完成武定县申请摘帽检查评估并退出"], Scope::County(s("seed-county-wuding"))),
        milestone("seed-ms-03", "seed-phase-2", 2, date(2020, 3, 31), "3月底前",
            "2020年度州级及以上财政专项扶贫资金、财政涉农统筹整合资金、东西部扶贫协作资金、集团帮扶资金等“应下尽下”，并向深度贫困地区和工作难度大的县市、乡镇、村（社区）倾斜。易地扶贫搬迁贫困人口全部搬迁入住。危房改造全部“清零”。建立返贫监测预警和动态管理帮扶机制，及时解决返贫问题。",
            &[
                "2020年度州级及以上财政专项扶贫资金、财政涉农统筹整合资金、东西部扶贫协作资金、集团帮扶资金等“应下尽下”，并向深度贫困地区和工作难度大的县市、乡镇、村（社区）倾斜",
                "易地扶贫搬迁贫困人口全部搬迁入住",
                "危房改造全部“清零”",
                "建立返贫监测预警和动态管理帮扶机制，及时解决返贫问题",
            ], Scope::All),
        milestone("seed-ms-04", "seed-phase-2", 3, date(2020, 6, 30), "6月底前",
            "有劳动能力和就业意愿的贫困人口实现产业就业“应扶尽扶”；易地扶贫搬迁对象旧房“应拆尽拆”，集中力量解决好搬迁群众基本公共服务、社会融入、社区治理等实际问题；控辍保学“双线六长”责任、坚持“四步法”和工作全面落实；贫困人口基本医疗保障到位，常见病、慢性病能够及时诊治；贫困县、非贫困县4类重点对象“危房不住人、住人无危房”，危房全部拆除；贫困人口安全饮水达到省脱贫攻坚农村饮水安全评价标准；农村低保与扶贫开发政策、对象、标准、管理有效衔接，兜底对象精准保障；人居环境全面改善提升；贫困户自我发展内生动力得到全面激发；贫困户收入持续稳定；扶贫对象动态管理信息问题数据实现“清零”。按照“账账相符、账实相符”要求，剩余贫困人口全部达到脱贫标准，未出列贫困村全部达到退出标准。",
            &[
                "有劳动能力和就业意愿的贫困人口实现产业就业“应扶尽扶”",
                "易地扶贫搬迁对象旧房“应拆尽拆”，集中力量解决好搬迁群众基本公共服务、社会融入、社区治理等实际问题",
                "控辍保学“双线六长”责任、坚持“四步法”和工作全面落实",
                "贫困人口基本医疗保障到位，常见病、慢性病能够及时诊治",
                "贫困县、非贫困县4类重点对象“危房不住人、住人无危房”，危房全部拆除",
                "贫困人口安全饮水达到省脱贫攻坚农村饮水安全评价标准",
                "农村低保与扶贫开发政策、对象、标准、管理有效衔接，兜底对象精准保障",
                "人居环境全面改善提升",
                "贫困户自我发展内生动力得到全面激发",
                "贫困户收入持续稳定",
                "扶贫对象动态管理信息问题数据实现“清零”",
                "按照“账账相符、账实相符”要求，剩余贫困人口全部达到脱贫标准，未出列贫困村全部达到退出标准",
            ], Scope::All),
        milestone("seed-ms-05", "seed-phase-3", 1, date(2020, 8, 31), "8月底前",
            "做好配合国家和省脱贫攻坚普查的全面准备。",
            &["做好配合国家和省脱贫攻坚普查的全面准备"], Scope::All),
        milestone("seed-ms-06", "seed-phase-3", 2, date(2020, 10, 31), "10月底前",
            "根据普查情况及时整改。全面总结脱贫攻坚历史成就和典型案例，完成扶贫对象动态管理。",
            &["根据普查情况及时整改", "全面总结脱贫攻坚历史成就和典型案例", "完成扶贫对象动态管理"], Scope::All),
        milestone("seed-ms-07", "seed-phase-3", 3, date(2020, 12, 31), "12月底前",
            "完成剩余贫困人口全部脱贫、剩余贫困行政村全部出列。",
            &["完成剩余贫困人口全部脱贫", "剩余贫困行政村全部出列"], Scope::All),
    ]
}

/// The typed default records, in a stable order.
pub struct Seed {
    pub campaign: Campaign,
    pub departments: Vec<Department>,
    pub phases: Vec<Phase>,
    pub milestones: Vec<Milestone>,
    pub counties: Vec<County>,
    pub targets: Vec<Target>,
    pub figures: Vec<Figure>,
    pub people: Vec<Person>,
    pub assignments: Vec<Assignment>,
}

pub fn seed() -> Seed {
    let baseline = date(2020, 1, 1);
    let counties = COUNTIES.iter().map(|(id, seq, name)| County { id: s(id), seq: *seq, name: s(name) }).collect();
    let targets: Vec<Target> = TARGETS
        .iter()
        .map(|(id, kind, county, township, name, _, row, order)| Target {
            id: s(id),
            kind: *kind,
            level: Level::Prefecture,
            county_id: s(county),
            township: s(township),
            name: s(name),
            table_row: *row,
            order: *order,
        })
        .collect();
    let figures = TARGETS
        .iter()
        .map(|(id, _, _, _, _, value, _, _)| Figure {
            id: format!("{id}-fig-2020"),
            target_id: s(id),
            measured_on: baseline,
            value: *value,
            source: s(PLAN_SOURCE),
        })
        .collect();
    let departments = DEPARTMENTS.iter().zip(1..).map(|((id, name, duty), order)| Department { id: s(id), name: s(name), duty: s(duty), order }).collect();

    // People in order of first appearance; spellings with stray spaces become aliases.
    let mut people: Vec<Person> = Vec::new();
    let person_id = |listed: &str, people: &mut Vec<Person>| -> String {
        let canonical = normalize_name(listed);
        if let Some(p) = people.iter_mut().find(|p| p.name == canonical) {
            if listed != canonical && !p.aliases.iter().any(|a| a == listed) {
                p.aliases.push(s(listed));
            }
            return p.id.clone();
        }
        let id = format!("seed-person-{:02}", people.len() + 1);
        let aliases = if listed != canonical { vec![s(listed)] } else { vec![] };
        people.push(Person { id: id.clone(), name: canonical, aliases });
        id
    };
    let mut assignments = Vec::new();
    for (targets_in_row, leaders, leads) in TABLE_ROWS {
        for t in targets_in_row {
            let kind = TARGETS.iter().find(|x| x.0 == *t).map(|x| x.1).unwrap_or(TargetKind::County);
            for (role, names) in [(Role::Leader, leaders), (Role::SquadLead, leads)] {
                for (order, listed) in names.iter().enumerate() {
                    let pid = person_id(listed, &mut people);
                    let role_code = if role == Role::Leader { "leader" } else { "lead" };
                    assignments.push(Assignment {
                        id: format!("{t}-{role_code}-{}", order + 1),
                        target_id: s(t),
                        person_id: pid,
                        role,
                        department_ids: departments_for(kind),
                        order: order as u32 + 1,
                    });
                }
            }
        }
    }

    Seed { campaign: campaign(), departments, phases: phases(), milestones: milestones(), counties, targets, figures, people, assignments }
}

fn docs_of<E: Entity>(items: &[E], stamp: &Stamp, out: &mut Vec<Doc>) {
    for e in items {
        if let Some(d) = Doc::edit(None, E::KIND, e.id(), e.to_values(), stamp) {
            out.push(d);
        }
    }
}

/// The plan's campaign data as stored documents, all stamped with the seed stamp.
/// The whole embedded default (with the checklist and the reporting requirements)
/// is [`crate::core::default_plan::docs`].
pub fn plan_docs() -> Vec<Doc> {
    let sd = seed();
    let st = Stamp::seed();
    let mut out = Vec::new();
    docs_of(std::slice::from_ref(&sd.campaign), &st, &mut out);
    docs_of(&sd.departments, &st, &mut out);
    docs_of(&sd.phases, &st, &mut out);
    docs_of(&sd.milestones, &st, &mut out);
    docs_of(&sd.counties, &st, &mut out);
    docs_of(&sd.targets, &st, &mut out);
    docs_of(&sd.figures, &st, &mut out);
    docs_of(&sd.people, &st, &mut out);
    docs_of(&sd.assignments, &st, &mut out);
    out
}
