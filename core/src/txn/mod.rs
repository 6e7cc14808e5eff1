//! The transaction coordinator (KIP-98): every transactional id's producer id, epoch and
//! transaction state, as a sans-IO state machine. The broker feeds it requests and the time,
//! writes the markers it asks for, and appends the state records it emits to
//! `__transaction_state` (`drain_log`).
//!
//! Ending a transaction is two steps, as in Kafka: `end_txn` (or a timeout, or a fencing
//! InitProducerId) moves it to PrepareCommit / PrepareAbort and returns the `Markers` to write;
//! once written, `complete` moves it to CompleteCommit / CompleteAbort. Each state change emits
//! one log record. Semantics follow Kafka's `TransactionCoordinator` (transaction version 1:
//! partitions are added explicitly, markers carry the producer's epoch).

pub mod log;
pub mod state;

use std::collections::BTreeMap;

use bytes::Bytes;

use crate::error::ErrorCode;
use crate::protocol::Millis;

pub use state::{TxnMetadata, TxnState, NO_PRODUCER_EPOCH, NO_PRODUCER_ID};

/// What the broker must write to end a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Markers {
    pub transactional_id: String,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub commit: bool,
    /// Data partitions: a COMMIT/ABORT control batch each.
    pub partitions: Vec<(String, i32)>,
    /// Groups whose pending transactional offsets commit or abort.
    pub groups: Vec<String>,
}

/// The answer to InitProducerId.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Init {
    /// The producer id and epoch to hand out.
    Ready(i64, i16),
    /// The id has an ongoing transaction: it was fenced (epoch bumped) and must be aborted
    /// first. Write the markers, `complete`, then ask again.
    AbortFirst(Markers),
}

/// The answer to EndTxn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// Write these markers, then `complete`.
    Write(Markers),
    /// A retry of an EndTxn already completed: success, nothing to do.
    AlreadyDone,
}

/// A state record for `__transaction_state`: (transactional id, key, value).
pub type LogRecord = (String, Bytes, Bytes);

#[derive(Debug, Default, Clone)]
pub struct TxnCoordinator {
    txns: BTreeMap<String, TxnMetadata>,
    pending_log: Vec<LogRecord>,
}

impl TxnCoordinator {
    pub fn new() -> TxnCoordinator {
        TxnCoordinator::default()
    }

    pub fn get(&self, transactional_id: &str) -> Option<&TxnMetadata> {
        self.txns.get(transactional_id)
    }

    /// Every transactional id's state, in id order (for inspection).
    pub fn iter(&self) -> impl Iterator<Item = &TxnMetadata> {
        self.txns.values()
    }

    pub fn len(&self) -> usize {
        self.txns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.txns.is_empty()
    }

    /// State records emitted since the last call, oldest first.
    pub fn drain_log(&mut self) -> Vec<LogRecord> {
        std::mem::take(&mut self.pending_log)
    }

    fn logged(&mut self, id: &str) {
        if let Some(m) = self.txns.get(id) {
            self.pending_log.push((id.to_string(), log::key(id), log::value(m)));
        }
    }

