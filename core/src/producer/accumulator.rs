//! The record accumulator: per topic and partition, the batch being filled and the
//! sealed batches waiting to be sent, plus which partitions each broker can drain.
//!
//! Records are encoded into a `record::BatchBuilder` as they are sent (one pass).
//! A batch is sealed (its bytes finished, kept for retries) when the next record
//! would not fit, when it reaches `batch.size` or `batch.num.messages`, or when it
//! is drained; it is *drainable* once `linger.ms` has passed since its first record,
//! on flush, or when sealed. A drainable open batch keeps taking records until a
//! request takes it, so batches grow while a broker is saturated (as Kafka's do).
//!
//! Partitions live in `Vec`s indexed by topic index and partition number; the hot
//! path never hashes a topic name (the producer caches the last topic's index).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use bytes::Bytes;

use super::idempotence::{self, PartitionSequences, Stamp};
use super::partitioner::TopicPartitioner;
use super::DeliveryId;
use crate::error::{Error, ErrorCode};
use crate::protocol::{BrokerId, Millis, StrBytes};
use crate::record::{BatchBuilder, Compression, RecordHeader, BATCH_HEADER_LEN};

pub(super) type TopicIdx = u32;

/// Consecutive delivery ids of one batch sharing a timestamp: a batch's reports in
/// a few words however many records it holds (one run when ids are contiguous,
/// as with one partition or the sticky partitioner).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Run {
    pub first_id: DeliveryId,
    pub count: u32,
    pub timestamp: i64,
}

fn push_run(runs: &mut Vec<Run>, id: DeliveryId, timestamp: i64) {
    if let Some(last) = runs.last_mut() {
        if last.timestamp == timestamp && last.first_id + u64::from(last.count) == id {
            last.count += 1;
            return;
        }
    }
    runs.push(Run { first_id: id, count: 1, timestamp });
}

/// The batch a partition is filling.
#[derive(Clone)]
struct OpenBatch {
    builder: BatchBuilder,
    runs: Vec<Run>,
    accounted: usize,
    created_ms: Millis,
    /// Matches the `lingering` entry created with it.
    seq: u64,
    drainable: bool,
}

/// A finished batch: the exact bytes sent, and re-sent on retry.
#[derive(Debug, Clone)]
pub(super) struct SealedBatch {
    pub bytes: Bytes,
    pub runs: Vec<Run>,
    pub records: u32,
    /// Bytes counted against `buffer.memory`, released when the batch completes.
    pub accounted: usize,
    pub created_ms: Millis,
    /// Times it was transmitted.
    pub attempts: u32,
    /// Not sent again before this (retry backoff).
    pub retry_at: Millis,
    pub last_error: Option<Error>,
    /// Base sequence stamped at the first drain (idempotence); kept across retries.
    pub sequence: Option<i32>,
    /// Seal order within the producer: retried batches go back in this order.
    pub order: u64,
}

/// A record sent before its topic's partition count was known.
#[derive(Clone)]
pub(super) struct Waiting {
    pub id: DeliveryId,
    pub partition: Option<i32>,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: Vec<RecordHeader>,
    pub timestamp: i64,
    pub size: usize,
    pub sent_ms: Millis,
}

#[derive(Default, Clone)]
pub(super) struct PartitionQueue {
    open: Option<OpenBatch>,
    pub sealed: VecDeque<SealedBatch>,
    pub leader: BrokerId,
    /// Index into `Accumulator::brokers` of the leader, `None` when it is unknown.
    route: Option<usize>,
    /// In its broker's ready list (or the unrouted list).
    listed: bool,
    /// Batches of this partition in requests awaiting a response.
    pub in_flight: u32,
    /// Sequence numbers of the idempotent producer.
    pub seq: PartitionSequences,
}

impl PartitionQueue {
    fn has_sendable(&self) -> bool {
        !self.sealed.is_empty() || self.open.as_ref().is_some_and(|o| o.drainable)
    }
}

#[derive(Clone)]
pub(super) struct TopicState {
    pub name: Arc<str>,
    /// The name as the Produce request carries it (shared bytes, cloned per request).
    pub wire_name: StrBytes,
    pub partitions: Vec<PartitionQueue>,
    pub partitioner: TopicPartitioner,
    pub waiting: VecDeque<Waiting>,
    /// The last retriable error metadata gave for the topic (named if records expire waiting).
    pub last_error: Option<ErrorCode>,
    /// A non-retriable metadata error: sends to the topic fail with it.
    pub failed: Option<Error>,
}

