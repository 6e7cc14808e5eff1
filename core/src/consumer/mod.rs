//! The consumer state machine: manual `assign`, or `subscribe` in a consumer group
//! (`group.rs` the membership protocol, `membership.rs` the application's group calls,
//! `assignor/` assignors, `commit.rs` offsets, `subscription.rs` topics and patterns).
//!
//! It owns, per assigned partition, the position (the offset of the next record
//! `poll_records` hands out), the offset-reset state (ListOffsets), pause flags
//! and the fetched data still to hand out. Fetched record bytes stay as the
//! `Bytes` the response carried: batches and records are decoded lazily in
//! `poll_records` (`fetcher.rs`), so a record costs one decode and one
//! `ConsumerRecord`, nothing else. Offset resets live in `reset.rs`.
//!
//! It relies on `client::Metadata` for leaders, on `record::BatchIter` for the
//! format-v2 batches, and on the driver for I/O and the time.

mod aborted;
pub mod assignor;
mod commit;
mod fetcher;
mod group;
#[cfg(test)]
mod group_tests;
mod membership;
mod reset;
mod subscription;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use kafka_protocol::messages::ResponseKind;

use crate::client::{ClientMachine, CorrelationIds, Metadata};
use crate::config::ConsumerConfig;
use crate::error::{Error, ErrorCode, Result};
use crate::notes::{Note, Notes};
use crate::protocol::{BrokerId, Millis, Transmit};
use crate::record::{RecordHeader, TimestampType};

pub use commit::OffsetAndMetadata;
use fetcher::CompletedFetch;
pub(crate) use group::JOIN_GROUP_TIMEOUT_LAPSE_MS;
use group::{Group, GroupReq};

/// `seek` to this offset: the log start offset (`seek_to_beginning`).
pub const OFFSET_BEGINNING: i64 = -2;
/// `seek` to this offset: the log end offset (`seek_to_end`).
pub const OFFSET_END: i64 = -1;

/// Fetched responses kept per partition (the one being handed out plus one prefetched).
const BUFFERED_FETCHES_PER_PARTITION_MAX: usize = 2;
/// Events kept for the application; beyond it the oldest are dropped (and counted).
const EVENTS_MAX: usize = 1024;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: i32,
}

impl TopicPartition {
    pub fn new(topic: impl Into<String>, partition: i32) -> Self {
        TopicPartition { topic: topic.into(), partition }
    }
}

impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// One record handed to the application. `topic` is shared by every record of
/// the partition (an `Arc<str>`, not a `String`: no allocation per record).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerRecord {
    pub topic: Arc<str>,
    pub partition: i32,
    pub offset: i64,
    pub timestamp: i64,
    pub timestamp_type: TimestampType,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: Vec<RecordHeader>,
    pub leader_epoch: Option<i32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConsumerEvent {
    /// Something went wrong for a partition or a request; the message names the partition.
    Error(Error),
    /// The position reached the high watermark (only with `enable.partition.eof`).
    PartitionEof { tp: TopicPartition, offset: i64 },
    /// The position was out of range (below the log start after retention, or past the
    /// end) and `auto.offset.reset` moved it: the records in between are skipped.
    OffsetReset { tp: TopicPartition, from: i64, to: i64 },
    /// The member is (re)joining its group: a rebalance started (KafkaJS's REBALANCING).
    Rebalancing,
    /// The member joined a generation of its group (KafkaJS's GROUP_JOIN); `Assigned` follows.
    Joined { generation_id: i32, member_id: String, leader: bool, protocol: String },
    /// The group gave these partitions to this member (with cooperative-sticky: only the new ones;
    /// may be empty, as the Java client calls `onPartitionsAssigned` after every rebalance).
    Assigned(Vec<TopicPartition>),
    /// These partitions were taken away in an orderly way (rebalance, unsubscribe, close): their
    /// positions were committed first with auto-commit.
    Revoked(Vec<TopicPartition>),
    /// These partitions were lost: the member was fenced or its session or poll interval
    /// expired, another member may own them already (nothing could be committed).
    Lost(Vec<TopicPartition>),
    /// The commit with this id (from `commit`) completed, with the offsets committed.
    CommitCompleted { id: u64, result: Result<Vec<(TopicPartition, i64)>> },
    /// The answer to `committed` with this id: the committed offset of each partition asked.
    Committed { id: u64, result: Result<Vec<(TopicPartition, Option<OffsetAndMetadata>)>> },
}

