//! Request dispatch and the table of supported API versions.
//!
//! One file per API key, named with its number. Each handler takes the decoded
//! request and returns an `Outcome`; dispatch checks the version against `VERSIONS`
//! first and answers UNSUPPORTED_VERSION in the response's error fields when it is
//! out of range (ApiVersions answers at v0 with the table, as Kafka does). A version
//! no response can be encoded at (outside what `kafka-protocol` knows) closes the connection.

#[path = "25_add_offsets_to_txn.rs"]
mod add_offsets_to_txn;
#[path = "24_add_partitions_to_txn.rs"]
mod add_partitions_to_txn;
#[path = "18_api_versions.rs"]
mod api_versions;
#[path = "37_create_partitions.rs"]
mod create_partitions;
#[path = "19_create_topics.rs"]
mod create_topics;
#[path = "42_delete_groups.rs"]
mod delete_groups;
#[path = "21_delete_records.rs"]
mod delete_records;
#[path = "20_delete_topics.rs"]
mod delete_topics;
#[path = "60_describe_cluster.rs"]
mod describe_cluster;
#[path = "32_describe_configs.rs"]
mod describe_configs;
#[path = "15_describe_groups.rs"]
mod describe_groups;
#[path = "26_end_txn.rs"]
mod end_txn;
#[path = "01_fetch.rs"]
mod fetch;
#[path = "10_find_coordinator.rs"]
mod find_coordinator;
#[path = "12_heartbeat.rs"]
mod heartbeat;
#[path = "22_init_producer_id.rs"]
mod init_producer_id;
#[path = "11_join_group.rs"]
mod join_group;
#[path = "13_leave_group.rs"]
mod leave_group;
#[path = "16_list_groups.rs"]
mod list_groups;
#[path = "02_list_offsets.rs"]
mod list_offsets;
#[path = "03_metadata.rs"]
mod metadata;
#[path = "08_offset_commit.rs"]
mod offset_commit;
#[path = "47_offset_delete.rs"]
mod offset_delete;
#[path = "09_offset_fetch.rs"]
mod offset_fetch;
#[path = "00_produce.rs"]
mod produce;
#[path = "14_sync_group.rs"]
mod sync_group;
#[path = "28_txn_offset_commit.rs"]
mod txn_offset_commit;

pub(super) use join_group::join_group_response;
pub(super) use sync_group::sync_group_response;

use kafka_protocol::messages::{FetchRequest, RequestKind, ResponseKind};

use crate::error::ErrorCode;
use crate::protocol::{ApiKey, ConnId, Millis, Request, Response};

use super::parked::{Parked, Wait};
use super::Broker;

/// Every API this broker answers, with the versions it supports: `(key, min, max)`.
pub const VERSIONS: &[(ApiKey, i16, i16)] = &[
    (ApiKey::Produce, 3, 9),
    (ApiKey::Fetch, 4, 12),
    (ApiKey::ListOffsets, 1, 7),
    (ApiKey::Metadata, 1, 12),
    (ApiKey::ApiVersions, 0, 3),
    (ApiKey::CreateTopics, 2, 7),
    (ApiKey::DeleteTopics, 1, 6),
    (ApiKey::DeleteRecords, 0, 2),
    (ApiKey::InitProducerId, 0, 4),
    (ApiKey::DescribeConfigs, 1, 4),
    (ApiKey::CreatePartitions, 0, 3),
    (ApiKey::DescribeCluster, 0, 2),
    (ApiKey::FindCoordinator, 0, 4),
    (ApiKey::OffsetCommit, 2, 8),
    (ApiKey::OffsetFetch, 1, 8),
    (ApiKey::JoinGroup, 0, 7),
    (ApiKey::Heartbeat, 0, 4),
    (ApiKey::LeaveGroup, 0, 5),
    (ApiKey::SyncGroup, 0, 5),
    (ApiKey::DescribeGroups, 0, 5),
    (ApiKey::ListGroups, 0, 5),
    (ApiKey::DeleteGroups, 0, 2),
    (ApiKey::TxnOffsetCommit, 0, 3),
    (ApiKey::OffsetDelete, 0, 0),
    (ApiKey::AddPartitionsToTxn, 0, 3),
    (ApiKey::AddOffsetsToTxn, 0, 3),
    (ApiKey::EndTxn, 0, 3),
];

/// The `(min, max)` versions supported for `key`, if the broker answers it at all.
pub fn version_range(key: ApiKey) -> Option<(i16, i16)> {
    VERSIONS.iter().find(|(k, _, _)| *k == key).map(|&(_, lo, hi)| (lo, hi))
}

/// What a handler decided.
pub(super) enum Outcome {
    /// Answer now, at the request's version.
    Respond(ResponseKind),
    /// Answer now at another version (ApiVersions' UNSUPPORTED_VERSION answer is v0).
    RespondAt(i16, ResponseKind),
    /// No answer (Produce with acks=0).
    Silent,
    /// No answer, and close the connection (a failed acks=0 Produce).
    Close,
    /// Wait for data until the deadline (Fetch).
    Park(FetchRequest, Millis),
    /// Wait for the group coordinator's answer (JoinGroup, SyncGroup).
    Wait,
}