/// One broker's partitions with something to drain.
#[derive(Clone)]
pub(super) struct BrokerQueue {
    pub id: BrokerId,
    /// Produce requests awaiting a response (bounded by max.in.flight.requests.per.connection).
    pub in_flight: usize,
    ready: VecDeque<(TopicIdx, i32)>,
}

#[derive(Clone)]
pub(super) struct AccumulatorConfig {
    pub batch_size: usize,
    pub batch_num_messages: usize,
    pub linger_ms: Millis,
    pub compression: Compression,
    /// One batch in flight per partition (max.in.flight.requests.per.connection = 1: keeps
    /// order across retries without sequence numbers).
    pub one_in_flight_per_partition: bool,
}

#[derive(Clone)]
pub(super) struct Accumulator {
    config: AccumulatorConfig,
    pub topics: Vec<TopicState>,
    index: HashMap<Arc<str>, TopicIdx>,
    last: Option<TopicIdx>,
    pub brokers: Vec<BrokerQueue>,
    /// Partitions with something to send and no known leader.
    unrouted: Vec<(TopicIdx, i32)>,
    /// Open batches in creation order with their linger deadline; stale entries
    /// (the batch was sealed first) are skipped when they come due.
    lingering: VecDeque<(Millis, TopicIdx, i32, u64)>,
    /// Partitions whose head batch waits for its retry backoff.
    backoff: Vec<(Millis, TopicIdx, i32)>,
    next_seq: u64,
    /// Seal counter (`SealedBatch::order`).
    next_order: u64,
}

/// Per-partition overhead of a Produce request beyond the batch bytes (index,
/// length prefixes, tagged fields), for the `max.request.size` budget.
const PARTITION_OVERHEAD: usize = 16;

impl Accumulator {
    pub fn new(config: AccumulatorConfig) -> Self {
        Accumulator {
            config,
            topics: Vec::new(),
            index: HashMap::new(),
            last: None,
            brokers: Vec::new(),
            unrouted: Vec::new(),
            lingering: VecDeque::new(),
            backoff: Vec::new(),
            next_seq: 0,
            next_order: 0,
        }
    }

    /// The index of `name`, and whether the topic is new to the producer.
    pub fn topic_index(&mut self, name: &str) -> (TopicIdx, bool) {
        if let Some(t) = self.last {
            if &*self.topics[t as usize].name == name {
                return (t, false);
            }
        }
        if let Some(&t) = self.index.get(name) {
            self.last = Some(t);
            return (t, false);
        }
        let t = self.topics.len() as TopicIdx;
        let arc: Arc<str> = Arc::from(name);
        self.topics.push(TopicState {
            name: arc.clone(),
            wire_name: StrBytes::from_string(name.to_string()),
            partitions: Vec::new(),
            partitioner: TopicPartitioner::default(),
            waiting: VecDeque::new(),
            last_error: None,
            failed: None,
        });
        self.index.insert(arc, t);
        self.last = Some(t);
        (t, true)
    }

    pub fn partition_mut(&mut self, t: TopicIdx, p: i32) -> &mut PartitionQueue {
        &mut self.topics[t as usize].partitions[p as usize]
    }

