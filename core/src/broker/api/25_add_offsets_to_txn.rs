// AddOffsetsToTxn: v0-v3
// Behaviour:
// - The group's `__consumer_offsets` partition (Kafka's hash rule, coordinator.rs) joins the
//   transaction of transactional_id and the group is remembered: when the transaction ends, the
//   group coordinator is told (`groups_txn_marker`) so that the offsets committed by
//   TxnOffsetCommit become visible on commit and vanish on abort. Starts the transaction unless
//   one is ongoing.
// - Errors, in Kafka's order: an empty transactional_id: INVALID_REQUEST; a node other than
//   coordinator_node(transactional_id): NOT_COORDINATOR; an unknown transactional id or another
//   producer id: INVALID_PRODUCER_ID_MAPPING; another epoch: PRODUCER_FENCED (INVALID_PRODUCER_EPOCH
//   before v2); an EndTxn still completing: CONCURRENT_TRANSACTIONS.
// Version notes:
// - v2+: PRODUCER_FENCED (KIP-588). v3+: flexible. v4 (KIP-890 transactions v2) not supported.

use kafka_protocol::messages::{AddOffsetsToTxnRequest, AddOffsetsToTxnResponse, ResponseKind};

use crate::error::ErrorCode;
use crate::protocol::Millis;

use super::super::coordinator::coordinator_partition;
use super::super::Broker;
use super::init_producer_id::fenced_code;
use super::Outcome;

impl Broker {
    pub(super) fn handle_add_offsets_to_txn(
        &mut self,
        version: i16,
        req: AddOffsetsToTxnRequest,
        node: i32,
        now: Millis,
    ) -> Outcome {
        let id = req.transactional_id.0.as_str();
        let code = if id.is_empty() {
            ErrorCode::INVALID_REQUEST
        } else if self.coordinator_node(id) != node {
            ErrorCode::NOT_COORDINATOR
        } else {
            let group = req.group_id.0.as_str();
            let partition = coordinator_partition(group);
            let before = self.txn_snapshot(id);
            let result = self.txn.add_group(id, req.producer_id.0, req.producer_epoch, group, partition, now);
            self.flush_txn_log(now);
            self.note_txn_add(id, "AddOffsetsToTxn", before, &result, now);
            result.err().map_or(ErrorCode::NONE, |c| fenced_code(c, version, 2))
        };
        Outcome::Respond(ResponseKind::AddOffsetsToTxn(error_response(code)))
    }
}

pub(super) fn error_response(code: ErrorCode) -> AddOffsetsToTxnResponse {
    AddOffsetsToTxnResponse::default().with_error_code(code.0)
}
