//! Our blocking clients (Admin, Producer, Consumer over TCP) against a real Apache Kafka 4.x
//! broker: the proof that moving to Kafka is a change of `bootstrap.servers`.
//!
//! Ignored by default: they need a broker, which tests/compat/test_ours_vs_apache.py starts
//! (Apache Kafka 4.1.1, KRaft, from the Maven jars) and names in KAFKETTE_APACHE_BOOTSTRAP:
//!
//! ```text
//! KAFKETTE_APACHE_BOOTSTRAP=127.0.0.1:9092 cargo test -p kafkette --test apache_kafka -- --ignored
//! ```

mod common;
use common::{bootstrap, unique};

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use bytes::Bytes;
use kafkette::admin::{AdminResult, NewTopic, OffsetSpec};
use kafkette::consumer::{ConsumerRecord, TopicPartition};
use kafkette::local::{Admin, Consumer, Producer};
use kafkette::producer::partitioner::partition_for_key;
use kafkette::producer::{ProducerEvent, ProducerRecord};
use kafkette::record::RecordHeader;
use kafkette::ErrorCode;

const RECORDS: usize = 1000;
const PARTITIONS: i32 = 3;
const WAIT: Duration = Duration::from_secs(30);

fn admin(bootstrap: &str) -> Admin {
    Admin::new([("bootstrap.servers", bootstrap)]).expect("admin client")
}

fn record(topic: &str, i: usize) -> ProducerRecord {
    ProducerRecord {
        topic: topic.into(),
        partition: None,
        key: Some(Bytes::from(format!("key-{i}"))),
        value: Some(Bytes::from(format!("value-{i}-{}", "x".repeat(i % 50)))),
        headers: vec![
            RecordHeader { key: Bytes::from_static(b"index"), value: Some(Bytes::from(i.to_string())) },
            RecordHeader { key: Bytes::from_static(b"index"), value: None },
            RecordHeader { key: Bytes::from_static(b"bin"), value: Some(Bytes::from(vec![0u8, 255, i as u8])) },
        ],
        timestamp: None,
    }
}

fn create_topic(admin: &mut Admin, topic: &str) {
    common::create_topic(admin, topic, PARTITIONS, WAIT);
}

/// Produces `RECORDS` keyed records; returns `(partition, offset)` of each, by index.
fn produce(bootstrap: &str, topic: &str, codec: &str) -> Vec<(i32, i64)> {
    let mut p = Producer::new([
        ("bootstrap.servers", bootstrap),
        ("compression.type", codec),
        ("linger.ms", "5"),
        ("acks", "all"),
    ])
    .expect("producer");
    let mut ids = HashMap::new();
    for i in 0..RECORDS {
        ids.insert(p.send(record(topic, i)).expect("send"), i);
    }
    p.flush(WAIT).unwrap_or_else(|e| panic!("flush ({codec}): {e}"));
    let mut placed = vec![(-1, -1); RECORDS];
    for ProducerEvent::Delivery { id, result } in p.take_events() {
        let md = result.unwrap_or_else(|e| panic!("delivery ({codec}): {e}"));
        placed[ids[&id]] = (md.partition, md.offset);
    }
    assert!(placed.iter().all(|&(p, _)| p >= 0), "every record is reported ({codec})");
    placed
}

fn consume_all(bootstrap: &str, topic: &str) -> Vec<ConsumerRecord> {
    let mut c = Consumer::new([("bootstrap.servers", bootstrap), ("auto.offset.reset", "latest")]).expect("consumer");
    // Assign at "latest" and seek back to 0: both the reset (ListOffsets) and seek run.
    c.assign((0..PARTITIONS).map(|p| (TopicPartition::new(topic, p), None)).collect());
    for p in 0..PARTITIONS {
        c.seek(&TopicPartition::new(topic, p), 0).expect("seek");
    }
    let mut out = Vec::new();
    let deadline = Instant::now() + WAIT;
    while out.len() < RECORDS && Instant::now() < deadline {
        out.extend(c.poll(Duration::from_millis(500)).unwrap_or_else(|e| panic!("poll: {e}")));
    }
    // Nothing more than we produced arrives.
    out.extend(c.poll(Duration::from_millis(300)).unwrap_or_else(|e| panic!("poll: {e}")));
    out
}

