//! Broker behaviour through its driver-facing API: requests in, responses out. Every
//! response is encoded at its version and decoded back, as the wire driver will.

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::create_topics_request::{CreatableTopic, CreatableTopicConfig};
use kafka_protocol::messages::delete_topics_request::DeleteTopicState;
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::*;

use crate::error::ErrorCode;
use crate::protocol::{ConnId, Millis, Request, Response, StrBytes};
use crate::record::{BatchBuilder, BatchIter, Compression};

use super::{Broker, BrokerConfig};

const T0: Millis = 1_700_000_000_000;

struct H {
    broker: Broker,
    now: Millis,
    corr: i32,
}

impl H {
    fn new() -> H {
        H::with(BrokerConfig::default())
    }

    fn with(config: BrokerConfig) -> H {
        H { broker: Broker::new(config, T0), now: T0, corr: 0 }
    }

    fn send(&mut self, conn: ConnId, version: i16, body: RequestKind) -> i32 {
        self.corr += 1;
        let req = Request { api_version: version, correlation_id: self.corr, client_id: Some("test".into()), body };
        self.broker.handle_request(conn, req, self.now);
        self.corr
    }

    /// Every response out so far, each checked to encode and decode at its version.
    fn drain(&mut self) -> Vec<Response> {
        let mut out = Vec::new();
        while let Some(r) = self.broker.poll_response() {
            let mut buf = BytesMut::new();
            r.body
                .encode(&mut buf, r.api_version)
                .unwrap_or_else(|e| panic!("{:?} v{} does not encode: {e}", r.api_key, r.api_version));
            ResponseKind::decode(r.api_key, &mut buf.freeze(), r.api_version).expect("decodes");
            out.push(r);
        }
        out
    }

    fn call(&mut self, version: i16, body: RequestKind) -> ResponseKind {
        let corr = self.send(1, version, body);
        let mut rs = self.drain();
        assert_eq!(rs.len(), 1, "one response expected");
        let r = rs.remove(0);
        assert_eq!(r.correlation_id, corr);
        assert_eq!(r.conn, 1);
        r.body
    }

    fn create(&mut self, name: &str, partitions: i32, configs: &[(&str, &str)]) -> CreateTopicsResponse {
        match self.call(7, create_req(&[(name, partitions, configs)], false)) {
            ResponseKind::CreateTopics(r) => r,
            other => panic!("{other:?}"),
        }
    }

    fn produce(&mut self, topic: &str, partition: i32, records: Bytes) -> (i16, i64) {
        match self.call(9, produce_req(1, vec![(topic, partition, Some(records))])) {
            ResponseKind::Produce(r) => {
                let p = &r.responses[0].partition_responses[0];
                (p.error_code, p.base_offset)
            }
            other => panic!("{other:?}"),
        }
    }

    fn fetch(&mut self, parts: &[(&str, i32, i64)], max_bytes: i32, partition_max_bytes: i32) -> FetchResponse {
        let req = fetch_req(0, 0, max_bytes, parts.iter().map(|&(t, p, o)| (t, p, o, partition_max_bytes)).collect());
        match self.call(12, req) {
            ResponseKind::Fetch(r) => r,
            other => panic!("{other:?}"),
        }
    }

    fn list_offsets(&mut self, version: i16, topic: &str, partition: i32, timestamp: i64) -> (i16, i64, i64) {
        match self.call(version, list_req(&[(topic, partition, timestamp)])) {
            ResponseKind::ListOffsets(r) => {
                let p = &r.topics[0].partitions[0];
                (p.error_code, p.offset, p.timestamp)
            }
            other => panic!("{other:?}"),
        }
    }
}

fn name(s: &str) -> TopicName {
    TopicName(StrBytes::from_string(s.to_string()))
}

/// (name, partitions, configs)
type TopicSpec<'a> = (&'a str, i32, &'a [(&'a str, &'a str)]);

fn create_req(topics: &[TopicSpec], validate_only: bool) -> RequestKind {
    let topics = topics
        .iter()
        .map(|(n, p, configs)| {
            CreatableTopic::default()
                .with_name(name(n))
                .with_num_partitions(*p)
                .with_replication_factor(-1)
                .with_configs(
                    configs
                        .iter()
                        .map(|(k, v)| {
                            CreatableTopicConfig::default()
                                .with_name(StrBytes::from_string(k.to_string()))
                                .with_value(Some(StrBytes::from_string(v.to_string())))
                        })
                        .collect(),
                )
        })
        .collect();
    RequestKind::CreateTopics(CreateTopicsRequest::default().with_topics(topics).with_validate_only(validate_only))
}

fn produce_req(acks: i16, parts: Vec<(&str, i32, Option<Bytes>)>) -> RequestKind {
    let topics = parts
        .into_iter()
        .map(|(t, p, records)| {
            TopicProduceData::default()
                .with_name(name(t))
                .with_partition_data(vec![PartitionProduceData::default().with_index(p).with_records(records)])
        })
        .collect();
    RequestKind::Produce(ProduceRequest::default().with_acks(acks).with_timeout_ms(1000).with_topic_data(topics))
}

fn fetch_req(max_wait_ms: i32, min_bytes: i32, max_bytes: i32, parts: Vec<(&str, i32, i64, i32)>) -> RequestKind {
    let topics = parts
        .into_iter()
        .map(|(t, p, offset, pmax)| {
            FetchTopic::default().with_topic(name(t)).with_partitions(vec![FetchPartition::default()
                .with_partition(p)
                .with_fetch_offset(offset)
                .with_partition_max_bytes(pmax)])
        })
        .collect();
    RequestKind::Fetch(
        FetchRequest::default()
            .with_max_wait_ms(max_wait_ms)
            .with_min_bytes(min_bytes)
            .with_max_bytes(max_bytes)
            .with_topics(topics),
    )
}

fn list_req(parts: &[(&str, i32, i64)]) -> RequestKind {
    let topics = parts
        .iter()
        .map(|&(t, p, ts)| {
            ListOffsetsTopic::default()
                .with_name(name(t))
                .with_partitions(vec![ListOffsetsPartition::default().with_partition_index(p).with_timestamp(ts)])
        })
        .collect();
    RequestKind::ListOffsets(ListOffsetsRequest::default().with_replica_id(BrokerId(-1)).with_topics(topics))
}

