//! End-to-end tests of the in-process driver: the real broker, producer,
//! consumer and admin state machines behind the blocking API.

use std::time::{Duration, Instant};

use bytes::Bytes;
use kafkette::admin::{AdminResult, OffsetSpec};
use kafkette::consumer::TopicPartition;
use kafkette::local::Cluster;
use kafkette::producer::partitioner::partition_for_key;
use kafkette::producer::{ProducerEvent, ProducerRecord, RecordMetadata};
use kafkette::record::RecordHeader;
use kafkette::ErrorCode;

const WAIT: Duration = Duration::from_secs(10);

fn rec(topic: &str, key: Option<&str>, value: &str) -> ProducerRecord {
    ProducerRecord {
        topic: topic.into(),
        partition: None,
        key: key.map(|k| Bytes::copy_from_slice(k.as_bytes())),
        value: Some(Bytes::copy_from_slice(value.as_bytes())),
        headers: vec![],
        timestamp: None,
    }
}

fn tp(topic: &str, partition: i32) -> TopicPartition {
    TopicPartition { topic: topic.into(), partition }
}

fn deliveries(events: Vec<ProducerEvent>) -> Vec<RecordMetadata> {
    events.into_iter().map(|ProducerEvent::Delivery { result, .. }| result.expect("delivery failed")).collect()
}

fn consume_n(consumer: &mut kafkette::local::Consumer, n: usize) -> Vec<kafkette::consumer::ConsumerRecord> {
    let mut out = Vec::new();
    let deadline = Instant::now() + WAIT;
    while out.len() < n && Instant::now() < deadline {
        out.extend(consumer.poll(Duration::from_millis(200)).unwrap());
    }
    out
}

#[test]
fn keyed_records_land_on_the_java_partitioners_partition_and_read_back() {
    let cluster = Cluster::new();
    cluster.admin([("client.id", "t")]).unwrap().create_topic("orders", 6, &[]).unwrap();
    let mut producer = cluster.producer([("linger.ms", "0")]).unwrap();
    let keys: Vec<String> = (0..200).map(|i| format!("customer-{i}")).collect();
    for (i, k) in keys.iter().enumerate() {
        producer.send(rec("orders", Some(k), &format!("v{i}"))).unwrap();
    }
    producer.flush(WAIT).unwrap();
    let mds = deliveries(producer.take_events());
    assert_eq!(mds.len(), 200);
    for (md, k) in mds.iter().zip(&keys) {
        assert_eq!(md.partition, partition_for_key(k.as_bytes(), 6), "key {k}");
    }

    let mut consumer = cluster.consumer([("auto.offset.reset", "earliest")]).unwrap();
    consumer.assign((0..6).map(|p| (tp("orders", p), None)).collect());
    let got = consume_n(&mut consumer, 200);
    assert_eq!(got.len(), 200);
    for r in &got {
        let key = std::str::from_utf8(r.key.as_deref().unwrap()).unwrap();
        let i: usize = key.trim_start_matches("customer-").parse().unwrap();
        assert_eq!(r.partition, partition_for_key(key.as_bytes(), 6));
        assert_eq!(r.value.as_deref(), Some(format!("v{i}").as_bytes()));
        let md = &mds[i];
        assert_eq!((md.partition, md.offset), (r.partition, r.offset));
    }
    // Offsets are dense per partition and order holds within a partition.
    for p in 0..6 {
        let offsets: Vec<i64> = got.iter().filter(|r| r.partition == p).map(|r| r.offset).collect();
        assert_eq!(offsets, (0..offsets.len() as i64).collect::<Vec<_>>());
    }
}

#[test]
fn headers_keep_order_and_duplicate_keys() {
    let cluster = Cluster::new();
    let mut producer = cluster.producer([("linger.ms", "0")]).unwrap();
    let headers = vec![
        RecordHeader { key: Bytes::from_static(b"trace"), value: Some(Bytes::from_static(b"1")) },
        RecordHeader { key: Bytes::from_static(b"dup"), value: Some(Bytes::from_static(b"a")) },
        RecordHeader { key: Bytes::from_static(b"dup"), value: None },
        RecordHeader { key: Bytes::from_static(b"dup"), value: Some(Bytes::from_static(b"c")) },
    ];
    let mut r = rec("h", Some("k"), "v");
    r.headers = headers.clone();
    producer.send(r).unwrap();
    producer.flush(WAIT).unwrap();
    let mut consumer = cluster.consumer([("auto.offset.reset", "earliest")]).unwrap();
    consumer.assign(vec![(tp("h", 0), None)]);
    let got = consume_n(&mut consumer, 1);
    assert_eq!(got[0].headers, headers);
}

