//! Transactions through the broker: the coordinator's transitions over the wire types, fencing,
//! timeouts under the caller's clock, markers, the last stable offset, read_committed Fetch and
//! ListOffsets, transaction verification on Produce, and `__transaction_state`.

use kafka_protocol::messages::add_partitions_to_txn_request::AddPartitionsToTxnTopic;
use kafka_protocol::messages::delete_records_request::{DeleteRecordsPartition, DeleteRecordsTopic};

use super::*;
use crate::protocol::ApiKey;
use crate::record::ControlType;
use crate::txn::log::{decode_key, decode_value, TRANSACTION_STATE_TOPIC};
use crate::txn::TxnState;

const FENCED: i16 = ErrorCode::PRODUCER_FENCED.0;
const BAD_EPOCH: i16 = ErrorCode::INVALID_PRODUCER_EPOCH.0;
const BAD_STATE: i16 = ErrorCode::INVALID_TXN_STATE.0;

fn txn_id(s: &str) -> TransactionalId {
    TransactionalId(StrBytes::from_string(s.to_string()))
}

/// A batch of `values` from producer `pid` at `epoch`, first sequence `seq`.
fn tx_batch(pid: i64, epoch: i16, seq: i32, values: &[&str], transactional: bool) -> Bytes {
    let mut b = BatchBuilder::new(Compression::None, T0);
    for v in values {
        b.append(T0, None, Some(v.as_bytes()), &[]);
    }
    b.finish(pid, epoch, seq, transactional)
}

impl H {
    fn init_txn_at(&mut self, version: i16, id: &str, timeout_ms: i32, expected: (i64, i16)) -> (i16, i64, i16) {
        let req = InitProducerIdRequest::default()
            .with_transactional_id(Some(txn_id(id)))
            .with_transaction_timeout_ms(timeout_ms)
            .with_producer_id(ProducerId(expected.0))
            .with_producer_epoch(expected.1);
        let ResponseKind::InitProducerId(r) = self.call(version, RequestKind::InitProducerId(req)) else { panic!() };
        (r.error_code, r.producer_id.0, r.producer_epoch)
    }

    /// InitProducerId v4 for `id` (60 s timeout): (producer id, epoch).
    fn init_txn(&mut self, id: &str) -> (i64, i16) {
        let (code, pid, epoch) = self.init_txn_at(4, id, 60_000, (-1, -1));
        assert_eq!(code, 0, "InitProducerId");
        (pid, epoch)
    }

    /// AddPartitionsToTxn at `version`: each partition's code, in order.
    fn add_parts_at(&mut self, version: i16, id: &str, pe: (i64, i16), parts: &[(&str, i32)]) -> Vec<i16> {
        let topics = parts
            .iter()
            .map(|(t, p)| AddPartitionsToTxnTopic::default().with_name(name(t)).with_partitions(vec![*p]))
            .collect();
        let req = AddPartitionsToTxnRequest::default()
            .with_v3_and_below_transactional_id(txn_id(id))
            .with_v3_and_below_producer_id(ProducerId(pe.0))
            .with_v3_and_below_producer_epoch(pe.1)
            .with_v3_and_below_topics(topics);
        let ResponseKind::AddPartitionsToTxn(r) = self.call(version, RequestKind::AddPartitionsToTxn(req)) else {
            panic!()
        };
        r.results_by_topic_v3_and_below
            .iter()
            .flat_map(|t| t.results_by_partition.iter().map(|p| p.partition_error_code))
            .collect()
    }

    fn add_parts(&mut self, id: &str, pe: (i64, i16), parts: &[(&str, i32)]) {
        let codes = self.add_parts_at(3, id, pe, parts);
        assert!(codes.iter().all(|c| *c == 0), "AddPartitionsToTxn {codes:?}");
    }

    fn add_offsets(&mut self, version: i16, id: &str, pe: (i64, i16), group: &str) -> i16 {
        let req = AddOffsetsToTxnRequest::default()
            .with_transactional_id(txn_id(id))
            .with_producer_id(ProducerId(pe.0))
            .with_producer_epoch(pe.1)
            .with_group_id(GroupId(StrBytes::from_string(group.to_string())));
        let ResponseKind::AddOffsetsToTxn(r) = self.call(version, RequestKind::AddOffsetsToTxn(req)) else { panic!() };
        r.error_code
    }

