//! Helpers shared by the integration tests that run against a real Apache Kafka broker
//! (apache_kafka*.rs) and by the group scenarios (groups/).

#![allow(dead_code)]

use std::time::{Duration, Instant};

use kafkette::admin::{AdminResult, NewTopic};
use kafkette::local::Admin;

/// The Apache Kafka broker's address; running these tests without one is an error, not a pass.
pub fn bootstrap() -> String {
    match std::env::var("KAFKETTE_APACHE_BOOTSTRAP") {
        Ok(s) if !s.trim().is_empty() => s,
        _ => panic!(
            "KAFKETTE_APACHE_BOOTSTRAP is not set: these tests need a running Apache Kafka broker \
             (tests/compat/test_ours_vs_apache.py starts one and sets it)"
        ),
    }
}

/// A name unique to this run, so reruns against the same broker do not collide.
pub fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{name}-{}-{nanos}", std::process::id())
}

/// Creates `topic` with `partitions` and waits until metadata shows all of them (Kafka creates
/// partitions asynchronously).
pub fn create_topic(admin: &mut Admin, topic: &str, partitions: i32, wait: Duration) {
    match admin.create_topics(vec![NewTopic::new(topic, partitions, 1)], false).expect("CreateTopics") {
        AdminResult::CreateTopics(res) => {
            assert_eq!(res.len(), 1);
            res[0].1.as_ref().unwrap_or_else(|e| panic!("creating {topic}: {e}"));
        }
        other => panic!("{other:?}"),
    }
    let deadline = Instant::now() + wait;
    loop {
        if let AdminResult::ListTopics(t) = admin.list_topics().expect("Metadata") {
            if t.iter().any(|t| t.name == topic && t.partitions == partitions) {
                return;
            }
        }
        assert!(Instant::now() < deadline, "{topic} did not appear in metadata");
        std::thread::sleep(Duration::from_millis(100));
    }
}
