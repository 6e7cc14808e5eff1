//! The response schemas agree with `kafka-protocol`'s encoder at every guarded version, and every
//! array count at every nesting level, compact or not, is refused when it claims too much.

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::add_partitions_to_txn_response::{
    AddPartitionsToTxnPartitionResult, AddPartitionsToTxnTopicResult,
};
use kafka_protocol::messages::api_versions_response::{ApiVersion, FinalizedFeatureKey, SupportedFeatureKey};
use kafka_protocol::messages::create_partitions_response::CreatePartitionsTopicResult;
use kafka_protocol::messages::create_topics_response::{CreatableTopicConfigs, CreatableTopicResult};
use kafka_protocol::messages::delete_groups_response::DeletableGroupResult;
use kafka_protocol::messages::delete_records_response::{DeleteRecordsPartitionResult, DeleteRecordsTopicResult};
use kafka_protocol::messages::delete_topics_response::DeletableTopicResult;
use kafka_protocol::messages::describe_cluster_response::DescribeClusterBroker;
use kafka_protocol::messages::describe_configs_response::{
    DescribeConfigsResourceResult, DescribeConfigsResult, DescribeConfigsSynonym,
};
use kafka_protocol::messages::describe_groups_response::{DescribedGroup, DescribedGroupMember};
use kafka_protocol::messages::fetch_response::{
    AbortedTransaction, EpochEndOffset, FetchableTopicResponse, LeaderIdAndEpoch, PartitionData, SnapshotId,
};
use kafka_protocol::messages::find_coordinator_response::Coordinator;
use kafka_protocol::messages::join_group_response::JoinGroupResponseMember;
use kafka_protocol::messages::leave_group_response::MemberResponse;
use kafka_protocol::messages::list_groups_response::ListedGroup;
use kafka_protocol::messages::list_offsets_response::{ListOffsetsPartitionResponse, ListOffsetsTopicResponse};
use kafka_protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::offset_commit_response::{OffsetCommitResponsePartition, OffsetCommitResponseTopic};
use kafka_protocol::messages::offset_delete_response::{OffsetDeleteResponsePartition, OffsetDeleteResponseTopic};
use kafka_protocol::messages::offset_fetch_response::{
    OffsetFetchResponseGroup, OffsetFetchResponsePartition, OffsetFetchResponsePartitions, OffsetFetchResponseTopic,
    OffsetFetchResponseTopics,
};
use kafka_protocol::messages::produce_response::{
    BatchIndexAndErrorMessage, PartitionProduceResponse, TopicProduceResponse,
};
use kafka_protocol::messages::txn_offset_commit_response::{
    TxnOffsetCommitResponsePartition, TxnOffsetCommitResponseTopic,
};
use kafka_protocol::messages::{
    AddOffsetsToTxnResponse, AddPartitionsToTxnResponse, EndTxnResponse, TxnOffsetCommitResponse,
};
use kafka_protocol::messages::{
    ApiVersionsResponse, BrokerId, CreatePartitionsResponse, CreateTopicsResponse, DeleteRecordsResponse,
    DeleteTopicsResponse, DescribeClusterResponse, DescribeConfigsResponse, FetchResponse, FindCoordinatorResponse,
    InitProducerIdResponse, ListOffsetsResponse, MetadataResponse, ProduceResponse, ProducerId, ResponseKind,
    TopicName,
};
use kafka_protocol::messages::{
    DeleteGroupsResponse, DescribeGroupsResponse, GroupId, ListGroupsResponse, OffsetCommitResponse,
    OffsetDeleteResponse, OffsetFetchResponse,
};
use kafka_protocol::messages::{HeartbeatResponse, JoinGroupResponse, LeaveGroupResponse, SyncGroupResponse};
use kafka_protocol::protocol::StrBytes;

use super::*;

fn s(v: &'static str) -> StrBytes {
    StrBytes::from_static_str(v)
}

fn topic(v: &'static str) -> TopicName {
    TopicName(s(v))
}

/// `value` from version `since` on, else `default` (the encoders refuse a field set at a version
/// that does not have it).
fn at<T>(v: i16, since: i16, value: T, default: T) -> T {
    if v >= since {
        value
    } else {
        default
    }
}

/// A topic id from version `since` on, else nil (the `uuid` crate is not a direct dependency).
fn topic_id<U: TryFrom<Vec<u8>> + Default>(v: i16, since: i16) -> U {
    if v >= since {
        U::try_from((1..=16).collect()).unwrap_or_default()
    } else {
        U::default()
    }
}

