//! UI language (界面语言): Chinese first, English available.
//!
//! A typed key per UI string and one exhaustive `match`, rather than an i18n
//! crate: the compiler then proves every key has both languages, nothing is
//! loaded at run time, and the first-load wasm stays small. (leptos_i18n fits
//! Leptos 0.8 but brings a build-time macro pipeline that costs minutes on the
//! project's 2-core machines for ~100 strings.)

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
    pub fn from_code(s: &str) -> Lang {
        if s == "en" {
            Lang::En
        } else {
            Lang::Zh
        }
    }
    /// The language's name in itself, for the language switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Zh => "中文",
            Lang::En => "English",
        }
    }

    // Compound messages are built per language: Chinese takes full-width marks
    // with no spaces around them, English ASCII marks followed by a space.

    /// Between a label and its value: "单位：州扶贫办", "Unit: …".
    pub fn colon(self) -> &'static str {
        match self {
            Lang::Zh => "：",
            Lang::En => ": ",
        }
    }

    /// Between clauses of one sentence.
    pub fn comma(self) -> &'static str {
        match self {
            Lang::Zh => "，",
            Lang::En => ", ",
        }
    }

    /// Between the items of a list of names or numbers.
    pub fn list_sep(self) -> &'static str {
        match self {
            Lang::Zh => "、",
            Lang::En => ", ",
        }
    }

    /// Between two facts of one line.
    pub fn semicolon(self) -> &'static str {
        match self {
            Lang::Zh => "；",
            Lang::En => "; ",
        }
    }

    /// `inner` in brackets after what it qualifies: "（2021）", " (2021)".
    pub fn paren(self, inner: impl std::fmt::Display) -> String {
        match self {
            Lang::Zh => format!("（{inner}）"),
            Lang::En => format!(" ({inner})"),
        }
    }

    /// "label：value" / "label: value".
    pub fn labelled(self, label: &str, value: impl std::fmt::Display) -> String {
        format!("{label}{}{value}", self.colon())
    }

    /// A month on a chart's axis: "6月", "Jun".
    pub fn month_tick(self, month: u32) -> String {
        const EN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        match self {
            Lang::Zh => format!("{month}月"),
            Lang::En => EN.get(month.wrapping_sub(1) as usize).map_or_else(|| month.to_string(), |m| (*m).to_owned()),
        }
    }

    /// A monthly reporting schedule: "每月报告 · 2020-06 至 2020-12 · 每月20日前".
    pub fn monthly_schedule(self, label: &str, first: impl std::fmt::Display, last: impl std::fmt::Display, due_day: u32) -> String {
        match self {
            Lang::Zh => format!("{label} · {first} 至 {last} · 每月{due_day}日前"),
            Lang::En => format!("{label} · {first} to {last} · by day {due_day}"),
        }
    }

    /// The `lang` attribute of the page.
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

macro_rules! keys {
    ($($key:ident => $zh:literal, $en:literal;)*) => {
        /// Every translatable UI string.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum K { $($key),* }
        impl K {
            pub const ALL: &'static [K] = &[$(K::$key),*];
        }
        /// The text of a key in a language.
        pub fn t(lang: Lang, key: K) -> &'static str {
            match (lang, key) {
                $((Lang::Zh, K::$key) => $zh, (Lang::En, K::$key) => $en,)*
            }
        }
    };
}

