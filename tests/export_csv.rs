//! CSV rendering and the sheet model's promises: BOM, RFC 4180 quoting, dates,
//! numbers as displayed, merged cells repeated, the formula guard, and the checks
//! that keep Excel from calling a file damaged.

use chrono::NaiveDate;
use duzhan::core::export::sheet::{column_name, formula_like, text_width, validate_sheet_name};
use duzhan::core::export::{to_csv, Cell, DeliveryError, ExportKind, FileFormat, Range, Sheet, SheetError, Workbook, XlsxRequest, XLSX_WIRE_VERSION};
use duzhan::core::i18n::Lang;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("test date")
}

fn sheet(header: &[&str], rows: Vec<Vec<Cell>>) -> Sheet {
    Sheet {
        name: "表".into(),
        title: vec!["标题".into()],
        header: header.iter().map(|h| (*h).to_owned()).collect(),
        rows,
        merges: vec![],
        widths: vec![],
        autofilter: false,
        footer: vec![],
    }
}

/// The one helper: a sheet's CSV, BOM included, equals `want` (lines joined by CRLF).
fn check(s: &Sheet, want: &[&str]) {
    let mut expected = String::from('\u{feff}');
    for l in want {
        expected.push_str(l);
        expected.push_str("\r\n");
    }
    assert_eq!(to_csv(s), expected);
}

#[test]
fn csv_starts_with_the_utf8_bom_and_ends_every_record_with_crlf() {
    let s = sheet(&["名称"], vec![vec![Cell::text("武定县")]]);
    let csv = to_csv(&s);
    assert_eq!(&csv.as_bytes()[..3], [0xEF, 0xBB, 0xBF]);
    assert_eq!(csv, "\u{feff}名称\r\n武定县\r\n");
}

#[test]
fn title_rows_are_not_in_the_csv() {
    check(&sheet(&["a"], vec![]), &["a"]);
}

#[test]
fn fields_with_commas_quotes_or_line_breaks_are_quoted_per_rfc_4180() {
    let s = sheet(
        &["a", "b", "c", "d", "e"],
        vec![vec![Cell::text("x,y"), Cell::text("他说\"好\""), Cell::text("一\n二"), Cell::text("回\r车"), Cell::text("平常 文本")]],
    );
    check(&s, &["a,b,c,d,e", "\"x,y\",\"他说\"\"好\"\"\",\"一\n二\",\"回\r车\",平常 文本"]);
}

#[test]
fn dates_are_iso_days_and_numbers_are_shown_with_their_unit() {
    let s = sheet(
        &["日期", "人数", "数", "小数", "空"],
        vec![vec![Cell::Date(date(2020, 6, 30)), Cell::people(3071.0), Cell::number(7.0), Cell::number(15.93), Cell::Empty]],
    );
    check(&s, &["日期,人数,数,小数,空", "2020-06-30,3071人,7,15.93,"]);
}

#[test]
fn short_rows_are_padded_to_the_header() {
    let s = sheet(&["a", "b", "c"], vec![vec![Cell::text("1")], vec![]]);
    check(&s, &["a,b,c", "1,,", ",,"]);
}

#[test]
fn text_that_a_spreadsheet_would_evaluate_gets_an_apostrophe() {
    let cases = ["=HYPERLINK(\"http://x\",\"点我\")", "+1", "-2", "@SUM(A1)", "\tx", "\ry"];
    let s = sheet(&["描述"], cases.iter().map(|c| vec![Cell::text(*c)]).collect());
    check(&s, &["描述", "\"'=HYPERLINK(\"\"http://x\"\",\"\"点我\"\")\"", "'+1", "'-2", "'@SUM(A1)", "'\tx", "\"'\ry\""]);
}

#[test]
fn numbers_and_dates_are_never_guarded_and_inner_signs_are_left_alone() {
    let s = sheet(&["a", "b", "c"], vec![vec![Cell::number(-3.0), Cell::text("a=b"), Cell::text("１＝１")]]);
    check(&s, &["a,b,c", "-3,a=b,１＝１"]);
    assert!(formula_like("=1") && formula_like("-") && !formula_like("") && !formula_like("x=1"));
}

