//! Signatures (签名): device keys, signed bundles and receipts, and whom a file
//! comes from.
//!
//! Every device holds one Ed25519 key pair (设备密钥), made on its first export,
//! receipt or visit to the settings page, kept in its store (meta
//! [`META_DEVICE_KEY`]) and never put in any file. A v2 bundle or receipt carries a
//! `signature` member: the algorithm, the signer's public key and the signature over
//! [`message`], which binds the file's `format` and its checksum (the SHA-256 of the
//! canonical file without `sha256` and `signature`). Signing the 32-byte digest costs
//! microseconds; hashing the file is already paid for by the checksum.
//!
//! A signature says which *key* made a file. Which *device* that key belongs to is
//! what the receiving device has learnt ([`Signer`], [`check_signer`]): a key seen
//! for the first time is pinned to the device the file names (trust on first use,
//! "首次见到此设备，请与对方核对指纹"), and from then on a file naming that device
//! must be signed by that key, and that key may sign for no other device. The
//! fingerprint ([`PublicKey::fingerprint`]) is what two people compare aloud.

use super::error::ImportError;
use super::ledger::SyncLedger;
use super::wire::WireSignature;
use crate::core::clock::DeviceId;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

/// The signature algorithm of v2 files.
pub const SIG_ALG: &str = "ed25519";
/// The store's meta key holding this device's key pair (never exported).
pub const META_DEVICE_KEY: &str = "device_key";
/// What every signed message starts with, so a signature made for duzhan cannot
/// be passed off as one over anything else.
const DOMAIN: &[u8] = b"duzhan-signature-v1\n";

/// The bytes a file's signature is over: the domain, the file's `format` and its
/// checksum (lower-case hex), each on its own line.
pub fn message(format: &str, checksum: &str) -> Vec<u8> {
    let mut m = Vec::with_capacity(DOMAIN.len() + format.len() + 1 + checksum.len());
    m.extend_from_slice(DOMAIN);
    m.extend_from_slice(format.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(checksum.as_bytes());
    m
}

/// The checksum of a signed file's envelope: the hex SHA-256 of its canonical JSON
/// without its `sha256` and `signature` members (`parts` lends them out; they are
/// put back as they were).
pub fn checksum_without<E: serde::Serialize>(
    env: &mut E,
    parts: impl Fn(&mut E) -> (&mut String, &mut Option<WireSignature>),
) -> Result<String, serde_json::Error> {
    let (sha, sig) = parts(env);
    let claimed = std::mem::take(sha);
    let signature = sig.take();
    let actual = crate::core::digest::sha256_hex(&*env);
    let (sha, sig) = parts(env);
    *sha = claimed;
    *sig = signature;
    actual
}

/// A device's public key (公钥), 32 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PublicKey(pub [u8; 32]);

impl PublicKey {
    /// Standard base64 (padded), as files and the ledger carry it.
    pub fn to_base64(&self) -> String {
        B64.encode(self.0)
    }

    /// Reads a key written by [`PublicKey::to_base64`]: exactly 32 bytes that are a
    /// point of the curve and not of small order (a weak key verifies anything).
    pub fn from_base64(s: &str) -> Option<PublicKey> {
        if s.len() != 44 {
            return None;
        }
        let bytes: [u8; 32] = B64.decode(s).ok()?.try_into().ok()?;
        let vk = VerifyingKey::from_bytes(&bytes).ok()?;
        (!vk.is_weak()).then_some(PublicKey(bytes))
    }

    /// The fingerprint (指纹) two people compare: 20 decimal digits in five groups of
    /// four ("3071 2486 …"), from the SHA-256 of the key. Digits read aloud the same
    /// in Chinese and English; 20 of them are 66 bits, far beyond what anyone could
    /// search for a key with a chosen fingerprint.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let h = Sha256::digest(self.0);
        let mut n: u128 = 0;
        for b in &h[..9] {
            n = (n << 8) | u128::from(*b);
        }
        let digits = format!("{:020}", n % 100_000_000_000_000_000_000u128);
        let mut out = String::with_capacity(24);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push(' ');
            }
            out.push(c);
        }
        out
    }
}

/// This device's key pair, as stored in meta [`META_DEVICE_KEY`].
#[derive(Clone)]
pub struct DeviceKey {
    secret: SigningKey,
    /// When it was made (ms).
    pub created_ms: u64,
}

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret never reaches a log.
        f.debug_struct("DeviceKey").field("public", &self.public().to_base64()).field("created_ms", &self.created_ms).finish()
    }
}

