//! Assignor cases from Apache Kafka's RangeAssignorTest, RoundRobinAssignorTest and
//! AbstractStickyAssignorTest, plus balance and stickiness properties over many shapes.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

fn tp(t: &str, p: i32) -> TopicPartition {
    TopicPartition::new(t, p)
}

fn member(id: &str, topics: &[&str]) -> Subscription {
    Subscription {
        member_id: id.into(),
        version: SUBSCRIPTION_VERSION,
        topics: topics.iter().map(|t| t.to_string()).collect(),
        generation_id: -1,
        ..Subscription::default()
    }
}

fn owning(mut m: Subscription, owned: &[TopicPartition], generation: i32) -> Subscription {
    m.owned_partitions = owned.to_vec();
    m.generation_id = generation;
    m
}

fn counts(v: &[(&str, i32)]) -> BTreeMap<String, i32> {
    v.iter().map(|(t, n)| (t.to_string(), *n)).collect()
}

#[test]
fn range_kafka_cases() {
    let parts = counts(&[("t1", 3), ("t2", 3)]);
    let a = assign(AssignorKind::Range, &parts, &[member("c1", &["t1", "t2"]), member("c2", &["t1", "t2"])]);
    assert_eq!(a["c1"], vec![tp("t1", 0), tp("t1", 1), tp("t2", 0), tp("t2", 1)]);
    assert_eq!(a["c2"], vec![tp("t1", 2), tp("t2", 2)]);

    // testMultipleConsumersMixedTopics
    let parts = counts(&[("t1", 3), ("t2", 2)]);
    let a = assign(
        AssignorKind::Range,
        &parts,
        &[member("c1", &["t1"]), member("c2", &["t1", "t2"]), member("c3", &["t1"])],
    );
    assert_eq!(a["c1"], vec![tp("t1", 0)]);
    assert_eq!(a["c2"], vec![tp("t1", 1), tp("t2", 0), tp("t2", 1)]);
    assert_eq!(a["c3"], vec![tp("t1", 2)]);

    // testTwoConsumersOneTopicOnePartition, testOneConsumerNonexistentTopic
    let a = assign(AssignorKind::Range, &counts(&[("t1", 1)]), &[member("c1", &["t1"]), member("c2", &["t1"])]);
    assert_eq!((a["c1"].len(), a["c2"].len()), (1, 0));
    let a = assign(AssignorKind::Range, &counts(&[]), &[member("c1", &["t1"])]);
    assert!(a["c1"].is_empty());
}

#[test]
fn range_orders_static_members_by_instance_id() {
    let mut a = member("a", &["t"]);
    a.group_instance_id = Some("z".into());
    let mut b = member("b", &["t"]);
    b.group_instance_id = Some("y".into());
    let r = assign(AssignorKind::Range, &counts(&[("t", 2)]), &[a, b]);
    assert_eq!(r["b"], vec![tp("t", 0)]);
    assert_eq!(r["a"], vec![tp("t", 1)]);
}

#[test]
fn roundrobin_kafka_cases() {
    let parts = counts(&[("t1", 3), ("t2", 3)]);
    let a = assign(AssignorKind::RoundRobin, &parts, &[member("c1", &["t1", "t2"]), member("c2", &["t1", "t2"])]);
    assert_eq!(a["c1"], vec![tp("t1", 0), tp("t1", 2), tp("t2", 1)]);
    assert_eq!(a["c2"], vec![tp("t1", 1), tp("t2", 0), tp("t2", 2)]);

    let parts = counts(&[("t1", 3), ("t2", 2)]);
    let a = assign(
        AssignorKind::RoundRobin,
        &parts,
        &[member("c1", &["t1"]), member("c2", &["t1", "t2"]), member("c3", &["t1"])],
    );
    assert_eq!(a["c1"], vec![tp("t1", 0)]);
    assert_eq!(a["c2"], vec![tp("t1", 1), tp("t2", 0), tp("t2", 1)]);
    assert_eq!(a["c3"], vec![tp("t1", 2)]);
}

