//! Building the admin client's requests and reading their responses.

use std::collections::{BTreeMap, HashSet};

use kafka_protocol::messages::create_topics_request::{CreatableTopic, CreatableTopicConfig};
use kafka_protocol::messages::delete_topics_request::DeleteTopicState;
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::{
    BrokerId as WireBrokerId, CreateTopicsRequest, CreateTopicsResponse, DeleteTopicsRequest, DeleteTopicsResponse,
    ListOffsetsRequest, ListOffsetsResponse, MetadataRequest, MetadataResponse, RequestKind, TopicName,
};

use crate::client::versions;
use crate::consumer::TopicPartition;
use crate::error::{Error, ErrorCode};
use crate::protocol::{BrokerId, Millis, StrBytes, Transmit};

use super::{Admin, ListedOffset, OpKind, RequestId, RetryKeys, Sent, TopicListing};

fn name(s: &str) -> TopicName {
    TopicName(StrBytes::from_string(s.to_string()))
}

fn transmit(broker: BrokerId, cid: i32, api_version: i16, body: RequestKind) -> Transmit {
    Transmit { broker, correlation_id: cid, api_version, body, expects_response: true }
}

/// The next request any operation needs, oldest operation first.
pub(super) fn next(a: &mut Admin, cid: i32, now: Millis) -> Option<(Transmit, Sent)> {
    let any = a.metadata.any_broker();
    let request_timeout = a.config.request_timeout_ms;
    let mut refresh = false;
    let mut found = None;
    let mut finished = Vec::new();
    for (id, op) in a.ops.iter_mut() {
        if op.retry_at.is_some_and(|t| t > now) {
            continue;
        }
        let timeout_ms = i32::try_from(request_timeout.min(op.deadline - now).max(0)).unwrap_or(i32::MAX);
        let fresh = a.metadata_generation >= op.metadata_generation_min;
        match &mut op.kind {
            OpKind::Cluster(c) => {
                let next = super::cluster::next(&a.metadata, *id, c, fresh, cid, timeout_ms, &mut refresh);
                if c.is_done() {
                    // Every item failed before sending (a broker id not in the cluster).
                    finished.push(*id);
                }
                match next {
                    Some(f) => found = Some(f),
                    None => continue,
                }
            }
            OpKind::Groups(g) => {
                let next = super::groups::next(&a.metadata, *id, g, fresh, cid, &mut refresh);
                if g.is_done() {
                    // ListGroups of a cluster whose metadata names no broker.
                    finished.push(*id);
                }
                match next {
                    Some(f) => found = Some(f),
                    None => continue,
                }
            }
            OpKind::CreateTopics { topics, validate_only, items } if !items.pending.is_empty() => {
                let names: Vec<String> = std::mem::take(&mut items.pending).into_iter().collect();
                let wire = names
                    .iter()
                    .filter_map(|n| topics.get(n))
                    .map(|t| {
                        let configs = t
                            .configs
                            .iter()
                            .map(|(k, v)| {
                                CreatableTopicConfig::default()
                                    .with_name(StrBytes::from_string(k.clone()))
                                    .with_value(Some(StrBytes::from_string(v.clone())))
                            })
                            .collect();
                        CreatableTopic::default()
                            .with_name(name(&t.name))
                            .with_num_partitions(t.num_partitions)
                            .with_replication_factor(t.replication_factor)
                            .with_configs(configs)
                    })
                    .collect();
                let body = CreateTopicsRequest::default()
                    .with_topics(wire)
                    .with_timeout_ms(timeout_ms)
                    .with_validate_only(*validate_only);
                let t = transmit(any, cid, versions::CREATE_TOPICS, RequestKind::CreateTopics(body));
                found = Some((t, Sent::Topics(*id, names)));
            }
            OpKind::DeleteTopics { items } if !items.pending.is_empty() => {
                let names: Vec<String> = std::mem::take(&mut items.pending).into_iter().collect();
                let wire = names.iter().map(|n| DeleteTopicState::default().with_name(Some(name(n)))).collect();
                let body = DeleteTopicsRequest::default().with_topics(wire).with_timeout_ms(timeout_ms);
                let t = transmit(any, cid, versions::DELETE_TOPICS, RequestKind::DeleteTopics(body));
                found = Some((t, Sent::Topics(*id, names)));
            }
            OpKind::ListTopics { pending, .. } if *pending => {
                *pending = false;
                let body = MetadataRequest::default().with_topics(None).with_allow_auto_topic_creation(false);
                let t = transmit(any, cid, versions::METADATA, RequestKind::Metadata(body));
                found = Some((t, Sent::ListTopics(*id)));
            }
            OpKind::ListOffsets { specs, isolation_level, items } if !items.pending.is_empty() => {
                if a.metadata_generation < op.metadata_generation_min {
                    continue;
                }
                let mut by_leader: BTreeMap<BrokerId, Vec<TopicPartition>> = BTreeMap::new();
                for tp in &items.pending {
                    match a.metadata.leader(&tp.topic, tp.partition) {
                        Some(leader) => by_leader.entry(leader).or_default().push(tp.clone()),
                        None => refresh = true,
                    }
                }
                let Some((leader, tps)) = by_leader.into_iter().next() else {
                    continue;
                };
                let mut topics: Vec<ListOffsetsTopic> = Vec::new();
                for tp in &tps {
                    items.pending.remove(tp);
                    let spec = specs.get(tp).copied().unwrap_or(super::OffsetSpec::Latest);
                    let p = ListOffsetsPartition::default()
                        .with_partition_index(tp.partition)
                        .with_timestamp(spec.wire_timestamp());
                    match topics.last_mut() {
                        Some(t) if t.name.0.as_str() == tp.topic => t.partitions.push(p),
                        _ => {
                            topics.push(ListOffsetsTopic::default().with_name(name(&tp.topic)).with_partitions(vec![p]))
                        }
                    }
                }
                let body = ListOffsetsRequest::default()
                    .with_replica_id(WireBrokerId(-1))
                    .with_isolation_level(*isolation_level)
                    .with_timeout_ms(timeout_ms)
                    .with_topics(topics);
                let t = transmit(leader, cid, versions::LIST_OFFSETS, RequestKind::ListOffsets(body));
                found = Some((t, Sent::Offsets(*id, tps)));
            }
            _ => continue,
        }
        break;
    }
    if refresh {
        a.metadata.request_refresh();
    }
    for id in finished {
        a.complete_if_done(id);
    }
    found
}

