// InitProducerId: v0-v4
// Behaviour:
// - Without a transactional_id (an idempotent producer): a fresh producer id from the broker's
//   counter (0, 1, 2, ...), epoch 0, as Kafka does: the producer_id/epoch a v3+ client sends to
//   bump its epoch (KIP-360) are ignored on this path, a new id is allocated every time.
// - An empty transactional_id: INVALID_REQUEST, as Kafka's transaction coordinator answers (null
//   means idempotent only).
// - With a transactional_id (the transaction coordinator, core/src/txn/), in Kafka's order:
//   transaction_timeout_ms <= 0 or above `transaction.max.timeout.ms`: INVALID_TRANSACTION_TIMEOUT;
//   a node other than coordinator_node(transactional_id): NOT_COORDINATOR; a new id gets a fresh
//   producer id at epoch 0; a known id gets its epoch bumped (fencing the previous producer);
//   an ongoing transaction is first aborted with an epoch bump (markers written) and the epoch
//   bumped again, all in this request (Kafka answers CONCURRENT_TRANSACTIONS and lets the client
//   retry to reach the same state); an exhausted epoch (32766) gets a new producer id at epoch 0.
// - v3+ producer_id/producer_epoch (KIP-360 recovery; -1/-1 means none): they must be the current
//   id and epoch (bumped), or the previous epoch / previous producer id of a bump or rotation
//   whose answer was lost (the current ones are returned again), else PRODUCER_FENCED.
// - Producer ids belong to the broker (every node of `BrokerConfig::nodes` shares the counter).
// Version notes:
// - v2+: flexible. v3+: producer_id and producer_epoch in the request. v4+: PRODUCER_FENCED
//   (KIP-588); before v4 it is answered as INVALID_PRODUCER_EPOCH. v5+ (2PC) not supported.

use kafka_protocol::messages::{InitProducerIdRequest, InitProducerIdResponse, ProducerId, ResponseKind};

use crate::error::ErrorCode;
use crate::protocol::Millis;

use super::super::Broker;
use super::Outcome;

impl Broker {
    pub(super) fn handle_init_producer_id(
        &mut self,
        version: i16,
        req: InitProducerIdRequest,
        node: i32,
        now: Millis,
    ) -> Outcome {
        let respond = |r| Outcome::Respond(ResponseKind::InitProducerId(r));
        let Some(txn_id) = req.transactional_id.as_ref().map(|t| t.0.to_string()) else {
            let id = self.next_producer_id;
            self.next_producer_id += 1;
            self.notes.add(now, "producer-id", None, || format!("new producer id {id} epoch 0 (idempotent)"));
            return respond(InitProducerIdResponse::default().with_producer_id(ProducerId(id)).with_producer_epoch(0));
        };
        if txn_id.is_empty() {
            return respond(error_response(ErrorCode::INVALID_REQUEST));
        }
        let timeout = req.transaction_timeout_ms;
        if timeout <= 0 || timeout > self.config.transaction_max_timeout_ms {
            return respond(error_response(ErrorCode::INVALID_TRANSACTION_TIMEOUT));
        }
        if self.coordinator_node(&txn_id) != node {
            return respond(error_response(ErrorCode::NOT_COORDINATOR));
        }
        let expected = (version >= 3 && (req.producer_id.0 >= 0 || req.producer_epoch >= 0))
            .then_some((req.producer_id.0, req.producer_epoch));
        match self.init_transactional(&txn_id, timeout, expected, now) {
            Ok((pid, epoch)) => {
                respond(InitProducerIdResponse::default().with_producer_id(ProducerId(pid)).with_producer_epoch(epoch))
            }
            Err(code) => respond(error_response(fenced_code(code, version, 4))),
        }
    }
}

/// PRODUCER_FENCED exists from `since` on (KIP-588); older versions get INVALID_PRODUCER_EPOCH.
pub(super) fn fenced_code(code: ErrorCode, version: i16, since: i16) -> ErrorCode {
    if code == ErrorCode::PRODUCER_FENCED && version < since {
        ErrorCode::INVALID_PRODUCER_EPOCH
    } else {
        code
    }
}

pub(super) fn error_response(code: ErrorCode) -> InitProducerIdResponse {
    InitProducerIdResponse::default().with_error_code(code.0).with_producer_id(ProducerId(-1)).with_producer_epoch(-1)
}
