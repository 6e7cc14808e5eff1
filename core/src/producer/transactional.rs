//! The transactional producer's operations and its coordinator requests: the glue between
//! the transaction manager (`txn.rs`), the accumulator and the idempotence state.

use kafka_protocol::messages::{RequestKind, ResponseKind};

use super::accumulator::TopicIdx;
use super::idempotence::PidState;
use super::txn::{
    classified, classify, ErrorClass, OffsetsStep, PendingOffsets, TxnEvent, TxnInFlight, TxnOffset, TxnOp,
    TxnRequestKind, TxnState,
};
use super::Producer;
use crate::client::coordinator::{coordinator_from_response, find_coordinator_request, CoordinatorType};
use crate::client::{versions, ConsumerGroupMetadata};
use crate::error::{Error, ErrorCode, Result};
use crate::protocol::{BrokerId, Millis, Transmit};

/// The backoff of a transaction's first AddPartitionsToTxn after CONCURRENT_TRANSACTIONS (the Java client's).
const ADD_PARTITIONS_RETRY_BACKOFF_MS: Millis = 20;

/// The next coordinator request (or local step) a transactional producer takes.
#[allow(clippy::large_enum_variant)] // short-lived, never stored
enum Step {
    Send(BrokerId, TxnRequestKind, RequestKind, i16),
    /// Nothing was added to the transaction: it ends without EndTxn.
    EndLocally {
        commit: bool,
    },
}

impl Producer {
    fn txn_mut(&mut self, op: &str) -> Result<&mut super::txn::TxnManager> {
        self.txn
            .as_deref_mut()
            .ok_or_else(|| Error::state(format!("{op} needs a transactional producer (set transactional.id)")))
    }

    /// Starts `init_transactions`: finds the transaction coordinator and gets the producer id
    /// and epoch for `transactional.id`, fencing older producers with the same id. Completes
    /// with a `TxnEvent` for `TxnOp::InitTransactions`. Calling it again while it runs continues it.
    pub fn init_transactions(&mut self, _now: Millis) -> Result<()> {
        let txn = self.txn_mut("init_transactions")?;
        if txn.state == TxnState::Initializing && txn.op == Some(TxnOp::InitTransactions) {
            return Ok(());
        }
        txn.refuse("init_transactions", &[TxnState::Uninitialized])?;
        txn.state = TxnState::Initializing;
        txn.op = Some(TxnOp::InitTransactions);
        Ok(())
    }

    /// Starts a transaction (local: the coordinator hears of it with the first partition or offsets).
    pub fn begin_transaction(&mut self) -> Result<()> {
        let txn = self.txn_mut("begin_transaction")?;
        txn.refuse("begin_transaction", &[TxnState::Ready])?;
        txn.state = TxnState::InTransaction;
        Ok(())
    }

    /// Adds a consumer group's offsets to the transaction (AddOffsetsToTxn, then TxnOffsetCommit
    /// to the group coordinator with the consumer's generation, member and instance id). They
    /// become visible if the transaction commits.
    pub fn send_offsets_to_transaction(
        &mut self,
        offsets: Vec<TxnOffset>,
        group: &ConsumerGroupMetadata,
        _now: Millis,
    ) -> Result<()> {
        let txn = self.txn_mut("send_offsets_to_transaction")?;
        if txn.op == Some(TxnOp::SendOffsetsToTransaction) {
            return Ok(());
        }
        txn.refuse("send_offsets_to_transaction", &[TxnState::InTransaction])?;
        if group.group_id.is_empty() {
            return Err(Error::invalid_arg("send_offsets_to_transaction: the group id is empty"));
        }
        txn.offsets = Some(PendingOffsets { offsets, group: group.clone(), step: OffsetsStep::AddOffsets });
        txn.op = Some(TxnOp::SendOffsetsToTransaction);
        Ok(())
    }