    /// InitProducerId for a transactional id (Kafka's `handleInitProducerId`). `expected` is the
    /// producer id and epoch a v3+ client sends (KIP-360), None when absent (-1). `new_pid`
    /// allocates a producer id. The caller validated the timeout.
    pub fn init_producer_id(
        &mut self,
        id: &str,
        timeout_ms: i32,
        expected: Option<(i64, i16)>,
        new_pid: &mut dyn FnMut() -> i64,
        now: Millis,
    ) -> Result<Init, ErrorCode> {
        let Some(m) = self.txns.get_mut(id) else {
            let mut m = TxnMetadata::new(id, new_pid(), timeout_ms, now);
            m.producer_epoch = 0;
            let ready = Init::Ready(m.producer_id, 0);
            self.txns.insert(id.to_string(), m);
            self.logged(id);
            return Ok(ready);
        };
        if let Some((pid, epoch)) = expected {
            // Kafka's isValidProducerId: the current id, or the previous one after a rotation.
            let valid = m.producer_epoch == NO_PRODUCER_EPOCH
                || pid == m.producer_id
                || (pid == m.previous_producer_id && epoch == m.last_producer_epoch);
            if !valid {
                return Err(ErrorCode::PRODUCER_FENCED);
            }
        }
        match m.state {
            TxnState::PrepareCommit | TxnState::PrepareAbort => Err(ErrorCode::CONCURRENT_TRANSACTIONS),
            // Ids are not expired yet, so never Dead; Kafka answers a Dead id like a busy one.
            TxnState::Dead => Err(ErrorCode::CONCURRENT_TRANSACTIONS),
            TxnState::Ongoing => {
                let markers = self.fence_and_abort(id, now).ok_or(ErrorCode::CONCURRENT_TRANSACTIONS)?;
                Ok(Init::AbortFirst(markers))
            }
            TxnState::Empty | TxnState::CompleteCommit | TxnState::CompleteAbort => {
                if m.epoch_exhausted() && expected.is_none_or(|(_, e)| e == m.producer_epoch) {
                    // A new producer id, epoch 0 (Kafka's prepareProducerIdRotation).
                    m.previous_producer_id = m.producer_id;
                    m.last_producer_epoch = m.producer_epoch;
                    m.producer_id = new_pid();
                    m.producer_epoch = 0;
                } else {
                    match expected {
                        Some((pid, _)) if pid == m.previous_producer_id && pid != m.producer_id => {
                            // A retry of a rotation whose answer was lost: the current id.
                        }
                        Some((_, e)) if e != m.producer_epoch && e == m.last_producer_epoch => {
                            // A retry of a bump whose answer was lost: the current epoch.
                        }
                        Some((_, e)) if e != m.producer_epoch && m.producer_epoch != NO_PRODUCER_EPOCH => {
                            return Err(ErrorCode::PRODUCER_FENCED);
                        }
                        _ => {
                            m.last_producer_epoch = m.producer_epoch;
                            m.producer_epoch += 1;
                        }
                    }
                }
                m.timeout_ms = timeout_ms;
                // Kafka's prepareIncrementProducerEpoch moves to Empty: nothing is begun.
                m.become_state(TxnState::Empty, now);
                let ready = Init::Ready(m.producer_id, m.producer_epoch);
                self.logged(id);
                Ok(ready)
            }
        }
    }

    /// The checks every transactional request makes: the id is known, the producer id is its
    /// current one and the epoch is current (Kafka's order).
    fn check_producer(&self, id: &str, pid: i64, epoch: i16) -> Result<&TxnMetadata, ErrorCode> {
        let m = self.txns.get(id).ok_or(ErrorCode::INVALID_PRODUCER_ID_MAPPING)?;
        if m.producer_id != pid {
            return Err(ErrorCode::INVALID_PRODUCER_ID_MAPPING);
        }
        if m.producer_epoch != epoch {
            return Err(ErrorCode::PRODUCER_FENCED);
        }
        Ok(m)
    }

    /// The error AddPartitionsToTxn / AddOffsetsToTxn would answer now, if any.
    pub fn check_add(&self, id: &str, pid: i64, epoch: i16) -> Result<(), ErrorCode> {
        let m = self.check_producer(id, pid, epoch)?;
        if m.state.is_preparing() {
            return Err(ErrorCode::CONCURRENT_TRANSACTIONS);
        }
        if m.state == TxnState::Dead {
            return Err(ErrorCode::INVALID_TXN_STATE);
        }
        Ok(())
    }

    /// AddPartitionsToTxn (and the partition of AddOffsetsToTxn): starts the transaction if none
    /// is ongoing. Adding only partitions already in it changes nothing and logs nothing.
    pub fn add_partitions(
        &mut self,
        id: &str,
        pid: i64,
        epoch: i16,
        partitions: &[(String, i32)],
        now: Millis,
    ) -> Result<(), ErrorCode> {
        self.add(id, pid, epoch, partitions, None, now)
    }

    /// AddOffsetsToTxn: the group (and its `__consumer_offsets` partition) joins the transaction.
    pub fn add_group(
        &mut self,
        id: &str,
        pid: i64,
        epoch: i16,
        group: &str,
        offsets_partition: i32,
        now: Millis,
    ) -> Result<(), ErrorCode> {
        self.add(id, pid, epoch, &[], Some((group.to_string(), offsets_partition)), now)
    }

    fn add(
        &mut self,
        id: &str,
        pid: i64,
        epoch: i16,
        partitions: &[(String, i32)],
        group: Option<(String, i32)>,
        now: Millis,
    ) -> Result<(), ErrorCode> {
        self.check_add(id, pid, epoch)?;
        let Some(m) = self.txns.get_mut(id) else { return Err(ErrorCode::INVALID_PRODUCER_ID_MAPPING) };
        let known = m.state == TxnState::Ongoing
            && partitions.iter().all(|p| m.partitions.contains(p))
            && group.as_ref().is_none_or(|g| m.groups.contains(g));
        if known {
            return Ok(());
        }
        m.become_state(TxnState::Ongoing, now);
        m.partitions.extend(partitions.iter().cloned());
        m.groups.extend(group);
        self.logged(id);
        Ok(())
    }

