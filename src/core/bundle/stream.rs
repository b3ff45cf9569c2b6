//! Chunked encryption (分块加密): version 2 of the encrypted and the sealed
//! envelope, whose content is encrypted a chunk at a time, so that a file of
//! hundreds of megabytes (a bundle with its photos, `super::photos`) is written and
//! read one chunk at a time and never held whole, ciphertext or plain.
//!
//! The construction is STREAM (Hoang, Reyhanitabar, Rogaway and Vizár, "Online
//! Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", CRYPTO 2015),
//! as Tink's streaming AEAD and `age` use it: the content is cut into chunks of
//! `chunk_bytes` (the last one shorter or equal, never empty); chunk `i` is sealed
//! with AES-256-GCM under the file's own key, with the nonce
//! `prefix (7 random bytes) ‖ i (4 bytes, big-endian) ‖ last (1 byte: 1 for the final
//! chunk, else 0)` and the envelope's header as associated data. Reordering,
//! dropping, repeating or appending chunks, cutting the file after any chunk, or
//! changing the header fails authentication (`tampered`).
//!
//! The file is laid out in lines:
//!
//! ```text
//! {"chunk_bytes":1048576,"cipher":{…},"format":…,"version":2,"ciphertext":[
//! "<base64 of chunk 0 and its tag>",
//! "<base64 of chunk 1 and its tag>",
//! "<base64 of the last chunk and its tag>"]}
//! ```
//!
//! The first line is the header (canonical JSON) without its closing brace, then
//! `,"ciphertext":[`; every chunk line but the last has the same length, so a reader
//! finds chunk `i` at a computed offset ([`Layout`]) and reads any part of the
//! content without reading what comes before it. The whole file is still one JSON
//! object.

use super::error::{ExportError, ImportError};
use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

/// Content bytes per chunk that exporters write (1 MiB).
pub const CHUNK_BYTES: u32 = 1 << 20;
/// Fewest content bytes per chunk a reader accepts.
pub const MIN_CHUNK_BYTES: u32 = 64;
/// Most content bytes per chunk a reader accepts (4 MiB): the unit of a reader's memory.
pub const MAX_CHUNK_BYTES: u32 = 4 << 20;
/// Random bytes of each chunk's nonce, the same for every chunk of a file.
pub const PREFIX_BYTES: usize = 7;
/// The envelope version that is chunked (of both the encrypted and the sealed one).
pub const VERSION_CHUNKED: u32 = 2;
const TAG_BYTES: u64 = 16;
/// What ends the head line: the chunk lines follow as the members of `ciphertext`.
const OPEN_CHUNKS: &[u8] = b",\"ciphertext\":[";

/// Whether `line` (a file's first line, without its newline) opens chunk lines.
pub fn is_head_line(line: &[u8]) -> bool {
    line.first() == Some(&b'{') && line.ends_with(OPEN_CHUNKS)
}

/// The header of a head line: the line without `,"ciphertext":[`, closed.
pub fn header_of(line: &[u8]) -> Option<Vec<u8>> {
    let mut h = line.strip_suffix(OPEN_CHUNKS)?.to_vec();
    h.push(b'}');
    Some(h)
}

/// The header of a head line, read as `H` (an envelope's header type).
pub fn read_header<H: serde::de::DeserializeOwned>(line: &[u8]) -> Result<H, ImportError> {
    let header = header_of(line).ok_or_else(|| ImportError::Schema { reason: "the first line does not open the chunks".into() })?;
    let text = String::from_utf8_lossy(&header);
    serde_json::from_str(&text).map_err(|e| super::limits::json_error(e, &text))
}

/// The head line for a header written as canonical JSON (with its newline).
pub fn head_line(header: &[u8]) -> Result<Vec<u8>, ExportError> {
    let open = header.strip_suffix(b"}").filter(|h| h.starts_with(b"{") && h.len() > 1);
    let mut line = open.ok_or_else(|| ExportError::Encode("the header is not an object".into()))?.to_vec();
    line.extend_from_slice(OPEN_CHUNKS);
    line.push(b'\n');
    Ok(line)
}

