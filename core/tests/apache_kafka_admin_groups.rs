//! Our admin client's consumer group calls against a real Apache Kafka 4.x broker, on groups made
//! by real confluent-kafka clients (tests/compat/group_member.py, run by these tests with
//! tests/compat/.venv/bin/python): list, describe with assignments, committed offsets, lag (with
//! the last stable offset for read_committed), resets, offset deletion and group deletion.
//!
//! Ignored by default: they need a broker, which tests/compat/test_ours_vs_apache.py starts and
//! names in KAFKETTE_APACHE_BOOTSTRAP:
//!
//! ```text
//! KAFKETTE_APACHE_BOOTSTRAP=127.0.0.1:9092 cargo test -p kafkette --test apache_kafka_admin_groups -- --ignored
//! ```

mod common;
use common::{bootstrap, unique};

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use kafkette::admin::lag::ResetTo;
use kafkette::admin::{AdminResult, NewTopic};
use kafkette::consumer::TopicPartition;
use kafkette::local::{Admin, Producer, TopicSelection};
use kafkette::producer::ProducerRecord;
use kafkette::ErrorCode;

const PARTITIONS: i32 = 3;
const PER_PARTITION: i64 = 10;
const WAIT: Duration = Duration::from_secs(60);

fn admin(bootstrap: &str) -> Admin {
    Admin::new([("bootstrap.servers", bootstrap)]).expect("admin client")
}

fn compat_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/compat")
}

/// A real client from tests/compat/group_member.py, in place once it printed `ready`; it leaves
/// (closes the consumer, aborts the transaction) when dropped.
struct RealClient {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl RealClient {
    fn start(args: &[&str]) -> RealClient {
        let python = compat_dir().join(".venv/bin/python");
        let mut child = Command::new(&python)
            .arg(compat_dir().join("group_member.py"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e} (make test-compat sets up the venv)", python.display()));
        let (tx, lines) = mpsc::channel();
        let out = BufReader::new(child.stdout.take().unwrap());
        std::thread::spawn(move || {
            for line in out.lines().map_while(|l| l.ok()) {
                let _ = tx.send(line);
            }
        });
        let mut c = RealClient { child, lines };
        c.expect("ready");
        c
    }

    fn expect(&mut self, want: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) if l == want => return,
                Ok(_) => {}
                Err(_) => {
                    let status = self.child.try_wait();
                    panic!("group_member.py never printed {want:?} (status {status:?})");
                }
            }
        }
    }

    /// Leave cleanly and wait until done.
    fn leave(mut self) {
        drop(self.child.stdin.take());
        self.expect("closed");
        let _ = self.child.wait();
    }
}