fn metadata_req(topics: Option<&[&str]>, allow_auto: bool) -> RequestKind {
    let topics = topics
        .map(|ts| ts.iter().map(|t| MetadataRequestTopic::default().with_name(Some(name(t)))).collect::<Vec<_>>());
    RequestKind::Metadata(MetadataRequest::default().with_topics(topics).with_allow_auto_topic_creation(allow_auto))
}

/// A batch of records with the given timestamps and values "v0", "v1", ...
fn batch_ts(timestamps: &[i64]) -> Bytes {
    let mut b = BatchBuilder::new(Compression::None, timestamps[0]);
    for (i, ts) in timestamps.iter().enumerate() {
        b.append(*ts, Some(format!("k{i}").as_bytes()), Some(format!("v{i}").as_bytes()), &[]);
    }
    b.finish(-1, -1, -1, false)
}

fn batch(n: usize) -> Bytes {
    batch_ts(&vec![T0; n])
}

/// (offset, value) of every record in fetched bytes.
fn records_of(bytes: &Bytes) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    for b in BatchIter::new(bytes.clone()) {
        let b = b.expect("batch");
        b.verify_crc().expect("crc");
        for r in b.records().expect("records") {
            let r = r.expect("record");
            out.push((r.offset, String::from_utf8_lossy(&r.value.unwrap_or_default()).into_owned()));
        }
    }
    out
}

fn part(r: &FetchResponse, t: usize, p: usize) -> &fetch_response::PartitionData {
    &r.responses[t].partitions[p]
}

// ---- ApiVersions and versions ----

#[test]
fn api_versions_lists_the_table() {
    let mut h = H::new();
    for v in 0..=3 {
        let ResponseKind::ApiVersions(r) = h.call(v, RequestKind::ApiVersions(ApiVersionsRequest::default())) else {
            panic!()
        };
        assert_eq!(r.error_code, 0);
        let keys: Vec<(i16, i16, i16)> = r.api_keys.iter().map(|k| (k.api_key, k.min_version, k.max_version)).collect();
        // Produce is listed from v0 (older librdkafka compresses only then) though v0-v2 are refused.
        let expected = [(0, 0, 9), (1, 4, 12), (2, 1, 7), (3, 1, 12)];
        let groups = [(8, 2, 8), (9, 1, 8), (10, 0, 4), (11, 0, 7), (12, 0, 4), (13, 0, 5), (14, 0, 5), (15, 0, 5)];
        let more = [(16, 0, 5), (18, 0, 3), (19, 2, 7), (20, 1, 6), (21, 0, 2), (22, 0, 4)];
        let txn = [(24, 0, 3), (25, 0, 3), (26, 0, 3), (28, 0, 3)];
        let admin = [(32, 1, 4), (37, 0, 3), (42, 0, 2), (47, 0, 0), (60, 0, 2)];
        assert_eq!(keys, [&expected[..], &groups[..], &more[..], &txn[..], &admin[..]].concat());
    }
    // ...and a Produce v0-v2 closes the connection (no response can be encoded at those versions).
    for v in 0..3 {
        h.send(1, v, produce_req(1, vec![("t", 0, Some(batch(1)))]));
        assert!(h.drain().is_empty(), "v{v}");
        assert_eq!(h.broker.poll_close(), Some(1), "v{v}");
    }
    assert!(h.broker.topic("t").is_none(), "nothing created or stored");
}

#[test]
fn unsupported_versions() {
    let mut h = H::new();
    h.send(1, 4, RequestKind::ApiVersions(ApiVersionsRequest::default()));
    let r = h.drain().remove(0);
    assert_eq!(r.api_version, 0, "ApiVersions answers an unknown version at v0");
    let ResponseKind::ApiVersions(body) = r.body else { panic!() };
    assert_eq!(body.error_code, ErrorCode::UNSUPPORTED_VERSION.0);
    assert!(!body.api_keys.is_empty());

    let ResponseKind::Produce(p) = h.call(10, produce_req(1, vec![("t", 0, Some(batch(1)))])) else { panic!() };
    assert_eq!(p.responses[0].partition_responses[0].error_code, ErrorCode::UNSUPPORTED_VERSION.0);
    assert!(h.broker.topic("t").is_none(), "nothing created or stored");

    let ResponseKind::Fetch(f) = h.call(3 + 10, fetch_req(0, 0, 1000, vec![("t", 0, 0, 1000)])) else { panic!() };
    assert_eq!(f.error_code, ErrorCode::UNSUPPORTED_VERSION.0);

    let ResponseKind::Metadata(m) = h.call(0, metadata_req(Some(&["t"]), true)) else { panic!() };
    assert_eq!(m.topics[0].error_code, ErrorCode::UNSUPPORTED_VERSION.0);

    let ResponseKind::ListOffsets(l) = h.call(8, list_req(&[("t", 0, -1)])) else { panic!() };
    assert_eq!(l.topics[0].partitions[0].error_code, ErrorCode::UNSUPPORTED_VERSION.0);

    let ResponseKind::Metadata(m) = h.call(13, metadata_req(Some(&["t"]), true)) else { panic!() };
    assert_eq!(m.topics[0].error_code, ErrorCode::UNSUPPORTED_VERSION.0);

    // Where no response can be encoded (CreateTopics v1, DeleteTopics v7): the connection is closed.
    h.send(2, 1, create_req(&[("t", 1, &[])], false));
    h.send(3, 7, RequestKind::DeleteTopics(DeleteTopicsRequest::default()));
    assert!(h.drain().is_empty());
    assert_eq!((h.broker.poll_close(), h.broker.poll_close()), (Some(2), Some(3)));
}

#[test]
fn unknown_api_closes_the_connection() {
    let mut h = H::new();
    h.send(5, 0, RequestKind::SaslHandshake(Default::default()));
    assert!(h.drain().is_empty());
    assert_eq!(h.broker.poll_close(), Some(5));
}

// ---- CreateTopics, DeleteTopics, Metadata ----

