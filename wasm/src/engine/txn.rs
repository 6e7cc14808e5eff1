//! Transactions on the engine: each operation of a transactional producer starts in the core's
//! producer state machine and runs the simulation until that operation completes (or a bounded
//! stretch of virtual time passes), like `create_topic` does.

use kafkette::producer::{Producer, TxnOffset, TxnOp};
use kafkette::{Error, Millis, Result};

use super::{Engine, NodeKind};

/// Virtual time a transactional operation may take: a commit waits for its records, the
/// coordinator and the markers; this covers the producer's own retries and timeouts.
pub const TXN_WAIT_MS_MAX: Millis = 120_000;

impl Engine {
    /// Registers the producer's `transactional.id` with the coordinator, fencing older
    /// producers with the same id (a newer epoch).
    pub fn init_transactions(&mut self, producer: usize) -> Result<()> {
        self.txn_op(producer, TxnOp::InitTransactions, |p, now| p.init_transactions(now))
    }

    /// Starts a transaction (local to the producer until its first record or offsets).
    pub fn begin_transaction(&mut self, producer: usize) -> Result<()> {
        let node = self.running(producer, NodeKind::Producer, "begin_transaction")?;
        self.sim.with_producer(node, |p, _| p.begin_transaction())
    }

    /// Adds `offsets` of the group `consumer` is a member of to the transaction (KIP-447: the
    /// group metadata, generation and member id, is the consumer's now).
    pub fn send_offsets_to_transaction(
        &mut self,
        producer: usize,
        offsets: Vec<TxnOffset>,
        consumer: usize,
    ) -> Result<()> {
        self.running(producer, NodeKind::Producer, "send_offsets_to_transaction")?;
        let c = self.node(consumer, NodeKind::Consumer)?;
        let Some(metadata) = self.sim.consumer_ref(c).and_then(|c| c.group_metadata()) else {
            return Err(Error::invalid_arg(format!("consumer {consumer} has no group.id: it has no group metadata")));
        };
        self.txn_op(producer, TxnOp::SendOffsetsToTransaction, move |p, now| {
            p.send_offsets_to_transaction(offsets, &metadata, now)
        })
    }

    /// Sends every record of the transaction, then commits it.
    pub fn commit_transaction(&mut self, producer: usize) -> Result<()> {
        self.txn_op(producer, TxnOp::CommitTransaction, |p, now| p.commit_transaction(now))
    }

    /// Aborts the transaction: read_committed consumers never see its records.
    pub fn abort_transaction(&mut self, producer: usize) -> Result<()> {
        self.txn_op(producer, TxnOp::AbortTransaction, |p, now| p.abort_transaction(now))
    }

    /// Starts `op` with `start` and runs until the producer reports its outcome.
    fn txn_op(
        &mut self,
        producer: usize,
        op: TxnOp,
        start: impl FnOnce(&mut Producer, Millis) -> Result<()>,
    ) -> Result<()> {
        let node = self.running(producer, NodeKind::Producer, &format!("{op:?}"))?;
        self.sim.with_producer(node, start)?;
        let mut outcome = None;
        self.sim.run_until_cond(TXN_WAIT_MS_MAX, |s| {
            // Outcomes of other operations (one interrupted by an abort) are superseded.
            while let Some(ev) = s.producer(node).poll_txn_event() {
                if ev.op == op {
                    outcome = Some(ev.result);
                }
            }
            outcome.is_some()
        });
        outcome.unwrap_or_else(|| Err(Error::timed_out(format!("{op:?} did not complete in {TXN_WAIT_MS_MAX} ms"))))
    }
}
