//! Our blocking clients over TCP against the real TCP server (`net::server`, what
//! `kafkette serve` runs), not a test double.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use kafkette::admin::{AdminResult, OffsetSpec};
use kafkette::broker::BrokerConfig;
use kafkette::consumer::{ConsumerRecord, TopicPartition};
use kafkette::local::{Admin, Consumer, Producer};
use kafkette::net::server::BackgroundServer;
use kafkette::producer::{ProducerEvent, ProducerRecord};
use kafkette::record::RecordHeader;
use kafkette::ErrorCode;

const WAIT: Duration = Duration::from_secs(15);

fn server() -> BackgroundServer {
    BackgroundServer::start(BrokerConfig::default(), "127.0.0.1:0").expect("server starts")
}

fn rec(topic: &str, i: usize, codec_note: &str) -> ProducerRecord {
    ProducerRecord {
        topic: topic.into(),
        partition: None,
        key: Some(Bytes::from(format!("k{i}"))),
        value: Some(Bytes::from(format!("v{i} {codec_note}"))),
        headers: vec![
            RecordHeader { key: Bytes::from_static(b"dup"), value: Some(Bytes::from_static(b"a")) },
            RecordHeader { key: Bytes::from_static(b"dup"), value: None },
        ],
        timestamp: None,
    }
}

fn consume_n(consumer: &mut Consumer, n: usize) -> Vec<ConsumerRecord> {
    let mut out = Vec::new();
    let deadline = Instant::now() + WAIT;
    while out.len() < n && Instant::now() < deadline {
        out.extend(consumer.poll(Duration::from_millis(200)).unwrap());
    }
    out
}

#[test]
fn produce_consume_and_admin_over_the_tcp_server() {
    let srv = server();
    let bootstrap = srv.bootstrap_servers();
    let mut admin = Admin::new([("bootstrap.servers", bootstrap.as_str())]).unwrap();
    admin.create_topic("events", 4, &[]).unwrap();
    assert_eq!(admin.create_topic("events", 4, &[]).unwrap_err().code(), ErrorCode::TOPIC_ALREADY_EXISTS);
    match admin.list_topics().unwrap() {
        AdminResult::ListTopics(t) => assert!(t.iter().any(|t| t.name == "events" && t.partitions == 4)),
        other => panic!("{other:?}"),
    }

    for (round, codec) in ["none", "gzip", "snappy", "lz4", "zstd"].into_iter().enumerate() {
        let mut p =
            Producer::new([("bootstrap.servers", bootstrap.as_str()), ("compression.type", codec), ("linger.ms", "5")])
                .unwrap();
        for i in 0..500 {
            p.send(rec("events", i, codec)).unwrap();
        }
        p.flush(WAIT).unwrap();
        let reports: HashMap<u64, (i32, i64)> = p
            .take_events()
            .into_iter()
            .map(|ProducerEvent::Delivery { id, result }| {
                let md = result.unwrap();
                (id, (md.partition, md.offset))
            })
            .collect();
        assert_eq!(reports.len(), 500);

        let mut c =
            Consumer::new([("bootstrap.servers", bootstrap.as_str()), ("auto.offset.reset", "earliest")]).unwrap();
        c.assign((0..4).map(|p| (TopicPartition::new("events", p), None)).collect());
        let got: Vec<ConsumerRecord> = consume_n(&mut c, 500 * (round + 1))
            .into_iter()
            .filter(|r| r.value.as_deref().is_some_and(|v| v.ends_with(codec.as_bytes())))
            .collect();
        assert_eq!(got.len(), 500, "{codec}");
        let by_pos: HashMap<(i32, i64), &ConsumerRecord> = got.iter().map(|r| ((r.partition, r.offset), r)).collect();
        for (id, pos) in &reports {
            let r = by_pos[pos];
            assert_eq!(r.key.as_deref(), Some(format!("k{id}").as_bytes()));
            assert_eq!(r.headers.len(), 2);
        }
    }

    match admin.list_offsets(vec![(TopicPartition::new("events", 0), OffsetSpec::Earliest)], false).unwrap() {
        AdminResult::ListOffsets(res) => assert_eq!(res[0].1.as_ref().unwrap().offset, 0),
        other => panic!("{other:?}"),
    }
    admin.delete_topics(vec!["events".into()]).unwrap();
    assert!(srv.with_broker(|b| b.topic("events").is_none()));
}

#[test]
fn clients_survive_a_server_restart_on_the_same_port() {
    let srv = server();
    let addr = srv.bootstrap_servers();
    let mut p = Producer::new([
        ("bootstrap.servers", addr.as_str()),
        ("linger.ms", "0"),
        ("retry.backoff.ms", "20"),
        ("reconnect.backoff.ms", "20"),
    ])
    .unwrap();
    p.send(rec("r", 0, "")).unwrap();
    p.flush(WAIT).unwrap();
    assert_eq!(p.take_events().len(), 1);
    srv.shutdown().unwrap();
    p.send(rec("r", 1, "")).unwrap();
    assert!(p.poll(Duration::from_millis(200)).is_empty());
    // A new broker on the same port (its log starts empty: memory storage).
    let srv = BackgroundServer::start(BrokerConfig::default(), &addr).expect("restarts on the same port");
    p.flush(WAIT).unwrap();
    let events = p.take_events();
    assert!(events.iter().all(|ProducerEvent::Delivery { result, .. }| result.is_ok()), "{events:?}");
    assert!(srv.with_broker(|b| b.partition("r", 0).is_some_and(|l| l.log_end_offset() >= 1)));
}

#[test]
fn a_waiting_poll_wakes_when_another_client_produces() {
    let srv = server();
    let bootstrap = srv.bootstrap_servers();
    Admin::new([("bootstrap.servers", bootstrap.as_str())]).unwrap().create_topic("live", 1, &[]).unwrap();
    let mut c = Consumer::new([("bootstrap.servers", bootstrap.as_str()), ("fetch.max.wait.ms", "5000")]).unwrap();
    c.assign(vec![(TopicPartition::new("live", 0), Some(0))]);
    assert!(c.poll(Duration::from_millis(300)).unwrap().is_empty());
    let producer = std::thread::spawn({
        let bootstrap = bootstrap.clone();
        move || {
            std::thread::sleep(Duration::from_millis(200));
            let mut p = Producer::new([("bootstrap.servers", bootstrap.as_str()), ("linger.ms", "0")]).unwrap();
            p.send(rec("live", 1, "")).unwrap();
            p.flush(WAIT).unwrap();
            Instant::now()
        }
    });
    let got = c.poll(Duration::from_secs(10)).unwrap();
    let woke = Instant::now();
    let produced = producer.join().unwrap();
    assert_eq!(got.len(), 1);
    // The parked fetch (5 s max wait) answered as soon as the data arrived.
    assert!(woke.saturating_duration_since(produced) < Duration::from_secs(1));
}
