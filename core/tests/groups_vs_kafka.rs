//! One raw group-protocol scenario, error code by error code, run against kafkette (always) and
//! against Apache Kafka (ignored; `KAFKETTE_APACHE_BOOTSTRAP=host:port cargo test -p kafkette --test
//! groups_vs_kafka -- --ignored`), so the codes the coordinator answers are Kafka's own.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::leave_group_request::MemberIdentity;
use kafka_protocol::messages::offset_commit_request::{OffsetCommitRequestPartition, OffsetCommitRequestTopic};
use kafka_protocol::messages::offset_fetch_request::OffsetFetchRequestTopic;
use kafka_protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use kafkette::broker::BrokerConfig;
use kafkette::net::server::BackgroundServer;

fn s(v: &str) -> StrBytes {
    StrBytes::from_string(v.to_string())
}

struct Conn(TcpStream, i32);

impl Conn {
    fn open(addr: &str) -> Conn {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        Conn(stream, 0)
    }

    fn call(&mut self, version: i16, body: RequestKind) -> ResponseKind {
        self.1 += 1;
        let key = kafkette::protocol::api_key(&body).unwrap();
        let header = RequestHeader::default()
            .with_request_api_key(key as i16)
            .with_request_api_version(version)
            .with_correlation_id(self.1)
            .with_client_id(Some(s("cmp")));
        let mut buf = BytesMut::new();
        header.encode(&mut buf, key.request_header_version(version)).unwrap();
        body.encode(&mut buf, version).unwrap();
        self.0.write_all(&(buf.len() as i32).to_be_bytes()).unwrap();
        self.0.write_all(&buf).unwrap();
        let mut size = [0u8; 4];
        self.0.read_exact(&mut size).unwrap();
        let mut frame = vec![0u8; i32::from_be_bytes(size) as usize];
        self.0.read_exact(&mut frame).unwrap();
        let mut b = Bytes::from(frame);
        let h = ResponseHeader::decode(&mut b, key.response_header_version(version)).unwrap();
        assert_eq!(h.correlation_id, self.1);
        ResponseKind::decode(key, &mut b, version).unwrap()
    }
}

fn join(g: &str, member: &str, session_ms: i32) -> RequestKind {
    let p = JoinGroupRequestProtocol::default().with_name(s("range")).with_metadata(Bytes::from_static(b"\0\0"));
    RequestKind::JoinGroup(
        JoinGroupRequest::default()
            .with_group_id(GroupId(s(g)))
            .with_session_timeout_ms(session_ms)
            .with_rebalance_timeout_ms(10_000)
            .with_member_id(s(member))
            .with_protocol_type(s("consumer"))
            .with_protocols(vec![p]),
    )
}

fn commit(g: &str, gen: i32, member: &str, topic: &str, metadata: &str) -> RequestKind {
    let p = OffsetCommitRequestPartition::default()
        .with_partition_index(0)
        .with_committed_offset(1)
        .with_committed_metadata(Some(s(metadata)));
    RequestKind::OffsetCommit(
        OffsetCommitRequest::default()
            .with_group_id(GroupId(s(g)))
            .with_generation_id_or_member_epoch(gen)
            .with_member_id(s(member))
            .with_topics(vec![OffsetCommitRequestTopic::default()
                .with_name(TopicName(s(topic)))
                .with_partitions(vec![p])]),
    )
}

fn heartbeat(g: &str, gen: i32, member: &str) -> RequestKind {
    RequestKind::Heartbeat(
        HeartbeatRequest::default().with_group_id(GroupId(s(g))).with_generation_id(gen).with_member_id(s(member)),
    )
}

fn code(r: &ResponseKind) -> i16 {
    match r {
        ResponseKind::JoinGroup(r) => r.error_code,
        ResponseKind::SyncGroup(r) => r.error_code,
        ResponseKind::Heartbeat(r) => r.error_code,
        ResponseKind::LeaveGroup(r) => r.members.first().map_or(r.error_code, |m| m.error_code),
        ResponseKind::OffsetCommit(r) => r.topics[0].partitions[0].error_code,
        ResponseKind::DeleteGroups(r) => r.results[0].error_code,
        ResponseKind::DescribeGroups(r) => r.groups[0].error_code,
        other => panic!("{other:?}"),
    }
}

