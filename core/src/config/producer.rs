//! Producer configuration: Kafka's `ProducerConfig` keys and defaults (Kafka 4),
//! librdkafka's aliases, and Kafka's cross-key rules (idempotence needs acks=all,
//! retries > 0 and at most 5 requests in flight; `delivery.timeout.ms` covers
//! `linger.ms + request.timeout.ms`).

use super::Aliases;
use super::{
    canonical, pair, parse_bool, parse_enum, parse_int, reject_serde, set_common, unknown_key, ConnectionConfig,
};
use crate::error::{Error, Result};
use crate::protocol::Millis;

pub use crate::record::Compression;

/// How many replicas must have a batch before the leader answers (`acks`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Acks {
    /// `acks=0`: the broker sends no response; deliveries complete at transmit.
    None,
    /// `acks=1`: the leader has written it.
    Leader,
    /// `acks=all` (`-1`): every in-sync replica has it.
    All,
}

impl Acks {
    /// The value of the Produce request's `acks` field.
    pub fn as_i16(self) -> i16 {
        match self {
            Acks::None => 0,
            Acks::Leader => 1,
            Acks::All => -1,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Acks::None => "0",
            Acks::Leader => "1",
            Acks::All => "all",
        }
    }
}

/// How a record without an explicit partition finds one (`partitioner.class` / `partitioner`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PartitionerKind {
    /// Java's default (librdkafka `murmur2_random`): murmur2 of the key; records
    /// without a key use the uniform sticky partitioner (KIP-480, KIP-794).
    Default,
    /// librdkafka `murmur2`: murmur2 of the key; records without a key hash as the
    /// empty key, so they all go to one partition.
    Murmur2,
    /// librdkafka `consistent_random` (its default): CRC-32 of the key; records without a key are sticky.
    ConsistentRandom,
    /// librdkafka `consistent`: CRC-32 of the key; records without a key hash as the empty key.
    Consistent,
    /// Keys ignored, sticky for every record (Java `UniformStickyPartitioner`, librdkafka `random`).
    Sticky,
    /// Keys ignored, partitions in turn record by record (Java `RoundRobinPartitioner`).
    RoundRobin,
}

impl PartitionerKind {
    /// Every accepted spelling, canonical first for each kind.
    const NAMES: &'static [(&'static str, PartitionerKind)] = &[
        ("default", PartitionerKind::Default),
        ("murmur2_random", PartitionerKind::Default),
        ("org.apache.kafka.clients.producer.internals.DefaultPartitioner", PartitionerKind::Default),
        ("murmur2", PartitionerKind::Murmur2),
        ("consistent_random", PartitionerKind::ConsistentRandom),
        ("consistent", PartitionerKind::Consistent),
        ("sticky", PartitionerKind::Sticky),
        ("random", PartitionerKind::Sticky),
        ("org.apache.kafka.clients.producer.UniformStickyPartitioner", PartitionerKind::Sticky),
        ("roundrobin", PartitionerKind::RoundRobin),
        ("round_robin", PartitionerKind::RoundRobin),
        ("org.apache.kafka.clients.producer.RoundRobinPartitioner", PartitionerKind::RoundRobin),
    ];

    pub fn name(self) -> &'static str {
        match self {
            PartitionerKind::Default => "default",
            PartitionerKind::Murmur2 => "murmur2",
            PartitionerKind::ConsistentRandom => "consistent_random",
            PartitionerKind::Consistent => "consistent",
            PartitionerKind::Sticky => "sticky",
            PartitionerKind::RoundRobin => "roundrobin",
        }
    }
}

/// librdkafka (and older Kafka) names for the same settings.
const ALIASES: Aliases = &[
    ("queue.buffering.max.ms", "linger.ms"),
    ("message.timeout.ms", "delivery.timeout.ms"),
    ("compression.codec", "compression.type"),
    ("request.required.acks", "acks"),
    ("message.max.bytes", "max.request.size"),
    ("message.send.max.retries", "retries"),
    ("max.in.flight", "max.in.flight.requests.per.connection"),
    ("partitioner", "partitioner.class"),
];

