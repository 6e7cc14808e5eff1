//! One partition's producer state: for each producer id, its epoch and the metadata of the
//! last five batches it appended. It decides whether an idempotent batch is new, a duplicate
//! of a recent batch (answered with the original offsets, nothing appended), or rejected,
//! as Apache Kafka's `ProducerStateManager` / `ProducerAppendInfo` do:
//! - a batch whose epoch and first/last sequence equal one of the last five: duplicate;
//! - an epoch older than the known one: INVALID_PRODUCER_EPOCH (PRODUCER_FENCED belongs to
//!   the transaction coordinator's paths, not to appends);
//! - a newer epoch must start at sequence 0, else OUT_OF_ORDER_SEQUENCE_NUMBER;
//! - same epoch: the first sequence must follow the last one (i32::MAX wraps to 0), else
//!   OUT_OF_ORDER_SEQUENCE_NUMBER (a duplicate older than the last five lands here too);
//! - an unknown producer's first batch is accepted with any sequence (KIP-360, Kafka 2.5+:
//!   UNKNOWN_PRODUCER_ID is no longer returned for it);
//! - transactions: a transactional batch opens the producer's transaction in the partition (its
//!   first offset holds the LSO back); a non-transactional batch of a producer with an open
//!   transaction: INVALID_TXN_STATE; a COMMIT/ABORT marker ends it, and a marker at a newer epoch
//!   forgets the batches, so the next batch must start at sequence 0 (as after a marker alone at
//!   the current epoch).
//!
//! Batches without a producer id (-1) are not checked. The state belongs to the partition:
//! it goes with it (topic deletion) and survives retention and DeleteRecords, as Kafka's
//! producer state snapshots do. A producer that has not appended for `PRODUCER_ID_EXPIRATION_MS`
//! (Kafka's `producer.id.expiration.ms` default, not configurable yet) is forgotten when a new
//! producer id is first seen, which bounds the map by the producers active in that window. Kafka
//! measures from the batch's max timestamp; this uses the broker's append time, which a client
//! clock cannot skew.

use std::collections::{BTreeMap, VecDeque};

use crate::error::ErrorCode;
use crate::protocol::Millis;
use crate::record::increment_sequence;

/// How many batches per producer are remembered for duplicate detection (Kafka's
/// `ProducerStateEntry.NUM_BATCHES_TO_RETAIN`, and the client's max in-flight requests).
pub const BATCHES_TO_RETAIN: usize = 5;

/// How long a producer id is remembered after its last append (`producer.id.expiration.ms`, 1 day).
pub const PRODUCER_ID_EXPIRATION_MS: Millis = 86_400_000;

/// What the log remembers of an appended idempotent batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchMetadata {
    pub first_seq: i32,
    pub last_seq: i32,
    pub first_offset: i64,
    pub last_offset: i64,
    /// The batch's max timestamp (the append time on LogAppendTime topics).
    pub timestamp: i64,
}

/// One producer id's state in one partition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProducerEntry {
    pub epoch: i16,
    /// Oldest first, at most `BATCHES_TO_RETAIN`, all of `epoch`.
    pub batches: VecDeque<BatchMetadata>,
    /// Broker time of the last append (for expiry).
    pub last_append_ms: Millis,
    /// First offset of the producer's open transaction in this partition, if one is open.
    pub txn_first_offset: Option<i64>,
}

impl ProducerEntry {
    fn last_seq(&self) -> Option<i32> {
        self.batches.back().map(|b| b.last_seq)
    }
}

/// The verdict on an incoming batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Append it, then `record` it.
    Append,
    /// Already appended: answer with this batch's offsets, append nothing.
    Duplicate(BatchMetadata),
}

/// The producer state of one partition.
#[derive(Debug, Clone, Default)]
pub struct ProducerState {
    producers: BTreeMap<i64, ProducerEntry>,
}

/// Whether `next` directly follows `last`, wrapping past i32::MAX to 0.
fn in_sequence(last: i32, next: i32) -> bool {
    i64::from(next) == i64::from(last) + 1 || (next == 0 && last == i32::MAX)
}

impl ProducerState {
    pub fn new() -> ProducerState {
        ProducerState::default()
    }

