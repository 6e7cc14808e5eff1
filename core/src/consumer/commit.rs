//! Offsets committed to the group coordinator: OffsetCommit (auto-commit every
//! `auto.commit.interval.ms`, before rebalances and on close; the application's sync and async
//! commits of its positions or of explicit offsets with metadata) and OffsetFetch (the starting
//! positions of newly assigned partitions, with `require_stable` so that offsets pending in a
//! transaction are waited for; the application's `committed`).
//!
//! Errors are classified as the Java client does: REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION,
//! UNKNOWN_MEMBER_ID fail the commit for good (a commit-failed error: the partitions may belong
//! to another member now); coordinator errors find the coordinator again and retry; other
//! retriable errors retry after `retry.backoff.ms`, all until the commit's deadline.

use std::collections::{HashMap, VecDeque};

use kafka_protocol::messages::offset_commit_request::{OffsetCommitRequestPartition, OffsetCommitRequestTopic};
use kafka_protocol::messages::offset_fetch_request::{OffsetFetchRequestGroup, OffsetFetchRequestTopics};
use kafka_protocol::messages::{
    OffsetCommitRequest, OffsetCommitResponse, OffsetFetchRequest, OffsetFetchResponse, RequestKind, TopicName,
};

use super::group::{self, GroupReq, State};
use super::{auto_reset, Consumer, ConsumerEvent, Reset, TopicPartition};
use crate::client::versions;
use crate::error::{Error, ErrorCode, Result};
use crate::protocol::{BrokerId, Millis, StrBytes, Transmit};

/// How long a commit or an offset fetch keeps retrying (Java's `default.api.timeout.ms`).
pub(crate) const GROUP_API_TIMEOUT_MS: Millis = 60_000;

/// An offset to commit, or one committed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OffsetAndMetadata {
    pub offset: i64,
    pub metadata: Option<String>,
    pub leader_epoch: Option<i32>,
}

impl OffsetAndMetadata {
    pub fn new(offset: i64) -> Self {
        OffsetAndMetadata { offset, metadata: None, leader_epoch: None }
    }
}

#[derive(Debug, Clone)]
struct PendingCommit {
    /// `None`: an auto-commit (nobody waits for it).
    id: Option<u64>,
    /// The generation and member id when the commit was asked for: `close` and `unsubscribe`
    /// leave the generation right after queueing their commit.
    member: (i32, String),
    offsets: Vec<(TopicPartition, OffsetAndMetadata)>,
    deadline: Millis,
    retry_at: Millis,
    /// Order of the commit among this consumer's commits (see `Commits::newest`).
    seq: u64,
    /// Sent before without an answer: it may have been applied already, and a newer commit of
    /// the same partitions may have been applied since.
    retried: bool,
}

#[derive(Debug, Clone)]
struct PendingFetch {
    id: u64,
    tps: Vec<TopicPartition>,
    deadline: Millis,
    retry_at: Millis,
}

/// An OffsetCommit in flight, with the generation it was sent in.
#[derive(Debug, Clone)]
pub(crate) struct CommitReq {
    commit: PendingCommit,
    generation: i32,
}

/// An OffsetFetch in flight: for the application (`Some(fetch)`) or for positions.
#[derive(Debug, Clone)]
pub(crate) struct FetchReq {
    fetch: Option<PendingFetch>,
    tps: Vec<TopicPartition>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Commits {
    queue: VecDeque<PendingCommit>,
    fetches: VecDeque<PendingFetch>,
    in_flight: usize,
    next_id: u64,
    /// The last offset committed per partition (auto-commit skips those that did not move).
    last_committed: HashMap<TopicPartition, i64>,
    /// Per partition, the `seq` of the newest commit asked for it: a retried commit leaves out the
    /// partitions a newer commit covers, which the retry would otherwise move backwards (the
    /// coordinator takes offsets in the order they arrive).
    newest: HashMap<TopicPartition, u64>,
    next_seq: u64,
}

impl Commits {
    pub fn has_work(&self) -> bool {
        !self.queue.is_empty() || !self.fetches.is_empty() || self.in_flight > 0
    }

