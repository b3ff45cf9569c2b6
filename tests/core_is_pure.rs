//! Architecture invariant: the pure core never names the browser or the UI framework.

use std::fs;
use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in fs::read_dir(dir).expect("read src/core") {
        let p = e.expect("dir entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn the_core_does_not_import_the_browser_or_leptos() {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core"), &mut files);
    assert!(files.len() >= 5, "src/core not found");
    for f in files {
        let text = fs::read_to_string(&f).expect("read");
        for banned in ["leptos", "web_sys", "js_sys", "wasm_bindgen", "gloo"] {
            let code: String = text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
            assert!(!code.contains(banned), "{} uses {banned}", f.display());
        }
    }
}
