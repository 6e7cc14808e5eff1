//! Notes: why the broker, its coordinators and the clients did what they did, one short
//! sentence each with the concrete values ("duplicate sequence 7 for producer 3 on orders-0:
//! returned original offset 41"), for the simulation's journal and the playground's event log.
//!
//! A `Notes` collector is off by default: a disabled one costs a branch per decision (the text
//! is built by a closure only when it is on), so `kafkette serve` and the TCP paths pay nothing
//! else. Pending notes are bounded (`NOTES_MAX`): beyond that the oldest are dropped and counted.
//!
//! Rule ids are short kebab-case names (`RULES` lists every one emitted, with an example).
//! `anomaly` marks what the learner should see as a problem or a disturbance, from what the
//! state machine itself knows: "fenced" (a producer epoch is fenced), "evicted" (a group
//! member was removed for missing its session or poll deadline), "rebalance" (a group starts
//! a rebalance), "reset" (a consumer applied auto.offset.reset), "aborted" (a transaction was
//! aborted without the producer asking: its timeout, or a fencing InitProducerId), "drop" (a
//! producer gave a record up: a batch expired). A "duplicate" is left to the playground
//! engine's ledger: the broker cannot know that a non-idempotent retry is a second copy, and a
//! duplicate sequence caught by idempotence is the system working, so it carries no anomaly.

use std::collections::VecDeque;

use crate::protocol::{ConnId, Millis};

/// Pending notes kept at most; older ones are dropped first.
pub const NOTES_MAX: usize = 10_000;

/// One decision and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub at: Millis,
    /// A short kebab-case rule id ("duplicate-sequence", "member-evicted"...).
    pub rule: &'static str,
    pub text: String,
    pub anomaly: Option<&'static str>,
    /// The broker connection whose request caused it, when known (None: the broker's own clock,
    /// such as a session or transaction timeout, or a client's own decision).
    pub conn: Option<ConnId>,
}

/// A bounded collector of notes, off until enabled.
#[derive(Debug, Clone, Default)]
pub struct Notes {
    enabled: bool,
    /// The connection of the request being handled (set by the broker around each request).
    cause: Option<ConnId>,
    pending: VecDeque<Note>,
    dropped: u64,
}

