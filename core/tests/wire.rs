//! The broker over TCP: a server on 127.0.0.1:0 in this process, spoken to with a raw socket and
//! `kafka-protocol` encoding, as any Kafka client would. Bad input must close the connection (or
//! get a Kafka error) and leave the server serving everyone else.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use bytes::Bytes;
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, CreateTopicsRequest, FetchRequest, InitProducerIdRequest, MetadataRequest,
    ProduceRequest, RequestKind, ResponseKind, TopicName,
};
use kafka_protocol::protocol::StrBytes;
use kafkette::broker::BrokerConfig;
use kafkette::net::codec;
use kafkette::net::server::BackgroundServer;
use kafkette::protocol::Request;
use kafkette::record::{BatchBuilder, Compression};
use kafkette::ErrorCode;

const WAIT: Duration = Duration::from_secs(10);

fn server() -> BackgroundServer {
    server_with(BrokerConfig::default())
}

fn server_with(config: BrokerConfig) -> BackgroundServer {
    BackgroundServer::start(config, "127.0.0.1:0").expect("server starts")
}

struct Client {
    stream: TcpStream,
    next_correlation: i32,
}

impl Client {
    fn connect(server: &BackgroundServer) -> Client {
        Client::connect_to(server.local_addr())
    }

    fn connect_to(addr: std::net::SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).expect("connects");
        stream.set_read_timeout(Some(WAIT)).unwrap();
        Client { stream, next_correlation: 1 }
    }

    fn send(&mut self, version: i16, body: RequestKind) -> i32 {
        let correlation_id = self.next_correlation;
        self.next_correlation += 1;
        let request = Request { api_version: version, correlation_id, client_id: Some("wire-test".into()), body };
        self.stream.write_all(&codec::encode_request(&request).expect("encodes")).unwrap();
        correlation_id
    }

    fn recv_frame(&mut self) -> std::io::Result<Bytes> {
        let mut size = [0u8; 4];
        self.stream.read_exact(&mut size)?;
        let mut frame = vec![0u8; i32::from_be_bytes(size) as usize];
        self.stream.read_exact(&mut frame)?;
        Ok(Bytes::from(frame))
    }

    fn recv(&mut self, key: ApiKey, version: i16) -> (i32, ResponseKind) {
        let frame = self.recv_frame().expect("a response");
        codec::decode_response(key, version, frame).expect("decodes")
    }

    fn call(&mut self, key: ApiKey, version: i16, body: RequestKind) -> ResponseKind {
        let sent = self.send(version, body);
        let (correlation_id, body) = self.recv(key, version);
        assert_eq!(correlation_id, sent);
        body
    }

    /// The server closed the connection (EOF or reset) without sending anything more.
    fn is_closed(&mut self) -> bool {
        let mut buf = [0u8; 1];
        match self.stream.read(&mut buf) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => !matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut),
        }
    }
}

fn name(s: &str) -> TopicName {
    TopicName(StrBytes::from_string(s.to_string()))
}

fn api_versions(c: &mut Client) -> ErrorCode {
    let ResponseKind::ApiVersions(r) =
        c.call(ApiKey::ApiVersions, 3, RequestKind::ApiVersions(ApiVersionsRequest::default()))
    else {
        panic!("not an ApiVersions response")
    };
    ErrorCode(r.error_code)
}

fn create_topic(c: &mut Client, topic: &str, partitions: i32) {
    let t = CreatableTopic::default().with_name(name(topic)).with_num_partitions(partitions).with_replication_factor(1);
    let req = CreateTopicsRequest::default().with_topics(vec![t]).with_timeout_ms(1000);
    let ResponseKind::CreateTopics(r) = c.call(ApiKey::CreateTopics, 7, RequestKind::CreateTopics(req)) else {
        panic!()
    };
    assert_eq!(ErrorCode(r.topics[0].error_code), ErrorCode::NONE, "{r:?}");
}

