//! Our transactional producer against our own broker's transaction coordinator, in process:
//! commit and abort seen through a read_committed consumer, zombie fencing.

use std::time::{Duration, Instant};

use bytes::Bytes;
use kafkette::consumer::TopicPartition;
use kafkette::local::Cluster;
use kafkette::producer::{ProducerEvent, ProducerRecord, TxnState};

const WAIT: Duration = Duration::from_secs(10);

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

/// Values in `topic` (2 partitions) as a consumer with `isolation` reads them, per partition.
fn read(cluster: &Cluster, topic: &str, isolation: &str, expect: usize) -> Vec<Vec<String>> {
    let mut c = cluster.consumer([("auto.offset.reset", "earliest"), ("isolation.level", isolation)]).unwrap();
    c.assign((0..2).map(|p| (TopicPartition { topic: topic.into(), partition: p }, Some(0))).collect());
    let mut out = vec![Vec::new(), Vec::new()];
    let deadline = Instant::now() + WAIT;
    let mut n = 0;
    let mut quiet_until = None;
    while Instant::now() < deadline {
        for r in c.poll(Duration::from_millis(50)).unwrap() {
            out[r.partition as usize].push(String::from_utf8(r.value.unwrap().to_vec()).unwrap());
            n += 1;
        }
        if n >= expect {
            let until = *quiet_until.get_or_insert_with(|| Instant::now() + Duration::from_millis(300));
            if Instant::now() >= until {
                break;
            }
        }
    }
    out
}

#[test]
fn committed_records_are_seen_and_aborted_ones_are_not() {
    let cluster = Cluster::new();
    cluster.admin([("client.id", "t")]).unwrap().create_topic("txn", 2, &[]).unwrap();
    let mut p = cluster.producer([("transactional.id", "tx-1"), ("linger.ms", "5")]).unwrap();
    p.init_transactions(WAIT).unwrap();
    p.begin_transaction().unwrap();
    for i in 0..10 {
        p.send(record("txn", i % 2, &format!("c{i}"))).unwrap();
    }
    p.commit_transaction(WAIT).unwrap();
    p.begin_transaction().unwrap();
    for i in 0..10 {
        p.send(record("txn", i % 2, &format!("a{i}"))).unwrap();
    }
    p.flush(WAIT).unwrap();
    p.abort_transaction(WAIT).unwrap();
    p.begin_transaction().unwrap();
    for i in 10..20 {
        p.send(record("txn", i % 2, &format!("c{i}"))).unwrap();
    }
    p.commit_transaction(WAIT).unwrap();
    let reports = p.take_events();
    assert_eq!(reports.len(), 30);
    assert!(reports.iter().all(|ProducerEvent::Delivery { result, .. }| result.is_ok()));

    let committed = read(&cluster, "txn", "read_committed", 20);
    for part in 0..2 {
        let want: Vec<String> = (0..20).filter(|i| i % 2 == part).map(|i| format!("c{i}")).collect();
        assert_eq!(committed[part as usize], want, "partition {part}");
    }
    let all = read(&cluster, "txn", "read_uncommitted", 30);
    assert_eq!(all.iter().map(Vec::len).sum::<usize>(), 30);
}

#[test]
fn a_second_producer_with_the_same_transactional_id_fences_the_first() {
    let cluster = Cluster::new();
    cluster.admin([("client.id", "t")]).unwrap().create_topic("zombie", 2, &[]).unwrap();
    let mut old = cluster.producer([("transactional.id", "tx-z")]).unwrap();
    old.init_transactions(WAIT).unwrap();
    old.begin_transaction().unwrap();
    old.send(record("zombie", 0, "zombie")).unwrap();
    old.flush(WAIT).unwrap();
    let mut new = cluster.producer([("transactional.id", "tx-z")]).unwrap();
    new.init_transactions(WAIT).unwrap();
    let e = old.commit_transaction(WAIT).unwrap_err();
    assert!(e.is_fatal(), "{e}");
    assert_eq!(old.txn_state(), Some(TxnState::FatalError));
    new.begin_transaction().unwrap();
    new.send(record("zombie", 0, "live")).unwrap();
    new.commit_transaction(WAIT).unwrap();
    assert_eq!(read(&cluster, "zombie", "read_committed", 1)[0], ["live"]);
}

