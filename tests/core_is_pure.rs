//! Architecture invariant: the pure core never names the browser or the UI framework.

#[path = "source_support/mod.rs"]
mod source_support;

use source_support::rust_files;
use std::fs;
use std::path::Path;

#[test]
fn the_core_does_not_import_the_browser_or_leptos() {
    let files = rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core"));
    assert!(files.len() >= 5, "src/core not found");
    for f in files {
        let text = fs::read_to_string(&f).expect("read");
        for banned in ["leptos", "web_sys", "js_sys", "wasm_bindgen", "gloo"] {
            let code: String = text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
            assert!(!code.contains(banned), "{} uses {banned}", f.display());
        }
    }
}

/// The application layer (`src/app/`) is native too: its use cases run in `cargo
/// test` on the memory store, so it may name storage and the core, never the
/// browser, the UI framework or the UI.
#[test]
fn the_application_layer_does_not_import_the_browser_leptos_or_the_ui() {
    let files = rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app"));
    assert!(files.len() >= 3, "src/app not found");
    for f in files {
        let text = fs::read_to_string(&f).expect("read");
        let code: String = text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
        for banned in ["leptos", "web_sys", "js_sys", "wasm_bindgen", "gloo", "crate::ui", "storage::idb", "storage::local", "storage::browser"] {
            assert!(!code.contains(banned), "{} uses {banned}", f.display());
        }
    }
}
