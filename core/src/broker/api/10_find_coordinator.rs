// FindCoordinator: v0-v4
// Behaviour:
// - The coordinator of a group id (key_type 0) or a transactional id (key_type 1) is the node
//   `Broker::coordinator_node` names (Kafka's `abs(hashCode) % 50` partition rule, partitions spread
//   over the nodes), with its advertised host and port. Any node answers for any key.
// - Another key_type (share groups, 2, are not spoken) is INVALID_REQUEST; an empty transactional id
//   is INVALID_REQUEST, as Kafka's transaction coordinator refuses it. An empty group id is answered
//   (Kafka does too; the group APIs then refuse it with INVALID_GROUP_ID).
// Version notes:
// - v0: key only (a group). v1+: key_type, throttle_time_ms, error_message. Flexible from v3.
// - v4+: batched, `coordinator_keys` in and one `coordinators` entry per key out.

use kafka_protocol::messages::find_coordinator_response::Coordinator;
use kafka_protocol::messages::{BrokerId, FindCoordinatorRequest, FindCoordinatorResponse, ResponseKind};
use kafka_protocol::protocol::StrBytes;

use crate::error::ErrorCode;

use super::super::Broker;
use super::{str_bytes, Outcome};

const KEY_GROUP: i8 = 0;
const KEY_TRANSACTION: i8 = 1;

impl Broker {
    pub(super) fn handle_find_coordinator(&mut self, version: i16, req: FindCoordinatorRequest) -> Outcome {
        let key_type = if version >= 1 { req.key_type } else { KEY_GROUP };
        if version >= 4 {
            let coordinators = req.coordinator_keys.iter().map(|k| self.coordinator_entry(key_type, k)).collect();
            return Outcome::Respond(ResponseKind::FindCoordinator(
                FindCoordinatorResponse::default().with_coordinators(coordinators),
            ));
        }
        let c = self.coordinator_entry(key_type, &req.key);
        let resp = FindCoordinatorResponse::default()
            .with_error_code(c.error_code)
            .with_error_message(if version >= 1 { c.error_message } else { None })
            .with_node_id(c.node_id)
            .with_host(c.host)
            .with_port(c.port);
        Outcome::Respond(ResponseKind::FindCoordinator(resp))
    }

    /// The group-level check every group API makes: INVALID_GROUP_ID for an empty id where Kafka
    /// refuses one (`managed`: the APIs of groups that use the coordinator for membership), then
    /// NOT_COORDINATOR unless `node` coordinates the group.
    pub(super) fn group_error(&self, node: i32, group_id: &str, managed: bool) -> ErrorCode {
        if managed && group_id.is_empty() {
            ErrorCode::INVALID_GROUP_ID
        } else if self.coordinator_node(group_id) != node {
            ErrorCode::NOT_COORDINATOR
        } else {
            ErrorCode::NONE
        }
    }

    fn coordinator_entry(&self, key_type: i8, key: &StrBytes) -> Coordinator {
        let entry = Coordinator::default().with_key(key.clone());
        let refuse = |why: &str| {
            entry
                .clone()
                .with_error_code(ErrorCode::INVALID_REQUEST.0)
                .with_error_message(Some(str_bytes(why)))
                .with_node_id(BrokerId(-1))
                .with_host(str_bytes(""))
                .with_port(-1)
        };
        match key_type {
            KEY_GROUP => {}
            KEY_TRANSACTION if key.is_empty() => return refuse("the transactional id is empty"),
            KEY_TRANSACTION => {}
            other => return refuse(&format!("unknown coordinator key type {other}")),
        }
        let node = self.coordinator_node(key.as_str());
        let (host, port) =
            self.nodes().into_iter().find(|n| n.0 == node).map(|n| (n.1, n.2)).unwrap_or_else(|| (String::new(), -1));
        entry.with_node_id(BrokerId(node)).with_host(str_bytes(host)).with_port(port)
    }
}

pub(super) fn error_response(req: &FindCoordinatorRequest, code: ErrorCode) -> FindCoordinatorResponse {
    let coordinators = req
        .coordinator_keys
        .iter()
        .map(|k| Coordinator::default().with_key(k.clone()).with_error_code(code.0).with_node_id(BrokerId(-1)))
        .collect();
    FindCoordinatorResponse::default()
        .with_error_code(code.0)
        .with_node_id(BrokerId(-1))
        .with_coordinators(coordinators)
}
