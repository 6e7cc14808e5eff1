// CreateTopics: v2-v7
// Behaviour:
// - Topics are created in request order; each gets its own result.
// - Name: Kafka's rules ([a-zA-Z0-9._-], 1..249 chars, not "." or "..") else INVALID_TOPIC_EXCEPTION;
//   a name differing from an existing one only by '.' versus '_' collides (INVALID_TOPIC_EXCEPTION);
//   the internal topics __consumer_offsets and __transaction_state cannot be created by clients
//   (INVALID_REQUEST); a name given twice in one request fails every time (INVALID_REQUEST).
// - num_partitions: -1 means num.partitions; 0, below -1 or above topic_partitions_max: INVALID_PARTITIONS.
// - replication_factor: -1 or 1; anything else INVALID_REPLICATION_FACTOR (one broker).
// - Manual assignments: only with num_partitions = replication_factor = -1 (else INVALID_REQUEST);
//   partitions 0..n each on [this node] (else INVALID_REPLICA_ASSIGNMENT).
// - Configs parse to a TopicConfig; unknown key, bad or null value: INVALID_CONFIG naming the key.
// - An existing name: TOPIC_ALREADY_EXISTS. validate_only checks everything and creates nothing.
// - More than request_topics_max topics: INVALID_REQUEST for all of them.
// - timeout_ms is ignored: creation is synchronous.
// Version notes:
// - v5+: num_partitions, replication_factor and configs (all of the topic's entries) in the result;
//   on error -1, -1 and null.
// - v7+: topic_id. error_message is null on success.

use std::collections::BTreeMap;

use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::create_topics_response::{CreatableTopicConfigs, CreatableTopicResult};
use kafka_protocol::messages::{CreateTopicsRequest, CreateTopicsResponse, ResponseKind};

use crate::error::ErrorCode;

use super::super::{topic, Broker, TopicConfig};
use super::{str_bytes, to_uuid, Outcome};

/// Kafka's ConfigSource codes.
const CONFIG_SOURCE_DYNAMIC_TOPIC: i8 = 1;
const CONFIG_SOURCE_DEFAULT: i8 = 5;
const INVALID_REPLICA_ASSIGNMENT: ErrorCode = ErrorCode(39);
const INTERNAL_TOPICS: &[&str] = &["__consumer_offsets", "__transaction_state"];

type Checked = Result<(i32, TopicConfig), (ErrorCode, String)>;

impl Broker {
    pub(super) fn handle_create_topics(&mut self, version: i16, req: CreateTopicsRequest) -> Outcome {
        if req.topics.len() > self.config.request_topics_max {
            let mut resp = error_response(&req, ErrorCode::INVALID_REQUEST);
            for t in &mut resp.topics {
                t.error_message =
                    Some(str_bytes(format!("a request may create at most {} topics", self.config.request_topics_max)));
            }
            return Outcome::Respond(ResponseKind::CreateTopics(resp));
        }
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for t in &req.topics {
            *counts.entry(t.name.0.as_str()).or_default() += 1;
        }
        let mut results = Vec::with_capacity(req.topics.len());
        for t in &req.topics {
            let name = t.name.0.as_str();
            let checked = if counts.get(name).copied().unwrap_or(0) > 1 {
                Err((ErrorCode::INVALID_REQUEST, format!("Create topics request contains duplicate topic {name}")))
            } else {
                self.check_creatable(t)
            };
            let mut r = CreatableTopicResult::default().with_name(t.name.clone()).with_error_message(None);
            match checked {
                Err((code, message)) => {
                    r.error_code = code.0;
                    r.error_message = Some(str_bytes(message));
                    r.configs = None;
                }
                Ok((partitions, config)) => {
                    if !req.validate_only {
                        self.create_topic(name, partitions, config.clone());
                    }
                    if version >= 5 {
                        r.num_partitions = partitions;
                        r.replication_factor = 1;
                        r.configs = Some(config_entries(&config));
                    }
                    if version >= 7 && !req.validate_only {
                        r.topic_id = to_uuid(self.topics.get(name).map(|t| t.id()).unwrap_or_default());
                    }
                }
            }
            results.push(r);
        }
        Outcome::Respond(ResponseKind::CreateTopics(CreateTopicsResponse::default().with_topics(results)))
    }

