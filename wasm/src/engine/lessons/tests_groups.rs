//! Lessons 1, 7 and 8: partitions, keys and consumer groups.

use std::collections::BTreeMap;

use super::super::ledger::Verdict;
use super::tests_producer::final_ledger;

#[test]
fn lesson_1_same_key_same_partition_in_order_and_a_fourth_reader_idles() {
    let l = final_ledger(1, "three partitions, four readers");
    let mut by_key: BTreeMap<&str, Vec<(i32, i64)>> = BTreeMap::new();
    for m in &l.messages {
        assert_eq!(m.verdict, Verdict::ExactlyOnce, "{}", m.id);
        assert_eq!(m.copies.len(), 1);
        let key = m.id.split('-').next().unwrap();
        by_key.entry(key).or_default().push((m.copies[0].partition, m.copies[0].offset));
    }
    for (key, copies) in &by_key {
        assert!(copies.windows(2).all(|w| w[0].0 == w[1].0 && w[0].1 < w[1].1), "{key}: {copies:?}");
    }
    let idle: Vec<&str> = l.apps.iter().filter(|a| a.assignment.is_empty()).map(|a| a.name.as_str()).collect();
    assert_eq!(idle.len(), 1, "three partitions for four readers: {idle:?}");
    let idle = l.apps.iter().find(|a| a.assignment.is_empty()).unwrap();
    assert_eq!(idle.processed, 0);
    // Each record was processed by the reader that owns its partition.
    for m in &l.messages {
        let owner = l.apps.iter().find(|a| a.assignment.contains(&format!("users-{}", m.copies[0].partition))).unwrap();
        assert_eq!(m.processed.get(&owner.name), Some(&1), "{}", m.id);
    }
}

#[test]
fn lesson_8_a_consumer_past_max_poll_interval_is_evicted_its_commit_rejected_its_work_redone() {
    let l = final_ledger(8, "processing longer than max.poll.interval.ms");
    let slow = l.apps.iter().find(|a| a.name == "slow").unwrap();
    let spare = l.apps.iter().find(|a| a.name == "spare").unwrap();
    assert!(slow.lost >= 1, "evicted: its partition was lost, not revoked in order");
    assert_eq!((slow.commits_ok, slow.commits_failed), (0, 1), "its late commit was rejected");
    assert!(slow.notes.iter().any(|n| n.contains("commit failed")), "{:?}", slow.notes);
    for m in &l.messages {
        assert_eq!((m.processed.get("slow"), m.processed.get("spare")), (Some(&1), Some(&1)), "{}", m.id);
        assert_eq!(m.verdict, Verdict::Duplicated);
    }
    assert!(spare.commits_ok >= 1);
}

#[test]
fn lesson_7_eager_revokes_everything_at_every_rebalance_cooperative_only_what_moves() {
    let eager = final_ledger(7, "eager (range)");
    let coop = final_ledger(7, "cooperative (cooperative-sticky)");
    let revoked = |l: &super::super::ledger::Ledger| l.apps.iter().map(|a| a.revoked).sum::<u32>();
    assert!(revoked(&coop) < revoked(&eager), "cooperative {} < eager {}", revoked(&coop), revoked(&eager));
    for l in [&eager, &coop] {
        let g = &l.groups[0];
        assert!(g.generation >= 4, "three membership changes, a generation each: {}", g.generation);
        assert_eq!(g.members.len(), 2);
        assert!(l.messages.iter().all(|m| m.verdict == Verdict::ExactlyOnce));
        // The two members share the four partitions, none twice.
        let mut owned: Vec<&String> = l.apps.iter().flat_map(|a| &a.assignment).collect();
        owned.sort();
        assert_eq!(owned, ["orders-0", "orders-1", "orders-2", "orders-3"]);
    }
}
