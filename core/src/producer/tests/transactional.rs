//! The transactional producer against a scripted coordinator: every state transition of the
//! transaction manager and every class of error (retriable, abortable, fatal).

use kafka_protocol::messages::add_partitions_to_txn_response::{
    AddPartitionsToTxnPartitionResult, AddPartitionsToTxnTopicResult,
};
use kafka_protocol::messages::txn_offset_commit_response::{
    TxnOffsetCommitResponsePartition, TxnOffsetCommitResponseTopic,
};
use kafka_protocol::messages::{
    AddOffsetsToTxnResponse, AddPartitionsToTxnResponse, EndTxnResponse, FindCoordinatorResponse,
    InitProducerIdResponse, ProducerId, TxnOffsetCommitResponse,
};

use super::*;
use crate::client::ConsumerGroupMetadata;
use crate::protocol::ApiKey;
use crate::record::validate_batch;

const COORDINATOR: BrokerId = 2;

fn txn_producer() -> Producer {
    producer(&[("transactional.id", "tx-1"), ("linger.ms", "0")])
}

/// Overrides of the scripted coordinator's answers: `(api, error code)`, used once each in order.
#[derive(Default)]
struct Script {
    errors: Vec<(ApiKey, i16)>,
    /// Every request seen, in order: `(api, broker)`.
    seen: Vec<(ApiKey, BrokerId)>,
    /// The requests other than Metadata, in order (as `apis` lists them).
    bodies: Vec<RequestKind>,
    epoch: i16,
}

impl Script {
    fn error_for(&mut self, api: ApiKey) -> i16 {
        match self.errors.iter().position(|(a, _)| *a == api) {
            Some(i) => self.errors.remove(i).1,
            None => 0,
        }
    }

    /// The answer of a well-behaved cluster (brokers 1 and 2, coordinator 2) to `tx`.
    fn answer(&mut self, tx: &Transmit, meta: &MetadataResponse) -> ResponseKind {
        let api = tx.api_key().expect("a known API");
        self.seen.push((api, tx.broker));
        if api != ApiKey::Metadata {
            self.bodies.push(tx.body.clone());
        }
        let code = self.error_for(api);
        match &tx.body {
            RequestKind::Metadata(_) => ResponseKind::Metadata(meta.clone()),
            RequestKind::FindCoordinator(_) => ResponseKind::FindCoordinator(
                FindCoordinatorResponse::default()
                    .with_error_code(code)
                    .with_node_id(NodeId(if code == 0 { COORDINATOR } else { -1 }))
                    .with_host(StrBytes::from_static_str("localhost"))
                    .with_port(9092),
            ),
            RequestKind::InitProducerId(_) => {
                if code == 0 {
                    self.epoch += 1;
                }
                ResponseKind::InitProducerId(
                    InitProducerIdResponse::default()
                        .with_error_code(code)
                        .with_producer_id(ProducerId(if code == 0 { PID } else { -1 }))
                        .with_producer_epoch(if code == 0 { self.epoch - 1 } else { -1 }),
                )
            }
            RequestKind::AddPartitionsToTxn(req) => {
                let topics = req
                    .v3_and_below_topics
                    .iter()
                    .map(|t| {
                        AddPartitionsToTxnTopicResult::default().with_name(t.name.clone()).with_results_by_partition(
                            t.partitions
                                .iter()
                                .map(|&p| {
                                    AddPartitionsToTxnPartitionResult::default()
                                        .with_partition_index(p)
                                        .with_partition_error_code(code)
                                })
                                .collect(),
                        )
                    })
                    .collect();
                ResponseKind::AddPartitionsToTxn(
                    AddPartitionsToTxnResponse::default().with_results_by_topic_v3_and_below(topics),
                )
            }
            RequestKind::AddOffsetsToTxn(_) => {
                ResponseKind::AddOffsetsToTxn(AddOffsetsToTxnResponse::default().with_error_code(code))
            }
            RequestKind::TxnOffsetCommit(req) => {
                let topics = req
                    .topics
                    .iter()
                    .map(|t| {
                        TxnOffsetCommitResponseTopic::default().with_name(t.name.clone()).with_partitions(
                            t.partitions
                                .iter()
                                .map(|p| {
                                    TxnOffsetCommitResponsePartition::default()
                                        .with_partition_index(p.partition_index)
                                        .with_error_code(code)
                                })
                                .collect(),
                        )
                    })
                    .collect();
                ResponseKind::TxnOffsetCommit(TxnOffsetCommitResponse::default().with_topics(topics))
            }
            RequestKind::EndTxn(_) => ResponseKind::EndTxn(EndTxnResponse::default().with_error_code(code)),
            RequestKind::Produce(_) => {
                let sent = Sent {
                    broker: tx.broker,
                    correlation_id: tx.correlation_id,
                    expects_response: true,
                    acks: -1,
                    batches: match &tx.body {
                        RequestKind::Produce(req) => req
                            .topic_data
                            .iter()
                            .flat_map(|t| {
                                t.partition_data
                                    .iter()
                                    .map(|d| (t.name.0.to_string(), d.index, d.records.clone().unwrap()))
                            })
                            .collect(),
                        _ => unreachable!(),
                    },
                };
                respond(&sent, |_, _| code, |_, _| 0)
            }
            other => panic!("unexpected request {other:?}"),
        }
    }

