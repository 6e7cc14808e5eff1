//! Consumer configuration: Kafka's `ConsumerConfig` keys and defaults (Kafka 4),
//! librdkafka's aliases and value spellings (`smallest`, `largest`...).

use super::Aliases;
use super::{
    canonical, pair, parse_bool, parse_enum, parse_int, parse_list, reject_serde, set_common, unknown_key,
    ConnectionConfig,
};
use crate::error::{Error, Result};
use crate::protocol::Millis;

/// Where a partition without a committed offset starts (`auto.offset.reset`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OffsetReset {
    Earliest,
    Latest,
    /// No reset: the consumer reports an error and waits for a seek.
    None,
}

impl OffsetReset {
    const NAMES: &'static [(&'static str, OffsetReset)] = &[
        ("earliest", OffsetReset::Earliest),
        ("latest", OffsetReset::Latest),
        ("none", OffsetReset::None),
        ("smallest", OffsetReset::Earliest),
        ("beginning", OffsetReset::Earliest),
        ("largest", OffsetReset::Latest),
        ("end", OffsetReset::Latest),
        ("error", OffsetReset::None),
    ];

    pub fn name(self) -> &'static str {
        match self {
            OffsetReset::Earliest => "earliest",
            OffsetReset::Latest => "latest",
            OffsetReset::None => "none",
        }
    }
}

/// Which records a fetch returns (`isolation.level`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IsolationLevel {
    ReadUncommitted,
    /// Only records up to the last stable offset, aborted transactions dropped.
    ReadCommitted,
}

impl IsolationLevel {
    const NAMES: &'static [(&'static str, IsolationLevel)] =
        &[("read_uncommitted", IsolationLevel::ReadUncommitted), ("read_committed", IsolationLevel::ReadCommitted)];

    /// The value of the Fetch and ListOffsets requests' `isolation_level` field.
    pub fn as_i8(self) -> i8 {
        match self {
            IsolationLevel::ReadUncommitted => 0,
            IsolationLevel::ReadCommitted => 1,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            IsolationLevel::ReadUncommitted => "read_uncommitted",
            IsolationLevel::ReadCommitted => "read_committed",
        }
    }
}

/// A client-side partition assignor (`partition.assignment.strategy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AssignorKind {
    Range,
    RoundRobin,
    Sticky,
    CooperativeSticky,
}

impl AssignorKind {
    const NAMES: &'static [(&'static str, AssignorKind)] = &[
        ("range", AssignorKind::Range),
        ("roundrobin", AssignorKind::RoundRobin),
        ("sticky", AssignorKind::Sticky),
        ("cooperative-sticky", AssignorKind::CooperativeSticky),
        ("org.apache.kafka.clients.consumer.RangeAssignor", AssignorKind::Range),
        ("org.apache.kafka.clients.consumer.RoundRobinAssignor", AssignorKind::RoundRobin),
        ("org.apache.kafka.clients.consumer.StickyAssignor", AssignorKind::Sticky),
        ("org.apache.kafka.clients.consumer.CooperativeStickyAssignor", AssignorKind::CooperativeSticky),
    ];

    /// The protocol name sent in JoinGroup (Kafka's `ConsumerPartitionAssignor.name()`).
    pub fn name(self) -> &'static str {
        match self {
            AssignorKind::Range => "range",
            AssignorKind::RoundRobin => "roundrobin",
            AssignorKind::Sticky => "sticky",
            AssignorKind::CooperativeSticky => "cooperative-sticky",
        }
    }
}

/// librdkafka names for the same settings.
const ALIASES: Aliases =
    &[("fetch.wait.max.ms", "fetch.max.wait.ms"), ("fetch.message.max.bytes", "max.partition.fetch.bytes")];

