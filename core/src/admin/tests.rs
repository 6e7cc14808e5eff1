//! The admin client driven by hand.

use kafka_protocol::messages::create_topics_response::CreatableTopicResult;
use kafka_protocol::messages::delete_topics_response::DeletableTopicResult;
use kafka_protocol::messages::list_offsets_response::{ListOffsetsPartitionResponse, ListOffsetsTopicResponse};
use kafka_protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::{
    BrokerId as WireBrokerId, CreateTopicsResponse, DeleteTopicsResponse, ListOffsetsResponse, MetadataResponse,
    RequestKind, TopicName,
};

use super::*;
use crate::protocol::{StrBytes, BOOTSTRAP};

fn name(s: &str) -> TopicName {
    TopicName(StrBytes::from_string(s.to_string()))
}

/// Brokers 1 and 2; topics given as (name, leaders of partitions 0..), or an error code for the topic.
fn metadata(topics: &[(&str, &[i32], i16)]) -> ResponseKind {
    let brokers = [1, 2]
        .iter()
        .map(|id| {
            MetadataResponseBroker::default()
                .with_node_id(WireBrokerId(*id))
                .with_host(StrBytes::from_static_str("localhost"))
                .with_port(9090 + id)
        })
        .collect();
    let topics = topics
        .iter()
        .map(|(n, leaders, error)| {
            let parts = leaders
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    MetadataResponsePartition::default().with_partition_index(i as i32).with_leader_id(WireBrokerId(*l))
                })
                .collect();
            MetadataResponseTopic::default().with_name(Some(name(n))).with_error_code(*error).with_partitions(parts)
        })
        .collect();
    ResponseKind::Metadata(MetadataResponse::default().with_brokers(brokers).with_topics(topics))
}

struct Harness {
    a: Admin,
    now: Millis,
}

impl Harness {
    fn new(pairs: &[(&str, &str)]) -> Harness {
        let config = AdminConfig::from_pairs(pairs.iter().copied()).expect("valid config");
        let mut h = Harness { a: Admin::new(config, 0).expect("admin"), now: 0 };
        let t = h.transmit().expect("bootstrap metadata");
        assert_eq!(t.broker, BOOTSTRAP);
        h.respond(&t, metadata(&[]));
        h
    }

    fn transmit(&mut self) -> Option<Transmit> {
        self.a.poll_transmit(self.now)
    }

    fn respond(&mut self, t: &Transmit, body: ResponseKind) {
        self.a.handle_response(t.broker, t.correlation_id, body, self.now);
    }

    fn advance(&mut self, ms: Millis) {
        self.now += ms;
        self.a.handle_timeout(self.now);
    }

    fn completed(&mut self) -> Vec<(RequestId, Result<AdminResult, Error>)> {
        std::iter::from_fn(|| self.a.poll_event()).map(|AdminEvent::Completed { id, result }| (id, result)).collect()
    }
}

fn created(results: &[(&str, i16, Option<&str>)]) -> ResponseKind {
    let topics = results
        .iter()
        .map(|(n, code, msg)| {
            CreatableTopicResult::default()
                .with_name(name(n))
                .with_error_code(*code)
                .with_error_message(msg.map(|m| StrBytes::from_string(m.to_string())))
        })
        .collect();
    ResponseKind::CreateTopics(CreateTopicsResponse::default().with_topics(topics))
}

