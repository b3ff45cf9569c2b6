//! The app's entry point: mounts the UI. Everything else lives in the library.

#[cfg(all(target_arch = "wasm32", feature = "ui"))]
fn main() {
    duzhan::ui::start();
}

#[cfg(not(all(target_arch = "wasm32", feature = "ui")))]
fn main() {
    eprintln!("duzhan runs in the browser: build it with `trunk build --release` (see README.md).");
}
