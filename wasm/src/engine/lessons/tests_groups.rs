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
