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

use super::error::{ExportError, ImportError};
use super::limits::{json_error, Limits};
use super::sign::{DeviceKey, PublicKey};
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

/// Seals a plain bundle file to `recipients` (at least one, each once).
pub fn seal(plain: &[u8], recipients: &[Recipient], p: &SealParams) -> Result<Vec<u8>, ExportError> {
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
    let mut env = SealedEnvelope {
        cipher: SealCipher { alg: SEAL_CIPHER.into(), kem: SEAL_KEM.into(), nonce: B64.encode(p.nonce) },
        ciphertext: String::new(),
        format: FORMAT_SEALED.into(),
        recipients: wires,
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

fn b64_exact<const N: usize>(s: &str, what: &str) -> Result<[u8; N], ImportError> {
    B64.decode(s).ok().and_then(|v| v.try_into().ok()).ok_or_else(|| ImportError::Schema { reason: format!("{what} is not {N} bytes of base64") })
}

/// The devices a sealed file is for (for "this file is for …"), without opening it.
pub fn recipients_of(text: &str) -> Result<Vec<String>, ImportError> {
    let env: SealedEnvelope = serde_json::from_str(text).map_err(|e| json_error(e, text))?;
    Ok(env.recipients.into_iter().map(|r| r.device_id).collect())
}

/// Opens a sealed bundle file's text (whose format and version the caller checked)
/// with this device's key, into the plain bundle file's bytes.
pub fn open(text: &str, key: &DeviceKey, limits: &Limits) -> Result<Vec<u8>, ImportError> {
    let env: SealedEnvelope = serde_json::from_str(text).map_err(|e| json_error(e, text))?;
    if env.cipher.alg != SEAL_CIPHER {
        return Err(ImportError::UnsupportedCipher { alg: super::error::short(&env.cipher.alg) });
    }
    if env.cipher.kem != SEAL_KEM {
        return Err(ImportError::UnsupportedCipher { alg: super::error::short(&env.cipher.kem) });
    }
    if env.recipients.is_empty() || env.recipients.len() > MAX_RECIPIENTS {
        return Err(ImportError::Schema { reason: format!("{} recipients", env.recipients.len()) });
    }
    let nonce: [u8; 12] = b64_exact(&env.cipher.nonce, "nonce")?;
    let mine = key.public().to_base64();
    let names = || env.recipients.iter().map(|r| super::error::short(&r.device_id)).collect::<Vec<_>>().join("、");
    let entry = env.recipients.iter().find(|r| r.key == mine).ok_or_else(|| ImportError::NotARecipient { recipients: names() })?;
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
