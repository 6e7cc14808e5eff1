//! The simulation's journal: every message and application event with its
//! virtual time. Two runs with the same seed and calls give equal journals.

use super::{Direction, NodeId};
use crate::producer::DeliveryId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimEvent {
    pub at: i64,
    pub node: Option<NodeId>,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    NodeAdded {
        name: String,
    },
    /// The client's process died (`Simulation::crash`).
    NodeCrashed,
    /// The client runs again, a fresh process with the same configuration (`Simulation::restart`).
    NodeRestarted,
    FaultArmed {
        rule: String,
    },
    Send {
        delivery: DeliveryId,
    },
    /// A request or response put on the simulated wire, and what the network does to it.
    Message {
        direction: Direction,
        api: String,
        correlation_id: i32,
        fate: Fate,
    },
    /// A response reached its client.
    ResponseReceived {
        api: String,
        correlation_id: i32,
    },
    Delivered {
        delivery: DeliveryId,
        partition: i32,
        offset: i64,
    },
    DeliveryFailed {
        delivery: DeliveryId,
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
    /// Why something happened: a rule of the broker, a coordinator or a client fired
    /// (`crate::notes`). The node is the client whose request caused it, or the client that
    /// decided; None for the broker's own timers (session and transaction timeouts, retention).
    Note {
        rule: &'static str,
        text: String,
        anomaly: Option<&'static str>,
    },
}

/// What the simulated network does to one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Sent,
    Dropped,
    Delayed { by_ms: i64 },
    Duplicated,
}
