//! The ledger (台账) read model: filters, search, sort, counts and paging on a fixed
//! fixture with exact expected results; the derived flags; and the law that an
//! incrementally updated index equals one rebuilt from the same docs.

mod fieldwork_support;

use duzhan::core::clock::{DeviceId, Hlc};
use duzhan::core::doc::{Doc, Entity};
use duzhan::core::fieldwork::checklist::{default_checklist_docs, stage_rename_item, stage_retire_item};
use duzhan::core::fieldwork::generate::generate_campaign;
use duzhan::core::fieldwork::ledger::{LedgerFilter, LedgerIndex, LedgerQuery, LedgerSort, StatusCounts, StatusFilter};
use duzhan::core::fieldwork::problem::{recurrence_of, replay};
use duzhan::core::fieldwork::{ChecklistItem, Problem, ProblemEvent, ProblemSource, ProblemStatus};
use duzhan::core::model::{County, Level, Target, TargetKind};
use duzhan::core::replica::Replica;
use fieldwork_support::*;
use proptest::prelude::*;
use ProblemStatus::*;

fn cases() -> u32 {
    std::env::var("DUZHAN_PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(1000)
}

const TODAY: (i32, u32, u32) = (2020, 6, 15);

fn today() -> chrono::NaiveDate {
    date(TODAY.0, TODAY.1, TODAY.2)
}

fn target(id: &str, kind: TargetKind, county: &str, township: &str, name: &str) -> Target {
    Target { id: id.into(), kind, level: Level::Prefecture, county_id: county.into(), township: township.into(), name: name.into(), table_row: 1, order: 1 }
}

struct P<'a> {
    id: &'a str,
    target: &'a str,
    item: Option<&'a str>,
    source: ProblemSource,
    desc: &'a str,
    unit: &'a str,
    person: &'a str,
    deadline: Option<(u32, u32)>,
    opened: (u32, u32),
}

fn mk(p: P) -> Problem {
    Problem {
        id: p.id.into(),
        target_id: p.target.into(),
        item_id: p.item.map(|i| format!("seed-ck-{i}")),
        source: p.source,
        description: p.desc.into(),
        responsible_unit: p.unit.into(),
        responsible_person: p.person.into(),
        deadline: p.deadline.map(|(m, d)| date(2020, m, d)),
        visit_id: None,
        opened_on: date(2020, p.opened.0, p.opened.1),
    }
}

