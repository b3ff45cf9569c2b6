//! Passphrase-encrypted bundles (加密数据包).
//!
//! The whole plain bundle file is encrypted with AES-256-GCM. The key comes from
//! the passphrase (its UTF-8 bytes, as typed) by PBKDF2-HMAC-SHA256 with a random
//! 16-byte salt and at least 600,000 iterations (OWASP's 2023 figure for
//! PBKDF2-SHA256). The derived 32 bytes are split with HMAC-SHA256 into the cipher
//! key and a 16-byte passphrase check stored in the header, so a wrong passphrase
//! is told apart from a damaged or altered file (both cost a full key derivation,
//! so the check helps guessing no more than the ciphertext itself does).
//!
//! The header — `format`, `version`, `kdf` and `cipher` members, in canonical JSON
//! — is the cipher's associated data: changing any of it (the nonce, the version…)
//! makes decryption fail as `Tampered`. Changing the salt or the iteration count
//! changes the key, which reads as a wrong passphrase: the file cannot tell.
//!
//! Salt and nonce are passed in by the caller (the browser's crypto randomness);
//! the core has no random source. A nonce must never repeat under one key; with a
//! fresh random salt per file, every file has its own key anyway.
//!
//! Version 1 encrypts the whole file at once. Version 2 (`super::stream`) encrypts it
//! a chunk at a time, so that a file carrying photos is written and read in parts:
//! the same key and check, the header with `chunk_bytes` and a 7-byte nonce prefix.

use super::error::{ExportError, ImportError};
use super::limits::{json_error, Limits, MAX_ITERATIONS, MIN_ITERATIONS};
use super::stream::{self, ChunkKey, ChunkWriter, PREFIX_BYTES, VERSION_CHUNKED};
use super::wire::{FORMAT_ENCRYPTED, VERSION_ENCRYPTED};
use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

pub const KDF_ALG: &str = "pbkdf2-sha256";
pub const CIPHER_ALG: &str = "aes-256-gcm";

/// The encrypted envelope. Fields in alphabetical order (canonical JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncryptedEnvelope {
    pub cipher: CipherParams,
    /// Base64 (standard, padded) of the ciphertext with its 16-byte tag appended.
    pub ciphertext: String,
    pub format: String,
    pub kdf: KdfParams,
    pub version: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CipherParams {
    pub alg: String,
    /// Base64 of the 12-byte nonce.
    pub nonce: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KdfParams {
    pub alg: String,
    /// Base64 of the 16-byte passphrase check.
    pub check: String,
    pub iterations: u64,
    /// Base64 of the salt (16 bytes when written here).
    pub salt: String,
}

/// The header of a chunked (version 2) encrypted file: its envelope without the
/// ciphertext, authenticated with every chunk. `cipher.nonce` is the 7-byte prefix of
/// every chunk's nonce. Fields in alphabetical order (canonical JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChunkedHeader {
    pub chunk_bytes: u32,
    pub cipher: CipherParams,
    pub format: String,
    pub kdf: KdfParams,
    pub version: u32,
}

/// The authenticated header: everything but the ciphertext.
#[derive(Serialize)]
struct Header<'a> {
    cipher: &'a CipherParams,
    format: &'a str,
    kdf: &'a KdfParams,
    version: u32,
}

/// What encryption needs from the caller.
#[derive(Clone, Debug)]
pub struct EncryptParams<'a> {
    pub passphrase: &'a str,
    /// Fresh random bytes for every file.
    pub salt: [u8; 16],
    /// Fresh random bytes for every file.
    pub nonce: [u8; 12],
    /// [`MIN_ITERATIONS`] in the app; importers refuse fewer.
    pub iterations: u32,
}