fn batch(values: &[&str]) -> Bytes {
    let mut b = BatchBuilder::new(Compression::None, 1_700_000_000_000);
    for (i, v) in values.iter().enumerate() {
        b.append(1_700_000_000_000 + i as i64, Some(format!("k{i}").as_bytes()), Some(v.as_bytes()), &[]);
    }
    b.finish(-1, -1, -1, false)
}

/// A batch as the broker stores it: the same bytes with the partition leader epoch (bytes 12..16,
/// outside the CRC) stamped with the leader's epoch, 0, as Kafka stamps it.
fn stamped(batch: &Bytes) -> Bytes {
    let mut b = batch.to_vec();
    b[12..16].copy_from_slice(&0i32.to_be_bytes());
    Bytes::from(b)
}

fn produce_request(topic: &str, acks: i16, records: Bytes) -> RequestKind {
    let partition = PartitionProduceData::default().with_index(0).with_records(Some(records));
    let t = TopicProduceData::default().with_name(name(topic)).with_partition_data(vec![partition]);
    RequestKind::Produce(ProduceRequest::default().with_acks(acks).with_timeout_ms(5000).with_topic_data(vec![t]))
}

/// (error code, base offset) of a one-partition produce.
fn produce(c: &mut Client, version: i16, topic: &str, records: Bytes) -> (ErrorCode, i64) {
    let ResponseKind::Produce(r) = c.call(ApiKey::Produce, version, produce_request(topic, 1, records)) else {
        panic!()
    };
    let p = &r.responses[0].partition_responses[0];
    (ErrorCode(p.error_code), p.base_offset)
}

fn fetch_request(topic: &str, offset: i64, max_wait_ms: i32) -> RequestKind {
    let partition =
        FetchPartition::default().with_partition(0).with_fetch_offset(offset).with_partition_max_bytes(1 << 20);
    let t = FetchTopic::default().with_topic(name(topic)).with_partitions(vec![partition]);
    RequestKind::Fetch(
        FetchRequest::default()
            .with_max_wait_ms(max_wait_ms)
            .with_min_bytes(1)
            .with_max_bytes(1 << 20)
            .with_topics(vec![t]),
    )
}

fn fetched_records(r: &ResponseKind) -> Bytes {
    let ResponseKind::Fetch(r) = r else { panic!("not a fetch response") };
    let p = &r.responses[0].partitions[0];
    assert_eq!(ErrorCode(p.error_code), ErrorCode::NONE, "{p:?}");
    p.records.clone().unwrap_or_default()
}

/// A raw request frame: size, header v1 (or v2 with an empty tag section), body.
fn raw_frame(key: i16, version: i16, correlation_id: i32, flexible: bool, body: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&key.to_be_bytes());
    f.extend_from_slice(&version.to_be_bytes());
    f.extend_from_slice(&correlation_id.to_be_bytes());
    f.extend_from_slice(&(-1i16).to_be_bytes());
    if flexible {
        f.push(0);
    }
    f.extend_from_slice(body);
    [&(f.len() as i32).to_be_bytes()[..], &f].concat()
}

