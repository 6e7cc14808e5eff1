//! DescribeConfigs, DescribeCluster, CreatePartitions and DeleteRecords driven by hand.

use kafka_protocol::messages::create_partitions_response::CreatePartitionsTopicResult;
use kafka_protocol::messages::delete_records_response::{DeleteRecordsPartitionResult, DeleteRecordsTopicResult};
use kafka_protocol::messages::describe_cluster_response::DescribeClusterBroker;
use kafka_protocol::messages::describe_configs_response::{DescribeConfigsResourceResult, DescribeConfigsResult};
use kafka_protocol::messages::{
    CreatePartitionsResponse, DeleteRecordsResponse, DescribeClusterResponse, DescribeConfigsResponse,
};

use super::*;

fn deleted(parts: &[(&str, i32, i16, i64)]) -> ResponseKind {
    let topics = parts
        .iter()
        .map(|(t, p, code, low)| {
            DeleteRecordsTopicResult::default().with_name(name(t)).with_partitions(vec![
                DeleteRecordsPartitionResult::default()
                    .with_partition_index(*p)
                    .with_error_code(*code)
                    .with_low_watermark(*low),
            ])
        })
        .collect();
    ResponseKind::DeleteRecords(DeleteRecordsResponse::default().with_topics(topics))
}