    /// Flushes every record of the transaction, then commits it (EndTxn). Refused after a failed
    /// send in the transaction (abort it). Calling it again while it runs continues it.
    pub fn commit_transaction(&mut self, now: Millis) -> Result<()> {
        let txn = self.txn_mut("commit_transaction")?;
        if txn.state == TxnState::CommittingTransaction && txn.op == Some(TxnOp::CommitTransaction) {
            return Ok(());
        }
        txn.refuse("commit_transaction", &[TxnState::InTransaction])?;
        if txn.op.is_some() {
            return Err(Error::state(format!("commit_transaction while {:?} is still running", txn.op)));
        }
        txn.state = TxnState::CommittingTransaction;
        txn.op = Some(TxnOp::CommitTransaction);
        self.flush_now(now);
        Ok(())
    }

    /// Aborts the transaction: records not sent yet fail (their delivery reports carry the
    /// error), requests in flight are waited for, then EndTxn aborts what was written.
    pub fn abort_transaction(&mut self, _now: Millis) -> Result<()> {
        let txn = self.txn_mut("abort_transaction")?;
        if txn.state == TxnState::AbortingTransaction && txn.op == Some(TxnOp::AbortTransaction) {
            return Ok(());
        }
        txn.refuse("abort_transaction", &[TxnState::InTransaction, TxnState::AbortableError])?;
        if let Some(op) = txn.op.take() {
            txn.events.push_back(TxnEvent {
                op,
                result: Err(Error::state(format!("{op:?} interrupted by abort_transaction"))),
            });
        }
        txn.state = TxnState::AbortingTransaction;
        txn.op = Some(TxnOp::AbortTransaction);
        txn.to_add.clear();
        txn.offsets = None;
        txn.last_error = None;
        let e = Error::new(ErrorCode::STATE, "the transaction was aborted before this record was sent")
            .with_txn_requires_abort(true);
        self.fail_queued(&e);
        Ok(())
    }

    /// The next completed transactional operation, if any.
    pub fn poll_txn_event(&mut self) -> Option<TxnEvent> {
        self.txn.as_mut()?.events.pop_front()
    }

    /// The transaction manager's state (`None` without `transactional.id`).
    pub fn txn_state(&self) -> Option<TxnState> {
        self.txn.as_ref().map(|t| t.state)
    }

    /// Refuses a `send` outside a transaction.
    pub(super) fn check_txn_send(&self) -> Result<()> {
        match &self.txn {
            Some(txn) => txn.refuse("send", &[TxnState::InTransaction]),
            None => Ok(()),
        }
    }

    /// A record of the transaction went to partition `p`: it is added before its first batch goes.
    pub(super) fn note_txn_partition(&mut self, t: TopicIdx, p: i32) {
        if let Some(txn) = self.txn.as_mut() {
            if !txn.added.contains(&(t, p)) {
                txn.to_add.insert((t, p));
            }
        }
    }

    /// A record's delivery failed inside a transaction: it can only be aborted now.
    /// A fenced producer (a newer one has the transactional id) can do nothing more.
    pub(super) fn txn_send_failed(&mut self, e: &Error) {
        if let Some(txn) = self.txn.as_mut() {
            if matches!(e.code(), ErrorCode::PRODUCER_FENCED | ErrorCode::INVALID_PRODUCER_EPOCH)
                && !matches!(txn.state, TxnState::FatalError | TxnState::AbortingTransaction)
            {
                txn.fatal(e.clone());
            } else {
                txn.abortable(e.clone());
            }
        }
    }

    /// A batch back for a retry while the transaction is being aborted (or the producer is
    /// fenced): it must not be sent in a later transaction. Returns the error to fail it with.
    pub(super) fn txn_refuses_retry(&self) -> Option<Error> {
        let txn = self.txn.as_ref()?;
        match txn.state {
            TxnState::AbortingTransaction => Some(
                Error::new(ErrorCode::STATE, "the transaction was aborted before this record was acknowledged")
                    .with_txn_requires_abort(true),
            ),
            TxnState::FatalError | TxnState::AbortableError => txn.last_error.clone(),
            _ => None,
        }
    }

