//! The idempotent producer's bookkeeping (KIP-98, KIP-360): the producer id and
//! epoch, per-partition sequence numbers, and when a batch may be (re)sent.
//!
//! - A batch gets its producer id, epoch and base sequence when it is first drained
//!   (`assign`: the header is rewritten and its CRC recomputed); a retry re-sends the
//!   very same bytes, so the broker recognises a copy it already stored.
//! - Up to `max.in.flight.requests.per.connection` (at most 5, the broker's duplicate
//!   window) batches of a partition may be in flight. A batch back for a retry is
//!   re-queued in order (`Accumulator::requeue`) and goes again only when it is next in
//!   sequence after what is in flight, or when nothing is (`may_send`): the batches after
//!   it, rejected with OUT_OF_ORDER_SEQUENCE_NUMBER meanwhile, follow in order.
//! - OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID for the batch the broker should
//!   take next means the broker lost the producer's state or a batch: as the Java client
//!   does for an idempotent producer, the producer bumps its epoch (InitProducerId with
//!   its id and epoch, v3+), which restarts every partition's sequences at 0. So does a
//!   batch that failed after it got a sequence (expired with `delivery.timeout.ms` while
//!   its outcome was unknown, or rejected): the sequences after it would never be accepted.

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::{InitProducerIdRequest, InitProducerIdResponse, ProducerId, TransactionalId};

use super::accumulator::SealedBatch;
use crate::error::{Error, ErrorCode};
use crate::protocol::{Millis, StrBytes};
use crate::record::{increment_sequence, BATCH_HEADER_LEN};

/// Offsets of the producer fields and the CRC in a batch header (record::header's layout).
const CRC_AT: usize = 17;
const ATTRIBUTES_AT: usize = 21;
const PRODUCER_ID_AT: usize = 43;
const PRODUCER_EPOCH_AT: usize = 51;
const BASE_SEQUENCE_AT: usize = 53;
const ATTR_TRANSACTIONAL: i16 = 0x10;

/// What the idempotent producer writes into each batch header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub producer_id: i64,
    pub epoch: i16,
    pub transactional: bool,
}

/// One partition's sequence numbers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PartitionSequences {
    /// The base sequence of the next new batch.
    pub next: i32,
    /// The sequence after the last batch sent (a retry may follow it while others are in flight).
    pub sent_next: i32,
    /// The sequence the broker should accept next (after the last acknowledged batch).
    pub acked_next: i32,
    /// Base sequences of the batches sent since the oldest one still unresolved, with
    /// whether each is resolved. The broker recognises a retry only among the last 5
    /// batches it stored, so no new batch goes while 5 are in this window: a batch whose
    /// response was lost is retried before 5 later ones are stored.
    window: VecDeque<(i32, bool)>,
    /// A batch of this producer id and epoch was acknowledged. Until then one batch goes at a
    /// time: the broker takes an unknown producer's first batch at any sequence (KIP-360), so a
    /// second batch accepted while the first is refused (Apache Kafka answers
    /// NOT_LEADER_OR_FOLLOWER to the first Produce of a topic just created) would be stored
    /// before it.
    acked_any: bool,
}

/// Batches a partition may have sent since its oldest unresolved one (Kafka's broker keeps 5).
const WINDOW: usize = crate::config::producer::MAX_IN_FLIGHT_FOR_IDEMPOTENCE;

/// Whether the queue's head batch may be sent now: a new batch always (it comes after
/// everything), a retried one only after what is in flight or when nothing is.
pub(crate) fn may_send(seq: &PartitionSequences, head: &SealedBatch, in_flight: u32) -> bool {
    match head.sequence {
        None => may_send_new(seq),
        Some(s) => in_flight == 0 || s == seq.sent_next,
    }
}

/// Whether a new batch may go: fewer than 5 sent since the oldest unresolved one, and the
/// partition's first batch of this producer id and epoch acknowledged (or none in flight).
pub(crate) fn may_send_new(seq: &PartitionSequences) -> bool {
    seq.window.len() < WINDOW && (seq.acked_any || seq.window.is_empty())
}

