//! Architecture invariant: the core is built in floors, and a module imports only
//! from floors below its own. Bottom to top:
//!
//! | floor | modules | what they are |
//! |---|---|---|
//! | 0 | `clock`, `sort`, `calendar`, `digest` | stamps, the one sort, the campaign calendar (UTC+8), SHA-256 hex |
//! | 1 | `doc` | merge-ready records, [`Entity`](duzhan::core::doc::Entity), decoding |
//! | 2 | `model` | the plan's record kinds |
//! | 3 | `i18n` | languages, UI texts, record kind names, the `UserMessage` trait |
//! | 4 | `validate` | typed validation errors |
//! | 5 | `seed`, `snapshot` | the plan's embedded data; the typed read model |
//! | 6 | `replica` | the device's docs and clock; staging changes |
//! | 7 | `ops`, `fieldwork` | plan operations; field work |
//! | 8 | `report` | the monthly cycle |
//! | 9 | `default_plan`, `export`, `plan_edit`, `read_model`, `route` | the whole embedded default; sheets; plan editing; the read models; view addresses |
//! | 10 | `bundle` | sync by files |
//! | 11 | `campaigns`, `guardian` | several campaigns on a device; the data guardian |
//!
//! The same list is in `src/core/mod.rs`'s module doc. A module on a floor may use
//! any module on a lower floor and none on its own or a higher one, so the
//! top-level modules form no import cycle (the second test checks that directly,
//! whatever the list says). Imports inside one top-level module (between
//! `fieldwork`'s files, say) are that module's business and not checked.
//!
//! What counts as an import: a path in code starting `crate::core::X` or resolving
//! through `super::` to the core's module `X` (in `use` lines and inline paths).
//! Comments, string and character literals and `#[cfg(test)]` items are skipped:
//! a test may build its data from any floor. `src/core/mod.rs` (the `entity!`
//! macro and the module list) belongs to no floor.

#[path = "source_support/mod.rs"]
mod source_support;

use source_support::rust_files;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The core's top-level modules by floor, bottom first.
const FLOORS: &[&[&str]] = &[
    &["clock", "sort", "calendar", "digest"],
    &["doc"],
    &["model"],
    &["i18n"],
    &["validate"],
    &["seed", "snapshot"],
    &["replica"],
    &["ops", "fieldwork"],
    &["report"],
    &["default_plan", "export", "plan_edit", "read_model", "route"],
    &["bundle"],
    &["campaigns", "guardian"],
];

fn floor_of(module: &str) -> Option<usize> {
    FLOORS.iter().position(|f| f.contains(&module))
}

fn core_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core")
}

/// An import of one top-level core module by another.
struct Import {
    from: String,
    to: String,
    file: String,
    line: usize,
}

