//! The broker: a sans-IO state machine for one Kafka broker holding its topics in memory.
//!
//! Drivers feed it requests (`handle_request(conn, request, now)`), time (`handle_timeout`)
//! and closed connections (`handle_disconnect`), and drain responses (`poll_response`).
//! It owns topics (`topic.rs`), partition logs (`log.rs`) and configuration (`config.rs`);
//! request handlers live one API key to a file under `api/`. It relies on the record layer
//! to validate and rewrite record batches without decoding them.
//!
//! Like Kafka, the broker answers a connection's requests in order: while a Fetch waits for
//! data (or a JoinGroup or SyncGroup for the rest of its group) on a connection, the requests
//! that follow it on that connection wait too (`parked.rs`). Groups live in `crate::group`.

pub mod api;
pub mod config;
pub mod coordinator;
pub mod log;
mod parked;
pub mod producer_state;
pub mod topic;
mod transactions;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_groups;

use std::collections::{BTreeMap, VecDeque};

use crate::group::GroupCoordinator;
use crate::notes::{Note, Notes};
use crate::protocol::{ConnId, Millis, Request, Response};
use crate::txn::TxnCoordinator;

use parked::Parked;

pub use config::{BrokerConfig, TopicConfig};
pub use log::{PartitionLog, StoredBatch};
pub use topic::Topic;

/// The leader epoch of every partition: one broker, never a leader change.
pub(crate) const LEADER_EPOCH: i32 = 0;

#[derive(Clone)]
pub struct Broker {
    config: BrokerConfig,
    topics: BTreeMap<String, Topic>,
    /// Counts topic creations; feeds topic ids.
    topics_created: u64,
    responses: VecDeque<Response>,
    /// Connections the broker wants closed (Kafka closes on an unknown API key, and on a
    /// failed acks=0 produce so that the producer notices).
    closes: VecDeque<ConnId>,
    /// The node each connection reached, when not `config.node_id` (`BrokerConfig::nodes`).
    conn_nodes: BTreeMap<ConnId, i32>,
    /// At most one parked request (a Fetch, JoinGroup or SyncGroup) per connection; requests
    /// behind it are in its backlog.
    parked: BTreeMap<ConnId, Parked>,
    /// Data was appended or topics deleted: parked fetches may be answerable.
    parked_dirty: bool,
    next_retention_check_ms: Millis,
    /// The next producer id InitProducerId hands out.
    next_producer_id: i64,
    /// The classic consumer groups this broker coordinates.
    groups: GroupCoordinator,
    /// The peer address of each TCP connection (`set_connection_host`), as group members' client host.
    conn_hosts: BTreeMap<ConnId, String>,
    /// The transaction coordinator (every transactional id, whichever node coordinates it).
    txn: TxnCoordinator,
    /// Why the broker decided what it did (`set_notes`; off by default).
    notes: Notes,
}

impl Broker {
    pub fn new(config: BrokerConfig, now: Millis) -> Broker {
        let next_retention_check_ms = now.saturating_add(config.log_retention_check_interval_ms);
        let groups = GroupCoordinator::new(config.group.clone(), now);
        Broker {
            groups,
            conn_hosts: BTreeMap::new(),
            config,
            topics: BTreeMap::new(),
            topics_created: 0,
            responses: VecDeque::new(),
            closes: VecDeque::new(),
            conn_nodes: BTreeMap::new(),
            parked: BTreeMap::new(),
            parked_dirty: false,
            next_retention_check_ms,
            next_producer_id: 0,
            txn: TxnCoordinator::new(),
            notes: Notes::default(),
        }
    }

    /// Collect notes on the broker's and its coordinators' decisions (off by default: then each
    /// decision costs a branch and nothing else). Turning them off forgets the pending ones.
    pub fn set_notes(&mut self, on: bool) {
        self.notes.set_enabled(on);
        self.groups.set_notes(on);
    }

    /// The notes collected since the last call, oldest first (each names the connection whose
    /// request caused it, or none for the broker's own timers).
    pub fn take_notes(&mut self) -> Vec<Note> {
        self.absorb_group_notes();
        self.notes.take()
    }

    /// Moves the group coordinator's notes into the broker's, attributed to the current request.
    pub(crate) fn absorb_group_notes(&mut self) {
        if self.notes.is_enabled() {
            self.notes.absorb(self.groups.notes_mut());
        }
    }

