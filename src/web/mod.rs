//! Browser-only code outside the UI: what needs a browser's codecs or APIs but no
//! component, so the UI only calls it and the browser tests (`tests/browser.rs`,
//! in Chromium, Firefox and WebKit) test it without Leptos.

pub mod file_parts;
pub mod photo_input;
