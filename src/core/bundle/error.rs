//! Typed errors of bundle files. Every variant is something a file or a user can
//! cause, and has a message that says what happened and what to do, in Chinese
//! first. Nothing was written when one of these is returned.

use crate::core::i18n::{kind_name, Lang, UserMessage};
use crate::core::validate::ValidationError;

/// Shortens text from a file for messages (an id may be a megabyte long).
pub(crate) fn short(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(MAX).collect();
        t.push('…');
        t
    }
}

/// Why a bundle or receipt file was refused. Variants are in the order the import
/// checks them.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    /// The device could not read the chosen file at all (moved, unplugged, denied).
    #[error("file cannot be read: {reason}")]
    Unreadable { reason: String },
    /// The file is larger than the import accepts (checked before anything else).
    #[error("file is {size} bytes, more than the {max} accepted")]
    TooLarge { size: usize, max: usize },
    /// The file has no content.
    #[error("file is empty")]
    Empty,
    /// The file ends in the middle: an incomplete copy or download.
    #[error("file is truncated")]
    Truncated,
    /// Bytes that are not UTF-8 text.
    #[error("file is not UTF-8 text (byte {offset})")]
    NotUtf8 { offset: usize },
    /// Brackets nested deeper than any bundle needs.
    #[error("file nests more than {max} levels deep")]
    TooDeep { max: usize },
    /// Not valid JSON.
    #[error("not valid JSON at line {line}, column {column}: {reason}")]
    Malformed { line: usize, column: usize, reason: String },
    /// Valid JSON, but not a duzhan file (no `format` member).
    #[error("not a duzhan file")]
    NotDuzhanFile,
    /// A `format` this app does not know.
    #[error("unknown format {format:?}")]
    UnknownFormat { format: String },
    /// A receipt was given where a bundle was expected.
    #[error("this is a receipt, not a bundle")]
    ReceiptNotBundle,
    /// A bundle was given where a receipt was expected.
    #[error("this is a bundle, not a receipt")]
    BundleNotReceipt,
    /// A format version this app cannot read (made by a newer app, or damaged).
    #[error("{format} version {found} is not supported (this app reads version {supported})")]
    UnsupportedVersion { format: String, found: String, supported: u32 },
    /// The bundle is encrypted and no passphrase was given.
    #[error("the bundle is encrypted; a passphrase is needed")]
    PassphraseRequired,
    /// A bundle sealed to recipients: this device's key is needed to open it.
    #[error("the bundle is sealed to recipients; this device's key is needed")]
    SealedKeyNeeded,
    /// A sealed bundle for other devices than this one.
    #[error("sealed to {recipients}, not to this device")]
    NotARecipient { recipients: String },
    /// The passphrase does not open the bundle (or the key parameters were altered).
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// The passphrase is right but the encrypted content or its header was altered.
    #[error("the encrypted bundle was altered or damaged")]
    Tampered,
    /// Key derivation weaker than allowed, or absurdly expensive.
    #[error("key derivation with {iterations} iterations is not accepted (at least {min})")]
    WeakKdf { iterations: u64, min: u32 },
    /// An encryption or key-derivation algorithm this app does not implement.
    #[error("unsupported algorithm {alg:?}")]
    UnsupportedCipher { alg: String },
    /// The structure is not that of a v1 file (missing, extra or mistyped members).
    #[error("file structure is invalid: {reason}")]
    Schema { reason: String },
    /// More records than the import accepts.
    #[error("more than {max} records")]
    TooManyRecords { max: usize },
    /// The checksum does not match the content: damaged in transit or edited.
    #[error("checksum mismatch (file says {expected}, content gives {actual})")]
    ChecksumMismatch { expected: String, actual: String },
    /// A signature member that cannot be read: an unknown algorithm, not base64, a
    /// wrong length, not a usable public key.
    #[error("the signature cannot be read: {reason}")]
    BadSignature { reason: String },
    /// A well-formed signature that does not sign this content: the file (or its
    /// checksum, recomputed) was changed after it was signed.
    #[error("the file was changed after it was signed")]
    AlteredAfterSigning,
    /// The declared record counts do not match the records.
    #[error("{kind}: {declared} records declared, {actual} present")]
    CountsMismatch { kind: String, declared: u64, actual: u64 },
    /// A text longer than the import accepts.
    #[error("record {id}: a text is longer than {max} bytes")]
    StringTooLong { id: String, max: usize },
    /// An id, device id, kind or field name with characters or a length not allowed.
    #[error("invalid {what} {id:?}")]
    InvalidId { what: &'static str, id: String },
    /// Two records with the same id in one bundle.
    #[error("record {id} appears twice")]
    DuplicateId { id: String },
    /// A stamp that cannot come from a real device clock, or merge state that merge
    /// cannot produce.
    #[error("record {id}, field {field}: {reason}")]
    InvalidStamp { id: String, field: String, reason: &'static str },
    /// A record of a known kind whose values do not form such a record (a date that
    /// does not exist, a missing field, a wrong type…).
    #[error("record {id} ({kind}) is invalid: {reason}")]
    InvalidRecord { id: String, kind: String, reason: String },
    /// A record whose values decode but are out of range (a negative figure…).
    #[error("record {id} ({kind}): {error}")]
    InvalidValue { id: String, kind: String, error: ValidationError },
    /// A record stamped more than a day after this device's clock: the writing
    /// device's clock (or this one's) is wrong, and merging would let it win over every
    /// later edit everywhere (the clock guard, ARCHITECTURE.md).
    #[error("record {id} was written by {device} {ahead_ms} ms after this device's clock")]
    ClockAhead { id: String, device: String, ahead_ms: u64 },
    /// The file names a device whose key this device holds, but is signed by
    /// another key: someone else claims to be that device (冒充).
    #[error("device {device} is known here with another key")]
    KeyChanged { device: String },
    /// The file is signed by the key of one known device but names another.
    #[error("signed by device {signer}'s key but claims to come from {claimed}")]
    SignerNotSource { signer: String, claimed: String },
    /// A file made after its device was revoked (挂失).
    #[error("device {device} was revoked at {revoked_ms}")]
    KeyRevoked { device: String, revoked_ms: u64 },
    /// Records of 暗访督战 (restricted to the 督查室, `super::restricted`) in a file
    /// taken on a device that is not the 督查室's.
    #[error("{count} restricted records (first {first}) on a device without the inspection role")]
    RestrictedRecords { count: usize, first: String },
    /// A photo line of a v3 file that is not the photo its signed manifest lists
    /// there (another address, not base64, another length, other bytes).
    #[error("photo of record {record} is damaged: {reason}")]
    PhotoDamaged { record: String, reason: &'static str },
    /// A photo whose bytes match but are not a complete JPEG.
    #[error("photo of record {record} is not a JPEG image")]
    PhotoNotJpeg { record: String },
    /// A manifest entry above the stored-photo cap (or empty).
    #[error("photo of record {record} is {len} bytes")]
    PhotoTooLarge { record: String, len: u32 },
    /// A photo in the file that no photo record of the file refers to.
    #[error("photo {sha256} is referred to by no record of the file")]
    PhotoUnreferenced { sha256: String },
    /// More photos (or photo bytes) than one file may carry.
    #[error("{count} photos, more than the {max} a file may carry")]
    TooManyPhotos { count: usize, max: usize },
    /// A roster from another device than the one whose rosters this device follows.
    #[error("roster issued by {issuer}, this device follows {follows}")]
    RosterFromAnotherIssuer { issuer: String, follows: String },
    /// A roster whose key for a device disagrees with the key this device holds.
    #[error("the roster gives device {device} another key than the one known here")]
    RosterKeyConflict { device: String },
    /// A roster older than the one this device already follows.
    #[error("an older roster than the one already taken")]
    RosterOutdated,
    /// A roster where a bundle was expected.
    #[error("this is a device roster, not a bundle")]
    RosterNotBundle,
    /// An unsigned (v1) file naming a device whose files are signed.
    #[error("unsigned file from device {device}, whose files are signed")]
    UnsignedFromSigningDevice { device: String },
    /// The bundle belongs to another campaign.
    #[error("bundle of campaign {bundle}, this device holds campaign {local}")]
    WrongCampaign { bundle: String, local: String },
    /// A bundle opened as a campaign of its own holds no record of that campaign
    /// (a partial export): there is nothing to start the campaign from.
    #[error("bundle holds no record of its campaign {campaign}")]
    NoCampaignRecord { campaign: String },
    /// A record id that this device holds as another kind of record.
    #[error("record {id} is a {local} here but a {incoming} in the bundle")]
    KindMismatch { id: String, local: String, incoming: String },
    /// A record refers to a record that is neither in the bundle nor on this device.
    #[error("record {id} ({kind}) refers through {field} to {missing}, which is not a known {expected_kind}")]
    DanglingReference { id: String, kind: String, field: &'static str, missing: String, expected_kind: &'static str },
}

impl UserMessage for ImportError {
    fn message(&self, lang: Lang) -> String {
        ImportError::message(self, lang)
    }
}

impl ImportError {
    /// A stable code for logs, tests and the UI's test ids.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unreadable { .. } => "unreadable",
            Self::TooLarge { .. } => "too_large",
            Self::Empty => "empty",
            Self::Truncated => "truncated",
            Self::NotUtf8 { .. } => "not_utf8",
            Self::TooDeep { .. } => "too_deep",
            Self::Malformed { .. } => "malformed",
            Self::NotDuzhanFile => "not_duzhan_file",
            Self::UnknownFormat { .. } => "unknown_format",
            Self::ReceiptNotBundle => "receipt_not_bundle",
            Self::BundleNotReceipt => "bundle_not_receipt",
            Self::UnsupportedVersion { .. } => "unsupported_version",
            Self::PassphraseRequired => "passphrase_required",
            Self::SealedKeyNeeded => "sealed_key_needed",
            Self::NotARecipient { .. } => "not_a_recipient",
            Self::WrongPassphrase => "wrong_passphrase",
            Self::Tampered => "tampered",
            Self::WeakKdf { .. } => "weak_kdf",
            Self::UnsupportedCipher { .. } => "unsupported_cipher",
            Self::Schema { .. } => "schema",
            Self::TooManyRecords { .. } => "too_many_records",
            Self::ChecksumMismatch { .. } => "checksum_mismatch",
            Self::BadSignature { .. } => "bad_signature",
            Self::AlteredAfterSigning => "altered_after_signing",
            Self::CountsMismatch { .. } => "counts_mismatch",
            Self::StringTooLong { .. } => "string_too_long",
            Self::InvalidId { .. } => "invalid_id",
            Self::DuplicateId { .. } => "duplicate_id",
            Self::InvalidStamp { .. } => "invalid_stamp",
            Self::InvalidRecord { .. } => "invalid_record",
            Self::InvalidValue { .. } => "invalid_value",
            Self::ClockAhead { .. } => "clock_ahead",
            Self::KeyChanged { .. } => "key_changed",
            Self::SignerNotSource { .. } => "signer_not_source",
            Self::UnsignedFromSigningDevice { .. } => "unsigned_from_signing_device",
            Self::KeyRevoked { .. } => "key_revoked",
            Self::RestrictedRecords { .. } => "restricted_records",
            Self::PhotoDamaged { .. } => "photo_damaged",
            Self::PhotoNotJpeg { .. } => "photo_not_jpeg",
            Self::PhotoTooLarge { .. } => "photo_too_large",
            Self::PhotoUnreferenced { .. } => "photo_unreferenced",
            Self::TooManyPhotos { .. } => "too_many_photos",
            Self::RosterFromAnotherIssuer { .. } => "roster_from_another_issuer",
            Self::RosterKeyConflict { .. } => "roster_key_conflict",
            Self::RosterOutdated => "roster_outdated",
            Self::RosterNotBundle => "roster_not_bundle",
            Self::WrongCampaign { .. } => "wrong_campaign",
            Self::NoCampaignRecord { .. } => "no_campaign_record",
            Self::KindMismatch { .. } => "kind_mismatch",
            Self::DanglingReference { .. } => "dangling_reference",
        }
    }

    /// The message shown to the user: what is wrong and what to do. Every message
    /// says that nothing was imported, so the user knows the data is unchanged.
    pub fn message(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        let mb = |b: usize| (b as f64) / (1024.0 * 1024.0);
        match self {
            Self::Unreadable { reason } => {
                if zh {
                    format!("文件无法读取（{}），未导入。请确认U盘或文件仍在原处，再重新选择该文件。", short(reason))
                } else {
                    format!(
                        "The file cannot be read ({}); nothing was imported. Check that the USB stick or file is still there and choose it again.",
                        short(reason)
                    )
                }
            }
            Self::TooLarge { size, max } => {
                if zh {
                    format!("文件过大（{:.1} MB，上限 {:.0} MB），未导入。请让对方按县市或督战对象分批导出（“按范围导出”），再逐个导入。", mb(*size), mb(*max))
                } else {
                    format!("The file is too large ({:.1} MB, limit {:.0} MB); nothing was imported. Ask the sender to export by county or target in smaller parts.", mb(*size), mb(*max))
                }
            }
            Self::Empty => {
                if zh {
                    "文件是空的，未导入。请向对方重新索取数据包文件。".into()
                } else {
                    "The file is empty; nothing was imported. Ask the sender for the bundle again.".into()
                }
            }
            Self::Truncated => {
                if zh {
                    "文件不完整（在中途被截断，可能是拷贝或下载未完成），未导入。请向对方重新索取完整的数据包文件。".into()
                } else {
                    "The file is incomplete (cut off, e.g. an unfinished copy or download); nothing was imported. Ask the sender for the complete file.".into()
                }
            }
            Self::NotUtf8 { .. } => {
                if zh {
                    "文件内容不是本应用导出的文本（可能已损坏或不是数据包），未导入。请确认选择的是“duzhan-…json”数据包文件，或向对方重新索取。".into()
                } else {
                    "The file is not text exported by this app (damaged or not a bundle); nothing was imported. Choose a duzhan-….json bundle or ask for it again.".into()
                }
            }
            Self::TooDeep { .. } => {
                if zh {
                    "文件结构异常（嵌套层级过深），不是本应用导出的数据包，未导入。请向对方重新索取由本应用导出的文件。".into()
                } else {
                    "The file's structure is abnormal (nested too deep); it is not a bundle from this app. Nothing was imported; ask for a file exported by the app.".into()
                }
            }
            Self::Malformed { line, column, .. } => {
                if zh {
                    format!(
                        "文件格式损坏（第{line}行第{column}列附近），可能被手工修改或传输出错，未导入。请向对方重新索取原始文件，不要用其他软件打开后保存。"
                    )
                } else {
                    format!("The file is damaged near line {line}, column {column} (edited or corrupted in transit); nothing was imported. Ask for the original file and do not re-save it in other programs.")
                }
            }
            Self::NotDuzhanFile => {
                if zh {
                    "这不是本应用的数据包文件，未导入。请选择文件名为“duzhan-…json”的数据包。".into()
                } else {
                    "This is not a duzhan bundle; nothing was imported. Choose a file named duzhan-….json.".into()
                }
            }
            Self::UnknownFormat { .. } => {
                if zh {
                    "无法识别的文件类型，未导入。请选择本应用导出的数据包或回执文件。".into()
                } else {
                    "Unknown file type; nothing was imported. Choose a bundle or receipt exported by this app.".into()
                }
            }
            Self::ReceiptNotBundle => {
                if zh {
                    "这是一份回执文件，不是数据包，未导入。请在“导入回执”处导入回执。".into()
                } else {
                    "This is a receipt, not a bundle; nothing was imported. Import it under “Import receipt”.".into()
                }
            }
            Self::BundleNotReceipt => {
                if zh {
                    "这是一份数据包，不是回执，未导入。请在“导入数据包”处导入数据包。".into()
                } else {
                    "This is a bundle, not a receipt; nothing was imported. Import it under “Import bundle”.".into()
                }
            }
            Self::UnsupportedVersion { found, supported, .. } => {
                if zh {
                    format!("该文件的格式版本（{found}）与本应用（版本{supported}）不符，可能由更新版本的应用导出，未导入。请刷新页面更新本应用后再导入。")
                } else {
                    format!("The file's format version ({found}) differs from this app's ({supported}); it may come from a newer app. Nothing was imported; reload to update the app, then import again.")
                }
            }
            Self::PassphraseRequired => {
                if zh {
                    "该数据包已加密，请输入导出时设置的密码后再导入。".into()
                } else {
                    "This bundle is encrypted; enter the passphrase set when it was exported.".into()
                }
            }
            Self::SealedKeyNeeded => {
                if zh {
                    "这是密封给指定设备的数据包，需用本机密钥打开，未随其他文件导入。请单独选择该文件导入。".into()
                } else {
                    "This bundle is sealed to chosen devices and needs this device's key; it was not imported with the others. Choose it on its own.".into()
                }
            }
            Self::NotARecipient { recipients } => {
                if zh {
                    format!("这个数据包是密封给设备{}的，本机不是收件方，无法打开，未导入。请让对方密封给本机后重新导出。", short(recipients))
                } else {
                    format!("This bundle is sealed to device(s) {}, not to this one, and cannot be opened; nothing was imported. Ask the sender to seal it to this device.", short(recipients))
                }
            }
            Self::WrongPassphrase => {
                if zh {
                    "密码不正确，无法打开该数据包，未导入。请向导出人核对密码（区分大小写，注意空格）后重试。".into()
                } else {
                    "Wrong passphrase; nothing was imported. Check the passphrase with the sender (case and spaces matter) and retry.".into()
                }
            }
            Self::Tampered => {
                if zh {
                    "加密数据包已被修改或损坏（密码正确但内容校验失败），未导入。请向对方重新索取原始文件。".into()
                } else {
                    "The encrypted bundle was altered or damaged (the passphrase is right but the content fails its check); nothing was imported. Ask for the original file.".into()
                }
            }
            Self::WeakKdf { min, .. } => {
                if zh {
                    format!("该加密数据包的密钥强度不符合要求（需至少{min}次迭代），未导入。请让对方使用本应用的最新版本重新加密导出。")
                } else {
                    format!("The encrypted bundle's key derivation is weaker than required (at least {min} iterations); nothing was imported. Ask the sender to re-export with the current app.")
                }
            }
            Self::UnsupportedCipher { .. } => {
                if zh {
                    "该加密数据包使用了本应用不支持的加密方式，未导入。请刷新页面更新本应用，或让对方用本应用重新导出。".into()
                } else {
                    "The bundle uses an encryption this app does not support; nothing was imported. Reload to update, or ask the sender to re-export.".into()
                }
            }
            Self::Schema { .. } => {
                if zh {
                    "文件结构不符合数据包格式（缺少或多出内容），可能被手工修改，未导入。请向对方重新索取由本应用导出的原始文件。".into()
                } else {
                    "The file's structure does not match the bundle format (missing or extra parts, maybe edited by hand); nothing was imported. Ask for the original file.".into()
                }
            }
            Self::TooManyRecords { max } => {
                if zh {
                    format!("数据包记录过多（超过{max}条），未导入。请让对方按县市或督战对象分批导出后再逐个导入。")
                } else {
                    format!(
                        "The bundle has too many records (over {max}); nothing was imported. Ask the sender to export in smaller parts (by county or target)."
                    )
                }
            }
            Self::ChecksumMismatch { .. } => {
                if zh {
                    "文件校验失败：内容在传输中损坏或被修改过，未导入。请向对方重新索取原始文件（不要手工编辑数据包）。".into()
                } else {
                    "Checksum mismatch: the file was damaged in transit or edited; nothing was imported. Ask for the original file (do not edit bundles by hand).".into()
                }
            }
            Self::BadSignature { .. } => {
                if zh {
                    "文件的签名无法识别（已损坏或被改动），无法证明来源，未导入。请向对方重新索取由本应用导出的原始文件。".into()
                } else {
                    "The file's signature cannot be read (damaged or altered), so its origin cannot be proven; nothing was imported. Ask for the original file."
                        .into()
                }
            }
            Self::AlteredAfterSigning => {
                if zh {
                    "签名与内容不符：文件在对方签名之后被改动过（可能是伪造），未导入。请向对方重新索取原始文件，并当面或电话核对。".into()
                } else {
                    "The signature does not match the content: the file was changed after it was signed (possibly forged); nothing was imported. Ask the sender for the original file and check with them directly.".into()
                }
            }
            Self::CountsMismatch { kind, declared, actual } => {
                if zh {
                    format!("文件声明的“{kind}”记录数（{declared}）与实际（{actual}）不符，文件可能不完整或被修改，未导入。请向对方重新索取原始文件。")
                } else {
                    format!("The file declares {declared} “{kind}” records but holds {actual}; it may be incomplete or edited. Nothing was imported; ask for the original file.")
                }
            }
            Self::StringTooLong { id, max } => {
                if zh {
                    format!("记录“{}”中有超长文字（超过{}字节），未导入。请让对方检查该记录、缩短内容后重新导出。", short(id), max)
                } else {
                    format!(
                        "Record “{}” holds a text longer than {} bytes; nothing was imported. Ask the sender to shorten it and export again.",
                        short(id),
                        max
                    )
                }
            }
            Self::InvalidId { what, id } => {
                if zh {
                    format!(
                        "文件中的{}“{}”格式不正确（只能用字母、数字和 - _ . : ~），文件可能被修改，未导入。请向对方重新索取原始文件。",
                        what_zh(what),
                        short(id)
                    )
                } else {
                    format!("The file's {what} “{}” is malformed (letters, digits and - _ . : ~ only); it may have been edited. Nothing was imported; ask for the original file.", short(id))
                }
            }
            Self::DuplicateId { id } => {
                if zh {
                    format!("记录“{}”在文件中出现了两次，文件可能被修改，未导入。请向对方重新索取原始文件。", short(id))
                } else {
                    format!("Record “{}” appears twice; the file may have been edited. Nothing was imported; ask for the original file.", short(id))
                }
            }
            Self::InvalidStamp { id, .. } => {
                if zh {
                    format!(
                        "记录“{}”的修改时间信息异常（不可能由设备产生），未导入。请向对方重新索取原始文件；如对方设备时间错误，请先校正其系统时间。",
                        short(id)
                    )
                } else {
                    format!("Record “{}” carries impossible change stamps; nothing was imported. Ask for the original file; if the sender's clock is wrong, fix it first.", short(id))
                }
            }
            Self::InvalidRecord { id, kind, .. } => {
                if zh {
                    format!(
                        "{}记录“{}”的内容不完整或格式错误（如日期不存在、缺少必填项），未导入。请让对方检查该记录后重新导出。",
                        kind_name(lang, kind),
                        short(id)
                    )
                } else {
                    format!("The {kind} record “{}” is incomplete or malformed (e.g. a date that does not exist); nothing was imported. Ask the sender to check it and export again.", short(id))
                }
            }
            Self::InvalidValue { id, kind, error } => {
                if zh {
                    format!("{}记录“{}”的数值不合理：{}未导入，请让对方修正后重新导出。", kind_name(lang, kind), short(id), error.message(lang))
                } else {
                    format!(
                        "The {kind} record “{}” has an invalid value: {} Nothing was imported; ask the sender to correct it and export again.",
                        short(id),
                        error.message(lang)
                    )
                }
            }
            Self::WrongCampaign { .. } => {
                if zh {
                    "该数据包属于另一个督战工作方案，与本机的工作方案不一致，未导入。请确认文件来源，只导入本方案小分队导出的数据包。".into()
                } else {
                    "This bundle belongs to another campaign than this device's; nothing was imported. Check where it came from and import only this campaign's bundles.".into()
                }
            }
            Self::NoCampaignRecord { .. } => {
                if zh {
                    "该数据包不是完整数据包，不含工作方案本身，无法据此在本机新建工作方案，未导入。请向对方索取该方案的“全部数据”数据包。".into()
                } else {
                    "This bundle is not a full export and does not hold its campaign, so it cannot start a campaign on this device; nothing was imported. Ask for a full export of that campaign.".into()
                }
            }
            Self::KindMismatch { id, .. } => {
                if zh {
                    format!("记录“{}”在本机与文件中的类型不同，文件可能被修改，未导入。请向对方重新索取原始文件。", short(id))
                } else {
                    format!(
                        "Record “{}” has a different type here and in the file; it may have been edited. Nothing was imported; ask for the original file.",
                        short(id)
                    )
                }
            }
            Self::ClockAhead { id, device, ahead_ms } => {
                let days = (*ahead_ms as f64 / 86_400_000.0).ceil() as u64;
                if zh {
                    format!("记录“{}”的修改时间比本机时间晚约{days}天（由设备{}写入）：该设备或本机的日期时间不准，未导入。请先核对两台设备的日期和时间并校准，再请对方重新导出。", short(id), short(device))
                } else {
                    format!("Record “{}” was changed about {days} days after this device's time (written by device {}): one of the two clocks is wrong; nothing was imported. Check and correct the date and time on both devices, then ask for a new export.", short(id), short(device))
                }
            }
            Self::KeyChanged { device } => {
                if zh {
                    format!("文件自称来自设备{}，但签名密钥与本机记录的该设备密钥不同：可能有人冒充，未导入。请电话或当面与对方核对指纹；如对方确已更换设备，请由州扶贫办更新设备名册。", short(device))
                } else {
                    format!("The file claims to come from device {}, but is signed with another key than the one recorded here: possibly an impersonation; nothing was imported. Compare fingerprints with the sender by phone or in person.", short(device))
                }
            }
            Self::SignerNotSource { signer, claimed } => {
                if zh {
                    format!(
                        "文件由设备{}的密钥签名，却自称来自设备{}：来源不符，未导入。请向真正的来源设备索取它自己导出的文件。",
                        short(signer),
                        short(claimed)
                    )
                } else {
                    format!("The file is signed with device {}'s key but claims to come from device {}; nothing was imported. Ask the real source device for its own export.", short(signer), short(claimed))
                }
            }
            Self::KeyRevoked { device, revoked_ms } => {
                let day = crate::core::calendar::date_of_ms(*revoked_ms);
                if zh {
                    format!("设备{}已于{day}挂失（吊销），此后由它签名的文件一律拒收，未导入。请与州扶贫办核实该设备的情况。", short(device))
                } else {
                    format!(
                        "Device {} was revoked on {day}; files it made after then are refused, and nothing was imported. Check with the prefecture office.",
                        short(device)
                    )
                }
            }
            Self::PhotoDamaged { record, .. } => {
                if zh {
                    format!(
                        "记录{}的照片已损坏或被改动（与数据包签名的照片清单不符），整个文件未导入。请向发送方索取原文件，不要用其他程序打开或另存。",
                        short(record)
                    )
                } else {
                    format!("The photo of record {} is damaged or altered (it does not match the file's signed photo list); nothing was imported. Ask the sender for the original file.", short(record))
                }
            }
            Self::PhotoNotJpeg { record } => {
                if zh {
                    format!("记录{}的照片不是JPEG图片，整个文件未导入。请让发送方用本应用重新导出。", short(record))
                } else {
                    format!("The photo of record {} is not a JPEG image; nothing was imported. Ask the sender to export again with this app.", short(record))
                }
            }
            Self::PhotoTooLarge { record, len } => {
                if zh {
                    format!("记录{}的照片大小（{}字节）不在0–1MB之内，整个文件未导入。请让发送方用本应用重新附加该照片后再导出。", short(record), len)
                } else {
                    format!("The photo of record {} is {len} bytes, outside 0–1 MB; nothing was imported. Ask the sender to attach it again with this app and export.", short(record))
                }
            }
            Self::PhotoUnreferenced { sha256 } => {
                if zh {
                    format!("文件带有一张没有任何记录引用的照片（{}），不是本应用导出的，整个文件未导入。请向发送方索取原文件。", short(sha256))
                } else {
                    format!("The file carries a photo ({}) no record of it refers to, which this app never exports; nothing was imported. Ask the sender for the original file.", short(sha256))
                }
            }
            Self::TooManyPhotos { count, max } => {
                if zh {
                    format!("文件带有{count}张照片，超过一个文件的上限（{max}张或3GB），未导入。请让发送方按县市分批导出。")
                } else {
                    format!(
                        "The file carries {count} photos, above the limit ({max} or 3 GB); nothing was imported. Ask the sender to export by county in parts."
                    )
                }
            }
            Self::RestrictedRecords { count, first } => {
                if zh {
                    format!("文件含暗访督战记录{count}条（如{}），只能由督查室设备导入，本机未导入任何内容。请让发送方重新导出（暗访记录会自动略去），或由督查室处理。", short(first))
                } else {
                    format!("The file holds {count} records of unannounced visits (e.g. {}), which only the inspection office's devices take; nothing was imported. Ask the sender to export again (they are left out).", short(first))
                }
            }
            Self::RosterFromAnotherIssuer { issuer, follows } => {
                if zh {
                    format!("这份设备名册由设备{}签发，而本机遵循设备{}签发的名册，未导入。请只导入州扶贫办签发的设备名册。", short(issuer), short(follows))
                } else {
                    format!("This roster was issued by device {}, but this device follows the rosters of device {}; nothing was imported. Import only the prefecture office's roster.", short(issuer), short(follows))
                }
            }
            Self::RosterKeyConflict { device } => {
                if zh {
                    format!("设备名册中设备{}的密钥与本机记录的不同（可能有人冒充），未导入。请电话或当面与州扶贫办核对该设备的指纹。", short(device))
                } else {
                    format!("The roster gives device {} another key than the one recorded here (possibly an impersonation); nothing was imported. Check its fingerprint with the prefecture office.", short(device))
                }
            }
            Self::RosterOutdated => {
                if zh {
                    "这份设备名册比本机已导入的旧，未导入。请向州扶贫办索取最新的设备名册。".into()
                } else {
                    "This roster is older than the one already imported; nothing was imported. Ask the prefecture office for the latest roster.".into()
                }
            }
            Self::RosterNotBundle => {
                if zh {
                    "这是设备名册，不是数据包，未导入。请单独选择该文件导入。".into()
                } else {
                    "This is a device roster, not a bundle; nothing was imported. Choose it on its own to import it.".into()
                }
            }
            Self::UnsignedFromSigningDevice { device } => {
                if zh {
                    format!("文件自称来自设备{}，但没有签名，而该设备的文件本机已见过签名：无法证明来源，未导入。请让对方用新版本重新导出（旧版文件请让对方重新导出“全部数据”）。", short(device))
                } else {
                    format!("The file claims to come from device {} but is unsigned, while that device's files are signed here; nothing was imported. Ask the sender to export again with the current version.", short(device))
                }
            }
            Self::DanglingReference { id, kind, missing, expected_kind, .. } => {
                if zh {
                    format!(
                        "{}记录“{}”引用的{}“{}”在文件和本机中都不存在，未导入。请先导入对方较早的数据包（或请对方导出“全部数据”），再导入本文件。",
                        kind_name(lang, kind),
                        short(id),
                        kind_name(lang, expected_kind),
                        short(missing)
                    )
                } else {
                    format!("The {kind} record “{}” refers to {expected_kind} “{}”, which is neither in the file nor on this device; nothing was imported. Import the sender's earlier bundles first (or ask for a full export), then this one.", short(id), short(missing))
                }
            }
        }
    }
}