/// One line for a person (the playground's event log, the simulation journal): the first word
/// says what happened (`assigned`, `revoked`, `lost`, `joined`, `rebalancing`, `offset reset`,
/// `commit`, `error`, `end`, `committed`).
impl fmt::Display for ConsumerEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list(f: &mut fmt::Formatter<'_>, tps: &[TopicPartition]) -> fmt::Result {
            if tps.is_empty() {
                return f.write_str(" nothing");
            }
            for (i, tp) in tps.iter().enumerate() {
                write!(f, "{}{tp}", if i == 0 { " " } else { ", " })?;
            }
            Ok(())
        }
        match self {
            ConsumerEvent::Error(e) => write!(f, "error: {e}"),
            ConsumerEvent::PartitionEof { tp, offset } => write!(f, "end of {tp} reached at offset {offset}"),
            ConsumerEvent::OffsetReset { tp, from, to } => {
                write!(f, "offset reset on {tp}: {from} is out of range, auto.offset.reset moved it to {to}")
            }
            ConsumerEvent::Rebalancing => f.write_str("rebalancing: the member joins its group again"),
            ConsumerEvent::Joined { generation_id, leader, protocol, .. } => {
                let role = if *leader { "leader" } else { "member" };
                write!(f, "joined generation {generation_id} as {role} ({protocol})")
            }
            ConsumerEvent::Assigned(tps) => {
                f.write_str("assigned")?;
                list(f, tps)
            }
            ConsumerEvent::Revoked(tps) => {
                f.write_str("revoked")?;
                list(f, tps)
            }
            ConsumerEvent::Lost(tps) => {
                f.write_str("lost")?;
                list(f, tps)
            }
            ConsumerEvent::CommitCompleted { id, result: Ok(offsets) } => {
                write!(f, "commit {id} done:")?;
                if offsets.is_empty() {
                    return f.write_str(" nothing to commit");
                }
                for (i, (tp, o)) in offsets.iter().enumerate() {
                    write!(f, "{}{tp} → {o}", if i == 0 { " " } else { ", " })?;
                }
                Ok(())
            }
            ConsumerEvent::CommitCompleted { id, result: Err(e) } => write!(f, "commit {id} failed: {e}"),
            ConsumerEvent::Committed { id, result: Ok(offsets) } => {
                write!(f, "committed offsets read (request {id}, {} partitions)", offsets.len())
            }
            ConsumerEvent::Committed { id, result: Err(e) } => {
                write!(f, "committed offsets not read (request {id}): {e}")
            }
        }
    }
}

/// What `auto.offset.reset` (or a seek to a special offset) resets to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ResetTo {
    Earliest,
    Latest,
}

impl ResetTo {
    fn timestamp(self) -> i64 {
        match self {
            ResetTo::Earliest => OFFSET_BEGINNING,
            ResetTo::Latest => OFFSET_END,
        }
    }
}

/// The consumer settings this machine reads, taken from `ConsumerConfig` once.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub max_poll_records: usize,
    pub fetch_min_bytes: i32,
    pub fetch_max_bytes: i32,
    pub max_partition_fetch_bytes: i32,
    pub fetch_max_wait_ms: i32,
    pub isolation_level: i8,
    /// `None`: `auto.offset.reset=none`.
    pub auto_offset_reset: Option<ResetTo>,
    pub request_timeout_ms: Millis,
    pub retry_backoff_ms: Millis,
    pub check_crcs: bool,
    pub enable_partition_eof: bool,
}