    fn apis(&self) -> Vec<ApiKey> {
        self.seen.iter().map(|(a, _)| *a).filter(|a| *a != ApiKey::Metadata).collect()
    }
}

/// Runs the producer against the script from `now` for up to `ms` (10 ms steps), answering
/// every request at once; stops early at a transaction event, which it returns.
fn run(p: &mut Producer, script: &mut Script, now: &mut Millis, ms: Millis) -> Option<TxnEvent> {
    let meta = metadata(&[("t", &[1, 1])]);
    let end = *now + ms;
    while *now <= end {
        while let Some(tx) = p.poll_transmit(*now) {
            let resp = script.answer(&tx, &meta);
            p.handle_response(tx.broker, tx.correlation_id, resp, *now);
        }
        if let Some(e) = p.poll_txn_event() {
            return Some(e);
        }
        *now += 10;
        p.handle_timeout(*now);
    }
    None
}

fn initialized() -> (Producer, Script, Millis) {
    let mut p = txn_producer();
    let mut script = Script::default();
    let mut now = 0;
    p.init_transactions(now).unwrap();
    let ev = run(&mut p, &mut script, &mut now, 1000).expect("init completes");
    assert_eq!(ev, TxnEvent { op: TxnOp::InitTransactions, result: Ok(()) });
    (p, script, now)
}

#[test]
fn init_finds_the_coordinator_then_gets_the_producer_id_for_the_transactional_id() {
    let (p, script, _) = initialized();
    assert_eq!(script.apis(), [ApiKey::FindCoordinator, ApiKey::InitProducerId]);
    let RequestKind::FindCoordinator(f) = &script.bodies[0] else { panic!() };
    assert_eq!(f.key_type, 1);
    assert_eq!(f.coordinator_keys[0].as_str(), "tx-1");
    let RequestKind::InitProducerId(req) = &script.bodies[1] else { panic!() };
    assert_eq!(req.transactional_id.as_ref().unwrap().0.as_str(), "tx-1");
    assert_eq!(req.transaction_timeout_ms, 60_000);
    assert_eq!(script.seen[1].1, COORDINATOR, "InitProducerId goes to the coordinator");
    assert_eq!(p.txn_state(), Some(TxnState::Ready));
}

#[test]
fn operations_out_of_order_are_refused_with_a_state_error() {
    let mut p = txn_producer();
    assert_eq!(p.txn_state(), Some(TxnState::Uninitialized));
    assert_eq!(p.begin_transaction().unwrap_err().code(), ErrorCode::STATE);
    assert_eq!(p.send(rec("t", None, "x"), 0).unwrap_err().code(), ErrorCode::STATE);
    assert_eq!(p.commit_transaction(0).unwrap_err().code(), ErrorCode::STATE);
    let (mut p, _, _) = initialized();
    assert_eq!(p.send(rec("t", None, "x"), 0).unwrap_err().code(), ErrorCode::STATE, "send outside a transaction");
    assert_eq!(p.abort_transaction(0).unwrap_err().code(), ErrorCode::STATE);
    assert_eq!(p.init_transactions(0).unwrap_err().code(), ErrorCode::STATE);
    let mut plain = producer(&[]);
    assert_eq!(plain.init_transactions(0).unwrap_err().code(), ErrorCode::STATE);
}

