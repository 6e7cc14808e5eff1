//! `cooperative-sticky` (Kafka's CooperativeStickyAssignor, KIP-429): the sticky assignment,
//! except that a partition moving from a member that still owns it to another is left out of
//! this rebalance. Its owner revokes it (it is not in its new assignment), rejoins, and the next
//! rebalance hands it to the new owner: no partition is ever owned by two members at once.
//!
//! Owned partitions come from the subscription (v1+), the generation from the subscription (v2+)
//! or else from the user data (a 4-byte generation, `CooperativeStickyAssignor`'s v0).

use std::collections::{BTreeMap, HashMap};

use super::sticky::{self, Owned};
use super::{GroupAssignment, Subscription};
use crate::consumer::TopicPartition;

fn generation_of(m: &Subscription) -> i32 {
    if m.version >= 2 {
        return m.generation_id;
    }
    match m.user_data.as_deref() {
        Some(d) if d.len() >= 4 => i32::from_be_bytes([d[0], d[1], d[2], d[3]]),
        _ => -1,
    }
}

pub(super) fn assign(partitions: &BTreeMap<String, i32>, members: &[Subscription]) -> GroupAssignment {
    let owned: Owned =
        members.iter().map(|m| (m.member_id.clone(), (m.owned_partitions.clone(), generation_of(m)))).collect();
    let mut result = sticky::assign(partitions, members, &owned);
    // The current owner of each partition (the newest generation's claim, as sticky resolved it).
    let mut owner: HashMap<&TopicPartition, (&str, i32)> = HashMap::new();
    for (member, (tps, generation)) in &owned {
        for tp in tps {
            match owner.get(tp) {
                Some((_, g)) if *g >= *generation => {}
                _ => {
                    owner.insert(tp, (member.as_str(), *generation));
                }
            }
        }
    }
    for (member, tps) in result.iter_mut() {
        tps.retain(|tp| match owner.get(tp) {
            Some((old, _)) => *old == member.as_str(),
            None => true,
        });
    }
    result
}