keys! {
    PlanDefault => "方案默认", "plan default";
    RollupUnit => "州扶贫开发领导小组办公室", "Prefecture Poverty Alleviation Office";
    AppTitle => "挂牌督战台账", "Supervision Ledger";
    NavTable => "督战表", "Supervision table";
    NavTargets => "督战对象", "Targets";
    NavMilestones => "阶段与节点", "Phases & milestones";
    NavSettings => "设置", "Settings";
    TableTitle => "州级定点挂牌督战表", "Prefecture supervision table";
    ColSeq => "序号", "No.";
    ColCounty => "督战县", "County";
    ColRemaining => "剩余贫困人口超过1000人", "Counties with over 1,000 remaining poor";
    ColVillage => "贫困发生率超过10%的行政村", "Villages with incidence over 10%";
    ColRelocation => "千人以上易地扶贫搬迁集中安置点", "Relocation sites over 1,000 people";
    ColHydro => "千人以上乌东德水电移民安置点", "Wudongde resettlement sites over 1,000 people";
    ColLeaders => "州级领导", "Prefecture leaders";
    ColSquadLeads => "督战小分队部门牵头人", "Squad lead persons";
    Print => "打印", "Print";
    ExportXlsx => "导出Excel", "Export Excel";
    ExportCsv => "导出CSV", "Export CSV";
    ExportLoading => "正在加载Excel导出组件…", "Loading the Excel module…";
    ExportWriting => "正在生成文件…", "Writing the file…";
    ExportDone => "已导出", "Exported";
    ExportFailed => "导出失败", "Export failed";
    Saving => "正在保存…", "Saving…";
    Saved => "已保存", "Saved";
    SaveFailed => "保存失败", "Save failed";
    Loading => "正在读取本机数据…", "Loading local data…";
    Save => "保存", "Save";
    Cancel => "取消", "Cancel";
    Edit => "编辑", "Edit";
    Delete => "删除", "Delete";
    ConfirmDelete => "确认删除", "Confirm delete";
    DeleteQuestion => "确定删除该督战对象吗？删除会同步到其他设备。", "Delete this target? The deletion travels to other devices.";
    AddTarget => "新增督战对象", "Add target";
    AllCounties => "全部县市", "All counties";
    AllKinds => "全部类型", "All kinds";
    AllLevels => "全部层级", "All levels";
    FieldCounty => "县市", "County";
    FieldKind => "类型", "Kind";
    FieldLevel => "层级", "Level";
    FieldTownship => "乡镇", "Township";
    FieldName => "名称", "Name";
    FieldTableRow => "督战表行号", "Table row";
    FieldFigure => "数值", "Figure";
    FieldMeasuredOn => "统计日期", "Measured on";
    FieldSource => "来源", "Source";
    FieldStatus => "状态", "Status";
    Figures => "数据变化", "Figures over time";
    AddFigure => "录入新数据", "Add figure";
    Leaders => "州级领导", "Leaders";
    SquadLeads => "小分队牵头人", "Squad leads";
    Departments => "牵头单位", "Lead departments";
    KindCounty => "县", "County";
    KindVillage => "行政村", "Village";
    KindRelocation => "易地扶贫搬迁集中安置点", "Relocation site";
    KindHydro => "乌东德水电移民安置点", "Hydropower resettlement site";
    LevelPrefecture => "州级", "Prefecture";
    LevelCounty => "县级", "County";
    MetricRemaining => "剩余贫困人口", "Remaining poor people";
    MetricIncidence => "贫困发生率", "Poverty incidence";
    MetricResettled => "安置人口", "People resettled";
    StatusPending => "未开始", "Not started";
    StatusInProgress => "推进中", "In progress";
    StatusDone => "已完成", "Done";
    Done => "已完成", "Done";
    DueToday => "今天截止", "Due today";
    DaysLeft => "剩余天数", "Days left";
    OverdueDays => "已逾期天数", "Days overdue";
    ScopeAll => "全州", "Whole prefecture";
    SubItems => "具体任务", "Sub-goals";
    NotFound => "未找到该页面或记录，可能已被删除。", "Page or record not found; it may have been deleted.";
    BackToTargets => "返回督战对象列表", "Back to targets";
    WelcomeAsk => "首次使用：请填写本设备的督战小分队或使用人名称，导出的数据将带上此名称。", "First use: enter this device's squad or user name; exported data carries it.";
    SquadName => "小分队/使用人名称", "Squad / user name";
    DeviceId => "设备标识", "Device id";
    Language => "语言", "Language";
    StorageKind => "存储方式", "Storage";
    ResetDefault => "恢复默认数据", "Reset to default";
    ResetQuestion => "将把所有数据恢复为2020年方案默认数据，其他记录将被标记删除。确定吗？", "All data returns to the 2020 plan default; other records are marked deleted. Continue?";
    ResetDone => "已恢复默认数据", "Default data restored";
    ConflictNote => "其他设备同时修改过此项", "Another device changed this at the same time";
    LastChanged => "最后修改", "Last changed";
    Records => "记录数", "Records";
    SchemaVersion => "数据版本", "Schema version";
    Person => "人员", "Person";
    AddPerson => "添加人员", "Add person";
    NavSync => "数据交换", "Data exchange";
    GuardianRemind => "本机有尚未导出的修改，浏览器清理数据时可能丢失。请尽快导出数据包备份。", "This device has changes not yet exported; they could be lost if the browser clears its data. Export a bundle soon.";
    GuardianChanges => "上次导出后修改的记录", "Records changed since the last export";
    GuardianNever => "从未导出", "Never exported";
    GuardianDays => "距上次导出天数", "Days since the last export";
    GoExport => "去导出", "Export now";
    StorageTitle => "存储状态", "Storage";
    Persisted => "持久存储", "Persistent storage";
    PersistYes => "已开启：浏览器不会自动清除本应用的数据", "On: the browser will not evict this app's data";
    PersistNo => "未开启：空间不足时浏览器可能清除本应用的数据。请把本应用安装到桌面或主屏幕，并经常导出数据包备份；不要在无痕/隐私窗口中使用。", "Off: the browser may evict this app's data when space is low. Install the app, export bundles often, and do not use a private window.";
    PersistAsk => "申请持久存储", "Request persistent storage";
    LostEvicted => "浏览器似乎已清除本机保存的数据（空间不足或网站数据被清理），现在只剩初始数据。请先用最近导出的数据包恢复，再录入新数据。", "The browser seems to have cleared this app's data (low space or site data cleared); only the default data is left. Restore from your latest exported bundle before entering new data.";
    LostMissing => "本机存储中有记录缺失（读到的记录少于上次保存时）。请用最近导出的数据包恢复。", "Records are missing from local storage (fewer than at the last save). Restore from your latest exported bundle.";
    LostBefore => "此前记录数", "Records before";
    LostNow => "现有记录数", "Records now";
    LostLastSave => "最后保存时间", "Last saved";
    RestoreFromBundle => "从数据包恢复", "Restore from a bundle";
    LostDismiss => "忽略此提示", "Dismiss";
    PrivateWarning => "此窗口未获准持久保存数据，且可用空间很小（可能是无痕/隐私窗口，或浏览器限制了存储）：关闭窗口或清理时数据可能全部丢失。请在普通窗口中打开本应用并安装到桌面或主屏幕，并经常导出数据包备份。", "This window may not keep data (no persistent storage and little space: possibly a private window or restricted storage); data may be lost when it closes. Open the app in a normal window, install it, and export bundles often.";
    StorageUsage => "已用 / 可用空间", "Used / available";
    StateHash => "数据指纹（两台设备相同即数据一致）", "Data fingerprint (equal on two devices = same data)";
    ExportTitle => "导出数据包", "Export a bundle";
    ImportTitle => "导入数据包", "Import a bundle";
    ExportScopeLabel => "导出范围", "What to export";
    ScopeFull => "全部数据", "Everything";
    ScopeDelta => "增量：接收方尚未收到的修改", "Changes the recipient has not received";
    ScopeSince => "增量：某日期之后的修改", "Changes since a date";
    ScopeCounty => "按县市导出", "One county";
    Recipient => "接收方", "Recipient";
    NoneChosen => "（无）", "(none)";
    ChooseRecipient => "请选择接收方设备：只有导入过对方数据包的设备才能按增量导出。", "Choose the recipient device (only devices whose bundles you imported can get a delta).";
    ChooseCounty => "请选择要导出的县市。", "Choose the county to export.";
    FieldDate => "日期", "Date";
    Passphrase => "加密密码（可选）", "Passphrase (optional)";
    PassphraseAgain => "再次输入密码", "Repeat the passphrase";
    PassphraseShort => "密码", "Passphrase";
    PassphraseMismatch => "两次输入的密码不一致，请重新输入。", "The passphrases differ; enter them again.";
    DoExport => "导出", "Export";
    Exported => "已导出", "Exported";
    DownloadFailed => "文件下载失败，请重试或检查浏览器的下载设置", "The download failed; retry or check the browser's download settings";
    ChooseFile => "选择数据包或回执文件（可一次选多个，也可把文件拖到这里）", "Choose bundle or receipt files (several at once, or drop them here)";
    BatchChecking => "正在逐个校验文件", "Checking the files one by one";
    BatchTitle => "批量导入预览（尚未写入）", "Batch import preview (nothing written yet)";
    BatchFiles => "文件", "Files";
    BatchBundles => "可导入数据包", "Bundles to import";
    BatchReceipts => "回执", "Receipts";
    BatchLockedCount => "待解密", "Encrypted, waiting";
    BatchRefusedCount => "拒绝", "Refused";
    BatchRecords => "将写入记录", "Records to write";
    BatchFileCol => "文件名", "File";
    BatchOutcomeCol => "结果", "Outcome";
    BatchTotal => "合计", "Total";
    BatchDuplicate => "与本批另一文件相同，只导入一次", "Same as another file of this batch, imported once";
    BatchWillImport => "将导入", "Will be imported";
    BatchReceiptFor => "回执：确认本机数据包", "Receipt; bundles of this device acknowledged";
    BatchLocked => "已加密：请在上方输入其密码", "Encrypted: enter its passphrase above";
    BatchNeedPassphrase => "以下文件已加密，请输入导出时设置的密码（同一密码的文件一次解开；未解开的文件不导入）", "Encrypted files (one passphrase opens every file it fits; files left locked are not imported)";
    BatchNoneOpened => "这个密码没有解开任何文件，请核对后重试。", "That passphrase opened none of the files; check it and try again.";
    BatchConfirm => "全部导入（一次写入）", "Import all (one write)";
    BatchImported => "批量导入完成，数据包", "Batch imported, bundles";
    BatchLeftOut => "未导入的文件", "files left out";
    BatchCheckedAgain => "（未写入任何数据；已重新校验所选文件，可再次确认导入。）", " (Nothing was written; the files were checked again and can be imported again.)";
    BatchReceipt => "下载批量回执（一份回执确认本批全部数据包，发给各发送方导入）", "Download one receipt for the whole batch (for every sender to import)";
    ClockBehind => "本机时间可能不准：本机数据中最新的修改比本机当前时间晚约", "This device's clock may be wrong: the newest change it holds is about";
    ClockBehindDays => "天。请先检查并校准本机的日期和时间再保存：按本机时间记录的日期、逾期和报送月份都会出错。", "days after its current time. Check and correct the date and time before saving: dates, overdue flags and reporting months taken from this clock would be wrong.";
    SyncBoardTitle => "同步情况", "Sync status";
    SyncBoardNote => "本月尚未发来数据包的设备已标出。角色由本机填写。", "Devices that sent nothing this month are marked. Roles are set on this device.";
    ColRole => "角色", "Role";
    ColLastReceived => "最近收到", "Last received";
    ColGaps => "缺号", "Missing";
    ColDaysSince => "未发送天数", "Days silent";
    ColReceipt => "回执", "Receipt";
    RoleUnset => "（未填写）", "(not set)";
    NotReceivedYet => "未收到", "Nothing yet";
    SilentThisMonth => "本月未发送", "Nothing this month";
    ImportPreview => "导入预览（尚未写入）", "Import preview (nothing written yet)";
    ConfirmImport => "确认导入", "Import";
    KindCol => "记录类型", "Record kind";
    ColRecords => "记录数", "Records";
    ColNew => "新增", "New";
    ColChanged => "修改", "Changed";
    ColDeleted => "删除", "Deleted";
    ColConflicting => "并发修改", "Concurrent edits";
    ColUnchanged => "无变化", "Unchanged";
    FromDevice => "来源", "From";
    GapsNote => "注意：该设备以下序号的数据包尚未导入：", "Note: these bundles of that device have not been imported:";
    AlreadyImported => "此数据包已导入过，再次导入不会改变任何数据。", "Already imported; importing again changes nothing.";
    NothingNew => "数据包中的内容本机已全部拥有，导入不会改变任何数据。", "Everything in this bundle is already here.";
    OwnBundle => "这是本设备导出的数据包（恢复备份）。", "This bundle was exported by this device (restoring a backup).";
    SignatureLabel => "签名", "Signature";
    SignerUnsigned => "未签名（第1版旧文件）：无法证明它来自所写的设备。", "Unsigned (a version 1 file): nothing proves it comes from the device it names.";
    SignerOwn => "本机的签名。", "Signed by this device.";
    SignerKnown => "已验证：由本机记录的该设备密钥签名。指纹", "Verified: signed with the key recorded here for that device. Fingerprint";
    SignerFirstSeen => "首次见到此设备，请与对方核对指纹：", "First file from this device: compare its fingerprint with the sender:";
    SignerFirstSeenNote => "导入后本机记住这个密钥，此后冒充该设备的文件都会被拒收。", "Once imported, this device keeps the key; files impersonating that device are then refused.";
    MyFingerprint => "本机指纹", "This device's fingerprint";
    MyFingerprintHint => "对方首次导入本机的文件时，请双方当面或电话核对这串数字。", "When another device first imports a file from this one, compare these digits in person or by phone.";
    ColFingerprint => "指纹", "Fingerprint";
    SignerUnsignedShort => "未签名", "unsigned";
    SealTo => "密封给（可选）", "Seal to (optional)";
    SealToHint => "勾选收件设备后，只有这些设备能打开此数据包，无需密码；列出的是本机已核实密钥的设备。", "Only the chosen devices can open the bundle, with no passphrase; listed are the devices whose key this device holds.";
    ExportWithheld => "暗访督战记录未导出（只能密封给督查室设备）", "Unannounced-visit records left out (they go only sealed to the inspection office)";
    ExportCarried => "含暗访督战记录（只有督查室设备能导入）", "Unannounced-visit records included (only the inspection office takes them)";
    RestrictedBadge => "督查室专阅", "Inspection office only";
    UnannouncedHint => "暗访督战的记录和问题只密封给督查室设备，普通导出会略去。", "Unannounced visits and their problems go only sealed to the inspection office; ordinary exports leave them out.";
    OwnRole => "本机角色（据设备名册）", "This device's role (from the roster)";
    Photos => "照片", "Photos";
    PhotoChoose => "选择照片", "Choose photos";
    PhotoTake => "拍照", "Take a photo";
    PhotoWorking => "正在处理照片…", "Preparing the photos…";
    PhotoPending => "照片待补传", "Photo not yet received";
    PhotoHeldBy => "附照片的小分队", "Attached by";
    PhotoRemove => "删除照片", "Remove the photo";
    PhotoNone => "尚无照片", "No photos yet";
    PrintThumbs => "照片缩略图", "Photo thumbnails";
    AfterShort => "整改后", "After";
    PrintThumbsWorking => "正在准备打印的照片缩略图…", "Preparing the photo thumbnails for print…";
    PhotoStamped => "带水印", "stamped";
    PhotosBefore => "整改前照片（整改后、核验照片见处理记录）", "Photos before rectification (after and verification photos are in the history)";
    PhotoTakenExif => "拍摄", "Taken";
    PhotoTakenAttached => "附加", "Attached";
    OpenRecord => "查看所属记录", "Open its record";
    BeforeAfter => "整改前后对比", "Before and after rectification";
    BeforeSide => "整改前", "Before";
    AfterSide => "整改后及核验（最近一次整改）", "After and verified (the latest rectification)";
    SlotVisit => "走访", "Visit";
    SlotAnswer => "检查项", "Checklist item";
    SlotBefore => "整改前", "Before";
    SlotRectified => "整改后", "After";
    SlotVerified => "核验", "Verification";
    TargetPhotos => "照片（走访与问题整改前后，最新在前）", "Photos (visits and problems before and after, newest first)";
    PhotoRecordGone => "所属记录不在本机", "its record is not on this device";
    PhotoSettingsTitle => "照片设置（本机）", "Photo settings (this device)";
    PhotoLongEdge => "照片长边（像素；越大越清晰，也越占空间）", "Long edge (pixels; larger is sharper and takes more room)";
    PhotoStampCamera => "拍照时加水印（时间、地点、督战对象、小分队）", "Stamp camera shots (time, place, target, squad)";
    PhotoStampCameraHint => "水印烧进图片，此后无法去除；选择的已有照片不加水印。", "The stamp is burnt into the image and cannot be removed; chosen files are never stamped.";
    SettingNotKept => "浏览器不允许本地存储，设置只在本次打开时有效。", "The browser does not allow local storage; the setting lasts until this page is closed.";
    StoragePhotos => "本机照片", "Photos on this device";
    PhotosUnreferenced => "其中无记录引用（已删除）", "of which no record refers to them (removed)";
    PhotosFree => "释放无记录引用的照片", "Free the photos no record refers to";
    PhotosFreed => "已释放照片", "Photos freed";
    ExportRecordsOnly => "仅导出记录（不含照片，文件更小；对方显示“照片待补传”）", "Records only (no photos, a smaller file; the recipient shows “photo not yet received”)";
    ExportPhotosCarried => "含照片", "Photos included";
    CheckingPhotos => "正在逐张校验照片", "Checking the photos one by one";
    PhotosInFile => "文件中照片", "Photos in the file";
    PhotosNew => "本机新增", "new here";
    PhotosHere => "本机已有", "already here";
    PhotosMissing => "待补传（文件和本机都没有）", "not yet received (neither in the file nor here)";
    RosterExport => "导出设备名册", "Export the device roster";
    RosterExportHint => "名册列出本机已核实密钥的所有设备及其角色、挂失情况，由本机签名；各小分队导入后即可核验彼此的文件。", "The roster lists every device whose key this device holds, with roles and revocations, signed by this device; squads that import it can verify each other's files.";
    RosterMade => "设备名册已导出，列出设备", "Roster exported; devices listed";
    RosterLeftOut => "未核实密钥而未列入的设备", "devices left out (no key known)";
    RosterTitle => "设备名册（导入前预览）", "Device roster (preview)";
    RosterIssuer => "签发", "Issued by";
    RosterDevices => "设备", "Devices";
    RosterNewKeys => "本机新核实的密钥", "keys new to this device";
    RosterNewlyRevoked => "新挂失的设备", "newly revoked";
    RosterRevoked => "挂失", "Revoked";
    RosterConfirm => "导入设备名册", "Import the roster";
    RosterTaken => "设备名册已导入，新核实的密钥", "Roster imported; keys learnt";
    RevokeDevice => "挂失", "Revoke";
    RevokeQuestion => "确定挂失此设备？此后由它签名的文件都会被拒收，下一份设备名册会告知其他设备。", "Revoke this device? Files it signs from now on are refused, and the next roster tells the other devices.";
    SignerOwnShort => "本机", "this device";
    SignerKnownShort => "已验证", "verified";
    SignerFirstSeenShort => "首次见到，请核对指纹", "first seen: compare the fingerprint";
    Imported => "导入完成", "Imported";
    DownloadReceipt => "下载回执（交回给发送方）", "Download a receipt for the sender";
    ReceiptApplied => "回执已导入，对方确认收到的数据包序号", "Receipt imported; bundles acknowledged by";
    NotYetReceived => "对方尚未收到的记录", "Records not yet received";
    ExportsDone => "本机导出记录", "This device's exports";
    AckedBy => "已确认接收：", "Acknowledged by:";
    Reading => "正在读取文件…", "Reading the file…";
    Checking => "正在校验并合并预览…", "Checking and merging…";
    Encrypting => "正在加密…", "Encrypting…";
    Writing => "正在写入…", "Writing…";
    NeedPassphrase => "此数据包已加密，请输入导出时设置的密码。", "This bundle is encrypted; enter the passphrase it was exported with.";
    Decrypt => "解密并预览", "Decrypt and preview";
    // ---- field work: visits, problems, the ledger, the checklist ----
    NavLedger => "台账", "Ledger";
    LedgerTitle => "挂牌督战台账", "Problem ledger";
    LedgerSearch => "搜索（问题、责任单位、责任人、督战对象、检查项）", "Search (problem, unit, person, target, item)";
    LedgerTotal => "符合条件的问题", "Matching problems";
    LedgerBuilding => "正在建立台账索引…", "Building the ledger index…";
    RecordsLoading => "正在载入现场记录（督导、问题），请稍候…", "Loading field records (visits, problems)…";
    ViewLoading => "正在载入此页面…", "Loading this page…";
    ReloadPage => "刷新页面", "Reload the page";
    ShareReady => "文件已生成。主屏幕应用不能直接下载：点“分享”，存储到“文件”或发送给对方", "File ready. A Home Screen app cannot download it: tap Share, then save it to Files or send it";
    ShareOpen => "分享…", "Share…";
    ShareClose => "关闭", "Close";
    ShareFailed => "未能打开分享：", "Could not open the share sheet: ";
    InstallHint => "在 iPad/iPhone 上，请先把本应用添加到主屏幕再使用：点 Safari 的“分享”按钮，选“添加到主屏幕”，以后从主屏幕图标打开。Safari 标签页与主屏幕应用的数据互不相通：已在此标签页录入的数据，请先在“数据交换”导出数据包，再在主屏幕应用中导入。", "On an iPad or iPhone, add this app to the Home Screen first: tap Safari's Share button, choose Add to Home Screen, and open it from its icon from then on. Safari keeps a tab's data apart from the Home Screen app's: export a bundle of what you entered in this tab (Data exchange) and import it in the Home Screen app.";
    InstallHintDismiss => "知道了", "Got it";
    ChunkFailed => "此页面的程序文件未能载入：本应用可能已在服务器上更新。请联网后刷新页面（已保存的数据不受影响）。", "This page's code could not be loaded: the app may have been updated on the server. Connect and reload the page (saved data is not affected).";
    RecordsRead => "已载入（条）", "Read (records)";
    LedgerEmpty => "没有符合条件的问题。", "No problem matches.";
    LedgerStatusTabs => "按整改状态筛选", "Filter by status";
    BenchMode => "基准测试模式：100,000 条模拟问题只在内存中，不会保存。", "Benchmark mode: 100,000 generated problems, in memory only, never saved.";
    AllTargets => "全部督战对象", "All targets";
    AllSources => "全部来源", "All sources";
    AllItems => "全部检查项", "All checklist items";
    FieldTarget => "督战对象", "Target";
    FieldItem => "检查项", "Checklist item";
    FieldProblemSource => "问题来源", "Source";
    FieldSort => "排序", "Sort";
    Descending => "倒序", "Descending";
    Flags => "标记", "Flags";
    FlagOverdue => "逾期", "Overdue";
    FlagNoAction => "只督不战", "No owner or deadline";
    FlagRecurrence => "屡改屡犯", "Recurrence";
    FlagConflict => "历史冲突", "History conflict";
    ClearFilters => "清除筛选", "Clear filters";
    NewProblem => "登记问题", "Log a problem";
    FieldDescription => "问题描述", "Description";
    FieldUnit => "责任单位", "Responsible unit";
    FieldPerson => "责任人", "Responsible person";
    FieldDeadline => "整改期限", "Deadline";
    FieldOpenedOn => "发现日期", "Date found";
    FieldVisit => "来自督战记录", "From visit";
    NoItem => "（不针对具体检查项）", "(no checklist item)";
    TransitionComment => "办理意见", "Comment";
    TransitionBy => "办理人", "Handled by";
    Verifier => "核验人", "Verifier";
    VerificationResult => "核验结果", "Verification result";
    VerificationPassed => "核验通过", "Passed";
    VerificationFailed => "核验未通过", "Failed";
    Confirm => "确认", "Confirm";
    History => "整改记录", "History";
    HistoryEmpty => "尚无办理记录。", "No transitions yet.";
    HistorySkipped => "未生效（冲突）", "Not applied (conflict)";
    ClosedBy => "销号核验人", "Closed, verified by";
    RecurrenceOf => "此前已销号的同类问题", "Earlier closed problem";
    BackToLedger => "返回台账", "Back to the ledger";
    NoActionNote => "请明确责任单位、责任人和整改期限。", "Name a unit, a person and a deadline.";
    SaveProblem => "保存问题", "Save problem";
    NewVisit => "新建督战记录", "New visit";
    VisitTitle => "督战记录", "Visit";
    FieldVisitDate => "督战日期", "Visit date";
    FieldMode => "督战方式", "Mode";
    FieldMembers => "督战人员（用“、”分隔）", "Members (separated by commas)";
    FieldHouseholds => "走访户数", "Households visited";
    FieldFindings => "督战发现", "Findings";
    Gps => "位置", "Position";
    GpsLocate => "获取当前位置", "Get position";
    GpsLocating => "正在定位…", "Locating…";
    GpsClear => "清除位置", "Clear position";
    GpsNone => "未定位（可选，不影响保存）", "No position (optional)";
    Checklist => "检查清单", "Checklist";
    AnswerNote => "备注", "Note";
    ClearAnswer => "清除", "Clear";
    Retired => "已停用", "Retired";
    SubmitVisit => "提交督战记录", "Submit visit";
    AutosavePending => "有未保存的修改…", "Unsaved changes…";
    AutosaveSaving => "正在自动保存…", "Autosaving…";
    AutosaveSaved => "已自动保存", "Autosaved";
    AutosaveFailed => "自动保存失败", "Autosave failed";
    VisitSubmittedNote => "已提交。如需更正可直接修改，修改会自动保存。", "Submitted. Corrections save automatically.";
    Drafts => "未提交的草稿", "Unsubmitted drafts";
    DraftHint => "这些督战记录尚未提交，已填写的内容保存在本机。", "These visits are not submitted yet; what was typed is kept on this device.";
    ContinueDraft => "继续填写", "Continue";
    VisitTimeline => "督战记录", "Visits";
    NoVisits => "尚无督战记录。", "No visits yet.";
    Answered => "已检查", "Checked";
    PassRate => "检查达标率", "Checklist pass rate";
    PassRateHint => "按每个检查项最近一次已提交督战的结果计算，不适用项不计入。", "From each item's latest submitted answer; not-applicable answers excluded.";
    OpenProblems => "未销号问题", "Open problems";
    NoOpenProblems => "没有未销号的问题。", "No open problems.";
    ChooseTarget => "请选择督战对象", "Choose a target";
    ChecklistTitle => "督战检查清单", "Visit checklist";
    ChecklistVersion => "清单版本", "Checklist version";
    ChecklistHint => "停用的检查项不再出现在新的督战记录中，已有记录中仍可查看。", "A retired item no longer appears on new visits and stays readable on old ones.";
    AddItem => "新增检查项", "Add item";
    FieldGroup => "分组", "Group";
    FieldGuidance => "检查要点", "What to check";
    Rename => "改名", "Rename";
    Retire => "停用", "Retire";
    Reinstate => "恢复使用", "Reinstate";
    VersionAdded => "加入版本", "Added in version";
    EditChecklist => "编辑督战检查清单", "Edit the visit checklist";
    AddPhase => "新增阶段", "Add a phase";
    EditPhase => "编辑阶段", "Edit phase";
    AddMilestone => "新增时间节点", "Add a milestone";
    EditMilestone => "编辑时间节点", "Edit milestone";
    PhaseStart => "开始日期", "Start date";
    PhaseEnd => "结束日期", "End date";
    PhaseDescription => "阶段说明", "Description";
    MilestoneLabel => "时限（如“2月底前”；可不填）", "Heading (e.g. “by end of February”; optional)";
    MilestoneDue => "截止日期", "Due date";
    MilestoneText => "任务内容", "Task";
    MilestoneSubItems => "分项目标（每行一项）", "Sub-goals (one per line)";
    MilestoneScope => "适用范围", "Applies to";
    CountiesTitle => "县市", "Counties";
    AddCounty => "新增县市", "Add a county";
    EditCounty => "编辑县市", "Edit county";
    DeleteCounty => "删除该县市", "Delete this county";
    DeletePhase => "删除该阶段", "Delete this phase";
    DeleteMilestone => "删除该时间节点", "Delete this milestone";
    NoPhases => "尚无督战阶段。请先新增阶段，再在阶段中新增时间节点。", "No phases yet. Add a phase, then its milestones.";
    RequirementsTitle => "报送要求", "Reporting requirements";
    AddRequirement => "新增报送要求", "Add a requirement";
    EditRequirement => "编辑报送要求", "Edit requirement";
    DeleteRequirement => "删除该报送要求", "Delete this requirement";
    ReqText => "要求原文", "Text of the requirement";
    ReqSchedule => "报送频次", "How often";
    ReqMonthly => "每月报送", "Monthly";
    ReqOnce => "一次性报送", "Once";
    ReqDueDay => "每月截止日（1–31）", "Due day of the month (1–31)";
    ReqFirstMonth => "起始月份（年-月）", "First month (YYYY-MM)";
    ReqLastMonth => "结束月份（年-月）", "Last month (YYYY-MM)";
    ReqParties => "报送单位", "Who reports";
    PartiesCounties => "各县市", "Every county";
    PartiesTargets => "州级督战对象责任单位", "Units of prefecture targets";
    PartiesBoth => "各县市和州级督战对象责任单位", "Counties and units of prefecture targets";
    ReqRecipient => "报送至", "Report to";
    CampaignsTitle => "工作方案", "Campaigns";
    CampaignsHint => "每个工作方案的数据分别保存在本机；切换方案不会删除或合并任何数据，可随时切换回来。", "Each campaign's data is kept separately on this device; switching never deletes or mixes data, and you can switch back at any time.";
    CampaignCurrent => "当前方案", "Open now";
    CampaignOpen => "切换到此方案", "Switch to it";
    CampaignNew => "新建工作方案", "New campaign";
    CampaignName => "方案名称", "Campaign name";
    CampaignYear => "年度", "Year";
    CampaignDocNo => "文号", "Document no.";
    CampaignIssuer => "印发单位", "Issued by";
    CampaignCarryOver => "沿用当前方案的牵头单位、县市、人员和检查清单（督战对象、阶段节点和现场记录不沿用）", "Carry over this campaign's departments, counties, people and checklist (not its targets, phases or field records)";
    CampaignInfoEdit => "编辑当前方案信息", "Edit this campaign's details";
    CampaignPhone => "联系电话", "Contact phone";
    CampaignEmail => "联系邮箱", "Contact e-mail";
    ThresholdPoor => "督战县标准：剩余贫困人口超过（人）", "Target county: remaining poor over (people)";
    ThresholdIncidence => "督战村标准：贫困发生率超过（%）", "Target village: poverty incidence over (%)";
    ThresholdSite => "督战安置点标准：安置人口超过（人）", "Target site: people resettled over (people)";
    CampaignInfoSaved => "方案信息已保存", "Campaign details saved";
    CampaignMonthlyNote => "月度报送要求（每月20日前“一月一分析、一报告、一反馈”）随新方案沿用，月份顺延到新年度；一次性报送事项不沿用。", "The monthly reporting requirement (by the 20th of each month) goes with the new campaign, moved to its year; one-off filings do not.";
    CampaignCreate => "创建并切换到新方案", "Create and switch to it";
    CampaignSwitching => "正在切换工作方案…", "Switching campaign…";
    OtherCampaignHint => "该数据包属于另一个工作方案：", "This bundle belongs to another campaign: ";
    OtherCampaignAction => "导入到该工作方案并切换过去", "Import into that campaign and switch to it";
    OtherCampaignNote => "数据将保存在本机该方案单独的存储中，当前方案的数据保持不变，可随时在“设置”中切换回来。", "Its data is kept in that campaign's own storage on this device; this campaign's data stays as it is, and Settings switches back at any time.";
    // ---- the monthly cycle: reports, reporting board, roll-ups, dashboard ----
    NavReports => "月度报送", "Monthly reports";
    NavDashboard => "看板", "Dashboard";
    BoardTitle => "督战情况报送情况", "Who has reported";
    BoardMonth => "月份", "Month";
    PrevMonth => "上月", "Previous month";
    NextMonth => "下月", "Next month";
    DueOn => "报送截止", "Due";
    BoardSummaryExpected => "应报", "Expected";
    BoardSummaryReceived => "已报", "Received";
    BoardSummaryOnTime => "按时", "On time";
    BoardSummaryLate => "逾期报送", "Late";
    BoardSummaryMissing => "未报", "Not received";
    BoardSummaryFeedback => "已反馈", "Feedback given";
    ColParty => "报送单位", "Reporting unit";
    ColReportStatus => "报告状态", "Report";
    ColSubmittedOn => "报送日期", "Submitted";
    ColTimeliness => "是否按时", "On time?";
    ColFeedbackOn => "反馈日期", "Feedback";
    NoReport => "未填写", "Not started";
    OpenReport => "填写/查看", "Write / view";
    PartyCounty => "县市", "County";
    PartyTarget => "州级督战对象", "Prefecture target";
    ReportTitle => "督战情况月度报告", "Monthly supervision report";
    ReportUnit => "报送单位", "Reporting unit";
    ReportFigures => "本月数据（自动计算）", "This month's figures (computed)";
    ReportFiguresFrozen => "报送时的数据", "Figures as submitted";
    FieldAnalysis => "分析", "Analysis";
    FieldReport => "报告", "Report";
    FieldAuthor => "填报人", "Author";
    FieldFeedback => "反馈意见", "Feedback";
    FieldFeedbackBy => "反馈人", "Feedback by";
    SaveDraft => "保存草稿", "Save draft";
    SubmitReport => "报送", "Submit";
    GiveFeedback => "反馈", "Give feedback";
    SubmittedOn => "报送于", "Submitted on";
    FeedbackOn => "反馈于", "Feedback on";
    PrintHash => "数据指纹", "Data fingerprint";
    PrintedOn => "打印日期", "Printed on";
    PrintHashHint => "纸质件与电子数据核对时，比对此指纹。", "Match a paper copy to its electronic data by this fingerprint.";
    FigVisits => "督战次数", "Visits";
    FigVisitModes => "定点 / 日常 / 暗访", "Fixed-point / routine / unannounced";
    FigHouseholds => "走访户数", "Households visited";
    FigPassRate => "检查达标率", "Checklist pass rate";
    FigChecks => "达标 / 未达标 / 不适用", "Pass / fail / n.a.";
    FigOpened => "新发现问题", "Problems found";
    FigClosed => "本月销号", "Closed this month";
    FigOpenAtEnd => "月末未销号", "Open at month end";
    FigOverdue => "其中逾期", "Of which overdue";
    FigNoAction => "其中只督不战", "Of which without owner";
    FigRecurrence => "屡改屡犯", "Recurrences";
    FigPopulation => "人口数据（基数 → 现数）", "Population (baseline → now)";
    FigMilestones => "本月到期节点", "Milestones due this month";
    FigMilestoneMissed => "未按期完成", "Missed";
    FigMilestoneDone => "已完成", "Done";
    FigMilestoneNotDue => "未到期", "Not yet due";
    FigTargets => "督战对象数", "Targets";
    FigAsOf => "数据截至", "As of";
    FigAverage => "平均", "average";
    RollupTitle => "督战情况汇总", "Roll-up";
    RollupPrefecture => "全州汇总", "Prefecture roll-up";
    RollupCounty => "县市汇总", "County roll-up";
    RollupTotal => "合计", "Total";
    WholePrefecture => "全州", "Prefecture-wide";
    Filings => "一次性报送事项", "One-off filings";
    ColFiledOn => "收到日期", "Received on";
    ColContact => "联系人", "Contact";
    RecordFiling => "登记收到", "Record receipt";
    OfficeContact => "联系电话", "Phone";
    Countdown => "截止倒计时", "Deadlines";
    NoDeadlines => "本方案没有待办的截止事项。", "No deadlines ahead in this campaign.";
    DashboardTitle => "督战看板", "Dashboard";
    ChartRemaining => "各县剩余贫困人口（月末）", "Remaining poor people by county (month end)";
    ChartProblems => "各县问题整改情况", "Problems by county";
    ChartMilestones => "各阶段节点完成情况", "Milestones by phase";
    ChartFailures => "检查未达标次数（按检查项）", "Checklist failures by item";
    SeriesOpen => "未销号", "Open";
    SeriesClosed => "已销号", "Closed";
    SeriesOverdue => "逾期", "Overdue";
    SeriesDone => "已完成", "Done";
    SeriesInProgress => "推进中", "In progress";
    SeriesPending => "未开始", "Not started";
    SeriesFail => "未达标", "Fail";
    ChartEmpty => "暂无数据。", "No data yet.";
}