/// Runs the scenario at `addr`; returns `(step, error code)` in order.
fn scenario(addr: &str) -> Vec<(&'static str, i16)> {
    let mut c = Conn::open(addr);
    let uniq = std::process::id();
    let (g, topic) = (format!("cmp-g-{uniq}"), format!("cmp-t-{uniq}"));
    let t = CreatableTopic::default().with_name(TopicName(s(&topic))).with_num_partitions(2).with_replication_factor(1);
    c.call(5, RequestKind::CreateTopics(CreateTopicsRequest::default().with_topics(vec![t]).with_timeout_ms(10_000)));
    // Apache Kafka creates __consumer_offsets on the first FindCoordinator; wait for it.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = c.call(3, RequestKind::FindCoordinator(FindCoordinatorRequest::default().with_key(s(&g))));
        let ResponseKind::FindCoordinator(r) = r else { panic!() };
        if r.error_code == 0 || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    // ...and for its coordinator to load (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS meanwhile).
    while [14, 16].contains(&code(&c.call(4, heartbeat(&g, 1, "warm-up")))) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    let mut out = Vec::new();
    let mut step = |name, r: &ResponseKind| out.push((name, code(r)));
    step("heartbeat unknown group", &c.call(4, heartbeat(&g, 1, "nobody")));
    step("join empty group id", &c.call(7, join("", "", 10_000)));
    step("join bad session timeout", &c.call(7, join(&g, "", 1)));
    step("join unknown member id", &c.call(7, join(&format!("{g}-x"), "made-up", 10_000)));
    let r = c.call(7, join(&g, "", 10_000));
    step("join new member v7", &r);
    let ResponseKind::JoinGroup(r) = r else { panic!() };
    let me = r.member_id.to_string();
    let r = c.call(7, join(&g, &me, 10_000));
    step("join with the given id", &r);
    let ResponseKind::JoinGroup(r) = r else { panic!() };
    let gen = r.generation_id;
    step("simple commit on a live group", &c.call(8, commit(&g, -1, "", &topic, "")));
    step("commit before sync", &c.call(8, commit(&g, gen, &me, &topic, "")));
    step("heartbeat before sync", &c.call(4, heartbeat(&g, gen, &me)));
    let a = SyncGroupRequestAssignment::default().with_member_id(s(&me)).with_assignment(Bytes::from_static(b"x"));
    let sync = SyncGroupRequest::default()
        .with_group_id(GroupId(s(&g)))
        .with_generation_id(gen)
        .with_member_id(s(&me))
        .with_protocol_type(Some(s("consumer")))
        .with_protocol_name(Some(s("range")))
        .with_assignments(vec![a]);
    step("sync as leader", &c.call(5, RequestKind::SyncGroup(sync.clone())));
    step("sync wrong protocol", &c.call(5, RequestKind::SyncGroup(sync.with_protocol_name(Some(s("roundrobin"))))));
    step("heartbeat", &c.call(4, heartbeat(&g, gen, &me)));
    // What DescribeGroups and ListGroups show of a stable group.
    let d = DescribeGroupsRequest::default().with_groups(vec![GroupId(s(&g))]).with_include_authorized_operations(true);
    let ResponseKind::DescribeGroups(d) = c.call(5, RequestKind::DescribeGroups(d)) else { panic!() };
    let dg = &d.groups[0];
    assert_eq!(
        (dg.group_state.as_str(), dg.protocol_type.as_str(), dg.protocol_data.as_str()),
        ("Stable", "consumer", "range")
    );
    assert_eq!(dg.authorized_operations, 3400, "READ, DELETE, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS");
    let m = &dg.members[0];
    assert_eq!(
        (m.member_id.as_str(), m.client_id.as_str(), m.client_host.as_str()),
        (me.as_str(), "cmp", "/127.0.0.1")
    );
    assert_eq!((m.member_metadata.as_ref(), m.member_assignment.as_ref()), (&b"\0\0"[..], &b"x"[..]));
    let listed = |c: &mut Conn, states: &[&str]| -> Vec<(String, String, String)> {
        let l = ListGroupsRequest::default().with_states_filter(states.iter().map(|x| s(x)).collect());
        let ResponseKind::ListGroups(l) = c.call(4, RequestKind::ListGroups(l)) else { panic!() };
        l.groups
            .iter()
            .filter(|x| x.group_id.0.starts_with(g.as_str()))
            .map(|x| (x.group_id.0.to_string(), x.protocol_type.to_string(), x.group_state.to_string()))
            .collect()
    };
    assert_eq!(listed(&mut c, &["stable"]), vec![(g.clone(), "consumer".to_string(), "Stable".to_string())]);
    assert_eq!(listed(&mut c, &["Empty"]), vec![]);
    step("heartbeat stale generation", &c.call(4, heartbeat(&g, gen - 1, &me)));
    step("heartbeat unknown member", &c.call(4, heartbeat(&g, gen, "nobody")));
    step("commit", &c.call(8, commit(&g, gen, &me, &topic, "m")));
    step("commit stale generation", &c.call(8, commit(&g, gen - 1, &me, &topic, "")));
    step("commit unknown member", &c.call(8, commit(&g, gen, "nobody", &topic, "")));
    step("commit metadata too large", &c.call(8, commit(&g, gen, &me, &topic, &"x".repeat(5000))));
    step("commit unknown topic", &c.call(8, commit(&g, gen, &me, &format!("{topic}-none"), "")));
    let del =
        |id: &str| RequestKind::DeleteGroups(DeleteGroupsRequest::default().with_groups_names(vec![GroupId(s(id))]));
    step("delete live group", &c.call(2, del(&g)));
    step("delete unknown group", &c.call(2, del(&format!("{g}-none"))));
    let desc =
        |id: &str| RequestKind::DescribeGroups(DescribeGroupsRequest::default().with_groups(vec![GroupId(s(id))]));
    step("describe unknown group", &c.call(5, desc(&format!("{g}-none"))));
    let leave = |m: &str| {
        RequestKind::LeaveGroup(
            LeaveGroupRequest::default()
                .with_group_id(GroupId(s(&g)))
                .with_members(vec![MemberIdentity::default().with_member_id(s(m))]),
        )
    };
    step("leave unknown member", &c.call(4, leave("nobody")));
    step("leave", &c.call(4, leave(&me)));
    step("simple commit on an empty group", &c.call(8, commit(&g, -1, "", &topic, "")));
    let t = OffsetFetchRequestTopic::default().with_name(TopicName(s(&topic))).with_partition_indexes(vec![0, 1]);
    let fetch = OffsetFetchRequest::default()
        .with_group_id(GroupId(s(&g)))
        .with_topics(Some(vec![t]))
        .with_require_stable(true);
    let ResponseKind::OffsetFetch(f) = c.call(7, RequestKind::OffsetFetch(fetch)) else { panic!() };
    let offsets: Vec<(i64, i16)> = f.topics[0].partitions.iter().map(|p| (p.committed_offset, p.error_code)).collect();
    assert_eq!(offsets, vec![(1, 0), (-1, 0)]);
    let ResponseKind::DescribeGroups(d) = c.call(5, desc(&g)) else { panic!() };
    assert_eq!(d.groups[0].group_state.as_str(), "Empty");
    step("delete empty group", &c.call(2, del(&g)));

    // Static membership (KIP-345): a single static member restarts with an empty member id.
    let g2 = format!("{g}-static");
    let sjoin = |member: &str| {
        let RequestKind::JoinGroup(j) = join(&g2, member, 10_000) else { unreachable!() };
        RequestKind::JoinGroup(j.with_group_instance_id(Some(s("inst-1"))))
    };
    let r = c.call(7, sjoin(""));
    step("static join", &r);
    let ResponseKind::JoinGroup(r) = r else { panic!() };
    let (old, gen) = (r.member_id.to_string(), r.generation_id);
    let a = SyncGroupRequestAssignment::default().with_member_id(s(&old)).with_assignment(Bytes::from_static(b"x"));
    let sync = SyncGroupRequest::default()
        .with_group_id(GroupId(s(&g2)))
        .with_generation_id(gen)
        .with_member_id(s(&old))
        .with_group_instance_id(Some(s("inst-1")))
        .with_assignments(vec![a]);
    step("sync v5 without protocol", &c.call(5, RequestKind::SyncGroup(sync.clone())));
    let sync = sync.with_protocol_type(Some(s("consumer"))).with_protocol_name(Some(s("range")));
    step("static sync", &c.call(5, RequestKind::SyncGroup(sync)));
    let r = c.call(7, sjoin(""));
    step("static rejoin", &r);
    let ResponseKind::JoinGroup(r) = r else { panic!() };
    let new = r.member_id.to_string();
    step(
        "static rejoin: new member id",
        &ResponseKind::Heartbeat(HeartbeatResponse::default().with_error_code((new != old) as i16)),
    );
    let shb = |m: &str, gen| {
        let RequestKind::Heartbeat(h) = heartbeat(&g2, gen, m) else { unreachable!() };
        RequestKind::Heartbeat(h.with_group_instance_id(Some(s("inst-1"))))
    };
    step("static heartbeat old id", &c.call(4, shb(&old, r.generation_id)));
    let sleave = |m: &str| {
        RequestKind::LeaveGroup(LeaveGroupRequest::default().with_group_id(GroupId(s(&g2))).with_members(vec![
            MemberIdentity::default().with_member_id(s(m)).with_group_instance_id(Some(s("inst-1"))),
        ]))
    };
    step("static leave old id", &c.call(4, sleave(&old)));
    step("static leave by instance", &c.call(4, sleave("")));
    step("static heartbeat after leave", &c.call(4, shb(&new, r.generation_id)));
    out
}