/// The fixture: 2 counties, 3 targets, 8 problems with histories (see each comment for
/// the expected derived state on 2020-06-15).
fn fixture() -> Vec<Doc> {
    use ProblemSource::*;
    let mut docs = default_checklist_docs();
    let mut w = 10;
    let mut push = |d: Doc| docs.push(d);
    let mut wall = || {
        w += 1;
        w
    };
    push(doc(&County { id: "c-wuding".into(), seq: 1, name: "武定县".into() }, wall()));
    push(doc(&County { id: "c-yuanmou".into(), seq: 2, name: "元谋县".into() }, wall()));
    push(doc(&target("t-wuding", TargetKind::County, "c-wuding", "", "武定县"), wall()));
    push(doc(&target("t-xiaohe", TargetKind::Village, "c-wuding", "高桥镇", "小河村委会"), wall()));
    push(doc(&target("t-gantang", TargetKind::RelocationSite, "c-yuanmou", "", "元谋县甘塘易地扶贫搬迁安置点"), wall()));
    let problems = [
        // Closed on 4/10 (verified by 核验人).
        P {
            id: "p01",
            target: "t-xiaohe",
            item: Some("housing"),
            source: Supervision,
            desc: "3户危房未拆除仍有人居住",
            unit: "州住房城乡建设局",
            person: "杨 虹",
            deadline: Some((5, 31)),
            opened: (3, 2),
        },
        // In progress, overdue (6/10), 屡改屡犯 of p01 (closed 4/10, before 5/20).
        P {
            id: "p02",
            target: "t-xiaohe",
            item: Some("housing"),
            source: Supervision,
            desc: "2户住房存在安全隐患",
            unit: "州住房城乡建设局",
            person: "李林波",
            deadline: Some((6, 10)),
            opened: (5, 20),
        },
        // Open, 只督不战 (no person, no deadline).
        P {
            id: "p03",
            target: "t-wuding",
            item: Some("education"),
            source: Audit,
            desc: "控辍保学台账与实际不符",
            unit: "州教育体育局",
            person: "",
            deadline: None,
            opened: (4, 1),
        },
        // Awaiting verification; deadline is today, so not overdue.
        P {
            id: "p04",
            target: "t-gantang",
            item: Some("water"),
            source: CentralInspection,
            desc: "集中供水点水质未检测（COD超标）",
            unit: "州水务局",
            person: "赵建华",
            deadline: Some((6, 15)),
            opened: (5, 1),
        },
        // In progress after a failed verification; one stale concurrent event.
        P {
            id: "p05",
            target: "t-gantang",
            item: Some("water"),
            source: Supervision,
            desc: "旱季断水",
            unit: "州水务局",
            person: "黎明俊",
            deadline: Some((7, 31)),
            opened: (4, 20),
        },
        // Closed; deadline passed but closed, so not overdue. No item: never 屡改屡犯.
        P {
            id: "p06",
            target: "t-wuding",
            item: None,
            source: DelistingFeedback,
            desc: "摘帽反馈：部分户收入测算不准确",
            unit: "县扶贫办",
            person: "罗文慧",
            deadline: Some((5, 1)),
            opened: (3, 1),
        },
        // Open; opened 4/05, before p01 closed (4/10): not a recurrence.
        P {
            id: "p07",
            target: "t-xiaohe",
            item: Some("housing"),
            source: ProblemScreening,
            desc: "危房改造资料不全",
            unit: "州住房城乡建设局",
            person: "马国雄",
            deadline: Some((6, 30)),
            opened: (4, 5),
        },
        // Open; opened the day p01 closed: a recurrence.
        P {
            id: "p08",
            target: "t-xiaohe",
            item: Some("housing"),
            source: Supervision,
            desc: "1户旧房屋顶漏雨",
            unit: "村委会",
            person: "林昆",
            deadline: Some((6, 20)),
            opened: (4, 10),
        },
    ];
    for p in problems {
        push(doc(&mk(p), wall()));
    }
    let d = 86_400_000;
    let mut evs: Vec<ProblemEvent> = Vec::new();
    evs.extend(closing_history("p01", at(2020, 4, 8)));
    evs.push(event("p02-e1", "p02", at(2020, 5, 21), Open, InProgress, None));
    evs.push(event("p04-e1", "p04", at(2020, 5, 2), Open, InProgress, None));
    evs.push(event("p04-e2", "p04", at(2020, 6, 1), InProgress, AwaitingVerification, None));
    evs.push(event("p05-e1", "p05", at(2020, 4, 21), Open, InProgress, None));
    evs.push(event("p05-e1b", "p05", at(2020, 4, 21) + 60_000, Open, InProgress, None));
    evs.push(event("p05-e2", "p05", at(2020, 5, 1), InProgress, AwaitingVerification, None));
    evs.push(event("p05-e3", "p05", at(2020, 5, 1) + d, AwaitingVerification, InProgress, Some(false)));
    evs.extend(closing_history("p06", at(2020, 4, 1)));
    for e in &evs {
        push(doc(e, wall()));
    }
    docs
}

fn ids(index: &LedgerIndex, q: &LedgerQuery) -> Vec<String> {
    let v = index.query(q);
    index.page(&v, 0, v.total()).into_iter().map(|r| r.id).collect()
}

fn q(filter: LedgerFilter) -> LedgerQuery {
    LedgerQuery { filter, ..Default::default() }
}

fn search(s: &str) -> LedgerQuery {
    LedgerQuery { search: s.into(), ..Default::default() }
}

/// Ids matching, sorted by id (order-free comparisons).
fn set(index: &LedgerIndex, q: &LedgerQuery) -> Vec<String> {
    let mut v = ids(index, q);
    v.sort();
    v
}

#[test]
fn the_fixture_derives_the_expected_status_and_flags_for_every_problem() {
    let index = LedgerIndex::build(&fixture(), today());
    let rows = index.rows_by_id();
    // (id, status, overdue, 只督不战, 屡改屡犯 of, history conflicts)
    type Derived<'a> = (&'a str, ProblemStatus, bool, bool, Option<&'a str>, usize);
    let got: Vec<Derived> =
        rows.iter().map(|r| (r.id.as_str(), r.status, r.overdue, r.without_owner, r.recurrence_of.as_deref(), r.history_conflicts)).collect();
    assert_eq!(
        got,
        [
            ("p01", Closed, false, false, None, 0),
            ("p02", InProgress, true, false, Some("p01"), 0),
            ("p03", Open, false, true, None, 0),
            ("p04", AwaitingVerification, false, false, None, 0),
            ("p05", InProgress, false, false, None, 1),
            ("p06", Closed, false, false, None, 0),
            ("p07", Open, false, false, None, 0),
            ("p08", Open, false, false, Some("p01"), 0),
        ]
    );
    let p01 = index.get("p01").expect("p01");
    assert_eq!(p01.closed_at_ms, Some(at(2020, 4, 10)));
    assert_eq!(p01.closed_by.as_deref(), Some("核验人"));
    assert_eq!(p01.target_label, "武定县高桥镇小河村委会");
    assert_eq!(p01.county_name, "武定县");
    assert_eq!(p01.item_code, "3.5");
    assert_eq!(p01.item_title, "住房安全");
    assert_eq!(index.get("p04").map(|r| r.target_label), Some("元谋县甘塘易地扶贫搬迁安置点".into()));
    assert_eq!(index.get("p03").map(|r| r.target_label), Some("武定县".into()));
}

