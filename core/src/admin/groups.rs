//! The admin calls on consumer groups: ListGroups (every broker), DescribeGroups, OffsetFetch,
//! OffsetCommit (to alter a group's offsets), OffsetDelete and DeleteGroups (each group's
//! coordinator). Their types, requests and response handling.
//!
//! Routing follows Kafka's admin client: a group's calls go to its coordinator, found with
//! FindCoordinator (one key per request, so brokers of every version can answer) and found again
//! after NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE or a lost connection; COORDINATOR_LOAD_IN_PROGRESS
//! retries at the same coordinator. Retries share the operation's `retries` and deadline. A
//! coordinator is only addressed once the metadata names it (the TCP transport learns broker
//! addresses from Metadata responses).

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use kafka_protocol::messages::offset_commit_request::{OffsetCommitRequestPartition, OffsetCommitRequestTopic};
use kafka_protocol::messages::offset_delete_request::{OffsetDeleteRequestPartition, OffsetDeleteRequestTopic};
use kafka_protocol::messages::offset_fetch_request::{OffsetFetchRequestGroup, OffsetFetchRequestTopics};
use kafka_protocol::messages::{
    ConsumerProtocolAssignment, DeleteGroupsRequest, DescribeGroupsRequest, FindCoordinatorResponse, GroupId,
    ListGroupsRequest, ListGroupsResponse, OffsetCommitRequest, OffsetDeleteRequest, OffsetFetchRequest, RequestKind,
    ResponseKind, TopicName,
};
use kafka_protocol::protocol::Decodable;

use crate::client::coordinator::{coordinator_from_response, find_coordinator_request, CoordinatorType};
use crate::client::{versions, Metadata};
use crate::consumer::TopicPartition;
use crate::error::{Error, ErrorCode};
use crate::protocol::{BrokerId, Millis, StrBytes, Transmit};

use super::{Admin, AdminResult, Items, OpKind, RequestId, RetryKeys, Sent};

/// A group as ListGroups names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupListing {
    pub group_id: String,
    /// "consumer" for consumer groups; empty for groups of other clients' protocols.
    pub protocol_type: String,
    /// Stable, Empty, ... (ListGroups v4+; None from older brokers).
    pub state: Option<String>,
    /// classic or consumer (ListGroups v5+).
    pub group_type: Option<String>,
}

/// Every broker's groups; brokers that failed are listed with their error.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListedGroups {
    /// By group id, each once.
    pub groups: Vec<GroupListing>,
    pub errors: Vec<(BrokerId, Error)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberDescription {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    /// As the coordinator saw the connection, e.g. "/127.0.0.1".
    pub host: String,
    /// The partitions assigned, decoded from the consumer protocol (empty for other protocols
    /// or while the group rebalances).
    pub assignment: Vec<TopicPartition>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupDescription {
    pub group_id: String,
    /// Stable, Empty, PreparingRebalance, CompletingRebalance or Dead (a group that does not exist).
    pub state: String,
    pub protocol_type: String,
    /// The assignor the group chose (the protocol name, e.g. "range").
    pub assignor: String,
    pub members: Vec<MemberDescription>,
    /// The coordinator's node id.
    pub coordinator: BrokerId,
}

/// A committed offset of a group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommittedOffset {
    pub offset: i64,
    /// -1 when unknown.
    pub leader_epoch: i32,
    pub metadata: Option<String>,
}

/// Per-partition answers of a call on one group's offsets.
pub type PartitionResults<T> = Vec<(TopicPartition, Result<T, Error>)>;

/// What a call does at each group's coordinator.
#[derive(Debug)]
pub(super) enum GroupCall {
    Describe,
    Delete,
    /// All committed partitions (None) or the ones given; `require_stable` waits for pending
    /// transactional commits (KIP-447).
    FetchOffsets {
        partitions: Option<Vec<TopicPartition>>,
        require_stable: bool,
    },
    /// OffsetCommit as Kafka's admin alters offsets: generation -1, no member.
    CommitOffsets {
        offsets: Vec<(TopicPartition, i64)>,
    },
    DeleteOffsets {
        partitions: Vec<TopicPartition>,
    },
}