/// A response field's string, from anything displayable.
pub(super) fn str_bytes(s: impl Into<String>) -> crate::protocol::StrBytes {
    crate::protocol::StrBytes::from_string(s.into())
}

/// A topic id as the protocol's Uuid type (the `uuid` crate is not a direct dependency).
pub(super) fn to_uuid<U: TryFrom<Vec<u8>> + Default>(id: [u8; 16]) -> U {
    U::try_from(id.to_vec()).unwrap_or_default()
}

/// The 16 bytes of a protocol Uuid.
pub(super) fn from_uuid<U: Into<Vec<u8>>>(uuid: U) -> [u8; 16] {
    uuid.into().try_into().unwrap_or_default()
}

impl Broker {
    /// Runs one request (the connection has nothing parked) and queues its response.
    pub(super) fn dispatch(&mut self, conn: ConnId, request: Request, now: Millis) {
        let Request { api_version: version, correlation_id, body, client_id } = request;
        let Some(api_key) = crate::protocol::api_key(&body) else {
            self.closes.push_back(conn);
            return;
        };
        let Some((lo, hi)) = version_range(api_key) else {
            // Kafka closes the connection on a request it does not implement.
            self.closes.push_back(conn);
            return;
        };
        let node = self.node_of(conn);
        self.absorb_group_notes();
        self.notes.set_cause(Some(conn));
        let encodable = api_key.valid_versions();
        let outcome = if !(lo..=hi).contains(&version)
            && api_key != ApiKey::ApiVersions
            && !(encodable.min..=encodable.max).contains(&version)
        {
            // No response can be encoded at this version: Kafka closes the connection too.
            Outcome::Close
        } else if !(lo..=hi).contains(&version) {
            unsupported_version(&body)
        } else {
            match body {
                RequestKind::Produce(r) => self.handle_produce(version, r, node, now),
                RequestKind::Fetch(r) => self.handle_fetch(version, r, node, now),
                RequestKind::ListOffsets(r) => self.handle_list_offsets(version, r, node),
                RequestKind::Metadata(r) => self.handle_metadata(version, r),
                RequestKind::ApiVersions(r) => api_versions::handle(version, &r),
                RequestKind::CreateTopics(r) => self.handle_create_topics(version, r),
                RequestKind::DeleteTopics(r) => self.handle_delete_topics(version, r),
                RequestKind::DeleteRecords(r) => self.handle_delete_records(r, node, now),
                RequestKind::InitProducerId(r) => self.handle_init_producer_id(version, r, node, now),
                RequestKind::DescribeConfigs(r) => self.handle_describe_configs(version, r, node),
                RequestKind::CreatePartitions(r) => self.handle_create_partitions(r),
                RequestKind::DescribeCluster(r) => self.handle_describe_cluster(version, r),
                RequestKind::FindCoordinator(r) => self.handle_find_coordinator(version, r),
                RequestKind::OffsetCommit(r) => self.handle_offset_commit(version, r, node, now),
                RequestKind::OffsetFetch(r) => self.handle_offset_fetch(version, r, node),
                RequestKind::JoinGroup(r) => {
                    let caller =
                        join_group::Caller { conn, correlation_id, node, client_id: client_id.unwrap_or_default() };
                    self.handle_join_group(version, r, caller, now)
                }
                RequestKind::SyncGroup(r) => {
                    let caller =
                        join_group::Caller { conn, correlation_id, node, client_id: client_id.unwrap_or_default() };
                    self.handle_sync_group(version, r, caller, now)
                }
                RequestKind::Heartbeat(r) => self.handle_heartbeat(version, r, node, now),
                RequestKind::LeaveGroup(r) => self.handle_leave_group(version, r, node, now),
                RequestKind::DescribeGroups(r) => self.handle_describe_groups(version, r, node),
                RequestKind::ListGroups(r) => self.handle_list_groups(version, r, node),
                RequestKind::DeleteGroups(r) => self.handle_delete_groups(r, node, now),
                RequestKind::TxnOffsetCommit(r) => self.handle_txn_offset_commit(version, r, node, now),
                RequestKind::OffsetDelete(r) => self.handle_offset_delete(r, node, now),
                RequestKind::AddPartitionsToTxn(r) => self.handle_add_partitions_to_txn(version, r, node, now),
                RequestKind::AddOffsetsToTxn(r) => self.handle_add_offsets_to_txn(version, r, node, now),
                RequestKind::EndTxn(r) => self.handle_end_txn(version, r, node, now),
                _ => Outcome::Close,
            }
        };
        self.absorb_group_notes();
        self.notes.set_cause(None);
        let respond = |body, api_version| Response { conn, correlation_id, api_key, api_version, body };
        match outcome {
            Outcome::Respond(body) => self.push_response(respond(body, version)),
            Outcome::RespondAt(v, body) => self.push_response(respond(body, v)),
            Outcome::Silent => {}
            Outcome::Close => self.closes.push_back(conn),
            Outcome::Park(request, deadline) => {
                let parked =
                    Parked::new(node, correlation_id, version, Wait::Fetch { request: Box::new(request), deadline });
                self.parked.insert(conn, parked);
            }
            Outcome::Wait => {
                self.parked.insert(conn, Parked::new(node, correlation_id, version, Wait::Group));
            }
        }
    }

