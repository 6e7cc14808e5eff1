//! The transaction manager (KIP-98, KIP-447): the state of a transactional producer and
//! the requests it makes to its transaction coordinator and to the group coordinator, in
//! the shape of the Java client's `TransactionManager`.
//!
//! States: Uninitialized → (init_transactions) Initializing → Ready → (begin_transaction)
//! InTransaction → (commit_transaction) CommittingTransaction → Ready, or
//! (abort_transaction) AbortingTransaction → Ready; a failed send or offset commit inside a
//! transaction moves it to AbortableError (commit refuses, abort recovers); a fenced
//! producer or a refused transactional id moves it to FatalError (nothing more works).
//!
//! Operations return at once; they complete through `Producer::poll_txn_event`. One
//! coordinator request is in flight at a time; partitions are added to the transaction
//! (AddPartitionsToTxn, batched) before their first batch is drained.

use std::collections::{BTreeSet, HashSet, VecDeque};

use kafka_protocol::messages::add_partitions_to_txn_request::AddPartitionsToTxnTopic;
use kafka_protocol::messages::txn_offset_commit_request::{
    TxnOffsetCommitRequestPartition, TxnOffsetCommitRequestTopic,
};
use kafka_protocol::messages::{
    AddOffsetsToTxnRequest, AddPartitionsToTxnRequest, EndTxnRequest, GroupId, ProducerId, TopicName, TransactionalId,
    TxnOffsetCommitRequest,
};

use super::accumulator::TopicIdx;
use crate::client::ConsumerGroupMetadata;
use crate::error::{Error, ErrorCode};
use crate::protocol::{BrokerId, Millis, StrBytes};

/// The transaction manager's states (the Java client's names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxnState {
    Uninitialized,
    Initializing,
    Ready,
    InTransaction,
    CommittingTransaction,
    AbortingTransaction,
    AbortableError,
    FatalError,
}

/// A transactional operation, as named in its completion event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxnOp {
    InitTransactions,
    SendOffsetsToTransaction,
    CommitTransaction,
    AbortTransaction,
}

/// The outcome of a transactional operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxnEvent {
    pub op: TxnOp,
    pub result: Result<(), Error>,
}

/// A partition offset to commit with `send_offsets_to_transaction`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxnOffset {
    pub topic: String,
    pub partition: i32,
    /// The next offset to consume (as the consumer commits it).
    pub offset: i64,
    pub metadata: Option<String>,
}

/// How a transactional request's error is handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ErrorClass {
    /// Ask again after the backoff.
    Retry,
    /// Find the coordinator again, then ask again.
    Refind,
    /// The transaction must be aborted.
    Abortable,
    /// The producer can do nothing more.
    Fatal,
}

/// The Java client's classification of errors answered to transactional requests.
pub(crate) fn classify(code: ErrorCode) -> ErrorClass {
    match code {
        ErrorCode::COORDINATOR_NOT_AVAILABLE | ErrorCode::NOT_COORDINATOR => ErrorClass::Refind,
        ErrorCode::COORDINATOR_LOAD_IN_PROGRESS
        | ErrorCode::CONCURRENT_TRANSACTIONS
        | ErrorCode::UNKNOWN_TOPIC_OR_PARTITION
        | ErrorCode::REQUEST_TIMED_OUT
        | ErrorCode::TRANSPORT
        | ErrorCode::NETWORK_EXCEPTION => ErrorClass::Retry,
        ErrorCode::PRODUCER_FENCED
        | ErrorCode::INVALID_PRODUCER_EPOCH
        | ErrorCode::TRANSACTIONAL_ID_AUTHORIZATION_FAILED
        | ErrorCode::INVALID_PRODUCER_ID_MAPPING
        | ErrorCode::INVALID_TXN_STATE
        | ErrorCode::INVALID_TRANSACTION_TIMEOUT
        | ErrorCode::UNSUPPORTED_VERSION
        | ErrorCode::UNSUPPORTED_FOR_MESSAGE_FORMAT
        | ErrorCode::TRANSACTION_COORDINATOR_FENCED => ErrorClass::Fatal,
        c if c.is_retriable() => ErrorClass::Retry,
        _ => ErrorClass::Abortable,
    }
}