/// What Apache Kafka 4.1 answers (checked with the ignored test below).
const EXPECTED: &[(&str, i16)] = &[
    ("heartbeat unknown group", 25),
    ("join empty group id", 24),
    ("join bad session timeout", 26),
    ("join unknown member id", 25),
    ("join new member v7", 79),
    ("join with the given id", 0),
    ("simple commit on a live group", 25),
    ("commit before sync", 27),
    ("heartbeat before sync", 0),
    ("sync as leader", 0),
    ("sync wrong protocol", 23),
    ("heartbeat", 0),
    ("heartbeat stale generation", 22),
    ("heartbeat unknown member", 25),
    ("commit", 0),
    ("commit stale generation", 22),
    ("commit unknown member", 25),
    ("commit metadata too large", 12),
    ("commit unknown topic", 3),
    ("delete live group", 68),
    ("delete unknown group", 69),
    ("describe unknown group", 0),
    ("leave unknown member", 25),
    ("leave", 0),
    ("simple commit on an empty group", 0),
    ("delete empty group", 0),
    ("static join", 0),
    ("sync v5 without protocol", 23),
    ("static sync", 0),
    ("static rejoin", 0),
    ("static rejoin: new member id", 1),
    ("static heartbeat old id", 82),
    ("static leave old id", 82),
    ("static leave by instance", 0),
    ("static heartbeat after leave", 25),
];

#[test]
fn kafkette_answers_the_group_scenario_as_kafka() {
    let srv = BackgroundServer::start(BrokerConfig::default(), "127.0.0.1:0").unwrap();
    assert_eq!(scenario(&srv.local_addr().to_string()), EXPECTED);
}

#[test]
#[ignore = "needs Apache Kafka: KAFKETTE_APACHE_BOOTSTRAP=host:port"]
fn apache_kafka_answers_the_group_scenario() {
    let addr = std::env::var("KAFKETTE_APACHE_BOOTSTRAP").expect("KAFKETTE_APACHE_BOOTSTRAP");
    let addr = addr.split(',').next().unwrap().to_string();
    assert_eq!(scenario(&addr), EXPECTED);
}
