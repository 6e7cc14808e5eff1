//! Reading the answers to the group calls (`groups.rs`): each group's result, or a retry of it,
//! with its coordinator forgotten when it moved; and the consumer protocol's assignments.

use bytes::Bytes;
use kafka_protocol::messages::{ConsumerProtocolAssignment, FindCoordinatorResponse, ListGroupsResponse, ResponseKind};
use kafka_protocol::protocol::Decodable;

use super::{
    CommittedOffset, GroupAnswer, GroupDescription, GroupListing, GroupOp, MemberDescription, PartitionResults,
};
use crate::admin::{Admin, OpKind, RequestId, RetryKeys};
use crate::client::coordinator::coordinator_from_response;
use crate::consumer::TopicPartition;
use crate::error::{Error, ErrorCode};
use crate::protocol::{BrokerId, Millis, StrBytes};

/// Response types a group request can be answered with.
pub(in crate::admin) fn answers(body: &ResponseKind) -> bool {
    matches!(
        body,
        ResponseKind::FindCoordinator(_)
            | ResponseKind::ListGroups(_)
            | ResponseKind::DescribeGroups(_)
            | ResponseKind::DeleteGroups(_)
            | ResponseKind::OffsetFetch(_)
            | ResponseKind::OffsetCommit(_)
            | ResponseKind::OffsetDelete(_)
    )
}

fn group_op(a: &mut Admin, id: RequestId) -> Option<&mut GroupOp> {
    match &mut a.ops.get_mut(&id)?.kind {
        OpKind::Groups(op) => Some(op),
        _ => None,
    }
}

/// Errors after which the group's coordinator must be found again.
fn coordinator_moved(code: ErrorCode) -> bool {
    code == ErrorCode::NOT_COORDINATOR || code == ErrorCode::COORDINATOR_NOT_AVAILABLE
}

/// Put items back after a failure (`super::Admin::retry`), or fail them when the retries are used up.
pub(in crate::admin) fn retry(op: &mut GroupOp, keys: RetryKeys, give_up: bool, error: &Error) {
    match (op, keys) {
        (GroupOp::List { brokers: Some(items), .. }, RetryKeys::Brokers(bs)) => {
            for b in bs {
                if give_up {
                    items.finish(b, Err(error.clone()));
                } else {
                    items.pending.insert(b);
                }
            }
        }
        (GroupOp::Coordinated { items, coordinators, .. }, RetryKeys::Groups(gs)) => {
            for g in gs {
                if error.code() == ErrorCode::TRANSPORT || coordinator_moved(error.code()) {
                    coordinators.remove(&g);
                }
                if give_up {
                    items.finish(g, Err(error.clone()));
                } else {
                    items.pending.insert(g);
                }
            }
        }
        _ => {}
    }
}

/// One group's answer: done, or retried (with the coordinator forgotten when it moved).
fn answer(a: &mut Admin, id: RequestId, group: String, result: Result<GroupAnswer, Error>, now: Millis) {
    match result {
        Err(e) if e.is_retriable() => a.retry(id, RetryKeys::Groups(vec![group]), e, now),
        r => {
            if let Some(GroupOp::Coordinated { items, .. }) = group_op(a, id) {
                items.finish(group, r);
            }
            a.complete_if_done(id);
        }
    }
}

