//! The group coordinator through the broker's driver API: every state transition, the clock's
//! deadlines (initial delay, session expiry, rebalance timeout), static members, the rejection
//! cases, offsets (plain and transactional) and every response version encoding.

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::leave_group_request::MemberIdentity;
use kafka_protocol::messages::offset_commit_request::{OffsetCommitRequestPartition, OffsetCommitRequestTopic};
use kafka_protocol::messages::offset_fetch_request::{
    OffsetFetchRequestGroup, OffsetFetchRequestTopic, OffsetFetchRequestTopics,
};
use kafka_protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kafka_protocol::messages::txn_offset_commit_request::{
    TxnOffsetCommitRequestPartition, TxnOffsetCommitRequestTopic,
};
use kafka_protocol::messages::*;

use crate::error::ErrorCode;
use crate::group::{GroupState, OFFSETS_TOPIC};
use crate::protocol::{ApiKey, ConnId, Millis, Request, Response, StrBytes};
use crate::record::BatchIter;

use super::{Broker, BrokerConfig};

const T0: Millis = 1_700_000_000_000;
const G1: &str = "g1";

struct H {
    b: Broker,
    now: Millis,
    corr: i32,
}

fn s(v: &str) -> StrBytes {
    StrBytes::from_string(v.to_string())
}

impl H {
    fn new() -> H {
        H::with(BrokerConfig::default())
    }

    fn with(config: BrokerConfig) -> H {
        let mut h = H { b: Broker::new(config, T0), now: T0, corr: 0 };
        let topic =
            CreatableTopic::default().with_name(TopicName(s("t"))).with_num_partitions(4).with_replication_factor(1);
        h.send(99, 7, RequestKind::CreateTopics(CreateTopicsRequest::default().with_topics(vec![topic])));
        h.drain();
        h
    }

    fn send(&mut self, conn: ConnId, version: i16, body: RequestKind) -> i32 {
        self.corr += 1;
        let req = Request { api_version: version, correlation_id: self.corr, client_id: Some("cli".into()), body };
        self.b.handle_request(conn, req, self.now);
        self.corr
    }

    /// Every response so far, each encoded and decoded at its version.
    fn drain(&mut self) -> Vec<Response> {
        let mut out = Vec::new();
        while let Some(r) = self.b.poll_response() {
            let mut buf = BytesMut::new();
            r.body
                .encode(&mut buf, r.api_version)
                .unwrap_or_else(|e| panic!("{:?} v{}: {e}", r.api_key, r.api_version));
            ResponseKind::decode(r.api_key, &mut buf.freeze(), r.api_version).expect("decodes");
            out.push(r);
        }
        out
    }

    /// The one response for `conn` now (others are kept out: tests drain them explicitly).
    fn call(&mut self, conn: ConnId, version: i16, body: RequestKind) -> ResponseKind {
        let corr = self.send(conn, version, body);
        let mut rs = self.drain();
        assert_eq!(rs.len(), 1, "one response expected, got {rs:?}");
        let r = rs.remove(0);
        assert_eq!((r.conn, r.correlation_id), (conn, corr));
        r.body
    }

    fn advance(&mut self, ms: i64) {
        self.now += ms;
        self.b.handle_timeout(self.now);
    }

    fn state(&self, g: &str) -> GroupState {
        self.b.groups().group(g).map_or(GroupState::Dead, |g| g.state)
    }

    fn heartbeat(&mut self, conn: ConnId, g: &str, gen: i32, member: &str) -> ErrorCode {
        let req =
            HeartbeatRequest::default().with_group_id(GroupId(s(g))).with_generation_id(gen).with_member_id(s(member));
        match self.call(conn, 4, RequestKind::Heartbeat(req)) {
            ResponseKind::Heartbeat(r) => ErrorCode(r.error_code),
            other => panic!("{other:?}"),
        }
    }

    /// A dynamic member at v7 through MEMBER_ID_REQUIRED: its id; the second join is parked.
    fn new_member(&mut self, conn: ConnId, g: &str) -> String {
        let r = join_of(self.call(conn, 7, join(g, "", None, &["range"])));
        assert_eq!(ErrorCode(r.error_code), ErrorCode::MEMBER_ID_REQUIRED);
        let id = r.member_id.to_string();
        self.send(conn, 7, join(g, &id, None, &["range"]));
        id
    }

