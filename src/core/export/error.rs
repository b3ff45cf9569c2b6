//! Typed errors of export (导出), each with a message in Chinese and English that
//! says what to do.
//!
//! Two enums, because they live on two sides of the worker:
//! - [`SheetError`]: the file cannot be made — a sheet Excel would refuse, a request
//!   from another version, the writer failing. Raised by [`Sheet::validate`](super::Sheet::validate)
//!   and in the xlsx worker, which sends it to the page already worded in both
//!   languages.
//! - [`DeliveryError`]: the file cannot reach the user — the worker does not load,
//!   breaks or is silent, the browser refuses the download — or the worker
//!   reported a [`SheetError`] ([`DeliveryError::Reported`]). The page shows only
//!   these, so its first-load wasm carries only their few messages.

use crate::core::i18n::{Lang, UserMessage};

/// What is wrong with a sheet, a workbook or a request to the xlsx worker.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SheetError {
    /// A workbook without sheets.
    #[error("the workbook has no sheets")]
    NoSheets,
    /// A tab name Excel refuses.
    #[error("sheet name {0:?} is not allowed")]
    BadSheetName(String),
    /// Two sheets with the same name.
    #[error("two sheets are named {0:?}")]
    DuplicateSheetName(String),
    /// No header columns, or more than Excel's 16,384.
    #[error("sheet {sheet}: {columns} columns")]
    BadColumnCount { sheet: String, columns: usize },
    /// More rows than Excel's 1,048,576.
    #[error("sheet {sheet}: {rows} rows is more than {max}")]
    TooManyRows { sheet: String, rows: usize, max: usize },
    /// A body row with more cells than the header has columns.
    #[error("sheet {sheet}: row {row} has {cells} cells for {columns} columns")]
    RowTooWide { sheet: String, row: usize, cells: usize, columns: usize },
    /// A cell text longer than Excel's 32,767 characters.
    #[error("sheet {sheet}: row {row} has a text longer than {max} characters")]
    TextTooLong { sheet: String, row: usize, max: usize },
    /// A merged area outside the body, inverted, or of one cell.
    #[error("sheet {sheet}: merge {range} is outside the table")]
    BadMerge { sheet: String, range: String },
    /// Two merged areas that overlap (Excel reports the file as damaged).
    #[error("sheet {sheet}: merges {a} and {b} overlap")]
    MergesOverlap { sheet: String, a: String, b: String },
    /// A column width that is negative, not a number or over Excel's 255.
    #[error("sheet {sheet}: a column width is out of range")]
    BadColumnWidth { sheet: String },
    /// The page and the xlsx worker come from different builds (an offline cache
    /// kept an old worker).
    #[error("the page speaks export version {page}, the worker {worker}")]
    WireVersion { page: u32, worker: u32 },
    /// A request the worker could not read.
    #[error("unreadable export request: {0}")]
    BadRequest(String),
    /// The xlsx writer failed.
    #[error("writing the xlsx failed: {0}")]
    Write(String),
}

impl UserMessage for SheetError {
    fn message(&self, lang: Lang) -> String {
        SheetError::message(self, lang)
    }
}

