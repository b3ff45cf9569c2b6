//! First-load size rule: the app sorts through `core::sort::sort_by`, never through
//! `slice::sort_by`/`sort_unstable_by`/`sort_by_key`/`sort_by_cached_key`, which
//! compile a separate copy of the std sort (~2–4 KB of wasm) for every call site.
//! See `src/core/sort.rs` and docs/performance.md, "First-load size".
//!
//! Checked: everything under `src/` that the app's wasm is built from. Not checked:
//! `src/core/sort.rs` (the one real call), `src/bin/` (the lazily loaded xlsx worker),
//! `src/storage/contract.rs` (the test contract, not linked into the app), test
//! modules (`#[cfg(test)]` and below), and comments.

#[path = "source_support/mod.rs"]
mod source_support;

use source_support::rust_files;
use std::fs;
use std::path::Path;

#[test]
fn the_app_sorts_through_core_sort() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = rust_files(&src);
    assert!(files.len() >= 20, "src not found");
    let skip = [src.join("core/sort.rs"), src.join("storage/contract.rs")];
    let mut found = Vec::new();
    for f in files.iter().filter(|f| !skip.contains(f) && !f.starts_with(src.join("bin"))) {
        let text = fs::read_to_string(f).expect("read");
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("#[cfg(test)]") {
                break; // test modules come last in this code base
            }
            let code = line.split("//").next().unwrap_or("");
            for banned in [".sort_by(", ".sort_unstable_by(", ".sort_by_key(", ".sort_unstable_by_key(", ".sort_by_cached_key("] {
                if code.contains(banned) {
                    found.push(format!("{}:{}: {}", f.strip_prefix(&src).unwrap_or(f).display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "use crate::core::sort::sort_by(&mut v, |a, b| ...) instead (one sort for the whole app, see src/core/sort.rs):\n{}",
        found.join("\n")
    );
}