/// The source without comments, string and character literals, with every line
/// break kept (so positions still give line numbers).
fn strip(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let keep_breaks = |s: &[char], out: &mut String| out.extend(s.iter().filter(|c| **c == '\n'));
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let (start, mut depth) = (i, 0);
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            keep_breaks(&b[start..i.min(b.len())], &mut out);
        } else if c == 'r' && !(i > 0 && is_ident(b[i - 1])) && (next == Some('"') || (next == Some('#') && matches!(b.get(i + 2), Some('#' | '"')))) {
            // A raw string r"…" or r#"…"# (not a raw identifier r#type).
            let start = i;
            i += 1;
            let mut hashes = 0;
            while b.get(i) == Some(&'#') {
                hashes += 1;
                i += 1;
            }
            i += 1;
            while i < b.len() && !(b[i] == '"' && (0..hashes).all(|h| b.get(i + 1 + h) == Some(&'#'))) {
                i += 1;
            }
            i += 1 + hashes;
            keep_breaks(&b[start..i.min(b.len())], &mut out);
            out.push_str("\"\"");
        } else if c == '"' {
            let start = i;
            i += 1;
            while i < b.len() && b[i] != '"' {
                i += if b[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            keep_breaks(&b[start..i.min(b.len())], &mut out);
            out.push_str("\"\"");
        } else if c == '\'' && (next == Some('\\') || b.get(i + 2) == Some(&'\'')) {
            // A character literal ('x', '\n', '\u{4e00}'), not a lifetime.
            i += 1;
            while i < b.len() && b[i] != '\'' {
                i += if b[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// `code` (stripped) without its `#[cfg(test)]` items: the attribute, any further
/// attributes, and the item up to its `;` or its balanced `{…}` block. Line breaks
/// are kept.
fn without_tests(code: &str) -> String {
    let b: Vec<char> = code.chars().collect();
    let pat: Vec<char> = "#[cfg(test)]".chars().collect();
    let mut out = String::with_capacity(code.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(&pat) {
            let start = i;
            i += pat.len();
            let mut depth = 0usize;
            while i < b.len() {
                match b[i] {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            i += 1;
                            break;
                        }
                    }
                    ';' if depth == 0 => {
                        i += 1;
                        break;
                    }
                    _ => {}
                }
                i += 1;
            }
            out.extend(b[start..i.min(b.len())].iter().filter(|c| **c == '\n'));
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// The module path of a file under `src/core` (`fieldwork/problem.rs` is
/// `["fieldwork", "problem"]`, `fieldwork/mod.rs` is `["fieldwork"]`).
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs").to_owned();
        if stem != "mod" {
            parts.push(stem);
        }
    }
    parts
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The first segment of each path in a `{…}` group (or of the single path) at `rest`.
fn named_modules(rest: &str) -> Vec<String> {
    let rest = rest.trim_start();
    if let Some(group) = rest.strip_prefix('{') {
        let mut items = Vec::new();
        let (mut depth, mut item) = (0usize, String::new());
        for c in group.chars() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(std::mem::take(&mut item));
                    continue;
                }
                _ => {}
            }
            item.push(c);
        }
        items.push(item);
        items.iter().map(|i| i.trim().chars().take_while(|c| is_ident(*c)).collect::<String>()).filter(|s| !s.is_empty() && s != "self").collect()
    } else {
        let first: String = rest.chars().take_while(|c| is_ident(*c)).collect();
        if first.is_empty() {
            Vec::new()
        } else {
            vec![first]
        }
    }
}

/// Every import between two different top-level core modules, outside tests.
fn imports() -> Vec<Import> {
    let dir = core_dir();
    let files = rust_files(&dir);
    assert!(files.len() >= 20, "src/core not found");
    let mut out = Vec::new();
    for f in files {
        let rel = f.strip_prefix(&dir).expect("under src/core").to_path_buf();
        let path = module_path(&rel);
        let Some(from) = path.first().cloned() else { continue }; // src/core/mod.rs
        let code = without_tests(&strip(&fs::read_to_string(&f).expect("read")));
        let chars: Vec<(usize, char)> = code.char_indices().collect();
        for (k, &(at, _)) in chars.iter().enumerate() {
            if k > 0 && (is_ident(chars[k - 1].1) || chars[k - 1].1 == ':') {
                continue;
            }
            let here = &code[at..];
            let rest = if let Some(r) = here.strip_prefix("crate::core::") {
                Some(r)
            } else if here.starts_with("super::") {
                let mut r = here;
                let mut ups = 0;
                while let Some(x) = r.strip_prefix("super::") {
                    r = x;
                    ups += 1;
                }
                // `super` from core/x.rs is the core itself; from core/x/y.rs it is `x`.
                (ups == path.len()).then_some(r)
            } else {
                None
            };
            let Some(rest) = rest else { continue };
            let line = code[..at].matches('\n').count() + 1;
            for to in named_modules(rest) {
                if to != from && to != "*" {
                    out.push(Import { from: from.clone(), to, file: rel.display().to_string(), line });
                }
            }
        }
    }
    out
}

/// The core's top-level modules as `src/core/mod.rs` declares them.
fn declared_modules() -> BTreeSet<String> {
    let text = fs::read_to_string(core_dir().join("mod.rs")).expect("read src/core/mod.rs");
    text.lines().filter_map(|l| l.trim().strip_prefix("pub mod ")).map(|l| l.trim_end_matches(';').trim().to_owned()).collect()
}

#[test]
fn every_core_module_has_a_floor() {
    let declared = declared_modules();
    let listed: BTreeSet<String> = FLOORS.iter().flat_map(|f| f.iter().map(|m| m.to_string())).collect();
    assert_eq!(listed, declared, "tests/layers.rs FLOORS must list every module of src/core/mod.rs once");
    assert_eq!(FLOORS.iter().map(|f| f.len()).sum::<usize>(), declared.len(), "a module is listed twice");
}

#[test]
fn no_core_module_imports_one_on_its_own_floor_or_higher() {
    let all = imports();
    assert!(all.iter().any(|i| i.from == "replica" && i.to == "doc"), "the import scan found nothing (replica uses doc)");
    let mut wrong: Vec<String> = all
        .iter()
        .filter_map(|i| {
            let (a, b) = (floor_of(&i.from)?, floor_of(&i.to)?);
            (b >= a).then(|| format!("src/core/{}:{}: {} (floor {a}) imports {} (floor {b})", i.file, i.line, i.from, i.to))
        })
        .collect();
    wrong.dedup();
    let unknown: Vec<String> =
        all.iter().filter(|i| floor_of(&i.to).is_none()).map(|i| format!("src/core/{}:{}: {} is not a core module", i.file, i.line, i.to)).collect();
    assert!(unknown.is_empty(), "{}", unknown.join("\n"));
    assert!(wrong.is_empty(), "upward imports (move the code to the floor it belongs to, see the table at the top of tests/layers.rs):\n{}", wrong.join("\n"));
}

#[test]
fn the_core_modules_import_each_other_without_a_cycle() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for i in imports() {
        graph.entry(i.from).or_default().insert(i.to);
    }
    // Depth-first search; a module met again while still on the path closes a cycle.
    fn visit(m: &str, graph: &BTreeMap<String, BTreeSet<String>>, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == m) {
            let mut cycle = path[at..].to_vec();
            cycle.push(m.to_owned());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_owned());
        for next in graph.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        if let Some(cycle) = visit(m, &graph, &mut Vec::new(), &mut done) {
            panic!("the core's modules import each other in a circle: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn the_scanner_sees_through_comments_strings_groups_and_tests() {
    let code = without_tests(&strip("use super::{doc, model::X};\n// use super::report;\nlet s = \"crate::core::bundle\";\nlet c = '{';\n#[cfg(test)]\nmod tests {\n    use crate::core::campaigns;\n    fn f() { let _ = \"}\"; }\n}\nuse crate::core::seed;\n"));
    assert!(!code.contains("report") && !code.contains("bundle") && !code.contains("campaigns"), "{code}");
    assert!(code.contains("crate::core::seed"), "{code}");
    assert_eq!(code.lines().count(), 10, "line breaks are kept");
    assert_eq!(named_modules("{doc, model::X};"), ["doc", "model"]);
    assert_eq!(named_modules("{self, Lang}"), ["Lang"]);
}
