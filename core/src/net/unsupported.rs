//! The answer a request gets when it cannot go to the broker at all (no version
//! both sides speak): a response of the request's own type carrying the error on
//! every item it asked about, as if the broker had said it. The state machines
//! then fail what they asked with that error, as Kafka's clients fail a request
//! with UnsupportedVersionException, instead of retrying a lost connection forever.

use kafka_protocol::messages::create_topics_response::CreatableTopicResult;
use kafka_protocol::messages::delete_topics_response::DeletableTopicResult;
use kafka_protocol::messages::fetch_response::{FetchableTopicResponse, PartitionData};
use kafka_protocol::messages::list_offsets_response::{ListOffsetsPartitionResponse, ListOffsetsTopicResponse};
use kafka_protocol::messages::metadata_response::MetadataResponseTopic;
use kafka_protocol::messages::produce_response::{PartitionProduceResponse, TopicProduceResponse};
use kafka_protocol::messages::{
    CreateTopicsResponse, DeleteTopicsResponse, FetchResponse, ListOffsetsResponse, MetadataResponse, ProduceResponse,
};

use kafka_protocol::messages::find_coordinator_response::Coordinator;
use kafka_protocol::messages::offset_commit_response::{OffsetCommitResponsePartition, OffsetCommitResponseTopic};
use kafka_protocol::messages::offset_fetch_response::OffsetFetchResponseGroup;
use kafka_protocol::messages::{
    BrokerId, FindCoordinatorResponse, HeartbeatResponse, JoinGroupResponse, LeaveGroupResponse, OffsetCommitResponse,
    OffsetFetchResponse, SyncGroupResponse,
};

use crate::error::Error;
use crate::protocol::{RequestKind, ResponseKind, StrBytes};

/// A response to `body` failing every item with `error`; `None` for request types our
/// clients do not send (the caller treats those as a lost connection).
pub fn error_response(body: &RequestKind, error: &Error) -> Option<ResponseKind> {
    let code = error.code().0;
    let message = || Some(StrBytes::from_string(error.message().to_string()));
    Some(match body {
        RequestKind::Produce(r) => ResponseKind::Produce(
            ProduceResponse::default().with_responses(
                r.topic_data
                    .iter()
                    .map(|t| {
                        TopicProduceResponse::default().with_name(t.name.clone()).with_partition_responses(
                            t.partition_data
                                .iter()
                                .map(|p| {
                                    PartitionProduceResponse::default()
                                        .with_index(p.index)
                                        .with_error_code(code)
                                        .with_base_offset(-1)
                                        .with_error_message(message())
                                })
                                .collect(),
                        )
                    })
                    .collect(),
            ),
        ),
        RequestKind::Fetch(r) => ResponseKind::Fetch(
            FetchResponse::default().with_responses(
                r.topics
                    .iter()
                    .map(|t| {
                        FetchableTopicResponse::default().with_topic(t.topic.clone()).with_partitions(
                            t.partitions
                                .iter()
                                .map(|p| {
                                    PartitionData::default()
                                        .with_partition_index(p.partition)
                                        .with_error_code(code)
                                        .with_high_watermark(-1)
                                })
                                .collect(),
                        )
                    })
                    .collect(),
            ),
        ),
        RequestKind::ListOffsets(r) => ResponseKind::ListOffsets(
            ListOffsetsResponse::default().with_topics(
                r.topics
                    .iter()
                    .map(|t| {
                        ListOffsetsTopicResponse::default().with_name(t.name.clone()).with_partitions(
                            t.partitions
                                .iter()
                                .map(|p| {
                                    ListOffsetsPartitionResponse::default()
                                        .with_partition_index(p.partition_index)
                                        .with_error_code(code)
                                })
                                .collect(),
                        )
                    })
                    .collect(),
            ),
        ),
        // A request for all topics has no item to carry the error: an empty answer would
        // read as "no topics". The caller treats it as a lost connection instead.
        RequestKind::Metadata(r) => ResponseKind::Metadata(
            MetadataResponse::default().with_topics(
                r.topics
                    .as_ref()?
                    .iter()
                    .map(|t| MetadataResponseTopic::default().with_name(t.name.clone()).with_error_code(code))
                    .collect(),
            ),
        ),
        RequestKind::CreateTopics(r) => ResponseKind::CreateTopics(
            CreateTopicsResponse::default().with_topics(
                r.topics
                    .iter()
                    .map(|t| {
                        CreatableTopicResult::default()
                            .with_name(t.name.clone())
                            .with_error_code(code)
                            .with_error_message(message())
                    })
                    .collect(),
            ),
        ),
        RequestKind::DeleteTopics(r) => {
            let names = r.topics.iter().filter_map(|t| t.name.clone()).chain(r.topic_names.iter().cloned());
            ResponseKind::DeleteTopics(
                DeleteTopicsResponse::default().with_responses(
                    names
                        .map(|n| {
                            DeletableTopicResult::default()
                                .with_name(Some(n))
                                .with_error_code(code)
                                .with_error_message(message())
                        })
                        .collect(),
                ),
            )
        }
        RequestKind::FindCoordinator(r) => {
            let coordinators = r
                .coordinator_keys
                .iter()
                .map(|k| {
                    Coordinator::default()
                        .with_key(k.clone())
                        .with_node_id(BrokerId(-1))
                        .with_error_code(code)
                        .with_error_message(message())
                })
                .collect();
            ResponseKind::FindCoordinator(
                FindCoordinatorResponse::default()
                    .with_error_code(code)
                    .with_error_message(message())
                    .with_node_id(BrokerId(-1))
                    .with_coordinators(coordinators),
            )
        }
        // The group APIs (our consumer): one error for the whole request, or per partition.
        RequestKind::JoinGroup(_) => ResponseKind::JoinGroup(JoinGroupResponse::default().with_error_code(code)),
        RequestKind::SyncGroup(_) => ResponseKind::SyncGroup(SyncGroupResponse::default().with_error_code(code)),
        RequestKind::Heartbeat(_) => ResponseKind::Heartbeat(HeartbeatResponse::default().with_error_code(code)),
        RequestKind::LeaveGroup(_) => ResponseKind::LeaveGroup(LeaveGroupResponse::default().with_error_code(code)),
        RequestKind::OffsetCommit(r) => ResponseKind::OffsetCommit(
            OffsetCommitResponse::default().with_topics(
                r.topics
                    .iter()
                    .map(|t| {
                        OffsetCommitResponseTopic::default().with_name(t.name.clone()).with_partitions(
                            t.partitions
                                .iter()
                                .map(|p| {
                                    OffsetCommitResponsePartition::default()
                                        .with_partition_index(p.partition_index)
                                        .with_error_code(code)
                                })
                                .collect(),
                        )
                    })
                    .collect(),
            ),
        ),
        RequestKind::OffsetFetch(r) => {
            let groups = r
                .groups
                .iter()
                .map(|g| OffsetFetchResponseGroup::default().with_group_id(g.group_id.clone()).with_error_code(code))
                .collect();
            ResponseKind::OffsetFetch(OffsetFetchResponse::default().with_error_code(code).with_groups(groups))
        }
        _ => return None,
    })
}
