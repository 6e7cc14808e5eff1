//! Throughput of our clients, produce then consume records of 100 bytes on one
//! thread, through each transport: the in-process driver and TCP on loopback to
//! the TCP server in this process. Prints records per second for each direction
//! (median of the runs) and the process's peak memory.
//!
//! `cargo run --release -p kafkette --example bench -- [records] [runs] [inproc|tcp|both]`

use std::time::{Duration, Instant};

use bytes::Bytes;
use kafkette::broker::BrokerConfig;
use kafkette::consumer::TopicPartition;
use kafkette::local::{Admin, Cluster, Consumer, Producer};
use kafkette::net::server::BackgroundServer;
use kafkette::{Error, Result};

mod bench_common;
use bench_common::send_value;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let records: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let which = args.next().unwrap_or_else(|| "both".into());
    for transport in ["inproc", "tcp"] {
        if which != "both" && which != transport {
            continue;
        }
        let (mut produce, mut consume) = (Vec::new(), Vec::new());
        for run in 0..runs {
            // Each run gets a fresh broker; the handles keep it alive until the run ends.
            let (_cluster, _server, bootstrap) = if transport == "inproc" {
                let cluster = Cluster::new();
                let bootstrap = cluster.bootstrap_servers().to_string();
                (Some(cluster), None, bootstrap)
            } else {
                let server = BackgroundServer::start(BrokerConfig::default(), "127.0.0.1:0")
                    .map_err(|e| Error::internal(format!("server: {e}")))?;
                let bootstrap = server.bootstrap_servers();
                (None, Some(server), bootstrap)
            };
            let (p, c) = produce_then_consume(&bootstrap, records)?;
            println!("{transport} run {}: produce {p:>10.0} records/s   consume {c:>10.0} records/s", run + 1);
            produce.push(p);
            consume.push(c);
        }
        let (p, c) = (median(&mut produce), median(&mut consume));
        println!(
            "{transport}, {records} records of 100 bytes, median of {runs}: produce {p:.0} records/s ({:.1} MB/s), consume {c:.0} records/s ({:.1} MB/s)",
            p * 100.0 / 1e6,
            c * 100.0 / 1e6,
        );
    }
    println!("peak memory (whole process): {}", peak_memory());
    Ok(())
}

/// Produce `records` then consume them back; returns (produce, consume) records per second.
fn produce_then_consume(bootstrap: &str, records: usize) -> Result<(f64, f64)> {
    let value = Bytes::from(vec![b'x'; 100]);
    Admin::new([("bootstrap.servers", bootstrap)])?.create_topic("bench", 1, &[])?;
    let mut producer =
        Producer::new([("bootstrap.servers", bootstrap), ("linger.ms", "5"), ("batch.size", "65536"), ("acks", "1")])?;
    let start = Instant::now();
    for _ in 0..records {
        send_value(&mut producer, "bench", 0, &value)?;
    }
    producer.flush(Duration::from_secs(60))?;
    let produce_s = start.elapsed().as_secs_f64();
    drop(producer.take_events());

    let mut consumer = Consumer::new([
        ("bootstrap.servers", bootstrap),
        ("auto.offset.reset", "earliest"),
        ("max.poll.records", "10000"),
    ])?;
    consumer.assign(vec![(TopicPartition::new("bench", 0), Some(0))]);
    let start = Instant::now();
    let (mut got, mut bytes) = (0usize, 0usize);
    while got < records {
        let batch = consumer.poll(Duration::from_secs(5))?;
        if batch.is_empty() {
            return Err(Error::timed_out(format!("consume stalled at {got} records")));
        }
        got += batch.len();
        bytes += batch.iter().map(|r| r.value.as_ref().map_or(0, |v| v.len())).sum::<usize>();
    }
    let consume_s = start.elapsed().as_secs_f64();
    if bytes != records * 100 {
        return Err(Error::internal(format!("consumed {bytes} bytes, produced {}", records * 100)));
    }
    Ok((records as f64 / produce_s, records as f64 / consume_s))
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// The process's peak resident set (VmHWM), from /proc on Linux.
fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l[6..].trim().to_string()))
        .unwrap_or_else(|| "unknown".into())
}
