//! The producer driven by hand: Metadata and Produce responses built with
//! kafka-protocol types, time passed explicitly. No broker involved.

use bytes::Bytes;
use kafka_protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::produce_response::{PartitionProduceResponse, TopicProduceResponse};
use kafka_protocol::messages::{
    BrokerId as NodeId, MetadataResponse, ProduceResponse, RequestKind, ResponseKind, TopicName,
};

use super::partitioner::partition_for_key;
use super::*;
use crate::protocol::StrBytes;
use crate::record::BatchIter;

fn producer(pairs: &[(&str, &str)]) -> Producer {
    Producer::with_seed(ProducerConfig::from_pairs(pairs.iter().copied()).unwrap(), 0, 1).unwrap()
}

fn rec(topic: &str, key: Option<&str>, value: &str) -> ProducerRecord {
    ProducerRecord {
        topic: topic.into(),
        partition: None,
        key: key.map(|k| Bytes::copy_from_slice(k.as_bytes())),
        value: Some(Bytes::copy_from_slice(value.as_bytes())),
        headers: Vec::new(),
        timestamp: None,
    }
}

fn to_partition(topic: &str, partition: i32, value: &str) -> ProducerRecord {
    ProducerRecord { partition: Some(partition), ..rec(topic, None, value) }
}

fn name(s: &str) -> TopicName {
    TopicName(StrBytes::from_string(s.to_string()))
}

/// Metadata for brokers 1 and 2 and `topics`, each with the leader of every partition.
fn metadata(topics: &[(&str, &[i32])]) -> MetadataResponse {
    let brokers = [1, 2]
        .iter()
        .map(|&id| {
            MetadataResponseBroker::default()
                .with_node_id(NodeId(id))
                .with_host(StrBytes::from_string("localhost".into()))
                .with_port(9090 + id)
        })
        .collect();
    let topics = topics
        .iter()
        .map(|(t, leaders)| {
            let partitions = leaders
                .iter()
                .enumerate()
                .map(|(i, &leader)| {
                    MetadataResponsePartition::default()
                        .with_partition_index(i as i32)
                        .with_leader_id(NodeId(leader))
                        .with_error_code(if leader < 0 { 5 } else { 0 })
                })
                .collect();
            MetadataResponseTopic::default().with_name(Some(name(t))).with_partitions(partitions)
        })
        .collect();
    MetadataResponse::default().with_brokers(brokers).with_topics(topics)
}

fn topic_error(topic: &str, code: ErrorCode) -> MetadataResponse {
    MetadataResponse::default()
        .with_topics(vec![MetadataResponseTopic::default().with_name(Some(name(topic))).with_error_code(code.0)])
}

/// A Produce request as transmitted.
#[derive(Debug)]
struct Sent {
    broker: BrokerId,
    correlation_id: i32,
    expects_response: bool,
    acks: i16,
    batches: Vec<(String, i32, Bytes)>,
}

/// The next Produce request, answering any Metadata request on the way with `meta`.
fn next_produce(p: &mut Producer, now: Millis, meta: &MetadataResponse) -> Option<Sent> {
    loop {
        let tx = p.poll_transmit(now)?;
        match tx.body {
            RequestKind::Metadata(_) => {
                p.handle_response(tx.broker, tx.correlation_id, ResponseKind::Metadata(meta.clone()), now);
            }
            RequestKind::InitProducerId(_) => {
                p.handle_response(tx.broker, tx.correlation_id, producer_id(PID, 0), now);
            }
            RequestKind::Produce(req) => {
                let batches = req
                    .topic_data
                    .iter()
                    .flat_map(|t| {
                        t.partition_data.iter().map(|d| (t.name.0.to_string(), d.index, d.records.clone().unwrap()))
                    })
                    .collect();
                return Some(Sent {
                    broker: tx.broker,
                    correlation_id: tx.correlation_id,
                    expects_response: tx.expects_response,
                    acks: req.acks,
                    batches,
                });
            }
            other => panic!("unexpected request {other:?}"),
        }
    }
}