/// Consume-process-produce against our broker's two coordinators: a copier in a group copies an
/// input topic in transactions with `send_offsets_to_transaction`; an aborted transaction
/// commits neither its records nor its offsets; at the end the copy read read_committed equals
/// the input and the group's committed offsets are the input's end.
#[test]
fn a_transactional_copy_commits_records_and_offsets_together() {
    use kafkette::producer::TxnOffset;
    let cluster = Cluster::new();
    let mut admin = cluster.admin([("client.id", "t")]).unwrap();
    admin.create_topic("in", 2, &[]).unwrap();
    admin.create_topic("out", 2, &[]).unwrap();
    let mut plain = cluster.producer([("linger.ms", "1")]).unwrap();
    for i in 0..60 {
        plain.send(record("in", i % 2, &format!("v{i}"))).unwrap();
    }
    plain.flush(WAIT).unwrap();

    let mut consumer = cluster
        .consumer([
            ("group.id", "copier"),
            ("enable.auto.commit", "false"),
            ("auto.offset.reset", "earliest"),
            ("isolation.level", "read_committed"),
        ])
        .unwrap();
    consumer.subscribe(&["in"]).unwrap();
    let mut producer = cluster.producer([("transactional.id", "copy-1"), ("linger.ms", "1")]).unwrap();
    producer.init_transactions(WAIT).unwrap();
    let tps: Vec<TopicPartition> = (0..2).map(|p| TopicPartition { topic: "in".into(), partition: p }).collect();

    let mut copied = 0;
    let mut aborted_once = false;
    let deadline = Instant::now() + WAIT * 3;
    while copied < 60 && Instant::now() < deadline {
        let records = consumer.poll_up_to(Duration::from_millis(100), 10).unwrap();
        if records.is_empty() {
            continue;
        }
        producer.begin_transaction().unwrap();
        for r in &records {
            let v = String::from_utf8(r.value.clone().unwrap().to_vec()).unwrap();
            producer.send(record("out", r.partition, &v)).unwrap();
        }
        let offsets: Vec<TxnOffset> = tps
            .iter()
            .filter_map(|tp| consumer.position(tp).map(|o| (tp, o)))
            .map(|(tp, o)| TxnOffset { topic: tp.topic.clone(), partition: tp.partition, offset: o, metadata: None })
            .collect();
        let metadata = consumer.group_metadata().expect("a group member");
        producer.send_offsets_to_transaction(offsets, &metadata, WAIT).unwrap();
        if !aborted_once {
            // The first transaction is aborted: neither its records nor its offsets count; redo it.
            aborted_once = true;
            producer.abort_transaction(WAIT).unwrap();
            let committed = consumer.committed(tps.clone(), WAIT).unwrap();
            assert!(committed.iter().all(|(_, o)| o.is_none()), "offsets of an aborted transaction: {committed:?}");
            for p in 0..2 {
                if let Some(first) = records.iter().filter(|r| r.partition == p).map(|r| r.offset).min() {
                    consumer.seek(&TopicPartition { topic: "in".into(), partition: p }, first).unwrap();
                }
            }
            continue;
        }
        producer.commit_transaction(WAIT).unwrap();
        copied += records.len();
    }
    assert_eq!(copied, 60);
    let committed = consumer.committed(tps.clone(), WAIT).unwrap();
    let ends: Vec<i64> = committed.iter().map(|(_, o)| o.as_ref().map_or(-1, |o| o.offset)).collect();
    assert_eq!(ends, [30, 30]);
    let out = read(&cluster, "out", "read_committed", 60);
    for part in 0..2 {
        let want: Vec<String> = (0..60).filter(|i| i % 2 == part).map(|i| format!("v{i}")).collect();
        assert_eq!(out[part as usize], want, "partition {part}");
    }
    consumer.close(WAIT).unwrap();
}