fn what_zh(what: &str) -> &str {
    match what {
        "record id" => "记录编号",
        "device id" => "设备编号",
        "bundle id" => "数据包编号",
        "campaign id" => "工作方案编号",
        "kind" => "记录类型",
        "field" => "字段名",
        other => other,
    }
}

/// Why a bundle could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExportError {
    /// The device holds no campaign record, so the bundle could not say whose it is.
    #[error("no campaign on this device")]
    NoCampaign,
    /// A scoped export named a county or target this device does not hold.
    #[error("unknown county or target {id}")]
    UnknownScope { id: String },
    /// A scoped export with nothing chosen.
    #[error("nothing chosen for a scoped export")]
    EmptyScope,
    /// More records than one bundle may hold.
    #[error("{count} records, more than the {max} a bundle may hold")]
    TooManyRecords { count: usize, max: usize },
    /// Encryption was asked for with an empty passphrase.
    #[error("empty passphrase")]
    EmptyPassphrase,
    /// Encryption asked for with fewer iterations than any importer accepts.
    #[error("{iterations} iterations is below the minimum {min}")]
    WeakKdf { iterations: u32, min: u32 },
    /// Sealing asked for with no recipient (or too many).
    #[error("no recipient chosen")]
    NoRecipient,
    /// A recipient whose key this device does not hold, or cannot seal to.
    #[error("no usable key for recipient {device}")]
    RecipientKey { device: String },
    /// A photo's bytes changed (or vanished) between the manifest and the file.
    #[error("photo {sha256} changed while it was exported")]
    PhotoChanged { sha256: String },
    /// The bundle could not be serialised (a bug; nothing was written).
    #[error("encoding failed: {0}")]
    Encode(String),
}

