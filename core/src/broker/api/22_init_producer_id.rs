// InitProducerId: v0-v4, non-transactional only (for now)
// Behaviour:
// - Without a transactional_id (an idempotent producer): a fresh producer id from the broker's
//   counter (0, 1, 2, ...), epoch 0, as Kafka does: the producer_id/epoch a v3+ client sends to
//   bump its epoch (KIP-360) are ignored on this path, a new id is allocated every time.
// - An empty transactional_id: INVALID_REQUEST, as Kafka's transaction coordinator answers (null
//   means idempotent only).
// - With a transactional_id: COORDINATOR_NOT_AVAILABLE until the transaction coordinator lands
//   (issue 5); the client retries and times out rather than getting a producer id that would
//   pretend transactions work.
// - Producer ids belong to the broker (every node of `BrokerConfig::nodes` shares the counter).
// Version notes:
// - v2+: flexible. v3+: producer_id and producer_epoch in the request. v5+ (2PC) not supported.

use kafka_protocol::messages::{InitProducerIdRequest, InitProducerIdResponse, ProducerId, ResponseKind};

use crate::error::ErrorCode;

use super::super::Broker;
use super::Outcome;

impl Broker {
    pub(super) fn handle_init_producer_id(&mut self, req: InitProducerIdRequest) -> Outcome {
        if req.transactional_id.as_ref().is_some_and(|t| t.0.is_empty()) {
            return Outcome::Respond(ResponseKind::InitProducerId(error_response(ErrorCode::INVALID_REQUEST)));
        }
        if req.transactional_id.is_some() {
            return Outcome::Respond(ResponseKind::InitProducerId(error_response(
                ErrorCode::COORDINATOR_NOT_AVAILABLE,
            )));
        }
        let id = self.next_producer_id;
        self.next_producer_id += 1;
        let resp = InitProducerIdResponse::default().with_producer_id(ProducerId(id)).with_producer_epoch(0);
        Outcome::Respond(ResponseKind::InitProducerId(resp))
    }
}

pub(super) fn error_response(code: ErrorCode) -> InitProducerIdResponse {
    InitProducerIdResponse::default().with_error_code(code.0).with_producer_id(ProducerId(-1)).with_producer_epoch(-1)
}