/// The file's own key and what every chunk's seal shares: the nonce prefix, the
/// header (associated data) and the chunk size. Never printed.
#[derive(Clone)]
pub struct ChunkKey {
    key: [u8; 32],
    prefix: [u8; PREFIX_BYTES],
    aad: Vec<u8>,
    chunk_bytes: u32,
}

impl std::fmt::Debug for ChunkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkKey").field("chunk_bytes", &self.chunk_bytes).finish_non_exhaustive()
    }
}

impl ChunkKey {
    /// `header` is the canonical header, as it is authenticated.
    pub fn new(key: [u8; 32], prefix: [u8; PREFIX_BYTES], header: Vec<u8>, chunk_bytes: u32) -> ChunkKey {
        ChunkKey { key, prefix, aad: header, chunk_bytes }
    }

    pub fn chunk_bytes(&self) -> u32 {
        self.chunk_bytes
    }

    fn nonce(&self, i: u32, last: bool) -> [u8; 12] {
        let mut n = [0u8; 12];
        n[..PREFIX_BYTES].copy_from_slice(&self.prefix);
        n[PREFIX_BYTES..11].copy_from_slice(&i.to_be_bytes());
        n[11] = u8::from(last);
        n
    }

    fn seal(&self, i: u32, last: bool, plain: &[u8]) -> Result<Vec<u8>, ExportError> {
        let enc = |e: &dyn std::fmt::Display| ExportError::Encode(e.to_string());
        Aes256Gcm::new_from_slice(&self.key)
            .map_err(|e| enc(&e))?
            .encrypt(Nonce::from_slice(&self.nonce(i, last)), Payload { msg: plain, aad: &self.aad })
            .map_err(|e| enc(&e))
    }

    fn open(&self, i: u32, last: bool, ct: &[u8]) -> Result<Vec<u8>, ImportError> {
        Aes256Gcm::new_from_slice(&self.key)
            .map_err(|_| ImportError::Tampered)?
            .decrypt(Nonce::from_slice(&self.nonce(i, last)), Payload { msg: ct, aad: &self.aad })
            .map_err(|_| ImportError::Tampered)
    }
}

/// Writes the chunk lines of a content given in any number of parts: each full
/// chunk is sealed as soon as more content follows it, the last one by
/// [`ChunkWriter::finish`].
#[derive(Debug)]
pub struct ChunkWriter {
    key: ChunkKey,
    pending: Vec<u8>,
    next: u32,
}

impl ChunkWriter {
    pub fn new(key: ChunkKey) -> ChunkWriter {
        ChunkWriter { key, pending: Vec::new(), next: 0 }
    }

    /// Takes more content; returns the chunk lines it completed (maybe none).
    pub fn push(&mut self, mut content: &[u8]) -> Result<Vec<u8>, ExportError> {
        let size = self.key.chunk_bytes.max(1) as usize;
        let mut out = Vec::new();
        while !content.is_empty() {
            // A full chunk is sealed only once more content follows: the last chunk
            // must be sealed as the last.
            if self.pending.len() == size {
                let chunk = std::mem::take(&mut self.pending);
                self.line(&chunk, false, &mut out)?;
            }
            let take = (size - self.pending.len()).min(content.len());
            self.pending.extend_from_slice(&content[..take]);
            content = &content[take..];
        }
        Ok(out)
    }

    /// Seals the last chunk and closes the file.
    pub fn finish(mut self) -> Result<Vec<u8>, ExportError> {
        if self.pending.is_empty() {
            return Err(ExportError::Encode("nothing to encrypt".into()));
        }
        let mut out = Vec::new();
        let chunk = std::mem::take(&mut self.pending);
        self.line(&chunk, true, &mut out)?;
        Ok(out)
    }

