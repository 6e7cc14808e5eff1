//! The TCP transport of the blocking clients (`local::Producer`, `Consumer`,
//! `Admin` when `bootstrap.servers` lists `host:port`): one connection per broker
//! id, the bootstrap connection being broker id -1 (`protocol::BOOTSTRAP`).
//!
//! It owns the connections and what crosses them: broker addresses (learnt by
//! reading the Metadata responses it carries, so the state machines need not tell
//! it), the versions each broker speaks (ApiVersions on connect; each request goes
//! at min(ours, the broker's newest), refused below our oldest), the requests in
//! flight per connection (at most `max.in.flight.requests.per.connection`, the rest
//! queued in order), and reconnects (`reconnect.backoff.ms`, doubling to
//! `reconnect.backoff.max.ms`). A broken connection is reported once to the state
//! machine with `handle_disconnect`, which retries as it sees fit; a request no
//! common version can carry is answered locally with UNSUPPORTED_VERSION on each of
//! its items (`unsupported.rs`), so the machine fails it rather than retrying.
//!
//! Why threads and blocking sockets rather than an async runtime: the clients'
//! API is blocking, so a runtime would sit behind a channel anyway; here each
//! connection has one reader thread (`conn.rs`) that turns frames into events on a
//! channel, and the caller's thread writes requests and waits on that channel with
//! the machine's next deadline as timeout. No runtime to own, start or fork, no
//! extra dependency; the threads are as many as the brokers.

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use super::codec;
use super::conn::{self, BrokerVersions, ConnEvent, ConnSpec};
use super::unsupported;
use crate::client::{versions, ClientMachine};
use crate::error::{Error, ErrorCode, Result};
use crate::local::LinkConfig;
use crate::protocol::{broker_of_link, ApiKey, BrokerId, Millis, ResponseKind, Transmit, BOOTSTRAP};

/// A request written to a connection, awaiting its response.
struct Sent {
    sent_ms: Millis,
    correlation_id: i32,
    api_key: ApiKey,
    version: i16,
}

enum State {
    /// Waiting before the next attempt (nothing to do before `until`).
    Idle {
        until: Millis,
    },
    Connecting,
    Ready {
        stream: TcpStream,
        versions: BrokerVersions,
    },
}

struct Conn {
    addr: String,
    generation: u64,
    state: State,
    /// Requests handed over by the machine, not written yet (connecting, or the pipeline is full).
    queued: VecDeque<Transmit>,
    sent: VecDeque<Sent>,
    /// Consecutive failed attempts, for the backoff.
    failures: u32,
}

/// The TCP transport: see the module doc.
pub struct TcpTransport {
    client_id: Option<String>,
    setup_timeout: Duration,
    reconnect_backoff_ms: Millis,
    reconnect_backoff_max_ms: Millis,
    max_in_flight: usize,
    response_timeout_ms: Millis,
    bootstrap: Vec<String>,
    /// The bootstrap address the next bootstrap connection tries (rotates on failure).
    next_bootstrap: usize,
    /// Broker addresses, from the Metadata responses seen.
    addrs: HashMap<BrokerId, String>,
    conns: HashMap<BrokerId, Conn>,
    next_generation: u64,
    events_tx: Sender<ConnEvent>,
    events: Receiver<ConnEvent>,
    /// Events taken off the channel by `wait`, for the next `pump`.
    stash: VecDeque<ConnEvent>,
    last_error: Option<Error>,
    /// How many connection problems were seen (each failure once), for error callbacks.
    error_count: u64,
}

