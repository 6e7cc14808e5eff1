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
    for e in a.journal() {
        if let EventKind::Note { rule, .. } = &e.kind {
            assert!(crate::notes::is_known_rule(rule), "{rule} is not listed in notes::RULES");
        }
    }
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

fn member(sim: &mut Simulation, name: &str) -> NodeId {
    let cfg = ConsumerConfig::from_pairs([
        ("group.id", "g1"),
        ("enable.auto.commit", "false"),
        ("auto.offset.reset", "earliest"),
        ("partition.assignment.strategy", "range"),
        ("session.timeout.ms", "6000"),
        ("heartbeat.interval.ms", "1000"),
        ("max.poll.interval.ms", "8000"),
        ("request.timeout.ms", "2000"),
        ("fetch.max.wait.ms", "100"),
    ])
    .unwrap();
    let c = sim.add_consumer(name, cfg).unwrap();
    sim.with_consumer(c, |m, _| m.subscribe(vec!["t".to_string()])).unwrap();
    c
}

/// Runs `ms` of virtual time, the `polling` members polling every 50 ms.
fn poll_for(sim: &mut Simulation, polling: &[NodeId], ms: Millis) {
    let end = sim.now() + ms;
    while sim.now() < end {
        for &c in polling {
            sim.poll(c);
        }
        sim.run_for(50);
    }
}

#[test]
fn a_group_notes_joins_rebalances_generations_commits_and_evictions() {
    let mut sim = Simulation::with_seed(8);
    create_topic(&mut sim, "t", 2);
    let c1 = member(&mut sim, "c1");
    poll_for(&mut sim, &[c1], 3_000);
    let (node, text, anomaly) = note_with(&sim, "member-joined", "c1 joined group g1");
    assert_eq!((node, anomaly), (Some(c1), None));
    assert!(text.starts_with("c1 joined group g1 (member c1-"), "{text}");
    let (_, _, anomaly) = note_with(&sim, "rebalance-start", "generation 0 → 1");
    assert_eq!(anomaly, None, "a group forming is not a disturbance");
    let (_, text, _) = note_with(&sim, "generation", "generation 1");
    assert_eq!(text, "group g1 generation 1 with range: leader c1, members c1");
    note_with(&sim, "group-state", "group g1 CompletingRebalance → Stable");
    let (node, text, _) = note_with(&sim, "partitions-assigned", "t-0");
    assert_eq!((node, text.as_str()), (Some(c1), "assigned t-0, t-1"));

    let c2 = member(&mut sim, "c2");
    poll_for(&mut sim, &[c1, c2], 5_000);
    let (node, text, anomaly) = note_with(&sim, "rebalance-start", "c2 joined");
    assert_eq!((node, anomaly), (Some(c2), Some("rebalance")));
    assert_eq!(text, "group g1 rebalances (generation 1 → 2): c2 joined");
    let (_, text, _) = note_with(&sim, "generation", "generation 2");
    assert_eq!(text, "group g1 generation 2 with range: leader c1, members c1, c2");
    note_with(&sim, "partitions-revoked", "revoked t-0, t-1");

    let tp = TopicPartition::new("t", 0);
    let offsets = vec![(tp, crate::consumer::OffsetAndMetadata { offset: 0, metadata: None, leader_epoch: None })];
    let owner = if sim.consumer_ref(c1).unwrap().assignment().contains(&TopicPartition::new("t", 0)) { c1 } else { c2 };
    sim.with_consumer(owner, |m, now| m.commit(Some(offsets), now)).unwrap();
    poll_for(&mut sim, &[c1, c2], 500);
    let (node, text, _) = note_with(&sim, "committed", "g1 committed t-0 → 0");
    assert_eq!(node, Some(owner));
    assert_eq!(text, format!("g1 committed t-0 → 0 by {}", sim.node_name(owner)));

    // c2 dies without a LeaveGroup: the coordinator evicts it after session.timeout.ms.
    sim.crash(c2);
    poll_for(&mut sim, &[c1], 10_000);
    let (node, text, anomaly) = note_with(&sim, "member-evicted", "c2");
    assert_eq!((node, anomaly), (None, Some("evicted")), "the coordinator's own clock");
    assert_eq!(text, "c2 missed its session timeout 6000 ms: removed from group g1");
    let (_, text, _) = note_with(&sim, "rebalance-start", "c2's session expired");
    assert_eq!(text, "group g1 rebalances (generation 2 → 3): c2's session expired");

    // c1 stops polling past max.poll.interval.ms: it leaves the group and loses its partitions.
    poll_for(&mut sim, &[], 10_000);
    let (node, text, anomaly) = note_with(&sim, "poll-timeout", "g1");
    assert_eq!((node, anomaly), (Some(c1), Some("evicted")));
    assert!(text.starts_with("no poll for 8"), "{text}");
    assert!(text.ends_with("(max.poll.interval.ms 8000): the member leaves group g1"), "{text}");
    let (node, text, _) = note_with(&sim, "member-left", "c1");
    assert_eq!((node, text.as_str()), (Some(c1), "c1 left group g1"));
    let (node, _, _) = note_with(&sim, "partitions-lost", "t-0");
    assert_eq!(node, Some(c1));
    let unknown: Vec<&str> = sim
        .journal()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Note { rule, .. } if !crate::notes::is_known_rule(rule) => Some(*rule),
            _ => None,
        })
        .collect();
    assert!(unknown.is_empty(), "rules missing from notes::RULES: {unknown:?}");
}

