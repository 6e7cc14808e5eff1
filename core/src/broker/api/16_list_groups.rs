// ListGroups: v0-v5
// Behaviour:
// - The groups this node coordinates (a client asks every broker), with their protocol type
//   ("consumer"; empty for groups that only commit offsets), in id order.
// Version notes:
// - v1+: throttle_time_ms. v3+: flexible.
// - v4+: states_filter (case-insensitive; empty means all) and each group's state.
// - v5+: types_filter (case-insensitive; every group here is "classic", KIP-848's name for the
//   JoinGroup protocol) and each group's type.

use kafka_protocol::messages::list_groups_response::ListedGroup;
use kafka_protocol::messages::{GroupId, ListGroupsRequest, ListGroupsResponse, ResponseKind};

use crate::error::ErrorCode;

use super::super::Broker;
use super::{str_bytes, Outcome};

/// The type of every group this coordinator keeps (ListGroups v5).
const CLASSIC: &str = "classic";

impl Broker {
    pub(super) fn handle_list_groups(&mut self, version: i16, req: ListGroupsRequest, node: i32) -> Outcome {
        let states: Vec<String> =
            if version >= 4 { req.states_filter.iter().map(|s| s.to_lowercase()).collect() } else { Vec::new() };
        let types: Vec<String> =
            if version >= 5 { req.types_filter.iter().map(|s| s.to_lowercase()).collect() } else { Vec::new() };
        if !types.is_empty() && !types.iter().any(|t| t == CLASSIC) {
            return Outcome::Respond(ResponseKind::ListGroups(ListGroupsResponse::default()));
        }
        let groups = self
            .groups
            .groups()
            .filter(|g| self.coordinator_node(&g.id) == node)
            .filter(|g| states.is_empty() || states.contains(&g.state.name().to_lowercase()))
            .map(|g| {
                let listed = ListedGroup::default()
                    .with_group_id(GroupId(str_bytes(g.id.clone())))
                    .with_protocol_type(str_bytes(g.protocol_type.clone().unwrap_or_default()));
                let listed = if version >= 4 { listed.with_group_state(str_bytes(g.state.name())) } else { listed };
                if version >= 5 {
                    listed.with_group_type(str_bytes(CLASSIC))
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
