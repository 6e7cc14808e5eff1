// JoinGroup: v0-v7
// Behaviour:
// - Refused with INVALID_GROUP_ID for an empty group id, NOT_COORDINATOR on a node other than
//   `coordinator_node(group_id)`, INVALID_SESSION_TIMEOUT outside group.min/max.session.timeout.ms,
//   INCONSISTENT_GROUP_PROTOCOL when the protocol type or protocols do not fit the group,
//   GROUP_MAX_SIZE_REACHED beyond group.max.size, UNKNOWN_MEMBER_ID for a member id the group
//   does not know, FENCED_INSTANCE_ID for a member id that is not the static member's current one.
// - Otherwise the request waits (parked on its connection) until the join phase ends: every
//   member has rejoined (after group.initial.rebalance.delay.ms for a new group) or the rebalance
//   timeout passes (members that did not rejoin are removed). The leader's answer lists the
//   members with their metadata for the protocol chosen by vote (`crate::group`).
// - A known member rejoining a CompletingRebalance or Stable group with the same protocols (and,
//   when Stable, not the leader) is answered at once with the current generation.
// Version notes:
// - v0: no rebalance_timeout_ms (the session timeout serves). v2+: throttle_time_ms.
// - v4+: a new member with an empty member id gets MEMBER_ID_REQUIRED and its id, and joins again.
// - v5+: group_instance_id (static members: a restart with an empty member id takes over).
// - v6+: flexible. v7+: protocol_type and protocol_name (nullable) in the response.

use kafka_protocol::messages::join_group_response::JoinGroupResponseMember;
use kafka_protocol::messages::{JoinGroupRequest, JoinGroupResponse, ResponseKind};

use crate::error::ErrorCode;
use crate::group::{JoinParams, JoinResult, Waiter};
use crate::protocol::{ConnId, Millis};

use super::super::Broker;
use super::{str_bytes, Outcome};

/// Who sent a request, for the requests that may wait (JoinGroup, SyncGroup).
pub(in crate::broker) struct Caller {
    pub conn: ConnId,
    pub correlation_id: i32,
    pub node: i32,
    pub client_id: String,
}

impl Broker {
    pub(super) fn handle_join_group(
        &mut self,
        version: i16,
        req: JoinGroupRequest,
        caller: Caller,
        now: Millis,
    ) -> Outcome {
        let group_id = req.group_id.0.to_string();
        let e = self.group_error(caller.node, &group_id, true);
        if e != ErrorCode::NONE {
            return respond(version, &JoinResult::error(e, &req.member_id));
        }
        let p = JoinParams {
            member_id: req.member_id.to_string(),
            instance_id: req.group_instance_id.filter(|_| version >= 5).map(|s| s.to_string()),
            client_id: caller.client_id,
            client_host: self.client_host(caller.conn),
            session_timeout_ms: req.session_timeout_ms,
            rebalance_timeout_ms: if version >= 1 { req.rebalance_timeout_ms } else { req.session_timeout_ms },
            protocol_type: req.protocol_type.to_string(),
            protocols: req.protocols.into_iter().map(|p| (p.name.to_string(), p.metadata)).collect(),
            require_known_member: version >= 4,
            waiter: Waiter { conn: caller.conn, correlation_id: caller.correlation_id },
        };
        match self.groups.join(&group_id, p, now) {
            Some(r) => respond(version, &r),
            None => Outcome::Wait,
        }
    }
}

fn respond(version: i16, r: &JoinResult) -> Outcome {
    Outcome::Respond(ResponseKind::JoinGroup(join_group_response(version, r)))
}

/// The JoinGroup response for a result, at `version`.
pub(in crate::broker) fn join_group_response(version: i16, r: &JoinResult) -> JoinGroupResponse {
    let members = r
        .members
        .iter()
        .map(|m| {
            JoinGroupResponseMember::default()
                .with_member_id(str_bytes(m.member_id.clone()))
                .with_group_instance_id(m.instance_id.clone().filter(|_| version >= 5).map(str_bytes))
                .with_metadata(m.metadata.clone())
        })
        .collect();
    let (protocol_type, protocol_name) = if version >= 7 {
        (r.protocol_type.clone().map(str_bytes), r.protocol_name.clone().map(str_bytes))
    } else {
        (None, Some(str_bytes(r.protocol_name.clone().unwrap_or_default())))
    };
    JoinGroupResponse::default()
        .with_error_code(r.error.0)
        .with_generation_id(r.generation)
        .with_protocol_type(protocol_type)
        .with_protocol_name(protocol_name)
        .with_leader(str_bytes(r.leader.clone()))
        .with_member_id(str_bytes(r.member_id.clone()))
        .with_members(members)
}

pub(super) fn error_response(code: ErrorCode) -> JoinGroupResponse {
    join_group_response(0, &JoinResult::error(code, ""))
}
