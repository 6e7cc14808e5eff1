//! Throughput of our clients over TCP on loopback against the TCP server in this
//! process: produce then consume records of 100 bytes. Prints records per second
//! for each direction (median of the runs).
//!
//! `cargo run --release -p kafkette --example bench_tcp -- [records] [runs]`

use std::time::{Duration, Instant};

use bytes::Bytes;
use kafkette::broker::BrokerConfig;
use kafkette::consumer::TopicPartition;
use kafkette::local::{Admin, Consumer, Producer};
use kafkette::net::server::BackgroundServer;
use kafkette::producer::ProducerRecord;

fn main() -> kafkette::Result<()> {
    let mut args = std::env::args().skip(1);
    let records: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let value = Bytes::from(vec![b'x'; 100]);
    let (mut produce_rates, mut consume_rates) = (Vec::new(), Vec::new());
    for run in 0..runs {
        let server = BackgroundServer::start(BrokerConfig::default(), "127.0.0.1:0")
            .map_err(|e| kafkette::Error::internal(format!("server: {e}")))?;
        let bootstrap = server.bootstrap_servers();
        Admin::new([("bootstrap.servers", bootstrap.as_str())])?.create_topic("bench", 1, &[])?;
        let mut producer = Producer::new([
            ("bootstrap.servers", bootstrap.as_str()),
            ("linger.ms", "5"),
            ("batch.size", "65536"),
            ("acks", "1"),
        ])?;
        let start = Instant::now();
        for _ in 0..records {
            let rec = ProducerRecord {
                topic: "bench".into(),
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
            if producer.pending() > 100_000 {
                producer.take_events();
            }
        }
        producer.flush(Duration::from_secs(120))?;
        let produce_s = start.elapsed().as_secs_f64();
        drop(producer.take_events());

        let mut consumer = Consumer::new([
            ("bootstrap.servers", bootstrap.as_str()),
            ("auto.offset.reset", "earliest"),
            ("max.poll.records", "10000"),
        ])?;
        consumer.assign(vec![(TopicPartition::new("bench", 0), Some(0))]);
        let start = Instant::now();
        let mut got = 0usize;
        while got < records {
            let batch = consumer.poll(Duration::from_secs(5))?;
            if batch.is_empty() {
                return Err(kafkette::Error::timed_out(format!("consume stalled at {got} records")));
            }
            got += batch.len();
        }
        let consume_s = start.elapsed().as_secs_f64();
        let (p, c) = (records as f64 / produce_s, records as f64 / consume_s);
        println!("run {}: produce {p:>10.0} records/s   consume {c:>10.0} records/s", run + 1);
        produce_rates.push(p);
        consume_rates.push(c);
    }
    println!(
        "tcp loopback, {records} records of 100 bytes, median of {runs}: produce {:.0} records/s, consume {:.0} records/s",
        median(&mut produce_rates),
        median(&mut consume_rates)
    );
    Ok(())
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}
