// OffsetFetch: v1-v8
// Behaviour:
// - NOT_COORDINATOR on a node other than `coordinator_node(group_id)` (an empty group id is
//   allowed, as in Kafka).
// - The committed offset of each partition asked for, with its metadata and leader epoch; -1 with
//   NONE for a partition without one (unknown groups and topics included). Null topics (v2+) mean
//   every partition the group has an offset for.
// - require_stable (v7+): a partition with offsets staged by an open transaction answers
//   UNSTABLE_OFFSET_COMMIT (the client retries); without it the last committed offset is returned.
// Version notes:
// - v1: errors on the partitions only. v2+: a top-level error_code, null topics. v3+:
//   throttle_time_ms. v5+: committed_leader_epoch. v6+: flexible. v7+: require_stable.
// - v8+: a batch of groups, each with its topics and error.

use kafka_protocol::messages::offset_fetch_response::{
    OffsetFetchResponseGroup, OffsetFetchResponsePartition, OffsetFetchResponsePartitions, OffsetFetchResponseTopic,
    OffsetFetchResponseTopics,
};
use kafka_protocol::messages::{GroupId, OffsetFetchRequest, OffsetFetchResponse, ResponseKind, TopicName};

use crate::error::ErrorCode;

use super::super::Broker;
use super::{str_bytes, Outcome};

/// One partition's answer: `(partition, offset, leader epoch, metadata, error)`.
type Row = (i32, i64, i32, Option<String>, ErrorCode);

impl Broker {
    pub(super) fn handle_offset_fetch(&mut self, version: i16, req: OffsetFetchRequest, node: i32) -> Outcome {
        let stable = version >= 7 && req.require_stable;
        if version >= 8 {
            let groups = req
                .groups
                .iter()
                .map(|g| {
                    let topics = g.topics.as_ref().map(|ts| {
                        ts.iter().map(|t| (t.name.0.to_string(), t.partition_indexes.clone())).collect::<Vec<_>>()
                    });
                    let (e, rows) = self.fetch_offsets(node, &g.group_id.0, topics, stable);
                    let topics = rows
                        .into_iter()
                        .map(|(name, parts)| {
                            let partitions = parts
                                .into_iter()
                                .map(|(i, o, ep, m, e)| {
                                    OffsetFetchResponsePartitions::default()
                                        .with_partition_index(i)
                                        .with_committed_offset(o)
                                        .with_committed_leader_epoch(ep)
                                        .with_metadata(m.map(str_bytes))
                                        .with_error_code(e.0)
                                })
                                .collect();
                            OffsetFetchResponseTopics::default()
                                .with_name(TopicName(str_bytes(name)))
                                .with_partitions(partitions)
                        })
                        .collect();
                    OffsetFetchResponseGroup::default()
                        .with_group_id(g.group_id.clone())
                        .with_topics(topics)
                        .with_error_code(e.0)
                })
                .collect();
            return Outcome::Respond(ResponseKind::OffsetFetch(OffsetFetchResponse::default().with_groups(groups)));
        }
        let topics = req
            .topics
            .as_ref()
            .map(|ts| ts.iter().map(|t| (t.name.0.to_string(), t.partition_indexes.clone())).collect());
        let (e, rows) = self.fetch_offsets(node, &req.group_id.0, topics, stable);
        let topics = rows
            .into_iter()
            .map(|(name, parts)| {
                let partitions = parts
                    .into_iter()
                    .map(|(i, o, ep, m, pe)| {
                        // v1 has no top-level error: it goes on each partition.
                        let pe = if version < 2 && e != ErrorCode::NONE { e } else { pe };
                        OffsetFetchResponsePartition::default()
                            .with_partition_index(i)
                            .with_committed_offset(o)
                            .with_committed_leader_epoch(if version >= 5 { ep } else { -1 })
                            .with_metadata(m.map(str_bytes))
                            .with_error_code(pe.0)
                    })
                    .collect();
                OffsetFetchResponseTopic::default().with_name(TopicName(str_bytes(name))).with_partitions(partitions)
            })
            .collect();
        let top = if version >= 2 { e.0 } else { 0 };
        Outcome::Respond(ResponseKind::OffsetFetch(
            OffsetFetchResponse::default().with_topics(topics).with_error_code(top),
        ))
    }

    /// One group's offsets: its error and the rows per topic (`None` topics: all committed).
    #[allow(clippy::type_complexity)]
    fn fetch_offsets(
        &self,
        node: i32,
        group_id: &str,
        topics: Option<Vec<(String, Vec<i32>)>>,
        stable: bool,
    ) -> (ErrorCode, Vec<(String, Vec<Row>)>) {
        let e = self.group_error(node, group_id, false);
        let topics = match topics {
            Some(t) => t,
            None if e != ErrorCode::NONE => Vec::new(),
            None => {
                let mut all: Vec<(String, Vec<i32>)> = Vec::new();
                for (t, p) in self.groups.committed_partitions(group_id) {
                    match all.last_mut() {
                        Some(last) if last.0 == t => last.1.push(p),
                        _ => all.push((t, vec![p])),
                    }
                }
                all
            }
        };
        let rows = topics
            .into_iter()
            .map(|(t, parts)| {
                let rows = parts
                    .into_iter()
                    .map(|p| {
                        if e != ErrorCode::NONE {
                            return (p, -1, -1, Some(String::new()), e);
                        }
                        match self.groups.offset(group_id, &(t.clone(), p)) {
                            (_, true) if stable => (p, -1, -1, Some(String::new()), ErrorCode::UNSTABLE_OFFSET_COMMIT),
                            (Some(o), _) => (p, o.offset, o.leader_epoch, Some(o.metadata.clone()), ErrorCode::NONE),
                            (None, _) => (p, -1, -1, Some(String::new()), ErrorCode::NONE),
                        }
                    })
                    .collect();
                (t, rows)
            })
            .collect();
        (e, rows)
    }
}

pub(super) fn error_response(req: &OffsetFetchRequest, code: ErrorCode) -> OffsetFetchResponse {
    let groups = req
        .groups
        .iter()
        .map(|g| {
            OffsetFetchResponseGroup::default().with_group_id(GroupId(g.group_id.0.clone())).with_error_code(code.0)
        })
        .collect();
    OffsetFetchResponse::default().with_error_code(code.0).with_groups(groups)
}
