use super::*;
use crate::snapshot::JournalEvent;

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn engine(seed: u64) -> Engine {
    Engine::new(SimConfig { seed, ..SimConfig::default() })
}

/// Lesson 2's first half: the acknowledgement is lost, the producer retries, two copies.
fn dropped_ack(seed: u64, idempotence: &str) -> Engine {
    let mut e = engine(seed);
    e.create_topic("t", 1).unwrap();
    let p =
        e.add_producer("p1", &pairs(&[("enable.idempotence", idempotence), ("request.timeout.ms", "1000")])).unwrap();
    e.inject(p, "Produce", FaultRule::drop_next_response).unwrap();
    e.send(p, Engine::text_record("t", None, Some("hello"), None)).unwrap();
    e.run_for(10_000);
    e
}

#[test]
fn a_dropped_ack_without_idempotence_stores_two_copies() {
    let s = dropped_ack(7, "false").snapshot();
    let log = &s.topics[0].partitions[0];
    let values: Vec<_> = log.records.iter().map(|r| (r.offset, r.value.as_deref(), r.producer_id)).collect();
    assert_eq!(values, [(0, Some("hello"), -1), (1, Some("hello"), -1)]);
    assert_eq!((log.log_start_offset, log.high_watermark, log.log_end_offset), (0, 2, 2));
    assert!(s.journal.iter().any(|j| matches!(&j.event,
        JournalEvent::Message { direction: "response", api, fate: "dropped", .. } if api == "Produce")));
}

#[test]
fn a_dropped_ack_with_idempotence_stores_one_copy() {
    let s = dropped_ack(7, "true").snapshot();
    let log = &s.topics[0].partitions[0];
    assert_eq!(log.records.len(), 1);
    assert!(log.records[0].producer_id >= 0);
    assert_eq!(log.records[0].sequence, 0);
}

#[test]
fn same_seed_same_snapshot() {
    assert_eq!(dropped_ack(3, "false").snapshot(), dropped_ack(3, "false").snapshot());
}

#[test]
fn misuse_is_an_error_not_a_panic() {
    let mut e = engine(1);
    let c = e.add_consumer("c", &pairs(&[("group.id", "g")])).unwrap();
    assert!(e.send(c, Engine::text_record("t", None, None, None)).is_err());
    assert!(e.poll(99).is_err());
    assert!(e.inject(c, "NoSuchApi", FaultRule::drop_next_request).is_err());
    assert!(e.add_producer("p", &pairs(&[("acks", "several")])).is_err());
    assert_eq!(api_key("InitProducerId").unwrap(), ApiKey::InitProducerId);
}

#[test]
fn create_topic_reports_the_brokers_answer() {
    let mut e = engine(1);
    e.create_topic("t", 2).unwrap();
    assert!(e.create_topic("t", 2).is_err(), "exists already");
    assert!(e.create_topic("u", 0).is_err(), "no partitions");
    assert!(e.create_topic("bad name!", 1).is_err(), "invalid name");
    let topics: Vec<_> = e.snapshot().topics.into_iter().map(|t| (t.name, t.partitions.len())).collect();
    assert_eq!(topics, [("t".to_string(), 2)]);
}
