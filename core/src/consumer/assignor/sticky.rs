//! `sticky` (Kafka's StickyAssignor, KIP-54) and the balancing core cooperative-sticky shares:
//! partitions stay with the member that owned them when that keeps the assignment balanced;
//! the rest go to the least-loaded members that subscribe to their topic; then partitions move
//! from the most to the least loaded members until no move narrows the gap (with equal
//! subscriptions: loads differ by at most one).
//!
//! When two members claim a partition, the claim of the newer generation wins (a member that
//! missed a rebalance still lists what it owned before).
//!
//! The eager `sticky` assignor carries each member's previous assignment and generation in its
//! subscription user data (`StickyAssignorUserData` v1: `[topic, [partition]]`, generation; v0
//! without the generation), since eager members revoke everything before joining.

use std::collections::{BTreeMap, BTreeSet};

use bytes::{BufMut, Bytes, BytesMut};

use super::{all_partitions, put_topic_partitions, sorted_members, GroupAssignment, Reader, Subscription};
use crate::consumer::TopicPartition;

/// What each member owned and in which generation (-1 unknown), by member id.
pub(super) type Owned = BTreeMap<String, (Vec<TopicPartition>, i32)>;

pub(super) fn encode_user_data(owned: &[TopicPartition], generation: i32) -> Bytes {
    let mut buf = BytesMut::new();
    put_topic_partitions(&mut buf, owned);
    buf.put_i32(generation);
    buf.freeze()
}

fn decode_user_data(data: &[u8]) -> Option<(Vec<TopicPartition>, i32)> {
    let mut r = Reader::new(data, "sticky assignor user data");
    let tps = r.topic_partitions().ok()?;
    let generation = if r.at_end() { -1 } else { r.i32().ok()? };
    Some((tps, generation))
}

/// Previous assignments of eager sticky members, from their user data (or, from clients that
/// send them, their owned partitions).
pub(super) fn owned_from_user_data(members: &[Subscription]) -> Owned {
    members
        .iter()
        .map(|m| {
            let owned = match m.user_data.as_deref().filter(|d| !d.is_empty()).and_then(decode_user_data) {
                Some(o) => o,
                None => (m.owned_partitions.clone(), m.generation_id),
            };
            (m.member_id.clone(), owned)
        })
        .collect()
}

/// The balanced, sticky assignment given what members owned.
pub(super) fn assign(partitions: &BTreeMap<String, i32>, members: &[Subscription], owned: &Owned) -> GroupAssignment {
    let existing: BTreeSet<TopicPartition> = all_partitions(partitions, members).into_iter().collect();
    let subscribed: BTreeMap<&str, BTreeSet<&str>> =
        members.iter().map(|m| (m.member_id.as_str(), m.topics.iter().map(String::as_str).collect())).collect();
    let eligible = |member: &str, tp: &TopicPartition| {
        existing.contains(tp) && subscribed.get(member).is_some_and(|t| t.contains(tp.topic.as_str()))
    };

    // Valid claims; the newest generation wins a partition claimed twice (then the lower member id).
    let mut claims: BTreeMap<TopicPartition, (i32, &str)> = BTreeMap::new();
    for m in sorted_members(members) {
        let Some((tps, generation)) = owned.get(&m.member_id) else { continue };
        for tp in tps {
            if !eligible(&m.member_id, tp) {
                continue;
            }
            match claims.get(tp) {
                Some((g, _)) if *g >= *generation => {}
                _ => {
                    claims.insert(tp.clone(), (*generation, m.member_id.as_str()));
                }
            }
        }
    }
    let mut load: BTreeMap<&str, BTreeSet<TopicPartition>> =
        members.iter().map(|m| (m.member_id.as_str(), BTreeSet::new())).collect();
    for (tp, (_, member)) in &claims {
        load.entry(member).or_default().insert(tp.clone());
    }
    let order: Vec<&str> = sorted_members(members).iter().map(|m| m.member_id.as_str()).collect();

    // Unowned partitions to the least-loaded eligible member (ties: the first in member order),
    // those with the fewest possible owners first, as Kafka's general assignment does.
    let mut unowned: Vec<&TopicPartition> = existing.iter().filter(|tp| !claims.contains_key(*tp)).collect();
    unowned.sort_by_key(|tp| (order.iter().filter(|m| eligible(m, tp)).count(), (*tp).clone()));
    for tp in unowned {
        let target = order.iter().filter(|m| eligible(m, tp)).min_by_key(|m| load[**m].len()).copied();
        if let Some(m) = target {
            load.get_mut(m).expect("every member has a load").insert(tp.clone());
        }
    }

    // Move from the most to the least loaded while the gap is two or more.
    // Ties among the most loaded: the first in member order gives (as Kafka keeps the later
    // members at the higher quota); among the least loaded: the first receives.
    loop {
        let mut takers: Vec<&str> = order.clone();
        takers.sort_by_key(|m| load[*m].len());
        let mut givers: Vec<&str> = order.clone();
        givers.sort_by_key(|m| std::cmp::Reverse(load[*m].len()));
        let mut moved = None;
        'search: for from in givers.iter() {
            for to in takers.iter() {
                if load[*from].len() < load[*to].len() + 2 {
                    break;
                }
                if let Some(tp) = load[*from].iter().rev().find(|tp| eligible(to, tp)) {
                    moved = Some((*from, *to, tp.clone()));
                    break 'search;
                }
            }
        }
        let Some((from, to, tp)) = moved else { break };
        load.get_mut(from).expect("a member").remove(&tp);
        load.get_mut(to).expect("a member").insert(tp);
    }
    load.into_iter().map(|(m, tps)| (m.to_string(), tps.into_iter().collect())).collect()
}
