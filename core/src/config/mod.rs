//! Client configuration: the producer, consumer and admin settings under Apache
//! Kafka's own property names, with librdkafka's aliases that confluent-kafka users
//! type accepted where they mean the same thing.
//!
//! Each config is built from string pairs (`from_pairs`), starts from Kafka's
//! defaults (`Default`), and rejects unknown keys and bad values with
//! [`Error::config`] naming the key. `to_pairs` gives the canonical view back.
//! Broker and topic configs live in `broker/`, not here.

pub mod admin;
pub mod consumer;
pub mod producer;

pub use admin::AdminConfig;
pub use consumer::{AssignorKind, ConsumerConfig, IsolationLevel, OffsetReset};
pub use producer::{Acks, Compression, PartitionerKind, ProducerConfig};

use std::fmt::Display;

use crate::error::{Error, Result};
use crate::protocol::Millis;

/// How a client connects to brokers over TCP, under Kafka's names and defaults
/// (shared by producer, consumer and admin; in-process clients ignore it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionConfig {
    /// `reconnect.backoff.ms`: wait before reconnecting to a broker, doubling per failure.
    pub reconnect_backoff_ms: Millis,
    /// `reconnect.backoff.max.ms`: the cap of that doubling.
    pub reconnect_backoff_max_ms: Millis,
    /// `socket.connection.setup.timeout.ms`: a connection (TCP and ApiVersions) not ready by then fails.
    pub socket_connection_setup_timeout_ms: Millis,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        ConnectionConfig {
            reconnect_backoff_ms: 50,
            reconnect_backoff_max_ms: 1_000,
            socket_connection_setup_timeout_ms: 10_000,
        }
    }
}

impl ConnectionConfig {
    fn to_pairs(self) -> [(String, String); 3] {
        [
            pair("reconnect.backoff.ms", self.reconnect_backoff_ms),
            pair("reconnect.backoff.max.ms", self.reconnect_backoff_max_ms),
            pair("socket.connection.setup.timeout.ms", self.socket_connection_setup_timeout_ms),
        ]
    }
}

/// An alias table: `(alias, canonical key)`. Aliases resolve before matching, so an
/// error names the key the user typed while the value lands in the canonical field.
pub type Aliases = &'static [(&'static str, &'static str)];

/// The canonical key for `key` (itself when it is not an alias).
pub fn canonical(key: &str, aliases: Aliases) -> &str {
    aliases.iter().find(|(alias, _)| *alias == key).map(|(_, canon)| *canon).unwrap_or(key)
}

/// The error for a key no config knows.
pub fn unknown_key(key: &str) -> Error {
    Error::config(key, "unknown configuration key")
}

/// `true` or `false` (case-insensitive, as Kafka's `ConfigDef` parses booleans).
pub fn parse_bool(key: &str, value: &str) -> Result<bool> {
    match value.trim() {
        v if v.eq_ignore_ascii_case("true") => Ok(true),
        v if v.eq_ignore_ascii_case("false") => Ok(false),
        v => Err(Error::config(key, format!("expected true or false, got {v:?}"))),
    }
}

/// An integer within `min..=max`, converted to the field's type.
pub fn parse_int<T>(key: &str, value: &str, min: i64, max: i64) -> Result<T>
where
    T: TryFrom<i64>,
{
    let v = value.trim();
    let range = || match (min, max) {
        (i64::MIN, i64::MAX) => "an integer".to_string(),
        (min, i64::MAX) => format!("an integer >= {min}"),
        (min, max) => format!("an integer between {min} and {max}"),
    };
    let n: i64 = v.parse().map_err(|_| Error::config(key, format!("expected {}, got {v:?}", range())))?;
    if n < min || n > max {
        return Err(Error::config(key, format!("expected {}, got {v:?}", range())));
    }
    T::try_from(n).map_err(|_| Error::config(key, format!("expected {}, got {v:?}", range())))
}

/// One of a fixed set of names (case-insensitive). The message lists the first
/// spelling of each choice, in table order.
pub fn parse_enum<T: Copy>(key: &str, value: &str, choices: &[(&str, T)]) -> Result<T> {
    let v = value.trim();
    choices.iter().find(|(name, _)| name.eq_ignore_ascii_case(v)).map(|(_, t)| *t).ok_or_else(|| {
        let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
        Error::config(key, format!("expected one of {}, got {v:?}", names.join(", ")))
    })
}

/// A comma separated list; blanks around items and empty items are dropped.
pub fn parse_list(value: &str) -> Vec<String> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// The string a config gives back for `to_pairs`.
fn pair(key: &str, value: impl Display) -> (String, String) {
    (key.to_string(), value.to_string())
}

/// Rejects serializer settings: the Java client takes classes there, kafkette takes bytes.
fn reject_serde(key: &str) -> Error {
    Error::config(key, "kafkette takes keys and values as bytes; serialize in the application, not in the client")
}

/// Applies a key every client shares; `Ok(false)` when `key` is not one of them.
/// `socket.timeout.ms` and `debug` are librdkafka settings accepted for
/// compatibility; they are checked and have no effect here.
fn set_common(
    bootstrap_servers: &mut Vec<String>,
    client_id: &mut String,
    connection: &mut ConnectionConfig,
    key: &str,
    value: &str,
) -> Result<bool> {
    match key {
        "reconnect.backoff.ms" => connection.reconnect_backoff_ms = parse_int(key, value, 0, i32::MAX as i64)?,
        "reconnect.backoff.max.ms" => connection.reconnect_backoff_max_ms = parse_int(key, value, 0, i32::MAX as i64)?,
        "socket.connection.setup.timeout.ms" => {
            connection.socket_connection_setup_timeout_ms = parse_int(key, value, 1, i32::MAX as i64)?
        }
        "bootstrap.servers" | "metadata.broker.list" => *bootstrap_servers = parse_list(value),
        "client.id" => *client_id = value.trim().to_string(),
        "socket.timeout.ms" => {
            parse_int::<i64>(key, value, 10, 300_000)?;
        }
        "debug" => {}
        _ => return Ok(false),
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn helpers_name_the_key_and_the_problem() {
        assert!(parse_bool("enable.idempotence", "TRUE").unwrap());
        let e = parse_bool("enable.idempotence", "yes").unwrap_err();
        assert_eq!(e.code(), ErrorCode::INVALID_CONFIG_LOCAL);
        assert_eq!(e.message(), "configuration `enable.idempotence`: expected true or false, got \"yes\"");

        assert_eq!(parse_int::<i32>("retries", " 7 ", 0, i32::MAX as i64).unwrap(), 7);
        let e = parse_int::<i64>("linger.ms", "-1", 0, i64::MAX).unwrap_err();
        assert_eq!(e.message(), "configuration `linger.ms`: expected an integer >= 0, got \"-1\"");
        let e = parse_int::<i32>("retries", "lots", 0, 10).unwrap_err();
        assert_eq!(e.message(), "configuration `retries`: expected an integer between 0 and 10, got \"lots\"");

        let e = parse_enum("x", "c", &[("a", 1), ("b", 2)]).unwrap_err();
        assert_eq!(e.message(), "configuration `x`: expected one of a, b, got \"c\"");
        assert_eq!(parse_list(" a:1, ,b:2,"), vec!["a:1", "b:2"]);
        assert!(parse_list("").is_empty());
    }
}