/// Derives the cipher key and the passphrase check. `None` only if HMAC refused
/// a 32-byte key, which it never does.
fn derive(passphrase: &str, salt: &[u8], iterations: u32) -> Option<([u8; 32], [u8; 16])> {
    let mut master = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(passphrase.as_bytes(), salt, iterations, &mut master);
    let split = |label: &[u8]| -> Option<[u8; 32]> {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&master).ok()?;
        m.update(label);
        Some(m.finalize().into_bytes().into())
    };
    let key = split(b"duzhan-bundle v1 aes-256-gcm key")?;
    let check_full = split(b"duzhan-bundle v1 passphrase check")?;
    let mut check = [0u8; 16];
    check.copy_from_slice(&check_full[..16]);
    Some((key, check))
}

fn aad(env: &EncryptedEnvelope) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(&Header { cipher: &env.cipher, format: &env.format, kdf: &env.kdf, version: env.version })
}

/// The cipher key and the key derivation's header member for a new file (of
/// either version).
fn new_key(p: &EncryptParams) -> Result<([u8; 32], KdfParams), ExportError> {
    if p.passphrase.is_empty() {
        return Err(ExportError::EmptyPassphrase);
    }
    if p.iterations == 0 {
        return Err(ExportError::WeakKdf { iterations: p.iterations, min: MIN_ITERATIONS });
    }
    let (key, check) = derive(p.passphrase, &p.salt, p.iterations).ok_or_else(|| ExportError::Encode("key derivation".into()))?;
    Ok((key, KdfParams { alg: KDF_ALG.into(), check: B64.encode(check), iterations: u64::from(p.iterations), salt: B64.encode(p.salt) }))
}

/// Encrypts a plain bundle file into the bytes of an encrypted bundle file.
pub fn encrypt(plain: &[u8], p: &EncryptParams) -> Result<Vec<u8>, ExportError> {
    let (key, kdf) = new_key(p)?;
    let mut env = EncryptedEnvelope {
        cipher: CipherParams { alg: CIPHER_ALG.into(), nonce: B64.encode(p.nonce) },
        ciphertext: String::new(),
        format: FORMAT_ENCRYPTED.into(),
        kdf,
        version: VERSION_ENCRYPTED,
    };
    let aad = aad(&env).map_err(|e| ExportError::Encode(e.to_string()))?;
    let cipher = Aes256Gcm::new_from_slice(&key).map_err(|e| ExportError::Encode(e.to_string()))?;
    let ct = cipher.encrypt(Nonce::from_slice(&p.nonce), Payload { msg: plain, aad: &aad }).map_err(|e| ExportError::Encode(e.to_string()))?;
    env.ciphertext = B64.encode(ct);
    serde_json::to_vec(&env).map_err(|e| ExportError::Encode(e.to_string()))
}

/// Starts a chunked (version 2) encrypted file: its head line, and the writer of its
/// chunk lines (`p.nonce`'s first 7 bytes are the nonce prefix).
pub fn encrypt_chunked(p: &EncryptParams, chunk_bytes: u32) -> Result<(Vec<u8>, ChunkWriter), ExportError> {
    let (key, kdf) = new_key(p)?;
    let mut prefix = [0u8; PREFIX_BYTES];
    prefix.copy_from_slice(&p.nonce[..PREFIX_BYTES]);
    let header = ChunkedHeader {
        chunk_bytes,
        cipher: CipherParams { alg: CIPHER_ALG.into(), nonce: B64.encode(prefix) },
        format: FORMAT_ENCRYPTED.into(),
        kdf,
        version: VERSION_CHUNKED,
    };
    let header = serde_json::to_vec(&header).map_err(|e| ExportError::Encode(e.to_string()))?;
    let head = stream::head_line(&header)?;
    Ok((head, ChunkWriter::new(ChunkKey::new(key, prefix, header, chunk_bytes))))
}

