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
        _ => group_error_response(body, code).or_else(|| txn_error_response(body, code))?,
    })
}

/// The same for the group admin calls: the error where each answer has room for it.
fn group_error_response(body: &RequestKind, code: i16) -> Option<ResponseKind> {
    use kafka_protocol::messages::delete_groups_response::DeletableGroupResult;
    use kafka_protocol::messages::describe_groups_response::DescribedGroup;
    use kafka_protocol::messages::offset_commit_response::{OffsetCommitResponsePartition, OffsetCommitResponseTopic};
    use kafka_protocol::messages::offset_fetch_response::OffsetFetchResponseGroup;
    use kafka_protocol::messages::{
        DeleteGroupsResponse, DescribeGroupsResponse, ListGroupsResponse, OffsetCommitResponse, OffsetDeleteResponse,
        OffsetFetchResponse,
    };
    Some(match body {
        RequestKind::FindCoordinator(r) => {
            use kafka_protocol::messages::find_coordinator_response::Coordinator;
            use kafka_protocol::messages::{BrokerId, FindCoordinatorResponse};
            let coordinators = r
                .coordinator_keys
                .iter()
                .map(|k| Coordinator::default().with_key(k.clone()).with_node_id(BrokerId(-1)).with_error_code(code))
                .collect();
            ResponseKind::FindCoordinator(
                FindCoordinatorResponse::default()
                    .with_error_code(code)
                    .with_node_id(BrokerId(-1))
                    .with_coordinators(coordinators),
            )
        }
        // The membership calls of our consumer: one error for the whole request.
        RequestKind::JoinGroup(_) => {
            ResponseKind::JoinGroup(kafka_protocol::messages::JoinGroupResponse::default().with_error_code(code))
        }
        RequestKind::SyncGroup(_) => {
            ResponseKind::SyncGroup(kafka_protocol::messages::SyncGroupResponse::default().with_error_code(code))
        }
        RequestKind::Heartbeat(_) => {
            ResponseKind::Heartbeat(kafka_protocol::messages::HeartbeatResponse::default().with_error_code(code))
        }
        RequestKind::LeaveGroup(_) => {
            ResponseKind::LeaveGroup(kafka_protocol::messages::LeaveGroupResponse::default().with_error_code(code))
        }
        RequestKind::ListGroups(_) => ResponseKind::ListGroups(ListGroupsResponse::default().with_error_code(code)),
        RequestKind::DescribeGroups(r) => ResponseKind::DescribeGroups(DescribeGroupsResponse::default().with_groups(
            r.groups.iter().map(|g| DescribedGroup::default().with_group_id(g.clone()).with_error_code(code)).collect(),
        )),
        RequestKind::DeleteGroups(r) => ResponseKind::DeleteGroups(
            DeleteGroupsResponse::default().with_results(
                r.groups_names
                    .iter()
                    .map(|g| DeletableGroupResult::default().with_group_id(g.clone()).with_error_code(code))
                    .collect(),
            ),
        ),
        RequestKind::OffsetFetch(r) => ResponseKind::OffsetFetch(
            OffsetFetchResponse::default().with_error_code(code).with_groups(
                r.groups
                    .iter()
                    .map(|g| {
                        OffsetFetchResponseGroup::default().with_group_id(g.group_id.clone()).with_error_code(code)
                    })
                    .collect(),
            ),
        ),
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
        RequestKind::OffsetDelete(_) => {
            ResponseKind::OffsetDelete(OffsetDeleteResponse::default().with_error_code(code))
        }
        _ => return None,
    })
}