    fn end_txn(&mut self, version: i16, id: &str, pe: (i64, i16), commit: bool) -> i16 {
        let req = EndTxnRequest::default()
            .with_transactional_id(txn_id(id))
            .with_producer_id(ProducerId(pe.0))
            .with_producer_epoch(pe.1)
            .with_committed(commit);
        let ResponseKind::EndTxn(r) = self.call(version, RequestKind::EndTxn(req)) else { panic!() };
        r.error_code
    }

    /// Fetch v12 with an isolation level, everything from `offset`.
    fn fetch_iso(&mut self, topic: &str, partition: i32, offset: i64, isolation: i8) -> fetch_response::PartitionData {
        let RequestKind::Fetch(req) = fetch_req(0, 0, 1 << 20, vec![(topic, partition, offset, 1 << 20)]) else {
            panic!()
        };
        let ResponseKind::Fetch(r) = self.call(12, RequestKind::Fetch(req.with_isolation_level(isolation))) else {
            panic!()
        };
        r.responses[0].partitions[0].clone()
    }

    fn latest(&mut self, topic: &str, isolation: i8) -> i64 {
        let RequestKind::ListOffsets(req) = list_req(&[(topic, 0, -1)]) else { panic!() };
        let ResponseKind::ListOffsets(r) = self.call(7, RequestKind::ListOffsets(req.with_isolation_level(isolation)))
        else {
            panic!()
        };
        r.topics[0].partitions[0].offset
    }

    fn lso(&self, topic: &str, partition: i32) -> i64 {
        self.broker.partition(topic, partition).unwrap().last_stable_offset()
    }

    fn state(&self, id: &str) -> TxnState {
        self.broker.transactions().get(id).unwrap().state
    }
}

/// Produce with the request's transactional_id set (the helper above sends none).
fn produce_with_id(h: &mut H, id: &str, topic: &str, partition: i32, records: Bytes) -> (i16, i64) {
    let RequestKind::Produce(req) = produce_req(-1, vec![(topic, partition, Some(records))]) else { panic!() };
    let req = req.with_transactional_id(Some(txn_id(id)));
    let ResponseKind::Produce(r) = h.call(9, RequestKind::Produce(req)) else { panic!() };
    let p = &r.responses[0].partition_responses[0];
    (p.error_code, p.base_offset)
}

/// Each batch of fetched bytes: Some(marker) for a control batch, else None with its values.
fn batches_of(bytes: &Bytes) -> Vec<(i64, Option<ControlType>, Vec<String>)> {
    BatchIter::new(bytes.clone())
        .map(|b| {
            let b = b.expect("batch");
            b.verify_crc().expect("crc");
            let records: Vec<_> = b.records().expect("records").map(|r| r.expect("record")).collect();
            if b.header.is_control() {
                assert!(b.header.is_transactional());
                let kind = ControlType::from_key(records[0].key.as_deref().unwrap_or_default());
                (b.header.base_offset, kind, Vec::new())
            } else {
                let values = records
                    .iter()
                    .map(|r| String::from_utf8_lossy(r.value.as_deref().unwrap_or_default()).into())
                    .collect();
                (b.header.base_offset, None, values)
            }
        })
        .collect()
}

fn aborted_of(p: &fetch_response::PartitionData) -> Option<Vec<(i64, i64)>> {
    p.aborted_transactions.as_ref().map(|a| a.iter().map(|t| (t.producer_id.0, t.first_offset)).collect())
}

