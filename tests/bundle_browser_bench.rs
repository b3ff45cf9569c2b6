//! Browser import benchmark (not in the default test run; part of `scripts/bench.sh`):
//! a generated campaign of about 108,000 records exported as one bundle, imported in
//! headless Chromium, each step beside its plain-JavaScript counterpart in the same
//! page, timed with `performance.now()`, medians over repeated runs:
//!
//! - parse + validate + merge (`read_bundle` + `preview`) against `JSON.parse` of the
//!   same text (goal ≤ 1.0×);
//! - persisting the merged import through our IndexedDB store (`IdbStore::commit_owned`,
//!   what the app's commit path calls: one atomic transaction, strict durability,
//!   merged on write, field-work records in pages) against a plain-JS put loop of
//!   the same docs (each doc's JSON text under its id) in one transaction with the
//!   same durability (goal ≤ 1.5×); as diagnostics, the same JS loop writing the docs
//!   packed 256 to a record, and in a transaction per 10,000 docs;
//! - the whole import, bytes to durable, against PouchDB (`pouchdb-browser`, its
//!   IndexedDB adapter) parsing the same text and `bulkDocs`-ing the same records
//!   (goal ≥ 10× faster).
//!
//! Prints one `BENCH_JSON import {…}` line that `scripts/bench.sh` collects. Needs
//! `tests/bench_support/import_bench.gen.js`, which `scripts/bench.sh` bundles from
//! `import_bench.mjs` and npm's `pouchdb-browser` (git-ignored). By hand:
//!
//! `bash scripts/bench.sh import`
#![cfg(target_arch = "wasm32")]

use duzhan::core::bundle::import::read_bundle;
use duzhan::core::bundle::ledger::META_SYNC_LEDGER;
use duzhan::core::bundle::warmup::generated_bundle;
use duzhan::core::bundle::{preview, Limits, SyncLedger};
use duzhan::core::clock::{DeviceId, Hlc};
use duzhan::core::default_plan;
use duzhan::core::replica::Replica;
use duzhan::storage::boot::{clock_json, META_CLOCK};
use duzhan::storage::idb::IdbStore;
use duzhan::storage::Store;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/tests/bench_support/import_bench.gen.js")]
extern "C" {
    fn now() -> f64;
    #[wasm_bindgen(catch)]
    async fn settle(ms: u32) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = jsonParseMs, catch)]
    fn json_parse_ms(text: &JsValue) -> Result<f64, JsValue>;
    #[wasm_bindgen(js_name = plainPutMs, catch)]
    async fn plain_put_ms(name: &str, ids: &js_sys::Array, values: &js_sys::Array) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = plainPutLayoutMs, catch)]
    async fn plain_put_layout_ms(name: &str, ids: &js_sys::Array, values: &js_sys::Array, layout: &str, per: u32) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = pouchImport, catch)]
    async fn pouch_import(name: &str, text: &JsValue) -> Result<JsValue, JsValue>;
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Repetitions, overridable at compile time (`DUZHAN_BENCH_REPS`, `DUZHAN_BENCH_POUCH_REPS`).
fn reps(var: Option<&str>, default: usize) -> usize {
    var.and_then(|s| s.parse().ok()).unwrap_or(default).max(1)
}

