//! Fetch requests, fetch responses and the fetched data waiting for `poll_records`.
//!
//! A response's record bytes are kept whole (`CompletedFetch`); arriving, they are
//! only scanned batch header by batch header (to learn where the next fetch starts),
//! and records are decoded one by one as `poll_records` hands them out. Records
//! before the position (the fetch returns the whole batch holding the fetch offset)
//! and control batches are skipped; a partial batch at the end is normal (the
//! broker cut it at the byte limit) and is fetched again next time. Under
//! read_committed, batches of aborted transactions are skipped too (`aborted.rs`).

use std::collections::HashMap;

use bytes::Bytes;
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::fetch_response::PartitionData;
use kafka_protocol::messages::{FetchRequest, FetchResponse, RequestKind, TopicName};

use crate::client::versions;
use crate::error::{Error, ErrorCode};
use crate::protocol::{BrokerId, Millis, Transmit};
use crate::record::{BatchIter, Record, RecordError, RecordIter, TimestampType};

use super::aborted::AbortedTransactions;
use super::{auto_reset, Consumer, ConsumerEvent, ConsumerRecord, PartitionState, Reset, Settings, TopicPartition};
use super::{Events, BUFFERED_FETCHES_PER_PARTITION_MAX};

/// A partition in a Fetch request: its seek epoch then, and the offset asked for.
pub(super) type Fetched = (TopicPartition, u64, i64);

/// One fetch response's records for one partition, handed out lazily.
#[derive(Debug, Clone)]
pub(crate) struct CompletedFetch {
    batches: BatchIter,
    current: Option<OpenBatch>,
    /// Bytes of complete batches not opened yet (for the prefetch decision).
    remaining_bytes: usize,
    /// The offset after the last complete batch: where the next fetch starts.
    pub end_offset: i64,
    /// A batch that cannot be parsed follows the complete ones: do not prefetch past it.
    pub ends_in_error: bool,
    /// read_committed only: the response's aborted transactions (boxed: most fetches have none).
    aborted: Option<Box<AbortedTransactions>>,
}

#[derive(Debug, Clone)]
struct OpenBatch {
    records: RecordIter,
    meta: BatchMeta,
    /// Offset after the batch (its last offset delta may lie past its last record after compaction).
    next_offset: i64,
}

/// What a record takes from its batch.
#[derive(Clone, Copy, Debug)]
struct BatchMeta {
    timestamp_type: TimestampType,
    leader_epoch: Option<i32>,
}

/// Why a fetched batch could not be handed out.
struct BadBatch {
    offset: i64,
    error: RecordError,
}

/// The outcome of scanning a response's record bytes.
enum Scanned {
    Data(CompletedFetch),
    /// The first batch is unreadable.
    Bad(BadBatch),
    /// Bytes came, but not one whole batch: it is larger than the fetch limits allow.
    Partial(usize),
    Empty,
}

impl CompletedFetch {
    fn scan(records: Bytes, fetch_offset: i64, aborted: Option<Box<AbortedTransactions>>) -> Scanned {
        if records.is_empty() {
            return Scanned::Empty;
        }
        let len = records.len();
        let mut end_offset = fetch_offset;
        let mut complete_bytes = 0usize;
        let mut batches = 0usize;
        let mut ends_in_error = false;
        for batch in BatchIter::new(records.clone()) {
            match batch {
                Ok(b) => {
                    end_offset = end_offset.max(b.header.last_offset() + 1);
                    complete_bytes += b.header.total_len();
                    batches += 1;
                }
                Err(error) if batches == 0 => return Scanned::Bad(BadBatch { offset: fetch_offset, error }),
                Err(_) => {
                    ends_in_error = true;
                    break;
                }
            }
        }
        if batches == 0 {
            return Scanned::Partial(len);
        }
        Scanned::Data(CompletedFetch {
            batches: BatchIter::new(records),
            current: None,
            remaining_bytes: complete_bytes,
            end_offset,
            ends_in_error,
            aborted,
        })
    }

