//! The coordinators' side of the snapshot: consumer groups (state, generation, protocol,
//! members with their assignments, committed offsets) and transactions as the transaction
//! coordinator records them.

use kafkette::broker::Broker;
use kafkette::consumer::assignor::decode_assignment;
use serde::Serialize;

use super::TopicPartitionView;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupView {
    pub group_id: String,
    /// "Empty", "PreparingRebalance", "CompletingRebalance", "Stable" or "Dead".
    pub state: &'static str,
    pub generation: i32,
    /// "consumer" for Kafka consumers; `null` for a group that only commits offsets.
    pub protocol_type: Option<String>,
    /// The assignor the generation chose ("range", "cooperative-sticky"...).
    pub protocol: Option<String>,
    pub leader: Option<String>,
    /// In join order.
    pub members: Vec<MemberView>,
    /// Committed offsets, by topic and partition.
    pub committed: Vec<CommittedView>,
    /// A transaction has staged offsets that become committed only if it commits.
    pub pending_transactional_offsets: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberView {
    pub member_id: String,
    pub instance_id: Option<String>,
    /// The client's `client.id`: in the simulation, the node's name.
    pub client_id: String,
    /// What the generation's SyncGroup gave the member (empty before it).
    pub assignment: Vec<TopicPartitionView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommittedView {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub metadata: String,
    pub commit_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionView {
    pub transactional_id: String,
    pub producer_id: i64,
    pub epoch: i16,
    /// "Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort", "Dead".
    pub state: String,
    pub timeout_ms: i32,
    /// Data partitions of the ongoing transaction.
    pub partitions: Vec<TopicPartitionView>,
    /// Groups whose offsets the transaction commits.
    pub groups: Vec<String>,
    /// When the ongoing transaction began; -1 when none.
    pub start_ms: i64,
}

/// Every group the coordinator knows, by id.
pub fn groups(broker: &Broker) -> Vec<GroupView> {
    let mut out: Vec<GroupView> = broker
        .groups()
        .groups()
        .map(|g| {
            let mut members: Vec<_> = g.members.values().collect();
            members.sort_by_key(|m| m.seq);
            GroupView {
                group_id: g.id.clone(),
                state: g.state.name(),
                generation: g.generation,
                protocol_type: g.protocol_type.clone(),
                protocol: g.protocol_name.clone(),
                leader: g.leader.clone(),
                members: members
                    .into_iter()
                    .map(|m| MemberView {
                        member_id: m.id.clone(),
                        instance_id: m.instance_id.clone(),
                        client_id: m.client_id.clone(),
                        // Our clients write valid assignments; another's undecodable one shows empty.
                        assignment: decode_assignment(&m.assignment)
                            .unwrap_or_default()
                            .into_iter()
                            .map(Into::into)
                            .collect(),
                    })
                    .collect(),
                committed: g
                    .offsets
                    .committed()
                    .map(|((topic, partition), o)| CommittedView {
                        topic: topic.clone(),
                        partition: *partition,
                        offset: o.offset,
                        metadata: o.metadata.clone(),
                        commit_ms: o.commit_ms,
                    })
                    .collect(),
                pending_transactional_offsets: g.offsets.has_pending_any(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.group_id.cmp(&b.group_id));
    out
}

/// Every transactional id the transaction coordinator knows, by id.
pub fn transactions(broker: &Broker) -> Vec<TransactionView> {
    broker
        .transactions()
        .iter()
        .map(|t| TransactionView {
            transactional_id: t.transactional_id.clone(),
            producer_id: t.producer_id,
            epoch: t.producer_epoch,
            state: format!("{:?}", t.state),
            timeout_ms: t.timeout_ms,
            partitions: t
                .partitions
                .iter()
                .map(|(topic, partition)| TopicPartitionView { topic: topic.clone(), partition: *partition })
                .collect(),
            groups: t.groups.iter().map(|(g, _)| g.clone()).collect(),
            start_ms: t.start_ms,
        })
        .collect()
}
