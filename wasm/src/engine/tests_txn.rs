//! Transactions through the engine, as the playground's lessons 9 and 10 drive them.

use super::*;
use crate::snapshot::PartitionView;

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn send(e: &mut Engine, p: usize, value: &str) {
    e.send(p, Engine::text_record("t", None, Some(value), Some(0))).unwrap();
}

/// Everything `c` polls in `ms` of virtual time, as values.
fn poll_for(e: &mut Engine, c: usize, ms: Millis) -> Vec<String> {
    let mut got = Vec::new();
    for _ in 0..ms / 50 {
        e.run_for(50);
        for r in e.poll(c).unwrap() {
            got.push(String::from_utf8_lossy(r.value.as_deref().unwrap_or_default()).into_owned());
        }
    }
    got
}

fn reader(e: &mut Engine, name: &str, isolation: &str) -> usize {
    let c = e.add_consumer(name, &pairs(&[("isolation.level", isolation), ("auto.offset.reset", "earliest")])).unwrap();
    e.assign(c, vec![(TopicPartition::new("t", 0), None)]).unwrap();
    c
}

fn log(e: &Engine) -> PartitionView {
    e.snapshot().topics.into_iter().find(|t| t.name == "t").unwrap().partitions.remove(0)
}

/// One committed transaction (a, b), one aborted (c), one committed (d).
fn three_transactions() -> (Engine, usize) {
    let mut e = Engine::new(SimConfig { seed: 5, ..SimConfig::default() });
    e.create_topic("t", 1).unwrap();
    let p = e.add_producer("p", &pairs(&[("transactional.id", "tx")])).unwrap();
    e.init_transactions(p).unwrap();
    for (values, commit) in [(&["a", "b"][..], true), (&["c"][..], false), (&["d"][..], true)] {
        e.begin_transaction(p).unwrap();
        for v in values {
            send(&mut e, p, v);
        }
        if commit {
            e.commit_transaction(p).unwrap();
        } else {
            e.flush_producer(p).unwrap();
            e.run_for(100);
            e.abort_transaction(p).unwrap();
        }
    }
    (e, p)
}

#[test]
fn aborted_records_stay_in_the_log_and_only_read_uncommitted_sees_them() {
    let (mut e, p) = three_transactions();
    let log = log(&e);
    let cells: Vec<_> = log.records.iter().map(|r| (r.offset, r.value.as_deref(), r.control, r.aborted)).collect();
    assert_eq!(
        cells,
        [
            (0, Some("a"), None, false),
            (1, Some("b"), None, false),
            (2, None, Some("COMMIT"), false),
            (3, Some("c"), None, true),
            (4, None, Some("ABORT"), false),
            (5, Some("d"), None, false),
            (6, None, Some("COMMIT"), false),
        ]
    );
    let pid = log.records[0].producer_id;
    assert!(pid >= 0 && log.records.iter().all(|r| r.transactional && r.producer_id == pid));
    assert_eq!(log.aborted.len(), 1);
    assert_eq!((log.aborted[0].producer_id, log.aborted[0].first_offset, log.aborted[0].marker_offset), (pid, 3, 4));
    assert_eq!((log.last_stable_offset, log.high_watermark, log.log_end_offset), (7, 7, 7));

    let s = e.snapshot();
    let prod = &s.producers[0];
    assert_eq!((prod.node, prod.transactional_id.as_deref(), prod.producer_id, prod.epoch), (p, Some("tx"), pid, 0));
    assert_eq!(prod.transaction_state.as_deref(), Some("Ready"));
    assert!(prod.in_flight.is_empty());
    assert_eq!(prod.partitions.len(), 1);
    assert_eq!(prod.partitions[0].next_sequence, Some(4), "four data records, markers take no sequence");
    let txn = &s.transactions[0];
    assert_eq!((txn.transactional_id.as_str(), txn.state.as_str(), txn.producer_id), ("tx", "CompleteCommit", pid));

    let committed = reader(&mut e, "rc", "read_committed");
    let uncommitted = reader(&mut e, "ru", "read_uncommitted");
    assert_eq!(poll_for(&mut e, committed, 500), ["a", "b", "d"]);
    assert_eq!(poll_for(&mut e, uncommitted, 500), ["a", "b", "c", "d"]);
    let s = e.snapshot();
    let positions: Vec<_> = s.consumers.iter().map(|c| (c.isolation_level, c.partitions[0].position)).collect();
    assert_eq!(positions, [("read_committed", Some(7)), ("read_uncommitted", Some(7))]);
}

#[test]
fn read_committed_stops_at_the_lso_while_a_transaction_is_open() {
    let (mut e, p) = three_transactions();
    e.begin_transaction(p).unwrap();
    send(&mut e, p, "open");
    e.flush_producer(p).unwrap();
    e.run_for(100);
    let open = log(&e);
    assert_eq!((open.last_stable_offset, open.high_watermark), (7, 8), "the LSO holds at the open transaction");
    assert_eq!(e.snapshot().transactions[0].state, "Ongoing");
    assert_eq!(e.snapshot().producers[0].transaction_state.as_deref(), Some("InTransaction"));
    let committed = reader(&mut e, "rc", "read_committed");
    let uncommitted = reader(&mut e, "ru", "read_uncommitted");
    assert_eq!(poll_for(&mut e, committed, 500), ["a", "b", "d"]);
    assert_eq!(poll_for(&mut e, uncommitted, 500), ["a", "b", "c", "d", "open"]);
    let rc = e.snapshot().consumers[0].partitions[0].clone();
    assert_eq!(rc.position, Some(7), "read_committed waits at the LSO");
    e.commit_transaction(p).unwrap();
    assert_eq!(poll_for(&mut e, committed, 1000), ["open"]);
    let done = log(&e);
    assert_eq!((done.last_stable_offset, done.high_watermark), (9, 9));
}

