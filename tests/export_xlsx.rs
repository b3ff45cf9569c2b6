//! The xlsx writer of the export worker (src/bin/xlsx_worker/render.rs), run
//! natively: the written file is unzipped and its sheet XML checked — merges,
//! real numbers and dates with their formats, shared strings, no formulas.
//! (tests/e2e/export.test.mjs reads the browser's download with a real xlsx reader.)

#[path = "../src/bin/xlsx_worker/render.rs"]
mod render;

use chrono::NaiveDate;
use duzhan::core::default_plan;
use duzhan::core::export::{ledger_sheet, supervision_table_sheet, Cell, Sheet, SheetError, Workbook};
use duzhan::core::snapshot::Snapshot;
use render::write_xlsx;
use std::io::{Cursor, Read};

/// 2020-06-01 00:00:00 UTC.
const CREATED_MS: u64 = 1_590_969_600_000;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("test date")
}

/// The parts of a written file, by name.
fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, String> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).expect("an xlsx is a zip");
    let mut out = std::collections::BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).expect("entry");
        let mut s = String::new();
        f.read_to_string(&mut s).expect("xml is utf-8");
        let name = f.name().expect("entry name").to_string();
        out.insert(name, s);
    }
    out
}

/// The XML of cell `r` (e.g. "C3") in a sheet's XML.
fn cell<'a>(sheet_xml: &'a str, r: &str) -> &'a str {
    let start = sheet_xml.find(&format!("<c r=\"{r}\"")).unwrap_or_else(|| panic!("no cell {r}"));
    let rest = &sheet_xml[start..];
    let self_closing = rest.find("/>").unwrap_or(usize::MAX);
    let closing = rest.find("</c>").map_or(usize::MAX, |e| e + 4);
    let first_gt = rest.find('>').unwrap_or(0);
    // `<c .../>` when the first '>' closes the tag itself.
    if self_closing != usize::MAX && self_closing + 1 == first_gt {
        &rest[..first_gt + 1]
    } else {
        &rest[..closing]
    }
}

/// The shared strings, in index order.
fn shared_strings(parts: &std::collections::BTreeMap<String, String>) -> Vec<String> {
    let xml = &parts["xl/sharedStrings.xml"];
    xml.split("<si>")
        .skip(1)
        .map(|si| si.split("<t").nth(1).and_then(|t| t.split_once('>')).map(|(_, rest)| rest.split("</t>").next().unwrap_or("").to_owned()).unwrap_or_default())
        .collect()
}

/// The text of a string cell.
fn string_at(parts: &std::collections::BTreeMap<String, String>, sheet: &str, r: &str) -> String {
    let c = cell(&parts[sheet], r);
    assert!(c.contains("t=\"s\""), "{r} is not a string cell: {c}");
    let ix: usize = c.split("<v>").nth(1).and_then(|v| v.split("</v>").next()).and_then(|v| v.parse().ok()).expect("index");
    shared_strings(parts)[ix].clone()
}

fn value_at(parts: &std::collections::BTreeMap<String, String>, sheet: &str, r: &str) -> String {
    let c = cell(&parts[sheet], r);
    c.split("<v>").nth(1).and_then(|v| v.split("</v>").next()).unwrap_or_else(|| panic!("{r} has no value: {c}")).to_owned()
}

fn seed_table_book() -> Workbook {
    let docs = default_plan::docs();
    Workbook::single(supervision_table_sheet(&Snapshot::from_docs(&docs), date(2020, 6, 1)), "第一督战小分队", CREATED_MS)
}

const SHEET1: &str = "xl/worksheets/sheet1.xml";

#[test]
fn the_seed_table_is_written_with_its_merges_title_and_headers() {
    let parts = unzip(&write_xlsx(&seed_table_book()).expect("writes"));
    let xml = &parts[SHEET1];
    let merges: Vec<&str> = xml.split("<mergeCell ref=\"").skip(1).map(|m| m.split('"').next().unwrap_or("")).collect();
    let mut sorted = merges.clone();
    sorted.sort();
    assert_eq!(sorted, ["A10:A12", "A15:B15", "A1:H1", "A3:A5", "B10:B12", "B3:B5"]);
    assert!(parts["xl/workbook.xml"].contains("name=\"州级定点挂牌督战表\""), "the tab is named after the table");
    assert_eq!(string_at(&parts, SHEET1, "A1"), "州级定点挂牌督战表");
    let headers: Vec<String> = ["A2", "B2", "C2", "D2", "E2", "F2", "G2", "H2"].iter().map(|r| string_at(&parts, SHEET1, r)).collect();
    assert_eq!(headers[0], "序号");
    assert_eq!(headers[2], "剩余贫困人口超过1000人");
    assert_eq!(headers[7], "督战小分队部门牵头人");
    assert_eq!(string_at(&parts, SHEET1, "B3"), "武定县");
    assert_eq!(string_at(&parts, SHEET1, "D4"), "高桥镇小河村委会");
    assert_eq!(string_at(&parts, SHEET1, "G4"), "迟中华 杨虹 李林波");
    assert_eq!(string_at(&parts, SHEET1, "G13"), "潘红伟 杨虹");
    assert_eq!(string_at(&parts, SHEET1, "H13"), "尹豪");
    assert!(!shared_strings(&parts).iter().any(|s| s.contains("杨 虹") || s.contains("尹 豪")), "no stray spaces in names");
}