#[derive(Debug)]
pub(super) enum GroupAnswer {
    Described(GroupDescription),
    Deleted,
    Offsets(PartitionResults<Option<CommittedOffset>>),
    Partitions(PartitionResults<()>),
}

#[derive(Debug)]
pub(super) enum GroupOp {
    /// ListGroups to every broker the metadata names (known once it is fresh).
    List {
        states: Vec<String>,
        brokers: Option<Items<BrokerId, Vec<GroupListing>>>,
    },
    Coordinated {
        call: GroupCall,
        items: Items<String, GroupAnswer>,
        coordinators: BTreeMap<String, BrokerId>,
    },
}

impl GroupOp {
    pub(super) fn is_done(&self) -> bool {
        match self {
            GroupOp::List { brokers, .. } => brokers.as_ref().is_some_and(Items::is_done),
            GroupOp::Coordinated { items, .. } => items.is_done(),
        }
    }

    pub(super) fn routes_by_metadata(&self) -> bool {
        matches!(self, GroupOp::List { .. })
    }
}

impl Admin {
    /// The groups of every broker, those in `states` only when it is not empty (ListGroups v4+).
    pub fn list_groups(&mut self, states: Vec<String>, now: Millis) -> RequestId {
        self.start(OpKind::Groups(GroupOp::List { states, brokers: None }), now)
    }

    /// Each group's state, assignor and members with their assignments.
    pub fn describe_groups(&mut self, groups: Vec<String>, now: Millis) -> RequestId {
        self.coordinated(GroupCall::Describe, groups, now)
    }

    /// Deletes empty groups (their committed offsets with them).
    pub fn delete_groups(&mut self, groups: Vec<String>, now: Millis) -> RequestId {
        self.coordinated(GroupCall::Delete, groups, now)
    }

    /// A group's committed offsets: of every partition it committed (`partitions` None) or of the
    /// given ones (None for those without a commit).
    pub fn list_group_offsets(
        &mut self,
        group: &str,
        partitions: Option<Vec<TopicPartition>>,
        require_stable: bool,
        now: Millis,
    ) -> RequestId {
        self.coordinated(GroupCall::FetchOffsets { partitions, require_stable }, vec![group.to_string()], now)
    }

    /// Commits `offsets` for a group as Kafka's admin client does (generation -1, no member id):
    /// the coordinator accepts it only while the group has no members.
    pub fn alter_group_offsets(&mut self, group: &str, offsets: Vec<(TopicPartition, i64)>, now: Millis) -> RequestId {
        self.coordinated(GroupCall::CommitOffsets { offsets }, vec![group.to_string()], now)
    }

    /// Deletes a group's committed offsets of the given partitions (OffsetDelete; refused for
    /// partitions of topics the group is subscribed to).
    pub fn delete_group_offsets(&mut self, group: &str, partitions: Vec<TopicPartition>, now: Millis) -> RequestId {
        self.coordinated(GroupCall::DeleteOffsets { partitions }, vec![group.to_string()], now)
    }

    fn coordinated(&mut self, call: GroupCall, groups: Vec<String>, now: Millis) -> RequestId {
        let op = GroupOp::Coordinated { call, items: Items::new(groups), coordinators: BTreeMap::new() };
        self.start(OpKind::Groups(op), now)
    }
}

