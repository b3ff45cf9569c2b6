//! One sorting routine for the crate (排序): [`sort_by`].
//!
//! The standard library's sorts are generic over the element type *and* the
//! comparison closure, so every `slice::sort_by` call site compiles its own copy of
//! driftsort (or ipnsort for `sort_unstable_by`): about 4 KB of wasm each. With
//! thirty call sites they were ~127 KB of the app's first-load wasm
//! (docs/performance.md, "First-load size"). Here the comparison goes through one
//! `dyn` closure over positions, so the sort itself is compiled once; each caller
//! adds only a short permutation loop. Stable, like `slice::sort_by`.
//!
//! Hot paths whose keys are plain integers (the ledger's `u128` keys) keep
//! `sort_unstable` on those integers: one copy per integer type, and faster.
//!
//! For the same reason [`btree_map`] and [`btree_set`] build ordered collections by
//! inserting: `collect::<BTreeMap<_, _>>()` first sorts a `Vec` of the pairs with
//! its own driftsort copy per key/value type.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// Like `items.into_iter().collect::<BTreeMap<_, _>>()` (a later duplicate key's
/// value wins), without compiling a sort for the pair type.
pub fn btree_map<K: Ord, V>(items: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut m = BTreeMap::new();
    for (k, v) in items {
        m.insert(k, v);
    }
    m
}

/// Like `items.into_iter().collect::<BTreeSet<_>>()`, without compiling a sort.
pub fn btree_set<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut s = BTreeSet::new();
    for x in items {
        s.insert(x);
    }
    s
}

/// Sorts `v` with `cmp`, stably (equal elements keep their order): the same result
/// as `v.sort_by(cmp)`.
pub fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let mut order: Vec<usize> = (0..v.len()).collect();
    {
        let v: &[T] = v;
        sort_positions(&mut order, &mut |a, b| cmp(&v[a], &v[b]));
    }
    permute(v, &mut order);
}

/// The one instantiation of the standard sort: positions compared through `cmp`.
#[inline(never)]
fn sort_positions(order: &mut [usize], cmp: &mut dyn FnMut(usize, usize) -> Ordering) {
    order.sort_by(|a, b| cmp(*a, *b));
}

/// Reorders `v` in place so that the new `v[i]` is the old `v[order[i]]`, following
/// each cycle of the permutation once (O(n) swaps). Consumes `order`.
fn permute<T>(v: &mut [T], order: &mut [usize]) {
    for start in 0..order.len() {
        let mut cur = start;
        loop {
            let next = order[cur];
            order[cur] = cur; // done
            if next == start || next == cur {
                break;
            }
            v.swap(cur, next);
            cur = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sort_by;

    /// A small deterministic generator (no dev-dependency needed).
    fn lcg(seed: &mut u64) -> u64 {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        *seed >> 33
    }

    #[test]
    fn same_as_std_stable_sort_on_many_inputs() {
        let mut seed = 7;
        for len in (0..40).chain([100, 257, 1000, 4096]) {
            for range in [1, 3, 10, 1_000_000] {
                // (key, original position): equal keys must keep their order.
                let v: Vec<(u64, usize)> = (0..len).map(|i| (lcg(&mut seed) % range, i)).collect();
                let mut ours = v.clone();
                sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
                let mut std = v.clone();
                std.sort_by(|a, b| a.0.cmp(&b.0));
                assert_eq!(ours, std, "len {len}, key range {range}");
            }
        }
    }

    #[test]
    fn btree_helpers_match_collect() {
        use std::collections::{BTreeMap, BTreeSet};
        let pairs = vec![("b", 1), ("a", 2), ("b", 3), ("c", 4), ("a", 5)];
        assert_eq!(super::btree_map(pairs.clone()), pairs.iter().copied().collect::<BTreeMap<_, _>>());
        assert_eq!(super::btree_map(pairs.clone())["b"], 3, "a later duplicate wins");
        let items = vec![3, 1, 2, 3, 1];
        assert_eq!(super::btree_set(items.clone()), items.into_iter().collect::<BTreeSet<_>>());
    }

    #[test]
    fn sorts_owned_values_without_cloning_and_descending() {
        let mut v: Vec<String> = ["delta", "alpha", "charlie", "bravo", "alpha"].iter().map(|s| s.to_string()).collect();
        sort_by(&mut v, |a, b| b.cmp(a));
        assert_eq!(v, ["delta", "charlie", "bravo", "alpha", "alpha"]);
        let mut already: Vec<u8> = (0..50).collect();
        sort_by(&mut already, |a, b| a.cmp(b));
        assert_eq!(already, (0..50).collect::<Vec<u8>>());
        let mut reversed: Vec<u8> = (0..50).rev().collect();
        sort_by(&mut reversed, |a, b| a.cmp(b));
        assert_eq!(reversed, (0..50).collect::<Vec<u8>>());
    }
}