/// A response of `key` at `v` with every array non-empty (two elements where it nests), every field
/// and known tagged field the version has set, plus an unknown tagged field where it is flexible.
pub(in crate::net) fn populated_response(key: ApiKey, v: i16) -> ResponseKind {
    let flexible = is_compact(key, v);
    let unknown = || {
        let mut m = std::collections::BTreeMap::new();
        if flexible {
            m.insert(99, Bytes::from_static(b"xyz"));
        }
        m
    };
    match key {
        ApiKey::ApiVersions => {
            let k = |k| ApiVersion::default().with_api_key(k).with_min_version(0).with_max_version(3);
            let mut r = ApiVersionsResponse::default()
                .with_error_code(0)
                .with_api_keys(vec![k(0), k(1), k(18)])
                .with_throttle_time_ms(at(v, 1, 5, 0));
            if v >= 3 {
                let sf = |n| SupportedFeatureKey::default().with_name(s(n)).with_min_version(1).with_max_version(2);
                let ff = |n| {
                    FinalizedFeatureKey::default().with_name(s(n)).with_min_version_level(1).with_max_version_level(2)
                };
                r = r
                    .with_supported_features(vec![sf("a"), sf("b")])
                    .with_finalized_features_epoch(7)
                    .with_finalized_features(vec![ff("a"), ff("b")])
                    .with_zk_migration_ready(true);
            }
            r.unknown_tagged_fields = unknown();
            ResponseKind::ApiVersions(r)
        }
        ApiKey::Metadata => {
            let broker = |i| {
                MetadataResponseBroker::default()
                    .with_node_id(BrokerId(i))
                    .with_host(s("localhost"))
                    .with_port(9092)
                    .with_rack(at(v, 1, Some(s("r")), None))
            };
            let partition = |i| {
                MetadataResponsePartition::default()
                    .with_partition_index(i)
                    .with_leader_id(BrokerId(1))
                    .with_leader_epoch(at(v, 7, 4, -1))
                    .with_replica_nodes(vec![BrokerId(1), BrokerId(2)])
                    .with_isr_nodes(vec![BrokerId(1)])
                    .with_offline_replicas(at(v, 5, vec![BrokerId(2)], vec![]))
            };
            let t = |n| {
                MetadataResponseTopic::default()
                    .with_name(Some(topic(n)))
                    .with_topic_id(topic_id(v, 10))
                    .with_is_internal(v >= 1)
                    .with_partitions(vec![partition(0), partition(1)])
                    .with_topic_authorized_operations(at(v, 8, 0, i32::MIN))
            };
            let mut r = MetadataResponse::default()
                .with_throttle_time_ms(at(v, 3, 5, 0))
                .with_brokers(vec![broker(1), broker(2)])
                .with_cluster_id(at(v, 2, Some(s("cluster")), None))
                .with_controller_id(BrokerId(at(v, 1, 1, -1)))
                .with_topics(vec![t("a"), t("b")])
                .with_cluster_authorized_operations(if (8..=10).contains(&v) { 0 } else { i32::MIN });
            r.unknown_tagged_fields = unknown();
            ResponseKind::Metadata(r)
        }
        ApiKey::Produce => {
            let record_error = |i| {
                BatchIndexAndErrorMessage::default().with_batch_index(i).with_batch_index_error_message(Some(s("e")))
            };
            let partition = |i| {
                PartitionProduceResponse::default()
                    .with_index(i)
                    .with_error_code(0)
                    .with_base_offset(10)
                    .with_log_append_time_ms(-1)
                    .with_log_start_offset(at(v, 5, 0, -1))
                    .with_record_errors(at(v, 8, vec![record_error(0), record_error(1)], vec![]))
                    .with_error_message(at(v, 8, Some(s("msg")), None))
            };
            let t = |n| {
                TopicProduceResponse::default()
                    .with_name(topic(n))
                    .with_partition_responses(vec![partition(0), partition(1)])
            };
            let mut r = ProduceResponse::default().with_responses(vec![t("a"), t("b")]).with_throttle_time_ms(5);
            r.unknown_tagged_fields = unknown();
            ResponseKind::Produce(r)
        }
        ApiKey::Fetch => {
            let aborted = |i| AbortedTransaction::default().with_producer_id(ProducerId(i)).with_first_offset(3);
            let partition = |i| {
                let mut p = PartitionData::default()
                    .with_partition_index(i)
                    .with_error_code(0)
                    .with_high_watermark(10)
                    .with_last_stable_offset(10)
                    .with_log_start_offset(at(v, 5, 0, -1))
                    .with_aborted_transactions(Some(vec![aborted(1), aborted(2)]))
                    .with_preferred_read_replica(BrokerId(at(v, 11, 2, -1)))
                    .with_records(Some(Bytes::from_static(b"records")));
                if v >= 12 {
                    p = p
                        .with_diverging_epoch(EpochEndOffset::default().with_epoch(2).with_end_offset(8))
                        .with_current_leader(
                            LeaderIdAndEpoch::default().with_leader_id(BrokerId(1)).with_leader_epoch(3),
                        )
                        .with_snapshot_id(SnapshotId::default().with_end_offset(5).with_epoch(1));
                }
                p.unknown_tagged_fields = unknown();
                p
            };
            let t = |n| {
                FetchableTopicResponse::default().with_topic(topic(n)).with_partitions(vec![partition(0), partition(1)])
            };
            let mut r = FetchResponse::default()
                .with_throttle_time_ms(5)
                .with_error_code(0)
                .with_session_id(at(v, 7, 9, 0))
                .with_responses(vec![t("a"), t("b")]);
            r.unknown_tagged_fields = unknown();
            ResponseKind::Fetch(r)
        }
        ApiKey::ListOffsets => {
            let partition = |i| {
                ListOffsetsPartitionResponse::default()
                    .with_partition_index(i)
                    .with_timestamp(-1)
                    .with_offset(10)
                    .with_leader_epoch(at(v, 4, 2, -1))
            };
            let t = |n| {
                ListOffsetsTopicResponse::default()
                    .with_name(topic(n))
                    .with_partitions(vec![partition(0), partition(1)])
            };
            let mut r =
                ListOffsetsResponse::default().with_throttle_time_ms(at(v, 2, 5, 0)).with_topics(vec![t("a"), t("b")]);
            r.unknown_tagged_fields = unknown();
            ResponseKind::ListOffsets(r)
        }
        ApiKey::CreateTopics => {
            let config = |n| {
                CreatableTopicConfigs::default()
                    .with_name(s(n))
                    .with_value(Some(s("1")))
                    .with_read_only(true)
                    .with_config_source(5)
                    .with_is_sensitive(true)
            };
            let t = |n| {
                let mut t = CreatableTopicResult::default()
                    .with_name(topic(n))
                    .with_topic_id(topic_id(v, 7))
                    .with_error_code(0)
                    .with_error_message(Some(s("ok")));
                if v >= 5 {
                    t = t
                        .with_num_partitions(3)
                        .with_replication_factor(1)
                        .with_configs(Some(vec![config("retention.ms"), config("segment.ms")]))
                        .with_topic_config_error_code(29);
                }
                t
            };
            let mut r = CreateTopicsResponse::default().with_throttle_time_ms(5).with_topics(vec![t("a"), t("b")]);
            r.unknown_tagged_fields = unknown();
            ResponseKind::CreateTopics(r)
        }
        ApiKey::DeleteTopics => {
            let t = |n| {
                DeletableTopicResult::default()
                    .with_name(Some(topic(n)))
                    .with_topic_id(topic_id(v, 6))
                    .with_error_code(3)
                    .with_error_message(at(v, 5, Some(s("gone")), None))
            };
            let mut r = DeleteTopicsResponse::default().with_throttle_time_ms(5).with_responses(vec![t("a"), t("b")]);
            r.unknown_tagged_fields = unknown();
            ResponseKind::DeleteTopics(r)
        }
        ApiKey::DescribeConfigs => {
            let synonym = |n| DescribeConfigsSynonym::default().with_name(s(n)).with_value(Some(s("1"))).with_source(4);
            let entry = |n| {
                DescribeConfigsResourceResult::default()
                    .with_name(s(n))
                    .with_value(Some(s("1")))
                    .with_read_only(true)
                    .with_config_source(5)
                    .with_is_sensitive(false)
                    .with_synonyms(vec![synonym("a"), synonym("b")])
                    .with_config_type(at(v, 3, 5, 0))
                    .with_documentation(at(v, 3, Some(s("doc")), None))
            };
            let result = |n| {
                DescribeConfigsResult::default()
                    .with_error_code(0)
                    .with_error_message(Some(s("ok")))
                    .with_resource_type(2)
                    .with_resource_name(s(n))
                    .with_configs(vec![entry("retention.ms"), entry("segment.ms")])
            };
            let mut r = DescribeConfigsResponse::default()
                .with_throttle_time_ms(5)
                .with_results(vec![result("a"), result("b")]);
            r.unknown_tagged_fields = unknown();
            ResponseKind::DescribeConfigs(r)
        }
        ApiKey::DescribeCluster => {
            let broker = |i| {
                DescribeClusterBroker::default()
                    .with_broker_id(BrokerId(i))
                    .with_host(s("localhost"))
                    .with_port(9092)
                    .with_rack(Some(s("r")))
            };
            let mut r = DescribeClusterResponse::default()
                .with_throttle_time_ms(5)
                .with_error_message(Some(s("ok")))
                .with_endpoint_type(at(v, 1, 2, 1))
                .with_cluster_id(s("cluster"))
                .with_controller_id(BrokerId(1))
                .with_brokers(vec![broker(1), broker(2)])
                .with_cluster_authorized_operations(0);
            r.unknown_tagged_fields = unknown();
            ResponseKind::DescribeCluster(r)
        }
        ApiKey::CreatePartitions => {
            let t = |n| {
                CreatePartitionsTopicResult::default()
                    .with_name(topic(n))
                    .with_error_code(37)
                    .with_error_message(Some(s("no")))
            };
            let mut r = CreatePartitionsResponse::default().with_throttle_time_ms(5).with_results(vec![t("a"), t("b")]);
            r.unknown_tagged_fields = unknown();
            ResponseKind::CreatePartitions(r)
        }
        ApiKey::DeleteRecords => {
            let partition = |i| DeleteRecordsPartitionResult::default().with_partition_index(i).with_low_watermark(4);
            let t = |n| {
                DeleteRecordsTopicResult::default()
                    .with_name(topic(n))
                    .with_partitions(vec![partition(0), partition(1)])
            };
            let mut r = DeleteRecordsResponse::default().with_throttle_time_ms(5).with_topics(vec![t("a"), t("b")]);
            r.unknown_tagged_fields = unknown();
            ResponseKind::DeleteRecords(r)
        }
        ApiKey::InitProducerId => {
            let mut r = InitProducerIdResponse::default()
                .with_throttle_time_ms(5)
                .with_error_code(0)
                .with_producer_id(ProducerId(42))
                .with_producer_epoch(3);
            r.unknown_tagged_fields = unknown();
            ResponseKind::InitProducerId(r)
        }
        ApiKey::FindCoordinator => {
            let mut r = FindCoordinatorResponse::default().with_throttle_time_ms(at(v, 1, 5, 0));
            if v >= 4 {
                let c = |k| {
                    let mut c = Coordinator::default()
                        .with_key(s(k))
                        .with_node_id(BrokerId(2))
                        .with_host(s("127.0.0.1"))
                        .with_port(9093)
                        .with_error_message(Some(s("fine")));
                    c.unknown_tagged_fields = unknown();
                    c
                };
                r = r.with_coordinators(vec![c("g1"), c("g2")]);
            } else {
                r = r
                    .with_error_code(0)
                    .with_error_message(at(v, 1, Some(s("fine")), None))
                    .with_node_id(BrokerId(2))
                    .with_host(s("127.0.0.1"))
                    .with_port(9093);
            }
            if v >= 3 {
                r.unknown_tagged_fields = unknown();
            }
            ResponseKind::FindCoordinator(r)
        }
        ApiKey::ListGroups => {
            let g = |n| {
                let mut g = ListedGroup::default()
                    .with_group_id(GroupId(s(n)))
                    .with_protocol_type(s("consumer"))
                    .with_group_state(at(v, 4, s("Stable"), s("")))
                    .with_group_type(at(v, 5, s("classic"), s("")));
                g.unknown_tagged_fields = unknown();
                g
            };
            let mut r = ListGroupsResponse::default()
                .with_throttle_time_ms(at(v, 1, 5, 0))
                .with_error_code(0)
                .with_groups(vec![g("g1"), g("g2")]);
            r.unknown_tagged_fields = unknown();
            ResponseKind::ListGroups(r)
        }
        ApiKey::DescribeGroups => {
            let member = |m| {
                let mut x = DescribedGroupMember::default()
                    .with_member_id(s(m))
                    .with_group_instance_id(at(v, 4, Some(s("static")), None))
                    .with_client_id(s("client"))
                    .with_client_host(s("/127.0.0.1"))
                    .with_member_metadata(Bytes::from_static(b"meta"))
                    .with_member_assignment(Bytes::from_static(b"assignment"));
                x.unknown_tagged_fields = unknown();
                x
            };
            let g = |n| {
                let mut g = DescribedGroup::default()
                    .with_error_code(0)
                    .with_error_message(at(v, 6, Some(s("fine")), None))
                    .with_group_id(GroupId(s(n)))
                    .with_group_state(s("Stable"))
                    .with_protocol_type(s("consumer"))
                    .with_protocol_data(s("range"))
                    .with_members(vec![member("m1"), member("m2")])
                    .with_authorized_operations(at(v, 3, 0, i32::MIN));
                g.unknown_tagged_fields = unknown();
                g
            };
            let mut r = DescribeGroupsResponse::default()
                .with_throttle_time_ms(at(v, 1, 5, 0))
                .with_groups(vec![g("g1"), g("g2")]);
            r.unknown_tagged_fields = unknown();
            ResponseKind::DescribeGroups(r)
        }
        ApiKey::DeleteGroups => {
            let g = |n| {
                let mut g = DeletableGroupResult::default().with_group_id(GroupId(s(n))).with_error_code(68);
                g.unknown_tagged_fields = unknown();
                g
            };
            let mut r = DeleteGroupsResponse::default().with_throttle_time_ms(5).with_results(vec![g("g1"), g("g2")]);
            r.unknown_tagged_fields = unknown();
            ResponseKind::DeleteGroups(r)
        }
        ApiKey::OffsetDelete => {
            let p = |i| OffsetDeleteResponsePartition::default().with_partition_index(i).with_error_code(0);
            let t = |n| OffsetDeleteResponseTopic::default().with_name(topic(n)).with_partitions(vec![p(0), p(1)]);
            ResponseKind::OffsetDelete(
                OffsetDeleteResponse::default()
                    .with_error_code(0)
                    .with_throttle_time_ms(5)
                    .with_topics(vec![t("a"), t("b")]),
            )
        }
        ApiKey::OffsetFetch => {
            let mut r = OffsetFetchResponse::default().with_throttle_time_ms(at(v, 3, 5, 0));
            if v >= 8 {
                let p = |i| {
                    let mut p = OffsetFetchResponsePartitions::default()
                        .with_partition_index(i)
                        .with_committed_offset(10)
                        .with_committed_leader_epoch(2)
                        .with_metadata(Some(s("meta")))
                        .with_error_code(0);
                    p.unknown_tagged_fields = unknown();
                    p
                };
                let t = |n| {
                    let mut t =
                        OffsetFetchResponseTopics::default().with_name(topic(n)).with_partitions(vec![p(0), p(1)]);
                    t.unknown_tagged_fields = unknown();
                    t
                };
                let g = |n| {
                    let mut g = OffsetFetchResponseGroup::default()
                        .with_group_id(GroupId(s(n)))
                        .with_topics(vec![t("a"), t("b")])
                        .with_error_code(0);
                    g.unknown_tagged_fields = unknown();
                    g
                };
                r = r.with_groups(vec![g("g1"), g("g2")]);
            } else {
                let p = |i| {
                    let mut p = OffsetFetchResponsePartition::default()
                        .with_partition_index(i)
                        .with_committed_offset(10)
                        .with_committed_leader_epoch(at(v, 5, 2, -1))
                        .with_metadata(Some(s("meta")))
                        .with_error_code(0);
                    p.unknown_tagged_fields = unknown();
                    p
                };
                let t = |n| {
                    let mut t =
                        OffsetFetchResponseTopic::default().with_name(topic(n)).with_partitions(vec![p(0), p(1)]);
                    t.unknown_tagged_fields = unknown();
                    t
                };
                r = r.with_topics(vec![t("a"), t("b")]).with_error_code(at(v, 2, 0, 0));
            }
            r.unknown_tagged_fields = unknown();
            ResponseKind::OffsetFetch(r)
        }
        ApiKey::OffsetCommit => {
            let p = |i| {
                let mut p = OffsetCommitResponsePartition::default().with_partition_index(i).with_error_code(0);
                p.unknown_tagged_fields = unknown();
                p
            };
            let t = |n| {
                let mut t = OffsetCommitResponseTopic::default().with_name(topic(n)).with_partitions(vec![p(0), p(1)]);
                t.unknown_tagged_fields = unknown();
                t
            };
            let mut r =
                OffsetCommitResponse::default().with_throttle_time_ms(at(v, 3, 5, 0)).with_topics(vec![t("a"), t("b")]);
            r.unknown_tagged_fields = unknown();
            ResponseKind::OffsetCommit(r)
        }
        ApiKey::JoinGroup => {
            let m = |id| {
                let mut m = JoinGroupResponseMember::default()
                    .with_member_id(s(id))
                    .with_group_instance_id(at(v, 5, Some(s("inst")), None))
                    .with_metadata(Bytes::from_static(b"subscription"));
                m.unknown_tagged_fields = unknown();
                m
            };
            let mut r = JoinGroupResponse::default()
                .with_throttle_time_ms(5)
                .with_generation_id(3)
                .with_protocol_type(at(v, 7, Some(s("consumer")), None))
                .with_protocol_name(Some(s("range")))
                .with_leader(s("m1"))
                .with_member_id(s("m1"))
                .with_members(vec![m("m1"), m("m2")]);
            r.unknown_tagged_fields = unknown();
            ResponseKind::JoinGroup(r)
        }
        ApiKey::SyncGroup => {
            let mut r = SyncGroupResponse::default()
                .with_throttle_time_ms(at(v, 1, 5, 0))
                .with_protocol_type(at(v, 5, Some(s("consumer")), None))
                .with_protocol_name(at(v, 5, Some(s("range")), None))
                .with_assignment(Bytes::from_static(b"assignment"));
            r.unknown_tagged_fields = unknown();
            ResponseKind::SyncGroup(r)
        }
        ApiKey::Heartbeat => {
            let mut r = HeartbeatResponse::default().with_throttle_time_ms(at(v, 1, 5, 0)).with_error_code(27);
            r.unknown_tagged_fields = unknown();
            ResponseKind::Heartbeat(r)
        }
        ApiKey::LeaveGroup => {
            let m = |id| {
                let mut m = MemberResponse::default().with_member_id(s(id)).with_group_instance_id(Some(s("i")));
                m.unknown_tagged_fields = unknown();
                m
            };
            let mut r = LeaveGroupResponse::default().with_throttle_time_ms(at(v, 1, 5, 0));
            if v >= 3 {
                r = r.with_members(vec![m("m1"), m("m2")]);
            }
            r.unknown_tagged_fields = unknown();
            ResponseKind::LeaveGroup(r)
        }
        ApiKey::AddPartitionsToTxn => {
            let part = |i| {
                let mut p =
                    AddPartitionsToTxnPartitionResult::default().with_partition_index(i).with_partition_error_code(0);
                p.unknown_tagged_fields = unknown();
                p
            };
            let t = |n| {
                let mut t = AddPartitionsToTxnTopicResult::default()
                    .with_name(topic(n))
                    .with_results_by_partition(vec![part(0), part(1)]);
                t.unknown_tagged_fields = unknown();
                t
            };
            let mut r = AddPartitionsToTxnResponse::default()
                .with_throttle_time_ms(5)
                .with_results_by_topic_v3_and_below(vec![t("a"), t("b")]);
            r.unknown_tagged_fields = unknown();
            ResponseKind::AddPartitionsToTxn(r)
        }
        ApiKey::AddOffsetsToTxn => {
            let mut r = AddOffsetsToTxnResponse::default().with_throttle_time_ms(5).with_error_code(51);
            r.unknown_tagged_fields = unknown();
            ResponseKind::AddOffsetsToTxn(r)
        }
        ApiKey::EndTxn => {
            let mut r = EndTxnResponse::default().with_throttle_time_ms(5).with_error_code(90);
            r.unknown_tagged_fields = unknown();
            ResponseKind::EndTxn(r)
        }
        ApiKey::TxnOffsetCommit => {
            let part = |i| {
                let mut p = TxnOffsetCommitResponsePartition::default().with_partition_index(i).with_error_code(22);
                p.unknown_tagged_fields = unknown();
                p
            };
            let t = |n| {
                let mut t =
                    TxnOffsetCommitResponseTopic::default().with_name(topic(n)).with_partitions(vec![part(0), part(1)]);
                t.unknown_tagged_fields = unknown();
                t
            };
            let mut r = TxnOffsetCommitResponse::default().with_throttle_time_ms(5).with_topics(vec![t("a"), t("b")]);
            r.unknown_tagged_fields = unknown();
            ResponseKind::TxnOffsetCommit(r)
        }
        other => panic!("no populated response for {other:?}"),
    }
}

