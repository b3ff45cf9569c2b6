//! The import's fast record reader (`wire::DocIn`, straight into core docs) against
//! the reference: the v1 wire structs (`WireDoc`) followed by `doc_from_wire`. On any
//! input text, well-formed or not — members in any order, duplicated, unknown or
//! missing, keys unsorted, values of the wrong type — both must accept the same
//! records with the same result, or refuse with the same error text (the text a
//! user's import error quotes).

use duzhan::core::bundle::wire::{doc_from_wire, DocIn, WireDoc};
use proptest::prelude::*;

/// A JSON object from (key, value-text) pairs, in the order given.
fn object(members: Vec<(String, String)>) -> String {
    let body: Vec<String> = members.into_iter().map(|(k, v)| format!("{}:{v}", serde_json::to_string(&k).unwrap_or_default())).collect();
    format!("{{{}}}", body.join(","))
}

/// Members in a shuffled order, some dropped, some duplicated, maybe one unknown.
fn members(required: Vec<(&'static str, BoxedStrategy<String>)>) -> BoxedStrategy<String> {
    let n = required.len();
    let values: Vec<BoxedStrategy<(String, String)>> = required.into_iter().map(|(k, v)| v.prop_map(move |v| (k.to_owned(), v)).boxed()).collect();
    (values, prop::option::weighted(0.03, 0..n), prop::bool::weighted(0.03), prop::bool::weighted(0.1), any::<prop::sample::Index>(), 0..100u32)
        .prop_map(move |(mut m, dup, unknown, shuffle, drop_at, drop_roll)| {
            if let Some(i) = dup {
                let again = m[i].clone();
                m.push(again);
            }
            if unknown {
                m.push(("extra".to_owned(), "1".to_owned()));
            }
            if drop_roll < 3 {
                let i = drop_at.index(m.len());
                m.remove(i);
            }
            if shuffle {
                m.reverse();
            }
            object(m)
        })
        .boxed()
}

fn wrong() -> BoxedStrategy<String> {
    prop_oneof![Just("null".to_owned()), Just("\"x\"".to_owned()), Just("[]".to_owned()), Just("-1".to_owned()), Just("1.5".to_owned()), Just("{}".to_owned())]
        .boxed()
}

fn or_wrong(s: BoxedStrategy<String>) -> BoxedStrategy<String> {
    prop_oneof![60 => s, 1 => wrong()].boxed()
}

fn dev() -> BoxedStrategy<String> {
    prop_oneof![Just("d-a"), Just("d-b"), Just("seed"), Just("d-ü"), Just("")].prop_map(|s| serde_json::to_string(s).unwrap_or_default()).boxed()
}

fn stamp() -> BoxedStrategy<String> {
    or_wrong(members(vec![
        ("dev", or_wrong(dev())),
        ("n", or_wrong(prop_oneof![30 => (0..3u32).prop_map(|n| n.to_string()), 1 => Just("4294967296".to_owned())].boxed())),
        ("wall", or_wrong(prop_oneof![30 => (0..10u64).prop_map(|n| n.to_string()), 1 => Just("18446744073709551616".to_owned())].boxed())),
    ]))
}

fn value() -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        "[a-c]{0,3}".prop_map(|s| format!("\"{s}\"")),
        (-5i64..5).prop_map(|n| n.to_string()),
        Just("2.5e3".to_owned())
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(|v| format!("[{}]", v.join(","))),
            proptest::collection::vec(("[a-c]", inner), 0..3).prop_map(object),
        ]
    })
    .boxed()
}

/// A map object with keys from a small pool (so duplicates and unsorted keys occur).
fn map_of(keys: BoxedStrategy<String>, v: BoxedStrategy<String>, max: usize) -> BoxedStrategy<String> {
    or_wrong(proptest::collection::vec((keys, v), 0..max).prop_map(object).boxed())
}

fn device_key() -> BoxedStrategy<String> {
    prop_oneof![Just("d-a"), Just("d-b"), Just("d-c")].prop_map(str::to_owned).boxed()
}

fn field() -> BoxedStrategy<String> {
    let alt = members(vec![("s", stamp()), ("v", value())]);
    or_wrong(members(vec![("alt", map_of(device_key(), alt, 3)), ("s", stamp()), ("seen", map_of(device_key(), stamp(), 3)), ("v", value())]))
}

fn doc() -> BoxedStrategy<String> {
    let names = prop_oneof![Just("name"), Just("status"), Just("_deleted"), Just("b"), Just("a"), Just("名称")].prop_map(str::to_owned).boxed();
    members(vec![
        ("fields", map_of(names, field(), 6)),
        ("id", or_wrong(Just("\"p-1\"".to_owned()).boxed())),
        ("kind", or_wrong(Just("\"problem\"".to_owned()).boxed())),
    ])
}

fn reference(text: &str) -> Result<duzhan::core::doc::Doc, String> {
    serde_json::from_str::<WireDoc>(text).map(doc_from_wire).map_err(|e| e.to_string())
}

fn fast(text: &str) -> Result<duzhan::core::doc::Doc, String> {
    serde_json::from_str::<DocIn>(text).map(|d| d.0).map_err(|e| e.to_string())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn the_fast_reader_agrees_with_the_wire_structs_on_any_record_text(text in doc()) {
        prop_assert_eq!(fast(&text), reference(&text), "{}", text);
    }
}

#[test]
fn the_generator_makes_both_valid_and_invalid_records() {
    // Without this, the property above could pass by comparing two errors every time.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut ok, mut err) = (0, 0);
    for _ in 0..500 {
        let text = doc().new_tree(&mut runner).map(|t| t.current()).unwrap_or_default();
        match reference(&text) {
            Ok(d) if !d.fields.is_empty() => ok += 1,
            Ok(_) => {}
            Err(_) => err += 1,
        }
    }
    assert!(ok > 50 && err > 50, "valid {ok}, invalid {err} of 500");
}

#[test]
fn a_later_duplicate_key_wins_and_unsorted_keys_read_sorted() {
    let s = r#"{"dev":"d-a","n":0,"wall":1}"#;
    let text = format!(r#"{{"fields":{{"b":{{"s":{s},"v":1}},"a":{{"s":{s},"v":2}},"b":{{"s":{s},"v":3}}}},"id":"p","kind":"problem"}}"#);
    let d = fast(&text).expect("reads");
    assert_eq!(d.fields.keys().collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(d.fields["b"].v, serde_json::json!(3));
    assert_eq!(Ok(d), reference(&text));
}
