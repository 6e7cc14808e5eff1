//! The blocking clients over TCP (`bootstrap.servers = host:port`), against a
//! test-only server loop over the real broker state machine (`fake_broker`).

mod fake_broker;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use kafkette::admin::{AdminResult, OffsetSpec};
use kafkette::client::versions;
use kafkette::consumer::{ConsumerRecord, TopicPartition};
use kafkette::local::{Admin, Consumer, Producer};
use kafkette::producer::{ProducerEvent, ProducerRecord, RecordMetadata};
use kafkette::protocol::ApiKey;
use kafkette::record::RecordHeader;
use kafkette::ErrorCode;

use fake_broker::{FakeBroker, Faults};

const WAIT: Duration = Duration::from_secs(15);

fn rec(topic: &str, key: &str, value: &str) -> ProducerRecord {
    ProducerRecord {
        topic: topic.into(),
        partition: None,
        key: Some(Bytes::copy_from_slice(key.as_bytes())),
        value: Some(Bytes::copy_from_slice(value.as_bytes())),
        headers: vec![RecordHeader { key: Bytes::from_static(b"h"), value: Some(Bytes::from_static(b"1")) }],
        timestamp: None,
    }
}

fn tp(topic: &str, partition: i32) -> TopicPartition {
    TopicPartition { topic: topic.into(), partition }
}

/// Delivery reports in send order.
fn deliveries(events: Vec<ProducerEvent>) -> Vec<RecordMetadata> {
    let mut reports: Vec<(u64, RecordMetadata)> = events
        .into_iter()
        .map(|ProducerEvent::Delivery { id, result }| (id, result.expect("delivery failed")))
        .collect();
    reports.sort_by_key(|(id, _)| *id);
    reports.into_iter().map(|(_, md)| md).collect()
}

fn producer(fb: &FakeBroker, extra: &[(&str, &str)]) -> Producer {
    let mut pairs = vec![("bootstrap.servers".to_string(), fb.bootstrap()), ("linger.ms".into(), "0".into())];
    pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Producer::new(pairs).unwrap()
}

fn consumer(fb: &FakeBroker) -> Consumer {
    Consumer::new([("bootstrap.servers", fb.bootstrap().as_str()), ("auto.offset.reset", "earliest")]).unwrap()
}

fn admin(fb: &FakeBroker) -> Admin {
    Admin::new([
        ("bootstrap.servers", fb.bootstrap().as_str()),
        ("request.timeout.ms", "5000"),
        ("default.api.timeout.ms", "10000"),
    ])
    .unwrap()
}

fn consume_n(consumer: &mut Consumer, n: usize) -> Vec<ConsumerRecord> {
    let mut out = Vec::new();
    let deadline = Instant::now() + WAIT;
    while out.len() < n && Instant::now() < deadline {
        out.extend(consumer.poll(Duration::from_millis(200)).unwrap());
    }
    out
}

/// Produces `n` keyed records to `topic`, flushes, and returns their delivery reports.
fn produce(p: &mut Producer, topic: &str, n: usize) -> Vec<RecordMetadata> {
    for i in 0..n {
        p.send(rec(topic, &format!("k{i}"), &format!("v{i}"))).unwrap();
    }
    p.flush(WAIT).unwrap();
    deliveries(p.take_events())
}

/// Reads everything back and checks it against the delivery reports.
fn check_round_trip(fb: &FakeBroker, topic: &str, partitions: i32, mds: &[RecordMetadata]) {
    let mut c = consumer(fb);
    c.assign((0..partitions).map(|p| (tp(topic, p), None)).collect());
    let got = consume_n(&mut c, mds.len());
    assert_eq!(got.len(), mds.len());
    let by_pos: HashMap<(i32, i64), &ConsumerRecord> = got.iter().map(|r| ((r.partition, r.offset), r)).collect();
    for (i, md) in mds.iter().enumerate() {
        let r = by_pos[&(md.partition, md.offset)];
        assert_eq!(r.value.as_deref(), Some(format!("v{i}").as_bytes()));
        assert_eq!(r.key.as_deref(), Some(format!("k{i}").as_bytes()));
        assert_eq!(r.headers.len(), 1);
    }
}

