//! DeleteRecords, DescribeConfigs, CreatePartitions and DescribeCluster through the broker.

use kafka_protocol::messages::create_partitions_request::{CreatePartitionsAssignment, CreatePartitionsTopic};
use kafka_protocol::messages::delete_records_request::{DeleteRecordsPartition, DeleteRecordsTopic};
use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;

use super::*;

fn three_nodes() -> BrokerConfig {
    let nodes = (0..3).map(|i| (i, "127.0.0.1".to_string(), 9092 + i)).collect();
    BrokerConfig { nodes, ..BrokerConfig::default() }
}

fn delete_records_req(parts: &[(&str, i32, i64)]) -> RequestKind {
    let topics = parts
        .iter()
        .map(|&(t, p, o)| {
            DeleteRecordsTopic::default()
                .with_name(name(t))
                .with_partitions(vec![DeleteRecordsPartition::default().with_partition_index(p).with_offset(o)])
        })
        .collect();
    RequestKind::DeleteRecords(DeleteRecordsRequest::default().with_topics(topics).with_timeout_ms(1000))
}

impl H {
    /// (error, low watermark) of each partition, in request order.
    pub(super) fn delete_records(&mut self, version: i16, parts: &[(&str, i32, i64)]) -> Vec<(i16, i64)> {
        match self.call(version, delete_records_req(parts)) {
            ResponseKind::DeleteRecords(r) => {
                r.topics.iter().flat_map(|t| t.partitions.iter().map(|p| (p.error_code, p.low_watermark))).collect()
            }
            other => panic!("{other:?}"),
        }
    }

    fn create_partitions(
        &mut self,
        version: i16,
        topics: Vec<CreatePartitionsTopic>,
        validate: bool,
    ) -> Vec<(i16, String)> {
        let req = CreatePartitionsRequest::default().with_topics(topics).with_validate_only(validate);
        match self.call(version, RequestKind::CreatePartitions(req)) {
            ResponseKind::CreatePartitions(r) => r
                .results
                .iter()
                .map(|t| (t.error_code, t.error_message.as_ref().map(|m| m.to_string()).unwrap_or_default()))
                .collect(),
            other => panic!("{other:?}"),
        }
    }

    fn describe_configs(
        &mut self,
        version: i16,
        resources: Vec<DescribeConfigsResource>,
        synonyms: bool,
    ) -> DescribeConfigsResponse {
        let req = DescribeConfigsRequest::default().with_resources(resources).with_include_synonyms(synonyms);
        match self.call(version, RequestKind::DescribeConfigs(req)) {
            ResponseKind::DescribeConfigs(r) => r,
            other => panic!("{other:?}"),
        }
    }
}

fn grow(topic: &str, count: i32) -> CreatePartitionsTopic {
    // No assignments is null on the wire (kafka-protocol's default is an empty list, which Kafka refuses).
    CreatePartitionsTopic::default().with_name(name(topic)).with_count(count).with_assignments(None)
}

fn resource(ty: i8, n: &str, keys: Option<&[&str]>) -> DescribeConfigsResource {
    DescribeConfigsResource::default()
        .with_resource_type(ty)
        .with_resource_name(StrBytes::from_string(n.to_string()))
        .with_configuration_keys(keys.map(|ks| ks.iter().map(|k| StrBytes::from_string(k.to_string())).collect()))
}

