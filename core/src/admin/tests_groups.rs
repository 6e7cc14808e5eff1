//! The group calls driven by hand: coordinator routing, retries, and reading the answers.

use bytes::{BufMut, BytesMut};
use kafka_protocol::messages::consumer_protocol_assignment::TopicPartition as AssignedTopic;
use kafka_protocol::messages::delete_groups_response::DeletableGroupResult;
use kafka_protocol::messages::describe_groups_response::{DescribedGroup, DescribedGroupMember};
use kafka_protocol::messages::list_groups_response::ListedGroup;
use kafka_protocol::messages::offset_commit_response::{OffsetCommitResponsePartition, OffsetCommitResponseTopic};
use kafka_protocol::messages::offset_fetch_response::{
    OffsetFetchResponseGroup, OffsetFetchResponsePartitions, OffsetFetchResponseTopics,
};
use kafka_protocol::messages::{
    ConsumerProtocolAssignment, DeleteGroupsResponse, DescribeGroupsResponse, FindCoordinatorResponse, GroupId,
    ListGroupsResponse, OffsetCommitResponse, OffsetFetchResponse,
};
use kafka_protocol::protocol::Encodable;

use super::*;
use crate::client::versions;

fn s(v: &str) -> StrBytes {
    StrBytes::from_string(v.to_string())
}

fn found(node: i32, code: i16) -> ResponseKind {
    ResponseKind::FindCoordinator(
        FindCoordinatorResponse::default()
            .with_error_code(code)
            .with_node_id(WireBrokerId(node))
            .with_host(s("localhost"))
            .with_port(9090 + node),
    )
}

fn assignment(tps: &[(&str, &[i32])]) -> bytes::Bytes {
    let a = ConsumerProtocolAssignment::default().with_assigned_partitions(
        tps.iter().map(|(t, ps)| AssignedTopic::default().with_topic(name(t)).with_partitions(ps.to_vec())).collect(),
    );
    let mut buf = BytesMut::new();
    buf.put_i16(3);
    a.encode(&mut buf, 3).unwrap();
    buf.freeze()
}

fn described(group: &str, code: i16, state: &str, members: Vec<DescribedGroupMember>) -> ResponseKind {
    ResponseKind::DescribeGroups(DescribeGroupsResponse::default().with_groups(vec![DescribedGroup::default()
        .with_error_code(code)
        .with_group_id(GroupId(s(group)))
        .with_group_state(s(state))
        .with_protocol_type(s("consumer"))
        .with_protocol_data(s("range"))
        .with_members(members)]))
}

/// Find the coordinator of the group the next request asks about: FindCoordinator answered with `node`.
fn route(h: &mut Harness, node: i32) -> Transmit {
    let f = h.transmit().expect("FindCoordinator");
    let RequestKind::FindCoordinator(req) = &f.body else { panic!("{:?}", f.body) };
    assert_eq!(req.key_type, 0);
    h.respond(&f, found(node, 0));
    h.transmit().expect("the call")
}

#[test]
fn describe_goes_to_the_coordinator_and_decodes_assignments() {
    let mut h = Harness::new(&[]);
    let id = h.a.describe_groups(vec!["g".into()], h.now);
    let t = route(&mut h, 2);
    assert_eq!((t.broker, t.api_version), (2, versions::DESCRIBE_GROUPS));
    let RequestKind::DescribeGroups(req) = &t.body else { panic!("{:?}", t.body) };
    assert_eq!(req.groups[0].0.as_str(), "g");
    let m = DescribedGroupMember::default()
        .with_member_id(s("m-1"))
        .with_client_id(s("c"))
        .with_client_host(s("/10.0.0.1"))
        .with_member_assignment(assignment(&[("t", &[1, 0]), ("u", &[3])]));
    h.respond(&t, described("g", 0, "Stable", vec![m]));
    let events = h.completed();
    let [(got, Ok(AdminResult::DescribeGroups(groups)))] = events.as_slice() else { panic!("{events:?}") };
    assert_eq!(*got, id);
    let d = groups[0].1.as_ref().unwrap();
    assert_eq!((d.state.as_str(), d.assignor.as_str(), d.coordinator), ("Stable", "range", 2));
    let tp = TopicPartition::new;
    assert_eq!(d.members[0].assignment, vec![tp("t", 0), tp("t", 1), tp("u", 3)]);
    assert_eq!((d.members[0].host.as_str(), d.members[0].client_id.as_str()), ("/10.0.0.1", "c"));
}

