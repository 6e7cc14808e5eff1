// EndTxn: v0-v3
// Behaviour:
// - committed=true commits, false aborts the ongoing transaction of transactional_id: the state
//   goes to PrepareCommit / PrepareAbort (logged), a COMMIT / ABORT control batch (the producer's
//   id and epoch) is appended to every data partition of the transaction, each group added by
//   AddOffsetsToTxn is told (`groups_txn_marker`), and the state goes to CompleteCommit /
//   CompleteAbort (logged), all before the answer (one process: markers are written synchronously).
// - A retry after completion (commit of a CompleteCommit, abort of a CompleteAbort, same epoch):
//   success, nothing written. A commit of an aborted transaction, an abort of a committed one, or
//   an EndTxn with nothing begun (Empty): INVALID_TXN_STATE, as Kafka.
// - Errors, in Kafka's order: an empty transactional_id: INVALID_REQUEST; a node other than
//   coordinator_node(transactional_id): NOT_COORDINATOR; an unknown transactional id or another
//   producer id: INVALID_PRODUCER_ID_MAPPING; another epoch (a fenced producer, or one whose
//   transaction timed out and was aborted with an epoch bump): PRODUCER_FENCED
//   (INVALID_PRODUCER_EPOCH before v2); an EndTxn still completing: CONCURRENT_TRANSACTIONS.
// Version notes:
// - v2+: PRODUCER_FENCED (KIP-588). v3+: flexible. v4+ (TRANSACTION_ABORTABLE) and v5 (KIP-890
//   epoch in the response) not supported.

use kafka_protocol::messages::{EndTxnRequest, EndTxnResponse, ResponseKind};

use crate::error::ErrorCode;
use crate::protocol::Millis;
use crate::txn::End;

use super::super::Broker;
use super::init_producer_id::fenced_code;
use super::Outcome;

impl Broker {
    pub(super) fn handle_end_txn(&mut self, version: i16, req: EndTxnRequest, node: i32, now: Millis) -> Outcome {
        let id = req.transactional_id.0.as_str();
        let code = if id.is_empty() {
            ErrorCode::INVALID_REQUEST
        } else if self.coordinator_node(id) != node {
            ErrorCode::NOT_COORDINATOR
        } else {
            let (pid, epoch, commit) = (req.producer_id.0, req.producer_epoch, req.committed);
            let what = if commit { "commit" } else { "abort" };
            match self.txn.end_txn(id, pid, epoch, commit, now) {
                Ok(End::Write(markers)) => {
                    self.notes.add(now, "txn-prepare", None, || {
                        let parts: Vec<String> = markers.partitions.iter().map(|(t, p)| format!("{t}-{p}")).collect();
                        let groups = if markers.groups.is_empty() {
                            String::new()
                        } else {
                            format!(" and offsets of {}", markers.groups.join(", "))
                        };
                        format!("{id} (producer {pid} epoch {epoch}) prepares {what} of {}{groups}", parts.join(", "))
                    });
                    self.write_markers(&markers, now);
                    ErrorCode::NONE
                }
                Ok(End::AlreadyDone) => {
                    self.notes.add(now, "txn-prepare", None, || {
                        format!("{id}: EndTxn {what} retried after it completed: answered success")
                    });
                    ErrorCode::NONE
                }
                Err(c) => {
                    let current = self.txn_snapshot(id);
                    let anomaly = (c == ErrorCode::PRODUCER_FENCED).then_some("fenced");
                    self.notes.add(now, "txn-rejected", anomaly, || {
                        let cur = current.map_or(String::new(), |m| {
                            format!(" (current producer {} epoch {}, {:?})", m.producer_id, m.producer_epoch, m.state)
                        });
                        format!("EndTxn {what} of {id} by producer {pid} epoch {epoch} refused: {}{cur}", c.name())
                    });
                    fenced_code(c, version, 2)
                }
            }
        };
        self.flush_txn_log(now);
        Outcome::Respond(ResponseKind::EndTxn(error_response(code)))
    }
}

pub(super) fn error_response(code: ErrorCode) -> EndTxnResponse {
    EndTxnResponse::default().with_error_code(code.0)
}