#[test]
fn delete_records_moves_the_log_start() {
    for version in 0..=2 {
        let mut h = H::new();
        h.create("t", 2, &[]);
        for _ in 0..3 {
            h.produce("t", 0, batch(2)); // offsets 0-1, 2-3, 4-5
        }
        // Mid-batch: the batch stays but the log starts at 3.
        assert_eq!(h.delete_records(version, &[("t", 0, 3)]), [(0, 3)], "v{version}");
        assert_eq!(h.list_offsets(7, "t", 0, -2), (0, 3, -1));
        let f = h.fetch(&[("t", 0, 2)], 1 << 20, 1 << 20);
        assert_eq!(part(&f, 0, 0).error_code, ErrorCode::OFFSET_OUT_OF_RANGE.0);
        let f = h.fetch(&[("t", 0, 3)], 1 << 20, 1 << 20);
        assert_eq!(part(&f, 0, 0).log_start_offset, 3);
        // Lower than the log start: nothing moves.
        assert_eq!(h.delete_records(version, &[("t", 0, 1)]), [(0, 3)]);
        // -1: the high watermark.
        assert_eq!(h.delete_records(version, &[("t", 0, -1)]), [(0, 6)]);
        assert_eq!(h.list_offsets(7, "t", 0, -2), (0, 6, -1));
        assert_eq!(h.list_offsets(7, "t", 0, -1), (0, 6, -1));
        // Errors.
        let errors = h.delete_records(version, &[("t", 0, 7), ("t", 0, -5), ("t", 9, 0), ("nope", 0, 0), ("t", -1, 0)]);
        assert_eq!(
            errors,
            [(1, -1), (1, -1), (3, -1), (3, -1), (3, -1)],
            "OFFSET_OUT_OF_RANGE, UNKNOWN_TOPIC_OR_PARTITION"
        );
        // The empty partition: 0 is the high watermark.
        assert_eq!(h.delete_records(version, &[("t", 1, -1), ("t", 1, 0)]), [(0, 0), (0, 0)]);
    }
}

#[test]
fn delete_records_answers_a_parked_fetch() {
    let mut h = H::new();
    h.create("t", 1, &[]);
    h.produce("t", 0, batch(2));
    h.send(2, 12, fetch_req(10_000, 1_000_000, 1 << 20, vec![("t", 0, 1, 1 << 20)]));
    assert!(h.drain().is_empty());
    h.send(1, 2, delete_records_req(&[("t", 0, 2)]));
    let rs = h.drain();
    assert_eq!(rs.len(), 2, "the delete, then the fetch it unparked");
    match &rs[1].body {
        ResponseKind::Fetch(f) => assert_eq!(part(f, 0, 0).error_code, ErrorCode::OFFSET_OUT_OF_RANGE.0),
        other => panic!("{other:?}"),
    }
}

#[test]
fn delete_records_on_a_follower_node() {
    let mut h = H::with(three_nodes());
    h.create("t", 3, &[]);
    let leader = h.broker.leader("t", 0);
    let other = (leader + 1) % 3;
    h.broker.set_connection_node(1, other);
    assert_eq!(h.delete_records(2, &[("t", 0, 0)]), [(ErrorCode::NOT_LEADER_OR_FOLLOWER.0, -1)]);
    h.broker.set_connection_node(1, leader);
    assert_eq!(h.delete_records(2, &[("t", 0, 0)]), [(0, 0)]);
}

#[test]
fn create_partitions_grows_topics() {
    for version in 0..=3 {
        let mut h = H::with(three_nodes());
        h.create("t", 2, &[]);
        h.broker.set_connection_node(1, h.broker.leader("t", 0));
        assert_eq!(h.produce("t", 0, batch(1)).0, 0);
        assert_eq!(h.create_partitions(version, vec![grow("t", 6)], true), [(0, String::new())]);
        assert_eq!(h.broker.topic("t").unwrap().num_partitions(), 2, "validate_only changes nothing");
        assert_eq!(h.create_partitions(version, vec![grow("t", 6)], false), [(0, String::new())]);
        let t = h.broker.topic("t").unwrap();
        assert_eq!(t.num_partitions(), 6);
        assert_eq!(t.partition(0).unwrap().log_end_offset(), 1, "existing data stays");
        let leaders: std::collections::BTreeSet<i32> = (0..6).map(|p| h.broker.leader("t", p)).collect();
        assert_eq!(leaders.len(), 3, "new leaders spread over the nodes");
        // The new partitions take data, on their leader.
        let leader = h.broker.leader("t", 5);
        h.broker.set_connection_node(1, leader);
        assert_eq!(h.produce("t", 5, batch(1)).0, 0);
        let same = h.create_partitions(version, vec![grow("t", 6), grow("nope", 4)], false);
        assert_eq!(same[0], (37, "Topic already has 6 partition(s).".to_string()));
        assert_eq!(same[1].0, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.0);
        let fewer = h.create_partitions(version, vec![grow("t", 3)], false);
        assert_eq!(fewer[0], (37, "The topic t currently has 6 partition(s); 3 would not be an increase.".to_string()));
        let dup = h.create_partitions(version, vec![grow("t", 8), grow("t", 9)], false);
        assert_eq!(dup, vec![(42, "Duplicate topic name.".to_string()); 2]);
        assert_eq!(h.broker.topic("t").unwrap().num_partitions(), 6);
        let over = h.create_partitions(version, vec![grow("t", 10_001)], false);
        assert_eq!(over[0].0, 37);
    }
}

