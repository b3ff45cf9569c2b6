//! What an import accepts (导入限制) and how a JSON parse error reads as an
//! import error: shared by the plain bundle reader ([`super::import`]), the
//! encrypted envelope ([`super::crypto`]) and receipts ([`super::receipt`]), so
//! that none of them reaches into another for it.

use super::error::ImportError;
use super::wire;

/// The fewest iterations an importer accepts, and what exporters use.
pub const MIN_ITERATIONS: u32 = 600_000;
/// The most iterations an importer will spend time on (a forged header could ask
/// for billions and hang the page).
pub const MAX_ITERATIONS: u32 = 10_000_000;

/// What an import accepts. The defaults suit a phone; tests tighten them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest file, in bytes (default 200 MiB).
    pub max_bytes: usize,
    /// Deepest bracket nesting (default 64; a v1 bundle needs about 10).
    pub max_depth: usize,
    /// Most records in one bundle (default and ceiling [`wire::MAX_RECORDS`]).
    pub max_records: usize,
    /// Longest text anywhere in a record, in UTF-8 bytes (default 64 KiB).
    pub max_string_bytes: usize,
    /// Most fields in one record (default 256).
    pub max_fields: usize,
    /// Fewest PBKDF2 iterations an encrypted bundle may use (default and floor for
    /// real files 600,000; only tests lower it, to stay fast).
    pub min_kdf_iterations: u32,
    /// Most photos one v3 file carries (default 50,000).
    pub max_photos: usize,
    /// Most photo bytes one v3 file carries (default 3 GiB; read in parts, never
    /// held whole).
    pub max_photo_bytes: u64,
}

impl Limits {
    /// Largest file the import opens at all: records up to `max_bytes`, photos up to
    /// `max_photo_bytes` as base64 (4/3), and their lines' framing.
    pub fn max_file_bytes(&self) -> u64 {
        self.max_bytes as u64 + self.max_photo_bytes / 3 * 4 + (self.max_photos as u64) * 128
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 200 * 1024 * 1024,
            max_depth: 64,
            max_records: wire::MAX_RECORDS,
            max_string_bytes: 64 * 1024,
            max_fields: 256,
            min_kdf_iterations: MIN_ITERATIONS,
            max_photos: 50_000,
            max_photo_bytes: 3 << 30,
        }
    }
}

/// Maps a `serde_json` error on `text` to the specific import error. A syntax
/// error at the very end of the text (`"v":12.` cut after the point) is truncation.
pub(crate) fn json_error(e: serde_json::Error, text: &str) -> ImportError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => ImportError::Truncated,
        Category::Syntax if at_end(text, e.line(), e.column()) && !e.to_string().starts_with("trailing") => ImportError::Truncated,
        Category::Syntax | Category::Io => ImportError::Malformed { line: e.line(), column: e.column(), reason: e.to_string() },
        Category::Data => {
            let reason = e.to_string();
            if reason.contains(wire::TOO_MANY_RECORDS) {
                ImportError::TooManyRecords { max: wire::MAX_RECORDS }
            } else {
                ImportError::Schema { reason }
            }
        }
    }
}

/// Whether a `serde_json` position (1-based line, byte column) is the text's last byte.
fn at_end(text: &str, line: usize, column: usize) -> bool {
    let last_line_start = text.rfind('\n').map_or(0, |i| i + 1);
    let lines = text.bytes().filter(|b| *b == b'\n').count() + 1;
    line == lines && column >= text.len() - last_line_start
}
