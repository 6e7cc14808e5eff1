//! The idempotent producer against scripted responses: producer id first, sequences
//! stamped per partition, ordered retries with 5 in flight, duplicates as success,
//! epoch bumps (KIP-360).

use super::*;
use crate::record::validate_batch;

/// `(producer id, epoch, base sequence)` of each batch of a request.
fn stamps(sent: &Sent) -> Vec<(i64, i16, i32)> {
    sent.batches
        .iter()
        .map(|(_, _, b)| {
            let h = validate_batch(b).expect("a valid batch (CRC recomputed after stamping)");
            (h.producer_id, h.producer_epoch, h.base_sequence)
        })
        .collect()
}

#[test]
fn the_producer_id_comes_first_and_each_batch_gets_the_next_sequence() {
    let mut p = producer(&[("linger.ms", "0")]);
    let meta = metadata(&[("t", &[1, 1])]);
    p.send(to_partition("t", 0, "a"), 0).unwrap();
    answer_metadata(&mut p, 0, meta.clone());
    let tx = p.poll_transmit(0).expect("InitProducerId before any batch");
    let RequestKind::InitProducerId(req) = &tx.body else { panic!("{tx:?}") };
    assert_eq!((req.transactional_id.clone(), req.producer_id.0, req.producer_epoch), (None, -1, -1));
    assert_eq!(tx.api_version, versions::INIT_PRODUCER_ID);
    assert!(p.poll_transmit(0).is_none(), "no batch without a producer id");
    p.handle_response(tx.broker, tx.correlation_id, producer_id(PID, 0), 0);
    let a = next_produce(&mut p, 0, &meta).unwrap();
    assert_eq!(stamps(&a), [(PID, 0, 0)]);
    p.send(to_partition("t", 0, "early"), 0).unwrap();
    assert!(next_produce(&mut p, 0, &meta).is_none(), "the first batch of a partition goes alone");
    p.handle_response(1, a.correlation_id, ok_at(&a, 0), 0);
    let early = next_produce(&mut p, 0, &meta).unwrap();
    assert_eq!(stamps(&early), [(PID, 0, 1)]);
    for v in ["b1", "b2", "b3"] {
        p.send(to_partition("t", 0, v), 1).unwrap();
    }
    p.flush_now(1);
    p.send(to_partition("t", 1, "c"), 1).unwrap();
    let b = next_produce(&mut p, 1, &meta).unwrap();
    // One request: partition 0's third batch (3 records, sequence 2), while the second is in
    // flight, and partition 1's first.
    assert_eq!(stamps(&b), [(PID, 0, 2), (PID, 0, 0)]);
    p.send(to_partition("t", 0, "d"), 2).unwrap();
    let d = next_produce(&mut p, 2, &meta).unwrap();
    assert_eq!(stamps(&d), [(PID, 0, 5)], "sequence advances by the record count");
}

#[test]
fn without_idempotence_batches_carry_no_producer_id() {
    let mut p = producer(&[("linger.ms", "0"), ("enable.idempotence", "false")]);
    let meta = metadata(&[("t", &[1])]);
    p.send(rec("t", None, "a"), 0).unwrap();
    let a = next_produce(&mut p, 0, &meta).unwrap();
    assert_eq!(stamps(&a), [(-1, -1, -1)]);
}

#[test]
fn max_in_flight_above_five_is_a_config_error_naming_the_key() {
    let e =
        ProducerConfig::from_pairs([("enable.idempotence", "true"), ("max.in.flight.requests.per.connection", "6")])
            .unwrap_err();
    assert_eq!(e.code(), ErrorCode::INVALID_CONFIG_LOCAL);
    assert!(e.message().contains("max.in.flight.requests.per.connection"), "{e}");
}