fn encode(body: &ResponseKind, v: i16) -> Vec<u8> {
    let mut buf = BytesMut::new();
    body.encode(&mut buf, v).unwrap_or_else(|e| panic!("v{v}: {e}"));
    buf.to_vec()
}

/// Every guarded `(key, version)` and its populated body.
pub(in crate::net) fn all_response_bodies() -> Vec<(ApiKey, i16, Vec<u8>)> {
    let mut out = Vec::new();
    for r in RESPONSES {
        for v in r.lo..=r.hi {
            out.push((r.api.key, v, encode(&populated_response(r.api.key, v), v)));
        }
    }
    out
}

#[test]
fn every_version_our_clients_speak_has_a_response_schema() {
    for &(key, lo, hi) in crate::client::versions::RANGES {
        let (glo, ghi) = response_range(key).unwrap_or_else(|| panic!("{key:?}"));
        assert!(glo <= lo && hi <= ghi, "{key:?}: ours v{lo}-v{hi}, guarded v{glo}-v{ghi}");
    }
    assert!(check_response(ApiKey::Metadata, 13, &[]).is_err());
    assert!(check_response(ApiKey::JoinGroup, 0, &[]).is_err());
}

#[test]
fn response_schemas_walk_exactly_what_the_encoder_writes() {
    let mut tagged = 0;
    for (key, v, body) in all_response_bodies() {
        assert_eq!(check_response(key, v, &body), Ok(body.len()), "{key:?} v{v}");
        let decoded = ResponseKind::decode(key, &mut Bytes::from(body.clone()), v)
            .unwrap_or_else(|e| panic!("{key:?} v{v}: {e}"));
        assert_eq!(encode(&decoded, v), body, "{key:?} v{v}");
        // Every response has an array to guard, except the flat ones (InitProducerId, FindCoordinator before v4).
        let flat = matches!(
            key,
            ApiKey::InitProducerId | ApiKey::AddOffsetsToTxn | ApiKey::EndTxn | ApiKey::Heartbeat | ApiKey::SyncGroup
        ) || (key == ApiKey::FindCoordinator && v < 4)
            || (key == ApiKey::LeaveGroup && v < 3);
        assert_eq!(count_offsets(key, v, &body).is_empty(), flat, "{key:?} v{v}");
        tagged += usize::from(is_compact(key, v));
    }
    assert!(tagged > 15, "{tagged}");
}

