//! The JSON-compatible picture of a simulation the playground draws: partition logs with
//! every stored record, the offset markers and aborted transactions, the clients
//! (`clients.rs`: producers, consumers), the coordinators (`groups.rs`: groups,
//! transactions), and the journal.
//!
//! Plain serde types built from the core's public state, so `cargo test` checks them on
//! the host; `simulation.rs` hands them to JavaScript through serde-wasm-bindgen (objects,
//! not Maps; offsets and times as numbers, all below 2^53).

mod clients;
mod groups;

pub use clients::{
    consumers, producers, ConsumerPartitionView, ConsumerView, InFlightView, ProducerPartitionView, ProducerView,
};
pub use groups::{groups, transactions, CommittedView, GroupView, MemberView, TransactionView};

use kafkette::broker::{Broker, PartitionLog};
use kafkette::record::{Batch, ControlType};
use kafkette::sim::{Direction, EventKind, Fate, SimEvent};
use serde::Serialize;

/// The world without its journal: the playground's frames carry the journal as arrows and
/// events, incrementally.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorldView {
    pub now: i64,
    pub topics: Vec<TopicView>,
    pub nodes: Vec<NodeView>,
    pub producers: Vec<ProducerView>,
    pub consumers: Vec<ConsumerView>,
    pub groups: Vec<GroupView>,
    pub transactions: Vec<TransactionView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub now: i64,
    pub topics: Vec<TopicView>,
    pub nodes: Vec<NodeView>,
    pub producers: Vec<ProducerView>,
    pub consumers: Vec<ConsumerView>,
    pub groups: Vec<GroupView>,
    pub transactions: Vec<TransactionView>,
    pub journal: Vec<JournalEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicPartitionView {
    pub topic: String,
    pub partition: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicView {
    pub name: String,
    /// The coordinators' topics (`__consumer_offsets`, `__transaction_state`).
    pub internal: bool,
    pub partitions: Vec<PartitionView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartitionView {
    pub partition: i32,
    pub log_start_offset: i64,
    pub high_watermark: i64,
    pub last_stable_offset: i64,
    pub log_end_offset: i64,
    /// Every record still stored, control records included, in offset order.
    pub records: Vec<RecordView>,
    /// Aborted transactions still indexed, in marker order.
    pub aborted: Vec<AbortedView>,
}

/// An aborted transaction of one producer: its records from `firstOffset` up to its ABORT
/// marker at `markerOffset` are skipped by read_committed consumers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AbortedView {
    pub producer_id: i64,
    pub first_offset: i64,
    pub marker_offset: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordView {
    pub offset: i64,
    pub timestamp: i64,
    /// UTF-8 text (invalid bytes replaced); `null` for a null key or value.
    pub key: Option<String>,
    pub value: Option<String>,
    /// -1 when the producer is not idempotent.
    pub producer_id: i64,
    pub producer_epoch: i16,
    /// The record's sequence number, -1 without idempotence.
    pub sequence: i32,
    pub transactional: bool,
    /// "COMMIT" or "ABORT" for a transaction marker, else `null`.
    pub control: Option<&'static str>,
    /// A data record of a transaction that was aborted (never read with read_committed).
    pub aborted: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeView {
    pub id: usize,
    pub name: String,
    /// "producer", "consumer" or "admin".
    pub kind: &'static str,
    /// False between `crash` and `restart`.
    pub alive: bool,
}

/// One journal line: when, which client (`null`: the broker or the network), what.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    pub at: i64,
    pub node: Option<usize>,
    #[serde(flatten)]
    pub event: JournalEvent,
}

/// The core's `EventKind`, mapped field for field. The match below is exhaustive, so a new
/// kind in the core fails to compile here until the playground learns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all_fields = "camelCase")]
pub enum JournalEvent {
    NodeAdded {
        name: String,
    },
    NodeCrashed,
    NodeRestarted,
    FaultArmed {
        rule: String,
    },
    Send {
        delivery: u64,
    },
    /// A request or response put on the simulated wire, and what the network did to it.
    Message {
        /// "request" (client to broker) or "response".
        direction: &'static str,
        api: String,
        correlation_id: i32,
        /// "sent", "dropped", "delayed" or "duplicated".
        fate: &'static str,
        /// How late a delayed message arrives.
        #[serde(skip_serializing_if = "Option::is_none")]
        delayed_by_ms: Option<i64>,
    },
    ResponseReceived {
        api: String,
        correlation_id: i32,
    },
    Delivered {
        delivery: u64,
        partition: i32,
        offset: i64,
    },
    DeliveryFailed {
        delivery: u64,
        error: String,
    },
    Consumed {
        topic: String,
        partition: i32,
        offset: i64,
    },
    ConsumerEvent {
        what: String,
    },
    AdminEvent {
        what: String,
    },
    /// Why: the rule that fired (core `notes`), with concrete values and an anomaly if any.
    Note {
        rule: &'static str,
        text: String,
        anomaly: Option<&'static str>,
    },
}

impl From<&SimEvent> for JournalEntry {
    fn from(e: &SimEvent) -> JournalEntry {
        use EventKind as K;
        use JournalEvent as J;
        let event = match e.kind.clone() {
            K::NodeAdded { name } => J::NodeAdded { name },
            K::NodeCrashed => J::NodeCrashed,
            K::NodeRestarted => J::NodeRestarted,
            K::FaultArmed { rule } => J::FaultArmed { rule },
            K::Send { delivery } => J::Send { delivery },
            K::Message { direction, api, correlation_id, fate } => {
                let direction = match direction {
                    Direction::Request => "request",
                    Direction::Response => "response",
                };
                let (fate, delayed_by_ms) = match fate {
                    Fate::Sent => ("sent", None),
                    Fate::Dropped => ("dropped", None),
                    Fate::Delayed { by_ms } => ("delayed", Some(by_ms)),
                    Fate::Duplicated => ("duplicated", None),
                };
                J::Message { direction, api, correlation_id, fate, delayed_by_ms }
            }
            K::ResponseReceived { api, correlation_id } => J::ResponseReceived { api, correlation_id },
            K::Delivered { delivery, partition, offset } => J::Delivered { delivery, partition, offset },
            K::DeliveryFailed { delivery, error } => J::DeliveryFailed { delivery, error },
            K::Consumed { topic, partition, offset } => J::Consumed { topic, partition, offset },
            K::ConsumerEvent { what } => J::ConsumerEvent { what },
            K::AdminEvent { what } => J::AdminEvent { what },
            K::Note { rule, text, anomaly } => J::Note { rule, text, anomaly },
        };
        JournalEntry { at: e.at, node: e.node.map(|n| n.0), event }
    }
}

/// Topics in name order, partitions in index order.
pub fn topics(broker: &Broker) -> Vec<TopicView> {
    broker
        .topics()
        .map(|(name, topic)| TopicView {
            name: name.to_string(),
            internal: name.starts_with("__"),
            partitions: topic.partitions().iter().enumerate().map(|(i, log)| partition(i as i32, log)).collect(),
        })
        .collect()
}

fn partition(index: i32, log: &PartitionLog) -> PartitionView {
    let aborted: Vec<AbortedView> = log
        .aborted_txns()
        .map(|a| AbortedView { producer_id: a.producer_id, first_offset: a.first_offset, marker_offset: a.last_offset })
        .collect();
    let mut records = Vec::new();
    for stored in log.batches() {
        let batch = Batch { header: stored.header, bytes: stored.bytes.clone() };
        let h = batch.header;
        let control = batch.control_type().map(|c| match c {
            ControlType::Commit => "COMMIT",
            ControlType::Abort => "ABORT",
        });
        // The broker validated every batch on append; one that still fails to decode is
        // shown as far as it goes rather than failing the whole snapshot.
        let Ok(iter) = batch.records() else { continue };
        for r in iter.map_while(Result::ok) {
            if r.offset < log.log_start_offset() {
                continue;
            }
            let sequence = if h.base_sequence < 0 { -1 } else { seq_at(h.base_sequence, r.offset - h.base_offset) };
            let text =
                |b: Option<&[u8]>| b.filter(|_| control.is_none()).map(|b| String::from_utf8_lossy(b).into_owned());
            records.push(RecordView {
                offset: r.offset,
                timestamp: r.timestamp,
                key: text(r.key.as_deref()),
                value: text(r.value.as_deref()),
                producer_id: h.producer_id,
                producer_epoch: h.producer_epoch,
                sequence,
                transactional: h.is_transactional(),
                control,
                aborted: control.is_none() && h.is_transactional() && is_aborted(&aborted, h.producer_id, r.offset),
            });
        }
    }
    PartitionView {
        partition: index,
        log_start_offset: log.log_start_offset(),
        high_watermark: log.high_watermark(),
        last_stable_offset: log.last_stable_offset(),
        log_end_offset: log.log_end_offset(),
        records,
        aborted,
    }
}

/// Whether `producer_id`'s record at `offset` lies in one of its aborted transactions.
fn is_aborted(aborted: &[AbortedView], producer_id: i64, offset: i64) -> bool {
    aborted.iter().any(|a| a.producer_id == producer_id && a.first_offset <= offset && offset < a.marker_offset)
}

/// Sequence numbers wrap at i32::MAX to 0, as Kafka's do.
fn seq_at(base: i32, delta: i64) -> i32 {
    ((base as i64 + delta) % (i32::MAX as i64 + 1)) as i32
}