fn assert_valid(a: &GroupAssignment, members: &[Subscription], parts: &BTreeMap<String, i32>, complete: bool) {
    let mut seen = BTreeSet::new();
    for (m, tps) in a {
        let sub = members.iter().find(|s| &s.member_id == m).expect("a member");
        for t in tps {
            assert!(sub.topics.contains(&t.topic), "{m} got {t} without subscribing");
            assert!(seen.insert(t.clone()), "{t} assigned twice");
        }
    }
    if complete {
        assert_eq!(seen.len(), all_partitions(parts, members).len(), "every partition assigned");
    }
}

fn assert_balanced(a: &GroupAssignment) {
    let loads: Vec<usize> = a.values().map(Vec::len).collect();
    let (lo, hi) = (loads.iter().min().unwrap(), loads.iter().max().unwrap());
    assert!(hi - lo <= 1, "unbalanced: {a:?}");
}

#[test]
fn sticky_keeps_partitions_when_a_consumer_leaves_and_joins() {
    // testAddRemoveConsumerOneTopic
    let parts = counts(&[("t", 3)]);
    let one = [member("c1", &["t"])];
    let a = assign(AssignorKind::CooperativeSticky, &parts, &one);
    assert_eq!(a["c1"], vec![tp("t", 0), tp("t", 1), tp("t", 2)]);
    // c2 joins: cooperative-sticky takes one away from c1 but does not give it to c2 yet.
    let two = [owning(member("c1", &["t"]), &a["c1"], 1), member("c2", &["t"])];
    let b = assign(AssignorKind::CooperativeSticky, &parts, &two);
    assert_eq!(b["c1"].len(), 2);
    assert!(b["c2"].is_empty(), "a partition still owned by c1 must not move in the same rebalance");
    // c1 revoked it and rejoins: now c2 gets it.
    let again = [owning(member("c1", &["t"]), &b["c1"], 2), member("c2", &["t"])];
    let c = assign(AssignorKind::CooperativeSticky, &parts, &again);
    assert_eq!(c["c1"], b["c1"]);
    assert_eq!(c["c2"].len(), 1);
    assert_valid(&c, &again, &parts, true);
    // c1 leaves: c2 keeps its partition and takes the rest.
    let alone = [owning(member("c2", &["t"]), &c["c2"], 3)];
    let d = assign(AssignorKind::CooperativeSticky, &parts, &alone);
    assert_eq!(d["c2"].len(), 3);
}

#[test]
fn eager_sticky_reads_the_previous_assignment_from_user_data() {
    let parts = counts(&[("t", 6)]);
    let mut members = Vec::new();
    let owned = [vec![tp("t", 0), tp("t", 3)], vec![tp("t", 1), tp("t", 4)], vec![tp("t", 2), tp("t", 5)]];
    for (i, o) in owned.iter().enumerate() {
        let mut m = member(&format!("c{i}"), &["t"]);
        m.user_data = user_data(AssignorKind::Sticky, o, 4);
        members.push(m);
    }
    // c1 left: c0 and c2 keep theirs and share c1's.
    members.remove(1);
    let a = assign(AssignorKind::Sticky, &parts, &members);
    assert_valid(&a, &members, &parts, true);
    assert_balanced(&a);
    assert!(owned[0].iter().all(|t| a["c0"].contains(t)));
    assert!(owned[2].iter().all(|t| a["c2"].contains(t)));
}

