//! The consumer driven by hand: requests checked field by field, responses built here.

use bytes::Bytes;
use kafka_protocol::messages::fetch_response::{AbortedTransaction, FetchableTopicResponse, PartitionData};
use kafka_protocol::messages::list_offsets_response::{ListOffsetsPartitionResponse, ListOffsetsTopicResponse};
use kafka_protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::{
    BrokerId as WireBrokerId, FetchRequest, FetchResponse, ListOffsetsRequest, ListOffsetsResponse, MetadataResponse,
    ProducerId, RequestKind, ResponseKind, TopicName,
};

use super::*;
use crate::config::ConsumerConfig;
use crate::protocol::StrBytes;
use crate::record::{build_control_batch, set_base_offset, BatchBuilder, Compression, ControlType};

const BROKER: BrokerId = 1;

fn tp(p: i32) -> TopicPartition {
    TopicPartition::new("t", p)
}

fn name(s: &str) -> TopicName {
    TopicName(StrBytes::from_string(s.to_string()))
}

/// A batch of records `value-<offset>` at `base_offset`.
fn batch(base_offset: i64, count: usize) -> Bytes {
    let mut b = BatchBuilder::new(Compression::None, 1_000);
    for i in 0..count {
        let v = format!("value-{}", base_offset + i as i64);
        b.append(1_000 + i as i64, Some(b"k"), Some(v.as_bytes()), &[]);
    }
    let mut bytes = b.finish(-1, -1, -1, false).to_vec();
    set_base_offset(&mut bytes, base_offset);
    Bytes::from(bytes)
}

fn concat(parts: &[&[u8]]) -> Bytes {
    Bytes::from(parts.concat())
}

fn metadata(partitions: &[(i32, i32)]) -> ResponseKind {
    let parts = partitions
        .iter()
        .map(|(p, leader)| {
            MetadataResponsePartition::default()
                .with_partition_index(*p)
                .with_leader_id(WireBrokerId(*leader))
                .with_leader_epoch(0)
        })
        .collect();
    let brokers = [1, 2]
        .iter()
        .map(|id| {
            MetadataResponseBroker::default()
                .with_node_id(WireBrokerId(*id))
                .with_host(StrBytes::from_static_str("localhost"))
                .with_port(9090 + id)
        })
        .collect();
    ResponseKind::Metadata(
        MetadataResponse::default()
            .with_brokers(brokers)
            .with_topics(vec![MetadataResponseTopic::default().with_name(Some(name("t"))).with_partitions(parts)]),
    )
}

fn fetch_part(p: i32, error: i16, hw: i64, records: Bytes) -> PartitionData {
    PartitionData::default()
        .with_partition_index(p)
        .with_error_code(error)
        .with_high_watermark(hw)
        .with_last_stable_offset(hw)
        .with_log_start_offset(0)
        .with_records(Some(records))
}

fn fetch(parts: Vec<PartitionData>) -> ResponseKind {
    ResponseKind::Fetch(
        FetchResponse::default()
            .with_responses(vec![FetchableTopicResponse::default().with_topic(name("t")).with_partitions(parts)]),
    )
}

fn list_offsets(p: i32, error: i16, offset: i64) -> ResponseKind {
    let part = ListOffsetsPartitionResponse::default()
        .with_partition_index(p)
        .with_error_code(error)
        .with_offset(offset)
        .with_timestamp(-1);
    ResponseKind::ListOffsets(
        ListOffsetsResponse::default()
            .with_topics(vec![ListOffsetsTopicResponse::default().with_name(name("t")).with_partitions(vec![part])]),
    )
}

struct Harness {
    c: Consumer,
    now: Millis,
}

impl Harness {
    fn new(pairs: &[(&str, &str)]) -> Harness {
        let config = ConsumerConfig::from_pairs(pairs.iter().copied()).expect("valid config");
        Harness { c: Consumer::new(config, 0).expect("consumer"), now: 0 }
    }

    /// Assigned and with metadata: partitions 0 and 1 of `t`, led by broker 1 (and 2 for partition 1).
    fn assigned(pairs: &[(&str, &str)], assign: Vec<(TopicPartition, Option<i64>)>) -> Harness {
        let mut h = Harness::new(pairs);
        h.c.assign(assign);
        let t = h.transmit().expect("metadata request");
        assert!(matches!(t.body, RequestKind::Metadata(_)));
        h.respond(&t, metadata(&[(0, BROKER), (1, 2)]));
        h
    }

    fn transmit(&mut self) -> Option<Transmit> {
        self.c.poll_transmit(self.now)
    }

    fn respond(&mut self, t: &Transmit, body: ResponseKind) {
        self.c.handle_response(t.broker, t.correlation_id, body, self.now);
    }