#[test]
fn create_topics_and_errors() {
    let mut h = H::new();
    let r = h.create("orders", 3, &[("retention.ms", "1000")]);
    let t = &r.topics[0];
    assert_eq!((t.error_code, t.num_partitions, t.replication_factor), (0, 3, 1));
    assert_eq!(t.error_message, None);
    assert_ne!(Vec::<u8>::from(t.topic_id), vec![0u8; 16]);
    let configs = t.configs.as_ref().unwrap();
    let retention = configs.iter().find(|c| c.name.as_str() == "retention.ms").unwrap();
    assert_eq!(retention.value.as_ref().unwrap().as_str(), "1000");
    assert_eq!(h.broker.topic("orders").unwrap().num_partitions(), 3);
    assert_eq!(h.broker.topic("orders").unwrap().config().retention_ms, 1000);

    let code = |h: &mut H, n: &str, p: i32, c: &[(&str, &str)]| h.create(n, p, c).topics[0].error_code;
    assert_eq!(code(&mut h, "orders", 1, &[]), ErrorCode::TOPIC_ALREADY_EXISTS.0);
    assert_eq!(code(&mut h, "bad name", 1, &[]), ErrorCode::INVALID_TOPIC_EXCEPTION.0);
    assert_eq!(code(&mut h, "", 1, &[]), ErrorCode::INVALID_TOPIC_EXCEPTION.0);
    assert_eq!(code(&mut h, "..", 1, &[]), ErrorCode::INVALID_TOPIC_EXCEPTION.0);
    assert_eq!(code(&mut h, "zero", 0, &[]), ErrorCode::INVALID_PARTITIONS.0);
    assert_eq!(code(&mut h, "neg", -5, &[]), ErrorCode::INVALID_PARTITIONS.0);
    assert_eq!(code(&mut h, "huge", i32::MAX, &[]), ErrorCode::INVALID_PARTITIONS.0);
    assert_eq!(code(&mut h, "c", 1, &[("cleanup.policy", "compact")]), ErrorCode::INVALID_CONFIG.0);
    assert_eq!(code(&mut h, "c", 1, &[("retention.ms", "soon")]), ErrorCode::INVALID_CONFIG.0);
    assert_eq!(code(&mut h, "__consumer_offsets", 1, &[]), ErrorCode::INVALID_REQUEST.0);
    h.create("a.b", 1, &[]);
    assert_eq!(code(&mut h, "a_b", 1, &[]), ErrorCode::INVALID_TOPIC_EXCEPTION.0);
    let bad = h.create("c", 1, &[("nope.key", "1")]);
    assert!(bad.topics[0].error_message.as_ref().unwrap().as_str().contains("nope.key"));
    assert!(h.broker.topic("c").is_none());

    // Defaults, replication factor, duplicates, validate_only.
    let rf3 = CreatableTopic::default().with_name(name("rf")).with_num_partitions(-1).with_replication_factor(3);
    let dflt = CreatableTopic::default().with_name(name("dflt")).with_num_partitions(-1).with_replication_factor(-1);
    let dup = CreatableTopic::default().with_name(name("dup")).with_num_partitions(1).with_replication_factor(1);
    let req = CreateTopicsRequest::default().with_topics(vec![rf3, dflt, dup.clone(), dup]);
    let ResponseKind::CreateTopics(r) = h.call(4, RequestKind::CreateTopics(req)) else { panic!() };
    let codes: Vec<i16> = r.topics.iter().map(|t| t.error_code).collect();
    assert_eq!(
        codes,
        vec![ErrorCode::INVALID_REPLICATION_FACTOR.0, 0, ErrorCode::INVALID_REQUEST.0, ErrorCode::INVALID_REQUEST.0]
    );
    assert_eq!(h.broker.topic("dflt").unwrap().num_partitions(), 1);
    let ResponseKind::CreateTopics(r) = h.call(7, create_req(&[("dry", 2, &[])], true)) else { panic!() };
    assert_eq!((r.topics[0].error_code, r.topics[0].num_partitions), (0, 2));
    assert!(h.broker.topic("dry").is_none());
}

#[test]
fn delete_topics() {
    let mut h = H::new();
    h.create("a", 1, &[]);
    h.create("b", 1, &[]);
    let del = DeleteTopicsRequest::default().with_topic_names(vec![name("a"), name("missing")]);
    let ResponseKind::DeleteTopics(r) = h.call(4, RequestKind::DeleteTopics(del)) else { panic!() };
    assert_eq!(r.responses[0].error_code, 0);
    assert_eq!(r.responses[1].error_code, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.0);
    assert!(h.broker.topic("a").is_none());

    // v6 by id, and an unknown id.
    let id = h.broker.topic("b").unwrap().id();
    let by_id =
        |id: [u8; 16]| DeleteTopicState::default().with_name(None).with_topic_id(id.to_vec().try_into().unwrap());
    let del = DeleteTopicsRequest::default().with_topics(vec![by_id([9; 16]), by_id(id)]);
    let ResponseKind::DeleteTopics(r) = h.call(6, RequestKind::DeleteTopics(del)) else { panic!() };
    assert_eq!(r.responses[0].error_code, ErrorCode::UNKNOWN_TOPIC_ID.0);
    assert_eq!(r.responses[1].error_code, 0);
    assert_eq!(r.responses[1].name.as_ref().unwrap().0.as_str(), "b");
    assert_eq!(h.broker.topics().count(), 0);

    // A re-created topic gets a new id.
    h.create("b", 1, &[]);
    assert_ne!(h.broker.topic("b").unwrap().id(), id);
}