#[test]
fn commit_writes_markers_everywhere_and_moves_the_lso() {
    let mut h = H::new();
    h.create("t", 2, &[]);
    let (pid, e) = h.init_txn("tx");
    assert_eq!(h.state("tx"), TxnState::Empty);
    h.add_parts("tx", (pid, e), &[("t", 0), ("t", 1)]);
    assert_eq!(h.state("tx"), TxnState::Ongoing);
    assert_eq!(h.produce("t", 0, batch(1)), (0, 0), "a plain record before the transaction");
    assert_eq!(produce_with_id(&mut h, "tx", "t", 0, tx_batch(pid, e, 0, &["a", "b"], true)), (0, 1));
    assert_eq!(produce_with_id(&mut h, "tx", "t", 1, tx_batch(pid, e, 0, &["c"], true)), (0, 0));
    assert_eq!(h.produce("t", 0, batch(1)), (0, 3), "a plain record inside the open transaction's range");
    // The LSO stops at the open transaction's first offset.
    assert_eq!((h.lso("t", 0), h.lso("t", 1)), (1, 0));
    let committed = h.fetch_iso("t", 0, 0, 1);
    assert_eq!(committed.last_stable_offset, 1);
    assert_eq!(committed.high_watermark, 4);
    assert_eq!(batches_of(committed.records.as_ref().unwrap()).len(), 1, "only the batch below the LSO");
    assert_eq!(aborted_of(&committed), Some(vec![]));
    let uncommitted = h.fetch_iso("t", 0, 0, 0);
    assert_eq!(batches_of(uncommitted.records.as_ref().unwrap()).len(), 3);
    assert_eq!((uncommitted.last_stable_offset, aborted_of(&uncommitted)), (1, None));
    assert_eq!(h.fetch_iso("t", 1, 0, 1).records.as_ref().map(Bytes::len), Some(0));
    assert_eq!((h.latest("t", 1), h.latest("t", 0)), (1, 4), "ListOffsets latest by isolation level");

    assert_eq!(h.end_txn(3, "tx", (pid, e), true), 0);
    assert_eq!(h.state("tx"), TxnState::CompleteCommit);
    for (p, marker_at) in [(0, 4), (1, 1)] {
        let f = h.fetch_iso("t", p, 0, 1);
        let batches = batches_of(f.records.as_ref().unwrap());
        assert_eq!(batches.last().unwrap(), &(marker_at, Some(ControlType::Commit), vec![]), "t-{p}");
        assert_eq!((f.last_stable_offset, f.high_watermark), (marker_at + 1, marker_at + 1));
        assert_eq!(aborted_of(&f), Some(vec![]));
    }
    assert_eq!(h.latest("t", 1), 5);
    // The marker carries the producer's id and epoch.
    let marker = h.broker.partition("t", 1).unwrap().batch_at(1).unwrap().header;
    assert_eq!((marker.producer_id, marker.producer_epoch, marker.is_control()), (pid, e, true));
}

#[test]
fn abort_is_listed_for_read_committed_fetches() {
    let mut h = H::new();
    h.create("t", 1, &[]);
    let (pid, e) = h.init_txn("tx");
    h.add_parts("tx", (pid, e), &[("t", 0)]);
    produce_with_id(&mut h, "tx", "t", 0, tx_batch(pid, e, 0, &["x1", "x2"], true));
    produce_with_id(&mut h, "tx", "t", 0, tx_batch(pid, e, 2, &["x3"], true));
    assert_eq!(h.end_txn(3, "tx", (pid, e), false), 0);
    assert_eq!(h.state("tx"), TxnState::CompleteAbort);
    // A committed transaction after it.
    h.add_parts("tx", (pid, e), &[("t", 0)]);
    produce_with_id(&mut h, "tx", "t", 0, tx_batch(pid, e, 3, &["ok"], true));
    assert_eq!(h.end_txn(3, "tx", (pid, e), true), 0);
    let f = h.fetch_iso("t", 0, 0, 1);
    let kinds: Vec<_> = batches_of(f.records.as_ref().unwrap()).into_iter().map(|(o, k, _)| (o, k)).collect();
    let expected = vec![(0, None), (2, None), (3, Some(ControlType::Abort)), (4, None), (5, Some(ControlType::Commit))];
    assert_eq!(kinds, expected);
    assert_eq!(aborted_of(&f), Some(vec![(pid, 0)]));
    // A fetch past the aborted range does not list it; one inside does.
    assert_eq!(aborted_of(&h.fetch_iso("t", 0, 4, 1)), Some(vec![]));
    assert_eq!(aborted_of(&h.fetch_iso("t", 0, 2, 1)), Some(vec![(pid, 0)]));
    // DeleteRecords past the marker trims the index.
    let del = DeleteRecordsRequest::default().with_topics(vec![DeleteRecordsTopic::default()
        .with_name(name("t"))
        .with_partitions(vec![DeleteRecordsPartition::default().with_partition_index(0).with_offset(4)])]);
    let ResponseKind::DeleteRecords(r) = h.call(2, RequestKind::DeleteRecords(del)) else { panic!() };
    assert_eq!(r.topics[0].partitions[0].error_code, 0);
    assert_eq!(h.broker.partition("t", 0).unwrap().aborted_txns().count(), 0);
}