/// The producer id the scripted broker hands out.
const PID: i64 = 1000;

fn producer_id(id: i64, epoch: i16) -> ResponseKind {
    ResponseKind::InitProducerId(
        kafka_protocol::messages::InitProducerIdResponse::default()
            .with_producer_id(kafka_protocol::messages::ProducerId(id))
            .with_producer_epoch(epoch),
    )
}

/// Answers the pending InitProducerId request (an idempotent producer asks after Metadata).
fn answer_producer_id(p: &mut Producer, now: Millis) {
    let tx = p.poll_transmit(now).expect("an InitProducerId request");
    assert!(matches!(tx.body, RequestKind::InitProducerId(_)), "{tx:?}");
    p.handle_response(tx.broker, tx.correlation_id, producer_id(PID, 0), now);
}

/// Answers the pending Metadata request (sent first by a new producer).
fn answer_metadata(p: &mut Producer, now: Millis, meta: MetadataResponse) {
    let tx = p.poll_transmit(now).expect("a Metadata request");
    assert!(matches!(tx.body, RequestKind::Metadata(_)), "{tx:?}");
    p.handle_response(tx.broker, tx.correlation_id, ResponseKind::Metadata(meta), now);
}

fn respond(sent: &Sent, code: impl Fn(&str, i32) -> i16, base: impl Fn(&str, i32) -> i64) -> ResponseKind {
    let mut topics: Vec<TopicProduceResponse> = Vec::new();
    for (t, p, _) in &sent.batches {
        let pr = PartitionProduceResponse::default()
            .with_index(*p)
            .with_error_code(code(t, *p))
            .with_base_offset(base(t, *p))
            .with_log_append_time_ms(-1);
        match topics.iter_mut().find(|x| x.name.0.as_str() == t) {
            Some(x) => x.partition_responses.push(pr),
            None => topics.push(TopicProduceResponse::default().with_name(name(t)).with_partition_responses(vec![pr])),
        }
    }
    ResponseKind::Produce(ProduceResponse::default().with_responses(topics))
}

fn ok_at(sent: &Sent, base: i64) -> ResponseKind {
    respond(sent, |_, _| 0, |_, _| base)
}

fn failed_with(sent: &Sent, code: ErrorCode) -> ResponseKind {
    respond(sent, |_, _| code.0, |_, _| -1)
}

fn values(batch: &Bytes) -> Vec<String> {
    let mut out = Vec::new();
    for b in BatchIter::new(batch.clone()) {
        for r in b.unwrap().records().unwrap() {
            out.push(String::from_utf8(r.unwrap().value.unwrap().to_vec()).unwrap());
        }
    }
    out
}

fn events(p: &mut Producer) -> Vec<(DeliveryId, Result<RecordMetadata, Error>)> {
    std::iter::from_fn(|| p.poll_event()).map(|ProducerEvent::Delivery { id, result }| (id, result)).collect()
}

fn offsets(evs: &[(DeliveryId, Result<RecordMetadata, Error>)]) -> Vec<(DeliveryId, i32, i64)> {
    evs.iter()
        .map(|(id, r)| {
            let md = r.as_ref().unwrap_or_else(|e| panic!("delivery {id} failed: {e}"));
            (*id, md.partition, md.offset)
        })
        .collect()
}