/// The known tagged fields were really written (so their schemas were walked, not skipped).
#[test]
fn known_tagged_fields_are_walked_in_place() {
    let fetch = encode(&populated_response(ApiKey::Fetch, 12), 12);
    let plain = {
        let ResponseKind::Fetch(mut r) = populated_response(ApiKey::Fetch, 12) else { unreachable!() };
        for t in &mut r.responses {
            for p in &mut t.partitions {
                p.diverging_epoch = Default::default();
                p.current_leader = Default::default();
                p.snapshot_id = Default::default();
            }
        }
        encode(&ResponseKind::Fetch(r), 12)
    };
    assert!(fetch.len() > plain.len());
    // Produce v9 has no current_leader yet: tag 0 there is refused, as the decoder refuses it.
    let produce = encode(&populated_response(ApiKey::Produce, 9), 9);
    let tag_at = produce.len() - 6; // the root's tags: [count=1, 99, 3, x, y, z]
    assert_eq!(&produce[tag_at..tag_at + 2], &[1, 99]);
    let mut bad = produce.clone();
    bad[tag_at + 1] = 0;
    assert!(check_response(ApiKey::Produce, 9, &bad).is_err());
    assert!(ResponseKind::decode(ApiKey::Produce, &mut Bytes::from(bad), 9).is_err());
}

