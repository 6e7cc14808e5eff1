//! Consumer group scenarios shared by the tests against Apache Kafka (apache_kafka_groups.rs)
//! and against our own broker (inproc_groups.rs): each takes the `bootstrap.servers` to use,
//! an Apache Kafka `host:port` or an in-process `inproc://` cluster.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use bytes::Bytes;
use kafkette::admin::{AdminResult, OffsetSpec};
use kafkette::consumer::{ConsumerEvent, OffsetAndMetadata, TopicPartition};
use kafkette::local::{Admin, Consumer, Producer};
use kafkette::producer::ProducerRecord;

use crate::common::unique;

const PARTITIONS: i32 = 6;
const WAIT: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(50);

fn create_topic(bootstrap: &str, topic: &str) {
    let mut admin = Admin::new([("bootstrap.servers", bootstrap)]).expect("admin");
    crate::common::create_topic(&mut admin, topic, PARTITIONS, WAIT);
}

fn end_offsets(bootstrap: &str, topic: &str) -> BTreeMap<i32, i64> {
    let mut admin = Admin::new([("bootstrap.servers", bootstrap)]).expect("admin");
    let req = (0..PARTITIONS).map(|p| (TopicPartition::new(topic, p), OffsetSpec::Latest)).collect();
    match admin.list_offsets(req, false).expect("ListOffsets") {
        AdminResult::ListOffsets(res) => res.into_iter().map(|(tp, r)| (tp.partition, r.unwrap().offset)).collect(),
        other => panic!("{other:?}"),
    }
}

/// Produces records `from..to` (keys spread them over every partition).
fn produce(bootstrap: &str, topic: &str, from: usize, to: usize) {
    let mut p = Producer::new([("bootstrap.servers", bootstrap), ("linger.ms", "5")]).expect("producer");
    for i in from..to {
        p.send(ProducerRecord {
            topic: topic.into(),
            partition: None,
            key: Some(Bytes::from(format!("key-{i}"))),
            value: Some(Bytes::from(format!("{i}"))),
            headers: vec![],
            timestamp: None,
        })
        .expect("send");
    }
    p.flush(WAIT).expect("flush");
}

fn member(bootstrap: &str, group: &str, strategy: &str) -> Consumer {
    member_with(bootstrap, group, strategy, "true")
}

fn member_with(bootstrap: &str, group: &str, strategy: &str, auto_commit: &str) -> Consumer {
    Consumer::new([
        ("enable.auto.commit", auto_commit),
        ("bootstrap.servers", bootstrap),
        ("group.id", group),
        ("auto.offset.reset", "earliest"),
        ("session.timeout.ms", "6000"),
        ("heartbeat.interval.ms", "500"),
        ("max.poll.interval.ms", "30000"),
        ("auto.commit.interval.ms", "500"),
        ("partition.assignment.strategy", strategy),
    ])
    .expect("consumer")
}

/// One member under test: what it consumed and the rebalance events it saw.
struct Member {
    consumer: Consumer,
    values: Vec<usize>,
    events: Vec<ConsumerEvent>,
}

impl Member {
    fn new(bootstrap: &str, group: &str, strategy: &str, topic: &str) -> Member {
        let mut consumer = member(bootstrap, group, strategy);
        consumer.subscribe(&[topic]).expect("subscribe");
        Member { consumer, values: Vec::new(), events: Vec::new() }
    }

    fn poll(&mut self) {
        let records = self.consumer.poll(POLL).unwrap_or_else(|e| panic!("poll: {e}"));
        self.values.extend(
            records.iter().map(|r| std::str::from_utf8(r.value.as_ref().unwrap()).unwrap().parse::<usize>().unwrap()),
        );
        self.events.extend(self.consumer.take_events());
    }

    fn assignment(&self) -> BTreeSet<TopicPartition> {
        self.consumer.assignment().into_iter().collect()
    }
}

/// Polls every member until `done` holds.
fn poll_until(members: &mut [&mut Member], what: &str, mut done: impl FnMut(&[&mut Member]) -> bool) {
    let deadline = Instant::now() + WAIT;
    loop {
        for m in members.iter_mut() {
            m.poll();
        }
        if done(members) {
            return;
        }
        let sizes: Vec<usize> = members.iter().map(|m| m.assignment().len()).collect();
        assert!(Instant::now() < deadline, "timed out waiting for {what}; assignment sizes {sizes:?}");
    }
}

fn disjoint_cover(members: &[&mut Member]) -> bool {
    let mut all = BTreeSet::new();
    for m in members {
        for tp in m.assignment() {
            if !all.insert(tp) {
                return false;
            }
        }
    }
    all.len() == PARTITIONS as usize
}

