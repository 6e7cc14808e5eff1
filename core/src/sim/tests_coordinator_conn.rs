//! Coordinator requests travel on a connection of their own (`protocol::coordinator_link`): the
//! broker answers a connection's requests in order, so on a shared connection a commit would wait
//! behind the consumer's Fetch long-polling an empty partition for `fetch.max.wait.ms`.

use super::test_support::create_topic;
use super::*;
use crate::consumer::{OffsetAndMetadata, TopicPartition};

/// Virtual milliseconds from `commit` to its acknowledgement, for a stable member whose Fetch
/// is parked on an empty topic.
fn commit_latency(fetch_max_wait_ms: &str) -> Millis {
    let mut sim = Simulation::with_seed(11);
    create_topic(&mut sim, "t", 1);
    let cfg = ConsumerConfig::from_pairs([
        ("group.id", "g"),
        ("fetch.max.wait.ms", fetch_max_wait_ms),
        ("enable.auto.commit", "false"),
    ])
    .unwrap();
    let c = sim.add_consumer("c", cfg).unwrap();
    sim.with_consumer(c, |m, _| m.subscribe(vec!["t".into()])).unwrap();
    let stop = sim.now() + 30_000;
    while sim.consumer(c).assignment().is_empty() && sim.now() < stop {
        sim.poll(c);
        sim.run_for(10);
    }
    assert_eq!(sim.consumer(c).assignment(), vec![TopicPartition::new("t", 0)], "never assigned");
    // Let the first empty Fetch park at the broker, then commit.
    sim.poll(c);
    sim.run_for(50);
    let offsets =
        vec![(TopicPartition::new("t", 0), OffsetAndMetadata { offset: 0, metadata: None, leader_epoch: None })];
    let id = sim.with_consumer(c, |m, now| m.commit(Some(offsets), now)).unwrap();
    let start = sim.now();
    let mut done = false;
    sim.run_until_cond(60_000, |s| {
        done |= s
            .take_consumer_events(c)
            .iter()
            .any(|e| matches!(e, ConsumerEvent::CommitCompleted { id: i, result: Ok(_) } if *i == id));
        done
    });
    assert!(done, "the commit never completed");
    sim.now() - start
}

#[test]
fn a_commit_does_not_wait_behind_a_parked_fetch() {
    // Latency is 1 ms each way: the commit's round trip, not the Fetch's 10 s wait.
    let latency = commit_latency("10000");
    assert!(latency < 100, "commit took {latency} ms of virtual time");
}
