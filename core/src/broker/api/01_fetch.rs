// Fetch: v4-v12
// Behaviour:
// - Per partition: unknown topic or partition (negative too): UNKNOWN_TOPIC_OR_PARTITION; a
//   partition another node leads (`BrokerConfig::nodes`): NOT_LEADER_OR_FOLLOWER; a
//   current_leader_epoch (v9+) above ours: UNKNOWN_LEADER_EPOCH (ours is always 0); fetch_offset
//   below the log start or above the log end: OFFSET_OUT_OF_RANGE. Errors carry -1 for the high
//   watermark, last stable offset and log start offset, and no records.
// - Records are whole stored batches, starting with the one holding fetch_offset (even when
//   fetch_offset is mid-batch, as Kafka does), up to partition_max_bytes per partition and
//   max_bytes in all; the first partition with data gets at least one whole batch even when it
//   is larger than both limits (KIP-74). Batches never get cut.
// - One stored batch goes out without a copy; several are copied into one buffer.
// - min_bytes/max_wait_ms: when less than min_bytes is available and no partition has an error,
//   the fetch is parked until a Produce brings enough data, a partition turns to an error (topic
//   deleted, retention), or now + min(max_wait_ms, fetch_wait_ms_max); then it is answered with
//   what is there. Requests behind it on the same connection wait (Kafka answers in order).
//   Beyond parked_fetches_max parked fetches, a fetch is answered at once.
// - No fetch sessions: session_id 0 and any epoch is a full fetch answered with session_id 0 (no
//   session created, as Kafka does when its session cache is full); a non-zero session_id gets
//   FETCH_SESSION_ID_NOT_FOUND. forgotten_topics_data is ignored.
// - isolation_level: READ_COMMITTED answers only batches below the last stable offset (the first
//   offset of the oldest open transaction, else the high watermark; min_bytes counts those
//   only) with the aborted transactions (producer id, first offset) overlapping the returned
//   range; READ_UNCOMMITTED answers up to the high watermark. Control batches (COMMIT/ABORT
//   markers) are returned to both, as Kafka does. last_stable_offset is set in both.
// Version notes:
// - v5+: log_start_offset. v7+: error_code, session_id, session_epoch, forgotten topics.
// - v9+: current_leader_epoch. v11+: rack_id, preferred_read_replica (-1). v12+: flexible; a
//   NOT_LEADER_OR_FOLLOWER partition carries the tagged current_leader (the node leading it and
//   our leader epoch, KIP-951) so that the client can move there without a Metadata round trip;
//   diverging_epoch / snapshot_id stay at their defaults (no replication, no KRaft snapshots).
// - aborted_transactions: null for READ_UNCOMMITTED, a list for READ_COMMITTED.

use kafka_protocol::messages::fetch_response::{
    AbortedTransaction, FetchableTopicResponse, LeaderIdAndEpoch, PartitionData,
};
use kafka_protocol::messages::{BrokerId, FetchRequest, FetchResponse, ProducerId, ResponseKind};

use crate::error::ErrorCode;
use crate::protocol::Millis;

use super::super::log::{PartitionLog, Selection};
use super::super::{Broker, LEADER_EPOCH};
use super::Outcome;

const FETCH_SESSION_ID_NOT_FOUND: ErrorCode = ErrorCode(70);
pub(super) const UNKNOWN_LEADER_EPOCH: ErrorCode = ErrorCode(75);
const READ_COMMITTED: i8 = 1;

/// What one partition will answer.
enum PartitionPlan {
    Error(ErrorCode),
    Data(Selection),
}

/// A fetch worked out without copying any bytes: per topic, per partition.
struct FetchPlan {
    partitions: Vec<Vec<PartitionPlan>>,
    bytes: usize,
    has_error: bool,
}

impl Broker {
    pub(super) fn handle_fetch(&mut self, version: i16, req: FetchRequest, node: i32, now: Millis) -> Outcome {
        if req.session_id != 0 {
            let resp = FetchResponse::default().with_error_code(FETCH_SESSION_ID_NOT_FOUND.0);
            return Outcome::Respond(ResponseKind::Fetch(resp));
        }
        let wait_ms = (req.max_wait_ms as i64).clamp(0, self.config.fetch_wait_ms_max.max(0));
        let answer_now = wait_ms == 0
            || req.min_bytes <= 0
            || self.parked.len() >= self.config.parked_fetches_max
            || self.fetch_ready(node, &req);
        if answer_now {
            self.note_out_of_range(&req, now);
            Outcome::Respond(ResponseKind::Fetch(self.fetch_response(node, version, &req)))
        } else {
            Outcome::Park(req, now.saturating_add(wait_ms))
        }
    }

    /// Notes each partition of a Fetch answered OFFSET_OUT_OF_RANGE (when notes are on).
    pub(in super::super) fn note_out_of_range(&mut self, req: &FetchRequest, now: Millis) {
        if !self.notes.is_enabled() {
            return;
        }
        for t in &req.topics {
            let name = t.topic.0.as_str();
            for p in &t.partitions {
                let Some(log) = self.partition(name, p.partition) else { continue };
                let (start, end) = (log.log_start_offset(), log.log_end_offset());
                if p.fetch_offset < start || p.fetch_offset > end {
                    let (partition, offset) = (p.partition, p.fetch_offset);
                    self.notes.add(now, "offset-out-of-range", None, || {
                        format!(
                            "Fetch {name}-{partition} at offset {offset} out of range: the log holds {start}..{end}"
                        )
                    });
                }
            }
        }
    }