impl Settings {
    fn from_config(c: &ConsumerConfig) -> Settings {
        use crate::config::OffsetReset;
        Settings {
            max_poll_records: c.max_poll_records.max(1),
            fetch_min_bytes: c.fetch_min_bytes,
            fetch_max_bytes: c.fetch_max_bytes,
            max_partition_fetch_bytes: c.max_partition_fetch_bytes,
            fetch_max_wait_ms: c.fetch_max_wait_ms,
            isolation_level: c.isolation_level.as_i8(),
            auto_offset_reset: match c.auto_offset_reset {
                OffsetReset::Earliest => Some(ResetTo::Earliest),
                OffsetReset::Latest => Some(ResetTo::Latest),
                OffsetReset::None => None,
            },
            request_timeout_ms: c.request_timeout_ms,
            retry_backoff_ms: c.retry_backoff_ms,
            check_crcs: c.check_crcs,
            enable_partition_eof: c.enable_partition_eof,
        }
    }
}

/// Where a partition's position comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reset {
    /// The position is known.
    Done,
    /// A ListOffsets is due (after `backoff_until`).
    Needed(ResetTo),
    /// A ListOffsets with this correlation id is in flight.
    InFlight(i32, ResetTo),
    /// No position and nothing to reset to (`auto.offset.reset=none`): waits for `seek`.
    AwaitingSeek,
    /// The group's committed offset is the position: an OffsetFetch is due.
    Committed,
    /// An OffsetFetch with this correlation id is in flight.
    CommittedInFlight(i32),
}

#[derive(Debug, Clone)]
pub(crate) struct PartitionState {
    pub topic: Arc<str>,
    pub position: Option<i64>,
    /// Leader epoch of the last record handed out.
    pub leader_epoch: Option<i32>,
    pub reset: Reset,
    /// Set when OFFSET_OUT_OF_RANGE triggered the reset: the position that was lost.
    pub out_of_range_at: Option<i64>,
    pub paused: bool,
    /// Bumped on every seek: responses to requests sent before it are stale.
    pub seek_epoch: u64,
    pub fetch_in_flight: bool,
    pub backoff_until: Option<Millis>,
    pub buffered: VecDeque<CompletedFetch>,
    pub high_watermark: i64,
    /// The offset at which PartitionEof was last reported (one event per arrival at the end).
    pub eof_reported_at: Option<i64>,
    /// The offset the application stored (`store_offsets`), committed instead of the position
    /// with `enable.auto.offset.store=false`.
    pub stored: Option<OffsetAndMetadata>,
}

impl PartitionState {
    fn new(topic: Arc<str>, reset: Reset, position: Option<i64>) -> Self {
        PartitionState {
            topic,
            position,
            leader_epoch: None,
            reset,
            out_of_range_at: None,
            paused: false,
            seek_epoch: 0,
            fetch_in_flight: false,
            backoff_until: None,
            buffered: VecDeque::new(),
            high_watermark: -1,
            eof_reported_at: None,
            stored: None,
        }
    }

    /// Forget the position's history: buffered data, in-flight answers, backoff.
    fn invalidate(&mut self) {
        self.seek_epoch += 1;
        self.buffered.clear();
        self.backoff_until = None;
        self.out_of_range_at = None;
        self.eof_reported_at = None;
    }

    fn backing_off(&mut self, now: Millis) -> bool {
        match self.backoff_until {
            Some(t) if t > now => true,
            Some(_) => {
                self.backoff_until = None;
                false
            }
            None => false,
        }
    }
}

#[derive(Debug, Clone)]
enum InFlightKind {
    Metadata,
    /// (partition, its seek epoch, the offset asked for) per fetched partition.
    Fetch(Vec<(TopicPartition, u64, i64)>),
    ListOffsets(Vec<TopicPartition>),
    Group(GroupReq),
}

impl InFlightKind {
    fn name(&self) -> &'static str {
        match self {
            InFlightKind::Metadata => "Metadata",
            InFlightKind::Fetch(_) => "Fetch",
            InFlightKind::ListOffsets(_) => "ListOffsets",
            InFlightKind::Group(g) => g.name(),
        }
    }
}