#[test]
fn batches_wait_for_linger_then_go_in_one_request() {
    let mut p = producer(&[("linger.ms", "10")]);
    for i in 0..3 {
        assert_eq!(p.send(rec("t", None, &format!("v{i}")), 0).unwrap(), i);
    }
    answer_metadata(&mut p, 0, metadata(&[("t", &[1])]));
    answer_producer_id(&mut p, 0);
    assert!(p.poll_transmit(5).is_none(), "linger.ms not over");
    assert_eq!(p.poll_timeout(), Some(10));
    let sent = next_produce(&mut p, 10, &metadata(&[])).expect("lingered batch");
    assert_eq!((sent.broker, sent.acks, sent.expects_response), (1, -1, true));
    assert_eq!(sent.batches.len(), 1);
    assert_eq!(values(&sent.batches[0].2), ["v0", "v1", "v2"]);
    assert_eq!(p.pending(), 3);
    p.handle_response(1, sent.correlation_id, ok_at(&sent, 100), 11);
    assert_eq!(p.pending(), 0);
    let evs = events(&mut p);
    assert_eq!(offsets(&evs), [(0, 0, 100), (1, 0, 101), (2, 0, 102)]);
    let md = evs[0].1.as_ref().unwrap();
    assert_eq!((&*md.topic, md.timestamp), ("t", 0));
}

#[test]
fn a_full_batch_goes_without_waiting_for_linger() {
    let mut p = producer(&[("linger.ms", "60000"), ("batch.size", "300")]);
    let value = "x".repeat(50);
    for _ in 0..10 {
        p.send(to_partition("t", 0, &value), 0).unwrap();
    }
    let first = next_produce(&mut p, 0, &metadata(&[("t", &[1])])).expect("a full batch is ready at once");
    assert_eq!(first.batches.len(), 1);
    let n = values(&first.batches[0].2).len();
    assert!((2..10).contains(&n), "{n} records in the first batch");
    assert!(first.batches[0].2.len() <= 300, "batch.size exceeded: {}", first.batches[0].2.len());
    // The rest: the sealed batches go as soon as the broker takes them; the last open
    // one waits for linger unless flushed.
    let mut total = n;
    let mut now = 0;
    p.handle_response(1, first.correlation_id, ok_at(&first, 0), now);
    p.flush_now(now);
    while let Some(sent) = next_produce(&mut p, now, &metadata(&[])) {
        total += values(&sent.batches[0].2).len();
        p.handle_response(1, sent.correlation_id, ok_at(&sent, total as i64), now);
        now += 1;
    }
    assert_eq!(total, 10);
    assert_eq!(events(&mut p).len(), 10);
}

#[test]
fn flush_ignores_linger_even_for_records_waiting_for_metadata() {
    let mut p = producer(&[("linger.ms", "60000")]);
    p.send(rec("t", None, "a"), 0).unwrap();
    p.flush_now(0);
    let sent = next_produce(&mut p, 0, &metadata(&[("t", &[1, 1, 1])])).expect("flushed batch");
    assert_eq!(values(&sent.batches[0].2), ["a"]);
}

#[test]
fn one_request_per_leader_with_keyed_records_on_their_murmur2_partition() {
    let mut p = producer(&[("linger.ms", "0")]);
    let meta = metadata(&[("t", &[1, 2, 1, 2])]);
    let keys = ["alice", "bob", "carol", "dave", "erin", "frank"];
    for k in keys {
        p.send(rec("t", Some(k), k), 0).unwrap();
    }
    let mut by_partition = std::collections::BTreeMap::new();
    let mut brokers = Vec::new();
    while let Some(sent) = next_produce(&mut p, 0, &meta) {
        brokers.push(sent.broker);
        for (_, part, bytes) in &sent.batches {
            assert_eq!(sent.broker, if part % 2 == 0 { 1 } else { 2 }, "sent to the leader");
            by_partition.insert(*part, values(bytes));
        }
    }
    brokers.sort();
    assert_eq!(brokers, [1, 2], "one request per broker");
    for k in keys {
        let want = partition_for_key(k.as_bytes(), 4);
        assert!(by_partition[&want].contains(&k.to_string()), "{k} expected on partition {want}: {by_partition:?}");
    }
}

