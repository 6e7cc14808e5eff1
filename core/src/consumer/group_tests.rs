//! The group membership machine driven by hand: every request checked, every response scripted,
//! time moved by the test (no clock is read).

use bytes::Bytes;
use kafka_protocol::messages::find_coordinator_response::Coordinator;
use kafka_protocol::messages::join_group_response::JoinGroupResponseMember;
use kafka_protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::offset_commit_response::{OffsetCommitResponsePartition, OffsetCommitResponseTopic};
use kafka_protocol::messages::offset_fetch_response::{
    OffsetFetchResponseGroup, OffsetFetchResponsePartitions, OffsetFetchResponseTopics,
};
use kafka_protocol::messages::{
    BrokerId as WireBrokerId, FindCoordinatorResponse, GroupId, HeartbeatResponse, JoinGroupRequest, JoinGroupResponse,
    LeaveGroupResponse, MetadataResponse, OffsetCommitResponse, OffsetFetchResponse, RequestKind, ResponseKind,
    SyncGroupResponse, TopicName,
};

use super::assignor::{decode_assignment, decode_subscription, encode_assignment};
use super::*;
use crate::config::ConsumerConfig;
use crate::protocol::{coordinator_link, StrBytes};

const COORD: BrokerId = 1;
/// Where group requests go: the coordinator's own connection (`coordinator_link`).
const COORD_LINK: BrokerId = coordinator_link(COORD);

fn s(v: &str) -> StrBytes {
    StrBytes::from_string(v.to_string())
}

fn tp(p: i32) -> TopicPartition {
    TopicPartition::new("t", p)
}

fn metadata(partitions: i32) -> ResponseKind {
    let parts = (0..partitions)
        .map(|p| MetadataResponsePartition::default().with_partition_index(p).with_leader_id(WireBrokerId(1)))
        .collect();
    ResponseKind::Metadata(
        MetadataResponse::default()
            .with_brokers(vec![MetadataResponseBroker::default()
                .with_node_id(WireBrokerId(1))
                .with_host(s("localhost"))
                .with_port(9092)])
            .with_topics(vec![MetadataResponseTopic::default()
                .with_name(Some(TopicName(s("t"))))
                .with_partitions(parts)]),
    )
}

struct Harness {
    c: Consumer,
    now: Millis,
}

impl Harness {
    fn new(extra: &[(&str, &str)]) -> Harness {
        let mut pairs = vec![
            ("group.id", "g"),
            ("session.timeout.ms", "10000"),
            ("heartbeat.interval.ms", "1000"),
            ("max.poll.interval.ms", "60000"),
            ("enable.auto.commit", "false"),
            ("partition.assignment.strategy", "range"),
        ];
        for (k, v) in extra {
            pairs.retain(|(key, _)| key != k);
            pairs.push((k, v));
        }
        let config = ConsumerConfig::from_pairs(pairs).expect("valid config");
        Harness { c: Consumer::new(config, 0).expect("consumer"), now: 0 }
    }

    fn respond(&mut self, t: &Transmit, body: ResponseKind) {
        self.c.handle_response(t.broker, t.correlation_id, body, self.now);
    }

    fn advance(&mut self, ms: Millis) {
        self.now += ms;
        self.c.handle_timeout(self.now);
    }

    /// The next group request, answering Metadata on the way and leaving fetches unanswered.
    fn next(&mut self) -> Transmit {
        loop {
            let t = self.c.poll_transmit(self.now).expect("a request");
            match &t.body {
                RequestKind::Metadata(m) if m.topics.is_some() => self.respond(&t.clone(), metadata(2)),
                RequestKind::Fetch(_) | RequestKind::ListOffsets(_) => {}
                _ => return t,
            }
        }
    }

    /// Events, without the Rebalancing / Joined notices (checked where they matter).
    fn events(&mut self) -> Vec<ConsumerEvent> {
        let all = self.all_events();
        all.into_iter().filter(|e| !matches!(e, ConsumerEvent::Rebalancing | ConsumerEvent::Joined { .. })).collect()
    }

    fn all_events(&mut self) -> Vec<ConsumerEvent> {
        std::iter::from_fn(|| self.c.poll_event()).collect()
    }

