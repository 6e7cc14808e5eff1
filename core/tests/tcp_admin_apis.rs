//! DescribeConfigs, DescribeCluster, CreatePartitions and DeleteRecords from our blocking admin
//! client over TCP against the real TCP server with three nodes (`kafkette serve --brokers 3`).

use std::time::{Duration, Instant};

use bytes::Bytes;
use kafkette::admin::{AdminResult, ConfigResource, ConfigSource, OffsetSpec};
use kafkette::broker::BrokerConfig;
use kafkette::consumer::TopicPartition;
use kafkette::local::{Admin, Consumer, Producer};
use kafkette::net::server::BackgroundServer;
use kafkette::producer::ProducerRecord;
use kafkette::ErrorCode;

const WAIT: Duration = Duration::from_secs(15);

fn tp(topic: &str, partition: i32) -> TopicPartition {
    TopicPartition::new(topic, partition)
}

fn three_nodes() -> BackgroundServer {
    let config = BrokerConfig { cluster_id: "admin-apis".into(), ..BrokerConfig::default() };
    BackgroundServer::start_nodes(config, "127.0.0.1:0".parse().unwrap(), 3).expect("server starts")
}

#[test]
fn describe_cluster_lists_three_nodes() {
    let srv = three_nodes();
    let mut admin = Admin::new([("bootstrap.servers", srv.bootstrap_servers().as_str())]).unwrap();
    let d = admin.describe_cluster(false).unwrap();
    assert_eq!(d.cluster_id, "admin-apis");
    let ports: Vec<i32> = d.nodes.iter().map(|n| n.port).collect();
    let expected: Vec<i32> = srv.local_addrs().iter().map(|a| a.port() as i32).collect();
    assert_eq!(ports, expected);
    assert_eq!(d.controller, Some(d.nodes[0].id));
    assert_eq!(d.authorized_operations, None);
    assert!(admin.describe_cluster(true).unwrap().authorized_operations.is_some());
}

