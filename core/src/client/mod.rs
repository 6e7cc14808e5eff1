//! What every client state machine (producer, consumer, admin) shares: the
//! driver-facing trait, the API versions our clients speak, and the metadata cache.
//!
//! A driver loops: feed inputs, drain `poll_transmit`, deliver responses with
//! `handle_response`, call `handle_timeout` at `poll_timeout`. Clients never do
//! I/O and never read a clock.

pub mod coordinator;
pub mod group_metadata;
pub mod metadata;

pub use group_metadata::ConsumerGroupMetadata;
pub use metadata::Metadata;

use crate::protocol::{BrokerId, Millis, ResponseKind, Transmit};

/// The sans-IO surface a driver needs from any client state machine.
pub trait ClientMachine {
    /// The next request to send, if any is ready at `now`.
    fn poll_transmit(&mut self, now: Millis) -> Option<Transmit>;
    /// A response to the request sent to `broker` with `correlation_id`.
    fn handle_response(&mut self, broker: BrokerId, correlation_id: i32, body: ResponseKind, now: Millis);
    /// The connection to `broker` broke: every request in flight there got no answer.
    fn handle_disconnect(&mut self, broker: BrokerId, now: Millis);
    /// Time passed; expire what is due at `now`.
    fn handle_timeout(&mut self, now: Millis);
    /// The earliest time at which `handle_timeout` has work to do.
    fn poll_timeout(&self) -> Option<Millis>;
}

/// The API versions our clients send. The broker supports them (see
/// `broker::api::VERSIONS`); the TCP driver negotiates down with ApiVersions.
pub mod versions {
    use crate::protocol::ApiKey;

    pub const PRODUCE: i16 = 9;
    pub const FETCH: i16 = 12;
    pub const LIST_OFFSETS: i16 = 7;
    pub const METADATA: i16 = 12;
    pub const API_VERSIONS: i16 = 3;
    pub const CREATE_TOPICS: i16 = 7;
    pub const DELETE_TOPICS: i16 = 6;
    pub const DELETE_RECORDS: i16 = 2;
    pub const DESCRIBE_CONFIGS: i16 = 4;
    pub const CREATE_PARTITIONS: i16 = 3;
    pub const DESCRIBE_CLUSTER: i16 = 1;
    pub const FIND_COORDINATOR: i16 = 4;
    /// v3+ lets an idempotent producer bump its epoch (KIP-360).
    pub const INIT_PRODUCER_ID: i16 = 4;
    pub const ADD_PARTITIONS_TO_TXN: i16 = 3;
    pub const ADD_OFFSETS_TO_TXN: i16 = 3;
    pub const END_TXN: i16 = 3;
    /// v3 carries the consumer's generation, member and instance id (KIP-447).
    pub const TXN_OFFSET_COMMIT: i16 = 3;
    pub const LIST_GROUPS: i16 = 5;
    pub const DESCRIBE_GROUPS: i16 = 5;
    pub const DELETE_GROUPS: i16 = 2;
    pub const OFFSET_DELETE: i16 = 0;
    pub const OFFSET_FETCH: i16 = 8;
    pub const OFFSET_COMMIT: i16 = 8;
    pub const JOIN_GROUP: i16 = 7;
    pub const SYNC_GROUP: i16 = 5;
    pub const HEARTBEAT: i16 = 4;
    pub const LEAVE_GROUP: i16 = 5;

    /// `(key, oldest, newest)` version our clients can speak of each API they use. The
    /// newest is what the state machines put in a `Transmit`; the TCP driver sends
    /// min(newest, the broker's newest) and refuses a broker whose newest is below the
    /// oldest. The oldest are those Apache Kafka 4 still serves (KIP-896), where our
    /// request bodies can be expressed (record batches v2, Metadata's auto-creation flag).
    pub const RANGES: &[(ApiKey, i16, i16)] = &[
        (ApiKey::Produce, 3, PRODUCE),
        (ApiKey::Fetch, 4, FETCH),
        (ApiKey::ListOffsets, 1, LIST_OFFSETS),
        (ApiKey::Metadata, 4, METADATA),
        (ApiKey::ApiVersions, 0, API_VERSIONS),
        (ApiKey::CreateTopics, 2, CREATE_TOPICS),
        (ApiKey::DeleteTopics, 1, DELETE_TOPICS),
        (ApiKey::DeleteRecords, 0, DELETE_RECORDS),
        (ApiKey::DescribeConfigs, 1, DESCRIBE_CONFIGS),
        (ApiKey::CreatePartitions, 0, CREATE_PARTITIONS),
        (ApiKey::DescribeCluster, 0, DESCRIBE_CLUSTER),
        (ApiKey::FindCoordinator, 1, FIND_COORDINATOR),
        (ApiKey::InitProducerId, 0, INIT_PRODUCER_ID),
        (ApiKey::AddPartitionsToTxn, 0, ADD_PARTITIONS_TO_TXN),
        (ApiKey::AddOffsetsToTxn, 0, ADD_OFFSETS_TO_TXN),
        (ApiKey::EndTxn, 0, END_TXN),
        (ApiKey::TxnOffsetCommit, 0, TXN_OFFSET_COMMIT),
        (ApiKey::ListGroups, 0, LIST_GROUPS),
        (ApiKey::DescribeGroups, 0, DESCRIBE_GROUPS),
        (ApiKey::DeleteGroups, 0, DELETE_GROUPS),
        (ApiKey::OffsetDelete, 0, OFFSET_DELETE),
        (ApiKey::OffsetFetch, 1, OFFSET_FETCH),
        (ApiKey::OffsetCommit, 2, OFFSET_COMMIT),
        (ApiKey::JoinGroup, 2, JOIN_GROUP),
        (ApiKey::SyncGroup, 0, SYNC_GROUP),
        (ApiKey::Heartbeat, 0, HEARTBEAT),
        (ApiKey::LeaveGroup, 0, LEAVE_GROUP),
    ];

    /// Our `(oldest, newest)` version of `key`, if our clients use it.
    pub fn range(key: ApiKey) -> Option<(i16, i16)> {
        RANGES.iter().find(|(k, _, _)| *k == key).map(|&(_, lo, hi)| (lo, hi))
    }
}

/// Hands out correlation ids, unique per client.
#[derive(Debug, Default, Clone)]
pub struct CorrelationIds(i32);

impl CorrelationIds {
    pub fn next_id(&mut self) -> i32 {
        self.0 = self.0.wrapping_add(1) & i32::MAX;
        self.0
    }
}