macro_rules! fields {
    ($($field:ident($code:literal) => $zh:literal, $en:literal;)*) => {
        /// A field of a form or record that an error names to the user ("请填写“名称”").
        /// Typed so that every field has a label in both languages (the compiler checks
        /// the `match`) and a typo cannot reach the user as a raw code name.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Field { $($field),* }
        impl Field {
            pub const ALL: &'static [Field] = &[$(Field::$field),*];
            /// The field's code: the struct field it names, for logs and `Display`.
            /// Two fields of different records may share one (`note`, `date`).
            pub fn code(self) -> &'static str {
                match self { $(Field::$field => $code),* }
            }
            /// The field's name as the user sees it in a message.
            pub fn label(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Field::$field, Lang::Zh) => $zh, (Field::$field, Lang::En) => $en,)*
                }
            }
        }
    };
}

fields! {
    // Plan, campaign and roster records (validation errors).
    Name("name") => "名称", "name";
    Township("township") => "乡镇", "township";
    SquadName("squad_name") => "小分队/用户名称", "squad or user name";
    DocNo("doc_no") => "文号", "document number";
    Issuer("issuer") => "印发单位", "issuing office";
    ContactPhone("contact_phone") => "联系电话", "contact phone";
    ContactEmail("contact_email") => "联系邮箱", "contact email";
    Text("text") => "内容", "text";
    Label("label") => "时限", "heading";
    Recipient("recipient") => "报送至", "report to";
    Value("value") => "数值", "value";
    // Field work (checklist, visits, answers, problems, rectification).
    Title("title") => "检查项名称", "item title";
    Guidance("guidance") => "检查要点", "what to check";
    Member("member") => "督战人员", "member";
    Households("households") => "走访户数", "households visited";
    Findings("findings") => "督战发现", "findings";
    AnswerNote("note") => "备注", "note";
    VisitDate("date") => "督战日期", "visit date";
    Description("description") => "问题描述", "description";
    ResponsibleUnit("responsible_unit") => "责任单位", "responsible unit";
    ResponsiblePerson("responsible_person") => "责任人", "responsible person";
    OpenedOn("opened_on") => "发现日期", "date found";
    HandledBy("by") => "办理人", "handled by";
    Comment("comment") => "办理意见", "comment";
    Verifier("verifier") => "核验人", "verifier";
    // The monthly cycle (reports, feedback, filings).
    Analysis("analysis") => "分析", "Analysis";
    Report("report") => "报告", "Report";
    Author("author") => "填报人", "Author";
    Feedback("feedback") => "反馈意见", "Feedback";
    FeedbackBy("feedback_by") => "反馈人", "Feedback by";
    Contact("contact") => "联系人", "Contact";
    FilingNote("note") => "备注", "Note";
}