    fn find_coordinator(&mut self) {
        let t = self.next();
        let RequestKind::FindCoordinator(f) = &t.body else { panic!("expected FindCoordinator, got {:?}", t.body) };
        assert_eq!((f.key_type, f.coordinator_keys[0].as_str()), (0, "g"));
        let resp = FindCoordinatorResponse::default().with_coordinators(vec![Coordinator::default()
            .with_key(s("g"))
            .with_node_id(WireBrokerId(COORD))
            .with_host(s("localhost"))
            .with_port(9092)]);
        self.respond(&t, ResponseKind::FindCoordinator(resp));
    }

    fn expect_join(&mut self) -> (Transmit, JoinGroupRequest) {
        let t = self.next();
        let RequestKind::JoinGroup(j) = t.body.clone() else { panic!("expected JoinGroup, got {:?}", t.body) };
        assert_eq!((t.broker, j.protocol_type.as_str(), j.group_id.0.as_str()), (COORD_LINK, "consumer", "g"));
        (t, j)
    }

    /// Join as the only member (the leader) and sync `assignment` (the assignor's own result is
    /// checked in `leader_runs_the_assignor`).
    fn join_as_leader(&mut self, generation: i32, assignment: &[TopicPartition]) {
        let (t, j) = self.expect_join();
        let member = if j.member_id.is_empty() { "m1".to_string() } else { j.member_id.to_string() };
        let resp = JoinGroupResponse::default()
            .with_generation_id(generation)
            .with_protocol_name(Some(j.protocols[0].name.clone()))
            .with_leader(s(&member))
            .with_member_id(s(&member))
            .with_members(vec![JoinGroupResponseMember::default()
                .with_member_id(s(&member))
                .with_metadata(j.protocols[0].metadata.clone())]);
        self.respond(&t, ResponseKind::JoinGroup(resp));
        let t = self.next();
        let RequestKind::SyncGroup(sync) = &t.body else { panic!("expected SyncGroup, got {:?}", t.body) };
        assert_eq!((sync.generation_id, sync.member_id.as_str()), (generation, member.as_str()));
        assert_eq!(sync.assignments.len(), 1);
        let resp = SyncGroupResponse::default().with_assignment(encode_assignment(assignment, 3));
        self.respond(&t, ResponseKind::SyncGroup(resp));
    }

    /// Answer the OffsetFetch for new partitions: `offsets[p]` committed (-1: none).
    fn offset_fetch(&mut self, offsets: &[(i32, i64)]) {
        let t = self.next();
        let RequestKind::OffsetFetch(f) = &t.body else { panic!("expected OffsetFetch, got {:?}", t.body) };
        assert!(f.require_stable);
        let parts = offsets
            .iter()
            .map(|(p, o)| OffsetFetchResponsePartitions::default().with_partition_index(*p).with_committed_offset(*o))
            .collect();
        let resp = OffsetFetchResponse::default().with_groups(vec![OffsetFetchResponseGroup::default()
            .with_group_id(GroupId(s("g")))
            .with_topics(vec![OffsetFetchResponseTopics::default()
                .with_name(TopicName(s("t")))
                .with_partitions(parts)])]);
        self.respond(&t, ResponseKind::OffsetFetch(resp));
    }

    /// Subscribed to `t`, stable in generation 1 owning partitions 0 and 1 at offsets 5 and 7.
    fn stable(extra: &[(&str, &str)]) -> Harness {
        let mut h = Harness::new(extra);
        h.c.subscribe(vec!["t".into()]).unwrap();
        h.find_coordinator();
        h.join_as_leader(1, &[tp(0), tp(1)]);
        h.offset_fetch(&[(0, 5), (1, 7)]);
        assert_eq!((h.c.position(&tp(0)), h.c.position(&tp(1))), (Some(5), Some(7)));
        assert!(h.c.in_stable_group());
        let protocol = h.c.config().partition_assignment_strategy[0].name().to_string();
        let joined = ConsumerEvent::Joined { generation_id: 1, member_id: "m1".into(), leader: true, protocol };
        let assigned = ConsumerEvent::Assigned(vec![tp(0), tp(1)]);
        assert_eq!(h.all_events(), vec![ConsumerEvent::Rebalancing, joined, assigned]);
        h
    }

    fn heartbeat(&mut self, error: ErrorCode) {
        self.advance(1_000);
        let t = self.next();
        let RequestKind::Heartbeat(hb) = &t.body else { panic!("expected Heartbeat, got {:?}", t.body) };
        assert_eq!(hb.member_id.as_str(), "m1");
        self.respond(&t, ResponseKind::Heartbeat(HeartbeatResponse::default().with_error_code(error.0)));
    }
}