impl TcpTransport {
    pub(crate) fn new(config: LinkConfig) -> Result<TcpTransport> {
        let bootstrap: Vec<String> = config.bootstrap_servers.iter().map(|s| s.trim().to_string()).collect();
        for s in &bootstrap {
            let port = s.rsplit_once(':').map(|(h, p)| (h, p.parse::<u16>()));
            if !matches!(port, Some((h, Ok(_))) if !h.is_empty()) {
                return Err(Error::config("bootstrap.servers", format!("expected host:port, got {s:?}")));
            }
        }
        let (events_tx, events) = channel();
        let c = config.connection;
        Ok(TcpTransport {
            client_id: config.client_id,
            setup_timeout: Duration::from_millis(c.socket_connection_setup_timeout_ms.max(1) as u64),
            reconnect_backoff_ms: c.reconnect_backoff_ms,
            reconnect_backoff_max_ms: c.reconnect_backoff_max_ms.max(c.reconnect_backoff_ms),
            max_in_flight: config.max_in_flight.max(1),
            response_timeout_ms: config.response_timeout_ms,
            bootstrap,
            next_bootstrap: 0,
            addrs: HashMap::new(),
            conns: HashMap::new(),
            next_generation: 1,
            events_tx,
            events,
            stash: VecDeque::new(),
            last_error: None,
            error_count: 0,
        })
    }

    /// Hands every ready request to its connection and every arrived response or
    /// broken connection to the machine, without blocking. True if anything moved.
    pub(crate) fn pump<M: ClientMachine>(&mut self, machine: &mut M, now: Millis) -> bool {
        let mut moved = false;
        loop {
            if machine.poll_timeout().is_some_and(|t| t <= now) {
                machine.handle_timeout(now);
            }
            let mut progress = false;
            while let Some(event) = self.stash.pop_front().or_else(|| self.events.try_recv().ok()) {
                self.on_event(machine, event, now);
                progress = true;
            }
            while let Some(t) = machine.poll_transmit(now) {
                self.submit(machine, t, now);
                progress = true;
            }
            self.start_due_connections(now);
            progress |= self.close_unanswered(machine, now);
            if !progress {
                return moved;
            }
            moved = true;
        }
    }

    /// Blocks for at most `max` or until a connection has news.
    pub(crate) fn wait<M: ClientMachine>(&mut self, _machine: &M, now: Millis, max: Duration) {
        if !self.stash.is_empty() {
            return;
        }
        let mut wait = max;
        // A connection waiting out its backoff with requests queued must be started then.
        for c in self.conns.values() {
            if let State::Idle { until } = c.state {
                if !c.queued.is_empty() {
                    wait = wait.min(Duration::from_millis((until - now).max(0) as u64));
                }
            }
        }
        if let Some(at) = self.next_response_deadline() {
            wait = wait.min(Duration::from_millis((at - now).max(0) as u64));
        }
        match self.events.recv_timeout(wait) {
            Ok(e) => self.stash.push_back(e),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {} // we hold a sender: cannot happen
        }
    }

    pub(crate) fn last_error(&self) -> Option<Error> {
        self.last_error.clone()
    }

    pub(crate) fn error_count(&self) -> u64 {
        self.error_count
    }

    /// True when every broker connection tried so far failed its last attempt
    /// (librdkafka's "all brokers down").
    pub(crate) fn all_down(&self) -> bool {
        !self.conns.is_empty() && self.conns.values().all(|c| c.failures > 0)
    }

    /// True while requests the machine handed over wait to be written (a connection
    /// still opening, a full pipeline).
    pub(crate) fn has_unsent(&self) -> bool {
        self.conns.values().any(|c| !c.queued.is_empty())
    }

    fn address_of(&mut self, broker: BrokerId) -> Option<String> {
        if broker == BOOTSTRAP {
            return self.bootstrap.get(self.next_bootstrap % self.bootstrap.len().max(1)).cloned();
        }
        // A coordinator link is a second connection to the same broker.
        self.addrs.get(&broker_of_link(broker)).cloned()
    }

    /// A request from the machine: queue it on its broker's connection and write
    /// what the pipeline allows.
    fn submit<M: ClientMachine>(&mut self, machine: &mut M, t: Transmit, now: Millis) {
        let broker = t.broker;
        if !self.conns.contains_key(&broker) {
            let Some(addr) = self.address_of(broker) else {
                let e = Error::new(ErrorCode::TRANSPORT, format!("no address known for broker {broker}"));
                self.last_error = Some(e);
                self.error_count += 1;
                machine.handle_disconnect(broker, now);
                return;
            };
            let conn = Conn {
                addr,
                generation: 0,
                state: State::Idle { until: now },
                queued: VecDeque::new(),
                sent: VecDeque::new(),
                failures: 0,
            };
            self.conns.insert(broker, conn);
        }
        if let Some(c) = self.conns.get_mut(&broker) {
            c.queued.push_back(t);
        }
        self.start_due_connections(now);
        self.write_queued(machine, broker, now);
    }

