//! The simulation's journal: every message and application event with its
//! virtual time. Two runs with the same seed and calls give equal journals.

use super::NodeId;
use crate::producer::DeliveryId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimEvent {
    pub at: i64,
    pub node: Option<NodeId>,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    NodeAdded { name: String },
    FaultArmed { rule: String },
    Send { delivery: DeliveryId },
    RequestSent { api: String, correlation_id: i32 },
    RequestDropped { api: String, correlation_id: i32 },
    RequestDelayed { api: String, correlation_id: i32, by_ms: i64 },
    RequestDuplicated { api: String, correlation_id: i32 },
    ResponseDropped { api: String, correlation_id: i32 },
    ResponseDelayed { api: String, correlation_id: i32, by_ms: i64 },
    ResponseDuplicated { api: String, correlation_id: i32 },
    ResponseReceived { api: String, correlation_id: i32 },
    Delivered { delivery: DeliveryId, partition: i32, offset: i64 },
    DeliveryFailed { delivery: DeliveryId, error: String },
    Consumed { topic: String, partition: i32, offset: i64 },
    ConsumerEvent { what: String },
    AdminEvent { what: String },
}