#[test]
fn not_coordinator_finds_it_again_and_load_in_progress_waits_there() {
    let mut h = Harness::new(&[]);
    h.a.describe_groups(vec!["g".into()], h.now);
    let t = route(&mut h, 1);
    h.respond(&t, described("g", ErrorCode::COORDINATOR_LOAD_IN_PROGRESS.0, "", vec![]));
    assert!(h.transmit().is_none(), "backs off");
    h.advance(1000);
    let t = h.transmit().expect("the same coordinator again");
    assert!(matches!(t.body, RequestKind::DescribeGroups(_)) && t.broker == 1, "{t:?}");
    h.respond(&t, described("g", ErrorCode::NOT_COORDINATOR.0, "", vec![]));
    h.advance(1000);
    let t = route(&mut h, 2);
    assert_eq!(t.broker, 2);
    // The connection to the new coordinator breaks: found again once more.
    h.a.handle_disconnect(2, h.now);
    h.advance(1000);
    let t = route(&mut h, 1);
    h.respond(&t, described("g", 0, "Empty", vec![]));
    let events = h.completed();
    let [(_, Ok(AdminResult::DescribeGroups(groups)))] = events.as_slice() else { panic!("{events:?}") };
    assert_eq!(groups[0].1.as_ref().unwrap().state, "Empty");
}

#[test]
fn retries_end_with_the_last_error_and_final_errors_do_not_retry() {
    let mut h = Harness::new(&[("retries", "1")]);
    h.a.describe_groups(vec!["g".into(), "locked".into()], h.now);
    let f1 = h.transmit().unwrap();
    let f2 = h.transmit().unwrap();
    h.respond(&f1, found(-1, ErrorCode::COORDINATOR_NOT_AVAILABLE.0));
    h.respond(&f2, found(-1, 30)); // GROUP_AUTHORIZATION_FAILED
    h.advance(1000);
    let f3 = h.transmit().expect("retry");
    h.respond(&f3, found(-1, ErrorCode::COORDINATOR_NOT_AVAILABLE.0));
    let events = h.completed();
    let [(_, Ok(AdminResult::DescribeGroups(groups)))] = events.as_slice() else { panic!("{events:?}") };
    let codes: Vec<(&str, ErrorCode)> =
        groups.iter().map(|(g, r)| (g.as_str(), r.as_ref().unwrap_err().code())).collect();
    assert_eq!(codes, vec![("g", ErrorCode::COORDINATOR_NOT_AVAILABLE), ("locked", ErrorCode(30))]);
}

#[test]
fn a_coordinator_missing_from_the_metadata_is_learnt_first() {
    let mut h = Harness::new(&[]);
    h.a.delete_groups(vec!["g".into()], h.now);
    let f = h.transmit().unwrap();
    h.respond(&f, found(7, 0));
    assert!(h.transmit().is_none(), "metadata backs off");
    h.advance(100);
    let m = h.transmit().expect("metadata before the call");
    assert!(matches!(m.body, RequestKind::Metadata(_)));
    h.respond(&m, metadata(&[])); // still brokers 1 and 2 only
    assert!(h.transmit().is_none());
    h.advance(1000);
    let m = h.transmit().expect("metadata again");
    let ResponseKind::Metadata(mut md) = metadata(&[]) else { unreachable!() };
    md.brokers.push(
        kafka_protocol::messages::metadata_response::MetadataResponseBroker::default()
            .with_node_id(WireBrokerId(7))
            .with_host(s("localhost"))
            .with_port(9097),
    );
    h.respond(&m, ResponseKind::Metadata(md));
    let t = h.transmit().expect("DeleteGroups");
    assert_eq!(t.broker, 7);
    let r =
        DeletableGroupResult::default().with_group_id(GroupId(s("g"))).with_error_code(ErrorCode::NON_EMPTY_GROUP.0);
    h.respond(&t, ResponseKind::DeleteGroups(DeleteGroupsResponse::default().with_results(vec![r])));
    let events = h.completed();
    let [(_, Ok(AdminResult::DeleteGroups(groups)))] = events.as_slice() else { panic!("{events:?}") };
    assert_eq!(groups[0].1.as_ref().unwrap_err().code(), ErrorCode::NON_EMPTY_GROUP);
}