const ACKS: &[(&str, Acks)] = &[("0", Acks::None), ("1", Acks::Leader), ("all", Acks::All), ("-1", Acks::All)];

/// The idempotent producer keeps at most this many batches in flight per
/// partition: the broker's duplicate window is 5 batches.
pub const MAX_IN_FLIGHT_FOR_IDEMPOTENCE: usize = 5;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProducerConfig {
    /// `bootstrap.servers`: `host:port` list; empty for an in-process broker.
    pub bootstrap_servers: Vec<String>,
    pub client_id: String,
    /// TCP connection settings (`reconnect.backoff.ms`, ...).
    pub connection: ConnectionConfig,
    pub acks: Acks,
    pub enable_idempotence: bool,
    pub transactional_id: Option<String>,
    pub transaction_timeout_ms: Millis,
    pub linger_ms: Millis,
    /// Bytes a batch may grow to before it is ready (a larger single record still gets its own batch).
    pub batch_size: usize,
    /// `batch.num.messages` (librdkafka): records per batch at most; `None`, the default, is no limit (Java).
    pub batch_num_messages: Option<usize>,
    /// Bytes of records queued or in flight at most; `send` fails with QUEUE_FULL beyond.
    pub buffer_memory: usize,
    /// `queue.buffering.max.messages` (librdkafka): records queued or in flight at most; `None` is no limit.
    pub queue_buffering_max_messages: Option<usize>,
    pub max_request_size: usize,
    pub retries: i32,
    pub retry_backoff_ms: Millis,
    pub retry_backoff_max_ms: Millis,
    pub request_timeout_ms: Millis,
    pub delivery_timeout_ms: Millis,
    pub max_in_flight_requests_per_connection: usize,
    pub compression_type: Compression,
    pub partitioner: PartitionerKind,
    pub partitioner_ignore_keys: bool,
    pub metadata_max_age_ms: Millis,
    pub allow_auto_create_topics: bool,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        ProducerConfig {
            bootstrap_servers: Vec::new(),
            client_id: "kafkette".to_string(),
            connection: ConnectionConfig::default(),
            acks: Acks::All,
            enable_idempotence: true,
            transactional_id: None,
            transaction_timeout_ms: 60_000,
            linger_ms: 5,
            batch_size: 16_384,
            batch_num_messages: None,
            buffer_memory: 33_554_432,
            queue_buffering_max_messages: None,
            max_request_size: 1_048_576,
            retries: i32::MAX,
            retry_backoff_ms: 100,
            retry_backoff_max_ms: 1_000,
            request_timeout_ms: 30_000,
            delivery_timeout_ms: 120_000,
            max_in_flight_requests_per_connection: 5,
            compression_type: Compression::None,
            partitioner: PartitionerKind::Default,
            partitioner_ignore_keys: false,
            metadata_max_age_ms: 300_000,
            allow_auto_create_topics: true,
        }
    }
}

/// Keys the user set, as typed, where Kafka's rules depend on whether a value was explicit.
#[derive(Default)]
struct Explicit {
    idempotence: Option<String>,
    acks: Option<String>,
    retries: Option<String>,
    max_in_flight: Option<String>,
    delivery_timeout: Option<String>,
}

const INT_MAX: i64 = i32::MAX as i64;

