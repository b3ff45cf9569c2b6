//! A chosen file read a part at a time (`File.slice`, then `arrayBuffer`): a bundle
//! carrying photos is never held whole (`app::exchange::FileParts`).

use crate::app::exchange::{FileParts, PART_BYTES};
use crate::core::bundle::ImportError;

/// A `File` (or any `Blob`) as the import's [`FileParts`].
#[derive(Clone)]
pub struct WebFile {
    blob: web_sys::Blob,
    part: u64,
}

impl WebFile {
    /// Read in parts of [`PART_BYTES`] (4 MiB).
    pub fn new(file: web_sys::File) -> WebFile {
        WebFile { blob: file.into(), part: PART_BYTES }
    }

    /// Any blob, read in parts of `part` bytes (tests: lines across parts).
    pub fn with_part_bytes(blob: web_sys::Blob, part: u64) -> WebFile {
        WebFile { blob, part: part.max(1) }
    }
}

fn js_text(e: &wasm_bindgen::JsValue) -> String {
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

impl FileParts for WebFile {
    fn size(&self) -> u64 {
        self.blob.size() as u64
    }

    async fn read_range(&self, start: u64, end: u64) -> Result<Vec<u8>, ImportError> {
        let unreadable = |e: wasm_bindgen::JsValue| ImportError::Unreadable { reason: js_text(&e) };
        let part = self.blob.slice_with_f64_and_f64(start as f64, end as f64).map_err(unreadable)?;
        let buf = wasm_bindgen_futures::JsFuture::from(part.array_buffer()).await.map_err(unreadable)?;
        Ok(js_sys::Uint8Array::new(&buf).to_vec())
    }

    fn part_bytes(&self) -> u64 {
        self.part
    }
}