    /// The next record at or after `position`, advancing `position` past it (and past
    /// skipped control batches and batch tails). `Ok(None)`: this fetch is used up.
    fn next(&mut self, position: &mut i64, check_crcs: bool) -> Result<Option<(Record, BatchMeta)>, BadBatch> {
        loop {
            if let Some(open) = &mut self.current {
                match open.records.next() {
                    Some(Ok(r)) if r.offset < *position => continue,
                    Some(Ok(r)) => {
                        *position = r.offset + 1;
                        return Ok(Some((r, open.meta)));
                    }
                    Some(Err(error)) => {
                        let offset = *position;
                        self.current = None;
                        return Err(BadBatch { offset, error });
                    }
                    None => {
                        *position = (*position).max(open.next_offset);
                        self.current = None;
                    }
                }
            }
            let batch = match self.batches.next() {
                None => return Ok(None),
                Some(Ok(b)) => b,
                Some(Err(error)) => return Err(BadBatch { offset: *position, error }),
            };
            let h = batch.header;
            self.remaining_bytes = self.remaining_bytes.saturating_sub(h.total_len());
            let aborted = self.aborted.as_mut().is_some_and(|a| a.skips(&batch));
            if h.last_offset() < *position {
                continue;
            }
            if check_crcs {
                batch.verify_crc().map_err(|error| BadBatch { offset: h.base_offset, error })?;
            }
            if aborted || h.is_control() {
                *position = (*position).max(h.last_offset() + 1);
                continue;
            }
            let records = batch.records().map_err(|error| BadBatch { offset: h.base_offset, error })?;
            self.current = Some(OpenBatch {
                records,
                meta: BatchMeta {
                    timestamp_type: h.timestamp_type(),
                    leader_epoch: (h.partition_leader_epoch >= 0).then_some(h.partition_leader_epoch),
                },
                next_offset: h.last_offset() + 1,
            });
        }
    }
}

/// Fetch's `isolation_level` for read_committed.
const READ_COMMITTED: i8 = 1;

/// Fetch when the buffered data runs below half of `max.partition.fetch.bytes`.
fn prefetch_below_bytes(settings: &Settings) -> usize {
    usize::try_from(settings.max_partition_fetch_bytes).unwrap_or(0) / 2
}

fn wants_data(s: &PartitionState, settings: &Settings) -> bool {
    match s.buffered.len() {
        0 => true,
        n if n >= BUFFERED_FETCHES_PER_PARTITION_MAX => false,
        _ => {
            let last = s.buffered.back().expect("buffer is not empty");
            let remaining: usize = s.buffered.iter().map(|f| f.remaining_bytes).sum();
            !last.ends_in_error && remaining < prefetch_below_bytes(settings)
        }
    }
}

/// True when every partition of a would-be Fetch to `broker` is read up to its high watermark
/// while another partition of that broker still has records buffered for the application. Such a
/// Fetch would wait `fetch.max.wait.ms` at the broker, and as one Fetch per broker is in flight,
/// the other partitions could not be fetched until it returned: they would run dry behind it.
/// It goes out with them once they want data (or their buffers are empty).
fn only_partitions_at_their_end(c: &Consumer, broker: BrokerId, parts: &[(TopicPartition, u64, i64, i32)]) -> bool {
    let at_end = |tp: &TopicPartition, fetch_offset: i64| {
        c.partitions.get(tp).is_some_and(|s| s.high_watermark >= 0 && fetch_offset >= s.high_watermark)
    };
    if parts.is_empty() || !parts.iter().all(|(tp, _, offset, _)| at_end(tp, *offset)) {
        return false;
    }
    c.partitions.iter().any(|(tp, s)| {
        !s.paused
            && !s.buffered.is_empty()
            && !parts.iter().any(|(p, ..)| p == tp)
            && c.metadata.leader(&tp.topic, tp.partition) == Some(broker)
    })
}

/// The next Fetch, to the lowest-numbered leader without one in flight.
pub(super) fn poll_fetch(c: &mut Consumer, cid: i32, now: Millis) -> Option<(Transmit, Vec<Fetched>)> {
    let mut target: Option<BrokerId> = None;
    let mut parts: Vec<(TopicPartition, u64, i64, i32)> = Vec::new();
    let mut leader_unknown = false;
    for (tp, s) in c.partitions.iter_mut() {
        if s.paused || s.reset != Reset::Done || s.fetch_in_flight || s.backing_off(now) {
            continue;
        }
        let Some(position) = s.position else { continue };
        if !wants_data(s, &c.settings) {
            continue;
        }
        let Some(leader) = c.metadata.leader(&tp.topic, tp.partition) else {
            leader_unknown = true;
            continue;
        };
        if c.fetching.contains(&leader) || target.is_some_and(|t| t != leader) {
            continue;
        }
        target = Some(leader);
        let fetch_offset = s.buffered.back().map_or(position, |f| f.end_offset);
        let epoch = c
            .metadata
            .topic(&tp.topic)
            .and_then(|t| t.partitions.get(tp.partition as usize))
            .map_or(-1, |p| p.leader_epoch);
        parts.push((tp.clone(), s.seek_epoch, fetch_offset, epoch));
    }
    if leader_unknown {
        c.metadata.request_refresh();
    }
    let broker = target?;
    if only_partitions_at_their_end(c, broker, &parts) {
        return None;
    }
    let mut topics: Vec<FetchTopic> = Vec::new();
    for (tp, _, fetch_offset, leader_epoch) in &parts {
        let partition = FetchPartition::default()
            .with_partition(tp.partition)
            .with_current_leader_epoch(*leader_epoch)
            .with_fetch_offset(*fetch_offset)
            .with_log_start_offset(-1)
            .with_partition_max_bytes(c.settings.max_partition_fetch_bytes);
        match topics.last_mut() {
            Some(t) if t.topic.0.as_str() == tp.topic => t.partitions.push(partition),
            _ => topics.push(
                FetchTopic::default()
                    .with_topic(TopicName(crate::protocol::StrBytes::from_string(tp.topic.clone())))
                    .with_partitions(vec![partition]),
            ),
        }
    }
    for (tp, ..) in &parts {
        if let Some(s) = c.partitions.get_mut(tp) {
            s.fetch_in_flight = true;
        }
    }
    c.fetching.insert(broker);
    let body = FetchRequest::default()
        .with_max_wait_ms(c.settings.fetch_max_wait_ms)
        .with_min_bytes(c.settings.fetch_min_bytes)
        .with_max_bytes(c.settings.fetch_max_bytes)
        .with_isolation_level(c.settings.isolation_level)
        .with_session_id(0)
        .with_session_epoch(-1)
        .with_topics(topics);
    let transmit = Transmit {
        broker,
        correlation_id: cid,
        api_version: versions::FETCH,
        body: RequestKind::Fetch(body),
        expects_response: true,
    };
    Some((transmit, parts.into_iter().map(|(tp, epoch, offset, _)| (tp, epoch, offset)).collect()))
}