#[test]
fn list_groups_asks_every_broker_and_keeps_their_errors() {
    let mut h = Harness::new(&[]);
    let id = h.a.list_groups(vec!["Stable".into()], h.now);
    assert!(h.transmit().is_none(), "waits for fresh metadata");
    h.advance(100);
    let m = h.transmit().unwrap();
    h.respond(&m, metadata(&[]));
    let t1 = h.transmit().unwrap();
    let t2 = h.transmit().unwrap();
    assert_eq!((t1.broker, t2.broker, t1.api_version), (1, 2, versions::LIST_GROUPS));
    let RequestKind::ListGroups(req) = &t1.body else { panic!("{:?}", t1.body) };
    assert_eq!(req.states_filter, vec![s("Stable")]);
    let g = |id: &str, state: &str| {
        ListedGroup::default()
            .with_group_id(GroupId(s(id)))
            .with_protocol_type(s("consumer"))
            .with_group_state(s(state))
    };
    // Broker 2 ignores the filter (as brokers before v4 do): the client filters.
    h.respond(
        &t2,
        ResponseKind::ListGroups(ListGroupsResponse::default().with_groups(vec![g("b", "Stable"), g("x", "Empty")])),
    );
    h.respond(
        &t1,
        ResponseKind::ListGroups(
            ListGroupsResponse::default().with_error_code(ErrorCode::COORDINATOR_LOAD_IN_PROGRESS.0),
        ),
    );
    h.advance(1000);
    let t1 = h.transmit().expect("broker 1 again");
    assert_eq!(t1.broker, 1);
    h.respond(&t1, ResponseKind::ListGroups(ListGroupsResponse::default().with_groups(vec![g("a", "Stable")])));
    let events = h.completed();
    let [(got, Ok(AdminResult::ListGroups(listed)))] = events.as_slice() else { panic!("{events:?}") };
    assert_eq!(*got, id);
    let ids: Vec<&str> = listed.groups.iter().map(|g| g.group_id.as_str()).collect();
    assert_eq!((ids, listed.errors.len()), (vec!["a", "b"], 0));

    h.a.list_groups(vec![], h.now);
    h.advance(100);
    let m = h.transmit().unwrap();
    h.respond(&m, metadata(&[]));
    let t1 = h.transmit().unwrap();
    let t2 = h.transmit().unwrap();
    h.respond(&t1, ResponseKind::ListGroups(ListGroupsResponse::default().with_groups(vec![g("a", "Stable")])));
    h.respond(&t2, ResponseKind::ListGroups(ListGroupsResponse::default().with_error_code(31)));
    let events = h.completed();
    let [(_, Ok(AdminResult::ListGroups(listed)))] = events.as_slice() else { panic!("{events:?}") };
    assert_eq!(listed.groups.len(), 1);
    assert_eq!((listed.errors[0].0, listed.errors[0].1.code()), (2, ErrorCode(31)));
}

fn fetched(group: &str, code: i16, parts: &[(&str, i32, i64, i16)]) -> ResponseKind {
    let topics = parts
        .iter()
        .map(|(t, p, o, c)| {
            OffsetFetchResponseTopics::default().with_name(name(t)).with_partitions(vec![
                OffsetFetchResponsePartitions::default()
                    .with_partition_index(*p)
                    .with_committed_offset(*o)
                    .with_committed_leader_epoch(-1)
                    .with_error_code(*c),
            ])
        })
        .collect();
    ResponseKind::OffsetFetch(OffsetFetchResponse::default().with_groups(vec![
        OffsetFetchResponseGroup::default().with_group_id(GroupId(s(group))).with_error_code(code).with_topics(topics),
    ]))
}

#[test]
fn group_offsets_read_the_batched_answer() {
    let mut h = Harness::new(&[]);
    let tp = TopicPartition::new;
    h.a.list_group_offsets("g", Some(vec![tp("t", 1), tp("t", 0)]), true, h.now);
    let t = route(&mut h, 1);
    assert_eq!(t.api_version, versions::OFFSET_FETCH);
    let RequestKind::OffsetFetch(req) = &t.body else { panic!("{:?}", t.body) };
    assert!(req.require_stable);
    let topics = req.groups[0].topics.as_ref().unwrap();
    assert_eq!((topics[0].name.0.as_str(), topics[0].partition_indexes.clone()), ("t", vec![0, 1]));
    // A transaction still open at the coordinator: asked again.
    h.respond(&t, fetched("g", 0, &[("t", 0, 5, 0), ("t", 1, -1, ErrorCode::UNSTABLE_OFFSET_COMMIT.0)]));
    h.advance(1000);
    let t = h.transmit().expect("again");
    h.respond(&t, fetched("g", 0, &[("t", 1, -1, 0), ("t", 0, 5, 0)]));
    let events = h.completed();
    let [(_, Ok(AdminResult::ListGroupOffsets(offsets)))] = events.as_slice() else { panic!("{events:?}") };
    assert_eq!(offsets[0].0, tp("t", 0));
    assert_eq!(offsets[0].1.as_ref().unwrap().as_ref().map(|c| c.offset), Some(5));
    assert_eq!(offsets[1].1.as_ref().unwrap(), &None);

    h.a.list_group_offsets("h", None, false, h.now);
    let t = route(&mut h, 2);
    let RequestKind::OffsetFetch(req) = &t.body else { panic!("{:?}", t.body) };
    assert!(req.groups[0].topics.is_none(), "all partitions");
    h.respond(&t, fetched("h", 30, &[]));
    let events = h.completed();
    let [(_, Err(e))] = events.as_slice() else { panic!("{events:?}") };
    assert_eq!(e.code(), ErrorCode(30));
}