    fn expect_fetch(&mut self) -> (Transmit, FetchRequest) {
        let t = self.transmit().expect("a fetch");
        let RequestKind::Fetch(f) = t.body.clone() else { panic!("expected Fetch, got {:?}", t.body) };
        (t, f)
    }

    fn expect_list_offsets(&mut self) -> (Transmit, ListOffsetsRequest) {
        let t = self.transmit().expect("a ListOffsets");
        let RequestKind::ListOffsets(l) = t.body.clone() else { panic!("expected ListOffsets, got {:?}", t.body) };
        (t, l)
    }

    fn events(&mut self) -> Vec<ConsumerEvent> {
        std::iter::from_fn(|| self.c.poll_event()).collect()
    }

    fn offsets(&mut self) -> Vec<i64> {
        self.c.poll_records(self.now).iter().map(|r| r.offset).collect()
    }
}

fn fetch_offsets(f: &FetchRequest) -> Vec<(String, i32, i64)> {
    f.topics
        .iter()
        .flat_map(|t| t.partitions.iter().map(|p| (t.topic.0.to_string(), p.partition, p.fetch_offset)))
        .collect()
}

fn error_codes(events: &[ConsumerEvent]) -> Vec<ErrorCode> {
    events
        .iter()
        .filter_map(|e| match e {
            ConsumerEvent::Error(e) => Some(e.code()),
            _ => None,
        })
        .collect()
}

#[test]
fn earliest_reset_then_fetch_and_poll() {
    let mut h = Harness::assigned(&[("auto.offset.reset", "earliest")], vec![(tp(0), None)]);
    assert_eq!(h.c.position(&tp(0)), None);
    let (t, l) = h.expect_list_offsets();
    assert_eq!(t.broker, BROKER);
    assert_eq!(t.api_version, 7);
    assert_eq!(l.topics[0].partitions[0].timestamp, OFFSET_BEGINNING);
    assert!(h.transmit().is_none(), "no fetch without a position");
    h.respond(&t, list_offsets(0, 0, 0));
    assert_eq!(h.c.position(&tp(0)), Some(0));

    let (t, f) = h.expect_fetch();
    assert_eq!(t.api_version, 12);
    assert_eq!((f.max_wait_ms, f.min_bytes, f.max_bytes, f.isolation_level), (500, 1, 52_428_800, 0));
    assert_eq!(f.topics[0].partitions[0].partition_max_bytes, 1_048_576);
    assert_eq!(fetch_offsets(&f), vec![("t".into(), 0, 0)]);
    h.respond(&t, fetch(vec![fetch_part(0, 0, 3, batch(0, 3))]));
    assert!(h.c.has_records());
    assert_eq!(h.c.position(&tp(0)), Some(0), "fetched is not consumed");

    let records = h.c.poll_records(h.now);
    assert_eq!(records.iter().map(|r| r.offset).collect::<Vec<_>>(), vec![0, 1, 2]);
    let r = &records[1];
    assert_eq!((&*r.topic, r.partition, r.timestamp), ("t", 0, 1_001));
    assert_eq!(r.timestamp_type, TimestampType::CreateTime);
    assert_eq!(r.key.as_deref(), Some(&b"k"[..]));
    assert_eq!(r.value.as_deref(), Some(&b"value-1"[..]));
    assert!(Arc::ptr_eq(&records[0].topic, &records[2].topic), "one topic name shared");
    assert_eq!(h.c.position(&tp(0)), Some(3));
    assert!(!h.c.has_records());
    assert!(h.events().is_empty());
}

#[test]
fn latest_reset_asks_for_the_end() {
    let mut h = Harness::assigned(&[("auto.offset.reset", "latest")], vec![(tp(0), None)]);
    let (t, l) = h.expect_list_offsets();
    assert_eq!(l.topics[0].partitions[0].timestamp, OFFSET_END);
    h.respond(&t, list_offsets(0, 0, 42));
    assert_eq!(h.c.position(&tp(0)), Some(42));
    let (_, f) = h.expect_fetch();
    assert_eq!(fetch_offsets(&f), vec![("t".into(), 0, 42)]);
}

#[test]
fn reset_none_reports_and_waits_for_seek() {
    let mut h = Harness::assigned(&[("auto.offset.reset", "none")], vec![(tp(0), None)]);
    let events = h.events();
    assert_eq!(error_codes(&events), vec![ErrorCode::NO_OFFSET]);
    let ConsumerEvent::Error(e) = &events[0] else { unreachable!() };
    assert!(e.message().contains("t-0"), "{e}");
    assert!(h.transmit().is_none(), "neither ListOffsets nor Fetch");
    h.c.seek(&tp(0), 5).unwrap();
    let (_, f) = h.expect_fetch();
    assert_eq!(fetch_offsets(&f), vec![("t".into(), 0, 5)]);
}