#[test]
fn metadata_lists_and_auto_creates() {
    let mut h = H::new();
    h.create("z", 2, &[]);
    h.create("a", 1, &[]);
    let ResponseKind::Metadata(m) = h.call(12, metadata_req(None, false)) else { panic!() };
    assert_eq!(m.brokers.len(), 1);
    assert_eq!((m.brokers[0].node_id.0, m.brokers[0].host.as_str(), m.brokers[0].port), (0, "127.0.0.1", 9092));
    assert_eq!(m.controller_id.0, 0);
    assert!(m.cluster_id.is_some());
    let names: Vec<&str> = m.topics.iter().map(|t| t.name.as_ref().unwrap().0.as_str()).collect();
    assert_eq!(names, vec!["a", "z"], "all topics, in name order");
    let z = &m.topics[1];
    assert_eq!(z.partitions.len(), 2);
    assert_eq!(z.partitions[1].leader_id.0, 0);
    assert_eq!(z.partitions[1].isr_nodes, vec![BrokerId(0)]);
    assert_ne!(Vec::<u8>::from(z.topic_id), vec![0u8; 16]);

    let ResponseKind::Metadata(m) = h.call(12, metadata_req(Some(&[]), true)) else { panic!() };
    assert!(m.topics.is_empty(), "an empty list asks for no topics");

    // Auto-create: request flag and broker config must both allow it.
    let ResponseKind::Metadata(m) = h.call(12, metadata_req(Some(&["new", "bad name"]), false)) else { panic!() };
    assert_eq!(m.topics[0].error_code, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.0);
    assert_eq!(m.topics[1].error_code, ErrorCode::INVALID_TOPIC_EXCEPTION.0);
    let ResponseKind::Metadata(m) = h.call(12, metadata_req(Some(&["new"]), true)) else { panic!() };
    assert_eq!((m.topics[0].error_code, m.topics[0].partitions.len()), (0, 1));
    assert!(h.broker.topic("new").is_some());
    // v1-v3 have no flag: they always allow.
    let ResponseKind::Metadata(m) = h.call(1, metadata_req(Some(&["old"]), false)) else { panic!() };
    assert_eq!(m.topics[0].error_code, 0);

    let mut off = H::with(BrokerConfig { auto_create_topics_enable: false, ..BrokerConfig::default() });
    let ResponseKind::Metadata(m) = off.call(12, metadata_req(Some(&["new"]), true)) else { panic!() };
    assert_eq!(m.topics[0].error_code, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.0);
    assert!(off.broker.topic("new").is_none());
}

#[test]
fn metadata_at_every_version_encodes() {
    let mut h = H::new();
    h.create("t", 1, &[]);
    for v in 1..=12 {
        let mut req = MetadataRequest::default()
            .with_topics(Some(vec![MetadataRequestTopic::default().with_name(Some(name("t")))]));
        req.include_topic_authorized_operations = v >= 8;
        req.include_cluster_authorized_operations = (8..=10).contains(&v);
        let ResponseKind::Metadata(m) = h.call(v, RequestKind::Metadata(req)) else { panic!() };
        assert_eq!(m.topics[0].error_code, 0, "v{v}");
    }
}

#[test]
fn topic_ids_are_deterministic() {
    let ids = || {
        let mut h = H::new();
        h.create("x", 1, &[]);
        h.create("y", 1, &[]);
        h.broker.topics().map(|(_, t)| t.id()).collect::<Vec<_>>()
    };
    assert_eq!(ids(), ids());
}

// ---- Produce and Fetch ----

#[test]
fn produce_with_each_acks_then_fetch_back() {
    let mut h = H::new();
    h.create("t", 1, &[]);
    // acks=0: stored, no response.
    h.send(1, 9, produce_req(0, vec![("t", 0, Some(batch(2)))]));
    assert!(h.drain().is_empty());
    assert_eq!(h.broker.partition("t", 0).unwrap().log_end_offset(), 2);
    // acks=1 and acks=-1.
    for acks in [1, -1] {
        let ResponseKind::Produce(r) = h.call(9, produce_req(acks, vec![("t", 0, Some(batch(3)))])) else { panic!() };
        let p = &r.responses[0].partition_responses[0];
        assert_eq!(p.error_code, 0);
        assert_eq!(p.log_append_time_ms, -1);
        assert_eq!(p.log_start_offset, 0);
    }
    let log = h.broker.partition("t", 0).unwrap();
    let bases: Vec<i64> = log.batches().map(|b| b.header.base_offset).collect();
    assert_eq!(bases, vec![0, 2, 5], "offsets assigned across batches");
    assert_eq!((log.high_watermark(), log.log_end_offset()), (8, 8));

    let f = h.fetch(&[("t", 0, 0)], 1 << 20, 1 << 20);
    let p = part(&f, 0, 0);
    assert_eq!((p.error_code, p.high_watermark, p.last_stable_offset, p.log_start_offset), (0, 8, 8, 0));
    assert_eq!(p.aborted_transactions, None);
    let recs = records_of(p.records.as_ref().unwrap());
    assert_eq!(recs.iter().map(|r| r.0).collect::<Vec<_>>(), (0..8).collect::<Vec<_>>());
    assert_eq!(recs[2].1, "v0");
}

#[test]
fn produce_response_versions_encode() {
    let mut h = H::new();
    for v in 3..=9 {
        let ResponseKind::Produce(r) = h.call(v, produce_req(1, vec![("t", 0, Some(batch(1))), ("t", 9, None)])) else {
            panic!()
        };
        assert_eq!(r.responses[0].partition_responses[0].error_code, 0);
        assert_eq!(r.responses[1].partition_responses[0].error_code, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.0);
    }
}

#[test]
fn fetch_mid_batch_returns_the_whole_batch() {
    let mut h = H::new();
    h.produce("t", 0, batch(5));
    h.produce("t", 0, batch(5));
    let f = h.fetch(&[("t", 0, 7)], 1 << 20, 1 << 20);
    let recs = records_of(part(&f, 0, 0).records.as_ref().unwrap());
    assert_eq!(recs.first().unwrap().0, 5, "the batch holding offset 7 starts at 5");
    // At the log end: nothing, no error.
    let f = h.fetch(&[("t", 0, 10)], 1 << 20, 1 << 20);
    assert_eq!(part(&f, 0, 0).error_code, 0);
    assert!(part(&f, 0, 0).records.as_ref().unwrap().is_empty());
}

#[test]
fn fetch_errors() {
    let mut h = H::new();
    h.produce("t", 0, batch(2));
    let f = h.fetch(&[("t", 0, 3), ("t", 0, -1), ("t", -1, 0), ("t", 1, 0), ("nope", 0, 0)], 1 << 20, 1 << 20);
    let codes: Vec<i16> = f.responses.iter().map(|t| t.partitions[0].error_code).collect();
    assert_eq!(
        codes,
        vec![
            ErrorCode::OFFSET_OUT_OF_RANGE.0,
            ErrorCode::OFFSET_OUT_OF_RANGE.0,
            ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.0,
            ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.0,
            ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.0,
        ]
    );
    assert_eq!(part(&f, 0, 0).high_watermark, -1);
    assert!(h.broker.topic("nope").is_none(), "fetch does not auto-create");

    // A leader epoch from the future.
    let mut req = fetch_req(0, 0, 1000, vec![("t", 0, 0, 1000)]);
    if let RequestKind::Fetch(f) = &mut req {
        f.topics[0].partitions[0].current_leader_epoch = 3;
    }
    let ResponseKind::Fetch(f) = h.call(12, req) else { panic!() };
    assert_eq!(part(&f, 0, 0).error_code, 75);

    // Fetch sessions are not kept.
    let mut req = fetch_req(0, 0, 1000, vec![("t", 0, 0, 1000)]);
    if let RequestKind::Fetch(f) = &mut req {
        f.session_id = 42;
        f.session_epoch = 3;
    }
    let ResponseKind::Fetch(f) = h.call(12, req) else { panic!() };
    assert_eq!(f.error_code, 70);
}

