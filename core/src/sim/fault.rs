//! Faults the simulated network applies: targeted rules ("drop the next Produce
//! response to producer p1") and random ones drawn from the seed.

use super::NodeId;
use crate::protocol::ApiKey;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Client to broker.
    Request,
    /// Broker to client.
    Response,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The message never arrives (the sender times out and retries).
    Drop,
    /// The message arrives this many milliseconds late.
    Delay(i64),
    /// The message arrives twice.
    Duplicate,
}

/// Apply `fault` to the next `count` messages matching node, API and direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// Only messages to or from this client (`None`: any).
    pub node: Option<NodeId>,
    /// Only this API (`None`: any).
    pub api: Option<ApiKey>,
    pub direction: Direction,
    pub fault: Fault,
    pub count: u32,
}

impl FaultRule {
    /// Drop the next response of `api` to `node`: the acknowledgement is lost.
    pub fn drop_next_response(node: NodeId, api: ApiKey) -> FaultRule {
        FaultRule { node: Some(node), api: Some(api), direction: Direction::Response, fault: Fault::Drop, count: 1 }
    }

    pub fn drop_next_request(node: NodeId, api: ApiKey) -> FaultRule {
        FaultRule { node: Some(node), api: Some(api), direction: Direction::Request, fault: Fault::Drop, count: 1 }
    }

    pub fn delay_next_response(node: NodeId, api: ApiKey, ms: i64) -> FaultRule {
        FaultRule {
            node: Some(node),
            api: Some(api),
            direction: Direction::Response,
            fault: Fault::Delay(ms),
            count: 1,
        }
    }

    pub fn duplicate_next_request(node: NodeId, api: ApiKey) -> FaultRule {
        FaultRule { node: Some(node), api: Some(api), direction: Direction::Request, fault: Fault::Duplicate, count: 1 }
    }

    pub(super) fn matches(&self, node: NodeId, api: Option<ApiKey>, dir: Direction) -> bool {
        self.direction == dir
            && self.node.is_none_or(|n| n == node)
            && (self.api.is_none() || self.api == api)
            && self.count > 0
    }

    pub(super) fn describe(&self) -> String {
        let api = self.api.map(|a| format!("{a:?}")).unwrap_or_else(|| "any".into());
        format!("{:?} next {} {:?} {}", self.fault, self.count, self.direction, api)
    }
}

/// Probabilities (0.0 to 1.0) of faults on every message, drawn from the seed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RandomFaults {
    pub drop_request: f64,
    pub drop_response: f64,
    pub duplicate_request: f64,
    pub delay_probability: f64,
    pub delay_max_ms: i64,
}