#[test]
fn member_id_required_then_leader_assigns_and_positions_come_from_commits() {
    let mut h = Harness::new(&[]);
    assert!(h.c.subscribe(vec![String::new()]).is_err());
    h.c.subscribe(vec!["t".into()]).unwrap();
    h.find_coordinator();
    let (t, j) = h.expect_join();
    assert_eq!((j.member_id.as_str(), j.rebalance_timeout_ms, j.session_timeout_ms), ("", 60_000, 10_000));
    assert_eq!(j.protocols.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["range"]);
    let sub = decode_subscription("x", None, &j.protocols[0].metadata).unwrap();
    assert_eq!(sub.topics, ["t"]);
    let resp = JoinGroupResponse::default().with_error_code(ErrorCode::MEMBER_ID_REQUIRED.0).with_member_id(s("m1"));
    h.respond(&t, ResponseKind::JoinGroup(resp));
    // The rejoin carries the member id the coordinator gave; the leader's range gives both partitions.
    let (t, j) = h.expect_join();
    assert_eq!(j.member_id.as_str(), "m1");
    let resp = JoinGroupResponse::default()
        .with_generation_id(1)
        .with_protocol_name(Some(s("range")))
        .with_leader(s("m1"))
        .with_member_id(s("m1"))
        .with_members(vec![
            JoinGroupResponseMember::default().with_member_id(s("m1")).with_metadata(j.protocols[0].metadata.clone()),
            JoinGroupResponseMember::default().with_member_id(s("m2")).with_metadata(j.protocols[0].metadata.clone()),
        ]);
    h.respond(&t, ResponseKind::JoinGroup(resp));
    let t = h.next();
    let RequestKind::SyncGroup(sync) = &t.body else { panic!("{:?}", t.body) };
    let mut got: Vec<(String, Vec<TopicPartition>)> =
        sync.assignments.iter().map(|a| (a.member_id.to_string(), decode_assignment(&a.assignment).unwrap())).collect();
    got.sort();
    assert_eq!(got, vec![("m1".to_string(), vec![tp(0)]), ("m2".to_string(), vec![tp(1)])]);
    h.respond(
        &t,
        ResponseKind::SyncGroup(SyncGroupResponse::default().with_assignment(encode_assignment(&[tp(0)], 3))),
    );
    assert_eq!(h.events(), vec![ConsumerEvent::Assigned(vec![tp(0)])]);
    assert_eq!(h.c.assignment(), vec![tp(0)]);
    // No commit: auto.offset.reset (latest) decides.
    h.offset_fetch(&[(0, -1)]);
    let t = h.c.poll_transmit(h.now).expect("ListOffsets");
    assert!(matches!(t.body, RequestKind::ListOffsets(_)), "{:?}", t.body);
    let meta = h.c.group_metadata().unwrap();
    assert_eq!((meta.generation_id, meta.member_id.as_str()), (1, "m1"));
}

#[test]
fn heartbeats_every_interval_and_eager_rebalance_revokes_everything_first() {
    let mut h = Harness::stable(&[]);
    h.heartbeat(ErrorCode::NONE);
    assert!(h.c.in_stable_group());
    h.heartbeat(ErrorCode::REBALANCE_IN_PROGRESS);
    let (_, j) = h.expect_join();
    assert_eq!(j.member_id.as_str(), "m1");
    assert_eq!(h.events(), vec![ConsumerEvent::Revoked(vec![tp(0), tp(1)])]);
    assert!(h.c.assignment().is_empty());
    // Eager members send no owned partitions.
    let sub = decode_subscription("m1", None, &j.protocols[0].metadata).unwrap();
    assert!(sub.owned_partitions.is_empty());
    assert_eq!(sub.generation_id, 1);
}

