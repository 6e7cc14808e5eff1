//! Our transactional producer against a real Apache Kafka 4.x broker: commit and abort seen
//! through a read_committed consumer of ours, offsets committed in a transaction, zombie fencing.
//!
//! Ignored by default: they need a broker, which tests/compat/test_ours_vs_apache.py starts
//! (Apache Kafka 4.1.1, KRaft) and names in KAFKETTE_APACHE_BOOTSTRAP:
//!
//! ```text
//! KAFKETTE_APACHE_BOOTSTRAP=127.0.0.1:9092 cargo test -p kafkette --test apache_kafka_txn -- --ignored
//! ```

mod common;
use common::{bootstrap, unique};

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes};
use kafka_protocol::messages::offset_fetch_request::OffsetFetchRequestTopic;
use kafka_protocol::messages::{
    GroupId, OffsetFetchRequest, OffsetFetchResponse, RequestKind, ResponseHeader, TopicName,
};
use kafka_protocol::protocol::{Decodable, StrBytes};
use kafkette::client::ConsumerGroupMetadata;
use kafkette::consumer::{ConsumerRecord, TopicPartition};
use kafkette::local::{Admin, Consumer, Producer};
use kafkette::producer::{ProducerEvent, ProducerRecord, TxnOffset, TxnState};
use kafkette::protocol::Request;

const WAIT: Duration = Duration::from_secs(30);
const PARTITIONS: i32 = 2;

fn create_topic(bootstrap: &str, topic: &str) {
    let mut admin = Admin::new([("bootstrap.servers", bootstrap)]).expect("admin client");
    common::create_topic(&mut admin, topic, PARTITIONS, WAIT);
}

fn txn_producer(bootstrap: &str, id: &str) -> Producer {
    let mut p = Producer::new([("bootstrap.servers", bootstrap), ("transactional.id", id), ("linger.ms", "5")])
        .expect("transactional producer");
    p.init_transactions(WAIT).expect("init_transactions");
    assert_eq!(p.txn_state(), Some(TxnState::Ready));
    p
}

fn record(topic: &str, partition: i32, value: &str) -> ProducerRecord {
    ProducerRecord {
        topic: topic.into(),
        partition: Some(partition),
        key: None,
        value: Some(Bytes::copy_from_slice(value.as_bytes())),
        headers: vec![],
        timestamp: None,
    }
}

/// Every value in `topic` from the start as a consumer with `isolation` reads it, per partition.
fn read_all(bootstrap: &str, topic: &str, isolation: &str, expect: usize) -> Vec<(i32, String)> {
    let mut c = Consumer::new([
        ("bootstrap.servers", bootstrap),
        ("auto.offset.reset", "earliest"),
        ("isolation.level", isolation),
    ])
    .expect("consumer");
    c.assign((0..PARTITIONS).map(|p| (TopicPartition { topic: topic.into(), partition: p }, Some(0))).collect());
    let mut out: Vec<ConsumerRecord> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    // Read until `expect` records came, then a little longer to see that nothing else does.
    let mut quiet_until = None;
    while Instant::now() < deadline {
        out.extend(c.poll(Duration::from_millis(200)).expect("poll"));
        if out.len() >= expect {
            let until = *quiet_until.get_or_insert_with(|| Instant::now() + Duration::from_secs(1));
            if Instant::now() >= until {
                break;
            }
        }
    }
    out.iter()
        .map(|r| (r.partition, String::from_utf8(r.value.as_deref().unwrap_or_default().to_vec()).unwrap()))
        .collect()
}

fn values(records: &[(i32, String)], partition: i32) -> Vec<String> {
    records.iter().filter(|(p, _)| *p == partition).map(|(_, v)| v.clone()).collect()
}

#[test]
#[ignore = "needs Apache Kafka (KAFKETTE_APACHE_BOOTSTRAP)"]
fn committed_records_are_seen_and_aborted_ones_are_not() {
    let bootstrap = bootstrap();
    let topic = unique("txn");
    create_topic(&bootstrap, &topic);
    let mut p = txn_producer(&bootstrap, &unique("tx"));

    p.begin_transaction().unwrap();
    for i in 0..10 {
        p.send(record(&topic, i % PARTITIONS, &format!("c{i}"))).unwrap();
    }
    p.commit_transaction(WAIT).expect("commit");
    assert_eq!(p.txn_state(), Some(TxnState::Ready));

    p.begin_transaction().unwrap();
    for i in 0..10 {
        p.send(record(&topic, i % PARTITIONS, &format!("a{i}"))).unwrap();
    }
    p.flush(WAIT).expect("the aborted records are written first");
    p.abort_transaction(WAIT).expect("abort");

    p.begin_transaction().unwrap();
    for i in 10..20 {
        p.send(record(&topic, i % PARTITIONS, &format!("c{i}"))).unwrap();
    }
    p.commit_transaction(WAIT).expect("second commit");
    let reports = p.take_events();
    assert_eq!(reports.len(), 30);
    assert!(reports.iter().all(|ProducerEvent::Delivery { result, .. }| result.is_ok()));

    let committed = read_all(&bootstrap, &topic, "read_committed", 20);
    for part in 0..PARTITIONS {
        let want: Vec<String> = (0..20).filter(|i| i % PARTITIONS == part).map(|i| format!("c{i}")).collect();
        assert_eq!(values(&committed, part), want, "partition {part}: only committed records, in order");
    }
    let everything = read_all(&bootstrap, &topic, "read_uncommitted", 30);
    assert_eq!(everything.len(), 30, "read_uncommitted sees the aborted records too");
}

