//! Helpers the simulation tests share: records, topics, transaction waits, seeds.

use bytes::Bytes;

use super::*;
use crate::admin::NewTopic;
use crate::producer::{TxnEvent, TxnOp};

/// A value-only record (`partition` None: the partitioner chooses).
pub(super) fn record(topic: &str, partition: Option<i32>, value: &str) -> ProducerRecord {
    ProducerRecord {
        topic: topic.to_string(),
        partition,
        key: None,
        value: Some(Bytes::copy_from_slice(value.as_bytes())),
        headers: vec![],
        timestamp: None,
    }
}

/// Creates a topic through an admin node and runs until the broker says it succeeded.
pub(super) fn create_topic(sim: &mut Simulation, name: &str, partitions: i32) {
    let admin = sim.add_admin("admin", AdminConfig::default()).unwrap();
    let topic = NewTopic { name: name.into(), num_partitions: partitions, replication_factor: 1, configs: vec![] };
    sim.with_admin(admin, |a, now| a.create_topics(vec![topic], false, now));
    assert!(sim.run_until_cond(5_000, |s| !s.nodes[admin.0].admin_events.is_empty()));
    match sim.take_admin_events(admin).pop() {
        Some(AdminEvent::Completed { result: Ok(_), .. }) => {}
        other => panic!("create topic failed: {other:?}"),
    }
}

/// Runs until producer `p` reports the end of transactional operation `op` (2 minutes at most).
pub(super) fn wait_txn(sim: &mut Simulation, p: NodeId, op: TxnOp) -> TxnEvent {
    let mut got = None;
    sim.run_until_cond(120_000, |s| {
        while let Some(ev) = s.producer(p).poll_txn_event() {
            if ev.op == op {
                got = Some(ev);
            }
        }
        got.is_some()
    });
    got.unwrap_or_else(|| panic!("{op:?} did not complete"))
}

/// Seeds to run: `KAFKETTE_SIM_SEEDS` (a count) overrides the default.
pub(super) fn seeds(default: u64) -> std::ops::Range<u64> {
    let n = std::env::var("KAFKETTE_SIM_SEEDS").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    0..n
}