pub(super) fn finish(op: GroupOp, unfinished: Error) -> Result<AdminResult, Error> {
    match op {
        GroupOp::List { brokers, .. } => {
            let brokers = brokers.ok_or(unfinished.clone())?;
            let mut listed = ListedGroups::default();
            let mut seen = BTreeSet::new();
            for (broker, r) in brokers.results(&unfinished) {
                match r {
                    Ok(groups) => listed.groups.extend(groups.into_iter().filter(|g| seen.insert(g.group_id.clone()))),
                    Err(e) => listed.errors.push((broker, e)),
                }
            }
            listed.groups.sort_by(|a, b| a.group_id.cmp(&b.group_id));
            Ok(AdminResult::ListGroups(listed))
        }
        GroupOp::Coordinated { call, items, .. } => {
            let mut results = items.results(&unfinished);
            match call {
                GroupCall::Describe => Ok(AdminResult::DescribeGroups(
                    results
                        .into_iter()
                        .map(|(g, r)| {
                            let r = r.and_then(|a| match a {
                                GroupAnswer::Described(d) => Ok(d),
                                other => Err(Error::internal(format!("describe answered {other:?}"))),
                            });
                            (g, r)
                        })
                        .collect(),
                )),
                GroupCall::Delete => {
                    Ok(AdminResult::DeleteGroups(results.into_iter().map(|(g, r)| (g, r.map(|_| ()))).collect()))
                }
                GroupCall::FetchOffsets { .. } | GroupCall::CommitOffsets { .. } | GroupCall::DeleteOffsets { .. } => {
                    let (_, r) = results.pop().ok_or(unfinished)?;
                    match (call, r?) {
                        (GroupCall::FetchOffsets { .. }, GroupAnswer::Offsets(o)) => {
                            Ok(AdminResult::ListGroupOffsets(o))
                        }
                        (GroupCall::CommitOffsets { .. }, GroupAnswer::Partitions(p)) => {
                            Ok(AdminResult::AlterGroupOffsets(p))
                        }
                        (GroupCall::DeleteOffsets { .. }, GroupAnswer::Partitions(p)) => {
                            Ok(AdminResult::DeleteGroupOffsets(p))
                        }
                        (_, other) => Err(Error::internal(format!("unexpected group answer {other:?}"))),
                    }
                }
            }
        }
    }
}

fn transmit(broker: BrokerId, cid: i32, api_version: i16, body: RequestKind) -> Transmit {
    Transmit { broker, correlation_id: cid, api_version, body, expects_response: true }
}

fn topic_name(s: &str) -> TopicName {
    TopicName(StrBytes::from_string(s.to_string()))
}

fn group_id(s: &str) -> GroupId {
    GroupId(StrBytes::from_string(s.to_string()))
}

/// Partitions grouped by topic, in order: `(topic, [partitions])`.
fn by_topic(tps: impl IntoIterator<Item = TopicPartition>) -> Vec<(String, Vec<i32>)> {
    let mut map: BTreeMap<String, Vec<i32>> = BTreeMap::new();
    for tp in tps {
        map.entry(tp.topic).or_default().push(tp.partition);
    }
    for ps in map.values_mut() {
        ps.sort_unstable();
        ps.dedup();
    }
    map.into_iter().collect()
}

/// The next request of one group operation, if it has one to send now.
pub(super) fn next(
    metadata: &Metadata,
    id: RequestId,
    op: &mut GroupOp,
    fresh: bool,
    cid: i32,
    refresh: &mut bool,
) -> Option<(Transmit, Sent)> {
    match op {
        GroupOp::List { states, brokers } => {
            if !fresh {
                return None;
            }
            let items = brokers.get_or_insert_with(|| {
                let mut ids: Vec<BrokerId> = metadata.brokers().map(|(b, _)| b).collect();
                ids.sort_unstable();
                Items::new(ids)
            });
            let broker = items.pending.pop_first()?;
            let body = ListGroupsRequest::default()
                .with_states_filter(states.iter().map(|s| StrBytes::from_string(s.clone())).collect());
            Some((
                transmit(broker, cid, versions::LIST_GROUPS, RequestKind::ListGroups(body)),
                Sent::Groups(id, vec![]),
            ))
        }
        GroupOp::Coordinated { call, items, coordinators } => {
            let mut chosen = None;
            for g in &items.pending {
                match coordinators.get(g) {
                    None => {
                        chosen = Some((g.clone(), None));
                        break;
                    }
                    Some(&c) if metadata.broker(c).is_some() => {
                        chosen = Some((g.clone(), Some(c)));
                        break;
                    }
                    // The coordinator is not in our metadata yet: learn its address first.
                    Some(_) => *refresh = true,
                }
            }
            let (group, coordinator) = chosen?;
            items.pending.remove(&group);
            let sent = Sent::Groups(id, vec![group.clone()]);
            let Some(c) = coordinator else {
                let body = find_coordinator_request(CoordinatorType::Group, &group);
                let t = transmit(
                    metadata.any_broker(),
                    cid,
                    versions::FIND_COORDINATOR,
                    RequestKind::FindCoordinator(body),
                );
                return Some((t, sent));
            };
            let (version, body) = call_request(call, &group);
            Some((transmit(c, cid, version, body), sent))
        }
    }
}