/// An error with its transactional classification in its flags.
pub(crate) fn classified(code: ErrorCode, context: impl std::fmt::Display) -> Error {
    let e = Error::from_code(code.0, context);
    match classify(code) {
        ErrorClass::Fatal => e.with_fatal(true),
        ErrorClass::Abortable => e.with_txn_requires_abort(true),
        ErrorClass::Retry | ErrorClass::Refind => e,
    }
}

/// Which coordinator request is in flight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TxnRequestKind {
    FindTxnCoordinator,
    FindGroupCoordinator,
    InitProducerId,
    AddPartitions(Vec<(TopicIdx, i32)>),
    AddOffsets,
    TxnOffsetCommit,
    EndTxn { commit: bool },
}

#[derive(Clone)]
pub(crate) struct TxnInFlight {
    pub correlation_id: i32,
    pub broker: BrokerId,
    pub deadline: Millis,
    pub kind: TxnRequestKind,
}

/// Where `send_offsets_to_transaction` stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum OffsetsStep {
    /// AddOffsetsToTxn to the transaction coordinator.
    AddOffsets,
    /// FindCoordinator for the group.
    FindGroup,
    /// TxnOffsetCommit to the group coordinator.
    Commit { coordinator: BrokerId },
}

#[derive(Clone)]
pub(crate) struct PendingOffsets {
    pub offsets: Vec<TxnOffset>,
    pub group: ConsumerGroupMetadata,
    pub step: OffsetsStep,
}

#[derive(Clone)]
pub(crate) struct TxnManager {
    pub transactional_id: String,
    pub state: TxnState,
    /// The error that put the manager in AbortableError or FatalError.
    pub last_error: Option<Error>,
    pub coordinator: Option<BrokerId>,
    pub in_flight: Option<TxnInFlight>,
    /// No coordinator request before this (retry backoff).
    pub retry_at: Millis,
    pub failures: u32,
    /// The operation the caller waits for.
    pub op: Option<TxnOp>,
    /// Partitions in the current transaction (their batches may be drained).
    pub added: HashSet<(TopicIdx, i32)>,
    /// Partitions with records in the transaction, not added yet.
    pub to_add: BTreeSet<(TopicIdx, i32)>,
    pub offsets: Option<PendingOffsets>,
    /// Something was added to the transaction on the coordinator: it must end with EndTxn.
    pub started: bool,
    /// After an abort, InitProducerId again to bump the epoch (KIP-360).
    pub reinit: bool,
    pub events: VecDeque<TxnEvent>,
}

impl TxnManager {
    pub fn new(transactional_id: String) -> Self {
        TxnManager {
            transactional_id,
            state: TxnState::Uninitialized,
            last_error: None,
            coordinator: None,
            in_flight: None,
            retry_at: Millis::MIN,
            failures: 0,
            op: None,
            added: HashSet::new(),
            to_add: BTreeSet::new(),
            offsets: None,
            started: false,
            reinit: false,
            events: VecDeque::new(),
        }
    }

    pub fn txn_id(&self) -> TransactionalId {
        TransactionalId(StrBytes::from_string(self.transactional_id.clone()))
    }

    /// The error refusing an operation in the current state, if any.
    pub fn refuse(&self, op: &str, allowed: &[TxnState]) -> Result<(), Error> {
        if allowed.contains(&self.state) {
            return Ok(());
        }
        Err(match (&self.state, &self.last_error) {
            (TxnState::FatalError, Some(e)) => {
                Error::new(e.code(), format!("{op}: the producer hit a fatal error: {}", e.message())).with_fatal(true)
            }
            (TxnState::AbortableError, Some(e)) => Error::new(
                e.code(),
                format!("{op}: the transaction must be aborted after an earlier error: {}", e.message()),
            )
            .with_txn_requires_abort(true),
            (state, _) => Error::state(format!("{op} is not allowed in state {state:?}")),
        })
    }

    /// Records `e` as the transaction's abortable error (unless already fatal).
    pub fn abortable(&mut self, e: Error) {
        if matches!(self.state, TxnState::FatalError | TxnState::AbortingTransaction | TxnState::Ready) {
            return;
        }
        self.last_error = Some(e.with_txn_requires_abort(true));
        if self.state != TxnState::CommittingTransaction {
            self.state = TxnState::AbortableError;
        }
    }