#[test]
fn the_ledger_flags_agree_with_the_rule_functions() {
    let docs = fixture();
    let index = LedgerIndex::build(&docs, today());
    let problems: Vec<Problem> = docs.iter().filter(|d| d.kind == Problem::KIND).filter_map(|d| Problem::from_doc(d).ok()).collect();
    let closed: Vec<(&Problem, Option<u64>)> = problems.iter().map(|p| (p, index.get(&p.id).and_then(|r| r.closed_at_ms))).collect();
    for p in &problems {
        let row = index.get(&p.id).expect("row");
        assert_eq!(row.recurrence_of.as_ref(), recurrence_of(p, closed.iter().copied()), "{}", p.id);
        assert_eq!(row.status, replay(index.events_of(&p.id)).status);
    }
}

#[test]
fn counts_per_status_cover_everything_but_the_status_filter() {
    let index = LedgerIndex::build(&fixture(), today());
    let all = index.query(&LedgerQuery::default());
    assert_eq!(all.counts, StatusCounts { open: 3, in_progress: 2, awaiting_verification: 1, closed: 2 });
    assert_eq!(all.total(), 8);
    assert_eq!((all.flags.overdue, all.flags.without_owner, all.flags.recurrence, all.flags.history_conflict), (1, 1, 2, 1));

    let wuding_unclosed = index.query(&q(LedgerFilter { county: Some("c-wuding".into()), status: StatusFilter::Unclosed, ..Default::default() }));
    assert_eq!(wuding_unclosed.counts, StatusCounts { open: 3, in_progress: 1, awaiting_verification: 0, closed: 2 });
    assert_eq!(wuding_unclosed.total(), 4);
    assert_eq!(wuding_unclosed.counts.unclosed(), 4);

    let closed_only = index.query(&q(LedgerFilter { status: StatusFilter::Only(Closed), ..Default::default() }));
    assert_eq!(closed_only.total(), 2);
    assert_eq!(closed_only.counts.total(), 8);
}

#[test]
fn every_filter_selects_exactly_the_expected_problems() {
    let index = LedgerIndex::build(&fixture(), today());
    let f = |f: LedgerFilter| set(&index, &q(f));
    let d = LedgerFilter::default;
    assert_eq!(f(LedgerFilter { county: Some("c-wuding".into()), ..d() }), ["p01", "p02", "p03", "p06", "p07", "p08"]);
    assert_eq!(f(LedgerFilter { county: Some("c-yuanmou".into()), ..d() }), ["p04", "p05"]);
    assert_eq!(f(LedgerFilter { county: Some("c-none".into()), ..d() }), Vec::<String>::new());
    assert_eq!(f(LedgerFilter { target: Some("t-xiaohe".into()), ..d() }), ["p01", "p02", "p07", "p08"]);
    assert_eq!(f(LedgerFilter { target: Some("t-xiaohe".into()), county: Some("c-yuanmou".into()), ..d() }), Vec::<String>::new());
    assert_eq!(f(LedgerFilter { status: StatusFilter::Only(Open), ..d() }), ["p03", "p07", "p08"]);
    assert_eq!(f(LedgerFilter { status: StatusFilter::Only(InProgress), ..d() }), ["p02", "p05"]);
    assert_eq!(f(LedgerFilter { status: StatusFilter::Only(AwaitingVerification), ..d() }), ["p04"]);
    assert_eq!(f(LedgerFilter { status: StatusFilter::Unclosed, ..d() }), ["p02", "p03", "p04", "p05", "p07", "p08"]);
    assert_eq!(f(LedgerFilter { source: Some(ProblemSource::Supervision), ..d() }), ["p01", "p02", "p05", "p08"]);
    assert_eq!(f(LedgerFilter { source: Some(ProblemSource::Audit), ..d() }), ["p03"]);
    assert_eq!(f(LedgerFilter { item: Some("seed-ck-housing".into()), ..d() }), ["p01", "p02", "p07", "p08"]);
    assert_eq!(f(LedgerFilter { item: Some("seed-ck-never-seen".into()), ..d() }), Vec::<String>::new());
    assert_eq!(f(LedgerFilter { overdue: true, ..d() }), ["p02"]);
    assert_eq!(f(LedgerFilter { without_owner: true, ..d() }), ["p03"]);
    assert_eq!(f(LedgerFilter { recurrence: true, ..d() }), ["p02", "p08"]);
    assert_eq!(f(LedgerFilter { history_conflict: true, ..d() }), ["p05"]);
    assert_eq!(f(LedgerFilter { item: Some("seed-ck-housing".into()), status: StatusFilter::Only(Open), recurrence: true, ..d() }), ["p08"]);
}

