//! The producer state machine: records in (`send`), Produce requests out
//! (`poll_transmit`), delivery reports back (`poll_event`). Sans-IO: the driver
//! passes the time and carries requests and responses.
//!
//! It owns the metadata cache for the topics it writes to, the accumulator
//! (`accumulator.rs`: per-partition batches, encoded once at `send`), the
//! partitioner (`partitioner.rs`), requests in flight with their deadlines, and
//! the delivery reports (`delivery.rs`, one compact entry per batch).
//!
//! Retries re-send the very bytes of the failed batch. With `enable.idempotence`
//! (the default) each batch carries a producer id, epoch and sequence number
//! (`idempotence.rs`), so the broker drops a copy it already stored; without it a
//! batch whose acknowledgement was lost is stored twice: at-least-once delivery, as
//! Kafka's producer behaves with idempotence off.

pub mod accumulator;
mod delivery;
mod idempotence;
mod inspect;
pub mod partitioner;
mod producer_id;
mod transactional;
pub mod txn;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use bytes::Bytes;
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::{
    ProduceRequest, ProduceResponse, RequestKind, ResponseKind, TopicName, TransactionalId,
};

use self::accumulator::{Accumulator, AccumulatorConfig, SealedBatch, TopicIdx, Waiting};
use self::delivery::Deliveries;
use self::idempotence::{Idempotence, PidState};
pub use self::inspect::{InFlightBatch, PartitionInspect};
use self::partitioner::Partitioner;
use self::txn::TxnManager;
pub use self::txn::{TxnEvent, TxnOffset, TxnOp, TxnState};
use crate::client::{versions, ClientMachine, CorrelationIds, Metadata};
use crate::config::{Acks, ProducerConfig};
use crate::error::{Error, ErrorCode, Result};
use crate::notes::{Note, Notes};
use crate::protocol::{BrokerId, Millis, StrBytes, Transmit};
use crate::record::{BatchBuilder, RecordHeader, BATCH_HEADER_LEN};

/// A record to send. Key, value and header bytes are shared, not copied: the
/// producer encodes them into a batch once, at `send`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProducerRecord {
    pub topic: String,
    /// `None`: chosen by the partitioner (key hash, else sticky).
    pub partition: Option<i32>,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: Vec<RecordHeader>,
    /// Milliseconds since the epoch; `None` takes the `now` given to `send`.
    pub timestamp: Option<i64>,
}

/// Identifies one `send` in its delivery report; increasing per producer, from 0.
pub type DeliveryId = u64;

/// Where a record was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordMetadata {
    /// Shared by every report of the topic (no allocation per record).
    pub topic: Arc<str>,
    pub partition: i32,
    /// -1 with acks=0 (the broker does not say).
    pub offset: i64,
    /// The broker's LogAppendTime if the topic uses it, else the record's timestamp.
    pub timestamp: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProducerEvent {
    /// The outcome of one `send`, exactly once per delivery id.
    Delivery { id: DeliveryId, result: Result<RecordMetadata, Error> },
}

/// A Produce request awaiting its response.
#[derive(Clone)]
struct InFlight {
    correlation_id: i32,
    broker: usize,
    /// Send order, to requeue the batches of several failed requests in their original order.
    seq: u64,
    deadline: Millis,
    batches: Vec<(TopicIdx, i32, SealedBatch)>,
}

/// The Metadata request in flight, with its deadline.
#[derive(Clone)]
struct MetadataInFlight {
    broker: BrokerId,
    deadline: Millis,
}

#[derive(Clone)]
pub struct Producer {
    config: ProducerConfig,
    metadata: Metadata,
    metadata_in_flight: Option<MetadataInFlight>,
    ids: CorrelationIds,
    partitioner: Partitioner,
    acc: Accumulator,
    in_flight: Vec<InFlight>,
    next_request_seq: u64,
    /// Round-robin start among brokers, so one busy broker does not starve the others.
    next_broker: usize,
    deliveries: Deliveries,
    next_id: DeliveryId,
    /// Records sent and not yet completed (their report may still be unread).
    pending: usize,
    /// Encoded bytes of pending records, bounded by `buffer.memory`.
    buffered_bytes: usize,
    /// Records with ids below this were flushed: batches built from them later
    /// (after their topic's metadata arrived) are drainable at once.
    flush_through: DeliveryId,
    /// When the next `delivery.timeout.ms` check is due (may be early, never late).
    expiry_check_at: Option<Millis>,
    /// Producer id, epoch and sequences; `None` with `enable.idempotence=false`.
    idem: Option<Box<Idempotence>>,
    /// The broker the InitProducerId in flight went to.
    pid_broker: BrokerId,
    /// The transaction manager; `None` without `transactional.id`.
    txn: Option<Box<TxnManager>>,
    /// Why the producer decided what it did (`set_notes`; off by default).
    notes: Notes,
}

