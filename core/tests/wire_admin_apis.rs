//! DeleteRecords, DescribeConfigs, CreatePartitions and DescribeCluster over TCP with hand-built
//! frames, as any Kafka client would send them; bad input closes the connection, never the server.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use bytes::Bytes;
use kafka_protocol::messages::{ApiKey, ResponseKind};
use kafkette::broker::BrokerConfig;
use kafkette::net::codec;
use kafkette::net::server::BackgroundServer;

fn i16s(v: i16) -> Vec<u8> {
    v.to_be_bytes().to_vec()
}

fn i32s(v: i32) -> Vec<u8> {
    v.to_be_bytes().to_vec()
}

fn i64s(v: i64) -> Vec<u8> {
    v.to_be_bytes().to_vec()
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Size, header v1 (v2 with an empty tag section when flexible), body.
fn frame(key: ApiKey, version: i16, correlation_id: i32, flexible: bool, body: &[u8]) -> Vec<u8> {
    let mut f = cat(&[&i16s(key as i16), &i16s(version), &i32s(correlation_id), &i16s(-1)]);
    if flexible {
        f.push(0);
    }
    f.extend_from_slice(body);
    [&(f.len() as i32).to_be_bytes()[..], &f].concat()
}

struct Conn(TcpStream);

impl Conn {
    fn open(s: &BackgroundServer) -> Conn {
        let stream = TcpStream::connect(s.local_addr()).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Conn(stream)
    }

    fn call(&mut self, key: ApiKey, version: i16, flexible: bool, body: &[u8]) -> ResponseKind {
        self.0.write_all(&frame(key, version, 9, flexible, body)).unwrap();
        let mut size = [0u8; 4];
        self.0.read_exact(&mut size).unwrap();
        let mut buf = vec![0u8; i32::from_be_bytes(size) as usize];
        self.0.read_exact(&mut buf).unwrap();
        let (correlation_id, body) = codec::decode_response(key, version, Bytes::from(buf)).expect("decodes");
        assert_eq!(correlation_id, 9);
        body
    }

    fn is_closed(&mut self) -> bool {
        let mut b = [0u8; 1];
        match self.0.read(&mut b) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => !matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut),
        }
    }
}

/// CreateTopics v2 of `topic` with `partitions`.
fn create_topic(c: &mut Conn, topic: &str, partitions: i32) {
    let t = topic.as_bytes();
    let body =
        cat(&[&i32s(1), &i16s(t.len() as i16), t, &i32s(partitions), &i16s(1), &i32s(0), &i32s(0), &i32s(1000), &[0]]);
    let ResponseKind::CreateTopics(r) = c.call(ApiKey::CreateTopics, 2, false, &body) else { panic!() };
    assert_eq!(r.topics[0].error_code, 0);
}

/// Produce v3 of one record to partition 0, five times.
fn produce_five(c: &mut Conn, topic: &str) {
    let t = topic.as_bytes();
    for i in 0..5 {
        let mut b = kafkette::record::BatchBuilder::new(kafkette::record::Compression::None, 1000);
        b.append(1000, None, Some(format!("v{i}").as_bytes()), &[]);
        let batch = b.finish(-1, -1, -1, false);
        let body = cat(&[
            &i16s(-1),
            &i16s(1),
            &i32s(1000),
            &i32s(1),
            &i16s(t.len() as i16),
            t,
            &i32s(1),
            &i32s(0),
            &i32s(batch.len() as i32),
            &batch,
        ]);
        let ResponseKind::Produce(r) = c.call(ApiKey::Produce, 3, false, &body) else { panic!() };
        assert_eq!(r.responses[0].partition_responses[0].error_code, 0);
    }
}

#[test]
fn delete_records_v0_and_v2_by_hand() {
    let s = BackgroundServer::start(BrokerConfig::default(), "127.0.0.1:0").unwrap();
    let mut c = Conn::open(&s);
    create_topic(&mut c, "d", 1);
    produce_five(&mut c, "d");
    // v0: topics [name "d", partitions [0 -> 3, 7 -> 0]], timeout.
    let body = cat(&[&i32s(1), &i16s(1), b"d", &i32s(2), &i32s(0), &i64s(3), &i32s(7), &i64s(0), &i32s(1000)]);
    let ResponseKind::DeleteRecords(r) = c.call(ApiKey::DeleteRecords, 0, false, &body) else { panic!() };
    let got: Vec<(i32, i64, i16)> =
        r.topics[0].partitions.iter().map(|p| (p.partition_index, p.low_watermark, p.error_code)).collect();
    assert_eq!(got, [(0, 3, 0), (7, -1, 3)]);
    // v2 (compact): -1 moves to the high watermark (5); 6 is beyond it.
    let body = cat(&[&[2, 2], b"d", &[3], &i32s(0), &i64s(-1), &[0], &i32s(0), &i64s(6), &[0, 0], &i32s(1000), &[0]]);
    let ResponseKind::DeleteRecords(r) = c.call(ApiKey::DeleteRecords, 2, true, &body) else { panic!() };
    let got: Vec<(i64, i16)> = r.topics[0].partitions.iter().map(|p| (p.low_watermark, p.error_code)).collect();
    assert_eq!(got, [(5, 0), (-1, 1)]);
}