#[test]
fn search_finds_chinese_substrings_in_text_names_targets_and_items() {
    let index = LedgerIndex::build(&fixture(), today());
    let s = |x: &str| set(&index, &search(x));
    // Description.
    assert_eq!(s("危房"), ["p01", "p07"]);
    // A person written with a stray space is found without it, and with it (two terms).
    assert_eq!(s("杨虹"), ["p01"]);
    assert_eq!(s("杨 虹"), ["p01"]);
    // Unit, item title (住房安全) and description together.
    assert_eq!(s("住房"), ["p01", "p02", "p07", "p08"]);
    // Target label.
    assert_eq!(s("小河"), ["p01", "p02", "p07", "p08"]);
    // Terms are ANDed, each may match a different field.
    assert_eq!(s("元谋 水"), ["p04", "p05"]);
    assert_eq!(s("元谋　断水"), ["p05"]);
    // Case-insensitive.
    assert_eq!(s("cod"), ["p04"]);
    assert_eq!(s("  "), ["p01", "p02", "p03", "p04", "p05", "p06", "p07", "p08"]);
    assert_eq!(s("不存在的词"), Vec::<String>::new());
    // Terms never match across two fields.
    assert_eq!(s("局杨"), Vec::<String>::new());
}

#[test]
fn every_sort_gives_the_expected_order_and_descending_reverses_it() {
    let index = LedgerIndex::build(&fixture(), today());
    let sorted = |sort, descending| ids(&index, &LedgerQuery { sort, descending, ..Default::default() });
    let deadline = ["p06", "p01", "p02", "p04", "p08", "p07", "p05", "p03"];
    assert_eq!(sorted(LedgerSort::Deadline, false), deadline);
    let mut rev = deadline.to_vec();
    rev.reverse();
    assert_eq!(sorted(LedgerSort::Deadline, true), rev);
    assert_eq!(sorted(LedgerSort::Opened, false), ["p06", "p01", "p03", "p07", "p08", "p05", "p04", "p02"]);
    assert_eq!(sorted(LedgerSort::Target, false), ["p06", "p03", "p01", "p07", "p08", "p02", "p05", "p04"]);
    assert_eq!(sorted(LedgerSort::Status, false), ["p08", "p07", "p03", "p02", "p05", "p04", "p06", "p01"]);
}

#[test]
fn pages_are_windows_of_the_ordered_view() {
    let index = LedgerIndex::build(&fixture(), today());
    let v = index.query(&LedgerQuery::default());
    let page = |o, l| index.page(&v, o, l).into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(page(2, 3), ["p02", "p04", "p08"]);
    assert_eq!(page(6, 10), ["p05", "p03"]);
    assert_eq!(page(8, 10), Vec::<String>::new());
    assert_eq!(page(100, 10), Vec::<String>::new());
    assert_eq!(page(0, 0), Vec::<String>::new());
}

#[test]
fn a_targets_open_problems_are_its_unclosed_ones_by_deadline() {
    let index = LedgerIndex::build(&fixture(), today());
    let open: Vec<String> = index.open_problems_of("t-xiaohe").into_iter().map(|r| r.id).collect();
    assert_eq!(open, ["p02", "p08", "p07"]);
}

#[test]
fn refining_while_typing_equals_a_fresh_query() {
    let docs = generate_campaign(7, 40, 20, 2000);
    let index = LedgerIndex::build(&docs, date(2020, 9, 1));
    for (filter, sort) in [
        (LedgerFilter::default(), LedgerSort::Deadline),
        (LedgerFilter { status: StatusFilter::Unclosed, ..Default::default() }, LedgerSort::Target),
        (LedgerFilter { county: Some("gen-county-03".into()), overdue: true, ..Default::default() }, LedgerSort::Status),
    ] {
        let mut prev = index.query(&LedgerQuery { filter: filter.clone(), sort, ..Default::default() });
        for typed in ["户", "户未", "户未拆", "户未拆 旧房", "危"] {
            let q = LedgerQuery { filter: filter.clone(), sort, search: typed.into(), ..Default::default() };
            let refined = index.refine(&prev, &q);
            let fresh = index.query(&q);
            assert_eq!(index.page(&refined, 0, refined.total()), index.page(&fresh, 0, fresh.total()), "{typed}");
            assert_eq!(refined.counts, fresh.counts);
            assert_eq!(refined.flags, fresh.flags);
            prev = refined;
        }
    }
}

