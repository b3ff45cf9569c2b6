//! The sheet model (表格模型): what an exported file holds, independent of the format.
//!
//! A [`Sheet`] is a block of title rows (each merged across every column), one
//! header row, body rows of [`Cell`]s with merged areas given in *body*
//! coordinates (row 0 is the first row under the header), and footer notes (a
//! label and a value, one blank row under the body). [`Sheet::all_merges`] gives
//! every merge in sheet coordinates, and [`Range::a1`] names them the way Excel
//! does ("A3:A5"). CSV holds the header and the body only (see [`to_csv`](super::to_csv)).
//!
//! The model is also the wire format to the xlsx worker ([`XlsxRequest`], JSON):
//! the worker is a separate file that an offline cache may hold from an older
//! build, so the request carries [`XLSX_WIRE_VERSION`] and a mismatch is a typed
//! error, never a misread file.

use super::error::SheetError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Version of [`XlsxRequest`]'s JSON. Bump it when the model changes shape.
pub const XLSX_WIRE_VERSION: u32 = 1;

/// Excel's limit on a sheet (tab) name, in characters.
pub const MAX_SHEET_NAME: usize = 31;
/// Excel's limit on the text of one cell, in characters.
pub const MAX_CELL_TEXT: usize = 32_767;
/// Excel's limits on rows and columns per sheet.
pub const MAX_ROWS: usize = 1_048_576;
pub const MAX_COLUMNS: usize = 16_384;

/// One file's worth of sheets, with its document properties.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Workbook {
    pub sheets: Vec<Sheet>,
    /// The document's author (the squad or user name of the exporting device).
    #[serde(default)]
    pub author: String,
    /// The document's creation time, ms since the Unix epoch (passed in: the core
    /// reads no clock, and the same input then gives the same file).
    #[serde(default)]
    pub created_ms: u64,
}

impl Workbook {
    /// A workbook of one sheet.
    pub fn single(sheet: Sheet, author: &str, created_ms: u64) -> Self {
        Workbook { sheets: vec![sheet], author: author.trim().to_owned(), created_ms }
    }

    /// Checks every sheet (see [`Sheet::validate`]) and that sheet names are unique.
    pub fn validate(&self) -> Result<(), SheetError> {
        if self.sheets.is_empty() {
            return Err(SheetError::NoSheets);
        }
        let mut names = BTreeSet::new();
        for s in &self.sheets {
            s.validate()?;
            // Excel compares sheet names case-insensitively.
            if !names.insert(s.name.to_lowercase()) {
                return Err(SheetError::DuplicateSheetName(s.name.clone()));
            }
        }
        Ok(())
    }
}

/// One sheet (工作表).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sheet {
    /// The tab name (≤ 31 characters, none of `[]:*?/\`).
    pub name: String,
    /// Title rows above the header, each merged across every column.
    pub title: Vec<String>,
    pub header: Vec<String>,
    /// Body rows. A row may be shorter than the header (the rest is empty), never longer.
    pub rows: Vec<Vec<Cell>>,
    /// Merged areas of the body, in body coordinates.
    pub merges: Vec<Range>,
    /// Column widths in Excel's character units (a Chinese character is about 2).
    pub widths: Vec<f64>,
    /// Whether the header gets Excel's filter buttons (the ledger: yes; the 督战表,
    /// whose merged cells a filter would split: no).
    #[serde(default)]
    pub autofilter: bool,
    /// Notes under the table in the xlsx (label, value), e.g. 导出日期 and the day.
    /// The label spans the first two columns, the value sits in the third.
    #[serde(default)]
    pub footer: Vec<(String, Cell)>,
}

/// One cell's value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Cell {
    Empty,
    Text(String),
    /// A number shown with a unit after it (`unit` may be empty): Excel keeps the
    /// number and displays the unit through the number format.
    Number {
        value: f64,
        unit: String,
    },
    /// A calendar day: a real date in Excel.
    Date(#[serde(deserialize_with = "crate::core::calendar::de_day")] NaiveDate),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        let s = s.into();
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s)
        }
    }

    /// A plain number.
    pub fn number(value: f64) -> Cell {
        Cell::Number { value, unit: String::new() }
    }

    /// A count of people, shown as "3071人".
    pub fn people(value: f64) -> Cell {
        Cell::Number { value, unit: "人".to_owned() }
    }

    pub fn date(d: Option<NaiveDate>) -> Cell {
        d.map_or(Cell::Empty, Cell::Date)
    }

    /// What a spreadsheet displays: the text, the number with its unit, the date as
    /// `YYYY-MM-DD`. This is what CSV holds. (No formula guard here: see [`to_csv`](super::to_csv).)
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Number { value, unit } => {
                if value.is_finite() {
                    format!("{}{unit}", format_number(*value))
                } else {
                    String::new()
                }
            }
            Cell::Date(d) => d.to_string(),
        }
    }

    /// True for text a spreadsheet would read as a formula or a command (see [`formula_like`]).
    pub fn is_formula_like(&self) -> bool {
        matches!(self, Cell::Text(s) if formula_like(s))
    }
}