    /// When the oldest unanswered request of some connection times out.
    fn next_response_deadline(&self) -> Option<Millis> {
        self.conns.values().filter_map(|c| c.sent.front()).map(|s| s.sent_ms + self.response_timeout_ms).min()
    }

    /// Closes the connections whose oldest request went unanswered too long.
    fn close_unanswered<M: ClientMachine>(&mut self, machine: &mut M, now: Millis) -> bool {
        let timeout = self.response_timeout_ms;
        let late: Vec<(BrokerId, String)> = self
            .conns
            .iter()
            .filter(|(_, c)| c.sent.front().is_some_and(|s| s.sent_ms + timeout <= now))
            .map(|(b, c)| (*b, c.addr.clone()))
            .collect();
        let any = !late.is_empty();
        for (broker, addr) in late {
            let e = Error::new(
                ErrorCode::REQUEST_TIMED_OUT,
                format!("broker {broker} ({addr}): no response within {timeout} ms; closing the connection"),
            );
            self.fail(machine, broker, e, now);
        }
        any
    }

    /// Starts connecting where requests wait and the backoff is over.
    fn start_due_connections(&mut self, now: Millis) {
        let due: Vec<BrokerId> = self
            .conns
            .iter()
            .filter(|(_, c)| matches!(c.state, State::Idle { until } if until <= now) && !c.queued.is_empty())
            .map(|(b, _)| *b)
            .collect();
        for broker in due {
            let addr = match self.address_of(broker) {
                Some(a) => a,
                None => continue,
            };
            let generation = self.next_generation;
            self.next_generation += 1;
            let Some(c) = self.conns.get_mut(&broker) else { continue };
            c.addr = addr.clone();
            c.generation = generation;
            c.state = State::Connecting;
            let spec = ConnSpec {
                broker,
                generation,
                addr,
                client_id: self.client_id.clone(),
                setup_timeout: self.setup_timeout,
            };
            conn::spawn(spec, self.events_tx.clone());
        }
    }

    /// Writes queued requests of `broker` while the pipeline has room.
    fn write_queued<M: ClientMachine>(&mut self, machine: &mut M, broker: BrokerId, now: Millis) {
        loop {
            let Some(c) = self.conns.get_mut(&broker) else { return };
            let State::Ready { stream, versions: theirs } = &mut c.state else { return };
            if c.sent.len() >= self.max_in_flight {
                return;
            }
            let Some(mut t) = c.queued.pop_front() else { return };
            let Some(api_key) = t.api_key() else {
                continue; // newer than our table: nothing of ours sends it
            };
            let version = match negotiate(api_key, t.api_version, theirs) {
                Ok(v) => v,
                Err(e) => {
                    let e = Error::new(e.code(), format!("broker {} ({}): {}", broker, c.addr, e.message()));
                    match unsupported::error_response(&t.body, &e) {
                        Some(resp) => {
                            self.last_error = Some(e);
                            self.error_count += 1;
                            if t.expects_response {
                                machine.handle_response(broker, t.correlation_id, resp, now);
                            }
                            continue;
                        }
                        None => {
                            self.fail(machine, broker, e, now);
                            return;
                        }
                    }
                }
            };
            conn::fit_to_version(&mut t.body, version);
            let (correlation_id, expects_response) = (t.correlation_id, t.expects_response);
            let mut request = t.into_request(self.client_id.clone());
            request.api_version = version;
            let frame = match codec::encode_request(&request) {
                Ok(f) => f,
                Err(e) => {
                    let e = Error::internal(format!("cannot encode {api_key:?} v{version}: {e}"));
                    self.fail(machine, broker, e, now);
                    return;
                }
            };
            if let Err(e) = stream.write_all(&frame) {
                let e = Error::new(ErrorCode::TRANSPORT, format!("broker {} ({}): write failed: {e}", broker, c.addr));
                self.fail(machine, broker, e, now);
                return;
            }
            if expects_response {
                c.sent.push_back(Sent { sent_ms: now, correlation_id, api_key, version });
            }
        }
    }

