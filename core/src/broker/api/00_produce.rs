// Produce: v3-v9
// Behaviour:
// - acks must be 0, 1 or -1, else INVALID_REQUIRED_ACKS for every partition. One broker and one
//   replica: acks=-1 is acks=1, except that min.insync.replicas above 1 fails with NOT_ENOUGH_REPLICAS.
// - acks=0: no response; if any partition failed, the connection is closed (as Kafka does, so
//   that the producer notices and refreshes its metadata).
// - An unknown topic is created (num.partitions) when auto.create.topics.enable, else
//   UNKNOWN_TOPIC_OR_PARTITION; an invalid name gets INVALID_TOPIC_EXCEPTION. (Kafka itself only
//   auto-creates on Metadata; the spec asks for Produce too.)
// - The internal topics (__transaction_state, __consumer_offsets): INVALID_TOPIC_EXCEPTION
//   "Cannot append to internal topic", as Kafka answers clients.
// - An unknown or negative partition: UNKNOWN_TOPIC_OR_PARTITION. A partition another node leads
//   (`BrokerConfig::nodes`): NOT_LEADER_OR_FOLLOWER.
// - Each partition's records must be exactly one v2 batch with at least one record, not a control
//   batch: null, empty, several batches, empty batch or control batch: INVALID_RECORD. The record
//   layer's validation maps its errors to CORRUPT_MESSAGE (CRC, lengths), INVALID_RECORD,
//   UNSUPPORTED_FOR_MESSAGE_FORMAT (magic) or UNSUPPORTED_COMPRESSION_TYPE; nothing is stored.
// - zstd before v7: UNSUPPORTED_COMPRESSION_TYPE. A batch over the topic's max.message.bytes:
//   MESSAGE_TOO_LARGE.
// - Offsets are assigned from the log end; CreateTime timestamps are kept as given, LogAppendTime
//   topics stamp `now` (the CRC is recomputed). The producer id, epoch and sequence are stored
//   as sent.
// - Idempotence (producer_state.rs), just before the append: a duplicate of one of the
//   producer's last five batches succeeds with the original base offset (log_append_time is
//   the stored batch's max timestamp, as Kafka answers), nothing appended; a sequence gap:
//   OUT_OF_ORDER_SEQUENCE_NUMBER; an older epoch: INVALID_PRODUCER_EPOCH; an unknown
//   producer starts at any sequence (KIP-360). The state lives in the partition log.
// - A partition named twice in one request is appended twice, answered twice, in order.
// - Transactions (Kafka 4's transaction verification, KIP-890 part 1): a transactional batch is
//   appended only when its partition is in the ongoing transaction of the request's
//   transactional_id at the batch's producer id and epoch; else INVALID_TXN_STATE "Partition was
//   not added to the transaction" (what Kafka answers Produce up to v10), INVALID_PRODUCER_EPOCH
//   for another epoch (a fenced or timed-out producer), INVALID_PRODUCER_ID_MAPPING for another
//   producer id; a transactional batch without a transactional_id: INVALID_TXN_STATE. A
//   non-transactional batch of a producer with an open transaction in the partition:
//   INVALID_TXN_STATE. The batch opens the producer's transaction in the partition (its first
//   offset holds the last stable offset back until the marker).
// - timeout_ms is ignored.
// Version notes:
// - ApiVersions lists Produce from v0 (see 18_api_versions.rs); v0-v2 close the connection.
// - v5+: log_start_offset. v7+: zstd allowed. v8+: error_message (record_errors left empty).
// - v9+: flexible versions.

use bytes::Bytes;
use kafka_protocol::messages::produce_response::{PartitionProduceResponse, TopicProduceResponse};
use kafka_protocol::messages::{ProduceRequest, ProduceResponse, ResponseKind};

use crate::error::ErrorCode;
use crate::protocol::Millis;

use super::super::log::AppendInfo;
use super::super::producer_state::Verdict;
use super::super::{topic, Broker};
use super::{str_bytes, Outcome};
use crate::record::{self, Compression};

const NOT_ENOUGH_REPLICAS: ErrorCode = ErrorCode(19);

type PartitionResult = Result<(AppendInfo, i64), (ErrorCode, String)>;

