//! Blocking producer over an in-process broker or TCP, in the shape of confluent-kafka's
//! `Producer`: `send` enqueues, delivery reports come back from `poll` and `flush`.

use std::time::Duration;

use super::{wall_clock_ms, Cluster, Driver, LinkConfig};
use crate::client::ConsumerGroupMetadata;
use crate::config::ProducerConfig;
use crate::error::{Error, Result};
use crate::producer::{self, DeliveryId, ProducerEvent, ProducerRecord, TxnOffset, TxnOp, TxnState};

pub struct Producer {
    driver: Driver<producer::Producer>,
}

impl Producer {
    /// A producer of the brokers named by `bootstrap.servers`: an in-process cluster
    /// (`Cluster::bootstrap_servers()`, `inproc://...`) or `host:port` brokers over TCP,
    /// configured with Kafka property names.
    pub fn new<I, K, V>(config: I) -> Result<Producer>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        Producer::from_config(ProducerConfig::from_pairs(config)?)
    }

    /// A producer of the brokers its `bootstrap.servers` names (in-process or TCP).
    pub fn from_config(config: ProducerConfig) -> Result<Producer> {
        let link = LinkConfig {
            bootstrap_servers: config.bootstrap_servers.clone(),
            client_id: Some(config.client_id.clone()),
            connection: config.connection,
            response_timeout_ms: config.request_timeout_ms,
            max_in_flight: config.max_in_flight_requests_per_connection,
        };
        let machine = producer::Producer::new(config, wall_clock_ms())?;
        Ok(Producer { driver: Driver::connect(machine, link)? })
    }

    /// A producer of `cluster` (its `bootstrap.servers` is not consulted).
    pub fn with_config(cluster: &Cluster, config: ProducerConfig) -> Result<Producer> {
        let client_id = Some(config.client_id.clone());
        let machine = producer::Producer::new(config, wall_clock_ms())?;
        Ok(Producer { driver: Driver::in_process(cluster, machine, client_id) })
    }

    /// Enqueue a record; returns its delivery id. Ready batches are handed to the
    /// broker right away. Fails with QUEUE_FULL when `buffer.memory` is used up
    /// (as confluent-kafka raises BufferError): poll or flush, then send again.
    /// Connection problems so far (see `TransportHealth`), for error callbacks.
    pub fn transport_health(&self) -> super::TransportHealth {
        self.driver.transport_health()
    }

    pub fn send(&mut self, record: ProducerRecord) -> Result<DeliveryId> {
        let now = wall_clock_ms();
        let id = self.driver.machine.send(record, now)?;
        self.driver.pump(now);
        Ok(id)
    }

    /// Serve delivery reports for up to `timeout`; returns as soon as at least one is ready.
    pub fn poll(&mut self, timeout: Duration) -> Vec<ProducerEvent> {
        let mut events = Vec::new();
        self.driver.run_until(timeout, |m| {
            while let Some(e) = m.poll_event() {
                events.push(e);
            }
            !events.is_empty() || m.pending() == 0
        });
        events
    }

    /// Send everything queued now (ignoring `linger.ms`) and wait until every
    /// record is acknowledged or failed, or `timeout` passes. Reports are kept for `poll`
    /// unless `events` collects them.
    pub fn flush(&mut self, timeout: Duration) -> Result<()> {
        self.driver.machine.flush_now(wall_clock_ms());
        let start = std::time::Instant::now();
        let done = self.driver.run_until(timeout, |m| m.pending() == 0)
            && self.driver.run_until_sent(timeout.saturating_sub(start.elapsed()));
        if done {
            Ok(())
        } else {
            let mut msg = format!("flush with {} records outstanding", self.driver.machine.pending());
            if let Some(e) = self.driver.transport_error() {
                msg.push_str(&format!(" ({e})"));
            }
            Err(Error::timed_out(msg))
        }
    }

    /// Delivery reports already available, without waiting.
    pub fn take_events(&mut self) -> Vec<ProducerEvent> {
        let mut out = Vec::new();
        while let Some(e) = self.driver.machine.poll_event() {
            out.push(e);
        }
        out
    }

    /// Records sent and not yet reported.
    pub fn pending(&self) -> usize {
        self.driver.machine.pending()
    }

    /// The state machine, for inspection.
    pub fn machine(&self) -> &producer::Producer {
        &self.driver.machine
    }

    // ---- transactions (confluent-kafka's transactional methods) -----------------

    /// Finds the transaction coordinator and registers `transactional.id`, fencing older
    /// producers with the same id. A call that timed out may be repeated: it continues.
    pub fn init_transactions(&mut self, timeout: Duration) -> Result<()> {
        self.driver.machine.init_transactions(wall_clock_ms())?;
        self.wait_txn(TxnOp::InitTransactions, timeout)
    }

    /// Starts a transaction; records sent until commit or abort belong to it.
    pub fn begin_transaction(&mut self) -> Result<()> {
        self.driver.machine.begin_transaction()
    }

    /// Commits `offsets` of the consumer group `metadata` names as part of the transaction.
    pub fn send_offsets_to_transaction(
        &mut self,
        offsets: Vec<TxnOffset>,
        metadata: &ConsumerGroupMetadata,
        timeout: Duration,
    ) -> Result<()> {
        self.driver.machine.send_offsets_to_transaction(offsets, metadata, wall_clock_ms())?;
        self.wait_txn(TxnOp::SendOffsetsToTransaction, timeout)
    }

    /// Sends every record of the transaction, then commits it. Fails with an error whose
    /// `txn_requires_abort()` is true if a record of the transaction failed.
    pub fn commit_transaction(&mut self, timeout: Duration) -> Result<()> {
        self.driver.machine.commit_transaction(wall_clock_ms())?;
        self.wait_txn(TxnOp::CommitTransaction, timeout)
    }

    /// Aborts the transaction: unsent records fail (see their delivery reports), written
    /// ones are never seen by read_committed consumers.
    pub fn abort_transaction(&mut self, timeout: Duration) -> Result<()> {
        self.driver.machine.abort_transaction(wall_clock_ms())?;
        self.wait_txn(TxnOp::AbortTransaction, timeout)
    }

    /// The transaction manager's state (`None` without `transactional.id`).
    pub fn txn_state(&self) -> Option<TxnState> {
        self.driver.machine.txn_state()
    }

    fn wait_txn(&mut self, op: TxnOp, timeout: Duration) -> Result<()> {
        self.driver.pump(wall_clock_ms());
        let mut result = None;
        self.driver.run_until(timeout, |m| {
            while let Some(ev) = m.poll_txn_event() {
                if ev.op == op {
                    result = Some(ev.result);
                }
            }
            result.is_some()
        });
        result.unwrap_or_else(|| {
            let mut msg = format!("{op:?}");
            if let Some(e) = self.driver.transport_error() {
                msg.push_str(&format!(" ({e})"));
            }
            Err(Error::timed_out(msg))
        })
    }
}