/// Stamps a batch at its first drain (a retried one keeps its sequence) and notes what was sent.
pub(crate) fn assign(seq: &mut PartitionSequences, batch: &mut SealedBatch, stamp: Stamp) {
    let base = match batch.sequence {
        Some(s) => s,
        None => {
            let s = seq.next;
            seq.next = increment_sequence(s, batch.records as i32);
            batch.bytes = stamped(std::mem::take(&mut batch.bytes), stamp, s);
            batch.sequence = Some(s);
            seq.window.push_back((s, false));
            s
        }
    };
    seq.sent_next = increment_sequence(base, batch.records as i32);
}

/// The batch acknowledged (or found a duplicate): the broker expects what follows it.
pub(crate) fn acked(seq: &mut PartitionSequences, batch: &SealedBatch) {
    if let Some(s) = batch.sequence {
        let end = increment_sequence(s, batch.records as i32);
        // Acks come in order on a connection; never move back if one did not.
        let ahead = (i64::from(end) - i64::from(seq.acked_next)).rem_euclid(1 << 31);
        if !seq.acked_any || (ahead > 0 && ahead < 1 << 30) {
            seq.acked_next = end;
        }
        seq.acked_any = true;
    }
    resolved(seq, batch);
}

/// The batch completed (delivered or failed): it leaves the window.
pub(crate) fn resolved(seq: &mut PartitionSequences, batch: &SealedBatch) {
    let Some(s) = batch.sequence else { return };
    if let Some(e) = seq.window.iter_mut().find(|e| e.0 == s) {
        e.1 = true;
    }
    while seq.window.front().is_some_and(|e| e.1) {
        seq.window.pop_front();
    }
}

/// True if the broker should have accepted this batch next: it follows the last acknowledged one.
pub(crate) fn is_next(seq: &PartitionSequences, batch: &SealedBatch) -> bool {
    batch.sequence.is_some() && batch.sequence == Some(seq.acked_next)
}

/// Writes producer id, epoch, base sequence (and the transactional bit) into a
/// finished batch and recomputes its CRC. In place when the bytes are not shared.
pub(crate) fn stamped(bytes: Bytes, stamp: Stamp, base_sequence: i32) -> Bytes {
    if bytes.len() < BATCH_HEADER_LEN {
        return bytes;
    }
    let mut buf = bytes.try_into_mut().unwrap_or_else(|shared| BytesMut::from(&shared[..]));
    buf[PRODUCER_ID_AT..PRODUCER_ID_AT + 8].copy_from_slice(&stamp.producer_id.to_be_bytes());
    buf[PRODUCER_EPOCH_AT..PRODUCER_EPOCH_AT + 2].copy_from_slice(&stamp.epoch.to_be_bytes());
    buf[BASE_SEQUENCE_AT..BASE_SEQUENCE_AT + 4].copy_from_slice(&base_sequence.to_be_bytes());
    if stamp.transactional {
        let attributes = i16::from_be_bytes([buf[ATTRIBUTES_AT], buf[ATTRIBUTES_AT + 1]]) | ATTR_TRANSACTIONAL;
        buf[ATTRIBUTES_AT..ATTRIBUTES_AT + 2].copy_from_slice(&attributes.to_be_bytes());
    }
    let crc = crc32c::crc32c(&buf[ATTRIBUTES_AT..]);
    buf[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
    buf.freeze()
}

/// Where the producer id stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PidState {
    /// None yet (an idempotent producer asks before its first batch).
    Unknown,
    /// InitProducerId in flight (its correlation id and deadline).
    Requesting {
        correlation_id: i32,
        deadline: Millis,
    },
    /// Not before this time (a retriable error).
    Backoff {
        until: Millis,
    },
    Ready,
    /// A non-retriable answer: no batch can be sent.
    Failed(Error),
}

/// The producer id and epoch, and whether the epoch must be bumped.
#[derive(Clone)]
pub(crate) struct Idempotence {
    pub producer_id: i64,
    pub epoch: i16,
    pub state: PidState,
    /// KIP-360: bump the epoch once nothing is in flight.
    pub bump_needed: bool,
    /// Consecutive retriable failures, for the backoff.
    pub failures: u32,
}

impl Idempotence {
    pub fn new() -> Self {
        Idempotence { producer_id: -1, epoch: -1, state: PidState::Unknown, bump_needed: false, failures: 0 }
    }