#[derive(Debug, Clone)]
struct InFlight {
    broker: BrokerId,
    deadline: Millis,
    kind: InFlightKind,
}

#[derive(Clone)]
pub struct Consumer {
    config: ConsumerConfig,
    settings: Settings,
    metadata: Metadata,
    ids: CorrelationIds,
    partitions: BTreeMap<TopicPartition, PartitionState>,
    /// Partitions with buffered data, in the order their data arrived.
    ready: VecDeque<TopicPartition>,
    in_flight: HashMap<i32, InFlight>,
    fetching: HashSet<BrokerId>,
    events: Events,
    /// Set with `group.id`: membership, commits (boxed: most consumers in a simulation have none).
    group: Option<Box<Group>>,
    /// Why the consumer decided what it did (`set_notes`; off by default).
    notes: Notes,
}

impl fmt::Debug for Consumer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumer")
            .field("partitions", &self.partitions.len())
            .field("in_flight", &self.in_flight.len())
            .field("events", &self.events.queue.len())
            .finish()
    }
}

impl Consumer {
    /// Collect notes on the consumer's decisions: offset resets, assignments, leaving the group
    /// (off by default).
    pub fn set_notes(&mut self, on: bool) {
        self.notes.set_enabled(on);
    }

    /// The notes collected since the last call, oldest first.
    pub fn take_notes(&mut self) -> Vec<Note> {
        self.notes.take()
    }

    pub fn new(config: ConsumerConfig, now: Millis) -> Result<Consumer> {
        config.validate()?;
        let settings = Settings::from_config(&config);
        let metadata =
            Metadata::new(config.metadata_max_age_ms, settings.retry_backoff_ms, config.allow_auto_create_topics);
        let group = Group::new(&config, now).map(Box::new);
        Ok(Consumer {
            group,
            config,
            settings,
            metadata,
            ids: CorrelationIds::default(),
            partitions: BTreeMap::new(),
            ready: VecDeque::new(),
            in_flight: HashMap::new(),
            fetching: HashSet::new(),
            events: Events::default(),
            notes: Notes::default(),
        })
    }

    pub fn config(&self) -> &ConsumerConfig {
        &self.config
    }

    /// Replace the assignment. A partition given an offset starts there (`OFFSET_BEGINNING`
    /// and `OFFSET_END` included); without one it keeps its position if it was assigned
    /// already, else the group's committed offset (with a `group.id`), else `auto.offset.reset`.
    /// Not while subscribed: that is reported as an error event and nothing changes.
    pub fn assign(&mut self, partitions: Vec<(TopicPartition, Option<i64>)>) {
        if self.group.as_ref().is_some_and(|g| !g.subscription.is_empty()) {
            let e = Error::state("cannot assign partitions manually while subscribed; unsubscribe first");
            self.push_event(ConsumerEvent::Error(e));
            return;
        }
        let committed = self.group.is_some();
        let mut old = std::mem::take(&mut self.partitions);
        let mut topics: HashMap<String, Arc<str>> = HashMap::new();
        for (tp, offset) in partitions {
            if tp.partition < 0 || tp.topic.is_empty() {
                self.push_event(ConsumerEvent::Error(Error::invalid_arg(format!("cannot assign {tp}"))));
                continue;
            }
            let mut state = match old.remove(&tp) {
                Some(s) => s,
                None => {
                    let topic = topics.entry(tp.topic.clone()).or_insert_with(|| Arc::from(tp.topic.as_str())).clone();
                    let mut s = PartitionState::new(topic, Reset::AwaitingSeek, None);
                    if offset.is_none() && committed {
                        s.reset = Reset::Committed;
                    } else if offset.is_none() {
                        self.auto_reset(&tp, &mut s, ErrorCode::NO_OFFSET);
                    }
                    s
                }
            };
            if let Some(offset) = offset {
                self.seek_state(&tp, &mut state, offset);
            }
            self.metadata.want(&tp.topic);
            self.partitions.insert(tp, state);
        }
        for tp in old.keys() {
            if !self.partitions.keys().any(|k| k.topic == tp.topic) {
                self.metadata.forget(&tp.topic);
            }
        }
        self.ready.retain(|tp| self.partitions.contains_key(tp));
    }