/// Text that Excel, LibreOffice or Sheets would evaluate when it opens the file:
/// starting with `=`, `+`, `-`, `@`, a tab or a carriage return (OWASP's list for
/// CSV injection). Such text is exported with a guard, never as a formula.
pub fn formula_like(s: &str) -> bool {
    matches!(s.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r'))
}

/// A number as people write it: integers without decimals, others with up to four.
pub fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// A rectangle of cells, inclusive at both ends, 0-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Range {
    pub first_row: u32,
    pub first_col: u16,
    pub last_row: u32,
    pub last_col: u16,
}

impl Range {
    /// Rows `first ..= last` of one column.
    pub fn column_span(col: u16, first_row: u32, last_row: u32) -> Range {
        Range { first_row, first_col: col, last_row, last_col: col }
    }

    pub fn contains(&self, row: u32, col: u16) -> bool {
        (self.first_row..=self.last_row).contains(&row) && (self.first_col..=self.last_col).contains(&col)
    }

    pub fn overlaps(&self, o: &Range) -> bool {
        self.first_row <= o.last_row && o.first_row <= self.last_row && self.first_col <= o.last_col && o.first_col <= self.last_col
    }

    /// One cell only: nothing to merge.
    pub fn is_single(&self) -> bool {
        self.first_row == self.last_row && self.first_col == self.last_col
    }

    fn shifted(&self, rows: u32) -> Range {
        Range { first_row: self.first_row + rows, last_row: self.last_row + rows, ..*self }
    }

    /// Excel's name for the range ("A3:A5"), 1-based rows.
    pub fn a1(&self) -> String {
        format!("{}{}:{}{}", column_name(self.first_col), self.first_row + 1, column_name(self.last_col), self.last_row + 1)
    }
}

