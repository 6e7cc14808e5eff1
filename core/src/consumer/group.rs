//! Group membership (Kafka's classic consumer protocol): FindCoordinator → JoinGroup → (the
//! leader runs the assignor) → SyncGroup → Stable with Heartbeats, and every way back:
//! REBALANCE_IN_PROGRESS rejoins, UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION lose the partitions and
//! rejoin as a new member, coordinator errors and disconnects find the coordinator again, a
//! session without a heartbeat answer gives the coordinator up, and an application that stops
//! polling for `max.poll.interval.ms` leaves the group (its partitions are lost) until it polls.
//!
//! Eager assignors revoke every partition before rejoining; with cooperative-sticky (KIP-429,
//! used when every configured assignor is cooperative) the member keeps consuming while it
//! rejoins, revokes only what the new assignment takes away, and rejoins once more after.
//!
//! The application learns of assignments through `ConsumerEvent::{Assigned, Revoked, Lost}`.
//! The application's calls (subscribe, close, the revoke barrier) are in `membership.rs`, commits
//! and committed offsets in `commit.rs`, topics and patterns in `subscription.rs`.

use std::collections::{BTreeMap, BTreeSet};

use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::leave_group_request::MemberIdentity;
use kafka_protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kafka_protocol::messages::{
    GroupId, HeartbeatRequest, JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest, RequestKind, ResponseKind,
    SyncGroupRequest, SyncGroupResponse,
};

use super::assignor::{self, RebalanceProtocol};
use super::commit::{self, Commits};
use super::membership::{lose_all, revoke_all};
use super::subscription::Subscription;
use super::{Consumer, ConsumerEvent, Reset, TopicPartition};
use crate::client::coordinator::{coordinator_from_response, find_coordinator_request, CoordinatorType};
use crate::client::{versions, ConsumerGroupMetadata};
use crate::config::{AssignorKind, ConsumerConfig};
use crate::error::{Error, ErrorCode};
use crate::protocol::{broker_of_link, coordinator_link, BrokerId, Millis, StrBytes, Transmit};

/// JoinGroup may wait a whole rebalance timeout; give it this much more (Java's
/// `JOIN_GROUP_TIMEOUT_LAPSE`).
pub(crate) const JOIN_GROUP_TIMEOUT_LAPSE_MS: Millis = 5_000;
const PROTOCOL_TYPE: &str = "consumer";

/// A request the group machinery has in flight.
#[derive(Debug, Clone)]
pub(crate) enum GroupReq {
    FindCoordinator,
    Join,
    Sync,
    Heartbeat,
    Leave,
    /// All-topics Metadata for a pattern subscription.
    AllTopics,
    Commit(commit::CommitReq),
    OffsetFetch(commit::FetchReq),
}

