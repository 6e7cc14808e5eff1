//! `roundrobin` (Kafka's RoundRobinAssignor): every subscribed partition, sorted by topic and
//! partition, goes to the next member in `MemberInfo` order (circularly) that subscribes to its
//! topic.

use std::collections::BTreeMap;

use super::{all_partitions, sorted_members, GroupAssignment, Subscription};

pub(super) fn assign(partitions: &BTreeMap<String, i32>, members: &[Subscription]) -> GroupAssignment {
    let mut out = GroupAssignment::new();
    let sorted = sorted_members(members);
    if sorted.is_empty() {
        return out;
    }
    let mut next = 0usize;
    for tp in all_partitions(partitions, members) {
        // Someone subscribes to every topic all_partitions lists, so this ends within one turn.
        for _ in 0..sorted.len() {
            let m = sorted[next % sorted.len()];
            next = (next + 1) % sorted.len();
            if m.topics.contains(&tp.topic) {
                out.entry(m.member_id.clone()).or_default().push(tp);
                break;
            }
        }
    }
    out
}