/// With several nodes, a fetch that reaches a node not leading the partition names the leader in
/// the tagged current_leader (v12, KIP-951); older versions cannot carry it.
#[test]
fn fetch_from_a_follower_names_the_current_leader() {
    let nodes = (0..3).map(|i| (i, "127.0.0.1".to_string(), 9092 + i)).collect();
    let mut h = H::with(BrokerConfig { nodes, ..BrokerConfig::default() });
    h.create("t", 3, &[]);
    let leader = h.broker.leader("t", 1);
    let other = (leader + 1) % 3;
    h.broker.set_connection_node(1, other);
    for v in [4, 11, 12] {
        let ResponseKind::Fetch(f) = h.call(v, fetch_req(0, 0, 1000, vec![("t", 1, 0, 1000)])) else { panic!() };
        let p = part(&f, 0, 0);
        assert_eq!(p.error_code, ErrorCode::NOT_LEADER_OR_FOLLOWER.0, "v{v}");
        let expected = if v >= 12 { (leader, 0) } else { (-1, -1) };
        assert_eq!((p.current_leader.leader_id.0, p.current_leader.leader_epoch), expected, "v{v}");
    }
    // The leader itself answers with data and no hint.
    h.broker.set_connection_node(1, leader);
    let ResponseKind::Fetch(f) = h.call(12, fetch_req(0, 0, 1000, vec![("t", 1, 0, 1000)])) else { panic!() };
    assert_eq!(part(&f, 0, 0).error_code, 0);
    assert_eq!(part(&f, 0, 0).current_leader.leader_id.0, -1);
}

#[test]
fn fetch_versions_encode() {
    let mut h = H::new();
    h.produce("t", 0, batch(2));
    for v in 4..=12 {
        let mut req = fetch_req(0, 0, 1000, vec![("t", 0, 0, 1000), ("t", 5, 0, 1000)]);
        if let RequestKind::Fetch(f) = &mut req {
            f.isolation_level = (v % 2) as i8;
        }
        let ResponseKind::Fetch(f) = h.call(v, req) else { panic!() };
        assert_eq!(records_of(part(&f, 0, 0).records.as_ref().unwrap()).len(), 2, "v{v}");
        assert_eq!(part(&f, 0, 0).aborted_transactions.is_some(), v % 2 == 1);
    }
}

#[test]
fn max_bytes_limits_with_at_least_one_batch() {
    let mut h = H::new();
    h.create("t", 2, &[]);
    for _ in 0..3 {
        h.produce("t", 0, batch(10));
        h.produce("t", 1, batch(10));
    }
    let size = h.broker.partition("t", 0).unwrap().batches().next().unwrap().bytes.len() as i32;
    let count = |f: &FetchResponse, t: usize| records_of(part(f, t, 0).records.as_ref().unwrap()).len();

    // partition_max_bytes below one batch: the first partition still gets one whole batch,
    // the second none (KIP-74 applies to the first partition with data only).
    let f = h.fetch(&[("t", 0, 0), ("t", 1, 0)], 1 << 20, 10);
    assert_eq!((count(&f, 0), count(&f, 1)), (10, 0));

    // Room for two batches per partition: two each, whole.
    let f = h.fetch(&[("t", 0, 0), ("t", 1, 0)], 1 << 20, size * 2 + size / 2);
    assert_eq!((count(&f, 0), count(&f, 1)), (20, 20));

    // max_bytes for three batches in all: two from the first partition, one from the second.
    let f = h.fetch(&[("t", 0, 0), ("t", 1, 0)], size * 3, size * 2);
    assert_eq!((count(&f, 0), count(&f, 1)), (20, 10));

    // max_bytes 0: still one batch.
    let f = h.fetch(&[("t", 0, 0), ("t", 1, 0)], 0, 1 << 20);
    assert_eq!((count(&f, 0), count(&f, 1)), (10, 0));
    // A single batch is served without copying: the stored bytes themselves.
    let stored = h.broker.partition("t", 0).unwrap().batches().next().unwrap().bytes.clone();
    assert_eq!(part(&f, 0, 0).records.as_ref().unwrap().as_ptr(), stored.as_ptr());
}

#[test]
fn min_bytes_parks_until_a_produce() {
    let mut h = H::new();
    h.produce("t", 0, batch(1));
    let corr = h.send(7, 12, fetch_req(5_000, 1, 1 << 20, vec![("t", 0, 1, 1 << 20)]));
    assert!(h.drain().is_empty(), "parked: no data at offset 1");
    assert_eq!(h.broker.parked_fetches(), 1);
    assert_eq!(h.broker.poll_timeout(), Some(T0 + 5_000));

    // A request behind the parked fetch on the same connection waits for it (Kafka answers in order).
    let meta = h.send(7, 12, metadata_req(None, false));
    assert!(h.drain().is_empty());

    // Another connection produces: the fetch completes, then the queued request.
    h.now += 10;
    h.send(8, 9, produce_req(1, vec![("t", 0, Some(batch(3)))]));
    let rs = h.drain();
    let order: Vec<(ConnId, i32)> = rs.iter().map(|r| (r.conn, r.correlation_id)).collect();
    assert_eq!(order[..2], [(8, corr + 2), (7, corr)]);
    assert_eq!(order[2], (7, meta));
    let ResponseKind::Fetch(f) = &rs[1].body else { panic!() };
    assert_eq!(records_of(part(f, 0, 0).records.as_ref().unwrap()).len(), 3);
    assert_eq!(h.broker.parked_fetches(), 0);
}

