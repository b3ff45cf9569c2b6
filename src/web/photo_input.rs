//! A chosen photo made ready to attach (照片): decoded and downscaled by the
//! browser, re-encoded as JPEG, with what the original file said.
//!
//! - Nothing is decoded at full size: the target size comes from the original's
//!   JPEG frame header (`fieldwork::photo::jpeg_size`, turned by its EXIF
//!   orientation) and `createImageBitmap` decodes straight to it, so a 48 MP
//!   frame never reaches a canvas (iOS refuses canvases above 16.7 MP). Files that
//!   are not JPEG (a PNG screenshot) are decoded once to learn their size.
//! - `createImageBitmap` applies the EXIF orientation (its default in every
//!   target engine), so the stored image is upright; the canvas writes no EXIF.
//! - JPEG at quality 0.8; above [`TARGET_BYTES`] again at 0.7, then 0.6; the
//!   encoder's type is checked (an engine that cannot encode JPEG would give PNG).
//! - Files above `MAX_INPUT_BYTES` (50 MB) are refused before they are read.
//! - The original's SHA-256 (`Prepared::source_sha256`) is WebCrypto's where the
//!   page is a secure context ([`sha256_of`]), so it runs while the browser decodes.
//! - [`thumbnail`]: a small JPEG of a stored photo, for the printed ledger.

use crate::core::fieldwork::photo::{exif_facts, jpeg_size, photo_hash, target_size, ExifFacts, Prepared, MAX_INPUT_BYTES, MAX_STORED_BYTES};
use crate::core::i18n::Lang;
use js_sys::{ArrayBuffer, Promise, Uint8Array};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, CanvasRenderingContext2d, HtmlCanvasElement, ImageBitmap, ImageBitmapOptions, ResizeQuality};

/// Above this the photo is encoded again at a lower quality.
pub const TARGET_BYTES: usize = 800 * 1024;
/// EXIF is read from the file's first bytes only.
const EXIF_HEAD: usize = 256 * 1024;

/// Why a chosen file cannot be attached.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("file of {0} bytes is above 50 MB")]
    TooLarge(u64),
    #[error("the browser cannot decode the file as an image: {0}")]
    NotAnImage(String),
    #[error("the photo could not be encoded: {0}")]
    Encode(String),
}

impl InputError {
    pub fn code(&self) -> &'static str {
        match self {
            InputError::TooLarge(_) => "photo_file_too_large",
            InputError::NotAnImage(_) => "photo_file_not_an_image",
            InputError::Encode(_) => "photo_encode_failed",
        }
    }

    /// What happened and what to do (nothing was stored).
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang == Lang::Zh) {
            (InputError::TooLarge(n), true) => format!("所选文件有{}MB，超过50MB，未附加。请选择相机拍摄的照片，或先缩小后再选。", n / 1_048_576),
            (InputError::TooLarge(n), false) => {
                format!("The file is {} MB, above 50 MB; not attached. Choose a camera photo, or shrink it first.", n / 1_048_576)
            }
            (InputError::NotAnImage(_), true) => {
                "所选文件不是本浏览器能打开的图片（可能已损坏，或是HEIC等格式），未附加。请选择JPEG或PNG照片，或在相机设置中改为“兼容性最佳”。".into()
            }
            (InputError::NotAnImage(_), false) => {
                "The file is not an image this browser can open (damaged, or HEIC); not attached. Choose a JPEG or PNG, or set the camera to “Most Compatible”."
                    .into()
            }
            (InputError::Encode(_), true) => "照片压缩失败（设备内存可能不足），未附加。请关闭其他页面后重试。".into(),
            (InputError::Encode(_), false) => {
                "The photo could not be compressed (the device may be low on memory); not attached. Close other pages and retry.".into()
            }
        }
    }
}

impl crate::core::i18n::UserMessage for InputError {
    fn message(&self, lang: Lang) -> String {
        InputError::message(self, lang)
    }
}

fn js_text(e: &JsValue) -> String {
    e.as_string().or_else(|| js_sys::Reflect::get(e, &"name".into()).ok().and_then(|n| n.as_string())).unwrap_or_else(|| format!("{e:?}"))
}

async fn bytes_of(blob: &Blob) -> Result<Vec<u8>, JsValue> {
    let buf = JsFuture::from(blob.array_buffer()).await?;
    Ok(Uint8Array::new(&buf).to_vec())
}

async fn bitmap(blob: &Blob, size: Option<(u32, u32)>) -> Result<ImageBitmap, InputError> {
    decoded(start_decode(blob, size)?).await
}

/// Starts decoding `blob` (scaled to `size`) at once: the browser decodes while
/// this thread does other work until [`decoded`] is awaited.
fn start_decode(blob: &Blob, size: Option<(u32, u32)>) -> Result<JsFuture, InputError> {
    let window = web_sys::window().ok_or_else(|| InputError::NotAnImage("no window".into()))?;
    let promise = match size {
        Some((w, h)) => {
            let o = ImageBitmapOptions::new();
            o.set_resize_width(w);
            o.set_resize_height(h);
            o.set_resize_quality(ResizeQuality::High);
            window.create_image_bitmap_with_blob_and_image_bitmap_options(blob, &o)
        }
        None => window.create_image_bitmap_with_blob(blob),
    }
    .map_err(|e| InputError::NotAnImage(js_text(&e)))?;
    Ok(JsFuture::from(promise))
}

