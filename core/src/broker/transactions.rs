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
use crate::txn::{Init, Markers, TxnMetadata, TxnState};

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
        let before = self.txn.get(id).map(|m| (m.producer_id, m.producer_epoch));
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
                    self.notes.add(now, "epoch-bump", None, || match before {
                        None => format!("transactional id {id}: new producer id {pid} epoch {epoch}"),
                        Some((p, e)) if p == pid && e == epoch => {
                            format!(
                                "transactional id {id}: producer {pid} epoch {epoch} again (a retried InitProducerId)"
                            )
                        }
                        Some((p, e)) if p == pid => format!(
                            "transactional id {id}: producer {pid} epoch {e} → {epoch}; the older epoch is fenced"
                        ),
                        Some((p, e)) => format!(
                            "transactional id {id}: epoch {e} of producer {p} exhausted, new producer id {pid} epoch \
                             {epoch}"
                        ),
                    });
                    return Ok((pid, epoch));
                }
                Ok(Init::AbortFirst(markers)) => {
                    let (pid, epoch) = (markers.producer_id, markers.producer_epoch);
                    self.notes.add(now, "producer-fenced", Some("fenced"), || {
                        format!(
                            "transactional id {id}: a new InitProducerId fences producer {pid} epoch {} and aborts its \
                             open transaction",
                            epoch.saturating_sub(1)
                        )
                    });
                    self.write_markers(&markers, now)
                }
                Err(code) => {
                    self.flush_txn_log(now);
                    let current = self.txn.get(id).map(|m| (m.producer_id, m.producer_epoch, m.state));
                    let anomaly = (code == ErrorCode::PRODUCER_FENCED).then_some("fenced");
                    self.notes.add(now, "txn-rejected", anomaly, || {
                        let (p, e, st) =
                            current.map_or((-1, -1, "unknown".to_string()), |(p, e, s)| (p, e, format!("{s:?}")));
                        let asked = expected.map_or(String::new(), |(ep, ee)| format!(" for producer {ep} epoch {ee}"));
                        format!("InitProducerId of {id}{asked} refused: {} (producer {p} epoch {e}, {st})", code.name())
                    });
                    return Err(code);
                }
            }
        }
        Err(ErrorCode::CONCURRENT_TRANSACTIONS)
    }

    /// Writes a transaction's markers (a control batch per data partition still there, the
    /// group link for each group), completes the transaction and logs it.
    pub(crate) fn write_markers(&mut self, m: &Markers, now: Millis) {
        let kind = if m.commit { "COMMIT" } else { "ABORT" };
        for (topic, partition) in &m.partitions {
            let log = self.topics.get_mut(topic.as_str()).and_then(|t| t.partition_mut(*partition));
            if let Some(log) = log {
                let on = self.notes.is_enabled();
                let lso = if on { log.last_stable_offset() } else { 0 };
                let info = log.append_marker(m.producer_id, m.producer_epoch, m.commit, now);
                let lso_after = if on { log.last_stable_offset() } else { 0 };
                self.parked_dirty = true;
                let (pid, epoch) = (m.producer_id, m.producer_epoch);
                self.notes.add(now, "txn-marker", None, || {
                    format!(
                        "{kind} marker for producer {pid} epoch {epoch} at {topic}-{partition} @{}",
                        info.base_offset
                    )
                });
                if lso_after != lso {
                    self.notes
                        .add(now, "lso-advanced", None, || format!("{topic}-{partition} LSO {lso} → {lso_after}"));
                }
            }
        }
        for group in &m.groups {
            self.groups_txn_marker(group, m.producer_id, m.commit, now);
        }
        self.txn.complete(&m.transactional_id, now);
        self.flush_txn_log(now);
        let (id, pid) = (&m.transactional_id, m.producer_id);
        let done = if m.commit { "committed" } else { "aborted" };
        self.notes.add(now, "txn-complete", None, || format!("{id} (producer {pid}) transaction {done}"));
    }

    /// A copy of `id`'s transaction state for a note comparing before and after (None when notes are off).
    pub(crate) fn txn_snapshot(&self, id: &str) -> Option<TxnMetadata> {
        if self.notes.is_enabled() {
            self.txn.get(id).cloned()
        } else {
            None
        }
    }

    /// Notes what AddPartitionsToTxn / AddOffsetsToTxn did: a transaction begun, partitions or
    /// groups added, or the error.
    pub(crate) fn note_txn_add(
        &mut self,
        id: &str,
        api: &str,
        before: Option<TxnMetadata>,
        result: &Result<(), ErrorCode>,
        now: Millis,
    ) {
        if !self.notes.is_enabled() {
            return;
        }
        let Some(after) = self.txn.get(id) else { return };
        let (pid, epoch) = (after.producer_id, after.producer_epoch);
        if let Err(code) = result {
            let anomaly = (*code == ErrorCode::PRODUCER_FENCED).then_some("fenced");
            let text =
                format!("{api} of {id} refused: {} (producer {pid} epoch {epoch}, {:?})", code.name(), after.state);
            self.notes.add(now, "txn-rejected", anomaly, || text);
            return;
        }
        let began = before.as_ref().is_none_or(|b| b.state != TxnState::Ongoing);
        let old = |p: &(String, i32), groups: bool| {
            !began
                && before.as_ref().is_some_and(|b| if groups { b.groups.contains(p) } else { b.partitions.contains(p) })
        };
        let mut added: Vec<String> =
            after.partitions.iter().filter(|p| !old(p, false)).map(|(t, p)| format!("{t}-{p}")).collect();
        added.extend(after.groups.iter().filter(|g| !old(g, true)).map(|(g, _)| format!("offsets of group {g}")));
        if began {
            let text = format!("{id} (producer {pid} epoch {epoch}) begins a transaction with {}", added.join(", "));
            self.notes.add(now, "txn-begin", None, || text);
        } else if !added.is_empty() {
            let text = format!("{id} adds {} to its transaction", added.join(", "));
            self.notes.add(now, "txn-partition-added", None, || text);
        }
    }

    /// Aborts (with an epoch bump) every transaction past its timeout.
    pub(crate) fn abort_expired_transactions(&mut self, now: Millis) {
        for markers in self.txn.abort_expired(now) {
            let m = &markers;
            let timeout = self.txn.get(&m.transactional_id).map_or(0, |t| t.timeout_ms);
            self.notes.add(now, "txn-timeout", Some("aborted"), || {
                format!(
                    "{} (producer {}) open longer than its timeout {timeout} ms: aborted, epoch {} → {}",
                    m.transactional_id,
                    m.producer_id,
                    m.producer_epoch.saturating_sub(1),
                    m.producer_epoch
                )
            });
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