impl GroupReq {
    pub fn name(&self) -> &'static str {
        match self {
            GroupReq::FindCoordinator => "FindCoordinator",
            GroupReq::Join => "JoinGroup",
            GroupReq::Sync => "SyncGroup",
            GroupReq::Heartbeat => "Heartbeat",
            GroupReq::Leave => "LeaveGroup",
            GroupReq::AllTopics => "Metadata",
            GroupReq::Commit(_) => "OffsetCommit",
            GroupReq::OffsetFetch(_) => "OffsetFetch",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum State {
    /// Not in a generation; joins when subscribed and the coordinator is known.
    Unjoined,
    /// Auto-commit of the consumed positions before rejoining.
    PreJoinCommit,
    Joining,
    /// Joined: the leader waits for the metadata of every member's topics, then SyncGroup.
    Assigning {
        leader: bool,
    },
    Syncing,
    Stable,
    /// The application did not poll within `max.poll.interval.ms`: left; rejoins on its next poll.
    PollTimedOut,
}

#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub id: String,
    pub instance_id: Option<String>,
    pub(super) assignors: Vec<AssignorKind>,
    pub protocol: RebalanceProtocol,
    pub subscription: Subscription,
    pub coordinator: Option<BrokerId>,
    pub(super) finding: bool,
    pub(super) find_backoff_until: Millis,
    pub member_id: String,
    pub generation: i32,
    pub state: State,
    /// Rejoin at the next chance (set while Stable).
    pub rejoin: bool,
    pub(super) join_backoff_until: Millis,
    pub(super) pre_join_done: bool,
    /// Leader only: the members' subscriptions and the assignor the coordinator chose.
    pub(super) members: Vec<assignor::Subscription>,
    pub(super) protocol_name: Option<String>,
    /// This member leads the current generation (it ran the assignor).
    pub(super) leader: bool,
    /// The partitions owned before an eager revoke (the sticky assignor's user data).
    pub(super) last_assignment: Vec<TopicPartition>,
    /// Topics of the subscription sent in the last JoinGroup.
    pub(super) joined_topics: BTreeSet<String>,
    /// Leader only: the partition counts the assignment was computed from.
    pub(super) assigned_counts: Option<BTreeMap<String, i32>>,
    pub(super) heartbeat_in_flight: bool,
    pub(super) next_heartbeat_at: Millis,
    pub(super) last_heartbeat_ok: Millis,
    pub(super) last_poll_at: Millis,
    pub(super) next_auto_commit_at: Millis,
    /// A LeaveGroup to send: (member id, instance id).
    pub(super) leave: Option<(String, Option<String>)>,
    pub(super) leave_in_flight: bool,
    /// A fatal error (FENCED_INSTANCE_ID, ...): the member stops joining.
    pub(super) fatal: Option<Error>,
    pub commits: Commits,
    /// `set_revoke_barrier(true)`: revoked partitions stay (paused) until `ack_revoke`, so that
    /// the application can commit them first, as in Java's `onPartitionsRevoked`.
    pub(super) revoke_barrier: bool,
    /// Revoked, announced, and waiting for `ack_revoke`.
    pub(super) revoke_pending: Option<Vec<TopicPartition>>,
    /// The latest `now` seen: `poll_timeout` reports only deadlines after it (one that is due but
    /// blocked, such as a join waiting for the coordinator, must not make the driver spin).
    pub(super) clock: Millis,
}

impl Group {
    pub fn new(config: &ConsumerConfig, now: Millis) -> Option<Group> {
        let id = config.group_id.clone()?;
        let assignors = config.partition_assignment_strategy.clone();
        let protocol = if assignors.iter().all(|k| assignor::protocol_of(*k) == RebalanceProtocol::Cooperative) {
            RebalanceProtocol::Cooperative
        } else {
            RebalanceProtocol::Eager
        };
        Some(Group {
            id,
            instance_id: config.group_instance_id.clone(),
            assignors,
            protocol,
            subscription: Subscription::default(),
            coordinator: None,
            finding: false,
            find_backoff_until: 0,
            member_id: String::new(),
            generation: -1,
            state: State::Unjoined,
            rejoin: false,
            join_backoff_until: 0,
            pre_join_done: false,
            members: Vec::new(),
            protocol_name: None,
            leader: false,
            last_assignment: Vec::new(),
            joined_topics: BTreeSet::new(),
            assigned_counts: None,
            heartbeat_in_flight: false,
            next_heartbeat_at: 0,
            last_heartbeat_ok: now,
            last_poll_at: now,
            next_auto_commit_at: now + config.auto_commit_interval_ms,
            leave: None,
            leave_in_flight: false,
            fatal: None,
            commits: Commits::default(),
            revoke_barrier: false,
            revoke_pending: None,
            clock: now,
        })
    }

    pub(super) fn needs_coordinator(&self) -> bool {
        !self.subscription.is_empty() || self.commits.has_work() || self.leave.is_some()
    }

    /// Forget the coordinator: the next requests go to the one FindCoordinator names.
    pub fn coordinator_unknown(&mut self) {
        self.coordinator = None;
        self.heartbeat_in_flight = false;
        if matches!(self.state, State::Joining | State::Assigning { .. } | State::Syncing) {
            self.state = State::Unjoined;
        }
    }