fn call_request(call: &GroupCall, group: &str) -> (i16, RequestKind) {
    match call {
        GroupCall::Describe => {
            let body = DescribeGroupsRequest::default().with_groups(vec![group_id(group)]);
            (versions::DESCRIBE_GROUPS, RequestKind::DescribeGroups(body))
        }
        GroupCall::Delete => {
            let body = DeleteGroupsRequest::default().with_groups_names(vec![group_id(group)]);
            (versions::DELETE_GROUPS, RequestKind::DeleteGroups(body))
        }
        GroupCall::FetchOffsets { partitions, require_stable } => {
            let topics = partitions.as_ref().map(|tps| {
                by_topic(tps.iter().cloned())
                    .into_iter()
                    .map(|(t, ps)| {
                        OffsetFetchRequestTopics::default().with_name(topic_name(&t)).with_partition_indexes(ps)
                    })
                    .collect()
            });
            let g = OffsetFetchRequestGroup::default().with_group_id(group_id(group)).with_topics(topics);
            let body = OffsetFetchRequest::default().with_groups(vec![g]).with_require_stable(*require_stable);
            (versions::OFFSET_FETCH, RequestKind::OffsetFetch(body))
        }
        GroupCall::CommitOffsets { offsets } => {
            let wanted: BTreeMap<&TopicPartition, i64> = offsets.iter().map(|(tp, o)| (tp, *o)).collect();
            let topics = by_topic(offsets.iter().map(|(tp, _)| tp.clone()))
                .into_iter()
                .map(|(t, ps)| {
                    let partitions = ps
                        .into_iter()
                        .map(|p| {
                            let offset = wanted.get(&TopicPartition::new(&t, p)).copied().unwrap_or(-1);
                            OffsetCommitRequestPartition::default()
                                .with_partition_index(p)
                                .with_committed_offset(offset)
                                .with_committed_leader_epoch(-1)
                                .with_committed_metadata(Some(StrBytes::from_static_str("")))
                        })
                        .collect();
                    OffsetCommitRequestTopic::default().with_name(topic_name(&t)).with_partitions(partitions)
                })
                .collect();
            let body = OffsetCommitRequest::default()
                .with_group_id(group_id(group))
                .with_generation_id_or_member_epoch(-1)
                .with_member_id(StrBytes::from_static_str(""))
                .with_retention_time_ms(-1)
                .with_topics(topics);
            (versions::OFFSET_COMMIT, RequestKind::OffsetCommit(body))
        }
        GroupCall::DeleteOffsets { partitions } => {
            let topics = by_topic(partitions.iter().cloned())
                .into_iter()
                .map(|(t, ps)| {
                    let partitions = ps
                        .into_iter()
                        .map(|p| OffsetDeleteRequestPartition::default().with_partition_index(p))
                        .collect();
                    OffsetDeleteRequestTopic::default().with_name(topic_name(&t)).with_partitions(partitions)
                })
                .collect();
            let body = OffsetDeleteRequest::default().with_group_id(group_id(group)).with_topics(topics);
            (versions::OFFSET_DELETE, RequestKind::OffsetDelete(body))
        }
    }
}

/// Response types a group request can be answered with.
pub(super) fn answers(body: &ResponseKind) -> bool {
    matches!(
        body,
        ResponseKind::FindCoordinator(_)
            | ResponseKind::ListGroups(_)
            | ResponseKind::DescribeGroups(_)
            | ResponseKind::DeleteGroups(_)
            | ResponseKind::OffsetFetch(_)
            | ResponseKind::OffsetCommit(_)
            | ResponseKind::OffsetDelete(_)
    )
}

fn group_op(a: &mut Admin, id: RequestId) -> Option<&mut GroupOp> {
    match &mut a.ops.get_mut(&id)?.kind {
        OpKind::Groups(op) => Some(op),
        _ => None,
    }
}

/// Errors after which the group's coordinator must be found again.
fn coordinator_moved(code: ErrorCode) -> bool {
    code == ErrorCode::NOT_COORDINATOR || code == ErrorCode::COORDINATOR_NOT_AVAILABLE
}