    pub fn unassign(&mut self) {
        self.assign(Vec::new());
    }

    pub fn assignment(&self) -> Vec<TopicPartition> {
        self.partitions.keys().cloned().collect()
    }

    /// Move the position; data fetched for the old position (buffered or in flight) is discarded.
    pub fn seek(&mut self, tp: &TopicPartition, offset: i64) -> Result<()> {
        if offset < OFFSET_BEGINNING {
            return Err(Error::invalid_arg(format!("cannot seek {tp} to offset {offset}")));
        }
        let mut state = self.partitions.remove(tp).ok_or_else(|| not_assigned(tp))?;
        self.seek_state(tp, &mut state, offset);
        self.partitions.insert(tp.clone(), state);
        Ok(())
    }

    pub fn seek_to_beginning(&mut self, tp: &TopicPartition) -> Result<()> {
        self.seek(tp, OFFSET_BEGINNING)
    }

    pub fn seek_to_end(&mut self, tp: &TopicPartition) -> Result<()> {
        self.seek(tp, OFFSET_END)
    }

    /// The offset of the next record `poll_records` returns for `tp` (`None` while unknown).
    pub fn position(&self, tp: &TopicPartition) -> Option<i64> {
        self.partitions.get(tp).and_then(|s| s.position)
    }

    /// The high watermark the last fetch of `tp` reported.
    pub fn high_watermark(&self, tp: &TopicPartition) -> Option<i64> {
        self.partitions.get(tp).map(|s| s.high_watermark).filter(|hw| *hw >= 0)
    }

    pub fn pause(&mut self, tps: &[TopicPartition]) {
        for tp in tps {
            if let Some(s) = self.partitions.get_mut(tp) {
                s.paused = true;
            }
        }
    }

    /// Resume fetching; data buffered while paused is handed out again.
    pub fn resume(&mut self, tps: &[TopicPartition]) {
        for tp in tps {
            if let Some(s) = self.partitions.get_mut(tp) {
                s.paused = false;
            }
        }
    }

    pub fn paused(&self) -> Vec<TopicPartition> {
        self.partitions.iter().filter(|(_, s)| s.paused).map(|(tp, _)| tp.clone()).collect()
    }

    /// True if fetched data waits for `poll_records` (it may all lie before the position).
    pub fn has_records(&self) -> bool {
        self.ready.iter().any(|tp| self.partitions.get(tp).is_some_and(|s| !s.paused && !s.buffered.is_empty()))
    }

    /// Up to `max.poll.records` records from the fetched data; positions advance past them.
    pub fn poll_records(&mut self, now: Millis) -> Vec<ConsumerRecord> {
        self.note_poll(now);
        fetcher::poll_records(self, now, self.settings.max_poll_records)
    }

    /// Like `poll_records`, at most `max` records (and never more than `max.poll.records`):
    /// for APIs that hand out one record at a time (confluent-kafka's `poll`).
    pub fn poll_records_up_to(&mut self, now: Millis, max: usize) -> Vec<ConsumerRecord> {
        self.note_poll(now);
        fetcher::poll_records(self, now, max.min(self.settings.max_poll_records))
    }

    pub fn poll_event(&mut self) -> Option<ConsumerEvent> {
        self.events.queue.pop_front()
    }

    /// Events dropped because the application did not drain them (`EVENTS_MAX`).
    pub fn events_dropped(&self) -> u64 {
        self.events.dropped
    }

    fn seek_state(&mut self, tp: &TopicPartition, state: &mut PartitionState, offset: i64) {
        state.invalidate();
        match offset {
            OFFSET_BEGINNING => state.reset = Reset::Needed(ResetTo::Earliest),
            OFFSET_END => state.reset = Reset::Needed(ResetTo::Latest),
            o if o >= 0 => {
                state.position = Some(o);
                state.reset = Reset::Done;
            }
            _ => self.auto_reset(tp, state, ErrorCode::NO_OFFSET),
        }
        if state.reset != Reset::Done {
            state.position = None;
        }
    }

