//! A hostile (or broken) broker cannot abort the process that embeds our clients: a Metadata
//! response whose brokers array claims 2^31-1 elements is refused by the response decode guard,
//! the connection is closed and retried, and the Producer and Consumer report the reason.
//!
//! The clients run in a child process (this test binary, filtered to the ignored test below), so
//! that a missing guard shows as the child's SIGABRT ("memory allocation failed") instead of
//! killing the whole test run.

mod fake_broker;

use std::time::Duration;

use bytes::Bytes;
use kafkette::consumer::TopicPartition;
use kafkette::local::{Consumer, Producer};
use kafkette::producer::ProducerRecord;
use kafkette::protocol::ApiKey;

use fake_broker::{FakeBroker, Faults};

const CHILD: &str = "KAFKETTE_HOSTILE_BROKER_CHILD";

#[test]
fn a_hostile_metadata_count_fails_the_clients_not_the_process() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "clients_against_a_hostile_broker", "--ignored", "--nocapture"])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(out.status.signal(), None, "the clients' process was killed: {stderr}");
    }
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "the child ran the clients: {stdout}");
    assert!(stderr.contains("producer: ") && stderr.contains("consumer: "), "{stderr}");
    assert!(stderr.contains("handshake: "), "{stderr}");
}

#[test]
#[ignore = "run in a child process by a_hostile_metadata_count_fails_the_clients_not_the_process"]
fn clients_against_a_hostile_broker() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let fb = FakeBroker::with_faults(Faults { hostile_count: Some(ApiKey::Metadata), ..Faults::default() });
    let expect_guard = |what: &str, msg: &str| {
        assert!(msg.contains("Metadata v12 response"), "{what}: {msg}");
        assert!(msg.contains("refused by the decode guard: array count 2147483647"), "{what}: {msg}");
    };

    let mut p = Producer::new([
        ("bootstrap.servers", fb.bootstrap().as_str()),
        ("linger.ms", "0"),
        ("reconnect.backoff.ms", "20"),
    ])
    .unwrap();
    let record = ProducerRecord {
        topic: "t".into(),
        partition: None,
        key: None,
        value: Some(Bytes::from_static(b"v")),
        headers: vec![],
        timestamp: None,
    };
    p.send(record.clone()).unwrap();
    let err = p.flush(Duration::from_millis(1500)).unwrap_err();
    expect_guard("producer flush", err.message());
    eprintln!("producer: {err}");

    let mut c = Consumer::new([
        ("bootstrap.servers", fb.bootstrap().as_str()),
        ("auto.offset.reset", "earliest"),
        ("reconnect.backoff.ms", "20"),
    ])
    .unwrap();
    c.assign(vec![(TopicPartition { topic: "t".into(), partition: 0 }, None)]);
    assert!(c.poll(Duration::from_millis(1000)).unwrap().is_empty());
    let err = c.transport_error().expect("the consumer saw the refusal");
    expect_guard("consumer", err.message());
    eprintln!("consumer: {err}");

    // Each refusal closed the connection and the clients reconnected, as after a disconnect.
    assert!(fb.connections_accepted() >= 4, "{}", fb.connections_accepted());

    // The ApiVersions handshake is guarded too, at the version asked and at the v0 fallback.
    let fb = FakeBroker::with_faults(Faults { hostile_count: Some(ApiKey::ApiVersions), ..Faults::default() });
    let mut p =
        Producer::new([("bootstrap.servers", fb.bootstrap().as_str()), ("reconnect.backoff.ms", "20")]).unwrap();
    p.send(record).unwrap();
    let err = p.flush(Duration::from_millis(1000)).unwrap_err();
    assert!(err.message().contains("bad ApiVersions response: refused by the decode guard: array count"), "{err}");
    eprintln!("handshake: {err}");
}