#[test]
fn acks_zero_completes_at_transmit_with_offset_minus_one() {
    let mut p = producer(&[("acks", "0"), ("linger.ms", "0")]);
    assert!(!p.config().enable_idempotence, "acks=0 turns default idempotence off");
    p.send(rec("t", None, "a"), 7).unwrap();
    p.send(rec("t", None, "b"), 7).unwrap();
    let sent = next_produce(&mut p, 7, &metadata(&[("t", &[1])])).unwrap();
    assert!(!sent.expects_response);
    assert_eq!(sent.acks, 0);
    assert_eq!(p.pending(), 0);
    let evs = events(&mut p);
    assert_eq!(offsets(&evs), [(0, 0, -1), (1, 0, -1)]);
    assert_eq!(evs[1].1.as_ref().unwrap().timestamp, 7);
    // Nothing is in flight, so a disconnect re-sends nothing.
    p.handle_disconnect(1, 8);
    assert!(next_produce(&mut p, 1_000, &metadata(&[("t", &[1])])).is_none());
}

#[test]
fn disconnect_resends_the_identical_batch_so_a_lost_ack_duplicates_the_record() {
    let mut p = producer(&[("linger.ms", "0")]);
    let meta = metadata(&[("t", &[1])]);
    let id = p.send(rec("t", None, "hello"), 0).unwrap();
    let first = next_produce(&mut p, 0, &meta).unwrap();
    // The broker wrote it at offset 0, but the connection broke before the ack arrived.
    p.handle_disconnect(1, 5);
    assert!(events(&mut p).is_empty(), "retriable: no report yet");
    assert!(next_produce(&mut p, 50, &meta).is_none(), "retry.backoff.ms not over");
    let again = next_produce(&mut p, 105, &meta).expect("retried after the backoff");
    assert_eq!(again.batches, first.batches, "the same batch bytes");
    assert_eq!(again.batches[0].2.as_ptr(), first.batches[0].2.as_ptr(), "not even re-encoded");
    // The retry is stored as a second copy, at offset 1: at-least-once without idempotence.
    p.handle_response(1, again.correlation_id, ok_at(&again, 1), 106);
    assert_eq!(offsets(&events(&mut p)), [(id, 0, 1)]);
    // A late answer to the first request is ignored.
    p.handle_response(1, first.correlation_id, ok_at(&first, 0), 107);
    assert!(events(&mut p).is_empty());
}

#[test]
fn request_timeout_counts_as_a_lost_response() {
    let mut p = producer(&[("linger.ms", "0"), ("request.timeout.ms", "1000")]);
    let meta = metadata(&[("t", &[1])]);
    p.send(rec("t", None, "a"), 0).unwrap();
    let first = next_produce(&mut p, 0, &meta).unwrap();
    assert_eq!(p.poll_timeout(), Some(1000));
    p.handle_timeout(999);
    assert!(next_produce(&mut p, 999, &meta).is_none());
    p.handle_timeout(1000);
    let again = next_produce(&mut p, 1100, &meta).expect("retried");
    assert_eq!(again.batches, first.batches);
}

#[test]
fn a_retried_batch_keeps_its_place_before_later_batches() {
    let mut p = producer(&[("linger.ms", "0"), ("max.in.flight.requests.per.connection", "1")]);
    let meta = metadata(&[("t", &[1])]);
    p.send(to_partition("t", 0, "a"), 0).unwrap();
    let a = next_produce(&mut p, 0, &meta).unwrap();
    p.send(to_partition("t", 0, "b"), 1).unwrap();
    assert!(next_produce(&mut p, 1, &meta).is_none(), "one request in flight at most");
    p.handle_response(1, a.correlation_id, failed_with(&a, ErrorCode::NOT_LEADER_OR_FOLLOWER), 2);
    assert!(next_produce(&mut p, 50, &meta).is_none(), "b must not overtake a during a's backoff");
    let retry = next_produce(&mut p, 102, &meta).expect("a again");
    assert_eq!(values(&retry.batches[0].2), ["a"]);
    p.handle_response(1, retry.correlation_id, ok_at(&retry, 0), 103);
    let b = next_produce(&mut p, 103, &meta).expect("then b");
    assert_eq!(values(&b.batches[0].2), ["b"]);
    p.handle_response(1, b.correlation_id, ok_at(&b, 1), 104);
    assert_eq!(offsets(&events(&mut p)), [(0, 0, 0), (1, 0, 1)]);
}