    fn line(&mut self, chunk: &[u8], last: bool, out: &mut Vec<u8>) -> Result<(), ExportError> {
        let ct = self.key.seal(self.next, last, chunk)?;
        self.next = self.next.checked_add(1).ok_or_else(|| ExportError::Encode("too many chunks".into()))?;
        out.push(b'"');
        out.extend_from_slice(B64.encode(ct).as_bytes());
        out.extend_from_slice(if last { b"\"]}\n" } else { b"\",\n" });
        Ok(())
    }
}

/// Base64 length (padded) of `n` bytes.
fn b64_len(n: u64) -> u64 {
    n.div_ceil(3) * 4
}

/// Where each chunk line of a file lies, from the head line's length, the file's
/// size, the chunk size and the file's last bytes (which tell the last chunk's
/// padding and an optional final newline): every chunk line but the last has the
/// same length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Where the first chunk line starts (the head line's length, newline included).
    pub body_at: u64,
    pub chunk_bytes: u64,
    /// Chunks before the last one.
    pub full_chunks: u64,
    /// Content bytes of the last chunk (1 to `chunk_bytes`).
    pub last_bytes: u64,
    /// Bytes of a full chunk's line: `"`, base64, `",` and a newline.
    line_bytes: u64,
    /// Bytes of the last line: `"`, base64, `"]}` (and a newline if the file has one).
    last_line_bytes: u64,
}

impl Layout {
    /// How many of the file's last bytes [`Layout::of`] needs.
    pub const TAIL_BYTES: u64 = 8;

    pub fn of(body_at: u64, size: u64, chunk_bytes: u32, tail: &[u8]) -> Result<Layout, ImportError> {
        if !(MIN_CHUNK_BYTES..=MAX_CHUNK_BYTES).contains(&chunk_bytes) {
            return Err(ImportError::Schema { reason: format!("chunk_bytes {chunk_bytes} is outside {MIN_CHUNK_BYTES}..={MAX_CHUNK_BYTES}") });
        }
        let chunk = u64::from(chunk_bytes);
        let newline = u64::from(tail.last() == Some(&b'\n'));
        let tail = &tail[..tail.len() - newline as usize];
        if !tail.ends_with(b"\"]}") {
            return Err(ImportError::Truncated);
        }
        let padding = tail[..tail.len() - 3].iter().rev().take(2).take_while(|b| **b == b'=').count() as u64;
        let line_bytes = 1 + b64_len(chunk + TAG_BYTES) + 3;
        let rest = size.checked_sub(body_at).and_then(|r| r.checked_sub(newline)).filter(|r| *r > 4).ok_or(ImportError::Truncated)?;
        let full_chunks = (rest - 1) / line_bytes;
        let last_line = rest - full_chunks * line_bytes;
        let last_b64 = last_line.checked_sub(4).ok_or(ImportError::Truncated)?;
        let sealed = (last_b64 % 4 == 0).then(|| last_b64 / 4 * 3).and_then(|n| n.checked_sub(padding)).ok_or(ImportError::Truncated)?;
        let last_bytes = sealed.checked_sub(TAG_BYTES).filter(|n| (1..=chunk).contains(n)).ok_or(ImportError::Truncated)?;
        if full_chunks + 1 > u64::from(u32::MAX) {
            return Err(ImportError::Schema { reason: "too many chunks".into() });
        }
        Ok(Layout { body_at, chunk_bytes: chunk, full_chunks, last_bytes, line_bytes, last_line_bytes: last_line + newline })
    }

    /// Bytes of the whole content.
    pub fn content_bytes(&self) -> u64 {
        self.full_chunks * self.chunk_bytes + self.last_bytes
    }

    /// How many chunks.
    pub fn chunks(&self) -> u64 {
        self.full_chunks + 1
    }