#[test]
fn commit_adds_partitions_before_their_batches_then_ends_the_transaction() {
    let (mut p, mut script, mut now) = initialized();
    p.begin_transaction().unwrap();
    assert_eq!(p.txn_state(), Some(TxnState::InTransaction));
    p.send(to_partition("t", 0, "a"), now).unwrap();
    p.send(to_partition("t", 1, "b"), now).unwrap();
    p.commit_transaction(now).unwrap();
    assert_eq!(p.txn_state(), Some(TxnState::CommittingTransaction));
    let ev = run(&mut p, &mut script, &mut now, 1000).expect("commit completes");
    assert_eq!(ev, TxnEvent { op: TxnOp::CommitTransaction, result: Ok(()) });
    assert_eq!(p.txn_state(), Some(TxnState::Ready));
    let apis = script.apis();
    assert_eq!(
        apis[2..],
        [ApiKey::AddPartitionsToTxn, ApiKey::Produce, ApiKey::EndTxn],
        "both partitions in one AddPartitionsToTxn, before the Produce"
    );
    let RequestKind::AddPartitionsToTxn(add) = &script.bodies[2] else { panic!() };
    assert_eq!(add.v3_and_below_topics[0].partitions, [0, 1]);
    assert_eq!(add.v3_and_below_producer_id.0, PID);
    let RequestKind::Produce(produce) = &script.bodies[3] else { panic!() };
    let batch = produce.topic_data[0].partition_data[0].records.clone().unwrap();
    let h = validate_batch(&batch).unwrap();
    assert!(h.is_transactional());
    assert_eq!((h.producer_id, h.base_sequence), (PID, 0));
    let RequestKind::EndTxn(end) = script.bodies.last().unwrap() else { panic!() };
    assert!(end.committed);
    let reports = events(&mut p);
    assert_eq!(reports.len(), 2);
    assert!(reports.iter().all(|(_, r)| r.is_ok()));
    // The next transaction adds its partitions again.
    p.begin_transaction().unwrap();
    p.send(to_partition("t", 0, "c"), now).unwrap();
    p.commit_transaction(now).unwrap();
    run(&mut p, &mut script, &mut now, 1000).unwrap().result.unwrap();
    assert_eq!(script.apis()[5..], [ApiKey::AddPartitionsToTxn, ApiKey::Produce, ApiKey::EndTxn]);
}

#[test]
fn an_empty_transaction_commits_and_aborts_without_end_txn() {
    let (mut p, mut script, mut now) = initialized();
    p.begin_transaction().unwrap();
    p.commit_transaction(now).unwrap();
    assert!(run(&mut p, &mut script, &mut now, 100).unwrap().result.is_ok());
    p.begin_transaction().unwrap();
    p.abort_transaction(now).unwrap();
    assert!(run(&mut p, &mut script, &mut now, 100).unwrap().result.is_ok());
    assert_eq!(script.apis(), [ApiKey::FindCoordinator, ApiKey::InitProducerId]);
    assert_eq!(p.txn_state(), Some(TxnState::Ready));
}

