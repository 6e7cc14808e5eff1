//! Crash and restart of client nodes, and in-order links.

use super::test_support::{create_topic, record, wait_txn};
use super::*;
use crate::producer::TxnOp;

/// Run in 10 ms steps, polling `consumers` (a group consumer joins and stays in its group by
/// being polled), until `done` holds or `limit_ms` passes.
fn run_polling(
    sim: &mut Simulation,
    consumers: &[NodeId],
    limit_ms: Millis,
    done: impl Fn(&mut Simulation) -> bool,
) -> bool {
    let stop = sim.now() + limit_ms;
    while sim.now() < stop {
        if done(sim) {
            return true;
        }
        for &c in consumers {
            sim.poll(c);
        }
        sim.run_for(10);
    }
    done(sim)
}

fn members(sim: &Simulation, group: &str) -> usize {
    sim.broker().groups().describe(group).members.len()
}

#[test]
fn a_crashed_consumer_leaves_its_group_when_its_session_times_out() {
    let mut sim = Simulation::with_seed(3);
    create_topic(&mut sim, "t", 4);
    let cfg = ConsumerConfig::from_pairs([("group.id", "g"), ("session.timeout.ms", "6000")]).unwrap();
    let a = sim.add_consumer("a", cfg.clone()).unwrap();
    let b = sim.add_consumer("b", cfg).unwrap();
    for c in [a, b] {
        sim.with_consumer(c, |m, _| m.subscribe(vec!["t".into()])).unwrap();
    }
    assert!(run_polling(&mut sim, &[a, b], 30_000, |s| {
        let (x, y) = (s.consumer(a).assignment().len(), s.consumer(b).assignment().len());
        x == 2 && y == 2
    }));
    let crashed_at = sim.now();
    sim.crash(a);
    assert!(!sim.is_alive(a));
    // Nothing heartbeats for `a` any more, but the group keeps it until its session expires.
    run_polling(&mut sim, &[a, b], 5_000, |_| false);
    assert_eq!(members(&sim, "g"), 2);
    assert!(run_polling(&mut sim, &[a, b], 30_000, |s| s.consumer(b).assignment().len() == 4), "b never got all");
    assert_eq!(members(&sim, "g"), 1);
    assert!(sim.now() - crashed_at >= 6_000, "expired after {} ms", sim.now() - crashed_at);
    // The crashed process did nothing after its crash.
    let after_crash = sim.journal().iter().skip_while(|e| e.kind != EventKind::NodeCrashed);
    assert!(!after_crash.skip(1).any(|e| e.node == Some(a)
        && matches!(
            &e.kind,
            EventKind::Message { direction: Direction::Request, .. } | EventKind::ResponseReceived { .. }
        )));
}

#[test]
fn a_restarted_consumer_joins_again_with_a_new_member() {
    let mut sim = Simulation::with_seed(4);
    create_topic(&mut sim, "t", 2);
    let cfg = ConsumerConfig::from_pairs([("group.id", "g"), ("session.timeout.ms", "6000")]).unwrap();
    let a = sim.add_consumer("a", cfg).unwrap();
    sim.with_consumer(a, |m, _| m.subscribe(vec!["t".into()])).unwrap();
    assert!(run_polling(&mut sim, &[a], 30_000, |s| s.consumer(a).assignment().len() == 2));
    let old_conn = sim.node_conn(a);
    sim.crash(a);
    sim.restart(a).unwrap();
    assert_ne!(sim.node_conn(a), old_conn);
    assert!(sim.consumer(a).assignment().is_empty(), "a fresh process");
    sim.with_consumer(a, |m, _| m.subscribe(vec!["t".into()])).unwrap();
    // The old member holds up the rebalance until its session expires, then the new one gets everything.
    assert!(run_polling(&mut sim, &[a], 60_000, |s| s.consumer(a).assignment().len() == 2 && members(s, "g") == 1));
    let kinds: Vec<&EventKind> = sim
        .journal()
        .iter()
        .filter(|e| e.node == Some(a))
        .map(|e| &e.kind)
        .filter(|k| matches!(k, EventKind::NodeCrashed | EventKind::NodeRestarted))
        .collect();
    assert_eq!(kinds, [&EventKind::NodeCrashed, &EventKind::NodeRestarted]);
}

