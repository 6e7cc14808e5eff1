// TxnOffsetCommit: v0-v3
// Behaviour:
// - INVALID_GROUP_ID for an empty group id, NOT_COORDINATOR on a node other than
//   `coordinator_node(group_id)`.
// - Each partition: UNKNOWN_TOPIC_OR_PARTITION when it does not exist, OFFSET_METADATA_TOO_LARGE
//   over offset.metadata.max.bytes.
// - The offsets are staged for (group, producer id), invisible to OffsetFetch (which answers
//   UNSTABLE_OFFSET_COMMIT for them with require_stable) until the transaction ends: EndTxn calls
//   `Broker::groups_txn_marker`, which commits them (and logs them to `__consumer_offsets`) or
//   drops them. The producer's transaction state is the transaction coordinator's to check.
// Version notes:
// - v1+: nothing new on the wire. v2+: committed_leader_epoch.
// - v3+: flexible; generation_id, member_id, group_instance_id checked as OffsetCommit checks
//   them (KIP-447): FENCED_INSTANCE_ID, UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION.

use kafka_protocol::messages::txn_offset_commit_response::{
    TxnOffsetCommitResponsePartition, TxnOffsetCommitResponseTopic,
};
use kafka_protocol::messages::{ResponseKind, TxnOffsetCommitRequest, TxnOffsetCommitResponse};

use crate::error::ErrorCode;
use crate::group::{CommittedOffset, Committer, TopicPartition};
use crate::protocol::Millis;

use super::super::Broker;
use super::Outcome;

impl Broker {
    pub(super) fn handle_txn_offset_commit(
        &mut self,
        version: i16,
        req: TxnOffsetCommitRequest,
        node: i32,
        now: Millis,
    ) -> Outcome {
        let group_id = req.group_id.0.to_string();
        let e = self.group_error(node, &group_id, true);
        if e != ErrorCode::NONE {
            return Outcome::Respond(ResponseKind::TxnOffsetCommit(error_response(&req, e)));
        }
        let mut errors: Vec<Vec<ErrorCode>> = Vec::new();
        let mut valid: Vec<(TopicPartition, CommittedOffset)> = Vec::new();
        for t in &req.topics {
            let mut row = Vec::new();
            for p in &t.partitions {
                let leader_epoch = if version >= 2 { p.committed_leader_epoch } else { -1 };
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
        let committer = if version >= 3 {
            Committer {
                generation: req.generation_id,
                member_id: req.member_id.to_string(),
                instance_id: req.group_instance_id.as_ref().map(|s| s.to_string()),
            }
        } else {
            Committer { generation: -1, member_id: String::new(), instance_id: None }
        };
        let group_error = if valid.is_empty() {
            ErrorCode::NONE
        } else {
            self.groups.txn_commit(&group_id, req.producer_id.0, &committer, valid, now)
        };
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
                        TxnOffsetCommitResponsePartition::default()
                            .with_partition_index(p.partition_index)
                            .with_error_code(e.0)
                    })
                    .collect();
                TxnOffsetCommitResponseTopic::default().with_name(t.name.clone()).with_partitions(partitions)
            })
            .collect();
        Outcome::Respond(ResponseKind::TxnOffsetCommit(TxnOffsetCommitResponse::default().with_topics(topics)))
    }
}

pub(super) fn error_response(req: &TxnOffsetCommitRequest, code: ErrorCode) -> TxnOffsetCommitResponse {
    let topics = req
        .topics
        .iter()
        .map(|t| {
            let partitions = t
                .partitions
                .iter()
                .map(|p| {
                    TxnOffsetCommitResponsePartition::default()
                        .with_partition_index(p.partition_index)
                        .with_error_code(code.0)
                })
                .collect();
            TxnOffsetCommitResponseTopic::default().with_name(t.name.clone()).with_partitions(partitions)
        })
        .collect();
    TxnOffsetCommitResponse::default().with_topics(topics)
}