#[test]
fn admin_creates_and_lists_topics_producer_and_consumer_round_trip() {
    let fb = FakeBroker::start();
    let mut a = admin(&fb);
    a.create_topic("orders", 3, &[]).unwrap();
    let err = a.create_topic("orders", 3, &[]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::TOPIC_ALREADY_EXISTS);
    match a.list_topics().unwrap() {
        AdminResult::ListTopics(t) => {
            assert_eq!(t.iter().map(|t| (t.name.as_str(), t.partitions)).collect::<Vec<_>>(), [("orders", 3)])
        }
        other => panic!("{other:?}"),
    }

    let mut p = producer(&fb, &[]);
    let mds = produce(&mut p, "orders", 300);
    assert_eq!(mds.len(), 300);
    let mut per_partition: HashMap<i32, Vec<i64>> = HashMap::new();
    for md in &mds {
        per_partition.entry(md.partition).or_default().push(md.offset);
    }
    assert_eq!(per_partition.len(), 3, "keys spread over the partitions");
    for offsets in per_partition.values() {
        assert_eq!(*offsets, (0..offsets.len() as i64).collect::<Vec<_>>());
    }
    check_round_trip(&fb, "orders", 3, &mds);

    match a.list_offsets(vec![(tp("orders", 0), OffsetSpec::Latest)], false).unwrap() {
        AdminResult::ListOffsets(res) => assert_eq!(res[0].1.as_ref().unwrap().offset, per_partition[&0].len() as i64),
        other => panic!("{other:?}"),
    }
    a.delete_topics(vec!["orders".into()]).unwrap();
    assert!(fb.with_broker(|b| b.topic("orders").is_none()));

    // The newest versions of our clients went over the wire.
    assert!(fb.versions_seen(ApiKey::Produce).iter().all(|v| *v == versions::PRODUCE));
    assert!(fb.versions_seen(ApiKey::Fetch).iter().all(|v| *v == versions::FETCH));
    assert_eq!(fb.versions_seen(ApiKey::ApiVersions)[0], versions::API_VERSIONS);
}