    /// Whether the transaction lets batches of partition `(t, p)` be drained.
    pub(super) fn txn_allows(txn: &Option<Box<super::txn::TxnManager>>, t: TopicIdx, p: i32) -> bool {
        txn.as_ref().is_none_or(|x| x.added.contains(&(t, p)))
    }

    pub(super) fn txn_poll_timeout(&self) -> Option<Millis> {
        let txn = self.txn.as_ref()?;
        if let Some(r) = &txn.in_flight {
            return Some(r.deadline);
        }
        let waiting = txn.op.is_some() || !txn.to_add.is_empty() || txn.reinit;
        (waiting && txn.retry_at > Millis::MIN).then_some(txn.retry_at)
    }

    pub(super) fn is_txn_response(&self, correlation_id: i32) -> bool {
        self.txn.as_ref().and_then(|t| t.in_flight.as_ref()).is_some_and(|r| r.correlation_id == correlation_id)
    }

    // ---- requests -----------------------------------------------------------

    fn next_txn_step(&self) -> Option<Step> {
        let txn = self.txn.as_ref()?;
        let idem = self.idem.as_ref()?;
        let (pid, epoch) = (idem.producer_id, idem.epoch);
        let txn_coordinator = |kind: TxnRequestKind, body: RequestKind, version: i16| match txn.coordinator {
            Some(c) => Step::Send(c, kind, body, version),
            None => Step::Send(
                self.metadata.any_broker(),
                TxnRequestKind::FindTxnCoordinator,
                RequestKind::FindCoordinator(find_coordinator_request(
                    CoordinatorType::Transaction,
                    &txn.transactional_id,
                )),
                versions::FIND_COORDINATOR,
            ),
        };
        if txn.state == TxnState::Initializing || txn.reinit {
            if txn.reinit && !self.in_flight.is_empty() {
                return None;
            }
            let body = idem.request(Some(&txn.transactional_id), self.config.transaction_timeout_ms);
            return Some(txn_coordinator(
                TxnRequestKind::InitProducerId,
                RequestKind::InitProducerId(body),
                versions::INIT_PRODUCER_ID,
            ));
        }
        let open = matches!(txn.state, TxnState::InTransaction | TxnState::CommittingTransaction);
        if open && !txn.to_add.is_empty() {
            let parts: Vec<(TopicIdx, i32, _)> =
                txn.to_add.iter().map(|&(t, p)| (t, p, self.acc.topics[t as usize].wire_name.clone())).collect();
            let body = txn.add_partitions_request(pid, epoch, &parts);
            let kind = TxnRequestKind::AddPartitions(parts.iter().map(|(t, p, _)| (*t, *p)).collect());
            return Some(txn_coordinator(kind, RequestKind::AddPartitionsToTxn(body), versions::ADD_PARTITIONS_TO_TXN));
        }
        if let (true, Some(pending)) = (open, &txn.offsets) {
            return Some(match &pending.step {
                OffsetsStep::AddOffsets => txn_coordinator(
                    TxnRequestKind::AddOffsets,
                    RequestKind::AddOffsetsToTxn(txn.add_offsets_request(pid, epoch, &pending.group.group_id)),
                    versions::ADD_OFFSETS_TO_TXN,
                ),
                OffsetsStep::FindGroup => Step::Send(
                    self.metadata.any_broker(),
                    TxnRequestKind::FindGroupCoordinator,
                    RequestKind::FindCoordinator(find_coordinator_request(
                        CoordinatorType::Group,
                        &pending.group.group_id,
                    )),
                    versions::FIND_COORDINATOR,
                ),
                OffsetsStep::Commit { coordinator } => Step::Send(
                    *coordinator,
                    TxnRequestKind::TxnOffsetCommit,
                    RequestKind::TxnOffsetCommit(txn.txn_offset_commit_request(pid, epoch, pending)),
                    versions::TXN_OFFSET_COMMIT,
                ),
            });
        }
        let ending = match txn.state {
            TxnState::CommittingTransaction => {
                if self.pending() > 0 || txn.offsets.is_some() {
                    return None;
                }
                Some(true)
            }
            TxnState::AbortingTransaction => {
                if !self.in_flight.is_empty() {
                    return None;
                }
                Some(false)
            }
            _ => None,
        };
        let commit = ending?;
        if !txn.started {
            return Some(Step::EndLocally { commit });
        }
        Some(txn_coordinator(
            TxnRequestKind::EndTxn { commit },
            RequestKind::EndTxn(txn.end_txn_request(pid, epoch, commit)),
            versions::END_TXN,
        ))
    }

