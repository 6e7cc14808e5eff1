//! `make bench`'s native side of the playground benchmark (wasm/bench/million.mjs runs the same
//! workload in the WebAssembly build): the playground's engine moves a million records through a
//! simulated broker (a topic of 4 partitions, an idempotent producer batching with linger.ms 5,
//! a group consumer reading them all), and this prints wall time, records/s and virtual time.
//!
//! `cargo run --release -p kafkette-wasm --example million -- [records] [runs]` (1000000, 3).
//! Prints one JSON object per run on stdout, e.g. `{"records":1000000,"wallMs":812.4,"cpuMs":790,"virtualMs":168}`
//! (cpuMs: this process's user and system time from /proc/self/stat, null where there is none).

use std::time::Instant;

use kafkette::sim::SimConfig;
use kafkette_wasm::engine::Engine;

/// The workload, kept equal to million.mjs's.
const SEED: u64 = 1;
const TOPIC: &str = "bench";
const PARTITIONS: i32 = 4;
/// Records the producing application offers per millisecond of virtual time (fewer are
/// accepted while the producer's buffer is full).
const OFFER_PER_MS: usize = 10_000;
/// Keys cycle through this many values, so the records spread over the partitions by key.
const KEYS: usize = 100;
/// Virtual time after which the run counts as stuck.
const VIRTUAL_LIMIT_MS: i64 = 600_000;

fn pairs(kv: &[(&str, &str)]) -> Vec<(String, String)> {
    kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// This process's user + system CPU time in milliseconds (Linux's /proc, in USER_HZ = 100 ticks a second).
fn cpu_ms() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which is in parentheses and may hold spaces): utime and stime
    // are the 14th and 15th of the whole line, so the 12th and 13th after ")".
    let mut rest = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let ticks = rest.next()?.parse::<u64>().ok()? + rest.next()?.parse::<u64>().ok()?;
    Some(ticks * 10)
}

/// One run: returns (wall milliseconds, CPU milliseconds if known, virtual milliseconds).
fn run(records: usize) -> kafkette::Result<(f64, Option<u64>, i64)> {
    let cpu = cpu_ms();
    let wall = Instant::now();
    let mut engine = Engine::new(SimConfig { seed: SEED, ..SimConfig::default() });
    let start = engine.now();
    engine.create_topic(TOPIC, PARTITIONS)?;
    let producer = engine.add_producer("producer", &pairs(&[("enable.idempotence", "true"), ("linger.ms", "5")]))?;
    let consumer = engine.add_consumer(
        "consumer",
        &pairs(&[("group.id", "bench"), ("enable.auto.commit", "false"), ("auto.offset.reset", "earliest")]),
    )?;
    engine.subscribe(consumer, vec![TOPIC.to_string()])?;
    let (mut sent, mut consumed) = (0usize, 0usize);
    while consumed < records {
        if sent < records {
            let end = (sent + OFFER_PER_MS).min(records);
            let values: Vec<String> = (sent..end).map(|i| format!("m{i}")).collect();
            let keys: Vec<String> = (sent..end).map(|i| format!("k{}", i % KEYS)).collect();
            sent += engine.send_many(producer, TOPIC, &values, Some(&keys))?;
        }
        engine.run_for(1);
        loop {
            let n = engine.poll(consumer)?.len();
            if n == 0 {
                break;
            }
            consumed += n;
        }
        if engine.now() - start > VIRTUAL_LIMIT_MS {
            return Err(kafkette::Error::timed_out(format!("{consumed} of {records} records consumed")));
        }
    }
    if consumed != records {
        return Err(kafkette::Error::internal(format!("consumed {consumed} records, sent {records}")));
    }
    let wall_ms = wall.elapsed().as_secs_f64() * 1000.0;
    let cpu = cpu.zip(cpu_ms()).map(|(a, b)| b - a);
    Ok((wall_ms, cpu, engine.now() - start))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let records: usize = args.next().map_or(1_000_000, |a| a.parse().expect("records: a whole number"));
    let runs: usize = args.next().map_or(3, |a| a.parse().expect("runs: a whole number"));
    for _ in 0..runs {
        match run(records) {
            Ok((wall_ms, cpu_ms, virtual_ms)) => {
                let cpu_ms = cpu_ms.map_or("null".to_string(), |c| c.to_string());
                println!(
                    "{{\"records\":{records},\"wallMs\":{wall_ms:.1},\"cpuMs\":{cpu_ms},\"virtualMs\":{virtual_ms}}}"
                )
            }
            Err(e) => {
                eprintln!("million: {e}");
                std::process::exit(1);
            }
        }
    }
}