/// The stored form. Fields in alphabetical order.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredKey {
    alg: String,
    created_ms: u64,
    /// Base64 of the 32-byte secret seed.
    seed: String,
}

impl DeviceKey {
    /// A key pair from 32 random bytes (the caller's randomness: the core has none).
    pub fn from_seed(seed: [u8; 32], created_ms: u64) -> DeviceKey {
        DeviceKey { secret: SigningKey::from_bytes(&seed), created_ms }
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.secret.verifying_key().to_bytes())
    }

    /// The `signature` member for a file of `format` whose checksum is `checksum`.
    pub fn sign(&self, format: &str, checksum: &str) -> WireSignature {
        let sig = self.secret.sign(&message(format, checksum));
        WireSignature { alg: SIG_ALG.to_owned(), key: self.public().to_base64(), sig: B64.encode(sig.to_bytes()) }
    }

    /// The X25519 secret of this key pair (its Ed25519 scalar before clamping), for
    /// opening bundles sealed to it (`super::seal`).
    pub fn x25519_secret(&self) -> [u8; 32] {
        self.secret.to_scalar_bytes()
    }

    pub fn to_meta(&self) -> String {
        let stored = StoredKey { alg: SIG_ALG.to_owned(), created_ms: self.created_ms, seed: B64.encode(self.secret.to_bytes()) };
        serde_json::to_string(&stored).unwrap_or_default()
    }

    /// Reads the stored key; `Err` names what is wrong with the stored value.
    pub fn from_meta(s: &str) -> Result<DeviceKey, String> {
        let stored: StoredKey = serde_json::from_str(s).map_err(|e| e.to_string())?;
        if stored.alg != SIG_ALG {
            return Err(format!("unknown key algorithm {:?}", stored.alg));
        }
        let seed: [u8; 32] = B64.decode(&stored.seed).map_err(|e| e.to_string())?.try_into().map_err(|_| "the seed is not 32 bytes".to_owned())?;
        Ok(DeviceKey::from_seed(seed, stored.created_ms))
    }
}

/// Checks a file's `signature` member against its format and checksum, and
/// returns the key that made it. `BadSignature`: the member cannot be read (an
/// unknown algorithm, not base64, a wrong length, not a usable key);
/// `AlteredAfterSigning`: a well-formed signature that does not sign this content.
pub fn verify(sig: &WireSignature, format: &str, checksum: &str) -> Result<PublicKey, ImportError> {
    let bad = |reason: &str| ImportError::BadSignature { reason: reason.to_owned() };
    if sig.alg != SIG_ALG {
        return Err(bad(&format!("unknown algorithm {}", super::error::short(&sig.alg))));
    }
    let key = PublicKey::from_base64(&sig.key).ok_or_else(|| bad("the key is not an Ed25519 public key"))?;
    if sig.sig.len() != 88 {
        return Err(bad("the signature is not 64 bytes"));
    }
    let bytes: [u8; 64] = B64.decode(&sig.sig).ok().and_then(|b| b.try_into().ok()).ok_or_else(|| bad("the signature is not 64 bytes of base64"))?;
    let vk = VerifyingKey::from_bytes(&key.0).map_err(|_| bad("the key is not an Ed25519 public key"))?;
    vk.verify_strict(&message(format, checksum), &Signature::from_bytes(&bytes)).map_err(|_| ImportError::AlteredAfterSigning)?;
    Ok(key)
}

/// Who signed a file, as this device knows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signer {
    /// A v1 file: no signature, so nothing proves who made it.
    Unsigned,
    /// Signed by this device's own key (a backup being restored).
    Own,
    /// Signed by the key this device already holds for the named device.
    Known(PublicKey),
    /// The first file from this device: its key is pinned by the import
    /// ("首次见到此设备，请与对方核对指纹").
    FirstSeen(PublicKey),
}

impl Signer {
    pub fn code(&self) -> &'static str {
        match self {
            Signer::Unsigned => "unsigned",
            Signer::Own => "own",
            Signer::Known(_) => "known",
            Signer::FirstSeen(_) => "first_seen",
        }
    }

    /// The other device's key (pinned, or to pin when the file is taken).
    pub fn key(&self) -> Option<PublicKey> {
        match self {
            Signer::Known(k) | Signer::FirstSeen(k) => Some(*k),
            _ => None,
        }
    }
}