fn list_offsets(admin: &mut Admin, topic: &str, spec: OffsetSpec) -> BTreeMap<i32, i64> {
    let req = (0..PARTITIONS).map(|p| (TopicPartition::new(topic, p), spec)).collect();
    match admin.list_offsets(req, false).expect("ListOffsets") {
        AdminResult::ListOffsets(res) => res
            .into_iter()
            .map(|(tp, r)| (tp.partition, r.unwrap_or_else(|e| panic!("{tp:?} {spec:?}: {e}")).offset))
            .collect(),
        other => panic!("{other:?}"),
    }
}

fn roundtrip(codec: &str) {
    let bootstrap = bootstrap();
    let topic = unique(&format!("ours-{codec}"));
    let mut admin = admin(&bootstrap);
    create_topic(&mut admin, &topic);

    let placed = produce(&bootstrap, &topic, codec);
    let mut per_partition: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
    for (i, &(partition, _)) in placed.iter().enumerate() {
        // The default partitioner hashes keys with murmur2, as Kafka's Java client does.
        assert_eq!(partition, partition_for_key(format!("key-{i}").as_bytes(), PARTITIONS), "record {i}");
        per_partition.entry(partition).or_default().push(i);
    }
    assert_eq!(per_partition.len(), PARTITIONS as usize, "keys spread over every partition");

    let got = consume_all(&bootstrap, &topic);
    assert_eq!(got.len(), RECORDS, "{codec}: consumed {} of {RECORDS}", got.len());
    let mut by_partition: BTreeMap<i32, Vec<&ConsumerRecord>> = BTreeMap::new();
    for r in &got {
        assert_eq!(&*r.topic, topic.as_str());
        by_partition.entry(r.partition).or_default().push(r);
    }
    for (partition, indexes) in &per_partition {
        let records = &by_partition[partition];
        assert_eq!(records.len(), indexes.len(), "partition {partition}");
        for (n, (r, &i)) in records.iter().zip(indexes).enumerate() {
            // Contiguous offsets from 0, in the order each partition received the records.
            assert_eq!(r.offset, n as i64, "partition {partition}");
            assert_eq!(placed[i], (r.partition, r.offset), "delivery report of record {i}");
            let expected = record(&topic, i);
            assert_eq!(r.key, expected.key, "key of record {i}");
            assert_eq!(r.value, expected.value, "value of record {i}");
            assert_eq!(r.headers, expected.headers, "headers of record {i}");
            assert!(r.timestamp > 0);
        }
    }

    let earliest = list_offsets(&mut admin, &topic, OffsetSpec::Earliest);
    let latest = list_offsets(&mut admin, &topic, OffsetSpec::Latest);
    for (partition, indexes) in &per_partition {
        assert_eq!(earliest[partition], 0);
        assert_eq!(latest[partition], indexes.len() as i64);
    }

    delete_topic(&mut admin, &topic);
}

