//! Admin client configuration: Kafka's `AdminClientConfig` keys and defaults.

use super::{pair, parse_int, set_common, unknown_key, ConnectionConfig};
use crate::error::{Error, Result};
use crate::protocol::Millis;

const INT_MAX: i64 = i32::MAX as i64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminConfig {
    pub bootstrap_servers: Vec<String>,
    pub client_id: String,
    /// TCP connection settings (`reconnect.backoff.ms`, ...).
    pub connection: ConnectionConfig,
    /// Deadline of one request to a broker.
    pub request_timeout_ms: Millis,
    /// Deadline of one admin call, retries included.
    pub default_api_timeout_ms: Millis,
    pub retry_backoff_ms: Millis,
    pub retry_backoff_max_ms: Millis,
    pub metadata_max_age_ms: Millis,
    pub retries: i32,
}

impl Default for AdminConfig {
    fn default() -> Self {
        AdminConfig {
            bootstrap_servers: Vec::new(),
            client_id: "kafkette".to_string(),
            connection: ConnectionConfig::default(),
            request_timeout_ms: 30_000,
            default_api_timeout_ms: 60_000,
            retry_backoff_ms: 100,
            retry_backoff_max_ms: 1_000,
            metadata_max_age_ms: 300_000,
            retries: i32::MAX,
        }
    }
}

impl AdminConfig {
    /// Builds a config from `(key, value)` pairs over Kafka's defaults. Later pairs win.
    pub fn from_pairs<I, K, V>(pairs: I) -> Result<Self>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut config = AdminConfig::default();
        for (k, v) in pairs {
            config.set(k.as_ref(), v.as_ref())?;
        }
        config.validate()?;
        Ok(config)
    }

    fn set(&mut self, key: &str, value: &str) -> Result<()> {
        if set_common(&mut self.bootstrap_servers, &mut self.client_id, &mut self.connection, key, value)? {
            return Ok(());
        }
        match key {
            "request.timeout.ms" => self.request_timeout_ms = parse_int(key, value, 0, INT_MAX)?,
            "default.api.timeout.ms" => self.default_api_timeout_ms = parse_int(key, value, 0, INT_MAX)?,
            "retry.backoff.ms" => self.retry_backoff_ms = parse_int(key, value, 0, i64::MAX)?,
            "retry.backoff.max.ms" => self.retry_backoff_max_ms = parse_int(key, value, 0, i64::MAX)?,
            "metadata.max.age.ms" => self.metadata_max_age_ms = parse_int(key, value, 0, i64::MAX)?,
            "retries" => self.retries = parse_int(key, value, 0, INT_MAX)?,
            _ => return Err(unknown_key(key)),
        }
        Ok(())
    }

    /// Kafka's rule: a call's deadline is at least one request's.
    pub fn validate(&self) -> Result<()> {
        if self.default_api_timeout_ms < self.request_timeout_ms {
            return Err(Error::config(
                "default.api.timeout.ms",
                format!(
                    "should be equal to or larger than request.timeout.ms ({}), got {}",
                    self.request_timeout_ms, self.default_api_timeout_ms
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
            pair("request.timeout.ms", self.request_timeout_ms),
            pair("default.api.timeout.ms", self.default_api_timeout_ms),
            pair("retry.backoff.ms", self.retry_backoff_ms),
            pair("retry.backoff.max.ms", self.retry_backoff_max_ms),
            pair("metadata.max.age.ms", self.metadata_max_age_ms),
            pair("retries", self.retries),
        ];
        out.extend(self.connection.to_pairs());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_defaults_and_errors() {
        let c = AdminConfig::from_pairs([("bootstrap.servers", "localhost:9092"), ("retries", "3")]).unwrap();
        assert_eq!(c.bootstrap_servers, vec!["localhost:9092"]);
        assert_eq!((c.retries, c.request_timeout_ms, c.default_api_timeout_ms), (3, 30_000, 60_000));
        let e = AdminConfig::from_pairs([("acks", "all")]).unwrap_err();
        assert_eq!(e.message(), "configuration `acks`: unknown configuration key");
        let e = AdminConfig::from_pairs([("default.api.timeout.ms", "1000")]).unwrap_err();
        assert!(e.message().starts_with("configuration `default.api.timeout.ms`"), "{e}");
        assert_eq!(AdminConfig::from_pairs(c.to_pairs()).unwrap(), c);
    }
}
