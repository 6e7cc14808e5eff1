// AddPartitionsToTxn: v0-v3
// Behaviour:
// - Adds partitions to the transaction of transactional_id (core/src/txn/), starting it (state
//   Ongoing, start time now) unless one is ongoing; partitions already in it change nothing.
// - Per partition results. A partition whose topic or index does not exist:
//   UNKNOWN_TOPIC_OR_PARTITION, and every other partition OPERATION_NOT_ATTEMPTED (nothing added).
// - Otherwise one code for every partition, in Kafka's order: an empty transactional_id:
//   INVALID_REQUEST; a node other than coordinator_node(transactional_id): NOT_COORDINATOR; an
//   unknown transactional id or another producer id: INVALID_PRODUCER_ID_MAPPING; another epoch:
//   PRODUCER_FENCED (INVALID_PRODUCER_EPOCH before v2); an EndTxn still completing:
//   CONCURRENT_TRANSACTIONS (markers are written synchronously here, so only in theory).
// Version notes:
// - v2+: PRODUCER_FENCED (KIP-588). v3+: flexible. v4+ (batched, verify_only, sent by brokers)
//   not supported.

use kafka_protocol::messages::add_partitions_to_txn_response::{
    AddPartitionsToTxnPartitionResult, AddPartitionsToTxnTopicResult,
};
use kafka_protocol::messages::{AddPartitionsToTxnRequest, AddPartitionsToTxnResponse, ResponseKind};

use crate::error::ErrorCode;
use crate::protocol::Millis;

use super::super::Broker;
use super::init_producer_id::fenced_code;
use super::Outcome;

pub(super) const OPERATION_NOT_ATTEMPTED: ErrorCode = ErrorCode(55);

impl Broker {
    pub(super) fn handle_add_partitions_to_txn(
        &mut self,
        version: i16,
        req: AddPartitionsToTxnRequest,
        node: i32,
        now: Millis,
    ) -> Outcome {
        let id = req.v3_and_below_transactional_id.0.to_string();
        let (pid, epoch) = (req.v3_and_below_producer_id.0, req.v3_and_below_producer_epoch);
        let wanted: Vec<(String, i32)> = req
            .v3_and_below_topics
            .iter()
            .flat_map(|t| t.partitions.iter().map(move |p| (t.name.0.to_string(), *p)))
            .collect();
        let unknown: Vec<bool> = wanted.iter().map(|(t, p)| self.partition(t, *p).is_none()).collect();
        let code = if unknown.iter().any(|u| *u) {
            None
        } else if id.is_empty() {
            Some(ErrorCode::INVALID_REQUEST)
        } else if self.coordinator_node(&id) != node {
            Some(ErrorCode::NOT_COORDINATOR)
        } else {
            let before = self.txn_snapshot(&id);
            let result = self.txn.add_partitions(&id, pid, epoch, &wanted, now);
            self.flush_txn_log(now);
            self.note_txn_add(&id, "AddPartitionsToTxn", before, &result, now);
            Some(result.err().map_or(ErrorCode::NONE, |c| fenced_code(c, version, 2)))
        };
        let mut flags = unknown.into_iter();
        let results = req
            .v3_and_below_topics
            .iter()
            .map(|t| {
                let parts = t
                    .partitions
                    .iter()
                    .map(|p| {
                        let unknown = flags.next().unwrap_or(false);
                        let c = match code {
                            Some(c) => c,
                            None if unknown => ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                            None => OPERATION_NOT_ATTEMPTED,
                        };
                        AddPartitionsToTxnPartitionResult::default()
                            .with_partition_index(*p)
                            .with_partition_error_code(c.0)
                    })
                    .collect();
                AddPartitionsToTxnTopicResult::default().with_name(t.name.clone()).with_results_by_partition(parts)
            })
            .collect();
        let resp = AddPartitionsToTxnResponse::default().with_results_by_topic_v3_and_below(results);
        Outcome::Respond(ResponseKind::AddPartitionsToTxn(resp))
    }
}

pub(super) fn error_response(req: &AddPartitionsToTxnRequest, code: ErrorCode) -> AddPartitionsToTxnResponse {
    let results = req
        .v3_and_below_topics
        .iter()
        .map(|t| {
            let parts = t
                .partitions
                .iter()
                .map(|p| {
                    AddPartitionsToTxnPartitionResult::default()
                        .with_partition_index(*p)
                        .with_partition_error_code(code.0)
                })
                .collect();
            AddPartitionsToTxnTopicResult::default().with_name(t.name.clone()).with_results_by_partition(parts)
        })
        .collect();
    AddPartitionsToTxnResponse::default().with_error_code(code.0).with_results_by_topic_v3_and_below(results)
}
