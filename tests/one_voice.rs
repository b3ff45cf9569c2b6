//! One way to say things to the user: every user-visible word is in the one
//! translation system (`core::i18n`: the `K` table, `Lang`'s punctuation, the
//! record kind names, each error's `message`), never a literal in a view.

#[path = "source_support/mod.rs"]
mod source_support;

use source_support::rust_files;
use std::fs;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Chinese characters and the full-width punctuation of Chinese text (：，（）、；).
fn is_chinese(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303f}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
}

/// The string literals of a line of code (`"…"`, escapes honoured); the part of a
/// line after `//` outside a literal is a comment and is not read.
fn literals(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    let mut current: Option<String> = None;
    let mut prev = '\0';
    while let Some(c) = chars.next() {
        match &mut current {
            None => {
                if c == '/' && chars.peek() == Some(&'/') {
                    break;
                }
                // A char literal '"' is not the start of a string.
                if c == '"' && prev != '\'' {
                    current = Some(String::new());
                }
            }
            Some(s) => match c {
                '\\' => {
                    if let Some(escaped) = chars.next() {
                        s.push(escaped);
                    }
                }
                '"' => out.push(current.take().unwrap_or_default()),
                _ => s.push(c),
            },
        }
        prev = c;
    }
    out
}

#[test]
fn no_view_holds_a_chinese_literal() {
    let files = rust_files(&root().join("src/ui"));
    assert!(files.len() >= 10, "src/ui not found");
    let mut found = Vec::new();
    for f in files {
        let text = fs::read_to_string(&f).expect("read");
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for lit in literals(line) {
                if lit.chars().any(is_chinese) {
                    found.push(format!("{}:{}: \"{lit}\"", f.strip_prefix(root()).unwrap_or(&f).display(), n + 1));
                }
            }
        }
    }
    assert!(found.is_empty(), "Chinese words and punctuation in views belong in core::i18n (a K key, or Lang's punctuation):\n{}", found.join("\n"));
}

#[test]
fn the_literal_scanner_finds_what_it_should() {
    assert_eq!(literals(r#"format!("{}：{}", a, b) // 注释 "不算""#), vec!["{}：{}".to_owned()]);
    assert_eq!(literals(r#"let q = '"'; let s = "a\"b";"#), vec!["a\"b".to_owned()]);
    assert!(literals("// \"全是注释\"").is_empty());
    assert!("（".chars().all(is_chinese) && "中".chars().all(is_chinese) && !"a(),:".chars().any(is_chinese));
}

/// The names of every key in the `keys!` table of `core/i18n.rs`.
fn keys() -> Vec<String> {
    let text = fs::read_to_string(root().join("src/core/i18n.rs")).expect("read i18n");
    let start = text.find("keys! {").expect("the keys! table");
    let end = start + text[start..].find("\n}").expect("its end");
    text[start..end]
        .lines()
        .skip(1)
        .filter_map(|l| l.trim().split_once(" =>").map(|(k, _)| k.trim().to_owned()))
        .filter(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric()))
        .collect()
}

#[test]
fn every_translation_key_is_used() {
    let keys = keys();
    assert!(keys.len() > 100, "the key table was not read: {}", keys.len());
    let mut code = String::new();
    for f in rust_files(&root().join("src")) {
        code.push_str(&fs::read_to_string(&f).expect("read"));
    }
    let unused: Vec<&String> = keys
        .iter()
        .filter(|k| {
            let needle = format!("K::{k}");
            !code.match_indices(&needle).any(|(i, _)| !code[i + needle.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
        })
        .collect();
    assert!(unused.is_empty(), "translation keys no code uses (remove them or use them): {unused:?}");
}