#[test]
fn auto_commit_commits_on_its_interval_and_before_rejoining() {
    let mut h = Harness::stable(&[("enable.auto.commit", "true"), ("auto.commit.interval.ms", "5000")]);
    // Positions read from the commits are not committed again; a moved one is.
    h.c.seek(&tp(1), 8).unwrap();
    h.advance(5_000);
    let t = h.next();
    let RequestKind::OffsetCommit(oc) = &t.body else { panic!("expected OffsetCommit, got {:?}", t.body) };
    assert_eq!((oc.generation_id_or_member_epoch, oc.member_id.as_str()), (1, "m1"));
    let offsets: Vec<i64> = oc.topics[0].partitions.iter().map(|p| p.committed_offset).collect();
    assert_eq!(offsets, [8]);
    h.respond(&t, commit_response(&[1], ErrorCode::NONE));
    h.c.seek(&tp(0), 9).unwrap();
    h.heartbeat(ErrorCode::REBALANCE_IN_PROGRESS);
    let t = h.next();
    let RequestKind::OffsetCommit(oc) = &t.body else { panic!("expected the pre-join commit, got {:?}", t.body) };
    assert_eq!(oc.topics[0].partitions.iter().map(|p| p.committed_offset).collect::<Vec<_>>(), [9]);
    h.respond(&t, commit_response(&[0], ErrorCode::NONE));
    h.expect_join();
}

#[test]
fn with_enable_auto_offset_store_off_auto_commit_commits_the_stored_offsets() {
    let mut h = Harness::stable(&[
        ("enable.auto.commit", "true"),
        ("auto.commit.interval.ms", "5000"),
        ("enable.auto.offset.store", "false"),
    ]);
    // A moved position is not committed: only what the application stored is.
    h.c.seek(&tp(1), 8).unwrap();
    h.c.store_offsets(vec![(tp(0), OffsetAndMetadata::new(3))]).unwrap();
    let e = h.c.store_offsets(vec![(tp(0), OffsetAndMetadata::new(4)), (tp(7), OffsetAndMetadata::new(1))]);
    assert_eq!(e.unwrap_err().code(), ErrorCode::STATE, "a partition not assigned fails the call");
    h.advance(5_000);
    let t = h.next();
    let RequestKind::OffsetCommit(oc) = &t.body else { panic!("expected OffsetCommit, got {:?}", t.body) };
    let offsets: Vec<(i32, i64)> =
        oc.topics[0].partitions.iter().map(|p| (p.partition_index, p.committed_offset)).collect();
    assert_eq!(offsets, [(0, 4)], "the assigned partition's offset was stored all the same");

    let mut plain = Harness::stable(&[]);
    let e = plain.c.store_offsets(vec![(tp(0), OffsetAndMetadata::new(3))]).unwrap_err();
    assert_eq!(e.code(), ErrorCode::INVALID_ARG);
}

fn commit_response(parts: &[i32], error: ErrorCode) -> ResponseKind {
    let parts = parts
        .iter()
        .map(|p| OffsetCommitResponsePartition::default().with_partition_index(*p).with_error_code(error.0));
    ResponseKind::OffsetCommit(OffsetCommitResponse::default().with_topics(vec![
        OffsetCommitResponseTopic::default().with_name(TopicName(s("t"))).with_partitions(parts.collect()),
    ]))
}

#[test]
fn unknown_member_loses_the_partitions_and_rejoins_as_a_new_member() {
    let mut h = Harness::stable(&[]);
    h.heartbeat(ErrorCode::UNKNOWN_MEMBER_ID);
    assert_eq!(h.events(), vec![ConsumerEvent::Lost(vec![tp(0), tp(1)])]);
    let (_, j) = h.expect_join();
    assert_eq!(j.member_id.as_str(), "");
    assert_eq!(h.c.group_metadata().unwrap().generation_id, -1);
}

#[test]
fn illegal_generation_keeps_the_member_id() {
    let mut h = Harness::stable(&[]);
    h.heartbeat(ErrorCode::ILLEGAL_GENERATION);
    assert_eq!(h.events(), vec![ConsumerEvent::Lost(vec![tp(0), tp(1)])]);
    assert_eq!(h.expect_join().1.member_id.as_str(), "m1");
}

#[test]
fn coordinator_errors_and_silence_find_the_coordinator_again() {
    let mut h = Harness::stable(&[]);
    h.heartbeat(ErrorCode::NOT_COORDINATOR);
    h.find_coordinator();
    // Still a member of generation 1: heartbeats resume with the partitions kept.
    h.heartbeat(ErrorCode::NONE);
    assert_eq!(h.c.assignment(), vec![tp(0), tp(1)]);
    // A heartbeat that gets no answer within request.timeout.ms gives the coordinator up too.
    h.advance(1_000);
    let t = h.next();
    assert!(matches!(t.body, RequestKind::Heartbeat(_)));
    h.advance(h.c.config().request_timeout_ms + 1);
    let t = h.next();
    assert!(matches!(t.body, RequestKind::FindCoordinator(_)), "{:?}", t.body);
    // A disconnect from the coordinator as well.
    h.find_coordinator_answer(t);
    h.c.handle_disconnect(COORD_LINK, h.now);
    assert!(matches!(h.next().body, RequestKind::FindCoordinator(_)));
}

