//! Zombies in the simulation (KIP-98): two producers with one transactional.id, the older one
//! fenced on every path (Produce, AddPartitionsToTxn, EndTxn) and none of its records ever
//! visible to read_committed; and the hanging transaction of a producer that crashed and never
//! came back, aborted by the coordinator after transaction.timeout.ms under the virtual clock.

use super::test_support::{record, wait_txn};
use super::*;
use crate::admin::NewTopic;
use crate::consumer::TopicPartition;
use crate::error::ErrorCode;
use crate::producer::{TxnEvent, TxnOp};
use crate::txn::TxnState as CoordinatorState;

const TOPIC: &str = "out";

fn setup(seed: u64) -> Simulation {
    let config = SimConfig { seed, latency_ms: 1, jitter_ms: 2, in_order_links: true, ..SimConfig::default() };
    let mut sim = Simulation::new(config, BrokerConfig::default());
    let admin = sim.add_admin("admin", AdminConfig::default()).unwrap();
    let topic = NewTopic { name: TOPIC.into(), num_partitions: 2, replication_factor: 1, configs: vec![] };
    sim.with_admin(admin, |a, now| a.create_topics(vec![topic], false, now));
    let mut got = Vec::new();
    assert!(sim.run_until_cond(5_000, |s| {
        got.extend(s.take_admin_events(admin));
        !got.is_empty()
    }));
    assert!(matches!(got.pop(), Some(AdminEvent::Completed { result: Ok(_), .. })), "{got:?}");
    sim
}

fn txn_producer(sim: &mut Simulation, name: &str, extra: &[(&str, &str)]) -> NodeId {
    let mut pairs = vec![("transactional.id", "tx"), ("linger.ms", "0"), ("request.timeout.ms", "500")];
    pairs.extend_from_slice(extra);
    let p = sim.add_producer(name, ProducerConfig::from_pairs(pairs).unwrap()).unwrap();
    sim.with_producer(p, |m, now| m.init_transactions(now)).unwrap();
    let ev = wait_txn(sim, p, TxnOp::InitTransactions);
    assert!(ev.result.is_ok(), "{ev:?}");
    p
}

fn log_end(sim: &Simulation, partition: i32) -> i64 {
    sim.broker().partition(TOPIC, partition).unwrap().log_end_offset()
}

/// What a read_committed reader sees in every partition, in order.
fn read_committed(sim: &mut Simulation) -> Vec<Vec<String>> {
    let cfg = ConsumerConfig::from_pairs([("isolation.level", "read_committed"), ("auto.offset.reset", "earliest")]);
    let reader = sim.add_consumer("reader", cfg.unwrap()).unwrap();
    let tps = (0..2).map(|p| (TopicPartition::new(TOPIC, p), Some(0))).collect();
    sim.with_consumer(reader, |m, _| m.assign(tps));
    let mut out = vec![Vec::new(), Vec::new()];
    for _ in 0..100 {
        for r in sim.poll(reader) {
            out[r.partition as usize].push(String::from_utf8(r.value.unwrap().to_vec()).unwrap());
        }
        sim.run_for(10);
    }
    out
}

/// The zombie's Produce (INVALID_PRODUCER_EPOCH from the partition leader, as in Kafka),
/// AddPartitionsToTxn and EndTxn (PRODUCER_FENCED from the coordinator, KIP-588) are refused once a newer producer
/// registered the same transactional.id; the newer one's transaction commits.
#[test]
fn the_older_of_two_producers_with_one_transactional_id_is_fenced() {
    for seed in 0..5 {
        let mut sim = setup(seed);
        let zombie = txn_producer(&mut sim, "zombie", &[]);
        sim.with_producer(zombie, |m, _| m.begin_transaction()).unwrap();
        sim.send(zombie, record(TOPIC, Some(0), "zombie-1")).unwrap();
        assert!(sim.run_until_cond(5_000, |s| s.nodes[zombie.0].deliveries.len() == 1), "seed {seed}");
        assert!(matches!(&sim.take_deliveries(zombie)[..], [ProducerEvent::Delivery { result: Ok(_), .. }]));

        let (_, old_epoch) = sim.producer(zombie).producer_id().unwrap();
        let fresh = txn_producer(&mut sim, "fresh", &[]);
        let (_, new_epoch) = sim.producer(fresh).producer_id().unwrap();
        assert!(new_epoch > old_epoch, "seed {seed}");
        // Registering the id aborted the zombie's open transaction.
        assert_eq!(sim.broker().partition(TOPIC, 0).unwrap().aborted_txns().count(), 1, "seed {seed}");

        // Produce to a partition already in the zombie's transaction: refused by the partition leader.
        let id = sim.send(zombie, record(TOPIC, Some(0), "zombie-2")).unwrap();
        assert!(sim.run_until_cond(10_000, |s| !s.nodes[zombie.0].deliveries.is_empty()), "seed {seed}");
        let ProducerEvent::Delivery { id: got, result } = sim.take_deliveries(zombie).remove(0);
        assert_eq!(got, id);
        // As Kafka's partition leader answers a Produce with an older epoch.
        let e = result.expect_err("the zombie's record is refused");
        assert_eq!(e.code(), ErrorCode::INVALID_PRODUCER_EPOCH, "seed {seed}: produce failed with {e}");
        // The zombie can do nothing more: its commit is refused with that fatal error.
        let commit = sim.with_producer(zombie, |m, now| m.commit_transaction(now));
        let e = commit.expect_err("a fenced producer cannot commit");
        assert_eq!(e.code(), ErrorCode::INVALID_PRODUCER_EPOCH, "seed {seed}: commit refused with {e}");
        assert!(e.is_fatal(), "seed {seed}: {e}");

        sim.with_producer(fresh, |m, _| m.begin_transaction()).unwrap();
        sim.send(fresh, record(TOPIC, Some(0), "fresh-1")).unwrap();
        sim.send(fresh, record(TOPIC, Some(1), "fresh-2")).unwrap();
        sim.with_producer(fresh, |m, now| m.commit_transaction(now)).unwrap();
        assert!(wait_txn(&mut sim, fresh, TxnOp::CommitTransaction).result.is_ok(), "seed {seed}");
        assert_eq!(read_committed(&mut sim), [vec!["fresh-1".to_string()], vec!["fresh-2".to_string()]]);
    }
}