impl std::fmt::Display for Field {
    /// The code, as the errors' `Display` (for logs) showed it before fields were typed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_text_in_both_languages() {
        for k in K::ALL {
            assert!(!t(Lang::Zh, *k).is_empty(), "{k:?}");
            assert!(!t(Lang::En, *k).is_empty(), "{k:?}");
        }
    }

    #[test]
    fn every_field_has_a_label_in_both_languages() {
        for f in Field::ALL {
            let (zh, en) = (f.label(Lang::Zh), f.label(Lang::En));
            assert!(!zh.is_empty() && !en.is_empty(), "{f:?}");
            assert!(!zh.chars().any(|c| c.is_ascii_alphabetic()), "{f:?} shows Latin letters in Chinese: {zh}");
            assert!(!f.code().is_empty(), "{f:?}");
        }
    }

    #[test]
    fn every_record_kind_has_a_name_in_both_languages() {
        // The kinds that travel in bundles are every kind the app declares.
        let kinds: Vec<&str> = crate::core::bundle::kinds::KINDS.iter().map(|k| k.kind).collect();
        assert_eq!(kinds.len(), KIND_NAMES.len());
        for kind in kinds {
            assert!(KIND_NAMES.iter().any(|(k, _, _)| *k == kind), "{kind} has no name");
            let (zh, en) = (kind_name(Lang::Zh, kind), kind_name(Lang::En, kind));
            assert!(!zh.is_empty() && !en.is_empty(), "{kind}");
            assert_ne!(zh, kind, "{kind} shows its raw tag in Chinese");
            assert!(!zh.is_ascii(), "{kind}: {zh}");
        }
        assert_eq!(kind_name(Lang::En, "from_a_newer_app"), "from_a_newer_app");
    }
}

