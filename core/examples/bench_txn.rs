//! Transactions against plain idempotent produce, with our producer, one run against one broker:
//! `inproc` (a fresh in-process Cluster) or `host:port` (`kafkette serve`, Apache Kafka).
//!
//! The same producer configuration (Kafka's defaults: idempotence, acks=all, linger.ms=5) and the
//! same 100-byte records, spread round-robin over the topic's partitions:
//! - idempotent: `txns × max(sizes)` records sent then flushed; records per second;
//! - for each transaction size N: `txns` transactions of N records (begin, N sends,
//!   commit_transaction), with `transactional.id` set; records per second over all of them, and
//!   each commit_transaction round trip (which flushes the transaction's last records first).
//!
//! The producer's setup (metadata, InitProducerId, and one warm-up transaction or flush, which on
//! Apache Kafka creates `__transaction_state`) runs before the clock starts. Prints the figures
//! for people and one `RESULT {json}` line for tests/compat/bench_eos_vs_kafka.py.
//!
//! `cargo run --release -p kafkette --example bench_txn -- [inproc|host:port] [txns] [sizes] [partitions]`
//! (defaults: inproc, 100 transactions per size, sizes 100,1000, 6 partitions); the environment variable
//! BENCH_PRODUCER_CONFIG="k=v,k=v" adds producer properties (both kinds) for experiments.

use std::time::Instant;

use bytes::Bytes;
use kafkette::local::{Cluster, Producer};
use kafkette::{Error, Result};

mod bench_common;
use bench_common::{create_topic, percentile, send_value, unique, TIMEOUT};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let target = args.next().unwrap_or_else(|| "inproc".into());
    let txns: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let sizes: Vec<usize> =
        args.next().unwrap_or_else(|| "100,1000".into()).split(',').filter_map(|s| s.parse().ok()).collect();
    let partitions: i32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(6);
    if txns == 0 || sizes.is_empty() || sizes.contains(&0) || partitions < 1 {
        return Err(Error::internal("expected txns >= 1, sizes like 100,1000, partitions >= 1"));
    }
    // The handle keeps an in-process cluster alive for the run.
    let (_cluster, bootstrap) = if target == "inproc" {
        let cluster = Cluster::new();
        let bootstrap = cluster.bootstrap_servers().to_string();
        (Some(cluster), bootstrap)
    } else {
        (None, target.clone())
    };
    let run = unique("bench-txn");
    let topic = run.clone();
    create_topic(&bootstrap, &topic, partitions)?;
    let mut bench = Bench { bootstrap, topic, partitions, value: Bytes::from(vec![b'x'; 100]), next: 0 };

    let idem_records = txns * sizes.iter().max().expect("sizes is not empty");
    let idem_rps = bench.idempotent(idem_records)?;
    println!("{target}: idempotent produce, {idem_records} records: {idem_rps:.0} records/s");
    let mut json = vec![format!("\"idem_rps\": {idem_rps:.1}")];
    for &n in &sizes {
        let (rps, mut commits) = bench.transactional(&format!("{run}-{n}"), txns, n)?;
        commits.sort_by(|a, b| a.total_cmp(b));
        let (p50, p99) = (percentile(&commits, 0.50), percentile(&commits, 0.99));
        println!(
            "{target}: {txns} transactions of {n}: {rps:.0} records/s ({:.3} of idempotent), \
             commit p50 {p50:.2} ms, p99 {p99:.2} ms, max {:.2} ms",
            rps / idem_rps,
            commits.last().expect("txns >= 1"),
        );
        json.push(format!("\"txn{n}_rps\": {rps:.1}, \"txn{n}_ratio\": {:.4}", rps / idem_rps));
        json.push(format!("\"txn{n}_commit_p50_ms\": {p50:.3}, \"txn{n}_commit_p99_ms\": {p99:.3}"));
    }
    println!("RESULT {{{}}}", json.join(", "));
    Ok(())
}

struct Bench {
    bootstrap: String,
    topic: String,
    partitions: i32,
    value: Bytes,
    /// Round-robin over the partitions, across all phases.
    next: usize,
}

impl Bench {
    fn producer(&self, transactional_id: Option<&str>) -> Result<Producer> {
        let mut config = vec![("bootstrap.servers", self.bootstrap.as_str()), ("enable.idempotence", "true")];
        if let Some(id) = transactional_id {
            config.push(("transactional.id", id));
        }
        // BENCH_PRODUCER_CONFIG="k=v,k=v" adds properties to both kinds, for experiments.
        let extra = std::env::var("BENCH_PRODUCER_CONFIG").unwrap_or_default();
        config.extend(extra.split(',').filter_map(|kv| kv.split_once('=')));
        Producer::new(config)
    }

    fn send(&mut self, p: &mut Producer) -> Result<()> {
        let partition = (self.next % self.partitions as usize) as i32;
        self.next += 1;
        send_value(p, &self.topic, partition, &self.value)
    }

    /// Records per second of `records` sent then flushed, after a warm-up flush of one record per partition.
    fn idempotent(&mut self, records: usize) -> Result<f64> {
        let mut p = self.producer(None)?;
        for _ in 0..self.partitions {
            self.send(&mut p)?;
        }
        p.flush(TIMEOUT)?;
        check_deliveries(&mut p)?;
        let start = Instant::now();
        for _ in 0..records {
            self.send(&mut p)?;
        }
        p.flush(TIMEOUT)?;
        let secs = start.elapsed().as_secs_f64();
        check_deliveries(&mut p)?;
        Ok(records as f64 / secs)
    }

    /// Records per second over `txns` transactions of `n` records, and each commit's milliseconds.
    fn transactional(&mut self, id: &str, txns: usize, n: usize) -> Result<(f64, Vec<f64>)> {
        let mut p = self.producer(Some(id))?;
        p.init_transactions(TIMEOUT)?;
        self.transaction(&mut p, n)?;
        let mut commits = Vec::with_capacity(txns);
        let start = Instant::now();
        for _ in 0..txns {
            commits.push(self.transaction(&mut p, n)?);
        }
        let secs = start.elapsed().as_secs_f64();
        Ok(((txns * n) as f64 / secs, commits))
    }

    /// One transaction of `n` records; the commit_transaction round trip in milliseconds.
    fn transaction(&mut self, p: &mut Producer, n: usize) -> Result<f64> {
        p.begin_transaction()?;
        for _ in 0..n {
            self.send(p)?;
        }
        let commit = Instant::now();
        p.commit_transaction(TIMEOUT)?;
        let ms = commit.elapsed().as_secs_f64() * 1e3;
        check_deliveries(p)?;
        Ok(ms)
    }
}

/// Fails on the first failed delivery report (there should be none).
fn check_deliveries(p: &mut Producer) -> Result<()> {
    for e in p.take_events() {
        if let kafkette::producer::ProducerEvent::Delivery { result: Err(err), .. } = e {
            return Err(err);
        }
    }
    Ok(())
}