fn hostile(body: &[u8], at: usize, len: usize, compact: bool) -> Vec<u8> {
    let max: &[u8] = if compact { &[0xff, 0xff, 0xff, 0xff, 0x0f] } else { &[0x7f, 0xff, 0xff, 0xff] };
    [&body[..at], max, &body[at + len..]].concat()
}

#[test]
fn every_response_array_count_at_every_level_is_bounded() {
    let mut tried = (0, 0);
    for (key, v, body) in all_response_bodies() {
        let compact = is_compact(key, v);
        for (at, len) in count_offsets(key, v, &body) {
            let bad = hostile(&body, at, len, compact);
            let err = check_response(key, v, &bad).expect_err("refused");
            assert_eq!(err.offset, at, "{key:?} v{v}: {err}");
            assert!(err.problem.contains("array count"), "{err}");
            if compact {
                tried.0 += 1;
            } else {
                tried.1 += 1;
            }
        }
    }
    assert!(tried.0 > 40 && tried.1 > 40, "{tried:?}");
}

/// Every single-byte mutation of every valid body: whatever the guard accepts, the crate decodes
/// without aborting (an abort fails the whole test binary).
#[test]
fn response_mutations_the_guard_accepts_decode_safely() {
    let mut accepted = 0;
    for (key, v, body) in all_response_bodies() {
        for i in 0..body.len() {
            for byte in [0x00, 0x01, 0x7f, 0x80, 0xff] {
                let mut m = body.clone();
                m[i] = byte;
                if check_response(key, v, &m).is_ok() {
                    accepted += 1;
                    let _ = ResponseKind::decode(key, &mut Bytes::from(m), v);
                }
            }
        }
    }
    assert!(accepted > 1000, "{accepted}");
}