#[test]
fn seek_unassigned_and_bad_offsets_are_errors() {
    let mut h = Harness::assigned(&[], vec![(tp(0), Some(0))]);
    assert_eq!(h.c.seek(&tp(7), 0).unwrap_err().code(), ErrorCode::UNKNOWN_PARTITION_LOCAL);
    assert_eq!(h.c.seek(&tp(0), -5).unwrap_err().code(), ErrorCode::INVALID_ARG);
    h.c.seek_to_end(&tp(0)).unwrap();
    let (_, l) = h.expect_list_offsets();
    assert_eq!(l.topics[0].partitions[0].timestamp, OFFSET_END);
    assert_eq!(h.c.assignment(), vec![tp(0)]);
    h.c.unassign();
    assert!(h.c.assignment().is_empty());
}

#[test]
fn max_poll_records_and_position_advance_as_records_are_returned() {
    let mut h = Harness::assigned(&[("max.poll.records", "2")], vec![(tp(0), Some(0))]);
    let (t, _) = h.expect_fetch();
    h.respond(&t, fetch(vec![fetch_part(0, 0, 5, batch(0, 5))]));
    assert_eq!(h.c.position(&tp(0)), Some(0));
    assert_eq!(h.offsets(), vec![0, 1]);
    assert_eq!(h.c.position(&tp(0)), Some(2));
    assert_eq!(h.offsets(), vec![2, 3]);
    assert_eq!(h.c.position(&tp(0)), Some(4));
    assert_eq!(h.offsets(), vec![4]);
    assert_eq!(h.c.position(&tp(0)), Some(5));
    assert!(h.offsets().is_empty());
}

#[test]
fn prefetches_from_the_end_of_buffered_data() {
    let mut h = Harness::assigned(&[("max.poll.records", "2")], vec![(tp(0), Some(0))]);
    let (t, _) = h.expect_fetch();
    h.respond(&t, fetch(vec![fetch_part(0, 0, 10, batch(0, 5))]));
    // Little is buffered (below half of max.partition.fetch.bytes): the next fetch starts after it.
    let (t2, f) = h.expect_fetch();
    assert_eq!(fetch_offsets(&f), vec![("t".into(), 0, 5)]);
    assert!(h.transmit().is_none(), "one fetch in flight per broker");
    h.respond(&t2, fetch(vec![fetch_part(0, 0, 10, batch(5, 5))]));
    assert!(h.transmit().is_none(), "at most two fetches buffered per partition");
    let mut all = Vec::new();
    for _ in 0..5 {
        all.extend(h.offsets());
    }
    assert_eq!(all, (0..10).collect::<Vec<_>>());
    let (_, f) = h.expect_fetch();
    assert_eq!(fetch_offsets(&f), vec![("t".into(), 0, 10)]);
}

#[test]
fn large_buffered_data_is_not_prefetched() {
    let mut h = Harness::assigned(&[("max.partition.fetch.bytes", "1000")], vec![(tp(0), Some(0))]);
    let (t, _) = h.expect_fetch();
    h.respond(&t, fetch(vec![fetch_part(0, 0, 30, batch(0, 30))]));
    assert!(h.transmit().is_none(), "buffered bytes above half of max.partition.fetch.bytes");
    assert_eq!(h.offsets().len(), 30);
    let (_, f) = h.expect_fetch();
    assert_eq!(fetch_offsets(&f), vec![("t".into(), 0, 30)]);
}

#[test]
fn records_before_the_position_in_the_first_batch_are_skipped() {
    let mut h = Harness::assigned(&[], vec![(tp(0), Some(2))]);
    let (t, f) = h.expect_fetch();
    assert_eq!(fetch_offsets(&f), vec![("t".into(), 0, 2)]);
    // The broker returns the whole batch holding offset 2, and one more batch.
    h.respond(&t, fetch(vec![fetch_part(0, 0, 8, concat(&[&batch(0, 5), &batch(5, 3)]))]));
    assert_eq!(h.offsets(), vec![2, 3, 4, 5, 6, 7]);
    assert_eq!(h.c.position(&tp(0)), Some(8));
}