#[test]
fn create_partitions_checks_assignments() {
    let mut h = H::with(three_nodes());
    h.create("t", 1, &[]);
    let assign = |ids: &[&[i32]]| {
        Some(
            ids.iter()
                .map(|b| {
                    CreatePartitionsAssignment::default().with_broker_ids(b.iter().map(|&i| BrokerId(i)).collect())
                })
                .collect(),
        )
    };
    let cases: &[(&[&[i32]], &str)] = &[
        (&[&[7], &[0]], "includes broker 7, but no such broker is registered"),
        (&[&[0, 1], &[1, 2]], "a partition with 2 replica(s)"),
        (&[&[0, 0], &[1]], "the broker 0 more than once"),
        (&[&[], &[1]], "an empty replica list"),
        (&[&[1]], "Attempted to add 2 additional partition(s), but only 1 assignment(s) were specified."),
    ];
    for (ids, message) in cases {
        let r = h.create_partitions(3, vec![grow("t", 3).with_assignments(assign(ids))], false);
        assert_eq!(r[0].0, 39, "{ids:?}");
        assert!(r[0].1.contains(message), "{ids:?}: {}", r[0].1);
    }
    assert_eq!(h.broker.topic("t").unwrap().num_partitions(), 1);
    let r = h.create_partitions(3, vec![grow("t", 3).with_assignments(assign(&[&[2], &[0]]))], false);
    assert_eq!(r, [(0, String::new())]);
    assert_eq!(h.broker.topic("t").unwrap().num_partitions(), 3);
}

#[test]
fn describe_configs_of_a_topic() {
    let config = BrokerConfig { log_retention_bytes: 5000, ..BrokerConfig::default() };
    for version in 1..=4 {
        let mut h = H::with(config.clone());
        h.create("t", 1, &[("retention.ms", "1234")]);
        let r = h.describe_configs(version, vec![resource(2, "t", None)], true);
        let res = &r.results[0];
        assert_eq!((res.error_code, res.resource_type, res.resource_name.as_str()), (0, 2, "t"));
        let get = |n: &str| res.configs.iter().find(|c| c.name.as_str() == n).unwrap_or_else(|| panic!("{n}"));
        let ms = get("retention.ms");
        assert_eq!(
            (ms.value.as_deref(), ms.config_source, ms.read_only, ms.is_sensitive),
            (Some("1234"), 1, false, false)
        );
        let syn: Vec<(&str, &str, i8)> =
            ms.synonyms.iter().map(|s| (s.name.as_str(), s.value.as_deref().unwrap(), s.source)).collect();
        assert_eq!(syn, [("retention.ms", "1234", 1), ("log.retention.ms", "604800000", 5)]);
        let bytes = get("retention.bytes");
        assert_eq!((bytes.value.as_deref(), bytes.config_source), (Some("5000"), 4), "static broker value");
        assert_eq!(bytes.synonyms.len(), 2);
        let seg = get("segment.bytes");
        assert_eq!((seg.config_source, seg.synonyms.len()), (5, 1));
        assert_eq!(seg.config_type, if version >= 3 { 3 } else { 0 });
        assert_eq!(ms.config_type, if version >= 3 { 5 } else { 0 });
        assert_eq!(res.configs.len(), 9);
    }
    // Filters, no synonyms, errors per resource.
    let mut h = H::new();
    h.create("t", 1, &[]);
    let r = h.describe_configs(
        4,
        vec![
            resource(2, "t", Some(&["retention.ms", "no.such.key"])),
            resource(2, "missing", None),
            resource(2, "bad name!", None),
            resource(3, "x", None),
        ],
        false,
    );
    let names: Vec<&str> = r.results[0].configs.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["retention.ms"]);
    assert!(r.results[0].configs[0].synonyms.is_empty());
    assert_eq!(r.results[0].configs[0].documentation, None);
    let codes: Vec<i16> = r.results.iter().map(|r| r.error_code).collect();
    assert_eq!(codes, [0, 3, 17, 42]);
    assert!(r.results[1..].iter().all(|r| r.configs.is_empty() && r.error_message.is_some()));
}

