//! A group's committed offsets and the offsets transactions have staged but not yet committed
//! (KIP-98: visible only when the producer's transaction commits).

use std::collections::BTreeMap;

use crate::protocol::Millis;

/// `(topic, partition)`.
pub type TopicPartition = (String, i32);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommittedOffset {
    pub offset: i64,
    pub leader_epoch: i32,
    pub metadata: String,
    pub commit_ms: Millis,
}

#[derive(Debug, Default, Clone)]
pub struct Offsets {
    committed: BTreeMap<TopicPartition, CommittedOffset>,
    /// Staged by TxnOffsetCommit, per producer id.
    pending: BTreeMap<i64, BTreeMap<TopicPartition, CommittedOffset>>,
}

impl Offsets {
    pub fn commit(&mut self, tp: TopicPartition, o: CommittedOffset) {
        self.committed.insert(tp, o);
    }

    pub fn stage(&mut self, producer_id: i64, tp: TopicPartition, o: CommittedOffset) {
        self.pending.entry(producer_id).or_default().insert(tp, o);
    }

    /// Ends a producer's transaction: on commit its staged offsets become committed and are
    /// returned (for the log); on abort they are dropped.
    pub fn end_txn(&mut self, producer_id: i64, commit: bool) -> Vec<(TopicPartition, CommittedOffset)> {
        let Some(staged) = self.pending.remove(&producer_id) else {
            return Vec::new();
        };
        if !commit {
            return Vec::new();
        }
        for (tp, o) in &staged {
            self.committed.insert(tp.clone(), o.clone());
        }
        staged.into_iter().collect()
    }

    pub fn get(&self, tp: &TopicPartition) -> Option<&CommittedOffset> {
        self.committed.get(tp)
    }

    /// A transaction has staged an offset for this partition.
    pub fn has_pending(&self, tp: &TopicPartition) -> bool {
        self.pending.values().any(|m| m.contains_key(tp))
    }

    pub fn has_pending_any(&self) -> bool {
        !self.pending.is_empty()
    }

    pub fn committed(&self) -> impl Iterator<Item = (&TopicPartition, &CommittedOffset)> {
        self.committed.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.committed.is_empty() && self.pending.is_empty()
    }

    /// Removes one partition's committed offset; true if there was one.
    pub fn remove(&mut self, tp: &TopicPartition) -> bool {
        self.committed.remove(tp).is_some()
    }

    /// Forgets a deleted topic's offsets; returns the committed partitions removed.
    pub fn remove_topic(&mut self, topic: &str) -> Vec<TopicPartition> {
        let gone: Vec<TopicPartition> = self.committed.keys().filter(|tp| tp.0 == topic).cloned().collect();
        for tp in &gone {
            self.committed.remove(tp);
        }
        for staged in self.pending.values_mut() {
            staged.retain(|tp, _| tp.0 != topic);
        }
        gone
    }

    /// Removes the committed offsets `expired` says are due; returns them.
    pub fn expire(&mut self, expired: impl Fn(&CommittedOffset) -> bool) -> Vec<TopicPartition> {
        let gone: Vec<TopicPartition> =
            self.committed.iter().filter(|(_, o)| expired(o)).map(|(tp, _)| tp.clone()).collect();
        for tp in &gone {
            self.committed.remove(tp);
        }
        gone
    }
}
