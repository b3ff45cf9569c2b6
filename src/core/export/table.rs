//! 州级定点挂牌督战表 as a sheet, laid out like the plan's attachment.
//!
//! Layout, as in 楚贫组发〔2020〕3号's 附件:
//!
//! ```text
//!  row 1   州级定点挂牌督战表                                   (merged A1:H1)
//!  row 2   序号 | 督战县 | 剩余贫困人口超过1000人 | … | 州级领导 | 督战小分队部门牵头人
//!  row 3   1    | 武定县 | 3071人 |   | 武定县城红土田安置点 |   | 杨斌 李林波 | 马国雄 罗文慧
//!  row 4   ┆    | ┆      |        | 高桥镇小河村委会 | …
//!  row 5   ┆    | ┆      |        |   |   | 狮山镇西河安置点 | 赵克义 | 向勇
//! ```
//!
//! One body row per row of [`Snapshot::supervision_table`]; 序号 and 督战县 are
//! merged vertically over a county's rows (A3:A5 and B3:B5 for 武定县). The
//! remaining-poor figure is a number shown as "3071人" (see the module doc of
//! [`export`](super)); the sites are their labels, as in the plan; several targets
//! in one cell are one per line; names are joined by a space, as the plan writes
//! them, from the canonical person records (so "杨 虹" reads 杨虹). Under the table,
//! after a blank row, the xlsx notes 导出日期 with the export day as a real date
//! (row 15 for the seed: label A15:B15, date in C15).

use super::sheet::{Cell, Range, Sheet};
use crate::core::i18n::{t, Lang, K};
use crate::core::model::Metric;
use crate::core::snapshot::{format_figure, Snapshot, TableCell};
use chrono::NaiveDate;

/// The footer label of the export day.
pub const EXPORT_DAY_LABEL: &str = "导出日期";

/// The sheet (tab) name and title.
pub fn table_title() -> &'static str {
    t(Lang::Zh, K::TableTitle)
}

/// The eight column headers of the plan's attachment, in order.
pub fn table_headers() -> [&'static str; 8] {
    [K::ColSeq, K::ColCounty, K::ColRemaining, K::ColVillage, K::ColRelocation, K::ColHydro, K::ColLeaders, K::ColSquadLeads].map(|k| t(Lang::Zh, k))
}

/// The 督战表 of a snapshot, ready for CSV or xlsx. `as_of` is the export day,
/// noted under the table in the xlsx (导出日期) as a real date: a printed table
/// must say when its figures were taken.
pub fn supervision_table_sheet(s: &Snapshot, as_of: NaiveDate) -> Sheet {
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut merges = Vec::new();
    for block in s.supervision_table() {
        let first = rows.len() as u32;
        let n = block.rows.len() as u32;
        for (i, row) in block.rows.into_iter().enumerate() {
            let head = if i == 0 {
                [Cell::number(f64::from(block.county.seq)), Cell::text(block.county.name.clone())]
            } else {
                // Covered by the merge: Excel shows the top cell; CSV repeats it.
                [Cell::Empty, Cell::Empty]
            };
            let [seq, county] = head;
            rows.push(vec![
                seq,
                county,
                figures_cell(&row.remaining_poor),
                labels_cell(&row.villages),
                labels_cell(&row.relocation_sites),
                labels_cell(&row.hydropower_sites),
                Cell::text(row.leaders.join(" ")),
                Cell::text(row.squad_leads.join(" ")),
            ]);
        }
        if n > 1 {
            merges.push(Range::column_span(0, first, first + n - 1));
            merges.push(Range::column_span(1, first, first + n - 1));
        }
    }
    let mut sheet = Sheet {
        name: table_title().to_owned(),
        title: vec![table_title().to_owned()],
        header: table_headers().iter().map(|h| (*h).to_owned()).collect(),
        rows,
        merges,
        widths: Vec::new(),
        autofilter: false,
        footer: vec![(EXPORT_DAY_LABEL.to_owned(), Cell::Date(as_of))],
    };
    // Narrow 序号, site columns wide enough for the longest site name; the long
    // headers wrap rather than widen their columns.
    sheet.fit_widths(6.0, 30.0, &[(0, 6.0), (2, 14.0)]);
    sheet
}

/// The remaining-poor column: one figure is a number cell ("3071人"); several are
/// text, one per line; none is empty.
fn figures_cell(cells: &[TableCell]) -> Cell {
    let figures: Vec<f64> = cells.iter().filter_map(|c| c.figure).filter(|v| v.is_finite()).collect();
    match figures.as_slice() {
        [] => Cell::Empty,
        [v] => Cell::people(*v),
        many => Cell::text(many.iter().map(|v| format_figure(Metric::RemainingPoor, *v)).collect::<Vec<_>>().join("\n")),
    }
}

fn labels_cell(cells: &[TableCell]) -> Cell {
    Cell::text(cells.iter().map(|c| c.label.as_str()).collect::<Vec<_>>().join("\n"))
}