fn get(v: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

#[wasm_bindgen_test]
async fn import_of_a_100k_record_bundle_beside_json_parse_a_put_loop_and_pouchdb() {
    let reps_fast = reps(option_env!("DUZHAN_BENCH_REPS"), 5);
    let reps_pouch = reps(option_env!("DUZHAN_BENCH_POUCH_REPS"), 3);
    // The exporting device's bundle: the embedded default plus a generated campaign.
    let bytes = generated_bundle(2_000, 2_400, 16_000).expect("export");
    let records = read_bundle(&bytes, None, &Limits::default()).expect("read").docs.len();
    let text = String::from_utf8(bytes.clone()).expect("utf8");
    let js_text = JsValue::from_str(&text);
    drop(text);
    // The importing device: a fresh one holding the embedded default.
    let b = Replica::from_parts(default_plan::docs(), Hlc::new(DeviceId("d-bench-b".into())));
    let limits = Limits::default();

    // 3. parse + validate + merge against JSON.parse, alternating, same page.
    let (mut parse, mut merge, mut ours, mut js) = (vec![], vec![], vec![], vec![]);
    let mut change = None;
    for _ in 0..reps_fast {
        let t0 = now();
        let incoming = read_bundle(&bytes, None, &limits).expect("read");
        let t1 = now();
        let p = preview(incoming, &b, &SyncLedger::default(), duzhan::core::bundle::import::MAX_WALL_MS).expect("preview");
        let t2 = now();
        parse.push(t1 - t0);
        merge.push(t2 - t1);
        ours.push(t2 - t0);
        js.push(json_parse_ms(&js_text).expect("JSON.parse"));
        change = Some((p.change, p.ledger));
    }
    let (change, ledger) = change.expect("at least one run");
    // Where parse + validate spends its time (diagnostics for docs/performance.md).
    let (mut sha, mut serde_only) = (vec![], vec![]);
    let text = std::str::from_utf8(&bytes).expect("utf8");
    for _ in 0..reps_fast.min(3) {
        let t0 = now();
        let sum = duzhan::core::digest::sha256_bytes_hex(&bytes);
        let t1 = now();
        let env: duzhan::core::bundle::wire::Envelope<duzhan::core::bundle::wire::CoreDocs> = serde_json::from_str(text).expect("envelope");
        let t2 = now();
        assert!(!sum.is_empty() && !env.payload.docs.is_empty());
        drop(env);
        sha.push(t1 - t0);
        serde_only.push(t2 - t1);
    }
    let staged = change.docs.len();
    let m = |v: &[f64]| (median(v) * 10.0).round() / 10.0;
    if option_env!("DUZHAN_BENCH_ONLY") == Some("parse") {
        // Item 3 alone, for profiling the parse path (`DUZHAN_BENCH_ONLY=parse bash scripts/bench.sh import`).
        let json = serde_json::json!({
            "records": records, "bytes": bytes.len(), "staged": staged, "reps": reps_fast,
            "parse_validate_ms": m(&parse), "merge_ms": m(&merge), "parse_validate_merge_ms": m(&ours),
            "json_parse_ms": m(&js), "of_which_sha256_ms": m(&sha), "of_which_serde_into_wire_types_ms": m(&serde_only),
            "ratio_vs_json_parse": median(&ours) / median(&js),
            "runs": { "parse_validate_merge_ms": ours, "json_parse_ms": js },
        });
        console_log!("BENCH_JSON import {}", json);
        return;
    }
    let meta = vec![(META_SYNC_LEDGER.to_owned(), ledger.to_meta().expect("ledger")), (META_CLOCK.to_owned(), clock_json(&change.clock))];

    // 4a. persisting the merged import: our store against a plain-JS put loop of the
    // very same keys and values (the JSON text our store writes per doc).
    let ids = js_sys::Array::new();
    let values = js_sys::Array::new();
    for d in &change.docs {
        ids.push(&JsValue::from_str(&d.id));
        values.push(&JsValue::from_str(&serde_json::to_string(d).expect("doc json")));
    }
    let (mut store_ms, mut plain_ms) = (vec![], vec![]);
    for rep in 0..reps_fast {
        let name = format!("duzhan-bench-ours-{rep}");
        IdbStore::delete_database(&name).await.expect("delete");
        let store = IdbStore::open(&name).await.expect("open");
        let docs = change.docs.clone();
        let t0 = now();
        store.commit_owned(docs, &meta).await.expect("commit");
        store_ms.push(now() - t0);
        drop(store);
        if rep == 0 {
            let loaded = IdbStore::open(&name).await.expect("reopen").load().await.expect("load");
            assert_eq!(loaded.docs.len(), staged, "our store gives back every staged doc");
        }
        IdbStore::delete_database(&name).await.expect("delete");
        let ms = plain_put_ms(&format!("duzhan-bench-plain-{rep}"), &ids, &values).await.expect("plain put loop");
        plain_ms.push(ms.as_f64().unwrap_or(f64::NAN));
    }
    // Diagnostics: the same put loop with other layouts (what limits the figure above).
    let (mut packed, mut chunked_tx) = (vec![], vec![]);
    for rep in 0..reps_fast.min(3) {
        packed
            .push(plain_put_layout_ms(&format!("duzhan-bench-packed-{rep}"), &ids, &values, "packed", 256).await.expect("packed").as_f64().unwrap_or(f64::NAN));
        chunked_tx.push(
            plain_put_layout_ms(&format!("duzhan-bench-chunked-{rep}"), &ids, &values, "chunkedTx", 10_000)
                .await
                .expect("chunked")
                .as_f64()
                .unwrap_or(f64::NAN),
        );
    }
    drop((ids, values));

    // 4b. the whole import, bytes to durable: ours against PouchDB's bulkDocs.
    let (mut whole, mut pouch_total, mut pouch_bulk) = (vec![], vec![], vec![]);
    let mut adapter = String::new();
    for rep in 0..reps_pouch {
        let name = format!("duzhan-bench-whole-{rep}");
        IdbStore::delete_database(&name).await.expect("delete");
        let store = IdbStore::open(&name).await.expect("open");
        let _ = settle(3_000).await;
        let t0 = now();
        let incoming = read_bundle(&bytes, None, &limits).expect("read");
        let p = preview(incoming, &b, &SyncLedger::default(), duzhan::core::bundle::import::MAX_WALL_MS).expect("preview");
        let meta = vec![p.ledger_meta().expect("ledger"), (META_CLOCK.to_owned(), clock_json(&p.change.clock))];
        store.commit_owned(p.change.docs, &meta).await.expect("commit");
        whole.push(now() - t0);
        drop(store);
        IdbStore::delete_database(&name).await.expect("delete");
        let _ = settle(3_000).await;
        let r = pouch_import(&format!("duzhan-bench-pouch-{rep}"), &js_text).await.expect("PouchDB import");
        pouch_total.push(get(&r, "totalMs").as_f64().unwrap_or(f64::NAN));
        pouch_bulk.push(get(&r, "bulkDocsMs").as_f64().unwrap_or(f64::NAN));
        adapter = get(&r, "adapter").as_string().unwrap_or_default();
        let written = get(&r, "written").as_f64().unwrap_or(0.0) as usize;
        assert_eq!(written, records, "PouchDB holds every record of the bundle");
    }

    let json = serde_json::json!({
        "records": records,
        "bytes": bytes.len(),
        "staged": staged,
        "reps": reps_fast,
        "pouch_reps": reps_pouch,
        "pouch_adapter": adapter,
        "parse_validate_ms": m(&parse),
        "merge_ms": m(&merge),
        "parse_validate_merge_ms": m(&ours),
        "json_parse_ms": m(&js),
        "of_which_sha256_ms": m(&sha),
        "of_which_serde_into_wire_types_ms": m(&serde_only),
        "ratio_vs_json_parse": median(&ours) / median(&js),
        "store_commit_ms": m(&store_ms),
        "plain_put_loop_ms": m(&plain_ms),
        "ratio_vs_put_loop": median(&store_ms) / median(&plain_ms),
        "diag_put_loop_packed_256_per_record_ms": m(&packed),
        "ratio_vs_put_loop_packed_like_ours": median(&store_ms) / median(&packed),
        "diag_put_loop_tx_per_10000_ms": m(&chunked_tx),
        "whole_import_ms": m(&whole),
        "pouch_import_ms": m(&pouch_total),
        "pouch_bulkdocs_ms": m(&pouch_bulk),
        "pouch_over_ours": median(&pouch_total) / median(&whole),
        "runs": { "parse_validate_merge_ms": ours, "json_parse_ms": js, "store_commit_ms": store_ms, "plain_put_loop_ms": plain_ms, "whole_import_ms": whole, "pouch_import_ms": pouch_total },
    });
    console_log!("BENCH_JSON import {}", json);
}
