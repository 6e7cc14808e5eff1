// DeleteRecords: v0-v2
// Behaviour:
// - Per partition, as Kafka's ReplicaManager.deleteRecords: offset -1 means the high watermark;
//   the log start offset moves up to the offset (whole batches before it are dropped; a batch
//   straddling it stays, but fetches and ListOffsets earliest start at the new log start). An
//   offset at or below the current log start changes nothing. low_watermark is the log start
//   after the call.
// - Unknown topic or partition (negative too): UNKNOWN_TOPIC_OR_PARTITION; a partition another node
//   leads (`BrokerConfig::nodes`): NOT_LEADER_OR_FOLLOWER; an offset above the high watermark or
//   negative other than -1: OFFSET_OUT_OF_RANGE. Errors carry low_watermark -1.
// - A partition named twice is answered twice (Kafka keeps the last; both answers agree here).
// - Fetches parked below the new log start are answered (OFFSET_OUT_OF_RANGE for it).
// - timeout_ms is ignored: deletion is synchronous (one replica, nothing to wait for).
// Version notes:
// - v2+: flexible versions. No field differs between versions.

use kafka_protocol::messages::delete_records_response::{DeleteRecordsPartitionResult, DeleteRecordsTopicResult};
use kafka_protocol::messages::{DeleteRecordsRequest, DeleteRecordsResponse, ResponseKind};

use crate::error::ErrorCode;
use crate::protocol::Millis;

use super::super::Broker;
use super::Outcome;

/// DeleteRecords' "up to the high watermark".
const HIGH_WATERMARK: i64 = -1;

impl Broker {
    pub(super) fn handle_delete_records(&mut self, req: DeleteRecordsRequest, node: i32, now: Millis) -> Outcome {
        let mut topics = Vec::with_capacity(req.topics.len());
        for t in &req.topics {
            let name = t.name.0.as_str();
            let mut partitions = Vec::with_capacity(t.partitions.len());
            for p in &t.partitions {
                let r = DeleteRecordsPartitionResult::default().with_partition_index(p.partition_index);
                let r = match self.delete_records((node, now), name, p.partition_index, p.offset) {
                    Ok(low) => r.with_low_watermark(low),
                    Err(code) => r.with_low_watermark(-1).with_error_code(code.0),
                };
                partitions.push(r);
            }
            topics.push(DeleteRecordsTopicResult::default().with_name(t.name.clone()).with_partitions(partitions));
        }
        Outcome::Respond(ResponseKind::DeleteRecords(DeleteRecordsResponse::default().with_topics(topics)))
    }

    /// Moves one partition's log start to `offset`; returns the new low watermark.
    fn delete_records(
        &mut self,
        at: (i32, Millis),
        topic: &str,
        partition: i32,
        offset: i64,
    ) -> Result<i64, ErrorCode> {
        let (node, now) = at;
        if self.partition(topic, partition).is_none() {
            return Err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
        }
        if !self.leads(node, topic, partition) {
            return Err(ErrorCode::NOT_LEADER_OR_FOLLOWER);
        }
        let log = self
            .topics
            .get_mut(topic)
            .and_then(|t| t.partition_mut(partition))
            .ok_or(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)?;
        let target = if offset == HIGH_WATERMARK { log.high_watermark() } else { offset };
        let before = log.log_start_offset();
        if !log.advance_log_start_offset(target) {
            return Err(ErrorCode::OFFSET_OUT_OF_RANGE);
        }
        let after = log.log_start_offset();
        self.parked_dirty |= after != before;
        if after != before {
            self.notes.add(now, "delete-records", None, || {
                format!("{topic}-{partition} log start {before} → {after} (DeleteRecords)")
            });
        }
        Ok(after)
    }
}

pub(super) fn error_response(req: &DeleteRecordsRequest, code: ErrorCode) -> DeleteRecordsResponse {
    let topics = req
        .topics
        .iter()
        .map(|t| {
            let partitions = t
                .partitions
                .iter()
                .map(|p| {
                    DeleteRecordsPartitionResult::default()
                        .with_partition_index(p.partition_index)
                        .with_low_watermark(-1)
                        .with_error_code(code.0)
                })
                .collect();
            DeleteRecordsTopicResult::default().with_name(t.name.clone()).with_partitions(partitions)
        })
        .collect();
    DeleteRecordsResponse::default().with_topics(topics)
}
