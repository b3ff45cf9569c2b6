//! First-load size rules. The app sorts through `core::sort::sort_by`, never through
//! `slice::sort_by`/`sort_unstable_by`/`sort_by_key`/`sort_by_cached_key`, which
//! compile a separate copy of the std sort (~2–4 KB of wasm) for every call site.
//! See `src/core/sort.rs` and docs/performance.md, "First-load size".
//!
//! Checked: everything under `src/` that the app's wasm is built from. Not checked:
//! `src/core/sort.rs` (the one real call), `src/bin/` (the lazily loaded xlsx worker),
//! `src/storage/contract.rs` (the test contract, not linked into the app), items
//! under `#[cfg(test)]` (the attribute's item, to its closing brace: code after a
//! test module is checked), and comments.

#[path = "source_support/mod.rs"]
mod source_support;

use source_support::rust_files;
use std::fs;
use std::path::Path;

#[test]
fn the_app_sorts_through_core_sort() {
    let found = banned_lines(
        &["core/sort.rs", "storage/contract.rs"],
        &[".sort_by(", ".sort_unstable_by(", ".sort_by_key(", ".sort_unstable_by_key(", ".sort_by_cached_key("],
    );
    assert!(
        found.is_empty(),
        "use crate::core::sort::sort_by(&mut v, |a, b| ...) instead (one sort for the whole app, see src/core/sort.rs):\n{}",
        found.join("\n")
    );
}

/// The second first-load rule: days are written with `NaiveDate`'s `Display` and
/// read with `core::calendar::parse_day`, never with chrono's format strings, whose
/// parser and formatter weigh ~10 KB of the first load's wasm (issue 15: removing
/// them made it 5,992 B gzip smaller). Checked like the sort rule, `src/bin/` aside.
#[test]
fn days_are_written_and_read_without_format_strings() {
    let found = banned_lines(&[], &[".format(\"%", "parse_from_str(", "StrftimeItems", "format_with_items("]);
    assert!(
        found.is_empty(),
        "write a day with its Display (`{{d}}`, `d.to_string()`: YYYY-MM-DD) or core::calendar::compact_day, read it with core::calendar::parse_day:\n{}",
        found.join("\n")
    );
}

/// Every line (as `file:line: text`) of the app's sources under `src/` — not
/// `src/bin/`, not the files in `skip`, not test items, not comments — that
/// contains one of `banned`.
fn banned_lines(skip: &[&str], banned: &[&str]) -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = rust_files(&src);
    assert!(files.len() >= 20, "src not found");
    let skip: Vec<_> = skip.iter().map(|f| src.join(f)).collect();
    let mut found = Vec::new();
    for f in files.iter().filter(|f| !skip.contains(f) && !f.starts_with(src.join("bin"))) {
        let text = fs::read_to_string(f).expect("read");
        for (n, line) in outside_test_items(&text) {
            let code = line.split("//").next().unwrap_or("");
            if banned.iter().any(|b| code.contains(b)) {
                found.push(format!("{}:{}: {}", f.strip_prefix(&src).unwrap_or(f).display(), n + 1, line.trim()));
            }
        }
    }
    found
}

/// The lines of a source file outside `#[cfg(test)]` items, with their 0-based
/// numbers. An item ends at its closing brace (braces counted outside comments,
/// string and character literals) or at a `;` before any brace (`use`, `const`).
fn outside_test_items(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    // Some(depth) while inside a test item; `opened` once its first brace is seen.
    let mut skipping: Option<(i64, bool)> = None;
    let mut lexer = Lexer::default();
    for (n, line) in text.lines().enumerate() {
        if skipping.is_none() && line.trim_start().starts_with("#[cfg(test)]") {
            skipping = Some((0, false));
            lexer = Lexer::default();
            let rest = &line[line.find("#[cfg(test)]").unwrap() + "#[cfg(test)]".len()..];
            skipping = lexer.skip(rest, skipping);
            continue;
        }
        match skipping {
            Some(_) => skipping = lexer.skip(line, skipping),
            None => out.push((n, line)),
        }
    }
    out
}

/// Where a brace counter is between lines: inside a block comment or a string.
#[derive(Default)]
struct Lexer {
    block_comment: usize,
    /// Inside a string literal: the number of `#` that close it, for raw strings
    /// (`None` for an ordinary string).
    string: Option<Option<usize>>,
}

impl Lexer {
    /// Counts a line's braces into `state` (depth, opened); `None` once the item ends.
    fn skip(&mut self, line: &str, state: Option<(i64, bool)>) -> Option<(i64, bool)> {
        let (mut depth, mut opened) = state?;
        let b = line.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if self.block_comment > 0 {
                if b[i..].starts_with(b"*/") {
                    self.block_comment -= 1;
                    i += 2;
                } else if b[i..].starts_with(b"/*") {
                    self.block_comment += 1;
                    i += 2;
                } else {
                    i += 1;
                }
                continue;
            }
            if let Some(raw) = self.string {
                match raw {
                    None if b[i] == b'\\' => i += 2,
                    None if b[i] == b'"' => {
                        self.string = None;
                        i += 1;
                    }
                    Some(h) if b[i] == b'"' && b[i + 1..].iter().take(h).filter(|c| **c == b'#').count() == h => {
                        self.string = None;
                        i += 1 + h;
                    }
                    _ => i += 1,
                }
                continue;
            }
            match b[i] {
                b'/' if b.get(i + 1) == Some(&b'/') => break,
                b'/' if b.get(i + 1) == Some(&b'*') => {
                    self.block_comment += 1;
                    i += 2;
                }
                b'"' => {
                    self.string = Some(None);
                    i += 1;
                }
                b'r' if (b.get(i + 1) == Some(&b'"') || b.get(i + 1) == Some(&b'#')) && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) => {
                    let hashes = b[i + 1..].iter().take_while(|c| **c == b'#').count();
                    if b.get(i + 1 + hashes) == Some(&b'"') {
                        self.string = Some(Some(hashes));
                        i += 2 + hashes;
                    } else {
                        i += 1;
                    }
                }
                // A character literal ('{', '\'', '\u{7b}'), not a lifetime ('a).
                b'\'' if b.get(i + 2) == Some(&b'\'') => i += 3,
                b'\'' if b.get(i + 1) == Some(&b'\\') => {
                    let end = b[i + 2..].iter().position(|c| *c == b'\'').map_or(b.len(), |p| i + 3 + p);
                    i = end;
                }
                b'{' => {
                    depth += 1;
                    opened = true;
                    i += 1;
                }
                b'}' => {
                    depth -= 1;
                    i += 1;
                    if opened && depth == 0 {
                        return None;
                    }
                }
                b';' if !opened && depth == 0 => return None,
                _ => i += 1,
            }
        }
        Some((depth, opened))
    }
}

#[test]
fn the_guard_reads_the_code_after_a_test_module_and_skips_only_the_module() {
    let text = r####"fn a() {}
#[cfg(test)]
mod tests {
    fn t() { let s = "}}}"; let r = r#"}"#; let c = '}'; let q = '\''; /* } */ } // }
    fn u<'a>(x: &'a str) -> &'a str { x }
    /* a block
       comment } */
    #[test]
    fn v() { v.sort_by(|a, b| a.cmp(b)); }
}
fn after() { v.sort_by(|a, b| a.cmp(b)); }
#[cfg(test)]
use std::fmt;
fn last() {}
"####;
    let kept: Vec<usize> = outside_test_items(text).into_iter().map(|(n, _)| n).collect();
    assert_eq!(kept, vec![0, 10, 13]);
}
