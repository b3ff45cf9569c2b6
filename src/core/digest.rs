//! SHA-256 digests as lower-case hex (摘要): of bytes, of byte slices in a row,
//! and of a value's `serde_json` serialisation streamed into the hash. Used by the
//! bundle checksums and state hash ([`crate::core::bundle::canonical`]) and by the
//! print fingerprint ([`crate::core::report::print_hash`]); knows nothing of either.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Feeds serialised bytes into the hash through a 64 KiB buffer: `serde_json`
/// writes token by token, and hashing a 100 MB bundle should need neither a second
/// 100 MB buffer nor one hash update per token.
pub(crate) struct HashWriter {
    hash: Sha256,
    pub(crate) buf: Vec<u8>,
}

impl HashWriter {
    const CAP: usize = 64 * 1024;

    pub(crate) fn new() -> Self {
        HashWriter { hash: Sha256::new(), buf: Vec::with_capacity(Self::CAP) }
    }

    pub(crate) fn finish(mut self) -> String {
        self.hash.update(&self.buf);
        hex(&self.hash.finalize())
    }
}

impl std::io::Write for HashWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.buf.len() + data.len() > Self::CAP {
            self.hash.update(&self.buf);
            self.buf.clear();
        }
        if data.len() >= Self::CAP {
            self.hash.update(data);
        } else {
            self.buf.extend_from_slice(data);
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Hex SHA-256 of a value's `serde_json` serialisation (canonical for the wire
/// structs, whose fields are declared in key order).
pub fn sha256_hex<T: Serialize + ?Sized>(v: &T) -> Result<String, serde_json::Error> {
    let mut w = HashWriter::new();
    serde_json::to_writer(&mut w, v)?;
    Ok(w.finish())
}

/// Bytes per hash update. A browser runs a WebAssembly function's first calls
/// through its baseline compiler and a call keeps the code it started in (no
/// on-stack replacement), and the hash's block function takes every whole block
/// of an update in one call: a camera photo's 3.8 MB hashed in one update ran
/// unoptimised to the end, 0.9 s on the pick benchmark's 4× slowed CPU
/// (docs/performance.md, "Photos"). In 64 KiB updates the later ones run optimised.
const UPDATE_BYTES: usize = 64 * 1024;

/// Hex SHA-256 of raw bytes.
pub fn sha256_bytes_hex(bytes: &[u8]) -> String {
    sha256_parts_hex(&[bytes])
}

/// Hex SHA-256 of the concatenation of byte slices.
pub fn sha256_parts_hex(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        for c in p.chunks(UPDATE_BYTES) {
            h.update(c);
        }
    }
    hex(&h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lower_case() {
        assert_eq!(hex(&[0, 0xab, 0xff]), "00abff");
    }

    #[test]
    fn bytes_hashed_in_parts_hash_as_one() {
        let bytes: Vec<u8> = (0..UPDATE_BYTES * 3 + 17).map(|i| (i * 31 % 251) as u8).collect();
        let whole = hex(&Sha256::digest(&bytes));
        assert_eq!(sha256_bytes_hex(&bytes), whole);
        let (a, b) = bytes.split_at(UPDATE_BYTES + 5);
        assert_eq!(sha256_parts_hex(&[a, b]), whole);
        assert_eq!(sha256_bytes_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