/// Errors after which Kafka's producer refreshes metadata before retrying
/// (`InvalidMetadataException` and its subclasses).
fn is_invalid_metadata(code: ErrorCode) -> bool {
    matches!(code.0, 3 | 5 | 6 | 13 | 56 | 74 | 75 | 100)
}

impl Producer {
    /// A producer whose sticky partitioner is seeded from `client.id` and `now`
    /// (deterministic under a simulated clock).
    pub fn new(config: ProducerConfig, now: Millis) -> Result<Producer> {
        let seed = partitioner::murmur2(config.client_id.as_bytes()) as u32 as u64 ^ (now as u64).rotate_left(32);
        Producer::with_seed(config, now, seed)
    }

    /// A producer with an explicit seed for its partitioner's random choices.
    pub fn with_seed(config: ProducerConfig, _now: Millis, seed: u64) -> Result<Producer> {
        config.validate()?;
        let metadata =
            Metadata::new(config.metadata_max_age_ms, config.retry_backoff_ms, config.allow_auto_create_topics);
        let partitioner = Partitioner::new(config.partitioner, config.partitioner_ignore_keys, config.batch_size, seed);
        let acc = Accumulator::new(AccumulatorConfig {
            batch_size: config.batch_size,
            batch_num_messages: config.batch_num_messages.unwrap_or(usize::MAX),
            linger_ms: config.linger_ms,
            compression: config.compression_type,
            // With idempotence, sequence numbers keep each partition's order across retries
            // with up to 5 batches in flight (`idempotence.rs`).
            one_in_flight_per_partition: config.max_in_flight_requests_per_connection == 1,
        });
        let idem = config.enable_idempotence.then(|| Box::new(Idempotence::new()));
        let txn = config.transactional_id.clone().map(|id| Box::new(TxnManager::new(id)));
        Ok(Producer {
            config,
            metadata,
            metadata_in_flight: None,
            ids: CorrelationIds::default(),
            partitioner,
            acc,
            in_flight: Vec::new(),
            next_request_seq: 0,
            next_broker: 0,
            deliveries: Deliveries::default(),
            next_id: 0,
            pending: 0,
            buffered_bytes: 0,
            flush_through: 0,
            expiry_check_at: None,
            txn,
            idem,
            pid_broker: crate::protocol::BOOTSTRAP,
            notes: Notes::default(),
        })
    }

    /// Collect notes on the producer's decisions: retries, expiries, epoch bumps (off by default).
    pub fn set_notes(&mut self, on: bool) {
        self.notes.set_enabled(on);
    }

    /// The notes collected since the last call, oldest first.
    pub fn take_notes(&mut self) -> Vec<Note> {
        self.notes.take()
    }

    /// "orders-0 seq 4..5" (or "orders-0" without a sequence) for notes about a batch.
    fn batch_name(&self, t: TopicIdx, p: i32, batch: &SealedBatch) -> String {
        let topic = &self.acc.topics[t as usize].name;
        match batch.sequence {
            Some(s) if batch.records > 1 => {
                format!("{topic}-{p} seq {s}..{}", s.wrapping_add(batch.records as i32 - 1))
            }
            Some(s) => format!("{topic}-{p} seq {s}"),
            None => {
                let n = batch.records;
                format!("{topic}-{p} ({n} record{})", if n == 1 { "" } else { "s" })
            }
        }
    }

    pub fn config(&self) -> &ProducerConfig {
        &self.config
    }

    /// The producer id and epoch of the idempotent producer, once the broker gave them.
    pub fn producer_id(&self) -> Option<(i64, i16)> {
        self.idem.as_ref().filter(|i| i.producer_id >= 0).map(|i| (i.producer_id, i.epoch))
    }

