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

use kafka_protocol::messages::offset_commit_request::{OffsetCommitRequestPartition, OffsetCommitRequestTopic};
use kafka_protocol::messages::offset_delete_request::{OffsetDeleteRequestPartition, OffsetDeleteRequestTopic};
use kafka_protocol::messages::offset_fetch_request::{OffsetFetchRequestGroup, OffsetFetchRequestTopics};
use kafka_protocol::messages::{
    DeleteGroupsRequest, DescribeGroupsRequest, GroupId, ListGroupsRequest, OffsetCommitRequest, OffsetDeleteRequest,
    OffsetFetchRequest, RequestKind, TopicName,
};

use crate::client::coordinator::{find_coordinator_request, CoordinatorType};
use crate::client::{versions, Metadata};
use crate::consumer::TopicPartition;
use crate::error::Error;
use crate::protocol::{BrokerId, Millis, StrBytes, Transmit};

use super::{Admin, AdminResult, Items, OpKind, RequestId, Sent};

#[path = "groups_answers.rs"]
mod answers;
pub use answers::decode_assignment;
pub(super) use answers::{answers, handle_response, retry};

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
#[derive(Debug, Clone)]
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

#[derive(Debug, Clone)]
pub(super) enum GroupAnswer {
    Described(GroupDescription),
    Deleted,
    Offsets(PartitionResults<Option<CommittedOffset>>),
    Partitions(PartitionResults<()>),
}

#[derive(Debug, Clone)]
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