/// OffsetFetch v5 for `group` (Apache Kafka is its own only group coordinator here).
fn committed_offset(bootstrap: &str, group: &str, topic: &str, partition: i32) -> i64 {
    let mut stream = TcpStream::connect(bootstrap.split(',').next().unwrap()).expect("connect");
    stream.set_read_timeout(Some(WAIT)).unwrap();
    let body = OffsetFetchRequest::default().with_group_id(GroupId(StrBytes::from_string(group.into()))).with_topics(
        Some(vec![OffsetFetchRequestTopic::default()
            .with_name(TopicName(StrBytes::from_string(topic.into())))
            .with_partition_indexes(vec![partition])]),
    );
    let request = Request {
        api_version: 5,
        correlation_id: 1,
        client_id: Some("t".into()),
        body: RequestKind::OffsetFetch(body),
    };
    stream.write_all(&kafkette::net::codec::encode_request(&request).unwrap()).unwrap();
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).unwrap();
    let mut frame = vec![0u8; i32::from_be_bytes(len) as usize];
    stream.read_exact(&mut frame).unwrap();
    let mut buf = Bytes::from(frame);
    ResponseHeader::decode(&mut buf, 0).unwrap();
    let resp = OffsetFetchResponse::decode(&mut buf, 5).unwrap();
    assert_eq!(buf.remaining(), 0);
    assert_eq!(resp.error_code, 0);
    let p = &resp.topics[0].partitions[0];
    assert_eq!(p.error_code, 0);
    p.committed_offset
}

#[test]
#[ignore = "needs Apache Kafka (KAFKETTE_APACHE_BOOTSTRAP)"]
fn send_offsets_to_transaction_commits_the_groups_offsets_with_the_transaction() {
    let bootstrap = bootstrap();
    let input = unique("in");
    let output = unique("out");
    create_topic(&bootstrap, &input);
    create_topic(&bootstrap, &output);
    let group = unique("copier");
    let mut p = txn_producer(&bootstrap, &unique("tx"));
    p.begin_transaction().unwrap();
    p.send(record(&output, 0, "copied")).unwrap();
    let offsets = vec![TxnOffset { topic: input.clone(), partition: 1, offset: 5, metadata: Some("m".into()) }];
    p.send_offsets_to_transaction(offsets, &ConsumerGroupMetadata::new(group.clone()), WAIT)
        .expect("send_offsets_to_transaction");
    assert_eq!(committed_offset(&bootstrap, &group, &input, 1), -1, "not visible before the commit");
    p.commit_transaction(WAIT).expect("commit");
    let deadline = Instant::now() + WAIT;
    loop {
        let offset = committed_offset(&bootstrap, &group, &input, 1);
        if offset == 5 {
            break;
        }
        assert!(Instant::now() < deadline, "the group's offset is {offset}, not 5");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Aborted offsets are never committed.
    p.begin_transaction().unwrap();
    let offsets = vec![TxnOffset { topic: input.clone(), partition: 1, offset: 9, metadata: None }];
    p.send_offsets_to_transaction(offsets, &ConsumerGroupMetadata::new(group.clone()), WAIT).unwrap();
    p.abort_transaction(WAIT).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(committed_offset(&bootstrap, &group, &input, 1), 5);
}

#[test]
#[ignore = "needs Apache Kafka (KAFKETTE_APACHE_BOOTSTRAP)"]
fn a_second_producer_with_the_same_transactional_id_fences_the_first() {
    let bootstrap = bootstrap();
    let topic = unique("zombie");
    create_topic(&bootstrap, &topic);
    let id = unique("tx");
    let mut old = txn_producer(&bootstrap, &id);
    old.begin_transaction().unwrap();
    old.send(record(&topic, 0, "zombie")).unwrap();
    old.flush(WAIT).unwrap();

    let mut new = txn_producer(&bootstrap, &id);
    let e = old.commit_transaction(WAIT).expect_err("the older producer is fenced");
    assert!(e.is_fatal(), "{e}");
    assert_eq!(old.txn_state(), Some(TxnState::FatalError));
    assert!(old.begin_transaction().unwrap_err().is_fatal());

    new.begin_transaction().unwrap();
    new.send(record(&topic, 0, "live")).unwrap();
    new.commit_transaction(WAIT).expect("the new producer commits");
    let seen = read_all(&bootstrap, &topic, "read_committed", 1);
    assert_eq!(values(&seen, 0), ["live"], "the zombie's write was aborted when the new producer started");
}
