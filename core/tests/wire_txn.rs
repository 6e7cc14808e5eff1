//! Transactions over TCP: raw InitProducerId / AddPartitionsToTxn / Produce / EndTxn requests to a
//! server on 127.0.0.1:0, encoded with `kafka-protocol` as any client would, then read_committed
//! and read_uncommitted fetches and ListOffsets by isolation level. A hostile AddPartitionsToTxn
//! closes its connection and leaves the server serving.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use bytes::Bytes;
use kafka_protocol::messages::add_partitions_to_txn_request::AddPartitionsToTxnTopic;
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::{
    AddPartitionsToTxnRequest, ApiKey, BrokerId, CreateTopicsRequest, EndTxnRequest, FetchRequest,
    InitProducerIdRequest, ListOffsetsRequest, ProduceRequest, ProducerId, RequestKind, ResponseHeader, ResponseKind,
    TopicName, TransactionalId,
};
use kafka_protocol::protocol::{Decodable, StrBytes};
use kafkette::broker::BrokerConfig;
use kafkette::net::codec;
use kafkette::net::server::BackgroundServer;
use kafkette::protocol::Request;
use kafkette::record::{BatchBuilder, BatchIter, Compression};
use kafkette::ErrorCode;

const ID: &str = "wire-tx";

struct Client {
    stream: TcpStream,
    next_correlation: i32,
}