/// The image a [`start_decode`] gave.
async fn decoded(decoding: JsFuture) -> Result<ImageBitmap, InputError> {
    decoding.await.map_err(|e| InputError::NotAnImage(js_text(&e)))?.dyn_into::<ImageBitmap>().map_err(|e| InputError::NotAnImage(js_text(&e)))
}

/// The SHA-256 of `bytes` in hex, as `fieldwork::photo::photo_hash` gives it: by
/// WebCrypto where the page has it (a secure context: HTTPS or localhost, which
/// the service worker needs anyway), so that the hash runs natively and off this
/// thread while the browser decodes; else here, in 64 KiB updates
/// (`core::digest`). The original of a camera photo is 3–6 MB: hashed here it
/// held this thread ~0.12 s of a pick on a 4× slowed CPU, delaying the decode.
pub async fn sha256_of(bytes: &ArrayBuffer) -> String {
    if let Some(subtle) = subtle() {
        if let Ok(p) = subtle.digest_with_str_and_buffer_source("SHA-256", bytes) {
            if let Ok(d) = JsFuture::from(p).await {
                return crate::core::digest::hex(&Uint8Array::new(&d).to_vec());
            }
        }
    }
    photo_hash(&Uint8Array::new(bytes).to_vec())
}

/// WebCrypto's digest, where the page is a secure context (`crypto.subtle` is
/// undefined elsewhere).
fn subtle() -> Option<web_sys::SubtleCrypto> {
    let window = web_sys::window()?;
    if !window.is_secure_context() {
        return None;
    }
    let subtle = js_sys::Reflect::get(&window.crypto().ok()?.into(), &"subtle".into()).ok()?;
    (!subtle.is_undefined()).then(|| subtle.unchecked_into())
}

/// Encodes a canvas as JPEG at `quality`.
async fn jpeg_of(canvas: &HtmlCanvasElement, quality: f64) -> Result<Vec<u8>, InputError> {
    bytes_of(&jpeg_blob(canvas, quality).await?).await.map_err(|e| InputError::Encode(js_text(&e)))
}

/// A canvas as a JPEG blob at `quality`.
async fn jpeg_blob(canvas: &HtmlCanvasElement, quality: f64) -> Result<Blob, InputError> {
    let mut slot: Option<Closure<dyn FnMut(JsValue)>> = None;
    let promise = Promise::new(&mut |resolve, _reject| {
        let cb = Closure::once(move |blob: JsValue| {
            let _ = resolve.call1(&JsValue::UNDEFINED, &blob);
        });
        let _ = canvas.to_blob_with_type_and_encoder_options(cb.as_ref().unchecked_ref(), "image/jpeg", &JsValue::from_f64(quality));
        slot = Some(cb);
    });
    let blob = JsFuture::from(promise).await.map_err(|e| InputError::Encode(js_text(&e)))?;
    drop(slot);
    let blob: Blob = blob.dyn_into().map_err(|_| InputError::Encode("no image from the canvas".into()))?;
    if blob.type_() != "image/jpeg" {
        return Err(InputError::Encode(format!("the browser wrote {} instead of JPEG", blob.type_())));
    }
    Ok(blob)
}

/// A canvas of `image`'s size with `image` drawn in (the bitmap closed after).
fn canvas_of(image: ImageBitmap) -> Result<(HtmlCanvasElement, CanvasRenderingContext2d), InputError> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or_else(|| InputError::Encode("no document".into()))?;
    let canvas: HtmlCanvasElement = document.create_element("canvas").map_err(|e| InputError::Encode(js_text(&e)))?.unchecked_into();
    canvas.set_width(image.width());
    canvas.set_height(image.height());
    let ctx: CanvasRenderingContext2d =
        canvas.get_context("2d").ok().flatten().and_then(|c| c.dyn_into().ok()).ok_or_else(|| InputError::Encode("no 2d context".into()))?;
    let drawn = ctx.draw_image_with_image_bitmap(&image, 0.0, 0.0);
    image.close();
    drawn.map_err(|e| InputError::Encode(js_text(&e)))?;
    Ok((canvas, ctx))
}

/// Releases a canvas's pixels at once (WebKit keeps them until collected).
fn release(canvas: &HtmlCanvasElement) {
    canvas.set_width(0);
    canvas.set_height(0);
}