/// Metadata v12 response: throttle time, then 2^31-1 brokers (unsigned varint of count + 1).
const HOSTILE_METADATA_RESPONSE_V12: [u8; 9] = [0, 0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x08];

/// The response hazard is real: these bytes decoded without the guard abort the process (in a
/// child process), so a client without the guard dies of a hostile broker. Skipped where the kernel
/// overcommits every allocation (`vm.overcommit_memory=1`).
#[test]
fn unguarded_decode_of_a_hostile_response_aborts() {
    let err = check_response(ApiKey::Metadata, 12, &HOSTILE_METADATA_RESPONSE_V12).expect_err("refused");
    assert_eq!(err.problem, "array count 2147483647 exceeds the 0 bytes left");
    let overcommit = std::fs::read_to_string("/proc/sys/vm/overcommit_memory").unwrap_or_default();
    if overcommit.trim() != "0" && overcommit.trim() != "2" {
        eprintln!("vm.overcommit_memory is {overcommit:?}: skipping the unguarded decode");
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "net::guard::response::tests::unguarded_response_decode_child", "--ignored", "--nocapture"])
        .env("KAFKETTE_UNGUARDED_DECODE", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the unguarded decode survived: {stderr}");
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(out.status.signal(), Some(6), "expected SIGABRT: {stderr}");
    }
    assert!(stderr.contains("memory allocation"), "{stderr}");
}