#[test]
fn create_topics_reports_each_topic_in_input_order() {
    let mut h = Harness::new(&[]);
    let id = h.a.create_topics(
        vec![NewTopic::new("b", 3, 1).with_config("retention.ms", "1000"), NewTopic::new("a", -1, -1)],
        false,
        h.now,
    );
    let t = h.transmit().expect("CreateTopics");
    assert_eq!((t.broker, t.api_version), (1, 7));
    let RequestKind::CreateTopics(req) = &t.body else { panic!("{:?}", t.body) };
    assert!(!req.validate_only);
    assert_eq!(req.timeout_ms, 30_000);
    let b = req.topics.iter().find(|x| x.name.0.as_str() == "b").unwrap();
    assert_eq!((b.num_partitions, b.replication_factor), (3, 1));
    assert_eq!(b.configs[0].name.as_str(), "retention.ms");
    assert_eq!(b.configs[0].value.as_ref().map(|v| v.as_str()), Some("1000"));
    assert!(h.transmit().is_none());

    h.respond(&t, created(&[("a", 0, None), ("b", 36, Some("Topic 'b' already exists."))]));
    let events = h.completed();
    assert_eq!(events.len(), 1);
    let (got, Ok(AdminResult::CreateTopics(results))) = &events[0] else { panic!("{events:?}") };
    assert_eq!(*got, id);
    assert_eq!(results.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), vec!["b", "a"]);
    let e = results[0].1.as_ref().unwrap_err();
    assert_eq!(e.code(), ErrorCode::TOPIC_ALREADY_EXISTS);
    assert!(e.message().contains("already exists"), "{e}");
    assert!(results[1].1.is_ok());
}

#[test]
fn create_topics_validate_only_and_not_controller_retry() {
    let mut h = Harness::new(&[("retry.backoff.ms", "50")]);
    h.a.create_topics(vec![NewTopic::new("a", 1, 1), NewTopic::new("b", 1, 1)], true, h.now);
    let t = h.transmit().unwrap();
    let RequestKind::CreateTopics(req) = &t.body else { panic!() };
    assert!(req.validate_only);
    // NOT_CONTROLLER for b: only b is sent again, after the backoff.
    h.respond(&t, created(&[("a", 0, None), ("b", 41, None)]));
    assert!(h.completed().is_empty());
    assert!(h.transmit().is_none(), "backing off");
    h.advance(50);
    let t = h.transmit().unwrap();
    let RequestKind::CreateTopics(req) = &t.body else { panic!() };
    assert_eq!(req.topics.iter().map(|x| x.name.0.to_string()).collect::<Vec<_>>(), vec!["b"]);
    h.respond(&t, created(&[("b", 0, None)]));
    let events = h.completed();
    let Ok(AdminResult::CreateTopics(results)) = &events[0].1 else { panic!("{events:?}") };
    assert!(results.iter().all(|(_, r)| r.is_ok()));
}

