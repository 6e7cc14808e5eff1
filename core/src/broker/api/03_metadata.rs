// Metadata: v1-v12
// Behaviour:
// - Brokers: every node (`BrokerConfig::nodes`, else this one) with its advertised host and port;
//   controller = the first; cluster id from config.
// - topics null: every topic, in name order; empty list: none; otherwise the named ones in
//   request order, duplicates once.
// - An unknown name is created (num.partitions) when both the request (v4+) and
//   auto.create.topics.enable allow it; creation is synchronous, so the topic comes back
//   complete rather than LEADER_NOT_AVAILABLE. Else UNKNOWN_TOPIC_OR_PARTITION.
//   An invalid name gets INVALID_TOPIC_EXCEPTION; more than request_topics_max names to
//   create gets INVALID_REQUEST for the ones beyond.
// - Partitions: leader = replicas = isr = [the leading node] (`Broker::leader`), leader epoch 0, no
//   offline replicas.
// - A topic asked by id (v10+, null name) is looked up by id; unknown: UNKNOWN_TOPIC_ID.
// - Authorized operations (v8+) when asked: everything (there are no ACLs).
// Version notes:
// - v1+: controller_id, is_internal, rack; an empty topic list means none (null means all).
// - v2+: cluster_id. v4+: allow_auto_topic_creation (v1-v3 always allow). v7+: leader_epoch.
// - v8-v10: cluster_authorized_operations; v8+: topic_authorized_operations (only set when asked,
//   since encoding rejects a non-default value at versions without the field).
// - v9+: flexible versions. v10+: topic ids.

use kafka_protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::{BrokerId, MetadataRequest, MetadataResponse, ResponseKind, TopicName};

use crate::error::ErrorCode;

use super::super::{topic, Broker};
use super::{from_uuid, str_bytes, to_uuid, Outcome};

/// Kafka's AclOperation codes: READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8,
/// DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11.
const TOPIC_OPERATIONS: i32 = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 10) | (1 << 11);
/// CREATE 5, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12.
pub(super) const CLUSTER_OPERATIONS: i32 =
    (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);

impl Broker {
    pub(super) fn handle_metadata(&mut self, version: i16, req: MetadataRequest) -> Outcome {
        let nodes = self.nodes();
        let controller = nodes.first().map_or(self.config.node_id, |n| n.0);
        let brokers = nodes
            .into_iter()
            .map(|(id, host, port)| {
                MetadataResponseBroker::default().with_node_id(BrokerId(id)).with_host(str_bytes(host)).with_port(port)
            })
            .collect();
        let mut resp = MetadataResponse::default()
            .with_brokers(brokers)
            .with_cluster_id(Some(str_bytes(self.config.cluster_id.clone())))
            .with_controller_id(BrokerId(controller));
        if (8..=10).contains(&version) && req.include_cluster_authorized_operations {
            resp.cluster_authorized_operations = CLUSTER_OPERATIONS;
        }
        let allow_create = self.config.auto_create_topics_enable && (version < 4 || req.allow_auto_topic_creation);
        let ops = version >= 8 && req.include_topic_authorized_operations;

        let mut topics = Vec::new();
        match req.topics {
            None => {
                for (name, t) in &self.topics {
                    topics.push(self.topic_metadata(version, name, t.id(), ops));
                }
            }
            Some(wanted) => {
                let mut seen = std::collections::BTreeSet::new();
                let mut created = 0usize;
                for w in wanted {
                    let Some(name) = w.name.map(|n| n.0.to_string()) else {
                        let id = from_uuid(w.topic_id);
                        let found = self.topics.iter().find(|(_, t)| t.id() == id).map(|(n, _)| n.clone());
                        match found {
                            Some(name) if seen.insert(name.clone()) => {
                                topics.push(self.topic_metadata(version, &name, id, ops))
                            }
                            Some(_) => {}
                            None => topics.push(
                                MetadataResponseTopic::default()
                                    .with_error_code(ErrorCode::UNKNOWN_TOPIC_ID.0)
                                    .with_name(None)
                                    .with_topic_id(w.topic_id),
                            ),
                        }
                        continue;
                    };
                    if !seen.insert(name.clone()) {
                        continue;
                    }
                    if !self.topics.contains_key(&name) {
                        let code = if topic::validate_topic_name(&name).is_err() {
                            ErrorCode::INVALID_TOPIC_EXCEPTION
                        } else if !allow_create {
                            ErrorCode::UNKNOWN_TOPIC_OR_PARTITION
                        } else if created >= self.config.request_topics_max {
                            ErrorCode::INVALID_REQUEST
                        } else {
                            created += 1;
                            self.auto_create_topic(&name)
                        };
                        if code.is_error() {
                            topics.push(error_topic(&name, code));
                            continue;
                        }
                    }
                    let id = self.topics.get(&name).map(|t| t.id()).unwrap_or_default();
                    topics.push(self.topic_metadata(version, &name, id, ops));
                }
            }
        }
        resp.topics = topics;
        Outcome::Respond(ResponseKind::Metadata(resp))
    }

    fn topic_metadata(&self, version: i16, name: &str, id: [u8; 16], ops: bool) -> MetadataResponseTopic {
        let n = self.topics.get(name).map_or(0, |t| t.num_partitions());
        let partitions = (0..n)
            .map(|i| {
                let node = BrokerId(self.leader(name, i));
                MetadataResponsePartition::default()
                    .with_partition_index(i)
                    .with_leader_id(node)
                    .with_leader_epoch(super::super::LEADER_EPOCH)
                    .with_replica_nodes(vec![node])
                    .with_isr_nodes(vec![node])
            })
            .collect();
        let mut t = MetadataResponseTopic::default()
            .with_name(Some(TopicName(str_bytes(name))))
            .with_is_internal(matches!(name, "__transaction_state" | "__consumer_offsets"))
            .with_partitions(partitions);
        if version >= 10 {
            t.topic_id = to_uuid(id);
        }
        if ops {
            t.topic_authorized_operations = TOPIC_OPERATIONS;
        }
        t
    }
}

fn error_topic(name: &str, code: ErrorCode) -> MetadataResponseTopic {
    MetadataResponseTopic::default().with_error_code(code.0).with_name(Some(TopicName(str_bytes(name))))
}

pub(super) fn error_response(req: &MetadataRequest, code: ErrorCode) -> MetadataResponse {
    let topics = req
        .topics
        .iter()
        .flatten()
        .map(|t| {
            MetadataResponseTopic::default().with_error_code(code.0).with_name(t.name.clone()).with_topic_id(t.topic_id)
        })
        .collect();
    MetadataResponse::default().with_topics(topics)
}