#[test]
fn a_newer_producer_with_the_same_id_fences_the_zombie() {
    let mut e = Engine::new(SimConfig { seed: 9, ..SimConfig::default() });
    e.create_topic("t", 1).unwrap();
    let zombie = e.add_producer("zombie", &pairs(&[("transactional.id", "tx")])).unwrap();
    e.init_transactions(zombie).unwrap();
    e.begin_transaction(zombie).unwrap();
    send(&mut e, zombie, "z1");
    e.flush_producer(zombie).unwrap();
    e.run_for(100);
    let successor = e.add_producer("successor", &pairs(&[("transactional.id", "tx")])).unwrap();
    e.init_transactions(successor).unwrap();
    let s = e.snapshot();
    assert!(s.producers[1].epoch > s.producers[0].epoch, "the successor bumped the epoch");
    assert_eq!(s.transactions[0].epoch, s.producers[1].epoch);
    assert!(log(&e).records[0].aborted, "the zombie's open transaction was aborted");
    send(&mut e, zombie, "z2");
    let err = e.commit_transaction(zombie).unwrap_err();
    assert!(err.is_fatal() || err.txn_requires_abort(), "{err}");
    assert!(!log(&e).records.iter().any(|r| r.value.as_deref() == Some("z2") && !r.aborted));
    e.begin_transaction(successor).unwrap();
    send(&mut e, successor, "s1");
    e.commit_transaction(successor).unwrap();
    let committed = reader(&mut e, "rc", "read_committed");
    assert_eq!(poll_for(&mut e, committed, 500), ["s1"]);
}

#[test]
fn transactional_misuse_is_an_error() {
    let mut e = Engine::new(SimConfig::default());
    let plain = e.add_producer("plain", &[]).unwrap();
    let c = e.add_consumer("c", &[]).unwrap();
    assert!(e.init_transactions(plain).is_err(), "no transactional.id");
    assert!(e.init_transactions(c).is_err(), "a consumer");
    assert!(e.commit_transaction(42).is_err(), "no such node");
    let p = e.add_producer("p", &pairs(&[("transactional.id", "tx")])).unwrap();
    assert!(e.begin_transaction(p).is_err(), "before init_transactions");
    e.init_transactions(p).unwrap();
    e.begin_transaction(p).unwrap();
    let err = e.send_offsets_to_transaction(p, vec![], c).unwrap_err();
    assert_eq!(err.code(), kafkette::ErrorCode::INVALID_ARG, "{err}");
}

#[test]
fn a_producer_restarted_mid_transaction_aborts_what_it_left_open() {
    let (mut e, p) = three_transactions();
    e.begin_transaction(p).unwrap();
    send(&mut e, p, "lost");
    e.flush_producer(p).unwrap();
    e.run_for(100);
    e.crash(p).unwrap();
    assert!(e.commit_transaction(p).is_err(), "a crashed producer does nothing");
    assert_eq!(log(&e).last_stable_offset, 7, "the open transaction holds the LSO");
    e.restart(p).unwrap();
    e.init_transactions(p).unwrap();
    let after = log(&e);
    let lost = after.records.iter().find(|r| r.value.as_deref() == Some("lost")).unwrap();
    assert!(lost.aborted);
    assert_eq!(after.last_stable_offset, after.high_watermark);
    assert_eq!(e.snapshot().producers[0].transaction_state.as_deref(), Some("Ready"));
}

#[test]
fn the_producer_inspector_shows_a_batch_whose_ack_was_lost() {
    let mut e = Engine::new(SimConfig { seed: 1, ..SimConfig::default() });
    e.create_topic("t", 1).unwrap();
    let p = e.add_producer("p", &pairs(&[("request.timeout.ms", "1000")])).unwrap();
    e.inject(p, "Produce", FaultRule::drop_next_response).unwrap();
    send(&mut e, p, "x");
    e.run_for(100);
    let s = e.snapshot();
    let prod = &s.producers[0];
    assert_eq!((prod.idempotent, prod.acks, prod.pending), (true, "all", 1));
    assert_eq!(prod.in_flight.len(), 1, "{prod:?}");
    let b = &prod.in_flight[0];
    assert_eq!((b.topic.as_str(), b.partition, b.base_sequence, b.records, b.attempts), ("t", 0, Some(0), 1, 1));
    let q = &prod.partitions[0];
    assert_eq!((q.next_sequence, q.acked_sequence, q.in_flight_batches), (Some(1), Some(0), 1));
    e.run_for(5_000);
    let s = e.snapshot();
    let prod = &s.producers[0];
    assert!(prod.in_flight.is_empty());
    assert_eq!((prod.pending, prod.partitions[0].acked_sequence), (0, Some(1)));
    assert_eq!(log(&e).records.len(), 1, "the retry was recognised as a duplicate");
}
