//! One partition's log, in memory: record batches as received (header rewritten
//! with the assigned base offset, LogAppendTime applied), kept in offset order so
//! that the batch holding an offset is found by binary search.
//!
//! Retention deletes whole batches from the front, never the last one (Kafka never
//! deletes the active segment), and moves the log start offset to the next batch.
//!
//! Transactions: the producer state knows each producer's open transaction (its first
//! offset); the last stable offset (LSO) is the lowest of those, else the high watermark.
//! COMMIT/ABORT markers (`append_marker`) close them; aborted ones go to an index of
//! (producer id, first offset, last offset) that read_committed fetches return, trimmed as
//! the log start moves past them.

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};

use crate::protocol::Millis;

use crate::record::{self, BatchHeader, TimestampType};

use super::producer_state::{BatchMetadata, ProducerState};

/// A batch as stored: its parsed header (after rewriting) and its bytes.
#[derive(Debug, Clone)]
pub struct StoredBatch {
    pub header: BatchHeader,
    pub bytes: Bytes,
    /// Broker time when the batch was appended.
    pub append_time: Millis,
}

/// (offset, timestamp) of the first record of `batch` whose timestamp satisfies `pred`.
fn first_record(batch: &StoredBatch, pred: impl Fn(i64) -> bool) -> (i64, i64) {
    let fallback = (batch.base_offset(), batch.effective_max_timestamp());
    let decoded = record::Batch { header: batch.header, bytes: batch.bytes.clone() };
    let Ok(records) = decoded.records() else { return fallback };
    for r in records {
        match r {
            Ok(r) if pred(r.timestamp) => return (r.offset, r.timestamp),
            Ok(_) => {}
            Err(_) => break,
        }
    }
    fallback
}

impl StoredBatch {
    pub fn base_offset(&self) -> i64 {
        self.header.base_offset
    }

    pub fn last_offset(&self) -> i64 {
        self.header.last_offset()
    }

    /// The timestamp retention and ListOffsets go by: the batch's max timestamp, or
    /// its append time when the producer gave none.
    pub fn effective_max_timestamp(&self) -> i64 {
        if self.header.max_timestamp >= 0 {
            self.header.max_timestamp
        } else {
            self.append_time
        }
    }
}

/// What an append assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendInfo {
    pub base_offset: i64,
    /// `now` for LogAppendTime topics, -1 for CreateTime.
    pub log_append_time_ms: i64,
}

/// A contiguous run of whole batches chosen for a fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selection {
    start: usize,
    end: usize,
    /// Total bytes of the selected batches.
    pub bytes: usize,
}

/// An aborted transaction in this partition: its producer, first data offset and marker offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbortedTxn {
    pub producer_id: i64,
    pub first_offset: i64,
    pub last_offset: i64,
}

#[derive(Debug, Clone, Default)]
pub struct PartitionLog {
    batches: VecDeque<StoredBatch>,
    log_start_offset: i64,
    log_end_offset: i64,
    size_bytes: usize,
    /// Idempotent producers' recent batches; survives retention and DeleteRecords.
    producers: ProducerState,
    /// Aborted transactions in marker order (so by last offset).
    aborted: VecDeque<AbortedTxn>,
}

impl PartitionLog {
    pub fn new() -> PartitionLog {
        PartitionLog::default()
    }

    pub fn log_start_offset(&self) -> i64 {
        self.log_start_offset
    }

    /// Single broker, one replica: everything appended is replicated at once.
    pub fn high_watermark(&self) -> i64 {
        self.log_end_offset
    }

    /// The first offset of the oldest open transaction, else the high watermark.
    pub fn last_stable_offset(&self) -> i64 {
        let hw = self.high_watermark();
        self.producers.first_unstable_offset().map_or(hw, |o| o.min(hw))
    }