    /// Encodes one record into partition `p`'s open batch (sealing the previous one
    /// if the record does not fit). Returns true if the new record opened a batch.
    #[allow(clippy::too_many_arguments)]
    pub fn append(
        &mut self,
        t: TopicIdx,
        p: i32,
        id: DeliveryId,
        timestamp: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[RecordHeader],
        size: usize,
        now: Millis,
    ) -> bool {
        let batch_size = self.config.batch_size;
        let part = &mut self.topics[t as usize].partitions[p as usize];
        if part.open.as_ref().is_some_and(|o| o.builder.estimated_size() + size > batch_size) {
            self.seal(t, p);
        }
        let part = &mut self.topics[t as usize].partitions[p as usize];
        let opened = part.open.is_none();
        if opened {
            let seq = self.next_seq;
            self.next_seq += 1;
            let capacity = batch_size.max(BATCH_HEADER_LEN + size);
            part.open = Some(OpenBatch {
                builder: BatchBuilder::with_capacity(self.config.compression, timestamp, capacity),
                runs: Vec::new(),
                accounted: 0,
                created_ms: now,
                seq,
                drainable: false,
            });
            let entry = (now + self.config.linger_ms, t, p, seq);
            // Creation times only go back for records that waited for metadata
            // (timed from their send); keep the deadlines sorted then.
            if self.lingering.back().is_none_or(|b| b.0 <= entry.0) {
                self.lingering.push_back(entry);
            } else {
                let at = self.lingering.partition_point(|e| e.0 <= entry.0);
                self.lingering.insert(at, entry);
            }
        }
        let open = part.open.as_mut().expect("opened above");
        open.builder.append(timestamp, key, value, headers);
        push_run(&mut open.runs, id, timestamp);
        open.accounted += size;
        // Full now (Kafka's `isFull`): ready without waiting for linger or the next record.
        if open.builder.estimated_size() >= batch_size || open.builder.len() >= self.config.batch_num_messages {
            self.seal(t, p);
        }
        opened
    }

    /// Finishes the open batch of a partition into its sealed queue and lists the partition.
    fn seal(&mut self, t: TopicIdx, p: i32) {
        seal_open(&mut self.topics[t as usize].partitions[p as usize], &mut self.next_order);
        self.list(t, p);
    }

    /// Puts a partition in its leader's ready list (once).
    pub fn list(&mut self, t: TopicIdx, p: i32) {
        let part = &mut self.topics[t as usize].partitions[p as usize];
        if part.listed {
            return;
        }
        part.listed = true;
        match part.route {
            Some(b) => self.brokers[b].ready.push_back((t, p)),
            None => self.unrouted.push((t, p)),
        }
    }

    /// Lists the partition again if it has something to send (after a batch completed).
    pub fn relist_if_sendable(&mut self, t: TopicIdx, p: i32) {
        if self.topics[t as usize].partitions[p as usize].has_sendable() {
            self.list(t, p);
        }
    }

    /// Lists every partition with something to send (after the producer id arrived).
    pub fn relist_all(&mut self) {
        for t in 0..self.topics.len() as TopicIdx {
            for p in 0..self.topics[t as usize].partitions.len() as i32 {
                self.relist_if_sendable(t, p);
            }
        }
    }

    pub fn has_unrouted(&self) -> bool {
        !self.unrouted.is_empty()
    }

    /// Marks batches whose linger passed as drainable.
    pub fn expire_linger(&mut self, now: Millis) {
        while let Some(&(deadline, t, p, seq)) = self.lingering.front() {
            if deadline > now {
                break;
            }
            self.lingering.pop_front();
            let part = &mut self.topics[t as usize].partitions[p as usize];
            if let Some(open) = part.open.as_mut().filter(|o| o.seq == seq) {
                open.drainable = true;
                self.list(t, p);
            }
        }
    }

    /// Lists partitions whose retry backoff passed.
    pub fn release_backoff(&mut self, now: Millis) {
        if self.backoff.is_empty() {
            return;
        }
        let mut i = 0;
        while i < self.backoff.len() {
            let (at, t, p) = self.backoff[i];
            if at <= now {
                self.backoff.swap_remove(i);
                self.list(t, p);
            } else {
                i += 1;
            }
        }
    }

    pub fn park_for_backoff(&mut self, t: TopicIdx, p: i32, until: Millis) {
        self.backoff.push((until, t, p));
    }

    /// The earliest linger or backoff deadline.
    pub fn next_deadline(&self) -> Option<Millis> {
        let linger = self.lingering.front().map(|e| e.0);
        match self.backoff.iter().map(|e| e.0).min() {
            Some(b) => Some(linger.map_or(b, |l| l.min(b))),
            None => linger,
        }
    }

    /// Every open batch becomes drainable now (flush).
    pub fn flush(&mut self, only_topic: Option<TopicIdx>) {
        for t in 0..self.topics.len() as TopicIdx {
            if only_topic.is_some_and(|o| o != t) {
                continue;
            }
            for p in 0..self.topics[t as usize].partitions.len() as i32 {
                if let Some(open) = self.topics[t as usize].partitions[p as usize].open.as_mut() {
                    open.drainable = true;
                    self.list(t, p);
                }
            }
        }
    }