fn committed(parts: &[(&str, i32, i16)]) -> ResponseKind {
    let topics = parts
        .iter()
        .map(|(t, p, c)| {
            OffsetCommitResponseTopic::default().with_name(name(t)).with_partitions(vec![
                OffsetCommitResponsePartition::default().with_partition_index(*p).with_error_code(*c),
            ])
        })
        .collect();
    ResponseKind::OffsetCommit(OffsetCommitResponse::default().with_topics(topics))
}

#[test]
fn altering_offsets_commits_without_a_member_and_a_live_group_refuses() {
    let mut h = Harness::new(&[]);
    let tp = TopicPartition::new;
    h.a.alter_group_offsets("g", vec![(tp("t", 0), 3), (tp("t", 1), 0)], h.now);
    let t = route(&mut h, 1);
    let RequestKind::OffsetCommit(req) = &t.body else { panic!("{:?}", t.body) };
    assert_eq!((req.generation_id_or_member_epoch, req.member_id.as_str()), (-1, ""));
    let offsets: Vec<(i32, i64)> =
        req.topics[0].partitions.iter().map(|p| (p.partition_index, p.committed_offset)).collect();
    assert_eq!(offsets, vec![(0, 3), (1, 0)]);
    h.respond(&t, committed(&[("t", 0, 0), ("t", 1, 0)]));
    let events = h.completed();
    let [(_, Ok(AdminResult::AlterGroupOffsets(r)))] = events.as_slice() else { panic!("{events:?}") };
    assert!(r.iter().all(|(_, r)| r.is_ok()) && r.len() == 2);

    h.a.alter_group_offsets("g", vec![(tp("t", 0), 3)], h.now);
    let t = h.transmit().expect("the coordinator is remembered? no: each call finds it");
    let t = if matches!(t.body, RequestKind::FindCoordinator(_)) {
        h.respond(&t, found(1, 0));
        h.transmit().unwrap()
    } else {
        t
    };
    h.respond(&t, committed(&[("t", 0, ErrorCode::UNKNOWN_MEMBER_ID.0)]));
    let events = h.completed();
    let [(_, Err(e))] = events.as_slice() else { panic!("{events:?}") };
    assert_eq!(e.code(), ErrorCode::UNKNOWN_MEMBER_ID);
}

#[test]
fn hostile_assignments_decode_to_nothing() {
    let good = assignment(&[("t", &[0, 1])]);
    assert_eq!(decode_assignment(&good).len(), 2);
    assert!(decode_assignment(&bytes::Bytes::new()).is_empty());
    // 2^31-1 topics, then 2^31-1 partitions of one topic: refused before any allocation.
    let huge_topics = bytes::Bytes::from_static(&[0, 3, 0x7f, 0xff, 0xff, 0xff]);
    assert!(decode_assignment(&huge_topics).is_empty());
    let huge_parts = bytes::Bytes::from_static(&[0, 0, 0, 0, 0, 1, 0, 1, b't', 0x7f, 0xff, 0xff, 0xff]);
    assert!(decode_assignment(&huge_parts).is_empty());
    for i in 0..good.len() {
        let mut m = good.to_vec();
        m[i] = 0xff;
        let _ = decode_assignment(&bytes::Bytes::from(m));
    }
}

#[test]
fn a_partition_error_is_that_partitions_answer() {
    let mut h = Harness::new(&[]);
    let tp = TopicPartition::new;
    h.a.list_group_offsets("g", Some(vec![tp("gone", 0), tp("t", 0)]), false, h.now);
    let t = route(&mut h, 1);
    h.respond(&t, fetched("g", 0, &[("gone", 0, -1, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.0), ("t", 0, 4, 0)]));
    let events = h.completed();
    let [(_, Ok(AdminResult::ListGroupOffsets(offsets)))] = events.as_slice() else { panic!("{events:?}") };
    assert_eq!(offsets[0].1.as_ref().unwrap_err().code(), ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
    assert_eq!(offsets[1].1.as_ref().unwrap().as_ref().map(|c| c.offset), Some(4));
}