impl Notes {
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Turns collection on or off (off forgets what is pending).
    pub fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
        if !on {
            self.pending.clear();
        }
    }

    /// The connection the next notes are attributed to (None: no request).
    pub fn set_cause(&mut self, conn: Option<ConnId>) {
        self.cause = conn;
    }

    pub fn cause(&self) -> Option<ConnId> {
        self.cause
    }

    /// Records a note if enabled; `text` is only called then.
    #[inline]
    pub fn add(
        &mut self,
        at: Millis,
        rule: &'static str,
        anomaly: Option<&'static str>,
        text: impl FnOnce() -> String,
    ) {
        if self.enabled {
            let conn = self.cause;
            self.push(Note { at, rule, text: text(), anomaly, conn });
        }
    }

    /// Appends a note as it is (if enabled), dropping the oldest beyond `NOTES_MAX`.
    pub fn push(&mut self, note: Note) {
        if !self.enabled {
            return;
        }
        if self.pending.len() >= NOTES_MAX {
            self.pending.pop_front();
            self.dropped += 1;
        }
        self.pending.push_back(note);
    }

    /// The pending notes, oldest first (and forget them).
    pub fn take(&mut self) -> Vec<Note> {
        self.pending.drain(..).collect()
    }

    /// Moves `other`'s pending notes here, attributed to this collector's cause when they have none.
    pub fn absorb(&mut self, other: &mut Notes) {
        for mut n in other.pending.drain(..) {
            n.conn = n.conn.or(self.cause);
            self.push(n);
        }
    }

    pub fn len(&self) -> usize {
        self.pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// How many notes were dropped because `NOTES_MAX` were pending.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

/// Every rule id emitted, with an example of its text (the engine and the page rely on them).
/// `node` in the simulation's journal: the client whose request caused a broker note, the client
/// itself for its own decisions (retry, offset-reset...), None for the broker's timers.
pub const RULES: &[(&str, &str)] = &[
    // Produce (broker)
    ("appended", "p3 epoch 0 seq 4..5 stored at orders-0 @12..13 (\"2 records stored at orders-0 @12..13\" without idempotence)"),
    ("duplicate-sequence", "duplicate sequence 7 for producer 3 on orders-0: returned original offset 41"),
    ("out-of-order-sequence", "out-of-order sequence for producer 3 on orders-0: expected 8, received 10"),
    ("fenced-epoch", "producer 3 epoch 0 on orders-0 is fenced: current epoch 1 [fenced]"),
    ("txn-verify-failed", "orders-0 refused a transactional batch of producer 3 epoch 0: the partition was not added to the transaction"),
    ("unknown-producer", "producer 3 is unknown to orders-0: accepted at sequence 5 (KIP-360)"),
    ("offset-out-of-range", "Fetch orders-0 at offset 3 out of range: the log holds 40..52"),
    ("retention-delete", "orders-0 log start 0 → 40 (retention.ms 60000)"),
    ("delete-records", "orders-0 log start 0 → 40 (DeleteRecords)"),
    // Producer ids and transactions (broker, transaction coordinator)
    ("producer-id", "new producer id 3 epoch 0 (idempotent)"),
    ("epoch-bump", "transactional id t1: producer 3 epoch 0 → 1; the older epoch is fenced"),
    ("producer-fenced", "transactional id t1: a new InitProducerId fences producer 3 epoch 0 and aborts its open transaction [fenced]"),
    ("txn-begin", "t1 (producer 3 epoch 0) begins a transaction with orders-0"),
    ("txn-partition-added", "t1 adds orders-1, offsets of group g1 to its transaction"),
    ("txn-offsets", "g1 offsets orders-0 → 12 wait for producer 3's transaction"),
    ("txn-prepare", "t1 (producer 3 epoch 0) prepares commit of orders-0, orders-1"),
    ("txn-marker", "COMMIT marker for producer 3 epoch 0 at orders-0 @14"),
    ("lso-advanced", "orders-0 LSO 10 → 15"),
    ("txn-complete", "t1 (producer 3) transaction committed"),
    ("txn-timeout", "t1 (producer 3) open longer than its timeout 60000 ms: aborted, epoch 0 → 1 [aborted]"),
    ("txn-rejected", "EndTxn commit of t1 by producer 3 epoch 0 refused: PRODUCER_FENCED (current producer 3 epoch 1, CompleteAbort) [fenced]"),
    // Groups (group coordinator)
    ("member-joined", "c1 joined group g1 (member c1-1a2b3c4d-...)"),
    ("member-left", "c1 left group g1"),
    ("member-evicted", "c1 missed its session timeout 10000 ms: removed from group g1 [evicted]"),
    ("rebalance-start", "group g1 rebalances (generation 1 → 2): c2 joined [rebalance; none when the group forms]"),
    ("generation", "group g1 generation 2 with range: leader c1, members c1, c2"),
    ("group-state", "group g1 CompletingRebalance → Stable"),
    ("committed", "g1 committed orders-0 → 12 by c1"),
    ("commit-rejected", "OffsetCommit of c1 in g1 refused: ILLEGAL_GENERATION (its generation 1, group at generation 2 Stable)"),
    // Producer (client)
    ("retry", "Produce to orders-0 seq 4..5 failed (no Produce response within request.timeout.ms (30000 ms)): sending it again in 100 ms (attempt 2)"),
    ("batch-expired", "orders-0 seq 4..5 waited 120000 ms unsent: delivery.timeout.ms 120000 passed, the records are given up"),
    ("batch-failed", "orders-0 seq 4..5 failed (NOT_ENOUGH_REPLICAS) after 3 attempts: retries = 2, given up"),
    ("sequence-reset", "producer 3 epoch 1 (was epoch 0): every partition's sequences start over at 0"),
    // Consumer (client)
    ("offset-reset", "orders-0 offset 3 out of range: reset to latest 40 [reset]"),
    ("poll-timeout", "no poll for 300000 ms (max.poll.interval.ms 300000): the member leaves group g1 [evicted]"),
    ("partitions-assigned", "assigned orders-0, orders-1"),
    ("partitions-revoked", "revoked orders-0"),
    ("partitions-lost", "lost orders-0: no longer a member, nothing could be committed"),
];

/// Whether `rule` is one of `RULES`.
pub fn is_known_rule(rule: &str) -> bool {
    RULES.iter().any(|(r, _)| *r == rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_by_default_and_text_not_built() {
        let mut n = Notes::default();
        n.add(1, "x", None, || panic!("built while disabled"));
        assert!(n.take().is_empty());
    }

    #[test]
    fn bounded_dropping_the_oldest() {
        let mut n = Notes::default();
        n.set_enabled(true);
        for i in 0..(NOTES_MAX as i64 + 5) {
            n.add(i, "r", None, || i.to_string());
        }
        let all = n.take();
        assert_eq!(all.len(), NOTES_MAX);
        assert_eq!(all[0].at, 5);
        assert_eq!(n.dropped(), 5);
    }

    #[test]
    fn cause_is_recorded_and_absorbed() {
        let mut a = Notes::default();
        let mut b = Notes::default();
        a.set_enabled(true);
        b.set_enabled(true);
        b.add(1, "r", None, || "b".into());
        a.set_cause(Some(7));
        a.absorb(&mut b);
        assert_eq!(a.take()[0].conn, Some(7));
    }
}
