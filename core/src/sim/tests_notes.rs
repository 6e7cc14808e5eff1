//! The journal says why: each rule of the broker, its coordinators and the clients that a
//! simulation can trigger appears as an `EventKind::Note` with its concrete values, under the
//! node whose request caused it (or the broker's own timers: None).

use super::test_support::{create_topic, record, wait_txn};
use super::*;
use crate::consumer::TopicPartition;
use crate::producer::TxnOp;

/// Every note of `rule` in the journal: (node, text, anomaly).
fn notes(sim: &Simulation, rule: &str) -> Vec<(Option<NodeId>, String, Option<&'static str>)> {
    sim.journal()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Note { rule: r, text, anomaly } if *r == rule => Some((e.node, text.clone(), *anomaly)),
            _ => None,
        })
        .collect()
}

/// The one note of `rule` whose text contains `needle` (panics with the rule's notes otherwise).
fn note_with(sim: &Simulation, rule: &str, needle: &str) -> (Option<NodeId>, String, Option<&'static str>) {
    let all = notes(sim, rule);
    all.iter()
        .find(|(_, t, _)| t.contains(needle))
        .cloned()
        .unwrap_or_else(|| panic!("no {rule} note containing {needle:?}; {rule} notes: {all:#?}"))
}

fn producer_config(pairs: &[(&str, &str)]) -> ProducerConfig {
    ProducerConfig::from_pairs(pairs.iter().copied()).unwrap()
}

fn txn_producer(sim: &mut Simulation, name: &str, extra: &[(&str, &str)]) -> NodeId {
    let mut pairs = vec![("transactional.id", "tx"), ("linger.ms", "0"), ("request.timeout.ms", "500")];
    pairs.extend_from_slice(extra);
    let p = sim.add_producer(name, producer_config(&pairs)).unwrap();
    sim.with_producer(p, |m, now| m.init_transactions(now)).unwrap();
    assert!(wait_txn(sim, p, TxnOp::InitTransactions).result.is_ok());
    p
}

/// A dropped Produce response: the idempotent producer retries after request.timeout.ms and the
/// broker answers the copy with the original offset, nothing appended.
fn dropped_ack_run(seed: u64) -> (Simulation, NodeId) {
    let mut sim = Simulation::with_seed(seed);
    create_topic(&mut sim, "t", 1);
    let p = sim.add_producer("p1", producer_config(&[("linger.ms", "0"), ("request.timeout.ms", "1000")])).unwrap();
    sim.send(p, record("t", Some(0), "a")).unwrap();
    sim.send(p, record("t", Some(0), "b")).unwrap();
    sim.flush_producer(p);
    assert!(sim.run_until_cond(5_000, |s| s.nodes[p.0].deliveries.len() == 2));
    sim.take_deliveries(p);
    sim.inject(FaultRule::drop_next_response(p, ApiKey::Produce));
    sim.send(p, record("t", Some(0), "c")).unwrap();
    assert!(sim.run_until_cond(30_000, |s| !s.nodes[p.0].deliveries.is_empty()));
    (sim, p)
}

#[test]
fn a_retried_produce_is_a_duplicate_sequence_answered_with_the_original_offset() {
    let (sim, p) = dropped_ack_run(3);
    let pid = sim.producer_ref(p).unwrap().producer_id().unwrap().0;
    let (node, text, anomaly) = note_with(&sim, "duplicate-sequence", "returned original offset 2");
    assert_eq!(text, format!("duplicate sequence 2 for producer {pid} on t-0: returned original offset 2"));
    assert_eq!(node, Some(p), "attributed to the producer whose request caused it");
    assert_eq!(anomaly, None, "idempotence saved us: not an anomaly");
    let (node, text, _) = note_with(&sim, "retry", "t-0 seq 2");
    assert_eq!(node, Some(p));
    assert!(text.contains("no Produce response within request.timeout.ms (1000 ms)"), "{text}");
    assert!(text.ends_with("(attempt 2)"), "{text}");
    // The first copy was appended once, the retry not.
    let (_, text, _) = note_with(&sim, "appended", "seq 2 stored");
    assert_eq!(text, format!("p{pid} epoch 0 seq 2 stored at t-0 @2"));
    assert_eq!(notes(&sim, "appended").iter().filter(|(_, t, _)| t.contains("seq 2 ")).count(), 1);
    let (_, text, _) = note_with(&sim, "producer-id", "new producer id");
    assert_eq!(text, format!("new producer id {pid} epoch 0 (idempotent)"));
}

