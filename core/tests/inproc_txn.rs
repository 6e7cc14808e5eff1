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