#[test]
fn min_bytes_parks_until_the_deadline() {
    let mut h = H::new();
    h.create("t", 1, &[]);
    // max_wait far above fetch_wait_ms_max is capped.
    let corr = h.send(3, 12, fetch_req(i32::MAX, 1 << 20, 1 << 20, vec![("t", 0, 0, 1 << 20)]));
    let deadline = T0 + h.broker.config().fetch_wait_ms_max;
    assert_eq!(h.broker.poll_timeout(), Some(deadline));
    h.produce("t", 0, batch(1)); // on connection 1: less than min_bytes, stays parked
    assert_eq!(h.broker.parked_fetches(), 1);
    h.now = deadline - 1;
    h.broker.handle_timeout(h.now);
    assert!(h.drain().is_empty());
    h.now = deadline;
    h.broker.handle_timeout(h.now);
    let rs = h.drain();
    assert_eq!((rs.len(), rs[0].conn, rs[0].correlation_id), (1, 3, corr));
    let ResponseKind::Fetch(f) = &rs[0].body else { panic!() };
    assert_eq!(records_of(part(f, 0, 0).records.as_ref().unwrap()).len(), 1, "answers with what is there");
}

#[test]
fn parked_fetch_is_answered_when_its_topic_goes_or_its_connection_closes() {
    let mut h = H::new();
    h.create("t", 1, &[]);
    h.send(3, 12, fetch_req(10_000, 1, 1 << 20, vec![("t", 0, 0, 1 << 20)]));
    h.send(4, 12, fetch_req(10_000, 1, 1 << 20, vec![("t", 0, 0, 1 << 20)]));
    h.broker.handle_disconnect(4);
    let del = DeleteTopicsRequest::default().with_topic_names(vec![name("t")]);
    h.send(1, 5, RequestKind::DeleteTopics(del));
    let rs = h.drain();
    assert_eq!(rs.len(), 2, "the delete and the fetch of connection 3 only");
    let fetch = rs.iter().find(|r| r.conn == 3).unwrap();
    let ResponseKind::Fetch(f) = &fetch.body else { panic!() };
    assert_eq!(part(f, 0, 0).error_code, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.0);
    assert_eq!(h.broker.parked_fetches(), 0);
}

#[test]
fn corrupt_batches_store_nothing() {
    let mut h = H::new();
    h.create("t", 1, &[]);
    let good = batch(2);
    let mut crc = good.to_vec();
    let last = crc.len() - 1;
    crc[last] ^= 0xff;
    let mut magic = good.to_vec();
    magic[16] = 1;
    let two = [good.clone(), good.clone()].concat();
    let mut garbage = vec![0xab; 100];
    garbage[16] = 2; // past the magic check, into the lengths and CRC
    let garbage = Bytes::from(garbage);
    let cases: Vec<(Option<Bytes>, ErrorCode)> = vec![
        (Some(Bytes::from(crc)), ErrorCode::CORRUPT_MESSAGE),
        (Some(good.slice(..good.len() - 3)), ErrorCode::CORRUPT_MESSAGE),
        (Some(garbage), ErrorCode::CORRUPT_MESSAGE),
        (Some(Bytes::from(magic)), ErrorCode::UNSUPPORTED_FOR_MESSAGE_FORMAT),
        (Some(Bytes::from(two)), ErrorCode::INVALID_RECORD),
        (Some(Bytes::new()), ErrorCode::INVALID_RECORD),
        (None, ErrorCode::INVALID_RECORD),
        (Some(BatchBuilder::new(Compression::None, T0).finish(-1, -1, -1, false)), ErrorCode::INVALID_RECORD),
    ];
    for (records, want) in cases {
        let ResponseKind::Produce(r) = h.call(9, produce_req(1, vec![("t", 0, records)])) else { panic!() };
        let p = &r.responses[0].partition_responses[0];
        assert_eq!(ErrorCode(p.error_code), want);
        assert!(p.error_message.is_some());
        assert_eq!(p.base_offset, -1);
    }
    assert_eq!(h.broker.partition("t", 0).unwrap().log_end_offset(), 0);
    assert_eq!(h.broker.partition("t", 0).unwrap().batches().count(), 0);
}

#[test]
fn produce_errors() {
    let mut h = H::with(BrokerConfig { auto_create_topics_enable: false, ..BrokerConfig::default() });
    h.create("t", 1, &[("max.message.bytes", "100"), ("min.insync.replicas", "2")]);
    assert_eq!(h.produce("nope", 0, batch(1)).0, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.0);
    assert!(h.broker.topic("nope").is_none());
    assert_eq!(h.produce("t", 1, batch(1)).0, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.0);
    assert_eq!(h.produce("t", -1, batch(1)).0, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.0);
    assert_eq!(h.produce("t", 0, batch(20)).0, ErrorCode::MESSAGE_TOO_LARGE.0);
    assert_eq!(h.produce("t", 0, batch(1)).0, 0);
    let ResponseKind::Produce(r) = h.call(9, produce_req(-1, vec![("t", 0, Some(batch(1)))])) else { panic!() };
    assert_eq!(r.responses[0].partition_responses[0].error_code, 19, "NOT_ENOUGH_REPLICAS");
    let ResponseKind::Produce(r) = h.call(9, produce_req(2, vec![("t", 0, Some(batch(1)))])) else { panic!() };
    assert_eq!(r.responses[0].partition_responses[0].error_code, ErrorCode::INVALID_REQUIRED_ACKS.0);
    assert_eq!(h.broker.partition("t", 0).unwrap().log_end_offset(), 1);

    // acks=0 with an error: no response, the connection is to be closed.
    h.send(9, 9, produce_req(0, vec![("t", 7, Some(batch(1)))]));
    assert!(h.drain().is_empty());
    assert_eq!(h.broker.poll_close(), Some(9));
}

#[test]
fn produce_auto_creates_topics() {
    let mut h = H::new();
    assert_eq!(h.produce("fresh", 0, batch(1)), (0, 0));
    assert_eq!(h.broker.topic("fresh").unwrap().num_partitions(), 1);
    assert_eq!(h.produce("bad/name", 0, batch(1)).0, ErrorCode::INVALID_TOPIC_EXCEPTION.0);
}