    /// Sets leaders from metadata (`leader_of(topic, partition)`) and rebuilds the
    /// per-broker ready lists. Rare (metadata responses), so a full pass is fine.
    pub fn reroute(&mut self, leader_of: impl Fn(&str, i32) -> BrokerId) {
        for b in &mut self.brokers {
            b.ready.clear();
        }
        self.unrouted.clear();
        for t in 0..self.topics.len() {
            for p in 0..self.topics[t].partitions.len() {
                let leader = leader_of(&self.topics[t].name, p as i32);
                let route = (leader >= 0).then(|| self.broker_index(leader));
                let part = &mut self.topics[t].partitions[p];
                part.leader = leader;
                part.route = route;
                part.listed = false;
            }
        }
        for t in 0..self.topics.len() as TopicIdx {
            for p in 0..self.topics[t as usize].partitions.len() as i32 {
                self.relist_if_sendable(t, p);
            }
        }
    }

    fn broker_index(&mut self, id: BrokerId) -> usize {
        if let Some(i) = self.brokers.iter().position(|b| b.id == id) {
            return i;
        }
        self.brokers.push(BrokerQueue { id, in_flight: 0, ready: VecDeque::new() });
        self.brokers.len() - 1
    }

    pub fn broker_has_ready(&self, b: usize) -> bool {
        !self.brokers[b].ready.is_empty()
    }

    /// Takes at most one batch per ready partition led by broker `b`, in list
    /// order, while the request stays within `max_bytes` (the first batch always goes).
    /// With `stamp` (idempotence) each batch gets its producer id, epoch and base
    /// sequence at its first drain, and a retried batch goes only when it is next in
    /// sequence after what is in flight (or nothing is). `allowed` holds back partitions
    /// a transaction has not added yet.
    pub fn drain(
        &mut self,
        b: usize,
        now: Millis,
        max_bytes: usize,
        stamp: Option<Stamp>,
        allowed: &dyn Fn(TopicIdx, i32) -> bool,
    ) -> Vec<(TopicIdx, i32, SealedBatch)> {
        let mut taken = Vec::new();
        let mut again = Vec::new();
        let mut size = 0;
        let n = self.brokers[b].ready.len();
        for _ in 0..n {
            let Some((t, p)) = self.brokers[b].ready.pop_front() else { break };
            let one_in_flight = self.config.one_in_flight_per_partition;
            let topic = &mut self.topics[t as usize];
            let overhead = PARTITION_OVERHEAD + topic.name.len();
            let part = &mut topic.partitions[p as usize];
            if (one_in_flight && part.in_flight > 0) || !allowed(t, p) {
                part.listed = false; // listed again when its batch completes or the partition is added
                continue;
            }
            let next_len = match part.sealed.front() {
                Some(head) if head.retry_at > now => {
                    part.listed = false;
                    let at = head.retry_at;
                    self.backoff.push((at, t, p));
                    continue;
                }
                Some(head) if stamp.is_some() && !idempotence::may_send(&part.seq, head, part.in_flight) => {
                    part.listed = false;
                    continue;
                }
                Some(head) => head.bytes.len(),
                None if stamp.is_some() && !idempotence::may_send_new(&part.seq) => {
                    part.listed = false;
                    continue;
                }
                None if part.open.as_ref().is_some_and(|o| o.drainable) => {
                    part.open.as_ref().map_or(0, |o| o.builder.estimated_size())
                }
                None => {
                    part.listed = false;
                    continue;
                }
            };
            if !taken.is_empty() && size + next_len + overhead > max_bytes {
                self.brokers[b].ready.push_front((t, p));
                break;
            }
            if part.sealed.is_empty() {
                // A drainable open batch: sealed for this request.
                seal_open(part, &mut self.next_order);
            }
            let mut batch = part.sealed.pop_front().expect("checked above");
            if let Some(stamp) = stamp {
                idempotence::assign(&mut part.seq, &mut batch, stamp);
            }
            size += batch.bytes.len() + overhead;
            part.in_flight += 1;
            if part.has_sendable() {
                again.push((t, p));
            } else {
                part.listed = false;
            }
            taken.push((t, p, batch));
        }
        self.brokers[b].ready.extend(again);
        taken
    }