/// The key of a chunked (version 2) encrypted file from its head line and the
/// passphrase: the same checks as version 1, in the same order.
pub fn chunk_key(head: &[u8], passphrase: &str, limits: &Limits) -> Result<ChunkKey, ImportError> {
    let h: ChunkedHeader = stream::read_header(head)?;
    if h.version != VERSION_CHUNKED {
        return Err(ImportError::Schema { reason: format!("a chunked encrypted file is version {VERSION_CHUNKED}, not {}", h.version) });
    }
    let key = cipher_key(&h.kdf, &h.cipher, passphrase, limits)?;
    let prefix: [u8; PREFIX_BYTES] = b64(&h.cipher.nonce, "nonce", Some(PREFIX_BYTES..=PREFIX_BYTES))?.try_into().map_err(|_| ImportError::Tampered)?;
    let aad = serde_json::to_vec(&h).map_err(|e| ImportError::Schema { reason: e.to_string() })?;
    Ok(ChunkKey::new(key, prefix, aad, h.chunk_bytes))
}

/// The cipher key of a file's key derivation and passphrase, once the algorithms,
/// the iteration count and the passphrase check pass.
fn cipher_key(kdf: &KdfParams, cipher: &CipherParams, passphrase: &str, limits: &Limits) -> Result<[u8; 32], ImportError> {
    if kdf.alg != KDF_ALG {
        return Err(ImportError::UnsupportedCipher { alg: super::error::short(&kdf.alg) });
    }
    if cipher.alg != CIPHER_ALG {
        return Err(ImportError::UnsupportedCipher { alg: super::error::short(&cipher.alg) });
    }
    let min = limits.min_kdf_iterations.max(1);
    if kdf.iterations < u64::from(min) || kdf.iterations > u64::from(MAX_ITERATIONS) {
        return Err(ImportError::WeakKdf { iterations: kdf.iterations, min });
    }
    let iterations = u32::try_from(kdf.iterations).map_err(|_| ImportError::WeakKdf { iterations: kdf.iterations, min })?;
    let salt = b64(&kdf.salt, "salt", Some(16..=64))?;
    let check = b64(&kdf.check, "check", Some(16..=16))?;
    let (key, expected) = derive(passphrase, &salt, iterations).ok_or(ImportError::WrongPassphrase)?;
    if check != expected {
        return Err(ImportError::WrongPassphrase);
    }
    Ok(key)
}

fn b64(s: &str, what: &str, len: Option<std::ops::RangeInclusive<usize>>) -> Result<Vec<u8>, ImportError> {
    let v = B64.decode(s).map_err(|_| ImportError::Schema { reason: format!("{what} is not base64") })?;
    if let Some(r) = len {
        if !r.contains(&v.len()) {
            return Err(ImportError::Schema { reason: format!("{what} has {} bytes", v.len()) });
        }
    }
    Ok(v)
}