impl Client {
    fn connect(server: &BackgroundServer) -> Client {
        let stream = TcpStream::connect(server.local_addr()).expect("connects");
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

fn init(c: &mut Client) -> (i64, i16) {
    let req = InitProducerIdRequest::default()
        .with_transactional_id(Some(TransactionalId(s(ID))))
        .with_transaction_timeout_ms(60_000)
        .with_producer_id(ProducerId(-1))
        .with_producer_epoch(-1);
    let ResponseKind::InitProducerId(r) = c.call(ApiKey::InitProducerId, 4, RequestKind::InitProducerId(req)) else {
        panic!()
    };
    assert_eq!(r.error_code, 0, "{r:?}");
    (r.producer_id.0, r.producer_epoch)
}

fn add_partition(c: &mut Client, version: i16, pe: (i64, i16)) -> i16 {
    let req = AddPartitionsToTxnRequest::default()
        .with_v3_and_below_transactional_id(TransactionalId(s(ID)))
        .with_v3_and_below_producer_id(ProducerId(pe.0))
        .with_v3_and_below_producer_epoch(pe.1)
        .with_v3_and_below_topics(vec![AddPartitionsToTxnTopic::default()
            .with_name(TopicName(s("orders")))
            .with_partitions(vec![0])]);
    let ResponseKind::AddPartitionsToTxn(r) =
        c.call(ApiKey::AddPartitionsToTxn, version, RequestKind::AddPartitionsToTxn(req))
    else {
        panic!()
    };
    r.results_by_topic_v3_and_below[0].results_by_partition[0].partition_error_code
}

fn produce(c: &mut Client, pe: (i64, i16), seq: i32, values: &[&str]) -> (i16, i64) {
    let mut b = BatchBuilder::new(Compression::None, 1_700_000_000_000);
    for v in values {
        b.append(1_700_000_000_000, None, Some(v.as_bytes()), &[]);
    }
    let records = b.finish(pe.0, pe.1, seq, true);
    let partition = PartitionProduceData::default().with_index(0).with_records(Some(records));
    let t = TopicProduceData::default().with_name(TopicName(s("orders"))).with_partition_data(vec![partition]);
    let req = ProduceRequest::default()
        .with_transactional_id(Some(TransactionalId(s(ID))))
        .with_acks(-1)
        .with_timeout_ms(5000)
        .with_topic_data(vec![t]);
    let ResponseKind::Produce(r) = c.call(ApiKey::Produce, 9, RequestKind::Produce(req)) else { panic!() };
    let p = &r.responses[0].partition_responses[0];
    (p.error_code, p.base_offset)
}

fn end(c: &mut Client, version: i16, pe: (i64, i16), commit: bool) -> i16 {
    let req = EndTxnRequest::default()
        .with_transactional_id(TransactionalId(s(ID)))
        .with_producer_id(ProducerId(pe.0))
        .with_producer_epoch(pe.1)
        .with_committed(commit);
    let ResponseKind::EndTxn(r) = c.call(ApiKey::EndTxn, version, RequestKind::EndTxn(req)) else { panic!() };
    r.error_code
}

/// (last stable offset, aborted (pid, first offset), data values, control batch count).
type Fetched = (i64, Option<Vec<(i64, i64)>>, Vec<String>, usize);

fn fetch(c: &mut Client, version: i16, isolation: i8) -> Fetched {
    let p = FetchPartition::default().with_partition(0).with_fetch_offset(0).with_partition_max_bytes(1 << 20);
    let req = FetchRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_max_bytes(1 << 20)
        .with_isolation_level(isolation)
        .with_topics(vec![FetchTopic::default().with_topic(TopicName(s("orders"))).with_partitions(vec![p])]);
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

fn latest(c: &mut Client, isolation: i8) -> i64 {
    let t = ListOffsetsTopic::default()
        .with_name(TopicName(s("orders")))
        .with_partitions(vec![ListOffsetsPartition::default().with_partition_index(0).with_timestamp(-1)]);
    let req = ListOffsetsRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_isolation_level(isolation)
        .with_topics(vec![t]);
    let ResponseKind::ListOffsets(r) = c.call(ApiKey::ListOffsets, 7, RequestKind::ListOffsets(req)) else { panic!() };
    r.topics[0].partitions[0].offset
}

#[test]
fn a_committed_and_an_aborted_transaction_over_tcp() {
    let server = BackgroundServer::start(BrokerConfig::default(), "127.0.0.1:0").expect("server starts");
    let mut c = Client::connect(&server);
    let t =
        CreatableTopic::default().with_name(TopicName(s("orders"))).with_num_partitions(1).with_replication_factor(1);
    let req = CreateTopicsRequest::default().with_topics(vec![t]).with_timeout_ms(1000);
    let ResponseKind::CreateTopics(r) = c.call(ApiKey::CreateTopics, 7, RequestKind::CreateTopics(req)) else {
        panic!()
    };
    assert_eq!(r.topics[0].error_code, 0);

    let pe = init(&mut c);
    assert_eq!(produce(&mut c, pe, 0, &["early"]).0, ErrorCode::INVALID_TXN_STATE.0, "not added yet");
    assert_eq!(add_partition(&mut c, 3, pe), 0);
    assert_eq!(produce(&mut c, pe, 0, &["a", "b"]), (0, 0));
    assert_eq!(fetch(&mut c, 12, 1), (0, Some(vec![]), vec![], 0), "nothing stable");
    assert_eq!(fetch(&mut c, 4, 0).2, ["a", "b"], "read_uncommitted sees the open transaction");
    assert_eq!((latest(&mut c, 1), latest(&mut c, 0)), (0, 2));
    assert_eq!(end(&mut c, 3, pe, true), 0);
    assert_eq!(fetch(&mut c, 12, 1), (3, Some(vec![]), vec!["a".into(), "b".into()], 1));

    // An aborted one with the classic (non-flexible) versions.
    assert_eq!(add_partition(&mut c, 0, pe), 0);
    assert_eq!(produce(&mut c, pe, 2, &["x"]), (0, 3));
    assert_eq!(end(&mut c, 0, pe, false), 0);
    assert_eq!(end(&mut c, 1, pe, false), 0, "a retried abort succeeds");
    let (lso, aborted, values, controls) = fetch(&mut c, 12, 1);
    assert_eq!((lso, aborted, controls), (5, Some(vec![(pe.0, 3)]), 2));
    assert_eq!(values, ["a", "b", "x"], "the consumer drops x using the aborted list");
    assert_eq!(fetch(&mut c, 11, 1).1, Some(vec![(pe.0, 3)]));
    assert_eq!(latest(&mut c, 1), 5);

    // A second producer with the same transactional id fences the first.
    let new = init(&mut c);
    assert_eq!(new, (pe.0, pe.1 + 1));
    assert_eq!(end(&mut c, 3, pe, true), ErrorCode::PRODUCER_FENCED.0);

    // AddPartitionsToTxn v0 claiming 2^31-1 topics: the connection closes, the server stays.
    let mut body = Vec::new();
    body.extend_from_slice(&(ID.len() as i16).to_be_bytes());
    body.extend_from_slice(ID.as_bytes());
    body.extend_from_slice(&pe.0.to_be_bytes());
    body.extend_from_slice(&pe.1.to_be_bytes());
    body.extend_from_slice(&i32::MAX.to_be_bytes());
    let mut frame = Vec::new();
    let header_len = 2 + 2 + 4 + 2;
    frame.extend_from_slice(&((header_len + body.len()) as i32).to_be_bytes());
    frame.extend_from_slice(&24i16.to_be_bytes());
    frame.extend_from_slice(&0i16.to_be_bytes());
    frame.extend_from_slice(&99i32.to_be_bytes());
    frame.extend_from_slice(&(-1i16).to_be_bytes());
    frame.extend_from_slice(&body);
    let mut hostile = Client::connect(&server);
    hostile.stream.write_all(&frame).unwrap();
    let mut buf = [0u8; 1];
    assert!(matches!(hostile.stream.read(&mut buf), Ok(0) | Err(_)), "closed");
    assert_eq!(latest(&mut c, 1), 5, "still serving");
}
