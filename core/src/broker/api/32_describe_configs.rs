// DescribeConfigs: v1-v4 (v0 is gone from Kafka 4 and from kafka-protocol 0.18)
// Behaviour (Kafka's ConfigHelper.describeConfigs):
// - Resources are answered in request order, each with its own error.
// - TOPIC (2): every topic key (`TopicConfig::entries`); an override has source DYNAMIC_TOPIC_CONFIG,
//   a default the source of its broker synonym: STATIC_BROKER_CONFIG when the broker was started
//   with a non-default value, else DEFAULT_CONFIG. read_only false. An invalid name:
//   INVALID_TOPIC_EXCEPTION; an unknown one: UNKNOWN_TOPIC_OR_PARTITION.
// - BROKER (4): the name must be the node id the connection reached (INVALID_REQUEST otherwise, a
//   non-integer too); every broker property we have (`BrokerConfig::entries`), STATIC_BROKER_CONFIG
//   or DEFAULT_CONFIG, read_only true (there is no AlterConfigs). An empty name describes the
//   dynamic cluster defaults: none.
// - Any other resource type: INVALID_REQUEST "Unsupported resource type".
// - configuration_keys: null means all; otherwise only the keys named (unknown keys are left out).
// - include_synonyms: the override (if any), the static broker value (if any), then the default,
//   most important first; otherwise no synonyms. Nothing is sensitive.
// Version notes:
// - v1+: include_synonyms. v3+: include_documentation, config_type; documentation is always null.
// - v4+: flexible versions.

use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::describe_configs_response::{
    DescribeConfigsResourceResult, DescribeConfigsResult, DescribeConfigsSynonym,
};
use kafka_protocol::messages::{DescribeConfigsRequest, DescribeConfigsResponse, ResponseKind};

use crate::error::ErrorCode;

use super::super::{topic, Broker, BrokerConfig, TopicConfig};
use super::{str_bytes, Outcome};

pub(super) const RESOURCE_TOPIC: i8 = 2;
pub(super) const RESOURCE_BROKER: i8 = 4;
/// Kafka's ConfigSource codes.
const SOURCE_DYNAMIC_TOPIC: i8 = 1;
const SOURCE_STATIC_BROKER: i8 = 4;
const SOURCE_DEFAULT: i8 = 5;

/// One entry before filtering: name, value, source, read_only, synonyms.
struct Entry {
    name: &'static str,
    value: String,
    source: i8,
    read_only: bool,
    synonyms: Vec<(&'static str, String, i8)>,
}

impl Broker {
    pub(super) fn handle_describe_configs(&mut self, version: i16, req: DescribeConfigsRequest, node: i32) -> Outcome {
        let results = req
            .resources
            .iter()
            .map(|r| {
                let result = DescribeConfigsResult::default()
                    .with_resource_type(r.resource_type)
                    .with_resource_name(r.resource_name.clone());
                match self.config_entries(r, node) {
                    Ok(entries) => result.with_configs(
                        entries
                            .into_iter()
                            .filter(|e| wanted(r, e.name))
                            .map(|e| to_wire(e, version, req.include_synonyms))
                            .collect(),
                    ),
                    Err((code, message)) => result.with_error_code(code.0).with_error_message(Some(str_bytes(message))),
                }
            })
            .collect();
        Outcome::Respond(ResponseKind::DescribeConfigs(DescribeConfigsResponse::default().with_results(results)))
    }

    fn config_entries(&self, r: &DescribeConfigsResource, node: i32) -> Result<Vec<Entry>, (ErrorCode, String)> {
        let name = r.resource_name.as_str();
        match r.resource_type {
            RESOURCE_TOPIC => {
                topic::validate_topic_name(name).map_err(|m| (ErrorCode::INVALID_TOPIC_EXCEPTION, m))?;
                let t = self.topics.get(name).ok_or_else(|| {
                    (ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, format!("The topic '{name}' does not exist."))
                })?;
                Ok(topic_entries(&self.config, t.config()))
            }
            RESOURCE_BROKER if name.is_empty() => Ok(Vec::new()),
            RESOURCE_BROKER => {
                let id: i32 = name.parse().map_err(|_| {
                    (ErrorCode::INVALID_REQUEST, format!("Broker id must be an integer, but it is: {name}"))
                })?;
                if id != node {
                    return Err((
                        ErrorCode::INVALID_REQUEST,
                        format!("Unexpected broker id, expected {node} or empty string, but received {name}"),
                    ));
                }
                Ok(broker_entries(&self.config))
            }
            other => Err((ErrorCode::INVALID_REQUEST, format!("Unsupported resource type: {other}"))),
        }
    }
}

fn wanted(r: &DescribeConfigsResource, name: &str) -> bool {
    r.configuration_keys.as_ref().is_none_or(|keys| keys.iter().any(|k| k.as_str() == name))
}

/// The broker property a topic key defaults to.
fn broker_synonym(key: &str) -> &'static str {
    match key {
        "cleanup.policy" => "log.cleanup.policy",
        "compression.type" => "compression.type",
        "max.message.bytes" => "message.max.bytes",
        "message.timestamp.type" => "log.message.timestamp.type",
        "min.insync.replicas" => "min.insync.replicas",
        "retention.bytes" => "log.retention.bytes",
        "retention.ms" => "log.retention.ms",
        "segment.bytes" => "log.segment.bytes",
        "segment.ms" => "log.roll.ms",
        _ => "",
    }
}