impl SheetError {
    /// The message for the user, saying what to do.
    pub fn message(&self, lang: Lang) -> String {
        use SheetError::*;
        match lang {
            Lang::Zh => match self {
                NoSheets => "没有可导出的内容。".to_owned(),
                BadSheetName(n) => format!("工作表名称“{n}”不符合Excel要求（1–31个字符，不含 []:*?/\\）。"),
                DuplicateSheetName(n) => format!("有两个工作表都叫“{n}”，请改名后再导出。"),
                BadColumnCount { sheet, columns } => format!("工作表“{sheet}”的列数（{columns}）不符合Excel要求。"),
                TooManyRows { sheet, rows, max } => format!("工作表“{sheet}”共{rows}行，超过Excel上限{max}行，请先筛选后再导出。"),
                RowTooWide { sheet, row, cells, columns } => format!("工作表“{sheet}”第{row}行有{cells}个单元格，多于表头的{columns}列。"),
                TextTooLong { sheet, row, max } => format!("工作表“{sheet}”第{row}行有超过{max}个字符的内容，Excel无法保存，请缩短后再导出。"),
                BadMerge { sheet, range } => format!("工作表“{sheet}”的合并单元格{range}超出表格范围。"),
                MergesOverlap { sheet, a, b } => format!("工作表“{sheet}”的合并单元格{a}与{b}重叠。"),
                BadColumnWidth { sheet } => format!("工作表“{sheet}”的列宽超出范围。"),
                WireVersion { .. } => "Excel导出组件与页面版本不一致，请刷新页面后重试。".to_owned(),
                BadRequest(e) => format!("Excel导出组件无法读取导出内容（{e}），请刷新页面后重试。"),
                Write(e) => format!("生成Excel文件失败（{e}），可先导出CSV。"),
            },
            Lang::En => match self {
                NoSheets => "There is nothing to export.".to_owned(),
                BadSheetName(n) => format!("Sheet name {n:?} is not allowed by Excel (1–31 characters, none of []:*?/\\)."),
                DuplicateSheetName(n) => format!("Two sheets are named {n:?}; rename one and export again."),
                BadColumnCount { sheet, columns } => format!("Sheet {sheet:?} has {columns} columns, which Excel does not allow."),
                TooManyRows { sheet, rows, max } => format!("Sheet {sheet:?} has {rows} rows, over Excel's limit of {max}; filter first, then export."),
                RowTooWide { sheet, row, cells, columns } => format!("Row {row} of sheet {sheet:?} has {cells} cells for {columns} header columns."),
                TextTooLong { sheet, row, max } => {
                    format!("Row {row} of sheet {sheet:?} holds text over {max} characters, which Excel cannot store; shorten it and export again.")
                }
                BadMerge { sheet, range } => format!("Merged area {range} of sheet {sheet:?} lies outside the table."),
                MergesOverlap { sheet, a, b } => format!("Merged areas {a} and {b} of sheet {sheet:?} overlap."),
                BadColumnWidth { sheet } => format!("A column width of sheet {sheet:?} is out of range."),
                WireVersion { .. } => "The Excel export module and the page are from different versions; reload the page and try again.".to_owned(),
                BadRequest(e) => format!("The Excel export module could not read the export ({e}); reload the page and try again."),
                Write(e) => format!("Writing the Excel file failed ({e}); you can export CSV meanwhile."),
            },
        }
    }
}

/// Why a file did not reach the user.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeliveryError {
    /// The worker script could not be loaded or started (offline before it was ever cached, blocked).
    #[error("the Excel export worker could not start: {0}")]
    WorkerUnavailable(String),
    /// The worker stopped or failed while writing.
    #[error("the Excel export worker failed: {0}")]
    WorkerFailed(String),
    /// The worker did not answer in time.
    #[error("the Excel export worker did not answer within {seconds} s")]
    WorkerTimeout { seconds: u32 },
    /// The browser refused to hand over the file.
    #[error("the browser could not save the file: {0}")]
    Download(String),
    /// The export code itself (loaded on first use, see `ui::split`) could not be fetched.
    #[error("the export code could not be loaded")]
    CodeUnavailable,
    /// A [`SheetError`] the xlsx worker reported, as [`SheetError::message`] worded it there.
    #[error("{en}")]
    Reported { zh: String, en: String },
}

impl UserMessage for DeliveryError {
    fn message(&self, lang: Lang) -> String {
        DeliveryError::message(self, lang)
    }
}

impl DeliveryError {
    /// The message for the user, saying what to do.
    pub fn message(&self, lang: Lang) -> String {
        use DeliveryError::*;
        match lang {
            Lang::Zh => match self {
                WorkerUnavailable(e) => format!("无法启动Excel导出组件（{e}）。若处于离线状态且从未导出过Excel，请联网后打开一次；也可先导出CSV。"),
                WorkerFailed(e) => format!("Excel导出组件出错（{e}），请重试，或先导出CSV。"),
                WorkerTimeout { seconds } => format!("Excel导出组件{seconds}秒内未响应，请重试，或先导出CSV。"),
                Download(e) => format!("浏览器未能保存文件（{e}），请检查下载设置后重试。"),
                CodeUnavailable => "导出功能的程序文件未能载入：本应用可能已在服务器上更新。请联网后刷新页面再导出（已保存的数据不受影响）。".to_owned(),
                Reported { zh, .. } => zh.clone(),
            },
            Lang::En => match self {
                WorkerUnavailable(e) => format!("The Excel export module could not start ({e}). If you are offline and never exported Excel before, open it once while online; or export CSV."),
                WorkerFailed(e) => format!("The Excel export module failed ({e}); try again, or export CSV."),
                WorkerTimeout { seconds } => format!("The Excel export module did not answer within {seconds} s; try again, or export CSV."),
                Download(e) => format!("The browser could not save the file ({e}); check its download settings and try again."),
                CodeUnavailable => "The export code could not be loaded: the app may have been updated on the server. Connect, reload the page and export again (saved data is not affected).".to_owned(),
                Reported { en, .. } => en.clone(),
            },
        }
    }
}

impl From<&SheetError> for DeliveryError {
    /// How the worker reports a sheet error: worded in both languages.
    fn from(e: &SheetError) -> Self {
        DeliveryError::Reported { zh: e.message(Lang::Zh), en: e.message(Lang::En) }
    }
}