    /// The transactional producer's next coordinator request, if one is due.
    pub(super) fn poll_txn(&mut self, now: Millis) -> Option<Transmit> {
        let txn = self.txn.as_deref_mut()?;
        if txn.in_flight.is_some() || now < txn.retry_at {
            return None;
        }
        // The backoff is over: no deadline left for `poll_timeout` to report.
        txn.retry_at = Millis::MIN;
        // A send failed in the transaction: what is not sent yet fails too (Java's
        // `abortUndrainedBatches`), and a commit is refused once every record is accounted for.
        let failed = match txn.state {
            TxnState::AbortableError | TxnState::CommittingTransaction => txn.last_error.clone(),
            _ => None,
        };
        if let Some(e) = failed {
            self.fail_queued(&e);
        }
        let txn = self.txn.as_ref().expect("checked");
        if txn.state == TxnState::CommittingTransaction && txn.last_error.is_some() && self.pending() == 0 {
            let txn = self.txn.as_mut().expect("checked");
            let e = txn.last_error.clone().expect("checked");
            txn.state = TxnState::AbortableError;
            txn.finish(TxnOp::CommitTransaction, Err(e));
            return None;
        }
        match self.next_txn_step()? {
            Step::EndLocally { commit } => {
                self.txn_ended(commit);
                None
            }
            Step::Send(broker, kind, body, api_version) => {
                let correlation_id = self.ids.next_id();
                let deadline = now + self.config.request_timeout_ms;
                let txn = self.txn.as_mut().expect("checked");
                txn.in_flight = Some(TxnInFlight { correlation_id, broker, deadline, kind });
                Some(Transmit { broker, correlation_id, api_version, body, expects_response: true })
            }
        }
    }

    /// The transaction committed or aborted.
    fn txn_ended(&mut self, commit: bool) {
        let bump = self.idem.as_ref().is_some_and(|i| i.bump_needed);
        let txn = self.txn.as_mut().expect("transactional");
        txn.reset_transaction();
        if commit {
            txn.state = TxnState::Ready;
            txn.finish(TxnOp::CommitTransaction, Ok(()));
        } else if bump {
            // A batch failed with a sequence: bump the epoch before the next transaction (KIP-360).
            txn.reinit = true;
        } else {
            txn.state = TxnState::Ready;
            txn.finish(TxnOp::AbortTransaction, Ok(()));
        }
    }

    // ---- responses -----------------------------------------------------------

    /// A coordinator request got no answer (timeout or a lost connection): find the
    /// coordinator again (it may have moved) and ask again.
    pub(super) fn txn_request_failed(&mut self, now: Millis) {
        let Some(txn) = self.txn.as_mut() else { return };
        let Some(req) = txn.in_flight.take() else { return };
        self.txn_retry(&req.kind, ErrorClass::Refind, now);
    }

    fn txn_retry(&mut self, kind: &TxnRequestKind, class: ErrorClass, now: Millis) {
        let (base, max) = (self.config.retry_backoff_ms, self.config.retry_backoff_max_ms);
        let txn = self.txn.as_mut().expect("transactional");
        if class == ErrorClass::Refind {
            match kind {
                TxnRequestKind::FindGroupCoordinator | TxnRequestKind::TxnOffsetCommit => {
                    if let Some(o) = txn.offsets.as_mut() {
                        o.step = OffsetsStep::FindGroup;
                    }
                }
                _ => txn.coordinator = None,
            }
        }
        txn.backoff(now, base, max);
    }

