//! A deterministic campaign generator (模拟数据) for tests and benchmarks: counties,
//! targets, the default checklist, visits with answers, and problems with
//! rectification histories — realistic in shape, fictitious in content.
//!
//! The same `seed` always yields the same docs (its own small PRNG, no clock, no
//! global state), so a failing test or a benchmark figure can be reproduced exactly.
//! Histories are mostly legal walks through the workflow, with failed verifications
//! sending problems back, and about 2% carrying a stale concurrent event (another
//! squad repeating a transition) that replay must skip and flag.

use super::checklist::{default_checklist, default_checklist_docs};
use super::problem::{Problem, ProblemEvent, ProblemSource, ProblemStatus, Verification};
use super::visit::{answer_id, Answer, GpsFix, Visit, VisitAnswer, VisitMode, VisitStatus};
use crate::core::calendar::day_start_ms;
use crate::core::clock::{DeviceId, Stamp};
use crate::core::doc::{Doc, Entity};
use crate::core::model::{County, Level, Target, TargetKind};
use chrono::{Days, NaiveDate};

/// SplitMix64: tiny, fast, and good enough to shuffle test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    /// True with probability `pct` percent.
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const COUNTIES: [&str; 10] = ["楚雄市", "双柏县", "牟定县", "南华县", "姚安县", "大姚县", "永仁县", "元谋县", "武定县", "禄丰县"];
const TOWNSHIPS: [&str; 12] = ["高桥镇", "狮山镇", "江边乡", "猫街镇", "插甸镇", "东坡乡", "发窝乡", "万德镇", "白路镇", "己衣镇", "环州乡", "田心乡"];
const PLACES: [&str; 20] = [
    "小河",
    "大平地",
    "麻栗",
    "石板",
    "岔河",
    "新村",
    "马鞍山",
    "松林",
    "龙潭",
    "白沙",
    "干海子",
    "者纳",
    "大坪",
    "罗家",
    "平掌",
    "木厂",
    "以诺",
    "迤纳",
    "乌龙",
    "古普",
];
const SURNAMES: [&str; 15] = ["李", "王", "张", "刘", "杨", "赵", "陈", "罗", "马", "周", "黄", "起", "普", "者", "鲁"];
const GIVEN: [&str; 20] =
    ["国雄", "文慧", "林", "勇", "绍祥", "莹", "志清", "正东", "明俊", "炳尧", "积昆", "豪", "虹", "建华", "兴国", "丽", "红梅", "卫东", "晓燕", "春花"];
const UNITS: [&str; 14] = [
    "州扶贫办",
    "州发改委",
    "州搬迁安置办",
    "州教育体育局",
    "州卫生健康委",
    "州住房城乡建设局",
    "州水务局",
    "州人力资源社会保障局",
    "州民政局",
    "州农业农村局",
    "县扶贫办",
    "乡镇人民政府",
    "村委会",
    "驻村工作队",
];
const SQUADS: [&str; 4] = ["州扶贫办督战小分队", "州发改委督战小分队", "州搬迁安置办督战小分队", "县级督战组"];

/// Problem phrasings per default item (by id suffix); `{n}` becomes a count.
fn phrases(item_id: &str) -> &'static [&'static str] {
    match item_id.trim_start_matches("seed-ck-") {
        "housing" => &["{n}户住房存在安全隐患，危房改造未完成", "{n}户危房未拆除仍有人居住"],
        "water" => &["{n}户饮水不稳定，旱季断水", "集中供水点水质未检测，{n}户饮水安全无保障"],
        "education" => &["{n}名适龄儿童辍学未劝返", "控辍保学台账与实际不符，涉及{n}名学生"],
        "medical" => &["{n}户未参加基本医疗保险", "{n}名慢性病患者签约服务未落实"],
        "food" => &["{n}户口粮不足"],
        "clothing" => &["{n}户冬季衣被不足"],
        "old-houses" => &["{n}户搬迁对象旧房未拆除", "拆旧复垦进度滞后，{n}户未签拆除协议"],
        "income" => &["{n}户收入低于脱贫标准", "{n}户收入测算不准确"],
        "data-zero" => &["{n}条动态管理信息问题数据未清零"],
        "who" => &["建档立卡数据与实际不符，涉及{n}户", "{n}户识别不精准"],
        "industry-employment" => &["{n}名有劳动能力的贫困人口未实现就业", "产业帮扶未覆盖{n}户"],
        "relocation-services" => &["安置点公共服务不完善，{n}户反映就医不便", "{n}户搬迁群众未融入社区"],
        "dibao" => &["{n}户兜底对象未纳入低保", "低保与扶贫对象不衔接，涉及{n}户"],
        _ => &["帮扶措施不精准，涉及{n}户", "工作台账不完整，{n}项资料缺失", "责任人不清楚政策，{n}户反映未享受政策"],
    }
}