#[test]
fn seq_and_figures_are_numbers_and_the_figure_shows_in_people() {
    let parts = unzip(&write_xlsx(&seed_table_book()).expect("writes"));
    let xml = &parts[SHEET1];
    assert_eq!(value_at(&parts, SHEET1, "A3"), "1");
    assert!(!cell(xml, "A3").contains("t=\""), "序号 is a number: {}", cell(xml, "A3"));
    assert_eq!(value_at(&parts, SHEET1, "C3"), "3071");
    assert!(!cell(xml, "C3").contains("t=\""), "the figure is a number: {}", cell(xml, "C3"));
    assert_eq!(value_at(&parts, SHEET1, "C6"), "1189");
    assert!(parts["xl/styles.xml"].contains("formatCode=\"0&quot;人&quot;\""), "shown as 3071人");
    // Cells under a merge hold no value of their own.
    assert!(!cell(xml, "A4").contains("<v>"));
    // Under the table, after a blank row: 导出日期 and the day as a real date
    // (2020-06-01 is Excel serial 43983).
    assert_eq!(string_at(&parts, SHEET1, "A15"), "导出日期");
    assert_eq!(value_at(&parts, SHEET1, "C15"), "43983");
    assert!(parts["xl/styles.xml"].contains("formatCode=\"yyyy-mm-dd\""));
}

#[test]
fn ledger_dates_are_real_dates_and_formula_like_text_stays_text() {
    use duzhan::core::fieldwork::{LedgerRow, ProblemSource, ProblemStatus};
    let row = LedgerRow {
        id: "pb-1".into(),
        target_id: "seed-target-xihe".into(),
        target_label: "武定县狮山镇西河安置点".into(),
        county_id: Some("seed-county-wuding".into()),
        county_name: "武定县".into(),
        item_id: None,
        item_code: String::new(),
        item_title: String::new(),
        source: ProblemSource::Audit,
        description: "=HYPERLINK(\"http://example.invalid\",\"点我\")".into(),
        responsible_unit: "+州水务局".into(),
        responsible_person: "@某人".into(),
        deadline: Some(date(2020, 3, 31)),
        opened_on: date(2020, 2, 29),
        visit_id: None,
        status: ProblemStatus::Open,
        closed_at_ms: None,
        closed_by: None,
        last_event_ms: None,
        overdue: true,
        without_owner: false,
        recurrence_of: None,
        history_conflicts: 0,
    };
    let book = Workbook::single(ledger_sheet(&[row], date(2020, 6, 1), |_| 2), "", CREATED_MS);
    let parts = unzip(&write_xlsx(&book).expect("writes"));
    let xml = &parts[SHEET1];
    // Title, subtitle, header on rows 1–3; the problem on row 4. 整改时限 is column I,
    // 登记日期 column K: Excel serials (2020-03-31 = 43921, 2020-02-29 = 43890).
    assert_eq!(value_at(&parts, SHEET1, "I4"), "43921");
    assert_eq!(value_at(&parts, SHEET1, "K4"), "43890");
    assert_eq!(value_at(&parts, SHEET1, "Q4"), "2", "照片, a number");
    assert!(parts["xl/styles.xml"].contains("formatCode=\"yyyy-mm-dd\""));
    assert!(!xml.contains("<f>") && !xml.contains("<f "), "no formulas at all");
    assert_eq!(string_at(&parts, SHEET1, "F4"), "=HYPERLINK(\"http://example.invalid\",\"点我\")");
    assert_eq!(string_at(&parts, SHEET1, "G4"), "+州水务局");
    assert!(parts["xl/styles.xml"].contains("quotePrefix=\"1\""), "guarded text is quote-prefixed");
    assert!(xml.contains("<autoFilter ref=\"A3:R4\""), "filter buttons on the header");
    assert!(xml.contains("<pane ySplit=\"3\""), "header frozen");
}

#[test]
fn the_document_properties_come_from_the_request_and_the_file_is_reproducible() {
    let book = seed_table_book();
    let a = write_xlsx(&book).expect("writes");
    let b = write_xlsx(&book).expect("writes");
    assert_eq!(a, b, "same request, same bytes");
    let core = &unzip(&a)["docProps/core.xml"];
    assert!(core.contains("<dc:creator>第一督战小分队</dc:creator>"), "{core}");
    assert!(core.contains("2020-06-01T00:00:00Z"), "{core}");
}

#[test]
fn a_request_excel_would_refuse_comes_back_as_a_typed_error() {
    let bad = Sheet {
        name: "a/b".into(),
        title: vec![],
        header: vec!["x".into()],
        rows: vec![vec![Cell::Empty]],
        merges: vec![],
        widths: vec![],
        autofilter: false,
        footer: vec![],
    };
    assert_eq!(write_xlsx(&Workbook::single(bad, "", 0)), Err(SheetError::BadSheetName("a/b".into())));
    assert_eq!(write_xlsx(&Workbook { sheets: vec![], author: String::new(), created_ms: 0 }), Err(SheetError::NoSheets));
}
