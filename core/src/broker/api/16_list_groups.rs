// ListGroups: v0-v4
// Behaviour:
// - The groups this node coordinates (a client asks every broker), with their protocol type
//   ("consumer"; empty for groups that only commit offsets), in id order.
// Version notes:
// - v1+: throttle_time_ms. v3+: flexible.
// - v4+: states_filter (case-insensitive; empty means all) and each group's state.

use kafka_protocol::messages::list_groups_response::ListedGroup;
use kafka_protocol::messages::{GroupId, ListGroupsRequest, ListGroupsResponse, ResponseKind};

use crate::error::ErrorCode;

use super::super::Broker;
use super::{str_bytes, Outcome};

impl Broker {
    pub(super) fn handle_list_groups(&mut self, version: i16, req: ListGroupsRequest, node: i32) -> Outcome {
        let states: Vec<String> =
            if version >= 4 { req.states_filter.iter().map(|s| s.to_lowercase()).collect() } else { Vec::new() };
        let groups = self
            .groups
            .groups()
            .filter(|g| self.coordinator_node(&g.id) == node)
            .filter(|g| states.is_empty() || states.contains(&g.state.name().to_lowercase()))
            .map(|g| {
                let listed = ListedGroup::default()
                    .with_group_id(GroupId(str_bytes(g.id.clone())))
                    .with_protocol_type(str_bytes(g.protocol_type.clone().unwrap_or_default()));
                if version >= 4 {
                    listed.with_group_state(str_bytes(g.state.name()))
                } else {
                    listed
                }
            })
            .collect();
        Outcome::Respond(ResponseKind::ListGroups(ListGroupsResponse::default().with_groups(groups)))
    }
}

pub(super) fn error_response(code: ErrorCode) -> ListGroupsResponse {
    ListGroupsResponse::default().with_error_code(code.0)
}
