//! One transactional id's state in the transaction coordinator (Kafka's `TransactionMetadata`):
//! its producer id and epoch, the previous ones (KIP-360 retries), the transaction timeout, the
//! state, and the partitions and groups of the ongoing transaction.
//!
//! Transitions (Kafka's `TransactionState.validPreviousStates`):
//! - Empty, CompleteCommit, CompleteAbort → Ongoing (AddPartitionsToTxn / AddOffsetsToTxn);
//! - Ongoing → Ongoing (more partitions), PrepareCommit, PrepareAbort (EndTxn, timeout, fencing);
//! - PrepareCommit → CompleteCommit, PrepareAbort → CompleteAbort (markers written);
//! - Empty and the Complete states → themselves on InitProducerId (epoch bump).
//!
//! Dead (an expired transactional id) is part of Kafka's state set and of the log format; ids
//! are not expired here yet, so nothing enters it.

use std::collections::BTreeSet;

use crate::protocol::Millis;

/// Kafka's `RecordBatch.NO_PRODUCER_EPOCH`.
pub const NO_PRODUCER_EPOCH: i16 = -1;
/// Kafka's `RecordBatch.NO_PRODUCER_ID`.
pub const NO_PRODUCER_ID: i64 = -1;

/// A transaction's state, with the byte Kafka's `__transaction_state` records use for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnState {
    Empty = 0,
    Ongoing = 1,
    PrepareCommit = 2,
    PrepareAbort = 3,
    CompleteCommit = 4,
    CompleteAbort = 5,
    Dead = 6,
}

impl TxnState {
    /// The state byte of Kafka's transaction log value.
    pub fn id(self) -> i8 {
        self as i8
    }

    /// Whether a transaction may move from `self` to `next`.
    pub fn can_become(self, next: TxnState) -> bool {
        use TxnState::*;
        match next {
            Empty => matches!(self, Empty | CompleteCommit | CompleteAbort),
            Ongoing => matches!(self, Ongoing | Empty | CompleteCommit | CompleteAbort),
            PrepareCommit | PrepareAbort => self == Ongoing,
            CompleteCommit => matches!(self, PrepareCommit | CompleteCommit),
            CompleteAbort => matches!(self, PrepareAbort | CompleteAbort),
            Dead => matches!(self, Empty | CompleteCommit | CompleteAbort),
        }
    }

    /// An EndTxn is being completed (markers not all written yet).
    pub fn is_preparing(self) -> bool {
        matches!(self, TxnState::PrepareCommit | TxnState::PrepareAbort)
    }
}

/// Everything the coordinator knows about one transactional id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnMetadata {
    pub transactional_id: String,
    pub producer_id: i64,
    /// The producer id before the last rotation (epoch exhaustion), for KIP-360 retries.
    pub previous_producer_id: i64,
    pub producer_epoch: i16,
    /// The epoch before the last InitProducerId bump, for KIP-360 retries.
    pub last_producer_epoch: i16,
    pub timeout_ms: i32,
    pub state: TxnState,
    /// Data partitions of the ongoing transaction, (topic, partition).
    pub partitions: BTreeSet<(String, i32)>,
    /// Groups whose offsets the transaction commits (AddOffsetsToTxn), with their
    /// `__consumer_offsets` partition.
    pub groups: BTreeSet<(String, i32)>,
    /// When the ongoing transaction began (its first AddPartitionsToTxn); -1 when none.
    pub start_ms: Millis,
    pub update_ms: Millis,
}

impl TxnMetadata {
    pub fn new(transactional_id: &str, producer_id: i64, timeout_ms: i32, now: Millis) -> TxnMetadata {
        TxnMetadata {
            transactional_id: transactional_id.to_string(),
            producer_id,
            previous_producer_id: NO_PRODUCER_ID,
            producer_epoch: NO_PRODUCER_EPOCH,
            last_producer_epoch: NO_PRODUCER_EPOCH,
            timeout_ms,
            state: TxnState::Empty,
            partitions: BTreeSet::new(),
            groups: BTreeSet::new(),
            start_ms: -1,
            update_ms: now,
        }
    }

    /// Kafka's `isProducerEpochExhausted`: one bump left at most (kept for fencing).
    pub fn epoch_exhausted(&self) -> bool {
        self.producer_epoch >= i16::MAX - 1
    }

    /// When the ongoing transaction times out, if one is ongoing.
    pub fn deadline(&self) -> Option<Millis> {
        (self.state == TxnState::Ongoing).then(|| self.start_ms.saturating_add(self.timeout_ms as Millis))
    }

    /// Moves to `next` (callers checked `can_become`), stamping the update time. Entering
    /// Ongoing from a finished state starts a transaction; completing one forgets its
    /// partitions and groups.
    pub(crate) fn become_state(&mut self, next: TxnState, now: Millis) {
        debug_assert!(self.state.can_become(next), "{:?} -> {next:?}", self.state);
        if next == TxnState::Ongoing && self.state != TxnState::Ongoing {
            self.start_ms = now;
            self.partitions.clear();
            self.groups.clear();
        }
        if matches!(next, TxnState::CompleteCommit | TxnState::CompleteAbort | TxnState::Empty) {
            self.partitions.clear();
            self.groups.clear();
        }
        self.state = next;
        self.update_ms = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TxnState::*;

    #[test]
    fn transitions_follow_kafka() {
        assert!(Empty.can_become(Ongoing) && CompleteCommit.can_become(Ongoing) && CompleteAbort.can_become(Ongoing));
        assert!(Ongoing.can_become(PrepareCommit) && Ongoing.can_become(PrepareAbort));
        assert!(PrepareCommit.can_become(CompleteCommit) && PrepareAbort.can_become(CompleteAbort));
        assert!(!Empty.can_become(PrepareCommit) && !PrepareCommit.can_become(CompleteAbort));
        assert!(!PrepareAbort.can_become(Ongoing) && !Ongoing.can_become(CompleteCommit));
        assert_eq!([Empty.id(), Ongoing.id(), CompleteAbort.id(), Dead.id()], [0, 1, 5, 6]);
    }

    #[test]
    fn a_transaction_starts_and_completes() {
        let mut m = TxnMetadata::new("t", 7, 1000, 5);
        assert_eq!(m.deadline(), None);
        m.become_state(Ongoing, 10);
        m.partitions.insert(("a".into(), 0));
        assert_eq!(m.deadline(), Some(1010));
        m.become_state(Ongoing, 20);
        assert_eq!((m.start_ms, m.partitions.len()), (10, 1), "adding keeps the start");
        m.become_state(PrepareCommit, 30);
        assert_eq!(m.deadline(), None);
        m.become_state(CompleteCommit, 31);
        assert!(m.partitions.is_empty());
        assert_eq!(m.update_ms, 31);
    }
}