#[test]
fn log_append_time_rewrites_timestamps() {
    let mut h = H::new();
    h.create("lat", 1, &[("message.timestamp.type", "LogAppendTime")]);
    h.now = T0 + 777;
    let ResponseKind::Produce(r) = h.call(9, produce_req(1, vec![("lat", 0, Some(batch_ts(&[5, 6, 7])))])) else {
        panic!()
    };
    assert_eq!(r.responses[0].partition_responses[0].log_append_time_ms, T0 + 777);
    let f = h.fetch(&[("lat", 0, 0)], 1 << 20, 1 << 20);
    let bytes = part(&f, 0, 0).records.clone().unwrap();
    let b = BatchIter::new(bytes).next().unwrap().unwrap();
    b.verify_crc().expect("CRC recomputed");
    assert_eq!(b.header.max_timestamp, T0 + 777);
    assert!(b.records().unwrap().all(|r| r.unwrap().timestamp == T0 + 777));
}

// ---- ListOffsets ----

#[test]
fn list_offsets() {
    let mut h = H::new();
    h.create("t", 1, &[]);
    assert_eq!(h.list_offsets(7, "t", 0, -3), (0, -1, -1), "max timestamp of an empty log");
    h.produce("t", 0, batch_ts(&[100, 300, 200])); // offsets 0..3
    h.produce("t", 0, batch_ts(&[400, 500])); // offsets 3..5
    h.produce("t", 0, batch_ts(&[450])); // offset 5
    assert_eq!(h.list_offsets(7, "t", 0, -2), (0, 0, -1));
    assert_eq!(h.list_offsets(7, "t", 0, -1), (0, 6, -1));
    assert_eq!(h.list_offsets(7, "t", 0, -3), (0, 4, 500));
    assert_eq!(h.list_offsets(7, "t", 0, 0), (0, 0, 100));
    assert_eq!(h.list_offsets(7, "t", 0, 250), (0, 1, 300), "first record at or after, inside the batch");
    assert_eq!(h.list_offsets(7, "t", 0, 301), (0, 3, 400));
    assert_eq!(h.list_offsets(7, "t", 0, 450), (0, 4, 500));
    assert_eq!(h.list_offsets(7, "t", 0, 501), (0, -1, -1));
    assert_eq!(h.list_offsets(6, "t", 0, -3).0, ErrorCode::UNSUPPORTED_VERSION.0);
    assert_eq!(h.list_offsets(7, "t", 1, -1).0, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.0);
    assert_eq!(h.list_offsets(7, "t", -1, -1).0, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.0);
    assert_eq!(h.list_offsets(7, "nope", 0, -1).0, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.0);
    for v in 1..=7 {
        assert_eq!(h.list_offsets(v, "t", 0, -1), (0, 6, -1), "v{v}");
    }
    let ResponseKind::ListOffsets(r) = h.call(7, list_req(&[("t", 0, -1), ("t", 0, -2)])) else { panic!() };
    assert!(r.topics.iter().all(|t| t.partitions[0].error_code == ErrorCode::INVALID_REQUEST.0), "duplicates");
}

// ---- Retention ----

#[test]
fn retention_by_bytes_moves_the_log_start() {
    let mut h = H::new();
    let one = batch(4).len();
    h.create("t", 1, &[("retention.bytes", &(one * 2).to_string())]);
    for _ in 0..5 {
        h.produce("t", 0, batch(4));
    }
    let check = h.broker.poll_timeout().unwrap();
    assert_eq!(check, T0 + h.broker.config().log_retention_check_interval_ms);
    h.now = check;
    h.broker.handle_timeout(h.now);
    let log = h.broker.partition("t", 0).unwrap();
    assert_eq!(log.batches().count(), 2, "keeps retention.bytes");
    assert_eq!((log.log_start_offset(), log.log_end_offset()), (12, 20));
    let f = h.fetch(&[("t", 0, 11), ("t", 0, 12)], 1 << 20, 1 << 20);
    assert_eq!(part(&f, 0, 0).error_code, ErrorCode::OFFSET_OUT_OF_RANGE.0);
    assert_eq!(part(&f, 1, 0).log_start_offset, 12);
    assert_eq!(h.list_offsets(7, "t", 0, -2), (0, 12, -1));
    assert_eq!(h.broker.poll_timeout(), Some(check + h.broker.config().log_retention_check_interval_ms));
}

#[test]
fn retention_by_time_keeps_the_last_batch() {
    let mut h = H::new();
    h.create("t", 1, &[("retention.ms", "1000")]);
    h.produce("t", 0, batch_ts(&[T0 - 5_000]));
    h.produce("t", 0, batch_ts(&[T0 - 10]));
    h.produce("t", 0, batch_ts(&[T0 - 3_000]));
    h.broker.enforce_retention(h.now);
    let log = h.broker.partition("t", 0).unwrap();
    assert_eq!(log.log_start_offset(), 1, "stops at the first batch still young");
    h.now += 5_000;
    h.broker.enforce_retention(h.now);
    let log = h.broker.partition("t", 0).unwrap();
    assert_eq!((log.log_start_offset(), log.batches().count()), (2, 1), "never the last batch");
    assert_eq!(h.fetch(&[("t", 0, 1)], 1 << 20, 1 << 20).responses[0].partitions[0].error_code, 1);
}

#[test]
fn parked_fetch_below_new_log_start_is_answered() {
    let mut h = H::with(BrokerConfig { log_retention_check_interval_ms: 1_000, ..BrokerConfig::default() });
    h.create("t", 1, &[("retention.ms", "0")]);
    h.produce("t", 0, batch_ts(&[T0 - 100]));
    h.produce("t", 0, batch_ts(&[T0 - 100]));
    // Waiting at offset 0 for more than there is; retention then deletes offset 0.
    h.send(4, 12, fetch_req(60_000, 1 << 20, 1 << 20, vec![("t", 0, 0, 1 << 20)]));
    assert!(h.drain().is_empty());
    assert_eq!(h.broker.poll_timeout(), Some(T0 + 1_000), "the retention check comes before the fetch deadline");
    h.now = T0 + 1_000;
    h.broker.handle_timeout(h.now);
    let rs = h.drain();
    let ResponseKind::Fetch(f) = &rs[0].body else { panic!() };
    assert_eq!(part(f, 0, 0).error_code, ErrorCode::OFFSET_OUT_OF_RANGE.0);
}

// ---- Bad input never panics ----