pub fn three_members_share_a_topic_one_leaves_one_dies(bootstrap: &str) {
    let bootstrap = bootstrap.to_string();
    let topic = unique("groups-share");
    let group = unique("g-share");
    create_topic(&bootstrap, &topic);
    produce(&bootstrap, &topic, 0, 300);

    let mut a = Member::new(&bootstrap, &group, "range", &topic);
    let mut b = Member::new(&bootstrap, &group, "range", &topic);
    let mut c = Member::new(&bootstrap, &group, "range", &topic);
    poll_until(&mut [&mut a, &mut b, &mut c], "three members with two partitions each, 300 records", |ms| {
        disjoint_cover(ms) && ms.iter().all(|m| m.assignment().len() == 2) && {
            let all: BTreeSet<usize> = ms.iter().flat_map(|m| m.values.iter().copied()).collect();
            all.len() == 300
        }
    });
    for m in [&a, &b, &c] {
        assert!(m.events.iter().any(|e| matches!(e, ConsumerEvent::Assigned(tps) if tps.len() == 2)));
    }
    let meta = a.consumer.group_metadata().expect("group metadata");
    assert!(meta.generation_id > 0 && !meta.member_id.is_empty(), "{meta:?}");

    // a leaves cleanly: its positions are committed, b and c share its partitions.
    let a_positions: Vec<(TopicPartition, i64)> =
        a.assignment().into_iter().filter_map(|tp| a.consumer.position(&tp).map(|p| (tp, p))).collect();
    a.consumer.close(WAIT).expect("close");
    let committed = b.consumer.committed(a_positions.iter().map(|(tp, _)| tp.clone()).collect(), WAIT).unwrap();
    for ((tp, position), (_, c)) in a_positions.iter().zip(committed) {
        assert!(c.as_ref().is_some_and(|c| c.offset >= *position), "{tp}: committed {c:?}, closed at {position}");
    }
    a.events.extend(a.consumer.take_events());
    assert!(a.events.iter().any(|e| matches!(e, ConsumerEvent::Revoked(tps) if tps.len() == 2)), "{:?}", a.events);
    assert!(a.consumer.assignment().is_empty());
    produce(&bootstrap, &topic, 300, 600);
    poll_until(&mut [&mut b, &mut c], "two members with three partitions each", |ms| {
        disjoint_cover(ms) && ms.iter().all(|m| m.assignment().len() == 3)
    });

    // c dies (no close, no LeaveGroup): its session expires and b takes everything.
    drop(c.consumer);
    let c_values = c.values;
    let ends = end_offsets(&bootstrap, &topic);
    poll_until(&mut [&mut b], "the survivor owning all six partitions, at their ends", |ms| {
        ms[0].assignment().len() == PARTITIONS as usize
            && ends.iter().all(|(p, end)| ms[0].consumer.position(&TopicPartition::new(&topic, *p)) == Some(*end))
            && {
                let mut all: BTreeSet<usize> = ms[0].values.iter().copied().collect();
                all.extend(a.values.iter().copied());
                all.extend(c_values.iter().copied());
                all.len() == 600
            }
    });
    let mut all: BTreeSet<usize> = b.values.iter().copied().collect();
    all.extend(a.values.iter().copied());
    all.extend(c_values.iter().copied());
    assert_eq!(all, (0..600).collect::<BTreeSet<usize>>(), "every record consumed at least once");

    // Commit and read back: the group's committed offsets are the end of every partition.
    b.consumer.commit(None, WAIT).expect("commit");
    let tps: Vec<TopicPartition> = (0..PARTITIONS).map(|p| TopicPartition::new(&topic, p)).collect();
    let committed = b.consumer.committed(tps, WAIT).expect("committed");
    for (tp, o) in committed {
        assert_eq!(o.map(|o| o.offset), Some(ends[&tp.partition]), "{tp}");
    }
    b.consumer.close(WAIT).expect("close");
}