/// Excel's column letters: 0 → A, 25 → Z, 26 → AA.
pub fn column_name(col: u16) -> String {
    let mut n = u32::from(col) + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

impl Sheet {
    pub fn columns(&self) -> usize {
        self.header.len()
    }

    /// The sheet row of the header (0-based): right under the title rows.
    pub fn header_row(&self) -> u32 {
        self.title.len() as u32
    }

    /// The sheet row of body row `r`.
    pub fn body_row(&self, r: u32) -> u32 {
        self.header_row() + 1 + r
    }

    /// The sheet row of footer note `i`: one blank row under the body.
    pub fn footer_row(&self, i: u32) -> u32 {
        self.body_row(self.rows.len() as u32) + 1 + i
    }

    /// Where a footer note's label and value go: the label over the first two
    /// columns (merged) and the value in the third; on a narrower sheet, label in
    /// the first column and value in the second.
    pub fn footer_cells(&self, i: u32) -> (Range, (u32, u16)) {
        let r = self.footer_row(i);
        if self.columns() >= 3 {
            (Range { first_row: r, first_col: 0, last_row: r, last_col: 1 }, (r, 2))
        } else {
            (Range { first_row: r, first_col: 0, last_row: r, last_col: 0 }, (r, 1))
        }
    }

    /// Every merged area in sheet coordinates: each title row across all columns
    /// (when there is more than one column), the body's merges, the footer labels.
    pub fn all_merges(&self) -> Vec<Range> {
        let last_col = self.columns().saturating_sub(1) as u16;
        let mut out: Vec<Range> = Vec::new();
        if last_col > 0 {
            out.extend((0..self.title.len() as u32).map(|r| Range { first_row: r, first_col: 0, last_row: r, last_col }));
        }
        out.extend(self.merges.iter().map(|m| m.shifted(self.header_row() + 1)));
        out.extend((0..self.footer.len() as u32).map(|i| self.footer_cells(i).0).filter(|m| !m.is_single()));
        out
    }

    /// The cell at body row `r`, column `c`, as stored (merged-over cells are whatever
    /// the builder put there, normally [`Cell::Empty`]).
    pub fn cell(&self, r: usize, c: usize) -> &Cell {
        self.rows.get(r).and_then(|row| row.get(c)).unwrap_or(&Cell::Empty)
    }

    /// The cell that *shows* at body row `r`, column `c`: for a cell covered by a
    /// merge, the merge's top-left cell.
    pub fn shown_cell(&self, r: usize, c: usize) -> &Cell {
        let (r32, c16) = (r as u32, c as u16);
        match self.merges.iter().find(|m| m.contains(r32, c16)) {
            Some(m) => self.cell(m.first_row as usize, m.first_col as usize),
            None => self.cell(r, c),
        }
    }

    /// Checks what Excel would refuse or what would make a broken file: the tab
    /// name, the sizes, merges inside the body that do not overlap, finite widths.
    pub fn validate(&self) -> Result<(), SheetError> {
        validate_sheet_name(&self.name)?;
        let cols = self.columns();
        if cols == 0 || cols > MAX_COLUMNS {
            return Err(SheetError::BadColumnCount { sheet: self.name.clone(), columns: cols });
        }
        let total_rows = self.title.len() + 1 + self.rows.len() + if self.footer.is_empty() { 0 } else { 1 + self.footer.len() };
        if total_rows > MAX_ROWS {
            return Err(SheetError::TooManyRows { sheet: self.name.clone(), rows: total_rows, max: MAX_ROWS });
        }
        for (i, row) in self.rows.iter().enumerate() {
            if row.len() > cols {
                return Err(SheetError::RowTooWide { sheet: self.name.clone(), row: i + 1, cells: row.len(), columns: cols });
            }
            for cell in row {
                if let Cell::Text(s) = cell {
                    if s.chars().count() > MAX_CELL_TEXT {
                        return Err(SheetError::TextTooLong { sheet: self.name.clone(), row: i + 1, max: MAX_CELL_TEXT });
                    }
                }
            }
        }
        if !self.footer.is_empty() && cols < 2 {
            return Err(SheetError::BadColumnCount { sheet: self.name.clone(), columns: cols });
        }
        let footer_text = self.footer.iter().flat_map(|(label, v)| [Some(label), if let Cell::Text(t) = v { Some(t) } else { None }]).flatten();
        for t in self.title.iter().chain(&self.header).chain(footer_text) {
            if t.chars().count() > MAX_CELL_TEXT {
                return Err(SheetError::TextTooLong { sheet: self.name.clone(), row: 0, max: MAX_CELL_TEXT });
            }
        }
        for (i, m) in self.merges.iter().enumerate() {
            let inside = m.first_row <= m.last_row && m.first_col <= m.last_col && (m.last_row as usize) < self.rows.len() && (m.last_col as usize) < cols;
            if !inside || m.is_single() {
                return Err(SheetError::BadMerge { sheet: self.name.clone(), range: m.a1() });
            }
            if let Some(o) = self.merges[..i].iter().find(|o| o.overlaps(m)) {
                return Err(SheetError::MergesOverlap { sheet: self.name.clone(), a: o.a1(), b: m.a1() });
            }
        }
        if self.widths.iter().any(|w| !w.is_finite() || *w < 0.0 || *w > 255.0) {
            return Err(SheetError::BadColumnWidth { sheet: self.name.clone() });
        }
        Ok(())
    }

    /// Sets each column's width to fit its widest text (header included), within
    /// `min ..= max` (per column `caps`, else `max`). Long text wraps inside the cap.
    pub fn fit_widths(&mut self, min: f64, max: f64, caps: &[(usize, f64)]) {
        let cols = self.columns();
        let mut w = vec![0usize; cols];
        for (c, h) in self.header.iter().enumerate() {
            w[c] = w[c].max(text_width(h));
        }
        for row in &self.rows {
            for (c, cell) in row.iter().enumerate().take(cols) {
                w[c] = w[c].max(text_width(&cell.display()));
            }
        }
        self.widths = w
            .into_iter()
            .enumerate()
            .map(|(c, chars)| {
                let cap = caps.iter().find(|(i, _)| *i == c).map_or(max, |(_, m)| *m);
                // Two characters of padding, so text never touches the border.
                (chars as f64 + 2.0).clamp(min, cap.max(min))
            })
            .collect();
    }
}

/// Display width in Excel character units: CJK and full-width characters count 2.
/// For multi-line text, the longest line.
pub fn text_width(s: &str) -> usize {
    s.lines().map(|l| l.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()).max().unwrap_or(0)
}

fn is_wide(c: char) -> bool {
    matches!(u32::from(c),
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

/// Excel's rules for a tab name: 1–31 characters, none of `[]:*?/\`, not starting
/// or ending with an apostrophe, and not "History" (reserved).
pub fn validate_sheet_name(name: &str) -> Result<(), SheetError> {
    let n = name.chars().count();
    let bad = n == 0
        || n > MAX_SHEET_NAME
        || name.contains(['[', ']', ':', '*', '?', '/', '\\'])
        || name.starts_with('\'')
        || name.ends_with('\'')
        || name.eq_ignore_ascii_case("history");
    if bad {
        Err(SheetError::BadSheetName(name.to_owned()))
    } else {
        Ok(())
    }
}

/// What is exported: decides the file's base name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExportKind {
    /// 督战表 (州级定点挂牌督战表).
    SupervisionTable,
    /// 挂牌督战台账.
    Ledger,
    /// 督战情况报送情况: who has reported for a month.
    ReportingStatus,
    /// 督战情况汇总: a month's roll-up, per county or per target.
    Rollup,
    /// 数据同步情况: which devices have sent what (the data-exchange board).
    SyncStatus,
}

/// The file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FileFormat {
    Xlsx,
    Csv,
}

impl FileFormat {
    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Xlsx => "xlsx",
            FileFormat::Csv => "csv",
        }
    }

    /// The MIME type of the download.
    pub fn mime(self) -> &'static str {
        match self {
            FileFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileFormat::Csv => "text/csv;charset=utf-8",
        }
    }
}

