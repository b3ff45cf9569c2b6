//! Bundles sealed to recipients (密封数据包): only the chosen devices can open them.
//!
//! Besides a passphrase (`super::crypto`), an export can be sealed to one or more
//! devices whose keys this device holds (pinned or from the roster), in the manner of
//! `age`: a fresh 32-byte file key encrypts the whole plain (signed) bundle file with
//! AES-256-GCM; for each recipient, a fresh X25519 key pair meets the recipient's key
//! (its Ed25519 key in Montgomery form, as age's `ssh-ed25519` recipients do; see
//! Thormarker, "On using the same key pair for Ed25519 and an X25519 based KEM",
//! 2021), HKDF-SHA256 turns the shared secret into a wrapping key, and AES-256-GCM
//! wraps the file key. No new keys are handed out: the keys that verify signatures
//! also receive sealed files. The sender's signature is inside, checked after
//! opening like any bundle's.
//!
//! The envelope's header (format, version, recipients, cipher) is the payload's
//! associated data: adding, removing or changing a recipient, or the nonce, makes
//! the file fail to open (`tampered`). A device that is not among the recipients
//! cannot open it (`not_a_recipient`, naming who can).
//!
//! Version 1 encrypts the whole file at once; version 2 (`super::stream`) a chunk at
//! a time under the same file key, so that a file carrying photos is written and
//! read in parts.

use super::error::{ExportError, ImportError};
use super::limits::{json_error, Limits};
use super::sign::{DeviceKey, PublicKey};
use super::stream::{self, ChunkKey, ChunkWriter, PREFIX_BYTES, VERSION_CHUNKED};
use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use curve25519_dalek::montgomery::MontgomeryPoint;
use ed25519_dalek::VerifyingKey;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The `format` of a sealed bundle.
pub const FORMAT_SEALED: &str = "duzhan-bundle-sealed";
/// Its version.
pub const SEALED_VERSION: u32 = 1;
/// The cipher of the payload and of the wrapped file keys.
pub const SEAL_CIPHER: &str = "aes-256-gcm";
/// The key agreement.
pub const SEAL_KEM: &str = "x25519-ed25519";
/// Most recipients of one file.
pub const MAX_RECIPIENTS: usize = 64;
const WRAP_INFO: &[u8] = b"duzhan-bundle-sealed v1 file key wrap";

/// The sealed envelope. Fields in alphabetical order (canonical JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedEnvelope {
    pub cipher: SealCipher,
    /// Base64 of the payload's ciphertext with its 16-byte tag.
    pub ciphertext: String,
    pub format: String,
    pub recipients: Vec<WireRecipient>,
    pub version: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealCipher {
    pub alg: String,
    pub kem: String,
    /// Base64 of the payload's 12-byte nonce.
    pub nonce: String,
}

/// One recipient: who (device id and key, to find its entry) and the file key
/// wrapped for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireRecipient {
    pub device_id: String,
    /// Base64 of the sender's ephemeral X25519 public key for this recipient.
    pub epk: String,
    /// Base64 of the recipient's Ed25519 public key.
    pub key: String,
    /// Base64 of the file key wrapped with AES-256-GCM (32 bytes + 16-byte tag).
    pub wrapped: String,
}

/// The authenticated header: everything but the ciphertext.
#[derive(Serialize)]
struct Header<'a> {
    cipher: &'a SealCipher,
    format: &'a str,
    recipients: &'a [WireRecipient],
    version: u32,
}

/// A recipient as the sender names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub device: crate::core::clock::DeviceId,
    pub key: PublicKey,
}

/// What sealing needs from the caller: fresh random bytes for every file.
#[derive(Clone, Debug)]
pub struct SealParams {
    pub file_key: [u8; 32],
    pub nonce: [u8; 12],
    /// One ephemeral secret per recipient, in order.
    pub ephemerals: Vec<[u8; 32]>,
}

