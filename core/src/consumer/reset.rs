//! Offset resets: ListOffsets (earliest -2 / latest -1) for partitions without a
//! position, whether new (`auto.offset.reset`), sought to the beginning or end, or
//! out of range (the position fell out of retention: the jump skips records).

use std::collections::{BTreeMap, HashSet};

use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::{
    BrokerId as WireBrokerId, ListOffsetsRequest, ListOffsetsResponse, RequestKind, TopicName,
};

use crate::client::versions;
use crate::error::{Error, ErrorCode};
use crate::protocol::{BrokerId, Millis, StrBytes, Transmit};

use super::{Consumer, ConsumerEvent, Reset, ResetTo, TopicPartition};

/// The next ListOffsets, to the lowest-numbered leader of a partition needing a reset.
pub(super) fn poll_list_offsets(c: &mut Consumer, cid: i32, now: Millis) -> Option<(Transmit, Vec<TopicPartition>)> {
    let mut by_broker: BTreeMap<BrokerId, Vec<(TopicPartition, ResetTo, i32)>> = BTreeMap::new();
    let mut leader_unknown = false;
    for (tp, s) in c.partitions.iter_mut() {
        let Reset::Needed(to) = s.reset else { continue };
        if s.backing_off(now) {
            continue;
        }
        let Some(leader) = c.metadata.leader(&tp.topic, tp.partition) else {
            leader_unknown = true;
            continue;
        };
        let epoch = c
            .metadata
            .topic(&tp.topic)
            .and_then(|t| t.partitions.get(tp.partition as usize))
            .map_or(-1, |p| p.leader_epoch);
        by_broker.entry(leader).or_default().push((tp.clone(), to, epoch));
    }
    if leader_unknown {
        c.metadata.request_refresh();
    }
    let (broker, parts) = by_broker.into_iter().next()?;
    let mut topics: Vec<ListOffsetsTopic> = Vec::new();
    for (tp, to, epoch) in &parts {
        let partition = ListOffsetsPartition::default()
            .with_partition_index(tp.partition)
            .with_current_leader_epoch(*epoch)
            .with_timestamp(to.timestamp());
        match topics.last_mut() {
            Some(t) if t.name.0.as_str() == tp.topic => t.partitions.push(partition),
            _ => topics.push(
                ListOffsetsTopic::default()
                    .with_name(TopicName(StrBytes::from_string(tp.topic.clone())))
                    .with_partitions(vec![partition]),
            ),
        }
        if let Some(s) = c.partitions.get_mut(tp) {
            s.reset = Reset::InFlight(cid, *to);
        }
    }
    let body = ListOffsetsRequest::default()
        .with_replica_id(WireBrokerId(-1))
        .with_isolation_level(c.settings.isolation_level)
        .with_timeout_ms(i32::try_from(c.settings.request_timeout_ms).unwrap_or(i32::MAX))
        .with_topics(topics);
    let transmit = Transmit {
        broker,
        correlation_id: cid,
        api_version: versions::LIST_OFFSETS,
        body: RequestKind::ListOffsets(body),
        expects_response: true,
    };
    Some((transmit, parts.into_iter().map(|(tp, ..)| tp).collect()))
}

pub(super) fn handle_list_offsets(
    c: &mut Consumer,
    cid: i32,
    parts: Vec<TopicPartition>,
    resp: ListOffsetsResponse,
    now: Millis,
) {
    let backoff = now + c.settings.retry_backoff_ms;
    let mut asked: HashSet<TopicPartition> = parts.into_iter().collect();
    for topic in resp.topics {
        for p in topic.partitions {
            let tp = TopicPartition::new(topic.name.0.as_str(), p.partition_index);
            if !asked.remove(&tp) {
                let e = Error::new(ErrorCode::BAD_MSG, format!("ListOffsets response names {tp}, which was not asked"));
                c.events.error(e);
                continue;
            }
            let Some(s) = c.partitions.get_mut(&tp) else {
                continue;
            };
            let Reset::InFlight(sent, to) = s.reset else {
                continue;
            };
            if sent != cid {
                continue; // sought (and maybe reset again) since
            }
            let code = ErrorCode(p.error_code);
            if code == ErrorCode::NONE && p.offset >= 0 {
                s.position = Some(p.offset);
                s.reset = Reset::Done;
                if let Some(from) = s.out_of_range_at.take() {
                    let (offset, policy) = (p.offset, if to == ResetTo::Earliest { "earliest" } else { "latest" });
                    c.notes.add(now, "offset-reset", Some("reset"), || {
                        format!("{tp} offset {from} out of range: reset to {policy} {offset}")
                    });
                    c.events.push(ConsumerEvent::OffsetReset { tp, from, to: p.offset });
                }
                continue;
            }
            s.reset = Reset::Needed(to);
            s.backoff_until = Some(backoff);
            if code == ErrorCode::NONE {
                let e = Error::new(ErrorCode::BAD_MSG, format!("ListOffsets for {tp} returned offset {}", p.offset));
                c.events.error(e);
            } else if code.is_retriable() {
                c.metadata.request_refresh();
            } else {
                c.events.error(Error::from_code(p.error_code, format_args!("ListOffsets for {tp}")));
            }
        }
    }
    // Partitions the broker left out: ask again.
    for tp in asked {
        if let Some(s) = c.partitions.get_mut(&tp) {
            if let Reset::InFlight(sent, to) = s.reset {
                if sent == cid {
                    s.reset = Reset::Needed(to);
                    s.backoff_until = Some(backoff);
                }
            }
        }
    }
}