impl Broker {
    pub(super) fn handle_produce(&mut self, version: i16, req: ProduceRequest, node: i32, now: Millis) -> Outcome {
        let acks = req.acks;
        if !(-1..=1).contains(&acks) {
            let message = format!("acks must be 0, 1 or -1, got {acks}");
            let resp = error_response(&req, ErrorCode::INVALID_REQUIRED_ACKS, (version >= 8).then_some(message));
            return Outcome::Respond(ResponseKind::Produce(resp));
        }
        let txn_id = req.transactional_id.as_ref().map(|t| t.0.to_string());
        let mut any_error = false;
        let mut responses = Vec::with_capacity(req.topic_data.len());
        for t in req.topic_data {
            let name = t.name.0.to_string();
            let topic_ok = if matches!(name.as_str(), "__transaction_state" | "__consumer_offsets") {
                // Kafka lets only its coordinators write there.
                Err((ErrorCode::INVALID_TOPIC_EXCEPTION, format!("Cannot append to internal topic {name}")))
            } else {
                self.topic_for_produce(&name)
            };
            let mut partitions = Vec::with_capacity(t.partition_data.len());
            for p in t.partition_data {
                let result = match &topic_ok {
                    Ok(()) if !self.leads(node, &name, p.index) => Err((
                        ErrorCode::NOT_LEADER_OR_FOLLOWER,
                        format!("This server (node {node}) is not the leader for {name}-{}", p.index),
                    )),
                    Ok(()) => {
                        let target = Target { version, topic: &name, index: p.index, txn_id: txn_id.as_deref() };
                        self.append_partition(target, p.records, acks, now)
                    }
                    Err(e) => Err(e.clone()),
                };
                let mut r = PartitionProduceResponse::default().with_index(p.index);
                match result {
                    Ok((info, log_start_offset)) => {
                        r.base_offset = info.base_offset;
                        r.log_append_time_ms = info.log_append_time_ms;
                        if version >= 5 {
                            r.log_start_offset = log_start_offset;
                        }
                    }
                    Err((code, message)) => {
                        any_error = true;
                        r.error_code = code.0;
                        r.base_offset = -1;
                        if version >= 8 {
                            r.error_message = Some(str_bytes(message));
                        }
                    }
                }
                partitions.push(r);
            }
            responses.push(TopicProduceResponse::default().with_name(t.name).with_partition_responses(partitions));
        }
        match acks {
            0 if any_error => Outcome::Close,
            0 => Outcome::Silent,
            _ => Outcome::Respond(ResponseKind::Produce(ProduceResponse::default().with_responses(responses))),
        }
    }

    /// The topic exists, or was just auto-created.
    fn topic_for_produce(&mut self, name: &str) -> Result<(), (ErrorCode, String)> {
        if self.topics.contains_key(name) {
            return Ok(());
        }
        topic::validate_topic_name(name).map_err(|m| (ErrorCode::INVALID_TOPIC_EXCEPTION, m))?;
        if !self.config.auto_create_topics_enable {
            return Err((ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, format!("Topic {name} does not exist")));
        }
        match self.auto_create_topic(name) {
            ErrorCode::NONE => Ok(()),
            code => Err((code, format!("Topic {name} collides with an existing topic"))),
        }
    }