#[test]
fn produce_is_verified_against_the_transaction() {
    let mut h = H::new();
    h.create("t", 2, &[]);
    let (pid, e) = h.init_txn("tx");
    // Nothing begun: Kafka 4's verification refuses the batch.
    let (code, base) = produce_with_id(&mut h, "tx", "t", 0, tx_batch(pid, e, 0, &["a"], true));
    assert_eq!((code, base), (BAD_STATE, -1));
    h.add_parts("tx", (pid, e), &[("t", 0)]);
    assert_eq!(produce_with_id(&mut h, "tx", "t", 1, tx_batch(pid, e, 0, &["a"], true)).0, BAD_STATE, "not added");
    assert_eq!(h.produce("t", 0, tx_batch(pid, e, 0, &["a"], true)).0, BAD_STATE, "no transactional id");
    assert_eq!(produce_with_id(&mut h, "tx", "t", 0, tx_batch(pid, e + 1, 0, &["a"], true)).0, BAD_EPOCH);
    assert_eq!(
        produce_with_id(&mut h, "tx", "t", 0, tx_batch(pid + 9, e, 0, &["a"], true)).0,
        ErrorCode::INVALID_PRODUCER_ID_MAPPING.0
    );
    assert_eq!(produce_with_id(&mut h, "tx", "t", 0, tx_batch(pid, e, 0, &["a"], true)), (0, 0));
    // A retried batch is a duplicate, answered with its offset.
    assert_eq!(produce_with_id(&mut h, "tx", "t", 0, tx_batch(pid, e, 0, &["a"], true)), (0, 0));
    // The same producer's non-transactional batch inside its open transaction.
    assert_eq!(h.produce("t", 0, tx_batch(pid, e, 1, &["b"], false)).0, BAD_STATE);
    assert_eq!(h.broker.partition("t", 0).unwrap().log_end_offset(), 1);
    // Data for unknown partitions is refused before verification.
    let ResponseKind::Produce(r) = h.call(9, produce_req(1, vec![("t", 7, Some(tx_batch(pid, e, 0, &["a"], true)))]))
    else {
        panic!()
    };
    assert_eq!(r.responses[0].partition_responses[0].error_code, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.0);
}

#[test]
fn a_second_init_fences_the_first_producer_and_aborts_its_transaction() {
    let mut h = H::new();
    h.create("t", 1, &[]);
    let old = h.init_txn("tx");
    h.add_parts("tx", old, &[("t", 0)]);
    assert_eq!(produce_with_id(&mut h, "tx", "t", 0, tx_batch(old.0, old.1, 0, &["zombie"], true)), (0, 0));
    let new = h.init_txn("tx");
    assert_eq!(new, (old.0, old.1 + 2), "fence bump for the abort, then the new producer's bump");
    assert_eq!(h.state("tx"), TxnState::Empty);
    let f = h.fetch_iso("t", 0, 0, 1);
    assert_eq!(batches_of(f.records.as_ref().unwrap())[1], (1, Some(ControlType::Abort), vec![]));
    assert_eq!(aborted_of(&f), Some(vec![(old.0, 0)]));
    assert_eq!(h.lso("t", 0), 2);
    let marker = h.broker.partition("t", 0).unwrap().batch_at(1).unwrap().header;
    assert_eq!(marker.producer_epoch, old.1 + 1);
    // The zombie is refused everywhere; older versions say INVALID_PRODUCER_EPOCH.
    assert_eq!(produce_with_id(&mut h, "tx", "t", 0, tx_batch(old.0, old.1, 1, &["z"], true)).0, BAD_EPOCH);
    assert_eq!(h.end_txn(3, "tx", old, true), FENCED);
    assert_eq!(h.end_txn(1, "tx", old, true), BAD_EPOCH);
    assert_eq!(h.add_parts_at(2, "tx", old, &[("t", 0)]), vec![FENCED]);
    assert_eq!(h.add_parts_at(1, "tx", old, &[("t", 0)]), vec![BAD_EPOCH]);
    assert_eq!(h.add_offsets(3, "tx", old, "g"), FENCED);
    assert_eq!(h.add_offsets(0, "tx", old, "g"), BAD_EPOCH);
    // KIP-360: the old producer's recovery attempt is fenced too (v4 and v3).
    assert_eq!(h.init_txn_at(4, "tx", 60_000, (old.0, old.1)).0, FENCED);
    assert_eq!(h.init_txn_at(3, "tx", 60_000, (old.0, old.1)).0, BAD_EPOCH);
    // The new producer works: the marker reset the sequence (a new epoch starts at 0).
    h.add_parts("tx", new, &[("t", 0)]);
    assert_eq!(produce_with_id(&mut h, "tx", "t", 0, tx_batch(new.0, new.1, 0, &["ok"], true)), (0, 2));
    assert_eq!(h.end_txn(3, "tx", new, true), 0);
    // KIP-360 recovery by the current producer: its epoch bumped, a lost answer retried gets the same.
    assert_eq!(h.init_txn_at(4, "tx", 60_000, new), (0, new.0, new.1 + 1));
    assert_eq!(h.init_txn_at(4, "tx", 60_000, new), (0, new.0, new.1 + 1));
}

