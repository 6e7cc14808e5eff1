//! Idempotent produce through the broker: duplicates, sequence gaps, fenced epochs, and the
//! producer state's lifetime (kept through retention and DeleteRecords, gone with the topic).

use super::*;

const PID: i64 = 1000;

/// A batch of `n` records from producer `pid` at `epoch`, first sequence `seq`.
fn idem(pid: i64, epoch: i16, seq: i32, n: usize) -> Bytes {
    let mut b = BatchBuilder::new(Compression::None, T0);
    for i in 0..n {
        b.append(T0, None, Some(format!("{seq}+{i}").as_bytes()), &[]);
    }
    b.finish(pid, epoch, seq, false)
}

#[test]
fn duplicates_return_the_original_offset_and_append_nothing() {
    let mut h = H::new();
    h.create("t", 1, &[]);
    let mut bases = Vec::new();
    for k in 0..6 {
        bases.push(h.produce("t", 0, idem(PID, 0, k * 2, 2)));
    }
    assert_eq!(bases, (0..6).map(|k| (0, k * 2)).collect::<Vec<_>>());
    // Each of the last five, resent: success with its first offset.
    for k in 1..6 {
        assert_eq!(h.produce("t", 0, idem(PID, 0, k as i32 * 2, 2)), (0, k * 2), "batch {k}");
    }
    assert_eq!(h.broker.partition("t", 0).unwrap().log_end_offset(), 12);
    // The first batch is no longer remembered: out of order, as in Kafka.
    assert_eq!(h.produce("t", 0, idem(PID, 0, 0, 2)).0, ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER.0);
    let f = h.fetch(&[("t", 0, 0)], 1 << 20, 1 << 20);
    let values: Vec<String> = records_of(part(&f, 0, 0).records.as_ref().unwrap()).into_iter().map(|r| r.1).collect();
    let expected: Vec<String> = (0..6).flat_map(|k| (0..2).map(move |i| format!("{}+{i}", k * 2))).collect();
    assert_eq!(values, expected, "each record stored once, in order");
}

#[test]
fn duplicate_answer_carries_log_start_and_the_stored_timestamp() {
    let mut h = H::new();
    h.create("t", 1, &[("message.timestamp.type", "LogAppendTime")]);
    let first = h.now;
    let ResponseKind::Produce(r) = h.call(9, produce_req(1, vec![("t", 0, Some(idem(PID, 0, 0, 1)))])) else {
        panic!()
    };
    assert_eq!(r.responses[0].partition_responses[0].log_append_time_ms, first);
    h.now += 5_000;
    let ResponseKind::Produce(r) = h.call(9, produce_req(1, vec![("t", 0, Some(idem(PID, 0, 0, 1)))])) else {
        panic!()
    };
    let p = &r.responses[0].partition_responses[0];
    assert_eq!((p.error_code, p.base_offset, p.log_append_time_ms, p.log_start_offset), (0, 0, first, 0));
}

#[test]
fn gaps_and_stale_epochs_are_rejected_with_their_codes() {
    let mut h = H::new();
    h.create("t", 1, &[]);
    assert_eq!(h.produce("t", 0, idem(PID, 2, 0, 3)), (0, 0));
    assert_eq!(h.produce("t", 0, idem(PID, 2, 4, 1)).0, ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER.0, "gap");
    assert_eq!(h.produce("t", 0, idem(PID, 1, 3, 1)).0, ErrorCode::INVALID_PRODUCER_EPOCH.0, "stale epoch");
    assert_eq!(h.produce("t", 0, idem(PID, 3, 3, 1)).0, ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER.0, "new epoch at 3");
    assert_eq!(h.produce("t", 0, idem(PID, 2, 3, 1)), (0, 3));
    assert_eq!(h.produce("t", 0, idem(PID, 3, 0, 1)), (0, 4), "epoch bump at 0");
    assert_eq!(h.produce("t", 0, idem(PID, 2, 4, 1)).0, ErrorCode::INVALID_PRODUCER_EPOCH.0, "fenced now");
    assert_eq!(h.broker.partition("t", 0).unwrap().log_end_offset(), 5);

    // v8+ carries a message naming the partition; errors answer base_offset -1.
    let ResponseKind::Produce(r) = h.call(9, produce_req(1, vec![("t", 0, Some(idem(PID, 3, 7, 1)))])) else {
        panic!()
    };
    let p = &r.responses[0].partition_responses[0];
    assert_eq!((p.error_code, p.base_offset), (ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER.0, -1));
    assert!(p.error_message.as_ref().unwrap().contains("t-0"), "{:?}", p.error_message);
}

