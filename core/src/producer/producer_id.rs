//! The idempotent producer's id and epoch over time: InitProducerId before the first batch
//! (to any broker; a transactional producer asks its coordinator, see `transactional.rs`),
//! again to bump the epoch (KIP-360) once nothing is in flight, retried with backoff, and a
//! refusal failing every queued record.

use kafka_protocol::messages::{RequestKind, ResponseKind};

use super::idempotence::PidState;
use super::Producer;
use crate::client::versions;
use crate::error::{Error, ErrorCode};
use crate::protocol::{Millis, Transmit};

impl Producer {
    /// InitProducerId when the idempotent producer needs an id (before its first batch,
    /// to any broker) or an epoch bump (once nothing is in flight).
    pub(super) fn poll_producer_id(&mut self, now: Millis) -> Option<Transmit> {
        if self.config.transactional_id.is_some() {
            return None; // the transaction manager asks its coordinator (init_transactions)
        }
        let idem = self.idem.as_mut()?;
        let due = match &idem.state {
            PidState::Unknown => !self.acc.topics.is_empty(),
            PidState::Backoff { until } => *until <= now && !self.acc.topics.is_empty(),
            PidState::Ready => idem.bump_needed && self.in_flight.is_empty(),
            PidState::Requesting { .. } => false,
            PidState::Failed(e) => {
                let e = e.clone();
                self.fail_queued(&e);
                return None;
            }
        };
        if !due {
            return None;
        }
        let body = idem.request(None, self.config.transaction_timeout_ms);
        let correlation_id = self.ids.next_id();
        idem.state = PidState::Requesting { correlation_id, deadline: now + self.config.request_timeout_ms };
        self.pid_broker = self.metadata.any_broker();
        Some(Transmit {
            broker: self.pid_broker,
            correlation_id,
            api_version: versions::INIT_PRODUCER_ID,
            body: RequestKind::InitProducerId(body),
            expects_response: true,
        })
    }

    pub(super) fn on_producer_id(&mut self, body: ResponseKind, now: Millis) {
        let before = self.producer_id();
        let result = match body {
            ResponseKind::InitProducerId(resp) => self.idem.as_mut().expect("idempotent").on_response(&resp),
            other => Err(Error::new(ErrorCode::BAD_MSG, format!("expected an InitProducerId response, got {other:?}"))),
        };
        match result {
            Ok(_) => {
                // A new id or epoch: every partition's sequences restart at 0.
                self.acc.reset_sequences();
                self.acc.relist_all();
                if let (Some((pid, epoch)), Some((old_pid, old_epoch))) = (self.producer_id(), before) {
                    self.notes.add(now, "sequence-reset", None, || {
                        let was =
                            if pid == old_pid { format!("epoch {old_epoch}") } else { format!("producer {old_pid}") };
                        format!("producer {pid} epoch {epoch} (was {was}): every partition's sequences start over at 0")
                    });
                }
            }
            Err(e) => self.producer_id_failed(e, now),
        }
    }

    /// InitProducerId failed: retriable errors back off and ask again; others fail the producer.
    pub(super) fn producer_id_failed(&mut self, e: Error, now: Millis) {
        let Some(idem) = self.idem.as_mut() else { return };
        if e.is_retriable() || e.code() == ErrorCode::TRANSPORT {
            idem.failures += 1;
            let shift = idem.failures.saturating_sub(1).min(30);
            let backoff = self.config.retry_backoff_ms.saturating_mul(1 << shift).min(self.config.retry_backoff_max_ms);
            idem.state = PidState::Backoff { until: now + backoff };
            if e.code() == ErrorCode::TRANSPORT {
                self.metadata.request_refresh();
            }
        } else {
            idem.state = PidState::Failed(e.clone());
            self.fail_queued(&e);
        }
    }

    /// Fails every queued batch and waiting record with `e` (the producer cannot send them).
    pub(super) fn fail_queued(&mut self, e: &Error) {
        for (t, p, batch) in self.acc.take_queued() {
            self.complete(t, p, batch, Err(e.clone()));
        }
        for t in 0..self.acc.topics.len() {
            let waiting = std::mem::take(&mut self.acc.topics[t].waiting);
            let name = self.acc.topics[t].name.clone();
            for w in waiting {
                self.fail_waiting(&name, w, e.clone());
            }
        }
    }
}
