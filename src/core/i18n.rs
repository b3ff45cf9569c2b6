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
        if s == "en" { Lang::En } else { Lang::Zh }
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
    FieldDue => "截止日期", "Due";
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
    Phase => "阶段", "Phase";
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
    Conflict => "并发修改", "Concurrent edit";
    ConflictNote => "其他设备同时修改过此项", "Another device changed this at the same time";
    LastChanged => "最后修改", "Last changed";
    Records => "记录数", "Records";
    SchemaVersion => "数据版本", "Schema version";
    Person => "人员", "Person";
    AddPerson => "添加人员", "Add person";
    Count => "数量", "Count";
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