#[test]
fn without_idempotence_the_retry_is_appended_again() {
    let mut sim = Simulation::with_seed(7);
    create_topic(&mut sim, "t", 1);
    let cfg = [("enable.idempotence", "false"), ("linger.ms", "0"), ("request.timeout.ms", "1000")];
    let p = sim.add_producer("p1", producer_config(&cfg)).unwrap();
    sim.inject(FaultRule::drop_next_response(p, ApiKey::Produce));
    sim.send(p, record("t", None, "hello")).unwrap();
    assert!(sim.run_until_cond(30_000, |s| !s.nodes[p.0].deliveries.is_empty()));
    let appended: Vec<String> = notes(&sim, "appended").into_iter().map(|(_, t, _)| t).collect();
    assert_eq!(appended, vec!["1 record stored at t-0 @0".to_string(), "1 record stored at t-0 @1".to_string()]);
    assert!(notes(&sim, "duplicate-sequence").is_empty());
    note_with(&sim, "retry", "Produce to t-0 (1 record) failed");
}

#[test]
fn same_seed_same_journal_with_notes() {
    let (a, _) = dropped_ack_run(11);
    let (b, _) = dropped_ack_run(11);
    assert!(a.journal().iter().any(|e| matches!(e.kind, EventKind::Note { .. })));
    assert_eq!(a.journal(), b.journal());
}

#[test]
fn with_notes_disabled_the_broker_records_none() {
    let mut broker = Broker::new(BrokerConfig::default(), 0);
    assert!(broker.take_notes().is_empty());
    let mut sim = Simulation::with_seed(1);
    sim.set_broker_notes(false);
    create_topic(&mut sim, "t", 1);
    let p = sim.add_producer("p1", producer_config(&[("linger.ms", "0")])).unwrap();
    sim.send(p, record("t", Some(0), "a")).unwrap();
    assert!(sim.run_until_cond(5_000, |s| !s.nodes[p.0].deliveries.is_empty()));
    assert!(notes(&sim, "appended").is_empty());
    assert!(notes(&sim, "producer-id").is_empty());
    broker.set_notes(true);
    broker.enforce_retention(0);
    assert!(broker.take_notes().is_empty(), "nothing happened, nothing noted");
}

#[test]
fn a_zombie_is_fenced_and_its_open_transaction_aborted() {
    let mut sim = Simulation::with_seed(2);
    create_topic(&mut sim, "out", 2);
    let zombie = txn_producer(&mut sim, "zombie", &[]);
    let (pid, old_epoch) = sim.producer(zombie).producer_id().unwrap();
    sim.with_producer(zombie, |m, _| m.begin_transaction()).unwrap();
    sim.send(zombie, record("out", Some(0), "zombie-1")).unwrap();
    assert!(sim.run_until_cond(5_000, |s| s.nodes[zombie.0].deliveries.len() == 1));
    sim.take_deliveries(zombie);

    let (node, text, anomaly) = note_with(&sim, "txn-begin", "begins a transaction");
    assert_eq!(text, format!("tx (producer {pid} epoch {old_epoch}) begins a transaction with out-0"));
    assert_eq!((node, anomaly), (Some(zombie), None));
    let (_, text, _) = note_with(&sim, "appended", "stored at out-0");
    assert_eq!(text, format!("p{pid} epoch {old_epoch} seq 0 stored at out-0 @0 (transactional)"));

    let fresh = txn_producer(&mut sim, "fresh", &[]);
    let new_epoch = sim.producer(fresh).producer_id().unwrap().1;
    let (node, text, anomaly) = note_with(&sim, "producer-fenced", "fences");
    assert_eq!(node, Some(fresh), "the new producer's InitProducerId fenced the zombie");
    assert_eq!(anomaly, Some("fenced"));
    assert!(text.contains(&format!("producer {pid} epoch {old_epoch}")), "{text}");
    let (_, text, _) = note_with(&sim, "txn-marker", "ABORT");
    // The abort goes at the fencing epoch; the new producer's epoch is one more.
    assert_eq!(text, format!("ABORT marker for producer {pid} epoch {} at out-0 @1", old_epoch + 1));
    assert_eq!(new_epoch, old_epoch + 2);
    let (_, text, _) = note_with(&sim, "lso-advanced", "out-0");
    assert_eq!(text, "out-0 LSO 0 → 2");
    note_with(&sim, "txn-complete", "transaction aborted");
    note_with(&sim, "epoch-bump", &format!("epoch {old_epoch} → {new_epoch}; the older epoch is fenced"));

    // The zombie writes again: the partition refuses its old epoch.
    sim.send(zombie, record("out", Some(0), "zombie-2")).unwrap();
    assert!(sim.run_until_cond(10_000, |s| !s.nodes[zombie.0].deliveries.is_empty()));
    let fenced = notes(&sim, "fenced-epoch");
    assert!(!fenced.is_empty(), "a fenced-epoch note for the zombie's Produce");
    assert!(fenced.iter().all(|(n, _, a)| *n == Some(zombie) && *a == Some("fenced")), "{fenced:?}");
    assert!(fenced[0].1.contains(&format!("epoch {old_epoch}")), "{fenced:?}");
}

