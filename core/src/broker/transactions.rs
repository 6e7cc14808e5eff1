//! The broker's side of the transaction coordinator: writing COMMIT/ABORT markers into the
//! partitions of a transaction, appending the coordinator's state records to
//! `__transaction_state` (created on first use, 50 partitions, a transactional id's records in its
//! coordinator partition), and aborting transactions past their timeout.
//!
//! Markers are written synchronously (one process): the transaction goes PrepareX → markers →
//! CompleteX inside the request that ended it, each state logged.

use crate::error::ErrorCode;
use crate::protocol::Millis;
use crate::record::{BatchBuilder, Compression, TimestampType};
use crate::txn::log::TRANSACTION_STATE_TOPIC;
use crate::txn::{Init, Markers};

use super::coordinator::{coordinator_partition, COORDINATOR_PARTITIONS};
use super::{Broker, TopicConfig};

impl Broker {
    /// The transaction coordinator's state, for inspection.
    pub fn transactions(&self) -> &crate::txn::TxnCoordinator {
        &self.txn
    }

    /// InitProducerId for a transactional id: an ongoing transaction is aborted (its producer
    /// fenced) and then the epoch bumped, all in this call.
    pub(crate) fn init_transactional(
        &mut self,
        id: &str,
        timeout_ms: i32,
        expected: Option<(i64, i16)>,
        now: Millis,
    ) -> Result<(i64, i16), ErrorCode> {
        // An abort can be needed once at most: after it the state is CompleteAbort.
        for _ in 0..2 {
            let next = &mut self.next_producer_id;
            let mut alloc = || {
                let id = *next;
                *next += 1;
                id
            };
            let outcome = self.txn.init_producer_id(id, timeout_ms, expected, &mut alloc, now);
            match outcome {
                Ok(Init::Ready(pid, epoch)) => {
                    self.flush_txn_log(now);
                    return Ok((pid, epoch));
                }
                Ok(Init::AbortFirst(markers)) => self.write_markers(&markers, now),
                Err(code) => {
                    self.flush_txn_log(now);
                    return Err(code);
                }
            }
        }
        Err(ErrorCode::CONCURRENT_TRANSACTIONS)
    }

    /// Writes a transaction's markers (a control batch per data partition still there, the
    /// group link for each group), completes the transaction and logs it.
    pub(crate) fn write_markers(&mut self, m: &Markers, now: Millis) {
        for (topic, partition) in &m.partitions {
            let log = self.topics.get_mut(topic.as_str()).and_then(|t| t.partition_mut(*partition));
            if let Some(log) = log {
                log.append_marker(m.producer_id, m.producer_epoch, m.commit, now);
                self.parked_dirty = true;
            }
        }
        for group in &m.groups {
            self.groups_txn_marker(group, m.producer_id, m.commit, now);
        }
        self.txn.complete(&m.transactional_id, now);
        self.flush_txn_log(now);
    }

    /// Aborts (with an epoch bump) every transaction past its timeout.
    pub(crate) fn abort_expired_transactions(&mut self, now: Millis) {
        for markers in self.txn.abort_expired(now) {
            self.write_markers(&markers, now);
        }
        self.flush_txn_log(now);
    }

    /// Appends the coordinator's pending state records to `__transaction_state`.
    pub(crate) fn flush_txn_log(&mut self, now: Millis) {
        let records = self.txn.drain_log();
        if records.is_empty() {
            return;
        }
        if !self.topics.contains_key(TRANSACTION_STATE_TOPIC) {
            let config = TopicConfig::defaults(&self.config);
            self.create_topic(TRANSACTION_STATE_TOPIC, COORDINATOR_PARTITIONS, config);
        }
        for (id, key, value) in records {
            let partition = coordinator_partition(&id);
            let log = self.topics.get_mut(TRANSACTION_STATE_TOPIC).and_then(|t| t.partition_mut(partition));
            let Some(log) = log else { continue };
            let mut b = BatchBuilder::new(Compression::None, now);
            b.append(now, Some(&key), Some(&value), &[]);
            log.append(&b.finish(-1, -1, -1, false), TimestampType::CreateTime, now);
            self.parked_dirty = true;
        }
    }
}
