//! The embedded default is the plan 楚贫组发〔2020〕3号, exactly. Every figure,
//! name and date below is read off the plan's text (section 二, 三, 四 and the
//! attachment 州级定点挂牌督战表).

use chrono::NaiveDate;
use duzhan::core::bundle::state_hash;
use duzhan::core::clock::DeviceId;
use duzhan::core::default_plan;
use duzhan::core::model::*;
use duzhan::core::replica::Replica;
use duzhan::core::seed;
use duzhan::core::snapshot::{format_figure, Snapshot};

fn snap() -> Snapshot {
    Replica::from_parts(default_plan::docs(), duzhan::core::clock::Hlc::new(DeviceId("d-t".into()))).snapshot()
}

fn target<'a>(s: &'a Snapshot, label: &str) -> &'a Target {
    s.targets.iter().find(|t| s.target_label(t) == label).unwrap_or_else(|| panic!("no target {label}"))
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn the_campaign_is_the_2020_chuxiong_plan_with_its_thresholds() {
    let s = snap();
    let c = s.campaign.as_ref().unwrap();
    assert_eq!(c.doc_no, "楚贫组发〔2020〕3号");
    assert_eq!(c.year, 2020);
    assert_eq!(c.thresholds.remaining_poor_over, 1000);
    assert_eq!(c.thresholds.incidence_over_pct, 10.0);
    assert_eq!(c.thresholds.site_people_over, 1000);
    assert_eq!(c.contact_phone, "3013497");
    assert_eq!(c.contact_email, "zcfgk304@126.com");
}

#[test]
fn all_seven_counties_in_table_order() {
    let s = snap();
    let names: Vec<(u32, &str)> = s.counties.iter().map(|c| (c.seq, c.name.as_str())).collect();
    assert_eq!(names, vec![(1, "武定县"), (2, "南华县"), (3, "姚安县"), (4, "大姚县"), (5, "双柏县"), (6, "元谋县"), (7, "禄丰县")]);
}

#[test]
fn thirteen_targets_with_the_plans_figures() {
    let s = snap();
    assert_eq!(s.targets.len(), 13);
    let expect: [(&str, TargetKind, &str, f64); 13] = [
        ("武定县", TargetKind::County, "武定县", 3071.0),
        ("南华县", TargetKind::County, "南华县", 1189.0),
        ("姚安县", TargetKind::County, "姚安县", 1072.0),
        ("武定县高桥镇小河村委会", TargetKind::Village, "武定县", 15.93),
        ("元谋县甘塘易地扶贫搬迁安置点", TargetKind::RelocationSite, "元谋县", 2131.0),
        ("武定县城红土田安置点", TargetKind::RelocationSite, "武定县", 1881.0),
        ("双柏县西城社区安置点", TargetKind::RelocationSite, "双柏县", 1501.0),
        ("禄丰县城思源小区安置点", TargetKind::RelocationSite, "禄丰县", 1390.0),
        ("大姚县城集中安置点", TargetKind::RelocationSite, "大姚县", 1178.0),
        ("元谋县江边乡启宪安置点", TargetKind::HydropowerSite, "元谋县", 5515.0),
        ("元谋县瓦渣箐安置点", TargetKind::HydropowerSite, "元谋县", 4179.0),
        ("元谋县甘塘水电移民安置点", TargetKind::HydropowerSite, "元谋县", 2568.0),
        ("武定县狮山镇西河安置点", TargetKind::HydropowerSite, "武定县", 3024.0),
    ];
    for (label, kind, county, value) in expect {
        let t = target(&s, label);
        assert_eq!(t.kind, kind, "{label}");
        assert_eq!(t.level, Level::Prefecture, "{label}");
        assert_eq!(s.county(&t.county_id).unwrap().name, county, "{label}");
        let f = s.latest_figure(&t.id).unwrap();
        assert_eq!(f.value, value, "{label}");
        assert_eq!(f.source, seed::PLAN_SOURCE);
        // Each figure clears the plan's threshold for its kind.
        let th = &s.campaign.as_ref().unwrap().thresholds;
        match kind.metric() {
            Metric::IncidencePct => assert!(value > th.incidence_over_pct),
            Metric::RemainingPoor => assert!(value > th.remaining_poor_over as f64),
            Metric::PeopleResettled => assert!(value > th.site_people_over as f64),
        }
    }
    assert_eq!(format_figure(Metric::IncidencePct, 15.93), "15.93%");
    assert_eq!(format_figure(Metric::RemainingPoor, 3071.0), "3071人");
}