#[test]
fn producers_and_partitions_are_independent_and_plain_batches_are_unchecked() {
    let mut h = H::new();
    h.create("t", 2, &[]);
    // KIP-360: an unknown producer starts at any sequence, per partition.
    assert_eq!(h.produce("t", 0, idem(PID, 0, 500, 1)), (0, 0));
    assert_eq!(h.produce("t", 1, idem(PID, 0, 7, 1)), (0, 0));
    assert_eq!(h.produce("t", 0, idem(PID + 1, 0, 0, 1)), (0, 1));
    assert_eq!(h.produce("t", 0, idem(PID, 0, 501, 1)), (0, 2));
    assert_eq!(h.produce("t", 1, idem(PID, 0, 8, 1)), (0, 1));
    // Without a producer id the same bytes are appended every time.
    assert_eq!(h.produce("t", 0, batch(1)), (0, 3));
    assert_eq!(h.produce("t", 0, batch(1)), (0, 4));
    assert_eq!(h.broker.partition("t", 0).unwrap().producer_state().len(), 2);
}

#[test]
fn sequence_wraps_through_the_broker() {
    let mut h = H::new();
    h.create("t", 1, &[]);
    assert_eq!(h.produce("t", 0, idem(PID, 0, i32::MAX - 1, 3)), (0, 0)); // MAX-1, MAX, 0
    assert_eq!(h.produce("t", 0, idem(PID, 0, i32::MAX - 1, 3)), (0, 0), "duplicate across the wrap");
    assert_eq!(h.produce("t", 0, idem(PID, 0, 1, 1)), (0, 3));
}

#[test]
fn state_survives_retention_and_delete_records_but_not_topic_deletion() {
    let mut h = H::new();
    let one = idem(PID, 0, 0, 2).len();
    h.create("t", 1, &[("retention.bytes", &one.to_string())]);
    for k in 0..3 {
        h.produce("t", 0, idem(PID, 0, k * 2, 2));
    }
    h.now = h.broker.poll_timeout().unwrap();
    h.broker.handle_timeout(h.now);
    assert_eq!(h.broker.partition("t", 0).unwrap().log_start_offset(), 4, "retention ran");
    assert_eq!(h.produce("t", 0, idem(PID, 0, 2, 2)), (0, 2), "a deleted batch is still a duplicate");
    assert_eq!(h.produce("t", 0, idem(PID, 0, 7, 1)).0, ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER.0);
    assert_eq!(h.delete_records(2, &[("t", 0, 6)]), [(0, 6)]);
    assert_eq!(h.produce("t", 0, idem(PID, 0, 6, 1)), (0, 6), "sequence continues after DeleteRecords");

    let del = DeleteTopicsRequest::default().with_topic_names(vec![name("t")]);
    let ResponseKind::DeleteTopics(r) = h.call(4, RequestKind::DeleteTopics(del)) else { panic!() };
    assert_eq!(r.responses[0].error_code, 0);
    h.create("t", 1, &[]);
    assert_eq!(h.produce("t", 0, idem(PID, 0, 40, 1)), (0, 0), "a re-created topic knows no producer");
}

fn init_producer_id(h: &mut H, version: i16, transactional_id: Option<&'static str>) -> (i16, i64, i16) {
    let req = InitProducerIdRequest::default()
        .with_transactional_id(transactional_id.map(|t| TransactionalId(StrBytes::from_static_str(t))))
        .with_transaction_timeout_ms(60_000);
    match h.call(version, RequestKind::InitProducerId(req)) {
        ResponseKind::InitProducerId(r) => (r.error_code, r.producer_id.0, r.producer_epoch),
        other => panic!("{other:?}"),
    }
}

#[test]
fn init_producer_id_allocates_fresh_ids_at_epoch_zero() {
    let mut h = H::new();
    for (i, v) in (0..=4).enumerate() {
        assert_eq!(init_producer_id(&mut h, v, None), (0, i as i64, 0), "v{v}");
    }
    // A transactional id gets its producer id from the transaction coordinator (tests_txn.rs).
    assert_eq!(init_producer_id(&mut h, 4, Some("txn")), (0, 5, 0));
    assert_eq!(init_producer_id(&mut h, 4, Some("")), (ErrorCode::INVALID_REQUEST.0, -1, -1), "empty id");
    assert_eq!(init_producer_id(&mut h, 5, None), (ErrorCode::UNSUPPORTED_VERSION.0, -1, -1));
    // The ids are usable at once: an idempotent producer's first batches.
    let (_, pid, epoch) = init_producer_id(&mut h, 4, None);
    assert_eq!(pid, 6);
    h.create("t", 1, &[]);
    assert_eq!(h.produce("t", 0, idem(pid, epoch, 0, 2)), (0, 0));
    assert_eq!(h.produce("t", 0, idem(pid, epoch, 0, 2)), (0, 0));
    assert_eq!(h.produce("t", 0, idem(pid, epoch, 2, 1)), (0, 2));
}
