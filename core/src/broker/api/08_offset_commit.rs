// OffsetCommit: v2-v8
// Behaviour:
// - NOT_COORDINATOR on a node other than `coordinator_node(group_id)` (an empty group id is
//   allowed, as in Kafka, for old simple consumers).
// - Each partition: UNKNOWN_TOPIC_OR_PARTITION when it does not exist, OFFSET_METADATA_TOO_LARGE
//   when its metadata is over offset.metadata.max.bytes (4096).
// - The committer: generation -1 with an empty member id is a "simple" commit, accepted only while
//   the group has no members (it creates the group); otherwise FENCED_INSTANCE_ID,
//   UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, or REBALANCE_IN_PROGRESS while the group waits for its
//   leader's assignments, on every partition.
// - Accepted offsets are kept with their metadata, leader epoch and the commit time, and appended
//   to `__consumer_offsets` (OffsetCommitKey v1 / OffsetCommitValue v3).
// Version notes:
// - v2-v4: retention_time_ms (ignored: offsets.retention.minutes applies). v3+: throttle_time_ms.
// - v6+: committed_leader_epoch. v7+: group_instance_id. v8+: flexible.

use kafka_protocol::messages::offset_commit_response::{OffsetCommitResponsePartition, OffsetCommitResponseTopic};
use kafka_protocol::messages::{OffsetCommitRequest, OffsetCommitResponse, ResponseKind};

use crate::error::ErrorCode;
use crate::group::{CommittedOffset, Committer, TopicPartition};
use crate::protocol::Millis;

use super::super::Broker;
use super::Outcome;

impl Broker {
    /// One partition of an offset commit, plain or transactional: the offset to keep, or
    /// UNKNOWN_TOPIC_OR_PARTITION / OFFSET_METADATA_TOO_LARGE.
    pub(super) fn offset_to_commit(
        &self,
        (topic, partition): &TopicPartition,
        offset: i64,
        leader_epoch: i32,
        metadata: Option<&str>,
        now: Millis,
    ) -> Result<CommittedOffset, ErrorCode> {
        let metadata = metadata.unwrap_or_default();
        if self.partition(topic, *partition).is_none() {
            Err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)
        } else if metadata.len() > self.config.group.offset_metadata_max_bytes {
            Err(ErrorCode::OFFSET_METADATA_TOO_LARGE)
        } else {
            Ok(CommittedOffset { offset, leader_epoch, metadata: metadata.to_string(), commit_ms: now })
        }
    }

    pub(super) fn handle_offset_commit(
        &mut self,
        version: i16,
        req: OffsetCommitRequest,
        node: i32,
        now: Millis,
    ) -> Outcome {
        let group_id = req.group_id.0.to_string();
        let e = self.group_error(node, &group_id, false);
        if e != ErrorCode::NONE {
            return Outcome::Respond(ResponseKind::OffsetCommit(error_response(&req, e)));
        }
        // Per-partition checks first; the valid ones go to the coordinator together.
        let mut errors: Vec<Vec<ErrorCode>> = Vec::new();
        let mut valid: Vec<(TopicPartition, CommittedOffset)> = Vec::new();
        for t in &req.topics {
            let mut row = Vec::new();
            for p in &t.partitions {
                let leader_epoch = if version >= 6 { p.committed_leader_epoch } else { -1 };
                let tp = (t.name.0.to_string(), p.partition_index);
                match self.offset_to_commit(&tp, p.committed_offset, leader_epoch, p.committed_metadata.as_deref(), now)
                {
                    Ok(o) => {
                        valid.push((tp, o));
                        row.push(ErrorCode::NONE);
                    }
                    Err(e) => row.push(e),
                }
            }
            errors.push(row);
        }
        let committer = Committer {
            generation: req.generation_id_or_member_epoch,
            member_id: req.member_id.to_string(),
            instance_id: req.group_instance_id.as_ref().filter(|_| version >= 7).map(|s| s.to_string()),
        };
        let group_error =
            if valid.is_empty() { ErrorCode::NONE } else { self.groups.commit(&group_id, &committer, valid, now) };
        self.flush_group_records(now);
        let topics = req
            .topics
            .iter()
            .zip(errors)
            .map(|(t, row)| {
                let partitions = t
                    .partitions
                    .iter()
                    .zip(row)
                    .map(|(p, e)| {
                        let e = if e == ErrorCode::NONE { group_error } else { e };
                        OffsetCommitResponsePartition::default()
                            .with_partition_index(p.partition_index)
                            .with_error_code(e.0)
                    })
                    .collect();
                OffsetCommitResponseTopic::default().with_name(t.name.clone()).with_partitions(partitions)
            })
            .collect();
        Outcome::Respond(ResponseKind::OffsetCommit(OffsetCommitResponse::default().with_topics(topics)))
    }
}

pub(super) fn error_response(req: &OffsetCommitRequest, code: ErrorCode) -> OffsetCommitResponse {
    let topics = req
        .topics
        .iter()
        .map(|t| {
            let partitions = t
                .partitions
                .iter()
                .map(|p| {
                    OffsetCommitResponsePartition::default()
                        .with_partition_index(p.partition_index)
                        .with_error_code(code.0)
                })
                .collect();
            OffsetCommitResponseTopic::default().with_name(t.name.clone()).with_partitions(partitions)
        })
        .collect();
    OffsetCommitResponse::default().with_topics(topics)
}