/// Decrypts an encrypted bundle file's text (whose format the caller checked), of
/// either version, held whole, into the plain bundle file's bytes.
pub fn decrypt(text: &str, passphrase: &str, limits: &Limits) -> Result<Vec<u8>, ImportError> {
    let (head, head_len) = stream::split_head(text.as_bytes());
    if stream::is_head_line(head) {
        let key = chunk_key(head, passphrase, limits)?;
        return stream::open_whole(&key, text.as_bytes(), head_len, limits.max_bytes);
    }
    let env: EncryptedEnvelope = serde_json::from_str(text).map_err(|e| json_error(e, text))?;
    if env.version != VERSION_ENCRYPTED {
        return Err(ImportError::Schema { reason: format!("a version {} encrypted file is laid out in chunks", env.version) });
    }
    let nonce = b64(&env.cipher.nonce, "nonce", Some(12..=12))?;
    let key = cipher_key(&env.kdf, &env.cipher, passphrase, limits)?;
    let ct = b64(&env.ciphertext, "ciphertext", Some(16..=limits.max_bytes.saturating_add(16)))?;
    let aad = aad(&env).map_err(|e| ImportError::Schema { reason: e.to_string() })?;
    let cipher = Aes256Gcm::new_from_slice(&key).map_err(|_| ImportError::WrongPassphrase)?;
    cipher.decrypt(Nonce::from_slice(&nonce), Payload { msg: &ct, aad: &aad }).map_err(|_| ImportError::Tampered)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits { min_kdf_iterations: 1, ..Limits::default() }
    }

    fn params(pass: &str) -> EncryptParams<'_> {
        EncryptParams { passphrase: pass, salt: [7; 16], nonce: [9; 12], iterations: 10 }
    }

    #[test]
    fn the_right_passphrase_opens_and_a_wrong_one_is_named() {
        let file = encrypt(b"{\"x\":1}", &params("楚雄 2020")).unwrap();
        let text = std::str::from_utf8(&file).unwrap();
        assert_eq!(decrypt(text, "楚雄 2020", &limits()).unwrap(), b"{\"x\":1}");
        assert_eq!(decrypt(text, "楚雄2020", &limits()), Err(ImportError::WrongPassphrase));
    }

    #[test]
    fn an_altered_header_or_ciphertext_is_tampering() {
        let file = encrypt(b"{\"x\":1}", &params("p")).unwrap();
        let mut env: EncryptedEnvelope = serde_json::from_slice(&file).unwrap();
        let mut nonce = env.clone();
        nonce.cipher.nonce = B64.encode([8u8; 12]);
        let t = serde_json::to_string(&nonce).unwrap();
        assert_eq!(decrypt(&t, "p", &limits()), Err(ImportError::Tampered));
        let mut ct = B64.decode(&env.ciphertext).unwrap();
        ct[0] ^= 1;
        env.ciphertext = B64.encode(ct);
        let t = serde_json::to_string(&env).unwrap();
        assert_eq!(decrypt(&t, "p", &limits()), Err(ImportError::Tampered));
    }

    fn chunked(content: &[u8], pass: &str) -> Vec<u8> {
        let (mut file, mut w) = encrypt_chunked(&params(pass), 64).unwrap();
        file.extend(w.push(content).unwrap());
        file.extend(w.finish().unwrap());
        file
    }

    #[test]
    fn a_chunked_file_opens_with_the_right_passphrase_only() {
        let content: Vec<u8> = (0..500u32).map(|i| i as u8).collect();
        let file = chunked(&content, "楚雄 2020");
        let text = std::str::from_utf8(&file).unwrap();
        assert!(text.starts_with("{\"chunk_bytes\":64,\"cipher\":{\"alg\":\"aes-256-gcm\""));
        assert_eq!(text.lines().count(), 1 + 8);
        assert_eq!(decrypt(text, "楚雄 2020", &limits()).unwrap(), content);
        assert_eq!(decrypt(text, "楚雄2020", &limits()), Err(ImportError::WrongPassphrase));
        assert_eq!(decrypt(text, "楚雄 2020", &Limits::default()), Err(ImportError::WeakKdf { iterations: 10, min: MIN_ITERATIONS }));
    }

    #[test]
    fn a_chunked_files_header_is_authenticated() {
        let file = chunked(b"{\"x\":1}", "p");
        let text = std::str::from_utf8(&file).unwrap();
        // Another chunk size or nonce prefix in the header: every chunk fails.
        let nonce = B64.encode([9u8; 7]);
        let other = text.replacen(&nonce, &B64.encode([8u8; 7]), 1);
        assert_eq!(decrypt(&other, "p", &limits()), Err(ImportError::Tampered));
        // Its version changed to 1: refused as a version 1 file it is not.
        let v1 = text.replacen("\"version\":2", "\"version\":1", 1);
        assert!(matches!(decrypt(&v1, "p", &limits()), Err(ImportError::Schema { .. })));
    }

    #[test]
    fn too_few_iterations_are_refused_before_any_work() {
        let file = encrypt(b"{}", &params("p")).unwrap();
        let text = std::str::from_utf8(&file).unwrap();
        assert_eq!(decrypt(text, "p", &Limits::default()), Err(ImportError::WeakKdf { iterations: 10, min: MIN_ITERATIONS }));
    }
}