pub(in crate::admin) fn handle_response(
    a: &mut Admin,
    id: RequestId,
    broker: BrokerId,
    groups: Vec<String>,
    body: ResponseKind,
    now: Millis,
) {
    if let ResponseKind::ListGroups(resp) = body {
        return handle_list_groups(a, id, broker, resp, now);
    }
    let Some(group) = groups.into_iter().next() else { return };
    let result = match body {
        ResponseKind::FindCoordinator(resp) => return handle_find_coordinator(a, id, group, &resp, now),
        ResponseKind::DescribeGroups(resp) => match resp.groups.into_iter().find(|g| g.group_id.0.as_str() == group) {
            None => Err(Error::new(ErrorCode::BAD_MSG, format!("DescribeGroups left out group {group:?}"))),
            Some(g) if g.error_code != 0 => {
                Err(group_error(g.error_code, g.error_message.as_ref(), "describe", &group))
            }
            Some(g) => Ok(GroupAnswer::Described(GroupDescription {
                group_id: group.clone(),
                state: g.group_state.to_string(),
                protocol_type: g.protocol_type.to_string(),
                assignor: g.protocol_data.to_string(),
                members: g
                    .members
                    .into_iter()
                    .map(|m| MemberDescription {
                        member_id: m.member_id.to_string(),
                        group_instance_id: m.group_instance_id.map(|i| i.to_string()),
                        client_id: m.client_id.to_string(),
                        host: m.client_host.to_string(),
                        assignment: if g.protocol_type.as_str() == "consumer" {
                            decode_assignment(&m.member_assignment)
                        } else {
                            Vec::new()
                        },
                    })
                    .collect(),
                coordinator: broker,
            })),
        },
        ResponseKind::DeleteGroups(resp) => match resp.results.into_iter().find(|r| r.group_id.0.as_str() == group) {
            None => Err(Error::new(ErrorCode::BAD_MSG, format!("DeleteGroups left out group {group:?}"))),
            Some(r) if r.error_code != 0 => Err(group_error(r.error_code, None, "delete", &group)),
            Some(_) => Ok(GroupAnswer::Deleted),
        },
        ResponseKind::OffsetFetch(resp) => read_offset_fetch(resp, &group),
        ResponseKind::OffsetCommit(resp) => {
            let mut out = Vec::new();
            for t in resp.topics {
                for p in t.partitions {
                    let tp = TopicPartition::new(t.name.0.as_str(), p.partition_index);
                    let r = partition_result(p.error_code, "commit offset", &tp);
                    out.push((tp, r));
                }
            }
            group_level(out)
        }
        ResponseKind::OffsetDelete(resp) => {
            if resp.error_code != 0 {
                Err(group_error(resp.error_code, None, "delete offsets of", &group))
            } else {
                let mut out = Vec::new();
                for t in resp.topics {
                    for p in t.partitions {
                        let tp = TopicPartition::new(t.name.0.as_str(), p.partition_index);
                        let r = partition_result(p.error_code, "delete offset", &tp);
                        out.push((tp, r));
                    }
                }
                Ok(GroupAnswer::Partitions(out))
            }
        }
        _ => return,
    };
    answer(a, id, group, result, now);
}

fn partition_result(code: i16, what: &str, tp: &TopicPartition) -> Result<(), Error> {
    if code == 0 {
        Ok(())
    } else {
        Err(Error::from_code(code, format_args!("{what} of {tp}")))
    }
}

/// OffsetCommit answers per partition, but a coordinator problem (or a live group refusing a
/// commit without a member) shows on every partition: take it as the group's answer so it is
/// retried (coordinator errors) or reported once.
fn group_level(out: PartitionResults<()>) -> Result<GroupAnswer, Error> {
    let first = out.first().and_then(|(_, r)| r.as_ref().err()).cloned();
    if let Some(e) = first {
        let same = out.iter().all(|(_, r)| r.as_ref().err().map(Error::code) == Some(e.code()));
        let group_wide = coordinator_moved(e.code())
            || e.code() == ErrorCode::COORDINATOR_LOAD_IN_PROGRESS
            || e.code() == ErrorCode::UNKNOWN_MEMBER_ID
            || e.code() == ErrorCode::ILLEGAL_GENERATION
            || e.code() == ErrorCode::REBALANCE_IN_PROGRESS;
        if same && group_wide {
            return Err(e);
        }
    }
    Ok(GroupAnswer::Partitions(out))
}

fn read_offset_fetch(resp: kafka_protocol::messages::OffsetFetchResponse, group: &str) -> Result<GroupAnswer, Error> {
    let mut out = Vec::new();
    let mut push = |topic: &str, partition: i32, offset: i64, epoch: i32, metadata: Option<StrBytes>, code: i16| {
        let tp = TopicPartition::new(topic, partition);
        let r = if code != 0 {
            Err(Error::from_code(code, format_args!("committed offset of {tp}")))
        } else if offset < 0 {
            Ok(None)
        } else {
            Ok(Some(CommittedOffset { offset, leader_epoch: epoch, metadata: metadata.map(|m| m.to_string()) }))
        };
        out.push((tp, r));
    };
    if let Some(g) = resp.groups.into_iter().find(|g| g.group_id.0.as_str() == group) {
        if g.error_code != 0 {
            return Err(group_error(g.error_code, None, "list offsets of", group));
        }
        for t in g.topics {
            for p in t.partitions {
                push(
                    t.name.0.as_str(),
                    p.partition_index,
                    p.committed_offset,
                    p.committed_leader_epoch,
                    p.metadata,
                    p.error_code,
                );
            }
        }
    } else {
        if resp.error_code != 0 {
            return Err(group_error(resp.error_code, None, "list offsets of", group));
        }
        for t in resp.topics {
            for p in t.partitions {
                push(
                    t.name.0.as_str(),
                    p.partition_index,
                    p.committed_offset,
                    p.committed_leader_epoch,
                    p.metadata,
                    p.error_code,
                );
            }
        }
    }
    // UNSTABLE_OFFSET_COMMIT (require_stable while a transaction is open): ask the group again.
    // Other partition errors are that partition's answer, as in Kafka's admin client.
    let unstable = |e: &&Error| e.code() == ErrorCode::UNSTABLE_OFFSET_COMMIT;
    if let Some(e) = out.iter().find_map(|(_, r)| r.as_ref().err().filter(unstable)) {
        return Err(e.clone());
    }
    out.sort_by(|x, y| x.0.cmp(&y.0));
    Ok(GroupAnswer::Offsets(out))
}

