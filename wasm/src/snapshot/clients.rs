//! The clients' side of the snapshot: each producer's identity, sequences, queues, batches in
//! flight and transaction state (the producer inspector), and each consumer's group membership
//! and positions (the consumer markers on the partition logs).

use kafkette::config::IsolationLevel;
use kafkette::sim::{NodeId, Simulation};
use serde::Serialize;

use super::TopicPartitionView;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProducerView {
    pub node: usize,
    pub name: String,
    pub idempotent: bool,
    /// "0", "1" or "all".
    pub acks: &'static str,
    pub retries: i32,
    pub max_in_flight: usize,
    pub transactional_id: Option<String>,
    /// -1 until the broker gave one (and always without idempotence).
    pub producer_id: i64,
    pub epoch: i16,
    /// The transaction manager's state ("Ready", "InTransaction"...); `null` without
    /// `transactional.id`.
    pub transaction_state: Option<String>,
    /// Records sent and not yet reported delivered or failed.
    pub pending: usize,
    pub partitions: Vec<ProducerPartitionView>,
    /// Batches whose Produce request awaits a response, oldest first.
    pub in_flight: Vec<InFlightView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProducerPartitionView {
    pub topic: String,
    pub partition: i32,
    /// The base sequence of the next new batch; `null` without idempotence.
    pub next_sequence: Option<i32>,
    /// The sequence the broker should accept next; `null` without idempotence.
    pub acked_sequence: Option<i32>,
    pub queued_batches: usize,
    pub in_flight_batches: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InFlightView {
    pub topic: String,
    pub partition: i32,
    pub correlation_id: i32,
    pub base_sequence: Option<i32>,
    pub records: u32,
    pub attempts: u32,
    /// When the request times out without a response.
    pub deadline: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumerView {
    pub node: usize,
    pub name: String,
    pub group_id: Option<String>,
    /// "read_committed" or "read_uncommitted".
    pub isolation_level: &'static str,
    /// Empty when not a member of a generation.
    pub member_id: String,
    /// -1 when not a member of a generation.
    pub generation: i32,
    pub subscription: Vec<String>,
    /// The assigned partitions with the consumer's position (next offset `poll` returns).
    pub partitions: Vec<ConsumerPartitionView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumerPartitionView {
    pub topic: String,
    pub partition: i32,
    /// `null` while unknown (before the first offset lookup).
    pub position: Option<i64>,
    /// The high watermark (LSO for read_committed) the last fetch reported.
    pub high_watermark: Option<i64>,
    pub paused: bool,
}

/// Every producer, in node order.
pub fn producers(sim: &Simulation, node_count: usize) -> Vec<ProducerView> {
    (0..node_count)
        .filter_map(|i| {
            let p = sim.producer_ref(NodeId(i))?;
            let c = p.config();
            let (producer_id, epoch) = p.producer_id().unwrap_or((-1, -1));
            Some(ProducerView {
                node: i,
                name: sim.node_name(NodeId(i)).to_string(),
                idempotent: c.enable_idempotence,
                acks: c.acks.name(),
                retries: c.retries,
                max_in_flight: c.max_in_flight_requests_per_connection,
                transactional_id: c.transactional_id.clone(),
                producer_id,
                epoch,
                transaction_state: p.txn_state().map(|s| format!("{s:?}")),
                pending: p.pending(),
                partitions: p
                    .partitions_inspect()
                    .into_iter()
                    .map(|q| ProducerPartitionView {
                        topic: q.topic.to_string(),
                        partition: q.partition,
                        next_sequence: q.next_sequence,
                        acked_sequence: q.acked_sequence,
                        queued_batches: q.queued_batches,
                        in_flight_batches: q.in_flight_batches,
                    })
                    .collect(),
                in_flight: p
                    .in_flight_batches()
                    .into_iter()
                    .map(|b| InFlightView {
                        topic: b.topic.to_string(),
                        partition: b.partition,
                        correlation_id: b.correlation_id,
                        base_sequence: b.base_sequence,
                        records: b.records,
                        attempts: b.attempts,
                        deadline: b.deadline,
                    })
                    .collect(),
            })
        })
        .collect()
}

/// Every consumer, in node order.
pub fn consumers(sim: &Simulation, node_count: usize) -> Vec<ConsumerView> {
    (0..node_count)
        .filter_map(|i| {
            let c = sim.consumer_ref(NodeId(i))?;
            let config = c.config();
            let member = c.group_metadata();
            let paused = c.paused();
            Some(ConsumerView {
                node: i,
                name: sim.node_name(NodeId(i)).to_string(),
                group_id: config.group_id.clone(),
                isolation_level: match config.isolation_level {
                    IsolationLevel::ReadCommitted => "read_committed",
                    IsolationLevel::ReadUncommitted => "read_uncommitted",
                },
                member_id: member.as_ref().map(|m| m.member_id.clone()).unwrap_or_default(),
                generation: member.as_ref().map_or(-1, |m| m.generation_id),
                subscription: c.subscription(),
                partitions: c
                    .assignment()
                    .into_iter()
                    .map(|tp| ConsumerPartitionView {
                        position: c.position(&tp),
                        high_watermark: c.high_watermark(&tp),
                        paused: paused.contains(&tp),
                        topic: tp.topic,
                        partition: tp.partition,
                    })
                    .collect(),
            })
        })
        .collect()
}

impl From<kafkette::consumer::TopicPartition> for TopicPartitionView {
    fn from(tp: kafkette::consumer::TopicPartition) -> Self {
        TopicPartitionView { topic: tp.topic, partition: tp.partition }
    }
}