#[test]
fn api_versions_including_a_version_too_new() {
    let s = server();
    let mut c = Client::connect(&s);
    let ResponseKind::ApiVersions(r) =
        c.call(ApiKey::ApiVersions, 3, RequestKind::ApiVersions(ApiVersionsRequest::default()))
    else {
        panic!()
    };
    assert_eq!(r.error_code, 0);
    let produce = r.api_keys.iter().find(|k| k.api_key == ApiKey::Produce as i16).expect("produce");
    // Listed from v0 as Apache Kafka 4 does (older librdkafka compresses only then); a Produce v0-v2
    // still closes the connection (bad_frames_close_the_connection_and_the_server_keeps_serving).
    assert_eq!((produce.min_version, produce.max_version), (0, 9));

    // v127 with a body nobody can parse: answered at v0 (header v0) with UNSUPPORTED_VERSION.
    c.stream.write_all(&raw_frame(18, 127, 42, true, &[0xde, 0xad, 0xbe, 0xef])).unwrap();
    let (correlation_id, body) = c.recv(ApiKey::ApiVersions, 0);
    assert_eq!(correlation_id, 42);
    let ResponseKind::ApiVersions(r) = body else { panic!() };
    assert_eq!(ErrorCode(r.error_code), ErrorCode::UNSUPPORTED_VERSION);
    assert!(r.api_keys.iter().any(|k| k.api_key == ApiKey::ApiVersions as i16 && k.max_version == 3));
    // The connection goes on.
    assert_eq!(api_versions(&mut c), ErrorCode::NONE);
}

#[test]
fn metadata_advertises_the_bound_port() {
    let s = server();
    let mut c = Client::connect(&s);
    for version in [1, 9, 12] {
        let req = MetadataRequest::default().with_topics(Some(vec![]));
        let ResponseKind::Metadata(r) = c.call(ApiKey::Metadata, version, RequestKind::Metadata(req)) else { panic!() };
        assert_eq!(r.brokers.len(), 1);
        assert_eq!(r.brokers[0].host.as_str(), "127.0.0.1");
        assert_eq!(r.brokers[0].port, s.local_addr().port() as i32, "v{version}");
    }
}

#[test]
fn create_produce_fetch_byte_exact() {
    let s = server();
    let mut c = Client::connect(&s);
    create_topic(&mut c, "orders", 1);
    let sent = batch(&["a", "b", "c"]);
    assert_eq!(produce(&mut c, 9, "orders", sent.clone()), (ErrorCode::NONE, 0));
    assert_eq!(produce(&mut c, 3, "orders", batch(&["d"])), (ErrorCode::NONE, 3));
    for version in [4, 11, 12] {
        let got = fetched_records(&c.call(ApiKey::Fetch, version, fetch_request("orders", 0, 0)));
        assert_eq!(got.slice(..sent.len()), stamped(&sent), "fetch v{version}");
    }
    let req = MetadataRequest::default()
        .with_topics(Some(vec![MetadataRequestTopic::default().with_name(Some(name("orders")))]));
    let ResponseKind::Metadata(r) = c.call(ApiKey::Metadata, 12, RequestKind::Metadata(req)) else { panic!() };
    assert_eq!(r.topics[0].partitions.len(), 1);
}

#[test]
fn idempotent_producer_over_tcp_a_retry_gets_the_original_offset() {
    let s = server();
    let mut c = Client::connect(&s);
    create_topic(&mut c, "idem", 1);
    // v0 (classic header) and v2, v4 (flexible): each call a fresh producer id at epoch 0.
    let mut ids = Vec::new();
    for version in [0, 2, 4] {
        // kafka-protocol's default transactional_id is "", not null: idempotent clients send null.
        let req = InitProducerIdRequest::default().with_transactional_id(None).with_transaction_timeout_ms(60_000);
        let ResponseKind::InitProducerId(r) = c.call(ApiKey::InitProducerId, version, RequestKind::InitProducerId(req))
        else {
            panic!()
        };
        assert_eq!((ErrorCode(r.error_code), r.producer_epoch), (ErrorCode::NONE, 0), "v{version}");
        ids.push(r.producer_id.0);
    }
    assert_eq!(ids, [0, 1, 2]);
    let idem = |seq: i32, values: &[&str]| {
        let mut b = BatchBuilder::new(Compression::None, 1_700_000_000_000);
        for v in values {
            b.append(1_700_000_000_000, None, Some(v.as_bytes()), &[]);
        }
        b.finish(ids[2], 0, seq, false)
    };
    assert_eq!(produce(&mut c, 9, "idem", idem(0, &["a", "b"])), (ErrorCode::NONE, 0));
    assert_eq!(produce(&mut c, 9, "idem", idem(2, &["c"])), (ErrorCode::NONE, 2));
    // The response to the first was "lost": the retry is answered with its original offset.
    assert_eq!(produce(&mut c, 9, "idem", idem(0, &["a", "b"])), (ErrorCode::NONE, 0));
    assert_eq!(produce(&mut c, 3, "idem", idem(5, &["d"])), (ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER, -1));
    assert_eq!(produce(&mut c, 9, "idem", idem(3, &["d"])), (ErrorCode::NONE, 3));
}