#[test]
fn cells_under_a_merge_repeat_the_merged_value() {
    let mut s = sheet(
        &["序号", "县", "点"],
        vec![
            vec![Cell::number(1.0), Cell::text("武定县"), Cell::text("甲")],
            vec![Cell::Empty, Cell::Empty, Cell::text("乙")],
            vec![Cell::number(2.0), Cell::text("南华县"), Cell::text("丙")],
        ],
    );
    s.merges = vec![Range::column_span(0, 0, 1), Range::column_span(1, 0, 1)];
    check(&s, &["序号,县,点", "1,武定县,甲", "1,武定县,乙", "2,南华县,丙"]);
    assert_eq!(s.all_merges().iter().map(Range::a1).collect::<Vec<_>>(), ["A1:C1", "A3:A4", "B3:B4"]);
}

#[test]
fn column_names_follow_excel() {
    for (c, name) in [(0, "A"), (7, "H"), (25, "Z"), (26, "AA"), (51, "AZ"), (701, "ZZ"), (702, "AAA"), (16_383, "XFD")] {
        assert_eq!(column_name(c), name, "{c}");
    }
}

#[test]
fn chinese_characters_count_double_in_column_widths() {
    assert_eq!(text_width("武定县"), 6);
    assert_eq!(text_width("3071人"), 6);
    assert_eq!(text_width("一二\nabcdefg"), 7);
    let mut s = sheet(&["序号", "问题描述"], vec![vec![Cell::number(1.0), Cell::text("很".repeat(100))]]);
    s.fit_widths(6.0, 24.0, &[(1, 50.0)]);
    assert_eq!(s.widths, [6.0, 50.0]);
}

#[test]
fn what_excel_would_refuse_is_a_typed_error() {
    let ok = sheet(&["a", "b"], vec![vec![Cell::Empty, Cell::Empty], vec![Cell::Empty]]);
    ok.validate().expect("valid");

    type Case = (Sheet, fn(&SheetError) -> bool);
    let cases: Vec<Case> = vec![
        (Sheet { name: "a/b".into(), ..ok.clone() }, |e| matches!(e, SheetError::BadSheetName(_))),
        (Sheet { name: "x".repeat(32), ..ok.clone() }, |e| matches!(e, SheetError::BadSheetName(_))),
        (Sheet { header: vec![], ..ok.clone() }, |e| matches!(e, SheetError::BadColumnCount { .. })),
        (Sheet { rows: vec![vec![Cell::Empty; 3]], ..ok.clone() }, |e| matches!(e, SheetError::RowTooWide { row: 1, cells: 3, columns: 2, .. })),
        (Sheet { rows: vec![vec![Cell::text("长".repeat(32_768))]], ..ok.clone() }, |e| matches!(e, SheetError::TextTooLong { .. })),
        (Sheet { merges: vec![Range::column_span(0, 1, 2)], ..ok.clone() }, |e| matches!(e, SheetError::BadMerge { .. })),
        (Sheet { merges: vec![Range::column_span(0, 0, 0)], ..ok.clone() }, |e| matches!(e, SheetError::BadMerge { .. })),
        (Sheet { merges: vec![Range::column_span(0, 0, 1), Range { first_row: 1, first_col: 0, last_row: 1, last_col: 1 }], ..ok.clone() }, |e| {
            matches!(e, SheetError::MergesOverlap { .. })
        }),
        (Sheet { widths: vec![f64::NAN], ..ok.clone() }, |e| matches!(e, SheetError::BadColumnWidth { .. })),
        (Sheet { widths: vec![300.0], ..ok.clone() }, |e| matches!(e, SheetError::BadColumnWidth { .. })),
    ];
    for (i, (s, expected)) in cases.into_iter().enumerate() {
        let e = s.validate().expect_err(&format!("case {i} should fail"));
        assert!(expected(&e), "case {i}: {e:?}");
    }
    assert!(validate_sheet_name("History").is_err());
    assert!(validate_sheet_name("'x").is_err());
    assert!(validate_sheet_name("州级定点挂牌督战表").is_ok());

    let none = Workbook { sheets: vec![], author: String::new(), created_ms: 0 };
    assert_eq!(none.validate(), Err(SheetError::NoSheets));
    let twice = Workbook { sheets: vec![ok.clone(), Sheet { name: "表".into(), ..ok }], author: String::new(), created_ms: 0 };
    assert!(matches!(twice.validate(), Err(SheetError::DuplicateSheetName(_))));
}

