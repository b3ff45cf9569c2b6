//! Workbook → .xlsx bytes, with `rust_xlsxwriter`.
//!
//! The one place that knows the xlsx format. It is pure (no browser, no I/O) so
//! `tests/export_xlsx.rs` includes this file by path and checks the written file
//! natively; the worker (`main.rs`) only moves requests and bytes.
//!
//! What it writes, for each [`Sheet`]:
//! - title rows merged across all columns (the first one bold and large), then the
//!   header row (bold, grey, centred, wrapping), then the body with thin borders;
//! - merged areas of the body with their value centred (序号, 督战县);
//! - [`Cell::Date`] as a real Excel date (serial number) with format `yyyy-mm-dd`;
//! - [`Cell::Number`] as a number whose unit is part of the number format
//!   (`0"人"`), so "3071人" still sums;
//! - text that a spreadsheet would evaluate ([`Cell::is_formula_like`]) as a
//!   *quote-prefixed string*: Excel shows `=…` as text and keeps it text when the
//!   cell is edited. Nothing is ever written as a formula;
//! - footer notes under the table (导出日期 and the day, as a date);
//! - column widths, frozen header, the header's filter buttons when the sheet asks,
//!   and A4 landscape printing one page wide with the header repeated.
//!
//! The creation time comes from the request ([`Workbook::created_ms`]), so a file
//! is a function of its request.

use duzhan::core::export::sheet::formula_like;
use duzhan::core::export::{Cell, Range, Sheet, SheetError, Workbook};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Worksheet, XlsxError};
use std::collections::{HashMap, HashSet};

/// Writes the workbook. Checks it first ([`Workbook::validate`]): a request is
/// data from another file, and a bad one must come back as an error, not a
/// damaged file or a trap.
pub fn write_xlsx(wb: &Workbook) -> Result<Vec<u8>, SheetError> {
    wb.validate()?;
    let mut book = rust_xlsxwriter::Workbook::new();
    let mut props = DocProperties::new();
    if !wb.author.is_empty() {
        props = props.set_author(&wb.author);
    }
    if let Some(first) = wb.sheets.first() {
        props = props.set_title(first.title.first().unwrap_or(&first.name));
    }
    if wb.created_ms > 0 {
        let secs = i64::try_from(wb.created_ms / 1000).unwrap_or(i64::MAX);
        props = props.set_creation_datetime(&ExcelDateTime::from_timestamp(secs).map_err(xlsx_error)?);
    }
    book.set_properties(&props);
    for sheet in &wb.sheets {
        let ws = book.add_worksheet();
        write_sheet(ws, sheet).map_err(xlsx_error)?;
    }
    book.save_to_buffer().map_err(xlsx_error)
}

fn xlsx_error(e: XlsxError) -> SheetError {
    SheetError::Write(e.to_string())
}

/// How a body cell looks; each distinct style is one [`Format`], made once.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Style {
    Text { guarded: bool, centred: bool },
    Date { centred: bool },
    Number { code: String, centred: bool },
    Blank { centred: bool },
}

struct Styles(HashMap<Style, Format>);

impl Styles {
    fn get(&mut self, style: Style) -> &Format {
        self.0.entry(style.clone()).or_insert_with(|| {
            let base = Format::new().set_border(FormatBorder::Thin).set_align(FormatAlign::VerticalCenter);
            let (f, centred) = match style {
                Style::Text { guarded, centred } => {
                    let f = base.set_text_wrap();
                    (if guarded { f.set_quote_prefix() } else { f }, centred)
                }
                Style::Date { centred } => (base.set_num_format("yyyy-mm-dd"), centred),
                Style::Number { code, centred } => (base.set_num_format(code), centred),
                Style::Blank { centred } => (base, centred),
            };
            if centred {
                f.set_align(FormatAlign::Center)
            } else {
                f
            }
        })
    }
}

/// The number format of a number cell: the unit as a quoted literal after it;
/// integers without decimals (as the plan writes "3071人"), others with up to four.
fn number_format(value: f64, unit: &str) -> String {
    // A quote or backslash inside the literal would break the format code.
    let unit: String = unit.chars().filter(|c| *c != '"' && *c != '\\').collect();
    let integral = value.fract() == 0.0;
    match (unit.is_empty(), integral) {
        (true, true) => "0".to_owned(),
        (true, false) => "General".to_owned(),
        (false, true) => format!("0\"{unit}\""),
        (false, false) => format!("0.####\"{unit}\""),
    }
}

