// LeaveGroup: v0-v5
// Behaviour:
// - INVALID_GROUP_ID for an empty group id, NOT_COORDINATOR on the wrong node (top level).
// - Each member leaves by member id, or (static members) by group_instance_id, where a member id
//   that is not the instance's current one is FENCED_INSTANCE_ID; an unknown member is
//   UNKNOWN_MEMBER_ID. A departure starts a rebalance (or ends a join phase that waited for it);
//   the last member leaving makes the group Empty.
// Version notes:
// - v0-v2: one member_id, its error at the top level. v1+: throttle_time_ms.
// - v3+: a batch of members, an error each (the top level NONE unless the request failed).
// - v4+: flexible. v5+: a reason per member (ignored).

use kafka_protocol::messages::leave_group_response::MemberResponse;
use kafka_protocol::messages::{LeaveGroupRequest, LeaveGroupResponse, ResponseKind};

use crate::error::ErrorCode;
use crate::protocol::Millis;

use super::super::Broker;
use super::Outcome;

impl Broker {
    pub(super) fn handle_leave_group(
        &mut self,
        version: i16,
        req: LeaveGroupRequest,
        node: i32,
        now: Millis,
    ) -> Outcome {
        let group_id = req.group_id.0.to_string();
        let e = self.group_error(node, &group_id, true);
        if e != ErrorCode::NONE {
            return Outcome::Respond(ResponseKind::LeaveGroup(error_response(e)));
        }
        if version < 3 {
            let errors = self.groups.leave(&group_id, &[(req.member_id.to_string(), None)], now);
            let e = errors.first().copied().unwrap_or(ErrorCode::NONE);
            return Outcome::Respond(ResponseKind::LeaveGroup(error_response(e)));
        }
        let who: Vec<(String, Option<String>)> = req
            .members
            .iter()
            .map(|m| (m.member_id.to_string(), m.group_instance_id.as_ref().map(|s| s.to_string())))
            .collect();
        let errors = self.groups.leave(&group_id, &who, now);
        let members = req
            .members
            .into_iter()
            .zip(errors)
            .map(|(m, e)| {
                MemberResponse::default()
                    .with_member_id(m.member_id)
                    .with_group_instance_id(m.group_instance_id)
                    .with_error_code(e.0)
            })
            .collect();
        Outcome::Respond(ResponseKind::LeaveGroup(LeaveGroupResponse::default().with_members(members)))
    }
}

pub(super) fn error_response(code: ErrorCode) -> LeaveGroupResponse {
    LeaveGroupResponse::default().with_error_code(code.0)
}
