//! A group of consumers (ours), one run against one broker: `inproc` (a fresh in-process Cluster) or
//! `host:port` (`kafkette serve`, Apache Kafka).
//!
//! 1. A topic of `partitions` partitions is filled with `records` records of 100 bytes (not timed).
//! 2. One consumer joins a warm-up group and leaves (on Apache Kafka this creates `__consumer_offsets`);
//!    the time it took is printed but is not a figure of the run.
//! 3. `members` consumers (one thread each, defaults otherwise: range + cooperative-sticky,
//!    max.poll.records=500; auto.offset.reset=earliest) subscribe together. Stable: the time from
//!    the subscribes until every member holds a non-empty assignment and together they hold every
//!    partition exactly once. Until then each member pauses what it is given, so that nothing is
//!    consumed before the group is stable (what one fetch brought in before the pause stays buffered).
//! 4. Then all resume; consume throughput: records / time from stable until the last record is polled.
//! 5. `formations - 1` more groups of `members` form on the same topic (fresh group ids, nothing consumed):
//!    more samples of the stable time, which is bimodal: milliseconds when the members' JoinGroups land in
//!    the same join phase (or a SyncGroup answered REBALANCE_IN_PROGRESS sends a member back at once); about
//!    3 s when the first member completed a generation alone and learns of the others only from its next
//!    heartbeat (heartbeat.interval.ms, 3 s by default). Each sample's generation is printed.
//!
//! In-process, the cluster's `group.initial.rebalance.delay.ms` is BENCH_GROUP_DELAY_MS (default 0).
//!
//! Prints the figures for people and one `RESULT {json}` line for tests/compat/bench_eos_vs_kafka.py.
//!
//! `cargo run --release -p kafkette --example bench_group --
//!     [inproc|host:port] [records] [partitions] [members] [formations]`
//! (defaults: inproc, 300000 records, 6 partitions, 3 members, 3 formations); the environment variable
//! BENCH_CONSUMER_CONFIG="k=v,k=v" adds consumer properties to the members, for experiments.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use kafkette::consumer::TopicPartition;
use kafkette::local::{Cluster, Consumer, Producer};
use kafkette::{Error, Result};

mod bench_common;
use bench_common::{create_topic, send_value, unique, TIMEOUT};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let target = args.next().unwrap_or_else(|| "inproc".into());
    let records: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(300_000);
    let partitions: i32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(6);
    let members: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let formations: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3).max(1);
    if records == 0 || partitions < 1 || members < 1 || members > partitions as usize {
        return Err(Error::internal("expected records >= 1 and 1 <= members <= partitions"));
    }
    // The handle keeps an in-process cluster alive for the run.
    let (_cluster, bootstrap) = if target == "inproc" {
        // As the brokers of bench_eos_vs_kafka.py are configured (kafkette's default is 0).
        let delay = std::env::var("BENCH_GROUP_DELAY_MS").unwrap_or_else(|_| "0".into());
        let cluster = Cluster::with_config([("group.initial.rebalance.delay.ms", delay.as_str())])?;
        let bootstrap = cluster.bootstrap_servers().to_string();
        (Some(cluster), bootstrap)
    } else {
        (None, target.clone())
    };
    let topic = unique("bench-group");
    create_topic(&bootstrap, &topic, partitions)?;
    fill(&bootstrap, &topic, partitions, records)?;
    let warm = warm_up(&bootstrap, &topic)?;
    println!("{target}: warm-up member assigned after {:.1} ms (not a figure)", warm * 1e3);

    let mut samples = Vec::new();
    let mut consume_rps = 0.0;
    for i in 0..formations {
        // Only the first group consumes.
        let (stable, generation, rps) =
            group_run(&bootstrap, &topic, partitions, if i == 0 { records } else { 0 }, members)?;
        print!("{target}: group of {members} stable after {:.1} ms in generation {generation}", stable * 1e3);
        if i == 0 {
            consume_rps = rps;
            print!("; consumed {records} records at {rps:.0} records/s");
        }
        println!();
        samples.push((stable * 1e3, generation));
    }
    let stable: Vec<String> = samples.iter().map(|(ms, _)| format!("{ms:.3}")).collect();
    let generations: Vec<String> = samples.iter().map(|(_, g)| g.to_string()).collect();
    println!(
        "RESULT {{\"group_stable_ms\": [{}], \"group_generation\": [{}], \"group_consume_rps\": {consume_rps:.1}}}",
        stable.join(", "),
        generations.join(", ")
    );
    Ok(())
}

/// `records` records of 100 bytes, round-robin over the partitions, acks=1.
fn fill(bootstrap: &str, topic: &str, partitions: i32, records: usize) -> Result<()> {
    let mut p = Producer::new([("bootstrap.servers", bootstrap), ("acks", "1"), ("batch.size", "65536")])?;
    let value = Bytes::from(vec![b'x'; 100]);
    for i in 0..records {
        send_value(&mut p, topic, (i % partitions as usize) as i32, &value)?;
    }
    p.flush(TIMEOUT)
}

/// One consumer joins a group of its own until it holds a partition, then leaves; seconds taken.
fn warm_up(bootstrap: &str, topic: &str) -> Result<f64> {
    let group = unique("bench-warm-up");
    let mut c = Consumer::new([("bootstrap.servers", bootstrap), ("group.id", group.as_str())])?;
    let start = Instant::now();
    c.subscribe(&[topic])?;
    while c.assignment().is_empty() {
        c.pause(&c.assignment());
        c.poll_up_to(Duration::from_millis(2), 0)?;
        if start.elapsed() > TIMEOUT {
            return Err(Error::timed_out("the warm-up member got no partition"));
        }
    }
    let secs = start.elapsed().as_secs_f64();
    c.close(TIMEOUT)?;
    Ok(secs)
}

