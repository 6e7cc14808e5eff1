//! A session's frame: everything the page's views draw at one step, as one JSON-compatible
//! value (contract section 2): the snapshot (without the journal), the ledger, the records of
//! each partition with the producer that wrote them and the copy they duplicate, the sequence
//! diagram's arrows, lag over time, armed faults, the tape's actions and the lanes.

use std::collections::BTreeMap;

use kafkette::sim::{Direction, EventKind, Fault, NodeId};
use kafkette::Millis;
use serde::Serialize;

use super::ledger::Ledger;
use super::replay::{op_name, Replayer};
use super::session_events::LagPoint;
use super::tape::{Action, LinkFault};
use crate::snapshot::WorldView;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Frame {
    pub at: Millis,
    pub step: u64,
    pub end_ms: Millis,
    pub snapshot: WorldView,
    pub ledger: Ledger,
    /// By "topic-partition".
    pub records: BTreeMap<String, Vec<RecordRef>>,
    pub messages: Vec<Arrow>,
    pub lag: Vec<LagPoint>,
    pub armed: Vec<Armed>,
    pub actions: Vec<ActionView>,
    pub broker_up: bool,
    pub lanes: Vec<Lane>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordRef {
    pub offset: i64,
    /// The application message id (the record's value); `null` for control records.
    pub message_id: Option<String>,
    /// The tape name of the producer that wrote it (`null` when it cannot be told).
    pub producer: Option<String>,
    /// The offset of the first copy of the same message id in this partition.
    pub duplicate_of: Option<i64>,
}

/// One request or response of the sequence diagram.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Arrow {
    pub i: usize,
    pub at: Millis,
    /// When it arrives (the client received the response; a request: sent time plus the
    /// link's latency, when the network has no jitter); `null` when dropped or not known.
    pub arrive_at: Option<Millis>,
    /// When the client received it, if it did (kept to fill `arrive_at`; not in the JSON).
    #[serde(skip)]
    pub received_at: Option<Millis>,
    pub from: String,
    pub to: String,
    pub api: String,
    /// "request" or "response".
    pub direction: &'static str,
    pub correlation_id: i32,
    /// "sent" | "dropped" | "delayed" | "duplicated".
    pub fate: &'static str,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Armed {
    /// The client's name (`null`: any).
    pub node: Option<String>,
    /// The API (`null`: any).
    pub api: Option<String>,
    /// "request" or "response".
    pub direction: &'static str,
    /// "drop", "delay" or "duplicate".
    pub fault: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<i64>,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionView {
    pub i: usize,
    pub at: Millis,
    pub op: &'static str,
    pub text: String,
    pub applied: bool,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Lane {
    pub id: String,
    /// "producer" | "consumer" | "broker" | "coordinator" | "admin".
    pub kind: &'static str,
    pub name: String,
    pub alive: bool,
}

/// The lane a request of `api` goes to: the group coordinator, the transaction coordinator
/// (for a transactional producer's InitProducerId too), or the broker.
pub fn api_lane(api: &str, transactional: bool) -> &'static str {
    match api {
        "JoinGroup"
        | "SyncGroup"
        | "Heartbeat"
        | "LeaveGroup"
        | "OffsetCommit"
        | "OffsetFetch"
        | "ConsumerGroupHeartbeat"
        | "TxnOffsetCommit" => GROUP_COORDINATOR,
        "AddPartitionsToTxn" | "AddOffsetsToTxn" | "EndTxn" => TXN_COORDINATOR,
        "InitProducerId" if transactional => TXN_COORDINATOR,
        _ => BROKER,
    }
}

pub const BROKER: &str = "broker";
pub const GROUP_COORDINATOR: &str = "group-coordinator";
pub const TXN_COORDINATOR: &str = "txn-coordinator";

/// One sentence for a tape action.
pub fn describe(a: &Action) -> String {
    match a {
        Action::Wait => "wait".into(),
        Action::Produce { producer, topic, id, key, partition } => {
            let mut s = format!("{producer} produces {id} to {topic}");
            if let Some(k) = key {
                s += &format!(" with key {k}");
            }
            if let Some(p) = partition {
                s += &format!(" (partition {p})");
            }
            s
        }
        Action::Flush { producer } => format!("{producer} flushes"),
        Action::InitTransactions { producer } => format!("{producer} initialises transactions"),
        Action::BeginTransaction { producer } => format!("{producer} begins a transaction"),
        Action::CommitTransaction { producer } => format!("{producer} commits its transaction"),
        Action::AbortTransaction { producer } => format!("{producer} aborts its transaction"),
        Action::CrashProducer { producer } => format!("{producer} crashes"),
        Action::Zombie { producer, successor } => format!("{successor} takes over {producer}'s transactional id"),
        Action::Start { app } => format!("{app} starts"),
        Action::Stop { app } => format!("{app} stops"),
        Action::Poll { app } => format!("{app} polls"),
        Action::Process { app } => format!("{app} processes what it holds"),
        Action::Commit { app } => format!("{app} commits"),
        Action::Cycle { app } => format!("{app} runs one cycle"),
        Action::Crash { app, point: Some(p) } => format!("{app} will crash at {p:?}"),
        Action::Crash { app, point: None } => format!("{app} crashes"),
        Action::Restart { app } => format!("{app} restarts"),
        Action::Pause { app, ms } => format!("{app}'s next processing takes {ms} ms"),
        Action::BrokerDown => "the broker goes down".into(),
        Action::BrokerUp => "the broker comes back".into(),
        Action::Fault { node, api, direction, fault, delay_ms } => {
            let f = match fault {
                LinkFault::Drop => "drop".to_string(),
                LinkFault::Duplicate => "duplicate".to_string(),
                LinkFault::Delay => format!("delay by {} ms", delay_ms.unwrap_or(1_000)),
            };
            let d = match direction {
                super::tape::LinkDirection::Request => "request",
                super::tape::LinkDirection::Response => "response",
            };
            format!("{f} {node}'s next {api} {d}")
        }
    }
}

pub(super) fn frame(r: &Replayer, step: u64, arrows: &[Arrow], lag: &[LagPoint]) -> Frame {
    let e = r.engine();
    let sim = &e.sim;
    let at = r.at();
    let snapshot = e.world_view();
    let records = records(r, &snapshot);
    let messages: Vec<Arrow> = arrows
        .iter()
        .map(|a| {
            let mut a = a.clone();
            if let Some(t) = a.received_at.take().filter(|t| *t <= at) {
                a.arrive_at = Some(t);
            }
            a
        })
        .collect();
    let armed = sim
        .armed_faults()
        .iter()
        .map(|f| {
            let (fault, delay_ms) = match f.fault {
                Fault::Drop => ("drop", None),
                Fault::Delay(ms) => ("delay", Some(ms)),
                Fault::Duplicate => ("duplicate", None),
            };
            Armed {
                node: f.node.map(|n| sim.node_name(n).to_string()),
                api: f.api.map(|a| format!("{a:?}")),
                direction: match f.direction {
                    Direction::Request => "request",
                    Direction::Response => "response",
                },
                fault,
                delay_ms,
                count: f.count,
            }
        })
        .collect();
    let done = r.actions_done();
    let actions = r
        .tape()
        .actions
        .iter()
        .enumerate()
        .map(|(i, a)| ActionView {
            i,
            at: a.at,
            op: op_name(&a.action),
            text: describe(&a.action),
            applied: i < done && !r.action_errors().contains_key(&i),
            error: r.action_errors().get(&i).filter(|_| i < done).map(|e| e.to_string()),
        })
        .collect();
    let mut lanes: Vec<Lane> = snapshot
        .nodes
        .iter()
        .map(|nv| Lane { id: nv.name.clone(), kind: nv.kind, name: nv.name.clone(), alive: nv.alive })
        .collect();
    let broker_up = sim.broker_up();
    lanes.push(Lane { id: BROKER.into(), kind: "broker", name: "broker".into(), alive: broker_up });
    for (id, name) in [(GROUP_COORDINATOR, "group coordinator"), (TXN_COORDINATOR, "transaction coordinator")] {
        if messages.iter().any(|m| m.from == id || m.to == id) {
            lanes.push(Lane { id: id.into(), kind: "coordinator", name: name.into(), alive: broker_up });
        }
    }
    Frame {
        at,
        step,
        end_ms: r.tape().end_ms,
        snapshot,
        ledger: r.ledger_now(),
        records,
        messages,
        lag: lag.to_vec(),
        armed,
        actions,
        broker_up,
        lanes,
    }
}

/// Each data record's message id, producer and earlier copy, per partition.
fn records(r: &Replayer, world: &WorldView) -> BTreeMap<String, Vec<RecordRef>> {
    let sim = &r.engine().sim;
    // (producer id, epoch) and producer id -> the node that holds it now.
    let mut by_epoch: BTreeMap<(i64, i16), String> = BTreeMap::new();
    let mut by_pid: BTreeMap<i64, String> = BTreeMap::new();
    for p in &world.producers {
        if p.producer_id >= 0 {
            by_epoch.insert((p.producer_id, p.epoch), p.name.clone());
            by_pid.entry(p.producer_id).or_insert_with(|| p.name.clone());
        }
    }
    // Without a producer id: the acknowledged (partition, offset) of each node's sends, and the
    // nodes that sent each message id.
    let mut acked: BTreeMap<(i32, i64), Vec<usize>> = BTreeMap::new();
    for ev in sim.journal() {
        if let (Some(n), EventKind::Delivered { partition, offset, .. }) = (ev.node, &ev.kind) {
            acked.entry((*partition, *offset)).or_default().push(n.0);
        }
    }
    let mut senders: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for s in &r.recorder().sent {
        let v = senders.entry(s.id.as_str()).or_default();
        if !v.contains(&s.node) {
            v.push(s.node);
        }
    }
    let mut out = BTreeMap::new();
    for t in world.topics.iter().filter(|t| !t.internal) {
        for p in &t.partitions {
            let mut first: BTreeMap<&str, i64> = BTreeMap::new();
            let mut rows = Vec::with_capacity(p.records.len());
            for rec in &p.records {
                let id = rec.value.as_deref().filter(|_| rec.control.is_none());
                let producer = if rec.producer_id >= 0 {
                    by_epoch
                        .get(&(rec.producer_id, rec.producer_epoch))
                        .or_else(|| by_pid.get(&rec.producer_id))
                        .cloned()
                } else {
                    let nodes = id.and_then(|id| senders.get(id));
                    match nodes.map(Vec::as_slice) {
                        Some([one]) => Some(*one),
                        Some(many) => acked
                            .get(&(p.partition, rec.offset))
                            .and_then(|a| a.iter().find(|n| many.contains(n)).copied())
                            .or_else(|| many.first().copied()),
                        None => None,
                    }
                    .map(|n| sim.node_name(NodeId(n)).to_string())
                };
                let duplicate_of = match id {
                    Some(id) => match first.get(id) {
                        Some(o) => Some(*o),
                        None => {
                            first.insert(id, rec.offset);
                            None
                        }
                    },
                    None => None,
                };
                rows.push(RecordRef { offset: rec.offset, message_id: id.map(str::to_string), producer, duplicate_of });
            }
            out.insert(format!("{}-{}", t.name, p.partition), rows);
        }
    }
    out
}