#[test]
fn a_parked_fetch_is_released_by_a_produce_on_another_connection() {
    let s = server();
    let mut consumer = Client::connect(&s);
    let mut producer = Client::connect(&s);
    create_topic(&mut producer, "t", 1);
    let fetch = consumer.send(12, fetch_request("t", 0, 30_000));
    let start = Instant::now();
    while s.with_broker(|b| b.parked_fetches()) == 0 {
        assert!(start.elapsed() < WAIT, "the fetch never parked");
        std::thread::sleep(Duration::from_millis(5));
    }
    let sent = batch(&["x"]);
    assert_eq!(produce(&mut producer, 9, "t", sent.clone()), (ErrorCode::NONE, 0));
    let (correlation_id, body) = consumer.recv(ApiKey::Fetch, 12);
    assert_eq!(correlation_id, fetch);
    assert_eq!(fetched_records(&body), stamped(&sent));
    assert!(start.elapsed() < Duration::from_secs(5), "released by the produce, not the deadline");
}

#[test]
fn a_parked_fetch_expires_at_its_deadline() {
    let s = server();
    let mut c = Client::connect(&s);
    create_topic(&mut c, "t", 1);
    let start = Instant::now();
    let body = c.call(ApiKey::Fetch, 12, fetch_request("t", 0, 200));
    assert!(fetched_records(&body).is_empty());
    assert!(start.elapsed() >= Duration::from_millis(190), "{:?}", start.elapsed());
}

#[test]
fn acks_zero_gets_no_response_and_the_next_request_is_answered() {
    let s = server();
    let mut c = Client::connect(&s);
    create_topic(&mut c, "t", 1);
    c.send(9, produce_request("t", 0, batch(&["silent"])));
    assert_eq!(api_versions(&mut c), ErrorCode::NONE);
    assert_eq!(s.with_broker(|b| b.partition("t", 0).unwrap().log_end_offset()), 1);
}

/// A failed acks=0 produce closes the connection (the broker's `poll_close`), as Kafka does so that
/// the producer notices.
#[test]
fn a_failed_acks_zero_produce_closes_the_connection() {
    let s = server();
    let mut c = Client::connect(&s);
    create_topic(&mut c, "t", 1);
    let partition = PartitionProduceData::default().with_index(99).with_records(Some(batch(&["lost"])));
    let t = TopicProduceData::default().with_name(name("t")).with_partition_data(vec![partition]);
    let req = ProduceRequest::default().with_acks(0).with_timeout_ms(1000).with_topic_data(vec![t]);
    c.send(9, RequestKind::Produce(req));
    assert!(c.is_closed());
    let mut other = Client::connect(&s);
    assert_eq!(api_versions(&mut other), ErrorCode::NONE);
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let s = server();
    let mut c = Client::connect(&s);
    create_topic(&mut c, "t", 1);
    let mut sent = Vec::new();
    for i in 0..20 {
        let (key, id) = match i % 3 {
            0 => (ApiKey::ApiVersions, c.send(3, RequestKind::ApiVersions(ApiVersionsRequest::default()))),
            1 => (ApiKey::Metadata, c.send(12, RequestKind::Metadata(MetadataRequest::default()))),
            _ => (ApiKey::Produce, c.send(9, produce_request("t", 1, batch(&["p"])))),
        };
        sent.push((key, id));
    }
    let versions = |k| match k {
        ApiKey::ApiVersions => 3,
        ApiKey::Metadata => 12,
        _ => 9,
    };
    for (key, id) in sent {
        let (got, _) = c.recv(key, versions(key));
        assert_eq!(got, id);
    }
}

