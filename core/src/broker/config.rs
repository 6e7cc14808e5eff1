//! Broker and topic configuration under Kafka's own property names.
//!
//! `BrokerConfig` is parsed once from `(key, value)` pairs (`node.id`, `listeners`,
//! `log.retention.ms`, ...); `TopicConfig` from the configs of a CreateTopics request,
//! its defaults taken from the broker's. Unknown keys and bad values are rejected
//! with an error naming the key. Our own limits (not Kafka properties) are plain
//! fields with their unit last, set in code.

use crate::error::{Error, ErrorCode, Result};

use crate::record::TimestampType;

/// Configuration of one broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerConfig {
    /// `node.id` (alias `broker.id`).
    pub node_id: i32,
    /// Host advertised in Metadata: from `advertised.listeners`, else `listeners`.
    pub host: String,
    /// Port advertised in Metadata.
    pub port: i32,
    /// The nodes this one broker state machine answers as (`kafkette serve --brokers N`): node id,
    /// advertised host and port of each. Empty means one node: `node_id`, `host`, `port`. Partition
    /// leaders are spread across the nodes; a Produce, Fetch or ListOffsets for a partition that
    /// reaches a node not leading it gets NOT_LEADER_OR_FOLLOWER, as from separate brokers.
    pub nodes: Vec<(i32, String, i32)>,
    /// `cluster.id`, returned in Metadata.
    pub cluster_id: String,
    /// `auto.create.topics.enable`.
    pub auto_create_topics_enable: bool,
    /// `num.partitions`: partitions of auto-created topics and of CreateTopics with -1.
    pub num_partitions: i32,
    /// `default.replication.factor`.
    pub default_replication_factor: i16,
    /// `log.retention.ms` (or `.minutes`, `.hours`); -1 keeps everything.
    pub log_retention_ms: i64,
    /// `log.retention.bytes` per partition; -1 for no limit.
    pub log_retention_bytes: i64,
    /// `log.retention.check.interval.ms`.
    pub log_retention_check_interval_ms: i64,
    /// `message.max.bytes`: the largest record batch a topic accepts by default.
    pub message_max_bytes: i32,
    /// `log.message.timestamp.type`.
    pub log_message_timestamp_type: TimestampType,
    /// `socket.request.max.bytes`: the largest request frame a TCP driver reads (larger sizes close
    /// the connection before anything is allocated).
    pub socket_request_max_bytes: i32,
    /// The group coordinator's properties (`group.initial.rebalance.delay.ms`, default 0 here as
    /// an embedded broker has no fleet of consumers to wait for; `group.max.size`,
    /// `group.min.session.timeout.ms`, `group.max.session.timeout.ms`, `offsets.retention.minutes`,
    /// `offsets.retention.check.interval.ms`, `offset.metadata.max.bytes`).
    pub group: crate::group::GroupConfig,

    /// Cap on a Fetch request's `max_wait_ms`.
    pub fetch_wait_ms_max: i64,
    /// Most topics one CreateTopics, DeleteTopics or auto-creating Metadata request may name.
    pub request_topics_max: usize,
    /// Most partitions one topic may have.
    pub topic_partitions_max: i32,
    /// Most fetches parked at once (beyond it a fetch is answered at once with what there is).
    pub parked_fetches_max: usize,
    /// Most requests queued behind a parked fetch on one connection (Kafka reads nothing more from
    /// a connection until its response is sent; beyond this the parked fetch is answered early).
    pub conn_backlog_requests_max: usize,
    /// `transaction.max.timeout.ms`: the longest transaction timeout InitProducerId accepts.
    pub transaction_max_timeout_ms: i32,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            node_id: 0,
            host: "127.0.0.1".to_string(),
            port: 9092,
            nodes: Vec::new(),
            cluster_id: "kafkette-local-cluster".to_string(),
            auto_create_topics_enable: true,
            num_partitions: 1,
            default_replication_factor: 1,
            log_retention_ms: 604_800_000,
            log_retention_bytes: -1,
            log_retention_check_interval_ms: 300_000,
            message_max_bytes: 1_048_588,
            log_message_timestamp_type: TimestampType::CreateTime,
            socket_request_max_bytes: 104_857_600,
            group: crate::group::GroupConfig::default(),
            fetch_wait_ms_max: 30_000,
            request_topics_max: 1_000,
            topic_partitions_max: 10_000,
            parked_fetches_max: 10_000,
            conn_backlog_requests_max: 1_000,
            transaction_max_timeout_ms: 900_000,
        }
    }
}