/// After a Metadata response: ListOffsets items whose topic or partition does not exist fail now.
pub(super) fn fail_unroutable(a: &mut Admin) {
    let mut touched = Vec::new();
    for (id, op) in a.ops.iter_mut() {
        if a.metadata_generation < op.metadata_generation_min {
            continue;
        }
        if let OpKind::Cluster(c) = &mut op.kind {
            super::cluster::fail_unroutable(c, &a.metadata);
            touched.push(*id);
            continue;
        }
        let OpKind::ListOffsets { items, .. } = &mut op.kind else {
            continue;
        };
        let mut failed = Vec::new();
        for tp in &items.pending {
            if let Some(e) = super::cluster::unroutable(&a.metadata, tp, "list offsets") {
                failed.push((tp.clone(), e));
            }
        }
        for (tp, e) in failed {
            items.finish(tp, Err(e));
        }
        touched.push(*id);
    }
    for id in touched {
        a.complete_if_done(id);
    }
}

fn topic_error(code: i16, message: Option<&StrBytes>, what: &str, topic: &str) -> Error {
    match message {
        Some(m) if !m.is_empty() => {
            Error::new(ErrorCode(code), format!("{what} {topic}: {} ({})", ErrorCode(code).name(), m.as_str()))
        }
        _ => Error::from_code(code, format_args!("{what} {topic}")),
    }
}

/// Per-topic errors CreateTopics and DeleteTopics retry, as Kafka's admin client does:
/// NOT_CONTROLLER (41) and THROTTLING_QUOTA_EXCEEDED (89). Others (UNKNOWN_TOPIC_OR_PARTITION
/// for a missing topic included, retriable as it is elsewhere) are final answers.
fn retried_topic_error(code: i16) -> bool {
    matches!(code, 41 | 89)
}

/// Record one topic's answer; retriable ones are collected for a retry.
fn topic_answer(a: &mut Admin, id: RequestId, topic: String, code: i16, error: Error, retry: &mut Vec<String>) {
    let Some(op) = a.ops.get_mut(&id) else { return };
    let (OpKind::CreateTopics { items, .. } | OpKind::DeleteTopics { items }) = &mut op.kind else {
        return;
    };
    if code == 0 {
        items.finish(topic, Ok(()));
    } else if retried_topic_error(code) {
        retry.push(topic);
    } else {
        items.finish(topic, Err(error));
    }
}

pub(super) fn handle_create_topics(
    a: &mut Admin,
    id: RequestId,
    sent: Vec<String>,
    resp: CreateTopicsResponse,
    now: Millis,
) {
    let mut unanswered: HashSet<String> = sent.into_iter().collect();
    let mut retry = Vec::new();
    let mut last = None;
    for t in resp.topics {
        let topic = t.name.0.as_str().to_string();
        if !unanswered.remove(&topic) {
            continue;
        }
        let error = topic_error(t.error_code, t.error_message.as_ref(), "create topic", &topic);
        if t.error_code != 0 {
            last = Some(error.clone());
        }
        topic_answer(a, id, topic, t.error_code, error, &mut retry);
    }
    finish_topics(a, id, unanswered, retry, last, now);
}