    /// The aborted transactions a read_committed fetch of `[start, end)` must list: those
    /// ending at or after `start` and beginning before `end`.
    pub fn aborted_between(&self, start: i64, end: i64) -> Vec<AbortedTxn> {
        let from = self.aborted.partition_point(|a| a.last_offset < start);
        self.aborted.range(from..).filter(|a| a.first_offset < end).copied().collect()
    }

    /// Every aborted transaction still indexed.
    pub fn aborted_txns(&self) -> impl Iterator<Item = &AbortedTxn> {
        self.aborted.iter()
    }

    /// Appends a COMMIT or ABORT control batch for `producer_id` at `epoch`, which ends the
    /// producer's transaction here; an abort is indexed.
    pub(crate) fn append_marker(&mut self, producer_id: i64, epoch: i16, commit: bool, now: Millis) -> AppendInfo {
        let kind = if commit { record::ControlType::Commit } else { record::ControlType::Abort };
        let batch = record::build_control_batch(kind, producer_id, epoch, 0, now);
        let info = self.append(&batch, TimestampType::CreateTime, now);
        let first_offset = self.producers.end_txn(producer_id, epoch, info.base_offset, now);
        if !commit {
            self.aborted.push_back(AbortedTxn { producer_id, first_offset, last_offset: info.base_offset });
        }
        info
    }

    /// Drops indexed aborted transactions that ended before the log start.
    fn trim_aborted(&mut self) {
        while self.aborted.front().is_some_and(|a| a.last_offset < self.log_start_offset) {
            self.aborted.pop_front();
        }
    }

    /// The offset the next appended record gets.
    pub fn log_end_offset(&self) -> i64 {
        self.log_end_offset
    }

    /// Bytes of all stored batches.
    pub fn size_bytes(&self) -> usize {
        self.size_bytes
    }

    pub fn producer_state(&self) -> &ProducerState {
        &self.producers
    }

    pub fn batches(&self) -> impl Iterator<Item = &StoredBatch> {
        self.batches.iter()
    }

    /// The batches holding offsets at or after `offset`, in order (found by binary search, so a
    /// reader following a long log's end pays for the new batches only).
    pub fn batches_from(&self, offset: i64) -> impl Iterator<Item = &StoredBatch> {
        let first = self.batches.partition_point(|b| b.last_offset() < offset);
        self.batches.range(first..)
    }

    /// Appends one validated batch: assigns offsets from the log end, stamps the
    /// leader epoch and, for LogAppendTime topics, `now` (which recomputes the CRC).
    /// Callers check the batch first (validation, size, `producer_state().check`); a batch
    /// with a producer id is remembered in the producer state.
    pub(crate) fn append(&mut self, batch: &[u8], timestamp_type: TimestampType, now: Millis) -> AppendInfo {
        // One copy: request buffers are shared and read-only, the stored batch is rewritten.
        let mut buf = BytesMut::from(batch);
        let base_offset = self.log_end_offset;
        record::set_base_offset(&mut buf, base_offset);
        record::set_partition_leader_epoch(&mut buf, super::LEADER_EPOCH);
        let log_append_time_ms = match timestamp_type {
            TimestampType::LogAppendTime => {
                record::set_log_append_time(&mut buf, now);
                now
            }
            TimestampType::CreateTime => -1,
        };
        let bytes = buf.freeze();
        // The rewrites keep the header well formed; parse cannot fail on a validated batch.
        let header = match BatchHeader::parse(&bytes) {
            Ok(h) => h,
            Err(_) => return AppendInfo { base_offset, log_append_time_ms },
        };
        self.log_end_offset = header.last_offset() + 1;
        self.size_bytes += bytes.len();
        if header.has_producer_id() && !header.is_control() {
            let meta = BatchMetadata {
                first_seq: header.base_sequence,
                last_seq: header.last_sequence(),
                first_offset: base_offset,
                last_offset: header.last_offset(),
                timestamp: header.max_timestamp,
            };
            self.producers.record(header.producer_id, header.producer_epoch, meta, now);
            if header.is_transactional() {
                self.producers.begin_txn(header.producer_id, base_offset);
            }
        }
        self.batches.push_back(StoredBatch { header, bytes, append_time: now });
        AppendInfo { base_offset, log_append_time_ms }
    }

