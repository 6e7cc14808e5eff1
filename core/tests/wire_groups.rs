//! The group coordinator over TCP: a consumer group's JoinGroup (parked until the rebalance
//! completes, on its own connection), SyncGroup, Heartbeat, OffsetCommit, OffsetFetch and
//! LeaveGroup as clients frame them; a hostile JoinGroup closes its connection, not the server.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::offset_commit_request::{OffsetCommitRequestPartition, OffsetCommitRequestTopic};
use kafka_protocol::messages::offset_fetch_request::{OffsetFetchRequestGroup, OffsetFetchRequestTopics};
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
    fn open(srv: &BackgroundServer) -> Conn {
        let stream = TcpStream::connect(srv.local_addr()).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Conn(stream, 0)
    }

    fn send(&mut self, version: i16, body: RequestKind) {
        self.1 += 1;
        let key = kafkette::protocol::api_key(&body).unwrap();
        let header = RequestHeader::default()
            .with_request_api_key(key as i16)
            .with_request_api_version(version)
            .with_correlation_id(self.1)
            .with_client_id(Some(s("wire")));
        let mut buf = BytesMut::new();
        header.encode(&mut buf, key.request_header_version(version)).unwrap();
        body.encode(&mut buf, version).unwrap();
        self.0.write_all(&(buf.len() as i32).to_be_bytes()).unwrap();
        self.0.write_all(&buf).unwrap();
    }

    fn recv(&mut self, key: ApiKey, version: i16) -> ResponseKind {
        let mut size = [0u8; 4];
        self.0.read_exact(&mut size).unwrap();
        let mut buf = vec![0u8; i32::from_be_bytes(size) as usize];
        self.0.read_exact(&mut buf).unwrap();
        let mut b = Bytes::from(buf);
        let h = ResponseHeader::decode(&mut b, key.response_header_version(version)).unwrap();
        assert_eq!(h.correlation_id, self.1);
        ResponseKind::decode(key, &mut b, version).unwrap()
    }

    fn call(&mut self, version: i16, body: RequestKind) -> ResponseKind {
        let key = kafkette::protocol::api_key(&body).unwrap();
        self.send(version, body);
        self.recv(key, version)
    }

    /// True if nothing arrives within `ms`.
    fn quiet(&mut self, ms: u64) -> bool {
        self.0.set_read_timeout(Some(Duration::from_millis(ms))).unwrap();
        let mut b = [0u8; 1];
        let quiet = matches!(self.0.peek(&mut b), Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut));
        self.0.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        quiet
    }
}

fn join(member: &str) -> RequestKind {
    let p = JoinGroupRequestProtocol::default().with_name(s("range")).with_metadata(Bytes::from_static(b"sub"));
    RequestKind::JoinGroup(
        JoinGroupRequest::default()
            .with_group_id(GroupId(s("wg")))
            .with_session_timeout_ms(10_000)
            .with_rebalance_timeout_ms(20_000)
            .with_member_id(s(member))
            .with_protocol_type(s("consumer"))
            .with_protocols(vec![p]),
    )
}