#[test]
fn incremental_updates_change_exactly_what_they_touch() {
    let docs = fixture();
    let mut r = Replica::from_parts(docs.clone(), Hlc::new(DeviceId("d-a".into())));
    let mut index = LedgerIndex::build(r.docs(), today());
    let g0 = index.generation();
    // Rename the village: labels and search follow, no problem record changes.
    let mut t: Target = Target::from_doc(r.doc("t-xiaohe").expect("t")).expect("decode");
    t.name = "小河社区".into();
    let c = r.stage_save(&[t], 100);
    r.apply(c.clone());
    index.apply(&c.docs);
    assert!(index.generation() > g0);
    assert_eq!(index.get("p01").map(|x| x.target_label), Some("武定县高桥镇小河社区".into()));
    assert_eq!(set(&index, &search("小河社区")), ["p01", "p02", "p07", "p08"]);
    // Close p02 through the workflow events.
    let evs = [
        event("p02-e2", "p02", at(2020, 6, 16), InProgress, AwaitingVerification, None),
        event("p02-e3", "p02", at(2020, 6, 17), AwaitingVerification, Closed, Some(true)),
    ];
    let c = r.stage_save(&evs, 200);
    r.apply(c.clone());
    index.apply(&c.docs);
    let p02 = index.get("p02").expect("p02");
    assert_eq!((p02.status, p02.overdue), (Closed, false));
    // A new housing problem at the village now recurs the latest closure (p02, 6/17).
    let p09 = mk(P {
        id: "p09",
        target: "t-xiaohe",
        item: Some("housing"),
        source: ProblemSource::Supervision,
        desc: "又发现危房",
        unit: "村委会",
        person: "林昆",
        deadline: None,
        opened: (6, 18),
    });
    let c = r.stage_save(&[p09], 300);
    r.apply(c.clone());
    index.apply(&c.docs);
    assert_eq!(index.get("p09").and_then(|x| x.recurrence_of), Some("p02".into()));
    assert_eq!(index.get("p09").map(|x| x.without_owner), Some(true));
    // Deleting p01 unlinks p08 (opened 4/10, before p02 closed); p02 itself is no longer a recurrence.
    let c = r.stage_delete(&["p01"], 400);
    r.apply(c.clone());
    index.apply(&c.docs);
    assert_eq!(index.get("p01"), None);
    assert_eq!(index.get("p08").and_then(|x| x.recurrence_of), None);
    assert_eq!(index.get("p02").and_then(|x| x.recurrence_of), None);
    assert_eq!(index.len(), 8);
    // Renaming and retiring a checklist item relabels rows without touching problems.
    let c = stage_rename_item(&r, "seed-ck-housing", "住房安全保障", None, 500).expect("rename");
    r.apply(c.clone());
    index.apply(&c.docs);
    assert_eq!(index.get("p02").map(|x| x.item_title), Some("住房安全保障".into()));
    let c = stage_retire_item(&r, "seed-ck-housing", 600).expect("retire");
    r.apply(c.clone());
    index.apply(&c.docs);
    assert_eq!(index.get("p02").map(|x| x.item_title), Some("住房安全保障".into()));
    // The day rolls over: p04 (deadline 6/15, still awaiting verification) and p08
    // (deadline 6/20) are overdue; p02 is closed.
    index.set_today(date(2020, 6, 21));
    assert_eq!(set(&index, &q(LedgerFilter { overdue: true, ..Default::default() })), ["p04", "p08"]);
    // And all of it equals a rebuild.
    assert_eq!(index.rows_by_id(), LedgerIndex::build(r.docs(), date(2020, 6, 21)).rows_by_id());
}

#[test]
fn events_arriving_before_their_problem_are_kept_and_applied_when_it_arrives() {
    let docs = fixture();
    let (problems, rest): (Vec<Doc>, Vec<Doc>) = docs.into_iter().partition(|d| d.kind == Problem::KIND);
    let mut index = LedgerIndex::build(&rest, today());
    assert_eq!(index.len(), 0);
    index.apply(&problems);
    assert_eq!(index.rows_by_id(), LedgerIndex::build(&fixture(), today()).rows_by_id());
}