#[test]
fn a_committed_transaction_notes_prepare_markers_and_the_lso() {
    let mut sim = Simulation::with_seed(4);
    create_topic(&mut sim, "out", 2);
    let p = txn_producer(&mut sim, "p", &[]);
    let (pid, epoch) = sim.producer(p).producer_id().unwrap();
    sim.with_producer(p, |m, _| m.begin_transaction()).unwrap();
    sim.send(p, record("out", Some(0), "a")).unwrap();
    sim.send(p, record("out", Some(1), "b")).unwrap();
    assert!(sim.run_until_cond(5_000, |s| s.nodes[p.0].deliveries.len() == 2));
    sim.with_producer(p, |m, now| m.commit_transaction(now)).unwrap();
    assert!(wait_txn(&mut sim, p, TxnOp::CommitTransaction).result.is_ok());
    let (node, text, _) = note_with(&sim, "txn-prepare", "prepares commit");
    assert_eq!(node, Some(p));
    assert_eq!(text, format!("tx (producer {pid} epoch {epoch}) prepares commit of out-0, out-1"));
    for part in 0..2 {
        let (_, text, _) = note_with(&sim, "txn-marker", &format!("out-{part}"));
        assert_eq!(text, format!("COMMIT marker for producer {pid} epoch {epoch} at out-{part} @1"));
        let (_, text, _) = note_with(&sim, "lso-advanced", &format!("out-{part}"));
        assert_eq!(text, format!("out-{part} LSO 0 → 2"));
    }
    let begun = notes(&sim, "txn-begin").len() + notes(&sim, "txn-partition-added").len();
    assert!(begun >= 1);
    note_with(&sim, "txn-complete", "transaction committed");
}

#[test]
fn a_transaction_past_its_timeout_is_aborted_by_the_coordinator() {
    let mut sim = Simulation::with_seed(5);
    create_topic(&mut sim, "out", 1);
    let p = txn_producer(&mut sim, "p", &[("transaction.timeout.ms", "2000")]);
    let pid = sim.producer(p).producer_id().unwrap().0;
    sim.with_producer(p, |m, _| m.begin_transaction()).unwrap();
    sim.send(p, record("out", Some(0), "a")).unwrap();
    assert!(sim.run_until_cond(5_000, |s| !s.nodes[p.0].deliveries.is_empty()));
    sim.crash(p);
    sim.run_for(10_000);
    let (node, text, anomaly) = note_with(&sim, "txn-timeout", "timeout 2000 ms");
    assert_eq!(node, None, "the coordinator's own clock");
    assert_eq!(anomaly, Some("aborted"));
    assert_eq!(text, format!("tx (producer {pid}) open longer than its timeout 2000 ms: aborted, epoch 0 → 1"));
    let (node, _, _) = note_with(&sim, "txn-marker", "ABORT marker");
    assert_eq!(node, None);
}

#[test]
fn a_consumer_reading_below_the_log_start_is_answered_out_of_range_and_resets() {
    let mut sim = Simulation::with_seed(6);
    create_topic(&mut sim, "t", 1);
    let p = sim.add_producer("p1", producer_config(&[("linger.ms", "0")])).unwrap();
    for i in 0..5 {
        sim.send(p, record("t", Some(0), &format!("m{i}"))).unwrap();
        sim.flush_producer(p);
        sim.run_for(20);
    }
    assert!(sim.run_until_cond(5_000, |s| s.nodes[p.0].deliveries.len() == 5));
    let admin = sim.add_admin("cleaner", AdminConfig::default()).unwrap();
    sim.with_admin(admin, |a, now| a.delete_records(vec![(TopicPartition::new("t", 0), 3)], now));
    sim.run_for(1_000);
    let (node, text, _) = note_with(&sim, "delete-records", "t-0");
    assert_eq!((node, text.as_str()), (Some(admin), "t-0 log start 0 → 3 (DeleteRecords)"));

    let cfg = ConsumerConfig::from_pairs([("auto.offset.reset", "latest")]).unwrap();
    let c = sim.add_consumer("c1", cfg).unwrap();
    sim.with_consumer(c, |m, _| m.assign(vec![(TopicPartition::new("t", 0), Some(1))]));
    sim.run_for(1_000);
    let (node, text, _) = note_with(&sim, "offset-out-of-range", "t-0");
    assert_eq!(node, Some(c));
    assert_eq!(text, "Fetch t-0 at offset 1 out of range: the log holds 3..5");
    let (node, text, anomaly) = note_with(&sim, "offset-reset", "t-0");
    assert_eq!((node, anomaly), (Some(c), Some("reset")));
    assert_eq!(text, "t-0 offset 1 out of range: reset to latest 5");
}