/// Deletes `topic` and waits until metadata no longer lists it (Kafka deletes asynchronously).
fn delete_topic(admin: &mut Admin, topic: &str) {
    match admin.delete_topics(vec![topic.to_string()]).expect("DeleteTopics") {
        AdminResult::DeleteTopics(res) => res[0].1.as_ref().unwrap_or_else(|e| panic!("deleting {topic}: {e}")),
        other => panic!("{other:?}"),
    };
    let deadline = Instant::now() + WAIT;
    loop {
        match admin.list_topics().expect("Metadata") {
            AdminResult::ListTopics(t) if !t.iter().any(|t| t.name == topic) => break,
            _ => assert!(Instant::now() < deadline, "{topic} still listed after deletion"),
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
#[ignore = "needs Apache Kafka: KAFKETTE_APACHE_BOOTSTRAP (tests/compat/test_ours_vs_apache.py)"]
fn roundtrip_uncompressed() {
    roundtrip("none");
}

#[test]
#[ignore = "needs Apache Kafka: KAFKETTE_APACHE_BOOTSTRAP (tests/compat/test_ours_vs_apache.py)"]
fn roundtrip_gzip() {
    roundtrip("gzip");
}

#[test]
#[ignore = "needs Apache Kafka: KAFKETTE_APACHE_BOOTSTRAP (tests/compat/test_ours_vs_apache.py)"]
fn roundtrip_snappy() {
    roundtrip("snappy");
}

#[test]
#[ignore = "needs Apache Kafka: KAFKETTE_APACHE_BOOTSTRAP (tests/compat/test_ours_vs_apache.py)"]
fn roundtrip_lz4() {
    roundtrip("lz4");
}

#[test]
#[ignore = "needs Apache Kafka: KAFKETTE_APACHE_BOOTSTRAP (tests/compat/test_ours_vs_apache.py)"]
fn roundtrip_zstd() {
    roundtrip("zstd");
}

#[test]
#[ignore = "needs Apache Kafka: KAFKETTE_APACHE_BOOTSTRAP (tests/compat/test_ours_vs_apache.py)"]
fn errors_come_back_as_kafka_error_codes() {
    let bootstrap = bootstrap();
    let topic = unique("ours-errors");
    let mut admin = admin(&bootstrap);
    create_topic(&mut admin, &topic);
    let again = admin.create_topics(vec![NewTopic::new(&topic, PARTITIONS, 1)], false).expect("CreateTopics");
    match again {
        AdminResult::CreateTopics(res) => {
            assert_eq!(res[0].1.as_ref().unwrap_err().code(), ErrorCode::TOPIC_ALREADY_EXISTS)
        }
        other => panic!("{other:?}"),
    }
    for (topic, code) in [
        (NewTopic::new("bad/name", 1, 1), ErrorCode::INVALID_TOPIC_EXCEPTION),
        (NewTopic::new(unique("ours-rf3"), 1, 3), ErrorCode::INVALID_REPLICATION_FACTOR),
        (NewTopic::new(unique("ours-cfg"), 1, 1).with_config("no.such.config", "1"), ErrorCode::INVALID_CONFIG),
    ] {
        match admin.create_topics(vec![topic], false).expect("CreateTopics") {
            AdminResult::CreateTopics(res) => assert_eq!(res[0].1.as_ref().unwrap_err().code(), code, "{res:?}"),
            other => panic!("{other:?}"),
        }
    }
    let missing = unique("ours-missing");
    match admin.delete_topics(vec![missing]).expect("DeleteTopics") {
        AdminResult::DeleteTopics(res) => {
            assert_eq!(res[0].1.as_ref().unwrap_err().code(), ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)
        }
        other => panic!("{other:?}"),
    }
    admin.delete_topics(vec![topic]).expect("DeleteTopics");
}

/// Broker defaults (-1 partitions and replication factor), a topic config, LogAppendTime
/// timestamps in delivery reports and fetched records, acks 0/1/all, timestamp lookups
/// and an out-of-range position reset by `auto.offset.reset`.
#[test]
#[ignore = "needs Apache Kafka: KAFKETTE_APACHE_BOOTSTRAP (tests/compat/test_ours_vs_apache.py)"]
fn log_append_time_defaults_acks_and_offset_reset() {
    let bootstrap = bootstrap();
    let bootstrap = bootstrap.as_str();
    let mut admin = admin(bootstrap);
    let topic = unique("ours-append-time");
    let created = admin
        .create_topics(
            vec![NewTopic::new(&topic, -1, -1).with_config("message.timestamp.type", "LogAppendTime")],
            false,
        )
        .expect("CreateTopics");
    assert!(matches!(&created, AdminResult::CreateTopics(r) if r[0].1.is_ok()), "{created:?}");

    let mut reported = Vec::new();
    // acks=1 first: a topic just created may answer NOT_LEADER_OR_FOLLOWER, which acks=0 never
    // hears (its record is lost, as with the Java client); acks=1 retries until the leader is ready.
    for acks in ["1", "0", "all"] {
        let mut p = Producer::new([("bootstrap.servers", bootstrap), ("acks", acks), ("linger.ms", "0")]).unwrap();
        let mut r = record(&topic, 7);
        r.timestamp = Some(1_000); // the broker replaces it with its append time
        p.send(r).unwrap();
        p.flush(WAIT).unwrap_or_else(|e| panic!("acks={acks}: {e}"));
        let events = p.take_events();
        let [ProducerEvent::Delivery { result: Ok(md), .. }] = events.as_slice() else { panic!("{events:?}") };
        assert_eq!(md.partition, 0, "num.partitions=1 on the broker");
        reported.push(md.clone());
    }
    assert_eq!(reported[1].offset, -1, "acks=0: the broker does not answer");
    assert_eq!((reported[0].offset, reported[2].offset), (0, 2));
    assert!(reported[0].timestamp > 1_000 && reported[2].timestamp > 1_000, "{reported:?}");

    let mut c = Consumer::new([("bootstrap.servers", bootstrap), ("auto.offset.reset", "earliest")]).unwrap();
    c.assign(vec![(TopicPartition::new(&topic, 0), Some(100))]);
    let mut got = Vec::new();
    let deadline = Instant::now() + WAIT;
    while got.len() < 3 && Instant::now() < deadline {
        got.extend(c.poll(Duration::from_millis(300)).unwrap());
    }
    assert_eq!(got.iter().map(|r| r.offset).collect::<Vec<_>>(), [0, 1, 2]);
    assert!(got.iter().all(|r| r.timestamp_type == kafkette::record::TimestampType::LogAppendTime));
    assert!(got[1].timestamp > 1_000, "the acks=0 record got the broker's time too");
    assert_eq!(got[0].timestamp, reported[0].timestamp);
    assert_eq!(got[2].timestamp, reported[2].timestamp);
    let reset = c.take_events();
    assert!(
        reset.iter().any(|e| matches!(e, kafkette::consumer::ConsumerEvent::OffsetReset { from: 100, to: 0, .. })),
        "{reset:?}"
    );

    let at = |admin: &mut Admin, spec| list_offsets_of(admin, &topic, spec);
    assert_eq!(at(&mut admin, OffsetSpec::Timestamp(0)), 0);
    let first_at = |ts: i64| got.iter().position(|r| r.timestamp >= ts).map_or(-1, |i| i as i64);
    assert_eq!(at(&mut admin, OffsetSpec::Timestamp(got[2].timestamp)), first_at(got[2].timestamp));
    assert_eq!(at(&mut admin, OffsetSpec::Timestamp(i64::MAX / 2)), -1);
    let newest = got.iter().map(|r| r.timestamp).max().unwrap();
    let max_at = at(&mut admin, OffsetSpec::MaxTimestamp);
    assert!(got.iter().any(|r| r.offset == max_at && r.timestamp == newest), "{max_at} {got:?}");
    admin.delete_topics(vec![topic]).expect("DeleteTopics");
}

fn list_offsets_of(admin: &mut Admin, topic: &str, spec: OffsetSpec) -> i64 {
    match admin.list_offsets(vec![(TopicPartition::new(topic, 0), spec)], false).expect("ListOffsets") {
        AdminResult::ListOffsets(res) => res[0].1.as_ref().unwrap_or_else(|e| panic!("{spec:?}: {e}")).offset,
        other => panic!("{other:?}"),
    }
}

/// Batches bigger than the consumer's fetch limits (Apache Kafka then returns the first batch
/// whole and may cut the last one short), a null key and value, explicit CreateTime timestamps,
/// a record over the broker's `message.max.bytes` (MESSAGE_TOO_LARGE, not retried), and a
/// topic that is gone (UNKNOWN_TOPIC_OR_PARTITION once `delivery.timeout.ms` passes).
#[test]
#[ignore = "needs Apache Kafka: KAFKETTE_APACHE_BOOTSTRAP (tests/compat/test_ours_vs_apache.py)"]
fn fetch_limits_big_batches_and_broker_rejections() {
    const N: usize = 300;
    const T0: i64 = 1_600_000_000_000;
    let bootstrap = bootstrap();
    let bootstrap = bootstrap.as_str();
    let mut admin = admin(bootstrap);
    let topic = unique("ours-limits");
    create_topic(&mut admin, &topic);
    let mut p = Producer::new([
        ("bootstrap.servers", bootstrap),
        ("linger.ms", "50"),
        ("batch.size", "200000"),
        ("max.request.size", "3000000"),
    ])
    .unwrap();
    for i in 0..N {
        let mut r = record(&topic, i);
        r.partition = Some(0);
        r.value = Some(Bytes::from(vec![b'a' + (i % 26) as u8; 3000]));
        if i == 5 {
            (r.key, r.value) = (None, None);
        }
        r.timestamp = Some(T0 + i as i64);
        p.send(r).unwrap();
    }
    p.flush(WAIT).unwrap();
    assert!(p.take_events().iter().all(|ProducerEvent::Delivery { result, .. }| result.is_ok()));
    let mut big = record(&topic, 1);
    big.value = Some(Bytes::from(vec![0u8; 1_500_000]));
    p.send(big).unwrap();
    p.flush(WAIT).unwrap();
    let events = p.take_events();
    let [ProducerEvent::Delivery { result: Err(e), .. }] = events.as_slice() else { panic!("{events:?}") };
    assert_eq!(e.code(), ErrorCode::MESSAGE_TOO_LARGE, "{e}");

    let mut c = Consumer::new([
        ("bootstrap.servers", bootstrap),
        ("auto.offset.reset", "earliest"),
        ("max.partition.fetch.bytes", "10000"),
        ("fetch.max.bytes", "25000"),
    ])
    .unwrap();
    c.assign(vec![(TopicPartition::new(&topic, 0), None)]);
    let mut got = Vec::new();
    let deadline = Instant::now() + WAIT;
    while got.len() < N && Instant::now() < deadline {
        got.extend(c.poll(Duration::from_millis(300)).unwrap());
    }
    assert_eq!(got.len(), N);
    for (i, r) in got.iter().enumerate() {
        assert_eq!((r.offset, r.timestamp), (i as i64, T0 + i as i64));
        assert_eq!(r.timestamp_type, kafkette::record::TimestampType::CreateTime);
        if i == 5 {
            assert_eq!((&r.key, &r.value), (&None, &None));
        } else {
            assert_eq!(r.value.as_deref(), Some(&[b'a' + (i % 26) as u8; 3000][..]));
        }
    }

    delete_topic(&mut admin, &topic);
    let mut p = Producer::new([
        ("bootstrap.servers", bootstrap),
        ("delivery.timeout.ms", "2000"),
        ("request.timeout.ms", "1000"),
        ("linger.ms", "0"),
        ("allow.auto.create.topics", "false"),
    ])
    .unwrap();
    p.send(record(&topic, 1)).unwrap();
    p.flush(WAIT).unwrap();
    let events = p.take_events();
    let [ProducerEvent::Delivery { result: Err(e), .. }] = events.as_slice() else { panic!("{events:?}") };
    assert_eq!(e.code(), ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, "{e}");
}

/// The broker recompresses uncompressed batches for a topic with `compression.type` set: our
/// consumer decodes what Java's codecs wrote (gzip, snappy as xerial frames, lz4 frames, zstd).
#[test]
#[ignore = "needs Apache Kafka: KAFKETTE_APACHE_BOOTSTRAP (tests/compat/test_ours_vs_apache.py)"]
fn batches_compressed_by_the_broker_decode() {
    const N: usize = 200;
    let bootstrap = bootstrap();
    let bootstrap = bootstrap.as_str();
    let mut admin = admin(bootstrap);
    for codec in ["gzip", "snappy", "lz4", "zstd"] {
        let topic = unique(&format!("ours-broker-{codec}"));
        let created = admin
            .create_topics(vec![NewTopic::new(&topic, 1, 1).with_config("compression.type", codec)], false)
            .expect("CreateTopics");
        assert!(matches!(&created, AdminResult::CreateTopics(r) if r[0].1.is_ok()), "{created:?}");
        let mut p =
            Producer::new([("bootstrap.servers", bootstrap), ("linger.ms", "20"), ("compression.type", "none")])
                .unwrap();
        for i in 0..N {
            p.send(record(&topic, i)).unwrap();
        }
        p.flush(WAIT).unwrap();
        let mut c = Consumer::new([("bootstrap.servers", bootstrap), ("auto.offset.reset", "earliest")]).unwrap();
        c.assign(vec![(TopicPartition::new(&topic, 0), None)]);
        let mut got = Vec::new();
        let deadline = Instant::now() + WAIT;
        while got.len() < N && Instant::now() < deadline {
            got.extend(c.poll(Duration::from_millis(300)).unwrap_or_else(|e| panic!("{codec}: {e}")));
        }
        assert_eq!(got.len(), N, "{codec}");
        for (i, r) in got.iter().enumerate() {
            let expected = record(&topic, i);
            assert_eq!(
                (r.offset, &r.key, &r.value, &r.headers),
                (i as i64, &expected.key, &expected.value, &expected.headers)
            );
        }
        delete_topic(&mut admin, &topic);
    }
}

/// A dead first bootstrap address is skipped; a partition the topic does not have is named.
#[test]
#[ignore = "needs Apache Kafka: KAFKETTE_APACHE_BOOTSTRAP (tests/compat/test_ours_vs_apache.py)"]
fn a_dead_bootstrap_address_is_skipped() {
    let bootstrap = bootstrap();
    let topic = unique("ours-bootstrap");
    let mut admin = admin(&bootstrap);
    create_topic(&mut admin, &topic);
    let servers = format!("127.0.0.1:1,{bootstrap}");
    let mut p = Producer::new([("bootstrap.servers", servers.as_str()), ("linger.ms", "0")]).unwrap();
    p.send(record(&topic, 1)).unwrap();
    p.flush(WAIT).unwrap();
    let events = p.take_events();
    assert!(matches!(events.as_slice(), [ProducerEvent::Delivery { result: Ok(_), .. }]), "{events:?}");
    match admin.list_offsets(vec![(TopicPartition::new(&topic, 7), OffsetSpec::Latest)], false).unwrap() {
        AdminResult::ListOffsets(r) => {
            assert_eq!(r[0].1.as_ref().unwrap_err().code(), ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)
        }
        other => panic!("{other:?}"),
    }
    delete_topic(&mut admin, &topic);
}

/// Transactions written by Apache Kafka's Java producer (tests/compat/ours/TxnProducer.java, run
/// with the broker's jars): read_committed returns the committed records only, read_uncommitted
/// the aborted ones too; transaction markers are never records.
#[test]
#[ignore = "needs Apache Kafka: KAFKETTE_APACHE_BOOTSTRAP (tests/compat/test_ours_vs_apache.py)"]
fn read_committed_against_java_transactions() {
    let bootstrap = bootstrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("repo root").to_path_buf();
    let jars = root.join("tests/compat/.jars/lib");
    assert!(jars.is_dir(), "{} missing: run `make compat-jars`", jars.display());
    let topic = unique("ours-txn");
    let mut admin = admin(&bootstrap);
    match admin.create_topics(vec![NewTopic::new(&topic, 1, 1)], false).expect("CreateTopics") {
        AdminResult::CreateTopics(r) => r[0].1.as_ref().unwrap_or_else(|e| panic!("{e}")),
        other => panic!("{other:?}"),
    };
    let out = std::process::Command::new("java")
        .arg("-cp")
        .arg(format!("{}/*", jars.display()))
        .arg(root.join("tests/compat/ours/TxnProducer.java"))
        .args([&bootstrap, &topic])
        .output()
        .expect("java runs (Java 17)");
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("transactions written"),
        "TxnProducer.java: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let read = |isolation: &str| -> Vec<String> {
        let mut c = Consumer::new([
            ("bootstrap.servers", bootstrap.as_str()),
            ("auto.offset.reset", "earliest"),
            ("isolation.level", isolation),
            ("enable.partition.eof", "true"),
        ])
        .unwrap();
        c.assign(vec![(TopicPartition::new(&topic, 0), None)]);
        let mut got = Vec::new();
        let deadline = Instant::now() + WAIT;
        // Up to the end of the log: 4 transactions of 5 records and 4 markers = offset 24.
        while c.position(&TopicPartition::new(&topic, 0)) != Some(24) && Instant::now() < deadline {
            got.extend(c.poll(Duration::from_millis(300)).unwrap());
        }
        got.into_iter().map(|r| String::from_utf8(r.value.unwrap().to_vec()).unwrap()).collect()
    };
    let committed: Vec<String> = (0..10).map(|i| format!("c{i}")).collect();
    assert_eq!(read("read_committed"), committed);
    let all: Vec<String> = ["c0", "c1", "c2", "c3", "c4", "a0", "a1", "a2", "a3", "a4"]
        .into_iter()
        .map(String::from)
        .chain((5..10).map(|i| format!("c{i}")))
        .chain((5..10).map(|i| format!("a{i}")))
        .collect();
    assert_eq!(read("read_uncommitted"), all);
    delete_topic(&mut admin, &topic);
}