fn montgomery(key: &PublicKey) -> Option<MontgomeryPoint> {
    VerifyingKey::from_bytes(&key.0).ok().map(|k| k.to_montgomery())
}

/// HKDF-SHA256 (RFC 5869) of the shared secret, salted with both public values,
/// to one 32-byte wrapping key.
fn wrap_key(shared: &MontgomeryPoint, epk: &MontgomeryPoint, recipient: &MontgomeryPoint) -> Option<[u8; 32]> {
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(epk.as_bytes());
    salt[32..].copy_from_slice(recipient.as_bytes());
    let mut extract = <Hmac<Sha256> as Mac>::new_from_slice(&salt).ok()?;
    extract.update(shared.as_bytes());
    let prk = extract.finalize().into_bytes();
    let mut expand = <Hmac<Sha256> as Mac>::new_from_slice(&prk).ok()?;
    expand.update(WRAP_INFO);
    expand.update(&[1]);
    Some(expand.finalize().into_bytes().into())
}

fn aad(env: &SealedEnvelope) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(&Header { cipher: &env.cipher, format: &env.format, recipients: &env.recipients, version: env.version })
}

/// The file key wrapped for each of `recipients` (at least one, each once).
fn wrap_all(recipients: &[Recipient], p: &SealParams) -> Result<Vec<WireRecipient>, ExportError> {
    if recipients.is_empty() || recipients.len() > MAX_RECIPIENTS || p.ephemerals.len() != recipients.len() {
        return Err(ExportError::NoRecipient);
    }
    let enc = |e: &dyn std::fmt::Display| ExportError::Encode(e.to_string());
    let mut wires = Vec::with_capacity(recipients.len());
    for (r, eph) in recipients.iter().zip(&p.ephemerals) {
        let them = montgomery(&r.key).ok_or_else(|| ExportError::RecipientKey { device: r.device.0.clone() })?;
        let epk = MontgomeryPoint::mul_base_clamped(*eph);
        let shared = them.mul_clamped(*eph);
        if shared.as_bytes() == &[0u8; 32] {
            return Err(ExportError::RecipientKey { device: r.device.0.clone() });
        }
        let wk = wrap_key(&shared, &epk, &them).ok_or_else(|| enc(&"key derivation"))?;
        let wrapped = Aes256Gcm::new_from_slice(&wk).map_err(|e| enc(&e))?.encrypt(Nonce::from_slice(&[0u8; 12]), &p.file_key[..]).map_err(|e| enc(&e))?;
        wires.push(WireRecipient { device_id: r.device.0.clone(), epk: B64.encode(epk.as_bytes()), key: r.key.to_base64(), wrapped: B64.encode(wrapped) });
    }
    Ok(wires)
}

/// Seals a plain bundle file to `recipients` (at least one, each once), whole
/// (version 1).
pub fn seal(plain: &[u8], recipients: &[Recipient], p: &SealParams) -> Result<Vec<u8>, ExportError> {
    let enc = |e: &dyn std::fmt::Display| ExportError::Encode(e.to_string());
    let mut env = SealedEnvelope {
        cipher: SealCipher { alg: SEAL_CIPHER.into(), kem: SEAL_KEM.into(), nonce: B64.encode(p.nonce) },
        ciphertext: String::new(),
        format: FORMAT_SEALED.into(),
        recipients: wrap_all(recipients, p)?,
        version: SEALED_VERSION,
    };
    let aad = aad(&env).map_err(|e| enc(&e))?;
    let ct = Aes256Gcm::new_from_slice(&p.file_key)
        .map_err(|e| enc(&e))?
        .encrypt(Nonce::from_slice(&p.nonce), Payload { msg: plain, aad: &aad })
        .map_err(|e| enc(&e))?;
    env.ciphertext = B64.encode(ct);
    serde_json::to_vec(&env).map_err(|e| enc(&e))
}

