// OffsetDelete: v0
// Behaviour:
// - INVALID_GROUP_ID for an empty group id, NOT_COORDINATOR on a node other than
//   `coordinator_node(group_id)`, GROUP_ID_NOT_FOUND for a group that does not exist (top level).
// - An Empty group's offsets go (tombstones in `__consumer_offsets`); a live consumer group keeps
//   the offsets of topics a member subscribes to (GROUP_SUBSCRIBED_TO_TOPIC on those partitions);
//   any other live group is NON_EMPTY_GROUP. UNKNOWN_TOPIC_OR_PARTITION for a partition that does
//   not exist. A partition without an offset is NONE.
// Version notes:
// - v0 only, never flexible.

use kafka_protocol::messages::offset_delete_response::{OffsetDeleteResponsePartition, OffsetDeleteResponseTopic};
use kafka_protocol::messages::{OffsetDeleteRequest, OffsetDeleteResponse, ResponseKind};

use crate::error::ErrorCode;
use crate::group::TopicPartition;
use crate::protocol::Millis;

use super::super::Broker;
use super::Outcome;

impl Broker {
    pub(super) fn handle_offset_delete(&mut self, req: OffsetDeleteRequest, node: i32, now: Millis) -> Outcome {
        let group_id = req.group_id.0.to_string();
        let e = self.group_error(node, &group_id, true);
        if e != ErrorCode::NONE {
            return Outcome::Respond(ResponseKind::OffsetDelete(error_response(e)));
        }
        let known: Vec<TopicPartition> = req
            .topics
            .iter()
            .flat_map(|t| t.partitions.iter().map(|p| (t.name.0.to_string(), p.partition_index)))
            .filter(|(t, p)| self.partition(t, *p).is_some())
            .collect();
        let errors = match self.groups.delete_offsets(&group_id, &known) {
            Ok(errors) => errors,
            Err(e) => return Outcome::Respond(ResponseKind::OffsetDelete(error_response(e))),
        };
        self.flush_group_records(now);
        let mut answers = known.into_iter().zip(errors);
        let topics = req
            .topics
            .iter()
            .map(|t| {
                let partitions = t
                    .partitions
                    .iter()
                    .map(|p| {
                        let e = if self.partition(&t.name.0, p.partition_index).is_none() {
                            ErrorCode::UNKNOWN_TOPIC_OR_PARTITION
                        } else {
                            answers.next().map_or(ErrorCode::NONE, |(_, e)| e)
                        };
                        OffsetDeleteResponsePartition::default()
                            .with_partition_index(p.partition_index)
                            .with_error_code(e.0)
                    })
                    .collect();
                OffsetDeleteResponseTopic::default().with_name(t.name.clone()).with_partitions(partitions)
            })
            .collect();
        Outcome::Respond(ResponseKind::OffsetDelete(OffsetDeleteResponse::default().with_topics(topics)))
    }
}

pub(super) fn error_response(code: ErrorCode) -> OffsetDeleteResponse {
    OffsetDeleteResponse::default().with_error_code(code.0)
}