    pub fn stamp(&self, transactional: bool) -> Option<Stamp> {
        (self.state == PidState::Ready && !self.bump_needed).then_some(Stamp {
            producer_id: self.producer_id,
            epoch: self.epoch,
            transactional,
        })
    }

    /// The InitProducerId body: a fresh id, or (KIP-360) a bump of the current id and epoch.
    pub fn request(&self, transactional_id: Option<&str>, transaction_timeout_ms: Millis) -> InitProducerIdRequest {
        let (id, epoch) = if self.producer_id >= 0 { (self.producer_id, self.epoch) } else { (-1, -1) };
        InitProducerIdRequest::default()
            .with_transactional_id(transactional_id.map(|t| TransactionalId(StrBytes::from_string(t.to_string()))))
            .with_transaction_timeout_ms(transaction_timeout_ms.min(i32::MAX as i64) as i32)
            .with_producer_id(ProducerId(id))
            .with_producer_epoch(epoch)
    }

    /// Applies an InitProducerId answer. `Ok(true)`: a new id or epoch (sequences restart);
    /// `Err`: the error, the caller decides between retry and failure.
    pub fn on_response(&mut self, resp: &InitProducerIdResponse) -> Result<bool, Error> {
        if resp.error_code != 0 {
            return Err(Error::from_code(resp.error_code, "InitProducerId"));
        }
        if resp.producer_id.0 < 0 {
            return Err(Error::new(ErrorCode::BAD_MSG, "InitProducerId answered no producer id"));
        }
        self.producer_id = resp.producer_id.0;
        self.epoch = resp.producer_epoch;
        self.state = PidState::Ready;
        self.bump_needed = false;
        self.failures = 0;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{validate_batch, BatchBuilder, Compression};

    #[test]
    fn stamping_rewrites_the_header_and_keeps_the_crc_valid() {
        let mut b = BatchBuilder::new(Compression::None, 10);
        b.append(10, None, Some(b"v"), &[]);
        b.append(11, None, Some(b"w"), &[]);
        let bytes = b.finish(-1, -1, -1, false);
        let stamp = Stamp { producer_id: 42, epoch: 3, transactional: true };
        let out = stamped(bytes, stamp, i32::MAX);
        let h = validate_batch(&out).expect("valid CRC after stamping");
        assert_eq!((h.producer_id, h.producer_epoch, h.base_sequence), (42, 3, i32::MAX));
        assert!(h.is_transactional());
        // Sequences wrap past i32::MAX to 0.
        assert_eq!(h.last_sequence(), 0);
    }

    #[test]
    fn sequences_advance_per_batch_and_retries_keep_theirs() {
        let mut seq = PartitionSequences::default();
        let mk = || {
            let mut b = BatchBuilder::new(Compression::None, 0);
            for _ in 0..3 {
                b.append(0, None, Some(b"x"), &[]);
            }
            SealedBatch {
                bytes: b.finish(-1, -1, -1, false),
                runs: vec![],
                records: 3,
                accounted: 0,
                created_ms: 0,
                attempts: 0,
                retry_at: 0,
                last_error: None,
                sequence: None,
                order: 0,
            }
        };
        let stamp = Stamp { producer_id: 1, epoch: 0, transactional: false };
        let (mut a, mut b) = (mk(), mk());
        assign(&mut seq, &mut a, stamp);
        assign(&mut seq, &mut b, stamp);
        assert_eq!((a.sequence, b.sequence, seq.next, seq.sent_next), (Some(0), Some(3), 6, 6));
        // `a` fails while `b` is in flight: it waits for `b` to come back.
        assert!(!may_send(&seq, &a, 1));
        assert!(may_send(&seq, &a, 0));
        let bytes = a.bytes.clone();
        assign(&mut seq, &mut a, stamp);
        assert_eq!(a.bytes, bytes, "a retry re-sends the same bytes");
        assert_eq!(seq.sent_next, 3);
        assert!(may_send(&seq, &b, 1), "b follows a in order");
        assert!(is_next(&seq, &a) && !is_next(&seq, &b));
        seq.window.clear();
        acked(&mut seq, &a);
        assert!(is_next(&seq, &b));
    }
}