impl Harness {
    fn find_coordinator_answer(&mut self, t: Transmit) {
        let resp = FindCoordinatorResponse::default().with_coordinators(vec![Coordinator::default()
            .with_key(s("g"))
            .with_node_id(WireBrokerId(COORD))
            .with_host(s("localhost"))
            .with_port(9092)]);
        self.respond(&t, ResponseKind::FindCoordinator(resp));
    }
}

#[test]
fn session_expires_without_heartbeat_answers() {
    let mut h = Harness::stable(&[("request.timeout.ms", "30000")]);
    h.advance(1_000);
    let t = h.next();
    assert!(matches!(t.body, RequestKind::Heartbeat(_)));
    // No answer for session.timeout.ms (shorter than the request timeout): the coordinator is given up.
    h.advance(10_000);
    assert!(matches!(h.next().body, RequestKind::FindCoordinator(_)));
}

#[test]
fn a_member_that_stops_polling_leaves_and_rejoins_when_it_polls() {
    let mut h = Harness::stable(&[("max.poll.interval.ms", "4000")]);
    for _ in 0..3 {
        h.heartbeat(ErrorCode::NONE);
    }
    h.advance(1_000); // 4 s without a poll
    assert_eq!(h.events(), vec![ConsumerEvent::Lost(vec![tp(0), tp(1)])]);
    let t = h.next();
    let RequestKind::LeaveGroup(l) = &t.body else { panic!("expected LeaveGroup, got {:?}", t.body) };
    assert_eq!(l.members[0].member_id.as_str(), "m1");
    h.respond(&t, ResponseKind::LeaveGroup(LeaveGroupResponse::default()));
    assert!(h.c.poll_transmit(h.now).is_none(), "no rejoin before the application polls");
    h.c.poll_records(h.now);
    assert_eq!(h.expect_join().1.member_id.as_str(), "");
}

#[test]
fn cooperative_member_keeps_its_partitions_and_revokes_only_what_moves() {
    let mut h = Harness::stable(&[("partition.assignment.strategy", "cooperative-sticky")]);
    h.heartbeat(ErrorCode::REBALANCE_IN_PROGRESS);
    let (t, j) = h.expect_join();
    assert!(h.events().is_empty(), "nothing revoked before rejoining");
    let sub = decode_subscription("m1", None, &j.protocols[0].metadata).unwrap();
    assert_eq!((sub.owned_partitions.clone(), sub.generation_id), (vec![tp(0), tp(1)], 1));
    // Another member joined: the leader (us) keeps one partition and gives up the other.
    let other = super::assignor::encode_subscription(&["t".to_string()].into(), None, &[], -1, None);
    let resp = JoinGroupResponse::default()
        .with_generation_id(2)
        .with_protocol_name(Some(s("cooperative-sticky")))
        .with_leader(s("m1"))
        .with_member_id(s("m1"))
        .with_members(vec![
            JoinGroupResponseMember::default().with_member_id(s("m1")).with_metadata(j.protocols[0].metadata.clone()),
            JoinGroupResponseMember::default().with_member_id(s("m2")).with_metadata(other),
        ]);
    h.respond(&t, ResponseKind::JoinGroup(resp));
    let t = h.next();
    let RequestKind::SyncGroup(sync) = &t.body else { panic!("{:?}", t.body) };
    for a in &sync.assignments {
        let tps = decode_assignment(&a.assignment).unwrap();
        match a.member_id.as_str() {
            "m1" => assert_eq!(tps.len(), 1),
            _ => assert!(tps.is_empty(), "the moving partition waits for the next rebalance"),
        }
    }
    let kept =
        decode_assignment(&sync.assignments.iter().find(|a| a.member_id.as_str() == "m1").unwrap().assignment).unwrap();
    h.respond(&t, ResponseKind::SyncGroup(SyncGroupResponse::default().with_assignment(encode_assignment(&kept, 3))));
    let moved: Vec<TopicPartition> = [tp(0), tp(1)].into_iter().filter(|p| !kept.contains(p)).collect();
    assert_eq!(h.events(), vec![ConsumerEvent::Revoked(moved), ConsumerEvent::Assigned(vec![])]);
    // The kept partition keeps its position (no OffsetFetch), and the member rejoins at once.
    assert!(h.c.position(&kept[0]).is_some());
    let (_, j) = h.expect_join();
    let sub = decode_subscription("m1", None, &j.protocols[0].metadata).unwrap();
    assert_eq!(sub.owned_partitions, kept);
}