fn topic_entries(broker: &BrokerConfig, config: &TopicConfig) -> Vec<Entry> {
    let broker_static = broker.entries();
    let from_broker = TopicConfig::defaults(broker).entries();
    let defaults = TopicConfig::defaults(&BrokerConfig::default()).entries();
    config
        .entries()
        .into_iter()
        .enumerate()
        .map(|(i, (name, value, is_default))| {
            let synonym = broker_synonym(name);
            let is_static = broker_static.iter().any(|(k, _, d)| *k == synonym && !d);
            let mut synonyms = Vec::new();
            if !is_default {
                synonyms.push((name, value.clone(), SOURCE_DYNAMIC_TOPIC));
            }
            if is_static {
                let v = from_broker.get(i).map(|e| e.1.clone()).unwrap_or_default();
                synonyms.push((synonym, v, SOURCE_STATIC_BROKER));
            }
            let default = defaults.get(i).map(|e| e.1.clone()).unwrap_or_default();
            synonyms.push((synonym, default, SOURCE_DEFAULT));
            let source = if !is_default {
                SOURCE_DYNAMIC_TOPIC
            } else if is_static {
                SOURCE_STATIC_BROKER
            } else {
                SOURCE_DEFAULT
            };
            Entry { name, value, source, read_only: false, synonyms }
        })
        .collect()
}

fn broker_entries(broker: &BrokerConfig) -> Vec<Entry> {
    let defaults = BrokerConfig::default().entries();
    broker
        .entries()
        .into_iter()
        .enumerate()
        .map(|(i, (name, value, is_default))| {
            let mut synonyms = Vec::new();
            if !is_default {
                synonyms.push((name, value.clone(), SOURCE_STATIC_BROKER));
            }
            synonyms.push((name, defaults.get(i).map(|e| e.1.clone()).unwrap_or_default(), SOURCE_DEFAULT));
            let source = if is_default { SOURCE_DEFAULT } else { SOURCE_STATIC_BROKER };
            Entry { name, value, source, read_only: true, synonyms }
        })
        .collect()
}

/// Kafka's ConfigType codes: BOOLEAN 1, STRING 2, INT 3, SHORT 4, LONG 5, LIST 7.
fn config_type(name: &str) -> i8 {
    match name {
        "auto.create.topics.enable" => 1,
        "compression.type" | "message.timestamp.type" | "log.message.timestamp.type" => 2,
        "cleanup.policy" => 7,
        "retention.bytes"
        | "retention.ms"
        | "segment.ms"
        | "log.retention.bytes"
        | "log.retention.ms"
        | "log.retention.check.interval.ms" => 5,
        _ => 3,
    }
}

fn to_wire(e: Entry, version: i16, include_synonyms: bool) -> DescribeConfigsResourceResult {
    let synonyms = if include_synonyms {
        e.synonyms
            .into_iter()
            .map(|(name, value, source)| {
                DescribeConfigsSynonym::default()
                    .with_name(str_bytes(name))
                    .with_value(Some(str_bytes(value)))
                    .with_source(source)
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut r = DescribeConfigsResourceResult::default()
        .with_name(str_bytes(e.name))
        .with_value(Some(str_bytes(e.value)))
        .with_read_only(e.read_only)
        .with_config_source(e.source)
        .with_is_sensitive(false)
        .with_synonyms(synonyms)
        .with_documentation(None);
    if version >= 3 {
        r.config_type = config_type(e.name);
    }
    r
}

pub(super) fn error_response(req: &DescribeConfigsRequest, code: ErrorCode) -> DescribeConfigsResponse {
    let results = req
        .resources
        .iter()
        .map(|r| {
            DescribeConfigsResult::default()
                .with_error_code(code.0)
                .with_resource_type(r.resource_type)
                .with_resource_name(r.resource_name.clone())
        })
        .collect();
    DescribeConfigsResponse::default().with_results(results)
}
