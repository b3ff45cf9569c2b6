//! The few browser facts the UI needs: time, randomness, the URL fragment and
//! small settings. Kept here so components stay free of `web_sys` calls.

use crate::core::clock::DeviceId;
use crate::core::i18n::Lang;
use chrono::NaiveDate;
use gloo_storage::{LocalStorage, Storage};

const LANG_KEY: &str = "duzhan.lang";

pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Today's local date.
pub fn today() -> NaiveDate {
    let d = js_sys::Date::new_0();
    NaiveDate::from_ymd_opt(d.get_full_year() as i32, d.get_month() + 1, d.get_date()).unwrap_or_default()
}

/// A new random device id from the browser's cryptographic generator.
pub fn random_device() -> DeviceId {
    let mut buf = [0u8; 8];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .and_then(|c| c.get_random_values_with_u8_array(&mut buf).ok())
        .is_some();
    if !filled {
        // No Web Crypto (very old browsers): time and Math.random still make collisions unlikely.
        let t = now_ms();
        for (i, b) in buf.iter_mut().enumerate() {
            *b = ((js_sys::Math::random() * 256.0) as u8) ^ ((t >> (i * 8)) as u8);
        }
    }
    DeviceId::from_random(buf)
}

pub fn current_hash() -> String {
    web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}

pub fn navigate(hash: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_hash(hash);
    }
}

pub fn print_page() {
    if let Some(w) = web_sys::window() {
        let _ = w.print();
    }
}

/// The UI language is a small per-browser setting, kept in localStorage.
pub fn stored_lang() -> Lang {
    LocalStorage::get::<String>(LANG_KEY).map(|s| Lang::from_code(&s)).unwrap_or_default()
}

pub fn store_lang(lang: Lang) {
    let _ = LocalStorage::set(LANG_KEY, lang.code());
    if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = el.set_attribute("lang", lang.html_lang());
    }
}