#[test]
fn an_expired_transaction_is_aborted_under_the_callers_clock() {
    let mut h = H::new();
    h.create("t", 1, &[]);
    let (code, pid, e) = h.init_txn_at(4, "tx", 1_000, (-1, -1));
    assert_eq!(code, 0);
    // __transaction_state has time retention: its check is the only deadline.
    let retention_check = h.broker.poll_timeout().expect("the retention check");
    h.now += 10;
    h.add_parts("tx", (pid, e), &[("t", 0)]);
    produce_with_id(&mut h, "tx", "t", 0, tx_batch(pid, e, 0, &["late"], true));
    let deadline = h.now + 1_000;
    assert_eq!(h.broker.poll_timeout(), Some(deadline));
    h.broker.handle_timeout(deadline - 1);
    assert_eq!(h.state("tx"), TxnState::Ongoing);
    h.broker.handle_timeout(deadline);
    assert_eq!(h.state("tx"), TxnState::CompleteAbort);
    assert_eq!(h.broker.poll_timeout(), Some(retention_check));
    assert_eq!(h.lso("t", 0), 2);
    assert_eq!(aborted_of(&h.fetch_iso("t", 0, 0, 1)), Some(vec![(pid, 0)]));
    let meta = h.broker.transactions().get("tx").unwrap();
    assert_eq!(meta.producer_epoch, e + 1, "aborted with an epoch bump");
    // The producer finds out it was fenced.
    assert_eq!(h.end_txn(3, "tx", (pid, e), true), FENCED);
    assert_eq!(produce_with_id(&mut h, "tx", "t", 0, tx_batch(pid, e, 1, &["x"], true)).0, BAD_EPOCH);
}

#[test]
fn end_txn_retries_and_invalid_states() {
    let mut h = H::new();
    h.create("t", 1, &[]);
    let pe = h.init_txn("tx");
    assert_eq!(h.end_txn(3, "tx", pe, true), BAD_STATE, "nothing begun");
    assert_eq!(h.end_txn(3, "nobody", pe, true), ErrorCode::INVALID_PRODUCER_ID_MAPPING.0);
    assert_eq!(h.end_txn(3, "", pe, true), ErrorCode::INVALID_REQUEST.0);
    h.add_parts("tx", pe, &[("t", 0)]);
    assert_eq!(h.end_txn(3, "tx", pe, true), 0);
    let end = h.broker.partition("t", 0).unwrap().log_end_offset();
    assert_eq!(h.end_txn(3, "tx", pe, true), 0, "a retried commit succeeds");
    assert_eq!(h.end_txn(0, "tx", pe, true), 0);
    assert_eq!(h.broker.partition("t", 0).unwrap().log_end_offset(), end, "and writes nothing");
    assert_eq!(h.end_txn(3, "tx", pe, false), BAD_STATE, "abort of a committed one");
    h.add_parts("tx", pe, &[("t", 0)]);
    assert_eq!(h.end_txn(3, "tx", pe, false), 0);
    assert_eq!(h.end_txn(3, "tx", pe, true), BAD_STATE, "commit of an aborted one");
}