#[test]
fn building_in_chunks_equals_building_at_once() {
    let docs = generate_campaign(11, 20, 10, 400);
    let whole = LedgerIndex::build(&docs, date(2020, 9, 1));
    for chunk in [1, 7, 500, 5000] {
        let mut index = LedgerIndex::new(date(2020, 9, 1));
        for c in docs.chunks(chunk) {
            index.apply(c);
        }
        assert_eq!(index.rows_by_id(), whole.rows_by_id(), "chunks of {chunk}");
        let q = LedgerQuery { sort: LedgerSort::Opened, ..Default::default() };
        let (a, b) = (index.query(&q), whole.query(&q));
        assert_eq!(index.page(&a, 0, a.total()), whole.page(&b, 0, b.total()));
    }
}

#[test]
fn fast_decoding_equals_entity_from_doc() {
    use duzhan::core::doc::decode;
    use duzhan::core::fieldwork::{Visit, VisitAnswer};
    fn same<E: Entity + PartialEq + std::fmt::Debug>(d: &Doc) {
        assert_eq!(decode::<E>(d).ok(), E::from_doc(d).ok(), "{}", d.id);
        assert_eq!(decode::<E>(d).is_ok(), E::from_doc(d).is_ok(), "{}", d.id);
    }
    let mut docs = generate_campaign(5, 10, 5, 200);
    docs.extend(duzhan::core::default_plan::docs());
    // A record from a newer app with an unknown enum value fails both ways.
    let mut bad = docs.iter().find(|d| d.kind == Problem::KIND).cloned().expect("a problem");
    if let Some(f) = bad.fields.get_mut("source") {
        f.v = serde_json::json!("from_the_future");
    }
    docs.push(bad);
    for d in &docs {
        match d.kind.as_str() {
            "problem" => same::<Problem>(d),
            "problem_event" => same::<ProblemEvent>(d),
            "visit" => same::<Visit>(d),
            "visit_answer" => same::<VisitAnswer>(d),
            "checklist_item" => same::<ChecklistItem>(d),
            "target" => same::<Target>(d),
            "county" => same::<County>(d),
            _ => {}
        }
    }
}

#[test]
fn records_the_ledger_cannot_read_are_counted_not_dropped() {
    let mut docs = fixture();
    let mut bad = docs.iter().find(|d| d.id == "p03").cloned().expect("p03");
    if let Some(f) = bad.fields.get_mut("source") {
        f.v = serde_json::json!("a_source_from_a_newer_app");
    }
    docs.retain(|d| d.id != "p03");
    docs.push(bad);
    let index = LedgerIndex::build(&docs, today());
    assert_eq!(index.len(), 7);
    assert_eq!(index.undecodable().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["p03"]);
}

#[test]
fn generated_campaigns_are_deterministic_and_legal_in_shape() {
    let a = generate_campaign(42, 30, 10, 500);
    assert_eq!(a, generate_campaign(42, 30, 10, 500));
    assert_ne!(a, generate_campaign(43, 30, 10, 500));
    let count = |k: &str| a.iter().filter(|d| d.kind == k).count();
    assert_eq!(count(Problem::KIND), 500);
    assert_eq!(count(Target::KIND), 30);
    assert_eq!(count("visit"), 10);
    assert_eq!(count("visit_answer"), 10 * 21);
    assert_eq!(count(ChecklistItem::KIND), 21);
    let index = LedgerIndex::build(&a, date(2020, 12, 31));
    let all = index.query(&LedgerQuery::default());
    // Every status and every flag occurs, so tests over generated ledgers exercise them all.
    for s in ProblemStatus::ALL {
        assert!(all.counts.get(s) > 0, "{s:?}");
    }
    assert!(all.flags.overdue > 0 && all.flags.without_owner > 0 && all.flags.recurrence > 0 && all.flags.history_conflict > 0, "{:?}", all.flags);
}

// ---- incremental == rebuild ----