#[test]
fn a_restarted_transactional_producer_fences_the_old_epoch_and_aborts_its_transaction() {
    let mut sim = Simulation::with_seed(5);
    create_topic(&mut sim, "t", 1);
    let cfg = ProducerConfig::from_pairs([("transactional.id", "tx"), ("linger.ms", "0")]).unwrap();
    let p = sim.add_producer("p", cfg).unwrap();
    sim.with_producer(p, |m, now| m.init_transactions(now)).unwrap();
    assert!(wait_txn(&mut sim, p, TxnOp::InitTransactions).result.is_ok());
    let (pid, epoch) = sim.producer(p).producer_id().unwrap();
    sim.with_producer(p, |m, _| m.begin_transaction()).unwrap();
    sim.send(p, record("t", Some(0), "lost")).unwrap();
    assert!(sim.run_until_cond(5_000, |s| s.broker().partition("t", 0).unwrap().log_end_offset() == 1));
    assert_eq!(sim.broker().partition("t", 0).unwrap().last_stable_offset(), 0, "the open transaction holds the LSO");
    sim.crash(p);

    // Using the crashed node is refused or does nothing.
    assert!(sim.send(p, record("t", Some(0), "x")).is_err());
    assert!(sim.restart(p).is_ok());
    assert!(sim.restart(p).is_err(), "restarting a running node is refused");
    assert_eq!(sim.producer(p).producer_id(), None, "a fresh process");
    sim.with_producer(p, |m, now| m.init_transactions(now)).unwrap();
    assert!(wait_txn(&mut sim, p, TxnOp::InitTransactions).result.is_ok());
    let (pid2, epoch2) = sim.producer(p).producer_id().unwrap();
    assert_eq!(pid2, pid);
    assert!(epoch2 > epoch, "epoch {epoch2} after {epoch}");
    // InitProducerId aborted the old transaction: the LSO moved past it and its abort marker.
    let log = sim.broker().partition("t", 0).unwrap();
    assert_eq!(log.last_stable_offset(), log.log_end_offset());
    assert_eq!(log.aborted_txns().count(), 1);
    let meta = sim.broker().transactions().get("tx").unwrap();
    assert_eq!(meta.producer_epoch, epoch2);
}

#[test]
fn requests_on_the_wire_when_a_producer_crashes_still_arrive() {
    let config = SimConfig { seed: 1, latency_ms: 5, ..SimConfig::default() };
    let mut sim = Simulation::new(config, BrokerConfig::default());
    create_topic(&mut sim, "t", 1);
    let cfg = ProducerConfig::from_pairs([("linger.ms", "0"), ("enable.idempotence", "false")]).unwrap();
    let p = sim.add_producer("p", cfg).unwrap();
    sim.send(p, record("t", Some(0), "warm")).unwrap();
    assert!(sim.run_until_cond(5_000, |s| s.nodes[p.0].deliveries.len() == 1));
    sim.take_deliveries(p);
    sim.send(p, record("t", Some(0), "last words")).unwrap();
    // The Produce request is on the wire (5 ms away); the process dies now.
    sim.crash(p);
    sim.run_for(100);
    assert_eq!(sim.broker().partition("t", 0).unwrap().log_end_offset(), 2);
    assert!(sim.take_deliveries(p).is_empty(), "the ack went to a dead process");
    let dropped_after_crash = sim.journal().iter().skip_while(|e| e.kind != EventKind::NodeCrashed).any(|e| {
        matches!(&e.kind, EventKind::Message { direction: Direction::Response, api, fate: Fate::Dropped, .. } if api == "Produce")
    });
    assert!(dropped_after_crash, "the ack is journaled as lost");
    sim.flush_producer(p);
    sim.run_for(100);
}

#[test]
fn polling_a_crashed_consumer_gives_nothing() {
    let mut sim = Simulation::with_seed(2);
    create_topic(&mut sim, "t", 1);
    let c = sim.add_consumer("c", ConsumerConfig::default()).unwrap();
    sim.crash(c);
    sim.crash(c);
    assert!(sim.poll(c).is_empty());
    sim.run_for(1_000);
    assert!(sim.take_consumer_events(c).is_empty());
}

/// With jitter, links that keep order deliver a producer's responses in request order.
#[test]
fn in_order_links_never_reorder_with_jitter() {
    let reordered = |in_order_links: bool| {
        let config = SimConfig { seed: 9, latency_ms: 1, jitter_ms: 20, in_order_links, ..SimConfig::default() };
        let mut sim = Simulation::new(config, BrokerConfig::default());
        create_topic(&mut sim, "t", 1);
        let cfg = ProducerConfig::from_pairs([("linger.ms", "0"), ("enable.idempotence", "false")]).unwrap();
        let p = sim.add_producer("p", cfg).unwrap();
        sim.set_random_faults(RandomFaults { delay_probability: 0.2, delay_max_ms: 30, ..RandomFaults::default() });
        for i in 0..100 {
            sim.send(p, record("t", Some(0), &format!("v{i}"))).unwrap();
            sim.run_for(1);
        }
        assert!(sim.run_until_cond(60_000, |s| s.nodes[p.0].deliveries.len() == 100));
        let cids: Vec<i32> = sim
            .journal()
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::ResponseReceived { api, correlation_id } if api == "Produce" => Some(*correlation_id),
                _ => None,
            })
            .collect();
        cids.windows(2).any(|w| w[0] > w[1])
    };
    assert!(reordered(false), "jitter alone reorders");
    assert!(!reordered(true), "in-order links keep order");
}