#[test]
fn partial_trailing_batch_is_fetched_again() {
    let mut h = Harness::assigned(&[("max.partition.fetch.bytes", "100")], vec![(tp(0), Some(0))]);
    let (t, _) = h.expect_fetch();
    let second = batch(3, 4);
    let records = concat(&[&batch(0, 3), &second[..second.len() / 2]]);
    h.respond(&t, fetch(vec![fetch_part(0, 0, 7, records)]));
    assert_eq!(h.offsets(), vec![0, 1, 2]);
    assert!(h.events().is_empty(), "a partial batch is normal");
    let (t, f) = h.expect_fetch();
    assert_eq!(fetch_offsets(&f), vec![("t".into(), 0, 3)]);
    h.respond(&t, fetch(vec![fetch_part(0, 0, 7, second)]));
    assert_eq!(h.offsets(), vec![3, 4, 5, 6]);
}

#[test]
fn a_batch_larger_than_the_fetch_is_an_error_naming_the_partition() {
    let mut h = Harness::assigned(&[], vec![(tp(0), Some(0))]);
    let (t, _) = h.expect_fetch();
    let b = batch(0, 3);
    h.respond(&t, fetch(vec![fetch_part(0, 0, 3, b.slice(..b.len() - 1))]));
    let events = h.events();
    assert_eq!(error_codes(&events), vec![ErrorCode::MESSAGE_TOO_LARGE]);
    let ConsumerEvent::Error(e) = &events[0] else { unreachable!() };
    assert!(e.message().contains("t-0") && e.message().contains("offset 0"), "{e}");
    assert!(h.transmit().is_none(), "backing off");
}

#[test]
fn out_of_range_resets_to_earliest_and_reports_the_jump() {
    let mut h = Harness::assigned(&[("auto.offset.reset", "earliest")], vec![(tp(0), Some(5))]);
    let (t, _) = h.expect_fetch();
    // Retention deleted offsets 0..10: position 5 fell out of the log.
    h.respond(&t, fetch(vec![fetch_part(0, 1, 20, Bytes::new())]));
    assert_eq!(h.c.position(&tp(0)), None);
    let (t, l) = h.expect_list_offsets();
    assert_eq!(l.topics[0].partitions[0].timestamp, OFFSET_BEGINNING);
    h.respond(&t, list_offsets(0, 0, 10));
    assert_eq!(h.c.position(&tp(0)), Some(10));
    assert_eq!(h.events(), vec![ConsumerEvent::OffsetReset { tp: tp(0), from: 5, to: 10 }]);
    let (_, f) = h.expect_fetch();
    assert_eq!(fetch_offsets(&f), vec![("t".into(), 0, 10)]);
}

#[test]
fn out_of_range_resets_to_latest() {
    let mut h = Harness::assigned(&[("auto.offset.reset", "latest")], vec![(tp(0), Some(5))]);
    let (t, _) = h.expect_fetch();
    h.respond(&t, fetch(vec![fetch_part(0, 1, 20, Bytes::new())]));
    let (t, l) = h.expect_list_offsets();
    assert_eq!(l.topics[0].partitions[0].timestamp, OFFSET_END);
    h.respond(&t, list_offsets(0, 0, 20));
    assert_eq!(h.events(), vec![ConsumerEvent::OffsetReset { tp: tp(0), from: 5, to: 20 }]);
}

#[test]
fn out_of_range_with_reset_none_is_an_error_until_seek() {
    let mut h = Harness::assigned(&[("auto.offset.reset", "none")], vec![(tp(0), Some(5))]);
    let (t, _) = h.expect_fetch();
    h.respond(&t, fetch(vec![fetch_part(0, 1, 20, Bytes::new())]));
    let events = h.events();
    assert_eq!(error_codes(&events), vec![ErrorCode::AUTO_OFFSET_RESET]);
    let ConsumerEvent::Error(e) = &events[0] else { unreachable!() };
    assert!(e.message().contains("t-0") && e.message().contains("offset 5"), "{e}");
    assert_eq!(h.c.position(&tp(0)), None);
    assert!(h.transmit().is_none());
    h.c.seek(&tp(0), 12).unwrap();
    let (_, f) = h.expect_fetch();
    assert_eq!(fetch_offsets(&f), vec![("t".into(), 0, 12)]);
}

#[test]
fn fetch_in_flight_is_discarded_after_seek() {
    let mut h = Harness::assigned(&[], vec![(tp(0), Some(0))]);
    let (t, _) = h.expect_fetch();
    h.c.seek(&tp(0), 100).unwrap();
    assert!(h.transmit().is_none(), "the partition's fetch is still in flight");
    h.respond(&t, fetch(vec![fetch_part(0, 0, 103, batch(0, 3))]));
    assert!(h.offsets().is_empty(), "stale data dropped");
    assert_eq!(h.c.position(&tp(0)), Some(100));
    let (t, f) = h.expect_fetch();
    assert_eq!(fetch_offsets(&f), vec![("t".into(), 0, 100)]);
    h.respond(&t, fetch(vec![fetch_part(0, 0, 103, batch(100, 3))]));
    assert_eq!(h.offsets(), vec![100, 101, 102]);
}

