//! Read-only views of the producer's inner state for tools that draw it (the playground's
//! producer inspector): each partition's sequence numbers and queue, and the batches whose
//! Produce request awaits a response (a batch whose acknowledgement was lost stays here
//! until its request times out).

use std::sync::Arc;

use super::Producer;
use crate::protocol::Millis;

/// One partition the producer has written to or queued for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionInspect {
    pub topic: Arc<str>,
    pub partition: i32,
    /// The base sequence the next new batch gets (idempotence), `None` without idempotence.
    pub next_sequence: Option<i32>,
    /// The sequence the broker should accept next (after the last acknowledged batch).
    pub acked_sequence: Option<i32>,
    /// Sealed batches waiting to be sent (retries included).
    pub queued_batches: usize,
    /// Batches of this partition in requests awaiting a response.
    pub in_flight_batches: u32,
}

/// A batch in a Produce request awaiting its response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InFlightBatch {
    pub topic: Arc<str>,
    pub partition: i32,
    pub correlation_id: i32,
    /// The batch's base sequence (idempotence), `None` without idempotence.
    pub base_sequence: Option<i32>,
    pub records: u32,
    /// Times the batch was transmitted, this one included.
    pub attempts: u32,
    /// When the request times out if no response comes.
    pub deadline: Millis,
}

impl Producer {
    /// Every partition with a queue in the producer, in topic then partition order.
    pub fn partitions_inspect(&self) -> Vec<PartitionInspect> {
        let idempotent = self.idem.is_some();
        let mut out = Vec::new();
        for t in &self.acc.topics {
            for (p, q) in t.partitions.iter().enumerate() {
                out.push(PartitionInspect {
                    topic: t.name.clone(),
                    partition: p as i32,
                    next_sequence: idempotent.then_some(q.seq.next),
                    acked_sequence: idempotent.then_some(q.seq.acked_next),
                    queued_batches: q.sealed.len(),
                    in_flight_batches: q.in_flight,
                });
            }
        }
        out.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
        out
    }

    /// The batches of every Produce request awaiting a response, oldest request first.
    pub fn in_flight_batches(&self) -> Vec<InFlightBatch> {
        let mut requests: Vec<_> = self.in_flight.iter().collect();
        requests.sort_by_key(|r| r.seq);
        requests
            .into_iter()
            .flat_map(|r| {
                r.batches.iter().map(move |(t, p, b)| InFlightBatch {
                    topic: self.acc.topics[*t as usize].name.clone(),
                    partition: *p,
                    correlation_id: r.correlation_id,
                    base_sequence: b.sequence,
                    records: b.records,
                    attempts: b.attempts,
                    deadline: r.deadline,
                })
            })
            .collect()
    }
}