/// Whom a file that names `device` and was signed by `key` (`None`: unsigned)
/// comes from, as the ledger knows keys; or why it cannot be accepted:
/// - a key this device holds for another device signs only for that one
///   (`SignerNotSource`);
/// - a device this device holds a key for signs only with that key
///   (`KeyChanged`: someone else claims to be it);
/// - once a device's key is known, an unsigned file naming it proves nothing
///   (`UnsignedFromSigningDevice`);
/// - a device revoked (挂失) at some time sends nothing made after it (`KeyRevoked`).
pub fn check_signer(device: &DeviceId, key: Option<&PublicKey>, created_ms: u64, ledger: &SyncLedger, own: &DeviceId) -> Result<Signer, ImportError> {
    if let Some(revoked_ms) = ledger.devices.get(device).and_then(|l| l.revoked_ms) {
        if device != own && created_ms > revoked_ms {
            return Err(ImportError::KeyRevoked { device: device.0.clone(), revoked_ms });
        }
    }
    let own_key = ledger.own_key();
    let pinned = if device == own { own_key } else { ledger.key_of(device) };
    let Some(key) = key else {
        return match pinned {
            Some(_) => Err(ImportError::UnsignedFromSigningDevice { device: device.0.clone() }),
            None => Ok(Signer::Unsigned),
        };
    };
    let holder = if own_key.as_ref() == Some(key) { Some(own.clone()) } else { ledger.device_of_key(key).cloned() };
    if let Some(holder) = holder {
        if holder != *device {
            return Err(ImportError::SignerNotSource { signer: holder.0, claimed: device.0.clone() });
        }
    }
    match pinned {
        Some(p) if p == *key => Ok(if device == own { Signer::Own } else { Signer::Known(*key) }),
        Some(_) => Err(ImportError::KeyChanged { device: device.0.clone() }),
        // This device's own id, signed by a key that is not its own.
        None if device == own => Err(ImportError::KeyChanged { device: device.0.clone() }),
        None => Ok(Signer::FirstSeen(*key)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> DeviceKey {
        DeviceKey::from_seed([n; 32], 1)
    }

    #[test]
    fn a_signature_verifies_for_its_format_and_checksum_only() {
        let k = key(1);
        let sum = "ab".repeat(32);
        let sig = k.sign("duzhan-bundle", &sum);
        assert_eq!(verify(&sig, "duzhan-bundle", &sum), Ok(k.public()));
        assert_eq!(verify(&sig, "duzhan-receipt", &sum), Err(ImportError::AlteredAfterSigning));
        assert_eq!(verify(&sig, "duzhan-bundle", &"cd".repeat(32)), Err(ImportError::AlteredAfterSigning));
        let other = WireSignature { key: key(2).public().to_base64(), ..sig.clone() };
        assert_eq!(verify(&other, "duzhan-bundle", &sum), Err(ImportError::AlteredAfterSigning));
    }

    #[test]
    fn a_signature_member_that_cannot_be_read_is_a_bad_signature() {
        let k = key(1);
        let sig = k.sign("duzhan-bundle", "00");
        for broken in [
            WireSignature { alg: "rsa".into(), ..sig.clone() },
            WireSignature { key: "AAAA".into(), ..sig.clone() },
            WireSignature { sig: "AAAA".into(), ..sig.clone() },
            WireSignature { sig: "!".repeat(88), ..sig.clone() },
            // The identity point: of small order, it would verify anything.
            WireSignature {
                key: B64.encode({
                    let mut b = [0u8; 32];
                    b[0] = 1;
                    b
                }),
                ..sig.clone()
            },
        ] {
            assert_eq!(verify(&broken, "duzhan-bundle", "00").map_err(|e| e.code()), Err("bad_signature"), "{broken:?}");
        }
    }

    #[test]
    fn a_stored_key_reads_back_and_its_debug_form_hides_the_secret() {
        let k = key(7);
        let back = DeviceKey::from_meta(&k.to_meta()).unwrap();
        assert_eq!(back.public(), k.public());
        assert_eq!(back.created_ms, 1);
        assert!(!format!("{k:?}").contains(&B64.encode([7u8; 32])));
        assert!(DeviceKey::from_meta("{}").is_err());
        assert!(DeviceKey::from_meta(r#"{"alg":"rsa","created_ms":1,"seed":""}"#).is_err());
    }

    #[test]
    fn a_fingerprint_is_twenty_digits_in_groups_of_four_and_differs_per_key() {
        let f = key(1).public().fingerprint();
        assert_eq!(f.len(), 24);
        assert!(f.split(' ').all(|g| g.len() == 4 && g.bytes().all(|b| b.is_ascii_digit())), "{f}");
        assert_ne!(f, key(2).public().fingerprint());
        assert_eq!(f, key(1).public().fingerprint());
    }
}