    /// The metadata cache (brokers, partitions, leaders), for inspection.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// Accepts a record for delivery; its report comes from `poll_event`. Fails
    /// at once (no report) with INVALID_ARG for an empty topic, MESSAGE_TOO_LARGE
    /// for a record over `max.request.size` or `buffer.memory`, QUEUE_FULL when
    /// `buffer.memory` (or `queue.buffering.max.messages`) is used up, and
    /// UNKNOWN_PARTITION_LOCAL for an explicit partition the topic does not have.
    pub fn send(&mut self, record: ProducerRecord, now: Millis) -> Result<DeliveryId> {
        let ProducerRecord { topic, partition, key, value, headers, timestamp } = record;
        if topic.is_empty() {
            return Err(Error::invalid_arg("the record's topic is empty"));
        }
        self.check_txn_send()?;
        let size = BatchBuilder::record_size(key.as_deref(), value.as_deref(), &headers);
        self.check_room(&topic, size)?;
        let (t, new) = self.acc.topic_index(&topic);
        if new {
            self.metadata.want(&topic);
        }
        let ts = &mut self.acc.topics[t as usize];
        if let Some(e) = &ts.failed {
            return Err(e.clone());
        }
        let timestamp = timestamp.unwrap_or(now);
        let id = self.next_id;
        if !ts.partitions.is_empty() && ts.waiting.is_empty() {
            let n = ts.partitions.len() as i32;
            let p = self.partitioner.choose(&mut ts.partitioner, &topic, partition, key.as_deref(), n, size)?;
            self.acc.append(t, p, id, timestamp, key.as_deref(), value.as_deref(), &headers, size, now);
            self.note_txn_partition(t, p);
        } else {
            ts.waiting.push_back(Waiting { id, partition, key, value, headers, timestamp, size, sent_ms: now });
        }
        self.next_id += 1;
        self.pending += 1;
        self.buffered_bytes += size;
        let expiry = now + self.config.delivery_timeout_ms;
        if self.expiry_check_at.is_none_or(|at| expiry < at) {
            self.expiry_check_at = Some(expiry);
        }
        Ok(id)
    }