impl BrokerConfig {
    /// Parses Kafka broker properties; keys not given keep their defaults.
    pub fn from_pairs<I, K, V>(pairs: I) -> Result<BrokerConfig>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut c = BrokerConfig::default();
        let (mut hours, mut minutes, mut ms) = (None, None, None);
        let (mut listeners, mut advertised) = (None, None);
        for (k, v) in pairs {
            let (key, value) = (k.as_ref(), v.as_ref().trim());
            let err = |problem: &str| Error::config(key, format!("{problem} (got {value:?})"));
            match key {
                "node.id" | "broker.id" => c.node_id = parse_int(key, value, 0, i32::MAX as i64)? as i32,
                "listeners" => listeners = Some(parse_listener(key, value)?),
                "advertised.listeners" => advertised = Some(parse_listener(key, value)?),
                "cluster.id" => {
                    if value.is_empty() {
                        return Err(err("must not be empty"));
                    }
                    c.cluster_id = value.to_string();
                }
                "auto.create.topics.enable" => c.auto_create_topics_enable = parse_bool(key, value)?,
                "num.partitions" => c.num_partitions = parse_int(key, value, 1, c.topic_partitions_max as i64)? as i32,
                "default.replication.factor" => {
                    if parse_int(key, value, 1, i16::MAX as i64)? != 1 {
                        return Err(err("a single broker can only hold 1 replica"));
                    }
                }
                "log.retention.ms" => ms = Some(parse_int(key, value, -1, i64::MAX)?),
                "log.retention.minutes" => minutes = Some(parse_int(key, value, -1, i64::MAX / 60_000)?),
                "log.retention.hours" => hours = Some(parse_int(key, value, -1, i64::MAX / 3_600_000)?),
                "log.retention.bytes" => c.log_retention_bytes = parse_int(key, value, -1, i64::MAX)?,
                "log.retention.check.interval.ms" => {
                    c.log_retention_check_interval_ms = parse_int(key, value, 1, i64::MAX / 2)?
                }
                "message.max.bytes" => c.message_max_bytes = parse_int(key, value, 0, i32::MAX as i64)? as i32,
                "log.message.timestamp.type" => c.log_message_timestamp_type = parse_timestamp_type(key, value)?,
                "socket.request.max.bytes" => {
                    c.socket_request_max_bytes = parse_int(key, value, 1, i32::MAX as i64)? as i32
                }
                "group.initial.rebalance.delay.ms" => {
                    c.group.initial_rebalance_delay_ms = parse_int(key, value, 0, i32::MAX as i64)?
                }
                "group.max.size" => c.group.max_size = parse_int(key, value, 1, i32::MAX as i64)? as usize,
                "group.min.session.timeout.ms" => {
                    c.group.min_session_timeout_ms = parse_int(key, value, 0, i32::MAX as i64)? as i32
                }
                "group.max.session.timeout.ms" => {
                    c.group.max_session_timeout_ms = parse_int(key, value, 0, i32::MAX as i64)? as i32
                }
                "offsets.retention.minutes" => {
                    c.group.offsets_retention_ms = parse_int(key, value, 1, i32::MAX as i64)? * 60_000
                }
                "offsets.retention.check.interval.ms" => {
                    c.group.offsets_retention_check_interval_ms = parse_int(key, value, 1, i64::MAX / 2)?
                }
                "offset.metadata.max.bytes" => {
                    c.group.offset_metadata_max_bytes = parse_int(key, value, 0, i32::MAX as i64)? as usize
                }
                "transaction.max.timeout.ms" => {
                    c.transaction_max_timeout_ms = parse_int(key, value, 1, i32::MAX as i64)? as i32
                }
                _ => return Err(Error::config(key, "unknown broker configuration key")),
            }
        }
        // Kafka's precedence: ms, then minutes, then hours; -1 anywhere means unlimited.
        c.log_retention_ms = match (ms, minutes, hours) {
            (Some(ms), _, _) => ms,
            (None, Some(m), _) => {
                if m < 0 {
                    -1
                } else {
                    m * 60_000
                }
            }
            (None, None, Some(h)) => {
                if h < 0 {
                    -1
                } else {
                    h * 3_600_000
                }
            }
            (None, None, None) => c.log_retention_ms,
        };
        if let Some((host, port)) = advertised.or(listeners) {
            c.host = host;
            c.port = port;
        }
        Ok(c)
    }
}

