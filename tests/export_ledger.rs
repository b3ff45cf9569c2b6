//! The ledger export: rows of a ledger view, as the office gets them — exact CSV
//! for a small ledger that carries every flag, a closed problem, and text that a
//! spreadsheet would evaluate.

mod fieldwork_support;

use duzhan::core::default_plan;
use duzhan::core::doc::Doc;
use duzhan::core::export::ledger::{LEDGER_HEADERS, LEDGER_TITLE};
use duzhan::core::export::{ledger_sheet, to_csv, Cell};
use duzhan::core::fieldwork::checklist::default_checklist_docs;
use duzhan::core::fieldwork::ledger::{LedgerIndex, LedgerQuery};
use duzhan::core::fieldwork::problem::ProblemStatus::*;
use duzhan::core::fieldwork::{Problem, ProblemSource};
use fieldwork_support::*;

// One argument per column of the fixture table below: reads as the ledger does.
#[allow(clippy::too_many_arguments)]
fn problem(
    id: &str,
    target: &str,
    item: Option<&str>,
    source: ProblemSource,
    desc: &str,
    owner: (&str, &str),
    deadline: Option<(u32, u32)>,
    opened: (u32, u32),
) -> Problem {
    Problem {
        id: id.into(),
        target_id: target.into(),
        item_id: item.map(|i| format!("seed-ck-{i}")),
        source,
        description: desc.into(),
        responsible_unit: owner.0.into(),
        responsible_person: owner.1.into(),
        deadline: deadline.map(|(m, d)| date(2020, m, d)),
        visit_id: None,
        opened_on: date(2020, opened.0, opened.1),
    }
}

/// Four problems: one closed (pa), one repeating it (pb, 屡改屡犯), one without an
/// owner or deadline whose description starts with "=" (pc, 只督不战), one overdue
/// and in progress (pd). Today is 2020-06-15.
fn ledger_rows() -> Vec<duzhan::core::fieldwork::LedgerRow> {
    let mut docs: Vec<Doc> = default_plan::docs();
    docs.extend(default_checklist_docs());
    let problems = [
        problem("pa", "seed-target-hongtutian", Some("housing"), ProblemSource::Audit, "危房未拆除", ("州住建局", "张三"), Some((3, 31)), (2, 20)),
        problem(
            "pb",
            "seed-target-hongtutian",
            Some("housing"),
            ProblemSource::Supervision,
            "旧房又有人居住，拆除不彻底",
            ("州住建局", "张三"),
            Some((7, 31)),
            (4, 1),
        ),
        problem("pc", "seed-target-xiaohe", Some("education"), ProblemSource::ProblemScreening, "=1+1 辍学学生, 未劝返", ("", ""), None, (5, 10)),
        problem(
            "pd",
            "seed-target-wuding",
            None,
            ProblemSource::CentralInspection,
            "帮扶措施与“户户清”要求不符",
            ("武定县扶贫办", "李四"),
            Some((6, 10)),
            (5, 1),
        ),
    ];
    docs.extend(problems.iter().map(|p| doc(p, 1)));
    docs.extend(closing_history("pa", at(2020, 3, 1)).iter().map(|e| doc(e, 1)));
    docs.push(doc(&event("pd-e1", "pd", at(2020, 5, 2), Open, InProgress, None), 1));
    let ix = LedgerIndex::build(&docs, date(2020, 6, 15));
    let view = ix.query(&LedgerQuery::default());
    ix.page(&view, 0, view.total())
}

const LEDGER_CSV: &str = "\u{feff}\
序号,县市,督战对象,检查项目,问题来源,问题描述,责任单位,责任人,整改时限,状态,登记日期,销号日期,核验人,逾期,只督不战,屡改屡犯,照片,问题编号\r\n\
1,武定县,武定县城红土田安置点,3.5 住房安全,审计,危房未拆除,州住建局,张三,2020-03-31,已销号,2020-02-20,2020-03-03,核验人,否,否,否,3,pa\r\n\
2,武定县,武定县,,中央专项巡视“回头看”反馈,帮扶措施与“户户清”要求不符,武定县扶贫办,李四,2020-06-10,整改中,2020-05-01,,,是,否,否,0,pd\r\n\
3,武定县,武定县城红土田安置点,3.5 住房安全,督战发现,旧房又有人居住，拆除不彻底,州住建局,张三,2020-07-31,待整改,2020-04-01,,,否,否,是,0,pb\r\n\
4,武定县,武定县高桥镇小河村委会,3.3 义务教育（控辍保学）,问题大排查,\"'=1+1 辍学学生, 未劝返\",,,,待整改,2020-05-10,,,否,是,否,0,pc\r\n";

/// Photos per problem as the UI counts them (`fieldwork::photo::photos_of_problem`): three on the closed one.
fn photos(r: &duzhan::core::fieldwork::LedgerRow) -> usize {
    if r.id == "pa" {
        3
    } else {
        0
    }
}

#[test]
fn the_ledger_view_as_csv_has_chinese_headers_dates_flags_and_the_formula_guard() {
    let csv = to_csv(&ledger_sheet(&ledger_rows(), date(2020, 6, 15), photos));
    if csv != LEDGER_CSV {
        for (i, (got, want)) in csv.split("\r\n").zip(LEDGER_CSV.split("\r\n")).enumerate() {
            assert_eq!(got, want, "line {}", i + 1);
        }
        assert_eq!(csv, LEDGER_CSV);
    }
}

#[test]
fn the_ledger_sheet_has_a_title_a_dated_count_and_real_dates() {
    let s = ledger_sheet(&ledger_rows(), date(2020, 6, 15), photos);
    assert_eq!(s.name, LEDGER_TITLE);
    assert_eq!(s.title, ["挂牌督战台账", "截至2020-06-15，共4条"]);
    assert_eq!(s.header, LEDGER_HEADERS);
    assert!(s.autofilter);
    assert_eq!(s.all_merges().iter().map(|m| m.a1()).collect::<Vec<_>>(), ["A1:R1", "A2:R2"]);
    // 整改时限, 登记日期 and 销号日期 are dates, not text.
    assert_eq!(s.cell(0, 8), &Cell::Date(date(2020, 3, 31)));
    assert_eq!(s.cell(0, 10), &Cell::Date(date(2020, 2, 20)));
    assert_eq!(s.cell(0, 11), &Cell::Date(date(2020, 3, 3)));
    assert_eq!(s.cell(1, 11), &Cell::Empty);
    // 照片 is a number, so Excel sums and filters it.
    assert_eq!((s.cell(0, 16), s.cell(1, 16)), (&Cell::number(3.0), &Cell::number(0.0)));
    assert_eq!(s.cell(3, 5), &Cell::text("=1+1 辍学学生, 未劝返"), "kept as text; guarded only when written");
    assert!(s.cell(3, 5).is_formula_like());
    assert_eq!(s.widths.len(), LEDGER_HEADERS.len());
    s.validate().expect("valid for Excel");
}

#[test]
fn an_empty_view_exports_the_header_alone() {
    let s = ledger_sheet(&[], date(2020, 6, 15), photos);
    assert_eq!(s.cell(0, 16), &Cell::Empty);
    assert_eq!(s.title[1], "截至2020-06-15，共0条");
    assert_eq!(to_csv(&s), format!("\u{feff}{}\r\n", LEDGER_HEADERS.join(",")));
    s.validate().expect("valid");
}
