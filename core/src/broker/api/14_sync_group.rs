// SyncGroup: v0-v5
// Behaviour:
// - INVALID_GROUP_ID for an empty group id, NOT_COORDINATOR on the wrong node; UNKNOWN_MEMBER_ID,
//   FENCED_INSTANCE_ID, ILLEGAL_GENERATION for a member or generation the group does not have;
//   REBALANCE_IN_PROGRESS while the group is preparing a rebalance.
// - In CompletingRebalance the request waits until the leader's SyncGroup brings the assignments;
//   then every waiting member gets its own (members the leader left out get an empty one) and the
//   group is Stable. In Stable a member gets its current assignment at once.
// Version notes:
// - v1+: throttle_time_ms. v3+: group_instance_id. v4+: flexible.
// - v5+: protocol_type and protocol_name, mandatory (null is INCONSISTENT_GROUP_PROTOCOL, as in
//   Kafka), checked against the group's (INCONSISTENT_GROUP_PROTOCOL) and returned.

use kafka_protocol::messages::{ResponseKind, SyncGroupRequest, SyncGroupResponse};

use crate::error::ErrorCode;
use crate::group::{Committer, SyncResult, Waiter};
use crate::protocol::Millis;

use super::super::Broker;
use super::join_group::Caller;
use super::{str_bytes, Outcome};

impl Broker {
    pub(super) fn handle_sync_group(
        &mut self,
        version: i16,
        req: SyncGroupRequest,
        caller: Caller,
        now: Millis,
    ) -> Outcome {
        let group_id = req.group_id.0.to_string();
        let e = self.group_error(caller.node, &group_id, true);
        if e != ErrorCode::NONE {
            return respond(version, &SyncResult::error(e));
        }
        let member = Committer {
            generation: req.generation_id,
            member_id: req.member_id.to_string(),
            instance_id: req.group_instance_id.filter(|_| version >= 3).map(|s| s.to_string()),
        };
        if version >= 5 && (req.protocol_type.is_none() || req.protocol_name.is_none()) {
            // Kafka: from v5 the protocol type and name are mandatory.
            return respond(version, &SyncResult::error(ErrorCode::INCONSISTENT_GROUP_PROTOCOL));
        }
        let (pt, pn) = if version >= 5 {
            (req.protocol_type.as_ref().map(|s| s.as_str()), req.protocol_name.as_ref().map(|s| s.as_str()))
        } else {
            (None, None)
        };
        let assignments = req.assignments.iter().map(|a| (a.member_id.to_string(), a.assignment.clone())).collect();
        let waiter = Waiter { conn: caller.conn, correlation_id: caller.correlation_id };
        match self.groups.sync(&group_id, &member, (pt, pn), assignments, waiter, now) {
            Some(r) => respond(version, &r),
            None => Outcome::Wait,
        }
    }
}

fn respond(version: i16, r: &SyncResult) -> Outcome {
    Outcome::Respond(ResponseKind::SyncGroup(sync_group_response(version, r)))
}

/// The SyncGroup response for a result, at `version`.
pub(in crate::broker) fn sync_group_response(version: i16, r: &SyncResult) -> SyncGroupResponse {
    let mut resp = SyncGroupResponse::default().with_error_code(r.error.0).with_assignment(r.assignment.clone());
    if version >= 5 {
        resp.protocol_type = r.protocol_type.clone().map(str_bytes);
        resp.protocol_name = r.protocol_name.clone().map(str_bytes);
    }
    resp
}

pub(super) fn error_response(code: ErrorCode) -> SyncGroupResponse {
    sync_group_response(0, &SyncResult::error(code))
}