#[test]
fn request_errors() {
    let mut h = H::new();
    h.create("t", 1, &[]);
    assert_eq!(h.init_txn_at(4, "tx", 0, (-1, -1)).0, ErrorCode::INVALID_TRANSACTION_TIMEOUT.0);
    assert_eq!(h.init_txn_at(4, "tx", 900_001, (-1, -1)).0, ErrorCode::INVALID_TRANSACTION_TIMEOUT.0);
    assert_eq!(h.init_txn_at(4, "tx", 900_000, (-1, -1)).0, 0);
    let config = BrokerConfig::from_pairs([("transaction.max.timeout.ms", "5")]).unwrap();
    assert!(BrokerConfig::from_pairs([("transaction.max.timeout.ms", "0")]).is_err());
    let mut h = H::with(config);
    assert_eq!(h.init_txn_at(0, "tx", 6, (-1, -1)).0, ErrorCode::INVALID_TRANSACTION_TIMEOUT.0);
    assert_eq!(h.init_txn_at(0, "tx", 5, (-1, -1)).0, 0);
    // AddPartitionsToTxn: an unknown partition fails, the others are not attempted, nothing added.
    let mut h = H::new();
    h.create("t", 1, &[]);
    let pe = h.init_txn("tx");
    let codes = h.add_parts_at(3, "tx", pe, &[("t", 0), ("nope", 0), ("t", 5)]);
    let (unknown, skipped) = (ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.0, 55);
    assert_eq!(codes, vec![skipped, unknown, unknown]);
    assert_eq!(h.state("tx"), TxnState::Empty);
    assert_eq!(h.add_parts_at(3, "other", pe, &[("t", 0)]), vec![ErrorCode::INVALID_PRODUCER_ID_MAPPING.0]);
    assert_eq!(h.add_parts_at(0, "", pe, &[("t", 0)]), vec![ErrorCode::INVALID_REQUEST.0]);
    assert_eq!(h.add_offsets(3, "", pe, "g"), ErrorCode::INVALID_REQUEST.0);
    assert_eq!(h.add_offsets(3, "other", pe, "g"), ErrorCode::INVALID_PRODUCER_ID_MAPPING.0);
}

#[test]
fn requests_to_another_node_get_not_coordinator() {
    let nodes = (0..3).map(|i| (i, "127.0.0.1".to_string(), 9092 + i)).collect();
    let mut h = H::with(BrokerConfig { nodes, ..BrokerConfig::default() });
    h.create("t", 1, &[]);
    // Connection 1 reaches the node coordinating "tx"; connection 2 another one.
    let home = h.broker.coordinator_node("tx");
    h.broker.set_connection_node(1, home);
    h.broker.set_connection_node(2, (home + 1) % 3);
    let pe = h.init_txn("tx");
    let not = ErrorCode::NOT_COORDINATOR.0;
    let mut on_other = |body: RequestKind, version: i16| {
        h.send(2, version, body);
        let rs = h.drain();
        assert_eq!(rs.len(), 1);
        rs.into_iter().next().unwrap().body
    };
    let init =
        InitProducerIdRequest::default().with_transactional_id(Some(txn_id("tx"))).with_transaction_timeout_ms(1);
    let ResponseKind::InitProducerId(r) = on_other(RequestKind::InitProducerId(init), 4) else { panic!() };
    assert_eq!(r.error_code, not);
    let add = AddPartitionsToTxnRequest::default()
        .with_v3_and_below_transactional_id(txn_id("tx"))
        .with_v3_and_below_producer_id(ProducerId(pe.0))
        .with_v3_and_below_topics(vec![AddPartitionsToTxnTopic::default()
            .with_name(name("t"))
            .with_partitions(vec![0])]);
    let ResponseKind::AddPartitionsToTxn(r) = on_other(RequestKind::AddPartitionsToTxn(add), 3) else { panic!() };
    assert_eq!(r.results_by_topic_v3_and_below[0].results_by_partition[0].partition_error_code, not);
    let offsets = AddOffsetsToTxnRequest::default().with_transactional_id(txn_id("tx"));
    let ResponseKind::AddOffsetsToTxn(r) = on_other(RequestKind::AddOffsetsToTxn(offsets), 3) else { panic!() };
    assert_eq!(r.error_code, not);
    let end = EndTxnRequest::default().with_transactional_id(txn_id("tx"));
    let ResponseKind::EndTxn(r) = on_other(RequestKind::EndTxn(end), 3) else { panic!() };
    assert_eq!(r.error_code, not);
}