#[test]
fn commit_errors_are_classified() {
    let mut h = Harness::stable(&[]);
    // A coordinator still loading: retried after the backoff, then done.
    let id = h.c.commit(None, h.now).unwrap();
    let t = h.next();
    h.respond(&t, commit_response(&[0, 1], ErrorCode::COORDINATOR_LOAD_IN_PROGRESS));
    assert!(h.events().is_empty());
    h.advance(h.c.config().retry_backoff_ms);
    let t = h.next();
    assert!(matches!(t.body, RequestKind::OffsetCommit(_)));
    h.respond(&t, commit_response(&[0, 1], ErrorCode::NONE));
    assert_eq!(h.events(), vec![ConsumerEvent::CommitCompleted { id, result: Ok(vec![(tp(0), 5), (tp(1), 7)]) }]);
    // A stale generation: the commit fails for good and the partitions are lost.
    let explicit = vec![(tp(1), OffsetAndMetadata { offset: 8, metadata: Some("m".into()), leader_epoch: None })];
    let id = h.c.commit(Some(explicit), h.now).unwrap();
    let t = h.next();
    let RequestKind::OffsetCommit(oc) = &t.body else { panic!("{:?}", t.body) };
    assert_eq!(oc.topics[0].partitions[0].committed_metadata.as_deref(), Some("m"));
    h.respond(&t, commit_response(&[1], ErrorCode::ILLEGAL_GENERATION));
    let events = h.events();
    let ConsumerEvent::CommitCompleted { id: got, result: Err(e) } = &events[1] else { panic!("{events:?}") };
    assert_eq!((*got, e.code()), (id, ErrorCode::ILLEGAL_GENERATION));
    assert!(e.message().contains("CommitFailed"), "{}", e.message());
    assert_eq!(events[0], ConsumerEvent::Lost(vec![tp(0), tp(1)]));
    assert!(h.c.commit(Some(vec![(tp(0), OffsetAndMetadata::new(-1))]), h.now).is_err());
}

/// A commit retried after a newer commit of the same partition leaves that partition out: the
/// coordinator takes offsets in the order they arrive, and the retry would move it backwards
/// (the lost request may never have arrived, the newer one has).
#[test]
fn a_retried_commit_never_moves_an_offset_back() {
    let mut h = Harness::stable(&[("request.timeout.ms", "500")]);
    let both = vec![(tp(0), OffsetAndMetadata::new(5)), (tp(1), OffsetAndMetadata::new(7))];
    let old = h.c.commit(Some(both), h.now).unwrap();
    let _lost = h.next(); // no answer ever comes
    h.advance(500);
    let new = h.c.commit(Some(vec![(tp(0), OffsetAndMetadata::new(9))]), h.now).unwrap();
    let t = h.next();
    let RequestKind::OffsetCommit(oc) = &t.body else { panic!("{:?}", t.body) };
    assert_eq!(oc.topics[0].partitions[0].committed_offset, 9);
    h.respond(&t, commit_response(&[0], ErrorCode::NONE));
    h.advance(h.c.config().retry_backoff_ms);
    let t = h.next();
    let RequestKind::OffsetCommit(oc) = &t.body else { panic!("{:?}", t.body) };
    let parts: Vec<(i32, i64)> =
        oc.topics[0].partitions.iter().map(|p| (p.partition_index, p.committed_offset)).collect();
    assert_eq!(parts, vec![(1, 7)], "the retry leaves partition 0 to the newer commit");
    h.respond(&t, commit_response(&[1], ErrorCode::NONE));
    assert_eq!(
        h.events(),
        vec![
            ConsumerEvent::CommitCompleted { id: new, result: Ok(vec![(tp(0), 9)]) },
            ConsumerEvent::CommitCompleted { id: old, result: Ok(vec![(tp(1), 7)]) },
        ]
    );
}

