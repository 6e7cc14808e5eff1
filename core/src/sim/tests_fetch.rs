//! A consumer reading several partitions keeps all of them flowing: a Fetch holding only
//! partitions already read to their end would wait `fetch.max.wait.ms` at the broker, and with
//! one Fetch per broker in flight the other partitions would run dry behind it.

use super::test_support::{create_topic, record};
use super::*;
use crate::consumer::TopicPartition;

/// Virtual milliseconds a consumer of partitions 0 and 1 takes to read 300 records of partition 1
/// (partition 0 holds one record), with small fetches so that partition 1 needs many of them and
/// small polls so that partition 1 still has records buffered when partition 0 wants more.
fn time_to_read_all() -> Millis {
    let mut sim = Simulation::with_seed(5);
    create_topic(&mut sim, "t", 2);
    let p = sim.add_producer("p", ProducerConfig::from_pairs([("linger.ms", "0")]).unwrap()).unwrap();
    sim.send(p, record("t", Some(0), "only")).unwrap();
    for i in 0..300 {
        sim.send(p, record("t", Some(1), &format!("{i:0>100}"))).unwrap();
    }
    sim.flush_producer(p);
    sim.run_for(1_000);
    let cfg = ConsumerConfig::from_pairs([
        ("max.partition.fetch.bytes", "2048"),
        ("fetch.max.wait.ms", "500"),
        ("max.poll.records", "5"),
    ])
    .unwrap();
    let c = sim.add_consumer("c", cfg).unwrap();
    let tps = vec![(TopicPartition::new("t", 0), Some(0)), (TopicPartition::new("t", 1), Some(0))];
    sim.with_consumer(c, |m, _| m.assign(tps));
    let start = sim.now();
    let mut read = 0;
    while read < 301 && sim.now() < start + 600_000 {
        read += sim.poll(c).len();
        sim.run_for(1);
    }
    assert_eq!(read, 301, "not everything was read");
    sim.now() - start
}

#[test]
fn a_partition_at_its_end_does_not_hold_up_the_others() {
    // Partition 1 needs several fetches (whole batches of about 16 KB, the producer's batch.size):
    // at 1 ms a hop they take 166 ms; behind partition 0's parked Fetch each round waited
    // fetch.max.wait.ms (1,115 ms before the change).
    let took = time_to_read_all();
    assert!(took < 500, "reading took {took} ms of virtual time");
}