    /// Answers a parked fetch with what is there now.
    pub(super) fn complete_parked(
        &mut self,
        conn: ConnId,
        node: i32,
        correlation_id: i32,
        version: i16,
        req: &FetchRequest,
        now: Millis,
    ) {
        self.notes.set_cause(Some(conn));
        self.note_out_of_range(req, now);
        self.notes.set_cause(None);
        let body = ResponseKind::Fetch(self.fetch_response(node, version, req));
        self.push_response(Response { conn, correlation_id, api_key: ApiKey::Fetch, api_version: version, body });
    }
}

/// The answer to a request whose version is outside `VERSIONS`.
fn unsupported_version(body: &RequestKind) -> Outcome {
    let code = ErrorCode::UNSUPPORTED_VERSION;
    match body {
        RequestKind::ApiVersions(_) => api_versions::unsupported(),
        RequestKind::Produce(r) => Outcome::Respond(ResponseKind::Produce(produce::error_response(r, code, None))),
        RequestKind::Fetch(r) => Outcome::Respond(ResponseKind::Fetch(fetch::error_response(r, code))),
        RequestKind::ListOffsets(r) => {
            Outcome::Respond(ResponseKind::ListOffsets(list_offsets::error_response(r, code)))
        }
        RequestKind::Metadata(r) => Outcome::Respond(ResponseKind::Metadata(metadata::error_response(r, code))),
        RequestKind::CreateTopics(r) => {
            Outcome::Respond(ResponseKind::CreateTopics(create_topics::error_response(r, code)))
        }
        RequestKind::DeleteTopics(r) => {
            Outcome::Respond(ResponseKind::DeleteTopics(delete_topics::error_response(r, code)))
        }
        RequestKind::DeleteRecords(r) => {
            Outcome::Respond(ResponseKind::DeleteRecords(delete_records::error_response(r, code)))
        }
        RequestKind::InitProducerId(_) => {
            Outcome::Respond(ResponseKind::InitProducerId(init_producer_id::error_response(code)))
        }
        RequestKind::DescribeConfigs(r) => {
            Outcome::Respond(ResponseKind::DescribeConfigs(describe_configs::error_response(r, code)))
        }
        RequestKind::CreatePartitions(r) => {
            Outcome::Respond(ResponseKind::CreatePartitions(create_partitions::error_response(r, code)))
        }
        RequestKind::DescribeCluster(_) => {
            Outcome::Respond(ResponseKind::DescribeCluster(describe_cluster::error_response(code)))
        }
        RequestKind::FindCoordinator(r) => {
            Outcome::Respond(ResponseKind::FindCoordinator(find_coordinator::error_response(r, code)))
        }
        RequestKind::OffsetCommit(r) => {
            Outcome::Respond(ResponseKind::OffsetCommit(offset_commit::error_response(r, code)))
        }
        RequestKind::OffsetFetch(r) => {
            Outcome::Respond(ResponseKind::OffsetFetch(offset_fetch::error_response(r, code)))
        }
        RequestKind::JoinGroup(_) => Outcome::Respond(ResponseKind::JoinGroup(join_group::error_response(code))),
        RequestKind::Heartbeat(_) => Outcome::Respond(ResponseKind::Heartbeat(heartbeat::error_response(code))),
        RequestKind::LeaveGroup(_) => Outcome::Respond(ResponseKind::LeaveGroup(leave_group::error_response(code))),
        RequestKind::SyncGroup(_) => Outcome::Respond(ResponseKind::SyncGroup(sync_group::error_response(code))),
        RequestKind::DescribeGroups(r) => {
            Outcome::Respond(ResponseKind::DescribeGroups(describe_groups::error_response(r, code)))
        }
        RequestKind::ListGroups(_) => Outcome::Respond(ResponseKind::ListGroups(list_groups::error_response(code))),
        RequestKind::DeleteGroups(r) => {
            Outcome::Respond(ResponseKind::DeleteGroups(delete_groups::error_response(r, code)))
        }
        RequestKind::TxnOffsetCommit(r) => {
            Outcome::Respond(ResponseKind::TxnOffsetCommit(txn_offset_commit::error_response(r, code)))
        }
        RequestKind::OffsetDelete(_) => {
            Outcome::Respond(ResponseKind::OffsetDelete(offset_delete::error_response(code)))
        }
        RequestKind::AddPartitionsToTxn(r) => {
            Outcome::Respond(ResponseKind::AddPartitionsToTxn(add_partitions_to_txn::error_response(r, code)))
        }
        RequestKind::AddOffsetsToTxn(_) => {
            Outcome::Respond(ResponseKind::AddOffsetsToTxn(add_offsets_to_txn::error_response(code)))
        }
        RequestKind::EndTxn(_) => Outcome::Respond(ResponseKind::EndTxn(end_txn::error_response(code))),
        _ => Outcome::Close,
    }
}