#[test]
fn every_single_byte_corruption_is_handled() {
    let mut h = H::new();
    h.create("t", 1, &[]);
    let good = batch_ts(&[T0, T0 + 1, T0 + 2]);
    let (mut accepted, mut rejected) = (0, 0);
    for i in 0..good.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut bad = good.to_vec();
            bad[i] ^= flip;
            match h.produce("t", 0, Bytes::from(bad)) {
                (0, _) => accepted += 1,
                (code, _) => {
                    assert!(code > 0, "a Kafka error code");
                    rejected += 1
                }
            }
        }
    }
    // Only the fields outside the CRC that the broker overwrites can change unnoticed:
    // base offset (8 bytes) and partition leader epoch (4 bytes).
    assert_eq!(accepted, 3 * 12);
    assert_eq!(accepted + rejected, 3 * good.len());
    let f = h.fetch(&[("t", 0, 0)], i32::MAX, i32::MAX);
    let recs = records_of(part(&f, 0, 0).records.as_ref().unwrap());
    assert_eq!(recs.len(), 3 * accepted, "every stored batch reads back, offsets in order");
    assert!(recs.iter().enumerate().all(|(i, r)| r.0 == i as i64));

    // Random buffers of every small length.
    let mut seed: u64 = 42;
    for len in 0..200 {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (seed >> 33) as u8
            })
            .collect();
        assert_ne!(h.produce("t", 0, Bytes::from(bytes)).0, 0);
    }
}

#[test]
fn hostile_fetch_and_list_offsets_values() {
    let mut h = H::new();
    h.produce("t", 0, batch(1));
    for (offset, pmax, max) in [(i64::MAX, i32::MAX, i32::MAX), (i64::MIN, -1, -1), (0, i32::MIN, i32::MIN)] {
        let f = h.fetch(&[("t", 0, offset)], max, pmax);
        assert!(part(&f, 0, 0).error_code == 0 || part(&f, 0, 0).error_code == 1);
    }
    for ts in [i64::MIN, i64::MAX, -4, -100] {
        let (code, _, _) = h.list_offsets(7, "t", 0, ts);
        assert_eq!(code, 0);
    }
    // A negative max_wait and min_bytes answer at once.
    let ResponseKind::Fetch(_) = h.call(12, fetch_req(-5, -5, 100, vec![("t", 0, 1, 100)])) else { panic!() };
    // Empty and absurd topic names everywhere.
    let long = "x".repeat(10_000);
    assert_eq!(h.produce("", 0, batch(1)).0, ErrorCode::INVALID_TOPIC_EXCEPTION.0);
    assert_eq!(h.produce(&long, 0, batch(1)).0, ErrorCode::INVALID_TOPIC_EXCEPTION.0);
    assert_eq!(h.list_offsets(7, "", 0, -1).0, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.0);
    assert_eq!(h.create("", 1, &[]).topics[0].error_code, ErrorCode::INVALID_TOPIC_EXCEPTION.0);
}

#[test]
fn acks_zero_behind_a_parked_fetch_keeps_order() {
    let mut h = H::new();
    h.create("t", 1, &[]);
    h.send(1, 12, fetch_req(1_000, 1, 1 << 20, vec![("t", 0, 0, 1 << 20)]));
    // The same connection produces with acks=0: Kafka reads nothing more from a connection
    // until its response is out, so the produce waits for the fetch deadline.
    h.send(1, 9, produce_req(0, vec![("t", 0, Some(batch(1)))]));
    assert_eq!(h.broker.partition("t", 0).unwrap().log_end_offset(), 0);
    h.now += 1_000;
    h.broker.handle_timeout(h.now);
    assert_eq!(h.drain().len(), 1, "the empty fetch; the produce is silent");
    assert_eq!(h.broker.partition("t", 0).unwrap().log_end_offset(), 1);
}

#[path = "tests_admin.rs"]
mod admin;

#[path = "tests_idempotence.rs"]
mod idempotence;

#[path = "tests_txn.rs"]
mod txn;

// ---- FindCoordinator ----

/// Every key's coordinator is the node Kafka's hash rule names, in both response shapes; any
/// node answers; unknown key types and empty transactional ids are INVALID_REQUEST.
#[test]
fn find_coordinator_names_the_hashed_node() {
    use kafka_protocol::messages::FindCoordinatorRequest;
    let nodes = (0..3).map(|i| (i, "127.0.0.1".to_string(), 9092 + i)).collect();
    let mut h = H::with(BrokerConfig { nodes, ..BrokerConfig::default() });
    let key = |k: &str| kafka_protocol::protocol::StrBytes::from_string(k.to_string());
    // "my-group" hashes to partition 12 → node 12 % 3 == 0; "hello" to 22 → node 1.
    for (k, node) in [("my-group", 0), ("hello", 1)] {
        for v in 0..=3 {
            let req = FindCoordinatorRequest::default().with_key(key(k)).with_key_type(if v >= 1 { 1 } else { 0 });
            let ResponseKind::FindCoordinator(r) = h.call(v, RequestKind::FindCoordinator(req)) else { panic!() };
            assert_eq!((r.error_code, r.node_id.0, r.port), (0, node, 9092 + node), "{k} v{v}");
        }
    }
    let req =
        FindCoordinatorRequest::default().with_key_type(0).with_coordinator_keys(vec![key("my-group"), key("hello")]);
    let ResponseKind::FindCoordinator(r) = h.call(4, RequestKind::FindCoordinator(req)) else { panic!() };
    let got: Vec<(&str, i16, i32)> =
        r.coordinators.iter().map(|c| (c.key.as_str(), c.error_code, c.node_id.0)).collect();
    assert_eq!(got, [("my-group", 0, 0), ("hello", 0, 1)]);
    let bad = FindCoordinatorRequest::default().with_key_type(1).with_coordinator_keys(vec![key(""), key("t")]);
    let ResponseKind::FindCoordinator(r) = h.call(4, RequestKind::FindCoordinator(bad)) else { panic!() };
    assert_eq!(r.coordinators[0].error_code, ErrorCode::INVALID_REQUEST.0);
    assert_eq!(r.coordinators[1].error_code, 0);
    let share = FindCoordinatorRequest::default().with_key_type(2).with_key(key("g"));
    let ResponseKind::FindCoordinator(r) = h.call(3, RequestKind::FindCoordinator(share)) else { panic!() };
    assert_eq!((r.error_code, r.node_id.0), (ErrorCode::INVALID_REQUEST.0, -1));
    assert!(r.error_message.unwrap().contains("unknown coordinator key type 2"));
}