#[test]
fn a_commit_from_an_old_generation_is_rejected_with_the_generations() {
    use crate::group::{Committer, GroupConfig, GroupCoordinator};
    let mut g = GroupCoordinator::new(GroupConfig::default(), 0);
    g.set_notes(true);
    let c = Committer { generation: 4, member_id: "m-1".into(), instance_id: None };
    assert_eq!(g.commit("g1", &c, vec![], 10), crate::error::ErrorCode::ILLEGAL_GENERATION);
    let notes = g.notes_mut().take();
    assert_eq!(notes.len(), 1);
    assert_eq!((notes[0].rule, notes[0].at), ("commit-rejected", 10));
    assert_eq!(
        notes[0].text,
        "OffsetCommit of m-1 in g1 refused: ILLEGAL_GENERATION (its generation 4, no such group)"
    );
    let mut off = GroupCoordinator::new(GroupConfig::default(), 0);
    off.commit("g1", &c, vec![], 10);
    assert!(off.notes_mut().take().is_empty(), "off by default");
}

#[test]
fn retention_moves_the_log_start_and_says_so() {
    let mut sim = Simulation::with_seed(9);
    let admin = sim.add_admin("admin", AdminConfig::default()).unwrap();
    let configs = vec![("retention.ms".to_string(), "1000".to_string())];
    let topic = crate::admin::NewTopic { name: "t".into(), num_partitions: 1, replication_factor: 1, configs };
    sim.with_admin(admin, |a, now| a.create_topics(vec![topic], false, now));
    sim.run_for(1_000);
    let p = sim.add_producer("p1", producer_config(&[("linger.ms", "0")])).unwrap();
    for i in 0..3 {
        sim.send(p, record("t", Some(0), &format!("m{i}"))).unwrap();
        sim.flush_producer(p);
        sim.run_for(100);
    }
    assert_eq!(sim.broker().partition("t", 0).unwrap().log_end_offset(), 3);
    sim.run_for(400_000);
    let (node, text, anomaly) = note_with(&sim, "retention-delete", "t-0");
    assert_eq!((node, anomaly), (None, None));
    assert_eq!(text, "t-0 log start 0 → 2 (retention.ms 1000)");
}

#[test]
fn a_lost_request_makes_the_next_batch_out_of_order() {
    let mut sim = Simulation::with_seed(10);
    create_topic(&mut sim, "t", 1);
    let p = sim.add_producer("p1", producer_config(&[("linger.ms", "0"), ("request.timeout.ms", "1000")])).unwrap();
    sim.send(p, record("t", Some(0), "a")).unwrap();
    assert!(sim.run_until_cond(5_000, |s| !s.nodes[p.0].deliveries.is_empty()));
    sim.take_deliveries(p);
    let pid = sim.producer_ref(p).unwrap().producer_id().unwrap().0;
    sim.inject(FaultRule::drop_next_request(p, ApiKey::Produce));
    sim.send(p, record("t", Some(0), "b")).unwrap();
    sim.flush_producer(p);
    sim.send(p, record("t", Some(0), "c")).unwrap();
    sim.flush_producer(p);
    assert!(sim.run_until_cond(30_000, |s| s.nodes[p.0].deliveries.len() == 2));
    let (node, text, anomaly) = note_with(&sim, "out-of-order-sequence", "expected 1");
    assert_eq!((node, anomaly), (Some(p), None));
    assert_eq!(text, format!("out-of-order sequence for producer {pid} on t-0: expected 1, received 2"));
    note_with(&sim, "retry", "Produce to t-0 seq 1 failed");
}

#[test]
fn a_late_commit_after_the_poll_timeout_is_rejected() {
    let mut sim = Simulation::with_seed(12);
    create_topic(&mut sim, "t", 2);
    let c1 = member(&mut sim, "c1");
    let c2 = member(&mut sim, "c2");
    poll_for(&mut sim, &[c1, c2], 6_000);
    // c1 stalls past max.poll.interval.ms while c2 polls on; then c1 commits what it had.
    poll_for(&mut sim, &[c2], 10_000);
    note_with(&sim, "poll-timeout", "g1");
    let offsets = vec![(
        TopicPartition::new("t", 0),
        crate::consumer::OffsetAndMetadata { offset: 0, metadata: None, leader_epoch: None },
    )];
    let _ = sim.with_consumer(c1, |m, now| m.commit(Some(offsets), now));
    poll_for(&mut sim, &[c2], 2_000);
    let (node, text, _) = note_with(&sim, "commit-rejected", "OffsetCommit");
    assert_eq!(node, Some(c1));
    // The member left when its poll timed out: it commits without a member id or generation.
    assert_eq!(
        text,
        "OffsetCommit of a client without a member id in g1 refused: UNKNOWN_MEMBER_ID (its generation -1, group at \
         generation 2 Stable)"
    );
}
