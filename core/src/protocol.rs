//! Protocol glue: the envelope every exchange between a client and a broker
//! travels in, whatever carries it (a function call, TCP, the simulated network).
//! Bodies are the `kafka-protocol` crate's request and response types.

pub use kafka_protocol::messages::{ApiKey, RequestKind, ResponseKind};
pub use kafka_protocol::protocol::StrBytes;

/// Identifies one client connection as the broker sees it.
pub type ConnId = u64;

/// A broker's node id. Clients use [`BOOTSTRAP`] until metadata names the brokers.
pub type BrokerId = i32;

/// The pseudo broker id of the bootstrap connection (librdkafka uses -1 too).
pub const BOOTSTRAP: BrokerId = -1;

/// The id clients address a coordinator on broker `node` by. Coordinator requests travel on a
/// connection of their own, as in the Java client (`Integer.MAX_VALUE - node`) and librdkafka (its
/// coordinator broker handle): a broker answers a connection's requests in order, so a commit
/// queued behind a Fetch long-polling for `fetch.max.wait.ms` would wait for it. Transports open
/// a second connection to the same broker for these ids ([`broker_of_link`] gives the broker).
pub const fn coordinator_link(node: BrokerId) -> BrokerId {
    i32::MAX - node
}

/// True for the ids [`coordinator_link`] makes (node ids are small; these are near `i32::MAX`).
pub const fn is_coordinator_link(id: BrokerId) -> bool {
    id > i32::MAX / 2
}

/// The broker an id names: itself, or the node behind a coordinator link.
pub const fn broker_of_link(id: BrokerId) -> BrokerId {
    if is_coordinator_link(id) {
        i32::MAX - id
    } else {
        id
    }
}

/// Milliseconds of some clock (wall or virtual). State machines take it as an argument.
pub type Millis = i64;

/// A request as the broker receives it.
#[derive(Debug, Clone)]
pub struct Request {
    pub api_version: i16,
    pub correlation_id: i32,
    pub client_id: Option<String>,
    pub body: RequestKind,
}

impl Request {
    pub fn api_key(&self) -> Option<ApiKey> {
        api_key(&self.body)
    }
}

/// A response as the broker emits it, addressed to the connection that asked.
#[derive(Debug, Clone)]
pub struct Response {
    pub conn: ConnId,
    pub correlation_id: i32,
    pub api_key: ApiKey,
    pub api_version: i16,
    pub body: ResponseKind,
}

/// A request a client state machine wants transmitted.
#[derive(Debug, Clone)]
pub struct Transmit {
    pub broker: BrokerId,
    pub correlation_id: i32,
    pub api_version: i16,
    pub body: RequestKind,
    /// False for Produce with acks=0: the broker sends nothing back.
    pub expects_response: bool,
}

impl Transmit {
    pub fn api_key(&self) -> Option<ApiKey> {
        api_key(&self.body)
    }

    pub fn into_request(self, client_id: Option<String>) -> Request {
        Request { api_version: self.api_version, correlation_id: self.correlation_id, client_id, body: self.body }
    }
}