#[test]
fn the_worker_request_round_trips_as_json_and_another_version_is_refused_with_its_id() {
    let s = sheet(&["日期", "人数"], vec![vec![Cell::Date(date(2020, 2, 29)), Cell::people(1881.0)]]);
    let req = XlsxRequest::new(7, Workbook::single(s, " 第一小分队 ", 1_590_969_600_000));
    assert_eq!(req.workbook.author, "第一小分队");
    let json = req.to_json();
    assert_eq!(XlsxRequest::from_json(&json).expect("reads back"), req);

    let old = json.replacen(&format!("\"version\":{XLSX_WIRE_VERSION}"), "\"version\":0", 1);
    assert_eq!(XlsxRequest::from_json(&old), Err((Some(7), SheetError::WireVersion { page: 0, worker: XLSX_WIRE_VERSION })));
    assert!(matches!(XlsxRequest::from_json("not json"), Err((None, SheetError::BadRequest(_)))));
    let broken = json.replacen("\"sheets\"", "\"sheetz\"", 1);
    assert!(matches!(XlsxRequest::from_json(&broken), Err((Some(7), SheetError::BadRequest(_)))));
}

#[test]
fn file_names_carry_the_kind_and_the_day() {
    let d = date(2020, 6, 1);
    assert_eq!(ExportKind::SupervisionTable.file_name(d, FileFormat::Xlsx), "督战表-2020-06-01.xlsx");
    assert_eq!(ExportKind::Ledger.file_name(d, FileFormat::Csv), "挂牌督战台账-2020-06-01.csv");
    assert_eq!(FileFormat::Csv.mime(), "text/csv;charset=utf-8");
}

#[test]
fn every_export_error_has_a_message_in_both_languages() {
    let sheet_errors = [
        SheetError::NoSheets,
        SheetError::BadSheetName("a/b".into()),
        SheetError::DuplicateSheetName("表".into()),
        SheetError::BadColumnCount { sheet: "表".into(), columns: 0 },
        SheetError::TooManyRows { sheet: "表".into(), rows: 2_000_000, max: 1_048_576 },
        SheetError::RowTooWide { sheet: "表".into(), row: 1, cells: 3, columns: 2 },
        SheetError::TextTooLong { sheet: "表".into(), row: 1, max: 32_767 },
        SheetError::BadMerge { sheet: "表".into(), range: "A1:A2".into() },
        SheetError::MergesOverlap { sheet: "表".into(), a: "A1:A2".into(), b: "A2:B2".into() },
        SheetError::BadColumnWidth { sheet: "表".into() },
        SheetError::WireVersion { page: 1, worker: 2 },
        SheetError::BadRequest("x".into()),
        SheetError::Write("x".into()),
    ];
    let delivery_errors = [
        DeliveryError::WorkerUnavailable("x".into()),
        DeliveryError::WorkerFailed("x".into()),
        DeliveryError::WorkerTimeout { seconds: 60 },
        DeliveryError::Download("x".into()),
    ];
    let has_han = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    for e in &sheet_errors {
        assert!(has_han(&e.message(Lang::Zh)), "{e:?}");
        assert!(!e.message(Lang::En).is_empty());
        // The worker reports it worded in both languages; the page shows those words.
        let reported = DeliveryError::from(e);
        assert_eq!(reported.message(Lang::Zh), e.message(Lang::Zh));
        assert_eq!(reported.message(Lang::En), e.message(Lang::En));
    }
    for e in &delivery_errors {
        assert!(has_han(&e.message(Lang::Zh)), "{e:?}");
        assert!(!e.message(Lang::En).is_empty());
    }
}