    fn auto_reset(&mut self, tp: &TopicPartition, state: &mut PartitionState, code: ErrorCode) {
        auto_reset(&self.settings, &mut self.events, tp, state, code);
    }

    fn push_event(&mut self, event: ConsumerEvent) {
        self.events.push(event);
    }

    fn track(&mut self, transmit: &Transmit, now: Millis, kind: InFlightKind) {
        let wait = match kind {
            InFlightKind::Fetch(_) => Millis::from(self.settings.fetch_max_wait_ms),
            InFlightKind::Group(GroupReq::Join) => {
                self.config.max_poll_interval_ms + group::JOIN_GROUP_TIMEOUT_LAPSE_MS
            }
            _ => 0,
        };
        let deadline = now + self.settings.request_timeout_ms + wait;
        self.in_flight.insert(transmit.correlation_id, InFlight { broker: transmit.broker, deadline, kind });
    }

    /// A request got no usable answer (disconnect, timeout, garbage): retry what it asked after a backoff.
    fn fail_request(&mut self, cid: i32, now: Millis) {
        let Some(req) = self.in_flight.remove(&cid) else {
            return;
        };
        let backoff = now + self.settings.retry_backoff_ms;
        match req.kind {
            InFlightKind::Metadata => self.metadata.handle_failure(now),
            InFlightKind::Fetch(parts) => {
                self.fetching.remove(&req.broker);
                for (tp, _, _) in parts {
                    if let Some(s) = self.partitions.get_mut(&tp) {
                        s.fetch_in_flight = false;
                        s.backoff_until = Some(backoff);
                    }
                }
            }
            InFlightKind::Group(g) => group::fail(self, g, now),
            InFlightKind::ListOffsets(parts) => {
                for tp in parts {
                    if let Some(s) = self.partitions.get_mut(&tp) {
                        if let Reset::InFlight(c, to) = s.reset {
                            if c == cid {
                                s.reset = Reset::Needed(to);
                                s.backoff_until = Some(backoff);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Apply `auto.offset.reset`: schedule a ListOffsets, or report `code` and wait for a seek.
pub(crate) fn auto_reset(
    settings: &Settings,
    events: &mut Events,
    tp: &TopicPartition,
    state: &mut PartitionState,
    code: ErrorCode,
) {
    match settings.auto_offset_reset {
        Some(to) => {
            state.reset = Reset::Needed(to);
            state.position = None;
        }
        None => {
            let why = match (code, state.position) {
                (ErrorCode::AUTO_OFFSET_RESET, Some(p)) => {
                    format!("{tp}: offset {p} is out of range and auto.offset.reset is none; seek to continue")
                }
                _ => format!("{tp}: no offset to start from and auto.offset.reset is none; seek to start"),
            };
            state.reset = Reset::AwaitingSeek;
            state.position = None;
            events.push(ConsumerEvent::Error(Error::new(code, why)));
        }
    }
}

/// The application's event queue, bounded by `EVENTS_MAX` (the oldest go first).
#[derive(Debug, Default, Clone)]
pub(crate) struct Events {
    queue: VecDeque<ConsumerEvent>,
    dropped: u64,
}

impl Events {
    pub fn push(&mut self, event: ConsumerEvent) {
        if self.queue.len() >= EVENTS_MAX {
            self.queue.pop_front();
            self.dropped += 1;
        }
        self.queue.push_back(event);
    }

    pub fn error(&mut self, error: Error) {
        self.push(ConsumerEvent::Error(error));
    }
}

fn not_assigned(tp: &TopicPartition) -> Error {
    Error::new(ErrorCode::UNKNOWN_PARTITION_LOCAL, format!("{tp} is not assigned to this consumer"))
}

impl ClientMachine for Consumer {
    fn poll_transmit(&mut self, now: Millis) -> Option<Transmit> {
        let cid = self.ids.next_id();
        if let Some(t) = self.metadata.poll_request(cid, now) {
            self.track(&t, now, InFlightKind::Metadata);
            return Some(t);
        }
        if let Some((t, req)) = group::poll_transmit(self, cid, now) {
            self.track(&t, now, InFlightKind::Group(req));
            return Some(t);
        }
        if let Some((t, parts)) = reset::poll_list_offsets(self, cid, now) {
            self.track(&t, now, InFlightKind::ListOffsets(parts));
            return Some(t);
        }
        if let Some((t, parts)) = fetcher::poll_fetch(self, cid, now) {
            self.track(&t, now, InFlightKind::Fetch(parts));
            return Some(t);
        }
        None
    }

    fn handle_response(&mut self, broker: BrokerId, correlation_id: i32, body: ResponseKind, now: Millis) {
        let Some(req) = self.in_flight.get(&correlation_id) else {
            return;
        };
        if req.broker != broker {
            return;
        }
        match (&req.kind, body) {
            (InFlightKind::Metadata, ResponseKind::Metadata(resp)) => {
                self.in_flight.remove(&correlation_id);
                self.metadata.handle_response(&resp, now);
                for t in &resp.topics {
                    let (Some(name), code) = (&t.name, ErrorCode(t.error_code)) else {
                        continue;
                    };
                    let assigned = self.partitions.keys().any(|tp| tp.topic == name.0.as_str());
                    if assigned && code.is_error() && !code.is_retriable() {
                        let e = Error::from_code(t.error_code, format_args!("metadata for topic {}", name.0.as_str()));
                        self.push_event(ConsumerEvent::Error(e));
                    }
                }
            }
            (InFlightKind::Fetch(_), ResponseKind::Fetch(resp)) => {
                let Some(InFlight { kind: InFlightKind::Fetch(parts), .. }) = self.in_flight.remove(&correlation_id)
                else {
                    return;
                };
                self.fetching.remove(&broker);
                fetcher::handle_fetch(self, parts, resp, now);
            }
            (InFlightKind::ListOffsets(_), ResponseKind::ListOffsets(resp)) => {
                let Some(InFlight { kind: InFlightKind::ListOffsets(parts), .. }) =
                    self.in_flight.remove(&correlation_id)
                else {
                    return;
                };
                reset::handle_list_offsets(self, correlation_id, parts, resp, now);
            }
            (InFlightKind::Group(_), body) => {
                let Some(InFlight { kind: InFlightKind::Group(req), .. }) = self.in_flight.remove(&correlation_id)
                else {
                    return;
                };
                group::handle_response(self, broker, req, body, now);
            }
            (kind, _) => {
                let e = Error::new(
                    ErrorCode::BAD_MSG,
                    format!(
                        "broker {broker} answered {} request {correlation_id} with another response type",
                        kind.name()
                    ),
                );
                self.push_event(ConsumerEvent::Error(e));
                self.fail_request(correlation_id, now);
            }
        }
    }

    fn handle_disconnect(&mut self, broker: BrokerId, now: Millis) {
        let cids: Vec<i32> = self.in_flight.iter().filter(|(_, r)| r.broker == broker).map(|(c, _)| *c).collect();
        let lost = !cids.is_empty();
        for cid in cids {
            self.fail_request(cid, now);
        }
        if lost {
            self.metadata.request_refresh();
        }
        group::handle_disconnect(self, broker);
    }

    fn handle_timeout(&mut self, now: Millis) {
        let expired: Vec<i32> = self.in_flight.iter().filter(|(_, r)| r.deadline <= now).map(|(c, _)| *c).collect();
        for cid in expired {
            self.fail_request(cid, now);
        }
        for s in self.partitions.values_mut() {
            s.backing_off(now);
        }
        group::handle_timeout(self, now);
    }

    fn poll_timeout(&self) -> Option<Millis> {
        let requests = self.in_flight.values().map(|r| r.deadline);
        let backoffs = self.partitions.values().filter_map(|s| s.backoff_until);
        requests.chain(backoffs).chain(self.metadata.next_request_at()).chain(group::poll_timeout(self)).min()
    }
}