    pub fn next_deadline(&self) -> Option<Millis> {
        let commits = self.queue.iter().flat_map(|c| [c.retry_at, c.deadline]);
        let fetches = self.fetches.iter().flat_map(|f| [f.retry_at, f.deadline]);
        commits.chain(fetches).min()
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Queue a commit (it is the newest for its partitions).
    fn push(
        &mut self,
        id: Option<u64>,
        member: (i32, String),
        offsets: Vec<(TopicPartition, OffsetAndMetadata)>,
        now: Millis,
    ) {
        self.next_seq += 1;
        let seq = self.next_seq;
        for (tp, _) in &offsets {
            self.newest.insert(tp.clone(), seq);
        }
        let deadline = now + GROUP_API_TIMEOUT_MS;
        self.queue.push_back(PendingCommit { id, member, offsets, deadline, retry_at: now, seq, retried: false });
    }
}

impl Consumer {
    /// Commit offsets: `None` commits the position of every assigned partition. Completion is
    /// reported by `ConsumerEvent::CommitCompleted` with the returned id.
    pub fn commit(&mut self, offsets: Option<Vec<(TopicPartition, OffsetAndMetadata)>>, now: Millis) -> Result<u64> {
        let offsets = match offsets {
            Some(o) => o,
            None => self.consumed_positions(),
        };
        if let Some((tp, o)) = offsets.iter().find(|(tp, o)| o.offset < 0 || tp.partition < 0) {
            return Err(Error::invalid_arg(format!("cannot commit offset {} for {tp}", o.offset)));
        }
        let g = self.group.as_mut().ok_or_else(|| Error::config("group.id", "is needed to commit offsets"))?;
        let id = g.commits.id();
        if offsets.is_empty() {
            self.events.push(ConsumerEvent::CommitCompleted { id, result: Ok(Vec::new()) });
            return Ok(id);
        }
        let member = member_of(g);
        g.commits.push(Some(id), member, offsets, now);
        Ok(id)
    }

    /// Ask for the committed offsets of `tps`; the answer comes as `ConsumerEvent::Committed`.
    pub fn committed(&mut self, tps: Vec<TopicPartition>, now: Millis) -> Result<u64> {
        let g = self.group.as_mut().ok_or_else(|| Error::config("group.id", "is needed to read committed offsets"))?;
        let id = g.commits.id();
        g.commits.fetches.push_back(PendingFetch { id, tps, deadline: now + GROUP_API_TIMEOUT_MS, retry_at: now });
        Ok(id)
    }

    /// Store offsets (each the next offset to consume) of assigned partitions for the next
    /// commit without explicit offsets and for auto-commit, librdkafka's `offsets_store`. Needs
    /// `enable.auto.offset.store=false` (else the positions are committed). As librdkafka, the
    /// offsets of assigned partitions are stored even when others are not assigned (a rebalance
    /// took them): the call then fails with STATE naming those.
    pub fn store_offsets(&mut self, offsets: Vec<(TopicPartition, OffsetAndMetadata)>) -> Result<()> {
        if self.config.enable_auto_offset_store {
            return Err(Error::invalid_arg(
                "store_offsets needs enable.auto.offset.store=false (else the positions are committed)",
            ));
        }
        if let Some((tp, o)) = offsets.iter().find(|(_, o)| o.offset < 0) {
            return Err(Error::invalid_arg(format!("cannot store offset {} for {tp}", o.offset)));
        }
        let mut missing = Vec::new();
        for (tp, o) in offsets {
            match self.partitions.get_mut(&tp) {
                Some(s) => s.stored = Some(o),
                None => missing.push(tp.to_string()),
            }
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Error::state(format!("cannot store offsets of partitions not assigned: {}", missing.join(", "))))
        }
    }