use super::model::{Level, Metric, MilestoneStatus, TargetKind};

/// The UI key naming a target kind.
pub fn kind_key(k: TargetKind) -> K {
    match k {
        TargetKind::County => K::KindCounty,
        TargetKind::Village => K::KindVillage,
        TargetKind::RelocationSite => K::KindRelocation,
        TargetKind::HydropowerSite => K::KindHydro,
    }
}

pub fn level_key(l: Level) -> K {
    match l {
        Level::Prefecture => K::LevelPrefecture,
        Level::County => K::LevelCounty,
    }
}

pub fn metric_key(m: Metric) -> K {
    match m {
        Metric::RemainingPoor => K::MetricRemaining,
        Metric::IncidencePct => K::MetricIncidence,
        Metric::PeopleResettled => K::MetricResettled,
    }
}

pub fn status_key(s: MilestoneStatus) -> K {
    match s {
        MilestoneStatus::Pending => K::StatusPending,
        MilestoneStatus::InProgress => K::StatusInProgress,
        MilestoneStatus::Done => K::StatusDone,
    }
}

impl Field {
    /// A form left this field empty: what is wrong and what to do.
    pub fn required_message(self, lang: Lang) -> String {
        match lang {
            Lang::Zh => format!("请填写“{}”，该项不能为空。", self.label(lang)),
            Lang::En => format!("Please fill in “{}”; it cannot be empty.", self.label(lang)),
        }
    }