#[test]
fn abort_fails_unsent_records_and_ends_what_was_written() {
    let mut p = producer(&[("transactional.id", "tx-1"), ("linger.ms", "100000")]);
    let mut script = Script::default();
    let mut now = 0;
    p.init_transactions(now).unwrap();
    run(&mut p, &mut script, &mut now, 1000).unwrap().result.unwrap();
    p.begin_transaction().unwrap();
    p.send(to_partition("t", 0, "written"), now).unwrap();
    p.flush_now(now);
    run(&mut p, &mut script, &mut now, 50);
    assert_eq!(events(&mut p).len(), 1, "the first record was written");
    p.send(to_partition("t", 0, "lingering"), now).unwrap();
    p.abort_transaction(now).unwrap();
    assert_eq!(p.txn_state(), Some(TxnState::AbortingTransaction));
    let reports = events(&mut p);
    assert_eq!(reports.len(), 1);
    assert!(reports[0].1.as_ref().unwrap_err().message().contains("aborted"));
    let ev = run(&mut p, &mut script, &mut now, 1000).unwrap();
    assert_eq!(ev, TxnEvent { op: TxnOp::AbortTransaction, result: Ok(()) });
    let RequestKind::EndTxn(end) = script.bodies.last().unwrap() else { panic!() };
    assert!(!end.committed);
    assert_eq!(p.txn_state(), Some(TxnState::Ready));
}

#[test]
fn send_offsets_adds_the_group_then_commits_offsets_to_the_group_coordinator() {
    let (mut p, mut script, mut now) = initialized();
    p.begin_transaction().unwrap();
    let group = ConsumerGroupMetadata {
        group_id: "g".into(),
        generation_id: 7,
        member_id: "m-1".into(),
        group_instance_id: Some("i-1".into()),
    };
    let offsets = vec![TxnOffset { topic: "in".into(), partition: 3, offset: 42, metadata: None }];
    p.send_offsets_to_transaction(offsets, &group, now).unwrap();
    let ev = run(&mut p, &mut script, &mut now, 1000).unwrap();
    assert_eq!(ev, TxnEvent { op: TxnOp::SendOffsetsToTransaction, result: Ok(()) });
    assert_eq!(script.apis()[2..], [ApiKey::AddOffsetsToTxn, ApiKey::FindCoordinator, ApiKey::TxnOffsetCommit]);
    let RequestKind::FindCoordinator(f) = &script.bodies[3] else { panic!() };
    assert_eq!((f.key_type, f.coordinator_keys[0].as_str()), (0, "g"));
    let RequestKind::TxnOffsetCommit(c) = &script.bodies[4] else { panic!() };
    assert_eq!((c.generation_id, c.member_id.as_str()), (7, "m-1"));
    assert_eq!(c.group_instance_id.as_ref().map(|s| s.as_str()), Some("i-1"));
    assert_eq!(c.transactional_id.0.as_str(), "tx-1");
    assert_eq!((c.topics[0].partitions[0].partition_index, c.topics[0].partitions[0].committed_offset), (3, 42));
    p.commit_transaction(now).unwrap();
    run(&mut p, &mut script, &mut now, 1000).unwrap().result.unwrap();
    assert_eq!(*script.apis().last().unwrap(), ApiKey::EndTxn, "offsets alone start a transaction");
}

#[test]
fn retriable_coordinator_errors_are_retried_and_not_coordinator_finds_it_again() {
    let mut p = txn_producer();
    let mut script = Script {
        errors: vec![
            (ApiKey::FindCoordinator, ErrorCode::COORDINATOR_NOT_AVAILABLE.0),
            (ApiKey::InitProducerId, ErrorCode::CONCURRENT_TRANSACTIONS.0),
            (ApiKey::InitProducerId, ErrorCode::NOT_COORDINATOR.0),
        ],
        ..Script::default()
    };
    let mut now = 0;
    p.init_transactions(now).unwrap();
    let ev = run(&mut p, &mut script, &mut now, 5_000).unwrap();
    assert!(ev.result.is_ok(), "{ev:?}");
    assert_eq!(
        script.apis(),
        [
            ApiKey::FindCoordinator,
            ApiKey::FindCoordinator,
            ApiKey::InitProducerId,
            ApiKey::InitProducerId,
            ApiKey::FindCoordinator,
            ApiKey::InitProducerId
        ]
    );
}