impl BrokerConfig {
    /// The Kafka properties this broker has, with their values and whether each is the default
    /// (DescribeConfigs of a broker resource).
    pub fn entries(&self) -> Vec<(&'static str, String, bool)> {
        let d = BrokerConfig::default();
        let entry = |key, value: String, default: String| {
            let is_default = value == default;
            (key, value, is_default)
        };
        vec![
            entry(
                "auto.create.topics.enable",
                self.auto_create_topics_enable.to_string(),
                d.auto_create_topics_enable.to_string(),
            ),
            entry(
                "default.replication.factor",
                self.default_replication_factor.to_string(),
                d.default_replication_factor.to_string(),
            ),
            entry(
                "log.message.timestamp.type",
                timestamp_type_name(self.log_message_timestamp_type).to_string(),
                timestamp_type_name(d.log_message_timestamp_type).to_string(),
            ),
            entry("log.retention.bytes", self.log_retention_bytes.to_string(), d.log_retention_bytes.to_string()),
            entry(
                "log.retention.check.interval.ms",
                self.log_retention_check_interval_ms.to_string(),
                d.log_retention_check_interval_ms.to_string(),
            ),
            entry("log.retention.ms", self.log_retention_ms.to_string(), d.log_retention_ms.to_string()),
            entry("message.max.bytes", self.message_max_bytes.to_string(), d.message_max_bytes.to_string()),
            entry("node.id", self.node_id.to_string(), d.node_id.to_string()),
            entry("num.partitions", self.num_partitions.to_string(), d.num_partitions.to_string()),
            entry(
                "socket.request.max.bytes",
                self.socket_request_max_bytes.to_string(),
                d.socket_request_max_bytes.to_string(),
            ),
        ]
    }
}

/// `PLAINTEXT://host:port[,...]`: the first listener's host and port.
fn parse_listener(key: &str, value: &str) -> Result<(String, i32)> {
    let first = value.split(',').next().unwrap_or("").trim();
    let addr = first.split_once("://").map_or(first, |(_, a)| a);
    let bad = || Error::config(key, format!("expected NAME://host:port, got {value:?}"));
    let (host, port) = addr.rsplit_once(':').ok_or_else(bad)?;
    let port: i32 = port.parse().map_err(|_| bad())?;
    if !(0..=65535).contains(&port) {
        return Err(bad());
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    // An empty host or 0.0.0.0 binds every interface; clients are told the loopback address.
    let host = if host.is_empty() || host == "0.0.0.0" { "127.0.0.1" } else { host };
    Ok((host.to_string(), port))
}

/// How a topic stamps its batches.
fn parse_timestamp_type(key: &str, value: &str) -> Result<TimestampType> {
    match value {
        "CreateTime" => Ok(TimestampType::CreateTime),
        "LogAppendTime" => Ok(TimestampType::LogAppendTime),
        _ => Err(Error::config(key, format!("expected CreateTime or LogAppendTime, got {value:?}"))),
    }
}

fn timestamp_type_name(t: TimestampType) -> &'static str {
    match t {
        TimestampType::CreateTime => "CreateTime",
        TimestampType::LogAppendTime => "LogAppendTime",
    }
}

fn parse_bool(key: &str, value: &str) -> Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(Error::config(key, format!("expected true or false, got {value:?}"))),
    }
}