/// AbstractStickyAssignorTest cases with exact expectations (both sticky assignors).
#[test]
fn sticky_kafka_cases() {
    for kind in [AssignorKind::Sticky, AssignorKind::CooperativeSticky] {
        let with = |m: Subscription, owned: &[TopicPartition]| {
            let mut m = owning(m, owned, 1);
            m.user_data = user_data(kind, owned, 1);
            m
        };
        // testTwoConsumersTwoTopicsSixPartitions
        let parts = counts(&[("topic1", 3), ("topic2", 3)]);
        let a = assign(
            kind,
            &parts,
            &[member("consumer1", &["topic1", "topic2"]), member("consumer2", &["topic1", "topic2"])],
        );
        assert_eq!(a["consumer1"], vec![tp("topic1", 0), tp("topic1", 2), tp("topic2", 1)], "{kind:?}");
        assert_eq!(a["consumer2"], vec![tp("topic1", 1), tp("topic2", 0), tp("topic2", 2)], "{kind:?}");
        // testMultipleConsumersMixedTopicSubscriptions
        let parts = counts(&[("topic1", 3), ("topic2", 2)]);
        let a = assign(
            kind,
            &parts,
            &[
                member("consumer1", &["topic1"]),
                member("consumer2", &["topic1", "topic2"]),
                member("consumer3", &["topic1"]),
            ],
        );
        assert_eq!(a["consumer1"], vec![tp("topic1", 0), tp("topic1", 2)], "{kind:?}");
        assert_eq!(a["consumer2"], vec![tp("topic2", 0), tp("topic2", 1)], "{kind:?}");
        assert_eq!(a["consumer3"], vec![tp("topic1", 1)], "{kind:?}");
        // testConsumerOwningMinQuotaExpectedMaxQuota
        let parts = counts(&[("topic1", 2), ("topic2", 3)]);
        let both = ["topic1", "topic2"];
        let a = assign(
            kind,
            &parts,
            &[
                with(member("consumer1", &both), &[tp("topic1", 0), tp("topic2", 1)]),
                with(member("consumer2", &both), &[tp("topic1", 1), tp("topic2", 2)]),
            ],
        );
        assert_eq!(a["consumer1"], vec![tp("topic1", 0), tp("topic2", 0), tp("topic2", 1)], "{kind:?}");
        assert_eq!(a["consumer2"], vec![tp("topic1", 1), tp("topic2", 2)], "{kind:?}");
        // testMaxQuotaConsumerMoreThanNumExpectedMaxCapacityMembers (cooperative: topic2-0 moves
        // from consumer1 to consumer3 in the follow-up rebalance)
        let parts = counts(&[("topic1", 2), ("topic2", 2)]);
        let members = [
            with(member("consumer1", &both), &[tp("topic1", 0), tp("topic2", 0)]),
            with(member("consumer2", &both), &[tp("topic1", 1), tp("topic2", 1)]),
            with(member("consumer3", &both), &[]),
        ];
        let a = assign(kind, &parts, &members);
        assert_eq!(a["consumer1"], vec![tp("topic1", 0)], "{kind:?}");
        assert_eq!(a["consumer2"], vec![tp("topic1", 1), tp("topic2", 1)], "{kind:?}");
        let moved = if kind == AssignorKind::Sticky { vec![tp("topic2", 0)] } else { vec![] };
        assert_eq!(a["consumer3"], moved, "{kind:?}");
    }
}

#[test]
fn sticky_resolves_double_claims_by_generation() {
    let parts = counts(&[("t", 2)]);
    let members =
        [owning(member("old", &["t"]), &[tp("t", 0), tp("t", 1)], 1), owning(member("new", &["t"]), &[tp("t", 0)], 2)];
    let a = assign(AssignorKind::CooperativeSticky, &parts, &members);
    assert_eq!(a["new"], vec![tp("t", 0)]);
    assert_eq!(a["old"], vec![tp("t", 1)]);
}

/// A deterministic shuffle source for the property loop (no rand dependency).
fn lcg(seed: &mut u64) -> u64 {
    *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    *seed >> 33
}