    /// Whether `topic`-`partition` is in the ongoing transaction of `id` at this producer id and
    /// epoch (Kafka 4's transaction verification before a transactional append).
    pub fn verify(&self, id: &str, pid: i64, epoch: i16, topic: &str, partition: i32) -> Result<(), ErrorCode> {
        let m = self.check_producer(id, pid, epoch)?;
        if m.state.is_preparing() {
            return Err(ErrorCode::CONCURRENT_TRANSACTIONS);
        }
        let added = m.state == TxnState::Ongoing && m.partitions.contains(&(topic.to_string(), partition));
        if added {
            Ok(())
        } else {
            Err(ErrorCode::INVALID_TXN_STATE)
        }
    }

    /// EndTxn (Kafka's `endTransaction` from a client).
    pub fn end_txn(&mut self, id: &str, pid: i64, epoch: i16, commit: bool, now: Millis) -> Result<End, ErrorCode> {
        let m = self.check_producer(id, pid, epoch)?;
        use TxnState::*;
        match (m.state, commit) {
            (Ongoing, _) => {
                let markers = self.prepare_end(id, commit, now).ok_or(ErrorCode::INVALID_TXN_STATE)?;
                Ok(End::Write(markers))
            }
            (CompleteCommit, true) | (CompleteAbort, false) => Ok(End::AlreadyDone),
            (PrepareCommit, true) | (PrepareAbort, false) => Err(ErrorCode::CONCURRENT_TRANSACTIONS),
            _ => Err(ErrorCode::INVALID_TXN_STATE),
        }
    }

    /// Ongoing → PrepareCommit / PrepareAbort, logged; the markers to write.
    fn prepare_end(&mut self, id: &str, commit: bool, now: Millis) -> Option<Markers> {
        let m = self.txns.get_mut(id)?;
        if m.state != TxnState::Ongoing {
            return None;
        }
        let markers = Markers {
            transactional_id: id.to_string(),
            producer_id: m.producer_id,
            producer_epoch: m.producer_epoch,
            commit,
            partitions: m.partitions.iter().cloned().collect(),
            groups: m.groups.iter().map(|(g, _)| g.clone()).collect(),
        };
        m.become_state(if commit { TxnState::PrepareCommit } else { TxnState::PrepareAbort }, now);
        self.logged(id);
        Some(markers)
    }

    /// Bumps the epoch of an ongoing transaction (fencing its producer) and prepares its abort
    /// (Kafka's `prepareFenceProducerEpoch` then an abort not from the client). The markers
    /// carry the new epoch. With the epoch exhausted, the abort goes at the current epoch.
    fn fence_and_abort(&mut self, id: &str, now: Millis) -> Option<Markers> {
        let m = self.txns.get_mut(id)?;
        if m.state != TxnState::Ongoing {
            return None;
        }
        m.producer_epoch = m.producer_epoch.saturating_add(1);
        self.prepare_end(id, false, now)
    }

    /// The markers of `id` were written: PrepareX → CompleteX, logged.
    pub fn complete(&mut self, id: &str, now: Millis) {
        let Some(m) = self.txns.get_mut(id) else { return };
        let next = match m.state {
            TxnState::PrepareCommit => TxnState::CompleteCommit,
            TxnState::PrepareAbort => TxnState::CompleteAbort,
            _ => return,
        };
        m.become_state(next, now);
        self.logged(id);
    }

    /// The earliest time an ongoing transaction times out.
    pub fn next_deadline(&self) -> Option<Millis> {
        self.txns.values().filter_map(TxnMetadata::deadline).min()
    }

    /// Fences and prepares the abort of every transaction past its timeout; the markers to
    /// write (then `complete` each).
    pub fn abort_expired(&mut self, now: Millis) -> Vec<Markers> {
        let expired: Vec<String> = self
            .txns
            .values()
            .filter(|m| m.deadline().is_some_and(|d| d <= now))
            .map(|m| m.transactional_id.clone())
            .collect();
        expired.iter().filter_map(|id| self.fence_and_abort(id, now)).collect()
    }
}

#[cfg(test)]
mod tests;
