//! Helpers the benchmark examples share (bench, bench_txn, bench_group): topic setup, names, percentiles.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use bytes::Bytes;
use kafkette::admin::{AdminResult, NewTopic};
use kafkette::local::{Admin, Producer};
use kafkette::producer::ProducerRecord;
use kafkette::{Error, ErrorCode, Result};

/// How long any one step of a benchmark may take before it fails.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// Creates `topic` and waits until metadata lists all its partitions (Apache Kafka creates them asynchronously).
pub fn create_topic(bootstrap: &str, topic: &str, partitions: i32) -> Result<()> {
    let mut admin = Admin::new([("bootstrap.servers", bootstrap)])?;
    if let AdminResult::CreateTopics(res) = admin.create_topics(vec![NewTopic::new(topic, partitions, 1)], false)? {
        for (_, r) in res {
            r?;
        }
    }
    let deadline = Instant::now() + TIMEOUT;
    while Instant::now() < deadline {
        if let AdminResult::ListTopics(t) = admin.list_topics()? {
            if t.iter().any(|t| t.name == topic && t.partitions == partitions) {
                return Ok(());
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(Error::timed_out(format!("{topic} did not appear in metadata")))
}

/// Sends a value-only record to `partition`, waiting while the producer's queue is full, and
/// drains delivery reports as an application would (without waiting) when many are pending.
pub fn send_value(p: &mut Producer, topic: &str, partition: i32, value: &Bytes) -> Result<()> {
    let rec = ProducerRecord {
        topic: topic.to_string(),
        partition: Some(partition),
        key: None,
        value: Some(value.clone()),
        headers: Vec::new(),
        timestamp: None,
    };
    loop {
        match p.send(rec.clone()) {
            Ok(_) => break,
            Err(e) if e.code() == ErrorCode::QUEUE_FULL => {
                p.poll(Duration::from_millis(1));
            }
            Err(e) => return Err(e),
        }
    }
    if p.pending() > 100_000 {
        p.take_events();
    }
    Ok(())
}

/// A name unique to this process, so runs against the same broker do not collide.
pub fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{name}-{}-{nanos}", std::process::id())
}

/// The `q` quantile of sorted samples (nearest rank).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}