#[test]
fn leadership_errors_refresh_metadata_and_follow_the_new_leader() {
    let mut p = producer(&[("linger.ms", "0")]);
    p.send(rec("t", None, "a"), 0).unwrap();
    let sent = next_produce(&mut p, 0, &metadata(&[("t", &[1])])).unwrap();
    assert_eq!(sent.broker, 1);
    p.handle_response(1, sent.correlation_id, failed_with(&sent, ErrorCode::NOT_LEADER_OR_FOLLOWER), 1);
    let tx = p.poll_transmit(200).expect("a metadata refresh first");
    assert!(matches!(tx.body, RequestKind::Metadata(_)));
    p.handle_response(tx.broker, tx.correlation_id, ResponseKind::Metadata(metadata(&[("t", &[2])])), 200);
    let again = next_produce(&mut p, 200, &metadata(&[("t", &[2])])).unwrap();
    assert_eq!(again.broker, 2);
    assert_eq!(again.batches, sent.batches);
}

#[test]
fn retry_backoff_grows_exponentially_up_to_the_max() {
    let mut p = producer(&[("linger.ms", "0"), ("retry.backoff.ms", "100"), ("retry.backoff.max.ms", "250")]);
    // Metadata answered up front so refreshes do not interleave with the timing below.
    let meta = metadata(&[("t", &[1])]);
    p.send(rec("t", None, "a"), 0).unwrap();
    let mut sent = next_produce(&mut p, 0, &meta).unwrap();
    let mut now = 0;
    for expected_backoff in [100, 200, 250, 250] {
        p.handle_response(1, sent.correlation_id, failed_with(&sent, ErrorCode::REQUEST_TIMED_OUT), now);
        assert!(next_produce(&mut p, now + expected_backoff - 1, &meta).is_none(), "backoff {expected_backoff}");
        now += expected_backoff;
        sent = next_produce(&mut p, now, &meta).expect("retry after the backoff");
    }
}

#[test]
fn retries_run_out_with_the_last_error() {
    let mut p = producer(&[("linger.ms", "0"), ("retries", "1")]);
    let meta = metadata(&[("t", &[1])]);
    p.send(rec("t", None, "a"), 0).unwrap();
    let s1 = next_produce(&mut p, 0, &meta).unwrap();
    p.handle_response(1, s1.correlation_id, failed_with(&s1, ErrorCode::REQUEST_TIMED_OUT), 1);
    let s2 = next_produce(&mut p, 200, &meta).unwrap();
    p.handle_response(1, s2.correlation_id, failed_with(&s2, ErrorCode::REQUEST_TIMED_OUT), 201);
    let evs = events(&mut p);
    let e = evs[0].1.as_ref().unwrap_err();
    assert_eq!(e.code(), ErrorCode::REQUEST_TIMED_OUT);
    assert!(e.message().contains("produce to topic `t` partition 0"), "{e}");
    assert!(e.message().contains("gave up after 2 attempts"), "{e}");
    assert_eq!(p.pending(), 0);
}