/// The header of a chunked (version 2) sealed file: its envelope without the
/// ciphertext, authenticated with every chunk. `cipher.nonce` is the 7-byte prefix of
/// every chunk's nonce (`super::stream`). Fields in alphabetical order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChunkedHeader {
    pub chunk_bytes: u32,
    pub cipher: SealCipher,
    pub format: String,
    pub recipients: Vec<WireRecipient>,
    pub version: u32,
}

/// Starts a chunked (version 2) file sealed to `recipients`: its head line, and the
/// writer of its chunk lines (`p.nonce`'s first 7 bytes are the nonce prefix).
pub fn seal_chunked(recipients: &[Recipient], p: &SealParams, chunk_bytes: u32) -> Result<(Vec<u8>, ChunkWriter), ExportError> {
    let mut prefix = [0u8; PREFIX_BYTES];
    prefix.copy_from_slice(&p.nonce[..PREFIX_BYTES]);
    let header = ChunkedHeader {
        chunk_bytes,
        cipher: SealCipher { alg: SEAL_CIPHER.into(), kem: SEAL_KEM.into(), nonce: B64.encode(prefix) },
        format: FORMAT_SEALED.into(),
        recipients: wrap_all(recipients, p)?,
        version: VERSION_CHUNKED,
    };
    let header = serde_json::to_vec(&header).map_err(|e| ExportError::Encode(e.to_string()))?;
    let head = stream::head_line(&header)?;
    Ok((head, ChunkWriter::new(ChunkKey::new(p.file_key, prefix, header, chunk_bytes))))
}

fn chunked_header(head: &[u8]) -> Result<ChunkedHeader, ImportError> {
    let h: ChunkedHeader = stream::read_header(head)?;
    if h.version != VERSION_CHUNKED {
        return Err(ImportError::Schema { reason: format!("a chunked sealed file is version {VERSION_CHUNKED}, not {}", h.version) });
    }
    Ok(h)
}

/// The key of a chunked (version 2) sealed file from its head line, for this device.
pub fn chunk_key(head: &[u8], key: &DeviceKey) -> Result<ChunkKey, ImportError> {
    let h = chunked_header(head)?;
    let file_key = unwrap_file_key(&h.cipher, &h.recipients, key)?;
    let prefix: [u8; PREFIX_BYTES] = B64.decode(&h.cipher.nonce).ok().and_then(|v| v.try_into().ok()).ok_or(ImportError::Tampered)?;
    let aad = serde_json::to_vec(&h).map_err(|e| ImportError::Schema { reason: e.to_string() })?;
    Ok(ChunkKey::new(file_key, prefix, aad, h.chunk_bytes))
}

fn b64_exact<const N: usize>(s: &str, what: &str) -> Result<[u8; N], ImportError> {
    B64.decode(s).ok().and_then(|v| v.try_into().ok()).ok_or_else(|| ImportError::Schema { reason: format!("{what} is not {N} bytes of base64") })
}

/// The devices a sealed file (of either version; for a chunked one, its head line
/// is enough) is for, without opening it: for "this file is for …".
pub fn recipients_of(text: &str) -> Result<Vec<String>, ImportError> {
    let (head, _) = stream::split_head(text.as_bytes());
    let recipients = if stream::is_head_line(head) {
        chunked_header(head)?.recipients
    } else {
        serde_json::from_str::<SealedEnvelope>(text).map_err(|e| json_error(e, text))?.recipients
    };
    Ok(recipients.into_iter().map(|r| r.device_id).collect())
}

