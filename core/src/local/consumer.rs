//! Blocking consumer over an in-process broker or TCP: assign, seek, poll, and in a group
//! (`group.id`) subscribe, commit, committed, close with LeaveGroup, in the shape of
//! confluent-kafka's `Consumer`. Rebalances arrive as `ConsumerEvent::{Assigned, Revoked, Lost}`
//! in `take_events`.

use std::time::Duration;

use super::{wall_clock_ms, Cluster, Driver, LinkConfig};
use crate::client::ConsumerGroupMetadata;
use crate::config::ConsumerConfig;
use crate::consumer::{self, ConsumerEvent, ConsumerRecord, OffsetAndMetadata, TopicPartition};
use crate::error::{Error, Result};
use crate::protocol::Millis;

pub struct Consumer {
    driver: Driver<consumer::Consumer>,
    /// Events the machine reported that poll() turns into errors or hands out.
    events: Vec<ConsumerEvent>,
}

impl Consumer {
    /// A consumer of the brokers named by `bootstrap.servers`: an in-process cluster
    /// (`Cluster::bootstrap_servers()`, `inproc://...`) or `host:port` brokers over TCP,
    /// configured with Kafka property names.
    pub fn new<I, K, V>(config: I) -> Result<Consumer>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        Consumer::from_config(ConsumerConfig::from_pairs(config)?)
    }

    /// A consumer of the brokers its `bootstrap.servers` names (in-process or TCP).
    pub fn from_config(config: ConsumerConfig) -> Result<Consumer> {
        let link = LinkConfig {
            bootstrap_servers: config.bootstrap_servers.clone(),
            client_id: Some(config.client_id.clone()),
            connection: config.connection,
            // A JoinGroup may wait a whole rebalance (max.poll.interval.ms) for the other members.
            response_timeout_ms: if config.group_id.is_some() {
                (config.request_timeout_ms + Millis::from(config.fetch_max_wait_ms))
                    .max(config.max_poll_interval_ms + consumer::JOIN_GROUP_TIMEOUT_LAPSE_MS)
            } else {
                config.request_timeout_ms + Millis::from(config.fetch_max_wait_ms)
            },
            max_in_flight: super::MAX_IN_FLIGHT_DEFAULT,
        };
        let machine = consumer::Consumer::new(config, wall_clock_ms())?;
        Ok(Consumer { driver: Driver::connect(machine, link)?, events: Vec::new() })
    }

    /// A consumer of `cluster` (its `bootstrap.servers` is not consulted).
    pub fn with_config(cluster: &Cluster, config: ConsumerConfig) -> Result<Consumer> {
        let client_id = Some(config.client_id.clone());
        let machine = consumer::Consumer::new(config, wall_clock_ms())?;
        Ok(Consumer { driver: Driver::in_process(cluster, machine, client_id), events: Vec::new() })
    }

    /// Consume these partitions, each from an offset or (None) per `auto.offset.reset`.
    pub fn assign(&mut self, partitions: Vec<(TopicPartition, Option<i64>)>) {
        self.driver.machine.assign(partitions);
        self.driver.pump(wall_clock_ms());
    }

    pub fn unassign(&mut self) {
        self.driver.machine.unassign();
    }

    pub fn assignment(&self) -> Vec<TopicPartition> {
        self.driver.machine.assignment()
    }

    pub fn seek(&mut self, tp: &TopicPartition, offset: i64) -> Result<()> {
        self.driver.machine.seek(tp, offset)?;
        self.driver.pump(wall_clock_ms());
        Ok(())
    }

    pub fn position(&self, tp: &TopicPartition) -> Option<i64> {
        self.driver.machine.position(tp)
    }

    pub fn pause(&mut self, tps: &[TopicPartition]) {
        self.driver.machine.pause(tps);
    }

    pub fn resume(&mut self, tps: &[TopicPartition]) {
        self.driver.machine.resume(tps);
    }

    /// Wait up to `timeout` for records (at most `max.poll.records`). An error the
    /// consumer reported (offset reset with `none`, a corrupt batch) is returned
    /// first, once.
    pub fn poll(&mut self, timeout: Duration) -> Result<Vec<ConsumerRecord>> {
        self.poll_up_to(timeout, usize::MAX)
    }

    /// Like `poll`, at most `max` records; also returns (possibly with no records)
    /// as soon as a partition EOF event waits in `take_events`.
    pub fn poll_up_to(&mut self, timeout: Duration, max: usize) -> Result<Vec<ConsumerRecord>> {
        let events = &mut self.events;
        // Only EOFs reported during this call end the wait: old ones may never be taken.
        let seen = events.len();
        self.driver.run_until(timeout, |m| {
            m.note_poll(wall_clock_ms());
            while let Some(e) = m.poll_event() {
                events.push(e);
            }
            m.has_records()
                || events.iter().any(|e| matches!(e, ConsumerEvent::Error(_)))
                || events[seen..].iter().any(|e| matches!(e, ConsumerEvent::PartitionEof { .. }))
        });
        if let Some(i) = self.events.iter().position(|e| matches!(e, ConsumerEvent::Error(_))) {
            if let ConsumerEvent::Error(err) = self.events.remove(i) {
                return Err(err);
            }
        }
        let records = self.driver.machine.poll_records_up_to(wall_clock_ms(), max);
        // Hand the next fetch to the broker now so it overlaps with the caller's processing.
        self.driver.pump(wall_clock_ms());
        Ok(records)
    }

    /// Non-error events (partition EOF) seen so far.
    pub fn take_events(&mut self) -> Vec<ConsumerEvent> {
        std::mem::take(&mut self.events)
    }

    /// The last connection problem of the TCP transport (a broker unreachable, a response
    /// refused as malformed), as librdkafka's error callback reports it; `None` in-process.
    /// The consumer keeps retrying on its own: this only tells why nothing arrives.
    pub fn transport_error(&self) -> Option<crate::error::Error> {
        self.driver.transport_error()
    }

    /// Connection problems so far (see `TransportHealth`), for error callbacks.
    pub fn transport_health(&self) -> super::TransportHealth {
        self.driver.transport_health()
    }

    /// Join the consumer group (`group.id`) for these topics.
    pub fn subscribe(&mut self, topics: &[&str]) -> Result<()> {
        self.driver.machine.subscribe(topics.iter().map(|t| t.to_string()).collect())?;
        self.driver.pump(wall_clock_ms());
        Ok(())
    }

    /// Join the consumer group for every topic whose whole name matches the regular expression.
    pub fn subscribe_pattern(&mut self, pattern: &str) -> Result<()> {
        self.driver.machine.subscribe_pattern(pattern)?;
        self.driver.pump(wall_clock_ms());
        Ok(())
    }

    /// Leave the group (partitions revoked, positions committed first with auto-commit).
    pub fn unsubscribe(&mut self) {
        self.driver.machine.unsubscribe();
        self.driver.pump(wall_clock_ms());
    }

    pub fn subscription(&self) -> Vec<String> {
        self.driver.machine.subscription()
    }

    /// Commit the positions of every assigned partition (`None`) or these offsets. Synchronous:
    /// waits up to `timeout` and returns what was committed; asynchronous: returns the commit's
    /// id at once, its outcome comes as `ConsumerEvent::CommitCompleted` in `take_events`.
    pub fn commit(
        &mut self,
        offsets: Option<Vec<(TopicPartition, OffsetAndMetadata)>>,
        timeout: Duration,
    ) -> Result<Vec<(TopicPartition, i64)>> {
        let id = self.driver.machine.commit(offsets, wall_clock_ms())?;
        let mut result = None;
        self.driver.run_until(timeout, |m| {
            while let Some(e) = m.poll_event() {
                match e {
                    ConsumerEvent::CommitCompleted { id: done, result: r } if done == id => result = Some(r),
                    other => self.events.push(other),
                }
            }
            result.is_some()
        });
        result.unwrap_or_else(|| Err(Error::timed_out("waiting for the offset commit")))
    }

    pub fn commit_async(&mut self, offsets: Option<Vec<(TopicPartition, OffsetAndMetadata)>>) -> Result<u64> {
        let id = self.driver.machine.commit(offsets, wall_clock_ms())?;
        self.driver.pump(wall_clock_ms());
        Ok(id)
    }

    /// Store offsets for the next commit without offsets and for auto-commit
    /// (`enable.auto.offset.store=false`): see `consumer::Consumer::store_offsets`.
    pub fn store_offsets(&mut self, offsets: Vec<(TopicPartition, OffsetAndMetadata)>) -> Result<()> {
        self.driver.machine.store_offsets(offsets)
    }

    /// Keep the group membership alive while the application processes records: send a
    /// heartbeat if one is due, and handle the answers that arrived (a rebalance the coordinator
    /// announced starts; its events come with the next poll). Never blocks, fetches nothing new
    /// for the application and does not count as a poll for `max.poll.interval.ms`.
    pub fn heartbeat(&mut self) {
        self.driver.pump(wall_clock_ms());
    }

    /// The group's committed offsets of `tps` (`None` where nothing is committed).
    pub fn committed(
        &mut self,
        tps: Vec<TopicPartition>,
        timeout: Duration,
    ) -> Result<Vec<(TopicPartition, Option<OffsetAndMetadata>)>> {
        let id = self.driver.machine.committed(tps, wall_clock_ms())?;
        let mut result = None;
        self.driver.run_until(timeout, |m| {
            while let Some(e) = m.poll_event() {
                match e {
                    ConsumerEvent::Committed { id: done, result: r } if done == id => result = Some(r),
                    other => self.events.push(other),
                }
            }
            result.is_some()
        });
        result.unwrap_or_else(|| Err(Error::timed_out("waiting for the committed offsets")))
    }

    /// With the barrier on, partitions a rebalance revokes stay assigned (paused) after the
    /// `Revoked` event until `ack_revoke`, so that their positions can be committed first (the
    /// bindings' `on_revoke`). Off by default.
    pub fn set_revoke_barrier(&mut self, on: bool) {
        self.driver.machine.set_revoke_barrier(on);
    }

    /// Release the partitions of the last `Revoked` event; the rebalance goes on.
    pub fn ack_revoke(&mut self) {
        self.driver.machine.ack_revoke();
        self.driver.pump(wall_clock_ms());
    }

    /// What a transactional producer's `send_offsets_to_transaction` needs (KIP-447).
    pub fn group_metadata(&self) -> Option<ConsumerGroupMetadata> {
        self.driver.machine.group_metadata()
    }

    /// Leave the group cleanly: with auto-commit the positions are committed, every partition is
    /// revoked (a `Revoked` event) and LeaveGroup is sent, waiting up to `timeout` for the answers.
    /// Dropping the consumer without `close` is a crash to the group: its session expires.
    pub fn close(&mut self, timeout: Duration) -> Result<()> {
        self.driver.machine.close_group();
        let events = &mut self.events;
        let done = self.driver.run_until(timeout, |m| {
            while let Some(e) = m.poll_event() {
                events.push(e);
            }
            m.group_idle()
        });
        if done {
            Ok(())
        } else {
            Err(Error::timed_out("closing the consumer: the commit or LeaveGroup got no answer"))
        }
    }

    pub fn machine(&self) -> &consumer::Consumer {
        &self.driver.machine
    }
}