#[test]
fn seek_discards_buffered_data() {
    let mut h = Harness::assigned(&[("max.poll.records", "1")], vec![(tp(0), Some(0))]);
    let (t, _) = h.expect_fetch();
    h.respond(&t, fetch(vec![fetch_part(0, 0, 5, batch(0, 5))]));
    assert_eq!(h.offsets(), vec![0]);
    h.c.seek(&tp(0), 3).unwrap();
    assert!(h.offsets().is_empty());
    let (t, f) = h.expect_fetch();
    assert_eq!(fetch_offsets(&f), vec![("t".into(), 0, 3)]);
    h.respond(&t, fetch(vec![fetch_part(0, 0, 5, batch(0, 5))]));
    assert_eq!(h.offsets(), vec![3]);
}

#[test]
fn pause_and_resume() {
    let mut h = Harness::assigned(&[], vec![(tp(0), Some(0))]);
    let (t, _) = h.expect_fetch();
    h.respond(&t, fetch(vec![fetch_part(0, 0, 3, batch(0, 3))]));
    h.c.pause(&[tp(0)]);
    assert_eq!(h.c.paused(), vec![tp(0)]);
    assert!(!h.c.has_records());
    assert!(h.offsets().is_empty());
    assert!(h.transmit().is_none(), "paused partitions are not fetched");
    h.c.resume(&[tp(0)]);
    assert_eq!(h.offsets(), vec![0, 1, 2]);
    assert!(h.expect_fetch().1.topics[0].partitions[0].fetch_offset == 3);
}

#[test]
fn disconnect_retries_after_backoff() {
    let mut h = Harness::assigned(&[("retry.backoff.ms", "100")], vec![(tp(0), Some(7))]);
    let (t, _) = h.expect_fetch();
    h.c.handle_disconnect(t.broker, h.now);
    assert!(h.transmit().is_none(), "backing off");
    assert_eq!(h.c.poll_timeout(), Some(100));
    h.now = 100;
    h.c.handle_timeout(h.now);
    // Leadership may have moved: metadata first, then the same fetch.
    let m = h.transmit().expect("metadata refresh");
    assert!(matches!(m.body, RequestKind::Metadata(_)));
    h.respond(&m, metadata(&[(0, BROKER), (1, 2)]));
    let (t, f) = h.expect_fetch();
    assert_eq!(fetch_offsets(&f), vec![("t".into(), 0, 7)]);
    h.respond(&t, fetch(vec![fetch_part(0, 0, 8, batch(7, 1))]));
    assert_eq!(h.offsets(), vec![7]);
}

#[test]
fn request_timeout_retries_and_ignores_the_late_answer() {
    let mut h =
        Harness::assigned(&[("request.timeout.ms", "1000"), ("fetch.max.wait.ms", "500")], vec![(tp(0), Some(0))]);
    let (t, _) = h.expect_fetch();
    assert_eq!(h.c.poll_timeout(), Some(1_500));
    h.now = 1_500;
    h.c.handle_timeout(h.now);
    h.respond(&t, fetch(vec![fetch_part(0, 0, 3, batch(0, 3))]));
    assert!(h.offsets().is_empty(), "an expired request's answer is ignored");
    h.now += 100;
    h.c.handle_timeout(h.now);
    let (_, f) = h.expect_fetch();
    assert_eq!(fetch_offsets(&f), vec![("t".into(), 0, 0)]);
}

#[test]
fn crc_mismatch_is_an_error_event_naming_the_partition() {
    let mut h = Harness::assigned(&[], vec![(tp(0), Some(0))]);
    let (t, _) = h.expect_fetch();
    let good = batch(0, 2);
    let mut bad = batch(2, 2).to_vec();
    let last = bad.len() - 1;
    bad[last] ^= 0xff;
    h.respond(&t, fetch(vec![fetch_part(0, 0, 4, concat(&[&good, &bad]))]));
    assert_eq!(h.offsets(), vec![0, 1], "records before the corrupt batch are returned");
    let events = h.events();
    assert_eq!(error_codes(&events), vec![ErrorCode::CORRUPT_MESSAGE]);
    let ConsumerEvent::Error(e) = &events[0] else { unreachable!() };
    assert!(e.message().contains("t-0") && e.message().contains("offset 2"), "{e}");
    assert_eq!(h.c.position(&tp(0)), Some(2), "the position stays at the corrupt batch");
}