    /// The bytes of the file holding chunk `i`'s line.
    pub fn line_range(&self, i: u64) -> (u64, u64) {
        let start = self.body_at + i * self.line_bytes;
        (start, start + if i < self.full_chunks { self.line_bytes } else { self.last_line_bytes })
    }

    /// The chunks holding content bytes `start..end` (not empty).
    pub fn chunks_of(&self, start: u64, end: u64) -> std::ops::Range<u64> {
        let last = self.full_chunks;
        (start / self.chunk_bytes).min(last)..(end.saturating_sub(1) / self.chunk_bytes).min(last) + 1
    }

    /// Opens chunk `i` from its line (the bytes of [`Layout::line_range`]).
    pub fn open(&self, key: &ChunkKey, i: u64, line: &[u8]) -> Result<Vec<u8>, ImportError> {
        let last = i == self.full_chunks;
        let b64 = line
            .strip_prefix(b"\"")
            .and_then(|l| if last { l.strip_suffix(b"\n").unwrap_or(l).strip_suffix(b"\"]}") } else { l.strip_suffix(b"\",\n") })
            .ok_or(ImportError::Truncated)?;
        let ct = B64.decode(b64).map_err(|_| ImportError::Tampered)?;
        let want = if last { self.last_bytes } else { self.chunk_bytes };
        if ct.len() as u64 != want + TAG_BYTES {
            return Err(ImportError::Truncated);
        }
        let index = u32::try_from(i).map_err(|_| ImportError::Truncated)?;
        key.open(index, last, &ct)
    }
}

/// Opens the whole content of a chunked file held in memory (`head_len`: its head
/// line's length, newline included). A reader in parts goes through [`Layout`].
pub fn open_whole(key: &ChunkKey, file: &[u8], head_len: usize, max: usize) -> Result<Vec<u8>, ImportError> {
    let tail = &file[file.len().saturating_sub(Layout::TAIL_BYTES as usize)..];
    let layout = Layout::of(head_len as u64, file.len() as u64, key.chunk_bytes, tail)?;
    if layout.content_bytes() > max as u64 {
        return Err(ImportError::TooLarge { size: layout.content_bytes().min(usize::MAX as u64) as usize, max });
    }
    let mut content = Vec::with_capacity(layout.content_bytes() as usize);
    for i in 0..layout.chunks() {
        let (a, b) = layout.line_range(i);
        let line = file.get(a as usize..b as usize).ok_or(ImportError::Truncated)?;
        content.extend_from_slice(&layout.open(key, i, line)?);
    }
    Ok(content)
}