#[test]
fn every_codec_round_trips() {
    for codec in ["none", "gzip", "snappy", "lz4", "zstd"] {
        let cluster = Cluster::new();
        let mut producer = cluster.producer([("compression.type", codec), ("linger.ms", "50")]).unwrap();
        for i in 0..500 {
            producer
                .send(rec("c", Some(&format!("k{}", i % 7)), &format!("value {i} {}", "x".repeat(i % 50))))
                .unwrap();
        }
        producer.flush(WAIT).unwrap();
        assert_eq!(deliveries(producer.take_events()).len(), 500, "{codec}");
        let mut consumer = cluster.consumer([("auto.offset.reset", "earliest")]).unwrap();
        consumer.assign(vec![(tp("c", 0), None)]);
        let got = consume_n(&mut consumer, 500);
        assert_eq!(got.len(), 500, "{codec}");
        for (i, r) in got.iter().enumerate() {
            assert_eq!(r.offset, i as i64);
            assert_eq!(r.value.as_deref(), Some(format!("value {i} {}", "x".repeat(i % 50)).as_bytes()), "{codec}");
        }
    }
}

#[test]
fn acks_zero_reports_without_offsets_and_still_stores() {
    let cluster = Cluster::new();
    let mut producer = cluster.producer([("acks", "0"), ("enable.idempotence", "false"), ("linger.ms", "0")]).unwrap();
    for i in 0..10 {
        producer.send(rec("a0", None, &format!("{i}"))).unwrap();
    }
    producer.flush(WAIT).unwrap();
    let mds = deliveries(producer.take_events());
    assert_eq!(mds.len(), 10);
    assert!(mds.iter().all(|m| m.offset == -1));
    let end = cluster.with_broker(|b| b.partition("a0", 0).map(|p| p.log_end_offset()));
    assert_eq!(end, Some(10));
}

#[test]
fn a_waiting_poll_wakes_when_another_thread_produces() {
    let cluster = Cluster::new();
    cluster.admin([("client.id", "t")]).unwrap().create_topic("live", 1, &[]).unwrap();
    let mut consumer = cluster.consumer([("auto.offset.reset", "latest"), ("fetch.max.wait.ms", "5000")]).unwrap();
    consumer.assign(vec![(tp("live", 0), None)]);
    assert!(consumer.poll(Duration::from_millis(100)).unwrap().is_empty());
    let c2 = cluster.clone();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        let mut p = c2.producer([("linger.ms", "0")]).unwrap();
        p.send(rec("live", None, "ping")).unwrap();
        p.flush(WAIT).unwrap();
    });
    let start = Instant::now();
    let got = consume_n(&mut consumer, 1);
    t.join().unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].value.as_deref(), Some(&b"ping"[..]));
    // Woken by the produce, not by fetch.max.wait.ms expiring.
    assert!(start.elapsed() < Duration::from_millis(4000), "took {:?}", start.elapsed());
}

#[test]
fn latest_and_none_offset_reset() {
    let cluster = Cluster::new();
    let mut producer = cluster.producer([("linger.ms", "0")]).unwrap();
    for i in 0..5 {
        producer.send(rec("r", None, &format!("old{i}"))).unwrap();
    }
    producer.flush(WAIT).unwrap();

    let mut latest = cluster.consumer([("auto.offset.reset", "latest")]).unwrap();
    latest.assign(vec![(tp("r", 0), None)]);
    assert!(latest.poll(Duration::from_millis(200)).unwrap().is_empty());
    assert_eq!(latest.position(&tp("r", 0)), Some(5));

    let mut none = cluster.consumer([("auto.offset.reset", "none")]).unwrap();
    none.assign(vec![(tp("r", 0), None)]);
    let err = none.poll(Duration::from_secs(2)).unwrap_err();
    assert!(err.message().contains("r"), "error should name the partition: {err}");

    let mut seeker = cluster.consumer([("auto.offset.reset", "none")]).unwrap();
    seeker.assign(vec![(tp("r", 0), Some(3))]);
    let got = consume_n(&mut seeker, 2);
    assert_eq!(got.iter().map(|r| r.offset).collect::<Vec<_>>(), vec![3, 4]);
}