    pub fn fatal(&mut self, e: Error) {
        let e = e.with_fatal(true);
        self.state = TxnState::FatalError;
        self.last_error = Some(e.clone());
        if let Some(op) = self.op.take() {
            self.events.push_back(TxnEvent { op, result: Err(e) });
        }
        self.offsets = None;
    }

    /// Completes the pending operation (if it is `op`).
    pub fn finish(&mut self, op: TxnOp, result: Result<(), Error>) {
        if self.op == Some(op) {
            self.op = None;
            self.events.push_back(TxnEvent { op, result });
        }
    }

    pub fn backoff(&mut self, now: Millis, base: Millis, max: Millis) {
        self.failures += 1;
        let shift = self.failures.saturating_sub(1).min(30);
        self.retry_at = now + base.saturating_mul(1 << shift).min(max);
    }

    pub fn add_partitions_request(
        &self,
        pid: i64,
        epoch: i16,
        names: &[(TopicIdx, i32, StrBytes)],
    ) -> AddPartitionsToTxnRequest {
        let mut topics: Vec<AddPartitionsToTxnTopic> = Vec::new();
        for (_, p, name) in names {
            match topics.iter_mut().find(|t| t.name.0 == *name) {
                Some(t) => t.partitions.push(*p),
                None => topics.push(
                    AddPartitionsToTxnTopic::default().with_name(TopicName(name.clone())).with_partitions(vec![*p]),
                ),
            }
        }
        AddPartitionsToTxnRequest::default()
            .with_v3_and_below_transactional_id(self.txn_id())
            .with_v3_and_below_producer_id(ProducerId(pid))
            .with_v3_and_below_producer_epoch(epoch)
            .with_v3_and_below_topics(topics)
    }

    pub fn add_offsets_request(&self, pid: i64, epoch: i16, group_id: &str) -> AddOffsetsToTxnRequest {
        AddOffsetsToTxnRequest::default()
            .with_transactional_id(self.txn_id())
            .with_producer_id(ProducerId(pid))
            .with_producer_epoch(epoch)
            .with_group_id(GroupId(StrBytes::from_string(group_id.to_string())))
    }

    pub fn txn_offset_commit_request(&self, pid: i64, epoch: i16, pending: &PendingOffsets) -> TxnOffsetCommitRequest {
        let mut topics: Vec<TxnOffsetCommitRequestTopic> = Vec::new();
        for o in &pending.offsets {
            let part = TxnOffsetCommitRequestPartition::default()
                .with_partition_index(o.partition)
                .with_committed_offset(o.offset)
                .with_committed_leader_epoch(-1)
                .with_committed_metadata(o.metadata.clone().map(StrBytes::from_string));
            match topics.iter_mut().find(|t| t.name.0.as_str() == o.topic) {
                Some(t) => t.partitions.push(part),
                None => topics.push(
                    TxnOffsetCommitRequestTopic::default()
                        .with_name(TopicName(StrBytes::from_string(o.topic.clone())))
                        .with_partitions(vec![part]),
                ),
            }
        }
        let g = &pending.group;
        TxnOffsetCommitRequest::default()
            .with_transactional_id(self.txn_id())
            .with_group_id(GroupId(StrBytes::from_string(g.group_id.clone())))
            .with_producer_id(ProducerId(pid))
            .with_producer_epoch(epoch)
            .with_generation_id(g.generation_id)
            .with_member_id(StrBytes::from_string(g.member_id.clone()))
            .with_group_instance_id(g.group_instance_id.clone().map(StrBytes::from_string))
            .with_topics(topics)
    }

    pub fn end_txn_request(&self, pid: i64, epoch: i16, commit: bool) -> EndTxnRequest {
        EndTxnRequest::default()
            .with_transactional_id(self.txn_id())
            .with_producer_id(ProducerId(pid))
            .with_producer_epoch(epoch)
            .with_committed(commit)
    }

    /// The transaction is over (committed or aborted): nothing is in it any more.
    pub fn reset_transaction(&mut self) {
        self.added.clear();
        self.to_add.clear();
        self.offsets = None;
        self.started = false;
        self.last_error = None;
    }
}