fn write_sheet(ws: &mut Worksheet, s: &Sheet) -> Result<(), XlsxError> {
    ws.set_name(&s.name)?;
    let cols = s.columns();
    let last_col = cols.saturating_sub(1) as u16;
    for (c, w) in s.widths.iter().enumerate().take(cols) {
        ws.set_column_width(c as u16, *w)?;
    }

    // Title rows, each across every column.
    for (r, text) in s.title.iter().enumerate() {
        let r = r as u32;
        let f = if r == 0 {
            Format::new().set_bold().set_font_size(16).set_align(FormatAlign::Center).set_align(FormatAlign::VerticalCenter)
        } else {
            Format::new().set_align(FormatAlign::Center).set_align(FormatAlign::VerticalCenter)
        };
        if r == 0 {
            ws.set_row_height(r, 30)?;
        }
        if last_col > 0 {
            ws.merge_range(r, 0, r, last_col, text, &f)?;
        } else {
            ws.write_string_with_format(r, 0, text, &f)?;
        }
    }

    // The header.
    let hr = s.header_row();
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_background_color(0xD9D9D9)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    for (c, h) in s.header.iter().enumerate() {
        let f = if formula_like(h) { head.clone().set_quote_prefix() } else { head.clone() };
        ws.write_string_with_format(hr, c as u16, h, &f)?;
    }

    // Body merges: cells they cover (other than the top-left) are left to the merge.
    let mut covered: HashSet<(u32, u16)> = HashSet::new();
    let mut tops: HashMap<(u32, u16), Range> = HashMap::new();
    for m in &s.merges {
        tops.insert((m.first_row, m.first_col), *m);
        for r in m.first_row..=m.last_row {
            for c in m.first_col..=m.last_col {
                if (r, c) != (m.first_row, m.first_col) {
                    covered.insert((r, c));
                }
            }
        }
    }

    let mut styles = Styles(HashMap::new());
    for r in 0..s.rows.len() {
        let r32 = r as u32;
        let row = s.body_row(r32);
        for c in 0..cols {
            let c16 = c as u16;
            if covered.contains(&(r32, c16)) {
                continue;
            }
            let cell = s.cell(r, c);
            let merge = tops.get(&(r32, c16));
            let centred = merge.is_some();
            let style = style_of(cell, centred);
            let f = styles.get(style).clone();
            if let Some(m) = merge {
                // merge_range writes a string; the value is written over its first cell.
                ws.merge_range(s.body_row(m.first_row), m.first_col, s.body_row(m.last_row), m.last_col, "", &f)?;
            }
            write_cell(ws, row, c16, cell, &f)?;
        }
    }

    // Footer notes: label (merged over two columns) and value, no borders.
    let label = Format::new().set_bold().set_align(FormatAlign::VerticalCenter);
    for (i, (text, value)) in s.footer.iter().enumerate() {
        let (at, (vr, vc)) = s.footer_cells(i as u32);
        if at.is_single() {
            ws.write_string_with_format(at.first_row, at.first_col, text, &label)?;
        } else {
            ws.merge_range(at.first_row, at.first_col, at.last_row, at.last_col, text, &label)?;
        }
        let f = match value {
            Cell::Date(_) => Format::new().set_num_format("yyyy-mm-dd").set_align(FormatAlign::Left),
            Cell::Number { value, unit } => Format::new().set_num_format(number_format(*value, unit)).set_align(FormatAlign::Left),
            Cell::Text(t) if formula_like(t) => Format::new().set_quote_prefix(),
            _ => Format::new(),
        };
        write_cell(ws, vr, vc, value, &f)?;
    }

    ws.set_freeze_panes(hr + 1, 0)?;
    if s.autofilter {
        let last_row = s.body_row(s.rows.len() as u32).saturating_sub(1).max(hr);
        ws.autofilter(hr, 0, last_row, last_col)?;
    }
    ws.set_landscape();
    ws.set_paper_size(9); // A4
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, hr)?;
    Ok(())
}

fn style_of(cell: &Cell, centred: bool) -> Style {
    match cell {
        Cell::Empty => Style::Blank { centred },
        Cell::Text(s) => Style::Text { guarded: formula_like(s), centred },
        Cell::Number { value, unit } if value.is_finite() => Style::Number { code: number_format(*value, unit), centred },
        Cell::Number { .. } => Style::Blank { centred },
        Cell::Date(_) => Style::Date { centred },
    }
}

fn write_cell(ws: &mut Worksheet, row: u32, col: u16, cell: &Cell, f: &Format) -> Result<(), XlsxError> {
    use chrono::Datelike;
    match cell {
        Cell::Empty => {
            ws.write_blank(row, col, f)?;
        }
        Cell::Text(s) => {
            // Always a string, never a formula, whatever the text starts with.
            ws.write_string_with_format(row, col, s, f)?;
        }
        Cell::Number { value, .. } if value.is_finite() => {
            ws.write_number_with_format(row, col, *value, f)?;
        }
        Cell::Number { .. } => {
            ws.write_blank(row, col, f)?;
        }
        Cell::Date(d) => {
            // Excel's dates start in 1900; a date it cannot hold is written as its text.
            let excel = u16::try_from(d.year()).ok().and_then(|y| ExcelDateTime::from_ymd(y, d.month() as u8, d.day() as u8).ok());
            match excel {
                Some(dt) => ws.write_datetime_with_format(row, col, &dt, f)?,
                None => ws.write_string_with_format(row, col, cell.display(), f)?,
            };
        }
    }
    Ok(())
}
