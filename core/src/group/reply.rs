//! What goes in and out of the coordinator: a JoinGroup's inputs and who commits, and the answers
//! (`JoinResult`, `SyncResult`) that parked requests receive as `Completion`s addressed to a `Waiter`.

use bytes::Bytes;

use crate::error::ErrorCode;
use crate::protocol::ConnId;

use super::GroupState;

/// Where a parked request's answer goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiter {
    pub conn: ConnId,
    pub correlation_id: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JoinedMember {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub metadata: Bytes,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JoinResult {
    pub error: ErrorCode,
    pub generation: i32,
    pub protocol_type: Option<String>,
    pub protocol_name: Option<String>,
    pub leader: String,
    pub member_id: String,
    /// Every member with its metadata for the chosen protocol, for the leader only.
    pub members: Vec<JoinedMember>,
}

impl JoinResult {
    pub fn error(error: ErrorCode, member_id: &str) -> JoinResult {
        JoinResult {
            error,
            generation: -1,
            protocol_type: None,
            protocol_name: None,
            leader: String::new(),
            member_id: member_id.to_string(),
            members: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SyncResult {
    pub error: ErrorCode,
    pub protocol_type: Option<String>,
    pub protocol_name: Option<String>,
    pub assignment: Bytes,
}

impl SyncResult {
    pub fn error(error: ErrorCode) -> SyncResult {
        SyncResult { error, protocol_type: None, protocol_name: None, assignment: Bytes::new() }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Join(JoinResult),
    Sync(SyncResult),
}

/// The answer to a parked JoinGroup or SyncGroup.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub waiter: Waiter,
    pub reply: Reply,
}

impl Completion {
    pub fn join(waiter: Waiter, r: JoinResult) -> Completion {
        Completion { waiter, reply: Reply::Join(r) }
    }
    pub fn sync(waiter: Waiter, r: SyncResult) -> Completion {
        Completion { waiter, reply: Reply::Sync(r) }
    }
}

/// A JoinGroup's inputs.
#[derive(Debug, Clone)]
pub struct JoinParams {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub session_timeout_ms: i32,
    pub rebalance_timeout_ms: i32,
    pub protocol_type: String,
    pub protocols: Vec<(String, Bytes)>,
    /// v4+: a new dynamic member first gets its id with MEMBER_ID_REQUIRED.
    pub require_known_member: bool,
    pub waiter: Waiter,
}

/// Who is committing: `generation` -1 with an empty member id is a "simple" commit (no group
/// management), allowed only while the group has no members.
#[derive(Debug, Clone, Default)]
pub struct Committer {
    pub generation: i32,
    pub member_id: String,
    pub instance_id: Option<String>,
}

/// One group as DescribeGroups shows it.
#[derive(Debug, Clone)]
pub struct GroupDescription {
    pub state: GroupState,
    pub protocol_type: String,
    pub protocol_name: String,
    /// `(member id, instance id, client id, client host, metadata, assignment)`.
    pub members: Vec<(String, Option<String>, String, String, Bytes, Bytes)>,
}
