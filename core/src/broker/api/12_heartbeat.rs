// Heartbeat: v0-v4
// Behaviour:
// - INVALID_GROUP_ID for an empty group id, NOT_COORDINATOR on the wrong node.
// - FENCED_INSTANCE_ID for a static member's stale member id, UNKNOWN_MEMBER_ID for a member the
//   group does not have, ILLEGAL_GENERATION for another generation, REBALANCE_IN_PROGRESS while
//   the group prepares a rebalance (the member must rejoin); otherwise NONE. Every accepted
//   heartbeat restarts the member's session timeout.
// Version notes:
// - v1+: throttle_time_ms. v3+: group_instance_id. v4+: flexible.

use kafka_protocol::messages::{HeartbeatRequest, HeartbeatResponse, ResponseKind};

use crate::error::ErrorCode;
use crate::group::Committer;
use crate::protocol::Millis;

use super::super::Broker;
use super::Outcome;

impl Broker {
    pub(super) fn handle_heartbeat(&mut self, version: i16, req: HeartbeatRequest, node: i32, now: Millis) -> Outcome {
        let group_id = req.group_id.0.to_string();
        let mut e = self.group_error(node, &group_id, true);
        if e == ErrorCode::NONE {
            let member = Committer {
                generation: req.generation_id,
                member_id: req.member_id.to_string(),
                instance_id: req.group_instance_id.filter(|_| version >= 3).map(|s| s.to_string()),
            };
            e = self.groups.heartbeat(&group_id, &member, now);
        }
        Outcome::Respond(ResponseKind::Heartbeat(error_response(e)))
    }
}

pub(super) fn error_response(code: ErrorCode) -> HeartbeatResponse {
    HeartbeatResponse::default().with_error_code(code.0)
}