impl ExportKind {
    /// The file's name stem, in Chinese like the documents the office files.
    pub fn stem(self) -> &'static str {
        match self {
            ExportKind::SupervisionTable => "督战表",
            ExportKind::Ledger => "挂牌督战台账",
            ExportKind::ReportingStatus => "督战情况报送情况",
            ExportKind::Rollup => "督战情况汇总",
            ExportKind::SyncStatus => "数据同步情况",
        }
    }

    /// The download's file name: stem, the export day (`YYYY-MM-DD`, so files sort by
    /// day), extension — e.g. `督战表-2020-06-01.xlsx`.
    pub fn file_name(self, day: NaiveDate, format: FileFormat) -> String {
        format!("{}-{}.{}", self.stem(), day, format.extension())
    }
}

/// What the app posts to the xlsx worker, as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct XlsxRequest {
    /// [`XLSX_WIRE_VERSION`] of the page that sent it.
    pub version: u32,
    /// Echoed in the reply, so replies match requests.
    pub id: u32,
    pub workbook: Workbook,
}

impl XlsxRequest {
    pub fn new(id: u32, workbook: Workbook) -> Self {
        XlsxRequest { version: XLSX_WIRE_VERSION, id, workbook }
    }

    /// The request as JSON. Serialising this plain data does not fail (no map keys,
    /// non-finite numbers become `null`); if it ever did, the empty text comes back
    /// from the worker as an unreadable request, never as a wrong file.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a request, refusing one from another version of the app before
    /// looking at the rest. Returns the id even when the rest is unreadable, so
    /// the error can be sent back to the right caller.
    pub fn from_json(s: &str) -> Result<XlsxRequest, (Option<u32>, SheetError)> {
        #[derive(Deserialize)]
        struct Head {
            version: u32,
            #[serde(default)]
            id: Option<u32>,
        }
        let head: Head = serde_json::from_str(s).map_err(|e| (None, SheetError::BadRequest(e.to_string())))?;
        if head.version != XLSX_WIRE_VERSION {
            return Err((head.id, SheetError::WireVersion { page: head.version, worker: XLSX_WIRE_VERSION }));
        }
        serde_json::from_str(s).map_err(|e| (head.id, SheetError::BadRequest(e.to_string())))
    }
}

/// The `kind` field of the worker's replies (JS objects, since the file's bytes
/// travel as a transferred `ArrayBuffer`, not as JSON).
pub mod reply {
    /// Posted once, when the worker's wasm has set `onmessage`: anything posted to
    /// the worker before that is lost, so the page waits for it.
    pub const READY: &str = "ready";
    /// `{ kind, id, bytes: Uint8Array }`.
    pub const DONE: &str = "done";
    /// `{ kind, id, zh, en }`: a [`SheetError`](super::SheetError) worded in both
    /// languages (the page shows it as [`DeliveryError::Reported`](super::DeliveryError::Reported)).
    pub const ERROR: &str = "error";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_named_like_excel() {
        assert_eq!(Range::column_span(0, 2, 4).a1(), "A3:A5");
        assert_eq!(Range { first_row: 0, first_col: 0, last_row: 0, last_col: 7 }.a1(), "A1:H1");
        assert!(Range::column_span(1, 0, 0).is_single());
        assert!(Range::column_span(0, 0, 2).overlaps(&Range { first_row: 2, first_col: 0, last_row: 3, last_col: 1 }));
        assert!(!Range::column_span(0, 0, 2).overlaps(&Range::column_span(1, 0, 2)));
    }

    #[test]
    fn numbers_display_like_the_plan_writes_them() {
        assert_eq!(Cell::people(3071.0).display(), "3071人");
        assert_eq!(Cell::number(15.93).display(), "15.93");
        assert_eq!(Cell::number(f64::NAN).display(), "", "a non-finite number shows nothing");
        assert_eq!(Cell::text(""), Cell::Empty);
    }
}