/// Put items back after a failure (`super::Admin::retry`), or fail them when the retries are used up.
pub(super) fn retry(op: &mut GroupOp, keys: RetryKeys, give_up: bool, error: &Error) {
    match (op, keys) {
        (GroupOp::List { brokers: Some(items), .. }, RetryKeys::Brokers(bs)) => {
            for b in bs {
                if give_up {
                    items.finish(b, Err(error.clone()));
                } else {
                    items.pending.insert(b);
                }
            }
        }
        (GroupOp::Coordinated { items, coordinators, .. }, RetryKeys::Groups(gs)) => {
            for g in gs {
                if error.code() == ErrorCode::TRANSPORT || coordinator_moved(error.code()) {
                    coordinators.remove(&g);
                }
                if give_up {
                    items.finish(g, Err(error.clone()));
                } else {
                    items.pending.insert(g);
                }
            }
        }
        _ => {}
    }
}

/// One group's answer: done, or retried (with the coordinator forgotten when it moved).
fn answer(a: &mut Admin, id: RequestId, group: String, result: Result<GroupAnswer, Error>, now: Millis) {
    match result {
        Err(e) if e.is_retriable() => a.retry(id, RetryKeys::Groups(vec![group]), e, now),
        r => {
            if let Some(GroupOp::Coordinated { items, .. }) = group_op(a, id) {
                items.finish(group, r);
            }
            a.complete_if_done(id);
        }
    }
}

pub(super) fn handle_response(
    a: &mut Admin,
    id: RequestId,
    broker: BrokerId,
    groups: Vec<String>,
    body: ResponseKind,
    now: Millis,
) {
    if let ResponseKind::ListGroups(resp) = body {
        return handle_list_groups(a, id, broker, resp, now);
    }
    let Some(group) = groups.into_iter().next() else { return };
    let result = match body {
        ResponseKind::FindCoordinator(resp) => return handle_find_coordinator(a, id, group, &resp, now),
        ResponseKind::DescribeGroups(resp) => match resp.groups.into_iter().find(|g| g.group_id.0.as_str() == group) {
            None => Err(Error::new(ErrorCode::BAD_MSG, format!("DescribeGroups left out group {group:?}"))),
            Some(g) if g.error_code != 0 => {
                Err(group_error(g.error_code, g.error_message.as_ref(), "describe", &group))
            }
            Some(g) => Ok(GroupAnswer::Described(GroupDescription {
                group_id: group.clone(),
                state: g.group_state.to_string(),
                protocol_type: g.protocol_type.to_string(),
                assignor: g.protocol_data.to_string(),
                members: g
                    .members
                    .into_iter()
                    .map(|m| MemberDescription {
                        member_id: m.member_id.to_string(),
                        group_instance_id: m.group_instance_id.map(|i| i.to_string()),
                        client_id: m.client_id.to_string(),
                        host: m.client_host.to_string(),
                        assignment: if g.protocol_type.as_str() == "consumer" {
                            decode_assignment(&m.member_assignment)
                        } else {
                            Vec::new()
                        },
                    })
                    .collect(),
                coordinator: broker,
            })),
        },
        ResponseKind::DeleteGroups(resp) => match resp.results.into_iter().find(|r| r.group_id.0.as_str() == group) {
            None => Err(Error::new(ErrorCode::BAD_MSG, format!("DeleteGroups left out group {group:?}"))),
            Some(r) if r.error_code != 0 => Err(group_error(r.error_code, None, "delete", &group)),
            Some(_) => Ok(GroupAnswer::Deleted),
        },
        ResponseKind::OffsetFetch(resp) => read_offset_fetch(resp, &group),
        ResponseKind::OffsetCommit(resp) => {
            let mut out = Vec::new();
            for t in resp.topics {
                for p in t.partitions {
                    let tp = TopicPartition::new(t.name.0.as_str(), p.partition_index);
                    let r = partition_result(p.error_code, "commit offset", &tp);
                    out.push((tp, r));
                }
            }
            group_level(out)
        }
        ResponseKind::OffsetDelete(resp) => {
            if resp.error_code != 0 {
                Err(group_error(resp.error_code, None, "delete offsets of", &group))
            } else {
                let mut out = Vec::new();
                for t in resp.topics {
                    for p in t.partitions {
                        let tp = TopicPartition::new(t.name.0.as_str(), p.partition_index);
                        let r = partition_result(p.error_code, "delete offset", &tp);
                        out.push((tp, r));
                    }
                }
                Ok(GroupAnswer::Partitions(out))
            }
        }
        _ => return,
    };
    answer(a, id, group, result, now);
}