#[test]
fn a_transactions_first_add_partitions_is_retried_soon_after_concurrent_transactions() {
    let (mut p, mut script, mut now) = initialized();
    let base = p.config().retry_backoff_ms;
    assert!(base >= 100, "the default retry.backoff.ms, {base}, is what the first add does not wait");
    p.begin_transaction().unwrap();
    p.send(to_partition("t", 0, "a"), now).unwrap();
    // The previous transaction's markers are still being written.
    script.errors = vec![(ApiKey::AddPartitionsToTxn, ErrorCode::CONCURRENT_TRANSACTIONS.0)];
    let start = now;
    p.commit_transaction(now).unwrap();
    run(&mut p, &mut script, &mut now, 1000).unwrap().result.unwrap();
    assert!(now - start < base, "committed after {} ms of logical time", now - start);
    let adds = script.apis().iter().filter(|a| **a == ApiKey::AddPartitionsToTxn).count();
    assert_eq!(adds, 2);
}

#[test]
fn a_fenced_producer_is_fatal() {
    let (mut p, mut script, mut now) = initialized();
    p.begin_transaction().unwrap();
    p.send(to_partition("t", 0, "a"), now).unwrap();
    script.errors = vec![(ApiKey::EndTxn, ErrorCode::PRODUCER_FENCED.0)];
    p.commit_transaction(now).unwrap();
    let ev = run(&mut p, &mut script, &mut now, 1000).unwrap();
    let e = ev.result.unwrap_err();
    assert_eq!(e.code(), ErrorCode::PRODUCER_FENCED);
    assert!(e.is_fatal() && !e.is_retriable());
    assert_eq!(p.txn_state(), Some(TxnState::FatalError));
    let again = p.begin_transaction().unwrap_err();
    assert!(again.is_fatal(), "{again}");
    assert_eq!(again.code(), ErrorCode::PRODUCER_FENCED);
}

#[test]
fn init_refused_for_the_transactional_id_is_fatal() {
    let mut p = txn_producer();
    let mut script = Script {
        errors: vec![(ApiKey::InitProducerId, ErrorCode::TRANSACTIONAL_ID_AUTHORIZATION_FAILED.0)],
        ..Script::default()
    };
    let mut now = 0;
    p.init_transactions(now).unwrap();
    let e = run(&mut p, &mut script, &mut now, 1000).unwrap().result.unwrap_err();
    assert!(e.is_fatal());
    assert_eq!(p.txn_state(), Some(TxnState::FatalError));
}

/// A record that fails inside a transaction makes it abortable: commit refuses (with
/// `txn_requires_abort`), abort recovers and the producer can start again.
#[test]
fn a_failed_send_makes_the_transaction_abortable() {
    let (mut p, mut script, mut now) = initialized();
    p.begin_transaction().unwrap();
    p.send(to_partition("t", 0, "too big"), now).unwrap();
    script.errors = vec![(ApiKey::Produce, ErrorCode::MESSAGE_TOO_LARGE.0)];
    p.commit_transaction(now).unwrap();
    let e = run(&mut p, &mut script, &mut now, 1000).unwrap().result.unwrap_err();
    assert!(e.txn_requires_abort() && !e.is_fatal(), "{e}");
    assert_eq!(p.txn_state(), Some(TxnState::AbortableError));
    assert!(p.commit_transaction(now).unwrap_err().txn_requires_abort());
    assert!(p.send(to_partition("t", 0, "more"), now).unwrap_err().txn_requires_abort());
    p.abort_transaction(now).unwrap();
    let ev = run(&mut p, &mut script, &mut now, 1000).unwrap();
    assert_eq!(ev, TxnEvent { op: TxnOp::AbortTransaction, result: Ok(()) });
    // The failed batch had a sequence: the abort bumped the epoch (KIP-360).
    assert_eq!(*script.apis().last().unwrap(), ApiKey::InitProducerId);
    let RequestKind::InitProducerId(bump) = script.bodies.last().unwrap() else { panic!() };
    assert_eq!((bump.producer_id.0, bump.producer_epoch), (PID, 0));
    p.begin_transaction().unwrap();
    p.send(to_partition("t", 0, "again"), now).unwrap();
    p.commit_transaction(now).unwrap();
    run(&mut p, &mut script, &mut now, 1000).unwrap().result.unwrap();
    let RequestKind::Produce(produce) =
        script.bodies.iter().rev().find(|b| matches!(b, RequestKind::Produce(_))).unwrap()
    else {
        panic!()
    };
    let h = validate_batch(produce.topic_data[0].partition_data[0].records.as_ref().unwrap()).unwrap();
    assert_eq!((h.producer_epoch, h.base_sequence), (1, 0), "new epoch, sequences from 0");
}