#[test]
fn sticky_assignors_stay_balanced_and_sticky_across_membership_changes() {
    for kind in [AssignorKind::Sticky, AssignorKind::CooperativeSticky] {
        for seed in 0..40u64 {
            let mut s = seed + 1;
            let parts = counts(&[("a", (lcg(&mut s) % 7 + 1) as i32), ("b", (lcg(&mut s) % 9) as i32)]);
            let mut owned: BTreeMap<String, Vec<TopicPartition>> = BTreeMap::new();
            let mut generation = 0;
            for step in 0..8 {
                // Members come and go.
                let n = (lcg(&mut s) % 5 + 1) as usize;
                let ids: Vec<String> = (0..n).map(|i| format!("m{}", (i as u64 + lcg(&mut s) % 3) % 6)).collect();
                let ids: BTreeSet<String> = ids.into_iter().collect();
                let members: Vec<Subscription> = ids
                    .iter()
                    .map(|id| {
                        let mine = owned.get(id).cloned().unwrap_or_default();
                        let mut m = member(id, &["a", "b"]);
                        if kind == AssignorKind::Sticky {
                            m.user_data = user_data(kind, &mine, generation);
                        } else {
                            m = owning(m, &mine, generation);
                        }
                        m
                    })
                    .collect();
                let a = assign(kind, &parts, &members);
                assert_valid(&a, &members, &parts, kind == AssignorKind::Sticky);
                // Stickiness: a survivor loses a partition only if it held more than its fair share.
                let total = all_partitions(&parts, &members).len();
                let ceil = total.div_ceil(members.len());
                for m in &members {
                    let before = owned.get(&m.member_id).cloned().unwrap_or_default();
                    let kept = before.iter().filter(|t| a[&m.member_id].contains(t)).count();
                    assert!(kept >= before.len().min(total / members.len()), "{kind:?} seed {seed} step {step}");
                    assert!(a[&m.member_id].len() <= ceil, "{kind:?} seed {seed} step {step}: {a:?}");
                }
                if kind == AssignorKind::CooperativeSticky {
                    // Nothing handed over while its old owner still has it.
                    for (m, tps) in &a {
                        for t in tps {
                            for (other, theirs) in &owned {
                                if other != m && ids.contains(other) {
                                    assert!(!theirs.contains(t), "{t} given to {m} while {other} owns it");
                                }
                            }
                        }
                    }
                    // Owners revoked, everyone rejoins: the follow-up rebalance completes it.
                    generation += 1;
                    let members: Vec<Subscription> =
                        members.iter().map(|m| owning(m.clone(), &a[&m.member_id], generation)).collect();
                    let b = assign(kind, &parts, &members);
                    assert_valid(&b, &members, &parts, true);
                    assert_balanced(&b);
                    owned = b.into_iter().collect();
                } else {
                    assert_balanced(&a);
                    owned = a.into_iter().collect();
                }
                generation += 1;
            }
        }
    }
}

#[test]
fn subscription_and_assignment_round_trip() {
    let topics: BTreeSet<String> = ["x".to_string(), "y".to_string()].into();
    let owned = [tp("x", 1), tp("y", 0), tp("x", 0)];
    let ud = Bytes::from_static(b"ud");
    let bytes = encode_subscription(&topics, Some(&ud), &owned, 7, Some("r1"));
    let s = decode_subscription("m", Some("i"), &bytes).unwrap();
    assert_eq!(s.topics, vec!["x", "y"]);
    assert_eq!(s.user_data.as_deref(), Some(&b"ud"[..]));
    assert_eq!(s.owned_partitions, vec![tp("x", 0), tp("x", 1), tp("y", 0)]);
    assert_eq!((s.generation_id, s.rack_id.as_deref(), s.group_instance_id.as_deref()), (7, Some("r1"), Some("i")));
    let a = encode_assignment(&owned, 1);
    assert_eq!(decode_assignment(&a).unwrap(), vec![tp("x", 0), tp("x", 1), tp("y", 0)]);
    assert_eq!(decode_assignment(&[]).unwrap(), vec![]);
}

#[test]
fn decodes_a_v0_subscription_and_what_kafka_protocol_encodes() {
    use kafka_protocol::messages::ConsumerProtocolSubscription;
    use kafka_protocol::protocol::{Encodable, StrBytes};
    for v in 0..=3i16 {
        let mut buf = BytesMut::new();
        buf.put_i16(v);
        let sub = ConsumerProtocolSubscription::default()
            .with_topics(vec![StrBytes::from_static_str("t")])
            .with_user_data(Some(Bytes::from_static(b"u")));
        sub.encode(&mut buf, v).unwrap();
        let s = decode_subscription("m", None, &buf).unwrap();
        assert_eq!((s.version, s.topics.clone(), s.generation_id), (v, vec!["t".to_string()], -1), "v{v}");
    }
}

#[test]
fn hostile_counts_are_refused_without_allocating() {
    let mut buf = BytesMut::new();
    buf.put_i16(0);
    buf.put_i32(i32::MAX);
    let e = decode_subscription("m", None, &buf).unwrap_err();
    assert_eq!(e.code(), crate::error::ErrorCode::BAD_MSG);
    let mut buf = BytesMut::new();
    buf.put_i16(0);
    buf.put_i32(1);
    put_str(&mut buf, "t");
    buf.put_i32(i32::MAX);
    assert!(decode_assignment(&buf).is_err());
    assert!(decode_assignment(&[0]).is_err());
}