#[test]
fn describe_configs_of_a_broker() {
    let mut h = H::with(BrokerConfig { node_id: 0, num_partitions: 3, ..three_nodes() });
    h.broker.set_connection_node(1, 2);
    let r = h.describe_configs(
        4,
        vec![resource(4, "2", None), resource(4, "0", None), resource(4, "x", None), resource(4, "", None)],
        true,
    );
    let codes: Vec<i16> = r.results.iter().map(|r| r.error_code).collect();
    assert_eq!(codes, [0, 42, 42, 0]);
    assert!(r.results[1].error_message.as_deref().unwrap().contains("Unexpected broker id, expected 2"));
    let np = r.results[0].configs.iter().find(|c| c.name.as_str() == "num.partitions").unwrap();
    assert_eq!((np.value.as_deref(), np.config_source, np.read_only), (Some("3"), 4, true));
    let ar = r.results[0].configs.iter().find(|c| c.name.as_str() == "auto.create.topics.enable").unwrap();
    assert_eq!((ar.config_source, ar.config_type), (5, 1));
    assert!(r.results[3].configs.is_empty());
}

#[test]
fn describe_cluster_lists_every_node() {
    for version in 0..=2 {
        let mut h = H::with(BrokerConfig { cluster_id: "c-1".into(), ..three_nodes() });
        let req = DescribeClusterRequest::default();
        let r = match h.call(version, RequestKind::DescribeCluster(req)) {
            ResponseKind::DescribeCluster(r) => r,
            other => panic!("{other:?}"),
        };
        assert_eq!((r.error_code, r.cluster_id.as_str(), r.controller_id), (0, "c-1", BrokerId(0)));
        let nodes: Vec<(i32, &str, i32)> = r.brokers.iter().map(|b| (b.broker_id.0, b.host.as_str(), b.port)).collect();
        assert_eq!(nodes, [(0, "127.0.0.1", 9092), (1, "127.0.0.1", 9093), (2, "127.0.0.1", 9094)]);
        assert_eq!(r.cluster_authorized_operations, i32::MIN);
        let req = DescribeClusterRequest::default().with_include_cluster_authorized_operations(true);
        match h.call(version, RequestKind::DescribeCluster(req)) {
            ResponseKind::DescribeCluster(r) => assert!(r.cluster_authorized_operations > 0),
            other => panic!("{other:?}"),
        }
    }
    let mut h = H::new();
    for (endpoint, code) in [(2, 114), (9, 115)] {
        let req = DescribeClusterRequest::default().with_endpoint_type(endpoint);
        match h.call(1, RequestKind::DescribeCluster(req)) {
            ResponseKind::DescribeCluster(r) => {
                assert_eq!((r.error_code, r.endpoint_type), (code, endpoint));
                assert!(r.brokers.is_empty());
            }
            other => panic!("{other:?}"),
        }
    }
}