    fn on_event<M: ClientMachine>(&mut self, machine: &mut M, event: ConnEvent, now: Millis) {
        match event {
            ConnEvent::Ready { broker, generation, stream, versions } => {
                let Some(c) = self.conns.get_mut(&broker).filter(|c| c.generation == generation) else {
                    let _ = stream.shutdown(Shutdown::Both);
                    return;
                };
                c.state = State::Ready { stream, versions };
                c.failures = 0;
                self.write_queued(machine, broker, now);
            }
            ConnEvent::Frame { broker, generation, frame } => {
                let Some(c) = self.conns.get_mut(&broker).filter(|c| c.generation == generation) else { return };
                let cid = frame.get(..4).map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]));
                // Kafka answers a connection's requests in order.
                let Some(sent) = c.sent.front().filter(|s| Some(s.correlation_id) == cid) else {
                    let e = Error::new(
                        ErrorCode::BAD_MSG,
                        format!("broker {broker} ({}): a response with unexpected correlation id {cid:?}", c.addr),
                    );
                    self.fail(machine, broker, e, now);
                    return;
                };
                let (api_key, version) = (sent.api_key, sent.version);
                let decoded = codec::decode_response(api_key, version, frame).map_err(|e| {
                    Error::new(ErrorCode::BAD_MSG, format!("broker {broker}: bad {api_key:?} v{version} response: {e}"))
                });
                match decoded {
                    Ok((correlation_id, body)) => {
                        c.sent.pop_front();
                        if let ResponseKind::Metadata(m) = &body {
                            for b in &m.brokers {
                                self.addrs.insert(b.node_id.0, format!("{}:{}", b.host.as_str(), b.port));
                            }
                        }
                        // A coordinator may be named before any Metadata response did (a
                        // transactional producer's first request).
                        if let ResponseKind::FindCoordinator(f) = &body {
                            if f.node_id.0 >= 0 && !f.host.is_empty() {
                                self.addrs
                                    .entry(f.node_id.0)
                                    .or_insert_with(|| format!("{}:{}", f.host.as_str(), f.port));
                            }
                            for c in f.coordinators.iter().filter(|c| c.node_id.0 >= 0 && !c.host.is_empty()) {
                                self.addrs
                                    .entry(c.node_id.0)
                                    .or_insert_with(|| format!("{}:{}", c.host.as_str(), c.port));
                            }
                        }
                        machine.handle_response(broker, correlation_id, body, now);
                        self.write_queued(machine, broker, now);
                    }
                    Err(e) => self.fail(machine, broker, e, now),
                }
            }
            ConnEvent::Failed { broker, generation, error } => {
                if self.conns.get(&broker).is_some_and(|c| c.generation == generation) {
                    self.fail(machine, broker, error, now);
                }
            }
        }
    }

    /// The connection to `broker` is done for: close it, tell the machine that every
    /// request it handed over there is lost, and back off before the next attempt.
    fn fail<M: ClientMachine>(&mut self, machine: &mut M, broker: BrokerId, error: Error, now: Millis) {
        let Some(c) = self.conns.get_mut(&broker) else { return };
        if let State::Ready { stream, .. } = &c.state {
            let _ = stream.shutdown(Shutdown::Both);
        }
        c.failures = c.failures.saturating_add(1);
        let shift = (c.failures - 1).min(20);
        let backoff = self.reconnect_backoff_ms.saturating_mul(1 << shift).min(self.reconnect_backoff_max_ms);
        c.state = State::Idle { until: now + backoff };
        // Abandon the old connection's thread: its events no longer match.
        c.generation = 0;
        c.sent.clear();
        c.queued.clear();
        if broker == BOOTSTRAP && !self.bootstrap.is_empty() {
            self.next_bootstrap = (self.next_bootstrap + 1) % self.bootstrap.len();
        }
        self.last_error = Some(error);
        self.error_count += 1;
        machine.handle_disconnect(broker, now);
    }
}