#[derive(Clone, Debug)]
enum Edit {
    ProblemDeadline { p: usize, days: Option<u8> },
    ProblemTarget { p: usize, t: usize },
    ProblemItem { p: usize, item: Option<usize> },
    ProblemOpened { p: usize, day: u8 },
    ProblemOwner { p: usize, empty: bool },
    DeleteProblem { p: usize },
    RestoreProblem { p: usize },
    NewProblem { t: usize, item: usize, day: u8 },
    Event { p: usize, from: usize, to: usize, verified: Option<bool>, t: u16 },
    DeleteEvent { e: usize },
    RenameTarget { t: usize },
    MoveTarget { t: usize, county: usize },
    DeleteTarget { t: usize },
    RenameCounty { c: usize },
    RenameItem { item: usize },
    Today { day: u8 },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        1 => (0usize..64, prop::option::of(0u8..120)).prop_map(|(p, days)| Edit::ProblemDeadline { p, days }),
        1 => (0usize..64, 0usize..8).prop_map(|(p, t)| Edit::ProblemTarget { p, t }),
        1 => (0usize..64, prop::option::of(0usize..21)).prop_map(|(p, item)| Edit::ProblemItem { p, item }),
        1 => (0usize..64, 0u8..200).prop_map(|(p, day)| Edit::ProblemOpened { p, day }),
        1 => (0usize..64, any::<bool>()).prop_map(|(p, empty)| Edit::ProblemOwner { p, empty }),
        1 => (0usize..64).prop_map(|p| Edit::DeleteProblem { p }),
        1 => (0usize..64).prop_map(|p| Edit::RestoreProblem { p }),
        1 => (0usize..8, 0usize..21, 0u8..200).prop_map(|(t, item, day)| Edit::NewProblem { t, item, day }),
        4 => (0usize..64, 0usize..4, 0usize..4, prop::option::of(any::<bool>()), 0u16..5000).prop_map(|(p, from, to, verified, t)| Edit::Event { p, from, to, verified, t }),
        1 => (0usize..256).prop_map(|e| Edit::DeleteEvent { e }),
        1 => (0usize..8).prop_map(|t| Edit::RenameTarget { t }),
        1 => (0usize..8, 0usize..10).prop_map(|(t, county)| Edit::MoveTarget { t, county }),
        1 => (0usize..8).prop_map(|t| Edit::DeleteTarget { t }),
        1 => (0usize..10).prop_map(|c| Edit::RenameCounty { c }),
        1 => (0usize..21).prop_map(|item| Edit::RenameItem { item }),
        1 => (0u8..250).prop_map(|day| Edit::Today { day }),
    ]
}

fn ids_of(r: &Replica, kind: &str) -> Vec<String> {
    r.docs().filter(|d| d.kind == kind).map(|d| d.id.clone()).collect()
}

fn pick(v: &[String], i: usize) -> Option<&String> {
    (!v.is_empty()).then(|| &v[i % v.len()])
}