#[test]
fn describe_cluster_create_partitions_and_describe_configs_by_hand() {
    let s = BackgroundServer::start_nodes(BrokerConfig::default(), "127.0.0.1:0".parse().unwrap(), 3).unwrap();
    let mut c = Conn::open(&s);
    // DescribeCluster v0: include_cluster_authorized_operations false, no tags.
    let ResponseKind::DescribeCluster(r) = c.call(ApiKey::DescribeCluster, 0, true, &[0, 0]) else { panic!() };
    assert_eq!((r.error_code, r.brokers.len(), r.cluster_authorized_operations), (0, 3, i32::MIN));
    create_topic(&mut c, "g", 1);
    // CreatePartitions v0: [g -> 4, null assignments], timeout, validate_only false.
    let body = cat(&[&i32s(1), &i16s(1), b"g", &i32s(4), &i32s(-1), &i32s(1000), &[0]]);
    let ResponseKind::CreatePartitions(r) = c.call(ApiKey::CreatePartitions, 0, false, &body) else { panic!() };
    assert_eq!(r.results[0].error_code, 0);
    // v3 (compact) with an assignment naming broker 9: INVALID_REPLICA_ASSIGNMENT.
    let body = cat(&[&[2, 2], b"g", &i32s(5), &[2, 2], &i32s(9), &[0, 0, 0], &i32s(1000), &[0], &[0]]);
    let ResponseKind::CreatePartitions(r) = c.call(ApiKey::CreatePartitions, 3, true, &body) else { panic!() };
    assert_eq!(r.results[0].error_code, 39);
    assert!(r.results[0].error_message.as_deref().unwrap().contains("broker 9"));
    // DescribeConfigs v1: [topic g, keys [retention.ms]], include_synonyms false.
    let body = cat(&[&i32s(1), &[2], &i16s(1), b"g", &i32s(1), &i16s(12), b"retention.ms", &[0]]);
    let ResponseKind::DescribeConfigs(r) = c.call(ApiKey::DescribeConfigs, 1, false, &body) else { panic!() };
    let names: Vec<&str> = r.results[0].configs.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["retention.ms"]);
    // Resource type 3 (UNKNOWN... not ours): INVALID_REQUEST.
    let body = cat(&[&i32s(1), &[3], &i16s(1), b"g", &i32s(-1), &[0]]);
    let ResponseKind::DescribeConfigs(r) = c.call(ApiKey::DescribeConfigs, 1, false, &body) else { panic!() };
    assert_eq!(r.results[0].error_code, 42);
}

#[test]
fn hostile_counts_and_unknown_versions_close_the_connection() {
    let max_i32 = [0x7f, 0xff, 0xff, 0xff];
    let max_uvarint = [0xff, 0xff, 0xff, 0xff, 0x0f];
    let cases: Vec<(&str, ApiKey, i16, bool, Vec<u8>)> = vec![
        ("delete records v0 partitions", ApiKey::DeleteRecords, 0, false, cat(&[&i32s(1), &i16s(1), b"t", &max_i32])),
        ("delete records v2 topics", ApiKey::DeleteRecords, 2, true, max_uvarint.to_vec()),
        (
            "describe configs v1 keys",
            ApiKey::DescribeConfigs,
            1,
            false,
            cat(&[&i32s(1), &[2], &i16s(1), b"t", &max_i32]),
        ),
        ("describe configs v4 resources", ApiKey::DescribeConfigs, 4, true, max_uvarint.to_vec()),
        (
            "create partitions v3 broker ids",
            ApiKey::CreatePartitions,
            3,
            true,
            cat(&[&[2, 2], b"t", &i32s(5), &[2], &max_uvarint]),
        ),
        ("create partitions v0 topics", ApiKey::CreatePartitions, 0, false, max_i32.to_vec()),
        ("describe configs v0 (gone from Kafka 4)", ApiKey::DescribeConfigs, 0, false, cat(&[&i32s(0)])),
        ("create partitions v4 (unknown)", ApiKey::CreatePartitions, 4, true, vec![1, 0, 0, 0, 0, 0, 0]),
        ("describe cluster truncated", ApiKey::DescribeCluster, 1, true, vec![]),
    ];
    let s = BackgroundServer::start(BrokerConfig::default(), "127.0.0.1:0").unwrap();
    let mut bystander = Conn::open(&s);
    for (what, key, version, flexible, body) in cases {
        let mut c = Conn::open(&s);
        c.0.write_all(&frame(key, version, 7, flexible, &body)).unwrap();
        assert!(c.is_closed(), "{what}");
        let ResponseKind::DescribeCluster(r) = bystander.call(ApiKey::DescribeCluster, 0, true, &[0, 0]) else {
            panic!()
        };
        assert_eq!(r.error_code, 0, "after {what}");
    }
}
