// DescribeGroups: v0-v5
// Behaviour:
// - Each group: NOT_COORDINATOR on the wrong node; otherwise its state (Empty, PreparingRebalance,
//   CompletingRebalance, Stable; Dead for a group that does not exist, with NONE as Kafka does),
//   protocol type, and members with client id and host. The chosen protocol and each member's
//   metadata and assignment are shown once the group is Stable.
// Version notes:
// - v1+: throttle_time_ms. v3+: authorized_operations (no ACLs here: every group operation, as
//   Kafka 4.1 without an authorizer, when asked for; else i32::MIN). v4+: group_instance_id. v5+: flexible.

use kafka_protocol::messages::describe_groups_response::{DescribedGroup, DescribedGroupMember};
use kafka_protocol::messages::{DescribeGroupsRequest, DescribeGroupsResponse, ResponseKind};

use crate::error::ErrorCode;

use super::super::Broker;
use super::{str_bytes, Outcome};

/// READ (3), DELETE (6), DESCRIBE (8), DESCRIBE_CONFIGS (10) and ALTER_CONFIGS (11): the group
/// operations Kafka 4.1 reports without ACLs.
const GROUP_OPERATIONS: i32 = (1 << 3) | (1 << 6) | (1 << 8) | (1 << 10) | (1 << 11);

impl Broker {
    pub(super) fn handle_describe_groups(&mut self, version: i16, req: DescribeGroupsRequest, node: i32) -> Outcome {
        let ops = if version >= 3 && req.include_authorized_operations { GROUP_OPERATIONS } else { i32::MIN };
        let groups = req
            .groups
            .iter()
            .map(|id| {
                let e = self.group_error(node, &id.0, false);
                let g = DescribedGroup::default().with_group_id(id.clone()).with_authorized_operations(ops);
                if e != ErrorCode::NONE {
                    return g.with_error_code(e.0).with_group_state(str_bytes("Dead"));
                }
                let d = self.groups.describe(&id.0);
                let members = d
                    .members
                    .into_iter()
                    .map(|(member, instance, client, host, meta, assign)| {
                        DescribedGroupMember::default()
                            .with_member_id(str_bytes(member))
                            .with_group_instance_id(instance.filter(|_| version >= 4).map(str_bytes))
                            .with_client_id(str_bytes(client))
                            .with_client_host(str_bytes(host))
                            .with_member_metadata(meta)
                            .with_member_assignment(assign)
                    })
                    .collect();
                g.with_group_state(str_bytes(d.state.name()))
                    .with_protocol_type(str_bytes(d.protocol_type))
                    .with_protocol_data(str_bytes(d.protocol_name))
                    .with_members(members)
            })
            .collect();
        Outcome::Respond(ResponseKind::DescribeGroups(DescribeGroupsResponse::default().with_groups(groups)))
    }
}

pub(super) fn error_response(req: &DescribeGroupsRequest, code: ErrorCode) -> DescribeGroupsResponse {
    let groups = req
        .groups
        .iter()
        .map(|id| DescribedGroup::default().with_group_id(id.clone()).with_error_code(code.0))
        .collect();
    DescribeGroupsResponse::default().with_groups(groups)
}
