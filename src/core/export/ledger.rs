//! The ledger (挂牌督战台账) as a sheet: one row per problem, in the order given.
//!
//! The caller passes the rows of the ledger view as the user sees it (filters,
//! search and sort applied — `LedgerIndex::page(&view, 0, view.total())`), so the
//! file holds what was on screen. Columns, left to right:
//!
//! 序号, 县市, 督战对象, 检查项目, 问题来源, 问题描述, 责任单位, 责任人,
//! 整改时限 (date), 状态, 登记日期 (date), 销号日期 (date), 核验人,
//! 逾期, 只督不战, 屡改屡犯 (是/否), 照片 (photos before and after rectification,
//! a count), 问题编号.
//!
//! Flags are "是"/"否" rather than blank, so Excel's filter offers both. 问题编号
//! is the record id: it lets the office refer back to one problem unambiguously.
//! Overdue is as of the day the ledger was computed for (`as_of`).

use super::sheet::{Cell, Sheet};
use crate::core::calendar::date_of_ms;
use crate::core::fieldwork::ledger::LedgerRow;
use crate::core::i18n::Lang;
use chrono::NaiveDate;

/// The sheet (tab) name and title.
pub const LEDGER_TITLE: &str = "挂牌督战台账";

/// The column headers, in order.
pub const LEDGER_HEADERS: [&str; 18] = [
    "序号",
    "县市",
    "督战对象",
    "检查项目",
    "问题来源",
    "问题描述",
    "责任单位",
    "责任人",
    "整改时限",
    "状态",
    "登记日期",
    "销号日期",
    "核验人",
    "逾期",
    "只督不战",
    "屡改屡犯",
    "照片",
    "问题编号",
];

/// The ledger rows as a sheet. `as_of` is the day overdue was judged on; it appears
/// in the subtitle with the number of problems. `photos` counts a row's photos
/// (`fieldwork::photo::photos_of_problem`: the problem's and its events').
pub fn ledger_sheet(rows: &[LedgerRow], as_of: NaiveDate, photos: impl Fn(&LedgerRow) -> usize) -> Sheet {
    let body = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let item = match (r.item_code.as_str(), r.item_title.as_str()) {
                ("", title) => title.to_owned(),
                (code, "") => code.to_owned(),
                (code, title) => format!("{code} {title}"),
            };
            vec![
                Cell::number((i + 1) as f64),
                Cell::text(r.county_name.clone()),
                Cell::text(r.target_label.clone()),
                Cell::text(item),
                Cell::text(r.source.label(Lang::Zh)),
                Cell::text(r.description.clone()),
                Cell::text(r.responsible_unit.clone()),
                Cell::text(r.responsible_person.clone()),
                Cell::date(r.deadline),
                Cell::text(r.status.label(Lang::Zh)),
                Cell::Date(r.opened_on),
                Cell::date(r.closed_at_ms.map(date_of_ms)),
                Cell::text(r.closed_by.clone().unwrap_or_default()),
                yes_no(r.overdue),
                yes_no(r.without_owner),
                yes_no(r.recurrence_of.is_some()),
                Cell::number(photos(r) as f64),
                Cell::text(r.id.clone()),
            ]
        })
        .collect();
    let mut sheet = Sheet {
        name: LEDGER_TITLE.to_owned(),
        title: vec![LEDGER_TITLE.to_owned(), format!("截至{}，共{}条", as_of, rows.len())],
        header: LEDGER_HEADERS.iter().map(|h| (*h).to_owned()).collect(),
        rows: body,
        merges: Vec::new(),
        widths: Vec::new(),
        autofilter: true,
        footer: Vec::new(),
    };
    // The description wraps within a wide column; dates fit "2020-06-30".
    sheet.fit_widths(6.0, 24.0, &[(3, 20.0), (5, 50.0), (17, 30.0)]);
    sheet
}

fn yes_no(b: bool) -> Cell {
    Cell::text(if b { "是" } else { "否" })
}