    /// True when the fetch can be answered: min_bytes are there, or a partition has an error.
    pub(in super::super) fn fetch_ready(&self, node: i32, req: &FetchRequest) -> bool {
        let plan = self.plan_fetch(node, req);
        plan.has_error || plan.bytes >= req.min_bytes.max(0) as usize
    }

    fn plan_fetch(&self, node: i32, req: &FetchRequest) -> FetchPlan {
        let mut remaining = req.max_bytes.max(0) as usize;
        let mut min_one = true;
        let mut plan = FetchPlan { partitions: Vec::with_capacity(req.topics.len()), bytes: 0, has_error: false };
        for t in &req.topics {
            let topic = self.topics.get(t.topic.0.as_str());
            let mut parts = Vec::with_capacity(t.partitions.len());
            let read_committed = req.isolation_level == READ_COMMITTED;
            for p in &t.partitions {
                let log = topic.and_then(|t| t.partition(p.partition));
                let entry = match log {
                    None => PartitionPlan::Error(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION),
                    Some(_) if !self.leads(node, t.topic.0.as_str(), p.partition) => {
                        PartitionPlan::Error(ErrorCode::NOT_LEADER_OR_FOLLOWER)
                    }
                    Some(_) if p.current_leader_epoch > LEADER_EPOCH => PartitionPlan::Error(UNKNOWN_LEADER_EPOCH),
                    Some(log) if p.fetch_offset < log.log_start_offset() || p.fetch_offset > log.log_end_offset() => {
                        PartitionPlan::Error(ErrorCode::OFFSET_OUT_OF_RANGE)
                    }
                    Some(log) => {
                        let limit = (p.partition_max_bytes.max(0) as usize).min(remaining);
                        let below = if read_committed { log.last_stable_offset() } else { i64::MAX };
                        let sel = log.select_below(p.fetch_offset, limit, min_one, below);
                        if sel.bytes > 0 {
                            min_one = false;
                            remaining = remaining.saturating_sub(sel.bytes);
                            plan.bytes += sel.bytes;
                        }
                        PartitionPlan::Data(sel)
                    }
                };
                plan.has_error |= matches!(entry, PartitionPlan::Error(_));
                parts.push(entry);
            }
            plan.partitions.push(parts);
        }
        plan
    }

    /// The answer to a fetch with the data there is now.
    pub(in super::super) fn fetch_response(&self, node: i32, version: i16, req: &FetchRequest) -> FetchResponse {
        let plan = self.plan_fetch(node, req);
        let read_committed = req.isolation_level == READ_COMMITTED;
        let responses = req
            .topics
            .iter()
            .zip(plan.partitions)
            .map(|(t, parts)| {
                let topic = self.topics.get(t.topic.0.as_str());
                let partitions = t
                    .partitions
                    .iter()
                    .zip(parts)
                    .map(|(p, entry)| {
                        let r = PartitionData::default().with_partition_index(p.partition);
                        match (entry, topic.and_then(|t| t.partition(p.partition))) {
                            (PartitionPlan::Data(sel), Some(log)) => r
                                .with_high_watermark(log.high_watermark())
                                .with_last_stable_offset(log.last_stable_offset())
                                .with_log_start_offset(log.log_start_offset())
                                .with_aborted_transactions(read_committed.then(|| aborted(log, p.fetch_offset, sel)))
                                .with_records(Some(log.read(sel))),
                            (PartitionPlan::Error(ErrorCode::NOT_LEADER_OR_FOLLOWER), _) if version >= 12 => {
                                let leader = LeaderIdAndEpoch::default()
                                    .with_leader_id(BrokerId(self.leader(t.topic.0.as_str(), p.partition)))
                                    .with_leader_epoch(LEADER_EPOCH);
                                partition_error(r, ErrorCode::NOT_LEADER_OR_FOLLOWER).with_current_leader(leader)
                            }
                            (PartitionPlan::Error(code), _) => partition_error(r, code),
                            (PartitionPlan::Data(_), None) => partition_error(r, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION),
                        }
                    })
                    .collect();
                FetchableTopicResponse::default().with_topic(t.topic.clone()).with_partitions(partitions)
            })
            .collect();
        FetchResponse::default().with_responses(responses)
    }
}

/// The aborted transactions overlapping the batches a read_committed fetch returns.
fn aborted(log: &PartitionLog, from: i64, sel: Selection) -> Vec<AbortedTransaction> {
    let end = log.selection_end(sel, from);
    log.aborted_between(from, end)
        .into_iter()
        .map(|a| {
            AbortedTransaction::default().with_producer_id(ProducerId(a.producer_id)).with_first_offset(a.first_offset)
        })
        .collect()
}

fn partition_error(r: PartitionData, code: ErrorCode) -> PartitionData {
    r.with_error_code(code.0)
        .with_high_watermark(-1)
        .with_last_stable_offset(-1)
        .with_log_start_offset(-1)
        .with_aborted_transactions(None)
}

pub(super) fn error_response(req: &FetchRequest, code: ErrorCode) -> FetchResponse {
    let responses = req
        .topics
        .iter()
        .map(|t| {
            let partitions = t
                .partitions
                .iter()
                .map(|p| partition_error(PartitionData::default().with_partition_index(p.partition), code))
                .collect();
            FetchableTopicResponse::default()
                .with_topic(t.topic.clone())
                .with_topic_id(t.topic_id)
                .with_partitions(partitions)
        })
        .collect();
    FetchResponse::default().with_error_code(code.0).with_responses(responses)
}