#[test]
fn crc_not_checked_when_check_crcs_is_false() {
    let mut h = Harness::assigned(&[("check.crcs", "false")], vec![(tp(0), Some(0))]);
    let (t, _) = h.expect_fetch();
    let mut bad = batch(0, 1).to_vec();
    let last = bad.len() - 2; // inside the value (the last byte is the headers count)
    bad[last] ^= 0x01;
    h.respond(&t, fetch(vec![fetch_part(0, 0, 1, Bytes::from(bad))]));
    assert_eq!(h.offsets(), vec![0]);
    assert!(h.events().is_empty());
}

#[test]
fn control_batches_are_skipped_and_advance_the_position() {
    let mut h = Harness::assigned(&[], vec![(tp(0), Some(0))]);
    let (t, _) = h.expect_fetch();
    let mut marker = build_control_batch(ControlType::Commit, 9, 0, 0, 1_000).to_vec();
    set_base_offset(&mut marker, 3);
    h.respond(&t, fetch(vec![fetch_part(0, 0, 4, concat(&[&batch(0, 3), &marker]))]));
    assert_eq!(h.offsets(), vec![0, 1, 2]);
    assert_eq!(h.c.position(&tp(0)), Some(4));
}

fn txn_batch(base_offset: i64, count: usize, producer_id: i64) -> Bytes {
    let mut b = BatchBuilder::new(Compression::None, 1_000);
    for i in 0..count {
        b.append(1_000, Some(b"k"), Some(format!("value-{}", base_offset + i as i64).as_bytes()), &[]);
    }
    let mut bytes = b.finish(producer_id, 0, 0, true).to_vec();
    set_base_offset(&mut bytes, base_offset);
    Bytes::from(bytes)
}

fn marker(kind: ControlType, offset: i64, producer_id: i64) -> Bytes {
    let mut bytes = build_control_batch(kind, producer_id, 0, 0, 1_000).to_vec();
    set_base_offset(&mut bytes, offset);
    Bytes::from(bytes)
}

/// A log as Apache Kafka's transactional producers leave it: producer 7 commits 0-1 (marker 2),
/// producer 8 aborts 3-4 (marker 5), a plain batch at 6, producer 8 commits 7 (marker 8). The
/// response lists producer 8's aborted transaction from offset 3.
fn transactional_log() -> PartitionData {
    let log = concat(&[
        &txn_batch(0, 2, 7),
        &marker(ControlType::Commit, 2, 7),
        &txn_batch(3, 2, 8),
        &marker(ControlType::Abort, 5, 8),
        &batch(6, 1),
        &txn_batch(7, 1, 8),
        &marker(ControlType::Commit, 8, 8),
    ]);
    let aborted = AbortedTransaction::default().with_producer_id(ProducerId(8)).with_first_offset(3);
    fetch_part(0, 0, 9, log).with_aborted_transactions(Some(vec![aborted]))
}

#[test]
fn read_committed_skips_aborted_transactions_and_markers() {
    let mut h = Harness::assigned(&[("isolation.level", "read_committed")], vec![(tp(0), Some(0))]);
    let (t, _) = h.expect_fetch();
    h.respond(&t, fetch(vec![transactional_log()]));
    assert_eq!(h.offsets(), vec![0, 1, 6, 7]);
    assert_eq!(h.c.position(&tp(0)), Some(9));
}

#[test]
fn read_uncommitted_keeps_aborted_data_and_skips_markers() {
    let mut h = Harness::assigned(&[("isolation.level", "read_uncommitted")], vec![(tp(0), Some(0))]);
    let (t, _) = h.expect_fetch();
    h.respond(&t, fetch(vec![transactional_log()]));
    assert_eq!(h.offsets(), vec![0, 1, 3, 4, 6, 7]);
}

#[test]
fn read_committed_from_inside_an_aborted_transaction() {
    // Positioned at 4 (mid-transaction): the batch holding 3-4 is still skipped whole.
    let mut h = Harness::assigned(&[("isolation.level", "read_committed")], vec![(tp(0), Some(4))]);
    let (t, _) = h.expect_fetch();
    let log = concat(&[&txn_batch(3, 2, 8), &marker(ControlType::Abort, 5, 8), &txn_batch(6, 1, 8)]);
    let aborted = AbortedTransaction::default().with_producer_id(ProducerId(8)).with_first_offset(3);
    h.respond(&t, fetch(vec![fetch_part(0, 0, 7, log).with_aborted_transactions(Some(vec![aborted]))]));
    assert_eq!(h.offsets(), vec![6], "a new transaction of the same producer after its abort marker is read");
}