/// This device's file key from a sealed file's recipients, once the algorithms
/// are these and the device is among them.
fn unwrap_file_key(cipher: &SealCipher, recipients: &[WireRecipient], key: &DeviceKey) -> Result<[u8; 32], ImportError> {
    if cipher.alg != SEAL_CIPHER {
        return Err(ImportError::UnsupportedCipher { alg: super::error::short(&cipher.alg) });
    }
    if cipher.kem != SEAL_KEM {
        return Err(ImportError::UnsupportedCipher { alg: super::error::short(&cipher.kem) });
    }
    if recipients.is_empty() || recipients.len() > MAX_RECIPIENTS {
        return Err(ImportError::Schema { reason: format!("{} recipients", recipients.len()) });
    }
    let mine = key.public().to_base64();
    let names = || recipients.iter().map(|r| super::error::short(&r.device_id)).collect::<Vec<_>>().join("、");
    let entry = recipients.iter().find(|r| r.key == mine).ok_or_else(|| ImportError::NotARecipient { recipients: names() })?;
    let epk = MontgomeryPoint(b64_exact(&entry.epk, "epk")?);
    let wrapped = B64.decode(&entry.wrapped).map_err(|_| ImportError::Tampered)?;
    let me = key.public();
    let me_mont = montgomery(&me).ok_or(ImportError::Tampered)?;
    let shared = epk.mul_clamped(key.x25519_secret());
    if shared.as_bytes() == &[0u8; 32] {
        return Err(ImportError::Tampered);
    }
    let wk = wrap_key(&shared, &epk, &me_mont).ok_or(ImportError::Tampered)?;
    let file_key = Aes256Gcm::new_from_slice(&wk)
        .map_err(|_| ImportError::Tampered)?
        .decrypt(Nonce::from_slice(&[0u8; 12]), &wrapped[..])
        .map_err(|_| ImportError::Tampered)?;
    file_key.try_into().map_err(|_| ImportError::Tampered)
}