#[test]
fn create_partitions_then_produce_to_the_new_ones() {
    let srv = three_nodes();
    let bootstrap = srv.bootstrap_servers();
    let mut admin = Admin::new([("bootstrap.servers", bootstrap.as_str())]).unwrap();
    admin.create_topic("grow", 2, &[]).unwrap();
    let results = match admin.create_partitions(vec![("grow".into(), 6), ("missing".into(), 3)], false).unwrap() {
        AdminResult::CreatePartitions(r) => r,
        other => panic!("{other:?}"),
    };
    assert_eq!(results[0], ("grow".to_string(), Ok(())));
    assert_eq!(results[1].1.as_ref().unwrap_err().code(), ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
    match admin.create_partitions(vec![("grow".into(), 4)], false).unwrap() {
        AdminResult::CreatePartitions(r) => {
            let e = r[0].1.as_ref().unwrap_err();
            assert_eq!(e.code(), ErrorCode::INVALID_PARTITIONS);
            assert!(e.message().contains("6 partition(s); 4 would not be an increase"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    match admin.list_topics().unwrap() {
        AdminResult::ListTopics(t) => assert_eq!(t.iter().find(|t| t.name == "grow").unwrap().partitions, 6),
        other => panic!("{other:?}"),
    }
    // A producer (fresh metadata) reaches partition 5 on its leader.
    let mut p = Producer::new([("bootstrap.servers", bootstrap.as_str()), ("linger.ms", "0")]).unwrap();
    let record = ProducerRecord {
        topic: "grow".into(),
        partition: Some(5),
        key: None,
        value: Some(Bytes::from_static(b"x")),
        headers: vec![],
        timestamp: None,
    };
    p.send(record).unwrap();
    p.flush(WAIT).unwrap();
    match admin.list_offsets(vec![(tp("grow", 5), OffsetSpec::Latest)], false).unwrap() {
        AdminResult::ListOffsets(r) => assert_eq!(r[0].1.as_ref().unwrap().offset, 1),
        other => panic!("{other:?}"),
    }
}

#[test]
fn delete_records_on_each_leader_then_consume_from_the_low_watermark() {
    let srv = three_nodes();
    let bootstrap = srv.bootstrap_servers();
    let mut admin = Admin::new([("bootstrap.servers", bootstrap.as_str())]).unwrap();
    admin.create_topic("del", 3, &[]).unwrap();
    let mut p = Producer::new([("bootstrap.servers", bootstrap.as_str()), ("linger.ms", "0")]).unwrap();
    for partition in 0..3 {
        for i in 0..10 {
            let value = Bytes::from(format!("p{partition}-{i}"));
            let r = ProducerRecord {
                topic: "del".into(),
                partition: Some(partition),
                key: None,
                value: Some(value),
                headers: vec![],
                timestamp: None,
            };
            p.send(r).unwrap();
        }
    }
    p.flush(WAIT).unwrap();
    let req = vec![(tp("del", 0), 4), (tp("del", 1), -1), (tp("del", 2), 11), (tp("del", 7), 0), (tp("nope", 0), 0)];
    let results = match admin.delete_records(req).unwrap() {
        AdminResult::DeleteRecords(r) => r,
        other => panic!("{other:?}"),
    };
    assert_eq!(results[0].1, Ok(4));
    assert_eq!(results[1].1, Ok(10));
    assert_eq!(results[2].1.as_ref().unwrap_err().code(), ErrorCode::OFFSET_OUT_OF_RANGE);
    assert_eq!(results[3].1.as_ref().unwrap_err().code(), ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
    assert_eq!(results[4].1.as_ref().unwrap_err().code(), ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
    match admin.list_offsets(vec![(tp("del", 0), OffsetSpec::Earliest)], false).unwrap() {
        AdminResult::ListOffsets(r) => assert_eq!(r[0].1.as_ref().unwrap().offset, 4),
        other => panic!("{other:?}"),
    }
    let mut c = Consumer::new([
        ("bootstrap.servers", bootstrap.as_str()),
        ("group.id", "g"),
        ("auto.offset.reset", "earliest"),
        ("enable.auto.commit", "false"),
    ])
    .unwrap();
    c.assign(vec![(tp("del", 0), None)]);
    let mut first = None;
    let deadline = Instant::now() + WAIT;
    while first.is_none() && Instant::now() < deadline {
        first = c.poll(Duration::from_millis(200)).unwrap().into_iter().next();
    }
    let first = first.expect("a record");
    assert_eq!((first.offset, first.value.as_deref()), (4, Some(&b"p0-4"[..])));
}

#[test]
fn describe_configs_of_topics_and_brokers() {
    let srv = three_nodes();
    let mut admin = Admin::new([("bootstrap.servers", srv.bootstrap_servers().as_str())]).unwrap();
    admin.create_topic("cfg", 1, &[("retention.ms", "3600000")]).unwrap();
    let resources = vec![
        ConfigResource::topic("cfg"),
        ConfigResource::topic("missing"),
        ConfigResource::broker(1),
        ConfigResource::broker(9),
    ];
    let results = match admin.describe_configs(resources, true).unwrap() {
        AdminResult::DescribeConfigs(r) => r,
        other => panic!("{other:?}"),
    };
    let topic = results[0].1.as_ref().unwrap();
    let ms = topic.iter().find(|e| e.name == "retention.ms").unwrap();
    assert_eq!((ms.value.as_deref(), ms.source, ms.read_only), (Some("3600000"), ConfigSource::DynamicTopic, false));
    assert_eq!(ms.synonyms.len(), 2);
    assert!(topic.iter().find(|e| e.name == "segment.bytes").unwrap().is_default());
    assert_eq!(results[1].1.as_ref().unwrap_err().code(), ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
    let broker = results[2].1.as_ref().unwrap();
    assert!(broker.iter().any(|e| e.name == "num.partitions" && e.read_only));
    assert_eq!(results[3].1.as_ref().unwrap_err().code(), ErrorCode::INVALID_REQUEST);
}
