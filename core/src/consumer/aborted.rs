//! Aborted transactions under `isolation.level=read_committed`, as Kafka's Java consumer
//! filters them: a Fetch response lists the aborted transactions overlapping its records
//! (producer id, first offset). Walking the batches in offset order, a producer joins the
//! aborted set when the walk reaches its transaction's first offset and leaves it at its ABORT
//! marker; a transactional batch of a producer in the set is skipped whole. The broker
//! already stops read_committed fetches at the last stable offset, so only aborted data is
//! left to remove.

use std::collections::{HashSet, VecDeque};

use kafka_protocol::messages::fetch_response::AbortedTransaction;

use crate::record::{Batch, ControlType};

#[derive(Debug, Default, Clone)]
pub(super) struct AbortedTransactions {
    /// `(first_offset, producer_id)`, ascending by first offset, not reached yet.
    pending: VecDeque<(i64, i64)>,
    /// Producers whose current transaction is aborted.
    producers: HashSet<i64>,
}

impl AbortedTransactions {
    pub(super) fn new(list: &[AbortedTransaction]) -> Self {
        let mut pending: Vec<(i64, i64)> = list.iter().map(|a| (a.first_offset, a.producer_id.0)).collect();
        pending.sort_unstable();
        AbortedTransactions { pending: pending.into(), producers: HashSet::new() }
    }

    /// Whether `batch` belongs to an aborted transaction and must be skipped. Called for every
    /// batch in offset order (also those before the position, so abort markers are seen).
    pub(super) fn skips(&mut self, batch: &Batch) -> bool {
        let h = &batch.header;
        if !h.has_producer_id() {
            return false;
        }
        while let Some(&(first, producer)) = self.pending.front() {
            if first > h.last_offset() {
                break;
            }
            self.producers.insert(producer);
            self.pending.pop_front();
        }
        if h.is_control() {
            if batch.control_type() == Some(ControlType::Abort) {
                self.producers.remove(&h.producer_id);
            }
            return false;
        }
        h.is_transactional() && self.producers.contains(&h.producer_id)
    }
}