fn person(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(&SURNAMES), rng.pick(&GIVEN))
}

/// Everything generated is stamped by one pseudo-device with increasing wall times,
/// as if one device had typed it all in.
struct Out {
    docs: Vec<Doc>,
    wall: u64,
}

impl Out {
    fn push<E: Entity>(&mut self, e: &E) {
        self.wall += 1;
        let st = Stamp { wall: self.wall, n: 0, dev: DeviceId("gen".to_owned()) };
        if let Some(d) = Doc::edit(None, E::KIND, e.id(), e.to_values(), &st) {
            self.docs.push(d);
        }
    }
}

fn day(base: NaiveDate, n: u64) -> NaiveDate {
    base.checked_add_days(Days::new(n)).unwrap_or(base)
}

/// Generates a campaign: 10 counties, `targets` targets, the default checklist,
/// `visits` visits (each answering every default item), and `problems` problems with
/// their event histories. Deterministic in `seed`.
pub fn generate_campaign(seed: u64, targets: usize, visits: usize, problems: usize) -> Vec<Doc> {
    let mut rng = Rng(seed ^ 0x6475_7a68_616e);
    // 2020-01-26 00:00 UTC: before the campaign's first day, after the seed stamp.
    let mut out = Out { docs: default_checklist_docs(), wall: 1_580_000_000_000 };
    let start = NaiveDate::from_ymd_opt(2020, 2, 1).unwrap_or_default();

    for (i, name) in COUNTIES.iter().enumerate() {
        out.push(&County { id: format!("gen-county-{i:02}"), seq: i as u32 + 1, name: (*name).to_owned() });
    }

    let mut tgts: Vec<Target> = Vec::with_capacity(targets);
    for i in 0..targets {
        let c = rng.below(COUNTIES.len() as u64) as usize;
        let kind = match rng.below(10) {
            0 => TargetKind::County,
            1..=6 => TargetKind::Village,
            7 | 8 => TargetKind::RelocationSite,
            _ => TargetKind::HydropowerSite,
        };
        let place = rng.pick(&PLACES);
        let (township, name) = match kind {
            TargetKind::County => (String::new(), COUNTIES[c].to_owned()),
            TargetKind::Village => (rng.pick(&TOWNSHIPS).to_string(), format!("{place}村委会")),
            TargetKind::RelocationSite => (String::new(), format!("{}{place}安置点", COUNTIES[c])),
            TargetKind::HydropowerSite => (rng.pick(&TOWNSHIPS).to_string(), format!("{place}水电移民安置点")),
        };
        let t = Target {
            id: format!("gen-target-{i:05}"),
            kind,
            level: if rng.chance(20) { Level::Prefecture } else { Level::County },
            county_id: format!("gen-county-{c:02}"),
            township,
            name,
            table_row: 1,
            order: i as u32,
        };
        out.push(&t);
        tgts.push(t);
    }
    if tgts.is_empty() {
        return out.docs;
    }

    let items = default_checklist();
    let mut visits_of: Vec<Vec<(String, NaiveDate)>> = vec![Vec::new(); tgts.len()];
    for i in 0..visits {
        let ti = rng.below(tgts.len() as u64) as usize;
        let date = day(start, rng.below(300));
        let members = (0..2 + rng.below(3)).map(|_| person(&mut rng)).collect();
        let submitted = rng.chance(90);
        let gps = rng.chance(70).then(|| GpsFix {
            lat: 25.0 + (rng.unit() - 0.5) * 1.6,
            lon: 101.5 + (rng.unit() - 0.5) * 1.6,
            accuracy_m: 5.0 + rng.below(45) as f64,
        });
        let v = Visit {
            id: format!("gen-visit-{i:06}"),
            target_id: tgts[ti].id.clone(),
            date,
            // What an office holds: no 暗访督战, whose findings stay with the
            // 督查室 (`bundle::restricted`). Same draws as a pick of any mode.
            mode: *rng.pick(&[VisitMode::LeaderFixedPoint, VisitMode::SquadRoutine, VisitMode::SquadRoutine]),
            members,
            households_visited: rng.below(40) as u32,
            findings: format!(
                "走访{}户，{}",
                1 + rng.below(30),
                rng.pick(&["总体情况良好", "发现问题已现场交办", "部分户政策知晓率不高", "安置点配套仍需完善"])
            ),
            gps,
            status: if submitted { VisitStatus::Submitted } else { VisitStatus::Draft },
            submitted_ms: submitted.then(|| day_start_ms(date) + 18 * 3_600_000),
        };
        out.push(&v);
        for item in &items {
            let answer = match rng.below(100) {
                0..=69 => Answer::Pass,
                70..=81 => Answer::Fail,
                _ => Answer::NotApplicable,
            };
            let note = if answer == Answer::Fail { rng.pick(phrases(&item.id)).replace("{n}", &(1 + rng.below(9)).to_string()) } else { String::new() };
            out.push(&VisitAnswer { id: answer_id(&v.id, &item.id), visit_id: v.id.clone(), item_id: item.id.clone(), answer, note });
        }
        visits_of[ti].push((v.id.clone(), date));
    }

    for i in 0..problems {
        // Skew towards a few busy targets, as real ledgers are.
        let ti = if rng.chance(50) { rng.below(tgts.len().div_ceil(10) as u64) as usize } else { rng.below(tgts.len() as u64) as usize };
        let item = rng.chance(85).then(|| rng.pick(&items).id.clone());
        let source = if rng.chance(50) { ProblemSource::Supervision } else { *rng.pick(&ProblemSource::ALL) };
        let linked = (source == ProblemSource::Supervision && !visits_of[ti].is_empty()).then(|| rng.pick(&visits_of[ti]).clone());
        let opened_on = linked.as_ref().map_or_else(|| day(start, rng.below(300)), |(_, d)| *d);
        let phrase = rng.pick(phrases(item.as_deref().unwrap_or(""))).replace("{n}", &(1 + rng.below(20)).to_string());
        let p = Problem {
            id: format!("gen-problem-{i:06}"),
            target_id: tgts[ti].id.clone(),
            item_id: item,
            source,
            description: format!("{}{}", rng.pick(&PLACES), phrase),
            responsible_unit: if rng.chance(3) { String::new() } else { rng.pick(&UNITS).to_string() },
            responsible_person: if rng.chance(3) { String::new() } else { person(&mut rng) },
            deadline: (!rng.chance(5)).then(|| day(opened_on, 15 + rng.below(76))),
            visit_id: linked.map(|(id, _)| id),
            opened_on,
        };
        out.push(&p);
        history(&mut rng, &p, &mut out);
    }
    out.docs
}