    /// Index of the first batch whose last offset is >= `offset` (the batch holding it, or
    /// the next one); `batches.len()` when there is none.
    fn index_from(&self, offset: i64) -> usize {
        self.batches.partition_point(|b| b.last_offset() < offset)
    }

    /// The batch holding `offset`, if stored.
    pub fn batch_at(&self, offset: i64) -> Option<&StoredBatch> {
        self.batches.get(self.index_from(offset)).filter(|b| b.base_offset() <= offset)
    }

    /// Chooses whole batches from the one holding `offset`, while they fit in `max_bytes`;
    /// with `min_one`, the first batch is taken even if larger (KIP-74).
    /// `offset` must be within [log start, log end].
    pub fn select(&self, offset: i64, max_bytes: usize, min_one: bool) -> Selection {
        self.select_below(offset, max_bytes, min_one, i64::MAX)
    }

    /// `select`, taking only batches that begin below `limit` (a read_committed fetch stops at
    /// the LSO, which is always a batch boundary).
    pub fn select_below(&self, offset: i64, max_bytes: usize, min_one: bool, limit: i64) -> Selection {
        let start = self.index_from(offset);
        let mut end = start;
        let mut bytes = 0usize;
        while let Some(b) = self.batches.get(end).filter(|b| b.base_offset() < limit) {
            let len = b.bytes.len();
            if bytes + len > max_bytes && !(min_one && end == start) {
                break;
            }
            bytes += len;
            end += 1;
        }
        Selection { start, end, bytes }
    }

    /// The offset after the last batch of a selection (`from` when it is empty).
    pub fn selection_end(&self, sel: Selection, from: i64) -> i64 {
        match sel.end.checked_sub(1).filter(|_| sel.end > sel.start) {
            Some(last) => self.batches[last].last_offset() + 1,
            None => from,
        }
    }

    /// The bytes of a selection: the stored batch itself (zero-copy) when it is one,
    /// else one buffer holding them all.
    pub fn read(&self, sel: Selection) -> Bytes {
        match sel.end.saturating_sub(sel.start) {
            0 => Bytes::new(),
            1 => self.batches[sel.start].bytes.clone(),
            _ => {
                let mut out = BytesMut::with_capacity(sel.bytes);
                for b in self.batches.range(sel.start..sel.end) {
                    out.extend_from_slice(&b.bytes);
                }
                out.freeze()
            }
        }
    }

    /// The first batch with a timestamp >= `timestamp` (ListOffsets by time).
    /// A linear scan: max timestamps are not monotonic under CreateTime.
    pub fn first_batch_from_timestamp(&self, timestamp: i64) -> Option<&StoredBatch> {
        self.batches.iter().find(|b| b.effective_max_timestamp() >= timestamp)
    }

    /// The first batch holding the largest timestamp (ListOffsets -3).
    pub fn max_timestamp_batch(&self) -> Option<&StoredBatch> {
        let mut best: Option<&StoredBatch> = None;
        for b in &self.batches {
            if best.is_none_or(|x| b.effective_max_timestamp() > x.effective_max_timestamp()) {
                best = Some(b);
            }
        }
        best
    }

    /// The first record of `batch` whose timestamp is >= `timestamp`: (offset, its timestamp).
    /// Decodes that one batch (decompressing it if need be); if it cannot be decoded, answers
    /// with the batch's base offset and max timestamp, as Kafka did before KIP-734.
    pub fn offset_for_timestamp(&self, batch: &StoredBatch, timestamp: i64) -> (i64, i64) {
        first_record(batch, |ts| ts >= timestamp)
    }