#[test]
fn add_offsets_remembers_the_group_and_the_log_lists_its_partition() {
    let mut h = H::new();
    h.create("t", 1, &[]);
    let pe = h.init_txn("tx");
    assert_eq!(h.add_offsets(3, "tx", pe, "my-group"), 0);
    assert_eq!(h.state("tx"), TxnState::Ongoing);
    let groups = &h.broker.transactions().get("tx").unwrap().groups;
    assert_eq!(groups.iter().cloned().collect::<Vec<_>>(), vec![("my-group".to_string(), 12)]);
    h.add_parts("tx", pe, &[("t", 0)]);
    assert_eq!(h.end_txn(3, "tx", pe, true), 0);
    // Every state change is a record in the id's partition of __transaction_state.
    let topic = h.broker.topic(TRANSACTION_STATE_TOPIC).expect("created on first use");
    assert_eq!(topic.num_partitions(), 50);
    let log = h.broker.partition(TRANSACTION_STATE_TOPIC, crate::broker::coordinator::coordinator_partition("tx"));
    let mut states = Vec::new();
    for b in log.unwrap().batches() {
        let decoded = crate::record::Batch { header: b.header, bytes: b.bytes.clone() };
        for r in decoded.records().unwrap() {
            let r = r.unwrap();
            assert_eq!(decode_key(r.key.as_deref().unwrap()), Some("tx".to_string()));
            let v = decode_value(r.value.as_deref().unwrap()).unwrap();
            states.push((v.3, v.4));
        }
    }
    let offsets = ("__consumer_offsets".to_string(), vec![12]);
    let both = vec![offsets.clone(), ("t".to_string(), vec![0])];
    let expected = vec![(0, vec![]), (1, vec![offsets]), (1, both.clone()), (2, both), (4, vec![])];
    assert_eq!(states, expected, "Empty, Ongoing, Ongoing, PrepareCommit, CompleteCommit");
    // Metadata lists the topic as internal.
    let ResponseKind::Metadata(m) = h.call(12, metadata_req(Some(&[TRANSACTION_STATE_TOPIC, "t"]), false)) else {
        panic!()
    };
    assert_eq!(m.topics.iter().map(|t| t.is_internal).collect::<Vec<_>>(), vec![true, false]);
    // Clients cannot write there.
    assert_eq!(h.produce(TRANSACTION_STATE_TOPIC, 0, batch(1)).0, ErrorCode::INVALID_TOPIC_EXCEPTION.0);
}

#[test]
fn a_parked_read_committed_fetch_wakes_at_the_commit() {
    let mut h = H::new();
    h.create("t", 1, &[]);
    let pe = h.init_txn("tx");
    h.add_parts("tx", pe, &[("t", 0)]);
    produce_with_id(&mut h, "tx", "t", 0, tx_batch(pe.0, pe.1, 0, &["v"], true));
    let RequestKind::Fetch(req) = fetch_req(5_000, 1, 1 << 20, vec![("t", 0, 0, 1 << 20)]) else { panic!() };
    h.send(3, 12, RequestKind::Fetch(req.with_isolation_level(1)));
    assert!(h.drain().is_empty(), "nothing stable yet: parked");
    let end = EndTxnRequest::default()
        .with_transactional_id(txn_id("tx"))
        .with_producer_id(ProducerId(pe.0))
        .with_producer_epoch(pe.1)
        .with_committed(true);
    h.send(1, 3, RequestKind::EndTxn(end));
    let rs = h.drain();
    assert_eq!(rs.iter().map(|r| (r.conn, r.api_key)).collect::<Vec<_>>(), [(1, ApiKey::EndTxn), (3, ApiKey::Fetch)]);
    let ResponseKind::Fetch(f) = &rs[1].body else { panic!() };
    assert_eq!(batches_of(f.responses[0].partitions[0].records.as_ref().unwrap()).len(), 2, "data and marker");
}

#[test]
fn every_response_version_encodes() {
    let mut h = H::new();
    h.create("t", 1, &[]);
    for v in 0..=4 {
        let (code, _, _) = h.init_txn_at(v, &format!("tx{v}"), 60_000, (-1, -1));
        assert_eq!(code, 0, "v{v}");
    }
    let pe = h.init_txn("tx");
    for v in 0..=3 {
        assert_eq!(h.add_parts_at(v, "tx", pe, &[("t", 0)]), vec![0], "v{v}");
        assert_eq!(h.add_offsets(v, "tx", pe, "g"), 0, "v{v}");
        assert_eq!(h.end_txn(v, "tx", pe, v % 2 == 0), 0, "v{v}");
    }
    // Beyond the table: UNSUPPORTED_VERSION in the response's own shape.
    assert_eq!(h.end_txn(4, "tx", pe, true), ErrorCode::UNSUPPORTED_VERSION.0);
    assert_eq!(h.add_offsets(4, "tx", pe, "g"), ErrorCode::UNSUPPORTED_VERSION.0);
}
