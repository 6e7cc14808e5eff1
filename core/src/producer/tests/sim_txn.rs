//! The transactional producer in the simulation, against our broker's transaction coordinator,
//! with responses and requests lost at random: a read_committed reader sees every committed
//! transaction's records once, in order, and nothing of the aborted ones.

use bytes::Bytes;

use crate::admin::{AdminEvent, NewTopic};
use crate::broker::BrokerConfig;
use crate::config::{AdminConfig, ConsumerConfig, ProducerConfig};
use crate::consumer::TopicPartition;
use crate::producer::{ProducerRecord, TxnEvent, TxnOp};
use crate::sim::{NodeId, RandomFaults, SimConfig, Simulation};

fn record(value: &str, partition: i32) -> ProducerRecord {
    ProducerRecord {
        topic: "out".into(),
        partition: Some(partition),
        key: None,
        value: Some(Bytes::copy_from_slice(value.as_bytes())),
        headers: vec![],
        timestamp: None,
    }
}

fn wait_txn(sim: &mut Simulation, p: NodeId, op: TxnOp) -> TxnEvent {
    let mut got = None;
    sim.run_until_cond(600_000, |s| {
        while let Some(ev) = s.producer(p).poll_txn_event() {
            if ev.op == op {
                got = Some(ev);
            }
        }
        got.is_some()
    });
    got.unwrap_or_else(|| panic!("{op:?} did not complete"))
}

fn run(seed: u64) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    let config = SimConfig { seed, latency_ms: 1, jitter_ms: 0, ..SimConfig::default() };
    let mut sim = Simulation::new(config, BrokerConfig::default());
    let admin = sim.add_admin("admin", AdminConfig::default()).unwrap();
    let topic = NewTopic { name: "out".into(), num_partitions: 2, replication_factor: 1, configs: vec![] };
    sim.with_admin(admin, |a, now| a.create_topics(vec![topic], false, now));
    let mut created = Vec::new();
    assert!(sim.run_until_cond(5_000, |s| {
        created = s.take_admin_events(admin);
        !created.is_empty()
    }));
    assert!(matches!(created.pop(), Some(AdminEvent::Completed { result: Ok(_), .. })), "{created:?}");
    let pairs =
        [("transactional.id", "copier"), ("linger.ms", "2"), ("request.timeout.ms", "300"), ("retry.backoff.ms", "10")];
    let p = sim.add_producer("p", ProducerConfig::from_pairs(pairs).unwrap()).unwrap();
    sim.set_random_faults(RandomFaults { drop_request: 0.03, drop_response: 0.08, ..RandomFaults::default() });
    sim.with_producer(p, |m, now| m.init_transactions(now)).unwrap();
    assert!(wait_txn(&mut sim, p, TxnOp::InitTransactions).result.is_ok());
    let mut want = vec![Vec::new(), Vec::new()];
    for t in 0..10 {
        sim.with_producer(p, |m, _| m.begin_transaction()).unwrap();
        let mut values = [Vec::new(), Vec::new()];
        for i in 0..10 {
            let v = format!("t{t}-{i}");
            sim.send(p, record(&v, i % 2)).unwrap();
            values[(i % 2) as usize].push(v);
            sim.run_for(1);
        }
        let commit = t % 3 != 2;
        if commit {
            sim.with_producer(p, |m, now| m.commit_transaction(now)).unwrap();
            let ev = wait_txn(&mut sim, p, TxnOp::CommitTransaction);
            assert!(ev.result.is_ok(), "seed {seed} transaction {t}: {ev:?}");
            for part in 0..2 {
                want[part].append(&mut values[part]);
            }
        } else {
            sim.flush_producer(p);
            sim.run_for(50);
            sim.with_producer(p, |m, now| m.abort_transaction(now)).unwrap();
            let ev = wait_txn(&mut sim, p, TxnOp::AbortTransaction);
            assert!(ev.result.is_ok(), "seed {seed} transaction {t}: {ev:?}");
        }
    }
    sim.set_random_faults(RandomFaults::default());
    let reader = sim
        .add_consumer(
            "reader",
            ConsumerConfig::from_pairs([("auto.offset.reset", "earliest"), ("isolation.level", "read_committed")])
                .unwrap(),
        )
        .unwrap();
    let tps = (0..2).map(|p| (TopicPartition { topic: "out".into(), partition: p }, Some(0))).collect();
    sim.with_consumer(reader, |m, _| m.assign(tps));
    let mut got = vec![Vec::new(), Vec::new()];
    let limit = sim.now() + 10_000;
    while sim.now() < limit {
        sim.run_for(10);
        for r in sim.poll(reader) {
            got[r.partition as usize].push(String::from_utf8(r.value.unwrap().to_vec()).unwrap());
        }
    }
    (got, want)
}

#[test]
fn committed_transactions_are_read_once_in_order_and_aborted_ones_never() {
    for seed in 0..20 {
        let (got, want) = run(seed);
        assert_eq!(got, want, "seed {seed}");
    }
}
