//! duzhan (挂牌督战台账): an offline-first supervision ledger for the 2020
//! Chuxiong 挂牌督战 campaign. See `ARCHITECTURE.md` for the code map.
//!
//! - [`core`]: the pure core — no browser, no I/O; tested natively.
//! - [`storage`]: the storage trait, its in-memory implementation and the shared
//!   contract suite; the IndexedDB and localStorage implementations on wasm32.
//! - [`app`]: the use cases (save, import, export, campaigns) over the store and
//!   two small ports; native, tested on the memory store.
//! - `web` (wasm32 only): browser-only code outside the UI (a chosen photo decoded,
//!   downscaled and re-encoded by the browser); tested in real engines.
//! - `ui` (wasm32 only): Leptos components that turn events into core operations.

pub mod app;
pub mod core;
pub mod storage;

#[cfg(target_arch = "wasm32")]
pub mod web;

#[cfg(all(target_arch = "wasm32", feature = "ui"))]
pub mod ui;
