//! In-process throughput: produce then consume 1,000,000 records of 100 bytes
//! through the in-process driver, on one thread. Prints records per second for
//! each direction (median of the runs) and the process's peak memory.
//!
//! `cargo run --release -p kafkette --example bench_inproc -- [records] [runs]`

use std::time::{Duration, Instant};

use bytes::Bytes;
use kafkette::consumer::TopicPartition;
use kafkette::local::Cluster;
use kafkette::producer::ProducerRecord;

fn main() -> kafkette::Result<()> {
    let mut args = std::env::args().skip(1);
    let records: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let value = Bytes::from(vec![b'x'; 100]);

    let mut produce_rates = Vec::new();
    let mut consume_rates = Vec::new();
    for run in 0..runs {
        let cluster = Cluster::new();
        cluster.admin(std::iter::empty::<(&str, &str)>())?.create_topic("bench", 1, &[])?;
        let mut producer = cluster.producer([("linger.ms", "5"), ("batch.size", "65536"), ("acks", "1")])?;
        let topic = "bench".to_string();
        let start = Instant::now();
        for _ in 0..records {
            let rec = ProducerRecord {
                topic: topic.clone(),
                partition: Some(0),
                key: None,
                value: Some(value.clone()),
                headers: Vec::new(),
                timestamp: None,
            };
            loop {
                match producer.send(rec.clone()) {
                    Ok(_) => break,
                    Err(e) if e.code() == kafkette::ErrorCode::QUEUE_FULL => {
                        producer.poll(Duration::from_millis(1));
                    }
                    Err(e) => return Err(e),
                }
            }
            // Delivery reports are drained as an application would (without waiting).
            if producer.pending() > 100_000 {
                producer.take_events();
            }
        }
        producer.flush(Duration::from_secs(60))?;
        let produce_s = start.elapsed().as_secs_f64();
        drop(producer.take_events());

        let mut consumer = cluster.consumer([("auto.offset.reset", "earliest"), ("max.poll.records", "10000")])?;
        consumer.assign(vec![(TopicPartition { topic: "bench".into(), partition: 0 }, Some(0))]);
        let start = Instant::now();
        let mut got = 0usize;
        let mut bytes = 0usize;
        while got < records {
            let batch = consumer.poll(Duration::from_secs(5))?;
            if batch.is_empty() {
                return Err(kafkette::Error::timed_out(format!("consume stalled at {got} records")));
            }
            got += batch.len();
            bytes += batch.iter().map(|r| r.value.as_ref().map_or(0, |v| v.len())).sum::<usize>();
        }
        let consume_s = start.elapsed().as_secs_f64();
        assert_eq!(bytes, records * 100);
        let p = records as f64 / produce_s;
        let c = records as f64 / consume_s;
        println!("run {}: produce {:>10.0} records/s   consume {:>10.0} records/s", run + 1, p, c);
        produce_rates.push(p);
        consume_rates.push(c);
    }
    println!(
        "in-process, {records} records of 100 bytes, median of {runs}: produce {:.0} records/s ({:.1} MB/s), consume {:.0} records/s ({:.1} MB/s), peak memory {}",
        median(&mut produce_rates),
        median(&mut produce_rates) * 100.0 / 1e6,
        median(&mut consume_rates),
        median(&mut consume_rates) * 100.0 / 1e6,
        peak_memory()
    );
    Ok(())
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