impl ProducerConfig {
    /// Builds a config from `(key, value)` pairs over Kafka's defaults, then applies
    /// Kafka's cross-key rules. Later pairs win over earlier ones.
    pub fn from_pairs<I, K, V>(pairs: I) -> Result<Self>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut config = ProducerConfig::default();
        let mut explicit = Explicit::default();
        for (k, v) in pairs {
            config.set(k.as_ref(), v.as_ref(), &mut explicit)?;
        }
        config.resolve(&explicit)?;
        config.validate()?;
        Ok(config)
    }

    fn set(&mut self, key: &str, value: &str, explicit: &mut Explicit) -> Result<()> {
        if set_common(&mut self.bootstrap_servers, &mut self.client_id, &mut self.connection, key, value)? {
            return Ok(());
        }
        let typed = || Some(key.to_string());
        match canonical(key, ALIASES) {
            "acks" => {
                self.acks = parse_enum(key, value, ACKS)?;
                explicit.acks = typed();
            }
            "enable.idempotence" => {
                self.enable_idempotence = parse_bool(key, value)?;
                explicit.idempotence = typed();
            }
            "transactional.id" => {
                let id = value.trim();
                self.transactional_id = (!id.is_empty()).then(|| id.to_string());
            }
            "transaction.timeout.ms" => self.transaction_timeout_ms = parse_int(key, value, 1, INT_MAX)?,
            "linger.ms" => self.linger_ms = parse_int(key, value, 0, INT_MAX)?,
            "batch.size" => self.batch_size = parse_int(key, value, 0, INT_MAX)?,
            "batch.num.messages" => self.batch_num_messages = Some(parse_int(key, value, 1, INT_MAX)?),
            "buffer.memory" => self.buffer_memory = parse_int(key, value, 0, i64::MAX)?,
            "queue.buffering.max.kbytes" => {
                self.buffer_memory = parse_int::<usize>(key, value, 1, INT_MAX)?.saturating_mul(1024)
            }
            "queue.buffering.max.messages" => {
                self.queue_buffering_max_messages = Some(parse_int(key, value, 1, INT_MAX)?)
            }
            "max.request.size" => self.max_request_size = parse_int(key, value, 1, INT_MAX)?,
            "retries" => {
                self.retries = parse_int(key, value, 0, INT_MAX)?;
                explicit.retries = typed();
            }
            "retry.backoff.ms" => self.retry_backoff_ms = parse_int(key, value, 0, i64::MAX)?,
            "retry.backoff.max.ms" => self.retry_backoff_max_ms = parse_int(key, value, 0, i64::MAX)?,
            "request.timeout.ms" => self.request_timeout_ms = parse_int(key, value, 0, INT_MAX)?,
            "delivery.timeout.ms" => {
                self.delivery_timeout_ms = parse_int(key, value, 0, INT_MAX)?;
                explicit.delivery_timeout = typed();
            }
            "max.in.flight.requests.per.connection" => {
                self.max_in_flight_requests_per_connection = parse_int(key, value, 1, INT_MAX)?;
                explicit.max_in_flight = typed();
            }
            "compression.type" => {
                let v = value.trim();
                let codec = Compression::parse(v.to_ascii_lowercase().as_str()).ok_or_else(|| {
                    Error::config(key, format!("expected one of none, gzip, snappy, lz4, zstd, got {v:?}"))
                })?;
                if !codec.is_available() {
                    return Err(Error::config(key, format!("{} is not available in this build", codec.name())));
                }
                self.compression_type = codec;
            }
            "partitioner.class" => self.partitioner = parse_enum(key, value, PartitionerKind::NAMES)?,
            "partitioner.ignore.keys" => self.partitioner_ignore_keys = parse_bool(key, value)?,
            "metadata.max.age.ms" => self.metadata_max_age_ms = parse_int(key, value, 0, i64::MAX)?,
            "allow.auto.create.topics" => self.allow_auto_create_topics = parse_bool(key, value)?,
            "key.serializer" | "value.serializer" => return Err(reject_serde(key)),
            _ => return Err(unknown_key(key)),
        }
        Ok(())
    }

    /// Kafka's `postProcessAndValidateIdempotenceConfigs` and `configureDeliveryTimeout`:
    /// an explicit conflict is an error; a default that conflicts gives way.
    fn resolve(&mut self, explicit: &Explicit) -> Result<()> {
        if self.enable_idempotence {
            let conflict = self.idempotence_conflict(explicit);
            match (conflict, &explicit.idempotence) {
                (Some((key, problem)), Some(_)) => return Err(Error::config(&key, problem)),
                // enable.idempotence was not set: the user's acks/retries/max.in.flight win
                // and idempotence turns off, as Kafka 3.2+ does.
                (Some(_), None) => self.enable_idempotence = false,
                (None, _) => {}
            }
        }
        if self.delivery_timeout_ms < self.linger_ms + self.request_timeout_ms {
            match &explicit.delivery_timeout {
                Some(key) => return Err(self.delivery_timeout_error(key)),
                None => self.delivery_timeout_ms = self.linger_ms + self.request_timeout_ms,
            }
        }
        Ok(())
    }

    /// The first setting that rules out idempotence, with the key to name (as typed when explicit).
    fn idempotence_conflict(&self, explicit: &Explicit) -> Option<(String, String)> {
        let name = |typed: &Option<String>, canon: &str| typed.clone().unwrap_or_else(|| canon.to_string());
        if self.acks != Acks::All {
            return Some((
                name(&explicit.acks, "acks"),
                format!("must be all to use the idempotent producer, got {}", self.acks.name()),
            ));
        }
        if self.retries == 0 {
            return Some((
                name(&explicit.retries, "retries"),
                "must be non-zero to use the idempotent producer".into(),
            ));
        }
        if self.max_in_flight_requests_per_connection > MAX_IN_FLIGHT_FOR_IDEMPOTENCE {
            return Some((
                name(&explicit.max_in_flight, "max.in.flight.requests.per.connection"),
                format!(
                    "must be at most {MAX_IN_FLIGHT_FOR_IDEMPOTENCE} to use the idempotent producer, got {}",
                    self.max_in_flight_requests_per_connection
                ),
            ));
        }
        None
    }

    fn delivery_timeout_error(&self, key: &str) -> Error {
        Error::config(
            key,
            format!(
                "should be equal to or larger than linger.ms + request.timeout.ms ({} + {} = {}), got {}",
                self.linger_ms,
                self.request_timeout_ms,
                self.linger_ms + self.request_timeout_ms,
                self.delivery_timeout_ms
            ),
        )
    }

    /// Checks the cross-key rules on a finished config (one built in code rather than
    /// from pairs is checked as if every value were explicit). `Producer::new` calls it.
    pub fn validate(&self) -> Result<()> {
        if self.enable_idempotence {
            if let Some((key, problem)) = self.idempotence_conflict(&Explicit::default()) {
                return Err(Error::config(&key, problem));
            }
        }
        if let Some(id) = &self.transactional_id {
            if !self.enable_idempotence {
                return Err(Error::config(
                    "transactional.id",
                    format!(
                        "{id:?} needs the idempotent producer, but it is off (enable.idempotence=false, \
                         or acks/retries/max.in.flight.requests.per.connection conflict with it)"
                    ),
                ));
            }
        }
        if self.delivery_timeout_ms < self.linger_ms + self.request_timeout_ms {
            return Err(self.delivery_timeout_error("delivery.timeout.ms"));
        }
        if self.retry_backoff_max_ms < self.retry_backoff_ms {
            return Err(Error::config(
                "retry.backoff.max.ms",
                format!(
                    "must be at least retry.backoff.ms ({}), got {}",
                    self.retry_backoff_ms, self.retry_backoff_max_ms
                ),
            ));
        }
        Ok(())
    }

    /// The effective settings under their canonical names, for display and describe.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut out = vec![
            pair("bootstrap.servers", self.bootstrap_servers.join(",")),
            pair("client.id", &self.client_id),
            pair("acks", self.acks.name()),
            pair("enable.idempotence", self.enable_idempotence),
        ];
        out.extend(self.connection.to_pairs());
        if let Some(id) = &self.transactional_id {
            out.push(pair("transactional.id", id));
        }
        out.extend([
            pair("transaction.timeout.ms", self.transaction_timeout_ms),
            pair("linger.ms", self.linger_ms),
            pair("batch.size", self.batch_size),
        ]);
        if let Some(n) = self.batch_num_messages {
            out.push(pair("batch.num.messages", n));
        }
        out.push(pair("buffer.memory", self.buffer_memory));
        if let Some(n) = self.queue_buffering_max_messages {
            out.push(pair("queue.buffering.max.messages", n));
        }
        out.extend([
            pair("max.request.size", self.max_request_size),
            pair("retries", self.retries),
            pair("retry.backoff.ms", self.retry_backoff_ms),
            pair("retry.backoff.max.ms", self.retry_backoff_max_ms),
            pair("request.timeout.ms", self.request_timeout_ms),
            pair("delivery.timeout.ms", self.delivery_timeout_ms),
            pair("max.in.flight.requests.per.connection", self.max_in_flight_requests_per_connection),
            pair("compression.type", self.compression_type.name()),
            pair("partitioner.class", self.partitioner.name()),
            pair("partitioner.ignore.keys", self.partitioner_ignore_keys),
            pair("metadata.max.age.ms", self.metadata_max_age_ms),
            pair("allow.auto.create.topics", self.allow_auto_create_topics),
        ]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn cfg(pairs: &[(&str, &str)]) -> Result<ProducerConfig> {
        ProducerConfig::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn defaults_are_kafkas() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c, ProducerConfig::default());
        assert_eq!(c.acks, Acks::All);
        assert!(c.enable_idempotence);
        assert_eq!((c.linger_ms, c.batch_size, c.buffer_memory), (5, 16_384, 33_554_432));
        assert_eq!((c.retries, c.delivery_timeout_ms, c.request_timeout_ms), (i32::MAX, 120_000, 30_000));
        assert_eq!(c.partitioner, PartitionerKind::Default);
        c.validate().unwrap();
    }

    #[test]
    fn keys_and_aliases() {
        let c = cfg(&[
            ("bootstrap.servers", "a:9092, b:9093"),
            ("client.id", "me"),
            ("queue.buffering.max.ms", "20"),
            ("message.timeout.ms", "60000"),
            ("compression.codec", "LZ4"),
            ("queue.buffering.max.kbytes", "1024"),
            ("batch.num.messages", "100"),
            ("message.max.bytes", "2000000"),
            ("partitioner", "murmur2_random"),
            ("debug", "all"),
            ("socket.timeout.ms", "1000"),
        ])
        .unwrap();
        assert_eq!(c.bootstrap_servers, vec!["a:9092", "b:9093"]);
        assert_eq!(c.client_id, "me");
        assert_eq!(c.linger_ms, 20);
        assert_eq!(c.delivery_timeout_ms, 60_000);
        assert_eq!(c.compression_type, Compression::Lz4);
        assert_eq!(c.buffer_memory, 1024 * 1024);
        assert_eq!(c.batch_num_messages, Some(100));
        assert_eq!(c.max_request_size, 2_000_000);
        assert_eq!(c.partitioner, PartitionerKind::Default);
        let c = cfg(&[("partitioner.class", "org.apache.kafka.clients.producer.RoundRobinPartitioner")]).unwrap();
        assert_eq!(c.partitioner, PartitionerKind::RoundRobin);
        assert_eq!(cfg(&[("partitioner", "random")]).unwrap().partitioner, PartitionerKind::Sticky);
    }

    #[test]
    fn bad_values_name_the_key() {
        let e = cfg(&[("acks", "2")]).unwrap_err();
        assert_eq!(e.code(), ErrorCode::INVALID_CONFIG_LOCAL);
        assert_eq!(e.message(), "configuration `acks`: expected one of 0, 1, all, -1, got \"2\"");
        let e = cfg(&[("request.required.acks", "two")]).unwrap_err();
        assert!(e.message().starts_with("configuration `request.required.acks`:"), "{e}");
        let e = cfg(&[("lingr.ms", "5")]).unwrap_err();
        assert_eq!(e.message(), "configuration `lingr.ms`: unknown configuration key");
        let e = cfg(&[("compression.type", "brotli")]).unwrap_err();
        assert!(e.message().contains("none, gzip, snappy, lz4, zstd"), "{e}");
        let e = cfg(&[("value.serializer", "org.apache.kafka.common.serialization.StringSerializer")]).unwrap_err();
        assert!(e.message().contains("bytes"), "{e}");
        let e = cfg(&[("linger.ms", "-5")]).unwrap_err();
        assert!(e.message().starts_with("configuration `linger.ms`"), "{e}");
    }

    #[test]
    fn idempotence_rules_follow_kafka() {
        // acks=1 without enable.idempotence: idempotence silently turns off (Kafka 3.2+).
        let c = cfg(&[("acks", "1")]).unwrap();
        assert!(!c.enable_idempotence);
        let c = cfg(&[("retries", "0")]).unwrap();
        assert!(!c.enable_idempotence);
        let c = cfg(&[("max.in.flight.requests.per.connection", "6")]).unwrap();
        assert!(!c.enable_idempotence);
        // Explicitly enabled: the conflicting key is named.
        let e = cfg(&[("enable.idempotence", "true"), ("acks", "1")]).unwrap_err();
        assert_eq!(e.message(), "configuration `acks`: must be all to use the idempotent producer, got 1");
        let e = cfg(&[("enable.idempotence", "true"), ("request.required.acks", "0")]).unwrap_err();
        assert!(e.message().starts_with("configuration `request.required.acks`"), "{e}");
        let e = cfg(&[("enable.idempotence", "true"), ("retries", "0")]).unwrap_err();
        assert!(e.message().starts_with("configuration `retries`"), "{e}");
        let e = cfg(&[("enable.idempotence", "true"), ("max.in.flight", "10")]).unwrap_err();
        assert!(e.message().starts_with("configuration `max.in.flight`"), "{e}");
        // Transactions need idempotence.
        let c = cfg(&[("transactional.id", "tx-1")]).unwrap();
        assert!(c.enable_idempotence);
        assert_eq!(c.transactional_id.as_deref(), Some("tx-1"));
        let e = cfg(&[("transactional.id", "tx-1"), ("enable.idempotence", "false")]).unwrap_err();
        assert!(e.message().starts_with("configuration `transactional.id`"), "{e}");
        let e = cfg(&[("transactional.id", "tx-1"), ("acks", "1")]).unwrap_err();
        assert!(e.message().starts_with("configuration `transactional.id`"), "{e}");
    }

    #[test]
    fn delivery_timeout_covers_linger_and_request_timeout() {
        let e = cfg(&[("delivery.timeout.ms", "1000")]).unwrap_err();
        assert_eq!(
            e.message(),
            "configuration `delivery.timeout.ms`: should be equal to or larger than linger.ms + request.timeout.ms \
             (5 + 30000 = 30005), got 1000"
        );
        let e = cfg(&[("message.timeout.ms", "1000")]).unwrap_err();
        assert!(e.message().starts_with("configuration `message.timeout.ms`"), "{e}");
        // Not set explicitly: the default grows to fit, as Kafka does.
        let c = cfg(&[("request.timeout.ms", "200000")]).unwrap();
        assert_eq!(c.delivery_timeout_ms, 200_005);
    }

    #[test]
    fn validate_checks_configs_built_in_code() {
        let c = ProducerConfig { acks: Acks::Leader, ..ProducerConfig::default() };
        assert!(c.validate().unwrap_err().message().starts_with("configuration `acks`"));
        let c = ProducerConfig { acks: Acks::Leader, enable_idempotence: false, ..ProducerConfig::default() };
        c.validate().unwrap();
        let c = ProducerConfig { delivery_timeout_ms: 10, ..ProducerConfig::default() };
        assert!(c.validate().is_err());
    }

    #[test]
    fn to_pairs_round_trips() {
        for c in [
            ProducerConfig::default(),
            cfg(&[
                ("acks", "0"),
                ("linger.ms", "0"),
                ("batch.num.messages", "9"),
                ("queue.buffering.max.messages", "7"),
            ])
            .unwrap(),
            cfg(&[("transactional.id", "t"), ("compression.type", "zstd"), ("partitioner", "consistent")]).unwrap(),
        ] {
            let back = ProducerConfig::from_pairs(c.to_pairs()).unwrap();
            assert_eq!(back, c);
        }
    }
}