    /// A form's text in this field is longer than `max` characters.
    pub fn too_long_message(self, lang: Lang, max: usize) -> String {
        match lang {
            Lang::Zh => format!("“{}”过长，请缩短到{}个字以内。", self.label(lang), max),
            Lang::En => format!("“{}” is too long; shorten it to at most {max} characters.", self.label(lang)),
        }
    }
}

/// An error a user can cause, with a message in their language that says what to do.
/// A save accepts a staging step failing with any of them (see `ui::AppState::save`).
/// Each error type implements it beside its own definition.
pub trait UserMessage {
    fn message(&self, lang: Lang) -> String;
}

/// The display name of every record kind this version writes: (kind tag, Chinese,
/// English). One entry per `entity!` declaration; a test checks the list against
/// the kinds that travel in bundles.
pub const KIND_NAMES: [(&str, &str, &str); 18] = [
    ("campaign", "工作方案", "Campaign"),
    ("department", "牵头单位", "Lead department"),
    ("phase", "阶段", "Phase"),
    ("milestone", "时间节点", "Milestone"),
    ("county", "县市", "County"),
    ("target", "督战对象", "Target"),
    ("figure", "数据", "Figure"),
    ("person", "人员", "Person"),
    ("assignment", "督战分工", "Assignment"),
    ("checklist_item", "督战清单项", "Checklist item"),
    ("visit", "督战走访", "Visit"),
    ("visit_answer", "走访检查结果", "Visit answer"),
    ("problem", "问题", "Problem"),
    ("problem_event", "整改记录", "Rectification record"),
    ("photo", "照片", "Photo"),
    ("requirement", "报送要求", "Reporting requirement"),
    ("monthly_report", "月度报告", "Monthly report"),
    ("filing", "一次性报送事项", "One-off filing"),
];

/// The name of a record kind in a language, for previews and messages. A kind this
/// version does not know (written by a newer app) is shown as its tag.
pub fn kind_name(lang: Lang, kind: &str) -> &str {
    match KIND_NAMES.iter().find(|(k, _, _)| *k == kind) {
        Some((_, zh, en)) => {
            if lang == Lang::Zh {
                zh
            } else {
                en
            }
        }
        None => kind,
    }
}