#[test]
fn bad_frames_close_the_connection_and_the_server_keeps_serving() {
    let s = server_with(BrokerConfig::from_pairs([("socket.request.max.bytes", "1024")]).unwrap());
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("negative size", (-5i32).to_be_bytes().to_vec()),
        ("oversized", [&2000i32.to_be_bytes()[..], &[0u8; 16]].concat()),
        ("unknown api key", raw_frame(9999, 0, 1, false, &[])),
        ("known but unsupported api", raw_frame(ApiKey::SaslHandshake as i16, 1, 1, false, &[0; 32])),
        ("unsupported version", raw_frame(0, 2, 1, false, &[0; 32])),
        ("header shorter than 8 bytes", [&4i32.to_be_bytes()[..], &[0, 18, 0, 3]].concat()),
        ("body that does not decode", raw_frame(3, 1, 1, false, &[0, 0, 0, 1, 0])),
    ];
    for (what, bytes) in cases {
        let mut c = Client::connect(&s);
        c.stream.write_all(&bytes).unwrap();
        assert!(c.is_closed(), "{what}");
        let mut other = Client::connect(&s);
        assert_eq!(api_versions(&mut other), ErrorCode::NONE, "after {what}");
    }
    // A frame cut short by the peer.
    let mut c = Client::connect(&s);
    c.stream.write_all(&[0, 0, 0, 100, 0, 18, 0, 3]).unwrap();
    c.stream.shutdown(Shutdown::Write).unwrap();
    assert!(c.is_closed(), "truncated");
    let mut other = Client::connect(&s);
    assert_eq!(api_versions(&mut other), ErrorCode::NONE);
}

#[test]
fn a_corrupted_batch_gets_corrupt_message() {
    let s = server();
    let mut c = Client::connect(&s);
    create_topic(&mut c, "t", 1);
    let good = batch(&["a", "b"]);
    let mut bad = good.to_vec();
    let last = bad.len() - 1;
    bad[last] ^= 0xff;
    assert_eq!(produce(&mut c, 9, "t", Bytes::from(bad)).0, ErrorCode::CORRUPT_MESSAGE);
    assert_eq!(produce(&mut c, 9, "t", good), (ErrorCode::NONE, 0));
}

