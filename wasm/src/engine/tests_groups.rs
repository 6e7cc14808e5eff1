//! Consumers in a group through the engine: the rebalance, commits, and leaving.

use super::*;
use kafkette::consumer::{ConsumerEvent, OffsetAndMetadata};

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn member(e: &mut Engine, name: &str) -> usize {
    let c = e.add_consumer(name, &pairs(&[("group.id", "g"), ("auto.offset.reset", "earliest")])).unwrap();
    e.subscribe(c, vec!["t".into()]).unwrap();
    c
}

fn assigned(e: &Engine, c: usize) -> Vec<i32> {
    let s = e.snapshot();
    let v = s.consumers.iter().find(|v| v.node == c).unwrap();
    v.partitions.iter().map(|p| p.partition).collect()
}

/// Runs (polling both, as an application would) until `done`.
fn run_until(e: &mut Engine, members: &[usize], done: impl Fn(&Engine) -> bool) {
    for _ in 0..400 {
        if done(e) {
            return;
        }
        e.run_for(50);
        for &c in members {
            e.poll(c).unwrap();
        }
    }
    let s = e.snapshot();
    let tail: Vec<_> = s.journal.iter().rev().take(40).collect();
    panic!("not reached in 20 s of virtual time: {:?}\n{:?}\n{tail:#?}", s.groups, s.consumers);
}

#[test]
fn two_members_share_a_topic_then_one_leaves() {
    let mut e = Engine::new(SimConfig { seed: 11, ..SimConfig::default() });
    e.create_topic("t", 2).unwrap();
    let a = member(&mut e, "a");
    let b = member(&mut e, "b");
    run_until(&mut e, &[a, b], |e| assigned(e, a).len() == 1 && assigned(e, b).len() == 1);
    let s = e.snapshot();
    let g = &s.groups[0];
    assert_eq!((g.group_id.as_str(), g.state, g.protocol_type.as_deref()), ("g", "Stable", Some("consumer")));
    assert!(g.protocol.is_some());
    assert_eq!(g.members.len(), 2);
    let mut parts: Vec<_> = g.members.iter().flat_map(|m| m.assignment.iter().map(|p| p.partition)).collect();
    parts.sort();
    assert_eq!(parts, [0, 1]);
    let generation = g.generation;
    let views: Vec<_> = s.consumers.iter().map(|c| (c.generation, c.member_id.is_empty())).collect();
    assert_eq!(views, [(generation, false), (generation, false)]);

    let events = e.consumer_events(a).unwrap();
    assert!(events.iter().any(|ev| matches!(ev, ConsumerEvent::Assigned(tps) if tps.len() == 1)), "{events:?}");

    e.close_consumer(b).unwrap();
    assert!(e.consumer_events(b).unwrap().iter().any(|ev| matches!(ev, ConsumerEvent::Revoked(_))));
    run_until(&mut e, &[a], |e| assigned(e, a).len() == 2);
    let s = e.snapshot();
    let g = &s.groups[0];
    assert_eq!((g.state, g.members.len()), ("Stable", 1));
    assert!(g.generation > generation);
    assert_eq!(g.members[0].assignment.len(), 2);
}

#[test]
fn commit_and_committed() {
    let mut e = Engine::new(SimConfig { seed: 2, ..SimConfig::default() });
    e.create_topic("t", 2).unwrap();
    let a = member(&mut e, "a");
    run_until(&mut e, &[a], |e| assigned(e, a).len() == 2);
    let tp = TopicPartition::new("t", 1);
    let mut o = OffsetAndMetadata::new(5);
    o.metadata = Some("m".into());
    assert_eq!(e.commit(a, Some(vec![(tp.clone(), o)])).unwrap(), [(tp.clone(), 5)]);
    let answer = e.committed(a, vec![tp.clone(), TopicPartition::new("t", 0)]).unwrap();
    assert_eq!(answer[0].1.as_ref().map(|o| (o.offset, o.metadata.clone())), Some((5, Some("m".into()))));
    assert_eq!(answer[1].1, None);
    let g = &e.snapshot().groups[0];
    assert_eq!(g.committed.iter().map(|c| (c.partition, c.offset)).collect::<Vec<_>>(), [(1, 5)]);
    assert!(e.commit(a, Some(vec![(tp, OffsetAndMetadata::new(-3))])).is_err());
    let plain = e.add_consumer("plain", &[]).unwrap();
    assert!(e.commit(plain, None).is_err(), "no group.id");
    assert!(e.subscribe(plain, vec!["t".into()]).is_err(), "no group.id");
}

#[test]
fn a_crashed_member_is_removed_after_its_session_and_rejoins_after_restart() {
    let mut e = Engine::new(SimConfig { seed: 3, ..SimConfig::default() });
    e.create_topic("t", 2).unwrap();
    let a = member(&mut e, "a");
    let b = member(&mut e, "b");
    run_until(&mut e, &[a, b], |e| assigned(e, a).len() == 1 && assigned(e, b).len() == 1);
    e.crash(b).unwrap();
    assert!(!e.snapshot().nodes[b].alive);
    let err = e.commit(b, None).unwrap_err();
    assert_eq!(err.code(), kafkette::ErrorCode::STATE, "{err}");
    assert!(e.restart(a).is_err(), "a is running");
    // No heartbeat from b: the coordinator removes it after session.timeout.ms (45 s).
    for _ in 0..120 {
        if assigned(&e, a).len() == 2 {
            break;
        }
        e.run_for(500);
        e.poll(a).unwrap();
    }
    assert_eq!(assigned(&e, a), [0, 1]);
    assert_eq!(e.snapshot().groups[0].members.len(), 1);
    e.restart(b).unwrap();
    assert!(e.snapshot().nodes[b].alive);
    e.subscribe(b, vec!["t".into()]).unwrap();
    run_until(&mut e, &[a, b], |e| assigned(e, a).len() == 1 && assigned(e, b).len() == 1);
    assert_eq!(e.snapshot().groups[0].members.len(), 2);
}