    /// One request from connection `conn`. Responses come out of `poll_response` (immediately for
    /// most requests; later for a Fetch that waits for min bytes; never for Produce acks=0).
    pub fn handle_request(&mut self, conn: ConnId, request: Request, now: Millis) {
        if let Some(p) = self.parked.get_mut(&conn) {
            p.backlog.push_back(request);
            if p.backlog.len() >= self.config.conn_backlog_requests_max {
                if p.is_fetch() {
                    p.force = true;
                } else {
                    // A JoinGroup or SyncGroup cannot be answered early: the client is flooding us.
                    self.parked.remove(&conn);
                    self.closes.push_back(conn);
                }
            }
        } else {
            self.dispatch(conn, request, now);
        }
        self.settle(now);
    }

    pub fn poll_response(&mut self) -> Option<Response> {
        self.responses.pop_front()
    }

    /// A connection the broker wants closed, as Kafka would close it (after a failed
    /// acks=0 Produce, or a request with an API key it does not know). Drivers close it
    /// and then call `handle_disconnect`.
    pub fn poll_close(&mut self) -> Option<ConnId> {
        self.closes.pop_front()
    }

    /// Time passed: complete parked fetches whose max wait expired, enforce retention, abort
    /// transactions past their timeout.
    pub fn handle_timeout(&mut self, now: Millis) {
        self.abort_expired_transactions(now);
        if now >= self.next_retention_check_ms {
            self.enforce_retention(now);
            self.next_retention_check_ms = now.saturating_add(self.config.log_retention_check_interval_ms.max(1));
        }
        self.groups.tick(now);
        self.absorb_group_notes();
        self.settle(now);
        self.absorb_group_notes();
    }

    /// Earliest deadline at which `handle_timeout` has work (parked fetch expiry, next retention
    /// check, group deadlines: sessions, rebalances, offset expiry; a transaction timing out).
    pub fn poll_timeout(&self) -> Option<Millis> {
        let fetch = self.parked.values().filter_map(Parked::deadline).min();
        let retention =
            self.topics.values().any(|t| t.config().has_retention()).then_some(self.next_retention_check_ms);
        [fetch, retention, self.groups.next_deadline(), self.txn.next_deadline()].into_iter().flatten().min()
    }

    /// The group coordinator (read-only; requests change it).
    pub fn groups(&self) -> &GroupCoordinator {
        &self.groups
    }

    /// The end of a transaction for the group coordinator: `producer_id`'s offsets staged by
    /// TxnOffsetCommit for `group_id` become committed (`commit`) or are dropped. EndTxn (and a
    /// transaction timing out) calls it for every group the transaction added with AddOffsetsToTxn.
    pub(crate) fn groups_txn_marker(&mut self, group_id: &str, producer_id: i64, commit: bool, now: Millis) {
        self.groups.txn_marker(group_id, producer_id, commit, now);
        self.flush_group_records(now);
    }

    /// A connection closed: forget its parked request and the requests queued behind it (a
    /// parked JoinGroup's member stays until its session times out, as in Kafka).
    pub fn handle_disconnect(&mut self, conn: ConnId) {
        self.parked.remove(&conn);
        self.conn_nodes.remove(&conn);
        self.conn_hosts.remove(&conn);
        self.responses.retain(|r| r.conn != conn);
        self.closes.retain(|c| *c != conn);
    }

    /// Says which node connection `conn` reached (a driver listening once per node calls this
    /// before the connection's first request; without it a connection reaches `node_id`).
    pub fn set_connection_node(&mut self, conn: ConnId, node: i32) {
        self.conn_nodes.insert(conn, node);
    }

    /// Says where connection `conn` comes from (its peer IP address), which DescribeGroups shows as a
    /// member's client host (Kafka's `/ip`); in-process connections have none.
    pub fn set_connection_host(&mut self, conn: ConnId, host: String) {
        self.conn_hosts.insert(conn, host);
    }

    pub(crate) fn client_host(&self, conn: ConnId) -> String {
        self.conn_hosts.get(&conn).map_or_else(|| "in-process".to_string(), |h| format!("/{h}"))
    }

    pub(crate) fn node_of(&self, conn: ConnId) -> i32 {
        self.conn_nodes.get(&conn).copied().unwrap_or(self.config.node_id)
    }