#[test]
fn partition_eof_once_per_arrival_at_the_end() {
    let mut h = Harness::assigned(&[("enable.partition.eof", "true")], vec![(tp(0), Some(0))]);
    let (t, _) = h.expect_fetch();
    h.respond(&t, fetch(vec![fetch_part(0, 0, 2, batch(0, 2))]));
    assert!(h.events().is_empty());
    assert_eq!(h.offsets(), vec![0, 1]);
    assert_eq!(h.events(), vec![ConsumerEvent::PartitionEof { tp: tp(0), offset: 2 }]);
    let (t, _) = h.expect_fetch();
    h.respond(&t, fetch(vec![fetch_part(0, 0, 2, Bytes::new())]));
    assert!(h.events().is_empty(), "reported once at offset 2");
}

#[test]
fn unknown_partition_in_a_response_is_an_error_not_a_panic() {
    let mut h = Harness::assigned(&[], vec![(tp(0), Some(0))]);
    let (t, _) = h.expect_fetch();
    h.respond(&t, fetch(vec![fetch_part(9, 0, 3, batch(0, 3)), fetch_part(0, 0, 1, batch(0, 1))]));
    let events = h.events();
    assert_eq!(error_codes(&events), vec![ErrorCode::BAD_MSG]);
    let ConsumerEvent::Error(e) = &events[0] else { unreachable!() };
    assert!(e.message().contains("t-9"), "{e}");
    assert_eq!(h.offsets(), vec![0]);
}

#[test]
fn garbage_record_bytes_are_an_error_not_a_panic() {
    let mut h = Harness::assigned(&[], vec![(tp(0), Some(0))]);
    let (t, _) = h.expect_fetch();
    let mut junk = batch(0, 1).to_vec();
    junk[16] = 7; // magic
    h.respond(&t, fetch(vec![fetch_part(0, 0, 1, Bytes::from(junk))]));
    assert!(h.offsets().is_empty());
    let events = h.events();
    assert_eq!(events.len(), 1);
    let ConsumerEvent::Error(e) = &events[0] else { panic!("{events:?}") };
    assert!(e.message().contains("t-0"), "{e}");
}

#[test]
fn not_leader_refreshes_metadata_and_backs_off() {
    let mut h = Harness::assigned(&[], vec![(tp(0), Some(0))]);
    let (t, _) = h.expect_fetch();
    h.respond(&t, fetch(vec![fetch_part(0, 6, -1, Bytes::new())]));
    assert!(h.events().is_empty(), "retriable: no event");
    assert!(h.transmit().is_none(), "backing off");
    h.now += 100;
    h.c.handle_timeout(h.now);
    let m = h.transmit().expect("metadata refresh");
    assert!(matches!(m.body, RequestKind::Metadata(_)));
    // Leadership moved to broker 2.
    h.respond(&m, metadata(&[(0, 2), (1, 2)]));
    let (t, _) = h.expect_fetch();
    assert_eq!(t.broker, 2);
}

/// KIP-951: NOT_LEADER_OR_FOLLOWER with the tagged current_leader moves the partition to the named
/// leader at once, with no backoff and no Metadata round trip.
#[test]
fn not_leader_with_a_current_leader_hint_moves_at_once() {
    let mut h = Harness::assigned(&[], vec![(tp(0), Some(0))]);
    let (t, _) = h.expect_fetch();
    assert_eq!(t.broker, 1);
    let hint = |leader, epoch| {
        fetch_part(0, 6, -1, Bytes::new()).with_current_leader(
            kafka_protocol::messages::fetch_response::LeaderIdAndEpoch::default()
                .with_leader_id(WireBrokerId(leader))
                .with_leader_epoch(epoch),
        )
    };
    h.respond(&t, fetch(vec![hint(2, 1)]));
    assert!(h.events().is_empty(), "retriable: no event");
    let (t, f) = h.expect_fetch();
    assert_eq!((t.broker, fetch_offsets(&f)), (2, vec![("t".into(), 0, 0)]), "straight to the new leader");
    assert_eq!(f.topics[0].partitions[0].current_leader_epoch, 1, "at the hinted epoch");
    // A hint naming a broker we have no address for, an older or no epoch: a refresh as before.
    let mut t = t;
    for (leader, epoch) in [(7, 2), (1, -1)] {
        h.respond(&t, fetch(vec![hint(leader, epoch)]));
        assert!(h.transmit().is_none(), "backing off ({leader}, {epoch})");
        h.now += 100;
        h.c.handle_timeout(h.now);
        let m = h.transmit().expect("metadata refresh");
        assert!(matches!(m.body, RequestKind::Metadata(_)));
        h.respond(&m, metadata(&[(0, 2), (1, 2)]));
        let (again, _) = h.expect_fetch();
        assert_eq!(again.broker, 2);
        t = again;
    }
}