/// The first line of `bytes` and its length with its newline (the whole of `bytes`
/// when there is no newline).
pub fn split_head(bytes: &[u8]) -> (&[u8], usize) {
    match bytes.iter().position(|b| *b == b'\n') {
        Some(n) => (&bytes[..n], n + 1),
        None => (bytes, bytes.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(chunk: u32) -> ChunkKey {
        ChunkKey::new([3; 32], [4; PREFIX_BYTES], b"{\"h\":1}".to_vec(), chunk)
    }

    fn file(content: &[u8], chunk: u32, parts: usize) -> Vec<u8> {
        let mut f = head_line(b"{\"h\":1}").unwrap();
        let mut w = ChunkWriter::new(key(chunk));
        for part in content.chunks(parts.max(1)) {
            f.extend(w.push(part).unwrap());
        }
        f.extend(w.finish().unwrap());
        f
    }

    #[test]
    fn content_of_any_length_in_any_parts_opens_whole_and_is_json() {
        for len in [1usize, 63, 64, 65, 128, 129, 1000] {
            let content: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            for parts in [1, 5, 64, 1000] {
                let f = file(&content, 64, parts);
                let (head, head_len) = split_head(&f);
                assert!(is_head_line(head));
                assert_eq!(header_of(head).unwrap(), b"{\"h\":1}");
                assert_eq!(open_whole(&key(64), &f, head_len, usize::MAX).unwrap(), content, "{len} in parts of {parts}");
                let v: serde_json::Value = serde_json::from_slice(&f).unwrap();
                assert_eq!(v["ciphertext"].as_array().unwrap().len(), len.div_ceil(64));
                // Without the final newline too.
                assert_eq!(open_whole(&key(64), &f[..f.len() - 1], head_len, usize::MAX).unwrap(), content);
            }
        }
    }

    #[test]
    fn every_chunk_is_found_at_its_offset() {
        let content: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
        let f = file(&content, 100, 33);
        let (_, head_len) = split_head(&f);
        let layout = Layout::of(head_len as u64, f.len() as u64, 100, &f[f.len() - 8..]).unwrap();
        assert_eq!((layout.chunks(), layout.content_bytes(), layout.last_bytes), (10, 1000, 100));
        for i in 0..layout.chunks() {
            let (a, b) = layout.line_range(i);
            assert_eq!(layout.open(&key(100), i, &f[a as usize..b as usize]).unwrap(), content[i as usize * 100..(i as usize + 1) * 100]);
        }
        assert_eq!(layout.chunks_of(0, 1), 0..1);
        assert_eq!(layout.chunks_of(99, 201), 0..3);
        assert_eq!(layout.chunks_of(950, 1000), 9..10);
    }

    #[test]
    fn reordered_dropped_repeated_cut_or_altered_chunks_do_not_open() {
        let content: Vec<u8> = (0..300u32).map(|i| i as u8).collect();
        let f = file(&content, 100, 300);
        let text = String::from_utf8(f.clone()).unwrap();
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        assert_eq!(lines.len(), 4);
        let join = |ls: &[&str]| ls.concat().into_bytes();
        let open = |f: &[u8]| open_whole(&key(100), f, lines[0].len(), usize::MAX);
        // Two chunks swapped.
        assert_eq!(open(&join(&[lines[0], lines[2], lines[1], lines[3]])), Err(ImportError::Tampered));
        // The last chunk dropped, the one before it closed as the last: its flag says "not last".
        let cut = format!("{}]}}\n", lines[2].trim_end_matches(",\n"));
        assert_eq!(open(&join(&[lines[0], lines[1], &cut])), Err(ImportError::Tampered));
        // A chunk repeated.
        assert_eq!(open(&join(&[lines[0], lines[1], lines[1], lines[3]])), Err(ImportError::Tampered));
        // Cut inside a line.
        assert!(open(&f[..f.len() - 10]).is_err());
        // A byte of the ciphertext changed.
        let mut flipped = f.clone();
        let at = lines[0].len() + 10;
        flipped[at] = if flipped[at] == b'A' { b'B' } else { b'A' };
        assert_eq!(open(&flipped), Err(ImportError::Tampered));
        // Another header (associated data).
        let other = ChunkKey::new([3; 32], [4; PREFIX_BYTES], b"{\"h\":2}".to_vec(), 100);
        assert_eq!(open_whole(&other, &f, lines[0].len(), usize::MAX), Err(ImportError::Tampered));
        // A content larger than allowed is refused before any chunk is opened.
        assert!(matches!(open_whole(&key(100), &f, lines[0].len(), 299), Err(ImportError::TooLarge { size: 300, max: 299 })));
    }

    #[test]
    fn an_absurd_chunk_size_is_refused() {
        assert!(matches!(Layout::of(10, 1000, 1, b"AAAA\"]}\n"), Err(ImportError::Schema { .. })));
        assert!(matches!(Layout::of(10, 1000, MAX_CHUNK_BYTES + 1, b"AAAA\"]}\n"), Err(ImportError::Schema { .. })));
        assert_eq!(Layout::of(10, 12, 64, b"\"]}\n"), Err(ImportError::Truncated));
    }

    #[test]
    fn nothing_to_encrypt_is_an_error() {
        assert!(ChunkWriter::new(key(64)).finish().is_err());
    }
}
