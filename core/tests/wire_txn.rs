//! Transactions over TCP: raw InitProducerId / AddPartitionsToTxn / Produce / EndTxn requests to a
//! server on 127.0.0.1:0, encoded with `kafka-protocol` as any client would, then read_committed
//! and read_uncommitted fetches and ListOffsets by isolation level. A hostile AddPartitionsToTxn
//! closes its connection and leaves the server serving.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::Bytes;
use kafka_protocol::messages::add_partitions_to_txn_request::AddPartitionsToTxnTopic;
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::{
    AddPartitionsToTxnRequest, ApiKey, BrokerId, CreateTopicsRequest, EndTxnRequest, FetchRequest,
    FindCoordinatorRequest, InitProducerIdRequest, ListOffsetsRequest, ProduceRequest, ProducerId, RequestKind,
    ResponseHeader, ResponseKind, TopicName, TransactionalId,
};
use kafka_protocol::protocol::{Decodable, StrBytes};
use kafkette::broker::BrokerConfig;
use kafkette::net::codec;
use kafkette::net::server::BackgroundServer;
use kafkette::protocol::Request;
use kafkette::record::{BatchBuilder, BatchIter, Compression};
use kafkette::ErrorCode;

/// The transactional id and topic of one run (unique per run against a shared broker).
struct Ctx {
    id: String,
    topic: String,
}

struct Client {
    stream: TcpStream,
    next_correlation: i32,
}

impl Client {
    fn connect(addr: &str) -> Client {
        let stream = TcpStream::connect(addr).expect("connects");
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Client { stream, next_correlation: 1 }
    }

    fn call(&mut self, key: ApiKey, version: i16, body: RequestKind) -> ResponseKind {
        let correlation_id = self.next_correlation;
        self.next_correlation += 1;
        let request = Request { api_version: version, correlation_id, client_id: Some("wire-txn".into()), body };
        self.stream.write_all(&codec::encode_request(&request).expect("encodes")).unwrap();
        let mut size = [0u8; 4];
        self.stream.read_exact(&mut size).expect("a response");
        let mut frame = vec![0u8; i32::from_be_bytes(size) as usize];
        self.stream.read_exact(&mut frame).unwrap();
        // Decoded with kafka-protocol directly: response guards for these APIs belong to the client side.
        let mut buf = Bytes::from(frame);
        let header = ResponseHeader::decode(&mut buf, key.response_header_version(version)).expect("header");
        assert_eq!(header.correlation_id, correlation_id);
        ResponseKind::decode(key, &mut buf, version).expect("decodes")
    }
}

fn s(v: &str) -> StrBytes {
    StrBytes::from_string(v.to_string())
}