    /// Puts a batch back in its partition's queue in seal order (retries keep the
    /// partition's order whatever order their failures arrived in).
    pub fn requeue(&mut self, t: TopicIdx, p: i32, batch: SealedBatch) {
        let part = &mut self.topics[t as usize].partitions[p as usize];
        let at = part.sealed.iter().position(|b| b.order > batch.order).unwrap_or(part.sealed.len());
        part.sealed.insert(at, batch);
    }

    /// A new producer id or epoch: every partition's sequences start again at 0 and
    /// queued batches are stamped afresh when drained.
    pub fn reset_sequences(&mut self) {
        for topic in &mut self.topics {
            for part in &mut topic.partitions {
                part.seq = PartitionSequences::default();
                for b in &mut part.sealed {
                    b.sequence = None;
                }
            }
        }
    }

    /// Removes every queued batch (open ones sealed first), for an aborted transaction.
    pub fn take_queued(&mut self) -> Vec<(TopicIdx, i32, SealedBatch)> {
        let mut out = Vec::new();
        for t in 0..self.topics.len() as TopicIdx {
            for p in 0..self.topics[t as usize].partitions.len() as i32 {
                let part = &mut self.topics[t as usize].partitions[p as usize];
                seal_open(part, &mut self.next_order);
                while let Some(b) = part.sealed.pop_front() {
                    out.push((t, p, b));
                }
            }
        }
        out
    }

    /// The earliest time a queued (not in-flight) record or batch reaches `created + timeout`.
    pub fn oldest_queued(&self) -> Option<Millis> {
        let mut oldest: Option<Millis> = None;
        let mut note = |t: Millis| oldest = Some(oldest.map_or(t, |o| o.min(t)));
        for topic in &self.topics {
            if let Some(w) = topic.waiting.front() {
                note(w.sent_ms);
            }
            for part in &topic.partitions {
                if let Some(b) = part.sealed.front() {
                    note(b.created_ms);
                }
                if let Some(o) = &part.open {
                    note(o.created_ms);
                }
            }
        }
        oldest
    }

    /// Removes queued batches created at or before `cutoff` (expired), oldest first per partition.
    pub fn take_expired(&mut self, cutoff: Millis) -> Vec<(TopicIdx, i32, SealedBatch)> {
        let mut out = Vec::new();
        for t in 0..self.topics.len() as TopicIdx {
            for p in 0..self.topics[t as usize].partitions.len() as i32 {
                let part = &mut self.topics[t as usize].partitions[p as usize];
                // Retried batches sit at the head and are the oldest; the open batch is the newest.
                while part.sealed.front().is_some_and(|b| b.created_ms <= cutoff) {
                    let b = part.sealed.pop_front().expect("checked");
                    out.push((t, p, b));
                }
                if part.sealed.is_empty() && part.open.as_ref().is_some_and(|o| o.created_ms <= cutoff) {
                    seal_open(part, &mut self.next_order);
                    out.push((t, p, part.sealed.pop_front().expect("just sealed")));
                }
            }
        }
        out
    }
}

/// Finishes a partition's open batch into its sealed queue (the caller lists it).
/// Written without producer id or sequence: the idempotent producer stamps those
/// at the first drain (`idempotence::stamp`), when the sequence is known.
fn seal_open(part: &mut PartitionQueue, next_order: &mut u64) {
    let Some(open) = part.open.take() else { return };
    let records = open.builder.len() as u32;
    let order = *next_order;
    *next_order += 1;
    let bytes = open.builder.finish(-1, -1, -1, false);
    part.sealed.push_back(SealedBatch {
        bytes,
        runs: open.runs,
        records,
        accounted: open.accounted,
        created_ms: open.created_ms,
        attempts: 0,
        retry_at: Millis::MIN,
        last_error: None,
        sequence: None,
        order,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_merge_contiguous_ids_with_one_timestamp() {
        let mut runs = Vec::new();
        for id in 0..5 {
            push_run(&mut runs, id, 7);
        }
        push_run(&mut runs, 5, 8);
        push_run(&mut runs, 9, 8);
        assert_eq!(
            runs,
            vec![
                Run { first_id: 0, count: 5, timestamp: 7 },
                Run { first_id: 5, count: 1, timestamp: 8 },
                Run { first_id: 9, count: 1, timestamp: 8 }
            ]
        );
    }
}