    pub fn entry(&self, producer_id: i64) -> Option<&ProducerEntry> {
        self.producers.get(&producer_id)
    }

    pub fn len(&self) -> usize {
        self.producers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.producers.is_empty()
    }

    /// Decides on a batch of `producer_id` at `epoch` holding sequences `first_seq..=last_seq`.
    /// A negative producer id (not idempotent) is always appended.
    pub fn check(
        &self,
        producer_id: i64,
        epoch: i16,
        first_seq: i32,
        last_seq: i32,
    ) -> Result<Verdict, (ErrorCode, String)> {
        if producer_id < 0 {
            return Ok(Verdict::Append);
        }
        let Some(entry) = self.producers.get(&producer_id) else {
            // KIP-360: an unknown producer (new, or its state expired) starts anywhere.
            return Ok(Verdict::Append);
        };
        if epoch < entry.epoch {
            return Err((
                ErrorCode::INVALID_PRODUCER_EPOCH,
                format!("Epoch of producer {producer_id} is {epoch}, older than the current {}", entry.epoch),
            ));
        }
        if epoch == entry.epoch {
            if let Some(dup) = entry.batches.iter().find(|b| b.first_seq == first_seq && b.last_seq == last_seq) {
                return Ok(Verdict::Duplicate(*dup));
            }
        }
        if epoch > entry.epoch {
            if first_seq != 0 {
                return Err((
                    ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER,
                    format!("Producer {producer_id}'s new epoch {epoch} must start at sequence 0, got {first_seq}"),
                ));
            }
            return Ok(Verdict::Append);
        }
        match entry.last_seq() {
            Some(last) if !in_sequence(last, first_seq) => Err((
                ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER,
                format!("Out of order sequence number for producer {producer_id}: {first_seq} (last {last})"),
            )),
            // Only a transaction marker was written at this epoch: the sequence starts over at 0.
            None if first_seq != 0 => Err((
                ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER,
                format!(
                    "Producer {producer_id}'s epoch {epoch} has only a marker: expected sequence 0, got {first_seq}"
                ),
            )),
            _ => Ok(Verdict::Append),
        }
    }

    /// Remembers an appended batch (after `check` said `Append`). A new epoch forgets the
    /// old epoch's batches; a new producer id first expires the idle ones.
    pub fn record(&mut self, producer_id: i64, epoch: i16, batch: BatchMetadata, now: Millis) {
        if producer_id < 0 {
            return;
        }
        if !self.producers.contains_key(&producer_id) {
            self.expire(now);
        }
        let entry = self.producers.entry(producer_id).or_insert_with(|| ProducerEntry { epoch, ..Default::default() });
        if entry.epoch != epoch {
            entry.batches.clear();
            entry.epoch = epoch;
        }
        if entry.batches.len() == BATCHES_TO_RETAIN {
            entry.batches.pop_front();
        }
        entry.batches.push_back(batch);
        entry.last_append_ms = now;
    }

    /// Forgets the producers idle for `PRODUCER_ID_EXPIRATION_MS` or more (never one with an
    /// open transaction: it holds the last stable offset back until its marker).
    pub fn expire(&mut self, now: Millis) {
        self.producers.retain(|_, e| {
            e.txn_first_offset.is_some() || now.saturating_sub(e.last_append_ms) < PRODUCER_ID_EXPIRATION_MS
        });
    }

    /// Kafka's rule for a batch of a producer with an open transaction in this partition: it must
    /// be transactional too, else INVALID_TXN_STATE (ProducerStateManagerTest's
    /// testNonTransactionalAppendWithOngoingTransaction).
    pub fn check_txn(&self, producer_id: i64, transactional: bool) -> Result<(), (ErrorCode, String)> {
        match self.producers.get(&producer_id) {
            Some(e) if e.txn_first_offset.is_some() && !transactional => Err((
                ErrorCode::INVALID_TXN_STATE,
                format!("Producer {producer_id} has an open transaction: a non-transactional batch is refused"),
            )),
            _ => Ok(()),
        }
    }

    /// A transactional batch at `first_offset` was appended (after `record`): it opens the
    /// producer's transaction in this partition unless one is open.
    pub fn begin_txn(&mut self, producer_id: i64, first_offset: i64) {
        if let Some(e) = self.producers.get_mut(&producer_id) {
            e.txn_first_offset.get_or_insert(first_offset);
        }
    }