/// A random walk through the workflow for one problem, written as events.
fn history(rng: &mut Rng, p: &Problem, out: &mut Out) {
    let mut t = day_start_ms(p.opened_on) + 9 * 3_600_000 + rng.below(8 * 3_600_000);
    let mut status = ProblemStatus::Open;
    let mut k = 0;
    let mut emit = |rng: &mut Rng, out: &mut Out, t: u64, from: ProblemStatus, to: ProblemStatus, verification: Option<Verification>, comment: &str| {
        let e = ProblemEvent {
            id: format!("gen-ev-{}-{k}", p.id.trim_start_matches("gen-problem-")),
            problem_id: p.id.clone(),
            at_ms: t,
            by: if rng.chance(50) { rng.pick(&SQUADS).to_string() } else { person(rng) },
            from,
            to,
            comment: comment.to_owned(),
            verification,
        };
        k += 1;
        out.push(&e);
    };
    let mut rounds = 0;
    loop {
        let (to, verification, comment) = match status {
            ProblemStatus::Open if rng.chance(85) => (ProblemStatus::InProgress, None, "已制定整改方案，正在整改"),
            ProblemStatus::InProgress if rng.chance(75) => (ProblemStatus::AwaitingVerification, None, "已整改完成，申请核验"),
            ProblemStatus::AwaitingVerification if rng.chance(90) => {
                if rounds < 3 && rng.chance(25) {
                    (ProblemStatus::InProgress, Some(Verification { verifier: person(rng), passed: false }), "核验未通过：整改不到位，需继续整改")
                } else {
                    (ProblemStatus::Closed, Some(Verification { verifier: person(rng), passed: true }), "核验通过，同意销号")
                }
            }
            _ => break,
        };
        t += 3_600_000 + rng.below(20 * 86_400_000);
        emit(rng, out, t, status, to, verification.clone(), comment);
        // Now and then another squad, not yet having seen this event, makes the same move.
        if rng.chance(2) {
            let later = t + 1 + rng.below(3_600_000);
            emit(rng, out, later, status, to, verification, comment);
        }
        if to == ProblemStatus::InProgress && status == ProblemStatus::AwaitingVerification {
            rounds += 1;
        }
        status = to;
    }
}