#[test]
fn retention_by_bytes_moves_the_log_start_and_reset_skips_ahead() {
    // Retention runs on the broker's schedule (log.retention.check.interval.ms).
    let cluster = Cluster::with_config([("log.retention.check.interval.ms", "20")]).unwrap();
    let mut admin = cluster.admin([("client.id", "t")]).unwrap();
    admin.create_topic("small", 1, &[("retention.bytes", "2000"), ("retention.ms", "-1")]).unwrap();
    let mut producer = cluster.producer([("linger.ms", "0"), ("batch.size", "200")]).unwrap();
    for i in 0..100 {
        producer.send(rec("small", None, &format!("{i:0>90}"))).unwrap();
        producer.flush(WAIT).unwrap();
    }
    std::thread::sleep(Duration::from_millis(50));
    let mut consumer = cluster.consumer([("auto.offset.reset", "earliest"), ("client.id", "late")]).unwrap();
    consumer.assign(vec![(tp("small", 0), Some(0))]);
    let deadline = Instant::now() + WAIT;
    let mut first = None;
    while first.is_none() && Instant::now() < deadline {
        if let Some(r) = consumer.poll(Duration::from_millis(100)).unwrap().first() {
            first = Some(r.offset);
        }
    }
    let start = cluster.with_broker(|b| b.partition("small", 0).unwrap().log_start_offset());
    assert!(start > 0, "retention.bytes should have deleted old batches (log start {start})");
    assert_eq!(first, Some(start), "offset 0 fell out of retention; earliest reset jumps to the log start");
}

#[test]
fn log_append_time_topics_stamp_records_with_broker_time() {
    let cluster = Cluster::new();
    let mut admin = cluster.admin([("client.id", "t")]).unwrap();
    admin.create_topic("lat", 1, &[("message.timestamp.type", "LogAppendTime")]).unwrap();
    let mut producer = cluster.producer([("linger.ms", "0")]).unwrap();
    let mut r = rec("lat", None, "x");
    r.timestamp = Some(1_000);
    producer.send(r).unwrap();
    producer.flush(WAIT).unwrap();
    let md = deliveries(producer.take_events()).pop().unwrap();
    assert!(md.timestamp > 1_000_000_000_000, "LogAppendTime should replace CreateTime 1000, got {}", md.timestamp);
    let mut consumer = cluster.consumer([("auto.offset.reset", "earliest")]).unwrap();
    consumer.assign(vec![(tp("lat", 0), None)]);
    let got = consume_n(&mut consumer, 1);
    assert_eq!(got[0].timestamp, md.timestamp);
    assert_eq!(got[0].timestamp_type, kafkette::record::TimestampType::LogAppendTime);
}