/// Five batches of one partition in flight; the first fails with a retriable error and the
/// broker refuses the four after it (OUT_OF_ORDER_SEQUENCE_NUMBER): all five go again, in order,
/// with their original sequences, and the records land in send order.
#[test]
fn a_retried_batch_goes_again_before_the_later_ones_with_five_in_flight() {
    let mut p = producer(&[("linger.ms", "0")]);
    let meta = metadata(&[("t", &[1])]);
    p.send(to_partition("t", 0, "v0"), 0).unwrap();
    let first = next_produce(&mut p, 0, &meta).unwrap();
    p.handle_response(1, first.correlation_id, ok_at(&first, 0), 0);
    let mut delivered = events(&mut p);
    let mut sent = Vec::new();
    for i in 1..7 {
        p.send(to_partition("t", 0, &format!("v{i}")), i).unwrap();
        if let Some(s) = next_produce(&mut p, i, &meta) {
            sent.push(s);
        }
    }
    assert_eq!(sent.len(), 5, "five requests in flight, the sixth batch waits");
    let seqs: Vec<i32> = sent.iter().map(|s| stamps(s)[0].2).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5]);
    p.handle_response(1, sent[0].correlation_id, failed_with(&sent[0], ErrorCode::NOT_LEADER_OR_FOLLOWER), 10);
    for s in &sent[1..] {
        p.handle_response(1, s.correlation_id, failed_with(s, ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER), 11);
    }
    assert!(events(&mut p).is_empty(), "all retriable");
    let mut again = Vec::new();
    let mut now = 11;
    while again.len() < 5 && now < 5_000 {
        match next_produce(&mut p, now, &meta) {
            Some(s) => again.push(s),
            None => now += 10,
        }
    }
    assert!(next_produce(&mut p, now, &meta).is_none(), "five in flight again");
    p.handle_response(1, again[0].correlation_id, ok_at(&again[0], 1), now);
    again.push(next_produce(&mut p, now, &meta).expect("the new batch once a slot is free"));
    let order: Vec<(String, i32)> = again.iter().map(|s| (values(&s.batches[0].2).join(","), stamps(s)[0].2)).collect();
    let want: Vec<(String, i32)> = (1..7).map(|i| (format!("v{i}"), i)).collect();
    assert_eq!(order, want, "retries in sequence order, then the new batch");
    assert_eq!(again[0].batches[0].2, sent[0].batches[0].2, "the very same bytes");
    for (i, s) in again.iter().enumerate().skip(1) {
        p.handle_response(1, s.correlation_id, ok_at(s, i as i64 + 1), now);
    }
    delivered.extend(events(&mut p));
    let got: Vec<(DeliveryId, i32, i64)> = offsets(&delivered);
    assert_eq!(got, (0..7).map(|i| (i as u64, 0, i as i64)).collect::<Vec<_>>());
}

#[test]
fn a_duplicate_sequence_is_a_success() {
    let mut p = producer(&[("linger.ms", "0")]);
    let meta = metadata(&[("t", &[1])]);
    p.send(rec("t", None, "a"), 0).unwrap();
    let a = next_produce(&mut p, 0, &meta).unwrap();
    p.handle_disconnect(1, 1);
    let again = next_produce(&mut p, 200, &meta).expect("retried");
    assert_eq!(again.batches, a.batches);
    p.handle_response(1, again.correlation_id, respond(&again, |_, _| 46, |_, _| -1), 201);
    let evs = events(&mut p);
    assert_eq!(evs.len(), 1);
    assert!(evs[0].1.is_ok(), "{:?}", evs[0]);
}

/// OUT_OF_ORDER_SEQUENCE_NUMBER for the very batch the broker should take next: it lost our
/// state. The producer bumps its epoch (InitProducerId with its id and epoch) once nothing is
/// in flight and sends the batch again from sequence 0 with the new epoch.
#[test]
fn out_of_order_for_the_next_batch_bumps_the_epoch_and_restarts_sequences() {
    let mut p = producer(&[("linger.ms", "0")]);
    let meta = metadata(&[("t", &[1])]);
    p.send(rec("t", None, "a"), 0).unwrap();
    let a = next_produce(&mut p, 0, &meta).unwrap();
    p.handle_response(1, a.correlation_id, ok_at(&a, 0), 1);
    p.send(rec("t", None, "b"), 2).unwrap();
    let b = next_produce(&mut p, 2, &meta).unwrap();
    assert_eq!(stamps(&b), [(PID, 0, 1)]);
    p.handle_response(1, b.correlation_id, failed_with(&b, ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER), 3);
    let tx = p.poll_transmit(200).expect("an epoch bump");
    let RequestKind::InitProducerId(req) = &tx.body else { panic!("{tx:?}") };
    assert_eq!((req.producer_id.0, req.producer_epoch), (PID, 0), "KIP-360: the current id and epoch");
    assert!(p.poll_transmit(200).is_none(), "no batch during the bump");
    p.handle_response(tx.broker, tx.correlation_id, producer_id(PID, 1), 200);
    let b2 = next_produce(&mut p, 200, &meta).expect("b again");
    assert_eq!(stamps(&b2), [(PID, 1, 0)]);
    assert_eq!(values(&b2.batches[0].2), ["b"]);
    p.handle_response(1, b2.correlation_id, ok_at(&b2, 1), 201);
    assert_eq!(offsets(&events(&mut p)), [(0, 0, 0), (1, 0, 1)]);
}

#[test]
fn unknown_producer_id_for_a_later_batch_is_retried_without_a_bump() {
    let mut p = producer(&[("linger.ms", "0")]);
    let meta = metadata(&[("t", &[1])]);
    p.send(rec("t", None, "first"), 0).unwrap();
    let first = next_produce(&mut p, 0, &meta).unwrap();
    p.handle_response(1, first.correlation_id, ok_at(&first, 0), 0);
    p.send(rec("t", None, "a"), 0).unwrap();
    let a = next_produce(&mut p, 0, &meta).unwrap();
    p.send(rec("t", None, "b"), 1).unwrap();
    let b = next_produce(&mut p, 1, &meta).unwrap();
    p.handle_response(1, b.correlation_id, failed_with(&b, ErrorCode::UNKNOWN_PRODUCER_ID), 2);
    p.handle_response(1, a.correlation_id, ok_at(&a, 1), 3);
    let b2 = next_produce(&mut p, 500, &meta).expect("b again, no InitProducerId");
    assert_eq!(stamps(&b2), [(PID, 0, 2)]);
}

