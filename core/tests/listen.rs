//! `Cluster::listen`: one broker served in-process and over TCP at once. Records, topics and
//! parked fetches cross between the two sides; kcat (librdkafka) reads a listening cluster; the
//! listener stops with the cluster.

use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use bytes::Bytes;
use kafkette::consumer::TopicPartition;
use kafkette::local::{Admin, Cluster, Consumer, Producer};
use kafkette::producer::{ProducerEvent, ProducerRecord};

const WAIT: Duration = Duration::from_secs(10);

fn rec(topic: &str, key: &str, value: &str) -> ProducerRecord {
    ProducerRecord {
        topic: topic.into(),
        partition: None,
        key: Some(Bytes::copy_from_slice(key.as_bytes())),
        value: Some(Bytes::copy_from_slice(value.as_bytes())),
        headers: vec![],
        timestamp: None,
    }
}

fn produce(producer: &mut Producer, topic: &str, n: usize, tag: &str) {
    for i in 0..n {
        producer.send(rec(topic, &format!("k{i}"), &format!("{tag}-{i}"))).unwrap();
    }
    producer.flush(WAIT).unwrap();
    for ProducerEvent::Delivery { result, .. } in producer.take_events() {
        result.expect("delivered");
    }
}

fn consume_values(consumer: &mut Consumer, topic: &str, partitions: i32, n: usize) -> Vec<String> {
    consumer.assign((0..partitions).map(|p| (TopicPartition { topic: topic.into(), partition: p }, None)).collect());
    let mut out = Vec::new();
    let deadline = Instant::now() + WAIT;
    while out.len() < n && Instant::now() < deadline {
        for r in consumer.poll(Duration::from_millis(200)).unwrap() {
            out.push(String::from_utf8(r.value.unwrap().to_vec()).unwrap());
        }
    }
    out.sort();
    out
}

fn expected(tag: &str, n: usize) -> Vec<String> {
    let mut v: Vec<String> = (0..n).map(|i| format!("{tag}-{i}")).collect();
    v.sort();
    v
}

#[test]
fn bootstrap_servers_names_the_tcp_address_and_lookup_keeps_the_inproc_name() {
    let cluster = Cluster::new();
    let inproc = cluster.bootstrap_servers().to_string();
    assert!(inproc.starts_with("inproc://"), "{inproc}");
    let addr = cluster.listen("127.0.0.1:0").unwrap();
    assert_ne!(addr.port(), 0);
    assert_eq!(cluster.bootstrap_servers(), format!("127.0.0.1:{}", addr.port()));
    assert_eq!(cluster.inproc_name(), inproc);
    assert!(Cluster::lookup(&[inproc]).is_ok());
    // Metadata advertises the bound port.
    assert_eq!(cluster.with_broker(|b| b.nodes()), vec![(0, "127.0.0.1".to_string(), i32::from(addr.port()))]);
    // A cluster listens once.
    let again = cluster.listen("127.0.0.1:0").unwrap_err().to_string();
    assert!(again.contains("listens once"), "{again}");
    // An address that does not parse is named.
    let bad = Cluster::new().listen("not an address").unwrap_err().to_string();
    assert!(bad.contains("not an address"), "{bad}");
}

#[test]
fn in_process_producer_and_tcp_consumer_share_one_broker() {
    let cluster = Cluster::with_config([("num.partitions", "3")]).unwrap();
    let tcp = cluster.listen("127.0.0.1:0").unwrap().to_string();
    // Topic created in-process, records produced in-process, read over TCP.
    cluster.admin([("client.id", "t")]).unwrap().create_topic("inproc-made", 3, &[]).unwrap();
    let mut producer = cluster.producer([("linger.ms", "0")]).unwrap();
    produce(&mut producer, "inproc-made", 200, "in");
    let mut consumer = Consumer::new([("bootstrap.servers", tcp.as_str()), ("auto.offset.reset", "earliest")]).unwrap();
    assert_eq!(consume_values(&mut consumer, "inproc-made", 3, 200), expected("in", 200));
}

#[test]
fn tcp_producer_and_in_process_consumer_share_one_broker() {
    let cluster = Cluster::new();
    let tcp = cluster.listen("127.0.0.1:0").unwrap().to_string();
    // Topic created over TCP, produced over TCP, read in-process.
    let mut admin = Admin::new([("bootstrap.servers", tcp.as_str())]).unwrap();
    admin.create_topic("tcp-made", 2, &[]).unwrap();
    assert!(cluster.with_broker(|b| b.topics().any(|(n, _)| n == "tcp-made")));
    let mut producer = Producer::new([("bootstrap.servers", tcp.as_str()), ("linger.ms", "0")]).unwrap();
    produce(&mut producer, "tcp-made", 150, "wire");
    let mut consumer = cluster.consumer([("auto.offset.reset", "earliest")]).unwrap();
    assert_eq!(consume_values(&mut consumer, "tcp-made", 2, 150), expected("wire", 150));
}