#[test]
fn admin_lists_topics_offsets_and_rejects_bad_input() {
    let cluster = Cluster::new();
    let mut admin = cluster.admin([("client.id", "t")]).unwrap();
    admin.create_topic("a", 2, &[]).unwrap();
    let err = admin.create_topic("a", 2, &[]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::TOPIC_ALREADY_EXISTS);
    let err = admin.create_topic("bad name!", 1, &[]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::INVALID_TOPIC_EXCEPTION);
    let err = admin.create_topic("b", 1, &[("retention.mss", "1")]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::INVALID_CONFIG);
    assert!(err.message().contains("retention.mss"), "{err}");

    match admin.list_topics().unwrap() {
        AdminResult::ListTopics(topics) => {
            let names: Vec<_> = topics.iter().map(|t| t.name.as_str()).collect();
            assert_eq!(names, vec!["a"]);
            assert_eq!(topics[0].partitions, 2);
        }
        other => panic!("{other:?}"),
    }

    let mut producer = cluster.producer([("linger.ms", "0")]).unwrap();
    for i in 0..3 {
        let mut r = rec("a", None, "x");
        r.partition = Some(1);
        r.timestamp = Some(1_000 + i);
        producer.send(r).unwrap();
    }
    producer.flush(WAIT).unwrap();
    // One spec per partition and call, as Kafka's Admin.listOffsets takes a map.
    for (spec, expected) in [(OffsetSpec::Earliest, 0), (OffsetSpec::Latest, 3), (OffsetSpec::Timestamp(1_001), 1)] {
        match admin.list_offsets(vec![(tp("a", 1), spec), (tp("a", 0), OffsetSpec::Latest)], false).unwrap() {
            AdminResult::ListOffsets(res) => {
                let offs: Vec<i64> = res.iter().map(|(_, r)| r.as_ref().unwrap().offset).collect();
                assert_eq!(offs, vec![expected, 0]);
            }
            other => panic!("{other:?}"),
        }
    }
    admin.delete_topics(vec!["a".into()]).unwrap();
    match admin.list_topics().unwrap() {
        AdminResult::ListTopics(topics) => assert!(topics.is_empty()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_configuration_names_the_key() {
    let cluster = Cluster::new();
    let err = cluster.producer([("acks", "2")]).err().unwrap();
    assert!(err.message().contains("acks"), "{err}");
    let err = cluster.producer([("lingerr.ms", "2")]).err().unwrap();
    assert!(err.message().contains("lingerr.ms"), "{err}");
    let err = cluster.consumer([("auto.offset.reset", "sometimes")]).err().unwrap();
    assert!(err.message().contains("auto.offset.reset"), "{err}");
    let err = Cluster::with_config([("num.partitions", "zero")]).err().unwrap();
    assert!(err.message().contains("num.partitions"), "{err}");
}

#[test]
fn explicit_partition_out_of_range_fails_the_record() {
    let cluster = Cluster::new();
    cluster.admin([("client.id", "t")]).unwrap().create_topic("two", 2, &[]).unwrap();
    let mut producer = cluster.producer([("linger.ms", "0")]).unwrap();
    let mut r = rec("two", None, "x");
    r.partition = Some(5);
    let result = producer.send(r).and_then(|_| producer.flush(WAIT));
    let failed = match result {
        Err(e) => Some(e),
        Ok(()) => producer.take_events().into_iter().find_map(|ProducerEvent::Delivery { result, .. }| result.err()),
    };
    let err = failed.expect("partition 5 of a 2-partition topic must fail");
    assert!(err.message().contains('5') && err.message().contains("two"), "{err}");
}

/// Idempotence is on by default: the producer asks the broker for a producer id first, and
/// every record is stored once, in order, with several batches in flight per partition.
#[test]
fn the_default_producer_is_idempotent_against_our_broker() {
    let cluster = Cluster::new();
    cluster.admin([("client.id", "t")]).unwrap().create_topic("idem", 3, &[]).unwrap();
    let mut producer = cluster.producer([("linger.ms", "0"), ("batch.size", "200")]).unwrap();
    assert!(producer.machine().config().enable_idempotence);
    for i in 0..600 {
        producer.send(ProducerRecord { partition: Some(i % 3), ..rec("idem", None, &format!("v{i}")) }).unwrap();
    }
    producer.flush(WAIT).unwrap();
    let (id, epoch) = producer.machine().producer_id().expect("a producer id from InitProducerId");
    assert!(id >= 0 && epoch >= 0);
    assert_eq!(deliveries(producer.take_events()).len(), 600);
    let mut other = cluster.producer([("linger.ms", "0")]).unwrap();
    other.send(rec("idem", None, "x")).unwrap();
    other.flush(WAIT).unwrap();
    assert_ne!(other.machine().producer_id().unwrap().0, id, "each producer gets its own id");

    let mut consumer = cluster.consumer([("auto.offset.reset", "earliest")]).unwrap();
    consumer.assign((0..3).map(|p| (tp("idem", p), None)).collect());
    let got = consume_n(&mut consumer, 601);
    assert_eq!(got.len(), 601);
    for p in 0..3 {
        let values: Vec<usize> = got
            .iter()
            .filter(|r| r.partition == p)
            .filter_map(|r| std::str::from_utf8(r.value.as_deref().unwrap()).unwrap().strip_prefix('v')?.parse().ok())
            .collect();
        let want: Vec<usize> = (0..600).filter(|i| i % 3 == p as usize).collect();
        assert_eq!(values, want, "partition {p}: once each, in order");
    }
}

#[test]
fn idempotence_off_sends_no_producer_id() {
    let cluster = Cluster::new();
    let mut producer = cluster.producer([("enable.idempotence", "false")]).unwrap();
    producer.send(rec("plain", None, "x")).unwrap();
    producer.flush(WAIT).unwrap();
    assert_eq!(producer.machine().producer_id(), None);
    assert_eq!(deliveries(producer.take_events()).len(), 1);
}
