// CreatePartitions: v0-v3
// Behaviour (Kafka's ControllerApis and ReplicationControlManager.createPartitions):
// - Each topic grows to `count` partitions; new partitions start empty and their leaders are spread
//   over the nodes like the first ones (`Broker::leader`, one partition to the next node).
// - A topic named twice in one request: INVALID_REQUEST for it ("Duplicate topic name.").
// - Unknown topic: UNKNOWN_TOPIC_OR_PARTITION. count below the current one or equal to it:
//   INVALID_PARTITIONS with Kafka's message; above topic_partitions_max: INVALID_PARTITIONS.
// - Assignments (optional): one per new partition, each a non-empty list of distinct, known node
//   ids with one replica (every partition here has one); otherwise INVALID_REPLICA_ASSIGNMENT
//   naming the problem. Valid assignments are accepted, but the leader stays the node
//   `Broker::leader` picks (there is no per-partition placement).
// - validate_only: everything is checked and nothing changes.
// - timeout_ms is ignored: creation is synchronous.
// Version notes:
// - v2+: flexible versions. No field differs between versions.

use std::collections::{BTreeMap, BTreeSet};

use kafka_protocol::messages::create_partitions_request::CreatePartitionsTopic;
use kafka_protocol::messages::create_partitions_response::CreatePartitionsTopicResult;
use kafka_protocol::messages::{CreatePartitionsRequest, CreatePartitionsResponse, ResponseKind};

use crate::error::ErrorCode;

use super::super::Broker;
use super::{str_bytes, Outcome};

const INVALID_REPLICA_ASSIGNMENT: ErrorCode = ErrorCode(39);

impl Broker {
    pub(super) fn handle_create_partitions(&mut self, req: CreatePartitionsRequest) -> Outcome {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for t in &req.topics {
            *counts.entry(t.name.0.as_str()).or_default() += 1;
        }
        let mut results = Vec::with_capacity(req.topics.len());
        for t in &req.topics {
            let name = t.name.0.as_str();
            let checked = if counts.get(name).copied().unwrap_or(0) > 1 {
                Err((ErrorCode::INVALID_REQUEST, "Duplicate topic name.".to_string()))
            } else {
                self.check_new_partitions(t)
            };
            let mut r = CreatePartitionsTopicResult::default().with_name(t.name.clone());
            match checked {
                Ok(()) => {
                    if !req.validate_only {
                        if let Some(topic) = self.topics.get_mut(name) {
                            topic.grow_partitions(t.count);
                        }
                    }
                }
                Err((code, message)) => {
                    r.error_code = code.0;
                    r.error_message = Some(str_bytes(message));
                }
            }
            results.push(r);
        }
        Outcome::Respond(ResponseKind::CreatePartitions(CreatePartitionsResponse::default().with_results(results)))
    }

    fn check_new_partitions(&self, t: &CreatePartitionsTopic) -> Result<(), (ErrorCode, String)> {
        let name = t.name.0.as_str();
        let Some(topic) = self.topics.get(name) else {
            return Err((ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, format!("Topic '{name}' does not exist.")));
        };
        let current = topic.num_partitions();
        if t.count < current {
            return Err((
                ErrorCode::INVALID_PARTITIONS,
                format!("The topic {name} currently has {current} partition(s); {} would not be an increase.", t.count),
            ));
        }
        if t.count == current {
            return Err((ErrorCode::INVALID_PARTITIONS, format!("Topic already has {current} partition(s).")));
        }
        let max = self.config.topic_partitions_max;
        if t.count > max {
            return Err((ErrorCode::INVALID_PARTITIONS, format!("Number of partitions is above the limit of {max}.")));
        }
        let Some(assignments) = &t.assignments else {
            return Ok(());
        };
        let adding = t.count - current;
        if assignments.len() as i64 != adding as i64 {
            return Err((
                INVALID_REPLICA_ASSIGNMENT,
                format!(
                    "Attempted to add {adding} additional partition(s), but only {} assignment(s) were specified.",
                    assignments.len()
                ),
            ));
        }
        let known: BTreeSet<i32> = self.nodes().into_iter().map(|n| n.0).collect();
        for a in assignments {
            if a.broker_ids.is_empty() {
                return Err((
                    INVALID_REPLICA_ASSIGNMENT,
                    "The manual partition assignment includes an empty replica list.".to_string(),
                ));
            }
            let mut seen = BTreeSet::new();
            for b in &a.broker_ids {
                if !known.contains(&b.0) {
                    return Err((
                        INVALID_REPLICA_ASSIGNMENT,
                        format!(
                            "The manual partition assignment includes broker {}, but no such broker is registered.",
                            b.0
                        ),
                    ));
                }
                if !seen.insert(b.0) {
                    return Err((
                        INVALID_REPLICA_ASSIGNMENT,
                        format!("The manual partition assignment includes the broker {} more than once.", b.0),
                    ));
                }
            }
            if a.broker_ids.len() != 1 {
                return Err((
                    INVALID_REPLICA_ASSIGNMENT,
                    format!(
                        "The manual partition assignment includes a partition with {} replica(s), but this is not \
                         consistent with previous partitions, which have 1 replica(s).",
                        a.broker_ids.len()
                    ),
                ));
            }
        }
        Ok(())
    }
}

pub(super) fn error_response(req: &CreatePartitionsRequest, code: ErrorCode) -> CreatePartitionsResponse {
    let results = req
        .topics
        .iter()
        .map(|t| CreatePartitionsTopicResult::default().with_name(t.name.clone()).with_error_code(code.0))
        .collect();
    CreatePartitionsResponse::default().with_results(results)
}