pub fn cooperative_sticky_moves_only_what_it_must(bootstrap: &str) {
    let bootstrap = bootstrap.to_string();
    let topic = unique("groups-coop");
    let group = unique("g-coop");
    create_topic(&bootstrap, &topic);
    produce(&bootstrap, &topic, 0, 120);

    let mut a = Member::new(&bootstrap, &group, "cooperative-sticky", &topic);
    poll_until(&mut [&mut a], "the first member owning everything", |ms| {
        ms[0].assignment().len() == PARTITIONS as usize
    });
    let before = a.assignment();
    a.events.clear();
    let mut b = Member::new(&bootstrap, &group, "cooperative-sticky", &topic);
    poll_until(&mut [&mut a, &mut b], "three partitions each", |ms| {
        disjoint_cover(ms) && ms.iter().all(|m| m.assignment().len() == 3)
    });
    // a revoked exactly what b got, nothing else, and never lost anything.
    let revoked: BTreeSet<TopicPartition> = a
        .events
        .iter()
        .filter_map(|e| match e {
            ConsumerEvent::Revoked(tps) => Some(tps.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(revoked, b.assignment(), "only the partitions that moved were revoked");
    assert!(a.assignment().is_subset(&before));
    assert!(!a.events.iter().any(|e| matches!(e, ConsumerEvent::Lost(_))));
    poll_until(&mut [&mut a, &mut b], "every record", |ms| {
        let all: BTreeSet<usize> = ms.iter().flat_map(|m| m.values.iter().copied()).collect();
        all.len() == 120
    });
    a.consumer.close(WAIT).expect("close");
    b.consumer.close(WAIT).expect("close");
}

pub fn pattern_subscription_and_commits_with_metadata(bootstrap: &str) {
    let bootstrap = bootstrap.to_string();
    let prefix = unique("groups-pattern");
    let (t1, t2) = (format!("{prefix}-a"), format!("{prefix}-b"));
    create_topic(&bootstrap, &t1);
    create_topic(&bootstrap, &t2);
    let group = unique("g-pattern");
    // Without auto-commit: it would overwrite the explicit commit with the position.
    let mut c = member_with(&bootstrap, &group, "roundrobin", "false");
    c.subscribe_pattern(&format!("{}-.*", regex_escape(&prefix))).expect("subscribe");
    let deadline = Instant::now() + WAIT;
    while c.assignment().len() < 2 * PARTITIONS as usize {
        c.poll(POLL).expect("poll");
        assert!(Instant::now() < deadline, "pattern assignment: {:?}", c.assignment());
    }
    let mut subscribed = c.subscription();
    subscribed.sort();
    assert_eq!(subscribed, vec![t1.clone(), t2.clone()]);

    let tp = TopicPartition::new(&t2, 3);
    let offsets =
        vec![(tp.clone(), OffsetAndMetadata { offset: 7, metadata: Some("hello".into()), leader_epoch: None })];
    let done = c.commit(Some(offsets), WAIT).expect("commit");
    assert_eq!(done, vec![(tp.clone(), 7)]);
    let got = c.committed(vec![tp.clone(), TopicPartition::new(&t1, 0)], WAIT).expect("committed");
    assert_eq!(got[0].1.as_ref().map(|o| (o.offset, o.metadata.clone())), Some((7, Some("hello".to_string()))));
    assert_eq!(got[1].1, None);
    // A commit of a negative offset is refused before anything is sent.
    assert!(c.commit(Some(vec![(tp, OffsetAndMetadata::new(-5))]), WAIT).is_err());
    c.close(WAIT).expect("close");
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .map(|ch| if ch.is_ascii_alphanumeric() || ch == '_' { ch.to_string() } else { format!("\\{ch}") })
        .collect()
}

/// A confluent-kafka (librdkafka) consumer in a child process: prints `assign p,..`, `revoke p,..`
/// and `value n` lines, and closes (leaving the group) when its stdin closes.
const LIBRDKAFKA_MEMBER: &str = r#"
import sys, threading
from confluent_kafka import Consumer
bootstrap, group, topic, strategy = sys.argv[1:5]
c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
              "partition.assignment.strategy": strategy, "session.timeout.ms": 6000,
              "heartbeat.interval.ms": 500, "auto.commit.interval.ms": 500})
def out(line):
    print(line, flush=True)
def on_assign(consumer, parts):
    out("assign " + ",".join(str(p.partition) for p in parts))
    if strategy == "cooperative-sticky":
        consumer.incremental_assign(parts)
def on_revoke(consumer, parts):
    out("revoke " + ",".join(str(p.partition) for p in parts))
    if strategy == "cooperative-sticky":
        consumer.incremental_unassign(parts)
c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_revoke)
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
while not stop.is_set():
    m = c.poll(0.05)
    if m is not None and m.error() is None:
        out("value " + m.value().decode())
c.close()
out("closed")
"#;

/// Which foreign client a mixed-group member runs.
#[derive(Clone, Copy, Debug)]
pub enum Foreign {
    /// confluent-kafka (librdkafka), from tests/compat/.venv.
    Librdkafka,
    /// kafka-clients 4.1.1 from tests/compat/.jars/lib (JavaMember.java, compiled on first use).
    Java,
}