#[test]
#[ignore = "aborts the process on purpose; run in a child by unguarded_decode_of_a_hostile_response_aborts"]
fn unguarded_response_decode_child() {
    if std::env::var_os("KAFKETTE_UNGUARDED_DECODE").is_some() {
        let mut body = Bytes::from_static(&HOSTILE_METADATA_RESPONSE_V12);
        let _ = ResponseKind::decode(ApiKey::Metadata, &mut body, 12);
    }
}

/// The response seeds of `make fuzz` (fuzz target `response_decode`): byte 0 the API key, byte 1
/// the version, then the frame without its size prefix. Populated responses of every guarded
/// version, and a broker's answers to the requests kcat sent (tests/corpus/requests).
fn response_seeds() -> Vec<(String, Vec<u8>)> {
    use crate::broker::{Broker, BrokerConfig, TopicConfig};
    use crate::net::codec;
    use crate::protocol::Response;

    let seed = |r: &Response| {
        let frame = codec::encode_response(r).expect("encodes");
        [&[r.api_key as i16 as u8, r.api_version as u8][..], &frame[4..]].concat()
    };
    let mut out = Vec::new();
    for r in RESPONSES {
        for v in r.lo..=r.hi {
            let body = populated_response(r.api.key, v);
            let resp = Response { conn: 1, correlation_id: 7, api_key: r.api.key, api_version: v, body };
            out.push((format!("populated-key{}-v{v}.bin", r.api.key as i16), seed(&resp)));
        }
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/requests");
    let mut requests: Vec<_> = std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
    // In the order kcat sent them: the sequence number ends the name.
    requests
        .sort_by_key(|p| p.file_stem().and_then(|s| s.to_str()).and_then(|s| s.rsplit('-').next()).map(String::from));
    const T0: i64 = 1_700_000_000_000;
    let mut broker = Broker::new(BrokerConfig::default(), T0);
    broker.create_topic("seeds", 2, TopicConfig::defaults(broker.config()));
    for path in requests {
        let request = codec::decode_request(Bytes::from(std::fs::read(&path).unwrap())).expect("a valid request");
        broker.handle_request(1, request, T0);
        broker.handle_timeout(T0 + 3_600_000);
        while let Some(r) = broker.poll_response() {
            let name = path.file_name().unwrap().to_string_lossy().replace("kcat-", "kcat-answer-");
            out.push((name, seed(&r)));
        }
    }
    out
}

fn responses_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/responses")
}

/// `make fuzz-corpus` re-records the response seeds after the kcat requests.
#[test]
#[ignore = "writes tests/corpus/responses; run by make fuzz-corpus"]
fn record_response_seeds() {
    let dir = responses_dir();
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in response_seeds() {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

/// The committed seeds are responses our client reads: each decodes through the guard.
#[test]
fn response_seeds_decode() {
    let mut files: Vec<_> =
        std::fs::read_dir(responses_dir()).into_iter().flatten().flatten().map(|e| e.path()).collect();
    files.sort();
    assert!(files.len() > 50, "tests/corpus/responses holds {} seeds", files.len());
    assert!(files.iter().any(|f| f.to_string_lossy().contains("kcat-answer-")));
    for f in files {
        let seed = std::fs::read(&f).unwrap();
        let key = ApiKey::try_from(i16::from(seed[0])).unwrap();
        let v = i16::from(seed[1]);
        crate::net::codec::decode_response(key, v, Bytes::copy_from_slice(&seed[2..]))
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
    }
}
