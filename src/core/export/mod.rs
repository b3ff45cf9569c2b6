//! Export for the office (导出): the 督战表 and the ledger (台账) as spreadsheets.
//!
//! The office works in Excel. This module turns the read models into a small,
//! format-neutral sheet model ([`Workbook`] → [`Sheet`] → [`Cell`]) and renders it
//! as CSV here; the .xlsx writer lives in the worker binary
//! (`src/bin/xlsx_worker/`), which receives the same [`Workbook`] as JSON.
//!
//! | module | what it is |
//! |---|---|
//! | [`sheet`] | the sheet model, merges in A1 notation, column widths, checks, the worker's wire types |
//! | [`table`] | [`supervision_table_sheet`]: 州级定点挂牌督战表 laid out like the plan's attachment |
//! | [`ledger`] | [`ledger_sheet`]: the ledger's rows with Chinese headers |
//! | [`report`] | the monthly board and a month's roll-up (汇总) |
//! | [`csv`] | [`to_csv`]: UTF-8 with BOM, RFC 4180, formula-injection guard |
//! | [`error`] | [`SheetError`] (the file cannot be made) and [`DeliveryError`] (it cannot reach the user), with messages in Chinese and English |
//!
//! # Why the xlsx writer is not here
//!
//! `rust_xlsxwriter` is about 300 KB of gzipped wasm: in the first load it would
//! cost every user on every visit for a button used now and then. It runs in a
//! web worker loaded on first use (see `src/ui/export.rs`), so the first load
//! carries only this module. It also reads the clock (for the document's
//! creation time), which the core never does.
//!
//! # Choices the office sees
//!
//! - Headers, titles and labels are Chinese whatever the UI language: these are
//!   office documents, filed beside the plan.
//! - People counts are **numbers with a display format** (`0"人"` in Excel): the
//!   cell reads "3071人" like the plan and still sums. CSV has no formats, so it
//!   holds what Excel displays ("3071人"); see [`Cell::display`].
//! - Dates are real dates in Excel (format `yyyy-mm-dd`) and `YYYY-MM-DD` in CSV.
//! - Merged cells (序号 and 督战县 over a county's rows) are merged in Excel; in
//!   CSV, which cannot merge, every row repeats them so each row stands alone
//!   when filtered or sorted.
//! - Text that a spreadsheet would take for a formula (starting with `=`, `+`,
//!   `-`, `@`, tab or CR) is prefixed with `'` in CSV and written as a
//!   quote-prefixed string in Excel: it is shown, never evaluated.
//!
//! Invariants (those of `core` apply: no browser, no I/O, no clock — the export
//! day and time are passed in): building a sheet is a pure function of its input,
//! so the same data gives byte-identical CSV on every device.

pub mod csv;
pub mod error;
pub mod ledger;
pub mod report;
pub mod sheet;
pub mod table;

pub use csv::to_csv;
pub use error::{DeliveryError, SheetError};
pub use ledger::ledger_sheet;
pub use report::{reporting_status_sheet, rollup_sheet};
pub use sheet::{Cell, ExportKind, FileFormat, Range, Sheet, Workbook, XlsxRequest, XLSX_WIRE_VERSION};
pub use table::supervision_table_sheet;