impl Drop for TcpTransport {
    fn drop(&mut self) {
        for c in self.conns.values() {
            if let State::Ready { stream, .. } = &c.state {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
    }
}

/// The version to send `key` at: min(ours, the broker's newest), failing when that
/// falls below our oldest or the broker's oldest.
fn negotiate(key: ApiKey, ours: i16, theirs: &BrokerVersions) -> Result<i16> {
    let (our_min, our_max) = versions::range(key).unwrap_or((ours, ours));
    let our_max = our_max.min(ours);
    let Some(&(their_min, their_max)) = theirs.get(&(key as i16)) else {
        return Err(Error::new(ErrorCode::UNSUPPORTED_VERSION, format!("the broker does not support {key:?}")));
    };
    let version = our_max.min(their_max);
    if version < our_min.max(their_min) {
        return Err(Error::new(
            ErrorCode::UNSUPPORTED_VERSION,
            format!("the broker supports {key:?} v{their_min}-v{their_max}, kafkette needs v{our_min}-v{our_max}"),
        ));
    }
    Ok(version)
}

#[cfg(test)]
mod tests {
    use kafka_protocol::messages::create_partitions_request::CreatePartitionsTopic;
    use kafka_protocol::messages::delete_records_request::{DeleteRecordsPartition, DeleteRecordsTopic};
    use kafka_protocol::messages::delete_topics_request::DeleteTopicState;
    use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
    use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
    use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
    use kafka_protocol::messages::{
        CreatePartitionsRequest, DeleteRecordsRequest, DeleteTopicsRequest, DescribeClusterRequest,
        DescribeConfigsRequest, FetchRequest, ListOffsetsRequest, TopicName,
    };

    use super::*;
    use crate::protocol::{Request, RequestKind, StrBytes};

    fn name(s: &str) -> TopicName {
        TopicName(StrBytes::from_string(s.to_string()))
    }

    /// Bodies as our state machines fill them, at every version we may negotiate down to:
    /// adapted, they encode and the server's decoder reads back what we meant.
    #[test]
    fn request_bodies_fit_every_version_in_our_ranges() {
        let fetch = FetchRequest::default().with_max_wait_ms(500).with_isolation_level(1).with_topics(vec![
            FetchTopic::default().with_topic(name("t")).with_partitions(vec![FetchPartition::default()
                .with_partition(3)
                .with_current_leader_epoch(7)
                .with_fetch_offset(42)
                .with_partition_max_bytes(1 << 20)]),
        ]);
        let list = ListOffsetsRequest::default().with_isolation_level(1).with_timeout_ms(30_000).with_topics(vec![
            ListOffsetsTopic::default().with_name(name("t")).with_partitions(vec![ListOffsetsPartition::default()
                .with_partition_index(3)
                .with_current_leader_epoch(7)
                .with_timestamp(-2)]),
        ]);
        let delete = DeleteTopicsRequest::default()
            .with_topics(vec![DeleteTopicState::default().with_name(Some(name("gone")))])
            .with_timeout_ms(1000);
        let records =
            DeleteRecordsRequest::default().with_timeout_ms(1000).with_topics(vec![DeleteRecordsTopic::default()
                .with_name(name("t"))
                .with_partitions(vec![DeleteRecordsPartition::default().with_partition_index(3).with_offset(42)])]);
        let configs = DescribeConfigsRequest::default().with_include_synonyms(true).with_resources(vec![
            DescribeConfigsResource::default()
                .with_resource_type(2)
                .with_resource_name(StrBytes::from_static_str("t"))
                .with_configuration_keys(None),
        ]);
        let partitions =
            CreatePartitionsRequest::default().with_timeout_ms(1000).with_topics(vec![CreatePartitionsTopic::default(
            )
            .with_name(name("t"))
            .with_count(6)
            .with_assignments(None)]);
        let cluster = DescribeClusterRequest::default();
        let coordinator = crate::client::coordinator::find_coordinator_request(
            crate::client::coordinator::CoordinatorType::Transaction,
            "txn-1",
        );
        let group_bodies = group_request_bodies();
        for (key, body) in group_bodies.into_iter().chain([
            (ApiKey::FindCoordinator, RequestKind::FindCoordinator(coordinator)),
            (ApiKey::Fetch, RequestKind::Fetch(fetch)),
            (ApiKey::ListOffsets, RequestKind::ListOffsets(list)),
            (ApiKey::DeleteTopics, RequestKind::DeleteTopics(delete)),
            (ApiKey::DeleteRecords, RequestKind::DeleteRecords(records)),
            (ApiKey::DescribeConfigs, RequestKind::DescribeConfigs(configs)),
            (ApiKey::CreatePartitions, RequestKind::CreatePartitions(partitions)),
            (ApiKey::DescribeCluster, RequestKind::DescribeCluster(cluster)),
        ]) {
            let (lo, hi) = versions::range(key).unwrap();
            for version in lo..=hi {
                let mut body = body.clone();
                conn::fit_to_version(&mut body, version);
                let request = Request { api_version: version, correlation_id: 1, client_id: None, body };
                let frame = codec::encode_request(&request).unwrap_or_else(|e| panic!("{key:?} v{version}: {e}"));
                let back = match codec::decode_request(frame.slice(4..)) {
                    Ok(r) => r.body,
                    // The broker may not serve the group APIs yet: read them with the crate's decoder.
                    Err(codec::Refused::UnsupportedApi { .. }) => {
                        use kafka_protocol::protocol::Decodable;
                        let mut buf = frame.slice(4..);
                        kafka_protocol::messages::RequestHeader::decode(&mut buf, key.request_header_version(version))
                            .unwrap();
                        RequestKind::decode(key, &mut buf, version)
                            .unwrap_or_else(|e| panic!("{key:?} v{version}: {e}"))
                    }
                    Err(_) => panic!("{key:?} v{version}"),
                };
                match back {
                    RequestKind::Fetch(f) => {
                        let p = &f.topics[0].partitions[0];
                        assert_eq!((p.partition, p.fetch_offset), (3, 42), "v{version}");
                    }
                    RequestKind::ListOffsets(l) => assert_eq!(l.topics[0].partitions[0].timestamp, -2, "v{version}"),
                    RequestKind::DeleteTopics(d) => {
                        let names: Vec<&str> = if version >= 6 {
                            d.topics.iter().filter_map(|t| t.name.as_ref()).map(|n| n.0.as_str()).collect()
                        } else {
                            d.topic_names.iter().map(|n| n.0.as_str()).collect()
                        };
                        assert_eq!(names, ["gone"], "v{version}");
                    }
                    RequestKind::DeleteRecords(d) => assert_eq!(d.topics[0].partitions[0].offset, 42, "v{version}"),
                    RequestKind::DescribeConfigs(d) => {
                        assert!(d.include_synonyms && d.resources[0].configuration_keys.is_none(), "v{version}")
                    }
                    RequestKind::CreatePartitions(c) => {
                        let t = &c.topics[0];
                        assert_eq!((t.count, t.assignments.is_none()), (6, true), "v{version}");
                    }
                    RequestKind::DescribeCluster(c) => assert_eq!(c.endpoint_type, 1, "v{version}"),
                    RequestKind::FindCoordinator(c) => {
                        let key = if version >= 4 { c.coordinator_keys[0].as_str() } else { c.key.as_str() };
                        assert_eq!((key, c.key_type), ("txn-1", 1), "v{version}");
                    }
                    RequestKind::JoinGroup(j) => {
                        assert_eq!((j.member_id.as_str(), j.protocols.len()), ("m", 1), "v{version}");
                        assert_eq!(j.group_instance_id.is_some(), version >= 5, "v{version}");
                    }
                    RequestKind::SyncGroup(g) => assert_eq!(g.assignments[0].member_id.as_str(), "m", "v{version}"),
                    RequestKind::Heartbeat(h) => assert_eq!(h.generation_id, 3, "v{version}"),
                    RequestKind::LeaveGroup(l) => {
                        let member = if version >= 3 { l.members[0].member_id.as_str() } else { l.member_id.as_str() };
                        assert_eq!(member, "m", "v{version}");
                    }
                    RequestKind::OffsetCommit(o) => {
                        assert_eq!(o.topics[0].partitions[0].committed_offset, 42, "v{version}")
                    }
                    RequestKind::OffsetFetch(o) => {
                        let parts = if version >= 8 {
                            o.groups[0].topics.as_ref().unwrap()[0].partition_indexes.clone()
                        } else {
                            assert_eq!(o.group_id.0.as_str(), "g", "v{version}");
                            o.topics.as_ref().unwrap()[0].partition_indexes.clone()
                        };
                        assert_eq!(parts, [3], "v{version}");
                    }
                    other => panic!("{other:?}"),
                }
            }
        }
    }

    /// The group API bodies as `consumer::group` and `consumer::commit` fill them (newest shapes).
    fn group_request_bodies() -> Vec<(ApiKey, RequestKind)> {
        use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
        use kafka_protocol::messages::leave_group_request::MemberIdentity;
        use kafka_protocol::messages::offset_commit_request::{OffsetCommitRequestPartition, OffsetCommitRequestTopic};
        use kafka_protocol::messages::offset_fetch_request::{OffsetFetchRequestGroup, OffsetFetchRequestTopics};
        use kafka_protocol::messages::sync_group_request::SyncGroupRequestAssignment;
        use kafka_protocol::messages::{
            GroupId, HeartbeatRequest, JoinGroupRequest, LeaveGroupRequest, OffsetCommitRequest, OffsetFetchRequest,
            SyncGroupRequest,
        };
        let s = |v: &str| StrBytes::from_string(v.to_string());
        let g = || GroupId(s("g"));
        vec![
            (
                ApiKey::JoinGroup,
                RequestKind::JoinGroup(
                    JoinGroupRequest::default()
                        .with_group_id(g())
                        .with_session_timeout_ms(45_000)
                        .with_rebalance_timeout_ms(300_000)
                        .with_member_id(s("m"))
                        .with_group_instance_id(Some(s("i")))
                        .with_protocol_type(s("consumer"))
                        .with_protocols(vec![JoinGroupRequestProtocol::default()
                            .with_name(s("range"))
                            .with_metadata(bytes::Bytes::from_static(b"x"))]),
                ),
            ),
            (
                ApiKey::SyncGroup,
                RequestKind::SyncGroup(
                    SyncGroupRequest::default()
                        .with_group_id(g())
                        .with_generation_id(3)
                        .with_member_id(s("m"))
                        .with_group_instance_id(Some(s("i")))
                        .with_protocol_type(Some(s("consumer")))
                        .with_protocol_name(Some(s("range")))
                        .with_assignments(vec![SyncGroupRequestAssignment::default().with_member_id(s("m"))]),
                ),
            ),
            (
                ApiKey::Heartbeat,
                RequestKind::Heartbeat(
                    HeartbeatRequest::default()
                        .with_group_id(g())
                        .with_generation_id(3)
                        .with_member_id(s("m"))
                        .with_group_instance_id(Some(s("i"))),
                ),
            ),
            (
                ApiKey::LeaveGroup,
                RequestKind::LeaveGroup(
                    LeaveGroupRequest::default()
                        .with_group_id(g())
                        .with_members(vec![MemberIdentity::default().with_member_id(s("m"))]),
                ),
            ),
            (
                ApiKey::OffsetCommit,
                RequestKind::OffsetCommit(
                    OffsetCommitRequest::default()
                        .with_group_id(g())
                        .with_generation_id_or_member_epoch(3)
                        .with_member_id(s("m"))
                        .with_group_instance_id(Some(s("i")))
                        .with_retention_time_ms(-1)
                        .with_topics(vec![OffsetCommitRequestTopic::default().with_name(name("t")).with_partitions(
                            vec![OffsetCommitRequestPartition::default()
                                .with_partition_index(3)
                                .with_committed_offset(42)
                                .with_committed_leader_epoch(7)
                                .with_committed_metadata(Some(s("meta")))],
                        )]),
                ),
            ),
            (
                ApiKey::OffsetFetch,
                RequestKind::OffsetFetch(
                    OffsetFetchRequest::default()
                        .with_groups(vec![OffsetFetchRequestGroup::default().with_group_id(g()).with_topics(Some(
                            vec![OffsetFetchRequestTopics::default()
                                .with_name(name("t"))
                                .with_partition_indexes(vec![3])],
                        ))])
                        .with_require_stable(true),
                ),
            ),
        ]
    }

    /// The group admin requests the broker does not serve yet: encoded at every version of our
    /// ranges after `fit_to_version`, and read back with the generated decoder.
    #[test]
    fn group_request_bodies_fit_every_version_in_our_ranges() {
        use kafka_protocol::protocol::{Decodable, Encodable};
        let fetch_offsets = {
            use kafka_protocol::messages::offset_fetch_request::{OffsetFetchRequestGroup, OffsetFetchRequestTopics};
            kafka_protocol::messages::OffsetFetchRequest::default().with_require_stable(true).with_groups(vec![
                OffsetFetchRequestGroup::default()
                    .with_group_id(kafka_protocol::messages::GroupId(StrBytes::from_static_str("g")))
                    .with_topics(Some(vec![OffsetFetchRequestTopics::default()
                        .with_name(name("t"))
                        .with_partition_indexes(vec![3])])),
            ])
        };
        let groups = kafka_protocol::messages::ListGroupsRequest::default()
            .with_states_filter(vec![StrBytes::from_static_str("Stable")]);
        for (key, body) in [
            (ApiKey::OffsetFetch, RequestKind::OffsetFetch(fetch_offsets)),
            (ApiKey::ListGroups, RequestKind::ListGroups(groups)),
        ] {
            let (lo, hi) = versions::range(key).unwrap();
            for version in lo..=hi {
                let mut body = body.clone();
                conn::fit_to_version(&mut body, version);
                let mut buf = bytes::BytesMut::new();
                match body {
                    RequestKind::OffsetFetch(o) => {
                        o.encode(&mut buf, version).unwrap_or_else(|e| panic!("{key:?} v{version}: {e}"));
                        let o = kafka_protocol::messages::OffsetFetchRequest::decode(&mut buf, version).unwrap();
                        let (group, partitions) = if version >= 8 {
                            let g = &o.groups[0];
                            (g.group_id.0.to_string(), g.topics.as_ref().unwrap()[0].partition_indexes.clone())
                        } else {
                            (o.group_id.0.to_string(), o.topics.as_ref().unwrap()[0].partition_indexes.clone())
                        };
                        assert_eq!((group.as_str(), partitions, o.require_stable), ("g", vec![3], version >= 7));
                    }
                    RequestKind::ListGroups(l) => {
                        l.encode(&mut buf, version).unwrap_or_else(|e| panic!("{key:?} v{version}: {e}"));
                        let l = kafka_protocol::messages::ListGroupsRequest::decode(&mut buf, version).unwrap();
                        assert_eq!(l.states_filter.len(), usize::from(version >= 4), "v{version}");
                    }
                    other => panic!("{other:?}"),
                }
            }
        }
    }

    #[test]
    fn negotiation_picks_the_highest_common_version() {
        let theirs: BrokerVersions = [(0, (0, 7)), (1, (4, 15)), (3, (0, 2))].into_iter().collect();
        assert_eq!(negotiate(ApiKey::Produce, versions::PRODUCE, &theirs).unwrap(), 7);
        assert_eq!(negotiate(ApiKey::Fetch, versions::FETCH, &theirs).unwrap(), versions::FETCH);
        let e = negotiate(ApiKey::Metadata, versions::METADATA, &theirs).unwrap_err();
        assert_eq!(e.code(), ErrorCode::UNSUPPORTED_VERSION);
        assert!(e.message().contains("Metadata v0-v2, kafkette needs v4-v12"), "{}", e.message());
        let e = negotiate(ApiKey::ListOffsets, versions::LIST_OFFSETS, &theirs).unwrap_err();
        assert!(e.message().contains("does not support ListOffsets"), "{}", e.message());
    }
}