#[test]
fn the_supervision_table_reproduces_the_attachment_row_by_row() {
    let s = snap();
    let table = s.supervision_table();
    // (county, [(remaining poor, villages, relocation, hydropower, leaders, squad leads)])
    type Row = (&'static str, &'static str, &'static str, &'static str, &'static str, &'static str);
    let expect: [(&str, &[Row]); 7] = [
        (
            "武定县",
            &[
                ("3071人", "", "武定县城红土田安置点", "", "杨斌 李林波", "马国雄 罗文慧"),
                ("", "高桥镇小河村委会", "", "", "迟中华 杨虹 李林波", "罗文慧 林昆"),
                ("", "", "", "狮山镇西河安置点", "赵克义", "向勇"),
            ],
        ),
        ("南华县", &[("1189人", "", "", "", "赵克义", "起绍祥")]),
        ("姚安县", &[("1072人", "", "", "", "张士金", "袁莹")]),
        ("大姚县", &[("", "", "大姚县城集中安置点", "", "徐东", "罗志清")]),
        ("双柏县", &[("", "", "双柏县西城社区安置点", "", "李明", "金正东")]),
        (
            "元谋县",
            &[
                ("", "", "元谋县甘塘易地扶贫搬迁安置点", "元谋县甘塘水电移民安置点", "赵建华 李林波", "黎明俊"),
                ("", "", "", "江边乡启宪安置点", "周兴国", "马炳尧"),
                ("", "", "", "瓦渣箐安置点", "王建雄", "张积昆"),
            ],
        ),
        ("禄丰县", &[("", "", "禄丰县城思源小区安置点", "", "潘红伟 杨虹", "尹豪")]),
    ];
    assert_eq!(table.len(), 7);
    for (block, (county, rows)) in table.iter().zip(expect) {
        assert_eq!(block.county.name, county);
        assert_eq!(block.rows.len(), rows.len(), "{county}");
        for (row, e) in block.rows.iter().zip(rows.iter()) {
            let cell = |c: &Vec<duzhan::core::snapshot::TableCell>| c.iter().map(|x| x.label.clone()).collect::<Vec<_>>().join(" ");
            let poor = row.remaining_poor.iter().map(|c| format_figure(Metric::RemainingPoor, c.figure.unwrap())).collect::<Vec<_>>().join(" ");
            assert_eq!(poor, e.0, "{county}");
            assert_eq!(cell(&row.villages), e.1, "{county}");
            assert_eq!(cell(&row.relocation_sites), e.2, "{county}");
            assert_eq!(cell(&row.hydropower_sites), e.3, "{county}");
            assert_eq!(row.leaders.join(" "), e.4, "{county}");
            assert_eq!(row.squad_leads.join(" "), e.5, "{county}");
        }
    }
}

#[test]
fn stray_spaces_in_names_are_the_same_person() {
    let s = snap();
    let yang: Vec<&Person> = s.people.iter().filter(|p| p.name == "杨虹").collect();
    assert_eq!(yang.len(), 1);
    assert_eq!(yang[0].aliases, vec!["杨 虹".to_string()]);
    let on_xiaohe = s.people_on("seed-target-xiaohe", Role::Leader);
    let on_siyuan = s.people_on("seed-target-siyuan", Role::Leader);
    assert!(on_xiaohe.iter().any(|p| p.id == yang[0].id));
    assert!(on_siyuan.iter().any(|p| p.id == yang[0].id));
    assert!(s.people.iter().any(|p| p.name == "尹豪" && p.aliases == vec!["尹 豪".to_string()]));
    // 李林波 leads three rows, 赵克义 two, as one person each.
    assert_eq!(s.people.iter().filter(|p| p.name == "李林波").count(), 1);
    let li = s.people.iter().find(|p| p.name == "李林波").unwrap();
    let li_targets: Vec<&str> = s.assignments.iter().filter(|a| a.person_id == li.id).map(|a| a.target_id.as_str()).collect();
    assert_eq!(li_targets.len(), 5); // 武定县, 红土田, 小河, 甘塘 (two sites)
    assert_eq!(s.people.len(), 24);
}