    fn consumed_positions(&self) -> Vec<(TopicPartition, OffsetAndMetadata)> {
        if !self.config.enable_auto_offset_store {
            return self.partitions.iter().filter_map(|(tp, s)| Some((tp.clone(), s.stored.clone()?))).collect();
        }
        self.partitions
            .iter()
            .filter(|(_, s)| s.reset == Reset::Done)
            .filter_map(|(tp, s)| {
                s.position.map(|p| {
                    (tp.clone(), OffsetAndMetadata { offset: p, metadata: None, leader_epoch: s.leader_epoch })
                })
            })
            .collect()
    }
}

/// Queue an auto-commit of the positions that moved since their last commit. `now: None` uses
/// the latest time the machine saw (for `close` and `unsubscribe`, which take no time).
pub(super) fn auto_commit(c: &mut Consumer, now: Option<Millis>) {
    let tps: Vec<TopicPartition> = c.partitions.keys().cloned().collect();
    let now = now.unwrap_or_else(|| c.group.as_ref().map_or(0, |g| g.clock()));
    auto_commit_partitions(c, &tps, now);
}

pub(super) fn auto_commit_partitions(c: &mut Consumer, tps: &[TopicPartition], now: Millis) {
    let mut offsets = c.consumed_positions();
    let Some(g) = c.group.as_mut() else { return };
    offsets.retain(|(tp, o)| tps.contains(tp) && g.commits.last_committed.get(tp) != Some(&o.offset));
    if offsets.is_empty() {
        group::pre_join_commit_done(g);
        return;
    }
    let member = member_of(g);
    g.commits.push(None, member, offsets, now);
}

/// The generation a commit is made in; outside one (manual assignment) it is a "simple" commit:
/// generation -1, no member id.
fn member_of(g: &group::Group) -> (i32, String) {
    if g.generation >= 0 {
        (g.generation, g.member_id.clone())
    } else {
        (-1, String::new())
    }
}

fn topic_name(t: &str) -> TopicName {
    TopicName(StrBytes::from_string(t.to_string()))
}

pub(super) fn poll_transmit(c: &mut Consumer, coord: BrokerId, cid: i32, now: Millis) -> Option<(Transmit, GroupReq)> {
    let g = c.group.as_mut()?;
    if let Some(i) = g.commits.queue.iter().position(|p| p.retry_at <= now) {
        let mut commit = g.commits.queue.remove(i).expect("an index found");
        if commit.retried {
            let newest = &g.commits.newest;
            commit.offsets.retain(|(tp, _)| newest.get(tp) == Some(&commit.seq));
            if commit.offsets.is_empty() {
                // Every partition has a newer commit: nothing of this one is left to commit.
                complete(c, commit, Ok(Vec::new()));
                return poll_transmit(c, coord, cid, now);
            }
        }
        let mut topics: Vec<OffsetCommitRequestTopic> = Vec::new();
        for (tp, o) in &commit.offsets {
            let p = OffsetCommitRequestPartition::default()
                .with_partition_index(tp.partition)
                .with_committed_offset(o.offset)
                .with_committed_leader_epoch(o.leader_epoch.unwrap_or(-1))
                .with_committed_metadata(Some(StrBytes::from_string(o.metadata.clone().unwrap_or_default())));
            match topics.iter_mut().find(|t| t.name.0.as_str() == tp.topic) {
                Some(t) => t.partitions.push(p),
                None => topics.push(
                    OffsetCommitRequestTopic::default().with_name(topic_name(&tp.topic)).with_partitions(vec![p]),
                ),
            }
        }
        let (generation, member) = commit.member.clone();
        let body = OffsetCommitRequest::default()
            .with_group_id(kafka_protocol::messages::GroupId(StrBytes::from_string(g.id.clone())))
            .with_generation_id_or_member_epoch(generation)
            .with_member_id(StrBytes::from_string(member))
            .with_group_instance_id(g.instance_id.as_deref().map(|i| StrBytes::from_string(i.to_string())))
            .with_retention_time_ms(-1)
            .with_topics(topics);
        g.commits.in_flight += 1;
        let t = Transmit {
            broker: coord,
            correlation_id: cid,
            api_version: versions::OFFSET_COMMIT,
            body: RequestKind::OffsetCommit(body),
            expects_response: true,
        };
        return Some((t, GroupReq::Commit(CommitReq { commit, generation })));
    }
    // The application's committed() first, then the positions of new partitions.
    let (fetch, tps) = if let Some(i) = g.commits.fetches.iter().position(|f| f.retry_at <= now) {
        let f = g.commits.fetches.remove(i).expect("an index found");
        let tps = f.tps.clone();
        (Some(f), tps)
    } else {
        let mut tps = Vec::new();
        for (tp, s) in c.partitions.iter_mut() {
            if s.reset == Reset::Committed && !s.backing_off(now) {
                s.reset = Reset::CommittedInFlight(cid);
                tps.push(tp.clone());
            }
        }
        if tps.is_empty() {
            return None;
        }
        (None, tps)
    };
    let g = c.group.as_mut()?;
    let mut topics: Vec<OffsetFetchRequestTopics> = Vec::new();
    for tp in &tps {
        match topics.iter_mut().find(|t| t.name.0.as_str() == tp.topic) {
            Some(t) => t.partition_indexes.push(tp.partition),
            None => topics.push(
                OffsetFetchRequestTopics::default()
                    .with_name(topic_name(&tp.topic))
                    .with_partition_indexes(vec![tp.partition]),
            ),
        }
    }
    let body = OffsetFetchRequest::default()
        .with_groups(vec![OffsetFetchRequestGroup::default()
            .with_group_id(kafka_protocol::messages::GroupId(StrBytes::from_string(g.id.clone())))
            .with_topics(Some(topics))])
        .with_require_stable(true);
    g.commits.in_flight += 1;
    let t = Transmit {
        broker: coord,
        correlation_id: cid,
        api_version: versions::OFFSET_FETCH,
        body: RequestKind::OffsetFetch(body),
        expects_response: true,
    };
    Some((t, GroupReq::OffsetFetch(FetchReq { fetch, tps })))
}

fn commit_failed(code: ErrorCode, group: &str) -> Error {
    Error::new(
        code,
        format!(
            "CommitFailed: the commit cannot be completed since group {group:?} rebalanced and assigned the \
             partitions to another member ({code}); poll again to rejoin"
        ),
    )
}

pub(super) fn handle_commit(c: &mut Consumer, req: CommitReq, resp: OffsetCommitResponse, now: Millis) {
    let backoff = c.settings.retry_backoff_ms;
    let Some(g) = c.group.as_mut() else { return };
    g.commits.in_flight = g.commits.in_flight.saturating_sub(1);
    let first_error =
        resp.topics.iter().flat_map(|t| t.partitions.iter()).map(|p| ErrorCode(p.error_code)).find(|c| c.is_error());
    let CommitReq { commit, generation } = req;
    let Some(code) = first_error else {
        for (tp, o) in &commit.offsets {
            g.commits.last_committed.insert(tp.clone(), o.offset);
        }
        let done = commit.offsets.iter().map(|(tp, o)| (tp.clone(), o.offset)).collect();
        complete(c, commit, Ok(done));
        return;
    };
    match code {
        ErrorCode::REBALANCE_IN_PROGRESS => {
            if g.state == State::Stable {
                g.rejoin = true;
            }
            let e = commit_failed(code, &g.id);
            complete(c, commit, Err(e));
        }
        ErrorCode::UNKNOWN_MEMBER_ID | ErrorCode::ILLEGAL_GENERATION | ErrorCode::FENCED_INSTANCE_ID => {
            let e = commit_failed(code, &g.id);
            if generation >= 0 && generation == g.generation {
                super::membership::fenced(c, code == ErrorCode::UNKNOWN_MEMBER_ID);
            }
            complete(c, commit, Err(e));
        }
        ErrorCode::NOT_COORDINATOR | ErrorCode::COORDINATOR_NOT_AVAILABLE | ErrorCode::REQUEST_TIMED_OUT => {
            g.coordinator_unknown();
            retry_commit(c, commit, now, 0);
        }
        c2 if c2.is_retriable() => retry_commit(c, commit, now, backoff),
        _ => {
            let e = Error::from_code(code.0, format_args!("committing offsets of group {:?}", g.id));
            complete(c, commit, Err(e));
        }
    }
}

fn retry_commit(c: &mut Consumer, mut commit: PendingCommit, now: Millis, backoff: Millis) {
    if now + backoff >= commit.deadline {
        let e = Error::timed_out("committing offsets (the coordinator kept failing)");
        complete(c, commit, Err(e));
        return;
    }
    commit.retry_at = now + backoff;
    commit.retried = true;
    if let Some(g) = c.group.as_mut() {
        g.commits.queue.push_back(commit);
    }
}

fn complete(c: &mut Consumer, commit: PendingCommit, result: std::result::Result<Vec<(TopicPartition, i64)>, Error>) {
    if let Some(g) = c.group.as_mut() {
        if commit.id.is_none() {
            group::pre_join_commit_done(g);
        }
    }
    if let Some(id) = commit.id {
        c.events.push(ConsumerEvent::CommitCompleted { id, result });
    }
}

pub(super) fn fail_commit(c: &mut Consumer, req: CommitReq, now: Millis) {
    let backoff = c.settings.retry_backoff_ms;
    if let Some(g) = c.group.as_mut() {
        g.commits.in_flight = g.commits.in_flight.saturating_sub(1);
    }
    retry_commit(c, req.commit, now, backoff);
}

type FetchedOffset = (TopicPartition, ErrorCode, Option<OffsetAndMetadata>);

/// The partitions of an OffsetFetch response in either shape (v8+ batched groups, v1-v7 flat).
fn fetched(resp: OffsetFetchResponse) -> (ErrorCode, Vec<FetchedOffset>) {
    let offset = |o: i64, epoch: i32, metadata: Option<StrBytes>| {
        (o >= 0).then(|| OffsetAndMetadata {
            offset: o,
            // Kafka answers "" for an offset committed without metadata.
            metadata: metadata.filter(|m| !m.is_empty()).map(|m| m.to_string()),
            leader_epoch: (epoch >= 0).then_some(epoch),
        })
    };
    let mut out = Vec::new();
    if let Some(grp) = resp.groups.into_iter().next() {
        for t in grp.topics {
            for p in t.partitions {
                let tp = TopicPartition::new(t.name.0.as_str(), p.partition_index);
                out.push((
                    tp,
                    ErrorCode(p.error_code),
                    offset(p.committed_offset, p.committed_leader_epoch, p.metadata),
                ));
            }
        }
        return (ErrorCode(grp.error_code), out);
    }
    for t in resp.topics {
        for p in t.partitions {
            let tp = TopicPartition::new(t.name.0.as_str(), p.partition_index);
            out.push((tp, ErrorCode(p.error_code), offset(p.committed_offset, p.committed_leader_epoch, p.metadata)));
        }
    }
    (ErrorCode(resp.error_code), out)
}

pub(super) fn handle_offset_fetch(c: &mut Consumer, req: FetchReq, resp: OffsetFetchResponse, now: Millis) {
    let backoff = c.settings.retry_backoff_ms;
    let Some(g) = c.group.as_mut() else { return };
    g.commits.in_flight = g.commits.in_flight.saturating_sub(1);
    let (code, parts) = fetched(resp);
    let retriable = |c: ErrorCode| c.is_retriable() || c == ErrorCode::UNSTABLE_OFFSET_COMMIT;
    let partition_error =
        parts.iter().map(|(_, c, _)| *c).find(|c| c.is_error() && *c != ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
    let error = if code.is_error() { Some(code) } else { partition_error };
    if let Some(code) = error {
        if matches!(code, ErrorCode::NOT_COORDINATOR | ErrorCode::COORDINATOR_NOT_AVAILABLE) {
            g.coordinator_unknown();
        }
        if retriable(code) {
            retry_fetch(c, req, now, backoff);
        } else {
            let e = Error::from_code(code.0, format_args!("fetching the committed offsets of group {:?}", g.id));
            match req.fetch {
                Some(f) => c.events.push(ConsumerEvent::Committed { id: f.id, result: Err(e) }),
                None => {
                    // No committed offsets to be had (an unsupported API, no authorization):
                    // auto.offset.reset decides, as for a partition without a commit.
                    let e = Error::new(
                        e.code(),
                        format!("{}; the positions follow auto.offset.reset instead", e.message()),
                    );
                    c.events.error(e);
                    for tp in req.tps {
                        let Some(mut s) = c.partitions.remove(&tp) else { continue };
                        if matches!(s.reset, Reset::CommittedInFlight(_)) {
                            auto_reset(&c.settings, &mut c.events, &tp, &mut s, ErrorCode::NO_OFFSET);
                        }
                        c.partitions.insert(tp, s);
                    }
                }
            }
        }
        return;
    }
    match req.fetch {
        Some(f) => {
            let mut by_tp: HashMap<TopicPartition, Option<OffsetAndMetadata>> =
                parts.into_iter().map(|(tp, _, o)| (tp, o)).collect();
            let result = f.tps.iter().map(|tp| (tp.clone(), by_tp.remove(tp).flatten())).collect();
            c.events.push(ConsumerEvent::Committed { id: f.id, result: Ok(result) });
        }
        None => {
            let mut by_tp: HashMap<TopicPartition, Option<OffsetAndMetadata>> =
                parts.into_iter().map(|(tp, _, o)| (tp, o)).collect();
            for tp in req.tps {
                let Some(mut s) = c.partitions.remove(&tp) else { continue };
                if matches!(s.reset, Reset::CommittedInFlight(_)) {
                    match by_tp.remove(&tp).flatten() {
                        Some(o) => {
                            s.position = Some(o.offset);
                            s.reset = Reset::Done;
                            if let Some(g) = c.group.as_mut() {
                                g.commits.last_committed.insert(tp.clone(), o.offset);
                            }
                        }
                        None => auto_reset(&c.settings, &mut c.events, &tp, &mut s, ErrorCode::NO_OFFSET),
                    }
                }
                c.partitions.insert(tp, s);
            }
        }
    }
}

fn retry_fetch(c: &mut Consumer, req: FetchReq, now: Millis, backoff: Millis) {
    match req.fetch {
        Some(mut f) => {
            if now + backoff >= f.deadline {
                let e = Error::timed_out("fetching committed offsets (the coordinator kept failing)");
                c.events.push(ConsumerEvent::Committed { id: f.id, result: Err(e) });
                return;
            }
            f.retry_at = now + backoff;
            if let Some(g) = c.group.as_mut() {
                g.commits.fetches.push_back(f);
            }
        }
        None => {
            for tp in req.tps {
                if let Some(s) = c.partitions.get_mut(&tp) {
                    if matches!(s.reset, Reset::CommittedInFlight(_)) {
                        s.reset = Reset::Committed;
                        s.backoff_until = Some(now + backoff);
                    }
                }
            }
        }
    }
}

pub(super) fn fail_offset_fetch(c: &mut Consumer, req: FetchReq, now: Millis) {
    let backoff = c.settings.retry_backoff_ms;
    if let Some(g) = c.group.as_mut() {
        g.commits.in_flight = g.commits.in_flight.saturating_sub(1);
    }
    retry_fetch(c, req, now, backoff);
}

/// Queued commits and fetches past their deadline fail with TIMED_OUT (no coordinator found).
pub(super) fn handle_timeout(c: &mut Consumer, now: Millis) {
    let Some(g) = c.group.as_mut() else { return };
    let (late, keep): (Vec<PendingCommit>, Vec<PendingCommit>) =
        g.commits.queue.drain(..).partition(|p| p.deadline <= now);
    g.commits.queue = keep.into();
    let (late_fetches, keep): (Vec<PendingFetch>, Vec<PendingFetch>) =
        g.commits.fetches.drain(..).partition(|f| f.deadline <= now);
    g.commits.fetches = keep.into();
    for commit in late {
        complete(c, commit, Err(Error::timed_out("committing offsets: no group coordinator answered")));
    }
    for f in late_fetches {
        let e = Error::timed_out("fetching committed offsets: no group coordinator answered");
        c.events.push(ConsumerEvent::Committed { id: f.id, result: Err(e) });
    }
}