/// A small JPEG of a stored photo (缩略图), its long edge at most `long_edge`:
/// what a printed ledger shows, so that printing decodes a few KB per photo rather
/// than each stored photo at full size. `bytes` are a stored photo (upright, no
/// EXIF).
pub async fn thumbnail(bytes: &[u8], long_edge: u32) -> Result<Blob, InputError> {
    let natural = jpeg_size(bytes).ok_or_else(|| InputError::NotAnImage("not a JPEG".into()))?;
    let parts = js_sys::Array::of1(&Uint8Array::from(bytes));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("image/jpeg");
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &opts).map_err(|e| InputError::NotAnImage(js_text(&e)))?;
    let (canvas, _) = canvas_of(bitmap(&blob, Some(target_size(natural, long_edge))).await?)?;
    let small = jpeg_blob(&canvas, 0.7).await;
    release(&canvas);
    small
}

/// Makes the chosen `file` ready to attach, its long edge at most `long_edge`.
/// Caption and place are the caller's to fill in.
pub async fn prepare(file: &Blob, long_edge: u32) -> Result<Prepared, InputError> {
    prepare_stamped(file, long_edge, |_| Vec::new()).await
}

/// [`prepare`], with the evidence stamp (水印) burnt into the stored image: the
/// lines `stamp` makes from the original's EXIF facts
/// (`fieldwork::photo::stamp_lines`), white on a dark band along the bottom edge.
/// No lines, no stamp (`Prepared::stamped` says which).
pub async fn prepare_stamped(file: &Blob, long_edge: u32, stamp: impl FnOnce(&ExifFacts) -> Vec<String>) -> Result<Prepared, InputError> {
    let size = file.size() as u64;
    if size > MAX_INPUT_BYTES {
        return Err(InputError::TooLarge(size));
    }
    let read = |b: &Blob| {
        let b = b.clone();
        async move { bytes_of(&b).await.map_err(|e| InputError::NotAnImage(js_text(&e))) }
    };
    // The head (EXIF, the frame size) first, so that the browser decodes while the
    // whole file is read and its SHA-256 taken (a camera's 3–6 MB: reading it took
    // a third of the pick on a 4x slowed CPU).
    let head = read(&file.slice_with_f64_and_f64(0.0, EXIF_HEAD as f64).map_err(|e| InputError::NotAnImage(js_text(&e)))?).await?;
    let exif = exif_facts(&head);
    // Orientations 5–8 turn the image a quarter: its upright size is swapped.
    let upright = |(w, h): (u32, u32)| if exif.orientation.is_some_and(|o| o >= 5) { (h, w) } else { (w, h) };
    let lines = stamp(&exif);
    let whole = |b: &Blob| {
        let b = b.clone();
        async move { JsFuture::from(b.array_buffer()).await.map(ArrayBuffer::from).map_err(|e| InputError::NotAnImage(js_text(&e))) }
    };
    let (decoding, source_sha256) = match jpeg_size(&head) {
        Some(natural) => {
            let decoding = start_decode(file, Some(target_size(upright(natural), long_edge)))?;
            (decoding, sha256_of(&whole(file).await?).await)
        }
        // The frame header is further in (large metadata) or this is no JPEG.
        None => {
            let original = whole(file).await?;
            let natural = match jpeg_size(&Uint8Array::new(&original).to_vec()) {
                Some(s) => upright(s),
                None => {
                    let probe = bitmap(file, None).await?;
                    let s = (probe.width(), probe.height());
                    probe.close();
                    s
                }
            };
            (start_decode(file, Some(target_size(natural, long_edge)))?, sha256_of(&original).await)
        }
    };
    let source_sha256 = Some(source_sha256);
    let (canvas, ctx) = canvas_of(decoded(decoding).await?)?;
    if !lines.is_empty() {
        draw_stamp(&ctx, f64::from(canvas.width()), f64::from(canvas.height()), &lines);
    }
    let mut bytes = Vec::new();
    for quality in [0.8, 0.7, 0.6] {
        bytes = jpeg_of(&canvas, quality).await?;
        if bytes.len() <= TARGET_BYTES {
            break;
        }
    }
    release(&canvas);
    if bytes.len() > MAX_STORED_BYTES as usize {
        return Err(InputError::Encode(format!("{} bytes at the lowest quality", bytes.len())));
    }
    Ok(Prepared { bytes, exif, source_sha256, caption: String::new(), stamped: !lines.is_empty(), geo: None })
}

/// The stamp's band and lines, sized to the image (a line about 1/28 of its short
/// edge, at least 12 px).
fn draw_stamp(ctx: &CanvasRenderingContext2d, w: f64, h: f64, lines: &[String]) {
    let px = (w.min(h) / 28.0).round().max(12.0);
    let line = px * 1.3;
    let band = line * lines.len() as f64 + px * 0.6;
    ctx.set_fill_style_str("rgba(0, 0, 0, 0.6)");
    ctx.fill_rect(0.0, h - band, w, band);
    ctx.set_fill_style_str("#ffffff");
    ctx.set_font(&format!("{px}px sans-serif"));
    ctx.set_text_baseline("top");
    for (i, l) in lines.iter().enumerate() {
        let _ = ctx.fill_text_with_max_width(l, px * 0.5, h - band + px * 0.3 + line * i as f64, w - px);
    }
}
