//! The broker going down and coming back (`Simulation::set_broker_down`): requests are lost
//! while it is down, clients hear of the closed connections at once, and after the restart
//! producers deliver (once, with idempotence) and consumer groups carry on from their offsets.

use super::test_support::{create_topic, record};
use super::*;
use crate::producer::ProducerEvent;

fn delivered(sim: &mut Simulation, p: NodeId) -> Vec<std::result::Result<i64, String>> {
    sim.take_deliveries(p)
        .into_iter()
        .map(|ProducerEvent::Delivery { result, .. }| result.map(|m| m.offset).map_err(|e| e.to_string()))
        .collect()
}

#[test]
fn a_send_during_an_outage_is_delivered_once_after_the_restart() {
    let mut sim = Simulation::with_seed(1);
    create_topic(&mut sim, "t", 1);
    let cfg = ProducerConfig::from_pairs([("enable.idempotence", "true"), ("delivery.timeout.ms", "120000")]).unwrap();
    let p = sim.add_producer("p", cfg).unwrap();
    sim.send(p, record("t", Some(0), "before")).unwrap();
    sim.run_for(1_000);
    assert_eq!(delivered(&mut sim, p), [Ok(0)]);

    sim.set_broker_down(true);
    assert!(!sim.broker_up());
    sim.send(p, record("t", Some(0), "during")).unwrap();
    sim.run_for(10_000);
    assert!(delivered(&mut sim, p).is_empty(), "nothing answers while the broker is down");
    assert_eq!(sim.broker().topic("t").unwrap().partitions()[0].log_end_offset(), 1);
    // Every request of the outage was lost on the wire.
    let lost = sim
        .journal()
        .iter()
        .rev()
        .take_while(|e| e.at > sim.now() - 10_000)
        .any(|e| matches!(&e.kind, EventKind::Message { direction: Direction::Request, fate: Fate::Dropped, .. }));
    assert!(lost);

    sim.set_broker_down(false);
    sim.run_for(60_000);
    assert_eq!(delivered(&mut sim, p), [Ok(1)]);
    let log = &sim.broker().topic("t").unwrap().partitions()[0];
    assert_eq!(log.log_end_offset(), 2, "one copy of each record");
}

#[test]
fn going_down_fails_requests_in_flight_at_once() {
    let mut sim = Simulation::with_seed(2);
    create_topic(&mut sim, "t", 1);
    let cfg = ProducerConfig::from_pairs([("retries", "0"), ("acks", "all")]).unwrap();
    let p = sim.add_producer("p", cfg).unwrap();
    // Hold the response back so that the request is in flight when the broker goes down.
    sim.inject(FaultRule::delay_next_response(p, ApiKey::Produce, 5_000));
    sim.send(p, record("t", Some(0), "x")).unwrap();
    sim.run_for(100);
    sim.set_broker_down(true);
    sim.run_for(10);
    let got = delivered(&mut sim, p);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].as_ref().is_err_and(|e| e.contains("connection")), "{got:?}");
    // The delayed response arrives on the old connection: nobody reads it.
    sim.set_broker_down(false);
    sim.run_for(10_000);
    assert!(delivered(&mut sim, p).is_empty());
}

#[test]
fn a_group_carries_on_from_its_committed_offsets_after_an_outage() {
    let mut sim = Simulation::with_seed(3);
    create_topic(&mut sim, "t", 2);
    let p = sim.add_producer("p", ProducerConfig::default()).unwrap();
    for i in 0..4 {
        sim.send(p, record("t", Some(i % 2), &format!("m{i}"))).unwrap();
    }
    let cfg = ConsumerConfig::from_pairs([("group.id", "g"), ("auto.offset.reset", "earliest")]).unwrap();
    let c = sim.add_consumer("c", cfg).unwrap();
    sim.with_consumer(c, |m, _| m.subscribe(vec!["t".into()])).unwrap();
    let mut seen = 0;
    for _ in 0..1_000 {
        seen += sim.poll(c).len();
        sim.run_for(10);
    }
    assert_eq!(seen, 4);
    let down_at = sim.now();
    sim.set_broker_down(true);
    for _ in 0..500 {
        assert!(sim.poll(c).is_empty());
        sim.run_for(10);
    }
    sim.set_broker_down(false);
    for i in 4..6 {
        sim.send(p, record("t", Some(i % 2), &format!("m{i}"))).unwrap();
    }
    for _ in 0..6_000 {
        seen += sim.poll(c).len();
        sim.run_for(10);
    }
    assert!(sim.now() > down_at + 60_000);
    // The new records, and at most the uncommitted old ones again.
    assert!((6..=8).contains(&seen), "{seen} records");
    assert_eq!(sim.consumer(c).assignment().len(), 2);
}

#[test]
fn clients_hear_the_connection_refused_and_resume_soon_after_the_restart() {
    let mut sim = Simulation::with_seed(4);
    create_topic(&mut sim, "t", 1);
    let p = sim.add_producer("p", ProducerConfig::default()).unwrap();
    let c = sim.add_consumer("c", ConsumerConfig::from_pairs([("auto.offset.reset", "earliest")]).unwrap()).unwrap();
    sim.with_consumer(c, |m, _| m.assign(vec![(crate::consumer::TopicPartition::new("t", 0), None)]));
    let mut got = Vec::new();
    let poll_for = |sim: &mut Simulation, ms: Millis, got: &mut Vec<i64>| {
        for _ in 0..ms / 10 {
            got.extend(sim.poll(c).iter().map(|r| r.offset));
            sim.run_for(10);
        }
    };
    sim.send(p, record("t", None, "a")).unwrap();
    poll_for(&mut sim, 1_000, &mut got);
    assert_eq!(got, [0]);
    let down_at = sim.now();
    sim.set_broker_down(true);
    poll_for(&mut sim, 10_000, &mut got);
    // Refused connections make the clients back off, not spin.
    let requests = sim
        .journal()
        .iter()
        .filter(|e| e.at > down_at && e.node == Some(c))
        .filter(|e| matches!(&e.kind, EventKind::Message { direction: Direction::Request, .. }));
    let n = requests.count();
    assert!((2..=1_000).contains(&n), "{n} requests in 10 s");
    sim.set_broker_down(false);
    sim.send(p, record("t", None, "b")).unwrap();
    // Far sooner than a request timeout (30 s).
    poll_for(&mut sim, 3_000, &mut got);
    assert_eq!(got, [0, 1]);
}