    /// Checks one partition's batch and appends it.
    fn append_partition(&mut self, target: Target, records: Option<Bytes>, acks: i16, now: Millis) -> PartitionResult {
        let Target { version, topic, index, txn_id } = target;
        let unknown = || (ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, format!("Partition {topic}-{index} does not exist"));
        let t = self.topics.get_mut(topic).ok_or_else(unknown)?;
        let (max_bytes, min_isr, ts_type) = {
            let c = t.config();
            (c.max_message_bytes, c.min_insync_replicas, c.message_timestamp_type)
        };
        let log = t.partition_mut(index).ok_or_else(unknown)?;
        if acks == -1 && min_isr > 1 {
            return Err((
                NOT_ENOUGH_REPLICAS,
                format!("min.insync.replicas is {min_isr} but there is 1 in-sync replica"),
            ));
        }
        let batch = records.unwrap_or_default();
        let one_batch =
            || (ErrorCode::INVALID_RECORD, "Produce requests must contain exactly one record batch".to_string());
        if batch.is_empty() {
            return Err(one_batch());
        }
        let header = record::validate_batch(&batch).map_err(|e| (e.error_code(), e.to_string()))?;
        if header.total_len() != batch.len() {
            return Err(one_batch());
        }
        if header.records_count == 0 {
            return Err((ErrorCode::INVALID_RECORD, "Record batch has no records".to_string()));
        }
        if header.is_control() {
            return Err((ErrorCode::INVALID_RECORD, "Clients cannot produce control batches".to_string()));
        }
        if version < 7 && header.compression() == Ok(Compression::Zstd) {
            return Err((
                ErrorCode::UNSUPPORTED_COMPRESSION_TYPE,
                "Produce requests with zstd compression need version 7 or later".to_string(),
            ));
        }
        if batch.len() > max_bytes.max(0) as usize {
            return Err((
                ErrorCode::MESSAGE_TOO_LARGE,
                format!("The batch is {} bytes, larger than max.message.bytes {max_bytes}", batch.len()),
            ));
        }
        let (pid, epoch, first_seq, last_seq) =
            (header.producer_id, header.producer_epoch, header.base_sequence, header.last_sequence());
        if header.is_transactional() {
            let id = txn_id.ok_or_else(|| {
                (ErrorCode::INVALID_TXN_STATE, "A transactional batch needs a transactional_id".to_string())
            })?;
            let verified = self.txn.verify(id, pid, epoch, topic, index);
            if let Err(code) = verified {
                let current = self.txn.get(id).map(|m| (m.producer_id, m.producer_epoch, m.state));
                let (rule, anomaly) = match code {
                    ErrorCode::PRODUCER_FENCED => ("fenced-epoch", Some("fenced")),
                    _ => ("txn-verify-failed", None),
                };
                self.notes.add(now, rule, anomaly, || {
                    let why = match (code, current) {
                        (ErrorCode::PRODUCER_FENCED, Some((_, e, _))) => {
                            format!("epoch {epoch} is fenced, transactional id {id} is at epoch {e}")
                        }
                        (ErrorCode::INVALID_PRODUCER_ID_MAPPING, Some((p, _, _))) => {
                            format!("transactional id {id} belongs to producer {p}")
                        }
                        (ErrorCode::CONCURRENT_TRANSACTIONS, Some((_, _, st))) => {
                            format!("the transaction is ending ({st:?})")
                        }
                        (ErrorCode::INVALID_TXN_STATE, _) => "the partition was not added to the transaction".into(),
                        (c, _) => c.name(),
                    };
                    format!("{topic}-{index} refused a transactional batch of producer {pid} epoch {epoch}: {why}")
                });
            }
            verified.map_err(|code| {
                match code {
                    ErrorCode::PRODUCER_FENCED => (
                        ErrorCode::INVALID_PRODUCER_EPOCH,
                        format!("{topic}-{index}: producer epoch {} is not current", header.producer_epoch),
                    ),
                    // Kafka's answer to Produce up to v10 when verification cannot complete.
                    ErrorCode::CONCURRENT_TRANSACTIONS => (
                        NOT_ENOUGH_REPLICAS,
                        "Unable to verify the partition has been added to the transaction. Underlying error: \
                         CONCURRENT_TRANSACTIONS"
                            .to_string(),
                    ),
                    ErrorCode::INVALID_TXN_STATE => (code, "Partition was not added to the transaction".to_string()),
                    code => (code, format!("{topic}-{index}: transaction verification failed")),
                }
            })?;
        }
        // Idempotence: a duplicate of one of the producer's last five batches is answered
        // with its original offsets and nothing is appended.
        let state = log.producer_state();
        let verdict = match state.check(pid, epoch, first_seq, last_seq) {
            Ok(v) => v,
            Err((code, message)) => {
                let entry = state.entry(pid);
                let known = entry.map(|e| (e.epoch, e.batches.back().map_or(0, |b| b.last_seq.wrapping_add(1))));
                let (rule, anomaly) = if code == ErrorCode::INVALID_PRODUCER_EPOCH {
                    ("fenced-epoch", Some("fenced"))
                } else {
                    ("out-of-order-sequence", None)
                };
                self.notes.add(now, rule, anomaly, || match known {
                    Some((e, _)) if code == ErrorCode::INVALID_PRODUCER_EPOCH => {
                        format!("producer {pid} epoch {epoch} on {topic}-{index} is fenced: current epoch {e}")
                    }
                    Some((e, _)) if e != epoch => format!(
                        "out-of-order sequence for producer {pid} on {topic}-{index}: new epoch {epoch} expected 0, \
                         received {}",
                        range(first_seq, last_seq)
                    ),
                    Some((_, next)) => format!(
                        "out-of-order sequence for producer {pid} on {topic}-{index}: expected {next}, received {}",
                        range(first_seq, last_seq)
                    ),
                    None => format!("{topic}-{index}: {message}"),
                });
                return Err(prefix(topic, index, (code, message)));
            }
        };
        if verdict == Verdict::Append {
            if let Err(e) = state.check_txn(pid, header.is_transactional()) {
                self.notes.add(now, "txn-verify-failed", None, || {
                    format!("{topic}-{index} refused a plain batch of producer {pid}: its transaction is open here")
                });
                return Err(prefix(topic, index, e));
            }
            // Only looked up when noted: an append need not pay a second producer-state lookup.
            if self.notes.is_enabled() && pid >= 0 && first_seq != 0 && state.entry(pid).is_none() {
                self.notes.add(now, "unknown-producer", None, || {
                    format!("producer {pid} is unknown to {topic}-{index}: accepted at sequence {first_seq} (KIP-360)")
                });
            }
        }
        if let Verdict::Duplicate(dup) = verdict {
            self.notes.add(now, "duplicate-sequence", None, || {
                let offsets = if dup.first_offset == dup.last_offset {
                    format!("offset {}", dup.first_offset)
                } else {
                    format!("offsets {}..{}", dup.first_offset, dup.last_offset)
                };
                let seqs = range(first_seq, last_seq);
                format!("duplicate sequence {seqs} for producer {pid} on {topic}-{index}: returned original {offsets}")
            });
            // Kafka answers a duplicate with the stored batch's max timestamp as log_append_time.
            let info = AppendInfo { base_offset: dup.first_offset, log_append_time_ms: dup.timestamp };
            return Ok((info, log.log_start_offset()));
        }
        let info = log.append(&batch, ts_type, now);
        let log_start = log.log_start_offset();
        self.parked_dirty = true;
        let (txn, last) = (header.is_transactional(), info.base_offset + i64::from(header.last_offset_delta));
        self.notes.add(now, "appended", None, || {
            let at =
                if last == info.base_offset { format!("@{last}") } else { format!("@{}..{last}", info.base_offset) };
            let kind = if txn { " (transactional)" } else { "" };
            if pid < 0 {
                let n = header.records_count;
                format!("{n} record{} stored at {topic}-{index} {at}", if n == 1 { "" } else { "s" })
            } else {
                format!("p{pid} epoch {epoch} seq {} stored at {topic}-{index} {at}{kind}", range(first_seq, last_seq))
            }
        });
        Ok((info, log_start))
    }
}