#[test]
fn pipelining_and_acks_zero() {
    let fb = FakeBroker::start();
    let mut p = producer(&fb, &[("max.in.flight.requests.per.connection", "5"), ("batch.size", "200")]);
    let mds = produce(&mut p, "many", 2000);
    assert_eq!(mds.len(), 2000);
    let mut a0 = producer(&fb, &[("acks", "0"), ("enable.idempotence", "false")]);
    let mds0 = produce(&mut a0, "zero", 10);
    assert!(mds0.iter().all(|m| m.offset == -1));
    let deadline = Instant::now() + WAIT;
    while fb.with_broker(|b| b.partition("zero", 0).map(|p| p.log_end_offset())) != Some(10) {
        assert!(Instant::now() < deadline, "acks=0 records did not arrive");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn requests_go_to_each_partitions_leader_one_connection_per_broker() {
    let fb = FakeBroker::with_nodes(3, Faults::default());
    admin(&fb).create_topic("spread", 6, &[]).unwrap();
    let mut p = producer(&fb, &[]);
    let mds = produce(&mut p, "spread", 600);
    assert_eq!(mds.iter().map(|m| m.partition).collect::<std::collections::BTreeSet<_>>().len(), 6);
    check_round_trip(&fb, "spread", 6, &mds);
    assert_eq!(fb.misrouted(), 0);
    for node in 0..3 {
        assert!(fb.requests_at(node, ApiKey::Produce) > 0, "node {node} got no Produce");
        assert!(fb.requests_at(node, ApiKey::Fetch) > 0, "node {node} got no Fetch");
        assert!(fb.requests_at(node, ApiKey::ListOffsets) > 0, "node {node} got no ListOffsets");
    }
    // At most the bootstrap (node 0's port, as broker -1) plus one connection per node, for
    // each of admin, producer and consumer: connections are reused, never duplicated.
    assert!(fb.connections_accepted() <= 3 * 4, "{} connections", fb.connections_accepted());
}

#[test]
fn versions_negotiate_down_to_what_the_broker_advertises() {
    let faults = Faults {
        max_versions: [
            (ApiKey::Produce as i16, 3),
            (ApiKey::Fetch as i16, 4),
            (ApiKey::ListOffsets as i16, 1),
            (ApiKey::Metadata as i16, 4),
            (ApiKey::CreateTopics as i16, 2),
            (ApiKey::DeleteTopics as i16, 1),
        ]
        .into_iter()
        .collect(),
        ..Faults::default()
    };
    let fb = FakeBroker::with_faults(faults);
    let mut a = admin(&fb);
    a.create_topic("old", 2, &[]).unwrap();
    let mut p = producer(&fb, &[]);
    let mds = produce(&mut p, "old", 50);
    check_round_trip(&fb, "old", 2, &mds);
    assert!(!fb.versions_seen(ApiKey::Produce).is_empty());
    assert!(fb.versions_seen(ApiKey::Produce).iter().all(|v| *v == 3));
    assert!(fb.versions_seen(ApiKey::Fetch).iter().all(|v| *v == 4));
    assert!(fb.versions_seen(ApiKey::ListOffsets).iter().all(|v| *v == 1));
    assert!(!fb.versions_seen(ApiKey::ListOffsets).is_empty());
    match a.list_topics().unwrap() {
        AdminResult::ListTopics(t) => assert_eq!(t.len(), 1),
        other => panic!("{other:?}"),
    }
    a.delete_topics(vec!["old".into()]).unwrap();
    assert!(fb.with_broker(|b| b.topic("old").is_none()));
    assert!(fb.versions_seen(ApiKey::Metadata).iter().all(|v| *v == 4));
    assert_eq!(fb.versions_seen(ApiKey::CreateTopics), [2]);
    assert_eq!(fb.versions_seen(ApiKey::DeleteTopics), [1]);
}

#[test]
fn an_older_api_versions_is_retried_at_the_brokers_version() {
    let faults = Faults { max_versions: [(ApiKey::ApiVersions as i16, 2)].into_iter().collect(), ..Faults::default() };
    let fb = FakeBroker::with_faults(faults);
    let mut p = producer(&fb, &[]);
    assert_eq!(produce(&mut p, "av", 3).len(), 3);
    // Per connection: v3 refused, then v2 (the bootstrap connection and broker 0's).
    assert_eq!(fb.versions_seen(ApiKey::ApiVersions), [3, 2, 3, 2]);
}

#[test]
fn a_broker_too_old_fails_clearly() {
    let faults = Faults { max_versions: [(ApiKey::Produce as i16, 2)].into_iter().collect(), ..Faults::default() };
    let fb = FakeBroker::with_faults(faults);
    let mut p = producer(&fb, &[("delivery.timeout.ms", "1500"), ("request.timeout.ms", "1000")]);
    p.send(rec("t", "k", "v")).unwrap();
    p.flush(Duration::from_secs(5)).unwrap();
    let events = p.take_events();
    let ProducerEvent::Delivery { result, .. } = &events[0];
    let err = result.as_ref().unwrap_err();
    assert_eq!(err.code(), ErrorCode::UNSUPPORTED_VERSION, "{err}");
    assert!(err.message().contains("Produce v0-v2, kafkette needs v3-v9"), "{err}");
    assert!(fb.versions_seen(ApiKey::Produce).is_empty(), "nothing sent at an unsupported version");
}

#[test]
fn a_connection_closed_mid_request_is_retried() {
    let faults = Faults { close_on: Some((ApiKey::Produce, 2)), ..Faults::default() };
    let fb = FakeBroker::with_faults(faults);
    let mut p = producer(&fb, &[("retry.backoff.ms", "20")]);
    let mds = produce(&mut p, "retry", 20);
    assert_eq!(mds.len(), 20);
    check_round_trip(&fb, "retry", 1, &mds);
    assert!(fb.connections_accepted() >= 3, "reconnected after each close");
}

#[test]
fn a_request_never_answered_closes_the_connection_and_is_retried() {
    let faults = Faults { ignore_on: Some((ApiKey::Produce, 1)), ..Faults::default() };
    let fb = FakeBroker::with_faults(faults);
    let mut p = producer(&fb, &[("request.timeout.ms", "300"), ("retry.backoff.ms", "20")]);
    let start = Instant::now();
    let mds = produce(&mut p, "stuck", 5);
    assert_eq!(mds.len(), 5);
    assert!(start.elapsed() >= Duration::from_millis(300));
    check_round_trip(&fb, "stuck", 1, &mds);
}

#[test]
fn broker_restart_reconnects_with_backoff_and_retries() {
    let mut fb = FakeBroker::start();
    let mut p = producer(&fb, &[("retry.backoff.ms", "20"), ("reconnect.backoff.ms", "20")]);
    let first = produce(&mut p, "restart", 10);
    let mut c = consumer(&fb);
    c.assign(vec![(tp("restart", 0), None)]);
    assert_eq!(consume_n(&mut c, 10).len(), 10);

    fb.stop();
    for i in 10..20 {
        p.send(rec("restart", &format!("k{i}"), &format!("v{i}"))).unwrap();
    }
    // Down for a while: the producer keeps retrying, nothing is lost.
    assert!(p.poll(Duration::from_millis(300)).is_empty());
    fb.restart();
    p.flush(WAIT).unwrap();
    let second = deliveries(p.take_events());
    assert_eq!(second.len(), 10);
    assert!(second.iter().all(|m| m.offset >= 10));
    let all: Vec<RecordMetadata> = first.into_iter().chain(second).collect();
    // The consumer that was reading before the restart continues after it.
    let rest = consume_n(&mut c, 10);
    assert_eq!(rest.iter().map(|r| r.offset).collect::<Vec<_>>(), (10..20).collect::<Vec<_>>());
    check_round_trip(&fb, "restart", 1, &all);
}

#[test]
fn killed_connections_are_reopened() {
    let fb = FakeBroker::start();
    let mut p = producer(&fb, &[("retry.backoff.ms", "20")]);
    produce(&mut p, "kill", 5);
    fb.kill_connections();
    let again = produce(&mut p, "kill", 5);
    assert_eq!(again.len(), 5);
    assert_eq!(fb.with_broker(|b| b.partition("kill", 0).map(|p| p.log_end_offset())), Some(10));
}

#[test]
fn unreachable_bootstrap_times_out_with_the_reason() {
    // A port nothing listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut a = Admin::new([
        ("bootstrap.servers", format!("127.0.0.1:{port}").as_str()),
        ("request.timeout.ms", "500"),
        ("default.api.timeout.ms", "500"),
        ("reconnect.backoff.ms", "10"),
    ])
    .unwrap();
    let err = a.list_topics().unwrap_err();
    assert!(err.message().contains("cannot connect") || err.message().contains("timed out"), "{err}");
    let bad = Producer::new([("bootstrap.servers", "no-port-here")]).map(|_| ()).unwrap_err();
    assert_eq!(bad.code(), ErrorCode::INVALID_CONFIG_LOCAL);
}