const INT_MAX: i64 = i32::MAX as i64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerConfig {
    pub bootstrap_servers: Vec<String>,
    pub client_id: String,
    /// TCP connection settings (`reconnect.backoff.ms`, ...).
    pub connection: ConnectionConfig,
    pub group_id: Option<String>,
    /// Static membership (KIP-345).
    pub group_instance_id: Option<String>,
    pub auto_offset_reset: OffsetReset,
    /// Defaults to true; `from_pairs` turns it off without a `group.id` (Kafka's rule),
    /// and a consumer without a group never commits whatever it says.
    pub enable_auto_commit: bool,
    pub auto_commit_interval_ms: Millis,
    pub max_poll_records: usize,
    pub max_poll_interval_ms: Millis,
    pub session_timeout_ms: Millis,
    pub heartbeat_interval_ms: Millis,
    pub fetch_min_bytes: i32,
    pub fetch_max_bytes: i32,
    pub max_partition_fetch_bytes: i32,
    pub fetch_max_wait_ms: i32,
    pub isolation_level: IsolationLevel,
    /// Preference order, first preferred.
    pub partition_assignment_strategy: Vec<AssignorKind>,
    pub request_timeout_ms: Millis,
    pub retry_backoff_ms: Millis,
    pub retry_backoff_max_ms: Millis,
    pub metadata_max_age_ms: Millis,
    pub check_crcs: bool,
    pub allow_auto_create_topics: bool,
    /// `enable.partition.eof` (librdkafka): report reaching the end of a partition.
    pub enable_partition_eof: bool,
    /// `enable.auto.offset.store` (librdkafka): with false, commits without explicit offsets
    /// (auto-commit, `commit()`) commit the offsets the application stored with
    /// `store_offsets`, not the positions.
    pub enable_auto_offset_store: bool,
}

impl Default for ConsumerConfig {
    fn default() -> Self {
        ConsumerConfig {
            bootstrap_servers: Vec::new(),
            client_id: "kafkette".to_string(),
            connection: ConnectionConfig::default(),
            group_id: None,
            group_instance_id: None,
            auto_offset_reset: OffsetReset::Latest,
            enable_auto_commit: true,
            auto_commit_interval_ms: 5_000,
            max_poll_records: 500,
            max_poll_interval_ms: 300_000,
            session_timeout_ms: 45_000,
            heartbeat_interval_ms: 3_000,
            fetch_min_bytes: 1,
            fetch_max_bytes: 52_428_800,
            max_partition_fetch_bytes: 1_048_576,
            fetch_max_wait_ms: 500,
            isolation_level: IsolationLevel::ReadUncommitted,
            partition_assignment_strategy: vec![AssignorKind::Range, AssignorKind::CooperativeSticky],
            request_timeout_ms: 30_000,
            retry_backoff_ms: 100,
            retry_backoff_max_ms: 1_000,
            metadata_max_age_ms: 300_000,
            check_crcs: true,
            allow_auto_create_topics: true,
            enable_partition_eof: false,
            enable_auto_offset_store: true,
        }
    }
}

fn non_empty(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_string())
}