#[test]
fn a_stale_generation_in_txn_offset_commit_is_abortable() {
    let (mut p, mut script, mut now) = initialized();
    p.begin_transaction().unwrap();
    script.errors = vec![(ApiKey::TxnOffsetCommit, ErrorCode::ILLEGAL_GENERATION.0)];
    let offsets = vec![TxnOffset { topic: "in".into(), partition: 0, offset: 1, metadata: None }];
    p.send_offsets_to_transaction(offsets, &ConsumerGroupMetadata::new("g"), now).unwrap();
    let e = run(&mut p, &mut script, &mut now, 1000).unwrap().result.unwrap_err();
    assert_eq!(e.code(), ErrorCode::ILLEGAL_GENERATION);
    assert!(e.txn_requires_abort());
    assert_eq!(p.txn_state(), Some(TxnState::AbortableError));
}

#[test]
fn a_call_repeated_after_a_timeout_continues_the_operation() {
    let mut p = txn_producer();
    p.init_transactions(0).unwrap();
    p.init_transactions(0).unwrap();
    let mut script = Script::default();
    let mut now = 0;
    assert!(run(&mut p, &mut script, &mut now, 1000).unwrap().result.is_ok());
    assert_eq!(script.apis(), [ApiKey::FindCoordinator, ApiKey::InitProducerId]);
}

/// Every transactional request body, adapted by the TCP driver, encodes at every version our
/// client may negotiate down to (kafka-protocol refuses a field the version does not have).
#[test]
#[cfg(not(target_arch = "wasm32"))]
fn transactional_requests_encode_at_every_version_in_our_ranges() {
    use kafka_protocol::protocol::Encodable;
    let (mut p, mut script, mut now) = initialized();
    p.begin_transaction().unwrap();
    p.send(to_partition("t", 0, "a"), now).unwrap();
    let group = ConsumerGroupMetadata {
        group_id: "g".into(),
        generation_id: 3,
        member_id: "m".into(),
        group_instance_id: Some("i".into()),
    };
    let offsets = vec![TxnOffset { topic: "in".into(), partition: 0, offset: 1, metadata: Some("x".into()) }];
    p.send_offsets_to_transaction(offsets, &group, now).unwrap();
    run(&mut p, &mut script, &mut now, 1000).unwrap().result.unwrap();
    p.commit_transaction(now).unwrap();
    run(&mut p, &mut script, &mut now, 1000).unwrap().result.unwrap();
    let mut bump = p.idem.as_ref().unwrap().request(Some("tx-1"), 60_000);
    bump.producer_id = ProducerId(PID);
    bump.producer_epoch = 0;
    script.bodies.push(RequestKind::InitProducerId(bump));
    let mut checked = 0;
    for body in &script.bodies {
        let key = crate::protocol::api_key(body).unwrap();
        if key == ApiKey::Produce || key == ApiKey::FindCoordinator {
            continue;
        }
        let (lo, hi) = versions::range(key).unwrap();
        for v in lo..=hi {
            let mut b = body.clone();
            crate::net::conn::fit_to_version(&mut b, v);
            let mut buf = bytes::BytesMut::new();
            let r = match &b {
                RequestKind::InitProducerId(x) => x.encode(&mut buf, v),
                RequestKind::AddPartitionsToTxn(x) => x.encode(&mut buf, v),
                RequestKind::AddOffsetsToTxn(x) => x.encode(&mut buf, v),
                RequestKind::TxnOffsetCommit(x) => x.encode(&mut buf, v),
                RequestKind::EndTxn(x) => x.encode(&mut buf, v),
                other => panic!("{other:?}"),
            };
            r.unwrap_or_else(|e| panic!("{key:?} v{v}: {e}"));
            checked += 1;
        }
    }
    assert!(checked >= 5 * 4, "{checked}");
}