    /// Every node as `(id, advertised host, port)`: `BrokerConfig::nodes`, or this one.
    pub fn nodes(&self) -> Vec<(i32, String, i32)> {
        if self.config.nodes.is_empty() {
            vec![(self.config.node_id, self.config.host.clone(), self.config.port)]
        } else {
            self.config.nodes.clone()
        }
    }

    /// The node leading a partition: spread over the nodes from a per-topic start (from its id),
    /// one partition to the next node. The first node for a topic that does not exist.
    pub fn leader(&self, topic: &str, partition: i32) -> i32 {
        let nodes = &self.config.nodes;
        let Some(t) = self.topics.get(topic).filter(|_| nodes.len() > 1) else {
            return nodes.first().map_or(self.config.node_id, |n| n.0);
        };
        let id = t.id();
        let start = u32::from_be_bytes([id[0], id[1], id[2], id[3]]) as usize;
        nodes[(start + partition.max(0) as usize) % nodes.len()].0
    }

    /// True unless the partition exists and another node leads it (errors for unknown
    /// partitions take precedence).
    pub(crate) fn leads(&self, node: i32, topic: &str, partition: i32) -> bool {
        self.partition(topic, partition).is_none() || self.leader(topic, partition) == node
    }

    pub fn config(&self) -> &BrokerConfig {
        &self.config
    }

    /// A driver started listening after the broker was made (`Cluster::listen`): Metadata
    /// advertises `host:port` from now on (single-node brokers; `nodes` keeps its own).
    pub fn set_advertised(&mut self, host: String, port: i32) {
        self.config.host = host;
        self.config.port = port;
    }

    /// Topics in name order.
    pub fn topics(&self) -> impl Iterator<Item = (&str, &Topic)> {
        self.topics.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn topic(&self, name: &str) -> Option<&Topic> {
        self.topics.get(name)
    }

    pub fn partition(&self, topic: &str, partition: i32) -> Option<&PartitionLog> {
        self.topics.get(topic).and_then(|t| t.partition(partition))
    }

    /// Number of fetches currently waiting for data.
    pub fn parked_fetches(&self) -> usize {
        self.parked.values().filter(|p| p.is_fetch()).count()
    }

    /// Runs retention over every partition now (also done every `log.retention.check.interval.ms`
    /// by `handle_timeout`).
    pub fn enforce_retention(&mut self, now: Millis) {
        let mut moved = false;
        for (name, topic) in self.topics.iter_mut() {
            let (ms, bytes) = (topic.config().retention_ms, topic.config().retention_bytes);
            for (i, p) in topic.partitions_mut().iter_mut().enumerate() {
                let before = p.log_start_offset();
                if p.enforce_retention(now, ms, bytes) {
                    moved = true;
                    let after = p.log_start_offset();
                    self.notes.add(now, "retention-delete", None, || {
                        let why =
                            if ms >= 0 { format!("retention.ms {ms}") } else { format!("retention.bytes {bytes}") };
                        format!("{name}-{i} log start {before} → {after} ({why})")
                    });
                }
            }
        }
        // A parked fetch whose offset fell below the log start now has an error to report.
        self.parked_dirty |= moved;
    }

    /// Creates a topic with the given partitions (1..=topic_partitions_max) and configuration,
    /// for drivers and internal topics. Returns false if the name is taken or invalid, or the
    /// partition count out of range.
    pub fn create_topic(&mut self, name: &str, num_partitions: i32, config: TopicConfig) -> bool {
        let partitions_ok = (1..=self.config.topic_partitions_max).contains(&num_partitions);
        if self.topics.contains_key(name) || topic::validate_topic_name(name).is_err() || !partitions_ok {
            return false;
        }
        self.topics_created += 1;
        let id = topic::topic_id(name, self.topics_created);
        self.topics.insert(name.to_string(), Topic::new(id, config, num_partitions));
        true
    }

    /// Creates `name` with the broker's defaults (Metadata and Produce auto-creation).
    /// The caller checked that the name is valid and auto-creation allowed.
    fn auto_create_topic(&mut self, name: &str) -> crate::error::ErrorCode {
        use crate::error::ErrorCode;
        let key = topic::collision_key(name);
        if self.topics.keys().any(|t| topic::collision_key(t) == key) {
            return ErrorCode::INVALID_TOPIC_EXCEPTION;
        }
        let config = TopicConfig::defaults(&self.config);
        self.create_topic(name, self.config.num_partitions, config);
        ErrorCode::NONE
    }

    fn push_response(&mut self, response: Response) {
        self.responses.push_back(response);
    }
}