pub(super) fn handle_fetch(c: &mut Consumer, parts: Vec<Fetched>, resp: FetchResponse, now: Millis) {
    let backoff = now + c.settings.retry_backoff_ms;
    let mut asked: HashMap<TopicPartition, (u64, i64)> = HashMap::with_capacity(parts.len());
    for (tp, epoch, offset) in parts {
        if let Some(s) = c.partitions.get_mut(&tp) {
            s.fetch_in_flight = false;
        }
        asked.insert(tp, (epoch, offset));
    }
    let top = ErrorCode(resp.error_code);
    if top.is_error() {
        if top.is_retriable() {
            c.metadata.request_refresh();
        } else {
            c.events.error(Error::from_code(resp.error_code, "fetch"));
        }
        for tp in asked.keys() {
            if let Some(s) = c.partitions.get_mut(tp) {
                s.backoff_until = Some(backoff);
            }
        }
        return;
    }
    for topic in resp.responses {
        for p in topic.partitions {
            let tp = TopicPartition::new(topic.topic.0.as_str(), p.partition_index);
            let Some((epoch, fetch_offset)) = asked.remove(&tp) else {
                let e = Error::new(ErrorCode::BAD_MSG, format!("fetch response names {tp}, which was not fetched"));
                c.events.error(e);
                continue;
            };
            let Some(s) = c.partitions.get_mut(&tp) else {
                continue;
            };
            let expected = s.buffered.back().map(|f| f.end_offset).or(s.position);
            if s.seek_epoch != epoch || s.reset != Reset::Done || expected != Some(fetch_offset) {
                continue; // stale: the partition was sought or reset since the request left
            }
            let had_data = !s.buffered.is_empty();
            handle_partition(&c.settings, &mut c.events, &mut c.metadata, &tp, s, fetch_offset, p, backoff);
            if !had_data && !s.buffered.is_empty() && !c.ready.contains(&tp) {
                c.ready.push_back(tp);
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn handle_partition(
    settings: &Settings,
    events: &mut Events,
    metadata: &mut crate::client::Metadata,
    tp: &TopicPartition,
    s: &mut PartitionState,
    fetch_offset: i64,
    p: PartitionData,
    backoff: Millis,
) {
    let code = ErrorCode(p.error_code);
    match code {
        ErrorCode::NONE => {
            if p.high_watermark >= 0 {
                s.high_watermark = p.high_watermark;
            }
            // Only read_committed filters; a response listing no aborted transaction needs no filter.
            let aborted = match &p.aborted_transactions {
                Some(list) if settings.isolation_level == READ_COMMITTED && !list.is_empty() => {
                    Some(Box::new(AbortedTransactions::new(list)))
                }
                _ => None,
            };
            match CompletedFetch::scan(p.records.unwrap_or_default(), fetch_offset, aborted) {
                Scanned::Data(f) => s.buffered.push_back(f),
                Scanned::Empty => maybe_eof(settings, events, tp, s),
                Scanned::Bad(bad) => {
                    events.error(bad_batch_error(tp, &bad));
                    s.backoff_until = Some(backoff);
                }
                Scanned::Partial(len) => {
                    let e = Error::new(
                        ErrorCode::MESSAGE_TOO_LARGE,
                        format!(
                            "{tp}: the record batch at offset {fetch_offset} does not fit in the {len} bytes \
                             fetched (max.partition.fetch.bytes {})",
                            settings.max_partition_fetch_bytes
                        ),
                    );
                    events.error(e);
                    s.backoff_until = Some(backoff);
                }
            }
        }
        ErrorCode::OFFSET_OUT_OF_RANGE => {
            // A prefetch past buffered data is out of range only once the position gets there.
            if s.buffered.is_empty() && s.position == Some(fetch_offset) {
                s.out_of_range_at = Some(fetch_offset);
                auto_reset(settings, events, tp, s, ErrorCode::AUTO_OFFSET_RESET);
            } else {
                s.backoff_until = Some(backoff);
            }
        }
        // The broker named the new leader (v12's current_leader): fetch from it at once.
        ErrorCode::NOT_LEADER_OR_FOLLOWER | FENCED_LEADER_EPOCH
            if metadata.apply_leader_hint(
                &tp.topic,
                tp.partition,
                p.current_leader.leader_id.0,
                p.current_leader.leader_epoch,
            ) => {}
        c if c.is_retriable() => {
            metadata.request_refresh();
            s.backoff_until = Some(backoff);
        }
        _ => {
            events.error(Error::from_code(p.error_code, format_args!("fetch {tp} at offset {fetch_offset}")));
            s.backoff_until = Some(backoff);
        }
    }
}

fn bad_batch_error(tp: &TopicPartition, bad: &BadBatch) -> Error {
    Error::new(bad.error.error_code(), format!("{tp}: record batch at offset {}: {}", bad.offset, bad.error))
}

fn maybe_eof(settings: &Settings, events: &mut Events, tp: &TopicPartition, s: &mut PartitionState) {
    let Some(position) = s.position else { return };
    if settings.enable_partition_eof
        && s.buffered.is_empty()
        && s.high_watermark >= 0
        && position >= s.high_watermark
        && s.eof_reported_at != Some(position)
    {
        s.eof_reported_at = Some(position);
        events.push(ConsumerEvent::PartitionEof { tp: tp.clone(), offset: position });
    }
}

pub(super) fn poll_records(c: &mut Consumer, now: Millis, max: usize) -> Vec<ConsumerRecord> {
    let max = max.max(1);
    if c.ready.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(max.min(RECORDS_PREALLOCATED_MAX));
    let mut paused: Vec<TopicPartition> = Vec::new();
    while out.len() < max {
        let Some(tp) = c.ready.pop_front() else { break };
        let Some(s) = c.partitions.get_mut(&tp) else {
            continue;
        };
        if s.paused {
            paused.push(tp);
            continue;
        }
        if let Err(bad) = drain(s, tp.partition, &c.settings, &mut out, max) {
            c.events.error(bad_batch_error(&tp, &bad));
            s.buffered.clear();
            s.backoff_until = Some(now + c.settings.retry_backoff_ms);
        }
        if !s.buffered.is_empty() {
            c.ready.push_front(tp);
            break;
        }
        maybe_eof(&c.settings, &mut c.events, &tp, s);
    }
    for tp in paused.into_iter().rev() {
        c.ready.push_front(tp);
    }
    out
}

/// Preallocate the returned Vec for at most this many records (`max.poll.records` may be huge).
const RECORDS_PREALLOCATED_MAX: usize = 4096;
const FENCED_LEADER_EPOCH: ErrorCode = ErrorCode(74);

/// Hand out records of one partition until `max` or its buffered data ends.
fn drain(
    s: &mut PartitionState,
    partition: i32,
    settings: &Settings,
    out: &mut Vec<ConsumerRecord>,
    max: usize,
) -> Result<(), BadBatch> {
    let Some(mut position) = s.position else {
        s.buffered.clear();
        return Ok(());
    };
    let partition_topic = s.topic.clone();
    let mut result = Ok(());
    while out.len() < max {
        let Some(fetch) = s.buffered.front_mut() else {
            break;
        };
        match fetch.next(&mut position, settings.check_crcs) {
            Ok(Some((r, batch))) => {
                s.leader_epoch = batch.leader_epoch;
                out.push(ConsumerRecord {
                    topic: partition_topic.clone(),
                    partition,
                    offset: r.offset,
                    timestamp: r.timestamp,
                    timestamp_type: batch.timestamp_type,
                    key: r.key,
                    value: r.value,
                    headers: r.headers,
                    leader_epoch: batch.leader_epoch,
                });
            }
            Ok(None) => {
                s.buffered.pop_front();
            }
            Err(bad) => {
                result = Err(bad);
                break;
            }
        }
    }
    s.position = Some(position);
    result
}