    pub(super) fn on_txn_response(&mut self, body: ResponseKind, now: Millis) {
        let Some(req) = self.txn.as_mut().and_then(|t| t.in_flight.take()) else { return };
        let code = match (&req.kind, &body) {
            (TxnRequestKind::FindTxnCoordinator, ResponseKind::FindCoordinator(r)) => {
                let txn = self.txn.as_mut().expect("transactional");
                match coordinator_from_response(r, &txn.transactional_id) {
                    Ok(c) => {
                        txn.coordinator = Some(c.node_id);
                        txn.failures = 0;
                        None
                    }
                    Err(e) => Some(e.code()),
                }
            }
            (TxnRequestKind::FindGroupCoordinator, ResponseKind::FindCoordinator(r)) => {
                let txn = self.txn.as_mut().expect("transactional");
                let Some(o) = txn.offsets.as_mut() else { return };
                match coordinator_from_response(r, &o.group.group_id) {
                    Ok(c) => {
                        o.step = OffsetsStep::Commit { coordinator: c.node_id };
                        None
                    }
                    Err(e) => Some(e.code()),
                }
            }
            (TxnRequestKind::InitProducerId, ResponseKind::InitProducerId(r)) => {
                if r.error_code != 0 {
                    Some(ErrorCode(r.error_code))
                } else {
                    let idem = self.idem.as_mut().expect("idempotent");
                    if let Err(e) = idem.on_response(r) {
                        Some(e.code())
                    } else {
                        self.acc.reset_sequences();
                        self.acc.relist_all();
                        let txn = self.txn.as_mut().expect("transactional");
                        txn.failures = 0;
                        txn.state = TxnState::Ready;
                        if std::mem::take(&mut txn.reinit) {
                            txn.finish(TxnOp::AbortTransaction, Ok(()));
                        } else {
                            txn.finish(TxnOp::InitTransactions, Ok(()));
                        }
                        None
                    }
                }
            }
            (TxnRequestKind::AddPartitions(parts), ResponseKind::AddPartitionsToTxn(r)) => {
                let first_error = r
                    .results_by_topic_v3_and_below
                    .iter()
                    .flat_map(|t| t.results_by_partition.iter())
                    .map(|p| ErrorCode(p.partition_error_code))
                    // OPERATION_NOT_ATTEMPTED: another partition of the request failed.
                    .filter(|c| c.is_error() && c.0 != 55)
                    .max_by_key(|c| (classify(*c) == ErrorClass::Fatal, classify(*c) == ErrorClass::Abortable));
                match first_error {
                    None => {
                        let txn = self.txn.as_mut().expect("transactional");
                        txn.failures = 0;
                        txn.started = true;
                        for &(t, p) in parts {
                            txn.to_add.remove(&(t, p));
                            txn.added.insert((t, p));
                        }
                        for &(t, p) in parts {
                            self.acc.relist_if_sendable(t, p);
                        }
                        None
                    }
                    Some(c) => Some(c),
                }
            }
            (TxnRequestKind::AddOffsets, ResponseKind::AddOffsetsToTxn(r)) => {
                if r.error_code == 0 {
                    let txn = self.txn.as_mut().expect("transactional");
                    txn.failures = 0;
                    txn.started = true;
                    if let Some(o) = txn.offsets.as_mut() {
                        o.step = OffsetsStep::FindGroup;
                    }
                    None
                } else {
                    Some(ErrorCode(r.error_code))
                }
            }
            (TxnRequestKind::TxnOffsetCommit, ResponseKind::TxnOffsetCommit(r)) => {
                let first_error = r
                    .topics
                    .iter()
                    .flat_map(|t| t.partitions.iter())
                    .map(|p| ErrorCode(p.error_code))
                    .find(|c| c.is_error());
                match first_error {
                    None => {
                        let txn = self.txn.as_mut().expect("transactional");
                        txn.failures = 0;
                        txn.offsets = None;
                        txn.finish(TxnOp::SendOffsetsToTransaction, Ok(()));
                        None
                    }
                    Some(c) => Some(c),
                }
            }
            (TxnRequestKind::EndTxn { commit }, ResponseKind::EndTxn(r)) => {
                if r.error_code == 0 {
                    self.txn.as_mut().expect("transactional").failures = 0;
                    self.txn_ended(*commit);
                    None
                } else {
                    Some(ErrorCode(r.error_code))
                }
            }
            // A response of another API than asked (a broken broker): ask again.
            _ => {
                self.txn_retry(&req.kind, ErrorClass::Retry, now);
                return;
            }
        };
        if let Some(code) = code {
            self.txn_error(req, code, now);
        }
    }

