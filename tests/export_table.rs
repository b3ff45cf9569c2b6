//! The 督战表 export: the plan's attachment (州级定点挂牌督战表) from the seed,
//! checked cell for cell as CSV and merge for merge as the sheet Excel gets.

use chrono::NaiveDate;
use duzhan::core::default_plan;
use duzhan::core::export::{supervision_table_sheet, to_csv, Cell, Sheet};
use duzhan::core::snapshot::Snapshot;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 6, 1).expect("date")
}

fn seed_sheet() -> Sheet {
    let docs = default_plan::docs();
    supervision_table_sheet(&Snapshot::from_docs(&docs), day())
}

/// The plan's attachment, one line per row, as the office gets it in CSV: 序号
/// and 督战县 repeated on each of a county's rows, names as the person records
/// spell them (杨虹, 尹豪 — the plan's "杨 虹" and "尹 豪" are stray spaces).
const SEED_TABLE_CSV: &str = "\u{feff}\
序号,督战县,剩余贫困人口超过1000人,贫困发生率超过10%的行政村,千人以上易地扶贫搬迁集中安置点,千人以上乌东德水电移民安置点,州级领导,督战小分队部门牵头人\r\n\
1,武定县,3071人,,武定县城红土田安置点,,杨斌 李林波,马国雄 罗文慧\r\n\
1,武定县,,高桥镇小河村委会,,,迟中华 杨虹 李林波,罗文慧 林昆\r\n\
1,武定县,,,,狮山镇西河安置点,赵克义,向勇\r\n\
2,南华县,1189人,,,,赵克义,起绍祥\r\n\
3,姚安县,1072人,,,,张士金,袁莹\r\n\
4,大姚县,,,大姚县城集中安置点,,徐东,罗志清\r\n\
5,双柏县,,,双柏县西城社区安置点,,李明,金正东\r\n\
6,元谋县,,,元谋县甘塘易地扶贫搬迁安置点,元谋县甘塘水电移民安置点,赵建华 李林波,黎明俊\r\n\
6,元谋县,,,,江边乡启宪安置点,周兴国,马炳尧\r\n\
6,元谋县,,,,瓦渣箐安置点,王建雄,张积昆\r\n\
7,禄丰县,,,禄丰县城思源小区安置点,,潘红伟 杨虹,尹豪\r\n";

#[test]
fn the_seed_table_as_csv_is_the_plans_attachment_row_for_row() {
    let csv = to_csv(&seed_sheet());
    if csv != SEED_TABLE_CSV {
        // Line by line, so a failure says which row differs.
        for (i, (got, want)) in csv.split("\r\n").zip(SEED_TABLE_CSV.split("\r\n")).enumerate() {
            assert_eq!(got, want, "line {}", i + 1);
        }
        assert_eq!(csv, SEED_TABLE_CSV);
    }
}

#[test]
fn seq_and_county_are_merged_over_each_countys_rows_and_the_title_over_all_columns() {
    let merges: Vec<String> = seed_sheet().all_merges().iter().map(|m| m.a1()).collect();
    // Title row 1, header row 2, 武定县 rows 3–5, 元谋县 rows 10–12; the one-row
    // counties need no merge. Row 14 is blank; the 导出日期 label spans A15:B15.
    assert_eq!(merges, ["A1:H1", "A3:A5", "B3:B5", "A10:A12", "B10:B12", "A15:B15"]);
}

#[test]
fn the_export_day_is_noted_under_the_table_as_a_date_and_kept_out_of_the_csv() {
    let s = seed_sheet();
    assert_eq!(s.footer, [("导出日期".to_owned(), Cell::Date(day()))]);
    assert_eq!(s.footer_row(0), 14, "0-based: row 15 in Excel");
    assert!(!to_csv(&s).contains("导出日期"));
}

#[test]
fn the_sheet_has_the_plans_title_and_eight_headers() {
    let s = seed_sheet();
    assert_eq!(s.name, "州级定点挂牌督战表");
    assert_eq!(s.title, ["州级定点挂牌督战表"]);
    assert_eq!(
        s.header,
        [
            "序号",
            "督战县",
            "剩余贫困人口超过1000人",
            "贫困发生率超过10%的行政村",
            "千人以上易地扶贫搬迁集中安置点",
            "千人以上乌东德水电移民安置点",
            "州级领导",
            "督战小分队部门牵头人",
        ]
    );
    assert_eq!(s.header_row(), 1);
    assert_eq!(s.body_row(0), 2);
    assert!(!s.autofilter, "a filter would split the merged county cells");
    s.validate().expect("valid for Excel");
}

#[test]
fn seq_is_a_number_and_the_remaining_poor_a_number_shown_in_people() {
    let s = seed_sheet();
    assert_eq!(s.cell(0, 0), &Cell::number(1.0));
    assert_eq!(s.cell(0, 2), &Cell::people(3071.0));
    assert_eq!(s.cell(0, 2).display(), "3071人");
    // Cells under a merge are empty in the sheet (Excel shows the top one).
    assert_eq!(s.cell(1, 0), &Cell::Empty);
    assert_eq!(s.cell(1, 1), &Cell::Empty);
    assert_eq!(s.shown_cell(2, 1), &Cell::text("武定县"));
}

#[test]
fn every_column_has_a_width_that_fits_within_bounds() {
    let s = seed_sheet();
    assert_eq!(s.widths.len(), 8);
    assert_eq!(s.widths[0], 6.0, "序号 stays narrow");
    for w in &s.widths {
        assert!((6.0..=30.0).contains(w), "{w}");
    }
    // The longest site name (元谋县甘塘易地扶贫搬迁安置点, 14 characters) fits.
    assert!(s.widths[4] >= 28.0 + 2.0, "{}", s.widths[4]);
}

#[test]
fn a_county_without_prefecture_targets_still_has_its_row() {
    use duzhan::core::doc::Entity;
    use duzhan::core::model::County;
    let mut docs = default_plan::docs();
    let c = County { id: "c-new".into(), seq: 8, name: "永仁县".into() };
    let st = duzhan::core::clock::Stamp::seed();
    docs.push(duzhan::core::doc::Doc::edit(None, County::KIND, &c.id, c.to_values(), &st).expect("doc"));
    let s = supervision_table_sheet(&Snapshot::from_docs(&docs), day());
    let last = s.rows.last().expect("rows");
    assert_eq!(last[0], Cell::number(8.0));
    assert_eq!(last[1], Cell::text("永仁县"));
    assert!(last[2..].iter().all(|c| *c == Cell::Empty));
    assert!(to_csv(&s).ends_with("8,永仁县,,,,,,\r\n"));
}
