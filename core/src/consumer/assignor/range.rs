//! `range` (Kafka's RangeAssignor): per topic, the members subscribed to it (in `MemberInfo`
//! order) each take a contiguous range; the first `partitions % members` take one more.

use std::collections::BTreeMap;

use super::{sorted_members, GroupAssignment, Subscription};
use crate::consumer::TopicPartition;

pub(super) fn assign(partitions: &BTreeMap<String, i32>, members: &[Subscription]) -> GroupAssignment {
    let mut out = GroupAssignment::new();
    let sorted = sorted_members(members);
    for (topic, &count) in partitions {
        let subscribed: Vec<&Subscription> =
            sorted.iter().copied().filter(|m| m.topics.iter().any(|t| t == topic)).collect();
        if subscribed.is_empty() || count <= 0 {
            continue;
        }
        let n = subscribed.len() as i32;
        let (per, extra) = (count / n, count % n);
        for (i, m) in subscribed.iter().enumerate() {
            let i = i as i32;
            let start = per * i + i.min(extra);
            let len = per + i32::from(i < extra);
            out.entry(m.member_id.clone())
                .or_default()
                .extend((start..start + len).map(|p| TopicPartition::new(topic.clone(), p)));
        }
    }
    out
}