    fn txn_error(&mut self, req: TxnInFlight, code: ErrorCode, now: Millis) {
        let what = match &req.kind {
            TxnRequestKind::FindTxnCoordinator => "FindCoordinator (transaction)",
            TxnRequestKind::FindGroupCoordinator => "FindCoordinator (group)",
            TxnRequestKind::InitProducerId => "InitProducerId",
            TxnRequestKind::AddPartitions(_) => "AddPartitionsToTxn",
            TxnRequestKind::AddOffsets => "AddOffsetsToTxn",
            TxnRequestKind::TxnOffsetCommit => "TxnOffsetCommit",
            TxnRequestKind::EndTxn { .. } => "EndTxn",
        };
        let id = self.txn.as_ref().map(|t| t.transactional_id.clone()).unwrap_or_default();
        let e = classified(code, format_args!("{what} for transactional.id {id:?}"));
        let mut class = classify(code);
        // Failing to get a producer id or to end a transaction leaves nothing to abort.
        if class == ErrorClass::Abortable
            && matches!(
                req.kind,
                TxnRequestKind::InitProducerId | TxnRequestKind::FindTxnCoordinator | TxnRequestKind::EndTxn { .. }
            )
        {
            class = ErrorClass::Fatal;
        }
        match class {
            ErrorClass::Retry | ErrorClass::Refind => {
                self.txn_retry(&req.kind, class, now);
                let txn = self.txn.as_mut().expect("transactional");
                // The first AddPartitionsToTxn of a transaction answered CONCURRENT_TRANSACTIONS: the
                // previous transaction's markers are still being written, which takes milliseconds. Ask
                // again soon, as the Java client does (KAFKA-5482), not after retry.backoff.ms: on Apache
                // Kafka that backoff made nearly every commit of back-to-back transactions wait 100 ms.
                if code == ErrorCode::CONCURRENT_TRANSACTIONS
                    && matches!(req.kind, TxnRequestKind::AddPartitions(_))
                    && txn.added.is_empty()
                {
                    txn.retry_at = txn.retry_at.min(now + ADD_PARTITIONS_RETRY_BACKOFF_MS);
                }
            }
            ErrorClass::Abortable => {
                let txn = self.txn.as_mut().expect("transactional");
                match req.kind {
                    TxnRequestKind::AddPartitions(_) => {
                        txn.to_add.clear();
                        txn.abortable(e.clone());
                        self.fail_queued(&e);
                    }
                    _ => {
                        txn.offsets = None;
                        txn.abortable(e.clone());
                        txn.finish(TxnOp::SendOffsetsToTransaction, Err(e));
                    }
                }
            }
            ErrorClass::Fatal => {
                let e = e.with_fatal(true);
                if let Some(idem) = self.idem.as_mut() {
                    idem.state = PidState::Failed(e.clone());
                }
                self.txn.as_mut().expect("transactional").fatal(e.clone());
                self.fail_queued(&e);
            }
        }
    }
}