#[test]
fn three_phases_with_every_dated_milestone_of_section_two() {
    let s = snap();
    let phases: Vec<(&str, NaiveDate, NaiveDate)> = s.phases.iter().map(|p| (p.name.as_str(), p.start, p.end)).collect();
    assert_eq!(
        phases,
        vec![
            ("组织启动阶段", d(2020, 1, 1), d(2020, 1, 31)),
            ("打歼灭战阶段", d(2020, 2, 1), d(2020, 6, 30)),
            ("巩固提升阶段", d(2020, 7, 1), d(2020, 12, 31)),
        ]
    );
    let ms: Vec<(NaiveDate, &str, usize)> = s.milestones.iter().map(|m| (m.due, m.label.as_str(), m.sub_items.len())).collect();
    assert_eq!(
        ms,
        vec![
            (d(2020, 1, 31), "1月份", 3),
            (d(2020, 2, 29), "2月底前", 1),
            (d(2020, 3, 31), "3月底前", 4),
            (d(2020, 6, 30), "6月底前", 12),
            (d(2020, 8, 31), "8月底前", 1),
            (d(2020, 10, 31), "10月底前", 3),
            (d(2020, 12, 31), "12月底前", 2),
        ]
    );
    let feb = s.milestone("seed-ms-02").unwrap();
    assert_eq!(feb.scope, Scope::County("seed-county-wuding".into()));
    assert!(feb.text.contains("武定县申请摘帽检查评估并退出"));
    let june = s.milestone("seed-ms-04").unwrap();
    for item in [
        "产业就业“应扶尽扶”",
        "旧房“应拆尽拆”",
        "控辍保学",
        "基本医疗",
        "危房不住人",
        "安全饮水",
        "农村低保",
        "人居环境",
        "内生动力",
        "收入持续稳定",
        "动态管理信息问题数据实现“清零”",
        "账账相符",
    ] {
        assert!(june.sub_items.iter().any(|x| x.contains(item)), "June lacks {item}");
        assert!(june.text.contains(item));
    }
    // Every sub-item is verbatim text of its milestone.
    for m in &s.milestones {
        for item in &m.sub_items {
            assert!(m.text.contains(item.as_str()), "{item}");
        }
        assert_eq!(m.status, MilestoneStatus::Pending);
    }
}

#[test]
fn the_lead_departments_of_section_four() {
    let s = snap();
    let names: Vec<&str> = s.departments.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, vec!["州扶贫办", "州发改委", "州搬迁安置办", "州委督查室", "州政府督查室"]);
    let deps = |id: &str| s.departments_of(id).iter().map(|d| d.name.clone()).collect::<Vec<_>>();
    assert_eq!(deps("seed-target-qixian"), vec!["州搬迁安置办"]);
    assert!(deps("seed-target-siyuan").contains(&"州发改委".to_string()));
    assert!(deps("seed-target-nanhua").contains(&"州扶贫办".to_string()));
}

#[test]
fn every_fresh_device_holds_identical_defaults() {
    // A golden value: every device, on every build and platform (wasm in any
    // browser, native), must start from exactly these records, or two fresh
    // devices would see each other's default as edits. Comparing `seed_docs()`
    // with itself could not fail; this canonical state hash (stamps, values and
    // field names included) can. It was computed once, by this assertion, at
    // 0c42cb7. When the default data changes on purpose, put the new hash here and
    // say in the commit why the default changed (devices holding the old default
    // will import the difference as edits).
    assert_eq!(state_hash(&default_plan::docs()), "38f973805196ae2edee5c457fc997037aeeef57230a93cdae0c865fb69e9431e");
    let ids: std::collections::BTreeSet<String> = default_plan::docs().into_iter().map(|d| d.id).collect();
    assert_eq!(ids.len(), default_plan::docs().len(), "duplicate seed ids");
}