#[test]
fn committed_offsets_are_fetched_for_the_application() {
    let mut h = Harness::stable(&[]);
    let id = h.c.committed(vec![tp(0), tp(1)], h.now).unwrap();
    h.offset_fetch(&[(0, 5), (1, -1)]);
    assert_eq!(
        h.events(),
        vec![ConsumerEvent::Committed {
            id,
            result: Ok(vec![(tp(0), Some(OffsetAndMetadata::new(5))), (tp(1), None)])
        }]
    );
}

#[test]
fn close_commits_revokes_and_leaves() {
    let mut h = Harness::stable(&[("enable.auto.commit", "true")]);
    h.c.seek(&tp(1), 9).unwrap();
    h.c.close_group();
    assert_eq!(h.events(), vec![ConsumerEvent::Revoked(vec![tp(0), tp(1)])]);
    assert!(!h.c.group_idle());
    // The commit first, in the generation being left, then LeaveGroup.
    let t = h.next();
    let RequestKind::OffsetCommit(oc) = &t.body else { panic!("OffsetCommit first, got {:?}", t.body) };
    assert_eq!((oc.generation_id_or_member_epoch, oc.member_id.as_str()), (1, "m1"));
    // Partition 0 is still at its committed offset: only partition 1 moved.
    assert_eq!(oc.topics[0].partitions.iter().map(|p| p.committed_offset).collect::<Vec<_>>(), [9]);
    let commit = t;
    let t = h.next();
    let RequestKind::LeaveGroup(_) = &t.body else { panic!("then LeaveGroup, got {:?}", t.body) };
    h.respond(&commit, commit_response(&[1], ErrorCode::NONE));
    assert!(!h.c.group_idle());
    h.respond(&t, ResponseKind::LeaveGroup(LeaveGroupResponse::default()));
    assert!(h.c.group_idle());
    assert!(h.c.poll_transmit(h.now).is_none());
}

#[test]
fn static_members_send_their_instance_id_and_do_not_leave_on_close() {
    let mut h = Harness::new(&[("group.instance.id", "i-1")]);
    h.c.subscribe(vec!["t".into()]).unwrap();
    h.find_coordinator();
    let (_, j) = h.expect_join();
    assert_eq!(j.group_instance_id.as_deref(), Some("i-1"));
    let mut h = Harness::stable(&[("group.instance.id", "i-1")]);
    h.c.close_group();
    assert!(h.c.group_idle());
}

#[test]
fn subscribe_needs_a_group_and_excludes_manual_assignment() {
    let config = ConsumerConfig::from_pairs([("bootstrap.servers", "x:1")]).unwrap();
    let mut c = Consumer::new(config, 0).unwrap();
    assert_eq!(c.subscribe(vec!["t".into()]).unwrap_err().code(), ErrorCode::INVALID_CONFIG_LOCAL);
    assert!(c.subscribe_pattern("t.*").is_err());
    let mut h = Harness::new(&[]);
    assert!(h.c.subscribe_pattern("(").is_err());
    h.c.assign(vec![(tp(0), None)]);
    assert!(h.c.subscribe(vec!["t".into()]).is_err());
    h.c.unassign();
    h.c.subscribe(vec!["t".into()]).unwrap();
    h.c.assign(vec![(tp(0), None)]);
    assert!(matches!(h.events()[..], [ConsumerEvent::Error(_)]));
    let _ = Bytes::new();
}

#[test]
fn a_pattern_subscribes_to_matching_topics_only() {
    let mut h = Harness::new(&[]);
    h.c.subscribe_pattern("t|x.*").unwrap();
    let t = h.c.poll_transmit(h.now).unwrap(); // the consumer's own metadata
    assert!(matches!(&t.body, RequestKind::Metadata(m) if m.topics.is_some()));
    let t = h.c.poll_transmit(h.now).unwrap();
    let RequestKind::Metadata(m) = &t.body else { panic!("{:?}", t.body) };
    assert!(m.topics.is_none(), "all topics");
    let topic = |n: &str, internal: bool| {
        MetadataResponseTopic::default().with_name(Some(TopicName(s(n)))).with_is_internal(internal)
    };
    let resp = MetadataResponse::default().with_topics(vec![
        topic("t", false),
        topic("xa", false),
        topic("at", false),
        topic("__consumer_offsets", true),
    ]);
    h.respond(&t, ResponseKind::Metadata(resp));
    assert_eq!(h.c.subscription(), ["t", "xa"]);
}