    fn check_room(&self, topic: &str, size: usize) -> Result<()> {
        let c = &self.config;
        if size + BATCH_HEADER_LEN > c.max_request_size {
            return Err(Error::new(
                ErrorCode::MESSAGE_TOO_LARGE,
                format!(
                    "a record of {} bytes for topic `{topic}` is larger than max.request.size ({} bytes)",
                    size + BATCH_HEADER_LEN,
                    c.max_request_size
                ),
            ));
        }
        if size > c.buffer_memory {
            return Err(Error::new(
                ErrorCode::MESSAGE_TOO_LARGE,
                format!(
                    "a record of {size} bytes for topic `{topic}` is larger than buffer.memory ({} bytes)",
                    c.buffer_memory
                ),
            ));
        }
        if self.buffered_bytes + size > c.buffer_memory {
            return Err(Error::new(
                ErrorCode::QUEUE_FULL,
                format!(
                    "buffer.memory is full ({} of {} bytes in {} records awaiting delivery); poll or flush, then send again",
                    self.buffered_bytes, c.buffer_memory, self.pending
                ),
            ));
        }
        if let Some(max) = c.queue_buffering_max_messages {
            if self.pending >= max {
                return Err(Error::new(
                    ErrorCode::QUEUE_FULL,
                    format!(
                        "queue.buffering.max.messages ({max}) records await delivery; poll or flush, then send again"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The next delivery report, if any.
    pub fn poll_event(&mut self) -> Option<ProducerEvent> {
        self.deliveries.pop()
    }

    /// Records sent and not yet completed. Reports of completed records may still
    /// wait in `poll_event`.
    pub fn pending(&self) -> usize {
        self.pending
    }

    /// Makes every batch drainable now, ignoring `linger.ms`, including batches
    /// built later from records still waiting for their topic's metadata (the core
    /// of `flush()`; the driver then runs until `pending() == 0`).
    pub fn flush_now(&mut self, _now: Millis) {
        self.flush_through = self.next_id;
        self.acc.flush(None);
    }

    // ---- completion -------------------------------------------------------

    fn complete(&mut self, t: TopicIdx, p: i32, batch: SealedBatch, outcome: Result<(i64, i64), Error>) {
        if let Some(idem) = self.idem.as_mut() {
            match &outcome {
                Ok(_) => idempotence::acked(&mut self.acc.partition_mut(t, p).seq, &batch),
                // A batch that got a sequence and failed leaves a gap (or an unknown outcome):
                // the sequences after it would be refused, so start afresh with a new epoch.
                Err(_) if batch.sequence.is_some() => {
                    idempotence::resolved(&mut self.acc.partition_mut(t, p).seq, &batch);
                    idem.bump_needed = true;
                }
                Err(_) => {}
            }
        }
        if let Err(e) = &outcome {
            self.txn_send_failed(e);
        }
        self.pending -= batch.records as usize;
        self.buffered_bytes -= batch.accounted;
        let topic = self.acc.topics[t as usize].name.clone();
        self.deliveries.push(topic, p, batch.runs, outcome);
    }

    /// A batch that was in flight is back; frees its partition's in-flight slot.
    fn returned(&mut self, t: TopicIdx, p: i32) {
        let part = self.acc.partition_mut(t, p);
        part.in_flight = part.in_flight.saturating_sub(1);
        self.acc.relist_if_sendable(t, p);
    }

    /// A transmitted batch failed with a retriable error: back to the head of its
    /// partition's queue after the backoff, unless retries or delivery.timeout.ms ran out.
    fn retry_or_fail(&mut self, t: TopicIdx, p: i32, mut batch: SealedBatch, error: Error, now: Millis) {
        self.returned(t, p);
        if let Some(e) = self.txn_refuses_retry() {
            self.complete(t, p, batch, Err(e));
            return;
        }
        let deadline = batch.created_ms + self.config.delivery_timeout_ms;
        if now >= deadline {
            let e = self.expired_error(t, p, &batch, Some(&error), now);
            if self.notes.is_enabled() {
                let (name, age, limit) =
                    (self.batch_name(t, p, &batch), now - batch.created_ms, self.config.delivery_timeout_ms);
                self.notes.add(now, "batch-expired", None, || {
                    format!("{name} failed ({}) {age} ms after it was created: delivery.timeout.ms {limit} passed, the records are given up", error.code().name())
                });
            }
            self.complete(t, p, batch, Err(e));
            return;
        }
        if i64::from(batch.attempts) > i64::from(self.config.retries) {
            if self.notes.is_enabled() {
                let (name, attempts, retries) = (self.batch_name(t, p, &batch), batch.attempts, self.config.retries);
                self.notes.add(now, "batch-failed", None, || {
                    format!(
                        "{name} failed ({}) after {attempts} attempts: retries = {retries}, given up",
                        error.code().name()
                    )
                });
            }
            let e = Error::new(
                error.code(),
                format!(
                    "{} (gave up after {} attempts; retries = {})",
                    error.message(),
                    batch.attempts,
                    self.config.retries
                ),
            );
            self.complete(t, p, batch, Err(e));
            return;
        }
        let shift = batch.attempts.saturating_sub(1).min(30);
        let backoff = self.config.retry_backoff_ms.saturating_mul(1 << shift).min(self.config.retry_backoff_max_ms);
        batch.retry_at = now + backoff;
        if self.notes.is_enabled() {
            let (name, attempt) = (self.batch_name(t, p, &batch), batch.attempts + 1);
            let (code, message) = (error.code().name(), error.message().to_string());
            self.notes.add(now, "retry", None, || {
                let why = if code == "REQUEST_TIMED_OUT" { message } else { code };
                format!("Produce to {name} failed ({why}): sending it again in {backoff} ms (attempt {attempt})")
            });
        }
        batch.last_error = Some(error);
        let retry_at = batch.retry_at;
        if self.expiry_check_at.is_none_or(|at| deadline < at) {
            self.expiry_check_at = Some(deadline);
        }
        self.acc.requeue(t, p, batch);
        self.acc.park_for_backoff(t, p, retry_at);
    }

    fn expired_error(&self, t: TopicIdx, p: i32, batch: &SealedBatch, last: Option<&Error>, now: Millis) -> Error {
        let topic = &self.acc.topics[t as usize].name;
        let mut msg = format!(
            "{} record(s) for topic `{topic}` partition {p} expired: {} ms passed since the batch was created \
             (delivery.timeout.ms = {})",
            batch.records,
            now - batch.created_ms,
            self.config.delivery_timeout_ms
        );
        if let Some(e) = last.or(batch.last_error.as_ref()) {
            msg.push_str(&format!("; last error: {e}"));
        }
        Error::new(ErrorCode::MSG_TIMED_OUT, msg)
    }

    /// Every request in `failed` got no answer: requeue their batches, newest first,
    /// so each partition's queue keeps the original order at its head.
    fn fail_requests(&mut self, mut failed: Vec<InFlight>, error: &Error, now: Millis) {
        failed.sort_by_key(|r| std::cmp::Reverse(r.seq));
        for req in failed {
            let b = &mut self.acc.brokers[req.broker];
            b.in_flight = b.in_flight.saturating_sub(1);
            for (t, p, batch) in req.batches.into_iter().rev() {
                self.retry_or_fail(t, p, batch, error.clone(), now);
            }
        }
        self.metadata.request_refresh();
    }

    // ---- metadata ---------------------------------------------------------

    /// New metadata: record topic errors, place records that waited for a
    /// partition count, and route partitions to their leaders.
    fn on_metadata(&mut self, now: Millis) {
        for t in 0..self.acc.topics.len() as TopicIdx {
            let name = self.acc.topics[t as usize].name.clone();
            let Some(meta) = self.metadata.topic(&name) else { continue };
            if meta.error.is_error() {
                let code = meta.error;
                if code.is_retriable() {
                    self.acc.topics[t as usize].last_error = Some(code);
                } else {
                    let e = Error::from_code(code.0, format_args!("topic `{name}`"));
                    self.acc.topics[t as usize].failed = Some(e.clone());
                    let waiting = std::mem::take(&mut self.acc.topics[t as usize].waiting);
                    for w in waiting {
                        self.fail_waiting(&name, w, e.clone());
                    }
                }
                continue;
            }
            let count = meta.partitions.len();
            let ts = &mut self.acc.topics[t as usize];
            ts.failed = None;
            ts.last_error = None;
            if ts.partitions.len() < count {
                ts.partitions.resize_with(count, Default::default);
            }
            if count > 0 {
                self.place_waiting(t, now);
            }
        }
        let metadata = &self.metadata;
        self.acc.reroute(|topic, p| metadata.leader(topic, p).unwrap_or(-1));
        if self.acc.has_unrouted() {
            self.metadata.request_refresh();
        }
    }

    fn place_waiting(&mut self, t: TopicIdx, now: Millis) {
        let waiting = std::mem::take(&mut self.acc.topics[t as usize].waiting);
        if waiting.is_empty() {
            return;
        }
        let flushed = waiting.front().is_some_and(|w| w.id < self.flush_through);
        for w in waiting {
            let ts = &mut self.acc.topics[t as usize];
            let n = ts.partitions.len() as i32;
            let name = ts.name.clone();
            match self.partitioner.choose(&mut ts.partitioner, &name, w.partition, w.key.as_deref(), n, w.size) {
                Ok(p) => {
                    // Timed from the send, so delivery.timeout.ms counts the wait for metadata.
                    self.acc.append(
                        t,
                        p,
                        w.id,
                        w.timestamp,
                        w.key.as_deref(),
                        w.value.as_deref(),
                        &w.headers,
                        w.size,
                        w.sent_ms.min(now),
                    );
                    self.note_txn_partition(t, p);
                }
                Err(e) => self.fail_waiting(&name, w, e),
            }
        }
        if flushed {
            self.acc.flush(Some(t));
        }
    }

    fn fail_waiting(&mut self, topic: &Arc<str>, w: Waiting, error: Error) {
        self.txn_send_failed(&error);
        self.pending -= 1;
        self.buffered_bytes -= w.size;
        let run = accumulator::Run { first_id: w.id, count: 1, timestamp: w.timestamp };
        self.deliveries.push(topic.clone(), w.partition.unwrap_or(-1), vec![run], Err(error));
    }

    // ---- delivery.timeout.ms ---------------------------------------------

    /// Fails queued records and batches older than `delivery.timeout.ms`.
    fn expire(&mut self, now: Millis) {
        let cutoff = now - self.config.delivery_timeout_ms;
        for t in 0..self.acc.topics.len() {
            while self.acc.topics[t].waiting.front().is_some_and(|w| w.sent_ms <= cutoff) {
                let w = self.acc.topics[t].waiting.pop_front().expect("checked");
                let topic = self.acc.topics[t].name.clone();
                let e = match self.acc.topics[t].last_error {
                    Some(code) => Error::new(
                        code,
                        format!(
                            "topic `{topic}`: {code} for {} ms (delivery.timeout.ms); the topic does not exist or has no leader",
                            now - w.sent_ms
                        ),
                    ),
                    None => Error::new(
                        ErrorCode::MSG_TIMED_OUT,
                        format!("topic `{topic}` not present in metadata after {} ms (delivery.timeout.ms)", now - w.sent_ms),
                    ),
                };
                self.fail_waiting(&topic, w, e);
            }
        }
        for (t, p, batch) in self.acc.take_expired(cutoff) {
            let e = self.expired_error(t, p, &batch, None, now);
            if self.notes.is_enabled() {
                let (name, age, limit) =
                    (self.batch_name(t, p, &batch), now - batch.created_ms, self.config.delivery_timeout_ms);
                self.notes.add(now, "batch-expired", None, || {
                    format!(
                        "{name} waited {age} ms unsent: delivery.timeout.ms {limit} passed, the records are given up"
                    )
                });
            }
            self.complete(t, p, batch, Err(e));
        }
        self.expiry_check_at = self.acc.oldest_queued().map(|o| o + self.config.delivery_timeout_ms);
    }

    // ---- produce ----------------------------------------------------------

    fn build_request(&mut self, broker: usize, now: Millis) -> Option<Transmit> {
        let stamp = match &self.idem {
            Some(idem) => Some(idem.stamp(self.config.transactional_id.is_some())?),
            None => None,
        };
        let txn = &self.txn;
        let batches =
            self.acc.drain(broker, now, self.config.max_request_size, stamp, &|t, p| Producer::txn_allows(txn, t, p));
        if batches.is_empty() {
            return None;
        }
        let mut topic_data: Vec<TopicProduceData> = Vec::new();
        let mut topic_of: Vec<TopicIdx> = Vec::new();
        for (t, p, batch) in &batches {
            let i = match topic_of.iter().position(|x| x == t) {
                Some(i) => i,
                None => {
                    topic_of.push(*t);
                    let name = TopicName(self.acc.topics[*t as usize].wire_name.clone());
                    topic_data.push(TopicProduceData::default().with_name(name));
                    topic_data.len() - 1
                }
            };
            topic_data[i]
                .partition_data
                .push(PartitionProduceData::default().with_index(*p).with_records(Some(batch.bytes.clone())));
        }
        let body = ProduceRequest::default()
            .with_acks(self.config.acks.as_i16())
            .with_timeout_ms(self.config.request_timeout_ms.min(i32::MAX as i64) as i32)
            .with_topic_data(topic_data)
            .with_transactional_id(
                self.config.transactional_id.as_ref().map(|id| TransactionalId(StrBytes::from_string(id.clone()))),
            );
        let correlation_id = self.ids.next_id();
        let broker_id = self.acc.brokers[broker].id;
        let expects_response = self.config.acks != Acks::None;
        if expects_response {
            let mut batches = batches;
            for (_, _, b) in &mut batches {
                b.attempts += 1;
            }
            self.acc.brokers[broker].in_flight += 1;
            self.in_flight.push(InFlight {
                correlation_id,
                broker,
                seq: self.next_request_seq,
                deadline: now + self.config.request_timeout_ms,
                batches,
            });
            self.next_request_seq += 1;
        } else {
            // acks=0: the broker never answers; the records are done once handed over.
            for (t, p, batch) in batches {
                self.returned(t, p);
                self.complete(t, p, batch, Ok((-1, -1)));
            }
        }
        Some(Transmit {
            broker: broker_id,
            correlation_id,
            api_version: versions::PRODUCE,
            body: RequestKind::Produce(body),
            expects_response,
        })
    }

    fn on_produce(&mut self, req: InFlight, resp: &ProduceResponse, now: Millis) {
        let mut refresh = false;
        for (t, p, batch) in req.batches {
            let topic = self.acc.topics[t as usize].name.clone();
            let found = resp
                .responses
                .iter()
                .filter(|r| r.name.0.as_str() == &*topic)
                .flat_map(|r| r.partition_responses.iter())
                .find(|pr| pr.index == p);
            let Some(pr) = found else {
                let e = Error::new(
                    ErrorCode::BAD_MSG,
                    format!("the Produce response has no result for topic `{topic}` partition {p}"),
                );
                self.returned(t, p);
                self.complete(t, p, batch, Err(e));
                continue;
            };
            let code = ErrorCode(pr.error_code);
            // A copy the broker already stored (beyond its cache of offsets): delivered.
            if !code.is_error() || (code == ErrorCode::DUPLICATE_SEQUENCE_NUMBER && batch.sequence.is_some()) {
                self.returned(t, p);
                self.complete(t, p, batch, Ok((pr.base_offset, pr.log_append_time_ms)));
                continue;
            }
            let mut e = Error::from_code(code.0, format_args!("produce to topic `{topic}` partition {p}"));
            if let Some(m) = pr.error_message.as_ref().filter(|m| !m.is_empty()) {
                e = Error::new(code, format!("{}: {}", e.message(), m.as_str()));
            }
            let sequence_error =
                matches!(code, ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER | ErrorCode::UNKNOWN_PRODUCER_ID);
            if sequence_error && batch.sequence.is_some() {
                // Refused because an earlier batch is being retried: it follows in order. Refused
                // as the very next batch: the broker lost our state or a batch (KIP-360).
                if let Some(idem) = self.idem.as_mut() {
                    if idempotence::is_next(&self.acc.partition_mut(t, p).seq, &batch) {
                        idem.bump_needed = true;
                    }
                }
                self.retry_or_fail(t, p, batch, e, now);
            } else if code.is_retriable() {
                refresh |= is_invalid_metadata(code);
                self.retry_or_fail(t, p, batch, e, now);
            } else {
                self.returned(t, p);
                self.complete(t, p, batch, Err(e));
            }
        }
        if refresh {
            self.metadata.request_refresh();
        }
    }
}

impl ClientMachine for Producer {
    fn poll_transmit(&mut self, now: Millis) -> Option<Transmit> {
        // No topic yet, nothing to ask: the first send asks for its topic at once.
        let want_metadata = !self.acc.topics.is_empty() && self.metadata_in_flight.is_none();
        if want_metadata && self.metadata.next_request_at().is_some_and(|t| t <= now) {
            let correlation_id = self.ids.next_id();
            if let Some(tx) = self.metadata.poll_request(correlation_id, now) {
                self.metadata_in_flight =
                    Some(MetadataInFlight { broker: tx.broker, deadline: now + self.config.request_timeout_ms });
                return Some(tx);
            }
        }
        if let Some(tx) = self.poll_txn(now) {
            return Some(tx);
        }
        if let Some(tx) = self.poll_producer_id(now) {
            return Some(tx);
        }
        self.acc.expire_linger(now);
        self.acc.release_backoff(now);
        let n = self.acc.brokers.len();
        let max_in_flight = self.config.max_in_flight_requests_per_connection;
        for i in 0..n {
            let b = (self.next_broker + i) % n;
            if !self.acc.broker_has_ready(b) {
                continue;
            }
            if self.config.acks != Acks::None && self.acc.brokers[b].in_flight >= max_in_flight {
                continue;
            }
            if let Some(tx) = self.build_request(b, now) {
                self.next_broker = (b + 1) % n;
                return Some(tx);
            }
        }
        None
    }

    fn handle_response(&mut self, broker: BrokerId, correlation_id: i32, body: ResponseKind, now: Millis) {
        let _ = broker; // correlation ids are unique per producer
        if self.metadata.is_in_flight(correlation_id) {
            self.metadata_in_flight = None;
            match body {
                ResponseKind::Metadata(resp) => {
                    self.metadata.handle_response(&resp, now);
                    self.on_metadata(now);
                }
                _ => self.metadata.handle_failure(now),
            }
            return;
        }
        if self.is_txn_response(correlation_id) {
            self.on_txn_response(body, now);
            return;
        }
        if let Some(PidState::Requesting { correlation_id: c, .. }) = self.idem.as_ref().map(|i| &i.state) {
            if *c == correlation_id {
                self.on_producer_id(body, now);
                return;
            }
        }
        let Some(i) = self.in_flight.iter().position(|r| r.correlation_id == correlation_id) else {
            return; // already failed by a disconnect or its deadline
        };
        let req = self.in_flight.swap_remove(i);
        match body {
            ResponseKind::Produce(resp) => {
                let b = &mut self.acc.brokers[req.broker];
                b.in_flight = b.in_flight.saturating_sub(1);
                self.on_produce(req, &resp, now);
            }
            other => {
                let e = Error::new(ErrorCode::BAD_MSG, format!("expected a Produce response, got {:?}", other));
                self.fail_requests(vec![req], &e, now);
            }
        }
    }

    fn handle_disconnect(&mut self, broker: BrokerId, now: Millis) {
        if self.metadata_in_flight.as_ref().is_some_and(|m| m.broker == broker) {
            self.metadata_in_flight = None;
            self.metadata.handle_failure(now);
        }
        if self.pid_broker == broker
            && matches!(self.idem.as_ref().map(|i| &i.state), Some(PidState::Requesting { .. }))
        {
            let e = Error::new(ErrorCode::TRANSPORT, format!("the connection to broker {broker} was lost"));
            self.producer_id_failed(e, now);
        }
        if self.txn.as_ref().and_then(|t| t.in_flight.as_ref()).is_some_and(|r| r.broker == broker) {
            self.txn_request_failed(now);
        }
        let brokers = &self.acc.brokers;
        let failed = take_where(&mut self.in_flight, |r| brokers[r.broker].id == broker);
        if !failed.is_empty() {
            let e = Error::new(ErrorCode::TRANSPORT, format!("the connection to broker {broker} was lost"));
            self.fail_requests(failed, &e, now);
        }
    }

    fn handle_timeout(&mut self, now: Millis) {
        if self.metadata_in_flight.as_ref().is_some_and(|m| m.deadline <= now) {
            self.metadata_in_flight = None;
            self.metadata.handle_failure(now);
        }
        if let Some(PidState::Requesting { deadline, .. }) = self.idem.as_ref().map(|i| &i.state) {
            if *deadline <= now {
                let e =
                    Error::new(ErrorCode::REQUEST_TIMED_OUT, "no InitProducerId response within request.timeout.ms");
                self.producer_id_failed(e, now);
            }
        }
        if self.txn.as_ref().and_then(|t| t.in_flight.as_ref()).is_some_and(|r| r.deadline <= now) {
            self.txn_request_failed(now);
        }
        let expired = take_where(&mut self.in_flight, |r| r.deadline <= now);
        if !expired.is_empty() {
            let e = Error::new(
                ErrorCode::REQUEST_TIMED_OUT,
                format!("no Produce response within request.timeout.ms ({} ms)", self.config.request_timeout_ms),
            );
            self.fail_requests(expired, &e, now);
        }
        self.acc.expire_linger(now);
        self.acc.release_backoff(now);
        if self.expiry_check_at.is_some_and(|at| at <= now) {
            self.expire(now);
        }
    }

    fn poll_timeout(&self) -> Option<Millis> {
        let metadata = match &self.metadata_in_flight {
            Some(m) => Some(m.deadline),
            None if self.acc.topics.is_empty() => None,
            None => self.metadata.next_request_at(),
        };
        let requests = self.in_flight.iter().map(|r| r.deadline).min();
        let pid = match self.idem.as_ref().map(|i| &i.state) {
            Some(PidState::Requesting { deadline, .. }) => Some(*deadline),
            Some(PidState::Backoff { until }) if !self.acc.topics.is_empty() => Some(*until),
            _ => None,
        };
        let requests = earliest(earliest(requests, pid), self.txn_poll_timeout());
        // Called by drivers after every send: plain comparisons, no iterator over an array.
        earliest(earliest(metadata, requests), earliest(self.acc.next_deadline(), self.expiry_check_at))
    }
}

/// Removes and returns the requests matching `take`.
fn take_where(in_flight: &mut Vec<InFlight>, take: impl Fn(&InFlight) -> bool) -> Vec<InFlight> {
    let mut taken = Vec::new();
    let mut i = 0;
    while i < in_flight.len() {
        if take(&in_flight[i]) {
            taken.push(in_flight.swap_remove(i));
        } else {
            i += 1;
        }
    }
    taken
}

fn earliest(a: Option<Millis>, b: Option<Millis>) -> Option<Millis> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}