fn group_error(code: i16, message: Option<&StrBytes>, what: &str, group: &str) -> Error {
    match message {
        Some(m) if !m.is_empty() => {
            Error::new(ErrorCode(code), format!("{what} group {group:?}: {} ({})", ErrorCode(code).name(), m.as_str()))
        }
        _ => Error::from_code(code, format_args!("{what} group {group:?}")),
    }
}

/// The partitions of a consumer-protocol assignment (Kafka's ConsumerProtocolAssignment, a
/// version then the body); nothing when it is empty (a group rebalancing) or unreadable.
pub fn decode_assignment(bytes: &Bytes) -> Vec<TopicPartition> {
    let mut buf = bytes.clone();
    if buf.len() < 2 {
        return Vec::new();
    }
    let version = i16::from_be_bytes([buf[0], buf[1]]);
    let _ = bytes::Buf::get_i16(&mut buf);
    // The guard bounded this frame; within it, each array element takes at least a byte, so a
    // count the bytes cannot hold is refused before the decoder allocates for it.
    if !assignment_counts_fit(&buf) {
        return Vec::new();
    }
    let Ok(a) = ConsumerProtocolAssignment::decode(&mut buf, version.clamp(0, 3)) else {
        return Vec::new();
    };
    let mut out: Vec<TopicPartition> = a
        .assigned_partitions
        .iter()
        .flat_map(|t| t.partitions.iter().map(|p| TopicPartition::new(t.topic.0.as_str(), *p)))
        .collect();
    out.sort();
    out
}

/// The assignment's arrays (topics, then each topic's partitions, i32s) claim no more elements
/// than the bytes can hold. All versions 0-3 share this non-flexible layout.
fn assignment_counts_fit(body: &[u8]) -> bool {
    let mut at = 0usize;
    let read_i32 = |at: &mut usize| -> Option<i32> {
        let b = body.get(*at..*at + 4)?;
        *at += 4;
        Some(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let Some(topics) = read_i32(&mut at) else { return false };
    if topics < 0 || topics as usize > body.len() {
        return false;
    }
    for _ in 0..topics {
        let Some(len) = body.get(at..at + 2).map(|b| i16::from_be_bytes([b[0], b[1]])) else { return false };
        at += 2 + usize::try_from(len).unwrap_or(0);
        let Some(n) = read_i32(&mut at) else { return false };
        if n < 0 || (n as usize).saturating_mul(4) > body.len().saturating_sub(at) {
            return false;
        }
        at += n as usize * 4;
    }
    true
}

fn handle_find_coordinator(a: &mut Admin, id: RequestId, group: String, resp: &FindCoordinatorResponse, now: Millis) {
    match coordinator_from_response(resp, &group) {
        Ok(c) => {
            let known = a.metadata.broker(c.node_id).is_some();
            if let Some(GroupOp::Coordinated { items, coordinators, .. }) = group_op(a, id) {
                coordinators.insert(group.clone(), c.node_id);
                items.pending.insert(group);
            }
            if !known {
                a.metadata.request_refresh();
            }
        }
        Err(e) if e.is_retriable() => a.retry(id, RetryKeys::Groups(vec![group]), e, now),
        Err(e) => {
            if let Some(GroupOp::Coordinated { items, .. }) = group_op(a, id) {
                items.finish(group, Err(e));
            }
            a.complete_if_done(id);
        }
    }
}

fn handle_list_groups(a: &mut Admin, id: RequestId, broker: BrokerId, resp: ListGroupsResponse, now: Millis) {
    if resp.error_code != 0 {
        let e = Error::from_code(resp.error_code, format_args!("list groups of broker {broker}"));
        if e.is_retriable() {
            a.retry(id, RetryKeys::Brokers(vec![broker]), e, now);
            return;
        }
        if let Some(GroupOp::List { brokers: Some(items), .. }) = group_op(a, id) {
            items.finish(broker, Err(e));
        }
        a.complete_if_done(id);
        return;
    }
    let Some(GroupOp::List { states, brokers: Some(items) }) = group_op(a, id) else { return };
    let groups = resp
        .groups
        .into_iter()
        .map(|g| GroupListing {
            group_id: g.group_id.0.to_string(),
            protocol_type: g.protocol_type.to_string(),
            state: (!g.group_state.is_empty()).then(|| g.group_state.to_string()),
            group_type: (!g.group_type.is_empty()).then(|| g.group_type.to_string()),
        })
        // Brokers before v4 ignore the filter: apply it here where the state is known.
        .filter(|g| {
            states.is_empty() || g.state.as_ref().is_none_or(|s| states.iter().any(|w| w.eq_ignore_ascii_case(s)))
        })
        .collect();
    items.finish(broker, Ok(groups));
    a.complete_if_done(id);
}