    /// The first record of `batch` holding the batch's max timestamp: (offset, timestamp).
    pub fn offset_of_max_timestamp(&self, batch: &StoredBatch) -> (i64, i64) {
        let max = batch.header.max_timestamp;
        first_record(batch, |ts| ts >= max)
    }

    /// Deletes whole batches from the front by age and size; returns true when the log
    /// start moved. Kafka's rules per segment, applied per batch: by time, delete while
    /// the batch's max timestamp is older than `now - retention_ms`; by size, delete
    /// while what remains after deleting is still at least `retention_bytes`. The last
    /// batch always stays.
    pub(crate) fn enforce_retention(&mut self, now: Millis, retention_ms: i64, retention_bytes: i64) -> bool {
        let mut deleted = false;
        while self.batches.len() > 1 {
            let front = &self.batches[0];
            let expired = retention_ms >= 0 && now.saturating_sub(front.effective_max_timestamp()) > retention_ms;
            let oversized =
                retention_bytes >= 0 && (self.size_bytes - front.bytes.len()) as u64 >= retention_bytes as u64;
            if !(expired || oversized) {
                break;
            }
            self.pop_front();
            deleted = true;
        }
        if deleted {
            if let Some(first) = self.batches.front() {
                self.log_start_offset = self.log_start_offset.max(first.base_offset());
            }
            self.trim_aborted();
        }
        deleted
    }

    fn pop_front(&mut self) {
        if let Some(b) = self.batches.pop_front() {
            self.size_bytes -= b.bytes.len();
        }
    }

    /// Moves the log start offset forward to `offset` (at most the high watermark), dropping
    /// batches that end before it (DeleteRecords). Returns false when `offset` is out of range.
    pub fn advance_log_start_offset(&mut self, offset: i64) -> bool {
        if offset > self.high_watermark() || offset < 0 {
            return false;
        }
        if offset <= self.log_start_offset {
            return true;
        }
        while self.batches.front().is_some_and(|b| b.last_offset() < offset) {
            self.pop_front();
        }
        self.log_start_offset = offset;
        self.trim_aborted();
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{BatchBuilder, Compression};

    fn log_of(batches: &[usize]) -> PartitionLog {
        let mut log = PartitionLog::new();
        for (i, n) in batches.iter().enumerate() {
            let mut b = BatchBuilder::new(Compression::None, i as i64);
            for _ in 0..*n {
                b.append(i as i64, None, Some(b"value"), &[]);
            }
            log.append(&b.finish(-1, -1, -1, false), TimestampType::CreateTime, 0);
        }
        log
    }

    #[test]
    fn batch_lookup_by_offset() {
        let log = log_of(&[3, 1, 4]); // offsets 0-2, 3, 4-7
        assert_eq!(log.batch_at(0).unwrap().base_offset(), 0);
        assert_eq!(log.batch_at(2).unwrap().base_offset(), 0);
        assert_eq!(log.batch_at(3).unwrap().base_offset(), 3);
        assert_eq!(log.batch_at(7).unwrap().base_offset(), 4);
        assert!(log.batch_at(8).is_none());
        assert!(log.batch_at(-1).is_none());
        let all = log.select(1, usize::MAX, false);
        assert_eq!(all.bytes, log.size_bytes());
        assert_eq!(log.select(8, usize::MAX, true).bytes, 0);
    }

    #[test]
    fn log_start_moves_forward_only() {
        let mut log = log_of(&[3, 1, 4]);
        assert!(log.advance_log_start_offset(4));
        assert_eq!((log.log_start_offset(), log.batches().count()), (4, 1));
        assert!(log.advance_log_start_offset(2), "backwards is a no-op");
        assert_eq!(log.log_start_offset(), 4);
        assert!(!log.advance_log_start_offset(9), "beyond the high watermark");
        assert!(log.advance_log_start_offset(8));
        assert_eq!((log.log_start_offset(), log.batches().count(), log.size_bytes()), (8, 0, 0));
    }
}
