// ListOffsets: v1-v7
// Behaviour:
// - timestamp -2 (earliest): the log start offset; -1 (latest): the high watermark, or the last
//   stable offset for isolation_level READ_COMMITTED (v2+); both with timestamp -1.
// - -3 (max timestamp, v7+): the first record holding the largest timestamp, with that timestamp;
//   -1/-1 on an empty log. -3 before v7: UNSUPPORTED_VERSION.
// - Any other timestamp: the first record whose timestamp is >= it (the first batch whose max
//   timestamp is, then the record inside it; never below the log start), or -1/-1 if none.
// - Unknown topic or partition (negative too): UNKNOWN_TOPIC_OR_PARTITION; a partition another node
//   leads (`BrokerConfig::nodes`): NOT_LEADER_OR_FOLLOWER; a current_leader_epoch (v4+) above ours:
//   UNKNOWN_LEADER_EPOCH; a partition named twice: INVALID_REQUEST for both.
// - replica_id is ignored (one broker).
// Version notes:
// - v2+: isolation_level, throttle_time_ms. v4+: current_leader_epoch and leader_epoch (0 for
//   offsets found, -1 otherwise). v6+: flexible versions. v7+: max timestamp (-3).

use std::collections::BTreeMap;

use kafka_protocol::messages::list_offsets_response::{ListOffsetsPartitionResponse, ListOffsetsTopicResponse};
use kafka_protocol::messages::{ListOffsetsRequest, ListOffsetsResponse, ResponseKind};

use crate::error::ErrorCode;

use super::super::log::PartitionLog;
use super::super::{Broker, LEADER_EPOCH};
use super::fetch::UNKNOWN_LEADER_EPOCH;
use super::Outcome;

const EARLIEST: i64 = -2;
const LATEST: i64 = -1;
const MAX_TIMESTAMP: i64 = -3;
const READ_COMMITTED: i8 = 1;

impl Broker {
    pub(super) fn handle_list_offsets(&mut self, version: i16, req: ListOffsetsRequest, node: i32) -> Outcome {
        let mut counts: BTreeMap<(&str, i32), usize> = BTreeMap::new();
        for t in &req.topics {
            for p in &t.partitions {
                *counts.entry((t.name.0.as_str(), p.partition_index)).or_default() += 1;
            }
        }
        let read_committed = version >= 2 && req.isolation_level == READ_COMMITTED;
        let topics = req
            .topics
            .iter()
            .map(|t| {
                let name = t.name.0.as_str();
                let partitions = t
                    .partitions
                    .iter()
                    .map(|p| {
                        let r = ListOffsetsPartitionResponse::default().with_partition_index(p.partition_index);
                        let duplicate = counts.get(&(name, p.partition_index)).copied().unwrap_or(0) > 1;
                        let log = self.partition(name, p.partition_index);
                        let result = match log {
                            _ if duplicate => Err(ErrorCode::INVALID_REQUEST),
                            None => Err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION),
                            Some(_) if !self.leads(node, name, p.partition_index) => {
                                Err(ErrorCode::NOT_LEADER_OR_FOLLOWER)
                            }
                            Some(_) if version >= 4 && p.current_leader_epoch > LEADER_EPOCH => {
                                Err(UNKNOWN_LEADER_EPOCH)
                            }
                            Some(log) => lookup(log, p.timestamp, version, read_committed),
                        };
                        match result {
                            Ok((offset, timestamp)) => {
                                let mut r = r.with_offset(offset).with_timestamp(timestamp);
                                if version >= 4 && offset >= 0 {
                                    r.leader_epoch = LEADER_EPOCH;
                                }
                                r
                            }
                            Err(code) => r.with_error_code(code.0),
                        }
                    })
                    .collect();
                ListOffsetsTopicResponse::default().with_name(t.name.clone()).with_partitions(partitions)
            })
            .collect();
        Outcome::Respond(ResponseKind::ListOffsets(ListOffsetsResponse::default().with_topics(topics)))
    }
}

/// (offset, timestamp) for one partition.
fn lookup(log: &PartitionLog, timestamp: i64, version: i16, read_committed: bool) -> Result<(i64, i64), ErrorCode> {
    Ok(match timestamp {
        EARLIEST => (log.log_start_offset(), -1),
        LATEST if read_committed => (log.last_stable_offset(), -1),
        LATEST => (log.high_watermark(), -1),
        MAX_TIMESTAMP if version < 7 => return Err(ErrorCode::UNSUPPORTED_VERSION),
        MAX_TIMESTAMP => match log.max_timestamp_batch() {
            Some(b) => log.offset_of_max_timestamp(b),
            None => (-1, -1),
        },
        ts => match log.first_batch_from_timestamp(ts) {
            Some(b) => {
                let (offset, found) = log.offset_for_timestamp(b, ts);
                (offset.max(log.log_start_offset()), found)
            }
            None => (-1, -1),
        },
    })
}

pub(super) fn error_response(req: &ListOffsetsRequest, code: ErrorCode) -> ListOffsetsResponse {
    let topics = req
        .topics
        .iter()
        .map(|t| {
            let partitions = t
                .partitions
                .iter()
                .map(|p| {
                    ListOffsetsPartitionResponse::default()
                        .with_partition_index(p.partition_index)
                        .with_error_code(code.0)
                })
                .collect();
            ListOffsetsTopicResponse::default().with_name(t.name.clone()).with_partitions(partitions)
        })
        .collect();
    ListOffsetsResponse::default().with_topics(topics)
}