fn partition_result(code: i16, what: &str, tp: &TopicPartition) -> Result<(), Error> {
    if code == 0 {
        Ok(())
    } else {
        Err(Error::from_code(code, format_args!("{what} of {tp}")))
    }
}

/// OffsetCommit answers per partition, but a coordinator problem (or a live group refusing a
/// commit without a member) shows on every partition: take it as the group's answer so it is
/// retried (coordinator errors) or reported once.
fn group_level(out: PartitionResults<()>) -> Result<GroupAnswer, Error> {
    let first = out.first().and_then(|(_, r)| r.as_ref().err()).cloned();
    if let Some(e) = first {
        let same = out.iter().all(|(_, r)| r.as_ref().err().map(Error::code) == Some(e.code()));
        let group_wide = coordinator_moved(e.code())
            || e.code() == ErrorCode::COORDINATOR_LOAD_IN_PROGRESS
            || e.code() == ErrorCode::UNKNOWN_MEMBER_ID
            || e.code() == ErrorCode::ILLEGAL_GENERATION
            || e.code() == ErrorCode::REBALANCE_IN_PROGRESS;
        if same && group_wide {
            return Err(e);
        }
    }
    Ok(GroupAnswer::Partitions(out))
}

fn read_offset_fetch(resp: kafka_protocol::messages::OffsetFetchResponse, group: &str) -> Result<GroupAnswer, Error> {
    let mut out = Vec::new();
    let mut push = |topic: &str, partition: i32, offset: i64, epoch: i32, metadata: Option<StrBytes>, code: i16| {
        let tp = TopicPartition::new(topic, partition);
        let r = if code != 0 {
            Err(Error::from_code(code, format_args!("committed offset of {tp}")))
        } else if offset < 0 {
            Ok(None)
        } else {
            Ok(Some(CommittedOffset { offset, leader_epoch: epoch, metadata: metadata.map(|m| m.to_string()) }))
        };
        out.push((tp, r));
    };
    if let Some(g) = resp.groups.into_iter().find(|g| g.group_id.0.as_str() == group) {
        if g.error_code != 0 {
            return Err(group_error(g.error_code, None, "list offsets of", group));
        }
        for t in g.topics {
            for p in t.partitions {
                push(
                    t.name.0.as_str(),
                    p.partition_index,
                    p.committed_offset,
                    p.committed_leader_epoch,
                    p.metadata,
                    p.error_code,
                );
            }
        }
    } else {
        if resp.error_code != 0 {
            return Err(group_error(resp.error_code, None, "list offsets of", group));
        }
        for t in resp.topics {
            for p in t.partitions {
                push(
                    t.name.0.as_str(),
                    p.partition_index,
                    p.committed_offset,
                    p.committed_leader_epoch,
                    p.metadata,
                    p.error_code,
                );
            }
        }
    }
    // UNSTABLE_OFFSET_COMMIT (require_stable while a transaction is open): ask the group again.
    // Other partition errors are that partition's answer, as in Kafka's admin client.
    let unstable = |e: &&Error| e.code() == ErrorCode::UNSTABLE_OFFSET_COMMIT;
    if let Some(e) = out.iter().find_map(|(_, r)| r.as_ref().err().filter(unstable)) {
        return Err(e.clone());
    }
    out.sort_by(|x, y| x.0.cmp(&y.0));
    Ok(GroupAnswer::Offsets(out))
}

fn group_error(code: i16, message: Option<&StrBytes>, what: &str, group: &str) -> Error {
    match message {
        Some(m) if !m.is_empty() => {
            Error::new(ErrorCode(code), format!("{what} group {group:?}: {} ({})", ErrorCode(code).name(), m.as_str()))
        }
        _ => Error::from_code(code, format_args!("{what} group {group:?}")),
    }
}