/// Requests claiming 2^31-1 (non-compact) or 2^32-2 (compact) array elements, at the top level and
/// nested: each would make the unguarded decoder abort the process on allocation.
#[test]
fn hostile_array_counts_close_the_connection_not_the_process() {
    let max_i32 = [0x7f, 0xff, 0xff, 0xff];
    let max_uvarint = [0xff, 0xff, 0xff, 0xff, 0x0f];
    let i16s = |v: i16| v.to_be_bytes().to_vec();
    let i32s = |v: i32| v.to_be_bytes().to_vec();
    let cat = |parts: &[&[u8]]| parts.concat();
    let cases: Vec<(&str, ApiKey, i16, bool, Vec<u8>)> = vec![
        ("produce v3 topics", ApiKey::Produce, 3, false, cat(&[&i16s(-1), &i16s(1), &i32s(1000), &max_i32])),
        (
            "produce v3 partitions",
            ApiKey::Produce,
            3,
            false,
            cat(&[&i16s(-1), &i16s(1), &i32s(1000), &i32s(1), &i16s(1), b"t", &max_i32]),
        ),
        (
            "produce v9 partitions (compact)",
            ApiKey::Produce,
            9,
            true,
            cat(&[&[0], &i16s(1), &i32s(1000), &[2, 2], b"t", &max_uvarint]),
        ),
        (
            "fetch v4 topics",
            ApiKey::Fetch,
            4,
            false,
            cat(&[&i32s(-1), &i32s(500), &i32s(1), &i32s(1 << 20), &[0], &max_i32]),
        ),
        (
            "fetch v12 partitions (compact)",
            ApiKey::Fetch,
            12,
            true,
            cat(&[
                &i32s(-1),
                &i32s(500),
                &i32s(1),
                &i32s(1 << 20),
                &[0],
                &i32s(0),
                &i32s(-1),
                &[2, 2],
                b"t",
                &max_uvarint,
            ]),
        ),
        ("metadata v1 topics", ApiKey::Metadata, 1, false, max_i32.to_vec()),
        ("metadata v12 topics (compact)", ApiKey::Metadata, 12, true, cat(&[&max_uvarint, &[1, 0, 0]])),
        (
            "create topics v2 configs",
            ApiKey::CreateTopics,
            2,
            false,
            cat(&[&i32s(1), &i16s(1), b"t", &i32s(1), &i16s(1), &i32s(0), &max_i32]),
        ),
        (
            "create topics v7 broker ids (compact, three levels down)",
            ApiKey::CreateTopics,
            7,
            true,
            cat(&[&[2, 2], b"t", &i32s(1), &i16s(1), &[2], &i32s(0), &max_uvarint]),
        ),
        ("delete topics v1 names", ApiKey::DeleteTopics, 1, false, max_i32.to_vec()),
        ("list offsets v1 topics", ApiKey::ListOffsets, 1, false, cat(&[&i32s(-1), &max_i32])),
    ];
    let s = server();
    let mut bystander = Client::connect(&s);
    for (what, key, version, flexible, body) in cases {
        let mut c = Client::connect(&s);
        c.stream.write_all(&raw_frame(key as i16, version, 7, flexible, &body)).unwrap();
        assert!(c.is_closed(), "{what}");
        assert_eq!(api_versions(&mut bystander), ErrorCode::NONE, "after {what}");
    }
}

#[test]
fn shutdown_closes_connections() {
    let s = server();
    let mut c = Client::connect(&s);
    assert_eq!(api_versions(&mut c), ErrorCode::NONE);
    s.shutdown().unwrap();
    assert!(c.is_closed());
}