#[test]
fn the_leader_rebalances_when_a_topic_grows() {
    let mut h = Harness::stable(&[]);
    h.heartbeat(ErrorCode::NONE);
    // Metadata now shows three partitions of t.
    h.c.metadata.request_refresh();
    let t = h.c.poll_transmit(h.now).expect("metadata");
    assert!(matches!(t.body, RequestKind::Metadata(_)));
    h.respond(&t, metadata(3));
    let (_, j) = h.expect_join();
    assert_eq!(j.member_id.as_str(), "m1");
}

#[test]
fn without_committed_offsets_to_be_had_the_reset_policy_decides() {
    let mut h = Harness::new(&[("auto.offset.reset", "earliest")]);
    h.c.assign(vec![(tp(0), None)]);
    h.find_coordinator();
    let t = h.next();
    assert!(matches!(t.body, RequestKind::OffsetFetch(_)), "{:?}", t.body);
    let resp = OffsetFetchResponse::default().with_groups(vec![OffsetFetchResponseGroup::default()
        .with_group_id(GroupId(s("g")))
        .with_error_code(ErrorCode::UNSUPPORTED_VERSION.0)]);
    h.respond(&t, ResponseKind::OffsetFetch(resp));
    assert!(matches!(&h.events()[..], [ConsumerEvent::Error(e)] if e.code() == ErrorCode::UNSUPPORTED_VERSION));
    let t = h.c.poll_transmit(h.now).expect("ListOffsets");
    let RequestKind::ListOffsets(l) = &t.body else { panic!("{:?}", t.body) };
    assert_eq!(l.topics[0].partitions[0].timestamp, OFFSET_BEGINNING);
}

#[test]
fn with_the_revoke_barrier_eager_partitions_wait_for_the_application() {
    let mut h = Harness::stable(&[]);
    h.c.set_revoke_barrier(true);
    h.heartbeat(ErrorCode::REBALANCE_IN_PROGRESS);
    assert!(h.c.poll_transmit(h.now).is_none_or(|t| !matches!(t.body, RequestKind::JoinGroup(_))));
    assert_eq!(h.events(), vec![ConsumerEvent::Revoked(vec![tp(0), tp(1)])]);
    // Still assigned (paused): the application commits its positions, then releases them.
    assert_eq!((h.c.assignment().len(), h.c.paused().len()), (2, 2));
    h.c.commit(None, h.now).unwrap();
    let t = h.next();
    assert!(matches!(t.body, RequestKind::OffsetCommit(_)), "{:?}", t.body);
    h.respond(&t, commit_response(&[0, 1], ErrorCode::NONE));
    h.c.ack_revoke();
    assert!(h.c.assignment().is_empty());
    let (_, j) = h.expect_join();
    let sub = decode_subscription("m1", None, &j.protocols[0].metadata).unwrap();
    assert!(sub.owned_partitions.is_empty());
}

#[test]
fn with_the_revoke_barrier_cooperative_rejoins_after_the_release() {
    let mut h = Harness::stable(&[("partition.assignment.strategy", "cooperative-sticky")]);
    h.c.set_revoke_barrier(true);
    h.heartbeat(ErrorCode::REBALANCE_IN_PROGRESS);
    let (t, j) = h.expect_join();
    let resp = JoinGroupResponse::default()
        .with_generation_id(2)
        .with_protocol_name(Some(s("cooperative-sticky")))
        .with_leader(s("other"))
        .with_member_id(s("m1"));
    h.respond(&t, ResponseKind::JoinGroup(resp));
    let t = h.next();
    assert!(matches!(t.body, RequestKind::SyncGroup(_)));
    let _ = j;
    h.respond(
        &t,
        ResponseKind::SyncGroup(SyncGroupResponse::default().with_assignment(encode_assignment(&[tp(0)], 3))),
    );
    assert_eq!(h.events(), vec![ConsumerEvent::Revoked(vec![tp(1)]), ConsumerEvent::Assigned(vec![])]);
    assert_eq!((h.c.assignment(), h.c.paused()), (vec![tp(0), tp(1)], vec![tp(1)]));
    // No rejoin before the release; heartbeats go on.
    h.heartbeat(ErrorCode::NONE);
    h.c.ack_revoke();
    assert_eq!(h.c.assignment(), vec![tp(0)]);
    let (_, j) = h.expect_join();
    let sub = decode_subscription("m1", None, &j.protocols[0].metadata).unwrap();
    assert_eq!(sub.owned_partitions, vec![tp(0)]);
}