/// A batch that expires after it was sent has an unknown outcome: the next batches get a new
/// epoch, so the broker does not wait for the sequence that may never come.
#[test]
fn a_batch_expired_in_doubt_forces_an_epoch_bump() {
    let mut p = producer(&[
        ("linger.ms", "0"),
        ("request.timeout.ms", "1000"),
        ("delivery.timeout.ms", "1500"),
        ("retry.backoff.ms", "600"),
        ("retry.backoff.max.ms", "600"),
    ]);
    let meta = metadata(&[("t", &[1])]);
    p.send(rec("t", None, "a"), 0).unwrap();
    next_produce(&mut p, 0, &meta).unwrap();
    p.handle_timeout(1000); // no answer: requeued, due again at 1600, past its delivery timeout
    p.handle_timeout(1500);
    let evs = events(&mut p);
    assert_eq!(evs[0].1.as_ref().unwrap_err().code(), ErrorCode::MSG_TIMED_OUT);
    p.send(rec("t", None, "b"), 1500).unwrap();
    let mut tx = p.poll_transmit(1500).expect("a request");
    if matches!(tx.body, RequestKind::Metadata(_)) {
        p.handle_response(tx.broker, tx.correlation_id, ResponseKind::Metadata(meta.clone()), 1500);
        tx = p.poll_transmit(1500).expect("an epoch bump before the next batch");
    }
    assert!(matches!(tx.body, RequestKind::InitProducerId(_)), "{tx:?}");
    p.handle_response(tx.broker, tx.correlation_id, producer_id(PID, 1), 1500);
    let b = next_produce(&mut p, 1500, &meta).unwrap();
    assert_eq!(stamps(&b), [(PID, 1, 0)]);
}

#[test]
fn init_producer_id_errors_are_retried_then_fatal_ones_fail_the_records() {
    let mut p = producer(&[("linger.ms", "0")]);
    let meta = metadata(&[("t", &[1])]);
    p.send(rec("t", None, "a"), 0).unwrap();
    answer_metadata(&mut p, 0, meta.clone());
    let tx = p.poll_transmit(0).unwrap();
    let busy = ResponseKind::InitProducerId(
        kafka_protocol::messages::InitProducerIdResponse::default()
            .with_error_code(ErrorCode::COORDINATOR_LOAD_IN_PROGRESS.0),
    );
    p.handle_response(tx.broker, tx.correlation_id, busy, 0);
    assert!(p.poll_transmit(50).is_none(), "backing off");
    let tx = p.poll_transmit(100).expect("asked again");
    let denied = ResponseKind::InitProducerId(
        kafka_protocol::messages::InitProducerIdResponse::default().with_error_code(87 /* not retriable */),
    );
    p.handle_response(tx.broker, tx.correlation_id, denied, 100);
    p.poll_transmit(100);
    let evs = events(&mut p);
    assert_eq!(evs.len(), 1);
    assert!(evs[0].1.is_err());
}

/// Apache Kafka answers NOT_LEADER_OR_FOLLOWER to the first Produce of a topic just created and
/// takes an unknown producer's first batch at any sequence: the partition's first batch goes
/// alone, so a later batch cannot be stored before it.
#[test]
fn the_first_batch_of_a_partition_goes_alone_until_acknowledged() {
    let mut p = producer(&[("linger.ms", "0")]);
    let meta = metadata(&[("t", &[1])]);
    p.send(rec("t", None, "a"), 0).unwrap();
    let a = next_produce(&mut p, 0, &meta).unwrap();
    p.send(rec("t", None, "b"), 1).unwrap();
    assert!(next_produce(&mut p, 1, &meta).is_none(), "b waits for a's answer");
    p.handle_response(1, a.correlation_id, failed_with(&a, ErrorCode::NOT_LEADER_OR_FOLLOWER), 2);
    let retry = next_produce(&mut p, 200, &meta).expect("a again");
    assert_eq!(values(&retry.batches[0].2), ["a"]);
    assert!(next_produce(&mut p, 200, &meta).is_none(), "still alone");
    p.handle_response(1, retry.correlation_id, ok_at(&retry, 0), 201);
    let b = next_produce(&mut p, 201, &meta).expect("then b");
    assert_eq!((values(&b.batches[0].2), stamps(&b)), (vec!["b".to_string()], vec![(PID, 0, 1)]));
}