    pub(super) fn reset_generation(&mut self, forget_member_id: bool) {
        self.generation = -1;
        if forget_member_id {
            self.member_id.clear();
        }
        self.state = State::Unjoined;
        self.rejoin = false;
        self.heartbeat_in_flight = false;
    }

    pub fn is_member(&self) -> bool {
        self.generation >= 0 && self.state == State::Stable
    }

    pub fn clock(&self) -> Millis {
        self.clock
    }

    pub fn metadata(&self) -> ConsumerGroupMetadata {
        ConsumerGroupMetadata {
            group_id: self.id.clone(),
            generation_id: self.generation,
            member_id: self.member_id.clone(),
            group_instance_id: self.instance_id.clone(),
        }
    }
}

fn s(v: &str) -> StrBytes {
    StrBytes::from_string(v.to_string())
}

fn group_id(g: &Group) -> GroupId {
    GroupId(s(&g.id))
}

fn transmit(broker: BrokerId, cid: i32, api_version: i16, body: RequestKind) -> Transmit {
    Transmit { broker, correlation_id: cid, api_version, body, expects_response: true }
}

// ---- requests -----------------------------------------------------------------------------------

pub(super) fn poll_transmit(c: &mut Consumer, cid: i32, now: Millis) -> Option<(Transmit, GroupReq)> {
    let any = c.metadata.any_broker();
    // Partitions assigned by hand start from the committed offsets too.
    let wants_positions = c.partitions.values().any(|s| s.reset == Reset::Committed);
    let g = c.group.as_mut()?;
    g.clock = g.clock.max(now);
    if let Some(t) = g.subscription.poll_refresh(any, cid, now) {
        return Some((t, GroupReq::AllTopics));
    }
    let Some(coord) = g.coordinator else {
        if (g.needs_coordinator() || wants_positions) && !g.finding && now >= g.find_backoff_until {
            g.finding = true;
            let body = RequestKind::FindCoordinator(find_coordinator_request(CoordinatorType::Group, &g.id));
            return Some((transmit(any, cid, versions::FIND_COORDINATOR, body), GroupReq::FindCoordinator));
        }
        return None;
    };
    if c.metadata.broker(broker_of_link(coord)).is_none() {
        c.metadata.request_refresh();
        return None;
    }
    // Commits before LeaveGroup: `close` commits in the generation it is leaving (one connection
    // keeps the order).
    if let Some((t, req)) = commit::poll_transmit(c, coord, cid, now) {
        return Some((t, req));
    }
    if let Some((t, req)) = leave_request(c, coord, cid) {
        return Some((t, req));
    }
    let g = c.group.as_mut().expect("checked above");
    if g.fatal.is_some() || g.subscription.is_empty() {
        return None;
    }
    if g.state == State::Stable && !g.rejoin {
        // The leader rebalances when a topic it assigned changed its partition count (Java's
        // metadata snapshot check); members' new topics from a pattern rejoin on their own.
        if let Some(counts) = &g.assigned_counts {
            let changed = counts.iter().any(|(t, n)| {
                c.metadata.topic(t).is_some_and(|m| !m.error.is_error() && m.partitions.len() as i32 != *n)
            });
            if changed {
                g.rejoin = true;
            }
        }
    }
    // Revoked partitions the application has not released yet hold the rejoin back.
    if g.state == State::Stable && g.rejoin && g.revoke_pending.is_none() {
        g.state = State::Unjoined;
        g.rejoin = false;
    }
    match g.state.clone() {
        State::Unjoined if now >= g.join_backoff_until => {
            if c.config.enable_auto_commit && g.generation >= 0 && !g.pre_join_done {
                g.state = State::PreJoinCommit;
                commit::auto_commit(c, Some(now));
                return commit::poll_transmit(c, coord, cid, now);
            }
            if g.revoke_barrier && g.protocol == RebalanceProtocol::Eager && !c.partitions.is_empty() {
                // Announce the revocation once, stop handing out records, wait for ack_revoke.
                if g.revoke_pending.is_none() {
                    let all: Vec<TopicPartition> = c.partitions.keys().cloned().collect();
                    g.revoke_pending = Some(all.clone());
                    c.pause(&all);
                    c.events.push(ConsumerEvent::Revoked(all));
                }
                // The session is kept alive meanwhile, as Java's heartbeat thread does during callbacks.
                return heartbeat(c, coord, cid, now);
            }
            Some((join_request(c, coord, cid), GroupReq::Join))
        }
        State::Assigning { leader } => sync_request(c, coord, cid, leader).map(|t| (t, GroupReq::Sync)),
        State::Stable => heartbeat(c, coord, cid, now),
        _ => None,
    }
}

fn heartbeat(c: &mut Consumer, coord: BrokerId, cid: i32, now: Millis) -> Option<(Transmit, GroupReq)> {
    let g = c.group.as_mut()?;
    if g.heartbeat_in_flight || now < g.next_heartbeat_at || g.generation < 0 {
        return None;
    }
    g.heartbeat_in_flight = true;
    let body = HeartbeatRequest::default()
        .with_group_id(group_id(g))
        .with_generation_id(g.generation)
        .with_member_id(s(&g.member_id))
        .with_group_instance_id(g.instance_id.as_deref().map(s));
    Some((transmit(coord, cid, versions::HEARTBEAT, RequestKind::Heartbeat(body)), GroupReq::Heartbeat))
}

/// Called by `commit.rs` when the pre-join auto-commit finished (either way).
pub(super) fn pre_join_commit_done(g: &mut Group) {
    if g.state == State::PreJoinCommit {
        g.state = State::Unjoined;
        g.pre_join_done = true;
    }
}

fn leave_request(c: &mut Consumer, coord: BrokerId, cid: i32) -> Option<(Transmit, GroupReq)> {
    let g = c.group.as_mut()?;
    let (member, instance) = g.leave.take()?;
    g.leave_in_flight = true;
    let body = LeaveGroupRequest::default().with_group_id(group_id(g)).with_members(vec![MemberIdentity::default()
        .with_member_id(s(&member))
        .with_group_instance_id(instance.as_deref().map(s))]);
    Some((transmit(coord, cid, versions::LEAVE_GROUP, RequestKind::LeaveGroup(body)), GroupReq::Leave))
}

fn join_request(c: &mut Consumer, coord: BrokerId, cid: i32) -> Transmit {
    let eager = c.group.as_ref().is_some_and(|g| g.protocol == RebalanceProtocol::Eager);
    if eager {
        revoke_all(c);
    }
    let owned: Vec<TopicPartition> = c.partitions.keys().cloned().collect();
    c.events.push(ConsumerEvent::Rebalancing);
    let g = c.group.as_mut().expect("a group");
    g.state = State::Joining;
    g.rejoin = false;
    g.joined_topics = g.subscription.topics.clone();
    let previous = if eager { g.last_assignment.clone() } else { owned.clone() };
    let protocols = g
        .assignors
        .iter()
        .map(|k| {
            let user_data = assignor::user_data(*k, &previous, g.generation);
            let metadata =
                assignor::encode_subscription(&g.joined_topics, user_data.as_ref(), &owned, g.generation, None);
            JoinGroupRequestProtocol::default().with_name(s(k.name())).with_metadata(metadata)
        })
        .collect();
    let body = JoinGroupRequest::default()
        .with_group_id(group_id(g))
        .with_session_timeout_ms(i32::try_from(c.config.session_timeout_ms).unwrap_or(i32::MAX))
        .with_rebalance_timeout_ms(i32::try_from(c.config.max_poll_interval_ms).unwrap_or(i32::MAX))
        .with_member_id(s(&g.member_id))
        .with_group_instance_id(g.instance_id.as_deref().map(s))
        .with_protocol_type(s(PROTOCOL_TYPE))
        .with_protocols(protocols);
    transmit(coord, cid, versions::JOIN_GROUP, RequestKind::JoinGroup(body))
}

/// SyncGroup: a follower's at once; the leader's once the metadata of every subscribed topic is in.
fn sync_request(c: &mut Consumer, coord: BrokerId, cid: i32, leader: bool) -> Option<Transmit> {
    let mut assignments = Vec::new();
    let g = c.group.as_ref()?;
    if leader {
        let topics: BTreeSet<&String> = g.members.iter().flat_map(|m| m.topics.iter()).collect();
        let mut counts = BTreeMap::new();
        for t in topics {
            match c.metadata.topic(t) {
                Some(meta) if !meta.error.is_error() => {
                    counts.insert(t.clone(), meta.partitions.len() as i32);
                }
                Some(meta) if !meta.error.is_retriable() => {} // does not exist: nothing to assign
                _ => return None,                              // not known yet
            }
        }
        let kind = g.protocol_name.as_deref().and_then(assignor::by_name)?;
        let result = assignor::assign(kind, &counts, &g.members);
        let version = g.members.iter().map(|m| m.version).min().unwrap_or(0);
        for (member, tps) in result {
            assignments.push(
                SyncGroupRequestAssignment::default()
                    .with_member_id(s(&member))
                    .with_assignment(assignor::encode_assignment(&tps, version)),
            );
        }
        let g = c.group.as_mut()?;
        g.assigned_counts = Some(counts);
    }
    let g = c.group.as_mut()?;
    g.state = State::Syncing;
    let body = SyncGroupRequest::default()
        .with_group_id(group_id(g))
        .with_generation_id(g.generation)
        .with_member_id(s(&g.member_id))
        .with_group_instance_id(g.instance_id.as_deref().map(s))
        .with_protocol_type(Some(s(PROTOCOL_TYPE)))
        .with_protocol_name(g.protocol_name.as_deref().map(s))
        .with_assignments(assignments);
    Some(transmit(coord, cid, versions::SYNC_GROUP, RequestKind::SyncGroup(body)))
}

// ---- responses ----------------------------------------------------------------------------------

pub(super) fn handle_response(c: &mut Consumer, broker: BrokerId, req: GroupReq, body: ResponseKind, now: Millis) {
    if let Some(g) = c.group.as_mut() {
        g.clock = g.clock.max(now);
    }
    match (req, body) {
        (GroupReq::FindCoordinator, ResponseKind::FindCoordinator(resp)) => {
            let backoff = c.settings.retry_backoff_ms;
            let g = c.group.as_mut().expect("a group");
            g.finding = false;
            match coordinator_from_response(&resp, &g.id) {
                Ok(addr) => {
                    g.coordinator = Some(coordinator_link(addr.node_id));
                    g.last_heartbeat_ok = now;
                    if c.metadata.broker(addr.node_id).is_none() {
                        c.metadata.request_refresh();
                    }
                }
                Err(e) => {
                    g.find_backoff_until = now + backoff;
                    if !e.is_retriable() {
                        // Not going away soon (unsupported, not authorized): report it once a second.
                        g.find_backoff_until = now + backoff.max(1_000);
                        c.events.error(e);
                    }
                }
            }
        }
        (GroupReq::AllTopics, ResponseKind::Metadata(resp)) => {
            let max_age = c.config.metadata_max_age_ms;
            let g = c.group.as_mut().expect("a group");
            if g.subscription.handle_refresh(&resp, now, max_age) {
                g.rejoin = true;
                let topics: Vec<String> = g.subscription.topics.iter().cloned().collect();
                for t in topics {
                    c.metadata.want(&t);
                }
            }
        }
        (GroupReq::Join, ResponseKind::JoinGroup(resp)) => handle_join(c, resp, now),
        (GroupReq::Sync, ResponseKind::SyncGroup(resp)) => handle_sync(c, resp, now),
        (GroupReq::Heartbeat, ResponseKind::Heartbeat(resp)) => {
            let interval = c.config.heartbeat_interval_ms;
            let g = c.group.as_mut().expect("a group");
            g.heartbeat_in_flight = false;
            g.next_heartbeat_at = now + interval;
            let code = ErrorCode(resp.error_code);
            if code == ErrorCode::NONE {
                g.last_heartbeat_ok = now;
            } else {
                membership_error(c, code, "Heartbeat", now);
            }
        }
        (GroupReq::Leave, ResponseKind::LeaveGroup(_)) => {
            // Whatever the answer, we are gone: the session timeout removes a member the coordinator kept.
            if let Some(g) = c.group.as_mut() {
                g.leave_in_flight = false;
            }
        }
        (GroupReq::Commit(req), ResponseKind::OffsetCommit(resp)) => commit::handle_commit(c, req, resp, now),
        (GroupReq::OffsetFetch(req), ResponseKind::OffsetFetch(resp)) => commit::handle_offset_fetch(c, req, resp, now),
        (req, _) => {
            let e = Error::new(
                ErrorCode::BAD_MSG,
                format!("broker {broker} answered a {} request with another response type", req.name()),
            );
            c.events.error(e);
            fail(c, req, now);
        }
    }
}

/// Errors shared by JoinGroup, SyncGroup and Heartbeat. Returns false if `code` is none of them.
fn membership_error(c: &mut Consumer, code: ErrorCode, what: &str, now: Millis) -> bool {
    let backoff = c.settings.retry_backoff_ms;
    let g = c.group.as_mut().expect("a group");
    match code {
        ErrorCode::REBALANCE_IN_PROGRESS => {
            if g.state == State::Stable {
                g.rejoin = true;
            } else {
                g.state = State::Unjoined;
            }
        }
        ErrorCode::UNKNOWN_MEMBER_ID | ErrorCode::ILLEGAL_GENERATION => {
            g.reset_generation(code == ErrorCode::UNKNOWN_MEMBER_ID);
            lose_all(c);
        }
        ErrorCode::NOT_COORDINATOR | ErrorCode::COORDINATOR_NOT_AVAILABLE => {
            g.coordinator_unknown();
            g.state = if g.state == State::Stable { State::Stable } else { State::Unjoined };
        }
        ErrorCode::COORDINATOR_LOAD_IN_PROGRESS => {
            g.join_backoff_until = now + backoff;
            if g.state != State::Stable {
                g.state = State::Unjoined;
            }
        }
        ErrorCode::FENCED_INSTANCE_ID => {
            let e = Error::new(code, format!("{what}: another consumer uses group.instance.id {:?}", g.instance_id))
                .with_fatal(true);
            g.fatal = Some(e.clone());
            g.reset_generation(true);
            lose_all(c);
            c.events.error(e);
        }
        _ => return false,
    }
    true
}

fn handle_join(c: &mut Consumer, resp: JoinGroupResponse, now: Millis) {
    let code = ErrorCode(resp.error_code);
    let backoff = c.settings.retry_backoff_ms;
    let g = c.group.as_mut().expect("a group");
    if g.state != State::Joining {
        return; // given up meanwhile (coordinator lost, unsubscribed)
    }
    match code {
        ErrorCode::NONE => {}
        ErrorCode::MEMBER_ID_REQUIRED => {
            g.member_id = resp.member_id.to_string();
            g.state = State::Unjoined;
            return;
        }
        c2 if membership_error(c, c2, "JoinGroup", now) => return,
        _ => {
            let g = c.group.as_mut().expect("a group");
            g.state = State::Unjoined;
            g.join_backoff_until = now + backoff.max(1_000);
            c.events.error(Error::from_code(resp.error_code, format_args!("joining group {:?}", g.id)));
            return;
        }
    }
    let g = c.group.as_mut().expect("a group");
    g.member_id = resp.member_id.to_string();
    g.generation = resp.generation_id;
    g.protocol_name = resp.protocol_name.as_ref().map(|p| p.to_string());
    let leader = resp.leader == resp.member_id;
    g.leader = leader;
    g.members.clear();
    g.assigned_counts = None;
    if g.protocol_name.as_deref().and_then(assignor::by_name).is_none() {
        let e = Error::new(
            ErrorCode::INCONSISTENT_GROUP_PROTOCOL,
            format!("group {:?} chose assignor {:?}, which this consumer does not have", g.id, g.protocol_name),
        );
        g.state = State::Unjoined;
        g.join_backoff_until = now + backoff.max(1_000);
        c.events.error(e);
        return;
    }
    if leader {
        let mut bad = Vec::new();
        for m in &resp.members {
            match assignor::decode_subscription(&m.member_id, m.group_instance_id.as_deref(), &m.metadata) {
                Ok(sub) => g.members.push(sub),
                Err(e) => {
                    // A member we cannot read still gets an (empty) assignment.
                    g.members.push(assignor::Subscription { member_id: m.member_id.to_string(), ..Default::default() });
                    bad.push(e);
                }
            }
        }
        let topics: BTreeSet<String> = g.members.iter().flat_map(|m| m.topics.iter().cloned()).collect();
        for e in bad {
            c.events.error(e);
        }
        for t in topics {
            c.metadata.want(&t);
        }
    }
    c.group.as_mut().expect("a group").state = State::Assigning { leader };
}

fn handle_sync(c: &mut Consumer, resp: SyncGroupResponse, now: Millis) {
    let code = ErrorCode(resp.error_code);
    let backoff = c.settings.retry_backoff_ms;
    let g = c.group.as_mut().expect("a group");
    if g.state != State::Syncing {
        return;
    }
    if code != ErrorCode::NONE {
        if !membership_error(c, code, "SyncGroup", now) {
            let g = c.group.as_mut().expect("a group");
            g.state = State::Unjoined;
            g.join_backoff_until = now + backoff.max(1_000);
            c.events.error(Error::from_code(resp.error_code, format_args!("syncing group {:?}", g.id)));
        }
        return;
    }
    let assigned = match assignor::decode_assignment(&resp.assignment) {
        Ok(tps) => tps,
        Err(e) => {
            g.state = State::Unjoined;
            g.join_backoff_until = now + backoff;
            c.events.error(e);
            return;
        }
    };
    g.state = State::Stable;
    g.pre_join_done = false;
    let joined = ConsumerEvent::Joined {
        generation_id: g.generation,
        member_id: g.member_id.clone(),
        leader: g.leader,
        protocol: g.protocol_name.clone().unwrap_or_default(),
    };
    g.last_heartbeat_ok = now;
    g.next_heartbeat_at = now + c.config.heartbeat_interval_ms;
    if g.subscription.topics != g.joined_topics {
        g.rejoin = true;
    }
    c.events.push(joined);
    let new: BTreeSet<TopicPartition> = assigned.into_iter().collect();
    let old: BTreeSet<TopicPartition> = c.partitions.keys().cloned().collect();
    let revoked: Vec<TopicPartition> = old.difference(&new).cloned().collect();
    let added: Vec<TopicPartition> = new.difference(&old).cloned().collect();
    if !revoked.is_empty() {
        // Cooperative: give back only what moves, its positions committed first, then rejoin
        // so that the new owner gets it in the next rebalance.
        if c.config.enable_auto_commit {
            commit::auto_commit_partitions(c, &revoked, now);
        }
        let g = c.group.as_mut().expect("a group");
        g.rejoin = true;
        if g.revoke_barrier {
            // Kept (paused) until ack_revoke; the rejoin waits for it.
            g.revoke_pending = Some(revoked.clone());
            let mut keep: BTreeSet<TopicPartition> = new.clone();
            keep.extend(revoked.iter().cloned());
            c.set_partitions(keep.into_iter().collect());
            c.pause(&revoked);
            c.events.push(ConsumerEvent::Revoked(revoked));
            c.events.push(ConsumerEvent::Assigned(added));
            return;
        }
        c.events.push(ConsumerEvent::Revoked(revoked));
    }
    c.set_partitions(new.into_iter().collect());
    c.events.push(ConsumerEvent::Assigned(added));
}

/// A group request got no answer (disconnect, timeout).
pub(super) fn fail(c: &mut Consumer, req: GroupReq, now: Millis) {
    let backoff = c.settings.retry_backoff_ms;
    let Some(g) = c.group.as_mut() else { return };
    match req {
        GroupReq::FindCoordinator => {
            g.finding = false;
            g.find_backoff_until = now + backoff;
        }
        GroupReq::AllTopics => g.subscription.refresh_failed(now, backoff),
        GroupReq::Join | GroupReq::Sync => {
            g.coordinator_unknown();
            g.state = State::Unjoined;
        }
        GroupReq::Heartbeat => g.coordinator_unknown(),
        GroupReq::Leave => g.leave_in_flight = false,
        GroupReq::Commit(req) => commit::fail_commit(c, req, now),
        GroupReq::OffsetFetch(req) => commit::fail_offset_fetch(c, req, now),
    }
}

pub(super) fn handle_disconnect(c: &mut Consumer, broker: BrokerId) {
    if let Some(g) = c.group.as_mut() {
        if g.coordinator == Some(broker) {
            g.coordinator_unknown();
        }
    }
}

/// Timers: the session (no heartbeat answer), `max.poll.interval.ms`, auto-commit, commit deadlines.
pub(super) fn handle_timeout(c: &mut Consumer, now: Millis) {
    let (session, poll_interval, auto, auto_interval) = (
        c.config.session_timeout_ms,
        c.config.max_poll_interval_ms,
        c.config.enable_auto_commit,
        c.config.auto_commit_interval_ms,
    );
    let Some(g) = c.group.as_mut() else { return };
    g.clock = g.clock.max(now);
    if g.state == State::Stable && g.coordinator.is_some() && now >= g.last_heartbeat_ok + session {
        g.coordinator_unknown();
    }
    let member = !matches!(g.state, State::Unjoined | State::PollTimedOut | State::PreJoinCommit);
    if member && !g.subscription.is_empty() && now >= g.last_poll_at + poll_interval {
        let (id, since) = (&g.id, now - g.last_poll_at);
        let how = if g.instance_id.is_none() { "leaves" } else { "stops heartbeating in" };
        c.notes.add(now, "poll-timeout", Some("evicted"), || {
            format!("no poll for {since} ms (max.poll.interval.ms {poll_interval}): the member {how} group {id}")
        });
        // Java's "consumer poll timeout has expired": leave so the others can take over.
        if !g.member_id.is_empty() && g.instance_id.is_none() {
            g.leave = Some((g.member_id.clone(), None));
        }
        g.reset_generation(g.instance_id.is_none());
        g.state = State::PollTimedOut;
        lose_all(c);
    }
    let Some(g) = c.group.as_mut() else { return };
    if auto && now >= g.next_auto_commit_at {
        g.next_auto_commit_at = now + auto_interval;
        if g.state == State::Stable || g.subscription.is_empty() {
            commit::auto_commit(c, Some(now));
        }
    }
    commit::handle_timeout(c, now);
}

pub(super) fn poll_timeout(c: &Consumer) -> Option<Millis> {
    let g = c.group.as_ref()?;
    let mut t = Vec::new();
    if c.config.enable_auto_commit {
        t.push(g.next_auto_commit_at);
    }
    if !g.subscription.is_empty() && g.state != State::PollTimedOut {
        t.push(g.last_poll_at + c.config.max_poll_interval_ms);
    }
    if g.state == State::Stable {
        if !g.heartbeat_in_flight {
            t.push(g.next_heartbeat_at);
        }
        t.push(g.last_heartbeat_ok + c.config.session_timeout_ms);
    }
    let wants_positions = c.partitions.values().any(|s| s.reset == Reset::Committed);
    if g.coordinator.is_none() && (g.needs_coordinator() || wants_positions) && !g.finding {
        t.push(g.find_backoff_until);
    }
    if g.state == State::Unjoined && !g.subscription.is_empty() {
        t.push(g.join_backoff_until);
    }
    t.extend(g.commits.next_deadline());
    t.into_iter().filter(|t| *t > g.clock).min()
}