impl Drop for RealClient {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A topic of `PARTITIONS` partitions holding `PER_PARTITION` records in each.
fn topic_with_records(bootstrap: &str, admin: &mut Admin, name: &str) -> String {
    let topic = unique(name);
    match admin.create_topics(vec![NewTopic::new(&topic, PARTITIONS, 1)], false).expect("CreateTopics") {
        AdminResult::CreateTopics(r) => r[0].1.as_ref().unwrap_or_else(|e| panic!("{e}")),
        other => panic!("{other:?}"),
    };
    let deadline = Instant::now() + WAIT;
    while !matches!(admin.list_topics().expect("Metadata"),
        AdminResult::ListTopics(t) if t.iter().any(|t| t.name == topic && t.partitions == PARTITIONS))
    {
        assert!(Instant::now() < deadline, "{topic} did not appear");
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut p = Producer::new([("bootstrap.servers", bootstrap), ("linger.ms", "1")]).expect("producer");
    for i in 0..PARTITIONS as i64 * PER_PARTITION {
        p.send(ProducerRecord {
            topic: topic.clone(),
            partition: Some((i % PARTITIONS as i64) as i32),
            key: None,
            value: Some(Bytes::from(format!("v{i}"))),
            headers: vec![],
            timestamp: None,
        })
        .expect("send");
    }
    p.flush(WAIT).expect("flush");
    topic
}

fn committed(admin: &mut Admin, group: &str) -> BTreeMap<i32, i64> {
    admin
        .list_group_offsets(group, None, false)
        .expect("OffsetFetch")
        .into_iter()
        .filter_map(|(tp, r)| Some((tp.partition, r.expect("partition")?.offset)))
        .collect()
}

/// Kafka moves a group to Empty when its last member leaves; wait for what `state` says.
fn wait_for_state(admin: &mut Admin, group: &str, state: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let d = admin.describe_group(group).expect("DescribeGroups");
        if d.state == state {
            return;
        }
        assert!(Instant::now() < deadline, "group {group} stayed {}", d.state);
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
#[ignore = "needs Apache Kafka: KAFKETTE_APACHE_BOOTSTRAP (tests/compat/test_ours_vs_apache.py)"]
fn a_live_group_is_described_with_its_lag_and_protected_from_resets() {
    let bootstrap = bootstrap();
    let mut admin = admin(&bootstrap);
    let topic = topic_with_records(&bootstrap, &mut admin, "admin-groups-live");
    let group = unique("live");
    let member = RealClient::start(&["member", &bootstrap, &topic, &group, r#"{"0": 3, "1": 10}"#]);

    let listed = admin.list_groups(vec![]).expect("ListGroups");
    assert!(listed.errors.is_empty(), "{:?}", listed.errors);
    let g = listed.groups.iter().find(|g| g.group_id == group).expect("listed");
    assert_eq!((g.protocol_type.as_str(), g.state.as_deref()), ("consumer", Some("Stable")));
    let stable = admin.list_groups(vec!["Empty".into()]).expect("ListGroups");
    assert!(!stable.groups.iter().any(|g| g.group_id == group), "the states filter applies");

    let d = admin.describe_group(&group).expect("DescribeGroups");
    assert_eq!((d.state.as_str(), d.protocol_type.as_str(), d.assignor.as_str()), ("Stable", "consumer", "range"));
    assert_eq!(d.members.len(), 1);
    let m = &d.members[0];
    assert_eq!((m.client_id.as_str(), m.host.as_str()), ("kafkette-test-member", "/127.0.0.1"));
    let all: Vec<TopicPartition> = (0..PARTITIONS).map(|p| TopicPartition::new(&topic, p)).collect();
    assert_eq!(m.assignment, all);

    let lag = admin.describe_group_lag(&group, false).expect("lag");
    type Row = (i32, Option<i64>, Option<i64>, Option<i64>, bool);
    let rows: Vec<Row> = lag
        .rows
        .iter()
        .map(|r| {
            (r.partition, r.current_offset, r.log_end_offset, r.lag, r.consumer_id.as_deref() == Some(&m.member_id))
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (0, Some(3), Some(10), Some(7), true),
            (1, Some(10), Some(10), Some(0), true),
            (2, None, Some(10), None, true)
        ]
    );

    let some = admin
        .list_group_offsets(&group, Some(vec![TopicPartition::new(&topic, 0), TopicPartition::new(&topic, 2)]), true)
        .expect("OffsetFetch");
    let some: Vec<(i32, Option<i64>)> =
        some.into_iter().map(|(tp, r)| (tp.partition, r.unwrap().map(|c| c.offset))).collect();
    assert_eq!(some, vec![(0, Some(3)), (2, None)]);

    // A group with members refuses resets and deletion.
    let sel = [TopicSelection::parse(&topic).unwrap()];
    let e = admin.reset_group_offsets(&group, &sel, ResetTo::Earliest, true).unwrap_err();
    assert_eq!(e.code(), ErrorCode::NON_EMPTY_GROUP, "{e}");
    let e = admin.alter_group_offsets(&group, vec![(TopicPartition::new(&topic, 0), 0)]).unwrap_err();
    assert_eq!(e.code(), ErrorCode::UNKNOWN_MEMBER_ID, "{e}");
    let deleted = admin.delete_groups(vec![group.clone()]).expect("DeleteGroups");
    assert_eq!(deleted[0].1.as_ref().unwrap_err().code(), ErrorCode::NON_EMPTY_GROUP);
    assert_eq!(committed(&mut admin, &group), [(0, 3), (1, 10)].into_iter().collect());
    member.leave();
}

#[test]
#[ignore = "needs Apache Kafka: KAFKETTE_APACHE_BOOTSTRAP (tests/compat/test_ours_vs_apache.py)"]
fn an_empty_group_is_reset_its_offsets_deleted_and_then_itself() {
    let bootstrap = bootstrap();
    let mut admin = admin(&bootstrap);
    let topic = topic_with_records(&bootstrap, &mut admin, "admin-groups-reset");
    let group = unique("reset");
    RealClient::start(&["member", &bootstrap, &topic, &group, r#"{"0": 3, "1": 10, "2": 7}"#]).leave();
    wait_for_state(&mut admin, &group, "Empty");
    let lag = admin.describe_group_lag(&group, false).expect("lag");
    assert!(lag.rows.iter().all(|r| r.consumer_id.is_none()) && lag.rows.len() == 3, "{:?}", lag.rows);

    let all = [TopicSelection::parse(&topic).unwrap()];
    let plan = admin.reset_group_offsets(&group, &all, ResetTo::Earliest, false).expect("dry run");
    assert_eq!(plan.iter().map(|(_, o)| *o).collect::<Vec<_>>(), vec![0, 0, 0]);
    assert_eq!(
        committed(&mut admin, &group),
        [(0, 3), (1, 10), (2, 7)].into_iter().collect(),
        "a dry run commits nothing"
    );

    let two = [TopicSelection::parse(&format!("{topic}:0,2")).unwrap()];
    let plan = admin.reset_group_offsets(&group, &two, ResetTo::Offset(50), true).expect("to offset");
    assert_eq!(plan.iter().map(|(tp, o)| (tp.partition, *o)).collect::<Vec<_>>(), vec![(0, 10), (2, 10)]);
    assert_eq!(committed(&mut admin, &group), [(0, 10), (1, 10), (2, 10)].into_iter().collect());

    admin.reset_group_offsets(&group, &all, ResetTo::Timestamp(0), true).expect("to an old time");
    assert_eq!(committed(&mut admin, &group), [(0, 0), (1, 0), (2, 0)].into_iter().collect());
    let future = kafkette::admin::lag::parse_datetime_ms("2999-01-01T00:00:00Z").unwrap();
    admin.reset_group_offsets(&group, &all, ResetTo::Timestamp(future), true).expect("to a future time");
    assert_eq!(committed(&mut admin, &group), [(0, 10), (1, 10), (2, 10)].into_iter().collect());
    admin.reset_group_offsets(&group, &two, ResetTo::Offset(4), true).expect("to offset");
    let lag = admin.describe_group_lag(&group, false).expect("lag");
    assert_eq!(lag.rows.iter().map(|r| r.lag).collect::<Vec<_>>(), vec![Some(6), Some(0), Some(6)]);

    let e =
        admin.reset_group_offsets(&group, &[TopicSelection::parse("no-such-topic").unwrap()], ResetTo::Latest, true);
    assert_eq!(e.unwrap_err().code(), ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);

    let gone = admin.delete_group_offsets(&group, vec![TopicPartition::new(&topic, 1)]).expect("OffsetDelete");
    assert!(gone[0].1.is_ok(), "{gone:?}");
    assert_eq!(committed(&mut admin, &group), [(0, 4), (2, 4)].into_iter().collect());

    let deleted = admin.delete_groups(vec![group.clone(), unique("never-existed")]).expect("DeleteGroups");
    assert!(deleted[0].1.is_ok(), "{deleted:?}");
    assert_eq!(deleted[1].1.as_ref().unwrap_err().code(), ErrorCode::GROUP_ID_NOT_FOUND);
    assert_eq!(admin.describe_group(&group).expect("DescribeGroups").state, "Dead");
    assert!(!admin.list_groups(vec![]).unwrap().groups.iter().any(|g| g.group_id == group));
}

#[test]
#[ignore = "needs Apache Kafka: KAFKETTE_APACHE_BOOTSTRAP (tests/compat/test_ours_vs_apache.py)"]
fn read_committed_lag_stops_at_the_last_stable_offset() {
    let bootstrap = bootstrap();
    let mut admin = admin(&bootstrap);
    let topic = topic_with_records(&bootstrap, &mut admin, "admin-groups-lso");
    let group = unique("lso");
    RealClient::start(&["member", &bootstrap, &topic, &group, r#"{"0": 10}"#]).leave();
    let txn = RealClient::start(&["open-txn", &bootstrap, &topic, "4"]);
    let p0 = |lag: &kafkette::local::GroupLag| lag.rows.iter().find(|r| r.partition == 0).unwrap().clone();
    let uncommitted = p0(&admin.describe_group_lag(&group, false).expect("lag"));
    assert_eq!((uncommitted.log_end_offset, uncommitted.lag), (Some(14), Some(4)), "the open transaction's records");
    let committed_view = p0(&admin.describe_group_lag(&group, true).expect("lag"));
    assert_eq!((committed_view.log_end_offset, committed_view.lag), (Some(10), Some(0)), "stops at the LSO");
    txn.leave();
    // Aborted: the records and the abort marker are past the LSO now, and count as lag either way
    // (as in Kafka's tool: a consumer moves past them).
    let after = p0(&admin.describe_group_lag(&group, true).expect("lag"));
    assert_eq!((after.log_end_offset, after.lag), (Some(15), Some(5)));
}