/// What the members share: each one's assignment, the stable instant, the go signal, the count.
struct Shared {
    assignments: Mutex<Vec<Vec<TopicPartition>>>,
    stable_at: Mutex<Option<Instant>>,
    go: AtomicBool,
    done: AtomicBool,
    consumed: AtomicUsize,
    /// The highest generation a member saw once the group was stable.
    generation: Mutex<i32>,
}

impl Shared {
    /// Records `member`'s assignment; the first time the group is stable, notes the instant.
    fn note(&self, member: usize, assignment: Vec<TopicPartition>, partitions: i32) {
        let mut all = self.assignments.lock().expect("not poisoned");
        if all[member] == assignment {
            return;
        }
        all[member] = assignment;
        let held: usize = all.iter().map(Vec::len).sum();
        let distinct: BTreeSet<&TopicPartition> = all.iter().flatten().collect();
        if all.iter().all(|a| !a.is_empty()) && held == partitions as usize && distinct.len() == held {
            self.stable_at.lock().expect("not poisoned").get_or_insert_with(Instant::now);
        }
    }
}

/// Seconds until the group of `members` is stable, its generation then, and records per second consumed after that.
fn group_run(bootstrap: &str, topic: &str, partitions: i32, records: usize, members: usize) -> Result<(f64, i32, f64)> {
    let group = unique("bench-group");
    let shared = Arc::new(Shared {
        assignments: Mutex::new(vec![Vec::new(); members]),
        stable_at: Mutex::new(None),
        go: AtomicBool::new(false),
        done: AtomicBool::new(false),
        consumed: AtomicUsize::new(0),
        generation: Mutex::new(-1),
    });
    let barrier = Arc::new(Barrier::new(members + 1));
    let threads: Vec<_> = (0..members)
        .map(|m| {
            let (shared, barrier) = (shared.clone(), barrier.clone());
            let (bootstrap, topic, group) = (bootstrap.to_string(), topic.to_string(), group.clone());
            std::thread::spawn(move || member(m, &bootstrap, &topic, &group, partitions, &shared, &barrier))
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    let result = wait_for(&shared, start, records);
    shared.done.store(true, Ordering::SeqCst);
    for t in threads {
        t.join().map_err(|_| Error::internal("a member thread panicked"))??;
    }
    let generation = *shared.generation.lock().expect("not poisoned");
    result.map(|(stable, rps)| (stable, generation, rps))
}

fn wait_for(shared: &Shared, start: Instant, records: usize) -> Result<(f64, f64)> {
    let stable_at = loop {
        if let Some(at) = *shared.stable_at.lock().expect("not poisoned") {
            break at;
        }
        if start.elapsed() > TIMEOUT {
            return Err(Error::timed_out("the group did not become stable"));
        }
        std::thread::sleep(Duration::from_micros(200));
    };
    shared.go.store(true, Ordering::SeqCst);
    while shared.consumed.load(Ordering::SeqCst) < records {
        if stable_at.elapsed() > TIMEOUT {
            return Err(Error::timed_out(format!("consumed {} of {records}", shared.consumed.load(Ordering::SeqCst))));
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let consume = stable_at.elapsed().as_secs_f64();
    Ok(((stable_at - start).as_secs_f64(), records as f64 / consume))
}

fn member(
    m: usize,
    bootstrap: &str,
    topic: &str,
    group: &str,
    partitions: i32,
    shared: &Shared,
    barrier: &Barrier,
) -> Result<()> {
    let mut config = vec![("bootstrap.servers", bootstrap), ("group.id", group), ("auto.offset.reset", "earliest")];
    // BENCH_CONSUMER_CONFIG="k=v,k=v" adds consumer properties to the members, for experiments.
    let extra = std::env::var("BENCH_CONSUMER_CONFIG").unwrap_or_default();
    config.extend(extra.split(',').filter_map(|kv| kv.split_once('=')));
    let created = Consumer::new(config);
    barrier.wait(); // even if creating failed, so that the others do not wait forever
    let mut c = created?;
    c.subscribe(&[topic])?;
    while !shared.go.load(Ordering::SeqCst) {
        if shared.done.load(Ordering::SeqCst) {
            return Ok(());
        }
        // poll_up_to hands out at least one record (max 0 counts as 1): count it.
        let early = c.poll_up_to(Duration::from_millis(2), 0)?;
        shared.consumed.fetch_add(early.len(), Ordering::SeqCst);
        let assignment = c.assignment();
        c.pause(&assignment);
        shared.note(m, assignment, partitions);
    }
    c.resume(&c.assignment());
    if let Some(g) = c.group_metadata() {
        let mut max = shared.generation.lock().expect("not poisoned");
        *max = (*max).max(g.generation_id);
    }
    while !shared.done.load(Ordering::SeqCst) {
        let batch = c.poll(Duration::from_millis(20))?;
        shared.consumed.fetch_add(batch.len(), Ordering::SeqCst);
        // A member given new partitions after the go (a late rebalance) must not keep them paused.
        c.resume(&c.assignment());
    }
    c.close(TIMEOUT)
}