impl ConsumerConfig {
    /// Builds a config from `(key, value)` pairs over Kafka's defaults. Later pairs win.
    pub fn from_pairs<I, K, V>(pairs: I) -> Result<Self>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut config = ConsumerConfig::default();
        let mut auto_commit_key = None;
        for (k, v) in pairs {
            let (key, value) = (k.as_ref(), v.as_ref());
            if key == "enable.auto.commit" {
                auto_commit_key = Some(key.to_string());
            }
            config.set(key, value)?;
        }
        // Kafka's maybeOverrideEnableAutoCommit: without a group there is nothing to
        // commit to; an explicit `true` is an error, the default quietly turns off.
        if config.group_id.is_none() && config.enable_auto_commit {
            if let Some(key) = auto_commit_key {
                return Err(Error::config(&key, "cannot be true without a group.id"));
            }
            config.enable_auto_commit = false;
        }
        config.validate()?;
        Ok(config)
    }

    fn set(&mut self, key: &str, value: &str) -> Result<()> {
        if set_common(&mut self.bootstrap_servers, &mut self.client_id, &mut self.connection, key, value)? {
            return Ok(());
        }
        match canonical(key, ALIASES) {
            "group.id" => self.group_id = non_empty(value),
            "group.instance.id" => self.group_instance_id = non_empty(value),
            "auto.offset.reset" => self.auto_offset_reset = parse_enum(key, value, OffsetReset::NAMES)?,
            "enable.auto.commit" => self.enable_auto_commit = parse_bool(key, value)?,
            "auto.commit.interval.ms" => self.auto_commit_interval_ms = parse_int(key, value, 0, INT_MAX)?,
            "max.poll.records" => self.max_poll_records = parse_int(key, value, 1, INT_MAX)?,
            "max.poll.interval.ms" => self.max_poll_interval_ms = parse_int(key, value, 1, INT_MAX)?,
            "session.timeout.ms" => self.session_timeout_ms = parse_int(key, value, 1, INT_MAX)?,
            "heartbeat.interval.ms" => self.heartbeat_interval_ms = parse_int(key, value, 1, INT_MAX)?,
            "fetch.min.bytes" => self.fetch_min_bytes = parse_int(key, value, 0, INT_MAX)?,
            "fetch.max.bytes" => self.fetch_max_bytes = parse_int(key, value, 0, INT_MAX)?,
            "max.partition.fetch.bytes" => self.max_partition_fetch_bytes = parse_int(key, value, 0, INT_MAX)?,
            "fetch.max.wait.ms" => self.fetch_max_wait_ms = parse_int(key, value, 0, INT_MAX)?,
            "isolation.level" => self.isolation_level = parse_enum(key, value, IsolationLevel::NAMES)?,
            "partition.assignment.strategy" => {
                let names = parse_list(value);
                if names.is_empty() {
                    return Err(Error::config(
                        key,
                        "expected at least one assignor (range, roundrobin, sticky, cooperative-sticky)",
                    ));
                }
                self.partition_assignment_strategy =
                    names.iter().map(|n| parse_enum(key, n, AssignorKind::NAMES)).collect::<Result<_>>()?;
            }
            "request.timeout.ms" => self.request_timeout_ms = parse_int(key, value, 0, INT_MAX)?,
            "retry.backoff.ms" => self.retry_backoff_ms = parse_int(key, value, 0, i64::MAX)?,
            "retry.backoff.max.ms" => self.retry_backoff_max_ms = parse_int(key, value, 0, i64::MAX)?,
            "metadata.max.age.ms" => self.metadata_max_age_ms = parse_int(key, value, 0, i64::MAX)?,
            "check.crcs" => self.check_crcs = parse_bool(key, value)?,
            "allow.auto.create.topics" => self.allow_auto_create_topics = parse_bool(key, value)?,
            "enable.partition.eof" => self.enable_partition_eof = parse_bool(key, value)?,
            "enable.auto.offset.store" => self.enable_auto_offset_store = parse_bool(key, value)?,
            "key.deserializer" | "value.deserializer" => return Err(reject_serde(key)),
            _ => return Err(unknown_key(key)),
        }
        Ok(())
    }

    /// Cross-key rules on a finished config (also for configs built in code).
    pub fn validate(&self) -> Result<()> {
        if self.group_instance_id.is_some() && self.group_id.is_none() {
            return Err(Error::config("group.instance.id", "needs a group.id"));
        }
        if self.partition_assignment_strategy.is_empty() {
            return Err(Error::config("partition.assignment.strategy", "expected at least one assignor"));
        }
        if self.heartbeat_interval_ms >= self.session_timeout_ms {
            return Err(Error::config(
                "heartbeat.interval.ms",
                format!(
                    "must be lower than session.timeout.ms ({}), got {}",
                    self.session_timeout_ms, self.heartbeat_interval_ms
                ),
            ));
        }
        Ok(())
    }

    /// The effective settings under their canonical names, for display and describe.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut out =
            vec![pair("bootstrap.servers", self.bootstrap_servers.join(",")), pair("client.id", &self.client_id)];
        out.extend(self.connection.to_pairs());
        if let Some(g) = &self.group_id {
            out.push(pair("group.id", g));
        }
        if let Some(i) = &self.group_instance_id {
            out.push(pair("group.instance.id", i));
        }
        let strategies: Vec<&str> = self.partition_assignment_strategy.iter().map(|a| a.name()).collect();
        out.extend([
            pair("auto.offset.reset", self.auto_offset_reset.name()),
            pair("enable.auto.commit", self.enable_auto_commit),
            pair("auto.commit.interval.ms", self.auto_commit_interval_ms),
            pair("max.poll.records", self.max_poll_records),
            pair("max.poll.interval.ms", self.max_poll_interval_ms),
            pair("session.timeout.ms", self.session_timeout_ms),
            pair("heartbeat.interval.ms", self.heartbeat_interval_ms),
            pair("fetch.min.bytes", self.fetch_min_bytes),
            pair("fetch.max.bytes", self.fetch_max_bytes),
            pair("max.partition.fetch.bytes", self.max_partition_fetch_bytes),
            pair("fetch.max.wait.ms", self.fetch_max_wait_ms),
            pair("isolation.level", self.isolation_level.name()),
            pair("partition.assignment.strategy", strategies.join(",")),
            pair("request.timeout.ms", self.request_timeout_ms),
            pair("retry.backoff.ms", self.retry_backoff_ms),
            pair("retry.backoff.max.ms", self.retry_backoff_max_ms),
            pair("metadata.max.age.ms", self.metadata_max_age_ms),
            pair("check.crcs", self.check_crcs),
            pair("allow.auto.create.topics", self.allow_auto_create_topics),
            pair("enable.partition.eof", self.enable_partition_eof),
            pair("enable.auto.offset.store", self.enable_auto_offset_store),
        ]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn cfg(pairs: &[(&str, &str)]) -> Result<ConsumerConfig> {
        ConsumerConfig::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn defaults_are_kafkas() {
        let c = cfg(&[("group.id", "g")]).unwrap();
        assert_eq!(c.auto_offset_reset, OffsetReset::Latest);
        assert!(c.enable_auto_commit);
        assert_eq!(c.isolation_level, IsolationLevel::ReadUncommitted);
        assert_eq!(c.partition_assignment_strategy, vec![AssignorKind::Range, AssignorKind::CooperativeSticky]);
        assert_eq!((c.session_timeout_ms, c.heartbeat_interval_ms, c.max_poll_records), (45_000, 3_000, 500));
        // No group: auto-commit turns off quietly unless asked for.
        assert!(!cfg(&[]).unwrap().enable_auto_commit);
        let e = cfg(&[("enable.auto.commit", "true")]).unwrap_err();
        assert_eq!(e.message(), "configuration `enable.auto.commit`: cannot be true without a group.id");
    }

    #[test]
    fn librdkafka_spellings() {
        for (v, want) in [
            ("smallest", OffsetReset::Earliest),
            ("beginning", OffsetReset::Earliest),
            ("largest", OffsetReset::Latest),
            ("end", OffsetReset::Latest),
            ("error", OffsetReset::None),
            ("earliest", OffsetReset::Earliest),
        ] {
            assert_eq!(cfg(&[("auto.offset.reset", v)]).unwrap().auto_offset_reset, want);
        }
        let c = cfg(&[
            ("fetch.wait.max.ms", "100"),
            ("fetch.message.max.bytes", "4096"),
            ("enable.partition.eof", "true"),
            ("debug", "consumer"),
        ])
        .unwrap();
        assert_eq!((c.fetch_max_wait_ms, c.max_partition_fetch_bytes, c.enable_partition_eof), (100, 4096, true));
    }

    #[test]
    fn assignors_and_isolation() {
        let c = cfg(&[
            (
                "partition.assignment.strategy",
                "org.apache.kafka.clients.consumer.CooperativeStickyAssignor, roundrobin",
            ),
            ("isolation.level", "read_committed"),
        ])
        .unwrap();
        assert_eq!(c.partition_assignment_strategy, vec![AssignorKind::CooperativeSticky, AssignorKind::RoundRobin]);
        assert_eq!(c.isolation_level.as_i8(), 1);
        let e = cfg(&[("partition.assignment.strategy", "range,fair")]).unwrap_err();
        assert!(e.message().contains("got \"fair\""), "{e}");
        let e = cfg(&[("isolation.level", "serializable")]).unwrap_err();
        assert_eq!(
            e.message(),
            "configuration `isolation.level`: expected one of read_uncommitted, read_committed, got \"serializable\""
        );
    }

    #[test]
    fn bad_keys_and_values() {
        let e = cfg(&[("value.deserializer", "x")]).unwrap_err();
        assert_eq!(e.code(), ErrorCode::INVALID_CONFIG_LOCAL);
        assert!(e.message().starts_with("configuration `value.deserializer`"), "{e}");
        assert!(cfg(&[("group.idd", "g")]).unwrap_err().message().contains("unknown"));
        assert!(cfg(&[("group.instance.id", "i")]).is_err());
        let e = cfg(&[("group.id", "g"), ("heartbeat.interval.ms", "50000")]).unwrap_err();
        assert!(e.message().starts_with("configuration `heartbeat.interval.ms`"), "{e}");
    }

    #[test]
    fn to_pairs_round_trips() {
        for c in [
            cfg(&[]).unwrap(),
            cfg(&[("group.id", "g"), ("group.instance.id", "i-1"), ("partition.assignment.strategy", "sticky")])
                .unwrap(),
        ] {
            assert_eq!(ConsumerConfig::from_pairs(c.to_pairs()).unwrap(), c);
        }
    }
}