/// The partition a batch goes to, and the request's transactional id.
struct Target<'a> {
    version: i16,
    topic: &'a str,
    index: i32,
    txn_id: Option<&'a str>,
}

/// A sequence or offset range for notes: "7", or "4..5".
fn range<T: std::fmt::Display + PartialEq>(first: T, last: T) -> String {
    if first == last {
        format!("{first}")
    } else {
        format!("{first}..{last}")
    }
}

/// Names the partition in a producer state error.
fn prefix(topic: &str, index: i32, (code, message): (ErrorCode, String)) -> (ErrorCode, String) {
    (code, format!("{topic}-{index}: {message}"))
}

pub(super) fn error_response(req: &ProduceRequest, code: ErrorCode, message: Option<String>) -> ProduceResponse {
    let responses = req
        .topic_data
        .iter()
        .map(|t| {
            let partitions = t
                .partition_data
                .iter()
                .map(|p| {
                    PartitionProduceResponse::default()
                        .with_index(p.index)
                        .with_error_code(code.0)
                        .with_base_offset(-1)
                        .with_error_message(message.clone().map(str_bytes))
                })
                .collect();
            TopicProduceResponse::default()
                .with_name(t.name.clone())
                .with_topic_id(t.topic_id)
                .with_partition_responses(partitions)
        })
        .collect();
    ProduceResponse::default().with_responses(responses)
}