    fn sync(&mut self, conn: ConnId, g: &str, gen: i32, member: &str, assign: &[(&str, &'static [u8])]) -> i32 {
        self.send(conn, 5, sync(g, gen, member, assign))
    }

    fn commit(
        &mut self,
        version: i16,
        g: &str,
        gen: i32,
        member: &str,
        offsets: &[(i32, i64, &str)],
    ) -> Vec<ErrorCode> {
        let partitions = offsets
            .iter()
            .map(|&(p, o, m)| {
                OffsetCommitRequestPartition::default()
                    .with_partition_index(p)
                    .with_committed_offset(o)
                    .with_committed_leader_epoch(3)
                    .with_committed_metadata(Some(s(m)))
            })
            .collect();
        let req = OffsetCommitRequest::default()
            .with_group_id(GroupId(s(g)))
            .with_generation_id_or_member_epoch(gen)
            .with_member_id(s(member))
            .with_topics(vec![OffsetCommitRequestTopic::default()
                .with_name(TopicName(s("t")))
                .with_partitions(partitions)]);
        match self.call(50, version, RequestKind::OffsetCommit(req)) {
            ResponseKind::OffsetCommit(r) => r.topics[0].partitions.iter().map(|p| ErrorCode(p.error_code)).collect(),
            other => panic!("{other:?}"),
        }
    }

    /// OffsetFetch v7 of partitions of "t": `(offset, metadata, leader epoch, error)` each.
    fn fetch_offsets(&mut self, g: &str, parts: &[i32], stable: bool) -> Vec<(i64, String, i32, ErrorCode)> {
        let t = OffsetFetchRequestTopic::default().with_name(TopicName(s("t"))).with_partition_indexes(parts.to_vec());
        let req = OffsetFetchRequest::default()
            .with_group_id(GroupId(s(g)))
            .with_topics(Some(vec![t]))
            .with_require_stable(stable);
        match self.call(51, 7, RequestKind::OffsetFetch(req)) {
            ResponseKind::OffsetFetch(r) => {
                assert_eq!(r.error_code, 0);
                r.topics[0]
                    .partitions
                    .iter()
                    .map(|p| {
                        let m = p.metadata.as_ref().map(|m| m.to_string()).unwrap_or_default();
                        (p.committed_offset, m, p.committed_leader_epoch, ErrorCode(p.error_code))
                    })
                    .collect()
            }
            other => panic!("{other:?}"),
        }
    }
}

fn join(g: &str, member: &str, instance: Option<&str>, protocols: &[&str]) -> RequestKind {
    let protocols = protocols
        .iter()
        .map(|p| JoinGroupRequestProtocol::default().with_name(s(p)).with_metadata(Bytes::from(format!("meta-{p}"))))
        .collect();
    RequestKind::JoinGroup(
        JoinGroupRequest::default()
            .with_group_id(GroupId(s(g)))
            .with_session_timeout_ms(10_000)
            .with_rebalance_timeout_ms(30_000)
            .with_member_id(s(member))
            .with_group_instance_id(instance.map(s))
            .with_protocol_type(s("consumer"))
            .with_protocols(protocols),
    )
}

fn sync(g: &str, gen: i32, member: &str, assign: &[(&str, &'static [u8])]) -> RequestKind {
    let assignments = assign
        .iter()
        .map(|(m, a)| SyncGroupRequestAssignment::default().with_member_id(s(m)).with_assignment(Bytes::from_static(a)))
        .collect();
    RequestKind::SyncGroup(
        SyncGroupRequest::default()
            .with_group_id(GroupId(s(g)))
            .with_generation_id(gen)
            .with_member_id(s(member))
            .with_protocol_type(Some(s("consumer")))
            .with_protocol_name(Some(s("range")))
            .with_assignments(assignments),
    )
}

fn join_of(r: ResponseKind) -> JoinGroupResponse {
    match r {
        ResponseKind::JoinGroup(r) => r,
        other => panic!("{other:?}"),
    }
}

fn sync_of(r: ResponseKind) -> SyncGroupResponse {
    match r {
        ResponseKind::SyncGroup(r) => r,
        other => panic!("{other:?}"),
    }
}

/// The responses of a drain by connection.
fn by_conn(rs: Vec<Response>, conn: ConnId) -> ResponseKind {
    rs.into_iter().find(|r| r.conn == conn).unwrap_or_else(|| panic!("no response for conn {conn}")).body
}

/// Two members A (conn 1, leader) and B (conn 2) stable at generation 2; returns their ids.
fn stable_pair(h: &mut H) -> (String, String) {
    let a = h.new_member(1, G1);
    let ra = join_of(by_conn(h.drain(), 1));
    assert_eq!((ErrorCode(ra.error_code), ra.generation_id), (ErrorCode::NONE, 1));
    assert_eq!(ra.leader.as_str(), a);
    h.sync(1, G1, 1, &a, &[(&a, b"a0")]);
    assert_eq!(sync_of(by_conn(h.drain(), 1)).assignment.as_ref(), b"a0");
    assert_eq!(h.state(G1), GroupState::Stable);

    let b = h.new_member(2, G1);
    assert!(h.drain().is_empty(), "B waits for A to rejoin");
    assert_eq!(h.state(G1), GroupState::PreparingRebalance);
    assert_eq!(h.heartbeat(1, G1, 1, &a), ErrorCode::REBALANCE_IN_PROGRESS);
    h.send(1, 7, join(G1, &a, None, &["range"]));
    let rs = h.drain();
    assert_eq!(rs.len(), 2);
    let (ra, rb) = (join_of(by_conn(rs.clone(), 1)), join_of(by_conn(rs, 2)));
    assert_eq!((ra.generation_id, rb.generation_id), (2, 2));
    assert_eq!(ra.members.len(), 2, "the leader gets the members");
    assert!(rb.members.is_empty());
    assert_eq!(ra.members[1].metadata.as_ref(), b"meta-range");
    assert_eq!(rb.protocol_name.as_ref().map(|p| p.as_str()), Some("range"));
    assert_eq!(rb.protocol_type.as_ref().map(|p| p.as_str()), Some("consumer"));
    assert_eq!(h.state(G1), GroupState::CompletingRebalance);

    h.sync(2, G1, 2, &b, &[]);
    assert!(h.drain().is_empty(), "the follower waits for the leader");
    assert_eq!(h.heartbeat(3, G1, 2, &b), ErrorCode::NONE, "heartbeats are fine while completing");
    h.sync(1, G1, 2, &a, &[(&a, b"A"), (&b, b"B")]);
    let rs = h.drain();
    assert_eq!(sync_of(by_conn(rs.clone(), 1)).assignment.as_ref(), b"A");
    assert_eq!(sync_of(by_conn(rs, 2)).assignment.as_ref(), b"B");
    assert_eq!(h.state(G1), GroupState::Stable);
    (a, b)
}

#[test]
fn join_sync_heartbeat_through_every_state() {
    let mut h = H::new();
    assert_eq!(h.state(G1), GroupState::Dead);
    let (a, b) = stable_pair(&mut h);
    assert_eq!(h.heartbeat(1, G1, 2, &a), ErrorCode::NONE);
    assert_eq!(h.heartbeat(1, G1, 1, &a), ErrorCode::ILLEGAL_GENERATION);
    assert_eq!(h.heartbeat(1, G1, 2, "nobody"), ErrorCode::UNKNOWN_MEMBER_ID);
    assert_eq!(h.heartbeat(1, "no-group", 2, &a), ErrorCode::UNKNOWN_MEMBER_ID);
    // A stable follower rejoining with the same protocols gets the current generation at once.
    let r = join_of(h.call(2, 7, join(G1, &b, None, &["range"])));
    assert_eq!((ErrorCode(r.error_code), r.generation_id), (ErrorCode::NONE, 2));
    // SyncGroup in Stable hands back the assignment; a stale generation is refused.
    assert_eq!(sync_of(h.call(2, 5, sync(G1, 2, &b, &[]))).assignment.as_ref(), b"B");
    assert_eq!(ErrorCode(sync_of(h.call(2, 5, sync(G1, 1, &b, &[]))).error_code), ErrorCode::ILLEGAL_GENERATION);
    assert_eq!(ErrorCode(sync_of(h.call(2, 5, sync(G1, 2, "x", &[]))).error_code), ErrorCode::UNKNOWN_MEMBER_ID);
    let mut wrong = sync(G1, 2, &b, &[]);
    if let RequestKind::SyncGroup(r) = &mut wrong {
        r.protocol_name = Some(s("roundrobin"));
    }
    assert_eq!(ErrorCode(sync_of(h.call(2, 5, wrong)).error_code), ErrorCode::INCONSISTENT_GROUP_PROTOCOL);
    // Both leave (v3 batch): Empty, generation moves on.
    let leave = LeaveGroupRequest::default().with_group_id(GroupId(s(G1))).with_members(vec![
        MemberIdentity::default().with_member_id(s(&a)),
        MemberIdentity::default().with_member_id(s("ghost")),
    ]);
    match h.call(1, 5, RequestKind::LeaveGroup(leave)) {
        ResponseKind::LeaveGroup(r) => {
            let codes: Vec<i16> = r.members.iter().map(|m| m.error_code).collect();
            assert_eq!(codes, vec![0, ErrorCode::UNKNOWN_MEMBER_ID.0]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.state(G1), GroupState::PreparingRebalance);
    let leave = LeaveGroupRequest::default().with_group_id(GroupId(s(G1))).with_member_id(s(&b));
    match h.call(2, 0, RequestKind::LeaveGroup(leave)) {
        ResponseKind::LeaveGroup(r) => assert_eq!(r.error_code, 0),
        other => panic!("{other:?}"),
    }
    assert_eq!(h.state(G1), GroupState::Empty);
    assert_eq!(h.b.groups().group(G1).map(|g| g.generation), Some(3));
}

#[test]
fn member_id_required_only_from_v4() {
    let mut h = H::new();
    let r = join_of(h.call(1, 4, join(G1, "", None, &["range"])));
    assert_eq!(ErrorCode(r.error_code), ErrorCode::MEMBER_ID_REQUIRED);
    assert!(r.member_id.starts_with("cli-"), "{}", r.member_id);
    // v3: joins straight away (and, alone, completes at once since the delay is 0 here).
    let r = join_of(h.call(2, 3, join("g2", "", None, &["range"])));
    assert_eq!((ErrorCode(r.error_code), r.generation_id), (ErrorCode::NONE, 1));
    assert_eq!(r.leader, r.member_id);
    // A member id the group never gave is refused.
    let r = join_of(h.call(3, 7, join("g3", "made-up", None, &["range"])));
    assert_eq!(ErrorCode(r.error_code), ErrorCode::UNKNOWN_MEMBER_ID);
    // The pending member from v4 never came back: its slot expires with its session.
    h.advance(10_001);
    assert!(h.b.groups().group(G1).is_none_or(|g| g.pending.is_empty()));
}

#[test]
fn rejections_before_any_state() {
    let mut cfg = BrokerConfig::default();
    cfg.group.max_size = 1;
    let mut h = H::with(cfg);
    assert_eq!(
        ErrorCode(join_of(h.call(1, 7, join("", "", None, &["range"]))).error_code),
        ErrorCode::INVALID_GROUP_ID
    );
    let mut bad = join(G1, "", None, &["range"]);
    if let RequestKind::JoinGroup(r) = &mut bad {
        r.session_timeout_ms = 10;
    }
    assert_eq!(ErrorCode(join_of(h.call(1, 7, bad)).error_code), ErrorCode::INVALID_SESSION_TIMEOUT);
    assert_eq!(
        ErrorCode(join_of(h.call(1, 7, join(G1, "", None, &[]))).error_code),
        ErrorCode::INCONSISTENT_GROUP_PROTOCOL
    );
    let a = h.new_member(1, G1);
    assert_eq!(join_of(by_conn(h.drain(), 1)).member_id.as_str(), a);
    // Another protocol type, or no protocol in common, does not fit a live group.
    let mut other = join(G1, "", None, &["range"]);
    if let RequestKind::JoinGroup(r) = &mut other {
        r.protocol_type = s("connect");
    }
    assert_eq!(ErrorCode(join_of(h.call(2, 7, other)).error_code), ErrorCode::INCONSISTENT_GROUP_PROTOCOL);
    assert_eq!(
        ErrorCode(join_of(h.call(2, 7, join(G1, "", None, &["sticky"]))).error_code),
        ErrorCode::INCONSISTENT_GROUP_PROTOCOL
    );
    assert_eq!(
        ErrorCode(join_of(h.call(2, 7, join(G1, "", None, &["range"]))).error_code),
        ErrorCode::GROUP_MAX_SIZE_REACHED
    );
}

#[test]
fn protocol_chosen_by_votes_among_common_ones() {
    let mut h = H::new();
    h.send(1, 3, join(G1, "", None, &["sticky", "range"]));
    let a = join_of(by_conn(h.drain(), 1)).member_id.to_string();
    h.send(2, 3, join(G1, "", None, &["range", "sticky", "roundrobin"]));
    h.send(3, 3, join(G1, "", None, &["range", "sticky"]));
    h.send(1, 3, join(G1, &a, None, &["sticky", "range"]));
    let rs = h.drain();
    assert_eq!(rs.len(), 3);
    assert_eq!(join_of(by_conn(rs, 1)).protocol_name.as_ref().map(|p| p.as_str()), Some("range"));
}

#[test]
fn initial_rebalance_delay_waits_under_the_callers_clock() {
    let mut cfg = BrokerConfig::default();
    cfg.group.initial_rebalance_delay_ms = 3_000;
    let mut h = H::with(cfg);
    h.send(1, 3, join(G1, "", None, &["range"]));
    assert!(h.drain().is_empty());
    assert_eq!(h.b.poll_timeout(), Some(T0 + 3_000));
    h.advance(2_000);
    h.send(2, 3, join(G1, "", None, &["range"]));
    h.advance(2_000);
    assert!(h.drain().is_empty(), "the second member extended the delay");
    h.advance(1_000);
    let rs = h.drain();
    assert_eq!(rs.len(), 2);
    assert_eq!(join_of(by_conn(rs, 1)).members.len(), 2);
}

#[test]
fn session_expiry_removes_a_silent_member_and_rebalances() {
    let mut h = H::new();
    let (a, b) = stable_pair(&mut h);
    for _ in 0..2 {
        h.advance(4_000);
        assert_eq!(h.heartbeat(1, G1, 2, &a), ErrorCode::NONE);
    }
    assert_eq!(h.state(G1), GroupState::Stable);
    h.advance(2_000);
    assert_eq!(h.state(G1), GroupState::PreparingRebalance, "B's session expired");
    assert!(!h.b.groups().group(G1).unwrap().members.contains_key(&b));
    assert_eq!(h.heartbeat(1, G1, 2, &a), ErrorCode::REBALANCE_IN_PROGRESS);
    let r = join_of(h.call(1, 7, join(G1, &a, None, &["range"])));
    assert_eq!((r.generation_id, r.members.len()), (3, 1));
}

#[test]
fn rebalance_timeout_drops_members_that_do_not_rejoin() {
    let mut h = H::new();
    let (a, b) = stable_pair(&mut h);
    let c = h.new_member(3, G1);
    h.send(1, 7, join(G1, &a, None, &["range"]));
    assert!(h.drain().is_empty(), "waits for B");
    // B keeps heartbeating but never rejoins.
    for _ in 0..7 {
        h.advance(4_000);
        assert_eq!(h.heartbeat(2, G1, 2, &b), ErrorCode::REBALANCE_IN_PROGRESS);
    }
    h.advance(2_001);
    let rs = h.drain();
    assert_eq!(rs.len(), 2);
    let ra = join_of(by_conn(rs, 1));
    assert_eq!(ra.generation_id, 3);
    let ids: Vec<&str> = ra.members.iter().map(|m| m.member_id.as_str()).collect();
    assert_eq!(ids, vec![a.as_str(), c.as_str()]);
    assert_eq!(h.heartbeat(2, G1, 3, &b), ErrorCode::UNKNOWN_MEMBER_ID);
}

#[test]
fn a_leader_that_never_syncs_is_removed_after_the_rebalance_timeout() {
    let mut h = H::new();
    let a = h.new_member(1, G1);
    h.drain();
    assert_eq!(h.state(G1), GroupState::CompletingRebalance);
    h.advance(30_000);
    assert!(h.b.groups().group(G1).unwrap().members.is_empty());
    assert_ne!(h.heartbeat(1, G1, 1, &a), ErrorCode::NONE);
}

#[test]
fn static_members_restart_without_a_rebalance_and_fence_the_old_id() {
    let mut h = H::new();
    let (a, b) = stable_pair(&mut h);
    // S joins as a static member (no MEMBER_ID_REQUIRED for static members).
    h.send(3, 7, join(G1, "", Some("inst-s"), &["range"]));
    h.send(1, 7, join(G1, &a, None, &["range"]));
    h.send(2, 7, join(G1, &b, None, &["range"]));
    let rs = h.drain();
    let gen = join_of(by_conn(rs.clone(), 1)).generation_id;
    let s_old = join_of(by_conn(rs, 3)).member_id.to_string();
    h.send(3, 5, sync(G1, gen, &s_old, &[]));
    h.sync(1, G1, gen, &a, &[(&s_old, b"S")]);
    h.drain();
    assert_eq!(h.state(G1), GroupState::Stable);
    // S restarts: same instance id, empty member id. It gets a new id and the same generation.
    let r = join_of(h.call(4, 7, join(G1, "", Some("inst-s"), &["range"])));
    assert_eq!((ErrorCode(r.error_code), r.generation_id), (ErrorCode::NONE, gen));
    let s_new = r.member_id.to_string();
    assert_ne!(s_new, s_old);
    assert_eq!(h.state(G1), GroupState::Stable);
    assert_eq!(sync_of(h.call(4, 5, sync(G1, gen, &s_new, &[]))).assignment.as_ref(), b"S");
    // The old incarnation is fenced everywhere.
    let hb = HeartbeatRequest::default()
        .with_group_id(GroupId(s(G1)))
        .with_generation_id(gen)
        .with_member_id(s(&s_old))
        .with_group_instance_id(Some(s("inst-s")));
    match h.call(3, 4, RequestKind::Heartbeat(hb)) {
        ResponseKind::Heartbeat(r) => assert_eq!(ErrorCode(r.error_code), ErrorCode::FENCED_INSTANCE_ID),
        other => panic!("{other:?}"),
    }
    let r = join_of(h.call(3, 7, join(G1, &s_old, Some("inst-s"), &["range"])));
    assert_eq!(ErrorCode(r.error_code), ErrorCode::FENCED_INSTANCE_ID);
    // LeaveGroup by instance id: a stale member id is fenced; the instance alone leaves.
    let leave = |m: &str| {
        RequestKind::LeaveGroup(LeaveGroupRequest::default().with_group_id(GroupId(s(G1))).with_members(vec![
            MemberIdentity::default().with_member_id(s(m)).with_group_instance_id(Some(s("inst-s"))),
        ]))
    };
    match h.call(3, 4, leave(&s_old)) {
        ResponseKind::LeaveGroup(r) => assert_eq!(ErrorCode(r.members[0].error_code), ErrorCode::FENCED_INSTANCE_ID),
        other => panic!("{other:?}"),
    }
    match h.call(4, 4, leave("")) {
        ResponseKind::LeaveGroup(r) => assert_eq!(r.members[0].error_code, 0),
        other => panic!("{other:?}"),
    }
    assert_eq!(h.state(G1), GroupState::PreparingRebalance);
}

#[test]
fn parked_join_holds_its_connection_and_a_disconnect_forgets_it() {
    let mut h = H::new();
    let (a, b) = stable_pair(&mut h);
    let _c = h.new_member(3, G1);
    // A request behind the parked join on conn 3 waits for it.
    let hb = HeartbeatRequest::default().with_group_id(GroupId(s(G1))).with_generation_id(2).with_member_id(s("x"));
    h.send(3, 4, RequestKind::Heartbeat(hb));
    assert!(h.drain().is_empty());
    // Conn 3 closes: its parked join and backlog are forgotten, the member stays.
    h.b.handle_disconnect(3);
    h.send(1, 7, join(G1, &a, None, &["range"]));
    h.send(2, 7, join(G1, &b, None, &["range"]));
    let rs = h.drain();
    assert_eq!(rs.len(), 2, "nothing for the closed connection: {rs:?}");
    assert!(rs.iter().all(|r| r.conn != 3));
    // The member was still counted: 3 members in the new generation.
    assert_eq!(join_of(by_conn(rs, 1)).members.len(), 3);
}

#[test]
fn offset_commit_checks_the_committer() {
    let mut h = H::new();
    // Simple commit to a group that does not exist: allowed, kept with metadata and epoch.
    assert_eq!(h.commit(8, "simple", -1, "", &[(0, 10, "m0"), (1, 20, "")]), vec![ErrorCode::NONE; 2]);
    assert_eq!(
        h.fetch_offsets("simple", &[0, 1, 2], false),
        vec![
            (10, "m0".into(), 3, ErrorCode::NONE),
            (20, "".into(), 3, ErrorCode::NONE),
            (-1, "".into(), -1, ErrorCode::NONE),
        ]
    );
    // Per-partition checks.
    let big = "x".repeat(4097);
    assert_eq!(
        h.commit(8, "simple", -1, "", &[(0, 11, &big), (9, 1, ""), (1, 21, "")]),
        vec![ErrorCode::OFFSET_METADATA_TOO_LARGE, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, ErrorCode::NONE]
    );
    assert_eq!(h.fetch_offsets("simple", &[0, 1], false)[..].iter().map(|r| r.0).collect::<Vec<_>>(), vec![10, 21]);
    // On a live group: a simple commit, an unknown member, a stale generation are refused.
    let (a, _) = stable_pair(&mut h);
    assert_eq!(h.commit(8, G1, -1, "", &[(0, 1, "")]), vec![ErrorCode::UNKNOWN_MEMBER_ID]);
    assert_eq!(h.commit(8, G1, 2, "nobody", &[(0, 1, "")]), vec![ErrorCode::UNKNOWN_MEMBER_ID]);
    assert_eq!(h.commit(8, G1, 1, &a, &[(0, 1, "")]), vec![ErrorCode::ILLEGAL_GENERATION]);
    for v in 2..=8 {
        assert_eq!(h.commit(v, G1, 2, &a, &[(0, 100 + v as i64, "")]), vec![ErrorCode::NONE], "v{v}");
    }
    assert_eq!(h.fetch_offsets(G1, &[0], false)[0].0, 108);
    // Generation -1 on a group that does not exist is simple; another generation is not.
    assert_eq!(h.commit(8, "nogroup", 5, "m", &[(0, 1, "")]), vec![ErrorCode::ILLEGAL_GENERATION]);
}

#[test]
fn offset_fetch_every_version_null_topics_and_batched_groups() {
    let mut h = H::new();
    h.commit(8, "ga", -1, "", &[(0, 5, "a"), (2, 7, "")]);
    for v in 1..=7 {
        let mut req = OffsetFetchRequest::default().with_group_id(GroupId(s("ga")));
        if v >= 2 {
            req.topics = None;
        } else {
            let t = OffsetFetchRequestTopic::default().with_name(TopicName(s("t"))).with_partition_indexes(vec![0, 2]);
            req.topics = Some(vec![t]);
        }
        match h.call(1, v, RequestKind::OffsetFetch(req)) {
            ResponseKind::OffsetFetch(r) => {
                let got: Vec<(i32, i64)> =
                    r.topics[0].partitions.iter().map(|p| (p.partition_index, p.committed_offset)).collect();
                assert_eq!(got, vec![(0, 5), (2, 7)], "v{v}");
            }
            other => panic!("{other:?}"),
        }
    }
    let t = OffsetFetchRequestTopics::default().with_name(TopicName(s("t"))).with_partition_indexes(vec![0]);
    let req = OffsetFetchRequest::default().with_groups(vec![
        OffsetFetchRequestGroup::default().with_group_id(GroupId(s("ga"))).with_topics(Some(vec![t])),
        OffsetFetchRequestGroup::default().with_group_id(GroupId(s("unknown"))).with_topics(None),
    ]);
    match h.call(1, 8, RequestKind::OffsetFetch(req)) {
        ResponseKind::OffsetFetch(r) => {
            assert_eq!(r.groups.len(), 2);
            assert_eq!(r.groups[0].topics[0].partitions[0].committed_offset, 5);
            assert!(r.groups[1].topics.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

fn txn_commit(h: &mut H, version: i16, g: &str, pid: i64, offset: i64, gen: i32, member: &str) -> ErrorCode {
    let p = TxnOffsetCommitRequestPartition::default().with_partition_index(0).with_committed_offset(offset);
    let mut req = TxnOffsetCommitRequest::default()
        .with_transactional_id(TransactionalId(s("tx")))
        .with_group_id(GroupId(s(g)))
        .with_producer_id(ProducerId(pid))
        .with_producer_epoch(0)
        .with_topics(vec![TxnOffsetCommitRequestTopic::default()
            .with_name(TopicName(s("t")))
            .with_partitions(vec![p])]);
    if version >= 3 {
        req.generation_id = gen;
        req.member_id = s(member);
    }
    match h.call(7, version, RequestKind::TxnOffsetCommit(req)) {
        ResponseKind::TxnOffsetCommit(r) => ErrorCode(r.topics[0].partitions[0].error_code),
        other => panic!("{other:?}"),
    }
}

#[test]
fn transactional_offsets_are_visible_only_after_commit() {
    let mut h = H::new();
    h.commit(8, "gt", -1, "", &[(0, 5, "")]);
    for v in 0..=3 {
        assert_eq!(txn_commit(&mut h, v, "gt", 42, 9, -1, ""), ErrorCode::NONE, "v{v}");
    }
    assert_eq!(h.fetch_offsets("gt", &[0], true)[0], (-1, "".into(), -1, ErrorCode::UNSTABLE_OFFSET_COMMIT));
    assert_eq!(h.fetch_offsets("gt", &[0], false)[0].0, 5, "without require_stable: the last committed");
    h.b.groups_txn_marker("gt", 42, true, h.now);
    assert_eq!(h.fetch_offsets("gt", &[0], true)[0].0, 9);
    // An aborted transaction's offsets vanish.
    txn_commit(&mut h, 3, "gt", 43, 99, -1, "");
    h.b.groups_txn_marker("gt", 43, false, h.now);
    assert_eq!(h.fetch_offsets("gt", &[0], true)[0].0, 9);
    // v3 checks the member like OffsetCommit, and refuses an empty group id.
    let (a, _) = stable_pair(&mut h);
    assert_eq!(txn_commit(&mut h, 3, G1, 44, 1, 1, &a), ErrorCode::ILLEGAL_GENERATION);
    assert_eq!(txn_commit(&mut h, 3, G1, 44, 1, 2, "nobody"), ErrorCode::UNKNOWN_MEMBER_ID);
    assert_eq!(txn_commit(&mut h, 3, G1, 44, 1, 2, &a), ErrorCode::NONE);
    assert_eq!(txn_commit(&mut h, 3, "", 44, 1, -1, ""), ErrorCode::INVALID_GROUP_ID);
}

#[test]
fn describe_list_and_delete_groups() {
    let mut h = H::new();
    let (a, _) = stable_pair(&mut h);
    h.commit(8, "simple", -1, "", &[(0, 1, "")]);
    for v in 0..=5 {
        let req = DescribeGroupsRequest::default()
            .with_groups(vec![GroupId(s(G1)), GroupId(s("nope"))])
            .with_include_authorized_operations(v >= 3);
        match h.call(1, v, RequestKind::DescribeGroups(req)) {
            ResponseKind::DescribeGroups(r) => {
                let g = &r.groups[0];
                assert_eq!(
                    (g.group_state.as_str(), g.protocol_type.as_str(), g.protocol_data.as_str()),
                    ("Stable", "consumer", "range")
                );
                assert_eq!(g.members.len(), 2);
                assert_eq!(g.members[0].member_id.as_str(), a);
                assert_eq!(g.members[0].member_assignment.as_ref(), b"A");
                assert_eq!(g.members[0].client_id.as_str(), "cli");
                assert_eq!(r.groups[1].group_state.as_str(), "Dead");
            }
            other => panic!("{other:?}"),
        }
    }
    let list = |h: &mut H, v: i16, states: &[&str]| -> Vec<(String, String)> {
        let req = ListGroupsRequest::default().with_states_filter(states.iter().map(|x| s(x)).collect());
        match h.call(1, v, RequestKind::ListGroups(req)) {
            ResponseKind::ListGroups(r) => {
                r.groups.iter().map(|g| (g.group_id.0.to_string(), g.protocol_type.to_string())).collect()
            }
            other => panic!("{other:?}"),
        }
    };
    for v in 0..=5 {
        assert_eq!(list(&mut h, v, &[]), vec![(G1.into(), "consumer".into()), ("simple".into(), "".into())]);
    }
    assert_eq!(list(&mut h, 4, &["stable"]), vec![(G1.into(), "consumer".into())]);
    // v5: every group is of the classic type; another type filter lists none.
    let typed = |h: &mut H, types: &[&str]| match h.call(
        1,
        5,
        RequestKind::ListGroups(ListGroupsRequest::default().with_types_filter(types.iter().map(|x| s(x)).collect())),
    ) {
        ResponseKind::ListGroups(r) => r.groups.iter().map(|g| g.group_type.to_string()).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(typed(&mut h, &["Classic"]), ["classic", "classic"]);
    assert!(typed(&mut h, &["consumer", "share"]).is_empty());
    assert_eq!(list(&mut h, 4, &["Empty"]), vec![("simple".into(), "".into())]);
    assert!(list(&mut h, 4, &["Dead"]).is_empty());
    for v in 0..=2 {
        let req = DeleteGroupsRequest::default().with_groups_names(vec![GroupId(s(G1)), GroupId(s("nope"))]);
        match h.call(1, v, RequestKind::DeleteGroups(req)) {
            ResponseKind::DeleteGroups(r) => {
                let codes: Vec<ErrorCode> = r.results.iter().map(|x| ErrorCode(x.error_code)).collect();
                assert_eq!(codes, vec![ErrorCode::NON_EMPTY_GROUP, ErrorCode::GROUP_ID_NOT_FOUND]);
            }
            other => panic!("{other:?}"),
        }
    }
    let req = DeleteGroupsRequest::default().with_groups_names(vec![GroupId(s("simple"))]);
    match h.call(1, 2, RequestKind::DeleteGroups(req)) {
        ResponseKind::DeleteGroups(r) => assert_eq!(r.results[0].error_code, 0),
        other => panic!("{other:?}"),
    }
    assert_eq!(h.fetch_offsets("simple", &[0], false)[0].0, -1);
}

#[test]
fn not_coordinator_on_another_node() {
    let cfg = BrokerConfig {
        nodes: vec![(0, "127.0.0.1".into(), 9092), (1, "127.0.0.1".into(), 9093)],
        ..Default::default()
    };
    let mut h = H::with(cfg);
    let node = h.b.coordinator_node(G1);
    let other = 1 - node;
    h.b.set_connection_node(5, other);
    h.b.set_connection_node(6, node);
    assert_eq!(ErrorCode(join_of(h.call(5, 7, join(G1, "", None, &["range"]))).error_code), ErrorCode::NOT_COORDINATOR);
    assert_eq!(h.heartbeat(5, G1, 1, "m"), ErrorCode::NOT_COORDINATOR);
    let req = OffsetFetchRequest::default().with_group_id(GroupId(s(G1))).with_topics(None);
    match h.call(5, 7, RequestKind::OffsetFetch(req)) {
        ResponseKind::OffsetFetch(r) => assert_eq!(ErrorCode(r.error_code), ErrorCode::NOT_COORDINATOR),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        ErrorCode(join_of(h.call(6, 7, join(G1, "", None, &["range"]))).error_code),
        ErrorCode::MEMBER_ID_REQUIRED
    );
}

#[test]
fn offsets_go_to_consumer_offsets_in_kafkas_format() {
    let mut h = H::new();
    h.commit(8, G1, -1, "", &[(3, 77, "meta")]);
    let topic = h.b.topic(OFFSETS_TOPIC).expect("created on first use");
    assert_eq!(topic.num_partitions(), 50);
    let p = crate::broker::coordinator::coordinator_partition(G1);
    let log = topic.partition(p).unwrap();
    let batch = log.batches().next().expect("one batch");
    let bytes = log.read(log.select(batch.base_offset(), 1 << 20, true));
    let rec = BatchIter::new(bytes).next().unwrap().unwrap().records().unwrap().next().unwrap().unwrap();
    assert_eq!(rec.key.as_deref(), Some(&crate::group::log::offset_key(G1, "t", 3)[..]));
    let v = rec.value.unwrap();
    assert_eq!(&v[..2], &[0, 3]);
    assert_eq!(i64::from_be_bytes(v[2..10].try_into().unwrap()), 77);
    // Metadata marks it internal.
    let req = MetadataRequest::default().with_topics(None);
    match h.call(1, 12, RequestKind::Metadata(req)) {
        ResponseKind::Metadata(r) => {
            let t = r.topics.iter().find(|t| t.name.as_ref().map(|n| n.0.as_str()) == Some(OFFSETS_TOPIC)).unwrap();
            assert!(t.is_internal);
            assert!(!r.topics.iter().find(|t| t.name.as_ref().map(|n| n.0.as_str()) == Some("t")).unwrap().is_internal);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn offsets_of_deleted_topics_and_expired_groups_go() {
    let mut cfg = BrokerConfig::default();
    cfg.group.offsets_retention_ms = 60_000;
    cfg.group.offsets_retention_check_interval_ms = 1_000;
    let mut h = H::with(cfg);
    h.commit(8, "old", -1, "", &[(0, 1, "")]);
    h.advance(30_000);
    h.commit(8, "young", -1, "", &[(0, 2, "")]);
    h.advance(31_000);
    assert_eq!(h.fetch_offsets("old", &[0], false)[0].0, -1, "expired");
    assert!(h.b.groups().group("old").is_none(), "an empty group without offsets is gone");
    assert_eq!(h.fetch_offsets("young", &[0], false)[0].0, 2);
    let req = DeleteTopicsRequest::default().with_topic_names(vec![TopicName(s("t"))]);
    h.call(1, 5, RequestKind::DeleteTopics(req));
    assert!(h.b.groups().group("young").unwrap().offsets.committed().next().is_none());
}

#[test]
fn every_group_api_answers_at_every_version_and_unsupported_ones_are_refused() {
    let mut h = H::new();
    for &(key, lo, hi) in super::api::VERSIONS {
        let groupish = matches!(
            key,
            ApiKey::OffsetCommit
                | ApiKey::OffsetFetch
                | ApiKey::JoinGroup
                | ApiKey::Heartbeat
                | ApiKey::LeaveGroup
                | ApiKey::SyncGroup
                | ApiKey::DescribeGroups
                | ApiKey::ListGroups
                | ApiKey::DeleteGroups
                | ApiKey::TxnOffsetCommit
                | ApiKey::OffsetDelete
        );
        if !groupish {
            continue;
        }
        for v in lo..=(hi + 1).min(key.valid_versions().max) {
            let body = crate::net::guard::tests::populated(key, v.min(hi));
            h.send(20 + v as u64, v, body);
            let rs = h.drain();
            assert_eq!(rs.len(), 1, "{key:?} v{v}");
            assert_eq!(rs[0].api_version, v);
        }
    }
}

#[test]
fn group_properties_parse_and_bad_values_are_refused() {
    let c = BrokerConfig::from_pairs([
        ("group.initial.rebalance.delay.ms", "3000"),
        ("group.max.size", "5"),
        ("group.min.session.timeout.ms", "1000"),
        ("group.max.session.timeout.ms", "60000"),
        ("offsets.retention.minutes", "10"),
        ("offsets.retention.check.interval.ms", "500"),
        ("offset.metadata.max.bytes", "100"),
    ])
    .unwrap();
    assert_eq!(c.group.initial_rebalance_delay_ms, 3_000);
    assert_eq!(c.group.max_size, 5);
    assert_eq!((c.group.min_session_timeout_ms, c.group.max_session_timeout_ms), (1_000, 60_000));
    assert_eq!(c.group.offsets_retention_ms, 600_000);
    assert_eq!(c.group.offsets_retention_check_interval_ms, 500);
    assert_eq!(c.group.offset_metadata_max_bytes, 100);
    assert_eq!(BrokerConfig::default().group.initial_rebalance_delay_ms, 0, "embedded default");
    let err = BrokerConfig::from_pairs([("group.max.size", "0")]).unwrap_err();
    assert!(err.to_string().contains("group.max.size"), "{err}");
}

#[test]
fn poll_timeout_never_names_a_past_deadline_after_a_timeout() {
    let mut h = H::new();
    let (a, b) = stable_pair(&mut h);
    let _ = h.new_member(3, G1);
    h.send(1, 7, join(G1, &a, None, &["range"]));
    h.send(2, 7, join(G1, &b, None, &["range"]));
    h.drain();
    // Everyone's deadlines run out one after another: after each timeout the next is in the future,
    // until the members have expired and the empty group without offsets is forgotten.
    let mut saw_empty = false;
    for _ in 0..20 {
        let Some(next) = h.b.poll_timeout() else { break };
        h.now = next.max(h.now);
        h.b.handle_timeout(h.now);
        assert!(h.b.poll_timeout().is_none_or(|n| n > h.now), "stuck at {}", h.now - T0);
        saw_empty |= h.state(G1) == GroupState::Empty;
    }
    assert!(saw_empty, "every silent member expired");
    assert_eq!(h.state(G1), GroupState::Dead, "then the retention check forgot the group");
    assert_eq!(h.b.groups().next_deadline(), None, "no group timer left");
}

#[test]
fn member_ids_are_reproducible_under_one_clock_and_fresh_after_a_restart() {
    let first_id = |start: Millis| {
        let mut h = H::new();
        h.b = Broker::new(BrokerConfig::default(), start);
        h.now = start;
        join_of(h.call(1, 4, join(G1, "", None, &["range"]))).member_id.to_string()
    };
    assert_eq!(first_id(T0), first_id(T0));
    assert_ne!(first_id(T0), first_id(T0 + 1));
}

/// A small deterministic generator for the randomized test (no dependency, reproducible by seed).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

#[test]
fn random_members_never_hang_a_request_or_move_the_generation_back() {
    for seed in 0..150u64 {
        let mut h = H::new();
        let mut rng = Rng(seed);
        // Per client: its connection, member id and last generation seen.
        let mut clients: Vec<(ConnId, String, i32)> = (0..4).map(|i| (i + 1, String::new(), -1)).collect();
        let mut next_conn = 10;
        let mut outstanding: std::collections::BTreeMap<i32, ConnId> = Default::default();
        let mut generation = 0;
        for _ in 0..300 {
            let c = rng.below(4) as usize;
            let (conn, member, gen) = clients[c].clone();
            let body = match rng.below(8) {
                0 | 1 => Some((7 - rng.below(5) as i16, join(G1, &member, None, &["range", "sticky"]))),
                2 => {
                    let assign: Vec<(&str, &'static [u8])> = vec![(member.as_str(), b"a")];
                    Some((5, sync(G1, gen, &member, &assign)))
                }
                3 => Some((
                    4,
                    RequestKind::Heartbeat(
                        HeartbeatRequest::default()
                            .with_group_id(GroupId(s(G1)))
                            .with_generation_id(gen)
                            .with_member_id(s(&member)),
                    ),
                )),
                4 => {
                    let p = OffsetCommitRequestPartition::default().with_partition_index(0).with_committed_offset(1);
                    let t = OffsetCommitRequestTopic::default().with_name(TopicName(s("t"))).with_partitions(vec![p]);
                    Some((
                        8,
                        RequestKind::OffsetCommit(
                            OffsetCommitRequest::default()
                                .with_group_id(GroupId(s(G1)))
                                .with_generation_id_or_member_epoch(gen)
                                .with_member_id(s(&member))
                                .with_topics(vec![t]),
                        ),
                    ))
                }
                5 => Some((
                    2,
                    RequestKind::LeaveGroup(
                        LeaveGroupRequest::default().with_group_id(GroupId(s(G1))).with_member_id(s(&member)),
                    ),
                )),
                6 => {
                    h.b.handle_disconnect(conn);
                    outstanding.retain(|_, c| *c != conn);
                    clients[c].0 = next_conn;
                    next_conn += 1;
                    None
                }
                _ => {
                    h.advance(rng.below(12_000) as i64);
                    None
                }
            };
            if let Some((v, body)) = body {
                let corr = h.send(conn, v, body);
                outstanding.insert(corr, conn);
            }
            for r in h.drain() {
                assert_eq!(outstanding.remove(&r.correlation_id), Some(r.conn), "seed {seed}: one answer per request");
                let who = clients.iter().position(|cl| cl.0 == r.conn);
                if let (Some(i), ResponseKind::JoinGroup(j)) = (who, &r.body) {
                    if !j.member_id.is_empty() {
                        clients[i].1 = j.member_id.to_string();
                    }
                    if j.error_code == 0 {
                        clients[i].2 = j.generation_id;
                    }
                }
            }
            let g = h.b.groups().group(G1).map_or(generation, |g| g.generation);
            assert!(g >= generation, "seed {seed}: generation went back from {generation} to {g}");
            generation = g;
        }
        // Quiet: every deadline passes, every request is answered, the members are gone.
        for _ in 0..20 {
            h.advance(40_000);
        }
        for r in h.drain() {
            assert_eq!(outstanding.remove(&r.correlation_id), Some(r.conn), "seed {seed}");
        }
        assert!(outstanding.is_empty(), "seed {seed}: unanswered {outstanding:?}");
        assert!(h.b.groups().group(G1).is_none_or(|g| g.members.is_empty()), "seed {seed}");
    }
}

fn offset_delete(h: &mut H, g: &str, parts: &[(&str, i32)]) -> (ErrorCode, Vec<ErrorCode>) {
    use kafka_protocol::messages::offset_delete_request::{OffsetDeleteRequestPartition, OffsetDeleteRequestTopic};
    let topics = parts
        .iter()
        .map(|(t, p)| {
            OffsetDeleteRequestTopic::default()
                .with_name(TopicName(s(t)))
                .with_partitions(vec![OffsetDeleteRequestPartition::default().with_partition_index(*p)])
        })
        .collect();
    let req = OffsetDeleteRequest::default().with_group_id(GroupId(s(g))).with_topics(topics);
    match h.call(1, 0, RequestKind::OffsetDelete(req)) {
        ResponseKind::OffsetDelete(r) => (
            ErrorCode(r.error_code),
            r.topics.iter().flat_map(|t| t.partitions.iter().map(|p| ErrorCode(p.error_code))).collect(),
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn offset_delete_spares_subscribed_topics_of_a_live_group() {
    let mut h = H::new();
    assert_eq!(offset_delete(&mut h, "nope", &[("t", 0)]).0, ErrorCode::GROUP_ID_NOT_FOUND);
    assert_eq!(offset_delete(&mut h, "", &[("t", 0)]).0, ErrorCode::INVALID_GROUP_ID);
    // An Empty (simple) group: offsets go; unknown partitions say so.
    h.commit(8, "simple", -1, "", &[(0, 5, ""), (1, 6, "")]);
    assert_eq!(
        offset_delete(&mut h, "simple", &[("t", 0), ("t", 9)]),
        (ErrorCode::NONE, vec![ErrorCode::NONE, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION])
    );
    assert_eq!(h.fetch_offsets("simple", &[0, 1], false).iter().map(|r| r.0).collect::<Vec<_>>(), vec![-1, 6]);
    // A live consumer group subscribed to "t" (ConsumerProtocolSubscription v0: version, ["t"]).
    let subscription = Bytes::from_static(&[0, 0, 0, 0, 0, 1, 0, 1, b't', 0, 0, 0, 0]);
    let mut j = join(G1, "", None, &["range"]);
    if let RequestKind::JoinGroup(r) = &mut j {
        r.protocols[0].metadata = subscription;
    }
    let r = join_of(h.call(2, 3, j));
    let me = r.member_id.to_string();
    h.sync(2, G1, r.generation_id, &me, &[(&me, b"a")]);
    h.drain();
    h.commit(8, G1, r.generation_id, &me, &[(0, 1, "")]);
    let other =
        CreatableTopic::default().with_name(TopicName(s("u"))).with_num_partitions(1).with_replication_factor(1);
    h.call(99, 7, RequestKind::CreateTopics(CreateTopicsRequest::default().with_topics(vec![other])));
    assert_eq!(
        offset_delete(&mut h, G1, &[("t", 0), ("u", 0)]),
        (ErrorCode::NONE, vec![ErrorCode::GROUP_SUBSCRIBED_TO_TOPIC, ErrorCode::NONE])
    );
    assert_eq!(h.fetch_offsets(G1, &[0], false)[0].0, 1, "kept");
}