/// Compiles JavaMember.java into target/ once; returns the classpath to run it with.
fn java_classpath() -> String {
    let jars = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/compat/.jars/lib/*");
    let out = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/java-member");
    let source = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/groups/JavaMember.java");
    static BUILD: std::sync::Once = std::sync::Once::new();
    BUILD.call_once(|| {
        let status = std::process::Command::new("javac")
            .args(["-d", out, "-cp", jars, source])
            .status()
            .unwrap_or_else(|e| panic!("javac (make compat-jars fetches the client jars): {e}"));
        assert!(status.success(), "javac {source} failed");
    });
    format!("{jars}:{out}")
}

struct ForeignMember {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    assignment: BTreeSet<i32>,
    values: BTreeSet<usize>,
}

impl ForeignMember {
    fn start(kind: Foreign, bootstrap: &str, group: &str, topic: &str, strategy: &str) -> ForeignMember {
        use std::io::BufRead;
        let mut cmd = match kind {
            Foreign::Librdkafka => {
                let python = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/compat/.venv/bin/python");
                let mut cmd = std::process::Command::new(python);
                cmd.args(["-c", LIBRDKAFKA_MEMBER]);
                cmd
            }
            Foreign::Java => {
                let mut cmd = std::process::Command::new("java");
                cmd.args(["-cp", &java_classpath(), "JavaMember"]);
                cmd
            }
        };
        let mut child = cmd
            .args([bootstrap, group, topic, strategy])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting the {kind:?} member (make test-compat sets it up): {e}"));
        let (tx, lines) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines().map_while(|l| l.ok()) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        ForeignMember { child, lines, assignment: BTreeSet::new(), values: BTreeSet::new() }
    }

    /// Reads what the child printed so far; true once it printed `closed`.
    fn read(&mut self) -> bool {
        let parts =
            |s: &str| -> Vec<i32> { s.split(',').filter(|p| !p.is_empty()).map(|p| p.parse().unwrap()).collect() };
        let mut closed = false;
        while let Ok(line) = self.lines.try_recv() {
            match line.split_once(' ').unwrap_or((line.as_str(), "")) {
                ("assign", ps) => self.assignment.extend(parts(ps)),
                ("revoke", ps) => parts(ps).iter().for_each(|p| {
                    self.assignment.remove(p);
                }),
                ("value", v) => {
                    self.values.insert(v.parse().unwrap());
                }
                ("closed", _) => closed = true,
                _ => {}
            }
        }
        closed
    }

    fn close(mut self) {
        drop(self.child.stdin.take());
        let deadline = Instant::now() + WAIT;
        while !self.read() {
            assert!(Instant::now() < deadline, "the foreign consumer did not close");
            std::thread::sleep(POLL);
        }
        self.child.wait().unwrap();
    }
}

/// Ours and librdkafka's consumers in one group, each leading in turn: they split the partitions
/// (each reads the other's subscription and assignment encoding) and consume everything.
pub fn mixed_group(kind: Foreign, bootstrap: &str, foreign_bootstrap: &str, strategy: &str) {
    let bootstrap = bootstrap.to_string();
    let topic = unique(&format!("groups-mixed-{strategy}"));
    let group = unique("g-mixed");
    create_topic(&bootstrap, &topic);
    produce(&bootstrap, &topic, 0, 200);

    // Ours first: our leader assigns to librdkafka.
    let mut ours = Member::new(&bootstrap, &group, strategy, &topic);
    poll_until(&mut [&mut ours], "our member owning everything", |ms| ms[0].assignment().len() == PARTITIONS as usize);
    let mut rdk = ForeignMember::start(kind, foreign_bootstrap, &group, &topic, strategy);
    let split = |ours: &Member, rdk: &ForeignMember| {
        let mine: BTreeSet<i32> = ours.assignment().iter().map(|tp| tp.partition).collect();
        mine.len() == 3 && rdk.assignment.len() == 3 && mine.is_disjoint(&rdk.assignment)
    };
    let deadline = Instant::now() + WAIT;
    loop {
        ours.poll();
        rdk.read();
        let mut all: BTreeSet<usize> = ours.values.iter().copied().collect();
        all.extend(rdk.values.iter().copied());
        if split(&ours, &rdk) && all.len() == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "split under our leader: ours {:?}, theirs {:?}",
            ours.assignment(),
            rdk.assignment
        );
    }
    // Ours leaves; a new member of ours joins the group librdkafka now leads.
    ours.consumer.close(WAIT).expect("close");
    let deadline = Instant::now() + WAIT;
    while rdk.assignment.len() < PARTITIONS as usize {
        rdk.read();
        assert!(Instant::now() < deadline, "theirs alone: {:?}", rdk.assignment);
        std::thread::sleep(POLL);
    }
    produce(&bootstrap, &topic, 200, 300);
    let mut second = Member::new(&bootstrap, &group, strategy, &topic);
    let deadline = Instant::now() + WAIT;
    loop {
        second.poll();
        rdk.read();
        if split(&second, &rdk) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "split under theirs: ours {:?}, theirs {:?}",
            second.assignment(),
            rdk.assignment
        );
    }
    rdk.close();
    poll_until(&mut [&mut second], "ours alone again", |ms| ms[0].assignment().len() == PARTITIONS as usize);
    second.consumer.close(WAIT).expect("close");
}

/// A consumer of the group that assigns partitions by hand starts from the group's committed
/// offsets (and `auto.offset.reset` where nothing is committed).
pub fn manual_assignment_starts_from_committed_offsets(bootstrap: &str) {
    let topic = unique("groups-manual");
    let group = unique("g-manual");
    create_topic(bootstrap, &topic);
    produce(bootstrap, &topic, 0, 120);
    let ends = end_offsets(bootstrap, &topic);
    let (full, empty) = (*ends.iter().find(|(_, n)| **n > 5).expect("a partition with records").0, 0);
    let first = TopicPartition::new(&topic, full);
    let mut c = member_with(bootstrap, &group, "range", "false");
    c.commit(Some(vec![(first.clone(), OffsetAndMetadata::new(5))]), WAIT).expect("commit");
    drop(c);
    let mut c = member_with(bootstrap, &group, "range", "false");
    let other = TopicPartition::new(&topic, if full == empty { 1 } else { empty });
    c.assign(vec![(first.clone(), None), (other.clone(), None)]);
    let deadline = Instant::now() + WAIT;
    let mut got: BTreeMap<i32, i64> = BTreeMap::new();
    while got.len() < 2 && Instant::now() < deadline {
        for r in c.poll(POLL).expect("poll") {
            got.entry(r.partition).or_insert(r.offset);
        }
        if ends[&other.partition] == 0 && got.contains_key(&first.partition) {
            break;
        }
    }
    assert_eq!(got.get(&first.partition), Some(&5), "from the committed offset");
    if ends[&other.partition] > 0 {
        assert_eq!(got.get(&other.partition), Some(&0), "nothing committed: earliest");
    }
}

/// With the revoke barrier, a member commits what it consumed when a rebalance revokes its
/// partitions, before releasing them: the member that takes them over reads no record twice.
pub fn revoke_barrier_lets_the_owner_commit_before_release(bootstrap: &str) {
    let topic = unique("groups-barrier");
    let group = unique("g-barrier");
    create_topic(bootstrap, &topic);
    produce(bootstrap, &topic, 0, 120);
    let mut a = Member { consumer: member_with(bootstrap, &group, "range", "false"), values: vec![], events: vec![] };
    a.consumer.set_revoke_barrier(true);
    a.consumer.subscribe(&[topic.as_str()]).expect("subscribe");
    poll_until(&mut [&mut a], "the first member reading everything", |ms| {
        ms[0].values.iter().collect::<BTreeSet<_>>().len() == 120
    });
    let mut b = Member { consumer: member_with(bootstrap, &group, "range", "false"), values: vec![], events: vec![] };
    b.consumer.subscribe(&[topic.as_str()]).expect("subscribe");
    let deadline = Instant::now() + WAIT;
    let mut released = false;
    loop {
        a.poll();
        b.poll();
        if !released && a.events.iter().any(|e| matches!(e, ConsumerEvent::Revoked(_))) {
            // The application's on_revoke: commit the positions, then let the partitions go.
            a.consumer.commit(None, WAIT).expect("commit in on_revoke");
            a.consumer.ack_revoke();
            released = true;
        }
        if disjoint_cover(&[&mut a, &mut b]) && b.assignment().len() == 3 {
            break;
        }
        assert!(Instant::now() < deadline, "rebalance: a {:?}, b {:?}", a.assignment(), b.assignment());
    }
    // b starts where a committed: nothing more to read, nothing read twice.
    for _ in 0..20 {
        b.poll();
    }
    assert!(b.values.is_empty(), "b re-read {} records a had processed and committed", b.values.len());
    a.consumer.close(WAIT).expect("close");
    b.consumer.close(WAIT).expect("close");
}