/// The API key of a request body (`None` only for variants newer than this table,
/// which `kafka-protocol` marks non-exhaustive).
pub fn api_key(body: &RequestKind) -> Option<ApiKey> {
    Some(match body {
        RequestKind::Produce(_) => ApiKey::Produce,
        RequestKind::Fetch(_) => ApiKey::Fetch,
        RequestKind::ListOffsets(_) => ApiKey::ListOffsets,
        RequestKind::Metadata(_) => ApiKey::Metadata,
        RequestKind::OffsetCommit(_) => ApiKey::OffsetCommit,
        RequestKind::OffsetFetch(_) => ApiKey::OffsetFetch,
        RequestKind::FindCoordinator(_) => ApiKey::FindCoordinator,
        RequestKind::JoinGroup(_) => ApiKey::JoinGroup,
        RequestKind::Heartbeat(_) => ApiKey::Heartbeat,
        RequestKind::LeaveGroup(_) => ApiKey::LeaveGroup,
        RequestKind::SyncGroup(_) => ApiKey::SyncGroup,
        RequestKind::DescribeGroups(_) => ApiKey::DescribeGroups,
        RequestKind::ListGroups(_) => ApiKey::ListGroups,
        RequestKind::SaslHandshake(_) => ApiKey::SaslHandshake,
        RequestKind::ApiVersions(_) => ApiKey::ApiVersions,
        RequestKind::CreateTopics(_) => ApiKey::CreateTopics,
        RequestKind::DeleteTopics(_) => ApiKey::DeleteTopics,
        RequestKind::DeleteRecords(_) => ApiKey::DeleteRecords,
        RequestKind::InitProducerId(_) => ApiKey::InitProducerId,
        RequestKind::OffsetForLeaderEpoch(_) => ApiKey::OffsetForLeaderEpoch,
        RequestKind::AddPartitionsToTxn(_) => ApiKey::AddPartitionsToTxn,
        RequestKind::AddOffsetsToTxn(_) => ApiKey::AddOffsetsToTxn,
        RequestKind::EndTxn(_) => ApiKey::EndTxn,
        RequestKind::WriteTxnMarkers(_) => ApiKey::WriteTxnMarkers,
        RequestKind::TxnOffsetCommit(_) => ApiKey::TxnOffsetCommit,
        RequestKind::DescribeAcls(_) => ApiKey::DescribeAcls,
        RequestKind::CreateAcls(_) => ApiKey::CreateAcls,
        RequestKind::DeleteAcls(_) => ApiKey::DeleteAcls,
        RequestKind::DescribeConfigs(_) => ApiKey::DescribeConfigs,
        RequestKind::AlterConfigs(_) => ApiKey::AlterConfigs,
        RequestKind::AlterReplicaLogDirs(_) => ApiKey::AlterReplicaLogDirs,
        RequestKind::DescribeLogDirs(_) => ApiKey::DescribeLogDirs,
        RequestKind::SaslAuthenticate(_) => ApiKey::SaslAuthenticate,
        RequestKind::CreatePartitions(_) => ApiKey::CreatePartitions,
        RequestKind::CreateDelegationToken(_) => ApiKey::CreateDelegationToken,
        RequestKind::RenewDelegationToken(_) => ApiKey::RenewDelegationToken,
        RequestKind::ExpireDelegationToken(_) => ApiKey::ExpireDelegationToken,
        RequestKind::DescribeDelegationToken(_) => ApiKey::DescribeDelegationToken,
        RequestKind::DeleteGroups(_) => ApiKey::DeleteGroups,
        RequestKind::ElectLeaders(_) => ApiKey::ElectLeaders,
        RequestKind::IncrementalAlterConfigs(_) => ApiKey::IncrementalAlterConfigs,
        RequestKind::AlterPartitionReassignments(_) => ApiKey::AlterPartitionReassignments,
        RequestKind::ListPartitionReassignments(_) => ApiKey::ListPartitionReassignments,
        RequestKind::OffsetDelete(_) => ApiKey::OffsetDelete,
        RequestKind::DescribeClientQuotas(_) => ApiKey::DescribeClientQuotas,
        RequestKind::AlterClientQuotas(_) => ApiKey::AlterClientQuotas,
        RequestKind::DescribeUserScramCredentials(_) => ApiKey::DescribeUserScramCredentials,
        RequestKind::AlterUserScramCredentials(_) => ApiKey::AlterUserScramCredentials,
        RequestKind::Vote(_) => ApiKey::Vote,
        RequestKind::BeginQuorumEpoch(_) => ApiKey::BeginQuorumEpoch,
        RequestKind::EndQuorumEpoch(_) => ApiKey::EndQuorumEpoch,
        RequestKind::DescribeQuorum(_) => ApiKey::DescribeQuorum,
        RequestKind::AlterPartition(_) => ApiKey::AlterPartition,
        RequestKind::UpdateFeatures(_) => ApiKey::UpdateFeatures,
        RequestKind::Envelope(_) => ApiKey::Envelope,
        RequestKind::FetchSnapshot(_) => ApiKey::FetchSnapshot,
        RequestKind::DescribeCluster(_) => ApiKey::DescribeCluster,
        RequestKind::DescribeProducers(_) => ApiKey::DescribeProducers,
        RequestKind::BrokerRegistration(_) => ApiKey::BrokerRegistration,
        RequestKind::BrokerHeartbeat(_) => ApiKey::BrokerHeartbeat,
        RequestKind::UnregisterBroker(_) => ApiKey::UnregisterBroker,
        RequestKind::DescribeTransactions(_) => ApiKey::DescribeTransactions,
        RequestKind::ListTransactions(_) => ApiKey::ListTransactions,
        RequestKind::AllocateProducerIds(_) => ApiKey::AllocateProducerIds,
        RequestKind::ConsumerGroupHeartbeat(_) => ApiKey::ConsumerGroupHeartbeat,
        RequestKind::ConsumerGroupDescribe(_) => ApiKey::ConsumerGroupDescribe,
        RequestKind::ControllerRegistration(_) => ApiKey::ControllerRegistration,
        RequestKind::GetTelemetrySubscriptions(_) => ApiKey::GetTelemetrySubscriptions,
        RequestKind::PushTelemetry(_) => ApiKey::PushTelemetry,
        RequestKind::AssignReplicasToDirs(_) => ApiKey::AssignReplicasToDirs,
        RequestKind::ListConfigResources(_) => ApiKey::ListConfigResources,
        RequestKind::DescribeTopicPartitions(_) => ApiKey::DescribeTopicPartitions,
        RequestKind::ShareGroupHeartbeat(_) => ApiKey::ShareGroupHeartbeat,
        RequestKind::ShareGroupDescribe(_) => ApiKey::ShareGroupDescribe,
        RequestKind::ShareFetch(_) => ApiKey::ShareFetch,
        RequestKind::ShareAcknowledge(_) => ApiKey::ShareAcknowledge,
        RequestKind::AddRaftVoter(_) => ApiKey::AddRaftVoter,
        RequestKind::RemoveRaftVoter(_) => ApiKey::RemoveRaftVoter,
        RequestKind::UpdateRaftVoter(_) => ApiKey::UpdateRaftVoter,
        RequestKind::InitializeShareGroupState(_) => ApiKey::InitializeShareGroupState,
        RequestKind::ReadShareGroupState(_) => ApiKey::ReadShareGroupState,
        RequestKind::WriteShareGroupState(_) => ApiKey::WriteShareGroupState,
        RequestKind::DeleteShareGroupState(_) => ApiKey::DeleteShareGroupState,
        RequestKind::ReadShareGroupStateSummary(_) => ApiKey::ReadShareGroupStateSummary,
        RequestKind::DescribeShareGroupOffsets(_) => ApiKey::DescribeShareGroupOffsets,
        RequestKind::AlterShareGroupOffsets(_) => ApiKey::AlterShareGroupOffsets,
        RequestKind::DeleteShareGroupOffsets(_) => ApiKey::DeleteShareGroupOffsets,
        _ => return None,
    })
}