/// The transactional producer's requests (a broker without a transaction coordinator, or a
/// group coordinator without TxnOffsetCommit): the error on each partition or on the whole.
fn txn_error_response(body: &RequestKind, code: i16) -> Option<ResponseKind> {
    use kafka_protocol::messages::add_partitions_to_txn_response::{
        AddPartitionsToTxnPartitionResult, AddPartitionsToTxnTopicResult,
    };
    use kafka_protocol::messages::txn_offset_commit_response::{
        TxnOffsetCommitResponsePartition, TxnOffsetCommitResponseTopic,
    };
    use kafka_protocol::messages::{
        AddOffsetsToTxnResponse, AddPartitionsToTxnResponse, EndTxnResponse, InitProducerIdResponse, ProducerId,
        TxnOffsetCommitResponse,
    };
    Some(match body {
        RequestKind::InitProducerId(_) => ResponseKind::InitProducerId(
            InitProducerIdResponse::default()
                .with_error_code(code)
                .with_producer_id(ProducerId(-1))
                .with_producer_epoch(-1),
        ),
        RequestKind::AddPartitionsToTxn(r) => ResponseKind::AddPartitionsToTxn(
            AddPartitionsToTxnResponse::default().with_results_by_topic_v3_and_below(
                r.v3_and_below_topics
                    .iter()
                    .map(|t| {
                        AddPartitionsToTxnTopicResult::default().with_name(t.name.clone()).with_results_by_partition(
                            t.partitions
                                .iter()
                                .map(|&p| {
                                    AddPartitionsToTxnPartitionResult::default()
                                        .with_partition_index(p)
                                        .with_partition_error_code(code)
                                })
                                .collect(),
                        )
                    })
                    .collect(),
            ),
        ),
        RequestKind::AddOffsetsToTxn(_) => {
            ResponseKind::AddOffsetsToTxn(AddOffsetsToTxnResponse::default().with_error_code(code))
        }
        RequestKind::EndTxn(_) => ResponseKind::EndTxn(EndTxnResponse::default().with_error_code(code)),
        RequestKind::TxnOffsetCommit(r) => ResponseKind::TxnOffsetCommit(
            TxnOffsetCommitResponse::default().with_topics(
                r.topics
                    .iter()
                    .map(|t| {
                        TxnOffsetCommitResponseTopic::default().with_name(t.name.clone()).with_partitions(
                            t.partitions
                                .iter()
                                .map(|p| {
                                    TxnOffsetCommitResponsePartition::default()
                                        .with_partition_index(p.partition_index)
                                        .with_error_code(code)
                                })
                                .collect(),
                        )
                    })
                    .collect(),
            ),
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use kafka_protocol::messages::{DescribeGroupsRequest, GroupId, OffsetFetchRequest};

    use super::*;
    use crate::error::ErrorCode;

    /// A group call no version can carry fails with UNSUPPORTED_VERSION where the admin reads
    /// errors, rather than as a lost connection retried until the deadline.
    #[test]
    fn group_calls_carry_the_error() {
        let e = Error::new(ErrorCode::UNSUPPORTED_VERSION, "no common version");
        let g = GroupId(StrBytes::from_static_str("g"));
        let describe = RequestKind::DescribeGroups(DescribeGroupsRequest::default().with_groups(vec![g.clone()]));
        let Some(ResponseKind::DescribeGroups(r)) = error_response(&describe, &e) else { panic!() };
        assert_eq!((r.groups[0].group_id.0.as_str(), r.groups[0].error_code), ("g", 35));
        let fetch = RequestKind::OffsetFetch(OffsetFetchRequest::default().with_group_id(g));
        let Some(ResponseKind::OffsetFetch(r)) = error_response(&fetch, &e) else { panic!() };
        assert_eq!(r.error_code, 35);
    }

    /// A transactional call no version can carry fails with the error rather than being retried.
    #[test]
    fn transactional_calls_carry_the_error() {
        use kafka_protocol::messages::txn_offset_commit_request::{
            TxnOffsetCommitRequestPartition, TxnOffsetCommitRequestTopic,
        };
        use kafka_protocol::messages::{EndTxnRequest, TopicName, TxnOffsetCommitRequest};
        let e = Error::new(ErrorCode::UNSUPPORTED_VERSION, "no common version");
        let commit = RequestKind::TxnOffsetCommit(TxnOffsetCommitRequest::default().with_topics(vec![
            TxnOffsetCommitRequestTopic::default()
                .with_name(TopicName(StrBytes::from_static_str("t")))
                .with_partitions(vec![TxnOffsetCommitRequestPartition::default().with_partition_index(2)]),
        ]));
        let Some(ResponseKind::TxnOffsetCommit(r)) = error_response(&commit, &e) else { panic!() };
        assert_eq!((r.topics[0].partitions[0].partition_index, r.topics[0].partitions[0].error_code), (2, 35));
        let end = RequestKind::EndTxn(EndTxnRequest::default());
        let Some(ResponseKind::EndTxn(r)) = error_response(&end, &e) else { panic!() };
        assert_eq!(r.error_code, 35);
    }
}
