//! Browser benchmark (not in the default test run): parse + validate + merge of a
//! ~100k-record bundle in headless Chromium, beside `JSON.parse` of the same bytes in
//! the same page. Medians of 3 runs, printed to the runner's output:
//!
//! `source scripts/env.sh && cargo test --release --target wasm32-unknown-unknown --no-default-features --test bundle_browser_bench -- --nocapture`
#![cfg(target_arch = "wasm32")]

use duzhan::core::bundle::import::read_bundle;
use duzhan::core::bundle::{export_bundle, preview, ExportRequest, ExportScope, Limits, SyncLedger};
use duzhan::core::clock::{DeviceId, Hlc};
use duzhan::core::replica::Replica;
use duzhan::core::seed;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn now() -> f64 {
    js_sys::Date::now()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[wasm_bindgen_test]
fn a_100k_record_bundle_parses_validates_and_merges() {
    let mut a = Replica::from_parts(seed::seed_docs(), Hlc::new(DeviceId("d-bench-a".into())));
    let generated = duzhan::core::fieldwork::generate::generate_campaign(2020, 2_000, 2_400, 16_000);
    let c = a.stage_merge(&generated);
    a.apply(c);
    let req = ExportRequest { scope: ExportScope::Full, recipient: None, squad_name: "bench".into(), created_ms: 1_600_000_000_000, date: chrono::NaiveDate::from_ymd_opt(2020, 9, 30).unwrap_or_default(), bundle_id: [7; 16] };
    let file = export_bundle(&a, &SyncLedger::default(), &req).expect("export");
    let text = String::from_utf8(file.bytes.clone()).expect("utf8");
    let js_text = wasm_bindgen::JsValue::from_str(&text);
    let b = Replica::from_parts(seed::seed_docs(), Hlc::new(DeviceId("d-bench-b".into())));
    let limits = Limits::default();
    let (mut ours, mut parse_only, mut js) = (Vec::new(), Vec::new(), Vec::new());
    let mut staged = 0;
    for _ in 0..3 {
        let t0 = now();
        let incoming = read_bundle(&file.bytes, None, &limits).expect("read");
        let t1 = now();
        let p = preview(incoming, &b, &SyncLedger::default(), 5).expect("preview");
        let t2 = now();
        staged = p.change.docs.len();
        parse_only.push(t1 - t0);
        ours.push(t2 - t0);
        let t3 = now();
        let parsed = js_sys::JSON::parse(js_text.as_string().as_deref().unwrap_or("")).expect("JSON.parse");
        let t4 = now();
        assert!(parsed.is_object());
        js.push(t4 - t3);
    }
    let line = format!(
        "BENCH bundle: {} records, {:.1} MB; parse+validate {:.0} ms, parse+validate+merge {:.0} ms ({} docs staged); JSON.parse alone {:.0} ms; ratio {:.2}x (medians of 3)",
        a.len(),
        file.bytes.len() as f64 / 1_048_576.0,
        median(parse_only),
        median(ours.clone()),
        staged,
        median(js.clone()),
        median(ours) / median(js).max(1.0),
    );
    wasm_bindgen_test::console_log!("{}", line);
}