/// A Fetch parked by one side is released by a produce from the other, not by its max wait.
#[test]
fn parked_fetches_wake_across_sides() {
    let cluster = Cluster::new();
    let tcp = cluster.listen("127.0.0.1:0").unwrap().to_string();
    cluster.admin([("client.id", "t")]).unwrap().create_topic("live", 1, &[]).unwrap();
    let tp = TopicPartition { topic: "live".into(), partition: 0 };
    let slow_fetch = [("auto.offset.reset", "latest"), ("fetch.max.wait.ms", "8000")];

    // TCP consumer parked, in-process producer.
    let mut tcp_consumer = Consumer::new([("bootstrap.servers", tcp.as_str())].into_iter().chain(slow_fetch)).unwrap();
    tcp_consumer.assign(vec![(tp.clone(), None)]);
    assert!(tcp_consumer.poll(Duration::from_millis(500)).unwrap().is_empty());
    let c2 = cluster.clone();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        produce(&mut c2.producer([("linger.ms", "0")]).unwrap(), "live", 1, "a");
    });
    // One long poll: only a wake-up from the produce ends it early.
    let start = Instant::now();
    let got = tcp_consumer.poll(Duration::from_secs(7)).unwrap();
    t.join().unwrap();
    assert_eq!(got.len(), 1);
    assert!(start.elapsed() < Duration::from_millis(6000), "took {:?}", start.elapsed());

    // In-process consumer parked, TCP producer.
    let mut consumer = cluster.consumer(slow_fetch).unwrap();
    consumer.assign(vec![(tp, None)]);
    assert!(consumer.poll(Duration::from_millis(300)).unwrap().is_empty());
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        let mut p = Producer::new([("bootstrap.servers", tcp.as_str()), ("linger.ms", "0")]).unwrap();
        produce(&mut p, "live", 1, "b");
    });
    let start = Instant::now();
    let got = consumer.poll(Duration::from_secs(7)).unwrap();
    t.join().unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].value.as_deref(), Some(&b"b-0"[..]));
    assert!(start.elapsed() < Duration::from_millis(6000), "took {:?}", start.elapsed());
}

#[test]
fn the_listener_stops_with_the_last_handle_and_in_process_clients_keep_working() {
    let cluster = Cluster::new();
    let addr = cluster.listen("127.0.0.1:0").unwrap();
    let mut producer = cluster.producer([("linger.ms", "0")]).unwrap();
    let tcp = addr.to_string();
    let mut tcp_producer = Producer::new([("bootstrap.servers", tcp.as_str()), ("linger.ms", "0")]).unwrap();
    produce(&mut tcp_producer, "t", 1, "before");
    let handle = cluster.clone();
    drop(cluster);
    assert!(TcpStream::connect(addr).is_ok(), "one handle left: still listening");
    drop(handle);
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err(), "listener still open");
    // The in-process producer made before still reaches the broker.
    produce(&mut producer, "t", 1, "after");
    // The TCP connection was closed with the listener: its records no longer go anywhere.
    tcp_producer.send(rec("t", "k", "lost")).unwrap();
    assert!(tcp_producer.flush(Duration::from_millis(1500)).is_err());
}

#[test]
fn close_listener_closes_tcp_but_keeps_the_cluster() {
    let cluster = Cluster::new();
    let addr = cluster.listen("127.0.0.1:0").unwrap();
    cluster.close_listener();
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err());
    let mut producer = cluster.producer([("linger.ms", "0")]).unwrap();
    produce(&mut producer, "t", 3, "x");
}

fn kcat_available() -> bool {
    Command::new("kcat").arg("-V").output().is_ok_and(|o| o.status.success())
}

fn kcat(args: &[&str]) -> String {
    let out = Command::new("timeout").arg("30").arg("kcat").args(args).output().expect("kcat runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "kcat {args:?} failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

#[test]
fn kcat_lists_and_consumes_what_an_in_process_producer_wrote() {
    if !kcat_available() {
        eprintln!("kcat is not installed: skipping");
        return;
    }
    let cluster = Cluster::with_config([("num.partitions", "3")]).unwrap();
    let broker = cluster.listen("127.0.0.1:0").unwrap().to_string();
    let mut producer = cluster.producer([("linger.ms", "0")]).unwrap();
    produce(&mut producer, "shared", 120, "kc");
    let listing = kcat(&["-b", &broker, "-L"]);
    assert!(listing.contains(&format!("broker 0 at {broker}")), "{listing}");
    assert!(listing.contains("topic \"shared\" with 3 partitions"), "{listing}");
    let out = kcat(&["-b", &broker, "-C", "-t", "shared", "-o", "beginning", "-e", "-f", "%s\\n"]);
    let mut values: Vec<String> = out.lines().map(str::to_string).collect();
    values.sort();
    assert_eq!(values, expected("kc", 120));
}
