//! The monthly cycle as sheets: who has reported ([`reporting_status_sheet`]) and a
//! month's roll-up ([`rollup_sheet`]), for the office's 汇总 to 州委/州政府.

use super::sheet::{Cell, Sheet};
use crate::core::i18n::Lang;
use crate::core::model::Metric;
use crate::core::report::{Board, MonthFigures, MonthRollups, Subject};
use crate::core::snapshot::Snapshot;
use chrono::NaiveDate;

const STATUS_HEADERS: [&str; 8] = ["序号", "报送单位", "所属县市", "类别", "报告状态", "报送日期", "是否按时", "反馈日期"];

/// The monthly board as a sheet (as judged on `as_of`).
pub fn reporting_status_sheet(board: &Board, as_of: NaiveDate) -> Sheet {
    let s = board.summary;
    let rows = board
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            vec![
                Cell::number((i + 1) as f64),
                Cell::text(r.party.label.clone()),
                Cell::text(r.party.county_name.clone()),
                Cell::text(match r.party.subject {
                    Subject::County(_) => "县市",
                    Subject::Target(_) => "州级督战对象",
                }),
                Cell::text(r.status.map_or("未填写", |st| st.label(Lang::Zh))),
                Cell::date(r.submitted_on),
                Cell::text(r.timeliness.label(Lang::Zh)),
                Cell::date(r.feedback_on),
            ]
        })
        .collect();
    let title = format!("{}督战情况报送情况", board.month.label(Lang::Zh));
    let mut sheet = Sheet {
        name: "报送情况".to_owned(),
        title: vec![
            title,
            format!(
                "报送截止{}；应报{}，已报{}，按时{}，逾期报送{}，未报{}，已反馈{}（截至{}）",
                board.due, s.expected, s.received, s.on_time, s.late, s.missing, s.feedback_given, as_of
            ),
        ],
        header: STATUS_HEADERS.iter().map(|h| (*h).to_owned()).collect(),
        rows,
        merges: Vec::new(),
        widths: Vec::new(),
        autofilter: true,
        footer: Vec::new(),
    };
    sheet.fit_widths(6.0, 30.0, &[]);
    sheet
}

const ROLLUP_HEADERS: [&str; 21] = [
    "序号",
    "单位",
    "督战对象数",
    "督战次数",
    "定点督战",
    "日常督战",
    "暗访督战",
    "走访户数",
    "达标",
    "未达标",
    "不适用",
    "达标率",
    "新发现问题",
    "本月销号",
    "月末未销号",
    "其中逾期",
    "其中只督不战",
    "屡改屡犯",
    "剩余贫困人口（基数）",
    "剩余贫困人口（现数）",
    "到期节点未完成",
];

fn figure_cells(i: usize, label: String, f: &MonthFigures) -> Vec<Cell> {
    let remaining = f.population.iter().find(|l| l.metric == Metric::RemainingPoor);
    let n = |v: u32| Cell::number(f64::from(v));
    vec![
        if i == 0 { Cell::Empty } else { Cell::number(i as f64) },
        Cell::text(label),
        n(f.targets),
        n(f.visits.total),
        n(f.visits.leader_fixed_point),
        n(f.visits.squad_routine),
        n(f.visits.unannounced),
        Cell::number(f.visits.households as f64),
        n(f.checks.pass),
        n(f.checks.fail),
        n(f.checks.not_applicable),
        Cell::text(f.checks.percent_text()),
        n(f.problems.opened),
        n(f.problems.closed),
        n(f.problems.open_at_end),
        n(f.problems.overdue),
        n(f.problems.without_owner),
        n(f.problems.recurrences),
        remaining.map_or(Cell::Empty, |l| Cell::people(l.then)),
        remaining.map_or(Cell::Empty, |l| Cell::people(l.now)),
        Cell::number(f.milestones_missed() as f64),
    ]
}

/// A month's roll-up as a sheet: the prefecture's by county, or a county's by
/// target, each with its 合计 row last.
pub fn rollup_sheet(r: &MonthRollups, snapshot: &Snapshot, county: Option<&str>) -> Sheet {
    let mut rows = Vec::new();
    let (scope, total) = match county.and_then(|c| snapshot.county(c)) {
        Some(c) => {
            for (i, t) in snapshot.targets.iter().filter(|t| t.county_id == c.id).enumerate() {
                if let Some(f) = r.targets.get(&t.id) {
                    rows.push(figure_cells(i + 1, snapshot.target_label(t), f));
                }
            }
            (c.name.clone(), r.counties.get(&c.id).cloned())
        }
        None => {
            for (i, c) in snapshot.counties.iter().enumerate() {
                if let Some(f) = r.counties.get(&c.id) {
                    rows.push(figure_cells(i + 1, c.name.clone(), f));
                }
            }
            ("全州".to_owned(), Some(r.prefecture.clone()))
        }
    };
    if let Some(t) = total {
        rows.push(figure_cells(0, "合计".to_owned(), &t));
    }
    let mut sheet = Sheet {
        name: "汇总".to_owned(),
        title: vec![format!("{}{}督战情况汇总", scope, r.period.month.label(Lang::Zh)), format!("数据截至{}", r.period.as_of)],
        header: ROLLUP_HEADERS.iter().map(|h| (*h).to_owned()).collect(),
        rows,
        merges: Vec::new(),
        widths: Vec::new(),
        autofilter: false,
        footer: Vec::new(),
    };
    sheet.fit_widths(6.0, 24.0, &[]);
    sheet
}