#[test]
fn non_retriable_produce_errors_fail_at_once_naming_topic_and_partition() {
    let mut p = producer(&[("linger.ms", "0")]);
    p.send(rec("t", None, "a"), 0).unwrap();
    let sent = next_produce(&mut p, 0, &metadata(&[("t", &[1])])).unwrap();
    let resp = ResponseKind::Produce(ProduceResponse::default().with_responses(vec![
        TopicProduceResponse::default().with_name(name("t")).with_partition_responses(
            vec![PartitionProduceResponse::default()
            .with_index(0)
            .with_error_code(ErrorCode::INVALID_RECORD.0)
            .with_error_message(Some(StrBytes::from_string("header key is null".into())))],
        ),
    ]));
    p.handle_response(1, sent.correlation_id, resp, 1);
    let evs = events(&mut p);
    let e = evs[0].1.as_ref().unwrap_err();
    assert_eq!(e.code(), ErrorCode::INVALID_RECORD);
    assert_eq!(e.message(), "produce to topic `t` partition 0: INVALID_RECORD: header key is null");
    assert!(!e.is_retriable());
}

#[test]
fn delivery_timeout_fails_records_whose_topic_never_appears() {
    let mut p = producer(&[("linger.ms", "0"), ("request.timeout.ms", "1000"), ("delivery.timeout.ms", "2000")]);
    p.send(rec("missing", None, "a"), 0).unwrap();
    let unknown = topic_error("missing", ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
    for now in (0..2000).step_by(100) {
        p.handle_timeout(now);
        assert!(next_produce(&mut p, now, &unknown).is_none());
        assert!(events(&mut p).is_empty(), "still waiting at {now}");
    }
    assert!(p.poll_timeout().unwrap() <= 2000);
    p.handle_timeout(2000);
    let evs = events(&mut p);
    let e = evs[0].1.as_ref().unwrap_err();
    assert_eq!(e.code(), ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
    assert!(e.message().contains("topic `missing`"), "{e}");
    assert_eq!(p.pending(), 0);
}

#[test]
fn delivery_timeout_fails_batches_stuck_without_a_leader() {
    let mut p = producer(&[("linger.ms", "0"), ("request.timeout.ms", "1000"), ("delivery.timeout.ms", "2000")]);
    let leaderless = metadata(&[("t", &[-1])]);
    p.send(rec("t", None, "a"), 0).unwrap();
    assert!(next_produce(&mut p, 0, &leaderless).is_none());
    assert!(next_produce(&mut p, 1500, &leaderless).is_none());
    p.handle_timeout(1999);
    assert!(events(&mut p).is_empty());
    p.handle_timeout(2000);
    let evs = events(&mut p);
    let e = evs[0].1.as_ref().unwrap_err();
    assert_eq!(e.code(), ErrorCode::MSG_TIMED_OUT);
    assert!(e.message().contains("1 record(s) for topic `t` partition 0 expired"), "{e}");
}

#[test]
fn a_retry_past_delivery_timeout_fails_with_the_last_error_named() {
    let mut p = producer(&[("linger.ms", "0"), ("request.timeout.ms", "1000"), ("delivery.timeout.ms", "1000")]);
    let meta = metadata(&[("t", &[1])]);
    p.send(rec("t", None, "a"), 0).unwrap();
    let sent = next_produce(&mut p, 0, &meta).unwrap();
    p.handle_response(1, sent.correlation_id, failed_with(&sent, ErrorCode::NOT_LEADER_OR_FOLLOWER), 1000);
    let evs = events(&mut p);
    let e = evs[0].1.as_ref().unwrap_err();
    assert_eq!(e.code(), ErrorCode::MSG_TIMED_OUT);
    assert!(e.message().contains("NOT_LEADER_OR_FOLLOWER"), "{e}");
}

#[test]
fn queue_full_when_buffer_memory_is_used_up() {
    let mut p = producer(&[("linger.ms", "0"), ("buffer.memory", "500")]);
    let meta = metadata(&[("t", &[1])]);
    let value = "v".repeat(100);
    let mut accepted = 0;
    let err = loop {
        match p.send(rec("t", None, &value), 0) {
            Ok(_) => accepted += 1,
            Err(e) => break e,
        }
    };
    assert_eq!(accepted, 4);
    assert_eq!(err.code(), ErrorCode::QUEUE_FULL);
    assert!(err.message().contains("buffer.memory"), "{err}");
    assert!(err.is_retriable());
    let sent = next_produce(&mut p, 0, &meta).unwrap();
    p.handle_response(1, sent.correlation_id, ok_at(&sent, 0), 1);
    assert_eq!(events(&mut p).len(), 4);
    p.send(rec("t", None, &value), 1).expect("room again once delivered");
}

#[test]
fn send_rejects_bad_records_naming_the_problem() {
    let mut p = producer(&[("max.request.size", "1000")]);
    let e = p.send(rec("", None, "a"), 0).unwrap_err();
    assert_eq!(e.code(), ErrorCode::INVALID_ARG);
    let e = p.send(rec("t", None, &"x".repeat(2000)), 0).unwrap_err();
    assert_eq!(e.code(), ErrorCode::MESSAGE_TOO_LARGE);
    assert!(e.message().contains("max.request.size (1000 bytes)"), "{e}");
    assert_eq!(p.pending(), 0);
    p.send(rec("t", None, "fine"), 0).unwrap();
    answer_metadata(&mut p, 0, metadata(&[("t", &[1, 1])]));
    let e = p.send(to_partition("t", 2, "a"), 0).unwrap_err();
    assert_eq!(e.code(), ErrorCode::UNKNOWN_PARTITION_LOCAL);
    assert!(e.message().contains("partition 2 of topic `t`"), "{e}");
    assert_eq!(p.pending(), 1);
}

#[test]
fn bad_partitions_and_topics_found_by_metadata_fail_their_deliveries() {
    let mut p = producer(&[("linger.ms", "0")]);
    p.send(to_partition("t", 5, "a"), 0).unwrap();
    p.send(rec("bad name!", None, "b"), 0).unwrap();
    let mut meta = metadata(&[("t", &[1, 1])]);
    meta.topics.push(
        MetadataResponseTopic::default()
            .with_name(Some(name("bad name!")))
            .with_error_code(ErrorCode::INVALID_TOPIC_EXCEPTION.0),
    );
    assert!(next_produce(&mut p, 0, &meta).is_none());
    let evs = events(&mut p);
    assert_eq!(evs.len(), 2);
    for (_, r) in &evs {
        let e = r.as_ref().unwrap_err();
        assert!(matches!(e.code(), ErrorCode::UNKNOWN_PARTITION_LOCAL | ErrorCode::INVALID_TOPIC_EXCEPTION), "{e}");
    }
    let e = p.send(rec("bad name!", None, "c"), 1).unwrap_err();
    assert_eq!(e.code(), ErrorCode::INVALID_TOPIC_EXCEPTION);
    assert!(e.message().contains("topic `bad name!`"), "{e}");
    assert_eq!(p.pending(), 0);
}

#[test]
fn max_in_flight_bounds_requests_per_broker() {
    let mut p = producer(&[
        ("linger.ms", "0"),
        ("max.in.flight.requests.per.connection", "2"),
        ("enable.idempotence", "false"),
    ]);
    let meta = metadata(&[("t", &[1])]);
    let mut sent = Vec::new();
    for i in 0..3 {
        p.send(rec("t", None, &format!("v{i}")), i).unwrap();
        if let Some(s) = next_produce(&mut p, i, &meta) {
            sent.push(s);
        }
    }
    assert_eq!(sent.len(), 2);
    p.handle_response(1, sent[0].correlation_id, ok_at(&sent[0], 0), 3);
    let third = next_produce(&mut p, 3, &meta).expect("a slot freed");
    assert_eq!(values(&third.batches[0].2), ["v2"]);
}

#[test]
fn log_append_time_replaces_the_record_timestamp() {
    let mut p = producer(&[("linger.ms", "0")]);
    p.send(ProducerRecord { timestamp: Some(42), ..rec("t", None, "a") }, 0).unwrap();
    let sent = next_produce(&mut p, 0, &metadata(&[("t", &[1])])).unwrap();
    let resp = ResponseKind::Produce(ProduceResponse::default().with_responses(vec![
        TopicProduceResponse::default().with_name(name("t")).with_partition_responses(vec![
            PartitionProduceResponse::default().with_index(0).with_base_offset(9).with_log_append_time_ms(777),
        ]),
    ]));
    p.handle_response(1, sent.correlation_id, resp, 1);
    let evs = events(&mut p);
    let md = evs[0].1.as_ref().unwrap();
    assert_eq!((md.offset, md.timestamp), (9, 777));
}

#[test]
fn reports_come_once_per_record_in_batch_order_across_partitions() {
    let mut p = producer(&[("linger.ms", "5")]);
    let meta = metadata(&[("t", &[1, 1, 1])]);
    let n = 1000u64;
    for i in 0..n {
        p.send(to_partition("t", (i % 3) as i32, &format!("v{i}")), (i / 100) as i64).unwrap();
    }
    let mut now = 0;
    let mut done = 0;
    p.flush_now(now);
    while let Some(sent) = next_produce(&mut p, now, &meta) {
        p.handle_response(1, sent.correlation_id, respond(&sent, |_, _| 0, |_, part| 1_000_000 * part as i64), now);
        now += 1;
        done += 1;
    }
    assert!(done >= 1);
    let evs = events(&mut p);
    let mut ids: Vec<u64> = evs.iter().map(|(id, _)| *id).collect();
    ids.sort();
    assert_eq!(ids, (0..n).collect::<Vec<_>>());
    for (id, r) in &evs {
        let md = r.as_ref().unwrap();
        assert_eq!(md.partition, (id % 3) as i32);
        assert_eq!(md.offset, 1_000_000 * md.partition as i64 + (*id / 3) as i64, "id {id}");
        assert_eq!(md.timestamp, (id / 100) as i64);
    }
}

#[test]
fn sticky_partitioner_fills_one_partition_per_batch() {
    let mut p = producer(&[("linger.ms", "0"), ("batch.size", "1000")]);
    let meta = metadata(&[("t", &[1, 1, 1, 1])]);
    for i in 0..40 {
        p.send(rec("t", None, &format!("{i:0>50}")), 0).unwrap();
    }
    p.flush_now(0);
    let mut partitions_used = std::collections::BTreeSet::new();
    while let Some(sent) = next_produce(&mut p, 0, &meta) {
        for (_, part, bytes) in &sent.batches {
            partitions_used.insert(*part);
            assert!(values(bytes).len() > 1, "sticky: records without key share batches");
        }
        p.handle_response(1, sent.correlation_id, ok_at(&sent, 0), 0);
    }
    assert!(partitions_used.len() > 1, "moves on after batch.size bytes: {partitions_used:?}");
}

#[test]
fn poll_timeout_is_the_earliest_deadline() {
    let mut p = producer(&[("linger.ms", "20")]);
    assert_eq!(p.poll_timeout(), None, "nothing to do before the first send");
    p.send(rec("t", None, "a"), 100).unwrap();
    assert!(p.poll_timeout().unwrap() <= 100, "metadata for the new topic is due");
    answer_metadata(&mut p, 100, metadata(&[("t", &[1])]));
    assert_eq!(p.poll_timeout(), Some(120), "linger.ms");
    let sent = next_produce(&mut p, 120, &metadata(&[])).unwrap();
    assert_eq!(p.poll_timeout(), Some(120 + 30_000), "request.timeout.ms");
    p.handle_response(1, sent.correlation_id, ok_at(&sent, 0), 121);
    // The delivery.timeout.ms check may come early; handling it then finds nothing to expire.
    let at = p.poll_timeout().unwrap();
    assert!(at <= 100 + 120_000);
    p.handle_timeout(at);
    assert!(events(&mut p).len() == 1);
    assert_eq!(p.poll_timeout(), Some(100 + 300_000), "metadata.max.age.ms");
}

mod idempotent;
mod sim_txn;
mod transactional;