    /// A COMMIT or ABORT marker of `producer_id` at `epoch` was appended at `offset`: the open
    /// transaction ends; returns its first offset (the marker's when nothing was written, as
    /// Kafka's CompletedTxn). A newer epoch resets the sequence: the next batch starts at 0.
    pub fn end_txn(&mut self, producer_id: i64, epoch: i16, offset: i64, now: Millis) -> i64 {
        if !self.producers.contains_key(&producer_id) {
            self.expire(now);
        }
        let entry = self.producers.entry(producer_id).or_insert_with(|| ProducerEntry { epoch, ..Default::default() });
        if epoch > entry.epoch {
            entry.batches.clear();
            entry.epoch = epoch;
        }
        entry.last_append_ms = now;
        entry.txn_first_offset.take().unwrap_or(offset)
    }

    /// The lowest first offset of an open transaction (what holds the last stable offset back).
    pub fn first_unstable_offset(&self) -> Option<i64> {
        self.producers.values().filter_map(|e| e.txn_first_offset).min()
    }
}

/// The last sequence of a batch of `count` records starting at `first_seq`.
pub fn last_sequence(first_seq: i32, count: i32) -> i32 {
    increment_sequence(first_seq, count - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PID: i64 = 7;

    /// A log end offset and its producer state: `send` appends when the verdict is Append.
    struct Log {
        state: ProducerState,
        end: i64,
    }

    impl Log {
        fn new() -> Log {
            Log { state: ProducerState::new(), end: 0 }
        }

        fn send(&mut self, pid: i64, epoch: i16, first_seq: i32, count: i32) -> Result<Verdict, ErrorCode> {
            let last_seq = last_sequence(first_seq, count);
            let v = self.state.check(pid, epoch, first_seq, last_seq).map_err(|(c, _)| c)?;
            if v == Verdict::Append {
                let meta = BatchMetadata {
                    first_seq,
                    last_seq,
                    first_offset: self.end,
                    last_offset: self.end + i64::from(count) - 1,
                    timestamp: 1000 + self.end,
                };
                self.end += i64::from(count);
                self.state.record(pid, epoch, meta, 0);
            }
            Ok(v)
        }

        /// Sends and expects an append; returns the base offset.
        fn ok(&mut self, pid: i64, epoch: i16, first_seq: i32, count: i32) -> i64 {
            let base = self.end;
            assert_eq!(self.send(pid, epoch, first_seq, count), Ok(Verdict::Append));
            base
        }

        fn dup_offset(&mut self, pid: i64, epoch: i16, first_seq: i32, count: i32) -> i64 {
            match self.send(pid, epoch, first_seq, count) {
                Ok(Verdict::Duplicate(m)) => m.first_offset,
                other => panic!("expected a duplicate, got {other:?}"),
            }
        }
    }

    #[test]
    fn duplicates_of_each_of_the_last_five_return_their_offsets() {
        let mut log = Log::new();
        let bases: Vec<i64> = (0..7).map(|i| log.ok(PID, 0, i * 3, 3)).collect();
        // Batches 2..=6 are the last five; each duplicate gets its original offset.
        for i in 2..7 {
            assert_eq!(log.dup_offset(PID, 0, i * 3, 3), bases[i as usize]);
        }
        assert_eq!(log.end, 21, "duplicates append nothing");
        // Older than the last five: not recognised, and out of order.
        assert_eq!(log.send(PID, 0, 3, 3), Err(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER));
        // Same first sequence, different length: not a duplicate, out of order.
        assert_eq!(log.send(PID, 0, 18, 2), Err(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER));
        assert_eq!(log.ok(PID, 0, 21, 1), 21);
    }

    #[test]
    fn gaps_are_out_of_order() {
        let mut log = Log::new();
        log.ok(PID, 0, 0, 2);
        assert_eq!(log.send(PID, 0, 3, 1), Err(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER));
        assert_eq!(log.send(PID, 0, 1, 1), Err(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER), "overlap");
        assert_eq!(log.send(PID, 0, -5, 1), Err(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER));
        log.ok(PID, 0, 2, 1);
        assert_eq!(log.end, 3);
    }

    #[test]
    fn stale_epoch_is_rejected() {
        let mut log = Log::new();
        log.ok(PID, 3, 0, 1);
        assert_eq!(log.send(PID, 2, 1, 1), Err(ErrorCode::INVALID_PRODUCER_EPOCH));
        assert_eq!(log.send(PID, 2, 0, 1), Err(ErrorCode::INVALID_PRODUCER_EPOCH), "even a duplicate's sequence");
        assert_eq!(log.state.entry(PID).map(|e| e.epoch), Some(3));
    }

    #[test]
    fn epoch_bump_starts_at_zero_and_forgets_the_old_batches() {
        let mut log = Log::new();
        log.ok(PID, 0, 0, 5);
        assert_eq!(log.send(PID, 1, 5, 1), Err(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER));
        let base = log.ok(PID, 1, 0, 2);
        assert_eq!(log.state.entry(PID).map(|e| e.batches.len()), Some(1));
        assert_eq!(log.dup_offset(PID, 1, 0, 2), base);
        assert_eq!(log.send(PID, 0, 0, 5), Err(ErrorCode::INVALID_PRODUCER_EPOCH));
        // A jump of several epochs is fine too.
        log.ok(PID, 9, 0, 1);
    }

    #[test]
    fn unknown_producer_starts_at_any_sequence() {
        let mut log = Log::new();
        log.ok(PID, 4, 1234, 2);
        log.ok(PID, 4, 1236, 1);
        // Another producer is independent.
        log.ok(PID + 1, 0, 99, 1);
        assert_eq!(log.send(PID + 1, 0, 101, 1), Err(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER));
        assert_eq!(log.state.len(), 2);
    }

    #[test]
    fn sequence_wraps_at_i32_max() {
        assert_eq!(last_sequence(i32::MAX - 1, 4), 1);
        let mut log = Log::new();
        log.ok(PID, 0, i32::MAX - 2, 2); // MAX-2, MAX-1
        let base = log.ok(PID, 0, i32::MAX, 3); // MAX, 0, 1
        assert_eq!(log.dup_offset(PID, 0, i32::MAX, 3), base);
        log.ok(PID, 0, 2, 1);
        let mut log = Log::new();
        log.ok(PID, 0, i32::MAX, 1);
        log.ok(PID, 0, 0, 1);
    }

    #[test]
    fn idle_producers_expire_when_a_new_one_appears() {
        let mut state = ProducerState::new();
        let meta = BatchMetadata { first_seq: 0, last_seq: 0, first_offset: 0, last_offset: 0, timestamp: 0 };
        state.record(1, 0, meta, 0);
        state.record(2, 0, meta, 1000);
        // Producer 1 keeps appending: a known id expires nothing.
        state.record(1, 0, BatchMetadata { first_seq: 1, last_seq: 1, ..meta }, PRODUCER_ID_EXPIRATION_MS);
        assert_eq!(state.len(), 2);
        // A new id at 1000 + expiration: producer 2 is idle exactly that long and goes.
        state.record(3, 0, meta, 1000 + PRODUCER_ID_EXPIRATION_MS);
        assert!(state.entry(2).is_none());
        assert!(state.entry(1).is_some() && state.entry(3).is_some());
        // An expired producer is unknown again: any sequence is accepted (KIP-360).
        assert_eq!(state.check(2, 0, 77, 77), Ok(Verdict::Append));
    }

    #[test]
    fn batches_without_a_producer_id_bypass_the_checks() {
        let mut log = Log::new();
        log.ok(-1, -1, -1, 3);
        log.ok(-1, -1, -1, 3);
        log.ok(-1, 5, 17, 1);
        assert!(log.state.is_empty());
        assert_eq!(log.end, 7);
    }

    // ---- Transactions (Apache Kafka's ProducerStateManagerTest cases) ----

    /// Appends a batch through `check`, `check_txn`, `record` and `begin_txn`, as the log does.
    fn send_tx(log: &mut Log, pid: i64, epoch: i16, seq: i32, count: i32, txn: bool) -> Result<i64, ErrorCode> {
        let last_seq = last_sequence(seq, count);
        log.state.check(pid, epoch, seq, last_seq).map_err(|(c, _)| c)?;
        log.state.check_txn(pid, txn).map_err(|(c, _)| c)?;
        let base = log.end;
        let meta = BatchMetadata {
            first_seq: seq,
            last_seq,
            first_offset: base,
            last_offset: base + count as i64 - 1,
            timestamp: 0,
        };
        log.state.record(pid, epoch, meta, 0);
        if txn {
            log.state.begin_txn(pid, base);
        }
        log.end += count as i64;
        Ok(base)
    }

    fn marker(log: &mut Log, pid: i64, epoch: i16) -> i64 {
        let first = log.state.end_txn(pid, epoch, log.end, 0);
        log.end += 1;
        first
    }

    #[test]
    fn control_record_bumps_epoch_and_resets_the_sequence() {
        // testControlRecordBumpsEpoch / testOutOfSequenceAfterControlRecordEpochBump
        let mut log = Log::new();
        send_tx(&mut log, PID, 0, 0, 1, false).unwrap();
        send_tx(&mut log, PID, 0, 1, 1, false).unwrap();
        assert_eq!(marker(&mut log, PID, 1), 2, "no transaction: the marker's own offset");
        let e = log.state.entry(PID).unwrap();
        assert_eq!((e.epoch, e.batches.len(), e.txn_first_offset), (1, 0, None));
        assert_eq!(send_tx(&mut log, PID, 1, 2, 1, false), Err(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER));
        assert_eq!(send_tx(&mut log, PID, 1, 0, 1, false), Ok(3));
        assert_eq!(send_tx(&mut log, PID, 0, 2, 1, false), Err(ErrorCode::INVALID_PRODUCER_EPOCH));
    }

    #[test]
    fn a_marker_at_the_same_epoch_keeps_the_batches() {
        // updateProducerTransactionState: the marker ends the transaction, the cached batches stay.
        let mut log = Log::new();
        send_tx(&mut log, PID, 0, 0, 1, false).unwrap();
        assert_eq!(send_tx(&mut log, PID, 0, 1, 5, true), Ok(1));
        send_tx(&mut log, PID, 0, 6, 5, true).unwrap();
        assert_eq!(log.state.first_unstable_offset(), Some(1));
        assert_eq!(marker(&mut log, PID, 0), 1, "the transaction's first offset");
        assert_eq!(log.state.first_unstable_offset(), None);
        let e = log.state.entry(PID).unwrap();
        assert_eq!((e.batches.len(), e.batches.back().unwrap().last_seq), (3, 10));
        assert_eq!(send_tx(&mut log, PID, 0, 11, 1, false), Ok(12), "the sequence continues");
    }

    #[test]
    fn a_non_transactional_append_inside_an_open_transaction_is_refused() {
        // testNonTransactionalAppendWithOngoingTransaction
        let mut log = Log::new();
        send_tx(&mut log, PID, 0, 0, 1, true).unwrap();
        assert_eq!(send_tx(&mut log, PID, 0, 1, 1, false), Err(ErrorCode::INVALID_TXN_STATE));
        // Other producers are not affected, and the transactional batch goes on.
        assert_eq!(send_tx(&mut log, PID + 1, 0, 0, 1, false), Ok(1));
        assert_eq!(send_tx(&mut log, PID, 0, 1, 1, true), Ok(2));
    }

    #[test]
    fn first_unstable_offset_is_the_oldest_open_transaction() {
        // testFirstUnstableOffset*: two producers' transactions; the oldest holds the LSO back.
        let mut log = Log::new();
        send_tx(&mut log, PID, 0, 0, 1, true).unwrap();
        send_tx(&mut log, PID + 1, 0, 0, 2, true).unwrap();
        assert_eq!(log.state.first_unstable_offset(), Some(0));
        marker(&mut log, PID, 0);
        assert_eq!(log.state.first_unstable_offset(), Some(1));
        marker(&mut log, PID + 1, 0);
        assert_eq!(log.state.first_unstable_offset(), None);
        // A producer with an open transaction never expires.
        send_tx(&mut log, PID, 0, 1, 1, true).unwrap();
        log.state.expire(PRODUCER_ID_EXPIRATION_MS * 3);
        assert!(log.state.entry(PID).is_some() && log.state.entry(PID + 1).is_none());
    }
}