fn joined(r: ResponseKind) -> JoinGroupResponse {
    match r {
        ResponseKind::JoinGroup(r) => r,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_two_member_group_over_tcp() {
    let srv = BackgroundServer::start(BrokerConfig::default(), "127.0.0.1:0").unwrap();
    let mut c1 = Conn::open(&srv);
    let mut c2 = Conn::open(&srv);
    let t = CreatableTopic::default().with_name(TopicName(s("wt"))).with_num_partitions(2).with_replication_factor(1);
    c1.call(7, RequestKind::CreateTopics(CreateTopicsRequest::default().with_topics(vec![t])));

    // Member 1: MEMBER_ID_REQUIRED, then a one-member generation, then its assignment.
    let r = joined(c1.call(7, join("")));
    assert_eq!(r.error_code, 79);
    let m1 = r.member_id.to_string();
    let r = joined(c1.call(7, join(&m1)));
    assert_eq!((r.error_code, r.generation_id, r.leader.as_str()), (0, 1, m1.as_str()));
    let a = SyncGroupRequestAssignment::default().with_member_id(s(&m1)).with_assignment(Bytes::from_static(b"p0p1"));
    let sync1 = |gen, assign: Vec<SyncGroupRequestAssignment>| {
        RequestKind::SyncGroup(
            SyncGroupRequest::default()
                .with_group_id(GroupId(s("wg")))
                .with_generation_id(gen)
                .with_member_id(s(&m1))
                .with_assignments(assign),
        )
    };
    match c1.call(3, sync1(1, vec![a])) {
        ResponseKind::SyncGroup(r) => assert_eq!(r.assignment.as_ref(), b"p0p1"),
        other => panic!("{other:?}"),
    }

    // Member 2 (v4) joins: its JoinGroup is parked until member 1 rejoins.
    let r = joined(c2.call(4, join("")));
    assert_eq!(r.error_code, 79);
    let m2 = r.member_id.to_string();
    c2.send(4, join(&m2));
    assert!(c2.quiet(300), "parked while the group rebalances");
    let hb = HeartbeatRequest::default().with_group_id(GroupId(s("wg"))).with_generation_id(1).with_member_id(s(&m1));
    match c1.call(4, RequestKind::Heartbeat(hb)) {
        ResponseKind::Heartbeat(r) => assert_eq!(r.error_code, 27, "REBALANCE_IN_PROGRESS"),
        other => panic!("{other:?}"),
    }
    let r1 = joined(c1.call(7, join(&m1)));
    let r2 = joined(c2.recv(ApiKey::JoinGroup, 4));
    assert_eq!((r1.generation_id, r2.generation_id), (2, 2));
    assert_eq!(r1.members.len(), 2);
    let desc = DescribeGroupsRequest::default().with_groups(vec![GroupId(s("wg"))]);
    match c2.call(5, RequestKind::DescribeGroups(desc)) {
        ResponseKind::DescribeGroups(r) => {
            let hosts: Vec<&str> = r.groups[0].members.iter().map(|m| m.client_host.as_str()).collect();
            assert_eq!(hosts, vec!["/127.0.0.1", "/127.0.0.1"], "the peer address, as Kafka shows it");
            assert_eq!(r.groups[0].members[0].client_id.as_str(), "wire");
        }
        other => panic!("{other:?}"),
    }

    // A commit before the leader's SyncGroup is REBALANCE_IN_PROGRESS in Kafka; sync first.
    let a = SyncGroupRequestAssignment::default().with_member_id(s(&m1)).with_assignment(Bytes::from_static(b"p0"));
    match c1.call(4, sync1(2, vec![a])) {
        ResponseKind::SyncGroup(r) => assert_eq!((r.error_code, r.assignment.as_ref()), (0, &b"p0"[..])),
        other => panic!("{other:?}"),
    }

    // Commit and fetch (v8 both: flexible, batched fetch).
    let p = OffsetCommitRequestPartition::default().with_partition_index(1).with_committed_offset(42);
    let commit = OffsetCommitRequest::default()
        .with_group_id(GroupId(s("wg")))
        .with_generation_id_or_member_epoch(2)
        .with_member_id(s(&m1))
        .with_topics(vec![OffsetCommitRequestTopic::default().with_name(TopicName(s("wt"))).with_partitions(vec![p])]);
    match c1.call(8, RequestKind::OffsetCommit(commit)) {
        ResponseKind::OffsetCommit(r) => assert_eq!(r.topics[0].partitions[0].error_code, 0),
        other => panic!("{other:?}"),
    }
    let t = OffsetFetchRequestTopics::default().with_name(TopicName(s("wt"))).with_partition_indexes(vec![1]);
    let fetch = OffsetFetchRequest::default()
        .with_groups(vec![OffsetFetchRequestGroup::default()
            .with_group_id(GroupId(s("wg")))
            .with_topics(Some(vec![t]))])
        .with_require_stable(true);
    match c2.call(8, RequestKind::OffsetFetch(fetch)) {
        ResponseKind::OffsetFetch(r) => assert_eq!(r.groups[0].topics[0].partitions[0].committed_offset, 42),
        other => panic!("{other:?}"),
    }

    // A JoinGroup claiming 2^31-1 protocols closes its connection; the server carries on.
    let mut bad = Conn::open(&srv);
    let body = [
        &[0, 2, b'w', b'g'][..],
        &10_000i32.to_be_bytes(),
        &20_000i32.to_be_bytes(),
        &[0, 0],
        &[0, 8],
        b"consumer",
        &[0x7f, 0xff, 0xff, 0xff],
    ]
    .concat();
    let mut frame =
        [&11i16.to_be_bytes()[..], &1i16.to_be_bytes(), &5i32.to_be_bytes(), &(-1i16).to_be_bytes()].concat();
    frame.extend_from_slice(&body);
    bad.0.write_all(&(frame.len() as i32).to_be_bytes()).unwrap();
    bad.0.write_all(&frame).unwrap();
    let mut b = [0u8; 1];
    assert!(matches!(bad.0.read(&mut b), Ok(0) | Err(_)), "closed");

    let leave = LeaveGroupRequest::default().with_group_id(GroupId(s("wg"))).with_member_id(s(&m2));
    match c2.call(2, RequestKind::LeaveGroup(leave)) {
        ResponseKind::LeaveGroup(r) => assert_eq!(r.error_code, 0),
        other => panic!("{other:?}"),
    }
}