fn parse_int(key: &str, value: &str, min: i64, max: i64) -> Result<i64> {
    let n: i64 = value.parse().map_err(|_| Error::config(key, format!("expected an integer, got {value:?}")))?;
    if n < min || n > max {
        return Err(Error::config(key, format!("{n} is outside {min}..={max}")));
    }
    Ok(n)
}

/// Configuration of one topic: the broker's defaults overridden by CreateTopics configs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicConfig {
    /// `retention.ms`; -1 keeps everything.
    pub retention_ms: i64,
    /// `retention.bytes` per partition; -1 for no limit.
    pub retention_bytes: i64,
    /// `message.timestamp.type`.
    pub message_timestamp_type: TimestampType,
    /// `max.message.bytes`: the largest record batch accepted.
    pub max_message_bytes: i32,
    /// `segment.bytes`: accepted and reported; the memory log has no segments.
    pub segment_bytes: i32,
    /// `segment.ms`: accepted and reported; the memory log has no segments.
    pub segment_ms: i64,
    /// `min.insync.replicas`: acks=all fails with NOT_ENOUGH_REPLICAS above 1 (one broker).
    pub min_insync_replicas: i32,
    /// Keys set explicitly (not defaults), for `entries`.
    overrides: Vec<&'static str>,
}

/// Every key a topic accepts, in the order `entries` reports them.
const TOPIC_KEYS: &[&str] = &[
    "cleanup.policy",
    "compression.type",
    "max.message.bytes",
    "message.timestamp.type",
    "min.insync.replicas",
    "retention.bytes",
    "retention.ms",
    "segment.bytes",
    "segment.ms",
];

impl TopicConfig {
    /// A topic with nothing overridden.
    pub fn defaults(broker: &BrokerConfig) -> TopicConfig {
        TopicConfig {
            retention_ms: broker.log_retention_ms,
            retention_bytes: broker.log_retention_bytes,
            message_timestamp_type: broker.log_message_timestamp_type,
            max_message_bytes: broker.message_max_bytes,
            segment_bytes: 1_073_741_824,
            segment_ms: 604_800_000,
            min_insync_replicas: 1,
            overrides: Vec::new(),
        }
    }

    /// Parses CreateTopics configs. Errors carry `INVALID_CONFIG` and name the key.
    pub fn from_pairs<I, K, V>(broker: &BrokerConfig, pairs: I) -> Result<TopicConfig>
    where
        I: IntoIterator<Item = (K, Option<V>)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut c = TopicConfig::defaults(broker);
        for (k, v) in pairs {
            let key = k.as_ref();
            match v {
                Some(v) => c.set(key, v.as_ref())?,
                None => return Err(invalid(key, "null value not supported for topic configs")),
            }
        }
        Ok(c)
    }

    /// Sets one key (CreateTopics now, AlterConfigs later).
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let value = value.trim();
        let int = |min: i64, max: i64| {
            parse_int(key, value, min, max).map_err(|e| Error::new(ErrorCode::INVALID_CONFIG, e.message()))
        };
        let canonical = match TOPIC_KEYS.iter().find(|k| **k == key) {
            Some(k) => *k,
            None => return Err(invalid(key, "unknown topic configuration key")),
        };
        match canonical {
            "cleanup.policy" => {
                if value != "delete" {
                    // Compaction needs a cleaner over record keys; not built yet.
                    return Err(invalid(key, format!("only `delete` is supported (got {value:?})")));
                }
            }
            "compression.type" => {
                if value != "producer" {
                    // The broker stores batches as received; it never recompresses.
                    return Err(invalid(key, format!("only `producer` is supported (got {value:?})")));
                }
            }
            "max.message.bytes" => self.max_message_bytes = int(0, i32::MAX as i64)? as i32,
            "message.timestamp.type" => {
                self.message_timestamp_type =
                    parse_timestamp_type(key, value).map_err(|e| Error::new(ErrorCode::INVALID_CONFIG, e.message()))?
            }
            "min.insync.replicas" => self.min_insync_replicas = int(1, i32::MAX as i64)? as i32,
            "retention.bytes" => self.retention_bytes = int(-1, i64::MAX)?,
            "retention.ms" => self.retention_ms = int(-1, i64::MAX)?,
            "segment.bytes" => self.segment_bytes = int(14, i32::MAX as i64)? as i32,
            "segment.ms" => self.segment_ms = int(1, i64::MAX)?,
            _ => return Err(invalid(key, "unknown topic configuration key")),
        }
        if !self.overrides.contains(&canonical) {
            self.overrides.push(canonical);
        }
        Ok(())
    }

    /// Every key with its value and whether it is the default (for CreateTopics v5+ and DescribeConfigs).
    pub fn entries(&self) -> Vec<(&'static str, String, bool)> {
        TOPIC_KEYS
            .iter()
            .map(|&key| {
                let value = match key {
                    "cleanup.policy" => "delete".to_string(),
                    "compression.type" => "producer".to_string(),
                    "max.message.bytes" => self.max_message_bytes.to_string(),
                    "message.timestamp.type" => timestamp_type_name(self.message_timestamp_type).to_string(),
                    "min.insync.replicas" => self.min_insync_replicas.to_string(),
                    "retention.bytes" => self.retention_bytes.to_string(),
                    "retention.ms" => self.retention_ms.to_string(),
                    "segment.bytes" => self.segment_bytes.to_string(),
                    "segment.ms" => self.segment_ms.to_string(),
                    _ => String::new(),
                };
                (key, value, !self.overrides.contains(&key))
            })
            .collect()
    }

    /// True when retention can delete something from this topic.
    pub fn has_retention(&self) -> bool {
        self.retention_ms >= 0 || self.retention_bytes >= 0
    }
}