#[test]
fn delete_records_routes_to_leaders_and_retries_not_leader() {
    let mut h = Harness::new(&[]);
    let tp = |p| TopicPartition::new("t", p);
    let id = h.a.delete_records(vec![(tp(0), 5), (tp(1), -1), (tp(9), 0)], h.now);
    assert!(h.transmit().is_none(), "waits for fresh metadata");
    h.advance(100);
    let m = h.transmit().expect("metadata");
    h.respond(&m, metadata(&[("t", &[1, 2], 0)]));
    let t1 = h.transmit().unwrap();
    let t2 = h.transmit().unwrap();
    assert_eq!((t1.broker, t2.broker, t1.api_version), (1, 2, 2));
    let RequestKind::DeleteRecords(r1) = &t1.body else { panic!("{:?}", t1.body) };
    assert_eq!((r1.topics[0].partitions[0].partition_index, r1.topics[0].partitions[0].offset), (0, 5));
    h.respond(&t1, deleted(&[("t", 0, 0, 5)]));
    // Partition 1: NOT_LEADER_OR_FOLLOWER, then metadata, then its new leader.
    h.respond(&t2, deleted(&[("t", 1, 6, -1)]));
    assert!(h.completed().is_empty());
    h.advance(100);
    let m = h.transmit().expect("metadata first");
    assert!(matches!(m.body, RequestKind::Metadata(_)));
    h.respond(&m, metadata(&[("t", &[1, 1], 0)]));
    let t = h.transmit().unwrap();
    assert_eq!(t.broker, 1);
    h.respond(&t, deleted(&[("t", 1, 0, 42)]));
    let events = h.completed();
    assert_eq!(events[0].0, id);
    let Ok(AdminResult::DeleteRecords(results)) = &events[0].1 else { panic!("{events:?}") };
    assert_eq!(results[0], (tp(0), Ok(5)));
    assert_eq!(results[1], (tp(1), Ok(42)));
    assert_eq!(results[2].1.as_ref().unwrap_err().code(), ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
}

#[test]
fn delete_records_offset_out_of_range_is_final() {
    let mut h = Harness::new(&[]);
    h.a.delete_records(vec![(TopicPartition::new("t", 0), 99)], h.now);
    h.advance(100);
    let m = h.transmit().unwrap();
    h.respond(&m, metadata(&[("t", &[2], 0)]));
    let t = h.transmit().unwrap();
    h.respond(&t, deleted(&[("t", 0, 1, -1)]));
    let events = h.completed();
    let Ok(AdminResult::DeleteRecords(results)) = &events[0].1 else { panic!("{events:?}") };
    assert_eq!(results[0].1.as_ref().unwrap_err().code(), ErrorCode::OFFSET_OUT_OF_RANGE);
}

#[test]
fn create_partitions_sends_null_assignments_and_retries_not_controller() {
    let mut h = Harness::new(&[("retry.backoff.ms", "50")]);
    let id = h.a.create_partitions(vec![("a".into(), 6), ("b".into(), 2)], true, h.now);
    let t = h.transmit().unwrap();
    assert_eq!(t.api_version, 3);
    let RequestKind::CreatePartitions(req) = &t.body else { panic!("{:?}", t.body) };
    assert!(req.validate_only);
    let a = req.topics.iter().find(|x| x.name.0.as_str() == "a").unwrap();
    assert_eq!((a.count, a.assignments.is_none()), (6, true));
    let result = |n: &str, code: i16, msg: Option<&str>| {
        CreatePartitionsTopicResult::default()
            .with_name(name(n))
            .with_error_code(code)
            .with_error_message(msg.map(|m| StrBytes::from_string(m.to_string())))
    };
    let resp = CreatePartitionsResponse::default()
        .with_results(vec![result("a", 37, Some("Topic already has 6 partition(s).")), result("b", 41, None)]);
    h.respond(&t, ResponseKind::CreatePartitions(resp));
    assert!(h.completed().is_empty());
    h.advance(50);
    let t = h.transmit().unwrap();
    let RequestKind::CreatePartitions(req) = &t.body else { panic!() };
    assert_eq!(req.topics.len(), 1);
    h.respond(
        &t,
        ResponseKind::CreatePartitions(CreatePartitionsResponse::default().with_results(vec![result("b", 0, None)])),
    );
    let events = h.completed();
    assert_eq!(events[0].0, id);
    let Ok(AdminResult::CreatePartitions(results)) = &events[0].1 else { panic!("{events:?}") };
    let e = results[0].1.as_ref().unwrap_err();
    assert_eq!(e.code(), ErrorCode::INVALID_PARTITIONS);
    assert!(e.message().contains("already has 6"), "{e}");
    assert_eq!(results[1], ("b".to_string(), Ok(())));
}

#[test]
fn describe_configs_sends_broker_resources_to_that_broker() {
    let mut h = Harness::new(&[]);
    let id = h.a.describe_configs(
        vec![
            ConfigResource::topic("t"),
            ConfigResource::broker(2),
            ConfigResource::broker(7),
            ConfigResource { kind: ResourceType::Broker, name: "x".into() },
        ],
        true,
        h.now,
    );
    // The topic goes at once to any broker.
    let t = h.transmit().unwrap();
    let RequestKind::DescribeConfigs(req) = &t.body else { panic!("{:?}", t.body) };
    assert_eq!((t.broker, t.api_version, req.resources.len()), (1, 4, 1));
    assert!(req.include_synonyms);
    let entry = DescribeConfigsResourceResult::default()
        .with_name(StrBytes::from_static_str("retention.ms"))
        .with_value(Some(StrBytes::from_static_str("10")))
        .with_config_source(1);
    let topic = DescribeConfigsResult::default()
        .with_resource_type(2)
        .with_resource_name(StrBytes::from_static_str("t"))
        .with_configs(vec![entry]);
    h.respond(&t, ResponseKind::DescribeConfigs(DescribeConfigsResponse::default().with_results(vec![topic])));
    // Broker resources wait for fresh metadata: 2 goes to broker 2, 7 is unknown.
    h.advance(100);
    let m = h.transmit().expect("metadata");
    h.respond(&m, metadata(&[]));
    let t = h.transmit().unwrap();
    assert_eq!(t.broker, 2);
    let broker = DescribeConfigsResult::default()
        .with_resource_type(4)
        .with_resource_name(StrBytes::from_static_str("2"))
        .with_error_code(42)
        .with_error_message(Some(StrBytes::from_static_str("nope")));
    h.respond(&t, ResponseKind::DescribeConfigs(DescribeConfigsResponse::default().with_results(vec![broker])));
    let events = h.completed();
    assert_eq!(events[0].0, id);
    let Ok(AdminResult::DescribeConfigs(results)) = &events[0].1 else { panic!("{events:?}") };
    let entries = results[0].1.as_ref().unwrap();
    assert_eq!((entries[0].value.as_deref(), entries[0].source), (Some("10"), ConfigSource::DynamicTopic));
    let codes: Vec<ErrorCode> = results[1..].iter().map(|(_, r)| r.as_ref().unwrap_err().code()).collect();
    assert_eq!(codes, [ErrorCode::INVALID_REQUEST; 3]);
    assert!(results[1].1.as_ref().unwrap_err().message().contains("nope"));
}

#[test]
fn describe_cluster_reads_nodes_and_retries_a_disconnect() {
    let mut h = Harness::new(&[]);
    let id = h.a.describe_cluster(false, h.now);
    let t = h.transmit().unwrap();
    assert!(matches!(t.body, RequestKind::DescribeCluster(_)));
    h.a.handle_disconnect(t.broker, h.now);
    assert!(h.completed().is_empty());
    h.advance(100);
    let t = h.transmit().into_iter().find(|t| matches!(t.body, RequestKind::DescribeCluster(_)));
    let t = t.expect("sent again");
    let b = |i: i32| {
        DescribeClusterBroker::default()
            .with_broker_id(WireBrokerId(i))
            .with_host(StrBytes::from_static_str("h"))
            .with_port(9000 + i)
    };
    let resp = DescribeClusterResponse::default()
        .with_cluster_id(StrBytes::from_static_str("c"))
        .with_controller_id(WireBrokerId(1))
        .with_brokers(vec![b(1), b(2)]);
    h.respond(&t, ResponseKind::DescribeCluster(resp));
    let events = h.completed();
    assert_eq!(events[0].0, id);
    let Ok(AdminResult::DescribeCluster(d)) = &events[0].1 else { panic!("{events:?}") };
    assert_eq!((d.cluster_id.as_str(), d.controller, d.nodes.len(), d.authorized_operations), ("c", Some(1), 2, None));
    assert_eq!(d.nodes[1], ClusterNode { id: 2, host: "h".into(), port: 9002, rack: None });
}

#[test]
fn describe_configs_of_an_unknown_broker_alone_completes_at_once() {
    let mut h = Harness::new(&[]);
    let id = h.a.describe_configs(vec![ConfigResource::broker(9)], false, h.now);
    h.advance(100);
    let m = h.transmit().expect("metadata");
    h.respond(&m, metadata(&[]));
    assert!(h.transmit().is_none(), "nothing to send");
    let events = h.completed();
    assert_eq!(events.len(), 1, "completed without waiting for the deadline");
    assert_eq!(events[0].0, id);
    let Ok(AdminResult::DescribeConfigs(results)) = &events[0].1 else { panic!("{events:?}") };
    assert_eq!(results[0].1.as_ref().unwrap_err().code(), ErrorCode::INVALID_REQUEST);
}