/// `--brokers 3`: three listeners, three nodes in Metadata, partition leaders spread over them,
/// and a partition's Produce, Fetch and ListOffsets answered only by its leader.
#[test]
fn three_nodes_spread_leaders_and_refuse_what_they_do_not_lead() {
    use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
    use kafka_protocol::messages::ListOffsetsRequest;

    let s = BackgroundServer::start_nodes(BrokerConfig::default(), "127.0.0.1:0".parse().unwrap(), 3).unwrap();
    let addrs = s.local_addrs().to_vec();
    assert_eq!(addrs.len(), 3);
    let mut clients: Vec<Client> = addrs.iter().map(|a| Client::connect_to(*a)).collect();
    create_topic(&mut clients[0], "spread", 6);

    let req = MetadataRequest::default().with_topics(None);
    let ResponseKind::Metadata(md) = clients[1].call(ApiKey::Metadata, 12, RequestKind::Metadata(req)) else {
        panic!()
    };
    let brokers: Vec<(i32, i32)> = md.brokers.iter().map(|b| (b.node_id.0, b.port)).collect();
    let want: Vec<(i32, i32)> = addrs.iter().enumerate().map(|(i, a)| (i as i32, a.port() as i32)).collect();
    assert_eq!(brokers, want);
    let leaders: Vec<i32> = md.topics[0].partitions.iter().map(|p| p.leader_id.0).collect();
    assert_eq!(leaders.len(), 6);
    for node in 0..3 {
        assert_eq!(leaders.iter().filter(|l| **l == node).count(), 2, "{leaders:?}");
    }

    for (partition, leader) in leaders.iter().enumerate() {
        let partition = partition as i32;
        for (node, c) in clients.iter_mut().enumerate() {
            let is_leader = node as i32 == *leader;
            let want = if is_leader { ErrorCode::NONE } else { ErrorCode::NOT_LEADER_OR_FOLLOWER };

            let records = PartitionProduceData::default().with_index(partition).with_records(Some(batch(&["v"])));
            let t = TopicProduceData::default().with_name(name("spread")).with_partition_data(vec![records]);
            let req = ProduceRequest::default().with_acks(1).with_timeout_ms(1000).with_topic_data(vec![t]);
            let ResponseKind::Produce(r) = c.call(ApiKey::Produce, 9, RequestKind::Produce(req)) else { panic!() };
            assert_eq!(
                ErrorCode(r.responses[0].partition_responses[0].error_code),
                want,
                "produce p{partition} via {node}"
            );

            let fp = FetchPartition::default().with_partition(partition).with_partition_max_bytes(1 << 20);
            let ft = FetchTopic::default().with_topic(name("spread")).with_partitions(vec![fp]);
            let req = FetchRequest::default().with_max_wait_ms(0).with_max_bytes(1 << 20).with_topics(vec![ft]);
            let ResponseKind::Fetch(r) = c.call(ApiKey::Fetch, 12, RequestKind::Fetch(req)) else { panic!() };
            assert_eq!(ErrorCode(r.responses[0].partitions[0].error_code), want, "fetch p{partition} via {node}");

            let lp = ListOffsetsPartition::default().with_partition_index(partition).with_timestamp(-1);
            let lt = ListOffsetsTopic::default().with_name(name("spread")).with_partitions(vec![lp]);
            let req = ListOffsetsRequest::default().with_topics(vec![lt]);
            let ResponseKind::ListOffsets(r) = c.call(ApiKey::ListOffsets, 7, RequestKind::ListOffsets(req)) else {
                panic!()
            };
            let p = &r.topics[0].partitions[0];
            assert_eq!(ErrorCode(p.error_code), want, "list offsets p{partition} via {node}");
            if is_leader {
                assert_eq!(p.offset, 1);
            }
        }
    }

    // A fetch parked on a partition's leader is released by a produce through the same node.
    let (partition, leader) = (0, leaders[0] as usize);
    let mut waiting = Client::connect_to(addrs[leader]);
    let fp = FetchPartition::default().with_partition(partition).with_fetch_offset(1).with_partition_max_bytes(1 << 20);
    let ft = FetchTopic::default().with_topic(name("spread")).with_partitions(vec![fp]);
    let req = FetchRequest::default()
        .with_max_wait_ms(30_000)
        .with_min_bytes(1)
        .with_max_bytes(1 << 20)
        .with_topics(vec![ft]);
    let sent = waiting.send(12, RequestKind::Fetch(req));
    let start = Instant::now();
    while s.with_broker(|b| b.parked_fetches()) == 0 {
        assert!(start.elapsed() < WAIT, "the fetch never parked");
        std::thread::sleep(Duration::from_millis(5));
    }
    let records = PartitionProduceData::default().with_index(partition).with_records(Some(batch(&["late"])));
    let t = TopicProduceData::default().with_name(name("spread")).with_partition_data(vec![records]);
    let req = ProduceRequest::default().with_acks(1).with_timeout_ms(1000).with_topic_data(vec![t]);
    let ResponseKind::Produce(r) = clients[leader].call(ApiKey::Produce, 9, RequestKind::Produce(req)) else {
        panic!()
    };
    assert_eq!(r.responses[0].partition_responses[0].base_offset, 1);
    let (correlation_id, body) = waiting.recv(ApiKey::Fetch, 12);
    assert_eq!(correlation_id, sent);
    assert!(!fetched_records(&body).is_empty());
    assert!(start.elapsed() < Duration::from_secs(5));
}