/// Applies one edit through the replica; returns the changed docs.
fn run(r: &mut Replica, e: &Edit, n: u64, today: &mut chrono::NaiveDate) -> Vec<Doc> {
    let problems = ids_of(r, Problem::KIND);
    let targets = ids_of(r, Target::KIND);
    let items = ids_of(r, ChecklistItem::KIND);
    let now = 1_700_000_000_000 + n;
    let base = date(2020, 2, 1);
    let load_p = |r: &Replica, id: &String| r.doc(id).and_then(|d| Problem::from_doc(d).ok());
    let change = match e {
        Edit::ProblemDeadline { p, days } => pick(&problems, *p).and_then(|id| load_p(r, id)).map(|mut x| {
            x.deadline = days.map(|d| x.opened_on + chrono::Days::new(d as u64));
            r.stage_save(&[x], now)
        }),
        Edit::ProblemTarget { p, t } => pick(&problems, *p).and_then(|id| load_p(r, id)).zip(pick(&targets, *t)).map(|(mut x, t)| {
            x.target_id = t.clone();
            r.stage_save(&[x], now)
        }),
        Edit::ProblemItem { p, item } => pick(&problems, *p).and_then(|id| load_p(r, id)).map(|mut x| {
            x.item_id = item.and_then(|i| pick(&items, i).cloned());
            r.stage_save(&[x], now)
        }),
        Edit::ProblemOpened { p, day } => pick(&problems, *p).and_then(|id| load_p(r, id)).map(|mut x| {
            x.opened_on = base + chrono::Days::new(*day as u64);
            r.stage_save(&[x], now)
        }),
        Edit::ProblemOwner { p, empty } => pick(&problems, *p).and_then(|id| load_p(r, id)).map(|mut x| {
            x.responsible_person = if *empty { String::new() } else { "杨 虹".into() };
            r.stage_save(&[x], now)
        }),
        Edit::DeleteProblem { p } => pick(&problems, *p).map(|id| r.stage_delete(&[id.as_str()], now)),
        Edit::RestoreProblem { p } => pick(&problems, *p).and_then(|id| r.doc(id)).map(|d| {
            let mut clock = r.clock().clone();
            let st = clock.tick(now);
            duzhan::core::replica::Change { docs: vec![d.set_deleted(false, &st)], clock }
        }),
        Edit::NewProblem { t, item, day } => pick(&targets, *t).map(|t| {
            let mut p = problem(&format!("new-{n}"), t, None, base + chrono::Days::new(*day as u64));
            p.item_id = pick(&items, *item).cloned();
            r.stage_save(&[p], now)
        }),
        Edit::Event { p, from, to, verified, t } => pick(&problems, *p).map(|pid| {
            let e = event(&format!("ev-{n}"), pid, at(2020, 3, 1) + *t as u64 * 3_600_000, ProblemStatus::ALL[*from], ProblemStatus::ALL[*to], *verified);
            r.stage_save(&[e], now)
        }),
        Edit::DeleteEvent { e } => pick(&ids_of(r, ProblemEvent::KIND), *e).map(|id| r.stage_delete(&[id.as_str()], now)),
        Edit::RenameTarget { t } => pick(&targets, *t).and_then(|id| r.doc(id)).and_then(|d| Target::from_doc(d).ok()).map(|mut x| {
            x.name = format!("{}{n}", x.name);
            r.stage_save(&[x], now)
        }),
        Edit::MoveTarget { t, county } => pick(&targets, *t).and_then(|id| r.doc(id)).and_then(|d| Target::from_doc(d).ok()).map(|mut x| {
            x.county_id = format!("gen-county-{county:02}");
            r.stage_save(&[x], now)
        }),
        Edit::DeleteTarget { t } => pick(&targets, *t).map(|id| r.stage_delete(&[id.as_str()], now)),
        Edit::RenameCounty { c } => r.doc(&format!("gen-county-{c:02}")).and_then(|d| County::from_doc(d).ok()).map(|mut x| {
            x.name = format!("{}{n}", x.name);
            r.stage_save(&[x], now)
        }),
        Edit::RenameItem { item } => {
            pick(&items, *item).map(|id| stage_rename_item(r, id, &format!("检查项{n}"), None, now).unwrap_or_else(|_| r.stage_save::<ChecklistItem>(&[], now)))
        }
        Edit::Today { day } => {
            *today = base + chrono::Days::new(*day as u64);
            None
        }
    };
    match change {
        Some(c) => {
            r.apply(c.clone());
            c.docs
        }
        None => Vec::new(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases() / 4, .. ProptestConfig::default() })]

    /// Applying changes batch by batch gives exactly the index a rebuild gives.
    #[test]
    fn incremental_updates_equal_a_full_rebuild(seed in any::<u64>(), edits in prop::collection::vec(edit(), 1..40), batch in 1usize..6) {
        let docs = generate_campaign(seed, 8, 2, 48);
        let mut r = Replica::from_parts(docs.clone(), Hlc::new(DeviceId("d-p".into())));
        let mut today = date(2020, 6, 1);
        let mut index = LedgerIndex::build(r.docs(), today);
        let mut pending: Vec<Doc> = Vec::new();
        for (n, e) in edits.iter().enumerate() {
            pending.extend(run(&mut r, e, n as u64, &mut today));
            if (n + 1) % batch == 0 {
                index.apply(&pending);
                index.set_today(today);
                pending.clear();
            }
        }
        index.apply(&pending);
        index.set_today(today);
        let fresh = LedgerIndex::build(r.docs(), today);
        prop_assert_eq!(index.rows_by_id(), fresh.rows_by_id());
        for q in [
            LedgerQuery::default(),
            LedgerQuery { search: "户".into(), sort: LedgerSort::Target, ..Default::default() },
            LedgerQuery { filter: LedgerFilter { county: Some("gen-county-01".into()), status: StatusFilter::Unclosed, ..Default::default() }, sort: LedgerSort::Status, descending: true, ..Default::default() },
            LedgerQuery { filter: LedgerFilter { recurrence: true, ..Default::default() }, sort: LedgerSort::Opened, ..Default::default() },
        ] {
            let (a, b) = (index.query(&q), fresh.query(&q));
            prop_assert_eq!(index.page(&a, 0, a.total()), fresh.page(&b, 0, b.total()));
            prop_assert_eq!(a.counts, b.counts);
            prop_assert_eq!(a.flags, b.flags);
        }
    }

    /// The order docs arrive in does not matter.
    #[test]
    fn building_from_docs_in_any_order_gives_the_same_ledger(seed in any::<u64>(), perm in any::<u64>()) {
        let docs = generate_campaign(seed, 6, 3, 60);
        let mut shuffled = docs.clone();
        let mut s = perm;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        let a = LedgerIndex::build(&docs, date(2020, 8, 1));
        let b = LedgerIndex::build(&shuffled, date(2020, 8, 1));
        prop_assert_eq!(a.rows_by_id(), b.rows_by_id());
    }
}