/// Opens a sealed bundle file's text (whose format the caller checked), of either
/// version, held whole, with this device's key, into the plain bundle file's bytes.
pub fn open(text: &str, key: &DeviceKey, limits: &Limits) -> Result<Vec<u8>, ImportError> {
    let (head, head_len) = stream::split_head(text.as_bytes());
    if stream::is_head_line(head) {
        return stream::open_whole(&chunk_key(head, key)?, text.as_bytes(), head_len, limits.max_bytes);
    }
    let env: SealedEnvelope = serde_json::from_str(text).map_err(|e| json_error(e, text))?;
    if env.version != SEALED_VERSION {
        return Err(ImportError::Schema { reason: format!("a version {} sealed file is laid out in chunks", env.version) });
    }
    let nonce: [u8; 12] = b64_exact(&env.cipher.nonce, "nonce")?;
    let file_key = unwrap_file_key(&env.cipher, &env.recipients, key)?;
    let ct = B64.decode(&env.ciphertext).map_err(|_| ImportError::Schema { reason: "ciphertext is not base64".into() })?;
    if ct.len() > limits.max_bytes.saturating_add(16) {
        return Err(ImportError::TooLarge { size: ct.len(), max: limits.max_bytes });
    }
    let aad = aad(&env).map_err(|e| ImportError::Schema { reason: e.to_string() })?;
    Aes256Gcm::new_from_slice(&file_key)
        .map_err(|_| ImportError::Tampered)?
        .decrypt(Nonce::from_slice(&nonce), Payload { msg: &ct, aad: &aad })
        .map_err(|_| ImportError::Tampered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::clock::DeviceId;

    fn key(n: u8) -> DeviceKey {
        DeviceKey::from_seed([n; 32], 0)
    }

    fn to(keys: &[&DeviceKey]) -> Vec<Recipient> {
        keys.iter().enumerate().map(|(i, k)| Recipient { device: DeviceId(format!("d-{i}")), key: k.public() }).collect()
    }

    fn params(n: usize) -> SealParams {
        SealParams { file_key: [5; 32], nonce: [6; 12], ephemerals: (0..n).map(|i| [10 + i as u8; 32]).collect() }
    }

    #[test]
    fn each_recipient_opens_and_a_third_device_cannot() {
        let (a, b, c) = (key(1), key(2), key(3));
        let file = seal(b"{\"x\":1}", &to(&[&a, &b]), &params(2)).unwrap();
        let text = std::str::from_utf8(&file).unwrap();
        assert_eq!(open(text, &a, &Limits::default()).unwrap(), b"{\"x\":1}");
        assert_eq!(open(text, &b, &Limits::default()).unwrap(), b"{\"x\":1}");
        assert_eq!(open(text, &c, &Limits::default()), Err(ImportError::NotARecipient { recipients: "d-0、d-1".into() }));
        assert_eq!(recipients_of(text).unwrap(), vec!["d-0", "d-1"]);
    }

    #[test]
    fn a_changed_header_recipient_or_ciphertext_does_not_open() {
        let (a, b) = (key(1), key(2));
        let file = seal(b"{}", &to(&[&a]), &params(1)).unwrap();
        let env: SealedEnvelope = serde_json::from_slice(&file).unwrap();
        // Another recipient added (with a made-up wrapped key): the header is authenticated.
        let mut added = env.clone();
        added.recipients.push(WireRecipient { device_id: "d-x".into(), key: b.public().to_base64(), ..env.recipients[0].clone() });
        assert_eq!(open(&serde_json::to_string(&added).unwrap(), &a, &Limits::default()), Err(ImportError::Tampered));
        // A new nonce.
        let mut nonce = env.clone();
        nonce.cipher.nonce = B64.encode([7u8; 12]);
        assert_eq!(open(&serde_json::to_string(&nonce).unwrap(), &a, &Limits::default()), Err(ImportError::Tampered));
        // The wrapped key for a claimed by b: b still cannot unwrap it.
        let mut stolen = env.clone();
        stolen.recipients[0].key = b.public().to_base64();
        assert_eq!(open(&serde_json::to_string(&stolen).unwrap(), &b, &Limits::default()), Err(ImportError::Tampered));
        let mut ct = B64.decode(&env.ciphertext).unwrap();
        ct[3] ^= 1;
        let mut flipped = env.clone();
        flipped.ciphertext = B64.encode(ct);
        assert_eq!(open(&serde_json::to_string(&flipped).unwrap(), &a, &Limits::default()), Err(ImportError::Tampered));
    }

    #[test]
    fn a_chunked_file_opens_for_each_recipient_and_names_them() {
        let (a, b, c) = (key(1), key(2), key(3));
        let (mut file, mut w) = seal_chunked(&to(&[&a, &b]), &params(2), 64).unwrap();
        let content: Vec<u8> = (0..300u32).map(|i| i as u8).collect();
        file.extend(w.push(&content).unwrap());
        file.extend(w.finish().unwrap());
        let text = std::str::from_utf8(&file).unwrap();
        assert_eq!(open(text, &a, &Limits::default()).unwrap(), content);
        assert_eq!(open(text, &b, &Limits::default()).unwrap(), content);
        assert_eq!(open(text, &c, &Limits::default()), Err(ImportError::NotARecipient { recipients: "d-0、d-1".into() }));
        assert_eq!(recipients_of(text.lines().next().unwrap()).unwrap(), vec!["d-0", "d-1"]);
        // A recipient dropped from the header: the chunks no longer open.
        let mut h = chunked_header(text.lines().next().unwrap().as_bytes()).unwrap();
        h.recipients.pop();
        let head = stream::head_line(&serde_json::to_vec(&h).unwrap()).unwrap();
        let rest = &file[text.find('\n').unwrap() + 1..];
        let altered = [head, rest.to_vec()].concat();
        assert_eq!(open(std::str::from_utf8(&altered).unwrap(), &a, &Limits::default()), Err(ImportError::Tampered));
    }

    #[test]
    fn no_recipient_or_a_weak_key_is_refused_when_sealing() {
        assert_eq!(seal(b"{}", &[], &params(0)), Err(ExportError::NoRecipient));
        let weak = PublicKey({
            let mut b = [0u8; 32];
            b[0] = 1;
            b
        });
        let r = [Recipient { device: DeviceId("d-w".into()), key: weak }];
        assert_eq!(seal(b"{}", &r, &params(1)), Err(ExportError::RecipientKey { device: "d-w".into() }));
    }
}