#[test]
fn one_fetch_per_leader() {
    let mut h = Harness::assigned(&[], vec![(tp(0), Some(0)), (tp(1), Some(10))]);
    let (t1, f1) = h.expect_fetch();
    let (t2, f2) = h.expect_fetch();
    assert!(h.transmit().is_none());
    assert_eq!((t1.broker, fetch_offsets(&f1)), (1, vec![("t".into(), 0, 0)]));
    assert_eq!((t2.broker, fetch_offsets(&f2)), (2, vec![("t".into(), 1, 10)]));
    h.respond(&t2, fetch(vec![fetch_part(1, 0, 11, batch(10, 1))]));
    h.respond(&t1, fetch(vec![fetch_part(0, 0, 1, batch(0, 1))]));
    let records = h.c.poll_records(h.now);
    let got: Vec<(i32, i64)> = records.iter().map(|r| (r.partition, r.offset)).collect();
    assert_eq!(got, vec![(1, 10), (0, 0)], "in arrival order");
}

#[test]
fn leader_epoch_and_log_append_time_come_from_the_batch() {
    let mut h = Harness::assigned(&[], vec![(tp(0), Some(0))]);
    let (t, _) = h.expect_fetch();
    let mut b = batch(0, 2).to_vec();
    crate::record::set_partition_leader_epoch(&mut b, 4);
    crate::record::set_log_append_time(&mut b, 777);
    h.respond(&t, fetch(vec![fetch_part(0, 0, 2, Bytes::from(b))]));
    let records = h.c.poll_records(h.now);
    assert_eq!(records[0].leader_epoch, Some(4));
    assert_eq!(records[1].timestamp_type, TimestampType::LogAppendTime);
    assert_eq!(records[1].timestamp, 777);
}

#[test]
fn reset_in_flight_is_discarded_after_seek() {
    let mut h = Harness::assigned(&[("auto.offset.reset", "earliest")], vec![(tp(0), None)]);
    let (t, _) = h.expect_list_offsets();
    h.c.seek(&tp(0), 50).unwrap();
    h.respond(&t, list_offsets(0, 0, 0));
    assert_eq!(h.c.position(&tp(0)), Some(50));
}

#[test]
fn many_records_in_many_batches() {
    let mut h = Harness::assigned(&[("max.poll.records", "500")], vec![(tp(0), Some(0))]);
    let (t, _) = h.expect_fetch();
    let batches: Vec<Bytes> = (0..20).map(|i| batch(i * 100, 100)).collect();
    let refs: Vec<&[u8]> = batches.iter().map(|b| &b[..]).collect();
    h.respond(&t, fetch(vec![fetch_part(0, 0, 2000, concat(&refs))]));
    let mut n = 0;
    let mut next = 0;
    for _ in 0..4 {
        let records = h.c.poll_records(h.now);
        assert_eq!(records.len(), 500);
        for r in records {
            assert_eq!(r.offset, next);
            next += 1;
            n += 1;
        }
    }
    assert_eq!(n, 2000);
    assert_eq!(h.c.position(&tp(0)), Some(2000));
}

/// Records per second through `poll_records` (run with `--release -- --ignored --nocapture`).
/// Measures the test, not the machine under test: the state machine itself reads no clock.
#[test]
#[ignore]
fn throughput_probe() {
    let mut h = Harness::assigned(&[("max.poll.records", "500")], vec![(tp(0), Some(0))]);
    let value = [7u8; 100];
    let batch_of_1000 = |base: i64| {
        let mut b = BatchBuilder::new(Compression::None, 1_000);
        for i in 0..1000 {
            b.append(1_000 + i, None, Some(&value), &[]);
        }
        let mut bytes = b.finish(-1, -1, -1, false).to_vec();
        set_base_offset(&mut bytes, base);
        bytes
    };
    let responses: Vec<Bytes> = (0..100)
        .map(|r| Bytes::from((0..10).flat_map(|b| batch_of_1000(r * 10_000 + b * 1000)).collect::<Vec<u8>>()))
        .collect();
    let start = std::time::Instant::now();
    let mut n = 0usize;
    for (r, records) in responses.into_iter().enumerate() {
        let (t, _) = h.expect_fetch();
        h.respond(&t, fetch(vec![fetch_part(0, 0, (r as i64 + 1) * 10_000, records)]));
        loop {
            let got = h.c.poll_records(h.now);
            if got.is_empty() {
                break;
            }
            n += got.len();
        }
    }
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(n, 1_000_000);
    eprintln!("{n} records of 100 bytes in {secs:.3}s: {:.2} M records/s", n as f64 / secs / 1e6);
}