    fn check_creatable(&self, t: &CreatableTopic) -> Checked {
        let name = t.name.0.as_str();
        topic::validate_topic_name(name).map_err(|m| (ErrorCode::INVALID_TOPIC_EXCEPTION, m))?;
        if INTERNAL_TOPICS.contains(&name) {
            return Err((ErrorCode::INVALID_REQUEST, format!("Creation of internal topic {name} is prohibited.")));
        }
        if self.topics.contains_key(name) {
            return Err((ErrorCode::TOPIC_ALREADY_EXISTS, format!("Topic '{name}' already exists.")));
        }
        let key = topic::collision_key(name);
        if let Some(other) = self.topics.keys().find(|n| topic::collision_key(n) == key) {
            return Err((
                ErrorCode::INVALID_TOPIC_EXCEPTION,
                format!("Topic '{name}' collides with existing topic: {other}"),
            ));
        }
        let max = self.config.topic_partitions_max;
        let partitions = if !t.assignments.is_empty() {
            if t.num_partitions != -1 || t.replication_factor != -1 {
                return Err((
                    ErrorCode::INVALID_REQUEST,
                    "Both numPartitions or replicationFactor and replicasAssignments were set.".to_string(),
                ));
            }
            let node = self.config.node_id;
            let mut indexes: Vec<i32> = t.assignments.iter().map(|a| a.partition_index).collect();
            indexes.sort_unstable();
            let consecutive = indexes.iter().enumerate().all(|(i, p)| *p == i as i32);
            let on_us = t.assignments.iter().all(|a| a.broker_ids.len() == 1 && a.broker_ids[0].0 == node);
            if !consecutive || !on_us {
                return Err((
                    INVALID_REPLICA_ASSIGNMENT,
                    format!("partitions must be 0..n, each with the single replica {node}"),
                ));
            }
            indexes.len() as i32
        } else {
            match t.num_partitions {
                -1 => self.config.num_partitions,
                n if n <= 0 => {
                    return Err((ErrorCode::INVALID_PARTITIONS, "Number of partitions must be larger than 0.".into()))
                }
                n => n,
            }
        };
        if partitions > max {
            return Err((ErrorCode::INVALID_PARTITIONS, format!("Number of partitions is above the limit of {max}.")));
        }
        match t.replication_factor {
            -1 | 1 => {}
            rf if rf <= 0 => {
                return Err((
                    ErrorCode::INVALID_REPLICATION_FACTOR,
                    "Replication factor must be larger than 0, or -1 to use the default value.".into(),
                ))
            }
            rf => {
                return Err((
                    ErrorCode::INVALID_REPLICATION_FACTOR,
                    format!("Unable to replicate the partition {rf} time(s): The target replication factor of {rf} cannot be reached because only 1 broker(s) are registered."),
                ))
            }
        }
        let pairs = t.configs.iter().map(|c| (c.name.as_str(), c.value.as_ref().map(|v| v.as_str())));
        let config = TopicConfig::from_pairs(&self.config, pairs).map_err(|e| (e.code(), e.message().to_string()))?;
        Ok((partitions, config))
    }
}

fn config_entries(config: &TopicConfig) -> Vec<CreatableTopicConfigs> {
    config
        .entries()
        .into_iter()
        .map(|(key, value, is_default)| {
            CreatableTopicConfigs::default()
                .with_name(str_bytes(key))
                .with_value(Some(str_bytes(value)))
                .with_config_source(if is_default { CONFIG_SOURCE_DEFAULT } else { CONFIG_SOURCE_DYNAMIC_TOPIC })
        })
        .collect()
}

pub(super) fn error_response(req: &CreateTopicsRequest, code: ErrorCode) -> CreateTopicsResponse {
    let topics = req
        .topics
        .iter()
        .map(|t| {
            CreatableTopicResult::default()
                .with_name(t.name.clone())
                .with_error_code(code.0)
                .with_error_message(None)
                .with_configs(None)
        })
        .collect();
    CreateTopicsResponse::default().with_topics(topics)
}