/// The partitions of a consumer-protocol assignment (Kafka's ConsumerProtocolAssignment, a
/// version then the body); nothing when it is empty (a group rebalancing) or unreadable.
pub fn decode_assignment(bytes: &Bytes) -> Vec<TopicPartition> {
    let mut buf = bytes.clone();
    if buf.len() < 2 {
        return Vec::new();
    }
    let version = i16::from_be_bytes([buf[0], buf[1]]);
    let _ = bytes::Buf::get_i16(&mut buf);
    // The guard bounded this frame; within it, each array element takes at least a byte, so a
    // count the bytes cannot hold is refused before the decoder allocates for it.
    if !assignment_counts_fit(&buf) {
        return Vec::new();
    }
    let Ok(a) = ConsumerProtocolAssignment::decode(&mut buf, version.clamp(0, 3)) else {
        return Vec::new();
    };
    let mut out: Vec<TopicPartition> = a
        .assigned_partitions
        .iter()
        .flat_map(|t| t.partitions.iter().map(|p| TopicPartition::new(t.topic.0.as_str(), *p)))
        .collect();
    out.sort();
    out
}

/// The assignment's arrays (topics, then each topic's partitions, i32s) claim no more elements
/// than the bytes can hold. All versions 0-3 share this non-flexible layout.
fn assignment_counts_fit(body: &[u8]) -> bool {
    let mut at = 0usize;
    let read_i32 = |at: &mut usize| -> Option<i32> {
        let b = body.get(*at..*at + 4)?;
        *at += 4;
        Some(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let Some(topics) = read_i32(&mut at) else { return false };
    if topics < 0 || topics as usize > body.len() {
        return false;
    }
    for _ in 0..topics {
        let Some(len) = body.get(at..at + 2).map(|b| i16::from_be_bytes([b[0], b[1]])) else { return false };
        at += 2 + usize::try_from(len).unwrap_or(0);
        let Some(n) = read_i32(&mut at) else { return false };
        if n < 0 || (n as usize).saturating_mul(4) > body.len().saturating_sub(at) {
            return false;
        }
        at += n as usize * 4;
    }
    true
}

fn handle_find_coordinator(a: &mut Admin, id: RequestId, group: String, resp: &FindCoordinatorResponse, now: Millis) {
    match coordinator_from_response(resp, &group) {
        Ok(c) => {
            let known = a.metadata.broker(c.node_id).is_some();
            if let Some(GroupOp::Coordinated { items, coordinators, .. }) = group_op(a, id) {
                coordinators.insert(group.clone(), c.node_id);
                items.pending.insert(group);
            }
            if !known {
                a.metadata.request_refresh();
            }
        }
        Err(e) if e.is_retriable() => a.retry(id, RetryKeys::Groups(vec![group]), e, now),
        Err(e) => {
            if let Some(GroupOp::Coordinated { items, .. }) = group_op(a, id) {
                items.finish(group, Err(e));
            }
            a.complete_if_done(id);
        }
    }
}

fn handle_list_groups(a: &mut Admin, id: RequestId, broker: BrokerId, resp: ListGroupsResponse, now: Millis) {
    if resp.error_code != 0 {
        let e = Error::from_code(resp.error_code, format_args!("list groups of broker {broker}"));
        if e.is_retriable() {
            a.retry(id, RetryKeys::Brokers(vec![broker]), e, now);
            return;
        }
        if let Some(GroupOp::List { brokers: Some(items), .. }) = group_op(a, id) {
            items.finish(broker, Err(e));
        }
        a.complete_if_done(id);
        return;
    }
    let Some(GroupOp::List { states, brokers: Some(items) }) = group_op(a, id) else { return };
    let groups = resp
        .groups
        .into_iter()
        .map(|g| GroupListing {
            group_id: g.group_id.0.to_string(),
            protocol_type: g.protocol_type.to_string(),
            state: (!g.group_state.is_empty()).then(|| g.group_state.to_string()),
            group_type: (!g.group_type.is_empty()).then(|| g.group_type.to_string()),
        })
        // Brokers before v4 ignore the filter: apply it here where the state is known.
        .filter(|g| {
            states.is_empty() || g.state.as_ref().is_none_or(|s| states.iter().any(|w| w.eq_ignore_ascii_case(s)))
        })
        .collect();
    items.finish(broker, Ok(groups));
    a.complete_if_done(id);
}