fn invalid(key: &str, problem: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::INVALID_CONFIG, format!("topic configuration `{key}`: {problem}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_defaults_and_overrides() {
        let c = BrokerConfig::from_pairs([
            ("node.id", "3"),
            ("listeners", "PLAINTEXT://0.0.0.0:19092"),
            ("advertised.listeners", "PLAINTEXT://example.test:29092"),
            ("log.retention.hours", "1"),
            ("auto.create.topics.enable", "false"),
            ("socket.request.max.bytes", "1024"),
        ])
        .unwrap();
        assert_eq!(c.node_id, 3);
        assert_eq!((c.host.as_str(), c.port), ("example.test", 29092));
        assert_eq!(c.log_retention_ms, 3_600_000);
        assert!(!c.auto_create_topics_enable);
        assert_eq!(c.socket_request_max_bytes, 1024);
        assert_eq!(BrokerConfig::from_pairs(Vec::<(&str, &str)>::new()).unwrap(), BrokerConfig::default());
    }

    #[test]
    fn broker_errors_name_the_key() {
        for (k, v) in [
            ("num.partitions", "0"),
            ("socket.request.max.bytes", "0"),
            ("log.retention.ms", "x"),
            ("listeners", "nope"),
            ("bogus", "1"),
        ] {
            let e = BrokerConfig::from_pairs([(k, v)]).unwrap_err();
            assert_eq!(e.code(), ErrorCode::INVALID_CONFIG_LOCAL);
            assert!(e.message().contains(k), "{e}");
        }
    }

    #[test]
    fn topic_config() {
        let b = BrokerConfig::default();
        let c = TopicConfig::from_pairs(
            &b,
            [("retention.ms", Some("1000")), ("message.timestamp.type", Some("LogAppendTime"))],
        )
        .unwrap();
        assert_eq!(c.retention_ms, 1000);
        assert_eq!(c.message_timestamp_type, TimestampType::LogAppendTime);
        let e = c.entries();
        assert!(e.contains(&("retention.ms", "1000".to_string(), false)));
        assert!(e.contains(&("retention.bytes", "-1".to_string(), true)));
        for (k, v) in [
            ("cleanup.policy", Some("compact")),
            ("retention.ms", Some("-2")),
            ("nope", Some("1")),
            ("segment.ms", None),
        ] {
            let err = TopicConfig::from_pairs(&b, [(k, v)]).unwrap_err();
            assert_eq!(err.code(), ErrorCode::INVALID_CONFIG);
            assert!(err.message().contains(k), "{err}");
        }
    }
}