pub(super) fn handle_delete_topics(
    a: &mut Admin,
    id: RequestId,
    sent: Vec<String>,
    resp: DeleteTopicsResponse,
    now: Millis,
) {
    let mut unanswered: HashSet<String> = sent.into_iter().collect();
    let mut retry = Vec::new();
    let mut last = None;
    for t in resp.responses {
        let Some(n) = t.name else { continue };
        let topic = n.0.as_str().to_string();
        if !unanswered.remove(&topic) {
            continue;
        }
        let error = topic_error(t.error_code, t.error_message.as_ref(), "delete topic", &topic);
        if t.error_code != 0 {
            last = Some(error.clone());
        }
        topic_answer(a, id, topic, t.error_code, error, &mut retry);
    }
    finish_topics(a, id, unanswered, retry, last, now);
}

fn finish_topics(
    a: &mut Admin,
    id: RequestId,
    unanswered: HashSet<String>,
    mut retry: Vec<String>,
    last: Option<Error>,
    now: Millis,
) {
    retry.extend(unanswered);
    if retry.is_empty() {
        a.complete_if_done(id);
        return;
    }
    retry.sort();
    let error = last.unwrap_or_else(|| Error::new(ErrorCode::BAD_MSG, "the broker left topics out of its answer"));
    a.retry(id, RetryKeys::Topics(retry), error, now);
}

pub(super) fn handle_list_topics(a: &mut Admin, id: RequestId, resp: MetadataResponse, now: Millis) {
    if resp.error_code != 0 {
        let e = Error::from_code(resp.error_code, "list topics");
        if ErrorCode(resp.error_code).is_retriable() {
            a.retry(id, RetryKeys::All, e, now);
        } else {
            a.complete(id, Some(e));
        }
        return;
    }
    let mut brokers: Vec<(i32, String, i32)> =
        resp.brokers.iter().map(|b| (b.node_id.0, b.host.to_string(), b.port)).collect();
    brokers.sort();
    a.listed_cluster = Some(super::ListedCluster {
        cluster_id: resp.cluster_id.as_ref().map(|c| c.to_string()),
        controller_id: resp.controller_id.0,
        brokers,
    });
    let mut listing: Vec<TopicListing> = resp
        .topics
        .iter()
        .filter(|t| t.error_code == 0)
        .filter_map(|t| {
            let n = t.name.as_ref()?;
            Some(TopicListing {
                name: n.0.as_str().to_string(),
                partitions: i32::try_from(t.partitions.len()).unwrap_or(i32::MAX),
                internal: t.is_internal,
            })
        })
        .collect();
    listing.sort_by(|x, y| x.name.cmp(&y.name));
    if let Some(op) = a.ops.get_mut(&id) {
        if let OpKind::ListTopics { result, .. } = &mut op.kind {
            *result = Some(listing);
        }
    }
    a.complete_if_done(id);
}

pub(super) fn handle_list_offsets(
    a: &mut Admin,
    id: RequestId,
    sent: Vec<TopicPartition>,
    resp: ListOffsetsResponse,
    now: Millis,
) {
    let mut unanswered: HashSet<TopicPartition> = sent.into_iter().collect();
    let mut retry = Vec::new();
    let mut last = None;
    for t in resp.topics {
        for p in t.partitions {
            let tp = TopicPartition::new(t.name.0.as_str(), p.partition_index);
            if !unanswered.remove(&tp) {
                continue;
            }
            let Some(op) = a.ops.get_mut(&id) else { return };
            let OpKind::ListOffsets { items, .. } = &mut op.kind else {
                return;
            };
            let code = ErrorCode(p.error_code);
            if code == ErrorCode::NONE {
                items.finish(tp, Ok(ListedOffset { offset: p.offset, timestamp: p.timestamp }));
            } else {
                let e = Error::from_code(p.error_code, format_args!("list offsets of {tp}"));
                if code.is_retriable() {
                    retry.push(tp);
                    last = Some(e);
                } else {
                    items.finish(tp, Err(e));
                }
            }
        }
    }
    retry.extend(unanswered);
    if retry.is_empty() {
        a.complete_if_done(id);
        return;
    }
    retry.sort();
    a.await_fresh_metadata(id);
    let error = last.unwrap_or_else(|| Error::new(ErrorCode::BAD_MSG, "the broker left partitions out of its answer"));
    a.retry(id, RetryKeys::Partitions(retry), error, now);
}