impl UserMessage for ExportError {
    fn message(&self, lang: Lang) -> String {
        ExportError::message(self, lang)
    }
}

impl ExportError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoCampaign => "no_campaign",
            Self::UnknownScope { .. } => "unknown_scope",
            Self::EmptyScope => "empty_scope",
            Self::TooManyRecords { .. } => "too_many_records",
            Self::EmptyPassphrase => "empty_passphrase",
            Self::WeakKdf { .. } => "weak_kdf",
            Self::NoRecipient => "no_recipient",
            Self::RecipientKey { .. } => "recipient_key",
            Self::PhotoChanged { .. } => "photo_changed",
            Self::Encode(_) => "encode",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        match self {
            Self::NoCampaign => {
                if zh {
                    "本机没有督战工作方案数据，无法导出。请先在“设置”中恢复默认数据，或导入州扶贫办下发的完整数据包。".into()
                } else {
                    "This device holds no campaign, so nothing can be exported. Restore the default data in Settings or import the office's full bundle first."
                        .into()
                }
            }
            Self::UnknownScope { id } => {
                if zh {
                    format!("所选县市或督战对象“{}”不存在或已删除，请重新选择导出范围。", short(id))
                } else {
                    format!("The chosen county or target “{}” does not exist; choose the export scope again.", short(id))
                }
            }
            Self::EmptyScope => {
                if zh {
                    "未选择导出范围，请至少选择一个县市或督战对象。".into()
                } else {
                    "Nothing is chosen; choose at least one county or target.".into()
                }
            }
            Self::TooManyRecords { max, .. } => {
                if zh {
                    format!("要导出的记录超过{max}条，一个数据包放不下。请改为按县市或督战对象分批导出。")
                } else {
                    format!("More than {max} records to export; export by county or target in parts.")
                }
            }
            Self::NoRecipient => {
                if zh {
                    format!("请至少选择一个收件设备（最多{}个），或改用密码加密。", super::seal::MAX_RECIPIENTS)
                } else {
                    format!("Choose at least one recipient device (at most {}), or use a passphrase instead.", super::seal::MAX_RECIPIENTS)
                }
            }
            Self::RecipientKey { device } => {
                if zh {
                    format!("本机没有设备{}的已核实密钥，无法密封给它。请先导入它签名的文件或州扶贫办的设备名册。", short(device))
                } else {
                    format!(
                        "This device holds no verified key of device {}, so it cannot seal to it. Import a file it signed or the office's roster first.",
                        short(device)
                    )
                }
            }
            Self::EmptyPassphrase => {
                if zh {
                    "请设置加密密码（不能为空），或选择不加密导出。".into()
                } else {
                    "Set a passphrase (it cannot be empty), or export without encryption.".into()
                }
            }
            Self::WeakKdf { min, .. } => {
                if zh {
                    format!("加密强度不足（至少{min}次迭代），请使用默认设置重新导出。")
                } else {
                    format!("Key derivation too weak (at least {min} iterations); export again with the default settings.")
                }
            }
            Self::PhotoChanged { sha256 } => {
                if zh {
                    format!("照片{}在导出时无法读取或已变化，文件未生成。请重试导出；如仍失败，请选择“仅记录”导出。", short(sha256))
                } else {
                    format!("Photo {} could not be read or changed during the export; no file was made. Retry, or export records only.", short(sha256))
                }
            }
            Self::Encode(_) => {
                if zh {
                    "导出失败（内部错误），未生成文件。请重试；如仍失败，请联系技术人员。".into()
                } else {
                    "Export failed (internal error); no file was made. Retry, and report it if it persists.".into()
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_import_error_has_a_chinese_message_that_says_what_to_do() {
        let all = [
            ImportError::TooLarge { size: 300 << 20, max: 200 << 20 },
            ImportError::Empty,
            ImportError::Truncated,
            ImportError::NotUtf8 { offset: 3 },
            ImportError::TooDeep { max: 64 },
            ImportError::Malformed { line: 1, column: 2, reason: "x".into() },
            ImportError::NotDuzhanFile,
            ImportError::Unreadable { reason: "NotFoundError".into() },
            ImportError::UnknownFormat { format: "x".into() },
            ImportError::ReceiptNotBundle,
            ImportError::BundleNotReceipt,
            ImportError::UnsupportedVersion { format: "duzhan-bundle".into(), found: "2".into(), supported: 1 },
            ImportError::PassphraseRequired,
            ImportError::SealedKeyNeeded,
            ImportError::NotARecipient { recipients: "d-a、d-b".into() },
            ImportError::WrongPassphrase,
            ImportError::Tampered,
            ImportError::WeakKdf { iterations: 1000, min: 600_000 },
            ImportError::UnsupportedCipher { alg: "rot13".into() },
            ImportError::Schema { reason: "x".into() },
            ImportError::TooManyRecords { max: 10 },
            ImportError::ChecksumMismatch { expected: "a".into(), actual: "b".into() },
            ImportError::BadSignature { reason: "x".into() },
            ImportError::AlteredAfterSigning,
            ImportError::CountsMismatch { kind: "target".into(), declared: 1, actual: 2 },
            ImportError::StringTooLong { id: "x".repeat(1000), max: 10 },
            ImportError::InvalidId { what: "record id", id: "<".into() },
            ImportError::DuplicateId { id: "x".into() },
            ImportError::InvalidStamp { id: "x".into(), field: "name".into(), reason: "r" },
            ImportError::InvalidRecord { id: "x".into(), kind: "phase".into(), reason: "r".into() },
            ImportError::InvalidValue { id: "x".into(), kind: "figure".into(), error: ValidationError::NegativeFigure(-1.0) },
            ImportError::ClockAhead { id: "x".into(), device: "d-a".into(), ahead_ms: 40 * 365 * 86_400_000 },
            ImportError::KeyChanged { device: "d-a".repeat(30) },
            ImportError::SignerNotSource { signer: "d-a".repeat(30), claimed: "d-b".repeat(30) },
            ImportError::UnsignedFromSigningDevice { device: "d-a".repeat(30) },
            ImportError::KeyRevoked { device: "d-a".repeat(30), revoked_ms: 1_600_000_000_000 },
            ImportError::RosterFromAnotherIssuer { issuer: "d-a".repeat(30), follows: "d-b".repeat(30) },
            ImportError::RosterKeyConflict { device: "d-a".repeat(30) },
            ImportError::RestrictedRecords { count: 3, first: "visit-".repeat(30) },
            ImportError::PhotoDamaged { record: "problem-".repeat(30), reason: "x" },
            ImportError::PhotoNotJpeg { record: "problem-".repeat(30) },
            ImportError::PhotoTooLarge { record: "problem-".repeat(30), len: 2 << 20 },
            ImportError::PhotoUnreferenced { sha256: "ab".repeat(32) },
            ImportError::TooManyPhotos { count: 60_000, max: 50_000 },
            ImportError::RosterOutdated,
            ImportError::RosterNotBundle,
            ImportError::WrongCampaign { bundle: "a".into(), local: "b".into() },
            ImportError::NoCampaignRecord { campaign: "a".into() },
            ImportError::KindMismatch { id: "x".into(), local: "a".into(), incoming: "b".into() },
            ImportError::DanglingReference { id: "x".into(), kind: "target".into(), field: "county_id", missing: "y".into(), expected_kind: "county" },
        ];
        let mut codes = std::collections::BTreeSet::new();
        for e in all {
            let m = e.message(Lang::Zh);
            assert!(m.contains('请'), "{m}");
            assert!(m.chars().count() < 200, "{m}");
            assert!(!e.message(Lang::En).is_empty());
            assert!(codes.insert(e.code()), "duplicate code {}", e.code());
        }
    }

    #[test]
    fn every_export_error_has_a_chinese_message_that_says_what_to_do() {
        for e in [
            ExportError::NoCampaign,
            ExportError::UnknownScope { id: "x".into() },
            ExportError::EmptyScope,
            ExportError::TooManyRecords { count: 2, max: 1 },
            ExportError::EmptyPassphrase,
            ExportError::WeakKdf { iterations: 1, min: 2 },
            ExportError::NoRecipient,
            ExportError::RecipientKey { device: "d-a".into() },
            ExportError::PhotoChanged { sha256: "ab".repeat(32) },
            ExportError::Encode("x".into()),
        ] {
            assert!(e.message(Lang::Zh).contains('请'), "{}", e.message(Lang::Zh));
            assert!(!e.message(Lang::En).is_empty());
        }
    }
}