#[test]
fn delete_topics_uses_topic_states_with_names() {
    let mut h = Harness::new(&[]);
    h.a.delete_topics(vec!["a".into(), "gone".into()], h.now);
    let t = h.transmit().unwrap();
    assert_eq!(t.api_version, 6);
    let RequestKind::DeleteTopics(req) = &t.body else { panic!() };
    let names: Vec<String> = req.topics.iter().map(|s| s.name.as_ref().unwrap().0.to_string()).collect();
    assert_eq!(names, vec!["a", "gone"]);
    assert!(req.topic_names.is_empty());
    let responses = vec![
        DeletableTopicResult::default().with_name(Some(name("a"))),
        DeletableTopicResult::default().with_name(Some(name("gone"))).with_error_code(3),
    ];
    h.respond(&t, ResponseKind::DeleteTopics(DeleteTopicsResponse::default().with_responses(responses)));
    let events = h.completed();
    let Ok(AdminResult::DeleteTopics(results)) = &events[0].1 else { panic!("{events:?}") };
    assert!(results[0].1.is_ok());
    assert_eq!(results[1].1.as_ref().unwrap_err().code(), ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
}

#[test]
fn list_topics_is_a_metadata_request_for_all_topics() {
    let mut h = Harness::new(&[]);
    let id = h.a.list_topics(h.now);
    let t = h.transmit().unwrap();
    let RequestKind::Metadata(req) = &t.body else { panic!() };
    assert!(req.topics.is_none(), "null = all topics");
    h.respond(&t, metadata(&[("z", &[1, 1], 0), ("a", &[1], 0), ("bad", &[], 17)]));
    let events = h.completed();
    assert_eq!(events[0].0, id);
    let Ok(AdminResult::ListTopics(topics)) = &events[0].1 else { panic!("{events:?}") };
    let expected = vec![
        TopicListing { name: "a".into(), partitions: 1, internal: false },
        TopicListing { name: "z".into(), partitions: 2, internal: false },
    ];
    assert_eq!(topics, &expected);
}

fn offsets_response(parts: &[(&str, i32, i16, i64)]) -> ResponseKind {
    let mut topics: Vec<ListOffsetsTopicResponse> = Vec::new();
    for (t, p, code, offset) in parts {
        let part = ListOffsetsPartitionResponse::default()
            .with_partition_index(*p)
            .with_error_code(*code)
            .with_offset(*offset)
            .with_timestamp(-1);
        match topics.iter_mut().find(|x| x.name.0.as_str() == *t) {
            Some(x) => x.partitions.push(part),
            None => topics.push(ListOffsetsTopicResponse::default().with_name(name(t)).with_partitions(vec![part])),
        }
    }
    ResponseKind::ListOffsets(ListOffsetsResponse::default().with_topics(topics))
}

#[test]
fn list_offsets_routes_to_leaders_after_fresh_metadata() {
    let mut h = Harness::new(&[]);
    let tp = |p| TopicPartition::new("t", p);
    let id = h.a.list_offsets(
        vec![(tp(0), OffsetSpec::Earliest), (tp(1), OffsetSpec::Timestamp(1234)), (tp(5), OffsetSpec::Latest)],
        true,
        h.now,
    );
    // Wait for the metadata refresh (after the backoff of the bootstrap request).
    assert!(h.transmit().is_none());
    h.advance(100);
    let m = h.transmit().expect("metadata");
    let RequestKind::Metadata(req) = &m.body else { panic!("{:?}", m.body) };
    assert_eq!(req.topics.as_ref().unwrap()[0].name.as_ref().unwrap().0.as_str(), "t");
    h.respond(&m, metadata(&[("t", &[1, 2], 0)]));

    let t1 = h.transmit().unwrap();
    let t2 = h.transmit().unwrap();
    assert!(h.transmit().is_none());
    assert_eq!((t1.broker, t2.broker), (1, 2));
    let RequestKind::ListOffsets(r1) = &t1.body else { panic!() };
    let RequestKind::ListOffsets(r2) = &t2.body else { panic!() };
    assert_eq!(r1.isolation_level, 1);
    assert_eq!(r1.topics[0].partitions[0].timestamp, -2);
    assert_eq!(r2.topics[0].partitions[0].timestamp, 1234);
    h.respond(&t1, offsets_response(&[("t", 0, 0, 0)]));
    assert!(h.completed().is_empty());
    h.respond(&t2, offsets_response(&[("t", 1, 0, 17)]));
    let events = h.completed();
    assert_eq!(events[0].0, id);
    let Ok(AdminResult::ListOffsets(results)) = &events[0].1 else { panic!("{events:?}") };
    assert_eq!(results[0], (tp(0), Ok(ListedOffset { offset: 0, timestamp: -1 })));
    assert_eq!(results[1], (tp(1), Ok(ListedOffset { offset: 17, timestamp: -1 })));
    let e = results[2].1.as_ref().unwrap_err();
    assert_eq!(e.code(), ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, "partition 5 of a 2-partition topic");
    assert!(e.message().contains("t-5"), "{e}");
}

#[test]
fn list_offsets_of_an_unknown_topic_fails_fast() {
    let mut h = Harness::new(&[]);
    h.a.list_offsets(vec![(TopicPartition::new("nope", 0), OffsetSpec::MaxTimestamp)], false, h.now);
    h.advance(100);
    let m = h.transmit().unwrap();
    h.respond(&m, metadata(&[("nope", &[], 3)]));
    let events = h.completed();
    let Ok(AdminResult::ListOffsets(results)) = &events[0].1 else { panic!("{events:?}") };
    assert_eq!(results[0].1.as_ref().unwrap_err().code(), ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
}

#[test]
fn list_offsets_not_leader_refreshes_and_retries() {
    let mut h = Harness::new(&[]);
    let tp = TopicPartition::new("t", 0);
    h.a.list_offsets(vec![(tp.clone(), OffsetSpec::Latest)], false, h.now);
    h.advance(100);
    let m = h.transmit().unwrap();
    h.respond(&m, metadata(&[("t", &[1], 0)]));
    let t = h.transmit().unwrap();
    assert_eq!(t.broker, 1);
    h.respond(&t, offsets_response(&[("t", 0, 6, -1)]));
    assert!(h.completed().is_empty());
    h.advance(100);
    let m = h.transmit().expect("metadata first");
    assert!(matches!(m.body, RequestKind::Metadata(_)));
    h.respond(&m, metadata(&[("t", &[2], 0)]));
    let t = h.transmit().unwrap();
    assert_eq!(t.broker, 2);
    h.respond(&t, offsets_response(&[("t", 0, 0, 99)]));
    let events = h.completed();
    let Ok(AdminResult::ListOffsets(results)) = &events[0].1 else { panic!("{events:?}") };
    assert_eq!(results[0].1, Ok(ListedOffset { offset: 99, timestamp: -1 }));
}

#[test]
fn operation_deadline_times_out_unfinished_items() {
    let mut h = Harness::new(&[("default.api.timeout.ms", "5000"), ("request.timeout.ms", "1000")]);
    let create = h.a.create_topics(vec![NewTopic::new("a", 1, 1)], false, h.now);
    let list = h.a.list_topics(h.now);
    let t1 = h.transmit().unwrap();
    let t2 = h.transmit().unwrap();
    let RequestKind::CreateTopics(req) = &t1.body else { panic!() };
    assert_eq!(req.timeout_ms, 1000);
    // Nobody answers: each request times out and is retried until the operation's deadline.
    let mut sent = 2;
    while h.now < 5000 {
        let next = h.a.poll_timeout().unwrap();
        assert!(next > h.now, "no busy loop");
        h.advance(next - h.now);
        while h.transmit().is_some() {
            sent += 1;
        }
    }
    assert!(sent > 2, "retried after request timeouts");
    let events = h.completed();
    assert_eq!(events.len(), 2);
    let by_id: BTreeMap<RequestId, Result<AdminResult, Error>> = events.into_iter().collect();
    let Ok(AdminResult::CreateTopics(results)) = &by_id[&create] else { panic!() };
    assert_eq!(results[0].1.as_ref().unwrap_err().code(), ErrorCode::TIMED_OUT);
    assert_eq!(by_id[&list].as_ref().unwrap_err().code(), ErrorCode::TIMED_OUT);
    // Late answers are ignored.
    h.respond(&t1, created(&[("a", 0, None)]));
    h.respond(&t2, metadata(&[]));
    assert!(h.completed().is_empty());
}

#[test]
fn disconnect_retries_the_request() {
    let mut h = Harness::new(&[]);
    h.a.delete_topics(vec!["a".into()], h.now);
    let t = h.transmit().unwrap();
    h.a.handle_disconnect(t.broker, h.now);
    assert!(h.transmit().is_none());
    h.advance(100);
    let t = h.transmit().unwrap();
    assert!(matches!(t.body, RequestKind::DeleteTopics(_)));
    h.respond(
        &t,
        ResponseKind::DeleteTopics(
            DeleteTopicsResponse::default()
                .with_responses(vec![DeletableTopicResult::default().with_name(Some(name("a")))]),
        ),
    );
    assert_eq!(h.completed().len(), 1);
}

#[test]
fn retries_are_bounded_by_config() {
    let mut h = Harness::new(&[("retries", "0")]);
    h.a.create_topics(vec![NewTopic::new("a", 1, 1)], false, h.now);
    let t = h.transmit().unwrap();
    h.respond(&t, created(&[("a", 41, None)]));
    let events = h.completed();
    let Ok(AdminResult::CreateTopics(results)) = &events[0].1 else { panic!("{events:?}") };
    assert_eq!(results[0].1.as_ref().unwrap_err().code(), ErrorCode(41));
}

#[test]
fn wrong_response_type_is_not_a_panic() {
    let mut h = Harness::new(&[]);
    h.a.create_topics(vec![NewTopic::new("a", 1, 1)], false, h.now);
    let t = h.transmit().unwrap();
    h.respond(&t, metadata(&[]));
    h.advance(100);
    assert!(matches!(h.transmit().unwrap().body, RequestKind::CreateTopics(_)));
}

#[path = "tests_cluster.rs"]
mod cluster;

#[path = "tests_groups.rs"]
mod groups;