/// InitProducerId v4, retried while Kafka creates and loads `__transaction_state` (NOT_COORDINATOR,
/// COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS, CONCURRENT_TRANSACTIONS).
fn init(c: &mut Client, x: &Ctx) -> (i64, i16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    // As clients do: FindCoordinator first (Kafka creates `__transaction_state` on it); one node here.
    loop {
        let req = FindCoordinatorRequest::default().with_key_type(1).with_coordinator_keys(vec![s(&x.id)]);
        let ResponseKind::FindCoordinator(r) = c.call(ApiKey::FindCoordinator, 4, RequestKind::FindCoordinator(req))
        else {
            panic!()
        };
        if r.coordinators[0].error_code == 0 || Instant::now() > deadline {
            assert_eq!(r.coordinators[0].error_code, 0, "{r:?}");
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    loop {
        let req = InitProducerIdRequest::default()
            .with_transactional_id(Some(TransactionalId(s(&x.id))))
            .with_transaction_timeout_ms(60_000)
            .with_producer_id(ProducerId(-1))
            .with_producer_epoch(-1);
        let ResponseKind::InitProducerId(r) = c.call(ApiKey::InitProducerId, 4, RequestKind::InitProducerId(req))
        else {
            panic!()
        };
        if [14, 15, 16, 51].contains(&r.error_code) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
            continue;
        }
        assert_eq!(r.error_code, 0, "{r:?}");
        return (r.producer_id.0, r.producer_epoch);
    }
}

fn add_partition(c: &mut Client, x: &Ctx, version: i16, pe: (i64, i16)) -> i16 {
    let req = AddPartitionsToTxnRequest::default()
        .with_v3_and_below_transactional_id(TransactionalId(s(&x.id)))
        .with_v3_and_below_producer_id(ProducerId(pe.0))
        .with_v3_and_below_producer_epoch(pe.1)
        .with_v3_and_below_topics(vec![AddPartitionsToTxnTopic::default()
            .with_name(TopicName(s(&x.topic)))
            .with_partitions(vec![0])]);
    let ResponseKind::AddPartitionsToTxn(r) =
        c.call(ApiKey::AddPartitionsToTxn, version, RequestKind::AddPartitionsToTxn(req))
    else {
        panic!()
    };
    r.results_by_topic_v3_and_below[0].results_by_partition[0].partition_error_code
}

fn produce(c: &mut Client, x: &Ctx, pe: (i64, i16), seq: i32, values: &[&str]) -> (i16, i64) {
    let mut b = BatchBuilder::new(Compression::None, 1_700_000_000_000);
    for v in values {
        b.append(1_700_000_000_000, None, Some(v.as_bytes()), &[]);
    }
    let records = b.finish(pe.0, pe.1, seq, true);
    let partition = PartitionProduceData::default().with_index(0).with_records(Some(records));
    let t = TopicProduceData::default().with_name(TopicName(s(&x.topic))).with_partition_data(vec![partition]);
    let req = ProduceRequest::default()
        .with_transactional_id(Some(TransactionalId(s(&x.id))))
        .with_acks(-1)
        .with_timeout_ms(5000)
        .with_topic_data(vec![t]);
    let ResponseKind::Produce(r) = c.call(ApiKey::Produce, 9, RequestKind::Produce(req)) else { panic!() };
    let p = &r.responses[0].partition_responses[0];
    (p.error_code, p.base_offset)
}

fn end(c: &mut Client, x: &Ctx, version: i16, pe: (i64, i16), commit: bool) -> i16 {
    let req = EndTxnRequest::default()
        .with_transactional_id(TransactionalId(s(&x.id)))
        .with_producer_id(ProducerId(pe.0))
        .with_producer_epoch(pe.1)
        .with_committed(commit);
    let ResponseKind::EndTxn(r) = c.call(ApiKey::EndTxn, version, RequestKind::EndTxn(req)) else { panic!() };
    r.error_code
}

/// (last stable offset, aborted (pid, first offset), data values, control batch count).
type Fetched = (i64, Option<Vec<(i64, i64)>>, Vec<String>, usize);

fn fetch(c: &mut Client, x: &Ctx, version: i16, isolation: i8) -> Fetched {
    fetch_from(c, x, version, isolation, 0)
}

fn fetch_from(c: &mut Client, x: &Ctx, version: i16, isolation: i8, offset: i64) -> Fetched {
    let p = FetchPartition::default().with_partition(0).with_fetch_offset(offset).with_partition_max_bytes(1 << 20);
    let req = FetchRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_max_bytes(1 << 20)
        .with_isolation_level(isolation)
        .with_topics(vec![FetchTopic::default().with_topic(TopicName(s(&x.topic))).with_partitions(vec![p])]);
    let ResponseKind::Fetch(r) = c.call(ApiKey::Fetch, version, RequestKind::Fetch(req)) else { panic!() };
    let p = &r.responses[0].partitions[0];
    assert_eq!(p.error_code, 0);
    let aborted =
        p.aborted_transactions.as_ref().map(|a| a.iter().map(|t| (t.producer_id.0, t.first_offset)).collect());
    let (mut values, mut controls) = (Vec::new(), 0);
    for b in BatchIter::new(p.records.clone().unwrap_or_default()) {
        let b = b.unwrap();
        if b.header.is_control() {
            controls += 1;
            continue;
        }
        for r in b.records().unwrap() {
            values.push(String::from_utf8(r.unwrap().value.unwrap().to_vec()).unwrap());
        }
    }
    (p.last_stable_offset, aborted, values, controls)
}

fn latest(c: &mut Client, x: &Ctx, isolation: i8) -> i64 {
    let t = ListOffsetsTopic::default()
        .with_name(TopicName(s(&x.topic)))
        .with_partitions(vec![ListOffsetsPartition::default().with_partition_index(0).with_timestamp(-1)]);
    let req = ListOffsetsRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_isolation_level(isolation)
        .with_topics(vec![t]);
    let ResponseKind::ListOffsets(r) = c.call(ApiKey::ListOffsets, 7, RequestKind::ListOffsets(req)) else { panic!() };
    r.topics[0].partitions[0].offset
}

/// EndTxn, retried while Kafka still completes an earlier one (CONCURRENT_TRANSACTIONS; markers
/// are asynchronous in Kafka, synchronous in kafkette).
fn end_retrying(c: &mut Client, x: &Ctx, version: i16, pe: (i64, i16), commit: bool) -> i16 {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let code = end(c, x, version, pe, commit);
        if code != ErrorCode::CONCURRENT_TRANSACTIONS.0 || Instant::now() > deadline {
            return code;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A read_committed fetch from `offset`, where a marker is, once it is there (Kafka writes markers
/// after answering EndTxn; a fetch from before them may stop at the data, so this one starts at it).
fn marker_at(c: &mut Client, x: &Ctx, offset: i64) -> Fetched {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let f = fetch_from(c, x, 12, 1, offset);
        if f.3 > 0 || Instant::now() > deadline {
            return f;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One committed and one aborted transaction, then a fencing InitProducerId.
fn scenario(addr: &str, x: &Ctx) {
    let mut c = Client::connect(addr);
    let t =
        CreatableTopic::default().with_name(TopicName(s(&x.topic))).with_num_partitions(1).with_replication_factor(1);
    let req = CreateTopicsRequest::default().with_topics(vec![t]).with_timeout_ms(10_000);
    let ResponseKind::CreateTopics(r) = c.call(ApiKey::CreateTopics, 7, RequestKind::CreateTopics(req)) else {
        panic!()
    };
    assert_eq!(r.topics[0].error_code, 0);

    let pe = init(&mut c, x);
    // (Kafka needs a moment to elect the new topic's leader: NOT_LEADER_OR_FOLLOWER until then.)
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut early = produce(&mut c, x, pe, 0, &["early"]).0;
    while early == ErrorCode::NOT_LEADER_OR_FOLLOWER.0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        early = produce(&mut c, x, pe, 0, &["early"]).0;
    }
    assert_eq!(early, ErrorCode::INVALID_TXN_STATE.0, "not added yet");
    assert_eq!(add_partition(&mut c, x, 3, pe), 0);
    assert_eq!(produce(&mut c, x, pe, 0, &["a", "b"]), (0, 0));
    assert_eq!(fetch(&mut c, x, 12, 1), (0, Some(vec![]), vec![], 0), "nothing stable");
    assert_eq!(fetch(&mut c, x, 4, 0).2, ["a", "b"], "read_uncommitted sees the open transaction");
    assert_eq!((latest(&mut c, x, 1), latest(&mut c, x, 0)), (0, 2));
    assert_eq!(end(&mut c, x, 3, pe, true), 0);
    assert_eq!(marker_at(&mut c, x, 2), (3, Some(vec![]), vec![], 1));
    let (lso, aborted, values, _) = fetch(&mut c, x, 12, 1);
    assert_eq!((lso, aborted, values), (3, Some(vec![]), vec!["a".into(), "b".into()]));

    // An aborted one with the classic (non-flexible) versions.
    let deadline = Instant::now() + Duration::from_secs(20);
    while add_partition(&mut c, x, 0, pe) == ErrorCode::CONCURRENT_TRANSACTIONS.0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(produce(&mut c, x, pe, 2, &["x"]), (0, 3));
    assert_eq!(end(&mut c, x, 0, pe, false), 0);
    assert_eq!(end_retrying(&mut c, x, 1, pe, false), 0, "a retried abort succeeds");
    assert_eq!(marker_at(&mut c, x, 4), (5, Some(vec![(pe.0, 3)]), vec![], 1));
    let (lso, aborted, values, _) = fetch_from(&mut c, x, 12, 1, 3);
    assert_eq!((lso, aborted), (5, Some(vec![(pe.0, 3)])));
    assert_eq!(values, ["x"], "the consumer drops x using the aborted list");
    assert_eq!(fetch_from(&mut c, x, 11, 1, 3).1, Some(vec![(pe.0, 3)]), "v11 too");
    assert_eq!(fetch_from(&mut c, x, 12, 1, 5).1, Some(vec![]), "past the aborted one");
    assert_eq!(latest(&mut c, x, 1), 5);
    assert_eq!(end_retrying(&mut c, x, 3, pe, true), ErrorCode::INVALID_TXN_STATE.0, "commit of an aborted one");

    // A second producer with the same transactional id fences the first.
    let new = init(&mut c, x);
    assert_eq!(new, (pe.0, pe.1 + 1));
    assert_eq!(end(&mut c, x, 3, pe, true), ErrorCode::PRODUCER_FENCED.0);
    assert_eq!(end(&mut c, x, 1, pe, true), ErrorCode::INVALID_PRODUCER_EPOCH.0, "before v2");
    assert_eq!(produce(&mut c, x, pe, 3, &["zombie"]).0, ErrorCode::INVALID_PRODUCER_EPOCH.0);
    assert_eq!(end(&mut c, x, 3, new, true), ErrorCode::INVALID_TXN_STATE.0, "nothing begun");
    assert_eq!(end(&mut c, x, 3, (new.0 + 1000, new.1), true), ErrorCode::INVALID_PRODUCER_ID_MAPPING.0);
}

#[test]
fn a_committed_and_an_aborted_transaction_over_tcp() {
    let server = BackgroundServer::start(BrokerConfig::default(), "127.0.0.1:0").expect("server starts");
    let addr = server.local_addr().to_string();
    let x = Ctx { id: "wire-tx".into(), topic: "orders".into() };
    scenario(&addr, &x);

    // AddPartitionsToTxn v0 claiming 2^31-1 topics: the connection closes, the server stays.
    let mut body = Vec::new();
    body.extend_from_slice(&(x.id.len() as i16).to_be_bytes());
    body.extend_from_slice(x.id.as_bytes());
    body.extend_from_slice(&7i64.to_be_bytes());
    body.extend_from_slice(&0i16.to_be_bytes());
    body.extend_from_slice(&i32::MAX.to_be_bytes());
    let mut frame = Vec::new();
    let header_len = 2 + 2 + 4 + 2;
    frame.extend_from_slice(&((header_len + body.len()) as i32).to_be_bytes());
    frame.extend_from_slice(&24i16.to_be_bytes());
    frame.extend_from_slice(&0i16.to_be_bytes());
    frame.extend_from_slice(&99i32.to_be_bytes());
    frame.extend_from_slice(&(-1i16).to_be_bytes());
    frame.extend_from_slice(&body);
    let mut hostile = Client::connect(&addr);
    hostile.stream.write_all(&frame).unwrap();
    let mut buf = [0u8; 1];
    assert!(matches!(hostile.stream.read(&mut buf), Ok(0) | Err(_)), "closed");
    let mut c = Client::connect(&addr);
    assert_eq!(latest(&mut c, &x, 1), 5, "still serving");
}

/// The same scenario against Apache Kafka 4.1 (the proof that the expectations are Kafka's):
/// `KAFKETTE_APACHE_BOOTSTRAP=host:port cargo test -p kafkette --test wire_txn -- --ignored`.
#[test]
#[ignore = "needs Apache Kafka: KAFKETTE_APACHE_BOOTSTRAP"]
fn the_same_transactions_against_apache_kafka() {
    let addr = std::env::var("KAFKETTE_APACHE_BOOTSTRAP").expect("KAFKETTE_APACHE_BOOTSTRAP names a Kafka broker");
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let x = Ctx { id: format!("wire-tx-{nanos}"), topic: format!("orders-{nanos}") };
    scenario(addr.split(',').next().unwrap().trim(), &x);
}
