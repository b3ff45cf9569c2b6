//! Build script: links the app's wasm with its relocations kept (`--emit-relocs`).
//!
//! `wasm-split` (scripts/split.mjs, run by the Trunk post-build hook) needs them to
//! cut the app at its split points (src/ui/split.rs) into a first-load module and
//! chunks loaded on first use; wasm-bindgen and wasm-opt drop them from what is
//! shipped. Only the `duzhan` binary on wasm32: the tests, the native build and the
//! Excel worker link as before.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo::rustc-link-arg-bin=duzhan=--emit-relocs");
    }
}