/// A zombie that only needs to add a partition or end its transaction meets the coordinator's fence.
#[test]
fn a_zombies_add_partitions_and_end_txn_are_fenced_by_the_coordinator() {
    let mut sim = setup(1);
    let zombie = txn_producer(&mut sim, "zombie", &[]);
    sim.with_producer(zombie, |m, _| m.begin_transaction()).unwrap();
    sim.send(zombie, record(TOPIC, Some(0), "zombie-1")).unwrap();
    assert!(sim.run_until_cond(5_000, |s| log_end(s, 0) == 1));
    let _fresh = txn_producer(&mut sim, "fresh", &[]);
    let ends = sim.journal().len();
    // EndTxn with the old epoch.
    sim.with_producer(zombie, |m, now| m.commit_transaction(now)).unwrap();
    let ev = wait_txn(&mut sim, zombie, TxnOp::CommitTransaction);
    let e = ev.result.expect_err("EndTxn refused");
    assert_eq!(e.code(), ErrorCode::PRODUCER_FENCED, "commit failed with {e}");
    assert!(sim.journal()[ends..]
        .iter()
        .any(|e| matches!(&e.kind, EventKind::ResponseReceived { api, .. } if api == "EndTxn")));

    // A second zombie adding a partition (AddPartitionsToTxn with the old epoch).
    let mut sim = setup(2);
    let zombie = txn_producer(&mut sim, "zombie", &[]);
    sim.with_producer(zombie, |m, _| m.begin_transaction()).unwrap();
    sim.send(zombie, record(TOPIC, Some(0), "zombie-1")).unwrap();
    assert!(sim.run_until_cond(5_000, |s| s.nodes[zombie.0].deliveries.len() == 1));
    let _fresh = txn_producer(&mut sim, "fresh", &[]);
    sim.take_deliveries(zombie);
    sim.send(zombie, record(TOPIC, Some(1), "zombie-2")).unwrap();
    assert!(sim.run_until_cond(10_000, |s| !s.nodes[zombie.0].deliveries.is_empty()));
    let ProducerEvent::Delivery { result, .. } = sim.take_deliveries(zombie).remove(0);
    let e = result.expect_err("the record of a partition the coordinator refused to add fails");
    assert_eq!(e.code(), ErrorCode::PRODUCER_FENCED, "add partitions failed with {e}");
    assert_eq!(log_end(&sim, 1), 0, "nothing of the zombie reached partition 1");
    assert_eq!(read_committed(&mut sim), [Vec::<String>::new(), Vec::new()]);
}

/// A producer crashes in a transaction and never comes back: the coordinator aborts the
/// transaction when transaction.timeout.ms passes, which releases the last stable offset.
#[test]
fn a_crashed_producers_hanging_transaction_times_out_and_is_aborted() {
    let mut sim = setup(3);
    let p = txn_producer(&mut sim, "p", &[("transaction.timeout.ms", "10000")]);
    sim.with_producer(p, |m, _| m.begin_transaction()).unwrap();
    sim.send(p, record(TOPIC, Some(0), "hanging")).unwrap();
    assert!(sim.run_until_cond(5_000, |s| log_end(s, 0) == 1));
    let begun = sim.now();
    sim.crash(p);

    // A plain producer writes behind the hanging transaction: read_committed cannot see it yet.
    let plain = sim.add_producer("plain", ProducerConfig::from_pairs([("linger.ms", "0")]).unwrap()).unwrap();
    sim.send(plain, record(TOPIC, Some(0), "after")).unwrap();
    assert!(sim.run_until_cond(5_000, |s| log_end(s, 0) == 2));
    sim.run_until(begun + 9_000);
    let log = sim.broker().partition(TOPIC, 0).unwrap();
    assert_eq!(log.last_stable_offset(), 0, "the open transaction holds the LSO");
    assert_eq!(sim.broker().transactions().get("tx").unwrap().state, CoordinatorState::Ongoing);

    // Past the timeout the coordinator aborts it (bumping the epoch, as Kafka does).
    sim.run_until(begun + 12_000);
    let log = sim.broker().partition(TOPIC, 0).unwrap();
    assert_eq!(log.aborted_txns().count(), 1);
    assert_eq!(log.last_stable_offset(), log.log_end_offset(), "the abort released the LSO");
    let meta = sim.broker().transactions().get("tx").unwrap();
    assert_eq!(meta.state, CoordinatorState::CompleteAbort);
    assert_eq!(read_committed(&mut sim), [vec!["after".to_string()], Vec::new()]);

    // The producer restarts afterwards: it registers again and works.
    sim.restart(p).unwrap();
    sim.with_producer(p, |m, now| m.init_transactions(now)).unwrap();
    assert!(wait_txn(&mut sim, p, TxnOp::InitTransactions).result.is_ok());
    sim.with_producer(p, |m, _| m.begin_transaction()).unwrap();
    sim.send(p, record(TOPIC, Some(1), "again")).unwrap();
    sim.with_producer(p, |m, now| m.commit_transaction(now)).unwrap();
    let TxnEvent { result, .. } = wait_txn(&mut sim, p, TxnOp::CommitTransaction);
    assert!(result.is_ok(), "{result:?}");
}