/// A batch in flight when the transaction is aborted and answered with a retriable error is
/// not kept for the next transaction: it fails with the abort.
#[test]
fn a_batch_retried_during_an_abort_fails_instead_of_joining_the_next_transaction() {
    let (mut p, mut script, mut now) = initialized();
    let meta = metadata(&[("t", &[1, 1])]);
    p.begin_transaction().unwrap();
    p.send(to_partition("t", 0, "in flight"), now).unwrap();
    // Add the partition, then take the Produce request without answering it.
    let produce = loop {
        let tx = p.poll_transmit(now).expect("a request");
        if matches!(tx.body, RequestKind::Produce(_)) {
            break tx;
        }
        let resp = script.answer(&tx, &meta);
        p.handle_response(tx.broker, tx.correlation_id, resp, now);
    };
    p.abort_transaction(now).unwrap();
    p.handle_disconnect(produce.broker, now);
    let reports = events(&mut p);
    assert_eq!(reports.len(), 1);
    assert!(reports[0].1.as_ref().unwrap_err().message().contains("aborted"));
    let ev = run(&mut p, &mut script, &mut now, 1000).unwrap();
    assert_eq!(ev.op, TxnOp::AbortTransaction);
    assert_eq!(p.pending(), 0);
}

/// A coordinator request without an answer (request.timeout.ms) or on a lost connection: the
/// coordinator is looked up again and the request repeated.
#[test]
fn an_unanswered_coordinator_request_finds_the_coordinator_again() {
    let mut p = producer(&[("transactional.id", "tx-1"), ("request.timeout.ms", "1000")]);
    let mut script = Script::default();
    let meta = metadata(&[]);
    p.init_transactions(0).unwrap();
    let find = p.poll_transmit(0).unwrap();
    let resp = script.answer(&find, &meta);
    p.handle_response(find.broker, find.correlation_id, resp, 0);
    let init = p.poll_transmit(0).unwrap();
    assert!(matches!(init.body, RequestKind::InitProducerId(_)));
    assert_eq!(p.poll_timeout(), Some(1000));
    p.handle_timeout(1000);
    let again = p.poll_transmit(2000).expect("asked again after the backoff");
    assert!(matches!(again.body, RequestKind::FindCoordinator(_)), "{again:?}");
    let resp = script.answer(&again, &meta);
    p.handle_response(again.broker, again.correlation_id, resp, 2000);
    let init = p.poll_transmit(2000).unwrap();
    p.handle_disconnect(init.broker, 2001);
    let mut now = 2001;
    assert!(run(&mut p, &mut script, &mut now, 2000).unwrap().result.is_ok());
}

/// After a backoff, a producer waiting for its records (not for the coordinator) reports no
/// past deadline: drivers would spin on it.
#[test]
fn no_stale_deadline_after_a_backoff() {
    let mut p = txn_producer();
    let mut script =
        Script { errors: vec![(ApiKey::FindCoordinator, ErrorCode::COORDINATOR_NOT_AVAILABLE.0)], ..Script::default() };
    let mut now = 0;
    p.init_transactions(now).unwrap();
    run(&mut p, &mut script, &mut now, 1000).unwrap().result.unwrap();
    p.begin_transaction().unwrap();
    p.send(to_partition("t", 0, "a"), now).unwrap();
    p.commit_transaction(now).unwrap();
    // Answer everything but the Produce request: the commit waits for it.
    let meta = metadata(&[("t", &[1, 1])]);
    while let Some(tx) = p.poll_transmit(now) {
        if matches!(tx.body, RequestKind::Produce(_)) {
            continue;
        }
        let resp = script.answer(&tx, &meta);
        p.handle_response(tx.broker, tx.correlation_id, resp, now);
    }
    assert!(p.poll_timeout().is_some_and(|t| t > now), "{:?} at {now}", p.poll_timeout());
}
